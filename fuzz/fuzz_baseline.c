/*
 * fuzz_baseline.c - libFuzzer target for baselines and the diff.
 *
 * Input starting with '{' is a hostile baseline manifest: it is parsed,
 * diffed against itself (which must find nothing) and written back.  Any
 * other input is an image: it is unpacked, turned into a manifest,
 * written, read back and diffed against the manifest it came from, which
 * also must find nothing, and run through the reclamation gate.
 *
 * Seeds: real images (as for fuzz_probe) and the manifests tests write.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwguard/baseline.h"

#define MAX_INPUT (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must_be_empty(const struct fwg_baseline *a, const struct fwg_baseline *b)
{
	struct fwg_diff *d = NULL;
	char err[256];
	if (fwg_diff_run(a, b, NULL, &d, err, sizeof(err)) != FWG_OK)
		return;
	size_t n = 0;
	for (int c = FWG_CHANGE_EXPECTED; c <= FWG_CHANGE_CRITICAL; c++)
		n += fwg_diff_count(d, (enum fwg_change_class)c);
	if (n != 0)
		abort(); /* a manifest must equal itself and its own round trip */
	FILE *null = fopen("/dev/null", "w");
	if (null) {
		(void)fwg_write_diff_json(d, null);
		(void)fwg_write_diff_text(d, null);
		fclose(null);
	}
	fwg_diff_free(d);
}

static struct fwg_baseline *round_trip(const struct fwg_baseline *b)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	if (!mem)
		return NULL;
	enum fwg_status st = fwg_baseline_write(b, mem);
	fclose(mem);
	struct fwg_baseline *back = NULL;
	char err[256];
	if (st != FWG_OK || fwg_baseline_parse(text, len, &back, err, sizeof(err)) != FWG_OK)
		back = NULL;
	free(text);
	return back;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > MAX_INPUT)
		return 0;
	char err[256];
	struct fwg_baseline *b = NULL;
	if (size && data[0] == '{') {
		if (fwg_baseline_parse((const char *)data, size, &b, err, sizeof(err)) != FWG_OK)
			return 0;
		must_be_empty(b, b);
		struct fwg_baseline *back = round_trip(b);
		if (back)
			must_be_empty(b, back);
		fwg_baseline_free(back);
		fwg_baseline_free(b);
		return 0;
	}
	struct fwg_options opt;
	fwg_options_default(&opt);
	opt.threads = 0;
	opt.limits.max_nodes = 20000;
	opt.limits.max_decoded_total = 32u << 20;
	struct fwg_image *img = NULL;
	if (fwg_image_open_buffer(data, size, "fuzz.bin", &opt, &img, err, sizeof(err)) != FWG_OK)
		return 0;
	const struct fwg_image *imgs[1] = { img };
	if (fwg_baseline_create("fuzz", "1", imgs, NULL, 1, &b, err, sizeof(err)) == FWG_OK) {
		struct fwg_baseline *back = round_trip(b);
		if (!back)
			abort(); /* what we write we must read */
		must_be_empty(b, back);
		struct fwg_reclaim_input in = { .golden = back, .dumps = b };
		struct fwg_reclaim *r = NULL;
		if (fwg_reclaim_run(&in, &r, err, sizeof(err)) == FWG_OK &&
				fwg_reclaim_verdict(r) == FWG_VERDICT_TAINTED)
			abort(); /* an image is clean against its own baseline */
		fwg_reclaim_free(r);
		fwg_baseline_free(back);
		fwg_baseline_free(b);
	}
	fwg_image_free(img);
	return 0;
}
