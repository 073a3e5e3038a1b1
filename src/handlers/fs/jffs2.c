/*
 * jffs2.c - placeholder, being written (issue 3).
 */
#include "handler.h"
#include "registry.h"

static int jffs2_probe(const struct fwg_cursor *body)
{
	(void)body;
	return 0;
}

static enum fwg_status jffs2_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	(void)u;
	(void)node;
	return FWG_OK;
}

const struct fwg_handler fwg_handler_jffs2 = {
	.name = "jffs2",
	.description = "jffs2 (placeholder)",
	.node_type = FWG_TYPE_JFFS2,
	.probe = jffs2_probe,
	.parse = jffs2_parse,
};
