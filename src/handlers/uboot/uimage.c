/*
 * uimage.c - U-Boot legacy images ("uImage", include/image.h in U-Boot,
 * written by `mkimage -A arch -O os -T type -C comp`), and the bounded
 * decoder for U-Boot's compression methods (uboot_decompress.h) that FIT
 * images share.
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
 * one becomes a node of its compression type whose body is the decoded
 * payload, itself probed.
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

#include <bzlib.h>
#include <lz4frame.h>
#include <lzma.h>
#include <lzo/lzo1x.h>
#include <zlib.h>
#include <zstd.h>

#include "../../codecs/codecs.h"
#include "../../core/handler.h"
#include "../../core/registry.h"
#include "uboot_decompress.h"

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

const char *fwg_uboot_comp_type(enum fwg_uboot_comp comp)
{
	switch (comp) {
	case FWG_UBOOT_COMP_GZIP: return FWG_TYPE_GZIP;
	case FWG_UBOOT_COMP_BZIP2: return FWG_TYPE_BZIP2;
	case FWG_UBOOT_COMP_LZMA: return FWG_TYPE_LZMA;
	case FWG_UBOOT_COMP_LZO: return FWG_TYPE_LZO;
	case FWG_UBOOT_COMP_LZ4: return FWG_TYPE_LZ4;
	case FWG_UBOOT_COMP_ZSTD: return FWG_TYPE_ZSTD;
	case FWG_UBOOT_COMP_NONE:
	case FWG_UBOOT_COMP_COUNT:
		break;
	}
	return FWG_TYPE_RAW;
}

/* ---- streaming decoders ------------------------------------------------ */

/*
 * One decoder state per method behind step(): each call consumes some
 * input and produces at most *out_len bytes into out.  The driver
 * (run_stream) owns the loop and its termination: every iteration must
 * consume input or produce output, and output is bounded by the caller's
 * capacity, so the loop ends after at most src_len + cap iterations.
 */
#define STEP_CHUNK (1u << 30)     /* per call, fits zlib's and bzip2's uInt */
#define SCRATCH_SIZE 16384u
#ifdef FWG_FUZZING
#define LZMA_MEMLIMIT (32u << 20)
#define ZSTD_WINDOW_LOG_MAX 24
#else
#define LZMA_MEMLIMIT (512u << 20)
#define ZSTD_WINDOW_LOG_MAX 27
#endif

enum step_result { STEP_OK, STEP_END, STEP_ERROR, STEP_NOMEM };

struct stream {
	enum fwg_uboot_comp comp;
	const uint8_t *src;
	size_t src_len;
	size_t in_pos;
	const char *why;
	union {
		z_stream z;
		bz_stream bz;
		lzma_stream xz;
		LZ4F_dctx *lz4;
		ZSTD_DStream *zstd;
	} s;
};

static size_t clamp_chunk(size_t n)
{
	return n < STEP_CHUNK ? n : STEP_CHUNK;
}

static enum step_result stream_init(struct stream *st)
{
	memset(&st->s, 0, sizeof(st->s));
	switch (st->comp) {
	case FWG_UBOOT_COMP_GZIP: {
		int rc = inflateInit2(&st->s.z, 16 + MAX_WBITS);
		return rc == Z_OK ? STEP_OK : rc == Z_MEM_ERROR ? STEP_NOMEM : STEP_ERROR;
	}
	case FWG_UBOOT_COMP_BZIP2: {
		int rc = BZ2_bzDecompressInit(&st->s.bz, 0, 0);
		return rc == BZ_OK ? STEP_OK : rc == BZ_MEM_ERROR ? STEP_NOMEM : STEP_ERROR;
	}
	case FWG_UBOOT_COMP_LZMA: {
		lzma_stream init = LZMA_STREAM_INIT;
		st->s.xz = init;
		lzma_ret rc = lzma_alone_decoder(&st->s.xz, LZMA_MEMLIMIT);
		return rc == LZMA_OK ? STEP_OK : rc == LZMA_MEM_ERROR ? STEP_NOMEM : STEP_ERROR;
	}
	case FWG_UBOOT_COMP_LZ4: {
		LZ4F_errorCode_t rc = LZ4F_createDecompressionContext(&st->s.lz4, LZ4F_VERSION);
		return LZ4F_isError(rc) ? STEP_NOMEM : STEP_OK;
	}
	case FWG_UBOOT_COMP_ZSTD:
		st->s.zstd = ZSTD_createDStream();
		if (!st->s.zstd)
			return STEP_NOMEM;
		if (ZSTD_isError(ZSTD_DCtx_setParameter(st->s.zstd, ZSTD_d_windowLogMax,
				ZSTD_WINDOW_LOG_MAX)))
			return STEP_ERROR;
		return STEP_OK;
	case FWG_UBOOT_COMP_NONE:
	case FWG_UBOOT_COMP_LZO:
	case FWG_UBOOT_COMP_COUNT:
		break;
	}
	return STEP_ERROR;
}

