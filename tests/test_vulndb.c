/*
 * test_vulndb.c - feed import (engines/vulndb.c) and the vuln engine
 * (engines/vuln.c): the shipped demo feeds (rules/vulndb) against hand-made
 * SBOMs like the sbom engine's (seeded and clean images), CPE
 * configurations, OSV ranges and aliases, re-import, hostile feeds with
 * their error positions, and the query plans using the indexes.
 *
 * Usage: test_vulndb SOURCE_ROOT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../src/engines/engine.h"
#include "../src/engines/vulndb.h"

static const char *src_root;
static char tmpdir[256];
static char demo_db[512];

static void path_in_tmp(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", tmpdir, name);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A hand-made analysis with software like the sbom engine reports. */
struct sw_spec {
	const char *name, *version, *cpe_vendor_product, *part;
};

static struct fwg_analysis *analysis(const struct fwg_analysis_options *opt,
		const struct sw_spec *sws, size_t n)
{
	struct fwg_analysis *a = calloc(1, sizeof(*a));
	assert_non_null(a);
	a->options = opt;
	a->current_engine = "sbom";
	for (size_t i = 0; i < n; i++) {
		char detail[128], cpe[256], purl[256];
		snprintf(detail, sizeof(detail), "%s v%s", sws[i].name, sws[i].version);
		struct fwg_software *sw = fwg_sbom_add(a, sws[i].name, sws[i].version, NULL, "string",
			detail);
		assert_non_null(sw);
		if (sws[i].cpe_vendor_product) {
			snprintf(cpe, sizeof(cpe), "cpe:2.3:%s:%s:%s:*:*:*:*:*:*:*",
				sws[i].part ? sws[i].part : "a", sws[i].cpe_vendor_product, sws[i].version);
			fwg_software_set(a, &sw->cpe, cpe);
		}
		snprintf(purl, sizeof(purl), "pkg:generic/%s@%s", sws[i].name, sws[i].version);
		fwg_software_set(a, &sw->purl, purl);
	}
	a->current_engine = "vuln";
	return a;
}

static struct fwg_analysis *run_with(const char *db, const struct sw_spec *sws, size_t n)
{
	static struct fwg_analysis_options opt;
	fwg_analysis_options_default(&opt);
	opt.vulndb = db;
	struct fwg_analysis *a = analysis(&opt, sws, n);
	enum fwg_status s = fwg_engine_vuln.run(a);
	if (s != FWG_OK)
		fail_msg("vuln engine: %s", a->error);
	return a;
}

static const struct fwg_finding *finding(const struct fwg_analysis *a, const char *cve)
{
	for (size_t i = 0; i < a->finding_count; i++)
		if (a->findings[i].cve && strcmp(a->findings[i].cve, cve) == 0)
			return &a->findings[i];
	return NULL;
}

static void print_findings(const struct fwg_analysis *a)
{
	for (size_t i = 0; i < a->finding_count; i++)
		printf("  %s %s %s/%s: %s | %s | %s\n", a->findings[i].rule, a->findings[i].cve,
			fwg_level_name(a->findings[i].severity),
			fwg_confidence_name(a->findings[i].confidence), a->findings[i].message,
			a->findings[i].evidence, a->findings[i].remediation);
}

