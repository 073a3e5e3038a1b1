/*
 * replay.c - recomputes the PCR values a log claims, bank by bank.
 *
 * Starting values (TCG PC Client PFP 1.05, 3.3.4 and 10.4.5.3): PCR0 is
 * zero except for the locality the CRTM started from (3 from a
 * StartupLocality event, 4 with an H-CRTM event), PCRs 17-22 (the
 * dynamic-launch PCRs) start at all ones, the rest at zero.  EV_NO_ACTION
 * events are informational and never extend.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "evlog_internal.h"
#include "tpm_hash.h"

const struct fwg_pcr_bank *fwg_pcr_set_bank(const struct fwg_pcr_set *set, uint16_t alg)
{
	for (size_t i = 0; i < set->bank_count; i++)
		if (set->banks[i].alg == alg)
			return &set->banks[i];
	return NULL;
}

static void reset_bank(const struct fwg_evlog *log, struct fwg_pcr_bank *b)
{
	memset(b->value, 0, sizeof(b->value));
	for (unsigned pcr = 17; pcr <= 22; pcr++)
		memset(b->value[pcr], 0xff, b->size);
	uint8_t locality = 0;
	if (log->hcrtm)
		locality = 4;
	else if (log->has_startup_locality)
		locality = log->startup_locality;
	b->value[0][b->size - 1] = locality;
	b->present_mask = (1u << FWG_PCR_COUNT) - 1;
	b->extended_mask = 0;
}

enum fwg_status fwg_evlog_replay(const struct fwg_evlog *log, struct fwg_pcr_set *out, char *errbuf,
		size_t errbuf_size)
{
	out->bank_count = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx) {
		snprintf(errbuf, errbuf_size, "out of memory");
		return FWG_NOMEM;
	}
	for (size_t k = 0; k < log->bank_count; k++) {
		uint16_t alg = log->banks[k].alg;
		if (!fwg_tpm_alg_md(alg))
			continue;
		struct fwg_pcr_bank *b = &out->banks[out->bank_count++];
		b->alg = alg;
		b->size = (uint16_t)fwg_tpm_alg_digest_size(alg);
		reset_bank(log, b);
	}
	for (size_t i = 0; i < log->event_count; i++) {
		const struct fwg_event *ev = &log->events[i];
		if (ev->type == FWG_EV_NO_ACTION || ev->pcr >= FWG_PCR_COUNT ||
				(ev->flags & FWG_EVENT_HEADER))
			continue;
		for (uint32_t d = 0; d < ev->digest_count; d++) {
			struct fwg_pcr_bank *b = (struct fwg_pcr_bank *)fwg_pcr_set_bank(out,
				ev->digests[d].alg);
			if (!b)
				continue;
			b->extended_mask |= 1u << ev->pcr;
			if (!fwg_tpm_extend(ctx, b->alg, b->value[ev->pcr], ev->digests[d].bytes)) {
				EVP_MD_CTX_free(ctx);
				snprintf(errbuf, errbuf_size, "hashing failed while replaying event %zu", i);
				return FWG_UNSUPPORTED;
			}
		}
	}
	EVP_MD_CTX_free(ctx);
	return FWG_OK;
}

size_t fwg_pcr_set_compare(const struct fwg_pcr_set *replayed, const struct fwg_pcr_set *actual,
		uint32_t mask, struct fwg_pcr_mismatch *out, size_t max, size_t *compared)
{
	size_t n = 0, seen = 0;
	if (!mask) {
		mask = 0xffu;
		for (size_t k = 0; k < replayed->bank_count; k++)
			mask |= replayed->banks[k].extended_mask;
	}
	for (size_t k = 0; k < replayed->bank_count; k++) {
		const struct fwg_pcr_bank *r = &replayed->banks[k];
		const struct fwg_pcr_bank *a = fwg_pcr_set_bank(actual, r->alg);
		if (!a || a->size != r->size)
			continue;
		for (unsigned pcr = 0; pcr < FWG_PCR_COUNT; pcr++) {
			uint32_t bit = 1u << pcr;
			if (!(mask & bit) || !(r->present_mask & bit) || !(a->present_mask & bit))
				continue;
			seen++;
			if (memcmp(r->value[pcr], a->value[pcr], r->size) == 0)
				continue;
			if (n < max) {
				out[n].alg = r->alg;
				out[n].pcr = (uint8_t)pcr;
			}
			n++;
		}
	}
	if (compared)
		*compared = seen;
	return n;
}
