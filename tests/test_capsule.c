/*
 * test_capsule.c - cmocka tests for the UEFI capsule handler
 * (src/handlers/uefi/capsule.c).
 *
 * Usage: test_capsule MAKE_CAPSULE_PY PAYLOAD_FV
 *   MAKE_CAPSULE_PY  tests/gen/make_capsule.py
 *   PAYLOAD_FV       a firmware image used as capsule payload
 *                    (OVMF_CODE_4M.fd); tests needing it are skipped when
 *                    it is missing.
 *
 * Covered: FMP capsules with a real (openssl CLI) or fake PKCS#7
 * authentication block and without one, embedded drivers, EDK2's payload
 * header, vendor code; a plain EFI capsule, an unknown-GUID capsule and a
 * Windows UX capsule; then hand-built capsules for every size check
 * (truncation, bad item offsets, too many items, duplicate offsets, bad
 * dwLength, trailing data, inconsistent flags, announced but missing
 * authentication) and truncation and corruption sweeps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fwguard/fwguard.h"
#include "test_helpers.h"
#include "guid.h"
#include "node.h"

struct paths {
	const char *gen;
	const char *payload;
};

/* ---- helpers ---- */

static const struct fwg_node *capsule_of(const struct fwg_image *img)
{
	const struct fwg_node *root = fwg_image_root(img);
	assert_int_equal(root->child_count, 1);
	const struct fwg_node *cap = root->children[0];
	assert_string_equal(cap->type, "capsule");
	return cap;
}

#define FMP_GUID "6dcbd5ed-e82d-4c44-bda1-7194199ad92a"
#define IMAGE_TYPE_ID "2d6a2b8a-4c8f-4a52-9e3b-5e43a4f6c2a1"

struct generated {
	char dir[64];
	char *path;
	size_t direct_files; /* ffs files when scanning the payload directly */
};

