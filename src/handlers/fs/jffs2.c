/*
 * jffs2.c - JFFS2 filesystems (little- and big-endian) as component trees:
 * the handler descriptor, its probe and extent, and the step that turns
 * the scanned nodes into directories, files, symlinks and devices.
 *
 * Layout and CRCs: jffs2_format.h.  Node scan: jffs2_scan.c.  Content of
 * an inode from its data nodes: jffs2_content.c.  Compressors:
 * jffs2_decompress.c.
 *
 * From nodes to a tree, as the kernel's mount does:
 *  - inode nodes are sorted by (ino, version, position): the newest node
 *    of an inode gives its metadata (mode, uid, gid, mtime, isize);
 *  - dirent nodes are sorted by (parent ino, name, version, position): for
 *    each name in a directory the newest dirent wins, and a winner with
 *    ino 0 means the name was deleted;
 *  - the tree grows from the root (ino 1) with an explicit stack; each
 *    directory inode is expanded once, so a directory linked twice or a
 *    cycle (a directory containing its own ancestor) is reported and
 *    never followed;
 *  - a regular file's first name gets its content (budgeted through
 *    fwg_fs_content_reserve), further names of the same ino share it;
 *  - inodes no name reaches (orphans: deleted files whose nodes were not
 *    garbage-collected yet) are counted and listed as diagnostics.
 *
 * Attributes of the jffs2 node: endianness, nodes, inodes, dirents,
 * erase_size / erase_blocks (when cleanmarkers give them away),
 * compressors, cleanmarkers, padding_nodes, summary_nodes, xattr_nodes,
 * bad_crc_nodes, malformed_nodes, obsolete_nodes (marked obsolete on
 * flash), superseded_nodes (older versions nothing shows any more),
 * deleted_entries, orphan_inodes, dir_loops, missing_inodes, garbage_bytes.
 *
 * Invariants: all work is bounded by the image: at most size/12 nodes are
 * recorded, the sorts and the sweep are O(n log n), every directory is
 * expanded at most once, decoding is bounded by the unpacking budgets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../core/fs.h"
#include "../../core/registry.h"
#include "jffs2_format.h"

#define SYMLINK_MAX 4096u
#define MAX_ORPHAN_DIAGS 16u
#define DT_SHIFT 12
#define MIN_ERASE_SIZE 0x1000u
#define WORK_PER_BYTE 256u
#define WORK_MIN (64ull << 20)

/* One inode number: its nodes and what the tree walk made of it. */
struct jffs2_inode {
	uint32_t ino;
	size_t first, count;       /* its nodes in scan.inodes */
	struct fwg_node *entry;    /* first entry made for it */
	bool expanded;             /* directory already walked */
	bool reached;
};

struct jffs2_fs {
	struct fwg_unpack *u;
	struct fwg_node *node;
	struct jffs2_scan scan;
	struct fwg_fs_builder *b;
	struct jffs2_dirent_node *live;   /* winning dirents with ino != 0 */
	size_t live_count;
	struct jffs2_inode *table;        /* sorted by ino */
	size_t table_count;
	size_t *stack;
	size_t stack_count;
	struct jffs2_content_stats stats;
	uint64_t deleted, superseded_dirents, loops, missing_inodes;
};

static int jffs2_probe(const struct fwg_cursor *body)
{
	int order = jffs2_header_order(body, 0);
	if (order < 0)
		return 0;
	uint16_t type;
	if ((order ? fwg_cursor_u16be_at(body, 2, &type) : fwg_cursor_u16le_at(body, 2, &type)) != FWG_OK)
		return 0;
	switch (type | JFFS2_NODE_ACCURATE) {
	case JFFS2_NODETYPE_DIRENT:
	case JFFS2_NODETYPE_INODE:
	case JFFS2_NODETYPE_CLEANMARKER:
	case JFFS2_NODETYPE_PADDING:
	case JFFS2_NODETYPE_SUMMARY:
	case JFFS2_NODETYPE_XATTR:
	case JFFS2_NODETYPE_XREF:
		return 90;
	default:
		return 0;
	}
}

