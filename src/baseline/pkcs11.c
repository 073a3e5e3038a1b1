/*
 * pkcs11.c - signing with keys held in a PKCS#11 token (an HSM, a smart
 * card, SoftHSM2 in the tests), through a module loaded with dlopen().
 *
 * Flow: parse the RFC 7512 URI -> dlopen the module -> C_GetFunctionList
 * -> C_Initialize (an already initialised module is used as is and not
 * finalised) -> find the one token whose label (and serial) match -> open
 * a session, log in when a PIN is known -> find the private key
 * (CKO_PRIVATE_KEY with the URI's label and/or id) and its public key
 * object (same label/id, else the private key's CKA_ID) -> build an
 * EVP_PKEY from CKA_EC_PARAMS/CKA_EC_POINT or CKA_MODULUS/
 * CKA_PUBLIC_EXPONENT, which gives the key id and the algorithm exactly
 * as for a PEM file.
 *
 * Mechanisms: CKM_ECDSA over our own SHA-256/384 digest (the raw r||s the
 * token returns is re-encoded as a DER ECDSA-Sig-Value), CKM_RSA_PKCS_PSS
 * over a SHA-256 digest with MGF1-SHA256 and a 32-byte salt, CKM_EDDSA
 * (Ed25519) over the message itself.
 *
 * The token is not trusted for lengths: every attribute and signature
 * length is checked against a cap before a buffer is sized from it and
 * again after the call fills it.
 */
#include <dlfcn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <p11-kit/pkcs11.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkcs11.h"

#define MAX_SLOTS 256
#define MAX_EC_PARAMS 128
#define MAX_EC_POINT 512
#define MAX_RSA_MODULUS (FWG_SIG_MAX_RSA_BITS / 8)
#define MAX_RSA_EXPONENT 16

struct fwg_p11 {
	void *dl;
	CK_FUNCTION_LIST_PTR f;
	bool finalize;
	CK_SESSION_HANDLE session;
	bool has_session, logged_in;
	CK_OBJECT_HANDLE priv;
	bool has_priv;
	EVP_PKEY *pub;
	char label[FWG_P11_MAX_ATTR + 1];
};

/* ---- RFC 7512 URIs ---- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes s[0..n) into out (at most cap bytes); binary unless
 * text, where a decoded NUL is refused and a NUL is appended. */
static bool pct_decode(const char *s, size_t n, unsigned char *out, size_t cap, size_t *out_len,
		bool text)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '%') {
			if (n - i < 3 || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0)
				return false;
			c = (unsigned char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		}
		if (text && c == '\0')
			return false;
		if (o >= cap - (text ? 1 : 0))
			return false;
		out[o++] = c;
	}
	if (text)
		out[o] = '\0';
	*out_len = o;
	return true;
}

static enum fwg_status set_text(char *dst, size_t cap, bool *has, const char *name,
		const char *v, size_t n, char *errbuf, size_t errbuf_size)
{
	size_t len;
	if (*has) {
		snprintf(errbuf, errbuf_size, "PKCS#11 URI: attribute '%s' given twice", name);
		return FWG_MALFORMED;
	}
	if (!pct_decode(v, n, (unsigned char *)dst, cap, &len, true)) {
		snprintf(errbuf, errbuf_size,
			"PKCS#11 URI: bad value for '%s' (bad %%-escape, NUL or longer than %zu bytes)",
			name, cap - 1);
		return FWG_MALFORMED;
	}
	*has = true;
	return FWG_OK;
}

