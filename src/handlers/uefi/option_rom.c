/*
 * option_rom.c - PCI expansion (option) ROMs: PCI Firmware spec 3.x,
 * chapter 5 "PCI Expansion ROMs", and UEFI 2.10 section 14.4.2 "PCI Option
 * ROMs".
 *
 * A ROM is a chain of images, each starting on a 512-byte boundary:
 *
 *   image header   0x00 0x55 0xAA  ...  0x18 PCIR pointer u16
 *   legacy x86     0x02 InitializationSize u8 (512-byte units)
 *                  0x03 entry point (normally JMP rel16/rel8)
 *                  0x1a PnP expansion header pointer u16 -> "$PnP"
 *                       {Revision u8 @4, Length u8 (16-byte units) @5,
 *                        Next u16 @6, Checksum @9, DeviceId u32 @0x0a,
 *                        Manufacturer ptr u16 @0x0e, Product ptr u16 @0x10,
 *                        BCV u16 @0x16, DV u16 @0x18, BEV u16 @0x1a}
 *   EFI            EFI_PCI_EXPANSION_ROM_HEADER: 0x02 InitializationSize
 *                  u16 (512-byte units), 0x04 EfiSignature u32 0x0EF1,
 *                  0x08 EfiSubsystem u16, 0x0a EfiMachineType u16,
 *                  0x0c CompressionType u16 (0 none, 1 EFI compression),
 *                  0x0e Reserved[8], 0x16 EfiImageHeaderOffset u16,
 *                  0x18 PcirOffset u16
 *   PCIR           "PCIR" VendorId u16 @4, DeviceId u16 @6,
 *                  DeviceListPtr u16 @8 (rev 3), Length u16 @0x0a,
 *                  Revision u8 @0x0c, ClassCode[3] @0x0d (prog-if, sub,
 *                  base), ImageLength u16 @0x10 (512-byte units),
 *                  CodeRevision u16 @0x12, CodeType u8 @0x14,
 *                  Indicator u8 @0x15 (bit 7: last image),
 *                  MaxRuntimeImageLength u16 @0x16, ConfigUtilityCodeHeader
 *                  u16 @0x18, DMTFCLPEntryPoint u16 @0x1a (rev 3)
 *
 * Tree: the option_rom node (the chain) has one option_rom child per image
 * (named after its code type) and a padding child for bytes after the last
 * image.  An uncompressed EFI image has a pe32 child over
 * [EfiImageHeaderOffset, InitializationSize); a compressed one has a raw
 * child over the same window whose decoded body (EFI/Tiano decompression)
 * holds the pe32.  Legacy images are leaves with attributes.
 *
 * Invariants: at most MAX_IMAGES images; every image has a non-zero length
 * and lies inside the window, so the walk always advances; a chain that
 * breaks leaves the remaining bytes as flagged trailing data.  An old-style
 * (ISA) ROM without a PCIR structure is accepted only as a single image
 * whose byte checksum is zero.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/handler.h"
#include "../../core/registry.h"
#include "../../core/text.h"
#include "tiano_decompress.h"

#define ROM_OFF_INIT_SIZE 0x02
#define ROM_OFF_ENTRY 0x03
#define ROM_OFF_PNP 0x1a
#define ROM_OFF_PCIR 0x18
#define ROM_UNIT 512
#define MAX_IMAGES 64

#define PCIR_MIN_SIZE 0x18
#define PCIR_OFF_VENDOR 0x04
#define PCIR_OFF_DEVICE 0x06
#define PCIR_OFF_DEVLIST 0x08
#define PCIR_OFF_LENGTH 0x0a
#define PCIR_OFF_REVISION 0x0c
#define PCIR_OFF_CLASS 0x0d
#define PCIR_OFF_IMAGE_LEN 0x10
#define PCIR_OFF_CODE_REV 0x12
#define PCIR_OFF_CODE_TYPE 0x14
#define PCIR_OFF_INDICATOR 0x15
#define PCIR_OFF_MAX_RUNTIME 0x16
#define PCIR_OFF_CONFIG_UTIL 0x18
#define PCIR_OFF_DMTF_CLP 0x1a
#define PCIR_REV3_SIZE 0x1c
#define PCIR_LAST_IMAGE 0x80
#define MAX_DEVICE_LIST 64

#define CODE_X86 0x00
#define CODE_OPEN_FIRMWARE 0x01
#define CODE_PA_RISC 0x02
#define CODE_EFI 0x03

#define EFI_OFF_INIT_SIZE 0x02
#define EFI_OFF_SIGNATURE 0x04
#define EFI_OFF_SUBSYSTEM 0x08
#define EFI_OFF_MACHINE 0x0a
#define EFI_OFF_COMPRESSION 0x0c
#define EFI_OFF_IMAGE_OFFSET 0x16
#define EFI_HEADER_SIZE 0x1a
#define EFI_ROM_SIGNATURE 0x0ef1u
#define EFI_COMPRESSION_NONE 0
#define EFI_COMPRESSION_STANDARD 1

#define PNP_SIZE 0x20
#define PNP_OFF_REVISION 0x04
#define PNP_OFF_LENGTH 0x05
#define PNP_OFF_NEXT 0x06
#define PNP_OFF_DEVICE_ID 0x0a
#define PNP_OFF_MANUFACTURER 0x0e
#define PNP_OFF_PRODUCT 0x10
#define PNP_OFF_BCV 0x16
#define PNP_OFF_DV 0x18
#define PNP_OFF_BEV 0x1a
#define MAX_PNP_HEADERS 16
#define MAX_PNP_STRING 64

#define OPCODE_JMP_REL16 0xe9
#define OPCODE_JMP_REL8 0xeb

/* Just enough PE to cross-check the EFI header (pe.c parses the rest). */
#define PE_OFF_LFANEW 0x3c
#define PE_MAX_LFANEW (64u << 20)
#define PE_OFF_MACHINE 4
#define PE_OFF_SUBSYSTEM (24 + 68)

