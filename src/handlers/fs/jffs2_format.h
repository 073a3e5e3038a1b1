/*
 * jffs2_format.h - JFFS2 on-flash layout and the records the jffs2 handler
 * keeps while it reads an image (shared by jffs2.c, jffs2_scan.c,
 * jffs2_content.c and jffs2_decompress.c).
 *
 * A JFFS2 image is a log of nodes, each 4-byte aligned, in the byte order
 * of the machine that wrote it (told apart by the magic 0x1985 read in
 * either order).  Erased flash (0xff) fills the gaps.  Every node starts
 * with a 12-byte header (include/uapi/linux/jffs2.h):
 *
 *   0x00 magic u16 (0x1985)  0x02 nodetype u16  0x04 totlen u32
 *   0x08 hdr_crc u32 over bytes 0..7
 *
 * nodetype = compat bits (0xc000 INCOMPAT, 0x8000 ROCOMPAT, 0x4000
 * RWCOMPAT_COPY, 0 RWCOMPAT_DELETE) | 0x2000 ACCURATE | kind; a node whose
 * ACCURATE bit was cleared on flash is obsolete.  Kinds used here:
 *
 *   DIRENT 0xe001 (40 bytes + name):
 *     0x0c pino  0x10 version  0x14 ino (0 = the name was deleted)
 *     0x18 mctime  0x1c nsize u8  0x1d type u8 (DT_*)  0x1e unused[2]
 *     0x20 node_crc over 0..0x1f  0x24 name_crc over the name  0x28 name
 *   INODE 0xe002 (68 bytes + data):
 *     0x0c ino  0x10 version  0x14 mode  0x18 uid u16  0x1a gid u16
 *     0x1c isize  0x20 atime  0x24 mtime  0x28 ctime  0x2c offset
 *     0x30 csize  0x34 dsize  0x38 compr u8  0x39 usercompr u8
 *     0x3a flags u16  0x3c data_crc over the csize data bytes
 *     0x40 node_crc over 0..0x3b  0x44 data
 *   CLEANMARKER 0x2003, PADDING 0x2004: header only (totlen covers the rest)
 *   SUMMARY 0x2006 (erase-block summary, written by sumtool / the kernel):
 *     0x0c sum_num  0x10 cln_mkr  0x14 padded  0x18 sum_crc
 *     0x1c node_crc over 0..0x17
 *   XATTR 0xe008: 0x0c xid 0x10 version 0x14 xprefix u8 0x15 name_len u8
 *     0x16 value_len u16 0x18 data_crc 0x1c node_crc over 0..0x1b
 *   XREF 0xe009: 0x0c ino 0x10 xid 0x14 xseqno 0x18 node_crc over 0..0x17
 *
 * All CRCs are the kernel's crc32(0, buf, len): the reflected IEEE
 * polynomial started at 0 without the final inversion, which equals
 * zlib's crc32(0xffffffff, buf, len) ^ 0xffffffff (checked against
 * mkfs.jffs2 images by tests/integration/jffs2_test.py).
 *
 * Compressors (INODE compr): 0 NONE, 1 ZERO (dsize zero bytes), 2 RTIME,
 * 3 RUBINMIPS, 4 COPY, 5 DYNRUBIN, 6 ZLIB, 7 LZO, 8 LZMA (OpenWrt's
 * addition: raw LZMA1, lc=0 lp=0 pb=0, 8 KiB dictionary, no header).
 *
 * Device inodes hold the device number as their data: 2 bytes in the old
 * encoding (major << 8 | minor) or 4 bytes in the kernel's new_encode_dev
 * form, in the image's byte order.  Symlink inodes hold the target.
 */
#ifndef FWG_HANDLERS_FS_JFFS2_FORMAT_H
#define FWG_HANDLERS_FS_JFFS2_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../core/handler.h"

#define JFFS2_MAGIC 0x1985u
#define JFFS2_HEADER_SIZE 12u
#define JFFS2_ALIGN 4u

#define JFFS2_NODE_ACCURATE 0x2000u
#define JFFS2_COMPAT_MASK 0xc000u
#define JFFS2_FEATURE_INCOMPAT 0xc000u
#define JFFS2_FEATURE_ROCOMPAT 0x8000u

#define JFFS2_NODETYPE_DIRENT 0xe001u
#define JFFS2_NODETYPE_INODE 0xe002u
#define JFFS2_NODETYPE_CLEANMARKER 0x2003u
#define JFFS2_NODETYPE_PADDING 0x2004u
#define JFFS2_NODETYPE_SUMMARY 0x2006u
#define JFFS2_NODETYPE_XATTR 0xe008u
#define JFFS2_NODETYPE_XREF 0xe009u

#define JFFS2_DIRENT_SIZE 40u
#define JFFS2_DIRENT_CRC_LEN 32u
#define JFFS2_INODE_SIZE 68u
#define JFFS2_INODE_CRC_LEN 60u
#define JFFS2_SUMMARY_SIZE 32u
#define JFFS2_SUMMARY_CRC_LEN 24u
#define JFFS2_XATTR_SIZE 32u
#define JFFS2_XATTR_CRC_LEN 28u
#define JFFS2_XREF_SIZE 28u
#define JFFS2_XREF_CRC_LEN 24u

