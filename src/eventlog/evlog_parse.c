/*
 * evlog_parse.c - the TCG PC Client event-log parser (legacy SHA-1 and
 * crypto-agile formats).
 *
 * Layout (TCG PC Client Platform Firmware Profile 1.05, section 10):
 *   TCG_PCR_EVENT  { u32 pcr; u32 type; u8 digest[20]; u32 size; data }
 *   TCG_PCR_EVENT2 { u32 pcr; u32 type; u32 count; {u16 alg; digest}*count;
 *                    u32 size; data }
 * The first event is always a TCG_PCR_EVENT; when it is an EV_NO_ACTION
 * carrying "Spec ID Event03" the rest are TCG_PCR_EVENT2, with digest sizes
 * taken from the Spec ID event, so an algorithm fwguard cannot compute is
 * still skipped by its declared size.
 *
 * The parser keeps every event it can bound and stops at the first that
 * it cannot, recording the offset and the reason: a verifier must see the
 * good prefix of a damaged log, and must also be told it was damaged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/cursor.h"
#include "evlog_internal.h"
#include "fwguard/eventlog.h"

#define SPEC_ID_SIGNATURE_03 "Spec ID Event03"
#define SPEC_ID_SIGNATURE_00 "Spec ID Event00"
#define STARTUP_LOCALITY_SIGNATURE "StartupLocality"
#define LEGACY_DIGEST_SIZE 20u
#define MAX_EVENT_DATA (16u * 1024 * 1024) /* no firmware event is this large */

static enum fwg_status fail(char *errbuf, size_t errbuf_size, enum fwg_status st, const char *fmt,
		size_t off)
{
	snprintf(errbuf, errbuf_size, fmt, off);
	return st;
}

static void stop(struct fwg_evlog *log, size_t off, const char *why)
{
	if (log->stop_reason)
		return;
	log->stopped_at = off;
	size_t n = strlen(why) + 1;
	log->stop_reason = malloc(n);
	if (log->stop_reason)
		memcpy(log->stop_reason, why, n);
}

static struct fwg_event *add_event(struct fwg_evlog *log, size_t *cap)
{
	if (log->event_count == *cap) {
		size_t ncap = *cap ? *cap * 2 : 128;
		struct fwg_event *n = realloc(log->events, ncap * sizeof(*n));
		if (!n)
			return NULL;
		log->events = n;
		*cap = ncap;
	}
	struct fwg_event *ev = &log->events[log->event_count];
	memset(ev, 0, sizeof(*ev));
	ev->index = (uint32_t)log->event_count++;
	return ev;
}

/* Decodes the TCG_EfiSpecIdEvent of an agile log's header event. */
static enum fwg_status parse_spec_id(struct fwg_evlog *log, const struct fwg_event *ev, char *errbuf,
		size_t errbuf_size)
{
	struct fwg_cursor c = fwg_cursor_make(ev->data, ev->data_size);
	size_t base = ev->offset + 32; /* data offset inside the log, for messages */
	uint32_t count;
	if (fwg_cursor_u32le_at(&c, 24, &count) != FWG_OK)
		return fail(errbuf, errbuf_size, FWG_TRUNCATED,
			"Spec ID event truncated at offset %zu", base + c.size);
	log->platform_class = fwg_cursor_u32le_or0(&c, 16);
	log->spec_minor = fwg_cursor_u8_or0(&c, 20);
	log->spec_major = fwg_cursor_u8_or0(&c, 21);
	log->spec_errata = fwg_cursor_u8_or0(&c, 22);
	log->uintn_size = fwg_cursor_u8_or0(&c, 23);
	if (count == 0 || count > FWG_EVLOG_MAX_BANKS)
		return fail(errbuf, errbuf_size, FWG_MALFORMED,
			"Spec ID event at offset %zu declares an impossible number of algorithms",
			base + 24);
	for (uint32_t i = 0; i < count; i++) {
		uint16_t alg, size;
		if (fwg_cursor_u16le_at(&c, 28 + 4 * (size_t)i, &alg) != FWG_OK ||
				fwg_cursor_u16le_at(&c, 30 + 4 * (size_t)i, &size) != FWG_OK)
			return fail(errbuf, errbuf_size, FWG_TRUNCATED,
				"Spec ID algorithm list truncated at offset %zu", base + 28 + 4 * (size_t)i);
		size_t known = fwg_tpm_alg_digest_size(alg);
		if (size == 0 || size > FWG_DIGEST_MAX || (known && known != size))
			return fail(errbuf, errbuf_size, FWG_MALFORMED,
				"Spec ID algorithm at offset %zu declares a wrong digest size",
				base + 28 + 4 * (size_t)i);
		for (size_t j = 0; j < log->bank_count; j++)
			if (log->banks[j].alg == alg)
				return fail(errbuf, errbuf_size, FWG_MALFORMED,
					"Spec ID event lists an algorithm twice (offset %zu)",
					base + 28 + 4 * (size_t)i);
		log->banks[log->bank_count].alg = alg;
		log->banks[log->bank_count].digest_size = size;
		log->bank_count++;
	}
	return FWG_OK;
}

