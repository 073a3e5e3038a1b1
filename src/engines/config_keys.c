/*
 * config_keys.c - private keys, certificates and known insecure keys.
 *
 * Where keys are looked for:
 *   PEM blocks ("-----BEGIN <label>-----" ... "-----END <label>-----") in
 *   files of kind private_key/certificate/public_key and in any text,
 *   config or script file (keys embedded in configuration); at most
 *   MAX_BLOCKS per file;
 *   DER: small "data" files that start with an ASN.1 SEQUENCE (30 81/82):
 *   a private key (d2i_AutoPrivateKey), else a certificate, else an SPKI;
 *   OpenSSH keys ("openssh-key-v1\0", RFC 4251 strings) and dropbear host
 *   keys (files under a dropbear/ directory: the same strings, private
 *   parts after the public ones).
 * Every key is identified by the SHA-256 of its DER SubjectPublicKeyInfo
 * (as the openbmc_update handler's key_sha256), whatever its container, so
 * the same key in PEM, DER, OpenSSH or dropbear form gets the same
 * fingerprint here and in other scans of other images.
 *
 * Rules:
 *   key.private_key  high    an unencrypted private key (one finding per
 *                            file: type, bits, fingerprint; other files
 *                            with the same key are named)
 *   cert.expired     medium  notAfter before now (options->now or time())
 *   cert.self_signed low     issuer = subject and the signature verifies
 *                            with its own key
 *   cert.weak_key    medium  RSA/DSA < 2048 bits, EC < 224, MD2/4/5 or SHA-1
 *                            signature
 *   <rule of insecure-keys.txt>  high  an OpenBMC update package signed
 *                            with, an image trusting, or an image holding
 *                            a known insecure key
 * Certificates in trust stores (rules/config/trust-stores.txt: the CA
 * bundles of /etc/ssl/certs and friends) are root CAs on purpose: they are
 * not checked.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "../core/array.h"
#include "config.h"

#define MAX_BLOCKS 256u
#define MAX_DER (64u * 1024)
#define MAX_KEYS_SEEN 4096u
#define MAX_LABEL 40u

struct cfg_key_seen {
	char fp[65];
	char desc[96];          /* "RSA 2048-bit" */
	const struct fwg_node *node;
};

struct cert_findings {
	struct cfg_buf expired, self_signed, weak;
};

struct file_keys {
	struct cfg_buf pubs;    /* insecure public keys trusted by the file */
	const char *pub_rule;
	const char *pub_name;
	unsigned encrypted;
};

/* ---- fingerprints ---- */

