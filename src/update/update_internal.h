/*
 * update_internal.h - shared state of the update verifiers (update.c,
 * fmp_verify.c, openbmc_verify.c): the loaded trust anchors, the check
 * recorder and the key fingerprint.
 *
 * Invariants: a check is recorded for every decision, in order; the first
 * failed check sets the result's reason; an allocation failure while
 * recording sets ctx->nomem and the verifier returns FWG_NOMEM.
 */
#ifndef FWG_UPDATE_INTERNAL_H
#define FWG_UPDATE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "fwguard/update.h"

#define UPD_KEY_ID_LEN 65 /* 64 hex digits + NUL */

struct fwg_update_trust {
	X509_STORE *store;          /* certificates: partial chains, no time check, any purpose */
	STACK_OF(X509) *certs;      /* the same certificates, to find signers */
	char (*key_ids)[UPD_KEY_ID_LEN]; /* SPKI SHA-256 of every key and certificate */
	size_t key_count, key_cap;
};

struct upd_ctx {
	struct fwg_update_result *r;
	const struct fwg_update_trust *trust;
	const char *current_version;   /* NULL when not given */
	bool nomem;
};

/* Reason codes (fwguard/update.h). */
#define UPD_UNSIGNED "unsigned"
#define UPD_BAD_SIGNATURE "bad_signature"
#define UPD_UNTRUSTED "untrusted_key"
#define UPD_DEV_KEY "development_key"
#define UPD_MISSING_SIG "missing_signature"
#define UPD_UNSUPPORTED "unsupported"
#define UPD_DOWNGRADE "downgrade"
#define UPD_MALFORMED "malformed"

/* Records a check; when it failed and no reason is set yet, code and the
 * detail become the result's reason.  Returns ok. */
bool upd_check(struct upd_ctx *ctx, const char *name, bool ok, const char *code,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Replaces *field with a copy of text (NULL-safe); sets nomem on failure. */
void upd_set(struct upd_ctx *ctx, char **field, const char *text);
/* Lower-case hex SHA-256 of the DER SubjectPublicKeyInfo. */
bool upd_key_id(EVP_PKEY *key, char out[UPD_KEY_ID_LEN]);
bool upd_key_trusted(const struct fwg_update_trust *trust, const char *key_id);
/* The last OpenSSL error as text (drains the queue). */
void upd_openssl_error(char *buf, size_t size);

/* Each returns FWG_OK (verdict recorded), FWG_UNSUPPORTED (not this
 * kind: nothing recorded) or FWG_NOMEM. */
enum fwg_status upd_verify_fmp(struct upd_ctx *ctx, const uint8_t *data, size_t size);
enum fwg_status upd_verify_openbmc(struct upd_ctx *ctx, const uint8_t *data, size_t size);
/* True when data starts with an EFI_CAPSULE_HEADER of a known capsule GUID. */
bool upd_is_capsule(const uint8_t *data, size_t size);

/* SHA-256 of the SPKI of OpenBMC's public development key (meta-phosphor
 * OpenBMC.priv; rules/config/insecure-keys.txt). */
#define UPD_OPENBMC_DEV_KEY_ID "a48ae977cf91ad27f3a90c2550a990f9e221c083b000d6e4739a6bedd140daa6"

#endif
