/*
 * openbmc_verify.c - OpenBMC update packages (the tarballs of meta-phosphor's
 * image_types_phosphor.bbclass) checked the way phosphor-bmc-code-mgmt's
 * image_verify.cpp accepts them, plus the trust decision it leaves to the
 * BMC's /etc/activationdata keys.
 *
 * Package (a tar, read with libarchive; at most MAX_ENTRIES entries,
 * regular files only, each no larger than the input):
 *   MANIFEST         key=value lines: purpose, version, KeyType,
 *                    HashType (RSA-SHA256, -SHA384 or -SHA512; default
 *                    RSA-SHA256), MachineName, ...
 *   publickey        PEM SubjectPublicKeyInfo of the signer
 *   image-*          the flash images (image-bmc or image-u-boot,
 *                    image-kernel, image-rofs, image-rwfs, ...)
 *   F.sig            signature of F with HashType (PKCS#1 v1.5 for RSA,
 *                    `openssl dgst -sha256 -sign`), for every F
 *   image-full.sig   signature of the concatenation of these .sig files,
 *                    in this order, absent ones skipped (the fixed list of
 *                    image_verify.cpp, Signature::verifyFullImage):
 *                    image-bmc, image-hostfw, image-kernel, image-rofs,
 *                    image-rwfs, image-u-boot, MANIFEST, publickey
 * Checks, all of which must pass: publickey is not OpenBMC's public
 * development key and equals (same SPKI) a trusted key; every file other
 * than a .sig has a .sig that verifies with publickey; image-full.sig is
 * present and verifies; at least one image-* file; MANIFEST version= not
 * older than the installed version (fwg_version_compare).
 */
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "../engines/version.h"
#include "update_internal.h"

#define MAX_ENTRIES 64u
#define MAX_MANIFEST (64u * 1024)
#define MAX_PUBLICKEY (64u * 1024)
#define MAX_SIG (64u * 1024)
#define MAX_VALUE 256u
#define SIG_SUFFIX ".sig"
#define SIG_SUFFIX_LEN 4u
#define FULL_SIG "image-full.sig"
#define DEFAULT_HASH "RSA-SHA256"

static const char *const full_order[] = {
	"image-bmc.sig", "image-hostfw.sig", "image-kernel.sig", "image-rofs.sig",
	"image-rwfs.sig", "image-u-boot.sig", "MANIFEST.sig", "publickey.sig",
};

struct member {
	char *name;
	uint8_t *data;
	size_t size;
};

struct package {
	struct member m[MAX_ENTRIES];
	size_t count;
};

static void package_free(struct package *p)
{
	for (size_t i = 0; i < p->count; i++) {
		free(p->m[i].name);
		free(p->m[i].data);
	}
	p->count = 0;
}

static const struct member *find(const struct package *p, const char *name)
{
	for (size_t i = 0; i < p->count; i++)
		if (strcmp(p->m[i].name, name) == 0)
			return &p->m[i];
	return NULL;
}

static bool has_suffix(const char *s, const char *suffix, size_t n)
{
	size_t len = strlen(s);
	return len >= n && strcmp(s + len - n, suffix) == 0;
}

/* Reads one regular entry's bytes; a message in why on failure. */
static enum fwg_status read_member(struct archive *a, struct archive_entry *e, const char *name,
		size_t input_size, struct package *p, char *why, size_t why_size)
{
	int64_t declared = archive_entry_size(e);
	if (!archive_entry_size_is_set(e) || declared < 0 || (uint64_t)declared > input_size) {
		snprintf(why, why_size, "entry %s declares %lld bytes in a %zu-byte archive", name,
			(long long)declared, input_size);
		return FWG_MALFORMED;
	}
	size_t size = (size_t)declared;
	uint8_t *buf = malloc(size ? size : 1);
	char *copy = strdup(name);
	if (!buf || !copy) {
		free(buf);
		free(copy);
		return FWG_NOMEM;
	}
	size_t got = 0;
	while (got < size) {
		la_ssize_t n = archive_read_data(a, buf + got, size - got);
		if (n <= 0) {
			snprintf(why, why_size, "entry %s: %s after %zu of %zu bytes", name,
				n < 0 ? archive_error_string(a) : "end of data", got, size);
			free(buf);
			free(copy);
			return FWG_MALFORMED;
		}
		got += (size_t)n;
	}
	p->m[p->count].name = copy;
	p->m[p->count].data = buf;
	p->m[p->count].size = size;
	p->count++;
	return FWG_OK;
}

