/*
 * jffs2_decompress.c - the JFFS2 data-node compressors: none/copy, zero,
 * rtime (written here), zlib (zlib), lzo (liblzo2) and lzma (liblzma).
 *
 * Every decoder produces exactly the first dst_len bytes of a node's dsize
 * decoded bytes and never writes past dst_len, so a node that claims a
 * huge dsize costs only what the caller asked for.  Facts used:
 *  - zlib (fs/jffs2/compr_zlib.c): a stream that starts with a zlib header
 *    without a preset dictionary is inflated raw after the two header
 *    bytes (the adler32 trailer is not needed: data_crc covers the node);
 *    anything else is inflated as a zlib stream.
 *  - rtime (fs/jffs2/compr_rtime.c): pairs (byte, repeat); the byte is
 *    output, then `repeat` bytes are copied from where that byte value was
 *    last output (one past its previous position, 0 at first).
 *  - lzo: LZO1X, decoded with lzo1x_decompress_safe; the decoded length
 *    must be exactly dsize.
 *  - lzma (OpenWrt's compr_lzma.c): a raw LZMA1 stream with lc=0 lp=0
 *    pb=0 and an 8 KiB dictionary, written with an end marker (streams
 *    without one, stopping at dsize, are accepted too).
 * rubin (RUBINMIPS, DYNRUBIN) is not supported: mkfs.jffs2 and the kernel
 * have it disabled by default.
 */
#include <stdlib.h>
#include <string.h>

#include <lzma.h>
#include <lzo/lzo1x.h>
#include <zlib.h>

#include "jffs2_format.h"

#define RTIME_ALPHABET 256
#define LZMA_JFFS2_DICT_MIN 0x2000u
#define LZMA_JFFS2_DICT_MAX (1u << 20)
/* An LZO1X stream cannot expand by much more than 255:1 (long lengths
 * cost one zero byte per 255); claims beyond this are refused before any
 * buffer is sized from them. */
#define LZO_MAX_RATIO 256u
#define LZO_RATIO_SLACK 4096u
/* LZO cannot stop half-way, so a node of which only a part is needed is
 * decoded whole into a temporary buffer; genuine nodes hold a page. */
#define LZO_MAX_PARTIAL (1u << 20)

const char *jffs2_compr_name(unsigned compr)
{
	static const char *const names[JFFS2_COMPR_COUNT] = {
		"none", "zero", "rtime", "rubinmips", "copy", "dynrubin", "zlib", "lzo", "lzma",
	};
	return compr < JFFS2_COMPR_COUNT ? names[compr] : "unknown";
}

static enum fwg_status decode_zlib(const uint8_t *src, size_t csize, uint8_t *dst, size_t dst_len,
		const char **why)
{
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	int wbits = MAX_WBITS;
	const uint8_t *in = src;
	size_t in_len = csize;
	if (csize > 2 && (src[0] & 0x0f) == Z_DEFLATED && (src[0] >> 4) <= 7 &&
			((unsigned)src[0] << 8 | src[1]) % 31 == 0 && (src[1] & 0x20) == 0) {
		wbits = -MAX_WBITS;
		in += 2;
		in_len -= 2;
	}
	if (inflateInit2(&zs, wbits) != Z_OK) {
		*why = "zlib initialisation failed";
		return FWG_NOMEM;
	}
	/* csize and dsize are 32-bit node fields, so they fit uInt. */
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)in_len;
	zs.next_out = dst;
	zs.avail_out = (uInt)dst_len;
	int r = inflate(&zs, Z_FINISH);
	size_t produced = dst_len - zs.avail_out;
	inflateEnd(&zs);
	if (produced == dst_len)
		return FWG_OK;
	*why = r == Z_STREAM_END ? "zlib stream shorter than dsize" : "zlib data error";
	return FWG_MALFORMED;
}

static enum fwg_status decode_rtime(const uint8_t *src, size_t csize, uint8_t *dst, size_t dst_len,
		const char **why)
{
	size_t last[RTIME_ALPHABET] = { 0 };
	size_t in = 0, out = 0;
	while (out < dst_len) {
		if (csize - in < 2) {
			*why = "rtime stream shorter than dsize";
			return FWG_MALFORMED;
		}
		uint8_t value = src[in++];
		size_t repeat = src[in++];
		dst[out++] = value;
		size_t back = last[value];
		last[value] = out;
		/* back < out always: it is a previous value of out.  The copy
		 * may overlap what it writes, byte by byte like the kernel. */
		if (repeat > dst_len - out)
			repeat = dst_len - out;
		for (size_t k = 0; k < repeat; k++)
			dst[out++] = dst[back++];
	}
	return FWG_OK;
}

