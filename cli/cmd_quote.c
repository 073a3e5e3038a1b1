/*
 * cmd_quote.c - `fwguard eventlog quote`: verifies a TPM2_Quote made with
 * tpm2_quote (message, signature) against the attestation key, the
 * verifier's nonce and, with --log (replayed here) or --pcrs, the PCR
 * values the quote must cover (fwguard/eventlog.h, fwg_quote_verify).
 *
 * Valid means: the signature verifies, the qualifying data is the nonce,
 * and, when expected PCRs were given, the PCR digest matches them.
 *
 * Exit: 0 valid; 7 invalid, including a message, signature or key that
 * does not decode (evidence that cannot be verified is refused, as in
 * `eventlog replay --quote`); 3 a file that cannot be read, or a log or
 * PCR file that does not parse; 2 usage; 5 output.
 *
 * JSON (--format json), one object:
 *   {"valid", "signature", "nonce": bool, "pcr_digest": bool or null when
 *    not checked, "expected_pcrs": "log"|"file"|null, "signature_scheme":
 *    "rsassa"|"rsapss"|"ecdsa", "hash": "sha256", "selection": {"sha256":
 *    [0, 1, ...], ...}, "quoted_pcr_digest": hex, "clock", "reset_count",
 *    "restart_count": numbers, "safe": bool, "firmware_version": "0x..."
 *    (a string: 64 bits do not fit a JSON number everywhere), "detail"}
 *   or, when the inputs do not decode, {"valid": false, "error": "..."}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cmd_eventlog.h"
#include "fwguard/eventlog.h"

#define NAME "eventlog quote"
#define MAX_NONCE 64 /* TPM2B_DATA */

enum { TPM_ALG_RSASSA = 0x0014, TPM_ALG_RSAPSS = 0x0016, TPM_ALG_ECDSA = 0x0018 };

static const char *scheme_name(uint16_t alg, char *buf, size_t size)
{
	switch (alg) {
	case TPM_ALG_RSASSA: return "rsassa";
	case TPM_ALG_RSAPSS: return "rsapss";
	case TPM_ALG_ECDSA: return "ecdsa";
	default:
		snprintf(buf, size, "0x%04x", (unsigned)alg);
		return buf;
	}
}

static const char *bank_name(uint16_t alg, char *buf, size_t size)
{
	const char *name = fwg_tpm_alg_name(alg);
	if (name)
		return name;
	snprintf(buf, size, "0x%04x", (unsigned)alg);
	return buf;
}

static void write_json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void write_hex(FILE *out, const uint8_t *bytes, size_t len)
{
	for (size_t i = 0; i < len; i++)
		fprintf(out, "%02x", bytes[i]);
}

/* The quoted selection with repeated banks merged, in first-seen order. */
static size_t merged_selection(const struct fwg_quote_result *r, uint16_t *algs, uint32_t *masks)
{
	size_t n = 0;
	for (size_t i = 0; i < r->selection_count && i < FWG_EVLOG_MAX_BANKS; i++) {
		size_t k = 0;
		while (k < n && algs[k] != r->selection[i].alg)
			k++;
		if (k == n) {
			algs[n] = r->selection[i].alg;
			masks[n++] = 0;
		}
		masks[k] |= r->selection[i].mask;
	}
	return n;
}

static void write_json(FILE *out, const struct fwg_quote_result *r, const char *expected,
		bool valid)
{
	char buf[16];
	fprintf(out, "{\"valid\":%s,\"signature\":%s,\"nonce\":%s,\"pcr_digest\":%s,",
		valid ? "true" : "false", r->signature_ok ? "true" : "false",
		r->nonce_ok ? "true" : "false",
		!expected ? "null" : r->pcr_digest_ok ? "true" : "false");
	fputs("\"expected_pcrs\":", out);
	if (expected)
		write_json_string(out, expected);
	else
		fputs("null", out);
	fputs(",\"signature_scheme\":", out);
	write_json_string(out, scheme_name(r->sig_alg, buf, sizeof(buf)));
	fputs(",\"hash\":", out);
	if (r->hash_alg)
		write_json_string(out, bank_name(r->hash_alg, buf, sizeof(buf)));
	else
		fputs("null", out);
	fputs(",\"selection\":{", out);
	uint16_t algs[FWG_EVLOG_MAX_BANKS];
	uint32_t masks[FWG_EVLOG_MAX_BANKS];
	size_t n = merged_selection(r, algs, masks);
	for (size_t k = 0; k < n; k++) {
		fprintf(out, "%s", k ? "," : "");
		write_json_string(out, bank_name(algs[k], buf, sizeof(buf)));
		fputs(":[", out);
		bool first = true;
		for (unsigned pcr = 0; pcr < 32; pcr++) {
			if (!(masks[k] & (1u << pcr)))
				continue;
			fprintf(out, "%s%u", first ? "" : ",", pcr);
			first = false;
		}
		fputc(']', out);
	}
	fputs("},\"quoted_pcr_digest\":\"", out);
	write_hex(out, r->pcr_digest, r->pcr_digest_size);
	fprintf(out, "\",\"clock\":%llu,\"reset_count\":%u,\"restart_count\":%u,\"safe\":%s,"
		"\"firmware_version\":\"0x%016llx\",\"detail\":",
		(unsigned long long)r->clock, (unsigned)r->reset_count, (unsigned)r->restart_count,
		r->safe ? "true" : "false", (unsigned long long)r->firmware_version);
	write_json_string(out, r->detail);
	fputs("}\n", out);
}

