/*
 * test_eventlog.c - the event-log parser and replay on real TPM event
 * logs from many vendors (../shared/testdata/eventlogs, read in place):
 * every log parses, digest-of-data checks flag exactly the events known
 * to be inconsistent, boot phases only move forward, and truncated or
 * bit-flipped copies of every log never crash the parser or the replay.
 *
 * Usage: test_eventlog DATADIR
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fwguard/eventlog.h"

static const char *datadir;

static const char *const logs[] = {
	"tpm2-software-tpm2-tools/event-arch-linux.bin",
	"tpm2-software-tpm2-tools/event-bootorder.bin",
	"tpm2-software-tpm2-tools/event-gce-ubuntu-2104-log.bin",
	"tpm2-software-tpm2-tools/event-moklisttrusted.bin",
	"tpm2-software-tpm2-tools/event-postcode.bin",
	"tpm2-software-tpm2-tools/event-sd-boot-fedora37.bin",
	"tpm2-software-tpm2-tools/event-uefi-sha1-log.bin",
	"tpm2-software-tpm2-tools/event-uefiaction.bin",
	"tpm2-software-tpm2-tools/event-uefiservices.bin",
	"tpm2-software-tpm2-tools/event-uefivar.bin",
	"tpm2-software-tpm2-tools/event.bin",
	"tpm2-software-tpm2-tools/specid-vendordata.bin",
	"tpm2-software-tpm2-tss/binary_measurements_hcrtm.bin",
	"tpm2-software-tpm2-tss/binary_measurements_pc_client.bin",
	"kgoldman-ibmtss/amd635.log",
	"kgoldman-ibmtss/deb1.log",
	"kgoldman-ibmtss/dell1.log",
	"kgoldman-ibmtss/hp1.log",
	"kgoldman-ibmtss/ideapad1.log",
	"kgoldman-ibmtss/p511.log",
	"kgoldman-ibmtss/sm2.log",
	"keylime-keylime/binary_bios_measurements",
	"keylime-keylime/binary_bios_measurements-secureboot",
	"keylime-keylime/mb_log.bin",
	"nsacyber-HIRS/TpmLog.bin",
	"nsacyber-HIRS/TpmLogSHA1.bin",
	"nsacyber-HIRS/TPMLog_Altered.bin",
	"nsacyber-HIRS/laptop.default.1.rimel",
	"canonical-tcglog-parser/binary_bios_measurements",
};
#define LOG_COUNT (sizeof(logs) / sizeof(logs[0]))

static uint8_t *load(const char *rel, size_t *len)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", datadir, rel);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Digest-of-data mismatches each real log is known to have, as event
 * indices: systemd-boot's EV_IPL event 24 in the Arch log (tpm2-tools
 * prints the same warning), old shim's EV_EFI_VARIABLE_AUTHORITY for its
 * vendor certificate (the "Shim" variable) in the AMI server logs and in
 * HIRS's SHA-1 log, and the Boot#### event HIRS altered on purpose. */
static const char *known_mismatches(const char *rel)
{
	static const struct {
		const char *log, *events;
	} known[] = {
		{ "event-arch-linux.bin", "24," },
		{ "event-postcode.bin", "40,54," },
		{ "sm2.log", "20,35," },
		{ "TpmLogSHA1.bin", "26," },
		{ "TPMLog_Altered.bin", "25," },
	};
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strstr(rel, known[i].log))
			return known[i].events;
	return "";
}

static void real_logs_parse(void **state)
{
	(void)state;
	bool failed = false;
	for (size_t i = 0; i < LOG_COUNT; i++) {
		size_t len;
		uint8_t *buf = load(logs[i], &len);
		struct fwg_evlog *log;
		char err[256];
		if (fwg_evlog_parse(buf, len, &log, err, sizeof(err)) != FWG_OK)
			fail_msg("%s: %s", logs[i], err);
		assert_true(log->event_count > 0);
		char got[512] = "";
		for (size_t e = 0; e < log->event_count; e++) {
			const struct fwg_event *ev = &log->events[e];
			if (e > 0)
				assert_true(ev->phase >= log->events[e - 1].phase);
			if (ev->flags & FWG_EVENT_DIGEST_MISMATCH) {
				char n[24];
				snprintf(n, sizeof(n), "%zu,", e);
				if (getenv("FWG_TEST_VERBOSE"))
					printf("%s: event %zu pcr %u type %s mismatch\n", logs[i], e, ev->pcr,
						fwg_event_type_name(ev->type));
				strncat(got, n, sizeof(got) - strlen(got) - 1);
			}
		}
		if (strcmp(got, known_mismatches(logs[i])) != 0) {
			print_error("%s: digest mismatches at events {%s}, expected {%s}\n", logs[i], got,
				known_mismatches(logs[i]));
			failed = true;
		}
		struct fwg_pcr_set set;
		assert_int_equal(fwg_evlog_replay(log, &set, err, sizeof(err)), FWG_OK);
		assert_true(set.bank_count >= 1);
		fwg_evlog_free(log);
		free(buf);
	}
	assert_false(failed);
}

