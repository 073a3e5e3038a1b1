/*
 * fv.c - PI firmware volumes (EFI_FIRMWARE_VOLUME_HEADER, PI spec vol. 3,
 * section 3.2.1) and the flash-area carver that finds volumes in raw flash.
 *
 * Volume layout:
 *   0x00 ZeroVector[16]  0x10 FileSystemGuid  0x20 FvLength u64
 *   0x28 "_FVH"          0x2c Attributes u32  0x30 HeaderLength u16
 *   0x32 Checksum u16    0x34 ExtHeaderOffset u16  0x36 Reserved  0x37 Revision
 *   0x38 BlockMap[] {NumBlocks u32, Length u32} ending with {0, 0}
 * The header's u16 words sum to zero.  With ExtHeaderOffset != 0 the
 * extended header {FvName GUID, ExtHeaderSize u32, entries} sits there;
 * EDK2 stores it inside the first (pad) file.
 *
 * FFS volumes (FFSv2/FFSv3) hold files from HeaderLength on, each aligned
 * to 8 bytes.  A header made only of erase-polarity bytes starts free
 * space, which must stay erased to the end: anything else there is
 * reported, because implants hide in free space and padding.
 *
 * Children: ffs files (offsets relative to the volume start), free_space,
 * padding.  NV-data volumes are handed to the NVRAM handler.
 */
#include <stdlib.h>
#include <string.h>

#include "../../core/handler.h"
#include "../../core/registry.h"
#include "pi.h"

static const uint8_t guid_ffs1[16] = GUID_FFS1;
static const uint8_t guid_ffs2[16] = GUID_FFS2;
static const uint8_t guid_ffs3[16] = GUID_FFS3;
static const uint8_t guid_nv[16] = GUID_NV_DATA_FV;

#define MAX_BLOCK_MAP_ENTRIES 4096

/* Fixed header fields, read once. */
struct fv_header {
	uint8_t fs_guid[16];
	uint64_t length;
	uint32_t attributes;
	uint16_t header_length;
	uint16_t checksum;
	uint16_t ext_offset;
	uint8_t revision;
};

static enum fwg_status read_header(const struct fwg_cursor *c, struct fv_header *h)
{
	if (fwg_cursor_copy_at(c, FV_OFF_FS_GUID, h->fs_guid, 16) != FWG_OK ||
			fwg_cursor_u64le_at(c, FV_OFF_LENGTH, &h->length) != FWG_OK ||
			fwg_cursor_u32le_at(c, FV_OFF_ATTRIBUTES, &h->attributes) != FWG_OK ||
			fwg_cursor_u16le_at(c, FV_OFF_HEADER_LENGTH, &h->header_length) != FWG_OK ||
			fwg_cursor_u16le_at(c, FV_OFF_CHECKSUM, &h->checksum) != FWG_OK ||
			fwg_cursor_u16le_at(c, FV_OFF_EXT_HEADER_OFFSET, &h->ext_offset) != FWG_OK ||
			fwg_cursor_u8_at(c, FV_OFF_REVISION, &h->revision) != FWG_OK)
		return FWG_TRUNCATED;
	return FWG_OK;
}

/* Plausible volume at offset 0 of the window (no length check). */
static bool looks_like_fv(const struct fwg_cursor *c, struct fv_header *h)
{
	const uint8_t *sig;
	if (fwg_cursor_bytes_at(c, FV_OFF_SIGNATURE, 4, &sig) != FWG_OK ||
			memcmp(sig, FV_SIGNATURE, 4) != 0)
		return false;
	if (read_header(c, h) != FWG_OK)
		return false;
	return h->header_length >= FV_MIN_HEADER && h->length >= h->header_length &&
		(h->header_length & 1) == 0;
}

static int fv_probe(const struct fwg_cursor *body)
{
	struct fv_header h;
	if (!looks_like_fv(body, &h))
		return 0;
	/* A volume that does not fill the window is carved by flash_area,
	 * which also keeps whatever follows it. */
	return h.length == body->size ? 90 : 0;
}

static const char *fs_name(const uint8_t g[16])
{
	if (fwg_guid_eq(g, guid_ffs2))
		return "FFSv2";
	if (fwg_guid_eq(g, guid_ffs3))
		return "FFSv3";
	if (fwg_guid_eq(g, guid_ffs1))
		return "FFSv1";
	if (fwg_guid_eq(g, guid_nv))
		return "NVRAM";
	return "unknown";
}