/* "0-2,16" for a PCR mask. */
static void write_pcr_ranges(FILE *out, uint32_t mask)
{
	bool first = true;
	for (unsigned pcr = 0; pcr < 32; pcr++) {
		if (!(mask & (1u << pcr)))
			continue;
		unsigned last = pcr;
		while (last + 1 < 32 && (mask & (1u << (last + 1))))
			last++;
		fprintf(out, "%s%u", first ? "" : ",", pcr);
		if (last > pcr)
			fprintf(out, "-%u", last);
		first = false;
		pcr = last;
	}
}

static void write_text(FILE *out, const struct fwg_quote_result *r, const char *expected,
		bool valid)
{
	char buf[16];
	fprintf(out, "quote: %s\n", valid ? "VALID" : "INVALID");
	fprintf(out, "  signature:   %s (%s", r->signature_ok ? "valid" : "INVALID",
		scheme_name(r->sig_alg, buf, sizeof(buf)));
	if (r->hash_alg)
		fprintf(out, ", %s", bank_name(r->hash_alg, buf, sizeof(buf)));
	fputs(")\n", out);
	fprintf(out, "  nonce:       %s\n", r->nonce_ok ? "matches" : "DIFFERS");
	if (!expected)
		fputs("  PCR digest:  not checked (give --log or --pcrs)\n", out);
	else
		fprintf(out, "  PCR digest:  %s the %s\n",
			r->pcr_digest_ok ? "matches" : "DIFFERS from",
			strcmp(expected, "log") == 0 ? "replayed log" : "PCR file");
	fputs("  quoted PCRs: ", out);
	uint16_t algs[FWG_EVLOG_MAX_BANKS];
	uint32_t masks[FWG_EVLOG_MAX_BANKS];
	size_t n = merged_selection(r, algs, masks);
	for (size_t k = 0; k < n; k++) {
		fprintf(out, "%s%s: ", k ? "; " : "", bank_name(algs[k], buf, sizeof(buf)));
		write_pcr_ranges(out, masks[k]);
	}
	fputs(n ? "\n  digest:      " : "none\n  digest:      ", out);
	write_hex(out, r->pcr_digest, r->pcr_digest_size);
	fprintf(out, "\n  clock:       %llu ms, reset count %u, restart count %u%s\n",
		(unsigned long long)r->clock, (unsigned)r->reset_count, (unsigned)r->restart_count,
		r->safe ? ", safe" : ", NOT safe (the clock may have gone back)");
	fprintf(out, "  firmware:    0x%016llx\n", (unsigned long long)r->firmware_version);
	if (r->detail[0])
		fprintf(out, "  detail:      %s\n", r->detail);
}

/* Expected PCRs from --pcrs FILE or by replaying --log FILE. */
static int load_expected(const struct parsed_args *p, struct fwg_pcr_set *set,
		const char **expected)
{
	const char *log_path = arg_value(p, "log");
	*expected = NULL;
	if (log_path && arg_value(p, "pcrs")) {
		fprintf(stderr, "fwguard %s: give either --log or --pcrs, not both\n", NAME);
		return EXIT_USAGE;
	}
	if (!log_path) {
		const char *source;
		int rc = evcli_load_pcrs(NAME, p, set, &source);
		if (!rc && source)
			*expected = "file";
		return rc;
	}
	char *buf;
	struct fwg_evlog *log;
	int rc = evcli_load_log(NAME, log_path, &buf, &log);
	if (rc)
		return rc;
	char err[512];
	enum fwg_status st = fwg_evlog_replay(log, set, err, sizeof(err));
	fwg_evlog_free(log);
	free(buf);
	if (st != FWG_OK) {
		fprintf(stderr, "fwguard %s: %s: %s\n", NAME, log_path, err);
		return st == FWG_NOMEM ? EXIT_LIMIT : EXIT_INPUT;
	}
	*expected = "log";
	return EXIT_OK;
}