static const struct fwg_handler option_rom_image;
static const struct fwg_handler option_rom_efi_decode;

struct pcir {
	size_t off; /* within the image */
	uint16_t vendor, device, devlist, length, image_units, code_rev;
	uint16_t max_runtime, config_util, dmtf_clp;
	uint8_t revision, code_type, indicator;
	uint8_t class_code[3];
};

static const char *code_type_name(uint8_t t)
{
	switch (t) {
	case CODE_X86: return "x86";
	case CODE_OPEN_FIRMWARE: return "open_firmware";
	case CODE_PA_RISC: return "pa_risc";
	case CODE_EFI: return "efi";
	}
	return "unknown";
}

static const char *class_name(uint8_t base)
{
	switch (base) {
	case 0x01: return "storage";
	case 0x02: return "network";
	case 0x03: return "display";
	case 0x04: return "multimedia";
	case 0x06: return "bridge";
	case 0x0c: return "serial_bus";
	}
	return NULL;
}

static const char *efi_machine_name(uint16_t m)
{
	switch (m) {
	case 0x014c: return "i386";
	case 0x8664: return "x64";
	case 0x01c2: return "Thumb";
	case 0x01c4: return "ARMv7";
	case 0xaa64: return "AArch64";
	case 0x0ebc: return "EBC";
	case 0x0200: return "IA64";
	case 0x5032: return "RISC-V32";
	case 0x5064: return "RISC-V64";
	case 0x5128: return "RISC-V128";
	case 0x6232: return "LoongArch32";
	case 0x6264: return "LoongArch64";
	}
	return NULL;
}

static const char *efi_subsystem_name(uint16_t s)
{
	switch (s) {
	case 10: return "EFI_APPLICATION";
	case 11: return "EFI_BOOT_SERVICE_DRIVER";
	case 12: return "EFI_RUNTIME_DRIVER";
	case 13: return "EFI_ROM";
	}
	return NULL;
}

static bool has_signature(const struct fwg_cursor *c, size_t off)
{
	const uint8_t *p;
	return fwg_cursor_bytes_at(c, off, 2, &p) == FWG_OK && p[0] == 0x55 && p[1] == 0xaa;
}

/* PCIR structure of the image starting at img (pointer read from the image
 * header); false when absent or truncated. */