static void stream_free(struct stream *st)
{
	switch (st->comp) {
	case FWG_UBOOT_COMP_GZIP: inflateEnd(&st->s.z); break;
	case FWG_UBOOT_COMP_BZIP2: BZ2_bzDecompressEnd(&st->s.bz); break;
	case FWG_UBOOT_COMP_LZMA: lzma_end(&st->s.xz); break;
	case FWG_UBOOT_COMP_LZ4: LZ4F_freeDecompressionContext(st->s.lz4); break;
	case FWG_UBOOT_COMP_ZSTD: ZSTD_freeDStream(st->s.zstd); break;
	case FWG_UBOOT_COMP_NONE:
	case FWG_UBOOT_COMP_LZO:
	case FWG_UBOOT_COMP_COUNT:
		break;
	}
}

static enum step_result step_gzip(struct stream *st, uint8_t *out, size_t *out_len)
{
	z_stream *z = &st->s.z;
	size_t in_avail = clamp_chunk(st->src_len - st->in_pos);
	size_t out_avail = clamp_chunk(*out_len);
	z->next_in = (Bytef *)(uintptr_t)(st->src + st->in_pos);
	z->avail_in = (uInt)in_avail;
	z->next_out = out;
	z->avail_out = (uInt)out_avail;
	int rc = inflate(z, Z_NO_FLUSH);
	st->in_pos += in_avail - z->avail_in;
	*out_len = out_avail - z->avail_out;
	switch (rc) {
	case Z_STREAM_END: return STEP_END;
	case Z_OK:
	case Z_BUF_ERROR: return STEP_OK;
	case Z_MEM_ERROR: return STEP_NOMEM;
	default:
		st->why = z->msg ? z->msg : "invalid deflate data";
		return STEP_ERROR;
	}
}

static enum step_result step_bzip2(struct stream *st, uint8_t *out, size_t *out_len)
{
	bz_stream *bz = &st->s.bz;
	size_t in_avail = clamp_chunk(st->src_len - st->in_pos);
	size_t out_avail = clamp_chunk(*out_len);
	bz->next_in = (char *)(uintptr_t)(st->src + st->in_pos);
	bz->avail_in = (unsigned)in_avail;
	bz->next_out = (char *)out;
	bz->avail_out = (unsigned)out_avail;
	int rc = BZ2_bzDecompress(bz);
	st->in_pos += in_avail - bz->avail_in;
	*out_len = out_avail - bz->avail_out;
	switch (rc) {
	case BZ_STREAM_END: return STEP_END;
	case BZ_OK: return STEP_OK;
	case BZ_MEM_ERROR: return STEP_NOMEM;
	case BZ_DATA_ERROR_MAGIC: st->why = "not a bzip2 stream"; return STEP_ERROR;
	default: st->why = "invalid bzip2 data"; return STEP_ERROR;
	}
}

static enum step_result step_lzma(struct stream *st, uint8_t *out, size_t *out_len)
{
	lzma_stream *xz = &st->s.xz;
	size_t in_avail = st->src_len - st->in_pos;
	xz->next_in = st->src + st->in_pos;
	xz->avail_in = in_avail;
	xz->next_out = out;
	xz->avail_out = *out_len;
	lzma_ret rc = lzma_code(xz, LZMA_RUN);
	st->in_pos += in_avail - xz->avail_in;
	*out_len -= xz->avail_out;
	switch (rc) {
	case LZMA_STREAM_END: return STEP_END;
	case LZMA_OK:
	case LZMA_BUF_ERROR: return STEP_OK;
	case LZMA_MEM_ERROR: return STEP_NOMEM;
	case LZMA_MEMLIMIT_ERROR: st->why = "dictionary exceeds the memory limit"; return STEP_ERROR;
	case LZMA_FORMAT_ERROR: st->why = "not an lzma alone stream"; return STEP_ERROR;
	case LZMA_OPTIONS_ERROR: st->why = "unsupported lzma properties"; return STEP_ERROR;
	default: st->why = "invalid lzma data"; return STEP_ERROR;
	}
}

