/*
 * tar.c - tar archives: v7, POSIX ustar, GNU and pax (POSIX.1-2001).
 *
 * Layout: 512-byte blocks.  A member is a header block followed by its
 * data rounded up to whole blocks; the archive ends with two zero blocks
 * (GNU tar then pads to its 10 KiB record).  Header fields:
 *   0 name[100]     100 mode[8]     108 uid[8]      116 gid[8]
 *   124 size[12]    136 mtime[12]   148 chksum[8]   156 typeflag
 *   157 linkname[100]               257 magic[6]    263 version[2]
 *   265 uname[32]   297 gname[32]   329 devmajor[8] 337 devminor[8]
 *   345 prefix[155] (ustar only: GNU keeps atime/ctime/sparse data there)
 * Magic: ustar/pax "ustar\0" "00", GNU "ustar " " \0", v7 none.  Numbers
 * are octal text ended by space or NUL, or base-256 big-endian when the
 * first byte has bit 7 set (GNU, star).  chksum is the sum of the header
 * bytes with chksum itself counted as spaces; some old tars summed signed
 * chars, so both sums are accepted.
 *
 * Typeflags: '0'/NUL/'7' file, '1' hard link, '2' symlink, '3'/'4' char
 * and block device, '5' directory, '6' FIFO; GNU 'L'/'K' carry the next
 * member's long name / link name as data, 'D' a dump directory, 'S' a
 * sparse file, 'V' the volume label, 'M' a multi-volume continuation; pax
 * 'x' carries "LEN key=value\n" records for the next member (path,
 * linkpath, size, uid, gid, mtime), 'g' global records.  Unknown
 * typeflags are read as regular files, as POSIX asks.
 *
 * Entries go through fs.h with their path as stored (fs.c normalises it
 * and flags "..", absolute paths and bad names).  File data are windows of
 * the archive (no copy).  A hard link becomes a file sharing the content
 * of the earlier member it names; a link to a name that is not earlier in
 * the archive, or that climbs out of it, is a diagnostic and an empty
 * file.  A header with a bad checksum is reported and reading resumes at
 * the next block holding a valid header, so members after a corrupt
 * region survive.
 *
 * Invariants: every read goes through the cursor (names are borrowed
 * windows of the body, never copied); sizes from headers are compared
 * with the bytes remaining before they are added; every step advances by
 * at least one block, so any walk is bounded by size/512 steps; long names
 * are capped at MAX_LONG_NAME bytes.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "handler.h"
#include "registry.h"
#include "tar.h"
#include "text.h"

#define OFF_NAME 0u
#define LEN_NAME 100u
#define OFF_MODE 100u
#define OFF_UID 108u
#define OFF_GID 116u
#define LEN_ID 8u
#define OFF_SIZE 124u
#define LEN_SIZE 12u
#define OFF_MTIME 136u
#define LEN_MTIME 12u
#define OFF_CHKSUM 148u
#define LEN_CHKSUM 8u
#define OFF_TYPE 156u
#define OFF_LINKNAME 157u
#define LEN_LINKNAME 100u
#define OFF_MAGIC 257u
#define LEN_MAGIC 8u          /* magic[6] + version[2] */
#define OFF_DEVMAJOR 329u
#define OFF_DEVMINOR 337u
#define LEN_DEV 8u
#define OFF_PREFIX 345u
#define LEN_PREFIX 155u

#define MAX_LONG_NAME (64u * 1024)
#define MAX_PAX_DIGITS 20u

/* ---- header fields --------------------------------------------------- */

/*
 * Numeric field [off, off+len) of the header at hdr: octal text (leading
 * spaces, digits, then spaces/NULs) or base-256.  *blank: no digits at
 * all (value 0).  False when malformed, negative or too large.
 */
