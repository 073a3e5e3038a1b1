/*
 * main.c - the `fwguard` command-line front end: argument parsing and the
 * commands.  All firmware work happens in libfwguard; this file only maps
 * options to fwg_options, calls the library and picks the exit status.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "fwguard/fwguard.h"

int cli_run_tree(int argc, char **argv)
{
	struct parsed_args p;
	struct fwg_options opt;
	struct fwg_image *img = NULL;
	int rc = prepare("tree", argc, argv, &p, &opt, &img);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	rc = fwg_write_tree_text(img, stdout) == FWG_OK && fflush(stdout) == 0 ? EXIT_OK : EXIT_OUTPUT;
	fwg_image_free(img);
	return rc;
}

/* Analysis options from --rules/--vulndb/--suppressions/--engines; 0 or
 * EXIT_USAGE. */
static int analysis_options(const char *cmd, const struct parsed_args *p,
		struct fwg_analysis_options *ao)
{
	fwg_analysis_options_default(ao);
	for (size_t i = 0; i < p->count; i++) {
		if (strcmp(p->names[i], "rules") != 0)
			continue;
		if (ao->rule_dir_count == FWG_MAX_RULE_DIRS) {
			fprintf(stderr, "fwguard %s: at most %d --rules directories\n", cmd,
				FWG_MAX_RULE_DIRS);
			return EXIT_USAGE;
		}
		ao->rule_dirs[ao->rule_dir_count++] = p->values[i];
	}
	ao->vulndb = arg_value(p, "vulndb");
	ao->suppressions = arg_value(p, "suppressions");
	ao->engines = arg_value(p, "engines");
	return 0;
}

static int run_analysis(const char *cmd, const struct fwg_image *img,
		const struct fwg_analysis_options *ao, struct fwg_analysis **out)
{
	char err[512] = "";
	enum fwg_status st = fwg_analyze(img, ao, out, err, sizeof(err));
	if (st == FWG_OK)
		return 0;
	fprintf(stderr, "fwguard %s: %s\n", cmd, err[0] ? err : fwg_status_str(st));
	return st == FWG_NOMEM ? EXIT_LIMIT : EXIT_ANALYSIS;
}

int cli_run_scan(int argc, char **argv)
{
	struct parsed_args p;
	struct fwg_options opt;
	struct fwg_analysis_options ao;
	struct fwg_image *img = NULL;
	struct fwg_analysis *analysis = NULL;
	const char *fmt = NULL, *fail_on = NULL;
	enum fwg_level fail_level = FWG_LEVEL_INFO;
	bool fail_findings = false;
	{
		/* Validate options before the (possibly long) scan. */
		const struct cli_command *cmd = cli_find_command("scan");
		int rc0 = parse_args(cmd, true, argc, argv, &p);
		if (rc0)
			return rc0;
		fmt = arg_value(&p, "format");
		fail_on = arg_value(&p, "fail-on");
		if (fmt && strcmp(fmt, "text") != 0 && strcmp(fmt, "json") != 0
				&& strcmp(fmt, "sarif") != 0) {
			fprintf(stderr, "fwguard scan: unknown format '%s' (use text, json or sarif)\n", fmt);
			return EXIT_USAGE;
		}
		if (fail_on && strcmp(fail_on, "warning") != 0 && strcmp(fail_on, "error") != 0) {
			if (!fwg_level_parse(fail_on, &fail_level)) {
				fprintf(stderr, "fwguard scan: unknown --fail-on level '%s' (use info, low, "
					"medium, high, critical, warning or error)\n", fail_on);
				return EXIT_USAGE;
			}
			fail_findings = true;
		}
		rc0 = analysis_options("scan", &p, &ao);
		if (rc0)
			return rc0;
	}
	bool analyze = !arg_value(&p, "no-analysis");
	if (!analyze && fmt && strcmp(fmt, "sarif") == 0) {
		fprintf(stderr, "fwguard scan: --format sarif needs the analysis (drop --no-analysis)\n");
		return EXIT_USAGE;
	}
	int rc = prepare("scan", argc, argv, &p, &opt, &img);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (analyze && (rc = run_analysis("scan", img, &ao, &analysis)) != 0) {
		fwg_image_free(img);
		return rc;
	}
	FILE *out = open_output("scan", arg_value(&p, "output"));
	if (!out) {
		fwg_analysis_free(analysis);
		fwg_image_free(img);
		return EXIT_OUTPUT;
	}
	enum fwg_status st;
	if (fmt && strcmp(fmt, "json") == 0) {
		st = fwg_write_json_analysis(img, analysis, out);
	} else if (fmt && strcmp(fmt, "sarif") == 0) {
		st = fwg_write_sarif(img, analysis, out);
	} else {
		st = fwg_write_scan_text(img, out);
		if (st == FWG_OK && analysis)
			st = fwg_write_findings_text(img, analysis, out);
	}
	st = close_output(out, st);
	rc = st == FWG_OK ? EXIT_OK : EXIT_OUTPUT;
	if (rc == EXIT_OK && fail_on) {
		uint64_t count;
		if (fail_findings)
			count = fwg_analysis_count(analysis, fail_level, false);
		else
			count = strcmp(fail_on, "error") == 0 ? fwg_image_error_count(img)
				: fwg_image_anomaly_count(img);
		if (count)
			rc = EXIT_ANOMALIES;
	}
	fwg_analysis_free(analysis);
	fwg_image_free(img);
	return rc;
}

