/*
 * verify.c - checking a document against its detached signature and a
 * trust store.
 *
 * Order of the checks (the first that fails gives the verdict):
 *   1. no signature                          -> unsigned
 *   2. the signature document is unreadable  -> malformed
 *      (strict JSON, format "fwguard-signature", version 1, 64-hex key_id
 *      and document_sha256, a known algorithm, RFC 3339 signed_at, base64
 *      signature of at most 2 KiB)
 *   3. key id in the revocation list         -> revoked (whatever the
 *      dates: a compromised key can sign with any signed_at)
 *   4. key id not in the trust store         -> unknown key
 *   5. signed_at before not_before, or now before not_before -> not yet valid
 *   6. signed_at after not_after, or now after not_after      -> expired
 *      (rotation: once a key's window closes, baselines it signed must be
 *      re-signed by its successor)
 *   7. algorithm differs from the key's own  -> bad signature
 *   8. canonical document hash differs from document_sha256   -> tampered
 *      (before the signature check, so a changed manifest with an intact
 *      signature file says "tampered")
 *   9. the signature over the canonical signature object (without
 *      "signature") does not verify          -> bad signature
 * A document that is not valid canonicalisable JSON cannot be what was
 * signed, so it is reported as tampered too.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "signing_internal.h"

static const char *const result_names[] = {
	[FWG_SIG_VALID] = "valid",
	[FWG_SIG_UNSIGNED] = "unsigned",
	[FWG_SIG_MALFORMED] = "malformed",
	[FWG_SIG_UNKNOWN_KEY] = "unknown_key",
	[FWG_SIG_KEY_NOT_YET_VALID] = "key_not_yet_valid",
	[FWG_SIG_KEY_EXPIRED] = "key_expired",
	[FWG_SIG_KEY_REVOKED] = "key_revoked",
	[FWG_SIG_BAD_SIGNATURE] = "bad_signature",
	[FWG_SIG_TAMPERED] = "tampered",
};

const char *fwg_sig_result_name(enum fwg_sig_result result)
{
	return (unsigned)result < sizeof(result_names) / sizeof(result_names[0])
		? result_names[result] : "unknown";
}

static void verdict_set(struct fwg_sig_verdict *v, enum fwg_sig_result r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void verdict_set(struct fwg_sig_verdict *v, enum fwg_sig_result r, const char *fmt, ...)
{
	v->result = r;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v->reason, sizeof(v->reason), fmt, ap);
	va_end(ap);
}

static int b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Strict base64 (RFC 4648 section 4, padded, no white space). */
static bool b64_decode(const char *s, size_t n, unsigned char *out, size_t cap, size_t *out_len)
{
	if (n == 0 || n % 4 != 0)
		return false;
	size_t o = 0;
	for (size_t i = 0; i < n; i += 4) {
		int v[4];
		int pad = 0;
		for (int j = 0; j < 4; j++) {
			unsigned char c = (unsigned char)s[i + (size_t)j];
			if (c == '=' && i + 4 == n && j >= 2) {
				v[j] = 0;
				pad++;
				continue;
			}
			if (pad || (v[j] = b64val(c)) < 0)
				return false;
		}
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6
			| (uint32_t)v[3];
		size_t k = 3 - (size_t)pad;
		if (cap - o < k)
			return false;
		for (size_t j = 0; j < k; j++)
			out[o++] = (unsigned char)(w >> (16 - 8 * j));
	}
	*out_len = o;
	return true;
}

static const char *str_member(json_t *obj, const char *name)
{
	json_t *v = json_object_get(obj, name);
	return json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v)
		? json_string_value(v) : NULL;
}

static void fmt_time(int64_t t, char *buf, size_t size)
{
	fwg_rfc3339_format(t, buf, size);
}

