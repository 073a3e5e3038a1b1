/*
 * vuln.c - the vuln engine: offline vulnerability matching of the
 * identified software (a->software, from the sbom engine) against the
 * SQLite database made by `fwguard vulndb import` (vulndb.h).
 *
 * Database: options->vulndb, else fwg_vulndb_default_path() when that file
 * exists, else nothing to do.  An explicit database that cannot be opened
 * fails the analysis.
 *
 * Per component with a usable version, one indexed query by CPE
 * (vendor, product) and one by package name give the candidate ranges;
 * each is checked with version-range semantics (version.h):
 *   NVD   exact-version criteria (version plus update: "8.9"+"p1"),
 *         versionStart/End Including/Excluding, and configurations: a
 *         configuration with several nodes or AND/negate operators holds
 *         only when its other entries are met by an identified component;
 *         hardware entries (part "h"), which firmware contents cannot
 *         identify, are assumed met and the finding's confidence drops to
 *         low.  Operating-system and application platforms are never
 *         assumed.
 *   OSV   SEMVER/ECOSYSTEM introduced/fixed/last_affected intervals and
 *         `versions` lists; language ecosystems (npm, PyPI, ...) are
 *         skipped for firmware components; distribution ecosystems
 *         (Debian, Alpine, ...) count at medium confidence, as their
 *         boundaries carry the distribution's backports.
 * A component version with a vendor suffix ("1.36.1-r0", "2022.04-dirty")
 * is compared by its upstream part at medium confidence, unless the
 * boundary carries a suffix itself (then both are compared whole).
 *
 * One finding "vuln.cve" per (CVE, component): an OSV record and an NVD
 * record of the same CVE, or several matching ranges, make one finding,
 * the most confident one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cpe.h"
#include "engine.h"
#include "version.h"
#include "vulndb.h"

#define VERSION_BUF 128
#define SUMMARY_IN_MESSAGE 300
#define MAX_CONFIG_ROWS 100000

struct comp {
	const struct fwg_software *sw;
	struct fwg_cpe cpe;
	bool has_cpe;
	char package[128];     /* lower-case name for OSV */
	bool language_ok;      /* purl of a language ecosystem: accept those */
	char upstream[VERSION_BUF];
	bool approx;           /* upstream differs from the version as found */
};

struct range {
	int64_t rowid, vuln, config;
	bool multi;
	const char *version, *start, *end, *criteria, *ecosystem;
	bool start_incl, end_incl;
};

struct hit {
	int64_t vuln;
	enum fwg_confidence confidence;
	char why[200];         /* "versions before 1.36.0" */
	char fix[VERSION_BUF]; /* first fixed version, or "" */
	bool fix_after;        /* fix is the last affected one */
	bool assumed;          /* a hardware platform was assumed */
	char key[72];          /* CVE id, or the record id without one */
};

struct matcher {
	struct fwg_analysis *a;
	sqlite3 *db;
	sqlite3_stmt *by_cpe, *by_pkg, *config, *vuln;
	struct comp *comps;
	size_t ncomps;
	struct hit *hits;
	size_t nhits, caphits;
};

static const char *const language_ecosystems[] = {
	"npm", "PyPI", "Go", "crates.io", "Maven", "NuGet", "RubyGems", "Packagist", "Hex",
	"Pub", "Hackage", "CRAN", "SwiftURL", "GitHub Actions", "Bioconductor", "GHC", "Julia",
};
static const char *const distro_ecosystems[] = {
	"Debian", "Ubuntu", "Alpine", "Wolfi", "Chainguard", "Red Hat", "Rocky Linux",
	"AlmaLinux", "SUSE", "openSUSE", "Mageia", "Photon OS", "openEuler", "MinimOS",
	"Azure Linux", "OpenWrt",
};

/* Ecosystem names may carry a release ("Debian:12", "Alpine:v3.18"). */
static bool ecosystem_in(const char *eco, const char *const *list, size_t n)
{
	if (!eco)
		return false;
	size_t len = strcspn(eco, ":");
	for (size_t i = 0; i < n; i++)
		if (strlen(list[i]) == len && strncasecmp(eco, list[i], len) == 0)
			return true;
	return false;
}

