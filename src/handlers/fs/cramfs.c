/*
 * cramfs.c - cramfs, the compressed ROM filesystem (Linux fs/cramfs,
 * include/uapi/linux/cramfs_fs.h; mkfs.cramfs from util-linux): every
 * directory, file, symlink and device becomes a component through fs.h.
 *
 * Layout, in the image's byte order (little- or big-endian, told apart by
 * how the magic reads), offsets from the image start:
 *
 *   superblock at 0, or at 512 after a boot-code pad (mkfs.cramfs -p):
 *     0x00 magic u32 0x28cd3d45     0x04 size u32 (whole image, pad included)
 *     0x08 flags u32                0x0c future u32
 *     0x10 signature "Compressed ROMFS"
 *     0x20 fsid: crc u32, edition u32, blocks u32, files u32
 *     0x30 name[16]                 0x40 root inode (12 bytes)
 *   inode, 12 bytes as three u32 bitfield words:
 *     mode:16 uid:16 | size:24 gid:8 | namelen:6 offset:26
 *     (little-endian images fill each word from bit 0, big-endian images
 *     from bit 31); namelen counts 4-byte units of NUL-padded name that
 *     follow the inode; offset counts 4-byte units from the image start.
 *   directory: offset -> its entries (inode + name each), size = their
 *     total bytes.
 *   file or symlink: offset -> ceil(size / 4096) u32 block pointers, each
 *     the end of its block; a block starts where the previous one ended
 *     (the first right after the pointer table) and is a zlib stream of
 *     one 4 KiB page; an empty block is a hole (flag 0x100).  With flag
 *     0x800 a pointer's bit 31 marks an uncompressed block and bit 30 a
 *     direct pointer (start >> 2; compressed blocks there begin with
 *     their u16 length).
 *   device: size holds the old 16-bit device number (major << 8 | minor).
 *
 * The fsid crc (flag 0x1) is the zlib CRC-32 from the superblock to the
 * image end (the boot pad excluded) with the crc field taken as zero; a mismatch is reported, parsing goes
 * on.  cramfs stores no timestamps or inode numbers: an entry's inode
 * number is its data offset (as the kernel's), so files that mkfs.cramfs
 * deduplicated share their content like hard links.
 *
 * Invariants: every read through the cursor; a directory's entries are
 * read only inside its stated size and the image; each directory offset is
 * entered once (a bitmap over 4-byte units), so cycles end in a diagnostic
 * and the walk stops at the node budget; nesting is bounded by
 * limits.max_depth through fwg_fs_add; file contents are reserved under
 * the decode budgets before any block is inflated, each block into at most
 * one page.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../../core/fs.h"
#include "../../core/handler.h"
#include "../../core/registry.h"
#include "../../core/text.h"

#define CRAMFS_MAGIC 0x28cd3d45u
#define CRAMFS_MAGIC_LE "\x45\x3d\xcd\x28"
#define CRAMFS_MAGIC_BE "\x28\xcd\x3d\x45"
#define CRAMFS_SIGNATURE "Compressed ROMFS"
#define CRAMFS_PAD 512
#define CRAMFS_SUPER_SIZE 76
#define CRAMFS_OFF_SIZE 0x04
#define CRAMFS_OFF_FLAGS 0x08
#define CRAMFS_OFF_SIGNATURE 0x10
#define CRAMFS_OFF_CRC 0x20
#define CRAMFS_OFF_EDITION 0x24
#define CRAMFS_OFF_BLOCKS 0x28
#define CRAMFS_OFF_FILES 0x2c
#define CRAMFS_OFF_NAME 0x30
#define CRAMFS_OFF_ROOT 0x40
#define CRAMFS_INODE_SIZE 12
#define CRAMFS_PAGE 4096u

#define CRAMFS_FLAG_FSID_V2 0x00000001u
#define CRAMFS_FLAG_SORTED_DIRS 0x00000002u
#define CRAMFS_FLAG_HOLES 0x00000100u
#define CRAMFS_FLAG_WRONG_SIGNATURE 0x00000200u
#define CRAMFS_FLAG_SHIFTED_ROOT 0x00000400u
#define CRAMFS_FLAG_EXT_BLOCK_POINTERS 0x00000800u
#define CRAMFS_FLAGS_KNOWN (0x000000ffu | CRAMFS_FLAG_HOLES | CRAMFS_FLAG_WRONG_SIGNATURE | \
		CRAMFS_FLAG_SHIFTED_ROOT | CRAMFS_FLAG_EXT_BLOCK_POINTERS)

#define CRAMFS_BLK_UNCOMPRESSED (1u << 31)
#define CRAMFS_BLK_DIRECT (1u << 30)
#define CRAMFS_BLK_FLAGS (CRAMFS_BLK_UNCOMPRESSED | CRAMFS_BLK_DIRECT)
#define CRAMFS_BLK_DIRECT_SHIFT 2

/* Work bounds against images whose directories overlap: symlink target
 * bytes decoded in all (outside the content budgets), entries read beyond
 * the node budget, bad entries before a directory is abandoned. */
