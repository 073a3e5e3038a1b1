/*
 * section.c - PI file sections (EFI_COMMON_SECTION_HEADER and _HEADER2, PI
 * spec vol. 3, section 3.2.4) and the encapsulations inside them.
 *
 *   common header: Size[3] Type u8; Size 0xffffff means ExtendedSize u32
 *   follows (8-byte header).  Sections are 4-byte aligned in their parent.
 *
 *   COMPRESSION   UncompressedLength u32, CompressionType u8; type 0 holds
 *                 plain sections, type 1 EFI/Tiano-compressed ones (tried
 *                 in that order), type 2 (customized) LZMA
 *   GUID_DEFINED  SectionDefinitionGuid, DataOffset u16, Attributes u16;
 *                 LZMA, LZMA-F86, Brotli, Tiano are decoded, CRC32 is
 *                 verified, signed ones are reported and opened, unknown
 *                 ones are opened unless PROCESSING_REQUIRED
 *   PE32/PIC/TE   the image is a pe32/te child
 *   *_DEPEX       dependency expression, decoded to text
 *   VERSION       BuildNumber u16, UCS-2 string
 *   USER_INTERFACE UCS-2 string: names the enclosing file
 *   FIRMWARE_VOLUME_IMAGE  an fv child
 *   FREEFORM_SUBTYPE_GUID  SubTypeGuid, then data (probed)
 *   RAW           data (probed, e.g. for nested volumes)
 *
 * Decoding sections use a separate, cacheable handler descriptor so the
 * content-addressed cache can serve their subtrees.
 */
#include <stdlib.h>
#include <string.h>

#include "../../codecs/codecs.h"
#include "../../core/handler.h"
#include "../../core/registry.h"
#include "../../core/text.h"
#include "pi.h"
#include "sections.h"
#include "tiano_decompress.h"

static const uint8_t guid_lzma[16] = GUID_LZMA;
static const uint8_t guid_lzma_f86[16] = GUID_LZMA_F86;
static const uint8_t guid_brotli[16] = GUID_BROTLI;
static const uint8_t guid_crc32[16] = GUID_CRC32;
static const uint8_t guid_tiano[16] = GUID_TIANO;
static const uint8_t guid_rsa2048[16] = GUID_RSA2048_SHA256;
static const uint8_t guid_signed[16] = GUID_FIRMWARE_CONTENTS_SIGNED;

#define GUIDED_HEADER_SIZE 24 /* common header + GUID + DataOffset + Attributes */
#define COMPRESSION_HEADER_SIZE 9
#define MAX_UI_BYTES 4096
#define MAX_DEPEX_TEXT 4096


static const char *section_type_name(uint8_t t)
{
	switch (t) {
	case SECTION_COMPRESSION: return "COMPRESSION";
	case SECTION_GUID_DEFINED: return "GUID_DEFINED";
	case SECTION_DISPOSABLE: return "DISPOSABLE";
	case SECTION_PE32: return "PE32";
	case SECTION_PIC: return "PIC";
	case SECTION_TE: return "TE";
	case SECTION_DXE_DEPEX: return "DXE_DEPEX";
	case SECTION_VERSION: return "VERSION";
	case SECTION_USER_INTERFACE: return "USER_INTERFACE";
	case SECTION_COMPATIBILITY16: return "COMPATIBILITY16";
	case SECTION_FIRMWARE_VOLUME_IMAGE: return "FIRMWARE_VOLUME_IMAGE";
	case SECTION_FREEFORM_SUBTYPE_GUID: return "FREEFORM_SUBTYPE_GUID";
	case SECTION_RAW: return "RAW";
	case SECTION_PEI_DEPEX: return "PEI_DEPEX";
	case SECTION_MM_DEPEX: return "MM_DEPEX";
	}
	return NULL;
}

/* Reads the common header: total size and header length. */
static enum fwg_status section_header(const struct fwg_cursor *c, size_t off, uint8_t *type,
		size_t *size, size_t *hdr)
{
	uint32_t size24, ext;
	if (fwg_cursor_u24le_at(c, off, &size24) != FWG_OK ||
			fwg_cursor_u8_at(c, off + 3, type) != FWG_OK)
		return FWG_TRUNCATED;
	if (size24 == SECTION_SIZE_EXTENDED) {
		if (fwg_cursor_u32le_at(c, off + 4, &ext) != FWG_OK)
			return FWG_TRUNCATED;
		*size = ext;
		*hdr = SECTION_HEADER2_SIZE;
	} else {
		*size = size24;
		*hdr = SECTION_HEADER_SIZE;
	}
	return *size >= *hdr ? FWG_OK : FWG_MALFORMED;
}

