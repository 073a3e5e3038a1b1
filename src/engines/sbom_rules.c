/*
 * sbom_rules.c - loading component signature packs (sbom.h; format in
 * docs/findings.md).
 *
 * Where packs come from, in order: every *.json of the shipped
 * rules/components directory, then for each user rule directory (--rules
 * DIR) its *.components.json files and every *.json of DIR/components/.
 * Files are read in name order so results do not depend on readdir.  A
 * pack that does not follow the format fails the analysis with the file
 * name and the reason: a silently ignored signature is a missed component.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../core/array.h"
#include "sbom.h"

#define MAX_PACK_DEFS 4096
#define MAX_PACK_PATTERNS 16384
#define MAX_LIST_ITEMS 256
#define MAX_WITHIN 256

static void def_free(struct sbom_def *d)
{
	free(d->name);
	free(d->kind);
	free(d->supplier);
	free(d->description);
	free(d->purl);
	free(d->cpe);
	for (size_t i = 0; i < d->package_count; i++)
		free(d->packages[i]);
	free(d->packages);
	for (size_t i = 0; i < d->path_count; i++)
		free(d->paths[i]);
	free(d->paths);
	for (size_t i = 0; i < d->os_id_count; i++)
		free(d->os_ids[i]);
	free(d->os_ids);
}

void sbom_pack_free(struct sbom_pack *pack)
{
	for (size_t i = 0; i < pack->def_count; i++)
		def_free(&pack->defs[i]);
	free(pack->defs);
	free(pack->patterns);
	memset(pack, 0, sizeof(*pack));
}

/* Optional string member: NULL when absent; false when of the wrong type
 * or out of memory. */
static bool opt_string(json_t *obj, const char *key, char **out, char *err, size_t err_size)
{
	*out = NULL;
	json_t *v = json_object_get(obj, key);
	if (!v)
		return true;
	if (!json_is_string(v)) {
		snprintf(err, err_size, "\"%s\" must be a string", key);
		return false;
	}
	*out = strdup(json_string_value(v));
	if (!*out) {
		snprintf(err, err_size, "out of memory");
		return false;
	}
	return true;
}

static bool opt_list(json_t *obj, const char *key, char ***out, size_t *count, char *err,
		size_t err_size)
{
	*out = NULL;
	*count = 0;
	json_t *v = json_object_get(obj, key);
	if (!v)
		return true;
	if (!json_is_array(v) || json_array_size(v) > MAX_LIST_ITEMS) {
		snprintf(err, err_size, "\"%s\" must be an array of at most %d strings", key,
			MAX_LIST_ITEMS);
		return false;
	}
	size_t n = json_array_size(v);
	if (n == 0)
		return true;
	*out = calloc(n, sizeof(char *));
	if (!*out) {
		snprintf(err, err_size, "out of memory");
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *s = json_array_get(v, i);
		if (!json_is_string(s) || !json_string_value(s)[0]) {
			snprintf(err, err_size, "\"%s\"[%zu] must be a non-empty string", key, i);
			return false;
		}
		(*out)[i] = strdup(json_string_value(s));
		if (!(*out)[i]) {
			snprintf(err, err_size, "out of memory");
			return false;
		}
		(*count)++;
	}
	return true;
}

static bool valid_name(const char *s)
{
	if (!s || !s[0] || strlen(s) > 64)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("._+-", *p)))
			return false;
	return true;
}

static const char *const kinds[] = { "application", "library", "firmware", "operating-system",
	"framework", "device-driver", "file", "platform", "container" };

static bool valid_kind(const char *s)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(s, kinds[i]) == 0)
			return true;
	return false;
}

