/*
 * signing_internal.h - helpers shared by the signed-baseline modules
 * (canonical.c, signer.c, pkcs11.c, truststore.c, verify.c) and the fuzz
 * target: canonical JSON of parsed values, RFC 3339 times, key
 * classification and key ids, bounded file reads, and the trust store
 * parser over a buffer.
 *
 * Algorithms are named by enum fwg_sig_alg; a key's algorithm follows
 * from the key alone (curve, RSA size, Ed25519), so a signature's
 * "algorithm" member is only ever compared with it, never obeyed.
 */
#ifndef FWG_BASELINE_SIGNING_INTERNAL_H
#define FWG_BASELINE_SIGNING_INTERNAL_H

#include <jansson.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fwguard/signing.h"

/* Caps on untrusted sizes. */
#define FWG_SIG_MAX_DOC (512u << 20)       /* manifest read by fwg_verify_file */
#define FWG_SIG_MAX_SIGDOC (64u << 10)     /* detached signature file */
#define FWG_SIG_MAX_STORE (16u << 20)      /* trust store file */
#define FWG_SIG_MAX_PEM (64u << 10)        /* one public key PEM */
#define FWG_SIG_MAX_RAW (2048u)            /* decoded signature bytes */
#define FWG_SIG_MAX_KEYS 4096u             /* keys in a trust store */
#define FWG_SIG_MAX_REVOKED 65536u         /* revocation entries */
#define FWG_SIG_MIN_RSA_BITS 3072
#define FWG_SIG_MAX_RSA_BITS 16384

enum fwg_sig_alg {
	FWG_ALG_NONE = 0,
	FWG_ALG_ECDSA_P256,
	FWG_ALG_ECDSA_P384,
	FWG_ALG_RSA_PSS,
	FWG_ALG_ED25519,
};

const char *fwg_sig_alg_name(enum fwg_sig_alg alg);
enum fwg_sig_alg fwg_sig_alg_from_name(const char *name);
/* The message digest the algorithm hashes with (NULL for Ed25519). */
const EVP_MD *fwg_sig_alg_md(enum fwg_sig_alg alg);

/* The algorithm a key signs with; FWG_ALG_NONE after a message in errbuf
 * (unsupported type or curve, RSA smaller than 3072 bits). */
enum fwg_sig_alg fwg_sig_key_alg(EVP_PKEY *pkey, char *errbuf, size_t errbuf_size);
/* Lower-case hex SHA-256 of the DER SubjectPublicKeyInfo. */
bool fwg_sig_key_id(EVP_PKEY *pkey, char key_id[65]);
/* PEM SubjectPublicKeyInfo (malloc'd). */
enum fwg_status fwg_sig_public_pem(EVP_PKEY *pkey, char **pem);
/* True when sig is alg's signature of msg under pkey. */
bool fwg_sig_verify_raw(EVP_PKEY *pkey, enum fwg_sig_alg alg, const unsigned char *msg,
		size_t len, const unsigned char *sig, size_t sig_len);

/* Canonical text of a parsed value (malloc'd); refuses reals.  */
enum fwg_status fwg_canonical_value(const json_t *value, char **out, size_t *out_len,
		char *errbuf, size_t errbuf_size);
/* Parses text strictly (duplicates refused, object or array at the top)
 * and refuses reals anywhere. */
enum fwg_status fwg_canonical_parse(const char *text, size_t len, json_t **out,
		char *errbuf, size_t errbuf_size);

/* "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)" to Unix seconds. */
bool fwg_rfc3339_parse(const char *s, int64_t *out);
/* Unix seconds to "YYYY-MM-DDTHH:MM:SSZ" (buf of at least 32 bytes). */
void fwg_rfc3339_format(int64_t t, char *buf, size_t size);
/* now, or when now is 0 $FWGUARD_NOW (decimal Unix seconds), or the clock. */
int64_t fwg_sig_now(int64_t now);

bool fwg_sig_is_hex64(const char *s);
void fwg_sig_hex(const unsigned char *in, size_t n, char *out);

/* Reads a whole regular file of at most max bytes (malloc'd, NUL added). */
enum fwg_status fwg_sig_read_file(const char *path, size_t max, char **out, size_t *out_len,
		char *errbuf, size_t errbuf_size);

/* Trust store from a buffer; base_dir resolves relative public_key_file
 * names, and NULL refuses public_key_file (the fuzz target). */
enum fwg_status fwg_trust_store_parse(const char *text, size_t len, const char *base_dir,
		struct fwg_trust_store **out, char *errbuf, size_t errbuf_size);

struct fwg_trust_key {
	char *name;
	EVP_PKEY *pkey;
	enum fwg_sig_alg alg;
	char key_id[65];
	bool has_not_before, has_not_after;
	int64_t not_before, not_after;
};
const struct fwg_trust_key *fwg_trust_store_find(const struct fwg_trust_store *store,
		const char *key_id);
/* The revocation entry's reason ("" if none given) when key_id is revoked. */
bool fwg_trust_store_revoked(const struct fwg_trust_store *store, const char *key_id,
		const char **reason, int64_t *revoked_at);

#endif
