/*
 * image.c - opening an image (mmap), running the unpacker, finishing the
 * tree (ids in pre-order, stable paths, names from UI sections), and the
 * public node accessors declared in fwguard/fwguard.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guid.h"
#include "image.h"
#include "unpack.h"

const char *fwg_status_str(enum fwg_status status)
{
	switch (status) {
	case FWG_OK: return "ok";
	case FWG_TRUNCATED: return "truncated";
	case FWG_MALFORMED: return "malformed";
	case FWG_LIMIT: return "limit reached";
	case FWG_NOMEM: return "out of memory";
	case FWG_IO: return "i/o error";
	case FWG_UNSUPPORTED: return "unsupported";
	}
	return "unknown status";
}

void fwg_limits_default(struct fwg_limits *limits)
{
	limits->max_depth = 48;
	limits->max_nodes = 2000000;
	limits->max_decoded_total = 4ull << 30;
	limits->max_decoded_single = 1ull << 30;
	limits->max_ratio = 4096;
}

void fwg_options_default(struct fwg_options *options)
{
	memset(options, 0, sizeof(*options));
	fwg_limits_default(&options->limits);
	options->hashes = FWG_HASH_SHA256;
}

/* ---- tree finishing --------------------------------------------------- */

/* Key of a path segment: GUID, else name, else the index among siblings of
 * the same type; "#n" disambiguates repeated keys among siblings. */
static char *segment_key(const struct fwg_node *n, size_t same_type_index)
{
	char *s = NULL;
	if (n->type == FWG_TYPE_NVRAM_VAR && n->has_guid && n->name) {
		/* A variable is identified by its vendor GUID and its name. */
		char g[FWG_GUID_TEXT_LEN];
		fwg_guid_format(n->guid, g);
		if (asprintf(&s, "%s:%s", n->name, g) < 0)
			s = NULL;
	} else if (n->has_guid) {
		char g[FWG_GUID_TEXT_LEN];
		fwg_guid_format(n->guid, g);
		s = strdup(g);
	} else if (n->name) {
		s = strdup(n->name);
	} else if (asprintf(&s, "%zu", same_type_index) < 0) {
		s = NULL;
	}
	return s;
}

/* Path text may not contain '/' or ']' from names; they are replaced. */
static void sanitize_key(char *s)
{
	for (; *s; s++)
		if (*s == '/' || *s == '[' || *s == ']' || (unsigned char)*s < 0x20)
			*s = '_';
}

/* A sibling's key with its position, sorted to find repeated keys. */
struct keyed_child {
	const char *type;
	char *key;
	size_t index;
};

