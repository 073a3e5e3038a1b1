/*
 * registry.h - every format handler the library knows.  Each handler file
 * exports exactly one `const struct fwg_handler fwg_handler_<fmt>`.
 */
#ifndef FWG_CORE_REGISTRY_H
#define FWG_CORE_REGISTRY_H

#include "handler.h"

/* Probed at the top of images and regions (see registry.c for order). */
extern const struct fwg_handler fwg_handler_capsule;
extern const struct fwg_handler fwg_handler_fv;
extern const struct fwg_handler fwg_handler_ifd;
extern const struct fwg_handler fwg_handler_option_rom;
extern const struct fwg_handler fwg_handler_pe;
extern const struct fwg_handler fwg_handler_te;
extern const struct fwg_handler fwg_handler_flash_area;
/* Reached only from their containers. */
extern const struct fwg_handler fwg_handler_ffs;
extern const struct fwg_handler fwg_handler_section;
extern const struct fwg_handler fwg_handler_section_decode;
extern const struct fwg_handler fwg_handler_nvram;
extern const struct fwg_handler fwg_handler_siglist;

#endif
