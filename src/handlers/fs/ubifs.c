/*
 * ubifs.c - UBIFS, the flash filesystem that lives in a UBI volume
 * (OpenBMC keeps its writable rwfs in one): superblock, master node and
 * the index B-tree down to the leaf nodes.  The file tree itself is built
 * by ubifs_tree.c; the layout is described in ubifs_media.h.
 *
 * The body is the volume: LEB n at n * leb_size, with leb_size from the
 * superblock.  A volume shorter than leb_cnt LEBs (mkfs.ubifs output, a
 * trimmed UBI volume) reads as erased flash past its end.
 *
 * Reading:
 *  1. the superblock at LEB 0 (probe: magic, node type 6, valid CRC);
 *  2. the newest valid master node of LEBs 1 and 2 (highest sqnum), which
 *     holds the root of the index (root_lnum, root_offs, root_len);
 *  3. the index walk, depth first with an explicit stack: every node is
 *     CRC-checked, each child index node must be exactly one level below
 *     its parent (so the walk cannot cycle), a visited set on (lnum, offs)
 *     keeps a DAG from being expanded twice, and the bytes checksummed are
 *     bounded by a multiple of the volume size;
 *  4. if there is no master node or the index is damaged, every LEB of the
 *     main area is scanned for nodes instead (the newest of each key wins)
 *     and a diagnostic says so.
 *
 * Journal: the buds the log references after the last commit hold leaf
 * nodes newer than the index; they are scanned and join the index's leaves
 * (replay_journal).  A scan of the main area covers them anyway.
 *
 * Invariants: all reads go through the cursor; node positions are
 * lnum * leb_size + offs with lnum < leb_cnt and offs + len <= leb_size,
 * both checked before use; every loop is bounded by the volume size.
 */
#include <stdlib.h>
#include <string.h>

#include "../../core/registry.h"
#include "ubi_crc.h"
#include "ubifs_media.h"

#define UBIFS_LEB_SIZE_MIN 4096u
#define UBIFS_LEB_SIZE_MAX (32u << 20)
/* Bytes checksummed per volume byte, at most: a scan that meets a valid
 * magic with a bad CRC every 8 bytes must not turn quadratic. */
#define UBIFS_WORK_FACTOR 8u
#define UBIFS_WORK_SLACK (1u << 20)

enum node_state {
	NODE_OK, NODE_ERASED, NODE_BAD_MAGIC, NODE_BAD_LEN, NODE_BAD_CRC, NODE_OUTSIDE, NODE_BUDGET,
};

static const char *const node_state_text[] = {
	[NODE_OK] = "valid",
	[NODE_ERASED] = "erased flash",
	[NODE_BAD_MAGIC] = "no node magic",
	[NODE_BAD_LEN] = "bad node length",
	[NODE_BAD_CRC] = "node CRC mismatch",
	[NODE_OUTSIDE] = "outside the volume",
	[NODE_BUDGET] = "checksum work budget exhausted",
};

struct node_hdr {
	uint64_t sqnum;
	uint32_t len;
	uint8_t type;
};

static uint8_t u8_at(const struct fwg_cursor *c, size_t off)
{
	uint8_t v;
	return fwg_cursor_u8_at(c, off, &v) == FWG_OK ? v : 0;
}

/*
 * The node at volume offset pos, no longer than room bytes: checks magic,
 * length and CRC, and gives the node as a cursor of exactly len bytes.
 */
static enum node_state check_node(const struct fwg_cursor *vol, size_t pos, size_t room,
		struct fwg_cursor *nc, struct node_hdr *h)
{
	uint32_t magic;
	if (fwg_cursor_u32le_at(vol, pos, &magic) != FWG_OK)
		return NODE_OUTSIDE;
	if (magic != UBIFS_NODE_MAGIC)
		return magic == 0xffffffffu ? NODE_ERASED : NODE_BAD_MAGIC;
	struct fwg_cursor ch;
	if (fwg_cursor_sub(vol, pos, UBIFS_CH_SIZE, &ch) != FWG_OK)
		return NODE_BAD_LEN;
	h->len = fwg_cursor_u32le_or0(&ch, UBIFS_CH_OFF_LEN);
	h->sqnum = fwg_cursor_u64le_or0(&ch, UBIFS_CH_OFF_SQNUM);
	h->type = u8_at(&ch, UBIFS_CH_OFF_TYPE);
	const uint8_t *p;
	if (h->len < UBIFS_CH_SIZE || h->len > room ||
			fwg_cursor_bytes_at(vol, pos, h->len, &p) != FWG_OK ||
			fwg_cursor_sub(vol, pos, h->len, nc) != FWG_OK)
		return NODE_BAD_LEN;
	if (!fwg_ubi_crc_ok(fwg_ubi_crc32(p + 8, h->len - 8), fwg_cursor_u32le_or0(&ch, UBIFS_CH_OFF_CRC)))
		return NODE_BAD_CRC;
	return NODE_OK;
}

