/*
 * event_decode_siglist.c - EFI_SIGNATURE_LISTs and EFI_SIGNATURE_DATA in
 * measured variables (UEFI 2.10, 32.4.1 "Signature Database"), with X.509
 * certificates decoded through OpenSSL.
 *
 *   EFI_SIGNATURE_LIST  0x00 GUID SignatureType
 *                       0x10 u32 SignatureListSize (this header included)
 *                       0x14 u32 SignatureHeaderSize
 *                       0x18 u32 SignatureSize (of each entry)
 *                       0x1c SignatureHeader, then entries
 *   EFI_SIGNATURE_DATA  GUID SignatureOwner; SignatureData[SignatureSize-16]
 *
 * Hash entries give their digest in hex (the x509_sha* types also their
 * revocation time), certificates their subject, issuer, serial, validity
 * and the SHA-256 of the DER, other types (RSA-2048 keys, unknown GUIDs)
 * the entry in hex.  Invariants: SignatureListSize is at least the header
 * and at most the bytes left; SignatureSize is at least 16 before an
 * entry is read; entry and list counts are bounded by the data.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "../core/guid.h"
#include "../handlers/uefi/signature_types.h"
#include "event_decode.h"

#define LIST_HEADER 28
#define OWNER_SIZE 16
#define EFI_TIME_SIZE FWG_EFI_TIME_SIZE
#define MAX_LISTS 4096
#define MAX_NAME_TEXT 2048
#define DER_SEQUENCE 0x30

/* ---- X.509 ------------------------------------------------------------------ */

static json_t *x509_name(const X509_NAME *name)
{
	json_t *j = NULL;
	BIO *bio = BIO_new(BIO_s_mem());
	if (!bio)
		return NULL;
	/* RFC 2253, control and non-ASCII bytes escaped: always ASCII. */
	if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0) {
		char *text;
		long len = BIO_get_mem_data(bio, &text);
		if (len > MAX_NAME_TEXT)
			len = MAX_NAME_TEXT;
		if (len >= 0) {
			struct fwg_cursor c = fwg_cursor_make((const uint8_t *)text, (size_t)len);
			size_t nul;
			j = fwg_decode_string8(&c, 0, (size_t)len, &nul);
		}
	}
	BIO_free(bio);
	return j;
}

