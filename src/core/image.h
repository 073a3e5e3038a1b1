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

struct fwg_handler;
/* fwg_image_open_buffer with the root parsed by handler (NULL = probe):
 * lets tests and fuzzers drive one handler through the whole pipeline. */
FWG_NODISCARD enum fwg_status fwg_image_open_buffer_as(const uint8_t *data, size_t size,
		const char *label, const struct fwg_options *options,
		const struct fwg_handler *handler, struct fwg_image **image_out, char *errbuf,
		size_t errbuf_size);

#endif
