/*
 * fuzz_nvram.c - libFuzzer target for the NVRAM handler reached the way
 * real images reach it: the input becomes the body of an NV-data firmware
 * volume (FileSystemGuid EFI_SYSTEM_NV_DATA_FV_GUID) built here with a
 * valid header, and the whole buffer goes through fwg_image_open_buffer(),
 * so the FV handler hands the body to nvram.c as an area.  Variable
 * stores, FTW blocks and the signature lists of Secure Boot variables are
 * all reachable from the input.  (fuzz_handler.c covers the handler on a
 * bare window; this target covers the volume path and the public API.)
 *
 * Seeds: bodies of real NV volumes, e.g. OVMF_VARS_4M.ms.fd from offset
 * 0x48 (cut to a few pages to keep runs fast).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fwguard/fwguard.h"

#define FV_HEADER_LENGTH 0x48
#define MAX_INPUT (4u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put_le(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t nv_guid[16] = { 0x8d, 0x2b, 0xf1, 0xff, 0x96, 0x76, 0x8b, 0x4c,
		0xa9, 0x85, 0x27, 0x47, 0x07, 0x5b, 0x4f, 0x50 };
	if (size > MAX_INPUT)
		return 0;
	size_t total = FV_HEADER_LENGTH + size;
	/* Exactly-sized heap block: ASan sees any read past the end. */
	uint8_t *fv = malloc(total);
	if (!fv)
		return 0;
	memset(fv, 0, FV_HEADER_LENGTH);
	memcpy(fv + 0x10, nv_guid, 16);
	put_le(fv + 0x20, total, 8);
	memcpy(fv + 0x28, "_FVH", 4);
	put_le(fv + 0x2c, 0x4feff, 4);
	put_le(fv + 0x30, FV_HEADER_LENGTH, 2);
	fv[0x37] = 2;
	put_le(fv + 0x38, 1, 4);
	put_le(fv + 0x3c, total, 4);
	uint16_t sum = 0;
	for (size_t i = 0; i < FV_HEADER_LENGTH; i += 2)
		sum = (uint16_t)(sum + (fv[i] | fv[i + 1] << 8));
	put_le(fv + 0x32, (uint16_t)(0x10000u - sum), 2);
	if (size)
		memcpy(fv + FV_HEADER_LENGTH, data, size);

	struct fwg_options opt;
	fwg_options_default(&opt);
	opt.limits.max_nodes = 20000;
	opt.threads = 1;
	struct fwg_image *img = NULL;
	char err[128];
	if (fwg_image_open_buffer(fv, total, "fuzz", &opt, &img, err, sizeof(err)) == FWG_OK)
		fwg_image_free(img);
	free(fv);
	return 0;
}
