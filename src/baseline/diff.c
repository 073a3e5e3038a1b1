/*
 * diff.c - the structural diff: matches two manifest images component by
 * component through their identity keys, skips every subtree whose hash
 * covers it and is unchanged, and rolls each difference up to the unit
 * it belongs to (the UEFI module, the filesystem file, the NVRAM
 * variable, the free-space area), so a byte changed deep inside a
 * compressed module is reported once, on that module.
 *
 * Then, per pair of images of the same role: the accounts are compared,
 * every change is classified (classify.c), and changes explained by
 * another known-good release are marked expected.
 */
#include <stdlib.h>
#include <string.h>

#include "../core/array.h"
#include "../core/text.h"
#include "diff.h"

struct matcher {
	struct fwg_diff *d;
	const char *role;
	struct fwg_manifest_image *old_img, *new_img;
	bool *new_seen;        /* new entries matched to an old one */
	size_t *unit_change;   /* per old unit: change index + 1, 0 = none */
	size_t *new_unit_change; /* per new unit (added units) */
	bool failed;
	size_t first_change;
};

struct fwg_change *fwg_diff_add(struct fwg_diff *d)
{
	if (!fwg_array_reserve((void **)&d->changes, &d->change_cap, d->change_count,
			sizeof(*d->changes)))
		return NULL;
	struct fwg_change *c = &d->changes[d->change_count++];
	memset(c, 0, sizeof(*c));
	c->old_entry = c->new_entry = FWG_NO_ENTRY;
	return c;
}

static void change_clear(struct fwg_change *c)
{
	free(c->role);
	free(c->path);
	free(c->type);
	free(c->name);
	free(c->fs_path);
	free(c->reason);
	free(c->details);
	free(c->old_sha256);
	free(c->new_sha256);
}

void fwg_diff_clear(struct fwg_diff *d)
{
	for (size_t i = 0; i < d->change_count; i++)
		change_clear(&d->changes[i]);
	free(d->changes);
	free(d->old_label);
	free(d->new_label);
	free(d->release);
	free(d->explained_by);
	memset(d, 0, sizeof(*d));
}

void fwg_diff_free(struct fwg_diff *d)
{
	if (!d)
		return;
	fwg_diff_clear(d);
	free(d);
}

size_t fwg_diff_count(const struct fwg_diff *d, enum fwg_change_class cls)
{
	return (size_t)cls < 4 ? d->counts[cls] : 0;
}

static size_t unit_of(const struct fwg_manifest_image *img, size_t i)
{
	for (size_t e = i; e != FWG_NO_ENTRY; e = img->entries[e].parent)
		if (img->entries[e].flags & FWG_ENTRY_UNIT)
			return e;
	return i;
}

static char *hex_of(const uint8_t h[32])
{
	char buf[65];
	fwg_hex_encode(h, 32, buf);
	return strdup(buf);
}

static void append_detail(struct matcher *m, struct fwg_change *c, const char *what,
		const struct fwg_manifest_entry *e)
{
	/* Keep details short: a module's inner sections, not every byte. */
	size_t have = c->details ? strlen(c->details) : 0;
	if (have > 900)
		return;
	const char *label = strrchr(e->key, '/');
	label = label ? label + 1 : e->key;
	char *s = NULL;
	if (asprintf(&s, "%s%s%s %s", c->details ? c->details : "", c->details ? "; " : "", label,
			what) < 0) {
		m->failed = true;
		return;
	}
	free(c->details);
	c->details = s;
}

/* The change record of a unit, created on first use. */
static struct fwg_change *unit_change(struct matcher *m, enum fwg_change_kind kind,
		size_t old_unit, size_t new_unit)
{
	size_t *slot = old_unit != FWG_NO_ENTRY ? &m->unit_change[old_unit]
		: &m->new_unit_change[new_unit];
	if (*slot)
		return &m->d->changes[*slot - 1];
	struct fwg_change *c = fwg_diff_add(m->d);
	if (!c) {
		m->failed = true;
		return NULL;
	}
	*slot = m->d->change_count;
	const struct fwg_manifest_entry *o = old_unit != FWG_NO_ENTRY ?
		&m->old_img->entries[old_unit] : NULL;
	const struct fwg_manifest_entry *n = new_unit != FWG_NO_ENTRY ?
		&m->new_img->entries[new_unit] : NULL;
	const struct fwg_manifest_entry *e = n ? n : o;
	c->kind = kind;
	c->old_entry = old_unit;
	c->new_entry = new_unit;
	c->key = e->key;
	c->role = strdup(m->role);
	c->path = strdup(e->path);
	c->type = strdup(e->type);
	c->name = e->name ? strdup(e->name) : NULL;
	c->has_guid = e->has_guid;
	memcpy(c->guid, e->guid, 16);
	c->fs_path = e->fs_path ? strdup(e->fs_path) : NULL;
	c->writable = e->fs_writable;
	c->old_sha256 = o ? hex_of(o->sha256) : NULL;
	c->new_sha256 = n ? hex_of(n->sha256) : NULL;
	if (!c->role || !c->path || !c->type || (e->name && !c->name) ||
			(e->fs_path && !c->fs_path) || (o && !c->old_sha256) || (n && !c->new_sha256))
		m->failed = true;
	return c;
}

