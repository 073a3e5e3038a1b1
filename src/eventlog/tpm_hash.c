/*
 * tpm_hash.c - the TPM hash algorithms a measured-boot log can name:
 * their TPM_ALG_ID, text name and digest size, and one-shot hashing
 * through OpenSSL.
 *
 * Speed matters here: a fleet verifier hashes every event once per bank
 * to check its data and once more to replay it, and most inputs are a
 * few dozen bytes.  OpenSSL 3's EVP interface allocates and frees a
 * provider context on every digest initialisation, which costs more than
 * the hash itself at these sizes, so the SHA family goes through the
 * libcrypto SHA functions that keep their state on the stack (deprecated
 * in OpenSSL 3, still the library's own implementation); SM3 and anything
 * else go through EVP with the algorithm fetched once per process.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <pthread.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

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

/* One reusable context per thread: EVP_Digest would allocate, clear and
 * free one per call, which costs more than hashing a short event. */
static _Thread_local EVP_MD_CTX *thread_ctx;

/* The SHA family over up to two parts, state on the stack; false for
 * other algorithms. */
static bool sha_family(uint16_t alg, const void *a, size_t alen, const void *b, size_t blen,
		uint8_t *out)
{
	switch (alg) {
	case FWG_TPM_ALG_SHA1: {
		SHA_CTX ctx;
		return SHA1_Init(&ctx) && SHA1_Update(&ctx, a, alen) && (!blen || SHA1_Update(&ctx, b, blen)) &&
			SHA1_Final(out, &ctx);
	}
	case FWG_TPM_ALG_SHA256: {
		SHA256_CTX ctx;
		return SHA256_Init(&ctx) && SHA256_Update(&ctx, a, alen) &&
			(!blen || SHA256_Update(&ctx, b, blen)) && SHA256_Final(out, &ctx);
	}
	case FWG_TPM_ALG_SHA384: {
		SHA512_CTX ctx;
		return SHA384_Init(&ctx) && SHA384_Update(&ctx, a, alen) &&
			(!blen || SHA384_Update(&ctx, b, blen)) && SHA384_Final(out, &ctx);
	}
	case FWG_TPM_ALG_SHA512: {
		SHA512_CTX ctx;
		return SHA512_Init(&ctx) && SHA512_Update(&ctx, a, alen) &&
			(!blen || SHA512_Update(&ctx, b, blen)) && SHA512_Final(out, &ctx);
	}
	default:
		return false;
	}
}

bool fwg_tpm_hash(uint16_t alg, const void *data, size_t len, uint8_t *out)
{
	if (alg != FWG_TPM_ALG_SM3_256)
		return sha_family(alg, data, len, NULL, 0, out);
	const EVP_MD *md = fwg_tpm_alg_md(alg);
	if (!md)
		return false;
	if (!thread_ctx && !(thread_ctx = EVP_MD_CTX_new()))
		return EVP_Digest(data, len, out, NULL, md, NULL) == 1;
	return EVP_DigestInit_ex(thread_ctx, md, NULL) == 1 &&
		EVP_DigestUpdate(thread_ctx, data, len) == 1 &&
		EVP_DigestFinal_ex(thread_ctx, out, NULL) == 1;
}

bool fwg_tpm_extend(EVP_MD_CTX *ctx, uint16_t alg, uint8_t *pcr, const uint8_t *digest)
{
	size_t n = fwg_tpm_alg_digest_size(alg);
	if (alg != FWG_TPM_ALG_SM3_256) {
		uint8_t next[FWG_DIGEST_MAX];
		if (!sha_family(alg, pcr, n, digest, n, next))
			return false;
		memcpy(pcr, next, n);
		return true;
	}
	const EVP_MD *md = fwg_tpm_alg_md(alg);
	return md && EVP_DigestInit_ex(ctx, md, NULL) == 1 && EVP_DigestUpdate(ctx, pcr, n) == 1 &&
		EVP_DigestUpdate(ctx, digest, n) == 1 && EVP_DigestFinal_ex(ctx, pcr, NULL) == 1;
}
