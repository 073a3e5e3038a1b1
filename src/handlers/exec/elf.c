/*
 * elf.c - placeholder, being written (issue 3).
 */
#include "handler.h"
#include "registry.h"

static int elf_probe(const struct fwg_cursor *body)
{
	(void)body;
	return 0;
}

static enum fwg_status elf_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	(void)u;
	(void)node;
	return FWG_OK;
}

const struct fwg_handler fwg_handler_elf = {
	.name = "elf",
	.description = "elf (placeholder)",
	.node_type = FWG_TYPE_ELF,
	.probe = elf_probe,
	.parse = elf_parse,
};
