/*
 * cmd_eventlog.c - `fwguard eventlog show|replay|check|baseline|quote`:
 * measured boot from the command line (fwguard/eventlog.h,
 * docs/eventlog.md).
 *
 * Exit: 0 success; 1 replay mismatch or a failed check; 7 a quote that
 * does not verify; 3 an unreadable or unparseable log or PCR source;
 * 2 usage; 5 output.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cmd_eventlog.h"
#include "fwguard/eventlog.h"

#define MAX_MISMATCHES (FWG_PCR_COUNT * FWG_EVLOG_MAX_BANKS)

int evcli_prologue(const char *name, int argc, char **argv, struct parsed_args *p, bool *json)
{
	const struct cli_command *cmd = cli_find_command(name);
	int rc = parse_args(cmd, false, argc, argv, p);
	if (rc)
		return rc;
	if (arg_value(p, "help")) {
		cli_print_command_help(stdout, cmd);
		return -1;
	}
	const char *format = arg_value(p, "format");
	bool is_json = format && strcmp(format, "json") == 0;
	if (json)
		*json = is_json;
	if (format && !is_json && strcmp(format, "text") != 0) {
		fprintf(stderr, "fwguard %s: unknown format '%s' (use text or json)\n", name, format);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

int evcli_load_log(const char *cmd, const char *path, char **buf, struct fwg_evlog **log)
{
	size_t len;
	int rc = read_text_file(cmd, path, buf, &len);
	if (rc)
		return rc;
	char err[512];
	enum fwg_status st = fwg_evlog_parse((const uint8_t *)*buf, len, log, err, sizeof(err));
	if (st != FWG_OK) {
		fprintf(stderr, "fwguard %s: %s: %s\n", cmd, path, err);
		free(*buf);
		*buf = NULL;
		return st == FWG_NOMEM ? EXIT_LIMIT : EXIT_INPUT;
	}
	if ((*log)->stop_reason)
		fprintf(stderr, "fwguard %s: %s: warning: %s\n", cmd, path, (*log)->stop_reason);
	return EXIT_OK;
}

/* Reads a whole binary file (quotes, signatures, keys). */
int evcli_read_blob(const char *cmd, const char *path, uint8_t **data, size_t *len)
{
	char *text = NULL;
	int rc = read_text_file(cmd, path, &text, len);
	*data = rc == EXIT_OK ? (uint8_t *)text : NULL;
	return rc;
}

bool evcli_parse_hex(const char *text, uint8_t *out, size_t max, size_t *len)
{
	size_t n = strlen(text);
	if (n >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
		text += 2;
		n -= 2;
	}
	if (n % 2 || n / 2 > max)
		return false;
	*len = n / 2;
	return fwg_hex_decode_n(text, n, out, n / 2);
}

/* "0,1,2-7" into a PCR bit mask. */
bool evcli_parse_pcr_list(const char *text, uint32_t *mask)
{
	*mask = 0;
	const char *s = text;
	while (*s) {
		char *end;
		unsigned long a = strtoul(s, &end, 10), b = a;
		if (end == s || a >= FWG_PCR_COUNT)
			return false;
		s = end;
		if (*s == '-') {
			b = strtoul(s + 1, &end, 10);
			if (end == s + 1 || b >= FWG_PCR_COUNT || b < a)
				return false;
			s = end;
		}
		for (unsigned long i = a; i <= b; i++)
			*mask |= 1u << i;
		if (*s == ',')
			s++;
		else if (*s)
			return false;
	}
	return *mask != 0;
}

int evcli_load_pcrs(const char *cmd, const struct parsed_args *p, struct fwg_pcr_set *set,
		const char **source)
{
	const char *file = arg_value(p, "pcrs");
	const char *tcti = arg_value(p, "tpm");
	char err[512];
	*source = NULL;
	if (file && tcti) {
		fprintf(stderr, "fwguard %s: give either --pcrs or --tpm, not both\n", cmd);
		return EXIT_USAGE;
	}
	if (file) {
		char *text;
		size_t len;
		int rc = read_text_file(cmd, file, &text, &len);
		if (rc)
			return rc;
		enum fwg_status st = fwg_pcr_set_parse(text, len, set, err, sizeof(err));
		free(text);
		if (st != FWG_OK) {
			fprintf(stderr, "fwguard %s: %s: %s\n", cmd, file, err);
			return EXIT_INPUT;
		}
		*source = "file";
	} else if (tcti) {
		enum fwg_status st = fwg_pcr_set_read_tpm(tcti[0] ? tcti : NULL, set, err, sizeof(err));
		if (st != FWG_OK) {
			fprintf(stderr, "fwguard %s: cannot read the TPM's PCRs: %s\n", cmd, err);
			return EXIT_INPUT;
		}
		*source = "tpm";
	}
	return EXIT_OK;
}

