/*
 * yara.c - the yara engine: YARA rules over files, regions and modules.  (Placeholder: filled in by issue 4.)
 */
#include "engine.h"

static enum fwg_status run(struct fwg_analysis *a)
{
	(void)a;
	return FWG_OK;
}

const struct fwg_engine fwg_engine_yara = {
	.name = "yara",
	.description = "YARA rules over files, regions and modules",
	.run = run,
};