static bool tar_number(const struct fwg_cursor *c, size_t hdr, size_t off, size_t len,
		uint64_t *out, bool *blank)
{
	const uint8_t *p;
	*out = 0;
	*blank = true;
	if (fwg_cursor_bytes_at(c, hdr + off, len, &p) != FWG_OK)
		return false;
	if (p[0] & 0x80) {
		if (p[0] != 0x80)
			return false; /* negative (0xff) or malformed */
		uint64_t v = 0;
		for (size_t i = 1; i < len; i++) {
			if (v >> 56)
				return false;
			v = (v << 8) | p[i];
		}
		*out = v;
		*blank = false;
		return true;
	}
	size_t i = 0;
	while (i < len && p[i] == ' ')
		i++;
	uint64_t v = 0;
	for (; i < len && p[i] >= '0' && p[i] <= '7'; i++) {
		if (v >> 61)
			return false;
		v = v * 8 + (uint64_t)(p[i] - '0');
		*blank = false;
	}
	for (; i < len; i++)
		if (p[i] != ' ' && p[i] != '\0')
			return false;
	*out = v;
	return true;
}

static bool checksum_ok(const struct fwg_cursor *c, size_t hdr)
{
	const uint8_t *p;
	uint64_t stored;
	bool blank;
	if (!tar_number(c, hdr, OFF_CHKSUM, LEN_CHKSUM, &stored, &blank) || blank ||
			fwg_cursor_bytes_at(c, hdr, FWG_TAR_BLOCK, &p) != FWG_OK)
		return false;
	uint64_t usum = 0;
	int64_t ssum = 0;
	for (size_t i = 0; i < FWG_TAR_BLOCK; i++) {
		uint8_t b = (i >= OFF_CHKSUM && i < OFF_CHKSUM + LEN_CHKSUM) ? ' ' : p[i];
		usum += b;
		ssum += (int8_t)b;
	}
	return stored == usum || (ssum >= 0 && stored == (uint64_t)ssum);
}

enum fwg_tar_flavour fwg_tar_header_at(const struct fwg_cursor *c, size_t off)
{
	const uint8_t *magic;
	uint8_t first, type;
	if (!fwg_cursor_has(c, off, FWG_TAR_BLOCK) ||
			fwg_cursor_bytes_at(c, off + OFF_MAGIC, LEN_MAGIC, &magic) != FWG_OK ||
			fwg_cursor_u8_at(c, off + OFF_NAME, &first) != FWG_OK ||
			fwg_cursor_u8_at(c, off + OFF_TYPE, &type) != FWG_OK)
		return FWG_TAR_NONE;
	enum fwg_tar_flavour f;
	if (memcmp(magic, "ustar\0", 6) == 0) {
		f = FWG_TAR_USTAR;
	} else if (memcmp(magic, "ustar  \0", 8) == 0) {
		f = FWG_TAR_GNU;
	} else {
		/* v7: no magic, so ask more of the header before summing. */
		if (first == 0 || !(type == 0 || (type >= '0' && type <= '7')) ||
				!fwg_cursor_all_equal(c, off + OFF_MAGIC, LEN_MAGIC, 0))
			return FWG_TAR_NONE;
		f = FWG_TAR_V7;
	}
	return checksum_ok(c, off) ? f : FWG_TAR_NONE;
}

/* Bounded string field: [start, start+len) up to the first NUL. */
static size_t field_len(const uint8_t *p, size_t max)
{
	const uint8_t *nul = memchr(p, 0, max);
	return nul ? (size_t)(nul - p) : max;
}

static bool type_has_data(uint8_t type)
{
	switch (type) {
	case '1': /* pax allows data on hard links; GNU never writes any */
	case '2':
	case '3':
	case '4':
	case '5':
	case '6':
		return false;
	}
	return true;
}

/* Offset after the data of the member whose header is at hdr; false on
 * overflow (the data may run past the window: callers check). */
static bool member_end(size_t hdr, uint64_t data_size, size_t *end)
{
	size_t rounded;
	if (data_size > SIZE_MAX || !fwg_align_up((size_t)data_size, FWG_TAR_BLOCK, &rounded))
		return false;
	return !fwg_add_overflows(hdr + FWG_TAR_BLOCK, rounded, end);
}

/* ---- pax extended headers -------------------------------------------- */

struct pax_record {
	size_t key, key_len, value, value_len;
};

/* Next "LEN key=value\n" record of [*pos, end); false at the end or on a
 * malformed record (the rest of the header is then ignored). */
