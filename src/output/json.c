/*
 * json.c - the scan JSON document, a stable public interface documented in
 * docs/json.md:
 *
 *   {"tool", "version", "image": {"path", "size", "sha256"},
 *    "components": [ {id, parent, type, name, guid, offset, size,
 *                     abs_offset, sha256, [sha1], [sha384], path, depth,
 *                     decoded_size, from_cache, [fs_path, mode, uid, gid,
 *                     mtime, inode, link_target, kind, rdev], attributes{}} ... ],
 *    "anomalies": [ {component, path, severity, code, offset, message} ],
 *    with an analysis also:
 *    "findings": [ {rule, engine, severity, confidence, component, path,
 *                   [fs_path], [cve], message, [evidence], [remediation],
 *                   [software], suppressed, [suppress_reason],
 *                   [netfn, cmd, privilege, privilege_name, enabled,
 *                    handler, table]} ],
 *    "software": [ {ref, name, version, kind, supplier, purl, cpe, guid,
 *                   component, evidence: [{component, path, method,
 *                   detail}]} ] }
 *
 * Components are listed in tree pre-order, so a parent always precedes its
 * children.  Strings from the image were made printable by the handlers;
 * jansson escapes them for JSON.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../core/guid.h"
#include "../engines/engine.h"
#include "json_text.h"
#include "../core/image.h"
#include "../core/text.h"

static const char *severity_name(enum fwg_severity s)
{
	switch (s) {
	case FWG_SEV_INFO: return "info";
	case FWG_SEV_WARNING: return "warning";
	case FWG_SEV_ERROR: return "error";
	}
	return "unknown";
}

static json_t *attr_value(const struct fwg_node *n, const struct fwg_attr *a)
{
	switch (a->kind) {
	case FWG_ATTR_STR: return fwg_json_text(a->str ? a->str : "");
	case FWG_ATTR_INT: return json_integer((json_int_t)a->num);
	case FWG_ATTR_BOOL: return json_boolean(a->num != 0);
	case FWG_ATTR_HEX: return json_string(fwg_node_attr(n, a->key));
	}
	return json_null();
}

static json_t *hex_or_null(const struct fwg_node *n, enum fwg_hash_kind k)
{
	const char *h = fwg_node_hash_hex(n, k);
	return h ? json_string(h) : json_null();
}

/* Filesystem entries: where they sit in their filesystem and its
 * metadata.  Names and targets were escaped to UTF-8 when stored. */
static void add_fs_fields(json_t *o, const struct fwg_node *n)
{
	const struct fwg_fs_info *fs = n->fs;
	json_object_set_new_nocheck(o, "fs_path", fwg_json_text(fs->path));
	json_object_set_new_nocheck(o, "mode", json_integer(fs->mode));
	json_object_set_new_nocheck(o, "uid", json_integer(fs->uid));
	json_object_set_new_nocheck(o, "gid", json_integer(fs->gid));
	if (fs->has_mtime)
		json_object_set_new_nocheck(o, "mtime", json_integer((json_int_t)fs->mtime));
	if (fs->inode)
		json_object_set_new_nocheck(o, "inode", json_integer((json_int_t)fs->inode));
	if (fs->link_target)
		json_object_set_new_nocheck(o, "link_target", fwg_json_text(fs->link_target));
	if (n->type == FWG_TYPE_FILE)
		json_object_set_new_nocheck(o, "kind", json_string(fs->kind));
	if (n->type == FWG_TYPE_DEVICE) {
		json_t *rdev = json_object();
		if (rdev) {
			json_object_set_new_nocheck(rdev, "major", json_integer(fs->rdev_major));
			json_object_set_new_nocheck(rdev, "minor", json_integer(fs->rdev_minor));
			json_object_set_new_nocheck(o, "rdev", rdev);
		}
	}
}

struct json_state {
	json_t *components;
	json_t *anomalies;
	unsigned hashes;
	bool failed;
};

