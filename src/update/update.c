/*
 * update.c - verifying firmware updates before reflashing: trust anchors,
 * the result and its checks, dispatch by format, and the text and JSON
 * writers.  The formats live in fmp_verify.c (UEFI FMP capsules) and
 * openbmc_verify.c (OpenBMC update tarballs); docs/baselines.md
 * ("Update verification") states the policy.
 *
 * Trust files are PEM: CERTIFICATE blocks become anchors of an X509_STORE
 * (partial chains allowed, so a trusted intermediate or leaf anchors a
 * chain as in EDK2's Pkcs7Verify; no validity-time check, since firmware
 * signing certificates outlive their dates and devices have no trusted
 * clock; any purpose), and every certificate's and PUBLIC KEY /
 * RSA PUBLIC KEY block's key is remembered by the SHA-256 of its DER
 * SubjectPublicKeyInfo.  Bounded: MAX_TRUST_FILE bytes per file,
 * MAX_TRUST_OBJECTS blocks in all.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include "array.h"
#include "update_internal.h"

#define MAX_TRUST_FILE (4u << 20)
#define MAX_TRUST_OBJECTS 1024u
#define MAX_DETAIL 1024

/* ---- checks ---------------------------------------------------------- */

/* Text from the input (names, MANIFEST values) is shown as printable
 * ASCII only: no terminal escapes, always valid UTF-8 for JSON. */
static void printable(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			*s = '?';
}

void upd_set(struct upd_ctx *ctx, char **field, const char *text)
{
	free(*field);
	*field = NULL;
	if (text && !(*field = strdup(text)))
		ctx->nomem = true;
	if (*field)
		printable(*field);
}

bool upd_check(struct upd_ctx *ctx, const char *name, bool ok, const char *code,
		const char *fmt, ...)
{
	struct fwg_update_result *r = ctx->r;
	char detail[MAX_DETAIL];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	printable(detail);
	char safe_name[256];
	snprintf(safe_name, sizeof(safe_name), "%s", name);
	printable(safe_name);
	name = safe_name;
	if (!ok && r->reason_code[0] == '\0') {
		snprintf(r->reason_code, sizeof(r->reason_code), "%s", code);
		if (snprintf(r->reason, sizeof(r->reason), "%s: %s", name, detail) >=
				(int)sizeof(r->reason))
			r->reason[sizeof(r->reason) - 1] = '\0'; /* truncated on purpose */
	}
	if (!fwg_array_reserve((void **)&r->checks, &r->check_cap, r->check_count,
			sizeof(*r->checks))) {
		ctx->nomem = true;
		return ok;
	}
	struct fwg_update_check *c = &r->checks[r->check_count];
	c->name = strdup(name);
	c->detail = strdup(detail);
	c->ok = ok;
	if (!c->name || !c->detail) {
		free(c->name);
		free(c->detail);
		ctx->nomem = true;
		return ok;
	}
	r->check_count++;
	return ok;
}

bool upd_key_id(EVP_PKEY *key, char out[UPD_KEY_ID_LEN])
{
	unsigned char *der = NULL;
	int len = i2d_PUBKEY(key, &der);
	if (len <= 0)
		return false;
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256(der, (size_t)len, md);
	OPENSSL_free(der);
	for (size_t i = 0; i < sizeof(md); i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return true;
}

bool upd_key_trusted(const struct fwg_update_trust *trust, const char *key_id)
{
	for (size_t i = 0; trust && i < trust->key_count; i++)
		if (strcmp(trust->key_ids[i], key_id) == 0)
			return true;
	return false;
}

void upd_openssl_error(char *buf, size_t size)
{
	unsigned long e, last = 0;
	const char *data = NULL, *last_data = NULL;
	int flags = 0;
	while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
		last = e;
		last_data = (flags & ERR_TXT_STRING) && data && data[0] ? data : NULL;
	}
	if (!last) {
		snprintf(buf, size, "no detail from OpenSSL");
		return;
	}
	const char *reason = ERR_reason_error_string(last);
	if (last_data)
		snprintf(buf, size, "%s (%s)", reason ? reason : "error", last_data);
	else
		snprintf(buf, size, "%s", reason ? reason : "error");
}

const char *fwg_update_kind_name(enum fwg_update_kind kind)
{
	switch (kind) {
	case FWG_UPDATE_FMP_CAPSULE:
		return "fmp_capsule";
	case FWG_UPDATE_OPENBMC:
		return "openbmc_update";
	default:
		return "unknown";
	}
}

/* ---- trust anchors --------------------------------------------------- */

