/*
 * vulndb.c - the offline vulnerability database: imports OSV and NVD CVE
 * JSON 2.0 feeds, files the user downloaded, into SQLite (schema in
 * vulndb.h).
 *
 * Accepted feed files (several top-level values in one file are read one
 * after another, so JSON Lines and concatenated JSON work too):
 *   NVD   {"vulnerabilities": [{"cve": {...}}, ...], ...}  (feed files and
 *         API 2.0 responses); NVD 1.1 "CVE_Items" files are refused.
 *   OSV   one record {"id": ..., "affected": [...]}, an array of records,
 *         or one record per line.
 *
 * Memory: a file is mapped, not parsed whole.  A small structural scanner
 * walks the envelope (objects, arrays, strings; no recursion) and hands
 * each record's bytes to jansson, which parses it strictly; so a feed the
 * size of the NVD costs the memory of its largest record.  Errors name the
 * file and the line and column of the offending byte.
 *
 * Bounds (hostile feeds): files up to FEED_MAX bytes, records up to
 * RECORD_MAX bytes, and per record at most the MAX_* counts below of
 * aliases, configurations, nodes, matches, affected packages, ranges,
 * events, versions and rows; longer arrays are cut at the cap.  Strings
 * stored are bounded too (ids, versions, CPEs, summaries).  jansson bounds
 * nesting depth itself.
 *
 * One transaction per file: a file either imports whole or not at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpe.h"
#include "engine.h"
#include "version.h"
#include "vulndb.h"

#define FEED_MAX ((uint64_t)8 << 30)     /* one feed file */
#define RECORD_MAX ((size_t)32 << 20)    /* one record's JSON */
#define MAX_ALIASES 64
#define MAX_CONFIGS 512
#define MAX_NODES 64
#define MAX_MATCHES 20000                /* cpeMatch entries per node */
#define MAX_AFFECTED 1024
#define MAX_RANGES 256
#define MAX_EVENTS 512
#define MAX_VERSIONS 4096
#define MAX_ROWS 100000                  /* ranges rows per record */
#define ID_MAX 64
#define VERSION_MAX 64
#define SUMMARY_MAX 2048
#define CRITERIA_MAX 512
#define NAME_MAX_LEN 128

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS vulns("
	" rowid INTEGER PRIMARY KEY, source TEXT NOT NULL, id TEXT NOT NULL, cve TEXT,"
	" aliases TEXT, summary TEXT, severity TEXT, cvss_score REAL, cvss_vector TEXT,"
	" published TEXT, modified TEXT, UNIQUE(source, id));"
	"CREATE TABLE IF NOT EXISTS ranges("
	" vuln INTEGER NOT NULL, config INTEGER NOT NULL, config_and INTEGER NOT NULL,"
	" node INTEGER NOT NULL, node_and INTEGER NOT NULL, node_negate INTEGER NOT NULL,"
	" multi INTEGER NOT NULL, vulnerable INTEGER NOT NULL, part TEXT, vendor TEXT,"
	" product TEXT, ecosystem TEXT, package TEXT, criteria TEXT, version TEXT,"
	" start TEXT, start_incl INTEGER, end TEXT, end_incl INTEGER);"
	"CREATE INDEX IF NOT EXISTS ranges_cpe ON ranges(vendor, product);"
	"CREATE INDEX IF NOT EXISTS ranges_pkg ON ranges(package);"
	"CREATE INDEX IF NOT EXISTS ranges_vuln ON ranges(vuln, config, node);";

/* ---- CVSS v3 ---------------------------------------------------------- */

/* Roundup of CVSS v3.1 (specification, appendix A): the smallest number
 * with one decimal not below x, computed on integers to avoid 4.000001
 * becoming 4.1. */
static double cvss_roundup(double x)
{
	long n = (long)(x * 100000.0 + 0.5);
	if (n % 10000 == 0)
		return (double)n / 100000.0;
	return (double)(n / 10000 + 1) / 10.0;
}

double fwg_cvss3_base_score(const char *vector)
{
	if (!vector || (strncmp(vector, "CVSS:3.0/", 9) != 0 && strncmp(vector, "CVSS:3.1/", 9) != 0))
		return -1;
	double av = -1, ac = -1, pr = -1, ui = -1, c = -1, i = -1, a = -1;
	int scope = -1; /* 0 unchanged, 1 changed */
	char pr_letter = 0;
	const char *p = vector + 9;
	while (*p) {
		const char *colon = strchr(p, ':');
		if (!colon || !colon[1])
			return -1;
		size_t klen = (size_t)(colon - p);
		char v = colon[1];
		const char *k = p;
#define KEY(s) (klen == strlen(s) && strncmp(k, s, klen) == 0)
		if (KEY("AV"))
			av = v == 'N' ? 0.85 : v == 'A' ? 0.62 : v == 'L' ? 0.55 : v == 'P' ? 0.2 : -1;
		else if (KEY("AC"))
			ac = v == 'L' ? 0.77 : v == 'H' ? 0.44 : -1;
		else if (KEY("PR"))
			pr_letter = v;
		else if (KEY("UI"))
			ui = v == 'N' ? 0.85 : v == 'R' ? 0.62 : -1;
		else if (KEY("S"))
			scope = v == 'U' ? 0 : v == 'C' ? 1 : -1;
		else if (KEY("C") || KEY("I") || KEY("A")) {
			double w = v == 'H' ? 0.56 : v == 'L' ? 0.22 : v == 'N' ? 0.0 : -1;
			if (KEY("C"))
				c = w;
			else if (KEY("I"))
				i = w;
			else
				a = w;
		}
#undef KEY
		const char *slash = strchr(colon, '/');
		if (!slash)
			break;
		p = slash + 1;
	}
	if (scope < 0)
		return -1;
	if (pr_letter == 'N')
		pr = 0.85;
	else if (pr_letter == 'L')
		pr = scope ? 0.68 : 0.62;
	else if (pr_letter == 'H')
		pr = scope ? 0.5 : 0.27;
	if (av < 0 || ac < 0 || pr < 0 || ui < 0 || c < 0 || i < 0 || a < 0)
		return -1;
	double iss = 1.0 - (1.0 - c) * (1.0 - i) * (1.0 - a);
	double impact;
	if (scope) {
		double t = iss - 0.02, t15 = 1.0;
		for (int k = 0; k < 15; k++)
			t15 *= t;
		impact = 7.52 * (iss - 0.029) - 3.25 * t15;
	} else {
		impact = 6.42 * iss;
	}
	if (impact <= 0)
		return 0;
	double expl = 8.22 * av * ac * pr * ui;
	double sum = scope ? 1.08 * (impact + expl) : impact + expl;
	return cvss_roundup(sum > 10.0 ? 10.0 : sum);
}

static const char *severity_of_score(double score)
{
	if (score < 0)
		return NULL;
	return score >= 9.0 ? "critical" : score >= 7.0 ? "high" : score >= 4.0 ? "medium"
		: score > 0.0 ? "low" : "none";
}

/* ---- database --------------------------------------------------------- */

static enum fwg_status db_fail(sqlite3 *db, const char *what, char *err, size_t err_size)
{
	snprintf(err, err_size, "%s: %s", what, db ? sqlite3_errmsg(db) : "out of memory");
	return FWG_IO;
}

enum fwg_status fwg_vulndb_create_schema(sqlite3 *db, char *err, size_t err_size)
{
	char *msg = NULL;
	int version = 0;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, "vulnerability database", err, err_size);
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version > FWG_VULNDB_SCHEMA) {
		snprintf(err, err_size, "vulnerability database has schema %d, newer than this "
			"fwguard's %d", version, FWG_VULNDB_SCHEMA);
		return FWG_UNSUPPORTED;
	}
	if (sqlite3_exec(db, schema_sql, NULL, NULL, &msg) != SQLITE_OK
			|| sqlite3_exec(db, "PRAGMA user_version = 1", NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, err_size, "vulnerability database schema: %s", msg ? msg : "error");
		sqlite3_free(msg);
		return FWG_IO;
	}
	return FWG_OK;
}

