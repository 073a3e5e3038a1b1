/*
 * fmh.c - AMI MegaRAC SPx flash images: the firmware module headers (FMH)
 * AMI's fmh.h / fmhcore.c describe, one per module section, found at
 * erase-block boundaries.
 *
 * FMH (64 bytes, little endian, at the start of a section):
 *   0x00 "$MODULE$"  0x08 version major u8, minor u8  0x0a header size u16
 *   0x0c AllocatedSize u32 (the section)  0x10 FMH_Location u32 (absolute)
 *   0x14 reserved[3]  0x17 header checksum: the 64 bytes sum to 0 mod 256
 *   0x18 module name[8]  0x20 module version major u8, minor u8
 *   0x22 type u16 (low byte type, high byte format)
 *   0x24 Module_Location u32 (module data, from the section start)
 *   0x28 module size u32  0x2c flags u16  0x2e load address u32
 *   0x32 module CRC-32 (zlib's) of the module data  0x36 aux version u16
 *   0x38 reserved[6]  0x3e end signature 0x55aa
 * Alternate FMH, 16 bytes at the end of the section's first erase block
 * when the module data must start at the section start (the boot loader):
 *   0x00 0x55aa u16  0x02 checksum u8 (16 bytes sum to 0)  0x03 reserved
 *   0x04 link u32 (offset of the real FMH from the block start)
 *   0x08 "$MODULE$"
 * Flags: 0x1 boot OS, 0x2 diag, 0x4 recovery, 0x8 copy to RAM,
 *   0x10 execute, bits 5-7 compression (1 minilzo, 2 gzip),
 *   0x100 validate checksum.
 * The firmware-info module (type 0x0202) sits in the last erase block;
 * its data holds FW_VERSION=, FW_DATE=, FW_BUILDTIME=, FW_DESC=,
 * FW_PRODUCTID= lines, and its CRC-32 covers the image from offset 0 to
 * the end of its block, skipping its own CRC field and the header
 * checksum byte (AMI's image builder; some readers run it to the image
 * end: both are tried).  Signed images mark their signature area with
 * "$start$", "$fwimg$" and "$end$" near the end of that section.
 *
 * Children: one `fmh_module` per module over its section (AllocatedSize)
 * with the module data as its child at Module_Location: opened by the
 * handler its format names (cramfs, jffs2, U-Boot uImage, ELF, gzip),
 * decompressed here for minilzo, otherwise probed; unclaimed bytes
 * between sections become `padding` (carved when not erased).
 *
 * Invariants: the probe reads the first PROBE_BLOCKS blocks' headers and
 * wants FMH_Location to be the header's own offset; the scan visits
 * each erase block once and only moves forward; every header field is
 * checked against the image before use; minilzo output is capped by the
 * LZO1X ratio bound and the unpacking budgets.
 */
#include <stdlib.h>
#include <string.h>

#include <lzo/lzo1x.h>
#include <zlib.h>

#include "../../core/handler.h"
#include "../../core/registry.h"
#include "../../core/text.h"
#include "layout.h"

#define FMH_SIZE 64u
#define ALT_FMH_SIZE 16u
#define FMH_SIGNATURE "$MODULE$"
#define FMH_SIG_LEN 8u
#define FMH_END_SIGNATURE 0x55aau

#define OFF_VER_MAJOR 0x08
#define OFF_HDR_SIZE 0x0a
#define OFF_ALLOC 0x0c
#define OFF_LOCATION 0x10
#define OFF_CHECKSUM 0x17
#define OFF_NAME 0x18
#define OFF_MOD_VER 0x20
#define OFF_TYPE 0x22
#define OFF_MOD_LOC 0x24
#define OFF_MOD_SIZE 0x28
#define OFF_FLAGS 0x2c
#define OFF_LOAD 0x2e
#define OFF_CRC 0x32
#define OFF_AUX_VER 0x36
#define OFF_END_SIG 0x3e
#define ALT_OFF_LINK 4
#define ALT_OFF_SIG 8

#define BLOCK_64K 0x10000u
#define MAX_MODULES 256u
#define MAX_INFO_VALUE 256u
#define PROBE_BLOCKS 4u

