/*
 * drift.c - writers for the structural diff and the reclamation verdict:
 * the JSON documents of docs/baselines.md and their text forms.
 */
#include <string.h>

#include <jansson.h>

#include "../baseline/reclaim.h"
#include "../core/guid.h"
#include "json_text.h"

static const char *kind_name(enum fwg_change_kind k)
{
	return k == FWG_ADDED ? "added" : k == FWG_REMOVED ? "removed" : "modified";
}

static json_t *change_json(const struct fwg_change *c)
{
	json_t *o = json_object();
	char g[FWG_GUID_TEXT_LEN];
	json_object_set_new(o, "change", json_string(kind_name(c->kind)));
	json_object_set_new(o, "class", json_string(fwg_change_class_name(c->cls)));
	json_object_set_new(o, "role", fwg_json_text(c->role));
	json_object_set_new(o, "path", fwg_json_text(c->path));
	json_object_set_new(o, "type", fwg_json_text(c->type));
	json_object_set_new(o, "name", fwg_json_text(c->name));
	if (c->has_guid)
		fwg_guid_format(c->guid, g);
	json_object_set_new(o, "guid", c->has_guid ? json_string(g) : json_null());
	if (c->fs_path)
		json_object_set_new(o, "fs_path", fwg_json_text(c->fs_path));
	json_object_set_new(o, "reason", fwg_json_text(c->reason));
	if (c->details)
		json_object_set_new(o, "details", fwg_json_text(c->details));
	if (c->old_sha256 || c->new_sha256) {
		json_object_set_new(o, "old_sha256", fwg_json_text(c->old_sha256));
		json_object_set_new(o, "new_sha256", fwg_json_text(c->new_sha256));
	}
	return o;
}

static json_t *changes_json(const struct fwg_diff *d)
{
	json_t *a = json_array();
	/* Most severe first, then in tree order. */
	for (int cls = FWG_CHANGE_CRITICAL; cls >= FWG_CHANGE_EXPECTED; cls--)
		for (size_t i = 0; i < d->change_count; i++)
			if ((int)d->changes[i].cls == cls)
				json_array_append_new(a, change_json(&d->changes[i]));
	return a;
}

static json_t *summary_json(const struct fwg_diff *d)
{
	json_t *s = json_object();
	for (int cls = FWG_CHANGE_EXPECTED; cls <= FWG_CHANGE_CRITICAL; cls++)
		json_object_set_new(s, fwg_change_class_name((enum fwg_change_class)cls),
			json_integer((json_int_t)d->counts[cls]));
	return s;
}

static enum fwg_status dump(json_t *root, FILE *out)
{
	int rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	return rc == 0 && fputc('\n', out) != EOF ? FWG_OK : FWG_IO;
}

enum fwg_status fwg_write_diff_json(const struct fwg_diff *d, FILE *out)
{
	json_t *root = json_object(), *o = json_object(), *n = json_object();
	json_object_set_new(root, "tool", json_string("fwguard"));
	json_object_set_new(root, "version", json_string(FWG_VERSION_STRING));
	json_object_set_new(o, "label", fwg_json_text(d->old_label));
	json_object_set_new(o, "release", fwg_json_text(d->release));
	json_object_set_new(n, "label", fwg_json_text(d->new_label));
	json_object_set_new(root, "old", o);
	json_object_set_new(root, "new", n);
	json_object_set_new(root, "explained_by", fwg_json_text(d->explained_by));
	json_object_set_new(root, "summary", summary_json(d));
	json_object_set_new(root, "changes", changes_json(d));
	return dump(root, out);
}

static void write_change_text(const struct fwg_change *c, FILE *out)
{
	char g[FWG_GUID_TEXT_LEN] = "";
	if (c->has_guid)
		fwg_guid_format(c->guid, g);
	fprintf(out, "%-8s %-8s %s %s%s%s%s%s%s\n", fwg_change_class_name(c->cls), kind_name(c->kind),
		c->type, c->name ? c->name : "", c->has_guid ? " {" : "", g, c->has_guid ? "}" : "",
		c->role ? " in " : "", c->role ? c->role : "");
	fprintf(out, "         %s\n", c->reason ? c->reason : "");
	fprintf(out, "         at %s\n", c->path ? c->path : "?");
	if (c->details)
		fprintf(out, "         inside: %s\n", c->details);
}

enum fwg_status fwg_write_diff_text(const struct fwg_diff *d, FILE *out)
{
	fprintf(out, "old: %s\nnew: %s\n", d->old_label ? d->old_label : "?",
		d->new_label ? d->new_label : "?");
	if (d->change_count == 0) {
		fprintf(out, "no change: the images are identical component by component\n");
		return ferror(out) ? FWG_IO : FWG_OK;
	}
	fprintf(out, "%zu critical, %zu warning, %zu info, %zu expected\n\n",
		d->counts[FWG_CHANGE_CRITICAL], d->counts[FWG_CHANGE_WARNING],
		d->counts[FWG_CHANGE_INFO], d->counts[FWG_CHANGE_EXPECTED]);
	for (int cls = FWG_CHANGE_CRITICAL; cls >= FWG_CHANGE_EXPECTED; cls--)
		for (size_t i = 0; i < d->change_count; i++)
			if ((int)d->changes[i].cls == cls)
				write_change_text(&d->changes[i], out);
	if (d->explained_by)
		fprintf(out, "\nevery change matches the known-good %s\n", d->explained_by);
	return ferror(out) ? FWG_IO : FWG_OK;
}

enum fwg_status fwg_write_reclaim_json(const struct fwg_reclaim *r, FILE *out)
{
	json_t *root = json_object(), *reasons = json_array();
	json_object_set_new(root, "tool", json_string("fwguard"));
	json_object_set_new(root, "version", json_string(FWG_VERSION_STRING));
	json_object_set_new(root, "verdict", json_string(fwg_verdict_name(r->verdict)));
	json_object_set_new(root, "model", fwg_json_text(r->model));
	json_object_set_new(root, "release", fwg_json_text(r->release));
	for (size_t i = 0; i < r->reason_count; i++) {
		const struct fwg_reclaim_reason *x = &r->reasons[i];
		json_t *o = json_object();
		json_object_set_new(o, "code", json_string(x->code));
		json_object_set_new(o, "class", json_string(fwg_change_class_name(x->cls)));
		json_object_set_new(o, "path", fwg_json_text(x->path));
		json_object_set_new(o, "message", fwg_json_text(x->message));
		json_array_append_new(reasons, o);
	}
	json_object_set_new(root, "reasons", reasons);
	json_object_set_new(root, "changes", r->diff ? changes_json(r->diff) : json_array());
	return dump(root, out);
}

enum fwg_status fwg_write_reclaim_text(const struct fwg_reclaim *r, FILE *out)
{
	fprintf(out, "verdict: %s\n", fwg_verdict_name(r->verdict));
	if (r->model)
		fprintf(out, "baseline: model %s%s%s\n", r->model, r->release ? ", release " : "",
			r->release ? r->release : "");
	if (r->reason_count == 0)
		fprintf(out, "the firmware matches the golden baseline and no previous tenant's state "
			"was found\n");
	for (size_t i = 0; i < r->reason_count; i++)
		fprintf(out, "  [%s] %s: %s\n", fwg_change_class_name(r->reasons[i].cls),
			r->reasons[i].code, r->reasons[i].message);
	return ferror(out) ? FWG_IO : FWG_OK;
}
