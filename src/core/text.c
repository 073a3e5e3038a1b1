/*
 * text.c - UCS-2 and ASCII decoding of untrusted strings (see text.h).
 * Output is bounded by the input window and never contains control bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

/* Length of the well-formed UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_sequence(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	uint32_t cp;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	/* Overlong forms, surrogates and code points past U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
			(cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

char *fwg_text_escape_name(const char *bytes, size_t len)
{
	/* Worst case every byte becomes "\xNN". */
	if (len > (SIZE_MAX - 1) / 4)
		return NULL;
	char *out = malloc(len * 4 + 1);
	if (!out)
		return NULL;
	const unsigned char *s = (const unsigned char *)bytes;
	size_t o = 0;
	for (size_t i = 0; i < len;) {
		unsigned c = s[i];
		if (c >= 0x20 && c < 0x7F && c != '\\') {
			out[o++] = (char)c;
			i++;
			continue;
		}
		size_t seq = c >= 0x80 ? utf8_sequence(s + i, len - i) : 0;
		if (seq) {
			memcpy(out + o, s + i, seq);
			o += seq;
			i += seq;
			continue;
		}
		static const char hex[] = "0123456789abcdef";
		out[o++] = '\\';
		out[o++] = 'x';
		out[o++] = hex[c >> 4];
		out[o++] = hex[c & 15];
		i++;
	}
	out[o] = '\0';
	return out;
}

void fwg_hex_encode(const uint8_t *bytes, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 15];
	}
	out[2 * len] = '\0';
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool fwg_hex_decode(const char *text, uint8_t *out, size_t len)
{
	return text && fwg_hex_decode_n(text, strlen(text), out, len);
}

bool fwg_hex_decode_n(const char *text, size_t n, uint8_t *out, size_t len)
{
	if (n != 2 * len)
		return false;
	for (size_t i = 0; i < len; i++) {
		int hi = hex_value(text[2 * i]), lo = hex_value(text[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}
