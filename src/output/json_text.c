/*
 * json_text.c - see json_text.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json_text.h"
#include "../core/text.h"

json_t *fwg_json_text(const char *s)
{
	if (!s)
		return json_null();
	json_t *j = json_string(s);
	if (j)
		return j;
	char *escaped = fwg_text_escape_name(s, strlen(s));
	j = escaped ? json_string(escaped) : NULL;
	free(escaped);
	return j;
}

json_t *fwg_json_str(const char *s)
{
	return fwg_json_text(s ? s : "");
}

void fwg_json_set_text(json_t *object, const char *key, const char *s)
{
	if (s)
		json_object_set_new(object, key, fwg_json_str(s));
}

void fwg_json_timestamp(char *out, size_t size)
{
	const char *epoch = getenv("SOURCE_DATE_EPOCH");
	time_t t = epoch && *epoch ? (time_t)strtoll(epoch, NULL, 10) : time(NULL);
	struct tm tm;
	if (!gmtime_r(&t, &tm) || !strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, size, "1970-01-01T00:00:00Z");
}

const char *fwg_json_basename(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;
	return slash ? slash + 1 : path ? path : "image";
}