/* The new-side entry that corresponds to old entry o (same key). */
static size_t counterpart(struct matcher *m, size_t o)
{
	return fwg_manifest_find(m->new_img, m->old_img->entries[o].key);
}

static void record_removed(struct matcher *m, size_t o)
{
	size_t u = unit_of(m->old_img, o);
	if (u == o || !(m->old_img->entries[u].flags & FWG_ENTRY_UNIT)) {
		unit_change(m, FWG_REMOVED, o, FWG_NO_ENTRY);
		return;
	}
	size_t nu = counterpart(m, u);
	if (nu == FWG_NO_ENTRY) {
		unit_change(m, FWG_REMOVED, o, FWG_NO_ENTRY);
		return;
	}
	struct fwg_change *c = unit_change(m, FWG_MODIFIED, u, nu);
	if (c)
		append_detail(m, c, "removed", &m->old_img->entries[o]);
}

static void record_added(struct matcher *m, size_t n)
{
	size_t u = unit_of(m->new_img, n);
	if (u == n || !(m->new_img->entries[u].flags & FWG_ENTRY_UNIT)) {
		unit_change(m, FWG_ADDED, FWG_NO_ENTRY, n);
		return;
	}
	size_t ou = fwg_manifest_find(m->old_img, m->new_img->entries[u].key);
	struct fwg_change *c = ou != FWG_NO_ENTRY ? unit_change(m, FWG_MODIFIED, ou, u)
		: unit_change(m, FWG_ADDED, FWG_NO_ENTRY, u);
	if (c && ou != FWG_NO_ENTRY)
		append_detail(m, c, "added", &m->new_img->entries[n]);
}

static void record_modified(struct matcher *m, size_t o, size_t n, bool metadata_only,
		bool mtime_only)
{
	size_t u = unit_of(m->old_img, o);
	size_t nu = u == o ? n : counterpart(m, u);
	if (nu == FWG_NO_ENTRY)
		nu = n;
	size_t before = m->d->change_count;
	struct fwg_change *c = unit_change(m, FWG_MODIFIED, u, nu);
	if (!c)
		return;
	bool fresh = m->d->change_count != before;
	if (u != o) {
		append_detail(m, c, "modified", &m->old_img->entries[o]);
		c->metadata_only = false;
		c->mtime_only = false;
	} else if (fresh) {
		c->metadata_only = metadata_only;
		c->mtime_only = mtime_only;
	} else {
		/* A descendant already changed the unit's contents. */
		c->metadata_only = c->metadata_only && metadata_only;
		c->mtime_only = c->mtime_only && mtime_only;
	}
}

static bool fs_metadata_equal(const struct fwg_manifest_entry *a,
		const struct fwg_manifest_entry *b, bool *mtime_only)
{
	*mtime_only = false;
	if (!(a->flags & FWG_ENTRY_FS) || !(b->flags & FWG_ENTRY_FS))
		return true;
	bool link_eq = (!a->link_target && !b->link_target) ||
		(a->link_target && b->link_target && strcmp(a->link_target, b->link_target) == 0);
	if (a->fs_mode != b->fs_mode || a->fs_uid != b->fs_uid || a->fs_gid != b->fs_gid || !link_eq)
		return false;
	if ((a->flags & FWG_ENTRY_MTIME) && (b->flags & FWG_ENTRY_MTIME) &&
			a->fs_mtime != b->fs_mtime) {
		*mtime_only = true;
		return false;
	}
	return true;
}

/* Compares matched entries o and n; returns true when anything differs
 * in their subtrees.  Depth is bounded by the tree depth the unpacker
 * allowed (fwg_limits.max_depth) or the manifest reader's pre-order. */