/* ---- show ---------------------------------------------------------------- */

int cli_run_eventlog_show(int argc, char **argv)
{
	const char *name = "eventlog show";
	struct parsed_args p;
	bool json;
	int rc = evcli_prologue(name, argc, argv, &p, &json);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (p.npositional != 1) {
		fprintf(stderr, "fwguard %s: expected one LOG argument\n", name);
		return EXIT_USAGE;
	}
	char *buf;
	struct fwg_evlog *log;
	rc = evcli_load_log(name, p.positional[0], &buf, &log);
	if (rc)
		return rc;
	FILE *out = open_output(name, arg_value(&p, "output"));
	if (!out) {
		fwg_evlog_free(log);
		free(buf);
		return EXIT_OUTPUT;
	}
	enum fwg_status st = json ? fwg_evlog_write_json(log, out) : fwg_evlog_write_text(log, out);
	st = close_output(out, st);
	fwg_evlog_free(log);
	free(buf);
	if (st != FWG_OK) {
		fprintf(stderr, "fwguard %s: cannot write the output\n", name);
		return EXIT_OUTPUT;
	}
	return EXIT_OK;
}

/* ---- replay -------------------------------------------------------------- */

static void write_pcrs_text(FILE *out, const struct fwg_pcr_set *set)
{
	for (size_t k = 0; k < set->bank_count; k++) {
		const struct fwg_pcr_bank *b = &set->banks[k];
		fprintf(out, "%s:\n", fwg_tpm_alg_name(b->alg));
		for (unsigned pcr = 0; pcr < FWG_PCR_COUNT; pcr++) {
			char hex[2 * FWG_DIGEST_MAX + 1];
			fwg_hex_encode(b->value[pcr], b->size, hex);
			fprintf(out, "  %2u : 0x%s\n", pcr, hex);
		}
	}
}

/* Verifies --quote/--signature/--ak against the replayed PCRs. */
static int replay_quote(const char *name, const struct parsed_args *p,
		const struct fwg_pcr_set *replayed, struct fwg_quote_result *qr)
{
	const char *msg = arg_value(p, "quote"), *sig = arg_value(p, "signature");
	const char *ak = arg_value(p, "ak"), *nonce = arg_value(p, "nonce");
	if (!sig || !ak) {
		fprintf(stderr, "fwguard %s: --quote needs --signature and --ak\n", name);
		return EXIT_USAGE;
	}
	uint8_t nonce_bytes[64];
	size_t nonce_len = 0;
	if (!nonce) {
		fprintf(stderr, "fwguard %s: --quote needs --nonce: a quote without the verifier's nonce "
			"proves nothing about freshness\n", name);
		return EXIT_USAGE;
	}
	if (!evcli_parse_hex(nonce, nonce_bytes, sizeof(nonce_bytes), &nonce_len)) {
		fprintf(stderr, "fwguard %s: --nonce must be hex (at most 64 bytes)\n", name);
		return EXIT_USAGE;
	}
	uint8_t *m = NULL, *s = NULL, *k = NULL;
	size_t ml, sl, kl;
	int rc = evcli_read_blob(name, msg, &m, &ml);
	if (!rc)
		rc = evcli_read_blob(name, sig, &s, &sl);
	if (!rc)
		rc = evcli_read_blob(name, ak, &k, &kl);
	if (!rc) {
		struct fwg_quote_input in = { m, ml, s, sl, k, kl, nonce_bytes, nonce_len,
			replayed };
		char err[512];
		if (fwg_quote_verify(&in, qr, err, sizeof(err)) != FWG_OK) {
			fprintf(stderr, "fwguard %s: %s\n", name, err);
			rc = EXIT_UNTRUSTED;
		}
	}
	free(m);
	free(s);
	free(k);
	return rc;
}

