/*
 * test_pe.c - cmocka tests for the PE/COFF and TE handlers
 * (src/handlers/uefi/pe.c).
 *
 * Usage: test_pe [OVMF_CODE [AAVMF_CODE]]
 *   defaults: /usr/share/OVMF/OVMF_CODE_4M.fd and
 *   /usr/share/AAVMF/AAVMF_CODE.fd (Debian packages ovmf and
 *   qemu-efi-aarch64); tests needing a missing file are skipped.
 *
 * Covered: every PE/TE image inside the real firmware (machine, subsystem,
 * optional header magic, no anomalies), EFI binaries installed on the host
 * (skipped when there are none), a hand-built PE32+ with debug directory,
 * certificate table and DLL characteristics, a hand-built TE with a
 * CodeView record, hostile headers (e_lfanew out of range, 0xffff
 * sections, huge optional header, certificate table outside the file,
 * W+X and overlapping sections, too many data directories, TE with more
 * sections than bytes), and truncation / bit-flip sweeps of both.
 */
#include <glob.h>
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
#include "node.h"
#include "registry.h"
#include "unpack.h"

static const char *ovmf_path = "/usr/share/OVMF/OVMF_CODE_4M.fd";
static const char *aavmf_path = "/usr/share/AAVMF/AAVMF_CODE.fd";

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

static void put64(uint8_t *p, size_t off, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[off + (size_t)i] = (uint8_t)(v >> (8 * i));
}

static struct fwg_options test_options(void)
{
	struct fwg_options opt;
	fwg_options_default(&opt);
	opt.threads = 1;
	return opt;
}

/* Parses the buffer with one handler directly (no probing); the returned
 * root is the handler's node. */
static struct fwg_node *parse_direct(const struct fwg_handler *h, const uint8_t *data, size_t size)
{
	struct fwg_options opt = test_options();
	struct fwg_node *root = fwg_node_new(h->node_type);
	assert_non_null(root);
	root->data = data;
	root->size = size;
	root->body = data;
	root->body_size = size;
	root->abs_offset = 0;
	root->handler = h;
	uint64_t nodes = 0;
	assert_int_equal(fwg_unpack_run(root, &opt, &nodes), FWG_OK);
	return root;
}

static struct fwg_image *open_buffer(const uint8_t *data, size_t size)
{
	struct fwg_options opt = test_options();
	struct fwg_image *img = NULL;
	char err[256];
	assert_int_equal(fwg_image_open_buffer(data, size, "test", &opt, &img, err, sizeof(err)),
		FWG_OK);
	return img;
}

static bool has_diag(const struct fwg_node *node, const char *code)
{
	for (size_t i = 0; i < node->diag_count; i++)
		if (strcmp(node->diags[i].code, code) == 0)
			return true;
	return false;
}

static size_t anomalies(const struct fwg_node *node)
{
	size_t n = 0;
	for (size_t i = 0; i < node->diag_count; i++)
		if (node->diags[i].severity >= FWG_SEV_WARNING)
			n++;
	return n;
}

static void assert_attr(const struct fwg_node *node, const char *key, const char *want)
{
	const char *got = fwg_node_attr(node, key);
	if (!got || strcmp(got, want) != 0)
		fail_msg("attribute %s: want '%s', got '%s'", key, want, got ? got : "(none)");
}

static uint64_t attr_num(const struct fwg_node *node, const char *key)
{
	const struct fwg_attr *a = fwg_node_attr_find(node, key);
	if (!a)
		fail_msg("attribute %s missing", key);
	return a->num;
}

static size_t count_type(const struct fwg_node *n, const char *type)
{
	size_t c = strcmp(fwg_node_type(n), type) == 0;
	for (size_t i = 0; i < fwg_node_child_count(n); i++)
		c += count_type(fwg_node_child(n, i), type);
	return c;
}

static bool file_exists(const char *path)
{
	return access(path, R_OK) == 0;
}

/* ---- synthetic images ---- */