static bool compare(struct matcher *m, size_t o, size_t n, unsigned depth)
{
	const struct fwg_manifest_entry *oe = &m->old_img->entries[o];
	const struct fwg_manifest_entry *ne = &m->new_img->entries[n];
	m->new_seen[n] = true;
	bool mtime_only = false;
	bool meta_eq = fs_metadata_equal(oe, ne, &mtime_only);
	bool same_bytes = oe->size == ne->size && memcmp(oe->sha256, ne->sha256, 32) == 0;
	if (same_bytes && (oe->flags & FWG_ENTRY_COVERS) && (ne->flags & FWG_ENTRY_COVERS)) {
		/* Unchanged subtree: skipped by hash, never walked. */
		if (!meta_eq)
			record_modified(m, o, n, true, mtime_only);
		return !meta_eq;
	}
	bool child_changed = false;
	if (depth < 512) {
		for (size_t c = oe->first_child; c != FWG_NO_ENTRY && !m->failed;
				c = m->old_img->entries[c].next_sibling) {
			size_t nc = counterpart(m, c);
			if (nc == FWG_NO_ENTRY || m->new_img->entries[nc].parent != n ||
					strcmp(m->new_img->entries[nc].type, m->old_img->entries[c].type) != 0) {
				record_removed(m, c);
				child_changed = true;
			} else if (compare(m, c, nc, depth + 1)) {
				child_changed = true;
			}
		}
		for (size_t c = ne->first_child; c != FWG_NO_ENTRY && !m->failed;
				c = m->new_img->entries[c].next_sibling) {
			if (m->new_seen[c])
				continue;
			m->new_seen[c] = true;
			record_added(m, c);
			child_changed = true;
		}
	}
	if (!child_changed && (!same_bytes || !meta_eq)) {
		record_modified(m, o, n, same_bytes, same_bytes && mtime_only);
		return true;
	}
	if (child_changed && !meta_eq)
		record_modified(m, o, n, true, mtime_only);
	return child_changed || !same_bytes || !meta_eq;
}

/* ---- accounts ----------------------------------------------------------- */

static const struct fwg_manifest_account *account_named(const struct fwg_manifest_image *img,
		const char *user)
{
	for (size_t i = 0; i < img->account_count; i++)
		if (strcmp(img->accounts[i].user, user) == 0)
			return &img->accounts[i];
	return NULL;
}

static void account_change(struct matcher *m, enum fwg_change_kind kind,
		const struct fwg_manifest_account *a, const char *details)
{
	struct fwg_change *c = fwg_diff_add(m->d);
	if (!c) {
		m->failed = true;
		return;
	}
	c->kind = kind;
	c->role = strdup(m->role);
	c->type = strdup("account");
	c->name = strdup(a->user);
	c->fs_path = strdup(a->source);
	if (asprintf(&c->path, "%s#%s", a->source, a->user) < 0)
		c->path = NULL;
	c->details = details ? strdup(details) : NULL;
	if (!c->role || !c->type || !c->name || !c->fs_path || !c->path || (details && !c->details))
		m->failed = true;
}

static void compare_accounts(struct matcher *m)
{
	const struct fwg_manifest_image *o = m->old_img, *n = m->new_img;
	for (size_t i = 0; i < n->account_count; i++) {
		const struct fwg_manifest_account *na = &n->accounts[i];
		const struct fwg_manifest_account *oa = account_named(o, na->user);
		if (!oa) {
			account_change(m, FWG_ADDED, na, NULL);
			continue;
		}
		char buf[256] = "";
		size_t len = 0;
		if (strcmp(oa->secret_sha256, na->secret_sha256) != 0)
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%spassword hash changed",
				len ? "; " : "");
		if (oa->uid != na->uid && len < sizeof(buf))
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%suid %u -> %u",
				len ? "; " : "", oa->uid, na->uid);
		if (oa->gid != na->gid && len < sizeof(buf))
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%sgid %u -> %u",
				len ? "; " : "", oa->gid, na->gid);
		if (strcmp(oa->shell, na->shell) != 0 && len < sizeof(buf))
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%sshell %s -> %s",
				len ? "; " : "", oa->shell, na->shell);
		if (strcmp(oa->home, na->home) != 0 && len < sizeof(buf))
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%shome changed",
				len ? "; " : "");
		if (len)
			account_change(m, FWG_MODIFIED, na, buf);
	}
	for (size_t i = 0; i < o->account_count; i++)
		if (!account_named(n, o->accounts[i].user))
			account_change(m, FWG_REMOVED, &o->accounts[i], NULL);
}

