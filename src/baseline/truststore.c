/*
 * truststore.c - the trust store of baseline signing keys.
 *
 * Format (JSON, duplicate member names refused):
 *   {"keys": [{"name": "ops-2025",
 *              "public_key": "-----BEGIN PUBLIC KEY-----..."   (or a certificate)
 *                  | "public_key_file": "ops-2025.pem",        (relative to the store)
 *              "key_id": "<64 hex>",                            (optional, checked)
 *              "not_before": "2025-01-01T00:00:00Z",            (optional)
 *              "not_after": "2027-01-01T00:00:00Z"}],           (optional)
 *    "revoked": [{"key_id": "<64 hex>", "reason": "...", "revoked_at": "..."}]}
 *
 * Invariants after a successful load: every key is a supported signing
 * key (ECDSA P-256/P-384, RSA >= 3072 bits, Ed25519) with its key id
 * computed from the key itself (a declared key_id that differs is an
 * error, not a silent override); no two keys share an id; a window has
 * not_before < not_after.  Other members are ignored, so stores can carry
 * comments.  A revoked key id need not be in "keys".
 */
#include <ctype.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "signing_internal.h"

#define MAX_NAME 127
#define MAX_REASON 511

struct revoked_key {
	char key_id[65];
	char *reason;
	int64_t revoked_at;
};

struct fwg_trust_store {
	struct fwg_trust_key *keys;
	size_t nkeys;
	struct revoked_key *revoked;
	size_t nrevoked;
};

void fwg_trust_store_free(struct fwg_trust_store *store)
{
	if (!store)
		return;
	for (size_t i = 0; i < store->nkeys; i++) {
		free(store->keys[i].name);
		EVP_PKEY_free(store->keys[i].pkey);
	}
	for (size_t i = 0; i < store->nrevoked; i++)
		free(store->revoked[i].reason);
	free(store->keys);
	free(store->revoked);
	free(store);
}

const struct fwg_trust_key *fwg_trust_store_find(const struct fwg_trust_store *store,
		const char *key_id)
{
	for (size_t i = 0; i < store->nkeys; i++)
		if (strcmp(store->keys[i].key_id, key_id) == 0)
			return &store->keys[i];
	return NULL;
}

bool fwg_trust_store_revoked(const struct fwg_trust_store *store, const char *key_id,
		const char **reason, int64_t *revoked_at)
{
	for (size_t i = 0; i < store->nrevoked; i++)
		if (strcmp(store->revoked[i].key_id, key_id) == 0) {
			*reason = store->revoked[i].reason ? store->revoked[i].reason : "";
			*revoked_at = store->revoked[i].revoked_at;
			return true;
		}
	return false;
}

