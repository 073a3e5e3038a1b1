/*
 * cyclonedx.c - CycloneDX 1.6 JSON output of an analysis (`fwguard sbom
 * --format cyclonedx`).
 *
 * Document:
 *   metadata.component    the image: type "firmware", bom-ref "image",
 *                         SHA-256 of the input;
 *   components[]          every identified software component (BMC
 *                         packages and UEFI modules in one list): bom-ref,
 *                         type, name, version, supplier, purl, cpe, hashes
 *                         (the component's own bytes, for UEFI modules),
 *                         properties (fwguard:guid, fwguard:path,
 *                         fwguard:fs_path), evidence (identity methods and
 *                         occurrences: where and how it was identified);
 *   dependencies[]        the image depends on every component;
 *   vulnerabilities[]     one per CVE/advisory id of the findings, with the
 *                         highest severity of its findings and the affected
 *                         bom-refs; not_affected when all are suppressed.
 *
 * serialNumber is a UUID derived from the image's SHA-256, so the same
 * image gives the same document (with SOURCE_DATE_EPOCH, byte for byte).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "../core/guid.h"
#include "../core/text.h"
#include "../engines/engine.h"
#include "json_text.h"

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : 0;
}

/* urn:uuid from the image digest, shaped as a name-based (version 5) UUID. */
static void serial_number(const char *sha, char *out, size_t size)
{
	uint8_t b[16] = { 0 };
	for (size_t i = 0; sha && i < 16 && sha[2 * i] && sha[2 * i + 1]; i++)
		b[i] = (uint8_t)(hexval(sha[2 * i]) << 4 | hexval(sha[2 * i + 1]));
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x50);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	snprintf(out, size, "urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		"%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8],
		b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

static const char *const cdx_types[] = { "application", "framework", "library", "container",
	"platform", "operating-system", "device", "device-driver", "firmware", "file" };

static const char *cdx_type(const char *kind)
{
	for (size_t i = 0; kind && i < sizeof(cdx_types) / sizeof(cdx_types[0]); i++)
		if (strcmp(kind, cdx_types[i]) == 0)
			return kind;
	return "application";
}

static const char *technique(const char *method)
{
	if (!method)
		return "other";
	if (!strcmp(method, "string") || !strcmp(method, "uefi-module"))
		return "binary-analysis";
	if (!strcmp(method, "opkg-status") || !strcmp(method, "dpkg-status") ||
			!strcmp(method, "os-release") || !strcmp(method, "fmh-firmware-info"))
		return "manifest-analysis";
	if (!strcmp(method, "path"))
		return "filename";
	return "other";
}

static json_t *hashes_of(const struct fwg_node *node)
{
	static const struct { enum fwg_hash_kind kind; const char *alg; } algs[] = {
		{ FWG_HASH_SHA256, "SHA-256" }, { FWG_HASH_SHA1, "SHA-1" }, { FWG_HASH_SHA384, "SHA-384" },
	};
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < sizeof(algs) / sizeof(algs[0]); i++) {
		const char *h = fwg_node_hash_hex(node, algs[i].kind);
		if (h)
			json_array_append_new(arr, json_pack("{s:s, s:s}", "alg", algs[i].alg,
				"content", h));
	}
	return arr;
}

static void add_property(json_t *props, const char *name, const char *value)
{
	if (value)
		json_array_append_new(props, json_pack("{s:s, s:o}", "name", name, "value", fwg_json_str(value)));
}

static const char *location_of(const struct fwg_node *node)
{
	const char *fs = fwg_node_fs_path(node);
	return fs ? fs : node ? fwg_node_path(node) : NULL;
}

