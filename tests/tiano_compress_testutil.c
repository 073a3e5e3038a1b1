/*
 * tiano_compress_testutil.c - TEST-ONLY EFI 1.1 / Tiano compressor used to
 * produce valid streams for the decompressor tests (see the format notes in
 * src/handlers/uefi/tiano_decompress.c).
 *
 * Greedy LZ77 with a hash chain over 3-byte prefixes, then per block:
 * Huffman lengths from symbol frequencies (limited to 16 bits by halving the
 * frequencies until the tree is shallow enough), canonical codes, and the
 * T / C / P length arrays written the way EDK2's compressor writes them.
 * Speed is irrelevant here; clarity and coverage of the format are the point.
 */
#include <stdlib.h>
#include <string.h>

#include "tiano_compress_testutil.h"

enum {
	NC = 510,
	NT = 19,
	CBIT = 9,
	TBIT = 5,
	MAX_LEN = 16,
	MIN_MATCH = 3,
	MAX_MATCH = 256,
	HASH_BITS = 16,
	DEFAULT_BLOCK = 16384,
	DEFAULT_CHAIN = 64,
	MAX_SYMS = NC,
};

struct token {
	uint16_t c;   /* C symbol */
	uint32_t pos; /* distance - 1, for matches */
};

struct code {
	uint8_t len[MAX_SYMS];
	uint16_t bits[MAX_SYMS];
	int single; /* >= 0: the only used symbol (coded with zero bits); -1 otherwise */
};

/* ---- bit writer ---- */

static void bw_byte(struct fwg_test_bitwriter *bw, uint8_t b)
{
	if (bw->failed)
		return;
	if (bw->len == bw->cap) {
		size_t cap = bw->cap ? bw->cap * 2 : 1024;
		uint8_t *p = realloc(bw->buf, cap);
		if (!p) {
			bw->failed = true;
			return;
		}
		bw->buf = p;
		bw->cap = cap;
	}
	bw->buf[bw->len++] = b;
}

void fwg_test_bw_init(struct fwg_test_bitwriter *bw)
{
	memset(bw, 0, sizeof(*bw));
	for (int i = 0; i < 8; i++)
		bw_byte(bw, 0);
}

void fwg_test_bw_put(struct fwg_test_bitwriter *bw, unsigned nbits, uint32_t value)
{
	if (nbits == 0)
		return;
	if (nbits < 32)
		value &= (1u << nbits) - 1;
	bw->acc = (bw->acc << nbits) | value;
	bw->nacc += nbits;
	while (bw->nacc >= 8) {
		bw_byte(bw, (uint8_t)(bw->acc >> (bw->nacc - 8)));
		bw->nacc -= 8;
	}
	bw->acc &= (1u << bw->nacc) - 1;
}

int fwg_test_bw_finish(struct fwg_test_bitwriter *bw, uint32_t original_size, uint8_t **out,
		       size_t *out_len)
{
	size_t comp;

	if (bw->nacc > 0)
		fwg_test_bw_put(bw, 8 - bw->nacc, 0);
	if (bw->failed || bw->len < 8)
		return -1;
	comp = bw->len - 8;
	for (int i = 0; i < 4; i++) {
		bw->buf[i] = (uint8_t)(comp >> (8 * i));
		bw->buf[4 + i] = (uint8_t)(original_size >> (8 * i));
	}
	*out = bw->buf;
	*out_len = bw->len;
	bw->buf = NULL;
	bw->len = bw->cap = 0;
	return 0;
}

void fwg_test_bw_free(struct fwg_test_bitwriter *bw)
{
	free(bw->buf);
	bw->buf = NULL;
	bw->len = bw->cap = 0;
}

/* ---- Huffman code construction ---- */

static unsigned bit_length(uint32_t v)
{
	unsigned n = 0;
	while (v) {
		v >>= 1;
		n++;
	}
	return n;
}