static const char *text_col(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* The version of the component to compare with a boundary: whole when the
 * boundary has a distribution suffix itself, else the upstream part. */
static const char *pick(const struct comp *c, const char *boundary, bool *approx)
{
	char tmp[VERSION_BUF];
	if (fwg_version_upstream(boundary, tmp, sizeof(tmp)))
		return c->sw->version;
	if (c->approx)
		*approx = true;
	return c->upstream;
}

/* Does the component's version fall in the row's version constraint?
 * *loose is set when the match is approximate (suffix, ANY version). */
static bool version_matches(const struct comp *c, const char *version, const char *start,
		bool start_incl, const char *end, bool end_incl, bool *loose)
{
	bool approx = false;
	if (version) {
		if (fwg_cpe_is_na(version))
			return false;
		if (fwg_cpe_is_any(version)) {
			*loose = true;
			return true;
		}
		if (fwg_version_compare(pick(c, version, &approx), version) != 0)
			return false;
		*loose |= approx;
		return true;
	}
	if (!start && !end) {
		*loose = true; /* an ANY criteria without a range: every version */
		return true;
	}
	if (start) {
		int cmp = fwg_version_compare(pick(c, start, &approx), start);
		if (cmp < 0 || (cmp == 0 && !start_incl))
			return false;
	}
	if (end) {
		int cmp = fwg_version_compare(pick(c, end, &approx), end);
		if (cmp > 0 || (cmp == 0 && !end_incl))
			return false;
	}
	*loose |= approx;
	return true;
}

static void describe(const struct range *r, struct hit *h)
{
	if (r->version && !fwg_cpe_is_any(r->version)) {
		snprintf(h->why, sizeof(h->why), "version %s", r->version);
		return;
	}
	if (!r->start && !r->end) {
		snprintf(h->why, sizeof(h->why), "all versions");
		return;
	}
	char from[96] = "", to[96] = "";
	if (r->start)
		snprintf(from, sizeof(from), "%s %s", r->start_incl ? "from" : "after", r->start);
	if (r->end) {
		snprintf(to, sizeof(to), "%s %s", r->end_incl ? "up to" : "before", r->end);
		snprintf(h->fix, sizeof(h->fix), "%s", r->end);
		h->fix_after = r->end_incl;
	}
	snprintf(h->why, sizeof(h->why), "versions %s%s%s", from, r->start && r->end ? " " : "",
		to);
}

/* Is the configuration entry met by some identified component? */
static bool entry_met(const struct matcher *m, sqlite3_stmt *row)
{
	const char *vendor = text_col(row, 6), *product = text_col(row, 7);
	if (!vendor || !product)
		return false;
	for (size_t i = 0; i < m->ncomps; i++) {
		const struct comp *c = &m->comps[i];
		if (!c->has_cpe || strcmp(c->cpe.f[FWG_CPE_VENDOR], vendor) != 0
				|| strcmp(c->cpe.f[FWG_CPE_PRODUCT], product) != 0)
			continue;
		bool loose = false;
		if (!fwg_version_usable(c->sw->version)) {
			/* A platform without a known version: met when the entry
			 * does not constrain the version. */
			if (!text_col(row, 9) && !text_col(row, 11)
					&& fwg_cpe_is_any(text_col(row, 8)))
				return true;
			continue;
		}
		if (version_matches(c, text_col(row, 8), text_col(row, 9),
				sqlite3_column_int(row, 10), text_col(row, 11),
				sqlite3_column_int(row, 12), &loose))
			return true;
	}
	return false;
}

/*
 * Evaluates the configuration of candidate rowid: nodes combined by the
 * configuration's operator, entries by each node's, negate applied per
 * node.  The candidate entry itself is met.  *assumed tells whether a
 * hardware entry had to be assumed.
 */
static enum fwg_status config_holds(struct matcher *m, const struct range *cand, bool *holds,
		bool *assumed)
{
	sqlite3_stmt *st = m->config;
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, cand->vuln);
	sqlite3_bind_int64(st, 2, cand->config);
	bool config_and = false, first = true, result = false, any_assumed = false;
	bool node_val = false, node_assumed = false, node_and = false, node_negate = false;
	int64_t node = -1;
	size_t rows = 0;
	int rc;
	/* Folds the finished node into the configuration's result. */
#define CLOSE_NODE() do { \
		bool v = node_negate ? !node_val : node_val; \
		if (v && node_assumed && !node_negate) \
			any_assumed = true; \
		if (first) \
			result = v; \
		else \
			result = config_and ? (result && v) : (result || v); \
		first = false; \
	} while (0)
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && rows++ < MAX_CONFIG_ROWS) {
		int64_t n = sqlite3_column_int64(st, 2);
		if (n != node) {
			if (node >= 0)
				CLOSE_NODE();
			node = n;
			config_and = sqlite3_column_int(st, 1);
			node_and = sqlite3_column_int(st, 3);
			node_negate = sqlite3_column_int(st, 4);
			node_val = node_and;
			node_assumed = false;
		}
		bool met;
		bool this_assumed = false;
		if (sqlite3_column_int64(st, 0) == cand->rowid) {
			met = true;
		} else {
			met = entry_met(m, st);
			const char *part = text_col(st, 5);
			if (!met && part && strcmp(part, "h") == 0) {
				met = true;
				this_assumed = true;
			}
		}
		if (node_and) {
			node_val = node_val && met;
			node_assumed |= this_assumed;
		} else if (met && (!node_val || node_assumed)) {
			/* OR: prefer an entry met without assumption. */
			node_assumed = node_val ? node_assumed && this_assumed : this_assumed;
			node_val = true;
		}
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fwg_analysis_fail(m->a, FWG_IO, "vulnerability database: %s",
			sqlite3_errmsg(m->db));
	if (node >= 0)
		CLOSE_NODE();
#undef CLOSE_NODE
	*holds = result;
	*assumed = any_assumed;
	return FWG_OK;
}

