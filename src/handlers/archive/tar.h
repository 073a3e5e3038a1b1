/*
 * tar.h - the tar reader shared by the tar handler and the handlers of
 * formats that are tar archives underneath (OpenBMC update tarballs).
 *
 * See tar.c for the layout.  Everything here reads through the cursor and
 * is bounded by the window: a walk never takes more steps than the window
 * has 512-byte blocks.
 */
#ifndef FWG_HANDLERS_ARCHIVE_TAR_H
#define FWG_HANDLERS_ARCHIVE_TAR_H

#include <stdbool.h>
#include <stddef.h>

#include "fs.h"

#define FWG_TAR_BLOCK 512u

enum fwg_tar_flavour {
	FWG_TAR_NONE = 0,   /* not a tar header */
	FWG_TAR_V7,         /* no magic, checksum only */
	FWG_TAR_USTAR,      /* "ustar\0" "00" (POSIX; pax uses it too) */
	FWG_TAR_GNU,        /* "ustar " " \0" */
};

/* Flavour of the header block at off, its checksum verified; FWG_TAR_NONE
 * when there is no valid header there.  Allocation-free, O(one block). */
enum fwg_tar_flavour fwg_tar_header_at(const struct fwg_cursor *c, size_t off);

/*
 * True when one of the first max_members members of the archive at the
 * start of c is named `name` (a leading "./" is ignored).  Used by probes:
 * it only hops from header to header, at most max_members of them.
 */
bool fwg_tar_has_member(const struct fwg_cursor *c, const char *name, unsigned max_members);

/* Bytes the archive occupies through its two zero end blocks, 0 when the
 * walk does not reach them (corrupt or truncated archive). */
uint64_t fwg_tar_walk_extent(const struct fwg_cursor *c);

/*
 * Reads the archive that fills node's body into entries of b (dir, file,
 * symlink, device components), recording attributes (`tar_format`,
 * `entries`) and diagnostics on node.  Returns FWG_NOMEM only; every
 * other problem is a diagnostic and the entries read so far stay.
 */
FWG_NODISCARD enum fwg_status fwg_tar_read(struct fwg_unpack *u, struct fwg_node *node,
		struct fwg_fs_builder *b);

#endif
