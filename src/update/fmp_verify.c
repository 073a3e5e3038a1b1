/*
 * fmp_verify.c - authentication and version of UEFI FMP capsules before
 * they are handed to UpdateCapsule (UEFI 2.10 sections 8.5.3 and 23.3;
 * EDK2 FmpDxe and its FmpAuthenticationLibPkcs7).
 *
 * Walk (every field read through the cursor, every size compared with the
 * bytes that remain before it is used):
 *   EFI_CAPSULE_HEADER             CapsuleGuid = FMP capsule GUID
 *                                  6dcbd5ed-e82d-4c44-bda1-7194199ad92a,
 *                                  HeaderSize u32 @0x10, Flags @0x14,
 *                                  CapsuleImageSize u32 @0x18
 *   EFI_FIRMWARE_MANAGEMENT_CAPSULE_HEADER
 *                                  Version u32 (1), EmbeddedDriverCount u16,
 *                                  PayloadItemCount u16, ItemOffsetList u64[]
 *   per payload item: EFI_FIRMWARE_MANAGEMENT_CAPSULE_IMAGE_HEADER v1..3
 *                                  (0x20/0x28/0x30 bytes), UpdateImageSize
 *                                  @0x18, UpdateVendorCodeSize @0x1c,
 *                                  ImageCapsuleSupport u64 @0x28 (v3)
 *   image: EFI_FIRMWARE_IMAGE_AUTHENTICATION
 *                                  MonotonicCount u64, WIN_CERTIFICATE_UEFI_GUID
 *                                  {dwLength u32, wRevision 0x0200,
 *                                  wCertificateType 0x0EF1, CertType
 *                                  EFI_CERT_TYPE_PKCS7_GUID, CertData}
 *          then [EFI_FIRMWARE_IMAGE_DEP when ImageCapsuleSupport has
 *          DEPENDENCY] [FMP_PAYLOAD_HEADER "MSS1": HeaderSize, FwVersion,
 *          LowestSupportedVersion] and the payload.
 *
 * The PKCS#7 (DER ContentInfo, or a bare SignedData that is wrapped first,
 * as EDK2's Pkcs7Verify does) is a detached signature over everything in
 * the image after the authentication block, followed by MonotonicCount as
 * 8 little-endian bytes.  Decision per item, all of which must pass:
 *   the signature verifies over those bytes (else bad_signature), and a
 *   signer chains to a trusted certificate (partial chains allowed, no
 *   time check, any purpose) or its key is itself trusted (else
 *   untrusted_key); no authentication block is "unsigned"; embedded
 *   drivers and vendor code bytes, which no signature covers, are refused
 *   as unsigned; FwVersion below --current-version is a downgrade.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "cursor.h"
#include "guid.h"
#include "update_internal.h"

#define CAPSULE_HEADER_SIZE 28u
#define FMP_HEADER_FIXED 8u
#define FMP_HEADER_VERSION 1u
#define MAX_FMP_ITEMS 256u
#define IMAGE_HEADER_V1 0x20u
#define IMAGE_HEADER_V2 0x28u
#define IMAGE_HEADER_V3 0x30u
#define IMAGE_OFF_TYPE_ID 0x04u
#define IMAGE_OFF_INDEX 0x14u
#define IMAGE_OFF_SIZE 0x18u
#define IMAGE_OFF_VENDOR_SIZE 0x1cu
#define IMAGE_OFF_SUPPORT 0x28u
#define SUPPORT_AUTHENTICATION 0x1u
#define SUPPORT_DEPENDENCY 0x2u

#define AUTH_HEADER_SIZE 32u        /* MonotonicCount + WIN_CERTIFICATE_UEFI_GUID header */
#define WIN_CERT_GUID_HEADER 24u    /* dwLength .. CertType */
#define WIN_CERT_REVISION 0x0200u
#define WIN_CERT_TYPE_EFI_GUID 0x0ef1u
#define MAX_PKCS7 (1u << 20)

