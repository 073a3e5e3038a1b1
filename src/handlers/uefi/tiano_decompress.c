/*
 * tiano_decompress.c - decoder for the EFI 1.1 and Tiano compression formats
 * (UEFI specification, chapter "Compression Algorithm Specification"; EDK2
 * BaseUefiDecompressLib / BaseTools TianoCompress are the de facto
 * reference implementations).  Written from the format description; input is
 * untrusted.
 *
 * Container layout
 *   offset 0   u32 le   compressed size: payload bytes that follow the header
 *   offset 4   u32 le   original size: bytes the payload decodes to
 *   offset 8   payload: one bit stream, read most-significant bit first,
 *              byte after byte.  Bits past the compressed size read as zero
 *              (EDK2 pads the same way), so a stream may end mid-symbol.
 *
 * The payload is a sequence of blocks.  Each block is
 *   16 bits    block size: how many char/length symbols use this block's
 *              code tables (0 acts as 65536: EDK2 keeps the count in a
 *              16-bit counter that it decrements before testing)
 *   T lengths  the "extra" set (NT = 19 symbols), size field 5 bits,
 *              special index 3 (see below)
 *   C lengths  the char/length set (NC = 510 symbols), coded with the T code
 *   P lengths  the position set, size field pbit bits, no special index:
 *              pbit = 4 for EFI 1.1, 5 for Tiano (the only variant
 *              difference; the compressors use 8 KiB vs 512 KiB windows)
 *   symbols    block-size C symbols, each
 *                c < 256     literal byte c
 *                c >= 256    match of length c - 253 (3..256), followed by a
 *                            P symbol p giving d = distance - 1:
 *                            d = p for p <= 1, else (1 << (p-1)) + next p-1 bits
 *              A match copies byte by byte from `distance` bytes back, so it
 *              may overlap its own output.
 * Decoding stops as soon as original-size bytes are out; a match running
 * past that point is cut short (EDK2 does the same).  Like EDK2, when the
 * final byte was a literal that ended its block, the next block's header is
 * still read and must be valid (with zero padding it always is); nothing
 * else after that point is examined.
 *
 * T and P length arrays: n = size-field bits.  If n == 0 the next size-field
 * bits name the only symbol, which is then coded with zero bits.  Otherwise
 * lengths for symbols 0..n-1 follow, each as 3 bits when < 7, or as "111"
 * followed by k one-bits and a zero for length 7 + k.  For T, right after the
 * third length a 2-bit count of further zero lengths follows.
 * C length array: n = 9 bits; n == 0 again means a single zero-bit symbol
 * named by the next 9 bits.  Otherwise T symbols are decoded until n lengths
 * are known: T 0 = one zero length, T 1 = 3 + (4 bits) zero lengths,
 * T 2 = 20 + (9 bits) zero lengths, T t >= 3 = length t - 2.
 * Codes are canonical (as in DEFLATE): ordered by length, then by symbol.
 *
 * Deliberate strictness where EDK2's behaviour is undefined or stale-state
 * dependent (inputs that no real compressor emits):
 *   - a used code length above 16, or a code that is over-subscribed or
 *     incomplete, is "bad huffman table" (EDK2 validated only the low 16 bits
 *     of the Kraft sum, and ignored the result for the C table);
 *   - a single-symbol table must name a symbol inside its set;
 *   - a table whose lengths are all zero may be declared, but decoding a
 *     symbol with it fails (EDK2 would read a stale table);
 *   - a match reaching before the start of the output fails.
 * Everything else follows EDK2, including the lenient corners: size fields
 * larger than the set (extra lengths are read and ignored), up to 29 unary
 * one-bits in a length, zero-bit padding past the input, and no check that
 * the input was fully consumed.
 *
 * Invariants
 *   - the bit reader reads src[8 + i] only for i < compressed size, which
 *     fwg_tiano_get_info has proven to lie inside src_len;
 *   - code tables are built only from length arrays that passed the Kraft
 *     equality check, so every lookup index is below the array it indexes
 *     (and is still range-checked where the check is cheap);
 *   - every loop is bounded: the main loop writes at least one byte per
 *     iteration or fails; table reading is bounded by NC / NPT entries.
 */
