/*
 * fit.c - flattened device trees: U-Boot FIT images (fwg_handler_fit) and
 * plain device tree blobs (fwg_handler_dtb), read through libfdt.
 *
 * A blob (Devicetree Specification v0.4, chapter 5) starts with a 40-byte
 * big-endian header: magic d00dfeed, totalsize, off_dt_struct,
 * off_dt_strings, off_mem_rsvmap, version, last_comp_version,
 * boot_cpuid_phys, size_dt_strings, size_dt_struct.  The structure block
 * is a token stream: BEGIN_NODE (1) + NUL-terminated name padded to 4,
 * END_NODE (2), PROP (3) + len u32 + nameoff u32 + value padded to 4,
 * NOP (4), END (9).
 *
 * FIT (U-Boot doc/usage/fit/source_file_format.rst) is a blob with
 *   /images/<name>       data (embedded), or data-size with data-offset
 *                        (from the 4-aligned end of the blob, what
 *                        `mkimage -E` writes) or data-position (from the
 *                        blob start); description, type, arch, os,
 *                        compression, load, entry;
 *     hash-N             algo (crc32, md5, sha1, sha256, sha384, sha512),
 *                        value;
 *     signature-N        algo ("sha256,rsa2048"), key-name-hint, value;
 *     cipher-N           the data is encrypted;
 *   /configurations      default; <name> with kernel, fdt, ramdisk,
 *                        loadables, firmware, fpga, and signature-N with
 *                        sign-images.
 *
 * Tree: each image node becomes a fit_image child over its data bytes
 * (external data past the blob included), named after the node; a
 * compressed image's body is its decoded data.  Its body is then probed
 * (a kernel, a device tree, a ramdisk cpio, ...).  Configurations and
 * signatures are attributes of the fit node (there is no component for a
 * configuration).  Hashes are verified; signatures are reported, not
 * verified (the public keys live in U-Boot's own device tree, which the
 * dtb handler reports under verified_boot_keys).
 *
 * Invariants: probes and extents read the header and walk at most a
 * bounded number of structure tokens through the cursor, allocation-free;
 * libfdt only ever sees a blob that passed fdt_check_full() on a window no
 * larger than the node's body (an 8-aligned copy when the body is not
 * aligned, as libfdt requires); every property value used as a string is
 * checked to be NUL-terminated within its length; data windows are
 * overflow-checked and bounds-checked against the body.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libfdt.h>
#include <openssl/evp.h>
#include <zlib.h>

#include "../../core/handler.h"
#include "../../core/registry.h"
#include "fdt_partitions.h"
#include "uboot_compression.h"

#define FDT_MAGIC_BE 0xd00dfeedu
#define FDT_V16_HEADER 36u
#define FDT_V17_HEADER 40u
#define FDT_MIN_VERSION 16u
#define FDT_MAX_VERSION 17u
#define TOKEN_BEGIN_NODE 1u
#define TOKEN_END_NODE 2u
#define TOKEN_PROP 3u
#define TOKEN_NOP 4u
#define TOKEN_END 9u

#define PROBE_MAX_TOKENS 256u     /* looking for /images or /configurations */
#define EXTENT_MAX_TOKENS 65536u  /* looking for external data */
#define EXTENT_MAX_DEPTH 8u
#define NODE_NAME_PROBE 32u
#define NAME_SCAN_MAX 256u        /* spec: names are at most 31 characters */

#define MAX_FIT_IMAGES 4096u
#define MAX_SUBNODES 64u          /* hash/signature/cipher nodes per image */
#define MAX_CONFIGS 1024u
#define LIST_TEXT_MAX 16384u      /* cap of one summary attribute */
#define MAX_PARTITIONS 256u
#define MAX_DTB_NODES 1000000u
#define HASH_BUDGET_FACTOR 4u     /* bytes hashed per body byte, plus: */
#define HASH_BUDGET_BASE (64u << 20)
#define MAX_REF_CHECKS 4096u

/* ---- header and bounded structure walk (probe, extent) ----------------- */

struct fdt_hdr {
	uint32_t totalsize, off_struct, off_strings, version, last_comp;
	uint32_t size_strings, size_struct;
	size_t struct_end;
};

static bool read_fdt_header(const struct fwg_cursor *c, struct fdt_hdr *h)
{
	uint32_t magic;
	if (fwg_cursor_u32be_at(c, 0, &magic) != FWG_OK || magic != FDT_MAGIC_BE ||
			fwg_cursor_u32be_at(c, 4, &h->totalsize) != FWG_OK ||
			fwg_cursor_u32be_at(c, 8, &h->off_struct) != FWG_OK ||
			fwg_cursor_u32be_at(c, 12, &h->off_strings) != FWG_OK ||
			fwg_cursor_u32be_at(c, 20, &h->version) != FWG_OK ||
			fwg_cursor_u32be_at(c, 24, &h->last_comp) != FWG_OK ||
			fwg_cursor_u32be_at(c, 32, &h->size_strings) != FWG_OK)
		return false;
	if (h->version < FDT_MIN_VERSION || h->last_comp > FDT_MAX_VERSION)
		return false;
	size_t hdr_size = h->version >= 17 ? FDT_V17_HEADER : FDT_V16_HEADER;
	if (h->totalsize < hdr_size || h->off_struct < hdr_size || h->off_struct >= h->totalsize ||
			h->off_strings > h->totalsize ||
			h->size_strings > h->totalsize - h->off_strings)
		return false;
	if (h->version >= 17) {
		if (fwg_cursor_u32be_at(c, 36, &h->size_struct) != FWG_OK ||
				h->size_struct > h->totalsize - h->off_struct)
			return false;
		h->struct_end = (size_t)h->off_struct + h->size_struct;
	} else {
		h->size_struct = 0;
		h->struct_end = h->totalsize;
	}
	return true;
}

