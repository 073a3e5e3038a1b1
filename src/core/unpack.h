/*
 * unpack.h - the recursive unpacking driver (internal to the library).
 *
 * fwg_unpack_run() parses a root node: it picks a handler (the one the
 * parent chose, or the best probe), lets it create children, and recurses,
 * bounded by the depth, node-count and decoded-bytes budgets of
 * struct fwg_limits.  Every node is handed to the hash pool as soon as its
 * bytes are final.
 */
#ifndef FWG_CORE_UNPACK_H
#define FWG_CORE_UNPACK_H

#include "handler.h"

FWG_NODISCARD enum fwg_status fwg_unpack_run(struct fwg_node *root, const struct fwg_options *options,
		uint64_t *node_count_out);

/* Appends a child with no bytes yet (filesystem entries, see fs.c), under
 * the node budget.  FWG_LIMIT: diagnostic recorded on parent. */
FWG_NODISCARD enum fwg_status fwg_unpack_new_entry(struct fwg_unpack *u, struct fwg_node *parent,
		const char *type, const struct fwg_handler *handler, struct fwg_node **child_out);

#endif
