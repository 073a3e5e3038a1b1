/*
 * registry.h - every format handler the library knows.  Each handler file
 * exports exactly one `const struct fwg_handler fwg_handler_<fmt>`.
 */
#ifndef FWG_CORE_REGISTRY_H
#define FWG_CORE_REGISTRY_H

#include "handler.h"

/* Every handler that probing considers, in probing order. */
extern const struct fwg_handler *const fwg_registry[];
extern const size_t fwg_registry_count;

/* Probed at the top of images and regions (see registry.c for order). */
extern const struct fwg_handler fwg_handler_capsule;
extern const struct fwg_handler fwg_handler_fv;
extern const struct fwg_handler fwg_handler_ifd;
extern const struct fwg_handler fwg_handler_option_rom;
extern const struct fwg_handler fwg_handler_pe;
extern const struct fwg_handler fwg_handler_te;
extern const struct fwg_handler fwg_handler_flash_area;
/* BMC flash layouts, U-Boot, filesystems, archives, compressed streams,
 * executables (issue 3); also found by the carver through their magics. */
extern const struct fwg_handler fwg_handler_openbmc_flash;
extern const struct fwg_handler fwg_handler_megarac_flash;
extern const struct fwg_handler fwg_handler_aten_flash;
extern const struct fwg_handler fwg_handler_uimage;
extern const struct fwg_handler fwg_handler_fit;
extern const struct fwg_handler fwg_handler_dtb;
extern const struct fwg_handler fwg_handler_uboot_env;
extern const struct fwg_handler fwg_handler_squashfs;
extern const struct fwg_handler fwg_handler_cramfs;
extern const struct fwg_handler fwg_handler_jffs2;
extern const struct fwg_handler fwg_handler_ubi;
extern const struct fwg_handler fwg_handler_ubifs;
extern const struct fwg_handler fwg_handler_openbmc_update;
extern const struct fwg_handler fwg_handler_cpio;
extern const struct fwg_handler fwg_handler_tar;
extern const struct fwg_handler fwg_handler_gzip;
extern const struct fwg_handler fwg_handler_xz;
extern const struct fwg_handler fwg_handler_lzma;
extern const struct fwg_handler fwg_handler_zstd;
extern const struct fwg_handler fwg_handler_lz4;
extern const struct fwg_handler fwg_handler_bzip2;
extern const struct fwg_handler fwg_handler_lzo;
extern const struct fwg_handler fwg_handler_elf;
/* Reached only from their containers. */
extern const struct fwg_handler fwg_handler_ffs;
extern const struct fwg_handler fwg_handler_section;
extern const struct fwg_handler fwg_handler_section_decode;
extern const struct fwg_handler fwg_handler_nvram;
extern const struct fwg_handler fwg_handler_siglist;

#endif