static json_t *evidence_json(const struct fwg_software *s)
{
	json_t *ev = json_object(), *methods = json_array(), *occ = json_array();
	if (!ev || !methods || !occ) {
		json_decref(ev);
		json_decref(methods);
		json_decref(occ);
		return NULL;
	}
	for (size_t i = 0; i < s->evidence_count; i++) {
		const struct fwg_sbom_evidence *e = &s->evidence[i];
		json_t *m = json_pack("{s:s, s:f}", "technique", technique(e->method), "confidence",
			e->method && !strcmp(e->method, "path") ? 0.3 : 0.8);
		if (m) {
			char value[640];
			snprintf(value, sizeof(value), "%s: %s", e->method ? e->method : "unknown",
				e->detail ? e->detail : "");
			json_object_set_new(m, "value", fwg_json_str(value));
			json_array_append_new(methods, m);
		}
		const char *loc = location_of(e->node);
		if (loc) {
			json_t *o = json_object();
			fwg_json_set_text(o, "location", loc);
			if (e->node && e->node->fs && fwg_node_path(e->node))
				fwg_json_set_text(o, "additionalContext", fwg_node_path(e->node));
			json_array_append_new(occ, o);
		}
	}
	json_t *identity = json_pack("{s:s, s:f, s:o}", "field", "name", "confidence", 0.8,
		"methods", methods);
	json_object_set_new(ev, "identity", json_pack("[o]", identity));
	if (json_array_size(occ))
		json_object_set_new(ev, "occurrences", occ);
	else
		json_decref(occ);
	return ev;
}

static json_t *component_json(const struct fwg_software *s)
{
	json_t *c = json_object();
	if (!c)
		return NULL;
	json_object_set_new(c, "type", json_string(cdx_type(s->kind)));
	fwg_json_set_text(c, "bom-ref", s->bom_ref);
	if (s->supplier)
		json_object_set_new(c, "supplier", json_pack("{s:o}", "name", fwg_json_str(s->supplier)));
	fwg_json_set_text(c, "name", s->name);
	fwg_json_set_text(c, "version", s->version);
	fwg_json_set_text(c, "description", s->description);
	if (s->node) {
		json_t *h = hashes_of(s->node);
		if (h && json_array_size(h))
			json_object_set_new(c, "hashes", h);
		else
			json_decref(h);
	}
	fwg_json_set_text(c, "cpe", s->cpe);
	fwg_json_set_text(c, "purl", s->purl);
	json_t *props = json_array();
	if (props) {
		if (s->has_guid) {
			char g[FWG_GUID_TEXT_LEN];
			fwg_guid_format(s->guid, g);
			add_property(props, "fwguard:guid", g);
		}
		if (s->node) {
			add_property(props, "fwguard:path", fwg_node_path(s->node));
			add_property(props, "fwguard:fs_path", fwg_node_fs_path(s->node));
			add_property(props, "fwguard:file_type", fwg_node_attr(s->node, "file_type"));
		}
		for (size_t i = 0; i < s->evidence_count && i < 4; i++)
			add_property(props, "fwguard:evidence_path", location_of(s->evidence[i].node));
		if (json_array_size(props))
			json_object_set_new(c, "properties", props);
		else
			json_decref(props);
	}
	json_t *ev = evidence_json(s);
	if (ev)
		json_object_set_new(c, "evidence", ev);
	return c;
}

static const char *cdx_severity(enum fwg_level l)
{
	switch (l) {
	case FWG_LEVEL_CRITICAL: return "critical";
	case FWG_LEVEL_HIGH: return "high";
	case FWG_LEVEL_MEDIUM: return "medium";
	case FWG_LEVEL_LOW: return "low";
	case FWG_LEVEL_INFO: return "info";
	}
	return "unknown";
}

static json_t *vuln_source(const char *id)
{
	char url[256];
	if (!id)
		id = "";
	if (strncmp(id, "CVE-", 4) == 0) {
		snprintf(url, sizeof(url), "https://nvd.nist.gov/vuln/detail/%.200s", id);
		return json_pack("{s:s, s:s}", "name", "NVD", "url", url);
	}
	snprintf(url, sizeof(url), "https://osv.dev/vulnerability/%.200s", id);
	return json_pack("{s:s, s:s}", "name", strncmp(id, "GHSA-", 5) == 0 ? "GitHub" : "OSV",
		"url", url);
}

/*
 * vulnerabilities[]: one entry per advisory id, in the order of the ids'
 * first findings.  The rating is the highest severity of the id's
 * findings; "analysis: not_affected" only when every one is suppressed
 * (then affects lists every component), else affects lists the
 * components of the unsuppressed findings.  Findings are grouped by
 * sorting (id, ref, position), so that many findings and components do
 * not make this quadratic.
 */
struct vref {
	const struct fwg_finding *f;
	size_t i; /* index in a->findings */
};