static bool fingerprint(EVP_PKEY *pkey, char out[65])
{
	unsigned char *der = NULL;
	int len = i2d_PUBKEY(pkey, &der);
	if (len <= 0)
		return false;
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256(der, (size_t)len, md);
	OPENSSL_free(der);
	for (size_t i = 0; i < sizeof(md); i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return true;
}

static void describe(EVP_PKEY *pkey, char *out, size_t size)
{
	const char *type = EVP_PKEY_get0_type_name(pkey);
	snprintf(out, size, "%s %d-bit", type ? type : "unknown", EVP_PKEY_get_bits(pkey));
}

static const struct cfg_insecure_key *insecure(const struct cfg *c, const char *fp)
{
	for (size_t i = 0; i < c->rules.key_count; i++)
		if (strcmp(c->rules.keys[i].sha256, fp) == 0)
			return &c->rules.keys[i];
	return NULL;
}

static void remember_key(struct cfg *c, const struct fwg_node *node, EVP_PKEY *pkey)
{
	struct cfg_key_seen k;
	memset(&k, 0, sizeof(k));
	if (!fingerprint(pkey, k.fp))
		return;
	describe(pkey, k.desc, sizeof(k.desc));
	k.node = node;
	if (c->key_count >= MAX_KEYS_SEEN)
		return;
	if (!fwg_array_reserve((void **)&c->keys, &c->key_cap, c->key_count, sizeof(*c->keys))) {
		c->a->alloc_failed = true;
		return;
	}
	c->keys[c->key_count++] = k;
}

/* ---- SSH wire format (RFC 4251 section 5) ---- */

struct wire {
	const uint8_t *p;
	size_t left;
};

static bool wire_u32(struct wire *w, uint32_t *v)
{
	if (w->left < 4)
		return false;
	*v = (uint32_t)w->p[0] << 24 | (uint32_t)w->p[1] << 16 | (uint32_t)w->p[2] << 8 | w->p[3];
	w->p += 4;
	w->left -= 4;
	return true;
}

static bool wire_string(struct wire *w, const uint8_t **s, size_t *len)
{
	uint32_t n;
	if (!wire_u32(w, &n) || n > w->left)
		return false;
	*s = w->p;
	*len = n;
	w->p += n;
	w->left -= n;
	return true;
}

static bool wire_is(const uint8_t *s, size_t len, const char *text)
{
	return strlen(text) == len && memcmp(s, text, len) == 0;
}

/* A public key from SSH strings: "ssh-rsa" e n, "ssh-ed25519" key (32
 * bytes, or dropbear's 64 with the public half last), "ecdsa-sha2-*"
 * curve Q.  NULL when unknown or malformed.  *ed25519_priv (when not NULL)
 * tells whether the ed25519 string was dropbear's 64 bytes: private and
 * public halves, so a private key even when nothing follows. */
static EVP_PKEY *ssh_public(struct wire *w, bool *ed25519_priv)
{
	const uint8_t *type, *a, *b;
	size_t tlen, alen, blen;
	if (ed25519_priv)
		*ed25519_priv = false;
	if (!wire_string(w, &type, &tlen))
		return NULL;
	if (wire_is(type, tlen, "ssh-ed25519")) {
		if (!wire_string(w, &a, &alen) || (alen != 32 && alen != 64))
			return NULL;
		if (ed25519_priv)
			*ed25519_priv = alen == 64;
		return EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, a + alen - 32, 32);
	}
	bool rsa = wire_is(type, tlen, "ssh-rsa");
	const char *group = wire_is(type, tlen, "ecdsa-sha2-nistp256") ? "P-256"
		: wire_is(type, tlen, "ecdsa-sha2-nistp384") ? "P-384"
		: wire_is(type, tlen, "ecdsa-sha2-nistp521") ? "P-521" : NULL;
	if (!rsa && !group)
		return NULL;
	if (!wire_string(w, &a, &alen) || !wire_string(w, &b, &blen) || alen > 2048 || blen > 2048)
		return NULL;
	EVP_PKEY *pkey = NULL;
	BIGNUM *e = NULL, *n = NULL;
	OSSL_PARAM *params = NULL;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, rsa ? "RSA" : "EC", NULL);
	if (!bld || !ctx)
		goto out;
	if (rsa) {
		e = BN_bin2bn(a, (int)alen, NULL);
		n = BN_bin2bn(b, (int)blen, NULL);
		if (!e || !n || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
				!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
			goto out;
	} else if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
			!OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, b, blen)) {
		goto out;
	}
	params = OSSL_PARAM_BLD_to_param(bld);
	if (!params || EVP_PKEY_fromdata_init(ctx) <= 0 ||
			EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		pkey = NULL;
out:
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	BN_free(e);
	BN_free(n);
	return pkey;
}

/* openssh-key-v1 (OpenSSH PROTOCOL.key): magic, cipher, kdf, kdf options,
 * key count, public keys, private section.  Sets *encrypted. */
static EVP_PKEY *openssh_key(const uint8_t *d, size_t len, bool *encrypted)
{
	static const char magic[] = "openssh-key-v1";
	if (len < sizeof(magic) || memcmp(d, magic, sizeof(magic)) != 0)
		return NULL;
	struct wire w = { d + sizeof(magic), len - sizeof(magic) };
	const uint8_t *cipher, *s;
	size_t clen, slen;
	uint32_t nkeys;
	if (!wire_string(&w, &cipher, &clen) || !wire_string(&w, &s, &slen) ||
			!wire_string(&w, &s, &slen) || !wire_u32(&w, &nkeys) || nkeys == 0 ||
			!wire_string(&w, &s, &slen))
		return NULL;
	*encrypted = !wire_is(cipher, clen, "none");
	struct wire pub = { s, slen };
	return ssh_public(&pub, NULL);
}