static int compare_keyed(const void *a, const void *b)
{
	const struct keyed_child *x = a, *y = b;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	int c = strcmp(x->key, y->key);
	if (c)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Paths of all children of parent.  Sorting (type, key, position) makes
 * duplicate numbering O(n log n), which matters for volumes and stores
 * with thousands of siblings. */
static enum fwg_status build_child_paths(struct fwg_node *parent)
{
	size_t n = parent->child_count;
	if (n == 0)
		return FWG_OK;
	struct keyed_child *kc = calloc(n, sizeof(*kc));
	size_t *dup = calloc(n, sizeof(*dup));
	enum fwg_status st = kc && dup ? FWG_OK : FWG_NOMEM;
	/* Per-type running index; the vocabulary is small. */
	const char *types[32];
	size_t counts[32], ntypes = 0;
	for (size_t i = 0; i < n && st == FWG_OK; i++) {
		const struct fwg_node *c = parent->children[i];
		size_t t = 0;
		while (t < ntypes && types[t] != c->type)
			t++;
		if (t == ntypes && ntypes < 32) {
			types[ntypes] = c->type;
			counts[ntypes++] = 0;
		}
		size_t same_type = t < ntypes ? counts[t]++ : i;
		kc[i] = (struct keyed_child){ c->type, segment_key(c, same_type), i };
		if (!kc[i].key)
			st = FWG_NOMEM;
		else
			sanitize_key(kc[i].key);
	}
	if (st == FWG_OK) {
		qsort(kc, n, sizeof(*kc), compare_keyed);
		for (size_t i = 1; i < n; i++)
			if (kc[i].type == kc[i - 1].type && strcmp(kc[i].key, kc[i - 1].key) == 0)
				dup[kc[i].index] = dup[kc[i - 1].index] + 1;
	}
	const char *base = parent->parent ? parent->path : "";
	for (size_t i = 0; i < n && st == FWG_OK; i++) {
		const struct keyed_child *k = &kc[i];
		struct fwg_node *c = parent->children[k->index];
		size_t d = dup[k->index];
		int r = d ? asprintf(&c->path, "%s/%s[%s#%zu]", base, c->type, k->key, d)
			  : asprintf(&c->path, "%s/%s[%s]", base, c->type, k->key);
		if (r < 0) {
			c->path = NULL;
			st = FWG_NOMEM;
		}
	}
	for (size_t i = 0; kc && i < n; i++)
		free(kc[i].key);
	free(kc);
	free(dup);
	return st;
}

/* The first UI section below an FFS file (not inside a nested file or
 * volume) names the file, as the PI spec intends. */
static const char *find_ui_name(const struct fwg_node *n)
{
	for (size_t i = 0; i < n->child_count; i++) {
		const struct fwg_node *c = n->children[i];
		if (c->type != FWG_TYPE_SECTION)
			continue;
		const struct fwg_attr *ui = fwg_node_attr_find(c, "ui_name");
		if (ui && ui->kind == FWG_ATTR_STR)
			return ui->str;
		const char *deeper = find_ui_name(c);
		if (deeper)
			return deeper;
	}
	return NULL;
}

struct finish_state {
	uint64_t next_id;
	uint64_t anomalies;
	uint64_t errors;
	enum fwg_status st;
};

static bool finish_visit(struct fwg_node *n, void *user)
{
	struct finish_state *fs = user;
	n->id = fs->next_id++;
	for (size_t i = 0; i < n->diag_count; i++) {
		if (n->diags[i].severity >= FWG_SEV_WARNING)
			fs->anomalies++;
		if (n->diags[i].severity == FWG_SEV_ERROR)
			fs->errors++;
	}
	if (n->type == FWG_TYPE_FFS && !n->name) {
		const char *ui = find_ui_name(n);
		const struct fwg_attr *ft = fwg_node_attr_find(n, "file_type");
		bool pad = ft && ft->kind == FWG_ATTR_STR && strcmp(ft->str, "PAD") == 0;
		if (ui) {
			fwg_node_set_name(n, ui);
		} else if (n->has_guid && fwg_guid_name(n->guid)) {
			fwg_node_set_name(n, fwg_guid_name(n->guid));
		} else if (!pad && n->has_guid) {
			/* Neither a UI section nor the well-known table names
			 * it: worth a look when hunting for implants. */
			char g[FWG_GUID_TEXT_LEN];
			fwg_guid_format(n->guid, g);
			fwg_node_diag(n, FWG_SEV_INFO, "ffs.unknown_guid", 0,
				"file %s has no user-interface name and is not a well-known GUID", g);
		}
	} else if (!n->name && n->has_guid && n->type != FWG_TYPE_SECTION) {
		const char *known = fwg_guid_name(n->guid);
		if (known)
			fwg_node_set_name(n, known);
	}
	if (!n->parent && !n->path) {
		n->path = strdup("/");
		if (!n->path)
			n->alloc_failed = true;
	}
	if (build_child_paths(n) != FWG_OK || n->alloc_failed) {
		fs->st = FWG_NOMEM;
		return false;
	}
	return true;
}

/* ---- opening ---------------------------------------------------------- */

static void set_err(char *buf, size_t size, const char *fmt, const char *a, const char *b)
{
	if (buf && size)
		snprintf(buf, size, fmt, a, b);
}

enum fwg_status fwg_image_open_buffer(const uint8_t *data, size_t size, const char *label,
		const struct fwg_options *options, struct fwg_image **image_out,
		char *errbuf, size_t errbuf_size)
{
	return fwg_image_open_buffer_as(data, size, label, options, NULL, image_out, errbuf,
		errbuf_size);
}

enum fwg_status fwg_image_open_buffer_as(const uint8_t *data, size_t size, const char *label,
		const struct fwg_options *options, const struct fwg_handler *handler,
		struct fwg_image **image_out, char *errbuf, size_t errbuf_size)
{
	struct fwg_options defaults;
	if (!options) {
		fwg_options_default(&defaults);
		options = &defaults;
	}
	*image_out = NULL;
	struct fwg_image *img = calloc(1, sizeof(*img));
	struct fwg_node *root = fwg_node_new(FWG_TYPE_IMAGE);
	if (!img || !root || !(img->path = strdup(label ? label : "-"))) {
		free(img);
		fwg_node_free(root);
		set_err(errbuf, errbuf_size, "%s%s", "out of memory", "");
		return FWG_NOMEM;
	}
	img->options = *options;
	img->root = root;
	root->data = data;
	root->size = size;
	root->body = data;
	root->body_size = size;
	root->abs_offset = 0;
	root->handler = handler;
	const char *base = strrchr(img->path, '/');
	fwg_node_set_name(root, base ? base + 1 : img->path);

	enum fwg_status st = fwg_unpack_run(root, &img->options, &img->node_count);
	if (st == FWG_OK) {
		struct finish_state fs = { 0 };
		fwg_node_walk(root, finish_visit, &fs);
		st = fs.st;
		img->anomaly_count = fs.anomalies;
		img->error_count = fs.errors;
	}
	if (st != FWG_OK) {
		set_err(errbuf, errbuf_size, "%s: %s", img->path, fwg_status_str(st));
		fwg_image_free(img);
		return st;
	}
	*image_out = img;
	return FWG_OK;
}

enum fwg_status fwg_image_open(const char *path, const struct fwg_options *options,
		struct fwg_image **image_out, char *errbuf, size_t errbuf_size)
{
	*image_out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		set_err(errbuf, errbuf_size, "%s: %s", path, strerror(errno));
		return FWG_IO;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		set_err(errbuf, errbuf_size, "%s: %s", path, "not a regular file");
		close(fd);
		return FWG_IO;
	}
	if (st.st_size == 0) {
		set_err(errbuf, errbuf_size, "%s: %s", path, "empty file");
		close(fd);
		return FWG_MALFORMED;
	}
	size_t size = (size_t)st.st_size;
	void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		set_err(errbuf, errbuf_size, "%s: %s", path, strerror(errno));
		return FWG_IO;
	}
	madvise(map, size, MADV_SEQUENTIAL | MADV_WILLNEED);
	enum fwg_status s = fwg_image_open_buffer(map, size, path, options, image_out,
		errbuf, errbuf_size);
	if (s != FWG_OK) {
		munmap(map, size);
		return s;
	}
	(*image_out)->map = map;
	(*image_out)->map_size = size;
	return FWG_OK;
}

