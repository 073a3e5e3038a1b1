/*
 * layout.h - what the BMC flash-layout handlers (openbmc_flash.c, fmh.c,
 * aten.c) share: how a region they cut out is handed on.
 *
 * A region the layout names (a partition, a module's data, an index
 * entry) is opened by whatever handler recognises its bytes; when none
 * does, it is carved for known formats at any offset (a boot loader with
 * an embedded EFI application, a vendor blob holding a filesystem).
 * Bytes between regions become `padding`: kept opaque when erased (all
 * 0xFF, or all 0x00 where the layout fills with zeros), carved otherwise.
 */
#ifndef FWG_HANDLERS_BMC_LAYOUT_H
#define FWG_HANDLERS_BMC_LAYOUT_H

#include "../../core/handler.h"
#include "../../core/registry.h"

/* NULL (let the core probe and wrap the format it finds) when some
 * handler claims the window, else the carver.  self: a handler that must
 * not claim it (a layout inside its own region), or NULL. */
static inline const struct fwg_handler *bmc_region_handler(const struct fwg_cursor *win,
		const struct fwg_handler *self)
{
	const struct fwg_handler *h = fwg_unpack_probe(win, false);
	return h && h != self ? NULL : &fwg_handler_carve;
}

/* Adds [off, end) of the parent's body as padding (nothing if empty). */
static inline enum fwg_status bmc_add_gap(struct fwg_unpack *u, struct fwg_node *parent,
		const struct fwg_cursor *body, size_t off, size_t end, bool zero_is_erased)
{
	if (end <= off)
		return FWG_OK;
	struct fwg_node *gap;
	bool erased = fwg_cursor_all_equal(body, off, end - off, 0xff) ||
		(zero_is_erased && fwg_cursor_all_equal(body, off, end - off, 0x00));
	enum fwg_status st = fwg_unpack_add_child(u, parent, FWG_TYPE_PADDING, off, end - off,
		erased ? &fwg_handler_leaf : &fwg_handler_carve, &gap);
	if (st == FWG_OK && !erased)
		fwg_node_attr_bool(gap, "non_erased", true);
	return st;
}

#endif
