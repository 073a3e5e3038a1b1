/*
 * pe.c - PE/COFF images (Microsoft PE/COFF specification, rev. 12+) and
 * Terse Executables (PI spec vol. 1, "TE Image"), the executable formats of
 * UEFI drivers, applications and option ROM code.
 *
 * PE layout (little endian; offsets relative to the image start):
 *   0x00 "MZ"  0x3c e_lfanew u32 -> "PE\0\0" at p
 *   p+4   COFF header (20 bytes): Machine u16, NumberOfSections u16,
 *         TimeDateStamp u32, PointerToSymbolTable u32, NumberOfSymbols u32,
 *         SizeOfOptionalHeader u16, Characteristics u16
 *   p+24  optional header, Magic 0x10b (PE32) or 0x20b (PE32+):
 *           +16 AddressOfEntryPoint  +28 ImageBase u32 (PE32) / +24 u64 (PE32+)
 *           +32 SectionAlignment +36 FileAlignment +56 SizeOfImage
 *           +60 SizeOfHeaders +64 CheckSum +68 Subsystem u16
 *           +70 DllCharacteristics u16
 *           +92 / +108 NumberOfRvaAndSizes, then DataDirectory[] {RVA, Size}
 *   p+24+SizeOfOptionalHeader  section table, 40 bytes per section:
 *           Name[8] VirtualSize VirtualAddress SizeOfRawData
 *           PointerToRawData ... +36 Characteristics
 *   Data directories used here: 4 Security (its "RVA" is a FILE offset to
 *   WIN_CERTIFICATE entries {dwLength u32, wRevision u16,
 *   wCertificateType u16, bCertificate[]}, each 8-byte aligned), 5 Base
 *   relocations, 6 Debug (IMAGE_DEBUG_DIRECTORY, 28 bytes each; type 2 is
 *   CodeView: "RSDS" GUID Age path / "NB10" Offset Stamp Age path).
 *
 * TE layout: EFI_TE_IMAGE_HEADER (40 bytes)
 *   0x00 "VZ" 0x02 Machine u16 0x04 NumberOfSections u8 0x05 Subsystem u8
 *   0x06 StrippedSize u16 0x08 AddressOfEntryPoint u32 0x0c BaseOfCode u32
 *   0x10 ImageBase u64 0x18 DataDirectory[0] reloc {RVA, Size}
 *   0x20 DataDirectory[1] debug {RVA, Size}; section headers follow.
 *   RVAs and section PointerToRawData keep their PE values: the TE file
 *   offset of x is x - StrippedSize + 40.
 *
 * Invariants: every read goes through the cursor at an offset computed
 * with checked arithmetic; loops are bounded by MAX_SECTIONS, MAX_CERTS
 * and MAX_DEBUG_ENTRIES; a malformed field becomes a diagnostic and the
 * parse continues with what is left.  PE/TE nodes are leaves: nothing
 * inside an executable is probed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/guid.h"
#include "../../core/handler.h"
#include "../../core/registry.h"
#include "../../core/text.h"

#define DOS_OFF_LFANEW 0x3c
#define MAX_LFANEW (64u << 20)
#define COFF_SIZE 20
#define PE32_MAGIC 0x10b
#define PE32PLUS_MAGIC 0x20b
#define SECTION_HEADER_SIZE 40
#define MAX_SECTIONS 96          /* the Windows loader's limit (PE spec) */
#define MAX_DATA_DIRS 16
#define DIR_SECURITY 4
#define DIR_BASERELOC 5
#define DIR_DEBUG 6
#define MAX_CERTS 64
#define WIN_CERT_HEADER_SIZE 8
#define WIN_CERT_TYPE_PKCS_SIGNED_DATA 0x0002
#define DEBUG_ENTRY_SIZE 28
#define MAX_DEBUG_ENTRIES 16
#define DEBUG_TYPE_CODEVIEW 2
#define MAX_PDB_PATH 512
#define TE_HEADER_SIZE 40

#define SCN_CNT_CODE 0x00000020u
#define SCN_MEM_EXECUTE 0x20000000u
#define SCN_MEM_READ 0x40000000u
#define SCN_MEM_WRITE 0x80000000u

/* Optional header field offsets (relative to the optional header). */
#define OPT_ENTRY 16
#define OPT_IMAGE_BASE32 28
#define OPT_IMAGE_BASE64 24
#define OPT_SECTION_ALIGN 32
#define OPT_FILE_ALIGN 36
#define OPT_SIZE_OF_IMAGE 56
#define OPT_SIZE_OF_HEADERS 60
#define OPT_CHECKSUM 64
#define OPT_SUBSYSTEM 68
#define OPT_DLL_CHARS 70
#define OPT_RVA_COUNT32 92
#define OPT_RVA_COUNT64 108

struct name_entry {
	uint16_t code;
	const char *name;
};

