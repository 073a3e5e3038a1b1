/*
 * event_decode_var.c - the EV_EFI_VARIABLE_* events: UEFI_VARIABLE_DATA and
 * what the well-known variables hold (TCG PC Client PFP 1.05, 10.4.1 and
 * 3.3.4.8; UEFI 2.10, 3.3 "Globally Defined Variables" and 3.1.3 "Load
 * Options").
 *
 *   UEFI_VARIABLE_DATA  GUID VariableName; u64 UnicodeNameLength (code
 *                       units); u64 VariableDataLength; UCS-2 name; data
 *   SecureBoot, SetupMode, AuditMode, DeployedMode: one byte, 1 = on
 *   PK, KEK, db, dbx, dbt, dbr, MokList*: EFI_SIGNATURE_LISTs
 *   BootOrder: u16 option numbers ("Boot####")
 *   Boot####: EFI_LOAD_OPTION { u32 Attributes; u16 FilePathListLength;
 *             UCS-2 Description (NUL-terminated); device path list;
 *             optional data }
 *   EV_EFI_VARIABLE_AUTHORITY: the EFI_SIGNATURE_DATA (owner + X.509) that
 *             authorised an image, a bare DER certificate (older shims), or
 *             for shim's entries the variable's own data (signature lists,
 *             SBAT text, a byte)
 *
 * The name and data lengths are 64-bit and come from the log: both are
 * compared with the bytes that remain before they are used.
 */
#include <stdio.h>
#include <string.h>

#include "../core/guid.h"
#include "event_decode.h"

#define VARIABLE_HEADER 32
#define LOAD_OPTION_HEADER 6
#define MAX_NAME_ASCII 64

/* EFI_LOAD_OPTION attributes (UEFI 2.10, 3.1.3). */
#define LOAD_OPTION_ACTIVE 0x00000001u
#define LOAD_OPTION_FORCE_RECONNECT 0x00000002u
#define LOAD_OPTION_HIDDEN 0x00000008u
#define LOAD_OPTION_CATEGORY_MASK 0x00001f00u
#define LOAD_OPTION_CATEGORY_APP 0x00000100u

static const uint8_t shim_lock_guid[16] = FWG_GUID_INIT(0x605dab50, 0xe046, 0x4300, 0xab, 0xb6,
	0x3d, 0xd8, 0x10, 0xdd, 0x8b, 0x23);

/* The name as ASCII (anything else as '?'), for comparisons. */
static void ascii_name(const struct fwg_cursor *c, size_t off, size_t units, char *buf)
{
	size_t o = 0;
	for (size_t i = 0; i < units && o + 1 < MAX_NAME_ASCII; i++) {
		uint16_t u = fwg_cursor_u16le_or0(c, off + 2 * i);
		if (u == 0)
			break;
		buf[o++] = u >= 0x20 && u < 0x7f ? (char)u : '?';
	}
	buf[o] = 0;
}

static bool name_in(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(name, list[i]) == 0)
			return true;
	return false;
}

static bool is_hex4(const char *s)
{
	for (int i = 0; i < 4; i++) {
		char ch = s[i];
		if (!((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'F') || (ch >= 'a' && ch <= 'f')))
			return false;
	}
	return s[4] == 0;
}

/* SecureBoot and the other one-byte mode variables. */
static void set_mode_value(json_t *obj, const struct fwg_cursor *c, size_t off, size_t len)
{
	uint8_t v;
	if (len == 0 || fwg_cursor_u8_at(c, off, &v) != FWG_OK) {
		json_object_set_new(obj, "value", json_null());
		return;
	}
	json_object_set_new(obj, "value", json_integer(v));
	json_object_set_new(obj, "enabled", json_boolean(v == 1));
}

static void set_boot_order(json_t *obj, const struct fwg_decode_ctx *d, size_t off, size_t len)
{
	json_t *order = json_array();
	json_object_set_new(obj, "boot_order", order);
	if (len % 2)
		fwg_decode_error(obj, d, off, "BootOrder has an odd length");
	for (size_t i = 0; i + 1 < len && order; i += 2) {
		char name[16];
		snprintf(name, sizeof(name), "Boot%04X", fwg_cursor_u16le_or0(&d->c, off + i));
		json_array_append_new(order, json_string(name));
	}
}

