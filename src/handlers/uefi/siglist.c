/*
 * siglist.c - one EFI_SIGNATURE_LIST (UEFI 2.10 section 32.4.1, "Signature
 * Database"), as stored in PK, KEK, db, dbx, dbt, dbr and shim's MokList.
 *
 *   0x00 SignatureType GUID     EFI_CERT_*_GUID: what the entries hold
 *   0x10 SignatureListSize u32  whole list, this header included
 *   0x14 SignatureHeaderSize u32
 *   0x18 SignatureSize u32      size of each entry
 *   0x1c SignatureHeader[SignatureHeaderSize]
 *   then (SignatureListSize - 28 - SignatureHeaderSize) / SignatureSize
 *   entries, each EFI_SIGNATURE_DATA { SignatureOwner GUID, data[] }.
 *
 * Entries become children: X.509 certificates (EFI_CERT_X509_GUID) a
 * `certificate` node over the DER bytes, decoded with OpenSSL; hashes
 * (sha1/224/256/384/512, and the x509_sha* TBS hashes with their revocation
 * time) a `signature_hash` node over the digest; other types (RSA-2048 keys,
 * unknown GUIDs) a `raw` node over the data.  Each carries its owner GUID.
 *
 * The node is one list: whoever frames lists in a buffer (nvram.c for
 * variable data) gives each its own window.  Invariants: SignatureSize is
 * at least 16 before any entry is read, the entry count is bounded by the
 * window, and every size is compared with the bytes left, never added
 * blindly.  Bad sizes are diagnostics with offsets; entries that fit are
 * still listed.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "../../core/guid.h"
#include "../../core/handler.h"
#include "../../core/registry.h"
#include "signature_types.h"

#define LIST_HEADER_SIZE 28
#define LIST_OFF_SIZE 0x10
#define LIST_OFF_HEADER_SIZE 0x14
#define LIST_OFF_SIGNATURE_SIZE 0x18
#define OWNER_SIZE 16
#define EFI_TIME_SIZE FWG_EFI_TIME_SIZE
#define MAX_ENTRIES 1000000u
#define MAX_NAME_TEXT 2048
#define MAX_CN_TEXT 256

static void set_hex(struct fwg_node *node, const char *key, const uint8_t *p, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	char *s = malloc(len * 2 + 1);
	if (!s) {
		node->alloc_failed = true;
		return;
	}
	for (size_t i = 0; i < len; i++) {
		s[2 * i] = digits[p[i] >> 4];
		s[2 * i + 1] = digits[p[i] & 15];
	}
	s[len * 2] = '\0';
	fwg_node_attr_str(node, key, s);
	free(s);
}

static void set_owner(struct fwg_node *node, const uint8_t owner[16])
{
	char g[FWG_GUID_TEXT_LEN];
	fwg_guid_format(owner, g);
	fwg_node_attr_str(node, "owner", g);
	const char *known = fwg_guid_name(owner);
	if (known)
		fwg_node_attr_str(node, "owner_name", known);
}

/* ---- X.509 ------------------------------------------------------------- */

static void set_x509_name(struct fwg_node *node, const char *key, const X509_NAME *name)
{
	BIO *bio = BIO_new(BIO_s_mem());
	if (!bio) {
		node->alloc_failed = true;
		return;
	}
	/* RFC 2253 with every non-ASCII and control byte escaped. */
	if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0) {
		char *text;
		long len = BIO_get_mem_data(bio, &text);
		if (len > MAX_NAME_TEXT)
			len = MAX_NAME_TEXT;
		if (len >= 0) {
			char *s = strndup(text, (size_t)len);
			if (s)
				fwg_node_attr_str(node, key, s);
			else
				node->alloc_failed = true;
			free(s);
		}
	}
	BIO_free(bio);
}

/* Names the node after the subject's common name, or after the whole
 * subject when it has none (the subject is also an attribute); a short name
 * keeps paths readable.  Call after the subject attribute is set. */