static const struct name_entry machines[] = {
	{ 0x014c, "i386" },        { 0x8664, "x64" },         { 0x01c0, "ARM" },
	{ 0x01c2, "Thumb" },       { 0x01c4, "ARMv7" },       { 0xaa64, "AArch64" },
	{ 0x0ebc, "EBC" },         { 0x5032, "RISC-V32" },    { 0x5064, "RISC-V64" },
	{ 0x5128, "RISC-V128" },   { 0x6232, "LoongArch32" }, { 0x6264, "LoongArch64" },
	{ 0x0200, "IA64" },
};

static const struct name_entry subsystems[] = {
	{ 0, "UNKNOWN" },
	{ 1, "NATIVE" },
	{ 2, "WINDOWS_GUI" },
	{ 3, "WINDOWS_CUI" },
	{ 5, "OS2_CUI" },
	{ 7, "POSIX_CUI" },
	{ 8, "NATIVE_WINDOWS" },
	{ 9, "WINDOWS_CE_GUI" },
	{ 10, "EFI_APPLICATION" },
	{ 11, "EFI_BOOT_SERVICE_DRIVER" },
	{ 12, "EFI_RUNTIME_DRIVER" },
	{ 13, "EFI_ROM" },
	{ 14, "XBOX" },
	{ 16, "WINDOWS_BOOT_APPLICATION" },
};

static const struct name_entry dll_flags[] = {
	{ 0x0020, "HIGH_ENTROPY_VA" }, { 0x0040, "DYNAMIC_BASE" },
	{ 0x0080, "FORCE_INTEGRITY" }, { 0x0100, "NX_COMPAT" },
	{ 0x0200, "NO_ISOLATION" },    { 0x0400, "NO_SEH" },
	{ 0x0800, "NO_BIND" },         { 0x1000, "APPCONTAINER" },
	{ 0x2000, "WDM_DRIVER" },      { 0x4000, "GUARD_CF" },
	{ 0x8000, "TERMINAL_SERVER_AWARE" },
};

static const char *lookup(const struct name_entry *t, size_t n, uint16_t code)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].code == code)
			return t[i].name;
	return NULL;
}

static const char *machine_name(uint16_t m)
{
	return lookup(machines, sizeof(machines) / sizeof(machines[0]), m);
}

static const char *subsystem_name(uint16_t s)
{
	return lookup(subsystems, sizeof(subsystems) / sizeof(subsystems[0]), s);
}

