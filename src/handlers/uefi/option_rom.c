/* option_rom.c - placeholder, being written. */
#include "../../core/handler.h"
#include "../../core/registry.h"

static enum fwg_status option_rom_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	(void)u;
	(void)node;
	return FWG_OK;
}

const struct fwg_handler fwg_handler_option_rom = {
	.name = "option_rom",
	.parse = option_rom_parse,
};