static bool pax_next(const struct fwg_cursor *c, size_t *pos, size_t end, struct pax_record *r)
{
	size_t p = *pos;
	uint64_t n = 0;
	unsigned digits = 0;
	uint8_t ch = 0;
	while (p < end && fwg_cursor_u8_at(c, p, &ch) == FWG_OK && ch >= '0' && ch <= '9') {
		if (++digits > MAX_PAX_DIGITS)
			return false;
		n = n * 10 + (uint64_t)(ch - '0');
		p++;
	}
	if (!digits || p >= end || ch != ' ' || n > end - *pos || n < (uint64_t)(p - *pos) + 2)
		return false;
	size_t rec_end = *pos + (size_t)n;
	size_t key = p + 1;
	const uint8_t *text;
	if (fwg_cursor_bytes_at(c, key, rec_end - key, &text) != FWG_OK)
		return false;
	const uint8_t *eq = memchr(text, '=', rec_end - key);
	if (!eq)
		return false;
	r->key = key;
	r->key_len = (size_t)(eq - text);
	r->value = key + r->key_len + 1;
	r->value_len = rec_end - r->value;
	if (r->value_len && text[rec_end - key - 1] == '\n')
		r->value_len--;
	*pos = rec_end;
	return true;
}

static bool pax_key_is(const struct fwg_cursor *c, const struct pax_record *r, const char *key)
{
	const uint8_t *k;
	size_t len = strlen(key);
	return r->key_len == len && fwg_cursor_bytes_at(c, r->key, len, &k) == FWG_OK &&
		memcmp(k, key, len) == 0;
}

static bool pax_key_has_prefix(const struct fwg_cursor *c, const struct pax_record *r,
		const char *prefix)
{
	const uint8_t *k;
	size_t len = strlen(prefix);
	return r->key_len >= len && fwg_cursor_bytes_at(c, r->key, len, &k) == FWG_OK &&
		memcmp(k, prefix, len) == 0;
}

/* Decimal value of a record (an optional '-' and a fraction allowed, the
 * fraction dropped).  False when it is not a number. */
static bool pax_decimal(const struct fwg_cursor *c, const struct pax_record *r, int64_t *out)
{
	const uint8_t *v;
	if (r->value_len == 0 || fwg_cursor_bytes_at(c, r->value, r->value_len, &v) != FWG_OK)
		return false;
	size_t i = 0;
	bool neg = v[0] == '-';
	if (neg)
		i++;
	uint64_t n = 0;
	size_t digits = 0;
	for (; i < r->value_len && v[i] >= '0' && v[i] <= '9'; i++, digits++) {
		if (n > (uint64_t)INT64_MAX / 10)
			return false;
		n = n * 10 + (uint64_t)(v[i] - '0');
	}
	if (!digits || n > (uint64_t)INT64_MAX || (i < r->value_len && v[i] != '.'))
		return false;
	*out = neg ? -(int64_t)n : (int64_t)n;
	return true;
}

/* Size override of a pax header at [off, off+len), if any. */
static bool pax_size(const struct fwg_cursor *c, size_t off, size_t len, uint64_t *size)
{
	struct pax_record r;
	size_t pos = off;
	bool found = false;
	while (pax_next(c, &pos, off + len, &r)) {
		int64_t v;
		if (pax_key_is(c, &r, "size") && pax_decimal(c, &r, &v) && v >= 0) {
			*size = (uint64_t)v;
			found = true;
		}
	}
	return found;
}

/* ---- walking without building (probes, extent) ----------------------- */

/*
 * One step of a walk: the member at hdr, its data size (pax overrides
 * applied) and where the next header is.  *pending_size carries a pax
 * size to the next member.
 */
static bool walk_step(const struct fwg_cursor *c, size_t hdr, bool *has_pending,
		uint64_t *pending_size, size_t *next)
{
	uint64_t size;
	bool blank;
	uint8_t type;
	if (fwg_cursor_u8_at(c, hdr + OFF_TYPE, &type) != FWG_OK ||
			!tar_number(c, hdr, OFF_SIZE, LEN_SIZE, &size, &blank))
		return false;
	if (*has_pending) {
		size = *pending_size;
		*has_pending = false;
	}
	if (!type_has_data(type))
		size = 0;
	if (type == 'x' && size <= c->size && fwg_cursor_has(c, hdr + FWG_TAR_BLOCK, (size_t)size))
		*has_pending = pax_size(c, hdr + FWG_TAR_BLOCK, (size_t)size, pending_size);
	return member_end(hdr, size, next);
}