#define PE_SIZE 0x620
#define PE_LFANEW 0x40
#define PE_COFF (PE_LFANEW + 4)
#define PE_OPT (PE_COFF + 20)
#define PE_OPT_SIZE 0xf0
#define PE_DIRS (PE_OPT + 112)
#define PE_SECTS (PE_OPT + PE_OPT_SIZE)
#define PE_PDB "C:\\build\\X64\\Test.pdb"

static void pe_section(uint8_t *p, size_t i, const char *name, uint32_t va, uint32_t raw,
		uint32_t ptr, uint32_t chars)
{
	size_t s = PE_SECTS + i * 40;
	memcpy(p + s, name, strlen(name));
	put32(p, s + 8, raw);
	put32(p, s + 12, va);
	put32(p, s + 16, raw);
	put32(p, s + 20, ptr);
	put32(p, s + 36, chars);
}

/* A PE32+ EFI application: .text and .data, a debug directory with an
 * RSDS record in .data and one PKCS#7 WIN_CERTIFICATE at the end. */
static uint8_t *make_pe(size_t *size)
{
	uint8_t *p = calloc(1, PE_SIZE);
	assert_non_null(p);
	p[0] = 'M';
	p[1] = 'Z';
	put32(p, 0x3c, PE_LFANEW);
	memcpy(p + PE_LFANEW, "PE\0\0", 4);
	put16(p, PE_COFF, 0x8664);
	put16(p, PE_COFF + 2, 2);
	put32(p, PE_COFF + 4, 0x12345678);
	put16(p, PE_COFF + 16, PE_OPT_SIZE);
	put16(p, PE_COFF + 18, 0x22);
	put16(p, PE_OPT, 0x20b);
	put32(p, PE_OPT + 16, 0x210);
	put64(p, PE_OPT + 24, 0x10000000);
	put32(p, PE_OPT + 32, 0x20);
	put32(p, PE_OPT + 36, 0x20);
	put32(p, PE_OPT + 56, 0x600);
	put32(p, PE_OPT + 60, 0x200);
	put16(p, PE_OPT + 68, 10);
	put16(p, PE_OPT + 70, 0x0140);
	put32(p, PE_OPT + 108, 16);
	put32(p, PE_DIRS + 4 * 8, 0x600); /* security: file offset */
	put32(p, PE_DIRS + 4 * 8 + 4, 0x20);
	put32(p, PE_DIRS + 5 * 8, 0x500); /* relocations */
	put32(p, PE_DIRS + 5 * 8 + 4, 0x10);
	put32(p, PE_DIRS + 6 * 8, 0x400); /* debug */
	put32(p, PE_DIRS + 6 * 8 + 4, 28);
	pe_section(p, 0, ".text", 0x200, 0x200, 0x200, 0x60000020);
	pe_section(p, 1, ".data", 0x400, 0x200, 0x400, 0xc0000040);
	/* debug directory entry and CodeView record */
	put32(p, 0x400 + 12, 2);
	put32(p, 0x400 + 16, 24 + (uint32_t)sizeof(PE_PDB));
	put32(p, 0x400 + 20, 0x420);
	put32(p, 0x400 + 24, 0x420);
	memcpy(p + 0x420, "RSDS", 4);
	for (int i = 0; i < 16; i++)
		p[0x424 + i] = (uint8_t)(i + 1);
	put32(p, 0x434, 1);
	memcpy(p + 0x438, PE_PDB, sizeof(PE_PDB));
	/* certificate table */
	put32(p, 0x600, 0x20);
	put16(p, 0x604, 0x0200);
	put16(p, 0x606, 0x0002);
	memset(p + 0x608, 0x30, 0x18);
	*size = PE_SIZE;
	return p;
}

#define TE_SIZE 0x130
#define TE_STRIPPED 0x1f8
#define TE_SHIFT (TE_STRIPPED - 40) /* PE offset - TE offset */
#define TE_PDB "/build/AARCH64/Sec.dll"

