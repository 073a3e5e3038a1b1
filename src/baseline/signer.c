/*
 * signer.c - signing keys and detached signatures of baseline documents.
 *
 * A key comes from a PEM file (PKCS#8 or traditional private key; a
 * passphrase-protected one takes the PIN as its passphrase) or from a
 * PKCS#11 token (pkcs11.c).  The key alone decides the algorithm:
 *   EC P-256  -> "ecdsa-p256-sha256"  (DER ECDSA-Sig-Value)
 *   EC P-384  -> "ecdsa-p384-sha384"  (DER ECDSA-Sig-Value)
 *   RSA >= 3072 bits -> "rsa-pss-sha256" (MGF1-SHA256, 32-byte salt)
 *   Ed25519   -> "ed25519"            (pure EdDSA over the message)
 * Smaller RSA keys, other curves and other key types are refused.
 *
 * Signature document (JSON, written with sorted keys and indentation):
 *   {"format": "fwguard-signature", "version": 1, "key_id": <64 hex>,
 *    "algorithm": ..., "signed_at": "<RFC 3339 UTC>",
 *    "document_sha256": <hex SHA-256 of the document's canonical form>,
 *    "signature": <base64>}
 * The signature covers the canonical form of that object without
 * "signature", so it binds the key id, algorithm and signing time as well
 * as the document hash.
 */
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkcs11.h"
#include "signing_internal.h"

#define MAX_KEY_FILE (1u << 20)

struct fwg_signer {
	EVP_PKEY *pkey;      /* file keys: the private key; PKCS#11: NULL */
	struct fwg_p11 *p11; /* PKCS#11 session, or NULL */
	enum fwg_sig_alg alg;
	char key_id[65];
};

static const char *const alg_names[] = {
	[FWG_ALG_NONE] = "",
	[FWG_ALG_ECDSA_P256] = "ecdsa-p256-sha256",
	[FWG_ALG_ECDSA_P384] = "ecdsa-p384-sha384",
	[FWG_ALG_RSA_PSS] = "rsa-pss-sha256",
	[FWG_ALG_ED25519] = "ed25519",
};

const char *fwg_sig_alg_name(enum fwg_sig_alg alg)
{
	return (unsigned)alg < sizeof(alg_names) / sizeof(alg_names[0]) ? alg_names[alg] : "";
}

enum fwg_sig_alg fwg_sig_alg_from_name(const char *name)
{
	for (unsigned i = 1; i < sizeof(alg_names) / sizeof(alg_names[0]); i++)
		if (strcmp(name, alg_names[i]) == 0)
			return (enum fwg_sig_alg)i;
	return FWG_ALG_NONE;
}

const EVP_MD *fwg_sig_alg_md(enum fwg_sig_alg alg)
{
	switch (alg) {
	case FWG_ALG_ECDSA_P256:
	case FWG_ALG_RSA_PSS:
		return EVP_sha256();
	case FWG_ALG_ECDSA_P384:
		return EVP_sha384();
	default:
		return NULL;
	}
}

enum fwg_sig_alg fwg_sig_key_alg(EVP_PKEY *pkey, char *errbuf, size_t errbuf_size)
{
	int id = EVP_PKEY_get_base_id(pkey);
	if (id == EVP_PKEY_ED25519)
		return FWG_ALG_ED25519;
	if (id == EVP_PKEY_RSA) {
		int bits = EVP_PKEY_get_bits(pkey);
		if (bits < FWG_SIG_MIN_RSA_BITS) {
			snprintf(errbuf, errbuf_size,
				"RSA key of %d bits is too small: baseline keys need at least %d bits",
				bits, FWG_SIG_MIN_RSA_BITS);
			return FWG_ALG_NONE;
		}
		if (bits > FWG_SIG_MAX_RSA_BITS) {
			snprintf(errbuf, errbuf_size, "RSA key of %d bits is larger than %d bits",
				bits, FWG_SIG_MAX_RSA_BITS);
			return FWG_ALG_NONE;
		}
		return FWG_ALG_RSA_PSS;
	}
	if (id == EVP_PKEY_EC) {
		char group[64] = "";
		size_t glen = 0;
		if (EVP_PKEY_get_group_name(pkey, group, sizeof(group), &glen) != 1)
			group[0] = '\0';
		int nid = OBJ_sn2nid(group);
		if (nid == NID_undef)
			nid = EC_curve_nist2nid(group);
		if (nid == NID_X9_62_prime256v1)
			return FWG_ALG_ECDSA_P256;
		if (nid == NID_secp384r1)
			return FWG_ALG_ECDSA_P384;
		snprintf(errbuf, errbuf_size, "EC key on curve %s is not supported (P-256 or P-384)",
			group[0] ? group : "(unnamed)");
		return FWG_ALG_NONE;
	}
	snprintf(errbuf, errbuf_size,
		"key type %s is not supported (ECDSA P-256/P-384, RSA-3072 or larger, Ed25519)",
		OBJ_nid2sn(id) ? OBJ_nid2sn(id) : "unknown");
	return FWG_ALG_NONE;
}