static const struct fwg_evlog_bank *find_bank(const struct fwg_evlog *log, uint16_t alg)
{
	for (size_t i = 0; i < log->bank_count; i++)
		if (log->banks[i].alg == alg)
			return &log->banks[i];
	return NULL;
}

/* True when the bytes from off to the end are padding (all 00 or all FF). */
static bool only_padding(const struct fwg_cursor *c, size_t off)
{
	size_t n = c->size - off;
	return fwg_cursor_all_equal(c, off, n, 0x00) || fwg_cursor_all_equal(c, off, n, 0xFF);
}

/* Reads one TCG_PCR_EVENT2 at c->pos; false (with a stop reason) when it
 * cannot be bounded. */
static bool parse_event2(struct fwg_evlog *log, struct fwg_cursor *c, struct fwg_event *ev)
{
	size_t off = c->pos;
	uint32_t count;
	char why[160];
	if (fwg_cursor_u32le_at(c, off, &ev->pcr) != FWG_OK ||
			fwg_cursor_u32le_at(c, off + 4, &ev->type) != FWG_OK ||
			fwg_cursor_u32le_at(c, off + 8, &count) != FWG_OK) {
		snprintf(why, sizeof(why), "event %zu header truncated at offset %zu",
			log->event_count - 1, off);
		stop(log, off, why);
		return false;
	}
	if (count > FWG_EVLOG_MAX_BANKS) {
		snprintf(why, sizeof(why), "event %zu at offset %zu claims %u digests",
			log->event_count - 1, off, count);
		stop(log, off, why);
		return false;
	}
	size_t p = off + 12;
	for (uint32_t i = 0; i < count; i++) {
		uint16_t alg;
		if (fwg_cursor_u16le_at(c, p, &alg) != FWG_OK) {
			snprintf(why, sizeof(why), "event %zu digest list truncated at offset %zu",
				log->event_count - 1, p);
			stop(log, off, why);
			return false;
		}
		const struct fwg_evlog_bank *bank = find_bank(log, alg);
		if (!bank) {
			snprintf(why, sizeof(why),
				"event %zu at offset %zu uses algorithm 0x%04x that the Spec ID event does not declare",
				log->event_count - 1, p, alg);
			stop(log, off, why);
			return false;
		}
		if (fwg_cursor_bytes_at(c, p + 2, bank->digest_size, &ev->digests[i].bytes) != FWG_OK) {
			snprintf(why, sizeof(why), "event %zu digest truncated at offset %zu",
				log->event_count - 1, p + 2);
			stop(log, off, why);
			return false;
		}
		ev->digests[i].alg = alg;
		ev->digests[i].size = bank->digest_size;
		p += 2 + (size_t)bank->digest_size;
	}
	ev->digest_count = count;
	if (fwg_cursor_u32le_at(c, p, &ev->data_size) != FWG_OK ||
			ev->data_size > MAX_EVENT_DATA ||
			fwg_cursor_bytes_at(c, p + 4, ev->data_size, &ev->data) != FWG_OK) {
		snprintf(why, sizeof(why), "event %zu data (%u bytes) runs past the end of the log at offset %zu",
			log->event_count - 1, ev->data_size, p);
		stop(log, off, why);
		return false;
	}
	ev->offset = off;
	c->pos = p + 4 + ev->data_size;
	return true;
}

/* Reads one legacy TCG_PCR_EVENT at c->pos. */
static bool parse_event1(struct fwg_evlog *log, struct fwg_cursor *c, struct fwg_event *ev)
{
	size_t off = c->pos;
	char why[160];
	if (fwg_cursor_u32le_at(c, off, &ev->pcr) != FWG_OK ||
			fwg_cursor_u32le_at(c, off + 4, &ev->type) != FWG_OK ||
			fwg_cursor_bytes_at(c, off + 8, LEGACY_DIGEST_SIZE, &ev->digests[0].bytes) != FWG_OK ||
			fwg_cursor_u32le_at(c, off + 28, &ev->data_size) != FWG_OK) {
		snprintf(why, sizeof(why), "event %zu header truncated at offset %zu",
			log->event_count - 1, off);
		stop(log, off, why);
		return false;
	}
	if (ev->data_size > MAX_EVENT_DATA ||
			fwg_cursor_bytes_at(c, off + 32, ev->data_size, &ev->data) != FWG_OK) {
		snprintf(why, sizeof(why), "event %zu data (%u bytes) runs past the end of the log at offset %zu",
			log->event_count - 1, ev->data_size, off + 28);
		stop(log, off, why);
		return false;
	}
	ev->digests[0].alg = FWG_TPM_ALG_SHA1;
	ev->digests[0].size = LEGACY_DIGEST_SIZE;
	ev->digest_count = 1;
	ev->offset = off;
	c->pos = off + 32 + ev->data_size;
	return true;
}

