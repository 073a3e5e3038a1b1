/*
 * aten.c - Supermicro X10/X11 BMC firmware images (ATEN, ASPEED AST2400 /
 * AST2500, 32 MiB SPI flash).
 *
 * Layout (public write-ups: devicenull's ipmi_firmware_tools and blog,
 * "ASpeed IPMI Firmware", 2014; c0d3z3r0's smcbmc for the encrypted X11
 * variant):
 *   0x0000000-0x0100000  U-Boot
 *   0x0100000-0x0400000  NVRAM (configuration, not in the index)
 *   0x0400000-...        root_fs (cramfs), kernel, web_fs, up to 0x1f40000
 *   0x1fc0000            index: entries "[img]: <base> <len> <crc> <name>"
 *                        (lower-case hex without 0x, CRC-32 of the image
 *                        bytes as zlib computes it), then "[end]"; entries
 *                        may follow each other without a separator
 * The global footer "ATENs_FW" lies right after the last image (the web_fs
 * length counts its first 10 bytes):
 *   "ATENs_FW" rev_major u8 rev_minor u8
 *   v3 (newer firmware): rootfs crc[4] rootfs len[4] 0x71 webfs crc[4]
 *     webfs len[4] 0x17 - each [4] the first four hex digits of the
 *     index entry's value as text
 *   v2: 0x71 checksum u32 0x17
 *   v1: nothing more.
 * Encrypted X11 images: the first 0xc0 bytes of the index and the first
 * 0x60 bytes of root_fs and web_fs are AES-CBC encrypted (the key lives in
 * the root filesystem).  They are reported, never decrypted: the layout
 * then comes from the default offsets (root_fs 0x400000, kernel 0x1400000,
 * web_fs 0x1700000) and the encrypted parts stay opaque.
 *
 * X8/X9 (Nuvoton WPCM450; devicenull's ipmi_firmware_tools, after the
 * W90P710 boot loader manual): every image ends with a 64-byte chunk on a
 * 64-byte boundary (the last of an erase block): 12 bytes of padding, then
 *   image number u32, base u32 (flash address, 0x40000000 biased), length
 *   u32, load u32, exec u32, name[16], image checksum u32, signature
 *   a0 ff ff 9f, type u32 (1 active, 2 copy to RAM, 4 exec, 8 file system,
 *   0x10 compressed), footer checksum u32
 * Both checksums: start at 0xffffffff and subtract each byte shifted by
 * 8 * (index mod 4), borrowing one on wrap; the footer checksum covers
 * the 48 bytes from the image number to the type.  The global footer is
 * "ATENs_FW" v1/v2; v2's u32 is the CRC-32 of the images' CRC-32s
 * (little endian, in image-number order).
 *
 * An image of another size keeps its index in its last 512 KiB (found by
 * search when called on such an image; the probe wants the fixed place).
 *
 * Children: `partition` per index entry (name from the index, CRC
 * verified), the fixed U-Boot and NVRAM regions where no entry lies,
 * `padding` for the rest (carved when not erased), the index as `raw`.
 *
 * Invariants: the probe reads eight bytes at a fixed offset (or, for the
 * encrypted variant, a handful of words); the index is parsed from a
 * window of at most INDEX_MAX bytes with at most MAX_ENTRIES entries;
 * every entry is checked against the image before it becomes a child.
 */
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "../../core/handler.h"
#include "../../core/registry.h"
#include "layout.h"

#define MIB (1024u * 1024u)
#define ATEN_IMAGE_SIZE (32 * MIB)
#define INDEX_OFF 0x1fc0000u
#define INDEX_MAX 0x10000u
#define INDEX_SEARCH 0x80000u
#define INDEX_ENCRYPTED_LEN 0xc0u
#define FS_ENCRYPTED_LEN 0x60u
#define UBOOT_END 0x100000u
#define NVRAM_END 0x400000u
#define DEFAULT_ROOTFS 0x400000u
#define DEFAULT_KERNEL 0x1400000u
#define DEFAULT_WEBFS 0x1700000u
#define DEFAULT_IMAGES_END 0x1f40000u
#define MAX_ENTRIES 32
#define MAX_NAME 64
#define IMG_TAG "[img]:"
#define END_TAG "[end]"
#define FOOTER_SIG "ATENs_FW"
#define FOOTER_SIG_LEN 8u
#define FOOTER_V3_LEN 28u
#define FOOTER_TAG1 0x71
#define FOOTER_TAG2 0x17
#define CRAMFS_MAGIC_LE 0x28cd3d45u

