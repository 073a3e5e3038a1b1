/*
 * openbmc_update.c - OpenBMC firmware update tarballs, as built by
 * meta-phosphor's image_types_phosphor.bbclass and checked by
 * phosphor-bmc-code-mgmt (image_verify.cpp).
 *
 * Layout: a tar archive (read with tar.c) whose members are
 *   image-u-boot, image-kernel, image-rofs, image-rwfs   (or image-bmc,
 *                       the whole flash; optional image-hostfw, ...)
 *   MANIFEST            "key=value" lines: purpose, version, KeyType,
 *                       HashType (RSA-SHA256), MachineName,
 *                       ExtendedVersion, CompatibleName (repeatable)
 *   publickey           PEM public key of the signer
 *   F.sig               PKCS#1 v1.5 signature of F with HashType, made by
 *                       `openssl dgst -sha256 -sign KEY -out F.sig F`
 *   image-full.sig      signature of the concatenation of .sig files
 * The build concatenates the .sig files in `sort` order of the build
 * host's locale; the BMC's verifier concatenates a fixed list, skipping
 * absent files: image-bmc, image-hostfw, image-kernel, image-rofs,
 * image-rwfs, image-u-boot, MANIFEST, publickey (each ".sig").  The
 * fixed list is what a BMC accepts; C-locale order is tried as well and
 * reported as such when only it verifies.
 *
 * What is reported: MANIFEST fields as attributes of the update node;
 * per file a `signature` attribute "valid", "invalid", "missing" (or
 * "unverified" when the key or hash is unusable) with a diagnostic for
 * the last three; `full_signature` likewise; `key_sha256`, the SHA-256 of
 * the DER SubjectPublicKeyInfo.  A valid signature only shows that the
 * package matches the key it carries: on a BMC, MANIFEST.sig and
 * publickey.sig are checked against keys in /etc/activationdata, so
 * engines compare key_sha256 with known keys (OpenBMC's public
 * development key signs many images).
 *
 * Invariants: file contents are the tar's windows (never copied, except
 * the .sig concatenation, at most MAX_FULL_CONCAT bytes); MANIFEST is
 * read up to MAX_MANIFEST bytes and its values are escaped.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "fs.h"
#include "handler.h"
#include "registry.h"
#include "tar.h"
#include "text.h"

#define PROBE_MEMBERS 16u
#define MAX_MANIFEST (64u * 1024)
#define MAX_VALUE 256u
#define MAX_PUBLICKEY (64u * 1024)
#define MAX_SIG_FILES 64u
#define MAX_FULL_CONCAT (1u << 20)
/* Verification work is bounded: hard links can make one large file appear
 * under many names. */
#define MAX_VERIFIED_FILES 256u
#define VERIFY_SLACK (1u << 20)
#define SIG_SUFFIX ".sig"
#define SIG_SUFFIX_LEN 4u
#define FULL_SIG "image-full.sig"
#define DEFAULT_HASH "RSA-SHA256"

/* Order in which phosphor-bmc-code-mgmt concatenates for image-full.sig. */
static const char *const verifier_order[] = {
	"image-bmc.sig", "image-hostfw.sig", "image-kernel.sig", "image-rofs.sig",
	"image-rwfs.sig", "image-u-boot.sig", "MANIFEST.sig", "publickey.sig",
};

struct manifest_key {
	const char *name;   /* as in MANIFEST */
	const char *attr;   /* attribute key (literal) */
};

static const struct manifest_key manifest_keys[] = {
	{ "purpose", "purpose" },
	{ "version", "version" },
	{ "KeyType", "key_type" },
	{ "HashType", "hash_type" },
	{ "MachineName", "machine_name" },
	{ "ExtendedVersion", "extended_version" },
};

struct update {
	struct fwg_node *node;
	uint64_t verified_files, verified_bytes, verify_budget;
	bool budget_reported;
	struct fwg_fs_builder *b;
	EVP_PKEY *key;
	const EVP_MD *md;
	char hash_name[MAX_VALUE];
};

static int openbmc_update_probe(const struct fwg_cursor *body)
{
	if (fwg_tar_header_at(body, 0) == FWG_TAR_NONE)
		return 0;
	return fwg_tar_has_member(body, "MANIFEST", PROBE_MEMBERS) ? 95 : 0;
}

/* Bytes of a file entry at the archive root, or NULL. */
static struct fwg_node *root_file(struct update *up, const char *name)
{
	struct fwg_node *n = fwg_fs_lookup(up->b, name, strlen(name));
	return n && n->type == FWG_TYPE_FILE ? n : NULL;
}