static enum fwg_status trust_new(struct fwg_update_trust **out)
{
	struct fwg_update_trust *t = calloc(1, sizeof(*t));
	if (!t)
		return FWG_NOMEM;
	t->store = X509_STORE_new();
	t->certs = sk_X509_new_null();
	if (!t->store || !t->certs) {
		fwg_update_trust_free(t);
		return FWG_NOMEM;
	}
	X509_STORE_set_flags(t->store, X509_V_FLAG_PARTIAL_CHAIN | X509_V_FLAG_NO_CHECK_TIME);
	X509_STORE_set_purpose(t->store, X509_PURPOSE_ANY);
	*out = t;
	return FWG_OK;
}

void fwg_update_trust_free(struct fwg_update_trust *trust)
{
	if (!trust)
		return;
	X509_STORE_free(trust->store);
	sk_X509_pop_free(trust->certs, X509_free);
	free(trust->key_ids);
	free(trust);
}

static enum fwg_status trust_add_key(struct fwg_update_trust *t, EVP_PKEY *key)
{
	if (!fwg_array_reserve((void **)&t->key_ids, &t->key_cap, t->key_count,
			sizeof(*t->key_ids)))
		return FWG_NOMEM;
	if (!upd_key_id(key, t->key_ids[t->key_count]))
		return FWG_MALFORMED;
	t->key_count++;
	return FWG_OK;
}

static enum fwg_status trust_add_cert(struct fwg_update_trust *t, X509 *cert)
{
	EVP_PKEY *key = X509_get0_pubkey(cert);
	if (!key)
		return FWG_MALFORMED;
	enum fwg_status st = trust_add_key(t, key);
	if (st != FWG_OK)
		return st;
	if (!X509_STORE_add_cert(t->store, cert)) {
		/* A duplicate certificate is not an error. */
		ERR_clear_error();
		return FWG_OK;
	}
	if (!X509_up_ref(cert))
		return FWG_NOMEM;
	if (!sk_X509_push(t->certs, cert)) {
		X509_free(cert);
		return FWG_NOMEM;
	}
	return FWG_OK;
}

/* Adds one decoded PEM block; *used says whether it held a key. */
static enum fwg_status trust_add_block(struct fwg_update_trust *t, const char *name,
		const unsigned char *der, long len, bool *used)
{
	const unsigned char *p = der;
	enum fwg_status st = FWG_OK;
	*used = false;
	if (strcmp(name, PEM_STRING_X509) == 0 || strcmp(name, PEM_STRING_X509_OLD) == 0) {
		X509 *cert = d2i_X509(NULL, &p, len);
		if (!cert)
			return FWG_MALFORMED;
		st = trust_add_cert(t, cert);
		X509_free(cert);
		*used = true;
	} else if (strcmp(name, PEM_STRING_PUBLIC) == 0 || strcmp(name, PEM_STRING_RSA_PUBLIC) == 0) {
		EVP_PKEY *key = strcmp(name, PEM_STRING_PUBLIC) == 0 ? d2i_PUBKEY(NULL, &p, len)
			: d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, len);
		if (!key)
			return FWG_MALFORMED;
		st = trust_add_key(t, key);
		EVP_PKEY_free(key);
		*used = true;
	}
	return st;
}

static enum fwg_status trust_add_pem(struct fwg_update_trust *t, const char *pem, size_t len,
		const char *label, char *errbuf, size_t errbuf_size)
{
	if (len > MAX_TRUST_FILE || len > INT32_MAX) {
		snprintf(errbuf, errbuf_size, "%s: trust file larger than %u bytes", label,
			MAX_TRUST_FILE);
		return FWG_LIMIT;
	}
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	if (!bio)
		return FWG_NOMEM;
	enum fwg_status st = FWG_OK;
	size_t blocks = 0, used_blocks = 0;
	for (;;) {
		char *name = NULL, *header = NULL;
		unsigned char *der = NULL;
		long dlen = 0;
		ERR_clear_error();
		if (!PEM_read_bio(bio, &name, &header, &der, &dlen)) {
			unsigned long e = ERR_peek_last_error();
			if (blocks > 0 && ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
				ERR_clear_error();
				break;
			}
			char why[256];
			upd_openssl_error(why, sizeof(why));
			if (blocks == 0)
				snprintf(errbuf, errbuf_size, "%s: no PEM certificate or public key",
					label);
			else
				snprintf(errbuf, errbuf_size, "%s: %s after %zu PEM block(s)", label,
					why, blocks);
			st = FWG_MALFORMED;
			break;
		}
		blocks++;
		bool used = false;
		if (blocks > MAX_TRUST_OBJECTS) {
			snprintf(errbuf, errbuf_size, "%s: more than %u PEM blocks", label,
				MAX_TRUST_OBJECTS);
			st = FWG_LIMIT;
		} else {
			st = trust_add_block(t, name, der, dlen, &used);
			if (st == FWG_MALFORMED)
				snprintf(errbuf, errbuf_size, "%s: PEM block %zu (%s) cannot be decoded",
					label, blocks, name);
		}
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(der);
		if (st != FWG_OK)
			break;
		if (used)
			used_blocks++;
	}
	BIO_free(bio);
	if (st == FWG_OK && used_blocks == 0) {
		snprintf(errbuf, errbuf_size,
			"%s: no CERTIFICATE, PUBLIC KEY or RSA PUBLIC KEY block", label);
		st = FWG_MALFORMED;
	}
	if (st == FWG_NOMEM)
		snprintf(errbuf, errbuf_size, "out of memory");
	return st;
}

