/*
 * quote.c - verifies a TPM2_Quote (TPM 2.0 Part 3, 18.4) the way a remote
 * verifier must: the attestation structure the TPM signed, its signature
 * under the attestation key (AK), the verifier's nonce and the PCR digest.
 *
 * Inputs, all untrusted, decoded with libtss2-mu (which bounds every
 * TPM2B against its buffer) and then checked here:
 *   message    TPMS_ATTEST (tpm2_quote -m), or a TPM2B_ATTEST wrapping one
 *              (a leading u16 equal to the bytes after it).  It must be
 *              consumed exactly, start with TPM_GENERATED_VALUE (0xff544347:
 *              only a TPM writes that prefix into what a restricted key
 *              signs, Part 1, 36.3) and be of type TPM_ST_ATTEST_QUOTE.
 *   signature  TPMT_SIGNATURE (tpm2_quote -s): RSASSA (PKCS#1 v1.5),
 *              RSAPSS (any salt length: TPMs use the largest or the digest
 *              size) or ECDSA (r, s re-encoded as DER), over
 *              H_scheme(message).
 *   AK         TPM2B_PUBLIC (tpm2_createak -u), TPMT_PUBLIC, PEM or DER
 *              SubjectPublicKeyInfo, told apart by content.  RSA: modulus
 *              and exponent (0 meaning 65537); ECC: a NIST P-256, P-384
 *              or P-521 point, which OpenSSL checks is on the curve.
 *
 * Verdict (fwg_quote_result): signature_ok, nonce_ok (extraData equals
 * the nonce byte for byte) and pcr_digest_ok (pcrDigest equals
 * H_scheme of the expected values of the selected PCRs, concatenated bank
 * by bank in selection order and PCR by PCR ascending, Part 3, 18.4.1).
 * A message, signature or key that does not decode is an error with a
 * message; a decoded quote that fails a check is FWG_OK with the flag
 * false and the reason in detail[].
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <tss2/tss2_mu.h>

#include "cursor.h"
#include "evlog_internal.h"
#include "tpm_hash.h"

#define ECC_MAX_FIELD 66 /* P-521 */
#define MAX_KEY_INPUT (64u << 10) /* a PEM public key is far smaller */

static enum fwg_status fail(char *errbuf, size_t errbuf_size, enum fwg_status st,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static enum fwg_status fail(char *errbuf, size_t errbuf_size, enum fwg_status st,
		const char *fmt, ...)
{
	if (errbuf && errbuf_size) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(errbuf, errbuf_size, fmt, ap);
		va_end(ap);
	}
	return st;
}

