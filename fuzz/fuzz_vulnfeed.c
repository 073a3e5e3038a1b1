/*
 * fuzz_vulnfeed.c - libFuzzer target for vulnerability feed import
 * (engines/vulndb.c) and, over what was imported, the matcher
 * (engines/vuln.c): the input is one feed file (NVD CVE JSON 2.0, OSV
 * record/array/JSON Lines) imported into a fresh in-memory SQLite
 * database, then a few components with CPEs, purls and odd versions are
 * matched against it, so hostile version strings, CPEs and configurations
 * reach the version comparison and the configuration evaluation.
 *
 * Seeds: the demo feeds in rules/vulndb and small NVD/OSV records.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/engines/engine.h"
#include "../src/engines/vulndb.h"

#define MAX_INPUT (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void add(struct fwg_analysis *a, const char *name, const char *version, const char *cpe)
{
	struct fwg_software *sw = fwg_sbom_add(a, name, version, NULL, "string", version);
	if (!sw)
		return;
	if (cpe)
		fwg_software_set(a, &sw->cpe, cpe);
	char purl[128];
	snprintf(purl, sizeof(purl), "pkg:generic/%s@%s", name, version);
	fwg_software_set(a, &sw->purl, purl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > MAX_INPUT)
		return 0;
	sqlite3 *db = NULL;
	if (sqlite3_open(":memory:", &db) != SQLITE_OK) {
		sqlite3_close(db);
		return 0;
	}
	char err[512];
	struct fwg_vulndb_stats stats = { 0 };
	if (fwg_vulndb_create_schema(db, err, sizeof(err)) == FWG_OK
			&& fwg_vulndb_import_buffer(db, "fuzz", (const char *)data, size, &stats, err,
				sizeof(err)) == FWG_OK) {
		struct fwg_analysis *a = calloc(1, sizeof(*a));
		if (a) {
			a->current_engine = "vuln";
			add(a, "busybox", "1.20.0", "cpe:2.3:a:busybox:busybox:1.20.0:*:*:*:*:*:*:*");
			add(a, "openssl", "1.0.1f-fips", "cpe:2.3:a:openssl:openssl:1.0.1f:*:*:*:*:*:*:*");
			add(a, "linux", "5.10.0", "cpe:2.3:o:linux:linux_kernel:5.10.0:*:*:*:*:*:*:*");
			add(a, "acme", "v2.0-rc1+x", "cpe:2.3:a:acme:acme:*:*:*:*:*:*:*:*");
			(void)fwg_vuln_match(a, db, true);
			fwg_analysis_free(a);
		}
	}
	sqlite3_close(db);
	return 0;
}
