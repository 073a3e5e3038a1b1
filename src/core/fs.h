/*
 * fs.h - files of filesystems and archives as components.
 *
 * A filesystem handler (squashfs, jffs2, ubifs, cramfs, cpio, tar, ...)
 * turns its entries into `dir`, `file`, `symlink` and `device` nodes with a
 * builder:
 *
 *   struct fwg_fs_builder *b;
 *   st = fwg_fs_begin(u, fsnode, &b);
 *   st = fwg_fs_add(b, NULL, "etc", 3, &meta_dir, &etc);      // under root
 *   st = fwg_fs_add(b, etc, "passwd", 6, &meta_file, &f);
 *   st = fwg_fs_content_reserve(b, f, stored_len, file_size, &buf);
 *   ... decode into buf ...
 *   fwg_fs_content_commit(b, f, produced);
 *   fwg_fs_end(b);
 *
 * Archives that store full paths (tar, cpio) use fwg_fs_add_path(), which
 * creates missing parent directories and normalises the path: leading '/',
 * "." and empty components are dropped, ".." never climbs above the root
 * (a warning `fs.path_traversal` is recorded and `stored_path` keeps the
 * name as stored).  Entry names with '/' or NUL, or equal to "." or "..",
 * are rewritten with '_' and reported (`fs.bad_name`).  Adding a path that
 * already exists replaces nothing: a directory is merged (its metadata
 * updated), anything else is added again as a sibling with a warning
 * `fs.duplicate`.
 *
 * Entries are children of the filesystem node (root entries) or of their
 * directory node, so the tree mirrors the filesystem.  A file node's raw
 * bytes are its content: either a window of the filesystem node's body
 * (stored contiguously and uncompressed; abs_offset is then known) or a
 * buffer decoded under the unpacking budgets.  After the handler returns,
 * the core probes each file's content like any other component (an ELF,
 * a gzip'd cpio, a squashfs inside a file, ...).
 *
 * Budgets: every entry counts against limits.max_nodes and is refused
 * deeper than limits.max_depth (FWG_LIMIT, with a diagnostic already on
 * the filesystem node): a handler that gets FWG_LIMIT stops adding
 * entries below that point and carries on with what it has.
 */
#ifndef FWG_CORE_FS_H
#define FWG_CORE_FS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "handler.h"

struct fwg_fs_builder;

/* Metadata of one entry, as the format stores it. */
struct fwg_fs_meta {
	uint32_t mode;                /* S_IFDIR|0755 etc.; the type bits pick the node type */
	uint32_t uid, gid;
	int64_t mtime;
	bool has_mtime;
	uint64_t inode;               /* 0 = none */
	uint32_t rdev_major, rdev_minor;
	const char *link_target;      /* symlinks: target bytes (not NUL-terminated) */
	size_t link_target_len;
};

FWG_NODISCARD enum fwg_status fwg_fs_begin(struct fwg_unpack *u, struct fwg_node *fs,
		struct fwg_fs_builder **out);
/* Frees the builder; the entries stay in the tree. NULL is fine. */
void fwg_fs_end(struct fwg_fs_builder *b);

/* Adds an entry named [name, name+len) under dir (NULL = the root). */
FWG_NODISCARD enum fwg_status fwg_fs_add(struct fwg_fs_builder *b, struct fwg_node *dir,
		const char *name, size_t len, const struct fwg_fs_meta *meta, struct fwg_node **out);
/* Adds an entry by its full path inside the archive. */
FWG_NODISCARD enum fwg_status fwg_fs_add_path(struct fwg_fs_builder *b, const char *path,
		size_t len, const struct fwg_fs_meta *meta, struct fwg_node **out);
/* The entry at a normalised path ("/etc/passwd" or "etc/passwd"), or NULL. */
struct fwg_node *fwg_fs_lookup(struct fwg_fs_builder *b, const char *path, size_t len);

/* File content as [offset, offset+size) of the filesystem node's body. */
FWG_NODISCARD enum fwg_status fwg_fs_content_window(struct fwg_fs_builder *b, struct fwg_node *file,
		size_t offset, size_t size);
/* File content decoded from encoded_size stored bytes: reserves size bytes
 * under the decode budgets (FWG_LIMIT: refused, diagnostic recorded),
 * then commit the number of bytes actually produced. */
FWG_NODISCARD enum fwg_status fwg_fs_content_reserve(struct fwg_fs_builder *b, struct fwg_node *file,
		size_t encoded_size, size_t size, uint8_t **buf_out);
void fwg_fs_content_commit(struct fwg_fs_builder *b, struct fwg_node *file, size_t produced);
/* Hard links: file shows the same content as target (no copy). */
void fwg_fs_content_share(struct fwg_fs_builder *b, struct fwg_node *file,
		const struct fwg_node *target);

/* True for dir/file/symlink/device nodes. */
static inline bool fwg_node_is_fs_entry(const struct fwg_node *n)
{
	return n->fs != NULL;
}

#endif
