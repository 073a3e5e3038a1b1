/*
 * fs.c - builds dir/file/symlink/device components for filesystem and
 * archive handlers (see fs.h for the contract).
 *
 * The builder keeps an index from fs_path to node (open addressing, FNV-1a)
 * so that archives listing full paths find their parent directories and
 * duplicates in O(1), whatever the number of entries.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content_kind.h"
#include "fs.h"
#include "text.h"
#include "unpack.h"

struct fwg_fs_builder {
	struct fwg_unpack *u;
	struct fwg_node *fs;
	struct fwg_node **slots;
	size_t cap, used;
	bool depth_reported;
};

static uint64_t path_hash(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* Slot holding path, or the empty slot where it would go. */
static size_t index_slot(const struct fwg_fs_builder *b, const char *path, size_t len)
{
	size_t mask = b->cap - 1;
	size_t i = (size_t)path_hash(path, len) & mask;
	while (b->slots[i]) {
		const char *p = b->slots[i]->fs->path;
		if (strlen(p) == len && memcmp(p, path, len) == 0)
			return i;
		i = (i + 1) & mask;
	}
	return i;
}

static enum fwg_status index_put(struct fwg_fs_builder *b, struct fwg_node *n)
{
	if ((b->used + 1) * 4 > b->cap * 3) {
		size_t ncap = b->cap * 2;
		struct fwg_node **ns = calloc(ncap, sizeof(*ns));
		if (!ns)
			return FWG_NOMEM;
		struct fwg_node **old = b->slots;
		size_t ocap = b->cap;
		b->slots = ns;
		b->cap = ncap;
		for (size_t i = 0; i < ocap; i++)
			if (old[i])
				b->slots[index_slot(b, old[i]->fs->path, strlen(old[i]->fs->path))] = old[i];
		free(old);
	}
	const char *p = n->fs->path;
	size_t i = index_slot(b, p, strlen(p));
	if (!b->slots[i])
		b->used++;
	b->slots[i] = n; /* the newest entry of a path wins lookups */
	return FWG_OK;
}

enum fwg_status fwg_fs_begin(struct fwg_unpack *u, struct fwg_node *fs, struct fwg_fs_builder **out)
{
	*out = NULL;
	struct fwg_fs_builder *b = calloc(1, sizeof(*b));
	if (!b)
		return FWG_NOMEM;
	b->cap = 64;
	b->slots = calloc(b->cap, sizeof(*b->slots));
	if (!b->slots) {
		free(b);
		return FWG_NOMEM;
	}
	b->u = u;
	b->fs = fs;
	*out = b;
	return FWG_OK;
}

void fwg_fs_end(struct fwg_fs_builder *b)
{
	if (!b)
		return;
	free(b->slots);
	free(b);
}

static const char *type_for_mode(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR: return FWG_TYPE_DIR;
	case S_IFLNK: return FWG_TYPE_SYMLINK;
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK: return FWG_TYPE_DEVICE;
	default: return FWG_TYPE_FILE;
	}
}

struct fwg_node *fwg_fs_lookup(struct fwg_fs_builder *b, const char *path, size_t len)
{
	/* Accept "etc/passwd" as well as "/etc/passwd". */
	char stack[256];
	char *full = stack;
	if (len + 2 > sizeof(stack)) {
		full = malloc(len + 2);
		if (!full)
			return NULL;
	}
	size_t n = 0;
	if (len == 0 || path[0] != '/')
		full[n++] = '/';
	memcpy(full + n, path, len);
	n += len;
	struct fwg_node *hit = b->slots[index_slot(b, full, n)];
	if (full != stack)
		free(full);
	return hit;
}

/* The entry name made safe: '/' and NUL rewritten, "." and ".." renamed. */
static char *entry_name(struct fwg_fs_builder *b, struct fwg_node *parent, const char *name,
		size_t len, bool *renamed)
{
	*renamed = false;
	char *raw = malloc(len + 3);
	if (!raw)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (c == '/' || c == '\0') {
			c = '_';
			*renamed = true;
		}
		raw[i] = c;
	}
	size_t n = len;
	if (n == 0 || (n == 1 && raw[0] == '.') || (n == 2 && raw[0] == '.' && raw[1] == '.')) {
		/* "", "." and ".." cannot name an entry: keep them visible. */
		for (size_t i = 0; i < n; i++)
			raw[i] = '_';
		if (n == 0)
			raw[n++] = '_';
		*renamed = true;
	}
	char *safe = fwg_text_escape_name(raw, n);
	free(raw);
	if (*renamed && safe && parent)
		FWG_WARN(parent, "fs.bad_name", 0,
			"entry name with '/', NUL or dot-only name rewritten as \"%s\"", safe);
	(void)b;
	return safe;
}

