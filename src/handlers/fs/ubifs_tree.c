/*
 * ubifs_tree.c - turns the leaf nodes ubifs.c collected (from the index,
 * the journal's buds or a scan) into dir/file/symlink/device components.
 *
 * The leaves are sorted by key (inode number, key type, block or name
 * hash) and then newest first, so for every key the first leaf is the one
 * that counts; an inode node with nlink 0 or an entry with inum 0 is a
 * deletion.  The tree is walked breadth first from the root inode (1):
 * each directory inode is expanded once (a second entry naming a
 * directory is reported, not followed), each regular file's content is
 * assembled once from its data nodes (blocks of 4096 bytes, holes read as
 * zeros, the inode's size is the file's size) and hard links share it.
 *
 * Data nodes are stored uncompressed, LZO (lzo1x), zlib (raw deflate,
 * window bits -15) or zstd; each decodes to at most one block.
 *
 * Invariants: node bytes are read through cursors over the volume; file
 * buffers come from fwg_fs_content_reserve (budgets) and each block is
 * decoded into a block-sized scratch buffer first, so a lying data node
 * can write no more than its block; the walk visits each inode number at
 * most once as a directory, so it ends.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lzo/lzo1x.h>
#include <zlib.h>
#include <zstd.h>

#include "ubifs_media.h"

struct ino_state {
	uint32_t inum;
	size_t leaf;              /* index of its newest inode leaf */
	struct fwg_node *content; /* first file entry holding its content */
	bool expanded, referenced;
};

struct inode_info {
	uint64_t size;
	uint32_t nlink, uid, gid, mode, flags, data_len;
	int64_t mtime;
	struct fwg_cursor nc;
};

struct decoders {
	z_stream z;
	bool z_ready;
	ZSTD_DCtx *zstd;
	bool lzo_ready;
};

struct tree {
	struct ubifs_ctx *x;
	struct fwg_fs_builder *b;
	struct ino_state *inos;
	size_t ino_count;
	struct decoders dec;
	size_t missing_inodes, dir_links, bad_entries;
};

static uint8_t u8_at(const struct fwg_cursor *c, size_t off)
{
	uint8_t v;
	return fwg_cursor_u8_at(c, off, &v) == FWG_OK ? v : 0;
}

static int compare_leaves(const void *pa, const void *pb)
{
	const struct ubifs_leaf *a = pa, *b = pb;
	if (a->inum != b->inum)
		return a->inum < b->inum ? -1 : 1;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	if (a->value != b->value)
		return a->value < b->value ? -1 : 1;
	if (a->name_hash != b->name_hash)
		return a->name_hash < b->name_hash ? -1 : 1;
	if (a->sqnum != b->sqnum)
		return a->sqnum > b->sqnum ? -1 : 1;
	return a->pos < b->pos ? -1 : (a->pos > b->pos);
}

/* [*first, *end) of the leaves with this inode number and type. */
static void leaf_range(const struct ubifs_ctx *x, uint32_t inum, uint8_t type, size_t *first,
		size_t *end)
{
	size_t lo = 0, hi = x->leaf_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct ubifs_leaf *l = &x->leaves[mid];
		if (l->inum < inum || (l->inum == inum && l->type < type))
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	while (hi < x->leaf_count && x->leaves[hi].inum == inum && x->leaves[hi].type == type)
		hi++;
	*end = hi;
}

static bool leaf_cursor(const struct ubifs_ctx *x, const struct ubifs_leaf *l, struct fwg_cursor *nc)
{
	return fwg_cursor_sub(&x->body, l->pos, l->len, nc) == FWG_OK;
}

/* One ino_state per inode number with an inode node, sorted by inum. */
static enum fwg_status index_inodes(struct tree *t)
{
	struct ubifs_ctx *x = t->x;
	t->inos = calloc(x->leaf_count ? x->leaf_count : 1, sizeof(*t->inos));
	if (!t->inos)
		return FWG_NOMEM;
	for (size_t i = 0; i < x->leaf_count; i++) {
		const struct ubifs_leaf *l = &x->leaves[i];
		if (l->type != UBIFS_INO_NODE)
			continue;
		if (t->ino_count && t->inos[t->ino_count - 1].inum == l->inum)
			continue; /* an older version */
		t->inos[t->ino_count].inum = l->inum;
		t->inos[t->ino_count].leaf = i;
		t->ino_count++;
	}
	return FWG_OK;
}

static struct ino_state *find_ino(struct tree *t, uint64_t inum)
{
	size_t lo = 0, hi = t->ino_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->inos[mid].inum < inum)
			lo = mid + 1;
		else if (t->inos[mid].inum > inum)
			hi = mid;
		else
			return &t->inos[mid];
	}
	return NULL;
}