/* Depths of a plain Huffman tree over weights w[0..n-1] (0 = unused). */
static unsigned huffman_depths(const uint64_t *w, unsigned n, uint8_t *depth)
{
	uint64_t weight[2 * MAX_SYMS];
	int parent[2 * MAX_SYMS];
	bool alive[2 * MAX_SYMS];
	unsigned nodes = n;
	unsigned live = 0;
	unsigned max_depth = 0;

	for (unsigned i = 0; i < n; i++) {
		weight[i] = w[i];
		parent[i] = -1;
		alive[i] = w[i] != 0;
		live += alive[i];
	}
	while (live > 1) {
		int a = -1;
		int b = -1;
		for (unsigned i = 0; i < nodes; i++) {
			if (!alive[i])
				continue;
			if (a < 0 || weight[i] < weight[a]) {
				b = a;
				a = (int)i;
			} else if (b < 0 || weight[i] < weight[b]) {
				b = (int)i;
			}
		}
		weight[nodes] = weight[a] + weight[b];
		parent[nodes] = -1;
		alive[nodes] = true;
		alive[a] = alive[b] = false;
		parent[a] = parent[b] = (int)nodes;
		nodes++;
		live--;
	}
	for (unsigned i = 0; i < n; i++) {
		unsigned d = 0;
		if (w[i] != 0) {
			for (int p = parent[i]; p >= 0; p = parent[p])
				d++;
		}
		depth[i] = (uint8_t)(d > 255 ? 255 : d);
		if (d > max_depth)
			max_depth = d;
	}
	return max_depth;
}

/* Length-limited (<= 16) code for freq[0..n-1], with canonical bit patterns. */
static void make_code(const uint32_t *freq, unsigned n, struct code *c)
{
	uint64_t w[MAX_SYMS];
	unsigned used = 0;
	unsigned last = 0;
	uint32_t next[MAX_LEN + 2];
	unsigned count[MAX_LEN + 1];
	uint32_t code = 0;

	memset(c, 0, sizeof(*c));
	c->single = -1;
	for (unsigned i = 0; i < n; i++) {
		w[i] = freq[i];
		if (freq[i]) {
			used++;
			last = i;
		}
	}
	if (used <= 1) {
		c->single = used ? (int)last : 0;
		return;
	}
	while (huffman_depths(w, n, c->len) > MAX_LEN) {
		for (unsigned i = 0; i < n; i++) {
			if (w[i])
				w[i] = (w[i] + 1) / 2;
		}
	}
	memset(count, 0, sizeof(count));
	for (unsigned i = 0; i < n; i++)
		count[c->len[i]]++;
	count[0] = 0;
	for (unsigned len = 1; len <= MAX_LEN; len++) {
		next[len] = code;
		code = (code + count[len]) << 1;
	}
	for (unsigned i = 0; i < n; i++) {
		if (c->len[i])
			c->bits[i] = (uint16_t)next[c->len[i]]++;
	}
}

static void put_sym(struct fwg_test_bitwriter *bw, const struct code *c, unsigned sym)
{
	if (c->single < 0)
		fwg_test_bw_put(bw, c->len[sym], c->bits[sym]);
}

/* T or P length array, as EDK2's compressor writes it. */
static void write_pt_lengths(struct fwg_test_bitwriter *bw, const struct code *c, unsigned n,
			     unsigned nbit, unsigned special)
{
	unsigned i = 0;

	if (c->single >= 0) {
		fwg_test_bw_put(bw, nbit, 0);
		fwg_test_bw_put(bw, nbit, (uint32_t)c->single);
		return;
	}
	while (n > 0 && c->len[n - 1] == 0)
		n--;
	fwg_test_bw_put(bw, nbit, n);
	while (i < n) {
		unsigned k = c->len[i++];
		if (k <= 6)
			fwg_test_bw_put(bw, 3, k);
		else
			fwg_test_bw_put(bw, k - 3, (1u << (k - 3)) - 2);
		if (i == special) {
			while (i < 6 && c->len[i] == 0)
				i++;
			fwg_test_bw_put(bw, 2, (i - 3) & 3);
		}
	}
}