static void parse_block_map(struct fwg_node *node, const struct fwg_cursor *c,
		const struct fv_header *h)
{
	uint64_t total = 0;
	size_t off = FV_OFF_BLOCK_MAP;
	unsigned entries = 0;
	char desc[96] = "";
	for (;;) {
		uint32_t num, len;
		if (off + 8 > h->header_length || fwg_cursor_u32le_at(c, off, &num) != FWG_OK ||
				fwg_cursor_u32le_at(c, off + 4, &len) != FWG_OK) {
			FWG_WARN(node, "fv.block_map", off,
				"block map not terminated inside the header (length 0x%x)",
				h->header_length);
			return;
		}
		if (num == 0 && len == 0)
			break;
		if (++entries > MAX_BLOCK_MAP_ENTRIES) {
			FWG_WARN(node, "fv.block_map", off, "block map has over %u entries",
				MAX_BLOCK_MAP_ENTRIES);
			return;
		}
		if (__builtin_add_overflow(total, (uint64_t)num * len, &total))
			total = UINT64_MAX; /* never equals a real fv_length */
		if (entries == 1)
			snprintf(desc, sizeof(desc), "%u x 0x%x", num, len);
		off += 8;
	}
	fwg_node_attr_str(node, "block_map", entries > 1 ? "multiple" : desc);
	if (total != h->length)
		FWG_WARN(node, "fv.block_map_size", FV_OFF_BLOCK_MAP,
			"block map covers 0x%llx bytes but fv_length is 0x%llx",
			(unsigned long long)total, (unsigned long long)h->length);
}

/* Reads the extended header; returns its end offset (0 if none). */
static size_t parse_ext_header(struct fwg_node *node, const struct fwg_cursor *c,
		const struct fv_header *h)
{
	if (h->ext_offset == 0)
		return 0;
	uint8_t name[16];
	uint32_t ext_size;
	if (fwg_cursor_copy_at(c, h->ext_offset, name, 16) != FWG_OK ||
			fwg_cursor_u32le_at(c, (size_t)h->ext_offset + 16, &ext_size) != FWG_OK ||
			ext_size < FV_EXT_HEADER_MIN || !fwg_cursor_has(c, h->ext_offset, ext_size) ||
			h->ext_offset < h->header_length) {
		FWG_WARN(node, "fv.ext_header", h->ext_offset,
			"extended header at 0x%x is out of bounds or too small", h->ext_offset);
		return 0;
	}
	fwg_node_set_guid(node, name);
	fwg_node_attr_hex(node, "ext_header_offset", h->ext_offset);
	fwg_node_attr_hex(node, "ext_header_size", ext_size);
	return (size_t)h->ext_offset + ext_size;
}

/* Adds a free_space or padding child; trailing non-erased bytes in free
 * space become a padding child flagged as an anomaly. */
static enum fwg_status add_free_space(struct fwg_unpack *u, struct fwg_node *node,
		const struct fwg_cursor *c, size_t off, size_t end, uint8_t erase)
{
	if (off >= end)
		return FWG_OK;
	size_t dirty = fwg_cursor_first_not(c, off, end - off, erase);
	struct fwg_node *child;
	enum fwg_status st;
	if (dirty > off) {
		st = fwg_unpack_add_child(u, node, FWG_TYPE_FREE_SPACE, off, dirty - off,
			&fwg_handler_leaf, &child);
		if (st != FWG_OK)
			return st == FWG_LIMIT || st == FWG_TRUNCATED ? FWG_OK : st;
	}
	if (dirty < end) {
		st = fwg_unpack_add_child(u, node, FWG_TYPE_PADDING, dirty, end - dirty,
			&fwg_handler_leaf, &child);
		if (st != FWG_OK)
			return st == FWG_LIMIT || st == FWG_TRUNCATED ? FWG_OK : st;
		fwg_node_attr_bool(child, "non_erased", true);
		FWG_WARN(child, "fv.free_space_data", 0,
			"0x%zx bytes of non-erased data in volume free space at volume offset 0x%zx",
			end - dirty, dirty);
	}
	return FWG_OK;
}