/* The inode's fields; false when it has no node, a malformed one, or was
 * deleted (nlink 0). */
static bool read_inode(struct tree *t, const struct ino_state *s, struct inode_info *ino)
{
	const struct ubifs_leaf *l = &t->x->leaves[s->leaf];
	if (l->len < UBIFS_INO_NODE_SZ || !leaf_cursor(t->x, l, &ino->nc))
		return false;
	ino->size = fwg_cursor_u64le_or0(&ino->nc, UBIFS_INO_OFF_SIZE);
	ino->mtime = (int64_t)fwg_cursor_u64le_or0(&ino->nc, UBIFS_INO_OFF_MTIME_SEC);
	ino->nlink = fwg_cursor_u32le_or0(&ino->nc, UBIFS_INO_OFF_NLINK);
	ino->uid = fwg_cursor_u32le_or0(&ino->nc, UBIFS_INO_OFF_UID);
	ino->gid = fwg_cursor_u32le_or0(&ino->nc, UBIFS_INO_OFF_GID);
	ino->mode = fwg_cursor_u32le_or0(&ino->nc, UBIFS_INO_OFF_MODE);
	ino->flags = fwg_cursor_u32le_or0(&ino->nc, UBIFS_INO_OFF_FLAGS);
	ino->data_len = fwg_cursor_u32le_or0(&ino->nc, UBIFS_INO_OFF_DATA_LEN);
	if (ino->data_len > l->len - UBIFS_INO_NODE_SZ)
		ino->data_len = 0;
	return ino->nlink != 0;
}

static uint32_t mode_of_itype(uint8_t itype)
{
	switch (itype) {
	case UBIFS_ITYPE_DIR: return S_IFDIR;
	case UBIFS_ITYPE_LNK: return S_IFLNK;
	case UBIFS_ITYPE_BLK: return S_IFBLK;
	case UBIFS_ITYPE_CHR: return S_IFCHR;
	case UBIFS_ITYPE_FIFO: return S_IFIFO;
	case UBIFS_ITYPE_SOCK: return S_IFSOCK;
	}
	return S_IFREG;
}

/* Device numbers: Linux new_encode_dev() in 4 bytes, or the same value
 * widened to 8 (huge_encode_dev). */
static void decode_rdev(const struct inode_info *ino, struct fwg_fs_meta *meta)
{
	if (ino->data_len != 4 && ino->data_len != 8)
		return;
	uint32_t dev = fwg_cursor_u32le_or0(&ino->nc, UBIFS_INO_NODE_SZ);
	meta->rdev_major = (dev & 0xfff00u) >> 8;
	meta->rdev_minor = (dev & 0xffu) | ((dev >> 12) & 0xfff00u);
}

static void fill_meta(const struct inode_info *ino, uint32_t inum, struct fwg_fs_meta *meta)
{
	memset(meta, 0, sizeof(*meta));
	meta->mode = ino->mode;
	meta->uid = ino->uid;
	meta->gid = ino->gid;
	meta->mtime = ino->mtime;
	meta->has_mtime = true;
	meta->inode = inum;
	uint32_t fmt = ino->mode & S_IFMT;
	if (fmt == S_IFLNK) {
		const uint8_t *p;
		if (fwg_cursor_bytes_at(&ino->nc, UBIFS_INO_NODE_SZ, ino->data_len, &p) == FWG_OK) {
			meta->link_target = (const char *)p;
			meta->link_target_len = ino->data_len;
		}
	} else if (fmt == S_IFCHR || fmt == S_IFBLK) {
		decode_rdev(ino, meta);
	}
}

/* ---- file contents --------------------------------------------------- */