/* Reads the token at *pos (within the structure block and the window). */
static bool next_token(const struct fwg_cursor *c, const struct fdt_hdr *h, size_t pos,
		uint32_t *tag)
{
	return pos + 4 <= h->struct_end && fwg_cursor_u32be_at(c, pos, tag) == FWG_OK;
}

/* Position after the NUL-terminated node name at pos (4-aligned); name
 * gets its first bytes.  max bounds the scan. */
static bool skip_node_name(const struct fwg_cursor *c, const struct fdt_hdr *h, size_t pos,
		size_t max, char *name, size_t name_size, size_t *after)
{
	size_t limit = h->struct_end - pos < max ? h->struct_end - pos : max;
	for (size_t i = 0; i < limit; i++) {
		uint8_t ch;
		if (fwg_cursor_u8_at(c, pos + i, &ch) != FWG_OK)
			return false;
		if (i < name_size)
			name[i] = (char)ch;
		if (ch == 0) {
			if (name_size)
				name[name_size - 1] = 0;
			return fwg_align_up(pos + i + 1, 4, after);
		}
	}
	return false;
}

/* Property at pos (after the tag): its length, name offset, value
 * position, and the position after it. */
static bool read_prop(const struct fwg_cursor *c, const struct fdt_hdr *h, size_t pos,
		uint32_t *len, uint32_t *nameoff, size_t *value, size_t *after)
{
	if (fwg_cursor_u32be_at(c, pos, len) != FWG_OK ||
			fwg_cursor_u32be_at(c, pos + 4, nameoff) != FWG_OK)
		return false;
	*value = pos + 8;
	if (*len > h->struct_end - *value)
		return false;
	return fwg_align_up(*value + *len, 4, after) && *after <= h->struct_end;
}

enum blob_kind { BLOB_NONE, BLOB_DTB, BLOB_FIT };

/*
 * Walks the root node's first tokens: a FIT has /images (or
 * /configurations) among the root's children.  Property values are
 * skipped by length, so embedded image data costs nothing.
 */
static enum blob_kind classify(const struct fwg_cursor *c, const struct fdt_hdr *h)
{
	size_t pos = h->off_struct;
	uint32_t tag;
	char name[NODE_NAME_PROBE];
	unsigned depth = 0;
	for (unsigned i = 0; i < PROBE_MAX_TOKENS; i++) {
		if (!next_token(c, h, pos, &tag))
			return depth ? BLOB_DTB : BLOB_NONE;
		pos += 4;
		if (tag == TOKEN_NOP)
			continue;
		if (depth == 0 && tag != TOKEN_BEGIN_NODE)
			return BLOB_NONE;
		if (tag == TOKEN_BEGIN_NODE) {
			size_t after;
			if (!skip_node_name(c, h, pos, NAME_SCAN_MAX, name, sizeof(name), &after))
				return depth ? BLOB_DTB : BLOB_NONE;
			if (depth == 0 && name[0] != 0)
				return BLOB_NONE;
			if (depth == 1 && (strcmp(name, "images") == 0 ||
					strcmp(name, "configurations") == 0))
				return BLOB_FIT;
			depth++;
			pos = after;
		} else if (tag == TOKEN_PROP) {
			uint32_t len, nameoff;
			size_t value;
			if (!read_prop(c, h, pos, &len, &nameoff, &value, &pos))
				return BLOB_DTB;
		} else if (tag == TOKEN_END_NODE) {
			if (--depth == 0)
				return BLOB_DTB;
		} else {
			return BLOB_DTB;
		}
	}
	return BLOB_DTB;
}

static int fdt_probe_kind(const struct fwg_cursor *body, enum blob_kind want)
{
	struct fdt_hdr h;
	if (!read_fdt_header(body, &h))
		return 0;
	/* The walk reads only what the window holds, so a truncated blob
	 * still classifies (and is reported as truncated). */
	enum blob_kind kind = classify(body, &h);
	if (kind != want)
		return 0;
	bool whole = h.totalsize <= body->size;
	if (want == BLOB_FIT)
		return whole ? 90 : 60;
	return whole ? 80 : 40;
}

static int fit_probe(const struct fwg_cursor *body)
{
	return fdt_probe_kind(body, BLOB_FIT);
}

static int dtb_probe(const struct fwg_cursor *body)
{
	return fdt_probe_kind(body, BLOB_DTB);
}

static uint64_t dtb_extent(const struct fwg_cursor *body)
{
	struct fdt_hdr h;
	return read_fdt_header(body, &h) ? h.totalsize : 0;
}

static bool strings_name_is(const struct fwg_cursor *c, const struct fdt_hdr *h,
		uint32_t nameoff, const char *want)
{
	size_t n = strlen(want) + 1;
	const uint8_t *p;
	if (nameoff >= h->size_strings || n > h->size_strings - nameoff)
		return false;
	if (fwg_cursor_bytes_at(c, (size_t)h->off_strings + nameoff, n, &p) != FWG_OK)
		return false;
	return memcmp(p, want, n) == 0;
}

/* External data of one node: data-offset/data-position and data-size. */
struct ext_data {
	bool has_offset, has_position, has_size;
	uint32_t offset, position, size;
};

/*
 * totalsize, or the end of the furthest external data when mkimage -E put
 * image data after the blob.  Bounded by EXTENT_MAX_TOKENS; nodes deeper
 * than EXTENT_MAX_DEPTH are walked but not measured.
 */