/* ---- PEM ---- */

static int no_password(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return 0;
}

static void check_cert(struct cfg *c, X509 *x, struct cert_findings *cf)
{
	char subject[128];
	X509_NAME_oneline(X509_get_subject_name(x), subject, sizeof(subject));
	const ASN1_TIME *na = X509_get0_notAfter(x);
	if (na && ASN1_TIME_cmp_time_t(na, (time_t)c->now) < 0) {
		struct tm tm;
		char when[32] = "?";
		if (ASN1_TIME_to_tm(na, &tm))
			strftime(when, sizeof(when), "%Y-%m-%d", &tm);
		cfg_buf_add(&cf->expired, "%s (notAfter %s)", subject, when);
	}
	if (X509_self_signed(x, 1) == 1)
		cfg_buf_add(&cf->self_signed, "%s", subject);
	EVP_PKEY *pkey = X509_get0_pubkey(x);
	int bits = pkey ? EVP_PKEY_get_bits(pkey) : 0;
	int id = pkey ? EVP_PKEY_get_base_id(pkey) : 0;
	const char *weak_key = NULL;
	if ((id == EVP_PKEY_RSA || id == EVP_PKEY_DSA) && bits < 2048)
		weak_key = id == EVP_PKEY_RSA ? "RSA" : "DSA";
	else if (id == EVP_PKEY_EC && bits < 224)
		weak_key = "EC";
	int md = NID_undef, pk = NID_undef;
	const char *weak_md = NULL;
	if (OBJ_find_sigid_algs(X509_get_signature_nid(x), &md, &pk) &&
			(md == NID_md5 || md == NID_sha1 || md == NID_md4 || md == NID_md2))
		weak_md = OBJ_nid2sn(md);
	if (weak_key && weak_md)
		cfg_buf_add(&cf->weak, "%s: %s %d-bit key, %s signature", subject, weak_key, bits,
			weak_md);
	else if (weak_key)
		cfg_buf_add(&cf->weak, "%s: %s %d-bit key", subject, weak_key, bits);
	else if (weak_md)
		cfg_buf_add(&cf->weak, "%s: %s signature", subject, weak_md);
}

static void check_public(struct cfg *c, EVP_PKEY *pkey, struct file_keys *fk)
{
	char fp[65];
	if (!fingerprint(pkey, fp))
		return;
	const struct cfg_insecure_key *k = insecure(c, fp);
	if (!k)
		return;
	fk->pub_rule = k->rule;
	fk->pub_name = k->name;
	cfg_buf_add(&fk->pubs, "public key sha256 %s (%s)", fp, k->name);
}

/* Decodes the base64 body of a PEM block (headers skipped) into out. */
static size_t pem_body(const char *s, size_t len, uint8_t *out, size_t cap)
{
	unsigned char quad[4];
	size_t q = 0, n = 0;
	const char *body = s;
	/* skip the BEGIN line and RFC 1421 headers (a blank line ends them) */
	const char *nl = memchr(s, '\n', len);
	if (!nl)
		return 0;
	body = nl + 1;
	for (const char *p = body; p < s + len; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch == '-')
			break;
		if (isalnum(ch) || ch == '+' || ch == '/') {
			quad[q++] = ch;
		} else if (ch == '=') {
			break;
		} else {
			continue;
		}
		if (q == 4) {
			unsigned char tmp[3];
			if (EVP_DecodeBlock(tmp, quad, 4) != 3 || n + 3 > cap)
				return n;
			memcpy(out + n, tmp, 3);
			n += 3;
			q = 0;
		}
	}
	if (q >= 2 && n + 3 <= cap) {
		while (q < 4)
			quad[q++] = 'A';
		unsigned char tmp[3];
		if (EVP_DecodeBlock(tmp, quad, 4) == 3) {
			memcpy(out + n, tmp, 3);
			n += 3;
		}
	}
	return n;
}

