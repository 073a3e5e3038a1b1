/*
 * jffs2_scan.c - reads every node of a JFFS2 image into flat record arrays
 * (layout in jffs2_format.h).
 *
 * The scan walks the image at 4-byte steps, as the kernel's mount-time
 * scan does: erased flash (0xff words) is skipped in one step, a header
 * whose magic or CRC is wrong moves on by 4 bytes, a header that checks
 * out moves on by its (aligned) totlen whether or not the rest of the node
 * is sound, so one corrupt node never hides the nodes after it.  The byte
 * order is fixed by the first valid header found in either order.
 *
 * Invariants: every read goes through the cursor; totlen is compared with
 * the bytes left before it is used; the position grows by at least 4 bytes
 * per step, so the walk ends after at most size/4 steps; the record arrays
 * hold at most size/12 entries (one per header).  Diagnostics about
 * individual nodes are capped (JFFS2_MAX_NODE_DIAGS) and the rest counted.
 */
#include <stdarg.h>
#include <stdlib.h>

#include <zlib.h>

#include "jffs2_format.h"

#define JFFS2_MAX_NODE_DIAGS 64u
#define ERASED_WORD 0xffffffffu

uint32_t jffs2_crc(const uint8_t *buf, size_t len)
{
	/* crc32(0) of the kernel = zlib's CRC with the pre- and
	 * post-inversion undone. */
	uLong crc = 0xffffffffu;
	while (len > 0) {
		uInt chunk = len > 0x40000000u ? 0x40000000u : (uInt)len;
		crc = crc32(crc, buf, chunk);
		buf += chunk;
		len -= chunk;
	}
	return (uint32_t)crc ^ 0xffffffffu;
}

void jffs2_diag(struct jffs2_scan *s, enum fwg_severity sev, const char *code, size_t off,
		const char *fmt, ...)
{
	if (s->diag_count >= JFFS2_MAX_NODE_DIAGS) {
		s->diag_dropped++;
		return;
	}
	s->diag_count++;
	va_list ap;
	va_start(ap, fmt);
	fwg_node_vdiag(s->fs, sev, code, off, fmt, ap);
	va_end(ap);
}

static bool rd16(const struct fwg_cursor *c, bool be, size_t off, uint16_t *v)
{
	return (be ? fwg_cursor_u16be_at(c, off, v) : fwg_cursor_u16le_at(c, off, v)) == FWG_OK;
}

static bool rd32(const struct fwg_cursor *c, bool be, size_t off, uint32_t *v)
{
	return (be ? fwg_cursor_u32be_at(c, off, v) : fwg_cursor_u32le_at(c, off, v)) == FWG_OK;
}

/*
 * A stored CRC against the bytes it covers.  Fuzzing builds also accept a
 * stored CRC of 0, so that mutated inputs reach the tree building behind
 * the checks while the mismatch path stays reachable too.
 */
static bool crc_ok(const uint8_t *p, size_t len, uint32_t want)
{
#ifdef FWG_FUZZING
	if (want == 0)
		return true;
#endif
	return jffs2_crc(p, len) == want;
}

static bool crc_matches(const struct fwg_cursor *c, size_t off, size_t len, uint32_t want)
{
	const uint8_t *p;
	return fwg_cursor_bytes_at(c, off, len, &p) == FWG_OK && crc_ok(p, len, want);
}

static bool header_valid(const struct fwg_cursor *c, size_t off, bool be)
{
	uint16_t magic;
	uint32_t crc;
	return rd16(c, be, off, &magic) && magic == JFFS2_MAGIC &&
		rd32(c, be, off + 8, &crc) && crc_matches(c, off, 8, crc);
}

int jffs2_header_order(const struct fwg_cursor *c, size_t off)
{
	if (header_valid(c, off, false))
		return 0;
	if (header_valid(c, off, true))
		return 1;
	return -1;
}