#define TYPE_BOOT_LOADER 0x01
#define TYPE_FIRMWARE_INFO 0x02
#define TYPE_ELF 0x05
#define TYPE_JFFS 0x10
#define TYPE_JFFS2 0x11
#define TYPE_JFFS_CONFIG 0x20
#define TYPE_JFFS2_CONFIG 0x21
#define FORMAT_UBOOT 0x03
#define FORMAT_ELF 0x04
#define FORMAT_CRAMFS 0x10
#define FORMAT_JFFS 0x11
#define FORMAT_JFFS2 0x12

#define FLAG_COMPRESSION_MASK 0x00e0u
#define FLAG_COMPRESSION_SHIFT 5
#define FLAG_VALID_CHECKSUM 0x0100u
#define COMPRESSION_MINILZO 1
#define COMPRESSION_GZIP 2

/* LZO1X expands at most ~255:1 (runs of zero length bytes). */
#define LZO_MAX_RATIO 256u
#define LZO_FIRST_GUESS 4u

struct name_code {
	unsigned code;
	const char *name;
};

static const struct name_code module_types[] = {
	{ 0x00, "unknown" }, { 0x01, "boot_loader" }, { 0x02, "firmware_info" },
	{ 0x03, "kernel" }, { 0x04, "fpga" }, { 0x05, "elf" }, { 0x06, "pimage" },
	{ 0x07, "initrd_cramfs" }, { 0x08, "linux_kernel" }, { 0x09, "linux_rootfs" },
	{ 0x10, "jffs" }, { 0x11, "jffs2" }, { 0x20, "jffs_config" }, { 0x21, "jffs2_config" },
	{ 0x30, "config" }, { 0x40, "web" }, { 0x50, "pdk" },
};

static const struct name_code module_formats[] = {
	{ 0x00, "legacy" }, { 0x01, "binary" }, { 0x02, "firmware_info" },
	{ 0x03, "uboot_wrapped" }, { 0x04, "elf" }, { 0x10, "cramfs" }, { 0x11, "jffs" },
	{ 0x12, "jffs2" }, { 0x80, "initrd" },
};

static const struct name_code flag_names[] = {
	{ 0x0001, "boot_os" }, { 0x0002, "diag" }, { 0x0004, "recovery" },
	{ 0x0008, "copy_to_ram" }, { 0x0010, "execute" }, { 0x0100, "validate_checksum" },
};

static const char *lookup(const struct name_code *t, size_t n, unsigned code)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].code == code)
			return t[i].name;
	return NULL;
}

struct fmh {
	size_t at;            /* header offset in the image */
	size_t section;       /* section start (erase block of the header) */
	bool alternate;       /* found through the alternate header */
	uint32_t alloc, location, mod_loc, mod_size, load, crc;
	uint16_t type, flags, aux_ver;
	uint8_t ver_major, ver_minor, mod_major, mod_minor;
	char name[9];
};

/* --- finding headers ----------------------------------------------------- */

static bool sig_at(const struct fwg_cursor *c, size_t off)
{
	const uint8_t *p;
	return fwg_cursor_bytes_at(c, off, FMH_SIG_LEN, &p) == FWG_OK &&
		memcmp(p, FMH_SIGNATURE, FMH_SIG_LEN) == 0;
}

/* "$MODULE$", end signature and checksum of a 64-byte header. */
static bool normal_fmh(const struct fwg_cursor *c, size_t off)
{
	uint16_t end;
	uint8_t sum;
	return sig_at(c, off) && fwg_cursor_u16le_at(c, off + OFF_END_SIG, &end) == FWG_OK &&
		end == FMH_END_SIGNATURE && fwg_cursor_sum8(c, off, FMH_SIZE, &sum) == FWG_OK &&
		sum == 0;
}

/* The alternate header at the end of the block at block_off; the link
 * (offset of the real header from the block start) or SIZE_MAX. */
static size_t alternate_link(const struct fwg_cursor *c, size_t block_off, size_t block)
{
	if (block < FMH_SIZE + ALT_FMH_SIZE)
		return SIZE_MAX;
	size_t alt = block_off + block - ALT_FMH_SIZE;
	uint16_t end;
	uint8_t sum;
	uint32_t link;
	if (!sig_at(c, alt + ALT_OFF_SIG) || fwg_cursor_u16le_at(c, alt, &end) != FWG_OK ||
			end != FMH_END_SIGNATURE || fwg_cursor_sum8(c, alt, ALT_FMH_SIZE, &sum) != FWG_OK ||
			sum != 0 || fwg_cursor_u32le_at(c, alt + ALT_OFF_LINK, &link) != FWG_OK)
		return SIZE_MAX;
	if (link > block - ALT_FMH_SIZE - FMH_SIZE)
		return SIZE_MAX;
	return link;
}

