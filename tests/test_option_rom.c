/*
 * test_option_rom.c - cmocka tests for the PCI option ROM handler
 * (src/handlers/uefi/option_rom.c).
 *
 * Usage: test_option_rom
 * Real samples come from Debian packages and are skipped when missing:
 *   /usr/lib/ipxe/qemu/efi-*.rom  (ipxe-qemu: legacy x86 + EFI x64 images)
 *   /usr/lib/ipxe/qemu/pxe-*.rom  (ipxe-qemu: legacy x86 with $PnP header)
 *   /usr/share/seabios/vgabios-*.bin (seabios: PCI and ISA-style VGA ROMs)
 *
 * Covered: chain structure, code types, PCIR/PnP fields and checksums of
 * the real ROMs and their PE images; synthetic EFI ROMs whose image is
 * EFI 1.1- or Tiano-compressed (tests/tiano_compress_testutil.c), checked
 * byte for byte against the original PE and parsed as a pe32; hostile
 * chains (zero length, too many images, truncated images, broken links,
 * trailing data, bad EFI header fields, corrupt compressed streams) and
 * truncation / bit-flip sweeps.
 */
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fwguard/fwguard.h"
#include "node.h"
#include "registry.h"
#include "tiano_compress_testutil.h"

/* ---- helpers ---- */

static void put16(uint8_t *p, size_t off, uint16_t v)
{
	p[off] = (uint8_t)v;
	p[off + 1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, size_t off, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[off + (size_t)i] = (uint8_t)(v >> (8 * i));
}

static uint8_t *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	uint8_t *buf = NULL;
	if (fseek(f, 0, SEEK_END) == 0) {
		long n = ftell(f);
		if (n > 0 && fseek(f, 0, SEEK_SET) == 0) {
			buf = malloc((size_t)n);
			if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
				free(buf);
				buf = NULL;
			}
			*size = (size_t)n;
		}
	}
	fclose(f);
	return buf;
}

static struct fwg_image *open_buffer(const uint8_t *data, size_t size)
{
	struct fwg_options opt;
	fwg_options_default(&opt);
	opt.threads = 1;
	struct fwg_image *img = NULL;
	char err[256];
	assert_int_equal(fwg_image_open_buffer(data, size, "test", &opt, &img, err, sizeof(err)),
		FWG_OK);
	return img;
}

static struct fwg_image *open_path(const char *path)
{
	struct fwg_options opt;
	fwg_options_default(&opt);
	opt.threads = 1;
	struct fwg_image *img = NULL;
	char err[256];
	assert_int_equal(fwg_image_open(path, &opt, &img, err, sizeof(err)), FWG_OK);
	return img;
}

static bool has_diag(const struct fwg_node *node, const char *code)
{
	for (size_t i = 0; i < node->diag_count; i++)
		if (strcmp(node->diags[i].code, code) == 0)
			return true;
	return false;
}

static bool has_diag_prefix(const struct fwg_node *node, const char *prefix)
{
	for (size_t i = 0; i < node->diag_count; i++)
		if (strncmp(node->diags[i].code, prefix, strlen(prefix)) == 0)
			return true;
	return false;
}

/* Warnings and errors in the whole subtree. */
static size_t tree_anomalies(const struct fwg_node *n)
{
	size_t c = 0;
	for (size_t i = 0; i < n->diag_count; i++)
		if (n->diags[i].severity >= FWG_SEV_WARNING)
			c++;
	for (size_t i = 0; i < fwg_node_child_count(n); i++)
		c += tree_anomalies(fwg_node_child(n, i));
	return c;
}

static void assert_attr(const struct fwg_node *node, const char *key, const char *want)
{
	const char *got = fwg_node_attr(node, key);
	if (!got || strcmp(got, want) != 0)
		fail_msg("%s: attribute %s: want '%s', got '%s'", fwg_node_path(node), key, want,
			got ? got : "(none)");
}

static uint64_t attr_num(const struct fwg_node *node, const char *key)
{
	const struct fwg_attr *a = fwg_node_attr_find(node, key);
	if (!a)
		fail_msg("%s: attribute %s missing", fwg_node_path(node), key);
	return a->num;
}

