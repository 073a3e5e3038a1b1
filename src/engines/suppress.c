/*
 * suppress.c - applies a suppressions file (see suppress.h).
 *
 * The file is JSON:
 *   {"suppressions": [ {"rule": GLOB, "path": GLOB, "reason": TEXT,
 *                       "expires": "YYYY-MM-DD"} ... ]}
 * rule and path are fnmatch(3) patterns without FNM_PATHNAME ('*' also
 * matches '/'); path is matched against the finding's filesystem path
 * ("/etc/shadow") and its component path, and a missing path matches
 * everything.  reason is required: an accepted risk says why.  expires is
 * optional; from that day on (UTC) the entry no longer applies and a
 * "suppression.expired" finding says so.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "suppress.h"

#define MAX_SUPPRESSIONS 100000

/* Parses YYYY-MM-DD into the Unix time of its midnight UTC. */
static bool parse_date(const char *s, int64_t *out)
{
	int y, m, d;
	char extra;
	if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3)
		return false;
	if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31)
		return false;
	/* Days from the civil date (proleptic Gregorian). */
	int yy = m <= 2 ? y - 1 : y;
	int era = yy / 400;
	int yoe = yy - era * 400;
	int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	int64_t days = (int64_t)era * 146097 + doe - 719468;
	*out = days * 86400;
	return true;
}

static bool path_matches(const char *glob, const struct fwg_finding *f)
{
	if (!glob)
		return true;
	const char *fs = fwg_node_fs_path(f->node);
	if (fs && fnmatch(glob, fs, 0) == 0)
		return true;
	const char *tree = f->node ? fwg_node_path(f->node) : "/";
	return tree && fnmatch(glob, tree, 0) == 0;
}

static const char *member(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

enum fwg_status fwg_suppress_apply(struct fwg_analysis *a, const char *path, int64_t now)
{
	json_error_t jerr;
	json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc)
		return fwg_analysis_fail(a, FWG_MALFORMED, "suppressions %s: line %d: %s", path,
			jerr.line, jerr.text);
	enum fwg_status st = FWG_OK;
	json_t *list = json_object_get(doc, "suppressions");
	if (!json_is_array(list)) {
		st = fwg_analysis_fail(a, FWG_MALFORMED,
			"suppressions %s: expected an object with a \"suppressions\" array", path);
		goto out;
	}
	if (json_array_size(list) > MAX_SUPPRESSIONS) {
		st = fwg_analysis_fail(a, FWG_LIMIT, "suppressions %s: more than %d entries", path,
			MAX_SUPPRESSIONS);
		goto out;
	}
	size_t original = a->finding_count;
	size_t i;
	json_t *e;
	json_array_foreach(list, i, e) {
		const char *rule = member(e, "rule"), *glob = member(e, "path");
		const char *reason = member(e, "reason"), *expires = member(e, "expires");
		if (!json_is_object(e) || !rule || !reason || !reason[0]) {
			st = fwg_analysis_fail(a, FWG_MALFORMED, "suppressions %s: entry %zu needs "
				"\"rule\" and a non-empty \"reason\"", path, i);
			goto out;
		}
		int64_t until = 0;
		if (expires && !parse_date(expires, &until)) {
			st = fwg_analysis_fail(a, FWG_MALFORMED, "suppressions %s: entry %zu: "
				"\"expires\" is not YYYY-MM-DD: %.32s", path, i, expires);
			goto out;
		}
		if (expires && now >= until) {
			char msg[256];
			snprintf(msg, sizeof(msg), "suppression of %.64s expired on %s; its findings "
				"are reported again", rule, expires);
			fwg_report(a, &(struct fwg_finding_desc){
				.rule = "suppression.expired",
				.severity = FWG_LEVEL_LOW,
				.confidence = FWG_CONFIDENCE_HIGH,
				.message = msg,
				.evidence = reason,
				.remediation = "Review the accepted risk and renew or remove the entry.",
			});
			continue;
		}
		for (size_t k = 0; k < original; k++) {
			struct fwg_finding *f = &a->findings[k];
			if (f->suppressed || fnmatch(rule, f->rule, 0) != 0 || !path_matches(glob, f))
				continue;
			f->suppressed = true;
			f->suppress_reason = strdup(reason);
			if (!f->suppress_reason)
				a->alloc_failed = true;
		}
	}
out:
	json_decref(doc);
	return st;
}
