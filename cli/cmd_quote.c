/*
 * cmd_quote.c - STUB (being written): eventlog quote.
 */
#include <stdio.h>

#include "cmd_eventlog.h"

int cli_run_eventlog_quote(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return EXIT_USAGE;
}