/* mkdir -p of the directory that will hold path. */
static bool make_parent_dirs(const char *path, char *err, size_t err_size)
{
	size_t len = strlen(path);
	char *dir = malloc(len + 1);
	if (!dir) {
		snprintf(err, err_size, "out of memory");
		return false;
	}
	memcpy(dir, path, len + 1);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir) {
		free(dir);
		return true;
	}
	*slash = '\0';
	for (char *p = dir + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
			snprintf(err, err_size, "cannot create directory %s: %s", dir, strerror(errno));
			free(dir);
			return false;
		}
		*p = saved;
		if (!saved)
			break;
	}
	free(dir);
	return true;
}

enum fwg_status fwg_vulndb_open(const char *path, bool create, sqlite3 **out, char *err,
		size_t err_size)
{
	*out = NULL;
	struct stat st;
	if (!create && stat(path, &st) != 0) {
		snprintf(err, err_size, "vulnerability database %s: %s", path, strerror(errno));
		return FWG_IO;
	}
	if (create && !make_parent_dirs(path, err, err_size))
		return FWG_IO;
	sqlite3 *db = NULL;
	int flags = create ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		snprintf(err, err_size, "vulnerability database %s: %s", path,
			db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return FWG_IO;
	}
	sqlite3_busy_timeout(db, 5000);
	enum fwg_status s = FWG_OK;
	if (create) {
		char sub[384];
		s = fwg_vulndb_create_schema(db, sub, sizeof(sub));
		if (s != FWG_OK)
			snprintf(err, err_size, "%s: %s", path, sub);
		else
			sqlite3_exec(db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
	} else {
		sqlite3_stmt *q = NULL;
		int version = -1;
		if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL) == SQLITE_OK
				&& sqlite3_step(q) == SQLITE_ROW)
			version = sqlite3_column_int(q, 0);
		const char *why = version < 0 ? sqlite3_errmsg(db) : NULL;
		sqlite3_finalize(q);
		if (version != FWG_VULNDB_SCHEMA) {
			snprintf(err, err_size, "vulnerability database %s: %s", path,
				why ? why : version == 0
				? "not an fwguard vulnerability database (create one with "
				  "`fwguard vulndb import FEED... --db FILE`)"
				: "unsupported schema version");
			s = FWG_MALFORMED;
		}
	}
	if (s != FWG_OK) {
		sqlite3_close(db);
		return s;
	}
	*out = db;
	return FWG_OK;
}

/* ---- the importer ----------------------------------------------------- */

struct importer {
	sqlite3 *db;
	sqlite3_stmt *del_ranges, *del_vuln, *ins_vuln, *ins_range;
	struct fwg_vulndb_stats *stats;
	const char *name;   /* file name for messages */
	const char *buf;
	size_t len;
	char *err;
	size_t err_size;
	uint64_t rows;      /* rows of the current record */
};

static void position(const struct importer *im, size_t off, size_t *line, size_t *col)
{
	*line = 1;
	size_t start = 0;
	if (off > im->len)
		off = im->len;
	for (size_t i = 0; i < off; i++) {
		if (im->buf[i] == '\n') {
			(*line)++;
			start = i + 1;
		}
	}
	*col = off - start + 1;
}