/* A valid header for the block at block_off (normal, else alternate). */
static bool find_in_block(const struct fwg_cursor *c, size_t block_off, size_t block,
		size_t *at, bool *alternate)
{
	if (normal_fmh(c, block_off)) {
		*at = block_off;
		*alternate = false;
		return true;
	}
	size_t link = alternate_link(c, block_off, block);
	if (link != SIZE_MAX && normal_fmh(c, block_off + link)) {
		*at = block_off + link;
		*alternate = true;
		return true;
	}
	return false;
}

static bool read_fmh(const struct fwg_cursor *c, size_t at, size_t section, bool alternate,
		struct fmh *h)
{
	memset(h, 0, sizeof(*h));
	h->at = at;
	h->section = section;
	h->alternate = alternate;
	const uint8_t *name;
	if (fwg_cursor_u8_at(c, at + OFF_VER_MAJOR, &h->ver_major) != FWG_OK ||
			fwg_cursor_u8_at(c, at + OFF_VER_MAJOR + 1, &h->ver_minor) != FWG_OK ||
			fwg_cursor_u32le_at(c, at + OFF_ALLOC, &h->alloc) != FWG_OK ||
			fwg_cursor_u32le_at(c, at + OFF_LOCATION, &h->location) != FWG_OK ||
			fwg_cursor_bytes_at(c, at + OFF_NAME, 8, &name) != FWG_OK ||
			fwg_cursor_u8_at(c, at + OFF_MOD_VER, &h->mod_major) != FWG_OK ||
			fwg_cursor_u8_at(c, at + OFF_MOD_VER + 1, &h->mod_minor) != FWG_OK ||
			fwg_cursor_u16le_at(c, at + OFF_TYPE, &h->type) != FWG_OK ||
			fwg_cursor_u32le_at(c, at + OFF_MOD_LOC, &h->mod_loc) != FWG_OK ||
			fwg_cursor_u32le_at(c, at + OFF_MOD_SIZE, &h->mod_size) != FWG_OK ||
			fwg_cursor_u16le_at(c, at + OFF_FLAGS, &h->flags) != FWG_OK ||
			fwg_cursor_u32le_at(c, at + OFF_LOAD, &h->load) != FWG_OK ||
			fwg_cursor_u32le_at(c, at + OFF_CRC, &h->crc) != FWG_OK ||
			fwg_cursor_u16le_at(c, at + OFF_AUX_VER, &h->aux_ver) != FWG_OK)
		return false;
	size_t n = 0;
	for (size_t i = 0; i < 8 && name[i]; i++)
		h->name[n++] = (name[i] > ' ' && name[i] < 0x7f && name[i] != '/') ? (char)name[i] : '_';
	h->name[n] = '\0';
	return true;
}

static int megarac_flash_probe(const struct fwg_cursor *body)
{
	size_t at;
	bool alt;
	if (body->size < 2 * FMH_SIZE)
		return 0;
	for (size_t b = 0; b < PROBE_BLOCKS; b++) {
		size_t off = b * BLOCK_64K;
		if (off >= body->size)
			break;
		uint32_t location;
		/* FMH_Location counts from the flash start: a header copied
		 * inside another module (a boot loader's own) is not one. */
		if (find_in_block(body, off, BLOCK_64K, &at, &alt) &&
				fwg_cursor_u32le_at(body, at + OFF_LOCATION, &location) == FWG_OK &&
				location == at)
			return b == 0 ? 90 : 75;
	}
	return 0;
}

/* --- helpers ----------------------------------------------------------- */

static uint32_t crc32_range(uint32_t crc, const struct fwg_cursor *c, size_t off, size_t len)
{
	const uint8_t *p;
	if (len == 0 || fwg_cursor_bytes_at(c, off, len, &p) != FWG_OK)
		return crc;
	while (len > 0) {
		uInt chunk = len > 0x40000000u ? 0x40000000u : (uInt)len;
		crc = (uint32_t)crc32(crc, p, chunk);
		p += chunk;
		len -= chunk;
	}
	return crc;
}

