/*
 * compressed.c - compressed streams: gzip, xz, lzma ("alone"), zstd, lz4
 * (frame and legacy), bzip2 and lzop.  Each is a handler whose node body
 * is the decoded data; whatever the registry recognises in it becomes a
 * child (a cpio initramfs, a tar, a squashfs...), otherwise the carver
 * looks inside.
 *
 * Formats (all multi-byte fields little-endian unless said otherwise):
 *   gzip   RFC 1952: 1f 8b, CM 8, FLG (FTEXT 1, FHCRC 2, FEXTRA 4,
 *          FNAME 8, FCOMMENT 0x10), MTIME u32, XFL, OS, then the optional
 *          fields in that order, a deflate stream, CRC32 and ISIZE (size
 *          mod 2^32).  Members may follow each other.  zlib decodes.
 *   xz     fd 37 7a 58 5a 00, stream flags (2 bytes, check type in the
 *          low nibble of the second), CRC32; blocks; index; 12-byte footer
 *          "YZ"-terminated, holding the index size.  Streams may follow
 *          each other, separated by zero padding in multiples of 4.
 *          liblzma decodes; the index gives the decoded size cheaply.
 *   lzma   props byte (lc + lp*9 + pb*45 < 225), dictionary size u32,
 *          decoded size u64 (all ones = unknown, end marker), LZMA1 data
 *          whose first byte is 0.  liblzma's alone decoder.
 *   zstd   RFC 8878 frames: 28 b5 2f fd, frame header (content size
 *          optional), blocks, optional XXH64 checksum; skippable frames
 *          50..5f 2a 4d 18.  libzstd's streaming decoder.
 *   lz4    frame format: 04 22 4d 18, FLG (version 01 in bits 6-7, block
 *          checksum 0x10, content size 0x08, content checksum 0x04, dict
 *          id 0x01), BD (block max size in bits 4-6), [content size u64],
 *          [dict id u32], header checksum; blocks (u32 size, bit 31 =
 *          stored), end mark 0, [checksum].  liblz4's frame decoder.
 *          Legacy format (Linux kernels): 02 21 4c 18 then blocks of
 *          u32 size + data, each at most 8 MiB decoded, until the input
 *          ends or another legacy magic starts a new stream.
 *   bzip2  "BZh" + level '1'..'9', blocks starting 31 41 59 26 53 59,
 *          end 17 72 45 38 50 90 + CRC; streams may follow each other.
 *          libbz2 decodes.
 *   lzop   big-endian: 89 4c 5a 4f 00 0d 0a 1a 0a, version u16, library
 *          version u16, [needed version u16 if version >= 0x0940], method
 *          u8 (1..3: LZO1X), [level u8], flags u32, [filter u32],
 *          mode u32, mtime u32, [mtime high u32], name length u8 + name,
 *          header checksum u32 (Adler-32, or CRC-32 with F_H_CRC32),
 *          [extra field]; blocks: decoded size u32 (0 ends), stored size
 *          u32, checksums per flags, data (stored as is when the sizes
 *          are equal).  liblzo2's lzo1x_decompress_safe.
 *
 * Budgets: nothing is allocated from a header's claim without the
 * unpacking budgets.  A stream that states its decoded size (zstd/lz4
 * content size, lzma header, lzop blocks, xz index, gzip ISIZE when the
 * member fills the window) is decoded once into a buffer reserved for
 * that size.  Otherwise, or when the claim turns out wrong, a first pass
 * decodes into a small scratch buffer only to count, stopping as soon as
 * the count passes what the per-stream and ratio budgets allow; then the
 * counted size is reserved (or refused with the `limit.*` diagnostic) and
 * a second pass decodes into it.  Decoding twice costs time only for
 * streams that do not state their size (bzip2, lz4 legacy, multi-member
 * gzip); a core primitive that grows a reservation would remove it.
 *
 * Outcomes: a stream that stops early (truncated) or fails a check keeps
 * what decoded before the problem as its body, with an error
 * diagnostic; bytes after the last member are reported (zeros as info,
 * anything else as a warning).
 *
 * Invariants: input is borrowed once through the cursor and the decoders
 * are fed [offset, size) ranges of it with offsets checked against the
 * window; every decoder writes only into the sink's window; every loop
 * either consumes input or produces output, or ends.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bzlib.h>
#include <lz4.h>
#include <lz4frame.h>
#include <lzma.h>
#include <lzo/lzo1x.h>
#include <zlib.h>
#include <zstd.h>

#include "handler.h"
#include "registry.h"
#include "text.h"

#define SCRATCH_SIZE (256u * 1024)
#define FEED_MAX (1u << 30)          /* zlib/bzip2 count input in 32 bits */
#define MiB (1u << 20)
#ifdef FWG_FUZZING
#define XZ_MEMLIMIT (64u * MiB)
#define ZSTD_WINDOW_LOG_MAX 24
#else
#define XZ_MEMLIMIT (512u * MiB)
#define ZSTD_WINDOW_LOG_MAX 27
#endif
#define XZ_INDEX_MEMLIMIT (16u * MiB)
#define MAX_HEADER_TEXT 1024u

/* ---- the output sink --------------------------------------------------- */

/*
 * Where decoders write.  Write mode (buf set): into buf up to cap; once
 * it is full, the scratch catches any further output and marks overflow.
 * Count mode (buf NULL): everything goes to the scratch and is only
 * counted; passing cap marks overflow.  Decoders stop on overflow.
 */
struct sink {
	uint8_t *buf;
	size_t cap;
	size_t len;
	uint8_t *scratch;
	size_t scratch_size;
	bool overflow;
};

/* Window for the next output: the rest of the reservation, or the
 * scratch once it is full (count mode: always the scratch). */
static void sink_window(struct sink *s, uint8_t **out, size_t *avail)
{
	if (s->buf && s->len < s->cap) {
		*out = s->buf + s->len;
		*avail = s->cap - s->len;
		return;
	}
	*out = s->scratch;
	*avail = s->scratch_size;
}

/* Accounts n bytes written at out; false once the sink is full. */
static bool sink_advance(struct sink *s, const uint8_t *out, size_t n)
{
	if (s->buf && out != s->scratch) {
		s->len += n;
		return true;
	}
	if (s->buf) {
		if (n == 0)
			return true;
		/* Output beyond the reservation: keep what fits. */
		size_t room = s->cap - s->len;
		size_t keep = n < room ? n : room;
		memcpy(s->buf + s->len, out, keep);
		s->len += keep;
		s->overflow = true;
		return false;
	}
	s->len += n;
	if (s->len > s->cap) {
		s->overflow = true;
		return false;
	}
	return true;
}

/* Count mode only: n bytes that need not be decoded to be counted. */
static bool sink_count(struct sink *s, size_t n)
{
	if (fwg_add_overflows(s->len, n, &s->len) || s->len > s->cap) {
		s->overflow = true;
		return false;
	}
	return true;
}

/* ---- outcomes and codecs --------------------------------------------- */

enum how {
	HOW_END,        /* every member ended; `consumed` is where the last ended */
	HOW_TRUNCATED,  /* the input ended inside a member */
	HOW_CORRUPT,    /* the decoder refused the data */
	HOW_FULL,       /* the sink overflowed */
	HOW_UNSUPPORTED,
	HOW_NOMEM,
};

struct outcome {
	enum how how;
	size_t consumed;   /* end of the last complete member */
	size_t error_at;   /* input offset of the problem */
	unsigned members;
	char why[128];
};

static void fail(struct outcome *o, enum how how, size_t at, const char *why)
{
	o->how = how;
	o->error_at = at;
	snprintf(o->why, sizeof(o->why), "%s", why ? why : "decoder error");
}

struct codes {
	const char *truncated, *corrupt, *trailing_data, *trailing_zeros, *unsupported,
		*size_hint, *header;
};

#define CODES(fmt) { fmt ".truncated", fmt ".corrupt", fmt ".trailing_data", \
	fmt ".trailing_zeros", fmt ".unsupported", fmt ".size_hint", fmt ".header" }