static enum fwg_status feed_error(struct importer *im, size_t off, enum fwg_status status,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static enum fwg_status feed_error(struct importer *im, size_t off, enum fwg_status status,
		const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	size_t line, col;
	position(im, off, &line, &col);
	snprintf(im->err, im->err_size, "%s: line %zu, column %zu: %s", im->name, line, col, msg);
	return status;
}

static enum fwg_status sql_error(struct importer *im, const char *what)
{
	snprintf(im->err, im->err_size, "%s: %s: %s", im->name, what, sqlite3_errmsg(im->db));
	return FWG_IO;
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t skip_ws(const struct importer *im, size_t pos)
{
	while (pos < im->len && is_ws(im->buf[pos]))
		pos++;
	return pos;
}

/* pos at '"'; *end just after the closing quote. */
static enum fwg_status scan_string(struct importer *im, size_t pos, size_t *end)
{
	for (size_t i = pos + 1; i < im->len; i++) {
		char c = im->buf[i];
		if (c == '\\') {
			i++;
			continue;
		}
		if (c == '"') {
			*end = i + 1;
			return FWG_OK;
		}
		if ((unsigned char)c < 0x20)
			return feed_error(im, i, FWG_MALFORMED, "control character in string");
	}
	return feed_error(im, pos, FWG_TRUNCATED, "unterminated string");
}

/* Characters of numbers and of true/false/null. */
static bool scalar_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
		|| c == '-' || c == '+' || c == '.';
}

/* Skips one value starting at pos (no leading white space); iterative. */
static enum fwg_status skip_value(struct importer *im, size_t pos, size_t *end)
{
	if (pos >= im->len)
		return feed_error(im, pos, FWG_TRUNCATED, "value expected, end of file found");
	char c = im->buf[pos];
	if (c == '"')
		return scan_string(im, pos, end);
	if (c == '{' || c == '[') {
		uint64_t depth = 0;
		for (size_t i = pos; i < im->len; i++) {
			c = im->buf[i];
			if (c == '"') {
				size_t e;
				enum fwg_status s = scan_string(im, i, &e);
				if (s != FWG_OK)
					return s;
				i = e - 1;
			} else if (c == '{' || c == '[') {
				depth++;
			} else if (c == '}' || c == ']') {
				if (--depth == 0) {
					*end = i + 1;
					return FWG_OK;
				}
			}
		}
		return feed_error(im, pos, FWG_TRUNCATED, "unterminated %s",
			im->buf[pos] == '{' ? "object" : "array");
	}
	size_t i = pos;
	while (i < im->len && scalar_char(im->buf[i]))
		i++;
	if (i == pos)
		return feed_error(im, pos, FWG_MALFORMED, "unexpected character '%s%c'",
			(unsigned char)c < 0x20 || (unsigned char)c >= 0x7f ? "\\x" : "",
			(unsigned char)c < 0x20 || (unsigned char)c >= 0x7f ? '?' : c);
	*end = i;
	return FWG_OK;
}

/* ---- record fields ---------------------------------------------------- */

/* A bounded printable identifier (CVE/OSV ids, aliases, ecosystems). */
static const char *ident(json_t *v, size_t max)
{
	const char *s = json_string_value(v);
	if (!s || !s[0] || strlen(s) > max)
		return NULL;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return NULL;
	return s;
}

/* A bounded string value (versions, dates, CPEs); NULL when absent or
 * too long or with control characters. */
static const char *bounded(json_t *v, size_t max)
{
	const char *s = json_string_value(v);
	if (!s || !s[0] || strlen(s) > max)
		return NULL;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20)
			return NULL;
	return s;
}

/* Copies a UTF-8 string (valid: jansson checks) cut at a character
 * boundary to fit size.  Feed text ends up on terminals: C0 controls
 * (newlines and tabs too, so one-line layouts stay one line), DEL and the
 * C1 controls U+0080..U+009F become a space. */
static void copy_utf8(char *out, size_t size, const char *s)
{
	size_t n = strlen(s);
	if (n >= size) {
		n = size - 1;
		while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
				(unsigned char)s[i + 1] <= 0x9F) {
			out[o++] = ' ';
			i++;
		} else {
			out[o++] = ch < 0x20 || ch == 0x7F ? ' ' : (char)ch;
		}
	}
	out[o] = '\0';
}

static void lower_copy(char *out, size_t size, const char *s)
{
	size_t n = 0;
	for (; s[n] && n + 1 < size; n++)
		out[n] = (char)((s[n] >= 'A' && s[n] <= 'Z') ? s[n] + 32 : s[n]);
	out[n] = '\0';
}

struct vuln_rec {
	const char *source, *id, *cve, *severity, *vector, *published, *modified;
	char aliases[MAX_ALIASES * (ID_MAX + 1) + 1];
	char summary[SUMMARY_MAX + 1];
	double score;
};

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static enum fwg_status run_stmt(struct importer *im, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? FWG_OK : sql_error(im, what);
}

static enum fwg_status delete_record(struct importer *im, const char *source, const char *id)
{
	bind_text(im->del_ranges, 1, source);
	bind_text(im->del_ranges, 2, id);
	enum fwg_status s = run_stmt(im, im->del_ranges, "delete ranges");
	if (s != FWG_OK)
		return s;
	bind_text(im->del_vuln, 1, source);
	bind_text(im->del_vuln, 2, id);
	return run_stmt(im, im->del_vuln, "delete record");
}

