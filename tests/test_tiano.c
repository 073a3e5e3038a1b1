/*
 * test_tiano.c - cmocka tests for the EFI 1.1 / Tiano decompressor
 * (src/handlers/uefi/tiano_decompress.c): round trips through the test-only
 * compressor, hand-crafted edge-case and malformed streams, truncation and
 * bit-flip robustness, header checks, and reference vectors produced by
 * EDK2's own compressor.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tiano_compress_testutil.h"
#include "tiano_decompress.h"

static const enum fwg_tiano_variant variants[] = { FWG_TIANO_EFI11, FWG_TIANO_TIANO };

/* ---- helpers ---- */

static uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

static uint8_t *xmalloc(size_t n)
{
	uint8_t *p = malloc(n ? n : 1);
	assert_non_null(p);
	return p;
}

static uint8_t *make_random(size_t n, uint64_t seed)
{
	uint8_t *p = xmalloc(n);
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(rng_next(&seed) >> 32);
	return p;
}

static uint8_t *make_text(size_t n, uint64_t seed)
{
	static const char *const words[] = {
		"firmware", "volume", "section", "guid", "the", "a", "of", "driver", "pei",
		"dxe", "capsule", "signature", "header", "image", "compressed", "and", "to",
		"is", "UEFI", "EFI_SUCCESS", "\n", ", ", ".", "0x1F", "boot",
	};
	uint8_t *p = xmalloc(n);
	size_t i = 0;
	while (i < n) {
		const char *w = words[rng_next(&seed) % (sizeof(words) / sizeof(words[0]))];
		for (size_t k = 0; w[k] && i < n; k++)
			p[i++] = (uint8_t)w[k];
		if (i < n)
			p[i++] = ' ';
	}
	return p;
}

/* Compresses, checks get_info, decompresses, compares; returns compressor stats. */
static struct fwg_test_tiano_stats roundtrip(const uint8_t *data, size_t len,
					     enum fwg_tiano_variant v,
					     const struct fwg_test_tiano_opts *opts)
{
	struct fwg_test_tiano_stats st;
	uint8_t *comp = NULL;
	size_t comp_len = 0;
	uint32_t csize = 0, osize = 0;
	const char *why = NULL;
	uint8_t *out;

	assert_int_equal(fwg_test_tiano_compress(data, len, v, opts, &comp, &comp_len, &st), 0);
	assert_int_equal(fwg_tiano_get_info(comp, comp_len, &csize, &osize, &why), 0);
	assert_int_equal(csize, comp_len - 8);
	assert_int_equal(osize, len);
	out = xmalloc(len);
	if (fwg_tiano_decompress(comp, comp_len, out, len, v, &why) != 0)
		fail_msg("decompress failed: %s", why);
	if (len)
		assert_memory_equal(out, data, len);
	free(out);
	free(comp);
	return st;
}

/* ---- round trips ---- */

static void test_roundtrip_small(void **state)
{
	(void)state;
	static const uint8_t one[] = { 0x41 };
	static const uint8_t abc[] = "abc";
	static const uint8_t abab[] = "abababababababababababababababab";
	for (size_t i = 0; i < 2; i++) {
		roundtrip(NULL, 0, variants[i], NULL);
		roundtrip(one, 1, variants[i], NULL);
		roundtrip(abc, 3, variants[i], NULL);
		struct fwg_test_tiano_stats st = roundtrip(abab, sizeof(abab) - 1, variants[i], NULL);
		assert_true(st.overlapping_matches > 0);
	}
}

static void test_roundtrip_zeros_64k(void **state)
{
	(void)state;
	size_t n = 64 * 1024;
	uint8_t *z = calloc(n, 1);
	assert_non_null(z);
	for (size_t i = 0; i < 2; i++) {
		struct fwg_test_tiano_stats st = roundtrip(z, n, variants[i], NULL);
		assert_true(st.matches > 0);
		assert_true(st.overlapping_matches > 0);
	}
	free(z);
}

static void test_roundtrip_random_200k(void **state)
{
	(void)state;
	size_t n = 200 * 1024;
	uint8_t *r = make_random(n, 0x1234567);
	for (size_t i = 0; i < 2; i++) {
		struct fwg_test_tiano_stats st = roundtrip(r, n, variants[i], NULL);
		assert_true(st.blocks > 1);
		assert_true(st.literals > n / 2);
	}
	free(r);
}

static void test_roundtrip_text(void **state)
{
	(void)state;
	size_t n = 150 * 1024;
	uint8_t *t = make_text(n, 42);
	struct fwg_test_tiano_opts o = { .block_symbols = 5000 };
	for (size_t i = 0; i < 2; i++) {
		struct fwg_test_tiano_stats st = roundtrip(t, n, variants[i], &o);
		assert_true(st.matches > 1000);
		assert_true(st.literals > 100);
		assert_true(st.max_p_sym >= 10);
		assert_true(st.blocks > 1);
	}
	free(t);
}

static void test_roundtrip_repetitive(void **state)
{
	(void)state;
	size_t n = 300 * 1024;
	uint8_t *p = xmalloc(n);
	uint8_t *chunk = make_random(3000, 99);
	/* a 3000-byte random chunk repeated: matches at distance 3000 */
	for (size_t i = 0; i < n; i++)
		p[i] = chunk[i % 3000];
	for (size_t i = 0; i < 2; i++) {
		struct fwg_test_tiano_stats st = roundtrip(p, n, variants[i], NULL);
		assert_true(st.matches > 0);
	}
	free(p);
	free(chunk);
}

