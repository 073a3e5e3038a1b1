/*
 * pcr_source.c - PCR values from outside the log, for comparison with a
 * replay: a text file, or a live TPM read through tpm2-tss.
 *
 * Text files (fwg_pcr_set_parse), detected by the first non-blank byte:
 *   '{'   JSON: {"pcrs": {"sha256": {"0": "<hex>", ...}, ...}} as
 *         `fwguard eventlog replay --format json` prints it (other members
 *         beside "pcrs" are ignored), or the bare {"sha256": {...}}.
 *   else  the YAML subset tpm2-tools prints:
 *             sha256:
 *               0 : 0x3D45...
 *               16: 0x0000...
 *         (tpm2_pcrread; hex with or without 0x, any case).  When a
 *         top-level "pcrs:" line is present (tpm2_eventlog and tpm2_quote
 *         end their output with one) only that section is read, up to the
 *         next top-level line.  Anything else is an error naming the line.
 *
 * Invariants: bank names must be known (fwg_tpm_alg_from_name) and each
 * value exactly that bank's digest size; PCR indexes are 0-23; a PCR given
 * twice in one bank is an error; at most FWG_EVLOG_MAX_BANKS banks.  The
 * text need not be NUL-terminated: every read is bounded by len.
 *
 * TPMs (fwg_pcr_set_read_tpm): TPM2_GetCapability(TPM_CAP_PCRS) names the
 * active banks (TPM 2.0 Part 3, 30.2), then TPM2_PCR_Read (Part 3, 22.4),
 * which returns at most 8 digests per call together with the selection it
 * actually served, is called until every selected PCR is read.  If the
 * PCR update counter moves between calls the read restarts, so the values
 * form one snapshot (a few restarts at most; then the last pass stands).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_tctildr.h>

#include "evlog_internal.h"

#define MAX_NAME 32          /* longest bank name we read */
#define MAX_READ_CALLS 256   /* TPM2_PCR_Read calls per pass (>= banks * PCRs) */
#define MAX_READ_PASSES 4    /* restarts when the update counter moves */
#define PCR_SELECT_BYTES 3   /* PCRs 0-23 */

static enum fwg_status fail(char *errbuf, size_t errbuf_size, enum fwg_status st,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static enum fwg_status fail(char *errbuf, size_t errbuf_size, enum fwg_status st,
		const char *fmt, ...)
{
	if (errbuf && errbuf_size) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(errbuf, errbuf_size, fmt, ap);
		va_end(ap);
	}
	return st;
}

/* Copies at most size-1 bytes of untrusted text, non-printables as '?'. */
static void printable(const char *s, size_t n, char *out, size_t size)
{
	size_t i = 0;
	for (; i < n && i + 1 < size; i++)
		out[i] = isprint((unsigned char)s[i]) ? s[i] : '?';
	out[i] = 0;
}

/* n hex characters (optional 0x) into exactly size bytes. */
static bool parse_digest(const char *s, size_t n, uint8_t *out, size_t size)
{
	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		n -= 2;
	}
	return fwg_hex_decode_n(s, n, out, size);
}

/* The bank for alg in out, added when new; NULL when out is full. */
static struct fwg_pcr_bank *bank_for(struct fwg_pcr_set *out, uint16_t alg)
{
	for (size_t i = 0; i < out->bank_count; i++)
		if (out->banks[i].alg == alg)
			return &out->banks[i];
	if (out->bank_count == FWG_EVLOG_MAX_BANKS)
		return NULL;
	struct fwg_pcr_bank *b = &out->banks[out->bank_count++];
	memset(b, 0, sizeof(*b));
	b->alg = alg;
	b->size = (uint16_t)fwg_tpm_alg_digest_size(alg);
	return b;
}

/* ---- YAML (tpm2-tools) --------------------------------------------------- */

struct text_line {
	const char *s;   /* without the line ending */
	size_t n;
	size_t indent;   /* leading spaces */
	unsigned number; /* 1-based */
};

struct line_reader {
	const char *text;
	size_t len, pos;
	unsigned number;
};