static enum fwg_status uri_attr(struct fwg_p11_uri *u, bool query, const char *a, size_t n,
		char *errbuf, size_t errbuf_size)
{
	const char *eq = memchr(a, '=', n);
	if (!eq) {
		snprintf(errbuf, errbuf_size, "PKCS#11 URI: attribute '%.*s' has no '='",
			(int)(n > 64 ? 64 : n), a);
		return FWG_MALFORMED;
	}
	size_t kn = (size_t)(eq - a);
	const char *v = eq + 1;
	size_t vn = n - kn - 1;
#define IS(k) (kn == sizeof(k) - 1 && memcmp(a, k, kn) == 0)
	if (!query) {
		if (IS("token"))
			return set_text(u->token, sizeof(u->token), &u->has_token, "token", v, vn,
				errbuf, errbuf_size);
		if (IS("object"))
			return set_text(u->object, sizeof(u->object), &u->has_object, "object", v, vn,
				errbuf, errbuf_size);
		if (IS("serial"))
			return set_text(u->serial, sizeof(u->serial), &u->has_serial, "serial", v, vn,
				errbuf, errbuf_size);
		if (IS("type")) {
			bool has = u->type[0] != '\0';
			enum fwg_status st = set_text(u->type, sizeof(u->type), &has, "type", v, vn,
				errbuf, errbuf_size);
			if (st == FWG_OK && strcmp(u->type, "private") != 0
					&& strcmp(u->type, "public") != 0) {
				snprintf(errbuf, errbuf_size,
					"PKCS#11 URI: type=%s does not name a key pair (use private)", u->type);
				return FWG_MALFORMED;
			}
			return st;
		}
		if (IS("id")) {
			if (u->has_id) {
				snprintf(errbuf, errbuf_size, "PKCS#11 URI: attribute 'id' given twice");
				return FWG_MALFORMED;
			}
			if (!pct_decode(v, vn, u->id, sizeof(u->id), &u->id_len, false)
					|| u->id_len == 0) {
				snprintf(errbuf, errbuf_size, "PKCS#11 URI: bad value for 'id'");
				return FWG_MALFORMED;
			}
			u->has_id = true;
			return FWG_OK;
		}
		return FWG_OK; /* other path attributes (manufacturer, model, slot-*) are ignored */
	}
	if (IS("module-path"))
		return set_text(u->module_path, sizeof(u->module_path), &u->has_module_path,
			"module-path", v, vn, errbuf, errbuf_size);
	if (IS("pin-value"))
		return set_text(u->pin_value, sizeof(u->pin_value), &u->has_pin_value, "pin-value",
			v, vn, errbuf, errbuf_size);
	if (IS("pin-source") || IS("module-name")) {
		snprintf(errbuf, errbuf_size,
			"PKCS#11 URI: '%.*s' is not supported (use module-path and pin-value or --pin)",
			(int)kn, a);
		return FWG_UNSUPPORTED;
	}
#undef IS
	return FWG_OK;
}

enum fwg_status fwg_p11_uri_parse(const char *uri, struct fwg_p11_uri *u, char *errbuf,
		size_t errbuf_size)
{
	memset(u, 0, sizeof(*u));
	static const char scheme[] = "pkcs11:";
	if (strncmp(uri, scheme, sizeof(scheme) - 1) != 0) {
		snprintf(errbuf, errbuf_size, "not a PKCS#11 URI (must start with pkcs11:)");
		return FWG_MALFORMED;
	}
	const char *p = uri + sizeof(scheme) - 1;
	const char *q = strchr(p, '?');
	const char *path_end = q ? q : p + strlen(p);
	for (int part = 0; part < 2; part++) {
		const char *s = part == 0 ? p : (q ? q + 1 : NULL);
		const char *end = part == 0 ? path_end : (s ? s + strlen(s) : NULL);
		char sep = part == 0 ? ';' : '&';
		while (s && s < end) {
			const char *e = memchr(s, sep, (size_t)(end - s));
			if (!e)
				e = end;
			if (e > s) {
				enum fwg_status st = uri_attr(u, part == 1, s, (size_t)(e - s), errbuf,
					errbuf_size);
				if (st != FWG_OK)
					return st;
			}
			s = e + 1;
		}
	}
	return FWG_OK;
}

/* ---- the token ---- */

