/*
 * squashfs.c - placeholder, being written (issue 3).
 */
#include "handler.h"
#include "registry.h"

static int squashfs_probe(const struct fwg_cursor *body)
{
	(void)body;
	return 0;
}

static enum fwg_status squashfs_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	(void)u;
	(void)node;
	return FWG_OK;
}

const struct fwg_handler fwg_handler_squashfs = {
	.name = "squashfs",
	.description = "squashfs (placeholder)",
	.node_type = FWG_TYPE_SQUASHFS,
	.probe = squashfs_probe,
	.parse = squashfs_parse,
};