static void add_hit(struct matcher *m, const struct hit *h)
{
	for (size_t i = 0; i < m->nhits; i++) {
		if (m->hits[i].vuln == h->vuln) {
			if (h->confidence > m->hits[i].confidence)
				m->hits[i] = *h;
			return;
		}
	}
	if (m->nhits == m->caphits) {
		size_t ncap = m->caphits ? m->caphits * 2 : 16;
		struct hit *n = realloc(m->hits, ncap * sizeof(*n));
		if (!n) {
			m->a->alloc_failed = true;
			return;
		}
		m->hits = n;
		m->caphits = ncap;
	}
	m->hits[m->nhits++] = *h;
}

static void read_range(sqlite3_stmt *st, struct range *r)
{
	r->rowid = sqlite3_column_int64(st, 0);
	r->vuln = sqlite3_column_int64(st, 1);
	r->config = sqlite3_column_int64(st, 2);
	r->multi = sqlite3_column_int(st, 3);
	r->version = text_col(st, 4);
	r->start = text_col(st, 5);
	r->start_incl = sqlite3_column_int(st, 6);
	r->end = text_col(st, 7);
	r->end_incl = sqlite3_column_int(st, 8);
	r->criteria = text_col(st, 9);
	r->ecosystem = text_col(st, 10);
}