#define DEP_PUSH_GUID 0x00
#define DEP_PUSH_VERSION 0x01
#define DEP_VERSION_STR 0x02
#define DEP_AND 0x03
#define DEP_LTE 0x0c
#define DEP_END 0x0d
#define DEP_DECLARE_LENGTH 0x0e
#define MAX_DEP_BYTES 4096u

#define PAYLOAD_SIGNATURE "MSS1"
#define PAYLOAD_HEADER_MIN 16u

static const uint8_t fmp_capsule_guid[16] = FWG_GUID_INIT(0x6dcbd5ed, 0xe82d, 0x4c44,
	0xbd, 0xa1, 0x71, 0x94, 0x19, 0x9a, 0xd9, 0x2a);
static const uint8_t efi_capsule_guid[16] = FWG_GUID_INIT(0x3b6686bd, 0x0d76, 0x4030,
	0xb7, 0x0e, 0xb5, 0x51, 0x9e, 0x2f, 0xc5, 0xa0);
static const uint8_t ux_capsule_guid[16] = FWG_GUID_INIT(0x3b8c8162, 0x188c, 0x46a4,
	0xae, 0xc9, 0xbe, 0x43, 0xf1, 0xd6, 0x56, 0x97);
static const uint8_t pkcs7_guid[16] = FWG_GUID_INIT(0x4aafd29d, 0x68df, 0x49ee,
	0x8a, 0xa9, 0x34, 0x7d, 0x37, 0x56, 0x65, 0xa7);
/* 1.2.840.113549.1.7.2 signedData, DER. */
static const uint8_t signed_data_oid[] = {
	0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02,
};

bool upd_is_capsule(const uint8_t *data, size_t size)
{
	if (!data || size < CAPSULE_HEADER_SIZE)
		return false;
	return fwg_guid_eq(data, fmp_capsule_guid) || fwg_guid_eq(data, efi_capsule_guid) ||
		fwg_guid_eq(data, ux_capsule_guid);
}

/* ---- PKCS#7 ---------------------------------------------------------- */

/* Bytes of a DER length: one below 0x80, else 0x8N and N value bytes. */
static size_t der_length_size(size_t n)
{
	if (n < 0x80)
		return 1;
	size_t bytes = 0;
	for (; n; n >>= 8)
		bytes++;
	return 1 + bytes;
}

static uint8_t *der_put_length(uint8_t *p, size_t n)
{
	size_t s = der_length_size(n);
	if (s == 1) {
		*p++ = (uint8_t)n;
		return p;
	}
	*p++ = (uint8_t)(0x80 | (s - 1));
	for (size_t i = s - 1; i-- > 0;)
		*p++ = (uint8_t)(n >> (8 * i));
	return p;
}

/* ContentInfo { signedData, [0] EXPLICIT sd } around a bare SignedData. */
static uint8_t *wrap_signed_data(const uint8_t *sd, size_t len, size_t *out_len)
{
	if (len > MAX_PKCS7)
		return NULL;
	size_t explicit_len = 1 + der_length_size(len) + len;
	size_t inner = sizeof(signed_data_oid) + explicit_len;
	size_t total = 1 + der_length_size(inner) + inner;
	uint8_t *buf = malloc(total);
	if (!buf)
		return NULL;
	uint8_t *p = buf;
	*p++ = 0x30;
	p = der_put_length(p, inner);
	memcpy(p, signed_data_oid, sizeof(signed_data_oid));
	p += sizeof(signed_data_oid);
	*p++ = 0xa0;
	p = der_put_length(p, len);
	memcpy(p, sd, len);
	*out_len = total;
	return buf;
}

static PKCS7 *decode_pkcs7(const uint8_t *der, size_t len, bool *nomem)
{
	*nomem = false;
	const unsigned char *p = der;
	PKCS7 *p7 = d2i_PKCS7(NULL, &p, (long)len);
	if (p7)
		return p7;
	ERR_clear_error();
	size_t wlen;
	uint8_t *wrapped = wrap_signed_data(der, len, &wlen);
	if (!wrapped) {
		*nomem = true;
		return NULL;
	}
	p = wrapped;
	p7 = d2i_PKCS7(NULL, &p, (long)wlen);
	free(wrapped);
	return p7;
}