static uint64_t fit_extent(const struct fwg_cursor *body)
{
	struct fdt_hdr h;
	if (!read_fdt_header(body, &h))
		return 0;
	uint64_t base = ((uint64_t)h.totalsize + 3) & ~(uint64_t)3;
	uint64_t end = h.totalsize;
	struct ext_data stack[EXTENT_MAX_DEPTH];
	unsigned depth = 0;
	size_t pos = h.off_struct;
	char name[1];
	for (unsigned i = 0; i < EXTENT_MAX_TOKENS; i++) {
		uint32_t tag;
		if (!next_token(body, &h, pos, &tag))
			break;
		pos += 4;
		if (tag == TOKEN_BEGIN_NODE) {
			if (!skip_node_name(body, &h, pos, NAME_SCAN_MAX, name, 0, &pos))
				break;
			if (depth < EXTENT_MAX_DEPTH)
				memset(&stack[depth], 0, sizeof(stack[depth]));
			depth++;
		} else if (tag == TOKEN_END_NODE) {
			if (depth == 0)
				break;
			depth--;
			if (depth >= EXTENT_MAX_DEPTH)
				continue;
			struct ext_data *e = &stack[depth];
			uint64_t e_end = 0;
			if (e->has_size && e->has_position)
				e_end = (uint64_t)e->position + e->size;
			else if (e->has_size && e->has_offset)
				e_end = base + e->offset + e->size;
			if (e_end > end)
				end = e_end;
		} else if (tag == TOKEN_PROP) {
			uint32_t len, nameoff, v;
			size_t value;
			if (!read_prop(body, &h, pos, &len, &nameoff, &value, &pos))
				break;
			if (depth == 0 || depth > EXTENT_MAX_DEPTH || len != 4 ||
					fwg_cursor_u32be_at(body, value, &v) != FWG_OK)
				continue;
			struct ext_data *e = &stack[depth - 1];
			if (strings_name_is(body, &h, nameoff, "data-size")) {
				e->has_size = true;
				e->size = v;
			} else if (strings_name_is(body, &h, nameoff, "data-offset")) {
				e->has_offset = true;
				e->offset = v;
			} else if (strings_name_is(body, &h, nameoff, "data-position")) {
				e->has_position = true;
				e->position = v;
			}
		} else if (tag != TOKEN_NOP) {
			break;
		}
	}
	return end;
}

/* ---- libfdt access ------------------------------------------------------ */

/* The blob as libfdt wants it: 8-aligned, checked in full. */
struct fdt_view {
	const uint8_t *fdt;
	uint8_t *copy;
	size_t size;
};

static void view_free(struct fdt_view *v)
{
	free(v->copy);
	v->copy = NULL;
}

/* FWG_MALFORMED (why set) when the blob fails libfdt's full check. */
static enum fwg_status view_open(const struct fwg_cursor *c, size_t totalsize,
		struct fdt_view *v, const char **why)
{
	const uint8_t *p;
	memset(v, 0, sizeof(*v));
	if (fwg_cursor_bytes_at(c, 0, totalsize, &p) != FWG_OK) {
		*why = "blob truncated";
		return FWG_MALFORMED;
	}
	if (((uintptr_t)p & 7) != 0) {
		v->copy = malloc(totalsize ? totalsize : 1);
		if (!v->copy)
			return FWG_NOMEM;
		if (fwg_cursor_copy_at(c, 0, v->copy, totalsize) != FWG_OK) {
			view_free(v);
			*why = "blob truncated";
			return FWG_MALFORMED;
		}
		p = v->copy;
	}
	int rc = fdt_check_full(p, totalsize);
	if (rc != 0) {
		view_free(v);
		*why = fdt_strerror(rc);
		return FWG_MALFORMED;
	}
	v->fdt = p;
	v->size = totalsize;
	return FWG_OK;
}

/* The property as one NUL-terminated string, else NULL. */
static const char *prop_string(const void *fdt, int node, const char *name)
{
	int len;
	const char *p = fdt_getprop(fdt, node, name, &len);
	if (!p || len <= 0 || p[len - 1] != 0 || strnlen(p, (size_t)len) != (size_t)len - 1)
		return NULL;
	return p;
}

/* The property as a cell value of 1 or 2 cells. */
static bool prop_cells(const void *fdt, int node, const char *name, uint64_t *v)
{
	int len;
	const uint8_t *p = fdt_getprop(fdt, node, name, &len);
	if (!p)
		return false;
	if (len == 4) {
		*v = fdt32_ld((const fdt32_t *)(const void *)p);
		return true;
	}
	if (len == 8) {
		uint64_t hi = fdt32_ld((const fdt32_t *)(const void *)p);
		uint64_t lo = fdt32_ld((const fdt32_t *)(const void *)(p + 4));
		*v = hi << 32 | lo;
		return true;
	}
	return false;
}

/* Bounded text accumulator for the summary attributes. */
struct text {
	char *p;
	size_t len, cap;
	bool full, nomem;
};