struct codec {
	const char *name;
	struct codes codes;
	size_t scratch_size;
	/* Scratch needed by this input when it differs (NULL: scratch_size). */
	size_t (*scratch_for)(const struct fwg_cursor *in);
	/* The size hint is the stream's own declaration (not a guess). */
	bool hint_declared;
	/* Attributes from the header; false when the header is unreadable. */
	bool (*describe)(struct fwg_node *node, const struct fwg_cursor *in);
	/* Decoded size the stream states, if any (a hint: checked by decoding). */
	bool (*size_hint)(const struct fwg_cursor *in, uint64_t *size);
	/* Decodes every member of in into s. */
	void (*decode)(const struct fwg_cursor *in, struct sink *s, struct outcome *o);
};

/* Largest output fwg_unpack_reserve_decoded accepts for encoded bytes
 * under the per-stream and ratio budgets (it checks the total too). */
static size_t allowed_output(const struct fwg_limits *lim, size_t encoded)
{
	uint64_t allowed = lim->max_decoded_single;
	if (lim->max_ratio) {
		uint64_t prod, by_ratio;
		if (__builtin_mul_overflow((uint64_t)lim->max_ratio, (uint64_t)encoded, &prod))
			prod = UINT64_MAX;
		by_ratio = prod > MiB + 1 ? prod - 1 : MiB;
		if (by_ratio < allowed)
			allowed = by_ratio;
	}
	return allowed < SIZE_MAX - SCRATCH_SIZE ? (size_t)allowed : SIZE_MAX - SCRATCH_SIZE;
}

/* Runs one pass of the codec. */
static void run_pass(const struct codec *cd, const struct fwg_cursor *in, struct sink *s,
		struct outcome *o)
{
	memset(o, 0, sizeof(*o));
	s->len = 0;
	s->overflow = false;
	cd->decode(in, s, o);
	if (s->overflow && o->how != HOW_NOMEM)
		o->how = HOW_FULL;
}

/*
 * Decodes node's raw bytes under the budgets; on success the node's body
 * is the decoded data (possibly partial).  *decoded: whether a body was
 * committed.
 */
static enum fwg_status decode_under_budget(struct fwg_unpack *u, struct fwg_node *node,
		const struct codec *cd, const struct fwg_cursor *in, struct outcome *o, bool *decoded)
{
	const struct fwg_limits *lim = &fwg_unpack_options(u)->limits;
	size_t allowed = allowed_output(lim, in->size);
	struct sink s = { .scratch_size = cd->scratch_for ? cd->scratch_for(in) : cd->scratch_size };
	enum fwg_status st = FWG_OK;
	uint64_t hint = 0;
	*decoded = false;
	s.scratch = malloc(s.scratch_size);
	if (!s.scratch)
		return FWG_NOMEM;
	bool have_hint = cd->size_hint && cd->size_hint(in, &hint);
	if (have_hint) {
		if (cd->hint_declared)
			fwg_node_attr_hex(node, "declared_size", hint);
		if (hint > allowed) {
			FWG_INFO(node, cd->codes.size_hint, 0,
				"decoded size 0x%llx stated by the stream is over the budget, "
				"decoding to count",
				(unsigned long long)hint);
			have_hint = false;
		}
	}
	if (have_hint) {
		st = fwg_unpack_reserve_decoded(u, node, in->size, (size_t)hint, &s.buf);
		if (st != FWG_OK)
			goto out;
		s.cap = (size_t)hint;
		run_pass(cd, in, &s, o);
		if (o->how != HOW_FULL && o->how != HOW_NOMEM) {
			if (o->how == HOW_END && s.len != hint && cd->hint_declared)
				FWG_WARN(node, cd->codes.size_hint, 0,
					"declared decoded size 0x%llx, the stream decodes to 0x%zx",
					(unsigned long long)hint, s.len);
			fwg_unpack_commit_decoded(node, s.len);
			*decoded = true;
			goto out;
		}
		if (o->how == HOW_NOMEM) {
			st = FWG_NOMEM;
			goto out;
		}
		/* A guessed size (gzip ISIZE of the last member, xz index of the
		 * last stream) is wrong for concatenations: only news then. */
		fwg_node_diag(node, cd->hint_declared ? FWG_SEV_WARNING : FWG_SEV_INFO,
			cd->codes.size_hint, 0,
			"stream decodes to more than the size 0x%llx its %s states, counting",
			(unsigned long long)hint, cd->hint_declared ? "header" : "last member");
	}
	/* Count, then reserve what was counted, then decode into it. */
	s.buf = NULL;
	s.cap = allowed;
	run_pass(cd, in, &s, o);
	if (o->how == HOW_NOMEM) {
		st = FWG_NOMEM;
		goto out;
	}
	size_t counted = s.len;
	st = fwg_unpack_reserve_decoded(u, node, in->size, counted, &s.buf);
	if (st != FWG_OK)
		goto out;
	s.cap = counted;
	run_pass(cd, in, &s, o);
	if (o->how == HOW_NOMEM) {
		st = FWG_NOMEM;
		goto out;
	}
	fwg_unpack_commit_decoded(node, s.len);
	*decoded = true;
out:
	free(s.scratch);
	/* A refused reservation is a diagnostic already, not a failure. */
	return st == FWG_LIMIT || st == FWG_TRUNCATED ? FWG_OK : st;
}

static void report(struct fwg_node *node, const struct codec *cd, const struct fwg_cursor *in,
		const struct outcome *o, size_t produced)
{
	switch (o->how) {
	case HOW_END:
		break;
	case HOW_TRUNCATED:
		FWG_ERR(node, cd->codes.truncated, o->error_at,
			"stream ends at 0x%zx before its end (%s), 0x%zx decoded bytes kept",
			o->error_at, o->why, produced);
		return;
	case HOW_CORRUPT:
		FWG_ERR(node, cd->codes.corrupt, o->error_at,
			"%s near input offset 0x%zx, 0x%zx decoded bytes kept", o->why, o->error_at,
			produced);
		return;
	case HOW_UNSUPPORTED:
		FWG_WARN(node, cd->codes.unsupported, o->error_at, "%s at 0x%zx", o->why,
			o->error_at);
		return;
	case HOW_FULL:
	case HOW_NOMEM:
		return;
	}
	fwg_node_attr_int(node, "members", o->members);
	fwg_node_attr_hex(node, "stream_end", o->consumed);
	if (o->consumed >= in->size)
		return;
	size_t left = in->size - o->consumed;
	if (fwg_cursor_all_equal(in, o->consumed, left, 0))
		FWG_INFO(node, cd->codes.trailing_zeros, o->consumed,
			"0x%zx zero bytes after the stream end at 0x%zx", left, o->consumed);
	else
		FWG_WARN(node, cd->codes.trailing_data, o->consumed,
			"0x%zx bytes after the stream end at 0x%zx", left, o->consumed);
}

static enum fwg_status stream_parse(struct fwg_unpack *u, struct fwg_node *node,
		const struct codec *cd)
{
	struct fwg_cursor in = fwg_node_body(node);
	if (!cd->describe(node, &in)) {
		FWG_ERR(node, cd->codes.header, 0, "%s header is not readable", cd->name);
		return FWG_OK;
	}
	struct outcome o;
	bool decoded;
	memset(&o, 0, sizeof(o));
	enum fwg_status st = decode_under_budget(u, node, cd, &in, &o, &decoded);
	if (st != FWG_OK || !decoded)
		return st;
	report(node, cd, &in, &o, node->body_size);
	if (node->body_size == 0)
		return FWG_OK;
	struct fwg_node *child;
	st = fwg_unpack_probe_child(u, node, 0, node->body_size, &child);
	if (st == FWG_OK && !child)
		st = fwg_unpack_add_child(u, node, FWG_TYPE_RAW, 0, node->body_size,
			&fwg_handler_carve, &child);
	return st == FWG_NOMEM ? st : FWG_OK;
}

/* The whole window as one borrowed range. */
static const uint8_t *input_bytes(const struct fwg_cursor *in)
{
	const uint8_t *p = NULL;
	if (fwg_cursor_bytes_at(in, 0, in->size, &p) != FWG_OK)
		return NULL;
	return p;
}

static bool all_zero_from(const struct fwg_cursor *in, size_t off)
{
	return off >= in->size || fwg_cursor_all_equal(in, off, in->size - off, 0);
}

/* ---- gzip ------------------------------------------------------------ */