static void pem_block(struct cfg *c, const struct fwg_node *file, const char *label,
		const char *block, size_t len, struct cert_findings *cf, struct file_keys *fk,
		bool trust_store)
{
	BIO *bio = BIO_new_mem_buf(block, (int)len);
	if (!bio) {
		c->a->alloc_failed = true;
		return;
	}
	if (strcmp(label, "OPENSSH PRIVATE KEY") == 0) {
		uint8_t *raw = malloc(len);
		if (raw) {
			size_t n = pem_body(block, len, raw, len);
			bool enc = false;
			EVP_PKEY *pkey = openssh_key(raw, n, &enc);
			if (pkey && !enc)
				remember_key(c, file, pkey);
			else if (enc)
				fk->encrypted++;
			EVP_PKEY_free(pkey);
			free(raw);
		} else {
			c->a->alloc_failed = true;
		}
	} else if (strstr(label, "PRIVATE KEY")) {
		EVP_PKEY *pkey = PEM_read_bio_PrivateKey(bio, NULL, no_password, NULL);
		if (pkey)
			remember_key(c, file, pkey);
		else if (strstr(label, "ENCRYPTED") || memmem(block, len, "ENCRYPTED", 9))
			fk->encrypted++;
		EVP_PKEY_free(pkey);
	} else if (strcmp(label, "CERTIFICATE") == 0 || strcmp(label, "X509 CERTIFICATE") == 0 ||
			strcmp(label, "TRUSTED CERTIFICATE") == 0) {
		X509 *x = label[0] == 'T' ? PEM_read_bio_X509_AUX(bio, NULL, no_password, NULL)
			: PEM_read_bio_X509(bio, NULL, no_password, NULL);
		if (x && !trust_store)
			check_cert(c, x, cf);
		X509_free(x);
	} else if (strcmp(label, "PUBLIC KEY") == 0) {
		EVP_PKEY *pkey = PEM_read_bio_PUBKEY(bio, NULL, no_password, NULL);
		if (pkey)
			check_public(c, pkey, fk);
		EVP_PKEY_free(pkey);
	}
	BIO_free(bio);
	ERR_clear_error();
}

static void scan_pem(struct cfg *c, const struct fwg_node *file, struct cert_findings *cf,
		struct file_keys *fk, bool trust_store)
{
	const char *d = (const char *)file->data;
	size_t size = (size_t)file->size, off = 0;
	for (unsigned blocks = 0; blocks < MAX_BLOCKS && off < size; blocks++) {
		const char *begin = memmem(d + off, size - off, "-----BEGIN ", 11);
		if (!begin)
			return;
		size_t at = (size_t)(begin - d) + 11;
		const char *dash = memmem(d + at, size - at, "-----", 5);
		size_t llen = dash ? (size_t)(dash - (d + at)) : 0;
		if (!dash || llen == 0 || llen > MAX_LABEL || memchr(d + at, '\n', llen)) {
			off = at;
			continue;
		}
		char label[MAX_LABEL + 1];
		memcpy(label, d + at, llen);
		label[llen] = '\0';
		char endmark[MAX_LABEL + 20];
		snprintf(endmark, sizeof(endmark), "-----END %s-----", label);
		size_t from = (size_t)(dash - d) + 5;
		const char *end = memmem(d + from, size - from, endmark, strlen(endmark));
		if (!end) {
			off = from;
			continue;
		}
		size_t stop = (size_t)(end - d) + strlen(endmark);
		size_t blen = stop - (size_t)(begin - d);
		pem_block(c, file, label, begin, blen, cf, fk, trust_store);
		off = stop;
	}
}

/* ---- DER and dropbear ---- */

static void scan_der(struct cfg *c, const struct fwg_node *file, struct cert_findings *cf,
		struct file_keys *fk, bool trust_store)
{
	const unsigned char *p = file->data;
	long len = (long)file->size;
	EVP_PKEY *pkey = d2i_AutoPrivateKey(NULL, &p, len);
	if (pkey) {
		remember_key(c, file, pkey);
		EVP_PKEY_free(pkey);
		ERR_clear_error();
		return;
	}
	p = file->data;
	X509 *x = d2i_X509(NULL, &p, len);
	if (x) {
		if (!trust_store)
			check_cert(c, x, cf);
		X509_free(x);
		ERR_clear_error();
		return;
	}
	p = file->data;
	pkey = d2i_PUBKEY(NULL, &p, len);
	if (pkey) {
		check_public(c, pkey, fk);
		EVP_PKEY_free(pkey);
	}
	ERR_clear_error();
}

