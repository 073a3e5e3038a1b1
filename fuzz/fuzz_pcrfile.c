/*
 * fuzz_pcrfile.c - libFuzzer target for PCR value files
 * (fwg_pcr_set_parse, src/eventlog/pcr_source.c): tpm2_pcrread and
 * tpm2_eventlog YAML, fwguard's replay JSON and the bare JSON form.  The
 * input is handed over as is, not NUL-terminated, so a read past its end
 * is caught.  On success every bank must be a known algorithm with its
 * digest size and PCRs only in 0-23; on failure the message must be set.
 *
 * Seeds: the output of `tpm2_pcrread`, `tpm2_eventlog LOG`, `tpm2_quote`
 * and `fwguard eventlog replay LOG --format json`.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fwguard/eventlog.h"

#define FUZZ_MAX_INPUT (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > FUZZ_MAX_INPUT)
		return 0;
	struct fwg_pcr_set set;
	char err[512];
	err[0] = 0;
	enum fwg_status st = fwg_pcr_set_parse((const char *)data, size, &set, err, sizeof(err));
	if (st != FWG_OK) {
		if (err[0] == 0 || set.bank_count != 0)
			__builtin_trap();
		return 0;
	}
	if (set.bank_count == 0 || set.bank_count > FWG_EVLOG_MAX_BANKS)
		__builtin_trap();
	for (size_t i = 0; i < set.bank_count; i++) {
		const struct fwg_pcr_bank *b = &set.banks[i];
		if (b->size == 0 || b->size != fwg_tpm_alg_digest_size(b->alg) ||
				(b->present_mask >> FWG_PCR_COUNT) != 0)
			__builtin_trap();
	}
	return 0;
}