/* The chain node: the option_rom child of the image root. */
static const struct fwg_node *chain_of(const struct fwg_image *img)
{
	const struct fwg_node *root = fwg_image_root(img);
	assert_int_equal(fwg_node_child_count(root), 1);
	const struct fwg_node *chain = fwg_node_child(root, 0);
	assert_string_equal(fwg_node_type(chain), FWG_TYPE_OPTION_ROM);
	return chain;
}

static const struct fwg_node *child_of_type(const struct fwg_node *n, const char *type)
{
	for (size_t i = 0; i < fwg_node_child_count(n); i++)
		if (strcmp(fwg_node_type(fwg_node_child(n, i)), type) == 0)
			return fwg_node_child(n, i);
	fail_msg("%s: no %s child", fwg_node_path(n), type);
	return NULL;
}

static void fix_checksum(uint8_t *img, size_t len)
{
	uint8_t sum = 0;
	for (size_t i = 0; i + 1 < len; i++)
		sum = (uint8_t)(sum + img[i]);
	img[len - 1] = (uint8_t)(0x100 - sum);
}

/* ---- builders ---- */

#define UNIT 512
#define EFI_IMAGE_OFFSET 0x38
#define PCIR_AT 0x1c

static void put_pcir(uint8_t *img, size_t units, uint8_t code_type, bool last)
{
	memcpy(img + PCIR_AT, "PCIR", 4);
	put16(img, PCIR_AT + 4, 0x8086);
	put16(img, PCIR_AT + 6, 0x100e);
	put16(img, PCIR_AT + 0x0a, 0x18);
	img[PCIR_AT + 0x0f] = 0x02; /* network */
	put16(img, PCIR_AT + 0x10, (uint16_t)units);
	put16(img, PCIR_AT + 0x12, 1);
	img[PCIR_AT + 0x14] = code_type;
	img[PCIR_AT + 0x15] = last ? 0x80 : 0x00;
	put16(img, 0x18, PCIR_AT);
}

/* Legacy x86 image of `units` blocks: JMP rel16 to 0x40, checksum fixed. */
static void make_legacy(uint8_t *img, size_t units, bool last)
{
	memset(img, 0, units * UNIT);
	img[0] = 0x55;
	img[1] = 0xaa;
	img[2] = (uint8_t)units;
	img[3] = 0xe9;
	put16(img, 4, 0x40 - 6);
	put_pcir(img, units, 0, last);
	fix_checksum(img, units * UNIT);
}

/* EFI image around payload; returns its length (multiple of 512). */
static size_t make_efi(uint8_t **out, const uint8_t *payload, size_t len, uint16_t compression,
		uint16_t machine, uint16_t subsystem, bool last)
{
	size_t total = (EFI_IMAGE_OFFSET + len + 1 + UNIT - 1) / UNIT * UNIT;
	uint8_t *img = calloc(1, total);
	assert_non_null(img);
	img[0] = 0x55;
	img[1] = 0xaa;
	put16(img, 2, (uint16_t)(total / UNIT));
	put32(img, 4, 0x0ef1);
	put16(img, 8, subsystem);
	put16(img, 0x0a, machine);
	put16(img, 0x0c, compression);
	put16(img, 0x16, EFI_IMAGE_OFFSET);
	put_pcir(img, total / UNIT, 3, last);
	memcpy(img + EFI_IMAGE_OFFSET, payload, len);
	fix_checksum(img, total);
	*out = img;
	return total;
}

/* A minimal PE32+ x64 EFI boot-service driver with one section. */
static uint8_t *make_small_pe(size_t *size)
{
	const size_t n = 0x400;
	uint8_t *p = calloc(1, n);
	assert_non_null(p);
	p[0] = 'M';
	p[1] = 'Z';
	put32(p, 0x3c, 0x40);
	memcpy(p + 0x40, "PE\0\0", 4);
	put16(p, 0x44, 0x8664);
	put16(p, 0x46, 1);
	put16(p, 0x54, 0xf0);
	size_t opt = 0x58;
	put16(p, opt, 0x20b);
	put32(p, opt + 16, 0x200);
	put32(p, opt + 32, 0x20);
	put32(p, opt + 36, 0x20);
	put32(p, opt + 56, 0x400);
	put32(p, opt + 60, 0x200);
	put16(p, opt + 68, 11);
	put32(p, opt + 108, 16);
	size_t s = opt + 0xf0;
	memcpy(p + s, ".text", 5);
	put32(p, s + 8, 0x200);
	put32(p, s + 12, 0x200);
	put32(p, s + 16, 0x200);
	put32(p, s + 20, 0x200);
	put32(p, s + 36, 0x60000020);
	for (size_t i = 0x200; i < n; i++)
		p[i] = (uint8_t)(i * 7 % 13); /* compressible code-ish bytes */
	*size = n;
	return p;
}