static json_t *asn1_time(const ASN1_TIME *t)
{
	struct tm tm;
	char s[80];
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return json_null();
	snprintf(s, sizeof(s), "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return json_string(s);
}

static json_t *serial_hex(const X509 *x)
{
	json_t *j = NULL;
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	if (!bn)
		return NULL;
	char *hex = BN_bn2hex(bn);
	if (hex) {
		for (char *p = hex; *p; p++)
			if (*p >= 'A' && *p <= 'F')
				*p = (char)(*p - 'A' + 'a');
		j = json_string(hex);
		OPENSSL_free(hex);
	}
	BN_free(bn);
	return j;
}

static void set_sha256(json_t *obj, const char *key, const uint8_t *p, size_t len)
{
	uint8_t md[32];
	if (!fwg_tpm_hash(FWG_TPM_ALG_SHA256, p, len, md))
		return;
	struct fwg_cursor c = fwg_cursor_make(md, sizeof(md));
	json_object_set_new(obj, key, fwg_decode_hex(&c, 0, sizeof(md)));
}

/* Decodes the DER certificate at [off, off+len) into obj; false when it
 * is not one. */
static bool set_certificate(json_t *obj, const struct fwg_decode_ctx *d, size_t off, size_t len)
{
	const uint8_t *der;
	if (len == 0 || len > LONG_MAX || fwg_cursor_bytes_at(&d->c, off, len, &der) != FWG_OK)
		return false;
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	if (!x) {
		ERR_clear_error();
		return false;
	}
	size_t der_len = (size_t)(p - der);
	json_object_set_new(obj, "subject", x509_name(X509_get_subject_name(x)));
	json_object_set_new(obj, "issuer", x509_name(X509_get_issuer_name(x)));
	json_object_set_new(obj, "serial", serial_hex(x));
	json_object_set_new(obj, "not_before", asn1_time(X509_get0_notBefore(x)));
	json_object_set_new(obj, "not_after", asn1_time(X509_get0_notAfter(x)));
	json_object_set_new(obj, "der_size", json_integer((json_int_t)der_len));
	set_sha256(obj, "sha256", der, der_len);
	if (der_len < len && !fwg_cursor_all_equal(&d->c, off + der_len, len - der_len, 0))
		fwg_decode_error(obj, d, off + der_len, "bytes after the certificate inside its entry");
	X509_free(x);
	ERR_clear_error();
	return true;
}

/* ---- entries ---------------------------------------------------------------- */

static json_t *revocation_time(const struct fwg_cursor *c, size_t off)
{
	char s[48];
	if (!fwg_cursor_has(c, off, EFI_TIME_SIZE))
		return json_null();
	/* All zero: revoked for all time (UEFI 32.4.1). */
	if (fwg_cursor_all_equal(c, off, EFI_TIME_SIZE, 0))
		return json_string("always");
	snprintf(s, sizeof(s), "%04u-%02u-%02uT%02u:%02u:%02u", fwg_cursor_u16le_or0(c, off),
		fwg_cursor_u8_or0(c, off + 2), fwg_cursor_u8_or0(c, off + 3),
		fwg_cursor_u8_or0(c, off + 4), fwg_cursor_u8_or0(c, off + 5),
		fwg_cursor_u8_or0(c, off + 6));
	return json_string(s);
}

static json_t *entry(const struct fwg_decode_ctx *d, size_t off, size_t size,
		const struct fwg_sig_type *t)
{
	uint8_t owner[16];
	json_t *e = json_object();
	if (!e || fwg_cursor_copy_at(&d->c, off, owner, OWNER_SIZE) != FWG_OK)
		return e;
	fwg_decode_set_guid(e, "owner", owner);
	size_t data = off + OWNER_SIZE, len = size - OWNER_SIZE;
	enum fwg_sig_kind kind = t ? t->kind : FWG_SIG_OTHER;
	if (kind == FWG_SIG_X509) {
		const uint8_t *bytes;
		if (!set_certificate(e, d, data, len)) {
			fwg_decode_error(e, d, data, "X.509 entry does not decode as DER");
			if (fwg_cursor_bytes_at(&d->c, data, len, &bytes) == FWG_OK)
				set_sha256(e, "sha256", bytes, len);
		}
		return e;
	}
	if (kind == FWG_SIG_HASH || kind == FWG_SIG_X509_HASH) {
		size_t hash = t->hash_size <= len ? t->hash_size : len;
		json_object_set_new(e, "hash", fwg_decode_hex(&d->c, data, hash));
		if (kind == FWG_SIG_X509_HASH)
			json_object_set_new(e, "revocation_time", revocation_time(&d->c, data + hash));
		if (hash < t->hash_size)
			fwg_decode_error(e, d, data, "hash entry shorter than its digest");
		return e;
	}
	json_object_set_new(e, "data_hex", fwg_decode_hex(&d->c, data, len));
	return e;
}

/* ---- lists ------------------------------------------------------------------ */

bool fwg_decode_signature_lists_fit(const struct fwg_cursor *c, size_t off, size_t len)
{
	if (!fwg_cursor_has(c, off, len))
		return false;
	size_t p = off, end = off + len;
	for (unsigned n = 0; p < end; n++) {
		uint32_t list_size, header_size, sig_size;
		if (n == MAX_LISTS || end - p < LIST_HEADER ||
				fwg_cursor_u32le_at(c, p + 16, &list_size) != FWG_OK ||
				fwg_cursor_u32le_at(c, p + 20, &header_size) != FWG_OK ||
				fwg_cursor_u32le_at(c, p + 24, &sig_size) != FWG_OK)
			return false;
		if (list_size < LIST_HEADER || list_size > end - p ||
				header_size > list_size - LIST_HEADER || sig_size < OWNER_SIZE ||
				(list_size - LIST_HEADER - header_size) % sig_size != 0)
			return false;
		p += list_size;
	}
	return true;
}

static json_t *one_list(const struct fwg_decode_ctx *d, size_t p, uint32_t list_size,
		uint32_t header_size, uint32_t sig_size, json_t *parent)
{
	uint8_t type_guid[16];
	json_t *list = json_object();
	if (!list || fwg_cursor_copy_at(&d->c, p, type_guid, 16) != FWG_OK)
		return list;
	const struct fwg_sig_type *t = fwg_sig_type_find(type_guid);
	json_object_set_new(list, "signature_type", json_string(t ? t->name : "unknown"));
	fwg_decode_set_guid(list, "signature_type_guid", type_guid);
	json_object_set_new(list, "list_size", json_integer(list_size));
	json_object_set_new(list, "header_size", json_integer(header_size));
	json_object_set_new(list, "signature_size", json_integer(sig_size));
	size_t body = (size_t)list_size - LIST_HEADER - header_size;
	json_t *entries = json_array();
	json_object_set_new(list, "entries", entries);
	if (sig_size < OWNER_SIZE) {
		if (body)
			fwg_decode_error(parent, d, p + 24, "SignatureSize below 16 bytes");
		json_object_set_new(list, "entry_count", json_integer(0));
		return list;
	}
	if (body % sig_size)
		fwg_decode_error(parent, d, p + 16,
			"signature list size is not a whole number of entries");
	size_t count = body / sig_size;
	json_object_set_new(list, "entry_count", json_integer((json_int_t)count));
	size_t first = p + LIST_HEADER + header_size;
	for (size_t i = 0; i < count && entries; i++)
		json_array_append_new(entries, entry(d, first + i * sig_size, sig_size, t));
	return list;
}

bool fwg_decode_signature_lists(json_t *obj, const struct fwg_decode_ctx *d, size_t off,
		size_t len)
{
	if (!fwg_cursor_has(&d->c, off, len))
		return false;
	json_t *lists = json_array();
	if (!lists)
		return false;
	json_object_set_new(obj, "signature_lists", lists);
	size_t p = off, end = off + len;
	for (unsigned n = 0; p < end; n++) {
		uint32_t list_size, header_size, sig_size;
		if (n == MAX_LISTS) {
			fwg_decode_error(obj, d, p, "more signature lists than fwguard shows");
			return false;
		}
		if (end - p < LIST_HEADER ||
				fwg_cursor_u32le_at(&d->c, p + 16, &list_size) != FWG_OK ||
				fwg_cursor_u32le_at(&d->c, p + 20, &header_size) != FWG_OK ||
				fwg_cursor_u32le_at(&d->c, p + 24, &sig_size) != FWG_OK) {
			fwg_decode_error(obj, d, p, "signature list header truncated");
			return false;
		}
		if (list_size < LIST_HEADER || list_size > end - p) {
			fwg_decode_error(obj, d, p + 16, "SignatureListSize out of range");
			return false;
		}
		if (header_size > list_size - LIST_HEADER) {
			fwg_decode_error(obj, d, p + 20, "SignatureHeaderSize runs past its list");
			return false;
		}
		json_array_append_new(lists, one_list(d, p, list_size, header_size, sig_size, obj));
		p += list_size;
	}
	return !json_object_get(obj, "error");
}

bool fwg_decode_signature_data(json_t *obj, const struct fwg_decode_ctx *d, size_t off,
		size_t len)
{
	uint8_t owner[16], tag;
	if (len <= OWNER_SIZE || fwg_cursor_u8_at(&d->c, off + OWNER_SIZE, &tag) != FWG_OK ||
			tag != DER_SEQUENCE || fwg_cursor_copy_at(&d->c, off, owner, OWNER_SIZE) != FWG_OK)
		return false;
	json_t *sig = json_object();
	if (!sig)
		return false;
	fwg_decode_set_guid(sig, "owner", owner);
	if (!set_certificate(sig, d, off + OWNER_SIZE, len - OWNER_SIZE)) {
		json_decref(sig);
		return false;
	}
	json_object_set_new(obj, "signature", sig);
	return true;
}

bool fwg_decode_certificate(json_t *obj, const struct fwg_decode_ctx *d, size_t off, size_t len)
{
	uint8_t tag;
	if (fwg_cursor_u8_at(&d->c, off, &tag) != FWG_OK || tag != DER_SEQUENCE)
		return false;
	json_t *cert = json_object();
	if (!cert)
		return false;
	if (!set_certificate(cert, d, off, len)) {
		json_decref(cert);
		return false;
	}
	json_object_set_new(obj, "certificate", cert);
	return true;
}