int cli_run_sbom(int argc, char **argv)
{
	struct parsed_args p;
	struct fwg_options opt;
	struct fwg_analysis_options ao;
	struct fwg_image *img = NULL;
	struct fwg_analysis *analysis = NULL;
	int rc = parse_args(cli_find_command("sbom"), true, argc, argv, &p);
	if (rc)
		return rc;
	const char *fmt = arg_value(&p, "format");
	if (fmt && strcmp(fmt, "cyclonedx") != 0 && strcmp(fmt, "spdx") != 0) {
		fprintf(stderr, "fwguard sbom: unknown format '%s' (use cyclonedx or spdx)\n", fmt);
		return EXIT_USAGE;
	}
	if ((rc = analysis_options("sbom", &p, &ao)) != 0)
		return rc;
	ao.engines = "sbom,vuln";
	rc = prepare("sbom", argc, argv, &p, &opt, &img);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = run_analysis("sbom", img, &ao, &analysis)) != 0) {
		fwg_image_free(img);
		return rc;
	}
	FILE *out = open_output("sbom", arg_value(&p, "output"));
	rc = EXIT_OUTPUT;
	if (out) {
		enum fwg_status st = fmt && strcmp(fmt, "spdx") == 0
			? fwg_write_spdx(img, analysis, out) : fwg_write_cyclonedx(img, analysis, out);
		st = close_output(out, st);
		if (st == FWG_OK)
			rc = EXIT_OK;
		else
			fprintf(stderr, "fwguard sbom: writing the document failed: %s\n",
				fwg_status_str(st));
	}
	fwg_analysis_free(analysis);
	fwg_image_free(img);
	return rc;
}

int cli_run_vulndb(int argc, char **argv)
{
	struct parsed_args p;
	const struct cli_command *cmd = cli_find_command("vulndb");
	int rc = parse_args(cmd, false, argc, argv, &p);
	if (rc)
		return rc;
	if (arg_value(&p, "help")) {
		cli_print_command_help(stdout, cmd);
		return EXIT_OK;
	}
	if (p.npositional < 2 || strcmp(p.positional[0], "import") != 0) {
		fprintf(stderr, "fwguard vulndb: usage: fwguard vulndb import [--db FILE] FILE...\n");
		return EXIT_USAGE;
	}
	char def[4096];
	const char *db = arg_value(&p, "db");
	if (!db)
		db = fwg_vulndb_default_path(def, sizeof(def));
	struct fwg_vulndb_stats stats;
	char err[512] = "";
	enum fwg_status st = fwg_vulndb_import(db, p.positional + 1, p.npositional - 1, &stats,
		err, sizeof(err));
	if (st != FWG_OK) {
		fprintf(stderr, "fwguard vulndb: %s\n", err[0] ? err : fwg_status_str(st));
		return st == FWG_NOMEM ? EXIT_LIMIT : EXIT_ANALYSIS;
	}
	fprintf(stderr, "fwguard vulndb: imported %llu vulnerabilities (%llu affected ranges) "
		"from %llu files into %s", (unsigned long long)stats.vulnerabilities,
		(unsigned long long)stats.ranges, (unsigned long long)stats.files, db);
	if (stats.skipped)
		fprintf(stderr, "; %llu records skipped", (unsigned long long)stats.skipped);
	fputc('\n', stderr);
	return EXIT_OK;
}