/* The node at (lnum, offs) of the volume; NODE_OUTSIDE for positions that
 * the superblock's geometry rules out. */
static enum node_state read_node(struct ubifs_ctx *x, uint32_t lnum, uint32_t offs,
		struct fwg_cursor *nc, struct node_hdr *h, size_t *pos)
{
	*pos = 0;
	if (lnum >= x->leb_cnt || offs >= x->leb_size || offs % UBIFS_NODE_ALIGN)
		return NODE_OUTSIDE;
	*pos = (size_t)lnum * x->leb_size + offs;
	if (*pos >= x->body.size)
		return NODE_ERASED; /* past the stored LEBs: unmapped */
	if (x->work > x->work_limit)
		return NODE_BUDGET;
	enum node_state st = check_node(&x->body, *pos, x->leb_size - offs, nc, h);
	if (st == NODE_OK || st == NODE_BAD_CRC)
		x->work += h->len;
	return st;
}

/* ---- probe ----------------------------------------------------------- */

static int ubifs_probe(const struct fwg_cursor *body)
{
	struct fwg_cursor nc;
	struct node_hdr h;
	uint32_t magic;
	uint8_t type;
	if (fwg_cursor_u32le_at(body, 0, &magic) != FWG_OK || magic != UBIFS_NODE_MAGIC ||
			fwg_cursor_u8_at(body, UBIFS_CH_OFF_TYPE, &type) != FWG_OK ||
			type != UBIFS_SB_NODE)
		return 0;
	enum node_state st = check_node(body, 0, UBIFS_SB_NODE_SZ, &nc, &h);
	return st == NODE_OK ? 90 : 0;
}

/* ---- superblock and master ------------------------------------------- */

static const char *compr_name(uint16_t c)
{
	switch (c) {
	case UBIFS_COMPR_NONE: return "none";
	case UBIFS_COMPR_LZO: return "lzo";
	case UBIFS_COMPR_ZLIB: return "zlib";
	case UBIFS_COMPR_ZSTD: return "zstd";
	}
	return "unknown";
}

static void sb_attrs(struct ubifs_ctx *x, const struct fwg_cursor *sb)
{
	struct fwg_node *n = x->node;
	uint32_t flags = fwg_cursor_u32le_or0(sb, UBIFS_SB_OFF_FLAGS);
	fwg_node_attr_int(n, "leb_size", x->leb_size);
	fwg_node_attr_int(n, "leb_cnt", x->leb_cnt);
	fwg_node_attr_int(n, "max_leb_cnt", fwg_cursor_u32le_or0(sb, UBIFS_SB_OFF_MAX_LEB_CNT));
	fwg_node_attr_int(n, "min_io_size", fwg_cursor_u32le_or0(sb, UBIFS_SB_OFF_MIN_IO));
	fwg_node_attr_int(n, "fmt_version", fwg_cursor_u32le_or0(sb, UBIFS_SB_OFF_FMT_VERSION));
	fwg_node_attr_str(n, "default_compr", compr_name(x->default_compr));
	fwg_node_attr_int(n, "fanout", fwg_cursor_u32le_or0(sb, UBIFS_SB_OFF_FANOUT));
	fwg_node_attr_int(n, "log_lebs", x->log_lebs);
	fwg_node_attr_int(n, "lpt_lebs", x->lpt_lebs);
	fwg_node_attr_int(n, "orph_lebs", x->orph_lebs);
	fwg_node_attr_hex(n, "sb_flags", flags);
	uint8_t uuid[16];
	if (fwg_cursor_copy_at(sb, UBIFS_SB_OFF_UUID, uuid, sizeof(uuid)) == FWG_OK) {
		char text[33];
		for (size_t i = 0; i < 16; i++)
			snprintf(text + 2 * i, 3, "%02x", uuid[i]);
		fwg_node_attr_str(n, "uuid", text);
	}
	if (flags & UBIFS_SB_FLG_ENCRYPTION)
		fwg_node_attr_bool(n, "encryption", true);
	if (flags & UBIFS_SB_FLG_AUTHENTICATION)
		fwg_node_attr_bool(n, "authenticated", true);
}

