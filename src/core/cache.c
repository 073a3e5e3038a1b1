/*
 * cache.c - content-addressed subtree cache (see cache.h).
 *
 * File DIR/<first two hex digits>/<sha256 hex>.fwgc, little-endian:
 *   "FWGCACH1"  magic and format version
 *   u32 library version length, bytes   (entries of other versions miss)
 *   u32 hash kinds present, u32 depth of the keyed node
 *   record of the keyed node:
 *     opt-str name, u8 has_guid, 16 guid, u64 body_size, u8 body_decoded, attrs, diags, u32 child count, children
 *   child record:
 *     str type, opt-str name, u8 has_guid, 16 guid, u64 offset, u64 size,
 *     u8 hashed, 32 sha256, 20 sha1, 48 sha384, u64 body_size,
 *     u8 body_decoded, attrs, diags, u32 child count, children
 *   attrs: u32 n, n x { str key, u8 kind, u64 num, opt-str text }
 *   diags: u32 n, n x { u8 severity, str code, u64 offset, str message }
 * Strings are u32 length + bytes (opt-str: 0xffffffff = absent).
 * Writes go to a temporary file renamed into place, so readers never see a
 * partial entry.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "cursor.h"

#define CACHE_MAGIC "FWGCACH1"
#define NO_STRING 0xffffffffu
#define MAX_CACHE_NODES 1000000u
#define MAX_CACHE_DEPTH 64u

struct fwg_cache {
	char *dir;
};

struct fwg_cache *fwg_cache_open(const char *dir)
{
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return NULL;
	struct fwg_cache *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->dir = strdup(dir);
	if (!c->dir) {
		free(c);
		return NULL;
	}
	return c;
}

void fwg_cache_close(struct fwg_cache *cache)
{
	if (!cache)
		return;
	free(cache->dir);
	free(cache);
}

static char *entry_path(const struct fwg_cache *cache, const uint8_t key[32], bool make_dir)
{
	char hex[65];
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", key[i]);
	char *path = NULL;
	if (make_dir) {
		if (asprintf(&path, "%s/%.2s", cache->dir, hex) < 0)
			return NULL;
		if (mkdir(path, 0755) != 0 && errno != EEXIST) {
			free(path);
			return NULL;
		}
		free(path);
	}
	if (asprintf(&path, "%s/%.2s/%s.fwgc", cache->dir, hex, hex) < 0)
		return NULL;
	return path;
}

/* ---- writing ---------------------------------------------------------- */

struct wbuf {
	uint8_t *p;
	size_t len, cap;
	bool failed;
};

static void put(struct wbuf *b, const void *src, size_t n)
{
	if (b->failed)
		return;
	if (n > b->cap - b->len) {
		size_t ncap = b->cap ? b->cap : 4096;
		while (ncap - b->len < n) {
			if (ncap > SIZE_MAX / 2) {
				b->failed = true;
				return;
			}
			ncap *= 2;
		}
		uint8_t *q = realloc(b->p, ncap);
		if (!q) {
			b->failed = true;
			return;
		}
		b->p = q;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, src, n);
	b->len += n;
}

static void put_u64(struct wbuf *b, uint64_t v)
{
	uint8_t t[8];
	for (int i = 0; i < 8; i++)
		t[i] = (uint8_t)(v >> (8 * i));
	put(b, t, 8);
}

static void put_u32(struct wbuf *b, uint32_t v)
{
	uint8_t t[4];
	for (int i = 0; i < 4; i++)
		t[i] = (uint8_t)(v >> (8 * i));
	put(b, t, 4);
}

static void put_u8(struct wbuf *b, uint8_t v)
{
	put(b, &v, 1);
}

static void put_str(struct wbuf *b, const char *s)
{
	if (!s) {
		put_u32(b, NO_STRING);
		return;
	}
	size_t n = strlen(s);
	if (n >= NO_STRING) {
		b->failed = true;
		return;
	}
	put_u32(b, (uint32_t)n);
	put(b, s, n);
}

static void put_annotations(struct wbuf *b, const struct fwg_node *n)
{
	put_u32(b, (uint32_t)n->attr_count);
	for (size_t i = 0; i < n->attr_count; i++) {
		const struct fwg_attr *a = &n->attrs[i];
		put_str(b, a->key);
		put_u8(b, (uint8_t)a->kind);
		put_u64(b, a->num);
		put_str(b, a->kind == FWG_ATTR_STR ? a->str : NULL);
	}
	put_u32(b, (uint32_t)n->diag_count);
	for (size_t i = 0; i < n->diag_count; i++) {
		const struct fwg_diag *d = &n->diags[i];
		put_u8(b, (uint8_t)d->severity);
		put_str(b, d->code);
		put_u64(b, d->offset);
		put_str(b, d->message);
	}
}

static void put_children(struct wbuf *b, const struct fwg_node *n);