/* Appends one reason to result->detail ("; " between reasons). */
static void add_detail(struct fwg_quote_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add_detail(struct fwg_quote_result *r, const char *fmt, ...)
{
	size_t used = strnlen(r->detail, sizeof(r->detail));
	if (used + 3 >= sizeof(r->detail))
		return;
	if (used) {
		memcpy(r->detail + used, "; ", 3);
		used += 2;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->detail + used, sizeof(r->detail) - used, fmt, ap);
	va_end(ap);
}

static const char *alg_text(uint16_t alg, char *buf, size_t size)
{
	const char *name = fwg_tpm_alg_name(alg);
	if (name)
		return name;
	snprintf(buf, size, "0x%04x", (unsigned)alg);
	return buf;
}

/* ---- the attestation message --------------------------------------------- */

/* Unmarshals the message into *attest; *body and *body_size are the
 * TPMS_ATTEST bytes the TPM signed (without a TPM2B size). */
static enum fwg_status decode_attest(const uint8_t *msg, size_t size, TPMS_ATTEST *attest,
		const uint8_t **body, size_t *body_size, char *errbuf, size_t errbuf_size)
{
	struct fwg_cursor c = fwg_cursor_make(msg, size);
	uint32_t magic = 0;
	uint16_t wrapped = 0;
	*body = msg;
	*body_size = size;
	if (fwg_cursor_u32be_at(&c, 0, &magic) != FWG_OK)
		return fail(errbuf, errbuf_size, FWG_TRUNCATED,
			"quote message: %zu bytes is too short for a TPMS_ATTEST", size);
	if (magic != TPM2_GENERATED_VALUE && fwg_cursor_u16be_at(&c, 0, &wrapped) == FWG_OK &&
			(size_t)wrapped == size - 2) {
		*body = msg + 2; /* a TPM2B_ATTEST */
		*body_size = size - 2;
	}
	size_t offset = 0;
	memset(attest, 0, sizeof(*attest));
	TSS2_RC rc = Tss2_MU_TPMS_ATTEST_Unmarshal(*body, *body_size, &offset, attest);
	if (rc != TSS2_RC_SUCCESS)
		return fail(errbuf, errbuf_size, FWG_MALFORMED,
			"quote message: not a TPMS_ATTEST (it does not unmarshal: tss2 rc 0x%08x)",
			(unsigned)rc);
	if (offset != *body_size)
		return fail(errbuf, errbuf_size, FWG_MALFORMED,
			"quote message: %zu bytes after the TPMS_ATTEST at offset 0x%zx",
			*body_size - offset, offset + (size_t)(*body - msg));
	if (attest->magic != TPM2_GENERATED_VALUE)
		return fail(errbuf, errbuf_size, FWG_MALFORMED,
			"quote message: magic 0x%08x is not TPM_GENERATED_VALUE 0xff544347, so no TPM "
			"made it", (unsigned)attest->magic);
	if (attest->type != TPM2_ST_ATTEST_QUOTE)
		return fail(errbuf, errbuf_size, FWG_MALFORMED,
			"quote message: attestation type 0x%04x is not TPM_ST_ATTEST_QUOTE (0x8018)",
			(unsigned)attest->type);
	const TPML_PCR_SELECTION *sel = &attest->attested.quote.pcrSelect;
	if (sel->count > FWG_EVLOG_MAX_BANKS)
		return fail(errbuf, errbuf_size, FWG_LIMIT,
			"quote message: %u PCR banks selected, more than %d", (unsigned)sel->count,
			FWG_EVLOG_MAX_BANKS);
	for (UINT32 i = 0; i < sel->count; i++)
		if (sel->pcrSelections[i].sizeofSelect > TPM2_PCR_SELECT_MAX)
			return fail(errbuf, errbuf_size, FWG_MALFORMED,
				"quote message: PCR selection %u is %u bytes, more than %d", (unsigned)i,
				(unsigned)sel->pcrSelections[i].sizeofSelect, TPM2_PCR_SELECT_MAX);
	if (attest->attested.quote.pcrDigest.size > FWG_DIGEST_MAX)
		return fail(errbuf, errbuf_size, FWG_MALFORMED,
			"quote message: PCR digest of %u bytes", attest->attested.quote.pcrDigest.size);
	return FWG_OK;
}

/* Every selected PCR as a 32-bit mask (TPM_PCR_SELECT_MAX is 4 bytes). */
static uint32_t selection_mask(const TPMS_PCR_SELECTION *s)
{
	uint32_t mask = 0;
	for (unsigned i = 0; i < s->sizeofSelect && i < 4; i++)
		mask |= (uint32_t)s->pcrSelect[i] << (8 * i);
	return mask;
}

static void fill_result(const TPMS_ATTEST *a, struct fwg_quote_result *r)
{
	r->clock = a->clockInfo.clock;
	r->reset_count = a->clockInfo.resetCount;
	r->restart_count = a->clockInfo.restartCount;
	r->safe = a->clockInfo.safe != 0;
	r->firmware_version = a->firmwareVersion;
	const TPML_PCR_SELECTION *sel = &a->attested.quote.pcrSelect;
	r->selection_count = sel->count;
	for (UINT32 i = 0; i < sel->count; i++) {
		r->selection[i].alg = sel->pcrSelections[i].hash;
		r->selection[i].mask = selection_mask(&sel->pcrSelections[i]);
	}
	r->pcr_digest_size = a->attested.quote.pcrDigest.size;
	memcpy(r->pcr_digest, a->attested.quote.pcrDigest.buffer, r->pcr_digest_size);
}

/* ---- the attestation key --------------------------------------------------- */

static EVP_PKEY *key_from_params(const char *type, OSSL_PARAM_BLD *bld)
{
	EVP_PKEY *key = NULL;
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	if (params && ctx && EVP_PKEY_fromdata_init(ctx) == 1)
		(void)EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return key;
}

static enum fwg_status rsa_key(const TPMT_PUBLIC *pub, EVP_PKEY **out, char *errbuf,
		size_t errbuf_size)
{
	const TPM2B_PUBLIC_KEY_RSA *n = &pub->unique.rsa;
	uint32_t e = pub->parameters.rsaDetail.exponent ? pub->parameters.rsaDetail.exponent : 65537;
	if (n->size == 0 || (size_t)n->size * 8 != pub->parameters.rsaDetail.keyBits)
		return fail(errbuf, errbuf_size, FWG_MALFORMED,
			"AK: RSA modulus of %u bytes for a %u-bit key", (unsigned)n->size,
			(unsigned)pub->parameters.rsaDetail.keyBits);
	enum fwg_status st = FWG_NOMEM;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *bn_n = BN_bin2bn(n->buffer, n->size, NULL), *bn_e = BN_new();
	if (bld && bn_n && bn_e && BN_set_word(bn_e, e) == 1 &&
			OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) == 1 &&
			OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) == 1) {
		*out = key_from_params("RSA", bld);
		st = *out ? FWG_OK : fail(errbuf, errbuf_size, FWG_MALFORMED,
			"AK: OpenSSL refuses the RSA key (%u-bit modulus, exponent %u)",
			(unsigned)pub->parameters.rsaDetail.keyBits, (unsigned)e);
	}
	BN_free(bn_n);
	BN_free(bn_e);
	OSSL_PARAM_BLD_free(bld);
	if (st == FWG_NOMEM)
		fail(errbuf, errbuf_size, st, "out of memory building the AK");
	return st;
}