static void scan_dropbear(struct cfg *c, const struct fwg_node *file)
{
	struct wire w = { file->data, (size_t)file->size };
	bool ed25519_priv;
	EVP_PKEY *pkey = ssh_public(&w, &ed25519_priv);
	/* a host key holds private parts after the public ones (RSA, ECDSA), or
	 * in the one ed25519 string, with nothing after it */
	if (pkey && (w.left > 0 || ed25519_priv))
		remember_key(c, file, pkey);
	EVP_PKEY_free(pkey);
	ERR_clear_error();
}

static void report_file(struct cfg *c, const struct fwg_node *file, const char *path,
		const struct cert_findings *cf, const struct file_keys *fk)
{
	char msg[512];
	static const struct { const char *rule; enum fwg_level sev; const char *what;
		const char *fix; } certs[] = {
		{ "cert.expired", FWG_LEVEL_MEDIUM, "expired certificate(s)",
			"Renew the certificate; generate device certificates at first boot." },
		{ "cert.self_signed", FWG_LEVEL_LOW, "self-signed certificate(s)",
			"Use a certificate issued by a CA the clients trust, generated per device." },
		{ "cert.weak_key", FWG_LEVEL_MEDIUM, "certificate(s) with a weak key or signature",
			"Reissue with RSA >= 2048 bits or EC >= 256 bits and a SHA-256 signature." },
	};
	const struct cfg_buf *bufs[3] = { &cf->expired, &cf->self_signed, &cf->weak };
	for (size_t i = 0; i < 3; i++) {
		if (!bufs[i]->items)
			continue;
		snprintf(msg, sizeof(msg), "%s: %u %s", path, bufs[i]->items, certs[i].what);
		fwg_report(c->a, &(struct fwg_finding_desc){
			.rule = certs[i].rule, .severity = certs[i].sev,
			.confidence = FWG_CONFIDENCE_HIGH, .node = file, .message = msg,
			.evidence = bufs[i]->text, .remediation = certs[i].fix });
	}
	if (fk->pubs.items) {
		snprintf(msg, sizeof(msg), "%s: the image trusts %s", path, fk->pub_name);
		fwg_report(c->a, &(struct fwg_finding_desc){
			.rule = fk->pub_rule, .severity = FWG_LEVEL_HIGH,
			.confidence = FWG_CONFIDENCE_HIGH, .node = file, .message = msg,
			.evidence = fk->pubs.text,
			.remediation = "Replace the publicly known key with a production key kept "
				"secret." });
	}
}

void cfg_keys_file(struct cfg *c, const struct fwg_node *file, const char *path)
{
	if (file->size > CFG_MAX_FILE)
		return;
	const char *kind = file->fs ? file->fs->kind : "";
	bool trust_store = false;
	for (size_t i = 0; i < c->rules.trust_stores.count && !trust_store; i++)
		trust_store = strstr(path, c->rules.trust_stores.items[i]) != NULL;
	struct cert_findings cf;
	struct file_keys fk;
	memset(&cf, 0, sizeof(cf));
	memset(&fk, 0, sizeof(fk));
	bool pem_kind = strcmp(kind, "private_key") == 0 || strcmp(kind, "certificate") == 0 ||
		strcmp(kind, "public_key") == 0;
	if (pem_kind || ((cfg_is_text_kind(file) || strcmp(kind, "data") == 0) &&
			memmem(file->data, (size_t)file->size, "-----BEGIN ", 11))) {
		scan_pem(c, file, &cf, &fk, trust_store);
	} else if (strcmp(kind, "data") == 0 && file->size >= 4 && file->size <= MAX_DER) {
		if (strstr(path, "/dropbear/") && file->data[0] == 0 && file->data[1] == 0)
			scan_dropbear(c, file);
		else if (file->data[0] == 0x30 && (file->data[1] == 0x81 || file->data[1] == 0x82))
			scan_der(c, file, &cf, &fk, trust_store);
	}
	/* An update package's own publickey is reported on the package. */
	const struct fwg_node *fs = fwg_node_filesystem(file);
	if (fs && fs->type == FWG_TYPE_OPENBMC_UPDATE)
		fk.pubs.items = 0;
	report_file(c, file, path, &cf, &fk);
}