static bool read_superblock(struct ubifs_ctx *x)
{
	struct fwg_cursor sb;
	struct node_hdr h;
	enum node_state st = check_node(&x->body, 0, UBIFS_SB_NODE_SZ, &sb, &h);
	if (st != NODE_OK || h.type != UBIFS_SB_NODE) {
		FWG_ERR(x->node, "ubifs.superblock", 0, "superblock node at 0x0: %s",
			st == NODE_OK ? "wrong node type" : node_state_text[st]);
		return false;
	}
	x->leb_size = fwg_cursor_u32le_or0(&sb, UBIFS_SB_OFF_LEB_SIZE);
	x->leb_cnt = fwg_cursor_u32le_or0(&sb, UBIFS_SB_OFF_LEB_CNT);
	x->log_lebs = fwg_cursor_u32le_or0(&sb, UBIFS_SB_OFF_LOG_LEBS);
	x->lpt_lebs = fwg_cursor_u32le_or0(&sb, UBIFS_SB_OFF_LPT_LEBS);
	x->orph_lebs = fwg_cursor_u32le_or0(&sb, UBIFS_SB_OFF_ORPH_LEBS);
	x->default_compr = fwg_cursor_u16le_or0(&sb, UBIFS_SB_OFF_DEFAULT_COMPR);
	if (x->leb_size < UBIFS_LEB_SIZE_MIN || x->leb_size > UBIFS_LEB_SIZE_MAX ||
			x->leb_size % UBIFS_NODE_ALIGN) {
		FWG_ERR(x->node, "ubifs.leb_size", UBIFS_SB_OFF_LEB_SIZE,
			"leb_size 0x%zx is not a plausible LEB size", x->leb_size);
		return false;
	}
	sb_attrs(x, &sb);
	return true;
}

struct master {
	bool found;
	uint64_t sqnum, cmt_no;
	uint32_t root_lnum, root_offs, root_len, log_lnum, flags;
	size_t pos;
};

/* Where to look for the next node after an erased word at pos: the
 * aligned slot of the next written byte, at least one slot on; leb_size
 * when the rest of the LEB is erased. */
static size_t skip_erased(const struct ubifs_ctx *x, size_t pos, size_t offs)
{
	if (pos >= x->body.size)
		return x->leb_size;
	size_t rest = x->leb_size - offs;
	if (rest > x->body.size - pos)
		rest = x->body.size - pos;
	size_t written = fwg_cursor_first_not(&x->body, pos, rest, 0xff);
	if (written >= pos + rest)
		return x->leb_size;
	size_t skip = (written - pos) & ~(size_t)(UBIFS_NODE_ALIGN - 1);
	return offs + (skip ? skip : UBIFS_NODE_ALIGN);
}

static size_t after_node(size_t offs, uint32_t len)
{
	return offs + (((size_t)len + UBIFS_NODE_ALIGN - 1) & ~(size_t)(UBIFS_NODE_ALIGN - 1));
}

/* Every valid master node of one master LEB; the newest is kept. */
static void scan_master_leb(struct ubifs_ctx *x, uint32_t lnum, struct master *best, size_t *count)
{
	size_t offs = 0;
	while (offs + UBIFS_CH_SIZE <= x->leb_size) {
		struct fwg_cursor nc;
		struct node_hdr h;
		size_t pos;
		enum node_state st = read_node(x, lnum, (uint32_t)offs, &nc, &h, &pos);
		if (st == NODE_OUTSIDE || st == NODE_BUDGET)
			return;
		if (st == NODE_ERASED) {
			offs = skip_erased(x, pos, offs);
			continue;
		}
		if (st != NODE_OK || h.type != UBIFS_MST_NODE || h.len < UBIFS_MST_NODE_SZ) {
			offs += UBIFS_NODE_ALIGN;
			continue;
		}
		(*count)++;
		if (!best->found || h.sqnum > best->sqnum) {
			best->found = true;
			best->sqnum = h.sqnum;
			best->pos = pos;
			best->cmt_no = fwg_cursor_u64le_or0(&nc, UBIFS_MST_OFF_CMT_NO);
			best->flags = fwg_cursor_u32le_or0(&nc, UBIFS_MST_OFF_FLAGS);
			best->log_lnum = fwg_cursor_u32le_or0(&nc, UBIFS_MST_OFF_LOG_LNUM);
			best->root_lnum = fwg_cursor_u32le_or0(&nc, UBIFS_MST_OFF_ROOT_LNUM);
			best->root_offs = fwg_cursor_u32le_or0(&nc, UBIFS_MST_OFF_ROOT_OFFS);
			best->root_len = fwg_cursor_u32le_or0(&nc, UBIFS_MST_OFF_ROOT_LEN);
		}
		offs = after_node(offs, h.len);
	}
}