static bool file_bytes(const struct fwg_node *n, const uint8_t **p, size_t *len)
{
	if (!n->data && n->size)
		return false;
	*p = n->data ? n->data : (const uint8_t *)"";
	*len = (size_t)n->size;
	return true;
}

/* ---- MANIFEST ---------------------------------------------------------- */

static void manifest_line(struct update *up, const char *line, size_t len, char *compat,
		size_t compat_cap, size_t *compat_len)
{
	const char *eq = memchr(line, '=', len);
	if (!eq)
		return;
	size_t klen = (size_t)(eq - line), vlen = len - klen - 1;
	const char *value = eq + 1;
	if (vlen && value[vlen - 1] == '\r')
		vlen--;
	if (vlen > MAX_VALUE)
		vlen = MAX_VALUE;
	char *text = fwg_text_escape_name(value, vlen);
	if (!text) {
		up->node->alloc_failed = true;
		return;
	}
	if (klen == 14 && memcmp(line, "CompatibleName", 14) == 0) {
		size_t tl = strlen(text);
		if (*compat_len + tl + 2 < compat_cap) {
			if (*compat_len)
				compat[(*compat_len)++] = ',';
			memcpy(compat + *compat_len, text, tl + 1);
			*compat_len += tl;
		}
	}
	for (size_t i = 0; i < sizeof(manifest_keys) / sizeof(manifest_keys[0]); i++) {
		const struct manifest_key *k = &manifest_keys[i];
		if (strlen(k->name) == klen && memcmp(line, k->name, klen) == 0) {
			fwg_node_attr_str(up->node, k->attr, text);
			if (strcmp(k->name, "HashType") == 0)
				snprintf(up->hash_name, sizeof(up->hash_name), "%s", text);
		}
	}
	free(text);
}

static void read_manifest(struct update *up)
{
	struct fwg_node *m = root_file(up, "MANIFEST");
	const uint8_t *p;
	size_t len;
	if (!m || !file_bytes(m, &p, &len)) {
		FWG_ERR(up->node, "openbmc_update.no_manifest", 0, "archive has no MANIFEST file");
		return;
	}
	if (len > MAX_MANIFEST) {
		FWG_WARN(m, "openbmc_update.manifest_size", 0,
			"MANIFEST of 0x%zx bytes, only the first 0x%x read", len, MAX_MANIFEST);
		len = MAX_MANIFEST;
	}
	char compat[1024];
	size_t compat_len = 0;
	compat[0] = '\0';
	const char *text = (const char *)p;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len;
		manifest_line(up, text + i, end - i, compat, sizeof(compat), &compat_len);
		i = end + 1;
	}
	if (compat_len)
		fwg_node_attr_str(up->node, "compatible_names", compat);
}

/* ---- key and signatures ---------------------------------------------- */

static void read_key(struct update *up)
{
	struct fwg_node *k = root_file(up, "publickey");
	const uint8_t *p;
	size_t len;
	if (!k || !file_bytes(k, &p, &len)) {
		FWG_ERR(up->node, "openbmc_update.no_publickey", 0,
			"archive has no publickey file: signatures cannot be checked");
		return;
	}
	if (len > MAX_PUBLICKEY || len == 0) {
		FWG_ERR(k, "openbmc_update.publickey", 0, "publickey of 0x%zx bytes is not a key", len);
		return;
	}
	BIO *bio = BIO_new_mem_buf(p, (int)len);
	if (!bio) {
		up->node->alloc_failed = true;
		return;
	}
	up->key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (!up->key) {
		FWG_ERR(k, "openbmc_update.publickey", 0, "publickey is not a PEM public key");
		return;
	}
	unsigned char *der = NULL;
	int dlen = i2d_PUBKEY(up->key, &der);
	if (dlen > 0) {
		unsigned char digest[SHA256_DIGEST_LENGTH];
		char hex[2 * SHA256_DIGEST_LENGTH + 1];
		SHA256(der, (size_t)dlen, digest);
		for (size_t i = 0; i < sizeof(digest); i++)
			snprintf(hex + 2 * i, 3, "%02x", digest[i]);
		fwg_node_attr_str(up->node, "key_sha256", hex);
		fwg_node_attr_str(k, "key_sha256", hex);
	}
	OPENSSL_free(der);
	int id = EVP_PKEY_get_base_id(up->key);
	fwg_node_attr_str(up->node, "key_algorithm", id == EVP_PKEY_RSA ? "rsa" :
		id == EVP_PKEY_EC ? "ec" : "other");
	fwg_node_attr_int(up->node, "key_bits", (uint64_t)EVP_PKEY_get_bits(up->key));
}