/* Repeats at distance ~100 KiB: only the Tiano window (512 KiB) reaches them. */
static void test_roundtrip_long_distance(void **state)
{
	(void)state;
	size_t half = 100 * 1024;
	uint8_t *r = make_random(half, 7);
	uint8_t *p = xmalloc(2 * half);
	memcpy(p, r, half);
	memcpy(p + half, r, half);
	struct fwg_test_tiano_stats efi = roundtrip(p, 2 * half, FWG_TIANO_EFI11, NULL);
	struct fwg_test_tiano_stats tiano = roundtrip(p, 2 * half, FWG_TIANO_TIANO, NULL);
	assert_true(efi.max_p_sym <= 13);
	assert_true(tiano.max_p_sym >= 17);
	assert_true(tiano.matches > 0);
	free(r);
	free(p);
}

/*
 * Fibonacci symbol frequencies give a maximally skewed Huffman tree: 17
 * byte values need codes of 1..16 bits, so the longest codes take the
 * decoder's slow path (beyond its 12-bit lookup).
 */
static void test_roundtrip_long_codes(void **state)
{
	(void)state;
	uint32_t fib[17] = { 1, 1 };
	size_t n = 0;
	uint64_t seed = 5;
	for (int k = 2; k < 17; k++)
		fib[k] = fib[k - 1] + fib[k - 2];
	for (int k = 0; k < 17; k++)
		n += fib[k];
	uint8_t *p = xmalloc(n);
	size_t at = 0;
	for (int k = 0; k < 17; k++)
		for (uint32_t j = 0; j < fib[k]; j++)
			p[at++] = (uint8_t)(k * 13);
	for (size_t i = n - 1; i > 0; i--) { /* shuffle */
		size_t j = (size_t)(rng_next(&seed) % (i + 1));
		uint8_t t = p[i];
		p[i] = p[j];
		p[j] = t;
	}
	struct fwg_test_tiano_opts o = { .literals_only = true };
	for (size_t i = 0; i < 2; i++) {
		struct fwg_test_tiano_stats st = roundtrip(p, n, variants[i], &o);
		assert_int_equal(st.max_c_len, 16);
		assert_int_equal(st.matches, 0);
	}
	free(p);
}

/* Geometric byte distribution deep enough that the compressor must limit lengths. */
static void test_roundtrip_length_limited(void **state)
{
	(void)state;
	size_t n = 300 * 1024;
	uint64_t seed = 5;
	uint8_t *p = xmalloc(n);
	for (size_t i = 0; i < n; i++) {
		uint64_t r = rng_next(&seed) | (1ull << 40);
		uint8_t zeros = 0;
		while ((r & 1) == 0) {
			r >>= 1;
			zeros++;
		}
		p[i] = zeros; /* P(k) = 2^-(k+1) */
	}
	struct fwg_test_tiano_opts o = { .literals_only = true, .block_symbols = 65535 };
	for (size_t i = 0; i < 2; i++) {
		struct fwg_test_tiano_stats st = roundtrip(p, n, variants[i], &o);
		assert_true(st.max_c_len > 12);
		assert_true(st.max_c_len <= 16);
	}
	free(p);
}

static void test_roundtrip_block_sizes(void **state)
{
	(void)state;
	static const unsigned sizes[] = { 1, 2, 7, 100, 1000 };
	size_t n = 20 * 1024;
	uint8_t *t = make_text(n, 11);
	for (size_t i = 0; i < 2; i++) {
		for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
			struct fwg_test_tiano_opts o = { .block_symbols = sizes[k] };
			struct fwg_test_tiano_stats st = roundtrip(t, n, variants[i], &o);
			assert_true(st.blocks > 1);
			if (sizes[k] == 1)
				assert_int_equal(st.single_c_blocks, st.blocks);
		}
	}
	free(t);
}

/* A block of exactly 65536 symbols has its size field written as 0. */
static void test_roundtrip_block_65536(void **state)
{
	(void)state;
	size_t n = 70000;
	uint8_t *r = make_random(n, 3);
	struct fwg_test_tiano_opts o = { .literals_only = true, .block_symbols = 65536 };
	for (size_t i = 0; i < 2; i++) {
		struct fwg_test_tiano_stats st = roundtrip(r, n, variants[i], &o);
		assert_int_equal(st.blocks, 2);
	}
	free(r);
}

static void test_roundtrip_many_seeds(void **state)
{
	(void)state;
	uint64_t seed = 77;
	for (int iter = 0; iter < 60; iter++) {
		size_t n = (size_t)(rng_next(&seed) % 5000);
		uint8_t *p = xmalloc(n);
		unsigned alphabet = 1 + (unsigned)(rng_next(&seed) % 256);
		for (size_t i = 0; i < n; i++)
			p[i] = (uint8_t)(rng_next(&seed) % alphabet);
		struct fwg_test_tiano_opts o = {
			.block_symbols = 1 + (unsigned)(rng_next(&seed) % 3000),
			.max_chain = 1 + (unsigned)(rng_next(&seed) % 16),
		};
		roundtrip(p, n, variants[iter & 1], &o);
		free(p);
	}
}

/* ---- hand-crafted streams ---- */