#define CRAMFS_SYMLINK_WORK (64u << 20)
#define CRAMFS_ENTRY_SLACK 4096
#define CRAMFS_BAD_ENTRIES 32

struct cramfs_inode {
	uint32_t mode, uid, size, gid;
	size_t namelen;     /* bytes */
	size_t offset;      /* bytes from the image start */
};

struct cr_ctx {
	struct fwg_unpack *u;
	struct fwg_node *node;
	struct fwg_fs_builder *fsb;
	const struct fwg_options *opt;
	struct fwg_cursor img;   /* from the image start, size bytes */
	bool be;
	uint32_t flags;
	uint8_t *dirs_seen;      /* bitmap over 4-byte units */
	/* data offset -> first file node with it (mkfs.cramfs dedup) */
	struct fwg_node **by_offset_node;
	size_t *by_offset_key;
	size_t by_offset_cap, by_offset_used;
	z_stream z;
	bool z_ready;
	bool stop;
	bool symlink_work_reported;
	uint64_t symlink_work, entries_read;
};

static enum fwg_status u32_at(const struct fwg_cursor *c, bool be, size_t off, uint32_t *v)
{
	return be ? fwg_cursor_u32be_at(c, off, v) : fwg_cursor_u32le_at(c, off, v);
}

/* Where the superblock is (0 or 512) and its byte order; false if none. */
static bool find_super(const struct fwg_cursor *c, size_t *super_off, bool *be)
{
	static const size_t at[] = { 0, CRAMFS_PAD };
	for (size_t i = 0; i < 2; i++) {
		uint32_t m;
		if (fwg_cursor_u32le_at(c, at[i], &m) != FWG_OK)
			return false;
		if (m == CRAMFS_MAGIC || __builtin_bswap32(m) == CRAMFS_MAGIC) {
			*super_off = at[i];
			*be = m != CRAMFS_MAGIC;
			return true;
		}
	}
	return false;
}

static int cramfs_probe(const struct fwg_cursor *body)
{
	size_t so;
	bool be;
	if (!find_super(body, &so, &be))
		return 0;
	uint8_t sig[16];
	if (fwg_cursor_copy_at(body, so + CRAMFS_OFF_SIGNATURE, sig, sizeof(sig)) != FWG_OK)
		return 0;
	if (memcmp(sig, CRAMFS_SIGNATURE, sizeof(sig)) != 0)
		return so ? 0 : 20; /* a bare magic at 512 is too weak */
	/* A padded image seen from its superblock: its offsets count from
	 * 512 bytes earlier, where the carver also tries it. */
	uint32_t w2;
	if (so == 0 && u32_at(body, be, CRAMFS_OFF_ROOT + 8, &w2) == FWG_OK &&
			(be ? (w2 & 0x03ffffff) : (w2 >> 6)) * 4 == CRAMFS_PAD + CRAMFS_SUPER_SIZE)
		return 0;
	return 80;
}