static enum fwg_status ck_fail(CK_RV rv, const char *what, char *errbuf, size_t errbuf_size)
{
	const char *hint = "";
	if (rv == CKR_PIN_INCORRECT)
		hint = " (wrong PIN)";
	else if (rv == CKR_PIN_LOCKED)
		hint = " (PIN locked)";
	else if (rv == CKR_USER_NOT_LOGGED_IN)
		hint = " (log in: give the PIN)";
	else if (rv == CKR_MECHANISM_INVALID)
		hint = " (the token does not support this mechanism)";
	snprintf(errbuf, errbuf_size, "PKCS#11 %s failed: CKR 0x%lx%s", what, (unsigned long)rv,
		hint);
	return FWG_IO;
}

static void trim_label(const unsigned char *in, size_t n, char *out)
{
	while (n > 0 && (in[n - 1] == ' ' || in[n - 1] == '\0'))
		n--;
	memcpy(out, in, n);
	out[n] = '\0';
}

static enum fwg_status find_token(struct fwg_p11 *p, const struct fwg_p11_uri *u,
		CK_SLOT_ID *slot, char *errbuf, size_t errbuf_size)
{
	CK_ULONG n = 0;
	CK_RV rv = p->f->C_GetSlotList(CK_TRUE, NULL_PTR, &n);
	if (rv != CKR_OK)
		return ck_fail(rv, "C_GetSlotList", errbuf, errbuf_size);
	if (n == 0 || n > MAX_SLOTS) {
		snprintf(errbuf, errbuf_size, "PKCS#11 module reports %lu tokens (1..%d expected)",
			(unsigned long)n, MAX_SLOTS);
		return FWG_IO;
	}
	CK_SLOT_ID slots[MAX_SLOTS];
	rv = p->f->C_GetSlotList(CK_TRUE, slots, &n);
	if (rv != CKR_OK)
		return ck_fail(rv, "C_GetSlotList", errbuf, errbuf_size);
	if (n > MAX_SLOTS)
		n = MAX_SLOTS;
	unsigned matches = 0;
	for (CK_ULONG i = 0; i < n; i++) {
		CK_TOKEN_INFO ti;
		if (p->f->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
			continue;
		char label[33], serial[17];
		trim_label(ti.label, sizeof(ti.label), label);
		trim_label(ti.serialNumber, sizeof(ti.serialNumber), serial);
		if (u->has_token && strcmp(label, u->token) != 0)
			continue;
		if (u->has_serial && strcmp(serial, u->serial) != 0)
			continue;
		if (matches++ == 0) {
			*slot = slots[i];
			snprintf(p->label, sizeof(p->label), "%s", label);
		}
	}
	if (matches == 0) {
		snprintf(errbuf, errbuf_size, "no PKCS#11 token%s%s found", u->has_token ? " labelled " : "",
			u->has_token ? u->token : "");
		return FWG_IO;
	}
	if (matches > 1) {
		snprintf(errbuf, errbuf_size, "%u PKCS#11 tokens match: name one with token= or serial=",
			matches);
		return FWG_MALFORMED;
	}
	return FWG_OK;
}

/* Reads one attribute of at most max bytes (malloc'd); FWG_UNSUPPORTED
 * when the object does not have it. */
static enum fwg_status get_attr(struct fwg_p11 *p, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type,
		size_t max, unsigned char **out, size_t *out_len, char *errbuf, size_t errbuf_size)
{
	*out = NULL;
	*out_len = 0;
	CK_ATTRIBUTE a = { type, NULL_PTR, 0 };
	CK_RV rv = p->f->C_GetAttributeValue(p->session, obj, &a, 1);
	if (rv != CKR_OK || a.ulValueLen == CK_UNAVAILABLE_INFORMATION) {
		snprintf(errbuf, errbuf_size, "PKCS#11 key object lacks attribute 0x%lx",
			(unsigned long)type);
		return FWG_UNSUPPORTED;
	}
	if (a.ulValueLen > max) {
		snprintf(errbuf, errbuf_size, "PKCS#11 attribute 0x%lx is %lu bytes (at most %zu)",
			(unsigned long)type, (unsigned long)a.ulValueLen, max);
		return FWG_LIMIT;
	}
	size_t cap = (size_t)a.ulValueLen;
	unsigned char *buf = malloc(cap ? cap : 1);
	if (!buf)
		return FWG_NOMEM;
	a.pValue = buf;
	rv = p->f->C_GetAttributeValue(p->session, obj, &a, 1);
	if (rv != CKR_OK || a.ulValueLen > cap) {
		free(buf);
		return ck_fail(rv, "C_GetAttributeValue", errbuf, errbuf_size);
	}
	*out = buf;
	*out_len = (size_t)a.ulValueLen;
	return FWG_OK;
}

static enum fwg_status find_objects(struct fwg_p11 *p, CK_OBJECT_CLASS cls, const char *label,
		const unsigned char *id, size_t id_len, CK_OBJECT_HANDLE *found, CK_ULONG *count,
		char *errbuf, size_t errbuf_size)
{
	CK_ATTRIBUTE tmpl[3];
	CK_ULONG n = 0;
	tmpl[n++] = (CK_ATTRIBUTE){ CKA_CLASS, &cls, sizeof(cls) };
	if (label)
		tmpl[n++] = (CK_ATTRIBUTE){ CKA_LABEL, (void *)label, strlen(label) };
	if (id)
		tmpl[n++] = (CK_ATTRIBUTE){ CKA_ID, (void *)id, id_len };
	CK_RV rv = p->f->C_FindObjectsInit(p->session, tmpl, n);
	if (rv != CKR_OK)
		return ck_fail(rv, "C_FindObjectsInit", errbuf, errbuf_size);
	CK_OBJECT_HANDLE h[2];
	CK_ULONG got = 0;
	rv = p->f->C_FindObjects(p->session, h, 2, &got);
	(void)p->f->C_FindObjectsFinal(p->session);
	if (rv != CKR_OK)
		return ck_fail(rv, "C_FindObjects", errbuf, errbuf_size);
	if (got > 2)
		got = 2;
	*count = got;
	if (got > 0)
		*found = h[0];
	return FWG_OK;
}

static EVP_PKEY *pkey_fromdata(const char *type, OSSL_PARAM_BLD *bld)
{
	EVP_PKEY *pkey = NULL;
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	if (params && ctx && EVP_PKEY_fromdata_init(ctx) == 1)
		(void)EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return pkey;
}

/* The point inside CKA_EC_POINT: a DER OCTET STRING (PKCS#11 2.40) or,
 * from some tokens, the raw bytes. want is the expected raw length. */
static bool ec_point(const unsigned char *v, size_t n, size_t want, unsigned char *out)
{
	if (n == want && (want == 32 || v[0] == 0x04)) {
		memcpy(out, v, want);
		return true;
	}
	const unsigned char *q = v;
	ASN1_OCTET_STRING *os = d2i_ASN1_OCTET_STRING(NULL, &q, (long)n);
	bool ok = os && q == v + n && (size_t)ASN1_STRING_length(os) == want;
	if (ok)
		memcpy(out, ASN1_STRING_get0_data(os), want);
	ASN1_OCTET_STRING_free(os);
	return ok;
}

static int ec_params_nid(const unsigned char *v, size_t n)
{
	const unsigned char *q = v;
	ASN1_OBJECT *obj = d2i_ASN1_OBJECT(NULL, &q, (long)n);
	int nid = NID_undef;
	if (obj && q == v + n)
		nid = OBJ_obj2nid(obj);
	ASN1_OBJECT_free(obj);
	if (nid != NID_undef)
		return nid;
	q = v;
	ASN1_PRINTABLESTRING *ps = d2i_ASN1_PRINTABLESTRING(NULL, &q, (long)n);
	if (ps && q == v + n && ASN1_STRING_length(ps) == 12
			&& memcmp(ASN1_STRING_get0_data(ps), "edwards25519", 12) == 0)
		nid = NID_ED25519;
	ASN1_STRING_free(ps);
	return nid;
}

static enum fwg_status build_ec(struct fwg_p11 *p, CK_OBJECT_HANDLE obj, bool edwards,
		char *errbuf, size_t errbuf_size)
{
	unsigned char *params = NULL, *point = NULL;
	size_t plen, ptlen;
	enum fwg_status st = get_attr(p, obj, CKA_EC_PARAMS, MAX_EC_PARAMS, &params, &plen, errbuf,
		errbuf_size);
	if (st == FWG_OK)
		st = get_attr(p, obj, CKA_EC_POINT, MAX_EC_POINT, &point, &ptlen, errbuf, errbuf_size);
	if (st != FWG_OK)
		goto out;
	int nid = ec_params_nid(params, plen);
	unsigned char raw[1 + 2 * 48];
	st = FWG_UNSUPPORTED;
	if (edwards || nid == NID_ED25519) {
		if (nid != NID_ED25519 || !ec_point(point, ptlen, 32, raw)) {
			snprintf(errbuf, errbuf_size, "PKCS#11 Edwards key is not an Ed25519 key");
			goto out;
		}
		p->pub = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, 32);
	} else {
		const char *group = nid == NID_X9_62_prime256v1 ? "prime256v1"
			: nid == NID_secp384r1 ? "secp384r1" : NULL;
		size_t field = nid == NID_X9_62_prime256v1 ? 32 : 48;
		if (!group) {
			snprintf(errbuf, errbuf_size,
				"PKCS#11 EC key on an unsupported curve (P-256 or P-384 expected)");
			goto out;
		}
		if (!ec_point(point, ptlen, 1 + 2 * field, raw) || raw[0] != 0x04) {
			snprintf(errbuf, errbuf_size, "PKCS#11 CKA_EC_POINT is not an uncompressed %s point",
				group);
			st = FWG_MALFORMED;
			goto out;
		}
		OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
		if (bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0)
				&& OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, raw,
					1 + 2 * field))
			p->pub = pkey_fromdata("EC", bld);
		OSSL_PARAM_BLD_free(bld);
	}
	if (!p->pub) {
		snprintf(errbuf, errbuf_size, "PKCS#11 public key is not a valid point");
		st = FWG_MALFORMED;
		goto out;
	}
	st = FWG_OK;