bool fwg_tar_has_member(const struct fwg_cursor *c, const char *name, unsigned max_members)
{
	size_t want = strlen(name), pos = 0;
	bool has_pending = false;
	uint64_t pending = 0;
	for (unsigned k = 0; k < max_members; k++) {
		const uint8_t *p;
		if (fwg_tar_header_at(c, pos) == FWG_TAR_NONE ||
				fwg_cursor_bytes_at(c, pos + OFF_NAME, LEN_NAME, &p) != FWG_OK)
			return false;
		size_t len = field_len(p, LEN_NAME);
		if (len >= 2 && p[0] == '.' && p[1] == '/') {
			p += 2;
			len -= 2;
		}
		if (len == want && memcmp(p, name, want) == 0)
			return true;
		if (!walk_step(c, pos, &has_pending, &pending, &pos))
			return false;
	}
	return false;
}

uint64_t fwg_tar_walk_extent(const struct fwg_cursor *c)
{
	size_t pos = 0;
	unsigned zeros = 0;
	bool has_pending = false;
	uint64_t pending = 0;
	while (fwg_cursor_has(c, pos, FWG_TAR_BLOCK)) {
		if (fwg_cursor_all_equal(c, pos, FWG_TAR_BLOCK, 0)) {
			pos += FWG_TAR_BLOCK;
			if (++zeros == 2)
				return pos;
			continue;
		}
		zeros = 0;
		if (fwg_tar_header_at(c, pos) == FWG_TAR_NONE ||
				!walk_step(c, pos, &has_pending, &pending, &pos))
			return 0;
	}
	return 0;
}

/* ---- reading into the tree ------------------------------------------- */

/* A name: a borrowed window of the body, or of the reader's join buffer. */
struct name_ref {
	const char *p;
	size_t len;
};

struct tar_reader {
	struct fwg_unpack *u;
	struct fwg_node *node;
	struct fwg_fs_builder *b;
	struct fwg_cursor c;
	/* What GNU 'L'/'K' and pax 'x' members say about the next member. */
	struct name_ref long_name, long_link;
	bool has_size, has_uid, has_gid, has_mtime, sparse;
	uint64_t size;
	int64_t uid, gid, mtime;
	uint64_t entries;
	bool saw_gnu, saw_pax, saw_ustar, saw_v7;
	bool stop;
	char joined[LEN_PREFIX + 1 + LEN_NAME];
};

static void clear_pending(struct tar_reader *r)
{
	r->long_name.len = 0;
	r->long_name.p = NULL;
	r->long_link.len = 0;
	r->long_link.p = NULL;
	r->has_size = r->has_uid = r->has_gid = r->has_mtime = r->sparse = false;
}

/* A GNU long name: the member's data up to the first NUL, capped. */
static void take_long_name(struct tar_reader *r, size_t hdr, size_t data, uint64_t size,
		struct name_ref *out)
{
	size_t avail = fwg_cursor_has(&r->c, data, 0) ? r->c.size - data : 0;
	size_t len = size < avail ? (size_t)size : avail;
	if (len > MAX_LONG_NAME) {
		FWG_WARN(r->node, "tar.long_name", hdr,
			"long name of 0x%zx bytes exceeds 0x%x, ignored", len, MAX_LONG_NAME);
		return;
	}
	const uint8_t *p;
	if (fwg_cursor_bytes_at(&r->c, data, len, &p) != FWG_OK)
		return;
	out->p = (const char *)p;
	out->len = field_len(p, len);
}