static bool is_pow2(uint32_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

/* ---- shared PE/TE model ------------------------------------------------ */

struct img {
	struct fwg_node *node;
	struct fwg_cursor c;
	bool te;
	uint16_t stripped;     /* TE: StrippedSize */
	size_t headers_size;   /* PE: SizeOfHeaders clipped to the window */
	size_t sect_off;       /* section table offset in the window */
	size_t sect_count;     /* headers present in the window (<= MAX_SECTIONS) */
	size_t data_end;       /* end of the last structure found (for the overlay) */
};

struct sect {
	char name[9];
	uint32_t vsize, va, raw_size, raw_ptr, chars;
};

static void note_end(struct img *im, size_t end)
{
	if (end > im->data_end)
		im->data_end = end;
}

/* File offset in the window of a PE file offset (TE: shifted by the
 * stripped header).  False when it falls before the window. */
static bool file_offset(const struct img *im, uint64_t pe_off, size_t *out)
{
	if (im->te) {
		uint64_t t = pe_off + TE_HEADER_SIZE;
		if (t < im->stripped)
			return false;
		t -= im->stripped;
		if (t > SIZE_MAX)
			return false;
		*out = (size_t)t;
		return true;
	}
	if (pe_off > SIZE_MAX)
		return false;
	*out = (size_t)pe_off;
	return true;
}

static enum fwg_status read_section(const struct img *im, size_t i, struct sect *s)
{
	size_t off = im->sect_off + i * SECTION_HEADER_SIZE;
	uint8_t raw_name[8];
	if (fwg_cursor_copy_at(&im->c, off, raw_name, 8) != FWG_OK ||
			fwg_cursor_u32le_at(&im->c, off + 8, &s->vsize) != FWG_OK ||
			fwg_cursor_u32le_at(&im->c, off + 12, &s->va) != FWG_OK ||
			fwg_cursor_u32le_at(&im->c, off + 16, &s->raw_size) != FWG_OK ||
			fwg_cursor_u32le_at(&im->c, off + 20, &s->raw_ptr) != FWG_OK ||
			fwg_cursor_u32le_at(&im->c, off + 36, &s->chars) != FWG_OK)
		return FWG_TRUNCATED;
	size_t n = 0;
	for (; n < 8 && raw_name[n] != 0; n++)
		s->name[n] = (raw_name[n] > 0x20 && raw_name[n] < 0x7f) ? (char)raw_name[n] : '?';
	s->name[n] = '\0';
	return FWG_OK;
}

/* Window offset of [rva, rva+len), or false when it is not backed by file
 * data (PE: headers or a section's raw data; TE: the fixed shift). */
static bool rva_to_offset(const struct img *im, uint32_t rva, size_t len, size_t *out)
{
	size_t off = 0;
	bool found = false;
	if (im->te) {
		found = file_offset(im, rva, &off);
	} else if (rva < im->headers_size) {
		off = rva;
		found = true;
	} else {
		for (size_t i = 0; i < im->sect_count && !found; i++) {
			struct sect s;
			if (read_section(im, i, &s) != FWG_OK)
				break;
			if (rva >= s.va && rva - s.va < s.raw_size) {
				off = (size_t)s.raw_ptr + (rva - s.va);
				found = true;
			}
		}
	}
	if (!found || !fwg_cursor_has(&im->c, off, len))
		return false;
	*out = off;
	return true;
}

/* Sections: one text attribute plus raw-data, W+X and overlap checks. */
static void parse_sections(struct img *im)
{
	char text[MAX_SECTIONS * 16 + 1];
	size_t used = 0;
	text[0] = '\0';
	for (size_t i = 0; i < im->sect_count; i++) {
		struct sect s;
		size_t hoff = im->sect_off + i * SECTION_HEADER_SIZE;
		if (read_section(im, i, &s) != FWG_OK)
			break;
		bool r = s.chars & SCN_MEM_READ, w = s.chars & SCN_MEM_WRITE,
			x = s.chars & SCN_MEM_EXECUTE;
		int n = snprintf(text + used, sizeof(text) - used, "%s%s(%s%s%s%s)", used ? " " : "",
			s.name[0] ? s.name : "?", r ? "r" : "", w ? "w" : "", x ? "x" : "",
			(r || w || x) ? "" : "-");
		if (n > 0 && (size_t)n < sizeof(text) - used)
			used += (size_t)n;
		if (w && x)
			FWG_WARN(im->node, "pe.section_wx", hoff,
				"section %u '%s' is both writable and executable", (unsigned)i, s.name);
		if (s.raw_size == 0)
			continue;
		size_t start;
		if (!file_offset(im, s.raw_ptr, &start) || !fwg_cursor_has(&im->c, start, s.raw_size)) {
			FWG_WARN(im->node, "pe.section_raw", hoff + 20,
				"section %u '%s' raw data 0x%x+0x%x lies outside the image (size 0x%zx)",
				(unsigned)i, s.name, s.raw_ptr, s.raw_size, im->c.size);
			continue;
		}
		note_end(im, start + s.raw_size);
		for (size_t j = 0; j < i; j++) {
			struct sect o;
			if (read_section(im, j, &o) != FWG_OK || o.raw_size == 0)
				continue;
			uint64_t a0 = s.raw_ptr, a1 = a0 + s.raw_size;
			uint64_t b0 = o.raw_ptr, b1 = b0 + o.raw_size;
			if (a0 < b1 && b0 < a1)
				FWG_WARN(im->node, "pe.section_overlap", hoff + 20,
					"raw data of section %u '%s' overlaps section %u '%s'",
					(unsigned)i, s.name, (unsigned)j, o.name);
		}
	}
	fwg_node_attr_str(im->node, "sections", text);
}

/* Section containing the RVA (virtually), or false. */
static bool section_of_rva(const struct img *im, uint32_t rva, struct sect *out)
{
	for (size_t i = 0; i < im->sect_count; i++) {
		if (read_section(im, i, out) != FWG_OK)
			return false;
		uint32_t span = out->vsize > out->raw_size ? out->vsize : out->raw_size;
		if (rva >= out->va && rva - out->va < span)
			return true;
	}
	return false;
}

static void check_entry(struct img *im, uint32_t entry, size_t field_off)
{
	struct sect s;
	if (entry == 0)
		return;
	if (!section_of_rva(im, entry, &s)) {
		if (im->sect_count)
			FWG_WARN(im->node, "pe.entry_point", field_off,
				"entry point 0x%x lies outside every section", entry);
		return;
	}
	if (!(s.chars & (SCN_MEM_EXECUTE | SCN_CNT_CODE)))
		FWG_WARN(im->node, "pe.entry_point", field_off,
			"entry point 0x%x lies in non-executable section '%s'", entry, s.name);
}

static void parse_codeview(struct img *im, size_t off, uint32_t size)
{
	uint8_t sig[4];
	size_t hdr;
	if (fwg_cursor_copy_at(&im->c, off, sig, 4) != FWG_OK)
		return;
	if (memcmp(sig, "RSDS", 4) == 0) {
		hdr = 24;
		uint8_t g[16];
		static const uint8_t zero[16] = { 0 };
		if (fwg_cursor_copy_at(&im->c, off + 4, g, 16) == FWG_OK && !fwg_guid_eq(g, zero)) {
			char gt[FWG_GUID_TEXT_LEN];
			fwg_guid_format(g, gt);
			fwg_node_attr_str(im->node, "pdb_guid", gt);
		}
	} else if (memcmp(sig, "NB10", 4) == 0) {
		hdr = 16;
	} else if (memcmp(sig, "MTOC", 4) == 0) {
		hdr = 20;
	} else {
		FWG_INFO(im->node, "pe.debug_codeview", off,
			"codeview record at 0x%zx has unknown signature", off);
		return;
	}
	if (size <= hdr)
		return;
	size_t len = size - hdr;
	if (len > MAX_PDB_PATH)
		len = MAX_PDB_PATH;
	if (!fwg_cursor_has(&im->c, off + hdr, len))
		return;
	char *path;
	if (fwg_text_ascii(&im->c, off + hdr, len, &path) != FWG_OK) {
		im->node->alloc_failed = true;
		return;
	}
	if (path[0])
		fwg_node_attr_str(im->node, "pdb_path", path);
	free(path);
}

/* IMAGE_DEBUG_DIRECTORY entries; CodeView ones give the PDB path. */
static void parse_debug(struct img *im, uint32_t rva, uint32_t size)
{
	if (rva == 0 || size == 0)
		return;
	size_t off;
	size_t count = size / DEBUG_ENTRY_SIZE;
	if (count == 0 || !rva_to_offset(im, rva, DEBUG_ENTRY_SIZE, &off)) {
		FWG_WARN(im->node, "pe.debug_dir", 0,
			"debug directory 0x%x+0x%x is not backed by file data", rva, size);
		return;
	}
	if (count > MAX_DEBUG_ENTRIES)
		count = MAX_DEBUG_ENTRIES;
	for (size_t i = 0; i < count; i++) {
		size_t e = off + i * DEBUG_ENTRY_SIZE;
		uint32_t type, dsize, drva, dptr;
		if (fwg_cursor_u32le_at(&im->c, e + 12, &type) != FWG_OK ||
				fwg_cursor_u32le_at(&im->c, e + 16, &dsize) != FWG_OK ||
				fwg_cursor_u32le_at(&im->c, e + 20, &drva) != FWG_OK ||
				fwg_cursor_u32le_at(&im->c, e + 24, &dptr) != FWG_OK) {
			FWG_WARN(im->node, "pe.debug_dir", e, "debug directory entry %u truncated",
				(unsigned)i);
			return;
		}
		if (type != DEBUG_TYPE_CODEVIEW)
			continue;
		size_t doff;
		bool ok = dptr != 0 && file_offset(im, dptr, &doff) &&
			fwg_cursor_has(&im->c, doff, dsize);
		if (!ok)
			ok = drva != 0 && rva_to_offset(im, drva, dsize, &doff);
		if (!ok) {
			FWG_WARN(im->node, "pe.debug_codeview", e,
				"codeview record 0x%x bytes at rva 0x%x is outside the image", dsize, drva);
			continue;
		}
		parse_codeview(im, doff, dsize);
		return;
	}
}

/* ---- PE ---------------------------------------------------------------- */

static bool pe_header(const struct fwg_cursor *c, uint32_t *lfanew)
{
	const uint8_t *p;
	if (fwg_cursor_bytes_at(c, 0, 2, &p) != FWG_OK || p[0] != 'M' || p[1] != 'Z')
		return false;
	if (fwg_cursor_u32le_at(c, DOS_OFF_LFANEW, lfanew) != FWG_OK || *lfanew >= MAX_LFANEW)
		return false;
	if (fwg_cursor_bytes_at(c, *lfanew, 4 + COFF_SIZE, &p) != FWG_OK)
		return false;
	return memcmp(p, "PE\0\0", 4) == 0;
}

static int pe_probe(const struct fwg_cursor *body)
{
	uint32_t lfanew;
	return pe_header(body, &lfanew) ? 80 : 0;
}

/* Bytes the image occupies from its start: the end of the headers, of
 * every section's raw data and of the certificate table (which sits past
 * the sections).  For the carver, so it never reads more than a header's
 * worth of fields: bounded by the 96-section cap PE loaders apply. */
static uint64_t pe_extent(const struct fwg_cursor *c)
{
	uint32_t lfanew;
	uint16_t nsect, opt_size, magic;
	if (!pe_header(c, &lfanew) || fwg_cursor_u16le_at(c, lfanew + 6, &nsect) != FWG_OK ||
			fwg_cursor_u16le_at(c, lfanew + 20, &opt_size) != FWG_OK ||
			fwg_cursor_u16le_at(c, lfanew + 24, &magic) != FWG_OK || nsect > 96)
		return 0;
	size_t opt = (size_t)lfanew + 24, table = opt + opt_size;
	uint32_t headers = 0;
	if (fwg_cursor_u32le_at(c, opt + 60, &headers) != FWG_OK)
		headers = 0;
	uint64_t end = headers;
	for (unsigned i = 0; i < nsect; i++) {
		uint32_t raw_size, raw_ptr;
		if (fwg_cursor_u32le_at(c, table + i * 40 + 16, &raw_size) != FWG_OK ||
				fwg_cursor_u32le_at(c, table + i * 40 + 20, &raw_ptr) != FWG_OK)
			return 0;
		if ((uint64_t)raw_ptr + raw_size > end)
			end = (uint64_t)raw_ptr + raw_size;
	}
	/* Data directory 4 (security) holds a file offset, not an RVA. */
	size_t dirs = opt + (magic == 0x20b ? 112 : 96);
	uint32_t cert_off, cert_size;
	if (fwg_cursor_u32le_at(c, dirs + 4 * 8, &cert_off) == FWG_OK &&
			fwg_cursor_u32le_at(c, dirs + 4 * 8 + 4, &cert_size) == FWG_OK && cert_off &&
			(uint64_t)cert_off + cert_size > end && (uint64_t)cert_off + cert_size <= c->size)
		end = (uint64_t)cert_off + cert_size;
	return end;
}

static const struct fwg_magic pe_magics[] = {
	{ "MZ", 2, 0 },
	{ 0 },
};

/* PE checksum (imagehlp CheckSumMappedFile): 16-bit one's-complement-ish
 * sum of the file with the CheckSum field taken as zero, plus the length. */
static uint32_t pe_checksum(const struct fwg_cursor *c, size_t field)
{
	uint64_t sum = 0;
	for (size_t i = 0; i < c->size; i += 2) {
		uint16_t w16;
		uint8_t w8 = 0;
		uint32_t w = fwg_cursor_u16le_at(c, i, &w16) == FWG_OK ? w16
			: (fwg_cursor_u8_at(c, i, &w8) == FWG_OK ? w8 : 0);
		if (i >= field && i < field + 4)
			w = 0;
		sum += w;
		sum = (sum & 0xffff) + (sum >> 16);
	}
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint32_t)(sum + c->size);
}