static enum fwg_status ecc_key(const TPMT_PUBLIC *pub, EVP_PKEY **out, char *errbuf,
		size_t errbuf_size)
{
	const char *group;
	size_t field;
	switch (pub->parameters.eccDetail.curveID) {
	case TPM2_ECC_NIST_P256: group = "P-256"; field = 32; break;
	case TPM2_ECC_NIST_P384: group = "P-384"; field = 48; break;
	case TPM2_ECC_NIST_P521: group = "P-521"; field = 66; break;
	default:
		return fail(errbuf, errbuf_size, FWG_UNSUPPORTED,
			"AK: ECC curve 0x%04x is not supported (NIST P-256, P-384 or P-521)",
			(unsigned)pub->parameters.eccDetail.curveID);
	}
	const TPM2B_ECC_PARAMETER *x = &pub->unique.ecc.x, *y = &pub->unique.ecc.y;
	if (x->size == 0 || y->size == 0 || x->size > field || y->size > field)
		return fail(errbuf, errbuf_size, FWG_MALFORMED,
			"AK: %s point coordinates of %u and %u bytes", group, (unsigned)x->size,
			(unsigned)y->size);
	/* Uncompressed SEC1 point: 04 || X || Y, each left-padded to the field. */
	uint8_t point[1 + 2 * ECC_MAX_FIELD];
	memset(point, 0, sizeof(point));
	point[0] = 0x04;
	memcpy(point + 1 + field - x->size, x->buffer, x->size);
	memcpy(point + 1 + 2 * field - y->size, y->buffer, y->size);
	enum fwg_status st = FWG_NOMEM;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	if (bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) == 1 &&
			OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point,
				1 + 2 * field) == 1) {
		*out = key_from_params("EC", bld);
		st = *out ? FWG_OK : fail(errbuf, errbuf_size, FWG_MALFORMED,
			"AK: the point is not on %s", group);
	}
	OSSL_PARAM_BLD_free(bld);
	if (st == FWG_NOMEM)
		fail(errbuf, errbuf_size, st, "out of memory building the AK");
	return st;
}

static enum fwg_status tpmt_key(const TPMT_PUBLIC *pub, EVP_PKEY **out, char *errbuf,
		size_t errbuf_size)
{
	if (pub->type == TPM2_ALG_RSA)
		return rsa_key(pub, out, errbuf, errbuf_size);
	if (pub->type == TPM2_ALG_ECC)
		return ecc_key(pub, out, errbuf, errbuf_size);
	return fail(errbuf, errbuf_size, FWG_UNSUPPORTED,
		"AK: key type 0x%04x is neither RSA nor ECC", (unsigned)pub->type);
}