static uint64_t cramfs_extent(const struct fwg_cursor *body)
{
	size_t so;
	bool be;
	uint32_t size;
	if (!find_super(body, &so, &be) || u32_at(body, be, so + CRAMFS_OFF_SIZE, &size) != FWG_OK)
		return 0;
	if (size < so + CRAMFS_SUPER_SIZE)
		return 0;
	return size;
}

static bool inode_at(const struct cr_ctx *x, size_t off, struct cramfs_inode *ino)
{
	uint32_t w0, w1, w2;
	if (u32_at(&x->img, x->be, off, &w0) != FWG_OK ||
			u32_at(&x->img, x->be, off + 4, &w1) != FWG_OK ||
			u32_at(&x->img, x->be, off + 8, &w2) != FWG_OK)
		return false;
	if (x->be) {
		ino->mode = w0 >> 16;
		ino->uid = w0 & 0xffff;
		ino->size = w1 >> 8;
		ino->gid = w1 & 0xff;
		ino->namelen = (size_t)(w2 >> 26) * 4;
		ino->offset = (size_t)(w2 & 0x03ffffff) * 4;
	} else {
		ino->mode = w0 & 0xffff;
		ino->uid = w0 >> 16;
		ino->size = w1 & 0x00ffffff;
		ino->gid = w1 >> 24;
		ino->namelen = (size_t)(w2 & 0x3f) * 4;
		ino->offset = (size_t)(w2 >> 6) * 4;
	}
	return true;
}

/* ---- dedup map: data offset -> first file ------------------------------- */

static struct fwg_node **offset_slot(struct cr_ctx *x, size_t key, bool *found)
{
	size_t mask = x->by_offset_cap - 1;
	size_t i = (key * 0x9e3779b97f4a7c15ull >> 17) & mask;
	while (x->by_offset_node[i] && x->by_offset_key[i] != key)
		i = (i + 1) & mask;
	*found = x->by_offset_node[i] != NULL;
	x->by_offset_key[i] = key;
	return &x->by_offset_node[i];
}

static enum fwg_status offset_first(struct cr_ctx *x, size_t key, struct fwg_node *file,
		struct fwg_node **first)
{
	*first = NULL;
	if ((x->by_offset_used + 1) * 4 > x->by_offset_cap * 3) {
		size_t ocap = x->by_offset_cap, ncap = ocap ? ocap * 2 : 256;
		struct fwg_node **on = x->by_offset_node;
		size_t *ok = x->by_offset_key;
		x->by_offset_node = calloc(ncap, sizeof(*on));
		x->by_offset_key = calloc(ncap, sizeof(*ok));
		if (!x->by_offset_node || !x->by_offset_key) {
			free(x->by_offset_node);
			free(x->by_offset_key);
			x->by_offset_node = on;
			x->by_offset_key = ok;
			return FWG_NOMEM;
		}
		x->by_offset_cap = ncap;
		for (size_t i = 0; i < ocap; i++) {
			bool f;
			if (on[i])
				*offset_slot(x, ok[i], &f) = on[i];
		}
		free(on);
		free(ok);
	}
	bool found;
	struct fwg_node **slot = offset_slot(x, key, &found);
	if (found) {
		*first = *slot;
		return FWG_OK;
	}
	*slot = file;
	x->by_offset_used++;
	return FWG_OK;
}

/* ---- file data ------------------------------------------------------------ */

/* Inflates one zlib block into out; returns the bytes produced or -1. */
static long inflate_block(struct cr_ctx *x, const uint8_t *in, size_t in_len, uint8_t *out,
		size_t out_len)
{
	if (!x->z_ready) {
		memset(&x->z, 0, sizeof(x->z));
		if (inflateInit(&x->z) != Z_OK)
			return -1;
		x->z_ready = true;
	} else if (inflateReset(&x->z) != Z_OK) {
		return -1;
	}
	x->z.next_in = (Bytef *)(uintptr_t)in;
	x->z.avail_in = (uInt)in_len;
	x->z.next_out = out;
	x->z.avail_out = (uInt)out_len;
	int r = inflate(&x->z, Z_FINISH);
	if (r != Z_STREAM_END)
		return -1;
	return (long)(out_len - x->z.avail_out);
}

