/*
 * sarif.c - SARIF 2.1.0 output of an analysis (`fwguard scan --format
 * sarif`).
 *
 * One run.  tool.driver is fwguard with one rules[] entry per rule id seen
 * (in order of first appearance): shortDescription, defaultConfiguration
 * level (from the most severe finding of that rule) and the
 * security-severity property code-scanning services sort by.  Each
 * finding is one result:
 *   level          critical/high -> error, medium -> warning, low/info -> note
 *   locations      artifactLocation.uri = the filesystem path of the file,
 *                  else the component path (percent-encoded), else the
 *                  image file name; logicalLocations = the component path
 *   properties     severity, confidence, engine, cve, evidence,
 *                  remediation, software and the IPMI command fields
 *   suppressions   kind "external", status "accepted" and the reason, for
 *                  findings a suppressions file accepted.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../core/text.h"
#include "../engines/engine.h"
#include "json_text.h"

static const char *sarif_level(enum fwg_level l)
{
	return l >= FWG_LEVEL_HIGH ? "error" : l == FWG_LEVEL_MEDIUM ? "warning" : "note";
}

static const char *security_severity(enum fwg_level l)
{
	switch (l) {
	case FWG_LEVEL_CRITICAL: return "9.5";
	case FWG_LEVEL_HIGH: return "8.0";
	case FWG_LEVEL_MEDIUM: return "5.5";
	case FWG_LEVEL_LOW: return "3.0";
	case FWG_LEVEL_INFO: return "0.0";
	}
	return "0.0";
}

/* Percent-encodes everything but unreserved characters and '/'. */
static char *uri_encode(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t len = strlen(s);
	if (len > (SIZE_MAX - 1) / 3)
		return NULL;
	char *out = malloc(len * 3 + 1), *o = out;
	if (!out)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
				strchr("-._~/", *p)) {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}

static json_t *location_json(const struct fwg_image *image, const struct fwg_finding *f)
{
	const char *fs = fwg_node_fs_path(f->node);
	const char *path = f->node ? fwg_node_path(f->node) : NULL;
	const char *where = fs ? fs : path ? path : fwg_json_basename(fwg_image_path(image));
	char *uri = uri_encode(where);
	json_t *loc = json_pack("{s:{s:{s:o}}}", "physicalLocation", "artifactLocation", "uri",
		fwg_json_str(uri ? uri : "image"));
	free(uri);
	if (loc && path)
		json_object_set_new(loc, "logicalLocations", json_pack("[{s:o, s:s}]",
			"fullyQualifiedName", fwg_json_str(path), "kind", "module"));
	return loc;
}

static json_t *properties_json(const struct fwg_finding *f)
{
	json_t *p = json_object();
	if (!p)
		return NULL;
	json_object_set_new(p, "severity", json_string(fwg_level_name(f->severity)));
	json_object_set_new(p, "confidence", json_string(fwg_confidence_name(f->confidence)));
	fwg_json_set_text(p, "engine", f->engine);
	fwg_json_set_text(p, "cve", f->cve);
	fwg_json_set_text(p, "evidence", f->evidence);
	fwg_json_set_text(p, "remediation", f->remediation);
	fwg_json_set_text(p, "software", f->software_ref);
	fwg_json_set_text(p, "fs_path", fwg_node_fs_path(f->node));
	if (f->node)
		json_object_set_new(p, "component", json_integer((json_int_t)fwg_node_id(f->node)));
	if (f->ipmi) {
		json_object_set_new(p, "netfn", json_integer(f->ipmi->netfn));
		json_object_set_new(p, "cmd", json_integer(f->ipmi->cmd));
		json_object_set_new(p, "privilege", json_integer(f->ipmi->privilege));
		json_object_set_new(p, "enabled", json_boolean(f->ipmi->enabled));
		fwg_json_set_text(p, "handler", f->ipmi->handler);
		fwg_json_set_text(p, "table", f->ipmi->table);
	}
	return p;
}

/* Index of rule id in rules[], adding it (or raising its level) as needed;
 * SIZE_MAX when it cannot be added (out of memory).  *count is the number
 * of rules in rules[]. */