static void text_add(struct text *t, const char *s, size_t n)
{
	if (t->full || t->nomem)
		return;
	if (t->len + n > LIST_TEXT_MAX) {
		n = LIST_TEXT_MAX - t->len;
		t->full = true;
	}
	if (t->len + n + 4 > t->cap) {
		size_t ncap = t->cap ? t->cap : 256;
		while (ncap < t->len + n + 4)
			ncap *= 2;
		char *np = realloc(t->p, ncap);
		if (!np) {
			t->nomem = true;
			return;
		}
		t->p = np;
		t->cap = ncap;
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
	if (t->full) {
		memcpy(t->p + t->len, "...", 3);
		t->len += 3;
	}
	t->p[t->len] = 0;
}

static void text_str(struct text *t, const char *s)
{
	text_add(t, s, strlen(s));
}

/* Appends a string list property as "a,b,c" (sep between the strings);
 * false if absent/malformed. */
static bool text_strlist_sep(struct text *t, const void *fdt, int node, const char *name,
		const char *sep)
{
	int len;
	const char *p = fdt_getprop(fdt, node, name, &len);
	if (!p || len <= 0 || p[len - 1] != 0)
		return false;
	for (int i = 0; i < len; ) {
		size_t n = strnlen(p + i, (size_t)(len - i));
		if (i)
			text_str(t, sep);
		text_add(t, p + i, n);
		i += (int)n + 1;
	}
	return true;
}

static bool text_strlist(struct text *t, const void *fdt, int node, const char *name)
{
	return text_strlist_sep(t, fdt, node, name, ",");
}

static void text_attr(struct fwg_node *node, const char *key, struct text *t)
{
	if (t->nomem)
		node->alloc_failed = true;
	else if (t->p)
		fwg_node_attr_str(node, key, t->p);
	free(t->p);
	memset(t, 0, sizeof(*t));
}

static void attr_prop_string(struct fwg_node *node, const char *key, const void *fdt, int off,
		const char *name)
{
	const char *s = prop_string(fdt, off, name);
	if (s)
		fwg_node_attr_str(node, key, s);
}

static void attr_time(struct fwg_node *node, uint64_t value)
{
	fwg_node_attr_int(node, "timestamp", value);
	time_t t = (time_t)value;
	struct tm tm;
	char when[32];
	if (value <= UINT32_MAX && gmtime_r(&t, &tm) &&
			strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm))
		fwg_node_attr_str(node, "time", when);
}

static bool name_starts(const char *name, const char *prefix)
{
	return strncmp(name, prefix, strlen(prefix)) == 0;
}

/*
 * Work bounds against blobs crafted to repeat work: image windows may
 * overlap (external data of many images at one position), so the bytes
 * hashed and the data opened are budgeted, and configuration references
 * checked are counted.
 */
struct fit_ctx {
	struct fwg_unpack *u;
	struct fwg_node *node;
	const struct fwg_cursor *body;
	struct fdt_view view;
	size_t totalsize;
	unsigned signatures;
	bool external;
	uint64_t hash_budget;    /* bytes left to hash */
	uint64_t data_total;     /* sum of image data sizes so far */
	bool overlap_reported, hash_budget_reported;
	unsigned ref_checks;
};

/* ---- hashes ------------------------------------------------------------- */

#define MAX_DIGEST 64

/* Digest of data by U-Boot's algo name; false when unsupported. */
static bool compute_digest(const char *algo, const uint8_t *data, size_t len,
		uint8_t out[MAX_DIGEST], size_t *out_len)
{
	if (strcmp(algo, "crc32") == 0) {
		uLong crc = crc32(0, Z_NULL, 0);
		for (size_t done = 0; done < len; ) {
			size_t n = len - done < (1u << 30) ? len - done : (1u << 30);
			crc = crc32(crc, data + done, (uInt)n);
			done += n;
		}
		out[0] = (uint8_t)(crc >> 24);
		out[1] = (uint8_t)(crc >> 16);
		out[2] = (uint8_t)(crc >> 8);
		out[3] = (uint8_t)crc;
		*out_len = 4;
		return true;
	}
	const EVP_MD *md = NULL;
	if (strcmp(algo, "md5") == 0)
		md = EVP_md5();
	else if (strcmp(algo, "sha1") == 0)
		md = EVP_sha1();
	else if (strcmp(algo, "sha256") == 0)
		md = EVP_sha256();
	else if (strcmp(algo, "sha384") == 0)
		md = EVP_sha384();
	else if (strcmp(algo, "sha512") == 0)
		md = EVP_sha512();
	if (!md)
		return false;
	unsigned n = 0;
	if (EVP_Digest(data, len, out, &n, md, NULL) != 1)
		return false;
	*out_len = n;
	return true;
}

static void hex_text(const uint8_t *p, size_t n, char *out, size_t out_size)
{
	static const char digits[] = "0123456789abcdef";
	size_t o = 0;
	for (size_t i = 0; i < n && o + 2 < out_size; i++) {
		out[o++] = digits[p[i] >> 4];
		out[o++] = digits[p[i] & 15];
	}
	out[o] = 0;
}

enum hash_summary { HASH_NONE, HASH_OK, HASH_UNVERIFIED, HASH_MISMATCH };

/* Checks one hash-N node against data (NULL when the data is missing). */
static enum hash_summary check_hash(struct fit_ctx *fc, struct fwg_node *img, int hnode,
		const char *hname, const uint8_t *data, size_t len, struct text *summary)
{
	const void *fdt = fc->view.fdt;
	const char *algo = prop_string(fdt, hnode, "algo");
	int vlen;
	const uint8_t *value = fdt_getprop(fdt, hnode, "value", &vlen);
	if (summary->len)
		text_str(summary, ",");
	text_str(summary, algo ? algo : "?");
	if (!algo) {
		FWG_WARN(img, "fit.hash_algo", 0, "%s has no algo property", hname);
		text_str(summary, ":unverified");
		return HASH_UNVERIFIED;
	}
	if (!value || vlen <= 0) {
		FWG_WARN(img, "fit.hash_value", 0, "%s (%s) has no value", hname, algo);
		text_str(summary, ":missing");
		return HASH_UNVERIFIED;
	}
	uint8_t digest[MAX_DIGEST];
	size_t dlen;
	if (data && len > fc->hash_budget) {
		if (!fc->hash_budget_reported)
			FWG_WARN(fc->node, "fit.hash_budget", 0,
				"hashing budget exhausted at image %s, remaining hashes unverified",
				img->name ? img->name : "?");
		fc->hash_budget_reported = true;
		text_str(summary, ":unverified");
		return HASH_UNVERIFIED;
	}
	if (data)
		fc->hash_budget -= len;
	if (!data || !compute_digest(algo, data, len, digest, &dlen)) {
		if (data)
			FWG_INFO(img, "fit.hash_algo", 0, "%s algo %s is not supported", hname, algo);
		text_str(summary, ":unverified");
		return HASH_UNVERIFIED;
	}
	if ((size_t)vlen == dlen && memcmp(value, digest, dlen) == 0) {
		text_str(summary, ":ok");
		return HASH_OK;
	}
	char want[2 * MAX_DIGEST + 1], got[2 * MAX_DIGEST + 1];
	hex_text(value, (size_t)vlen < MAX_DIGEST ? (size_t)vlen : MAX_DIGEST, want, sizeof(want));
	hex_text(digest, dlen, got, sizeof(got));
	FWG_ERR(img, "fit.hash_mismatch", 0, "%s (%s) value %s does not match the computed %s",
		hname, algo, want, got);
	text_str(summary, ":mismatch");
	return HASH_MISMATCH;
}