static void flags_text(struct fwg_node *node, uint16_t flags)
{
	char text[160];
	size_t used = 0;
	text[0] = '\0';
	for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++) {
		if (!(flags & flag_names[i].code))
			continue;
		int n = snprintf(text + used, sizeof(text) - used, "%s%s", used ? " " : "",
			flag_names[i].name);
		if (n > 0 && (size_t)n < sizeof(text) - used)
			used += (size_t)n;
	}
	fwg_node_attr_str(node, "flags_text", used ? text : "none");
}

/* --- the firmware-info module -------------------------------------------- */

struct info_key {
	const char *prefix;
	const char *attr;
};

static const struct info_key info_keys[] = {
	{ "FW_VERSION=", "fw_version" }, { "FW_DATE=", "fw_date" },
	{ "FW_BUILDTIME=", "fw_buildtime" }, { "FW_DESC=", "fw_desc" },
	{ "FW_PRODUCTID=", "fw_productid" }, { "FW_PRODUCTNAME=", "fw_productname" },
	{ "FW_PRODCUTNAME=", "fw_productname" },
};

static void parse_info_line(struct fwg_node *mod, struct fwg_node *top,
		const struct fwg_cursor *c, size_t off, size_t len)
{
	const uint8_t *p;
	if (fwg_cursor_bytes_at(c, off, len, &p) != FWG_OK)
		return;
	for (size_t i = 0; i < sizeof(info_keys) / sizeof(info_keys[0]); i++) {
		size_t kl = strlen(info_keys[i].prefix);
		if (len < kl || memcmp(p, info_keys[i].prefix, kl) != 0)
			continue;
		size_t vl = len - kl;
		if (vl > MAX_INFO_VALUE)
			vl = MAX_INFO_VALUE;
		char *v = NULL;
		if (fwg_text_ascii(c, off + kl, vl, &v) != FWG_OK || !v) {
			mod->alloc_failed = true;
			return;
		}
		size_t n = strlen(v);
		while (n > 0 && (v[n - 1] == '\r' || v[n - 1] == ' '))
			v[--n] = '\0';
		fwg_node_attr_str(mod, info_keys[i].attr, v);
		if (top && (!strcmp(info_keys[i].attr, "fw_version") ||
				!strcmp(info_keys[i].attr, "fw_productid")))
			fwg_node_attr_str(top, info_keys[i].attr, v);
		free(v);
		return;
	}
}

static void parse_firmware_info(struct fwg_node *mod, struct fwg_node *top,
		const struct fwg_cursor *img, size_t data, size_t size)
{
	size_t pos = data, end = data + size;
	/* The text ends at the first NUL or erased byte. */
	for (size_t i = data; i < end; i++) {
		uint8_t b;
		if (fwg_cursor_u8_at(img, i, &b) != FWG_OK || b == 0 || b == 0xff) {
			end = i;
			break;
		}
	}
	while (pos < end) {
		size_t nl = pos;
		uint8_t b = 0;
		while (nl < end && fwg_cursor_u8_at(img, nl, &b) == FWG_OK && b != '\n')
			nl++;
		if (nl > pos)
			parse_info_line(mod, top, img, pos, nl - pos);
		pos = nl + 1;
	}
}

/* Signed images: the markers near the end of the firmware-info section. */
static void signature_markers(struct fwg_node *mod, const struct fwg_cursor *img,
		size_t start, size_t end)
{
	struct fwg_cursor sec;
	if (end <= start || fwg_cursor_sub(img, start, end - start, &sec) != FWG_OK)
		return;
	size_t s = fwg_cursor_find(&sec, 0, "$start$", 7);
	size_t f = fwg_cursor_find(&sec, 0, "$fwimg$", 7);
	size_t e = fwg_cursor_find(&sec, 0, "$end$", 5);
	bool any = s != SIZE_MAX || f != SIZE_MAX || e != SIZE_MAX;
	fwg_node_attr_bool(mod, "signed", s != SIZE_MAX && f != SIZE_MAX && e != SIZE_MAX);
	if (s != SIZE_MAX)
		fwg_node_attr_hex(mod, "signature_start", s);
	if (f != SIZE_MAX)
		fwg_node_attr_hex(mod, "signature_fwimg", f);
	if (e != SIZE_MAX)
		fwg_node_attr_hex(mod, "signature_end", e);
	if (any && !(s != SIZE_MAX && f != SIZE_MAX && e != SIZE_MAX))
		FWG_WARN(mod, "fmh.signature_markers", s != SIZE_MAX ? s : f != SIZE_MAX ? f : e,
			"only some of the signed-image markers $start$ $fwimg$ $end$ are present");
}

