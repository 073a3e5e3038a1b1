/*
 * cpio.c - placeholder, being written (issue 3).
 */
#include "handler.h"
#include "registry.h"

static int cpio_probe(const struct fwg_cursor *body)
{
	(void)body;
	return 0;
}

static enum fwg_status cpio_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	(void)u;
	(void)node;
	return FWG_OK;
}

const struct fwg_handler fwg_handler_cpio = {
	.name = "cpio",
	.description = "cpio (placeholder)",
	.node_type = FWG_TYPE_CPIO,
	.probe = cpio_probe,
	.parse = cpio_parse,
};