static enum fwg_status insert_vuln(struct importer *im, const struct vuln_rec *r, int64_t *rowid)
{
	enum fwg_status s = delete_record(im, r->source, r->id);
	if (s != FWG_OK)
		return s;
	sqlite3_stmt *st = im->ins_vuln;
	bind_text(st, 1, r->source);
	bind_text(st, 2, r->id);
	bind_text(st, 3, r->cve);
	bind_text(st, 4, r->aliases[0] ? r->aliases : NULL);
	bind_text(st, 5, r->summary[0] ? r->summary : NULL);
	bind_text(st, 6, r->severity);
	if (r->score >= 0)
		sqlite3_bind_double(st, 7, r->score);
	else
		sqlite3_bind_null(st, 7);
	bind_text(st, 8, r->vector);
	bind_text(st, 9, r->published);
	bind_text(st, 10, r->modified);
	s = run_stmt(im, st, "insert record");
	if (s == FWG_OK) {
		*rowid = sqlite3_last_insert_rowid(im->db);
		im->stats->vulnerabilities++;
		im->rows = 0;
	}
	return s;
}

struct range_row {
	int64_t vuln;
	int config, node;
	bool config_and, node_and, node_negate, multi, vulnerable;
	const char *part, *vendor, *product, *ecosystem, *package, *criteria, *version;
	const char *start, *end;
	bool start_incl, end_incl;
};

static enum fwg_status insert_range(struct importer *im, const struct range_row *r)
{
	if (im->rows >= MAX_ROWS)
		return FWG_OK;
	im->rows++;
	sqlite3_stmt *st = im->ins_range;
	sqlite3_bind_int64(st, 1, r->vuln);
	sqlite3_bind_int(st, 2, r->config);
	sqlite3_bind_int(st, 3, r->config_and);
	sqlite3_bind_int(st, 4, r->node);
	sqlite3_bind_int(st, 5, r->node_and);
	sqlite3_bind_int(st, 6, r->node_negate);
	sqlite3_bind_int(st, 7, r->multi);
	sqlite3_bind_int(st, 8, r->vulnerable);
	bind_text(st, 9, r->part);
	bind_text(st, 10, r->vendor);
	bind_text(st, 11, r->product);
	bind_text(st, 12, r->ecosystem);
	bind_text(st, 13, r->package);
	bind_text(st, 14, r->criteria);
	bind_text(st, 15, r->version);
	bind_text(st, 16, r->start);
	sqlite3_bind_int(st, 17, r->start_incl);
	bind_text(st, 18, r->end);
	sqlite3_bind_int(st, 19, r->end_incl);
	enum fwg_status s = run_stmt(im, st, "insert range");
	if (s == FWG_OK)
		im->stats->ranges++;
	return s;
}

/* ---- NVD CVE JSON 2.0 ------------------------------------------------- */

/* Best CVSS metric: v3.1, v3.0, v4.0, v2, each preferring NVD's
 * "Primary" score. */
static void nvd_metrics(json_t *metrics, struct vuln_rec *r)
{
	static const char *const keys[] = { "cvssMetricV31", "cvssMetricV30", "cvssMetricV40",
		"cvssMetricV2" };
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		json_t *arr = json_object_get(metrics, keys[k]);
		json_t *best = NULL;
		for (size_t i = 0; i < json_array_size(arr) && i < 16; i++) {
			json_t *m = json_array_get(arr, i);
			json_t *data = json_object_get(m, "cvssData");
			if (!json_is_number(json_object_get(data, "baseScore")))
				continue;
			const char *type = json_string_value(json_object_get(m, "type"));
			if (!best || (type && strcmp(type, "Primary") == 0))
				best = data;
			if (type && strcmp(type, "Primary") == 0)
				break;
		}
		if (!best)
			continue;
		double score = json_number_value(json_object_get(best, "baseScore"));
		if (score < 0 || score > 10)
			continue;
		r->score = score;
		r->vector = bounded(json_object_get(best, "vectorString"), 256);
		r->severity = severity_of_score(score);
		return;
	}
}

static bool is_true(json_t *v)
{
	return json_is_true(v);
}

static bool op_is_and(json_t *v)
{
	const char *s = json_string_value(v);
	return s && strcasecmp(s, "AND") == 0;
}

/* The exact version a criteria CPE names, with its update ("8.9"+"p1"),
 * or NULL for ANY. */
static const char *cpe_version(const struct fwg_cpe *cpe, char *buf, size_t size)
{
	const char *v = cpe->f[FWG_CPE_VERSION];
	const char *u = cpe->f[FWG_CPE_UPDATE];
	if (fwg_cpe_is_any(v))
		return NULL;
	if (fwg_cpe_is_any(u) || fwg_cpe_is_na(u) || fwg_cpe_is_na(v))
		return v;
	size_t vl = strlen(v);
	bool digits = vl && v[vl - 1] >= '0' && v[vl - 1] <= '9' && u[0] >= '0' && u[0] <= '9';
	snprintf(buf, size, "%s%s%s", v, digits ? "." : "", u);
	return buf;
}

