/*
 * event_decode_noaction.c - EV_NO_ACTION events: informational records that
 * never extend a PCR, told apart by a 16-byte signature (TCG PC Client
 * PFP 1.05/1.06, 10.4.5 "EV_NO_ACTION Event Types").
 *
 *   "Spec ID Event03"   TCG_EfiSpecIdEvent: u32 platformClass; u8 minor,
 *                       major, errata, uintnSize; u32 numberOfAlgorithms;
 *                       {u16 algorithmId, u16 digestSize}*n; u8
 *                       vendorInfoSize; vendorInfo
 *   "Spec ID Event00"   TCG_EfiSpecIdEventStruct (TPM 1.2 logs): the same
 *                       up to uintnSize, then u8 vendorInfoSize; vendorInfo
 *   "StartupLocality"   u8 locality the CRTM started from (PCR0's seed)
 *   "SP800-155 Event"   platform id: u32 vendor id, GUID reference
 *                       manifest, then u8-sized manufacturer and model
 *   "SP800-155 Event2"  u32 manufacturer id, GUID, u8-sized manufacturer,
 *                       model, version and firmware manufacturer, u32
 *                       firmware manufacturer id, u8-sized firmware version
 *   "SP800-155 Event3"  as Event2, then u32-typed, u32-sized locators of
 *                       the reference manifest and the platform certificate
 *   "NvIndexInstance"   u16 version, 6 reserved, NV index data
 *   "NvIndexDynamic"    u16 version, 6 reserved, u64 UID, u16-sized
 *                       description, u16-sized data
 * Anything else shows its signature (when it is text) beside the hex.
 *
 * Fields are read in order through a walker that stops at the first one
 * that does not fit, recording where.
 */
#include <stdio.h>
#include <string.h>

#include "event_decode.h"

#define SIGNATURE_SIZE 16
#define SPEC_ID_ALGS 28
#define MAX_SPEC_ALGS 64

/* Sequential reads over the event data; the first failure sticks. */
struct walker {
	const struct fwg_decode_ctx *d;
	json_t *obj;
	size_t pos;
	bool failed;
};

static void walk_fail(struct walker *w, const char *what)
{
	if (!w->failed)
		fwg_decode_error(w->obj, w->d, w->pos, what);
	w->failed = true;
}

static bool walk_u8(struct walker *w, uint8_t *v)
{
	if (w->failed || fwg_cursor_u8_at(&w->d->c, w->pos, v) != FWG_OK) {
		walk_fail(w, "truncated");
		return false;
	}
	w->pos += 1;
	return true;
}

static bool walk_u16(struct walker *w, uint16_t *v)
{
	if (w->failed || fwg_cursor_u16le_at(&w->d->c, w->pos, v) != FWG_OK) {
		walk_fail(w, "truncated");
		return false;
	}
	w->pos += 2;
	return true;
}

static bool walk_u32(struct walker *w, uint32_t *v)
{
	if (w->failed || fwg_cursor_u32le_at(&w->d->c, w->pos, v) != FWG_OK) {
		walk_fail(w, "truncated");
		return false;
	}
	w->pos += 4;
	return true;
}

static void walk_set_u32(struct walker *w, const char *key)
{
	uint32_t v;
	if (walk_u32(w, &v))
		json_object_set_new(w->obj, key, json_integer(v));
}

static void walk_set_guid(struct walker *w, const char *key)
{
	uint8_t g[16];
	if (w->failed || fwg_cursor_copy_at(&w->d->c, w->pos, g, 16) != FWG_OK) {
		walk_fail(w, "GUID truncated");
		return;
	}
	fwg_decode_set_guid(w->obj, key, g);
	w->pos += 16;
}

/* len bytes at the walker as a string (text) or hex. */
static void walk_set_bytes(struct walker *w, const char *key, size_t len, bool text)
{
	if (w->failed || !fwg_cursor_has(&w->d->c, w->pos, len)) {
		walk_fail(w, "field runs past the event data");
		return;
	}
	size_t nul;
	json_object_set_new(w->obj, key, text ? fwg_decode_string8(&w->d->c, w->pos, len, &nul) :
		fwg_decode_hex(&w->d->c, w->pos, len));
	w->pos += len;
}