static bool read_pcir(const struct fwg_cursor *c, size_t img, struct pcir *p)
{
	uint16_t ptr;
	const uint8_t *sig;
	if (fwg_cursor_u16le_at(c, img + ROM_OFF_PCIR, &ptr) != FWG_OK)
		return false;
	size_t at = img + ptr;
	if (fwg_cursor_bytes_at(c, at, PCIR_MIN_SIZE, &sig) != FWG_OK || memcmp(sig, "PCIR", 4) != 0)
		return false;
	p->off = ptr;
	if (fwg_cursor_u16le_at(c, at + PCIR_OFF_VENDOR, &p->vendor) != FWG_OK ||
			fwg_cursor_u16le_at(c, at + PCIR_OFF_DEVICE, &p->device) != FWG_OK ||
			fwg_cursor_u16le_at(c, at + PCIR_OFF_DEVLIST, &p->devlist) != FWG_OK ||
			fwg_cursor_u16le_at(c, at + PCIR_OFF_LENGTH, &p->length) != FWG_OK ||
			fwg_cursor_u8_at(c, at + PCIR_OFF_REVISION, &p->revision) != FWG_OK ||
			fwg_cursor_copy_at(c, at + PCIR_OFF_CLASS, p->class_code, 3) != FWG_OK ||
			fwg_cursor_u16le_at(c, at + PCIR_OFF_IMAGE_LEN, &p->image_units) != FWG_OK ||
			fwg_cursor_u16le_at(c, at + PCIR_OFF_CODE_REV, &p->code_rev) != FWG_OK ||
			fwg_cursor_u8_at(c, at + PCIR_OFF_CODE_TYPE, &p->code_type) != FWG_OK ||
			fwg_cursor_u8_at(c, at + PCIR_OFF_INDICATOR, &p->indicator) != FWG_OK ||
			fwg_cursor_u16le_at(c, at + PCIR_OFF_MAX_RUNTIME, &p->max_runtime) != FWG_OK)
		return false;
	/* The revision 3 tail is optional in practice. */
	p->config_util = 0;
	p->dmtf_clp = 0;
	if (p->revision >= 3) {
		if (fwg_cursor_u16le_at(c, at + PCIR_OFF_CONFIG_UTIL, &p->config_util) != FWG_OK)
			p->config_util = 0;
		if (fwg_cursor_u16le_at(c, at + PCIR_OFF_DMTF_CLP, &p->dmtf_clp) != FWG_OK)
			p->dmtf_clp = 0;
	}
	return true;
}

/* Old-style ROM without PCIR: a non-zero InitializationSize inside the
 * window whose bytes sum to zero.  Returns the image length or 0. */
static size_t isa_rom_length(const struct fwg_cursor *c)
{
	uint8_t units, sum;
	if (!has_signature(c, 0) || fwg_cursor_u8_at(c, ROM_OFF_INIT_SIZE, &units) != FWG_OK ||
			units == 0)
		return 0;
	size_t len = (size_t)units * ROM_UNIT;
	if (fwg_cursor_sum8(c, 0, len, &sum) != FWG_OK || sum != 0)
		return 0;
	return len;
}

static int option_rom_probe(const struct fwg_cursor *body)
{
	struct pcir p;
	if (!has_signature(body, 0))
		return 0;
	if (read_pcir(body, 0, &p))
		return 85;
	return isa_rom_length(body) ? 50 : 0;
}

/* Machine and subsystem of a PE image at the start of c. */
static bool pe_peek(const struct fwg_cursor *c, uint16_t *machine, uint16_t *subsystem)
{
	const uint8_t *p;
	uint32_t lfanew;
	if (fwg_cursor_bytes_at(c, 0, 2, &p) != FWG_OK || p[0] != 'M' || p[1] != 'Z' ||
			fwg_cursor_u32le_at(c, PE_OFF_LFANEW, &lfanew) != FWG_OK ||
			lfanew >= PE_MAX_LFANEW ||
			fwg_cursor_bytes_at(c, lfanew, 4, &p) != FWG_OK || memcmp(p, "PE\0\0", 4) != 0)
		return false;
	return fwg_cursor_u16le_at(c, (size_t)lfanew + PE_OFF_MACHINE, machine) == FWG_OK &&
		fwg_cursor_u16le_at(c, (size_t)lfanew + PE_OFF_SUBSYSTEM, subsystem) == FWG_OK;
}

/* Flags an EFI header whose machine or subsystem disagrees with its PE. */
static void cross_check_pe(struct fwg_node *diag_node, const struct fwg_cursor *pe,
		uint16_t efi_machine, uint16_t efi_subsystem)
{
	uint16_t m, s;
	if (!pe_peek(pe, &m, &s)) {
		FWG_WARN(diag_node, "option_rom.efi_image", 0, "EFI image is not a PE/COFF image");
		return;
	}
	if (m != efi_machine)
		FWG_WARN(diag_node, "option_rom.efi_machine", 0,
			"EFI header machine 0x%04x differs from the PE machine 0x%04x", efi_machine, m);
	if (s != efi_subsystem)
		FWG_WARN(diag_node, "option_rom.efi_subsystem", 0,
			"EFI header subsystem %u differs from the PE subsystem %u", efi_subsystem, s);
}