out:
	free(params);
	free(point);
	return st;
}

static enum fwg_status build_rsa(struct fwg_p11 *p, CK_OBJECT_HANDLE obj, char *errbuf,
		size_t errbuf_size)
{
	unsigned char *mod = NULL, *exp = NULL;
	size_t mlen, elen;
	BIGNUM *n = NULL, *e = NULL;
	enum fwg_status st = get_attr(p, obj, CKA_MODULUS, MAX_RSA_MODULUS, &mod, &mlen, errbuf,
		errbuf_size);
	if (st == FWG_OK)
		st = get_attr(p, obj, CKA_PUBLIC_EXPONENT, MAX_RSA_EXPONENT, &exp, &elen, errbuf,
			errbuf_size);
	if (st != FWG_OK)
		goto out;
	n = BN_bin2bn(mod, (int)mlen, NULL);
	e = BN_bin2bn(exp, (int)elen, NULL);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	if (n && e && bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n)
			&& OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
		p->pub = pkey_fromdata("RSA", bld);
	OSSL_PARAM_BLD_free(bld);
	if (!p->pub) {
		snprintf(errbuf, errbuf_size, "PKCS#11 RSA public key is not usable");
		st = FWG_MALFORMED;
	}
out:
	BN_free(n);
	BN_free(e);
	free(mod);
	free(exp);
	return st;
}

