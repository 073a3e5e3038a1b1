/*
 * classify.c - what a change means: its class (critical, warning, info,
 * expected) and the reason in words, from the component's type and role
 * (docs/baselines.md has the table).  Also the two ways a change becomes
 * expected: another known-good release already holds the new state, or
 * a Secure Boot database change comes from a vendor on the key-rotation
 * allowlist.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "../core/array.h"
#include "../core/guid.h"
#include "../core/text.h"
#include "diff.h"

#define EFI_GLOBAL_VARIABLE "8be4df61-93ca-11d2-aa0d-00e098032b8c"
#define EFI_IMAGE_SECURITY_DATABASE "d719b2cb-3d3a-4596-a3bc-dad00e67656f"
#define MAX_ALLOW 4096u

struct allow_rule {
	char *variable;           /* "db", "dbx", "KEK", "PK" */
	char *owner;              /* signature owner GUID, or NULL */
	char *certificate_sha256; /* or NULL */
	char *note;
};

struct fwg_allowlist {
	struct allow_rule *rules;
	size_t count;
};

void fwg_allowlist_free(struct fwg_allowlist *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->count; i++) {
		free(list->rules[i].variable);
		free(list->rules[i].owner);
		free(list->rules[i].certificate_sha256);
		free(list->rules[i].note);
	}
	free(list->rules);
	free(list);
}

static char *lower_dup(const char *s)
{
	char *d = s ? strdup(s) : NULL;
	for (char *p = d; p && *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return d;
}

enum fwg_status fwg_allowlist_load(const char *path, struct fwg_allowlist **out, char *errbuf,
		size_t errbuf_size)
{
	*out = NULL;
	json_error_t je;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		snprintf(errbuf, errbuf_size, "%s:%d:%d: %s", path, je.line, je.column, je.text);
		return FWG_MALFORMED;
	}
	json_t *rules = json_object_get(root, "key_rotations");
	struct fwg_allowlist *list = calloc(1, sizeof(*list));
	size_t n = json_array_size(rules);
	if (!json_is_array(rules) || n > MAX_ALLOW) {
		snprintf(errbuf, errbuf_size, "%s: expected {\"key_rotations\": [...]} with at most "
			"%u entries", path, MAX_ALLOW);
		json_decref(root);
		fwg_allowlist_free(list);
		return FWG_MALFORMED;
	}
	if (!list || (n && !(list->rules = calloc(n, sizeof(*list->rules))))) {
		json_decref(root);
		fwg_allowlist_free(list);
		snprintf(errbuf, errbuf_size, "out of memory");
		return FWG_NOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *r = json_array_get(rules, i);
		const char *var = json_string_value(json_object_get(r, "variable"));
		const char *owner = json_string_value(json_object_get(r, "owner"));
		const char *cert = json_string_value(json_object_get(r, "certificate_sha256"));
		const char *note = json_string_value(json_object_get(r, "note"));
		uint8_t g[16];
		if (!var || (!owner && !cert) || (owner && !fwg_guid_parse(owner, g))) {
			snprintf(errbuf, errbuf_size, "%s: key_rotations[%zu] needs \"variable\" and a valid "
				"\"owner\" GUID or \"certificate_sha256\"", path, i);
			json_decref(root);
			fwg_allowlist_free(list);
			return FWG_MALFORMED;
		}
		struct allow_rule *a = &list->rules[list->count++];
		a->variable = strdup(var);
		a->owner = lower_dup(owner);
		a->certificate_sha256 = lower_dup(cert);
		a->note = strdup(note ? note : "");
	}
	json_decref(root);
	*out = list;
	return FWG_OK;
}

/* ---- helpers ------------------------------------------------------------- */

