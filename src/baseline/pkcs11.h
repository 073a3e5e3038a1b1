/*
 * pkcs11.h - signing keys held in a PKCS#11 token (internal to the
 * signing modules).
 *
 * A key is named by an RFC 7512 URI:
 *   pkcs11:token=fwguard;object=baseline-2025;id=%01?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-value=1234
 * Path attributes honoured: token (label), object (label), id (bytes),
 * serial, type (must be private/public when given); other path attributes
 * are ignored as RFC 7512 section 2.3 allows.  Query attributes:
 * module-path (else $FWGUARD_PKCS11_MODULE), pin-value; pin-source and
 * module-name are refused as unsupported.  Values are percent-decoded.
 *
 * The module is dlopen()ed and never unloaded (see fwg_p11_close).  Everything the
 * token returns (slot counts, attribute lengths, signature lengths) is
 * checked against fixed caps before use.
 */
#ifndef FWG_BASELINE_PKCS11_H
#define FWG_BASELINE_PKCS11_H

#include <stdbool.h>
#include <stddef.h>

#include "signing_internal.h"

#define FWG_P11_MAX_ATTR 256

struct fwg_p11_uri {
	char token[FWG_P11_MAX_ATTR + 1];
	char object[FWG_P11_MAX_ATTR + 1];
	char serial[FWG_P11_MAX_ATTR + 1];
	char type[FWG_P11_MAX_ATTR + 1];
	unsigned char id[FWG_P11_MAX_ATTR];
	size_t id_len;
	bool has_token, has_object, has_serial, has_id;
	char module_path[4096];
	char pin_value[FWG_P11_MAX_ATTR + 1];
	bool has_module_path, has_pin_value;
};

enum fwg_status fwg_p11_uri_parse(const char *uri, struct fwg_p11_uri *out, char *errbuf,
		size_t errbuf_size);

struct fwg_p11;
/* Opens the token and finds the key; need_private requires the private
 * key (signing), else the public key object alone is enough. */
enum fwg_status fwg_p11_open(const char *uri, const char *pin, bool need_private,
		struct fwg_p11 **out, char *errbuf, size_t errbuf_size);
void fwg_p11_close(struct fwg_p11 *p);
/* The key's public half (borrowed). */
EVP_PKEY *fwg_p11_public_key(const struct fwg_p11 *p);
/* Signs msg with alg; ECDSA signatures come back DER-encoded like
 * OpenSSL's, so verification does not care where the key lived. */
enum fwg_status fwg_p11_sign(struct fwg_p11 *p, enum fwg_sig_alg alg, const unsigned char *msg,
		size_t len, unsigned char **sig, size_t *sig_len, char *errbuf, size_t errbuf_size);

#endif
