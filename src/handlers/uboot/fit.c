/*
 * fit.c - placeholder, being written (issue 3).
 */
#include "handler.h"
#include "registry.h"

static int fit_probe(const struct fwg_cursor *body)
{
	(void)body;
	return 0;
}

static enum fwg_status fit_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	(void)u;
	(void)node;
	return FWG_OK;
}

const struct fwg_handler fwg_handler_fit = {
	.name = "fit",
	.description = "fit (placeholder)",
	.node_type = FWG_TYPE_FIT,
	.probe = fit_probe,
	.parse = fit_parse,
};

static int dtb_probe(const struct fwg_cursor *body)
{
	(void)body;
	return 0;
}

static enum fwg_status dtb_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	(void)u;
	(void)node;
	return FWG_OK;
}

const struct fwg_handler fwg_handler_dtb = {
	.name = "dtb",
	.description = "dtb (placeholder)",
	.node_type = FWG_TYPE_DTB,
	.probe = dtb_probe,
	.parse = dtb_parse,
};