/* The two copies say the same (their common headers differ in sqnum). */
static bool same_master(const struct ubifs_ctx *x, const struct master *a, const struct master *b)
{
	const uint8_t *pa, *pb;
	size_t n = UBIFS_MST_NODE_SZ - UBIFS_CH_SIZE;
	return fwg_cursor_bytes_at(&x->body, a->pos + UBIFS_CH_SIZE, n, &pa) == FWG_OK &&
		fwg_cursor_bytes_at(&x->body, b->pos + UBIFS_CH_SIZE, n, &pb) == FWG_OK &&
		memcmp(pa, pb, n) == 0;
}

static bool read_master(struct ubifs_ctx *x, struct master *m)
{
	struct master copy[2] = { { 0 }, { 0 } };
	size_t count[2] = { 0, 0 };
	for (uint32_t i = 0; i < 2; i++)
		scan_master_leb(x, UBIFS_MST_LNUM + i, &copy[i], &count[i]);
	int pick = copy[0].found ? 0 : 1;
	if (copy[0].found && copy[1].found && copy[1].sqnum > copy[0].sqnum)
		pick = 1;
	*m = copy[pick];
	if (!m->found) {
		FWG_ERR(x->node, "ubifs.master", (size_t)UBIFS_MST_LNUM * x->leb_size,
			"no valid master node in LEB 1 or 2");
		return false;
	}
	if (!copy[0].found || !copy[1].found || !same_master(x, &copy[0], &copy[1]))
		FWG_WARN(x->node, "ubifs.master", m->pos,
			"the master LEBs disagree (%zu and %zu valid nodes), the newest used",
			count[0], count[1]);
	fwg_node_attr_int(x->node, "cmt_no", m->cmt_no);
	if (m->flags & UBIFS_MST_FLG_DIRTY)
		fwg_node_attr_bool(x->node, "dirty", true);
	return true;
}

/* ---- leaves ---------------------------------------------------------- */

/* FNV-1a of an entry's name: equal names sort next to each other. */
static uint64_t name_hash(const struct fwg_cursor *nc)
{
	uint64_t hash = 0xcbf29ce484222325ull;
	const uint8_t *p;
	uint16_t nlen = fwg_cursor_u16le_or0(nc, UBIFS_DENT_OFF_NLEN);
	if (fwg_cursor_bytes_at(nc, UBIFS_DENT_NODE_SZ, nlen, &p) != FWG_OK)
		return 0;
	for (size_t i = 0; i < nlen; i++) {
		hash ^= p[i];
		hash *= 0x100000001b3ull;
	}
	return hash;
}

static enum fwg_status add_leaf(struct ubifs_ctx *x, const struct fwg_cursor *nc,
		const struct node_hdr *h, size_t pos)
{
	uint32_t inum = fwg_cursor_u32le_or0(nc, UBIFS_KEY_OFF);
	uint32_t kw = fwg_cursor_u32le_or0(nc, UBIFS_KEY_OFF + 4);
	/* Node types 0..3 and key types 0..3 name the same things. */
	static const uint32_t min_len[] = {
		[UBIFS_INO_NODE] = UBIFS_INO_NODE_SZ, [UBIFS_DATA_NODE] = UBIFS_DATA_NODE_SZ,
		[UBIFS_DENT_NODE] = UBIFS_DENT_NODE_SZ, [UBIFS_XENT_NODE] = UBIFS_DENT_NODE_SZ,
	};
	if (kw >> UBIFS_KEY_TYPE_SHIFT != h->type || h->len < min_len[h->type]) {
		if (x->bad_leaves++ == 0)
			x->first_bad_leaf = pos;
		return FWG_OK;
	}
	if (h->type == UBIFS_XENT_NODE) {
		x->xattr_entries++;
		return FWG_OK;
	}
	if (x->leaf_count == x->leaf_cap) {
		size_t ncap = x->leaf_cap ? x->leaf_cap * 2 : 256;
		struct ubifs_leaf *p = realloc(x->leaves, ncap * sizeof(*p));
		if (!p)
			return FWG_NOMEM;
		x->leaves = p;
		x->leaf_cap = ncap;
	}
	struct ubifs_leaf *l = &x->leaves[x->leaf_count++];
	l->sqnum = h->sqnum;
	l->pos = pos;
	l->len = h->len;
	l->inum = inum;
	l->value = kw & UBIFS_KEY_VALUE_MASK;
	l->type = h->type;
	l->name_hash = h->type == UBIFS_DENT_NODE ? name_hash(nc) : 0;
	return FWG_OK;
}

