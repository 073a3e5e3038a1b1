/*
 * fdt_partitions.h - the flash layout a device tree declares: the
 * partitions of every `compatible = "fixed-partitions"` node (Linux
 * Documentation/devicetree/bindings/mtd/partitions/fixed-partitions.yaml),
 * e.g. OpenBMC's
 *
 *   flash@0 { partitions { compatible = "fixed-partitions";
 *       #address-cells = <1>; #size-cells = <1>;
 *       u-boot@0 { reg = <0x0 0x60000>; label = "u-boot"; }; ... }; };
 *
 * For handlers that lay out a flash image from its own device tree (the
 * OpenBMC static layout).  Implemented in fit.c beside the DTB handler,
 * which reports the same list as attributes.
 */
#ifndef FWG_HANDLERS_UBOOT_FDT_PARTITIONS_H
#define FWG_HANDLERS_UBOOT_FDT_PARTITIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fwguard/fwguard.h"

#define FWG_FDT_NAME_MAX 64

struct fwg_fdt_partition {
	char label[FWG_FDT_NAME_MAX]; /* `label`, else the node name before '@' */
	char node[FWG_FDT_NAME_MAX];  /* node name, e.g. "u-boot@0" */
	char flash[FWG_FDT_NAME_MAX]; /* parent of the partitions node, e.g. "flash@0" */
	unsigned group;               /* which fixed-partitions node, in tree order from 0 */
	uint64_t offset;              /* reg address, relative to the flash start */
	uint64_t size;                /* reg size */
	bool read_only;               /* `read-only` present */
};

/*
 * Lists the partitions of the device tree blob [dtb, dtb+size) (any
 * alignment; the blob is checked with fdt_check_full first, never trusted).
 * Writes at most max entries to out and their number to *count, in tree
 * order.  Partitions whose reg is malformed are skipped.  Returns
 * FWG_MALFORMED when the blob is not a valid device tree (or totalsize
 * exceeds size), FWG_NOMEM, else FWG_OK (also when there are none).
 */
FWG_NODISCARD enum fwg_status fwg_fdt_partitions(const uint8_t *dtb, size_t size,
		struct fwg_fdt_partition *out, size_t max, size_t *count);

#endif