static void dll_text(struct fwg_node *node, uint16_t v)
{
	char text[256];
	size_t used = 0;
	text[0] = '\0';
	for (size_t i = 0; i < sizeof(dll_flags) / sizeof(dll_flags[0]); i++) {
		if (!(v & dll_flags[i].code))
			continue;
		int n = snprintf(text + used, sizeof(text) - used, "%s%s", used ? " " : "",
			dll_flags[i].name);
		if (n > 0 && (size_t)n < sizeof(text) - used)
			used += (size_t)n;
	}
	fwg_node_attr_str(node, "dll_characteristics_text", used ? text : "none");
}

/* WIN_CERTIFICATE entries of the security directory (file offsets). */
static void parse_certs(struct img *im, uint32_t off, uint32_t size, size_t dir_field)
{
	struct fwg_node *node = im->node;
	bool signed_data = false;
	fwg_node_attr_hex(node, "cert_table_offset", off);
	fwg_node_attr_hex(node, "cert_table_size", size);
	if (!fwg_cursor_has(&im->c, off, size)) {
		FWG_WARN(node, "pe.cert_table", dir_field,
			"certificate table 0x%x+0x%x lies outside the image (size 0x%zx)", off, size,
			im->c.size);
		fwg_node_attr_bool(node, "authenticode", false);
		return;
	}
	if (off < im->headers_size)
		FWG_WARN(node, "pe.cert_table", dir_field,
			"certificate table at 0x%x overlaps the headers", off);
	note_end(im, (size_t)off + size);
	size_t pos = off, end = (size_t)off + size;
	unsigned count = 0;
	while (end - pos >= WIN_CERT_HEADER_SIZE) {
		uint32_t len;
		uint16_t rev, type;
		if (count >= MAX_CERTS) {
			FWG_WARN(node, "pe.cert_entry", pos, "more than %u certificate entries",
				MAX_CERTS);
			break;
		}
		if (fwg_cursor_u32le_at(&im->c, pos, &len) != FWG_OK ||
				fwg_cursor_u16le_at(&im->c, pos + 4, &rev) != FWG_OK ||
				fwg_cursor_u16le_at(&im->c, pos + 6, &type) != FWG_OK)
			break;
		if (len < WIN_CERT_HEADER_SIZE || len > end - pos) {
			FWG_WARN(node, "pe.cert_entry", pos,
				"certificate entry at 0x%zx has invalid dwLength 0x%x", pos, len);
			break;
		}
		count++;
		if (type == WIN_CERT_TYPE_PKCS_SIGNED_DATA)
			signed_data = true;
		else
			FWG_INFO(node, "pe.cert_type", pos + 6,
				"certificate entry at 0x%zx has type 0x%04x (revision 0x%04x)", pos, type,
				rev);
		size_t next;
		if (!fwg_align_up(pos + len, 8, &next) || next > end)
			break;
		pos = next;
	}
	fwg_node_attr_int(node, "cert_count", count);
	fwg_node_attr_bool(node, "authenticode", signed_data);
}