static bool set_reason(struct fwg_change *c, enum fwg_change_class cls, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool set_reason(struct fwg_change *c, enum fwg_change_class cls, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	int r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return false;
	free(c->reason);
	c->reason = s;
	c->cls = cls;
	return true;
}

static const char *verb(const struct fwg_change *c)
{
	return c->kind == FWG_ADDED ? "new" : c->kind == FWG_REMOVED ? "removed" : "modified";
}

static bool starts(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool ends(const char *s, const char *suffix)
{
	size_t a = s ? strlen(s) : 0, b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static const struct fwg_manifest_entry *side_entry(const struct fwg_manifest_image *img, size_t i)
{
	return i == FWG_NO_ENTRY ? NULL : &img->entries[i];
}

/* ---- UEFI ---------------------------------------------------------------- */

static const char *module_kind(const char *file_type)
{
	static const struct { const char *type, *kind; } kinds[] = {
		{ "SECURITY_CORE", "SEC core" }, { "PEI_CORE", "PEI core" },
		{ "PEIM", "PEI module" }, { "DXE_CORE", "DXE core" }, { "DRIVER", "DXE driver" },
		{ "COMBINED_PEIM_DRIVER", "PEI/DXE module" }, { "APPLICATION", "UEFI application" },
		{ "MM", "SMM module" }, { "COMBINED_MM_DXE", "SMM/DXE module" },
		{ "MM_CORE", "SMM core" }, { "MM_STANDALONE", "standalone MM module" },
		{ "MM_CORE_STANDALONE", "standalone MM core" },
		{ "FIRMWARE_VOLUME_IMAGE", "firmware volume file" },
	};
	for (size_t i = 0; file_type && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(file_type, kinds[i].type) == 0)
			return kinds[i].kind;
	return NULL;
}

enum sb_var { SB_NONE, SB_PK, SB_KEK, SB_DB, SB_DBX, SB_DBT, SB_DBR, SB_STATE };

static enum sb_var secure_boot_variable(const struct fwg_manifest_entry *e)
{
	if (!e->name || !e->has_guid)
		return SB_NONE;
	char g[FWG_GUID_TEXT_LEN];
	fwg_guid_format(e->guid, g);
	if (strcmp(g, EFI_GLOBAL_VARIABLE) == 0) {
		if (strcmp(e->name, "PK") == 0)
			return SB_PK;
		if (strcmp(e->name, "KEK") == 0)
			return SB_KEK;
		static const char *const state[] = { "SecureBoot", "SetupMode", "AuditMode",
			"DeployedMode", "PKDefault", "KEKDefault", "dbDefault", "dbxDefault" };
		for (size_t i = 0; i < sizeof(state) / sizeof(state[0]); i++)
			if (strcmp(e->name, state[i]) == 0)
				return SB_STATE;
		return SB_NONE;
	}
	if (strcmp(g, EFI_IMAGE_SECURITY_DATABASE) == 0) {
		if (strcmp(e->name, "db") == 0)
			return SB_DB;
		if (strcmp(e->name, "dbx") == 0)
			return SB_DBX;
		if (strcmp(e->name, "dbt") == 0)
			return SB_DBT;
		if (strcmp(e->name, "dbr") == 0)
			return SB_DBR;
		return SB_NONE;
	}
	/* EDK2's SecureBootEnable and CustomMode switches. */
	if (strcmp(e->name, "SecureBootEnable") == 0 || strcmp(e->name, "CustomMode") == 0)
		return SB_STATE;
	return SB_NONE;
}

/* Signature entries (certificates and hashes) below a variable entry. */
struct sig_set {
	const struct fwg_manifest_entry **items;
	size_t count, cap;
};

static bool collect_signatures(const struct fwg_manifest_image *img, size_t var, struct sig_set *s)
{
	if (var == FWG_NO_ENTRY)
		return true;
	/* Descendants of var follow it contiguously in pre-order. */
	for (size_t i = var + 1; i < img->entries[var].subtree_end; i++) {
		const char *t = img->entries[i].type;
		if (strcmp(t, "certificate") != 0 && strcmp(t, "signature_hash") != 0)
			continue;
		if (!fwg_array_reserve((void **)&s->items, &s->cap, s->count, sizeof(*s->items)))
			return false;
		s->items[s->count++] = &img->entries[i];
	}
	return true;
}

static int compare_sig(const void *a, const void *b)
{
	const struct fwg_manifest_entry *const *x = a, *const *y = b;
	return memcmp((*x)->sha256, (*y)->sha256, 32);
}

/* s is sorted by compare_sig (dbx lists hold thousands of hashes). */
static bool sig_in(const struct sig_set *s, const struct fwg_manifest_entry *e)
{
	return s->count && bsearch(&e, s->items, s->count, sizeof(*s->items), compare_sig);
}

bool fwg_allowlist_permits(const struct fwg_allowlist *allow, const char *variable,
		const char *owner, const char *data_sha256_hex)
{
	for (size_t i = 0; allow && i < allow->count; i++) {
		const struct allow_rule *r = &allow->rules[i];
		if (strcmp(r->variable, variable) != 0)
			continue;
		if (r->certificate_sha256 && data_sha256_hex &&
				strcasecmp(r->certificate_sha256, data_sha256_hex) == 0)
			return true;
		if (r->owner && owner && strcasecmp(r->owner, owner) == 0)
			return true;
	}
	return false;
}

static bool allowed(const struct fwg_allowlist *allow, const char *variable,
		const struct fwg_manifest_entry *e)
{
	char hex[65];
	fwg_hex_encode(e->sha256, 32, hex);
	return fwg_allowlist_permits(allow, variable, e->owner, hex);
}

static bool classify_secure_boot(struct fwg_change *c, enum sb_var sb,
		const struct fwg_manifest_entry *e, const struct fwg_manifest_image *old_img,
		const struct fwg_manifest_image *new_img, const struct fwg_allowlist *allow)
{
	if (sb == SB_STATE)
		return set_reason(c, FWG_CHANGE_CRITICAL, "Secure Boot state variable %s %s", e->name,
			c->kind == FWG_ADDED ? "added" : c->kind == FWG_REMOVED ? "removed" : "changed");
	struct sig_set before = { 0 }, after = { 0 };
	bool ok = collect_signatures(old_img, c->old_entry, &before) &&
		collect_signatures(new_img, c->new_entry, &after);
	if (ok && before.count)
		qsort(before.items, before.count, sizeof(*before.items), compare_sig);
	if (ok && after.count)
		qsort(after.items, after.count, sizeof(*after.items), compare_sig);
	size_t added = 0, removed = 0, added_allowed = 0;
	const struct fwg_manifest_entry *first_added = NULL, *first_removed = NULL;
	for (size_t i = 0; ok && i < after.count; i++)
		if (!sig_in(&before, after.items[i])) {
			added++;
			if (!first_added)
				first_added = after.items[i];
			if (allowed(allow, e->name, after.items[i]))
				added_allowed++;
		}
	for (size_t i = 0; ok && i < before.count; i++)
		if (!sig_in(&after, before.items[i])) {
			removed++;
			if (!first_removed)
				first_removed = before.items[i];
		}
	free(before.items);
	free(after.items);
	if (!ok)
		return false;
	const char *what_added = first_added ? (strcmp(first_added->type, "certificate") == 0 ?
		"certificate" : "hash") : "";
	const char *added_name = first_added && first_added->detail ? first_added->detail : "";
	if (sb == SB_DBX) {
		if (removed)
			return set_reason(c, FWG_CHANGE_CRITICAL, "dbx rollback: %zu revocation entr%s "
				"removed%s", removed, removed == 1 ? "y" : "ies",
				added ? " (and some added)" : "");
		if (added && added == added_allowed)
			return set_reason(c, FWG_CHANGE_EXPECTED, "dbx update: %zu revocation entr%s added "
				"by an allowlisted vendor", added, added == 1 ? "y" : "ies");
		if (added)
			return set_reason(c, FWG_CHANGE_WARNING, "dbx update: %zu revocation entr%s added "
				"by a signer not on the key-rotation allowlist", added,
				added == 1 ? "y" : "ies");
		return set_reason(c, FWG_CHANGE_WARNING, "dbx rewritten with the same entries");
	}
	if (added && !removed && added == added_allowed)
		return set_reason(c, FWG_CHANGE_EXPECTED, "%s: %zu allowlisted key rotation entr%s "
			"added", e->name, added, added == 1 ? "y" : "ies");
	if (added || removed) {
		char first[256] = "";
		if (first_added)
			snprintf(first, sizeof(first), " (first: %s%s%s)", what_added,
				*added_name ? " " : "", added_name);
		return set_reason(c, FWG_CHANGE_CRITICAL, "Secure Boot %s changed: %zu entr%s added%s, "
			"%zu removed", e->name, added, added == 1 ? "y" : "ies", first, removed);
	}
	return set_reason(c, FWG_CHANGE_CRITICAL, "Secure Boot %s %s", e->name,
		c->kind == FWG_ADDED ? "added" : c->kind == FWG_REMOVED ? "removed" : "changed");
}

/* ---- BMC filesystems ------------------------------------------------------- */

static bool is_init_path(const char *p)
{
	static const char *const prefixes[] = { "/etc/init.d/", "/etc/rc.d/", "/etc/rcS.d/",
		"/etc/rc0.d/", "/etc/rc1.d/", "/etc/rc2.d/", "/etc/rc3.d/", "/etc/rc4.d/",
		"/etc/rc5.d/", "/etc/rc6.d/", "/etc/systemd/system/", "/lib/systemd/system/",
		"/usr/lib/systemd/system/", "/etc/profile.d/", "/etc/cron", "/var/spool/cron/",
		"/etc/xinetd.d/" };
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (starts(p, prefixes[i]))
			return true;
	return p && (strcmp(p, "/etc/inittab") == 0 || strcmp(p, "/etc/profile") == 0 ||
		strcmp(p, "/etc/inetd.conf") == 0 || strcmp(p, "/etc/rc.local") == 0);
}

static bool is_executable(const struct fwg_manifest_entry *e)
{
	const char *p = e->fs_path;
	if (e->fs_kind && (starts(e->fs_kind, "elf") ||
			(starts(e->fs_kind, "script") && (e->fs_mode & 0111))))
		return true;
	if ((e->fs_mode & 0170000) == 0100000 && (e->fs_mode & 0111))
		return true;
	static const char *const bins[] = { "/bin/", "/sbin/", "/usr/bin/", "/usr/sbin/",
		"/usr/libexec/", "/usr/local/bin/", "/usr/local/sbin/" };
	for (size_t i = 0; i < sizeof(bins) / sizeof(bins[0]); i++)
		if (starts(p, bins[i]))
			return true;
	return (starts(p, "/lib/") || starts(p, "/usr/lib/")) && strstr(p, ".so");
}

static bool classify_fs(struct fwg_change *c, const struct fwg_manifest_entry *o,
		const struct fwg_manifest_entry *n)
{
	const struct fwg_manifest_entry *e = n ? n : o;
	const char *p = e->fs_path ? e->fs_path : "";
	const char *what = strcmp(e->type, "dir") == 0 ? "directory" :
		strcmp(e->type, "symlink") == 0 ? "symbolic link" : "file";
	if (c->kind == FWG_MODIFIED && c->metadata_only && o && n) {
		if (c->mtime_only)
			return set_reason(c, FWG_CHANGE_INFO, "timestamp of %s changed", p);
		uint32_t new_bits = n->fs_mode & ~o->fs_mode & 06000;
		if (new_bits)
			return set_reason(c, FWG_CHANGE_CRITICAL, "%s became set%s", p,
				new_bits & 04000 ? "uid" : "gid");
		bool link_changed = (o->link_target || n->link_target) && (!o->link_target ||
			!n->link_target || strcmp(o->link_target, n->link_target) != 0);
		if (link_changed)
			return set_reason(c, is_executable(n) || is_init_path(p) ? FWG_CHANGE_CRITICAL :
				FWG_CHANGE_WARNING, "%s now points to %s", p,
				n->link_target ? n->link_target : "nothing");
		return set_reason(c, FWG_CHANGE_WARNING, "permissions or owner of %s changed "
			"(mode %o -> %o, uid %u -> %u)", p, o->fs_mode & 07777, n->fs_mode & 07777,
			o->fs_uid, n->fs_uid);
	}
	if (c->kind != FWG_REMOVED && (n->fs_mode & 06000) && (!o || !(o->fs_mode & 06000)))
		return set_reason(c, FWG_CHANGE_CRITICAL, "%s setuid/setgid %s %s", verb(c), what, p);
	if (strstr(p, "/.ssh/authorized_keys") || ends(p, "/dropbear/authorized_keys"))
		return set_reason(c, FWG_CHANGE_CRITICAL, "%s SSH authorized keys %s", verb(c), p);
	if (is_init_path(p))
		return set_reason(c, FWG_CHANGE_CRITICAL, "%s BMC init script or service %s", verb(c), p);
	if (strcmp(e->type, "file") == 0 && is_executable(e))
		return set_reason(c, c->kind == FWG_REMOVED ? FWG_CHANGE_WARNING : FWG_CHANGE_CRITICAL,
			"%s BMC executable %s", verb(c), p);
	if (strcmp(p, "/etc/passwd") == 0 || strcmp(p, "/etc/shadow") == 0 ||
			strcmp(p, "/etc/group") == 0 || strcmp(p, "/etc/gshadow") == 0 ||
			strcmp(p, "/passwd") == 0 || strcmp(p, "/shadow") == 0)
		return set_reason(c, FWG_CHANGE_WARNING, "%s account database %s (accounts are "
			"compared one by one)", verb(c), p);
	if (starts(p, "/var/log/") || starts(p, "/var/lib/systemd/journal/") || starts(p, "/tmp/") ||
			starts(p, "/run/") || starts(p, "/var/volatile/"))
		return set_reason(c, FWG_CHANGE_INFO, "%s runtime data %s", verb(c), p);
	if (starts(p, "/etc/"))
		return set_reason(c, FWG_CHANGE_WARNING, "%s BMC configuration %s %s", verb(c), what, p);
	if (strcmp(e->type, "dir") == 0)
		return set_reason(c, FWG_CHANGE_INFO, "%s directory %s", verb(c), p);
	return set_reason(c, FWG_CHANGE_WARNING, "%s BMC %s %s", verb(c), what, p);
}

/* ---- the table ------------------------------------------------------------- */

static bool is_fs_container(const char *t)
{
	static const char *const types[] = { "squashfs", "cramfs", "jffs2", "ubi", "ubi_volume",
		"ubifs", "cpio", "tar", "gzip", "xz", "lzma", "zstd", "lz4", "bzip2", "lzo" };
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(t, types[i]) == 0)
			return true;
	return false;
}

static enum fwg_change_class max_class(enum fwg_change_class a, enum fwg_change_class b)
{
	return a > b ? a : b;
}

static bool classify_entry(struct fwg_change *c, const struct fwg_manifest_entry *o,
		const struct fwg_manifest_entry *n, struct fwg_manifest_image *old_img,
		struct fwg_manifest_image *new_img, const struct fwg_allowlist *allow, bool nested);

/* An added or removed component that is not a unit itself (a whole
 * volume, a directory): the worst class among the units it holds. */
static bool classify_container(struct fwg_change *c, struct fwg_manifest_image *img, size_t root,
		const struct fwg_manifest_image *old_img, const struct fwg_manifest_image *new_img,
		const struct fwg_allowlist *allow)
{
	enum fwg_change_class worst = FWG_CHANGE_INFO;
	size_t units = 0, modules = 0;
	const char *first = NULL;
	char *first_reason = NULL;
	for (size_t i = root + 1; i < img->entries[root].subtree_end; i++) {
		const struct fwg_manifest_entry *e = &img->entries[i];
		if (!(e->flags & FWG_ENTRY_UNIT) || strcmp(e->type, "dir") == 0)
			continue;
		struct fwg_change probe = *c;
		probe.reason = NULL;
		probe.old_entry = c->kind == FWG_REMOVED ? i : FWG_NO_ENTRY;
		probe.new_entry = c->kind == FWG_ADDED ? i : FWG_NO_ENTRY;
		if (!classify_entry(&probe, c->kind == FWG_REMOVED ? e : NULL,
				c->kind == FWG_ADDED ? e : NULL, (struct fwg_manifest_image *)old_img,
				(struct fwg_manifest_image *)new_img, allow, true)) {
			free(first_reason);
			return false;
		}
		units++;
		if (strcmp(e->type, "ffs") == 0 && module_kind(e->detail))
			modules++;
		if (probe.cls > worst || !first) {
			free(first_reason);
			first_reason = probe.reason;
			probe.reason = NULL;
			first = e->name ? e->name : e->fs_path ? e->fs_path : e->type;
			worst = max_class(worst, probe.cls);
		}
		free(probe.reason);
	}
	const struct fwg_manifest_entry *e = &img->entries[root];
	const char *where = e->fs_path ? e->fs_path : e->name ? e->name : "";
	bool ok = units ? set_reason(c, worst, "%s %s%s%s holding %zu component%s%s (worst: %s)",
			verb(c), strcmp(e->type, "dir") == 0 ? "directory" : e->type, *where ? " " : "",
			where, units, units == 1 ? "" : "s",
			modules ? ", firmware modules among them" : "", first_reason ? first_reason : first)
		: set_reason(c, strcmp(e->type, "raw") == 0 || strcmp(e->type, "padding") == 0 ?
			FWG_CHANGE_CRITICAL : FWG_CHANGE_WARNING, "%s %s", verb(c), e->type);
	free(first_reason);
	return ok;
}

/* nested: a probe from classify_container, which never recurses again
 * (a hostile manifest's chain of units would make that exponential). */
static bool classify_entry(struct fwg_change *c, const struct fwg_manifest_entry *o,
		const struct fwg_manifest_entry *n, struct fwg_manifest_image *old_img,
		struct fwg_manifest_image *new_img, const struct fwg_allowlist *allow, bool nested)
{
	const struct fwg_manifest_entry *e = n ? n : o;
	const char *t = e->type;
	const char *name = e->name ? e->name : "";
	if ((e->flags & FWG_ENTRY_FS) && strcmp(t, "dir") == 0 && c->kind != FWG_MODIFIED &&
			e->first_child != FWG_NO_ENTRY && !nested) {
		/* A directory that came or went with files: judge the files. */
		size_t root = c->kind == FWG_ADDED ? c->new_entry : c->old_entry;
		if (root != FWG_NO_ENTRY)
			return classify_container(c, c->kind == FWG_ADDED ? new_img : old_img, root,
				old_img, new_img, allow);
	}
	if (e->flags & FWG_ENTRY_FS)
		return classify_fs(c, o, n);
	if (strcmp(t, "ffs") == 0) {
		if (e->flags & FWG_ENTRY_UNIT) {
			const char *kind = module_kind(e->detail);
			if (kind)
				return set_reason(c, FWG_CHANGE_CRITICAL, "%s %s%s%s", verb(c), kind,
					*name ? " " : "", name);
			return set_reason(c, FWG_CHANGE_WARNING, "%s firmware file %s(%s)", verb(c),
				*name ? name : "", e->detail ? e->detail : "unknown type");
		}
		/* pad files: only their contents matter */
	}
	if (strcmp(t, "free_space") == 0 || strcmp(t, "padding") == 0 ||
			(strcmp(t, "ffs") == 0 && !(e->flags & FWG_ENTRY_UNIT))) {
		if (c->kind == FWG_REMOVED || (n && (n->flags & FWG_ENTRY_ERASED)))
			return set_reason(c, FWG_CHANGE_INFO, "%s resized or moved, still erased",
				strcmp(t, "ffs") == 0 ? "pad file" : t);
		return set_reason(c, FWG_CHANGE_CRITICAL, "code or data hidden in volume %s",
			strcmp(t, "ffs") == 0 ? "pad file" : strcmp(t, "padding") == 0 ? "free space" : t);
	}
	if (strcmp(t, "option_rom") == 0)
		return set_reason(c, c->kind == FWG_REMOVED ? FWG_CHANGE_WARNING : FWG_CHANGE_CRITICAL,
			"%s option ROM%s%s", verb(c), *name ? " " : "", name);
	if (strcmp(t, "nvram_var") == 0) {
		enum sb_var sb = secure_boot_variable(e);
		if (sb != SB_NONE)
			return classify_secure_boot(c, sb, e, old_img, new_img, allow);
		return set_reason(c, FWG_CHANGE_WARNING, "%s NVRAM configuration variable %s", verb(c),
			name);
	}
	if (strcmp(t, "ftw_block") == 0)
		return set_reason(c, FWG_CHANGE_INFO, "fault-tolerant write journal changed");
	if (strcmp(t, "env_var") == 0) {
		bool boot = strcmp(name, "bootcmd") == 0 || strcmp(name, "bootargs") == 0 ||
			strcmp(name, "preboot") == 0 || starts(name, "boot_");
		return set_reason(c, boot ? FWG_CHANGE_CRITICAL : FWG_CHANGE_WARNING,
			"%s U-Boot environment variable %s", verb(c), name);
	}
	if (strcmp(t, "fit_image") == 0 || strcmp(t, "uimage") == 0 || strcmp(t, "fmp_image") == 0)
		return set_reason(c, FWG_CHANGE_CRITICAL, "%s boot image %s", verb(c), name);
	if (c->kind != FWG_MODIFIED && !nested) {
		size_t root = c->kind == FWG_ADDED ? c->new_entry : c->old_entry;
		struct fwg_manifest_image *img = c->kind == FWG_ADDED ? new_img : old_img;
		if (root != FWG_NO_ENTRY)
			return classify_container(c, img, root, old_img, new_img, allow);
	}
	/* A container whose children are all unchanged: its own bytes moved. */
	if (is_fs_container(t))
		return set_reason(c, FWG_CHANGE_INFO, "%s metadata changed (timestamps, layout); no "
			"file in it changed", t);
	return set_reason(c, FWG_CHANGE_WARNING, "%s %s changed outside its components", t, name);
}

bool fwg_classify_change(struct fwg_change *c, struct fwg_manifest_image *old_img,
		struct fwg_manifest_image *new_img, const struct fwg_allowlist *allow)
{
	if (strcmp(c->type, "account") == 0) {
		if (c->kind == FWG_ADDED)
			return set_reason(c, FWG_CHANGE_CRITICAL, "new BMC account %s", c->name);
		if (c->kind == FWG_REMOVED)
			return set_reason(c, FWG_CHANGE_WARNING, "BMC account %s removed", c->name);
		bool to_root = c->details && strstr(c->details, "-> 0") && strstr(c->details, "uid");
		return set_reason(c, to_root ? FWG_CHANGE_CRITICAL : FWG_CHANGE_WARNING,
			"BMC account %s changed", c->name);
	}
	return classify_entry(c, side_entry(old_img, c->old_entry), side_entry(new_img, c->new_entry),
		old_img, new_img, allow, false);
}

/* ---- expected changes ------------------------------------------------------ */

static bool account_matches(const struct fwg_manifest_image *ref, const struct fwg_change *c,
		const struct fwg_manifest_image *new_img)
{
	const struct fwg_manifest_account *r = NULL, *n = NULL;
	for (size_t i = 0; i < ref->account_count; i++)
		if (strcmp(ref->accounts[i].user, c->name) == 0)
			r = &ref->accounts[i];
	for (size_t i = 0; i < new_img->account_count; i++)
		if (strcmp(new_img->accounts[i].user, c->name) == 0)
			n = &new_img->accounts[i];
	if (!n)
		return r == NULL; /* removed, and the reference has no such account */
	return r && r->uid == n->uid && r->gid == n->gid &&
		strcmp(r->secret_sha256, n->secret_sha256) == 0 && strcmp(r->shell, n->shell) == 0;
}

bool fwg_explain_changes(struct fwg_diff *d, size_t first, struct fwg_manifest_image *new_img,
		struct fwg_manifest_image *ref, const char *ref_label)
{
	size_t explained = 0, open = 0;
	for (size_t i = first; i < d->change_count; i++) {
		struct fwg_change *c = &d->changes[i];
		if (c->cls == FWG_CHANGE_EXPECTED || c->cls == FWG_CHANGE_INFO)
			continue;
		if (strcmp(c->role, ref->role) != 0) {
			open++;
			continue;
		}
		bool match;
		if (strcmp(c->type, "account") == 0) {
			match = account_matches(ref, c, new_img);
		} else {
			size_t r = fwg_manifest_find(ref, c->key);
			if (c->new_entry == FWG_NO_ENTRY) {
				match = r == FWG_NO_ENTRY;
			} else {
				const struct fwg_manifest_entry *n = &new_img->entries[c->new_entry];
				const struct fwg_manifest_entry *x = r != FWG_NO_ENTRY ? &ref->entries[r] : NULL;
				/* Equal bytes, equal metadata, and a hash that covers the
				 * whole subtree (a directory's does not). */
				match = x && x->size == n->size && memcmp(x->sha256, n->sha256, 32) == 0 &&
					(n->flags & FWG_ENTRY_COVERS) && (x->flags & FWG_ENTRY_COVERS) &&
					x->fs_mode == n->fs_mode && x->fs_uid == n->fs_uid &&
					x->fs_gid == n->fs_gid && strcmp(x->type, n->type) == 0 &&
					((!x->link_target && !n->link_target) || (x->link_target && n->link_target &&
						strcmp(x->link_target, n->link_target) == 0));
			}
		}
		if (!match) {
			open++;
			continue;
		}
		char *reason = NULL;
		if (asprintf(&reason, "%s; matches the known-good %s", c->reason ? c->reason : "",
				ref_label) < 0)
			return false;
		free(c->reason);
		c->reason = reason;
		c->cls = FWG_CHANGE_EXPECTED;
		explained++;
	}
	if (explained && open == 0 && !d->explained_by)
		d->explained_by = strdup(ref_label);
	return true;
}
