/*
 * openbmc_flash.c - placeholder, being written (issue 3).
 */
#include "handler.h"
#include "registry.h"

static int openbmc_flash_probe(const struct fwg_cursor *body)
{
	(void)body;
	return 0;
}

static enum fwg_status openbmc_flash_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	(void)u;
	(void)node;
	return FWG_OK;
}

const struct fwg_handler fwg_handler_openbmc_flash = {
	.name = "openbmc_flash",
	.description = "openbmc_flash (placeholder)",
	.node_type = FWG_TYPE_OPENBMC_FLASH,
	.probe = openbmc_flash_probe,
	.parse = openbmc_flash_parse,
};
