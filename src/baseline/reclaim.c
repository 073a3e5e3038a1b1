/*
 * reclaim.c - the bare-metal reclamation gate: before a server goes to
 * the next tenant, its firmware dumps are compared with the model's
 * golden baseline, and the state a previous tenant may have left on the
 * BMC is looked for in the changes: accounts and password hashes not
 * reset, SSH keys, logs, network and service configuration.
 *
 * CLEAN needs a trusted baseline, readable dumps and no reason; any
 * reason to doubt the comparison itself makes the verdict UNKNOWN, and
 * any drift or leftover makes it TAINTED.
 */
#include <stdlib.h>
#include <string.h>

#include "../core/array.h"
#include "reclaim.h"

static const char *const verdict_names[] = { "CLEAN", "TAINTED", "UNKNOWN" };

const char *fwg_verdict_name(enum fwg_verdict v)
{
	return (size_t)v < 3 ? verdict_names[v] : "UNKNOWN";
}

enum fwg_verdict fwg_reclaim_verdict(const struct fwg_reclaim *r)
{
	return r->verdict;
}

void fwg_reclaim_free(struct fwg_reclaim *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->reason_count; i++) {
		free(r->reasons[i].code);
		free(r->reasons[i].path);
		free(r->reasons[i].message);
	}
	free(r->reasons);
	free(r->model);
	free(r->release);
	fwg_diff_free(r->diff);
	free(r);
}

static bool add_reason(struct fwg_reclaim *r, const char *code, enum fwg_change_class cls,
		const char *path, const char *message)
{
	if (!fwg_array_reserve((void **)&r->reasons, &r->reason_cap, r->reason_count,
			sizeof(*r->reasons)))
		return false;
	struct fwg_reclaim_reason *x = &r->reasons[r->reason_count++];
	x->code = strdup(code);
	x->cls = cls;
	x->path = path ? strdup(path) : NULL;
	x->message = strdup(message ? message : "");
	return x->code && x->message && (!path || x->path);
}

