/*
 * text.c - UCS-2 and ASCII decoding of untrusted strings (see text.h).
 * Output is bounded by the input window and never contains control bytes.
 */
#include <stdlib.h>

#include "text.h"

static size_t put_utf8(char *dst, uint32_t cp)
{
	if (cp < 0x80) {
		dst[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		dst[0] = (char)(0xc0 | (cp >> 6));
		dst[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	dst[0] = (char)(0xe0 | (cp >> 12));
	dst[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
	dst[2] = (char)(0x80 | (cp & 0x3f));
	return 3;
}

enum fwg_status fwg_text_ucs2(const struct fwg_cursor *c, size_t off, size_t max_bytes,
		char **out, size_t *consumed, bool *terminated)
{
	*out = NULL;
	*consumed = 0;
	*terminated = false;
	if (off > c->size)
		return FWG_TRUNCATED;
	size_t avail = c->size - off;
	if (max_bytes > avail)
		max_bytes = avail;
	size_t units = max_bytes / 2;
	/* Each unit expands to at most 3 UTF-8 bytes. */
	char *s = malloc(units * 3 + 1);
	if (!s)
		return FWG_NOMEM;
	size_t o = 0, i;
	for (i = 0; i < units; i++) {
		uint16_t u;
		if (fwg_cursor_u16le_at(c, off + 2 * i, &u) != FWG_OK)
			break;
		if (u == 0) {
			*terminated = true;
			i++;
			break;
		}
		bool printable = u >= 0x20 && u != 0x7f && !(u >= 0x80 && u < 0xa0) &&
			!(u >= 0xd800 && u <= 0xdfff);
		o += put_utf8(s + o, printable ? u : '?');
	}
	s[o] = '\0';
	*out = s;
	*consumed = i * 2;
	return FWG_OK;
}

enum fwg_status fwg_text_ascii(const struct fwg_cursor *c, size_t off, size_t len, char **out)
{
	*out = NULL;
	if (!fwg_cursor_has(c, off, len))
		return FWG_TRUNCATED;
	char *s = malloc(len + 1);
	if (!s)
		return FWG_NOMEM;
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		uint8_t ch = c->base[off + i];
		if (ch == 0)
			break;
		s[o++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
	}
	s[o] = '\0';
	*out = s;
	return FWG_OK;
}
