/*
 * cramfs.c - placeholder, being written (issue 3).
 */
#include "handler.h"
#include "registry.h"

static int cramfs_probe(const struct fwg_cursor *body)
{
	(void)body;
	return 0;
}

static enum fwg_status cramfs_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	(void)u;
	(void)node;
	return FWG_OK;
}

const struct fwg_handler fwg_handler_cramfs = {
	.name = "cramfs",
	.description = "cramfs (placeholder)",
	.node_type = FWG_TYPE_CRAMFS,
	.probe = cramfs_probe,
	.parse = cramfs_parse,
};