static void report_overlay(struct img *im)
{
	if (im->data_end >= im->c.size)
		return;
	size_t extra = im->c.size - im->data_end;
	fwg_node_attr_hex(im->node, "overlay_size", extra);
	if (!fwg_cursor_all_equal(&im->c, im->data_end, extra, 0x00) &&
			!fwg_cursor_all_equal(&im->c, im->data_end, extra, 0xff))
		FWG_INFO(im->node, "pe.overlay", im->data_end,
			"0x%zx bytes of data after the last section at 0x%zx", extra, im->data_end);
}

/* Data directories: they must fit in both the count and the optional
 * header.  Security (a file offset), relocations and debug are used. */
static void parse_data_dirs(struct img *im, size_t opt, uint16_t opt_size, size_t rva_count_off,
		uint32_t rva_count)
{
	struct fwg_node *node = im->node;
	const struct fwg_cursor *c = &im->c;
	size_t dirs = opt + rva_count_off + 4;
	size_t room = (opt_size - rva_count_off - 4) / 8;
	size_t n = rva_count;
	if (rva_count > MAX_DATA_DIRS) {
		FWG_WARN(node, "pe.rva_count", opt + rva_count_off,
			"number_of_rva_and_sizes %u exceeds %u", rva_count, MAX_DATA_DIRS);
		n = MAX_DATA_DIRS;
	}
	if (n > room) {
		FWG_WARN(node, "pe.rva_count", opt + rva_count_off,
			"number_of_rva_and_sizes %u does not fit in the optional header", rva_count);
		n = room;
	}
	fwg_node_attr_int(node, "rva_count", rva_count);
	uint32_t dva[MAX_DATA_DIRS] = { 0 }, dsz[MAX_DATA_DIRS] = { 0 };
	for (size_t i = 0; i < n; i++)
		if (fwg_cursor_u32le_at(c, dirs + i * 8, &dva[i]) != FWG_OK ||
				fwg_cursor_u32le_at(c, dirs + i * 8 + 4, &dsz[i]) != FWG_OK)
			break;
	fwg_node_attr_bool(node, "has_relocations", dva[DIR_BASERELOC] && dsz[DIR_BASERELOC]);
	if (dva[DIR_SECURITY] || dsz[DIR_SECURITY])
		parse_certs(im, dva[DIR_SECURITY], dsz[DIR_SECURITY], dirs + DIR_SECURITY * 8);
	else
		fwg_node_attr_bool(node, "authenticode", false);
	parse_debug(im, dva[DIR_DEBUG], dsz[DIR_DEBUG]);
}