static void take_pax(struct tar_reader *r, size_t hdr, size_t data, uint64_t size)
{
	size_t avail = fwg_cursor_has(&r->c, data, 0) ? r->c.size - data : 0;
	size_t len = size < avail ? (size_t)size : avail;
	size_t pos = data;
	struct pax_record rec;
	int64_t v;
	while (pax_next(&r->c, &pos, data + len, &rec)) {
		const uint8_t *val;
		if (fwg_cursor_bytes_at(&r->c, rec.value, rec.value_len, &val) != FWG_OK)
			break;
		if (pax_key_is(&r->c, &rec, "path")) {
			r->long_name.p = (const char *)val;
			r->long_name.len = rec.value_len;
		} else if (pax_key_is(&r->c, &rec, "linkpath")) {
			r->long_link.p = (const char *)val;
			r->long_link.len = rec.value_len;
		} else if (pax_key_is(&r->c, &rec, "size")) {
			if (pax_decimal(&r->c, &rec, &v) && v >= 0) {
				r->size = (uint64_t)v;
				r->has_size = true;
			}
		} else if (pax_key_is(&r->c, &rec, "uid")) {
			r->has_uid = pax_decimal(&r->c, &rec, &r->uid);
		} else if (pax_key_is(&r->c, &rec, "gid")) {
			r->has_gid = pax_decimal(&r->c, &rec, &r->gid);
		} else if (pax_key_is(&r->c, &rec, "mtime")) {
			r->has_mtime = pax_decimal(&r->c, &rec, &r->mtime);
		} else if (pax_key_has_prefix(&r->c, &rec, "GNU.sparse.")) {
			r->sparse = true;
		}
	}
	if (pos != data + len && !fwg_cursor_all_equal(&r->c, pos, data + len - pos, 0))
		FWG_WARN(r->node, "tar.pax_record", pos,
			"malformed pax record at 0x%zx in the extended header at 0x%zx, rest ignored",
			pos, hdr);
}

/* The member's path: pax path or GNU long name, else ustar prefix/name,
 * else name. */
static struct name_ref member_name(struct tar_reader *r, size_t hdr, enum fwg_tar_flavour f)
{
	struct name_ref n = { NULL, 0 };
	if (r->long_name.p)
		return r->long_name;
	const uint8_t *name, *prefix;
	if (fwg_cursor_bytes_at(&r->c, hdr + OFF_NAME, LEN_NAME, &name) != FWG_OK)
		return n;
	size_t nlen = field_len(name, LEN_NAME);
	n.p = (const char *)name;
	n.len = nlen;
	if (f != FWG_TAR_USTAR ||
			fwg_cursor_bytes_at(&r->c, hdr + OFF_PREFIX, LEN_PREFIX, &prefix) != FWG_OK)
		return n;
	size_t plen = field_len(prefix, LEN_PREFIX);
	if (plen == 0)
		return n;
	memcpy(r->joined, prefix, plen);
	r->joined[plen] = '/';
	memcpy(r->joined + plen + 1, name, nlen);
	n.p = r->joined;
	n.len = plen + 1 + nlen;
	return n;
}

static struct name_ref member_link(struct tar_reader *r, size_t hdr)
{
	struct name_ref n = { NULL, 0 };
	if (r->long_link.p)
		return r->long_link;
	const uint8_t *p;
	if (fwg_cursor_bytes_at(&r->c, hdr + OFF_LINKNAME, LEN_LINKNAME, &p) == FWG_OK) {
		n.p = (const char *)p;
		n.len = field_len(p, LEN_LINKNAME);
	}
	return n;
}

/*
 * The entry a hard link names, found the way fs.c files entries: "." and
 * empty components dropped, ".." going up, each component escaped.  NULL
 * when it is not in the archive; *outside when it climbs out of it.
 */
static struct fwg_node *find_link_target(struct tar_reader *r, struct name_ref link,
		bool *outside, bool *nomem)
{
	*outside = false;
	*nomem = false;
	/* Escaping grows a byte to at most 4; plus one '/' per component. */
	size_t cap;
	if (link.len > MAX_LONG_NAME || fwg_mul_overflows(link.len, 5, &cap))
		return NULL;
	char *path = malloc(cap + 2);
	if (!path) {
		*nomem = true;
		return NULL;
	}
	size_t n = 0;
	for (size_t i = 0; i < link.len;) {
		size_t j = i;
		while (j < link.len && link.p[j] != '/')
			j++;
		size_t l = j - i;
		if (l == 2 && link.p[i] == '.' && link.p[i + 1] == '.') {
			while (n > 0 && path[n - 1] != '/')
				n--;
			if (n == 0)
				*outside = true;
			else
				n--;
		} else if (l > 0 && !(l == 1 && link.p[i] == '.')) {
			char *esc = fwg_text_escape_name(link.p + i, l);
			if (!esc) {
				free(path);
				*nomem = true;
				return NULL;
			}
			size_t el = strlen(esc);
			path[n++] = '/';
			memcpy(path + n, esc, el);
			n += el;
			free(esc);
		}
		i = j + 1;
	}
	struct fwg_node *hit = (!*outside && n) ? fwg_fs_lookup(r->b, path, n) : NULL;
	free(path);
	return hit;
}