enum fwg_status fwg_diff_images(struct fwg_diff *d, const char *role,
		struct fwg_manifest_image *old_img, struct fwg_manifest_image *new_img,
		const struct fwg_allowlist *allow)
{
	struct matcher m = { .d = d, .role = role, .old_img = old_img, .new_img = new_img,
		.first_change = d->change_count };
	m.new_seen = calloc(new_img->entry_count, sizeof(*m.new_seen));
	m.unit_change = calloc(old_img->entry_count, sizeof(*m.unit_change));
	m.new_unit_change = calloc(new_img->entry_count, sizeof(*m.new_unit_change));
	if (!m.new_seen || !m.unit_change || !m.new_unit_change ||
			fwg_manifest_find(old_img, "/") != 0 || fwg_manifest_find(new_img, "/") != 0) {
		m.failed = true;
	} else {
		compare(&m, 0, 0, 0);
		compare_accounts(&m);
	}
	for (size_t i = m.first_change; i < d->change_count && !m.failed; i++)
		if (!fwg_classify_change(&d->changes[i], old_img, new_img, allow))
			m.failed = true;
	free(m.new_seen);
	free(m.unit_change);
	free(m.new_unit_change);
	return m.failed ? FWG_NOMEM : FWG_OK;
}

/* ---- releases and sides ----------------------------------------------------- */

void fwg_diff_options_default(struct fwg_diff_options *options)
{
	memset(options, 0, sizeof(*options));
}

static struct fwg_manifest_image *pair_image(const struct fwg_manifest_release *old_rel,
		const struct fwg_manifest_release *new_rel, const struct fwg_manifest_image *new_img)
{
	struct fwg_manifest_image *o = fwg_manifest_image_of(old_rel, new_img->role);
	/* One image on each side: compare them even when the roles were
	 * detected differently (an unrecognised dump says "unknown"). */
	if (!o && old_rel->image_count == 1 && new_rel->image_count == 1)
		o = &old_rel->images[0];
	return o;
}

static void count_changes(struct fwg_diff *d)
{
	memset(d->counts, 0, sizeof(d->counts));
	for (size_t i = 0; i < d->change_count; i++)
		if ((size_t)d->changes[i].cls < 4)
			d->counts[d->changes[i].cls]++;
}

static enum fwg_status diff_release(struct fwg_diff *d, const struct fwg_manifest_release *old_rel,
		const struct fwg_manifest_release *new_rel, const struct fwg_allowlist *allow,
		char *errbuf, size_t errbuf_size)
{
	size_t paired = 0;
	for (size_t i = 0; i < new_rel->image_count; i++) {
		struct fwg_manifest_image *n = &new_rel->images[i];
		struct fwg_manifest_image *o = pair_image(old_rel, new_rel, n);
		if (!o) {
			snprintf(errbuf, errbuf_size, "release '%s' has no %s image to compare %s with",
				old_rel->release, n->role, n->file);
			return FWG_MALFORMED;
		}
		paired++;
		enum fwg_status st = fwg_diff_images(d, n->role, o, n, allow);
		if (st != FWG_OK) {
			snprintf(errbuf, errbuf_size, "out of memory while comparing the %s images",
				n->role);
			return st;
		}
	}
	if (paired == 0) {
		snprintf(errbuf, errbuf_size, "nothing to compare: release '%s' has no image of the "
			"role%s of the other side", old_rel->release, new_rel->image_count > 1 ? "s" : "");
		return FWG_MALFORMED;
	}
	count_changes(d);
	return FWG_OK;
}

static uint64_t diff_score(const struct fwg_diff *d)
{
	return (uint64_t)d->counts[FWG_CHANGE_CRITICAL] * 1000000u +
		(uint64_t)d->counts[FWG_CHANGE_WARNING] * 1000u + d->counts[FWG_CHANGE_INFO];
}

static char *side_label(const struct fwg_baseline *b, const struct fwg_manifest_release *r)
{
	char *s = NULL;
	if (b->from_image) {
		const char *sep = "";
		size_t len = 0;
		for (size_t i = 0; i < r->image_count; i++)
			len += strlen(r->images[i].file) + 2;
		s = malloc(len + 1);
		if (s) {
			s[0] = '\0';
			for (size_t i = 0; i < r->image_count; i++) {
				strcat(s, sep);
				strcat(s, r->images[i].file);
				sep = ", ";
			}
		}
	} else if (asprintf(&s, "baseline %s release %s", b->model, r->release) < 0) {
		s = NULL;
	}
	return s;
}

