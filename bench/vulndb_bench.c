/*
 * vulndb_bench.c - the vulnerability database benchmark's driver
 * (bench/vulndb.sh builds it against build/libfwguard_internal.a):
 *
 *   vulndb_bench import DB FEED...   imports feeds, prints the time
 *   vulndb_bench match DB [RUNS]     matches 50 components (the 16 the sbom
 *                                    engine names plus 34 synthetic
 *                                    products) with the indexed queries and
 *                                    with NOT INDEXED full scans; prints the
 *                                    median times, the ratio and the query
 *                                    plans
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../src/engines/engine.h"
#include "../src/engines/vulndb.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *const canonical[][3] = {
	{ "busybox", "1.20.0", "busybox:busybox" },
	{ "openssl", "1.0.1f", "openssl:openssl" },
	{ "libcurl", "7.68.0", "haxx:libcurl" },
	{ "dropbear", "2019.78", "dropbear_ssh_project:dropbear_ssh" },
	{ "openssh", "8.9p1", "openbsd:openssh" },
	{ "lighttpd", "1.4.59", "lighttpd:lighttpd" },
	{ "nginx", "1.18.0", "f5:nginx" },
	{ "u-boot", "2019.04", "denx:u-boot" },
	{ "linux", "5.4.0", "linux:linux_kernel" },
	{ "megarac-spx", "12.4", "ami:megarac_sp-x" },
	{ "ipmitool", "1.8.18", "ipmitool_project:ipmitool" },
	{ "net-snmp", "5.8", "net-snmp:net-snmp" },
	{ "zlib", "1.2.11", "zlib:zlib" },
	{ "glibc", "2.31", "gnu:glibc" },
	{ "musl", "1.2.2", "musl-libc:musl" },
	{ "edk2", "202205", "tianocore:edk2" },
};

static struct fwg_analysis *components(void)
{
	struct fwg_analysis *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->current_engine = "vuln";
	for (size_t i = 0; i < 50; i++) {
		char name[64], version[32], cpe[256], purl[256];
		const char *vp;
		char vpbuf[64];
		if (i < sizeof(canonical) / sizeof(canonical[0])) {
			snprintf(name, sizeof(name), "%s", canonical[i][0]);
			snprintf(version, sizeof(version), "%s", canonical[i][1]);
			vp = canonical[i][2];
		} else {
			size_t p = i * 97;
			snprintf(name, sizeof(name), "product%zu", p);
			snprintf(version, sizeof(version), "%zu.%zu.%zu", i % 12, i % 40, i % 30);
			snprintf(vpbuf, sizeof(vpbuf), "vendor%zu:product%zu", p % 15000, p);
			vp = vpbuf;
		}
		struct fwg_software *sw = fwg_sbom_add(a, name, version, NULL, "string", version);
		if (!sw)
			continue;
		snprintf(cpe, sizeof(cpe), "cpe:2.3:a:%s:%s:*:*:*:*:*:*:*", vp, version);
		fwg_software_set(a, &sw->cpe, cpe);
		snprintf(purl, sizeof(purl), "pkg:generic/%s@%s", name, version);
		fwg_software_set(a, &sw->purl, purl);
	}
	return a;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return a < b ? -1 : a > b;
}

static double median_match(sqlite3 *db, bool use_index, int runs, size_t *findings)
{
	double t[64];
	if (runs > 64)
		runs = 64;
	for (int r = 0; r < runs; r++) {
		struct fwg_analysis *a = components();
		double t0 = now();
		if (!a || fwg_vuln_match(a, db, use_index) != FWG_OK) {
			fprintf(stderr, "match failed: %s\n", a ? a->error : "out of memory");
			exit(1);
		}
		t[r] = now() - t0;
		*findings = a->finding_count;
		fwg_analysis_free(a);
	}
	qsort(t, (size_t)runs, sizeof(double), cmp_double);
	return t[runs / 2];
}

static void print_plan(sqlite3 *db, const char *label, const char *sql)
{
	char q[1024];
	snprintf(q, sizeof(q), "EXPLAIN QUERY PLAN %s", sql);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK)
		return;
	printf("  plan %-22s", label);
	while (sqlite3_step(st) == SQLITE_ROW)
		printf(" %s;", (const char *)sqlite3_column_text(st, 3));
	printf("\n");
	sqlite3_finalize(st);
}

int main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "import") == 0) {
		struct fwg_vulndb_stats st;
		char err[1024];
		double t0 = now();
		enum fwg_status s = fwg_vulndb_import(argv[2], (const char *const *)argv + 3,
			(size_t)(argc - 3), &st, err, sizeof(err));
		double t = now() - t0;
		if (s != FWG_OK) {
			fprintf(stderr, "import: %s\n", err);
			return 1;
		}
		printf("import: %llu files, %llu vulnerabilities, %llu ranges in %.2f s "
			"(%.0f ranges/s)\n", (unsigned long long)st.files,
			(unsigned long long)st.vulnerabilities, (unsigned long long)st.ranges, t,
			(double)st.ranges / t);
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "match") == 0) {
		int runs = argc > 3 ? atoi(argv[3]) : 5;
		sqlite3 *db;
		char err[512];
		if (fwg_vulndb_open(argv[2], false, &db, err, sizeof(err)) != FWG_OK) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		size_t f_idx = 0, f_scan = 0;
		double idx = median_match(db, true, runs, &f_idx);
		double scan = median_match(db, false, runs > 3 ? 3 : runs, &f_scan);
		printf("match 50 components, indexed:        %9.2f ms (%zu findings)\n", idx * 1e3,
			f_idx);
		printf("match 50 components, linear scan:    %9.2f ms (%zu findings)\n", scan * 1e3,
			f_scan);
		printf("ratio scan/indexed: %.0fx\n", scan / idx);
		char sql[1024];
		snprintf(sql, sizeof(sql), FWG_VULNDB_SQL_CPE, "");
		print_plan(db, "cpe (indexed)", sql);
		snprintf(sql, sizeof(sql), FWG_VULNDB_SQL_PKG, "");
		print_plan(db, "package (indexed)", sql);
		print_plan(db, "configuration", FWG_VULNDB_SQL_CONFIG);
		snprintf(sql, sizeof(sql), FWG_VULNDB_SQL_CPE, " NOT INDEXED");
		print_plan(db, "cpe (baseline)", sql);
		sqlite3_close(db);
		return f_idx == f_scan ? 0 : 1;
	}
	fprintf(stderr, "usage: vulndb_bench import DB FEED... | match DB [RUNS]\n");
	return 2;
}