static bool is_leaf_type(uint8_t type)
{
	return type == UBIFS_INO_NODE || type == UBIFS_DATA_NODE || type == UBIFS_DENT_NODE ||
		type == UBIFS_XENT_NODE;
}

/* ---- index walk ------------------------------------------------------ */

struct visited {
	uint64_t *slots; /* 0 = empty; entries are (lnum << 32 | offs) + 1 */
	size_t cap, used;
};

/* True when key was already there; false when newly inserted (or on
 * allocation failure, reported through *nomem). */
static bool visited_test_set(struct visited *v, uint64_t key, bool *nomem)
{
	key++;
	if ((v->used + 1) * 2 > v->cap) {
		size_t ncap = v->cap ? v->cap * 2 : 1024;
		uint64_t *ns = calloc(ncap, sizeof(*ns));
		if (!ns) {
			*nomem = true;
			return true;
		}
		for (size_t i = 0; i < v->cap; i++) {
			if (!v->slots[i])
				continue;
			size_t j = (size_t)(v->slots[i] * 0x9e3779b97f4a7c15ull) & (ncap - 1);
			while (ns[j])
				j = (j + 1) & (ncap - 1);
			ns[j] = v->slots[i];
		}
		free(v->slots);
		v->slots = ns;
		v->cap = ncap;
	}
	size_t j = (size_t)(key * 0x9e3779b97f4a7c15ull) & (v->cap - 1);
	while (v->slots[j]) {
		if (v->slots[j] == key)
			return true;
		j = (j + 1) & (v->cap - 1);
	}
	v->slots[j] = key;
	v->used++;
	return false;
}

struct branch_ref {
	uint32_t lnum, offs, len;
	int level;       /* expected level of an index node; -1 = leaf */
	uint8_t key[UBIFS_SK_LEN];
	bool has_key;
};

struct walk {
	struct ubifs_ctx *x;
	struct branch_ref *stack;
	size_t depth, cap;
	struct visited seen;
	size_t idx_nodes, errors, key_mismatch, shared;
	size_t first_error_pos;
	bool nomem;
};

static void walk_error(struct walk *w, size_t pos, const char *what, const struct branch_ref *b,
		const char *why)
{
	if (w->errors++ < 8)
		FWG_WARN(w->x->node, "ubifs.index", pos,
			"%s at LEB %u offset 0x%x (len 0x%x): %s", what, b->lnum, b->offs, b->len, why);
	if (w->errors == 1)
		w->first_error_pos = pos;
}

static bool push(struct walk *w, const struct branch_ref *b)
{
	if (w->depth == w->cap) {
		size_t ncap = w->cap ? w->cap * 2 : 64;
		struct branch_ref *p = realloc(w->stack, ncap * sizeof(*p));
		if (!p) {
			w->nomem = true;
			return false;
		}
		w->stack = p;
		w->cap = ncap;
	}
	w->stack[w->depth++] = *b;
	return true;
}

