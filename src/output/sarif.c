/*
 * sarif.c - SARIF 2.1.0 output of an analysis.  (Placeholder: filled in by issue 4.)
 */
#include "../engines/engine.h"

enum fwg_status fwg_write_sarif(const struct fwg_image *image, const struct fwg_analysis *analysis, FILE *out)
{
	(void)image;
	(void)analysis;
	(void)out;
	return FWG_UNSUPPORTED;
}
