/*
 * fuzz_eventlog.c - libFuzzer target for TCG event logs end to end: the
 * input is parsed as a log (legacy SHA-1 or crypto-agile), replayed into
 * every bank, compared with itself, and shown as JSON and as text, so
 * hostile bytes reach the parser, the digest checks, the replay, every
 * event-data decoder (variables, signature lists and X.509 certificates,
 * load options, device paths, GPT, EV_NO_ACTION spec events) and both
 * writers.  Output goes to an open_memstream buffer, checked for the NUL
 * bytes a writer must never produce in text.
 *
 * Seeds: real logs (scripts/run-tests.sh copies the testdata event logs
 * into the corpus).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwguard/eventlog.h"

#define MAX_INPUT (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void show(const struct fwg_evlog *log, bool json)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	if (!out)
		return;
	enum fwg_status st = json ? fwg_evlog_write_json(log, out) : fwg_evlog_write_text(log, out);
	if (fclose(out) == 0 && st == FWG_OK && text && memchr(text, 0, len))
		abort(); /* a writer let a NUL through */
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > MAX_INPUT)
		return 0;
	/* Device paths on their own: the input as one path. */
	free(fwg_device_path_text(data, size));
	struct fwg_evlog *log = NULL;
	char err[512];
	if (fwg_evlog_parse(data, size, &log, err, sizeof(err)) != FWG_OK)
		return 0;
	struct fwg_pcr_set *set = calloc(1, sizeof(*set));
	if (set && fwg_evlog_replay(log, set, err, sizeof(err)) == FWG_OK) {
		struct fwg_pcr_mismatch mm[8];
		size_t compared;
		if (fwg_pcr_set_compare(set, set, 0xffffffu, mm, 8, &compared) != 0)
			abort(); /* a set always equals itself */
	}
	free(set);
	show(log, true);
	show(log, false);
	fwg_evlog_free(log);
	return 0;
}