/*
 * Where block i of a file starts and how long it is, following the
 * kernel's rules for indirect and (with flag 0x800) direct pointers.
 */
static const char *block_extent(const struct cr_ctx *x, size_t table, size_t nblocks, size_t i,
		size_t file_size, size_t *start, size_t *len, bool *raw)
{
	uint32_t ptr;
	if (u32_at(&x->img, x->be, table + i * 4, &ptr) != FWG_OK)
		return "block pointer outside the image";
	bool ext = x->flags & CRAMFS_FLAG_EXT_BLOCK_POINTERS;
	*raw = ext && (ptr & CRAMFS_BLK_UNCOMPRESSED);
	if (ext && (ptr & CRAMFS_BLK_DIRECT)) {
		size_t s = (size_t)(ptr & ~CRAMFS_BLK_FLAGS) << CRAMFS_BLK_DIRECT_SHIFT;
		if (*raw) {
			size_t rest = file_size - i * CRAMFS_PAGE;
			*start = s;
			*len = rest < CRAMFS_PAGE ? rest : CRAMFS_PAGE;
		} else {
			uint16_t l16;
			if (fwg_cursor_u16le_at(&x->img, s, &l16) != FWG_OK)
				return "direct block length outside the image";
			*start = s + 2;
			*len = l16;
		}
		return NULL;
	}
	size_t end = ext ? (ptr & ~CRAMFS_BLK_FLAGS) : ptr;
	size_t s = table + nblocks * 4;
	if (i > 0) {
		uint32_t prev;
		if (u32_at(&x->img, x->be, table + (i - 1) * 4, &prev) != FWG_OK)
			return "block pointer outside the image";
		if (ext && (prev & CRAMFS_BLK_DIRECT)) {
			size_t ps = (size_t)(prev & ~CRAMFS_BLK_FLAGS) << CRAMFS_BLK_DIRECT_SHIFT;
			if (prev & CRAMFS_BLK_UNCOMPRESSED) {
				s = ps + CRAMFS_PAGE;
			} else {
				uint16_t l16;
				if (fwg_cursor_u16le_at(&x->img, ps, &l16) != FWG_OK)
					return "direct block length outside the image";
				s = ps + 2 + l16;
			}
		} else {
			s = ext ? (prev & ~CRAMFS_BLK_FLAGS) : prev;
		}
	}
	if (end < s)
		return "block ends before it starts";
	*start = s;
	*len = end - s;
	return NULL;
}

/* Decodes a file's (or symlink's) blocks into buf; returns the number of
 * bad blocks, the first one's offset and reason in *bad_off, *why. */
static unsigned file_decode(struct cr_ctx *x, const struct cramfs_inode *ino, uint8_t *buf,
		size_t *bad_off, const char **why)
{
	size_t nblocks = (ino->size + CRAMFS_PAGE - 1) / CRAMFS_PAGE;
	unsigned bad = 0;
	for (size_t i = 0; i < nblocks; i++) {
		size_t want = ino->size - i * CRAMFS_PAGE;
		if (want > CRAMFS_PAGE)
			want = CRAMFS_PAGE;
		uint8_t *out = buf + i * CRAMFS_PAGE;
		size_t start = 0, len = 0;
		bool raw;
		const char *err = block_extent(x, ino->offset, nblocks, i, ino->size, &start, &len, &raw);
		const uint8_t *in = NULL;
		if (!err && len && fwg_cursor_bytes_at(&x->img, start, len, &in) != FWG_OK)
			err = "block outside the image";
		if (!err && len == 0) {
			memset(out, 0, want); /* a hole */
			continue;
		}
		if (!err && raw) {
			if (len != want)
				err = "uncompressed block of the wrong size";
			else
				memcpy(out, in, want);
		} else if (!err && inflate_block(x, in, len, out, want) != (long)want) {
			err = "block does not inflate to its page";
		}
		if (err) {
			memset(out, 0, want);
			if (!bad++) {
				*bad_off = start;
				*why = err;
			}
		}
	}
	return bad;
}