static void put_child(struct wbuf *b, const struct fwg_node *n)
{
	put_str(b, n->type);
	put_str(b, n->name);
	put_u8(b, n->has_guid);
	put(b, n->guid, 16);
	put_u64(b, n->offset);
	put_u64(b, n->size);
	put_u8(b, (uint8_t)n->hashed);
	put(b, n->sha256, 32);
	put(b, n->sha1, 20);
	put(b, n->sha384, 48);
	put_u64(b, n->body_size);
	put_u8(b, n->body_decoded);
	put_annotations(b, n);
	put_children(b, n);
}

static void put_children(struct wbuf *b, const struct fwg_node *n)
{
	put_u32(b, (uint32_t)n->child_count);
	for (size_t i = 0; i < n->child_count; i++)
		put_child(b, n->children[i]);
}

static bool is_fs_entry(struct fwg_node *n, void *user)
{
	bool *found = user;
	*found = n->fs != NULL;
	return !*found;
}

void fwg_cache_store(struct fwg_cache *cache, const struct fwg_node *node, unsigned hash_kinds)
{
	if (!cache || !(node->hashed & FWG_HASH_SHA256))
		return;
	/* Filesystem entries carry metadata the cache format does not hold;
	 * such subtrees are simply parsed again next time. */
	bool has_fs = false;
	fwg_node_walk((struct fwg_node *)node, is_fs_entry, &has_fs);
	if (has_fs)
		return;
	struct wbuf b = { 0 };
	put(&b, CACHE_MAGIC, 8);
	put_str(&b, FWG_VERSION_STRING);
	put_u32(&b, hash_kinds | FWG_HASH_SHA256);
	put_u32(&b, node->depth);
	/* The keyed node's identity is set by its own parse, so it is part of
	 * what the cache must restore. */
	put_str(&b, node->name);
	put_u8(&b, node->has_guid);
	put(&b, node->guid, 16);
	put_u64(&b, node->body_size);
	put_u8(&b, node->body_decoded);
	put_annotations(&b, node);
	put_children(&b, node);
	char *path = entry_path(cache, node->sha256, true);
	char *tmp = NULL;
	if (!b.failed && path && asprintf(&tmp, "%s.%ld.tmp", path, (long)getpid()) >= 0) {
		FILE *f = fopen(tmp, "wb");
		bool ok = f && fwrite(b.p, 1, b.len, f) == b.len;
		if (f && fclose(f) != 0)
			ok = false;
		if (!ok || rename(tmp, path) != 0)
			unlink(tmp);
	}
	free(tmp);
	free(path);
	free(b.p);
}

/* ---- reading ---------------------------------------------------------- */

struct rctx {
	struct fwg_cursor c;
	uint64_t nodes;
	bool bad;
};

static uint64_t get_u64(struct rctx *r)
{
	uint64_t v = 0;
	if (fwg_cursor_read_u64le(&r->c, &v) != FWG_OK)
		r->bad = true;
	return v;
}

static uint32_t get_u32(struct rctx *r)
{
	uint32_t v = 0;
	if (fwg_cursor_read_u32le(&r->c, &v) != FWG_OK)
		r->bad = true;
	return v;
}

static uint8_t get_u8(struct rctx *r)
{
	uint8_t v = 0;
	if (fwg_cursor_read_u8(&r->c, &v) != FWG_OK)
		r->bad = true;
	return v;
}

static void get_raw(struct rctx *r, void *dst, size_t n)
{
	const uint8_t *p;
	if (fwg_cursor_read_bytes(&r->c, n, &p) != FWG_OK) {
		r->bad = true;
		memset(dst, 0, n);
		return;
	}
	memcpy(dst, p, n);
}

/* Returns a borrowed view; *len_out = SIZE_MAX for an absent string. */
static const char *get_view(struct rctx *r, size_t *len_out)
{
	uint32_t n = get_u32(r);
	const uint8_t *p = NULL;
	*len_out = SIZE_MAX;
	if (r->bad || n == NO_STRING)
		return NULL;
	if (fwg_cursor_read_bytes(&r->c, n, &p) != FWG_OK || memchr(p, 0, n)) {
		r->bad = true;
		return NULL;
	}
	*len_out = n;
	return (const char *)p;
}

static char *get_str(struct rctx *r)
{
	size_t n;
	const char *p = get_view(r, &n);
	if (!p)
		return NULL;
	char *s = strndup(p, n);
	if (!s)
		r->bad = true;
	return s;
}