bool fwg_sig_key_id(EVP_PKEY *pkey, char key_id[65])
{
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(pkey, &der);
	if (n <= 0)
		return false;
	unsigned char md[32];
	unsigned mdlen = 0;
	bool ok = EVP_Digest(der, (size_t)n, md, &mdlen, EVP_sha256(), NULL) == 1 && mdlen == 32;
	OPENSSL_free(der);
	if (ok)
		fwg_sig_hex(md, 32, key_id);
	return ok;
}

enum fwg_status fwg_sig_public_pem(EVP_PKEY *pkey, char **pem)
{
	*pem = NULL;
	BIO *bio = BIO_new(BIO_s_mem());
	if (!bio)
		return FWG_NOMEM;
	enum fwg_status st = FWG_NOMEM;
	char *data;
	long n;
	if (PEM_write_bio_PUBKEY(bio, pkey) == 1 && (n = BIO_get_mem_data(bio, &data)) > 0) {
		*pem = malloc((size_t)n + 1);
		if (*pem) {
			memcpy(*pem, data, (size_t)n);
			(*pem)[n] = '\0';
			st = FWG_OK;
		}
	}
	BIO_free(bio);
	return st;
}

/* Passphrase callback: the PIN, never a terminal prompt. */
static int pass_cb(char *buf, int size, int rwflag, void *u)
{
	(void)rwflag;
	const char *pin = u;
	if (!pin || size <= 0)
		return 0;
	size_t n = strlen(pin);
	if (n > (size_t)size)
		return 0;
	memcpy(buf, pin, n);
	return (int)n;
}

/* Loads a PEM file: a private key when want_private, else whichever of
 * private key, public key or certificate it holds (public part). */
static enum fwg_status load_pem(const char *path, const char *pin, bool want_private,
		EVP_PKEY **out, char *errbuf, size_t errbuf_size)
{
	*out = NULL;
	char *text;
	size_t len;
	enum fwg_status st = fwg_sig_read_file(path, MAX_KEY_FILE, &text, &len, errbuf,
		errbuf_size);
	if (st != FWG_OK)
		return st;
	EVP_PKEY *pkey = NULL;
	for (int kind = 0; kind < 3 && !pkey; kind++) {
		if (kind > 0 && want_private)
			break;
		BIO *bio = BIO_new_mem_buf(text, (int)len);
		if (!bio)
			break;
		if (kind == 0) {
			pkey = PEM_read_bio_PrivateKey(bio, NULL, pass_cb, (void *)pin);
		} else if (kind == 1) {
			pkey = PEM_read_bio_PUBKEY(bio, NULL, pass_cb, NULL);
		} else {
			X509 *x = PEM_read_bio_X509(bio, NULL, pass_cb, NULL);
			if (x)
				pkey = X509_get_pubkey(x);
			X509_free(x);
		}
		BIO_free(bio);
	}
	ERR_clear_error();
	free(text);
	if (!pkey) {
		snprintf(errbuf, errbuf_size, want_private
			? "%s holds no PEM private key (or its passphrase, given as --pin, is wrong)"
			: "%s holds no PEM private key, public key or certificate", path);
		return FWG_MALFORMED;
	}
	*out = pkey;
	return FWG_OK;
}

static bool is_pkcs11(const char *spec)
{
	return strncmp(spec, "pkcs11:", 7) == 0;
}