static uint8_t *make_te(size_t *size)
{
	uint8_t *p = calloc(1, TE_SIZE);
	assert_non_null(p);
	p[0] = 'V';
	p[1] = 'Z';
	put16(p, 2, 0xaa64);
	p[4] = 1;
	p[5] = 11;
	put16(p, 6, TE_STRIPPED);
	put32(p, 8, 0x220);
	put32(p, 12, 0x200);
	put64(p, 16, 0x1000);
	put32(p, 32, 0x260); /* debug directory RVA */
	put32(p, 36, 28);
	memcpy(p + 40, ".text", 5);
	put32(p, 40 + 8, 0x100);
	put32(p, 40 + 12, 0x200);
	put32(p, 40 + 16, 0x100);
	put32(p, 40 + 20, 0x200);
	put32(p, 40 + 36, 0x60000020);
	size_t dbg = 0x260 - TE_SHIFT;
	put32(p, dbg + 12, 2);
	put32(p, dbg + 16, 24 + (uint32_t)sizeof(TE_PDB));
	put32(p, dbg + 20, 0x280);
	put32(p, dbg + 24, 0x280);
	memcpy(p + 0x280 - TE_SHIFT, "RSDS", 4);
	memcpy(p + 0x280 - TE_SHIFT + 24, TE_PDB, sizeof(TE_PDB));
	*size = TE_SIZE;
	return p;
}

/* ---- real firmware ---- */

struct walk_stats {
	size_t pe, te, pe_bad, x64, i386, aarch64, with_pdb;
	const char *only_machine; /* when set, every image must have it */
};

static void check_image_node(const struct fwg_node *n, struct walk_stats *st)
{
	bool te = strcmp(fwg_node_type(n), FWG_TYPE_TE) == 0;
	const char *machine = fwg_node_attr(n, "machine");
	const char *subsystem = fwg_node_attr(n, "subsystem");
	assert_non_null(machine);
	assert_non_null(subsystem);
	if (strncmp(subsystem, "EFI_", 4) != 0 && strcmp(subsystem, "UNKNOWN") != 0)
		fail_msg("%s: subsystem %s", fwg_node_path(n), subsystem);
	if (st->only_machine && strcmp(machine, st->only_machine) != 0)
		fail_msg("%s: machine %s, want %s", fwg_node_path(n), machine, st->only_machine);
	if (!te) {
		const char *magic = fwg_node_attr(n, "optional_magic");
		assert_non_null(magic);
		bool wide = strcmp(machine, "x64") == 0 || strcmp(machine, "AArch64") == 0;
		assert_string_equal(magic, wide ? "PE32+" : "PE32");
		assert_non_null(fwg_node_attr(n, "sections"));
		assert_string_equal(fwg_node_attr(n, "authenticode"), "false");
	}
	if (anomalies(n) != 0) {
		st->pe_bad++;
		fail_msg("%s: %zu anomalies, first: %s", fwg_node_path(n), anomalies(n),
			n->diags[0].message);
	}
	if (fwg_node_attr(n, "pdb_path"))
		st->with_pdb++;
	if (strcmp(machine, "x64") == 0)
		st->x64++;
	else if (strcmp(machine, "i386") == 0)
		st->i386++;
	else if (strcmp(machine, "AArch64") == 0)
		st->aarch64++;
	if (te)
		st->te++;
	else
		st->pe++;
}

static void walk(const struct fwg_node *n, struct walk_stats *st)
{
	const char *type = fwg_node_type(n);
	if (strcmp(type, FWG_TYPE_PE32) == 0 || strcmp(type, FWG_TYPE_TE) == 0) {
		check_image_node(n, st);
		assert_int_equal(fwg_node_child_count(n), 0);
	}
	for (size_t i = 0; i < fwg_node_child_count(n); i++)
		walk(fwg_node_child(n, i), st);
}

