/*
 * tar.c - placeholder, being written (issue 3).
 */
#include "handler.h"
#include "registry.h"

static int tar_probe(const struct fwg_cursor *body)
{
	(void)body;
	return 0;
}

static enum fwg_status tar_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	(void)u;
	(void)node;
	return FWG_OK;
}

const struct fwg_handler fwg_handler_tar = {
	.name = "tar",
	.description = "tar (placeholder)",
	.node_type = FWG_TYPE_TAR,
	.probe = tar_probe,
	.parse = tar_parse,
};
