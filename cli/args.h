/*
 * args.h - the command-line plumbing shared by every command file:
 * parse argv against the command table of commands.c, read option
 * values, build fwg_options from the common flags and open the image.
 */
#ifndef FWGUARD_CLI_ARGS_H
#define FWGUARD_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "commands.h"
#include "fwguard/fwguard.h"

#define MAX_VALUES 48
#define MAX_POSITIONAL 256

struct parsed_args {
	const char *names[MAX_VALUES];
	const char *values[MAX_VALUES];
	size_t count;
	const char *positional[MAX_POSITIONAL];
	size_t npositional;
};

/* Parses argv (argv[0] is the command name); common adds the common
 * unpacking options.  Returns 0, or EXIT_USAGE after printing why. */
int parse_args(const struct cli_command *cmd, bool common, int argc, char **argv,
		struct parsed_args *p);
/* The last value given for option NAME, "" for a flag, NULL if absent. */
const char *arg_value(const struct parsed_args *p, const char *name);
/* Every value of a repeatable option, in order: fills up to max and
 * returns how many were given (which may exceed max). */
size_t arg_all(const struct parsed_args *p, const char *name, const char **out, size_t max);
/* A byte count with an optional K, M or G suffix. */
bool parse_size(const char *s, uint64_t *out);
/* fwg_options from the common flags; 0 or EXIT_USAGE. */
int common_options(const char *cmd, const struct parsed_args *p, struct fwg_options *opt);
/* Opens the single positional IMAGE; 0 or an exit status. */
int open_image(const char *cmd, const struct parsed_args *p, const struct fwg_options *opt,
		struct fwg_image **img);
/* parse_args + --help + common_options + open_image; returns -1 when help
 * was printed, 0 on success, else an exit status. */
int prepare(const char *name, int argc, char **argv, struct parsed_args *p,
		struct fwg_options *opt, struct fwg_image **img);
/* Reads a whole file (at most 512 MiB) into a NUL-terminated buffer;
 * EXIT_OK, or an exit status after printing why. */
int read_text_file(const char *cmd, const char *path, char **text, size_t *len);
/* stdout for NULL, else the file opened for writing (NULL after a message). */
FILE *open_output(const char *cmd, const char *path);
/* Flushes and closes (not stdout); FWG_IO if that failed, else st. */
enum fwg_status close_output(FILE *out, enum fwg_status st);

#endif