/* Stored bytes of a file's blocks (for the ratio budget), in O(1): from
 * the pointer table to the end of the last block. */
static size_t stored_size(const struct cr_ctx *x, const struct cramfs_inode *ino)
{
	size_t nblocks = (ino->size + CRAMFS_PAGE - 1) / CRAMFS_PAGE;
	size_t start, len;
	bool raw;
	if (block_extent(x, ino->offset, nblocks, nblocks - 1, ino->size, &start, &len, &raw) ||
			start > x->img.size || len > x->img.size - start || start + len < ino->offset)
		return nblocks * 4;
	return start + len - ino->offset;
}

static enum fwg_status file_content(struct cr_ctx *x, struct fwg_node *file,
		const struct cramfs_inode *ino)
{
	if (ino->size == 0 || ino->offset == 0) {
		if (ino->size)
			FWG_ERR(file, "cramfs.data_block", 0,
				"file of 0x%" PRIx32 " bytes has no data offset", ino->size);
		if (fwg_fs_content_window(x->fsb, file, 0, 0) != FWG_OK)
			FWG_ERR(file, "cramfs.data_block", 0, "empty content window refused");
		return FWG_OK;
	}
	struct fwg_node *first;
	enum fwg_status st = offset_first(x, ino->offset, file, &first);
	if (st != FWG_OK)
		return st;
	if (first) {
		if (first->data && first->size == ino->size)
			fwg_fs_content_share(x->fsb, file, first);
		else if (first->size != ino->size)
			FWG_WARN(file, "cramfs.shared_data", 0,
				"shares data at 0x%zx with %s but claims another size", ino->offset,
				first->fs->path);
		if (file->data)
			return FWG_OK;
	}
	uint8_t *buf;
	st = fwg_fs_content_reserve(x->fsb, file, stored_size(x, ino), ino->size, &buf);
	if (st == FWG_LIMIT || st == FWG_TRUNCATED)
		return FWG_OK;
	if (st != FWG_OK)
		return st;
	size_t bad_off = 0;
	const char *why = NULL;
	unsigned bad = file_decode(x, ino, buf, &bad_off, &why);
	fwg_fs_content_commit(x->fsb, file, ino->size);
	if (bad)
		FWG_ERR(file, "cramfs.data_block", 0,
			"%u block(s) of this file unreadable, zero-filled; first at 0x%zx: %s", bad,
			bad_off, why);
	return FWG_OK;
}

/* A symlink's target: its data, decoded into a temporary buffer.  The
 * kernel reads at most one page of it; longer claims are refused (each
 * symlink would otherwise decode up to 16 MiB outside the budgets). */
static enum fwg_status symlink_target(struct cr_ctx *x, const struct cramfs_inode *ino,
		struct fwg_node *where, char **out)
{
	*out = NULL;
	if (ino->size == 0 || ino->offset == 0)
		return FWG_OK;
	if (ino->size > CRAMFS_PAGE) {
		FWG_ERR(where, "cramfs.symlink", 0,
			"symlink target of 0x%" PRIx32 " bytes is longer than a page; not read", ino->size);
		return FWG_OK;
	}
	if (ino->size > CRAMFS_SYMLINK_WORK - x->symlink_work) {
		if (!x->symlink_work_reported)
			FWG_ERR(x->node, "cramfs.work_limit", 0,
				"symlink targets beyond 0x%x decoded bytes not read", CRAMFS_SYMLINK_WORK);
		x->symlink_work_reported = true;
		return FWG_OK;
	}
	x->symlink_work += ino->size;
	uint8_t *buf = malloc(ino->size);
	if (!buf)
		return FWG_NOMEM;
	size_t bad_off = 0;
	const char *why = NULL;
	if (file_decode(x, ino, buf, &bad_off, &why)) {
		FWG_ERR(where, "cramfs.symlink", bad_off, "symlink target unreadable: %s", why);
		free(buf);
		return FWG_OK;
	}
	*out = (char *)buf;
	return FWG_OK;
}

/* ---- directory walk ------------------------------------------------------- */