static uint32_t mode_type(uint8_t type, struct name_ref name)
{
	switch (type) {
	case '2': return S_IFLNK;
	case '3': return S_IFCHR;
	case '4': return S_IFBLK;
	case '5':
	case 'D': return S_IFDIR;
	case '6': return S_IFIFO;
	case '\0':
		/* v7 marks directories only by a trailing slash. */
		if (name.len && name.p[name.len - 1] == '/')
			return S_IFDIR;
		return S_IFREG;
	}
	return S_IFREG;
}

static void read_meta(struct tar_reader *r, size_t hdr, uint8_t type, struct name_ref name,
		struct fwg_fs_meta *m)
{
	uint64_t v;
	bool blank;
	memset(m, 0, sizeof(*m));
	if (tar_number(&r->c, hdr, OFF_MODE, LEN_ID, &v, &blank))
		m->mode = (uint32_t)(v & 07777);
	m->mode |= mode_type(type, name);
	if (tar_number(&r->c, hdr, OFF_UID, LEN_ID, &v, &blank))
		m->uid = (uint32_t)v;
	if (tar_number(&r->c, hdr, OFF_GID, LEN_ID, &v, &blank))
		m->gid = (uint32_t)v;
	if (tar_number(&r->c, hdr, OFF_MTIME, LEN_MTIME, &v, &blank) && v <= INT64_MAX) {
		m->mtime = (int64_t)v;
		m->has_mtime = true;
	}
	if (r->has_uid && r->uid >= 0 && r->uid <= UINT32_MAX)
		m->uid = (uint32_t)r->uid;
	if (r->has_gid && r->gid >= 0 && r->gid <= UINT32_MAX)
		m->gid = (uint32_t)r->gid;
	if (r->has_mtime) {
		m->mtime = r->mtime;
		m->has_mtime = true;
	}
	if (type == '3' || type == '4') {
		if (tar_number(&r->c, hdr, OFF_DEVMAJOR, LEN_DEV, &v, &blank))
			m->rdev_major = (uint32_t)v;
		if (tar_number(&r->c, hdr, OFF_DEVMINOR, LEN_DEV, &v, &blank))
			m->rdev_minor = (uint32_t)v;
	}
}

/* Adds the member at hdr whose data are [data, data+size) (size already
 * clamped to the window). */
static enum fwg_status add_entry(struct tar_reader *r, size_t hdr, enum fwg_tar_flavour f,
		uint8_t type, size_t data, size_t size)
{
	struct name_ref name = member_name(r, hdr, f);
	struct fwg_fs_meta meta;
	read_meta(r, hdr, type, name, &meta);
	struct name_ref link = { NULL, 0 };
	if (type == '2' || type == '1')
		link = member_link(r, hdr);
	if (type == '2') {
		meta.link_target = link.p;
		meta.link_target_len = link.len;
	}
	struct fwg_node *e = NULL;
	enum fwg_status st = fwg_fs_add_path(r->b, name.p ? name.p : "", name.len, &meta, &e);
	if (st == FWG_NOMEM)
		return st;
	if (st == FWG_LIMIT) {
		r->stop = true;
		return FWG_OK;
	}
	if (st == FWG_TRUNCATED)
		return FWG_OK; /* below a non-directory: fs.c reported it */
	if (st != FWG_OK || !e) {
		/* "./" (the archive root itself) is no entry of its own. */
		if (!S_ISDIR(meta.mode))
			FWG_WARN(r->node, "tar.empty_name", hdr,
				"member at 0x%zx has no usable name, skipped", hdr);
		return FWG_OK;
	}
	r->entries++;
	fwg_node_attr_hex(e, "tar_header_offset", hdr);
	if (type == '1') {
		bool outside, nomem;
		struct fwg_node *target = find_link_target(r, link, &outside, &nomem);
		if (nomem)
			return FWG_NOMEM;
		char *shown = fwg_text_escape_name(link.p ? link.p : "", link.len);
		if (!shown)
			return FWG_NOMEM;
		fwg_node_attr_str(e, "hardlink_to", shown);
		if (target && target->type == FWG_TYPE_FILE && target != e) {
			fwg_fs_content_share(r->b, e, target);
		} else {
			FWG_WARN(e, outside ? "tar.hardlink_outside" : "tar.hardlink_target", 0,
				"hard link at 0x%zx to \"%s\" %s, kept as an empty file", hdr, shown,
				outside ? "climbs out of the archive" :
				target ? "names a member that is not a regular file" :
				"names no earlier member of the archive");
			st = fwg_fs_content_window(r->b, e, data, 0);
		}
		free(shown);
		return st == FWG_NOMEM ? st : FWG_OK;
	}
	if (e->type != FWG_TYPE_FILE)
		return FWG_OK;
	if (type == 'S' || r->sparse) {
		FWG_WARN(e, "tar.sparse", 0,
			"sparse member at 0x%zx: its holes are not rebuilt, content left empty", hdr);
		size = 0;
	} else if (type != '0' && type != '\0' && type != '7') {
		FWG_INFO(e, "tar.typeflag", 0, "unknown typeflag 0x%02x at 0x%zx read as a file",
			type, hdr);
	}
	st = fwg_fs_content_window(r->b, e, data, size);
	return st == FWG_NOMEM ? st : FWG_OK;
}

