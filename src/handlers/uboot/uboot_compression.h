/*
 * uboot_compression.h - the compression methods U-Boot images name (the
 * legacy uImage ih_comp byte, the FIT `compression` property) and the
 * stream handler that decodes each (src/handlers/archive/compressed.c):
 *   gzip (RFC 1952), bzip2, lzma (".lzma" alone), lzo (an lzop file),
 *   lz4 (frame), zstd (frame).
 * Implemented in uimage.c.
 */
#ifndef FWG_HANDLERS_UBOOT_COMPRESSION_H
#define FWG_HANDLERS_UBOOT_COMPRESSION_H

#include <stdbool.h>

#include "../../core/handler.h"

/* Values are the legacy ih_comp codes (IH_COMP_*). */
enum fwg_uboot_comp {
	FWG_UBOOT_COMP_NONE = 0,
	FWG_UBOOT_COMP_GZIP = 1,
	FWG_UBOOT_COMP_BZIP2 = 2,
	FWG_UBOOT_COMP_LZMA = 3,
	FWG_UBOOT_COMP_LZO = 4,
	FWG_UBOOT_COMP_LZ4 = 5,
	FWG_UBOOT_COMP_ZSTD = 6,
	FWG_UBOOT_COMP_COUNT,
};

/* "none", "gzip", ...; NULL for a code outside the enum. */
const char *fwg_uboot_comp_name(unsigned comp);
/* The FIT `compression` property value to its code; false if unknown. */
bool fwg_uboot_comp_from_name(const char *name, enum fwg_uboot_comp *out);
/* The stream handler for a method, or NULL for none/unknown. */
const struct fwg_handler *fwg_uboot_comp_handler(enum fwg_uboot_comp comp);

#endif