static enum fwg_status build_public(struct fwg_p11 *p, CK_OBJECT_HANDLE obj, char *errbuf,
		size_t errbuf_size)
{
	CK_KEY_TYPE kt = 0;
	CK_ATTRIBUTE a = { CKA_KEY_TYPE, &kt, sizeof(kt) };
	CK_RV rv = p->f->C_GetAttributeValue(p->session, obj, &a, 1);
	if (rv != CKR_OK || a.ulValueLen != sizeof(kt))
		return ck_fail(rv, "reading CKA_KEY_TYPE", errbuf, errbuf_size);
	if (kt == CKK_EC || kt == CKK_EC_EDWARDS)
		return build_ec(p, obj, kt == CKK_EC_EDWARDS, errbuf, errbuf_size);
	if (kt == CKK_RSA)
		return build_rsa(p, obj, errbuf, errbuf_size);
	snprintf(errbuf, errbuf_size, "PKCS#11 key type 0x%lx is not supported (EC, RSA or Ed25519)",
		(unsigned long)kt);
	return FWG_UNSUPPORTED;
}

static enum fwg_status find_keys(struct fwg_p11 *p, const struct fwg_p11_uri *u,
		bool need_private, char *errbuf, size_t errbuf_size)
{
	const char *label = u->has_object ? u->object : NULL;
	const unsigned char *id = u->has_id ? u->id : NULL;
	CK_ULONG count = 0;
	CK_OBJECT_HANDLE h = 0;
	enum fwg_status st = find_objects(p, CKO_PRIVATE_KEY, label, id, u->id_len, &h, &count,
		errbuf, errbuf_size);
	if (st != FWG_OK)
		return st;
	if (count > 1) {
		snprintf(errbuf, errbuf_size,
			"several private keys on token %s match: name one with object= or id=", p->label);
		return FWG_MALFORMED;
	}
	if (count == 1) {
		p->priv = h;
		p->has_priv = true;
	} else if (need_private) {
		snprintf(errbuf, errbuf_size, "no private key%s%s on token %s%s",
			label ? " labelled " : "", label ? label : "", p->label,
			p->logged_in ? "" : " (give the PIN to log in)");
		return FWG_IO;
	}
	/* The public half: a public key object with the same label/id, else
	 * with the private key's CKA_ID, else (RSA) the private key itself. */
	st = find_objects(p, CKO_PUBLIC_KEY, label, id, u->id_len, &h, &count, errbuf,
		errbuf_size);
	if (st != FWG_OK)
		return st;
	if (count > 1) {
		snprintf(errbuf, errbuf_size,
			"several public keys on token %s match: name one with object= or id=", p->label);
		return FWG_MALFORMED;
	}
	if (count == 0 && p->has_priv) {
		unsigned char *pid = NULL;
		size_t pid_len = 0;
		if (get_attr(p, p->priv, CKA_ID, FWG_P11_MAX_ATTR, &pid, &pid_len, errbuf,
				errbuf_size) == FWG_OK && pid_len > 0)
			st = find_objects(p, CKO_PUBLIC_KEY, NULL, pid, pid_len, &h, &count, errbuf,
				errbuf_size);
		free(pid);
		if (st != FWG_OK)
			return st;
		if (count != 1) {
			count = 1;
			h = p->priv;
		}
	}
	if (count == 0) {
		snprintf(errbuf, errbuf_size, "no key%s%s on token %s", label ? " labelled " : "",
			label ? label : "", p->label);
		return FWG_IO;
	}
	return build_public(p, h, errbuf, errbuf_size);
}