static void get_annotations(struct rctx *r, struct fwg_node *n)
{
	uint32_t na = get_u32(r);
	for (uint32_t i = 0; i < na && !r->bad; i++) {
		char *key = get_str(r);
		uint8_t kind = get_u8(r);
		uint64_t num = get_u64(r);
		char *text = get_str(r);
		if (!key || r->bad || kind > FWG_ATTR_BOOL || (kind == FWG_ATTR_STR && !text)) {
			r->bad = true;
			free(key);
			free(text);
			break;
		}
		if (kind == FWG_ATTR_STR)
			fwg_node_attr_str(n, key, text);
		else if (kind == FWG_ATTR_INT)
			fwg_node_attr_int(n, key, num);
		else if (kind == FWG_ATTR_HEX)
			fwg_node_attr_hex(n, key, num);
		else
			fwg_node_attr_bool(n, key, num != 0);
		free(text);
		/* The attribute keeps the key it was given: hand over ownership. */
		struct fwg_attr *a = n->attr_count ? &n->attrs[n->attr_count - 1] : NULL;
		if (a && a->key == key)
			a->key_owned = true;
		else
			free(key);
	}
	uint32_t nd = get_u32(r);
	for (uint32_t i = 0; i < nd && !r->bad; i++) {
		uint8_t sev = get_u8(r);
		char *code = get_str(r);
		uint64_t off = get_u64(r);
		char *msg = get_str(r);
		if (!code || !msg || r->bad || sev > FWG_SEV_ERROR) {
			r->bad = true;
			free(code);
			free(msg);
			break;
		}
		size_t before = n->diag_count;
		fwg_node_diag(n, (enum fwg_severity)sev, code, off, "%s", msg);
		free(msg);
		if (n->diag_count > before)
			n->diags[before].code_owned = true;
		else
			free(code);
	}
}

static void get_children(struct rctx *r, struct fwg_node *parent);

static void get_child(struct rctx *r, struct fwg_node *parent)
{
	size_t tlen;
	const char *tview = get_view(r, &tlen);
	const char *type = tview ? fwg_type_intern(tview, tlen) : NULL;
	if (!type || ++r->nodes > MAX_CACHE_NODES || parent->depth >= MAX_CACHE_DEPTH) {
		r->bad = true;
		return;
	}
	struct fwg_node *n = fwg_node_new(type);
	if (!n || fwg_node_append(parent, n) != FWG_OK) {
		r->bad = true;
		return;
	}
	n->from_cache = true;
	n->name = get_str(r);
	n->has_guid = get_u8(r) != 0;
	get_raw(r, n->guid, 16);
	n->offset = get_u64(r);
	n->size = get_u64(r);
	n->hashed = get_u8(r);
	get_raw(r, n->sha256, 32);
	get_raw(r, n->sha1, 20);
	get_raw(r, n->sha384, 48);
	n->body_size = get_u64(r);
	n->body_decoded = get_u8(r) != 0;
	get_annotations(r, n);
	get_children(r, n);
}

static void get_children(struct rctx *r, struct fwg_node *parent)
{
	uint32_t count = get_u32(r);
	for (uint32_t i = 0; i < count && !r->bad; i++)
		get_child(r, parent);
}

static void drop_children(struct fwg_node *node, size_t keep)
{
	for (size_t i = keep; i < node->child_count; i++)
		fwg_node_free(node->children[i]);
	node->child_count = keep;
}

bool fwg_cache_load(struct fwg_cache *cache, struct fwg_node *node, uint64_t *node_count)
{
	if (!cache || !(node->hashed & FWG_HASH_SHA256))
		return false;
	char *path = entry_path(cache, node->sha256, false);
	if (!path)
		return false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return false;
	struct stat st;
	void *map = MAP_FAILED;
	if (fstat(fd, &st) == 0 && st.st_size > 16)
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return false;

	struct rctx r = { .c = fwg_cursor_make(map, (size_t)st.st_size) };
	uint8_t magic[8];
	get_raw(&r, magic, 8);
	size_t vlen;
	const char *ver = get_view(&r, &vlen);
	uint32_t kinds = get_u32(&r);
	uint32_t depth = get_u32(&r);
	bool ok = !r.bad && memcmp(magic, CACHE_MAGIC, 8) == 0 && ver &&
		vlen == strlen(FWG_VERSION_STRING) && memcmp(ver, FWG_VERSION_STRING, vlen) == 0 &&
		depth == node->depth && (node->hashed & ~kinds) == 0;
	size_t keep_children = node->child_count;
	size_t keep_attrs = node->attr_count, keep_diags = node->diag_count;
	char *name = NULL;
	if (ok) {
		name = get_str(&r);
		node->has_guid = get_u8(&r) != 0;
		get_raw(&r, node->guid, 16);
		node->body_size = (size_t)get_u64(&r);
		node->body_decoded = get_u8(&r) != 0;
		get_annotations(&r, node);
		get_children(&r, node);
		ok = !r.bad && fwg_cursor_remaining(&r.c) == 0;
	}
	munmap(map, (size_t)st.st_size);
	if (!ok) {
		free(name);
		node->has_guid = false;
		drop_children(node, keep_children);
		/* Attributes restored before the failure are dropped too. */
		while (node->attr_count > keep_attrs) {
			struct fwg_attr *a = &node->attrs[--node->attr_count];
			free(a->str);
			if (a->key_owned)
				free((char *)a->key);
		}
		while (node->diag_count > keep_diags) {
			struct fwg_diag *d = &node->diags[--node->diag_count];
			free(d->message);
			if (d->code_owned)
				free((char *)d->code);
		}
		node->body_decoded = false;
		node->body = node->data;
		node->body_size = (size_t)node->size;
		return false;
	}
	free(node->name);
	node->name = name;
	node->body = NULL; /* the decoded bytes are not in the cache */
	*node_count += r.nodes;
	return true;
}