enum fwg_status fwg_fs_add(struct fwg_fs_builder *b, struct fwg_node *dir, const char *name,
		size_t len, const struct fwg_fs_meta *meta, struct fwg_node **out)
{
	*out = NULL;
	struct fwg_node *parent = dir ? dir : b->fs;
	if (dir && dir->type != FWG_TYPE_DIR)
		return FWG_TRUNCATED;
	const struct fwg_options *opt = fwg_unpack_options(b->u);
	if (parent->depth + 1 >= opt->limits.max_depth) {
		if (!b->depth_reported)
			FWG_ERR(b->fs, "limit.depth", 0,
				"directory nesting reaches the depth budget %u, deeper entries dropped",
				opt->limits.max_depth);
		b->depth_reported = true;
		return FWG_LIMIT;
	}
	bool renamed;
	char *safe = entry_name(b, parent, name, len, &renamed);
	if (!safe)
		return FWG_NOMEM;
	const char *ppath = dir ? dir->fs->path : "";
	size_t plen = strlen(ppath), slen = strlen(safe);
	char *path = malloc(plen + slen + 2);
	if (!path) {
		free(safe);
		return FWG_NOMEM;
	}
	memcpy(path, ppath, plen);
	path[plen] = '/';
	memcpy(path + plen + 1, safe, slen + 1);

	const char *type = type_for_mode(meta->mode);
	struct fwg_node *existing = b->slots[index_slot(b, path, plen + slen + 1)];
	if (existing && existing->type == FWG_TYPE_DIR && type == FWG_TYPE_DIR) {
		/* A directory listed again (tar "etc/" after "etc/passwd"). */
		existing->fs->mode = meta->mode;
		existing->fs->uid = meta->uid;
		existing->fs->gid = meta->gid;
		existing->fs->mtime = meta->mtime;
		existing->fs->has_mtime = meta->has_mtime;
		free(safe);
		free(path);
		*out = existing;
		return FWG_OK;
	}
	struct fwg_node *n;
	const struct fwg_handler *h = type == FWG_TYPE_FILE ? NULL : &fwg_handler_leaf;
	enum fwg_status st = fwg_unpack_new_entry(b->u, parent, type, h, &n);
	if (st != FWG_OK) {
		free(safe);
		free(path);
		return st;
	}
	n->fs = calloc(1, sizeof(*n->fs));
	if (!n->fs) {
		free(safe);
		free(path);
		return FWG_NOMEM;
	}
	n->name = safe;
	n->fs->path = path;
	if (type == FWG_TYPE_FILE)
		snprintf(n->fs->kind, sizeof(n->fs->kind), "empty");
	n->fs->mode = meta->mode;
	n->fs->uid = meta->uid;
	n->fs->gid = meta->gid;
	n->fs->mtime = meta->mtime;
	n->fs->has_mtime = meta->has_mtime;
	n->fs->inode = meta->inode;
	n->fs->rdev_major = meta->rdev_major;
	n->fs->rdev_minor = meta->rdev_minor;
	if (type == FWG_TYPE_SYMLINK) {
		n->fs->link_target = fwg_text_escape_name(meta->link_target ? meta->link_target : "",
			meta->link_target ? meta->link_target_len : 0);
		if (!n->fs->link_target)
			return FWG_NOMEM;
	}
	if (existing)
		FWG_WARN(n, "fs.duplicate", 0, "%s appears more than once in its directory", path);
	st = index_put(b, n);
	if (st != FWG_OK)
		return st;
	*out = n;
	return FWG_OK;
}

/* The newest entry named [name, name+len) directly under dir (NULL =
 * root), by the index; the name is escaped as fwg_fs_add stores it. */
static struct fwg_node *find_child_entry(struct fwg_fs_builder *b, struct fwg_node *dir,
		const char *name, size_t len)
{
	bool renamed;
	char *safe = entry_name(b, NULL, name, len, &renamed);
	if (!safe)
		return NULL;
	const char *ppath = dir ? dir->fs->path : "";
	size_t plen = strlen(ppath), slen = strlen(safe);
	char *path = malloc(plen + slen + 2);
	struct fwg_node *hit = NULL;
	if (path) {
		memcpy(path, ppath, plen);
		path[plen] = '/';
		memcpy(path + plen + 1, safe, slen + 1);
		hit = b->slots[index_slot(b, path, plen + slen + 1)];
		free(path);
	}
	free(safe);
	return hit;
}