#include <stdbool.h>
#include <string.h>

#include "tiano_decompress.h"

enum {
	HEADER_SIZE = 8,
	NC = 510,           /* char/length set: 256 literals + lengths 3..256 */
	NT = 19,            /* extra set: 3 zero-run symbols + lengths 1..16 */
	NPT = 31,           /* most lengths a T or P array can hold */
	NP_MAX = 31,        /* P symbols a 5-bit size field can name */
	CBIT = 9,
	TBIT = 5,
	T_SPECIAL = 3,      /* a zero-run count follows the third T length */
	PT_NO_SPECIAL = 0,
	PT_MAX_UNARY = 29,  /* EDK2 scans at most 29 one-bits after "111" */
	MAX_CODE_LEN = 16,
	C_FAST_BITS = 12,
	PT_FAST_BITS = 8,
	FAST_LEN_SHIFT = 9, /* fast entry: (length << 9) | symbol; 0 = slow path */
	FAST_SYM_MASK = 0x1ff,
	MATCH_BIAS = 253,   /* C symbol 256 is a match of length 3 */
};

/* Bit reader: buf holds the next `count` bits, most significant first. */
struct bit_reader {
	const uint8_t *src;
	size_t len;
	size_t pos;
	uint64_t buf;
	unsigned count;
};

enum huff_kind { HUFF_EMPTY, HUFF_SINGLE, HUFF_CODES };

/*
 * Canonical Huffman decoding table.  Codes of up to fast_bits bits resolve
 * with one lookup in fast[]; longer ones are found per length using
 * first[] (first code of each length), count[] and sorted[] (symbols in
 * code order).
 */
struct huff {
	enum huff_kind kind;
	unsigned fast_bits;
	uint16_t single_sym;
	uint32_t first[MAX_CODE_LEN + 1];
	uint16_t count[MAX_CODE_LEN + 1];
	uint16_t offset[MAX_CODE_LEN + 1];
	uint16_t sorted[NC];
	uint16_t fast[1u << C_FAST_BITS];
};

struct tiano_state {
	struct bit_reader br;
	struct huff c;  /* char/length code */
	struct huff pt; /* extra-set code while reading C lengths, then position code */
	uint8_t c_lens[NC];
};

static void set_why(const char **why, const char *msg)
{
	if (why)
		*why = msg;
}