int cli_run_eventlog_replay(int argc, char **argv)
{
	const char *name = "eventlog replay";
	struct parsed_args p;
	bool json;
	int rc = evcli_prologue(name, argc, argv, &p, &json);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (p.npositional != 1) {
		fprintf(stderr, "fwguard %s: expected one LOG argument\n", name);
		return EXIT_USAGE;
	}
	uint32_t mask = 0;
	const char *list = arg_value(&p, "pcr-list");
	if (list && !evcli_parse_pcr_list(list, &mask)) {
		fprintf(stderr, "fwguard %s: --pcr-list wants PCR numbers 0-23 like 0-7,9\n", name);
		return EXIT_USAGE;
	}
	static struct fwg_pcr_set replayed, actual;
	const char *source;
	rc = evcli_load_pcrs(name, &p, &actual, &source);
	if (rc)
		return rc;
	if (arg_value(&p, "quote") && source) {
		fprintf(stderr, "fwguard %s: --quote cannot be combined with --pcrs or --tpm\n", name);
		return EXIT_USAGE;
	}
	char *buf;
	struct fwg_evlog *log;
	rc = evcli_load_log(name, p.positional[0], &buf, &log);
	if (rc)
		return rc;
	char err[512];
	enum fwg_status st = fwg_evlog_replay(log, &replayed, err, sizeof(err));
	fwg_evlog_free(log);
	free(buf);
	if (st != FWG_OK) {
		fprintf(stderr, "fwguard %s: %s\n", name, err);
		return EXIT_INPUT;
	}
	struct fwg_quote_result qr;
	memset(&qr, 0, sizeof(qr));
	bool quoted = arg_value(&p, "quote") != NULL;
	if (quoted && (rc = replay_quote(name, &p, &replayed, &qr)) != 0)
		return rc;
	struct fwg_pcr_mismatch mm[MAX_MISMATCHES];
	size_t compared = 0, nmm = source ? fwg_pcr_set_compare(&replayed, &actual, mask, mm,
		MAX_MISMATCHES, &compared) : 0;
	if (nmm > MAX_MISMATCHES)
		nmm = MAX_MISMATCHES;
	FILE *out = stdout;
	if (json) {
		fputs("{\"pcrs\":", out);
		if (fwg_pcr_set_write_json(&replayed, out) != FWG_OK)
			return EXIT_OUTPUT;
		if (source) {
			fprintf(out, ",\"compared\":{\"source\":\"%s\",\"pairs\":%zu,\"match\":%s,"
				"\"mismatches\":[", source, compared, nmm || !compared ? "false" : "true");
			for (size_t i = 0; i < nmm; i++) {
				const struct fwg_pcr_bank *r = fwg_pcr_set_bank(&replayed, mm[i].alg);
				const struct fwg_pcr_bank *a = fwg_pcr_set_bank(&actual, mm[i].alg);
				char rh[2 * FWG_DIGEST_MAX + 1], ah[2 * FWG_DIGEST_MAX + 1];
				fwg_hex_encode(r->value[mm[i].pcr], r->size, rh);
				fwg_hex_encode(a->value[mm[i].pcr], a->size, ah);
				fprintf(out, "%s{\"bank\":\"%s\",\"pcr\":%u,\"replayed\":\"%s\",\"actual\":\"%s\"}",
					i ? "," : "", fwg_tpm_alg_name(mm[i].alg), mm[i].pcr, rh, ah);
			}
			fputs("]}", out);
		}
		if (quoted)
			fprintf(out, ",\"quote\":{\"signature\":%s,\"nonce\":%s,\"pcr_digest\":%s}",
				qr.signature_ok ? "true" : "false", qr.nonce_ok ? "true" : "false",
				qr.pcr_digest_ok ? "true" : "false");
		fputs("}\n", out);
	} else {
		write_pcrs_text(out, &replayed);
		if (source) {
			fprintf(out, "compared with the %s: %zu (bank, PCR) pairs, %zu differ\n",
				strcmp(source, "tpm") == 0 ? "TPM" : "PCR file", compared, nmm);
			for (size_t i = 0; i < nmm; i++)
				fprintf(out, "  MISMATCH %s PCR %u\n", fwg_tpm_alg_name(mm[i].alg), mm[i].pcr);
		}
		if (quoted)
			fprintf(out, "quote: signature %s, nonce %s, PCR digest %s%s%s\n",
				qr.signature_ok ? "valid" : "INVALID", qr.nonce_ok ? "matches" : "DIFFERS",
				qr.pcr_digest_ok ? "matches the replay" : "DIFFERS from the replay",
				qr.detail[0] ? ": " : "", qr.detail);
	}
	if (fflush(out) != 0)
		return EXIT_OUTPUT;
	if (quoted && !(qr.signature_ok && qr.nonce_ok && qr.pcr_digest_ok))
		return EXIT_UNTRUSTED;
	if (source && (nmm || !compared))
		return EXIT_ANOMALIES;
	return EXIT_OK;
}