/* ---- real samples ---- */

static size_t for_each(const char *pattern, void (*fn)(const char *path))
{
	glob_t g;
	size_t n = 0;
	if (glob(pattern, 0, NULL, &g) != 0)
		return 0;
	for (size_t i = 0; i < g.gl_pathc; i++, n++)
		fn(g.gl_pathv[i]);
	globfree(&g);
	return n;
}

static void check_pe_child(const struct fwg_node *pe)
{
	assert_string_equal(fwg_node_type(pe), FWG_TYPE_PE32);
	assert_attr(pe, "machine", "x64");
	assert_attr(pe, "subsystem", "EFI_BOOT_SERVICE_DRIVER");
	assert_attr(pe, "optional_magic", "PE32+");
	const char *sections = fwg_node_attr(pe, "sections");
	assert_non_null(sections);
	assert_non_null(strstr(sections, ".text(rx)"));
	assert_null(strstr(sections, "rwx"));
	/* Raw data inside the window, headers sane. */
	assert_true(attr_num(pe, "size_of_headers") <= fwg_node_size(pe));
	assert_true(attr_num(pe, "image_size") >= attr_num(pe, "size_of_headers"));
	assert_int_equal(fwg_node_child_count(pe), 0);
}

static void check_ipxe_efi(const char *path)
{
	struct fwg_image *img = open_path(path);
	const struct fwg_node *chain = chain_of(img);
	assert_int_equal(attr_num(chain, "image_count"), 2);
	assert_attr(chain, "code_types", "x86 efi");
	assert_int_equal(fwg_node_child_count(chain), 2);
	const struct fwg_node *x86 = fwg_node_child(chain, 0);
	const struct fwg_node *efi = fwg_node_child(chain, 1);
	assert_string_equal(fwg_node_name(x86), "x86");
	assert_attr(x86, "code_type", "x86");
	assert_attr(x86, "last_image", "false");
	assert_attr(x86, "checksum_ok", "true");
	assert_attr(x86, "pnp_product", "iPXE");
	assert_string_equal(fwg_node_name(efi), "efi");
	assert_attr(efi, "code_type", "efi");
	assert_attr(efi, "last_image", "true");
	assert_attr(efi, "efi_machine", "x64");
	assert_attr(efi, "efi_subsystem", "EFI_BOOT_SERVICE_DRIVER");
	/* Both images drive the same device (iPXE's ne2k_pci build leaves
	 * the IDs unset: 0000/0000 and fff3/0000). */
	if (strcmp(fwg_node_attr(x86, "vendor_id"), "0000") != 0) {
		assert_string_equal(fwg_node_attr(x86, "vendor_id"), fwg_node_attr(efi, "vendor_id"));
		assert_string_equal(fwg_node_attr(x86, "device_id"), fwg_node_attr(efi, "device_id"));
	}
	assert_int_equal(fwg_node_offset(efi), fwg_node_size(x86));
	assert_int_equal(fwg_node_offset(efi) + fwg_node_size(efi), fwg_node_size(chain));
	const struct fwg_node *pe;
	if (strcmp(fwg_node_attr(efi, "compressed"), "true") == 0) {
		const struct fwg_node *raw = child_of_type(efi, FWG_TYPE_RAW);
		pe = child_of_type(raw, FWG_TYPE_PE32);
	} else {
		pe = child_of_type(efi, FWG_TYPE_PE32);
		assert_int_equal(fwg_node_offset(pe), 0x38);
	}
	check_pe_child(pe);
	assert_int_equal(tree_anomalies(fwg_image_root(img)), 0);
	fwg_image_free(img);
}

static void test_ipxe_efi_roms(void **state)
{
	(void)state;
	if (for_each("/usr/lib/ipxe/qemu/efi-*.rom", check_ipxe_efi) == 0)
		skip();
}