static bool pkcs7_verify(const struct fwg_update_trust *trust, PKCS7 *p7, const uint8_t *buf,
		size_t len, int flags)
{
	/* The memory BIO sits behind a null filter: handed a memory BIO
	 * directly, OpenSSL 3.0's PKCS7_verify copies it into a temporary BIO
	 * that it leaks when the signature's digest cannot be set up. */
	BIO *mem = BIO_new_mem_buf(buf, (int)len);
	BIO *in = mem ? BIO_new(BIO_f_null()) : NULL;
	if (!in) {
		BIO_free(mem);
		return false;
	}
	BIO_push(in, mem);
	ERR_clear_error();
	int ok = PKCS7_verify(p7, trust ? trust->certs : NULL, trust ? trust->store : NULL, in,
		NULL, flags | PKCS7_BINARY | PKCS7_NO_DUAL_CONTENT);
	BIO_free_all(in);
	return ok == 1;
}

/* The first signer's subject and key id, recorded for the first image. */
static void note_signer(struct upd_ctx *ctx, PKCS7 *p7, char *subject, size_t size,
		char key_id[UPD_KEY_ID_LEN], bool *key_trusted)
{
	snprintf(subject, size, "an unknown signer");
	key_id[0] = '\0';
	*key_trusted = false;
	STACK_OF(X509) *signers = PKCS7_get0_signers(p7, ctx->trust ? ctx->trust->certs : NULL, 0);
	if (!signers) {
		ERR_clear_error();
		return;
	}
	bool all_trusted = sk_X509_num(signers) > 0;
	for (int i = 0; i < sk_X509_num(signers); i++) {
		X509 *x = sk_X509_value(signers, i);
		char id[UPD_KEY_ID_LEN];
		EVP_PKEY *key = X509_get0_pubkey(x);
		bool have = key && upd_key_id(key, id);
		if (!have || !upd_key_trusted(ctx->trust, id))
			all_trusted = false;
		if (i == 0) {
			X509_NAME_oneline(X509_get_subject_name(x), subject, (int)size);
			if (have)
				memcpy(key_id, id, UPD_KEY_ID_LEN);
		}
	}
	*key_trusted = all_trusted;
	sk_X509_free(signers);
	if (!ctx->r->signer)
		upd_set(ctx, &ctx->r->signer, subject);
	if (!ctx->r->key_id && key_id[0])
		upd_set(ctx, &ctx->r->key_id, key_id);
}