static void scan_file(const char *path, struct walk_stats *st)
{
	struct fwg_options opt = test_options();
	struct fwg_image *img = NULL;
	char err[256];
	assert_int_equal(fwg_image_open(path, &opt, &img, err, sizeof(err)), FWG_OK);
	walk(fwg_image_root(img), st);
	fwg_image_free(img);
}

static void test_ovmf(void **state)
{
	(void)state;
	if (!file_exists(ovmf_path))
		skip();
	struct walk_stats st = { 0 };
	scan_file(ovmf_path, &st);
	/* OVMF 4M holds ~124 images: X64 DXE plus IA32 PEI (Debian's
	 * Ia32X64-style SEC/PEI on some builds). */
	assert_true(st.pe >= 100);
	assert_true(st.x64 >= 90);
	assert_int_equal(st.x64 + st.i386, st.pe + st.te);
	assert_int_equal(st.pe_bad, 0);
}

static void test_aavmf(void **state)
{
	(void)state;
	if (!file_exists(aavmf_path))
		skip();
	struct walk_stats st = { .only_machine = "AArch64" };
	scan_file(aavmf_path, &st);
	assert_true(st.pe >= 50);
	assert_true(st.te >= 1);  /* SEC/PEI modules are TE images */
	assert_int_equal(st.with_pdb, st.pe + st.te); /* EDK2 debug directories */
}

static void test_host_efi_binaries(void **state)
{
	(void)state;
	static const char *const patterns[] = {
		"/usr/lib/shim/*.efi*", "/usr/lib/grub/*/*.efi", "/usr/lib/grub/*/*.efi.signed",
		"/boot/efi/EFI/*/*.efi", "/usr/lib/systemd/boot/efi/*.efi",
		"/usr/lib/ipxe/*.efi", "/usr/share/ipxe/*.efi",
	};
	size_t seen = 0;
	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		glob_t g;
		if (glob(patterns[i], 0, NULL, &g) != 0)
			continue;
		for (size_t j = 0; j < g.gl_pathc && seen < 32; j++) {
			struct walk_stats st = { 0 };
			scan_file(g.gl_pathv[j], &st);
			assert_true(st.pe + st.te >= 1);
			seen++;
		}
		globfree(&g);
	}
	if (seen == 0)
		skip();
}

/* ---- synthetic PE ---- */

static void test_synthetic_pe(void **state)
{
	(void)state;
	size_t size;
	uint8_t *p = make_pe(&size);
	struct fwg_image *img = open_buffer(p, size);
	const struct fwg_node *root = fwg_image_root(img);
	assert_int_equal(fwg_node_child_count(root), 1);
	const struct fwg_node *n = fwg_node_child(root, 0);
	assert_string_equal(fwg_node_type(n), FWG_TYPE_PE32);
	assert_attr(n, "machine", "x64");
	assert_int_equal(attr_num(n, "machine_code"), 0x8664);
	assert_attr(n, "optional_magic", "PE32+");
	assert_attr(n, "subsystem", "EFI_APPLICATION");
	assert_int_equal(attr_num(n, "entry_point"), 0x210);
	assert_int_equal(attr_num(n, "image_base"), 0x10000000);
	assert_int_equal(attr_num(n, "image_size"), 0x600);
	assert_int_equal(attr_num(n, "size_of_headers"), 0x200);
	assert_int_equal(attr_num(n, "timestamp"), 0x12345678);
	assert_attr(n, "dll_characteristics_text", "DYNAMIC_BASE NX_COMPAT");
	assert_attr(n, "sections", ".text(rx) .data(rw)");
	assert_attr(n, "has_relocations", "true");
	assert_attr(n, "authenticode", "true");
	assert_int_equal(attr_num(n, "cert_count"), 1);
	assert_int_equal(attr_num(n, "cert_table_offset"), 0x600);
	assert_attr(n, "pdb_path", PE_PDB);
	assert_attr(n, "pdb_guid", "04030201-0605-0807-090a-0b0c0d0e0f10");
	assert_null(fwg_node_attr(n, "checksum_ok"));
	assert_int_equal(anomalies(n), 0);
	fwg_image_free(img);
	free(p);
}