static bool starts_with_text(const uint8_t *data, size_t size, const char *prefix)
{
	size_t i = 0, n = strlen(prefix);
	while (i < size && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
		i++;
	return size - i >= n && memcmp(data + i, prefix, n) == 0;
}

/* The AK in any of its forms (see the top of the file). */
static enum fwg_status decode_ak(const uint8_t *data, size_t size, EVP_PKEY **out,
		char *errbuf, size_t errbuf_size)
{
	*out = NULL;
	if (!data || size == 0)
		return fail(errbuf, errbuf_size, FWG_MALFORMED, "AK: empty");
	if (size > MAX_KEY_INPUT)
		return fail(errbuf, errbuf_size, FWG_LIMIT, "AK: %zu bytes is too large for a key",
			size);
	if (starts_with_text(data, size, "-----BEGIN")) {
		BIO *bio = BIO_new_mem_buf(data, (int)size);
		if (!bio)
			return fail(errbuf, errbuf_size, FWG_NOMEM, "out of memory reading the AK");
		*out = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
		BIO_free(bio);
		return *out ? FWG_OK : fail(errbuf, errbuf_size, FWG_MALFORMED,
			"AK: PEM that is not a public key (expected -----BEGIN PUBLIC KEY-----)");
	}
	TPM2B_PUBLIC pub2b;
	TPMT_PUBLIC pubt;
	size_t offset = 0;
	memset(&pub2b, 0, sizeof(pub2b));
	if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(data, size, &offset, &pub2b) == TSS2_RC_SUCCESS &&
			offset == size)
		return tpmt_key(&pub2b.publicArea, out, errbuf, errbuf_size);
	offset = 0;
	memset(&pubt, 0, sizeof(pubt));
	if (Tss2_MU_TPMT_PUBLIC_Unmarshal(data, size, &offset, &pubt) == TSS2_RC_SUCCESS &&
			offset == size)
		return tpmt_key(&pubt, out, errbuf, errbuf_size);
	const unsigned char *p = data;
	*out = d2i_PUBKEY(NULL, &p, (long)size);
	if (*out && p == data + size)
		return FWG_OK;
	EVP_PKEY_free(*out);
	*out = NULL;
	return fail(errbuf, errbuf_size, FWG_MALFORMED,
		"AK: not a TPM2B_PUBLIC, TPMT_PUBLIC, PEM or DER public key");
}

/* ---- the signature ------------------------------------------------------ */

static const char *scheme_key_type(uint16_t sig_alg)
{
	switch (sig_alg) {
	case TPM2_ALG_RSASSA:
	case TPM2_ALG_RSAPSS:
		return "RSA";
	case TPM2_ALG_ECDSA:
		return "EC";
	default:
		return NULL;
	}
}

/* The signature bytes OpenSSL verifies: RSA as is, ECDSA as DER; *owned
 * is set when they must be freed with OPENSSL_free. */
static bool signature_bytes(const TPMT_SIGNATURE *sig, const uint8_t **bytes, size_t *len,
		uint8_t **owned)
{
	*owned = NULL;
	if (sig->sigAlg == TPM2_ALG_RSASSA || sig->sigAlg == TPM2_ALG_RSAPSS) {
		const TPM2B_PUBLIC_KEY_RSA *s = sig->sigAlg == TPM2_ALG_RSASSA ?
			&sig->signature.rsassa.sig : &sig->signature.rsapss.sig;
		*bytes = s->buffer;
		*len = s->size;
		return true;
	}
	const TPMS_SIGNATURE_ECDSA *e = &sig->signature.ecdsa;
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(e->signatureR.buffer, e->signatureR.size, NULL);
	BIGNUM *s = BN_bin2bn(e->signatureS.buffer, e->signatureS.size, NULL);
	if (!es || !r || !s || ECDSA_SIG_set0(es, r, s) != 1) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(es);
		return false;
	}
	unsigned char *der = NULL;
	int n = i2d_ECDSA_SIG(es, &der);
	ECDSA_SIG_free(es);
	if (n <= 0)
		return false;
	*owned = der;
	*bytes = der;
	*len = (size_t)n;
	return true;
}

