/*
 * lzma.c - EDK2 LZMA and LZMA-F86 payloads through liblzma.
 *
 * The EDK2 LzmaCompress tool writes the classic .lzma header: properties
 * byte (lc/lp/pb), u32 dictionary size, u64 uncompressed size; the stream
 * has no end marker.  liblzma's LZMA_FILTER_LZMA1EXT takes the known size
 * so the raw decoder stops exactly there and writes straight into the
 * destination.  LZMA-F86 adds the x86 BCJ filter in front of it in the
 * same raw chain, so the data is still decoded in one pass.
 */
#include <string.h>

#include <lzma.h>

#include "codecs.h"
#include "../core/cursor.h"

enum fwg_status fwg_lzma_alone_size(const uint8_t *src, size_t src_len, uint64_t *size)
{
	struct fwg_cursor c = fwg_cursor_make(src, src_len);
	uint8_t props;
	if (fwg_cursor_u8_at(&c, 0, &props) != FWG_OK ||
			fwg_cursor_u64le_at(&c, 5, size) != FWG_OK)
		return FWG_TRUNCATED;
	/* lc + lp <= 4 for LZMA1EXT; pb <= 4; the byte encodes (pb*5+lp)*9+lc. */
	if (props >= 9 * 5 * 5)
		return FWG_MALFORMED;
	return FWG_OK;
}

enum fwg_status fwg_lzma_alone_decode(const uint8_t *src, size_t src_len, bool x86,
		uint8_t *dst, size_t dst_size, const char **why)
{
	uint64_t size;
	enum fwg_status st = fwg_lzma_alone_size(src, src_len, &size);
	if (st != FWG_OK) {
		*why = "lzma header truncated or invalid properties";
		return st;
	}
	if (size != dst_size) {
		*why = "lzma declared size differs from the buffer";
		return FWG_MALFORMED;
	}
	lzma_options_lzma opt;
	memset(&opt, 0, sizeof(opt));
	if (lzma_lzma_preset(&opt, 0)) {
		*why = "liblzma preset failed";
		return FWG_NOMEM;
	}
	unsigned props = src[0];
	opt.lc = props % 9;
	props /= 9;
	opt.lp = props % 5;
	opt.pb = props / 5;
	if (opt.lc + opt.lp > LZMA_LCLP_MAX) {
		/* LZMA1 allows lc+lp up to 12, LZMA1EXT caps at 4; no EDK2
		 * encoder produces such streams. */
		*why = "lzma lc+lp above 4 not supported";
		return FWG_UNSUPPORTED;
	}
	uint32_t dict = (uint32_t)src[1] | (uint32_t)src[2] << 8 | (uint32_t)src[3] << 16 |
		(uint32_t)src[4] << 24;
	/* A match never reaches further back than the bytes already written,
	 * so a dictionary larger than the output is never used; clamping it
	 * keeps a hostile header from making liblzma allocate gigabytes. */
	if (dict > dst_size)
		dict = dst_size > UINT32_MAX ? UINT32_MAX : (uint32_t)dst_size;
	opt.dict_size = dict < LZMA_DICT_SIZE_MIN ? LZMA_DICT_SIZE_MIN : dict;
	opt.preset_dict = NULL;
	/* EDK2 streams stop at the declared size; encoders that also write an
	 * end-of-payload marker (liblzma's raw LZMA1 does) are accepted. */
	opt.ext_flags = LZMA_LZMA1EXT_ALLOW_EOPM;
	opt.ext_size_low = (uint32_t)size;
	opt.ext_size_high = (uint32_t)(size >> 32);

	lzma_filter filters[3];
	size_t nf = 0;
	if (x86)
		filters[nf++] = (lzma_filter){ .id = LZMA_FILTER_X86, .options = NULL };
	filters[nf++] = (lzma_filter){ .id = LZMA_FILTER_LZMA1EXT, .options = &opt };
	filters[nf] = (lzma_filter){ .id = LZMA_VLI_UNKNOWN, .options = NULL };

	size_t in_pos = FWG_LZMA_HEADER_SIZE, out_pos = 0;
	lzma_ret r = lzma_raw_buffer_decode(filters, NULL, src, &in_pos, src_len, dst, &out_pos,
		dst_size);
	if (r == LZMA_OK || r == LZMA_STREAM_END) {
		if (out_pos == dst_size)
			return FWG_OK;
		*why = "lzma stream ended before the declared size";
		return FWG_TRUNCATED;
	}
	switch (r) {
	case LZMA_MEM_ERROR:
		*why = "liblzma out of memory";
		return FWG_NOMEM;
	case LZMA_BUF_ERROR:
		*why = "lzma stream truncated";
		return FWG_TRUNCATED;
	case LZMA_OPTIONS_ERROR:
		*why = "lzma options not supported";
		return FWG_UNSUPPORTED;
	default:
		*why = "lzma data corrupt";
		return FWG_MALFORMED;
	}
}