static void check_ipxe_pxe(const char *path)
{
	struct fwg_image *img = open_path(path);
	const struct fwg_node *chain = chain_of(img);
	assert_int_equal(attr_num(chain, "image_count"), 1);
	assert_attr(chain, "code_types", "x86");
	const struct fwg_node *x86 = fwg_node_child(chain, 0);
	assert_attr(x86, "last_image", "true");
	assert_attr(x86, "checksum_ok", "true");
	assert_attr(x86, "pnp_checksum_ok", "true");
	assert_attr(x86, "pnp_manufacturer", "http://ipxe.org");
	assert_attr(x86, "pnp_product", "iPXE");
	assert_attr(x86, "class", "network");
	assert_int_equal(attr_num(x86, "pcir_revision"), 3);
	assert_true(attr_num(x86, "entry_point") < fwg_node_size(x86));
	assert_int_equal(tree_anomalies(fwg_image_root(img)), 0);
	fwg_image_free(img);
}

static void test_ipxe_pxe_roms(void **state)
{
	(void)state;
	if (for_each("/usr/lib/ipxe/qemu/pxe-*.rom", check_ipxe_pxe) == 0)
		skip();
}

static void check_vgabios(const char *path)
{
	struct fwg_image *img = open_path(path);
	const struct fwg_node *chain = chain_of(img);
	assert_int_equal(attr_num(chain, "image_count"), 1);
	const struct fwg_node *x86 = fwg_node_child(chain, 0);
	assert_attr(x86, "code_type", "x86");
	assert_attr(x86, "checksum_ok", "true");
	if (!fwg_node_attr_find(x86, "pcir"))
		assert_attr(x86, "class", "display");
	assert_true(attr_num(x86, "entry_point") < fwg_node_size(x86));
	assert_int_equal(tree_anomalies(fwg_image_root(img)), 0);
	fwg_image_free(img);
}

static void test_vgabios(void **state)
{
	(void)state;
	if (for_each("/usr/share/seabios/vgabios-*.bin", check_vgabios) == 0)
		skip();
	/* The ISA-style ones have no PCIR structure. */
	struct fwg_image *img = NULL;
	size_t size;
	uint8_t *data = read_file("/usr/share/seabios/vgabios-isavga.bin", &size);
	if (!data)
		return;
	img = open_buffer(data, size);
	assert_attr(fwg_node_child(chain_of(img), 0), "pcir", "false");
	fwg_image_free(img);
	free(data);
}

/* ---- compressed EFI images ---- */

/* Compresses pe, wraps it in legacy + EFI images and checks the decoded
 * pe32 byte for byte. */
static void check_compressed(const uint8_t *pe, size_t pe_len, enum fwg_tiano_variant v)
{
	uint8_t *comp;
	size_t comp_len;
	assert_int_equal(fwg_test_tiano_compress(pe, pe_len, v, NULL, &comp, &comp_len, NULL), 0);
	uint8_t *efi;
	size_t efi_len = make_efi(&efi, comp, comp_len, 1, 0x8664, 11, true);
	size_t rom_len = 2 * UNIT + efi_len;
	uint8_t *rom = malloc(rom_len);
	assert_non_null(rom);
	make_legacy(rom, 2, false);
	memcpy(rom + 2 * UNIT, efi, efi_len);

	struct fwg_image *img = open_buffer(rom, rom_len);
	const struct fwg_node *chain = chain_of(img);
	assert_attr(chain, "code_types", "x86 efi");
	const struct fwg_node *e = fwg_node_child(chain, 1);
	assert_attr(e, "compressed", "true");
	const struct fwg_node *raw = child_of_type(e, FWG_TYPE_RAW);
	assert_string_equal(fwg_node_name(raw), "compressed");
	assert_int_equal(fwg_node_offset(raw), EFI_IMAGE_OFFSET);
	assert_attr(raw, "compression", v == FWG_TIANO_EFI11 ? "efi" : "tiano");
	assert_int_equal(attr_num(raw, "decoded_size"), pe_len);
	assert_int_equal(raw->body_size, pe_len);
	assert_memory_equal(raw->body, pe, pe_len);
	const struct fwg_node *p = child_of_type(raw, FWG_TYPE_PE32);
	assert_int_equal(fwg_node_size(p), pe_len);
	check_pe_child(p);
	assert_int_equal(tree_anomalies(fwg_image_root(img)), 0);
	fwg_image_free(img);

	/* The same image declared for AArch64 / as an application. */
	free(efi);
	efi_len = make_efi(&efi, comp, comp_len, 1, 0xaa64, 10, true);
	img = open_buffer(efi, efi_len);
	raw = child_of_type(fwg_node_child(chain_of(img), 0), FWG_TYPE_RAW);
	assert_true(has_diag(raw, "option_rom.efi_machine"));
	assert_true(has_diag(raw, "option_rom.efi_subsystem"));
	fwg_image_free(img);

	/* Corrupt the stream body: a clean error or a decoded blob, never a crash. */
	for (size_t i = 16; i < comp_len; i += comp_len / 7 + 1) {
		uint8_t *bad = malloc(efi_len);
		assert_non_null(bad);
		memcpy(bad, efi, efi_len);
		bad[EFI_IMAGE_OFFSET + i] ^= 0x5a;
		img = open_buffer(bad, efi_len);
		fwg_image_free(img);
		free(bad);
	}
	/* A claimed original size of 4 GiB hits a budget. */
	put32(efi, EFI_IMAGE_OFFSET + 4, 0xffffffffu);
	img = open_buffer(efi, efi_len);
	raw = child_of_type(fwg_node_child(chain_of(img), 0), FWG_TYPE_RAW);
	assert_true(has_diag_prefix(raw, "limit.") || has_diag(raw, "option_rom.decompress"));
	fwg_image_free(img);

	free(rom);
	free(efi);
	free(comp);
}

