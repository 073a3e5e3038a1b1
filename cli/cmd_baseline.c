/*
 * cmd_baseline.c - `fwguard baseline create`, `fwguard diff` and
 * `fwguard reclaim`: golden baselines, structural drift and the
 * reclamation gate.  Each side of a comparison is either a firmware image
 * (unpacked and turned into a manifest in memory) or a baseline manifest,
 * whose signature is checked against the trust store before it is used.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "fwguard/baseline.h"
#include "fwguard/signing.h"

#define MAX_IMAGES 8
#define MAX_EXPECT 16

static bool looks_like_manifest(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	uint8_t head[4096];
	size_t n = fread(head, 1, sizeof(head), f);
	fclose(f);
	size_t i = 0;
	while (i < n && (head[i] == ' ' || head[i] == '\n' || head[i] == '\r' || head[i] == '\t'))
		i++;
	return i < n && head[i] == '{';
}

struct trust_ctx {
	const char *store_path;
	struct fwg_trust_store *store;
	bool insecure;
};

/* Loads a baseline manifest after checking its signature.  Returns 0 or
 * an exit status; *problem (if not NULL) receives why it was refused. */
static int load_manifest(const char *cmd, const char *path, struct trust_ctx *t,
		struct fwg_baseline **out, char *problem, size_t problem_size)
{
	char err[512] = "";
	char *text = NULL;
	size_t len = 0;
	*out = NULL;
	if (t->store_path && !t->store) {
		if (fwg_trust_store_load(t->store_path, &t->store, err, sizeof(err)) != FWG_OK) {
			fprintf(stderr, "fwguard %s: trust store %s: %s\n", cmd, t->store_path, err);
			return EXIT_USAGE;
		}
	}
	if (t->store) {
		struct fwg_sig_verdict v;
		if (fwg_verify_file(t->store, path, NULL, 0, &v, &text, &len, err, sizeof(err))
				!= FWG_OK) {
			fprintf(stderr, "fwguard %s: %s: %s\n", cmd, path, err[0] ? err : "cannot read");
			return EXIT_INPUT;
		}
		if (v.result != FWG_SIG_VALID && !t->insecure) {
			snprintf(problem, problem_size, "baseline %s refused (%s): %s", path,
				fwg_sig_result_name(v.result), v.reason);
			free(text);
			return EXIT_UNTRUSTED;
		}
		if (v.result != FWG_SIG_VALID)
			fprintf(stderr, "fwguard %s: warning: using %s although its signature was refused "
				"(%s): --insecure-unsigned\n", cmd, path, v.reason);
	} else if (!t->insecure) {
		snprintf(problem, problem_size, "baseline %s cannot be trusted: give --trust STORE to "
			"check its signature (or --insecure-unsigned for tests)", path);
		return EXIT_UNTRUSTED;
	} else {
		fprintf(stderr, "fwguard %s: warning: %s used without checking its signature "
			"(--insecure-unsigned)\n", cmd, path);
		int rrc = read_text_file(cmd, path, &text, &len);
		if (rrc)
			return rrc;
	}
	enum fwg_status st = fwg_baseline_parse(text, len, out, err, sizeof(err));
	free(text);
	if (st != FWG_OK) {
		fprintf(stderr, "fwguard %s: %s: %s\n", cmd, path, err);
		return EXIT_INPUT;
	}
	return 0;
}

/* Opens images[0..n) with roles and builds one manifest release. */
static int manifest_of_images(const char *cmd, const struct fwg_options *opt, const char *model,
		const char *release, const char *const *paths, const char *const *roles, size_t n,
		struct fwg_baseline **out)
{
	struct fwg_image *imgs[MAX_IMAGES] = { 0 };
	char err[512];
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		fprintf(stderr, "fwguard %s: unpacking %s\n", cmd, paths[i]);
		enum fwg_status st = fwg_image_open(paths[i], opt, &imgs[i], err, sizeof(err));
		if (st != FWG_OK) {
			fprintf(stderr, "fwguard %s: %s\n", cmd, err);
			rc = st == FWG_NOMEM || st == FWG_LIMIT ? EXIT_LIMIT : EXIT_INPUT;
		}
	}
	if (!rc) {
		enum fwg_status st = fwg_baseline_create(model, release,
			(const struct fwg_image *const *)imgs, roles, n, out, err, sizeof(err));
		if (st != FWG_OK) {
			fprintf(stderr, "fwguard %s: %s\n", cmd, err);
			rc = st == FWG_NOMEM ? EXIT_LIMIT : EXIT_USAGE;
		}
	}
	for (size_t i = 0; i < n; i++)
		fwg_image_free(imgs[i]);
	return rc;
}

