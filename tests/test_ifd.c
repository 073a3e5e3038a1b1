/*
 * test_ifd.c - cmocka tests for the Intel flash descriptor handler
 * (src/handlers/uefi/ifd.c).
 *
 * Usage: test_ifd MAKE_IFD_PY BIOS_IMAGE
 *   MAKE_IFD_PY  tests/gen/make_ifd.py, which writes an 8 MiB IFDv2 image
 *                with BIOS_IMAGE (OVMF_CODE_4M.fd) as its BIOS region;
 *   BIOS_IMAGE   tests needing it are skipped when it is missing.
 *
 * Covered: region list and padding of the generated image, the BIOS
 * region's volumes against a direct scan of the same file, agreement with
 * UEFIExtract (skipped when it is not installed), the host-writable
 * descriptor/ME findings, non-erased gaps, the old (offset 0) layout, and
 * small hand-built descriptors for clamped, skipped and overlapping regions,
 * followed by truncation and random-corruption sweeps.
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
#include "node.h"

struct paths {
	const char *gen;
	const char *bios;
};

/* ---- helpers ---- */

/* The ifd node under the root. */
static const struct fwg_node *ifd_of(const struct fwg_image *img)
{
	const struct fwg_node *root = fwg_image_root(img);
	assert_int_equal(root->child_count, 1);
	const struct fwg_node *ifd = root->children[0];
	assert_string_equal(ifd->type, "ifd");
	return ifd;
}

/* Runs the generator into a fresh temporary directory; returns the image
 * path (caller frees) or NULL when the BIOS input is missing. */
