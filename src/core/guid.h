/*
 * guid.h - EFI GUIDs: text form, comparison and well-known names.
 *
 * An EFI_GUID is stored as {u32 le, u16 le, u16 le, u8[8]}; its text form is
 * the lowercase 8-4-4-4-12 string used everywhere in fwguard's output.
 */
#ifndef FWG_CORE_GUID_H
#define FWG_CORE_GUID_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define FWG_GUID_TEXT_LEN 37 /* 36 characters and the NUL */

void fwg_guid_format(const uint8_t guid[16], char out[FWG_GUID_TEXT_LEN]);
/* Parses the 8-4-4-4-12 form (either case). */
bool fwg_guid_parse(const char *text, uint8_t out[16]);
/* Well-known name from data/guids.csv, or NULL. */
const char *fwg_guid_name(const uint8_t guid[16]);

static inline bool fwg_guid_eq(const uint8_t a[16], const uint8_t b[16])
{
	return memcmp(a, b, 16) == 0;
}

/* Compile-time GUID constant in EFI byte order. */
#define FWG_GUID_INIT(a, b, c, d0, d1, d2, d3, d4, d5, d6, d7)                          \
	{ (uint8_t)(a), (uint8_t)((a) >> 8), (uint8_t)((a) >> 16), (uint8_t)((a) >> 24), \
		(uint8_t)(b), (uint8_t)((b) >> 8), (uint8_t)(c), (uint8_t)((c) >> 8),    \
		d0, d1, d2, d3, d4, d5, d6, d7 }

#endif
