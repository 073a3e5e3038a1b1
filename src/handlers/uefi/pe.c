/* pe.c - placeholder, being written. */
#include "../../core/handler.h"
#include "../../core/registry.h"

static enum fwg_status pe_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	(void)u;
	(void)node;
	return FWG_OK;
}

const struct fwg_handler fwg_handler_pe = { .name = "pe", .node_type = FWG_TYPE_PE32, .parse = pe_parse };
const struct fwg_handler fwg_handler_te = { .name = "te", .node_type = FWG_TYPE_TE, .parse = pe_parse };
