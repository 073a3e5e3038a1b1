/*
 * policy.c - `eventlog check`: judges one log against its model's
 * reference and explains every deviation, naming the PCR, the event and
 * the boot phase (docs/eventlog.md lists the rules).
 *
 * Specific rules run first (Secure Boot state and databases, drivers and
 * option ROMs, boot applications and manager, firmware blobs and S-CRTM
 * version, boot order, separators); then any other measurement of PCRs
 * 0-9 the reference never saw is reported once, so every changed PCR is
 * explained by at least one finding and no event by two.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/guid.h"
#include "reference.h"

static const char *const severity_names[] = { "info", "low", "medium", "high", "critical" };

const char *fwg_ev_severity_name(enum fwg_ev_severity s)
{
	return (unsigned)s <= FWG_EV_CRITICAL ? severity_names[s] : "?";
}

bool fwg_ev_severity_parse(const char *text, enum fwg_ev_severity *out)
{
	for (int i = 0; i <= FWG_EV_CRITICAL; i++)
		if (strcmp(text, severity_names[i]) == 0) {
			*out = (enum fwg_ev_severity)i;
			return true;
		}
	return false;
}

struct checker {
	const struct fwg_evlog *log;
	struct fwg_evref *ref;
	const struct fwg_evcheck_options *opt;
	struct fwg_evcheck *res;
	struct fwg_log_facts facts;
	uint8_t *explained; /* per event: a specific rule already reported it */
	bool nomem;
};

static long last_event_of(const struct fwg_evlog *log, unsigned pcr)
{
	for (size_t i = log->event_count; i-- > 0;)
		if (log->events[i].pcr == pcr && log->events[i].type != FWG_EV_NO_ACTION)
			return (long)i;
	return -1;
}