static uint32_t load_u32le(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * Tops buf up to at least 56 valid bits; bytes past the input read as zero.
 * Called only with count < 56.  The fast path loads 8 bytes and keeps the
 * whole bytes that fit; the partial byte left below `count` holds the true
 * leading bits of src[pos], which the next refill ORs in again unchanged.
 * (pos <= len always holds, so len - pos cannot wrap.)
 */
static void br_refill(struct bit_reader *br)
{
	if (br->len - br->pos >= 8) {
		const uint8_t *p = br->src + br->pos;
		uint64_t v = (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 | (uint64_t)p[2] << 40 |
			     (uint64_t)p[3] << 32 | (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16 |
			     (uint64_t)p[6] << 8 | (uint64_t)p[7];
		br->buf |= v >> br->count;
		br->pos += (63 - br->count) >> 3;
		br->count |= 56;
		return;
	}
	while (br->count <= 56) {
		uint64_t byte = 0;
		if (br->pos < br->len)
			byte = br->src[br->pos++];
		br->buf |= byte << (56 - br->count);
		br->count += 8;
	}
}

/* Guarantees n (<= 56) valid bits. */
static inline void br_need(struct bit_reader *br, unsigned n)
{
	if (br->count < n)
		br_refill(br);
}

/* Discards n bits; callers have ensured n <= count (and so n < 64). */
static inline void br_drop(struct bit_reader *br, unsigned n)
{
	br->buf <<= n;
	br->count -= n;
}

/* Reads n (<= 32) bits as an unsigned number. */
static uint32_t br_bits(struct bit_reader *br, unsigned n)
{
	uint32_t v;

	if (n == 0)
		return 0;
	br_need(br, n);
	v = (uint32_t)(br->buf >> (64 - n));
	br_drop(br, n);
	return v;
}

/*
 * Builds h from lens[0..n-1] (n <= NC).  Returns 0, or -1 when a length
 * exceeds 16 or the lengths do not form a complete prefix code.
 */
static int huff_build(struct huff *h, const uint8_t *lens, unsigned n, unsigned fast_bits)
{
	uint16_t next[MAX_CODE_LEN + 1];
	uint32_t kraft = 0;
	uint32_t code = 0;
	unsigned idx = 0;
	unsigned fast_size = 1u << fast_bits;

	memset(h->count, 0, sizeof(h->count));
	for (unsigned s = 0; s < n; s++) {
		if (lens[s] > MAX_CODE_LEN)
			return -1;
		h->count[lens[s]]++;
	}
	h->count[0] = 0;
	for (unsigned len = 1; len <= MAX_CODE_LEN; len++)
		kraft += (uint32_t)h->count[len] << (MAX_CODE_LEN - len);
	if (kraft == 0) {
		h->kind = HUFF_EMPTY;
		return 0;
	}
	if (kraft != (1u << MAX_CODE_LEN))
		return -1;

	for (unsigned len = 1; len <= MAX_CODE_LEN; len++) {
		h->first[len] = code;
		h->offset[len] = (uint16_t)idx;
		next[len] = (uint16_t)idx;
		idx += h->count[len];
		code = (code + h->count[len]) << 1;
	}
	/* idx is now the number of used symbols, <= n <= NC. */
	for (unsigned s = 0; s < n; s++) {
		if (lens[s] != 0)
			h->sorted[next[lens[s]]++] = (uint16_t)s;
	}

	memset(h->fast, 0, fast_size * sizeof(h->fast[0]));
	for (unsigned len = 1; len <= fast_bits; len++) {
		unsigned shift = fast_bits - len;
		for (unsigned i = 0; i < h->count[len]; i++) {
			uint16_t entry = (uint16_t)(len << FAST_LEN_SHIFT | h->sorted[h->offset[len] + i]);
			uint32_t start = (h->first[len] + i) << shift;
			uint32_t span = 1u << shift;
			if (start > fast_size || span > fast_size - start)
				return -1; /* unreachable after the Kraft check */
			for (uint32_t j = 0; j < span; j++)
				h->fast[start + j] = entry;
		}
	}
	h->fast_bits = fast_bits;
	h->kind = HUFF_CODES;
	return 0;
}

static void huff_single(struct huff *h, unsigned sym)
{
	h->kind = HUFF_SINGLE;
	h->single_sym = (uint16_t)sym;
}

/* Decodes one symbol.  Returns 0, or -1 if the table has no codes. */
static int huff_decode(const struct huff *h, struct bit_reader *br, unsigned *sym)
{
	uint32_t window;
	uint16_t entry;

	if (h->kind == HUFF_SINGLE) {
		*sym = h->single_sym;
		return 0;
	}
	if (h->kind != HUFF_CODES)
		return -1;
	br_need(br, MAX_CODE_LEN);
	window = (uint32_t)(br->buf >> (64 - MAX_CODE_LEN));
	entry = h->fast[window >> (MAX_CODE_LEN - h->fast_bits)];
	if (entry != 0) {
		br_drop(br, entry >> FAST_LEN_SHIFT);
		*sym = entry & FAST_SYM_MASK;
		return 0;
	}
	for (unsigned len = h->fast_bits + 1; len <= MAX_CODE_LEN; len++) {
		uint32_t rel = (window >> (MAX_CODE_LEN - len)) - h->first[len];
		if (rel < h->count[len]) {
			br_drop(br, len);
			*sym = h->sorted[h->offset[len] + rel];
			return 0;
		}
	}
	return -1; /* unreachable for a complete code */
}

/*
 * Reads a T or P length array for a set of nn (<= NPT) symbols and builds h.
 * special != PT_NO_SPECIAL inserts the 2-bit zero-run count after that many
 * lengths.
 */
static int read_pt_lengths(struct bit_reader *br, struct huff *h, unsigned nn, unsigned nbit,
			   unsigned special)
{
	uint8_t lens[NPT];
	unsigned number = br_bits(br, nbit);
	unsigned i = 0;

	if (number == 0) {
		unsigned sym = br_bits(br, nbit);
		if (sym >= nn)
			return -1;
		huff_single(h, sym);
		return 0;
	}
	memset(lens, 0, sizeof(lens));
	while (i < number && i < NPT) {
		unsigned len;
		unsigned used = 3;

		br_need(br, 3 + PT_MAX_UNARY + 1);
		len = (unsigned)(br->buf >> 61);
		if (len == 7) {
			uint64_t mask = (uint64_t)1 << 60;
			unsigned ones = 0;
			while (ones < PT_MAX_UNARY && (br->buf & mask) != 0) {
				ones++;
				mask >>= 1;
			}
			len += ones;
			used = 3 + ones + 1;
		}
		br_drop(br, used);
		lens[i++] = (uint8_t)len;
		if (special != PT_NO_SPECIAL && i == special) {
			unsigned zeros = br_bits(br, 2);
			while (zeros > 0 && i < NPT) {
				lens[i++] = 0;
				zeros--;
			}
		}
	}
	return huff_build(h, lens, nn, PT_FAST_BITS);
}

/* Reads the C length array using the T code in t, and builds c. */
static int read_c_lengths(struct bit_reader *br, const struct huff *t, struct huff *c,
			  uint8_t *lens)
{
	unsigned number = br_bits(br, CBIT);
	unsigned i = 0;

	if (number == 0) {
		unsigned sym = br_bits(br, CBIT);
		if (sym >= NC)
			return -1;
		huff_single(c, sym);
		return 0;
	}
	memset(lens, 0, NC);
	while (i < number && i < NC) {
		unsigned sym;
		if (huff_decode(t, br, &sym) != 0)
			return -1;
		if (sym <= 2) {
			unsigned run;
			if (sym == 0)
				run = 1;
			else if (sym == 1)
				run = br_bits(br, 4) + 3;
			else
				run = br_bits(br, CBIT) + 20;
			while (run > 0 && i < NC) {
				lens[i++] = 0;
				run--;
			}
		} else {
			lens[i++] = (uint8_t)(sym - 2); /* sym < NT, so <= 16 */
		}
	}
	return huff_build(c, lens, NC, C_FAST_BITS);
}

int fwg_tiano_get_info(const uint8_t *src, size_t src_len, uint32_t *compressed_size,
		       uint32_t *original_size, const char **why)
{
	uint32_t comp;

	if (!src || !compressed_size || !original_size) {
		set_why(why, "null argument");
		return FWG_TIANO_E_ARG;
	}
	if (src_len < HEADER_SIZE) {
		set_why(why, "input shorter than header");
		return FWG_TIANO_E_HEADER;
	}
	comp = load_u32le(src);
	if (comp > src_len - HEADER_SIZE) {
		set_why(why, "compressed size exceeds input");
		return FWG_TIANO_E_HEADER;
	}
	*compressed_size = comp;
	*original_size = load_u32le(src + 4);
	return 0;
}

/*
 * Reads a block header: the 16-bit symbol count, then the T, C and P code
 * length arrays.  Returns the block's symbol count (1..65536), or 0 when a
 * table is invalid.
 */
static uint32_t read_block_header(struct tiano_state *st, unsigned pbit)
{
	struct bit_reader *br = &st->br;
	uint32_t count = br_bits(br, 16);

	if (count == 0)
		count = 0x10000;
	if (read_pt_lengths(br, &st->pt, NT, TBIT, T_SPECIAL) != 0 ||
	    read_c_lengths(br, &st->pt, &st->c, st->c_lens) != 0 ||
	    read_pt_lengths(br, &st->pt, NP_MAX, pbit, PT_NO_SPECIAL) != 0)
		count = 0;
	return count;
}

/* Decodes into dst (dst_len > 0) with the state in st; returns 0 or an error. */
static int decode_stream(struct tiano_state *st, uint8_t *dst, size_t dst_len, unsigned pbit,
			 const char **why)
{
	struct bit_reader *br = &st->br;
	uint32_t block_left = 0;
	size_t out = 0;
	bool last_literal = false;
	int ret = 0;

	while (out < dst_len) {
		unsigned sym;

		if (block_left == 0) {
			block_left = read_block_header(st, pbit);
			if (block_left == 0) {
				set_why(why, "bad huffman table");
				ret = FWG_TIANO_E_CORRUPT;
				goto done;
			}
		}
		if (st->c.kind == HUFF_SINGLE && st->c.single_sym < 256) {
			/* the rest of the block is one zero-bit literal, repeated */
			size_t n = dst_len - out;
			if (n > block_left)
				n = block_left;
			memset(dst + out, st->c.single_sym, n);
			out += n;
			block_left -= (uint32_t)n;
			last_literal = true;
			continue;
		}
		block_left--;

		if (huff_decode(&st->c, br, &sym) != 0) {
			set_why(why, "symbol from empty huffman table");
			ret = FWG_TIANO_E_CORRUPT;
			goto done;
		}
		last_literal = sym < 256;
		if (sym < 256) {
			dst[out++] = (uint8_t)sym;
		} else {
			size_t len = sym - MATCH_BIAS;
			unsigned p;
			uint32_t back; /* distance - 1 */
			size_t from;

			if (huff_decode(&st->pt, br, &p) != 0) {
				set_why(why, "symbol from empty huffman table");
				ret = FWG_TIANO_E_CORRUPT;
				goto done;
			}
			back = p;
			if (p > 1) /* p < NP_MAX, so the shift and the read fit 32 bits */
				back = ((uint32_t)1 << (p - 1)) + br_bits(br, p - 1);
			if (back >= out) {
				set_why(why, "position beyond output start");
				ret = FWG_TIANO_E_CORRUPT;
				goto done;
			}
			from = out - back - 1;
			if (len > dst_len - out)
				len = dst_len - out;
			if (len <= back + (size_t)1) {
				memcpy(dst + out, dst + from, len);
			} else {
				for (size_t k = 0; k < len; k++)
					dst[out + k] = dst[from + k];
			}
			out += len;
		}
	}
	/*
	 * EDK2 tests for a full output before storing a literal, not after, so
	 * when the last byte was a literal it decodes one more symbol, which at
	 * a block boundary means reading (and validating) the next block's
	 * tables.  Do the same, so streams EDK2 rejects for that reason are
	 * rejected here too.
	 */
	if (last_literal && block_left == 0 && read_block_header(st, pbit) == 0) {
		set_why(why, "bad huffman table");
		ret = FWG_TIANO_E_CORRUPT;
	}
done:
	return ret;
}

int fwg_tiano_decompress(const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_len,
			 enum fwg_tiano_variant variant, const char **why)
{
	struct tiano_state st;
	uint32_t comp = 0;
	uint32_t orig = 0;
	unsigned pbit;
	int ret;

	if (variant == FWG_TIANO_EFI11) {
		pbit = 4;
	} else if (variant == FWG_TIANO_TIANO) {
		pbit = 5;
	} else {
		set_why(why, "unknown variant");
		ret = FWG_TIANO_E_ARG;
		goto done;
	}
	if (!dst && dst_len != 0) {
		set_why(why, "null argument");
		ret = FWG_TIANO_E_ARG;
		goto done;
	}
	ret = fwg_tiano_get_info(src, src_len, &comp, &orig, why);
	if (ret != 0)
		goto done;
	if ((uint64_t)orig != (uint64_t)dst_len) {
		set_why(why, "output size mismatch");
		ret = FWG_TIANO_E_ARG;
		goto done;
	}
	if (dst_len == 0)
		goto done;

	st.br.src = src + HEADER_SIZE;
	st.br.len = comp;
	st.br.pos = 0;
	st.br.buf = 0;
	st.br.count = 0;
	st.c.kind = HUFF_EMPTY;
	st.pt.kind = HUFF_EMPTY;
	ret = decode_stream(&st, dst, dst_len, pbit, why);
done:
	return ret;
}
