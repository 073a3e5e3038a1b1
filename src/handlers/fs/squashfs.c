/*
 * squashfs.c - squashfs filesystems: every directory, file, symlink and
 * device of a squashfs 4.0 image becomes a component (through fs.h), with
 * file contents decoded under the unpacking budgets.  Layout and field
 * offsets: squashfs_format.h.
 *
 * Division of labour with libsquashfs (squashfs-tools-ng): the library
 * validates the superblock (sqfs_super_read over a read-only in-memory
 * sqfs_file_t), provides the compressors and their stored options
 * (sqfs_compressor_create, read_options, do_block: every metadata and data
 * block is decoded by it) and reads the id table.  Inodes, directory
 * listings and the fragment table are parsed here, through the cursor,
 * from metadata tables decoded once: libsquashfs's inode reader allocates
 * a file's block list from its claimed size, a symlink buffer from its
 * claimed target size and a directory index from its claimed entries
 * before it knows the table holds them (a hostile image turns that into
 * gigabyte allocations), and its readers decode a metadata block again on
 * every seek.
 *
 * Walk and invariants:
 *  - metadata tables are decoded block by block, each block at most 8 KiB,
 *    a table at most SQ_TABLE_CAP bytes and the per-stream budget;
 *  - each directory inode is entered once (a set of inode references):
 *    directory cycles and directory hard links end in a diagnostic, so the
 *    walk reads each listing at most once and stops at the node budget;
 *    nesting is bounded by limits.max_depth through fwg_fs_add;
 *  - a directory listing's entries are read only inside its stated size,
 *    at most 256 per header, names at most 256 bytes;
 *  - a file's block list must lie inside the inode table and its content
 *    is reserved through fwg_fs_content_reserve (size, total and ratio
 *    budgets) before anything is decoded; block offsets are checked
 *    against the image; a block that fails to decode is zero-filled and
 *    reported, the rest of the file survives;
 *  - data blocks decode straight into the file's buffer, on worker threads
 *    with one compressor each; files stored uncompressed and contiguously
 *    are windows of the image, not copies; hard links share content.
 *
 * Versions 1.x-3.x (either byte order) are recognised and reported but
 * not read: libsquashfs reads 4.0 only.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lzo1x.h>
#include <sqfs/compressor.h>
#include <sqfs/error.h>
#include <sqfs/id_table.h>
#include <sqfs/io.h>
#include <sqfs/super.h>

#include "../../core/fs.h"
#include "../../core/handler.h"
#include "../../core/registry.h"
#include "squashfs_format.h"

/* Decoded metadata table budget (also at most limits.max_decoded_single).
 * No ratio: block lists of large sparse files are zeros that compress
 * 300:1, and a metadata block cannot decode to more than 8 KiB anyway. */
#define SQ_TABLE_CAP (256u << 20)
/* Decode on threads only when there is this much data to produce. */
#define SQ_THREAD_MIN_BYTES (2u << 20)
#define SQ_MAX_THREADS 16
/* Consecutive files a worker takes at once (fragment locality). */
#define SQ_JOB_CHUNK 8
/* The kernel refuses symlink targets longer than a page. */
#define SQ_SYMLINK_MAX 4096
/* Work bounds against images whose inodes and listings overlap: block size
 * words examined in all, listing entries read in all (beyond the node
 * budget), unreadable inodes before a listing is abandoned. */
#define SQ_LIST_WORK (64u << 20)
#define SQ_ENTRY_SLACK 4096
#define SQ_BAD_ENTRIES 32

struct sq_super {
	uint32_t inode_count, mkfs_time, block_size, frag_count;
	uint16_t compressor, block_log, flags, id_count, major, minor;
	uint64_t root_ref, bytes_used, id_table, xattr_table, inode_table, dir_table,
		frag_table, export_table;
};

/* A decoded run of metadata blocks and where each block landed. */
struct sq_block_map {
	uint64_t stored;  /* block offset from the table start */
	size_t decoded;   /* offset of its bytes in data */
};
struct sq_table {
	uint8_t *data;
	size_t len, cap;
	struct sq_block_map *blocks;
	size_t nblocks, blocks_cap;
};

/* The image as a read-only sqfs_file_t for libsquashfs. */
struct sq_mem_file {
	sqfs_file_t base;
	const uint8_t *data;
	size_t size;
};

struct sq_inode {
	uint16_t type;      /* basic type 1..7 (extended types folded) */
	bool extended;
	uint32_t mode;      /* st_mode with type bits */
	uint32_t uid, gid;
	uint32_t mtime, number;
	uint32_t rdev;
	/* directories */
	uint32_t dir_block, dir_size;
	uint16_t dir_offset;
	/* files */
	uint64_t blocks_start, file_size;
	uint32_t frag, frag_offset;
	size_t list_pos;    /* block size words in the inode table */
	size_t nblocks;
	/* symlinks */
	size_t target_pos;
	uint32_t target_len;
};

/* A file whose blocks a worker decodes into buf. */
struct sq_job {
	struct fwg_node *file;
	uint8_t *buf;
	uint64_t size;
	uint64_t blocks_start;
	size_t list_pos, nblocks;
	uint64_t frag_start;
	uint32_t frag_word, frag_offset, tail;
	/* outcome, written by the one worker that decodes this job */
	uint32_t bad_blocks;
	uint64_t bad_offset;
	const char *bad_reason;
};

struct sq_share {
	struct fwg_node *file, *target;
	bool hard_link;     /* else mksquashfs's deduplicated content */
};

/* Open-addressing map from a 64-bit key (an inode reference, a content
 * key) to an index: directories entered, files already seen. */
struct sq_refmap {
	uint64_t *keys;     /* key + 1; 0 = empty */
	size_t *vals;
	size_t cap, used;
};

/* A file whose content is set up, for hard links and duplicates. */
struct sq_file_rec {
	struct fwg_node *node;
	uint64_t blocks_start, size;
	uint32_t frag, frag_offset;
	size_t list_pos, nblocks;
};

struct sq_ctx {
	struct fwg_unpack *u;
	struct fwg_node *node;
	struct fwg_fs_builder *fsb;
	const struct fwg_options *opt;
	struct fwg_cursor img;      /* the image up to bytes_used */
	struct sq_super sb;
	struct sq_mem_file file;
	sqfs_super_t lib_super;
	sqfs_compressor_config_t cmp_cfg;
	sqfs_compressor_t *cmp;
	sqfs_id_table_t *ids;
	struct sq_table inodes, dirs;
	/* fragment table: index entries, lazily decoded metadata blocks */
	size_t frag_nidx;
	uint8_t **frag_blk;
	uint16_t *frag_len;          /* 0 = not decoded yet or bad */
	bool *frag_bad;
	struct sq_refmap dirs_seen, files_seen, contents;
	struct sq_file_rec *recs;
	size_t nrecs, recs_cap;
	struct sq_job *jobs;
	size_t njobs, jobs_cap;
	struct sq_share *shares;
	size_t nshares, shares_cap;
	bool stop;                   /* node budget exhausted */
	/* libsquashfs's lzma decoder reports the size the block header
	 * claims even when the stream ends early: clear output first. */
	bool clear_output;
	bool bad_id_reported, type_mismatch_reported, work_reported;
	uint64_t list_work, entries_read;
	atomic_size_t next_job;
};

/* ---- superblock --------------------------------------------------------- */