/* Whether a section's body must be decoded (expensive, cacheable). */
static bool needs_decoding(const struct fwg_cursor *c, size_t off, uint8_t type, size_t hdr)
{
	if (type == SECTION_COMPRESSION) {
		uint8_t ctype;
		return fwg_cursor_u8_at(c, off + hdr + 4, &ctype) == FWG_OK && ctype != COMPRESSION_NONE;
	}
	if (type == SECTION_GUID_DEFINED) {
		uint8_t g[16];
		if (fwg_cursor_copy_at(c, off + hdr, g, 16) != FWG_OK)
			return false;
		return fwg_guid_eq(g, guid_lzma) || fwg_guid_eq(g, guid_lzma_f86) ||
			fwg_guid_eq(g, guid_brotli) || fwg_guid_eq(g, guid_tiano);
	}
	return false;
}

enum fwg_status fwg_uefi_split_sections(struct fwg_unpack *u, struct fwg_node *parent,
		size_t off, size_t len)
{
	struct fwg_cursor c = fwg_node_body(parent);
	if (!fwg_cursor_has(&c, off, len))
		return FWG_OK;
	size_t end = off + len, pos = off;
	while (pos < end) {
		size_t left = end - pos;
		if (left < SECTION_HEADER_SIZE) {
			if (!fwg_cursor_all_equal(&c, pos, left, 0x00) &&
					!fwg_cursor_all_equal(&c, pos, left, 0xff))
				FWG_WARN(parent, "section.trailing_data", pos,
					"0x%zx stray bytes after the last section at 0x%zx", left, pos);
			break;
		}
		uint8_t type;
		size_t size, hdr;
		enum fwg_status st = section_header(&c, pos, &type, &size, &hdr);
		if (st != FWG_OK || size > left) {
			/* Erased tails after the last section are common. */
			if (fwg_cursor_all_equal(&c, pos, left, 0xff) ||
					fwg_cursor_all_equal(&c, pos, left, 0x00))
				break;
			FWG_ERR(parent, "section.size", pos,
				"section at 0x%zx has invalid size 0x%zx (0x%zx bytes left)",
				pos, st == FWG_OK ? size : 0, left);
			struct fwg_node *rest;
			st = fwg_unpack_add_child(u, parent, FWG_TYPE_RAW, pos, left,
				&fwg_handler_leaf, &rest);
			return st == FWG_NOMEM ? st : FWG_OK;
		}
		const struct fwg_handler *h = needs_decoding(&c, pos, type, hdr)
			? &fwg_handler_section_decode : &fwg_handler_section;
		struct fwg_node *child;
		st = fwg_unpack_add_child(u, parent, FWG_TYPE_SECTION, pos, size, h, &child);
		if (st != FWG_OK)
			return st == FWG_NOMEM ? st : FWG_OK;
		size_t next;
		if (!fwg_align_up(pos + size, 4, &next))
			break;
		pos = next;
	}
	return FWG_OK;
}

/* ---- dependency expressions (PI vol. 2, "Dependency Expression") ------ */

static const char *const depex_ops[] = {
	"BEFORE", "AFTER", "PUSH", "AND", "OR", "NOT", "TRUE", "FALSE", "END", "SOR",
};

static void decode_depex(struct fwg_node *node, const struct fwg_cursor *c)
{
	char *text = malloc(MAX_DEPEX_TEXT);
	if (!text) {
		node->alloc_failed = true;
		return;
	}
	size_t o = 0, pos = 0;
	bool ended = false, bad = false;
	text[0] = '\0';
	uint8_t op;
	while (!ended && !bad && fwg_cursor_u8_at(c, pos, &op) == FWG_OK) {
		pos++;
		if (op > 0x09) {
			FWG_WARN(node, "depex.opcode", pos - 1, "unknown depex opcode 0x%02x", op);
			bad = true;
			break;
		}
		int n = snprintf(text + o, MAX_DEPEX_TEXT - o, "%s%s", o ? " " : "", depex_ops[op]);
		if (n < 0 || (size_t)n >= MAX_DEPEX_TEXT - o)
			break;
		o += (size_t)n;
		if (op <= 0x02) {
			uint8_t g[16];
			if (fwg_cursor_copy_at(c, pos, g, 16) != FWG_OK) {
				FWG_WARN(node, "depex.truncated", pos, "depex GUID operand truncated");
				bad = true;
				break;
			}
			pos += 16;
			char gt[FWG_GUID_TEXT_LEN];
			fwg_guid_format(g, gt);
			const char *name = fwg_guid_name(g);
			n = snprintf(text + o, MAX_DEPEX_TEXT - o, " %s", name ? name : gt);
			if (n < 0 || (size_t)n >= MAX_DEPEX_TEXT - o)
				break;
			o += (size_t)n;
		}
		if (op == 0x08)
			ended = true;
	}
	if (!ended && !bad)
		FWG_WARN(node, "depex.unterminated", pos, "dependency expression has no END opcode");
	fwg_node_attr_str(node, "depex", text);
	free(text);
}