struct vgroup {
	size_t first;            /* index of its first finding */
	enum fwg_level severity; /* the highest of its findings */
	bool all_suppressed;
	json_t *affects;         /* borrowed from the entry */
};

static const char *ref_of(const struct fwg_finding *f)
{
	return f->software_ref ? f->software_ref : "image";
}

static int cmp_vref(const void *x, const void *y)
{
	const struct vref *p = x, *q = y;
	int c = strcmp(p->f->cve, q->f->cve);
	if (!c)
		c = strcmp(ref_of(p->f), ref_of(q->f));
	return c ? c : (p->i > q->i) - (p->i < q->i);
}

static int cmp_vgroup(const void *x, const void *y)
{
	const struct vgroup *p = *(const struct vgroup *const *)x;
	const struct vgroup *q = *(const struct vgroup *const *)y;
	return (p->first > q->first) - (p->first < q->first);
}

static json_t *vuln_entry(const struct fwg_finding *f, const struct vgroup *g, size_t number)
{
	char bref[64];
	snprintf(bref, sizeof(bref), "vuln-%zu", number);
	json_t *v = json_object();
	if (!v || json_object_set_new(v, "bom-ref", json_string(bref)) != 0 ||
			json_object_set_new(v, "id", fwg_json_str(f->cve)) != 0) {
		json_decref(v);
		return NULL;
	}
	json_object_set_new(v, "source", vuln_source(f->cve));
	json_object_set_new(v, "ratings", json_pack("[{s:s, s:s}]", "severity",
		cdx_severity(g->severity), "method", "other"));
	fwg_json_set_text(v, "description", f->message);
	fwg_json_set_text(v, "detail", f->evidence);
	fwg_json_set_text(v, "recommendation", f->remediation);
	if (g->all_suppressed)
		json_object_set_new(v, "analysis", json_pack("{s:s, s:o}", "state", "not_affected",
			"detail", fwg_json_str(f->suppress_reason ? f->suppress_reason : "suppressed")));
	return v;
}

/* NULL when out of memory. */
static json_t *vulnerabilities_json(const struct fwg_analysis *a)
{
	size_t n = 0, ngroups = 0, nf = a->finding_count;
	for (size_t i = 0; i < nf; i++)
		n += a->findings[i].cve != NULL;
	json_t *arr = json_array();
	struct vref *refs = malloc((n ? n : 1) * sizeof(*refs));
	struct vgroup *groups = malloc((n ? n : 1) * sizeof(*groups));
	struct vgroup **order = malloc((n ? n : 1) * sizeof(*order));
	size_t *group_of = malloc((nf ? nf : 1) * sizeof(*group_of));
	bool *keep = calloc(nf ? nf : 1, sizeof(*keep));
	if (!arr || !refs || !groups || !order || !group_of || !keep)
		goto nomem;
	n = 0;
	for (size_t i = 0; i < nf; i++)
		if (a->findings[i].cve)
			refs[n++] = (struct vref){ &a->findings[i], i };
	qsort(refs, n, sizeof(*refs), cmp_vref);
	for (size_t s = 0, e; s < n; s = e) {
		struct vgroup *g = &groups[ngroups];
		*g = (struct vgroup){ .first = refs[s].i, .severity = refs[s].f->severity,
			.all_suppressed = true };
		for (e = s; e < n && strcmp(refs[e].f->cve, refs[s].f->cve) == 0; e++) {
			const struct fwg_finding *f = refs[e].f;
			if (refs[e].i < g->first)
				g->first = refs[e].i;
			if (f->severity > g->severity)
				g->severity = f->severity;
			g->all_suppressed = g->all_suppressed && f->suppressed;
			group_of[refs[e].i] = ngroups;
		}
		/* Each ref once: its first finding that counts. */
		for (size_t k = s, r; k < e; k = r) {
			bool kept = false;
			for (r = k; r < e && strcmp(ref_of(refs[r].f), ref_of(refs[k].f)) == 0; r++) {
				if (!kept && (g->all_suppressed || !refs[r].f->suppressed)) {
					keep[refs[r].i] = true;
					kept = true;
				}
			}
		}
		order[ngroups] = g;
		ngroups++;
	}
	qsort(order, ngroups, sizeof(*order), cmp_vgroup);
	for (size_t k = 0; k < ngroups; k++) {
		json_t *v = vuln_entry(&a->findings[order[k]->first], order[k], k + 1);
		json_t *affects = json_array();
		if (!v || !affects) {
			json_decref(v);
			json_decref(affects);
			goto nomem;
		}
		/* set_new consumes affects even when it fails. */
		if (json_object_set_new(v, "affects", affects) != 0) {
			json_decref(v);
			goto nomem;
		}
		order[k]->affects = affects;
		if (json_array_append_new(arr, v) != 0)
			goto nomem;
	}
	for (size_t i = 0; i < nf; i++)
		if (a->findings[i].cve && keep[i] && json_array_append_new(groups[group_of[i]].affects,
				json_pack("{s:s}", "ref", ref_of(&a->findings[i]))) != 0)
			goto nomem;
	free(refs);
	free(groups);
	free(order);
	free(group_of);
	free(keep);
	return arr;
nomem:
	json_decref(arr);
	free(refs);
	free(groups);
	free(order);
	free(group_of);
	free(keep);
	return NULL;
}

