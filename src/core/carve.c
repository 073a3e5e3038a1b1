/*
 * carve.c - placeholder, being written (issue 3).
 */
#include "handler.h"
#include "registry.h"

static enum fwg_status carve_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	(void)u;
	(void)node;
	return FWG_OK;
}

const struct fwg_handler fwg_handler_carve = {
	.name = "carve",
	.description = "finds known formats at any offset of unclaimed bytes",
	.flags = FWG_HANDLER_PROBE_TOP_ONLY,
	.parse = carve_parse,
};
