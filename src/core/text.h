/*
 * text.h - turning untrusted character data into safe UTF-8 strings.
 */
#ifndef FWG_CORE_TEXT_H
#define FWG_CORE_TEXT_H

#include "cursor.h"

/*
 * Decodes a NUL-terminated UCS-2LE string starting at off, reading at most
 * max_bytes bytes.  Non-printable and unpaired surrogate code units become
 * '?'.  *out is a new heap string; *consumed is the number of input bytes
 * including the terminator (or up to the window end when there is none, in
 * which case *terminated is false).
 */
FWG_NODISCARD enum fwg_status fwg_text_ucs2(const struct fwg_cursor *c, size_t off, size_t max_bytes,
		char **out, size_t *consumed, bool *terminated);
/* Printable ASCII copy of at most len bytes up to the first NUL. */
FWG_NODISCARD enum fwg_status fwg_text_ascii(const struct fwg_cursor *c, size_t off, size_t len, char **out);

/*
 * Copy of [bytes, bytes+len) as a safe UTF-8 string: well-formed UTF-8 is
 * kept, control characters, DEL, backslash and malformed bytes become
 * "\xNN".  Used for names from filesystems, which may hold any byte but
 * '/' and NUL.  NULL on allocation failure.
 */
char *fwg_text_escape_name(const char *bytes, size_t len);

/* fwg_hex_encode, fwg_hex_decode and fwg_hex_decode_n are public
 * (fwguard/fwguard.h). */

#endif
