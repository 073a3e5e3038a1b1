/*
 * show.c - `fwguard eventlog show`: the whole log, header and every event
 * with its decoded fields, as JSON (a documented public shape) or as text
 * (one block per event, rendered from the same JSON objects so both forms
 * always carry the same facts).
 *
 * JSON shape (top level):
 *   format, size, spec_id (decoded header event or null), startup_locality
 *   (or null), hcrtm, event_count, digest_mismatches, stopped_at and
 *   stop_reason (null when the whole log was read), events[], pcrs (the
 *   replay: exactly what `eventlog replay --format json` prints).
 * Per event: index, offset, pcr, type (name, or "0x%08x" when unknown),
 *   type_id, digests[{alg, alg_id, digest}], phase (fwg_phase_id),
 *   phase_firmware, phase_stage, digest_check ("ok", "mismatch", "n/a"),
 *   digest_mismatch_banks[], data_size, data (event_decode.h), data_hex.
 *
 * Text output bounds what it prints of raw bytes (MAX_TEXT_HEX_BYTES per
 * field) and escapes every control character; JSON carries everything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event_decode.h"
#include "evlog_internal.h"

#define MAX_TEXT_HEX_BYTES 4096
#define MAX_TEXT_DEPTH 8

/* ---- JSON ----------------------------------------------------------------- */

static json_t *hex_json(const uint8_t *p, size_t len)
{
	struct fwg_cursor c = fwg_cursor_make(p, len);
	return fwg_decode_hex(&c, 0, len);
}

static json_t *alg_id_json(uint16_t alg)
{
	char hex[8];
	snprintf(hex, sizeof(hex), "0x%04x", alg);
	return json_string(hex);
}

static json_t *alg_name_json(uint16_t alg)
{
	const char *name = fwg_tpm_alg_name(alg);
	return name ? json_string(name) : alg_id_json(alg);
}

static json_t *digests_json(const struct fwg_event *ev)
{
	json_t *arr = json_array();
	for (uint32_t i = 0; i < ev->digest_count && arr; i++) {
		json_t *d = json_object();
		json_object_set_new(d, "alg", alg_name_json(ev->digests[i].alg));
		json_object_set_new(d, "alg_id", alg_id_json(ev->digests[i].alg));
		json_object_set_new(d, "digest", hex_json(ev->digests[i].bytes, ev->digests[i].size));
		json_array_append_new(arr, d);
	}
	return arr;
}

static const char *digest_check(const struct fwg_event *ev)
{
	if (ev->flags & FWG_EVENT_DIGEST_MISMATCH)
		return "mismatch";
	return ev->flags & FWG_EVENT_DIGEST_CHECKED ? "ok" : "n/a";
}

static json_t *mismatch_banks_json(const struct fwg_event *ev)
{
	json_t *arr = json_array();
	for (uint32_t i = 0; i < ev->digest_count && arr; i++)
		if (ev->mismatch_algs_mask & (1u << i))
			json_array_append_new(arr, alg_name_json(ev->digests[i].alg));
	return arr;
}

static json_t *type_json(uint32_t type)
{
	const char *name = fwg_event_type_name(type);
	char hex[16];
	if (name)
		return json_string(name);
	snprintf(hex, sizeof(hex), "0x%08x", type);
	return json_string(hex);
}

