/*
 * cmd_signing.c - `fwguard baseline sign|verify|pubkey`: signing baseline
 * manifests and checking them against a trust store (placeholder).
 */
#include <stdio.h>

#include "args.h"

int cli_run_baseline_sign(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "fwguard baseline sign: not implemented yet\n");
	return EXIT_USAGE;
}

int cli_run_baseline_verify(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "fwguard baseline verify: not implemented yet\n");
	return EXIT_USAGE;
}

int cli_run_baseline_pubkey(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "fwguard baseline pubkey: not implemented yet\n");
	return EXIT_USAGE;
}
