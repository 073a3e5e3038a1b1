/*
 * tiano_compress_testutil.h - TEST-ONLY EFI 1.1 / Tiano compressor, so the
 * decompressor tests can round-trip arbitrary data, plus the MSB-first bit
 * writer it uses (exported so tests can hand-craft malformed streams).
 *
 * Not part of the library and not hardened: it trusts its arguments.
 */
#ifndef FWG_TESTS_TIANO_COMPRESS_TESTUTIL_H
#define FWG_TESTS_TIANO_COMPRESS_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tiano_decompress.h"

struct fwg_test_tiano_opts {
	unsigned block_symbols; /* symbols per block, 1..65536; 0 = 16384 */
	unsigned max_chain;     /* hash-chain candidates tried per position; 0 = 64 */
	bool literals_only;     /* no matches at all */
};

struct fwg_test_tiano_stats {
	size_t blocks;
	size_t literals;
	size_t matches;
	size_t overlapping_matches; /* length > distance */
	unsigned max_c_len;         /* longest char/length code used */
	unsigned max_p_sym;         /* largest position symbol used */
	unsigned single_c_blocks;   /* blocks whose C code has a single symbol */
};

/*
 * Compresses src into a malloc'd buffer (header included) for the given
 * variant.  opts and stats may be NULL.  Returns 0, or -1 on allocation
 * failure or bad options.
 */
int fwg_test_tiano_compress(const uint8_t *src, size_t len, enum fwg_tiano_variant variant,
			    const struct fwg_test_tiano_opts *opts, uint8_t **out, size_t *out_len,
			    struct fwg_test_tiano_stats *stats);

/* MSB-first bit writer; the first 8 bytes are reserved for the header. */
struct fwg_test_bitwriter {
	uint8_t *buf;
	size_t len;
	size_t cap;
	uint64_t acc;
	unsigned nacc;
	bool failed;
};

void fwg_test_bw_init(struct fwg_test_bitwriter *bw);
/* Appends the low nbits (<= 32) of value, most significant first. */
void fwg_test_bw_put(struct fwg_test_bitwriter *bw, unsigned nbits, uint32_t value);
/*
 * Pads to a byte with zeros, fills in the header (compressed size = payload
 * bytes, original size as given) and hands over the buffer.  Returns 0 or -1.
 */
int fwg_test_bw_finish(struct fwg_test_bitwriter *bw, uint32_t original_size, uint8_t **out,
		       size_t *out_len);
void fwg_test_bw_free(struct fwg_test_bitwriter *bw);

#endif /* FWG_TESTS_TIANO_COMPRESS_TESTUTIL_H */