/* Zero-run / length items that code the C length array with the T set. */
struct t_item {
	uint8_t sym;
	uint8_t extra_bits;
	uint16_t extra;
};

static unsigned c_length_items(const struct code *c, struct t_item *items, uint32_t *t_freq,
			       unsigned *number_out)
{
	unsigned number = NC;
	unsigned i = 0;
	unsigned n = 0;

	memset(t_freq, 0, NT * sizeof(*t_freq));
	while (number > 0 && c->len[number - 1] == 0)
		number--;
	while (i < number) {
		unsigned k = c->len[i++];
		if (k != 0) {
			items[n++] = (struct t_item){ (uint8_t)(k + 2), 0, 0 };
			continue;
		}
		unsigned run = 1;
		while (i < number && c->len[i] == 0) {
			i++;
			run++;
		}
		if (run <= 2) {
			for (unsigned j = 0; j < run; j++)
				items[n++] = (struct t_item){ 0, 0, 0 };
		} else if (run <= 18) {
			items[n++] = (struct t_item){ 1, 4, (uint16_t)(run - 3) };
		} else if (run == 19) {
			items[n++] = (struct t_item){ 0, 0, 0 };
			items[n++] = (struct t_item){ 1, 4, 15 };
		} else {
			items[n++] = (struct t_item){ 2, CBIT, (uint16_t)(run - 20) };
		}
	}
	for (unsigned j = 0; j < n; j++)
		t_freq[items[j].sym]++;
	*number_out = number;
	return n;
}

static void write_block(struct fwg_test_bitwriter *bw, const struct token *tok, size_t ntok,
			unsigned np, unsigned pbit, struct fwg_test_tiano_stats *st)
{
	uint32_t c_freq[NC] = { 0 };
	uint32_t p_freq[32] = { 0 };
	uint32_t t_freq[NT];
	struct t_item items[NC];
	struct code cc;
	struct code pc;
	struct code tc;

	for (size_t i = 0; i < ntok; i++) {
		c_freq[tok[i].c]++;
		if (tok[i].c >= 256)
			p_freq[bit_length(tok[i].pos)]++;
	}
	make_code(c_freq, NC, &cc);
	make_code(p_freq, np, &pc);

	fwg_test_bw_put(bw, 16, (uint32_t)ntok & 0xffff); /* 65536 is written as 0 */
	if (cc.single >= 0) {
		fwg_test_bw_put(bw, TBIT, 0);
		fwg_test_bw_put(bw, TBIT, 0);
		fwg_test_bw_put(bw, CBIT, 0);
		fwg_test_bw_put(bw, CBIT, (uint32_t)cc.single);
		st->single_c_blocks++;
	} else {
		unsigned number;
		unsigned nitems = c_length_items(&cc, items, t_freq, &number);
		make_code(t_freq, NT, &tc);
		write_pt_lengths(bw, &tc, NT, TBIT, 3);
		fwg_test_bw_put(bw, CBIT, number);
		for (unsigned j = 0; j < nitems; j++) {
			put_sym(bw, &tc, items[j].sym);
			fwg_test_bw_put(bw, items[j].extra_bits, items[j].extra);
		}
	}
	write_pt_lengths(bw, &pc, np, pbit, 0);

	for (size_t i = 0; i < ntok; i++) {
		put_sym(bw, &cc, tok[i].c);
		if (cc.single < 0 && cc.len[tok[i].c] > st->max_c_len)
			st->max_c_len = cc.len[tok[i].c];
		if (tok[i].c >= 256) {
			unsigned p = bit_length(tok[i].pos);
			put_sym(bw, &pc, p);
			if (p > 1)
				fwg_test_bw_put(bw, p - 1, tok[i].pos);
			if (p > st->max_p_sym)
				st->max_p_sym = p;
		}
	}
	st->blocks++;
}

static uint32_t hash3(const uint8_t *p)
{
	uint32_t v = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
	return (v * 2654435761u) >> (32 - HASH_BITS);
}

