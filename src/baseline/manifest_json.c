/*
 * manifest_json.c - the baseline manifest on disk (docs/baselines.md):
 * writing it in canonical form and reading it back.  A manifest is
 * signed, but it is parsed before and apart from the signature check
 * (and tests and fuzzers feed it anything), so the reader checks every
 * type, index and length and never trusts a field it did not validate.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../core/array.h"
#include "../core/guid.h"
#include "../core/text.h"
#include "../output/json_text.h"
#include "manifest.h"

#define MAX_ENTRIES 20000000u
#define MAX_ACCOUNTS 100000u

/* ---- writing ------------------------------------------------------------ */

static json_t *hex_json(const uint8_t *bytes, size_t len)
{
	char buf[129];
	if (len > 64)
		return NULL;
	fwg_hex_encode(bytes, len, buf);
	return json_string(buf);
}

static json_t *entry_json(const struct fwg_manifest_entry *e)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	char g[FWG_GUID_TEXT_LEN];
	json_object_set_new(o, "key", fwg_json_text(e->key));
	json_object_set_new(o, "path", fwg_json_text(e->path));
	json_object_set_new(o, "type", fwg_json_text(e->type));
	if (e->name)
		json_object_set_new(o, "name", fwg_json_text(e->name));
	if (e->has_guid) {
		fwg_guid_format(e->guid, g);
		json_object_set_new(o, "guid", json_string(g));
	}
	json_object_set_new(o, "size", json_integer((json_int_t)e->size));
	json_object_set_new(o, "sha256", hex_json(e->sha256, 32));
	json_object_set_new(o, "parent", e->parent == FWG_NO_ENTRY ? json_null()
		: json_integer((json_int_t)e->parent));
	if (e->flags & FWG_ENTRY_UNIT)
		json_object_set_new(o, "unit", json_true());
	if (e->flags & FWG_ENTRY_ERASED)
		json_object_set_new(o, "erased", json_true());
	if (e->flags & FWG_ENTRY_COVERS)
		json_object_set_new(o, "covers", json_true());
	if (e->detail)
		json_object_set_new(o, "detail", fwg_json_text(e->detail));
	if (e->owner)
		json_object_set_new(o, "owner", fwg_json_text(e->owner));
	if (e->flags & FWG_ENTRY_FS) {
		json_t *fs = json_object();
		json_object_set_new(fs, "path", fwg_json_text(e->fs_path ? e->fs_path : ""));
		if (e->fs_kind)
			json_object_set_new(fs, "kind", fwg_json_text(e->fs_kind));
		if (e->link_target)
			json_object_set_new(fs, "link", fwg_json_text(e->link_target));
		json_object_set_new(fs, "mode", json_integer(e->fs_mode));
		json_object_set_new(fs, "uid", json_integer(e->fs_uid));
		json_object_set_new(fs, "gid", json_integer(e->fs_gid));
		if (e->flags & FWG_ENTRY_MTIME)
			json_object_set_new(fs, "mtime", json_integer((json_int_t)e->fs_mtime));
		if (e->fs_writable)
			json_object_set_new(fs, "writable", json_true());
		json_object_set_new(o, "fs", fs);
	}
	return o;
}

static json_t *account_json(const struct fwg_manifest_account *a)
{
	json_t *o = json_object();
	json_object_set_new(o, "user", fwg_json_text(a->user));
	json_object_set_new(o, "uid", json_integer(a->uid));
	json_object_set_new(o, "gid", json_integer(a->gid));
	json_object_set_new(o, "home", fwg_json_text(a->home));
	json_object_set_new(o, "shell", fwg_json_text(a->shell));
	json_object_set_new(o, "secret_sha256", fwg_json_text(a->secret_sha256));
	json_object_set_new(o, "locked", json_boolean(a->locked));
	json_object_set_new(o, "writable", json_boolean(a->writable));
	json_object_set_new(o, "source", fwg_json_text(a->source));
	return o;
}

static json_t *image_json(const struct fwg_manifest_image *img)
{
	json_t *o = json_object(), *comps = json_array(), *accts = json_array();
	json_object_set_new(o, "role", fwg_json_text(img->role));
	json_object_set_new(o, "file", fwg_json_text(img->file));
	json_object_set_new(o, "size", json_integer((json_int_t)img->size));
	json_object_set_new(o, "sha256", hex_json(img->sha256, 32));
	for (size_t i = 0; i < img->entry_count; i++)
		json_array_append_new(comps, entry_json(&img->entries[i]));
	for (size_t i = 0; i < img->account_count; i++)
		json_array_append_new(accts, account_json(&img->accounts[i]));
	json_object_set_new(o, "components", comps);
	json_object_set_new(o, "accounts", accts);
	return o;
}