/* signature-N: "signature-1{algo=sha256,rsa2048 key-name-hint=dev ...}" */
static void describe_signature(struct text *t, const void *fdt, int snode, const char *prefix,
		const char *sname)
{
	const char *algo = prop_string(fdt, snode, "algo");
	const char *hint = prop_string(fdt, snode, "key-name-hint");
	int vlen = 0;
	const void *value = fdt_getprop(fdt, snode, "value", &vlen);
	if (t->len)
		text_str(t, "; ");
	if (prefix) {
		text_str(t, prefix);
		text_str(t, "/");
	}
	text_str(t, sname);
	text_str(t, "{algo=");
	text_str(t, algo ? algo : "?");
	text_str(t, " key-name-hint=");
	text_str(t, hint ? hint : "?");
	if (fdt_getprop(fdt, snode, "sign-images", NULL)) {
		text_str(t, " sign-images=");
		text_strlist(t, fdt, snode, "sign-images");
	}
	text_str(t, value && vlen > 0 ? " value=present}" : " value=missing}");
}

/* ---- FIT images ----------------------------------------------------------- */

/* Where the image's data lies in the body: embedded, or external. */
static bool locate_data(struct fit_ctx *fc, int inode, const char *iname, size_t *off,
		size_t *size)
{
	const void *fdt = fc->view.fdt;
	int len;
	const uint8_t *p = fdt_getprop(fdt, inode, "data", &len);
	if (p) {
		if (len < 0)
			return false;
		*off = (size_t)(p - fc->view.fdt);
		*size = (size_t)len;
		return fwg_cursor_has(fc->body, *off, *size);
	}
	uint64_t dsize, where;
	bool has_pos = prop_cells(fdt, inode, "data-position", &where);
	bool has_off = !has_pos && prop_cells(fdt, inode, "data-offset", &where);
	if (!has_pos && !has_off) {
		FWG_WARN(fc->node, "fit.no_data", 0, "image %s has no data", iname);
		return false;
	}
	fc->external = true;
	if (!prop_cells(fdt, inode, "data-size", &dsize)) {
		FWG_ERR(fc->node, "fit.data_size", 0, "image %s has external data without data-size",
			iname);
		return false;
	}
	size_t start = where;
	if (has_off) {
		size_t base;
		if (!fwg_align_up(fc->totalsize, 4, &base) ||
				fwg_add_overflows(base, (size_t)where, &start))
			start = SIZE_MAX;
	}
	if (where > SIZE_MAX || dsize > SIZE_MAX || !fwg_cursor_has(fc->body, start, (size_t)dsize)) {
		FWG_ERR(fc->node, "fit.data_outside", 0,
			"image %s data of 0x%llx bytes at %s 0x%llx lies outside the image (0x%zx bytes)",
			iname, (unsigned long long)dsize, has_pos ? "data-position" : "data-offset",
			(unsigned long long)where, fc->body->size);
		return false;
	}
	*off = start;
	*size = (size_t)dsize;
	return true;
}

static void image_attrs(struct fwg_node *img, const void *fdt, int inode)
{
	attr_prop_string(img, "description", fdt, inode, "description");
	attr_prop_string(img, "image_type", fdt, inode, "type");
	attr_prop_string(img, "arch", fdt, inode, "arch");
	attr_prop_string(img, "os", fdt, inode, "os");
	attr_prop_string(img, "compression", fdt, inode, "compression");
	uint64_t v;
	if (prop_cells(fdt, inode, "load", &v))
		fwg_node_attr_hex(img, "load_address", v);
	if (prop_cells(fdt, inode, "entry", &v))
		fwg_node_attr_hex(img, "entry_point", v);
}

/* hash-N, signature-N and cipher-N subnodes of one image. */
static void image_subnodes(struct fit_ctx *fc, struct fwg_node *img, int inode,
		const uint8_t *data, size_t len, bool *encrypted)
{
	const void *fdt = fc->view.fdt;
	struct text hashes = { 0 }, sigs = { 0 };
	enum hash_summary worst = HASH_NONE;
	unsigned count = 0;
	int sub;
	*encrypted = false;
	fdt_for_each_subnode(sub, fdt, inode) {
		if (++count > MAX_SUBNODES) {
			FWG_WARN(img, "fit.subnodes", 0, "more than %u subnodes, rest ignored",
				MAX_SUBNODES);
			break;
		}
		const char *sname = fdt_get_name(fdt, sub, NULL);
		if (!sname)
			continue;
		if (name_starts(sname, "hash")) {
			enum hash_summary s = check_hash(fc, img, sub, sname, data, len, &hashes);
			if (s > worst)
				worst = s;
		} else if (name_starts(sname, "signature")) {
			describe_signature(&sigs, fdt, sub, NULL, sname);
			fc->signatures++;
		} else if (name_starts(sname, "cipher")) {
			const char *algo = prop_string(fdt, sub, "algo");
			fwg_node_attr_str(img, "encrypted", algo ? algo : "unknown");
			FWG_INFO(img, "fit.encrypted", 0, "image data is encrypted (%s), not opened",
				algo ? algo : "unknown algo");
			*encrypted = true;
		}
	}
	static const char *const summary_names[] = { "none", "ok", "unverified", "mismatch" };
	fwg_node_attr_str(img, "hash_status", summary_names[worst]);
	text_attr(img, "hashes", &hashes);
	if (sigs.len)
		fwg_node_attr_bool(img, "signed", true);
	text_attr(img, "signatures", &sigs);
}