/* Pushes the branches of a valid index node of level `level`. */
static void push_branches(struct walk *w, const struct fwg_cursor *nc, const struct node_hdr *h,
		size_t pos, const struct branch_ref *self)
{
	uint16_t child_cnt = fwg_cursor_u16le_or0(nc, UBIFS_IDX_OFF_CHILD_CNT);
	uint16_t level = fwg_cursor_u16le_or0(nc, UBIFS_IDX_OFF_LEVEL);
	if (self->level >= 0 && level != (unsigned)self->level) {
		walk_error(w, pos, "index node", self, "level does not follow its parent's");
		return;
	}
	if (level >= UBIFS_MAX_LEVELS || child_cnt == 0 || h->len < UBIFS_IDX_NODE_SZ ||
			(h->len - UBIFS_IDX_NODE_SZ) % child_cnt != 0) {
		walk_error(w, pos, "index node", self, "bad child_cnt or level");
		return;
	}
	size_t bsz = (h->len - UBIFS_IDX_NODE_SZ) / child_cnt;
	if (bsz < UBIFS_BRANCH_SZ + UBIFS_SK_LEN) {
		walk_error(w, pos, "index node", self, "branches too short for their keys");
		return;
	}
	w->idx_nodes++;
	/* Pushed in reverse so the walk visits children in key order. */
	for (size_t i = child_cnt; i-- > 0;) {
		size_t boff = UBIFS_IDX_NODE_SZ + i * bsz;
		struct branch_ref b = {
			.lnum = fwg_cursor_u32le_or0(nc, boff),
			.offs = fwg_cursor_u32le_or0(nc, boff + 4),
			.len = fwg_cursor_u32le_or0(nc, boff + 8),
			.level = level == 0 ? -1 : (int)level - 1,
			.has_key = true,
		};
		if (fwg_cursor_copy_at(nc, boff + UBIFS_BRANCH_SZ, b.key, UBIFS_SK_LEN) != FWG_OK ||
				!push(w, &b))
			return;
	}
}

static void visit(struct walk *w, const struct branch_ref *b)
{
	struct ubifs_ctx *x = w->x;
	struct fwg_cursor nc;
	struct node_hdr h;
	size_t pos = 0;
	if (visited_test_set(&w->seen, (uint64_t)b->lnum << 32 | b->offs, &w->nomem)) {
		/* The index is a tree: a second path to a node is a cycle or
		 * a cross link, either way damage. */
		w->shared++;
		walk_error(w, (size_t)b->lnum * x->leb_size + b->offs, "node", b,
			"reached a second time (index cycle or shared branch)");
		return;
	}
	enum node_state st = read_node(x, b->lnum, b->offs, &nc, &h, &pos);
	if (st != NODE_OK) {
		walk_error(w, pos, b->level >= 0 ? "index node" : "leaf node", b, node_state_text[st]);
		return;
	}
	if (b->len && b->len != h.len) {
		walk_error(w, pos, "node", b, "length differs from the branch");
		return;
	}
	if (b->level >= 0 || (b->level == -1 && !b->has_key)) {
		if (h.type != UBIFS_IDX_NODE) {
			walk_error(w, pos, "index node", b, "not an index node");
			return;
		}
		push_branches(w, &nc, &h, pos, b);
		return;
	}
	if (!is_leaf_type(h.type)) {
		walk_error(w, pos, "leaf node", b, "not an inode, data or entry node");
		return;
	}
	uint8_t key[UBIFS_SK_LEN];
	if (fwg_cursor_copy_at(&nc, UBIFS_KEY_OFF, key, sizeof(key)) != FWG_OK ||
			memcmp(key, b->key, sizeof(key)) != 0)
		w->key_mismatch++;
	if (add_leaf(x, &nc, &h, pos) != FWG_OK)
		w->nomem = true;
}

/* Walks the index from the master's root.  Returns false when the index
 * is damaged (errors reported), so the caller falls back to a scan. */
static bool walk_index(struct ubifs_ctx *x, const struct master *m, bool *nomem)
{
	struct walk w = { .x = x };
	struct branch_ref root = {
		.lnum = m->root_lnum, .offs = m->root_offs, .len = m->root_len,
		.level = -1, .has_key = false,
	};
	push(&w, &root);
	while (w.depth && !w.nomem) {
		if (x->work > x->work_limit)
			break;
		struct branch_ref b = w.stack[--w.depth];
		visit(&w, &b);
	}
	if (w.errors > 8)
		FWG_WARN(x->node, "ubifs.index", w.first_error_pos,
			"%zu damaged index references in all", w.errors);
	if (w.key_mismatch)
		FWG_WARN(x->node, "ubifs.index_key", 0,
			"%zu leaf nodes carry a key other than their index branch's", w.key_mismatch);
	if (w.shared)
		FWG_WARN(x->node, "ubifs.index_shared", 0,
			"%zu index branches point at a node reached before, followed once", w.shared);
	fwg_node_attr_int(x->node, "index_nodes", w.idx_nodes);
	free(w.stack);
	free(w.seen.slots);
	*nomem = w.nomem;
	return w.errors == 0 && x->work <= x->work_limit && w.idx_nodes > 0;
}

