/*
 * test_nvram.c - cmocka tests for the NVRAM (src/handlers/uefi/nvram.c) and
 * signature-list (siglist.c) handlers.
 *
 * Real samples from Debian's ovmf package (skipped when not installed):
 *   /usr/share/OVMF/OVMF_VARS_4M.ms.fd  auth VSS store with PK/KEK/db/dbx
 *   /usr/share/OVMF/OVMF_VARS_4M.fd     empty store
 * and hand-built NV volumes for the malformed cases: names and data running
 * past the store, DataSize 0xffffffff, zero-size signature entries, list
 * sizes smaller than the list header, bad FTW CRCs, garbage in free space,
 * every variable state, and a bare store reached without a volume.
 * Truncated and bit-flipped copies of the real sample must not crash (run
 * under ASan in CI).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fwguard/fwguard.h"
#include "guid.h"
#include "handler.h"
#include "node.h"
#include "registry.h"
#include "unpack.h"

#define OVMF_MS "/usr/share/OVMF/OVMF_VARS_4M.ms.fd"
#define OVMF_EMPTY "/usr/share/OVMF/OVMF_VARS_4M.fd"

/*
 * Oracle counts for OVMF_VARS_4M.ms.fd (Debian ovmf 2025.02): derived once
 * with `UEFIExtract OVMF_VARS_4M.ms.fd report` (uefitool-cli) and
 *   grep -c 'VSS entry' OVMF_VARS_4M.ms.fd.report.txt          -> 57
 *   grep 'VSS entry' ... | grep -vc '| Invalid'                  -> 31
 * UEFIExtract's "Invalid" entries are the 26 deleted ones (state 0x3c);
 * offsets, GUIDs and names of the other 31 match ours one for one.
 */
#define OVMF_MS_VARIABLES 57
#define OVMF_MS_LIVE 31

static const uint8_t guid_nv_fv[16] =
	FWG_GUID_INIT(0xfff12b8d, 0x7696, 0x4c8b, 0xa9, 0x85, 0x27, 0x47, 0x07, 0x5b, 0x4f, 0x50);
static const uint8_t guid_vss[16] =
	FWG_GUID_INIT(0xddcf3616, 0x3275, 0x4164, 0x98, 0xb6, 0xfe, 0x85, 0x70, 0x7f, 0xfe, 0x7d);
static const uint8_t guid_vss_auth[16] =
	FWG_GUID_INIT(0xaaf32c78, 0x947b, 0x439a, 0xa1, 0x80, 0x2e, 0x14, 0x4e, 0xc3, 0x77, 0x92);
static const uint8_t guid_ftw[16] =
	FWG_GUID_INIT(0x9e58292b, 0x7c68, 0x497d, 0xa0, 0xce, 0x65, 0x00, 0xfd, 0x9f, 0x1b, 0x95);
static const uint8_t guid_db[16] =
	FWG_GUID_INIT(0xd719b2cb, 0x3d3a, 0x4596, 0xa3, 0xbc, 0xda, 0xd0, 0x0e, 0x67, 0x65, 0x6f);
static const uint8_t guid_global[16] =
	FWG_GUID_INIT(0x8be4df61, 0x93ca, 0x11d2, 0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c);
static const uint8_t guid_sha256[16] =
	FWG_GUID_INIT(0xc1c41626, 0x504c, 0x4092, 0xac, 0xa9, 0x41, 0xf9, 0x36, 0x93, 0x43, 0x28);

/* ---- helpers ------------------------------------------------------------ */

static uint8_t *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	uint8_t *buf = NULL;
	long n = -1;
	if (fseek(f, 0, SEEK_END) == 0)
		n = ftell(f);
	if (n > 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	*size = buf ? (size_t)n : 0;
	return buf;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Growable byte builder. */
struct buf {
	uint8_t *p;
	size_t len, cap;
};

static uint8_t *grow(struct buf *b, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		assert_non_null(b->p);
		b->cap = cap;
	}
	uint8_t *at = b->p + b->len;
	b->len += n;
	return at;
}