static bool generate(const struct paths *p, const char *args, struct generated *g)
{
	if (access(p->payload, R_OK) != 0)
		return false;
	snprintf(g->dir, sizeof(g->dir), "/tmp/fwg-test-capsule-XXXXXX");
	assert_non_null(mkdtemp(g->dir));
	assert_true(asprintf(&g->path, "%s/test.cap", g->dir) > 0);
	char *cmd = NULL;
	assert_true(asprintf(&cmd, "python3 '%s' %s '%s' --payload '%s'", p->gen, args, g->path,
		p->payload) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	struct fwg_image *direct = open_path(p->payload);
	g->direct_files = count_type(fwg_image_root(direct), "ffs");
	fwg_image_free(direct);
	assert_true(g->direct_files > 100);
	return true;
}

static void generated_free(struct generated *g)
{
	char *cmd = NULL;
	if (asprintf(&cmd, "rm -rf '%s'", g->dir) > 0 &&
			strncmp(g->dir, "/tmp/fwg-test-capsule-", 22) == 0)
		(void)system(cmd);
	free(cmd);
	free(g->path);
}

/* The payload child of n holds the volumes of the payload file. */
static void assert_payload_opened(const struct fwg_node *n, const struct generated *g)
{
	const struct fwg_node *payload = NULL;
	for (size_t i = 0; i < n->child_count && !payload; i++)
		if (n->children[i]->name && strcmp(n->children[i]->name, "payload") == 0)
			payload = n->children[i];
	assert_non_null(payload);
	assert_true(count_type(payload, "fv") >= 1);
	assert_int_equal(count_type(payload, "ffs"), g->direct_files);
}

/* ---- generated capsules ---- */

static void test_fmp_signed(void **state)
{
	const struct paths *p = *state;
	bool have_openssl = system("command -v openssl >/dev/null 2>&1") == 0;
	struct generated g;
	if (!generate(p, have_openssl ? "fmp --auth openssl --mss1 --drivers 1 --vendor-code 16"
				: "fmp --auth fake --mss1 --drivers 1 --vendor-code 16", &g))
		skip();
	struct fwg_image *img = open_path(g.path);
	const struct fwg_node *cap = capsule_of(img);
	assert_guid(cap, FMP_GUID);
	assert_attr(cap, "capsule_type", "fmp");
	assert_attr(cap, "header_size", "0x20");
	assert_attr(cap, "persist_across_reset", "true");
	assert_attr(cap, "initiate_reset", "true");
	assert_attr(cap, "populate_system_table", "false");
	assert_attr(cap, "embedded_driver_count", "1");
	assert_attr(cap, "payload_item_count", "1");
	assert_int_equal(cap->child_count, 2);
	const struct fwg_node *drv = cap->children[0];
	assert_string_equal(drv->type, "pe32");
	assert_string_equal(drv->name, "embedded_driver");

	const struct fwg_node *item = cap->children[1];
	assert_string_equal(item->type, "fmp_image");
	assert_guid(item, IMAGE_TYPE_ID);
	assert_attr(item, "version", "3");
	assert_attr(item, "authenticated", "true");
	assert_attr(item, "monotonic_count", "7");
	assert_attr(item, "cert_type", "pkcs7");
	assert_attr(item, "image_capsule_support", "0x1");
	assert_attr(item, "vendor_code_size", "16");
	assert_attr(item, "fw_version", "0x10002");
	assert_attr(item, "lowest_supported_version", "0x10000");
	assert_non_null(fwg_node_attr(item, "pkcs7_size"));
	if (have_openssl) {
		assert_attr(item, "pkcs7_parsed", "true");
		assert_attr(item, "signer", "/CN=fwguard test signer");
	} else {
		assert_attr(item, "pkcs7_parsed", "false");
	}
	const struct fwg_node *cert = child_named(item, "certificate", NULL);
	assert_non_null(cert);
	assert_attr(cert, "format", "pkcs7");
	const struct fwg_node *vendor = child_named(item, "raw", "vendor_code");
	assert_non_null(vendor);
	assert_int_equal(vendor->size, 16);
	assert_payload_opened(item, &g);
	fwg_image_free(img);
	generated_free(&g);
}

static void test_fmp_unsigned(void **state)
{
	const struct paths *p = *state;
	struct generated g;
	if (!generate(p, "fmp --image-version 1", &g))
		skip();
	struct fwg_image *img = open_path(g.path);
	const struct fwg_node *cap = capsule_of(img);
	assert_int_equal(cap->child_count, 1);
	const struct fwg_node *item = cap->children[0];
	assert_string_equal(item->type, "fmp_image");
	assert_guid(item, IMAGE_TYPE_ID);
	assert_attr(item, "version", "1");
	assert_attr(item, "authenticated", "false");
	assert_null(fwg_node_attr(item, "update_hardware_instance"));
	assert_null(child_named(item, "certificate", NULL));
	assert_payload_opened(item, &g);
	fwg_image_free(img);
	generated_free(&g);
}

static void test_fmp_fake_signature(void **state)
{
	const struct paths *p = *state;
	struct generated g;
	if (!generate(p, "fmp --auth fake --image-version 2", &g))
		skip();
	struct fwg_image *img = open_path(g.path);
	const struct fwg_node *item = capsule_of(img)->children[0];
	assert_attr(item, "authenticated", "true");
	assert_attr(item, "pkcs7_parsed", "false");
	assert_attr(item, "pkcs7_size", "260");
	assert_attr(item, "update_hardware_instance", "0x0");
	assert_true(has_diag(item, "capsule.pkcs7_parse"));
	assert_payload_opened(item, &g);
	fwg_image_free(img);
	generated_free(&g);
}

static void test_plain_and_unknown(void **state)
{
	const struct paths *p = *state;
	struct generated g;
	if (!generate(p, "uefi", &g))
		skip();
	struct fwg_image *img = open_path(g.path);
	const struct fwg_node *cap = capsule_of(img);
	assert_guid(cap, "3b6686bd-0d76-4030-b70e-b5519e2fc5a0");
	assert_attr(cap, "capsule_type", "uefi");
	assert_attr(cap, "header_size", "0x1c");
	assert_attr(cap, "truncated", "false");
	assert_payload_opened(cap, &g);
	fwg_image_free(img);
	generated_free(&g);

	if (!generate(p, "unknown", &g))
		skip();
	img = open_path(g.path);
	cap = capsule_of(img);
	assert_guid(cap, "0badc0de-1234-4abc-9def-0123456789ab");
	assert_attr(cap, "capsule_type", "unknown");
	assert_payload_opened(cap, &g);
	fwg_image_free(img);
	generated_free(&g);

	/* An unknown GUID with trailing bytes is not a capsule (sizes do not
	 * describe the window exactly); a known one reports the trailer. */
	if (!generate(p, "unknown --trailing 64", &g))
		skip();
	img = open_path(g.path);
	assert_int_equal(count_type(fwg_image_root(img), "capsule"), 0);
	fwg_image_free(img);
	generated_free(&g);
	if (!generate(p, "uefi --trailing 64", &g))
		skip();
	img = open_path(g.path);
	cap = capsule_of(img);
	const struct fwg_node *pad = child_named(cap, "padding", "trailing_data");
	assert_non_null(pad);
	assert_int_equal(pad->size, 64);
	assert_true(has_diag(pad, "capsule.trailing_data"));
	fwg_image_free(img);
	generated_free(&g);
}

static void test_ux(void **state)
{
	const struct paths *p = *state;
	struct generated g;
	if (!generate(p, "ux", &g))
		skip();
	struct fwg_image *img = open_path(g.path);
	const struct fwg_node *cap = capsule_of(img);
	assert_attr(cap, "capsule_type", "windows_ux");
	assert_attr(cap, "ux_image_type", "bmp");
	assert_attr(cap, "ux_offset_y", "20");
	assert_attr(cap, "checksum_ok", "true");
	assert_non_null(child_named(cap, "raw", "bmp"));
	fwg_image_free(img);
	generated_free(&g);
}

/* UEFIExtract (Debian uefitool-cli) treats every capsule as "UEFI capsule"
 * and scans its body for volumes: the volume counts must agree. */
static size_t uefiextract_volumes(const char *dir, const char *file)
{
	char *cmd = NULL, *report = NULL;
	assert_true(asprintf(&cmd, "cd '%s' && UEFIExtract '%s' report >/dev/null 2>&1", dir,
		file) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	assert_true(asprintf(&report, "%s/%s.report.txt", dir, file) > 0);
	FILE *f = fopen(report, "r");
	assert_non_null(f);
	char line[1024];
	size_t volumes = 0;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, " Volume ", 8) == 0)
			volumes++;
	fclose(f);
	free(report);
	return volumes;
}