#define GZIP_FHCRC 0x02u
#define GZIP_FEXTRA 0x04u
#define GZIP_FNAME 0x08u
#define GZIP_FCOMMENT 0x10u
#define GZIP_FRESERVED 0xe0u
#define GZIP_HEADER 10u
#define GZIP_TRAILER 8u
#define DEFLATE_MAX_RATIO 1032u

static bool gzip_magic_at(const struct fwg_cursor *c, size_t off)
{
	uint8_t a, b, m;
	return fwg_cursor_u8_at(c, off, &a) == FWG_OK && fwg_cursor_u8_at(c, off + 1, &b) == FWG_OK &&
		fwg_cursor_u8_at(c, off + 2, &m) == FWG_OK && a == 0x1f && b == 0x8b && m == 8;
}

static int gzip_probe(const struct fwg_cursor *body)
{
	uint8_t flg;
	if (!gzip_magic_at(body, 0) || fwg_cursor_u8_at(body, 3, &flg) != FWG_OK ||
			(flg & GZIP_FRESERVED) || body->size < GZIP_HEADER + GZIP_TRAILER)
		return 0;
	return 80;
}

/* A NUL-terminated header string at *off, escaped; advances past it. */
static bool gzip_string(struct fwg_node *node, const struct fwg_cursor *in, size_t *off,
		const char *key)
{
	size_t start = *off, end = start;
	uint8_t ch = 1;
	while (fwg_cursor_u8_at(in, end, &ch) == FWG_OK && ch != 0)
		end++;
	if (ch != 0)
		return false;
	const uint8_t *p;
	size_t len = end - start;
	size_t shown = len > MAX_HEADER_TEXT ? MAX_HEADER_TEXT : len;
	if (fwg_cursor_bytes_at(in, start, shown, &p) == FWG_OK) {
		char *text = fwg_text_escape_name((const char *)p, shown);
		if (!text) {
			node->alloc_failed = true;
			return false;
		}
		fwg_node_attr_str(node, key, text);
		free(text);
	}
	*off = end + 1;
	return true;
}

static bool gzip_describe(struct fwg_node *node, const struct fwg_cursor *in)
{
	uint8_t flg, xfl, os;
	uint32_t mtime;
	if (!gzip_magic_at(in, 0) || fwg_cursor_u8_at(in, 3, &flg) != FWG_OK ||
			fwg_cursor_u32le_at(in, 4, &mtime) != FWG_OK ||
			fwg_cursor_u8_at(in, 8, &xfl) != FWG_OK || fwg_cursor_u8_at(in, 9, &os) != FWG_OK)
		return false;
	fwg_node_attr_hex(node, "flags", flg);
	if (mtime)
		fwg_node_attr_int(node, "mtime", mtime);
	fwg_node_attr_int(node, "os", os);
	size_t off = GZIP_HEADER;
	if (flg & GZIP_FEXTRA) {
		uint16_t xlen;
		if (fwg_cursor_u16le_at(in, off, &xlen) != FWG_OK)
			return false;
		off += 2u + xlen;
	}
	if ((flg & GZIP_FNAME) && !gzip_string(node, in, &off, "original_name"))
		return false;
	if ((flg & GZIP_FCOMMENT) && !gzip_string(node, in, &off, "comment"))
		return false;
	return true;
}

/* ISIZE at the end of the window, when one member filling the window
 * could have produced it (deflate expands at most ~1032:1 and stored
 * blocks cost 5 bytes per 64 KiB). */
static bool gzip_size_hint(const struct fwg_cursor *in, uint64_t *size)
{
	uint32_t isize;
	if (in->size < GZIP_HEADER + GZIP_TRAILER ||
			fwg_cursor_u32le_at(in, in->size - 4, &isize) != FWG_OK)
		return false;
	uint64_t payload = in->size - GZIP_HEADER - GZIP_TRAILER;
	uint64_t min = payload > 5 * (payload / 65535 + 1) ? payload - 5 * (payload / 65535 + 1) : 0;
	if (isize < min / 2 || isize > payload * DEFLATE_MAX_RATIO + DEFLATE_MAX_RATIO)
		return false;
	*size = isize;
	return true;
}

static void gzip_decode(const struct fwg_cursor *in, struct sink *s, struct outcome *o)
{
	const uint8_t *base = input_bytes(in);
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (!base || inflateInit2(&z, 15 + 16) != Z_OK) {
		fail(o, HOW_NOMEM, 0, "out of memory");
		return;
	}
	size_t pos = 0;
	for (;;) {
		size_t left = in->size - pos;
		size_t feed = left < FEED_MAX ? left : FEED_MAX;
		uint8_t *out;
		size_t avail;
		sink_window(s, &out, &avail);
		if (avail > FEED_MAX)
			avail = FEED_MAX;
		z.next_in = (Bytef *)(uintptr_t)(base + pos);
		z.avail_in = (uInt)feed;
		z.next_out = out;
		z.avail_out = (uInt)avail;
		int ret = inflate(&z, Z_NO_FLUSH);
		size_t used = feed - z.avail_in, made = avail - z.avail_out;
		pos += used;
		if (!sink_advance(s, out, made))
			break;
		if (ret == Z_STREAM_END) {
			o->members++;
			o->consumed = pos;
			if (!gzip_magic_at(in, pos)) {
				o->how = HOW_END;
				break;
			}
			if (inflateReset(&z) != Z_OK) {
				fail(o, HOW_NOMEM, pos, "out of memory");
				break;
			}
			continue;
		}
		if (ret == Z_MEM_ERROR) {
			fail(o, HOW_NOMEM, pos, "out of memory");
			break;
		}
		if (ret != Z_OK && ret != Z_BUF_ERROR) {
			fail(o, HOW_CORRUPT, pos, z.msg ? z.msg : "invalid deflate data");
			break;
		}
		if (used == 0 && made == 0) {
			fail(o, pos == in->size ? HOW_TRUNCATED : HOW_CORRUPT, pos,
				"input ended inside a member");
			break;
		}
	}
	inflateEnd(&z);
}

static const struct codec gzip_codec = {
	.name = "gzip",
	.codes = CODES("gzip"),
	.scratch_size = SCRATCH_SIZE,
	.describe = gzip_describe,
	.size_hint = gzip_size_hint,
	.decode = gzip_decode,
};

static enum fwg_status gzip_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	return stream_parse(u, node, &gzip_codec);
}

static const struct fwg_magic gzip_magics[] = {
	{ "\x1f\x8b\x08", 3, 0 },
	{ NULL, 0, 0 },
};

const struct fwg_handler fwg_handler_gzip = {
	.name = "gzip",
	.description = "gzip stream (RFC 1952), multi-member, decoded with zlib",
	.node_type = FWG_TYPE_GZIP,
	.flags = FWG_HANDLER_CACHEABLE,
	.probe = gzip_probe,
	.parse = gzip_parse,
	.magics = gzip_magics,
};

/* ---- xz ---------------------------------------------------------------- */

#define XZ_HEADER 12u
static const uint8_t xz_magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 };

static bool xz_header_at(const struct fwg_cursor *c, size_t off, lzma_stream_flags *flags)
{
	const uint8_t *p;
	return fwg_cursor_bytes_at(c, off, XZ_HEADER, &p) == FWG_OK &&
		memcmp(p, xz_magic, sizeof(xz_magic)) == 0 &&
		lzma_stream_header_decode(flags, p) == LZMA_OK;
}

static int xz_probe(const struct fwg_cursor *body)
{
	lzma_stream_flags f;
	return xz_header_at(body, 0, &f) ? 95 : 0;
}

static const char *xz_check_name(lzma_check check)
{
	switch (check) {
	case LZMA_CHECK_NONE: return "none";
	case LZMA_CHECK_CRC32: return "crc32";
	case LZMA_CHECK_CRC64: return "crc64";
	case LZMA_CHECK_SHA256: return "sha256";
	default: return "unknown";
	}
}

static bool xz_describe(struct fwg_node *node, const struct fwg_cursor *in)
{
	lzma_stream_flags f;
	if (!xz_header_at(in, 0, &f))
		return false;
	fwg_node_attr_str(node, "check", xz_check_name(f.check));
	return true;
}

/* Decoded size from the index of the last stream, when the window ends
 * with a valid footer (stream padding allowed). */