/* Steps 2-9 with the parsed signature object. */
static enum fwg_status check(const struct fwg_trust_store *store, const char *doc,
		size_t doc_len, json_t *sigobj, int64_t now, struct fwg_sig_verdict *v)
{
	const char *format = str_member(sigobj, "format");
	const char *key_id = str_member(sigobj, "key_id");
	const char *alg_name = str_member(sigobj, "algorithm");
	const char *signed_at = str_member(sigobj, "signed_at");
	const char *doc_hash = str_member(sigobj, "document_sha256");
	json_t *version = json_object_get(sigobj, "version");
	json_t *sigv = json_object_get(sigobj, "signature");
	if (!format || strcmp(format, "fwguard-signature") != 0) {
		verdict_set(v, FWG_SIG_MALFORMED, "not a fwguard signature (format is not \"fwguard-signature\")");
		return FWG_OK;
	}
	if (!json_is_integer(version) || json_integer_value(version) != 1) {
		verdict_set(v, FWG_SIG_MALFORMED, "unsupported signature version (1 expected)");
		return FWG_OK;
	}
	if (!key_id || !fwg_sig_is_hex64(key_id) || !doc_hash || !fwg_sig_is_hex64(doc_hash)) {
		verdict_set(v, FWG_SIG_MALFORMED,
			"signature key_id and document_sha256 must be 64 lower-case hex digits");
		return FWG_OK;
	}
	snprintf(v->key_id, sizeof(v->key_id), "%s", key_id);
	enum fwg_sig_alg alg = alg_name ? fwg_sig_alg_from_name(alg_name) : FWG_ALG_NONE;
	if (alg == FWG_ALG_NONE) {
		verdict_set(v, FWG_SIG_MALFORMED, "unknown signature algorithm '%.40s'",
			alg_name ? alg_name : "(missing)");
		return FWG_OK;
	}
	snprintf(v->algorithm, sizeof(v->algorithm), "%s", alg_name);
	int64_t t_signed;
	if (!signed_at || !fwg_rfc3339_parse(signed_at, &t_signed)) {
		verdict_set(v, FWG_SIG_MALFORMED, "signed_at is not an RFC 3339 time");
		return FWG_OK;
	}
	v->signed_at = t_signed;
	unsigned char raw[FWG_SIG_MAX_RAW];
	size_t raw_len = 0;
	if (!json_is_string(sigv) || !b64_decode(json_string_value(sigv), json_string_length(sigv),
			raw, sizeof(raw), &raw_len)) {
		verdict_set(v, FWG_SIG_MALFORMED, "signature is not base64 of at most %u bytes",
			FWG_SIG_MAX_RAW);
		return FWG_OK;
	}

	const char *reason;
	int64_t revoked_at;
	char t1[40], t2[40];
	const struct fwg_trust_key *key = fwg_trust_store_find(store, key_id);
	if (key)
		snprintf(v->key_name, sizeof(v->key_name), "%s", key->name);
	if (fwg_trust_store_revoked(store, key_id, &reason, &revoked_at)) {
		if (revoked_at)
			fmt_time(revoked_at, t1, sizeof(t1));
		verdict_set(v, FWG_SIG_KEY_REVOKED, "signing key %s%s%s%s is revoked%s%s%s%s",
			key ? "'" : "", key ? key->name : "", key ? "' " : "", key_id,
			revoked_at ? " since " : "", revoked_at ? t1 : "", *reason ? ": " : "", reason);
		return FWG_OK;
	}
	if (!key) {
		verdict_set(v, FWG_SIG_UNKNOWN_KEY, "signing key %s is not in the trust store", key_id);
		return FWG_OK;
	}
	now = fwg_sig_now(now);
	fmt_time(t_signed, t1, sizeof(t1));
	if (key->has_not_before && (t_signed < key->not_before || now < key->not_before)) {
		bool early = t_signed < key->not_before;
		fmt_time(key->not_before, t2, sizeof(t2));
		if (!early)
			fmt_time(now, t1, sizeof(t1));
		verdict_set(v, FWG_SIG_KEY_NOT_YET_VALID, "key '%s' is valid only from %s (%s %s)",
			key->name, t2, early ? "signed at" : "now is", t1);
		return FWG_OK;
	}
	if (key->has_not_after && (t_signed > key->not_after || now > key->not_after)) {
		fmt_time(key->not_after, t2, sizeof(t2));
		if (t_signed > key->not_after) {
			verdict_set(v, FWG_SIG_KEY_EXPIRED, "signed at %s, after key '%s' expired at %s",
				t1, key->name, t2);
		} else {
			fmt_time(now, t1, sizeof(t1));
			verdict_set(v, FWG_SIG_KEY_EXPIRED,
				"key '%s' expired at %s (now is %s): re-sign the baseline with its successor",
				key->name, t2, t1);
		}
		return FWG_OK;
	}
	if (alg != key->alg) {
		verdict_set(v, FWG_SIG_BAD_SIGNATURE, "signature claims %s but key '%s' is %s",
			alg_name, key->name, fwg_sig_alg_name(key->alg));
		return FWG_OK;
	}

	char err[256];
	char *canon = NULL;
	size_t canon_len;
	enum fwg_status st = fwg_canonical_json(doc, doc_len, &canon, &canon_len, err, sizeof(err));
	if (st == FWG_NOMEM)
		return st;
	if (st != FWG_OK) {
		verdict_set(v, FWG_SIG_TAMPERED, "the document cannot be what was signed: %s", err);
		return FWG_OK;
	}
	unsigned char md[32];
	unsigned mdlen;
	char hex[65];
	bool ok = EVP_Digest(canon, canon_len, md, &mdlen, EVP_sha256(), NULL) == 1;
	free(canon);
	if (!ok)
		return FWG_NOMEM;
	fwg_sig_hex(md, 32, hex);
	if (strcmp(hex, doc_hash) != 0) {
		verdict_set(v, FWG_SIG_TAMPERED,
			"the document was changed after signing (canonical SHA-256 %s, signed %s)", hex,
			doc_hash);
		return FWG_OK;
	}

	json_t *tbs_obj = json_deep_copy(sigobj);
	char *tbs = NULL;
	size_t tbs_len;
	if (!tbs_obj)
		return FWG_NOMEM;
	(void)json_object_del(tbs_obj, "signature");
	st = fwg_canonical_value(tbs_obj, &tbs, &tbs_len, err, sizeof(err));
	json_decref(tbs_obj);
	if (st == FWG_NOMEM)
		return st;
	if (st != FWG_OK || !fwg_sig_verify_raw(key->pkey, alg, (const unsigned char *)tbs,
			tbs_len, raw, raw_len)) {
		free(tbs);
		verdict_set(v, FWG_SIG_BAD_SIGNATURE,
			"the signature does not verify with key '%s' (%s)", key->name, key_id);
		return FWG_OK;
	}
	free(tbs);
	verdict_set(v, FWG_SIG_VALID, "signed by key '%s' (%s, %s) at %s", key->name, key_id,
		alg_name, t1);
	return FWG_OK;
}