/* ---- fallback scan --------------------------------------------------- */

static size_t first_main_leb(const struct ubifs_ctx *x)
{
	uint64_t first = (uint64_t)UBIFS_LOG_LNUM + x->log_lebs + x->lpt_lebs + x->orph_lebs;
	return first < x->leb_cnt ? (size_t)first : x->leb_cnt;
}

/* Every valid leaf node of one LEB from offset start on. */
static enum fwg_status scan_leb(struct ubifs_ctx *x, uint32_t lnum, uint32_t start,
		size_t *nodes, size_t *bad)
{
	size_t offs = start;
	while (offs + UBIFS_CH_SIZE <= x->leb_size) {
		struct fwg_cursor nc;
		struct node_hdr h;
		size_t pos;
		enum node_state st = read_node(x, lnum, (uint32_t)offs, &nc, &h, &pos);
		if (st == NODE_OUTSIDE || st == NODE_BUDGET)
			break;
		if (st == NODE_ERASED) {
			offs = skip_erased(x, pos, offs);
			continue;
		}
		if (st != NODE_OK) {
			if (st == NODE_BAD_CRC)
				(*bad)++;
			offs += UBIFS_NODE_ALIGN;
			continue;
		}
		if (is_leaf_type(h.type)) {
			(*nodes)++;
			if (add_leaf(x, &nc, &h, pos) != FWG_OK)
				return FWG_NOMEM;
		}
		offs = after_node(offs, h.len);
	}
	return FWG_OK;
}

static enum fwg_status scan_main_area(struct ubifs_ctx *x)
{
	x->leaf_count = 0;
	x->xattr_entries = 0;
	size_t nodes = 0, bad = 0;
	for (size_t lnum = first_main_leb(x); lnum < x->leb_cnt; lnum++) {
		if (lnum * x->leb_size >= x->body.size || x->work > x->work_limit)
			break;
		enum fwg_status st = scan_leb(x, (uint32_t)lnum, 0, &nodes, &bad);
		if (st != FWG_OK)
			return st;
	}
	FWG_WARN(x->node, "ubifs.scan", 0,
		"index unusable: tree rebuilt from a scan of the main area (%zu leaf nodes, "
		"%zu with a bad CRC); deleted files may reappear", nodes, bad);
	fwg_node_attr_bool(x->node, "rebuilt_from_scan", true);
	return FWG_OK;
}

/* ---- journal --------------------------------------------------------- */

struct replay {
	uint64_t cs_sqnum;
	struct visited buds;
	size_t bud_count, nodes, bad;
	bool nomem;
};

/* The reference nodes of one log LEB: each names a bud (lnum, offs) whose
 * nodes from offs on were written after the commit.  False once the log
 * ends (an older node, or nothing valid at the LEB's start). */
static bool replay_log_leb(struct ubifs_ctx *x, uint32_t lnum, struct replay *r)
{
	size_t offs = 0;
	while (offs + UBIFS_CH_SIZE <= x->leb_size) {
		struct fwg_cursor nc;
		struct node_hdr h;
		size_t pos;
		if (read_node(x, lnum, (uint32_t)offs, &nc, &h, &pos) != NODE_OK)
			return offs != 0;
		if (h.sqnum < r->cs_sqnum)
			return false;
		if (h.type == UBIFS_REF_NODE && h.len >= UBIFS_REF_NODE_SZ) {
			uint32_t bl = fwg_cursor_u32le_or0(&nc, UBIFS_REF_OFF_LNUM), bo = fwg_cursor_u32le_or0(&nc, UBIFS_REF_OFF_OFFS);
			if (!visited_test_set(&r->buds, (uint64_t)bl << 32 | bo, &r->nomem)) {
				r->bud_count++;
				if (scan_leb(x, bl, bo, &r->nodes, &r->bad) != FWG_OK)
					r->nomem = true;
			}
			if (r->nomem)
				return false;
		}
		offs = after_node(offs, h.len);
	}
	return true;
}

/*
 * Journal replay: the log starts at the master's log_lnum with the commit
 * start node of the master's cmt_no; the reference nodes after it name the
 * buds written since.  Their leaf nodes join the index's, and being newer
 * they win (deletions included).  Truncation nodes are not applied: the
 * newer inode's size already bounds the file.
 */