static enum step_result step_lz4(struct stream *st, uint8_t *out, size_t *out_len)
{
	size_t in_avail = st->src_len - st->in_pos;
	size_t produced = *out_len;
	size_t ret = LZ4F_decompress(st->s.lz4, out, &produced, st->src + st->in_pos, &in_avail,
		NULL);
	if (LZ4F_isError(ret)) {
		*out_len = 0;
		st->why = LZ4F_getErrorName(ret);
		return STEP_ERROR;
	}
	st->in_pos += in_avail;
	*out_len = produced;
	return ret == 0 ? STEP_END : STEP_OK;
}

static enum step_result step_zstd(struct stream *st, uint8_t *out, size_t *out_len)
{
	ZSTD_inBuffer in = { st->src + st->in_pos, st->src_len - st->in_pos, 0 };
	ZSTD_outBuffer ob = { out, *out_len, 0 };
	size_t ret = ZSTD_decompressStream(st->s.zstd, &ob, &in);
	if (ZSTD_isError(ret)) {
		*out_len = 0;
		st->why = ZSTD_getErrorName(ret);
		return STEP_ERROR;
	}
	st->in_pos += in.pos;
	*out_len = ob.pos;
	return ret == 0 ? STEP_END : STEP_OK;
}

static enum step_result stream_step(struct stream *st, uint8_t *out, size_t *out_len)
{
	switch (st->comp) {
	case FWG_UBOOT_COMP_GZIP: return step_gzip(st, out, out_len);
	case FWG_UBOOT_COMP_BZIP2: return step_bzip2(st, out, out_len);
	case FWG_UBOOT_COMP_LZMA: return step_lzma(st, out, out_len);
	case FWG_UBOOT_COMP_LZ4: return step_lz4(st, out, out_len);
	case FWG_UBOOT_COMP_ZSTD: return step_zstd(st, out, out_len);
	case FWG_UBOOT_COMP_NONE:
	case FWG_UBOOT_COMP_LZO:
	case FWG_UBOOT_COMP_COUNT:
		break;
	}
	*out_len = 0;
	st->why = "unsupported method";
	return STEP_ERROR;
}

enum run_result {
	RUN_END,       /* stream complete */
	RUN_OVER,      /* more output than the capacity (or counting limit) */
	RUN_ERROR,     /* corrupt stream, why set */
	RUN_TRUNCATED, /* input ended before the stream did */
	RUN_NOMEM,
};

struct run {
	size_t produced;
	size_t consumed;
	const char *why;
};

/*
 * Decodes src into dst[0, cap) or, with dst NULL, counts the output
 * (RUN_OVER as soon as it exceeds cap).  With dst, RUN_OVER means the
 * stream has more than cap bytes: a one-byte probe past the end tells.
 */
static enum run_result run_stream(enum fwg_uboot_comp comp, const uint8_t *src, size_t src_len,
		uint8_t *dst, size_t cap, struct run *r)
{
	uint8_t scratch[SCRATCH_SIZE];
	struct stream st = { .comp = comp, .src = src, .src_len = src_len };
	r->produced = r->consumed = 0;
	r->why = NULL;
	enum step_result sr = stream_init(&st);
	if (sr != STEP_OK) {
		stream_free(&st);
		r->why = "decoder initialisation failed";
		return sr == STEP_NOMEM ? RUN_NOMEM : RUN_ERROR;
	}
	enum run_result res;
	for (;;) {
		uint8_t *out = scratch;
		size_t avail = sizeof(scratch);
		bool probing = false;
		if (dst && r->produced < cap) {
			out = dst + r->produced;
			avail = cap - r->produced;
		} else if (dst) {
			avail = 1;
			probing = true;
		}
		size_t in_before = st.in_pos;
		size_t made = avail;
		sr = stream_step(&st, out, &made);
		if (probing && made > 0) {
			res = RUN_OVER;
			break;
		}
		r->produced += made;
		if (!dst && r->produced > cap) {
			res = RUN_OVER;
			break;
		}
		if (sr == STEP_END) {
			res = RUN_END;
			break;
		}
		if (sr == STEP_NOMEM) {
			res = RUN_NOMEM;
			break;
		}
		if (sr == STEP_ERROR) {
			r->why = st.why;
			res = RUN_ERROR;
			break;
		}
		if (made == 0 && st.in_pos == in_before) {
			res = st.in_pos >= st.src_len ? RUN_TRUNCATED : RUN_ERROR;
			r->why = res == RUN_TRUNCATED ? "stream truncated" : "decoder made no progress";
			break;
		}
	}
	r->consumed = st.in_pos;
	stream_free(&st);
	return res;
}

