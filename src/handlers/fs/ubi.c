/*
 * ubi.c - UBI images (Linux "Unsorted Block Images", the volume layer over
 * raw flash): as ubinize writes them and as they sit in a flash dump.
 *
 * Layout (Linux drivers/mtd/ubi/ubi-media.h; all integers big-endian):
 * the image is an array of physical erase blocks (PEBs) of one size.  Each
 * PEB starts with a 64-byte erase-counter header
 *   0x00 magic "UBI#"  0x04 version u8 (1)  0x08 ec u64
 *   0x10 vid_hdr_offset u32  0x14 data_offset u32  0x18 image_seq u32
 *   0x3c hdr_crc u32 over bytes 0..0x3b
 * and, at vid_hdr_offset, a 64-byte volume-identifier header when the PEB
 * holds a logical erase block (LEB) of a volume (0xFF bytes when free)
 *   0x00 magic "UBI!"  0x04 version u8  0x05 vol_type u8 (1 dynamic,
 *   2 static)  0x06 copy_flag u8  0x07 compat u8  0x08 vol_id u32
 *   0x0c lnum u32  0x14 data_size u32  0x18 used_ebs u32  0x1c data_pad u32
 *   0x20 data_crc u32  0x28 sqnum u64  0x3c hdr_crc u32 over 0..0x3b
 * The LEB's bytes are [data_offset, peb_size - data_pad) of the PEB.
 *
 * The PEB size is not stored anywhere: it is the distance to the next EC
 * header with the same geometry and image_seq, tried at powers of two.
 *
 * The volume table lives in the internal layout volume (vol_id 0x7FFFEFFF),
 * two LEBs holding identical copies of min(128, leb_size / 172) records:
 *   0x00 reserved_pebs u32  0x04 alignment u32  0x08 data_pad u32
 *   0x0c vol_type u8  0x0d upd_marker u8  0x0e name_len u16
 *   0x10 name[128]  0x90 flags u8 (1 autoresize, 2 skip CRC check)
 *   0xa8 crc u32 over 0..0xa7
 * An unused record is all zero (with the CRC of those zeros).
 *
 * CRCs are crc32 seeded with 0xFFFFFFFF without the final inversion
 * (ubi_crc.h).
 *
 * Reassembly: each volume's LEBs are ordered by lnum; when two PEBs hold
 * the same LEB (an interrupted wear-levelling copy) the higher sqnum wins.
 * Static volumes are (used_ebs - 1) full LEBs plus the last LEB's
 * data_size bytes, each LEB's data_crc checked; dynamic volumes span all
 * reserved_pebs LEBs, unmapped ones reading as 0xFF like on the device.
 * The result is a `ubi_volume` child whose bytes are the reassembled
 * volume (a buffer under the decode budgets), named after its table name;
 * the core then probes it (squashfs, FIT, UBIFS, ...).
 *
 * Invariants: every header read goes through the cursor; PEB and LEB
 * offsets are products of counts bounded by the body size; volume sizes
 * are computed in 64 bits with overflow checks and allocated only through
 * fwg_unpack_reserve_decoded; loops run over PEBs, records (at most 128)
 * and mapped LEBs, never over header claims.
 */
#include <stdlib.h>
#include <string.h>

#include "../../core/handler.h"
#include "../../core/registry.h"
#include "../../core/text.h"
#include "ubi_crc.h"

#define UBI_EC_MAGIC 0x55424923u  /* "UBI#" */
#define UBI_VID_MAGIC 0x55424921u /* "UBI!" */
#define UBI_HDR_SIZE 64u
#define UBI_HDR_CRC_OFF 60u
#define UBI_VERSION 1u

#define EC_OFF_VERSION 0x04
#define EC_OFF_EC 0x08
#define EC_OFF_VID_HDR 0x10
#define EC_OFF_DATA 0x14
#define EC_OFF_IMAGE_SEQ 0x18

#define VID_OFF_VERSION 0x04
#define VID_OFF_VOL_TYPE 0x05
#define VID_OFF_COPY_FLAG 0x06
#define VID_OFF_COMPAT 0x07
#define VID_OFF_VOL_ID 0x08
#define VID_OFF_LNUM 0x0c
#define VID_OFF_DATA_SIZE 0x14
#define VID_OFF_USED_EBS 0x18
#define VID_OFF_DATA_PAD 0x1c
#define VID_OFF_DATA_CRC 0x20
#define VID_OFF_SQNUM 0x28

#define UBI_VID_DYNAMIC 1u
#define UBI_VID_STATIC 2u

#define UBI_MAX_VOLUMES 128u
#define UBI_INTERNAL_VOL_START 0x7fffefffu
#define UBI_LAYOUT_VOLUME_ID UBI_INTERNAL_VOL_START
#define UBI_FM_SB_VOLUME_ID 0x7ffff000u
#define UBI_FM_DATA_VOLUME_ID 0x7ffff001u

