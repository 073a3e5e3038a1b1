/*
 * reference.c - per-model reference values learned from known-good logs,
 * and their JSON form ("fwguard-eventlog-reference", docs/eventlog.md).
 *
 * A reference is a collection of value sets: every S-CRTM version,
 * firmware blob, driver, application, boot manager and boot order a
 * known-good boot measured, the Secure Boot variables and their
 * signatures, the event digests of PCRs 0-9, the event types that may
 * follow each separator, and the final PCR values.  Learning only adds to
 * sets, so merging references of several known-good boots is the union.
 * The JSON is written canonically (sorted keys, sorted sets) so that a
 * reference can be diffed, reviewed and signed like a baseline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "reference.h"

static const char *const set_keys[REF_SET_COUNT] = {
	[REF_SCRTM] = "scrtm_versions",
	[REF_BLOBS] = "firmware_blobs",
	[REF_DRIVERS] = "drivers",
	[REF_APPS] = "applications",
	[REF_BOOT_MANAGER] = "boot_managers",
	[REF_BOOT_ORDER] = "boot_orders",
	[REF_SB_STATES] = "secure_boot_states",
};

enum fwg_status fwg_evref_new(const char *model, struct fwg_evref **out)
{
	*out = NULL;
	struct fwg_evref *ref = calloc(1, sizeof(*ref));
	if (!ref || !(ref->model = strdup(model ? model : ""))) {
		free(ref);
		return FWG_NOMEM;
	}
	*out = ref;
	return FWG_OK;
}

void fwg_evref_free(struct fwg_evref *ref)
{
	if (!ref)
		return;
	for (int i = 0; i < REF_SET_COUNT; i++)
		fwg_strset_clear(&ref->sets[i]);
	for (int i = 0; i < SBV_COUNT; i++) {
		fwg_strset_clear(&ref->sb_var[i]);
		fwg_strset_clear(&ref->sb_entries[i]);
	}
	for (int i = 0; i < FWG_REF_LOADER_PCRS; i++)
		fwg_strset_clear(&ref->pcr_events[i]);
	for (int i = 0; i < 8; i++)
		fwg_strset_clear(&ref->after_separator[i]);
	for (size_t b = 0; b < FWG_EVLOG_MAX_BANKS; b++)
		for (int p = 0; p < FWG_PCR_COUNT; p++)
			fwg_strset_clear(&ref->pcrs[b][p]);
	fwg_strset_clear(&ref->labels);
	free(ref->model);
	free(ref);
}

const char *fwg_evref_model(const struct fwg_evref *ref)
{
	return ref->model;
}

size_t fwg_evref_log_count(const struct fwg_evref *ref)
{
	return ref->logs;
}

void fwg_evref_require_secure_boot(struct fwg_evref *ref, bool required)
{
	ref->require_secure_boot = required;
}

static int pcr_bank_slot(struct fwg_evref *ref, uint16_t alg, bool create)
{
	for (size_t i = 0; i < ref->pcr_bank_count; i++)
		if (ref->pcr_algs[i] == alg)
			return (int)i;
	if (!create || ref->pcr_bank_count == FWG_EVLOG_MAX_BANKS)
		return -1;
	ref->pcr_algs[ref->pcr_bank_count] = alg;
	return (int)ref->pcr_bank_count++;
}

struct entry_ctx {
	struct fwg_strset *set;
	bool ok;
};

static void add_entry(void *ctx, const uint8_t *type, const uint8_t *owner, const uint8_t *sig,
		size_t size)
{
	(void)type;
	(void)owner;
	struct entry_ctx *e = ctx;
	char hex[65];
	fwg_sha256_hex(sig, size, hex);
	e->ok &= fwg_strset_add(e->set, hex);
}

static bool add_label(struct fwg_evref *ref, const char *digest, const struct fwg_event *ev)
{
	struct fwg_image_load img;
	if (!fwg_event_image_load(ev, &img))
		return true;
	char *path = fwg_device_path_text(img.device_path, img.device_path_size);
	if (!path)
		return false;
	size_t n = strlen(digest) + strlen(path) + 2;
	char *label = malloc(n);
	bool ok = label != NULL;
	if (ok) {
		snprintf(label, n, "%s\t%s", digest, path);
		ok = fwg_strset_add(&ref->labels, label);
	}
	free(label);
	free(path);
	return ok;
}

enum fwg_status fwg_evref_add_log(struct fwg_evref *ref, const struct fwg_evlog *log, char *errbuf,
		size_t errbuf_size)
{
	uint16_t alg = fwg_evlog_digest_alg(log);
	if (ref->logs && ref->digest_alg != alg) {
		snprintf(errbuf, errbuf_size, "this log identifies events by %s, the reference by %s: "
			"logs of one model must have the same PCR banks", fwg_tpm_alg_name(alg),
			fwg_tpm_alg_name(ref->digest_alg));
		return FWG_MALFORMED;
	}
	ref->digest_alg = alg;
	struct fwg_log_facts f;
	fwg_log_facts(log, &f);
	bool ok = true;
	char hex[2 * FWG_DIGEST_MAX + 1];
	for (size_t i = 0; i < log->event_count; i++) {
		const struct fwg_event *ev = &log->events[i];
		if (ev->type == FWG_EV_NO_ACTION || (ev->flags & FWG_EVENT_HEADER) ||
				!fwg_event_digest_hex(ev, alg, hex))
			continue;
		if (ev->pcr < FWG_REF_LOADER_PCRS)
			ok &= fwg_strset_add(&ref->pcr_events[ev->pcr], hex);
		if (ev->pcr < 8 && f.separator[ev->pcr] >= 0 && (long)i > f.separator[ev->pcr]) {
			const char *t = fwg_event_type_name(ev->type);
			ok &= fwg_strset_add(&ref->after_separator[ev->pcr], t ? t : "unknown");
		}
		switch (ev->type) {
		case FWG_EV_S_CRTM_VERSION:
			ok &= fwg_strset_add(&ref->sets[REF_SCRTM], hex);
			break;
		case FWG_EV_EFI_PLATFORM_FIRMWARE_BLOB:
		case FWG_EV_EFI_PLATFORM_FIRMWARE_BLOB2:
		case FWG_EV_POST_CODE:
		case FWG_EV_S_CRTM_CONTENTS:
			if (ev->pcr == 0)
				ok &= fwg_strset_add(&ref->sets[REF_BLOBS], hex);
			break;
		case FWG_EV_EFI_BOOT_SERVICES_DRIVER:
		case FWG_EV_EFI_RUNTIME_SERVICES_DRIVER:
			ok &= fwg_strset_add(&ref->sets[REF_DRIVERS], hex) && add_label(ref, hex, ev);
			break;
		case FWG_EV_EFI_BOOT_SERVICES_APPLICATION:
			ok &= fwg_strset_add(&ref->sets[REF_APPS], hex) && add_label(ref, hex, ev);
			if ((long)i == f.first_application)
				ok &= fwg_strset_add(&ref->sets[REF_BOOT_MANAGER], hex);
			break;
		default:
			break;
		}
	}
	for (int v = 0; v < SBV_COUNT; v++) {
		if (f.sb_var_event[v] < 0)
			continue;
		struct fwg_uefi_variable var;
		if (!fwg_event_variable(&log->events[f.sb_var_event[v]], &var))
			continue;
		char sha[65];
		fwg_event_data_sha256_hex(&log->events[f.sb_var_event[v]], sha);
		ok &= fwg_strset_add(&ref->sb_var[v], sha);
		struct entry_ctx e = { &ref->sb_entries[v], true };
		(void)fwg_signature_lists_walk(var.data, var.data_size, add_entry, &e);
		ok &= e.ok;
	}
	if (f.boot_order_event >= 0)
		ok &= fwg_strset_add(&ref->sets[REF_BOOT_ORDER], f.boot_order);
	ok &= fwg_strset_add(&ref->sets[REF_SB_STATES],
		f.secure_boot < 0 ? "unknown" : f.secure_boot ? "on" : "off");
	struct fwg_pcr_set pcrs;
	if (fwg_evlog_replay(log, &pcrs, errbuf, errbuf_size) != FWG_OK)
		return FWG_UNSUPPORTED;
	for (size_t b = 0; b < pcrs.bank_count; b++) {
		int slot = pcr_bank_slot(ref, pcrs.banks[b].alg, true);
		if (slot < 0)
			continue;
		for (int p = 0; p < FWG_PCR_COUNT; p++) {
			fwg_hex_encode(pcrs.banks[b].value[p], pcrs.banks[b].size, hex);
			ok &= fwg_strset_add(&ref->pcrs[slot][p], hex);
		}
	}
	if (!ok) {
		snprintf(errbuf, errbuf_size, "out of memory");
		return FWG_NOMEM;
	}
	ref->logs++;
	/* Secure Boot is required when every known-good boot had it on. */
	struct fwg_strset *states = &ref->sets[REF_SB_STATES];
	fwg_strset_seal(states);
	if (states->count == 1 && strcmp(states->items[0], "on") == 0)
		ref->require_secure_boot = true;
	return FWG_OK;
}