/* Optional header: attributes and data directories.  With an unknown
 * magic only a diagnostic is recorded (the section table is still parsed). */
static void parse_optional(struct img *im, size_t opt, uint16_t opt_size)
{
	struct fwg_node *node = im->node;
	const struct fwg_cursor *c = &im->c;
	uint16_t magic;
	if (opt_size < 2 || fwg_cursor_u16le_at(c, opt, &magic) != FWG_OK) {
		FWG_ERR(node, "pe.optional_header", opt, "optional header missing or truncated");
		return;
	}
	bool plus = magic == PE32PLUS_MAGIC;
	if (magic != PE32_MAGIC && !plus) {
		FWG_ERR(node, "pe.optional_magic", opt, "unknown optional header magic 0x%04x", magic);
		return;
	}
	fwg_node_attr_str(node, "optional_magic", plus ? "PE32+" : "PE32");
	size_t rva_count_off = plus ? OPT_RVA_COUNT64 : OPT_RVA_COUNT32;
	uint32_t entry, sect_align, file_align, image_size, hdr_size, checksum, rva_count;
	uint16_t subsystem, dll;
	uint64_t base = 0;
	enum fwg_status st = FWG_OK;
	if (plus) {
		st = fwg_cursor_u64le_at(c, opt + OPT_IMAGE_BASE64, &base);
	} else {
		uint32_t b32 = 0;
		st = fwg_cursor_u32le_at(c, opt + OPT_IMAGE_BASE32, &b32);
		base = b32;
	}
	if (opt_size < rva_count_off + 4 || st != FWG_OK ||
			fwg_cursor_u32le_at(c, opt + OPT_ENTRY, &entry) != FWG_OK ||
			fwg_cursor_u32le_at(c, opt + OPT_SECTION_ALIGN, &sect_align) != FWG_OK ||
			fwg_cursor_u32le_at(c, opt + OPT_FILE_ALIGN, &file_align) != FWG_OK ||
			fwg_cursor_u32le_at(c, opt + OPT_SIZE_OF_IMAGE, &image_size) != FWG_OK ||
			fwg_cursor_u32le_at(c, opt + OPT_SIZE_OF_HEADERS, &hdr_size) != FWG_OK ||
			fwg_cursor_u32le_at(c, opt + OPT_CHECKSUM, &checksum) != FWG_OK ||
			fwg_cursor_u16le_at(c, opt + OPT_SUBSYSTEM, &subsystem) != FWG_OK ||
			fwg_cursor_u16le_at(c, opt + OPT_DLL_CHARS, &dll) != FWG_OK ||
			fwg_cursor_u32le_at(c, opt + rva_count_off, &rva_count) != FWG_OK) {
		FWG_ERR(node, "pe.optional_header", opt,
			"optional header truncated (size_of_optional_header 0x%x)", opt_size);
		return;
	}
	fwg_node_attr_hex(node, "entry_point", entry);
	fwg_node_attr_hex(node, "image_base", base);
	fwg_node_attr_hex(node, "section_alignment", sect_align);
	fwg_node_attr_hex(node, "file_alignment", file_align);
	fwg_node_attr_hex(node, "image_size", image_size);
	fwg_node_attr_hex(node, "size_of_headers", hdr_size);
	fwg_node_attr_hex(node, "checksum", checksum);
	const char *sname = subsystem_name(subsystem);
	fwg_node_attr_str(node, "subsystem", sname ? sname : "unknown");
	fwg_node_attr_int(node, "subsystem_code", subsystem);
	fwg_node_attr_hex(node, "dll_characteristics", dll);
	dll_text(node, dll);

	if (!is_pow2(sect_align) || !is_pow2(file_align) || sect_align < file_align)
		FWG_WARN(node, "pe.alignment", opt + OPT_SECTION_ALIGN,
			"section_alignment 0x%x / file_alignment 0x%x are inconsistent", sect_align,
			file_align);
	if (hdr_size > c->size)
		FWG_WARN(node, "pe.size_of_headers", opt + OPT_SIZE_OF_HEADERS,
			"size_of_headers 0x%x exceeds the image (0x%zx)", hdr_size, c->size);
	im->headers_size = hdr_size < c->size ? hdr_size : c->size;
	note_end(im, im->headers_size);
	if (entry != 0 && entry >= image_size)
		FWG_WARN(node, "pe.entry_point", opt + OPT_ENTRY,
			"entry point 0x%x lies beyond size_of_image 0x%x", entry, image_size);
	if (checksum != 0) {
		bool ok = pe_checksum(c, opt + OPT_CHECKSUM) == checksum;
		fwg_node_attr_bool(node, "checksum_ok", ok);
		if (!ok)
			FWG_INFO(node, "pe.checksum", opt + OPT_CHECKSUM,
				"checksum 0x%08x does not match the image", checksum);
	}

	check_entry(im, entry, opt + OPT_ENTRY);
	parse_data_dirs(im, opt, opt_size, rva_count_off, rva_count);
}