/* FWG_UNSUPPORTED when data is not a tar; FWG_MALFORMED with why. */
static enum fwg_status read_package(const uint8_t *data, size_t size, struct package *p,
		char *why, size_t why_size)
{
	struct archive *a = archive_read_new();
	if (!a)
		return FWG_NOMEM;
	enum fwg_status st = FWG_OK;
	if (archive_read_support_format_tar(a) != ARCHIVE_OK ||
			archive_read_open_memory(a, data, size) != ARCHIVE_OK) {
		archive_read_free(a);
		return FWG_UNSUPPORTED;
	}
	for (size_t entries = 0; st == FWG_OK; entries++) {
		struct archive_entry *e;
		int rc = archive_read_next_header(a, &e);
		if (rc == ARCHIVE_EOF)
			break;
		if (rc < ARCHIVE_WARN) {
			snprintf(why, why_size, "tar entry %zu: %s", entries,
				archive_error_string(a) ? archive_error_string(a) : "unreadable");
			st = entries == 0 ? FWG_UNSUPPORTED : FWG_MALFORMED;
			break;
		}
		if (entries >= MAX_ENTRIES) {
			snprintf(why, why_size, "more than %u tar entries", MAX_ENTRIES);
			st = FWG_MALFORMED;
			break;
		}
		const char *name = archive_entry_pathname(e);
		while (name && name[0] == '.' && name[1] == '/')
			name += 2;
		mode_t type = archive_entry_filetype(e);
		if (type == AE_IFDIR)
			continue;
		if (!name || !name[0] || type != AE_IFREG || archive_entry_hardlink(e)) {
			snprintf(why, why_size, "tar entry %zu (%s) is not a regular file", entries,
				name ? name : "no name");
			st = FWG_MALFORMED;
		} else if (find(p, name)) {
			snprintf(why, why_size, "%s appears twice in the archive", name);
			st = FWG_MALFORMED;
		} else {
			st = read_member(a, e, name, size, p, why, why_size);
		}
	}
	archive_read_free(a);
	return st;
}

struct manifest {
	char version[MAX_VALUE], purpose[MAX_VALUE], key_type[MAX_VALUE];
	char hash_type[MAX_VALUE], machine[MAX_VALUE];
	bool has_version;
};

static void manifest_parse(const struct member *m, struct manifest *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->hash_type, sizeof(out->hash_type), DEFAULT_HASH);
	struct {
		const char *key;
		char *value;
	} keys[] = {
		{ "version", out->version }, { "purpose", out->purpose },
		{ "KeyType", out->key_type }, { "HashType", out->hash_type },
		{ "MachineName", out->machine },
	};
	size_t pos = 0;
	while (pos < m->size) {
		size_t end = pos;
		while (end < m->size && m->data[end] != '\n')
			end++;
		size_t eq = pos;
		while (eq < end && m->data[eq] != '=')
			eq++;
		size_t vend = end;
		while (vend > eq + 1 && (m->data[vend - 1] == '\r' || m->data[vend - 1] == ' ' ||
				m->data[vend - 1] == '\t'))
			vend--;
		for (size_t k = 0; eq < end && k < sizeof(keys) / sizeof(keys[0]); k++) {
			size_t klen = strlen(keys[k].key);
			if (eq - pos != klen || memcmp(m->data + pos, keys[k].key, klen) != 0)
				continue;
			size_t vlen = vend - (eq + 1);
			if (vlen >= MAX_VALUE)
				vlen = MAX_VALUE - 1;
			memcpy(keys[k].value, m->data + eq + 1, vlen);
			keys[k].value[vlen] = '\0';
			for (size_t i = 0; i < vlen; i++)
				if (keys[k].value[i] == '\0')
					keys[k].value[i] = '?';
			if (k == 0)
				out->has_version = true;
		}
		pos = end + 1;
	}
}

static const EVP_MD *hash_md(const char *hash_type)
{
	if (strcmp(hash_type, "RSA-SHA256") == 0)
		return EVP_sha256();
	if (strcmp(hash_type, "RSA-SHA384") == 0)
		return EVP_sha384();
	if (strcmp(hash_type, "RSA-SHA512") == 0)
		return EVP_sha512();
	return NULL;
}