static void test_pe_checksum(void **state)
{
	(void)state;
	size_t size;
	uint8_t *p = make_pe(&size);
	/* Reference: 16-bit folded sum with the field zero, plus the size. */
	uint32_t sum = 0;
	for (size_t i = 0; i < size; i += 2) {
		sum += (uint32_t)p[i] | (uint32_t)p[i + 1] << 8;
		sum = (sum & 0xffff) + (sum >> 16);
	}
	put32(p, PE_OPT + 64, sum + (uint32_t)size);
	struct fwg_node *n = parse_direct(&fwg_handler_pe, p, size);
	assert_attr(n, "checksum_ok", "true");
	fwg_node_free(n);
	put32(p, PE_OPT + 64, sum + (uint32_t)size + 1);
	n = parse_direct(&fwg_handler_pe, p, size);
	assert_attr(n, "checksum_ok", "false");
	assert_true(has_diag(n, "pe.checksum"));
	fwg_node_free(n);
	free(p);
}

static void test_pe32_i386(void **state)
{
	(void)state;
	size_t size;
	uint8_t *p = make_pe(&size);
	/* Re-lay the optional header as PE32: base u32 at +28, dirs at +96. */
	memset(p + PE_OPT, 0, PE_OPT_SIZE);
	put16(p, PE_COFF, 0x14c);
	put16(p, PE_COFF + 16, 0xe0);
	put16(p, PE_OPT, 0x10b);
	put32(p, PE_OPT + 16, 0x210);
	put32(p, PE_OPT + 28, 0x400000);
	put32(p, PE_OPT + 32, 0x20);
	put32(p, PE_OPT + 36, 0x20);
	put32(p, PE_OPT + 56, 0x600);
	put32(p, PE_OPT + 60, 0x200);
	put16(p, PE_OPT + 68, 11);
	put32(p, PE_OPT + 92, 6);
	/* the section table now starts 0x10 earlier */
	memmove(p + PE_OPT + 0xe0, p + PE_SECTS, 80);
	memset(p + PE_OPT + 0xe0 + 80, 0, 0x10);
	struct fwg_node *n = parse_direct(&fwg_handler_pe, p, size);
	assert_attr(n, "machine", "i386");
	assert_attr(n, "optional_magic", "PE32");
	assert_attr(n, "subsystem", "EFI_BOOT_SERVICE_DRIVER");
	assert_int_equal(attr_num(n, "image_base"), 0x400000);
	assert_attr(n, "sections", ".text(rx) .data(rw)");
	assert_attr(n, "authenticode", "false"); /* 6 directories: no security entry */
	assert_attr(n, "dll_characteristics_text", "none");
	assert_int_equal(anomalies(n), 0);
	fwg_node_free(n);
	free(p);
}

static void test_pe_hostile_lfanew(void **state)
{
	(void)state;
	size_t size;
	uint8_t *p = make_pe(&size);
	const uint32_t bad[] = { 0xfffffff0u, 0x7fffffffu, PE_SIZE - 2, PE_SIZE, 0x04000000u };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put32(p, 0x3c, bad[i]);
		struct fwg_cursor c = fwg_cursor_make(p, size);
		assert_int_equal(fwg_handler_pe.probe(&c), 0);
		struct fwg_node *n = parse_direct(&fwg_handler_pe, p, size);
		assert_true(has_diag(n, "pe.header"));
		assert_null(fwg_node_attr(n, "machine"));
		fwg_node_free(n);
		/* through the registry, no pe32 node is made */
		struct fwg_image *img = open_buffer(p, size);
		assert_int_equal(count_type(fwg_image_root(img), FWG_TYPE_PE32), 0);
		fwg_image_free(img);
	}
	free(p);
}