static enum fwg_status parse_files(struct fwg_unpack *u, struct fwg_node *node,
		const struct fwg_cursor *c, const struct fv_header *h, size_t fv_len)
{
	bool large_ok = fwg_guid_eq(h->fs_guid, guid_ffs3);
	uint8_t erase = (h->attributes & FVB2_ERASE_POLARITY) ? 0xff : 0x00;
	size_t off;
	if (!fwg_align_up(h->header_length, 8, &off))
		return FWG_OK;
	while (off < fv_len) {
		size_t left = fv_len - off;
		if (left < FFS_HEADER_SIZE || fwg_cursor_all_equal(c, off, FFS_HEADER_SIZE, erase))
			return add_free_space(u, node, c, off, fv_len, erase);
		uint32_t size24 = 0;
		uint8_t attrs = 0;
		if (fwg_cursor_u24le_at(c, off + FFS_OFF_SIZE, &size24) != FWG_OK ||
				fwg_cursor_u8_at(c, off + FFS_OFF_ATTRIBUTES, &attrs) != FWG_OK)
			return add_free_space(u, node, c, off, fv_len, erase);
		uint64_t size = size24;
		size_t hdr = FFS_HEADER_SIZE;
		if ((attrs & FFS_ATTRIB_LARGE_FILE) && large_ok) {
			if (fwg_cursor_u64le_at(c, off + FFS_OFF_EXTENDED_SIZE, &size) != FWG_OK)
				size = 0;
			hdr = FFS_HEADER2_SIZE;
		}
		if (size < hdr || size > left) {
			FWG_ERR(node, "fv.file_size", off,
				"file at volume offset 0x%zx has invalid size 0x%llx (0x%zx bytes left)",
				off, (unsigned long long)size, left);
			struct fwg_node *pad;
			enum fwg_status st = fwg_unpack_add_child(u, node, FWG_TYPE_PADDING, off,
				left, &fwg_handler_leaf, &pad);
			if (st == FWG_OK)
				fwg_node_attr_bool(pad, "non_erased", true);
			return st == FWG_NOMEM ? st : FWG_OK;
		}
		struct fwg_node *file;
		enum fwg_status st = fwg_unpack_add_child(u, node, FWG_TYPE_FFS, off, (size_t)size,
			&fwg_handler_ffs, &file);
		if (st != FWG_OK)
			return st == FWG_NOMEM ? st : FWG_OK;
		fwg_node_attr_bool(file, "erase_polarity", erase == 0xff);
		if (h->ext_offset && h->ext_offset >= off && h->ext_offset < off + size)
			fwg_node_attr_bool(file, "holds_fv_ext_header", true);
		size_t next;
		if (!fwg_align_up(off + (size_t)size, 8, &next))
			return FWG_OK;
		if (next > fv_len)
			next = fv_len;
		/* Alignment gap between files must be erased too. */
		size_t gap_end = next, gap = off + (size_t)size;
		if (gap < gap_end && !fwg_cursor_all_equal(c, gap, gap_end - gap, erase))
			FWG_WARN(node, "fv.alignment_gap_data", gap,
				"non-erased bytes in the alignment gap at volume offset 0x%zx", gap);
		off = next;
	}
	return FWG_OK;
}

static enum fwg_status fv_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	struct fwg_cursor c = fwg_node_body(node);
	struct fv_header h;
	if (!looks_like_fv(&c, &h)) {
		FWG_ERR(node, "fv.header", 0, "firmware volume header missing or truncated");
		return FWG_OK;
	}
	fwg_node_set_guid(node, h.fs_guid);
	fwg_node_attr_str(node, "filesystem", fs_name(h.fs_guid));
	char g[FWG_GUID_TEXT_LEN];
	fwg_guid_format(h.fs_guid, g);
	fwg_node_attr_str(node, "filesystem_guid", g);
	fwg_node_attr_hex(node, "fv_length", h.length);
	fwg_node_attr_hex(node, "attributes", h.attributes);
	fwg_node_attr_hex(node, "header_length", h.header_length);
	fwg_node_attr_int(node, "revision", h.revision);
	fwg_node_attr_bool(node, "erase_polarity", (h.attributes & FVB2_ERASE_POLARITY) != 0);

	size_t fv_len = c.size;
	if (h.length < fv_len)
		fv_len = (size_t)h.length;
	if (h.length > c.size)
		FWG_ERR(node, "fv.truncated", FV_OFF_LENGTH,
			"fv_length 0x%llx exceeds the 0x%zx bytes available",
			(unsigned long long)h.length, c.size);
	if (h.header_length > fv_len) {
		FWG_ERR(node, "fv.header_length", FV_OFF_HEADER_LENGTH,
			"header_length 0x%x exceeds the volume", h.header_length);
		return FWG_OK;
	}
	uint16_t sum;
	if (fwg_cursor_sum16(&c, 0, h.header_length, &sum) == FWG_OK && sum != 0)
		FWG_WARN(node, "fv.header_checksum", FV_OFF_CHECKSUM,
			"header checksum 0x%04x is wrong (words sum to 0x%04x)", h.checksum, sum);
	fwg_node_attr_bool(node, "header_checksum_ok", sum == 0);
	parse_block_map(node, &c, &h);
	(void)parse_ext_header(node, &c, &h);

	if (fwg_guid_eq(h.fs_guid, guid_nv)) {
		/* The NV data volume holds variable stores, not files: its body
		 * after the header is parsed by the NVRAM handler. */
		if (fwg_unpack_set_body(node, h.header_length, fv_len - h.header_length) != FWG_OK)
			return FWG_OK;
		return fwg_handler_nvram.parse(u, node);
	}
	if (!fwg_guid_eq(h.fs_guid, guid_ffs2) && !fwg_guid_eq(h.fs_guid, guid_ffs3) &&
			!fwg_guid_eq(h.fs_guid, guid_ffs1)) {
		FWG_INFO(node, "fv.unknown_filesystem", FV_OFF_FS_GUID,
			"unknown file system %s, contents kept opaque", g);
		return FWG_OK;
	}
	return parse_files(u, node, &c, &h, fv_len);
}