/* The next line, trailing blanks and "\r" stripped; false at the end. */
static bool next_line(struct line_reader *r, struct text_line *line)
{
	if (r->pos >= r->len)
		return false;
	const char *start = r->text + r->pos;
	const char *nl = memchr(start, '\n', r->len - r->pos);
	size_t n = nl ? (size_t)(nl - start) : r->len - r->pos;
	r->pos += nl ? n + 1 : n;
	r->number++;
	while (n && (start[n - 1] == '\r' || start[n - 1] == ' ' || start[n - 1] == '\t'))
		n--;
	size_t indent = 0;
	while (indent < n && start[indent] == ' ')
		indent++;
	line->s = start;
	line->n = n;
	line->indent = indent;
	line->number = r->number;
	return true;
}

static bool line_is(const struct text_line *l, const char *word)
{
	size_t n = strlen(word);
	return l->indent == 0 && l->n == n && memcmp(l->s, word, n) == 0;
}

/* Where the PCR values start: after the last top-level "pcrs:" line, or
 * the beginning.  *sectioned says whether a "pcrs:" line was found. */
static size_t yaml_start(const char *text, size_t len, unsigned *first_number, bool *sectioned)
{
	struct line_reader r = { text, len, 0, 0 };
	struct text_line l;
	size_t start = 0;
	*first_number = 0;
	*sectioned = false;
	while (next_line(&r, &l)) {
		if (line_is(&l, "pcrs:")) {
			start = r.pos;
			*first_number = r.number;
			*sectioned = true;
		}
	}
	return start;
}

/* "name:" on its own; the name (without the colon) in *name. */
static bool is_bank_header(const struct text_line *l, const char **name, size_t *n)
{
	const char *s = l->s + l->indent;
	size_t len = l->n - l->indent;
	if (len < 2 || s[len - 1] != ':' || memchr(s, ':', len - 1))
		return false;
	len--;
	while (len && s[len - 1] == ' ')
		len--;
	*name = s;
	*n = len;
	return true;
}

static enum fwg_status yaml_bank(const struct text_line *l, const char *name, size_t n,
		struct fwg_pcr_set *out, struct fwg_pcr_bank **bank, char *errbuf, size_t errbuf_size)
{
	char shown[MAX_NAME + 1];
	printable(name, n, shown, sizeof(shown));
	char copy[MAX_NAME + 1];
	uint16_t alg = 0;
	if (n <= MAX_NAME) {
		memcpy(copy, name, n);
		copy[n] = 0;
		alg = fwg_tpm_alg_from_name(copy);
	}
	if (!alg)
		return fail(errbuf, errbuf_size, FWG_MALFORMED,
			"line %u: unknown PCR bank '%s' (expected sha1, sha256, sha384, sha512 or sm3_256)",
			l->number, shown);
	*bank = bank_for(out, alg);
	if (!*bank)
		return fail(errbuf, errbuf_size, FWG_LIMIT, "line %u: more than %d PCR banks",
			l->number, FWG_EVLOG_MAX_BANKS);
	return FWG_OK;
}

/* "<index> : <hex>" into bank. */
static enum fwg_status yaml_value(const struct text_line *l, struct fwg_pcr_bank *bank,
		char *errbuf, size_t errbuf_size)
{
	const char *s = l->s + l->indent, *end = l->s + l->n;
	unsigned index = 0;
	size_t digits = 0;
	while (s < end && *s >= '0' && *s <= '9' && digits < 3) {
		index = index * 10 + (unsigned)(*s - '0');
		s++;
		digits++;
	}
	while (s < end && *s == ' ')
		s++;
	if (!digits || s == end || *s != ':')
		return fail(errbuf, errbuf_size, FWG_MALFORMED,
			"line %u: expected 'BANK:' or 'PCR : HEX'", l->number);
	s++;
	while (s < end && *s == ' ')
		s++;
	if (!bank)
		return fail(errbuf, errbuf_size, FWG_MALFORMED,
			"line %u: PCR value before any bank name such as 'sha256:'", l->number);
	if (index >= FWG_PCR_COUNT)
		return fail(errbuf, errbuf_size, FWG_MALFORMED, "line %u: PCR %u is out of range 0-%d",
			l->number, index, FWG_PCR_COUNT - 1);
	uint32_t bit = 1u << index;
	if (bank->present_mask & bit)
		return fail(errbuf, errbuf_size, FWG_MALFORMED, "line %u: %s PCR %u given twice",
			l->number, fwg_tpm_alg_name(bank->alg), index);
	if (!parse_digest(s, (size_t)(end - s), bank->value[index], bank->size))
		return fail(errbuf, errbuf_size, FWG_MALFORMED,
			"line %u: %s PCR %u: expected %u hex bytes", l->number,
			fwg_tpm_alg_name(bank->alg), index, bank->size);
	bank->present_mask |= bit;
	return FWG_OK;
}