enum fwg_status fwg_update_trust_load_pem(const char *pem, size_t len,
		struct fwg_update_trust **out, char *errbuf, size_t errbuf_size)
{
	*out = NULL;
	struct fwg_update_trust *t;
	enum fwg_status st = trust_new(&t);
	if (st != FWG_OK)
		return st;
	st = trust_add_pem(t, pem, len, "trust", errbuf, errbuf_size);
	if (st != FWG_OK) {
		fwg_update_trust_free(t);
		return st;
	}
	*out = t;
	return FWG_OK;
}

/* Reads a whole regular file of at most max bytes. */
static enum fwg_status read_file(const char *path, size_t max, uint8_t **data, size_t *size,
		char *errbuf, size_t errbuf_size)
{
	*data = NULL;
	*size = 0;
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(errbuf, errbuf_size, "cannot open %s: %s", path, strerror(errno));
		return FWG_IO;
	}
	struct stat sb;
	if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
		snprintf(errbuf, errbuf_size, "%s is not a regular file", path);
		fclose(f);
		return FWG_IO;
	}
	if (sb.st_size < 0 || (uint64_t)sb.st_size > max) {
		snprintf(errbuf, errbuf_size, "%s is larger than %zu bytes", path, max);
		fclose(f);
		return FWG_LIMIT;
	}
	size_t n = (size_t)sb.st_size;
	uint8_t *buf = malloc(n ? n : 1);
	if (!buf) {
		fclose(f);
		snprintf(errbuf, errbuf_size, "out of memory reading %s", path);
		return FWG_NOMEM;
	}
	size_t got = fread(buf, 1, n, f);
	bool err = ferror(f) || got != n;
	fclose(f);
	if (err) {
		free(buf);
		snprintf(errbuf, errbuf_size, "cannot read %s", path);
		return FWG_IO;
	}
	*data = buf;
	*size = n;
	return FWG_OK;
}

enum fwg_status fwg_update_trust_load(const char *const *pem_paths, size_t count,
		struct fwg_update_trust **out, char *errbuf, size_t errbuf_size)
{
	*out = NULL;
	if (count == 0) {
		snprintf(errbuf, errbuf_size, "no trusted certificate or key given");
		return FWG_MALFORMED;
	}
	struct fwg_update_trust *t;
	enum fwg_status st = trust_new(&t);
	if (st != FWG_OK)
		return st;
	for (size_t i = 0; i < count && st == FWG_OK; i++) {
		uint8_t *pem;
		size_t len;
		st = read_file(pem_paths[i], MAX_TRUST_FILE, &pem, &len, errbuf, errbuf_size);
		if (st != FWG_OK)
			break;
		st = trust_add_pem(t, (const char *)pem, len, pem_paths[i], errbuf, errbuf_size);
		free(pem);
	}
	if (st != FWG_OK) {
		fwg_update_trust_free(t);
		return st;
	}
	*out = t;
	return FWG_OK;
}

/* ---- verification ---------------------------------------------------- */

void fwg_update_result_free(struct fwg_update_result *result)
{
	if (!result)
		return;
	for (size_t i = 0; i < result->check_count; i++) {
		free(result->checks[i].name);
		free(result->checks[i].detail);
	}
	free(result->checks);
	free(result->file);
	free(result->version);
	free(result->lowest_supported_version);
	free(result->current_version);
	free(result->key_id);
	free(result->signer);
	free(result);
}

