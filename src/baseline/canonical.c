/*
 * canonical.c - the canonical form of a JSON document, which is what
 * baseline signatures cover, plus the small text helpers of the signing
 * modules (RFC 3339 times, hex, bounded file reads, the clock).
 *
 * Canonical form: jansson parse with duplicate keys refused and an object
 * or array at the top, then a dump with sorted keys (byte order of the
 * UTF-8 names), no insignificant white space and non-ASCII written as
 * \uXXXX escapes.  Real numbers are refused rather than normalised:
 * their text form is not stable across serialisers (1.0, 1e0, 0.1 vs
 * 0.1000000000000000055...), and a manifest has no use for them (sizes,
 * offsets and counts are integers, hashes are strings).  Integers are
 * JSON integers within int64; anything larger is refused by the parser.
 *
 * Invariants: the same parse always dumps to the same bytes, so a
 * re-indented or re-ordered manifest keeps its canonical form, while any
 * change of a name, value or array order changes it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "signing_internal.h"

#define MAX_DEPTH 512

static enum fwg_status check_value(const json_t *v, unsigned depth, char *errbuf,
		size_t errbuf_size)
{
	if (depth > MAX_DEPTH) {
		snprintf(errbuf, errbuf_size, "JSON nested deeper than %u levels", MAX_DEPTH);
		return FWG_LIMIT;
	}
	switch (json_typeof(v)) {
	case JSON_REAL:
		snprintf(errbuf, errbuf_size,
			"real number %.17g not allowed in a signed document (use integers or strings)",
			json_real_value(v));
		return FWG_UNSUPPORTED;
	case JSON_OBJECT: {
		const char *k;
		json_t *m;
		json_object_foreach((json_t *)v, k, m) {
			enum fwg_status st = check_value(m, depth + 1, errbuf, errbuf_size);
			if (st != FWG_OK)
				return st;
		}
		return FWG_OK;
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *m;
		json_array_foreach(v, i, m) {
			enum fwg_status st = check_value(m, depth + 1, errbuf, errbuf_size);
			if (st != FWG_OK)
				return st;
		}
		return FWG_OK;
	}
	default:
		return FWG_OK;
	}
}

enum fwg_status fwg_canonical_parse(const char *text, size_t len, json_t **out,
		char *errbuf, size_t errbuf_size)
{
	*out = NULL;
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		snprintf(errbuf, errbuf_size, "invalid JSON at line %d column %d (byte %d): %s",
			jerr.line, jerr.column, jerr.position, jerr.text);
		return FWG_MALFORMED;
	}
	enum fwg_status st = check_value(root, 0, errbuf, errbuf_size);
	if (st != FWG_OK) {
		json_decref(root);
		return st;
	}
	*out = root;
	return FWG_OK;
}

enum fwg_status fwg_canonical_value(const json_t *value, char **out, size_t *out_len,
		char *errbuf, size_t errbuf_size)
{
	*out = NULL;
	*out_len = 0;
	enum fwg_status st = check_value(value, 0, errbuf, errbuf_size);
	if (st != FWG_OK)
		return st;
	char *text = json_dumps(value, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII
		| JSON_ENCODE_ANY);
	if (!text) {
		snprintf(errbuf, errbuf_size, "out of memory writing canonical JSON");
		return FWG_NOMEM;
	}
	*out = text;
	*out_len = strlen(text);
	return FWG_OK;
}

enum fwg_status fwg_canonical_json(const char *text, size_t len, char **canonical,
		size_t *canonical_len, char *errbuf, size_t errbuf_size)
{
	*canonical = NULL;
	*canonical_len = 0;
	json_t *root;
	enum fwg_status st = fwg_canonical_parse(text, len, &root, errbuf, errbuf_size);
	if (st != FWG_OK)
		return st;
	st = fwg_canonical_value(root, canonical, canonical_len, errbuf, errbuf_size);
	json_decref(root);
	return st;
}

/* ---- RFC 3339 times ---- */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static bool digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

bool fwg_rfc3339_parse(const char *s, int64_t *out)
{
	static const unsigned mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h, mi, se;
	if (strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo)
			|| s[7] != '-' || !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't')
			|| !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi)
			|| s[16] != ':' || !digits(s + 17, 2, &se))
		return false;
	if (mo < 1 || mo > 12 || d < 1 || (unsigned)d > mdays[mo - 1] || h > 23 || mi > 59
			|| se > 60)
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (mo == 2 && d == 29 && !leap)
		return false;
	const char *p = s + 19;
	if (*p == '.') {
		p++;
		size_t n = 0;
		while (*p >= '0' && *p <= '9' && n < 32) {
			p++;
			n++;
		}
		if (n == 0 || (*p >= '0' && *p <= '9'))
			return false;
	}
	int64_t offset = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om;
		if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) || oh > 23
				|| om > 59)
			return false;
		offset = (int64_t)oh * 3600 + om * 60;
		if (*p == '-')
			offset = -offset;
		p += 6;
	} else {
		return false;
	}
	if (*p != '\0')
		return false;
	int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
	*out = days * 86400 + (int64_t)h * 3600 + mi * 60 + se - offset;
	return true;
}

void fwg_rfc3339_format(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, size, "@%lld", (long long)t);
}

int64_t fwg_sig_now(int64_t now)
{
	if (now != 0)
		return now;
	const char *env = getenv("FWGUARD_NOW");
	if (env && *env) {
		char *end;
		errno = 0;
		long long v = strtoll(env, &end, 10);
		if (errno == 0 && *end == '\0' && v > 0)
			return v;
	}
	return (int64_t)time(NULL);
}

bool fwg_sig_is_hex64(const char *s)
{
	size_t i = 0;
	for (; s[i] && i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return i == 64 && s[i] == '\0';
}

void fwg_sig_hex(const unsigned char *in, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[in[i] >> 4];
		out[2 * i + 1] = hx[in[i] & 15];
	}
	out[2 * n] = '\0';
}

enum fwg_status fwg_sig_read_file(const char *path, size_t max, char **out, size_t *out_len,
		char *errbuf, size_t errbuf_size)
{
	*out = NULL;
	*out_len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(errbuf, errbuf_size, "cannot open %s: %s", path, strerror(errno));
		return FWG_IO;
	}
	struct stat sb;
	enum fwg_status st = FWG_OK;
	char *buf = NULL;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		snprintf(errbuf, errbuf_size, "%s is not a regular file", path);
		st = FWG_IO;
		goto out;
	}
	if ((uint64_t)sb.st_size > max) {
		snprintf(errbuf, errbuf_size, "%s is too large (%lld bytes, at most %zu)", path,
			(long long)sb.st_size, max);
		st = FWG_LIMIT;
		goto out;
	}
	size_t cap = (size_t)sb.st_size;
	buf = malloc(cap + 1);
	if (!buf) {
		snprintf(errbuf, errbuf_size, "out of memory reading %s", path);
		st = FWG_NOMEM;
		goto out;
	}
	size_t got = 0;
	while (got < cap) {
		ssize_t n = read(fd, buf + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(errbuf, errbuf_size, "cannot read %s: %s", path, strerror(errno));
			st = FWG_IO;
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	*out = buf;
	*out_len = got;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return st;
}
