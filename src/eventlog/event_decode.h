/*
 * event_decode.h - turns the data of one TCG event into named fields, as a
 * jansson object that `eventlog show` prints as JSON or renders as text.
 *
 * Every decoded object has "kind" (what structure the data was read as:
 * "uefi_variable", "uefi_image_load", "string", "separator", ...) and the
 * fields of that structure; a structure that does not fit its data adds
 * "error" (a message with the log offset where decoding stopped) and keeps
 * what was decoded before it.  Nothing here trusts a length: every read
 * goes through a cursor over the event's own data.
 *
 * The decoders are split by subject: event_decode.c (dispatch and the
 * small fixed structures), event_decode_var.c (UEFI variables, boot
 * options), event_decode_siglist.c (signature lists and certificates),
 * event_decode_noaction.c (EV_NO_ACTION spec events).
 */
#ifndef FWG_EVENTLOG_EVENT_DECODE_H
#define FWG_EVENTLOG_EVENT_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "../core/cursor.h"
#include "evlog_internal.h"

/* The decoded fields of ev's data (a new object; NULL only when out of
 * memory).  log gives the offsets that messages cite. */
json_t *fwg_event_decode(const struct fwg_evlog *log, const struct fwg_event *ev);

/* ---- shared by the decoders ---------------------------------------------- */

/* One event's data with the log offset of its first byte, for messages. */
struct fwg_decode_ctx {
	struct fwg_cursor c;
	size_t base;
};

/* Sets "error" (the first one wins) to the message, naming the log offset
 * base + off. */
void fwg_decode_error(json_t *obj, const struct fwg_decode_ctx *d, size_t off, const char *what);

/* Lowercase hex of len bytes at off of c (empty when out of range). */
json_t *fwg_decode_hex(const struct fwg_cursor *c, size_t off, size_t len);
/* key = GUID text, and key + "_name" = its well-known name when known. */
void fwg_decode_set_guid(json_t *obj, const char *key, const uint8_t guid[16]);
/* A u64 as a JSON integer, or as a "0x..." string above INT64_MAX. */
json_t *fwg_decode_u64(uint64_t v);
/* A u64 address or length as a "0x..." string. */
json_t *fwg_decode_addr(uint64_t v);

/* len bytes of 8-bit text at off, up to the first NUL, exactly as written
 * (tabs, newlines and leading blanks kept); invalid UTF-8 is escaped as
 * \xNN.  *nul_at is the NUL's offset or off + len. */
json_t *fwg_decode_string8(const struct fwg_cursor *c, size_t off, size_t len, size_t *nul_at);
/* units UCS-2LE code units at off up to the first NUL, as UTF-8 (UTF-16
 * surrogate pairs joined, unpaired ones as U+FFFD). */
json_t *fwg_decode_string16(const struct fwg_cursor *c, size_t off, size_t units);
/* True when [off, off+len) is printable 8-bit text (tabs and newlines
 * allowed) with at most trailing NULs, and at least one character. */
bool fwg_decode_is_text8(const struct fwg_cursor *c, size_t off, size_t len);
/* True when [off, off+len) is UCS-2LE text of ASCII-range characters with
 * at most trailing NULs (len even; may be empty text: a lone NUL). */
bool fwg_decode_is_text16(const struct fwg_cursor *c, size_t off, size_t len);

/* EV_EFI_VARIABLE_* (event_decode_var.c). */
void fwg_decode_variable(json_t *obj, const struct fwg_decode_ctx *d, const struct fwg_event *ev);
/* A UEFI device path: "device_path" text (and the raw size). */
void fwg_decode_set_device_path(json_t *obj, const struct fwg_cursor *c, size_t off, size_t len);

/* True when [off, off+len) is exactly a sequence of well-formed
 * EFI_SIGNATURE_LIST headers (no allocation). */
bool fwg_decode_signature_lists_fit(const struct fwg_cursor *c, size_t off, size_t len);
/* EFI_SIGNATURE_LISTs filling exactly [off, off+len) into "signature_lists"
 * (event_decode_siglist.c); false (with "error") when they do not. */
bool fwg_decode_signature_lists(json_t *obj, const struct fwg_decode_ctx *d, size_t off,
		size_t len);
/* One EFI_SIGNATURE_DATA (owner GUID + X.509 DER) into "signature". */
bool fwg_decode_signature_data(json_t *obj, const struct fwg_decode_ctx *d, size_t off,
		size_t len);

/* A bare DER X.509 certificate at [off, off+len) into "certificate". */
bool fwg_decode_certificate(json_t *obj, const struct fwg_decode_ctx *d, size_t off, size_t len);

/* EV_NO_ACTION (event_decode_noaction.c). */
void fwg_decode_no_action(json_t *obj, const struct fwg_decode_ctx *d);

#endif
