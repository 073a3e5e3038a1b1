/*
 * manifest_build.c - turns an unpacked image (the component tree) into a
 * baseline manifest image: identity keys, content hashes, the flags the
 * diff classifies with, filesystem metadata and the effective BMC
 * accounts (the read-only root's passwd/shadow, replaced file by file by
 * a writable overlay's, as overlayfs does).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "../core/array.h"
#include "../core/guid.h"
#include "../core/image.h"
#include "../core/node.h"
#include "../core/text.h"
#include "../engines/config.h"
#include "../engines/engine.h"
#include "manifest.h"

#define MAX_ACCOUNT_LINES 4096u

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Label characters that would break the key syntax become '_'. */
static void sanitize_label(char *s)
{
	for (; *s; s++)
		if (*s == '/' || *s == '[' || *s == ']' || *s == '#' || (unsigned char)*s < 0x20)
			*s = '_';
}

static bool node_is_live(const struct fwg_node *n)
{
	if (n->type != FWG_TYPE_NVRAM_VAR)
		return true;
	const struct fwg_attr *a = fwg_node_attr_find(n, "live");
	return !a || a->num != 0;
}

static bool bytes_erased(const uint8_t *p, size_t n)
{
	if (!p || n == 0)
		return true;
	uint8_t v = p[0];
	if (v != 0xff && v != 0x00)
		return false;
	for (size_t i = 1; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

static const char *attr_text(const struct fwg_node *n, const char *key)
{
	return fwg_node_attr(n, key);
}

static bool is_pad_file(const struct fwg_node *n)
{
	const char *t = n->type == FWG_TYPE_FFS ? attr_text(n, "file_type") : NULL;
	return t && strcmp(t, "PAD") == 0;
}

static bool is_unit_type(const struct fwg_node *n)
{
	const char *t = n->type;
	return t == FWG_TYPE_FFS || t == FWG_TYPE_FILE || t == FWG_TYPE_SYMLINK ||
		t == FWG_TYPE_DEVICE || t == FWG_TYPE_DIR || t == FWG_TYPE_NVRAM_VAR ||
		t == FWG_TYPE_OPTION_ROM || t == FWG_TYPE_FREE_SPACE || t == FWG_TYPE_PADDING ||
		t == FWG_TYPE_ENV_VAR || t == FWG_TYPE_FIT_IMAGE || t == FWG_TYPE_FTW ||
		t == FWG_TYPE_FMP_IMAGE;
}

struct builder {
	struct fwg_manifest_image *img;
	bool failed;
};

static struct fwg_manifest_entry *new_entry(struct builder *b)
{
	struct fwg_manifest_image *img = b->img;
	if (!fwg_array_reserve((void **)&img->entries, &img->entry_cap, img->entry_count,
			sizeof(*img->entries))) {
		b->failed = true;
		return NULL;
	}
	struct fwg_manifest_entry *e = &img->entries[img->entry_count++];
	memset(e, 0, sizeof(*e));
	e->parent = FWG_NO_ENTRY;
	e->first_child = e->next_sibling = FWG_NO_ENTRY;
	return e;
}

/* Facts of one node, except key and parent. */
static void describe(struct builder *b, struct fwg_manifest_entry *e, const struct fwg_node *n)
{
	e->path = dup_or_null(n->path ? n->path : "/");
	e->type = strdup(n->type);
	e->name = dup_or_null(n->name);
	e->has_guid = n->has_guid;
	memcpy(e->guid, n->guid, 16);
	e->size = n->size;
	if (n->type == FWG_TYPE_NVRAM_VAR && n->body) {
		/* The variable's value, not its record: a rewrite with the same
		 * data moves the record and changes its header only. */
		SHA256(n->body, n->body_size, e->sha256);
	} else {
		memcpy(e->sha256, n->sha256, 32);
	}
	if (is_unit_type(n) && !is_pad_file(n))
		e->flags |= FWG_ENTRY_UNIT;
	if (n->type != FWG_TYPE_DIR)
		e->flags |= FWG_ENTRY_COVERS;
	if (n->type == FWG_TYPE_FREE_SPACE || n->type == FWG_TYPE_PADDING) {
		if (n->data && bytes_erased(n->data, (size_t)n->size))
			e->flags |= FWG_ENTRY_ERASED;
		e->flags |= FWG_ENTRY_UNIT;
	} else if (is_pad_file(n)) {
		if (n->data && bytes_erased(n->body, n->body_size))
			e->flags |= FWG_ENTRY_ERASED;
		e->flags |= FWG_ENTRY_UNIT;
	}
	if (n->type == FWG_TYPE_FFS)
		e->detail = dup_or_null(attr_text(n, "file_type"));
	else if (n->type == FWG_TYPE_CERT)
		e->detail = dup_or_null(attr_text(n, "subject"));
	else if (n->type == FWG_TYPE_HASH_ENTRY)
		e->detail = dup_or_null(attr_text(n, "hash"));
	if (n->type == FWG_TYPE_CERT || n->type == FWG_TYPE_HASH_ENTRY)
		e->owner = dup_or_null(attr_text(n, "owner"));
	if (n->fs) {
		e->flags |= FWG_ENTRY_FS;
		const char *logical = cfg_logical_path(n);
		e->fs_path = dup_or_null(logical ? logical : n->fs->path);
		e->fs_kind = n->fs->kind[0] ? strdup(n->fs->kind) : NULL;
		e->link_target = dup_or_null(n->fs->link_target);
		e->fs_mode = n->fs->mode;
		e->fs_uid = n->fs->uid;
		e->fs_gid = n->fs->gid;
		if (n->fs->has_mtime) {
			e->fs_mtime = n->fs->mtime;
			e->flags |= FWG_ENTRY_MTIME;
		}
		e->fs_writable = cfg_fs_writable(fwg_node_filesystem(n));
	}
	if (!e->path || !e->type || (n->name && !e->name))
		b->failed = true;
}

/* Label of a child before repeat numbering. */
static char *child_label(const struct fwg_node *c, size_t type_index)
{
	char *s = NULL;
	char g[FWG_GUID_TEXT_LEN];
	if (c->has_guid)
		fwg_guid_format(c->guid, g);
	if (c->type == FWG_TYPE_NVRAM_VAR && c->has_guid && c->name) {
		if (asprintf(&s, "%s:%s", c->name, g) < 0)
			s = NULL;
	} else if (c->has_guid) {
		s = strdup(g);
	} else if (c->name) {
		s = strdup(c->name);
	} else if (asprintf(&s, "%zu", type_index) < 0) {
		s = NULL;
	}
	if (s)
		sanitize_label(s);
	return s;
}

struct labelled {
	const struct fwg_node *node;
	char *label;
	size_t position;
	size_t repeat;
};

static int compare_labelled(const void *pa, const void *pb)
{
	const struct labelled *a = pa, *b = pb;
	int c = strcmp(a->node->type, b->node->type);
	if (!c)
		c = strcmp(a->label, b->label);
	if (!c)
		c = a->position < b->position ? -1 : a->position > b->position;
	return c;
}

static int compare_position(const void *pa, const void *pb)
{
	const struct labelled *a = pa, *b = pb;
	return a->position < b->position ? -1 : a->position > b->position;
}

static void add_subtree(struct builder *b, const struct fwg_node *n, size_t self);

/* Adds the live children of n (entry index self) with their keys. */
static void add_children(struct builder *b, const struct fwg_node *n, size_t self)
{
	if (n->child_count == 0 || b->failed)
		return;
	struct labelled *kids = calloc(n->child_count, sizeof(*kids));
	if (!kids) {
		b->failed = true;
		return;
	}
	size_t count = 0;
	/* Running index of unnamed children per type; types are interned
	 * vocabulary pointers and few per parent. */
	const char *types[16];
	size_t seen[16], ntypes = 0;
	for (size_t i = 0; i < n->child_count; i++) {
		const struct fwg_node *c = n->children[i];
		if (!node_is_live(c))
			continue;
		size_t type_index = 0;
		if (!c->name && !c->has_guid) {
			size_t t = 0;
			while (t < ntypes && types[t] != c->type)
				t++;
			if (t == ntypes && ntypes < 16) {
				types[ntypes] = c->type;
				seen[ntypes++] = 0;
			}
			/* Past 16 types, numbering by position keeps labels unique. */
			type_index = t < ntypes ? seen[t]++ : i;
		}
		kids[count] = (struct labelled){ c, child_label(c, type_index), count, 0 };
		if (!kids[count].label) {
			b->failed = true;
			break;
		}
		count++;
	}
	if (!b->failed) {
		qsort(kids, count, sizeof(*kids), compare_labelled);
		for (size_t i = 1; i < count; i++)
			if (strcmp(kids[i].node->type, kids[i - 1].node->type) == 0 &&
					strcmp(kids[i].label, kids[i - 1].label) == 0)
				kids[i].repeat = kids[i - 1].repeat + 1;
		qsort(kids, count, sizeof(*kids), compare_position);
	}
	for (size_t i = 0; i < count && !b->failed; i++) {
		struct fwg_manifest_entry *e = new_entry(b);
		if (!e)
			break;
		size_t index = b->img->entry_count - 1;
		const char *base = b->img->entries[self].parent == FWG_NO_ENTRY ? ""
			: b->img->entries[self].key;
		int r = kids[i].repeat ?
			asprintf(&e->key, "%s/%s[%s#%zu]", base, kids[i].node->type, kids[i].label,
				kids[i].repeat) :
			asprintf(&e->key, "%s/%s[%s]", base, kids[i].node->type, kids[i].label);
		if (r < 0) {
			e->key = NULL;
			b->failed = true;
			break;
		}
		e->parent = self;
		describe(b, e, kids[i].node);
		add_subtree(b, kids[i].node, index);
	}
	for (size_t i = 0; i < count; i++)
		free(kids[i].label);
	free(kids);
}

static void add_subtree(struct builder *b, const struct fwg_node *n, size_t self)
{
	add_children(b, n, self);
}

/* ---- accounts ---------------------------------------------------------- */

struct account_files {
	const struct fwg_node *passwd, *shadow;          /* read-only root */
	const struct fwg_node *over_passwd, *over_shadow; /* writable overlay */
	const struct fwg_node *root_fs;
};

static bool prefer_root(const struct fwg_node *candidate, const struct fwg_node *current)
{
	if (!current)
		return true;
	bool cand_ro = candidate->type == FWG_TYPE_SQUASHFS || candidate->type == FWG_TYPE_CRAMFS;
	bool cur_ro = current->type == FWG_TYPE_SQUASHFS || current->type == FWG_TYPE_CRAMFS;
	return cand_ro && !cur_ro;
}

static bool find_account_files(struct fwg_node *n, void *user)
{
	struct account_files *af = user;
	if (n->type != FWG_TYPE_FILE || !n->fs)
		return true;
	const struct fwg_node *fs = fwg_node_filesystem(n);
	bool writable = cfg_fs_writable(fs);
	const char *p = cfg_logical_path(n);
	if (!p)
		return true;
	bool is_passwd = strcmp(p, "/etc/passwd") == 0 || (writable && strcmp(p, "/passwd") == 0);
	bool is_shadow = strcmp(p, "/etc/shadow") == 0 || (writable && strcmp(p, "/shadow") == 0);
	if (!is_passwd && !is_shadow)
		return true;
	if (writable) {
		if (is_passwd && !af->over_passwd)
			af->over_passwd = n;
		if (is_shadow && !af->over_shadow)
			af->over_shadow = n;
	} else if (is_passwd && prefer_root(fs, af->root_fs)) {
		af->root_fs = fs;
		af->passwd = n;
		af->shadow = fs ? fwg_fs_find(fs, "/etc/shadow") : NULL;
	}
	return true;
}

/* Field i (0-based, ':'-separated) of line as a new string. */
static char *field(const char *line, size_t len, unsigned i)
{
	size_t start = 0;
	for (unsigned f = 0; f < i; f++) {
		const char *colon = memchr(line + start, ':', len - start);
		if (!colon)
			return NULL;
		start = (size_t)(colon - line) + 1;
	}
	const char *end = memchr(line + start, ':', len - start);
	size_t n = end ? (size_t)(end - (line + start)) : len - start;
	return fwg_text_escape_name(line + start, n);
}

static struct fwg_manifest_account *find_account(struct fwg_manifest_image *img, const char *user)
{
	for (size_t i = 0; i < img->account_count; i++)
		if (strcmp(img->accounts[i].user, user) == 0)
			return &img->accounts[i];
	return NULL;
}

static void set_secret(struct fwg_manifest_account *a, const char *secret)
{
	uint8_t d[32];
	char hex[65];
	free(a->secret_sha256);
	if (!secret || !*secret) {
		a->secret_sha256 = strdup("");
		a->locked = false;
		return;
	}
	SHA256((const uint8_t *)secret, strlen(secret), d);
	fwg_hex_encode(d, 32, hex);
	a->secret_sha256 = strdup(hex);
	a->locked = secret[0] == '!' || secret[0] == '*';
}

static void read_passwd(struct builder *b, const struct fwg_node *file, bool writable)
{
	if (!file || !file->data)
		return;
	struct cfg_lines it;
	const char *line;
	size_t len;
	cfg_lines_init(&it, file->data, (size_t)file->size);
	for (unsigned count = 0; count < MAX_ACCOUNT_LINES && cfg_lines_next(&it, &line, &len);
			count++) {
		if (len == 0 || line[0] == '#' || !memchr(line, ':', len))
			continue;
		char *user = field(line, len, 0), *pw = field(line, len, 1);
		char *uid = field(line, len, 2), *gid = field(line, len, 3);
		char *home = field(line, len, 5), *shell = field(line, len, 6);
		struct fwg_manifest_image *img = b->img;
		if (user && *user && !find_account(img, user) &&
				fwg_array_reserve((void **)&img->accounts, &img->account_cap,
					img->account_count, sizeof(*img->accounts))) {
			struct fwg_manifest_account *a = &img->accounts[img->account_count++];
			memset(a, 0, sizeof(*a));
			a->user = user;
			user = NULL;
			a->uid = uid ? (uint32_t)strtoul(uid, NULL, 10) : 0;
			a->gid = gid ? (uint32_t)strtoul(gid, NULL, 10) : 0;
			a->home = home ? home : strdup("");
			a->shell = shell ? shell : strdup("");
			home = shell = NULL;
			/* "x": the hash lives in shadow, filled in below; without a
			 * shadow line it stays "x" (locked), not an empty password. */
			set_secret(a, pw);
			if (pw && strcmp(pw, "x") == 0)
				a->locked = true;
			a->writable = writable;
			a->source = strdup(file->fs && file->fs->path ? file->fs->path : "passwd");
			if (!a->user || !a->home || !a->shell || !a->secret_sha256 || !a->source)
				b->failed = true;
		}
		free(user);
		free(pw);
		free(uid);
		free(gid);
		free(home);
		free(shell);
	}
}

static void read_shadow(struct builder *b, const struct fwg_node *file, bool writable)
{
	if (!file || !file->data)
		return;
	struct cfg_lines it;
	const char *line;
	size_t len;
	cfg_lines_init(&it, file->data, (size_t)file->size);
	for (unsigned count = 0; count < MAX_ACCOUNT_LINES && cfg_lines_next(&it, &line, &len);
			count++) {
		if (len == 0 || line[0] == '#')
			continue;
		char *user = field(line, len, 0), *hash = field(line, len, 1);
		struct fwg_manifest_account *a = user ? find_account(b->img, user) : NULL;
		if (a && hash) {
			set_secret(a, hash);
			free(a->source);
			a->source = strdup(file->fs && file->fs->path ? file->fs->path : "shadow");
			a->writable = a->writable || writable;
			if (!a->secret_sha256 || !a->source)
				b->failed = true;
		}
		free(user);
		free(hash);
	}
}

static void add_accounts(struct builder *b, struct fwg_node *root)
{
	struct account_files af = { 0 };
	fwg_node_walk(root, find_account_files, &af);
	/* overlayfs: an upper file hides the lower one entirely. */
	const struct fwg_node *passwd = af.over_passwd ? af.over_passwd : af.passwd;
	const struct fwg_node *shadow = af.over_shadow ? af.over_shadow : af.shadow;
	read_passwd(b, passwd, passwd == af.over_passwd && passwd);
	read_shadow(b, shadow, shadow == af.over_shadow && shadow);
}

/* ---- roles and images ---------------------------------------------------- */

struct role_scan {
	bool bmc_flash, bios, fs;
};

static bool scan_role(struct fwg_node *n, void *user)
{
	struct role_scan *r = user;
	const char *t = n->type;
	if (t == FWG_TYPE_OPENBMC_FLASH || t == FWG_TYPE_MEGARAC_FLASH || t == FWG_TYPE_ATEN_FLASH ||
			t == FWG_TYPE_OPENBMC_UPDATE)
		r->bmc_flash = true;
	else if (t == FWG_TYPE_FV || t == FWG_TYPE_IFD || t == FWG_TYPE_CAPSULE ||
			t == FWG_TYPE_NVRAM_STORE || t == FWG_TYPE_OPTION_ROM)
		r->bios = true;
	else if (t == FWG_TYPE_SQUASHFS || t == FWG_TYPE_JFFS2 || t == FWG_TYPE_UBI ||
			t == FWG_TYPE_UBIFS || t == FWG_TYPE_CRAMFS || t == FWG_TYPE_FIT ||
			t == FWG_TYPE_UIMAGE)
		r->fs = true;
	/* Stop early once the answer cannot change. */
	return !r->bmc_flash;
}

static const char *detect_role(struct fwg_node *root)
{
	struct role_scan r = { 0 };
	fwg_node_walk(root, scan_role, &r);
	if (r.bmc_flash)
		return "bmc";
	if (r.bios)
		return "bios";
	if (r.fs)
		return "bmc";
	return "unknown";
}

static enum fwg_status build_image(struct fwg_manifest_image *img, const struct fwg_image *image,
		const char *role)
{
	struct fwg_node *root = (struct fwg_node *)fwg_image_root(image);
	struct builder b = { img, false };
	memset(img, 0, sizeof(*img));
	const char *path = fwg_image_path(image);
	const char *slash = path ? strrchr(path, '/') : NULL;
	img->role = strdup(role ? role : detect_role(root));
	img->file = strdup(slash ? slash + 1 : path ? path : "-");
	img->size = root->size;
	memcpy(img->sha256, root->sha256, 32);
	struct fwg_manifest_entry *e = new_entry(&b);
	if (e && img->role && img->file) {
		e->key = strdup("/");
		if (!e->key)
			b.failed = true;
		describe(&b, e, root);
		add_subtree(&b, root, 0);
		add_accounts(&b, root);
	} else {
		b.failed = true;
	}
	if (b.failed)
		return FWG_NOMEM;
	fwg_manifest_link(img);
	return FWG_OK;
}

enum fwg_status fwg_baseline_create(const char *model, const char *release,
		const struct fwg_image *const *images, const char *const *roles, size_t count,
		struct fwg_baseline **out, char *errbuf, size_t errbuf_size)
{
	*out = NULL;
	struct fwg_baseline *b = calloc(1, sizeof(*b));
	if (!b || !(b->model = strdup(model ? model : "")) ||
			!(b->releases = calloc(1, sizeof(*b->releases)))) {
		fwg_baseline_free(b);
		snprintf(errbuf, errbuf_size, "out of memory");
		return FWG_NOMEM;
	}
	b->release_count = b->release_cap = 1;
	b->from_image = true;
	struct fwg_manifest_release *r = &b->releases[0];
	r->release = strdup(release ? release : "1");
	r->images = calloc(count ? count : 1, sizeof(*r->images));
	if (!r->release || !r->images) {
		fwg_baseline_free(b);
		snprintf(errbuf, errbuf_size, "out of memory");
		return FWG_NOMEM;
	}
	r->image_cap = count ? count : 1;
	for (size_t i = 0; i < count; i++) {
		enum fwg_status st = build_image(&r->images[i], images[i], roles ? roles[i] : NULL);
		r->image_count = i + 1;
		if (st != FWG_OK) {
			fwg_baseline_free(b);
			snprintf(errbuf, errbuf_size, "out of memory while building the manifest");
			return st;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(r->images[j].role, r->images[i].role) == 0) {
				snprintf(errbuf, errbuf_size, "two images of role '%s' (%s and %s) in one "
					"release", r->images[i].role, r->images[j].file, r->images[i].file);
				fwg_baseline_free(b);
				return FWG_MALFORMED;
			}
	}
	*out = b;
	return FWG_OK;
}