/* One event; with_hex adds the raw data (JSON always, text when needed). */
static json_t *event_json(const struct fwg_evlog *log, const struct fwg_event *ev)
{
	json_t *e = json_object();
	if (!e)
		return NULL;
	json_object_set_new(e, "index", json_integer(ev->index));
	json_object_set_new(e, "offset", json_integer((json_int_t)ev->offset));
	json_object_set_new(e, "pcr", json_integer(ev->pcr));
	json_object_set_new(e, "type", type_json(ev->type));
	json_object_set_new(e, "type_id", json_integer(ev->type));
	json_object_set_new(e, "digests", digests_json(ev));
	json_object_set_new(e, "phase", json_string(fwg_phase_id(ev->phase)));
	json_object_set_new(e, "phase_firmware", json_string(fwg_phase_firmware_name(ev->phase)));
	json_object_set_new(e, "phase_stage", json_string(fwg_phase_stage_name(ev->phase)));
	json_object_set_new(e, "digest_check", json_string(digest_check(ev)));
	json_object_set_new(e, "digest_mismatch_banks", mismatch_banks_json(ev));
	json_object_set_new(e, "data_size", json_integer(ev->data_size));
	json_t *data = fwg_event_decode(log, ev);
	if (!data) {
		json_decref(e);
		return NULL;
	}
	json_object_set_new(e, "data", data);
	json_object_set_new(e, "data_hex", hex_json(ev->data, ev->data_size));
	return e;
}

static const char *format_id(const struct fwg_evlog *log)
{
	return log->format == FWG_EVLOG_AGILE ? "agile" : "sha1";
}

/* The log header: format, Spec ID, startup locality, where parsing stopped. */
static json_t *header_json(const struct fwg_evlog *log)
{
	json_t *h = json_object();
	if (!h)
		return NULL;
	json_object_set_new(h, "format", json_string(format_id(log)));
	json_object_set_new(h, "size", json_integer((json_int_t)log->size));
	json_t *spec = NULL;
	if (log->event_count && (log->events[0].flags & FWG_EVENT_HEADER))
		spec = fwg_event_decode(log, &log->events[0]);
	json_object_set_new(h, "spec_id", spec ? spec : json_null());
	json_object_set_new(h, "startup_locality", log->has_startup_locality ?
		json_integer(log->startup_locality) : json_null());
	json_object_set_new(h, "hcrtm", json_boolean(log->hcrtm));
	json_object_set_new(h, "event_count", json_integer((json_int_t)log->event_count));
	json_object_set_new(h, "digest_mismatches", json_integer((json_int_t)log->digest_mismatches));
	json_object_set_new(h, "stopped_at", log->stop_reason ?
		json_integer((json_int_t)log->stopped_at) : json_null());
	json_object_set_new(h, "stop_reason", log->stop_reason ?
		json_string(log->stop_reason) : json_null());
	return h;
}

/* The "pcrs" object of show and replay: {"sha1": {"0": hex}}. */
static json_t *pcrs_json(const struct fwg_pcr_set *set)
{
	json_t *banks = json_object();
	for (size_t k = 0; k < set->bank_count && banks; k++) {
		const struct fwg_pcr_bank *b = &set->banks[k];
		json_t *bank = json_object();
		for (unsigned pcr = 0; pcr < FWG_PCR_COUNT && bank; pcr++) {
			char key[4];
			if (!(b->present_mask & (1u << pcr)))
				continue;
			snprintf(key, sizeof(key), "%u", pcr);
			json_object_set_new(bank, key, hex_json(b->value[pcr], b->size));
		}
		json_object_set_new(banks, fwg_tpm_alg_name(b->alg), bank);
	}
	return banks;
}

enum fwg_status fwg_pcr_set_write_json(const struct fwg_pcr_set *set, FILE *out)
{
	json_t *banks = pcrs_json(set);
	int rc = banks ? json_dumpf(banks, out, JSON_COMPACT | JSON_PRESERVE_ORDER) : -1;
	json_decref(banks);
	return rc == 0 && !ferror(out) ? FWG_OK : FWG_IO;
}

/* The replayed PCRs (heap: a set is about 13 KiB), or NULL with *why. */
static struct fwg_pcr_set *replay(const struct fwg_evlog *log, char *why, size_t why_size)
{
	struct fwg_pcr_set *set = calloc(1, sizeof(*set));
	if (!set) {
		snprintf(why, why_size, "out of memory");
		return NULL;
	}
	if (fwg_evlog_replay(log, set, why, why_size) != FWG_OK) {
		free(set);
		return NULL;
	}
	return set;
}