static void set_load_option(json_t *obj, const struct fwg_decode_ctx *d, size_t off, size_t len)
{
	struct fwg_cursor c;
	uint32_t attr;
	uint16_t fpl_len;
	json_t *opt = json_object();
	if (!opt)
		return;
	json_object_set_new(obj, "load_option", opt);
	if (fwg_cursor_sub(&d->c, off, len, &c) != FWG_OK ||
			fwg_cursor_u32le_at(&c, 0, &attr) != FWG_OK ||
			fwg_cursor_u16le_at(&c, 4, &fpl_len) != FWG_OK) {
		fwg_decode_error(opt, d, off, "EFI_LOAD_OPTION shorter than 6 bytes");
		return;
	}
	char hex[16];
	snprintf(hex, sizeof(hex), "0x%08x", attr);
	json_object_set_new(opt, "attributes", json_string(hex));
	json_object_set_new(opt, "active", json_boolean(attr & LOAD_OPTION_ACTIVE));
	json_object_set_new(opt, "hidden", json_boolean(attr & LOAD_OPTION_HIDDEN));
	json_object_set_new(opt, "force_reconnect", json_boolean(attr & LOAD_OPTION_FORCE_RECONNECT));
	json_object_set_new(opt, "category", json_string(
		(attr & LOAD_OPTION_CATEGORY_MASK) == 0 ? "boot" :
		(attr & LOAD_OPTION_CATEGORY_MASK) == LOAD_OPTION_CATEGORY_APP ? "app" : "reserved"));
	/* Description: UCS-2 up to and including its NUL. */
	size_t p = LOAD_OPTION_HEADER;
	while (p + 1 < c.size && fwg_cursor_u16le_or0(&c, p) != 0)
		p += 2;
	json_object_set_new(opt, "description",
		fwg_decode_string16(&c, LOAD_OPTION_HEADER, (p - LOAD_OPTION_HEADER) / 2));
	if (p + 1 >= c.size) {
		fwg_decode_error(opt, d, off + p, "load option description is not terminated");
		return;
	}
	p += 2;
	json_object_set_new(opt, "file_path_list_length", json_integer(fpl_len));
	if (fpl_len > c.size - p) {
		fwg_decode_error(opt, d, off + 4, "FilePathListLength runs past the variable data");
		fwg_decode_set_device_path(opt, &c, p, c.size - p);
		return;
	}
	fwg_decode_set_device_path(opt, &c, p, fpl_len);
	p += fpl_len;
	size_t optional = c.size - p;
	json_object_set_new(opt, "optional_data_length", json_integer((json_int_t)optional));
	if (optional) {
		if (fwg_decode_is_text16(&c, p, optional))
			json_object_set_new(opt, "optional_data_string",
				fwg_decode_string16(&c, p, optional / 2));
		json_object_set_new(opt, "optional_data_hex", fwg_decode_hex(&c, p, optional));
	}
}

/* Data with no structure fwguard knows: text when it is text, else hex. */
static void set_plain_data(json_t *obj, const struct fwg_decode_ctx *d, size_t off, size_t len)
{
	if (fwg_decode_is_text8(&d->c, off, len)) {
		size_t nul;
		json_object_set_new(obj, "data_string", fwg_decode_string8(&d->c, off, len, &nul));
	}
	json_object_set_new(obj, "variable_data_hex", fwg_decode_hex(&d->c, off, len));
}

/* EV_EFI_VARIABLE_AUTHORITY: usually one EFI_SIGNATURE_DATA, sometimes
 * whole lists or the variable's plain data. */
static void set_authority(json_t *obj, const struct fwg_decode_ctx *d, size_t off, size_t len)
{
	if (fwg_decode_signature_data(obj, d, off, len))
		return;
	/* Older shims log the bare DER certificate, without an owner. */
	if (fwg_decode_certificate(obj, d, off, len))
		return;
	if (len && fwg_decode_signature_lists_fit(&d->c, off, len) &&
			fwg_decode_signature_lists(obj, d, off, len))
		return;
	set_plain_data(obj, d, off, len);
}