int cli_run_extract(int argc, char **argv)
{
	struct parsed_args p;
	struct fwg_options opt;
	struct fwg_image *img = NULL;
	const struct cli_command *cmd = cli_find_command("extract");
	int rc = parse_args(cmd, true, argc, argv, &p);
	if (rc)
		return rc;
	if (!arg_value(&p, "help") && !arg_value(&p, "output")) {
		fprintf(stderr, "fwguard extract: -o DIR is required\n");
		return EXIT_USAGE;
	}
	rc = prepare("extract", argc, argv, &p, &opt, &img);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	struct fwg_extract_stats stats;
	char err[512] = "";
	enum fwg_status st = fwg_extract(img, arg_value(&p, "output"), &stats, err, sizeof(err));
	if (st != FWG_OK) {
		fprintf(stderr, "fwguard extract: %s\n", err[0] ? err : fwg_status_str(st));
		rc = EXIT_OUTPUT;
	} else {
		fprintf(stderr, "fwguard extract: wrote %llu files, %llu bytes to %s\n",
			(unsigned long long)stats.files, (unsigned long long)stats.bytes,
			arg_value(&p, "output"));
		if (stats.dirs || stats.symlinks || stats.devices)
			fprintf(stderr, "fwguard extract: rebuilt %llu directories, %llu symlinks, "
				"%llu device placeholders\n", (unsigned long long)stats.dirs,
				(unsigned long long)stats.symlinks, (unsigned long long)stats.devices);
		if (stats.conflicts)
			fprintf(stderr, "fwguard extract: %llu filesystem entries not written "
				"(name clashes or unsafe names)\n",
				(unsigned long long)stats.conflicts);
	}
	fwg_image_free(img);
	return rc;
}

int cli_run_help(int argc, char **argv)
{
	struct parsed_args p;
	int rc = parse_args(cli_find_command("help"), false, argc, argv, &p);
	if (rc)
		return rc;
	if (arg_value(&p, "man")) {
		cli_print_man(stdout);
		return EXIT_OK;
	}
	if (p.npositional == 1 || p.npositional == 2) {
		char joined[64];
		snprintf(joined, sizeof(joined), "%s%s%s", p.positional[0],
			p.npositional == 2 ? " " : "", p.npositional == 2 ? p.positional[1] : "");
		const struct cli_command *cmd = cli_find_command(joined);
		if (!cmd && p.npositional == 1 && cli_is_command_group(joined)) {
			cli_print_group(stdout, joined);
			return EXIT_OK;
		}
		if (!cmd) {
			fprintf(stderr, "fwguard help: unknown command '%s'\n", joined);
			return EXIT_USAGE;
		}
		cli_print_command_help(stdout, cmd);
		return EXIT_OK;
	}
	cli_print_usage(stdout);
	return EXIT_OK;
}

int cli_run_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("fwguard %s\n", FWG_VERSION_STRING);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		cli_print_usage(stderr);
		return EXIT_USAGE;
	}
	const char *name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
		cli_print_usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(name, "--version") == 0)
		return cli_run_version(0, NULL);
	const struct cli_command *cmd = cli_find_command(name);
	int skip = 1;
	if (!cmd && argc >= 3 && argv[2][0] != '-') {
		/* Two-word commands: "baseline create", "baseline sign", ... */
		char joined[64];
		snprintf(joined, sizeof(joined), "%s %s", name, argv[2]);
		if ((cmd = cli_find_command(joined)))
			skip = 2;
	}
	if (!cmd && cli_is_command_group(name)) {
		fprintf(stderr, "fwguard %s: expected a subcommand:\n", name);
		cli_print_group(stderr, name);
		return EXIT_USAGE;
	}
	if (!cmd) {
		fprintf(stderr, "fwguard: unknown command '%s' (see 'fwguard --help')\n", name);
		return EXIT_USAGE;
	}
	return cmd->run(argc - skip, argv + skip);
}