static bool starts(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool is_network_config(const char *p)
{
	static const char *const prefixes[] = { "/etc/systemd/network/", "/etc/network/",
		"/etc/sysconfig/network", "/etc/dhcp", "/etc/netplan/" };
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (starts(p, prefixes[i]))
			return true;
	return p && (strcmp(p, "/etc/hostname") == 0 || strcmp(p, "/etc/hosts") == 0 ||
		strcmp(p, "/etc/resolv.conf") == 0 || strcmp(p, "/etc/ntp.conf") == 0 ||
		strcmp(p, "/etc/systemd/timesyncd.conf") == 0);
}

static bool is_host_key(const char *p)
{
	/* Regenerated per device on first boot; not tenant state. */
	return (starts(p, "/etc/ssh/ssh_host_") || starts(p, "/etc/dropbear/dropbear_")) &&
		!strstr(p, "authorized");
}

static bool is_service_config(const char *p)
{
	static const char *const prefixes[] = { "/etc/systemd/system/", "/etc/init.d/",
		"/etc/rc", "/etc/ssh/", "/etc/dropbear/", "/etc/default/", "/etc/xinetd",
		"/etc/inetd", "/etc/lighttpd", "/etc/nginx/", "/etc/snmp/", "/etc/ipmi",
		"/etc/profile", "/etc/cron", "/var/spool/cron/" };
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (starts(p, prefixes[i]))
			return true;
	return false;
}

static bool is_log(const char *p)
{
	return starts(p, "/var/log/") || starts(p, "/var/lib/systemd/journal/") ||
		starts(p, "/var/lib/logging/") || starts(p, "/var/lib/phosphor-logging/") ||
		starts(p, "/var/persist/log") || (p && strstr(p, ".log") && starts(p, "/var/"));
}

static bool is_account_db(const char *p)
{
	return p && (strcmp(p, "/etc/passwd") == 0 || strcmp(p, "/etc/shadow") == 0 ||
		strcmp(p, "/etc/group") == 0 || strcmp(p, "/etc/gshadow") == 0 ||
		strcmp(p, "/passwd") == 0 || strcmp(p, "/shadow") == 0);
}

static bool reason_from_change(struct fwg_reclaim *r, const struct fwg_change *c,
		bool accounts_changed)
{
	const char *p = c->fs_path;
	char msg[1024];
	const char *what = c->kind == FWG_ADDED ? "added" : c->kind == FWG_REMOVED ? "removed"
		: "changed";
	if (c->cls == FWG_CHANGE_EXPECTED)
		return true;
	if (strcmp(c->type, "account") == 0) {
		if (c->kind == FWG_ADDED) {
			snprintf(msg, sizeof(msg), "account %s is not a factory account (%s)", c->name,
				c->fs_path ? c->fs_path : "");
			return add_reason(r, "bmc.account_added", FWG_CHANGE_CRITICAL, c->path, msg);
		}
		if (c->kind == FWG_REMOVED) {
			snprintf(msg, sizeof(msg), "factory account %s is missing", c->name);
			return add_reason(r, "bmc.account_removed", FWG_CHANGE_WARNING, c->path, msg);
		}
		snprintf(msg, sizeof(msg), "account %s differs from the factory state: %s", c->name,
			c->details ? c->details : "changed");
		bool password = c->details && strstr(c->details, "password");
		return add_reason(r, password ? "bmc.password_changed" : "bmc.account_changed",
			c->cls == FWG_CHANGE_CRITICAL ? FWG_CHANGE_CRITICAL : FWG_CHANGE_WARNING, c->path,
			msg);
	}
	if (p && is_log(p)) {
		if (c->kind == FWG_REMOVED || c->new_sha256 == NULL || strcmp(c->type, "dir") == 0)
			return true;
		snprintf(msg, sizeof(msg), "log %s %s since the factory image: logs of the previous "
			"tenant were not erased", p, what);
		return add_reason(r, "bmc.logs_present", FWG_CHANGE_CRITICAL, c->path, msg);
	}
	if (c->cls == FWG_CHANGE_INFO || c->cls == FWG_CHANGE_EXPECTED)
		return true;
	if (p && is_host_key(p))
		return true;
	if (p && is_account_db(p) && accounts_changed && !strstr(p, "group"))
		return true; /* reported account by account */
	if (!c->writable) {
		/* The read-only image itself differs: that is firmware drift,
		 * whatever the file is for. */
		snprintf(msg, sizeof(msg), "%s (%s firmware): %s", c->reason ? c->reason : what,
			c->role, c->path);
		return add_reason(r, "firmware.drift", c->cls, c->path, msg);
	}
	if (p && (strstr(p, "/.ssh/authorized_keys") || strstr(p, "/dropbear/authorized_keys"))) {
		snprintf(msg, sizeof(msg), "SSH authorized keys %s %s: a previous tenant's key may "
			"still log in", p, what);
		return add_reason(r, "bmc.ssh_key_added", FWG_CHANGE_CRITICAL, c->path, msg);
	}
	if (p && is_network_config(p)) {
		snprintf(msg, sizeof(msg), "network configuration %s %s", p, what);
		return add_reason(r, "bmc.network_config_changed", FWG_CHANGE_WARNING, c->path, msg);
	}
	if (p && is_service_config(p)) {
		snprintf(msg, sizeof(msg), "service configuration %s %s", p, what);
		return add_reason(r, "bmc.service_config_changed", c->cls, c->path, msg);
	}
	snprintf(msg, sizeof(msg), "%s (%s firmware): %s", c->reason ? c->reason : what, c->role,
		c->path);
	return add_reason(r, "firmware.drift", c->cls, c->path, msg);
}

/* A directory a tenant created in the overlay: judge each file in it,
 * so the reasons name the authorized_keys or the log, not "/home". */
static bool reasons_in_added_dir(struct fwg_reclaim *r, const struct fwg_change *dir,
		const struct fwg_manifest_image *img, bool accounts_changed)
{
	size_t root = dir->new_entry;
	for (size_t i = root + 1; i < img->entries[root].subtree_end; i++) {
		const struct fwg_manifest_entry *e = &img->entries[i];
		if (strcmp(e->type, "dir") == 0 || !(e->flags & FWG_ENTRY_UNIT))
			continue;
		struct fwg_change c = *dir;
		c.path = e->path;
		c.type = e->type;
		c.name = e->name;
		c.fs_path = e->fs_path;
		c.writable = e->fs_writable;
		c.new_entry = i;
		c.reason = NULL;
		c.cls = dir->cls < FWG_CHANGE_WARNING ? FWG_CHANGE_WARNING : dir->cls;
		char what[1024];
		snprintf(what, sizeof(what), "new file %s", e->fs_path ? e->fs_path : e->path);
		c.reason = what;
		if (!reason_from_change(r, &c, accounts_changed))
			return false;
	}
	return true;
}

static bool usable_dump(const struct fwg_baseline *dumps, struct fwg_reclaim *r, bool *ok)
{
	const struct fwg_manifest_release *rel = &dumps->releases[dumps->release_count - 1];
	bool usable = rel->image_count > 0;
	for (size_t i = 0; i < rel->image_count; i++) {
		const struct fwg_manifest_image *img = &rel->images[i];
		if (img->entry_count <= 1) {
			char msg[512];
			snprintf(msg, sizeof(msg), "no firmware structure was recognised in the %s dump %s",
				img->role, img->file);
			*ok = *ok && add_reason(r, "image.unreadable", FWG_CHANGE_CRITICAL, img->file, msg);
			usable = false;
		}
	}
	return usable;
}

static bool release_covers(const struct fwg_manifest_release *golden,
		const struct fwg_baseline *dumps)
{
	const struct fwg_manifest_release *rel = &dumps->releases[dumps->release_count - 1];
	for (size_t i = 0; i < rel->image_count; i++)
		if (!fwg_manifest_image_of(golden, rel->images[i].role))
			return false;
	return true;
}

enum fwg_status fwg_reclaim_run(const struct fwg_reclaim_input *in, struct fwg_reclaim **out,
		char *errbuf, size_t errbuf_size)
{
	*out = NULL;
	struct fwg_reclaim *r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(errbuf, errbuf_size, "out of memory");
		return FWG_NOMEM;
	}
	bool ok = true, unknown = false;
	if (!in->golden) {
		ok = add_reason(r, "baseline.untrusted", FWG_CHANGE_CRITICAL, NULL,
			in->golden_problem ? in->golden_problem : "no trusted baseline");
		unknown = true;
	} else {
		r->model = strdup(in->golden->model);
		ok = r->model != NULL;
	}
	if (!in->dumps || in->dumps->release_count == 0) {
		ok = ok && add_reason(r, "image.unreadable", FWG_CHANGE_CRITICAL, NULL,
			in->dump_problem ? in->dump_problem : "no dump to check");
		unknown = true;
	} else if (!usable_dump(in->dumps, r, &ok)) {
		unknown = true;
	}
	if (ok && !unknown) {
		bool covered = false;
		for (size_t i = 0; i < in->golden->release_count; i++)
			covered = covered || release_covers(&in->golden->releases[i], in->dumps);
		if (!covered) {
			ok = add_reason(r, "baseline.no_release", FWG_CHANGE_CRITICAL, NULL,
				"no release of the baseline has golden images for every dump given "
				"(check --bios/--bmc against the baseline's roles)");
			unknown = true;
		}
	}
	if (ok && !unknown) {
		struct fwg_diff_options opt;
		fwg_diff_options_default(&opt);
		opt.allowlist = in->allowlist;
		enum fwg_status st = fwg_diff_run(in->golden, in->dumps, &opt, &r->diff, errbuf,
			errbuf_size);
		if (st != FWG_OK) {
			fwg_reclaim_free(r);
			return st;
		}
		r->release = r->diff->release ? strdup(r->diff->release) : NULL;
		bool accounts_changed = false;
		for (size_t i = 0; i < r->diff->change_count; i++)
			if (strcmp(r->diff->changes[i].type, "account") == 0 &&
					r->diff->changes[i].cls != FWG_CHANGE_EXPECTED)
				accounts_changed = true;
		const struct fwg_manifest_release *dump_rel =
			&in->dumps->releases[in->dumps->release_count - 1];
		for (size_t i = 0; ok && i < r->diff->change_count; i++) {
			const struct fwg_change *c = &r->diff->changes[i];
			struct fwg_manifest_image *img = fwg_manifest_image_of(dump_rel, c->role);
			if (c->kind == FWG_ADDED && c->writable && img && c->new_entry != FWG_NO_ENTRY &&
					strcmp(c->type, "dir") == 0)
				ok = reasons_in_added_dir(r, c, img, accounts_changed);
			else
				ok = reason_from_change(r, c, accounts_changed);
		}
	}
	if (!ok) {
		fwg_reclaim_free(r);
		snprintf(errbuf, errbuf_size, "out of memory");
		return FWG_NOMEM;
	}
	r->verdict = unknown ? FWG_VERDICT_UNKNOWN : r->reason_count ? FWG_VERDICT_TAINTED
		: FWG_VERDICT_CLEAN;
	*out = r;
	return FWG_OK;
}