/* Grows an array of elem-sized records to hold one more (doubling). */
static bool grow(void **arr, size_t *cap, size_t count, size_t elem)
{
	if (count < *cap)
		return true;
	size_t ncap = *cap ? *cap * 2 : 256, bytes;
	if (fwg_mul_overflows(ncap, elem, &bytes))
		return false;
	void *p = realloc(*arr, bytes);
	if (!p)
		return false;
	*arr = p;
	*cap = ncap;
	return true;
}

static enum fwg_status scan_inode(struct jffs2_scan *s, const struct fwg_cursor *c, size_t pos,
		uint32_t totlen)
{
	bool be = s->big_endian;
	struct jffs2_inode_node n = { .pos = pos };
	uint32_t mode, node_crc, data_crc;
	uint16_t flags;
	if (totlen < JFFS2_INODE_SIZE) {
		s->malformed++;
		jffs2_diag(s, FWG_SEV_WARNING, "jffs2.bad_totlen", pos,
			"inode node totlen 0x%x is below the inode header size", totlen);
		return FWG_OK;
	}
	if (!rd32(c, be, pos + 0x0c, &n.ino) || !rd32(c, be, pos + 0x10, &n.version) ||
			!rd32(c, be, pos + 0x14, &mode) || !rd16(c, be, pos + 0x18, &n.uid) ||
			!rd16(c, be, pos + 0x1a, &n.gid) || !rd32(c, be, pos + 0x1c, &n.isize) ||
			!rd32(c, be, pos + 0x24, &n.mtime) || !rd32(c, be, pos + 0x2c, &n.offset) ||
			!rd32(c, be, pos + 0x30, &n.csize) || !rd32(c, be, pos + 0x34, &n.dsize) ||
			fwg_cursor_u8_at(c, pos + 0x38, &n.compr) != FWG_OK ||
			!rd16(c, be, pos + 0x3a, &flags) || !rd32(c, be, pos + 0x3c, &data_crc) ||
			!rd32(c, be, pos + 0x40, &node_crc))
		return FWG_OK; /* cannot happen: totlen was checked against the window */
	n.mode = mode;
	if (!crc_matches(c, pos, JFFS2_INODE_CRC_LEN, node_crc)) {
		s->bad_crc++;
		jffs2_diag(s, FWG_SEV_WARNING, "jffs2.node_crc", pos,
			"inode node crc mismatch (ino %u version %u), node skipped", n.ino, n.version);
		return FWG_OK;
	}
	if (n.csize > totlen - JFFS2_INODE_SIZE) {
		s->malformed++;
		jffs2_diag(s, FWG_SEV_WARNING, "jffs2.bad_csize", pos,
			"inode node csize 0x%x exceeds its totlen 0x%x, node skipped", n.csize, totlen);
		return FWG_OK;
	}
	if (fwg_cursor_bytes_at(c, pos + JFFS2_INODE_SIZE, n.csize, &n.data) != FWG_OK)
		return FWG_OK;
	if (!crc_ok(n.data, n.csize, data_crc)) {
		s->bad_crc++;
		jffs2_diag(s, FWG_SEV_WARNING, "jffs2.data_crc", pos,
			"inode node data crc mismatch (ino %u version %u), node skipped", n.ino,
			n.version);
		return FWG_OK;
	}
	if (n.ino == 0) {
		s->malformed++;
		jffs2_diag(s, FWG_SEV_WARNING, "jffs2.bad_ino", pos, "inode node with ino 0 skipped");
		return FWG_OK;
	}
	if (n.compr < 32)
		s->compr_seen |= 1u << n.compr;
	else
		s->compr_other = true;
	if (!grow((void **)&s->inodes, &s->inode_cap, s->inode_count, sizeof(n)))
		return FWG_NOMEM;
	s->inodes[s->inode_count++] = n;
	return FWG_OK;
}

