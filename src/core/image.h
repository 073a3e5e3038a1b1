/*
 * image.h - the struct behind the public fwg_image handle.
 */
#ifndef FWG_CORE_IMAGE_H
#define FWG_CORE_IMAGE_H

#include "node.h"

struct fwg_image {
	char *path;
	void *map;          /* mmap of the input, NULL for caller buffers */
	size_t map_size;
	struct fwg_node *root;
	struct fwg_options options;
	uint64_t node_count;
	uint64_t anomaly_count;
	uint64_t error_count;
};

#endif