static void set_common_name(struct fwg_node *node, const X509_NAME *name)
{
	int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	if (i < 0) {
		const struct fwg_attr *subject = fwg_node_attr_find(node, "subject");
		if (subject && subject->str && subject->str[0])
			fwg_node_set_name_len(node, subject->str, strnlen(subject->str, MAX_CN_TEXT));
		return;
	}
	const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
	unsigned char *utf8 = NULL;
	int len = e ? ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e)) : -1;
	if (len > 0) {
		size_t n = (size_t)len < MAX_CN_TEXT ? (size_t)len : MAX_CN_TEXT;
		for (size_t k = 0; k < n; k++)
			if (utf8[k] < 0x20 || utf8[k] == 0x7f)
				utf8[k] = '?';
		fwg_node_set_name_len(node, (const char *)utf8, n);
	}
	OPENSSL_free(utf8);
}

static void set_asn1_time(struct fwg_node *node, const char *key, const ASN1_TIME *t)
{
	struct tm tm;
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return;
	fwg_node_attr_strf(node, key, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
		tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void set_serial(struct fwg_node *node, const X509 *x)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	if (!bn)
		return;
	char *hex = BN_bn2hex(bn);
	if (hex) {
		for (char *p = hex; *p; p++)
			if (*p >= 'A' && *p <= 'F')
				*p = (char)(*p - 'A' + 'a');
		fwg_node_attr_str(node, "serial", hex);
		OPENSSL_free(hex);
	}
	BN_free(bn);
}

static void set_algorithms(struct fwg_node *node, X509 *x)
{
	char oid[128];
	const X509_ALGOR *alg = NULL;
	const ASN1_OBJECT *obj = NULL;
	X509_get0_signature(NULL, &alg, x);
	if (alg) {
		X509_ALGOR_get0(&obj, NULL, NULL, alg);
		if (obj && OBJ_obj2txt(oid, sizeof(oid), obj, 0) > 0)
			fwg_node_attr_str(node, "signature_algorithm", oid);
	}
	ASN1_OBJECT *key_obj = NULL;
	X509_PUBKEY *pub = X509_get_X509_PUBKEY(x);
	if (pub && X509_PUBKEY_get0_param(&key_obj, NULL, NULL, NULL, pub) == 1 && key_obj &&
			OBJ_obj2txt(oid, sizeof(oid), key_obj, 0) > 0)
		fwg_node_attr_str(node, "public_key_algorithm", oid);
	EVP_PKEY *pkey = X509_get0_pubkey(x);
	if (pkey && EVP_PKEY_get_bits(pkey) > 0)
		fwg_node_attr_int(node, "public_key_bits", (uint64_t)EVP_PKEY_get_bits(pkey));
}

/* Certificate child over the DER at [off, off+len) of the list's body. */
static enum fwg_status add_certificate(struct fwg_unpack *u, struct fwg_node *list,
		const struct fwg_cursor *c, size_t off, size_t len, const uint8_t owner[16])
{
	const uint8_t *der;
	if (fwg_cursor_bytes_at(c, off, len, &der) != FWG_OK)
		return FWG_OK;
	const unsigned char *p = der;
	X509 *x = len <= LONG_MAX ? d2i_X509(NULL, &p, (long)len) : NULL;
	size_t der_len = x ? (size_t)(p - der) : len;
	if (der_len == 0 || der_len > len)
		der_len = len;
	struct fwg_node *cert;
	enum fwg_status st = fwg_unpack_add_child(u, list, FWG_TYPE_CERT, off, der_len,
		&fwg_handler_leaf, &cert);
	if (st != FWG_OK) {
		X509_free(x);
		ERR_clear_error();
		return st;
	}
	set_owner(cert, owner);
	fwg_node_attr_bool(cert, "decoded", x != NULL);
	if (!x) {
		ERR_clear_error();
		FWG_ERR(cert, "siglist.x509", 0, "x509 entry of 0x%zx bytes does not decode as der",
			len);
		return FWG_OK;
	}
	if (der_len < len && !fwg_cursor_all_equal(c, off + der_len, len - der_len, 0x00))
		FWG_WARN(list, "siglist.x509_trailing", off + der_len,
			"0x%zx bytes after the certificate der inside its entry", len - der_len);
	set_x509_name(cert, "subject", X509_get_subject_name(x));
	set_common_name(cert, X509_get_subject_name(x));
	set_x509_name(cert, "issuer", X509_get_issuer_name(x));
	set_serial(cert, x);
	set_asn1_time(cert, "not_before", X509_get0_notBefore(x));
	set_asn1_time(cert, "not_after", X509_get0_notAfter(x));
	set_algorithms(cert, x);
	fwg_node_attr_int(cert, "version", (uint64_t)X509_get_version(x) + 1);
	fwg_node_attr_bool(cert, "self_issued",
		X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0);
	X509_free(x);
	ERR_clear_error();
	return FWG_OK;
}

/* ---- entries ------------------------------------------------------------ */

static void attr_revocation_time(struct fwg_node *node, const struct fwg_cursor *c, size_t off)
{
	uint16_t year;
	uint8_t month, day, hour, minute, second;
	if (fwg_cursor_u16le_at(c, off, &year) != FWG_OK ||
			fwg_cursor_u8_at(c, off + 2, &month) != FWG_OK ||
			fwg_cursor_u8_at(c, off + 3, &day) != FWG_OK ||
			fwg_cursor_u8_at(c, off + 4, &hour) != FWG_OK ||
			fwg_cursor_u8_at(c, off + 5, &minute) != FWG_OK ||
			fwg_cursor_u8_at(c, off + 6, &second) != FWG_OK)
		return;
	/* All zero: revoked for all time (UEFI 32.4.1). */
	if (fwg_cursor_all_equal(c, off, EFI_TIME_SIZE, 0x00)) {
		fwg_node_attr_str(node, "revocation_time", "always");
		return;
	}
	fwg_node_attr_strf(node, "revocation_time", "%04u-%02u-%02uT%02u:%02u:%02u", year, month,
		day, hour, minute, second);
}

static enum fwg_status add_entry(struct fwg_unpack *u, struct fwg_node *list,
		const struct fwg_cursor *c, size_t off, size_t data_len, const struct fwg_sig_type *t)
{
	uint8_t owner[16];
	if (fwg_cursor_copy_at(c, off, owner, 16) != FWG_OK)
		return FWG_OK;
	size_t data = off + OWNER_SIZE;
	enum fwg_sig_kind kind = t ? t->kind : FWG_SIG_OTHER;
	if (kind == FWG_SIG_X509)
		return add_certificate(u, list, c, data, data_len, owner);
	size_t hash_len = data_len;
	if (kind == FWG_SIG_X509_HASH && data_len >= EFI_TIME_SIZE)
		hash_len = data_len - EFI_TIME_SIZE;
	else if (kind == FWG_SIG_HASH && t->data_size && t->data_size < data_len)
		hash_len = t->data_size;
	struct fwg_node *e;
	enum fwg_status st = fwg_unpack_add_child(u, list,
		kind == FWG_SIG_OTHER ? FWG_TYPE_RAW : FWG_TYPE_HASH_ENTRY, data, hash_len,
		&fwg_handler_leaf, &e);
	if (st != FWG_OK)
		return st;
	set_owner(e, owner);
	const uint8_t *bytes;
	if (kind != FWG_SIG_OTHER && fwg_cursor_bytes_at(c, data, hash_len, &bytes) == FWG_OK)
		set_hex(e, "hash", bytes, hash_len);
	if (kind == FWG_SIG_X509_HASH && data_len >= EFI_TIME_SIZE)
		attr_revocation_time(e, c, data + hash_len);
	if (t)
		fwg_node_attr_str(e, "signature_type", t->name);
	return FWG_OK;
}

static enum fwg_status siglist_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	struct fwg_cursor c = fwg_node_body(node);
	uint8_t type_guid[16];
	uint32_t list_size, header_size, sig_size;
	if (fwg_cursor_copy_at(&c, 0, type_guid, 16) != FWG_OK ||
			fwg_cursor_u32le_at(&c, LIST_OFF_SIZE, &list_size) != FWG_OK ||
			fwg_cursor_u32le_at(&c, LIST_OFF_HEADER_SIZE, &header_size) != FWG_OK ||
			fwg_cursor_u32le_at(&c, LIST_OFF_SIGNATURE_SIZE, &sig_size) != FWG_OK) {
		FWG_ERR(node, "siglist.truncated", 0,
			"signature list header needs 0x%x bytes, 0x%zx available", LIST_HEADER_SIZE,
			c.size);
		return FWG_OK;
	}
	const struct fwg_sig_type *t = fwg_sig_type_find(type_guid);
	char g[FWG_GUID_TEXT_LEN];
	fwg_guid_format(type_guid, g);
	fwg_node_set_guid(node, type_guid);
	fwg_node_set_name(node, t ? t->name : g);
	fwg_node_attr_str(node, "signature_type", t ? t->name : g);
	fwg_node_attr_str(node, "signature_type_guid", g);
	fwg_node_attr_hex(node, "signature_list_size", list_size);
	fwg_node_attr_hex(node, "signature_header_size", header_size);
	fwg_node_attr_hex(node, "signature_size", sig_size);
	if (!t)
		FWG_WARN(node, "siglist.unknown_type", 0, "unknown signature type %s", g);

	size_t end = c.size;
	if (list_size < LIST_HEADER_SIZE) {
		FWG_ERR(node, "siglist.list_size", LIST_OFF_SIZE,
			"signature_list_size 0x%x is smaller than the 0x%x-byte header", list_size,
			LIST_HEADER_SIZE);
		return FWG_OK;
	}
	if (list_size > c.size)
		FWG_ERR(node, "siglist.list_size", LIST_OFF_SIZE,
			"signature_list_size 0x%x exceeds the 0x%zx bytes available", list_size, c.size);
	else if (list_size < c.size) {
		end = list_size;
		FWG_WARN(node, "siglist.trailing", list_size,
			"0x%zx bytes after the signature list end", c.size - list_size);
	}
	if (header_size > end - LIST_HEADER_SIZE) {
		FWG_ERR(node, "siglist.header_size", LIST_OFF_HEADER_SIZE,
			"signature_header_size 0x%x exceeds the 0x%zx bytes after the header",
			header_size, end - LIST_HEADER_SIZE);
		return FWG_OK;
	}
	if (sig_size < OWNER_SIZE) {
		FWG_ERR(node, "siglist.signature_size", LIST_OFF_SIGNATURE_SIZE,
			"signature_size 0x%x is smaller than the 16-byte owner", sig_size);
		return FWG_OK;
	}
	size_t first = LIST_HEADER_SIZE + (size_t)header_size;
	/* first <= end <= list_size here. */
	size_t declared = (size_t)list_size - first;
	if (declared % sig_size != 0)
		FWG_WARN(node, "siglist.signature_size", LIST_OFF_SIGNATURE_SIZE,
			"0x%zx bytes of entries are not a multiple of signature_size 0x%x", declared,
			sig_size);
	size_t data_len = sig_size - OWNER_SIZE;
	if (data_len == 0)
		FWG_WARN(node, "siglist.empty_entry", LIST_OFF_SIGNATURE_SIZE,
			"signature_size 0x10 leaves no room for signature data");
	if (t && t->data_size && data_len != t->data_size)
		FWG_WARN(node, "siglist.entry_size", LIST_OFF_SIGNATURE_SIZE,
			"%s entries should hold 0x%zx data bytes, signature_size gives 0x%zx", t->name,
			t->data_size, data_len);
	if (t && header_size != 0)
		FWG_INFO(node, "siglist.header", LIST_HEADER_SIZE,
			"signature header of 0x%x bytes for type %s", header_size, t->name);

	size_t count = (end - first) / sig_size;
	if (count > MAX_ENTRIES) {
		FWG_ERR(node, "siglist.entries", first, "0x%zx entries exceed the limit of %u, rest skipped",
			count, MAX_ENTRIES);
		count = MAX_ENTRIES;
	}
	fwg_node_attr_int(node, "signature_count", count);
	if (data_len == 0)
		return FWG_OK;
	for (size_t i = 0; i < count; i++) {
		enum fwg_status st = add_entry(u, node, &c, first + i * sig_size, data_len, t);
		if (st == FWG_LIMIT)
			break;
		if (st != FWG_OK)
			return st;
	}
	return FWG_OK;
}

const struct fwg_handler fwg_handler_siglist = {
	.name = "siglist",
	.description = "UEFI EFI_SIGNATURE_LIST (Secure Boot signature database)",
	.node_type = FWG_TYPE_SIGLIST,
	.parse = siglist_parse,
};