/* Checks the required options; fills the nonce. */
static int check_usage(const struct parsed_args *p, uint8_t *nonce, size_t *nonce_len)
{
	static const char *const required[] = { "quote", "signature", "ak", "nonce" };
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		if (!arg_value(p, required[i]) || !arg_value(p, required[i])[0]) {
			fprintf(stderr, "fwguard %s: --%s is required%s\n", NAME, required[i],
				strcmp(required[i], "nonce") == 0 ?
				": a quote without the verifier's nonce proves nothing about freshness" :
				"");
			return EXIT_USAGE;
		}
	}
	if (p->npositional) {
		fprintf(stderr, "fwguard %s: unexpected argument '%s'\n", NAME, p->positional[0]);
		return EXIT_USAGE;
	}
	if (!evcli_parse_hex(arg_value(p, "nonce"), nonce, MAX_NONCE, nonce_len)) {
		fprintf(stderr, "fwguard %s: --nonce must be hex (at most %d bytes)\n", NAME,
			MAX_NONCE);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* evcli_read_blob, leaving *data NULL when the file cannot be read. */
static int read_blob(const char *path, uint8_t **data, size_t *len)
{
	uint8_t *bytes = NULL;
	size_t n = 0;
	int rc = evcli_read_blob(NAME, path, &bytes, &n);
	*data = rc ? NULL : bytes;
	*len = rc ? 0 : n;
	return rc;
}

static int verify(const struct parsed_args *p, const uint8_t *nonce, size_t nonce_len,
		const struct fwg_pcr_set *pcrs, const char *expected, bool json)
{
	uint8_t *msg = NULL, *sig = NULL, *ak = NULL;
	size_t msg_len = 0, sig_len = 0, ak_len = 0;
	int rc = read_blob(arg_value(p, "quote"), &msg, &msg_len);
	if (!rc)
		rc = read_blob(arg_value(p, "signature"), &sig, &sig_len);
	if (!rc)
		rc = read_blob(arg_value(p, "ak"), &ak, &ak_len);
	if (rc)
		goto out;
	struct fwg_quote_input in = { msg, msg_len, sig, sig_len, ak, ak_len, nonce, nonce_len,
		expected ? pcrs : NULL };
	struct fwg_quote_result r;
	char err[512];
	enum fwg_status st = fwg_quote_verify(&in, &r, err, sizeof(err));
	if (st != FWG_OK) {
		fprintf(stderr, "fwguard %s: refused: %s\n", NAME, err);
		if (json) {
			fputs("{\"valid\":false,\"error\":", stdout);
			write_json_string(stdout, err);
			fputs("}\n", stdout);
		}
		rc = st == FWG_NOMEM ? EXIT_LIMIT : EXIT_UNTRUSTED;
		goto out;
	}
	bool valid = r.signature_ok && r.nonce_ok && (!expected || r.pcr_digest_ok);
	if (json)
		write_json(stdout, &r, expected, valid);
	else
		write_text(stdout, &r, expected, valid);
	rc = valid ? EXIT_OK : EXIT_UNTRUSTED;
out:
	if (fflush(stdout) != 0 && rc != EXIT_LIMIT)
		rc = EXIT_OUTPUT;
	free(msg);
	free(sig);
	free(ak);
	return rc;
}

int cli_run_eventlog_quote(int argc, char **argv)
{
	struct parsed_args p;
	bool json;
	int rc = evcli_prologue(NAME, argc, argv, &p, &json);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	uint8_t nonce[MAX_NONCE];
	size_t nonce_len = 0;
	rc = check_usage(&p, nonce, &nonce_len);
	if (rc)
		return rc;
	struct fwg_pcr_set pcrs;
	const char *expected;
	rc = load_expected(&p, &pcrs, &expected);
	if (rc)
		return rc;
	return verify(&p, nonce, nonce_len, &pcrs, expected, json);
}