enum fwg_status fwg_p11_open(const char *uri, const char *pin, bool need_private,
		struct fwg_p11 **out, char *errbuf, size_t errbuf_size)
{
	*out = NULL;
	struct fwg_p11_uri *u = calloc(1, sizeof(*u));
	struct fwg_p11 *p = calloc(1, sizeof(*p));
	enum fwg_status st = FWG_NOMEM;
	if (!u || !p)
		goto fail;
	st = fwg_p11_uri_parse(uri, u, errbuf, errbuf_size);
	if (st != FWG_OK)
		goto fail;
	const char *module = u->has_module_path ? u->module_path : getenv("FWGUARD_PKCS11_MODULE");
	if (!module || !*module) {
		snprintf(errbuf, errbuf_size,
			"no PKCS#11 module: add ?module-path=... to the URI or set FWGUARD_PKCS11_MODULE");
		st = FWG_MALFORMED;
		goto fail;
	}
	if (!pin || !*pin)
		pin = u->has_pin_value ? u->pin_value : getenv("FWGUARD_PKCS11_PIN");
	p->dl = dlopen(module, RTLD_NOW | RTLD_LOCAL);
	if (!p->dl) {
		const char *why = dlerror();
		snprintf(errbuf, errbuf_size, "cannot load PKCS#11 module %s: %s", module,
			why ? why : "unknown error");
		st = FWG_IO;
		goto fail;
	}
	CK_C_GetFunctionList get_list;
	void *sym = dlsym(p->dl, "C_GetFunctionList");
	memcpy(&get_list, &sym, sizeof(get_list));
	CK_RV rv;
	if (!sym || (rv = get_list(&p->f)) != CKR_OK || !p->f) {
		snprintf(errbuf, errbuf_size, "%s is not a PKCS#11 module (no C_GetFunctionList)",
			module);
		st = FWG_IO;
		goto fail;
	}
	CK_C_INITIALIZE_ARGS init = { 0 };
	init.flags = CKF_OS_LOCKING_OK;
	rv = p->f->C_Initialize(&init);
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		st = ck_fail(rv, "C_Initialize", errbuf, errbuf_size);
		goto fail;
	}
	p->finalize = rv == CKR_OK;
	CK_SLOT_ID slot = 0;
	st = find_token(p, u, &slot, errbuf, errbuf_size);
	if (st != FWG_OK)
		goto fail;
	rv = p->f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL_PTR, NULL, &p->session);
	if (rv != CKR_OK) {
		st = ck_fail(rv, "C_OpenSession", errbuf, errbuf_size);
		goto fail;
	}
	p->has_session = true;
	if (pin && *pin) {
		rv = p->f->C_Login(p->session, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin));
		if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
			st = ck_fail(rv, "login", errbuf, errbuf_size);
			goto fail;
		}
		p->logged_in = rv == CKR_OK;
	}
	st = find_keys(p, u, need_private, errbuf, errbuf_size);
	if (st != FWG_OK)
		goto fail;
	free(u);
	*out = p;
	return FWG_OK;