/* ---- lzop container (LZO1X blocks) -------------------------------------- */

/*
 * lzop file: magic 89 4c 5a 4f 00 0d 0a 1a 0a; version u16; lib_version
 * u16; [version >= 0x0940: version_needed u16]; method u8; [>= 0x0940:
 * level u8]; flags u32; [F_H_FILTER: filter u32]; mode u32; mtime_low
 * u32; [>= 0x0940: mtime_high u32]; name_len u8 + name; header checksum
 * u32 (Adler-32, or CRC-32 with F_H_CRC32); [F_H_EXTRA_FIELD: len u32,
 * data, checksum u32].  Blocks: dst_len u32 (0 ends the file), src_len
 * u32, [F_ADLER32_D] [F_CRC32_D] checksums of the decoded block, and when
 * src_len < dst_len [F_ADLER32_C] [F_CRC32_C] of the compressed block;
 * then src_len bytes (stored when src_len == dst_len).  All big-endian.
 */
#define LZOP_MAGIC_LEN 9
#define LZOP_F_ADLER32_D 0x0001u
#define LZOP_F_ADLER32_C 0x0002u
#define LZOP_F_H_EXTRA_FIELD 0x0040u
#define LZOP_F_CRC32_D 0x0100u
#define LZOP_F_CRC32_C 0x0200u
#define LZOP_F_H_FILTER 0x0800u
#define LZOP_F_H_CRC32 0x1000u
#define LZOP_MAX_BLOCK (64u << 20)
#define LZOP_METHOD_MAX 3u

static const uint8_t lzop_magic[LZOP_MAGIC_LEN] = {
	0x89, 0x4c, 0x5a, 0x4f, 0x00, 0x0d, 0x0a, 0x1a, 0x0a,
};

struct lzop_block {
	uint32_t dst_len, src_len;
	uint32_t d_adler, d_crc;
	size_t data;   /* offset of the block bytes */
};

/* Parses the file header; *pos is then the first block. */
static bool lzop_header(const struct fwg_cursor *c, uint32_t *flags, size_t *pos,
		const char **why)
{
	const uint8_t *magic;
	uint16_t version;
	uint8_t method, name_len;
	size_t p = LZOP_MAGIC_LEN;
	*why = "lzop header truncated";
	if (fwg_cursor_bytes_at(c, 0, LZOP_MAGIC_LEN, &magic) != FWG_OK)
		return false;
	if (memcmp(magic, lzop_magic, LZOP_MAGIC_LEN) != 0) {
		*why = "not an lzop file";
		return false;
	}
	if (fwg_cursor_u16be_at(c, p, &version) != FWG_OK)
		return false;
	p += 4; /* version, lib_version */
	if (version >= 0x0940)
		p += 2;
	if (fwg_cursor_u8_at(c, p, &method) != FWG_OK)
		return false;
	p += version >= 0x0940 ? 2 : 1;
	if (fwg_cursor_u32be_at(c, p, flags) != FWG_OK)
		return false;
	p += 4;
	if (*flags & LZOP_F_H_FILTER)
		p += 4;
	p += 8; /* mode, mtime_low */
	if (version >= 0x0940)
		p += 4;
	if (fwg_cursor_u8_at(c, p, &name_len) != FWG_OK)
		return false;
	p += 1u + name_len;
	uint32_t stored;
	const uint8_t *hdr;
	if (fwg_cursor_u32be_at(c, p, &stored) != FWG_OK ||
			fwg_cursor_bytes_at(c, LZOP_MAGIC_LEN, p - LZOP_MAGIC_LEN, &hdr) != FWG_OK)
		return false;
	uint32_t computed = (*flags & LZOP_F_H_CRC32)
		? (uint32_t)crc32(0, hdr, (uInt)(p - LZOP_MAGIC_LEN))
		: (uint32_t)adler32(1, hdr, (uInt)(p - LZOP_MAGIC_LEN));
	if (computed != stored) {
		*why = "lzop header checksum mismatch";
		return false;
	}
	p += 4;
	if (*flags & LZOP_F_H_EXTRA_FIELD) {
		uint32_t extra;
		if (fwg_cursor_u32be_at(c, p, &extra) != FWG_OK || extra > c->size)
			return false;
		p += 4u + (size_t)extra + 4u;
	}
	if (method == 0 || method > LZOP_METHOD_MAX) {
		*why = "unsupported lzop method";
		return false;
	}
	if (p > c->size)
		return false;
	*pos = p;
	return true;
}