static enum fwg_status nvd_config(struct importer *im, int64_t vuln, int ci, json_t *config)
{
	if (is_true(json_object_get(config, "negate")))
		return FWG_OK; /* a negated configuration describes what is not affected */
	json_t *nodes = json_object_get(config, "nodes");
	size_t nnodes = json_array_size(nodes);
	if (nnodes > MAX_NODES)
		nnodes = MAX_NODES;
	bool config_and = op_is_and(json_object_get(config, "operator"));
	size_t entries = 0;
	bool complex = nnodes > 1;
	for (size_t ni = 0; ni < nnodes; ni++) {
		json_t *node = json_array_get(nodes, ni);
		entries += json_array_size(json_object_get(node, "cpeMatch"));
		if (op_is_and(json_object_get(node, "operator"))
				|| is_true(json_object_get(node, "negate")))
			complex = true;
	}
	(void)entries;
	for (size_t ni = 0; ni < nnodes; ni++) {
		json_t *node = json_array_get(nodes, ni);
		json_t *matches = json_object_get(node, "cpeMatch");
		size_t nm = json_array_size(matches);
		if (nm > MAX_MATCHES)
			nm = MAX_MATCHES;
		for (size_t mi = 0; mi < nm; mi++) {
			json_t *m = json_array_get(matches, mi);
			const char *criteria = bounded(json_object_get(m, "criteria"), CRITERIA_MAX);
			struct fwg_cpe cpe;
			if (!criteria || !fwg_cpe_parse(criteria, &cpe))
				continue;
			char vbuf[2 * FWG_CPE_FIELD_MAX + 2];
			struct range_row row = {
				.vuln = vuln, .config = ci, .node = (int)ni, .config_and = config_and,
				.node_and = op_is_and(json_object_get(node, "operator")),
				.node_negate = is_true(json_object_get(node, "negate")),
				.multi = complex, .vulnerable = is_true(json_object_get(m, "vulnerable")),
				.part = cpe.f[FWG_CPE_PART], .vendor = cpe.f[FWG_CPE_VENDOR],
				.product = cpe.f[FWG_CPE_PRODUCT], .criteria = criteria,
				.version = cpe_version(&cpe, vbuf, sizeof(vbuf)),
			};
			const char *si = bounded(json_object_get(m, "versionStartIncluding"), VERSION_MAX);
			const char *se = bounded(json_object_get(m, "versionStartExcluding"), VERSION_MAX);
			const char *ei = bounded(json_object_get(m, "versionEndIncluding"), VERSION_MAX);
			const char *ee = bounded(json_object_get(m, "versionEndExcluding"), VERSION_MAX);
			row.start = si ? si : se;
			row.start_incl = si != NULL;
			row.end = ei ? ei : ee;
			row.end_incl = ei != NULL;
			if (row.start || row.end)
				row.version = NULL; /* a range on an ANY criteria */
			enum fwg_status s = insert_range(im, &row);
			if (s != FWG_OK)
				return s;
		}
	}
	return FWG_OK;
}

static enum fwg_status nvd_record(struct importer *im, json_t *cve)
{
	struct vuln_rec *r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(im->err, im->err_size, "out of memory");
		return FWG_NOMEM;
	}
	enum fwg_status s = FWG_OK;
	r->source = "nvd";
	r->score = -1;
	r->id = ident(json_object_get(cve, "id"), ID_MAX);
	if (!r->id) {
		im->stats->skipped++;
		goto out;
	}
	r->cve = strncmp(r->id, "CVE-", 4) == 0 ? r->id : NULL;
	const char *status = json_string_value(json_object_get(cve, "vulnStatus"));
	if (status && strcmp(status, "Rejected") == 0) {
		s = delete_record(im, r->source, r->id);
		im->stats->skipped++;
		goto out;
	}
	r->published = bounded(json_object_get(cve, "published"), 64);
	r->modified = bounded(json_object_get(cve, "lastModified"), 64);
	json_t *descs = json_object_get(cve, "descriptions");
	for (size_t i = 0; i < json_array_size(descs) && i < 64; i++) {
		json_t *d = json_array_get(descs, i);
		const char *lang = json_string_value(json_object_get(d, "lang"));
		const char *value = json_string_value(json_object_get(d, "value"));
		if (value && (!r->summary[0] || (lang && strcmp(lang, "en") == 0)))
			copy_utf8(r->summary, sizeof(r->summary), value);
		if (value && lang && strcmp(lang, "en") == 0)
			break;
	}
	nvd_metrics(json_object_get(cve, "metrics"), r);
	int64_t rowid;
	s = insert_vuln(im, r, &rowid);
	json_t *configs = json_object_get(cve, "configurations");
	for (size_t ci = 0; s == FWG_OK && ci < json_array_size(configs) && ci < MAX_CONFIGS; ci++)
		s = nvd_config(im, rowid, (int)ci, json_array_get(configs, ci));
out:
	free(r);
	return s;
}

/* ---- OSV -------------------------------------------------------------- */

static const char *osv_severity_word(const char *s)
{
	if (!s)
		return NULL;
	if (strcasecmp(s, "critical") == 0)
		return "critical";
	if (strcasecmp(s, "high") == 0 || strcasecmp(s, "important") == 0)
		return "high";
	if (strcasecmp(s, "moderate") == 0 || strcasecmp(s, "medium") == 0)
		return "medium";
	if (strcasecmp(s, "low") == 0 || strcasecmp(s, "negligible") == 0)
		return "low";
	return NULL;
}

static void osv_severity(json_t *rec, struct vuln_rec *r)
{
	json_t *sev = json_object_get(rec, "severity");
	for (size_t i = 0; i < json_array_size(sev) && i < 16; i++) {
		json_t *e = json_array_get(sev, i);
		const char *type = json_string_value(json_object_get(e, "type"));
		const char *score = bounded(json_object_get(e, "score"), 256);
		if (!type || !score)
			continue;
		if (strcmp(type, "CVSS_V3") == 0) {
			double v = fwg_cvss3_base_score(score);
			if (v >= 0) {
				r->score = v;
				r->vector = score;
				r->severity = severity_of_score(v);
				return;
			}
		}
		if (!r->vector)
			r->vector = score;
	}
	json_t *ds = json_object_get(rec, "database_specific");
	r->severity = osv_severity_word(json_string_value(json_object_get(ds, "severity")));
}