static void walk_u8_string(struct walker *w, const char *key)
{
	uint8_t n;
	if (walk_u8(w, &n))
		walk_set_bytes(w, key, n, true);
}

/* u32 type + u32 length + locator bytes (SP800-155 Event3). */
static void walk_locator(struct walker *w, const char *type_key, const char *key)
{
	uint32_t type, len;
	if (!walk_u32(w, &type) || !walk_u32(w, &len))
		return;
	json_object_set_new(w->obj, type_key, json_integer(type));
	walk_set_bytes(w, key, len, fwg_decode_is_text8(&w->d->c, w->pos, len));
}

static void decode_spec_id03(struct walker *w)
{
	static const char *const classes[] = { "client", "server" };
	uint8_t minor = 0, major = 0, errata = 0, uintn = 0;
	uint32_t platform = 0, count;
	json_object_set_new(w->obj, "kind", json_string("spec_id"));
	w->pos = SIGNATURE_SIZE;
	if (!walk_u32(w, &platform) || !walk_u8(w, &minor) || !walk_u8(w, &major) ||
			!walk_u8(w, &errata) || !walk_u8(w, &uintn))
		return;
	json_object_set_new(w->obj, "platform_class", json_integer(platform));
	if (platform < 2)
		json_object_set_new(w->obj, "platform_class_name", json_string(classes[platform]));
	char version[16];
	snprintf(version, sizeof(version), "%u.%u", major, minor);
	json_object_set_new(w->obj, "spec_version", json_string(version));
	json_object_set_new(w->obj, "spec_errata", json_integer(errata));
	json_object_set_new(w->obj, "uintn_size", json_integer(uintn));
	if (uintn == 1 || uintn == 2)
		json_object_set_new(w->obj, "uintn_bits", json_integer(uintn == 1 ? 32 : 64));
	bool agile = fwg_cursor_u8_or0(&w->d->c, 14) == '3';
	if (agile) {
		if (!walk_u32(w, &count))
			return;
		json_object_set_new(w->obj, "algorithm_count", json_integer(count));
		json_t *algs = json_array();
		json_object_set_new(w->obj, "algorithms", algs);
		if (count > MAX_SPEC_ALGS || count > (w->d->c.size - w->pos) / 4) {
			walk_fail(w, "algorithm count runs past the event data");
			return;
		}
		for (uint32_t i = 0; i < count && algs; i++) {
			uint16_t id, size;
			if (!walk_u16(w, &id) || !walk_u16(w, &size))
				return;
			json_t *a = json_object();
			const char *name = fwg_tpm_alg_name(id);
			char hex[8];
			snprintf(hex, sizeof(hex), "0x%04x", id);
			json_object_set_new(a, "alg", name ? json_string(name) : json_string(hex));
			json_object_set_new(a, "alg_id", json_string(hex));
			json_object_set_new(a, "digest_size", json_integer(size));
			json_array_append_new(algs, a);
		}
	}
	uint8_t vendor;
	if (!walk_u8(w, &vendor))
		return;
	json_object_set_new(w->obj, "vendor_info_size", json_integer(vendor));
	walk_set_bytes(w, "vendor_info_hex", vendor, false);
}

static void decode_startup_locality(struct walker *w)
{
	uint8_t locality;
	json_object_set_new(w->obj, "kind", json_string("startup_locality"));
	w->pos = SIGNATURE_SIZE;
	if (walk_u8(w, &locality))
		json_object_set_new(w->obj, "startup_locality", json_integer(locality));
}

