/*
 * aten.c - placeholder, being written (issue 3).
 */
#include "handler.h"
#include "registry.h"

static int aten_flash_probe(const struct fwg_cursor *body)
{
	(void)body;
	return 0;
}

static enum fwg_status aten_flash_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	(void)u;
	(void)node;
	return FWG_OK;
}

const struct fwg_handler fwg_handler_aten_flash = {
	.name = "aten_flash",
	.description = "aten_flash (placeholder)",
	.node_type = FWG_TYPE_ATEN_FLASH,
	.probe = aten_flash_probe,
	.parse = aten_flash_parse,
};