/* ---- one image --------------------------------------------------------- */

static void parse_pnp(struct fwg_node *node, const struct fwg_cursor *c)
{
	uint16_t ptr;
	if (fwg_cursor_u16le_at(c, ROM_OFF_PNP, &ptr) != FWG_OK || ptr == 0)
		return;
	unsigned count = 0;
	size_t at = ptr;
	for (unsigned i = 0; i < MAX_PNP_HEADERS && at != 0; i++) {
		const uint8_t *sig;
		if (fwg_cursor_bytes_at(c, at, PNP_SIZE, &sig) != FWG_OK || memcmp(sig, "$PnP", 4) != 0)
			break;
		count++;
		if (i > 0) {
			uint16_t next;
			at = fwg_cursor_u16le_at(c, at + PNP_OFF_NEXT, &next) == FWG_OK ? next : 0;
			continue;
		}
		uint8_t rev, len16, sum;
		uint32_t devid;
		uint16_t mfr, prod, bcv, dv, bev, next;
		if (fwg_cursor_u8_at(c, at + PNP_OFF_REVISION, &rev) != FWG_OK ||
				fwg_cursor_u8_at(c, at + PNP_OFF_LENGTH, &len16) != FWG_OK ||
				fwg_cursor_u16le_at(c, at + PNP_OFF_NEXT, &next) != FWG_OK ||
				fwg_cursor_u32le_at(c, at + PNP_OFF_DEVICE_ID, &devid) != FWG_OK ||
				fwg_cursor_u16le_at(c, at + PNP_OFF_MANUFACTURER, &mfr) != FWG_OK ||
				fwg_cursor_u16le_at(c, at + PNP_OFF_PRODUCT, &prod) != FWG_OK ||
				fwg_cursor_u16le_at(c, at + PNP_OFF_BCV, &bcv) != FWG_OK ||
				fwg_cursor_u16le_at(c, at + PNP_OFF_DV, &dv) != FWG_OK ||
				fwg_cursor_u16le_at(c, at + PNP_OFF_BEV, &bev) != FWG_OK)
			break;
		fwg_node_attr_hex(node, "pnp_offset", at);
		fwg_node_attr_int(node, "pnp_revision", rev);
		fwg_node_attr_hex(node, "pnp_device_id", devid);
		if (bcv)
			fwg_node_attr_hex(node, "pnp_bcv", bcv);
		if (dv)
			fwg_node_attr_hex(node, "pnp_dv", dv);
		if (bev)
			fwg_node_attr_hex(node, "pnp_bev", bev);
		size_t hlen = (size_t)len16 * 16;
		if (hlen >= PNP_SIZE && fwg_cursor_sum8(c, at, hlen, &sum) == FWG_OK) {
			fwg_node_attr_bool(node, "pnp_checksum_ok", sum == 0);
			if (sum != 0)
				FWG_WARN(node, "option_rom.pnp_checksum", at,
					"PnP expansion header at 0x%zx does not sum to zero", at);
		} else {
			FWG_WARN(node, "option_rom.pnp_length", at + PNP_OFF_LENGTH,
				"PnP expansion header length %u is invalid", len16);
		}
		const uint16_t ptrs[2] = { mfr, prod };
		const char *const keys[2] = { "pnp_manufacturer", "pnp_product" };
		for (size_t k = 0; k < 2; k++) {
			if (ptrs[k] == 0 || ptrs[k] >= c->size)
				continue;
			size_t slen = c->size - ptrs[k];
			char *s;
			if (fwg_text_ascii(c, ptrs[k], slen < MAX_PNP_STRING ? slen : MAX_PNP_STRING,
					&s) != FWG_OK) {
				node->alloc_failed = true;
				return;
			}
			if (s[0])
				fwg_node_attr_str(node, keys[k], s);
			free(s);
		}
		at = next;
	}
	if (count)
		fwg_node_attr_int(node, "pnp_headers", count);
	else
		FWG_INFO(node, "option_rom.pnp", ROM_OFF_PNP,
			"PnP header pointer 0x%x does not point to a $PnP header", ptr);
}