static bool read_super(const struct fwg_cursor *c, struct sq_super *s)
{
	return fwg_cursor_u32le_at(c, SQ_OFF_INODE_COUNT, &s->inode_count) == FWG_OK &&
		fwg_cursor_u32le_at(c, SQ_OFF_MKFS_TIME, &s->mkfs_time) == FWG_OK &&
		fwg_cursor_u32le_at(c, SQ_OFF_BLOCK_SIZE, &s->block_size) == FWG_OK &&
		fwg_cursor_u32le_at(c, SQ_OFF_FRAG_COUNT, &s->frag_count) == FWG_OK &&
		fwg_cursor_u16le_at(c, SQ_OFF_COMPRESSOR, &s->compressor) == FWG_OK &&
		fwg_cursor_u16le_at(c, SQ_OFF_BLOCK_LOG, &s->block_log) == FWG_OK &&
		fwg_cursor_u16le_at(c, SQ_OFF_FLAGS, &s->flags) == FWG_OK &&
		fwg_cursor_u16le_at(c, SQ_OFF_ID_COUNT, &s->id_count) == FWG_OK &&
		fwg_cursor_u16le_at(c, SQ_OFF_MAJOR, &s->major) == FWG_OK &&
		fwg_cursor_u16le_at(c, SQ_OFF_MINOR, &s->minor) == FWG_OK &&
		fwg_cursor_u64le_at(c, SQ_OFF_ROOT_INODE, &s->root_ref) == FWG_OK &&
		fwg_cursor_u64le_at(c, SQ_OFF_BYTES_USED, &s->bytes_used) == FWG_OK &&
		fwg_cursor_u64le_at(c, SQ_OFF_ID_TABLE, &s->id_table) == FWG_OK &&
		fwg_cursor_u64le_at(c, SQ_OFF_XATTR_TABLE, &s->xattr_table) == FWG_OK &&
		fwg_cursor_u64le_at(c, SQ_OFF_INODE_TABLE, &s->inode_table) == FWG_OK &&
		fwg_cursor_u64le_at(c, SQ_OFF_DIR_TABLE, &s->dir_table) == FWG_OK &&
		fwg_cursor_u64le_at(c, SQ_OFF_FRAG_TABLE, &s->frag_table) == FWG_OK &&
		fwg_cursor_u64le_at(c, SQ_OFF_EXPORT_TABLE, &s->export_table) == FWG_OK;
}

static bool super_sane(const struct sq_super *s)
{
	return s->block_log >= SQ_MIN_BLOCK_LOG && s->block_log <= SQ_MAX_BLOCK_LOG &&
		s->block_size == (1u << s->block_log) &&
		s->compressor >= SQFS_COMP_MIN && s->compressor <= SQFS_COMP_MAX;
}

/* Magic and version, in the image's byte order; false if not squashfs. */
static bool read_version(const struct fwg_cursor *c, bool *big_endian, uint16_t *major,
		uint16_t *minor)
{
	uint8_t m[4];
	if (fwg_cursor_copy_at(c, 0, m, sizeof(m)) != FWG_OK)
		return false;
	if (memcmp(m, SQ_MAGIC_LE, 4) == 0)
		*big_endian = false;
	else if (memcmp(m, SQ_MAGIC_BE, 4) == 0)
		*big_endian = true;
	else
		return false;
	if (*big_endian)
		return fwg_cursor_u16be_at(c, SQ_OFF_MAJOR, major) == FWG_OK &&
			fwg_cursor_u16be_at(c, SQ_OFF_MINOR, minor) == FWG_OK;
	return fwg_cursor_u16le_at(c, SQ_OFF_MAJOR, major) == FWG_OK &&
		fwg_cursor_u16le_at(c, SQ_OFF_MINOR, minor) == FWG_OK;
}

static int squashfs_probe(const struct fwg_cursor *body)
{
	bool be;
	uint16_t major, minor;
	if (!read_version(body, &be, &major, &minor))
		return 0;
	if (!be && major == 4 && minor == 0) {
		struct sq_super s;
		if (!read_super(body, &s) || !super_sane(&s))
			return 30;
		if (s.bytes_used < SQ_SUPER_SIZE || s.bytes_used > body->size)
			return 60; /* truncated: still ours, parse reports it */
		return 90;
	}
	if (major >= 1 && major <= 3)
		return 50;
	return 0;
}

/* bytes_used of any version, 0 if unknown. */
static uint64_t bytes_used_any(const struct fwg_cursor *c)
{
	bool be;
	uint16_t major, minor;
	if (!read_version(c, &be, &major, &minor))
		return 0;
	uint64_t v = 0;
	uint32_t v32 = 0;
	enum fwg_status st;
	if (major == 4) {
		st = be ? fwg_cursor_u64be_at(c, SQ_OFF_BYTES_USED, &v) :
			fwg_cursor_u64le_at(c, SQ_OFF_BYTES_USED, &v);
	} else if (major == 3) {
		st = be ? fwg_cursor_u64be_at(c, SQ_V3_OFF_BYTES_USED, &v) :
			fwg_cursor_u64le_at(c, SQ_V3_OFF_BYTES_USED, &v);
	} else if (major == 1 || major == 2) {
		st = be ? fwg_cursor_u32be_at(c, SQ_V2_OFF_BYTES_USED, &v32) :
			fwg_cursor_u32le_at(c, SQ_V2_OFF_BYTES_USED, &v32);
		v = v32;
	} else {
		return 0;
	}
	return st == FWG_OK ? v : 0;
}

/* bytes_used, plus mksquashfs's zero padding to 4 KiB when it is there. */
static uint64_t squashfs_extent(const struct fwg_cursor *body)
{
	uint64_t used = bytes_used_any(body);
	if (used < SQ_SUPER_SIZE || used > body->size)
		return 0;
	size_t padded;
	if (fwg_align_up((size_t)used, SQ_DEVBLK_SIZE, &padded) && padded <= body->size &&
			padded > used && fwg_cursor_all_equal(body, (size_t)used, padded - (size_t)used, 0))
		return padded;
	return used;
}

static void report_legacy(struct fwg_node *node, const struct fwg_cursor *body, bool be,
		uint16_t major, uint16_t minor)
{
	fwg_node_attr_strf(node, "version", "%u.%u", major, minor);
	fwg_node_attr_str(node, "byte_order", be ? "big-endian" : "little-endian");
	uint64_t used = bytes_used_any(body);
	if (used)
		fwg_node_attr_int(node, "bytes_used", used);
	if (be && major == 4)
		FWG_ERR(node, "squashfs.unsupported_version", SQ_OFF_MAJOR,
			"big-endian squashfs 4.0 does not exist in the kernel's format; contents not read");
	else
		FWG_ERR(node, "squashfs.unsupported_version", SQ_OFF_MAJOR,
			"squashfs version %u.%u (%s) is not read: libsquashfs reads 4.0 only",
			major, minor, be ? "big-endian" : "little-endian");
}

static void set_super_attrs(struct fwg_node *node, const struct sq_super *s)
{
	static const struct { uint16_t bit; const char *name; } names[] = {
		{ SQ_FLAG_UNCOMPRESSED_INODES, "uncompressed_inodes" },
		{ SQ_FLAG_UNCOMPRESSED_DATA, "uncompressed_data" },
		{ SQ_FLAG_CHECK, "check" },
		{ SQ_FLAG_UNCOMPRESSED_FRAGMENTS, "uncompressed_fragments" },
		{ SQ_FLAG_NO_FRAGMENTS, "no_fragments" },
		{ SQ_FLAG_ALWAYS_FRAGMENTS, "always_fragments" },
		{ SQ_FLAG_DUPLICATES, "duplicates" },
		{ SQ_FLAG_EXPORTABLE, "exportable" },
		{ SQ_FLAG_UNCOMPRESSED_XATTRS, "uncompressed_xattrs" },
		{ SQ_FLAG_NO_XATTRS, "no_xattrs" },
		{ SQ_FLAG_COMPRESSOR_OPTIONS, "compressor_options" },
		{ SQ_FLAG_UNCOMPRESSED_IDS, "uncompressed_ids" },
	};
	fwg_node_attr_strf(node, "version", "%u.%u", s->major, s->minor);
	const char *cname = sqfs_compressor_name_from_id((SQFS_COMPRESSOR)s->compressor);
	if (cname)
		fwg_node_attr_str(node, "compressor", cname);
	else
		fwg_node_attr_strf(node, "compressor", "unknown (%u)", s->compressor);
	fwg_node_attr_int(node, "block_size", s->block_size);
	fwg_node_attr_int(node, "inode_count", s->inode_count);
	fwg_node_attr_int(node, "fragment_count", s->frag_count);
	fwg_node_attr_int(node, "id_count", s->id_count);
	fwg_node_attr_int(node, "bytes_used", s->bytes_used);
	fwg_node_attr_int(node, "mkfs_time", s->mkfs_time);
	fwg_node_attr_hex(node, "flags", s->flags);
	char buf[320];
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(s->flags & names[i].bit))
			continue;
		int w = snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? "," : "", names[i].name);
		if (w < 0 || (size_t)w >= sizeof(buf) - n)
			break;
		n += (size_t)w;
	}
	fwg_node_attr_str(node, "flag_names", buf);
	fwg_node_attr_bool(node, "xattrs", s->xattr_table != SQ_NO_TABLE);
	fwg_node_attr_bool(node, "export_table", s->export_table != SQ_NO_TABLE);
}

/* ---- libsquashfs glue ---------------------------------------------------- */