/* Reads the block header at *pos; false at the end marker or on error
 * (*why set only for errors). */
static bool lzop_next_block(const struct fwg_cursor *c, uint32_t flags, size_t *pos,
		struct lzop_block *b, const char **why)
{
	size_t p = *pos;
	*why = "lzop block header truncated";
	if (fwg_cursor_u32be_at(c, p, &b->dst_len) != FWG_OK)
		return false;
	p += 4;
	if (b->dst_len == 0) {
		*why = NULL;
		*pos = p;
		return false;
	}
	if (fwg_cursor_u32be_at(c, p, &b->src_len) != FWG_OK)
		return false;
	p += 4;
	b->d_adler = b->d_crc = 0;
	/* p stays within the window (each read checked it), so adding
	 * small constants cannot overflow. */
	if (flags & LZOP_F_ADLER32_D) {
		if (fwg_cursor_u32be_at(c, p, &b->d_adler) != FWG_OK)
			return false;
		p += 4;
	}
	if (flags & LZOP_F_CRC32_D) {
		if (fwg_cursor_u32be_at(c, p, &b->d_crc) != FWG_OK)
			return false;
		p += 4;
	}
	if (b->src_len < b->dst_len) {
		if (flags & LZOP_F_ADLER32_C)
			p += 4;
		if (flags & LZOP_F_CRC32_C)
			p += 4;
	}
	if (b->dst_len > LZOP_MAX_BLOCK || b->src_len > b->dst_len) {
		*why = "lzop block sizes are invalid";
		return false;
	}
	if (!fwg_cursor_has(c, p, b->src_len)) {
		*why = "lzop block truncated";
		return false;
	}
	b->data = p;
	*pos = p + b->src_len;
	return true;
}

/* Sum of the blocks' decoded sizes; RUN_OVER beyond limit. */
static enum run_result lzop_measure(const struct fwg_cursor *c, size_t limit, struct run *r)
{
	uint32_t flags;
	size_t pos;
	r->produced = r->consumed = 0;
	if (!lzop_header(c, &flags, &pos, &r->why))
		return RUN_ERROR;
	struct lzop_block b;
	while (lzop_next_block(c, flags, &pos, &b, &r->why)) {
		r->produced += b.dst_len;
		if (r->produced > limit)
			return RUN_OVER;
	}
	r->consumed = pos;
	if (r->why)
		return r->produced ? RUN_TRUNCATED : RUN_ERROR;
	return RUN_END;
}