/* Next block at or after pos holding a valid header, or SIZE_MAX. */
static size_t resync(const struct fwg_cursor *c, size_t pos)
{
	for (; fwg_cursor_has(c, pos, FWG_TAR_BLOCK); pos += FWG_TAR_BLOCK)
		if (fwg_tar_header_at(c, pos) != FWG_TAR_NONE)
			return pos;
	return SIZE_MAX;
}

static void note_flavour(struct tar_reader *r, enum fwg_tar_flavour f)
{
	if (f == FWG_TAR_GNU)
		r->saw_gnu = true;
	else if (f == FWG_TAR_USTAR)
		r->saw_ustar = true;
	else
		r->saw_v7 = true;
}

/*
 * The member at hdr.  *next: the next header's offset, SIZE_MAX to stop.
 */
static enum fwg_status read_member(struct tar_reader *r, size_t hdr, size_t *next)
{
	enum fwg_tar_flavour f = fwg_tar_header_at(&r->c, hdr);
	*next = SIZE_MAX;
	if (f == FWG_TAR_NONE) {
		size_t again = resync(&r->c, hdr + FWG_TAR_BLOCK);
		FWG_ERR(r->node, "tar.header_checksum", hdr,
			"no valid header at 0x%zx (checksum or magic), %s", hdr,
			again == SIZE_MAX ? "no further header found" : "resuming at the next one");
		clear_pending(r);
		*next = again;
		return FWG_OK;
	}
	note_flavour(r, f);
	uint8_t type;
	uint64_t size;
	bool blank;
	if (fwg_cursor_u8_at(&r->c, hdr + OFF_TYPE, &type) != FWG_OK)
		return FWG_OK;
	if (!tar_number(&r->c, hdr, OFF_SIZE, LEN_SIZE, &size, &blank)) {
		FWG_ERR(r->node, "tar.size", hdr + OFF_SIZE,
			"size field of the member at 0x%zx is not a number", hdr);
		*next = resync(&r->c, hdr + FWG_TAR_BLOCK);
		clear_pending(r);
		return FWG_OK;
	}
	if (r->has_size && type != 'x' && type != 'g' && type != 'L' && type != 'K')
		size = r->size;
	if (!type_has_data(type))
		size = 0;
	size_t data = hdr + FWG_TAR_BLOCK;
	size_t end;
	size_t avail = r->c.size - data; /* data <= size: the header fitted */
	bool truncated = size > avail;
	size_t have = truncated ? avail : (size_t)size;
	if (!member_end(hdr, size, &end) || end > r->c.size) {
		if (truncated)
			FWG_ERR(r->node, "tar.truncated", hdr,
				"member at 0x%zx declares 0x%llx data bytes, only 0x%zx remain", hdr,
				(unsigned long long)size, avail);
		end = SIZE_MAX;
	}
	enum fwg_status st = FWG_OK;
	switch (type) {
	case 'L':
		take_long_name(r, hdr, data, have, &r->long_name);
		break;
	case 'K':
		take_long_name(r, hdr, data, have, &r->long_link);
		break;
	case 'x':
		r->saw_pax = true;
		take_pax(r, hdr, data, have);
		break;
	case 'g':
		r->saw_pax = true;
		FWG_INFO(r->node, "tar.pax_global", hdr,
			"pax global header at 0x%zx not applied to the members", hdr);
		break;
	case 'V':
		fwg_node_attr_hex(r->node, "volume_label_offset", hdr);
		clear_pending(r);
		break;
	case 'M':
		FWG_WARN(r->node, "tar.multivolume", hdr,
			"member at 0x%zx continues a file from another volume, skipped", hdr);
		clear_pending(r);
		break;
	default:
		st = add_entry(r, hdr, f, type, data, have);
		clear_pending(r);
		break;
	}
	*next = end;
	return st;
}