static enum fwg_status parse_yaml(const char *text, size_t len, struct fwg_pcr_set *out,
		char *errbuf, size_t errbuf_size)
{
	unsigned first_number;
	bool sectioned;
	size_t start = yaml_start(text, len, &first_number, &sectioned);
	struct line_reader r = { text, len, start, first_number };
	struct text_line l;
	struct fwg_pcr_bank *bank = NULL;
	while (next_line(&r, &l)) {
		if (l.indent == l.n || l.s[l.indent] == '#' || line_is(&l, "---"))
			continue; /* blank, comment, document start */
		if (l.s[l.indent] == '\t')
			return fail(errbuf, errbuf_size, FWG_MALFORMED,
				"line %u: tabs are not allowed in YAML indentation", l.number);
		if (sectioned && l.indent == 0)
			break; /* the next top-level key ends the "pcrs:" section */
		const char *name;
		size_t n;
		enum fwg_status st = is_bank_header(&l, &name, &n) ?
			yaml_bank(&l, name, n, out, &bank, errbuf, errbuf_size) :
			yaml_value(&l, bank, errbuf, errbuf_size);
		if (st != FWG_OK)
			return st;
	}
	return FWG_OK;
}

/* ---- JSON (fwguard) ------------------------------------------------------ */

static enum fwg_status json_bank(const char *name, json_t *values, struct fwg_pcr_set *out,
		char *errbuf, size_t errbuf_size)
{
	char shown[MAX_NAME + 1];
	printable(name, strlen(name), shown, sizeof(shown));
	uint16_t alg = fwg_tpm_alg_from_name(name);
	if (!alg)
		return fail(errbuf, errbuf_size, FWG_MALFORMED,
			"unknown PCR bank \"%s\" (expected sha1, sha256, sha384, sha512 or sm3_256)",
			shown);
	if (!json_is_object(values))
		return fail(errbuf, errbuf_size, FWG_MALFORMED,
			"bank \"%s\" must be an object of \"PCR\": \"hex\"", shown);
	struct fwg_pcr_bank *b = bank_for(out, alg);
	if (!b)
		return fail(errbuf, errbuf_size, FWG_LIMIT, "more than %d PCR banks",
			FWG_EVLOG_MAX_BANKS);
	const char *key;
	json_t *v;
	json_object_foreach(values, key, v) {
		char key_shown[MAX_NAME + 1];
		printable(key, strlen(key), key_shown, sizeof(key_shown));
		size_t kn = strlen(key);
		unsigned index = 0;
		bool ok = kn >= 1 && kn <= 2 && (kn == 1 || key[0] != '0');
		for (size_t i = 0; ok && i < kn; i++) {
			ok = key[i] >= '0' && key[i] <= '9';
			index = index * 10 + (unsigned)(key[i] - '0');
		}
		if (!ok || index >= FWG_PCR_COUNT)
			return fail(errbuf, errbuf_size, FWG_MALFORMED,
				"%s: \"%s\" is not a PCR index 0-%d", shown, key_shown,
				FWG_PCR_COUNT - 1);
		/* Duplicate keys are rejected by the loader, so no PCR repeats. */
		if (!json_is_string(v) || !parse_digest(json_string_value(v), json_string_length(v),
				b->value[index], b->size))
			return fail(errbuf, errbuf_size, FWG_MALFORMED,
				"%s PCR %u: expected a string of %u hex bytes", shown, index, b->size);
		b->present_mask |= 1u << index;
	}
	return FWG_OK;
}