/* 1 valid, 0 invalid, -1 out of memory. */
static int verify(EVP_PKEY *key, const EVP_MD *md, const uint8_t *data, size_t len,
		const uint8_t *sig, size_t sig_len)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	if (!m)
		return -1;
	int ok = EVP_DigestVerifyInit(m, NULL, md, NULL, key) == 1 &&
		EVP_DigestVerifyUpdate(m, data, len) == 1 &&
		EVP_DigestVerifyFinal(m, sig, sig_len) == 1;
	EVP_MD_CTX_free(m);
	ERR_clear_error();
	return ok;
}

static EVP_PKEY *read_publickey(const struct member *m)
{
	if (m->size > MAX_PUBLICKEY)
		return NULL;
	BIO *bio = BIO_new_mem_buf(m->data, (int)m->size);
	if (!bio)
		return NULL;
	EVP_PKEY *key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	ERR_clear_error();
	return key;
}

static void check_key(struct upd_ctx *ctx, EVP_PKEY *key)
{
	char id[UPD_KEY_ID_LEN];
	if (!upd_key_id(key, id)) {
		upd_check(ctx, "publickey", false, UPD_MALFORMED, "publickey cannot be encoded");
		return;
	}
	upd_set(ctx, &ctx->r->key_id, id);
	const char *type = EVP_PKEY_get0_type_name(key);
	char desc[64];
	snprintf(desc, sizeof(desc), "%s %d-bit", type ? type : "unknown", EVP_PKEY_get_bits(key));
	bool dev = strcmp(id, UPD_OPENBMC_DEV_KEY_ID) == 0;
	upd_check(ctx, "publickey.development_key", !dev, UPD_DEV_KEY,
		dev ? "publickey is OpenBMC's public development key (meta-phosphor OpenBMC.priv, "
		      "SPKI SHA-256 %s): anyone can sign with it"
		    : "publickey (SPKI SHA-256 %s) is not OpenBMC's development key", id);
	bool trusted = upd_key_trusted(ctx->trust, id);
	upd_check(ctx, "publickey.trusted", trusted, UPD_UNTRUSTED,
		trusted ? "publickey (%s, SPKI SHA-256 %s) is a trusted key"
			: "publickey (%s, SPKI SHA-256 %s) is not among the trusted keys", desc, id);
}

static void check_files(struct upd_ctx *ctx, const struct package *p, EVP_PKEY *key,
		const EVP_MD *md, const char *hash_type)
{
	size_t images = 0;
	for (size_t i = 0; i < p->count && !ctx->nomem; i++) {
		const struct member *f = &p->m[i];
		if (has_suffix(f->name, SIG_SUFFIX, SIG_SUFFIX_LEN))
			continue;
		if (strncmp(f->name, "image-", 6) == 0)
			images++;
		char signame[512];
		snprintf(signame, sizeof(signame), "%s%s", f->name, SIG_SUFFIX);
		const struct member *s = find(p, signame);
		if (!s) {
			upd_check(ctx, signame, false, UPD_MISSING_SIG,
				"%s (%zu bytes) has no signature file", f->name, f->size);
			continue;
		}
		if (!key || !md)
			continue;
		int ok = s->size <= MAX_SIG ? verify(key, md, f->data, f->size, s->data, s->size) : 0;
		if (ok < 0) {
			ctx->nomem = true;
			return;
		}
		upd_check(ctx, signame, ok, UPD_BAD_SIGNATURE,
			ok ? "%s signature of %s (%zu bytes) verifies with publickey"
			   : "%s signature of %s (%zu bytes) does not verify with publickey: the file "
			     "was changed or signed with another key", hash_type, f->name, f->size);
	}
	upd_check(ctx, "images", images > 0, UPD_MALFORMED,
		images ? "%zu image-* file(s)" : "no image-* file in the package (%zu)", images);
}