struct osv_event {
	int kind; /* 0 introduced, 1 fixed, 2 last_affected */
	const char *version;
};

/* "0" (and nothing) is before every version. */
static int event_cmp(const struct osv_event *x, const struct osv_event *y)
{
	bool xz = strcmp(x->version, "0") == 0, yz = strcmp(y->version, "0") == 0;
	if (xz || yz)
		return xz == yz ? 0 : (xz ? -1 : 1);
	return fwg_version_compare(x->version, y->version);
}

/* Stable bottom-up merge sort by version: O(n log n) compares (an
 * insertion sort of reverse-ordered events costs n^2/2, per range), and
 * every index stays in bounds whatever the comparison returns. */
static void events_sort(struct osv_event *ev, size_t n)
{
	struct osv_event tmp[MAX_EVENTS];
	if (n > MAX_EVENTS)
		return;
	for (size_t width = 1; width < n; width *= 2) {
		for (size_t lo = 0; lo < n - width; lo += 2 * width) {
			size_t mid = lo + width;
			size_t hi = n - mid > width ? mid + width : n;
			size_t i = lo, j = mid, k = 0;
			while (i < mid && j < hi)
				tmp[k++] = event_cmp(&ev[j], &ev[i]) < 0 ? ev[j++] : ev[i++];
			while (i < mid)
				tmp[k++] = ev[i++];
			while (j < hi)
				tmp[k++] = ev[j++];
			memcpy(ev + lo, tmp, k * sizeof(*ev));
		}
	}
}

static enum fwg_status osv_range(struct importer *im, struct range_row *base, json_t *range)
{
	const char *type = json_string_value(json_object_get(range, "type"));
	if (!type || (strcmp(type, "SEMVER") != 0 && strcmp(type, "ECOSYSTEM") != 0))
		return FWG_OK; /* GIT ranges name commits, not versions */
	json_t *events = json_object_get(range, "events");
	size_t n = 0;
	struct osv_event ev[MAX_EVENTS];
	for (size_t i = 0; i < json_array_size(events) && n < MAX_EVENTS; i++) {
		json_t *e = json_array_get(events, i);
		static const char *const kinds[] = { "introduced", "fixed", "last_affected" };
		for (int k = 0; k < 3; k++) {
			const char *v = bounded(json_object_get(e, kinds[k]), VERSION_MAX);
			if (v) {
				ev[n].kind = k;
				ev[n].version = v;
				n++;
				break;
			}
		}
	}
	/* The spec does not require events to be ordered. */
	events_sort(ev, n);
	const char *open = NULL;
	for (size_t i = 0; i < n; i++) {
		if (ev[i].kind == 0) {
			if (!open)
				open = ev[i].version;
			continue;
		}
		if (!open)
			continue;
		struct range_row row = *base;
		row.start = strcmp(open, "0") == 0 ? NULL : open;
		row.start_incl = true;
		row.end = ev[i].version;
		row.end_incl = ev[i].kind == 2;
		enum fwg_status s = insert_range(im, &row);
		if (s != FWG_OK)
			return s;
		open = NULL;
	}
	if (open) {
		struct range_row row = *base;
		row.start = strcmp(open, "0") == 0 ? NULL : open;
		row.start_incl = true;
		if (!row.start)
			row.version = "*"; /* every version */
		return insert_range(im, &row);
	}
	return FWG_OK;
}

static enum fwg_status osv_record(struct importer *im, json_t *rec)
{
	struct vuln_rec *r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(im->err, im->err_size, "out of memory");
		return FWG_NOMEM;
	}
	enum fwg_status s = FWG_OK;
	r->source = "osv";
	r->score = -1;
	r->id = ident(json_object_get(rec, "id"), ID_MAX);
	if (!r->id) {
		im->stats->skipped++;
		goto out;
	}
	if (json_object_get(rec, "withdrawn")) {
		s = delete_record(im, r->source, r->id);
		im->stats->skipped++;
		goto out;
	}
	if (strncmp(r->id, "CVE-", 4) == 0)
		r->cve = r->id;
	json_t *aliases = json_object_get(rec, "aliases");
	size_t alen = 0;
	for (size_t i = 0; i < json_array_size(aliases) && i < MAX_ALIASES; i++) {
		const char *al = ident(json_array_get(aliases, i), ID_MAX);
		if (!al)
			continue;
		if (!r->cve && strncmp(al, "CVE-", 4) == 0)
			r->cve = al;
		size_t l = strlen(al);
		if (alen + l + 2 > sizeof(r->aliases))
			break;
		if (alen)
			r->aliases[alen++] = ' ';
		memcpy(r->aliases + alen, al, l + 1);
		alen += l;
	}
	const char *summary = json_string_value(json_object_get(rec, "summary"));
	if (!summary)
		summary = json_string_value(json_object_get(rec, "details"));
	if (summary)
		copy_utf8(r->summary, sizeof(r->summary), summary);
	r->published = bounded(json_object_get(rec, "published"), 64);
	r->modified = bounded(json_object_get(rec, "modified"), 64);
	osv_severity(rec, r);
	int64_t rowid;
	s = insert_vuln(im, r, &rowid);
	json_t *affected = json_object_get(rec, "affected");
	for (size_t ai = 0; s == FWG_OK && ai < json_array_size(affected) && ai < MAX_AFFECTED;
			ai++) {
		json_t *aff = json_array_get(affected, ai);
		json_t *pkg = json_object_get(aff, "package");
		const char *name = bounded(json_object_get(pkg, "name"), NAME_MAX_LEN);
		const char *eco = bounded(json_object_get(pkg, "ecosystem"), NAME_MAX_LEN);
		if (!name)
			continue;
		char lname[NAME_MAX_LEN + 1], crit[2 * NAME_MAX_LEN + 2];
		lower_copy(lname, sizeof(lname), name);
		const char *purl = bounded(json_object_get(pkg, "purl"), CRITERIA_MAX);
		snprintf(crit, sizeof(crit), "%s/%s", eco ? eco : "", name);
		struct range_row base = {
			.vuln = rowid, .config = (int)ai, .vulnerable = true, .ecosystem = eco,
			.package = lname, .criteria = purl ? purl : crit,
		};
		json_t *ranges = json_object_get(aff, "ranges");
		for (size_t ri = 0; s == FWG_OK && ri < json_array_size(ranges) && ri < MAX_RANGES; ri++)
			s = osv_range(im, &base, json_array_get(ranges, ri));
		json_t *versions = json_object_get(aff, "versions");
		for (size_t vi = 0; s == FWG_OK && vi < json_array_size(versions)
				&& vi < MAX_VERSIONS; vi++) {
			struct range_row row = base;
			row.version = bounded(json_array_get(versions, vi), VERSION_MAX);
			if (row.version)
				s = insert_range(im, &row);
		}
	}
