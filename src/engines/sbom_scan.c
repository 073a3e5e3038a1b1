/*
 * sbom_scan.c - the string matcher of the sbom engine (grammar in sbom.h).
 *
 * One pass per byte range: each position's four bytes are hashed into the
 * pack's 64 Ki-bit filter; only positions whose hash is an anchor's go on
 * to compare anchors, then read a version.  Every read is checked against
 * the range size through char_at(); nothing is read past it.
 */
#include <stdio.h>
#include <string.h>

#include "sbom.h"

/* The character at byte offset off for the given stride: the byte for
 * ASCII, the low byte of an ASCII UTF-16LE unit; -1 past the end or for a
 * non-ASCII unit. */
static int char_at(const uint8_t *data, size_t size, size_t off, unsigned stride)
{
	if (off >= size || (stride == 2 && (size - off < 2 || data[off + 1] != 0)))
		return -1;
	return data[off];
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool is_alnum(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool bytes_at(const uint8_t *data, size_t size, size_t off, const uint8_t *lit, size_t len)
{
	return off <= size && len <= size - off && memcmp(data + off, lit, len) == 0;
}

/* Reads a version at *off into out; advances *off past it. */
static bool read_version(const struct sbom_pattern *pat, const uint8_t *data, size_t size,
		size_t *off, char *out)
{
	unsigned s = pat->stride;
	size_t pos = *off, n = 0;
	unsigned parts = 0;
	if (!is_digit(char_at(data, size, pos, s)))
		return false;
	for (;;) {
		size_t part = 0;
		int c;
		while (is_alnum(c = char_at(data, size, pos, s))) {
			if (n >= SBOM_VERSION_MAX || ++part > 16)
				return false;
			out[n++] = (char)c;
			pos += s;
		}
		parts++;
		/* A separator continues the version only when a part follows. */
		if (c > 0 && strchr(pat->separators, c) &&
				is_alnum(char_at(data, size, pos + s, s)) && n < SBOM_VERSION_MAX) {
			out[n++] = (char)c;
			pos += s;
			continue;
		}
		if (c == '*' || c == '?')
			return false; /* a glob in a compatibility table */
		break;
	}
	if (parts < pat->min_parts)
		return false;
	out[n] = '\0';
	*off = pos;
	return true;
}

/* " 6 Jan 2014", "  11 Sep 2023", "-fips  26 Jan 2017": OpenSSL's date. */
static bool date_follows(const struct sbom_pattern *pat, const uint8_t *data, size_t size,
		size_t pos)
{
	unsigned s = pat->stride;
	if (char_at(data, size, pos, s) == '-')
		for (pos += s; is_alnum(char_at(data, size, pos, s)); pos += s)
			;
	unsigned spaces = 0;
	for (; char_at(data, size, pos, s) == ' ' && spaces < 3; pos += s)
		spaces++;
	unsigned digits = 0;
	for (; is_digit(char_at(data, size, pos, s)) && digits < 3; pos += s)
		digits++;
	if (!spaces || !digits || digits > 2 || char_at(data, size, pos, s) != ' ')
		return false;
	pos += s;
	for (int i = 0; i < 3; i++, pos += s) {
		int c = char_at(data, size, pos, s);
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
			return false;
	}
	if (char_at(data, size, pos, s) != ' ')
		return false;
	pos += s;
	for (int i = 0; i < 4; i++, pos += s)
		if (!is_digit(char_at(data, size, pos, s)))
			return false;
	return true;
}

/* The printable text from start for evidence: up to a NUL, a line end or
 * sizeof(text)-1 characters. */
static void evidence_text(const struct sbom_pattern *pat, const uint8_t *data, size_t size,
		size_t start, char *text, size_t text_size)
{
	size_t n = 0;
	for (size_t pos = start; n + 1 < text_size; pos += pat->stride) {
		int c = char_at(data, size, pos, pat->stride);
		if (c <= 0 || c == '\n' || c == '\r')
			break;
		text[n++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	text[n] = '\0';
}

static bool try_pattern(const struct sbom_pattern *pat, const uint8_t *data, size_t size,
		size_t at, struct sbom_match *m)
{
	if (!bytes_at(data, size, at, pat->anchor, pat->anchor_len))
		return false;
	/* An anchor that starts with a letter must start a word. */
	if (is_alnum(pat->anchor[0]) && at >= pat->stride &&
			is_alnum(char_at(data, size, at - pat->stride, pat->stride)))
		return false;
	size_t pos = at + pat->anchor_len;
	if (pat->skip_len) {
		size_t limit = pos + pat->within;
		bool found = false;
		for (; pos < limit && pos < size; pos += pat->stride) {
			if (bytes_at(data, size, pos, pat->skip_to, pat->skip_len)) {
				found = true;
				break;
			}
			if (char_at(data, size, pos, pat->stride) <= 0)
				return false; /* the string ended first */
		}
		if (!found)
			return false;
		pos += pat->skip_len;
	}
	m->version[0] = '\0';
	if (pat->has_version) {
		if (!read_version(pat, data, size, &pos, m->version))
			return false;
		if (pat->follow_date && !date_follows(pat, data, size, pos))
			return false;
		if (pat->follow_len && !bytes_at(data, size, pos, pat->follow, pat->follow_len))
			return false;
	}
	m->pattern = pat;
	evidence_text(pat, data, size, at, m->text, sizeof(m->text));
	return true;
}

void sbom_scan(const struct sbom_pack *pack, const uint8_t *data, size_t size, size_t scan_start,
		size_t scan_end, sbom_match_fn fn, void *user)
{
	if (!data || size < SBOM_ANCHOR_MIN || !pack->pattern_count)
		return;
	if (scan_end > size - (SBOM_ANCHOR_MIN - 1))
		scan_end = size - (SBOM_ANCHOR_MIN - 1);
	for (size_t i = scan_start; i < scan_end; i++) {
		uint16_t h = sbom_hash4(data + i);
		if (!(pack->filter[h >> 6] & ((uint64_t)1 << (h & 63))))
			continue;
		for (size_t k = 0; k < pack->pattern_count; k++) {
			const struct sbom_pattern *pat = &pack->patterns[k];
			struct sbom_match m;
			if (pat->hash == h && try_pattern(pat, data, size, i, &m))
				fn(&m, user);
		}
	}
}

bool sbom_upstream_version(const char *full, char *out, size_t out_size)
{
	const char *s = full;
	const char *colon = strchr(s, ':');
	if (colon) {
		bool epoch = colon > s;
		for (const char *p = s; p < colon; p++)
			epoch = epoch && is_digit((unsigned char)*p);
		if (epoch)
			s = colon + 1;
	}
	size_t len = strlen(s);
	const char *dash = strrchr(s, '-');
	if (dash && dash > s)
		len = (size_t)(dash - s);
	if (len == 0 || len >= out_size || !is_digit((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	snprintf(out, out_size, "%.*s", (int)len, s);
	return true;
}