static int mem_read_at(sqfs_file_t *f, sqfs_u64 offset, void *buffer, size_t size)
{
	const struct sq_mem_file *m = (const struct sq_mem_file *)f;
	struct fwg_cursor c = fwg_cursor_make(m->data, m->size);
	if (offset > SIZE_MAX || fwg_cursor_copy_at(&c, (size_t)offset, buffer, size) != FWG_OK)
		return SQFS_ERROR_OUT_OF_BOUNDS;
	return 0;
}

static int mem_write_at(sqfs_file_t *f, sqfs_u64 offset, const void *buffer, size_t size)
{
	(void)f;
	(void)offset;
	(void)buffer;
	(void)size;
	return SQFS_ERROR_IO;
}

static sqfs_u64 mem_get_size(const sqfs_file_t *f)
{
	return ((const struct sq_mem_file *)f)->size;
}

static int mem_truncate(sqfs_file_t *f, sqfs_u64 size)
{
	(void)f;
	(void)size;
	return SQFS_ERROR_IO;
}

/* The file object lives inside the context: nothing to free. */
static void mem_destroy(sqfs_object_t *obj)
{
	(void)obj;
}

static const char *sqfs_error_text(int err)
{
	switch (err) {
	case SQFS_ERROR_ALLOC: return "out of memory";
	case SQFS_ERROR_IO: return "i/o error";
	case SQFS_ERROR_COMPRESSOR: return "decompression failed";
	case SQFS_ERROR_CORRUPTED: return "corrupted";
	case SQFS_ERROR_UNSUPPORTED: return "unsupported";
	case SQFS_ERROR_OVERFLOW: return "numeric overflow";
	case SQFS_ERROR_OUT_OF_BOUNDS: return "out of bounds";
	case SFQS_ERROR_SUPER_MAGIC: return "bad magic";
	case SFQS_ERROR_SUPER_VERSION: return "unsupported version";
	case SQFS_ERROR_SUPER_BLOCK_SIZE: return "bad block size";
	default: return "error";
	}
}

/*
 * LZO: Debian builds libsquashfs without it (LZO is GPL, the library LGPL),
 * so a decompress-only compressor over liblzo2 stands in, used only when
 * libsquashfs reports LZO unsupported.  Its stored options (algorithm,
 * level) only matter for compressing.
 */
static sqfs_s32 lzo_do_block(sqfs_compressor_t *cmp, const sqfs_u8 *in, sqfs_u32 size,
		sqfs_u8 *out, sqfs_u32 outsize)
{
	(void)cmp;
	lzo_uint len = outsize;
	if (lzo1x_decompress_safe(in, size, out, &len, NULL) != LZO_E_OK || len > outsize)
		return SQFS_ERROR_COMPRESSOR;
	return (sqfs_s32)len;
}

static int lzo_read_options(sqfs_compressor_t *cmp, sqfs_file_t *file)
{
	(void)cmp;
	(void)file;
	return 0;
}

static void lzo_destroy(sqfs_object_t *obj)
{
	free(obj);
}

static int lzo_compressor_new(sqfs_compressor_t **out)
{
	if (lzo_init() != LZO_E_OK)
		return SQFS_ERROR_UNSUPPORTED;
	sqfs_compressor_t *c = calloc(1, sizeof(*c));
	if (!c)
		return SQFS_ERROR_ALLOC;
	c->base.destroy = lzo_destroy;
	c->read_options = lzo_read_options;
	c->do_block = lzo_do_block;
	*out = c;
	return 0;
}

static int compressor_new(struct sq_ctx *x, sqfs_compressor_t **out)
{
	*out = NULL;
	sqfs_compressor_t *c = NULL;
	int err = sqfs_compressor_create(&x->cmp_cfg, &c);
	if (err == SQFS_ERROR_UNSUPPORTED && x->sb.compressor == SQFS_COMP_LZO)
		err = lzo_compressor_new(&c);
	if (err)
		return err;
	if (x->sb.flags & SQ_FLAG_COMPRESSOR_OPTIONS) {
		err = c->read_options(c, &x->file.base);
		if (err) {
			sqfs_destroy(c);
			return err;
		}
	}
	*out = c;
	return 0;
}

/* ---- inode reference map ------------------------------------------------- */

static size_t refmap_slot(const struct sq_refmap *m, uint64_t key)
{
	uint64_t h = key * 0x9e3779b97f4a7c15ull;
	size_t i = (size_t)(h >> 20) & (m->cap - 1);
	while (m->keys[i] && m->keys[i] != key)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static bool refmap_get(const struct sq_refmap *m, uint64_t ref, size_t *val)
{
	if (!m->cap)
		return false;
	size_t i = refmap_slot(m, ref + 1);
	if (!m->keys[i])
		return false;
	*val = m->vals[i];
	return true;
}

static bool refmap_has(const struct sq_refmap *m, uint64_t ref)
{
	return m->cap && m->keys[refmap_slot(m, ref + 1)] != 0;
}

static enum fwg_status refmap_put(struct sq_refmap *m, uint64_t ref, size_t val)
{
	if ((m->used + 1) * 4 > m->cap * 3) {
		size_t ncap = m->cap ? m->cap * 2 : 256;
		struct sq_refmap n = { calloc(ncap, sizeof(uint64_t)), calloc(ncap, sizeof(size_t)),
			ncap, m->used };
		if (!n.keys || !n.vals) {
			free(n.keys);
			free(n.vals);
			return FWG_NOMEM;
		}
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->keys[i])
				continue;
			size_t j = refmap_slot(&n, m->keys[i]);
			n.keys[j] = m->keys[i];
			n.vals[j] = m->vals[i];
		}
		free(m->keys);
		free(m->vals);
		*m = n;
	}
	size_t i = refmap_slot(m, ref + 1);
	if (!m->keys[i])
		m->used++;
	m->keys[i] = ref + 1;
	m->vals[i] = val;
	return FWG_OK;
}

static void refmap_free(struct sq_refmap *m)
{
	free(m->keys);
	free(m->vals);
}

/* ---- metadata blocks ------------------------------------------------------ */

/*
 * Decodes the metadata block at pos (absolute, before limit) into out
 * (SQ_META_SIZE bytes).  Returns NULL on success, else the reason.
 */
static const char *meta_block(struct sq_ctx *x, uint64_t pos, uint64_t limit, uint8_t *out,
		size_t *decoded, size_t *stored_total)
{
	uint16_t hdr;
	if (limit > x->img.size)
		limit = x->img.size;
	if (pos > SIZE_MAX || pos >= limit || limit - pos < 2 ||
			fwg_cursor_u16le_at(&x->img, (size_t)pos, &hdr) != FWG_OK)
		return "header past the end of the table";
	size_t stored = hdr & SQ_META_SIZE_MASK;
	if (stored == 0 || stored > SQ_META_SIZE)
		return "stored size 0 or above 8 KiB";
	if (stored > limit - pos - 2)
		return "block runs past the end of the table";
	const uint8_t *in;
	if (fwg_cursor_bytes_at(&x->img, (size_t)pos + 2, stored, &in) != FWG_OK)
		return "block runs past the end of the image";
	if (hdr & SQ_META_UNCOMPRESSED) {
		memcpy(out, in, stored);
		*decoded = stored;
	} else {
		if (x->clear_output)
			memset(out, 0, SQ_META_SIZE);
		sqfs_s32 r = x->cmp->do_block(x->cmp, in, (sqfs_u32)stored, out, SQ_META_SIZE);
		if (r <= 0)
			return "block does not decompress";
		*decoded = (size_t)r;
	}
	*stored_total = stored + 2;
	return NULL;
}

static enum fwg_status table_grow(struct sq_table *t)
{
	if (t->cap - t->len < SQ_META_SIZE) {
		size_t ncap = t->cap ? t->cap * 2 : 4 * SQ_META_SIZE;
		uint8_t *p = realloc(t->data, ncap);
		if (!p)
			return FWG_NOMEM;
		t->data = p;
		t->cap = ncap;
	}
	if (t->nblocks == t->blocks_cap) {
		size_t ncap = t->blocks_cap ? t->blocks_cap * 2 : 64;
		struct sq_block_map *p = realloc(t->blocks, ncap * sizeof(*p));
		if (!p)
			return FWG_NOMEM;
		t->blocks = p;
		t->blocks_cap = ncap;
	}
	return FWG_OK;
}