static enum fwg_status walk_dir(struct cr_ctx *x, struct fwg_node *dir,
		const struct cramfs_inode *di);

static bool dir_seen(struct cr_ctx *x, size_t offset)
{
	size_t unit = offset / 4;
	bool seen = x->dirs_seen[unit / 8] & (1u << (unit % 8));
	x->dirs_seen[unit / 8] |= (uint8_t)(1u << (unit % 8));
	return seen;
}

static enum fwg_status add_entry(struct cr_ctx *x, struct fwg_node *dir, size_t at,
		const struct cramfs_inode *ino, const char *name, size_t len, bool *bad)
{
	struct fwg_node *where = dir ? dir : x->node;
	*bad = false;
	struct fwg_fs_meta meta = {
		.mode = ino->mode, .uid = ino->uid, .gid = ino->gid,
		.inode = ino->offset ? ino->offset : at + 1,
	};
	switch (ino->mode & S_IFMT) {
	case S_IFDIR:
	case S_IFREG:
	case S_IFLNK:
	case S_IFIFO:
	case S_IFSOCK:
		break;
	case S_IFCHR:
	case S_IFBLK:
		meta.rdev_major = (ino->size >> 8) & 0xff;
		meta.rdev_minor = ino->size & 0xff;
		break;
	default:
		FWG_WARN(where, "cramfs.mode", at, "entry \"%.*s\" has no valid file type (mode 0%o)",
			(int)len, name, ino->mode);
		*bad = true;
		return FWG_OK;
	}
	char *target = NULL;
	if (S_ISLNK(ino->mode)) {
		enum fwg_status st = symlink_target(x, ino, where, &target);
		if (st != FWG_OK)
			return st;
		meta.link_target = target;
		meta.link_target_len = target ? ino->size : 0;
	}
	struct fwg_node *n;
	enum fwg_status st = fwg_fs_add(x->fsb, dir, name, len, &meta, &n);
	free(target);
	if (st == FWG_LIMIT) {
		if (where->depth + 1 < x->opt->limits.max_depth)
			x->stop = true; /* the node budget, not the depth */
		return FWG_OK;
	}
	if (st == FWG_TRUNCATED)
		return FWG_OK;
	if (st != FWG_OK)
		return st;
	if (S_ISREG(ino->mode))
		return file_content(x, n, ino);
	if (!S_ISDIR(ino->mode))
		return FWG_OK;
	return walk_dir(x, n, ino);
}

static enum fwg_status walk_dir(struct cr_ctx *x, struct fwg_node *dir,
		const struct cramfs_inode *di)
{
	struct fwg_node *where = dir ? dir : x->node;
	if (di->size == 0)
		return FWG_OK;
	if (di->offset >= x->img.size || di->size > x->img.size - di->offset) {
		FWG_ERR(where, "cramfs.directory", 0,
			"directory entries 0x%zx+0x%" PRIx32 " lie outside the image", di->offset, di->size);
		return FWG_OK;
	}
	if (dir_seen(x, di->offset)) {
		FWG_ERR(where, "cramfs.dir_loop", 0,
			"directory entries at 0x%zx are listed by more than one directory (a cycle); "
			"not entered again", di->offset);
		return FWG_OK;
	}
	size_t pos = di->offset, end = di->offset + di->size;
	unsigned bad_entries = 0;
	while (pos < end && !x->stop) {
		if (++x->entries_read > x->opt->limits.max_nodes + CRAMFS_ENTRY_SLACK) {
			FWG_ERR(x->node, "limit.nodes", 0,
				"more directory entries read than the node budget allows; walk stopped");
			x->stop = true;
			break;
		}
		struct cramfs_inode ino;
		if (end - pos < CRAMFS_INODE_SIZE || !inode_at(x, pos, &ino)) {
			FWG_ERR(where, "cramfs.directory", pos - di->offset,
				"entry at 0x%zx runs past its directory; rest not read", pos);
			break;
		}
		const uint8_t *name;
		if (ino.namelen == 0 || ino.namelen > end - pos - CRAMFS_INODE_SIZE ||
				fwg_cursor_bytes_at(&x->img, pos + CRAMFS_INODE_SIZE, ino.namelen, &name)
				!= FWG_OK) {
			FWG_ERR(where, "cramfs.directory", pos - di->offset,
				"entry at 0x%zx has a name of 0x%zx bytes that does not fit; rest not read",
				pos, ino.namelen);
			break;
		}
		size_t len = strnlen((const char *)name, ino.namelen);
		bool bad;
		enum fwg_status st = add_entry(x, dir, pos, &ino, (const char *)name, len, &bad);
		if (st != FWG_OK)
			return st;
		if (bad && ++bad_entries > CRAMFS_BAD_ENTRIES) {
			FWG_ERR(where, "cramfs.directory", pos - di->offset,
				"too many invalid entries; rest of the directory not read");
			break;
		}
		pos += CRAMFS_INODE_SIZE + ino.namelen;
	}
	return FWG_OK;
}