enum fwg_status fwg_evlog_write_json(const struct fwg_evlog *log, FILE *out)
{
	json_t *doc = header_json(log);
	json_t *events = json_array();
	char why[256];
	if (!doc || !events) {
		json_decref(doc);
		json_decref(events);
		return FWG_NOMEM;
	}
	for (size_t i = 0; i < log->event_count; i++) {
		json_t *e = event_json(log, &log->events[i]);
		if (!e || json_array_append_new(events, e) != 0) {
			json_decref(doc);
			json_decref(events);
			return FWG_NOMEM;
		}
	}
	json_object_set_new(doc, "events", events);
	struct fwg_pcr_set *set = replay(log, why, sizeof(why));
	if (set) {
		json_object_set_new(doc, "pcrs", pcrs_json(set));
		free(set);
	} else {
		json_object_set_new(doc, "pcrs", json_null());
		json_object_set_new(doc, "replay_error", json_string(why));
	}
	int rc = json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (rc != 0 || fputc('\n', out) == EOF)
		return FWG_IO;
	return FWG_OK;
}

/* ---- text ------------------------------------------------------------------ */

static bool needs_quotes(const char *s, size_t len)
{
	if (len == 0 || s[0] == ' ' || s[len - 1] == ' ')
		return true;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch < 0x20 || ch == 0x7f || ch == '"')
			return true;
	}
	return false;
}

/* A string with control characters escaped; quoted when blanks at either
 * end, escapes or emptiness would otherwise hide what it holds. */
static void write_text_string(FILE *out, const char *s, size_t len)
{
	bool quoted = needs_quotes(s, len);
	if (quoted)
		fputc('"', out);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '\n')
			fputs("\\n", out);
		else if (ch == '\t')
			fputs("\\t", out);
		else if (ch == '\r')
			fputs("\\r", out);
		else if (ch == '"' && quoted)
			fputs("\\\"", out);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(out, "\\x%02x", ch);
		else
			fputc(ch, out);
	}
	if (quoted)
		fputc('"', out);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Hex fields print at most MAX_TEXT_HEX_BYTES bytes. */
static void write_text_hex(FILE *out, const char *hex, size_t len)
{
	size_t limit = 2 * (size_t)MAX_TEXT_HEX_BYTES;
	if (len == 0) {
		fputs("(none)", out);
		return;
	}
	fwrite(hex, 1, len < limit ? len : limit, out);
	if (len > limit)
		fprintf(out, "... (%zu more bytes)", (len - limit) / 2);
}