/* The firmware-info CRC: image bytes from 0 to end, without the CRC field
 * and the header checksum byte of this header. */
static uint32_t image_crc(const struct fwg_cursor *img, size_t hdr, size_t end)
{
	uint32_t crc = (uint32_t)crc32(0L, Z_NULL, 0);
	crc = crc32_range(crc, img, 0, hdr + OFF_CHECKSUM);
	crc = crc32_range(crc, img, hdr + OFF_CHECKSUM + 1, OFF_CRC - OFF_CHECKSUM - 1);
	crc = crc32_range(crc, img, hdr + OFF_CRC + 4, end - (hdr + OFF_CRC + 4));
	return crc;
}

static void check_image_crc(struct fwg_node *mod, const struct fwg_cursor *img,
		const struct fmh *h, size_t block_end)
{
	size_t crc_end = h->at + OFF_CRC + 4;
	const char *scope = NULL;
	if (block_end >= crc_end && block_end <= img->size &&
			image_crc(img, h->at, block_end) == h->crc)
		scope = "block";
	else if (img->size != block_end && image_crc(img, h->at, img->size) == h->crc)
		scope = "image";
	fwg_node_attr_bool(mod, "crc32_ok", scope != NULL);
	if (scope)
		fwg_node_attr_str(mod, "crc32_scope", scope);
	else
		FWG_WARN(mod, "fmh.image_crc", OFF_CRC + (h->at - h->section),
			"image crc32 0x%08x matches neither the image up to its block end nor the whole image",
			h->crc);
}

/* CRC of module data that holds its own headers (a boot loader found
 * through the alternate header), computed as the image builder saw the
 * module file: with the FMH and the alternate FMH still erased. */
static uint32_t module_crc_without_headers(const struct fwg_cursor *img, const struct fmh *h,
		size_t block, size_t data)
{
	size_t alt = h->section + block - ALT_FMH_SIZE;
	size_t end = data + h->mod_size;
	struct { size_t off, len; } holes[2] = { { h->at, FMH_SIZE }, { alt, ALT_FMH_SIZE } };
	if (holes[1].off < holes[0].off) {
		holes[0].off = alt;
		holes[0].len = ALT_FMH_SIZE;
		holes[1].off = h->at;
		holes[1].len = FMH_SIZE;
	}
	uint8_t erased[FMH_SIZE];
	memset(erased, 0xff, sizeof(erased));
	uint32_t crc = (uint32_t)crc32(0L, Z_NULL, 0);
	size_t pos = data;
	for (size_t i = 0; i < 2; i++) {
		size_t hs = holes[i].off, he = hs + holes[i].len;
		if (he <= pos || hs >= end)
			continue;
		if (hs < pos)
			hs = pos;
		if (he > end)
			he = end;
		crc = crc32_range(crc, img, pos, hs - pos);
		crc = (uint32_t)crc32(crc, erased, (uInt)(he - hs));
		pos = he;
	}
	return crc32_range(crc, img, pos, end - pos);
}

/* --- module data ------------------------------------------------------------ */

/* minilzo (LZO1X) module data: the decoded size is not stored, so decode
 * into a buffer reserved under the budgets, doubling it while the stream
 * wants more, up to the LZO1X ratio bound and the per-stream budget.
 * Every reservation is charged: the budget never sees less than was
 * allocated. */