static void pick_hash(struct update *up)
{
	if (!up->hash_name[0])
		snprintf(up->hash_name, sizeof(up->hash_name), "%s", DEFAULT_HASH);
	up->md = EVP_get_digestbyname(up->hash_name);
	if (!up->md)
		FWG_ERR(up->node, "openbmc_update.hash_type", 0,
			"HashType \"%s\" is not a known digest: signatures cannot be checked",
			up->hash_name);
}

/* 1 valid, 0 invalid, -1 cannot check. */
static int verify(struct update *up, const uint8_t *data, size_t len, const uint8_t *sig,
		size_t sig_len)
{
	if (!up->key || !up->md)
		return -1;
	if (up->verified_files >= MAX_VERIFIED_FILES || len > up->verify_budget - up->verified_bytes) {
		if (!up->budget_reported)
			FWG_WARN(up->node, "openbmc_update.verify_budget", 0,
				"more signed data than the archive holds (hard links?): "
				"further signatures left unverified");
		up->budget_reported = true;
		return -1;
	}
	up->verified_files++;
	up->verified_bytes += len;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx) {
		up->node->alloc_failed = true;
		return -1;
	}
	int ok = EVP_DigestVerifyInit(ctx, NULL, up->md, NULL, up->key) == 1 &&
		EVP_DigestVerify(ctx, sig, sig_len, data, len) == 1;
	EVP_MD_CTX_free(ctx);
	return ok ? 1 : 0;
}

static const char *verdict_text(int v)
{
	return v > 0 ? "valid" : v == 0 ? "invalid" : "unverified";
}

static bool is_sig_name(const char *name)
{
	size_t n = strlen(name);
	return n > SIG_SUFFIX_LEN && strcmp(name + n - SIG_SUFFIX_LEN, SIG_SUFFIX) == 0;
}

/* Checks F.sig for every regular file F at the archive root. */
static enum fwg_status verify_files(struct update *up, uint64_t *valid, uint64_t *bad)
{
	struct fwg_node *root = up->node;
	for (size_t i = 0; i < root->child_count; i++) {
		struct fwg_node *f = root->children[i];
		if (f->type != FWG_TYPE_FILE || !f->name || is_sig_name(f->name))
			continue;
		size_t nl = strlen(f->name);
		char *sig_name = malloc(nl + SIG_SUFFIX_LEN + 1);
		if (!sig_name)
			return FWG_NOMEM;
		memcpy(sig_name, f->name, nl);
		memcpy(sig_name + nl, SIG_SUFFIX, SIG_SUFFIX_LEN + 1);
		struct fwg_node *s = root_file(up, sig_name);
		const uint8_t *data, *sig;
		size_t dlen, slen;
		if (!s) {
			fwg_node_attr_str(f, "signature", "missing");
			FWG_WARN(f, "openbmc_update.signature_missing", 0, "%s has no %s", f->name,
				sig_name);
			(*bad)++;
		} else if (!file_bytes(f, &data, &dlen) || !file_bytes(s, &sig, &slen)) {
			fwg_node_attr_str(f, "signature", "unverified");
			(*bad)++;
		} else {
			int v = verify(up, data, dlen, sig, slen);
			fwg_node_attr_str(f, "signature", verdict_text(v));
			fwg_node_attr_str(s, "signs", f->name);
			if (v > 0) {
				(*valid)++;
			} else {
				(*bad)++;
				if (v == 0)
					FWG_ERR(f, "openbmc_update.signature_invalid", 0,
						"%s does not verify %s with the package's publickey "
						"(%s)", sig_name, f->name, up->hash_name);
			}
		}
		free(sig_name);
	}
	return FWG_OK;
}

static int name_cmp(const void *a, const void *b)
{
	const struct fwg_node *const *x = a, *const *y = b;
	return strcmp((*x)->name, (*y)->name);
}

/* Concatenation of the .sig files in the given order into buf. */
static bool concat(const struct fwg_node *const *sigs, size_t count, uint8_t *buf, size_t cap,
		size_t *len)
{
	*len = 0;
	for (size_t i = 0; i < count; i++) {
		const uint8_t *p;
		size_t l;
		if (!file_bytes(sigs[i], &p, &l) || l > cap - *len)
			return false;
		memcpy(buf + *len, p, l);
		*len += l;
	}
	return true;
}

