/*
 * cmd_update.c - `fwguard verify-update FILE --trust PEM...`: checks a UEFI
 * FMP capsule or an OpenBMC update package before it is flashed
 * (fwguard/update.h) and prints every check and the verdict.
 *
 * Exit: 0 verified; 7 refused (unsigned, wrongly signed, untrusted or
 * development key, tampered, downgrade, malformed); 3 unreadable input or
 * trust file, or a format that is neither; 2 usage; 5 output.
 */
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "fwguard/update.h"

#define CMD "verify-update"

int cli_run_verify_update(int argc, char **argv)
{
	const struct cli_command *cmd = cli_find_command(CMD);
	struct parsed_args p;
	int rc = parse_args(cmd, true, argc, argv, &p);
	if (rc)
		return rc;
	if (arg_value(&p, "help")) {
		cli_print_command_help(stdout, cmd);
		return EXIT_OK;
	}
	if (p.npositional != 1) {
		fprintf(stderr, "fwguard %s: expected one FILE argument (see 'fwguard %s --help')\n",
			CMD, CMD);
		return EXIT_USAGE;
	}
	const char *trust_paths[MAX_VALUES];
	size_t ntrust = arg_all(&p, "trust", trust_paths, MAX_VALUES);
	if (ntrust == 0) {
		fprintf(stderr, "fwguard %s: at least one --trust PEM is required\n", CMD);
		return EXIT_USAGE;
	}
	const char *format = arg_value(&p, "format");
	bool json = format && strcmp(format, "json") == 0;
	if (format && !json && strcmp(format, "text") != 0) {
		fprintf(stderr, "fwguard %s: unknown format '%s' (use text or json)\n", CMD, format);
		return EXIT_USAGE;
	}
	const char *current = arg_value(&p, "current-version");
	if (current && current[0] == '\0') {
		fprintf(stderr, "fwguard %s: --current-version needs a value\n", CMD);
		return EXIT_USAGE;
	}

	char err[512];
	struct fwg_update_trust *trust = NULL;
	enum fwg_status st = fwg_update_trust_load(trust_paths, ntrust < MAX_VALUES ? ntrust
		: MAX_VALUES, &trust, err, sizeof(err));
	if (st != FWG_OK) {
		fprintf(stderr, "fwguard %s: %s\n", CMD, err);
		return st == FWG_NOMEM ? EXIT_LIMIT : EXIT_INPUT;
	}
	struct fwg_update_result *result = NULL;
	st = fwg_update_verify_file(p.positional[0], trust, current, &result, err, sizeof(err));
	fwg_update_trust_free(trust);
	if (st == FWG_NOMEM) {
		fprintf(stderr, "fwguard %s: %s\n", CMD, err);
		return EXIT_LIMIT;
	}
	if (st != FWG_OK && st != FWG_UNSUPPORTED) {
		fprintf(stderr, "fwguard %s: %s\n", CMD, err);
		return EXIT_INPUT;
	}
	if (st == FWG_UNSUPPORTED)
		fprintf(stderr, "fwguard %s: %s\n", CMD, err);
	enum fwg_status wst = json ? fwg_update_result_write_json(result, stdout)
		: fwg_update_result_write_text(result, stdout);
	if (fflush(stdout) != 0)
		wst = FWG_IO;
	bool verified = result->verified;
	fwg_update_result_free(result);
	if (wst != FWG_OK) {
		fprintf(stderr, "fwguard %s: cannot write the report\n", CMD);
		return EXIT_OUTPUT;
	}
	if (st == FWG_UNSUPPORTED)
		return EXIT_INPUT;
	return verified ? EXIT_OK : EXIT_UNTRUSTED;
}