static bool decode_block(struct decoders *d, uint16_t compr, const uint8_t *src, size_t n,
		uint8_t *dst, size_t want, size_t *got, const char **why)
{
	*got = 0;
	switch (compr) {
	case UBIFS_COMPR_NONE:
		*got = n < want ? n : want;
		memcpy(dst, src, *got);
		return true;
	case UBIFS_COMPR_LZO: {
		if (!d->lzo_ready) {
			if (lzo_init() != LZO_E_OK) {
				*why = "lzo unavailable";
				return false;
			}
			d->lzo_ready = true;
		}
		lzo_uint out = want;
		int r = lzo1x_decompress_safe(src, n, dst, &out, NULL);
		*got = out;
		if (r != LZO_E_OK && r != LZO_E_INPUT_NOT_CONSUMED) {
			*why = "lzo stream is corrupt";
			return false;
		}
		return true;
	}
	case UBIFS_COMPR_ZLIB: {
		if (!d->z_ready) {
			if (inflateInit2(&d->z, -15) != Z_OK) {
				*why = "zlib unavailable";
				return false;
			}
			d->z_ready = true;
		} else if (inflateReset(&d->z) != Z_OK) {
			*why = "zlib unavailable";
			return false;
		}
		d->z.next_in = (Bytef *)(uintptr_t)src;
		d->z.avail_in = (uInt)n;
		d->z.next_out = dst;
		d->z.avail_out = (uInt)want;
		int r = inflate(&d->z, Z_FINISH);
		*got = want - d->z.avail_out;
		if (r != Z_STREAM_END) {
			*why = "deflate stream is corrupt or longer than its block";
			return false;
		}
		return true;
	}
	case UBIFS_COMPR_ZSTD: {
		if (!d->zstd && !(d->zstd = ZSTD_createDCtx())) {
			*why = "zstd unavailable";
			return false;
		}
		size_t r = ZSTD_decompressDCtx(d->zstd, dst, want, src, n);
		if (ZSTD_isError(r)) {
			*why = "zstd frame is corrupt or longer than its block";
			return false;
		}
		*got = r;
		return true;
	}
	}
	*why = "unknown compr_type";
	return false;
}

struct data_stats {
	size_t bad, beyond, short_blocks;
	uint32_t first_bad, first_beyond;
	const char *why;
};

/* Decodes one data node into the file buffer at its block. */
static void place_block(struct tree *t, const struct ubifs_leaf *l, uint8_t *buf, uint64_t size,
		struct data_stats *ds)
{
	uint8_t block[UBIFS_BLOCK_SIZE];
	uint64_t at = (uint64_t)l->value << UBIFS_BLOCK_SHIFT;
	if (at >= size) {
		if (ds->beyond++ == 0)
			ds->first_beyond = l->value;
		return;
	}
	struct fwg_cursor nc;
	const uint8_t *src;
	const char *why = "node too short";
	size_t got = 0;
	if (!leaf_cursor(t->x, l, &nc) || l->len < UBIFS_DATA_NODE_SZ ||
			fwg_cursor_bytes_at(&nc, UBIFS_DATA_NODE_SZ, l->len - UBIFS_DATA_NODE_SZ,
				&src) != FWG_OK)
		goto bad;
	uint32_t want = fwg_cursor_u32le_or0(&nc, UBIFS_DATA_OFF_SIZE);
	if (want > UBIFS_BLOCK_SIZE) {
		why = "size larger than a block";
		goto bad;
	}
	if (!decode_block(&t->dec, fwg_cursor_u16le_or0(&nc, UBIFS_DATA_OFF_COMPR), src,
			l->len - UBIFS_DATA_NODE_SZ, block, want, &got, &why))
		goto bad;
	if (got < want)
		ds->short_blocks++;
	size_t n = size - at < got ? (size_t)(size - at) : got;
	memcpy(buf + at, block, n);
	return;
bad:
	if (ds->bad++ == 0) {
		ds->first_bad = l->value;
		ds->why = why;
	}
}

static void report_data(struct fwg_node *file, const struct data_stats *ds)
{
	if (ds->bad)
		FWG_ERR(file, "ubifs.data", 0,
			"%zu data blocks could not be decoded (block %u: %s), read as zeros",
			ds->bad, ds->first_bad, ds->why);
	if (ds->short_blocks)
		FWG_WARN(file, "ubifs.data_size", 0,
			"%zu data blocks decode to fewer bytes than their size field", ds->short_blocks);
	if (ds->beyond)
		FWG_INFO(file, "ubifs.data_beyond_size", 0,
			"%zu data blocks lie past the inode size (from block %u), ignored",
			ds->beyond, ds->first_beyond);
}