/* X8/X9 (Nuvoton WPCM450) per-image footers. */
#define WPCM_CHUNK 64u
#define WPCM_STRUCT_OFF 12u       /* padding before the footer fields */
#define WPCM_SIG_OFF 52u          /* signature inside the 64-byte chunk */
#define WPCM_SIG "\xa0\xff\xff\x9f"
#define WPCM_SUMMED 48u           /* image number .. type */
#define WPCM_BASE_BIAS 0x40000000u
#define WPCM_BLOCK 0x10000u
#define MAX_WPCM_IMAGES 32
#define WPCM_TYPE_ACTIVE 0x01u
#define WPCM_TYPE_COPY2RAM 0x02u
#define WPCM_TYPE_EXEC 0x04u
#define WPCM_TYPE_FILE 0x08u
#define WPCM_TYPE_COMPRESSED 0x10u

struct entry {
	uint64_t base, len, crc;
	char name[MAX_NAME];
	char len_hex[17], crc_hex[17];  /* as written, for the footer check */
};

struct aten {
	struct entry entries[MAX_ENTRIES];
	size_t count;
	size_t index;          /* offset of the index (INDEX_OFF normally) */
	bool index_clear, index_end;
	size_t footer;         /* offset of "ATENs_FW" or SIZE_MAX */
};

static bool bytes_are(const struct fwg_cursor *c, size_t off, const char *want, size_t n)
{
	const uint8_t *p;
	return fwg_cursor_bytes_at(c, off, n, &p) == FWG_OK && memcmp(p, want, n) == 0;
}

static bool arm_vector(const struct fwg_cursor *c)
{
	uint32_t w;
	return fwg_cursor_u32le_at(c, 0, &w) == FWG_OK && (w >> 24) == 0xea;
}

static bool erased16(const struct fwg_cursor *c, size_t off)
{
	return fwg_cursor_all_equal(c, off, 16, 0xff) || fwg_cursor_all_equal(c, off, 16, 0x00);
}

/* Encrypted X11 layout: a 32 MiB image with a U-Boot reset vector, data
 * where root_fs, web_fs and the index belong, but neither a cleartext
 * index nor a cramfs root. */
static bool looks_encrypted(const struct fwg_cursor *c)
{
	uint32_t root;
	return c->size == ATEN_IMAGE_SIZE && arm_vector(c) &&
		!bytes_are(c, INDEX_OFF, IMG_TAG, 6) && !erased16(c, INDEX_OFF) &&
		!erased16(c, DEFAULT_ROOTFS) && !erased16(c, DEFAULT_WEBFS) &&
		fwg_cursor_u32le_at(c, DEFAULT_ROOTFS, &root) == FWG_OK && root != CRAMFS_MAGIC_LE;
}

static bool wpcm_footer_ok(const struct fwg_cursor *c, size_t chunk);

static int aten_flash_probe(const struct fwg_cursor *body)
{
	/* X8/X9: the boot loader's footer closes the first erase block. */
	if (body->size >= WPCM_BLOCK && wpcm_footer_ok(body, WPCM_BLOCK - WPCM_CHUNK))
		return 80;
	if (bytes_are(body, INDEX_OFF, IMG_TAG " ", 7))
		return body->size == ATEN_IMAGE_SIZE ? 90 : 70;
	return looks_encrypted(body) ? 35 : 0;
}

/* --- the index ------------------------------------------------------------- */