static enum run_result lzop_decode(const struct fwg_cursor *c, uint8_t *dst, size_t cap,
		struct run *r)
{
	uint32_t flags;
	size_t pos;
	r->produced = r->consumed = 0;
	if (!lzop_header(c, &flags, &pos, &r->why))
		return RUN_ERROR;
	if (lzo_init() != LZO_E_OK) {
		r->why = "lzo library initialisation failed";
		return RUN_ERROR;
	}
	struct lzop_block b;
	while (lzop_next_block(c, flags, &pos, &b, &r->why)) {
		if (b.dst_len > cap - r->produced)
			return RUN_OVER;
		uint8_t *out = dst + r->produced;
		if (b.src_len == b.dst_len) {
			if (fwg_cursor_copy_at(c, b.data, out, b.src_len) != FWG_OK)
				return RUN_ERROR;
		} else {
			const uint8_t *in;
			lzo_uint out_len = b.dst_len;
			if (fwg_cursor_bytes_at(c, b.data, b.src_len, &in) != FWG_OK)
				return RUN_ERROR;
			int rc = lzo1x_decompress_safe(in, b.src_len, out, &out_len, NULL);
			if (rc != LZO_E_OK || out_len != b.dst_len) {
				r->why = "invalid lzo1x block";
				return RUN_ERROR;
			}
		}
		if ((flags & LZOP_F_ADLER32_D) && (uint32_t)adler32(1, out, b.dst_len) != b.d_adler) {
			r->why = "lzop block adler-32 mismatch";
			return RUN_ERROR;
		}
		if ((flags & LZOP_F_CRC32_D) && (uint32_t)crc32(0, out, b.dst_len) != b.d_crc) {
			r->why = "lzop block crc-32 mismatch";
			return RUN_ERROR;
		}
		r->produced += b.dst_len;
	}
	r->consumed = pos;
	if (r->why)
		return RUN_TRUNCATED;
	return RUN_END;
}

/* ---- sizing and the public decoder -------------------------------------- */

/* The size a stream declares for itself, when it does. */
static bool stream_hint(enum fwg_uboot_comp comp, const struct fwg_cursor *c, uint64_t *hint)
{
	switch (comp) {
	case FWG_UBOOT_COMP_GZIP: {
		uint32_t isize;
		if (c->size < 18 || fwg_cursor_u32le_at(c, c->size - 4, &isize) != FWG_OK)
			return false;
		*hint = isize;
		return true;
	}
	case FWG_UBOOT_COMP_LZMA:
		return fwg_cursor_u64le_at(c, 5, hint) == FWG_OK && *hint != UINT64_MAX;
	case FWG_UBOOT_COMP_ZSTD: {
		unsigned long long n = ZSTD_getFrameContentSize(c->base, c->size);
		if (n == ZSTD_CONTENTSIZE_UNKNOWN || n == ZSTD_CONTENTSIZE_ERROR)
			return false;
		*hint = n;
		return true;
	}
	case FWG_UBOOT_COMP_LZ4: {
		/* magic u32, FLG (bit 3: content size present), BD, size u64 */
		uint8_t flg;
		return fwg_cursor_u8_at(c, 4, &flg) == FWG_OK && (flg & 0x08) &&
			fwg_cursor_u64le_at(c, 6, hint) == FWG_OK;
	}
	case FWG_UBOOT_COMP_NONE:
	case FWG_UBOOT_COMP_BZIP2:
	case FWG_UBOOT_COMP_LZO:
	case FWG_UBOOT_COMP_COUNT:
		break;
	}
	return false;
}

/* Largest output the budgets could accept from encoded bytes (the
 * remaining total is checked by the core when reserving). */
static size_t output_ceiling(const struct fwg_limits *lim, size_t encoded)
{
	uint64_t ceiling = lim->max_decoded_single;
	if (lim->max_ratio) {
		size_t by_ratio;
		if (!fwg_mul_overflows(encoded, lim->max_ratio, &by_ratio)) {
			by_ratio = by_ratio ? by_ratio - 1 : 0;
			if (by_ratio < (1u << 20))
				by_ratio = 1u << 20;
			if (by_ratio < ceiling)
				ceiling = by_ratio;
		}
	}
	return ceiling < SIZE_MAX ? (size_t)ceiling : SIZE_MAX - 1;
}

static enum run_result measure(enum fwg_uboot_comp comp, const struct fwg_cursor *c,
		size_t ceiling, struct run *r)
{
	if (comp == FWG_UBOOT_COMP_LZO)
		return lzop_measure(c, ceiling, r);
	return run_stream(comp, c->base, c->size, NULL, ceiling, r);
}

static enum run_result decode(enum fwg_uboot_comp comp, const struct fwg_cursor *c,
		uint8_t *dst, size_t cap, struct run *r)
{
	if (comp == FWG_UBOOT_COMP_LZO)
		return lzop_decode(c, dst, cap, r);
	return run_stream(comp, c->base, c->size, dst, cap, r);
}

