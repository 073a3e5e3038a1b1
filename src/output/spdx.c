/*
 * spdx.c - SPDX 2.3 JSON output of an analysis (`fwguard sbom --format
 * spdx`).
 *
 * Document: the image is the package the document DESCRIBES
 * (SPDXRef-Image, primaryPackagePurpose FIRMWARE, its SHA-256); each
 * identified software component is a package the image CONTAINS
 * (SPDXRef-<bom-ref>), with versionInfo, supplier, the purl
 * (PACKAGE-MANAGER/purl) and CPE (SECURITY/cpe23Type) as external
 * references, the component's SHA-256 for UEFI modules, where and how it
 * was identified in sourceInfo, and each advisory of the findings as a
 * SECURITY/advisory reference.  Nothing is asserted about licenses or
 * download locations: NOASSERTION.
 *
 * documentNamespace is derived from the image's SHA-256: one namespace per
 * image content.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "../core/guid.h"
#include "../core/text.h"
#include "../engines/engine.h"
#include "json_text.h"

static const char *purpose(const char *kind)
{
	static const struct { const char *kind, *purpose; } map[] = {
		{ "application", "APPLICATION" }, { "library", "LIBRARY" }, { "firmware", "FIRMWARE" },
		{ "operating-system", "OPERATING_SYSTEM" }, { "framework", "FRAMEWORK" },
		{ "container", "CONTAINER" }, { "file", "FILE" }, { "device", "DEVICE" },
	};
	for (size_t i = 0; kind && i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(kind, map[i].kind) == 0)
			return map[i].purpose;
	return "OTHER";
}

/* SPDXRef-<ref> with anything but letters, digits, '.' and '-' as '-'. */
static void spdx_id(const char *ref, char *out, size_t size)
{
	int n = snprintf(out, size, "SPDXRef-%s", ref ? ref : "unknown");
	for (size_t i = 8; n > 0 && i < (size_t)n && i < size; i++) {
		char c = out[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
				c == '.' || c == '-'))
			out[i] = '-';
	}
}

static json_t *checksums_of(const struct fwg_node *node)
{
	static const struct { enum fwg_hash_kind kind; const char *alg; } algs[] = {
		{ FWG_HASH_SHA256, "SHA256" }, { FWG_HASH_SHA1, "SHA1" }, { FWG_HASH_SHA384, "SHA384" },
	};
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < sizeof(algs) / sizeof(algs[0]); i++) {
		const char *h = fwg_node_hash_hex(node, algs[i].kind);
		if (h)
			json_array_append_new(arr, json_pack("{s:s, s:s}", "algorithm", algs[i].alg,
				"checksumValue", h));
	}
	return arr;
}

static void add_ref(json_t *refs, const char *category, const char *type, const char *locator)
{
	if (locator)
		json_array_append_new(refs, json_pack("{s:s, s:s, s:o}", "referenceCategory", category,
			"referenceType", type, "referenceLocator", fwg_json_str(locator)));
}

static const char *location_of(const struct fwg_node *node)
{
	const char *fs = fwg_node_fs_path(node);
	return fs ? fs : node ? fwg_node_path(node) : "(image)";
}

/* "identified by string in /bin/busybox (pattern ...); ..." */
static char *source_info(const struct fwg_software *s)
{
	size_t cap = 256 + s->evidence_count * 700, n = 0;
	char *buf = malloc(cap);
	if (!buf)
		return NULL;
	n = (size_t)snprintf(buf, cap, "identified by fwguard");
	for (size_t i = 0; i < s->evidence_count && n < cap; i++) {
		const struct fwg_sbom_evidence *e = &s->evidence[i];
		int w = snprintf(buf + n, cap - n, "%s %s in %.300s (%.360s)", i ? ";" : ":",
			e->method ? e->method : "unknown", location_of(e->node), e->detail ? e->detail : "");
		if (w < 0)
			break;
		n += (size_t)w;
	}
	return buf;
}