void fwg_image_free(struct fwg_image *image)
{
	if (!image)
		return;
	fwg_node_free(image->root);
	if (image->map)
		munmap(image->map, image->map_size);
	free(image->path);
	free(image);
}

/* ---- accessors -------------------------------------------------------- */

const struct fwg_node *fwg_image_root(const struct fwg_image *image) { return image->root; }
const char *fwg_image_path(const struct fwg_image *image) { return image->path; }
uint64_t fwg_image_node_count(const struct fwg_image *image) { return image->node_count; }
uint64_t fwg_image_anomaly_count(const struct fwg_image *image) { return image->anomaly_count; }
uint64_t fwg_image_error_count(const struct fwg_image *image) { return image->error_count; }
const char *fwg_node_type(const struct fwg_node *node) { return node->type; }
const char *fwg_node_name(const struct fwg_node *node) { return node->name; }
uint64_t fwg_node_offset(const struct fwg_node *node) { return node->offset; }
uint64_t fwg_node_size(const struct fwg_node *node) { return node->size; }
uint64_t fwg_node_id(const struct fwg_node *node) { return node->id; }
size_t fwg_node_child_count(const struct fwg_node *node) { return node->child_count; }
const struct fwg_node *fwg_node_parent(const struct fwg_node *node) { return node->parent; }
const char *fwg_node_path(const struct fwg_node *node) { return node->path; }

bool fwg_node_guid(const struct fwg_node *node, uint8_t guid_out[16])
{
	if (node->has_guid)
		memcpy(guid_out, node->guid, 16);
	return node->has_guid;
}

const struct fwg_node *fwg_node_child(const struct fwg_node *node, size_t i)
{
	return i < node->child_count ? node->children[i] : NULL;
}

const char *fwg_node_hash_hex(const struct fwg_node *node, enum fwg_hash_kind kind)
{
	struct fwg_node *n = (struct fwg_node *)node; /* lazily filled cache */
	const uint8_t *digest;
	size_t len;
	int slot;
	switch (kind) {
	case FWG_HASH_SHA256: digest = n->sha256; len = 32; slot = 0; break;
	case FWG_HASH_SHA1: digest = n->sha1; len = 20; slot = 1; break;
	case FWG_HASH_SHA384: digest = n->sha384; len = 48; slot = 2; break;
	default: return NULL;
	}
	if (!(n->hashed & kind))
		return NULL;
	if (!n->hex_cache[slot]) {
		static const char hexdigits[] = "0123456789abcdef";
		char *s = malloc(len * 2 + 1);
		if (!s)
			return NULL;
		for (size_t i = 0; i < len; i++) {
			s[2 * i] = hexdigits[digest[i] >> 4];
			s[2 * i + 1] = hexdigits[digest[i] & 15];
		}
		s[len * 2] = '\0';
		n->hex_cache[slot] = s;
	}
	return n->hex_cache[slot];
}

const char *fwg_node_attr(const struct fwg_node *node, const char *key)
{
	struct fwg_attr *a = (struct fwg_attr *)fwg_node_attr_find(node, key);
	if (!a)
		return NULL;
	if (a->kind == FWG_ATTR_STR)
		return a->str;
	if (!a->str) {
		int r;
		if (a->kind == FWG_ATTR_BOOL)
			r = asprintf(&a->str, "%s", a->num ? "true" : "false");
		else if (a->kind == FWG_ATTR_HEX)
			r = asprintf(&a->str, "0x%llx", (unsigned long long)a->num);
		else
			r = asprintf(&a->str, "%llu", (unsigned long long)a->num);
		if (r < 0)
			a->str = NULL;
	}
	return a->str;
}