static enum fwg_status verify_full(struct update *up)
{
	struct fwg_node *full = root_file(up, FULL_SIG);
	if (!full) {
		fwg_node_attr_str(up->node, "full_signature", "missing");
		FWG_WARN(up->node, "openbmc_update.full_signature_missing", 0,
			"archive has no %s", FULL_SIG);
		return FWG_OK;
	}
	const struct fwg_node *fixed[sizeof(verifier_order) / sizeof(verifier_order[0])];
	const struct fwg_node *all[MAX_SIG_FILES];
	size_t nfixed = 0, nall = 0;
	for (size_t i = 0; i < sizeof(verifier_order) / sizeof(verifier_order[0]); i++) {
		struct fwg_node *s = root_file(up, verifier_order[i]);
		if (s)
			fixed[nfixed++] = s;
	}
	struct fwg_node *root = up->node;
	for (size_t i = 0; i < root->child_count && nall < MAX_SIG_FILES; i++) {
		struct fwg_node *s = root->children[i];
		if (s->type == FWG_TYPE_FILE && s->name && is_sig_name(s->name) &&
				strcmp(s->name, FULL_SIG) != 0)
			all[nall++] = s;
	}
	qsort(all, nall, sizeof(all[0]), name_cmp);
	const uint8_t *sig;
	size_t slen, len;
	uint8_t *buf = malloc(MAX_FULL_CONCAT);
	if (!buf)
		return FWG_NOMEM;
	int v = -1;
	const char *order = NULL;
	if (!file_bytes(full, &sig, &slen)) {
		v = -1;
	} else if (concat(fixed, nfixed, buf, MAX_FULL_CONCAT, &len) &&
			(v = verify(up, buf, len, sig, slen)) > 0) {
		order = "phosphor";
	} else if (v == 0 && concat(all, nall, buf, MAX_FULL_CONCAT, &len) &&
			verify(up, buf, len, sig, slen) > 0) {
		v = 1;
		order = "c_locale";
		FWG_WARN(up->node, "openbmc_update.full_signature_order", 0,
			"%s signs the .sig files in C-locale order, which the BMC's verifier "
			"does not use", FULL_SIG);
	}
	free(buf);
	fwg_node_attr_str(up->node, "full_signature", verdict_text(v));
	fwg_node_attr_str(full, "signature_of", "concatenated .sig files");
	if (order)
		fwg_node_attr_str(up->node, "full_signature_order", order);
	if (v == 0)
		FWG_ERR(up->node, "openbmc_update.full_signature_invalid", 0,
			"%s does not verify over the concatenated .sig files", FULL_SIG);
	return FWG_OK;
}

static enum fwg_status openbmc_update_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	struct update up = { .node = node };
	/* Each byte of the archive verified about once (the full signature
	 * re-reads the .sig files), plus slack. */
	up.verify_budget = 2 * (uint64_t)node->body_size + VERIFY_SLACK;
	enum fwg_status st = fwg_fs_begin(u, node, &up.b);
	if (st != FWG_OK)
		return st;
	st = fwg_tar_read(u, node, up.b);
	if (st == FWG_OK) {
		read_manifest(&up);
		read_key(&up);
		pick_hash(&up);
		uint64_t valid = 0, bad = 0;
		st = verify_files(&up, &valid, &bad);
		if (st == FWG_OK)
			st = verify_full(&up);
		fwg_node_attr_int(node, "signatures_valid", valid);
		fwg_node_attr_int(node, "signatures_not_valid", bad);
		if (up.key)
			fwg_node_attr_str(node, "signature_trust", "package_key");
	}
	EVP_PKEY_free(up.key);
	fwg_fs_end(up.b);
	return st;
}

/* The tar magics: the probe then looks for MANIFEST among the members. */
static const struct fwg_magic openbmc_update_magics[] = {
	{ "ustar\0", 6, 257 },
	{ "ustar  \0", 8, 257 },
	{ NULL, 0, 0 },
};

static uint64_t openbmc_update_extent(const struct fwg_cursor *body)
{
	return fwg_tar_walk_extent(body);
}

const struct fwg_handler fwg_handler_openbmc_update = {
	.name = "openbmc_update",
	.description = "OpenBMC update tarball: MANIFEST, publickey and per-file signatures",
	.node_type = FWG_TYPE_OPENBMC_UPDATE,
	.probe = openbmc_update_probe,
	.parse = openbmc_update_parse,
	.magics = openbmc_update_magics,
	.extent = openbmc_update_extent,
};
