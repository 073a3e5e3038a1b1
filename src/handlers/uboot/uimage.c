/*
 * uimage.c - U-Boot legacy images ("uImage", include/image.h in U-Boot,
 * written by `mkimage -A arch -O os -T type -C comp`), and the table of
 * U-Boot's compression methods (uboot_compression.h) that FIT images share.
 *
 * Header, 64 bytes, every field big-endian:
 *   0x00 ih_magic 0x27051956   0x04 ih_hcrc   CRC-32 of the header with
 *                                             ih_hcrc taken as zero
 *   0x08 ih_time  (Unix time)  0x0c ih_size   data bytes after the header
 *   0x10 ih_load               0x14 ih_ep     load address, entry point
 *   0x18 ih_dcrc  CRC-32 of the ih_size data bytes
 *   0x1c ih_os u8  0x1d ih_arch u8  0x1e ih_type u8  0x1f ih_comp u8
 *   0x20 ih_name[32]  (NUL-padded, not necessarily terminated)
 *
 * Multi-file (ih_type 4, IH_TYPE_MULTI) and script (ih_type 6) images
 * start their data with a table of big-endian u32 sizes ended by a zero
 * entry; the sub-images follow the table, each starting at a 4-byte
 * aligned offset from the data start.  As U-Boot's bootm does, ih_comp
 * applies to the first sub-image (the kernel) only.
 *
 * Tree: the uimage node's body is its data area; children are the
 * payload (single image) or one child per sub-image.  An uncompressed
 * payload is probed (a kernel, a cpio, a device tree, ...); a compressed
 * one becomes a stream of its compression type, decoded by that stream's
 * handler (src/handlers/archive/compressed.c) like any other.
 *
 * Invariants: all header fields read through the cursor; ih_size is
 * compared with the bytes present before use; the size table is at most
 * MAX_SUBIMAGES entries and each sub-image end is overflow-checked; every
 * decoded byte goes through the unpacking budgets.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


#include "../../codecs/codecs.h"
#include "../../core/handler.h"
#include "../../core/registry.h"
#include "uboot_compression.h"

#define UIMAGE_MAGIC 0x27051956u
#define UIMAGE_HEADER_SIZE 64u
#define UIMAGE_OFF_HCRC 0x04
#define UIMAGE_OFF_TIME 0x08
#define UIMAGE_OFF_SIZE 0x0c
#define UIMAGE_OFF_LOAD 0x10
#define UIMAGE_OFF_EP 0x14
#define UIMAGE_OFF_DCRC 0x18
#define UIMAGE_OFF_OS 0x1c
#define UIMAGE_OFF_ARCH 0x1d
#define UIMAGE_OFF_TYPE 0x1e
#define UIMAGE_OFF_COMP 0x1f
#define UIMAGE_OFF_NAME 0x20
#define UIMAGE_NAME_LEN 32u

#define IH_TYPE_MULTI 4u
#define IH_TYPE_SCRIPT 6u
#define MAX_SUBIMAGES 256u
#define SUBIMAGE_ALIGN 4u

/* ---- name tables (U-Boot include/image.h, IH_OS/IH_ARCH/IH_TYPE) -------- */

static const char *const os_names[] = {
	"invalid", "openbsd", "netbsd", "freebsd", "4_4bsd", "linux", "svr4", "esix",
	"solaris", "irix", "sco", "dell", "ncr", "lynxos", "vxworks", "psos", "qnx",
	"u-boot", "rtems", "artos", "unity", "integrity", "ose", "plan9", "openrtos",
	"arm-trusted-firmware", "tee", "opensbi", "efi", "elf",
};

static const char *const arch_names[] = {
	"invalid", "alpha", "arm", "x86", "ia64", "mips", "mips64", "powerpc", "s390",
	"sh", "sparc", "sparc64", "m68k", "nios", "microblaze", "nios2", "blackfin",
	"avr32", "st200", "sandbox", "nds32", "or1k", "arm64", "arc", "x86_64", "xtensa",
	"riscv",
};

static const char *const type_names[] = {
	"invalid", "standalone", "kernel", "ramdisk", "multi", "firmware", "script",
	"filesystem", "flat_dt", "kwbimage", "imximage", "ublimage", "omapimage",
	"aisimage", "kernel_noload", "pblimage", "mxsimage", "gpimage", "atmelimage",
	"socfpgaimage", "x86_setup", "lpc32xximage", "loadable", "rkimage", "rksd",
	"rkspi", "zynqimage", "zynqmpimage", "zynqmpbif", "fpga", "vybridimage", "tee",
	"firmware_ivt", "pmmc", "stm32image", "socfpgaimage_v1", "mtk_image",
	"imx8mimage", "imx8image", "copro", "sunxi_egon", "sunxi_toc0",
};

