/*
 * event_decode.c - decodes the data of one TCG event by its type (TCG PC
 * Client Platform Firmware Profile 1.05, section 10.4 "Event descriptions"),
 * and the small fixed structures:
 *
 *   UEFI_IMAGE_LOAD_EVENT      u64 location, u64 length, u64 link-time
 *                              address, u64 device-path length, device path
 *   UEFI_PLATFORM_FIRMWARE_BLOB  u64 base, u64 length
 *   UEFI_PLATFORM_FIRMWARE_BLOB2 u8 description size, description, u64
 *                              base, u64 length
 *   UEFI_HANDOFF_TABLE_POINTERS  u64 count, {GUID, u64 table address}*count
 *   UEFI_HANDOFF_TABLE_POINTERS2 u8 description size, description, then
 *                              as above
 *   UEFI_GPT_DATA              92-byte GPT header, u64 partition count,
 *                              entries of the header's entry size
 *   TCG_PCClientTaggedEvent    u32 tag id, u32 size, data
 *   EV_SEPARATOR               u32 0 (normal) or 1 / 0xffffffff (error)
 *   EV_ACTION, EV_EFI_ACTION, EV_IPL, EV_POST_CODE, EV_S_CRTM_*: strings
 *                              (8-bit, or UCS-2 from systemd-boot and for
 *                              S-CRTM versions), blobs or GUIDs
 *
 * Strings keep their bytes exactly (leading blanks, tabs, newlines): GRUB
 * measures its commands verbatim and a verifier compares them verbatim.
 * Counts from the log are never trusted: each is checked against the bytes
 * that remain before anything is read or allocated.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/guid.h"
#include "event_decode.h"

#define BLOB_SIZE 16
#define IMAGE_LOAD_HEADER 32
#define GPT_HEADER_SIZE 92
#define GPT_ENTRY_MIN 128
#define GPT_ENTRY_MAX 4096
#define GPT_NAME_UNITS 36
#define HANDOFF_ENTRY 24
#define EVENT_TAG_HEADER 8

/* Tagged-event ids the Linux EFI stub measures into PCR9. */
#define LINUX_INITRD_TAG 0x8F3B22ECu
#define LINUX_LOAD_OPTIONS_TAG 0x8F3B22EDu

/* ---- helpers -------------------------------------------------------------- */

void fwg_decode_error(json_t *obj, const struct fwg_decode_ctx *d, size_t off, const char *what)
{
	char msg[256];
	if (json_object_get(obj, "error"))
		return;
	snprintf(msg, sizeof(msg), "%s at offset %zu", what, d->base + off);
	json_object_set_new(obj, "error", json_string(msg));
}

json_t *fwg_decode_hex(const struct fwg_cursor *c, size_t off, size_t len)
{
	const uint8_t *p;
	if (fwg_cursor_bytes_at(c, off, len, &p) != FWG_OK)
		return json_string("");
	if (len > (SIZE_MAX - 1) / 2)
		return NULL;
	char *s = malloc(2 * len + 1);
	if (!s)
		return NULL;
	fwg_hex_encode(p, len, s);
	json_t *j = json_stringn(s, 2 * len);
	free(s);
	return j;
}

/* Names that matter in event logs but are not firmware GUIDs, so
 * data/guids.csv does not hold them. */
static const char *event_guid_name(const uint8_t guid[16])
{
	static const uint8_t shim_lock[16] = FWG_GUID_INIT(0x605dab50, 0xe046, 0x4300, 0xab, 0xb6,
		0x3d, 0xd8, 0x10, 0xdd, 0x8b, 0x23);
	if (fwg_guid_eq(guid, shim_lock))
		return "ShimLockGuid";
	return fwg_guid_name(guid);
}

void fwg_decode_set_guid(json_t *obj, const char *key, const uint8_t guid[16])
{
	char text[FWG_GUID_TEXT_LEN], name_key[64];
	fwg_guid_format(guid, text);
	json_object_set_new(obj, key, json_string(text));
	const char *name = event_guid_name(guid);
	if (name) {
		snprintf(name_key, sizeof(name_key), "%s_name", key);
		json_object_set_new(obj, name_key, json_string(name));
	}
}

