/*
 * guid_table.h - the generated table of well-known GUID names.
 * Source of truth: data/guids.csv; rows are sorted by their 16 raw bytes.
 */
#ifndef FWG_CORE_GUID_TABLE_H
#define FWG_CORE_GUID_TABLE_H

#include <stddef.h>
#include <stdint.h>

struct fwg_guid_entry {
	uint8_t guid[16];
	const char *name;
};

extern const struct fwg_guid_entry fwg_guid_table[];
extern const size_t fwg_guid_table_len;

#endif