void cfg_keys_update_package(struct cfg *c, const struct fwg_node *update)
{
	const char *fp = fwg_node_attr(update, "key_sha256");
	if (!fp)
		return;
	const struct cfg_insecure_key *k = insecure(c, fp);
	if (!k)
		return;
	const char *sig = fwg_node_attr(update, "full_signature");
	char msg[256], ev[256];
	snprintf(msg, sizeof(msg), "update package signed with %s", k->name);
	snprintf(ev, sizeof(ev), "key_sha256 %s; full_signature %s", fp, sig ? sig : "unknown");
	fwg_report(c->a, &(struct fwg_finding_desc){
		.rule = k->rule, .severity = FWG_LEVEL_HIGH, .confidence = FWG_CONFIDENCE_HIGH,
		.node = update, .message = msg, .evidence = ev,
		.remediation = "Sign releases with a production key kept secret, and remove the "
			"development key from /etc/activationdata on the BMC." });
}

void cfg_keys_finish(struct cfg *c)
{
	/* One finding per file: its keys, and where else each one appears. */
	for (size_t i = 0; i < c->key_count; i++) {
		const struct fwg_node *node = c->keys[i].node;
		bool first = true;
		for (size_t j = 0; j < i && first; j++)
			first = c->keys[j].node != node;
		if (!first)
			continue;
		struct cfg_buf ev = { .len = 0 };
		struct cfg_buf also = { .len = 0 };
		const struct cfg_insecure_key *bad = NULL;
		unsigned nkeys = 0;
		for (size_t j = i; j < c->key_count; j++) {
			if (c->keys[j].node != node)
				continue;
			nkeys++;
			cfg_buf_add(&ev, "%s, public key sha256 %s", c->keys[j].desc, c->keys[j].fp);
			if (!bad)
				bad = insecure(c, c->keys[j].fp);
			for (size_t k = 0; k < c->key_count; k++) {
				if (c->keys[k].node == node || strcmp(c->keys[k].fp, c->keys[j].fp) != 0)
					continue;
				const char *p = fwg_node_fs_path(c->keys[k].node);
				if (also.items < 8 && p && !strstr(also.text, p))
					cfg_buf_add(&also, "%s", p);
			}
		}
		const char *path = fwg_node_fs_path(node);
		char msg[768];
		snprintf(msg, sizeof(msg), "%s: %u unencrypted private key(s)%s%s", path ? path : "?",
			nkeys, also.items ? "; the same key is also in " : "",
			also.items ? also.text : "");
		fwg_report(c->a, &(struct fwg_finding_desc){
			.rule = "key.private_key", .severity = FWG_LEVEL_HIGH,
			.confidence = FWG_CONFIDENCE_HIGH, .node = node, .message = msg,
			.evidence = ev.text,
			.remediation = "Do not ship private keys: generate them on each device at first "
				"boot (or keep them in a TPM/secure element)." });
		if (bad) {
			snprintf(msg, sizeof(msg), "%s: the image holds the private half of %s",
				path ? path : "?", bad->name);
			fwg_report(c->a, &(struct fwg_finding_desc){
				.rule = bad->rule, .severity = FWG_LEVEL_HIGH,
				.confidence = FWG_CONFIDENCE_HIGH, .node = node, .message = msg,
				.evidence = ev.text,
				.remediation = "Replace the publicly known key with a production key." });
		}
	}
}

void cfg_keys_free(struct cfg *c)
{
	free(c->keys);
	c->keys = NULL;
	c->key_count = c->key_cap = 0;
}