enum fwg_status fwg_baseline_write(const struct fwg_baseline *b, FILE *out)
{
	json_t *root = json_object(), *rels = json_array();
	if (!root || !rels) {
		json_decref(root);
		json_decref(rels);
		return FWG_NOMEM;
	}
	json_object_set_new(root, "format", json_string(FWG_BASELINE_FORMAT));
	json_object_set_new(root, "version", json_integer(1));
	json_object_set_new(root, "generator", json_string("fwguard " FWG_VERSION_STRING));
	json_object_set_new(root, "model", fwg_json_text(b->model));
	for (size_t r = 0; r < b->release_count; r++) {
		const struct fwg_manifest_release *rel = &b->releases[r];
		json_t *ro = json_object(), *imgs = json_array();
		json_object_set_new(ro, "release", fwg_json_text(rel->release));
		for (size_t i = 0; i < rel->image_count; i++)
			json_array_append_new(imgs, image_json(&rel->images[i]));
		json_object_set_new(ro, "images", imgs);
		json_array_append_new(rels, ro);
	}
	json_object_set_new(root, "releases", rels);
	int rc = json_dumpf(root, out, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	json_decref(root);
	if (rc != 0 || fputc('\n', out) == EOF)
		return FWG_IO;
	return FWG_OK;
}

/* ---- reading ------------------------------------------------------------ */

struct reader {
	char *err;
	size_t err_size;
	bool failed;
};

static bool fail(struct reader *r, const char *fmt, const char *a, size_t i)
{
	if (!r->failed)
		snprintf(r->err, r->err_size, fmt, a, i);
	r->failed = true;
	return false;
}

static bool get_str(struct reader *r, json_t *o, const char *key, bool required, char **out,
		const char *where, size_t i)
{
	json_t *v = json_object_get(o, key);
	*out = NULL;
	if (!v || json_is_null(v)) {
		if (required)
			return fail(r, "baseline: %s %zu has no string field", where, i);
		return true;
	}
	if (!json_is_string(v))
		return fail(r, "baseline: %s %zu has a field that is not a string", where, i);
	*out = strdup(json_string_value(v));
	if (!*out)
		return fail(r, "baseline: out of memory reading %s %zu", where, i);
	return true;
}

static bool get_uint(struct reader *r, json_t *o, const char *key, uint64_t max, uint64_t *out,
		const char *where, size_t i)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
			(uint64_t)json_integer_value(v) > max)
		return fail(r, "baseline: %s %zu has a missing or out-of-range number", where, i);
	*out = (uint64_t)json_integer_value(v);
	return true;
}

static bool get_hash(struct reader *r, json_t *o, const char *key, uint8_t out[32],
		const char *where, size_t i)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_string(v) || !fwg_hex_decode(json_string_value(v), out, 32))
		return fail(r, "baseline: %s %zu has no valid SHA-256", where, i);
	return true;
}

static bool read_entry(struct reader *r, json_t *o, struct fwg_manifest_entry *e, size_t i)
{
	static const char w[] = "component";
	memset(e, 0, sizeof(*e));
	e->parent = e->first_child = e->next_sibling = FWG_NO_ENTRY;
	if (!json_is_object(o))
		return fail(r, "baseline: %s %zu is not an object", w, i);
	uint64_t n;
	if (!get_str(r, o, "key", true, &e->key, w, i) || !get_str(r, o, "path", true, &e->path, w, i) ||
			!get_str(r, o, "type", true, &e->type, w, i) ||
			!get_str(r, o, "name", false, &e->name, w, i) ||
			!get_str(r, o, "detail", false, &e->detail, w, i) ||
			!get_str(r, o, "owner", false, &e->owner, w, i) ||
			!get_uint(r, o, "size", UINT64_MAX >> 1, &e->size, w, i) ||
			!get_hash(r, o, "sha256", e->sha256, w, i))
		return false;
	json_t *g = json_object_get(o, "guid");
	if (g && !json_is_null(g)) {
		if (!json_is_string(g) || !fwg_guid_parse(json_string_value(g), e->guid))
			return fail(r, "baseline: %s %zu has an invalid GUID", w, i);
		e->has_guid = true;
	}
	json_t *p = json_object_get(o, "parent");
	if (i == 0) {
		if (!json_is_null(p))
			return fail(r, "baseline: %s %zu (the root) has a parent", w, i);
	} else {
		/* Pre-order: a parent always comes before its children. */
		if (!get_uint(r, o, "parent", i - 1, &n, w, i))
			return false;
		e->parent = (size_t)n;
	}
	if (json_is_true(json_object_get(o, "unit")))
		e->flags |= FWG_ENTRY_UNIT;
	if (json_is_true(json_object_get(o, "erased")))
		e->flags |= FWG_ENTRY_ERASED;
	if (json_is_true(json_object_get(o, "covers")))
		e->flags |= FWG_ENTRY_COVERS;
	json_t *fs = json_object_get(o, "fs");
	if (fs) {
		static const char wf[] = "component filesystem entry";
		if (!json_is_object(fs))
			return fail(r, "baseline: %s %zu is not an object", wf, i);
		e->flags |= FWG_ENTRY_FS;
		uint64_t mode, uid, gid;
		if (!get_str(r, fs, "path", true, &e->fs_path, wf, i) ||
				!get_str(r, fs, "kind", false, &e->fs_kind, wf, i) ||
				!get_str(r, fs, "link", false, &e->link_target, wf, i) ||
				!get_uint(r, fs, "mode", UINT32_MAX, &mode, wf, i) ||
				!get_uint(r, fs, "uid", UINT32_MAX, &uid, wf, i) ||
				!get_uint(r, fs, "gid", UINT32_MAX, &gid, wf, i))
			return false;
		e->fs_mode = (uint32_t)mode;
		e->fs_uid = (uint32_t)uid;
		e->fs_gid = (uint32_t)gid;
		json_t *mt = json_object_get(fs, "mtime");
		if (json_is_integer(mt)) {
			e->fs_mtime = (int64_t)json_integer_value(mt);
			e->flags |= FWG_ENTRY_MTIME;
		}
		e->fs_writable = json_is_true(json_object_get(fs, "writable"));
	}
	return true;
}