static void check_full(struct upd_ctx *ctx, const struct package *p, EVP_PKEY *key,
		const EVP_MD *md, const char *hash_type)
{
	const struct member *full = find(p, FULL_SIG);
	if (!full) {
		upd_check(ctx, FULL_SIG, false, UPD_MISSING_SIG,
			"the package has no image-full.sig over its signature files");
		return;
	}
	if (!key || !md)
		return;
	size_t total = 0, used = 0;
	char list[512] = "";
	for (size_t i = 0; i < sizeof(full_order) / sizeof(full_order[0]); i++) {
		const struct member *s = find(p, full_order[i]);
		if (s && s->size <= MAX_SIG)
			total += s->size;
	}
	uint8_t *buf = malloc(total ? total : 1);
	if (!buf) {
		ctx->nomem = true;
		return;
	}
	for (size_t i = 0; i < sizeof(full_order) / sizeof(full_order[0]); i++) {
		const struct member *s = find(p, full_order[i]);
		if (!s || s->size > MAX_SIG)
			continue;
		memcpy(buf + used, s->data, s->size);
		used += s->size;
		size_t l = strlen(list);
		snprintf(list + l, sizeof(list) - l, "%s%s", l ? " " : "", full_order[i]);
	}
	int ok = full->size <= MAX_SIG ? verify(key, md, buf, used, full->data, full->size) : 0;
	free(buf);
	if (ok < 0) {
		ctx->nomem = true;
		return;
	}
	upd_check(ctx, FULL_SIG, ok, UPD_BAD_SIGNATURE,
		ok ? "%s signature over %s verifies with publickey"
		   : "%s signature over %s does not verify with publickey", hash_type,
		list[0] ? list : "(no signature files)");
}

static void check_version(struct upd_ctx *ctx, const struct manifest *mf)
{
	if (mf->has_version)
		upd_set(ctx, &ctx->r->version, mf->version);
	const char *cur = ctx->current_version;
	if (!cur)
		return;
	if (!mf->has_version || !mf->version[0]) {
		upd_check(ctx, "manifest.version", false, UPD_DOWNGRADE,
			"MANIFEST has no version=, so the update cannot be shown not to be a "
			"downgrade from %s", cur);
		return;
	}
	int cmp = fwg_version_compare(mf->version, cur);
	upd_check(ctx, "manifest.version", cmp >= 0, UPD_DOWNGRADE,
		cmp >= 0 ? "version %s is not older than the installed version %s"
			 : "version %s is older than the installed version %s", mf->version, cur);
}

enum fwg_status upd_verify_openbmc(struct upd_ctx *ctx, const uint8_t *data, size_t size)
{
	struct package *p = calloc(1, sizeof(*p));
	if (!p)
		return FWG_NOMEM;
	char why[512] = "";
	enum fwg_status st = read_package(data, size, p, why, sizeof(why));
	const struct member *manifest = st == FWG_OK ? find(p, "MANIFEST") : NULL;
	if (st == FWG_NOMEM || st == FWG_UNSUPPORTED || (st == FWG_OK && !manifest)) {
		package_free(p);
		free(p);
		return st == FWG_OK ? FWG_UNSUPPORTED : st;
	}
	if (st != FWG_OK) {
		upd_check(ctx, "package", false, UPD_MALFORMED, "%s", why);
		package_free(p);
		free(p);
		return FWG_OK;
	}
	upd_check(ctx, "package", true, NULL, "tar archive with %zu files", p->count);
	struct manifest mf;
	manifest_parse(manifest, &mf);
	if (manifest->size > MAX_MANIFEST)
		upd_check(ctx, "manifest", false, UPD_MALFORMED, "MANIFEST is larger than %u bytes",
			MAX_MANIFEST);
	else
		upd_check(ctx, "manifest", true, NULL,
			"purpose %s, version %s, KeyType %s, HashType %s, MachineName %s",
			mf.purpose[0] ? mf.purpose : "-", mf.version[0] ? mf.version : "-",
			mf.key_type[0] ? mf.key_type : "-", mf.hash_type, mf.machine[0] ? mf.machine : "-");
	const EVP_MD *md = hash_md(mf.hash_type);
	if (!md)
		upd_check(ctx, "manifest.hash_type", false, UPD_UNSUPPORTED,
			"HashType %s is not RSA-SHA256, RSA-SHA384 or RSA-SHA512", mf.hash_type);

	EVP_PKEY *key = NULL;
	const struct member *pub = find(p, "publickey");
	if (!pub)
		upd_check(ctx, "publickey", false, UPD_UNSIGNED, "the package has no publickey");
	else if (!(key = read_publickey(pub)))
		upd_check(ctx, "publickey", false, UPD_MALFORMED,
			"publickey (%zu bytes) is not a PEM public key", pub->size);
	else
		check_key(ctx, key);
	check_files(ctx, p, key, md, mf.hash_type);
	check_full(ctx, p, key, md, mf.hash_type);
	check_version(ctx, &mf);
	EVP_PKEY_free(key);
	package_free(p);
	free(p);
	return FWG_OK;
}