/* Runs one candidate query and records the ranges that hold. */
static enum fwg_status candidates(struct matcher *m, const struct comp *c, sqlite3_stmt *st,
		bool osv)
{
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct range r;
		read_range(st, &r);
		bool loose = false;
		if (osv) {
			size_t nl = sizeof(language_ecosystems) / sizeof(language_ecosystems[0]);
			size_t nd = sizeof(distro_ecosystems) / sizeof(distro_ecosystems[0]);
			if (!c->language_ok && ecosystem_in(r.ecosystem, language_ecosystems, nl))
				continue;
			if (ecosystem_in(r.ecosystem, distro_ecosystems, nd))
				loose = true;
		}
		if (!version_matches(c, r.version, r.start, r.start_incl, r.end, r.end_incl, &loose))
			continue;
		bool assumed = false;
		if (r.multi) {
			bool holds = false;
			/* config_holds reuses its own statement; st stays positioned. */
			enum fwg_status s = config_holds(m, &r, &holds, &assumed);
			if (s != FWG_OK)
				return s;
			if (!holds)
				continue;
		}
		struct hit h = {
			.vuln = r.vuln,
			.confidence = assumed ? FWG_CONFIDENCE_LOW
				: loose ? FWG_CONFIDENCE_MEDIUM : FWG_CONFIDENCE_HIGH,
			.assumed = assumed,
		};
		describe(&r, &h);
		add_hit(m, &h);
	}
	if (rc != SQLITE_DONE)
		return fwg_analysis_fail(m->a, FWG_IO, "vulnerability database: %s",
			sqlite3_errmsg(m->db));
	return FWG_OK;
}

static enum fwg_level level_of(sqlite3_stmt *v, bool *known)
{
	*known = true;
	if (sqlite3_column_type(v, 4) != SQLITE_NULL) {
		double s = sqlite3_column_double(v, 4);
		return s >= 9.0 ? FWG_LEVEL_CRITICAL : s >= 7.0 ? FWG_LEVEL_HIGH
			: s >= 4.0 ? FWG_LEVEL_MEDIUM : s > 0.0 ? FWG_LEVEL_LOW : FWG_LEVEL_INFO;
	}
	const char *sev = text_col(v, 3);
	enum fwg_level l;
	if (sev && fwg_level_parse(sev, &l))
		return l;
	if (sev && strcmp(sev, "none") == 0)
		return FWG_LEVEL_INFO;
	*known = false;
	return FWG_LEVEL_MEDIUM;
}

static void evidence_of(const struct fwg_software *sw, char *out, size_t size,
		const struct fwg_node **node)
{
	*node = sw->node;
	const struct fwg_sbom_evidence *e = NULL;
	for (size_t i = 0; i < sw->evidence_count; i++) {
		if (sw->evidence[i].node || !e)
			e = &sw->evidence[i];
		if (sw->evidence[i].node)
			break;
	}
	if (e && e->node)
		*node = e->node;
	const char *path = e ? fwg_node_fs_path(e->node) : NULL;
	int n = snprintf(out, size, "%s %s", sw->name, sw->version);
	if (n < 0 || (size_t)n >= size || !e)
		return;
	snprintf(out + n, size - (size_t)n, " (%s%s%s%s%s%s)", e->method ? e->method : "evidence",
		e->detail ? " '" : "", e->detail ? e->detail : "", e->detail ? "'" : "",
		path ? " in " : "", path ? path : "");
}

/* Reads the record of a hit; false when it is gone. */
static bool load_vuln(struct matcher *m, int64_t vuln)
{
	sqlite3_reset(m->vuln);
	sqlite3_bind_int64(m->vuln, 1, vuln);
	return sqlite3_step(m->vuln) == SQLITE_ROW;
}