/* ---- parse ---------------------------------------------------------------- */

/* mkfs.cramfs sums from the superblock (not the boot pad) to the end. */
static void check_crc(struct cr_ctx *x, size_t so)
{
	uint32_t stored;
	if (u32_at(&x->img, x->be, so + CRAMFS_OFF_CRC, &stored) != FWG_OK)
		return;
	const uint8_t *all = x->img.base;
	size_t crc_at = so + CRAMFS_OFF_CRC;
	static const uint8_t zero[4];
	uLong crc = crc32(0L, Z_NULL, 0);
	crc = crc32_z(crc, all + so, CRAMFS_OFF_CRC);
	crc = crc32_z(crc, zero, sizeof(zero));
	crc = crc32_z(crc, all + crc_at + 4, x->img.size - crc_at - 4);
	fwg_node_attr_hex(x->node, "crc", stored);
	fwg_node_attr_bool(x->node, "crc_ok", crc == stored);
	if (crc != stored)
		FWG_ERR(x->node, "cramfs.crc", crc_at,
			"fsid crc 0x%08" PRIx32 " does not match the image (computed 0x%08lx)", stored, crc);
}

static enum fwg_status cramfs_read(struct cr_ctx *x, size_t so)
{
	uint32_t edition, blocks, files;
	char name[17] = { 0 };
	if (u32_at(&x->img, x->be, so + CRAMFS_OFF_EDITION, &edition) == FWG_OK &&
			u32_at(&x->img, x->be, so + CRAMFS_OFF_BLOCKS, &blocks) == FWG_OK &&
			u32_at(&x->img, x->be, so + CRAMFS_OFF_FILES, &files) == FWG_OK &&
			fwg_cursor_copy_at(&x->img, so + CRAMFS_OFF_NAME, name, 16) == FWG_OK) {
		if (x->flags & CRAMFS_FLAG_FSID_V2) {
			fwg_node_attr_int(x->node, "edition", edition);
			fwg_node_attr_int(x->node, "blocks", blocks);
			fwg_node_attr_int(x->node, "files", files);
		}
		char *safe = fwg_text_escape_name(name, strnlen(name, 16));
		if (!safe)
			return FWG_NOMEM;
		fwg_node_attr_str(x->node, "volume_name", safe);
		free(safe);
	}
	if (x->flags & CRAMFS_FLAG_FSID_V2)
		check_crc(x, so);
	struct cramfs_inode root;
	if (!inode_at(x, so + CRAMFS_OFF_ROOT, &root) || !S_ISDIR(root.mode)) {
		FWG_ERR(x->node, "cramfs.root", so + CRAMFS_OFF_ROOT, "root inode is not a directory");
		return FWG_OK;
	}
	if (root.offset && !(x->flags & CRAMFS_FLAG_SHIFTED_ROOT) &&
			root.offset != CRAMFS_SUPER_SIZE && root.offset != CRAMFS_PAD + CRAMFS_SUPER_SIZE)
		FWG_WARN(x->node, "cramfs.root_offset", so + CRAMFS_OFF_ROOT,
			"root directory at 0x%zx, not right after the superblock (the kernel refuses this)",
			root.offset);
	fwg_node_attr_strf(x->node, "root_mode", "%04o", root.mode & 07777u);
	x->dirs_seen = calloc(x->img.size / 32 + 1, 1);
	if (!x->dirs_seen)
		return FWG_NOMEM;
	enum fwg_status st = fwg_fs_begin(x->u, x->node, &x->fsb);
	if (st == FWG_OK)
		st = walk_dir(x, NULL, &root);
	return st;
}