static void set_variable_data(json_t *obj, const struct fwg_decode_ctx *d,
		const struct fwg_event *ev, const uint8_t guid[16], const char *name, size_t off,
		size_t len)
{
	static const char *const modes[] = { "SecureBoot", "SetupMode", "AuditMode",
		"DeployedMode" };
	static const char *const global_dbs[] = { "PK", "KEK", "PKDefault", "KEKDefault",
		"dbDefault", "dbxDefault", "dbtDefault" };
	static const char *const security_dbs[] = { "db", "dbx", "dbt", "dbr" };
	static const char *const shim_dbs[] = { "MokList", "MokListX", "MokListRT", "MokListXRT" };
	bool global = fwg_guid_eq(guid, fwg_efi_global_variable_guid);
	if (ev->type == FWG_EV_EFI_VARIABLE_AUTHORITY) {
		set_authority(obj, d, off, len);
		return;
	}
	if (global && name_in(name, modes, sizeof(modes) / sizeof(modes[0]))) {
		set_mode_value(obj, &d->c, off, len);
		return;
	}
	if ((global && name_in(name, global_dbs, sizeof(global_dbs) / sizeof(global_dbs[0]))) ||
			(fwg_guid_eq(guid, fwg_efi_image_security_database_guid) &&
				name_in(name, security_dbs, sizeof(security_dbs) / sizeof(security_dbs[0]))) ||
			(fwg_guid_eq(guid, shim_lock_guid) &&
				name_in(name, shim_dbs, sizeof(shim_dbs) / sizeof(shim_dbs[0])))) {
		if (!fwg_decode_signature_lists(obj, d, off, len))
			json_object_set_new(obj, "variable_data_hex", fwg_decode_hex(&d->c, off, len));
		return;
	}
	if (global && strcmp(name, "BootOrder") == 0) {
		set_boot_order(obj, d, off, len);
		return;
	}
	if (global && strncmp(name, "Boot", 4) == 0 && is_hex4(name + 4)) {
		set_load_option(obj, d, off, len);
		return;
	}
	set_plain_data(obj, d, off, len);
}

void fwg_decode_variable(json_t *obj, const struct fwg_decode_ctx *d, const struct fwg_event *ev)
{
	uint8_t guid[16];
	uint64_t name_units, data_len;
	char name[MAX_NAME_ASCII];
	json_object_set_new(obj, "kind", json_string("uefi_variable"));
	if (fwg_cursor_copy_at(&d->c, 0, guid, 16) != FWG_OK ||
			fwg_cursor_u64le_at(&d->c, 16, &name_units) != FWG_OK ||
			fwg_cursor_u64le_at(&d->c, 24, &data_len) != FWG_OK) {
		fwg_decode_error(obj, d, 0, "UEFI_VARIABLE_DATA shorter than 32 bytes");
		return;
	}
	fwg_decode_set_guid(obj, "variable_guid", guid);
	json_object_set_new(obj, "name_length", fwg_decode_u64(name_units));
	json_object_set_new(obj, "data_length", fwg_decode_u64(data_len));
	size_t avail = d->c.size - VARIABLE_HEADER;
	if (name_units > avail / 2) {
		fwg_decode_error(obj, d, 16, "variable name runs past the event data");
		json_object_set_new(obj, "name", fwg_decode_string16(&d->c, VARIABLE_HEADER, avail / 2));
		return;
	}
	size_t name_bytes = (size_t)name_units * 2;
	json_object_set_new(obj, "name", fwg_decode_string16(&d->c, VARIABLE_HEADER, (size_t)name_units));
	ascii_name(&d->c, VARIABLE_HEADER, (size_t)name_units, name);
	size_t off = VARIABLE_HEADER + name_bytes;
	size_t len = (size_t)(data_len < d->c.size - off ? data_len : d->c.size - off);
	if (data_len > d->c.size - off)
		fwg_decode_error(obj, d, 24, "variable data runs past the event data");
	else if (len < d->c.size - off)
		json_object_set_new(obj, "bytes_after_data", json_integer((json_int_t)(d->c.size - off - len)));
	set_variable_data(obj, d, ev, guid, name, off, len);
}