static void parse_legacy(struct fwg_node *node, const struct fwg_cursor *c)
{
	uint8_t units, op, sum;
	if (fwg_cursor_u8_at(c, ROM_OFF_INIT_SIZE, &units) != FWG_OK ||
			fwg_cursor_u8_at(c, ROM_OFF_ENTRY, &op) != FWG_OK)
		return;
	size_t init = (size_t)units * ROM_UNIT;
	fwg_node_attr_hex(node, "init_size", init);
	if (init == 0 || init > c->size) {
		FWG_WARN(node, "option_rom.init_size", ROM_OFF_INIT_SIZE,
			"initialization size 0x%zx is outside the image (0x%zx)", init, c->size);
		init = c->size;
	}
	if (fwg_cursor_sum8(c, 0, init, &sum) == FWG_OK) {
		fwg_node_attr_bool(node, "checksum_ok", sum == 0);
		if (sum != 0)
			FWG_WARN(node, "option_rom.checksum", 0,
				"legacy image bytes 0..0x%zx do not sum to zero", init);
	}
	size_t target = SIZE_MAX;
	if (op == OPCODE_JMP_REL16) {
		uint16_t rel;
		if (fwg_cursor_u16le_at(c, ROM_OFF_ENTRY + 1, &rel) == FWG_OK)
			target = (ROM_OFF_ENTRY + 3 + rel) & 0xffffu;
	} else if (op == OPCODE_JMP_REL8) {
		uint8_t rel;
		if (fwg_cursor_u8_at(c, ROM_OFF_ENTRY + 1, &rel) == FWG_OK)
			target = (size_t)(ROM_OFF_ENTRY + 2 + (int8_t)rel) & 0xffffu;
	}
	if (target != SIZE_MAX) {
		fwg_node_attr_hex(node, "entry_point", target);
		if (target >= c->size)
			FWG_WARN(node, "option_rom.entry", ROM_OFF_ENTRY,
				"entry jump target 0x%zx lies outside the image (0x%zx)", target, c->size);
	} else {
		FWG_INFO(node, "option_rom.entry", ROM_OFF_ENTRY,
			"entry point does not start with a jump (opcode 0x%02x)", op);
	}
	parse_pnp(node, c);
}

static enum fwg_status parse_efi(struct fwg_unpack *u, struct fwg_node *node,
		const struct fwg_cursor *c)
{
	uint16_t units, subsystem, machine, compression, img_off;
	uint32_t sig;
	if (fwg_cursor_u16le_at(c, EFI_OFF_INIT_SIZE, &units) != FWG_OK ||
			fwg_cursor_u32le_at(c, EFI_OFF_SIGNATURE, &sig) != FWG_OK ||
			fwg_cursor_u16le_at(c, EFI_OFF_SUBSYSTEM, &subsystem) != FWG_OK ||
			fwg_cursor_u16le_at(c, EFI_OFF_MACHINE, &machine) != FWG_OK ||
			fwg_cursor_u16le_at(c, EFI_OFF_COMPRESSION, &compression) != FWG_OK ||
			fwg_cursor_u16le_at(c, EFI_OFF_IMAGE_OFFSET, &img_off) != FWG_OK) {
		FWG_ERR(node, "option_rom.efi_header", 0, "EFI expansion ROM header truncated");
		return FWG_OK;
	}
	if (sig != EFI_ROM_SIGNATURE) {
		FWG_ERR(node, "option_rom.efi_signature", EFI_OFF_SIGNATURE,
			"EFI signature 0x%08x is not 0x0ef1", sig);
		return FWG_OK;
	}
	size_t init = (size_t)units * ROM_UNIT;
	const char *sname = efi_subsystem_name(subsystem);
	const char *mname = efi_machine_name(machine);
	fwg_node_attr_hex(node, "init_size", init);
	fwg_node_attr_str(node, "efi_subsystem", sname ? sname : "unknown");
	fwg_node_attr_int(node, "efi_subsystem_code", subsystem);
	fwg_node_attr_str(node, "efi_machine", mname ? mname : "unknown");
	fwg_node_attr_hex(node, "efi_machine_code", machine);
	fwg_node_attr_int(node, "compression_type", compression);
	fwg_node_attr_bool(node, "compressed", compression != EFI_COMPRESSION_NONE);
	fwg_node_attr_hex(node, "efi_image_offset", img_off);
	if (!sname)
		FWG_WARN(node, "option_rom.efi_subsystem", EFI_OFF_SUBSYSTEM,
			"EFI subsystem %u is not an EFI subsystem", subsystem);
	size_t end = init;
	if (init == 0 || init > c->size) {
		FWG_WARN(node, "option_rom.init_size", EFI_OFF_INIT_SIZE,
			"initialization size 0x%zx is outside the image (0x%zx)", init, c->size);
		end = c->size;
	}
	if (img_off < EFI_HEADER_SIZE || img_off >= end) {
		FWG_ERR(node, "option_rom.efi_offset", EFI_OFF_IMAGE_OFFSET,
			"EFI image offset 0x%x is outside the image (header 0x%x, end 0x%zx)", img_off,
			EFI_HEADER_SIZE, end);
		return FWG_OK;
	}
	struct fwg_node *child;
	enum fwg_status st;
	if (compression == EFI_COMPRESSION_NONE) {
		struct fwg_cursor pe;
		if (fwg_cursor_sub(c, img_off, end - img_off, &pe) == FWG_OK)
			cross_check_pe(node, &pe, machine, subsystem);
		st = fwg_unpack_add_child(u, node, FWG_TYPE_PE32, img_off, end - img_off,
			&fwg_handler_pe, &child);
	} else if (compression == EFI_COMPRESSION_STANDARD) {
		st = fwg_unpack_add_child(u, node, FWG_TYPE_RAW, img_off, end - img_off,
			&option_rom_efi_decode, &child);
		if (st == FWG_OK)
			fwg_node_set_name(child, "compressed");
	} else {
		FWG_WARN(node, "option_rom.compression_type", EFI_OFF_COMPRESSION,
			"unknown compression type %u, EFI image kept opaque", compression);
		st = fwg_unpack_add_child(u, node, FWG_TYPE_RAW, img_off, end - img_off,
			&fwg_handler_leaf, &child);
	}
	return st == FWG_NOMEM ? st : FWG_OK;
}