static bool xz_size_hint(const struct fwg_cursor *in, uint64_t *size)
{
	size_t end = in->size & ~(size_t)3;
	while (end >= 4 && fwg_cursor_all_equal(in, end - 4, 4, 0))
		end -= 4;
	if (end != in->size && !all_zero_from(in, end))
		return false;
	const uint8_t *footer, *index;
	lzma_stream_flags f;
	if (end < 2 * XZ_HEADER || fwg_cursor_bytes_at(in, end - XZ_HEADER, XZ_HEADER, &footer) != FWG_OK ||
			lzma_stream_footer_decode(&f, footer) != LZMA_OK ||
			f.backward_size > end - 2 * XZ_HEADER)
		return false;
	size_t ilen = (size_t)f.backward_size;
	if (fwg_cursor_bytes_at(in, end - XZ_HEADER - ilen, ilen, &index) != FWG_OK)
		return false;
	lzma_index *idx = NULL;
	uint64_t memlimit = XZ_INDEX_MEMLIMIT;
	size_t ipos = 0;
	if (lzma_index_buffer_decode(&idx, &memlimit, NULL, index, &ipos, ilen) != LZMA_OK)
		return false;
	*size = lzma_index_uncompressed_size(idx);
	lzma_index_end(idx, NULL);
	return true;
}

static const char *lzma_error_text(lzma_ret ret)
{
	switch (ret) {
	case LZMA_MEMLIMIT_ERROR: return "dictionary needs more memory than allowed";
	case LZMA_FORMAT_ERROR: return "not an xz/lzma stream";
	case LZMA_OPTIONS_ERROR: return "unsupported options";
	case LZMA_DATA_ERROR: return "corrupt compressed data";
	case LZMA_BUF_ERROR: return "input ended inside the stream";
	case LZMA_UNSUPPORTED_CHECK: return "unsupported integrity check";
	default: return "decoder error";
	}
}

/* Runs an initialised liblzma decoder over [pos, size) until it ends.
 * Returns true at LZMA_STREAM_END with *pos after the stream. */
static bool lzma_run(lzma_stream *z, const uint8_t *base, const struct fwg_cursor *in,
		size_t *pos, struct sink *s, struct outcome *o)
{
	z->next_in = base + *pos;
	z->avail_in = in->size - *pos;
	for (;;) {
		uint8_t *out;
		size_t avail;
		sink_window(s, &out, &avail);
		z->next_out = out;
		z->avail_out = avail;
		size_t before = z->avail_in;
		lzma_ret ret = lzma_code(z, LZMA_FINISH);
		size_t made = avail - z->avail_out;
		*pos += before - z->avail_in;
		if (!sink_advance(s, out, made))
			return false;
		if (ret == LZMA_STREAM_END)
			return true;
		if (ret == LZMA_MEM_ERROR) {
			fail(o, HOW_NOMEM, *pos, "out of memory");
			return false;
		}
		if (ret == LZMA_BUF_ERROR || (ret == LZMA_OK && z->avail_in == 0 && made == 0)) {
			fail(o, HOW_TRUNCATED, *pos, "input ended inside the stream");
			return false;
		}
		if (ret != LZMA_OK) {
			fail(o, ret == LZMA_MEMLIMIT_ERROR || ret == LZMA_OPTIONS_ERROR ?
				HOW_UNSUPPORTED : HOW_CORRUPT, *pos, lzma_error_text(ret));
			return false;
		}
	}
}

static void xz_decode(const struct fwg_cursor *in, struct sink *s, struct outcome *o)
{
	const uint8_t *base = input_bytes(in);
	size_t pos = 0;
	lzma_stream_flags f;
	while (base && xz_header_at(in, pos, &f)) {
		lzma_stream z = LZMA_STREAM_INIT;
		if (lzma_stream_decoder(&z, XZ_MEMLIMIT, 0) != LZMA_OK) {
			fail(o, HOW_NOMEM, pos, "out of memory");
			return;
		}
		bool ended = lzma_run(&z, base, in, &pos, s, o);
		lzma_end(&z);
		if (!ended)
			return;
		o->members++;
		/* Stream padding: zeros in multiples of four. */
		size_t pad = pos;
		while (fwg_cursor_has(in, pad, 4) && fwg_cursor_all_equal(in, pad, 4, 0))
			pad += 4;
		o->consumed = xz_header_at(in, pad, &f) || all_zero_from(in, pad) ? pad : pos;
		pos = pad;
	}
	o->how = HOW_END;
}

static const struct codec xz_codec = {
	.name = "xz",
	.codes = CODES("xz"),
	.scratch_size = SCRATCH_SIZE,
	.describe = xz_describe,
	.size_hint = xz_size_hint,
	.decode = xz_decode,
};

static enum fwg_status xz_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	return stream_parse(u, node, &xz_codec);
}

static const struct fwg_magic xz_magics[] = {
	{ "\xfd" "7zXZ\x00", 6, 0 },
	{ NULL, 0, 0 },
};

const struct fwg_handler fwg_handler_xz = {
	.name = "xz",
	.description = "xz stream, decoded with liblzma",
	.node_type = FWG_TYPE_XZ,
	.flags = FWG_HANDLER_CACHEABLE,
	.probe = xz_probe,
	.parse = xz_parse,
	.magics = xz_magics,
};

/* ---- lzma (alone) ---------------------------------------------------- */

#define LZMA_ALONE_HEADER 13u
#define LZMA_PROPS_LIMIT 225u
#define LZMA_UNKNOWN_SIZE UINT64_MAX
#define LZMA_MAX_PLAUSIBLE_SIZE (1ull << 40)

struct lzma_alone_header {
	uint8_t props;
	uint32_t dict;
	uint64_t size;
};

/* Dictionary sizes encoders write: 2^n or 2^n + 2^(n-1), 4 KiB..3 GiB. */
static bool lzma_dict_plausible(uint32_t d)
{
	for (unsigned n = 12; n < 32; n++) {
		uint32_t p = 1u << n;
		if (d == p || d == p + (p >> 1))
			return true;
	}
	return false;
}

static bool lzma_header(const struct fwg_cursor *c, struct lzma_alone_header *h)
{
	uint8_t first;
	return fwg_cursor_u8_at(c, 0, &h->props) == FWG_OK &&
		fwg_cursor_u32le_at(c, 1, &h->dict) == FWG_OK &&
		fwg_cursor_u64le_at(c, 5, &h->size) == FWG_OK &&
		fwg_cursor_u8_at(c, LZMA_ALONE_HEADER, &first) == FWG_OK &&
		h->props < LZMA_PROPS_LIMIT && first == 0 && lzma_dict_plausible(h->dict) &&
		(h->size == LZMA_UNKNOWN_SIZE || h->size <= LZMA_MAX_PLAUSIBLE_SIZE);
}

static int lzma_probe(const struct fwg_cursor *body)
{
	struct lzma_alone_header h;
	return lzma_header(body, &h) ? 60 : 0;
}

static bool lzma_describe(struct fwg_node *node, const struct fwg_cursor *in)
{
	struct lzma_alone_header h;
	if (!lzma_header(in, &h))
		return false;
	fwg_node_attr_int(node, "lc", h.props % 9);
	fwg_node_attr_int(node, "lp", (h.props / 9) % 5);
	fwg_node_attr_int(node, "pb", h.props / 45);
	fwg_node_attr_hex(node, "dictionary_size", h.dict);
	return true;
}

static bool lzma_size_hint(const struct fwg_cursor *in, uint64_t *size)
{
	struct lzma_alone_header h;
	if (!lzma_header(in, &h) || h.size == LZMA_UNKNOWN_SIZE)
		return false;
	*size = h.size;
	return true;
}

static void lzma_decode(const struct fwg_cursor *in, struct sink *s, struct outcome *o)
{
	const uint8_t *base = input_bytes(in);
	lzma_stream z = LZMA_STREAM_INIT;
	if (!base || lzma_alone_decoder(&z, XZ_MEMLIMIT) != LZMA_OK) {
		fail(o, HOW_NOMEM, 0, "out of memory");
		return;
	}
	size_t pos = 0;
	if (lzma_run(&z, base, in, &pos, s, o)) {
		o->members = 1;
		o->consumed = pos;
		o->how = HOW_END;
	}
	lzma_end(&z);
}