static enum fwg_status parse_image(struct fit_ctx *fc, int inode)
{
	const void *fdt = fc->view.fdt;
	const char *iname = fdt_get_name(fdt, inode, NULL);
	if (!iname)
		iname = "?";
	size_t off = 0, size = 0;
	bool have_data = locate_data(fc, inode, iname, &off, &size);
	struct fwg_node *img;
	enum fwg_status st = fwg_unpack_add_child(fc->u, fc->node, FWG_TYPE_FIT_IMAGE,
		have_data ? off : 0, have_data ? size : 0, have_data ? NULL : &fwg_handler_leaf, &img);
	if (st != FWG_OK)
		return st;
	fwg_node_set_name(img, iname);
	image_attrs(img, fdt, inode);
	fwg_node_attr_str(img, "data_location", !have_data ? "missing"
		: fdt_getprop(fdt, inode, "data", NULL) ? "embedded" : "external");
	const uint8_t *data = NULL;
	if (have_data && fwg_cursor_bytes_at(fc->body, off, size, &data) != FWG_OK)
		data = NULL;
	bool encrypted;
	image_subnodes(fc, img, inode, data, size, &encrypted);
	if (!have_data)
		return FWG_OK;
	/* Images that do not overlap add up to at most the body. */
	fc->data_total += size;
	if (fc->data_total > fc->body->size) {
		if (!fc->overlap_reported)
			FWG_WARN(fc->node, "fit.data_overlap", 0,
				"image %s data overlaps other images, overlapping images kept opaque",
				iname);
		fc->overlap_reported = true;
		img->handler = &fwg_handler_leaf;
		return FWG_OK;
	}
	if (encrypted) {
		img->handler = &fwg_handler_leaf;
		return FWG_OK;
	}
	const char *comp_name = prop_string(fdt, inode, "compression");
	enum fwg_uboot_comp comp = FWG_UBOOT_COMP_NONE;
	if (comp_name && !fwg_uboot_comp_from_name(comp_name, &comp)) {
		FWG_WARN(img, "fit.compression", 0, "unknown compression %s, data kept as stored",
			comp_name);
		img->handler = &fwg_handler_leaf;
		return FWG_OK;
	}
	if (comp == FWG_UBOOT_COMP_NONE)
		return FWG_OK; /* the core probes the data */
	/* The data becomes a stream decoded by its own handler. */
	const struct fwg_handler *h = fwg_uboot_comp_handler(comp);
	struct fwg_node *stream;
	img->handler = &fwg_handler_leaf;
	st = fwg_unpack_add_child(fc->u, img, h->node_type, 0, img->body_size, h, &stream);
	return st == FWG_NOMEM ? st : FWG_OK;
}

/* Appends "name{kernel=.. fdt=..}" for one configuration and checks its
 * image references. */
static void describe_config(struct fit_ctx *fc, int cnode, int images, struct text *configs,
		struct text *sigs)
{
	static const char *const refs[] = {
		"kernel", "fdt", "ramdisk", "loadables", "firmware", "fpga", "setup", "standalone",
	};
	const void *fdt = fc->view.fdt;
	const char *cname = fdt_get_name(fdt, cnode, NULL);
	if (!cname)
		return;
	if (configs->len)
		text_str(configs, "; ");
	text_str(configs, cname);
	text_str(configs, "{");
	bool first = true;
	for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
		int len;
		const char *p = fdt_getprop(fdt, cnode, refs[i], &len);
		if (!p)
			continue;
		if (!first)
			text_str(configs, " ");
		first = false;
		text_str(configs, refs[i]);
		text_str(configs, "=");
		if (!text_strlist(configs, fdt, cnode, refs[i])) {
			text_str(configs, "?");
			continue;
		}
		/* every referenced image must exist under /images */
		for (int o = 0; o < len && fc->ref_checks < MAX_REF_CHECKS; fc->ref_checks++) {
			size_t n = strnlen(p + o, (size_t)(len - o));
			if (images < 0 || fdt_subnode_offset_namelen(fdt, images, p + o, (int)n) < 0)
				FWG_WARN(fc->node, "fit.config_reference", 0,
					"configuration %s: %s image %.*s does not exist", cname,
					refs[i], (int)(n > 64 ? 64 : n), p + o);
			o += (int)n + 1;
		}
	}
	text_str(configs, "}");
	int sub;
	unsigned count = 0;
	fdt_for_each_subnode(sub, fdt, cnode) {
		if (++count > MAX_SUBNODES)
			break;
		const char *sname = fdt_get_name(fdt, sub, NULL);
		if (sname && name_starts(sname, "signature")) {
			describe_signature(sigs, fdt, sub, cname, sname);
			fc->signatures++;
		}
	}
}

static void parse_configurations(struct fit_ctx *fc, int images)
{
	const void *fdt = fc->view.fdt;
	int confs = fdt_subnode_offset(fdt, 0, "configurations");
	if (confs < 0) {
		FWG_WARN(fc->node, "fit.no_configurations", 0, "fit has no /configurations node");
		return;
	}
	const char *def = prop_string(fdt, confs, "default");
	if (def) {
		fwg_node_attr_str(fc->node, "default_configuration", def);
		if (fdt_subnode_offset(fdt, confs, def) < 0)
			FWG_WARN(fc->node, "fit.default_configuration", 0,
				"default configuration %s does not exist", def);
	}
	struct text configs = { 0 }, sigs = { 0 };
	unsigned count = 0;
	int cnode;
	fdt_for_each_subnode(cnode, fdt, confs) {
		if (++count > MAX_CONFIGS)
			continue;
		describe_config(fc, cnode, images, &configs, &sigs);
	}
	fwg_node_attr_int(fc->node, "configuration_count", count);
	text_attr(fc->node, "configurations", &configs);
	text_attr(fc->node, "configuration_signatures", &sigs);
}

