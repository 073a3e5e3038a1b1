/*
 * fmh.c - placeholder, being written (issue 3).
 */
#include "handler.h"
#include "registry.h"

static int megarac_flash_probe(const struct fwg_cursor *body)
{
	(void)body;
	return 0;
}

static enum fwg_status megarac_flash_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	(void)u;
	(void)node;
	return FWG_OK;
}

const struct fwg_handler fwg_handler_megarac_flash = {
	.name = "megarac_flash",
	.description = "megarac_flash (placeholder)",
	.node_type = FWG_TYPE_MEGARAC_FLASH,
	.probe = megarac_flash_probe,
	.parse = megarac_flash_parse,
};