static enum fwg_status parse_json(const char *text, size_t len, struct fwg_pcr_set *out,
		char *errbuf, size_t errbuf_size)
{
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		char shown[sizeof(je.text)];
		printable(je.text, strnlen(je.text, sizeof(je.text)), shown, sizeof(shown));
		return fail(errbuf, errbuf_size, FWG_MALFORMED, "JSON line %d column %d: %s",
			je.line, je.column, shown);
	}
	enum fwg_status st = FWG_OK;
	json_t *banks = json_is_object(root) ? json_object_get(root, "pcrs") : NULL;
	if (!banks)
		banks = root;
	if (!json_is_object(banks)) {
		st = fail(errbuf, errbuf_size, FWG_MALFORMED,
			"expected {\"pcrs\": {\"sha256\": {\"0\": \"hex\", ...}}} or {\"sha256\": {...}}");
		goto out;
	}
	const char *name;
	json_t *values;
	json_object_foreach(banks, name, values) {
		st = json_bank(name, values, out, errbuf, errbuf_size);
		if (st != FWG_OK)
			goto out;
	}
out:
	json_decref(root);
	return st;
}

enum fwg_status fwg_pcr_set_parse(const char *text, size_t len, struct fwg_pcr_set *out,
		char *errbuf, size_t errbuf_size)
{
	memset(out, 0, sizeof(*out));
	if (!text)
		len = 0;
	size_t i = 0;
	while (i < len && isspace((unsigned char)text[i]))
		i++;
	enum fwg_status st = i < len && text[i] == '{' ?
		parse_json(text, len, out, errbuf, errbuf_size) :
		parse_yaml(text, len, out, errbuf, errbuf_size);
	if (st == FWG_OK && out->bank_count == 0)
		st = fail(errbuf, errbuf_size, FWG_MALFORMED,
			"no PCR values found (expected tpm2_pcrread YAML or fwguard's replay JSON)");
	if (st != FWG_OK)
		memset(out, 0, sizeof(*out));
	return st;
}

/* ---- a TPM through tpm2-tss ---------------------------------------------- */

struct tpm_session {
	TSS2_TCTI_CONTEXT *tcti;
	ESYS_CONTEXT *esys;
};

static void selection_mask_set(TPMS_PCR_SELECTION *s, uint32_t mask)
{
	s->sizeofSelect = PCR_SELECT_BYTES;
	memset(s->pcrSelect, 0, sizeof(s->pcrSelect));
	for (unsigned i = 0; i < PCR_SELECT_BYTES; i++)
		s->pcrSelect[i] = (uint8_t)(mask >> (8 * i));
}

/* PCRs 0-23 of a selection as a mask (bits beyond are ignored). */
static uint32_t selection_mask(const TPMS_PCR_SELECTION *s)
{
	uint32_t mask = 0;
	unsigned n = s->sizeofSelect < PCR_SELECT_BYTES ? s->sizeofSelect : PCR_SELECT_BYTES;
	for (unsigned i = 0; i < n; i++)
		mask |= (uint32_t)s->pcrSelect[i] << (8 * i);
	return mask;
}

/* The banks the TPM has PCRs allocated in, as empty banks of out and the
 * PCRs each one has in want[]. */