out:
	free(r);
	return s;
}

/* ---- envelope --------------------------------------------------------- */

static enum fwg_status record(struct importer *im, size_t start, size_t end)
{
	if (im->buf[start] != '{') {
		im->stats->skipped++;
		return FWG_OK;
	}
	if (end - start > RECORD_MAX)
		return feed_error(im, start, FWG_LIMIT, "record of %zu bytes is over the %zu MiB limit",
			end - start, RECORD_MAX >> 20);
	json_error_t jerr;
	json_t *rec = json_loadb(im->buf + start, end - start, 0, &jerr);
	if (!rec)
		return feed_error(im, start + (size_t)(jerr.position > 0 ? jerr.position - 1 : 0),
			FWG_MALFORMED, "%s", jerr.text);
	enum fwg_status s;
	json_t *cve = json_object_get(rec, "cve");
	if (json_is_object(cve))
		s = nvd_record(im, cve);
	else if (json_is_string(json_object_get(rec, "id")))
		s = osv_record(im, rec);
	else {
		im->stats->skipped++;
		s = FWG_OK;
	}
	json_decref(rec);
	return s;
}

static enum fwg_status each_element(struct importer *im, size_t pos, size_t *end)
{
	pos = skip_ws(im, pos + 1);
	if (pos < im->len && im->buf[pos] == ']') {
		*end = pos + 1;
		return FWG_OK;
	}
	for (;;) {
		size_t e;
		enum fwg_status s = skip_value(im, pos, &e);
		if (s == FWG_OK)
			s = record(im, pos, e);
		if (s != FWG_OK)
			return s;
		pos = skip_ws(im, e);
		if (pos >= im->len)
			return feed_error(im, pos, FWG_TRUNCATED, "unterminated array");
		if (im->buf[pos] == ']') {
			*end = pos + 1;
			return FWG_OK;
		}
		if (im->buf[pos] != ',')
			return feed_error(im, pos, FWG_MALFORMED, "expected ',' or ']'");
		pos = skip_ws(im, pos + 1);
	}
}

static bool key_is(const struct importer *im, size_t kstart, size_t kend, const char *key)
{
	size_t n = strlen(key);
	return kend - kstart == n + 2 && memcmp(im->buf + kstart + 1, key, n) == 0;
}

/* A top-level object: an NVD envelope, or one OSV record. */
static enum fwg_status top_object(struct importer *im, size_t pos, size_t *end)
{
	size_t start = pos;
	size_t vulns_at = SIZE_MAX;
	pos = skip_ws(im, pos + 1);
	if (pos < im->len && im->buf[pos] == '}') {
		*end = pos + 1;
		im->stats->skipped++;
		return FWG_OK;
	}
	for (;;) {
		if (pos >= im->len || im->buf[pos] != '"')
			return feed_error(im, pos, pos >= im->len ? FWG_TRUNCATED : FWG_MALFORMED,
				"object key expected");
		size_t kend, vend;
		enum fwg_status s = scan_string(im, pos, &kend);
		if (s != FWG_OK)
			return s;
		size_t kstart = pos;
		pos = skip_ws(im, kend);
		if (pos >= im->len || im->buf[pos] != ':')
			return feed_error(im, pos, FWG_MALFORMED, "expected ':'");
		pos = skip_ws(im, pos + 1);
		if (key_is(im, kstart, kend, "CVE_Items"))
			return feed_error(im, kstart, FWG_UNSUPPORTED, "NVD JSON 1.1 feed: use the "
				"NVD CVE JSON 2.0 feeds or API");
		if (key_is(im, kstart, kend, "vulnerabilities") && pos < im->len
				&& im->buf[pos] == '[')
			vulns_at = pos;
		s = skip_value(im, pos, &vend);
		if (s != FWG_OK)
			return s;
		pos = skip_ws(im, vend);
		if (pos < im->len && im->buf[pos] == '}') {
			*end = pos + 1;
			break;
		}
		if (pos >= im->len || im->buf[pos] != ',')
			return feed_error(im, pos, pos >= im->len ? FWG_TRUNCATED : FWG_MALFORMED,
				"expected ',' or '}'");
		pos = skip_ws(im, pos + 1);
	}
	if (vulns_at != SIZE_MAX) {
		size_t e;
		return each_element(im, vulns_at, &e);
	}
	return record(im, start, *end);
}

