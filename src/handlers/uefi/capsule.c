/* capsule.c - placeholder, being written. */
#include "../../core/handler.h"
#include "../../core/registry.h"

static enum fwg_status capsule_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	(void)u;
	(void)node;
	return FWG_OK;
}

const struct fwg_handler fwg_handler_capsule = {
	.name = "capsule",
	.parse = capsule_parse,
};