static void test_compressed_small(void **state)
{
	(void)state;
	size_t len;
	uint8_t *pe = make_small_pe(&len);
	check_compressed(pe, len, FWG_TIANO_EFI11);
	check_compressed(pe, len, FWG_TIANO_TIANO);
	free(pe);
}

/* The real iPXE driver, recompressed: what EfiRom -ec would produce. */
static void test_compressed_ipxe(void **state)
{
	(void)state;
	size_t size;
	uint8_t *rom = read_file("/usr/lib/ipxe/qemu/efi-virtio.rom", &size);
	if (!rom)
		skip();
	struct fwg_image *img = open_buffer(rom, size);
	const struct fwg_node *pe = child_of_type(fwg_node_child(chain_of(img), 1),
		FWG_TYPE_PE32);
	size_t off = (size_t)pe->abs_offset, len = (size_t)fwg_node_size(pe);
	fwg_image_free(img);
	assert_true(off + len <= size);
	check_compressed(rom + off, len, FWG_TIANO_EFI11);
	free(rom);
}

static void test_uncompressed_synthetic(void **state)
{
	(void)state;
	size_t len;
	uint8_t *pe = make_small_pe(&len);
	uint8_t *efi;
	size_t efi_len = make_efi(&efi, pe, len, 0, 0x8664, 11, true);
	struct fwg_image *img = open_buffer(efi, efi_len);
	const struct fwg_node *e = fwg_node_child(chain_of(img), 0);
	assert_attr(e, "compressed", "false");
	assert_attr(e, "checksum_ok", "true");
	assert_attr(e, "device_id", "100e");
	assert_attr(e, "class_code", "020000");
	check_pe_child(child_of_type(e, FWG_TYPE_PE32));
	assert_int_equal(tree_anomalies(fwg_image_root(img)), 0);
	fwg_image_free(img);

	/* Hostile EFI header fields. */
	const struct {
		size_t off;
		uint32_t value;
		int width;
		const char *code;
	} cases[] = {
		{ 0x16, 0x0000, 2, "option_rom.efi_offset" },
		{ 0x16, 0xfff0, 2, "option_rom.efi_offset" },
		{ 0x04, 0x0ef0, 4, "option_rom.efi_signature" },
		{ 0x0c, 7, 2, "option_rom.compression_type" },
		{ 0x02, 0xffff, 2, "option_rom.init_size" },
		{ 0x0a, 0x014c, 2, "option_rom.efi_machine" },
		{ 0x08, 0x0003, 2, "option_rom.efi_subsystem" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t *bad = malloc(efi_len);
		assert_non_null(bad);
		memcpy(bad, efi, efi_len);
		if (cases[i].width == 2)
			put16(bad, cases[i].off, (uint16_t)cases[i].value);
		else
			put32(bad, cases[i].off, cases[i].value);
		img = open_buffer(bad, efi_len);
		const struct fwg_node *n = fwg_node_child(chain_of(img), 0);
		if (!has_diag(n, cases[i].code))
			fail_msg("case %zu: no %s", i, cases[i].code);
		fwg_image_free(img);
		free(bad);
	}
	free(efi);
	free(pe);
}

/* ---- hostile chains ---- */

static void test_chain_hostile(void **state)
{
	(void)state;
	const size_t n = 70;
	uint8_t *rom = malloc(n * UNIT);
	assert_non_null(rom);
	for (size_t i = 0; i < n; i++)
		make_legacy(rom + i * UNIT, 1, false);

	/* too many images, none flagged last */
	struct fwg_image *img = open_buffer(rom, n * UNIT);
	const struct fwg_node *chain = chain_of(img);
	assert_int_equal(attr_num(chain, "image_count"), 64);
	assert_true(has_diag(chain, "option_rom.image_count"));
	fwg_image_free(img);

	/* three images, the last without the indicator */
	img = open_buffer(rom, 3 * UNIT);
	chain = chain_of(img);
	assert_int_equal(attr_num(chain, "image_count"), 3);
	assert_true(has_diag(chain, "option_rom.chain"));
	fwg_image_free(img);

	/* image length 0 in the second image */
	put16(rom + UNIT, PCIR_AT + 0x10, 0);
	img = open_buffer(rom, 3 * UNIT);
	chain = chain_of(img);
	assert_int_equal(attr_num(chain, "image_count"), 1);
	assert_true(has_diag(chain, "option_rom.image_length"));
	const struct fwg_node *pad = child_of_type(chain, FWG_TYPE_PADDING);
	assert_true(has_diag(pad, "option_rom.trailing_data"));
	fwg_image_free(img);

	/* image longer than the window */
	put16(rom + UNIT, PCIR_AT + 0x10, 0x7fff);
	img = open_buffer(rom, 3 * UNIT);
	chain = chain_of(img);
	assert_int_equal(attr_num(chain, "image_count"), 2);
	assert_true(has_diag(chain, "option_rom.image_length"));
	assert_int_equal(fwg_node_size(fwg_node_child(chain, 1)), 2 * UNIT);
	fwg_image_free(img);

	/* second image lost its signature, the first is not last */
	make_legacy(rom + UNIT, 1, false);
	rom[UNIT] = 0;
	img = open_buffer(rom, 3 * UNIT);
	chain = chain_of(img);
	assert_int_equal(attr_num(chain, "image_count"), 1);
	assert_true(has_diag(chain, "option_rom.chain"));
	fwg_image_free(img);

	/* last image followed by 0xff padding (fine) or by data (flagged) */
	make_legacy(rom, 1, true);
	memset(rom + UNIT, 0xff, UNIT);
	img = open_buffer(rom, 2 * UNIT);
	chain = chain_of(img);
	pad = child_of_type(chain, FWG_TYPE_PADDING);
	assert_int_equal(tree_anomalies(fwg_image_root(img)), 0);
	fwg_image_free(img);
	rom[UNIT + 100] = 0x42;
	img = open_buffer(rom, 2 * UNIT);
	pad = child_of_type(chain_of(img), FWG_TYPE_PADDING);
	assert_true(has_diag(pad, "option_rom.trailing_data"));
	fwg_image_free(img);

	/* PCIR pointer outside the window and a bad checksum: not claimed */
	put16(rom, 0x18, 0xfff0);
	rom[10] ^= 1;
	struct fwg_cursor c = fwg_cursor_make(rom, UNIT);
	assert_int_equal(fwg_handler_option_rom.probe(&c), 0);
	rom[10] ^= 1;
	put16(rom, 0x18, PCIR_AT);
	assert_int_equal(fwg_handler_option_rom.probe(&c), 85);
	free(rom);
}

static void test_legacy_details(void **state)
{
	(void)state;
	uint8_t rom[2 * UNIT];
	make_legacy(rom, 2, true);
	/* PCIR revision 3 with an unterminated device list, and a $PnP
	 * header with a bad checksum and a hostile string pointer. */
	rom[PCIR_AT + 0x0c] = 3;
	put16(rom, PCIR_AT + 0x0a, 0x1c);
	put16(rom, PCIR_AT + 0x08, 2 * UNIT - PCIR_AT - 8);
	memset(rom + 2 * UNIT - 8, 0xee, 8);
	put16(rom, 0x1a, 0x60);
	memcpy(rom + 0x60, "$PnP", 4);
	rom[0x65] = 2;
	put16(rom, 0x60 + 0x0e, 0x90);
	put16(rom, 0x60 + 0x10, 2 * UNIT - 3);
	memcpy(rom + 0x90, "Vendor\x01Inc", 11);
	rom[0x7f] = 1; /* reserved byte: the header no longer sums to zero */
	fix_checksum(rom, sizeof(rom));
	struct fwg_image *img = open_buffer(rom, sizeof(rom));
	const struct fwg_node *x86 = fwg_node_child(chain_of(img), 0);
	assert_true(has_diag(x86, "option_rom.device_list"));
	assert_true(has_diag(x86, "option_rom.pnp_checksum"));
	assert_attr(x86, "pnp_manufacturer", "Vendor?Inc");
	assert_non_null(fwg_node_attr(x86, "pnp_product"));
	assert_int_equal(attr_num(x86, "entry_point"), 0x40);
	assert_attr(x86, "checksum_ok", "true");
	fwg_image_free(img);

	/* JMP rel8 backwards out of the image, broken checksum */
	rom[3] = 0xeb;
	rom[4] = 0x80;
	img = open_buffer(rom, sizeof(rom));
	x86 = fwg_node_child(chain_of(img), 0);
	assert_true(has_diag(x86, "option_rom.entry"));
	assert_true(has_diag(x86, "option_rom.checksum"));
	fwg_image_free(img);
}

/* ---- sweeps ---- */

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void sweep_buffer(const uint8_t *orig, size_t size, size_t step, unsigned flips)
{
	for (size_t len = 0; len <= size; len += step) {
		uint8_t *copy = malloc(len ? len : 1);
		assert_non_null(copy);
		memcpy(copy, orig, len);
		struct fwg_image *img = open_buffer(copy, len);
		fwg_image_free(img);
		free(copy);
	}
	uint64_t seed = 0x243f6a8885a308d3ull;
	for (unsigned i = 0; i < flips; i++) {
		uint8_t *copy = malloc(size);
		assert_non_null(copy);
		memcpy(copy, orig, size);
		unsigned edits = 1 + (unsigned)(rng_next(&seed) % 4);
		for (unsigned e = 0; e < edits; e++) {
			/* Bias edits towards the headers, where the parser looks. */
			size_t span = (rng_next(&seed) & 1) ? 0x80 : size;
			size_t at = (size_t)(rng_next(&seed) % (span < size ? span : size));
			copy[at] ^= (uint8_t)(1u << (rng_next(&seed) % 8));
		}
		struct fwg_image *img = open_buffer(copy, size);
		fwg_image_free(img);
		free(copy);
	}
}

static void test_sweep_synthetic(void **state)
{
	(void)state;
	size_t len;
	uint8_t *pe = make_small_pe(&len);
	uint8_t *comp;
	size_t comp_len;
	assert_int_equal(fwg_test_tiano_compress(pe, len, FWG_TIANO_EFI11, NULL, &comp, &comp_len,
		NULL), 0);
	uint8_t *efi;
	size_t efi_len = make_efi(&efi, comp, comp_len, 1, 0x8664, 11, true);
	uint8_t *rom = malloc(UNIT + efi_len);
	assert_non_null(rom);
	make_legacy(rom, 1, false);
	memcpy(rom + UNIT, efi, efi_len);
	sweep_buffer(rom, UNIT + efi_len, 3, 3000);
	free(rom);
	free(efi);
	free(comp);
	free(pe);
}

static void test_sweep_real(void **state)
{
	(void)state;
	size_t size;
	uint8_t *rom = read_file("/usr/lib/ipxe/qemu/efi-e1000.rom", &size);
	if (!rom)
		skip();
	sweep_buffer(rom, size, size / 61, 300);
	free(rom);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipxe_efi_roms),
		cmocka_unit_test(test_ipxe_pxe_roms),
		cmocka_unit_test(test_vgabios),
		cmocka_unit_test(test_compressed_small),
		cmocka_unit_test(test_compressed_ipxe),
		cmocka_unit_test(test_uncompressed_synthetic),
		cmocka_unit_test(test_chain_hostile),
		cmocka_unit_test(test_legacy_details),
		cmocka_unit_test(test_sweep_synthetic),
		cmocka_unit_test(test_sweep_real),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
