/*
 * cpio.c - cpio archives: SVR4 "newc" (070701) and "crc" (070702), POSIX
 * "odc" (070707) and the old binary format (0x71c7 in either byte order).
 * Linux initramfs images are newc archives, often several concatenated.
 *
 * Layout: each entry is a header, the NUL-terminated name, then the data;
 * the archive ends with an entry named "TRAILER!!!".
 *   newc/crc  110-byte ASCII header, 8 hex digits per field:
 *             0 magic[6]  6 ino  14 mode  22 uid  30 gid  38 nlink
 *             46 mtime  54 filesize  62 devmajor  70 devminor
 *             78 rdevmajor  86 rdevminor  94 namesize  102 check
 *             header+name and data are each padded to 4 bytes; "crc"
 *             stores in `check` the sum of the data bytes (mod 2^32).
 *   odc       76-byte ASCII header, octal: 0 magic[6]  6 dev[6]  12 ino[6]
 *             18 mode[6]  24 uid[6]  30 gid[6]  36 nlink[6]  42 rdev[6]
 *             48 mtime[11]  59 namesize[6]  65 filesize[11]; no padding.
 *   binary    26 bytes of u16 in the writer's byte order: magic 070707,
 *             dev, ino, mode, uid, gid, nlink, rdev, mtime[2], namesize,
 *             filesize[2] (32-bit values as two u16, high word first);
 *             header+name and data are each padded to 2 bytes.
 * namesize counts the terminating NUL.  Symlink targets are the data.
 * Padding counts from the start of each archive.
 *
 * Hard links: regular files with nlink > 1 that share (dev, ino) are one
 * file; newc writers store the data once, on the last of them, and the
 * others have filesize 0.  Entries are grouped per archive (as the
 * kernel's initramfs unpacker does, whose link table ends at each
 * trailer) and the empty members share the content of the member holding
 * the data.
 *
 * Concatenated archives (kernel initramfs: built-in plus external, zero
 * padding between them) are read as one tree, later entries after
 * earlier ones, as the kernel would unpack them.
 *
 * A small parser of our own rather than libarchive: file contents stay
 * windows of the archive (zero copy, exact offsets for every file), and
 * the header offsets are reported exactly, which libarchive's read API
 * does not give.
 *
 * Invariants: every read goes through the cursor; header numbers are at
 * most 32 bits (newc) or 33 bits (odc) and are compared with the bytes
 * remaining before being added; each entry advances by at least a header,
 * so a walk is bounded by size/26 steps; the hard-link table holds at most
 * one slot per entry.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fs.h"
#include "handler.h"
#include "registry.h"

#define NEWC_HEADER 110u
#define ODC_HEADER 76u
#define BIN_HEADER 26u
#define MAGIC_LEN 6u
#define BIN_MAGIC 070707u
#define TRAILER "TRAILER!!!"
#define TRAILER_LEN 10u
#define MAX_NAME (64u * 1024)
#define MAX_LINK_TARGET (64u * 1024)
#define RECORD 512u

enum cpio_format {
	CPIO_NONE,
	CPIO_NEWC,
	CPIO_CRC,
	CPIO_ODC,
	CPIO_BIN_LE,
	CPIO_BIN_BE,
};

struct cpio_entry {
	enum cpio_format fmt;
	uint64_t ino, mode, uid, gid, nlink, mtime, filesize, namesize, check;
	uint32_t dev_major, dev_minor, rdev_major, rdev_minor;
	size_t hdr;          /* header offset */
	size_t name;         /* name offset */
	size_t data;         /* data offset (after the name's padding) */
	size_t next;         /* next header (after the data's padding) */
	bool data_truncated; /* data runs past the window */
};

static const char *format_name(enum cpio_format f)
{
	switch (f) {
	case CPIO_NEWC: return "newc";
	case CPIO_CRC: return "crc";
	case CPIO_ODC: return "odc";
	case CPIO_BIN_LE: return "binary_le";
	case CPIO_BIN_BE: return "binary_be";
	case CPIO_NONE: break;
	}
	return "none";
}