/* Finishes bw and decodes with variant v into a buffer of orig bytes. */
static int decode_crafted(struct fwg_test_bitwriter *bw, uint32_t orig,
			  enum fwg_tiano_variant v, uint8_t *out, const char **why)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int ret;
	assert_int_equal(fwg_test_bw_finish(bw, orig, &buf, &len), 0);
	ret = fwg_tiano_decompress(buf, len, out, orig, v, why);
	free(buf);
	return ret;
}

/* T table: single symbol t (zero-bit code). */
static void put_t_single(struct fwg_test_bitwriter *bw, unsigned t)
{
	fwg_test_bw_put(bw, 5, 0);
	fwg_test_bw_put(bw, 5, t);
}

static void test_crafted_backref_before_start(void **state)
{
	(void)state;
	for (size_t i = 0; i < 2; i++) {
		unsigned pbit = variants[i] == FWG_TIANO_EFI11 ? 4 : 5;
		struct fwg_test_bitwriter bw;
		uint8_t out[3];
		const char *why = NULL;
		fwg_test_bw_init(&bw);
		fwg_test_bw_put(&bw, 16, 1);
		put_t_single(&bw, 0);
		fwg_test_bw_put(&bw, 9, 0);   /* C: single symbol */
		fwg_test_bw_put(&bw, 9, 256); /* match of length 3 */
		fwg_test_bw_put(&bw, pbit, 0); /* P: single symbol 0 (distance 1) */
		fwg_test_bw_put(&bw, pbit, 0);
		assert_int_equal(decode_crafted(&bw, 3, variants[i], out, &why), FWG_TIANO_E_CORRUPT);
		assert_string_equal(why, "position beyond output start");
	}
}

/*
 * Writes a block header whose T code is {2: "0", 3: "1"} and whose C code is
 * {lit: "0", msym: "1"} (lit < msym), with a single-symbol P code p.
 */
static void put_two_symbol_block(struct fwg_test_bitwriter *bw, unsigned block, unsigned lit,
				 unsigned msym, unsigned pbit, unsigned p)
{
	fwg_test_bw_put(bw, 16, block);
	fwg_test_bw_put(bw, 5, 4); /* T lengths: 0, 0, 1, [0 zeros], 1 */
	fwg_test_bw_put(bw, 3, 0);
	fwg_test_bw_put(bw, 3, 0);
	fwg_test_bw_put(bw, 3, 1);
	fwg_test_bw_put(bw, 2, 0);
	fwg_test_bw_put(bw, 3, 1);
	fwg_test_bw_put(bw, 9, msym + 1); /* C lengths */
	assert_true(lit >= 20 && msym - lit - 1 >= 20);
	fwg_test_bw_put(bw, 1, 0); /* T2: 20 + n zeros */
	fwg_test_bw_put(bw, 9, lit - 20);
	fwg_test_bw_put(bw, 1, 1); /* T3: length 1 */
	fwg_test_bw_put(bw, 1, 0);
	fwg_test_bw_put(bw, 9, msym - lit - 1 - 20);
	fwg_test_bw_put(bw, 1, 1);
	fwg_test_bw_put(bw, pbit, 0); /* P: single symbol p */
	fwg_test_bw_put(bw, pbit, p);
}

/* 'x' then a match of length 10 at distance 1, cut to the 5-byte output. */
static void test_crafted_match_truncated_at_end(void **state)
{
	(void)state;
	for (size_t i = 0; i < 2; i++) {
		unsigned pbit = variants[i] == FWG_TIANO_EFI11 ? 4 : 5;
		struct fwg_test_bitwriter bw;
		uint8_t out[5];
		const char *why = NULL;
		fwg_test_bw_init(&bw);
		put_two_symbol_block(&bw, 2, 'x', 10 + 253, pbit, 0);
		fwg_test_bw_put(&bw, 1, 0);
		fwg_test_bw_put(&bw, 1, 1);
		assert_int_equal(decode_crafted(&bw, 5, variants[i], out, &why), 0);
		assert_memory_equal(out, "xxxxx", 5);
	}
}

/* Writes a garbage block header: an over-subscribed T code. */
static void put_bad_block_header(struct fwg_test_bitwriter *bw)
{
	fwg_test_bw_put(bw, 16, 1);
	fwg_test_bw_put(bw, 5, 3);
	for (int i = 0; i < 3; i++)
		fwg_test_bw_put(bw, 3, 1);
	fwg_test_bw_put(bw, 2, 0);
}

/*
 * Like EDK2: when the output fills with a literal that ends its block, the
 * next block header is still read and must be valid; after a match it is not.
 */