#define VTBL_RECORD_SIZE 172u
#define VTBL_CRC_OFF 168u
#define VTBL_OFF_RESERVED 0x00
#define VTBL_OFF_ALIGNMENT 0x04
#define VTBL_OFF_DATA_PAD 0x08
#define VTBL_OFF_VOL_TYPE 0x0c
#define VTBL_OFF_UPD_MARKER 0x0d
#define VTBL_OFF_NAME_LEN 0x0e
#define VTBL_OFF_NAME 0x10
#define VTBL_OFF_FLAGS 0x90
#define UBI_VOL_NAME_MAX 127u
#define VTBL_FLAG_AUTORESIZE 0x01u
#define VTBL_FLAG_SKIP_CRC 0x02u

/* PEB sizes tried, powers of two: small NOR sectors to big NAND blocks. */
#define PEB_SIZE_MIN (4u << 10)
#define PEB_SIZE_MAX (16u << 20)

struct ec_hdr {
	uint8_t version;
	uint64_t ec;
	uint32_t vid_hdr_offset, data_offset, image_seq;
};

struct vid_hdr {
	uint32_t peb;
	uint32_t vol_id, lnum;
	uint32_t data_size, used_ebs, data_pad, data_crc;
	uint64_t sqnum;
	uint8_t version, vol_type, copy_flag, compat;
};

struct vtbl_rec {
	bool used;
	uint32_t reserved_pebs, alignment, data_pad;
	uint8_t vol_type, upd_marker, flags;
	uint16_t name_len;
	char name[UBI_VOL_NAME_MAX + 1];
};

enum hdr_state { HDR_VALID, HDR_EMPTY, HDR_BAD, HDR_TRUNCATED };

struct ubi_ctx {
	struct fwg_unpack *u;
	struct fwg_node *node;
	struct fwg_cursor body;
	struct ec_hdr first;
	size_t peb_size;
	size_t peb_count;
	struct vid_hdr *lebs;      /* mapped LEBs, sorted by vol_id, lnum, sqnum desc */
	size_t leb_count;
	struct vtbl_rec vtbl[UBI_MAX_VOLUMES];
	bool have_vtbl;
};

/* A 64-byte header at off: its magic and CRC, or empty (erased) flash. */
static enum hdr_state check_hdr(const struct fwg_cursor *c, size_t off, uint32_t magic,
		struct fwg_cursor *hdr)
{
	const uint8_t *p;
	if (fwg_cursor_bytes_at(c, off, UBI_HDR_SIZE, &p) != FWG_OK ||
			fwg_cursor_sub(c, off, UBI_HDR_SIZE, hdr) != FWG_OK)
		return HDR_TRUNCATED;
	if (fwg_cursor_u32be_or0(hdr, 0) != magic)
		return fwg_cursor_all_equal(hdr, 0, UBI_HDR_SIZE, 0xff) ? HDR_EMPTY : HDR_BAD;
	return fwg_ubi_crc_ok(fwg_ubi_crc32(p, UBI_HDR_CRC_OFF), fwg_cursor_u32be_or0(hdr, UBI_HDR_CRC_OFF)) ?
		HDR_VALID : HDR_BAD;
}

static enum hdr_state read_ec(const struct fwg_cursor *c, size_t off, struct ec_hdr *ec)
{
	struct fwg_cursor h;
	enum hdr_state st = check_hdr(c, off, UBI_EC_MAGIC, &h);
	if (st != HDR_VALID)
		return st;
	ec->version = fwg_cursor_u8_or0(&h, EC_OFF_VERSION);
	ec->ec = fwg_cursor_u64be_or0(&h, EC_OFF_EC);
	ec->vid_hdr_offset = fwg_cursor_u32be_or0(&h, EC_OFF_VID_HDR);
	ec->data_offset = fwg_cursor_u32be_or0(&h, EC_OFF_DATA);
	ec->image_seq = fwg_cursor_u32be_or0(&h, EC_OFF_IMAGE_SEQ);
	return HDR_VALID;
}

static enum hdr_state read_vid(const struct fwg_cursor *c, size_t off, struct vid_hdr *v)
{
	struct fwg_cursor h;
	enum hdr_state st = check_hdr(c, off, UBI_VID_MAGIC, &h);
	if (st != HDR_VALID)
		return st;
	v->version = fwg_cursor_u8_or0(&h, VID_OFF_VERSION);
	v->vol_type = fwg_cursor_u8_or0(&h, VID_OFF_VOL_TYPE);
	v->copy_flag = fwg_cursor_u8_or0(&h, VID_OFF_COPY_FLAG);
	v->compat = fwg_cursor_u8_or0(&h, VID_OFF_COMPAT);
	v->vol_id = fwg_cursor_u32be_or0(&h, VID_OFF_VOL_ID);
	v->lnum = fwg_cursor_u32be_or0(&h, VID_OFF_LNUM);
	v->data_size = fwg_cursor_u32be_or0(&h, VID_OFF_DATA_SIZE);
	v->used_ebs = fwg_cursor_u32be_or0(&h, VID_OFF_USED_EBS);
	v->data_pad = fwg_cursor_u32be_or0(&h, VID_OFF_DATA_PAD);
	v->data_crc = fwg_cursor_u32be_or0(&h, VID_OFF_DATA_CRC);
	v->sqnum = fwg_cursor_u64be_or0(&h, VID_OFF_SQNUM);
	return HDR_VALID;
}