static bool read_account(struct reader *r, json_t *o, struct fwg_manifest_account *a, size_t i)
{
	static const char w[] = "account";
	memset(a, 0, sizeof(*a));
	if (!json_is_object(o))
		return fail(r, "baseline: %s %zu is not an object", w, i);
	uint64_t uid, gid;
	if (!get_str(r, o, "user", true, &a->user, w, i) ||
			!get_str(r, o, "home", true, &a->home, w, i) ||
			!get_str(r, o, "shell", true, &a->shell, w, i) ||
			!get_str(r, o, "secret_sha256", true, &a->secret_sha256, w, i) ||
			!get_str(r, o, "source", true, &a->source, w, i) ||
			!get_uint(r, o, "uid", UINT32_MAX, &uid, w, i) ||
			!get_uint(r, o, "gid", UINT32_MAX, &gid, w, i))
		return false;
	a->uid = (uint32_t)uid;
	a->gid = (uint32_t)gid;
	a->locked = json_is_true(json_object_get(o, "locked"));
	a->writable = json_is_true(json_object_get(o, "writable"));
	return true;
}

static bool read_image(struct reader *r, json_t *o, struct fwg_manifest_image *img, size_t i)
{
	static const char w[] = "image";
	memset(img, 0, sizeof(*img));
	if (!json_is_object(o))
		return fail(r, "baseline: %s %zu is not an object", w, i);
	if (!get_str(r, o, "role", true, &img->role, w, i) ||
			!get_str(r, o, "file", true, &img->file, w, i) ||
			!get_uint(r, o, "size", UINT64_MAX >> 1, &img->size, w, i) ||
			!get_hash(r, o, "sha256", img->sha256, w, i))
		return false;
	json_t *comps = json_object_get(o, "components"), *accts = json_object_get(o, "accounts");
	if (!json_is_array(comps) || json_array_size(comps) == 0 ||
			json_array_size(comps) > MAX_ENTRIES)
		return fail(r, "baseline: %s %zu has no components array", w, i);
	if (accts && (!json_is_array(accts) || json_array_size(accts) > MAX_ACCOUNTS))
		return fail(r, "baseline: %s %zu has an invalid accounts array", w, i);
	size_t n = json_array_size(comps);
	img->entries = calloc(n, sizeof(*img->entries));
	if (!img->entries)
		return fail(r, "baseline: out of memory for %s %zu", w, i);
	img->entry_cap = n;
	for (size_t k = 0; k < n; k++) {
		img->entry_count = k + 1;
		if (!read_entry(r, json_array_get(comps, k), &img->entries[k], k))
			return false;
	}
	size_t na = accts ? json_array_size(accts) : 0;
	if (na) {
		img->accounts = calloc(na, sizeof(*img->accounts));
		if (!img->accounts)
			return fail(r, "baseline: out of memory for %s %zu", w, i);
		img->account_cap = na;
		for (size_t k = 0; k < na; k++) {
			img->account_count = k + 1;
			if (!read_account(r, json_array_get(accts, k), &img->accounts[k], k))
				return false;
		}
	}
	if (strcmp(img->entries[0].key, "/") != 0)
		return fail(r, "baseline: %s %zu does not start with its root component \"/\"", w, i);
	/* True pre-order: each parent is on the path from the root to the
	 * previous entry (an ancestor stack, amortised linear). */
	size_t *stack = malloc(n * sizeof(*stack)), depth = 0;
	if (!stack)
		return fail(r, "baseline: out of memory for %s %zu", w, i);
	stack[depth++] = 0;
	for (size_t k = 1; k < n; k++) {
		while (depth && stack[depth - 1] != img->entries[k].parent)
			depth--;
		if (!depth) {
			free(stack);
			return fail(r, "baseline: component %.0s%zu is not in tree pre-order", "", k);
		}
		stack[depth++] = k;
	}
	free(stack);
	/* Keys must be unique: the diff matches by them. */
	if (fwg_manifest_find(img, "/") != 0 || img->duplicate_key)
		return fail(r, "baseline: %s %zu repeats a component key", w, i);
	fwg_manifest_link(img);
	return true;
}

