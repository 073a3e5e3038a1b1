/*
 * vulndb.c - the offline vulnerability database: imports OSV and NVD CVE
 * JSON 2.0 feeds into SQLite.  (Placeholder: filled in by issue 4.)
 */
#include <stdio.h>
#include <stdlib.h>

#include "engine.h"

enum fwg_status fwg_vulndb_import(const char *db_path, const char *const *files,
		size_t file_count, struct fwg_vulndb_stats *stats, char *errbuf, size_t errbuf_size)
{
	(void)db_path;
	(void)files;
	(void)file_count;
	if (stats)
		*stats = (struct fwg_vulndb_stats){ 0 };
	snprintf(errbuf, errbuf_size, "not implemented yet");
	return FWG_UNSUPPORTED;
}

const char *fwg_vulndb_default_path(char *buf, size_t size)
{
	const char *env = getenv("FWGUARD_VULNDB");
	if (env && env[0]) {
		snprintf(buf, size, "%s", env);
		return buf;
	}
	const char *xdg = getenv("XDG_DATA_HOME");
	if (xdg && xdg[0])
		snprintf(buf, size, "%s/fwguard/vulndb.sqlite", xdg);
	else
		snprintf(buf, size, "%s/.local/share/fwguard/vulndb.sqlite",
			getenv("HOME") ? getenv("HOME") : ".");
	return buf;
}