static bool is_hex(uint8_t ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

static unsigned hex_value(uint8_t ch)
{
	return ch <= '9' ? ch - '0' : (ch | 0x20) - 'a' + 10;
}

static void skip_spaces(const uint8_t *p, size_t n, size_t *pos)
{
	while (*pos < n && (p[*pos] == ' ' || p[*pos] == '\t' || p[*pos] == '\r' || p[*pos] == '\n'))
		(*pos)++;
}

/* A hex number of at most 16 digits; its text is kept in text[17]. */
static bool read_hex(const uint8_t *p, size_t n, size_t *pos, uint64_t *v, char *text)
{
	skip_spaces(p, n, pos);
	size_t digits = 0;
	uint64_t x = 0;
	while (*pos < n && is_hex(p[*pos])) {
		if (digits == 16)
			return false;
		text[digits++] = (char)(p[*pos] | 0x20);
		x = (x << 4) | hex_value(p[*pos]);
		(*pos)++;
	}
	text[digits] = '\0';
	*v = x;
	return digits > 0;
}

static void read_name(const uint8_t *p, size_t n, size_t *pos, char *name)
{
	skip_spaces(p, n, pos);
	size_t k = 0;
	while (*pos < n && p[*pos] > ' ' && p[*pos] < 0x7f && p[*pos] != '[') {
		if (k + 1 < MAX_NAME)
			name[k++] = p[*pos] == '/' ? '_' : (char)p[*pos];
		(*pos)++;
	}
	name[k] = '\0';
}

/* The index at 0x1fc0000, or (an image of another size, a dump cut
 * short) the first "[img]: " in the last INDEX_SEARCH bytes. */
static size_t find_index(const struct fwg_cursor *img)
{
	if (bytes_are(img, INDEX_OFF, IMG_TAG " ", 7))
		return INDEX_OFF;
	size_t from = img->size > INDEX_SEARCH ? img->size - INDEX_SEARCH : 0;
	return fwg_cursor_find(img, from, IMG_TAG " ", 7);
}

static void parse_index(struct fwg_node *node, const struct fwg_cursor *img, struct aten *a)
{
	size_t n = img->size - a->index;
	if (n > INDEX_MAX)
		n = INDEX_MAX;
	const uint8_t *p;
	if (fwg_cursor_bytes_at(img, a->index, n, &p) != FWG_OK)
		return;
	size_t pos = 0;
	while (pos < n) {
		skip_spaces(p, n, &pos);
		if (n - pos >= 5 && memcmp(p + pos, END_TAG, 5) == 0) {
			a->index_end = true;
			return;
		}
		if (n - pos < 6 || memcmp(p + pos, IMG_TAG, 6) != 0)
			break;
		pos += 6;
		if (a->count == MAX_ENTRIES) {
			FWG_WARN(node, "aten.index", a->index + pos, "more than %d index entries",
				MAX_ENTRIES);
			return;
		}
		struct entry *e = &a->entries[a->count];
		char base_hex[17];
		size_t entry_at = pos;
		if (!read_hex(p, n, &pos, &e->base, base_hex) ||
				!read_hex(p, n, &pos, &e->len, e->len_hex) ||
				!read_hex(p, n, &pos, &e->crc, e->crc_hex)) {
			FWG_WARN(node, "aten.index", a->index + entry_at,
				"index entry %zu is not \"[img]: base len crc name\"", a->count);
			return;
		}
		read_name(p, n, &pos, e->name);
		if (!e->name[0])
			snprintf(e->name, MAX_NAME, "image%zu", a->count);
		a->count++;
	}
	if (!a->index_end)
		FWG_WARN(node, "aten.index", a->index + pos, "index does not end with [end]");
}

/* --- the global footer ---------------------------------------------------------- */

static const struct entry *entry_named(const struct aten *a, const char *part)
{
	for (size_t i = 0; i < a->count; i++)
		if (strstr(a->entries[i].name, part))
			return &a->entries[i];
	return NULL;
}

static size_t find_footer(const struct fwg_cursor *img, const struct aten *a)
{
	/* Where it belongs: the last 10 bytes of web_fs. */
	const struct entry *web = entry_named(a, "webfs");
	if (web && web->len >= 10 && web->base <= img->size && web->len <= img->size - web->base &&
			bytes_are(img, (size_t)(web->base + web->len - 10), FOOTER_SIG, FOOTER_SIG_LEN))
		return (size_t)(web->base + web->len - 10);
	return fwg_cursor_find(img, NVRAM_END < img->size ? NVRAM_END : 0, FOOTER_SIG, FOOTER_SIG_LEN);
}

/* The footer keeps the first four hex digits of an index value (a shorter
 * value padded with spaces, on either side). */
static bool prefix_matches(const uint8_t *field, const char *hex)
{
	size_t n = strlen(hex);
	if (n > 4)
		n = 4;
	char left[5], right[5];
	memset(left, ' ', 4);
	memset(right, ' ', 4);
	memcpy(left, hex, n);
	memcpy(right + 4 - n, hex, n);
	bool l = true, r = true;
	for (size_t i = 0; i < 4; i++) {
		char ch = (char)(field[i] >= 'A' && field[i] <= 'F' ? field[i] | 0x20 : field[i]);
		l = l && ch == left[i];
		r = r && ch == right[i];
	}
	return l || r;
}

static void describe_footer(struct fwg_node *node, const struct fwg_cursor *img, struct aten *a)
{
	if (a->footer == SIZE_MAX) {
		FWG_WARN(node, "aten.footer", 0, "no ATENs_FW footer");
		return;
	}
	size_t f = a->footer;
	uint8_t rev1 = 0, rev2 = 0, t1 = 0, t2 = 0;
	if (fwg_cursor_u8_at(img, f + 8, &rev1) != FWG_OK || fwg_cursor_u8_at(img, f + 9, &rev2) != FWG_OK)
		return;
	fwg_node_attr_hex(node, "footer_offset", f);
	fwg_node_attr_strf(node, "firmware_revision", "%u.%02u", rev1, rev2);
	const uint8_t *v3;
	if (fwg_cursor_bytes_at(img, f, FOOTER_V3_LEN, &v3) == FWG_OK &&
			v3[18] == FOOTER_TAG1 && v3[27] == FOOTER_TAG2) {
		fwg_node_attr_int(node, "footer_version", 3);
		const struct entry *root = entry_named(a, "rootfs"), *web = entry_named(a, "webfs");
		if (!a->index_clear || !root || !web)
			return;
		bool ok = prefix_matches(v3 + 10, root->crc_hex) && prefix_matches(v3 + 14, root->len_hex) &&
			prefix_matches(v3 + 19, web->crc_hex) && prefix_matches(v3 + 23, web->len_hex);
		fwg_node_attr_bool(node, "footer_matches_index", ok);
		if (!ok)
			FWG_WARN(node, "aten.footer", f + 10,
				"footer root_fs/web_fs crc and length digits disagree with the index");
		return;
	}
	if (fwg_cursor_u8_at(img, f + 10, &t1) == FWG_OK && fwg_cursor_u8_at(img, f + 15, &t2) == FWG_OK &&
			t1 == FOOTER_TAG1 && t2 == FOOTER_TAG2) {
		uint32_t sum = 0;
		if (fwg_cursor_u32le_at(img, f + 11, &sum) == FWG_OK)
			fwg_node_attr_hex(node, "footer_checksum", sum);
		fwg_node_attr_int(node, "footer_version", 2);
		return;
	}
	fwg_node_attr_int(node, "footer_version", 1);
}

static void parse_footer(struct fwg_node *node, const struct fwg_cursor *img, struct aten *a)
{
	a->footer = find_footer(img, a);
	describe_footer(node, img, a);
}

/* --- children ---------------------------------------------------------------- */

struct region {
	size_t off, size;
	const char *name;
	const struct entry *entry;  /* NULL for fixed regions */
	bool encrypted;
};

static int cmp_region(const void *x, const void *y)
{
	const struct region *a = x, *b = y;
	return a->off < b->off ? -1 : a->off > b->off;
}

static bool known_fs_magic(const struct fwg_cursor *c, size_t off)
{
	uint32_t w;
	const uint8_t *p;
	if (fwg_cursor_u32le_at(c, off, &w) != FWG_OK || fwg_cursor_bytes_at(c, off, 4, &p) != FWG_OK)
		return false;
	return w == CRAMFS_MAGIC_LE || w == 0x453dcd28u || memcmp(p, "hsqs", 4) == 0 ||
		memcmp(p, "sqsh", 4) == 0 || (p[0] == 0x1f && p[1] == 0x8b) ||
		(p[0] == 0x85 && p[1] == 0x19) || (p[0] == 0x19 && p[1] == 0x85) ||
		w == 0x56190527u || w == 0x27051956u || memcmp(p, "\x7f" "ELF", 4) == 0;
}

static enum fwg_status add_region(struct fwg_unpack *u, struct fwg_node *node,
		const struct fwg_cursor *img, const struct region *r)
{
	bool is_index = !strcmp(r->name, "index") && !r->entry;
	struct fwg_node *child;
	const struct fwg_handler *h = &fwg_handler_leaf;
	struct fwg_cursor win;
	if (!r->encrypted && !is_index && fwg_cursor_sub(img, r->off, r->size, &win) == FWG_OK &&
			!fwg_cursor_all_equal(&win, 0, r->size, 0xff) &&
			!fwg_cursor_all_equal(&win, 0, r->size, 0x00))
		h = bmc_region_handler(&win, &fwg_handler_aten_flash);
	enum fwg_status st = fwg_unpack_add_child(u, node, is_index ? FWG_TYPE_RAW : FWG_TYPE_PARTITION,
		r->off, r->size, h, &child);
	if (st != FWG_OK)
		return st;
	fwg_node_set_name(child, r->name);
	if (r->encrypted) {
		fwg_node_attr_bool(child, "encrypted", true);
		fwg_node_attr_hex(child, "encrypted_header_size", is_index ? INDEX_ENCRYPTED_LEN : FS_ENCRYPTED_LEN);
	}
	if (!r->entry)
		return FWG_OK;
	const uint8_t *p;
	if (fwg_cursor_bytes_at(img, r->off, r->size, &p) != FWG_OK)
		return FWG_OK;
	uLong crc = crc32(0L, Z_NULL, 0);
	for (size_t done = 0; done < r->size;) {
		uInt chunk = r->size - done > 0x40000000u ? 0x40000000u : (uInt)(r->size - done);
		crc = crc32(crc, p + done, chunk);
		done += chunk;
	}
	fwg_node_attr_hex(child, "crc32", r->entry->crc);
	bool ok = (uint32_t)crc == r->entry->crc;
	fwg_node_attr_bool(child, "crc32_ok", ok);
	if (!ok)
		FWG_WARN(child, "aten.crc", 0, "index crc32 0x%08llx of %s, computed 0x%08lx",
			(unsigned long long)r->entry->crc, r->name, crc);
	return FWG_OK;
}

static enum fwg_status add_regions(struct fwg_unpack *u, struct fwg_node *node,
		const struct fwg_cursor *img, struct region *rs, size_t n)
{
	qsort(rs, n, sizeof(rs[0]), cmp_region);
	size_t pos = 0;
	for (size_t i = 0; i < n; i++) {
		if (rs[i].off < pos) {
			if (rs[i].entry)
				FWG_WARN(node, "aten.overlap", rs[i].off, "index entry %s at 0x%zx overlaps the previous region",
					rs[i].name, rs[i].off);
			continue;
		}
		enum fwg_status st = bmc_add_gap(u, node, img, pos, rs[i].off, true);
		if (st == FWG_OK)
			st = add_region(u, node, img, &rs[i]);
		if (st == FWG_LIMIT)
			return FWG_OK;
		if (st != FWG_OK)
			return st;
		pos = rs[i].off + rs[i].size;
	}
	enum fwg_status st = bmc_add_gap(u, node, img, pos, img->size, true);
	return st == FWG_LIMIT ? FWG_OK : st;
}

static bool overlaps_entry(const struct aten *a, size_t off, size_t end)
{
	for (size_t i = 0; i < a->count; i++)
		if (a->entries[i].base < end && a->entries[i].base + a->entries[i].len > off)
			return true;
	return false;
}

/* --- X8/X9 (WPCM450) ------------------------------------------------------ */

/* The boot loader's checksum (see the top of this file); negative when
 * the borrow runs out, which never matches a stored value. */
static int64_t wpcm_checksum(const uint8_t *p, size_t n)
{
	int64_t c = 0xffffffff;
	for (size_t i = 0; i < n; i++) {
		c -= (int64_t)p[i] << ((i % 4) * 8);
		if (c < 0) {
			c &= 0xffffffff;
			c -= 1;
		}
	}
	return c;
}

static bool wpcm_footer_ok(const struct fwg_cursor *c, size_t chunk)
{
	const uint8_t *p;
	uint32_t stored;
	if (fwg_cursor_bytes_at(c, chunk, WPCM_CHUNK, &p) != FWG_OK ||
			memcmp(p + WPCM_SIG_OFF, WPCM_SIG, 4) != 0 ||
			fwg_cursor_u32le_at(c, chunk + WPCM_STRUCT_OFF + WPCM_SUMMED, &stored) != FWG_OK)
		return false;
	return wpcm_checksum(p + WPCM_STRUCT_OFF, WPCM_SUMMED) == (int64_t)stored;
}

struct wpcm_image {
	uint32_t num, base, len, load, exec, checksum, type;
	char name[17];
	size_t chunk;
	uint32_t crc;           /* CRC-32 of the image, for the global footer */
};

static int cmp_wpcm(const void *x, const void *y)
{
	const struct wpcm_image *a = x, *b = y;
	return a->num < b->num ? -1 : a->num > b->num;
}

static bool read_wpcm(const struct fwg_cursor *c, size_t chunk, struct wpcm_image *w)
{
	size_t f = chunk + WPCM_STRUCT_OFF;
	const uint8_t *name;
	memset(w, 0, sizeof(*w));
	w->chunk = chunk;
	if (fwg_cursor_u32le_at(c, f, &w->num) != FWG_OK ||
			fwg_cursor_u32le_at(c, f + 4, &w->base) != FWG_OK ||
			fwg_cursor_u32le_at(c, f + 8, &w->len) != FWG_OK ||
			fwg_cursor_u32le_at(c, f + 12, &w->load) != FWG_OK ||
			fwg_cursor_u32le_at(c, f + 16, &w->exec) != FWG_OK ||
			fwg_cursor_bytes_at(c, f + 20, 16, &name) != FWG_OK ||
			fwg_cursor_u32le_at(c, f + 36, &w->checksum) != FWG_OK ||
			fwg_cursor_u32le_at(c, f + 44, &w->type) != FWG_OK)
		return false;
	size_t n = 0;
	for (size_t i = 0; i < 16 && name[i]; i++)
		w->name[n++] = name[i] > ' ' && name[i] < 0x7f && name[i] != '/' ? (char)name[i] : '_';
	w->name[n] = '\0';
	if (!n)
		snprintf(w->name, sizeof(w->name), "image%u", w->num);
	if (w->base >= WPCM_BASE_BIAS)
		w->base -= WPCM_BASE_BIAS;
	return true;
}

static void wpcm_type_text(struct fwg_node *n, uint32_t type)
{
	static const struct { uint32_t bit; const char *name; } bits[] = {
		{ WPCM_TYPE_ACTIVE, "active" }, { WPCM_TYPE_COPY2RAM, "copy2ram" },
		{ WPCM_TYPE_EXEC, "exec" }, { WPCM_TYPE_FILE, "file" },
		{ WPCM_TYPE_COMPRESSED, "compressed" },
	};
	char text[64];
	size_t used = 0;
	text[0] = '\0';
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		if (!(type & bits[i].bit))
			continue;
		int k = snprintf(text + used, sizeof(text) - used, "%s%s", used ? " " : "", bits[i].name);
		if (k > 0 && (size_t)k < sizeof(text) - used)
			used += (size_t)k;
	}
	fwg_node_attr_str(n, "type_text", used ? text : "none");
}

