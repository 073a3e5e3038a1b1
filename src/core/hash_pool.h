/*
 * hash_pool.h - hashes component bytes on worker threads while the caller
 * keeps parsing and decoding, so hashing overlaps decompression.
 *
 * Nodes are submitted as soon as their bytes are final (node data is
 * immutable for the life of the tree).  fwg_hash_pool_finish() makes the
 * caller help drain the queue, then joins the workers; after it returns
 * every submitted node has its digests.
 */
#ifndef FWG_CORE_HASH_POOL_H
#define FWG_CORE_HASH_POOL_H

#include "node.h"

struct fwg_hash_pool;

/* workers: threads besides the caller (0 = hash in the caller at finish). */
FWG_NODISCARD enum fwg_status fwg_hash_pool_new(unsigned workers, unsigned kinds,
		struct fwg_hash_pool **out);
FWG_NODISCARD enum fwg_status fwg_hash_pool_submit(struct fwg_hash_pool *pool, struct fwg_node *node);
FWG_NODISCARD enum fwg_status fwg_hash_pool_finish(struct fwg_hash_pool *pool);
void fwg_hash_pool_free(struct fwg_hash_pool *pool);

/* Synchronous hashing of one node's raw bytes (used for cache keys). */
FWG_NODISCARD enum fwg_status fwg_hash_node(struct fwg_node *node, unsigned kinds);

#endif