/* Encodes a JSON string (which may hold NUL) as ASCII or UTF-16LE bytes. */
static bool encode_literal(json_t *v, unsigned stride, uint8_t *out, size_t *out_len, size_t min,
		const char *what, char *err, size_t err_size)
{
	if (!json_is_string(v)) {
		snprintf(err, err_size, "\"%s\" must be a string", what);
		return false;
	}
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);
	if (len > SBOM_ANCHOR_MAX / stride || len * stride < min) {
		snprintf(err, err_size, "\"%s\" must encode to %zu..%d bytes", what, min,
			SBOM_ANCHOR_MAX);
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)s[i] >= 0x80) {
			snprintf(err, err_size, "\"%s\" must be ASCII", what);
			return false;
		}
		out[i * stride] = (uint8_t)s[i];
		if (stride == 2)
			out[i * 2 + 1] = 0;
	}
	*out_len = len * stride;
	return true;
}

static bool load_pattern(struct sbom_pack *pack, size_t def, json_t *p, char *err, size_t err_size)
{
	if (!json_is_object(p)) {
		snprintf(err, err_size, "a string pattern must be an object");
		return false;
	}
	if (pack->pattern_count >= MAX_PACK_PATTERNS || !fwg_array_reserve((void **)&pack->patterns,
			&pack->pattern_cap, pack->pattern_count, sizeof(*pack->patterns))) {
		snprintf(err, err_size, "too many patterns or out of memory");
		return false;
	}
	struct sbom_pattern *pat = &pack->patterns[pack->pattern_count];
	memset(pat, 0, sizeof(*pat));
	pat->def = def;
	pat->stride = 1;
	pat->has_version = true;
	pat->min_parts = 2;
	pat->within = 64;
	pat->separators[0] = '.';

	json_t *enc = json_object_get(p, "encoding");
	if (enc) {
		const char *e = json_string_value(enc);
		if (e && strcmp(e, "utf16le") == 0) {
			pat->stride = 2;
		} else if (!e || strcmp(e, "ascii") != 0) {
			snprintf(err, err_size, "\"encoding\" must be \"ascii\" or \"utf16le\"");
			return false;
		}
	}
	json_t *anchor = json_object_get(p, "anchor");
	if (!anchor) {
		snprintf(err, err_size, "a string pattern needs an \"anchor\"");
		return false;
	}
	if (!encode_literal(anchor, pat->stride, pat->anchor, &pat->anchor_len, SBOM_ANCHOR_MIN,
			"anchor", err, err_size))
		return false;
	snprintf(pat->anchor_text, sizeof(pat->anchor_text), "%s", json_string_value(anchor));
	json_t *v;
	if ((v = json_object_get(p, "skip_to")) && !encode_literal(v, pat->stride, pat->skip_to,
			&pat->skip_len, 1, "skip_to", err, err_size))
		return false;
	if ((v = json_object_get(p, "within"))) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
				json_integer_value(v) > MAX_WITHIN) {
			snprintf(err, err_size, "\"within\" must be an integer 1..%d", MAX_WITHIN);
			return false;
		}
		pat->within = (size_t)json_integer_value(v);
	}
	if ((v = json_object_get(p, "follow"))) {
		if (json_is_string(v) && strcmp(json_string_value(v), "@date") == 0)
			pat->follow_date = true;
		else if (!encode_literal(v, pat->stride, pat->follow, &pat->follow_len, 1, "follow",
				err, err_size))
			return false;
	}
	if ((v = json_object_get(p, "version"))) {
		if (!json_is_boolean(v)) {
			snprintf(err, err_size, "\"version\" must be true or false");
			return false;
		}
		pat->has_version = json_is_true(v);
	}
	if ((v = json_object_get(p, "separators"))) {
		const char *s = json_string_value(v);
		if (!s || !s[0] || strlen(s) > SBOM_SEPARATORS_MAX ||
				strspn(s, ".-+_~:") != strlen(s)) {
			snprintf(err, err_size, "\"separators\" must be 1..%d of \".-+_~:\"",
				SBOM_SEPARATORS_MAX);
			return false;
		}
		snprintf(pat->separators, sizeof(pat->separators), "%s", s);
	}
	if ((v = json_object_get(p, "min_parts"))) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 8) {
			snprintf(err, err_size, "\"min_parts\" must be an integer 1..8");
			return false;
		}
		pat->min_parts = (unsigned)json_integer_value(v);
	}
	const char *known[] = { "anchor", "encoding", "skip_to", "within", "follow", "version",
		"separators", "min_parts", "comment" };
	const char *key;
	json_t *val;
	json_object_foreach(p, key, val) {
		bool ok = false;
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			ok = ok || strcmp(key, known[i]) == 0;
		if (!ok) {
			snprintf(err, err_size, "unknown pattern member \"%.64s\"", key);
			return false;
		}
	}
	pat->hash = sbom_hash4(pat->anchor);
	pack->filter[pat->hash >> 6] |= (uint64_t)1 << (pat->hash & 63);
	pack->pattern_count++;
	return true;
}