static enum fwg_status add_wpcm_image(struct fwg_unpack *u, struct fwg_node *node,
		const struct fwg_cursor *img, struct wpcm_image *w)
{
	const uint8_t *p;
	if (fwg_cursor_bytes_at(img, w->base, w->len, &p) != FWG_OK)
		return FWG_OK;
	struct fwg_cursor win = fwg_cursor_make(p, w->len);
	const struct fwg_handler *h = bmc_region_handler(&win, &fwg_handler_aten_flash);
	struct fwg_node *child;
	enum fwg_status st = fwg_unpack_add_child(u, node, FWG_TYPE_PARTITION, w->base, w->len, h, &child);
	if (st != FWG_OK)
		return st;
	fwg_node_set_name(child, w->name);
	fwg_node_attr_int(child, "image_number", w->num);
	fwg_node_attr_hex(child, "load_address", w->load);
	fwg_node_attr_hex(child, "exec_address", w->exec);
	fwg_node_attr_hex(child, "type", w->type);
	wpcm_type_text(child, w->type);
	fwg_node_attr_hex(child, "footer_offset", w->chunk);
	bool ok = wpcm_checksum(p, w->len) == (int64_t)w->checksum;
	fwg_node_attr_bool(child, "checksum_ok", ok);
	if (!ok)
		FWG_WARN(child, "aten.image_checksum", 0, "image checksum 0x%08x of %s does not match",
			w->checksum, w->name);
	w->crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), p, (uInt)w->len);
	return FWG_OK;
}