/* Geometry every PEB shares: the VID header fits before the data. */
static bool geometry_ok(const struct ec_hdr *ec)
{
	return ec->vid_hdr_offset >= UBI_HDR_SIZE &&
		ec->vid_hdr_offset <= PEB_SIZE_MAX && ec->data_offset <= PEB_SIZE_MAX &&
		ec->vid_hdr_offset + UBI_HDR_SIZE <= ec->data_offset;
}

static bool same_image(const struct ec_hdr *a, const struct ec_hdr *b)
{
	return a->vid_hdr_offset == b->vid_hdr_offset && a->data_offset == b->data_offset &&
		a->image_seq == b->image_seq;
}

static bool ec_matches(const struct fwg_cursor *c, size_t off, const struct ec_hdr *first)
{
	struct ec_hdr h;
	return read_ec(c, off, &h) == HDR_VALID && same_image(&h, first);
}

/*
 * The smallest power of two at which the next PEB's EC header sits.  A
 * candidate also counts when the header at 1x is damaged but the one at
 * 3x is fine: odd multiples of a too-small candidate fall inside a PEB,
 * so that second chance never picks a size below the real one.  With no
 * second header, a body of one plausible PEB is that PEB.  0: unknown.
 */
static size_t find_peb_size(const struct fwg_cursor *c, const struct ec_hdr *first)
{
	for (size_t cand = PEB_SIZE_MIN; cand <= PEB_SIZE_MAX; cand <<= 1) {
		if (cand <= first->data_offset)
			continue;
		if (!fwg_cursor_has(c, cand, UBI_HDR_SIZE))
			break;
		if (ec_matches(c, cand, first))
			return cand;
		if (fwg_cursor_has(c, 3 * cand, UBI_HDR_SIZE) && ec_matches(c, 3 * cand, first))
			return cand;
	}
	size_t n = c->size;
	if (n >= PEB_SIZE_MIN && n <= PEB_SIZE_MAX && (n & (n - 1)) == 0 && n > first->data_offset)
		return n;
	return 0;
}

/* ---- probe and extent ------------------------------------------------ */

static int ubi_probe(const struct fwg_cursor *body)
{
	struct ec_hdr ec;
	if (read_ec(body, 0, &ec) != HDR_VALID)
		return 0;
	return geometry_ok(&ec) ? 90 : 60;
}

/* PEBs from the start while their EC headers belong to this image (one
 * damaged header is bridged when the next one matches again). */
static uint64_t ubi_extent(const struct fwg_cursor *body)
{
	struct ec_hdr first;
	if (read_ec(body, 0, &first) != HDR_VALID || !geometry_ok(&first))
		return 0;
	size_t peb = find_peb_size(body, &first);
	if (peb == 0)
		return 0;
	size_t count = 1;
	while (fwg_cursor_has(body, count * peb, peb)) {
		if (!ec_matches(body, count * peb, &first) &&
				!(fwg_cursor_has(body, (count + 1) * peb, peb) &&
				ec_matches(body, (count + 1) * peb, &first)))
			break;
		count++;
	}
	return (uint64_t)count * peb;
}

/* ---- PEB scan -------------------------------------------------------- */

static int compare_lebs(const void *pa, const void *pb)
{
	const struct vid_hdr *a = pa, *b = pb;
	if (a->vol_id != b->vol_id)
		return a->vol_id < b->vol_id ? -1 : 1;
	if (a->lnum != b->lnum)
		return a->lnum < b->lnum ? -1 : 1;
	if (a->sqnum != b->sqnum)
		return a->sqnum > b->sqnum ? -1 : 1; /* newest copy first */
	return a->peb < b->peb ? -1 : (a->peb > b->peb);
}

struct scan_stats {
	size_t empty, bad_ec, foreign_ec, bad_vid, free_pebs;
	size_t first_bad_ec, first_bad_vid, first_foreign;
	uint64_t ec_min, ec_max;
	bool have_ec;
};

static void scan_one_ec(struct ubi_ctx *x, size_t off, struct scan_stats *s, bool *erased)
{
	struct ec_hdr ec;
	enum hdr_state st = read_ec(&x->body, off, &ec);
	*erased = false;
	if (st == HDR_VALID) {
		if (!same_image(&ec, &x->first) && s->foreign_ec++ == 0)
			s->first_foreign = off;
		if (!s->have_ec || ec.ec < s->ec_min)
			s->ec_min = ec.ec;
		if (!s->have_ec || ec.ec > s->ec_max)
			s->ec_max = ec.ec;
		s->have_ec = true;
	} else if (st == HDR_EMPTY) {
		*erased = true;
	} else if (st == HDR_BAD && s->bad_ec++ == 0) {
		s->first_bad_ec = off;
	}
}

static void report_scan(struct ubi_ctx *x, const struct scan_stats *s)
{
	struct fwg_node *n = x->node;
	if (s->bad_ec)
		FWG_WARN(n, "ubi.ec_header", s->first_bad_ec,
			"%zu erase-counter headers with a bad magic or hdr_crc, the first at 0x%zx",
			s->bad_ec, s->first_bad_ec);
	if (s->foreign_ec)
		FWG_WARN(n, "ubi.image_seq", s->first_foreign,
			"%zu erase-counter headers differ from the first in image_seq or offsets, "
			"the first at 0x%zx", s->foreign_ec, s->first_foreign);
	if (s->bad_vid)
		FWG_WARN(n, "ubi.vid_header", s->first_bad_vid,
			"%zu volume-id headers with a bad magic or hdr_crc, the first at 0x%zx",
			s->bad_vid, s->first_bad_vid);
	fwg_node_attr_int(n, "free_pebs", s->free_pebs);
	if (s->empty)
		fwg_node_attr_int(n, "erased_pebs", s->empty);
	if (s->have_ec) {
		fwg_node_attr_int(n, "ec_min", s->ec_min);
		fwg_node_attr_int(n, "ec_max", s->ec_max);
	}
}