/* ---- decoders --------------------------------------------------------- */

/* Decodes [off, end) of the section with the chosen algorithm into the
 * node's body, then splits the body into sections. */
enum decoder { DEC_LZMA, DEC_LZMA_F86, DEC_BROTLI, DEC_EFI_OR_TIANO, DEC_TIANO };

static const char *decoder_name(enum decoder d)
{
	switch (d) {
	case DEC_LZMA: return "lzma";
	case DEC_LZMA_F86: return "lzma_f86";
	case DEC_BROTLI: return "brotli";
	case DEC_EFI_OR_TIANO: return "efi";
	case DEC_TIANO: return "tiano";
	}
	return "?";
}

static enum fwg_status decode_body(struct fwg_unpack *u, struct fwg_node *node,
		const struct fwg_cursor *c, size_t off, enum decoder dec)
{
	const uint8_t *src;
	size_t src_len = c->size - off;
	if (fwg_cursor_bytes_at(c, off, src_len, &src) != FWG_OK)
		return FWG_OK;
	uint64_t declared = 0;
	enum fwg_status st;
	if (dec == DEC_LZMA || dec == DEC_LZMA_F86) {
		st = fwg_lzma_alone_size(src, src_len, &declared);
	} else if (dec == DEC_BROTLI) {
		st = fwg_brotli_efi_size(src, src_len, &declared);
	} else {
		uint32_t csize, osize;
		const char *why = NULL;
		st = fwg_tiano_get_info(src, src_len, &csize, &osize, &why) == 0 ? FWG_OK
			: FWG_MALFORMED;
		declared = osize;
	}
	fwg_node_attr_str(node, "compression", decoder_name(dec));
	if (st != FWG_OK || declared > SIZE_MAX) {
		FWG_ERR(node, "section.decode_header", off, "%s header at 0x%zx is invalid",
			decoder_name(dec), off);
		return FWG_OK;
	}
	fwg_node_attr_hex(node, "decoded_size", declared);
	uint8_t *buf;
	st = fwg_unpack_reserve_decoded(u, node, src_len, (size_t)declared, &buf);
	if (st == FWG_LIMIT)
		return FWG_OK;
	if (st != FWG_OK)
		return st;
	const char *why = "decoder failed";
	switch (dec) {
	case DEC_LZMA:
	case DEC_LZMA_F86:
		st = fwg_lzma_alone_decode(src, src_len, dec == DEC_LZMA_F86, buf,
			(size_t)declared, &why);
		break;
	case DEC_BROTLI:
		st = fwg_brotli_efi_decode(src, src_len, buf, (size_t)declared, &why);
		break;
	case DEC_EFI_OR_TIANO:
		/* Type 1 is "EFI standard" but vendors ship Tiano streams under
		 * it: try EFI 1.1 first, then Tiano. */
		st = fwg_tiano_decompress(src, src_len, buf, (size_t)declared,
			FWG_TIANO_EFI11, &why) == 0 ? FWG_OK : FWG_MALFORMED;
		if (st != FWG_OK) {
			st = fwg_tiano_decompress(src, src_len, buf, (size_t)declared,
				FWG_TIANO_TIANO, &why) == 0 ? FWG_OK : FWG_MALFORMED;
			if (st == FWG_OK)
				fwg_node_attr_str(node, "compression", "tiano");
		}
		break;
	case DEC_TIANO:
		st = fwg_tiano_decompress(src, src_len, buf, (size_t)declared, FWG_TIANO_TIANO,
			&why) == 0 ? FWG_OK : FWG_MALFORMED;
		break;
	}
	if (st == FWG_NOMEM)
		return st;
	if (st != FWG_OK) {
		FWG_ERR(node, "section.decode", off, "%s data at 0x%zx: %s", decoder_name(dec),
			off, why);
		free(node->owned);
		node->owned = NULL;
		return FWG_OK;
	}
	fwg_unpack_commit_decoded(node, (size_t)declared);
	return fwg_uefi_split_sections(u, node, 0, node->body_size);
}

/* ---- per-type parsing ------------------------------------------------- */