static const char *const comp_names[FWG_UBOOT_COMP_COUNT] = {
	"none", "gzip", "bzip2", "lzma", "lzo", "lz4", "zstd",
};

#define TABLE_NAME(table, code) \
	((code) < sizeof(table) / sizeof((table)[0]) ? (table)[(code)] : NULL)

const char *fwg_uboot_comp_name(unsigned comp)
{
	return comp < FWG_UBOOT_COMP_COUNT ? comp_names[comp] : NULL;
}

bool fwg_uboot_comp_from_name(const char *name, enum fwg_uboot_comp *out)
{
	for (unsigned i = 0; i < FWG_UBOOT_COMP_COUNT; i++) {
		if (strcmp(name, comp_names[i]) == 0) {
			*out = (enum fwg_uboot_comp)i;
			return true;
		}
	}
	return false;
}

const struct fwg_handler *fwg_uboot_comp_handler(enum fwg_uboot_comp comp)
{
	switch (comp) {
	case FWG_UBOOT_COMP_GZIP: return &fwg_handler_gzip;
	case FWG_UBOOT_COMP_BZIP2: return &fwg_handler_bzip2;
	case FWG_UBOOT_COMP_LZMA: return &fwg_handler_lzma;
	case FWG_UBOOT_COMP_LZO: return &fwg_handler_lzo;
	case FWG_UBOOT_COMP_LZ4: return &fwg_handler_lz4;
	case FWG_UBOOT_COMP_ZSTD: return &fwg_handler_zstd;
	case FWG_UBOOT_COMP_NONE:
	case FWG_UBOOT_COMP_COUNT:
		break;
	}
	return NULL;
}

/* ---- the uImage handler ------------------------------------------------- */

struct uimage_header {
	uint32_t hcrc, time, size, load, ep, dcrc;
	uint8_t os, arch, type, comp;
	char name[UIMAGE_NAME_LEN + 1];
};

static bool read_header(const struct fwg_cursor *c, struct uimage_header *h)
{
	uint32_t magic;
	if (fwg_cursor_u32be_at(c, 0, &magic) != FWG_OK || magic != UIMAGE_MAGIC)
		return false;
	memset(h, 0, sizeof(*h));
	return fwg_cursor_u32be_at(c, UIMAGE_OFF_HCRC, &h->hcrc) == FWG_OK &&
		fwg_cursor_u32be_at(c, UIMAGE_OFF_TIME, &h->time) == FWG_OK &&
		fwg_cursor_u32be_at(c, UIMAGE_OFF_SIZE, &h->size) == FWG_OK &&
		fwg_cursor_u32be_at(c, UIMAGE_OFF_LOAD, &h->load) == FWG_OK &&
		fwg_cursor_u32be_at(c, UIMAGE_OFF_EP, &h->ep) == FWG_OK &&
		fwg_cursor_u32be_at(c, UIMAGE_OFF_DCRC, &h->dcrc) == FWG_OK &&
		fwg_cursor_u8_at(c, UIMAGE_OFF_OS, &h->os) == FWG_OK &&
		fwg_cursor_u8_at(c, UIMAGE_OFF_ARCH, &h->arch) == FWG_OK &&
		fwg_cursor_u8_at(c, UIMAGE_OFF_TYPE, &h->type) == FWG_OK &&
		fwg_cursor_u8_at(c, UIMAGE_OFF_COMP, &h->comp) == FWG_OK &&
		fwg_cursor_copy_at(c, UIMAGE_OFF_NAME, h->name, UIMAGE_NAME_LEN) == FWG_OK;
}

static uint32_t header_crc(const struct fwg_cursor *c)
{
	uint8_t hdr[UIMAGE_HEADER_SIZE];
	if (fwg_cursor_copy_at(c, 0, hdr, sizeof(hdr)) != FWG_OK)
		return 0;
	memset(hdr + UIMAGE_OFF_HCRC, 0, 4);
	return fwg_crc32(hdr, sizeof(hdr));
}

/* A header whose CRC is wrong but whose fields all make sense: known
 * codes, a printable NUL-padded name, a size that fits.  U-Boot binaries
 * hold the magic as a constant in their code; this keeps those from
 * being taken for images while a damaged real header is still reported. */