enum fwg_status fwg_fs_add_path(struct fwg_fs_builder *b, const char *path, size_t len,
		const struct fwg_fs_meta *meta, struct fwg_node **out)
{
	*out = NULL;
	/* Component boundaries after normalisation, as (start, length). */
	size_t cap = len / 2 + 1, count = 0;
	size_t *start = malloc(cap * sizeof(*start) * 2);
	if (!start)
		return FWG_NOMEM;
	size_t *clen = start + cap;
	bool climbed = false;
	for (size_t i = 0; i < len;) {
		size_t j = i;
		while (j < len && path[j] != '/')
			j++;
		size_t l = j - i;
		if (l == 0 || (l == 1 && path[i] == '.')) {
			/* empty or "." */
		} else if (l == 2 && path[i] == '.' && path[i + 1] == '.') {
			if (count)
				count--;
			else
				climbed = true;
		} else {
			start[count] = i;
			clen[count] = l;
			count++;
		}
		i = j + 1;
	}
	bool absolute = len && path[0] == '/';
	enum fwg_status st = FWG_OK;
	struct fwg_node *dir = NULL;
	static const struct fwg_fs_meta implied_dir = { .mode = S_IFDIR | 0755 };
	for (size_t k = 0; st == FWG_OK && k + 1 < count; k++) {
		/* The parents' path so far is start[0] .. start[k]+clen[k] with
		 * normalised separators: look the component up under dir. */
		struct fwg_node *next = find_child_entry(b, dir, path + start[k], clen[k]);
		if (next && next->type != FWG_TYPE_DIR) {
			/* "link -> /etc" then "link/passwd": never through it. */
			FWG_WARN(next, "fs.not_a_directory", 0,
				"an archive entry is stored below this non-directory");
			st = FWG_TRUNCATED;
		} else if (!next) {
			st = fwg_fs_add(b, dir, path + start[k], clen[k], &implied_dir, &next);
		}
		dir = next;
	}
	if (st == FWG_OK && count)
		st = fwg_fs_add(b, dir, path + start[count - 1], clen[count - 1], meta, out);
	free(start);
	if (st == FWG_OK && *out && (climbed || absolute)) {
		char *stored = fwg_text_escape_name(path, len);
		if (!stored)
			return FWG_NOMEM;
		fwg_node_attr_str(*out, "stored_path", stored);
		if (climbed)
			FWG_WARN(*out, "fs.path_traversal", 0,
				"stored path \"%s\" climbs above the archive root; kept inside it", stored);
		free(stored);
	}
	return st;
}

static void classify(struct fwg_node *file)
{
	fwg_content_kind(file->data, (size_t)file->size, file->fs->path, file->fs->kind,
		sizeof(file->fs->kind));
}

enum fwg_status fwg_fs_content_window(struct fwg_fs_builder *b, struct fwg_node *file,
		size_t offset, size_t size)
{
	const struct fwg_node *fs = b->fs;
	if (!file->fs || file->type != FWG_TYPE_FILE || !fs->body || offset > fs->body_size ||
			size > fs->body_size - offset)
		return FWG_TRUNCATED;
	file->offset = offset;
	file->size = size;
	file->data = fs->body + offset;
	file->body = file->data;
	file->body_size = size;
	if (!fs->body_decoded && fs->abs_offset != FWG_NO_ABS_OFFSET)
		file->abs_offset = fs->abs_offset + fs->body_offset + offset;
	classify(file);
	return FWG_OK;
}

enum fwg_status fwg_fs_content_reserve(struct fwg_fs_builder *b, struct fwg_node *file,
		size_t encoded_size, size_t size, uint8_t **buf_out)
{
	*buf_out = NULL;
	if (!file->fs || file->type != FWG_TYPE_FILE)
		return FWG_TRUNCATED;
	return fwg_unpack_reserve_decoded(b->u, file, encoded_size, size, buf_out);
}

void fwg_fs_content_commit(struct fwg_fs_builder *b, struct fwg_node *file, size_t produced)
{
	(void)b;
	if (!file->owned)
		return;
	/* The decoded bytes are this component's own bytes: it has no
	 * stored form of its own inside the filesystem. */
	fwg_unpack_commit_owned(file, produced);
	classify(file);
}

void fwg_fs_content_share(struct fwg_fs_builder *b, struct fwg_node *file,
		const struct fwg_node *target)
{
	(void)b;
	if (!file->fs || file == target || !target->data)
		return;
	file->data = target->data;
	file->size = target->size;
	file->body = target->data;
	file->body_size = target->size;
	file->abs_offset = target->abs_offset;
	file->offset = target->offset;
	classify(file);
}
