/*
 * fuzz_quote.c - libFuzzer target for TPM2_Quote verification
 * (fwg_quote_verify, src/eventlog/quote.c): the TPMS_ATTEST, TPMT_SIGNATURE
 * and AK decoders (libtss2-mu, then fwguard's checks), the AK -> OpenSSL key
 * conversion, the signature, nonce and PCR-digest checks.
 *
 * Input, by the low bit of the first byte:
 *   0  split: u16 BE attest length, u16 BE signature length, the attest,
 *      the signature, and the rest is the AK (lengths clamped to what is
 *      there);
 *   1  mutate: the rest is XORed over a real quote made by tpm2_quote on
 *      swtpm (an ECDSA P-256 AK, PCRs sha256:0,1,2 + sha1:0 all zero,
 *      nonce 0011223344), laid out attest || signature || AK, so the
 *      fuzzer starts from a quote that verifies.  With nothing to XOR the
 *      quote must verify: that checks the harness itself.
 * Bit 1 drops the nonce, bit 2 the expected PCRs (all four banks zero).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fwguard/eventlog.h"

#define FUZZ_MAX_INPUT (64u << 10)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* tpm2_quote -m, -s and tpm2_createak -u of the quote described above. */
static const uint8_t sample_attest[124] = {
	0xff, 0x54, 0x43, 0x47, 0x80, 0x18, 0x00, 0x22, 0x00, 0x0b, 0x4f, 0x3d,
	0xf6, 0xc8, 0x58, 0xb4, 0xe2, 0xe2, 0x3a, 0x60, 0x79, 0x77, 0x19, 0xee,
	0xfa, 0xb3, 0x4a, 0xc0, 0x7a, 0xae, 0x84, 0x1e, 0x62, 0x69, 0xb3, 0x1b,
	0x38, 0xf3, 0x45, 0x16, 0xff, 0x07, 0x00, 0x05, 0x00, 0x11, 0x22, 0x33,
	0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0xf8, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x19, 0x10, 0x23, 0x00, 0x16,
	0x36, 0x36, 0x00, 0x00, 0x00, 0x02, 0x00, 0x0b, 0x03, 0x07, 0x00, 0x00,
	0x00, 0x04, 0x03, 0x01, 0x00, 0x00, 0x00, 0x20, 0x5b, 0x51, 0x79, 0x52,
	0xcb, 0xe9, 0xc4, 0xc1, 0x47, 0xbc, 0x3f, 0x34, 0x34, 0xf9, 0xd8, 0x24,
	0x09, 0xe7, 0x6d, 0x09, 0xea, 0x58, 0x90, 0x5a, 0xef, 0xe7, 0xfb, 0x54,
	0x15, 0x91, 0x2d, 0x9a,
};
static const uint8_t sample_signature[72] = {
	0x00, 0x18, 0x00, 0x0b, 0x00, 0x20, 0x27, 0x64, 0x70, 0x47, 0x1d, 0xaa,
	0x69, 0xef, 0x5b, 0xaa, 0xfc, 0x6c, 0xd1, 0x3c, 0xd8, 0x99, 0xd3, 0x09,
	0x89, 0x16, 0x76, 0xd5, 0x4b, 0xda, 0x50, 0x13, 0x71, 0x0a, 0xa2, 0x01,
	0x6a, 0x93, 0x00, 0x20, 0x95, 0xd7, 0x9a, 0x8f, 0x2e, 0x83, 0x33, 0xb3,
	0x80, 0x00, 0x97, 0x73, 0xb9, 0x3f, 0x93, 0x39, 0xb0, 0x39, 0x99, 0xea,
	0x6e, 0xe5, 0xd2, 0x0d, 0xaf, 0x64, 0xe1, 0xd0, 0xaf, 0x16, 0x29, 0x29,
};
static const uint8_t sample_ak[90] = {
	0x00, 0x58, 0x00, 0x23, 0x00, 0x0b, 0x00, 0x05, 0x00, 0x72, 0x00, 0x00,
	0x00, 0x10, 0x00, 0x18, 0x00, 0x0b, 0x00, 0x03, 0x00, 0x10, 0x00, 0x20,
	0x9e, 0x4a, 0x0f, 0xa1, 0xb9, 0x30, 0x97, 0xa9, 0xf4, 0x83, 0x3a, 0xb2,
	0xe5, 0xf5, 0xf1, 0xf3, 0x10, 0xfb, 0x1c, 0xdf, 0x07, 0x88, 0x18, 0x0a,
	0x2b, 0x71, 0xce, 0xbf, 0xdf, 0x99, 0x8b, 0xb3, 0x00, 0x20, 0x7c, 0x17,
	0xd8, 0xf5, 0x51, 0xbb, 0xdf, 0x83, 0x46, 0xc1, 0xee, 0xc3, 0x5d, 0x9b,
	0xbe, 0x8d, 0x8a, 0xb1, 0x18, 0x2c, 0xef, 0x93, 0x49, 0xf8, 0x21, 0x4f,
	0x33, 0xca, 0xe7, 0xad, 0x3c, 0xac,
};
static const uint8_t sample_nonce[5] = { 0x00, 0x11, 0x22, 0x33, 0x44 };