/* Checks the signature over payload || MonotonicCount. */
static void verify_signature(struct upd_ctx *ctx, const char *name, const uint8_t *cert,
		size_t cert_len, const uint8_t *payload, size_t payload_len, uint64_t count)
{
	char why[512];
	if (cert_len > MAX_PKCS7) {
		upd_check(ctx, name, false, UPD_MALFORMED,
			"PKCS#7 signature of 0x%zx bytes exceeds the 0x%x-byte limit", cert_len,
			MAX_PKCS7);
		return;
	}
	bool nomem;
	PKCS7 *p7 = decode_pkcs7(cert, cert_len, &nomem);
	if (nomem) {
		ctx->nomem = true;
		return;
	}
	if (!p7 || !PKCS7_type_is_signed(p7)) {
		upd_openssl_error(why, sizeof(why));
		upd_check(ctx, name, false, UPD_MALFORMED,
			"CertData is neither a PKCS#7 ContentInfo nor a SignedData: %s", why);
		PKCS7_free(p7);
		return;
	}
	if (!PKCS7_get_detached(p7)) {
		upd_check(ctx, name, false, UPD_MALFORMED,
			"the PKCS#7 signature embeds content; image authentication needs a "
			"detached signature");
		PKCS7_free(p7);
		return;
	}
	size_t len;
	if (fwg_add_overflows(payload_len, 8, &len) || len > INT_MAX) {
		upd_check(ctx, name, false, UPD_MALFORMED, "signed data too large");
		PKCS7_free(p7);
		return;
	}
	uint8_t *buf = malloc(len);
	if (!buf) {
		ctx->nomem = true;
		PKCS7_free(p7);
		return;
	}
	if (payload_len)
		memcpy(buf, payload, payload_len);
	for (size_t i = 0; i < 8; i++)
		buf[payload_len + i] = (uint8_t)(count >> (8 * i));

	char subject[256], key_id[UPD_KEY_ID_LEN];
	bool key_trusted;
	if (!pkcs7_verify(ctx->trust, p7, buf, len, PKCS7_NOVERIFY)) {
		unsigned long e = ERR_peek_last_error();
		upd_openssl_error(why, sizeof(why));
		if (ERR_GET_LIB(e) == ERR_LIB_PKCS7 &&
				ERR_GET_REASON(e) == PKCS7_R_SIGNER_CERTIFICATE_NOT_FOUND)
			upd_check(ctx, name, false, UPD_UNTRUSTED,
				"the signer's certificate is neither in the signature nor trusted");
		else
			upd_check(ctx, name, false, UPD_BAD_SIGNATURE,
				"the PKCS#7 signature does not verify over the payload and monotonic "
				"count %llu (tampered or re-counted): %s", (unsigned long long)count,
				why);
	} else {
		note_signer(ctx, p7, subject, sizeof(subject), key_id, &key_trusted);
		if (ctx->trust && pkcs7_verify(ctx->trust, p7, buf, len, 0)) {
			upd_check(ctx, name, true, NULL,
				"PKCS#7 signature by %s verifies and chains to a trusted certificate",
				subject);
		} else {
			upd_openssl_error(why, sizeof(why));
			if (key_trusted)
				upd_check(ctx, name, true, NULL,
					"PKCS#7 signature by %s verifies; the signer's key is trusted",
					subject);
			else
				upd_check(ctx, name, false, UPD_UNTRUSTED,
					"the signature by %s is intact but the signer is not trusted: %s",
					subject, why);
		}
	}
	free(buf);
	PKCS7_free(p7);
}

/* ---- items ----------------------------------------------------------- */

/* Size of the EFI_FIRMWARE_IMAGE_DEP at off, 0 when malformed. */
static size_t dependency_size(const struct fwg_cursor *c, size_t off)
{
	size_t limit = c->size - off;
	if (limit > MAX_DEP_BYTES)
		limit = MAX_DEP_BYTES;
	size_t pos = 0;
	while (pos < limit) {
		uint8_t op = fwg_cursor_u8_or0(c, off + pos);
		size_t step = 0;
		if (op == DEP_PUSH_GUID)
			step = 17;
		else if (op == DEP_PUSH_VERSION || op == DEP_DECLARE_LENGTH)
			step = 5;
		else if (op >= DEP_AND && op <= DEP_LTE)
			step = 1;
		else if (op == DEP_END)
			return pos + 1;
		else if (op == DEP_VERSION_STR) {
			size_t nul = fwg_cursor_find(c, off + pos + 1, "", 1);
			if (nul == SIZE_MAX || nul >= off + limit)
				return 0;
			step = nul + 1 - (off + pos);
		} else {
			return 0;
		}
		if (step > limit - pos)
			return 0;
		pos += step;
	}
	return 0;
}