static enum fwg_status pe_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	(void)u;
	struct img im = { .node = node, .c = fwg_node_body(node) };
	uint32_t lfanew;
	if (!pe_header(&im.c, &lfanew)) {
		FWG_ERR(node, "pe.header", DOS_OFF_LFANEW,
			"no PE signature: missing MZ header, e_lfanew out of range or truncated");
		return FWG_OK;
	}
	size_t coff = (size_t)lfanew + 4;
	uint16_t machine, nsect, opt_size, chars;
	uint32_t stamp, symtab, nsyms;
	/* pe_header checked that the COFF header is inside the window. */
	if (fwg_cursor_u16le_at(&im.c, coff, &machine) != FWG_OK ||
			fwg_cursor_u16le_at(&im.c, coff + 2, &nsect) != FWG_OK ||
			fwg_cursor_u32le_at(&im.c, coff + 4, &stamp) != FWG_OK ||
			fwg_cursor_u32le_at(&im.c, coff + 8, &symtab) != FWG_OK ||
			fwg_cursor_u32le_at(&im.c, coff + 12, &nsyms) != FWG_OK ||
			fwg_cursor_u16le_at(&im.c, coff + 16, &opt_size) != FWG_OK ||
			fwg_cursor_u16le_at(&im.c, coff + 18, &chars) != FWG_OK)
		return FWG_OK;
	const char *mname = machine_name(machine);
	fwg_node_attr_str(node, "machine", mname ? mname : "unknown");
	fwg_node_attr_hex(node, "machine_code", machine);
	fwg_node_attr_int(node, "section_count", nsect);
	fwg_node_attr_int(node, "timestamp", stamp);
	fwg_node_attr_hex(node, "characteristics", chars);
	if (!mname)
		FWG_WARN(node, "pe.machine", coff, "unknown machine type 0x%04x", machine);
	if (symtab != 0 || nsyms != 0)
		FWG_INFO(node, "pe.symbols", coff + 8,
			"COFF symbol table at 0x%x with %u symbols (deprecated in images)", symtab,
			nsyms);

	size_t opt = coff + COFF_SIZE;
	im.sect_off = opt + opt_size;
	size_t fit = im.sect_off <= im.c.size
		? (im.c.size - im.sect_off) / SECTION_HEADER_SIZE : 0;
	im.sect_count = nsect;
	if (nsect > MAX_SECTIONS) {
		FWG_WARN(node, "pe.section_count", coff + 2,
			"number_of_sections %u exceeds the loader limit of %u", nsect, MAX_SECTIONS);
		im.sect_count = MAX_SECTIONS;
	}
	if (im.sect_count > fit) {
		FWG_ERR(node, "pe.section_table", im.sect_off,
			"section table (%u entries at 0x%zx) runs past the image end (0x%zx)",
			nsect, im.sect_off, im.c.size);
		im.sect_count = fit;
	}
	note_end(&im, im.sect_off + im.sect_count * SECTION_HEADER_SIZE);
	parse_optional(&im, opt, opt_size);
	parse_sections(&im);
	report_overlay(&im);
	return FWG_OK;
}

