/*
 * event_fields.c - typed, bounds-checked views of the structures inside
 * event data (UEFI_VARIABLE_DATA, UEFI_IMAGE_LOAD_EVENT) and small helpers
 * on them.
 */
#include <string.h>

#include "../core/cursor.h"
#include "../core/guid.h"
#include "evlog_internal.h"

const uint8_t fwg_efi_global_variable_guid[16] = FWG_GUID_INIT(0x8be4df61, 0x93ca, 0x11d2,
	0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c);
const uint8_t fwg_efi_image_security_database_guid[16] = FWG_GUID_INIT(0xd719b2cb, 0x3d3a, 0x4596,
	0xa3, 0xbc, 0xda, 0xd0, 0x0e, 0x67, 0x65, 0x6f);

bool fwg_event_variable(const struct fwg_event *ev, struct fwg_uefi_variable *out)
{
	struct fwg_cursor c = fwg_cursor_make(ev->data, ev->data_size);
	uint64_t name_chars, data_size;
	size_t name_bytes;
	if (fwg_cursor_u64le_at(&c, 16, &name_chars) != FWG_OK ||
			fwg_cursor_u64le_at(&c, 24, &data_size) != FWG_OK)
		return false;
	if (name_chars > c.size || data_size > c.size)
		return false;
	name_bytes = (size_t)name_chars * 2;
	if (fwg_cursor_bytes_at(&c, 0, 16, &out->guid) != FWG_OK ||
			fwg_cursor_bytes_at(&c, 32, name_bytes, &out->name) != FWG_OK ||
			fwg_cursor_bytes_at(&c, 32 + name_bytes, (size_t)data_size, &out->data) != FWG_OK)
		return false;
	out->name_chars = (size_t)name_chars;
	out->data_size = (size_t)data_size;
	return true;
}

bool fwg_variable_name_is(const struct fwg_uefi_variable *v, const char *ascii)
{
	size_t n = strlen(ascii);
	/* Some firmware counts the terminating NUL in the length. */
	size_t chars = v->name_chars;
	if (chars == n + 1 && v->name[2 * n] == 0 && v->name[2 * n + 1] == 0)
		chars = n;
	if (chars != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (v->name[2 * i] != (uint8_t)ascii[i] || v->name[2 * i + 1] != 0)
			return false;
	return true;
}

char *fwg_variable_name(const struct fwg_uefi_variable *v, char *buf, size_t size)
{
	size_t o = 0;
	for (size_t i = 0; i < v->name_chars && o + 1 < size; i++) {
		uint16_t u = (uint16_t)(v->name[2 * i] | v->name[2 * i + 1] << 8);
		if (u == 0)
			break;
		buf[o++] = (u >= 0x20 && u < 0x7f) ? (char)u : '?';
	}
	if (size)
		buf[o] = 0;
	return buf;
}

bool fwg_event_image_load(const struct fwg_event *ev, struct fwg_image_load *out)
{
	struct fwg_cursor c = fwg_cursor_make(ev->data, ev->data_size);
	uint64_t dp_len;
	if (fwg_cursor_u64le_at(&c, 0, &out->location) != FWG_OK ||
			fwg_cursor_u64le_at(&c, 8, &out->length) != FWG_OK ||
			fwg_cursor_u64le_at(&c, 16, &out->link_time_address) != FWG_OK ||
			fwg_cursor_u64le_at(&c, 24, &dp_len) != FWG_OK || dp_len > c.size ||
			fwg_cursor_bytes_at(&c, 32, (size_t)dp_len, &out->device_path) != FWG_OK)
		return false;
	out->device_path_size = (size_t)dp_len;
	return true;
}

const uint8_t *fwg_event_digest(const struct fwg_event *ev, uint16_t alg)
{
	for (uint32_t i = 0; i < ev->digest_count; i++)
		if (ev->digests[i].alg == alg)
			return ev->digests[i].bytes;
	return NULL;
}

bool fwg_signature_lists_walk(const uint8_t *data, size_t size, fwg_signature_fn fn, void *ctx)
{
	struct fwg_cursor c = fwg_cursor_make(data, size);
	size_t off = 0;
	/* Each list is at least 28 bytes, so the loop is bounded by size/28. */
	while (off < c.size) {
		uint32_t list_size, header_size, sig_size;
		if (fwg_cursor_u32le_at(&c, off + 16, &list_size) != FWG_OK ||
				fwg_cursor_u32le_at(&c, off + 20, &header_size) != FWG_OK ||
				fwg_cursor_u32le_at(&c, off + 24, &sig_size) != FWG_OK)
			return false;
		size_t body = 28 + (size_t)header_size;
		if (list_size < 28 || !fwg_cursor_has(&c, off, list_size) || body > list_size ||
				sig_size < 16 || (list_size - body) % sig_size != 0)
			return false;
		const uint8_t *type = data + off;
		for (size_t p = off + body; p < off + list_size; p += sig_size)
			fn(ctx, type, data + p, data + p + 16, sig_size - 16);
		off += list_size;
	}
	return true;
}