/* Checks a purl/CPE template: printable, and the CPE a 2.3 formatted string. */
static bool valid_template(const char *t, bool cpe)
{
	if (!t)
		return true;
	for (const char *p = t; *p; p++)
		if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e)
			return false;
	if (cpe)
		return strncmp(t, "cpe:2.3:", 8) == 0;
	return strncmp(t, "pkg:", 4) == 0;
}

static bool load_def(struct sbom_pack *pack, json_t *c, char *err, size_t err_size)
{
	if (!json_is_object(c)) {
		snprintf(err, err_size, "a component must be an object");
		return false;
	}
	if (pack->def_count >= MAX_PACK_DEFS || !fwg_array_reserve((void **)&pack->defs, &pack->def_cap,
			pack->def_count, sizeof(*pack->defs))) {
		snprintf(err, err_size, "too many components or out of memory");
		return false;
	}
	size_t idx = pack->def_count;
	struct sbom_def *d = &pack->defs[idx];
	memset(d, 0, sizeof(*d));
	pack->def_count++; /* freed with the pack even when incomplete */
	if (!opt_string(c, "name", &d->name, err, err_size) ||
			!opt_string(c, "kind", &d->kind, err, err_size) ||
			!opt_string(c, "supplier", &d->supplier, err, err_size) ||
			!opt_string(c, "description", &d->description, err, err_size) ||
			!opt_string(c, "purl", &d->purl, err, err_size) ||
			!opt_string(c, "cpe", &d->cpe, err, err_size) ||
			!opt_list(c, "packages", &d->packages, &d->package_count, err, err_size) ||
			!opt_list(c, "paths", &d->paths, &d->path_count, err, err_size) ||
			!opt_list(c, "os_release_ids", &d->os_ids, &d->os_id_count, err, err_size))
		return false;
	if (!valid_name(d->name)) {
		snprintf(err, err_size, "component \"name\" must be 1..64 of [a-z0-9._+-]");
		return false;
	}
	if (!d->kind && !(d->kind = strdup("application"))) {
		snprintf(err, err_size, "out of memory");
		return false;
	}
	if (!valid_kind(d->kind)) {
		snprintf(err, err_size, "component %s: unknown \"kind\" \"%.32s\"", d->name, d->kind);
		return false;
	}
	if (!valid_template(d->purl, false) || !valid_template(d->cpe, true)) {
		snprintf(err, err_size, "component %s: \"purl\" must start with pkg: and \"cpe\" "
			"with cpe:2.3:, printable ASCII without spaces", d->name);
		return false;
	}
	json_t *fmh = json_object_get(c, "fmh_firmware_info");
	if (fmh && !json_is_boolean(fmh)) {
		snprintf(err, err_size, "component %s: \"fmh_firmware_info\" must be a boolean", d->name);
		return false;
	}
	d->fmh_info = fmh && json_is_true(fmh);
	json_t *strings = json_object_get(c, "strings");
	if (strings) {
		if (!json_is_array(strings)) {
			snprintf(err, err_size, "component %s: \"strings\" must be an array", d->name);
			return false;
		}
		for (size_t i = 0; i < json_array_size(strings); i++) {
			char inner[192];
			if (!load_pattern(pack, idx, json_array_get(strings, i), inner, sizeof(inner))) {
				snprintf(err, err_size, "component %.64s: strings[%zu]: %.100s", d->name, i, inner);
				return false;
			}
		}
	}
	return true;
}

