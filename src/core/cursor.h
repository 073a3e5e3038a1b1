/*
 * cursor.h - the bounds-checked cursor: the only way fwguard code reads
 * untrusted bytes.
 *
 * A cursor is a window [base, base+size) plus a position.  Every read checks
 * that the requested bytes lie inside the window before touching them, and a
 * failed read returns FWG_TRUNCATED without moving the position.  Positional
 * reads (`_at`) never move it.  Sub-cursors carve child windows, so a child
 * structure can never read its parent's neighbours.
 *
 * Invariants: pos <= size; base is never dereferenced outside [0, size).
 * Multi-byte integers are assembled byte by byte with explicit endianness, so
 * alignment and host byte order never matter.
 */
#ifndef FWG_CORE_CURSOR_H
#define FWG_CORE_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fwguard/fwguard.h"

struct fwg_cursor {
	const uint8_t *base;
	size_t size;
	size_t pos;
};

static inline struct fwg_cursor fwg_cursor_make(const uint8_t *base, size_t size)
{
	struct fwg_cursor c = { base, base ? size : 0, 0 };
	return c;
}

static inline size_t fwg_cursor_remaining(const struct fwg_cursor *c)
{
	return c->size - c->pos;
}

/* True when [off, off+len) lies inside the window (overflow-safe). */
static inline bool fwg_cursor_has(const struct fwg_cursor *c, size_t off, size_t len)
{
	return off <= c->size && len <= c->size - off;
}

FWG_NODISCARD enum fwg_status fwg_cursor_seek(struct fwg_cursor *c, size_t pos);
FWG_NODISCARD enum fwg_status fwg_cursor_skip(struct fwg_cursor *c, size_t n);

FWG_NODISCARD enum fwg_status fwg_cursor_u8_at(const struct fwg_cursor *c, size_t off, uint8_t *v);
FWG_NODISCARD enum fwg_status fwg_cursor_u16le_at(const struct fwg_cursor *c, size_t off, uint16_t *v);
FWG_NODISCARD enum fwg_status fwg_cursor_u24le_at(const struct fwg_cursor *c, size_t off, uint32_t *v);
FWG_NODISCARD enum fwg_status fwg_cursor_u32le_at(const struct fwg_cursor *c, size_t off, uint32_t *v);
FWG_NODISCARD enum fwg_status fwg_cursor_u64le_at(const struct fwg_cursor *c, size_t off, uint64_t *v);
FWG_NODISCARD enum fwg_status fwg_cursor_u16be_at(const struct fwg_cursor *c, size_t off, uint16_t *v);
FWG_NODISCARD enum fwg_status fwg_cursor_u32be_at(const struct fwg_cursor *c, size_t off, uint32_t *v);
FWG_NODISCARD enum fwg_status fwg_cursor_u64be_at(const struct fwg_cursor *c, size_t off, uint64_t *v);
/* Copies len bytes at off into dst (dst is caller memory of at least len). */
FWG_NODISCARD enum fwg_status fwg_cursor_copy_at(const struct fwg_cursor *c, size_t off, void *dst, size_t len);
/* Borrows a pointer to len bytes at off; valid while the window's owner lives. */
FWG_NODISCARD enum fwg_status fwg_cursor_bytes_at(const struct fwg_cursor *c, size_t off, size_t len, const uint8_t **out);
/* Child window [off, off+len) as a fresh cursor at position 0. */
FWG_NODISCARD enum fwg_status fwg_cursor_sub(const struct fwg_cursor *c, size_t off, size_t len, struct fwg_cursor *out);

/* Sequential forms: read at pos and advance on success only. */
FWG_NODISCARD enum fwg_status fwg_cursor_read_u8(struct fwg_cursor *c, uint8_t *v);
FWG_NODISCARD enum fwg_status fwg_cursor_read_u16le(struct fwg_cursor *c, uint16_t *v);
FWG_NODISCARD enum fwg_status fwg_cursor_read_u32le(struct fwg_cursor *c, uint32_t *v);
FWG_NODISCARD enum fwg_status fwg_cursor_read_u64le(struct fwg_cursor *c, uint64_t *v);
FWG_NODISCARD enum fwg_status fwg_cursor_read_bytes(struct fwg_cursor *c, size_t len, const uint8_t **out);

/*
 * Field readers for structures whose fields were already range-checked as
 * a whole (a header known to be inside the window): a field out of range
 * reads as 0, which the caller's validation then rejects.
 */
static inline uint8_t fwg_cursor_u8_or0(const struct fwg_cursor *c, size_t off)
{
	uint8_t v;
	return fwg_cursor_u8_at(c, off, &v) == FWG_OK ? v : 0;
}
static inline uint16_t fwg_cursor_u16le_or0(const struct fwg_cursor *c, size_t off)
{
	uint16_t v;
	return fwg_cursor_u16le_at(c, off, &v) == FWG_OK ? v : 0;
}
static inline uint32_t fwg_cursor_u32le_or0(const struct fwg_cursor *c, size_t off)
{
	uint32_t v;
	return fwg_cursor_u32le_at(c, off, &v) == FWG_OK ? v : 0;
}
static inline uint64_t fwg_cursor_u64le_or0(const struct fwg_cursor *c, size_t off)
{
	uint64_t v;
	return fwg_cursor_u64le_at(c, off, &v) == FWG_OK ? v : 0;
}
static inline uint32_t fwg_cursor_u32be_or0(const struct fwg_cursor *c, size_t off)
{
	uint32_t v;
	return fwg_cursor_u32be_at(c, off, &v) == FWG_OK ? v : 0;
}
static inline uint64_t fwg_cursor_u64be_or0(const struct fwg_cursor *c, size_t off)
{
	uint64_t v;
	return fwg_cursor_u64be_at(c, off, &v) == FWG_OK ? v : 0;
}

/* Byte-pattern helpers over a window. */
/* True when every byte of [off, off+len) equals value (false if out of range). */
bool fwg_cursor_all_equal(const struct fwg_cursor *c, size_t off, size_t len, uint8_t value);
/* Offset of the first byte in [off, off+len) that differs from value, or off+len. */
size_t fwg_cursor_first_not(const struct fwg_cursor *c, size_t off, size_t len, uint8_t value);
/* Offset of needle at or after start, or SIZE_MAX. */
size_t fwg_cursor_find(const struct fwg_cursor *c, size_t start, const void *needle, size_t needle_len);
/* Sum of bytes (mod 256) and of little-endian u16 words (mod 65536). */
FWG_NODISCARD enum fwg_status fwg_cursor_sum8(const struct fwg_cursor *c, size_t off, size_t len, uint8_t *sum);
FWG_NODISCARD enum fwg_status fwg_cursor_sum16(const struct fwg_cursor *c, size_t off, size_t len, uint16_t *sum);

/* Checked arithmetic on sizes and offsets. */
static inline bool fwg_add_overflows(size_t a, size_t b, size_t *out)
{
	return __builtin_add_overflow(a, b, out);
}
static inline bool fwg_mul_overflows(size_t a, size_t b, size_t *out)
{
	return __builtin_mul_overflow(a, b, out);
}
/* Rounds v up to a power-of-two alignment; false on overflow. */
static inline bool fwg_align_up(size_t v, size_t align, size_t *out)
{
	size_t t;
	if (align == 0 || (align & (align - 1)) != 0)
		return false;
	if (fwg_add_overflows(v, align - 1, &t))
		return false;
	*out = t & ~(align - 1);
	return true;
}

#endif