static void write_text_scalar(FILE *out, const char *key, const json_t *v)
{
	if (!v) {
		fputs("?", out);
		return;
	}
	switch (json_typeof(v)) {
	case JSON_STRING:
		if (key && ends_with(key, "_hex"))
			write_text_hex(out, json_string_value(v), json_string_length(v));
		else
			write_text_string(out, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		fprintf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_TRUE:
		fputs("yes", out);
		break;
	case JSON_FALSE:
		fputs("no", out);
		break;
	case JSON_NULL:
		fputs("none", out);
		break;
	default:
		fputs("?", out);
		break;
	}
}

static bool is_scalar(const json_t *v)
{
	return !json_is_object(v) && !json_is_array(v);
}

static void indent(FILE *out, int depth)
{
	for (int i = 0; i < depth; i++)
		fputs("  ", out);
}

static void write_text_object(FILE *out, const json_t *obj, int depth);

/* Writes what follows "key:" (a space first for values on the line). */
static void write_text_value(FILE *out, const char *key, const json_t *v, int depth)
{
	if (is_scalar(v)) {
		fputc(' ', out);
		write_text_scalar(out, key, v);
		fputc('\n', out);
		return;
	}
	if (depth >= MAX_TEXT_DEPTH) {
		fputs(" ...\n", out);
		return;
	}
	if (json_is_object(v)) {
		fputc('\n', out);
		write_text_object(out, v, depth + 1);
		return;
	}
	/* Arrays: scalars on one line, objects as "- " items. */
	size_t i;
	const json_t *item;
	bool scalars = true;
	json_array_foreach(v, i, item)
		scalars = scalars && is_scalar(item);
	if (scalars) {
		if (json_array_size(v) == 0)
			fputs(" (none)", out);
		json_array_foreach(v, i, item) {
			fputs(i ? ", " : " ", out);
			write_text_scalar(out, key, item);
		}
		fputc('\n', out);
		return;
	}
	fprintf(out, " %zu\n", json_array_size(v));
	json_array_foreach(v, i, item) {
		indent(out, depth + 1);
		fprintf(out, "[%zu]", i);
		if (json_is_object(item)) {
			fputc('\n', out);
			write_text_object(out, item, depth + 2);
		} else {
			write_text_value(out, key, item, depth + 2);
		}
	}
}

/* "key: value" lines; a GUID and its "<key>_name" print on one line. */
static void write_text_object(FILE *out, const json_t *obj, int depth)
{
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)obj, key, v) {
		char name_key[96];
		if (ends_with(key, "_name")) {
			size_t n = strlen(key) - 5;
			snprintf(name_key, sizeof(name_key), "%.*s", (int)n, key);
			if (json_is_string(json_object_get(obj, name_key)))
				continue; /* printed beside its GUID */
		}
		indent(out, depth);
		fprintf(out, "%s:", key);
		snprintf(name_key, sizeof(name_key), "%s_name", key);
		const json_t *name = json_object_get(obj, name_key);
		if (json_is_string(v) && json_is_string(name)) {
			fputc(' ', out);
			write_text_scalar(out, key, v);
			fputs(" (", out);
			write_text_scalar(out, NULL, name);
			fputs(")\n", out);
			continue;
		}
		write_text_value(out, key, v, depth);
	}
}

/* The decoded fields of an event's data, "kind" left to the caller. */
static void write_text_fields(FILE *out, const json_t *data, int depth)
{
	const char *key;
	const json_t *v;
	json_t *shown = json_object();
	if (!shown)
		return;
	json_object_foreach((json_t *)data, key, v)
		if (strcmp(key, "kind") != 0)
			json_object_set(shown, key, (json_t *)v);
	write_text_object(out, shown, depth);
	json_decref(shown);
}

static void write_text_header(FILE *out, const struct fwg_evlog *log)
{
	fprintf(out, "event log: %s, %zu bytes, %zu events\n",
		log->format == FWG_EVLOG_AGILE ? "crypto-agile (TCG_PCR_EVENT2)" :
		"SHA-1 legacy (TCG_PCR_EVENT)", log->size, log->event_count);
	if (log->event_count && (log->events[0].flags & FWG_EVENT_HEADER)) {
		json_t *spec = fwg_event_decode(log, &log->events[0]);
		if (spec) {
			fputs("spec id:\n", out);
			write_text_fields(out, spec, 1);
		}
		json_decref(spec);
	} else {
		fputs("spec id: none (the first event is a measurement)\n", out);
	}
	fputs("banks:", out);
	for (size_t k = 0; k < log->bank_count; k++) {
		const char *name = fwg_tpm_alg_name(log->banks[k].alg);
		if (name)
			fprintf(out, " %s (%u bytes)", name, log->banks[k].digest_size);
		else
			fprintf(out, " 0x%04x (%u bytes, not computable)", log->banks[k].alg,
				log->banks[k].digest_size);
	}
	fputc('\n', out);
	if (log->hcrtm)
		fputs("startup: H-CRTM event (PCR0 starts at locality 4)\n", out);
	else if (log->has_startup_locality)
		fprintf(out, "startup locality: %u (PCR0 starts at it)\n", log->startup_locality);
	else
		fputs("startup locality: none (PCR0 starts at zero)\n", out);
	fprintf(out, "events whose digest does not match their data: %zu\n", log->digest_mismatches);
	if (log->stop_reason)
		fprintf(out, "PARSING STOPPED EARLY at offset %zu: %s\n", log->stopped_at,
			log->stop_reason);
	fputc('\n', out);
}

