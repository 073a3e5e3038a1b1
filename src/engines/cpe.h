/*
 * cpe.h - CPE names: parsing the 2.3 formatted string binding (NISTIR 7695
 * section 6.2) and the 2.2 URI binding, and matching attribute values.
 *
 *   cpe:2.3:part:vendor:product:version:update:edition:language:
 *           sw_edition:target_sw:target_hw:other
 *   cpe:/part:vendor:product:version:update:edition:language
 *
 * Values are kept in their bound form minus the escaping backslashes
 * ("1.0\.1" -> "1.0.1"); "*" is ANY and "-" is NA.  Matching is exact
 * without case, or ANY; embedded wildcards ("1.0*") are not interpreted.
 */
#ifndef FWG_ENGINES_CPE_H
#define FWG_ENGINES_CPE_H

#include <stdbool.h>

#define FWG_CPE_FIELD_MAX 128
#define FWG_CPE_FIELDS 11

enum fwg_cpe_field {
	FWG_CPE_PART, FWG_CPE_VENDOR, FWG_CPE_PRODUCT, FWG_CPE_VERSION, FWG_CPE_UPDATE,
	FWG_CPE_EDITION, FWG_CPE_LANGUAGE, FWG_CPE_SW_EDITION, FWG_CPE_TARGET_SW,
	FWG_CPE_TARGET_HW, FWG_CPE_OTHER,
};

struct fwg_cpe {
	char f[FWG_CPE_FIELDS][FWG_CPE_FIELD_MAX]; /* lower case, unescaped */
};

/* Parses s; false when it is not a CPE name or a value is too long.
 * Missing trailing fields are ANY. */
bool fwg_cpe_parse(const char *s, struct fwg_cpe *out);

/* ANY ("*" or empty) or NA ("-"). */
bool fwg_cpe_is_any(const char *value);
bool fwg_cpe_is_na(const char *value);

/* A pattern value matches a value: ANY matches everything, otherwise the
 * two are equal ignoring case. */
bool fwg_cpe_value_match(const char *pattern, const char *value);

#endif