bool fwg_baseline_sniff(const uint8_t *data, size_t len)
{
	size_t i = 0;
	while (i < len && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t'))
		i++;
	if (i >= len || data[i] != '{')
		return false;
	/* Canonical manifests start with "format" (keys sort); a re-indented
	 * one may hold it anywhere in the top-level object. */
	static const char marker[] = "\"" FWG_BASELINE_FORMAT "\"";
	return memmem(data + i, len - i, marker, sizeof(marker) - 1) != NULL;
}

enum fwg_status fwg_baseline_parse(const char *text, size_t len, struct fwg_baseline **out,
		char *errbuf, size_t errbuf_size)
{
	*out = NULL;
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		snprintf(errbuf, errbuf_size, "baseline: invalid JSON at line %d, column %d: %s",
			je.line, je.column, je.text);
		return FWG_MALFORMED;
	}
	struct reader r = { errbuf, errbuf_size, false };
	struct fwg_baseline *b = calloc(1, sizeof(*b));
	json_t *fmt = json_object_get(root, "format"), *ver = json_object_get(root, "version");
	json_t *rels = json_object_get(root, "releases");
	if (!b) {
		fail(&r, "baseline: out of memory%s%.0zu", "", 0);
	} else if (!json_is_string(fmt) || strcmp(json_string_value(fmt), FWG_BASELINE_FORMAT) != 0) {
		fail(&r, "baseline: not a fwguard baseline (\"format\" is not \"%s\")%.0zu",
			FWG_BASELINE_FORMAT, 0);
	} else if (!json_is_integer(ver) || json_integer_value(ver) != 1) {
		fail(&r, "baseline: unsupported manifest version%s%.0zu", "", 0);
	} else if (!json_is_array(rels) || json_array_size(rels) == 0) {
		fail(&r, "baseline: no releases%s%.0zu", "", 0);
	} else if (get_str(&r, root, "model", true, &b->model, "manifest", 0)) {
		size_t n = json_array_size(rels);
		b->releases = calloc(n, sizeof(*b->releases));
		if (!b->releases)
			fail(&r, "baseline: out of memory%s%.0zu", "", 0);
		else
			b->release_cap = n;
		for (size_t i = 0; i < n && !r.failed; i++) {
			json_t *ro = json_array_get(rels, i), *imgs = json_object_get(ro, "images");
			struct fwg_manifest_release *rel = &b->releases[i];
			b->release_count = i + 1;
			if (!json_is_object(ro)) {
				fail(&r, "baseline: %s %zu is not an object", "release", i);
				break;
			}
			if (!get_str(&r, ro, "release", true, &rel->release, "release", i))
				break;
			if (!json_is_array(imgs) || json_array_size(imgs) > 64) {
				fail(&r, "baseline: %s %zu has no images array", "release", i);
				break;
			}
			size_t ni = json_array_size(imgs);
			rel->images = calloc(ni ? ni : 1, sizeof(*rel->images));
			if (!rel->images) {
				fail(&r, "baseline: out of memory%s%.0zu", "", 0);
				break;
			}
			rel->image_cap = ni ? ni : 1;
			for (size_t k = 0; k < ni && !r.failed; k++) {
				rel->image_count = k + 1;
				read_image(&r, json_array_get(imgs, k), &rel->images[k], k);
			}
			for (size_t j = 0; j < i && !r.failed; j++)
				if (strcmp(b->releases[j].release, rel->release) == 0)
					fail(&r, "baseline: release '%s' appears twice (%zu)", rel->release, i);
		}
	}
	json_decref(root);
	if (r.failed) {
		fwg_baseline_free(b);
		return FWG_MALFORMED;
	}
	*out = b;
	return FWG_OK;
}
