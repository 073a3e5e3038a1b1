/*
 * unpack.c - recursive unpacking with budgets.
 *
 * unpack_node(node):
 *   1. depth budget: a node deeper than limits.max_depth is kept opaque
 *      with a diagnostic;
 *   2. handler = node->handler, or the registry's best probe of its body;
 *   3. for a cacheable handler with the cache on, the subtree is restored
 *      from the content-addressed cache when the raw bytes were seen before;
 *   4. otherwise the handler parses the body and the driver recurses into
 *      every child it created.
 * Budgets on node count and decoded bytes are enforced where children and
 * decode buffers are created (fwg_unpack_add_child/_reserve_decoded), so no
 * handler can exceed them.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cache.h"
#include "hash_pool.h"
#include "unpack.h"

struct fwg_unpack {
	const struct fwg_options *options;
	uint64_t node_count;
	uint64_t decoded_total;
	struct fwg_hash_pool *pool;
	struct fwg_cache *cache;
	bool node_limit_hit;
	/* Cacheable nodes parsed this run, stored once their subtrees are
	 * hashed (after the pool has finished). */
	struct fwg_node **to_store;
	size_t to_store_count, to_store_cap;
};

static void remember_for_cache(struct fwg_unpack *u, struct fwg_node *node)
{
	if (u->to_store_count == u->to_store_cap) {
		size_t ncap = u->to_store_cap ? u->to_store_cap * 2 : 16;
		struct fwg_node **p = realloc(u->to_store, ncap * sizeof(*p));
		if (!p)
			return; /* the cache is an optimisation: skip storing */
		u->to_store = p;
		u->to_store_cap = ncap;
	}
	u->to_store[u->to_store_count++] = node;
}

const struct fwg_options *fwg_unpack_options(const struct fwg_unpack *u)
{
	return u->options;
}

static enum fwg_status check_node_budget(struct fwg_unpack *u, struct fwg_node *parent,
		uint64_t offset)
{
	if (u->node_count < u->options->limits.max_nodes)
		return FWG_OK;
	if (!u->node_limit_hit)
		FWG_ERR(parent, "limit.nodes", offset,
			"node budget of %llu components exhausted, rest kept opaque",
			(unsigned long long)u->options->limits.max_nodes);
	u->node_limit_hit = true;
	return FWG_LIMIT;
}

enum fwg_status fwg_unpack_new_entry(struct fwg_unpack *u, struct fwg_node *parent,
		const char *type, const struct fwg_handler *handler, struct fwg_node **child_out)
{
	*child_out = NULL;
	enum fwg_status st = check_node_budget(u, parent, 0);
	if (st != FWG_OK)
		return st;
	struct fwg_node *child = fwg_node_new(type);
	if (!child)
		return FWG_NOMEM;
	child->handler = handler;
	if (fwg_node_append(parent, child) != FWG_OK)
		return FWG_NOMEM;
	u->node_count++;
	*child_out = child;
	return FWG_OK;
}

enum fwg_status fwg_unpack_add_child(struct fwg_unpack *u, struct fwg_node *parent,
		const char *type, size_t offset, size_t size, const struct fwg_handler *handler,
		struct fwg_node **child_out)
{
	*child_out = NULL;
	if (!parent->body || offset > parent->body_size || size > parent->body_size - offset)
		return FWG_TRUNCATED;
	enum fwg_status st = check_node_budget(u, parent, offset);
	if (st != FWG_OK)
		return st;
	struct fwg_node *child = fwg_node_new(type);
	if (!child)
		return FWG_NOMEM;
	child->offset = offset;
	child->size = size;
	child->data = parent->body + offset;
	child->body = child->data;
	child->body_size = size;
	if (!parent->body_decoded && parent->abs_offset != FWG_NO_ABS_OFFSET)
		child->abs_offset = parent->abs_offset + parent->body_offset + offset;
	child->handler = handler;
	if (fwg_node_append(parent, child) != FWG_OK)
		return FWG_NOMEM;
	u->node_count++;
	*child_out = child;
	return FWG_OK;
}