static enum fwg_status decode_minilzo(struct fwg_unpack *u, struct fwg_node *mod,
		size_t off, size_t size)
{
	const struct fwg_limits *lim = &fwg_unpack_options(u)->limits;
	struct fwg_node *child;
	enum fwg_status st = fwg_unpack_add_child(u, mod, FWG_TYPE_LZO, off, size, NULL, &child);
	if (st != FWG_OK)
		return st;
	fwg_node_set_name(child, "minilzo");
	size_t cap = lim->max_decoded_single < SIZE_MAX ? (size_t)lim->max_decoded_single : SIZE_MAX;
	size_t bound;
	if (!fwg_mul_overflows(size, LZO_MAX_RATIO, &bound) && bound < cap)
		cap = bound;
	size_t guess;
	if (fwg_mul_overflows(size, LZO_FIRST_GUESS, &guess) || guess > cap)
		guess = cap;
	if (guess < 4096)
		guess = cap < 4096 ? cap : 4096;
	child->handler = &fwg_handler_leaf; /* until something decodes */
	if (lzo_init() != LZO_E_OK || guess == 0)
		return FWG_OK;
	for (;;) {
		uint8_t *buf;
		st = fwg_unpack_reserve_decoded(u, child, size, guess, &buf);
		if (st != FWG_OK)
			return st == FWG_LIMIT ? FWG_OK : st;
		lzo_uint out_len = guess;
		int r = lzo1x_decompress_safe(child->data, size, buf, &out_len, NULL);
		if (r == LZO_E_OUTPUT_OVERRUN && guess < cap) {
			guess = guess > cap / 2 ? cap : guess * 2;
			continue;
		}
		if (r != LZO_E_OK && r != LZO_E_INPUT_NOT_CONSUMED) {
			FWG_WARN(child, "fmh.minilzo", 0, "lzo1x stream of 0x%zx bytes does not decode (%d)",
				size, r);
			return FWG_OK;
		}
		if (r == LZO_E_INPUT_NOT_CONSUMED)
			FWG_INFO(child, "fmh.minilzo", 0, "lzo1x stream ends before the 0x%zx module bytes",
				size);
		fwg_unpack_commit_decoded(child, out_len);
		child->handler = NULL;
		return FWG_OK;
	}
}

/* The handler a module's format names, if its content agrees. */
static const struct fwg_handler *format_handler(const struct fmh *h, uint16_t compression,
		const struct fwg_cursor *data)
{
	const struct fwg_handler *want = NULL;
	uint8_t type = h->type & 0xff, format = h->type >> 8;
	if (compression == COMPRESSION_GZIP)
		want = &fwg_handler_gzip;
	else if (format == FORMAT_CRAMFS)
		want = &fwg_handler_cramfs;
	else if (format == FORMAT_JFFS2 || type == TYPE_JFFS2 || type == TYPE_JFFS2_CONFIG)
		want = &fwg_handler_jffs2;
	else if (format == FORMAT_UBOOT)
		want = &fwg_handler_uimage;
	else if (format == FORMAT_ELF || type == TYPE_ELF)
		want = &fwg_handler_elf;
	if (want && want->probe && want->probe(data) > 0)
		return want;
	return NULL;
}

static enum fwg_status add_module_data(struct fwg_unpack *u, struct fwg_node *mod,
		const struct fmh *h, const struct fwg_cursor *img, size_t data, size_t size)
{
	size_t rel = data - h->section;
	uint16_t compression = (h->flags & FLAG_COMPRESSION_MASK) >> FLAG_COMPRESSION_SHIFT;
	if (compression == COMPRESSION_MINILZO)
		return decode_minilzo(u, mod, rel, size);
	struct fwg_cursor win;
	if (fwg_cursor_sub(img, data, size, &win) != FWG_OK)
		return FWG_OK;
	const struct fwg_handler *fh = format_handler(h, compression, &win);
	struct fwg_node *child = NULL;
	enum fwg_status st;
	if (fh) {
		st = fwg_unpack_add_child(u, mod, fh->node_type, rel, size, fh, &child);
	} else {
		/* A boot loader holds its own (alternate) header: never
		 * another MegaRAC image. */
		const struct fwg_handler *ph = bmc_region_handler(&win, &fwg_handler_megarac_flash);
		st = ph ? fwg_unpack_add_child(u, mod, FWG_TYPE_RAW, rel, size, ph, &child)
			: fwg_unpack_probe_child(u, mod, rel, size, &child);
	}
	if (st == FWG_OK && child)
		fwg_node_set_name(child, "data");
	return st;
}

/* --- one module -------------------------------------------------------------- */

