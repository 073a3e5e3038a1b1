/*
 * config.c - the config engine: accounts, credentials, keys, certificates, services.  (Placeholder: filled in by issue 4.)
 */
#include "engine.h"

static enum fwg_status run(struct fwg_analysis *a)
{
	(void)a;
	return FWG_OK;
}

const struct fwg_engine fwg_engine_config = {
	.name = "config",
	.description = "accounts, credentials, keys, certificates, services",
	.run = run,
};
