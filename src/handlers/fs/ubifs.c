/*
 * ubifs.c - placeholder, being written (issue 3).
 */
#include "handler.h"
#include "registry.h"

static int ubifs_probe(const struct fwg_cursor *body)
{
	(void)body;
	return 0;
}

static enum fwg_status ubifs_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	(void)u;
	(void)node;
	return FWG_OK;
}

const struct fwg_handler fwg_handler_ubifs = {
	.name = "ubifs",
	.description = "ubifs (placeholder)",
	.node_type = FWG_TYPE_UBIFS,
	.probe = ubifs_probe,
	.parse = ubifs_parse,
};