static enum fwg_status parse_compression(struct fwg_unpack *u, struct fwg_node *node,
		const struct fwg_cursor *c, size_t hdr)
{
	uint32_t ulen;
	uint8_t ctype;
	if (fwg_cursor_u32le_at(c, hdr, &ulen) != FWG_OK ||
			fwg_cursor_u8_at(c, hdr + 4, &ctype) != FWG_OK) {
		FWG_ERR(node, "section.header", hdr, "compression header truncated");
		return FWG_OK;
	}
	size_t data = hdr + 5;
	fwg_node_attr_hex(node, "uncompressed_length", ulen);
	fwg_node_attr_hex(node, "compression_type", ctype);
	if (ctype == COMPRESSION_NONE) {
		if (fwg_unpack_set_body(node, data, c->size - data) != FWG_OK)
			return FWG_OK;
		return fwg_uefi_split_sections(u, node, 0, node->body_size);
	}
	if (ctype == COMPRESSION_STANDARD)
		return decode_body(u, node, c, data, DEC_EFI_OR_TIANO);
	if (ctype == 0x02)
		return decode_body(u, node, c, data, DEC_LZMA);
	FWG_WARN(node, "section.compression_type", hdr + 4, "unknown compression type 0x%02x",
		ctype);
	return FWG_OK;
}

static enum fwg_status parse_guided(struct fwg_unpack *u, struct fwg_node *node,
		const struct fwg_cursor *c, size_t hdr)
{
	uint8_t g[16];
	uint16_t data_off, attrs;
	if (fwg_cursor_copy_at(c, hdr, g, 16) != FWG_OK ||
			fwg_cursor_u16le_at(c, hdr + 16, &data_off) != FWG_OK ||
			fwg_cursor_u16le_at(c, hdr + 18, &attrs) != FWG_OK) {
		FWG_ERR(node, "section.header", hdr, "guid-defined header truncated");
		return FWG_OK;
	}
	fwg_node_set_guid(node, g);
	fwg_node_attr_hex(node, "data_offset", data_off);
	fwg_node_attr_hex(node, "guided_attributes", attrs);
	if (data_off < hdr + 20 || data_off > c->size) {
		FWG_ERR(node, "section.data_offset", hdr + 16,
			"data_offset 0x%x outside the section (size 0x%zx)", data_off, c->size);
		return FWG_OK;
	}
	if (fwg_guid_eq(g, guid_lzma))
		return decode_body(u, node, c, data_off, DEC_LZMA);
	if (fwg_guid_eq(g, guid_lzma_f86))
		return decode_body(u, node, c, data_off, DEC_LZMA_F86);
	if (fwg_guid_eq(g, guid_brotli))
		return decode_body(u, node, c, data_off, DEC_BROTLI);
	if (fwg_guid_eq(g, guid_tiano))
		return decode_body(u, node, c, data_off, DEC_TIANO);
	if (fwg_guid_eq(g, guid_crc32)) {
		uint32_t stored;
		const uint8_t *data;
		if (fwg_cursor_u32le_at(c, hdr + 20, &stored) == FWG_OK &&
				fwg_cursor_bytes_at(c, data_off, c->size - data_off, &data) == FWG_OK) {
			uint32_t crc = fwg_crc32(data, c->size - data_off);
			fwg_node_attr_bool(node, "crc32_ok", crc == stored);
			if (crc != stored)
				FWG_WARN(node, "section.crc32", hdr + 20,
					"crc32 0x%08x does not match the data (0x%08x)", stored, crc);
		}
	} else if (fwg_guid_eq(g, guid_rsa2048) || fwg_guid_eq(g, guid_signed)) {
		fwg_node_attr_bool(node, "signed", true);
		fwg_node_attr_str(node, "signature_scheme",
			fwg_guid_eq(g, guid_rsa2048) ? "rsa2048_sha256" : "firmware_contents_signed");
	} else if (attrs & GUIDED_PROCESSING_REQUIRED) {
		char gt[FWG_GUID_TEXT_LEN];
		fwg_guid_format(g, gt);
		FWG_INFO(node, "section.unknown_guided", hdr,
			"guid-defined section %s needs processing fwguard does not know; kept opaque",
			gt);
		return FWG_OK;
	}
	if (fwg_unpack_set_body(node, data_off, c->size - data_off) != FWG_OK)
		return FWG_OK;
	return fwg_uefi_split_sections(u, node, 0, node->body_size);
}

