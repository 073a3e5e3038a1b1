/*
 * fuzz_evcheck.c - libFuzzer target for event-log references and the
 * policy check.
 *
 * Input starting with '{' is a hostile reference (JSON): it is parsed,
 * written back, parsed again and used to check a fixed tiny log.  Any
 * other input is a hostile log: a reference is learned from it, written,
 * read back, and the log is checked against it (which must pass: a log
 * is its own known-good boot unless it is damaged or inconsistent) and
 * against an empty reference.
 *
 * Seeds: the real logs (scripts/run-tests.sh copies them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwguard/eventlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *write_ref(const struct fwg_evref *ref, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	if (!f)
		return NULL;
	if (fwg_evref_write(ref, f) != FWG_OK) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	return buf;
}

static void check_and_write(const struct fwg_evlog *log, const struct fwg_evref *ref, bool must_pass)
{
	struct fwg_evcheck res;
	char err[256];
	struct fwg_evcheck_options opt = { .fail_on = FWG_EV_MEDIUM };
	if (fwg_evlog_check(log, ref, &opt, &res, err, sizeof(err)) != FWG_OK)
		return;
	if (must_pass && !res.pass && !log->stop_reason && !log->digest_mismatches) {
		/* Only rules that do not depend on the reference may fail. */
		for (size_t i = 0; i < res.count; i++)
			if (strncmp(res.findings[i].rule, "separator.", 10) != 0 &&
					strncmp(res.findings[i].rule, "secureboot.", 11) != 0 &&
					strcmp(res.findings[i].rule, "measurement.after_separator") != 0 &&
					res.findings[i].severity >= FWG_EV_MEDIUM)
				abort();
	}
	FILE *null = fopen("/dev/null", "w");
	if (null) {
		(void)fwg_evcheck_write_json(&res, null);
		(void)fwg_evcheck_write_text(&res, null);
		fclose(null);
	}
	fwg_evcheck_clear(&res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	if (size > (1u << 20))
		return 0;
	if (size && data[0] == '{') {
		struct fwg_evref *ref;
		if (fwg_evref_parse((const char *)data, size, &ref, err, sizeof(err)) != FWG_OK)
			return 0;
		size_t len;
		char *text = write_ref(ref, &len);
		struct fwg_evref *again;
		if (text && fwg_evref_parse(text, len, &again, err, sizeof(err)) == FWG_OK)
			fwg_evref_free(again);
		free(text);
		/* A legacy one-event log: PCR 0, EV_SEPARATOR, 4 zero bytes. */
		static const uint8_t tiny[36] = { 0, 0, 0, 0, 4, 0, 0, 0, [28] = 4 };
		struct fwg_evlog *log;
		if (fwg_evlog_parse(tiny, sizeof(tiny), &log, err, sizeof(err)) == FWG_OK) {
			check_and_write(log, ref, false);
			fwg_evlog_free(log);
		}
		fwg_evref_free(ref);
		return 0;
	}
	struct fwg_evlog *log;
	if (fwg_evlog_parse(data, size, &log, err, sizeof(err)) != FWG_OK)
		return 0;
	struct fwg_evref *ref, *empty;
	if (fwg_evref_new("fuzz", &ref) == FWG_OK) {
		if (fwg_evref_add_log(ref, log, err, sizeof(err)) == FWG_OK) {
			size_t len;
			char *text = write_ref(ref, &len);
			struct fwg_evref *back;
			if (text && fwg_evref_parse(text, len, &back, err, sizeof(err)) == FWG_OK) {
				check_and_write(log, back, true);
				fwg_evref_free(back);
			}
			free(text);
		}
		fwg_evref_free(ref);
	}
	if (fwg_evref_new("empty", &empty) == FWG_OK) {
		check_and_write(log, empty, false);
		fwg_evref_free(empty);
	}
	fwg_evlog_free(log);
	return 0;
}