static void bounded_summary(const char *summary, char *out, size_t size)
{
	out[0] = '\0';
	if (!summary || size < 4)
		return;
	size_t n = strlen(summary), max = size - 4;
	bool cut = n > max;
	if (cut) {
		n = max;
		while (n && ((unsigned char)summary[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(out, summary, n);
	memcpy(out + n, cut ? "..." : "", cut ? 4 : 1);
}

static void report_hit(struct matcher *m, const struct comp *c, const struct hit *h)
{
	const struct fwg_software *sw = c->sw;
	sqlite3_stmt *v = m->vuln;
	if (!load_vuln(m, h->vuln))
		return;
	const char *id = text_col(v, 0), *summary = text_col(v, 2);
	bool known;
	enum fwg_level level = level_of(v, &known);
	char evidence[FWG_EVIDENCE_MAX];
	const struct fwg_node *node;
	evidence_of(sw, evidence, sizeof(evidence), &node);
	char msg[768], sum[SUMMARY_IN_MESSAGE + 4];
	bounded_summary(summary, sum, sizeof(sum));
	bool other_id = id && strcmp(h->key, id) != 0;
	snprintf(msg, sizeof(msg), "%s %s is affected by %s%s%s (%s%s%s)%s%s", sw->name,
		sw->version, h->key, other_id ? " / " : "", other_id ? id : "", h->why,
		known ? "" : "; no CVSS score in the feed",
		h->assumed ? "; hardware platform assumed" : "", sum[0] ? ": " : "", sum);
	char fix[256];
	if (h->fix[0] && !h->fix_after)
		snprintf(fix, sizeof(fix), "upgrade %s to %s or later", sw->name, h->fix);
	else if (h->fix[0])
		snprintf(fix, sizeof(fix), "upgrade %s to a release later than %s", sw->name, h->fix);
	else
		snprintf(fix, sizeof(fix), "upgrade %s to a release not affected by %s", sw->name,
			h->key);
	fwg_report(m->a, &(struct fwg_finding_desc){
		.rule = "vuln.cve",
		.severity = level,
		.confidence = h->confidence,
		.node = node,
		.cve = h->key,
		.message = msg,
		.evidence = evidence,
		.remediation = fix,
		.software_ref = sw->bom_ref,
	});
}

/* One finding per CVE: records of the same CVE (NVD and OSV) collapse to
 * the most confident hit, the first among equals. */
static void report_hits(struct matcher *m, const struct comp *c)
{
	for (size_t i = 0; i < m->nhits; i++) {
		struct hit *h = &m->hits[i];
		h->key[0] = '\0';
		if (!load_vuln(m, h->vuln))
			continue;
		const char *cve = text_col(m->vuln, 1), *id = text_col(m->vuln, 0);
		snprintf(h->key, sizeof(h->key), "%s", cve ? cve : id ? id : "");
	}
	for (size_t i = 0; i < m->nhits; i++) {
		const struct hit *h = &m->hits[i];
		bool beaten = !h->key[0];
		for (size_t j = 0; j < m->nhits && !beaten; j++) {
			const struct hit *o = &m->hits[j];
			if (j != i && strcmp(o->key, h->key) == 0 && (o->confidence > h->confidence
					|| (o->confidence == h->confidence && j < i)))
				beaten = true;
		}
		if (!beaten)
			report_hit(m, c, h);
	}
}

/* Name part of a purl "pkg:type/namespace/name@version?q#s", lower case;
 * sets *language when the purl type is a language ecosystem's. */
static void purl_name(const char *purl, char *out, size_t size, bool *language)
{
	*language = false;
	out[0] = '\0';
	if (!purl || strncmp(purl, "pkg:", 4) != 0)
		return;
	const char *type = purl + 4;
	size_t tlen = strcspn(type, "/");
	static const char *const non_language[] = { "generic", "deb", "apk", "rpm", "alpm",
		"opkg", "ipk", "conan", "bitnami", "github", "" };
	bool known = false;
	for (size_t i = 0; i < sizeof(non_language) / sizeof(non_language[0]); i++)
		if (strlen(non_language[i]) == tlen && strncasecmp(type, non_language[i], tlen) == 0)
			known = true;
	*language = !known;
	const char *end = type + strcspn(type, "@?#");
	const char *slash = NULL;
	for (const char *p = type; p < end; p++)
		if (*p == '/')
			slash = p;
	if (!slash)
		return;
	size_t n = 0;
	for (const char *p = slash + 1; p < end && n + 1 < size; p++)
		out[n++] = (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
	out[n] = '\0';
}

static enum fwg_status prepare(struct matcher *m, bool use_index)
{
	char sql_cpe[512], sql_pkg[512];
	const char *hint = use_index ? "" : " NOT INDEXED";
	snprintf(sql_cpe, sizeof(sql_cpe), FWG_VULNDB_SQL_CPE, hint);
	snprintf(sql_pkg, sizeof(sql_pkg), FWG_VULNDB_SQL_PKG, hint);
	if (sqlite3_prepare_v2(m->db, sql_cpe, -1, &m->by_cpe, NULL) != SQLITE_OK
			|| sqlite3_prepare_v2(m->db, sql_pkg, -1, &m->by_pkg, NULL) != SQLITE_OK
			|| sqlite3_prepare_v2(m->db, FWG_VULNDB_SQL_CONFIG, -1, &m->config, NULL)
				!= SQLITE_OK
			|| sqlite3_prepare_v2(m->db, FWG_VULNDB_SQL_VULN, -1, &m->vuln, NULL) != SQLITE_OK)
		return fwg_analysis_fail(m->a, FWG_IO, "vulnerability database: %s",
			sqlite3_errmsg(m->db));
	return FWG_OK;
}

enum fwg_status fwg_vuln_match(struct fwg_analysis *a, sqlite3 *db, bool use_index)
{
	struct matcher m = { .a = a, .db = db };
	enum fwg_status s = prepare(&m, use_index);
	if (s == FWG_OK && a->software_count) {
		m.comps = calloc(a->software_count, sizeof(*m.comps));
		if (!m.comps)
			s = fwg_analysis_fail(a, FWG_NOMEM, "out of memory");
	}
	for (size_t i = 0; s == FWG_OK && i < a->software_count; i++) {
		struct comp *c = &m.comps[m.ncomps++];
		c->sw = &a->software[i];
		c->has_cpe = c->sw->cpe && fwg_cpe_parse(c->sw->cpe, &c->cpe)
			&& !fwg_cpe_is_any(c->cpe.f[FWG_CPE_VENDOR])
			&& !fwg_cpe_is_any(c->cpe.f[FWG_CPE_PRODUCT]);
		purl_name(c->sw->purl, c->package, sizeof(c->package), &c->language_ok);
		if (!c->package[0] && c->sw->name) {
			size_t n = 0;
			for (const char *p = c->sw->name; *p && n + 1 < sizeof(c->package); p++)
				c->package[n++] = (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
			c->package[n] = '\0';
		}
		c->approx = fwg_version_upstream(c->sw->version, c->upstream, sizeof(c->upstream));
	}
	for (size_t i = 0; s == FWG_OK && i < m.ncomps; i++) {
		const struct comp *c = &m.comps[i];
		if (!fwg_version_usable(c->sw->version) || !c->upstream[0])
			continue;
		m.nhits = 0;
		if (c->has_cpe) {
			sqlite3_reset(m.by_cpe);
			sqlite3_bind_text(m.by_cpe, 1, c->cpe.f[FWG_CPE_VENDOR], -1, SQLITE_STATIC);
			sqlite3_bind_text(m.by_cpe, 2, c->cpe.f[FWG_CPE_PRODUCT], -1, SQLITE_STATIC);
			s = candidates(&m, c, m.by_cpe, false);
		}
		if (s == FWG_OK && c->package[0]) {
			sqlite3_reset(m.by_pkg);
			sqlite3_bind_text(m.by_pkg, 1, c->package, -1, SQLITE_STATIC);
			s = candidates(&m, c, m.by_pkg, true);
		}
		if (s == FWG_OK)
			report_hits(&m, c);
	}
	sqlite3_finalize(m.by_cpe);
	sqlite3_finalize(m.by_pkg);
	sqlite3_finalize(m.config);
	sqlite3_finalize(m.vuln);
	free(m.comps);
	free(m.hits);
	return s;
}

static enum fwg_status run(struct fwg_analysis *a)
{
	char buf[4096];
	const char *path = a->options ? a->options->vulndb : NULL;
	if (!path || !path[0]) {
		path = fwg_vulndb_default_path(buf, sizeof(buf));
		if (access(path, F_OK) != 0)
			return FWG_OK; /* no database: no matching */
	}
	sqlite3 *db;
	char err[512];
	enum fwg_status s = fwg_vulndb_open(path, false, &db, err, sizeof(err));
	if (s != FWG_OK)
		return fwg_analysis_fail(a, s, "%s", err);
	s = fwg_vuln_match(a, db, true);
	sqlite3_close(db);
	return s;
}

const struct fwg_engine fwg_engine_vuln = {
	.name = "vuln",
	.description = "offline vulnerability matching",
	.run = run,
};
