/*
 * update.h - public API for verifying firmware updates before reflashing
 * (docs/baselines.md, "Update verification"):
 *
 *   UEFI FMP capsules      every payload item's EFI_FIRMWARE_IMAGE_AUTHENTICATION
 *                          (PKCS#7 over payload || MonotonicCount) against
 *                          trusted X.509 certificates, and its FMP payload
 *                          header version against the installed version;
 *   OpenBMC update tars    every file's .sig and image-full.sig against the
 *                          package's publickey, that publickey against the
 *                          trusted keys (never OpenBMC's public development
 *                          key), and MANIFEST version= against the installed
 *                          version.
 *
 * A result lists every check made, in order, and a verdict: verified only
 * when every check passed.  Inputs are untrusted: malformed packages are
 * refused, never trusted.
 */
#ifndef FWGUARD_UPDATE_H
#define FWGUARD_UPDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fwguard/fwguard.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Trust anchors: X.509 certificates and public keys read from PEM files
 * (any mix of CERTIFICATE, PUBLIC KEY and RSA PUBLIC KEY blocks). */
struct fwg_update_trust;
FWG_NODISCARD enum fwg_status fwg_update_trust_load(const char *const *pem_paths, size_t count,
		struct fwg_update_trust **out, char *errbuf, size_t errbuf_size);
/* Same from PEM text in memory (one buffer). */
FWG_NODISCARD enum fwg_status fwg_update_trust_load_pem(const char *pem, size_t len,
		struct fwg_update_trust **out, char *errbuf, size_t errbuf_size);
void fwg_update_trust_free(struct fwg_update_trust *trust);

enum fwg_update_kind {
	FWG_UPDATE_UNKNOWN = 0,
	FWG_UPDATE_FMP_CAPSULE,
	FWG_UPDATE_OPENBMC,
};
/* "unknown", "fmp_capsule", "openbmc_update". */
const char *fwg_update_kind_name(enum fwg_update_kind kind);

struct fwg_update_check {
	char *name;    /* e.g. "image[0].signature", "image-rofs.sig" */
	bool ok;
	char *detail;  /* one sentence for people */
};

struct fwg_update_result {
	char *file;                  /* label of the input */
	enum fwg_update_kind kind;
	bool verified;               /* every check passed */
	/* Why it was refused ("" when verified): a code and a sentence.
	 * Codes: unsigned, bad_signature, untrusted_key, development_key,
	 * missing_signature, unsupported, downgrade, malformed. */
	char reason_code[32];
	char reason[512];
	char *version;               /* the update's version, NULL if unknown */
	char *lowest_supported_version; /* FMP payload header, NULL if absent */
	char *current_version;       /* as given, NULL if not */
	char *key_id;                /* SHA-256 of the signer's SPKI (hex), or NULL */
	char *signer;                /* capsule signer's subject, or NULL */
	struct fwg_update_check *checks;
	size_t check_count;
	size_t check_cap;
};

/*
 * Verifies the update in data[0..size) (label names it in the result).
 * current_version may be NULL; for capsules it is a decimal or 0x-hex
 * UINT32, for OpenBMC a version string compared the way vulnerability
 * ranges are.  Returns FWG_OK when a verdict was reached (*out set),
 * FWG_UNSUPPORTED when the input is neither an FMP capsule nor an OpenBMC
 * update package (*out still set, kind unknown), FWG_NOMEM otherwise.
 */
FWG_NODISCARD enum fwg_status fwg_update_verify_buffer(const uint8_t *data, size_t size,
		const char *label, const struct fwg_update_trust *trust,
		const char *current_version, struct fwg_update_result **out);
/* Reads path (at most FWG_UPDATE_MAX_FILE bytes) and verifies it; FWG_IO
 * or FWG_LIMIT with a message in errbuf when it cannot be read. */
#define FWG_UPDATE_MAX_FILE (1024ull * 1024 * 1024)
FWG_NODISCARD enum fwg_status fwg_update_verify_file(const char *path,
		const struct fwg_update_trust *trust, const char *current_version,
		struct fwg_update_result **out, char *errbuf, size_t errbuf_size);
void fwg_update_result_free(struct fwg_update_result *result);

/* One line per check, then "VERIFIED" or "REFUSED: reason". */
FWG_NODISCARD enum fwg_status fwg_update_result_write_text(const struct fwg_update_result *result,
		FILE *out);
/* {"file", "kind", "verdict", "reason_code", "reason", "version", ...,
 *  "checks": [{"name", "ok", "detail"}]} */
FWG_NODISCARD enum fwg_status fwg_update_result_write_json(const struct fwg_update_result *result,
		FILE *out);

#ifdef __cplusplus
}
#endif

#endif