/* v2 global footer: CRC-32 over the images' CRC-32s. */
static void check_wpcm_global(struct fwg_node *node, const struct fwg_cursor *img, size_t footer,
		struct wpcm_image *ws, size_t n)
{
	uint8_t t1, t2;
	uint32_t stored;
	if (footer == SIZE_MAX || fwg_cursor_u8_at(img, footer + 10, &t1) != FWG_OK ||
			fwg_cursor_u8_at(img, footer + 15, &t2) != FWG_OK || t1 != FOOTER_TAG1 ||
			t2 != FOOTER_TAG2 || fwg_cursor_u32le_at(img, footer + 11, &stored) != FWG_OK)
		return;
	qsort(ws, n, sizeof(ws[0]), cmp_wpcm);
	uLong crc = crc32(0L, Z_NULL, 0);
	for (size_t i = 0; i < n; i++) {
		uint8_t le[4] = { (uint8_t)ws[i].crc, (uint8_t)(ws[i].crc >> 8),
			(uint8_t)(ws[i].crc >> 16), (uint8_t)(ws[i].crc >> 24) };
		crc = crc32(crc, le, 4);
	}
	bool ok = (uint32_t)crc == stored;
	fwg_node_attr_bool(node, "footer_checksum_ok", ok);
	if (!ok)
		FWG_WARN(node, "aten.footer", footer + 11,
			"footer checksum 0x%08x is not the crc32 of the image crc32s (0x%08lx)", stored, crc);
}

