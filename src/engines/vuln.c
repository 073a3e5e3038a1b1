/*
 * vuln.c - the vuln engine: offline vulnerability matching.  (Placeholder: filled in by issue 4.)
 */
#include "engine.h"

static enum fwg_status run(struct fwg_analysis *a)
{
	(void)a;
	return FWG_OK;
}

const struct fwg_engine fwg_engine_vuln = {
	.name = "vuln",
	.description = "offline vulnerability matching",
	.run = run,
};
