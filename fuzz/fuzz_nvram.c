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

#include "nv_volume.h"

#define MAX_INPUT (4u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > MAX_INPUT)
		return 0;
	size_t total;
	uint8_t *fv = nv_volume_new(size, &total);
	if (!fv)
		return 0;
	if (size)
		memcpy(fv + FV_HEADER_LENGTH, data, size);
	nv_volume_run(fv, total);
	return 0;
}
