/*
 * cmd_evcheck.c - `fwguard eventlog baseline` (learn a model's reference
 * from known-good logs) and `fwguard eventlog check` (judge a log against
 * it), docs/eventlog.md.
 *
 * Exit: check 0 pass, 1 fail; baseline 0; 3 unreadable or invalid log,
 * reference, PCR file or allowlist; 2 usage; 5 output.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_eventlog.h"


int cli_run_eventlog_baseline(int argc, char **argv)
{
	const char *name = "eventlog baseline";
	struct parsed_args p;
	int rc = evcli_prologue(name, argc, argv, &p, NULL);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	const char *model = arg_value(&p, "model"), *output = arg_value(&p, "output");
	const char *merge = arg_value(&p, "merge");
	if (!model || !model[0] || !output || !output[0] || p.npositional == 0) {
		fprintf(stderr, "fwguard %s: needs --model NAME, -o FILE and at least one LOG\n", name);
		return EXIT_USAGE;
	}
	char err[512];
	struct fwg_evref *ref = NULL;
	if (merge) {
		char *text;
		size_t len;
		if ((rc = read_text_file(name, merge, &text, &len)) != 0)
			return rc;
		enum fwg_status st = fwg_evref_parse(text, len, &ref, err, sizeof(err));
		free(text);
		if (st != FWG_OK) {
			fprintf(stderr, "fwguard %s: %s: %s\n", name, merge, err);
			return EXIT_INPUT;
		}
		if (strcmp(fwg_evref_model(ref), model) != 0) {
			fprintf(stderr, "fwguard %s: %s is the reference of model '%s', not '%s'\n", name,
				merge, fwg_evref_model(ref), model);
			fwg_evref_free(ref);
			return EXIT_USAGE;
		}
	} else if (fwg_evref_new(model, &ref) != FWG_OK) {
		fprintf(stderr, "fwguard %s: out of memory\n", name);
		return EXIT_LIMIT;
	}
	for (size_t i = 0; i < p.npositional; i++) {
		char *buf;
		struct fwg_evlog *log;
		if ((rc = evcli_load_log(name, p.positional[i], &buf, &log)) != 0) {
			fwg_evref_free(ref);
			return rc;
		}
		if (log->stop_reason || log->digest_mismatches)
			fprintf(stderr, "fwguard %s: warning: %s is damaged or inconsistent; learning from it "
				"makes its defects part of the reference\n", name, p.positional[i]);
		enum fwg_status st = fwg_evref_add_log(ref, log, err, sizeof(err));
		fwg_evlog_free(log);
		free(buf);
		if (st != FWG_OK) {
			fprintf(stderr, "fwguard %s: %s: %s\n", name, p.positional[i], err);
			fwg_evref_free(ref);
			return st == FWG_NOMEM ? EXIT_LIMIT : EXIT_INPUT;
		}
	}
	if (arg_value(&p, "require-secure-boot"))
		fwg_evref_require_secure_boot(ref, true);
	FILE *out = open_output(name, output);
	if (!out) {
		fwg_evref_free(ref);
		return EXIT_OUTPUT;
	}
	enum fwg_status st = close_output(out, fwg_evref_write(ref, out));
	fprintf(stderr, "fwguard %s: reference of model '%s' from %zu log(s) written to %s\n", name,
		model, fwg_evref_log_count(ref), output);
	fwg_evref_free(ref);
	return st == FWG_OK ? EXIT_OK : EXIT_OUTPUT;
}

int cli_run_eventlog_check(int argc, char **argv)
{
	const char *name = "eventlog check";
	struct parsed_args p;
	bool json;
	int rc = evcli_prologue(name, argc, argv, &p, &json);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	const char *ref_path = arg_value(&p, "ref");
	if (!ref_path || p.npositional != 1) {
		fprintf(stderr, "fwguard %s: needs one LOG and --ref FILE\n", name);
		return EXIT_USAGE;
	}
	struct fwg_evcheck_options opt = { .fail_on = FWG_EV_MEDIUM };
	const char *fail_on = arg_value(&p, "fail-on");
	if (fail_on && !fwg_ev_severity_parse(fail_on, &opt.fail_on)) {
		fprintf(stderr, "fwguard %s: --fail-on wants info, low, medium, high or critical\n", name);
		return EXIT_USAGE;
	}
	static struct fwg_pcr_set actual;
	const char *source;
	if ((rc = evcli_load_pcrs(name, &p, &actual, &source)) != 0)
		return rc;
	if (source)
		opt.pcrs = &actual;
	char err[512];
	struct fwg_allowlist *allow = NULL;
	const char *allow_path = arg_value(&p, "allowlist");
	if (allow_path && fwg_allowlist_load(allow_path, &allow, err, sizeof(err)) != FWG_OK) {
		fprintf(stderr, "fwguard %s: %s\n", name, err);
		return EXIT_INPUT;
	}
	opt.allowlist = allow;
	char *text;
	size_t len;
	struct fwg_evref *ref = NULL;
	if ((rc = read_text_file(name, ref_path, &text, &len)) != 0) {
		fwg_allowlist_free(allow);
		return rc;
	}
	enum fwg_status st = fwg_evref_parse(text, len, &ref, err, sizeof(err));
	free(text);
	if (st != FWG_OK) {
		fprintf(stderr, "fwguard %s: %s: %s\n", name, ref_path, err);
		fwg_allowlist_free(allow);
		return EXIT_INPUT;
	}
	char *buf;
	struct fwg_evlog *log;
	if ((rc = evcli_load_log(name, p.positional[0], &buf, &log)) != 0) {
		fwg_evref_free(ref);
		fwg_allowlist_free(allow);
		return rc;
	}
	struct fwg_evcheck res;
	st = fwg_evlog_check(log, ref, &opt, &res, err, sizeof(err));
	fwg_evlog_free(log);
	free(buf);
	fwg_evref_free(ref);
	fwg_allowlist_free(allow);
	if (st != FWG_OK) {
		fprintf(stderr, "fwguard %s: %s\n", name, err);
		return st == FWG_NOMEM ? EXIT_LIMIT : EXIT_INPUT;
	}
	st = json ? fwg_evcheck_write_json(&res, stdout) : fwg_evcheck_write_text(&res, stdout);
	bool pass = res.pass;
	fwg_evcheck_clear(&res);
	if (st != FWG_OK || fflush(stdout) != 0)
		return EXIT_OUTPUT;
	return pass ? EXIT_OK : EXIT_ANOMALIES;
}