static void test_pe_hostile_sections(void **state)
{
	(void)state;
	size_t size;
	uint8_t *p = make_pe(&size);
	put16(p, PE_COFF + 2, 0xffff);
	struct fwg_node *n = parse_direct(&fwg_handler_pe, p, size);
	assert_true(has_diag(n, "pe.section_count"));
	assert_int_equal(attr_num(n, "section_count"), 0xffff);
	fwg_node_free(n);

	/* 90 sections do not fit in 0x620 bytes after the table start */
	put16(p, PE_COFF + 2, 90);
	n = parse_direct(&fwg_handler_pe, p, size);
	assert_true(has_diag(n, "pe.section_table"));
	fwg_node_free(n);
	free(p);
}

static void test_pe_hostile_optional(void **state)
{
	(void)state;
	size_t size;
	uint8_t *p = make_pe(&size);
	put16(p, PE_COFF + 16, 0xffff);
	struct fwg_node *n = parse_direct(&fwg_handler_pe, p, size);
	assert_true(has_diag(n, "pe.section_table"));
	assert_attr(n, "optional_magic", "PE32+");
	fwg_node_free(n);

	/* Optional header too small for its fields */
	put16(p, PE_COFF + 16, 0x40);
	n = parse_direct(&fwg_handler_pe, p, size);
	assert_true(has_diag(n, "pe.optional_header"));
	fwg_node_free(n);

	/* Unknown magic: sections are still listed */
	put16(p, PE_COFF + 16, PE_OPT_SIZE);
	put16(p, PE_OPT, 0x107);
	n = parse_direct(&fwg_handler_pe, p, size);
	assert_true(has_diag(n, "pe.optional_magic"));
	assert_attr(n, "sections", ".text(rx) .data(rw)");
	fwg_node_free(n);

	/* NumberOfRvaAndSizes beyond 16 */
	put16(p, PE_OPT, 0x20b);
	put32(p, PE_OPT + 108, 0xffffffffu);
	n = parse_direct(&fwg_handler_pe, p, size);
	assert_true(has_diag(n, "pe.rva_count"));
	assert_attr(n, "authenticode", "true");
	fwg_node_free(n);

	/* Bad alignments, entry point past the image */
	put32(p, PE_OPT + 108, 16);
	put32(p, PE_OPT + 32, 0x30);
	put32(p, PE_OPT + 16, 0x10000);
	n = parse_direct(&fwg_handler_pe, p, size);
	assert_true(has_diag(n, "pe.alignment"));
	assert_true(has_diag(n, "pe.entry_point"));
	fwg_node_free(n);
	free(p);
}

static void test_pe_hostile_certs(void **state)
{
	(void)state;
	size_t size;
	uint8_t *p = make_pe(&size);
	const uint32_t offs[][2] = {
		{ 0x610, 0x20 }, { 0xfffffff8u, 0x10 }, { 0x600, 0xffffffffu }, { 0x10, 0x20 },
	};
	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		put32(p, PE_DIRS + 4 * 8, offs[i][0]);
		put32(p, PE_DIRS + 4 * 8 + 4, offs[i][1]);
		struct fwg_node *n = parse_direct(&fwg_handler_pe, p, size);
		assert_true(has_diag(n, "pe.cert_table"));
		if (i < 3)
			assert_attr(n, "authenticode", "false");
		fwg_node_free(n);
	}
	/* dwLength larger than the table, then zero */
	put32(p, PE_DIRS + 4 * 8, 0x600);
	put32(p, PE_DIRS + 4 * 8 + 4, 0x20);
	const uint32_t lens[] = { 0x28, 0, 7 };
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		put32(p, 0x600, lens[i]);
		struct fwg_node *n = parse_direct(&fwg_handler_pe, p, size);
		assert_true(has_diag(n, "pe.cert_entry"));
		assert_attr(n, "authenticode", "false");
		assert_int_equal(attr_num(n, "cert_count"), 0);
		fwg_node_free(n);
	}
	free(p);
}