static int write_manifest(const char *cmd, const struct fwg_baseline *b, const char *path)
{
	FILE *out = open_output(cmd, path);
	if (!out)
		return EXIT_OUTPUT;
	enum fwg_status st = close_output(out, fwg_baseline_write(b, out));
	if (st != FWG_OK) {
		fprintf(stderr, "fwguard %s: cannot write %s\n", cmd, path ? path : "stdout");
		return EXIT_OUTPUT;
	}
	return 0;
}

/* parse_args, --help, the common options and (when json is not NULL)
 * --format text|json: 0, -1 after printing the help, or an exit status. */
static int prologue(const char *cmd, int argc, char **argv, struct parsed_args *p,
		struct fwg_options *opt, bool *json)
{
	int rc = parse_args(cli_find_command(cmd), true, argc, argv, p);
	if (rc)
		return rc;
	if (arg_value(p, "help")) {
		cli_print_command_help(stdout, cli_find_command(cmd));
		return -1;
	}
	if ((rc = common_options(cmd, p, opt)))
		return rc;
	const char *fmt = json ? arg_value(p, "format") : NULL;
	if (fmt && strcmp(fmt, "json") != 0 && strcmp(fmt, "text") != 0) {
		fprintf(stderr, "fwguard %s: unknown format '%s' (text or json)\n", cmd, fmt);
		return EXIT_USAGE;
	}
	if (json)
		*json = fmt && strcmp(fmt, "json") == 0;
	return 0;
}

int cli_run_baseline_create(int argc, char **argv)
{
	const char *cmd = "baseline create";
	struct parsed_args p;
	struct fwg_options opt;
	int rc = prologue(cmd, argc, argv, &p, &opt, NULL);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	const char *model = arg_value(&p, "model"), *output = arg_value(&p, "output");
	const char *paths[MAX_IMAGES], *roles[MAX_IMAGES];
	size_t n = 0;
	const char *bios = arg_value(&p, "bios"), *bmc = arg_value(&p, "bmc");
	if (bios) {
		paths[n] = bios;
		roles[n++] = "bios";
	}
	if (bmc) {
		paths[n] = bmc;
		roles[n++] = "bmc";
	}
	if (n + p.npositional > MAX_IMAGES) {
		fprintf(stderr, "fwguard %s: at most %d images per release\n", cmd, MAX_IMAGES);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < p.npositional; i++) {
		paths[n] = p.positional[i];
		roles[n++] = NULL;
	}
	if (!model || !*model || !output || n == 0) {
		fprintf(stderr, "fwguard %s: needs --model NAME, -o FILE and at least one image "
			"(at most %d)\n", cmd, MAX_IMAGES);
		return EXIT_USAGE;
	}
	struct fwg_baseline *b = NULL;
	const char *release = arg_value(&p, "release");
	if ((rc = manifest_of_images(cmd, &opt, model, release ? release : "1", paths, roles, n, &b)))
		return rc;
	const char *merge = arg_value(&p, "merge");
	if (merge) {
		/* The result gets signed: what it carries over must be trusted. */
		struct trust_ctx t = { arg_value(&p, "trust"), NULL,
			arg_value(&p, "insecure-unsigned") != NULL };
		struct fwg_baseline *old = NULL;
		char err[512], problem[1024] = "";
		rc = load_manifest(cmd, merge, &t, &old, problem, sizeof(problem));
		fwg_trust_store_free(t.store);
		if (rc) {
			if (problem[0])
				fprintf(stderr, "fwguard %s: --merge %s\n", cmd, problem);
			fwg_baseline_free(b);
			return rc;
		}
		if (fwg_baseline_merge(old, b, err, sizeof(err)) != FWG_OK) {
			fprintf(stderr, "fwguard %s: %s\n", cmd, err);
			fwg_baseline_free(old);
			return EXIT_USAGE;
		}
		b = old;
	}
	rc = write_manifest(cmd, b, output);
	if (!rc)
		fprintf(stderr, "fwguard %s: wrote %s (model %s, %zu release%s); sign it with "
			"'fwguard baseline sign %s --key KEY'\n", cmd, output, model,
			fwg_baseline_release_count(b), fwg_baseline_release_count(b) == 1 ? "" : "s", output);
	fwg_baseline_free(b);
	return rc;
}

