/*
 * uboot_env.c - placeholder, being written (issue 3).
 */
#include "handler.h"
#include "registry.h"

static int uboot_env_probe(const struct fwg_cursor *body)
{
	(void)body;
	return 0;
}

static enum fwg_status uboot_env_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	(void)u;
	(void)node;
	return FWG_OK;
}

const struct fwg_handler fwg_handler_uboot_env = {
	.name = "uboot_env",
	.description = "uboot_env (placeholder)",
	.node_type = FWG_TYPE_UBOOT_ENV,
	.probe = uboot_env_probe,
	.parse = uboot_env_parse,
};