static void describe(struct fwg_node *mod, const struct fmh *h)
{
	uint8_t type = h->type & 0xff, format = h->type >> 8;
	const char *tn = lookup(module_types, sizeof(module_types) / sizeof(module_types[0]), type);
	const char *fn = lookup(module_formats, sizeof(module_formats) / sizeof(module_formats[0]), format);
	fwg_node_set_name(mod, h->name);
	fwg_node_attr_str(mod, "module_name", h->name);
	fwg_node_attr_strf(mod, "header_version", "%u.%u", h->ver_major, h->ver_minor);
	fwg_node_attr_strf(mod, "version", "%u.%u", h->mod_major, h->mod_minor);
	fwg_node_attr_hex(mod, "type_code", h->type);
	fwg_node_attr_str(mod, "module_type", tn ? tn : "unknown");
	fwg_node_attr_str(mod, "format", fn ? fn : "unknown");
	fwg_node_attr_hex(mod, "allocated_size", h->alloc);
	fwg_node_attr_hex(mod, "fmh_location", h->location);
	fwg_node_attr_hex(mod, "module_location", h->mod_loc);
	fwg_node_attr_hex(mod, "module_size", h->mod_size);
	fwg_node_attr_hex(mod, "flags", h->flags);
	flags_text(mod, h->flags);
	uint16_t comp = (h->flags & FLAG_COMPRESSION_MASK) >> FLAG_COMPRESSION_SHIFT;
	fwg_node_attr_str(mod, "compression", comp == 0 ? "none" : comp == COMPRESSION_MINILZO ?
		"minilzo" : comp == COMPRESSION_GZIP ? "gzip" : "unknown");
	if (h->load != 0xffffffffu)
		fwg_node_attr_hex(mod, "load_address", h->load);
	fwg_node_attr_hex(mod, "crc32", h->crc);
	fwg_node_attr_hex(mod, "aux_version", h->aux_ver);
	fwg_node_attr_bool(mod, "alternate_header", h->alternate);
	if (h->alternate)
		fwg_node_attr_hex(mod, "header_offset", h->at - h->section);
}

static enum fwg_status add_module(struct fwg_unpack *u, struct fwg_node *top,
		const struct fwg_cursor *img, const struct fmh *h, size_t block, size_t sec_end,
		bool *have_info)
{
	struct fwg_node *mod;
	enum fwg_status st = fwg_unpack_add_child(u, top, FWG_TYPE_FMH_MODULE, h->section,
		sec_end - h->section, &fwg_handler_leaf, &mod);
	if (st != FWG_OK)
		return st;
	describe(mod, h);
	size_t hdr_rel = h->at - h->section;
	if (h->location != h->at)
		FWG_WARN(mod, "fmh.location", hdr_rel + OFF_LOCATION,
			"FMH_Location 0x%x differs from the header's offset 0x%zx", h->location, h->at);
	uint8_t type = h->type & 0xff;
	/* Module data: inside the image (and normally inside the section). */
	size_t data;
	if (fwg_add_overflows(h->section, h->mod_loc, &data) || data > img->size ||
			h->mod_size > img->size - data) {
		FWG_WARN(mod, "fmh.module_bounds", hdr_rel + OFF_MOD_LOC,
			"module data at section offset 0x%x of 0x%x bytes lies outside the image",
			h->mod_loc, h->mod_size);
		return FWG_OK;
	}
	if (data + h->mod_size > sec_end)
		FWG_WARN(mod, "fmh.module_bounds", hdr_rel + OFF_MOD_SIZE,
			"module data of 0x%x bytes at 0x%x runs past the 0x%zx-byte section",
			h->mod_size, h->mod_loc, sec_end - h->section);
	if (type == TYPE_FIRMWARE_INFO) {
		*have_info = true;
		parse_firmware_info(mod, top, img, data, h->mod_size);
		size_t block_end = h->section + block;
		check_image_crc(mod, img, h, block_end < img->size ? block_end : img->size);
		signature_markers(mod, img, h->section, sec_end);
		return FWG_OK;
	}
	bool crc_ok = crc32_range((uint32_t)crc32(0L, Z_NULL, 0), img, data, h->mod_size) == h->crc;
	if (!crc_ok && h->alternate && module_crc_without_headers(img, h, block, data) == h->crc) {
		crc_ok = true;
		fwg_node_attr_str(mod, "crc32_scope", "headers-erased");
	}
	fwg_node_attr_bool(mod, "crc32_ok", crc_ok);
	if (!crc_ok)
		fwg_node_diag(mod, (h->flags & FLAG_VALID_CHECKSUM) ? FWG_SEV_WARNING : FWG_SEV_INFO,
			"fmh.module_crc", hdr_rel + OFF_CRC,
			"module crc32 0x%08x does not match the 0x%x bytes of module data", h->crc,
			h->mod_size);
	if (h->mod_size == 0 || data + h->mod_size > sec_end)
		return FWG_OK;
	return add_module_data(u, mod, h, img, data, h->mod_size);
}