/* One side of a diff: a manifest (checked) or an image. */
static int load_side(const char *cmd, const char *path, const struct fwg_options *opt,
		struct trust_ctx *t, struct fwg_baseline **out)
{
	if (looks_like_manifest(path)) {
		char problem[1024] = "";
		int rc = load_manifest(cmd, path, t, out, problem, sizeof(problem));
		if (rc == EXIT_UNTRUSTED)
			fprintf(stderr, "fwguard %s: %s\n", cmd, problem);
		return rc;
	}
	const char *paths[1] = { path };
	return manifest_of_images(cmd, opt, "", "image", paths, NULL, 1, out);
}

int cli_run_diff(int argc, char **argv)
{
	const char *cmd = "diff";
	struct parsed_args p;
	struct fwg_options opt;
	bool json;
	int rc = prologue(cmd, argc, argv, &p, &opt, &json);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	enum fwg_change_class fail_on = FWG_CHANGE_WARNING;
	const char *fo = arg_value(&p, "fail-on");
	if (fo && (!fwg_change_class_parse(fo, &fail_on) || fail_on < FWG_CHANGE_WARNING)) {
		fprintf(stderr, "fwguard %s: --fail-on takes warning or critical\n", cmd);
		return EXIT_USAGE;
	}
	if (p.npositional != 2) {
		fprintf(stderr, "fwguard %s: expected OLD and NEW (see 'fwguard diff --help')\n", cmd);
		return EXIT_USAGE;
	}
	struct trust_ctx t = { arg_value(&p, "trust"), NULL, arg_value(&p, "insecure-unsigned") != NULL };
	struct fwg_baseline *old_side = NULL, *new_side = NULL;
	struct fwg_baseline *expected[MAX_EXPECT] = { 0 };
	const char *expect_paths[MAX_EXPECT];
	size_t nexp = arg_all(&p, "expect", expect_paths, MAX_EXPECT);
	struct fwg_diff *d = NULL;
	if (nexp > MAX_EXPECT) {
		fprintf(stderr, "fwguard %s: at most %d --expect baselines\n", cmd, MAX_EXPECT);
		return EXIT_USAGE;
	}
	rc = load_side(cmd, p.positional[0], &opt, &t, &old_side);
	if (!rc)
		rc = load_side(cmd, p.positional[1], &opt, &t, &new_side);
	for (size_t i = 0; i < nexp && !rc; i++) {
		char problem[1024] = "";
		rc = load_manifest(cmd, expect_paths[i], &t, &expected[i], problem, sizeof(problem));
		if (rc == EXIT_UNTRUSTED)
			fprintf(stderr, "fwguard %s: --expect %s\n", cmd, problem);
	}
	if (!rc) {
		struct fwg_diff_options dopt;
		fwg_diff_options_default(&dopt);
		dopt.release = arg_value(&p, "release");
		dopt.expected = (const struct fwg_baseline *const *)expected;
		dopt.expected_count = nexp;
		dopt.allowlist = arg_value(&p, "allow");
		char err[512];
		if (fwg_diff_run(old_side, new_side, &dopt, &d, err, sizeof(err)) != FWG_OK) {
			fprintf(stderr, "fwguard %s: %s\n", cmd, err);
			rc = EXIT_USAGE;
		}
	}
	if (!rc) {
		FILE *out = open_output(cmd, arg_value(&p, "output"));
		if (!out) {
			rc = EXIT_OUTPUT;
		} else {
			enum fwg_status st = json ? fwg_write_diff_json(d, out) : fwg_write_diff_text(d, out);
			if (close_output(out, st) != FWG_OK)
				rc = EXIT_OUTPUT;
		}
		if (!rc && (fwg_diff_count(d, FWG_CHANGE_CRITICAL) ||
				(fail_on == FWG_CHANGE_WARNING && fwg_diff_count(d, FWG_CHANGE_WARNING))))
			rc = EXIT_ANOMALIES;
	}
	fwg_diff_free(d);
	fwg_baseline_free(old_side);
	fwg_baseline_free(new_side);
	for (size_t i = 0; i < nexp && i < MAX_EXPECT; i++)
		fwg_baseline_free(expected[i]);
	fwg_trust_store_free(t.store);
	return rc;
}