static void test_crafted_header_after_last_symbol(void **state)
{
	(void)state;
	struct fwg_test_bitwriter bw;
	uint8_t out[4];
	const char *why = NULL;

	for (int bad = 0; bad <= 1; bad++) {
		fwg_test_bw_init(&bw);
		fwg_test_bw_put(&bw, 16, 1);
		put_t_single(&bw, 0);
		fwg_test_bw_put(&bw, 9, 0);   /* C: single literal 'a' */
		fwg_test_bw_put(&bw, 9, 'a');
		fwg_test_bw_put(&bw, 4, 0);   /* P: single symbol 0 */
		fwg_test_bw_put(&bw, 4, 0);
		if (bad)
			put_bad_block_header(&bw);
		int ret = decode_crafted(&bw, 1, FWG_TIANO_EFI11, out, &why);
		if (bad) {
			assert_int_equal(ret, FWG_TIANO_E_CORRUPT);
			assert_string_equal(why, "bad huffman table");
		} else {
			assert_int_equal(ret, 0);
			assert_int_equal(out[0], 'a');
		}
	}

	/* 'x' then a match of 3 at distance 1 ends the block and the output */
	fwg_test_bw_init(&bw);
	put_two_symbol_block(&bw, 2, 'x', 256, 4, 0);
	fwg_test_bw_put(&bw, 2, 1); /* symbols "0" then "1" */
	put_bad_block_header(&bw);
	assert_int_equal(decode_crafted(&bw, 4, FWG_TIANO_EFI11, out, &why), 0);
	assert_memory_equal(out, "xxxx", 4);
}

/* Bits past the end of the input read as zeros (EDK2 behaviour). */
static void test_crafted_zero_padding(void **state)
{
	(void)state;
	struct fwg_test_bitwriter bw;
	uint8_t out[6];
	const char *why = NULL;
	fwg_test_bw_init(&bw);
	put_two_symbol_block(&bw, 6, 'A', 'z', 4, 0);
	fwg_test_bw_put(&bw, 1, 1); /* 'z'; the rest comes from padding: 'A' */
	assert_int_equal(decode_crafted(&bw, 6, FWG_TIANO_EFI11, out, &why), 0);
	assert_memory_equal(out, "zAAAAA", 6);
}

/* Position symbol p = 5 with extra bits: distance = (1 << 4) + extra + 1. */
static void test_crafted_position_extra_bits(void **state)
{
	(void)state;
	for (size_t i = 0; i < 2; i++) {
		unsigned pbit = variants[i] == FWG_TIANO_EFI11 ? 4 : 5;
		struct fwg_test_bitwriter bw;
		uint8_t out[40];
		uint8_t expect[40];
		const char *why = NULL;
		fwg_test_bw_init(&bw);
		/* 30 literals 'q', then match len 4 from distance 16 + 3 + 1 = 20 */
		put_two_symbol_block(&bw, 31, 'q', 4 + 253, pbit, 5);
		for (int k = 0; k < 30; k++)
			fwg_test_bw_put(&bw, 1, 0);
		fwg_test_bw_put(&bw, 1, 1);
		fwg_test_bw_put(&bw, 4, 3);
		memset(expect, 'q', 34);
		assert_int_equal(decode_crafted(&bw, 34, variants[i], out, &why), 0);
		assert_memory_equal(out, expect, 34);
	}
}

static void expect_bad_table(struct fwg_test_bitwriter *bw, enum fwg_tiano_variant v)
{
	uint8_t out[4];
	const char *why = NULL;
	assert_int_equal(decode_crafted(bw, 4, v, out, &why), FWG_TIANO_E_CORRUPT);
	assert_string_equal(why, "bad huffman table");
}

static void test_crafted_bad_tables(void **state)
{
	(void)state;
	struct fwg_test_bitwriter bw;

	/* over-subscribed T code: three codes of length 1 */
	fwg_test_bw_init(&bw);
	fwg_test_bw_put(&bw, 16, 1);
	fwg_test_bw_put(&bw, 5, 3);
	for (int i = 0; i < 3; i++)
		fwg_test_bw_put(&bw, 3, 1);
	fwg_test_bw_put(&bw, 2, 0);
	expect_bad_table(&bw, FWG_TIANO_EFI11);

	/* over-subscribed so that the sum wraps to exactly 2^17 (EDK2's CVE shape) */
	fwg_test_bw_init(&bw);
	fwg_test_bw_put(&bw, 16, 1);
	fwg_test_bw_put(&bw, 5, 4);
	for (int i = 0; i < 3; i++)
		fwg_test_bw_put(&bw, 3, 1);
	fwg_test_bw_put(&bw, 2, 0);
	fwg_test_bw_put(&bw, 3, 1);
	expect_bad_table(&bw, FWG_TIANO_EFI11);

	/* incomplete T code: a single code of length 1 */
	fwg_test_bw_init(&bw);
	fwg_test_bw_put(&bw, 16, 1);
	fwg_test_bw_put(&bw, 5, 1);
	fwg_test_bw_put(&bw, 3, 1);
	expect_bad_table(&bw, FWG_TIANO_EFI11);

	/* T length 17 (111 + 10 ones + 0) in a used position */
	fwg_test_bw_init(&bw);
	fwg_test_bw_put(&bw, 16, 1);
	fwg_test_bw_put(&bw, 5, 2);
	fwg_test_bw_put(&bw, 14, 0x3ffe);
	fwg_test_bw_put(&bw, 3, 1);
	expect_bad_table(&bw, FWG_TIANO_EFI11);

	/* T single symbol outside the 19-symbol set */
	fwg_test_bw_init(&bw);
	fwg_test_bw_put(&bw, 16, 1);
	put_t_single(&bw, 19);
	expect_bad_table(&bw, FWG_TIANO_TIANO);

	/* C single symbol 510 and 511 (outside NC) */
	for (unsigned s = 510; s <= 511; s++) {
		fwg_test_bw_init(&bw);
		fwg_test_bw_put(&bw, 16, 1);
		put_t_single(&bw, 0);
		fwg_test_bw_put(&bw, 9, 0);
		fwg_test_bw_put(&bw, 9, s);
		expect_bad_table(&bw, FWG_TIANO_EFI11);
	}

	/* C lengths all 3 for 2 symbols: incomplete */
	fwg_test_bw_init(&bw);
	fwg_test_bw_put(&bw, 16, 1);
	put_t_single(&bw, 5);
	fwg_test_bw_put(&bw, 9, 2);
	expect_bad_table(&bw, FWG_TIANO_EFI11);

	/* Tiano P single symbol 31 (outside the 31-symbol set) */
	fwg_test_bw_init(&bw);
	fwg_test_bw_put(&bw, 16, 1);
	put_t_single(&bw, 0);
	fwg_test_bw_put(&bw, 9, 0);
	fwg_test_bw_put(&bw, 9, 'a');
	fwg_test_bw_put(&bw, 5, 0);
	fwg_test_bw_put(&bw, 5, 31);
	expect_bad_table(&bw, FWG_TIANO_TIANO);
}

