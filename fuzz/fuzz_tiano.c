/*
 * fuzz_tiano.c - libFuzzer target for the EFI 1.1 / Tiano decompressor
 * (src/handlers/uefi/tiano_decompress.c).  Every input is parsed as a
 * compressed section body and decoded with both variants into a buffer of
 * exactly the declared original size (capped at 16 MiB), so ASan catches any
 * read or write outside the input or the output.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "tiano_decompress.h"

/* Declared sizes above this are skipped; override with -D to fuzz faster. */
#ifndef FWG_FUZZ_TIANO_MAX_OUTPUT
#define FWG_FUZZ_TIANO_MAX_OUTPUT (16u * 1024u * 1024u)
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_result(int ret, const char *why)
{
	/* the only failure a well-formed call can report is corrupt input */
	if (ret != 0 && (ret != FWG_TIANO_E_CORRUPT || why == NULL))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t comp = 0;
	uint32_t orig = 0;
	const char *why = NULL;
	uint8_t *out;

	if (fwg_tiano_get_info(data, size, &comp, &orig, &why) != 0)
		return 0;
	if (orig > FWG_FUZZ_TIANO_MAX_OUTPUT)
		return 0;
	out = malloc(orig ? orig : 1);
	if (!out)
		return 0;
	why = NULL;
	check_result(fwg_tiano_decompress(data, size, out, orig, FWG_TIANO_EFI11, &why), why);
	why = NULL;
	check_result(fwg_tiano_decompress(data, size, out, orig, FWG_TIANO_TIANO, &why), why);
	free(out);
	return 0;
}
