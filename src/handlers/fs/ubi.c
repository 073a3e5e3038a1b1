/*
 * ubi.c - placeholder, being written (issue 3).
 */
#include "handler.h"
#include "registry.h"

static int ubi_probe(const struct fwg_cursor *body)
{
	(void)body;
	return 0;
}

static enum fwg_status ubi_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	(void)u;
	(void)node;
	return FWG_OK;
}

const struct fwg_handler fwg_handler_ubi = {
	.name = "ubi",
	.description = "ubi (placeholder)",
	.node_type = FWG_TYPE_UBI,
	.probe = ubi_probe,
	.parse = ubi_parse,
};
