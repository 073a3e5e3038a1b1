/*
 * manifest.c - lifetime and lookups of the in-memory baseline manifest:
 * key index, child links, freeing, merging releases.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/array.h"
#include "manifest.h"

/* Seeded per process, so crafted keys cannot aim at one probe chain. */
static uint64_t hash_seed(void)
{
	static uint64_t seed;
	if (!seed)
		seed = ((uint64_t)(uintptr_t)&seed * 0x9e3779b97f4a7c15ull) ^ (uint64_t)time(NULL) ^ 1;
	return seed;
}

static uint64_t key_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull ^ hash_seed(); /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static bool build_index(struct fwg_manifest_image *img)
{
	size_t cap = 16;
	while (cap < img->entry_count * 2 + 1) {
		if (cap > SIZE_MAX / 4)
			return false;
		cap *= 2;
	}
	size_t *slots = malloc(cap * sizeof(*slots));
	if (!slots)
		return false;
	for (size_t i = 0; i < cap; i++)
		slots[i] = FWG_NO_ENTRY;
	for (size_t i = 0; i < img->entry_count; i++) {
		size_t s = (size_t)(key_hash(img->entries[i].key) & (cap - 1));
		while (slots[s] != FWG_NO_ENTRY) {
			if (strcmp(img->entries[slots[s]].key, img->entries[i].key) == 0) {
				img->duplicate_key = true; /* keys must be unique */
				free(slots);
				return false;
			}
			s = (s + 1) & (cap - 1);
		}
		slots[s] = i;
	}
	img->index = slots;
	img->index_cap = cap;
	return true;
}

size_t fwg_manifest_find(struct fwg_manifest_image *img, const char *key)
{
	if (!img->index && !build_index(img))
		return FWG_NO_ENTRY;
	size_t s = (size_t)(key_hash(key) & (img->index_cap - 1));
	for (size_t probes = 0; probes < img->index_cap; probes++) {
		size_t e = img->index[s];
		if (e == FWG_NO_ENTRY)
			return FWG_NO_ENTRY;
		if (strcmp(img->entries[e].key, key) == 0)
			return e;
		s = (s + 1) & (img->index_cap - 1);
	}
	return FWG_NO_ENTRY;
}

void fwg_manifest_link(struct fwg_manifest_image *img)
{
	for (size_t i = 0; i < img->entry_count; i++)
		img->entries[i].first_child = img->entries[i].next_sibling = FWG_NO_ENTRY;
	for (size_t i = 0; i < img->entry_count; i++)
		img->entries[i].subtree_end = i + 1;
	/* Walk backwards so children end up in their original order; entries
	 * are in pre-order, so a subtree is contiguous. */
	for (size_t i = img->entry_count; i-- > 0;) {
		size_t p = img->entries[i].parent;
		if (p == FWG_NO_ENTRY || p >= i)
			continue;
		img->entries[i].next_sibling = img->entries[p].first_child;
		img->entries[p].first_child = i;
		if (img->entries[i].subtree_end > img->entries[p].subtree_end)
			img->entries[p].subtree_end = img->entries[i].subtree_end;
	}
}

struct fwg_manifest_image *fwg_manifest_image_of(const struct fwg_manifest_release *r,
		const char *role)
{
	for (size_t i = 0; i < r->image_count; i++)
		if (strcmp(r->images[i].role, role) == 0)
			return &r->images[i];
	return NULL;
}

void fwg_manifest_image_clear(struct fwg_manifest_image *img)
{
	for (size_t i = 0; i < img->entry_count; i++) {
		struct fwg_manifest_entry *e = &img->entries[i];
		free(e->key);
		free(e->path);
		free(e->type);
		free(e->name);
		free(e->detail);
		free(e->owner);
		free(e->fs_path);
		free(e->fs_kind);
		free(e->link_target);
	}
	for (size_t i = 0; i < img->account_count; i++) {
		struct fwg_manifest_account *a = &img->accounts[i];
		free(a->user);
		free(a->home);
		free(a->shell);
		free(a->secret_sha256);
		free(a->source);
	}
	free(img->entries);
	free(img->accounts);
	free(img->index);
	free(img->role);
	free(img->file);
	memset(img, 0, sizeof(*img));
}

void fwg_manifest_release_clear(struct fwg_manifest_release *r)
{
	for (size_t i = 0; i < r->image_count; i++)
		fwg_manifest_image_clear(&r->images[i]);
	free(r->images);
	free(r->release);
	memset(r, 0, sizeof(*r));
}

void fwg_baseline_free(struct fwg_baseline *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->release_count; i++)
		fwg_manifest_release_clear(&b->releases[i]);
	free(b->releases);
	free(b->model);
	free(b);
}

const char *fwg_baseline_model(const struct fwg_baseline *b)
{
	return b->model;
}

size_t fwg_baseline_release_count(const struct fwg_baseline *b)
{
	return b->release_count;
}

const char *fwg_baseline_release(const struct fwg_baseline *b, size_t i)
{
	return i < b->release_count ? b->releases[i].release : NULL;
}

enum fwg_status fwg_baseline_merge(struct fwg_baseline *into, struct fwg_baseline *from,
		char *errbuf, size_t errbuf_size)
{
	if (strcmp(into->model, from->model) != 0) {
		snprintf(errbuf, errbuf_size, "cannot merge model '%s' into a baseline of model '%s'",
			from->model, into->model);
		fwg_baseline_free(from);
		return FWG_MALFORMED;
	}
	for (size_t i = 0; i < from->release_count; i++) {
		struct fwg_manifest_release *r = &from->releases[i];
		size_t j = 0;
		while (j < into->release_count && strcmp(into->releases[j].release, r->release) != 0)
			j++;
		if (j == into->release_count) {
			if (!fwg_array_reserve((void **)&into->releases, &into->release_cap,
					into->release_count, sizeof(*into->releases))) {
				fwg_baseline_free(from);
				return FWG_NOMEM;
			}
			into->release_count++;
		} else {
			fwg_manifest_release_clear(&into->releases[j]);
		}
		into->releases[j] = *r;
		memset(r, 0, sizeof(*r));
	}
	fwg_baseline_free(from);
	return FWG_OK;
}

static const char *const class_names[] = { "expected", "info", "warning", "critical" };

const char *fwg_change_class_name(enum fwg_change_class cls)
{
	return (size_t)cls < sizeof(class_names) / sizeof(class_names[0]) ? class_names[cls] : "?";
}

bool fwg_change_class_parse(const char *text, enum fwg_change_class *out)
{
	for (size_t i = 0; i < sizeof(class_names) / sizeof(class_names[0]); i++)
		if (strcmp(text, class_names[i]) == 0) {
			*out = (enum fwg_change_class)i;
			return true;
		}
	return false;
}