static enum cpio_format format_at(const struct fwg_cursor *c, size_t off)
{
	const uint8_t *m;
	if (fwg_cursor_bytes_at(c, off, MAGIC_LEN, &m) == FWG_OK) {
		if (memcmp(m, "070701", MAGIC_LEN) == 0)
			return CPIO_NEWC;
		if (memcmp(m, "070702", MAGIC_LEN) == 0)
			return CPIO_CRC;
		if (memcmp(m, "070707", MAGIC_LEN) == 0)
			return CPIO_ODC;
	}
	uint16_t le;
	if (fwg_cursor_u16le_at(c, off, &le) == FWG_OK && fwg_cursor_has(c, off, BIN_HEADER)) {
		if (le == BIN_MAGIC)
			return CPIO_BIN_LE;
		if (le == 0xc771)
			return CPIO_BIN_BE;
	}
	return CPIO_NONE;
}

/* A field of len ASCII digits in base (8 or 16); false on any other
 * character. */
static bool ascii_number(const struct fwg_cursor *c, size_t off, size_t len, unsigned base,
		uint64_t *out)
{
	const uint8_t *p;
	if (fwg_cursor_bytes_at(c, off, len, &p) != FWG_OK)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned d;
		uint8_t ch = p[i];
		if (ch >= '0' && ch <= '9')
			d = (unsigned)(ch - '0');
		else if (base == 16 && ch >= 'a' && ch <= 'f')
			d = (unsigned)(ch - 'a' + 10);
		else if (base == 16 && ch >= 'A' && ch <= 'F')
			d = (unsigned)(ch - 'A' + 10);
		else
			return false;
		if (d >= base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

/* Linux/glibc encoding of a 32-bit dev_t. */
static void split_dev(uint64_t dev, uint32_t *major, uint32_t *minor)
{
	*major = (uint32_t)((dev >> 8) & 0xfff);
	*minor = (uint32_t)((dev & 0xff) | ((dev >> 12) & 0xfff00));
}

static bool read_newc(const struct fwg_cursor *c, size_t hdr, struct cpio_entry *e)
{
	uint64_t f[13];
	for (size_t i = 0; i < 13; i++)
		if (!ascii_number(c, hdr + MAGIC_LEN + 8 * i, 8, 16, &f[i]))
			return false;
	e->ino = f[0];
	e->mode = f[1];
	e->uid = f[2];
	e->gid = f[3];
	e->nlink = f[4];
	e->mtime = f[5];
	e->filesize = f[6];
	e->dev_major = (uint32_t)f[7];
	e->dev_minor = (uint32_t)f[8];
	e->rdev_major = (uint32_t)f[9];
	e->rdev_minor = (uint32_t)f[10];
	e->namesize = f[11];
	e->check = f[12];
	return true;
}

static bool read_odc(const struct fwg_cursor *c, size_t hdr, struct cpio_entry *e)
{
	static const struct { uint8_t off, len; } layout[] = {
		{ 6, 6 }, { 12, 6 }, { 18, 6 }, { 24, 6 }, { 30, 6 }, { 36, 6 }, { 42, 6 },
		{ 48, 11 }, { 59, 6 }, { 65, 11 },
	};
	uint64_t f[10];
	for (size_t i = 0; i < 10; i++)
		if (!ascii_number(c, hdr + layout[i].off, layout[i].len, 8, &f[i]))
			return false;
	split_dev(f[0], &e->dev_major, &e->dev_minor);
	e->ino = f[1];
	e->mode = f[2];
	e->uid = f[3];
	e->gid = f[4];
	e->nlink = f[5];
	split_dev(f[6], &e->rdev_major, &e->rdev_minor);
	e->mtime = f[7];
	e->namesize = f[8];
	e->filesize = f[9];
	return true;
}

static bool read_bin(const struct fwg_cursor *c, size_t hdr, bool be, struct cpio_entry *e)
{
	uint16_t w[13];
	for (size_t i = 0; i < 13; i++) {
		enum fwg_status st = be ? fwg_cursor_u16be_at(c, hdr + 2 * i, &w[i])
			: fwg_cursor_u16le_at(c, hdr + 2 * i, &w[i]);
		if (st != FWG_OK)
			return false;
	}
	split_dev(w[1], &e->dev_major, &e->dev_minor);
	e->ino = w[2];
	e->mode = w[3];
	e->uid = w[4];
	e->gid = w[5];
	e->nlink = w[6];
	split_dev(w[7], &e->rdev_major, &e->rdev_minor);
	e->mtime = ((uint64_t)w[8] << 16) | w[9];
	e->namesize = w[10];
	e->filesize = ((uint64_t)w[11] << 16) | w[12];
	return true;
}

static size_t header_size(enum cpio_format f)
{
	switch (f) {
	case CPIO_NEWC:
	case CPIO_CRC: return NEWC_HEADER;
	case CPIO_ODC: return ODC_HEADER;
	case CPIO_BIN_LE:
	case CPIO_BIN_BE: return BIN_HEADER;
	case CPIO_NONE: break;
	}
	return 0;
}

static size_t alignment(enum cpio_format f)
{
	switch (f) {
	case CPIO_NEWC:
	case CPIO_CRC: return 4;
	case CPIO_BIN_LE:
	case CPIO_BIN_BE: return 2;
	default: return 1;
	}
}

/* off rounded up to the format's alignment counted from base. */
static bool align_from(size_t base, size_t off, size_t align, size_t *out)
{
	size_t rel;
	if (!fwg_align_up(off - base, align, &rel))
		return false;
	return !fwg_add_overflows(base, rel, out);
}

/*
 * The entry whose header is at hdr, in an archive starting at base.
 * False when there is no readable header there (bad magic, digits, a
 * name that does not fit).  Data running past the window is flagged, not
 * refused: the caller keeps what is there.
 */
static bool read_entry(const struct fwg_cursor *c, size_t base, size_t hdr, struct cpio_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->fmt = format_at(c, hdr);
	e->hdr = hdr;
	size_t hs = header_size(e->fmt);
	if (hs == 0 || !fwg_cursor_has(c, hdr, hs))
		return false;
	bool ok;
	switch (e->fmt) {
	case CPIO_NEWC:
	case CPIO_CRC: ok = read_newc(c, hdr, e); break;
	case CPIO_ODC: ok = read_odc(c, hdr, e); break;
	case CPIO_BIN_LE: ok = read_bin(c, hdr, false, e); break;
	case CPIO_BIN_BE: ok = read_bin(c, hdr, true, e); break;
	default: ok = false; break;
	}
	size_t align = alignment(e->fmt);
	e->name = hdr + hs;
	if (!ok || e->namesize == 0 || e->namesize > MAX_NAME ||
			!fwg_cursor_has(c, e->name, (size_t)e->namesize) ||
			!align_from(base, e->name + (size_t)e->namesize, align, &e->data))
		return false;
	if (e->data > c->size) {
		/* The name's padding is cut off: the archive ends here. */
		e->data = c->size;
		e->data_truncated = e->filesize > 0;
		e->next = SIZE_MAX;
		return true;
	}
	size_t end;
	if (e->filesize > c->size - e->data) {
		e->data_truncated = true;
		e->next = SIZE_MAX;
	} else if (!align_from(base, e->data + (size_t)e->filesize, align, &end)) {
		e->next = SIZE_MAX;
	} else {
		e->next = end;
	}
	return true;
}

static bool is_trailer(const struct fwg_cursor *c, const struct cpio_entry *e)
{
	const uint8_t *p;
	return e->namesize >= TRAILER_LEN &&
		fwg_cursor_bytes_at(c, e->name, TRAILER_LEN, &p) == FWG_OK &&
		memcmp(p, TRAILER, TRAILER_LEN) == 0 &&
		(e->namesize == TRAILER_LEN || fwg_cursor_all_equal(c, e->name + TRAILER_LEN, 1, 0));
}

/*
 * After a trailer at end: the next archive of a concatenation (*next_out
 * is its first header), or none.  Zero padding between archives is
 * skipped in steps of 4 as the kernel does.
 */
static bool next_archive(const struct fwg_cursor *c, size_t end, size_t *next_out)
{
	size_t pos = fwg_cursor_first_not(c, end, c->size - end, 0);
	if (pos >= c->size || format_at(c, pos) == CPIO_NONE)
		return false;
	*next_out = pos;
	return true;
}

/* End of an archive whose trailer ends at end: the trailer plus the zero
 * padding up to the next 512-byte record, when it is there. */
static size_t padded_end(const struct fwg_cursor *c, size_t base, size_t end)
{
	size_t padded;
	if (align_from(base, end, RECORD, &padded) && padded <= c->size &&
			fwg_cursor_all_equal(c, end, padded - end, 0))
		return padded;
	return end;
}

/* ---- probe and extent ------------------------------------------------ */

static int cpio_probe(const struct fwg_cursor *body)
{
	struct cpio_entry e;
	if (!read_entry(body, 0, 0, &e))
		return 0;
	/* The name must be NUL-terminated where namesize says. */
	if (!fwg_cursor_all_equal(body, e.name + (size_t)e.namesize - 1, 1, 0))
		return 0;
	switch (e.fmt) {
	case CPIO_NEWC:
	case CPIO_CRC: return 90;
	case CPIO_ODC: return 85;
	default: break;
	}
	/* Two magic bytes only: ask for a plausible file type too. */
	uint32_t type = (uint32_t)e.mode & S_IFMT;
	bool known = type == S_IFREG || type == S_IFDIR || type == S_IFLNK || type == S_IFCHR ||
		type == S_IFBLK || type == S_IFIFO || type == S_IFSOCK;
	return known ? 50 : 0;
}

static uint64_t cpio_extent(const struct fwg_cursor *body)
{
	size_t pos = 0, base = 0, end = 0;
	struct cpio_entry e;
	while (read_entry(body, base, pos, &e)) {
		if (e.next == SIZE_MAX)
			return 0;
		if (is_trailer(body, &e)) {
			end = padded_end(body, base, e.next);
			if (!next_archive(body, e.next, &pos))
				return end;
			base = pos;
			continue;
		}
		pos = e.next;
	}
	return end;
}

/* ---- reading into the tree ------------------------------------------- */

struct link_slot {
	uint32_t dev_major, dev_minor;
	uint64_t ino;
	size_t order;
	bool has_data;
	struct fwg_node *node;
};

struct cpio_reader {
	struct fwg_unpack *u;
	struct fwg_node *node;
	struct fwg_fs_builder *b;
	struct fwg_cursor c;
	struct link_slot *links;
	size_t link_count, link_cap;
	uint64_t entries, archives, bad_checksums;
	bool stop;
};

static int link_cmp(const void *pa, const void *pb)
{
	const struct link_slot *a = pa, *b = pb;
	if (a->dev_major != b->dev_major)
		return a->dev_major < b->dev_major ? -1 : 1;
	if (a->dev_minor != b->dev_minor)
		return a->dev_minor < b->dev_minor ? -1 : 1;
	if (a->ino != b->ino)
		return a->ino < b->ino ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

/* Shares, within each group of one (dev, ino), the content of the last
 * member that holds data with the members that hold none. */
static void resolve_links(struct cpio_reader *r)
{
	if (r->link_count > 1)
		qsort(r->links, r->link_count, sizeof(*r->links), link_cmp);
	for (size_t i = 0; i < r->link_count;) {
		size_t j = i;
		const struct link_slot *holder = NULL;
		while (j < r->link_count && r->links[j].dev_major == r->links[i].dev_major &&
				r->links[j].dev_minor == r->links[i].dev_minor &&
				r->links[j].ino == r->links[i].ino) {
			if (r->links[j].has_data)
				holder = &r->links[j];
			j++;
		}
		for (size_t k = i; holder && k < j; k++) {
			if (r->links[k].has_data)
				continue;
			fwg_fs_content_share(r->b, r->links[k].node, holder->node);
			fwg_node_attr_str(r->links[k].node, "hardlink_to", holder->node->fs->path);
		}
		i = j;
	}
	r->link_count = 0;
}

static enum fwg_status remember_link(struct cpio_reader *r, const struct cpio_entry *e,
		struct fwg_node *n)
{
	if (r->link_count == r->link_cap) {
		size_t ncap = r->link_cap ? r->link_cap * 2 : 16;
		struct link_slot *p = realloc(r->links, ncap * sizeof(*p));
		if (!p)
			return FWG_NOMEM;
		r->links = p;
		r->link_cap = ncap;
	}
	struct link_slot *s = &r->links[r->link_count];
	s->dev_major = e->dev_major;
	s->dev_minor = e->dev_minor;
	s->ino = e->ino;
	s->order = r->link_count;
	s->has_data = e->filesize > 0;
	s->node = n;
	r->link_count++;
	return FWG_OK;
}

static void verify_crc(struct cpio_reader *r, const struct cpio_entry *e, struct fwg_node *n,
		size_t have)
{
	const uint8_t *p;
	if (e->fmt != CPIO_CRC || e->data_truncated ||
			fwg_cursor_bytes_at(&r->c, e->data, have, &p) != FWG_OK)
		return;
	uint32_t sum = 0;
	for (size_t i = 0; i < have; i++)
		sum += p[i];
	if (sum != (uint32_t)e->check) {
		r->bad_checksums++;
		FWG_ERR(n, "cpio.data_checksum", 0,
			"data checksum 0x%08x differs from the header's 0x%08x (entry at 0x%zx)",
			sum, (uint32_t)e->check, e->hdr);
	}
}

static enum fwg_status add_entry(struct cpio_reader *r, const struct cpio_entry *e)
{
	const uint8_t *name;
	if (fwg_cursor_bytes_at(&r->c, e->name, (size_t)e->namesize, &name) != FWG_OK)
		return FWG_OK;
	size_t name_len = (size_t)e->namesize;
	const uint8_t *nul = memchr(name, 0, name_len);
	if (nul)
		name_len = (size_t)(nul - name);
	else
		FWG_WARN(r->node, "cpio.name_unterminated", e->name,
			"name of the entry at 0x%zx is not NUL-terminated", e->hdr);
	size_t have = e->data_truncated ? r->c.size - e->data : (size_t)e->filesize;
	if (e->data_truncated)
		FWG_ERR(r->node, "cpio.truncated", e->hdr,
			"entry at 0x%zx declares 0x%llx data bytes, only 0x%zx remain", e->hdr,
			(unsigned long long)e->filesize, have);

	struct fwg_fs_meta m = {
		.mode = (uint32_t)e->mode,
		.uid = (uint32_t)e->uid,
		.gid = (uint32_t)e->gid,
		.mtime = (int64_t)e->mtime,
		.has_mtime = true,
		.inode = e->ino,
	};
	uint32_t type = m.mode & S_IFMT;
	if (type == S_IFCHR || type == S_IFBLK) {
		m.rdev_major = e->rdev_major;
		m.rdev_minor = e->rdev_minor;
	}
	if (type == S_IFLNK) {
		const uint8_t *t;
		size_t tl = have > MAX_LINK_TARGET ? MAX_LINK_TARGET : have;
		if (have > MAX_LINK_TARGET)
			FWG_WARN(r->node, "cpio.link_target", e->data,
				"symlink target of 0x%zx bytes cut to 0x%x", have, MAX_LINK_TARGET);
		if (fwg_cursor_bytes_at(&r->c, e->data, tl, &t) == FWG_OK) {
			const uint8_t *z = memchr(t, 0, tl);
			m.link_target = (const char *)t;
			m.link_target_len = z ? (size_t)(z - t) : tl;
		}
	}
	struct fwg_node *n = NULL;
	enum fwg_status st = fwg_fs_add_path(r->b, (const char *)name, name_len, &m, &n);
	if (st == FWG_NOMEM)
		return st;
	if (st == FWG_LIMIT) {
		r->stop = true;
		return FWG_OK;
	}
	if (st == FWG_TRUNCATED)
		return FWG_OK; /* below a non-directory: fs.c reported it */
	if (st != FWG_OK || !n) {
		if (type != S_IFDIR)
			FWG_WARN(r->node, "cpio.empty_name", e->hdr,
				"entry at 0x%zx has no usable name, skipped", e->hdr);
		return FWG_OK;
	}
	r->entries++;
	fwg_node_attr_hex(n, "cpio_header_offset", e->hdr);
	if (n->type != FWG_TYPE_FILE)
		return FWG_OK;
	if (type != S_IFREG)
		FWG_INFO(n, "cpio.file_type", 0, "mode 0%llo of the entry at 0x%zx has no known "
			"file type, read as a regular file", (unsigned long long)e->mode, e->hdr);
	st = fwg_fs_content_window(r->b, n, e->data, have);
	if (st == FWG_NOMEM)
		return st;
	verify_crc(r, e, n, have);
	if (type == S_IFREG && e->nlink > 1)
		return remember_link(r, e, n);
	return FWG_OK;
}

/* True when the header at pos and the name it announces fit the window
 * (the entry may still be malformed). */
static bool header_fits(const struct fwg_cursor *c, size_t pos)
{
	struct cpio_entry e;
	size_t hs = header_size(format_at(c, pos));
	if (!fwg_cursor_has(c, pos, hs))
		return false;
	if (!read_entry(c, pos, pos, &e))
		return e.namesize == 0 || e.namesize > MAX_NAME ||
			fwg_cursor_has(c, e.name, (size_t)e.namesize);
	return true;
}

/* Offset of the next "07070" magic after pos (ASCII formats), or
 * SIZE_MAX. */
static size_t resync(const struct fwg_cursor *c, size_t pos)
{
	return fwg_cursor_find(c, pos, "07070", 5);
}

static enum fwg_status read_archives(struct cpio_reader *r)
{
	size_t pos = 0, base = 0;
	enum cpio_format first = format_at(&r->c, 0);
	bool in_archive = true;
	while (!r->stop && in_archive && pos < r->c.size) {
		struct cpio_entry e;
		if (!read_entry(&r->c, base, pos, &e)) {
			if (format_at(&r->c, pos) != CPIO_NONE && !header_fits(&r->c, pos)) {
				FWG_ERR(r->node, "cpio.truncated", pos,
					"entry header or name at 0x%zx runs past the end of the archive",
					pos);
				break;
			}
			size_t again = resync(&r->c, pos + 1);
			FWG_ERR(r->node, "cpio.header", pos, "no valid entry header at 0x%zx, %s", pos,
				again == SIZE_MAX ? "nothing more read" : "resuming at the next magic");
			if (again == SIZE_MAX)
				break;
			pos = base = again;
			continue;
		}
		if (e.fmt != first)
			FWG_INFO(r->node, "cpio.mixed_formats", pos,
				"entry at 0x%zx is %s in a %s archive", pos, format_name(e.fmt),
				format_name(first));
		if (is_trailer(&r->c, &e)) {
			r->archives++;
			resolve_links(r);
			if (e.next == SIZE_MAX) {
				fwg_node_attr_hex(r->node, "archive_end", r->c.size);
				return FWG_OK;
			}
			fwg_node_attr_hex(r->node, "archive_end", padded_end(&r->c, base, e.next));
			size_t next;
			if (!next_archive(&r->c, e.next, &next)) {
				size_t junk = fwg_cursor_first_not(&r->c, e.next, r->c.size - e.next, 0);
				if (junk < r->c.size)
					FWG_INFO(r->node, "cpio.trailing_data", junk,
						"0x%zx bytes after the last trailer, from 0x%zx",
						r->c.size - junk, junk);
				return FWG_OK;
			}
			pos = base = next;
			continue;
		}
		enum fwg_status st = add_entry(r, &e);
		if (st != FWG_OK)
			return st;
		if (e.next == SIZE_MAX)
			in_archive = false;
		else
			pos = e.next;
	}
	resolve_links(r);
	if (!r->stop)
		FWG_WARN(r->node, "cpio.no_trailer", pos < r->c.size ? pos : r->c.size,
			"archive ends without a TRAILER!!! entry");
	return FWG_OK;
}

static enum fwg_status cpio_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	struct cpio_reader r = { .u = u, .node = node, .c = fwg_node_body(node) };
	enum fwg_status st = fwg_fs_begin(u, node, &r.b);
	if (st != FWG_OK)
		return st;
	fwg_node_attr_str(node, "cpio_format", format_name(format_at(&r.c, 0)));
	st = read_archives(&r);
	fwg_fs_end(r.b);
	free(r.links);
	if (st != FWG_OK)
		return st;
	fwg_node_attr_int(node, "entries", r.entries);
	fwg_node_attr_int(node, "archives", r.archives);
	return FWG_OK;
}

static const struct fwg_magic cpio_magics[] = {
	{ "070701", 6, 0 },
	{ "070702", 6, 0 },
	{ "070707", 6, 0 },
	{ NULL, 0, 0 },
};

const struct fwg_handler fwg_handler_cpio = {
	.name = "cpio",
	.description = "cpio archive (newc, crc, odc, old binary): entries as files",
	.node_type = FWG_TYPE_CPIO,
	.probe = cpio_probe,
	.parse = cpio_parse,
	.magics = cpio_magics,
	.extent = cpio_extent,
};
