/*
 * tpm_hash.h - internal hashing helpers shared by replay and quotes.
 */
#ifndef FWG_EVENTLOG_TPM_HASH_H
#define FWG_EVENTLOG_TPM_HASH_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/evp.h>

/* The OpenSSL digest for a TPM_ALG_ID (fetched once), or NULL. */
const EVP_MD *fwg_tpm_alg_md(uint16_t alg);
/* pcr = H(pcr || digest), both of the algorithm's size, with a reusable ctx. */
bool fwg_tpm_extend(EVP_MD_CTX *ctx, uint16_t alg, uint8_t *pcr, const uint8_t *digest);

#endif