enum fwg_status fwg_write_cyclonedx(const struct fwg_image *image, const struct fwg_analysis *analysis,
		FILE *out)
{
	const struct fwg_node *root = fwg_image_root(image);
	const char *sha = root ? fwg_node_hash_hex(root, FWG_HASH_SHA256) : NULL;
	char serial[64], when[32];
	serial_number(sha, serial, sizeof(serial));
	fwg_json_timestamp(when, sizeof(when));

	json_t *doc = json_object();
	if (!doc)
		return FWG_NOMEM;
	json_object_set_new(doc, "$schema", json_string("http://cyclonedx.org/schema/bom-1.6.schema.json"));
	json_object_set_new(doc, "bomFormat", json_string("CycloneDX"));
	json_object_set_new(doc, "specVersion", json_string("1.6"));
	json_object_set_new(doc, "serialNumber", json_string(serial));
	json_object_set_new(doc, "version", json_integer(1));

	json_t *image_c = json_pack("{s:s, s:s, s:o}", "type", "firmware", "bom-ref", "image",
		"name", fwg_json_str(fwg_json_basename(fwg_image_path(image))));
	if (image_c && root) {
		json_t *h = hashes_of(root);
		if (h && json_array_size(h))
			json_object_set_new(image_c, "hashes", h);
		else
			json_decref(h);
		json_t *props = json_array();
		add_property(props, "fwguard:image_path", fwg_image_path(image));
		char size[32];
		snprintf(size, sizeof(size), "%llu", (unsigned long long)fwg_node_size(root));
		add_property(props, "fwguard:size", size);
		json_object_set_new(image_c, "properties", props);
	}
	json_t *tool = json_pack("{s:s, s:s, s:s}", "type", "application", "name", "fwguard",
		"version", FWG_VERSION_STRING);
	json_object_set_new(doc, "metadata", json_pack("{s:s, s:{s:[o]}, s:o}", "timestamp", when,
		"tools", "components", tool, "component", image_c));

	json_t *components = json_array(), *depends = json_array();
	for (size_t i = 0; analysis && components && i < analysis->software_count; i++) {
		const struct fwg_software *s = &analysis->software[i];
		json_t *c = component_json(s);
		if (!c || json_array_append_new(components, c) != 0) {
			json_decref(doc);
			json_decref(components);
			json_decref(depends);
			return FWG_NOMEM;
		}
		json_array_append_new(depends, fwg_json_str(s->bom_ref));
	}
	json_object_set_new(doc, "components", components);
	json_object_set_new(doc, "dependencies", json_pack("[{s:s, s:o}]", "ref", "image",
		"dependsOn", depends));
	if (analysis) {
		json_t *v = vulnerabilities_json(analysis);
		if (!v) {
			json_decref(doc);
			return FWG_NOMEM;
		}
		if (json_array_size(v))
			json_object_set_new(doc, "vulnerabilities", v);
		else
			json_decref(v);
	}
	int rc = json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(3));
	json_decref(doc);
	if (rc != 0)
		return FWG_IO;
	return fputc('\n', out) == EOF ? FWG_IO : FWG_OK;
}
