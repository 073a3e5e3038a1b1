/*
 * uimage.c - placeholder, being written (issue 3).
 */
#include "handler.h"
#include "registry.h"

static int uimage_probe(const struct fwg_cursor *body)
{
	(void)body;
	return 0;
}

static enum fwg_status uimage_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	(void)u;
	(void)node;
	return FWG_OK;
}

const struct fwg_handler fwg_handler_uimage = {
	.name = "uimage",
	.description = "uimage (placeholder)",
	.node_type = FWG_TYPE_UIMAGE,
	.probe = uimage_probe,
	.parse = uimage_parse,
};