static enum fwg_status active_banks(struct tpm_session *t, struct fwg_pcr_set *out,
		uint32_t want[FWG_EVLOG_MAX_BANKS], char *errbuf, size_t errbuf_size)
{
	TPMI_YES_NO more = 0;
	TPMS_CAPABILITY_DATA *cap = NULL;
	TSS2_RC rc = Esys_GetCapability(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
		TPM2_CAP_PCRS, 0, 1, &more, &cap);
	if (rc != TSS2_RC_SUCCESS)
		return fail(errbuf, errbuf_size, FWG_IO,
			"TPM2_GetCapability(TPM_CAP_PCRS) failed (tss2 rc 0x%08x)", (unsigned)rc);
	enum fwg_status st = FWG_OK;
	if (cap->capability != TPM2_CAP_PCRS) {
		st = fail(errbuf, errbuf_size, FWG_MALFORMED,
			"the TPM answered TPM_CAP_PCRS with capability 0x%08x", (unsigned)cap->capability);
		goto out;
	}
	const TPML_PCR_SELECTION *assigned = &cap->data.assignedPCR;
	for (UINT32 i = 0; i < assigned->count && i < TPM2_NUM_PCR_BANKS; i++) {
		const TPMS_PCR_SELECTION *s = &assigned->pcrSelections[i];
		uint32_t mask = selection_mask(s);
		if (!mask || !fwg_tpm_alg_digest_size(s->hash))
			continue; /* an unallocated bank, or one we cannot name */
		struct fwg_pcr_bank *b = bank_for(out, s->hash);
		if (!b)
			break;
		want[b - out->banks] = mask;
	}
	if (out->bank_count == 0)
		st = fail(errbuf, errbuf_size, FWG_UNSUPPORTED,
			"the TPM has no active PCR bank fwguard knows (sha1, sha256, sha384, sha512, sm3_256)");
out:
	Esys_Free(cap);
	return st;
}

/* Files the digests TPM2_PCR_Read returned, in the order of the selection
 * it served (banks in order, PCRs ascending); clears them from want[].
 * *progress counts the PCRs filed. */
static enum fwg_status file_values(struct fwg_pcr_set *out, uint32_t want[FWG_EVLOG_MAX_BANKS],
		const TPML_PCR_SELECTION *served, const TPML_DIGEST *values, size_t *progress,
		char *errbuf, size_t errbuf_size)
{
	UINT32 next = 0;
	*progress = 0;
	for (UINT32 i = 0; i < served->count && i < TPM2_NUM_PCR_BANKS; i++) {
		const TPMS_PCR_SELECTION *s = &served->pcrSelections[i];
		uint32_t mask = selection_mask(s);
		struct fwg_pcr_bank *b = (struct fwg_pcr_bank *)fwg_pcr_set_bank(out, s->hash);
		for (unsigned pcr = 0; pcr < FWG_PCR_COUNT; pcr++) {
			uint32_t bit = 1u << pcr;
			if (!(mask & bit))
				continue;
			if (!b || !(want[b - out->banks] & bit))
				return fail(errbuf, errbuf_size, FWG_MALFORMED,
					"TPM2_PCR_Read served PCR %u of bank 0x%04x, which was not asked for",
					pcr, (unsigned)s->hash);
			if (next >= values->count || next >= 8 || values->digests[next].size != b->size)
				return fail(errbuf, errbuf_size, FWG_MALFORMED,
					"TPM2_PCR_Read returned %u digests that do not match its selection",
					(unsigned)values->count);
			memcpy(b->value[pcr], values->digests[next].buffer, b->size);
			next++;
			b->present_mask |= bit;
			want[b - out->banks] &= ~bit;
			(*progress)++;
		}
	}
	if (next != values->count)
		return fail(errbuf, errbuf_size, FWG_MALFORMED,
			"TPM2_PCR_Read returned %u digests for %u selected PCRs",
			(unsigned)values->count, (unsigned)next);
	return FWG_OK;
}

/* One TPM2_PCR_Read of every PCR still wanted. */
static enum fwg_status read_chunk(struct tpm_session *t, struct fwg_pcr_set *out,
		uint32_t want[FWG_EVLOG_MAX_BANKS], UINT32 *counter, size_t *progress,
		char *errbuf, size_t errbuf_size)
{
	TPML_PCR_SELECTION ask;
	memset(&ask, 0, sizeof(ask));
	for (size_t k = 0; k < out->bank_count; k++) {
		if (!want[k])
			continue;
		ask.pcrSelections[ask.count].hash = out->banks[k].alg;
		selection_mask_set(&ask.pcrSelections[ask.count], want[k]);
		ask.count++;
	}
	TPML_PCR_SELECTION *served = NULL;
	TPML_DIGEST *values = NULL;
	TSS2_RC rc = Esys_PCR_Read(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &ask,
		counter, &served, &values);
	if (rc != TSS2_RC_SUCCESS)
		return fail(errbuf, errbuf_size, FWG_IO, "TPM2_PCR_Read failed (tss2 rc 0x%08x)",
			(unsigned)rc);
	enum fwg_status st = file_values(out, want, served, values, progress, errbuf, errbuf_size);
	Esys_Free(served);
	Esys_Free(values);
	return st;
}