/* --- the scan ----------------------------------------------------------------- */

static size_t count_headers(const struct fwg_cursor *img, size_t block)
{
	size_t n = 0, at;
	bool alt;
	for (size_t off = 0; off < img->size && n < MAX_MODULES; off += block)
		if (find_in_block(img, off, block, &at, &alt))
			n++;
	return n;
}

static enum fwg_status scan(struct fwg_unpack *u, struct fwg_node *node,
		const struct fwg_cursor *img, size_t block)
{
	size_t pos = 0, gap_start = 0, modules = 0;
	bool have_info = false;
	while (pos < img->size) {
		size_t at;
		bool alt;
		if (!find_in_block(img, pos, block, &at, &alt)) {
			pos += block;
			continue;
		}
		if (modules == MAX_MODULES) {
			FWG_WARN(node, "fmh.modules", pos, "more than %u modules, the rest is not read",
				MAX_MODULES);
			break;
		}
		struct fmh h;
		if (!read_fmh(img, at, pos, alt, &h)) {
			pos += block;
			continue;
		}
		size_t sec_end;
		if (h.alloc < FMH_SIZE || fwg_add_overflows(pos, h.alloc, &sec_end) ||
				sec_end > img->size) {
			FWG_WARN(node, "fmh.allocated_size", at + OFF_ALLOC,
				"module %s: AllocatedSize 0x%x does not fit the image from 0x%zx",
				h.name, h.alloc, pos);
			sec_end = pos + block < img->size ? pos + block : img->size;
		}
		enum fwg_status st = bmc_add_gap(u, node, img, gap_start, pos, false);
		if (st == FWG_OK)
			st = add_module(u, node, img, &h, block, sec_end, &have_info);
		if (st == FWG_LIMIT)
			return FWG_OK;
		if (st != FWG_OK)
			return st;
		modules++;
		/* Next section: after this one, on a block boundary. */
		size_t next;
		if (!fwg_align_up(sec_end, block, &next) || next <= pos)
			next = pos + block;
		pos = gap_start = next;
		if (gap_start > img->size)
			gap_start = img->size;
	}
	if (gap_start < img->size) {
		enum fwg_status st = bmc_add_gap(u, node, img, gap_start, img->size, false);
		if (st != FWG_OK && st != FWG_LIMIT)
			return st;
	}
	fwg_node_attr_int(node, "module_count", modules);
	if (!have_info && modules)
		FWG_WARN(node, "fmh.firmware_info", 0, "no firmware-info module (type 0x0202)");
	return FWG_OK;
}

static enum fwg_status megarac_flash_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	struct fwg_cursor img = fwg_node_body(node);
	/* 64 KiB erase blocks unless that finds nothing. */
	static const size_t blocks[] = { 0x10000, 0x20000, 0x8000, 0x4000, 0x1000 };
	size_t block = 0;
	for (size_t i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++) {
		if (count_headers(&img, blocks[i]) > 0) {
			block = blocks[i];
			break;
		}
	}
	if (!block) {
		FWG_WARN(node, "fmh.none", 0, "no valid $MODULE$ header at any erase-block boundary");
		return FWG_OK;
	}
	fwg_node_attr_hex(node, "block_size", block);
	return scan(u, node, &img, block);
}

static const struct fwg_magic megarac_magics[] = {
	{ FMH_SIGNATURE, FMH_SIG_LEN, 0 },
	{ NULL, 0, 0 },
};

const struct fwg_handler fwg_handler_megarac_flash = {
	.name = "megarac_flash",
	.description = "AMI MegaRAC SPx flash image (FMH module headers)",
	.node_type = FWG_TYPE_MEGARAC_FLASH,
	.probe = megarac_flash_probe,
	.parse = megarac_flash_parse,
	.magics = megarac_magics,
};
