/*
 * evlog_digest.c - re-computes the digests that the TCG PC Client
 * Platform Firmware Profile defines as a hash of the event data itself,
 * and marks events whose logged digest disagrees: such an event was
 * edited after it was measured, or the firmware measured something other
 * than what it logged.
 *
 * Which events (PFP 1.05, 10.4.1): EV_SEPARATOR, EV_ACTION, EV_EFI_ACTION,
 * EV_S_CRTM_VERSION, EV_EFI_GPT_EVENT, the EV_EFI_VARIABLE_* events and
 * the EV_IPL strings of PCR 8 (boot loader commands and command lines; in
 * PCR 9 and elsewhere EV_IPL data names a file whose contents were
 * hashed).  Two real-world variants are accepted as matches: EDK2 hashes
 * only VariableData for EV_EFI_VARIABLE_BOOT(2), as some firmware does for
 * EV_EFI_VARIABLE_AUTHORITY, and boot loaders hash EV_IPL strings without
 * their terminating NUL.  Every other event measures something the log
 * does not carry (an image, a blob).  GRUB's "prefix: text" strings hash
 * only the text after the prefix.
 */
#include <string.h>

#include "evlog_internal.h"

enum digest_rule {
	RULE_NONE,
	RULE_DATA,          /* H(event data) */
	RULE_VARIABLE_BOOT, /* H(event data) or H(VariableData) */
	RULE_STRING,        /* H(event data) or H(event data without its NUL) */
};

static enum digest_rule rule_for(uint32_t type, uint32_t pcr)
{
	switch (type) {
	case FWG_EV_SEPARATOR:
	case FWG_EV_ACTION:
	case FWG_EV_EFI_ACTION:
	case FWG_EV_S_CRTM_VERSION:
	case FWG_EV_EFI_GPT_EVENT:
	case FWG_EV_EFI_VARIABLE_DRIVER_CONFIG:
		return RULE_DATA;
	case FWG_EV_EFI_VARIABLE_AUTHORITY:
	case FWG_EV_EFI_VARIABLE_BOOT:
	case FWG_EV_EFI_VARIABLE_BOOT2:
		return RULE_VARIABLE_BOOT;
	case FWG_EV_IPL:
		return pcr == 8 ? RULE_STRING : RULE_NONE;
	default:
		return RULE_NONE;
	}
}

static bool hash_equals(uint16_t alg, const void *data, size_t len, const uint8_t *want, size_t size)
{
	uint8_t got[FWG_DIGEST_MAX];
	return fwg_tpm_hash(alg, data, len, got) && memcmp(got, want, size) == 0;
}

/* The bytes a GRUB-style "prefix: text" string hashes (after the
 * prefix, without the NUL), or false when the data has no such prefix. */
static bool after_prefix(const struct fwg_event *ev, const uint8_t **p, size_t *n)
{
	size_t len = ev->data_size;
	if (len > 0 && ev->data[len - 1] == 0)
		len--;
	for (size_t i = 0; i + 1 < len && i < 32; i++)
		if (ev->data[i] == ':' && ev->data[i + 1] == ' ') {
			*p = ev->data + i + 2;
			*n = len - i - 2;
			return true;
		}
	return false;
}

/* Tries the form the firmware most likely hashed first: each attempt is
 * a full hash, and a log has dozens of these events per bank. */
static bool digest_matches(const struct fwg_event *ev, enum digest_rule rule,
		const struct fwg_event_digest *d)
{
	if (rule == RULE_VARIABLE_BOOT) {
		struct fwg_uefi_variable v;
		if (fwg_event_variable(ev, &v) && hash_equals(d->alg, v.data, v.data_size, d->bytes, d->size))
			return true;
		return hash_equals(d->alg, ev->data, ev->data_size, d->bytes, d->size);
	}
	if (rule == RULE_STRING) {
		const uint8_t *p;
		size_t n;
		if (after_prefix(ev, &p, &n) && hash_equals(d->alg, p, n, d->bytes, d->size))
			return true;
		if (ev->data_size > 0 && ev->data[ev->data_size - 1] == 0 &&
				hash_equals(d->alg, ev->data, ev->data_size - 1, d->bytes, d->size))
			return true;
	}
	return hash_equals(d->alg, ev->data, ev->data_size, d->bytes, d->size);
}

void fwg_evlog_check_digests(struct fwg_evlog *log)
{
	log->digest_mismatches = 0;
	for (size_t i = 0; i < log->event_count; i++) {
		struct fwg_event *ev = &log->events[i];
		enum digest_rule rule = rule_for(ev->type, ev->pcr);
		if (rule == RULE_NONE || (ev->flags & FWG_EVENT_HEADER))
			continue;
		for (uint32_t k = 0; k < ev->digest_count; k++) {
			const struct fwg_event_digest *d = &ev->digests[k];
			if (!fwg_tpm_alg_digest_size(d->alg))
				continue; /* an algorithm fwguard cannot compute */
			ev->flags |= FWG_EVENT_DIGEST_CHECKED;
			if (!digest_matches(ev, rule, d))
				ev->mismatch_algs_mask |= (uint16_t)(1u << k);
		}
		if (ev->mismatch_algs_mask) {
			ev->flags |= FWG_EVENT_DIGEST_MISMATCH;
			log->digest_mismatches++;
		}
	}
}