static enum fwg_status replay_journal(struct ubifs_ctx *x, const struct master *m)
{
	uint64_t log_end = (uint64_t)UBIFS_LOG_LNUM + x->log_lebs;
	struct fwg_cursor nc;
	struct node_hdr h;
	size_t pos = 0;
	if (x->log_lebs == 0 || m->log_lnum < UBIFS_LOG_LNUM || m->log_lnum >= log_end ||
			read_node(x, m->log_lnum, 0, &nc, &h, &pos) != NODE_OK ||
			h.type != UBIFS_CS_NODE || fwg_cursor_u64le_or0(&nc, UBIFS_CS_OFF_CMT_NO) != m->cmt_no) {
		FWG_WARN(x->node, "ubifs.log", pos,
			"no commit-start node for commit %llu at log LEB %u, journal not replayed",
			(unsigned long long)m->cmt_no, m->log_lnum);
		return FWG_OK;
	}
	struct replay r = { .cs_sqnum = h.sqnum };
	for (uint32_t i = 0; i < x->log_lebs; i++) {
		uint32_t lnum = UBIFS_LOG_LNUM + (m->log_lnum - UBIFS_LOG_LNUM + i) % x->log_lebs;
		if (!replay_log_leb(x, lnum, &r))
			break;
	}
	free(r.buds.slots);
	if (r.nomem)
		return FWG_NOMEM;
	if (r.nodes || r.bad) {
		FWG_INFO(x->node, "ubifs.journal", 0,
			"replayed %zu leaf nodes from %zu buds written after commit %llu "
			"(%zu nodes with a bad CRC skipped)", r.nodes, r.bud_count,
			(unsigned long long)m->cmt_no, r.bad);
		fwg_node_attr_int(x->node, "journal_nodes", r.nodes);
	}
	return FWG_OK;
}

static enum fwg_status ubifs_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	struct ubifs_ctx x = { .u = u, .node = node, .body = fwg_node_body(node) };
	x.work_limit = (uint64_t)x.body.size * UBIFS_WORK_FACTOR + UBIFS_WORK_SLACK;
	if (!read_superblock(&x))
		return FWG_OK;
	struct master m;
	bool nomem = false, index_ok = false;
	if (read_master(&x, &m))
		index_ok = walk_index(&x, &m, &nomem);
	enum fwg_status st = nomem ? FWG_NOMEM : FWG_OK;
	if (st == FWG_OK && index_ok)
		st = replay_journal(&x, &m);
	else if (st == FWG_OK)
		st = scan_main_area(&x);
	if (x.bad_leaves)
		FWG_WARN(node, "ubifs.leaf", x.first_bad_leaf,
			"%zu leaf nodes too short or keyed as another node type, skipped; the first "
			"at 0x%zx", x.bad_leaves, x.first_bad_leaf);
	if (x.work > x.work_limit)
		FWG_ERR(node, "ubifs.work", 0,
			"checksummed 0x%llx bytes of nodes, the budget for this volume: "
			"the rest was not examined", (unsigned long long)x.work);
	if (st == FWG_OK)
		st = fwg_ubifs_build_tree(&x);
	free(x.leaves);
	return st == FWG_NOMEM ? FWG_NOMEM : FWG_OK;
}

static const struct fwg_magic ubifs_magics[] = {
	{ "\x31\x18\x10\x06", 4, 0 },
	{ NULL, 0, 0 },
};

/* A UBIFS image as mkfs.ubifs writes it runs leb_cnt LEBs at most. */
static uint64_t ubifs_extent(const struct fwg_cursor *body)
{
	uint32_t leb_size, leb_cnt;
	if (ubifs_probe(body) == 0 ||
			fwg_cursor_u32le_at(body, UBIFS_SB_OFF_LEB_SIZE, &leb_size) != FWG_OK ||
			fwg_cursor_u32le_at(body, UBIFS_SB_OFF_LEB_CNT, &leb_cnt) != FWG_OK)
		return 0;
	uint64_t full = (uint64_t)leb_size * leb_cnt;
	return full < body->size ? full : body->size;
}

const struct fwg_handler fwg_handler_ubifs = {
	.name = "ubifs",
	.description = "UBIFS: superblock, master node, index B-tree, inodes, entries, data",
	.node_type = FWG_TYPE_UBIFS,
	.probe = ubifs_probe,
	.parse = ubifs_parse,
	.magics = ubifs_magics,
	.extent = ubifs_extent,
};