static enum fwg_status file_content(struct tree *t, struct fwg_node *file, struct ino_state *s,
		const struct inode_info *ino)
{
	if (s->content) {
		fwg_fs_content_share(t->b, file, s->content);
		return FWG_OK;
	}
	s->content = file;
	if (ino->flags & UBIFS_INO_FL_CRYPT) {
		FWG_WARN(file, "ubifs.encrypted", 0, "file contents are encrypted (fscrypt), not decoded");
		return FWG_OK;
	}
	size_t first, end;
	leaf_range(t->x, s->inum, UBIFS_DATA_NODE, &first, &end);
	size_t encoded = 0;
	for (size_t i = first; i < end; i++)
		encoded += t->x->leaves[i].len;
	if (ino->size > SIZE_MAX) {
		FWG_ERR(file, "ubifs.size", 0, "inode size 0x%llx is not addressable",
			(unsigned long long)ino->size);
		return FWG_OK;
	}
	uint8_t *buf;
	enum fwg_status st = fwg_fs_content_reserve(t->b, file, encoded, (size_t)ino->size, &buf);
	if (st != FWG_OK)
		return st == FWG_NOMEM ? FWG_NOMEM : FWG_OK;
	memset(buf, 0, (size_t)ino->size);
	struct data_stats ds = { 0 };
	for (size_t i = first; i < end; i++) {
		const struct ubifs_leaf *l = &t->x->leaves[i];
		if (i > first && t->x->leaves[i - 1].value == l->value)
			continue; /* an older version of the block */
		place_block(t, l, buf, ino->size, &ds);
	}
	fwg_fs_content_commit(t->b, file, (size_t)ino->size);
	report_data(file, &ds);
	return FWG_OK;
}

/* ---- directories ----------------------------------------------------- */

struct dent {
	uint64_t inum;
	uint8_t itype;
	const char *name;
	uint16_t nlen;
};

static bool read_dent(const struct ubifs_ctx *x, const struct ubifs_leaf *l, struct dent *d)
{
	struct fwg_cursor nc;
	const uint8_t *p;
	if (l->len < UBIFS_DENT_NODE_SZ || !leaf_cursor(x, l, &nc))
		return false;
	d->inum = fwg_cursor_u64le_or0(&nc, UBIFS_DENT_OFF_INUM);
	d->itype = u8_at(&nc, UBIFS_DENT_OFF_TYPE);
	d->nlen = fwg_cursor_u16le_or0(&nc, UBIFS_DENT_OFF_NLEN);
	if (d->nlen == 0 || d->nlen > UBIFS_MAX_NLEN ||
			fwg_cursor_bytes_at(&nc, UBIFS_DENT_NODE_SZ, d->nlen, &p) != FWG_OK)
		return false;
	d->name = (const char *)p;
	return true;
}

/* True when a newer entry of the same directory has the same name: equal
 * names sort together (by their 64-bit hash), newest first.  The look-back
 * is capped, so a flood of colliding names cannot make this quadratic. */
#define SUPERSEDE_LOOKBACK 64

static bool superseded(const struct ubifs_ctx *x, size_t first, size_t i, const struct dent *d)
{
	const struct ubifs_leaf *me = &x->leaves[i];
	size_t looked = 0;
	for (size_t j = i; j-- > first && looked++ < SUPERSEDE_LOOKBACK;) {
		const struct ubifs_leaf *o = &x->leaves[j];
		if (o->value != me->value || o->name_hash != me->name_hash)
			return false;
		struct dent od;
		if (read_dent(x, o, &od) && od.nlen == d->nlen && memcmp(od.name, d->name, d->nlen) == 0)
			return true;
	}
	return false;
}

struct queue {
	struct { uint32_t inum; struct fwg_node *dir; } *items;
	size_t head, tail, cap;
};

static bool enqueue(struct queue *q, uint32_t inum, struct fwg_node *dir)
{
	if (q->tail == q->cap) {
		size_t ncap = q->cap ? q->cap * 2 : 64;
		void *p = realloc(q->items, ncap * sizeof(*q->items));
		if (!p)
			return false;
		q->items = p;
		q->cap = ncap;
	}
	q->items[q->tail].inum = inum;
	q->items[q->tail].dir = dir;
	q->tail++;
	return true;
}

static enum fwg_status add_entry(struct tree *t, struct queue *q, struct fwg_node *dir,
		const struct dent *d)
{
	struct ino_state *s = d->inum <= UINT32_MAX ? find_ino(t, d->inum) : NULL;
	struct inode_info ino;
	struct fwg_fs_meta meta;
	bool have = s && read_inode(t, s, &ino);
	if (have)
		fill_meta(&ino, (uint32_t)d->inum, &meta);
	else
		meta = (struct fwg_fs_meta){ .mode = mode_of_itype(d->itype), .inode = d->inum };
	struct fwg_node *e;
	enum fwg_status st = fwg_fs_add(t->b, dir, d->name, d->nlen, &meta, &e);
	if (st != FWG_OK)
		return st == FWG_NOMEM ? FWG_NOMEM : FWG_OK;
	if (!have) {
		t->missing_inodes++;
		FWG_ERR(e, "ubifs.missing_inode", 0,
			"entry names inode %llu, which has no valid inode node",
			(unsigned long long)d->inum);
		return FWG_OK;
	}
	s->referenced = true;
	if ((mode_of_itype(d->itype) & S_IFMT) != (ino.mode & S_IFMT))
		FWG_WARN(e, "ubifs.entry_type", 0,
			"entry type %u disagrees with the inode's mode 0%o", d->itype, ino.mode);
	if (S_ISDIR(ino.mode)) {
		if (s->expanded) {
			t->dir_links++;
			FWG_WARN(e, "ubifs.dir_link", 0,
				"directory inode %u is named twice, listed once", s->inum);
			return FWG_OK;
		}
		s->expanded = true;
		return enqueue(q, s->inum, e) ? FWG_OK : FWG_NOMEM;
	}
	if (S_ISREG(ino.mode))
		return file_content(t, e, s, &ino);
	return FWG_OK;
}