static void check_version(struct upd_ctx *ctx, const char *prefix, const struct fwg_cursor *img,
		size_t pos, bool has_dep)
{
	char name[96], text[32], lowest[32];
	snprintf(name, sizeof(name), "%s.version", prefix);
	if (has_dep) {
		size_t dep = dependency_size(img, pos);
		if (dep == 0) {
			upd_check(ctx, name, false, UPD_MALFORMED,
				"dependency expression at image offset 0x%zx has no END opcode or an "
				"unknown opcode", pos);
			return;
		}
		pos += dep;
	}
	const uint8_t *sig;
	uint32_t hsize = 0, fw = 0, lsv = 0;
	bool have = fwg_cursor_has(img, pos, PAYLOAD_HEADER_MIN) &&
		fwg_cursor_bytes_at(img, pos, 4, &sig) == FWG_OK &&
		memcmp(sig, PAYLOAD_SIGNATURE, 4) == 0;
	if (have) {
		hsize = fwg_cursor_u32le_or0(img, pos + 4);
		fw = fwg_cursor_u32le_or0(img, pos + 8);
		lsv = fwg_cursor_u32le_or0(img, pos + 12);
		if (hsize < PAYLOAD_HEADER_MIN || hsize > img->size - pos) {
			upd_check(ctx, name, false, UPD_MALFORMED,
				"FMP payload header size 0x%x at image offset 0x%zx is outside "
				"[0x%x, 0x%zx]", hsize, pos + 4, PAYLOAD_HEADER_MIN, img->size - pos);
			return;
		}
		snprintf(text, sizeof(text), "0x%08x", fw);
		snprintf(lowest, sizeof(lowest), "0x%08x", lsv);
		if (!ctx->r->version) {
			upd_set(ctx, &ctx->r->version, text);
			upd_set(ctx, &ctx->r->lowest_supported_version, lowest);
		}
	}
	if (!ctx->current_version) {
		if (have)
			upd_check(ctx, name, true, NULL,
				"FwVersion %s (%u), LowestSupportedVersion %s (%u); no installed "
				"version given", text, fw, lowest, lsv);
		return;
	}
	const char *cv = ctx->current_version;
	bool hex = cv[0] == '0' && (cv[1] == 'x' || cv[1] == 'X');
	char *end = NULL;
	unsigned long long cur = cv[0] >= '0' && cv[0] <= '9' ? strtoull(cv, &end, hex ? 16 : 10) : 0;
	if (!end || *end != '\0' || end == cv + (hex ? 2 : 0) || cur > UINT32_MAX) {
		upd_check(ctx, name, false, UPD_MALFORMED,
			"installed version '%s' is not a decimal or 0x-hex 32-bit number", cv);
		return;
	}
	if (!have) {
		upd_check(ctx, name, false, UPD_DOWNGRADE,
			"no FMP payload header (MSS1): the update's version is unknown, so it cannot "
			"be shown not to be a downgrade from %s", cv);
		return;
	}
	if (fw < cur)
		upd_check(ctx, name, false, UPD_DOWNGRADE,
			"FwVersion %s (%u) is older than the installed version %s (%llu)", text, fw,
			cv, cur);
	else
		upd_check(ctx, name, true, NULL,
			"FwVersion %s (%u) is not older than the installed version %s; "
			"LowestSupportedVersion %s (%u)", text, fw, cv, lowest, lsv);
}