enum fwg_status fwg_signer_open(const char *key_spec, const char *pin, struct fwg_signer **out,
		char *errbuf, size_t errbuf_size)
{
	*out = NULL;
	struct fwg_signer *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(errbuf, errbuf_size, "out of memory");
		return FWG_NOMEM;
	}
	enum fwg_status st;
	EVP_PKEY *pub;
	if (is_pkcs11(key_spec)) {
		st = fwg_p11_open(key_spec, pin, true, &s->p11, errbuf, errbuf_size);
		pub = st == FWG_OK ? fwg_p11_public_key(s->p11) : NULL;
	} else {
		st = load_pem(key_spec, pin, true, &s->pkey, errbuf, errbuf_size);
		pub = s->pkey;
	}
	if (st != FWG_OK)
		goto fail;
	s->alg = fwg_sig_key_alg(pub, errbuf, errbuf_size);
	if (s->alg == FWG_ALG_NONE) {
		st = FWG_UNSUPPORTED;
		goto fail;
	}
	if (!fwg_sig_key_id(pub, s->key_id)) {
		snprintf(errbuf, errbuf_size, "cannot encode the public key");
		st = FWG_MALFORMED;
		goto fail;
	}
	*out = s;
	return FWG_OK;
fail:
	fwg_signer_free(s);
	return st;
}

void fwg_signer_free(struct fwg_signer *signer)
{
	if (!signer)
		return;
	EVP_PKEY_free(signer->pkey);
	fwg_p11_close(signer->p11);
	free(signer);
}

const char *fwg_signer_key_id(const struct fwg_signer *signer)
{
	return signer->key_id;
}

const char *fwg_signer_algorithm(const struct fwg_signer *signer)
{
	return fwg_sig_alg_name(signer->alg);
}

static EVP_PKEY *signer_pub(const struct fwg_signer *signer)
{
	return signer->p11 ? fwg_p11_public_key(signer->p11) : signer->pkey;
}

enum fwg_status fwg_signer_public_pem(const struct fwg_signer *signer, char **pem)
{
	return fwg_sig_public_pem(signer_pub(signer), pem);
}

enum fwg_status fwg_public_key_export(const char *key_spec, const char *pin, char **pem,
		char key_id[65], char *errbuf, size_t errbuf_size)
{
	*pem = NULL;
	key_id[0] = '\0';
	EVP_PKEY *pkey = NULL;
	struct fwg_p11 *p11 = NULL;
	enum fwg_status st;
	if (is_pkcs11(key_spec)) {
		st = fwg_p11_open(key_spec, pin, false, &p11, errbuf, errbuf_size);
		if (st == FWG_OK)
			pkey = fwg_p11_public_key(p11);
	} else {
		st = load_pem(key_spec, pin, false, &pkey, errbuf, errbuf_size);
	}
	if (st != FWG_OK)
		goto out;
	if (fwg_sig_key_alg(pkey, errbuf, errbuf_size) == FWG_ALG_NONE) {
		st = FWG_UNSUPPORTED;
		goto out;
	}
	if (!fwg_sig_key_id(pkey, key_id)) {
		snprintf(errbuf, errbuf_size, "cannot encode the public key");
		st = FWG_MALFORMED;
		goto out;
	}
	st = fwg_sig_public_pem(pkey, pem);
	if (st != FWG_OK)
		snprintf(errbuf, errbuf_size, "out of memory writing the public key");
out:
	if (p11)
		fwg_p11_close(p11);
	else
		EVP_PKEY_free(pkey);
	return st;
}

static bool set_pss(EVP_PKEY_CTX *pctx)
{
	return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0
		&& EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) > 0
		&& EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) > 0;
}

bool fwg_sig_verify_raw(EVP_PKEY *pkey, enum fwg_sig_alg alg, const unsigned char *msg,
		size_t len, const unsigned char *sig, size_t sig_len)
{
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	bool ok = mctx && EVP_DigestVerifyInit(mctx, &pctx, fwg_sig_alg_md(alg), NULL, pkey) == 1
		&& (alg != FWG_ALG_RSA_PSS || set_pss(pctx))
		&& EVP_DigestVerify(mctx, sig, sig_len, msg, len) == 1;
	EVP_MD_CTX_free(mctx);
	ERR_clear_error();
	return ok;
}