static enum fwg_status cramfs_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	struct fwg_cursor body = fwg_node_body(node);
	struct cr_ctx x = { .u = u, .node = node, .opt = fwg_unpack_options(u) };
	size_t so;
	uint32_t size;
	if (!find_super(&body, &so, &x.be) || u32_at(&body, x.be, so + CRAMFS_OFF_SIZE, &size) != FWG_OK ||
			u32_at(&body, x.be, so + CRAMFS_OFF_FLAGS, &x.flags) != FWG_OK ||
			!fwg_cursor_has(&body, so, CRAMFS_SUPER_SIZE)) {
		FWG_ERR(node, "cramfs.truncated", 0, "no complete cramfs superblock");
		return FWG_OK;
	}
	fwg_node_attr_str(node, "byte_order", x.be ? "big-endian" : "little-endian");
	fwg_node_attr_int(node, "size", size);
	fwg_node_attr_hex(node, "flags", x.flags);
	if (so)
		fwg_node_attr_int(node, "superblock_offset", so);
	uint8_t sig[16];
	if (fwg_cursor_copy_at(&body, so + CRAMFS_OFF_SIGNATURE, sig, sizeof(sig)) != FWG_OK ||
			memcmp(sig, CRAMFS_SIGNATURE, sizeof(sig)) != 0)
		FWG_WARN(node, "cramfs.signature", so + CRAMFS_OFF_SIGNATURE,
			"signature is not \"Compressed ROMFS\"");
	if (x.flags & ~CRAMFS_FLAGS_KNOWN)
		FWG_WARN(node, "cramfs.flags", so + CRAMFS_OFF_FLAGS,
			"unknown feature flags 0x%" PRIx32, x.flags & ~CRAMFS_FLAGS_KNOWN);
	size_t avail = body.size;
	if (!(x.flags & CRAMFS_FLAG_FSID_V2)) {
		/* version 1 images carry no size: use what is there */
	} else if (size > body.size) {
		FWG_ERR(node, "cramfs.truncated", so + CRAMFS_OFF_SIZE,
			"size 0x%" PRIx32 " exceeds the 0x%zx bytes available; reading what is there",
			size, body.size);
	} else if (size < so + CRAMFS_SUPER_SIZE) {
		FWG_ERR(node, "cramfs.size", so + CRAMFS_OFF_SIZE, "size 0x%" PRIx32 " is too small",
			size);
		return FWG_OK;
	} else {
		avail = size;
	}
	x.img = fwg_cursor_make(body.base, avail);
	enum fwg_status st = cramfs_read(&x, so);
	fwg_fs_end(x.fsb);
	if (x.z_ready)
		inflateEnd(&x.z);
	free(x.dirs_seen);
	free(x.by_offset_node);
	free(x.by_offset_key);
	return st;
}

static const struct fwg_magic cramfs_magics[] = {
	{ CRAMFS_MAGIC_LE, 4, 0 },
	{ CRAMFS_MAGIC_BE, 4, 0 },
	{ CRAMFS_MAGIC_LE, 4, CRAMFS_PAD },
	{ CRAMFS_MAGIC_BE, 4, CRAMFS_PAD },
	{ NULL, 0, 0 },
};

const struct fwg_handler fwg_handler_cramfs = {
	.name = "cramfs",
	.description = "cramfs compressed ROM filesystem (either byte order)",
	.node_type = FWG_TYPE_CRAMFS,
	.probe = cramfs_probe,
	.parse = cramfs_parse,
	.magics = cramfs_magics,
	.extent = cramfs_extent,
};