static uint64_t jffs2_extent(const struct fwg_cursor *body)
{
	return jffs2_scan_extent(body);
}

static int cmp_inode_node(const void *a, const void *b)
{
	const struct jffs2_inode_node *x = a, *y = b;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	if (x->version != y->version)
		return x->version < y->version ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int cmp_name(const struct jffs2_dirent_node *x, const struct jffs2_dirent_node *y)
{
	size_t n = x->nsize < y->nsize ? x->nsize : y->nsize;
	int c = memcmp(x->name, y->name, n);
	if (c)
		return c;
	return x->nsize < y->nsize ? -1 : x->nsize > y->nsize;
}

static int cmp_dirent(const void *a, const void *b)
{
	const struct jffs2_dirent_node *x = a, *y = b;
	if (x->pino != y->pino)
		return x->pino < y->pino ? -1 : 1;
	int c = cmp_name(x, y);
	if (c)
		return c;
	if (x->version != y->version)
		return x->version < y->version ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Newest dirent per (parent, name); deletions and older versions counted. */
static enum fwg_status resolve_dirents(struct jffs2_fs *f)
{
	struct jffs2_scan *s = &f->scan;
	if (s->dirent_count > 0) /* dirents is NULL when there are none */
		qsort(s->dirents, s->dirent_count, sizeof(*s->dirents), cmp_dirent);
	f->live = malloc((s->dirent_count ? s->dirent_count : 1) * sizeof(*f->live));
	if (!f->live)
		return FWG_NOMEM;
	for (size_t i = 0; i < s->dirent_count;) {
		size_t j = i + 1;
		while (j < s->dirent_count && s->dirents[j].pino == s->dirents[i].pino &&
				cmp_name(&s->dirents[j], &s->dirents[i]) == 0)
			j++;
		const struct jffs2_dirent_node *win = &s->dirents[j - 1];
		f->superseded_dirents += j - i - 1;
		if (win->ino == 0)
			f->deleted++;
		else
			f->live[f->live_count++] = *win;
		i = j;
	}
	return FWG_OK;
}

/* One record per inode number seen in inode nodes, live dirents or root. */
static enum fwg_status build_table(struct jffs2_fs *f)
{
	struct jffs2_scan *s = &f->scan;
	if (s->inode_count > 0)
		qsort(s->inodes, s->inode_count, sizeof(*s->inodes), cmp_inode_node);
	size_t n = s->inode_count + f->live_count + 1;
	uint32_t *inos = malloc(n * sizeof(*inos));
	f->table = calloc(n, sizeof(*f->table));
	if (!inos || !f->table) {
		free(inos);
		return FWG_NOMEM;
	}
	size_t k = 0;
	inos[k++] = JFFS2_ROOT_INO;
	for (size_t i = 0; i < s->inode_count; i++)
		if (i == 0 || s->inodes[i].ino != s->inodes[i - 1].ino)
			inos[k++] = s->inodes[i].ino;
	for (size_t i = 0; i < f->live_count; i++)
		inos[k++] = f->live[i].ino;
	qsort(inos, k, sizeof(*inos), cmp_u32);
	size_t node = 0;
	for (size_t i = 0; i < k; i++) {
		if (i > 0 && inos[i] == inos[i - 1])
			continue;
		struct jffs2_inode *rec = &f->table[f->table_count++];
		rec->ino = inos[i];
		while (node < s->inode_count && s->inodes[node].ino < rec->ino)
			node++;
		rec->first = node;
		while (node < s->inode_count && s->inodes[node].ino == rec->ino)
			node++;
		rec->count = node - rec->first;
	}
	free(inos);
	f->stack = malloc(f->table_count * sizeof(*f->stack));
	return f->stack ? FWG_OK : FWG_NOMEM;
}

static struct jffs2_inode *find_inode(struct jffs2_fs *f, uint32_t ino)
{
	size_t lo = 0, hi = f->table_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (f->table[mid].ino < ino)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < f->table_count && f->table[lo].ino == ino ? &f->table[lo] : NULL;
}

/* First live dirent of directory pino. */
static size_t first_child(const struct jffs2_fs *f, uint32_t pino)
{
	size_t lo = 0, hi = f->live_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (f->live[mid].pino < pino)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const struct jffs2_inode_node *newest(const struct jffs2_fs *f, const struct jffs2_inode *rec)
{
	return rec->count ? &f->scan.inodes[rec->first + rec->count - 1] : NULL;
}

/* Device number from a device inode's data (old 16-bit or new 32-bit). */
static void device_number(const struct jffs2_fs *f, const struct jffs2_inode_node *n,
		struct fwg_fs_meta *meta)
{
	if (!n || n->compr != JFFS2_COMPR_NONE || n->csize != n->dsize)
		return;
	struct fwg_cursor c = fwg_cursor_make(n->data, n->csize);
	bool be = f->scan.big_endian;
	if (n->csize == 2) {
		uint16_t v;
		if ((be ? fwg_cursor_u16be_at(&c, 0, &v) : fwg_cursor_u16le_at(&c, 0, &v)) == FWG_OK) {
			meta->rdev_major = v >> 8;
			meta->rdev_minor = v & 0xff;
		}
	} else if (n->csize == 4) {
		uint32_t v;
		if ((be ? fwg_cursor_u32be_at(&c, 0, &v) : fwg_cursor_u32le_at(&c, 0, &v)) == FWG_OK) {
			meta->rdev_major = (v & 0xfff00) >> 8;
			meta->rdev_minor = (v & 0xff) | ((v >> 12) & 0xfff00);
		}
	}
}

static enum fwg_status add_file_content(struct jffs2_fs *f, struct jffs2_inode *rec,
		struct fwg_node *entry)
{
	if (rec->entry) {
		fwg_fs_content_share(f->b, entry, rec->entry);
		return FWG_OK;
	}
	rec->entry = entry;
	const struct jffs2_inode_node *nodes = rec->count ? &f->scan.inodes[rec->first] : NULL;
	size_t isize = rec->count ? nodes[rec->count - 1].isize : 0;
	uint64_t encoded = 0;
	for (size_t i = 0; i < rec->count; i++)
		encoded += nodes[i].csize;
	uint8_t *buf;
	enum fwg_status st = fwg_fs_content_reserve(f->b, entry,
		encoded > SIZE_MAX ? SIZE_MAX : (size_t)encoded, isize, &buf);
	if (st == FWG_LIMIT)
		return FWG_OK; /* diagnostic recorded on the entry; it stays empty */
	if (st != FWG_OK)
		return st;
	st = jffs2_build_content(&f->scan, nodes, rec->count, buf, isize, &f->stats);
	if (st != FWG_OK)
		return st;
	fwg_fs_content_commit(f->b, entry, isize);
	return FWG_OK;
}

/*
 * Symlink target: the newest node's data, as the kernel reads it (csize
 * bytes; isize is not trusted: mkfs.jffs2 cuts targets to 254 bytes but
 * keeps the full length in isize).  Compressed targets are decoded.
 */
static enum fwg_status symlink_target(struct jffs2_fs *f, const struct jffs2_inode *rec,
		const struct jffs2_dirent_node *d, uint8_t **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	const struct jffs2_inode_node *n = newest(f, rec);
	if (!n)
		return FWG_OK;
	bool plain = n->compr == JFFS2_COMPR_NONE || n->compr == JFFS2_COMPR_COPY;
	size_t size = plain ? n->csize : n->dsize;
	if (size > SYMLINK_MAX) {
		jffs2_diag(&f->scan, FWG_SEV_WARNING, "jffs2.long_symlink", d->pos,
			"symlink target of ino %u is 0x%zx bytes, cut to 0x%x", rec->ino, size,
			SYMLINK_MAX);
		size = SYMLINK_MAX;
	}
	*out = malloc(size ? size : 1);
	if (!*out)
		return FWG_NOMEM;
	if (plain) {
		memcpy(*out, n->data, size);
		*len = size;
		return FWG_OK;
	}
	const char *why = NULL;
	enum fwg_status st = jffs2_decompress(n->compr, n->data, n->csize, n->dsize, *out, size, &why);
	if (st == FWG_NOMEM)
		return st;
	if (st != FWG_OK) {
		jffs2_diag(&f->scan, FWG_SEV_WARNING, "jffs2.decompress", n->pos,
			"symlink target of ino %u not decoded: %s", rec->ino, why ? why : "error");
		return FWG_OK;
	}
	*len = size;
	return FWG_OK;
}

static uint32_t entry_mode(struct jffs2_fs *f, const struct jffs2_inode *rec,
		const struct jffs2_dirent_node *d)
{
	const struct jffs2_inode_node *n = newest(f, rec);
	uint32_t from_dirent = (uint32_t)d->type << DT_SHIFT;
	if (!n) {
		f->missing_inodes++;
		jffs2_diag(&f->scan, FWG_SEV_WARNING, "jffs2.missing_inode", d->pos,
			"dirent names ino %u, which has no valid inode node", d->ino);
		/* No permissions are stored anywhere: give the usual ones. */
		if (from_dirent == S_IFDIR)
			return S_IFDIR | 0755;
		return (from_dirent ? from_dirent : S_IFREG) | 0644;
	}
	if ((n->mode & S_IFMT) == 0)
		return from_dirent | (n->mode & 07777);
	if (d->type && (n->mode & S_IFMT) != from_dirent)
		jffs2_diag(&f->scan, FWG_SEV_INFO, "jffs2.type_mismatch", d->pos,
			"dirent type %u disagrees with the mode 0%o of ino %u", d->type, n->mode, d->ino);
	return n->mode;
}

static enum fwg_status add_entry(struct jffs2_fs *f, struct fwg_node *dir,
		const struct jffs2_dirent_node *d)
{
	struct jffs2_inode *rec = find_inode(f, d->ino);
	if (!rec)
		return FWG_OK; /* cannot happen: every live ino is in the table */
	if (rec->expanded) {
		/* Only directories are expanded. */
		f->loops++;
		jffs2_diag(&f->scan, FWG_SEV_WARNING, "jffs2.dir_loop", d->pos,
			"directory ino %u is linked again (a cycle or a directory hard link), not followed",
			d->ino);
		return FWG_OK;
	}
	struct fwg_fs_meta meta = { .mode = entry_mode(f, rec, d), .inode = d->ino };
	const struct jffs2_inode_node *n = newest(f, rec);
	if (n) {
		meta.uid = n->uid;
		meta.gid = n->gid;
		meta.mtime = n->mtime;
		meta.has_mtime = true;
	}
	uint8_t *target = NULL;
	size_t target_len = 0;
	enum fwg_status st = FWG_OK;
	if (S_ISLNK(meta.mode)) {
		st = symlink_target(f, rec, d, &target, &target_len);
		if (st != FWG_OK) {
			free(target);
			return st;
		}
		meta.link_target = (const char *)target;
		meta.link_target_len = target_len;
	} else if (S_ISCHR(meta.mode) || S_ISBLK(meta.mode)) {
		device_number(f, n, &meta);
	}
	struct fwg_node *entry;
	st = fwg_fs_add(f->b, dir, (const char *)d->name, d->nsize, &meta, &entry);
	free(target);
	if (st == FWG_LIMIT || st == FWG_TRUNCATED)
		return FWG_OK; /* diagnostic recorded; carry on with the rest */
	if (st != FWG_OK)
		return st;
	rec->reached = true;
	if (S_ISDIR(meta.mode)) {
		rec->expanded = true;
		rec->entry = entry;
		f->stack[f->stack_count++] = (size_t)(rec - f->table);
	} else if (S_ISREG(meta.mode)) {
		return add_file_content(f, rec, entry);
	}
	return FWG_OK;
}

static enum fwg_status walk_tree(struct jffs2_fs *f)
{
	struct jffs2_inode *root = find_inode(f, JFFS2_ROOT_INO);
	if (!root)
		return FWG_OK;
	root->expanded = true;
	root->reached = true;
	f->stack[f->stack_count++] = (size_t)(root - f->table);
	while (f->stack_count > 0) {
		struct jffs2_inode *dir = &f->table[f->stack[--f->stack_count]];
		for (size_t i = first_child(f, dir->ino); i < f->live_count && f->live[i].pino == dir->ino;
				i++) {
			enum fwg_status st = add_entry(f, dir->entry, &f->live[i]);
			if (st != FWG_OK)
				return st;
		}
	}
	return FWG_OK;
}

/* Orphans, superseded metadata nodes; returns the orphan count. */
static uint64_t count_unreached(struct jffs2_fs *f)
{
	uint64_t orphans = 0;
	for (size_t i = 0; i < f->table_count; i++) {
		struct jffs2_inode *rec = &f->table[i];
		if (rec->count == 0)
			continue;
		const struct jffs2_inode_node *n = newest(f, rec);
		if (rec->reached) {
			/* Files counted their superseded nodes while their
			 * content was built. */
			if (!S_ISREG(n->mode) || !rec->entry)
				f->stats.superseded += rec->count - 1;
			continue;
		}
		if (rec->ino == JFFS2_ROOT_INO)
			continue;
		if (orphans < MAX_ORPHAN_DIAGS)
			FWG_INFO(f->node, "jffs2.orphan_inode", n->pos,
				"ino %u (mode 0%o, isize 0x%x, %zu nodes) is not reachable from the root",
				rec->ino, n->mode, n->isize, rec->count);
		orphans++;
	}
	if (orphans > MAX_ORPHAN_DIAGS)
		FWG_INFO(f->node, "jffs2.orphan_inode", 0, "%llu further unreachable inodes",
			(unsigned long long)(orphans - MAX_ORPHAN_DIAGS));
	return orphans;
}

static void set_attributes(struct jffs2_fs *f, uint64_t orphans)
{
	struct jffs2_scan *s = &f->scan;
	struct fwg_node *n = f->node;
	fwg_node_attr_str(n, "endianness", s->big_endian ? "big" : "little");
	fwg_node_attr_int(n, "nodes", s->nodes);
	fwg_node_attr_int(n, "inodes", f->table_count);
	fwg_node_attr_int(n, "dirents", s->dirent_count);
	uint64_t es = s->cleanmarker_gcd;
	if (s->cleanmarkers >= 2 && es >= MIN_ERASE_SIZE && (es & (es - 1)) == 0) {
		fwg_node_attr_hex(n, "erase_size", es);
		fwg_node_attr_int(n, "erase_blocks", (n->body_size + es - 1) / es);
	}
	char comps[128] = "";
	size_t used = 0;
	for (unsigned i = 0; i < JFFS2_COMPR_COUNT; i++) {
		if (!(s->compr_seen & (1u << i)))
			continue;
		int w = snprintf(comps + used, sizeof(comps) - used, "%s%s", used ? "," : "",
			jffs2_compr_name(i));
		if (w > 0 && (size_t)w < sizeof(comps) - used)
			used += (size_t)w;
	}
	if (s->compr_other || (s->compr_seen >> JFFS2_COMPR_COUNT))
		snprintf(comps + used, sizeof(comps) - used, "%sunknown", used ? "," : "");
	fwg_node_attr_str(n, "compressors", comps);
	fwg_node_attr_int(n, "cleanmarkers", s->cleanmarkers);
	if (s->padding)
		fwg_node_attr_int(n, "padding_nodes", s->padding);
	if (s->summaries)
		fwg_node_attr_int(n, "summary_nodes", s->summaries);
	if (s->xattrs || s->xrefs)
		fwg_node_attr_int(n, "xattr_nodes", s->xattrs + s->xrefs);
	fwg_node_attr_int(n, "bad_crc_nodes", s->bad_crc);
	if (s->malformed)
		fwg_node_attr_int(n, "malformed_nodes", s->malformed);
	fwg_node_attr_int(n, "obsolete_nodes", s->obsolete_marked);
	fwg_node_attr_int(n, "superseded_nodes", f->stats.superseded + f->superseded_dirents);
	fwg_node_attr_int(n, "deleted_entries", f->deleted);
	fwg_node_attr_int(n, "orphan_inodes", orphans);
	if (f->loops)
		fwg_node_attr_int(n, "dir_loops", f->loops);
	if (f->missing_inodes)
		fwg_node_attr_int(n, "missing_inodes", f->missing_inodes);
	if (s->garbage_bytes)
		fwg_node_attr_int(n, "garbage_bytes", s->garbage_bytes);
	if (f->deleted)
		FWG_INFO(n, "jffs2.deleted", 0, "%llu names deleted (newest dirent has ino 0)",
			(unsigned long long)f->deleted);
	if (s->obsolete_marked)
		FWG_INFO(n, "jffs2.obsolete", 0, "%llu nodes marked obsolete on flash",
			(unsigned long long)s->obsolete_marked);
	if (s->bad_crc)
		FWG_WARN(n, "jffs2.bad_crc", 0, "%llu nodes with a wrong crc skipped",
			(unsigned long long)s->bad_crc);
}

/*
 * Bytes the decoders may produce for this filesystem.  A genuine data node
 * holds at most a page or so behind a 68-byte header, so genuine images
 * decode to a few dozen times their size; 256 times (at least 64 MiB, at
 * most the unpacking's total budget) leaves room for that and stops
 * images whose nodes overlap only to be decoded again and again.
 */
static uint64_t work_budget(struct fwg_unpack *u, const struct fwg_node *node)
{
	uint64_t total = fwg_unpack_options(u)->limits.max_decoded_total;
	uint64_t budget = (uint64_t)node->body_size * WORK_PER_BYTE;
	if (budget < WORK_MIN)
		budget = WORK_MIN;
	return budget < total ? budget : total;
}

static enum fwg_status jffs2_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	struct jffs2_fs f = { .u = u, .node = node };
	f.scan.fs = node;
	f.stats.work_left = work_budget(u, node);
	struct fwg_cursor c = fwg_node_body(node);
	enum fwg_status st = jffs2_scan_run(&f.scan, &c);
	if (st != FWG_OK)
		goto out;
	if (!f.scan.found) {
		FWG_ERR(node, "jffs2.no_nodes", 0, "no valid jffs2 node found");
		goto out;
	}
	st = resolve_dirents(&f);
	if (st == FWG_OK)
		st = build_table(&f);
	if (st == FWG_OK)
		st = fwg_fs_begin(u, node, &f.b);
	if (st == FWG_OK)
		st = walk_tree(&f);
	if (st != FWG_OK)
		goto out;
	set_attributes(&f, count_unreached(&f));
	if (f.scan.diag_dropped > 0)
		FWG_WARN(node, "jffs2.more_problems", 0, "%llu further node problems not listed",
			(unsigned long long)f.scan.diag_dropped);
out:
	fwg_fs_end(f.b);
	jffs2_scan_free(&f.scan);
	free(f.live);
	free(f.table);
	free(f.stack);
	return st;
}

static const struct fwg_magic jffs2_magics[] = {
	{ "\x85\x19", 2, 0 },
	{ "\x19\x85", 2, 0 },
	{ NULL, 0, 0 },
};

const struct fwg_handler fwg_handler_jffs2 = {
	.name = "jffs2",
	.description = "JFFS2 flash filesystem (little- and big-endian): nodes, newest versions, tree",
	.node_type = FWG_TYPE_JFFS2,
	.probe = jffs2_probe,
	.parse = jffs2_parse,
	.magics = jffs2_magics,
	.extent = jffs2_extent,
};