/* ---- JSON ---------------------------------------------------------------- */

static json_t *set_json(struct fwg_strset *set)
{
	fwg_strset_seal(set);
	json_t *a = json_array();
	for (size_t i = 0; a && i < set->count; i++)
		json_array_append_new(a, json_string(set->items[i]));
	return a;
}

/* Drivers and applications as [{"digest", "paths": [...]}]. */
static json_t *labelled_json(struct fwg_evref *ref, struct fwg_strset *set)
{
	fwg_strset_seal(set);
	fwg_strset_seal(&ref->labels);
	json_t *a = json_array();
	for (size_t i = 0; a && i < set->count; i++) {
		json_t *paths = json_array();
		size_t n = strlen(set->items[i]);
		for (size_t k = 0; k < ref->labels.count; k++)
			if (strncmp(ref->labels.items[k], set->items[i], n) == 0 &&
					ref->labels.items[k][n] == '\t')
				json_array_append_new(paths, json_string(ref->labels.items[k] + n + 1));
		json_array_append_new(a, json_pack("{s:s,s:o}", "digest", set->items[i], "paths", paths));
	}
	return a;
}

enum fwg_status fwg_evref_write(const struct fwg_evref *cref, FILE *out)
{
	struct fwg_evref *ref = (struct fwg_evref *)cref; /* sealing sorts in place */
	json_t *root = json_object();
	json_object_set_new(root, "format", json_string(FWG_REF_FORMAT));
	json_object_set_new(root, "version", json_integer(1));
	json_object_set_new(root, "model", json_string(ref->model));
	json_object_set_new(root, "logs", json_integer((json_int_t)ref->logs));
	json_object_set_new(root, "require_secure_boot", json_boolean(ref->require_secure_boot));
	const char *alg = fwg_tpm_alg_name(ref->digest_alg);
	json_object_set_new(root, "digest_bank", json_string(alg ? alg : "sha256"));
	for (int i = 0; i < REF_SET_COUNT; i++)
		json_object_set_new(root, set_keys[i], i == REF_DRIVERS || i == REF_APPS ||
			i == REF_BOOT_MANAGER ? labelled_json(ref, &ref->sets[i]) : set_json(&ref->sets[i]));
	json_t *sb = json_object(), *entries = json_object();
	for (int v = 0; v < SBV_COUNT; v++) {
		if (ref->sb_var[v].count)
			json_object_set_new(sb, fwg_sb_var_names[v], set_json(&ref->sb_var[v]));
		if (ref->sb_entries[v].count)
			json_object_set_new(entries, fwg_sb_var_names[v], set_json(&ref->sb_entries[v]));
	}
	json_object_set_new(root, "secure_boot_variables", sb);
	json_object_set_new(root, "secure_boot_signatures", entries);
	json_t *ev = json_object(), *after = json_object();
	for (int p = 0; p < FWG_REF_LOADER_PCRS; p++) {
		char key[4];
		snprintf(key, sizeof(key), "%d", p);
		if (ref->pcr_events[p].count)
			json_object_set_new(ev, key, set_json(&ref->pcr_events[p]));
		if (p < 8 && ref->after_separator[p].count)
			json_object_set_new(after, key, set_json(&ref->after_separator[p]));
	}
	json_object_set_new(root, "pcr_events", ev);
	json_object_set_new(root, "after_separator", after);
	json_t *pcrs = json_object();
	for (size_t b = 0; b < ref->pcr_bank_count; b++) {
		json_t *bank = json_object();
		for (int p = 0; p < FWG_PCR_COUNT; p++) {
			char key[4];
			snprintf(key, sizeof(key), "%d", p);
			json_object_set_new(bank, key, set_json(&ref->pcrs[b][p]));
		}
		const char *name = fwg_tpm_alg_name(ref->pcr_algs[b]);
		if (name)
			json_object_set_new(pcrs, name, bank);
		else
			json_decref(bank);
	}
	json_object_set_new(root, "pcrs", pcrs);
	int rc = json_dumpf(root, out, JSON_SORT_KEYS | JSON_INDENT(1));
	json_decref(root);
	if (rc == 0)
		fputc('\n', out);
	return rc == 0 && !ferror(out) ? FWG_OK : FWG_IO;
}