/* EV_NO_ACTION "StartupLocality\0" + u8, and the H-CRTM event. */
static void note_startup(struct fwg_evlog *log, const struct fwg_event *ev)
{
	if (ev->type == FWG_EV_EFI_HCRTM_EVENT && ev->pcr == 0) {
		log->hcrtm = true;
		return;
	}
	if (ev->type == FWG_EV_NO_ACTION && ev->pcr == 0 && ev->data_size >= 17 &&
			memcmp(ev->data, STARTUP_LOCALITY_SIGNATURE, 16) == 0 && !log->has_startup_locality) {
		log->has_startup_locality = true;
		log->startup_locality = ev->data[16];
	}
}

enum fwg_status fwg_evlog_parse(const uint8_t *data, size_t size, struct fwg_evlog **out,
		char *errbuf, size_t errbuf_size)
{
	*out = NULL;
	if (!data || size == 0)
		return fail(errbuf, errbuf_size, FWG_TRUNCATED, "empty event log (%zu bytes)", size);
	struct fwg_evlog *log = calloc(1, sizeof(*log));
	if (!log)
		return fail(errbuf, errbuf_size, FWG_NOMEM, "out of memory (%zu)", 0);
	log->data = data;
	log->size = size;
	struct fwg_cursor c = fwg_cursor_make(data, size);
	/* Real events average well over 64 bytes: one allocation usually
	 * holds them all. */
	size_t cap = 0;
	if (size / 64 > 16) {
		cap = size / 64 < 4096 ? size / 64 : 4096;
		if (!(log->events = malloc(cap * sizeof(*log->events))))
			cap = 0;
	}
	struct fwg_event *ev = add_event(log, &cap);
	if (!ev) {
		fwg_evlog_free(log);
		return fail(errbuf, errbuf_size, FWG_NOMEM, "out of memory (%zu)", 0);
	}
	if (!parse_event1(log, &c, ev)) {
		enum fwg_status st = fail(errbuf, errbuf_size, FWG_TRUNCATED,
			"not an event log: the first event is truncated (%zu bytes)", size);
		fwg_evlog_free(log);
		return st;
	}
	ev->flags |= FWG_EVENT_HEADER;
	/* The first event must extend a PCR below 24 with a known type. */
	if (ev->pcr >= FWG_PCR_COUNT || !fwg_event_type_name(ev->type)) {
		fwg_evlog_free(log);
		return fail(errbuf, errbuf_size, FWG_MALFORMED,
			"not an event log: the first event at offset %zu has an impossible PCR or type", 0);
	}
	bool agile = ev->type == FWG_EV_NO_ACTION && ev->data_size >= 16 &&
		memcmp(ev->data, SPEC_ID_SIGNATURE_03, 16) == 0;
	if (agile) {
		log->format = FWG_EVLOG_AGILE;
		enum fwg_status st = parse_spec_id(log, ev, errbuf, errbuf_size);
		if (st != FWG_OK) {
			fwg_evlog_free(log);
			return st;
		}
	} else {
		log->format = FWG_EVLOG_SHA1;
		log->bank_count = 1;
		log->banks[0].alg = FWG_TPM_ALG_SHA1;
		log->banks[0].digest_size = LEGACY_DIGEST_SIZE;
		/* A 1.2 Spec ID header carries no measurement; any other first
		 * event is an ordinary measurement of a legacy log. */
		if (!(ev->type == FWG_EV_NO_ACTION && ev->data_size >= 16 &&
				memcmp(ev->data, SPEC_ID_SIGNATURE_00, 16) == 0))
			ev->flags &= ~FWG_EVENT_HEADER;
		note_startup(log, ev);
	}
	while (c.pos < c.size) {
		if (only_padding(&c, c.pos))
			break;
		ev = add_event(log, &cap);
		if (!ev) {
			fwg_evlog_free(log);
			return fail(errbuf, errbuf_size, FWG_NOMEM, "out of memory at offset %zu", c.pos);
		}
		bool ok = agile ? parse_event2(log, &c, ev) : parse_event1(log, &c, ev);
		if (!ok) {
			log->event_count--;
			break;
		}
		note_startup(log, ev);
	}
	fwg_evlog_check_digests(log);
	fwg_evlog_assign_phases(log);
	*out = log;
	return FWG_OK;
}

void fwg_evlog_free(struct fwg_evlog *log)
{
	if (!log)
		return;
	free(log->events);
	free(log->stop_reason);
	free(log);
}