static enum fwg_status import_values(struct importer *im)
{
	size_t pos = 0;
	if (im->len >= 3 && memcmp(im->buf, "\xEF\xBB\xBF", 3) == 0)
		pos = 3;
	pos = skip_ws(im, pos);
	if (pos >= im->len)
		return feed_error(im, pos, FWG_MALFORMED, "empty feed");
	while (pos < im->len) {
		size_t end;
		enum fwg_status s;
		if (im->buf[pos] == '[')
			s = each_element(im, pos, &end);
		else if (im->buf[pos] == '{')
			s = top_object(im, pos, &end);
		else
			s = feed_error(im, pos, FWG_MALFORMED, "expected '{' or '[' (an NVD or OSV "
				"JSON feed)");
		if (s != FWG_OK)
			return s;
		pos = skip_ws(im, end);
	}
	return FWG_OK;
}

static void finalize_all(struct importer *im)
{
	sqlite3_finalize(im->del_ranges);
	sqlite3_finalize(im->del_vuln);
	sqlite3_finalize(im->ins_vuln);
	sqlite3_finalize(im->ins_range);
}

enum fwg_status fwg_vulndb_import_buffer(sqlite3 *db, const char *name, const char *buf,
		size_t len, struct fwg_vulndb_stats *stats, char *err, size_t err_size)
{
	struct importer im = {
		.db = db, .stats = stats, .name = name, .buf = buf, .len = len,
		.err = err, .err_size = err_size,
	};
	if (sqlite3_prepare_v2(db, "DELETE FROM ranges WHERE vuln IN (SELECT rowid FROM vulns "
				"WHERE source = ?1 AND id = ?2)", -1, &im.del_ranges, NULL) != SQLITE_OK
			|| sqlite3_prepare_v2(db, "DELETE FROM vulns WHERE source = ?1 AND id = ?2", -1,
				&im.del_vuln, NULL) != SQLITE_OK
			|| sqlite3_prepare_v2(db, "INSERT INTO vulns(source, id, cve, aliases, summary, "
				"severity, cvss_score, cvss_vector, published, modified) VALUES "
				"(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", -1, &im.ins_vuln, NULL)
				!= SQLITE_OK
			|| sqlite3_prepare_v2(db, "INSERT INTO ranges(vuln, config, config_and, node, "
				"node_and, node_negate, multi, vulnerable, part, vendor, product, ecosystem, "
				"package, criteria, version, start, start_incl, end, end_incl) VALUES (?1, ?2, "
				"?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
				-1, &im.ins_range, NULL) != SQLITE_OK) {
		enum fwg_status s = sql_error(&im, "prepare");
		finalize_all(&im);
		return s;
	}
	struct fwg_vulndb_stats before = *stats;
	enum fwg_status s = FWG_OK;
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		s = sql_error(&im, "begin");
	if (s == FWG_OK)
		s = import_values(&im);
	if (s == FWG_OK && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		s = sql_error(&im, "commit");
	if (s != FWG_OK) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		*stats = before;
	} else {
		stats->files++;
	}
	finalize_all(&im);
	return s;
}

static enum fwg_status import_file(sqlite3 *db, const char *path,
		struct fwg_vulndb_stats *stats, char *err, size_t err_size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, err_size, "%s: %s", path, strerror(errno));
		return FWG_IO;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, err_size, "%s: not a regular file", path);
		close(fd);
		return FWG_IO;
	}
	if ((uint64_t)st.st_size > FEED_MAX || (uint64_t)st.st_size > SIZE_MAX) {
		snprintf(err, err_size, "%s: %llu bytes is over the %llu GiB feed limit", path,
			(unsigned long long)st.st_size, (unsigned long long)(FEED_MAX >> 30));
		close(fd);
		return FWG_LIMIT;
	}
	if (st.st_size == 0) {
		snprintf(err, err_size, "%s: empty feed", path);
		close(fd);
		return FWG_MALFORMED;
	}
	void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		snprintf(err, err_size, "%s: %s", path, strerror(errno));
		return FWG_IO;
	}
	enum fwg_status s = fwg_vulndb_import_buffer(db, path, map, (size_t)st.st_size, stats,
		err, err_size);
	munmap(map, (size_t)st.st_size);
	return s;
}

enum fwg_status fwg_vulndb_import(const char *db_path, const char *const *files,
		size_t file_count, struct fwg_vulndb_stats *stats, char *errbuf, size_t errbuf_size)
{
	struct fwg_vulndb_stats local;
	if (!stats)
		stats = &local;
	*stats = (struct fwg_vulndb_stats){ 0 };
	sqlite3 *db;
	enum fwg_status s = fwg_vulndb_open(db_path, true, &db, errbuf, errbuf_size);
	for (size_t i = 0; s == FWG_OK && i < file_count; i++)
		s = import_file(db, files[i], stats, errbuf, errbuf_size);
	sqlite3_close(db);
	return s;
}

const char *fwg_vulndb_default_path(char *buf, size_t size)
{
	const char *env = getenv("FWGUARD_VULNDB");
	if (env && env[0]) {
		snprintf(buf, size, "%s", env);
		return buf;
	}
	const char *xdg = getenv("XDG_DATA_HOME");
	if (xdg && xdg[0])
		snprintf(buf, size, "%s/fwguard/vulndb.sqlite", xdg);
	else
		snprintf(buf, size, "%s/.local/share/fwguard/vulndb.sqlite",
			getenv("HOME") ? getenv("HOME") : ".");
	return buf;
}