static bool add_component(struct fwg_node *n, void *user)
{
	struct json_state *js = user;
	json_t *o = json_object();
	json_t *attrs = json_object();
	if (!o || !attrs) {
		json_decref(o);
		json_decref(attrs);
		js->failed = true;
		return false;
	}
	char g[FWG_GUID_TEXT_LEN];
	if (n->has_guid)
		fwg_guid_format(n->guid, g);
	json_object_set_new_nocheck(o, "id", json_integer((json_int_t)n->id));
	json_object_set_new_nocheck(o, "parent", n->parent ? json_integer((json_int_t)n->parent->id) : json_null());
	json_object_set_new_nocheck(o, "type", json_string(n->type));
	json_object_set_new_nocheck(o, "name", fwg_json_text(n->name));
	json_object_set_new_nocheck(o, "guid", n->has_guid ? json_string(g) : json_null());
	json_object_set_new_nocheck(o, "offset", json_integer((json_int_t)n->offset));
	json_object_set_new_nocheck(o, "size", json_integer((json_int_t)n->size));
	json_object_set_new_nocheck(o, "abs_offset", n->abs_offset == FWG_NO_ABS_OFFSET ? json_null()
		: json_integer((json_int_t)n->abs_offset));
	json_object_set_new_nocheck(o, "sha256", hex_or_null(n, FWG_HASH_SHA256));
	if (js->hashes & FWG_HASH_SHA1)
		json_object_set_new_nocheck(o, "sha1", hex_or_null(n, FWG_HASH_SHA1));
	if (js->hashes & FWG_HASH_SHA384)
		json_object_set_new_nocheck(o, "sha384", hex_or_null(n, FWG_HASH_SHA384));
	json_object_set_new_nocheck(o, "path", fwg_json_text(n->path ? n->path : ""));
	json_object_set_new_nocheck(o, "depth", json_integer(n->depth));
	if (n->body_decoded)
		json_object_set_new_nocheck(o, "decoded_size", json_integer((json_int_t)n->body_size));
	if (n->from_cache)
		json_object_set_new_nocheck(o, "from_cache", json_true());
	if (n->fs)
		add_fs_fields(o, n);
	for (size_t i = 0; i < n->attr_count; i++)
		json_object_set_new(attrs, n->attrs[i].key, attr_value(n, &n->attrs[i]));
	/* Keys of the fixed fields above are ASCII literals, so they skip
	 * jansson's UTF-8 validation; attribute keys are checked. */
	json_object_set_new_nocheck(o, "attributes", attrs);
	json_array_append_new(js->components, o);

	for (size_t i = 0; i < n->diag_count; i++) {
		const struct fwg_diag *d = &n->diags[i];
		json_t *a = json_object();
		if (!a) {
			js->failed = true;
			return false;
		}
		json_object_set_new_nocheck(a, "component", json_integer((json_int_t)n->id));
		json_object_set_new_nocheck(a, "path", fwg_json_text(n->path ? n->path : ""));
		json_object_set_new_nocheck(a, "severity", json_string(severity_name(d->severity)));
		json_object_set_new_nocheck(a, "code", json_string(d->code));
		json_object_set_new_nocheck(a, "offset", json_integer((json_int_t)d->offset));
		json_object_set_new_nocheck(a, "message", fwg_json_text(d->message));
		json_array_append_new(js->anomalies, a);
	}
	return true;
}

static json_t *node_id(const struct fwg_node *n)
{
	return n ? json_integer((json_int_t)n->id) : json_null();
}

static json_t *node_path(const struct fwg_node *n)
{
	return fwg_json_text(n && n->path ? n->path : "/");
}

static const char *privilege_name(int p)
{
	switch (p) {
	case 0: return "none";
	case 1: return "callback";
	case 2: return "user";
	case 3: return "operator";
	case 4: return "admin";
	case 5: return "oem";
	case 0x81: return "local";
	case 0x82: return "system-interface";
	}
	return "unknown";
}

static json_t *finding_json(const struct fwg_finding *f)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	json_object_set_new_nocheck(o, "rule", fwg_json_text(f->rule));
	json_object_set_new_nocheck(o, "engine", json_string(f->engine ? f->engine : ""));
	json_object_set_new_nocheck(o, "severity", json_string(fwg_level_name(f->severity)));
	json_object_set_new_nocheck(o, "confidence", json_string(fwg_confidence_name(f->confidence)));
	json_object_set_new_nocheck(o, "component", node_id(f->node));
	json_object_set_new_nocheck(o, "path", node_path(f->node));
	fwg_json_set_text(o, "fs_path", fwg_node_fs_path(f->node));
	fwg_json_set_text(o, "cve", f->cve);
	json_object_set_new_nocheck(o, "message", fwg_json_text(f->message));
	fwg_json_set_text(o, "evidence", f->evidence);
	fwg_json_set_text(o, "remediation", f->remediation);
	fwg_json_set_text(o, "software", f->software_ref);
	if (f->ipmi) {
		json_object_set_new_nocheck(o, "netfn", json_integer(f->ipmi->netfn));
		json_object_set_new_nocheck(o, "cmd", json_integer(f->ipmi->cmd));
		json_object_set_new_nocheck(o, "privilege", f->ipmi->privilege < 0 ? json_null()
			: json_integer(f->ipmi->privilege));
		json_object_set_new_nocheck(o, "privilege_name",
			json_string(privilege_name(f->ipmi->privilege)));
		json_object_set_new_nocheck(o, "enabled", json_boolean(f->ipmi->enabled));
		json_object_set_new_nocheck(o, "handler", fwg_json_text(f->ipmi->handler));
		json_object_set_new_nocheck(o, "table", fwg_json_text(f->ipmi->table));
	}
	json_object_set_new_nocheck(o, "suppressed", json_boolean(f->suppressed));
	fwg_json_set_text(o, "suppress_reason", f->suppress_reason);
	return o;
}