static enum fwg_status fit_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	struct fwg_cursor body = fwg_node_body(node);
	struct fdt_hdr h;
	if (!read_fdt_header(&body, &h)) {
		FWG_ERR(node, "fit.header", 0, "device tree header invalid or truncated");
		return FWG_OK;
	}
	fwg_node_attr_int(node, "fdt_totalsize", h.totalsize);
	fwg_node_attr_int(node, "fdt_version", h.version);
	if (h.totalsize > body.size) {
		FWG_ERR(node, "fit.truncated", 4,
			"totalsize 0x%x runs past the end of the image (0x%zx bytes)", h.totalsize,
			body.size);
		return FWG_OK;
	}
	struct fit_ctx fc = { .u = u, .node = node, .body = &body, .totalsize = h.totalsize };
	fc.hash_budget = (uint64_t)body.size * HASH_BUDGET_FACTOR + HASH_BUDGET_BASE;
	const char *why = NULL;
	enum fwg_status st = view_open(&body, h.totalsize, &fc.view, &why);
	if (st == FWG_MALFORMED) {
		FWG_ERR(node, "fit.structure", 0, "device tree structure is invalid: %s", why);
		return FWG_OK;
	}
	if (st != FWG_OK)
		return st;
	const void *fdt = fc.view.fdt;
	attr_prop_string(node, "description", fdt, 0, "description");
	uint64_t ts;
	if (prop_cells(fdt, 0, "timestamp", &ts))
		attr_time(node, ts);
	int images = fdt_subnode_offset(fdt, 0, "images");
	unsigned count = 0;
	if (images < 0) {
		FWG_ERR(node, "fit.no_images", 0, "fit has no /images node");
	} else {
		int inode;
		fdt_for_each_subnode(inode, fdt, images) {
			if (++count > MAX_FIT_IMAGES) {
				FWG_ERR(node, "fit.images", 0, "more than %u images, rest ignored",
					MAX_FIT_IMAGES);
				break;
			}
			st = parse_image(&fc, inode);
			if (st == FWG_LIMIT || st == FWG_TRUNCATED) {
				st = FWG_OK;
				break;
			}
			if (st != FWG_OK)
				goto out;
		}
	}
	fwg_node_attr_int(node, "image_count", count > MAX_FIT_IMAGES ? MAX_FIT_IMAGES : count);
	parse_configurations(&fc, images);
	fwg_node_attr_bool(node, "external_data", fc.external);
	fwg_node_attr_int(node, "signature_count", fc.signatures);
	fwg_node_attr_bool(node, "signed", fc.signatures > 0);
out:
	view_free(&fc.view);
	return st;
}

/* ---- plain device trees --------------------------------------------------- */

static void copy_name(char dst[FWG_FDT_NAME_MAX], const char *src, size_t n)
{
	if (n >= FWG_FDT_NAME_MAX)
		n = FWG_FDT_NAME_MAX - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
}

/* The partitions of one fixed-partitions node. */
static size_t partitions_of(const void *fdt, int pnode, unsigned group,
		struct fwg_fdt_partition *out, size_t max)
{
	int ac = fdt_address_cells(fdt, pnode), sc = fdt_size_cells(fdt, pnode);
	if (ac < 1 || ac > 2 || sc < 1 || sc > 2)
		return 0;
	int parent = fdt_parent_offset(fdt, pnode);
	const char *flash = parent >= 0 ? fdt_get_name(fdt, parent, NULL) : NULL;
	size_t n = 0;
	int sub;
	fdt_for_each_subnode(sub, fdt, pnode) {
		if (n >= max)
			break;
		int len;
		const uint8_t *reg = fdt_getprop(fdt, sub, "reg", &len);
		if (!reg || len != (ac + sc) * 4)
			continue;
		struct fwg_fdt_partition *p = &out[n];
		memset(p, 0, sizeof(*p));
		uint64_t cells[4];
		for (int i = 0; i < ac + sc; i++)
			cells[i] = fdt32_ld((const fdt32_t *)(const void *)(reg + 4 * i));
		p->offset = ac == 2 ? cells[0] << 32 | cells[1] : cells[0];
		p->size = sc == 2 ? cells[ac] << 32 | cells[ac + 1] : cells[ac];
		int nlen = 0;
		const char *name = fdt_get_name(fdt, sub, &nlen);
		if (name && nlen > 0)
			copy_name(p->node, name, (size_t)nlen);
		const char *label = prop_string(fdt, sub, "label");
		if (label)
			copy_name(p->label, label, strlen(label));
		else if (name)
			copy_name(p->label, name, strcspn(p->node, "@"));
		if (flash)
			copy_name(p->flash, flash, strlen(flash));
		p->group = group;
		p->read_only = fdt_getprop(fdt, sub, "read-only", NULL) != NULL;
		n++;
	}
	return n;
}

static size_t collect_partitions(const void *fdt, struct fwg_fdt_partition *out, size_t max)
{
	size_t n = 0;
	unsigned group = 0;
	int node = fdt_node_offset_by_compatible(fdt, -1, "fixed-partitions");
	while (node >= 0 && n < max) {
		n += partitions_of(fdt, node, group++, out + n, max - n);
		node = fdt_node_offset_by_compatible(fdt, node, "fixed-partitions");
	}
	return n;
}