json_t *fwg_decode_u64(uint64_t v)
{
	if (v <= (uint64_t)INT64_MAX)
		return json_integer((json_int_t)v);
	return fwg_decode_addr(v);
}

json_t *fwg_decode_addr(uint64_t v)
{
	char s[24];
	snprintf(s, sizeof(s), "0x%" PRIx64, v);
	return json_string(s);
}

/* Offset of the first NUL in [off, off+len), or off + len. */
static size_t find_nul(const struct fwg_cursor *c, size_t off, size_t len)
{
	const uint8_t *p;
	if (len == 0 || fwg_cursor_bytes_at(c, off, len, &p) != FWG_OK)
		return off + (fwg_cursor_has(c, off, len) ? len : 0);
	const uint8_t *nul = memchr(p, 0, len);
	return nul ? off + (size_t)(nul - p) : off + len;
}

json_t *fwg_decode_string8(const struct fwg_cursor *c, size_t off, size_t len, size_t *nul_at)
{
	const uint8_t *p;
	if (!fwg_cursor_has(c, off, len) || fwg_cursor_bytes_at(c, off, len, &p) != FWG_OK) {
		*nul_at = off;
		return json_string("");
	}
	*nul_at = find_nul(c, off, len);
	size_t n = *nul_at - off;
	json_t *j = json_stringn((const char *)p, n);
	if (j)
		return j;
	/* Not UTF-8: ASCII kept, every other byte (and '\') as \xNN. */
	if (n > (SIZE_MAX - 1) / 4)
		return NULL;
	char *s = malloc(4 * n + 1);
	if (!s)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] >= 0x80 || p[i] == '\\')
			o += (size_t)snprintf(s + o, 5, "\\x%02x", p[i]);
		else
			s[o++] = (char)p[i];
	}
	j = json_stringn(s, o);
	free(s);
	return j;
}

