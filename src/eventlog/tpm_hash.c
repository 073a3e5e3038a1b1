/*
 * tpm_hash.c - the TPM hash algorithms a measured-boot log can name:
 * their TPM_ALG_ID, text name and digest size, and one-shot hashing
 * through OpenSSL with the algorithm objects fetched once per process
 * (fetching per call would dominate the cost of a 100-event replay).
 */
#include <pthread.h>
#include <string.h>

#include <openssl/evp.h>

#include "fwguard/eventlog.h"
#include "tpm_hash.h"

static const struct {
	uint16_t alg;
	const char *name;
	const char *openssl_name;
	size_t size;
} algs[] = {
	{ FWG_TPM_ALG_SHA1, "sha1", "SHA1", 20 },
	{ FWG_TPM_ALG_SHA256, "sha256", "SHA256", 32 },
	{ FWG_TPM_ALG_SHA384, "sha384", "SHA384", 48 },
	{ FWG_TPM_ALG_SHA512, "sha512", "SHA512", 64 },
	{ FWG_TPM_ALG_SM3_256, "sm3_256", "SM3", 32 },
};
#define ALG_COUNT (sizeof(algs) / sizeof(algs[0]))

static EVP_MD *fetched[ALG_COUNT];
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;

static void fetch_all(void)
{
	for (size_t i = 0; i < ALG_COUNT; i++)
		fetched[i] = EVP_MD_fetch(NULL, algs[i].openssl_name, NULL);
}

static int alg_slot(uint16_t alg)
{
	for (size_t i = 0; i < ALG_COUNT; i++)
		if (algs[i].alg == alg)
			return (int)i;
	return -1;
}

const char *fwg_tpm_alg_name(uint16_t alg)
{
	int i = alg_slot(alg);
	return i < 0 ? NULL : algs[i].name;
}

uint16_t fwg_tpm_alg_from_name(const char *name)
{
	for (size_t i = 0; name && i < ALG_COUNT; i++)
		if (strcmp(algs[i].name, name) == 0)
			return algs[i].alg;
	if (name && strcmp(name, "sm3") == 0)
		return FWG_TPM_ALG_SM3_256;
	return 0;
}

size_t fwg_tpm_alg_digest_size(uint16_t alg)
{
	int i = alg_slot(alg);
	return i < 0 ? 0 : algs[i].size;
}

const EVP_MD *fwg_tpm_alg_md(uint16_t alg)
{
	int i = alg_slot(alg);
	if (i < 0)
		return NULL;
	pthread_once(&fetch_once, fetch_all);
	return fetched[i];
}

bool fwg_tpm_hash(uint16_t alg, const void *data, size_t len, uint8_t *out)
{
	const EVP_MD *md = fwg_tpm_alg_md(alg);
	return md && EVP_Digest(data, len, out, NULL, md, NULL) == 1;
}

bool fwg_tpm_extend(EVP_MD_CTX *ctx, uint16_t alg, uint8_t *pcr, const uint8_t *digest)
{
	const EVP_MD *md = fwg_tpm_alg_md(alg);
	size_t n = fwg_tpm_alg_digest_size(alg);
	return md && EVP_DigestInit_ex(ctx, md, NULL) == 1 && EVP_DigestUpdate(ctx, pcr, n) == 1 &&
		EVP_DigestUpdate(ctx, digest, n) == 1 && EVP_DigestFinal_ex(ctx, pcr, NULL) == 1;
}