static void write_text_event(FILE *out, const json_t *e, const struct fwg_event *ev)
{
	const json_t *data = json_object_get(e, "data");
	const json_t *kind = json_object_get(data, "kind");
	fprintf(out, "[%u] PCR %u  ", ev->index, ev->pcr);
	write_text_scalar(out, NULL, json_object_get(e, "type"));
	fprintf(out, "  (offset %zu)\n", ev->offset);
	fprintf(out, "  phase: %s (%s)\n", fwg_phase_firmware_name(ev->phase),
		fwg_phase_stage_name(ev->phase));
	for (uint32_t i = 0; i < ev->digest_count; i++) {
		const char *name = fwg_tpm_alg_name(ev->digests[i].alg);
		fputs("  ", out);
		if (name)
			fprintf(out, "%s: ", name);
		else
			fprintf(out, "0x%04x: ", ev->digests[i].alg);
		write_text_scalar(out, "digest_hex",
			json_object_get(json_array_get(json_object_get(e, "digests"), i), "digest"));
		fputc('\n', out);
	}
	if (ev->flags & FWG_EVENT_DIGEST_MISMATCH) {
		fputs("  digest check: MISMATCH: the digest is not the hash of the data in", out);
		size_t i;
		const json_t *bank;
		json_array_foreach(json_object_get(e, "digest_mismatch_banks"), i, bank)
			fprintf(out, "%s %s", i ? "," : "", json_string_value(bank));
		fputc('\n', out);
	} else {
		fprintf(out, "  digest check: %s\n", digest_check(ev));
	}
	fprintf(out, "  data: %u bytes, %s\n", ev->data_size,
		json_is_string(kind) ? json_string_value(kind) : "?");
	write_text_fields(out, data, 2);
	/* Raw bytes when nothing was decoded or decoding stopped. */
	if (ev->data_size && (!json_is_string(kind) || strcmp(json_string_value(kind), "hex") == 0 ||
			json_object_get(data, "error"))) {
		fputs("    data_hex: ", out);
		write_text_scalar(out, "data_hex", json_object_get(e, "data_hex"));
		fputc('\n', out);
	}
	fputc('\n', out);
}

static void write_text_pcrs(FILE *out, const struct fwg_evlog *log)
{
	char why[256];
	struct fwg_pcr_set *set = replay(log, why, sizeof(why));
	if (!set) {
		fprintf(out, "replay failed: %s\n", why);
		return;
	}
	fputs("replayed PCRs (those the log extends):\n", out);
	for (size_t k = 0; k < set->bank_count; k++) {
		const struct fwg_pcr_bank *b = &set->banks[k];
		fprintf(out, "  %s:\n", fwg_tpm_alg_name(b->alg));
		for (unsigned pcr = 0; pcr < FWG_PCR_COUNT; pcr++) {
			if (!(b->extended_mask & (1u << pcr)))
				continue;
			json_t *hex = hex_json(b->value[pcr], b->size);
			fprintf(out, "    %2u: %s\n", pcr, hex ? json_string_value(hex) : "?");
			json_decref(hex);
		}
	}
	free(set);
}

enum fwg_status fwg_evlog_write_text(const struct fwg_evlog *log, FILE *out)
{
	write_text_header(out, log);
	for (size_t i = 0; i < log->event_count; i++) {
		json_t *e = event_json(log, &log->events[i]);
		if (!e)
			return FWG_NOMEM;
		write_text_event(out, e, &log->events[i]);
		json_decref(e);
	}
	write_text_pcrs(out, log);
	return ferror(out) ? FWG_IO : FWG_OK;
}
