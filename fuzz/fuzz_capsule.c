/*
 * fuzz_capsule.c - libFuzzer target for the UEFI capsule handler
 * (src/handlers/uefi/capsule.c).
 *
 * The input goes through the public entry point, fwg_image_open_buffer(),
 * so the registry's probes route capsule inputs to the handler and
 * everything it hands on (payloads, volumes, regions) is unpacked too.
 * Limits are lower than the defaults to keep decompression-heavy inputs
 * fast.  Seeds: images written by tests/gen/make_capsule.py with a small payload
 * (see src/handlers/uefi/README-capsule.md).
 */
#include <stddef.h>
#include <stdint.h>

#include "fwguard/fwguard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fwg_options opts;
	fwg_options_default(&opts);
	opts.limits.max_decoded_total = 64u << 20;
	opts.limits.max_decoded_single = 32u << 20;
	opts.limits.max_nodes = 20000;
	opts.threads = 1;
	struct fwg_image *img = NULL;
	char err[256];
	if (fwg_image_open_buffer(data, size, "fuzz", &opts, &img, err, sizeof(err)) == FWG_OK)
		fwg_image_free(img);
	return 0;
}