static enum fwg_status scan_pebs(struct ubi_ctx *x)
{
	struct scan_stats s = { 0 };
	x->lebs = calloc(x->peb_count ? x->peb_count : 1, sizeof(*x->lebs));
	if (!x->lebs)
		return FWG_NOMEM;
	for (size_t i = 0; i < x->peb_count; i++) {
		size_t off = i * x->peb_size;
		bool erased;
		scan_one_ec(x, off, &s, &erased);
		struct vid_hdr v;
		enum hdr_state st = read_vid(&x->body, off + x->first.vid_hdr_offset, &v);
		if (st == HDR_VALID) {
			v.peb = (uint32_t)i;
			x->lebs[x->leb_count++] = v;
		} else if (st == HDR_EMPTY) {
			if (erased)
				s.empty++;
			else
				s.free_pebs++;
		} else if (st == HDR_BAD && s.bad_vid++ == 0) {
			s.first_bad_vid = off + x->first.vid_hdr_offset;
		}
	}
	qsort(x->lebs, x->leb_count, sizeof(*x->lebs), compare_lebs);
	report_scan(x, &s);
	return FWG_OK;
}

/* ---- LEB access ------------------------------------------------------ */

/* Usable bytes of a LEB for a volume with data_pad (0 = impossible). */
static size_t leb_size_for(const struct ubi_ctx *x, uint32_t data_pad)
{
	size_t room = x->peb_size - x->first.data_offset;
	return data_pad < room ? room - data_pad : 0;
}

/* Copies len bytes of the LEB in PEB peb into dst; bytes past the end of
 * the image read as 0xFF.  Returns the number of bytes actually present. */
static size_t copy_leb(const struct ubi_ctx *x, uint32_t peb, uint8_t *dst, size_t len)
{
	size_t start = (size_t)peb * x->peb_size + x->first.data_offset;
	size_t avail = start < x->body.size ? x->body.size - start : 0;
	size_t n = len < avail ? len : avail;
	if (n && fwg_cursor_copy_at(&x->body, start, dst, n) != FWG_OK)
		n = 0;
	memset(dst + n, 0xff, len - n);
	return n;
}

static uint32_t leb_crc(const struct ubi_ctx *x, uint32_t peb, size_t len, bool *complete)
{
	size_t start = (size_t)peb * x->peb_size + x->first.data_offset;
	const uint8_t *p;
	*complete = fwg_cursor_bytes_at(&x->body, start, len, &p) == FWG_OK;
	return *complete ? fwg_ubi_crc32(p, len) : 0;
}