static json_t *software_json(const struct fwg_software *s)
{
	json_t *o = json_object(), *ev = json_array();
	if (!o || !ev) {
		json_decref(o);
		json_decref(ev);
		return NULL;
	}
	char g[FWG_GUID_TEXT_LEN];
	if (s->has_guid)
		fwg_guid_format(s->guid, g);
	json_object_set_new_nocheck(o, "ref", fwg_json_text(s->bom_ref));
	json_object_set_new_nocheck(o, "name", fwg_json_text(s->name));
	json_object_set_new_nocheck(o, "version", fwg_json_text(s->version));
	json_object_set_new_nocheck(o, "kind", fwg_json_text(s->kind));
	json_object_set_new_nocheck(o, "supplier", fwg_json_text(s->supplier));
	json_object_set_new_nocheck(o, "purl", fwg_json_text(s->purl));
	json_object_set_new_nocheck(o, "cpe", fwg_json_text(s->cpe));
	json_object_set_new_nocheck(o, "guid", s->has_guid ? json_string(g) : json_null());
	json_object_set_new_nocheck(o, "component", node_id(s->node));
	for (size_t i = 0; i < s->evidence_count; i++) {
		const struct fwg_sbom_evidence *e = &s->evidence[i];
		json_t *eo = json_object();
		if (!eo)
			break;
		json_object_set_new_nocheck(eo, "component", node_id(e->node));
		json_object_set_new_nocheck(eo, "path", node_path(e->node));
		fwg_json_set_text(eo, "fs_path", fwg_node_fs_path(e->node));
		json_object_set_new_nocheck(eo, "method", fwg_json_text(e->method));
		json_object_set_new_nocheck(eo, "detail", fwg_json_text(e->detail));
		json_array_append_new(ev, eo);
	}
	json_object_set_new_nocheck(o, "evidence", ev);
	return o;
}

/* Adds "findings" and "software"; false when out of memory. */
static bool add_analysis(json_t *doc, const struct fwg_analysis *a)
{
	json_t *findings = json_array(), *software = json_array();
	if (!findings || !software) {
		json_decref(findings);
		json_decref(software);
		return false;
	}
	json_object_set_new_nocheck(doc, "findings", findings);
	json_object_set_new_nocheck(doc, "software", software);
	for (size_t i = 0; i < a->finding_count; i++) {
		json_t *o = finding_json(&a->findings[i]);
		if (!o || json_array_append_new(findings, o) != 0)
			return false;
	}
	for (size_t i = 0; i < a->software_count; i++) {
		json_t *o = software_json(&a->software[i]);
		if (!o || json_array_append_new(software, o) != 0)
			return false;
	}
	return true;
}

enum fwg_status fwg_write_json(const struct fwg_image *image, FILE *out)
{
	return fwg_write_json_analysis(image, NULL, out);
}

enum fwg_status fwg_write_json_analysis(const struct fwg_image *image,
		const struct fwg_analysis *analysis, FILE *out)
{
	struct json_state js = {
		.components = json_array(),
		.anomalies = json_array(),
		.hashes = image->options.hashes,
	};
	json_t *doc = json_object(), *img = json_object();
	enum fwg_status st = FWG_NOMEM;
	if (!doc || !img || !js.components || !js.anomalies)
		goto out;
	const struct fwg_node *root = image->root;
	json_object_set_new_nocheck(doc, "tool", json_string("fwguard"));
	json_object_set_new_nocheck(doc, "version", json_string(FWG_VERSION_STRING));
	json_object_set_new_nocheck(img, "path", fwg_json_text(image->path));
	json_object_set_new_nocheck(img, "size", json_integer((json_int_t)root->size));
	json_object_set_new_nocheck(img, "sha256", hex_or_null(root, FWG_HASH_SHA256));
	json_object_set_new_nocheck(doc, "image", img);
	img = NULL;
	fwg_node_walk(image->root, add_component, &js);
	if (js.failed)
		goto out;
	json_object_set_new_nocheck(doc, "components", js.components);
	json_object_set_new_nocheck(doc, "anomalies", js.anomalies);
	js.components = js.anomalies = NULL;
	if (analysis && !add_analysis(doc, analysis))
		goto out;
	/* Dumping into one buffer and writing it once is several times
	 * faster than jansson's per-token stream callback. */
	char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!text)
		goto out;
	size_t len = strlen(text);
	st = fwrite(text, 1, len, out) == len && fputc('\n', out) != EOF ? FWG_OK : FWG_IO;
	free(text);
out:
	json_decref(js.components);
	json_decref(js.anomalies);
	json_decref(img);
	json_decref(doc);
	return st;
}