static json_t *package_json(const struct fwg_software *s, const struct fwg_analysis *a)
{
	char id[128];
	spdx_id(s->bom_ref, id, sizeof(id));
	json_t *p = json_object();
	if (!p)
		return NULL;
	fwg_json_set_text(p, "name", s->name);
	json_object_set_new(p, "SPDXID", json_string(id));
	fwg_json_set_text(p, "versionInfo", s->version);
	if (s->supplier) {
		char sup[320];
		snprintf(sup, sizeof(sup), "Organization: %.300s", s->supplier);
		fwg_json_set_text(p, "supplier", sup);
	}
	json_object_set_new(p, "downloadLocation", json_string("NOASSERTION"));
	json_object_set_new(p, "filesAnalyzed", json_false());
	if (s->node) {
		json_t *c = checksums_of(s->node);
		if (c && json_array_size(c))
			json_object_set_new(p, "checksums", c);
		else
			json_decref(c);
	}
	json_object_set_new(p, "licenseConcluded", json_string("NOASSERTION"));
	json_object_set_new(p, "licenseDeclared", json_string("NOASSERTION"));
	json_object_set_new(p, "copyrightText", json_string("NOASSERTION"));
	fwg_json_set_text(p, "description", s->description);
	json_object_set_new(p, "primaryPackagePurpose", json_string(purpose(s->kind)));
	char *si = source_info(s);
	if (si)
		fwg_json_set_text(p, "sourceInfo", si);
	free(si);
	char comment[512] = "";
	if (s->has_guid) {
		char g[FWG_GUID_TEXT_LEN];
		fwg_guid_format(s->guid, g);
		snprintf(comment, sizeof(comment), "UEFI module GUID %s at %.400s", g,
			s->node ? fwg_node_path(s->node) : "?");
		fwg_json_set_text(p, "comment", comment);
	}
	json_t *refs = json_array();
	add_ref(refs, "PACKAGE-MANAGER", "purl", s->purl);
	add_ref(refs, "SECURITY", "cpe23Type", s->cpe);
	for (size_t i = 0; a && i < a->finding_count; i++) {
		const struct fwg_finding *f = &a->findings[i];
		if (!f->cve || !f->software_ref || strcmp(f->software_ref, s->bom_ref) != 0)
			continue;
		char url[256];
		if (strncmp(f->cve, "CVE-", 4) == 0)
			snprintf(url, sizeof(url), "https://nvd.nist.gov/vuln/detail/%.200s", f->cve);
		else
			snprintf(url, sizeof(url), "https://osv.dev/vulnerability/%.200s", f->cve);
		add_ref(refs, "SECURITY", "advisory", url);
	}
	if (refs && json_array_size(refs))
		json_object_set_new(p, "externalRefs", refs);
	else
		json_decref(refs);
	return p;
}

enum fwg_status fwg_write_spdx(const struct fwg_image *image, const struct fwg_analysis *analysis,
		FILE *out)
{
	const struct fwg_node *root = fwg_image_root(image);
	const char *sha = root ? fwg_node_hash_hex(root, FWG_HASH_SHA256) : NULL;
	const char *base = fwg_json_basename(fwg_image_path(image));
	char when[32], ns[160], name[320];
	fwg_json_timestamp(when, sizeof(when));
	snprintf(ns, sizeof(ns), "urn:fwguard:spdx:sha256:%s", sha ? sha : "unknown");
	snprintf(name, sizeof(name), "fwguard SBOM of %.280s", base);

	json_t *doc = json_object();
	if (!doc)
		return FWG_NOMEM;
	json_object_set_new(doc, "spdxVersion", json_string("SPDX-2.3"));
	json_object_set_new(doc, "dataLicense", json_string("CC0-1.0"));
	json_object_set_new(doc, "SPDXID", json_string("SPDXRef-DOCUMENT"));
	fwg_json_set_text(doc, "name", name);
	json_object_set_new(doc, "documentNamespace", json_string(ns));
	json_t *creators = json_pack("[s]", "Tool: fwguard-" FWG_VERSION_STRING);
	json_object_set_new(doc, "creationInfo", json_pack("{s:s, s:o}", "created", when,
		"creators", creators));

	json_t *packages = json_array(), *rels = json_array();
	json_t *img = json_object();
	if (!packages || !rels || !img) {
		json_decref(packages);
		json_decref(rels);
		json_decref(img);
		json_decref(doc);
		return FWG_NOMEM;
	}
	fwg_json_set_text(img, "name", base);
	json_object_set_new(img, "SPDXID", json_string("SPDXRef-Image"));
	json_object_set_new(img, "downloadLocation", json_string("NOASSERTION"));
	json_object_set_new(img, "filesAnalyzed", json_false());
	if (root) {
		json_t *c = checksums_of(root);
		if (c && json_array_size(c))
			json_object_set_new(img, "checksums", c);
		else
			json_decref(c);
	}
	json_object_set_new(img, "licenseConcluded", json_string("NOASSERTION"));
	json_object_set_new(img, "licenseDeclared", json_string("NOASSERTION"));
	json_object_set_new(img, "copyrightText", json_string("NOASSERTION"));
	json_object_set_new(img, "primaryPackagePurpose", json_string("FIRMWARE"));
	json_array_append_new(packages, img);
	json_array_append_new(rels, json_pack("{s:s, s:s, s:s}", "spdxElementId", "SPDXRef-DOCUMENT",
		"relationshipType", "DESCRIBES", "relatedSpdxElement", "SPDXRef-Image"));
	for (size_t i = 0; analysis && i < analysis->software_count; i++) {
		const struct fwg_software *s = &analysis->software[i];
		json_t *p = package_json(s, analysis);
		if (!p || json_array_append_new(packages, p) != 0) {
			json_decref(packages);
			json_decref(rels);
			json_decref(doc);
			return FWG_NOMEM;
		}
		char id[128];
		spdx_id(s->bom_ref, id, sizeof(id));
		json_array_append_new(rels, json_pack("{s:s, s:s, s:s}", "spdxElementId",
			"SPDXRef-Image", "relationshipType", "CONTAINS", "relatedSpdxElement", id));
	}
	json_object_set_new(doc, "packages", packages);
	json_object_set_new(doc, "relationships", rels);
	int rc = json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (rc != 0)
		return FWG_IO;
	return fputc('\n', out) == EOF ? FWG_IO : FWG_OK;
}