/* Declared C lengths that are all zero: accepted, but decoding with them fails. */
static void test_crafted_empty_table(void **state)
{
	(void)state;
	struct fwg_test_bitwriter bw;
	uint8_t out[4];
	const char *why = NULL;
	fwg_test_bw_init(&bw);
	fwg_test_bw_put(&bw, 16, 1);
	put_t_single(&bw, 0);       /* every C entry is "one zero length" */
	fwg_test_bw_put(&bw, 9, 5); /* five zero lengths */
	fwg_test_bw_put(&bw, 4, 0);
	fwg_test_bw_put(&bw, 4, 0);
	assert_int_equal(decode_crafted(&bw, 4, FWG_TIANO_EFI11, out, &why), FWG_TIANO_E_CORRUPT);
	assert_string_equal(why, "symbol from empty huffman table");
}

/*
 * EDK2 leniency kept: a T size field larger than the set (25 > 19) whose
 * extra lengths are ignored, one of them a maximal unary run (length 36).
 */
static void test_crafted_oversized_t_array(void **state)
{
	(void)state;
	struct fwg_test_bitwriter bw;
	uint8_t out[4];
	const char *why = NULL;
	fwg_test_bw_init(&bw);
	fwg_test_bw_put(&bw, 16, 4);
	fwg_test_bw_put(&bw, 5, 25);
	fwg_test_bw_put(&bw, 3, 1); /* T0: length 1 -> code "0" */
	fwg_test_bw_put(&bw, 3, 0);
	fwg_test_bw_put(&bw, 3, 0);
	fwg_test_bw_put(&bw, 2, 0);
	fwg_test_bw_put(&bw, 3, 1); /* T3: length 1 -> code "1" */
	for (int i = 4; i < 24; i++)
		fwg_test_bw_put(&bw, 3, 0);
	fwg_test_bw_put(&bw, 32, 0xffffffffu); /* 111 + 29 ones */
	fwg_test_bw_put(&bw, 1, 0);
	fwg_test_bw_put(&bw, 9, 2);   /* C lengths: 1, 1 */
	fwg_test_bw_put(&bw, 2, 3);   /* T3 T3 */
	fwg_test_bw_put(&bw, 4, 0);   /* P: single symbol 0 */
	fwg_test_bw_put(&bw, 4, 0);
	fwg_test_bw_put(&bw, 4, 0x6); /* symbols 0 1 1 0 */
	assert_int_equal(decode_crafted(&bw, 4, FWG_TIANO_EFI11, out, &why), 0);
	assert_memory_equal(out, "\0\1\1\0", 4);
}

/* ---- robustness ---- */

static uint8_t *compress_sample(const uint8_t *data, size_t n, enum fwg_tiano_variant v,
				size_t *comp_len)
{
	uint8_t *comp = NULL;
	struct fwg_test_tiano_opts o = { .block_symbols = 700 };
	assert_int_equal(fwg_test_tiano_compress(data, n, v, &o, &comp, comp_len, NULL), 0);
	return comp;
}

static void test_truncated_prefixes(void **state)
{
	(void)state;
	size_t n = 6000;
	uint8_t *text = make_text(n, 1);
	for (size_t vi = 0; vi < 2; vi++) {
		enum fwg_tiano_variant v = variants[vi];
		size_t comp_len;
		uint8_t *comp = compress_sample(text, n, v, &comp_len);
		uint8_t *out = xmalloc(n);
		size_t ok = 0;
		for (size_t l = 0; l <= comp_len; l++) {
			uint8_t *prefix = xmalloc(l);
			uint32_t cs, os;
			const char *why = NULL;
			int ret;
			memcpy(prefix, comp, l);
			/* header as-is: everything shorter than the full stream is rejected */
			ret = fwg_tiano_get_info(prefix, l, &cs, &os, &why);
			assert_int_equal(ret == 0, l == comp_len);
			ret = fwg_tiano_decompress(prefix, l, out, n, v, &why);
			assert_int_equal(ret == 0, l == comp_len);
			if (ret != 0)
				assert_non_null(why);
			/* header patched to the truncated size: decoder sees zero padding */
			if (l >= 8) {
				uint32_t c = (uint32_t)(l - 8);
				for (int k = 0; k < 4; k++)
					prefix[k] = (uint8_t)(c >> (8 * k));
				ret = fwg_tiano_decompress(prefix, l, out, n, v, &why);
				assert_true(ret == 0 || ret == FWG_TIANO_E_CORRUPT);
				ok += ret == 0;
			}
			free(prefix);
		}
		assert_true(ok >= 1);
		free(out);
		free(comp);
	}
	free(text);
}