static enum fwg_status list_dir(struct tree *t, struct queue *q, uint32_t inum,
		struct fwg_node *dir)
{
	struct ubifs_ctx *x = t->x;
	size_t first, end;
	leaf_range(x, inum, UBIFS_DENT_NODE, &first, &end);
	for (size_t i = first; i < end; i++) {
		struct dent d;
		if (!read_dent(x, &x->leaves[i], &d)) {
			if (t->bad_entries++ == 0)
				FWG_WARN(x->node, "ubifs.entry", x->leaves[i].pos,
					"malformed directory entry in directory inode %u", inum);
			continue;
		}
		if (superseded(x, first, i, &d) || d.inum == 0)
			continue; /* renamed over, or deleted */
		enum fwg_status st = add_entry(t, q, dir, &d);
		if (st != FWG_OK)
			return st;
	}
	return FWG_OK;
}

static void report_tree(struct tree *t)
{
	struct fwg_node *n = t->x->node;
	size_t unreachable = 0;
	for (size_t i = 0; i < t->ino_count; i++) {
		struct inode_info ino;
		const struct ino_state *s = &t->inos[i];
		if (!s->referenced && s->inum != UBIFS_ROOT_INO && read_inode(t, s, &ino) &&
				!(ino.flags & UBIFS_INO_FL_XATTR))
			unreachable++;
	}
	fwg_node_attr_int(n, "inodes", t->ino_count);
	if (t->x->xattr_entries)
		fwg_node_attr_int(n, "xattr_entries", t->x->xattr_entries);
	if (unreachable)
		FWG_INFO(n, "ubifs.unreachable", 0,
			"%zu live inodes are not named by any directory entry (orphans)", unreachable);
	if (t->bad_entries > 1)
		FWG_WARN(n, "ubifs.entry", 0, "%zu malformed directory entries in all",
			t->bad_entries);
}

static void set_root_attrs(struct tree *t, struct ino_state *root)
{
	struct inode_info ino;
	if (!root || !read_inode(t, root, &ino)) {
		FWG_ERR(t->x->node, "ubifs.root", 0, "no valid inode node for the root directory");
		return;
	}
	root->referenced = true;
	fwg_node_attr_hex(t->x->node, "root_mode", ino.mode);
	if (!S_ISDIR(ino.mode))
		FWG_ERR(t->x->node, "ubifs.root", 0, "the root inode is not a directory (mode 0%o)",
			ino.mode);
}

enum fwg_status fwg_ubifs_build_tree(struct ubifs_ctx *x)
{
	struct tree t = { .x = x };
	struct queue q = { 0 };
	if (x->leaf_count)
		qsort(x->leaves, x->leaf_count, sizeof(*x->leaves), compare_leaves);
	enum fwg_status st = index_inodes(&t);
	if (st == FWG_OK)
		st = fwg_fs_begin(x->u, x->node, &t.b);
	if (st == FWG_OK) {
		struct ino_state *root = find_ino(&t, UBIFS_ROOT_INO);
		set_root_attrs(&t, root);
		if (root)
			root->expanded = true;
		if (!enqueue(&q, UBIFS_ROOT_INO, NULL))
			st = FWG_NOMEM;
	}
	while (st == FWG_OK && q.head < q.tail) {
		uint32_t inum = q.items[q.head].inum;
		struct fwg_node *dir = q.items[q.head].dir;
		q.head++;
		st = list_dir(&t, &q, inum, dir);
	}
	if (st == FWG_OK)
		report_tree(&t);
	fwg_fs_end(t.b);
	if (t.dec.z_ready)
		inflateEnd(&t.dec.z);
	ZSTD_freeDCtx(t.dec.zstd);
	free(q.items);
	free(t.inos);
	return st;
}
