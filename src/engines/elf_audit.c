/*
 * elf_audit.c - the elf engine: ELF hardening, dangerous imports, setuid.  (Placeholder: filled in by issue 4.)
 */
#include "engine.h"

static enum fwg_status run(struct fwg_analysis *a)
{
	(void)a;
	return FWG_OK;
}

const struct fwg_engine fwg_engine_elf = {
	.name = "elf",
	.description = "ELF hardening, dangerous imports, setuid",
	.run = run,
};