static const struct codec lzma_codec = {
	.hint_declared = true,
	.name = "lzma",
	.codes = CODES("lzma"),
	.scratch_size = SCRATCH_SIZE,
	.describe = lzma_describe,
	.size_hint = lzma_size_hint,
	.decode = lzma_decode,
};

static enum fwg_status lzma_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	return stream_parse(u, node, &lzma_codec);
}

static const struct fwg_magic lzma_magics[] = {
	{ "\x5d\x00\x00", 3, 0 },
	{ NULL, 0, 0 },
};

const struct fwg_handler fwg_handler_lzma = {
	.name = "lzma",
	.description = "legacy .lzma (LZMA alone) stream, decoded with liblzma",
	.node_type = FWG_TYPE_LZMA,
	.flags = FWG_HANDLER_CACHEABLE,
	.probe = lzma_probe,
	.parse = lzma_parse,
	.magics = lzma_magics,
};

/* ---- zstd -------------------------------------------------------------- */

#define ZSTD_MAGIC 0xfd2fb528u
#define ZSTD_SKIPPABLE_MASK 0xfffffff0u
#define ZSTD_SKIPPABLE 0x184d2a50u
#define ZSTD_FHD_RESERVED 0x08u
#define ZSTD_FHD_CHECKSUM 0x04u
#define ZSTD_FRAME_HEADER_MAX 18u   /* magic + descriptor + window + dict id + size */

static bool zstd_frame_at(const struct fwg_cursor *c, size_t off)
{
	uint32_t m;
	if (fwg_cursor_u32le_at(c, off, &m) != FWG_OK)
		return false;
	return m == ZSTD_MAGIC || (m & ZSTD_SKIPPABLE_MASK) == ZSTD_SKIPPABLE;
}

static int zstd_probe(const struct fwg_cursor *body)
{
	uint32_t m;
	uint8_t fhd;
	if (fwg_cursor_u32le_at(body, 0, &m) != FWG_OK || m != ZSTD_MAGIC ||
			fwg_cursor_u8_at(body, 4, &fhd) != FWG_OK || (fhd & ZSTD_FHD_RESERVED))
		return 0;
	return 80;
}

static bool zstd_describe(struct fwg_node *node, const struct fwg_cursor *in)
{
	const uint8_t *p;
	uint8_t fhd;
	if (zstd_probe(in) == 0 || fwg_cursor_u8_at(in, 4, &fhd) != FWG_OK)
		return false;
	fwg_node_attr_bool(node, "content_checksum", (fhd & ZSTD_FHD_CHECKSUM) != 0);
	size_t head = in->size < ZSTD_FRAME_HEADER_MAX ? in->size : ZSTD_FRAME_HEADER_MAX;
	if (fwg_cursor_bytes_at(in, 0, head, &p) == FWG_OK) {
		unsigned dict = ZSTD_getDictID_fromFrame(p, head);
		if (dict)
			fwg_node_attr_hex(node, "dictionary_id", dict);
	}
	return true;
}

/* Sum of the content sizes of the consecutive frames, when every frame
 * states its own. */
static bool zstd_size_hint(const struct fwg_cursor *in, uint64_t *size)
{
	const uint8_t *base = input_bytes(in);
	uint64_t total = 0;
	size_t pos = 0;
	unsigned frames = 0;
	while (base && pos < in->size && zstd_frame_at(in, pos)) {
		size_t left = in->size - pos;
		size_t frame = ZSTD_findFrameCompressedSize(base + pos, left);
		if (ZSTD_isError(frame) || frame == 0 || frame > left)
			return false;
		uint32_t m;
		if (fwg_cursor_u32le_at(in, pos, &m) != FWG_OK)
			return false;
		if (m == ZSTD_MAGIC) {
			unsigned long long fcs = ZSTD_getFrameContentSize(base + pos, left);
			if (fcs == ZSTD_CONTENTSIZE_UNKNOWN || fcs == ZSTD_CONTENTSIZE_ERROR ||
					__builtin_add_overflow(total, fcs, &total))
				return false;
			frames++;
		}
		pos += frame;
	}
	if (frames == 0)
		return false;
	*size = total;
	return true;
}

static void zstd_decode(const struct fwg_cursor *in, struct sink *s, struct outcome *o)
{
	const uint8_t *base = input_bytes(in);
	ZSTD_DCtx *d = ZSTD_createDCtx();
	if (!base || !d) {
		ZSTD_freeDCtx(d);
		fail(o, HOW_NOMEM, 0, "out of memory");
		return;
	}
	(void)ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, ZSTD_WINDOW_LOG_MAX);
	ZSTD_inBuffer zin = { base, in->size, 0 };
	for (;;) {
		uint8_t *out;
		size_t avail;
		sink_window(s, &out, &avail);
		ZSTD_outBuffer zout = { out, avail, 0 };
		size_t before = zin.pos;
		size_t ret = ZSTD_decompressStream(d, &zout, &zin);
		if (!sink_advance(s, out, zout.pos))
			break;
		if (ZSTD_isError(ret)) {
			fail(o, HOW_CORRUPT, zin.pos, ZSTD_getErrorName(ret));
			break;
		}
		if (ret == 0) {
			/* A frame ended and is flushed. */
			o->members++;
			o->consumed = zin.pos;
			if (!zstd_frame_at(in, zin.pos)) {
				o->how = HOW_END;
				break;
			}
			continue;
		}
		if (zin.pos == before && zout.pos == 0) {
			/* No progress: the frame needs input that is not there. */
			fail(o, zin.pos == zin.size ? HOW_TRUNCATED : HOW_CORRUPT, zin.pos,
				"input ended inside a frame");
			break;
		}
	}
	ZSTD_freeDCtx(d);
}

static const struct codec zstd_codec = {
	.hint_declared = true,
	.name = "zstd",
	.codes = CODES("zstd"),
	.scratch_size = SCRATCH_SIZE,
	.describe = zstd_describe,
	.size_hint = zstd_size_hint,
	.decode = zstd_decode,
};

static enum fwg_status zstd_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	return stream_parse(u, node, &zstd_codec);
}

/* Bytes of the consecutive frames at the start (block headers only). */
static uint64_t zstd_extent(const struct fwg_cursor *body)
{
	const uint8_t *base = input_bytes(body);
	size_t pos = 0;
	while (base && pos < body->size && zstd_frame_at(body, pos)) {
		size_t frame = ZSTD_findFrameCompressedSize(base + pos, body->size - pos);
		if (ZSTD_isError(frame) || frame == 0 || frame > body->size - pos)
			break;
		pos += frame;
	}
	return pos;
}

static const struct fwg_magic zstd_magics[] = {
	{ "\x28\xb5\x2f\xfd", 4, 0 },
	{ NULL, 0, 0 },
};

const struct fwg_handler fwg_handler_zstd = {
	.name = "zstd",
	.description = "zstd frames (RFC 8878), decoded with libzstd",
	.node_type = FWG_TYPE_ZSTD,
	.flags = FWG_HANDLER_CACHEABLE,
	.probe = zstd_probe,
	.parse = zstd_parse,
	.magics = zstd_magics,
	.extent = zstd_extent,
};

/* ---- lz4 ----------------------------------------------------------------- */

#define LZ4_FRAME_MAGIC 0x184d2204u
#define LZ4_LEGACY_MAGIC 0x184c2102u
#define LZ4_SKIPPABLE 0x184d2a50u
#define LZ4_FLG_VERSION_MASK 0xc0u
#define LZ4_FLG_VERSION 0x40u
#define LZ4_FLG_BLOCK_CHECKSUM 0x10u
#define LZ4_FLG_CONTENT_SIZE 0x08u
#define LZ4_FLG_CONTENT_CHECKSUM 0x04u
#define LZ4_FLG_RESERVED 0x02u
#define LZ4_FLG_DICT_ID 0x01u
#define LZ4_BD_RESERVED 0x8fu
#define LZ4_BLOCK_STORED 0x80000000u
#define LZ4_LEGACY_BLOCK (8u * MiB)

