/*
 * manifest.h - the in-memory form of a baseline manifest (struct
 * fwg_baseline of include/fwguard/baseline.h), shared by the builder
 * (manifest_build.c), the JSON reader and writer (manifest_json.c), the
 * diff (diff.c, classify.c) and the reclamation gate (reclaim.c).
 *
 * A manifest holds releases; a release holds images, one per role; an
 * image holds its components in tree pre-order (parent before children),
 * each with an identity key, and the accounts its filesystems define.
 *
 * Identity keys are paths of segments "type[label]": the label is the
 * GUID, "name:GUID" for NVRAM variables, the name, else the index among
 * siblings of the same type; "#n" numbers repeats among siblings.  Unlike
 * the node path they skip NVRAM records that are no longer live, so a
 * variable rewritten the way firmware rewrites it keeps its key.
 */
#ifndef FWG_BASELINE_MANIFEST_H
#define FWG_BASELINE_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fwguard/baseline.h"

#define FWG_NO_ENTRY SIZE_MAX

/* Entry flags. */
#define FWG_ENTRY_UNIT   (1u << 0) /* changes below roll up to this entry */
#define FWG_ENTRY_ERASED (1u << 1) /* free space/padding holding only erased bytes */
#define FWG_ENTRY_FS     (1u << 2) /* a filesystem entry: fs_* fields are set */
#define FWG_ENTRY_COVERS (1u << 3) /* the hash covers every descendant's bytes */
#define FWG_ENTRY_MTIME  (1u << 4) /* fs_mtime is known */

struct fwg_manifest_entry {
	char *key;
	char *path;          /* node path (locator), for reports */
	char *type;
	char *name;          /* may be NULL */
	bool has_guid;
	uint8_t guid[16];
	uint64_t size;
	uint8_t sha256[32];  /* content hash (NVRAM variables: their data) */
	size_t parent;       /* index, FWG_NO_ENTRY for the root */
	unsigned flags;
	/* Type-specific facts used by classification. */
	char *detail;        /* ffs: file type; certificate: subject; hash entry: hash */
	char *owner;         /* signature owner GUID (certificate, hash entry) */
	/* Filesystem entries. */
	char *fs_path;       /* logical path (overlay upper dirs resolved) */
	char *fs_kind;       /* content kind, "elf:arm", "script:sh", ... */
	char *link_target;
	uint32_t fs_mode, fs_uid, fs_gid;
	int64_t fs_mtime;
	bool fs_writable;    /* inside a writable overlay/conf filesystem */
	/* Filled when loaded: children as a linked list, and the end of the
	 * subtree: descendants are exactly the entries (self, subtree_end). */
	size_t first_child, next_sibling, subtree_end;
};

struct fwg_manifest_account {
	char *user;
	uint32_t uid, gid;
	char *home, *shell;
	char *secret_sha256; /* hex SHA-256 of the password field, "" when none */
	bool locked;         /* '!' or '*' password */
	bool writable;       /* defined or overridden by a writable overlay */
	char *source;        /* the file that defined it: "/etc/shadow" */
};

struct fwg_manifest_image {
	char *role;          /* "bios", "bmc" or "unknown" */
	char *file;          /* base name of the image file */
	uint64_t size;
	uint8_t sha256[32];
	struct fwg_manifest_entry *entries;
	size_t entry_count, entry_cap;
	struct fwg_manifest_account *accounts;
	size_t account_count, account_cap;
	/* key -> entry index, built on demand (open addressing). */
	size_t *index;
	size_t index_cap;
	bool duplicate_key;  /* the index could not be built: a key repeats */
};

struct fwg_manifest_release {
	char *release;
	struct fwg_manifest_image *images;
	size_t image_count, image_cap;
};

struct fwg_baseline {
	char *model;
	bool from_image;     /* built from an image, not read from a manifest */
	struct fwg_manifest_release *releases;
	size_t release_count, release_cap;
};

/* Entry lookup by key (builds the index on first use); FWG_NO_ENTRY if
 * absent or out of memory. */
size_t fwg_manifest_find(struct fwg_manifest_image *img, const char *key);
/* Links first_child/next_sibling from the parent indices. */
void fwg_manifest_link(struct fwg_manifest_image *img);
/* The image of role in release r, or NULL. */
struct fwg_manifest_image *fwg_manifest_image_of(const struct fwg_manifest_release *r,
		const char *role);
void fwg_manifest_image_clear(struct fwg_manifest_image *img);
void fwg_manifest_release_clear(struct fwg_manifest_release *r);

#endif