static void verify_item(struct upd_ctx *ctx, const struct fwg_cursor *body, size_t index,
		size_t table_end, uint64_t off)
{
	char name[64], check[96], guid[FWG_GUID_TEXT_LEN];
	snprintf(name, sizeof(name), "image[%zu]", index);
	snprintf(check, sizeof(check), "%s.header", name);
	if (off < table_end || off >= body->size) {
		upd_check(ctx, check, false, UPD_MALFORMED,
			"item offset 0x%llx is outside [0x%zx, 0x%zx)", (unsigned long long)off,
			table_end, body->size);
		return;
	}
	struct fwg_cursor item;
	if (fwg_cursor_sub(body, (size_t)off, body->size - (size_t)off, &item) != FWG_OK)
		return;
	uint32_t version = fwg_cursor_u32le_or0(&item, 0);
	size_t hsz = version == 1 ? IMAGE_HEADER_V1 : version == 2 ? IMAGE_HEADER_V2
		: version == 3 ? IMAGE_HEADER_V3 : 0;
	if (hsz == 0 || item.size < hsz) {
		upd_check(ctx, check, false, hsz ? UPD_MALFORMED : UPD_UNSUPPORTED,
			hsz ? "image header v%u truncated (0x%zx bytes)"
			    : "image header version %u is not 1, 2 or 3 (0x%zx bytes)",
			version, item.size);
		return;
	}
	uint8_t type_id[16];
	if (fwg_cursor_copy_at(&item, IMAGE_OFF_TYPE_ID, type_id, sizeof(type_id)) != FWG_OK)
		return;
	fwg_guid_format(type_id, guid);
	uint32_t isize = fwg_cursor_u32le_or0(&item, IMAGE_OFF_SIZE);
	uint32_t vsize = fwg_cursor_u32le_or0(&item, IMAGE_OFF_VENDOR_SIZE);
	uint64_t support = version >= 3 ? fwg_cursor_u64le_or0(&item, IMAGE_OFF_SUPPORT) : 0;
	if (isize > item.size - hsz || vsize > item.size - hsz - isize) {
		upd_check(ctx, check, false, UPD_MALFORMED,
			"UpdateImageSize 0x%x and UpdateVendorCodeSize 0x%x exceed the 0x%zx bytes "
			"after the header at capsule body offset 0x%llx", isize, vsize,
			item.size - hsz, (unsigned long long)off);
		return;
	}
	upd_check(ctx, check, true, NULL,
		"UpdateImageTypeId %s, index %u, header v%u, image 0x%x bytes%s", guid,
		fwg_cursor_u8_or0(&item, IMAGE_OFF_INDEX), version, isize,
		version >= 3 ? ((support & SUPPORT_AUTHENTICATION) ? ", capsule support: authentication"
			: ", capsule support: no authentication announced") : "");
	if (vsize > 0) {
		snprintf(check, sizeof(check), "%s.vendor_code", name);
		upd_check(ctx, check, false, UPD_UNSIGNED,
			"0x%x bytes of vendor code follow the image and no signature covers them",
			vsize);
	}
	struct fwg_cursor img;
	if (fwg_cursor_sub(&item, hsz, isize, &img) != FWG_OK)
		return;

	snprintf(check, sizeof(check), "%s.authentication", name);
	uint16_t rev = fwg_cursor_u16le_or0(&img, 12), type = fwg_cursor_u16le_or0(&img, 14);
	if (img.size < AUTH_HEADER_SIZE || rev != WIN_CERT_REVISION || type != WIN_CERT_TYPE_EFI_GUID) {
		upd_check(ctx, check, false, UPD_UNSIGNED,
			"the image (0x%zx bytes) does not start with EFI_FIRMWARE_IMAGE_AUTHENTICATION "
			"(WIN_CERTIFICATE revision 0x%04x, type 0x%04x)", img.size, rev, type);
		check_version(ctx, name, &img, 0, (support & SUPPORT_DEPENDENCY) != 0);
		return;
	}
	uint64_t count = fwg_cursor_u64le_or0(&img, 0);
	uint32_t dw = fwg_cursor_u32le_or0(&img, 8);
	uint8_t cert_type[16];
	if (fwg_cursor_copy_at(&img, 16, cert_type, sizeof(cert_type)) != FWG_OK)
		return;
	if (!fwg_guid_eq(cert_type, pkcs7_guid)) {
		fwg_guid_format(cert_type, guid);
		upd_check(ctx, check, false, UPD_UNSUPPORTED,
			"CertType %s is not EFI_CERT_TYPE_PKCS7_GUID", guid);
		return;
	}
	if (dw <= WIN_CERT_GUID_HEADER || dw > img.size - 8) {
		upd_check(ctx, check, false, UPD_MALFORMED,
			"WIN_CERTIFICATE dwLength 0x%x at image offset 0x8 is outside (0x%x, 0x%zx]", dw,
			WIN_CERT_GUID_HEADER, img.size - 8);
		return;
	}
	size_t payload_off = 8 + (size_t)dw;
	upd_check(ctx, check, true, NULL,
		"EFI_FIRMWARE_IMAGE_AUTHENTICATION: monotonic count %llu, PKCS#7 0x%x bytes, "
		"signed payload 0x%zx bytes", (unsigned long long)count, dw - WIN_CERT_GUID_HEADER,
		img.size - payload_off);
	const uint8_t *cert, *payload;
	if (fwg_cursor_bytes_at(&img, AUTH_HEADER_SIZE, dw - WIN_CERT_GUID_HEADER, &cert) != FWG_OK ||
			fwg_cursor_bytes_at(&img, payload_off, img.size - payload_off, &payload) != FWG_OK)
		return;
	snprintf(check, sizeof(check), "%s.signature", name);
	verify_signature(ctx, check, cert, dw - WIN_CERT_GUID_HEADER, payload,
		img.size - payload_off, count);
	check_version(ctx, name, &img, payload_off, (support & SUPPORT_DEPENDENCY) != 0);
}