enum fwg_status fwg_unpack_set_body(struct fwg_node *node, size_t offset, size_t size)
{
	if (!node->data || node->body_decoded || offset > node->size || size > node->size - offset)
		return FWG_TRUNCATED;
	node->body = node->data + offset;
	node->body_offset = offset;
	node->body_size = size;
	return FWG_OK;
}

/* Large decode buffers are backed by transparent huge pages where the
 * kernel allows it: decoding megabytes into fresh 4 KiB pages costs a page
 * fault per page, a measurable share of scanning a compressed volume. */
static uint8_t *alloc_decode_buffer(size_t size)
{
	const size_t huge = 2u << 20;
	if (size < huge)
		return malloc(size ? size : 1);
	size_t rounded;
	if (!fwg_align_up(size, huge, &rounded))
		return NULL;
	void *p = aligned_alloc(huge, rounded);
	if (p)
		(void)madvise(p, rounded, MADV_HUGEPAGE);
	return p;
}

enum fwg_status fwg_unpack_reserve_decoded(struct fwg_unpack *u, struct fwg_node *node,
		size_t encoded_size, size_t decoded_size, uint8_t **buf_out)
{
	const struct fwg_limits *lim = &u->options->limits;
	*buf_out = NULL;
	if (decoded_size > lim->max_decoded_single) {
		FWG_ERR(node, "limit.decoded_single", 0,
			"decoded size 0x%zx exceeds the per-stream budget 0x%llx",
			decoded_size, (unsigned long long)lim->max_decoded_single);
		return FWG_LIMIT;
	}
	if (decoded_size > lim->max_decoded_total - u->decoded_total) {
		FWG_ERR(node, "limit.decoded_total", 0,
			"decoded size 0x%zx exceeds the remaining total budget 0x%llx",
			decoded_size, (unsigned long long)(lim->max_decoded_total - u->decoded_total));
		return FWG_LIMIT;
	}
	if (decoded_size > (1u << 20) && lim->max_ratio &&
			(encoded_size == 0 || decoded_size / encoded_size >= lim->max_ratio)) {
		FWG_ERR(node, "limit.ratio", 0,
			"claimed ratio of 0x%zx decoded from 0x%zx encoded bytes exceeds %u:1",
			decoded_size, encoded_size, lim->max_ratio);
		return FWG_LIMIT;
	}
	uint8_t *buf = alloc_decode_buffer(decoded_size);
	if (!buf)
		return FWG_NOMEM;
	free(node->owned);
	node->owned = buf;
	u->decoded_total += decoded_size;
	*buf_out = buf;
	return FWG_OK;
}

void fwg_unpack_commit_decoded(struct fwg_node *node, size_t produced)
{
	node->body = node->owned;
	node->body_size = produced;
	node->body_offset = 0;
	node->body_decoded = true;
}

void fwg_unpack_commit_owned(struct fwg_node *node, size_t produced)
{
	fwg_unpack_commit_decoded(node, produced);
	node->data = node->owned;
	node->size = produced;
	node->body_decoded = false;
	node->abs_offset = FWG_NO_ABS_OFFSET;
}

static enum fwg_status unpack_node(struct fwg_unpack *u, struct fwg_node *node, bool top);

enum fwg_status fwg_unpack_probe_child(struct fwg_unpack *u, struct fwg_node *parent,
		size_t offset, size_t size, struct fwg_node **child_out)
{
	*child_out = NULL;
	struct fwg_cursor body = fwg_node_body(parent), win;
	if (fwg_cursor_sub(&body, offset, size, &win) != FWG_OK)
		return FWG_TRUNCATED;
	const struct fwg_handler *h = fwg_unpack_probe(&win, false);
	if (!h)
		return FWG_OK;
	return fwg_unpack_add_child(u, parent, h->node_type ? h->node_type : FWG_TYPE_RAW,
		offset, size, h, child_out);
}