#define JFFS2_ROOT_INO 1u

enum jffs2_compr {
	JFFS2_COMPR_NONE = 0,
	JFFS2_COMPR_ZERO = 1,
	JFFS2_COMPR_RTIME = 2,
	JFFS2_COMPR_RUBINMIPS = 3,
	JFFS2_COMPR_COPY = 4,
	JFFS2_COMPR_DYNRUBIN = 5,
	JFFS2_COMPR_ZLIB = 6,
	JFFS2_COMPR_LZO = 7,
	JFFS2_COMPR_LZMA = 8,
	JFFS2_COMPR_COUNT
};

/* One INODE node whose header, node and data CRCs all check out. */
struct jffs2_inode_node {
	uint32_t ino, version;
	uint32_t mode, isize, mtime;
	uint16_t uid, gid;
	uint32_t offset, csize, dsize; /* file range [offset, offset+dsize) */
	uint8_t compr;
	size_t pos;                     /* of the node in the filesystem body */
	const uint8_t *data;            /* csize bytes, borrowed from the body */
};

/* One DIRENT node whose CRCs check out. */
struct jffs2_dirent_node {
	uint32_t pino, version, ino;
	uint8_t type, nsize;
	size_t pos;
	const uint8_t *name;            /* nsize bytes, borrowed from the body */
};

/* What the node scan found (jffs2_scan.c). */
struct jffs2_scan {
	struct fwg_node *fs;            /* diagnostics go here */
	bool big_endian;
	bool found;                     /* at least one valid node */

	struct jffs2_inode_node *inodes;
	size_t inode_count, inode_cap;
	struct jffs2_dirent_node *dirents;
	size_t dirent_count, dirent_cap;

	uint64_t nodes;                 /* valid headers */
	uint64_t obsolete_marked;       /* ACCURATE bit cleared on flash */
	uint64_t bad_crc;               /* header, node, data or name CRC wrong */
	uint64_t malformed;             /* sizes that do not fit */
	uint64_t cleanmarkers, padding, summaries, xattrs, xrefs, unknown;
	uint64_t garbage_bytes;         /* neither nodes nor erased flash */
	uint64_t erased_bytes;
	uint32_t compr_seen;            /* bit per compressor id < 32 */
	bool compr_other;               /* ids >= 32 */

	/* Erase size from cleanmarker spacing: gcd of the distances. */
	uint64_t first_cleanmarker, last_cleanmarker, cleanmarker_gcd;
	size_t end;                     /* end of the last valid node */
	unsigned diag_count;            /* node diagnostics emitted (capped) */
	uint64_t diag_dropped;
};

/* Reads an image's nodes.  FWG_NOMEM only; problems become diagnostics. */
FWG_NODISCARD enum fwg_status jffs2_scan_run(struct jffs2_scan *s, const struct fwg_cursor *c);
void jffs2_scan_free(struct jffs2_scan *s);
/* Byte order of a valid node header at off, or -1: 0 little, 1 big. */
int jffs2_header_order(const struct fwg_cursor *c, size_t off);
/* Offset just past the last of the valid nodes that follow each other
 * from offset 0 (erased gaps allowed between them); 0 if none. */
size_t jffs2_scan_extent(const struct fwg_cursor *c);
/* Node diagnostic, capped per filesystem so a corrupt image stays legible. */
void jffs2_diag(struct jffs2_scan *s, enum fwg_severity sev, const char *code, size_t off,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The kernel's crc32(0, buf, len). */
uint32_t jffs2_crc(const uint8_t *buf, size_t len);

const char *jffs2_compr_name(unsigned compr);

/*
 * Decodes one node's data: the first dst_len bytes of its dsize decoded
 * bytes (dst_len <= dsize).  FWG_MALFORMED / FWG_UNSUPPORTED with *why set.
 */
FWG_NODISCARD enum fwg_status jffs2_decompress(unsigned compr, const uint8_t *src, size_t csize,
		size_t dsize, uint8_t *dst, size_t dst_len, const char **why);

/*
 * Builds an inode's content from its nodes (sorted by version, oldest
 * first): each byte comes from the newest node that covers it, bytes no
 * node covers are zero, and everything past out_len (isize) is dropped.
 * *work is the decode budget left (bytes decoders may still produce),
 * shared by the whole filesystem; *superseded counts nodes that
 * contribute nothing.  FWG_NOMEM only.
 */
struct jffs2_content_stats {
	uint64_t work_left;
	uint64_t superseded;
	bool work_exhausted_reported;
};
FWG_NODISCARD enum fwg_status jffs2_build_content(struct jffs2_scan *s,
		const struct jffs2_inode_node *nodes, size_t count, uint8_t *out, size_t out_len,
		struct jffs2_content_stats *stats);

#endif
