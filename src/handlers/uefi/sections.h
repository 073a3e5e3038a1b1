/*
 * sections.h - splitting a byte window into PI sections, shared by the FFS
 * file handler and the encapsulation sections (compression, GUID-defined,
 * disposable) whose bodies are themselves section sequences.
 */
#ifndef FWG_HANDLERS_UEFI_SECTIONS_H
#define FWG_HANDLERS_UEFI_SECTIONS_H

#include "../../core/handler.h"

/* Adds one `section` child per section found in [off, off+len) of the
 * parent's body (sections are 4-byte aligned relative to off). */
FWG_NODISCARD enum fwg_status fwg_uefi_split_sections(struct fwg_unpack *u, struct fwg_node *parent,
		size_t off, size_t len);

#endif
