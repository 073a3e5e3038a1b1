/*
 * cmd_update.c - `fwguard verify-update`: update signatures before
 * reflashing (placeholder).
 */
#include <stdio.h>

#include "args.h"

int cli_run_verify_update(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "fwguard verify-update: not implemented yet\n");
	return EXIT_USAGE;
}
