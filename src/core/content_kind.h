/*
 * content_kind.h - what a file inside a filesystem holds, in one word the
 * engines can match on: "elf:arm", "script:sh", "certificate",
 * "private_key", "public_key", "config", "text", "empty" or "data".
 */
#ifndef FWG_CORE_CONTENT_KIND_H
#define FWG_CORE_CONTENT_KIND_H

#include <stddef.h>
#include <stdint.h>

/* Writes the kind of [data, data+size) (fs_path may be NULL) into out. */
void fwg_content_kind(const uint8_t *data, size_t size, const char *fs_path, char *out,
		size_t out_size);

#endif