static void fuzz_one(const uint8_t *buf, size_t len, enum fwg_tiano_variant v)
{
	uint32_t cs, os;
	const char *why = NULL;
	uint8_t *out;
	int ret;

	if (fwg_tiano_get_info(buf, len, &cs, &os, &why) != 0)
		return;
	if (os > (1u << 20))
		return;
	out = xmalloc(os);
	ret = fwg_tiano_decompress(buf, len, out, os, v, &why);
	assert_true(ret == 0 || ret == FWG_TIANO_E_CORRUPT);
	if (ret != 0)
		assert_non_null(why);
	free(out);
}

static void test_bit_flips(void **state)
{
	(void)state;
	uint64_t seed = 0xfeedface;
	size_t n = 4000;
	uint8_t *samples[3] = { make_text(n, 2), make_random(n, 3), xmalloc(n) };
	memset(samples[2], 0x5a, n);
	for (size_t si = 0; si < 3; si++) {
		for (size_t vi = 0; vi < 2; vi++) {
			size_t comp_len;
			uint8_t *comp = compress_sample(samples[si], n, variants[vi], &comp_len);
			uint8_t *mut = xmalloc(comp_len);
			for (int iter = 0; iter < 1500; iter++) {
				memcpy(mut, comp, comp_len);
				int flips = 1 + (int)(rng_next(&seed) % 4);
				for (int f = 0; f < flips; f++) {
					/* mostly the payload; sometimes the header too */
					size_t lo = (rng_next(&seed) % 16) == 0 ? 0 : 8;
					size_t at = lo + (size_t)(rng_next(&seed) % (comp_len - lo));
					mut[at] ^= (uint8_t)(1u << (rng_next(&seed) % 8));
				}
				fuzz_one(mut, comp_len, variants[vi]);
				fuzz_one(mut, comp_len, variants[vi ^ 1]);
			}
			free(mut);
			free(comp);
		}
	}
	for (size_t si = 0; si < 3; si++)
		free(samples[si]);
}

static void test_random_garbage(void **state)
{
	(void)state;
	uint64_t seed = 31337;
	for (int iter = 0; iter < 3000; iter++) {
		size_t len = 8 + (size_t)(rng_next(&seed) % 700);
		uint8_t *buf = make_random(len, rng_next(&seed));
		uint32_t c = (uint32_t)(len - 8);
		uint32_t o = (uint32_t)(rng_next(&seed) % 70000);
		for (int k = 0; k < 4; k++) {
			buf[k] = (uint8_t)(c >> (8 * k));
			buf[4 + k] = (uint8_t)(o >> (8 * k));
		}
		fuzz_one(buf, len, variants[iter & 1]);
		free(buf);
	}
}

/* ---- reference vectors ---- */

/*
 * Reference vectors from EDK2's own compressor, independent of the test
 * compressor (different LZ77 search and Huffman construction).
 * Provenance: produced with the compression routines of EDK2 BaseTools,
 * BaseTools/Source/C/TianoCompress/TianoCompress.c (tianocore/edk2 commit
 * 041d89bc0f0119df37a5fce1d0f16495ff905089) and, for the EFI 1.1 stream, the
 * parameters of BaseTools/Source/C/Common/EfiCompress.c (commit
 * 04d8e5f06e68cc1c104f679d40d087db8edf0a93: 13-bit window, PBIT 4, 2-byte
 * pointer buffer, no short-far-match heuristic).  Those routines were
 * transcribed into a scratch tool outside this repository, compiled and run
 * on ref_plain; the resulting streams also decode to ref_plain with a
 * transcription of EDK2's BaseUefiDecompressLib.  Like every EDK2 stream they
 * end with the compressor's extra zero byte (counted in the compressed size).
 * Apart from the header, the two streams differ only from the position-set
 * size field on (4 vs 5 bits), which shifts the rest by one bit.
 */
static const char ref_plain[] =
	"EFI_FIRMWARE_VOLUME_HEADER: the quick brown fox jumps over the lazy dog; the quick brown fox jumps over the lazy dog again. fwguard test vector: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 0123456789 0123456789 0123456789 EFI_FIRMWARE_VOLUME_HEADER\n";