static void parse_pcir_fields(struct fwg_node *node, const struct fwg_cursor *c,
		const struct pcir *p)
{
	fwg_node_attr_hex(node, "pcir_offset", p->off);
	fwg_node_attr_strf(node, "vendor_id", "%04x", p->vendor);
	fwg_node_attr_strf(node, "device_id", "%04x", p->device);
	fwg_node_attr_strf(node, "class_code", "%02x%02x%02x", p->class_code[2],
		p->class_code[1], p->class_code[0]);
	const char *cname = class_name(p->class_code[2]);
	if (cname)
		fwg_node_attr_str(node, "class", cname);
	fwg_node_attr_int(node, "pcir_revision", p->revision);
	fwg_node_attr_hex(node, "pcir_length", p->length);
	fwg_node_attr_hex(node, "image_length", (size_t)p->image_units * ROM_UNIT);
	fwg_node_attr_hex(node, "code_revision", p->code_rev);
	fwg_node_attr_str(node, "code_type", code_type_name(p->code_type));
	fwg_node_attr_int(node, "code_type_id", p->code_type);
	fwg_node_attr_bool(node, "last_image", p->indicator & PCIR_LAST_IMAGE);
	if (p->length < PCIR_MIN_SIZE)
		FWG_WARN(node, "option_rom.pcir_length", p->off + PCIR_OFF_LENGTH,
			"PCIR length 0x%x is below the minimum 0x%x", p->length, PCIR_MIN_SIZE);
	if (p->revision < 3)
		return;
	if (p->max_runtime)
		fwg_node_attr_hex(node, "max_runtime_length", (size_t)p->max_runtime * ROM_UNIT);
	if (p->config_util)
		fwg_node_attr_hex(node, "config_utility_offset", p->config_util);
	if (p->dmtf_clp)
		fwg_node_attr_hex(node, "dmtf_clp_offset", p->dmtf_clp);
	if (p->devlist == 0)
		return;
	/* DeviceListPtr is relative to the PCIR structure; 0-terminated. */
	char text[MAX_DEVICE_LIST * 5 + 1];
	size_t used = 0, at = p->off + p->devlist;
	bool terminated = false;
	text[0] = '\0';
	for (unsigned i = 0; i < MAX_DEVICE_LIST; i++) {
		uint16_t id;
		if (fwg_cursor_u16le_at(c, at + 2 * (size_t)i, &id) != FWG_OK)
			break;
		if (id == 0) {
			terminated = true;
			break;
		}
		int n = snprintf(text + used, sizeof(text) - used, "%s%04x", used ? " " : "", id);
		if (n > 0 && (size_t)n < sizeof(text) - used)
			used += (size_t)n;
	}
	if (!terminated)
		FWG_WARN(node, "option_rom.device_list", p->off + PCIR_OFF_DEVLIST,
			"device list at 0x%zx is not terminated within %u entries", at,
			MAX_DEVICE_LIST);
	if (used)
		fwg_node_attr_str(node, "device_list", text);
}

