/*
 * cmd_signing.c - `fwguard baseline sign|verify|pubkey`: signing baseline
 * manifests with PEM or PKCS#11 keys and checking them against a trust
 * store (include/fwguard/signing.h, docs/baselines.md).
 *
 * Exit codes: 0 ok (verify: valid), 2 usage, 3 a manifest, key or trust
 * store that cannot be read or used, 4 out of memory, 5 output, 7 verify
 * refused the manifest (reason on standard error, or in the JSON).
 * Times: $FWGUARD_NOW (Unix seconds) stands in for the clock when set.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "args.h"
#include "fwguard/signing.h"

static int status_exit(enum fwg_status st)
{
	return st == FWG_NOMEM ? EXIT_LIMIT : EXIT_INPUT;
}

static int write_text(const char *cmd, const char *path, const char *text, size_t len)
{
	FILE *out = open_output(cmd, path);
	if (!out)
		return EXIT_OUTPUT;
	enum fwg_status st = fwrite(text, 1, len, out) == len ? FWG_OK : FWG_IO;
	if (close_output(out, st) != FWG_OK) {
		fprintf(stderr, "fwguard %s: cannot write %s: %s\n", cmd, path ? path : "output",
			strerror(errno));
		return EXIT_OUTPUT;
	}
	return EXIT_OK;
}

int cli_run_baseline_sign(int argc, char **argv)
{
	static const char name[] = "baseline sign";
	struct parsed_args p;
	int rc = parse_args(cli_find_command(name), false, argc, argv, &p);
	if (rc)
		return rc;
	if (arg_value(&p, "help")) {
		cli_print_command_help(stdout, cli_find_command(name));
		return EXIT_OK;
	}
	const char *key = arg_value(&p, "key");
	if (p.npositional != 1 || !key || !*key) {
		fprintf(stderr, "fwguard %s: usage: fwguard baseline sign MANIFEST --key KEY [--pin PIN] [-o SIG]\n",
			name);
		return EXIT_USAGE;
	}
	const char *manifest = p.positional[0];
	char *doc = NULL, *sig = NULL;
	size_t doc_len, sig_len;
	struct fwg_signer *signer = NULL;
	char err[512];
	rc = read_text_file(name, manifest, &doc, &doc_len);
	if (rc)
		return rc;
	enum fwg_status st = fwg_signer_open(key, arg_value(&p, "pin"), &signer, err, sizeof(err));
	if (st != FWG_OK) {
		fprintf(stderr, "fwguard %s: %s: %s\n", name, key, err);
		rc = status_exit(st);
		goto out;
	}
	st = fwg_sign_document(signer, doc, doc_len, 0, &sig, &sig_len, err, sizeof(err));
	if (st != FWG_OK) {
		fprintf(stderr, "fwguard %s: %s: %s\n", name, manifest, err);
		rc = status_exit(st);
		goto out;
	}
	char def[4096];
	const char *out_path = arg_value(&p, "output");
	if (!out_path) {
		int n = snprintf(def, sizeof(def), "%s.sig", manifest);
		if (n < 0 || (size_t)n >= sizeof(def)) {
			fprintf(stderr, "fwguard %s: path too long: %s\n", name, manifest);
			rc = EXIT_USAGE;
			goto out;
		}
		out_path = def;
	}
	rc = write_text(name, strcmp(out_path, "-") == 0 ? NULL : out_path, sig, sig_len);
	if (rc == EXIT_OK)
		fprintf(stderr, "signed %s with key %s (%s)\n", manifest, fwg_signer_key_id(signer),
			fwg_signer_algorithm(signer));
out:
	fwg_signer_free(signer);
	free(doc);
	free(sig);
	return rc;
}

static void print_verdict_json(FILE *out, const char *manifest, const struct fwg_sig_verdict *v)
{
	/* The strings come from the verdict, which may quote key names and
	 * times from untrusted files: escape every byte that needs it. */
	const char *fields[][2] = {
		{ "result", fwg_sig_result_name(v->result) },
		{ "reason", v->reason },
		{ "key_id", v->key_id },
		{ "key_name", v->key_name },
		{ "algorithm", v->algorithm },
		{ "manifest", manifest },
	};
	fputc('{', out);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		fprintf(out, "%s\"%s\": \"", i ? ", " : "", fields[i][0]);
		for (const unsigned char *s = (const unsigned char *)fields[i][1]; *s; s++) {
			if (*s == '"' || *s == '\\')
				fprintf(out, "\\%c", *s);
			else if (*s < 0x20 || *s >= 0x7f)
				fprintf(out, "\\u%04x", *s);
			else
				fputc(*s, out);
		}
		fputc('"', out);
	}
	if (v->signed_at) {
		char t[40];
		struct tm tm;
		time_t tt = (time_t)v->signed_at;
		if (gmtime_r(&tt, &tm) && strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%SZ", &tm))
			fprintf(out, ", \"signed_at\": \"%s\"", t);
		else
			fprintf(out, ", \"signed_at\": null");
	} else {
		fprintf(out, ", \"signed_at\": null");
	}
	fprintf(out, "}\n");
}