static enum fwg_status evp_sign(EVP_PKEY *pkey, enum fwg_sig_alg alg, const unsigned char *msg,
		size_t len, unsigned char **sig, size_t *sig_len, char *errbuf, size_t errbuf_size)
{
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	size_t n = 0;
	enum fwg_status st = FWG_MALFORMED;
	unsigned char *buf = NULL;
	if (mctx && EVP_DigestSignInit(mctx, &pctx, fwg_sig_alg_md(alg), NULL, pkey) == 1
			&& (alg != FWG_ALG_RSA_PSS || set_pss(pctx))
			&& EVP_DigestSign(mctx, NULL, &n, msg, len) == 1 && n > 0 && n <= FWG_SIG_MAX_RAW
			&& (buf = malloc(n)) != NULL && EVP_DigestSign(mctx, buf, &n, msg, len) == 1) {
		*sig = buf;
		*sig_len = n;
		buf = NULL;
		st = FWG_OK;
	} else {
		unsigned long e = ERR_peek_last_error();
		snprintf(errbuf, errbuf_size, "signing failed: %s",
			e ? ERR_reason_error_string(e) : "OpenSSL error");
	}
	free(buf);
	EVP_MD_CTX_free(mctx);
	ERR_clear_error();
	return st;
}

enum fwg_status fwg_sign_document(struct fwg_signer *signer, const char *doc, size_t len,
		int64_t now, char **signature, size_t *signature_len, char *errbuf,
		size_t errbuf_size)
{
	*signature = NULL;
	*signature_len = 0;
	char *canon = NULL, *tbs = NULL, *b64 = NULL, *text = NULL;
	size_t canon_len, tbs_len;
	unsigned char *sig = NULL;
	size_t sig_len = 0;
	json_t *obj = NULL;
	enum fwg_status st = fwg_canonical_json(doc, len, &canon, &canon_len, errbuf, errbuf_size);
	if (st != FWG_OK)
		goto out;
	unsigned char md[32];
	unsigned mdlen;
	char doc_hash[65], signed_at[32];
	st = FWG_NOMEM;
	if (EVP_Digest(canon, canon_len, md, &mdlen, EVP_sha256(), NULL) != 1)
		goto nomem;
	fwg_sig_hex(md, 32, doc_hash);
	fwg_rfc3339_format(fwg_sig_now(now), signed_at, sizeof(signed_at));
	obj = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s}", "format", "fwguard-signature",
		"version", 1, "key_id", signer->key_id, "algorithm", fwg_sig_alg_name(signer->alg),
		"signed_at", signed_at, "document_sha256", doc_hash);
	if (!obj)
		goto nomem;
	st = fwg_canonical_value(obj, &tbs, &tbs_len, errbuf, errbuf_size);
	if (st != FWG_OK)
		goto out;
	if (signer->p11)
		st = fwg_p11_sign(signer->p11, signer->alg, (const unsigned char *)tbs, tbs_len, &sig,
			&sig_len, errbuf, errbuf_size);
	else
		st = evp_sign(signer->pkey, signer->alg, (const unsigned char *)tbs, tbs_len, &sig,
			&sig_len, errbuf, errbuf_size);
	if (st != FWG_OK)
		goto out;
	/* Sign-then-check: a key that cannot verify its own signature (a
	 * token whose public object belongs to another key) is caught here. */
	if (!fwg_sig_verify_raw(signer_pub(signer), signer->alg, (const unsigned char *)tbs,
			tbs_len, sig, sig_len)) {
		snprintf(errbuf, errbuf_size,
			"the new signature does not verify with the key's public key (mismatched key pair?)");
		st = FWG_MALFORMED;
		goto out;
	}
	st = FWG_NOMEM;
	b64 = malloc(4 * ((sig_len + 2) / 3) + 1);
	if (!b64)
		goto nomem;
	EVP_EncodeBlock((unsigned char *)b64, sig, (int)sig_len);
	if (json_object_set_new(obj, "signature", json_string(b64)) != 0)
		goto nomem;
	text = json_dumps(obj, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	if (!text)
		goto nomem;
	size_t n = strlen(text);
	*signature = malloc(n + 2);
	if (!*signature)
		goto nomem;
	memcpy(*signature, text, n);
	(*signature)[n] = '\n';
	(*signature)[n + 1] = '\0';
	*signature_len = n + 1;
	st = FWG_OK;
	goto out;
nomem:
	snprintf(errbuf, errbuf_size, "out of memory signing");
	st = FWG_NOMEM;
out:
	free(canon);
	free(tbs);
	free(sig);
	free(b64);
	free(text);
	json_decref(obj);
	return st;
}