/* Decodes the run of metadata blocks [start, end) of the image. */
static enum fwg_status table_decode(struct sq_ctx *x, struct sq_table *t, uint64_t start,
		uint64_t end, const char *what)
{
	uint64_t cap = SQ_TABLE_CAP;
	if (cap > x->opt->limits.max_decoded_single)
		cap = x->opt->limits.max_decoded_single;
	for (uint64_t pos = start; pos < end;) {
		if (t->len + SQ_META_SIZE > cap) {
			FWG_ERR(x->node, "squashfs.table_limit", pos,
				"%s table decodes to more than 0x%" PRIx64 " bytes; rest not read", what, cap);
			break;
		}
		enum fwg_status st = table_grow(t);
		if (st != FWG_OK)
			return st;
		size_t got, used;
		const char *why = meta_block(x, pos, end, t->data + t->len, &got, &used);
		if (why) {
			FWG_ERR(x->node, "squashfs.metadata_block", pos,
				"%s table metadata block at 0x%" PRIx64 ": %s; rest of the table not read",
				what, pos, why);
			break;
		}
		t->blocks[t->nblocks].stored = pos - start;
		t->blocks[t->nblocks].decoded = t->len;
		t->nblocks++;
		t->len += got;
		pos += used;
	}
	return FWG_OK;
}

/* Position in t's decoded bytes of (block, offset), false if none. */
static bool table_locate(const struct sq_table *t, uint64_t block, uint32_t offset, size_t *pos)
{
	size_t lo = 0, hi = t->nblocks;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->blocks[mid].stored < block)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == t->nblocks || t->blocks[lo].stored != block)
		return false;
	size_t begin = t->blocks[lo].decoded;
	size_t end = lo + 1 < t->nblocks ? t->blocks[lo + 1].decoded : t->len;
	if (offset >= end - begin)
		return false;
	*pos = begin + offset;
	return true;
}

static void table_free(struct sq_table *t)
{
	free(t->data);
	free(t->blocks);
}

/*
 * Where the directory table ends: at the next table the superblock names,
 * or at the first metadata block of the fragment, export or id tables,
 * which mksquashfs writes before their location arrays.
 */
static uint64_t dir_table_end(const struct sq_ctx *x)
{
	const struct sq_super *s = &x->sb;
	uint64_t end = s->bytes_used;
	const uint64_t starts[] = { s->frag_table, s->export_table, s->id_table, s->xattr_table };
	for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
		uint64_t v = starts[i], first;
		if (v == SQ_NO_TABLE || v <= s->dir_table)
			continue;
		if (v < end)
			end = v;
		if (i < 3 && v <= SIZE_MAX &&
				fwg_cursor_u64le_at(&x->img, (size_t)v, &first) == FWG_OK &&
				first > s->dir_table && first < end)
			end = first;
	}
	return end;
}

/* ---- fragment table ------------------------------------------------------- */

static enum fwg_status frag_init(struct sq_ctx *x)
{
	const struct sq_super *s = &x->sb;
	if (s->frag_count == 0 || s->frag_table == SQ_NO_TABLE)
		return FWG_OK;
	size_t want = ((size_t)s->frag_count + SQ_FRAG_PER_BLOCK - 1) / SQ_FRAG_PER_BLOCK;
	size_t fits = 0;
	if (s->frag_table < x->img.size)
		fits = (x->img.size - (size_t)s->frag_table) / 8;
	if (want > fits) {
		FWG_ERR(x->node, "squashfs.fragment_table", s->frag_table,
			"fragment table of %u entries needs 0x%zx index bytes at 0x%" PRIx64
			" but the image holds 0x%zx", s->frag_count, want * 8, s->frag_table, fits * 8);
		want = fits;
	}
	if (!want)
		return FWG_OK;
	x->frag_blk = calloc(want, sizeof(*x->frag_blk));
	x->frag_len = calloc(want, sizeof(*x->frag_len));
	x->frag_bad = calloc(want, sizeof(*x->frag_bad));
	if (!x->frag_blk || !x->frag_len || !x->frag_bad)
		return FWG_NOMEM;
	x->frag_nidx = want;
	return FWG_OK;
}

/* Fragment entry index: its block's start and size word. */
static enum fwg_status frag_lookup(struct sq_ctx *x, struct fwg_node *file, uint32_t index,
		uint64_t *start, uint32_t *word, bool *found)
{
	*found = false;
	size_t b = index / SQ_FRAG_PER_BLOCK;
	if (index >= x->sb.frag_count || b >= x->frag_nidx) {
		FWG_ERR(file, "squashfs.fragment_index", 0,
			"fragment index %u outside the fragment table (%u entries)", index, x->sb.frag_count);
		return FWG_OK;
	}
	if (!x->frag_blk[b] && !x->frag_bad[b]) {
		uint64_t loc = 0;
		size_t got = 0, used;
		const char *why = "location outside the image";
		uint8_t *blk = malloc(SQ_META_SIZE);
		if (!blk)
			return FWG_NOMEM;
		if (fwg_cursor_u64le_at(&x->img, (size_t)x->sb.frag_table + b * 8, &loc) == FWG_OK)
			why = meta_block(x, loc, x->sb.frag_table, blk, &got, &used);
		if (why) {
			free(blk);
			x->frag_bad[b] = true;
			FWG_ERR(x->node, "squashfs.fragment_table", x->sb.frag_table + b * 8,
				"fragment table block %zu at 0x%" PRIx64 ": %s", b, loc, why);
		} else {
			x->frag_blk[b] = blk;
			x->frag_len[b] = (uint16_t)got;
		}
	}
	if (x->frag_bad[b])
		return FWG_OK;
	struct fwg_cursor c = fwg_cursor_make(x->frag_blk[b], x->frag_len[b]);
	size_t off = (size_t)(index % SQ_FRAG_PER_BLOCK) * SQ_FRAG_ENTRY_SIZE;
	if (fwg_cursor_u64le_at(&c, off, start) != FWG_OK ||
			fwg_cursor_u32le_at(&c, off + 8, word) != FWG_OK) {
		FWG_ERR(file, "squashfs.fragment_index", 0,
			"fragment entry %u lies past its decoded table block", index);
		return FWG_OK;
	}
	*found = true;
	return FWG_OK;
}

/* ---- inodes --------------------------------------------------------------- */

static const uint32_t type_mode[] = {
	0, S_IFDIR, S_IFREG, S_IFLNK, S_IFBLK, S_IFCHR, S_IFIFO, S_IFSOCK,
};

/* Resolves an id-table index; 0 with a diagnostic when out of range. */
static uint32_t id_lookup(struct sq_ctx *x, uint16_t index)
{
	sqfs_u32 id = 0;
	if (x->ids && sqfs_id_table_index_to_id(x->ids, index, &id) == 0)
		return id;
	if (!x->bad_id_reported)
		FWG_WARN(x->node, "squashfs.id_index", x->sb.id_table,
			"uid/gid index %u outside the id table (%u ids); reported as 0", index,
			x->sb.id_count);
	x->bad_id_reported = true;
	return 0;
}

/* Blocks of a file: full blocks, plus the tail unless it is in a fragment. */
static bool file_block_count(uint64_t size, uint32_t block_log, uint32_t frag, uint64_t *count)
{
	uint64_t n = size >> block_log;
	if (frag == SQ_NO_FRAGMENT && (size & ((1ull << block_log) - 1)))
		n++;
	*count = n;
	return n <= SIZE_MAX / 4;
}

/*
 * Reads the inode at ref from the decoded inode table.  Returns NULL on
 * success, else the reason it cannot be read.
 */