const struct fwg_handler fwg_handler_fv = {
	.name = "fv",
	.description = "UEFI PI firmware volume (FFSv2/FFSv3/NV data)",
	.node_type = FWG_TYPE_FV,
	.probe = fv_probe,
	.parse = fv_parse,
};

/* ---- flash area --------------------------------------------------------
 * A raw stretch of flash (a whole image, the BIOS region): volumes are
 * found by their "_FVH" signature at offset 0x28 and validated; the bytes
 * between them become padding, empty (0x00/0xff) or flagged non-empty.
 */

/* At the top of an image: a volume at its start that does not fill it
 * (fv_probe takes those that do).  Volumes further in are found by the
 * carver through the "_FVH" magic, with the volume's length as extent. */
static int flash_area_probe(const struct fwg_cursor *body)
{
	struct fv_header h;
	return looks_like_fv(body, &h) ? 60 : 0;
}

static uint64_t flash_area_extent(const struct fwg_cursor *body)
{
	struct fv_header h;
	return looks_like_fv(body, &h) ? h.length : 0;
}

static const struct fwg_magic flash_area_magics[] = {
	{ "_FVH", 4, 0x28 },
	{ 0 },
};

static enum fwg_status add_padding(struct fwg_unpack *u, struct fwg_node *node,
		const struct fwg_cursor *c, size_t off, size_t end)
{
	if (off >= end)
		return FWG_OK;
	struct fwg_node *pad;
	enum fwg_status st = fwg_unpack_add_child(u, node, FWG_TYPE_PADDING, off, end - off, NULL,
		&pad);
	if (st != FWG_OK)
		return st == FWG_NOMEM ? st : FWG_OK;
	uint8_t first = 0;
	bool empty = fwg_cursor_u8_at(c, off, &first) == FWG_OK && (first == 0xff || first == 0x00) &&
		fwg_cursor_all_equal(c, off, end - off, first);
	if (empty) {
		fwg_node_attr_hex(pad, "fill", first);
		pad->handler = &fwg_handler_leaf;
	} else {
		fwg_node_attr_bool(pad, "non_erased", true);
		FWG_WARN(pad, "flash.padding_data", 0,
			"0x%zx bytes of non-empty data outside any known structure", end - off);
	}
	return FWG_OK;
}

static enum fwg_status flash_area_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	struct fwg_cursor c = fwg_node_body(node);
	size_t pos = 0, scan = FV_OFF_SIGNATURE;
	enum fwg_status st;
	while (scan < c.size) {
		size_t hit = fwg_cursor_find(&c, scan, FV_SIGNATURE, 4);
		if (hit == SIZE_MAX)
			break;
		size_t start = hit - FV_OFF_SIGNATURE;
		struct fwg_cursor win;
		struct fv_header h;
		if (start < pos || fwg_cursor_sub(&c, start, c.size - start, &win) != FWG_OK ||
				!looks_like_fv(&win, &h)) {
			scan = hit + 1;
			continue;
		}
		size_t len = h.length > win.size ? win.size : (size_t)h.length;
		st = add_padding(u, node, &c, pos, start);
		if (st != FWG_OK)
			return st;
		struct fwg_node *fv;
		st = fwg_unpack_add_child(u, node, FWG_TYPE_FV, start, len, &fwg_handler_fv, &fv);
		if (st == FWG_LIMIT)
			return FWG_OK;
		if (st != FWG_OK)
			return st;
		pos = start + len;
		if (pos > SIZE_MAX - FV_OFF_SIGNATURE)
			break;
		scan = pos + FV_OFF_SIGNATURE;
	}
	return add_padding(u, node, &c, pos, c.size);
}

const struct fwg_handler fwg_handler_flash_area = {
	.name = "flash_area",
	.description = "raw flash contents scanned for firmware volumes",
	.node_type = NULL,
	.flags = FWG_HANDLER_PROBE_TOP_ONLY,
	.probe = flash_area_probe,
	.parse = flash_area_parse,
	.magics = flash_area_magics,
	.extent = flash_area_extent,
};