int cli_run_reclaim(int argc, char **argv)
{
	const char *cmd = "reclaim";
	struct parsed_args p;
	struct fwg_options opt;
	bool json;
	int rc = prologue(cmd, argc, argv, &p, &opt, &json);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	const char *golden_path = arg_value(&p, "baseline");
	const char *paths[2], *roles[2];
	size_t n = 0;
	if (arg_value(&p, "bios")) {
		paths[n] = arg_value(&p, "bios");
		roles[n++] = "bios";
	}
	if (arg_value(&p, "bmc")) {
		paths[n] = arg_value(&p, "bmc");
		roles[n++] = "bmc";
	}
	if (!golden_path || n == 0 || p.npositional) {
		fprintf(stderr, "fwguard %s: needs --baseline FILE and --bios DUMP and/or --bmc DUMP\n",
			cmd);
		return EXIT_USAGE;
	}
	struct trust_ctx t = { arg_value(&p, "trust"), NULL, arg_value(&p, "insecure-unsigned") != NULL };
	struct fwg_reclaim_input in = { .allowlist = arg_value(&p, "allow") };
	struct fwg_baseline *golden = NULL, *dumps = NULL;
	char golden_problem[1024] = "", dump_problem[1024] = "";
	rc = load_manifest(cmd, golden_path, &t, &golden, golden_problem, sizeof(golden_problem));
	if (rc == EXIT_UNTRUSTED) {
		in.golden_problem = golden_problem;
	} else if (rc) {
		fwg_trust_store_free(t.store);
		return rc;
	}
	in.golden = golden;
	int drc = manifest_of_images(cmd, &opt, golden ? fwg_baseline_model(golden) : "", "dump",
		paths, roles, n, &dumps);
	if (drc) {
		snprintf(dump_problem, sizeof(dump_problem), "a dump could not be read (see the "
			"messages above)");
		in.dump_problem = dump_problem;
	}
	in.dumps = dumps;
	struct fwg_reclaim *r = NULL;
	char err[512];
	rc = 0;
	if (fwg_reclaim_run(&in, &r, err, sizeof(err)) != FWG_OK) {
		fprintf(stderr, "fwguard %s: %s\n", cmd, err);
		rc = EXIT_LIMIT;
	}
	if (!rc) {
		FILE *out = open_output(cmd, arg_value(&p, "output"));
		if (!out) {
			rc = EXIT_OUTPUT;
		} else {
			enum fwg_status st = json ? fwg_write_reclaim_json(r, out)
				: fwg_write_reclaim_text(r, out);
			if (close_output(out, st) != FWG_OK)
				rc = EXIT_OUTPUT;
		}
		if (!rc) {
			enum fwg_verdict v = fwg_reclaim_verdict(r);
			rc = v == FWG_VERDICT_CLEAN ? EXIT_OK : v == FWG_VERDICT_TAINTED ? EXIT_ANOMALIES
				: EXIT_UNKNOWN;
		}
	}
	fwg_reclaim_free(r);
	fwg_baseline_free(golden);
	fwg_baseline_free(dumps);
	fwg_trust_store_free(t.store);
	return rc;
}
