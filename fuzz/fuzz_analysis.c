/*
 * fuzz_analysis.c - the whole pipeline plus every analysis engine: the
 * input is probed and unpacked like an image, then the engines run over
 * the tree (shipped rule packs, no vulnerability database) and every
 * serializer of an analysis writes to /dev/null.  Engines read contents
 * of hostile files (shadow, configs, keys, ELF symbol and IPMI tables),
 * so they are fuzzed as parsers in their own right.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fwguard/fwguard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	if (!sink && !(sink = fopen("/dev/null", "w")))
		return 0;
	struct fwg_options opt;
	fwg_options_default(&opt);
	opt.limits.max_decoded_total = 64u << 20;
	opt.limits.max_decoded_single = 32u << 20;
	opt.limits.max_nodes = 20000;
	opt.threads = 1;
	struct fwg_image *img = NULL;
	char err[256];
	if (fwg_image_open_buffer(data, size, "fuzz", &opt, &img, err, sizeof(err)) != FWG_OK)
		return 0;
	struct fwg_analysis_options ao;
	fwg_analysis_options_default(&ao);
	ao.now = 1700000000;
	struct fwg_analysis *a = NULL;
	if (fwg_analyze(img, &ao, &a, err, sizeof(err)) == FWG_OK) {
		(void)fwg_write_json_analysis(img, a, sink);
		(void)fwg_write_findings_text(img, a, sink);
		(void)fwg_write_sarif(img, a, sink);
		(void)fwg_write_cyclonedx(img, a, sink);
		(void)fwg_write_spdx(img, a, sink);
		fwg_analysis_free(a);
	}
	fwg_image_free(img);
	return 0;
}