/* Adds the strings of a JSON array (of strings, or of {"digest"}
 * objects) to set; false when the value has another shape. */
static bool load_set(json_t *arr, struct fwg_strset *set, struct fwg_evref *ref)
{
	if (!arr)
		return true;
	if (!json_is_array(arr))
		return false;
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		const char *s = json_string_value(v);
		if (!s && json_is_object(v)) {
			s = json_string_value(json_object_get(v, "digest"));
			json_t *paths = json_object_get(v, "paths"), *p;
			size_t k;
			json_array_foreach(paths, k, p) {
				const char *path = json_string_value(p);
				if (!path || !s)
					continue;
				size_t n = strlen(s) + strlen(path) + 2;
				char *label = malloc(n);
				if (!label)
					return false;
				snprintf(label, n, "%s\t%s", s, path);
				bool ok = fwg_strset_add(&ref->labels, label);
				free(label);
				if (!ok)
					return false;
			}
		}
		if (!s || !fwg_strset_add(set, s))
			return false;
	}
	fwg_strset_seal(set);
	return true;
}

static bool load_indexed(json_t *obj, struct fwg_strset *sets, int count, struct fwg_evref *ref)
{
	if (!obj)
		return true;
	if (!json_is_object(obj))
		return false;
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v) {
		char *end;
		long p = strtol(key, &end, 10);
		if (*end || p < 0 || p >= count || !load_set(v, &sets[p], ref))
			return false;
	}
	return true;
}

