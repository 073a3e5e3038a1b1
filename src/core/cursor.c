/*
 * cursor.c - bounds-checked reads over untrusted bytes (see cursor.h).
 *
 * Every accessor first proves [off, off+len) is inside the window with
 * fwg_cursor_has(), which compares against the remaining size instead of
 * adding to pointers, so no expression here can wrap.
 */
#include <string.h>

#include "cursor.h"

enum fwg_status fwg_cursor_seek(struct fwg_cursor *c, size_t pos)
{
	if (pos > c->size)
		return FWG_TRUNCATED;
	c->pos = pos;
	return FWG_OK;
}

enum fwg_status fwg_cursor_skip(struct fwg_cursor *c, size_t n)
{
	if (n > fwg_cursor_remaining(c))
		return FWG_TRUNCATED;
	c->pos += n;
	return FWG_OK;
}

enum fwg_status fwg_cursor_u8_at(const struct fwg_cursor *c, size_t off, uint8_t *v)
{
	if (!fwg_cursor_has(c, off, 1))
		return FWG_TRUNCATED;
	*v = c->base[off];
	return FWG_OK;
}

static uint64_t load_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = n; i-- > 0;)
		v = (v << 8) | p[i];
	return v;
}

static uint64_t load_be(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

#define DEFINE_INT_AT(fn, type, width, loader)                                  \
	enum fwg_status fn(const struct fwg_cursor *c, size_t off, type *v)     \
	{                                                                       \
		if (!fwg_cursor_has(c, off, width))                             \
			return FWG_TRUNCATED;                                   \
		*v = (type)loader(c->base + off, width);                        \
		return FWG_OK;                                                  \
	}

DEFINE_INT_AT(fwg_cursor_u16le_at, uint16_t, 2, load_le)
DEFINE_INT_AT(fwg_cursor_u24le_at, uint32_t, 3, load_le)
DEFINE_INT_AT(fwg_cursor_u32le_at, uint32_t, 4, load_le)
DEFINE_INT_AT(fwg_cursor_u64le_at, uint64_t, 8, load_le)
DEFINE_INT_AT(fwg_cursor_u16be_at, uint16_t, 2, load_be)
DEFINE_INT_AT(fwg_cursor_u32be_at, uint32_t, 4, load_be)
DEFINE_INT_AT(fwg_cursor_u64be_at, uint64_t, 8, load_be)

enum fwg_status fwg_cursor_copy_at(const struct fwg_cursor *c, size_t off, void *dst, size_t len)
{
	if (!fwg_cursor_has(c, off, len))
		return FWG_TRUNCATED;
	if (len)
		memcpy(dst, c->base + off, len);
	return FWG_OK;
}

enum fwg_status fwg_cursor_bytes_at(const struct fwg_cursor *c, size_t off, size_t len,
		const uint8_t **out)
{
	if (!fwg_cursor_has(c, off, len))
		return FWG_TRUNCATED;
	*out = c->base + off;
	return FWG_OK;
}

enum fwg_status fwg_cursor_sub(const struct fwg_cursor *c, size_t off, size_t len,
		struct fwg_cursor *out)
{
	if (!fwg_cursor_has(c, off, len))
		return FWG_TRUNCATED;
	*out = fwg_cursor_make(c->base + off, len);
	return FWG_OK;
}

#define DEFINE_READ(fn, type, at)                                               \
	enum fwg_status fn(struct fwg_cursor *c, type *v)                       \
	{                                                                       \
		enum fwg_status st = at(c, c->pos, v);                          \
		if (st == FWG_OK)                                               \
			c->pos += sizeof(type);                                 \
		return st;                                                      \
	}

DEFINE_READ(fwg_cursor_read_u8, uint8_t, fwg_cursor_u8_at)
DEFINE_READ(fwg_cursor_read_u16le, uint16_t, fwg_cursor_u16le_at)
DEFINE_READ(fwg_cursor_read_u32le, uint32_t, fwg_cursor_u32le_at)
DEFINE_READ(fwg_cursor_read_u64le, uint64_t, fwg_cursor_u64le_at)

enum fwg_status fwg_cursor_read_bytes(struct fwg_cursor *c, size_t len, const uint8_t **out)
{
	enum fwg_status st = fwg_cursor_bytes_at(c, c->pos, len, out);
	if (st == FWG_OK)
		c->pos += len;
	return st;
}

size_t fwg_cursor_first_not(const struct fwg_cursor *c, size_t off, size_t len, uint8_t value)
{
	if (!fwg_cursor_has(c, off, len))
		return off;
	const uint8_t *p = c->base + off;
	size_t i = 0;
	/* Bulk path: compare 64-byte blocks against a pattern word so that
	 * megabytes of erased flash are skipped at memory speed. */
	uint64_t pattern = 0x0101010101010101ull * value;
	while (len - i >= 64) {
		uint64_t w[8];
		memcpy(w, p + i, sizeof(w));
		uint64_t diff = 0;
		for (unsigned k = 0; k < 8; k++)
			diff |= w[k] ^ pattern;
		if (diff)
			break;
		i += 64;
	}
	while (i < len && p[i] == value)
		i++;
	return off + i;
}

bool fwg_cursor_all_equal(const struct fwg_cursor *c, size_t off, size_t len, uint8_t value)
{
	if (!fwg_cursor_has(c, off, len))
		return false;
	return fwg_cursor_first_not(c, off, len, value) == off + len;
}

size_t fwg_cursor_find(const struct fwg_cursor *c, size_t start, const void *needle,
		size_t needle_len)
{
	if (needle_len == 0 || start > c->size || needle_len > c->size - start)
		return SIZE_MAX;
	const void *hit = memmem(c->base + start, c->size - start, needle, needle_len);
	if (!hit)
		return SIZE_MAX;
	return (size_t)((const uint8_t *)hit - c->base);
}

enum fwg_status fwg_cursor_sum8(const struct fwg_cursor *c, size_t off, size_t len, uint8_t *sum)
{
	if (!fwg_cursor_has(c, off, len))
		return FWG_TRUNCATED;
	unsigned s = 0;
	for (size_t i = 0; i < len; i++)
		s += c->base[off + i];
	*sum = (uint8_t)s;
	return FWG_OK;
}

enum fwg_status fwg_cursor_sum16(const struct fwg_cursor *c, size_t off, size_t len, uint16_t *sum)
{
	if (!fwg_cursor_has(c, off, len) || (len & 1))
		return FWG_TRUNCATED;
	unsigned s = 0;
	for (size_t i = 0; i < len; i += 2)
		s += (unsigned)c->base[off + i] | ((unsigned)c->base[off + i + 1] << 8);
	*sum = (uint16_t)s;
	return FWG_OK;
}