static bool lz4_frame_header(const struct fwg_cursor *c, size_t off, uint8_t *flg, uint8_t *bd)
{
	uint32_t m;
	return fwg_cursor_u32le_at(c, off, &m) == FWG_OK && m == LZ4_FRAME_MAGIC &&
		fwg_cursor_u8_at(c, off + 4, flg) == FWG_OK &&
		fwg_cursor_u8_at(c, off + 5, bd) == FWG_OK &&
		(*flg & LZ4_FLG_VERSION_MASK) == LZ4_FLG_VERSION && !(*flg & LZ4_FLG_RESERVED) &&
		!(*bd & LZ4_BD_RESERVED) && ((*bd >> 4) & 7) >= 4;
}

static bool lz4_legacy_at(const struct fwg_cursor *c, size_t off)
{
	uint32_t m;
	return fwg_cursor_u32le_at(c, off, &m) == FWG_OK && m == LZ4_LEGACY_MAGIC;
}

static bool lz4_frame_at(const struct fwg_cursor *c, size_t off)
{
	uint32_t m;
	uint8_t flg, bd;
	if (lz4_frame_header(c, off, &flg, &bd))
		return true;
	return fwg_cursor_u32le_at(c, off, &m) == FWG_OK && (m & 0xfffffff0u) == LZ4_SKIPPABLE;
}

static int lz4_probe(const struct fwg_cursor *body)
{
	uint8_t flg, bd;
	uint32_t first;
	if (lz4_frame_header(body, 0, &flg, &bd))
		return 85;
	if (lz4_legacy_at(body, 0) && fwg_cursor_u32le_at(body, 4, &first) == FWG_OK &&
			first > 0 && first <= (uint32_t)LZ4_compressBound(LZ4_LEGACY_BLOCK))
		return 70;
	return 0;
}

static bool lz4_describe(struct fwg_node *node, const struct fwg_cursor *in)
{
	uint8_t flg, bd;
	if (lz4_legacy_at(in, 0)) {
		fwg_node_attr_str(node, "lz4_format", "legacy");
		return true;
	}
	if (!lz4_frame_header(in, 0, &flg, &bd))
		return false;
	fwg_node_attr_str(node, "lz4_format", "frame");
	fwg_node_attr_hex(node, "block_max_size", 1u << (8 + 2 * ((bd >> 4) & 7)));
	fwg_node_attr_bool(node, "content_checksum", (flg & LZ4_FLG_CONTENT_CHECKSUM) != 0);
	fwg_node_attr_bool(node, "block_checksum", (flg & LZ4_FLG_BLOCK_CHECKSUM) != 0);
	return true;
}

static bool lz4_size_hint(const struct fwg_cursor *in, uint64_t *size)
{
	uint8_t flg, bd;
	if (!lz4_frame_header(in, 0, &flg, &bd) || !(flg & LZ4_FLG_CONTENT_SIZE))
		return false;
	return fwg_cursor_u64le_at(in, 6, size) == FWG_OK;
}

static void lz4_frame_decode(const struct fwg_cursor *in, const uint8_t *base, struct sink *s,
		struct outcome *o)
{
	LZ4F_dctx *d = NULL;
	if (LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION))) {
		fail(o, HOW_NOMEM, 0, "out of memory");
		return;
	}
	size_t pos = 0;
	for (;;) {
		uint8_t *out;
		size_t avail;
		sink_window(s, &out, &avail);
		size_t src = in->size - pos, dst = avail;
		size_t ret = LZ4F_decompress(d, out, &dst, base + pos, &src, NULL);
		pos += src;
		if (!sink_advance(s, out, dst))
			break;
		if (LZ4F_isError(ret)) {
			fail(o, HOW_CORRUPT, pos, LZ4F_getErrorName(ret));
			break;
		}
		if (ret == 0) {
			o->members++;
			o->consumed = pos;
			if (!lz4_frame_at(in, pos)) {
				o->how = HOW_END;
				break;
			}
			continue;
		}
		if (src == 0 && dst == 0) {
			fail(o, pos == in->size ? HOW_TRUNCATED : HOW_CORRUPT, pos,
				"input ended inside a frame");
			break;
		}
	}
	LZ4F_freeDecompressionContext(d);
}

/* Legacy: blocks of u32 size + data until the input ends, a size no
 * block can have, or a new legacy magic. */
static void lz4_legacy_decode(const struct fwg_cursor *in, const uint8_t *base, struct sink *s,
		struct outcome *o)
{
	const uint32_t bound = (uint32_t)LZ4_compressBound(LZ4_LEGACY_BLOCK);
	size_t pos = 0;
	while (lz4_legacy_at(in, pos)) {
		pos += 4;
		o->members++;
		uint32_t csize;
		while (fwg_cursor_u32le_at(in, pos, &csize) == FWG_OK && csize != LZ4_LEGACY_MAGIC) {
			if (csize == 0 || csize > bound)
				break;
			if (!fwg_cursor_has(in, pos + 4, csize)) {
				fail(o, HOW_TRUNCATED, pos, "block runs past the input");
				return;
			}
			uint8_t *out;
			size_t avail;
			sink_window(s, &out, &avail);
			int cap = avail < LZ4_LEGACY_BLOCK ? (int)avail : (int)LZ4_LEGACY_BLOCK;
			int n = LZ4_decompress_safe((const char *)base + pos + 4, (char *)out, (int)csize,
				cap);
			if (n < 0 && out != s->scratch) {
				/* Maybe only the reservation is too small. */
				out = s->scratch;
				n = LZ4_decompress_safe((const char *)base + pos + 4, (char *)out,
					(int)csize, (int)LZ4_LEGACY_BLOCK);
			}
			if (n < 0) {
				fail(o, HOW_CORRUPT, pos, "invalid lz4 block");
				return;
			}
			if (!sink_advance(s, out, (size_t)n))
				return;
			pos += 4 + (size_t)csize;
			o->consumed = pos;
		}
		o->consumed = pos;
	}
	o->how = HOW_END;
}

static void lz4_decode(const struct fwg_cursor *in, struct sink *s, struct outcome *o)
{
	const uint8_t *base = input_bytes(in);
	if (!base) {
		fail(o, HOW_CORRUPT, 0, "empty input");
		return;
	}
	if (lz4_legacy_at(in, 0))
		lz4_legacy_decode(in, base, s, o);
	else
		lz4_frame_decode(in, base, s, o);
}

/* Legacy blocks decode whole, up to 8 MiB each. */
static size_t lz4_scratch(const struct fwg_cursor *in)
{
	return lz4_legacy_at(in, 0) ? LZ4_LEGACY_BLOCK : SCRATCH_SIZE;
}

static const struct codec lz4_codec = {
	.hint_declared = true,
	.name = "lz4",
	.codes = CODES("lz4"),
	.scratch_size = SCRATCH_SIZE,
	.scratch_for = lz4_scratch,
	.describe = lz4_describe,
	.size_hint = lz4_size_hint,
	.decode = lz4_decode,
};

static enum fwg_status lz4_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	return stream_parse(u, node, &lz4_codec);
}

/* Frame format: header, then block headers hopped to the end mark. */
static uint64_t lz4_extent(const struct fwg_cursor *body)
{
	uint8_t flg, bd;
	if (!lz4_frame_header(body, 0, &flg, &bd))
		return 0;
	size_t pos = 6 + ((flg & LZ4_FLG_CONTENT_SIZE) ? 8 : 0) +
		((flg & LZ4_FLG_DICT_ID) ? 4 : 0) + 1;
	size_t per_block = (flg & LZ4_FLG_BLOCK_CHECKSUM) ? 4 : 0;
	uint32_t word;
	while (fwg_cursor_u32le_at(body, pos, &word) == FWG_OK) {
		pos += 4;
		if (word == 0) {
			size_t end = pos + ((flg & LZ4_FLG_CONTENT_CHECKSUM) ? 4 : 0);
			return end <= body->size ? end : 0;
		}
		size_t len = (word & ~LZ4_BLOCK_STORED) + per_block;
		if (!fwg_cursor_has(body, pos, len))
			return 0;
		pos += len;
	}
	return 0;
}

static const struct fwg_magic lz4_magics[] = {
	{ "\x04\x22\x4d\x18", 4, 0 },
	{ "\x02\x21\x4c\x18", 4, 0 },
	{ NULL, 0, 0 },
};

