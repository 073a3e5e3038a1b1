/*
 * signing.h - public API for signed baselines: detached signatures over
 * the canonical form of a JSON document, signing keys from PEM files or
 * PKCS#11 tokens, and trust stores of signing keys with validity windows
 * and a revocation list (docs/baselines.md).
 *
 * The canonical form of a JSON document is its parse re-serialised with
 * sorted object keys, no insignificant white space and only ASCII (non-
 * ASCII as \uXXXX escapes); duplicate keys are refused.  Signing it
 * rather than the file bytes lets a manifest be re-indented without
 * breaking its signature, while any change of content does.
 */
#ifndef FWGUARD_SIGNING_H
#define FWGUARD_SIGNING_H

#include "fwguard/fwguard.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Canonical form of a JSON text (malloc'd, NUL-terminated). */
FWG_NODISCARD enum fwg_status fwg_canonical_json(const char *text, size_t len,
		char **canonical, size_t *canonical_len, char *errbuf, size_t errbuf_size);

/* A private key able to sign: a PEM file (ECDSA P-256/P-384, RSA-3072 or
 * larger, Ed25519) or an RFC 7512 "pkcs11:" URI (module-path and
 * pin-value query attributes honoured; pin may override).  */
struct fwg_signer;
FWG_NODISCARD enum fwg_status fwg_signer_open(const char *key_spec, const char *pin,
		struct fwg_signer **out, char *errbuf, size_t errbuf_size);
void fwg_signer_free(struct fwg_signer *signer);
/* Lower-case hex SHA-256 of the DER SubjectPublicKeyInfo. */
const char *fwg_signer_key_id(const struct fwg_signer *signer);
/* "ecdsa-p256-sha256", "ecdsa-p384-sha384", "rsa-pss-sha256", "ed25519". */
const char *fwg_signer_algorithm(const struct fwg_signer *signer);
/* PEM SubjectPublicKeyInfo (malloc'd). */
FWG_NODISCARD enum fwg_status fwg_signer_public_pem(const struct fwg_signer *signer,
		char **pem);

/* Public key and key id of a PEM private key, public key or certificate,
 * or of a PKCS#11 URI (malloc'd PEM; key_id holds 64 hex digits + NUL). */
FWG_NODISCARD enum fwg_status fwg_public_key_export(const char *key_spec, const char *pin,
		char **pem, char key_id[65], char *errbuf, size_t errbuf_size);

/* Signs the canonical form of doc[0..len) at time now (Unix seconds, 0 =
 * current time) and returns the detached signature document (JSON text,
 * malloc'd). */
FWG_NODISCARD enum fwg_status fwg_sign_document(struct fwg_signer *signer, const char *doc,
		size_t len, int64_t now, char **signature, size_t *signature_len, char *errbuf,
		size_t errbuf_size);

struct fwg_trust_store;
FWG_NODISCARD enum fwg_status fwg_trust_store_load(const char *path,
		struct fwg_trust_store **out, char *errbuf, size_t errbuf_size);
void fwg_trust_store_free(struct fwg_trust_store *store);

enum fwg_sig_result {
	FWG_SIG_VALID = 0,
	FWG_SIG_UNSIGNED,          /* no signature given or found */
	FWG_SIG_MALFORMED,         /* the signature document cannot be read */
	FWG_SIG_UNKNOWN_KEY,       /* key id not in the trust store */
	FWG_SIG_KEY_NOT_YET_VALID, /* signed, or checked, before the key's window */
	FWG_SIG_KEY_EXPIRED,       /* signed, or checked, after the key's window */
	FWG_SIG_KEY_REVOKED,
	FWG_SIG_BAD_SIGNATURE,     /* the signature does not verify */
	FWG_SIG_TAMPERED,          /* the document differs from what was signed */
};
const char *fwg_sig_result_name(enum fwg_sig_result result); /* "valid", "unsigned", ... */

struct fwg_sig_verdict {
	enum fwg_sig_result result;
	char reason[512];     /* one sentence for people, also when valid */
	char key_id[65];      /* "" when unknown */
	char key_name[128];   /* the trust store's name for the key, or "" */
	char algorithm[32];
	int64_t signed_at;    /* 0 when unknown */
};

/* Checks doc against its detached signature (sig may be NULL: unsigned)
 * with the trust store at time now (0 = current time).  FWG_OK means the
 * check ran and *verdict says how it went; other statuses are resource
 * failures. */
FWG_NODISCARD enum fwg_status fwg_verify_document(const struct fwg_trust_store *store,
		const char *doc, size_t doc_len, const char *sig, size_t sig_len, int64_t now,
		struct fwg_sig_verdict *verdict);

/* Reads doc_path and its signature (sig_path, default doc_path + ".sig";
 * a missing default file means unsigned) and verifies as above.  The
 * document text is returned in *doc_out (malloc'd) when doc_out is not
 * NULL, whatever the verdict. */
FWG_NODISCARD enum fwg_status fwg_verify_file(const struct fwg_trust_store *store,
		const char *doc_path, const char *sig_path, int64_t now,
		struct fwg_sig_verdict *verdict, char **doc_out, size_t *doc_len_out,
		char *errbuf, size_t errbuf_size);

#ifdef __cplusplus
}
#endif

#endif
