/* nvram.c - placeholder, being written. */
#include "../../core/handler.h"
#include "../../core/registry.h"

static enum fwg_status nvram_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	(void)u;
	(void)node;
	return FWG_OK;
}

const struct fwg_handler fwg_handler_nvram = { .name = "nvram", .node_type = FWG_TYPE_NVRAM_STORE, .parse = nvram_parse };