/* Runs the other known-good releases over the changes. */
static bool explain(struct fwg_diff *d, const struct fwg_baseline *ref, size_t skip,
		const struct fwg_manifest_release *new_rel)
{
	for (size_t r = 0; r < ref->release_count; r++) {
		if (r == skip)
			continue;
		const struct fwg_manifest_release *rel = &ref->releases[r];
		char *label = NULL;
		if (asprintf(&label, "release %s of model %s", rel->release, ref->model) < 0)
			return false;
		for (size_t i = 0; i < new_rel->image_count; i++) {
			struct fwg_manifest_image *n = &new_rel->images[i];
			struct fwg_manifest_image *o = fwg_manifest_image_of(rel, n->role);
			if (o && !fwg_explain_changes(d, 0, n, o, label)) {
				free(label);
				return false;
			}
		}
		free(label);
	}
	return true;
}

enum fwg_status fwg_diff_run(const struct fwg_baseline *old_side,
		const struct fwg_baseline *new_side, const struct fwg_diff_options *options,
		struct fwg_diff **out, char *errbuf, size_t errbuf_size)
{
	*out = NULL;
	struct fwg_diff_options defaults;
	if (!options) {
		fwg_diff_options_default(&defaults);
		options = &defaults;
	}
	if (old_side->release_count == 0 || new_side->release_count == 0) {
		snprintf(errbuf, errbuf_size, "a side has no release to compare");
		return FWG_MALFORMED;
	}
	struct fwg_allowlist *allow = NULL;
	enum fwg_status st = FWG_OK;
	if (options->allowlist &&
			(st = fwg_allowlist_load(options->allowlist, &allow, errbuf, errbuf_size)) != FWG_OK)
		return st;
	/* The newest release of NEW: the last one added. */
	const struct fwg_manifest_release *new_rel = &new_side->releases[new_side->release_count - 1];
	size_t chosen = SIZE_MAX;
	if (options->release) {
		for (size_t r = 0; r < old_side->release_count; r++)
			if (strcmp(old_side->releases[r].release, options->release) == 0)
				chosen = r;
		if (chosen == SIZE_MAX) {
			snprintf(errbuf, errbuf_size, "the baseline of model %s has no release '%s'",
				old_side->model, options->release);
			fwg_allowlist_free(allow);
			return FWG_MALFORMED;
		}
	} else if (old_side->release_count == 1) {
		chosen = 0;
	} else {
		/* The closest release: fewest critical, then warning changes. */
		uint64_t best = UINT64_MAX;
		for (size_t r = 0; r < old_side->release_count; r++) {
			struct fwg_diff trial = { 0 };
			/* diff_release fails for a release lacking a role of NEW, so
			 * only releases covering every image compete. */
			char e2[256];
			if (diff_release(&trial, &old_side->releases[r], new_rel, allow, e2,
					sizeof(e2)) == FWG_OK && diff_score(&trial) < best) {
				best = diff_score(&trial);
				chosen = r;
			}
			fwg_diff_clear(&trial);
		}
		if (chosen == SIZE_MAX)
			chosen = 0;
	}
	struct fwg_diff *d = calloc(1, sizeof(*d));
	if (!d) {
		fwg_allowlist_free(allow);
		snprintf(errbuf, errbuf_size, "out of memory");
		return FWG_NOMEM;
	}
	const struct fwg_manifest_release *old_rel = &old_side->releases[chosen];
	st = diff_release(d, old_rel, new_rel, allow, errbuf, errbuf_size);
	fwg_allowlist_free(allow);
	d->old_label = side_label(old_side, old_rel);
	d->new_label = side_label(new_side, new_rel);
	if (!old_side->from_image)
		d->release = strdup(old_rel->release);
	if (st == FWG_OK && (!d->old_label || !d->new_label ||
			(!old_side->from_image && !d->release)))
		st = FWG_NOMEM;
	if (st == FWG_OK && !old_side->from_image && !explain(d, old_side, chosen, new_rel))
		st = FWG_NOMEM;
	for (size_t i = 0; st == FWG_OK && i < options->expected_count; i++)
		if (!explain(d, options->expected[i], SIZE_MAX, new_rel))
			st = FWG_NOMEM;
	if (st != FWG_OK) {
		if (st == FWG_NOMEM)
			snprintf(errbuf, errbuf_size, "out of memory while comparing");
		fwg_diff_free(d);
		return st;
	}
	count_changes(d);
	*out = d;
	return FWG_OK;
}