static const uint8_t ref_efi11[133] = {
	0x7d, 0x00, 0x00, 0x00, 0xf6, 0x00, 0x00, 0x00, 0x00, 0x72, 0x53, 0x7a,
	0xd6, 0x33, 0x2a, 0xae, 0xf8, 0x03, 0xfd, 0xa4, 0x00, 0x32, 0x96, 0x91,
	0xed, 0x1a, 0x46, 0x89, 0x3a, 0x41, 0x53, 0xa7, 0x9b, 0x76, 0xe6, 0x0d,
	0xe3, 0xb7, 0x6d, 0x87, 0xc7, 0x35, 0xe4, 0x8b, 0x2a, 0x29, 0x60, 0x04,
	0x90, 0x65, 0x14, 0x6b, 0x8a, 0x35, 0x49, 0xbe, 0x15, 0x12, 0xf7, 0x6c,
	0xd7, 0xb6, 0x42, 0x5e, 0xa2, 0x87, 0x49, 0x2a, 0x00, 0xfe, 0x2c, 0x1d,
	0xeb, 0xa2, 0x5e, 0x63, 0x83, 0x92, 0xda, 0x44, 0xe9, 0xe0, 0x72, 0xaf,
	0xaf, 0x6a, 0x82, 0x58, 0xc7, 0x7b, 0x7b, 0xa1, 0xfa, 0xf2, 0x26, 0x46,
	0xe8, 0xff, 0x30, 0x1b, 0x4e, 0x8a, 0x6e, 0x89, 0xed, 0x6d, 0x66, 0xe9,
	0x83, 0xd9, 0x53, 0xc5, 0x8c, 0x95, 0xe8, 0xe8, 0x01, 0xfe, 0xc2, 0xf5,
	0xfc, 0x18, 0x71, 0x63, 0xc9, 0x97, 0x36, 0x7f, 0x82, 0xfb, 0xed, 0x5c,
	0x00,
};

static const uint8_t ref_tiano[134] = {
	0x7e, 0x00, 0x00, 0x00, 0xf6, 0x00, 0x00, 0x00, 0x00, 0x72, 0x53, 0x7a,
	0xd6, 0x33, 0x2a, 0xae, 0xf8, 0x03, 0xfd, 0xa4, 0x00, 0x32, 0x96, 0x91,
	0xed, 0x1a, 0x46, 0x89, 0x3a, 0x41, 0x53, 0xa7, 0x9b, 0x76, 0xe6, 0x0d,
	0xe3, 0xb7, 0x6d, 0x87, 0xc7, 0x35, 0xe4, 0x8b, 0x2a, 0x24, 0xb0, 0x02,
	0x48, 0x32, 0x8a, 0x35, 0xc5, 0x1a, 0xa4, 0xdf, 0x0a, 0x89, 0x7b, 0xb6,
	0x6b, 0xdb, 0x21, 0x2f, 0x51, 0x43, 0xa4, 0x95, 0x00, 0x7f, 0x16, 0x0e,
	0xf5, 0xd1, 0x2f, 0x31, 0xc1, 0xc9, 0x6d, 0x22, 0x74, 0xf0, 0x39, 0x57,
	0xd7, 0xb5, 0x41, 0x2c, 0x63, 0xbd, 0xbd, 0xd0, 0xfd, 0x79, 0x13, 0x23,
	0x74, 0x7f, 0x98, 0x0d, 0xa7, 0x45, 0x37, 0x44, 0xf6, 0xb6, 0xb3, 0x74,
	0xc1, 0xec, 0xa9, 0xe2, 0xc6, 0x4a, 0xf4, 0x74, 0x00, 0xff, 0x61, 0x7a,
	0xfe, 0x0c, 0x38, 0xb1, 0xe4, 0xcb, 0x9b, 0x3f, 0xc1, 0x7d, 0xf6, 0xae,
	0x00, 0x00,
};

static void check_reference(const uint8_t *stream, size_t len, enum fwg_tiano_variant v)
{
	size_t n = sizeof(ref_plain) - 1;
	uint8_t out[sizeof(ref_plain)];
	uint32_t cs, os;
	const char *why = NULL;

	assert_int_equal(fwg_tiano_get_info(stream, len, &cs, &os, &why), 0);
	assert_int_equal(cs, len - 8);
	assert_int_equal(os, n);
	if (fwg_tiano_decompress(stream, len, out, n, v, &why) != 0)
		fail_msg("reference vector failed: %s", why);
	assert_memory_equal(out, ref_plain, n);
	/* the other variant misreads the position table size and must not match */
	enum fwg_tiano_variant other = v == FWG_TIANO_EFI11 ? FWG_TIANO_TIANO : FWG_TIANO_EFI11;
	if (fwg_tiano_decompress(stream, len, out, n, other, &why) == 0)
		assert_memory_not_equal(out, ref_plain, n);
}

static void test_edk2_reference_vectors(void **state)
{
	(void)state;
	check_reference(ref_efi11, sizeof(ref_efi11), FWG_TIANO_EFI11);
	check_reference(ref_tiano, sizeof(ref_tiano), FWG_TIANO_TIANO);
}

/* ---- API and header checks ---- */

static void put_header(uint8_t *b, uint32_t comp, uint32_t orig)
{
	for (int k = 0; k < 4; k++) {
		b[k] = (uint8_t)(comp >> (8 * k));
		b[4 + k] = (uint8_t)(orig >> (8 * k));
	}
}