static void parse_version(struct fwg_node *node, const struct fwg_cursor *c, size_t hdr)
{
	uint16_t build;
	if (fwg_cursor_u16le_at(c, hdr, &build) != FWG_OK) {
		FWG_WARN(node, "section.version", hdr, "version section truncated");
		return;
	}
	fwg_node_attr_int(node, "build_number", build);
	char *s;
	size_t used;
	bool term;
	if (fwg_text_ucs2(c, hdr + 2, MAX_UI_BYTES, &s, &used, &term) != FWG_OK) {
		node->alloc_failed = true;
		return;
	}
	fwg_node_attr_str(node, "version", s);
	free(s);
}

static void parse_ui(struct fwg_node *node, const struct fwg_cursor *c, size_t hdr)
{
	char *s;
	size_t used;
	bool term;
	if (fwg_text_ucs2(c, hdr, MAX_UI_BYTES, &s, &used, &term) != FWG_OK) {
		node->alloc_failed = true;
		return;
	}
	if (!term)
		FWG_WARN(node, "section.ui_unterminated", hdr, "user-interface string is not terminated");
	fwg_node_attr_str(node, "ui_name", s);
	free(s);
}

static enum fwg_status add_payload(struct fwg_unpack *u, struct fwg_node *node, size_t off,
		const char *type, const struct fwg_handler *h)
{
	struct fwg_node *child;
	if (off >= node->body_size)
		return FWG_OK;
	enum fwg_status st = fwg_unpack_add_child(u, node, type, off, node->body_size - off, h,
		&child);
	return st == FWG_NOMEM ? st : FWG_OK;
}

static enum fwg_status probe_payload(struct fwg_unpack *u, struct fwg_node *node, size_t off)
{
	struct fwg_node *child;
	if (off >= node->body_size)
		return FWG_OK;
	enum fwg_status st = fwg_unpack_probe_child(u, node, off, node->body_size - off, &child);
	return st == FWG_NOMEM ? st : FWG_OK;
}

static enum fwg_status section_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	struct fwg_cursor c = fwg_node_body(node);
	uint8_t type;
	size_t size, hdr;
	if (section_header(&c, 0, &type, &size, &hdr) != FWG_OK || size != c.size) {
		FWG_ERR(node, "section.header", 0, "section header invalid");
		return FWG_OK;
	}
	const char *tname = section_type_name(type);
	fwg_node_set_name(node, tname ? tname : "UNKNOWN");
	fwg_node_attr_hex(node, "section_type", type);
	struct fwg_cursor body;
	switch (type) {
	case SECTION_COMPRESSION:
		return parse_compression(u, node, &c, hdr);
	case SECTION_GUID_DEFINED:
		return parse_guided(u, node, &c, hdr);
	case SECTION_DISPOSABLE:
	case SECTION_COMPATIBILITY16:
		return FWG_OK;
	case SECTION_PE32:
	case SECTION_PIC:
		return add_payload(u, node, hdr, FWG_TYPE_PE32, &fwg_handler_pe);
	case SECTION_TE:
		return add_payload(u, node, hdr, FWG_TYPE_TE, &fwg_handler_te);
	case SECTION_DXE_DEPEX:
	case SECTION_PEI_DEPEX:
	case SECTION_MM_DEPEX:
		if (fwg_cursor_sub(&c, hdr, c.size - hdr, &body) == FWG_OK)
			decode_depex(node, &body);
		return FWG_OK;
	case SECTION_VERSION:
		parse_version(node, &c, hdr);
		return FWG_OK;
	case SECTION_USER_INTERFACE:
		parse_ui(node, &c, hdr);
		return FWG_OK;
	case SECTION_FIRMWARE_VOLUME_IMAGE:
		return add_payload(u, node, hdr, FWG_TYPE_FV, &fwg_handler_fv);
	case SECTION_FREEFORM_SUBTYPE_GUID: {
		uint8_t g[16];
		if (fwg_cursor_copy_at(&c, hdr, g, 16) != FWG_OK) {
			FWG_ERR(node, "section.header", hdr, "freeform subtype GUID truncated");
			return FWG_OK;
		}
		fwg_node_set_guid(node, g);
		return probe_payload(u, node, hdr + 16);
	}
	case SECTION_RAW:
		return probe_payload(u, node, hdr);
	default:
		FWG_WARN(node, "section.unknown_type", 3, "unknown section type 0x%02x", type);
		return FWG_OK;
	}
}

const struct fwg_handler fwg_handler_section = {
	.name = "section",
	.description = "UEFI PI file section",
	.node_type = FWG_TYPE_SECTION,
	.parse = section_parse,
};

const struct fwg_handler fwg_handler_section_decode = {
	.name = "section_decode",
	.description = "UEFI PI compressed or GUID-encoded section",
	.node_type = FWG_TYPE_SECTION,
	.flags = FWG_HANDLER_CACHEABLE,
	.parse = section_parse,
};