/* The log formats and starting localities the logs exercise. */
static void startup_and_formats(void **state)
{
	(void)state;
	size_t len;
	char err[256];
	struct fwg_evlog *log;
	uint8_t *buf = load("tpm2-software-tpm2-tss/binary_measurements_hcrtm.bin", &len);
	assert_int_equal(fwg_evlog_parse(buf, len, &log, err, sizeof(err)), FWG_OK);
	assert_true(log->hcrtm);
	assert_int_equal(log->format, FWG_EVLOG_AGILE);
	bool sm3 = false;
	for (size_t i = 0; i < log->bank_count; i++)
		sm3 |= log->banks[i].alg == FWG_TPM_ALG_SM3_256;
	assert_true(sm3);
	fwg_evlog_free(log);
	free(buf);

	buf = load("nsacyber-HIRS/TpmLogSHA1.bin", &len);
	assert_int_equal(fwg_evlog_parse(buf, len, &log, err, sizeof(err)), FWG_OK);
	assert_int_equal(log->format, FWG_EVLOG_SHA1);
	fwg_evlog_free(log);
	free(buf);

	buf = load("kgoldman-ibmtss/dell1.log", &len);
	assert_int_equal(fwg_evlog_parse(buf, len, &log, err, sizeof(err)), FWG_OK);
	assert_true(log->has_startup_locality);
	assert_int_equal(log->startup_locality, 3);
	fwg_evlog_free(log);
	free(buf);
}

static void empty_and_bogus_fail(void **state)
{
	(void)state;
	char err[256];
	struct fwg_evlog *log = NULL;
	assert_int_not_equal(fwg_evlog_parse(NULL, 0, &log, err, sizeof(err)), FWG_OK);
	assert_null(log);
	size_t len;
	uint8_t *buf = load("keylime-keylime/binary_bios_measurements-bogus", &len);
	assert_int_not_equal(fwg_evlog_parse(buf, len, &log, err, sizeof(err)), FWG_OK);
	assert_non_null(strstr(err, "event log"));
	free(buf);
}

/* Parses and replays one mutant in a buffer of exactly its size, so ASan
 * sees any read past the end. */
static void try_mutant(const uint8_t *data, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, data, len);
	struct fwg_evlog *log;
	char err[256];
	if (fwg_evlog_parse(copy, len, &log, err, sizeof(err)) == FWG_OK) {
		struct fwg_pcr_set set;
		if (fwg_evlog_replay(log, &set, err, sizeof(err)) != FWG_OK)
			err[0] = 0;
		FILE *devnull = fopen("/dev/null", "w");
		if (devnull) {
			(void)fwg_evlog_write_json(log, devnull);
			(void)fwg_evlog_write_text(log, devnull);
			fclose(devnull);
		}
		fwg_evlog_free(log);
	}
	free(copy);
}

static void truncation_and_flips(void **state)
{
	(void)state;
	const char *env = getenv("FWG_SWEEP_FLIPS");
	unsigned flips = env ? (unsigned)atoi(env) : 150;
	unsigned seed = 12345;
	for (size_t i = 0; i < LOG_COUNT; i++) {
		size_t len;
		uint8_t *buf = load(logs[i], &len);
		size_t step = len / 100 + 1;
		for (size_t cut = 0; cut < len; cut += step)
			try_mutant(buf, cut);
		for (unsigned f = 0; f < flips && len; f++) {
			seed = seed * 1103515245u + 12345u;
			size_t at = (seed >> 8) % len;
			uint8_t bit = (uint8_t)(1u << ((seed >> 4) & 7));
			buf[at] ^= bit;
			try_mutant(buf, len);
			buf[at] ^= bit;
		}
		free(buf);
	}
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s DATADIR\n", argv[0]);
		return 2;
	}
	datadir = argv[1];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(real_logs_parse),
		cmocka_unit_test(startup_and_formats),
		cmocka_unit_test(empty_and_bogus_fail),
		cmocka_unit_test(truncation_and_flips),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