/* Reads every wanted PCR; restarts (a bounded number of times) when the
 * update counter shows a PCR changed between two calls. */
static enum fwg_status read_all(struct tpm_session *t, struct fwg_pcr_set *out,
		const uint32_t active[FWG_EVLOG_MAX_BANKS], char *errbuf, size_t errbuf_size)
{
	for (unsigned pass = 1;; pass++) {
		uint32_t want[FWG_EVLOG_MAX_BANKS];
		memcpy(want, active, sizeof(want));
		for (size_t k = 0; k < out->bank_count; k++)
			out->banks[k].present_mask = 0;
		UINT32 first = 0;
		bool moved = false;
		for (unsigned call = 0;; call++) {
			bool left = false;
			for (size_t k = 0; k < out->bank_count; k++)
				left = left || want[k];
			if (!left)
				break;
			if (call == MAX_READ_CALLS)
				return fail(errbuf, errbuf_size, FWG_LIMIT,
					"TPM2_PCR_Read did not serve every PCR in %d calls", MAX_READ_CALLS);
			UINT32 counter = 0;
			size_t progress = 0;
			enum fwg_status st = read_chunk(t, out, want, &counter, &progress, errbuf,
				errbuf_size);
			if (st != FWG_OK)
				return st;
			if (!progress)
				return fail(errbuf, errbuf_size, FWG_MALFORMED,
					"TPM2_PCR_Read returned no value for the PCRs still unread");
			if (call == 0)
				first = counter;
			else if (counter != first)
				moved = true;
		}
		if (!moved || pass == MAX_READ_PASSES)
			return FWG_OK;
	}
}

/* Why the TCTI loader failed, in words (tss2_common.h base codes). */
static const char *tcti_failure(TSS2_RC rc)
{
	switch (rc & 0xffffu) { /* the base code, whatever the layer */
	case TSS2_BASE_RC_IO_ERROR:
	case TSS2_BASE_RC_NO_CONNECTION:
		return "no TPM answers there";
	case TSS2_BASE_RC_NOT_SUPPORTED:
	case TSS2_BASE_RC_NOT_IMPLEMENTED:
		return "no such TCTI module";
	case TSS2_BASE_RC_BAD_VALUE:
	case TSS2_BASE_RC_BAD_REFERENCE:
		return "a bad TCTI configuration";
	case TSS2_BASE_RC_MEMORY:
		return "out of memory";
	default:
		return "the TCTI failed to start";
	}
}

enum fwg_status fwg_pcr_set_read_tpm(const char *tcti, struct fwg_pcr_set *out, char *errbuf,
		size_t errbuf_size)
{
	memset(out, 0, sizeof(*out));
	struct tpm_session t = { NULL, NULL };
	enum fwg_status st;
	TSS2_RC rc = Tss2_TctiLdr_Initialize(tcti, &t.tcti);
	if (rc != TSS2_RC_SUCCESS) {
		st = fail(errbuf, errbuf_size, FWG_IO,
			"cannot open the TPM through the TCTI '%s': %s (tss2 rc 0x%08x)",
			tcti ? tcti : "(default)", tcti_failure(rc), (unsigned)rc);
		goto out;
	}
	rc = Esys_Initialize(&t.esys, t.tcti, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		st = fail(errbuf, errbuf_size, FWG_IO, "Esys_Initialize failed (tss2 rc 0x%08x)",
			(unsigned)rc);
		goto out;
	}
	uint32_t active[FWG_EVLOG_MAX_BANKS] = { 0 };
	st = active_banks(&t, out, active, errbuf, errbuf_size);
	if (st == FWG_OK)
		st = read_all(&t, out, active, errbuf, errbuf_size);
out:
	if (t.esys)
		Esys_Finalize(&t.esys);
	if (t.tcti)
		Tss2_TctiLdr_Finalize(&t.tcti);
	if (st != FWG_OK)
		memset(out, 0, sizeof(*out));
	return st;
}