enum fwg_status fwg_fdt_partitions(const uint8_t *dtb, size_t size,
		struct fwg_fdt_partition *out, size_t max, size_t *count)
{
	struct fwg_cursor c = fwg_cursor_make(dtb, size);
	struct fdt_hdr h;
	*count = 0;
	if (!read_fdt_header(&c, &h) || h.totalsize > size)
		return FWG_MALFORMED;
	struct fdt_view v;
	const char *why;
	enum fwg_status st = view_open(&c, h.totalsize, &v, &why);
	if (st != FWG_OK)
		return st;
	*count = collect_partitions(v.fdt, out, max);
	view_free(&v);
	return FWG_OK;
}

static void report_partitions(struct fwg_node *node, const void *fdt)
{
	struct fwg_fdt_partition *parts = calloc(MAX_PARTITIONS, sizeof(*parts));
	if (!parts) {
		node->alloc_failed = true;
		return;
	}
	size_t n = collect_partitions(fdt, parts, MAX_PARTITIONS);
	if (n) {
		struct text t = { 0 };
		for (size_t i = 0; i < n; i++) {
			char item[FWG_FDT_NAME_MAX * 2 + 64];
			snprintf(item, sizeof(item), "%s%s@0x%llx+0x%llx%s", i ? ", " : "",
				parts[i].label, (unsigned long long)parts[i].offset,
				(unsigned long long)parts[i].size, parts[i].read_only ? "(ro)" : "");
			text_str(&t, item);
		}
		fwg_node_attr_int(node, "partition_count", n);
		text_attr(node, "partitions", &t);
	}
	free(parts);
}

/* U-Boot's verified-boot public keys: /signature/key-* nodes. */
static void report_keys(struct fwg_node *node, const void *fdt)
{
	int sig = fdt_subnode_offset(fdt, 0, "signature");
	if (sig < 0)
		return;
	struct text t = { 0 };
	unsigned count = 0;
	int key;
	fdt_for_each_subnode(key, fdt, sig) {
		if (++count > MAX_SUBNODES)
			break;
		const char *kname = fdt_get_name(fdt, key, NULL);
		const char *algo = prop_string(fdt, key, "algo");
		const char *req = prop_string(fdt, key, "required");
		uint64_t bits = 0;
		bool has_bits = prop_cells(fdt, key, "rsa,num-bits", &bits);
		char item[64];
		if (t.len)
			text_str(&t, "; ");
		text_str(&t, kname ? kname : "?");
		text_str(&t, "{algo=");
		text_str(&t, algo ? algo : "?");
		text_str(&t, " required=");
		text_str(&t, req ? req : "no");
		if (has_bits) {
			snprintf(item, sizeof(item), " bits=%llu", (unsigned long long)bits);
			text_str(&t, item);
		}
		text_str(&t, "}");
	}
	fwg_node_attr_int(node, "verified_boot_key_count", count);
	text_attr(node, "verified_boot_keys", &t);
}

static enum fwg_status dtb_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	(void)u;
	struct fwg_cursor body = fwg_node_body(node);
	struct fdt_hdr h;
	if (!read_fdt_header(&body, &h)) {
		FWG_ERR(node, "dtb.header", 0, "device tree header invalid or truncated");
		return FWG_OK;
	}
	fwg_node_attr_int(node, "fdt_totalsize", h.totalsize);
	fwg_node_attr_int(node, "fdt_version", h.version);
	if (h.totalsize > body.size) {
		FWG_ERR(node, "dtb.truncated", 4,
			"totalsize 0x%x runs past the end of the blob (0x%zx bytes)", h.totalsize,
			body.size);
		return FWG_OK;
	}
	struct fdt_view v;
	const char *why = NULL;
	enum fwg_status st = view_open(&body, h.totalsize, &v, &why);
	if (st == FWG_MALFORMED) {
		FWG_ERR(node, "dtb.structure", 0, "device tree structure is invalid: %s", why);
		return FWG_OK;
	}
	if (st != FWG_OK)
		return st;
	const void *fdt = v.fdt;
	attr_prop_string(node, "model", fdt, 0, "model");
	struct text t = { 0 };
	/* compatible strings hold commas themselves */
	text_strlist_sep(&t, fdt, 0, "compatible", " ");
	text_attr(node, "compatible", &t);
	int chosen = fdt_subnode_offset(fdt, 0, "chosen");
	if (chosen >= 0) {
		attr_prop_string(node, "bootargs", fdt, chosen, "bootargs");
		attr_prop_string(node, "stdout_path", fdt, chosen, "stdout-path");
	}
	unsigned nodes = 0;
	for (int n = 0; n >= 0 && nodes < MAX_DTB_NODES; n = fdt_next_node(fdt, n, NULL))
		nodes++;
	fwg_node_attr_int(node, "node_count", nodes);
	report_partitions(node, fdt);
	report_keys(node, fdt);
	view_free(&v);
	return FWG_OK;
}

static const struct fwg_magic fdt_magics[] = {
	{ "\xd0\x0d\xfe\xed", 4, 0 },
	{ NULL, 0, 0 },
};

const struct fwg_handler fwg_handler_fit = {
	.name = "fit",
	.description = "U-Boot FIT image: images, configurations, hashes verified, signatures",
	.node_type = FWG_TYPE_FIT,
	.probe = fit_probe,
	.parse = fit_parse,
	.magics = fdt_magics,
	.extent = fit_extent,
};

const struct fwg_handler fwg_handler_dtb = {
	.name = "dtb",
	.description = "flattened device tree: model, compatible, flash partitions, boot keys",
	.node_type = FWG_TYPE_DTB,
	.probe = dtb_probe,
	.parse = dtb_parse,
	.magics = fdt_magics,
	.extent = dtb_extent,
};