const struct fwg_handler fwg_handler_lz4 = {
	.name = "lz4",
	.description = "lz4 frame or legacy (kernel) stream, decoded with liblz4",
	.node_type = FWG_TYPE_LZ4,
	.flags = FWG_HANDLER_CACHEABLE,
	.probe = lz4_probe,
	.parse = lz4_parse,
	.magics = lz4_magics,
	.extent = lz4_extent,
};

/* ---- bzip2 --------------------------------------------------------------- */

static const uint8_t bz_block_magic[6] = { 0x31, 0x41, 0x59, 0x26, 0x53, 0x59 };
static const uint8_t bz_end_magic[6] = { 0x17, 0x72, 0x45, 0x38, 0x50, 0x90 };

static bool bzip2_header_at(const struct fwg_cursor *c, size_t off, uint8_t *level)
{
	const uint8_t *p;
	if (fwg_cursor_bytes_at(c, off, 10, &p) != FWG_OK || p[0] != 'B' || p[1] != 'Z' ||
			p[2] != 'h' || p[3] < '1' || p[3] > '9')
		return false;
	*level = (uint8_t)(p[3] - '0');
	return memcmp(p + 4, bz_block_magic, 6) == 0 || memcmp(p + 4, bz_end_magic, 6) == 0;
}

static int bzip2_probe(const struct fwg_cursor *body)
{
	uint8_t level;
	return bzip2_header_at(body, 0, &level) ? 90 : 0;
}

static bool bzip2_describe(struct fwg_node *node, const struct fwg_cursor *in)
{
	uint8_t level;
	if (!bzip2_header_at(in, 0, &level))
		return false;
	fwg_node_attr_hex(node, "block_size", level * 100000u);
	return true;
}

static void bzip2_decode(const struct fwg_cursor *in, struct sink *s, struct outcome *o)
{
	const uint8_t *base = input_bytes(in);
	size_t pos = 0;
	uint8_t level;
	while (base && bzip2_header_at(in, pos, &level)) {
		bz_stream z;
		memset(&z, 0, sizeof(z));
		if (BZ2_bzDecompressInit(&z, 0, 0) != BZ_OK) {
			fail(o, HOW_NOMEM, pos, "out of memory");
			return;
		}
		int ret = BZ_OK;
		for (;;) {
			size_t left = in->size - pos;
			size_t feed = left < FEED_MAX ? left : FEED_MAX;
			uint8_t *out;
			size_t avail;
			sink_window(s, &out, &avail);
			if (avail > FEED_MAX)
				avail = FEED_MAX;
			z.next_in = (char *)(uintptr_t)(base + pos);
			z.avail_in = (unsigned)feed;
			z.next_out = (char *)out;
			z.avail_out = (unsigned)avail;
			ret = BZ2_bzDecompress(&z);
			size_t used = feed - z.avail_in, made = avail - z.avail_out;
			pos += used;
			if (!sink_advance(s, out, made)) {
				BZ2_bzDecompressEnd(&z);
				return;
			}
			if (ret == BZ_STREAM_END)
				break;
			if (ret == BZ_MEM_ERROR) {
				fail(o, HOW_NOMEM, pos, "out of memory");
				break;
			}
			if (ret != BZ_OK) {
				fail(o, HOW_CORRUPT, pos, ret == BZ_DATA_ERROR ? "block CRC or data error"
					: "invalid bzip2 data");
				break;
			}
			if (used == 0 && made == 0) {
				fail(o, pos == in->size ? HOW_TRUNCATED : HOW_CORRUPT, pos,
					"input ended inside a stream");
				ret = BZ_UNEXPECTED_EOF;
				break;
			}
		}
		BZ2_bzDecompressEnd(&z);
		if (ret != BZ_STREAM_END)
			return;
		o->members++;
		o->consumed = pos;
	}
	if (base)
		o->how = HOW_END;
	else
		fail(o, HOW_CORRUPT, 0, "empty input");
}

static const struct codec bzip2_codec = {
	.name = "bzip2",
	.codes = CODES("bzip2"),
	.scratch_size = SCRATCH_SIZE,
	.describe = bzip2_describe,
	.decode = bzip2_decode,
};

static enum fwg_status bzip2_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	return stream_parse(u, node, &bzip2_codec);
}

static const struct fwg_magic bzip2_magics[] = {
	{ "BZh", 3, 0 },
	{ NULL, 0, 0 },
};

const struct fwg_handler fwg_handler_bzip2 = {
	.name = "bzip2",
	.description = "bzip2 stream(s), decoded with libbz2",
	.node_type = FWG_TYPE_BZIP2,
	.flags = FWG_HANDLER_CACHEABLE,
	.probe = bzip2_probe,
	.parse = bzip2_parse,
	.magics = bzip2_magics,
};

/* ---- lzop ------------------------------------------------------------------ */

static const uint8_t lzop_magic[9] = { 0x89, 'L', 'Z', 'O', 0x00, 0x0d, 0x0a, 0x1a, 0x0a };
#define LZOP_F_ADLER32_D 0x00000001u
#define LZOP_F_ADLER32_C 0x00000002u
#define LZOP_F_H_EXTRA_FIELD 0x00000040u
#define LZOP_F_CRC32_D 0x00000100u
#define LZOP_F_CRC32_C 0x00000200u
#define LZOP_F_H_FILTER 0x00000800u
#define LZOP_F_H_CRC32 0x00001000u
#define LZOP_VERSION_LEVEL 0x0940u
#define LZOP_MAX_BLOCK (64u * MiB)
#define LZOP_METHOD_MIN 1u
#define LZOP_METHOD_MAX 3u

struct lzop_header {
	uint16_t version;
	uint8_t method, level;
	uint32_t flags, mode, mtime;
	size_t name, name_len;
	size_t blocks;        /* first block header */
	bool checksum_ok;
};

static bool lzop_magic_at(const struct fwg_cursor *c, size_t off)
{
	const uint8_t *p;
	return fwg_cursor_bytes_at(c, off, sizeof(lzop_magic), &p) == FWG_OK &&
		memcmp(p, lzop_magic, sizeof(lzop_magic)) == 0;
}

static uint32_t lzop_sum(bool crc, const uint8_t *p, size_t len)
{
	return crc ? lzo_crc32(0, p, (lzo_uint)len) : lzo_adler32(1, p, (lzo_uint)len);
}

static bool lzop_read_header(const struct fwg_cursor *c, size_t off, struct lzop_header *h)
{
	memset(h, 0, sizeof(*h));
	if (!lzop_magic_at(c, off))
		return false;
	size_t p = off + sizeof(lzop_magic);
	uint16_t libv, needed;
	uint8_t name_len;
	uint32_t v32, stored;
	if (fwg_cursor_u16be_at(c, p, &h->version) != FWG_OK ||
			fwg_cursor_u16be_at(c, p + 2, &libv) != FWG_OK)
		return false;
	p += 4;
	bool v2 = h->version >= LZOP_VERSION_LEVEL;
	if (v2) {
		if (fwg_cursor_u16be_at(c, p, &needed) != FWG_OK)
			return false;
		p += 2;
	}
	if (fwg_cursor_u8_at(c, p++, &h->method) != FWG_OK)
		return false;
	if (v2 && fwg_cursor_u8_at(c, p++, &h->level) != FWG_OK)
		return false;
	if (fwg_cursor_u32be_at(c, p, &h->flags) != FWG_OK)
		return false;
	p += 4;
	if (h->flags & LZOP_F_H_FILTER)
		p += 4;
	if (fwg_cursor_u32be_at(c, p, &h->mode) != FWG_OK ||
			fwg_cursor_u32be_at(c, p + 4, &h->mtime) != FWG_OK)
		return false;
	p += 8;
	if (v2)
		p += 4;
	if (fwg_cursor_u8_at(c, p++, &name_len) != FWG_OK || !fwg_cursor_has(c, p, name_len))
		return false;
	h->name = p;
	h->name_len = name_len;
	p += name_len;
	const uint8_t *hdr;
	size_t hlen = p - (off + sizeof(lzop_magic));
	if (fwg_cursor_u32be_at(c, p, &stored) != FWG_OK ||
			fwg_cursor_bytes_at(c, off + sizeof(lzop_magic), hlen, &hdr) != FWG_OK)
		return false;
	h->checksum_ok = lzop_sum(h->flags & LZOP_F_H_CRC32, hdr, hlen) == stored;
	p += 4;
	if (h->flags & LZOP_F_H_EXTRA_FIELD) {
		if (fwg_cursor_u32be_at(c, p, &v32) != FWG_OK || v32 > c->size)
			return false;
		p += 4;
		if (!fwg_cursor_has(c, p, (size_t)v32 + 4))
			return false;
		p += (size_t)v32 + 4;
	}
	h->blocks = p;
	return true;
}