static void drop_decoded(struct fwg_node *node)
{
	free(node->owned);
	node->owned = NULL;
}

enum fwg_status fwg_uboot_decompress(struct fwg_unpack *u, struct fwg_node *node,
		enum fwg_uboot_comp comp, const char *diag_code, bool *decoded)
{
	const char *name = fwg_uboot_comp_name(comp);
	struct fwg_cursor raw = fwg_cursor_make(node->data, node->data ? node->size : 0);
	size_t ceiling = output_ceiling(&fwg_unpack_options(u)->limits, raw.size);
	struct run r;
	enum run_result res;
	uint64_t hint = 0;
	size_t size;

	*decoded = false;
	if (comp == FWG_UBOOT_COMP_NONE || !name)
		return FWG_OK;
	bool hinted = stream_hint(comp, &raw, &hint) && hint <= ceiling;
	for (int pass = 0; pass < 2; pass++) {
		if (hinted) {
			size = (size_t)hint;
		} else {
			res = measure(comp, &raw, ceiling, &r);
			if (res == RUN_NOMEM)
				return FWG_NOMEM;
			if ((res == RUN_ERROR || res == RUN_TRUNCATED) && r.produced == 0) {
				FWG_ERR(node, diag_code, r.consumed, "%s stream: %s", name, r.why);
				return FWG_OK;
			}
			size = r.produced;
		}
		uint8_t *buf;
		enum fwg_status st = fwg_unpack_reserve_decoded(u, node, raw.size, size, &buf);
		if (st == FWG_LIMIT)
			return FWG_OK;
		if (st != FWG_OK)
			return st;
		res = decode(comp, &raw, buf, size, &r);
		if (res == RUN_NOMEM) {
			drop_decoded(node);
			return FWG_NOMEM;
		}
		if (res != RUN_OVER)
			break;
		drop_decoded(node);
		if (!hinted) {
			/* Both passes read the same bytes, so this is a decoder
			 * inconsistency; stop rather than loop. */
			FWG_ERR(node, diag_code, 0, "%s stream: output size is not stable", name);
			return FWG_OK;
		}
		FWG_INFO(node, diag_code, 0, "%s stream declares 0x%llx decoded bytes but holds more",
			name, (unsigned long long)hint);
		hinted = false;
	}
	if (res == RUN_OVER)
		return FWG_OK;
	if (r.produced == 0 && res != RUN_END) {
		FWG_ERR(node, diag_code, r.consumed, "%s stream: %s", name, r.why);
		drop_decoded(node);
		return FWG_OK;
	}
	fwg_unpack_commit_decoded(node, r.produced);
	*decoded = true;
	if (res != RUN_END)
		FWG_ERR(node, diag_code, r.consumed, "%s stream: %s after 0x%zx decoded bytes", name,
			r.why, r.produced);
	else if (r.consumed < raw.size && !fwg_cursor_all_equal(&raw, r.consumed,
			raw.size - r.consumed, 0))
		FWG_INFO(node, diag_code, r.consumed, "0x%zx bytes follow the end of the %s stream",
			raw.size - r.consumed, name);
	return FWG_OK;
}

enum fwg_status fwg_uboot_attach_probed(struct fwg_unpack *u, struct fwg_node *node)
{
	struct fwg_cursor body = fwg_node_body(node);
	if (body.size == 0)
		return FWG_OK;
	const struct fwg_handler *h = fwg_unpack_probe(&body, false);
	if (!h)
		return FWG_OK;
	struct fwg_node *child;
	enum fwg_status st = fwg_unpack_add_child(u, node, h->node_type ? h->node_type : FWG_TYPE_RAW,
		0, body.size, h, &child);
	if (st == FWG_NOMEM)
		return st;
	node->handler = &fwg_handler_leaf;
	return FWG_OK;
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
	st = fwg_unpack_add_child(u, node, fwg_uboot_comp_type(comp), off, size,
		&fwg_handler_leaf, &child);
	if (st != FWG_OK)
		return st == FWG_NOMEM ? st : FWG_OK;
	fwg_node_set_name(child, name);
	bool decoded;
	st = fwg_uboot_decompress(u, child, comp, "uimage.decode", &decoded);
	if (st != FWG_OK || !decoded)
		return st;
	return fwg_uboot_attach_probed(u, child);
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