static void report(struct checker *c, const char *rule, enum fwg_ev_severity sev, int pcr, long event,
		const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void report(struct checker *c, const char *rule, enum fwg_ev_severity sev, int pcr, long event,
		const char *fmt, ...)
{
	struct fwg_evcheck *r = c->res;
	if (r->count == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 16;
		struct fwg_ev_finding *n = realloc(r->findings, ncap * sizeof(*n));
		if (!n) {
			c->nomem = true;
			return;
		}
		r->findings = n;
		r->cap = ncap;
	}
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	struct fwg_ev_finding *f = &r->findings[r->count];
	f->phase = FWG_PHASE_SEC;
	if (!(f->message = strdup(msg))) {
		c->nomem = true;
		return;
	}
	f->rule = rule;
	f->severity = sev;
	f->pcr = pcr;
	f->event = event;
	/* Not about one event: the phase of the PCR's last event. */
	long at = event >= 0 ? event : pcr >= 0 ? last_event_of(c->log, (unsigned)pcr) : -1;
	if (at >= 0)
		f->phase = c->log->events[at].phase;
	r->count++;
	if (event >= 0)
		c->explained[event] = 1;
}

static const struct fwg_event *event_at(const struct checker *c, long i)
{
	return &c->log->events[i];
}

/* A short description of what an event measured, for messages. */
static void describe(const struct fwg_event *ev, char *out, size_t size)
{
	const char *type = fwg_event_type_name(ev->type);
	struct fwg_uefi_variable v;
	struct fwg_image_load img;
	out[0] = 0;
	if ((ev->type == FWG_EV_EFI_BOOT_SERVICES_APPLICATION || ev->type == FWG_EV_EFI_BOOT_SERVICES_DRIVER ||
			ev->type == FWG_EV_EFI_RUNTIME_SERVICES_DRIVER) && fwg_event_image_load(ev, &img)) {
		char *path = fwg_device_path_text(img.device_path, img.device_path_size);
		snprintf(out, size, "%s %s", type, path ? path : "?");
		free(path);
	} else if ((ev->type == FWG_EV_EFI_VARIABLE_DRIVER_CONFIG || ev->type == FWG_EV_EFI_VARIABLE_BOOT ||
			ev->type == FWG_EV_EFI_VARIABLE_BOOT2 || ev->type == FWG_EV_EFI_VARIABLE_AUTHORITY) &&
			fwg_event_variable(ev, &v)) {
		char name[64];
		snprintf(out, size, "%s %s", type ? type : "event", fwg_variable_name(&v, name, sizeof(name)));
	} else if (ev->type == FWG_EV_IPL || ev->type == FWG_EV_EFI_ACTION || ev->type == FWG_EV_ACTION ||
			ev->type == FWG_EV_POST_CODE || ev->type == FWG_EV_S_CRTM_VERSION) {
		size_t o = (size_t)snprintf(out, size, "%s \"", type);
		/* Printable ASCII only; UCS-2 text drops its zero bytes. */
		for (uint32_t i = 0; i < ev->data_size && o + 5 < size && i < 160; i++) {
			uint8_t ch = ev->data[i];
			if (ch >= 0x20 && ch < 0x7f && ch != '"')
				out[o++] = (char)ch;
		}
		snprintf(out + o, size - o, "\"");
	} else if ((ev->type == FWG_EV_EFI_PLATFORM_FIRMWARE_BLOB || ev->type == FWG_EV_EFI_PLATFORM_FIRMWARE_BLOB2) &&
			ev->data_size >= 16) {
		/* BLOB: u64 base, u64 length; BLOB2: u8 n, description[n], base, length. */
		size_t at = ev->type == FWG_EV_EFI_PLATFORM_FIRMWARE_BLOB ? 0 : (size_t)ev->data[0] + 1;
		uint64_t base = 0, len = 0;
		if (at + 16 <= ev->data_size)
			for (int k = 7; k >= 0; k--) {
				base = base << 8 | ev->data[at + (size_t)k];
				len = len << 8 | ev->data[at + 8 + (size_t)k];
			}
		snprintf(out, size, "%s at 0x%llx (%llu bytes)", type, (unsigned long long)base,
			(unsigned long long)len);
	} else if (ev->type == FWG_EV_EVENT_TAG && ev->data_size >= 8) {
		/* TCG_PCClientTaggedEvent: u32 id, u32 size, data. */
		uint32_t id = (uint32_t)ev->data[0] | (uint32_t)ev->data[1] << 8 | (uint32_t)ev->data[2] << 16 |
			(uint32_t)ev->data[3] << 24;
		const char *what = id == 0x8F3B22ECu ? "Linux initrd" :
			id == 0x8F3B22EDu ? "kernel command line (LoadOptions)" : "tagged event";
		size_t o = (size_t)snprintf(out, size, "%s %s 0x%08x \"", type, what, id);
		for (uint32_t i = 8; i < ev->data_size && o + 5 < size && i < 328; i++) {
			uint8_t ch = ev->data[i];
			if (ch >= 0x20 && ch < 0x7f && ch != '"')
				out[o++] = (char)ch;
		}
		snprintf(out + o, size - o, "\"");
	} else {
		snprintf(out, size, "%s (%u bytes)", type ? type : "unknown event", ev->data_size);
	}
}

static bool known(struct checker *c, enum fwg_ref_set set, const struct fwg_event *ev, char *hex)
{
	return fwg_event_digest_hex(ev, c->ref->digest_alg, hex) && fwg_strset_has(&c->ref->sets[set], hex);
}

/* ---- log integrity --------------------------------------------------------- */

static bool known_quirk(const struct fwg_event *ev)
{
	struct fwg_uefi_variable v;
	/* systemd-boot logs its UCS-2 command line in PCR 8 but hashes another form. */
	if (ev->type == FWG_EV_IPL && ev->data_size >= 2 && ev->data[1] == 0)
		return true;
	/* Old shim hashes its vendor certificate authority differently. */
	return ev->type == FWG_EV_EFI_VARIABLE_AUTHORITY && fwg_event_variable(ev, &v) &&
		fwg_variable_name_is(&v, "Shim");
}

static void check_integrity(struct checker *c)
{
	const struct fwg_evlog *log = c->log;
	if (log->stop_reason)
		report(c, "log.truncated", FWG_EV_HIGH, -1, -1,
			"the log is damaged after event %zu: %s; the events after it cannot be checked",
			log->event_count ? log->event_count - 1 : 0, log->stop_reason);
	for (size_t i = 0; i < log->event_count; i++) {
		const struct fwg_event *ev = &log->events[i];
		if (!(ev->flags & FWG_EVENT_DIGEST_MISMATCH))
			continue;
		char what[256];
		describe(ev, what, sizeof(what));
		if (known_quirk(ev))
			report(c, "log.digest_mismatch", FWG_EV_LOW, (int)ev->pcr, (long)i,
				"%s: the digest does not match the event data, a known quirk of this boot "
				"component (the PCR replay still holds it to account)", what);
		else
			report(c, "log.digest_mismatch", FWG_EV_CRITICAL, (int)ev->pcr, (long)i,
				"%s: the logged digest is not the hash of the event data: the log was edited "
				"or the firmware measured something other than it logged", what);
	}
}


static void check_replay(struct checker *c, const struct fwg_pcr_set *replayed)
{
	if (!c->opt || !c->opt->pcrs)
		return;
	uint32_t mask = c->opt->pcr_mask;
	struct fwg_pcr_mismatch mm[FWG_PCR_COUNT * FWG_EVLOG_MAX_BANKS];
	size_t compared, n = fwg_pcr_set_compare(replayed, c->opt->pcrs, mask, mm,
		sizeof(mm) / sizeof(mm[0]), &compared);
	if (!compared)
		report(c, "log.replay_unverified", FWG_EV_HIGH, -1, -1,
			"the PCR values given share no bank and PCR with the log: nothing could be compared");
	for (size_t i = 0; i < n && i < sizeof(mm) / sizeof(mm[0]); i++) {
		long last = last_event_of(c->log, mm[i].pcr);
		report(c, "log.replay_mismatch", FWG_EV_CRITICAL, mm[i].pcr, last,
			"PCR %u (%s) of the TPM is not what the log replays to: the log does not describe this "
			"boot (tampered, truncated or from another boot)%s", mm[i].pcr,
			fwg_tpm_alg_name(mm[i].alg), last >= 0 ? "; the last logged event of this PCR is named" : "");
	}
}

/* ---- Secure Boot ----------------------------------------------------------- */

static void check_secure_boot_state(struct checker *c)
{
	const struct fwg_log_facts *f = &c->facts;
	bool required = c->ref->require_secure_boot;
	if (f->secure_boot == 0)
		report(c, "secureboot.disabled", required ? FWG_EV_HIGH : FWG_EV_LOW, 7, f->secure_boot_event,
			"Secure Boot is disabled%s", required ? ": unsigned boot code can run"
			: " (as in the known-good boots of this model)");
	else if (f->secure_boot < 0 && required)
		report(c, "secureboot.not_measured", FWG_EV_HIGH, 7, -1,
			"the SecureBoot variable was not measured, so Secure Boot cannot be shown to be on");
	const char *state = f->secure_boot < 0 ? "unknown" : f->secure_boot ? "on" : "off";
	if (c->ref->sets[REF_SB_STATES].count && !fwg_strset_has(&c->ref->sets[REF_SB_STATES], state)) {
		if (f->secure_boot == 1)
			report(c, "secureboot.state_changed", FWG_EV_MEDIUM, 7, f->secure_boot_event,
				"Secure Boot is on, but the known-good boots of this model had it off: the "
				"reference does not describe this configuration");
		else if (f->secure_boot_event >= 0)
			c->explained[f->secure_boot_event] = 1; /* reported as disabled below */
	} else if (f->secure_boot_event >= 0) {
		c->explained[f->secure_boot_event] = 1;
	}
	if (f->setup_mode)
		report(c, "secureboot.setup_mode", required ? FWG_EV_HIGH : FWG_EV_LOW, 7, f->setup_mode_event,
			"Secure Boot is in setup mode (no platform key): anyone can enroll keys");
	if (f->audit_mode)
		report(c, "secureboot.audit_mode", FWG_EV_HIGH, 7, f->audit_mode_event,
			"Secure Boot is in audit mode: image verification failures are logged, not enforced");
}

struct entry_diff {
	struct fwg_strset *ref_entries;
	const struct fwg_allowlist *allow;
	const char *var;
	size_t total, added, added_allowed;
	struct fwg_strset seen;
	char first_added[65];
	char first_owner[FWG_GUID_TEXT_LEN];
};

static void diff_entry(void *ctx, const uint8_t *type, const uint8_t *owner, const uint8_t *sig,
		size_t size)
{
	(void)type;
	struct entry_diff *d = ctx;
	char hex[65], own[FWG_GUID_TEXT_LEN];
	fwg_sha256_hex(sig, size, hex);
	fwg_guid_format(owner, own);
	d->total++;
	(void)fwg_strset_add(&d->seen, hex);
	if (fwg_strset_has(d->ref_entries, hex))
		return;
	if (!d->added) {
		memcpy(d->first_added, hex, sizeof(hex));
		memcpy(d->first_owner, own, sizeof(own));
	}
	d->added++;
	if (fwg_allowlist_permits(d->allow, d->var, own, hex))
		d->added_allowed++;
}

static const char *const sb_rules[SBV_COUNT] = {
	"secureboot.pk_changed", "secureboot.kek_changed", "secureboot.db_changed",
	"secureboot.dbx_changed", "secureboot.dbt_changed", "secureboot.dbr_changed",
};

static void check_secure_boot_variables(struct checker *c)
{
	for (int v = 0; v < SBV_COUNT; v++) {
		long i = c->facts.sb_var_event[v];
		if (i < 0)
			continue;
		struct fwg_uefi_variable var;
		if (!fwg_event_variable(event_at(c, i), &var))
			continue;
		char sha[65];
		fwg_event_data_sha256_hex(event_at(c, i), sha);
		c->explained[i] = 1; /* judged here, whatever the verdict */
		if (fwg_strset_has(&c->ref->sb_var[v], sha))
			continue;
		const char *name = fwg_sb_var_names[v];
		struct entry_diff d = { &c->ref->sb_entries[v], c->opt ? c->opt->allowlist : NULL, name };
		bool lists = fwg_signature_lists_walk(var.data, var.data_size, diff_entry, &d);
		/* Entries of the reference gone from this log: only countable
		 * when the reference knows exactly one content. */
		size_t removed = 0;
		if (lists && c->ref->sb_var[v].count == 1)
			for (size_t k = 0; k < c->ref->sb_entries[v].count; k++)
				removed += !fwg_strset_has(&d.seen, c->ref->sb_entries[v].items[k]);
		fwg_strset_clear(&d.seen);
		if (!lists) {
			report(c, sb_rules[v], FWG_EV_CRITICAL, 7, i,
				"%s holds %zu bytes that are not valid signature lists and differ from the reference",
				name, var.data_size);
		} else if (v == SBV_DBX && removed) {
			report(c, sb_rules[v], FWG_EV_CRITICAL, 7, i,
				"dbx lost %zu revoked signature(s) the reference has: a rollback that re-allows "
				"revoked boot code", removed);
		} else if (d.added && d.added == d.added_allowed && !removed) {
			report(c, sb_rules[v], FWG_EV_INFO, 7, i,
				"%s gained %zu signature(s), all on the key-rotation allowlist: an expected vendor update",
				name, d.added);
		} else if (v == SBV_DBX && !removed) {
			report(c, sb_rules[v], FWG_EV_HIGH, 7, i,
				"dbx gained %zu signature(s) not on the key-rotation allowlist (first: %s, owner %s); "
				"if this is a vendor dbx update, allowlist it", d.added, d.first_added, d.first_owner);
		} else if (!c->ref->sb_var[v].count && !c->ref->sb_entries[v].count) {
			report(c, sb_rules[v], FWG_EV_CRITICAL, 7, i,
				"%s is enrolled (%zu signature(s)) but the known-good boots of this model had none",
				name, d.total);
		} else {
			report(c, sb_rules[v], FWG_EV_CRITICAL, 7, i,
				"%s differs from the reference: %zu signature(s) added%s%s%s, %zu removed", name,
				d.added, d.added ? " (first: " : "", d.added ? d.first_added : "", d.added ? ")" : "",
				removed);
		}
	}
	/* A variable the reference has but this log never measured. */
	for (int v = 0; v < SBV_COUNT; v++)
		if (c->facts.sb_var_event[v] < 0 && c->ref->sb_var[v].count)
			report(c, sb_rules[v], FWG_EV_HIGH, 7, -1, "%s was not measured, but every "
				"known-good boot of this model measured it", fwg_sb_var_names[v]);
}

/* ---- code and configuration ------------------------------------------------ */

static void check_events(struct checker *c)
{
	char hex[2 * FWG_DIGEST_MAX + 1], what[512];
	for (size_t n = 0; n < c->log->event_count; n++) {
		long i = (long)n;
		const struct fwg_event *ev = event_at(c, i);
		if (ev->type == FWG_EV_NO_ACTION || (ev->flags & FWG_EVENT_HEADER) || c->explained[i])
			continue;
		switch (ev->type) {
		case FWG_EV_S_CRTM_VERSION:
			if (!known(c, REF_SCRTM, ev, hex)) {
				describe(ev, what, sizeof(what));
				report(c, "firmware.scrtm_version_changed", FWG_EV_HIGH, (int)ev->pcr, i,
					"the firmware's S-CRTM version changed: %s is not a known-good version", what);
			}
			c->explained[i] = 1;
			break;
		case FWG_EV_EFI_PLATFORM_FIRMWARE_BLOB:
		case FWG_EV_EFI_PLATFORM_FIRMWARE_BLOB2:
		case FWG_EV_POST_CODE:
		case FWG_EV_S_CRTM_CONTENTS:
			if (ev->pcr != 0)
				break;
			if (!known(c, REF_BLOBS, ev, hex)) {
				describe(ev, what, sizeof(what));
				report(c, "firmware.blob_changed", FWG_EV_CRITICAL, 0, i,
					"platform firmware code changed: %s measured %s, which no known-good boot of "
					"this model had", what, hex);
			}
			c->explained[i] = 1;
			break;
		case FWG_EV_EFI_BOOT_SERVICES_DRIVER:
		case FWG_EV_EFI_RUNTIME_SERVICES_DRIVER:
			if (!known(c, REF_DRIVERS, ev, hex)) {
				describe(ev, what, sizeof(what));
				if (ev->pcr == 2)
					report(c, "boot.unknown_option_rom", FWG_EV_CRITICAL, 2, i,
						"an unknown option ROM or add-in driver ran: %s (%s)", what, hex);
				else
					report(c, "boot.unknown_driver", FWG_EV_CRITICAL, (int)ev->pcr, i,
						"an unknown firmware driver ran: %s (%s)", what, hex);
			}
			c->explained[i] = 1;
			break;
		case FWG_EV_EFI_BOOT_SERVICES_APPLICATION:
			if (i == c->facts.first_application) {
				if (!known(c, REF_BOOT_MANAGER, ev, hex)) {
					describe(ev, what, sizeof(what));
					report(c, "boot.manager_changed", FWG_EV_HIGH, (int)ev->pcr, i,
						"the firmware started an unexpected boot manager: %s (%s)", what, hex);
				}
			} else if (!known(c, REF_APPS, ev, hex)) {
				describe(ev, what, sizeof(what));
				report(c, "boot.unknown_application", FWG_EV_HIGH, (int)ev->pcr, i,
					"an unknown boot application ran: %s (%s)", what, hex);
			}
			c->explained[i] = 1;
			break;
		case FWG_EV_EFI_VARIABLE_AUTHORITY:
			if (ev->pcr == 7 && fwg_event_digest_hex(ev, c->ref->digest_alg, hex) &&
					!fwg_strset_has(&c->ref->pcr_events[7], hex)) {
				describe(ev, what, sizeof(what));
				report(c, "secureboot.unknown_authority", FWG_EV_HIGH, 7, i,
					"boot code was admitted by a signature no known-good boot relied on: %s", what);
			}
			c->explained[i] = 1;
			break;
		default:
			break;
		}
	}
	if (c->facts.boot_order_event >= 0 &&
			!fwg_strset_has(&c->ref->sets[REF_BOOT_ORDER], c->facts.boot_order)) {
		long i = c->facts.boot_order_event;
		report(c, "boot.order_changed", FWG_EV_MEDIUM, (int)event_at(c, i)->pcr, i,
			"the boot order is %s, which no known-good boot of this model had", c->facts.boot_order);
	}
}

/* ---- separators ------------------------------------------------------------ */

/* Event types that legitimately follow the separator of a PCR. */
static bool allowed_after_separator(unsigned pcr, uint32_t type)
{
	switch (pcr) {
	case 4:
		return type == FWG_EV_EFI_BOOT_SERVICES_APPLICATION || type == FWG_EV_EFI_ACTION;
	case 5:
		return type == FWG_EV_EFI_ACTION || type == FWG_EV_EFI_GPT_EVENT;
	case 7:
		return type == FWG_EV_EFI_VARIABLE_AUTHORITY;
	default:
		return false;
	}
}

static void check_separators(struct checker *c)
{
	const struct fwg_log_facts *f = &c->facts;
	for (unsigned pcr = 0; pcr < 8; pcr++) {
		long s = f->separator[pcr];
		if (s < 0) {
			report(c, "separator.missing", FWG_EV_HIGH, (int)pcr, -1,
				"PCR %u has no separator: the firmware never marked the end of its pre-boot "
				"measurements", pcr);
			continue;
		}
		const struct fwg_event *ev = event_at(c, s);
		uint32_t value = 0;
		if (ev->data_size == 4)
			value = (uint32_t)ev->data[0] | (uint32_t)ev->data[1] << 8 |
				(uint32_t)ev->data[2] << 16 | (uint32_t)ev->data[3] << 24;
		if (ev->data_size != 4 || value != 0)
			report(c, "separator.error", FWG_EV_HIGH, (int)pcr, s,
				"the separator of PCR %u signals a pre-boot error (value 0x%08x)", pcr, value);
		if (f->separator_count[pcr] > 1)
			report(c, "separator.duplicate", FWG_EV_LOW, (int)pcr, s,
				"PCR %u has %u separators", pcr, f->separator_count[pcr]);
		c->explained[s] = 1;
	}
	for (size_t n = 0; n < c->log->event_count; n++) {
		const struct fwg_event *ev = event_at(c, (long)n);
		if (ev->pcr >= 8 || f->separator[ev->pcr] < 0 || (long)n <= f->separator[ev->pcr] ||
				ev->type == FWG_EV_NO_ACTION || ev->type == FWG_EV_SEPARATOR)
			continue;
		const char *t = fwg_event_type_name(ev->type);
		if (allowed_after_separator(ev->pcr, ev->type) ||
				fwg_strset_has(&c->ref->after_separator[ev->pcr], t ? t : "unknown"))
			continue;
		char what[512];
		describe(ev, what, sizeof(what));
		report(c, "measurement.after_separator", FWG_EV_HIGH, (int)ev->pcr, (long)n,
			"%s was measured into PCR %u after its separator, when only the OS loader should run",
			what, ev->pcr);
	}
}

/* ---- everything else ------------------------------------------------------- */

static void check_unknown_measurements(struct checker *c)
{
	char hex[2 * FWG_DIGEST_MAX + 1], what[512];
	for (size_t n = 0; n < c->log->event_count; n++) {
		const struct fwg_event *ev = event_at(c, (long)n);
		if (c->explained[n] || ev->type == FWG_EV_NO_ACTION || (ev->flags & FWG_EVENT_HEADER) ||
				ev->pcr >= FWG_REF_LOADER_PCRS)
			continue;
		if (!fwg_event_digest_hex(ev, c->ref->digest_alg, hex) ||
				fwg_strset_has(&c->ref->pcr_events[ev->pcr], hex))
			continue;
		uint32_t tag = ev->type == FWG_EV_EVENT_TAG && ev->data_size >= 4 ? ((uint32_t)ev->data[0] |
			(uint32_t)ev->data[1] << 8 | (uint32_t)ev->data[2] << 16 | (uint32_t)ev->data[3] << 24) : 0;
		if (tag == 0x8F3B22EDu) {
			report(c, "loader.cmdline_changed", FWG_EV_MEDIUM, (int)ev->pcr, (long)n,
				"the kernel command line differs from every known-good boot of this model (the "
				"Linux EFI stub measures its LoadOptions into PCR %u)", ev->pcr);
			continue;
		}
		if (tag == 0x8F3B22ECu) {
			report(c, "loader.initrd_changed", FWG_EV_MEDIUM, (int)ev->pcr, (long)n,
				"the initrd differs from every known-good boot of this model (measured by the "
				"Linux EFI stub into PCR %u)", ev->pcr);
			continue;
		}
		describe(ev, what, sizeof(what));
		const char *rule = ev->pcr >= 8 ? "loader.unknown_measurement" : "measurement.unknown";
		report(c, rule, FWG_EV_MEDIUM, (int)ev->pcr, (long)n,
			"PCR %u measured something no known-good boot of this model did: %s", ev->pcr, what);
	}
}

static bool pcrs_known(struct checker *c, const struct fwg_pcr_set *replayed)
{
	const struct fwg_pcr_bank *b = fwg_pcr_set_bank(replayed, c->ref->digest_alg);
	int slot = -1;
	for (size_t i = 0; i < c->ref->pcr_bank_count; i++)
		if (c->ref->pcr_algs[i] == c->ref->digest_alg)
			slot = (int)i;
	if (!b || slot < 0)
		return false;
	for (unsigned p = 0; p < 8; p++) {
		char hex[2 * FWG_DIGEST_MAX + 1];
		fwg_hex_encode(b->value[p], b->size, hex);
		if (!fwg_strset_has(&c->ref->pcrs[slot][p], hex))
			return false;
	}
	return true;
}

enum fwg_status fwg_evlog_check(const struct fwg_evlog *log, const struct fwg_evref *ref,
		const struct fwg_evcheck_options *opt, struct fwg_evcheck *res, char *errbuf,
		size_t errbuf_size)
{
	memset(res, 0, sizeof(*res));
	struct checker c = { log, (struct fwg_evref *)ref, opt, res, { 0 }, NULL, false };
	c.explained = calloc(log->event_count ? log->event_count : 1, 1);
	if (!c.explained) {
		snprintf(errbuf, errbuf_size, "out of memory");
		return FWG_NOMEM;
	}
	struct fwg_pcr_set replayed;
	if (fwg_evlog_replay(log, &replayed, errbuf, errbuf_size) != FWG_OK) {
		free(c.explained);
		return FWG_UNSUPPORTED;
	}
	fwg_log_facts(log, &c.facts);
	check_integrity(&c);
	check_replay(&c, &replayed);
	check_secure_boot_state(&c);
	check_secure_boot_variables(&c);
	check_events(&c);
	check_separators(&c);
	check_unknown_measurements(&c);
	res->known_pcrs = pcrs_known(&c, &replayed);
	free(c.explained);
	if (c.nomem) {
		fwg_evcheck_clear(res);
		snprintf(errbuf, errbuf_size, "out of memory");
		return FWG_NOMEM;
	}
	enum fwg_ev_severity fail_on = opt ? opt->fail_on : FWG_EV_MEDIUM;
	res->pass = true;
	for (size_t i = 0; i < res->count; i++)
		if (res->findings[i].severity >= fail_on)
			res->pass = false;
	return FWG_OK;
}

void fwg_evcheck_clear(struct fwg_evcheck *res)
{
	for (size_t i = 0; i < res->count; i++)
		free(res->findings[i].message);
	free(res->findings);
	memset(res, 0, sizeof(*res));
}