enum fwg_status fwg_tar_read(struct fwg_unpack *u, struct fwg_node *node, struct fwg_fs_builder *b)
{
	struct tar_reader *r = calloc(1, sizeof(*r));
	if (!r)
		return FWG_NOMEM;
	r->u = u;
	r->node = node;
	r->b = b;
	r->c = fwg_node_body(node);
	size_t pos = 0, end = 0;
	unsigned zeros = 0;
	bool ended = false;
	enum fwg_status st = FWG_OK;
	while (st == FWG_OK && !r->stop && pos != SIZE_MAX && fwg_cursor_has(&r->c, pos, FWG_TAR_BLOCK)) {
		if (fwg_cursor_all_equal(&r->c, pos, FWG_TAR_BLOCK, 0)) {
			pos += FWG_TAR_BLOCK;
			if (++zeros == 2) {
				ended = true;
				end = pos;
				break;
			}
			continue;
		}
		if (zeros)
			FWG_INFO(node, "tar.lone_zero_block", pos - FWG_TAR_BLOCK,
				"single zero block at 0x%zx inside the archive", pos - FWG_TAR_BLOCK);
		zeros = 0;
		size_t next;
		st = read_member(r, pos, &next);
		pos = next;
	}
	if (st == FWG_OK) {
		const char *fmt = r->saw_pax ? "pax" : r->saw_gnu ? "gnu" : r->saw_ustar ? "ustar" :
			r->saw_v7 ? "v7" : "none";
		fwg_node_attr_str(node, "tar_format", fmt);
		fwg_node_attr_int(node, "entries", r->entries);
		if (ended) {
			fwg_node_attr_hex(node, "archive_end", end);
		} else if (!r->stop) {
			size_t at = pos < r->c.size ? pos : r->c.size;
			FWG_WARN(node, "tar.no_end", at,
				"archive ends at 0x%zx without its two zero blocks", at);
		}
		if (r->long_name.p || r->long_link.p || r->has_size)
			FWG_WARN(node, "tar.dangling_extension", pos,
				"long-name or pax header not followed by a member");
	}
	free(r);
	return st;
}

/* ---- the handler ----------------------------------------------------- */

static int tar_probe(const struct fwg_cursor *body)
{
	switch (fwg_tar_header_at(body, 0)) {
	case FWG_TAR_USTAR:
	case FWG_TAR_GNU:
		return 90;
	case FWG_TAR_V7:
		return 60;
	case FWG_TAR_NONE:
		break;
	}
	return 0;
}

static enum fwg_status tar_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	struct fwg_fs_builder *b;
	enum fwg_status st = fwg_fs_begin(u, node, &b);
	if (st != FWG_OK)
		return st;
	st = fwg_tar_read(u, node, b);
	fwg_fs_end(b);
	return st;
}

static uint64_t tar_extent(const struct fwg_cursor *body)
{
	return fwg_tar_walk_extent(body);
}

static const struct fwg_magic tar_magics[] = {
	{ "ustar\0", 6, 257 },
	{ "ustar  \0", 8, 257 },
	{ NULL, 0, 0 },
};

const struct fwg_handler fwg_handler_tar = {
	.name = "tar",
	.description = "tar archive (v7, ustar, GNU, pax): members as files",
	.node_type = FWG_TYPE_TAR,
	.probe = tar_probe,
	.parse = tar_parse,
	.magics = tar_magics,
	.extent = tar_extent,
};