static int lzop_probe(const struct fwg_cursor *body)
{
	return lzop_magic_at(body, 0) ? 95 : 0;
}

static bool lzop_describe(struct fwg_node *node, const struct fwg_cursor *in)
{
	struct lzop_header h;
	if (!lzop_read_header(in, 0, &h))
		return false;
	fwg_node_attr_hex(node, "lzop_version", h.version);
	fwg_node_attr_int(node, "method", h.method);
	fwg_node_attr_hex(node, "lzop_flags", h.flags);
	if (h.mtime)
		fwg_node_attr_int(node, "mtime", h.mtime);
	const uint8_t *name;
	if (h.name_len && fwg_cursor_bytes_at(in, h.name, h.name_len, &name) == FWG_OK) {
		char *text = fwg_text_escape_name((const char *)name, h.name_len);
		if (!text) {
			node->alloc_failed = true;
			return false;
		}
		fwg_node_attr_str(node, "original_name", text);
		free(text);
	}
	if (!h.checksum_ok)
		FWG_ERR(node, "lzo.header_checksum", 0, "header checksum does not match");
	return true;
}

struct lzop_block {
	uint32_t dsize, csize;
	bool has_dsum, has_csum;
	uint32_t dsum, csum;
	size_t data;
};

/* Block header at *pos; false at the end mark or on a bad header
 * (*bad set). */
static bool lzop_block_at(const struct fwg_cursor *c, uint32_t flags, size_t *pos,
		struct lzop_block *b, bool *bad)
{
	size_t p = *pos;
	*bad = false;
	memset(b, 0, sizeof(*b));
	if (fwg_cursor_u32be_at(c, p, &b->dsize) != FWG_OK) {
		*bad = true;
		return false;
	}
	if (b->dsize == 0) {
		*pos = p + 4;
		return false;
	}
	if (fwg_cursor_u32be_at(c, p + 4, &b->csize) != FWG_OK || b->dsize > LZOP_MAX_BLOCK ||
			b->csize > b->dsize) {
		*bad = true;
		return false;
	}
	p += 8;
	if (flags & (LZOP_F_ADLER32_D | LZOP_F_CRC32_D)) {
		b->has_dsum = true;
		if (fwg_cursor_u32be_at(c, p, &b->dsum) != FWG_OK) {
			*bad = true;
			return false;
		}
		p += 4;
	}
	if (b->csize < b->dsize && (flags & (LZOP_F_ADLER32_C | LZOP_F_CRC32_C))) {
		b->has_csum = true;
		if (fwg_cursor_u32be_at(c, p, &b->csum) != FWG_OK) {
			*bad = true;
			return false;
		}
		p += 4;
	}
	b->data = p;
	*pos = p;
	return true;
}

/* Sum of the decoded sizes of the blocks of every member. */
static bool lzo_size_hint(const struct fwg_cursor *in, uint64_t *size)
{
	struct lzop_header h;
	uint64_t total = 0;
	size_t pos = 0;
	while (lzop_read_header(in, pos, &h)) {
		pos = h.blocks;
		struct lzop_block b;
		bool bad;
		while (lzop_block_at(in, h.flags, &pos, &b, &bad)) {
			total += b.dsize;
			if (!fwg_cursor_has(in, b.data, b.csize))
				break;
			pos = b.data + b.csize;
		}
		if (bad)
			break;
	}
	*size = total;
	return total > 0;
}

static void lzo_decode(const struct fwg_cursor *in, struct sink *s, struct outcome *o)
{
	const uint8_t *base = input_bytes(in);
	struct lzop_header h;
	size_t pos = 0;
	if (!base || lzo_init() != LZO_E_OK) {
		fail(o, HOW_CORRUPT, 0, "liblzo2 unavailable");
		return;
	}
	while (lzop_read_header(in, pos, &h)) {
		if (h.method < LZOP_METHOD_MIN || h.method > LZOP_METHOD_MAX) {
			fail(o, HOW_UNSUPPORTED, pos, "compression method other than LZO1X");
			return;
		}
		if (h.flags & LZOP_F_H_FILTER) {
			fail(o, HOW_UNSUPPORTED, pos, "filtered lzop data");
			return;
		}
		bool crc_d = h.flags & LZOP_F_CRC32_D, crc_c = h.flags & LZOP_F_CRC32_C;
		pos = h.blocks;
		struct lzop_block b;
		bool bad;
		while (lzop_block_at(in, h.flags, &pos, &b, &bad)) {
			if (!fwg_cursor_has(in, b.data, b.csize)) {
				fail(o, HOW_TRUNCATED, pos, "block runs past the input");
				return;
			}
			const uint8_t *src = base + b.data;
			if (b.has_csum && lzop_sum(crc_c, src, b.csize) != b.csum) {
				fail(o, HOW_CORRUPT, pos, "compressed block checksum mismatch");
				return;
			}
			if (!s->buf) {
				/* Counting: block sizes are exact, nothing to decode. */
				if (!sink_count(s, b.dsize))
					return;
			} else {
				uint8_t *out;
				size_t avail;
				sink_window(s, &out, &avail);
				if (out == s->scratch || avail < b.dsize) {
					s->overflow = true;
					return;
				}
				lzo_uint made = b.dsize;
				if (b.csize == b.dsize) {
					memcpy(out, src, b.dsize);
				} else if (lzo1x_decompress_safe(src, b.csize, out, &made, NULL) != LZO_E_OK ||
						made != b.dsize) {
					fail(o, HOW_CORRUPT, pos, "invalid LZO1X block");
					return;
				}
				if (b.has_dsum && lzop_sum(crc_d, out, b.dsize) != b.dsum) {
					fail(o, HOW_CORRUPT, pos, "decoded block checksum mismatch");
					return;
				}
				if (!sink_advance(s, out, b.dsize))
					return;
			}
			pos = b.data + b.csize;
		}
		if (bad) {
			fail(o, fwg_cursor_has(in, pos, 8) ? HOW_CORRUPT : HOW_TRUNCATED, pos,
				"bad block header");
			return;
		}
		o->members++;
		o->consumed = pos;
	}
	o->how = HOW_END;
}

static const struct codec lzo_codec = {
	.hint_declared = true,
	.name = "lzo",
	.codes = CODES("lzo"),
	.scratch_size = SCRATCH_SIZE,
	.describe = lzop_describe,
	.size_hint = lzo_size_hint,
	.decode = lzo_decode,
};

static enum fwg_status lzo_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	return stream_parse(u, node, &lzo_codec);
}

static uint64_t lzo_extent(const struct fwg_cursor *body)
{
	struct lzop_header h;
	size_t pos = 0;
	uint64_t end = 0;
	while (lzop_read_header(body, pos, &h)) {
		pos = h.blocks;
		struct lzop_block b;
		bool bad;
		while (lzop_block_at(body, h.flags, &pos, &b, &bad)) {
			if (!fwg_cursor_has(body, b.data, b.csize))
				return 0;
			pos = b.data + b.csize;
		}
		if (bad)
			return end;
		end = pos;
	}
	return end;
}

static const struct fwg_magic lzo_magics[] = {
	{ "\x89LZO\x00\x0d\x0a\x1a\x0a", 9, 0 },
	{ NULL, 0, 0 },
};

const struct fwg_handler fwg_handler_lzo = {
	.name = "lzo",
	.description = "lzop file (LZO1X), decoded with liblzo2",
	.node_type = FWG_TYPE_LZO,
	.flags = FWG_HANDLER_CACHEABLE,
	.probe = lzop_probe,
	.parse = lzo_parse,
	.magics = lzo_magics,
	.extent = lzo_extent,
};
