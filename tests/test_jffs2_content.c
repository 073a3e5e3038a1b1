/*
 * test_jffs2_content.c - the jffs2 content builder (newest node wins per
 * byte, truncation to isize, zero fill) against a byte-by-byte reference,
 * over random overlapping nodes; plus the rtime decoder against a known
 * stream and the CRC convention against a known value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jffs2_format.h"
#include "node.h"

/* Deterministic xorshift, so failures reproduce. */
static uint32_t rnd(uint32_t *state)
{
	uint32_t x = *state;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *state = x;
}

static void reference(const struct jffs2_inode_node *nodes, size_t count, uint8_t *out,
		size_t len)
{
	memset(out, 0, len);
	for (size_t i = 0; i < count; i++) /* oldest first: newer overwrite */
		for (uint64_t k = 0; k < nodes[i].dsize; k++) {
			uint64_t at = (uint64_t)nodes[i].offset + k;
			if (at >= len)
				break;
			out[at] = nodes[i].compr == JFFS2_COMPR_ZERO ? 0 : nodes[i].data[k];
		}
}

static void test_random_overlaps(void **state)
{
	(void)state;
	struct fwg_node *fs = fwg_node_new(FWG_TYPE_JFFS2);
	assert_non_null(fs);
	uint32_t seed = 0x1985;
	uint8_t *pool = malloc(1 << 16);
	assert_non_null(pool);
	for (size_t i = 0; i < (1 << 16); i++)
		pool[i] = (uint8_t)rnd(&seed);
	for (int round = 0; round < 2000; round++) {
		struct jffs2_scan s = { .fs = fs };
		size_t count = 1 + rnd(&seed) % 40;
		size_t isize = rnd(&seed) % 3000;
		struct jffs2_inode_node nodes[40];
		for (size_t i = 0; i < count; i++) {
			struct jffs2_inode_node *n = &nodes[i];
			memset(n, 0, sizeof(*n));
			n->ino = 2;
			n->version = (uint32_t)i;
			n->offset = rnd(&seed) % 3200;
			n->dsize = rnd(&seed) % 700;
			if (rnd(&seed) % 8 == 0)
				n->dsize = 0;
			n->compr = rnd(&seed) % 5 == 0 ? JFFS2_COMPR_ZERO : JFFS2_COMPR_NONE;
			n->csize = n->compr == JFFS2_COMPR_ZERO ? 0 : n->dsize;
			n->data = pool + rnd(&seed) % ((1 << 16) - 800);
		}
		uint8_t *got = malloc(isize + 1), *want = malloc(isize + 1);
		assert_non_null(got);
		assert_non_null(want);
		memset(got, 0xa5, isize + 1); /* every byte must be written */
		struct jffs2_content_stats st = { .work_left = UINT64_MAX };
		assert_int_equal(jffs2_build_content(&s, nodes, count, got, isize, &st), FWG_OK);
		reference(nodes, count, want, isize);
		assert_memory_equal(got, want, isize);
		assert_int_equal(got[isize], 0xa5);
		free(got);
		free(want);
	}
	free(pool);
	fwg_node_free(fs);
}

static void test_superseded_count(void **state)
{
	(void)state;
	struct fwg_node *fs = fwg_node_new(FWG_TYPE_JFFS2);
	struct jffs2_scan s = { .fs = fs };
	static const uint8_t a[8] = "AAAAAAAA", b[8] = "BBBBBBBB";
	struct jffs2_inode_node nodes[3] = {
		{ .ino = 2, .version = 1, .offset = 0, .dsize = 8, .csize = 8, .data = a },
		{ .ino = 2, .version = 2, .offset = 0, .dsize = 8, .csize = 8, .data = b },
		{ .ino = 2, .version = 3, .offset = 0, .dsize = 0 }, /* metadata only */
	};
	uint8_t out[8];
	struct jffs2_content_stats st = { .work_left = UINT64_MAX };
	assert_int_equal(jffs2_build_content(&s, nodes, 3, out, 8, &st), FWG_OK);
	assert_memory_equal(out, b, 8);
	assert_int_equal(st.superseded, 1); /* version 1; version 3 is the newest */
	fwg_node_free(fs);
}

static void test_rtime(void **state)
{
	(void)state;
	/* "abcabcabc": a,0 b,0 c,0 then 'a' again repeating 5 from index 1. */
	static const uint8_t stream[] = { 'a', 0, 'b', 0, 'c', 0, 'a', 5 };
	uint8_t out[9];
	const char *why;
	assert_int_equal(jffs2_decompress(JFFS2_COMPR_RTIME, stream, sizeof(stream), 9, out, 9, &why),
		FWG_OK);
	assert_memory_equal(out, "abcabcabc", 9);
	/* A prefix only. */
	assert_int_equal(jffs2_decompress(JFFS2_COMPR_RTIME, stream, sizeof(stream), 9, out, 5, &why),
		FWG_OK);
	assert_memory_equal(out, "abcab", 5);
	/* Too short for the claimed size. */
	assert_int_not_equal(jffs2_decompress(JFFS2_COMPR_RTIME, stream, 4, 9, out, 9, &why), FWG_OK);
}

static void test_crc(void **state)
{
	(void)state;
	/* Header of a mkfs.jffs2 little-endian cleanmarker: 85 19 03 20 0c 00 00 00,
	 * stored hdr_crc 0xe41eb0b1. */
	static const uint8_t hdr[8] = { 0x85, 0x19, 0x03, 0x20, 0x0c, 0x00, 0x00, 0x00 };
	assert_int_equal(jffs2_crc(hdr, sizeof(hdr)), 0xe41eb0b1u);
	assert_int_equal(jffs2_crc(NULL, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_overlaps),
		cmocka_unit_test(test_superseded_count),
		cmocka_unit_test(test_rtime),
		cmocka_unit_test(test_crc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