static const char *inode_read(struct sq_ctx *x, uint64_t ref, struct sq_inode *ino)
{
	memset(ino, 0, sizeof(*ino));
	size_t p;
	if (!table_locate(&x->inodes, ref >> 16, (uint32_t)(ref & 0xffff), &p))
		return "reference outside the decoded inode table";
	struct fwg_cursor c = fwg_cursor_make(x->inodes.data, x->inodes.len);
	uint16_t type, mode, uid_idx, gid_idx;
	if (fwg_cursor_u16le_at(&c, p, &type) != FWG_OK ||
			fwg_cursor_u16le_at(&c, p + 2, &mode) != FWG_OK ||
			fwg_cursor_u16le_at(&c, p + 4, &uid_idx) != FWG_OK ||
			fwg_cursor_u16le_at(&c, p + 6, &gid_idx) != FWG_OK ||
			fwg_cursor_u32le_at(&c, p + 8, &ino->mtime) != FWG_OK ||
			fwg_cursor_u32le_at(&c, p + 12, &ino->number) != FWG_OK)
		return "inode header truncated";
	if (type < SQ_DIR || type > SQ_EXT_SOCKET)
		return "unknown inode type";
	ino->extended = type >= SQ_EXT_DIR;
	ino->type = ino->extended ? (uint16_t)(type - SQ_EXT_DELTA) : type;
	ino->mode = (mode & 07777u) | type_mode[ino->type];
	size_t q = p + SQ_INODE_HEADER_SIZE;
	bool ok = true;
	uint16_t u16 = 0;
	uint32_t u32 = 0;
	switch (type) {
	case SQ_DIR:
		ok = fwg_cursor_u32le_at(&c, q, &ino->dir_block) == FWG_OK &&
			fwg_cursor_u16le_at(&c, q + 8, &u16) == FWG_OK &&
			fwg_cursor_u16le_at(&c, q + 10, &ino->dir_offset) == FWG_OK;
		ino->dir_size = u16;
		break;
	case SQ_EXT_DIR:
		ok = fwg_cursor_u32le_at(&c, q + 4, &ino->dir_size) == FWG_OK &&
			fwg_cursor_u32le_at(&c, q + 8, &ino->dir_block) == FWG_OK &&
			fwg_cursor_u16le_at(&c, q + 18, &ino->dir_offset) == FWG_OK;
		break;
	case SQ_FILE:
		ok = fwg_cursor_u32le_at(&c, q, &u32) == FWG_OK &&
			fwg_cursor_u32le_at(&c, q + 4, &ino->frag) == FWG_OK &&
			fwg_cursor_u32le_at(&c, q + 8, &ino->frag_offset) == FWG_OK;
		ino->blocks_start = u32;
		if (ok)
			ok = fwg_cursor_u32le_at(&c, q + 12, &u32) == FWG_OK;
		ino->file_size = u32;
		ino->list_pos = q + 16;
		break;
	case SQ_EXT_FILE:
		ok = fwg_cursor_u64le_at(&c, q, &ino->blocks_start) == FWG_OK &&
			fwg_cursor_u64le_at(&c, q + 8, &ino->file_size) == FWG_OK &&
			fwg_cursor_u32le_at(&c, q + 28, &ino->frag) == FWG_OK &&
			fwg_cursor_u32le_at(&c, q + 32, &ino->frag_offset) == FWG_OK;
		ino->list_pos = q + 40;
		break;
	case SQ_SYMLINK:
	case SQ_EXT_SYMLINK:
		ok = fwg_cursor_u32le_at(&c, q + 4, &ino->target_len) == FWG_OK;
		ino->target_pos = q + 8;
		if (ok && !fwg_cursor_has(&c, ino->target_pos, ino->target_len))
			return "symlink target runs past the inode table";
		break;
	case SQ_BLKDEV:
	case SQ_CHRDEV:
	case SQ_EXT_BLKDEV:
	case SQ_EXT_CHRDEV:
		ok = fwg_cursor_u32le_at(&c, q + 4, &ino->rdev) == FWG_OK;
		break;
	default:
		break;
	}
	if (!ok)
		return "inode truncated";
	if (ino->type == SQ_FILE) {
		uint64_t n;
		if (!file_block_count(ino->file_size, x->sb.block_log, ino->frag, &n) ||
				!fwg_cursor_has(&c, ino->list_pos, (size_t)n * 4))
			return "block list runs past the inode table";
		ino->nblocks = (size_t)n;
	}
	ino->uid = id_lookup(x, uid_idx);
	ino->gid = id_lookup(x, gid_idx);
	return NULL;
}

/* ---- file contents --------------------------------------------------------- */

