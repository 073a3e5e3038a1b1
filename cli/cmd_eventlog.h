/*
 * cmd_eventlog.h - helpers the eventlog commands share (cmd_eventlog.c,
 * cmd_evcheck.c).
 */
#ifndef FWGUARD_CLI_CMD_EVENTLOG_H
#define FWGUARD_CLI_CMD_EVENTLOG_H

#include "args.h"
#include "fwguard/eventlog.h"

/* parse_args + --help + --format text|json (json may be NULL when the
 * command has no --format); -1 after printing help, else an exit status
 * (0 = go on). */
int evcli_prologue(const char *name, int argc, char **argv, struct parsed_args *p, bool *json);
/* Reads and parses a log; *buf backs it and is freed after the log. */
int evcli_load_log(const char *cmd, const char *path, char **buf, struct fwg_evlog **log);
/* PCRs from --pcrs FILE or --tpm TCTI; *source is "file", "tpm" or NULL
 * when neither was given. */
int evcli_load_pcrs(const char *cmd, const struct parsed_args *p, struct fwg_pcr_set *set,
		const char **source);
/* "0,2-7" into a mask (false when malformed). */
bool evcli_parse_pcr_list(const char *text, uint32_t *mask);
/* Hex (optional 0x) into at most max bytes. */
bool evcli_parse_hex(const char *text, uint8_t *out, size_t max, size_t *len);
/* A whole file into a new buffer. */
int evcli_read_blob(const char *cmd, const char *path, uint8_t **data, size_t *len);

#endif