static bool plausible_header(const struct fwg_cursor *body, const struct uimage_header *h)
{
	if (!TABLE_NAME(os_names, h->os) || !TABLE_NAME(arch_names, h->arch) ||
			!TABLE_NAME(type_names, h->type) || !fwg_uboot_comp_name(h->comp) ||
			h->size > body->size - UIMAGE_HEADER_SIZE)
		return false;
	size_t len = strnlen(h->name, UIMAGE_NAME_LEN);
	for (size_t i = 0; i < UIMAGE_NAME_LEN; i++) {
		unsigned char ch = (unsigned char)h->name[i];
		if (i < len ? ch < 0x20 || ch > 0x7e : ch != 0)
			return false;
	}
	return true;
}

/* Magic plus a matching header CRC: certainly a uImage header.  A bad
 * CRC over a plausible header still gets a low score, so the damage is
 * reported. */
static int uimage_probe(const struct fwg_cursor *body)
{
	struct uimage_header h;
	if (!read_header(body, &h))
		return 0;
	if (header_crc(body) == h.hcrc)
		return 90;
	return plausible_header(body, &h) ? 20 : 0;
}

static uint64_t uimage_extent(const struct fwg_cursor *body)
{
	struct uimage_header h;
	if (!read_header(body, &h))
		return 0;
	return (uint64_t)UIMAGE_HEADER_SIZE + h.size;
}

static void attr_code(struct fwg_node *node, const char *key, const char *name, unsigned code)
{
	if (name)
		fwg_node_attr_str(node, key, name);
	else
		fwg_node_attr_strf(node, key, "unknown(%u)", code);
}

static void report_header(struct fwg_node *node, const struct uimage_header *h, bool hcrc_ok)
{
	size_t name_len = strnlen(h->name, UIMAGE_NAME_LEN);
	if (name_len)
		fwg_node_set_name_len(node, h->name, name_len);
	fwg_node_attr_str(node, "image_name", h->name);
	attr_code(node, "os", TABLE_NAME(os_names, h->os), h->os);
	attr_code(node, "arch", TABLE_NAME(arch_names, h->arch), h->arch);
	attr_code(node, "image_type", TABLE_NAME(type_names, h->type), h->type);
	attr_code(node, "compression", fwg_uboot_comp_name(h->comp), h->comp);
	fwg_node_attr_hex(node, "load_address", h->load);
	fwg_node_attr_hex(node, "entry_point", h->ep);
	fwg_node_attr_int(node, "timestamp", h->time);
	time_t t = (time_t)h->time;
	struct tm tm;
	char when[32];
	if (gmtime_r(&t, &tm) && strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm))
		fwg_node_attr_str(node, "time", when);
	fwg_node_attr_int(node, "data_size", h->size);
	fwg_node_attr_hex(node, "header_crc", h->hcrc);
	fwg_node_attr_bool(node, "header_crc_valid", hcrc_ok);
	fwg_node_attr_hex(node, "data_crc", h->dcrc);
}

/* Adds [off, off+size) of the data area: probed when stored plainly,
 * decoded first when comp says so. */
static enum fwg_status add_payload(struct fwg_unpack *u, struct fwg_node *node, size_t off,
		size_t size, enum fwg_uboot_comp comp, const char *name)
{
	struct fwg_node *child = NULL;
	enum fwg_status st;
	if (size == 0)
		return FWG_OK;
	if (comp == FWG_UBOOT_COMP_NONE || comp >= FWG_UBOOT_COMP_COUNT) {
		st = fwg_unpack_probe_child(u, node, off, size, &child);
		if (st == FWG_OK && !child)
			st = fwg_unpack_add_child(u, node, FWG_TYPE_RAW, off, size, NULL, &child);
		if (st == FWG_NOMEM)
			return st;
		if (child)
			fwg_node_set_name(child, name);
		return FWG_OK;
	}
	/* The stream handlers (compressed.c) decode it under the budgets
	 * and open what it holds. */
	const struct fwg_handler *h = fwg_uboot_comp_handler(comp);
	st = fwg_unpack_add_child(u, node, h->node_type, off, size, h, &child);
	if (st != FWG_OK)
		return st == FWG_NOMEM ? st : FWG_OK;
	fwg_node_set_name(child, name);
	return FWG_OK;
}

