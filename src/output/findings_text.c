/*
 * findings_text.c - findings as text.  (Placeholder.)
 */
#include "../engines/engine.h"

enum fwg_status fwg_write_findings_text(const struct fwg_image *image,
		const struct fwg_analysis *analysis, FILE *out)
{
	(void)image;
	(void)analysis;
	(void)out;
	return FWG_OK;
}