/* Greedy LZ77 parse into tok[]; returns the token count. */
static size_t lz_parse(const uint8_t *src, size_t len, size_t window, unsigned max_chain,
		       bool literals_only, int32_t *head, int32_t *prev, struct token *tok,
		       struct fwg_test_tiano_stats *st)
{
	size_t n = 0;
	size_t i = 0;

	for (size_t h = 0; h < ((size_t)1 << HASH_BITS); h++)
		head[h] = -1;
	while (i < len) {
		size_t best_len = 0;
		size_t best_dist = 0;

		if (!literals_only && len - i >= MIN_MATCH) {
			size_t limit = len - i < MAX_MATCH ? len - i : MAX_MATCH;
			int32_t cand = head[hash3(src + i)];
			for (unsigned steps = 0; cand >= 0 && steps < max_chain; steps++) {
				size_t dist = i - (size_t)cand;
				size_t m = 0;
				if (dist > window)
					break;
				while (m < limit && src[cand + m] == src[i + m])
					m++;
				if (m > best_len) {
					best_len = m;
					best_dist = dist;
					if (m == limit)
						break;
				}
				cand = prev[cand];
			}
		}
		if (best_len < MIN_MATCH)
			best_len = 0;
		if (best_len) {
			tok[n++] = (struct token){ (uint16_t)(best_len + 253), (uint32_t)(best_dist - 1) };
			st->matches++;
			if (best_len > best_dist)
				st->overlapping_matches++;
		} else {
			tok[n++] = (struct token){ src[i], 0 };
			st->literals++;
			best_len = 1;
		}
		for (size_t k = 0; k < best_len; k++, i++) {
			if (len - i >= MIN_MATCH) {
				uint32_t h = hash3(src + i);
				prev[i] = head[h];
				head[h] = (int32_t)i;
			}
		}
	}
	return n;
}

int fwg_test_tiano_compress(const uint8_t *src, size_t len, enum fwg_tiano_variant variant,
			    const struct fwg_test_tiano_opts *opts, uint8_t **out, size_t *out_len,
			    struct fwg_test_tiano_stats *stats)
{
	struct fwg_test_tiano_stats st = { 0 };
	struct fwg_test_bitwriter bw;
	unsigned block = DEFAULT_BLOCK;
	unsigned chain = DEFAULT_CHAIN;
	bool literals_only = false;
	unsigned np, pbit;
	size_t window;
	int32_t *head = NULL;
	int32_t *prev = NULL;
	struct token *tok = NULL;
	size_t ntok;
	int ret = -1;

	fwg_test_bw_init(&bw);
	if (opts) {
		if (opts->block_symbols)
			block = opts->block_symbols;
		if (opts->max_chain)
			chain = opts->max_chain;
		literals_only = opts->literals_only;
	}
	if (block > 65536 || len > UINT32_MAX)
		goto done;
	if (variant == FWG_TIANO_EFI11) {
		np = 14; /* 13-bit window: position symbols 0..13 */
		pbit = 4;
	} else if (variant == FWG_TIANO_TIANO) {
		np = 20; /* 19-bit window: position symbols 0..19 */
		pbit = 5;
	} else {
		goto done;
	}
	window = (size_t)1 << (np - 1);

	head = malloc(((size_t)1 << HASH_BITS) * sizeof(*head));
	prev = malloc((len ? len : 1) * sizeof(*prev));
	tok = malloc((len ? len : 1) * sizeof(*tok));
	if (!head || !prev || !tok)
		goto done;
	ntok = lz_parse(src, len, window, chain, literals_only, head, prev, tok, &st);
	for (size_t i = 0; i < ntok; i += block) {
		size_t n = ntok - i < block ? ntok - i : block;
		write_block(&bw, tok + i, n, np, pbit, &st);
	}
	ret = fwg_test_bw_finish(&bw, (uint32_t)len, out, out_len);
done:
	fwg_test_bw_free(&bw);
	free(head);
	free(prev);
	free(tok);
	if (ret == 0 && stats)
		*stats = st;
	return ret;
}