enum fwg_status fwg_evref_parse(const char *text, size_t len, struct fwg_evref **out, char *errbuf,
		size_t errbuf_size)
{
	*out = NULL;
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		snprintf(errbuf, errbuf_size, "line %d column %d: %s", je.line, je.column, je.text);
		return FWG_MALFORMED;
	}
	const char *format = json_string_value(json_object_get(root, "format"));
	const char *model = json_string_value(json_object_get(root, "model"));
	if (!format || strcmp(format, FWG_REF_FORMAT) != 0 || !model ||
			json_integer_value(json_object_get(root, "version")) != 1) {
		snprintf(errbuf, errbuf_size, "not an fwguard event-log reference (format \"%s\" version 1 "
			"with a model)", FWG_REF_FORMAT);
		json_decref(root);
		return FWG_MALFORMED;
	}
	struct fwg_evref *ref;
	if (fwg_evref_new(model, &ref) != FWG_OK) {
		json_decref(root);
		snprintf(errbuf, errbuf_size, "out of memory");
		return FWG_NOMEM;
	}
	json_int_t logs = json_integer_value(json_object_get(root, "logs"));
	ref->logs = logs > 0 ? (size_t)logs : 0;
	ref->require_secure_boot = json_is_true(json_object_get(root, "require_secure_boot"));
	ref->digest_alg = fwg_tpm_alg_from_name(json_string_value(json_object_get(root,
		"digest_bank")));
	bool ok = ref->digest_alg != 0;
	for (int i = 0; ok && i < REF_SET_COUNT; i++)
		ok = load_set(json_object_get(root, set_keys[i]), &ref->sets[i], ref);
	json_t *sb = json_object_get(root, "secure_boot_variables");
	json_t *entries = json_object_get(root, "secure_boot_signatures");
	for (int v = 0; ok && v < SBV_COUNT; v++)
		ok = load_set(json_object_get(sb, fwg_sb_var_names[v]), &ref->sb_var[v], ref) &&
			load_set(json_object_get(entries, fwg_sb_var_names[v]), &ref->sb_entries[v], ref);
	ok = ok && load_indexed(json_object_get(root, "pcr_events"), ref->pcr_events,
		FWG_REF_LOADER_PCRS, ref);
	ok = ok && load_indexed(json_object_get(root, "after_separator"), ref->after_separator, 8, ref);
	json_t *pcrs = json_object_get(root, "pcrs");
	const char *bank;
	json_t *v;
	json_object_foreach(pcrs, bank, v) {
		uint16_t alg = fwg_tpm_alg_from_name(bank);
		int slot = alg ? pcr_bank_slot(ref, alg, true) : -1;
		if (!ok || slot < 0 || !load_indexed(v, ref->pcrs[slot], FWG_PCR_COUNT, ref)) {
			ok = false;
			break;
		}
	}
	fwg_strset_seal(&ref->labels);
	json_decref(root);
	if (!ok) {
		snprintf(errbuf, errbuf_size, "malformed reference: a value set is not an array of "
			"strings, a PCR index is out of range, or a bank is unknown");
		fwg_evref_free(ref);
		return FWG_MALFORMED;
	}
	*out = ref;
	return FWG_OK;
}