static void test_uefiextract_agrees(void **state)
{
	const struct paths *p = *state;
	if (system("command -v UEFIExtract >/dev/null 2>&1") != 0)
		skip();
	static const char *const kinds[] = { "uefi", "fmp --auth fake --mss1" };
	for (size_t i = 0; i < 2; i++) {
		struct generated g;
		if (!generate(p, kinds[i], &g))
			skip();
		size_t theirs = uefiextract_volumes(g.dir, "test.cap");
		struct fwg_image *img = open_path(g.path);
		assert_true(theirs >= 1);
		assert_int_equal(count_type(fwg_image_root(img), "fv"), theirs);
		fwg_image_free(img);
		generated_free(&g);
	}
}

/* ---- hand-built FMP capsules ---- */

static void put16(uint8_t *b, size_t off, uint16_t v)
{
	b[off] = (uint8_t)v;
	b[off + 1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *b, size_t off, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b[off + i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *b, size_t off, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		b[off + i] = (uint8_t)(v >> (8 * i));
}

static void put_guid(uint8_t *b, size_t off, const char *text)
{
	assert_true(fwg_guid_parse(text, b + off));
}

/*
 * Layout: capsule header (0x20) | FMP header + 1 offset (0x10) | image
 * header v3 (0x30) | auth (MonotonicCount, WIN_CERTIFICATE_UEFI_GUID with
 * 0x20 bytes of cert data) | payload "payload!" x 8 | vendor code 8 bytes.
 */
#define CAP_FMP 0x20
#define CAP_ITEM 0x30
#define CAP_IMAGE (CAP_ITEM + 0x30)
#define CAP_CERT_DATA 0x20
#define CAP_AUTH (0x20 + CAP_CERT_DATA)
#define CAP_PAYLOAD 64
#define CAP_VENDOR 8
#define CAP_SIZE (CAP_IMAGE + CAP_AUTH + CAP_PAYLOAD + CAP_VENDOR)

static void build_fmp(uint8_t *b)
{
	memset(b, 0, CAP_SIZE);
	put_guid(b, 0, FMP_GUID);
	put32(b, 0x10, CAP_FMP);
	put32(b, 0x14, 0x00010000);
	put32(b, 0x18, CAP_SIZE);
	put32(b, CAP_FMP, 1);
	put16(b, CAP_FMP + 4, 0);
	put16(b, CAP_FMP + 6, 1);
	put64(b, CAP_FMP + 8, CAP_ITEM - CAP_FMP);
	put32(b, CAP_ITEM, 3);
	put_guid(b, CAP_ITEM + 4, IMAGE_TYPE_ID);
	b[CAP_ITEM + 0x14] = 1;
	put32(b, CAP_ITEM + 0x18, CAP_AUTH + CAP_PAYLOAD);
	put32(b, CAP_ITEM + 0x1c, CAP_VENDOR);
	put64(b, CAP_ITEM + 0x28, 1);
	put64(b, CAP_IMAGE, 42);
	put32(b, CAP_IMAGE + 8, 24 + CAP_CERT_DATA);
	put16(b, CAP_IMAGE + 12, 0x0200);
	put16(b, CAP_IMAGE + 14, 0x0ef1);
	put_guid(b, CAP_IMAGE + 16, "4aafd29d-68df-49ee-8aa9-347d375665a7");
	memset(b + CAP_IMAGE + 32, 0x30, CAP_CERT_DATA);
	for (size_t i = 0; i < CAP_PAYLOAD; i++)
		b[CAP_IMAGE + CAP_AUTH + i] = (uint8_t)"payload!"[i % 8];
	memset(b + CAP_IMAGE + CAP_AUTH + CAP_PAYLOAD, 'V', CAP_VENDOR);
}

static const struct fwg_node *item_of(const struct fwg_node *cap)
{
	const struct fwg_node *item = child_named(cap, "fmp_image", NULL);
	assert_non_null(item);
	return item;
}

static void test_small_fmp(void **state)
{
	(void)state;
	uint8_t b[CAP_SIZE];
	build_fmp(b);
	struct fwg_image *img = open_buffer(b, sizeof(b));
	const struct fwg_node *cap = capsule_of(img);
	assert_int_equal(cap->diag_count, 0);
	const struct fwg_node *item = item_of(cap);
	assert_attr(item, "authenticated", "true");
	assert_attr(item, "monotonic_count", "42");
	assert_attr(item, "pkcs7_size", "32");
	const struct fwg_node *payload = child_named(item, "raw", "payload");
	assert_non_null(payload);
	assert_int_equal(payload->offset, 0x30 + CAP_AUTH);
	assert_int_equal(payload->size, CAP_PAYLOAD);
	assert_int_equal(child_named(item, "raw", "vendor_code")->size, CAP_VENDOR);
	fwg_image_free(img);
}

static void test_small_fmp_errors(void **state)
{
	(void)state;
	uint8_t b[CAP_SIZE];
	struct fwg_image *img;

	/* CapsuleImageSize beyond the window: truncated, still parsed. */
	build_fmp(b);
	put32(b, 0x18, CAP_SIZE + 0x1000);
	img = open_buffer(b, sizeof(b));
	assert_true(has_diag(capsule_of(img), "capsule.truncated"));
	assert_attr(capsule_of(img), "truncated", "true");
	assert_non_null(item_of(capsule_of(img)));
	fwg_image_free(img);

	/* Item offset outside the body. */
	build_fmp(b);
	put64(b, CAP_FMP + 8, 0x100000);
	img = open_buffer(b, sizeof(b));
	assert_true(has_diag(capsule_of(img), "capsule.item_offset"));
	assert_int_equal(capsule_of(img)->child_count, 0);
	fwg_image_free(img);

	/* Item offset inside the offset list. */
	build_fmp(b);
	put64(b, CAP_FMP + 8, 4);
	img = open_buffer(b, sizeof(b));
	assert_true(has_diag(capsule_of(img), "capsule.item_offset"));
	fwg_image_free(img);

	/* Too many items. */
	build_fmp(b);
	put16(b, CAP_FMP + 4, 200);
	put16(b, CAP_FMP + 6, 100);
	img = open_buffer(b, sizeof(b));
	assert_true(has_diag(capsule_of(img), "capsule.fmp_items"));
	fwg_image_free(img);

	/* Offset list longer than the capsule. */
	build_fmp(b);
	put16(b, CAP_FMP + 6, 40);
	img = open_buffer(b, sizeof(b));
	assert_true(has_diag(capsule_of(img), "capsule.fmp_header"));
	fwg_image_free(img);

	/* dwLength past the image: authentication malformed. */
	build_fmp(b);
	put32(b, CAP_IMAGE + 8, 0x10000);
	img = open_buffer(b, sizeof(b));
	const struct fwg_node *item = item_of(capsule_of(img));
	assert_true(has_diag(item, "capsule.auth_length"));
	assert_attr(item, "authenticated", "false");
	fwg_image_free(img);

	/* No authentication although ImageCapsuleSupport announces it. */
	build_fmp(b);
	put16(b, CAP_IMAGE + 14, 0x0002);
	img = open_buffer(b, sizeof(b));
	item = item_of(capsule_of(img));
	assert_attr(item, "authenticated", "false");
	assert_true(has_diag(item, "capsule.auth_missing"));
	fwg_image_free(img);

	/* Image and vendor sizes past the item. */
	build_fmp(b);
	put32(b, CAP_ITEM + 0x18, 0x7fffffff);
	img = open_buffer(b, sizeof(b));
	item = item_of(capsule_of(img));
	assert_true(has_diag(item, "capsule.fmp_image_size"));
	fwg_image_free(img);
	build_fmp(b);
	put32(b, CAP_ITEM + 0x1c, 0xffffffff);
	img = open_buffer(b, sizeof(b));
	assert_true(has_diag(item_of(capsule_of(img)), "capsule.vendor_code_size"));
	fwg_image_free(img);

	/* Unsupported image header version. */
	build_fmp(b);
	put32(b, CAP_ITEM, 9);
	img = open_buffer(b, sizeof(b));
	assert_true(has_diag(item_of(capsule_of(img)), "capsule.fmp_image_version"));
	fwg_image_free(img);

	/* INITIATE_RESET without PERSIST_ACROSS_RESET. */
	build_fmp(b);
	put32(b, 0x14, 0x00040000);
	img = open_buffer(b, sizeof(b));
	assert_true(has_diag(capsule_of(img), "capsule.flags"));
	fwg_image_free(img);
}

static void test_duplicate_items(void **state)
{
	(void)state;
	/* Two payload items at the same offset: the list is 0x18 bytes, so the
	 * items start 8 bytes later than in build_fmp; shift the tail. */
	uint8_t src[CAP_SIZE], b[CAP_SIZE + 8];
	build_fmp(src);
	memcpy(b, src, CAP_FMP + 0x10);
	memcpy(b + CAP_ITEM + 8, src + CAP_ITEM, CAP_SIZE - CAP_ITEM);
	put32(b, 0x18, CAP_SIZE + 8);
	put16(b, CAP_FMP + 6, 2);
	put64(b, CAP_FMP + 8, 0x18);
	put64(b, CAP_FMP + 16, 0x18);
	struct fwg_image *img = open_buffer(b, sizeof(b));
	assert_true(has_diag(capsule_of(img), "capsule.item_overlap"));
	fwg_image_free(img);
}

static uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

static void test_truncation_and_corruption(void **state)
{
	(void)state;
	uint8_t b[CAP_SIZE], c[CAP_SIZE];
	build_fmp(b);
	for (size_t n = 0; n <= CAP_SIZE; n++) {
		struct fwg_image *img = open_buffer(b, n);
		fwg_image_free(img);
	}
	uint64_t seed = 0xca95c1e;
	for (int iter = 0; iter < 20000; iter++) {
		memcpy(c, b, CAP_SIZE);
		int flips = 1 + (int)(rng_next(&seed) % 6);
		for (int k = 0; k < flips; k++)
			c[0x10 + rng_next(&seed) % (CAP_SIZE - 0x10)] = (uint8_t)rng_next(&seed);
		struct fwg_image *img = open_buffer(c, CAP_SIZE);
		fwg_image_free(img);
	}
}

int main(int argc, char **argv)
{
	struct paths p;
	p.gen = argc > 1 ? argv[1] : "tests/gen/make_capsule.py";
	p.payload = argc > 2 ? argv[2] : "/usr/share/OVMF/OVMF_CODE_4M.fd";
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_prestate(test_fmp_signed, &p),
		cmocka_unit_test_prestate(test_fmp_unsigned, &p),
		cmocka_unit_test_prestate(test_fmp_fake_signature, &p),
		cmocka_unit_test_prestate(test_plain_and_unknown, &p),
		cmocka_unit_test_prestate(test_ux, &p),
		cmocka_unit_test_prestate(test_uefiextract_agrees, &p),
		cmocka_unit_test(test_small_fmp),
		cmocka_unit_test(test_small_fmp_errors),
		cmocka_unit_test(test_duplicate_items),
		cmocka_unit_test(test_truncation_and_corruption),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