static void test_pe_section_anomalies(void **state)
{
	(void)state;
	size_t size;
	uint8_t *p = make_pe(&size);
	/* .data writable and executable, overlapping .text, raw data outside */
	pe_section(p, 1, ".data", 0x400, 0x200, 0x300, 0xe0000040);
	struct fwg_node *n = parse_direct(&fwg_handler_pe, p, size);
	assert_true(has_diag(n, "pe.section_wx"));
	assert_true(has_diag(n, "pe.section_overlap"));
	assert_attr(n, "sections", ".text(rx) .data(rwx)");
	fwg_node_free(n);

	pe_section(p, 1, ".data", 0x400, 0x200, 0xfffffff0u, 0xc0000040);
	n = parse_direct(&fwg_handler_pe, p, size);
	assert_true(has_diag(n, "pe.section_raw"));
	assert_true(has_diag(n, "pe.debug_dir")); /* .data no longer backed */
	fwg_node_free(n);

	/* entry point inside a non-executable section */
	pe_section(p, 1, ".data", 0x400, 0x200, 0x400, 0xc0000040);
	put32(p, PE_OPT + 16, 0x410);
	n = parse_direct(&fwg_handler_pe, p, size);
	assert_true(has_diag(n, "pe.entry_point"));
	fwg_node_free(n);

	/* hostile names stay printable */
	memcpy(p + PE_SECTS, "\x01\xff(x) \n\t", 8);
	put32(p, PE_OPT + 16, 0x210);
	n = parse_direct(&fwg_handler_pe, p, size);
	const char *s = fwg_node_attr(n, "sections");
	assert_non_null(s);
	for (const char *q = s; *q; q++)
		assert_true(*q >= 0x20 && *q < 0x7f);
	fwg_node_free(n);
	free(p);
}

static void test_pe_debug_hostile(void **state)
{
	(void)state;
	size_t size;
	uint8_t *p = make_pe(&size);
	/* CodeView size far beyond the file, pointer outside */
	put32(p, 0x400 + 16, 0xffffffffu);
	struct fwg_node *n = parse_direct(&fwg_handler_pe, p, size);
	assert_true(has_diag(n, "pe.debug_codeview"));
	assert_null(fwg_node_attr(n, "pdb_path"));
	fwg_node_free(n);
	/* unterminated path: bounded copy up to the record end */
	put32(p, 0x400 + 16, 24 + 4);
	n = parse_direct(&fwg_handler_pe, p, size);
	assert_attr(n, "pdb_path", "C:\\b");
	fwg_node_free(n);
	/* NB10 record */
	memcpy(p + 0x420, "NB10", 4);
	put32(p, 0x400 + 16, 0x40);
	n = parse_direct(&fwg_handler_pe, p, size);
	assert_non_null(fwg_node_attr(n, "pdb_path"));
	fwg_node_free(n);
	free(p);
}

/* ---- TE ---- */

static void test_synthetic_te(void **state)
{
	(void)state;
	size_t size;
	uint8_t *p = make_te(&size);
	struct fwg_image *img = open_buffer(p, size);
	const struct fwg_node *root = fwg_image_root(img);
	assert_int_equal(fwg_node_child_count(root), 1);
	const struct fwg_node *n = fwg_node_child(root, 0);
	assert_string_equal(fwg_node_type(n), FWG_TYPE_TE);
	assert_attr(n, "machine", "AArch64");
	assert_attr(n, "subsystem", "EFI_BOOT_SERVICE_DRIVER");
	assert_int_equal(attr_num(n, "stripped_size"), TE_STRIPPED);
	assert_int_equal(attr_num(n, "entry_point"), 0x220);
	assert_int_equal(attr_num(n, "image_base"), 0x1000);
	assert_attr(n, "sections", ".text(rx)");
	assert_attr(n, "pdb_path", TE_PDB);
	assert_attr(n, "has_relocations", "false");
	assert_int_equal(anomalies(n), 0);
	fwg_image_free(img);
	free(p);
}