static char *generate(const struct paths *p, const char *flags, char *dir, size_t dir_size)
{
	if (access(p->bios, R_OK) != 0)
		return NULL;
	snprintf(dir, dir_size, "/tmp/fwg-test-ifd-XXXXXX");
	assert_non_null(mkdtemp(dir));
	char *out = NULL;
	assert_true(asprintf(&out, "%s/flash.bin", dir) > 0);
	char *cmd = NULL;
	assert_true(asprintf(&cmd, "python3 '%s' '%s' '%s' %s", p->gen, p->bios, out, flags) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	return out;
}

static void cleanup(const char *dir)
{
	char *cmd = NULL;
	if (asprintf(&cmd, "rm -rf '%s'", dir) > 0 && strncmp(dir, "/tmp/fwg-test-ifd-", 18) == 0)
		(void)system(cmd);
	free(cmd);
}

/* ---- tests on the generated image ---- */

static void test_generated_regions(void **state)
{
	const struct paths *p = *state;
	char dir[64];
	char *path = generate(p, "", dir, sizeof(dir));
	if (!path)
		skip();
	struct fwg_image *img = open_path(path);
	const struct fwg_node *ifd = ifd_of(img);

	static const char *const expect[][2] = {
		{ "region", "descriptor" }, { "region", "gbe" }, { "region", "me" },
		{ "padding", NULL }, { "region", "bios" },
	};
	assert_int_equal(ifd->child_count, 5);
	for (size_t i = 0; i < 5; i++) {
		assert_string_equal(ifd->children[i]->type, expect[i][0]);
		if (expect[i][1])
			assert_string_equal(ifd->children[i]->name, expect[i][1]);
	}
	assert_attr(ifd, "ifd_version", "2");
	assert_attr(ifd, "signature_offset", "0x10");
	assert_attr(ifd, "descriptor_locked", "true");
	assert_attr(ifd, "host_read", "descriptor,bios,gbe");
	assert_attr(ifd, "host_write", "bios,gbe");
	assert_attr(ifd, "me_write", "me,gbe");
	assert_attr(ifd, "flash_size", "0x800000");
	assert_false(has_diag(ifd, "ifd.descriptor_writable"));
	assert_false(has_diag(ifd, "ifd.me_writable"));

	const struct fwg_node *desc = child_named(ifd, "region", "descriptor");
	assert_int_equal(desc->offset, 0);
	assert_int_equal(desc->size, 0x1000);
	assert_int_equal(desc->child_count, 0);
	const struct fwg_node *me = child_named(ifd, "region", "me");
	assert_attr(me, "base", "0x3000");
	assert_attr(me, "limit", "0x1fffff");
	assert_attr(me, "me_fpt", "true");
	assert_int_equal(me->child_count, 0); /* opaque: no handler claims it */
	const struct fwg_node *pad = child_named(ifd, "padding", NULL);
	assert_int_equal(pad->offset, 0x200000);
	assert_attr(pad, "fill", "0xff");

	/* The BIOS region holds OVMF: same volumes and files as scanning it
	 * directly. */
	size_t bios_size = 0;
	uint8_t *bios = read_file(p->bios, &bios_size);
	assert_non_null(bios);
	const struct fwg_node *br = child_named(ifd, "region", "bios");
	size_t aligned = (bios_size + 0xfff) & ~(size_t)0xfff;
	assert_int_equal(br->offset, 0x800000 - aligned);
	assert_int_equal(br->size, aligned);
	assert_attr(br, "limit", "0x7fffff");
	struct fwg_image *direct = open_path(p->bios);
	const struct fwg_node *droot = fwg_image_root(direct);
	size_t files = count_type(droot, "ffs");
	assert_true(files > 100);
	assert_int_equal(count_type(br, "ffs"), files);
	assert_int_equal(count_type(br, "fv"), count_type(droot, "fv"));
	assert_int_equal(count_type(br, "section"), count_type(droot, "section"));
	assert_int_equal(fwg_image_anomaly_count(img), fwg_image_anomaly_count(direct));
	fwg_image_free(direct);
	free(bios);
	fwg_image_free(img);
	cleanup(dir);
	free(path);
}

static char *trim(char *s)
{
	while (*s == ' ')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

/* Columns 0 and 1 of a UEFIExtract report row, trimmed. */
static bool report_row(char *line, char **type, char **subtype)
{
	char *bar = strchr(line, '|');
	if (!bar)
		return false;
	char *rest = bar + 1, *bar2 = strchr(rest, '|');
	if (!bar2)
		return false;
	*bar = '\0';
	*bar2 = '\0';
	*type = trim(line);
	*subtype = trim(rest);
	return true;
}

static const char *uefitool_region_name(const char *subtype)
{
	static const char *const map[][2] = {
		{ "Descriptor", "descriptor" }, { "BIOS", "bios" }, { "ME", "me" },
		{ "GbE", "gbe" }, { "PDR", "pdr" }, { "EC", "ec" },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(subtype, map[i][0]) == 0)
			return map[i][1];
	return subtype;
}

static void test_uefiextract_agrees(void **state)
{
	const struct paths *p = *state;
	if (system("command -v UEFIExtract >/dev/null 2>&1") != 0)
		skip();
	char dir[64];
	char *path = generate(p, "", dir, sizeof(dir));
	if (!path)
		skip();
	char *cmd = NULL;
	assert_true(asprintf(&cmd, "cd '%s' && UEFIExtract flash.bin report >/dev/null 2>&1", dir) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	char *report = NULL;
	assert_true(asprintf(&report, "%s.report.txt", path) > 0);
	FILE *f = fopen(report, "r");
	assert_non_null(f);
	char line[1024];
	const char *regions[16];
	char names[16][32];
	size_t nregions = 0, volumes = 0;
	while (fgets(line, sizeof(line), f)) {
		char *type, *subtype;
		if (!report_row(line, &type, &subtype))
			continue;
		if (strcmp(type, "Volume") == 0)
			volumes++;
		if (strcmp(type, "Region") == 0 && nregions < 16) {
			snprintf(names[nregions], sizeof(names[0]), "%s", uefitool_region_name(subtype));
			regions[nregions] = names[nregions];
			nregions++;
		}
	}
	fclose(f);

	struct fwg_image *img = open_path(path);
	const struct fwg_node *ifd = ifd_of(img);
	size_t ours = 0;
	for (size_t i = 0; i < ifd->child_count; i++) {
		const struct fwg_node *c = ifd->children[i];
		if (strcmp(c->type, "region") != 0)
			continue;
		assert_true(ours < nregions);
		assert_string_equal(c->name, regions[ours]);
		ours++;
	}
	assert_int_equal(ours, nregions);
	assert_int_equal(nregions, 4);
	assert_int_equal(count_type(ifd, "fv"), volumes);
	fwg_image_free(img);
	free(report);
	cleanup(dir);
	free(path);
}

static void test_generated_unlocked(void **state)
{
	const struct paths *p = *state;
	char dir[64];
	char *path = generate(p, "--unlocked --dirty-gap", dir, sizeof(dir));
	if (!path)
		skip();
	struct fwg_image *img = open_path(path);
	const struct fwg_node *ifd = ifd_of(img);
	assert_attr(ifd, "descriptor_locked", "false");
	assert_true(has_diag(ifd, "ifd.descriptor_writable"));
	assert_true(has_diag(ifd, "ifd.me_writable"));
	const struct fwg_node *pad = child_named(ifd, "padding", NULL);
	assert_non_null(pad);
	assert_attr(pad, "non_erased", "true");
	assert_true(has_diag(pad, "ifd.gap_data"));
	fwg_image_free(img);
	cleanup(dir);
	free(path);
}

static void test_generated_old_layout(void **state)
{
	const struct paths *p = *state;
	char dir[64];
	char *path = generate(p, "--old-layout", dir, sizeof(dir));
	if (!path)
		skip();
	struct fwg_image *img = open_path(path);
	const struct fwg_node *ifd = ifd_of(img);
	assert_attr(ifd, "signature_offset", "0x0");
	assert_int_equal(ifd->child_count, 5);
	assert_non_null(child_named(ifd, "region", "bios"));
	fwg_image_free(img);
	cleanup(dir);
	free(path);
}

/* ---- hand-built descriptors ---- */

#define SMALL 0x10000

static void put32(uint8_t *b, size_t off, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b[off + i] = (uint8_t)(v >> (8 * i));
}

static uint32_t flreg(uint32_t base, uint32_t end)
{
	return (((end - 1) >> 12) << 16) | (base >> 12);
}

/* IFDv2 descriptor at 0x10 with FRBA 0x40 (16 slots), FMBA 0x80, FCBA 0x30. */
static void build(uint8_t *img, size_t size, const uint32_t regs[16])
{
	memset(img, 0xff, size);
	put32(img, 0x10, 0x0ff0a55a);
	put32(img, 0x14, 0x00040003);
	put32(img, 0x18, 0x10100308);
	put32(img, 0x1c, 0x00000130);
	put32(img, 0x30, 0x000c00f0); /* 17 MHz: v2; density 512 KiB */
	for (int i = 0; i < 16; i++)
		put32(img, 0x40 + 4 * i, regs[i]);
	put32(img, 0x80, 0x00a00b00);
	put32(img, 0x84, 0x00c00d00);
	put32(img, 0x88, 0x00800800);
	put32(img, 0x8c, 0);
	put32(img, 0x90, 0);
}

static void unused_regs(uint32_t regs[16])
{
	for (int i = 0; i < 16; i++)
		regs[i] = 0x00007fff;
}

static void test_clamped_and_outside(void **state)
{
	(void)state;
	uint8_t *img = malloc(SMALL);
	assert_non_null(img);
	uint32_t regs[16];
	unused_regs(regs);
	regs[0] = flreg(0, 0x1000);
	regs[1] = flreg(0x8000, 0x20000);  /* runs past the 64 KiB image */
	regs[2] = flreg(0x40000, 0x80000); /* entirely past it */
	regs[3] = flreg(0x2000, 0x3000);
	build(img, SMALL, regs);
	memset(img + 0x2000, 0x5a, 0x1000);
	struct fwg_image *fi = open_buffer(img, SMALL);
	const struct fwg_node *ifd = ifd_of(fi);
	assert_true(has_diag(ifd, "ifd.region_truncated"));
	assert_true(has_diag(ifd, "ifd.region_outside"));
	assert_null(child_named(ifd, "region", "me"));
	const struct fwg_node *bios = child_named(ifd, "region", "bios");
	assert_non_null(bios);
	assert_int_equal(bios->offset, 0x8000);
	assert_int_equal(bios->size, 0x8000);
	assert_attr(bios, "clamped", "true");
	assert_attr(bios, "limit", "0x1ffff");
	/* descriptor, pad, gbe, pad, bios */
	assert_int_equal(ifd->child_count, 5);
	assert_string_equal(ifd->children[1]->type, "padding");
	assert_int_equal(ifd->children[1]->offset, 0x1000);
	assert_string_equal(ifd->children[2]->name, "gbe");
	assert_int_equal(ifd->children[3]->offset, 0x3000);
	assert_int_equal(ifd->children[3]->size, 0x5000);
	fwg_image_free(fi);
	free(img);
}

static void test_overlap(void **state)
{
	(void)state;
	uint8_t *img = malloc(SMALL);
	assert_non_null(img);
	uint32_t regs[16];
	unused_regs(regs);
	regs[0] = flreg(0, 0x1000);
	regs[1] = flreg(0x1000, 0x8000);
	regs[3] = flreg(0x2000, 0x4000);  /* inside bios: skipped */
	regs[4] = flreg(0x6000, 0xa000);  /* straddles bios end: clamped */
	build(img, SMALL, regs);
	struct fwg_image *fi = open_buffer(img, SMALL);
	const struct fwg_node *ifd = ifd_of(fi);
	assert_true(has_diag(ifd, "ifd.region_overlap"));
	assert_null(child_named(ifd, "region", "gbe"));
	const struct fwg_node *pdr = child_named(ifd, "region", "pdr");
	assert_non_null(pdr);
	assert_int_equal(pdr->offset, 0x8000);
	assert_int_equal(pdr->size, 0x2000);
	assert_attr(pdr, "clamped", "true");
	const struct fwg_node *last = ifd->children[ifd->child_count - 1];
	assert_string_equal(last->type, "padding");
	assert_int_equal(last->offset, 0xa000);
	assert_attr(last, "fill", "0xff");
	fwg_image_free(fi);
	free(img);
}

static void test_no_regions_and_probe(void **state)
{
	(void)state;
	uint8_t *img = malloc(SMALL);
	assert_non_null(img);
	uint32_t regs[16];
	unused_regs(regs);
	build(img, SMALL, regs);
	struct fwg_image *fi = open_buffer(img, SMALL);
	const struct fwg_node *ifd = ifd_of(fi);
	assert_true(has_diag(ifd, "ifd.no_regions"));
	assert_int_equal(ifd->child_count, 1);
	assert_string_equal(ifd->children[0]->type, "padding");
	fwg_image_free(fi);

	/* Without the signature, or with FRBA outside the window, no IFD. */
	put32(img, 0x10, 0x12345678);
	fi = open_buffer(img, SMALL);
	assert_int_equal(count_type(fwg_image_root(fi), "ifd"), 0);
	fwg_image_free(fi);
	build(img, SMALL, regs);
	fi = open_buffer(img, 0x40);
	assert_int_equal(count_type(fwg_image_root(fi), "ifd"), 0);
	fwg_image_free(fi);
	free(img);
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

/* Every prefix of a descriptor, then random corruption of its first 4 KiB. */
static void test_truncation_and_corruption(void **state)
{
	(void)state;
	uint8_t *img = malloc(SMALL), *copy = malloc(SMALL);
	assert_non_null(img);
	assert_non_null(copy);
	uint32_t regs[16];
	unused_regs(regs);
	regs[0] = flreg(0, 0x1000);
	regs[1] = flreg(0x4000, 0x10000);
	regs[2] = flreg(0x1000, 0x4000);
	build(img, SMALL, regs);
	for (size_t n = 0; n <= 0x1100; n++) {
		struct fwg_image *fi = open_buffer(img, n);
		fwg_image_free(fi);
	}
	uint64_t seed = 0x1fdc0ffee;
	for (int iter = 0; iter < 3000; iter++) {
		memcpy(copy, img, SMALL);
		int flips = 1 + (int)(rng_next(&seed) % 8);
		for (int k = 0; k < flips; k++) {
			size_t off = 0x10 + rng_next(&seed) % 0xf0;
			copy[off] = (uint8_t)rng_next(&seed);
		}
		struct fwg_image *fi = open_buffer(copy, SMALL);
		fwg_image_free(fi);
	}
	free(copy);
	free(img);
}

int main(int argc, char **argv)
{
	struct paths p;
	p.gen = argc > 1 ? argv[1] : "tests/gen/make_ifd.py";
	p.bios = argc > 2 ? argv[2] : "/usr/share/OVMF/OVMF_CODE_4M.fd";
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_prestate(test_generated_regions, &p),
		cmocka_unit_test_prestate(test_uefiextract_agrees, &p),
		cmocka_unit_test_prestate(test_generated_unlocked, &p),
		cmocka_unit_test_prestate(test_generated_old_layout, &p),
		cmocka_unit_test(test_clamped_and_outside),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_no_regions_and_probe),
		cmocka_unit_test(test_truncation_and_corruption),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