#define SAMPLE_TOTAL (sizeof(sample_attest) + sizeof(sample_signature) + sizeof(sample_ak))

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("TSS2_LOG", "all+none", 1); /* libtss2-mu logs every refusal */
	return 0;
}

static void zero_pcrs(struct fwg_pcr_set *set)
{
	static const uint16_t algs[] = { FWG_TPM_ALG_SHA1, FWG_TPM_ALG_SHA256,
		FWG_TPM_ALG_SHA384, FWG_TPM_ALG_SHA512 };
	memset(set, 0, sizeof(*set));
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		set->banks[i].alg = algs[i];
		set->banks[i].size = (uint16_t)fwg_tpm_alg_digest_size(algs[i]);
		set->banks[i].present_mask = (1u << FWG_PCR_COUNT) - 1;
	}
	set->bank_count = sizeof(algs) / sizeof(algs[0]);
}

static void check_result(enum fwg_status st, const struct fwg_quote_result *r, const char *err)
{
	if (st != FWG_OK) {
		if (strnlen(err, 512) == 512 || err[0] == 0)
			__builtin_trap(); /* every refusal says why */
		return;
	}
	if (strnlen(r->detail, sizeof(r->detail)) == sizeof(r->detail) ||
			r->selection_count > FWG_EVLOG_MAX_BANKS || r->pcr_digest_size > FWG_DIGEST_MAX)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0 || size > FUZZ_MAX_INPUT)
		return 0;
	uint8_t mode = data[0];
	data++;
	size--;
	uint8_t *buf = malloc(SAMPLE_TOTAL + size);
	if (!buf)
		return 0;
	size_t la, ls, lk;
	if (mode & 1) {
		memcpy(buf, sample_attest, sizeof(sample_attest));
		memcpy(buf + sizeof(sample_attest), sample_signature, sizeof(sample_signature));
		memcpy(buf + sizeof(sample_attest) + sizeof(sample_signature), sample_ak,
			sizeof(sample_ak));
		for (size_t i = 0; i < size && i < SAMPLE_TOTAL; i++)
			buf[i] ^= data[i];
		la = sizeof(sample_attest);
		ls = sizeof(sample_signature);
		lk = sizeof(sample_ak);
	} else {
		la = size >= 2 ? (size_t)data[0] << 8 | data[1] : 0;
		ls = size >= 4 ? (size_t)data[2] << 8 | data[3] : 0;
		size_t body = size >= 4 ? size - 4 : 0;
		if (la > body)
			la = body;
		if (ls > body - la)
			ls = body - la;
		lk = body - la - ls;
		if (body)
			memcpy(buf, data + 4, body);
	}
	struct fwg_pcr_set pcrs;
	zero_pcrs(&pcrs);
	struct fwg_quote_input in = {
		buf, la, buf + la, ls, buf + la + ls, lk,
		(mode & 2) ? NULL : sample_nonce, sizeof(sample_nonce),
		(mode & 4) ? NULL : &pcrs,
	};
	struct fwg_quote_result r;
	char err[512];
	err[0] = 0;
	enum fwg_status st = fwg_quote_verify(&in, &r, err, sizeof(err));
	check_result(st, &r, err);
	if (mode == 1 && size == 0 &&
			(st != FWG_OK || !r.signature_ok || !r.nonce_ok || !r.pcr_digest_ok))
		__builtin_trap(); /* the untouched sample must verify */
	free(buf);
	return 0;
}