static enum fwg_status parse_wpcm(struct fwg_unpack *u, struct fwg_node *node,
		const struct fwg_cursor *img)
{
	struct wpcm_image *ws = calloc(MAX_WPCM_IMAGES, sizeof(*ws));
	if (!ws)
		return FWG_NOMEM;
	size_t n = 0, pos = WPCM_SIG_OFF;
	unsigned bad = 0;
	fwg_node_attr_str(node, "generation", "x8_x9_wpcm450");
	while (pos < img->size && n < MAX_WPCM_IMAGES) {
		size_t hit = fwg_cursor_find(img, pos, WPCM_SIG, 4);
		if (hit == SIZE_MAX)
			break;
		pos = hit + 4;
		if ((hit - WPCM_SIG_OFF) % WPCM_CHUNK != 0)
			continue;
		size_t chunk = hit - WPCM_SIG_OFF;
		struct wpcm_image *w = &ws[n];
		if (!wpcm_footer_ok(img, chunk) || !read_wpcm(img, chunk, w)) {
			bad++;
			continue;
		}
		if (w->len == 0 || w->base > img->size || w->len > img->size - w->base) {
			FWG_WARN(node, "aten.entry_bounds", chunk, "image %s at 0x%x of 0x%x bytes lies outside the image",
				w->name, w->base, w->len);
			continue;
		}
		n++;
	}
	if (bad)
		FWG_INFO(node, "aten.footer", 0, "%u image footer signatures with a bad footer checksum", bad);
	fwg_node_attr_int(node, "image_count", n);
	struct aten a = { .count = 0 };
	a.footer = fwg_cursor_find(img, 0, FOOTER_SIG, FOOTER_SIG_LEN);
	describe_footer(node, img, &a);
	/* Children in flash order. */
	struct wpcm_image *sorted = calloc(n ? n : 1, sizeof(*sorted));
	if (!sorted) {
		free(ws);
		return FWG_NOMEM;
	}
	memcpy(sorted, ws, n * sizeof(*ws));
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && sorted[j - 1].base > sorted[j].base; j--) {
			struct wpcm_image t = sorted[j];
			sorted[j] = sorted[j - 1];
			sorted[j - 1] = t;
		}
	size_t gap = 0;
	enum fwg_status st = FWG_OK;
	for (size_t i = 0; i < n && st == FWG_OK; i++) {
		if (sorted[i].base < gap) {
			FWG_WARN(node, "aten.overlap", sorted[i].chunk, "image %s at 0x%x overlaps the previous one",
				sorted[i].name, sorted[i].base);
			continue;
		}
		st = bmc_add_gap(u, node, img, gap, sorted[i].base, false);
		if (st == FWG_OK)
			st = add_wpcm_image(u, node, img, &sorted[i]);
		gap = sorted[i].base + sorted[i].len;
	}
	if (st == FWG_OK)
		st = bmc_add_gap(u, node, img, gap, img->size, false);
	if (st == FWG_OK)
		check_wpcm_global(node, img, a.footer, sorted, n);
	free(sorted);
	free(ws);
	return st == FWG_LIMIT ? FWG_OK : st;
}

