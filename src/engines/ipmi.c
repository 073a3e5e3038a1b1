/*
 * ipmi.c - the ipmi engine: IPMI handler tables.  (Placeholder: filled in by issue 4.)
 */
#include "engine.h"

static enum fwg_status run(struct fwg_analysis *a)
{
	(void)a;
	return FWG_OK;
}

const struct fwg_engine fwg_engine_ipmi = {
	.name = "ipmi",
	.description = "IPMI handler tables",
	.run = run,
};