enum fwg_status fwg_verify_document(const struct fwg_trust_store *store, const char *doc,
		size_t doc_len, const char *sig, size_t sig_len, int64_t now,
		struct fwg_sig_verdict *verdict)
{
	memset(verdict, 0, sizeof(*verdict));
	if (!sig) {
		verdict_set(verdict, FWG_SIG_UNSIGNED, "the document has no signature");
		return FWG_OK;
	}
	if (sig_len > FWG_SIG_MAX_SIGDOC) {
		verdict_set(verdict, FWG_SIG_MALFORMED, "signature file larger than %u bytes",
			FWG_SIG_MAX_SIGDOC);
		return FWG_OK;
	}
	json_error_t jerr;
	json_t *sigobj = json_loadb(sig, sig_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!sigobj || !json_is_object(sigobj)) {
		if (sigobj)
			verdict_set(verdict, FWG_SIG_MALFORMED, "the signature is not a JSON object");
		else
			verdict_set(verdict, FWG_SIG_MALFORMED,
				"the signature is not valid JSON (line %d column %d: %s)", jerr.line,
				jerr.column, jerr.text);
		json_decref(sigobj);
		return FWG_OK;
	}
	enum fwg_status st = check(store, doc, doc_len, sigobj, now, verdict);
	json_decref(sigobj);
	return st;
}

enum fwg_status fwg_verify_file(const struct fwg_trust_store *store, const char *doc_path,
		const char *sig_path, int64_t now, struct fwg_sig_verdict *verdict, char **doc_out,
		size_t *doc_len_out, char *errbuf, size_t errbuf_size)
{
	memset(verdict, 0, sizeof(*verdict));
	if (doc_out)
		*doc_out = NULL;
	if (doc_len_out)
		*doc_len_out = 0;
	char *doc = NULL, *sig = NULL;
	size_t doc_len, sig_len = 0;
	enum fwg_status st = fwg_sig_read_file(doc_path, FWG_SIG_MAX_DOC, &doc, &doc_len, errbuf,
		errbuf_size);
	if (st != FWG_OK)
		return st;
	char def[4096];
	const char *path = sig_path;
	if (!path) {
		int n = snprintf(def, sizeof(def), "%s.sig", doc_path);
		if (n < 0 || (size_t)n >= sizeof(def)) {
			snprintf(errbuf, errbuf_size, "path too long: %s", doc_path);
			free(doc);
			return FWG_LIMIT;
		}
		path = def;
	}
	struct stat sb;
	bool missing_default = !sig_path && stat(path, &sb) != 0;
	if (!missing_default) {
		char err[512];
		st = fwg_sig_read_file(path, FWG_SIG_MAX_SIGDOC, &sig, &sig_len, err, sizeof(err));
		if (st == FWG_LIMIT) {
			/* an oversized signature is a bad signature, not an I/O error */
			sig = NULL;
			st = FWG_OK;
			verdict_set(verdict, FWG_SIG_MALFORMED, "%s", err);
			goto done;
		}
		if (st != FWG_OK) {
			snprintf(errbuf, errbuf_size, "%s", err);
			free(doc);
			return st;
		}
	}
	st = fwg_verify_document(store, doc, doc_len, sig, sig_len, now, verdict);
	if (st == FWG_OK && verdict->result == FWG_SIG_UNSIGNED)
		snprintf(verdict->reason, sizeof(verdict->reason),
			"the document has no signature (%.400s not found)", path);
done:
	free(sig);
	if (doc_out && st == FWG_OK) {
		*doc_out = doc;
		if (doc_len_out)
			*doc_len_out = doc_len;
	} else {
		free(doc);
	}
	if (st != FWG_OK)
		snprintf(errbuf, errbuf_size, "out of memory verifying %s", doc_path);
	return st;
}
