/*
 * uboot_decompress.h - the compression methods U-Boot images name (the
 * legacy uImage ih_comp byte, the FIT `compression` property) and one
 * bounded decoder for all of them, shared by uimage.c and fit.c.
 *
 * Stream formats, as U-Boot's own decoders expect them:
 *   gzip   RFC 1952, one member
 *   bzip2  one bzip2 stream
 *   lzma   the ".lzma" alone format (5 property bytes, u64 LE size, data)
 *   lzo    an lzop file (header, then blocks), what `lzop` writes
 *   lz4    an LZ4 frame (magic 04 22 4d 18)
 *   zstd   one Zstandard frame
 *
 * fwg_uboot_decompress() decodes a node's raw bytes into its body through
 * fwg_unpack_reserve_decoded()/fwg_unpack_commit_decoded(), so every byte
 * it produces is counted against the unpacking budgets.  When the stream
 * does not declare its size (or declares an implausible one) a first pass
 * counts the output into a small scratch buffer, stopping as soon as the
 * per-stream or ratio budget would be exceeded; the real pass then decodes
 * into an exactly sized buffer.  A stream that fails part way keeps what
 * was decoded before the failure (with an error diagnostic).
 *
 * Implemented in uimage.c.
 */
#ifndef FWG_HANDLERS_UBOOT_DECOMPRESS_H
#define FWG_HANDLERS_UBOOT_DECOMPRESS_H

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
/* Node type of a stream of that method (FWG_TYPE_GZIP, ...), or RAW. */
const char *fwg_uboot_comp_type(enum fwg_uboot_comp comp);

/*
 * Decodes node's raw bytes (node->data, node->size) with comp into the
 * node's body.  *decoded tells whether the body now holds decoded bytes
 * (complete, or a partial prefix when the stream failed part way).
 * Failures and budget hits become diagnostics on node: `diag_code`
 * (a string literal such as "uimage.decode") for stream errors, the core's
 * limit.* codes for budgets.  Returns FWG_NOMEM or FWG_OK.
 */
FWG_NODISCARD enum fwg_status fwg_uboot_decompress(struct fwg_unpack *u, struct fwg_node *node,
		enum fwg_uboot_comp comp, const char *diag_code, bool *decoded);

/*
 * After a payload node's body is final (decoded or not), probes it and,
 * when a handler claims it, adds that format as the node's only child over
 * its whole body; the node itself is then kept as a leaf.  This is what the
 * core would do when probing, done here so that a decoded node is never
 * re-parsed in place by a handler of its own type.
 */
FWG_NODISCARD enum fwg_status fwg_uboot_attach_probed(struct fwg_unpack *u, struct fwg_node *node);

#endif