/* A 64-hex-digit id in either case, lower-cased into out. */
static bool key_id_value(const char *s, char out[65])
{
	size_t n = strlen(s);
	if (n != 64)
		return false;
	for (size_t i = 0; i < 64; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	out[64] = '\0';
	return fwg_sig_is_hex64(out);
}

static EVP_PKEY *parse_public_pem(const char *pem, size_t len)
{
	EVP_PKEY *pkey = NULL;
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	if (bio)
		pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (!pkey && (bio = BIO_new_mem_buf(pem, (int)len)) != NULL) {
		X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		if (x)
			pkey = X509_get_pubkey(x);
		X509_free(x);
		BIO_free(bio);
	}
	ERR_clear_error();
	return pkey;
}

static enum fwg_status time_member(json_t *obj, const char *name, bool *has, int64_t *out,
		const char *where, char *errbuf, size_t errbuf_size)
{
	json_t *v = json_object_get(obj, name);
	*has = false;
	if (!v)
		return FWG_OK;
	if (!json_is_string(v) || !fwg_rfc3339_parse(json_string_value(v), out)) {
		snprintf(errbuf, errbuf_size,
			"trust store: %s: %s is not an RFC 3339 time like 2025-01-01T00:00:00Z", where,
			name);
		return FWG_MALFORMED;
	}
	*has = true;
	return FWG_OK;
}

static enum fwg_status load_key_pem(json_t *k, const char *base_dir, const char *where,
		EVP_PKEY **out, char *errbuf, size_t errbuf_size)
{
	json_t *pem = json_object_get(k, "public_key");
	json_t *file = json_object_get(k, "public_key_file");
	if ((pem != NULL) == (file != NULL) || (pem && !json_is_string(pem))
			|| (file && !json_is_string(file))) {
		snprintf(errbuf, errbuf_size,
			"trust store: %s: give exactly one of public_key (PEM text) or public_key_file",
			where);
		return FWG_MALFORMED;
	}
	char *text = NULL;
	size_t len;
	if (pem) {
		len = json_string_length(pem);
		if (len > FWG_SIG_MAX_PEM) {
			snprintf(errbuf, errbuf_size, "trust store: %s: public_key longer than %u bytes",
				where, FWG_SIG_MAX_PEM);
			return FWG_LIMIT;
		}
		*out = parse_public_pem(json_string_value(pem), len);
	} else {
		const char *name = json_string_value(file);
		if (!base_dir) {
			snprintf(errbuf, errbuf_size, "trust store: %s: public_key_file not allowed here",
				where);
			return FWG_UNSUPPORTED;
		}
		char path[4096];
		int n = name[0] == '/' ? snprintf(path, sizeof(path), "%s", name)
			: snprintf(path, sizeof(path), "%s/%s", base_dir, name);
		if (n < 0 || (size_t)n >= sizeof(path)) {
			snprintf(errbuf, errbuf_size, "trust store: %s: public_key_file path too long",
				where);
			return FWG_LIMIT;
		}
		char err[256];
		enum fwg_status st = fwg_sig_read_file(path, FWG_SIG_MAX_PEM, &text, &len, err,
			sizeof(err));
		if (st != FWG_OK) {
			snprintf(errbuf, errbuf_size, "trust store: %s: %s", where, err);
			return st;
		}
		*out = parse_public_pem(text, len);
		free(text);
	}
	if (!*out) {
		snprintf(errbuf, errbuf_size,
			"trust store: %s: not a PEM public key (BEGIN PUBLIC KEY) or certificate", where);
		return FWG_MALFORMED;
	}
	return FWG_OK;
}

static enum fwg_status parse_key(json_t *k, size_t index, const char *base_dir,
		struct fwg_trust_store *store, char *errbuf, size_t errbuf_size)
{
	char where[200];
	json_t *name = json_object_get(k, "name");
	if (!json_is_object(k) || !json_is_string(name) || json_string_length(name) == 0
			|| json_string_length(name) > MAX_NAME
			|| strlen(json_string_value(name)) != json_string_length(name)) {
		snprintf(errbuf, errbuf_size,
			"trust store: keys[%zu] must be an object with a name of 1..%d characters", index,
			MAX_NAME);
		return FWG_MALFORMED;
	}
	snprintf(where, sizeof(where), "keys[%zu] (%s)", index, json_string_value(name));
	struct fwg_trust_key *tk = &store->keys[store->nkeys];
	memset(tk, 0, sizeof(*tk));
	enum fwg_status st = load_key_pem(k, base_dir, where, &tk->pkey, errbuf, errbuf_size);
	if (st != FWG_OK)
		return st;
	store->nkeys++; /* owned by the store from here, freed with it */
	tk->name = strdup(json_string_value(name));
	if (!tk->name) {
		snprintf(errbuf, errbuf_size, "out of memory");
		return FWG_NOMEM;
	}
	char err[200];
	tk->alg = fwg_sig_key_alg(tk->pkey, err, sizeof(err));
	if (tk->alg == FWG_ALG_NONE) {
		snprintf(errbuf, errbuf_size, "trust store: %s: %s", where, err);
		return FWG_UNSUPPORTED;
	}
	if (!fwg_sig_key_id(tk->pkey, tk->key_id)) {
		snprintf(errbuf, errbuf_size, "trust store: %s: cannot encode the key", where);
		return FWG_MALFORMED;
	}
	json_t *declared = json_object_get(k, "key_id");
	if (declared) {
		char id[65];
		if (!json_is_string(declared) || !key_id_value(json_string_value(declared), id)) {
			snprintf(errbuf, errbuf_size, "trust store: %s: key_id must be 64 hex digits",
				where);
			return FWG_MALFORMED;
		}
		if (strcmp(id, tk->key_id) != 0) {
			snprintf(errbuf, errbuf_size,
				"trust store: %s: declared key_id %s does not match the key (%s)", where, id,
				tk->key_id);
			return FWG_MALFORMED;
		}
	}
	st = time_member(k, "not_before", &tk->has_not_before, &tk->not_before, where, errbuf,
		errbuf_size);
	if (st == FWG_OK)
		st = time_member(k, "not_after", &tk->has_not_after, &tk->not_after, where, errbuf,
			errbuf_size);
	if (st != FWG_OK)
		return st;
	if (tk->has_not_before && tk->has_not_after && tk->not_before >= tk->not_after) {
		snprintf(errbuf, errbuf_size, "trust store: %s: not_before is not before not_after",
			where);
		return FWG_MALFORMED;
	}
	for (size_t i = 0; i + 1 < store->nkeys; i++)
		if (strcmp(store->keys[i].key_id, tk->key_id) == 0) {
			snprintf(errbuf, errbuf_size,
				"trust store: %s: same key as keys[%zu] (%s); give each key once", where, i,
				store->keys[i].name);
			return FWG_MALFORMED;
		}
	return FWG_OK;
}

static enum fwg_status parse_revoked(json_t *r, size_t index, struct fwg_trust_store *store,
		char *errbuf, size_t errbuf_size)
{
	json_t *id = json_object_get(r, "key_id");
	json_t *reason = json_object_get(r, "reason");
	struct revoked_key *rk = &store->revoked[store->nrevoked];
	memset(rk, 0, sizeof(*rk));
	if (!json_is_object(r) || !json_is_string(id)
			|| !key_id_value(json_string_value(id), rk->key_id)) {
		snprintf(errbuf, errbuf_size,
			"trust store: revoked[%zu] must be an object with a key_id of 64 hex digits", index);
		return FWG_MALFORMED;
	}
	if (reason && (!json_is_string(reason) || json_string_length(reason) > MAX_REASON)) {
		snprintf(errbuf, errbuf_size,
			"trust store: revoked[%zu]: reason must be a string of at most %d bytes", index,
			MAX_REASON);
		return FWG_MALFORMED;
	}
	char where[32];
	snprintf(where, sizeof(where), "revoked[%zu]", index);
	bool has;
	enum fwg_status st = time_member(r, "revoked_at", &has, &rk->revoked_at, where, errbuf,
		errbuf_size);
	if (st != FWG_OK)
		return st;
	if (reason) {
		/* strndup: a reason with an escaped NUL is cut there */
		rk->reason = strndup(json_string_value(reason), json_string_length(reason));
		if (!rk->reason) {
			snprintf(errbuf, errbuf_size, "out of memory");
			return FWG_NOMEM;
		}
	}
	store->nrevoked++;
	return FWG_OK;
}

enum fwg_status fwg_trust_store_parse(const char *text, size_t len, const char *base_dir,
		struct fwg_trust_store **out, char *errbuf, size_t errbuf_size)
{
	*out = NULL;
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		snprintf(errbuf, errbuf_size, "trust store: invalid JSON at line %d column %d: %s",
			jerr.line, jerr.column, jerr.text);
		return FWG_MALFORMED;
	}
	enum fwg_status st = FWG_MALFORMED;
	struct fwg_trust_store *store = calloc(1, sizeof(*store));
	json_t *keys = json_object_get(root, "keys");
	json_t *revoked = json_object_get(root, "revoked");
	if (!store) {
		st = FWG_NOMEM;
		snprintf(errbuf, errbuf_size, "out of memory");
		goto out;
	}
	if (!json_is_object(root) || !json_is_array(keys)
			|| (revoked && !json_is_array(revoked))) {
		snprintf(errbuf, errbuf_size,
			"trust store: expected an object with a \"keys\" array (and optionally \"revoked\")");
		goto out;
	}
	size_t nk = json_array_size(keys), nr = revoked ? json_array_size(revoked) : 0;
	if (nk > FWG_SIG_MAX_KEYS || nr > FWG_SIG_MAX_REVOKED) {
		snprintf(errbuf, errbuf_size, "trust store: more than %u keys or %u revoked keys",
			FWG_SIG_MAX_KEYS, FWG_SIG_MAX_REVOKED);
		st = FWG_LIMIT;
		goto out;
	}
	store->keys = calloc(nk ? nk : 1, sizeof(*store->keys));
	store->revoked = calloc(nr ? nr : 1, sizeof(*store->revoked));
	if (!store->keys || !store->revoked) {
		st = FWG_NOMEM;
		snprintf(errbuf, errbuf_size, "out of memory");
		goto out;
	}
	st = FWG_OK;
	for (size_t i = 0; i < nk && st == FWG_OK; i++)
		st = parse_key(json_array_get(keys, i), i, base_dir, store, errbuf, errbuf_size);
	for (size_t i = 0; i < nr && st == FWG_OK; i++)
		st = parse_revoked(json_array_get(revoked, i), i, store, errbuf, errbuf_size);
out:
	json_decref(root);
	if (st != FWG_OK) {
		fwg_trust_store_free(store);
		return st;
	}
	*out = store;
	return FWG_OK;
}

enum fwg_status fwg_trust_store_load(const char *path, struct fwg_trust_store **out,
		char *errbuf, size_t errbuf_size)
{
	*out = NULL;
	char *text;
	size_t len;
	enum fwg_status st = fwg_sig_read_file(path, FWG_SIG_MAX_STORE, &text, &len, errbuf,
		errbuf_size);
	if (st != FWG_OK)
		return st;
	char dir[4096];
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	st = fwg_trust_store_parse(text, len, dir, out, errbuf, errbuf_size);
	free(text);
	return st;
}
