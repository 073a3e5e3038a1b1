/*
 * cmd_baseline.c - `fwguard baseline create`, `fwguard diff` and
 * `fwguard reclaim`: golden baselines, structural drift and the
 * reclamation gate (placeholder).
 */
#include <stdio.h>

#include "args.h"

int cli_run_baseline_create(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "fwguard baseline create: not implemented yet\n");
	return EXIT_USAGE;
}

int cli_run_diff(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "fwguard diff: not implemented yet\n");
	return EXIT_USAGE;
}

int cli_run_reclaim(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "fwguard reclaim: not implemented yet\n");
	return EXIT_USAGE;
}