/* ---- TE ---------------------------------------------------------------- */

static int te_probe(const struct fwg_cursor *body)
{
	const uint8_t *p;
	uint16_t machine;
	if (fwg_cursor_bytes_at(body, 0, TE_HEADER_SIZE, &p) != FWG_OK || p[0] != 'V' ||
			p[1] != 'Z')
		return 0;
	if (fwg_cursor_u16le_at(body, 2, &machine) != FWG_OK || !machine_name(machine))
		return 0;
	return 70;
}

static enum fwg_status te_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	(void)u;
	struct img im = { .node = node, .c = fwg_node_body(node), .te = true };
	uint16_t machine;
	uint8_t nsect, subsystem;
	uint32_t entry, code_base, reloc_rva, reloc_size, dbg_rva, dbg_size;
	uint64_t base;
	const uint8_t *sig;
	if (fwg_cursor_bytes_at(&im.c, 0, 2, &sig) != FWG_OK || sig[0] != 'V' || sig[1] != 'Z' ||
			fwg_cursor_u16le_at(&im.c, 2, &machine) != FWG_OK ||
			fwg_cursor_u8_at(&im.c, 4, &nsect) != FWG_OK ||
			fwg_cursor_u8_at(&im.c, 5, &subsystem) != FWG_OK ||
			fwg_cursor_u16le_at(&im.c, 6, &im.stripped) != FWG_OK ||
			fwg_cursor_u32le_at(&im.c, 8, &entry) != FWG_OK ||
			fwg_cursor_u32le_at(&im.c, 12, &code_base) != FWG_OK ||
			fwg_cursor_u64le_at(&im.c, 16, &base) != FWG_OK ||
			fwg_cursor_u32le_at(&im.c, 24, &reloc_rva) != FWG_OK ||
			fwg_cursor_u32le_at(&im.c, 28, &reloc_size) != FWG_OK ||
			fwg_cursor_u32le_at(&im.c, 32, &dbg_rva) != FWG_OK ||
			fwg_cursor_u32le_at(&im.c, 36, &dbg_size) != FWG_OK) {
		FWG_ERR(node, "te.header", 0, "TE header missing or truncated");
		return FWG_OK;
	}
	const char *mname = machine_name(machine);
	fwg_node_attr_str(node, "machine", mname ? mname : "unknown");
	fwg_node_attr_hex(node, "machine_code", machine);
	const char *sname = subsystem_name(subsystem);
	fwg_node_attr_str(node, "subsystem", sname ? sname : "unknown");
	fwg_node_attr_int(node, "subsystem_code", subsystem);
	fwg_node_attr_hex(node, "stripped_size", im.stripped);
	fwg_node_attr_hex(node, "entry_point", entry);
	fwg_node_attr_hex(node, "base_of_code", code_base);
	fwg_node_attr_hex(node, "image_base", base);
	fwg_node_attr_int(node, "section_count", nsect);
	fwg_node_attr_bool(node, "has_relocations", reloc_rva && reloc_size);
	if (im.stripped < TE_HEADER_SIZE)
		FWG_WARN(node, "te.stripped_size", 6,
			"stripped_size 0x%x is smaller than the TE header", im.stripped);

	im.sect_off = TE_HEADER_SIZE;
	size_t fit = (im.c.size - TE_HEADER_SIZE) / SECTION_HEADER_SIZE;
	im.sect_count = nsect;
	if (nsect > MAX_SECTIONS) {
		FWG_WARN(node, "pe.section_count", 4,
			"number_of_sections %u exceeds the loader limit of %u", nsect, MAX_SECTIONS);
		im.sect_count = MAX_SECTIONS;
	}
	if (im.sect_count > fit) {
		FWG_ERR(node, "te.section_table", TE_HEADER_SIZE,
			"section table (%u entries) runs past the image end (0x%zx)", nsect, im.c.size);
		im.sect_count = fit;
	}
	note_end(&im, TE_HEADER_SIZE + im.sect_count * SECTION_HEADER_SIZE);
	check_entry(&im, entry, 8);
	parse_sections(&im);
	parse_debug(&im, dbg_rva, dbg_size);
	report_overlay(&im);
	return FWG_OK;
}

const struct fwg_handler fwg_handler_pe = {
	.name = "pe",
	.description = "PE/COFF executable image (PE32/PE32+)",
	.node_type = FWG_TYPE_PE32,
	.probe = pe_probe,
	.parse = pe_parse,
	.magics = pe_magics,
	.extent = pe_extent,
};

const struct fwg_handler fwg_handler_te = {
	.name = "te",
	.description = "Terse Executable (TE) image",
	.node_type = FWG_TYPE_TE,
	.probe = te_probe,
	.parse = te_parse,
};
