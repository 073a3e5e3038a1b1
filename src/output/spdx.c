/*
 * spdx.c - SPDX 2.3 JSON output of an analysis.  (Placeholder: filled in by issue 4.)
 */
#include "../engines/engine.h"

enum fwg_status fwg_write_spdx(const struct fwg_image *image, const struct fwg_analysis *analysis, FILE *out)
{
	(void)image;
	(void)analysis;
	(void)out;
	return FWG_UNSUPPORTED;
}
