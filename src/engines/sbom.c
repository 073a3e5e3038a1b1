/*
 * sbom.c - the sbom engine: software identification for the SBOM.  (Placeholder: filled in by issue 4.)
 */
#include "engine.h"

static enum fwg_status run(struct fwg_analysis *a)
{
	(void)a;
	return FWG_OK;
}

const struct fwg_engine fwg_engine_sbom = {
	.name = "sbom",
	.description = "software identification for the SBOM",
	.run = run,
};