/* Checks the signature over digest (already H_scheme(message)). */
static bool verify_signature(EVP_PKEY *key, const TPMT_SIGNATURE *sig, const EVP_MD *md,
		const uint8_t *digest, size_t digest_len, struct fwg_quote_result *r)
{
	const char *want = scheme_key_type(sig->sigAlg);
	if (!EVP_PKEY_is_a(key, want)) {
		add_detail(r, "signature: a %s signature cannot come from this AK, which is not an "
			"%s key", sig->sigAlg == TPM2_ALG_ECDSA ? "ECDSA" : "RSA", want);
		return false;
	}
	const uint8_t *bytes;
	size_t len;
	uint8_t *owned;
	if (!signature_bytes(sig, &bytes, &len, &owned)) {
		add_detail(r, "signature: cannot encode the ECDSA signature");
		return false;
	}
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	bool ok = ctx && EVP_PKEY_verify_init(ctx) == 1 &&
		EVP_PKEY_CTX_set_signature_md(ctx, md) == 1;
	if (ok && sig->sigAlg == TPM2_ALG_RSASSA)
		ok = EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1;
	if (ok && sig->sigAlg == TPM2_ALG_RSAPSS)
		ok = EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) == 1 &&
			EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) == 1 &&
			EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_AUTO) == 1;
	if (!ok)
		add_detail(r, "signature: OpenSSL cannot set up the verification");
	else if (EVP_PKEY_verify(ctx, bytes, len, digest, digest_len) != 1) {
		ok = false;
		add_detail(r, "signature: does not verify with this AK over this message");
	}
	EVP_PKEY_CTX_free(ctx);
	OPENSSL_free(owned);
	return ok;
}

/* ---- nonce and PCR digest -------------------------------------------------- */

static bool check_nonce(const TPMS_ATTEST *a, const struct fwg_quote_input *in,
		struct fwg_quote_result *r)
{
	if (!in->nonce) {
		add_detail(r, "nonce: none given, so the quote's freshness is unknown");
		return false;
	}
	if (a->extraData.size != in->nonce_size ||
			memcmp(a->extraData.buffer, in->nonce, in->nonce_size) != 0) {
		add_detail(r, "nonce: the quote's qualifying data (%u bytes) is not the verifier's "
			"nonce (%zu bytes): a replayed or foreign quote", (unsigned)a->extraData.size,
			in->nonce_size);
		return false;
	}
	return true;
}

/* Hashes the expected values of every selected PCR into ctx. */
static bool hash_selected(EVP_MD_CTX *ctx, const TPML_PCR_SELECTION *sel,
		const struct fwg_pcr_set *pcrs, struct fwg_quote_result *r)
{
	char name[8];
	for (UINT32 i = 0; i < sel->count; i++) {
		const TPMS_PCR_SELECTION *s = &sel->pcrSelections[i];
		uint32_t mask = selection_mask(s);
		const struct fwg_pcr_bank *b = fwg_pcr_set_bank(pcrs, s->hash);
		if (!b && mask) {
			add_detail(r, "PCR digest: the expected values have no %s bank",
				alg_text(s->hash, name, sizeof(name)));
			return false;
		}
		for (unsigned pcr = 0; pcr < 32; pcr++) {
			if (!(mask & (1u << pcr)))
				continue;
			if (pcr >= FWG_PCR_COUNT || !(b->present_mask & (1u << pcr))) {
				add_detail(r, "PCR digest: the expected values lack %s PCR %u",
					alg_text(s->hash, name, sizeof(name)), pcr);
				return false;
			}
			if (EVP_DigestUpdate(ctx, b->value[pcr], b->size) != 1)
				return false;
		}
	}
	return true;
}

static bool check_pcr_digest(const TPMS_ATTEST *a, const struct fwg_quote_input *in,
		uint16_t hash_alg, struct fwg_quote_result *r)
{
	char name[8];
	const TPM2B_DIGEST *quoted = &a->attested.quote.pcrDigest;
	const EVP_MD *md = fwg_tpm_alg_md(hash_alg);
	if (!in->pcrs)
		return false; /* nothing to compare with: not a failed check */
	if (!md) {
		add_detail(r, "PCR digest: cannot compute with hash %s",
			alg_text(hash_alg, name, sizeof(name)));
		return false;
	}
	if (quoted->size != fwg_tpm_alg_digest_size(hash_alg)) {
		add_detail(r, "PCR digest: %u bytes, but %s digests are %zu", (unsigned)quoted->size,
			alg_text(hash_alg, name, sizeof(name)), fwg_tpm_alg_digest_size(hash_alg));
		return false;
	}
	uint8_t expected[FWG_DIGEST_MAX];
	size_t detail_before = strnlen(r->detail, sizeof(r->detail));
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = ctx && EVP_DigestInit_ex(ctx, md, NULL) == 1 &&
		hash_selected(ctx, &a->attested.quote.pcrSelect, in->pcrs, r) &&
		EVP_DigestFinal_ex(ctx, expected, NULL) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		if (strnlen(r->detail, sizeof(r->detail)) == detail_before)
			add_detail(r, "PCR digest: hashing failed");
		return false;
	}
	if (memcmp(expected, quoted->buffer, quoted->size) != 0) {
		add_detail(r, "PCR digest: the quoted PCRs differ from the expected values");
		return false;
	}
	return true;
}