fail:
	if (st == FWG_NOMEM)
		snprintf(errbuf, errbuf_size, "out of memory opening the PKCS#11 key");
	free(u);
	fwg_p11_close(p);
	return st;
}

void fwg_p11_close(struct fwg_p11 *p)
{
	if (!p)
		return;
	if (p->has_session) {
		if (p->logged_in)
			(void)p->f->C_Logout(p->session);
		(void)p->f->C_CloseSession(p->session);
	}
	if (p->finalize)
		(void)p->f->C_Finalize(NULL_PTR);
	/* The module stays mapped (as p11-kit keeps its modules): modules
	 * such as SoftHSM2 leave OpenSSL and atexit state pointing into their
	 * code, which dlclose() would turn into dangling pointers.  dlopen()
	 * of the same module again only takes another reference. */
	EVP_PKEY_free(p->pub);
	free(p);
}

EVP_PKEY *fwg_p11_public_key(const struct fwg_p11 *p)
{
	return p->pub;
}

/* r||s (two big-endian halves of field bytes) to a DER ECDSA-Sig-Value. */
static enum fwg_status ecdsa_der(const unsigned char *raw, size_t field, unsigned char **sig,
		size_t *sig_len)
{
	BIGNUM *r = BN_bin2bn(raw, (int)field, NULL);
	BIGNUM *s = BN_bin2bn(raw + field, (int)field, NULL);
	ECDSA_SIG *es = ECDSA_SIG_new();
	if (!r || !s || !es || ECDSA_SIG_set0(es, r, s) != 1) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(es);
		return FWG_NOMEM;
	}
	unsigned char *der = NULL;
	int n = i2d_ECDSA_SIG(es, &der);
	ECDSA_SIG_free(es);
	if (n <= 0)
		return FWG_NOMEM;
	*sig = malloc((size_t)n);
	if (*sig) {
		memcpy(*sig, der, (size_t)n);
		*sig_len = (size_t)n;
	}
	OPENSSL_free(der);
	return *sig ? FWG_OK : FWG_NOMEM;
}

