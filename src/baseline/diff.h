/*
 * diff.h - internals of the structural diff shared by diff.c (matching
 * and roll-up), classify.c (classes and reasons, expected changes) and
 * reclaim.c (the reclamation gate reads the changes).
 */
#ifndef FWG_BASELINE_DIFF_H
#define FWG_BASELINE_DIFF_H

#include "manifest.h"

enum fwg_change_kind { FWG_ADDED, FWG_REMOVED, FWG_MODIFIED };

struct fwg_change {
	enum fwg_change_kind kind;
	enum fwg_change_class cls;
	char *role;         /* image role: "bios", "bmc" */
	char *path;         /* node path of the unit (new side, else old) */
	char *type;         /* component type, or "account" */
	char *name;         /* may be NULL */
	bool has_guid;
	uint8_t guid[16];
	char *fs_path;      /* filesystem entries and accounts: logical path */
	char *reason;       /* why this class */
	char *details;      /* what changed inside the unit, "; "-separated */
	char *old_sha256, *new_sha256; /* hex, NULL when absent */
	/* Links into the manifests (valid while they live); FWG_NO_ENTRY for
	 * accounts and for the side where the component does not exist. */
	size_t old_entry, new_entry;
	const char *key;    /* identity key (borrowed from a manifest) */
	bool metadata_only; /* contents equal, only fs metadata differs */
	bool mtime_only;
	bool writable;      /* in a writable overlay/conf filesystem */
};

struct fwg_diff {
	char *old_label, *new_label;
	char *release;      /* release of OLD compared against, or NULL */
	char *explained_by; /* release that explains every change, or NULL */
	struct fwg_change *changes;
	size_t change_count, change_cap;
	size_t counts[4];
};

/* Key-rotation allowlist (classify.c). */
struct fwg_allowlist;
FWG_NODISCARD enum fwg_status fwg_allowlist_load(const char *path, struct fwg_allowlist **out,
		char *errbuf, size_t errbuf_size);
void fwg_allowlist_free(struct fwg_allowlist *list);
/* True when a signature (owner GUID text and/or SHA-256 of its data) of
 * variable is allowlisted. */
bool fwg_allowlist_permits(const struct fwg_allowlist *list, const char *variable,
		const char *owner_guid, const char *data_sha256_hex);

/* Sets cls and reason of a change from its entries (classify.c). */
bool fwg_classify_change(struct fwg_change *c, struct fwg_manifest_image *old_img,
		struct fwg_manifest_image *new_img, const struct fwg_allowlist *allow);
/* Downgrades to expected the changes that release image ref explains. */
bool fwg_explain_changes(struct fwg_diff *d, size_t first, struct fwg_manifest_image *new_img,
		struct fwg_manifest_image *ref, const char *ref_label);

/* Diffs one pair of images (same role) into d (diff.c). */
FWG_NODISCARD enum fwg_status fwg_diff_images(struct fwg_diff *d, const char *role,
		struct fwg_manifest_image *old_img, struct fwg_manifest_image *new_img,
		const struct fwg_allowlist *allow);

/* Appends a zeroed change; NULL on allocation failure. */
struct fwg_change *fwg_diff_add(struct fwg_diff *d);
void fwg_diff_clear(struct fwg_diff *d);

#endif
