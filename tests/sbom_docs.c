/*
 * sbom_docs.c - writes the CycloneDX, SPDX and SARIF documents of an image
 * for the schema tests (tests/integration/sbom_test.py), after adding
 * synthetic findings that exercise every field the serializers emit: a CVE
 * on an identified component, a finding about the whole image, a
 * suppressed one, an advisory whose first finding is suppressed but a
 * later, more severe one is not, and an IPMI command.  Then the three
 * writers are run with every jansson allocation failing in turn: they must
 * fail cleanly (or succeed), never crash.  The engines that report such
 * findings are tested on their own; this keeps the schema check
 * independent of them.
 *
 * Usage: sbom_docs IMAGE OUTDIR  (writes cyclonedx.json, spdx.json,
 * sarif.json)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fwguard/fwguard.h"
#include "../src/engines/engine.h"

/* jansson's allocator, failing the allocation numbered fail_at (0: none). */
static unsigned long allocs, fail_at;

static void *counting_malloc(size_t size)
{
	if (fail_at && ++allocs == fail_at)
		return NULL;
	return malloc(size);
}

/* Every writer with each of its jansson allocations failing in turn. */
static int oom_sweep(const struct fwg_image *img, const struct fwg_analysis *a)
{
	enum fwg_status (*fns[])(const struct fwg_image *, const struct fwg_analysis *, FILE *) = {
		fwg_write_cyclonedx, fwg_write_spdx, fwg_write_sarif };
	json_set_alloc_funcs(counting_malloc, free);
	int rc = 0;
	for (size_t k = 0; k < sizeof(fns) / sizeof(fns[0]); k++) {
		for (unsigned long n = 1; n < 1000000; n++) {
			FILE *f = fopen("/dev/null", "w");
			if (!f)
				return 1;
			allocs = 0;
			fail_at = n;
			enum fwg_status st = fns[k](img, a, f);
			fclose(f);
			if (st != FWG_OK && st != FWG_NOMEM && st != FWG_IO) {
				fprintf(stderr, "writer %zu, allocation %lu: %s\n", k, n,
					fwg_status_str(st));
				rc = 1;
			}
			if (allocs < n)
				break; /* fewer allocations than n: all were tried */
		}
	}
	fail_at = 0;
	return rc;
}

static int write_doc(const char *dir, const char *name, const struct fwg_image *img,
		const struct fwg_analysis *a,
		enum fwg_status (*fn)(const struct fwg_image *, const struct fwg_analysis *, FILE *))
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		return 1;
	enum fwg_status st = fn(img, a, f);
	if (fclose(f) != 0 || st != FWG_OK) {
		fprintf(stderr, "%s: %s\n", name, fwg_status_str(st));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: sbom_docs IMAGE OUTDIR\n");
		return 2;
	}
	char err[512];
	struct fwg_options opt;
	fwg_options_default(&opt);
	struct fwg_image *img = NULL;
	if (fwg_image_open(argv[1], &opt, &img, err, sizeof(err)) != FWG_OK) {
		fprintf(stderr, "open: %s\n", err);
		return 1;
	}
	struct fwg_analysis_options ao;
	fwg_analysis_options_default(&ao);
	ao.engines = "sbom";
	struct fwg_analysis *a = NULL;
	if (fwg_analyze(img, &ao, &a, err, sizeof(err)) != FWG_OK) {
		fprintf(stderr, "analyze: %s\n", err);
		fwg_image_free(img);
		return 1;
	}
	a->current_engine = "test";
	const struct fwg_software *sw = a->software_count ? &a->software[0] : NULL;
	const struct fwg_node *node = sw && sw->evidence_count ? sw->evidence[0].node : NULL;
	fwg_report(a, &(struct fwg_finding_desc){ .rule = "vuln.cve", .severity = FWG_LEVEL_HIGH,
		.confidence = FWG_CONFIDENCE_HIGH, .node = node, .cve = "CVE-2014-0160",
		.message = "known vulnerability in an identified component",
		.evidence = "OpenSSL 1.0.1f 6 Jan 2014", .remediation = "update the component",
		.software_ref = sw ? sw->bom_ref : NULL });
	fwg_report(a, &(struct fwg_finding_desc){ .rule = "image.note", .severity = FWG_LEVEL_MEDIUM,
		.confidence = FWG_CONFIDENCE_LOW, .message = "about the whole image [x] 100%" });
	struct fwg_finding *s = fwg_report(a, &(struct fwg_finding_desc){ .rule = "service.telnetd",
		.severity = FWG_LEVEL_LOW, .confidence = FWG_CONFIDENCE_MEDIUM, .node = node,
		.message = "accepted", .cve = "GHSA-xxxx-yyyy-zzzz", .software_ref = "image" });
	if (s) {
		s->suppressed = true;
		s->suppress_reason = strdup("lab units only");
	}
	/* The first finding of CVE-2099-0001 is suppressed, a later one about
	 * another component is not: affected, rated critical. */
	s = fwg_report(a, &(struct fwg_finding_desc){ .rule = "vuln.cve", .severity = FWG_LEVEL_LOW,
		.confidence = FWG_CONFIDENCE_HIGH, .cve = "CVE-2099-0001", .message = "accepted here",
		.software_ref = "image" });
	if (s) {
		s->suppressed = true;
		s->suppress_reason = strdup("not reachable");
	}
	fwg_report(a, &(struct fwg_finding_desc){ .rule = "vuln.cve", .severity = FWG_LEVEL_CRITICAL,
		.confidence = FWG_CONFIDENCE_HIGH, .node = node, .cve = "CVE-2099-0001",
		.message = "known vulnerability", .software_ref = sw ? sw->bom_ref : NULL });
	struct fwg_ipmi_command cmd = { .netfn = 0x32, .cmd = 0x22, .privilege = 0, .enabled = true,
		.handler = "YafuFlashRead", .table = "oem_MsgHndlrTbl" };
	fwg_report(a, &(struct fwg_finding_desc){ .rule = "ipmi.command", .severity = FWG_LEVEL_INFO,
		.confidence = FWG_CONFIDENCE_HIGH, .node = node, .message = "exposed", .ipmi = &cmd });
	int rc = write_doc(argv[2], "cyclonedx.json", img, a, fwg_write_cyclonedx) |
		write_doc(argv[2], "spdx.json", img, a, fwg_write_spdx) |
		write_doc(argv[2], "sarif.json", img, a, fwg_write_sarif);
	if (getenv("SBOM_DOCS_OOM"))
		rc |= oom_sweep(img, a);
	fwg_analysis_free(a);
	fwg_image_free(img);
	return rc;
}
