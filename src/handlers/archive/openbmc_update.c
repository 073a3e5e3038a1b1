/*
 * openbmc_update.c - placeholder, being written (issue 3).
 */
#include "handler.h"
#include "registry.h"

static int openbmc_update_probe(const struct fwg_cursor *body)
{
	(void)body;
	return 0;
}

static enum fwg_status openbmc_update_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	(void)u;
	(void)node;
	return FWG_OK;
}

const struct fwg_handler fwg_handler_openbmc_update = {
	.name = "openbmc_update",
	.description = "openbmc_update (placeholder)",
	.node_type = FWG_TYPE_OPENBMC_UPDATE,
	.probe = openbmc_update_probe,
	.parse = openbmc_update_parse,
};