enum fwg_status sbom_pack_load_file(struct sbom_pack *pack, const char *path, char *err,
		size_t err_size)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		snprintf(err, err_size, "%s:%d: %s", path, jerr.line, jerr.text);
		return FWG_MALFORMED;
	}
	enum fwg_status st = FWG_OK;
	char inner[256] = "";
	json_t *ver = json_object_get(root, "fwguard_components");
	json_t *comps = json_object_get(root, "components");
	if (!json_is_object(root) || !json_is_integer(ver) || json_integer_value(ver) != 1) {
		snprintf(inner, sizeof(inner), "not a component pack (\"fwguard_components\": 1 missing)");
		st = FWG_MALFORMED;
	} else if (!json_is_array(comps)) {
		snprintf(inner, sizeof(inner), "\"components\" must be an array");
		st = FWG_MALFORMED;
	}
	for (size_t i = 0; st == FWG_OK && i < json_array_size(comps); i++) {
		char what[224];
		if (!load_def(pack, json_array_get(comps, i), what, sizeof(what))) {
			snprintf(inner, sizeof(inner), "components[%zu]: %.200s", i, what);
			st = FWG_MALFORMED;
		}
	}
	if (st != FWG_OK)
		snprintf(err, err_size, "%s: %s", path, inner);
	json_decref(root);
	return st;
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Loads the files of dir whose names end with suffix, in name order.  A
 * missing directory is fine unless required. */
static enum fwg_status load_dir(struct fwg_analysis *a, struct sbom_pack *pack, const char *dir,
		const char *suffix, bool required)
{
	DIR *d = opendir(dir);
	if (!d) {
		if (!required)
			return FWG_OK;
		return fwg_analysis_fail(a, FWG_IO, "sbom: cannot open component packs in %s", dir);
	}
	char **names = NULL;
	size_t count = 0, cap = 0;
	enum fwg_status st = FWG_OK;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || !has_suffix(e->d_name, suffix))
			continue;
		if (!fwg_array_reserve((void **)&names, &cap, count, sizeof(*names)) ||
				!(names[count] = strdup(e->d_name))) {
			st = fwg_analysis_fail(a, FWG_NOMEM, "sbom: out of memory listing %s", dir);
			break;
		}
		count++;
	}
	closedir(d);
	if (count)
		qsort(names, count, sizeof(*names), cmp_str);
	for (size_t i = 0; st == FWG_OK && i < count; i++) {
		char path[4096], err[512];
		int n = snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (n < 0 || (size_t)n >= sizeof(path)) {
			st = fwg_analysis_fail(a, FWG_IO, "sbom: path too long in %s", dir);
			break;
		}
		st = sbom_pack_load_file(pack, path, err, sizeof(err));
		if (st != FWG_OK)
			fwg_analysis_fail(a, st, "sbom: %s", err);
	}
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
	return st;
}

enum fwg_status sbom_pack_load(struct fwg_analysis *a, struct sbom_pack *pack)
{
	char dir[4096];
	if (!fwg_analysis_data_path(a, "rules/components", dir, sizeof(dir)))
		return fwg_analysis_fail(a, FWG_IO, "sbom: shipped component packs (rules/components) "
			"not found; set FWGUARD_DATA_DIR");
	enum fwg_status st = load_dir(a, pack, dir, ".json", true);
	for (size_t i = 0; st == FWG_OK && a->options && i < a->options->rule_dir_count; i++) {
		const char *user = a->options->rule_dirs[i];
		if (!user)
			continue;
		st = load_dir(a, pack, user, ".components.json", false);
		int n = snprintf(dir, sizeof(dir), "%s/components", user);
		if (st == FWG_OK && n > 0 && (size_t)n < sizeof(dir))
			st = load_dir(a, pack, dir, ".json", false);
	}
	return st;
}