static enum fwg_status image_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	struct fwg_cursor c = fwg_node_body(node);
	struct pcir p;
	if (!has_signature(&c, 0)) {
		FWG_ERR(node, "option_rom.signature", 0, "image does not start with 0x55 0xaa");
		return FWG_OK;
	}
	if (!read_pcir(&c, 0, &p)) {
		fwg_node_attr_bool(node, "pcir", false);
		if (!isa_rom_length(&c)) {
			FWG_ERR(node, "option_rom.pcir", ROM_OFF_PCIR,
				"PCIR structure missing or outside the image");
			return FWG_OK;
		}
		fwg_node_attr_str(node, "code_type", code_type_name(CODE_X86));
		parse_legacy(node, &c);
		return FWG_OK;
	}
	parse_pcir_fields(node, &c, &p);
	if (p.code_type == CODE_X86) {
		parse_legacy(node, &c);
		return FWG_OK;
	}
	if (p.code_type != CODE_EFI)
		return FWG_OK;
	uint8_t sum;
	if (fwg_cursor_sum8(&c, 0, c.size, &sum) == FWG_OK) {
		fwg_node_attr_bool(node, "checksum_ok", sum == 0);
		if (sum != 0)
			FWG_INFO(node, "option_rom.checksum", 0, "EFI image bytes do not sum to zero");
	}
	return parse_efi(u, node, &c);
}

/* ---- compressed EFI image ----------------------------------------------- */

static enum fwg_status efi_decode_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	struct fwg_cursor c = fwg_node_body(node);
	const uint8_t *src;
	uint32_t csize, osize;
	const char *why = NULL;
	if (fwg_cursor_bytes_at(&c, 0, c.size, &src) != FWG_OK ||
			fwg_tiano_get_info(src, c.size, &csize, &osize, &why) != 0) {
		FWG_ERR(node, "option_rom.decompress", 0, "EFI compression header invalid: %s",
			why ? why : "truncated");
		return FWG_OK;
	}
	fwg_node_attr_str(node, "compression", "efi");
	fwg_node_attr_hex(node, "compressed_size", csize);
	fwg_node_attr_hex(node, "decoded_size", osize);
	uint8_t *buf;
	enum fwg_status st = fwg_unpack_reserve_decoded(u, node, c.size, osize, &buf);
	if (st == FWG_LIMIT)
		return FWG_OK;
	if (st != FWG_OK)
		return st;
	/* CompressionType 1 is "EFI standard", but Tiano streams are seen
	 * under it too: EFI 1.1 first, then Tiano. */
	if (fwg_tiano_decompress(src, c.size, buf, osize, FWG_TIANO_EFI11, &why) != 0) {
		if (fwg_tiano_decompress(src, c.size, buf, osize, FWG_TIANO_TIANO, &why) != 0) {
			FWG_ERR(node, "option_rom.decompress", 0, "EFI compressed image: %s",
				why ? why : "decoder failed");
			free(node->owned);
			node->owned = NULL;
			return FWG_OK;
		}
		fwg_node_attr_str(node, "compression", "tiano");
	}
	fwg_unpack_commit_decoded(node, osize);
	struct fwg_cursor body = fwg_node_body(node);
	uint16_t m, s;
	struct fwg_node *child;
	if (!pe_peek(&body, &m, &s)) {
		FWG_WARN(node, "option_rom.efi_image", 0, "decompressed EFI image is not a PE image");
		st = fwg_unpack_add_child(u, node, FWG_TYPE_RAW, 0, body.size, &fwg_handler_leaf,
			&child);
		return st == FWG_NOMEM ? st : FWG_OK;
	}
	const struct fwg_attr *am = node->parent ? fwg_node_attr_find(node->parent,
		"efi_machine_code") : NULL;
	const struct fwg_attr *as = node->parent ? fwg_node_attr_find(node->parent,
		"efi_subsystem_code") : NULL;
	if (am && as)
		cross_check_pe(node, &body, (uint16_t)am->num, (uint16_t)as->num);
	st = fwg_unpack_add_child(u, node, FWG_TYPE_PE32, 0, body.size, &fwg_handler_pe, &child);
	return st == FWG_NOMEM ? st : FWG_OK;
}

/* ---- the chain ----------------------------------------------------------- */

