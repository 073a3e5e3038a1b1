/*
 * ffs.c - PI firmware file system files (EFI_FFS_FILE_HEADER and
 * EFI_FFS_FILE_HEADER2, PI spec vol. 3, section 3.2.3).
 *
 * Header layout:
 *   0x00 Name GUID   0x10 HeaderChecksum u8   0x11 FileChecksum u8
 *   0x12 Type u8     0x13 Attributes u8       0x14 Size[3]   0x17 State u8
 *   0x18 ExtendedSize u64 (only with FFS_ATTRIB_LARGE_FILE, FFSv3)
 * The header bytes sum to zero with State and FileChecksum taken as zero.
 * With FFS_ATTRIB_CHECKSUM the data bytes plus FileChecksum sum to zero;
 * otherwise FileChecksum is 0xAA.  State bits are inverted on volumes with
 * erase polarity 1; the highest set bit is the file's state.
 *
 * Files of every type except RAW and PAD hold sections.  RAW files are
 * probed (they may hold a volume); pad files must be erased, except the one
 * EDK2 uses to carry the volume's extended header.
 */
#include <stdio.h>

#include "../../core/handler.h"
#include "../../core/registry.h"
#include "pi.h"
#include "sections.h"

static const char *file_type_name(uint8_t t)
{
	switch (t) {
	case FV_FILETYPE_RAW: return "RAW";
	case FV_FILETYPE_FREEFORM: return "FREEFORM";
	case FV_FILETYPE_SECURITY_CORE: return "SECURITY_CORE";
	case FV_FILETYPE_PEI_CORE: return "PEI_CORE";
	case FV_FILETYPE_DXE_CORE: return "DXE_CORE";
	case FV_FILETYPE_PEIM: return "PEIM";
	case FV_FILETYPE_DRIVER: return "DRIVER";
	case FV_FILETYPE_COMBINED_PEIM_DRIVER: return "COMBINED_PEIM_DRIVER";
	case FV_FILETYPE_APPLICATION: return "APPLICATION";
	case FV_FILETYPE_MM: return "MM";
	case FV_FILETYPE_FIRMWARE_VOLUME_IMAGE: return "FIRMWARE_VOLUME_IMAGE";
	case FV_FILETYPE_COMBINED_MM_DXE: return "COMBINED_MM_DXE";
	case FV_FILETYPE_MM_CORE: return "MM_CORE";
	case FV_FILETYPE_MM_STANDALONE: return "MM_STANDALONE";
	case FV_FILETYPE_MM_CORE_STANDALONE: return "MM_CORE_STANDALONE";
	case FV_FILETYPE_FFS_PAD: return "PAD";
	}
	if (t >= 0xc0 && t <= 0xdf)
		return "OEM";
	if (t >= 0xe0 && t <= 0xef)
		return "DEBUG";
	if (t >= 0xf1)
		return "FFS";
	return "UNKNOWN";
}

static const char *state_name(uint8_t state)
{
	if (state & FFS_STATE_HEADER_INVALID)
		return "header_invalid";
	if (state & FFS_STATE_DELETED)
		return "deleted";
	if (state & FFS_STATE_MARKED_FOR_UPDATE)
		return "marked_for_update";
	if (state & FFS_STATE_DATA_VALID)
		return "data_valid";
	if (state & FFS_STATE_HEADER_VALID)
		return "header_valid";
	if (state & FFS_STATE_HEADER_CONSTRUCTION)
		return "header_construction";
	return "none";
}