static size_t rule_index(json_t *rules, const struct fwg_finding *f, enum fwg_level *levels,
		size_t *count)
{
	const char *rule = f->rule ? f->rule : "unknown";
	for (size_t i = 0; i < *count; i++) {
		json_t *r = json_array_get(rules, i);
		const char *id = json_string_value(json_object_get(r, "id"));
		if (!id || strcmp(id, rule) != 0)
			continue;
		if (f->severity > levels[i]) {
			levels[i] = f->severity;
			json_object_set_new(r, "defaultConfiguration", json_pack("{s:s}", "level",
				sarif_level(f->severity)));
			json_object_set_new(r, "properties", json_pack("{s:s, s:[s, s]}",
				"security-severity", security_severity(f->severity), "tags", "security",
				f->engine ? f->engine : "fwguard"));
		}
		return i;
	}
	char text[256];
	snprintf(text, sizeof(text), "fwguard %s engine rule %.180s", f->engine ? f->engine : "",
		rule);
	json_t *r = json_pack("{s:o, s:{s:o}, s:{s:s}, s:{s:s, s:[s, s]}}",
		"id", fwg_json_str(rule),
		"shortDescription", "text", fwg_json_str(text),
		"defaultConfiguration", "level", sarif_level(f->severity),
		"properties", "security-severity", security_severity(f->severity),
		"tags", "security", f->engine ? f->engine : "fwguard");
	if (!r || json_array_append_new(rules, r) != 0)
		return SIZE_MAX;
	levels[*count] = f->severity;
	return (*count)++;
}

enum fwg_status fwg_write_sarif(const struct fwg_image *image, const struct fwg_analysis *analysis,
		FILE *out)
{
	size_t n = analysis ? analysis->finding_count : 0;
	enum fwg_level *levels = calloc(n ? n : 1, sizeof(*levels));
	json_t *rules = json_array(), *results = json_array();
	if (!levels || !rules || !results) {
		free(levels);
		json_decref(rules);
		json_decref(results);
		return FWG_NOMEM;
	}
	size_t rule_count = 0;
	for (size_t i = 0; i < n; i++) {
		const struct fwg_finding *f = &analysis->findings[i];
		size_t idx = rule_index(rules, f, levels, &rule_count);
		json_t *r = idx != SIZE_MAX ? json_object() : NULL;
		if (!r) {
			free(levels);
			json_decref(rules);
			json_decref(results);
			return FWG_NOMEM;
		}
		fwg_json_set_text(r, "ruleId", f->rule);
		json_object_set_new(r, "ruleIndex", json_integer((json_int_t)idx));
		json_object_set_new(r, "level", json_string(sarif_level(f->severity)));
		json_object_set_new(r, "message", json_pack("{s:o}", "text",
			fwg_json_str(f->message && f->message[0] ? f->message : f->rule)));
		json_t *loc = location_json(image, f);
		if (loc)
			json_object_set_new(r, "locations", json_pack("[o]", loc));
		if (f->suppressed)
			json_object_set_new(r, "suppressions", json_pack("[{s:s, s:s, s:o}]", "kind",
				"external", "status", "accepted", "justification",
				fwg_json_str(f->suppress_reason ? f->suppress_reason : "suppressed")));
		json_t *props = properties_json(f);
		if (props)
			json_object_set_new(r, "properties", props);
		if (json_array_append_new(results, r) != 0) {
			free(levels);
			json_decref(rules);
			json_decref(results);
			return FWG_NOMEM;
		}
	}
	free(levels);
	json_t *driver = json_pack("{s:s, s:s, s:s, s:o}", "name", "fwguard", "version",
		FWG_VERSION_STRING, "semanticVersion", FWG_VERSION_STRING, "rules", rules);
	const struct fwg_node *root = fwg_image_root(image);
	const char *sha = root ? fwg_node_hash_hex(root, FWG_HASH_SHA256) : NULL;
	json_t *artifact = json_pack("{s:{s:o}}", "location", "uri",
		fwg_json_str(fwg_json_basename(fwg_image_path(image))));
	if (artifact && sha)
		json_object_set_new(artifact, "hashes", json_pack("{s:s}", "sha-256", sha));
	json_t *run = json_pack("{s:{s:o}, s:[o], s:[{s:b}], s:o}", "tool", "driver", driver,
		"artifacts", artifact, "invocations", "executionSuccessful", 1, "results", results);
	json_t *doc = json_pack("{s:s, s:s, s:[o]}", "$schema",
		"https://json.schemastore.org/sarif-2.1.0.json", "version", "2.1.0", "runs", run);
	if (!doc)
		return FWG_NOMEM;
	int rc = json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (rc != 0)
		return FWG_IO;
	return fputc('\n', out) == EOF ? FWG_IO : FWG_OK;
}
