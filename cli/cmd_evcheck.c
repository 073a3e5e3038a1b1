/*
 * cmd_evcheck.c - STUB (being written): eventlog check and baseline.
 */
#include <stdio.h>

#include "cmd_eventlog.h"

int cli_run_eventlog_check(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return EXIT_USAGE;
}

int cli_run_eventlog_baseline(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return EXIT_USAGE;
}