static enum fwg_status ffs_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	struct fwg_cursor c = fwg_node_body(node);
	uint8_t guid[16], hsum, fsum, type, attrs, state;
	if (fwg_cursor_copy_at(&c, 0, guid, 16) != FWG_OK ||
			fwg_cursor_u8_at(&c, FFS_OFF_HEADER_CHECKSUM, &hsum) != FWG_OK ||
			fwg_cursor_u8_at(&c, FFS_OFF_FILE_CHECKSUM, &fsum) != FWG_OK ||
			fwg_cursor_u8_at(&c, FFS_OFF_TYPE, &type) != FWG_OK ||
			fwg_cursor_u8_at(&c, FFS_OFF_ATTRIBUTES, &attrs) != FWG_OK ||
			fwg_cursor_u8_at(&c, FFS_OFF_STATE, &state) != FWG_OK) {
		FWG_ERR(node, "ffs.header", 0, "file header truncated");
		return FWG_OK;
	}
	fwg_node_set_guid(node, guid);
	const struct fwg_attr *pol = fwg_node_attr_find(node, "erase_polarity");
	bool inverted = pol && pol->num;
	uint8_t st_bits = inverted ? (uint8_t)~state : state;
	uint32_t size24 = 0;
	size_t hdr = (attrs & FFS_ATTRIB_LARGE_FILE) && c.size >= FFS_HEADER2_SIZE &&
		fwg_cursor_u24le_at(&c, FFS_OFF_SIZE, &size24) == FWG_OK && size24 == 0
		? FFS_HEADER2_SIZE : FFS_HEADER_SIZE;
	if (hdr > c.size) {
		FWG_ERR(node, "ffs.header", 0, "file header truncated");
		return FWG_OK;
	}
	fwg_node_attr_str(node, "file_type", file_type_name(type));
	fwg_node_attr_hex(node, "file_type_code", type);
	fwg_node_attr_hex(node, "attributes", attrs);
	fwg_node_attr_str(node, "state", state_name(st_bits));
	if (hdr == FFS_HEADER2_SIZE)
		fwg_node_attr_bool(node, "large_file", true);
	if (st_bits & (FFS_STATE_DELETED | FFS_STATE_HEADER_INVALID))
		FWG_WARN(node, "ffs.state", FFS_OFF_STATE, "file state is %s (state byte 0x%02x)",
			state_name(st_bits), state);

	uint8_t sum;
	if (fwg_cursor_sum8(&c, 0, hdr, &sum) == FWG_OK) {
		sum = (uint8_t)(sum - state - fsum);
		fwg_node_attr_bool(node, "header_checksum_ok", sum == 0);
		if (sum != 0)
			FWG_WARN(node, "ffs.header_checksum", FFS_OFF_HEADER_CHECKSUM,
				"header checksum 0x%02x is wrong (sum 0x%02x)", hsum, sum);
	}
	size_t data_len = c.size - hdr;
	if (attrs & FFS_ATTRIB_CHECKSUM) {
		if (fwg_cursor_sum8(&c, hdr, data_len, &sum) == FWG_OK) {
			bool ok = (uint8_t)(sum + fsum) == 0;
			fwg_node_attr_bool(node, "data_checksum_ok", ok);
			if (!ok)
				FWG_WARN(node, "ffs.data_checksum", FFS_OFF_FILE_CHECKSUM,
					"data checksum 0x%02x is wrong (expected 0x%02x)", fsum,
					(uint8_t)(0x100 - sum));
		}
	} else if (fsum != FFS_FIXED_CHECKSUM) {
		FWG_WARN(node, "ffs.data_checksum", FFS_OFF_FILE_CHECKSUM,
			"file checksum is 0x%02x but must be 0xaa without FFS_ATTRIB_CHECKSUM", fsum);
	}
	if (fwg_unpack_set_body(node, hdr, data_len) != FWG_OK)
		return FWG_OK;
	c = fwg_node_body(node);

	if (type == FV_FILETYPE_FFS_PAD) {
		const struct fwg_attr *ext = fwg_node_attr_find(node, "holds_fv_ext_header");
		uint8_t erase = inverted ? 0xff : 0x00;
		if (!ext && !fwg_cursor_all_equal(&c, 0, c.size, erase)) {
			size_t first = fwg_cursor_first_not(&c, 0, c.size, erase);
			FWG_WARN(node, "ffs.pad_data", hdr + first,
				"pad file carries non-erased data from file offset 0x%zx", hdr + first);
		}
		return FWG_OK;
	}
	if (type == FV_FILETYPE_RAW) {
		struct fwg_node *child;
		enum fwg_status st = fwg_unpack_probe_child(u, node, 0, c.size, &child);
		return st == FWG_NOMEM ? st : FWG_OK;
	}
	return fwg_uefi_split_sections(u, node, 0, c.size);
}

const struct fwg_handler fwg_handler_ffs = {
	.name = "ffs",
	.description = "UEFI PI firmware file (FFS)",
	.node_type = FWG_TYPE_FFS,
	.parse = ffs_parse,
};