static enum fwg_status add_trailing(struct fwg_unpack *u, struct fwg_node *node,
		const struct fwg_cursor *c, size_t off)
{
	if (off >= c->size)
		return FWG_OK;
	size_t left = c->size - off;
	bool erased = fwg_cursor_all_equal(c, off, left, 0xff) ||
		fwg_cursor_all_equal(c, off, left, 0x00);
	struct fwg_node *child;
	enum fwg_status st = fwg_unpack_add_child(u, node, FWG_TYPE_PADDING, off, left,
		&fwg_handler_leaf, &child);
	if (st != FWG_OK)
		return st == FWG_NOMEM ? st : FWG_OK;
	if (!erased) {
		fwg_node_attr_bool(child, "non_erased", true);
		FWG_WARN(child, "option_rom.trailing_data", 0,
			"0x%zx bytes of data after the last image at 0x%zx", left, off);
	}
	return FWG_OK;
}

static enum fwg_status option_rom_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	struct fwg_cursor c = fwg_node_body(node);
	char types[MAX_IMAGES * 14 + 1];
	size_t used = 0, off = 0;
	unsigned count = 0;
	bool last = false;
	types[0] = '\0';
	while (off < c.size && !last) {
		if (count == MAX_IMAGES) {
			FWG_WARN(node, "option_rom.image_count", off,
				"more than %u images in the chain, rest kept opaque", MAX_IMAGES);
			break;
		}
		if (!has_signature(&c, off)) {
			if (count == 0)
				FWG_ERR(node, "option_rom.signature", off,
					"no 0x55 0xaa signature at 0x%zx", off);
			else
				FWG_WARN(node, "option_rom.chain", off,
					"image %u lacks the last-image indicator but no image follows at 0x%zx",
					count - 1, off);
			break;
		}
		struct pcir p;
		size_t len;
		const char *tname;
		struct fwg_cursor rest;
		if (fwg_cursor_sub(&c, off, c.size - off, &rest) != FWG_OK)
			break;
		if (read_pcir(&rest, 0, &p)) {
			len = (size_t)p.image_units * ROM_UNIT;
			last = p.indicator & PCIR_LAST_IMAGE;
			tname = code_type_name(p.code_type);
		} else {
			/* Only a lone old-style ROM may lack the PCIR. */
			len = count == 0 ? isa_rom_length(&rest) : 0;
			if (len == 0) {
				FWG_ERR(node, "option_rom.pcir", off + ROM_OFF_PCIR,
					"image at 0x%zx has no valid PCIR structure", off);
				break;
			}
			p.off = 0;
			last = true;
			tname = code_type_name(CODE_X86);
		}
		if (len == 0) {
			FWG_ERR(node, "option_rom.image_length", off + p.off + PCIR_OFF_IMAGE_LEN,
				"image at 0x%zx has zero image length", off);
			break;
		}
		if (len > rest.size) {
			FWG_ERR(node, "option_rom.image_length", off,
				"image at 0x%zx is 0x%zx bytes but only 0x%zx remain", off, len, rest.size);
			len = rest.size;
			last = true;
		}
		struct fwg_node *child;
		enum fwg_status st = fwg_unpack_add_child(u, node, FWG_TYPE_OPTION_ROM, off, len,
			&option_rom_image, &child);
		if (st != FWG_OK)
			return st == FWG_NOMEM ? st : FWG_OK;
		fwg_node_set_name(child, tname);
		int n = snprintf(types + used, sizeof(types) - used, "%s%s", used ? " " : "", tname);
		if (n > 0 && (size_t)n < sizeof(types) - used)
			used += (size_t)n;
		count++;
		off += len;
	}
	fwg_node_attr_int(node, "image_count", count);
	if (used)
		fwg_node_attr_str(node, "code_types", types);
	if (count > 0 && !last && off >= c.size)
		FWG_WARN(node, "option_rom.chain", off,
			"image %u reaches the end without the last-image indicator", count - 1);
	if (count == 0)
		return FWG_OK;
	return add_trailing(u, node, &c, off);
}

static const struct fwg_handler option_rom_image = {
	.name = "option_rom_image",
	.description = "one image of a PCI option ROM",
	.node_type = FWG_TYPE_OPTION_ROM,
	.parse = image_parse,
};

static const struct fwg_handler option_rom_efi_decode = {
	.name = "option_rom_efi_decode",
	.description = "EFI-compressed PE image of a PCI option ROM",
	.node_type = FWG_TYPE_RAW,
	.flags = FWG_HANDLER_CACHEABLE,
	.parse = efi_decode_parse,
};

const struct fwg_handler fwg_handler_option_rom = {
	.name = "option_rom",
	.description = "PCI expansion ROM (legacy x86, EFI, chained images)",
	.node_type = FWG_TYPE_OPTION_ROM,
	.probe = option_rom_probe,
	.parse = option_rom_parse,
};