enum fwg_status fwg_p11_sign(struct fwg_p11 *p, enum fwg_sig_alg alg, const unsigned char *msg,
		size_t len, unsigned char **sig, size_t *sig_len, char *errbuf, size_t errbuf_size)
{
	*sig = NULL;
	*sig_len = 0;
	if (!p->has_priv) {
		snprintf(errbuf, errbuf_size, "no private key on token %s to sign with", p->label);
		return FWG_IO;
	}
	unsigned char dig[EVP_MAX_MD_SIZE];
	unsigned dlen = 0;
	const unsigned char *in = msg;
	size_t in_len = len;
	const EVP_MD *md = fwg_sig_alg_md(alg);
	if (md && alg != FWG_ALG_ED25519) {
		if (EVP_Digest(msg, len, dig, &dlen, md, NULL) != 1)
			return FWG_NOMEM;
		in = dig;
		in_len = dlen;
	}
	CK_RSA_PKCS_PSS_PARAMS pss = { CKM_SHA256, CKG_MGF1_SHA256, 32 };
	CK_MECHANISM mech = { CKM_ECDSA, NULL_PTR, 0 };
	size_t want = 0;
	switch (alg) {
	case FWG_ALG_ECDSA_P256:
		want = 64;
		break;
	case FWG_ALG_ECDSA_P384:
		want = 96;
		break;
	case FWG_ALG_RSA_PSS:
		mech = (CK_MECHANISM){ CKM_RSA_PKCS_PSS, &pss, sizeof(pss) };
		want = (size_t)EVP_PKEY_get_size(p->pub);
		break;
	case FWG_ALG_ED25519:
		mech = (CK_MECHANISM){ CKM_EDDSA, NULL_PTR, 0 };
		want = 64;
		break;
	default:
		snprintf(errbuf, errbuf_size, "no PKCS#11 mechanism for this key");
		return FWG_UNSUPPORTED;
	}
	CK_RV rv = p->f->C_SignInit(p->session, &mech, p->priv);
	if (rv != CKR_OK)
		return ck_fail(rv, "C_SignInit", errbuf, errbuf_size);
	unsigned char *buf = malloc(FWG_SIG_MAX_RAW);
	if (!buf)
		return FWG_NOMEM;
	CK_ULONG blen = FWG_SIG_MAX_RAW;
	rv = p->f->C_Sign(p->session, (CK_BYTE_PTR)in, in_len, buf, &blen);
	if (rv != CKR_OK) {
		free(buf);
		return ck_fail(rv, "C_Sign", errbuf, errbuf_size);
	}
	if (blen != want || want == 0 || want > FWG_SIG_MAX_RAW) {
		free(buf);
		snprintf(errbuf, errbuf_size, "PKCS#11 token returned a %lu-byte signature (%zu expected)",
			(unsigned long)blen, want);
		return FWG_MALFORMED;
	}
	enum fwg_status st = FWG_OK;
	if (alg == FWG_ALG_ECDSA_P256 || alg == FWG_ALG_ECDSA_P384) {
		st = ecdsa_der(buf, want / 2, sig, sig_len);
		free(buf);
	} else {
		*sig = buf;
		*sig_len = want;
	}
	return st;
}
