/*
 * cpe.c - CPE 2.3 formatted strings and 2.2 URIs (cpe.h).
 *
 * Hostile input: each value is copied into a fixed FWG_CPE_FIELD_MAX
 * buffer with a length check; a value that does not fit fails the parse
 * rather than being truncated into a different name.  URI percent-escapes
 * (%21 ...) are decoded; a '%' not followed by two hex digits is kept.
 */
#include "cpe.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool fwg_cpe_parse(const char *s, struct fwg_cpe *out)
{
	memset(out, 0, sizeof(*out));
	bool uri;
	if (strncasecmp(s, "cpe:2.3:", 8) == 0) {
		uri = false;
		s += 8;
	} else if (strncasecmp(s, "cpe:/", 5) == 0) {
		uri = true;
		s += 5;
	} else {
		return false;
	}
	size_t field = 0, len = 0;
	for (;; s++) {
		char c = *s;
		if (c == '\0' || c == ':') {
			out->f[field][len] = '\0';
			if (c == '\0')
				break;
			if (++field >= FWG_CPE_FIELDS)
				return false;
			len = 0;
			continue;
		}
		if (!uri && c == '\\') {
			if (!s[1])
				return false;
			c = *++s;
		} else if (uri && c == '%' && hexval(s[1]) >= 0 && hexval(s[2]) >= 0) {
			c = (char)(hexval(s[1]) * 16 + hexval(s[2]));
			s += 2;
		}
		if ((unsigned char)c < 0x20 || len + 1 >= FWG_CPE_FIELD_MAX)
			return false;
		out->f[field][len++] = (char)tolower((unsigned char)c);
	}
	/* A name needs a part, a vendor and a product. */
	if (field < FWG_CPE_PRODUCT || !out->f[FWG_CPE_PART][0] || !out->f[FWG_CPE_VENDOR][0]
			|| !out->f[FWG_CPE_PRODUCT][0])
		return false;
	if (strlen(out->f[FWG_CPE_PART]) != 1 || !strchr("aoh*", out->f[FWG_CPE_PART][0]))
		return false;
	for (size_t i = 0; i < FWG_CPE_FIELDS; i++)
		if (!out->f[i][0])
			out->f[i][0] = '*';
	return true;
}

bool fwg_cpe_is_any(const char *value)
{
	return !value || !value[0] || strcmp(value, "*") == 0;
}

bool fwg_cpe_is_na(const char *value)
{
	return value && strcmp(value, "-") == 0;
}

bool fwg_cpe_value_match(const char *pattern, const char *value)
{
	if (fwg_cpe_is_any(pattern))
		return true;
	return value && strcasecmp(pattern, value) == 0;
}