static enum fwg_status scan_dirent(struct jffs2_scan *s, const struct fwg_cursor *c, size_t pos,
		uint32_t totlen)
{
	bool be = s->big_endian;
	struct jffs2_dirent_node d = { .pos = pos };
	uint32_t node_crc, name_crc;
	if (totlen < JFFS2_DIRENT_SIZE) {
		s->malformed++;
		jffs2_diag(s, FWG_SEV_WARNING, "jffs2.bad_totlen", pos,
			"dirent node totlen 0x%x is below the dirent header size", totlen);
		return FWG_OK;
	}
	if (!rd32(c, be, pos + 0x0c, &d.pino) || !rd32(c, be, pos + 0x10, &d.version) ||
			!rd32(c, be, pos + 0x14, &d.ino) ||
			fwg_cursor_u8_at(c, pos + 0x1c, &d.nsize) != FWG_OK ||
			fwg_cursor_u8_at(c, pos + 0x1d, &d.type) != FWG_OK ||
			!rd32(c, be, pos + 0x20, &node_crc) || !rd32(c, be, pos + 0x24, &name_crc))
		return FWG_OK;
	if (!crc_matches(c, pos, JFFS2_DIRENT_CRC_LEN, node_crc)) {
		s->bad_crc++;
		jffs2_diag(s, FWG_SEV_WARNING, "jffs2.node_crc", pos,
			"dirent node crc mismatch (pino %u version %u), node skipped", d.pino,
			d.version);
		return FWG_OK;
	}
	if (d.nsize > totlen - JFFS2_DIRENT_SIZE) {
		s->malformed++;
		jffs2_diag(s, FWG_SEV_WARNING, "jffs2.bad_nsize", pos,
			"dirent node nsize 0x%x exceeds its totlen 0x%x, node skipped", d.nsize, totlen);
		return FWG_OK;
	}
	if (fwg_cursor_bytes_at(c, pos + JFFS2_DIRENT_SIZE, d.nsize, &d.name) != FWG_OK)
		return FWG_OK;
	if (!crc_ok(d.name, d.nsize, name_crc)) {
		s->bad_crc++;
		jffs2_diag(s, FWG_SEV_WARNING, "jffs2.name_crc", pos,
			"dirent node name crc mismatch (pino %u version %u), node skipped", d.pino,
			d.version);
		return FWG_OK;
	}
	if (d.pino == 0 || d.nsize == 0) {
		s->malformed++;
		jffs2_diag(s, FWG_SEV_WARNING, "jffs2.bad_dirent", pos,
			"dirent node with pino %u and nsize %u skipped", d.pino, d.nsize);
		return FWG_OK;
	}
	if (!grow((void **)&s->dirents, &s->dirent_cap, s->dirent_count, sizeof(d)))
		return FWG_NOMEM;
	s->dirents[s->dirent_count++] = d;
	return FWG_OK;
}