/* Multi-file and script images: the size table, then the sub-images. */
static enum fwg_status parse_multi(struct fwg_unpack *u, struct fwg_node *node,
		const struct fwg_cursor *data, size_t base, enum fwg_uboot_comp comp)
{
	uint32_t sizes[MAX_SUBIMAGES];
	size_t count = 0;
	for (;;) {
		uint32_t v;
		if (fwg_cursor_u32be_at(data, count * 4, &v) != FWG_OK) {
			FWG_ERR(node, "uimage.multi_table", UIMAGE_HEADER_SIZE + count * 4,
				"sub-image size table runs past the data at 0x%zx",
				UIMAGE_HEADER_SIZE + count * 4);
			break;
		}
		if (v == 0)
			break;
		if (count == MAX_SUBIMAGES) {
			FWG_ERR(node, "uimage.multi_table", UIMAGE_HEADER_SIZE + count * 4,
				"sub-image table has more than %u entries, rest ignored", MAX_SUBIMAGES);
			break;
		}
		sizes[count++] = v;
	}
	fwg_node_attr_int(node, "subimage_count", count);
	size_t off = (count + 1) * 4;
	for (size_t i = 0; i < count; i++) {
		char name[24];
		snprintf(name, sizeof(name), "image-%zu", i);
		if (!fwg_cursor_has(data, off, sizes[i])) {
			FWG_ERR(node, "uimage.multi_size", UIMAGE_HEADER_SIZE + i * 4,
				"sub-image %zu of 0x%x bytes at 0x%zx runs past the data (0x%zx bytes)",
				i, sizes[i], UIMAGE_HEADER_SIZE + off, data->size);
			break;
		}
		enum fwg_status st = add_payload(u, node, base + off, sizes[i],
			i == 0 ? comp : FWG_UBOOT_COMP_NONE, name);
		if (st != FWG_OK)
			return st;
		size_t end = off + sizes[i];
		if (!fwg_align_up(end, SUBIMAGE_ALIGN, &off))
			break;
	}
	return FWG_OK;
}

static enum fwg_status uimage_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	struct fwg_cursor c = fwg_node_body(node);
	struct uimage_header h;
	if (!read_header(&c, &h)) {
		FWG_ERR(node, "uimage.header", 0, "uimage header truncated or magic missing");
		return FWG_OK;
	}
	uint32_t hcrc = header_crc(&c);
	bool hcrc_ok = hcrc == h.hcrc;
	report_header(node, &h, hcrc_ok);
	if (!hcrc_ok)
		FWG_ERR(node, "uimage.header_crc", UIMAGE_OFF_HCRC,
			"header crc 0x%08x does not match the computed 0x%08x", h.hcrc, hcrc);
	if (!fwg_uboot_comp_name(h.comp))
		FWG_WARN(node, "uimage.compression", UIMAGE_OFF_COMP,
			"unknown compression 0x%02x, payload kept as stored", h.comp);

	size_t avail = c.size - UIMAGE_HEADER_SIZE;
	size_t size = h.size;
	if (size > avail) {
		FWG_ERR(node, "uimage.truncated", UIMAGE_OFF_SIZE,
			"ih_size 0x%x runs past the end of the image (0x%zx data bytes present)",
			h.size, avail);
		size = avail;
	} else {
		const uint8_t *data;
		if (fwg_cursor_bytes_at(&c, UIMAGE_HEADER_SIZE, size, &data) == FWG_OK) {
			uint32_t dcrc = fwg_crc32(data, size);
			fwg_node_attr_bool(node, "data_crc_valid", dcrc == h.dcrc);
			if (dcrc != h.dcrc)
				FWG_ERR(node, "uimage.data_crc", UIMAGE_OFF_DCRC,
					"data crc 0x%08x does not match the computed 0x%08x",
					h.dcrc, dcrc);
		}
	}
	/* The body becomes the data area; a node whose body is already a
	 * decoded buffer keeps it, and children are placed after the header. */
	size_t base = 0;
	if (fwg_unpack_set_body(node, node->body_offset + UIMAGE_HEADER_SIZE, size) != FWG_OK)
		base = UIMAGE_HEADER_SIZE;
	struct fwg_cursor body = fwg_node_body(node), data;
	if (fwg_cursor_sub(&body, base, size, &data) != FWG_OK)
		return FWG_OK;
	enum fwg_uboot_comp comp = h.comp < FWG_UBOOT_COMP_COUNT ? (enum fwg_uboot_comp)h.comp
		: FWG_UBOOT_COMP_COUNT;
	if (h.type == IH_TYPE_MULTI || h.type == IH_TYPE_SCRIPT)
		return parse_multi(u, node, &data, base, comp);
	return add_payload(u, node, base, data.size, comp, "payload");
}

static const struct fwg_magic uimage_magics[] = {
	{ "\x27\x05\x19\x56", 4, 0 },
	{ NULL, 0, 0 },
};

const struct fwg_handler fwg_handler_uimage = {
	.name = "uimage",
	.description = "U-Boot legacy image (uImage): header and data CRC, multi-file images",
	.node_type = FWG_TYPE_UIMAGE,
	.probe = uimage_probe,
	.parse = uimage_parse,
	.magics = uimage_magics,
	.extent = uimage_extent,
};