static enum fwg_status decode_lzo(const uint8_t *src, size_t csize, size_t dsize, uint8_t *dst,
		size_t dst_len, const char **why)
{
	uint64_t max_out = (uint64_t)csize * LZO_MAX_RATIO + LZO_RATIO_SLACK;
	if (dsize > max_out) {
		*why = "lzo dsize beyond what csize can encode";
		return FWG_MALFORMED;
	}
	if (lzo_init() != LZO_E_OK) {
		*why = "lzo initialisation failed";
		return FWG_UNSUPPORTED;
	}
	/* LZO stops before an operation that does not fit, so a prefix
	 * needs the whole node decoded (bounded by the ratio check). */
	uint8_t *buf = dst;
	if (dst_len < dsize) {
		if (dsize > LZO_MAX_PARTIAL) {
			*why = "lzo node too large to decode in part";
			return FWG_MALFORMED;
		}
		buf = malloc(dsize);
		if (!buf) {
			*why = "out of memory";
			return FWG_NOMEM;
		}
	}
	lzo_uint out_len = dsize;
	int r = lzo1x_decompress_safe(src, csize, buf, &out_len, NULL);
	enum fwg_status st = FWG_OK;
	if (r != LZO_E_OK || out_len != dsize) {
		*why = r == LZO_E_OK ? "lzo output shorter than dsize" : "lzo data error";
		st = FWG_MALFORMED;
	} else if (buf != dst) {
		memcpy(dst, buf, dst_len);
	}
	if (buf != dst)
		free(buf);
	return st;
}

static enum fwg_status decode_lzma(const uint8_t *src, size_t csize, size_t dsize, uint8_t *dst,
		size_t dst_len, const char **why)
{
	lzma_options_lzma opt;
	memset(&opt, 0, sizeof(opt));
	if (lzma_lzma_preset(&opt, 0)) {
		*why = "liblzma preset failed";
		return FWG_NOMEM;
	}
	opt.lc = 0;
	opt.lp = 0;
	opt.pb = 0;
	/* The encoder's window is 8 KiB; the kernel decodes into the page,
	 * so references up to a page-sized node are honoured too, and a node
	 * claiming more does not size liblzma's window from its claim. */
	size_t dict = dst_len < LZMA_JFFS2_DICT_MAX ? dst_len : LZMA_JFFS2_DICT_MAX;
	opt.dict_size = dict > LZMA_JFFS2_DICT_MIN ? (uint32_t)dict : LZMA_JFFS2_DICT_MIN;
	opt.preset_dict = NULL;
	opt.ext_flags = LZMA_LZMA1EXT_ALLOW_EOPM;
	opt.ext_size_low = (uint32_t)dsize;
	opt.ext_size_high = (uint32_t)((uint64_t)dsize >> 32);
	lzma_filter filters[2] = {
		{ .id = LZMA_FILTER_LZMA1EXT, .options = &opt },
		{ .id = LZMA_VLI_UNKNOWN, .options = NULL },
	};
	lzma_stream strm = LZMA_STREAM_INIT;
	if (lzma_raw_decoder(&strm, filters) != LZMA_OK) {
		*why = "liblzma initialisation failed";
		return FWG_NOMEM;
	}
	strm.next_in = src;
	strm.avail_in = csize;
	strm.next_out = dst;
	strm.avail_out = dst_len;
	lzma_ret r = lzma_code(&strm, LZMA_FINISH);
	size_t produced = dst_len - strm.avail_out;
	lzma_end(&strm);
	if (produced == dst_len)
		return FWG_OK;
	*why = r == LZMA_STREAM_END ? "lzma stream shorter than dsize" : "lzma data error";
	return FWG_MALFORMED;
}

enum fwg_status jffs2_decompress(unsigned compr, const uint8_t *src, size_t csize, size_t dsize,
		uint8_t *dst, size_t dst_len, const char **why)
{
	*why = NULL;
	if (dst_len > dsize) {
		*why = "output longer than dsize";
		return FWG_MALFORMED;
	}
	switch (compr) {
	case JFFS2_COMPR_NONE:
	case JFFS2_COMPR_COPY:
		if (csize != dsize) {
			*why = "uncompressed node with csize different from dsize";
			return FWG_MALFORMED;
		}
		memcpy(dst, src, dst_len);
		return FWG_OK;
	case JFFS2_COMPR_ZERO:
		memset(dst, 0, dst_len);
		return FWG_OK;
	case JFFS2_COMPR_RTIME:
		return decode_rtime(src, csize, dst, dst_len, why);
	case JFFS2_COMPR_ZLIB:
		return decode_zlib(src, csize, dst, dst_len, why);
	case JFFS2_COMPR_LZO:
		return decode_lzo(src, csize, dsize, dst, dst_len, why);
	case JFFS2_COMPR_LZMA:
		return decode_lzma(src, csize, dsize, dst, dst_len, why);
	default:
		*why = "compressor not supported";
		return FWG_UNSUPPORTED;
	}
}