enum fwg_status upd_verify_fmp(struct upd_ctx *ctx, const uint8_t *data, size_t size)
{
	struct fwg_cursor c = fwg_cursor_make(data, size);
	char guid[FWG_GUID_TEXT_LEN];
	if (size < CAPSULE_HEADER_SIZE)
		return FWG_UNSUPPORTED;
	fwg_guid_format(data, guid);
	if (!fwg_guid_eq(data, fmp_capsule_guid)) {
		upd_check(ctx, "capsule", false, UPD_UNSIGNED,
			"capsule GUID %s (%s) is not the FMP capsule GUID: nothing in it is signed",
			guid, fwg_guid_eq(data, ux_capsule_guid) ? "Windows UX capsule" : "EFI capsule");
		return FWG_OK;
	}
	uint32_t hsize = fwg_cursor_u32le_or0(&c, 0x10);
	uint32_t total = fwg_cursor_u32le_or0(&c, 0x18);
	if (hsize < CAPSULE_HEADER_SIZE || hsize > size || total < hsize || total > size) {
		upd_check(ctx, "capsule", false, UPD_MALFORMED,
			"HeaderSize 0x%x and CapsuleImageSize 0x%x at offset 0x10 do not fit the "
			"0x%zx-byte file", hsize, total, size);
		return FWG_OK;
	}
	struct fwg_cursor body;
	if (fwg_cursor_sub(&c, hsize, total - hsize, &body) != FWG_OK)
		return FWG_OK;
	uint32_t fmp_version = fwg_cursor_u32le_or0(&body, 0);
	uint16_t drivers = fwg_cursor_u16le_or0(&body, 4);
	uint16_t payloads = fwg_cursor_u16le_or0(&body, 6);
	size_t count = (size_t)drivers + payloads;
	size_t table_end = FMP_HEADER_FIXED + 8 * count;
	if (body.size < FMP_HEADER_FIXED || fmp_version != FMP_HEADER_VERSION ||
			count > MAX_FMP_ITEMS || table_end > body.size) {
		upd_check(ctx, "capsule", false, UPD_MALFORMED,
			"EFI_FIRMWARE_MANAGEMENT_CAPSULE_HEADER at offset 0x%x: version %u, %u "
			"driver(s) and %u payload(s) do not fit the 0x%zx-byte body (at most %u items)",
			hsize, fmp_version, drivers, payloads, body.size, MAX_FMP_ITEMS);
		return FWG_OK;
	}
	upd_check(ctx, "capsule", true, NULL,
		"FMP capsule: %u payload item(s), %u embedded driver(s)%s", payloads, drivers,
		total < size ? "; bytes after CapsuleImageSize are ignored" : "");
	if (payloads == 0)
		upd_check(ctx, "capsule.payloads", false, UPD_UNSIGNED,
			"the capsule has no payload item, so nothing is signed");
	if (drivers > 0)
		upd_check(ctx, "capsule.drivers", false, UPD_UNSIGNED,
			"%u embedded driver(s) would run before any payload is authenticated and no "
			"capsule signature covers them", drivers);
	for (size_t i = drivers; i < count && !ctx->nomem; i++)
		verify_item(ctx, &body, i - drivers, table_end,
			fwg_cursor_u64le_or0(&body, FMP_HEADER_FIXED + 8 * i));
	return FWG_OK;
}