enum fwg_status fwg_update_verify_buffer(const uint8_t *data, size_t size, const char *label,
		const struct fwg_update_trust *trust, const char *current_version,
		struct fwg_update_result **out)
{
	*out = NULL;
	struct fwg_update_result *r = calloc(1, sizeof(*r));
	if (!r)
		return FWG_NOMEM;
	struct upd_ctx ctx = { .r = r, .trust = trust, .current_version = current_version };
	upd_set(&ctx, &r->file, label ? label : "-");
	upd_set(&ctx, &r->current_version, current_version);
	enum fwg_status st;
	if (upd_is_capsule(data, size)) {
		r->kind = FWG_UPDATE_FMP_CAPSULE;
		st = upd_verify_fmp(&ctx, data, size);
	} else {
		r->kind = FWG_UPDATE_OPENBMC;
		st = upd_verify_openbmc(&ctx, data, size);
	}
	if (st == FWG_UNSUPPORTED) {
		r->kind = FWG_UPDATE_UNKNOWN;
		snprintf(r->reason_code, sizeof(r->reason_code), "unknown_format");
		snprintf(r->reason, sizeof(r->reason),
			"neither a UEFI FMP capsule nor an OpenBMC update package");
	}
	if (ctx.nomem)
		st = FWG_NOMEM;
	if (st == FWG_NOMEM) {
		fwg_update_result_free(r);
		return st;
	}
	r->verified = st == FWG_OK && r->reason_code[0] == '\0' && r->check_count > 0;
	if (st == FWG_OK && !r->verified && r->reason_code[0] == '\0') {
		snprintf(r->reason_code, sizeof(r->reason_code), UPD_UNSIGNED);
		snprintf(r->reason, sizeof(r->reason), "nothing was checked");
	}
	*out = r;
	return st;
}

enum fwg_status fwg_update_verify_file(const char *path, const struct fwg_update_trust *trust,
		const char *current_version, struct fwg_update_result **out, char *errbuf,
		size_t errbuf_size)
{
	*out = NULL;
	uint8_t *data;
	size_t size;
	enum fwg_status st = read_file(path, FWG_UPDATE_MAX_FILE, &data, &size, errbuf,
		errbuf_size);
	if (st != FWG_OK)
		return st;
	st = fwg_update_verify_buffer(data, size, path, trust, current_version, out);
	free(data);
	if (st == FWG_NOMEM)
		snprintf(errbuf, errbuf_size, "out of memory verifying %s", path);
	else if (st == FWG_UNSUPPORTED)
		snprintf(errbuf, errbuf_size,
			"%s: neither a UEFI FMP capsule nor an OpenBMC update package", path);
	return st;
}

/* ---- output ---------------------------------------------------------- */

enum fwg_status fwg_update_result_write_text(const struct fwg_update_result *r, FILE *out)
{
	fprintf(out, "%s: %s\n", r->file, fwg_update_kind_name(r->kind));
	if (r->version)
		fprintf(out, "  version %s%s%s%s%s\n", r->version,
			r->lowest_supported_version ? ", lowest supported " : "",
			r->lowest_supported_version ? r->lowest_supported_version : "",
			r->current_version ? ", installed " : "",
			r->current_version ? r->current_version : "");
	for (size_t i = 0; i < r->check_count; i++)
		fprintf(out, "  %-4s %s: %s\n", r->checks[i].ok ? "ok" : "FAIL", r->checks[i].name,
			r->checks[i].detail);
	if (r->verified)
		fprintf(out, "VERIFIED\n");
	else
		fprintf(out, "REFUSED: %s\n", r->reason);
	return ferror(out) ? FWG_IO : FWG_OK;
}

static int set_str(json_t *o, const char *key, const char *value)
{
	return json_object_set_new(o, key, value ? json_string(value) : json_null());
}

enum fwg_status fwg_update_result_write_json(const struct fwg_update_result *r, FILE *out)
{
	json_t *doc = json_object();
	json_t *checks = json_array();
	int bad = !doc || !checks;
	bad |= !doc || set_str(doc, "file", r->file);
	bad |= !doc || set_str(doc, "kind", fwg_update_kind_name(r->kind));
	bad |= !doc || set_str(doc, "verdict", r->verified ? "verified" : "refused");
	bad |= !doc || set_str(doc, "reason_code", r->verified ? NULL : r->reason_code);
	bad |= !doc || set_str(doc, "reason", r->verified ? NULL : r->reason);
	bad |= !doc || set_str(doc, "version", r->version);
	bad |= !doc || set_str(doc, "lowest_supported_version", r->lowest_supported_version);
	bad |= !doc || set_str(doc, "current_version", r->current_version);
	bad |= !doc || set_str(doc, "key_id", r->key_id);
	bad |= !doc || set_str(doc, "signer", r->signer);
	for (size_t i = 0; !bad && i < r->check_count; i++) {
		json_t *c = json_pack("{s:s, s:b, s:s}", "name", r->checks[i].name, "ok",
			r->checks[i].ok, "detail", r->checks[i].detail);
		bad |= !c || json_array_append_new(checks, c);
	}
	if (!bad) {
		bad |= json_object_set_new(doc, "checks", checks);
		checks = NULL;
	}
	enum fwg_status st = FWG_NOMEM;
	if (!bad) {
		st = json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0 ? FWG_OK : FWG_IO;
		if (st == FWG_OK && fputc('\n', out) == EOF)
			st = FWG_IO;
	}
	json_decref(checks);
	json_decref(doc);
	return st;
}
