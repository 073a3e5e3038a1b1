/*
 * cache.h - opt-in content-addressed cache of parsed subtrees.
 *
 * Key: SHA-256 of a cacheable node's raw bytes (e.g. an LZMA-compressed
 * section).  Value: everything its handler and the recursion below it
 * produced: the node's own attributes and diagnostics, its body size and
 * the whole child subtree with digests.  Across a fleet's vendor releases
 * the same compressed volumes recur, so a re-scan skips decompression.
 *
 * Restored nodes carry no bytes (data == NULL): the cache serves scan and
 * tree, never extraction.  Cache files are treated as untrusted input and
 * parsed through the cursor; any inconsistency is a miss.
 */
#ifndef FWG_CORE_CACHE_H
#define FWG_CORE_CACHE_H

#include "node.h"

struct fwg_cache;

/* NULL when the directory cannot be created (the cache is then off). */
struct fwg_cache *fwg_cache_open(const char *dir);
void fwg_cache_close(struct fwg_cache *cache);
/* Restores node's subtree keyed by node->sha256; adds the restored nodes to
 * *node_count.  Returns false on a miss. */
bool fwg_cache_load(struct fwg_cache *cache, struct fwg_node *node, uint64_t *node_count);
/* Best effort: failures only mean a later miss. */
void fwg_cache_store(struct fwg_cache *cache, const struct fwg_node *node, unsigned hash_kinds);

#endif