static uint32_t list_word(const struct sq_ctx *x, size_t list_pos, size_t i)
{
	const uint8_t *p = x->inodes.data + list_pos + i * 4;
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static enum fwg_status push_job(struct sq_ctx *x, const struct sq_job *j)
{
	if (x->njobs == x->jobs_cap) {
		size_t ncap = x->jobs_cap ? x->jobs_cap * 2 : 256;
		struct sq_job *p = realloc(x->jobs, ncap * sizeof(*p));
		if (!p)
			return FWG_NOMEM;
		x->jobs = p;
		x->jobs_cap = ncap;
	}
	x->jobs[x->njobs++] = *j;
	return FWG_OK;
}

static enum fwg_status push_share(struct sq_ctx *x, struct fwg_node *file, struct fwg_node *target,
		bool hard_link)
{
	if (x->nshares == x->shares_cap) {
		size_t ncap = x->shares_cap ? x->shares_cap * 2 : 64;
		struct sq_share *p = realloc(x->shares, ncap * sizeof(*p));
		if (!p)
			return FWG_NOMEM;
		x->shares = p;
		x->shares_cap = ncap;
	}
	x->shares[x->nshares].file = file;
	x->shares[x->nshares].target = target;
	x->shares[x->nshares].hard_link = hard_link;
	x->nshares++;
	return FWG_OK;
}

/* Content as a window of the image (checked by the caller to lie in it). */
static enum fwg_status content_window(struct sq_ctx *x, struct fwg_node *file, size_t offset,
		size_t size)
{
	if (fwg_fs_content_window(x->fsb, file, offset, size) != FWG_OK)
		FWG_ERR(file, "squashfs.data_truncated", 0,
			"content window 0x%zx+0x%zx outside the image", offset, size);
	return FWG_OK;
}

/* Takes n block size words from the work bound; false once it is spent. */
static bool list_work_take(struct sq_ctx *x, size_t n)
{
	if (n <= SQ_LIST_WORK - x->list_work) {
		x->list_work += n;
		return true;
	}
	if (!x->work_reported)
		FWG_ERR(x->node, "squashfs.work_limit", 0,
			"more than 0x%x block size words examined (overlapping inodes); contents of "
			"the remaining files not read", SQ_LIST_WORK);
	x->work_reported = true;
	return false;
}

static enum fwg_status push_rec(struct sq_ctx *x, struct fwg_node *file, const struct sq_inode *ino)
{
	if (x->nrecs == x->recs_cap) {
		size_t ncap = x->recs_cap ? x->recs_cap * 2 : 256;
		struct sq_file_rec *p = realloc(x->recs, ncap * sizeof(*p));
		if (!p)
			return FWG_NOMEM;
		x->recs = p;
		x->recs_cap = ncap;
	}
	struct sq_file_rec r = {
		.node = file, .blocks_start = ino->blocks_start, .size = ino->file_size,
		.frag = ino->frag, .frag_offset = ino->frag_offset,
		.list_pos = ino->list_pos, .nblocks = ino->nblocks,
	};
	x->recs[x->nrecs++] = r;
	return FWG_OK;
}

/* What determines a file's content: where its blocks are, their size
 * words, its fragment and the size. */
static uint64_t content_key(const struct sq_inode *ino)
{
	uint64_t h = ino->blocks_start * 0x9e3779b97f4a7c15ull;
	h ^= (ino->file_size + 0x632be59bd9b4e019ull) * 0xbf58476d1ce4e5b9ull;
	h ^= ((uint64_t)ino->frag << 32 | ino->frag_offset) * 0x94d049bb133111ebull;
	return h >> 1; /* keeps key + 1 from wrapping to the empty marker */
}

static bool same_content(const struct sq_ctx *x, const struct sq_file_rec *r,
		const struct sq_inode *ino)
{
	return r->blocks_start == ino->blocks_start && r->size == ino->file_size &&
		r->frag == ino->frag && r->frag_offset == ino->frag_offset &&
		r->nblocks == ino->nblocks &&
		memcmp(x->inodes.data + r->list_pos, x->inodes.data + ino->list_pos,
			ino->nblocks * 4) == 0;
}

/*
 * Sets up a regular file's content: shared with an earlier entry of the
 * same inode (a hard link) or the same stored blocks (mksquashfs's
 * duplicate detection), a window of the image when stored raw and
 * contiguously, else a reserved buffer and a decode job.
 */
static enum fwg_status file_content(struct sq_ctx *x, struct fwg_node *file, uint64_t ref,
		const struct sq_inode *ino)
{
	size_t idx;
	if (refmap_get(&x->files_seen, ref, &idx))
		return push_share(x, file, x->recs[idx].node, true);
	if (ino->file_size > x->opt->limits.max_decoded_single) {
		/* Refused before its block list is even examined (the
		 * reservation records the budget diagnostic). */
		uint8_t *buf;
		enum fwg_status st = fwg_fs_content_reserve(x->fsb, file, 0,
			(size_t)ino->file_size, &buf);
		return st == FWG_LIMIT || st == FWG_TRUNCATED ? FWG_OK : st;
	}
	uint64_t key = content_key(ino);
	if (ino->file_size && refmap_get(&x->contents, key, &idx) &&
			list_work_take(x, ino->nblocks) && same_content(x, &x->recs[idx], ino)) {
		enum fwg_status st = refmap_put(&x->files_seen, ref, idx);
		return st == FWG_OK ? push_share(x, file, x->recs[idx].node, false) : st;
	}
	enum fwg_status st = push_rec(x, file, ino);
	if (st == FWG_OK)
		st = refmap_put(&x->files_seen, ref, x->nrecs - 1);
	if (st == FWG_OK && ino->file_size && !refmap_get(&x->contents, key, &idx))
		st = refmap_put(&x->contents, key, x->nrecs - 1);
	if (st != FWG_OK)
		return st;
	if (ino->file_size == 0)
		return content_window(x, file, 0, 0);
	if (!list_work_take(x, ino->nblocks))
		return FWG_OK;

	const uint64_t bs = x->sb.block_size;
	struct sq_job j = {
		.file = file, .size = ino->file_size, .blocks_start = ino->blocks_start,
		.list_pos = ino->list_pos, .nblocks = ino->nblocks,
	};
	uint64_t stored = 0;
	bool raw = true;
	for (size_t i = 0; i < ino->nblocks; i++) {
		uint32_t w = list_word(x, ino->list_pos, i);
		uint64_t want = ino->file_size - i * bs < bs ? ino->file_size - i * bs : bs;
		uint32_t disk = w & SQ_BLOCK_SIZE_MASK;
		stored += disk;
		if (!(w & SQ_BLOCK_UNCOMPRESSED) || disk != want)
			raw = false;
	}
	if (ino->frag != SQ_NO_FRAGMENT) {
		uint64_t full = (uint64_t)ino->nblocks * bs;
		j.tail = (uint32_t)(ino->file_size - full);
	}
	if (j.tail) {
		bool found;
		st = frag_lookup(x, file, ino->frag, &j.frag_start, &j.frag_word, &found);
		if (st != FWG_OK)
			return st;
		if (!found)
			return FWG_OK; /* reported; content unknown */
		j.frag_offset = ino->frag_offset;
		uint32_t fdisk = j.frag_word & SQ_BLOCK_SIZE_MASK;
		stored += fdisk < j.tail ? fdisk : j.tail;
		raw = false;
	}
	if (raw && ino->blocks_start <= x->img.size && ino->file_size <= x->img.size - ino->blocks_start)
		return content_window(x, file, (size_t)ino->blocks_start, (size_t)ino->file_size);
	if (ino->blocks_start > x->img.size || stored > x->img.size - ino->blocks_start)
		FWG_WARN(file, "squashfs.data_truncated", 0,
			"data blocks at 0x%" PRIx64 " (0x%" PRIx64 " bytes) run past the image end 0x%zx",
			ino->blocks_start, stored, x->img.size);
	if (ino->file_size > SIZE_MAX)
		return FWG_OK;
	st = fwg_fs_content_reserve(x->fsb, file, (size_t)stored, (size_t)ino->file_size, &j.buf);
	if (st == FWG_LIMIT || st == FWG_TRUNCATED)
		return FWG_OK; /* refused under the budgets: diagnostic recorded */
	if (st != FWG_OK)
		return st;
	return push_job(x, &j);
}

/* One decode thread's state. */
struct sq_worker {
	struct sq_ctx *x;
	sqfs_compressor_t *cmp;
	pthread_t thread;
	bool started;
	uint8_t *frag_buf;         /* block_size bytes */
	const uint8_t *frag_data;  /* decoded fragment block in use */
	size_t frag_len;
	uint64_t frag_start;
	uint32_t frag_word;
	bool frag_valid;
};

static void job_fail(struct sq_job *j, uint64_t offset, const char *why)
{
	if (!j->bad_blocks++) {
		j->bad_offset = offset;
		j->bad_reason = why;
	}
}

/* Decodes a stored block of disk bytes at pos into out (want bytes). */
static const char *block_decode(struct sq_worker *w, uint64_t pos, uint32_t word, uint8_t *out,
		size_t want)
{
	const struct sq_ctx *x = w->x;
	size_t disk = word & SQ_BLOCK_SIZE_MASK;
	if (pos > x->img.size || disk > x->img.size - pos)
		return "block runs past the end of the image";
	if (disk > x->sb.block_size)
		return "stored block larger than the block size";
	const uint8_t *in = x->img.base + pos;
	if (word & SQ_BLOCK_UNCOMPRESSED) {
		if (disk != want)
			return "uncompressed block of the wrong size";
		memcpy(out, in, want);
		return NULL;
	}
	if (x->clear_output)
		memset(out, 0, want);
	sqfs_s32 r = w->cmp->do_block(w->cmp, in, (sqfs_u32)disk, out, (sqfs_u32)want);
	if (r < 0 || (size_t)r != want)
		return "block does not decompress to its size";
	return NULL;
}

/* The decoded fragment block of a job, cached per worker. */
static const char *fragment_get(struct sq_worker *w, const struct sq_job *j)
{
	const struct sq_ctx *x = w->x;
	if (w->frag_valid && w->frag_start == j->frag_start && w->frag_word == j->frag_word)
		return NULL;
	w->frag_valid = false;
	size_t disk = j->frag_word & SQ_BLOCK_SIZE_MASK;
	if (j->frag_start > x->img.size || disk > x->img.size - j->frag_start || disk == 0)
		return "fragment block outside the image";
	if (disk > x->sb.block_size)
		return "fragment block larger than the block size";
	const uint8_t *in = x->img.base + j->frag_start;
	if (j->frag_word & SQ_BLOCK_UNCOMPRESSED) {
		w->frag_data = in;
		w->frag_len = disk;
	} else {
		if (x->clear_output)
			memset(w->frag_buf, 0, x->sb.block_size);
		sqfs_s32 r = w->cmp->do_block(w->cmp, in, (sqfs_u32)disk, w->frag_buf,
			x->sb.block_size);
		if (r <= 0)
			return "fragment block does not decompress";
		w->frag_data = w->frag_buf;
		w->frag_len = (size_t)r;
	}
	w->frag_start = j->frag_start;
	w->frag_word = j->frag_word;
	w->frag_valid = true;
	return NULL;
}

static void job_decode(struct sq_worker *w, struct sq_job *j)
{
	const struct sq_ctx *x = w->x;
	const uint64_t bs = x->sb.block_size;
	uint64_t pos = j->blocks_start;
	for (size_t i = 0; i < j->nblocks; i++) {
		uint32_t word = list_word(x, j->list_pos, i);
		size_t want = (size_t)(j->size - i * bs < bs ? j->size - i * bs : bs);
		uint8_t *out = j->buf + i * bs;
		if ((word & SQ_BLOCK_SIZE_MASK) == 0) {
			memset(out, 0, want); /* sparse */
			continue;
		}
		const char *why = block_decode(w, pos, word, out, want);
		if (why) {
			job_fail(j, pos, why);
			memset(out, 0, want);
		}
		pos += word & SQ_BLOCK_SIZE_MASK;
	}
	if (!j->tail)
		return;
	uint8_t *out = j->buf + j->nblocks * bs;
	const char *why = fragment_get(w, j);
	if (!why && (j->frag_offset > w->frag_len || j->tail > w->frag_len - j->frag_offset))
		why = "tail lies outside its fragment block";
	if (why) {
		job_fail(j, j->frag_start, why);
		memset(out, 0, j->tail);
		return;
	}
	memcpy(out, w->frag_data + j->frag_offset, j->tail);
}

static void *worker_main(void *arg)
{
	struct sq_worker *w = arg;
	struct sq_ctx *x = w->x;
	for (;;) {
		size_t i = atomic_fetch_add(&x->next_job, SQ_JOB_CHUNK);
		if (i >= x->njobs)
			break;
		size_t end = x->njobs - i < SQ_JOB_CHUNK ? x->njobs : i + SQ_JOB_CHUNK;
		for (; i < end; i++)
			job_decode(w, &x->jobs[i]);
	}
	return NULL;
}

static unsigned decode_threads(const struct sq_ctx *x)
{
	uint64_t bytes = 0;
	for (size_t i = 0; i < x->njobs && bytes < SQ_THREAD_MIN_BYTES; i++)
		bytes += x->jobs[i].size;
	if (bytes < SQ_THREAD_MIN_BYTES || x->njobs < 2)
		return 1;
	long n = x->opt->threads ? (long)x->opt->threads : sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	if (n > SQ_MAX_THREADS)
		n = SQ_MAX_THREADS;
	return (unsigned)n;
}

/* Decodes every job, on worker threads when there is enough work. */
static enum fwg_status decode_jobs(struct sq_ctx *x)
{
	if (!x->njobs)
		return FWG_OK;
	unsigned n = decode_threads(x);
	struct sq_worker *w = calloc(n, sizeof(*w));
	if (!w)
		return FWG_NOMEM;
	enum fwg_status st = FWG_OK;
	unsigned ready = 0;
	for (; ready < n; ready++) {
		w[ready].x = x;
		w[ready].frag_buf = malloc(x->sb.block_size);
		if (!w[ready].frag_buf)
			break;
		if (ready == 0) {
			w[ready].cmp = x->cmp;
		} else if (compressor_new(x, &w[ready].cmp) != 0) {
			free(w[ready].frag_buf);
			break;
		}
	}
	if (!ready) {
		st = FWG_NOMEM;
		goto out;
	}
	atomic_store(&x->next_job, 0);
	for (unsigned i = 1; i < ready; i++)
		w[i].started = pthread_create(&w[i].thread, NULL, worker_main, &w[i]) == 0;
	worker_main(&w[0]);
	for (unsigned i = 1; i < ready; i++)
		if (w[i].started)
			pthread_join(w[i].thread, NULL);
	/* A worker that failed to start left its share to the others, who
	 * stopped only when the job counter ran out: nothing is missing. */
out:
	for (unsigned i = 0; i < ready; i++) {
		if (i)
			sqfs_destroy(w[i].cmp);
		free(w[i].frag_buf);
	}
	free(w);
	return st;
}

static void finish_jobs(struct sq_ctx *x)
{
	for (size_t i = 0; i < x->njobs; i++) {
		struct sq_job *j = &x->jobs[i];
		fwg_fs_content_commit(x->fsb, j->file, (size_t)j->size);
		if (j->bad_blocks)
			FWG_ERR(j->file, "squashfs.data_block", 0,
				"%" PRIu32 " block(s) of this file unreadable, zero-filled; first at 0x%"
				PRIx64 ": %s", j->bad_blocks, j->bad_offset, j->bad_reason);
	}
	for (size_t i = 0; i < x->nshares; i++) {
		struct sq_share *s = &x->shares[i];
		if (s->target->data)
			fwg_fs_content_share(x->fsb, s->file, s->target);
		fwg_node_attr_str(s->file, s->hard_link ? "hard_link_to" : "same_blocks_as",
			s->target->fs->path);
	}
}

/* ---- directory walk ------------------------------------------------------- */

static enum fwg_status walk_dir(struct sq_ctx *x, struct fwg_node *dir, const struct sq_inode *di);

/* Adds one directory entry and, for directories, walks below it. */
static enum fwg_status add_entry(struct sq_ctx *x, struct fwg_node *dir, const char *name,
		size_t len, uint64_t ref, uint16_t entry_type, size_t listing_pos, bool *unreadable)
{
	struct fwg_node *where = dir ? dir : x->node;
	struct sq_inode ino;
	const char *why = inode_read(x, ref, &ino);
	*unreadable = why != NULL;
	if (why) {
		FWG_ERR(where, "squashfs.inode", listing_pos,
			"inode 0x%" PRIx64 " of entry \"%.*s\" unreadable: %s", ref,
			(int)(len > 64 ? 64 : len), name, why);
		return FWG_OK;
	}
	if (entry_type != ino.type && !x->type_mismatch_reported) {
		FWG_WARN(where, "squashfs.entry_type", listing_pos,
			"entry \"%.*s\" says type %u, its inode is type %u", (int)(len > 64 ? 64 : len),
			name, entry_type, ino.type);
		x->type_mismatch_reported = true;
	}
	struct fwg_fs_meta meta = {
		.mode = ino.mode, .uid = ino.uid, .gid = ino.gid,
		.mtime = ino.mtime, .has_mtime = true, .inode = ino.number,
	};
	if (ino.type == SQ_BLKDEV || ino.type == SQ_CHRDEV) {
		meta.rdev_major = (ino.rdev >> 8) & 0xfff;
		meta.rdev_minor = (ino.rdev & 0xff) | ((ino.rdev >> 12) & 0xfff00);
	}
	if (ino.type == SQ_SYMLINK && ino.target_len <= SQ_SYMLINK_MAX) {
		meta.link_target = (const char *)x->inodes.data + ino.target_pos;
		meta.link_target_len = ino.target_len;
	}
	struct fwg_node *n;
	enum fwg_status st = fwg_fs_add(x->fsb, dir, name, len, &meta, &n);
	if (st == FWG_LIMIT) {
		if (where->depth + 1 < x->opt->limits.max_depth)
			x->stop = true; /* the node budget, not the depth */
		return FWG_OK;
	}
	if (st == FWG_TRUNCATED)
		return FWG_OK;
	if (st != FWG_OK)
		return st;
	if (ino.type == SQ_SYMLINK && ino.target_len > SQ_SYMLINK_MAX)
		FWG_ERR(n, "squashfs.symlink_length", 0,
			"symlink target of 0x%" PRIx32 " bytes is longer than the kernel's 0x%x; not read",
			ino.target_len, SQ_SYMLINK_MAX);
	if (ino.type == SQ_FILE)
		return file_content(x, n, ref, &ino);
	if (ino.type != SQ_DIR)
		return FWG_OK;
	if (refmap_has(&x->dirs_seen, ref)) {
		FWG_ERR(n, "squashfs.dir_loop", 0,
			"directory inode 0x%" PRIx64 " is listed more than once (a cycle or a "
			"directory hard link); not entered again", ref);
		return FWG_OK;
	}
	st = refmap_put(&x->dirs_seen, ref, 0);
	if (st != FWG_OK)
		return st;
	return walk_dir(x, n, &ino);
}

static enum fwg_status walk_dir(struct sq_ctx *x, struct fwg_node *dir, const struct sq_inode *di)
{
	struct fwg_node *where = dir ? dir : x->node;
	if (di->dir_size <= SQ_DIR_SIZE_BIAS)
		return FWG_OK;
	size_t remaining = di->dir_size - SQ_DIR_SIZE_BIAS;
	size_t pos;
	if (!table_locate(&x->dirs, di->dir_block, di->dir_offset, &pos)) {
		FWG_ERR(where, "squashfs.listing", 0,
			"directory listing at block 0x%" PRIx32 " offset 0x%x lies outside the decoded "
			"directory table", di->dir_block, di->dir_offset);
		return FWG_OK;
	}
	struct fwg_cursor c = fwg_cursor_make(x->dirs.data, x->dirs.len);
	const char *why = NULL;
	unsigned bad = 0;
	while (remaining > 0 && !x->stop && !why) {
		uint32_t count, start_block, base;
		if (remaining < SQ_DIR_HEADER_SIZE) {
			why = "listing ends inside a header";
			break;
		}
		if (fwg_cursor_u32le_at(&c, pos, &count) != FWG_OK ||
				fwg_cursor_u32le_at(&c, pos + 4, &start_block) != FWG_OK ||
				fwg_cursor_u32le_at(&c, pos + 8, &base) != FWG_OK) {
			why = "header runs past the decoded directory table";
			break;
		}
		if (count >= SQ_DIR_MAX_COUNT) {
			why = "header counts more than 256 entries";
			break;
		}
		pos += SQ_DIR_HEADER_SIZE;
		remaining -= SQ_DIR_HEADER_SIZE;
		for (uint32_t k = 0; k <= count && !x->stop; k++) {
			uint16_t off, type, name_size;
			const uint8_t *name;
			if (remaining < SQ_DIR_ENTRY_SIZE) {
				why = "listing ends inside an entry";
				break;
			}
			if (fwg_cursor_u16le_at(&c, pos, &off) != FWG_OK ||
					fwg_cursor_u16le_at(&c, pos + 4, &type) != FWG_OK ||
					fwg_cursor_u16le_at(&c, pos + 6, &name_size) != FWG_OK) {
				why = "entry runs past the decoded directory table";
				break;
			}
			size_t len = (size_t)name_size + 1;
			if (len > SQ_NAME_MAX) {
				why = "entry name longer than 256 bytes";
				break;
			}
			if (remaining - SQ_DIR_ENTRY_SIZE < len ||
					fwg_cursor_bytes_at(&c, pos + SQ_DIR_ENTRY_SIZE, len, &name) != FWG_OK) {
				why = "entry name runs past the listing";
				break;
			}
			size_t entry_pos = pos;
			pos += SQ_DIR_ENTRY_SIZE + len;
			remaining -= SQ_DIR_ENTRY_SIZE + len;
			if (++x->entries_read > x->opt->limits.max_nodes + SQ_ENTRY_SLACK) {
				FWG_ERR(x->node, "limit.nodes", 0,
					"more directory entries read than the node budget allows; walk stopped");
				x->stop = true;
				break;
			}
			uint64_t ref = (uint64_t)start_block << 16 | off;
			bool unreadable;
			enum fwg_status st = add_entry(x, dir, (const char *)name, len, ref, type,
				entry_pos, &unreadable);
			if (st != FWG_OK)
				return st;
			if (unreadable && ++bad > SQ_BAD_ENTRIES) {
				why = "too many unreadable inodes";
				break;
			}
		}
	}
	if (why)
		FWG_ERR(where, "squashfs.listing", pos,
			"directory listing at block 0x%" PRIx32 " offset 0x%x: %s; rest of the directory "
			"not read", di->dir_block, di->dir_offset, why);
	return FWG_OK;
}

/* ---- parse ---------------------------------------------------------------- */

static void ctx_free(struct sq_ctx *x)
{
	fwg_fs_end(x->fsb);
	if (x->ids)
		sqfs_destroy(x->ids);
	if (x->cmp)
		sqfs_destroy(x->cmp);
	table_free(&x->inodes);
	table_free(&x->dirs);
	for (size_t i = 0; i < x->frag_nidx; i++)
		free(x->frag_blk[i]);
	free(x->frag_blk);
	free(x->frag_len);
	free(x->frag_bad);
	refmap_free(&x->dirs_seen);
	refmap_free(&x->files_seen);
	refmap_free(&x->contents);
	free(x->recs);
	free(x->jobs);
	free(x->shares);
}

/* Superblock checks beyond libsquashfs's: table order and bounds. */
static bool tables_sane(struct sq_ctx *x)
{
	const struct sq_super *s = &x->sb;
	if (s->inode_table < SQ_SUPER_SIZE || s->inode_table >= s->dir_table ||
			s->dir_table >= s->bytes_used) {
		FWG_ERR(x->node, "squashfs.superblock", SQ_OFF_INODE_TABLE,
			"inode table 0x%" PRIx64 " and directory table 0x%" PRIx64
			" are out of order or past bytes_used 0x%" PRIx64,
			s->inode_table, s->dir_table, s->bytes_used);
		return false;
	}
	return true;
}

static enum fwg_status squashfs_read(struct sq_ctx *x)
{
	struct sq_super *s = &x->sb;
	x->file.base.base.destroy = mem_destroy;
	x->file.base.read_at = mem_read_at;
	x->file.base.write_at = mem_write_at;
	x->file.base.get_size = mem_get_size;
	x->file.base.truncate = mem_truncate;
	x->file.data = x->img.base;
	x->file.size = x->img.size;
	int err = sqfs_super_read(&x->lib_super, &x->file.base);
	if (err) {
		FWG_ERR(x->node, "squashfs.superblock", 0, "libsquashfs rejects the superblock: %s",
			sqfs_error_text(err));
		return FWG_OK;
	}
	if (!tables_sane(x))
		return FWG_OK;
	err = sqfs_compressor_config_init(&x->cmp_cfg, (SQFS_COMPRESSOR)s->compressor,
		s->block_size, SQFS_COMP_FLAG_UNCOMPRESS);
	if (!err)
		err = compressor_new(x, &x->cmp);
	if (err) {
		FWG_ERR(x->node, "squashfs.compressor", SQ_OFF_COMPRESSOR,
			"compressor %u (or its options) not usable: %s", s->compressor,
			sqfs_error_text(err));
		return FWG_OK;
	}
	x->clear_output = s->compressor == SQFS_COMP_LZMA;
	x->ids = sqfs_id_table_create(0);
	if (!x->ids)
		return FWG_NOMEM;
	err = sqfs_id_table_read(x->ids, &x->file.base, &x->lib_super, x->cmp);
	if (err) {
		FWG_WARN(x->node, "squashfs.id_table", s->id_table,
			"id table at 0x%" PRIx64 " unreadable (%s); owners reported as 0", s->id_table,
			sqfs_error_text(err));
		sqfs_destroy(x->ids);
		x->ids = NULL;
		x->bad_id_reported = true;
	}
	enum fwg_status st = table_decode(x, &x->inodes, s->inode_table, s->dir_table, "inode");
	if (st == FWG_OK)
		st = table_decode(x, &x->dirs, s->dir_table, dir_table_end(x), "directory");
	if (st == FWG_OK)
		st = frag_init(x);
	if (st != FWG_OK)
		return st;
	fwg_node_attr_int(x->node, "inode_table_bytes", x->inodes.len);
	fwg_node_attr_int(x->node, "directory_table_bytes", x->dirs.len);

	struct sq_inode root;
	const char *why = inode_read(x, s->root_ref, &root);
	if (!why && root.type != SQ_DIR)
		why = "not a directory";
	if (why) {
		FWG_ERR(x->node, "squashfs.root", SQ_OFF_ROOT_INODE,
			"root inode 0x%" PRIx64 " unreadable: %s", s->root_ref, why);
		return FWG_OK;
	}
	fwg_node_attr_strf(x->node, "root_mode", "%04o", root.mode & 07777u);
	st = fwg_fs_begin(x->u, x->node, &x->fsb);
	if (st == FWG_OK)
		st = refmap_put(&x->dirs_seen, s->root_ref, 0);
	if (st == FWG_OK)
		st = walk_dir(x, NULL, &root);
	if (st == FWG_OK)
		st = decode_jobs(x);
	if (st == FWG_OK)
		finish_jobs(x);
	return st;
}

static enum fwg_status squashfs_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	struct fwg_cursor body = fwg_node_body(node);
	bool be;
	uint16_t major, minor;
	if (!read_version(&body, &be, &major, &minor)) {
		FWG_ERR(node, "squashfs.magic", 0, "no squashfs magic");
		return FWG_OK;
	}
	if (be || major != 4 || minor != 0) {
		report_legacy(node, &body, be, major, minor);
		return FWG_OK;
	}
	struct sq_ctx x = { .u = u, .node = node, .opt = fwg_unpack_options(u) };
	if (!read_super(&body, &x.sb)) {
		FWG_ERR(node, "squashfs.truncated", 0, "superblock truncated (0x%zx bytes)", body.size);
		return FWG_OK;
	}
	set_super_attrs(node, &x.sb);
	if (!super_sane(&x.sb)) {
		FWG_ERR(node, "squashfs.superblock", SQ_OFF_BLOCK_SIZE,
			"block size 0x%" PRIx32 " / block_log %u / compressor %u invalid",
			x.sb.block_size, x.sb.block_log, x.sb.compressor);
		return FWG_OK;
	}
	size_t used = body.size;
	if (x.sb.bytes_used < SQ_SUPER_SIZE) {
		FWG_ERR(node, "squashfs.superblock", SQ_OFF_BYTES_USED,
			"bytes_used 0x%" PRIx64 " is smaller than the superblock", x.sb.bytes_used);
		return FWG_OK;
	}
	if (x.sb.bytes_used > body.size)
		FWG_ERR(node, "squashfs.truncated", SQ_OFF_BYTES_USED,
			"bytes_used 0x%" PRIx64 " exceeds the 0x%zx bytes available; reading what is there",
			x.sb.bytes_used, body.size);
	else
		used = (size_t)x.sb.bytes_used;
	x.img = fwg_cursor_make(body.base, used);
	enum fwg_status st = squashfs_read(&x);
	ctx_free(&x);
	return st;
}

static const struct fwg_magic squashfs_magics[] = {
	{ SQ_MAGIC_LE, 4, 0 },
	{ SQ_MAGIC_BE, 4, 0 },
	{ NULL, 0, 0 },
};

const struct fwg_handler fwg_handler_squashfs = {
	.name = "squashfs",
	.description = "squashfs filesystem (4.0 read through libsquashfs; 1.x-3.x reported)",
	.node_type = FWG_TYPE_SQUASHFS,
	.probe = squashfs_probe,
	.parse = squashfs_parse,
	.magics = squashfs_magics,
	.extent = squashfs_extent,
};