static void decode_sp800_155(struct walker *w, int version)
{
	json_object_set_new(w->obj, "kind", json_string("sp800_155_platform_id"));
	json_object_set_new(w->obj, "version", json_integer(version));
	w->pos = SIGNATURE_SIZE;
	if (version == 1) {
		walk_set_u32(w, "vendor_id");
		walk_set_guid(w, "reference_manifest_guid");
		walk_u8_string(w, "platform_manufacturer");
		walk_u8_string(w, "platform_model");
		return;
	}
	walk_set_u32(w, "platform_manufacturer_id");
	walk_set_guid(w, "reference_manifest_guid");
	walk_u8_string(w, "platform_manufacturer");
	walk_u8_string(w, "platform_model");
	walk_u8_string(w, "platform_version");
	walk_u8_string(w, "firmware_manufacturer");
	walk_set_u32(w, "firmware_manufacturer_id");
	walk_u8_string(w, "firmware_version");
	if (version == 3) {
		walk_locator(w, "rim_locator_type", "rim_locator");
		walk_locator(w, "platform_cert_locator_type", "platform_cert_locator");
	}
}

static void decode_nv_index(struct walker *w, bool dynamic)
{
	uint16_t version, size;
	json_object_set_new(w->obj, "kind", json_string(dynamic ? "nv_index_dynamic" :
		"nv_index_instance"));
	w->pos = SIGNATURE_SIZE;
	if (!walk_u16(w, &version))
		return;
	json_object_set_new(w->obj, "version", json_integer(version));
	if (!fwg_cursor_has(&w->d->c, w->pos, 6)) {
		walk_fail(w, "reserved bytes truncated");
		return;
	}
	w->pos += 6;
	if (!dynamic) {
		walk_set_bytes(w, "nv_data_hex", w->d->c.size - w->pos, false);
		return;
	}
	uint32_t uid_lo, uid_hi;
	if (!walk_u32(w, &uid_lo) || !walk_u32(w, &uid_hi))
		return;
	json_object_set_new(w->obj, "uid", fwg_decode_addr((uint64_t)uid_hi << 32 | uid_lo));
	if (walk_u16(w, &size))
		walk_set_bytes(w, "description", size, true);
	if (walk_u16(w, &size))
		walk_set_bytes(w, "nv_data_hex", size, false);
}

static bool signature_is(const struct fwg_cursor *c, const char *sig)
{
	uint8_t want[SIGNATURE_SIZE] = { 0 };
	uint8_t got[SIGNATURE_SIZE];
	memcpy(want, sig, strnlen(sig, SIGNATURE_SIZE));
	return fwg_cursor_copy_at(c, 0, got, SIGNATURE_SIZE) == FWG_OK &&
		memcmp(got, want, SIGNATURE_SIZE) == 0;
}

void fwg_decode_no_action(json_t *obj, const struct fwg_decode_ctx *d)
{
	struct walker w = { d, obj, 0, false };
	size_t nul;
	if (fwg_decode_is_text8(&d->c, 0, d->c.size < SIGNATURE_SIZE ? d->c.size : SIGNATURE_SIZE))
		json_object_set_new(obj, "signature", fwg_decode_string8(&d->c, 0,
			d->c.size < SIGNATURE_SIZE ? d->c.size : SIGNATURE_SIZE, &nul));
	if (signature_is(&d->c, "Spec ID Event03") || signature_is(&d->c, "Spec ID Event00"))
		decode_spec_id03(&w);
	else if (signature_is(&d->c, "StartupLocality"))
		decode_startup_locality(&w);
	else if (signature_is(&d->c, "SP800-155 Event"))
		decode_sp800_155(&w, 1);
	else if (signature_is(&d->c, "SP800-155 Event2"))
		decode_sp800_155(&w, 2);
	else if (signature_is(&d->c, "SP800-155 Event3"))
		decode_sp800_155(&w, 3);
	else if (signature_is(&d->c, "NvIndexInstance"))
		decode_nv_index(&w, false);
	else if (signature_is(&d->c, "NvIndexDynamic"))
		decode_nv_index(&w, true);
	else
		json_object_set_new(obj, "kind", json_string("hex"));
}
