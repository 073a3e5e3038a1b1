/*
 * facts.c - reads the policy-relevant facts out of a parsed log once:
 * Secure Boot state and mode, which events measured the PK, KEK, db and
 * dbx, the boot order, the first boot application (the boot manager) and
 * the separators of PCRs 0-7.  Learning a reference and checking a log
 * both start here, so the two can never disagree about what a log says.
 */
#include <stdio.h>
#include <string.h>

#include "../core/guid.h"
#include "reference.h"

const char *const fwg_sb_var_names[SBV_COUNT] = { "PK", "KEK", "db", "dbx", "dbt", "dbr" };

enum fwg_sb_var fwg_event_sb_var(const struct fwg_event *ev)
{
	struct fwg_uefi_variable v;
	if (ev->type != FWG_EV_EFI_VARIABLE_DRIVER_CONFIG || !fwg_event_variable(ev, &v))
		return SBV_COUNT;
	bool global = fwg_guid_eq(v.guid, fwg_efi_global_variable_guid);
	bool secdb = fwg_guid_eq(v.guid, fwg_efi_image_security_database_guid);
	if (global && fwg_variable_name_is(&v, "PK"))
		return SBV_PK;
	if (global && fwg_variable_name_is(&v, "KEK"))
		return SBV_KEK;
	for (int i = SBV_DB; i < SBV_COUNT; i++)
		if (secdb && fwg_variable_name_is(&v, fwg_sb_var_names[i]))
			return (enum fwg_sb_var)i;
	return SBV_COUNT;
}

bool fwg_event_digest_hex(const struct fwg_event *ev, uint16_t alg, char *out)
{
	for (uint32_t i = 0; i < ev->digest_count; i++) {
		if (ev->digests[i].alg != alg)
			continue;
		fwg_hex_encode(ev->digests[i].bytes, ev->digests[i].size, out);
		return true;
	}
	out[0] = 0;
	return false;
}

void fwg_sha256_hex(const uint8_t *data, size_t len, char *out)
{
	uint8_t d[32];
	if (!fwg_tpm_hash(FWG_TPM_ALG_SHA256, data, len, d))
		memset(d, 0, sizeof(d));
	fwg_hex_encode(d, sizeof(d), out);
}

uint16_t fwg_evlog_digest_alg(const struct fwg_evlog *log)
{
	for (size_t i = 0; i < log->bank_count; i++)
		if (log->banks[i].alg == FWG_TPM_ALG_SHA256)
			return FWG_TPM_ALG_SHA256;
	return log->bank_count ? log->banks[0].alg : FWG_TPM_ALG_SHA1;
}

/* A one-byte global variable's value (SecureBoot, SetupMode, ...), -1
 * when the event is not that variable or its data is not one byte. */
static int global_flag(const struct fwg_event *ev, const char *name)
{
	struct fwg_uefi_variable v;
	if (!fwg_event_variable(ev, &v) || !fwg_guid_eq(v.guid, fwg_efi_global_variable_guid) ||
			!fwg_variable_name_is(&v, name))
		return -1;
	return v.data_size >= 1 ? v.data[0] : 0;
}

static void boot_order_text(const struct fwg_event *ev, char *out, size_t size)
{
	struct fwg_uefi_variable v;
	out[0] = 0;
	if (!fwg_event_variable(ev, &v))
		return;
	size_t o = 0;
	for (size_t i = 0; i + 1 < v.data_size && o + 6 < size; i += 2)
		o += (size_t)snprintf(out + o, size - o, "%s%04X", i ? "," : "",
			v.data[i] | v.data[i + 1] << 8);
}

void fwg_log_facts(const struct fwg_evlog *log, struct fwg_log_facts *f)
{
	memset(f, 0, sizeof(*f));
	f->secure_boot = -1;
	f->secure_boot_event = f->setup_mode_event = f->audit_mode_event = -1;
	f->first_application = f->boot_order_event = -1;
	for (int i = 0; i < SBV_COUNT; i++)
		f->sb_var_event[i] = -1;
	for (int i = 0; i < 8; i++)
		f->separator[i] = -1;
	for (size_t i = 0; i < log->event_count; i++) {
		const struct fwg_event *ev = &log->events[i];
		if (ev->type == FWG_EV_SEPARATOR && ev->pcr < 8) {
			if (f->separator[ev->pcr] < 0)
				f->separator[ev->pcr] = (long)i;
			f->separator_count[ev->pcr]++;
		} else if (ev->type == FWG_EV_EFI_BOOT_SERVICES_APPLICATION) {
			if (f->first_application < 0)
				f->first_application = (long)i;
		} else if (ev->type == FWG_EV_EFI_VARIABLE_DRIVER_CONFIG && ev->pcr == 7) {
			int flag;
			enum fwg_sb_var sb = fwg_event_sb_var(ev);
			if (sb != SBV_COUNT) {
				f->sb_var_event[sb] = (long)i;
				struct fwg_uefi_variable v;
				if (sb == SBV_PK && fwg_event_variable(ev, &v) && v.data_size == 0) {
					f->setup_mode = true;
					f->setup_mode_event = (long)i;
				}
			} else if ((flag = global_flag(ev, "SecureBoot")) >= 0) {
				f->secure_boot = flag ? 1 : 0;
				f->secure_boot_event = (long)i;
			} else if ((flag = global_flag(ev, "SetupMode")) >= 0) {
				if (flag) {
					f->setup_mode = true;
					f->setup_mode_event = (long)i;
				}
			} else if ((flag = global_flag(ev, "AuditMode")) >= 0) {
				if (flag) {
					f->audit_mode = true;
					f->audit_mode_event = (long)i;
				}
			}
		} else if ((ev->type == FWG_EV_EFI_VARIABLE_BOOT || ev->type == FWG_EV_EFI_VARIABLE_BOOT2) &&
				f->boot_order_event < 0) {
			struct fwg_uefi_variable v;
			if (fwg_event_variable(ev, &v) && fwg_variable_name_is(&v, "BootOrder")) {
				f->boot_order_event = (long)i;
				boot_order_text(ev, f->boot_order, sizeof(f->boot_order));
			}
		}
	}
}

void fwg_event_data_sha256_hex(const struct fwg_event *ev, char *out)
{
	/* For EV_EFI_VARIABLE_DRIVER_CONFIG the parser already proved a
	 * matching SHA-256 digest equal to the hash of the whole data: no
	 * need to hash kilobytes of keys again. */
	if (ev->type == FWG_EV_EFI_VARIABLE_DRIVER_CONFIG && (ev->flags & FWG_EVENT_DIGEST_CHECKED))
		for (uint32_t i = 0; i < ev->digest_count; i++)
			if (ev->digests[i].alg == FWG_TPM_ALG_SHA256 &&
					!(ev->mismatch_algs_mask & (1u << i))) {
				(void)fwg_event_digest_hex(ev, FWG_TPM_ALG_SHA256, out);
				return;
			}
	fwg_sha256_hex(ev->data, ev->data_size, out);
}