static enum fwg_status aten_flash_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	struct fwg_cursor img = fwg_node_body(node);
	if (img.size >= WPCM_BLOCK && wpcm_footer_ok(&img, WPCM_BLOCK - WPCM_CHUNK) &&
			find_index(&img) == SIZE_MAX)
		return parse_wpcm(u, node, &img);
	struct aten *a = calloc(1, sizeof(*a));
	struct region rs[MAX_ENTRIES + 8];
	size_t n = 0;
	if (!a)
		return FWG_NOMEM;
	a->index = find_index(&img);
	a->index_clear = a->index != SIZE_MAX;
	if (!a->index_clear)
		a->index = INDEX_OFF;
	else if (a->index != INDEX_OFF)
		fwg_node_attr_hex(node, "index_offset", a->index);
	bool encrypted = !a->index_clear && looks_encrypted(&img);
	if (a->index_clear)
		parse_index(node, &img, a);
	parse_footer(node, &img, a);
	fwg_node_attr_str(node, "generation", "x10_x11_aspeed");
	fwg_node_attr_bool(node, "encrypted", encrypted);
	fwg_node_attr_int(node, "index_entries", a->count);
	if (encrypted)
		FWG_WARN(node, "aten.encrypted", a->index,
			"index and root_fs/web_fs headers are encrypted (AES-CBC), not decrypted");
	else if (!a->index_clear)
		FWG_WARN(node, "aten.index", INDEX_OFF, "no [img]: index at 0x%x", INDEX_OFF);
	for (size_t i = 0; i < a->count; i++) {
		const struct entry *e = &a->entries[i];
		if (e->len == 0 || e->base > img.size || e->len > img.size - e->base) {
			FWG_WARN(node, "aten.entry_bounds", a->index,
				"index entry %s at 0x%llx of 0x%llx bytes lies outside the image", e->name,
				(unsigned long long)e->base, (unsigned long long)e->len);
			continue;
		}
		bool fs = strstr(e->name, "rootfs") || strstr(e->name, "webfs");
		bool enc = fs && !known_fs_magic(&img, (size_t)e->base);
		rs[n++] = (struct region){ (size_t)e->base, (size_t)e->len, e->name, e, enc };
		if (enc)
			FWG_WARN(node, "aten.encrypted", e->base,
				"%s has no known filesystem magic: its header is taken as encrypted", e->name);
	}
	if (encrypted) {
		size_t web_end = a->footer != SIZE_MAX && a->footer > DEFAULT_WEBFS &&
			a->footer + 10 <= DEFAULT_IMAGES_END ? a->footer + 10 : DEFAULT_IMAGES_END;
		rs[n++] = (struct region){ DEFAULT_ROOTFS, DEFAULT_KERNEL - DEFAULT_ROOTFS, "rootfs", NULL, true };
		rs[n++] = (struct region){ DEFAULT_KERNEL, DEFAULT_WEBFS - DEFAULT_KERNEL, "kernel", NULL, false };
		rs[n++] = (struct region){ DEFAULT_WEBFS, web_end - DEFAULT_WEBFS, "webfs", NULL, true };
	}
	if (img.size >= UBOOT_END && !overlaps_entry(a, 0, UBOOT_END))
		rs[n++] = (struct region){ 0, UBOOT_END, "u-boot", NULL, false };
	if (img.size >= NVRAM_END && !overlaps_entry(a, UBOOT_END, NVRAM_END))
		rs[n++] = (struct region){ UBOOT_END, NVRAM_END - UBOOT_END, "nvram", NULL, false };
	if (img.size > a->index && !overlaps_entry(a, a->index, img.size)) {
		size_t end = img.size - a->index > INDEX_MAX ? a->index + INDEX_MAX : img.size;
		rs[n++] = (struct region){ a->index, end - a->index, "index", NULL, encrypted };
	}
	enum fwg_status st = add_regions(u, node, &img, rs, n);
	free(a);
	return st;
}

const struct fwg_handler fwg_handler_aten_flash = {
	.name = "aten_flash",
	.description = "Supermicro (ATEN) BMC flash image: X10/X11 (ASPEED) or X8/X9 (WPCM450)",
	.node_type = FWG_TYPE_ATEN_FLASH,
	.probe = aten_flash_probe,
	.parse = aten_flash_parse,
};