static void add_bytes(struct buf *b, const void *src, size_t n)
{
	memcpy(grow(b, n), src, n);
}

static void add_fill(struct buf *b, uint8_t v, size_t n)
{
	memset(grow(b, n), v, n);
}

static void align4(struct buf *b, uint8_t fill)
{
	while (b->len % 4)
		add_fill(b, fill, 1);
}

/* Store header; size patched by store_end(). */
static size_t store_begin(struct buf *b, bool auth)
{
	size_t at = b->len;
	uint8_t *h = grow(b, 28);
	memset(h, 0, 28);
	memcpy(h, auth ? guid_vss_auth : guid_vss, 16);
	h[20] = 0x5a;
	h[21] = 0xfe;
	return at;
}

static void store_end(struct buf *b, size_t at, size_t free_bytes)
{
	add_fill(b, 0xff, free_bytes);
	put32(b->p + at + 16, (uint32_t)(b->len - at));
}

#define NO_OVERRIDE (-1)

/* A variable with an ASCII name; the size fields are overridden when the
 * override is not NO_OVERRIDE. */
static void add_var(struct buf *b, bool auth, uint8_t state, const uint8_t guid[16],
		const char *name, const void *data, size_t data_len, int64_t name_size_override,
		int64_t data_size_override)
{
	size_t name_size = (strlen(name) + 1) * 2;
	size_t hdr = auth ? 60 : 32;
	uint8_t *h = grow(b, hdr);
	memset(h, 0, hdr);
	put16(h, 0x55aa);
	h[2] = state;
	put32(h + 4, 0x27);
	uint32_t ns = name_size_override != NO_OVERRIDE ? (uint32_t)name_size_override
		: (uint32_t)name_size;
	uint32_t ds = data_size_override != NO_OVERRIDE ? (uint32_t)data_size_override
		: (uint32_t)data_len;
	if (auth) {
		put64(h + 8, 7);
		put16(h + 16, 2024);
		h[18] = 5;
		h[19] = 17;
		h[20] = 12;
		h[21] = 34;
		h[22] = 56;
		put32(h + 36, ns);
		put32(h + 40, ds);
		memcpy(h + 44, guid, 16);
	} else {
		put32(h + 8, ns);
		put32(h + 12, ds);
		memcpy(h + 16, guid, 16);
	}
	for (const char *c = name; ; c++) {
		uint8_t u[2] = { (uint8_t)*c, 0 };
		add_bytes(b, u, 2);
		if (!*c)
			break;
	}
	if (data_len)
		add_bytes(b, data, data_len);
	align4(b, 0xff);
}

