/*
 * show.c - STUB (being written): `eventlog show` output.
 */
#include "evlog_internal.h"

enum fwg_status fwg_evlog_write_json(const struct fwg_evlog *log, FILE *out)
{
	(void)log;
	(void)out;
	return FWG_UNSUPPORTED;
}

enum fwg_status fwg_evlog_write_text(const struct fwg_evlog *log, FILE *out)
{
	(void)log;
	(void)out;
	return FWG_UNSUPPORTED;
}