static int64_t count(const char *db_path, const char *sql)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/fwg_vulndb_XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	/* The parent directories do not exist yet: import creates them. */
	snprintf(demo_db, sizeof(demo_db), "%s/a/b/vulndb.sqlite", tmpdir);
	char nvd[512], osv[512], err[512];
	snprintf(nvd, sizeof(nvd), "%s/rules/vulndb/demo-nvd.json", src_root);
	snprintf(osv, sizeof(osv), "%s/rules/vulndb/demo-osv.json", src_root);
	const char *files[] = { nvd, osv };
	struct fwg_vulndb_stats st;
	if (fwg_vulndb_import(demo_db, files, 2, &st, err, sizeof(err)) != FWG_OK) {
		fprintf(stderr, "import: %s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_import_stats_and_reimport(void **state)
{
	(void)state;
	int64_t vulns = count(demo_db, "SELECT count(*) FROM vulns");
	int64_t ranges = count(demo_db, "SELECT count(*) FROM ranges");
	assert_int_equal(vulns, 11);
	assert_true(ranges >= 20);
	/* Importing the same feeds again replaces, never duplicates. */
	char nvd[512], osv[512], err[512];
	snprintf(nvd, sizeof(nvd), "%s/rules/vulndb/demo-nvd.json", src_root);
	snprintf(osv, sizeof(osv), "%s/rules/vulndb/demo-osv.json", src_root);
	const char *files[] = { osv, nvd };
	struct fwg_vulndb_stats st;
	assert_int_equal(fwg_vulndb_import(demo_db, files, 2, &st, err, sizeof(err)), FWG_OK);
	assert_int_equal(st.files, 2);
	assert_int_equal(st.vulnerabilities, 11);
	assert_int_equal((int64_t)st.ranges, ranges);
	assert_int_equal(count(demo_db, "SELECT count(*) FROM vulns"), vulns);
	assert_int_equal(count(demo_db, "SELECT count(*) FROM ranges"), ranges);
	assert_int_equal(count(demo_db, "SELECT count(*) FROM ranges WHERE vuln NOT IN "
		"(SELECT rowid FROM vulns)"), 0);
	/* Scores: NVD's own, and OSV's computed from the vector. */
	assert_int_equal(count(demo_db, "SELECT cvss_score * 10 FROM vulns WHERE id = "
		"'FWGDEMO-2022-0778'"), 75);
	assert_int_equal(count(demo_db, "SELECT count(*) FROM vulns WHERE cve = 'CVE-2022-0778' "
		"AND severity = 'high'"), 1);
}

static const struct sw_spec seeded[] = {
	{ "busybox", "1.20.0", "busybox:busybox", NULL },
	{ "openssl", "1.0.1f", "openssl:openssl", NULL },
	{ "linux", "3.14.0", "linux:linux_kernel", "o" },
};

static void test_seeded_image(void **state)
{
	(void)state;
	struct fwg_analysis *a = run_with(demo_db, seeded, 3);
	print_findings(a);
	assert_int_equal(a->finding_count, 4);
	const struct fwg_finding *f = finding(a, "CVE-2022-48174");
	assert_non_null(f);
	assert_string_equal(f->rule, "vuln.cve");
	assert_int_equal(f->severity, FWG_LEVEL_CRITICAL);
	assert_int_equal(f->confidence, FWG_CONFIDENCE_HIGH);
	assert_string_equal(f->remediation, "upgrade busybox to 1.35.0 or later");
	assert_string_equal(f->software_ref, a->software[0].bom_ref);
	assert_non_null(strstr(f->evidence, "busybox 1.20.0 (string 'busybox v1.20.0')"));
	assert_non_null(strstr(f->message, "stack overflow"));
	f = finding(a, "CVE-2021-42386");
	assert_non_null(f);
	assert_int_equal(f->severity, FWG_LEVEL_HIGH);
	f = finding(a, "CVE-2014-0160");
	assert_non_null(f);
	assert_int_equal(f->severity, FWG_LEVEL_HIGH);
	assert_int_equal(f->confidence, FWG_CONFIDENCE_HIGH);
	assert_non_null(strstr(f->message, "version 1.0.1f"));
	assert_string_equal(f->software_ref, a->software[1].bom_ref);
	f = finding(a, "CVE-2016-2107");
	assert_non_null(f);
	assert_int_equal(f->severity, FWG_LEVEL_MEDIUM);
	assert_string_equal(f->remediation, "upgrade openssl to 1.0.1t or later");
	/* 1.0.1f is before the ranges of CVE-2022-0778 and CVE-2024-0727. */
	assert_null(finding(a, "CVE-2022-0778"));
	assert_null(finding(a, "CVE-2024-0727"));
	fwg_analysis_free(a);
}

static void test_clean_image(void **state)
{
	(void)state;
	static const struct sw_spec clean[] = {
		{ "busybox", "1.36.1", "busybox:busybox", NULL },
		{ "openssl", "3.0.13", "openssl:openssl", NULL },
		{ "zlib", "1.3", "zlib:zlib", NULL },
		{ "u-boot", "2023.10", "denx:u-boot", NULL },
		{ "dropbear", "2022.83", "dropbear_ssh_project:dropbear_ssh", NULL },
		{ "linux", "6.6.21", "linux:linux_kernel", "o" },
	};
	struct fwg_analysis *a = run_with(demo_db, clean, 6);
	print_findings(a);
	assert_int_equal(a->finding_count, 0);
	fwg_analysis_free(a);
}

static void test_boundaries_and_suffixes(void **state)
{
	(void)state;
	static const struct sw_spec sws[] = {
		{ "busybox", "1.33.0-r5", "busybox:busybox", NULL },  /* Yocto/Alpine revision */
		{ "u-boot", "2022.04-dirty", "denx:u-boot", NULL },
		{ "openssl", "1.1.1m", "openssl:openssl", NULL },
		{ "dropbear", "2016.74", "dropbear_ssh_project:dropbear_ssh", NULL },
		{ "megarac-spx", "12.7", "ami:megarac_sp-x", "o" },
		{ "zlib", "1.2.11", "zlib:zlib", NULL },
	};
	struct fwg_analysis *a = run_with(demo_db, sws, 6);
	print_findings(a);
	const struct fwg_finding *f = finding(a, "CVE-2022-48174");
	assert_non_null(f);
	assert_int_equal(f->confidence, FWG_CONFIDENCE_MEDIUM);
	f = finding(a, "CVE-2022-30790");
	assert_non_null(f);
	assert_int_equal(f->confidence, FWG_CONFIDENCE_MEDIUM);
	assert_string_equal(f->remediation, "upgrade u-boot to a release later than 2022.07-rc5");
	/* OSV record FWGDEMO-2022-0778 is reported under its CVE alias. */
	f = finding(a, "CVE-2022-0778");
	assert_non_null(f);
	assert_non_null(strstr(f->message, "FWGDEMO-2022-0778"));
	assert_string_equal(f->remediation, "upgrade openssl to 1.1.1n or later");
	assert_int_equal(f->severity, FWG_LEVEL_HIGH);
	assert_non_null(finding(a, "CVE-2024-0727"));
	assert_null(finding(a, "CVE-2016-7406")); /* fixed in 2016.74 */
	assert_null(finding(a, "CVE-2023-34329")); /* below 12.4 only */
	f = finding(a, "CVE-2023-34335");           /* 12.0 to 12.7 inclusive */
	assert_non_null(f);
	assert_string_equal(f->remediation, "upgrade megarac-spx to a release later than 12.7");
	f = finding(a, "CVE-2018-25032");
	assert_non_null(f);
	assert_int_equal(f->confidence, FWG_CONFIDENCE_HIGH);
	assert_int_equal(a->finding_count, 7);
	fwg_analysis_free(a);

	static const struct sw_spec edge[] = {
		{ "u-boot", "2022.07", "denx:u-boot", NULL },
		{ "busybox", "v1.35.0", "busybox:busybox", NULL },
		{ "openssl", "1.0.1g", "openssl:openssl", NULL },
		{ "megarac-spx", "13.5", "ami:megarac_sp-x", "o" },
	};
	a = run_with(demo_db, edge, 4);
	print_findings(a);
	/* Only CVE-2016-2107 (1.0.1g < 1.0.1t) remains. */
	assert_int_equal(a->finding_count, 1);
	assert_non_null(finding(a, "CVE-2016-2107"));
	fwg_analysis_free(a);
}

/* Synthetic configurations (ids TEST-*, not real CVEs). */
static const char config_feed[] =
	"{\"vulnerabilities\": [\n"
	/* app AND running on an OS: needs the kernel to be identified. */
	"{\"cve\": {\"id\": \"TEST-0001\", \"metrics\": {}, \"configurations\": [{\"operator\": \"AND\","
	" \"nodes\": [{\"operator\": \"OR\", \"cpeMatch\": [{\"vulnerable\": true, \"criteria\":"
	" \"cpe:2.3:a:acme:agent:*:*:*:*:*:*:*:*\", \"versionEndExcluding\": \"2.0\"}]},"
	" {\"operator\": \"OR\", \"cpeMatch\": [{\"vulnerable\": false, \"criteria\":"
	" \"cpe:2.3:o:linux:linux_kernel:*:*:*:*:*:*:*:*\", \"versionStartIncluding\": \"5.0\"}]}]}]}},\n"
	/* app AND a hardware platform: assumed, low confidence. */
	"{\"cve\": {\"id\": \"TEST-0002\", \"configurations\": [{\"operator\": \"AND\", \"nodes\": ["
	" {\"operator\": \"OR\", \"cpeMatch\": [{\"vulnerable\": true, \"criteria\":"
	" \"cpe:2.3:a:acme:agent:1.5:*:*:*:*:*:*:*\"}]},"
	" {\"operator\": \"OR\", \"cpeMatch\": [{\"vulnerable\": false, \"criteria\":"
	" \"cpe:2.3:h:acme:board_x:-:*:*:*:*:*:*:*\"}]}]}]}},\n"
	/* app AND NOT an OS: negated node. */
	"{\"cve\": {\"id\": \"TEST-0003\", \"configurations\": [{\"operator\": \"AND\", \"nodes\": ["
	" {\"operator\": \"OR\", \"cpeMatch\": [{\"vulnerable\": true, \"criteria\":"
	" \"cpe:2.3:a:acme:agent:*:*:*:*:*:*:*:*\"}]},"
	" {\"operator\": \"OR\", \"negate\": true, \"cpeMatch\": [{\"vulnerable\": false, \"criteria\":"
	" \"cpe:2.3:o:linux:linux_kernel:*:*:*:*:*:*:*:*\"}]}]}]}},\n"
	/* Node with AND of two vulnerable apps. */
	"{\"cve\": {\"id\": \"TEST-0004\", \"configurations\": [{\"nodes\": ["
	" {\"operator\": \"AND\", \"cpeMatch\": [{\"vulnerable\": true, \"criteria\":"
	" \"cpe:2.3:a:acme:agent:*:*:*:*:*:*:*:*\", \"versionStartIncluding\": \"1.0\"},"
	" {\"vulnerable\": true, \"criteria\": \"cpe:2.3:a:acme:helper:*:*:*:*:*:*:*:*\"}]}]}]}},\n"
	/* Rejected records are not imported. */
	"{\"cve\": {\"id\": \"TEST-0005\", \"vulnStatus\": \"Rejected\", \"configurations\": [{\"nodes\": ["
	" {\"operator\": \"OR\", \"cpeMatch\": [{\"vulnerable\": true, \"criteria\":"
	" \"cpe:2.3:a:acme:agent:*:*:*:*:*:*:*:*\"}]}]}]}}\n"
	"]}\n";

static const char *ids(const struct fwg_analysis *a, char *buf, size_t size)
{
	buf[0] = '\0';
	for (size_t i = 0; i < a->finding_count; i++) {
		size_t n = strlen(buf);
		snprintf(buf + n, size - n, "%s%s", n ? " " : "", a->findings[i].cve);
	}
	return buf;
}

static void test_configurations(void **state)
{
	(void)state;
	char feed[512], db[512], err[512], buf[256];
	path_in_tmp(feed, sizeof(feed), "config.json");
	path_in_tmp(db, sizeof(db), "config.sqlite");
	write_text(feed, config_feed);
	const char *files[] = { feed };
	struct fwg_vulndb_stats st;
	assert_int_equal(fwg_vulndb_import(db, files, 1, &st, err, sizeof(err)), FWG_OK);
	assert_int_equal(st.vulnerabilities, 4);
	assert_int_equal(st.skipped, 1);

	static const struct sw_spec alone[] = { { "agent", "1.5", "acme:agent", NULL } };
	struct fwg_analysis *a = run_with(db, alone, 1);
	print_findings(a);
	/* TEST-0001 needs Linux >= 5.0; TEST-0002 assumes the board; TEST-0003
	 * holds (no Linux); TEST-0004 needs the helper. */
	assert_string_equal(ids(a, buf, sizeof(buf)), "TEST-0002 TEST-0003");
	assert_int_equal(finding(a, "TEST-0002")->confidence, FWG_CONFIDENCE_LOW);
	assert_non_null(strstr(finding(a, "TEST-0002")->message, "hardware platform assumed"));
	assert_int_equal(finding(a, "TEST-0002")->severity, FWG_LEVEL_MEDIUM);
	fwg_analysis_free(a);

	static const struct sw_spec on_linux[] = {
		{ "agent", "1.5", "acme:agent", NULL },
		{ "linux", "5.10.0", "linux:linux_kernel", "o" },
		{ "helper", "3", "acme:helper", NULL },
	};
	a = run_with(db, on_linux, 3);
	print_findings(a);
	/* TEST-0004 once for each of its two vulnerable components. */
	assert_string_equal(ids(a, buf, sizeof(buf)), "TEST-0001 TEST-0002 TEST-0004 TEST-0004");
	assert_int_equal(finding(a, "TEST-0001")->confidence, FWG_CONFIDENCE_HIGH);
	assert_string_not_equal(a->findings[2].software_ref, a->findings[3].software_ref);
	fwg_analysis_free(a);

	static const struct sw_spec old_linux[] = {
		{ "agent", "1.5", "acme:agent", NULL },
		{ "linux", "4.19", "linux:linux_kernel", "o" },
	};
	a = run_with(db, old_linux, 2);
	assert_string_equal(ids(a, buf, sizeof(buf)), "TEST-0002");
	fwg_analysis_free(a);
}

static void test_osv_forms(void **state)
{
	(void)state;
	char feed[512], db[512], err[512], buf[256];
	path_in_tmp(feed, sizeof(feed), "osv.jsonl");
	path_in_tmp(db, sizeof(db), "osv.sqlite");
	/* JSON Lines; unordered events; last_affected; versions list; a
	 * language ecosystem; a distribution ecosystem; a withdrawn record. */
	write_text(feed,
		"{\"id\": \"TEST-OSV-1\", \"affected\": [{\"package\": {\"ecosystem\": \"ConanCenter\","
		" \"name\": \"LibFoo\"}, \"ranges\": [{\"type\": \"SEMVER\", \"events\": [{\"fixed\":"
		" \"2.0.0\"}, {\"introduced\": \"1.5.0\"}, {\"last_affected\": \"1.2.0\"}, {\"introduced\":"
		" \"1.0.0\"}]}]}], \"database_specific\": {\"severity\": \"LOW\"}}\n"
		"{\"id\": \"TEST-OSV-2\", \"aliases\": [\"GHSA-xxxx\", \"CVE-1999-0001\"], \"affected\":"
		" [{\"package\": {\"ecosystem\": \"ConanCenter\", \"name\": \"libfoo\"}, \"versions\":"
		" [\"1.3.0\", \"1.3.1\"]}]}\n"
		"{\"id\": \"TEST-OSV-3\", \"affected\": [{\"package\": {\"ecosystem\": \"npm\", \"name\":"
		" \"libfoo\"}, \"ranges\": [{\"type\": \"SEMVER\", \"events\": [{\"introduced\": \"0\"}]}]}]}\n"
		"{\"id\": \"TEST-OSV-4\", \"affected\": [{\"package\": {\"ecosystem\": \"Debian:12\","
		" \"name\": \"libfoo\"}, \"ranges\": [{\"type\": \"ECOSYSTEM\", \"events\": [{\"introduced\":"
		" \"0\"}, {\"fixed\": \"1.3.1-2+deb12u1\"}]}]}]}\n"
		"{\"id\": \"TEST-OSV-5\", \"withdrawn\": \"2024-01-01T00:00:00Z\", \"affected\": [{\"package\":"
		" {\"ecosystem\": \"ConanCenter\", \"name\": \"libfoo\"}, \"versions\": [\"1.3.1\"]}]}\n");
	const char *files[] = { feed };
	struct fwg_vulndb_stats st;
	assert_int_equal(fwg_vulndb_import(db, files, 1, &st, err, sizeof(err)), FWG_OK);
	assert_int_equal(st.vulnerabilities, 4);
	assert_int_equal(st.skipped, 1);

	struct { const char *version, *want; } cases[] = {
		{ "0.9", "TEST-OSV-4" },
		{ "1.1.0", "TEST-OSV-1 TEST-OSV-4" },
		{ "1.2.0", "TEST-OSV-1 TEST-OSV-4" },          /* last_affected is inclusive */
		{ "1.2.1", "TEST-OSV-4" },
		{ "1.3.1", "CVE-1999-0001 TEST-OSV-4" },        /* 1.3.1 < 1.3.1-2+deb12u1 */
		{ "1.5.0", "TEST-OSV-1" },
		{ "1.9.9", "TEST-OSV-1" },
		{ "2.0.0", "" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sw_spec sw = { "libfoo", cases[i].version, NULL, NULL };
		struct fwg_analysis *a = run_with(db, &sw, 1);
		if (strcmp(ids(a, buf, sizeof(buf)), cases[i].want) != 0)
			fail_msg("libfoo %s: got '%s', want '%s'", cases[i].version, buf, cases[i].want);
		const struct fwg_finding *f = finding(a, "TEST-OSV-4");
		if (f)
			assert_int_equal(f->confidence, FWG_CONFIDENCE_MEDIUM);
		f = finding(a, "TEST-OSV-1");
		if (f)
			assert_int_equal(f->severity, FWG_LEVEL_LOW);
		fwg_analysis_free(a);
	}
}

/* Feed text reaches terminals: control characters of a summary (C0 with
 * newlines and tabs, DEL, C1) are stored and reported as spaces, and
 * fwg_report keeps every message free of control characters. */
static void test_feed_text_controls(void **state)
{
	(void)state;
	char feed[512], db[512], err[512];
	path_in_tmp(feed, sizeof(feed), "controls.json");
	path_in_tmp(db, sizeof(db), "controls.sqlite");
	write_text(feed,
		"[{\"id\": \"TEST-CTL-1\", \"summary\": \"one\\ntwo\\t\\u001b[2J\\u001b]0;x\\u0007"
		"red\\u007f\\u009b31mend \\u00e9\", \"affected\": [{\"package\": {\"ecosystem\":"
		" \"ConanCenter\", \"name\": \"libctl\"}, \"versions\": [\"1.0\"]}]}]");
	const char *files[] = { feed };
	struct fwg_vulndb_stats st;
	assert_int_equal(fwg_vulndb_import(db, files, 1, &st, err, sizeof(err)), FWG_OK);
	assert_int_equal(count(db, "SELECT count(*) FROM vulns WHERE summary = "
		"'one two  [2J ]0;x red  31mend ' || char(233)"), 1);
	struct sw_spec sw = { "libctl", "1.0", NULL, NULL };
	struct fwg_analysis *a = run_with(db, &sw, 1);
	const struct fwg_finding *f = finding(a, "TEST-CTL-1");
	assert_non_null(f);
	for (const char *p = f->message; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			fail_msg("control character 0x%02x in '%s'", (unsigned char)*p, f->message);
	assert_non_null(strstr(f->message, "one two  [2J ]0;x red  31mend \xc3\xa9"));
	f = fwg_report(a, &(struct fwg_finding_desc){ .rule = "test.controls",
		.message = "a\x1b[2J\tb\r\n\x7f" });
	assert_non_null(f);
	assert_string_equal(f->message, "a [2J b   ");
	fwg_analysis_free(a);
}

/* Events in reverse order over many ranges of one record: sorted (by a
 * merge sort now, not an insertion sort quadratic per range) into the
 * right introduced/fixed pairs. */
static void test_reverse_events(void **state)
{
	(void)state;
	char feed[512], db[512], err[512], buf[256];
	path_in_tmp(feed, sizeof(feed), "reverse.json");
	path_in_tmp(db, sizeof(db), "reverse.sqlite");
	enum { RANGES = 40, PAIRS = 256 };
	size_t cap = (size_t)RANGES * PAIRS * 64 + 4096, len = 0;
	char *text = malloc(cap);
	assert_non_null(text);
	len += (size_t)snprintf(text + len, cap - len, "{\"id\": \"TEST-REV-1\", \"affected\": "
		"[{\"package\": {\"ecosystem\": \"ConanCenter\", \"name\": \"librev\"}, \"ranges\": [");
	for (int r = 0; r < RANGES; r++) {
		len += (size_t)snprintf(text + len, cap - len, "%s{\"type\": \"SEMVER\", \"events\": [",
			r ? ", " : "");
		/* range r: introduced k.r.0, fixed k.r.5 for k = PAIRS..1, newest first */
		for (int k = PAIRS; k >= 1; k--)
			len += (size_t)snprintf(text + len, cap - len,
				"{\"fixed\": \"%d.%d.5\"}, {\"introduced\": \"%d.%d.0\"}%s", k, r, k, r,
				k > 1 ? ", " : "");
		len += (size_t)snprintf(text + len, cap - len, "]}");
	}
	snprintf(text + len, cap - len, "]}]}");
	assert_true(len + 8 < cap);
	write_text(feed, text);
	free(text);
	const char *files[] = { feed };
	struct fwg_vulndb_stats st;
	assert_int_equal(fwg_vulndb_import(db, files, 1, &st, err, sizeof(err)), FWG_OK);
	struct { const char *version, *want; } cases[] = {
		{ "1.0.0", "TEST-REV-1" }, { "1.0.4", "TEST-REV-1" }, { "1.0.5", "" },
		{ "1.39.3", "TEST-REV-1" }, { "1.39.7", "" }, { "256.0.2", "TEST-REV-1" },
		{ "256.0.5", "" }, { "128.17.1", "TEST-REV-1" }, { "128.17.9", "" },
		{ "0.9", "" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sw_spec sw = { "librev", cases[i].version, NULL, NULL };
		struct fwg_analysis *a = run_with(db, &sw, 1);
		if (strcmp(ids(a, buf, sizeof(buf)), cases[i].want) != 0)
			fail_msg("librev %s: got '%s', want '%s'", cases[i].version, buf, cases[i].want);
		fwg_analysis_free(a);
	}
}

static void expect_error(const char *name, const char *text, enum fwg_status want,
		const char *msg_part)
{
	char feed[512], db[512], err[512];
	path_in_tmp(feed, sizeof(feed), name);
	path_in_tmp(db, sizeof(db), "errors.sqlite");
	write_text(feed, text);
	const char *files[] = { feed };
	struct fwg_vulndb_stats st;
	enum fwg_status s = fwg_vulndb_import(db, files, 1, &st, err, sizeof(err));
	if (s != want || !strstr(err, msg_part) || !strstr(err, name))
		fail_msg("%s: status %d, error '%s' (want %d, '%s')", name, s, err, want, msg_part);
	assert_int_equal(st.files, 0);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("bad1.json", "{\"vulnerabilities\": [\n {\"cve\": {\"id\": }}\n]}",
		FWG_MALFORMED, "line 2, column");
	expect_error("bad2.json", "{\"vulnerabilities\": [\n", FWG_TRUNCATED,
		"line 1, column 21: unterminated array");
	expect_error("bad3.json", "\n\n   nope", FWG_MALFORMED, "line 3, column 4");
	expect_error("bad4.json", "{\"CVE_Items\": []}", FWG_UNSUPPORTED, "NVD JSON 1.1");
	expect_error("bad5.json", "[{\"id\": \"X\"} {\"id\": \"Y\"}]", FWG_MALFORMED,
		"expected ',' or ']'");
	expect_error("bad6.json", "   ", FWG_MALFORMED, "empty feed");
	expect_error("bad7.json", "{\"id\": \"unterminated", FWG_TRUNCATED, "unterminated");
	/* A failed file leaves the database as it was (one transaction). */
	char db[512], good[512], bad[512], err[512];
	path_in_tmp(db, sizeof(db), "tx.sqlite");
	path_in_tmp(good, sizeof(good), "good.json");
	path_in_tmp(bad, sizeof(bad), "half.json");
	write_text(good, "{\"id\": \"TEST-A\", \"affected\": []}");
	write_text(bad, "[{\"id\": \"TEST-B\", \"affected\": []}, {\"id\": ]");
	const char *files[] = { good, bad };
	struct fwg_vulndb_stats st;
	assert_int_equal(fwg_vulndb_import(db, files, 2, &st, err, sizeof(err)), FWG_MALFORMED);
	assert_int_equal(count(db, "SELECT count(*) FROM vulns"), 1);
	const char *missing[] = { "/nonexistent/feed.json" };
	assert_int_equal(fwg_vulndb_import(db, missing, 1, &st, err, sizeof(err)), FWG_IO);
	assert_non_null(strstr(err, "/nonexistent/feed.json"));
}

static void test_database_choice(void **state)
{
	(void)state;
	static const struct sw_spec one[] = { { "busybox", "1.20.0", "busybox:busybox", NULL } };
	struct fwg_analysis_options opt;
	fwg_analysis_options_default(&opt);
	/* An explicit database that does not exist fails the analysis. */
	opt.vulndb = "/nonexistent/vulndb.sqlite";
	struct fwg_analysis *a = analysis(&opt, one, 1);
	assert_int_not_equal(fwg_engine_vuln.run(a), FWG_OK);
	assert_non_null(strstr(a->error, "/nonexistent/vulndb.sqlite"));
	fwg_analysis_free(a);
	/* Not a database. */
	char junk[512];
	path_in_tmp(junk, sizeof(junk), "junk.sqlite");
	write_text(junk, "this is not sqlite at all, just some text long enough to look");
	opt.vulndb = junk;
	a = analysis(&opt, one, 1);
	assert_int_not_equal(fwg_engine_vuln.run(a), FWG_OK);
	assert_non_null(strstr(a->error, "junk.sqlite"));
	fwg_analysis_free(a);
	/* No database given and none at the default path: nothing to do. */
	setenv("FWGUARD_VULNDB", "/nonexistent/default.sqlite", 1);
	opt.vulndb = NULL;
	a = analysis(&opt, one, 1);
	assert_int_equal(fwg_engine_vuln.run(a), FWG_OK);
	assert_int_equal(a->finding_count, 0);
	fwg_analysis_free(a);
	/* The default path is used when it exists. */
	setenv("FWGUARD_VULNDB", demo_db, 1);
	a = analysis(&opt, one, 1);
	assert_int_equal(fwg_engine_vuln.run(a), FWG_OK);
	assert_int_equal(a->finding_count, 2);
	fwg_analysis_free(a);
	unsetenv("FWGUARD_VULNDB");
}

static void plan(sqlite3 *db, const char *sql, const char *want)
{
	char q[1024];
	snprintf(q, sizeof(q), "EXPLAIN QUERY PLAN %s", sql);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
	char all[1024] = "";
	while (sqlite3_step(st) == SQLITE_ROW) {
		size_t n = strlen(all);
		snprintf(all + n, sizeof(all) - n, "%s; ", (const char *)sqlite3_column_text(st, 3));
	}
	sqlite3_finalize(st);
	if (!strstr(all, want))
		fail_msg("plan of %s: '%s', want '%s'", sql, all, want);
}

static void test_query_plans(void **state)
{
	(void)state;
	sqlite3 *db;
	assert_int_equal(sqlite3_open_v2(demo_db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	char sql[1024];
	snprintf(sql, sizeof(sql), FWG_VULNDB_SQL_CPE, "");
	plan(db, sql, "SEARCH r USING INDEX ranges_cpe (vendor=? AND product=?)");
	snprintf(sql, sizeof(sql), FWG_VULNDB_SQL_PKG, "");
	plan(db, sql, "SEARCH r USING INDEX ranges_pkg (package=?)");
	plan(db, FWG_VULNDB_SQL_CONFIG, "SEARCH r USING INDEX ranges_vuln (vuln=? AND config=?)");
	plan(db, FWG_VULNDB_SQL_VULN, "SEARCH vulns USING INTEGER PRIMARY KEY");
	/* The benchmark's baseline really is a scan. */
	snprintf(sql, sizeof(sql), FWG_VULNDB_SQL_CPE, " NOT INDEXED");
	plan(db, sql, "SCAN r");
	sqlite3_close(db);
}

int main(int argc, char **argv)
{
	src_root = argc > 1 ? argv[1] : ".";
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_import_stats_and_reimport),
		cmocka_unit_test(test_seeded_image),
		cmocka_unit_test(test_clean_image),
		cmocka_unit_test(test_boundaries_and_suffixes),
		cmocka_unit_test(test_configurations),
		cmocka_unit_test(test_osv_forms),
		cmocka_unit_test(test_feed_text_controls),
		cmocka_unit_test(test_reverse_events),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_database_choice),
		cmocka_unit_test(test_query_plans),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
