/* siglist.c - placeholder, being written. */
#include "../../core/handler.h"
#include "../../core/registry.h"

static enum fwg_status siglist_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	(void)u;
	(void)node;
	return FWG_OK;
}

const struct fwg_handler fwg_handler_siglist = { .name = "siglist", .node_type = FWG_TYPE_SIGLIST, .parse = siglist_parse };
