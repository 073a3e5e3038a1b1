/*
 * fuzz_verify_update.c - libFuzzer target for update verification
 * (src/update: FMP capsule authentication, OpenBMC update packages read
 * with libarchive), through fwg_update_verify_buffer().
 *
 * The trust store holds one throw-away certificate made at start-up (an
 * EC P-256 key, self-signed), so the chain and key comparisons run too;
 * the installed version "65536" is both a number (capsules) and a version
 * string (packages).  Seeds: the capsules and packages written by
 * tests/gen/make_signed_updates.py OUTDIR (*.cap, *.tar).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "fwguard/update.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fwg_update_trust *make_trust(void)
{
	struct fwg_update_trust *trust = NULL;
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *cert = X509_new();
	BIO *bio = BIO_new(BIO_s_mem());
	if (!key || !cert || !bio)
		goto out;
	X509_set_version(cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
	X509_gmtime_adj(X509_getm_notBefore(cert), 0);
	X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
	X509_NAME *name = X509_get_subject_name(cert);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
		(const unsigned char *)"fwguard fuzz", -1, -1, 0);
	X509_set_issuer_name(cert, name);
	X509_set_pubkey(cert, key);
	if (!X509_sign(cert, key, EVP_sha256()) || !PEM_write_bio_X509(bio, cert))
		goto out;
	char *pem;
	long len = BIO_get_mem_data(bio, &pem);
	char err[256];
	if (len <= 0 || fwg_update_trust_load_pem(pem, (size_t)len, &trust, err,
			sizeof(err)) != FWG_OK)
		trust = NULL;
out:
	BIO_free(bio);
	X509_free(cert);
	EVP_PKEY_free(key);
	return trust;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fwg_update_trust *trust;
	if (!trust && !(trust = make_trust()))
		abort(); /* not input-derived: the harness itself is broken */
	struct fwg_update_result *result = NULL;
	if (fwg_update_verify_buffer(data, size, "fuzz", trust, "65536", &result) != FWG_NOMEM) {
		FILE *null = fopen("/dev/null", "w");
		if (null) {
			if (fwg_update_result_write_json(result, null) != FWG_OK ||
					fwg_update_result_write_text(result, null) != FWG_OK)
				fputs("", null);
			fclose(null);
		}
	}
	fwg_update_result_free(result);
	return 0;
}