static size_t put_utf8(char *dst, uint32_t cp)
{
	if (cp < 0x80) {
		dst[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		dst[0] = (char)(0xc0 | (cp >> 6));
		dst[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		dst[0] = (char)(0xe0 | (cp >> 12));
		dst[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		dst[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	dst[0] = (char)(0xf0 | (cp >> 18));
	dst[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	dst[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	dst[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

json_t *fwg_decode_string16(const struct fwg_cursor *c, size_t off, size_t units)
{
	if (off > c->size)
		return json_string("");
	size_t avail = (c->size - off) / 2;
	if (units > avail)
		units = avail;
	/* A code unit becomes at most 3 UTF-8 bytes (a pair of two, 4). */
	char *s = malloc(units * 3 + 1);
	if (!s)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < units; i++) {
		uint16_t u = fwg_cursor_u16le_or0(c, off + 2 * i);
		uint32_t cp = u;
		if (u == 0)
			break;
		if (u >= 0xd800 && u <= 0xdbff && i + 1 < units) {
			uint16_t lo = fwg_cursor_u16le_or0(c, off + 2 * i + 2);
			if (lo >= 0xdc00 && lo <= 0xdfff) {
				cp = 0x10000 + (((uint32_t)u - 0xd800) << 10) + (lo - 0xdc00u);
				i++;
			} else {
				cp = 0xfffd;
			}
		} else if (u >= 0xd800 && u <= 0xdfff) {
			cp = 0xfffd;
		}
		o += put_utf8(s + o, cp);
	}
	json_t *j = json_stringn(s, o);
	free(s);
	return j;
}

static bool is_text_char(unsigned ch)
{
	return (ch >= 0x20 && ch < 0x7f) || ch == '\t' || ch == '\n' || ch == '\r';
}

bool fwg_decode_is_text8(const struct fwg_cursor *c, size_t off, size_t len)
{
	if (len == 0 || !fwg_cursor_has(c, off, len))
		return false;
	size_t nul = find_nul(c, off, len);
	if (nul == off)
		return false;
	for (size_t i = off; i < nul; i++)
		if (!is_text_char(fwg_cursor_u8_or0(c, i)))
			return false;
	return nul == off + len || fwg_cursor_all_equal(c, nul, off + len - nul, 0);
}

bool fwg_decode_is_text16(const struct fwg_cursor *c, size_t off, size_t len)
{
	if (len < 2 || len % 2 || !fwg_cursor_has(c, off, len))
		return false;
	size_t i = 0;
	for (; i < len; i += 2) {
		uint16_t u = fwg_cursor_u16le_or0(c, off + i);
		if (u == 0)
			break;
		if (!is_text_char(u))
			return false;
	}
	return i == len || fwg_cursor_all_equal(c, off + i, len - i, 0);
}

static void set_string8(json_t *obj, const struct fwg_cursor *c, size_t off, size_t len)
{
	size_t nul;
	json_object_set_new(obj, "encoding", json_string("ascii"));
	json_object_set_new(obj, "string", fwg_decode_string8(c, off, len, &nul));
	/* Bytes after the terminating NUL that are not padding. */
	if (nul < off + len && !fwg_cursor_all_equal(c, nul, off + len - nul, 0))
		json_object_set_new(obj, "bytes_after_nul", json_integer((json_int_t)(off + len - nul - 1)));
}

static void set_string16(json_t *obj, const struct fwg_cursor *c, size_t off, size_t len)
{
	json_object_set_new(obj, "encoding", json_string("utf-16le"));
	json_object_set_new(obj, "string", fwg_decode_string16(c, off, len / 2));
}

/* ---- per type -------------------------------------------------------------- */

static void decode_blob(json_t *obj, const struct fwg_decode_ctx *d)
{
	uint64_t base, length;
	json_object_set_new(obj, "kind", json_string("firmware_blob"));
	if (fwg_cursor_u64le_at(&d->c, 0, &base) != FWG_OK ||
			fwg_cursor_u64le_at(&d->c, 8, &length) != FWG_OK) {
		fwg_decode_error(obj, d, 0, "UEFI_PLATFORM_FIRMWARE_BLOB shorter than 16 bytes");
		return;
	}
	json_object_set_new(obj, "base", fwg_decode_addr(base));
	json_object_set_new(obj, "length", fwg_decode_addr(length));
	if (d->c.size > BLOB_SIZE)
		fwg_decode_error(obj, d, BLOB_SIZE, "bytes after UEFI_PLATFORM_FIRMWARE_BLOB");
}

static void decode_blob2(json_t *obj, const struct fwg_decode_ctx *d)
{
	uint8_t desc_size;
	uint64_t base, length;
	size_t nul;
	json_object_set_new(obj, "kind", json_string("firmware_blob2"));
	if (fwg_cursor_u8_at(&d->c, 0, &desc_size) != FWG_OK ||
			!fwg_cursor_has(&d->c, 1, desc_size)) {
		fwg_decode_error(obj, d, 0, "UEFI_PLATFORM_FIRMWARE_BLOB2 description truncated");
		return;
	}
	json_object_set_new(obj, "description", fwg_decode_string8(&d->c, 1, desc_size, &nul));
	size_t p = 1 + (size_t)desc_size;
	if (fwg_cursor_u64le_at(&d->c, p, &base) != FWG_OK ||
			fwg_cursor_u64le_at(&d->c, p + 8, &length) != FWG_OK) {
		fwg_decode_error(obj, d, p, "UEFI_PLATFORM_FIRMWARE_BLOB2 base and length truncated");
		return;
	}
	json_object_set_new(obj, "base", fwg_decode_addr(base));
	json_object_set_new(obj, "length", fwg_decode_addr(length));
}

void fwg_decode_set_device_path(json_t *obj, const struct fwg_cursor *c, size_t off, size_t len)
{
	const uint8_t *p;
	if (fwg_cursor_bytes_at(c, off, len, &p) != FWG_OK)
		return;
	/* The text is printable UTF-8 by construction (devpath.c). */
	char *text = fwg_device_path_text(p, len);
	if (text)
		json_object_set_new(obj, "device_path", json_string(text));
	free(text);
}

static void decode_image_load(json_t *obj, const struct fwg_decode_ctx *d)
{
	uint64_t location, length, link, dp_len;
	json_object_set_new(obj, "kind", json_string("uefi_image_load"));
	if (fwg_cursor_u64le_at(&d->c, 0, &location) != FWG_OK ||
			fwg_cursor_u64le_at(&d->c, 8, &length) != FWG_OK ||
			fwg_cursor_u64le_at(&d->c, 16, &link) != FWG_OK ||
			fwg_cursor_u64le_at(&d->c, 24, &dp_len) != FWG_OK) {
		fwg_decode_error(obj, d, 0, "UEFI_IMAGE_LOAD_EVENT shorter than 32 bytes");
		return;
	}
	json_object_set_new(obj, "image_location", fwg_decode_addr(location));
	json_object_set_new(obj, "image_length", fwg_decode_addr(length));
	json_object_set_new(obj, "link_time_address", fwg_decode_addr(link));
	json_object_set_new(obj, "device_path_length", fwg_decode_u64(dp_len));
	if (dp_len > d->c.size - IMAGE_LOAD_HEADER) {
		fwg_decode_error(obj, d, 24, "device path runs past the event data");
		fwg_decode_set_device_path(obj, &d->c, IMAGE_LOAD_HEADER, d->c.size - IMAGE_LOAD_HEADER);
		return;
	}
	fwg_decode_set_device_path(obj, &d->c, IMAGE_LOAD_HEADER, (size_t)dp_len);
}

/* GPT partition type GUIDs that data/guids.csv does not name. */
static const char *partition_type_name(const uint8_t g[16])
{
	static const struct {
		uint8_t guid[16];
		const char *name;
	} types[] = {
		{ FWG_GUID_INIT(0xc12a7328, 0xf81f, 0x11d2, 0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9,
			  0x3b), "EFI system partition" },
		{ FWG_GUID_INIT(0x21686148, 0x6449, 0x6e6f, 0x74, 0x4e, 0x65, 0x65, 0x64, 0x45, 0x46,
			  0x49), "BIOS boot partition" },
		{ FWG_GUID_INIT(0xebd0a0a2, 0xb9e5, 0x4433, 0x87, 0xc0, 0x68, 0xb6, 0xb7, 0x26, 0x99,
			  0xc7), "Microsoft basic data" },
		{ FWG_GUID_INIT(0xe3c9e316, 0x0b5c, 0x4db8, 0x81, 0x7d, 0xf9, 0x2d, 0xf0, 0x02, 0x15,
			  0xae), "Microsoft reserved" },
		{ FWG_GUID_INIT(0xde94bba4, 0x06d1, 0x4d40, 0xa1, 0x6a, 0xbf, 0xd5, 0x01, 0x79, 0xd6,
			  0xac), "Windows recovery environment" },
		{ FWG_GUID_INIT(0x0fc63daf, 0x8483, 0x4772, 0x8e, 0x79, 0x3d, 0x69, 0xd8, 0x47, 0x7d,
			  0xe4), "Linux filesystem" },
		{ FWG_GUID_INIT(0x0657fd6d, 0xa4ab, 0x43c4, 0x84, 0xe5, 0x09, 0x33, 0xc8, 0x4b, 0x4f,
			  0x4f), "Linux swap" },
		{ FWG_GUID_INIT(0xe6d6d379, 0xf507, 0x44c2, 0xa2, 0x3c, 0x23, 0x8f, 0x2a, 0x3d, 0xf9,
			  0x28), "Linux LVM" },
		{ FWG_GUID_INIT(0xa19d880f, 0x05fc, 0x4d3b, 0xa0, 0x06, 0x74, 0x3f, 0x0f, 0x84, 0x91,
			  0x1e), "Linux RAID" },
		{ FWG_GUID_INIT(0x4f68bce3, 0xe8cd, 0x4db1, 0x96, 0xe7, 0xfb, 0xca, 0xf9, 0x84, 0xb7,
			  0x09), "Linux root (x86-64)" },
		{ FWG_GUID_INIT(0xbc13c2ff, 0x59e6, 0x4262, 0xa3, 0x52, 0xb2, 0x75, 0xfd, 0x6f, 0x71,
			  0x72), "Linux extended boot (XBOOTLDR)" },
	};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (fwg_guid_eq(g, types[i].guid))
			return types[i].name;
	return fwg_guid_name(g);
}

static json_t *gpt_entry(const struct fwg_cursor *c, size_t off)
{
	uint8_t g[16];
	char text[FWG_GUID_TEXT_LEN];
	json_t *e = json_object();
	if (!e)
		return NULL;
	if (fwg_cursor_copy_at(c, off, g, 16) == FWG_OK) {
		fwg_guid_format(g, text);
		json_object_set_new(e, "type_guid", json_string(text));
		const char *name = partition_type_name(g);
		if (name)
			json_object_set_new(e, "type_guid_name", json_string(name));
	}
	if (fwg_cursor_copy_at(c, off + 16, g, 16) == FWG_OK) {
		fwg_guid_format(g, text);
		json_object_set_new(e, "unique_guid", json_string(text));
	}
	json_object_set_new(e, "starting_lba", fwg_decode_u64(fwg_cursor_u64le_or0(c, off + 32)));
	json_object_set_new(e, "ending_lba", fwg_decode_u64(fwg_cursor_u64le_or0(c, off + 40)));
	json_object_set_new(e, "attributes", fwg_decode_addr(fwg_cursor_u64le_or0(c, off + 48)));
	json_object_set_new(e, "name", fwg_decode_string16(c, off + 56, GPT_NAME_UNITS));
	return e;
}

static void decode_gpt(json_t *obj, const struct fwg_decode_ctx *d)
{
	const struct fwg_cursor *c = &d->c;
	uint64_t count;
	uint32_t entry_size, header_size;
	uint8_t g[16];
	size_t nul;
	json_object_set_new(obj, "kind", json_string("gpt"));
	if (!fwg_cursor_has(c, 0, GPT_HEADER_SIZE + 8) ||
			fwg_cursor_u64le_at(c, GPT_HEADER_SIZE, &count) != FWG_OK) {
		fwg_decode_error(obj, d, 0, "UEFI_GPT_DATA shorter than its 100-byte header");
		return;
	}
	header_size = fwg_cursor_u32le_or0(c, 12);
	entry_size = fwg_cursor_u32le_or0(c, 84);
	json_object_set_new(obj, "signature", fwg_decode_string8(c, 0, 8, &nul));
	json_object_set_new(obj, "revision", fwg_decode_addr(fwg_cursor_u32le_or0(c, 8)));
	json_object_set_new(obj, "header_size", json_integer(header_size));
	json_object_set_new(obj, "my_lba", fwg_decode_u64(fwg_cursor_u64le_or0(c, 24)));
	json_object_set_new(obj, "alternate_lba", fwg_decode_u64(fwg_cursor_u64le_or0(c, 32)));
	json_object_set_new(obj, "first_usable_lba", fwg_decode_u64(fwg_cursor_u64le_or0(c, 40)));
	json_object_set_new(obj, "last_usable_lba", fwg_decode_u64(fwg_cursor_u64le_or0(c, 48)));
	if (fwg_cursor_copy_at(c, 56, g, 16) == FWG_OK)
		fwg_decode_set_guid(obj, "disk_guid", g);
	json_object_set_new(obj, "partition_entry_lba", fwg_decode_u64(fwg_cursor_u64le_or0(c, 72)));
	json_object_set_new(obj, "number_of_partition_entries",
		json_integer(fwg_cursor_u32le_or0(c, 80)));
	json_object_set_new(obj, "partition_entry_size", json_integer(entry_size));
	json_object_set_new(obj, "partition_count", fwg_decode_u64(count));
	json_t *parts = json_array();
	json_object_set_new(obj, "partitions", parts);
	size_t avail = c->size - (GPT_HEADER_SIZE + 8);
	if (entry_size < GPT_ENTRY_MIN || entry_size > GPT_ENTRY_MAX) {
		if (count)
			fwg_decode_error(obj, d, 84, "impossible partition entry size");
		return;
	}
	if (count > avail / entry_size) {
		fwg_decode_error(obj, d, GPT_HEADER_SIZE, "partition count runs past the event data");
		count = avail / entry_size;
	}
	for (size_t i = 0; i < (size_t)count && parts; i++)
		json_array_append_new(parts, gpt_entry(c, GPT_HEADER_SIZE + 8 + i * entry_size));
}

static void decode_handoff_list(json_t *obj, const struct fwg_decode_ctx *d, size_t p)
{
	uint64_t count;
	if (fwg_cursor_u64le_at(&d->c, p, &count) != FWG_OK) {
		fwg_decode_error(obj, d, p, "handoff table count truncated");
		return;
	}
	json_object_set_new(obj, "table_count", fwg_decode_u64(count));
	p += 8;
	json_t *tables = json_array();
	json_object_set_new(obj, "tables", tables);
	size_t fits = (d->c.size - p) / HANDOFF_ENTRY;
	if (count > fits) {
		fwg_decode_error(obj, d, p - 8, "handoff table count runs past the event data");
		count = fits;
	}
	for (size_t i = 0; i < (size_t)count && tables; i++) {
		uint8_t g[16];
		json_t *t = json_object();
		if (!t || fwg_cursor_copy_at(&d->c, p + i * HANDOFF_ENTRY, g, 16) != FWG_OK) {
			json_decref(t);
			break;
		}
		fwg_decode_set_guid(t, "vendor_guid", g);
		json_object_set_new(t, "address",
			fwg_decode_addr(fwg_cursor_u64le_or0(&d->c, p + i * HANDOFF_ENTRY + 16)));
		json_array_append_new(tables, t);
	}
}

static void decode_handoff(json_t *obj, const struct fwg_decode_ctx *d, bool v2)
{
	size_t p = 0;
	json_object_set_new(obj, "kind", json_string(v2 ? "handoff_tables2" : "handoff_tables"));
	if (v2) {
		uint8_t desc_size;
		size_t nul;
		if (fwg_cursor_u8_at(&d->c, 0, &desc_size) != FWG_OK ||
				!fwg_cursor_has(&d->c, 1, desc_size)) {
			fwg_decode_error(obj, d, 0, "UEFI_HANDOFF_TABLE_POINTERS2 description truncated");
			return;
		}
		json_object_set_new(obj, "description", fwg_decode_string8(&d->c, 1, desc_size, &nul));
		p = 1 + (size_t)desc_size;
	}
	decode_handoff_list(obj, d, p);
}

static void decode_separator(json_t *obj, const struct fwg_decode_ctx *d)
{
	uint32_t v;
	json_object_set_new(obj, "kind", json_string("separator"));
	if (d->c.size != 4 || fwg_cursor_u32le_at(&d->c, 0, &v) != FWG_OK) {
		json_object_set_new(obj, "meaning", json_string("unexpected"));
		fwg_decode_error(obj, d, 0, "separator data is not 4 bytes");
		return;
	}
	char hex[16];
	snprintf(hex, sizeof(hex), "0x%08x", v);
	json_object_set_new(obj, "value", json_string(hex));
	json_object_set_new(obj, "meaning", json_string(v == 0 ? "normal" :
		v == 1 || v == 0xffffffffu ? "error" : "unexpected"));
}

static void decode_string(json_t *obj, const struct fwg_decode_ctx *d)
{
	json_object_set_new(obj, "kind", json_string("string"));
	set_string8(obj, &d->c, 0, d->c.size);
}

static bool starts_with(const struct fwg_cursor *c, const char *prefix)
{
	size_t n = strlen(prefix);
	const uint8_t *p;
	return fwg_cursor_bytes_at(c, 0, n, &p) == FWG_OK && memcmp(p, prefix, n) == 0;
}

/* GRUB measures "grub_cmd: ...", "kernel_cmdline: ..." (and older
 * "grub_kernel_cmdline ...") in 8-bit text; systemd-boot and the kernel
 * stub measure UCS-2 command lines. */
static void decode_ipl(json_t *obj, const struct fwg_decode_ctx *d)
{
	static const struct {
		const char *prefix, *name;
	} grub[] = {
		{ "grub_cmd: ", "grub_cmd" },
		{ "kernel_cmdline: ", "kernel_cmdline" },
		{ "grub_kernel_cmdline ", "grub_kernel_cmdline" },
	};
	/* systemd-boot has been seen to log an odd size: the UCS-2 text and
	 * one byte of its terminator. */
	size_t even = d->c.size & ~(size_t)1;
	bool odd_nul = d->c.size % 2 && fwg_cursor_u8_or0(&d->c, d->c.size - 1) == 0;
	json_object_set_new(obj, "kind", json_string("string"));
	if (even >= 4 && (even == d->c.size || odd_nul) && fwg_decode_is_text16(&d->c, 0, even)) {
		set_string16(obj, &d->c, 0, even);
		json_object_set_new(obj, "source", json_string("systemd-boot"));
		return;
	}
	set_string8(obj, &d->c, 0, d->c.size);
	for (size_t i = 0; i < sizeof(grub) / sizeof(grub[0]); i++) {
		if (starts_with(&d->c, grub[i].prefix)) {
			json_object_set_new(obj, "source", json_string("grub"));
			json_object_set_new(obj, "grub_prefix", json_string(grub[i].name));
			break;
		}
	}
}

/* EV_POST_CODE: a string such as "ACPI DATA" or a firmware blob. */
static void decode_post_code(json_t *obj, const struct fwg_decode_ctx *d)
{
	if (fwg_decode_is_text8(&d->c, 0, d->c.size)) {
		decode_string(obj, d);
		return;
	}
	if (d->c.size == BLOB_SIZE) {
		decode_blob(obj, d);
		return;
	}
	json_object_set_new(obj, "kind", json_string("hex"));
}

static void decode_crtm_contents(json_t *obj, const struct fwg_decode_ctx *d)
{
	decode_post_code(obj, d);
}

/* EV_S_CRTM_VERSION: a UCS-2 string, or a GUID (AMI-style firmware). */
static void decode_crtm_version(json_t *obj, const struct fwg_decode_ctx *d)
{
	if (fwg_decode_is_text16(&d->c, 0, d->c.size)) {
		json_object_set_new(obj, "kind", json_string("string"));
		set_string16(obj, &d->c, 0, d->c.size);
		return;
	}
	uint8_t g[16];
	if (d->c.size == 16 && fwg_cursor_copy_at(&d->c, 0, g, 16) == FWG_OK) {
		json_object_set_new(obj, "kind", json_string("guid"));
		fwg_decode_set_guid(obj, "guid", g);
		return;
	}
	if (fwg_decode_is_text8(&d->c, 0, d->c.size)) {
		decode_string(obj, d);
		return;
	}
	json_object_set_new(obj, "kind", json_string("hex"));
}

static void decode_event_tag(json_t *obj, const struct fwg_decode_ctx *d)
{
	uint32_t id, size;
	json_object_set_new(obj, "kind", json_string("event_tag"));
	if (fwg_cursor_u32le_at(&d->c, 0, &id) != FWG_OK ||
			fwg_cursor_u32le_at(&d->c, 4, &size) != FWG_OK) {
		fwg_decode_error(obj, d, 0, "TCG_PCClientTaggedEvent shorter than 8 bytes");
		return;
	}
	char hex[16];
	snprintf(hex, sizeof(hex), "0x%08x", id);
	json_object_set_new(obj, "tag_id", json_string(hex));
	if (id == LINUX_INITRD_TAG)
		json_object_set_new(obj, "tag_name", json_string("Linux initrd"));
	else if (id == LINUX_LOAD_OPTIONS_TAG)
		json_object_set_new(obj, "tag_name", json_string("Linux load options"));
	json_object_set_new(obj, "tagged_data_size", json_integer(size));
	size_t avail = d->c.size - EVENT_TAG_HEADER;
	if (size > avail) {
		fwg_decode_error(obj, d, 4, "tagged event data runs past the event data");
		size = (uint32_t)avail;
	}
	if (fwg_decode_is_text8(&d->c, EVENT_TAG_HEADER, size)) {
		size_t nul;
		json_object_set_new(obj, "tagged_string",
			fwg_decode_string8(&d->c, EVENT_TAG_HEADER, size, &nul));
	} else if (fwg_decode_is_text16(&d->c, EVENT_TAG_HEADER, size)) {
		json_object_set_new(obj, "tagged_string",
			fwg_decode_string16(&d->c, EVENT_TAG_HEADER, size / 2));
	}
	json_object_set_new(obj, "tagged_data_hex", fwg_decode_hex(&d->c, EVENT_TAG_HEADER, size));
}

/* Types with no structure of their own: text when the data is text. */
static void decode_other(json_t *obj, const struct fwg_decode_ctx *d)
{
	if (fwg_decode_is_text8(&d->c, 0, d->c.size)) {
		decode_string(obj, d);
		return;
	}
	json_object_set_new(obj, "kind", json_string("hex"));
}

static size_t data_offset(const struct fwg_evlog *log, const struct fwg_event *ev)
{
	uintptr_t start = (uintptr_t)log->data, at = (uintptr_t)ev->data;
	if (!ev->data || at < start || at - start > log->size)
		return 0;
	return (size_t)(at - start);
}

json_t *fwg_event_decode(const struct fwg_evlog *log, const struct fwg_event *ev)
{
	json_t *obj = json_object();
	if (!obj)
		return NULL;
	/* First key of every object; each decoder replaces the value. */
	json_object_set_new(obj, "kind", json_string("hex"));
	struct fwg_decode_ctx d = { fwg_cursor_make(ev->data, ev->data_size), data_offset(log, ev) };
	switch (ev->type) {
	case FWG_EV_EFI_VARIABLE_DRIVER_CONFIG:
	case FWG_EV_EFI_VARIABLE_BOOT:
	case FWG_EV_EFI_VARIABLE_BOOT2:
	case FWG_EV_EFI_VARIABLE_AUTHORITY:
		fwg_decode_variable(obj, &d, ev);
		break;
	case FWG_EV_EFI_BOOT_SERVICES_APPLICATION:
	case FWG_EV_EFI_BOOT_SERVICES_DRIVER:
	case FWG_EV_EFI_RUNTIME_SERVICES_DRIVER:
		decode_image_load(obj, &d);
		break;
	case FWG_EV_EFI_GPT_EVENT:
	case FWG_EV_EFI_GPT_EVENT2:
		decode_gpt(obj, &d);
		break;
	case FWG_EV_EFI_PLATFORM_FIRMWARE_BLOB:
		decode_blob(obj, &d);
		break;
	case FWG_EV_EFI_PLATFORM_FIRMWARE_BLOB2:
		decode_blob2(obj, &d);
		break;
	case FWG_EV_POST_CODE:
		decode_post_code(obj, &d);
		break;
	case FWG_EV_S_CRTM_CONTENTS:
		decode_crtm_contents(obj, &d);
		break;
	case FWG_EV_S_CRTM_VERSION:
		decode_crtm_version(obj, &d);
		break;
	case FWG_EV_SEPARATOR:
		decode_separator(obj, &d);
		break;
	case FWG_EV_ACTION:
	case FWG_EV_EFI_ACTION:
		decode_string(obj, &d);
		break;
	case FWG_EV_IPL:
		decode_ipl(obj, &d);
		break;
	case FWG_EV_EFI_HANDOFF_TABLES:
		decode_handoff(obj, &d, false);
		break;
	case FWG_EV_EFI_HANDOFF_TABLES2:
		decode_handoff(obj, &d, true);
		break;
	case FWG_EV_NO_ACTION:
		fwg_decode_no_action(obj, &d);
		break;
	case FWG_EV_EVENT_TAG:
		decode_event_tag(obj, &d);
		break;
	default:
		decode_other(obj, &d);
		break;
	}
	return obj;
}