int cli_run_baseline_verify(int argc, char **argv)
{
	static const char name[] = "baseline verify";
	struct parsed_args p;
	int rc = parse_args(cli_find_command(name), false, argc, argv, &p);
	if (rc)
		return rc;
	if (arg_value(&p, "help")) {
		cli_print_command_help(stdout, cli_find_command(name));
		return EXIT_OK;
	}
	const char *trust = arg_value(&p, "trust");
	const char *format = arg_value(&p, "format");
	bool json = format && strcmp(format, "json") == 0;
	if (format && !json && strcmp(format, "text") != 0) {
		fprintf(stderr, "fwguard %s: unknown format '%s' (text or json)\n", name, format);
		return EXIT_USAGE;
	}
	if (p.npositional != 1 || !trust) {
		fprintf(stderr, "fwguard %s: usage: fwguard baseline verify MANIFEST --trust STORE [--signature SIG] [--format text|json]\n",
			name);
		return EXIT_USAGE;
	}
	const char *manifest = p.positional[0];
	char err[512];
	struct fwg_trust_store *store = NULL;
	enum fwg_status st = fwg_trust_store_load(trust, &store, err, sizeof(err));
	if (st != FWG_OK) {
		fprintf(stderr, "fwguard %s: %s: %s\n", name, trust, err);
		return status_exit(st);
	}
	struct fwg_sig_verdict v;
	st = fwg_verify_file(store, manifest, arg_value(&p, "signature"), 0, &v, NULL, NULL, err,
		sizeof(err));
	fwg_trust_store_free(store);
	if (st != FWG_OK) {
		fprintf(stderr, "fwguard %s: %s\n", name, err);
		return status_exit(st);
	}
	bool valid = v.result == FWG_SIG_VALID;
	if (json)
		print_verdict_json(stdout, manifest, &v);
	else if (valid)
		printf("%s: valid: %s\n", manifest, v.reason);
	else
		fprintf(stderr, "fwguard %s: %s refused (%s): %s\n", name, manifest,
			fwg_sig_result_name(v.result), v.reason);
	if (fflush(stdout) != 0)
		return EXIT_OUTPUT;
	return valid ? EXIT_OK : EXIT_UNTRUSTED;
}

int cli_run_baseline_pubkey(int argc, char **argv)
{
	static const char name[] = "baseline pubkey";
	struct parsed_args p;
	int rc = parse_args(cli_find_command(name), false, argc, argv, &p);
	if (rc)
		return rc;
	if (arg_value(&p, "help")) {
		cli_print_command_help(stdout, cli_find_command(name));
		return EXIT_OK;
	}
	const char *key = arg_value(&p, "key");
	if (p.npositional != 0 || !key || !*key) {
		fprintf(stderr, "fwguard %s: usage: fwguard baseline pubkey --key KEY [--pin PIN] [-o FILE]\n",
			name);
		return EXIT_USAGE;
	}
	char err[512], key_id[65];
	char *pem = NULL;
	enum fwg_status st = fwg_public_key_export(key, arg_value(&p, "pin"), &pem, key_id, err,
		sizeof(err));
	if (st != FWG_OK) {
		fprintf(stderr, "fwguard %s: %s: %s\n", name, key, err);
		return status_exit(st);
	}
	rc = write_text(name, arg_value(&p, "output"), pem, strlen(pem));
	free(pem);
	if (rc == EXIT_OK)
		fprintf(stderr, "key id: %s\n", key_id);
	return rc;
}