/* Range [*first, *end) of x->lebs holding vol_id. */
static void lebs_of(const struct ubi_ctx *x, uint32_t vol_id, size_t *first, size_t *end)
{
	size_t lo = 0, hi = x->leb_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (x->lebs[mid].vol_id < vol_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	while (hi < x->leb_count && x->lebs[hi].vol_id == vol_id)
		hi++;
	*end = hi < lo ? lo : hi;
}

/* ---- volume table ---------------------------------------------------- */

static bool parse_vtbl_record(const struct fwg_cursor *rec, struct vtbl_rec *r, const char **why)
{
	const uint8_t *p;
	memset(r, 0, sizeof(*r));
	*why = NULL;
	if (fwg_cursor_bytes_at(rec, 0, VTBL_RECORD_SIZE, &p) != FWG_OK) {
		*why = "truncated";
		return false;
	}
	if (!fwg_ubi_crc_ok(fwg_ubi_crc32(p, VTBL_CRC_OFF), fwg_cursor_u32be_or0(rec, VTBL_CRC_OFF))) {
		*why = "crc mismatch";
		return false;
	}
	r->reserved_pebs = fwg_cursor_u32be_or0(rec, VTBL_OFF_RESERVED);
	if (r->reserved_pebs == 0) {
		if (!fwg_cursor_all_equal(rec, 0, VTBL_CRC_OFF, 0)) {
			*why = "unused record with non-zero fields";
			return false;
		}
		return true;
	}
	r->alignment = fwg_cursor_u32be_or0(rec, VTBL_OFF_ALIGNMENT);
	r->data_pad = fwg_cursor_u32be_or0(rec, VTBL_OFF_DATA_PAD);
	r->vol_type = fwg_cursor_u8_or0(rec, VTBL_OFF_VOL_TYPE);
	r->upd_marker = fwg_cursor_u8_or0(rec, VTBL_OFF_UPD_MARKER);
	r->flags = fwg_cursor_u8_or0(rec, VTBL_OFF_FLAGS);
	uint16_t nl;
	r->name_len = fwg_cursor_u16be_at(rec, VTBL_OFF_NAME_LEN, &nl) == FWG_OK ? nl : 0;
	if (r->vol_type != UBI_VID_DYNAMIC && r->vol_type != UBI_VID_STATIC) {
		*why = "bad vol_type";
		return false;
	}
	if (r->name_len == 0 || r->name_len > UBI_VOL_NAME_MAX) {
		*why = "bad name_len";
		return false;
	}
	if (fwg_cursor_copy_at(rec, VTBL_OFF_NAME, r->name, r->name_len) != FWG_OK) {
		*why = "truncated";
		return false;
	}
	r->name[r->name_len] = '\0';
	if (strlen(r->name) != r->name_len) {
		*why = "name shorter than name_len";
		return false;
	}
	r->used = true;
	return true;
}

/*
 * Reads one copy of the table from the layout LEB in PEB peb into out.
 * Returns the number of bad records (diagnosed); SIZE_MAX if unreadable.
 */
static size_t read_vtbl_copy(struct ubi_ctx *x, const struct vid_hdr *leb, size_t slots,
		struct vtbl_rec *out)
{
	size_t base = (size_t)leb->peb * x->peb_size + x->first.data_offset;
	size_t bad = 0;
	for (size_t i = 0; i < slots; i++) {
		struct fwg_cursor rec;
		const char *why;
		size_t off = base + i * VTBL_RECORD_SIZE;
		if (fwg_cursor_sub(&x->body, off, VTBL_RECORD_SIZE, &rec) != FWG_OK) {
			FWG_ERR(x->node, "ubi.vtbl", off,
				"volume table copy %u is truncated at record %zu", leb->lnum, i);
			return SIZE_MAX;
		}
		if (!parse_vtbl_record(&rec, &out[i], &why)) {
			FWG_WARN(x->node, "ubi.vtbl_record", off,
				"volume table copy %u record %zu: %s", leb->lnum, i, why);
			bad++;
		}
	}
	return bad;
}

static bool same_record(const struct vtbl_rec *a, const struct vtbl_rec *b)
{
	return a->used == b->used && a->reserved_pebs == b->reserved_pebs &&
		a->alignment == b->alignment && a->data_pad == b->data_pad &&
		a->vol_type == b->vol_type && a->upd_marker == b->upd_marker &&
		a->flags == b->flags && strcmp(a->name, b->name) == 0;
}

/* Both copies of the table (LEB 0 and 1 of the layout volume), compared;
 * the first copy wins unless it has bad records and the second has none. */
static enum fwg_status read_vtbl(struct ubi_ctx *x)
{
	size_t first, end;
	lebs_of(x, UBI_LAYOUT_VOLUME_ID, &first, &end);
	size_t room = leb_size_for(x, 0);
	size_t slots = room / VTBL_RECORD_SIZE;
	if (slots > UBI_MAX_VOLUMES)
		slots = UBI_MAX_VOLUMES;
	struct vtbl_rec *copies = calloc(2 * UBI_MAX_VOLUMES, sizeof(*copies));
	if (!copies)
		return FWG_NOMEM;
	size_t bad[2] = { SIZE_MAX, SIZE_MAX };
	for (size_t i = first; i < end; i++) {
		const struct vid_hdr *l = &x->lebs[i];
		if (l->lnum > 1) {
			FWG_WARN(x->node, "ubi.vtbl", (size_t)l->peb * x->peb_size,
				"layout volume LEB %u beyond its two copies ignored", l->lnum);
			continue;
		}
		if (i > first && x->lebs[i - 1].lnum == l->lnum)
			continue; /* older copy of the same LEB */
		bad[l->lnum] = read_vtbl_copy(x, l, slots, copies + l->lnum * UBI_MAX_VOLUMES);
	}
	int pick = -1;
	if (bad[0] != SIZE_MAX && (bad[0] == 0 || bad[1] == SIZE_MAX || bad[1] > 0))
		pick = 0;
	else if (bad[1] != SIZE_MAX)
		pick = 1;
	if (pick < 0 && x->leb_count == 0) {
		FWG_INFO(x->node, "ubi.empty", 0, "no PEB holds a LEB: an empty (formatted) device");
	} else if (pick < 0) {
		FWG_ERR(x->node, "ubi.vtbl", 0,
			"no readable volume table (layout volume 0x%x missing): volumes named by id",
			UBI_LAYOUT_VOLUME_ID);
	} else {
		if (bad[0] == SIZE_MAX || bad[1] == SIZE_MAX)
			FWG_WARN(x->node, "ubi.vtbl", 0, "only volume table copy %d is present", pick);
		else
			for (size_t i = 0; i < slots; i++)
				if (!same_record(&copies[i], &copies[UBI_MAX_VOLUMES + i])) {
					FWG_WARN(x->node, "ubi.vtbl_mismatch", 0,
						"the two volume table copies differ (first at record %zu), "
						"copy %d used", i, pick);
					break;
				}
		memcpy(x->vtbl, copies + pick * UBI_MAX_VOLUMES, slots * sizeof(*copies));
		x->have_vtbl = true;
		fwg_node_attr_int(x->node, "vtbl_slots", slots);
	}
	free(copies);
	return FWG_OK;
}

/* ---- volumes --------------------------------------------------------- */

struct volume {
	uint32_t vol_id;
	const struct vtbl_rec *rec;   /* NULL: not in the table */
	size_t first, end;            /* its LEBs in x->lebs */
	uint8_t vol_type;
	size_t leb_size;
	uint64_t size;
	uint64_t mapped;
	uint32_t used_ebs;
};

/* Static volumes: used_ebs and the last LEB's data_size give the size. */
static void size_static(struct ubi_ctx *x, struct volume *v, struct fwg_node *vn)
{
	const struct vid_hdr *l0 = v->first < v->end ? &x->lebs[v->first] : NULL;
	v->used_ebs = l0 ? l0->used_ebs : 0;
	for (size_t i = v->first; i < v->end; i++)
		if (x->lebs[i].used_ebs != v->used_ebs) {
			FWG_WARN(vn, "ubi.used_ebs", (size_t)x->lebs[i].peb * x->peb_size,
				"LEB %u says used_ebs %u, LEB %u says %u", x->lebs[i].lnum,
				x->lebs[i].used_ebs, l0->lnum, v->used_ebs);
			break;
		}
	if (v->used_ebs == 0) {
		v->size = 0;
		return;
	}
	uint64_t tail = v->leb_size;
	for (size_t i = v->first; i < v->end; i++)
		if (x->lebs[i].lnum == v->used_ebs - 1) {
			tail = x->lebs[i].data_size <= v->leb_size ? x->lebs[i].data_size : v->leb_size;
			break;
		}
	v->size = (uint64_t)(v->used_ebs - 1) * v->leb_size + tail;
}

static void size_dynamic(struct ubi_ctx *x, struct volume *v)
{
	uint64_t lebs = v->rec ? v->rec->reserved_pebs : 0;
	if (!v->rec && v->first < v->end)
		lebs = (uint64_t)x->lebs[v->end - 1].lnum + 1;
	v->size = lebs * v->leb_size;
}

/* Highest mapped lnum + 1, as a size: what a dynamic volume shrinks to
 * when its reserved range does not fit the budgets. */
static uint64_t mapped_extent(const struct ubi_ctx *x, const struct volume *v)
{
	if (v->first == v->end)
		return 0;
	return ((uint64_t)x->lebs[v->end - 1].lnum + 1) * v->leb_size;
}

struct fill_stats {
	size_t missing, bad_crc, outside, duplicates, short_reads;
	uint32_t first_missing, first_bad_crc, first_outside, first_dup;
};

static void fill_one(struct ubi_ctx *x, const struct volume *v, const struct vid_hdr *l,
		uint8_t *buf, size_t size, struct fill_stats *fs)
{
	size_t at = (size_t)l->lnum * v->leb_size;
	size_t len = size - at < v->leb_size ? size - at : v->leb_size;
	if (v->vol_type == UBI_VID_STATIC && l->data_size < len)
		len = l->data_size;
	size_t got = copy_leb(x, l->peb, buf + at, len);
	if (got < len)
		fs->short_reads++;
	bool check = v->vol_type == UBI_VID_STATIC || l->copy_flag;
	if (v->rec && (v->rec->flags & VTBL_FLAG_SKIP_CRC))
		check = false;
	if (check && l->data_size <= v->leb_size) {
		bool complete;
		uint32_t crc = leb_crc(x, l->peb, l->data_size, &complete);
		if (complete && crc != l->data_crc && fs->bad_crc++ == 0)
			fs->first_bad_crc = l->lnum;
	}
}

/* Copies every mapped LEB into buf (size bytes, pre-filled with 0xFF). */
static void fill_volume(struct ubi_ctx *x, const struct volume *v, struct fwg_node *vn,
		uint8_t *buf, size_t size)
{
	struct fill_stats fs = { 0 };
	memset(buf, 0xff, size);
	uint64_t lebs = v->vol_type == UBI_VID_STATIC ? v->used_ebs : size / v->leb_size;
	uint64_t present = 0;
	for (size_t i = v->first; i < v->end; i++) {
		const struct vid_hdr *l = &x->lebs[i];
		if (i > v->first && x->lebs[i - 1].lnum == l->lnum) {
			if (fs.duplicates++ == 0)
				fs.first_dup = l->lnum;
			continue;
		}
		if (l->lnum >= lebs) {
			if (fs.outside++ == 0)
				fs.first_outside = l->lnum;
			continue;
		}
		present++;
		fill_one(x, v, l, buf, size, &fs);
	}
	if (v->vol_type == UBI_VID_STATIC && present < lebs) {
		fs.missing = (size_t)(lebs - present);
		FWG_ERR(vn, "ubi.missing_leb", 0,
			"%zu of the %llu LEBs of static volume %u are missing, read as 0xff",
			fs.missing, (unsigned long long)lebs, v->vol_id);
	}
	if (fs.bad_crc)
		FWG_ERR(vn, "ubi.data_crc", 0,
			"data_crc mismatch in %zu LEBs, the first LEB %u", fs.bad_crc, fs.first_bad_crc);
	if (fs.outside)
		FWG_WARN(vn, "ubi.lnum", 0,
			"%zu LEBs beyond the volume's size ignored, the first LEB %u",
			fs.outside, fs.first_outside);
	if (fs.duplicates)
		FWG_INFO(vn, "ubi.duplicate_leb", 0,
			"%zu LEBs stored twice (interrupted copy), the higher sqnum used, the first LEB %u",
			fs.duplicates, fs.first_dup);
	if (fs.short_reads)
		FWG_ERR(vn, "ubi.truncated", 0,
			"%zu LEBs run past the end of the image, missing bytes read as 0xff",
			fs.short_reads);
}

static void volume_attrs(const struct volume *v, struct fwg_node *vn)
{
	fwg_node_attr_int(vn, "vol_id", v->vol_id);
	fwg_node_attr_str(vn, "vol_type", v->vol_type == UBI_VID_STATIC ? "static" : "dynamic");
	fwg_node_attr_int(vn, "leb_size", v->leb_size);
	fwg_node_attr_int(vn, "mapped_lebs", v->mapped);
	if (v->rec) {
		fwg_node_attr_int(vn, "reserved_pebs", v->rec->reserved_pebs);
		fwg_node_attr_int(vn, "alignment", v->rec->alignment);
		if (v->rec->data_pad)
			fwg_node_attr_int(vn, "data_pad", v->rec->data_pad);
		if (v->rec->flags & VTBL_FLAG_AUTORESIZE)
			fwg_node_attr_bool(vn, "autoresize", true);
		if (v->rec->flags & VTBL_FLAG_SKIP_CRC)
			fwg_node_attr_bool(vn, "skip_crc_check", true);
		if (v->rec->upd_marker)
			FWG_WARN(vn, "ubi.upd_marker", 0,
				"update marker set: an update of this volume was interrupted, "
				"its contents are incomplete");
	}
	if (v->vol_type == UBI_VID_STATIC)
		fwg_node_attr_int(vn, "used_ebs", v->used_ebs);
}

static void name_volume(struct volume *v, struct fwg_node *vn)
{
	if (v->rec) {
		char *safe = fwg_text_escape_name(v->rec->name, v->rec->name_len);
		if (!safe) {
			vn->alloc_failed = true;
			return;
		}
		fwg_node_set_name(vn, safe);
		free(safe);
		return;
	}
	char name[32];
	snprintf(name, sizeof(name), "vol%u", v->vol_id);
	fwg_node_set_name(vn, name);
	FWG_WARN(vn, "ubi.orphan_volume", 0,
		"volume %u has LEBs but no volume table record", v->vol_id);
}

static size_t count_mapped(const struct ubi_ctx *x, const struct volume *v)
{
	size_t n = 0;
	for (size_t i = v->first; i < v->end; i++)
		if (i == v->first || x->lebs[i - 1].lnum != x->lebs[i].lnum)
			n++;
	return n;
}

static enum fwg_status emit_volume(struct ubi_ctx *x, struct volume *v)
{
	size_t first_peb = v->first < v->end ? (size_t)x->lebs[v->first].peb * x->peb_size : 0;
	struct fwg_node *vn;
	enum fwg_status st = fwg_unpack_add_child(x->u, x->node, FWG_TYPE_UBI_VOLUME,
		first_peb, 0, NULL, &vn);
	if (st != FWG_OK)
		return st;
	vn->abs_offset = FWG_NO_ABS_OFFSET;
	name_volume(v, vn);
	uint32_t data_pad = v->rec ? v->rec->data_pad :
		(v->first < v->end ? x->lebs[v->first].data_pad : 0);
	v->leb_size = leb_size_for(x, data_pad);
	if (v->leb_size == 0) {
		FWG_ERR(vn, "ubi.data_pad", 0, "data_pad 0x%x leaves no room in a 0x%zx-byte PEB",
			data_pad, x->peb_size);
		vn->handler = &fwg_handler_leaf;
		return FWG_OK;
	}
	v->mapped = count_mapped(x, v);
	if (v->vol_type == UBI_VID_STATIC)
		size_static(x, v, vn);
	else
		size_dynamic(x, v);
	volume_attrs(v, vn);
	uint8_t *buf;
	uint64_t size = v->size;
	if (size > SIZE_MAX)
		size = SIZE_MAX;
	st = fwg_unpack_reserve_decoded(x->u, vn, x->body.size, (size_t)size, &buf);
	if (st == FWG_LIMIT && v->vol_type == UBI_VID_DYNAMIC && mapped_extent(x, v) < size) {
		size = mapped_extent(x, v);
		FWG_WARN(vn, "ubi.volume_trimmed", 0,
			"dynamic volume cut to its mapped LEBs (0x%llx bytes) to fit the budgets",
			(unsigned long long)size);
		st = fwg_unpack_reserve_decoded(x->u, vn, x->body.size, (size_t)size, &buf);
	}
	if (st == FWG_LIMIT) {
		vn->handler = &fwg_handler_leaf;
		return FWG_OK;
	}
	if (st != FWG_OK)
		return st;
	fill_volume(x, v, vn, buf, (size_t)size);
	fwg_node_attr_int(vn, "used_bytes", v->vol_type == UBI_VID_STATIC ? size :
		v->mapped * v->leb_size);
	fwg_unpack_commit_owned(vn, (size_t)size);
	return FWG_OK;
}

static void check_internal(struct ubi_ctx *x, uint32_t vol_id, size_t first)
{
	size_t off = (size_t)x->lebs[first].peb * x->peb_size;
	if (vol_id == UBI_LAYOUT_VOLUME_ID)
		return;
	if (vol_id == UBI_FM_SB_VOLUME_ID || vol_id == UBI_FM_DATA_VOLUME_ID) {
		fwg_node_attr_bool(x->node, "fastmap", true);
		return;
	}
	if (vol_id >= UBI_INTERNAL_VOL_START)
		FWG_WARN(x->node, "ubi.internal_volume", off,
			"unknown internal volume 0x%x (compat %u) ignored", vol_id,
			x->lebs[first].compat);
	else
		FWG_WARN(x->node, "ubi.vol_id", off,
			"vol_id %u is above the %u volumes UBI allows, its LEBs ignored",
			vol_id, UBI_MAX_VOLUMES);
}

static enum fwg_status emit_volumes(struct ubi_ctx *x)
{
	size_t volumes = 0;
	for (uint32_t id = 0; id < UBI_MAX_VOLUMES; id++) {
		struct volume v = { .vol_id = id };
		lebs_of(x, id, &v.first, &v.end);
		v.rec = x->have_vtbl && x->vtbl[id].used ? &x->vtbl[id] : NULL;
		if (!v.rec && v.first == v.end)
			continue;
		v.vol_type = v.rec ? v.rec->vol_type : x->lebs[v.first].vol_type;
		if (v.vol_type != UBI_VID_STATIC)
			v.vol_type = UBI_VID_DYNAMIC;
		for (size_t i = v.first; i < v.end; i++)
			if (x->lebs[i].vol_type != v.vol_type) {
				FWG_WARN(x->node, "ubi.vol_type", (size_t)x->lebs[i].peb * x->peb_size,
					"LEB %u of volume %u has vol_type %u, the table says %u",
					x->lebs[i].lnum, id, x->lebs[i].vol_type, v.vol_type);
				break;
			}
		enum fwg_status st = emit_volume(x, &v);
		if (st == FWG_LIMIT)
			break;
		if (st != FWG_OK)
			return st;
		volumes++;
	}
	for (size_t i = 0; i < x->leb_count; i++)
		if (x->lebs[i].vol_id >= UBI_MAX_VOLUMES &&
				(i == 0 || x->lebs[i - 1].vol_id != x->lebs[i].vol_id))
			check_internal(x, x->lebs[i].vol_id, i);
	fwg_node_attr_int(x->node, "volume_count", volumes);
	return FWG_OK;
}

static enum fwg_status ubi_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	struct ubi_ctx x = { .u = u, .node = node, .body = fwg_node_body(node) };
	if (read_ec(&x.body, 0, &x.first) != HDR_VALID) {
		FWG_ERR(node, "ubi.ec_header", 0, "no valid erase-counter header at 0x0");
		return FWG_OK;
	}
	fwg_node_attr_int(node, "version", x.first.version);
	fwg_node_attr_int(node, "vid_hdr_offset", x.first.vid_hdr_offset);
	fwg_node_attr_int(node, "data_offset", x.first.data_offset);
	fwg_node_attr_hex(node, "image_seq", x.first.image_seq);
	if (x.first.version != UBI_VERSION)
		FWG_WARN(node, "ubi.version", EC_OFF_VERSION, "UBI version %u, expected %u",
			x.first.version, UBI_VERSION);
	if (!geometry_ok(&x.first)) {
		FWG_ERR(node, "ubi.geometry", EC_OFF_VID_HDR,
			"vid_hdr_offset 0x%x and data_offset 0x%x are inconsistent",
			x.first.vid_hdr_offset, x.first.data_offset);
		return FWG_OK;
	}
	x.peb_size = find_peb_size(&x.body, &x.first);
	if (x.peb_size == 0) {
		FWG_ERR(node, "ubi.peb_size", 0,
			"no second erase-counter header at a power-of-two offset: PEB size unknown");
		return FWG_OK;
	}
	x.peb_count = x.body.size / x.peb_size;
	if (x.body.size % x.peb_size) {
		FWG_WARN(node, "ubi.truncated", x.peb_count * x.peb_size,
			"image ends 0x%zx bytes into its last PEB", x.body.size % x.peb_size);
		x.peb_count++;
	}
	fwg_node_attr_int(node, "peb_size", x.peb_size);
	fwg_node_attr_int(node, "peb_count", x.peb_count);
	enum fwg_status st = scan_pebs(&x);
	if (st == FWG_OK)
		st = read_vtbl(&x);
	if (st == FWG_OK)
		st = emit_volumes(&x);
	free(x.lebs);
	return st == FWG_NOMEM ? FWG_NOMEM : FWG_OK;
}

static const struct fwg_magic ubi_magics[] = {
	{ "UBI#", 4, 0 },
	{ NULL, 0, 0 },
};

const struct fwg_handler fwg_handler_ubi = {
	.name = "ubi",
	.description = "UBI image: erase-counter and volume-id headers, volume table, volumes",
	.node_type = FWG_TYPE_UBI,
	.probe = ubi_probe,
	.parse = ubi_parse,
	.magics = ubi_magics,
	.extent = ubi_extent,
};