/* FTW working block header, CRC per EDK2 (Crc and state bytes as 0xff). */
static uint32_t crc32_ref(const uint8_t *p, size_t n)
{
	uint32_t crc = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

static void add_ftw(struct buf *b, size_t queue, bool good_crc)
{
	uint8_t h[32];
	memcpy(h, guid_ftw, 16);
	memset(h + 16, 0xff, 8);
	put64(h + 24, queue);
	uint32_t crc = crc32_ref(h, 32);
	put32(h + 16, good_crc ? crc : crc ^ 1);
	h[20] = 0xfe;
	add_bytes(b, h, 32);
	add_fill(b, 0xff, queue);
}

/* Wraps body in an NV-data firmware volume with a valid header. */
static uint8_t *wrap_fv(const struct buf *body, size_t *size_out)
{
	size_t size = 0x48 + body->len;
	uint8_t *p = calloc(1, size);
	assert_non_null(p);
	memcpy(p + 0x10, guid_nv_fv, 16);
	put64(p + 0x20, size);
	memcpy(p + 0x28, "_FVH", 4);
	put32(p + 0x2c, 0x4feff);
	put16(p + 0x30, 0x48);
	p[0x37] = 2;
	put32(p + 0x38, 1);
	put32(p + 0x3c, (uint32_t)size);
	uint16_t sum = 0;
	for (size_t i = 0; i < 0x48; i += 2)
		sum = (uint16_t)(sum + (p[i] | p[i + 1] << 8));
	put16(p + 0x32, (uint16_t)(0x10000 - sum));
	memcpy(p + 0x48, body->p, body->len);
	*size_out = size;
	return p;
}

static struct fwg_image *open_buf(const uint8_t *data, size_t size)
{
	struct fwg_options opt;
	fwg_options_default(&opt);
	opt.threads = 1;
	struct fwg_image *img = NULL;
	char err[256];
	enum fwg_status st = fwg_image_open_buffer(data, size, "test", &opt, &img, err, sizeof(err));
	assert_int_equal(st, FWG_OK);
	assert_non_null(img);
	return img;
}

/* Collects nodes of one type in pre-order. */
struct collect {
	const char *type;
	const struct fwg_node *found[512];
	size_t n;
};

static bool collect_visit(struct fwg_node *n, void *user)
{
	struct collect *c = user;
	if (strcmp(n->type, c->type) == 0 && c->n < 512)
		c->found[c->n++] = n;
	return true;
}

static void collect(const struct fwg_node *root, const char *type, struct collect *c)
{
	c->type = type;
	c->n = 0;
	fwg_node_walk((struct fwg_node *)root, collect_visit, c);
}

struct find_diag {
	const char *code;
	size_t hits;
};

static bool diag_visit(struct fwg_node *n, void *user)
{
	struct find_diag *f = user;
	for (size_t i = 0; i < n->diag_count; i++)
		if (strcmp(n->diags[i].code, f->code) == 0)
			f->hits++;
	return true;
}

static size_t count_diag(const struct fwg_node *root, const char *code)
{
	struct find_diag f = { code, 0 };
	fwg_node_walk((struct fwg_node *)root, diag_visit, &f);
	return f.hits;
}

static const struct fwg_node *find_var(const struct fwg_node *root, const char *name)
{
	struct collect c;
	collect(root, FWG_TYPE_NVRAM_VAR, &c);
	const struct fwg_node *last = NULL;
	for (size_t i = 0; i < c.n; i++)
		if (c.found[i]->name && strcmp(c.found[i]->name, name) == 0)
			last = c.found[i]; /* the newest copy is the last one */
	return last;
}

static size_t count_type(const struct fwg_node *root, const char *type)
{
	struct collect c;
	collect(root, type, &c);
	return c.n;
}

/* True when some certificate under node has a subject containing text. */
static bool has_cert_subject(const struct fwg_node *node, const char *text)
{
	struct collect c;
	collect(node, FWG_TYPE_CERT, &c);
	for (size_t i = 0; i < c.n; i++) {
		const char *s = fwg_node_attr(c.found[i], "subject");
		if (s && strstr(s, text))
			return true;
	}
	return false;
}

static const char *attr(const struct fwg_node *n, const char *key)
{
	const char *v = fwg_node_attr(n, key);
	return v ? v : "(none)";
}

/* ---- real samples ------------------------------------------------------- */

static void test_ovmf_ms(void **state)
{
	(void)state;
	size_t size;
	uint8_t *data = read_file(OVMF_MS, &size);
	if (!data)
		skip();
	struct fwg_image *img = open_buf(data, size);
	const struct fwg_node *root = fwg_image_root(img);

	assert_int_equal(count_type(root, FWG_TYPE_NVRAM_STORE), 1);
	assert_int_equal(count_type(root, FWG_TYPE_NVRAM_VAR), OVMF_MS_VARIABLES);
	struct collect vars;
	collect(root, FWG_TYPE_NVRAM_VAR, &vars);
	size_t live = 0;
	for (size_t i = 0; i < vars.n; i++)
		if (strcmp(attr(vars.found[i], "live"), "true") == 0)
			live++;
	assert_int_equal(live, OVMF_MS_LIVE);

	const struct fwg_node *pk = find_var(root, "PK");
	const struct fwg_node *kek = find_var(root, "KEK");
	const struct fwg_node *db = find_var(root, "db");
	const struct fwg_node *dbx = find_var(root, "dbx");
	assert_non_null(pk);
	assert_non_null(kek);
	assert_non_null(db);
	assert_non_null(dbx);
	assert_string_equal(attr(pk, "state"), "added");
	assert_string_equal(attr(pk, "attributes_text"), "NV+BS+RT+TA");
	assert_string_equal(attr(pk, "attributes"), "0x27");
	assert_string_equal(attr(pk, "format"), "auth");
	assert_true(has_cert_subject(pk, "CN=Debian UEFI Secure Boot (PK/KEK key)"));
	assert_int_equal(count_type(pk, FWG_TYPE_CERT), 1);
	assert_int_equal(count_type(kek, FWG_TYPE_CERT), 2);
	assert_true(has_cert_subject(kek, "CN=Microsoft Corporation KEK CA 2011"));
	assert_int_equal(count_type(db, FWG_TYPE_CERT), 2);
	assert_true(has_cert_subject(db, "CN=Microsoft Windows Production PCA 2011"));
	assert_true(has_cert_subject(db, "CN=Microsoft Corporation UEFI CA 2011"));
	assert_int_equal(count_type(dbx, FWG_TYPE_HASH_ENTRY), 1);

	struct collect certs;
	collect(pk, FWG_TYPE_CERT, &certs);
	const struct fwg_node *cert = certs.found[0];
	assert_string_equal(attr(cert, "decoded"), "true");
	assert_string_equal(fwg_node_name(cert), "Debian UEFI Secure Boot (PK/KEK key)");
	assert_string_equal(attr(cert, "public_key_algorithm"), "rsaEncryption");
	assert_string_equal(attr(cert, "signature_algorithm"), "sha256WithRSAEncryption");
	assert_non_null(strstr(attr(cert, "not_before"), "T"));
	assert_true(strlen(attr(cert, "serial")) > 0);
	/* The certificate node is exactly the DER: its SHA-256 is the
	 * certificate fingerprint. */
	assert_int_equal(cert->data[0], 0x30);

	struct collect ftw;
	collect(root, FWG_TYPE_FTW, &ftw);
	assert_int_equal(ftw.n, 1);
	assert_string_equal(attr(ftw.found[0], "crc_ok"), "true");
	assert_string_equal(attr(ftw.found[0], "working_block_valid"), "true");
	assert_int_equal(count_type(root, FWG_TYPE_PADDING), 0);
	assert_int_equal(fwg_image_anomaly_count(img), 0);
	fwg_image_free(img);
	free(data);
}

static void test_ovmf_empty(void **state)
{
	(void)state;
	size_t size;
	uint8_t *data = read_file(OVMF_EMPTY, &size);
	if (!data)
		skip();
	struct fwg_image *img = open_buf(data, size);
	const struct fwg_node *root = fwg_image_root(img);
	struct collect stores;
	collect(root, FWG_TYPE_NVRAM_STORE, &stores);
	assert_int_equal(stores.n, 1);
	assert_string_equal(attr(stores.found[0], "healthy"), "true");
	assert_string_equal(attr(stores.found[0], "format"), "vss_auth");
	assert_int_equal(count_type(root, FWG_TYPE_NVRAM_VAR), 0);
	assert_int_equal(count_type(root, FWG_TYPE_FTW), 1);
	assert_int_equal(fwg_image_anomaly_count(img), 0);
	fwg_image_free(img);
	free(data);
}

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Each mutant lives in a heap block of exactly its size (ASan catches
 * any read past it). */
static void open_mutant(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	assert_non_null(copy);
	memcpy(copy, data, size);
	struct fwg_options opt;
	fwg_options_default(&opt);
	opt.threads = 1;
	struct fwg_image *img = NULL;
	char err[256];
	if (fwg_image_open_buffer(copy, size, "mutant", &opt, &img, err, sizeof(err)) == FWG_OK)
		fwg_image_free(img);
	free(copy);
}

static void test_truncated_and_flipped(void **state)
{
	(void)state;
	size_t size;
	uint8_t *data = read_file(OVMF_MS, &size);
	if (!data)
		skip();
	/* The variables end near 0x5998: cut densely there, sparsely after. */
	for (size_t cut = 0; cut < 0x5a00 && cut < size; cut += 61)
		open_mutant(data, cut);
	for (size_t cut = 0x5a00; cut < size; cut += 0x3001)
		open_mutant(data, cut);
	uint64_t seed = 0x6e7672616d;
	uint8_t *m = malloc(size);
	assert_non_null(m);
	for (int round = 0; round < 300; round++) {
		memcpy(m, data, size);
		int flips = 1 + (int)(rng_next(&seed) % 8);
		for (int i = 0; i < flips; i++) {
			/* Mostly inside the variables, sometimes in the FTW header. */
			size_t span = (rng_next(&seed) & 7) ? 0x5a00 : size;
			size_t at = (size_t)(rng_next(&seed) % span);
			m[at] ^= (uint8_t)(1u << (rng_next(&seed) % 8));
		}
		open_mutant(m, size);
	}
	free(m);
	free(data);
}

/* ---- hand-built stores -------------------------------------------------- */

static struct fwg_image *open_body(struct buf *body, uint8_t **fv_out)
{
	size_t size;
	uint8_t *fv = wrap_fv(body, &size);
	*fv_out = fv;
	return open_buf(fv, size);
}

static void test_name_size_past_end(void **state)
{
	(void)state;
	struct buf b = { 0 };
	size_t s = store_begin(&b, true);
	add_var(&b, true, 0x3f, guid_global, "Good", "\x01\x02", 2, NO_OVERRIDE, NO_OVERRIDE);
	add_var(&b, true, 0x3f, guid_global, "Bad", "x", 1, 0x10000, NO_OVERRIDE);
	store_end(&b, s, 16);
	uint8_t *fv;
	struct fwg_image *img = open_body(&b, &fv);
	const struct fwg_node *root = fwg_image_root(img);
	assert_int_equal(count_type(root, FWG_TYPE_NVRAM_VAR), 1);
	assert_non_null(find_var(root, "Good"));
	assert_int_equal(count_diag(root, "nvram.var_size"), 1);
	assert_true(count_type(root, FWG_TYPE_PADDING) >= 1);
	fwg_image_free(img);
	free(fv);
	free(b.p);
}

static void test_data_size_overflow(void **state)
{
	(void)state;
	for (int auth = 0; auth < 2; auth++) {
		struct buf b = { 0 };
		size_t s = store_begin(&b, auth);
		add_var(&b, auth, 0x3f, guid_global, "Huge", "abcd", 4, NO_OVERRIDE, 0xffffffffu);
		store_end(&b, s, 64);
		uint8_t *fv;
		struct fwg_image *img = open_body(&b, &fv);
		const struct fwg_node *root = fwg_image_root(img);
		assert_int_equal(count_type(root, FWG_TYPE_NVRAM_VAR), 0);
		assert_int_equal(count_diag(root, "nvram.var_size"), 1);
		fwg_image_free(img);
		free(fv);
		free(b.p);
	}
}

/* A db variable holding one signature list with the given sizes. */
static struct fwg_image *db_with_list(uint32_t list_size, uint32_t header_size, uint32_t sig_size,
		size_t entries_bytes, uint8_t **fv_out, struct buf *b)
{
	uint8_t *list = calloc(1, 28 + entries_bytes);
	assert_non_null(list);
	memcpy(list, guid_sha256, 16);
	put32(list + 16, list_size);
	put32(list + 20, header_size);
	put32(list + 24, sig_size);
	memset(list + 28, 0xab, entries_bytes);
	memset(b, 0, sizeof(*b));
	size_t s = store_begin(b, true);
	add_var(b, true, 0x3f, guid_db, "db", list, 28 + entries_bytes, NO_OVERRIDE, NO_OVERRIDE);
	store_end(b, s, 32);
	free(list);
	return open_body(b, fv_out);
}

static void test_zero_size_entries(void **state)
{
	(void)state;
	struct buf b;
	uint8_t *fv;
	/* SignatureSize 0: cannot advance, no entries. */
	struct fwg_image *img = db_with_list(28 + 48, 0, 0, 48, &fv, &b);
	const struct fwg_node *root = fwg_image_root(img);
	assert_int_equal(count_type(root, FWG_TYPE_SIGLIST), 1);
	assert_int_equal(count_type(root, FWG_TYPE_HASH_ENTRY), 0);
	assert_int_equal(count_diag(root, "siglist.signature_size"), 1);
	fwg_image_free(img);
	free(fv);
	free(b.p);
	/* SignatureSize 16: owner only, no data. */
	img = db_with_list(28 + 48, 0, 16, 48, &fv, &b);
	root = fwg_image_root(img);
	assert_int_equal(count_type(root, FWG_TYPE_HASH_ENTRY), 0);
	assert_int_equal(count_diag(root, "siglist.empty_entry"), 1);
	fwg_image_free(img);
	free(fv);
	free(b.p);
	/* A good sha256 list for contrast. */
	img = db_with_list(28 + 96, 0, 48, 96, &fv, &b);
	root = fwg_image_root(img);
	assert_int_equal(count_type(root, FWG_TYPE_HASH_ENTRY), 2);
	struct collect h;
	collect(root, FWG_TYPE_HASH_ENTRY, &h);
	assert_int_equal(strlen(attr(h.found[0], "hash")), 64);
	assert_string_equal(attr(h.found[0], "owner"), "abababab-abab-abab-abab-abababababab");
	assert_int_equal(count_diag(root, "siglist.signature_size"), 0);
	fwg_image_free(img);
	free(fv);
	free(b.p);
}

static void test_list_size_smaller_than_header(void **state)
{
	(void)state;
	struct buf b;
	uint8_t *fv;
	struct fwg_image *img = db_with_list(20, 0, 48, 48, &fv, &b);
	const struct fwg_node *root = fwg_image_root(img);
	assert_int_equal(count_type(root, FWG_TYPE_SIGLIST), 1);
	assert_int_equal(count_diag(root, "nvram.siglist_framing"), 1);
	assert_int_equal(count_diag(root, "siglist.list_size"), 1);
	assert_int_equal(count_type(root, FWG_TYPE_HASH_ENTRY), 0);
	fwg_image_free(img);
	free(fv);
	free(b.p);
	/* Header size larger than the list. */
	img = db_with_list(28 + 48, 0x1000, 48, 48, &fv, &b);
	root = fwg_image_root(img);
	assert_int_equal(count_diag(root, "siglist.header_size"), 1);
	fwg_image_free(img);
	free(fv);
	free(b.p);
	/* Entries not a multiple of SignatureSize: whole entries still listed. */
	img = db_with_list(28 + 100, 0, 48, 100, &fv, &b);
	root = fwg_image_root(img);
	assert_int_equal(count_diag(root, "siglist.signature_size"), 1);
	assert_int_equal(count_type(root, FWG_TYPE_HASH_ENTRY), 2);
	fwg_image_free(img);
	free(fv);
	free(b.p);
}

static void test_states_and_layout(void **state)
{
	(void)state;
	struct buf b = { 0 };
	size_t s = store_begin(&b, false);
	add_var(&b, false, 0x3f, guid_global, "Added", "a", 1, NO_OVERRIDE, NO_OVERRIDE);
	add_var(&b, false, 0x3e, guid_global, "Transit", "b", 1, NO_OVERRIDE, NO_OVERRIDE);
	add_var(&b, false, 0x3c, guid_global, "Deleted", "c", 1, NO_OVERRIDE, NO_OVERRIDE);
	add_var(&b, false, 0x7f, guid_global, "HdrOnly", "d", 1, NO_OVERRIDE, NO_OVERRIDE);
	store_end(&b, s, 40);
	add_fill(&b, 0xff, 8);
	add_fill(&b, 0x5a, 4); /* non-erased garbage between store and FTW */
	add_ftw(&b, 64, true);
	add_fill(&b, 0xff, 8);
	add_fill(&b, 0x5a, 4); /* stale data in the spare area */
	add_fill(&b, 0xff, 8);
	uint8_t *fv;
	struct fwg_image *img = open_body(&b, &fv);
	const struct fwg_node *root = fwg_image_root(img);
	assert_int_equal(count_type(root, FWG_TYPE_NVRAM_VAR), 4);
	assert_string_equal(attr(find_var(root, "Added"), "state"), "added");
	assert_string_equal(attr(find_var(root, "Added"), "live"), "true");
	assert_string_equal(attr(find_var(root, "Added"), "format"), "normal");
	assert_string_equal(attr(find_var(root, "Transit"), "state"), "in_deleted_transition");
	assert_string_equal(attr(find_var(root, "Transit"), "live"), "true");
	assert_string_equal(attr(find_var(root, "Deleted"), "state"), "deleted");
	assert_string_equal(attr(find_var(root, "Deleted"), "live"), "false");
	assert_string_equal(attr(find_var(root, "HdrOnly"), "state"), "header_valid_only");
	/* The variable's body is its data. */
	const struct fwg_node *v = find_var(root, "Added");
	assert_int_equal(v->body_size, 1);
	assert_int_equal(v->body[0], 'a');
	struct collect ftw;
	collect(root, FWG_TYPE_FTW, &ftw);
	assert_int_equal(ftw.n, 1);
	assert_string_equal(attr(ftw.found[0], "crc_ok"), "true");
	assert_string_equal(attr(ftw.found[0], "write_queue_size"), "0x40");
	assert_int_equal(count_diag(root, "nvram.unclaimed_data"), 1);
	assert_int_equal(count_diag(root, "nvram.spare_data"), 1);
	assert_int_equal(count_type(root, FWG_TYPE_PADDING), 2);
	fwg_image_free(img);
	free(fv);
	free(b.p);
}

static void test_ftw_bad_crc_and_garbage_in_store(void **state)
{
	(void)state;
	struct buf b = { 0 };
	size_t s = store_begin(&b, true);
	add_var(&b, true, 0x3f, guid_global, "One", "1", 1, NO_OVERRIDE, NO_OVERRIDE);
	add_fill(&b, 0x00, 8); /* StartId 0x0000: end of variables, not erased */
	store_end(&b, s, 8);
	add_ftw(&b, 32, false);
	uint8_t *fv;
	struct fwg_image *img = open_body(&b, &fv);
	const struct fwg_node *root = fwg_image_root(img);
	assert_int_equal(count_type(root, FWG_TYPE_NVRAM_VAR), 1);
	assert_int_equal(count_diag(root, "nvram.unclaimed_data"), 1);
	assert_int_equal(count_diag(root, "nvram.ftw_crc"), 1);
	const struct fwg_node *one = find_var(root, "One");
	assert_string_equal(attr(one, "monotonic_count"), "7");
	assert_string_equal(attr(one, "timestamp"), "2024-05-17T12:34:56Z");
	fwg_image_free(img);
	free(fv);
	free(b.p);
}

static void test_store_size_past_area(void **state)
{
	(void)state;
	struct buf b = { 0 };
	size_t s = store_begin(&b, true);
	add_var(&b, true, 0x3f, guid_global, "Var", "z", 1, NO_OVERRIDE, NO_OVERRIDE);
	store_end(&b, s, 8);
	put32(b.p + s + 16, 0x7fffffff);
	uint8_t *fv;
	struct fwg_image *img = open_body(&b, &fv);
	const struct fwg_node *root = fwg_image_root(img);
	assert_int_equal(count_type(root, FWG_TYPE_NVRAM_VAR), 1);
	assert_int_equal(count_diag(root, "nvram.store_size"), 1);
	fwg_image_free(img);
	free(fv);
	free(b.p);
}

/* A bare store reached without a volume: the node is the store itself. */
static void test_bare_store(void **state)
{
	(void)state;
	struct buf b = { 0 };
	size_t s = store_begin(&b, true);
	add_var(&b, true, 0x3f, guid_global, "Bare", "q", 1, NO_OVERRIDE, NO_OVERRIDE);
	store_end(&b, s, 16);
	struct fwg_cursor c = fwg_cursor_make(b.p, b.len);
	assert_true(fwg_handler_nvram.probe(&c) > 0);
	struct fwg_cursor junk = fwg_cursor_make(b.p + 1, b.len - 1);
	assert_int_equal(fwg_handler_nvram.probe(&junk), 0);

	struct fwg_node *root = fwg_node_new(FWG_TYPE_NVRAM_STORE);
	assert_non_null(root);
	root->data = root->body = b.p;
	root->size = root->body_size = b.len;
	root->abs_offset = 0;
	root->handler = &fwg_handler_nvram;
	struct fwg_options opt;
	fwg_options_default(&opt);
	opt.threads = 1;
	uint64_t nodes = 0;
	assert_int_equal(fwg_unpack_run(root, &opt, &nodes), FWG_OK);
	/* Parsed in place: the variable is a direct child. */
	assert_true(root->child_count >= 1);
	assert_string_equal(root->children[0]->type, FWG_TYPE_NVRAM_VAR);
	assert_string_equal(root->children[0]->name, "Bare");
	assert_string_equal(attr(root, "format"), "vss_auth");
	fwg_node_free(root);

	/* The same store followed by an FTW block is scanned as an area. */
	add_ftw(&b, 32, true);
	root = fwg_node_new(FWG_TYPE_NVRAM_STORE);
	assert_non_null(root);
	root->data = root->body = b.p;
	root->size = root->body_size = b.len;
	root->handler = &fwg_handler_nvram;
	assert_int_equal(fwg_unpack_run(root, &opt, &nodes), FWG_OK);
	assert_int_equal(count_type(root, FWG_TYPE_NVRAM_STORE), 2);
	assert_int_equal(count_type(root, FWG_TYPE_FTW), 1);
	assert_non_null(find_var(root, "Bare"));
	fwg_node_free(root);
	free(b.p);
}

/* The siglist handler straight on a window, without a variable. */
static void test_siglist_direct(void **state)
{
	(void)state;
	uint8_t list[28 + 2 * 48];
	memset(list, 0x11, sizeof(list));
	memcpy(list, guid_sha256, 16);
	put32(list + 16, sizeof(list));
	put32(list + 20, 0);
	put32(list + 24, 48);
	for (size_t cut = 0; cut <= sizeof(list); cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);
		assert_non_null(copy);
		memcpy(copy, list, cut);
		struct fwg_node *root = fwg_node_new(FWG_TYPE_SIGLIST);
		assert_non_null(root);
		root->data = root->body = copy;
		root->size = root->body_size = cut;
		root->handler = &fwg_handler_siglist;
		struct fwg_options opt;
		fwg_options_default(&opt);
		opt.threads = 1;
		uint64_t nodes = 0;
		assert_int_equal(fwg_unpack_run(root, &opt, &nodes), FWG_OK);
		size_t want = cut < 28 ? 0 : (cut - 28) / 48;
		assert_int_equal(count_type(root, FWG_TYPE_HASH_ENTRY), want);
		if (cut < sizeof(list))
			assert_true(count_diag(root, cut < 28 ? "siglist.truncated" :
				"siglist.list_size") == 1);
		fwg_node_free(root);
		free(copy);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ovmf_ms),
		cmocka_unit_test(test_ovmf_empty),
		cmocka_unit_test(test_truncated_and_flipped),
		cmocka_unit_test(test_name_size_past_end),
		cmocka_unit_test(test_data_size_overflow),
		cmocka_unit_test(test_zero_size_entries),
		cmocka_unit_test(test_list_size_smaller_than_header),
		cmocka_unit_test(test_states_and_layout),
		cmocka_unit_test(test_ftw_bad_crc_and_garbage_in_store),
		cmocka_unit_test(test_store_size_past_area),
		cmocka_unit_test(test_bare_store),
		cmocka_unit_test(test_siglist_direct),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