static void test_get_info(void **state)
{
	(void)state;
	uint8_t b[16] = { 0 };
	uint32_t cs = 0xdead, os = 0xbeef;
	const char *why = NULL;

	assert_int_equal(fwg_tiano_get_info(b, 7, &cs, &os, &why), FWG_TIANO_E_HEADER);
	assert_string_equal(why, "input shorter than header");
	assert_int_equal(cs, 0xdead);

	put_header(b, 9, 100);
	assert_int_equal(fwg_tiano_get_info(b, 16, &cs, &os, &why), FWG_TIANO_E_HEADER);
	assert_string_equal(why, "compressed size exceeds input");
	put_header(b, 0xffffffffu, 100);
	assert_int_equal(fwg_tiano_get_info(b, 16, &cs, &os, &why), FWG_TIANO_E_HEADER);
	put_header(b, 0xfffffff8u, 100);
	assert_int_equal(fwg_tiano_get_info(b, 16, &cs, &os, &why), FWG_TIANO_E_HEADER);

	put_header(b, 8, 0x01020304);
	assert_int_equal(fwg_tiano_get_info(b, 16, &cs, &os, &why), 0);
	assert_int_equal(cs, 8);
	assert_int_equal(os, 0x01020304);
	put_header(b, 0, 5);
	assert_int_equal(fwg_tiano_get_info(b, 8, &cs, &os, NULL), 0);
	assert_int_equal(cs, 0);
	assert_int_equal(os, 5);

	assert_int_equal(fwg_tiano_get_info(NULL, 16, &cs, &os, &why), FWG_TIANO_E_ARG);
	assert_int_equal(fwg_tiano_get_info(b, 16, NULL, &os, &why), FWG_TIANO_E_ARG);
	assert_int_equal(fwg_tiano_get_info(b, 16, &cs, NULL, NULL), FWG_TIANO_E_ARG);
}

static void test_decompress_api_errors(void **state)
{
	(void)state;
	static const uint8_t data[] = "hello hello hello";
	uint8_t *comp = NULL;
	size_t comp_len = 0;
	uint8_t out[sizeof(data)];
	const char *why = NULL;

	assert_int_equal(fwg_test_tiano_compress(data, sizeof(data), FWG_TIANO_EFI11, NULL, &comp,
						 &comp_len, NULL), 0);
	assert_int_equal(fwg_tiano_decompress(comp, comp_len, out, sizeof(out) - 1,
					      FWG_TIANO_EFI11, &why), FWG_TIANO_E_ARG);
	assert_string_equal(why, "output size mismatch");
	assert_int_equal(fwg_tiano_decompress(comp, comp_len, out, sizeof(out) + 1,
					      FWG_TIANO_EFI11, &why), FWG_TIANO_E_ARG);
	assert_int_equal(fwg_tiano_decompress(comp, comp_len, out, sizeof(out),
					      (enum fwg_tiano_variant)0, &why), FWG_TIANO_E_ARG);
	assert_string_equal(why, "unknown variant");
	assert_int_equal(fwg_tiano_decompress(comp, comp_len, out, sizeof(out),
					      (enum fwg_tiano_variant)3, NULL), FWG_TIANO_E_ARG);
	assert_int_equal(fwg_tiano_decompress(NULL, comp_len, out, sizeof(out),
					      FWG_TIANO_EFI11, &why), FWG_TIANO_E_ARG);
	assert_int_equal(fwg_tiano_decompress(comp, comp_len, NULL, sizeof(out),
					      FWG_TIANO_EFI11, &why), FWG_TIANO_E_ARG);
	assert_int_equal(fwg_tiano_decompress(comp, 7, out, sizeof(out), FWG_TIANO_EFI11, &why),
			 FWG_TIANO_E_HEADER);
	assert_int_equal(fwg_tiano_decompress(comp, comp_len - 1, out, sizeof(out),
					      FWG_TIANO_EFI11, &why), FWG_TIANO_E_HEADER);
	/* trailing bytes after the compressed payload are allowed */
	uint8_t *padded = xmalloc(comp_len + 16);
	memcpy(padded, comp, comp_len);
	memset(padded + comp_len, 0xff, 16);
	assert_int_equal(fwg_tiano_decompress(padded, comp_len + 16, out, sizeof(out),
					      FWG_TIANO_EFI11, &why), 0);
	assert_memory_equal(out, data, sizeof(data));
	/* an empty output needs no payload and tolerates a NULL dst */
	uint8_t hdr[8];
	put_header(hdr, 0, 0);
	assert_int_equal(fwg_tiano_decompress(hdr, 8, NULL, 0, FWG_TIANO_TIANO, &why), 0);
	free(padded);
	free(comp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_small),
		cmocka_unit_test(test_roundtrip_zeros_64k),
		cmocka_unit_test(test_roundtrip_random_200k),
		cmocka_unit_test(test_roundtrip_text),
		cmocka_unit_test(test_roundtrip_repetitive),
		cmocka_unit_test(test_roundtrip_long_distance),
		cmocka_unit_test(test_roundtrip_long_codes),
		cmocka_unit_test(test_roundtrip_length_limited),
		cmocka_unit_test(test_roundtrip_block_sizes),
		cmocka_unit_test(test_roundtrip_block_65536),
		cmocka_unit_test(test_roundtrip_many_seeds),
		cmocka_unit_test(test_crafted_backref_before_start),
		cmocka_unit_test(test_crafted_match_truncated_at_end),
		cmocka_unit_test(test_crafted_zero_padding),
		cmocka_unit_test(test_crafted_header_after_last_symbol),
		cmocka_unit_test(test_crafted_position_extra_bits),
		cmocka_unit_test(test_crafted_bad_tables),
		cmocka_unit_test(test_crafted_empty_table),
		cmocka_unit_test(test_crafted_oversized_t_array),
		cmocka_unit_test(test_truncated_prefixes),
		cmocka_unit_test(test_bit_flips),
		cmocka_unit_test(test_random_garbage),
		cmocka_unit_test(test_edk2_reference_vectors),
		cmocka_unit_test(test_get_info),
		cmocka_unit_test(test_decompress_api_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
