/*
 * nv_volume.h - shared by the format-aware NVRAM fuzzers: wraps fuzz input
 * in a valid EFI_SYSTEM_NV_DATA_FV volume header, so the fuzzer spends its
 * time inside the NVRAM and signature-list handlers, and runs the library
 * on the result with fuzzing limits.
 */
#ifndef FWG_FUZZ_NV_VOLUME_H
#define FWG_FUZZ_NV_VOLUME_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fwguard/fwguard.h"

#define FV_HEADER_LENGTH 0x48

static inline void put_le(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A heap block of exactly FV_HEADER_LENGTH + body_size bytes (so ASan sees
 * any read past the end) holding a checksummed NV-data volume header; the
 * body is erased (0xff) for the caller to fill.  NULL on allocation
 * failure. */
static inline uint8_t *nv_volume_new(size_t body_size, size_t *total_out)
{
	static const uint8_t nv_guid[16] = { 0x8d, 0x2b, 0xf1, 0xff, 0x96, 0x76, 0x8b, 0x4c,
		0xa9, 0x85, 0x27, 0x47, 0x07, 0x5b, 0x4f, 0x50 };
	size_t total = FV_HEADER_LENGTH + body_size;
	uint8_t *fv = malloc(total);
	if (!fv)
		return NULL;
	memset(fv, 0xff, total);
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
	*total_out = total;
	return fv;
}

/* Unpacks the volume with fuzzing limits, then frees it. */
static inline void nv_volume_run(uint8_t *fv, size_t total)
{
	struct fwg_options opt;
	fwg_options_default(&opt);
	opt.limits.max_nodes = 20000;
	opt.threads = 1;
	struct fwg_image *img = NULL;
	char err[128];
	if (fwg_image_open_buffer(fv, total, "fuzz", &opt, &img, err, sizeof(err)) == FWG_OK)
		fwg_image_free(img);
	free(fv);
}

#endif