static uint64_t gcd64(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

static void note_cleanmarker(struct jffs2_scan *s, size_t pos, uint32_t totlen)
{
	if (s->cleanmarkers == 0) {
		s->first_cleanmarker = pos;
	} else {
		s->cleanmarker_gcd = gcd64(s->cleanmarker_gcd, pos - s->last_cleanmarker);
	}
	s->last_cleanmarker = pos;
	s->cleanmarkers++;
	if (totlen != JFFS2_HEADER_SIZE)
		jffs2_diag(s, FWG_SEV_INFO, "jffs2.cleanmarker_size", pos,
			"cleanmarker totlen 0x%x (mkfs.jffs2 -c)", totlen);
}

/* Checks the node CRC of a fixed-size node kind; false (and counted) if bad. */
static bool fixed_node_ok(struct jffs2_scan *s, const struct fwg_cursor *c, size_t pos,
		uint32_t totlen, size_t min, size_t crc_len, const char *what)
{
	uint32_t crc;
	if (totlen < min) {
		s->malformed++;
		jffs2_diag(s, FWG_SEV_WARNING, "jffs2.bad_totlen", pos,
			"%s node totlen 0x%x is below its header size", what, totlen);
		return false;
	}
	if (!rd32(c, s->big_endian, pos + min - 4, &crc) ||
			!crc_matches(c, pos, crc_len, crc)) {
		s->bad_crc++;
		jffs2_diag(s, FWG_SEV_WARNING, "jffs2.node_crc", pos,
			"%s node crc mismatch, node skipped", what);
		return false;
	}
	return true;
}

static enum fwg_status scan_node(struct jffs2_scan *s, const struct fwg_cursor *c, size_t pos,
		uint16_t type, uint32_t totlen)
{
	switch (type) {
	case JFFS2_NODETYPE_INODE:
		return scan_inode(s, c, pos, totlen);
	case JFFS2_NODETYPE_DIRENT:
		return scan_dirent(s, c, pos, totlen);
	case JFFS2_NODETYPE_CLEANMARKER:
		note_cleanmarker(s, pos, totlen);
		return FWG_OK;
	case JFFS2_NODETYPE_PADDING:
		s->padding++;
		return FWG_OK;
	case JFFS2_NODETYPE_SUMMARY:
		if (fixed_node_ok(s, c, pos, totlen, JFFS2_SUMMARY_SIZE, JFFS2_SUMMARY_CRC_LEN,
				"summary"))
			s->summaries++;
		return FWG_OK;
	case JFFS2_NODETYPE_XATTR:
		if (fixed_node_ok(s, c, pos, totlen, JFFS2_XATTR_SIZE, JFFS2_XATTR_CRC_LEN, "xattr"))
			s->xattrs++;
		return FWG_OK;
	case JFFS2_NODETYPE_XREF:
		if (fixed_node_ok(s, c, pos, totlen, JFFS2_XREF_SIZE, JFFS2_XREF_CRC_LEN, "xref"))
			s->xrefs++;
		return FWG_OK;
	default:
		s->unknown++;
		jffs2_diag(s, (type & JFFS2_COMPAT_MASK) == JFFS2_FEATURE_INCOMPAT ?
				FWG_SEV_WARNING : FWG_SEV_INFO, "jffs2.unknown_node", pos,
			"node type 0x%04x not known (%s), skipped", type,
			(type & JFFS2_COMPAT_MASK) == JFFS2_FEATURE_INCOMPAT ? "incompatible" :
			(type & JFFS2_COMPAT_MASK) == JFFS2_FEATURE_ROCOMPAT ? "read-only compatible" :
			"compatible");
		return FWG_OK;
	}
}

/* Offset of the first valid header (either byte order) at or after 0. */
static size_t find_first_node(const struct fwg_cursor *c, int *order)
{
	size_t pos = 0;
	while (pos <= c->size && c->size - pos >= JFFS2_HEADER_SIZE) {
		uint32_t w;
		if (fwg_cursor_u32le_at(c, pos, &w) == FWG_OK && w == ERASED_WORD) {
			size_t next = fwg_cursor_first_not(c, pos, c->size - pos, 0xff);
			next &= ~(size_t)(JFFS2_ALIGN - 1);
			pos = next > pos ? next : pos + JFFS2_ALIGN;
			continue;
		}
		*order = jffs2_header_order(c, pos);
		if (*order >= 0)
			return pos;
		pos += JFFS2_ALIGN;
	}
	return SIZE_MAX;
}

static void end_garbage(struct jffs2_scan *s, size_t *start, size_t pos)
{
	if (*start == SIZE_MAX)
		return;
	s->garbage_bytes += pos - *start;
	jffs2_diag(s, FWG_SEV_WARNING, "jffs2.garbage", *start,
		"0x%zx bytes at 0x%zx are neither valid nodes nor erased flash", pos - *start, *start);
	*start = SIZE_MAX;
}

enum fwg_status jffs2_scan_run(struct jffs2_scan *s, const struct fwg_cursor *c)
{
	int order;
	size_t pos = find_first_node(c, &order);
	if (pos == SIZE_MAX)
		return FWG_OK;
	s->found = true;
	s->big_endian = order == 1;
	if (pos > 0) {
		jffs2_diag(s, FWG_SEV_INFO, "jffs2.leading_gap", 0,
			"first valid node at 0x%zx", pos);
	}
	size_t garbage = SIZE_MAX;
	while (pos <= c->size && c->size - pos >= JFFS2_HEADER_SIZE) {
		uint32_t w;
		if (fwg_cursor_u32le_at(c, pos, &w) == FWG_OK && w == ERASED_WORD) {
			end_garbage(s, &garbage, pos);
			size_t next = fwg_cursor_first_not(c, pos, c->size - pos, 0xff);
			next &= ~(size_t)(JFFS2_ALIGN - 1);
			if (next <= pos)
				next = pos + JFFS2_ALIGN;
			s->erased_bytes += next - pos;
			pos = next;
			continue;
		}
		uint16_t type;
		uint32_t totlen;
		if (!header_valid(c, pos, s->big_endian) || !rd16(c, s->big_endian, pos + 2, &type) ||
				!rd32(c, s->big_endian, pos + 4, &totlen)) {
			uint16_t magic;
			if (rd16(c, s->big_endian, pos, &magic) && magic == JFFS2_MAGIC) {
				s->bad_crc++;
				jffs2_diag(s, FWG_SEV_WARNING, "jffs2.hdr_crc", pos,
					"node header crc mismatch, header skipped");
			}
			if (garbage == SIZE_MAX)
				garbage = pos;
			pos += JFFS2_ALIGN;
			continue;
		}
		if (totlen < JFFS2_HEADER_SIZE || totlen > c->size - pos) {
			s->malformed++;
			jffs2_diag(s, FWG_SEV_WARNING, "jffs2.bad_totlen", pos,
				"node totlen 0x%x does not fit (0x%zx bytes left)", totlen, c->size - pos);
			if (garbage == SIZE_MAX)
				garbage = pos;
			pos += JFFS2_ALIGN;
			continue;
		}
		end_garbage(s, &garbage, pos);
		s->nodes++;
		if ((type & JFFS2_NODE_ACCURATE) == 0) {
			s->obsolete_marked++;
		} else {
			enum fwg_status st = scan_node(s, c, pos, type, totlen);
			if (st != FWG_OK)
				return st;
		}
		s->end = pos + totlen;
		size_t step;
		if (!fwg_align_up(totlen, JFFS2_ALIGN, &step) || step > c->size - pos)
			break;
		pos += step;
	}
	end_garbage(s, &garbage, pos < c->size ? pos : c->size);
	return FWG_OK;
}

void jffs2_scan_free(struct jffs2_scan *s)
{
	free(s->inodes);
	free(s->dirents);
	s->inodes = NULL;
	s->dirents = NULL;
}

size_t jffs2_scan_extent(const struct fwg_cursor *c)
{
	int order = jffs2_header_order(c, 0);
	if (order < 0)
		return 0;
	bool be = order == 1;
	size_t pos = 0, end = 0;
	while (pos <= c->size && c->size - pos >= JFFS2_HEADER_SIZE) {
		uint32_t w, totlen;
		if (fwg_cursor_u32le_at(c, pos, &w) == FWG_OK && w == ERASED_WORD) {
			size_t next = fwg_cursor_first_not(c, pos, c->size - pos, 0xff);
			next &= ~(size_t)(JFFS2_ALIGN - 1);
			pos = next > pos ? next : pos + JFFS2_ALIGN;
			continue;
		}
		if (!header_valid(c, pos, be) || !rd32(c, be, pos + 4, &totlen) ||
				totlen < JFFS2_HEADER_SIZE || totlen > c->size - pos)
			break;
		end = pos + totlen;
		size_t step;
		if (!fwg_align_up(totlen, JFFS2_ALIGN, &step) || step > c->size - pos)
			break;
		pos += step;
	}
	return end;
}