static enum fwg_status unpack_children(struct fwg_unpack *u, struct fwg_node *node)
{
	/* Children may be appended while we iterate only by their own
	 * parse, never to this node, so the count is stable here. */
	for (size_t i = 0; i < node->child_count; i++) {
		enum fwg_status st = unpack_node(u, node->children[i], false);
		if (st != FWG_OK)
			return st;
	}
	return FWG_OK;
}

static enum fwg_status unpack_node(struct fwg_unpack *u, struct fwg_node *node, bool top)
{
	const struct fwg_handler *h = node->handler;
	enum fwg_status st;

	if (!h && node->body_size) {
		struct fwg_cursor body = fwg_node_body(node);
		/* A flash partition is as opaque as the image itself: the
		 * top-level probes (layouts, carving) apply inside it too. */
		h = fwg_unpack_probe(&body, top || node->type == FWG_TYPE_PARTITION);
		/* A decoded body belongs to its node: a format found in it
		 * (even one of the same type, a gzip in a gzip) is a child,
		 * so its handler never decodes over the bytes it reads. */
		if (h && h->node_type && (h->node_type != node->type || node->body_decoded)) {
			/* The probed format is a component of its own inside
			 * this node: wrap it, then let recursion parse it. */
			struct fwg_node *child;
			st = fwg_hash_pool_submit(u->pool, node);
			if (st == FWG_OK)
				st = fwg_unpack_add_child(u, node, h->node_type, 0,
					node->body_size, h, &child);
			if (st == FWG_LIMIT)
				return FWG_OK;
			if (st != FWG_OK)
				return st;
			return unpack_children(u, node);
		}
	}
	if (h && node->depth >= u->options->limits.max_depth) {
		FWG_ERR(node, "limit.depth", 0, "nesting depth %u reached, component kept opaque",
			node->depth);
		h = NULL;
	}
	bool cacheable = h && u->cache && (h->flags & FWG_HANDLER_CACHEABLE);
	if (cacheable) {
		/* The cache key is the raw bytes' digest: hash in place. */
		st = fwg_hash_node(node, u->options->hashes);
		if (st != FWG_OK)
			return st;
		if (fwg_cache_load(u->cache, node, &u->node_count))
			return node->alloc_failed ? FWG_NOMEM : FWG_OK;
	} else {
		st = fwg_hash_pool_submit(u->pool, node);
		if (st != FWG_OK)
			return st;
	}
	if (!h)
		return FWG_OK;
	st = h->parse(u, node);
	if (st != FWG_OK)
		return st;
	if (node->alloc_failed)
		return FWG_NOMEM;
	st = unpack_children(u, node);
	if (st == FWG_OK && cacheable)
		remember_for_cache(u, node);
	return st;
}

static unsigned default_workers(const struct fwg_options *options)
{
	if (options->threads)
		return options->threads;
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 1 ? (unsigned)(n - 1) : 0;
}

/* Hashes of cached subtrees were restored with them; everything the pool
 * did not see was already hashed in place. */
enum fwg_status fwg_unpack_run(struct fwg_node *root, const struct fwg_options *options,
		uint64_t *node_count_out)
{
	struct fwg_unpack u = { .options = options, .node_count = 1 };
	enum fwg_status st = fwg_hash_pool_new(default_workers(options), options->hashes, &u.pool);
	if (st != FWG_OK)
		return st;
	if (options->cache_dir)
		u.cache = fwg_cache_open(options->cache_dir);
	st = unpack_node(&u, root, true);
	enum fwg_status hst = fwg_hash_pool_finish(u.pool);
	if (st == FWG_OK)
		st = hst;
	fwg_hash_pool_free(u.pool);
	for (size_t i = 0; st == FWG_OK && i < u.to_store_count; i++)
		fwg_cache_store(u.cache, u.to_store[i], options->hashes);
	free(u.to_store);
	fwg_cache_close(u.cache);
	*node_count_out = u.node_count;
	return st;
}