/* ---- the whole verification ------------------------------------------------- */

static enum fwg_status decode_signature(const struct fwg_quote_input *in, TPMT_SIGNATURE *sig,
		char *errbuf, size_t errbuf_size)
{
	size_t offset = 0;
	memset(sig, 0, sizeof(*sig));
	if (!in->signature || in->signature_size == 0)
		return fail(errbuf, errbuf_size, FWG_MALFORMED, "signature: empty");
	TSS2_RC rc = Tss2_MU_TPMT_SIGNATURE_Unmarshal(in->signature, in->signature_size, &offset,
		sig);
	if (rc != TSS2_RC_SUCCESS)
		return fail(errbuf, errbuf_size, FWG_MALFORMED,
			"signature: not a TPMT_SIGNATURE (it does not unmarshal: tss2 rc 0x%08x)",
			(unsigned)rc);
	if (offset != in->signature_size)
		return fail(errbuf, errbuf_size, FWG_MALFORMED,
			"signature: %zu bytes after the TPMT_SIGNATURE at offset 0x%zx",
			in->signature_size - offset, offset);
	return FWG_OK;
}

/* Checks the signature, recording scheme and hash in r. */
static bool check_signature(EVP_PKEY *key, const TPMT_SIGNATURE *sig, const uint8_t *body,
		size_t body_size, struct fwg_quote_result *r)
{
	char name[8];
	r->sig_alg = sig->sigAlg;
	if (!scheme_key_type(sig->sigAlg)) {
		add_detail(r, "signature: scheme 0x%04x is not supported (RSASSA, RSAPSS or ECDSA)",
			(unsigned)sig->sigAlg);
		return false;
	}
	r->hash_alg = sig->signature.any.hashAlg;
	const EVP_MD *md = fwg_tpm_alg_md(r->hash_alg);
	uint8_t digest[EVP_MAX_MD_SIZE];
	unsigned digest_len = 0;
	if (!md || EVP_Digest(body, body_size, digest, &digest_len, md, NULL) != 1) {
		add_detail(r, "signature: cannot compute its hash %s",
			alg_text(r->hash_alg, name, sizeof(name)));
		return false;
	}
	return verify_signature(key, sig, md, digest, digest_len, r);
}

enum fwg_status fwg_quote_verify(const struct fwg_quote_input *in, struct fwg_quote_result *result,
		char *errbuf, size_t errbuf_size)
{
	memset(result, 0, sizeof(*result));
	if (!in || !in->attest || in->attest_size == 0)
		return fail(errbuf, errbuf_size, FWG_MALFORMED, "quote message: empty");
	/* Large structures: kept off the stack of callers with small stacks. */
	struct decoded {
		TPMS_ATTEST attest;
		TPMT_SIGNATURE sig;
	} *d = OPENSSL_zalloc(sizeof(*d));
	if (!d)
		return fail(errbuf, errbuf_size, FWG_NOMEM, "out of memory");
	EVP_PKEY *key = NULL;
	const uint8_t *body;
	size_t body_size;
	enum fwg_status st = decode_attest(in->attest, in->attest_size, &d->attest, &body,
		&body_size, errbuf, errbuf_size);
	if (st == FWG_OK)
		st = decode_signature(in, &d->sig, errbuf, errbuf_size);
	if (st == FWG_OK)
		st = decode_ak(in->ak_public, in->ak_public_size, &key, errbuf, errbuf_size);
	if (st != FWG_OK)
		goto out;
	fill_result(&d->attest, result);
	result->signature_ok = check_signature(key, &d->sig, body, body_size, result);
	result->nonce_ok = check_nonce(&d->attest, in, result);
	/* The PCR digest uses the hash of the signing scheme (Part 3, 18.4.1). */
	if (result->hash_alg)
		result->pcr_digest_ok = check_pcr_digest(&d->attest, in, result->hash_alg, result);
	else
		add_detail(result, "PCR digest: no hash algorithm (unsupported signature scheme)");
out:
	EVP_PKEY_free(key);
	OPENSSL_free(d);
	ERR_clear_error(); /* refusals are reported here, not left in OpenSSL's queue */
	return st;
}
