/*
 * evlog_internal.h - what the event-log modules share inside libfwguard:
 * the post-parse passes, and typed views of the event data structures
 * that several modules (policy, reference, show) read.  Every view is
 * bounds-checked against the event's own data.
 */
#ifndef FWG_EVENTLOG_INTERNAL_H
#define FWG_EVENTLOG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fwguard/eventlog.h"

/* Marks FWG_EVENT_DIGEST_CHECKED / _MISMATCH (evlog_digest.c). */
void fwg_evlog_check_digests(struct fwg_evlog *log);
/* Sets every event's boot phase (evlog_phase.c). */
void fwg_evlog_assign_phases(struct fwg_evlog *log);

/* UEFI_VARIABLE_DATA: GUID, u64 name length (chars), u64 data length,
 * UCS-2 name, data. */
struct fwg_uefi_variable {
	const uint8_t *guid;   /* 16 bytes */
	const uint8_t *name;   /* UCS-2LE, name_chars code units */
	size_t name_chars;
	const uint8_t *data;
	size_t data_size;
};
bool fwg_event_variable(const struct fwg_event *ev, struct fwg_uefi_variable *out);
/* True when the variable's name is exactly the ASCII string. */
bool fwg_variable_name_is(const struct fwg_uefi_variable *v, const char *ascii);
/* The name as UTF-8 into buf (non-ASCII becomes '?'); returns buf. */
char *fwg_variable_name(const struct fwg_uefi_variable *v, char *buf, size_t size);

/* UEFI_IMAGE_LOAD_EVENT: location, length, link-time address, device path. */
struct fwg_image_load {
	uint64_t location, length, link_time_address;
	const uint8_t *device_path;
	size_t device_path_size;
};
bool fwg_event_image_load(const struct fwg_event *ev, struct fwg_image_load *out);

/* EFI_SIGNATURE_LIST walking: calls fn for every EFI_SIGNATURE_DATA in
 * the lists of data (type GUID, owner GUID, signature bytes); stops and
 * returns false at the first list that does not fit.  A lone
 * EFI_SIGNATURE_DATA (as EV_EFI_VARIABLE_AUTHORITY often carries) is not
 * a list: see fwg_event_variable for its raw bytes. */
typedef void (*fwg_signature_fn)(void *ctx, const uint8_t *type_guid, const uint8_t *owner_guid,
		const uint8_t *sig, size_t sig_size);
bool fwg_signature_lists_walk(const uint8_t *data, size_t size, fwg_signature_fn fn, void *ctx);

/* The event's digest in bank alg, or NULL. */
const uint8_t *fwg_event_digest(const struct fwg_event *ev, uint16_t alg);

/* EFI global and image-security-database variable GUIDs. */
extern const uint8_t fwg_efi_global_variable_guid[16];
extern const uint8_t fwg_efi_image_security_database_guid[16];

#endif