static void test_te_hostile(void **state)
{
	(void)state;
	size_t size;
	uint8_t *p = make_te(&size);
	struct fwg_cursor c = fwg_cursor_make(p, size);
	put16(p, 2, 0x1234); /* unknown machine: not probed */
	assert_int_equal(fwg_handler_te.probe(&c), 0);
	put16(p, 2, 0xaa64);
	assert_int_equal(fwg_handler_te.probe(&c), 70);

	p[4] = 255; /* more sections than bytes */
	struct fwg_node *n = parse_direct(&fwg_handler_te, p, size);
	assert_true(has_diag(n, "te.section_table"));
	fwg_node_free(n);
	p[4] = 1;

	put16(p, 6, 0); /* stripped size below the header */
	n = parse_direct(&fwg_handler_te, p, size);
	assert_true(has_diag(n, "te.stripped_size"));
	assert_true(has_diag(n, "pe.section_raw"));
	fwg_node_free(n);

	put16(p, 6, 0xffff); /* every offset maps before the file */
	n = parse_direct(&fwg_handler_te, p, size);
	assert_true(has_diag(n, "pe.debug_dir"));
	assert_null(fwg_node_attr(n, "pdb_path"));
	fwg_node_free(n);
	free(p);
}

/* ---- sweeps ---- */

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void sweep(const struct fwg_handler *h, uint8_t *(*make)(size_t *))
{
	size_t size;
	uint8_t *orig = make(&size);
	/* every prefix, from an exact-size heap copy */
	for (size_t len = 0; len <= size; len++) {
		uint8_t *copy = malloc(len ? len : 1);
		assert_non_null(copy);
		memcpy(copy, orig, len);
		struct fwg_node *n = parse_direct(h, copy, len);
		fwg_node_free(n);
		struct fwg_image *img = open_buffer(copy, len);
		fwg_image_free(img);
		free(copy);
	}
	/* random bit flips, bytes and 32-bit words */
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	for (unsigned i = 0; i < 3000; i++) {
		uint8_t *copy = malloc(size);
		assert_non_null(copy);
		memcpy(copy, orig, size);
		unsigned edits = 1 + (unsigned)(rng_next(&seed) % 4);
		for (unsigned e = 0; e < edits; e++) {
			size_t at = (size_t)(rng_next(&seed) % size);
			uint64_t r = rng_next(&seed);
			if (r & 1)
				copy[at] ^= (uint8_t)(1u << ((r >> 1) % 8));
			else if (at + 4 <= size)
				put32(copy, at, (r & 2) ? 0xffffffffu : (uint32_t)(r >> 32));
		}
		struct fwg_node *n = parse_direct(h, copy, size);
		fwg_node_free(n);
		free(copy);
	}
	free(orig);
}

static void test_sweep_pe(void **state)
{
	(void)state;
	sweep(&fwg_handler_pe, make_pe);
}

static void test_sweep_te(void **state)
{
	(void)state;
	sweep(&fwg_handler_te, make_te);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		ovmf_path = argv[1];
	if (argc > 2)
		aavmf_path = argv[2];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_synthetic_pe),
		cmocka_unit_test(test_pe_checksum),
		cmocka_unit_test(test_pe32_i386),
		cmocka_unit_test(test_pe_hostile_lfanew),
		cmocka_unit_test(test_pe_hostile_sections),
		cmocka_unit_test(test_pe_hostile_optional),
		cmocka_unit_test(test_pe_hostile_certs),
		cmocka_unit_test(test_pe_section_anomalies),
		cmocka_unit_test(test_pe_debug_hostile),
		cmocka_unit_test(test_synthetic_te),
		cmocka_unit_test(test_te_hostile),
		cmocka_unit_test(test_sweep_pe),
		cmocka_unit_test(test_sweep_te),
		cmocka_unit_test(test_ovmf),
		cmocka_unit_test(test_aavmf),
		cmocka_unit_test(test_host_efi_binaries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
