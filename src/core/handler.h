/*
 * handler.h - the format handler interface and the unpacking services the
 * core offers to handlers.
 *
 * A handler is a const descriptor.  `probe` looks at a body window and
 * returns a confidence 0..100 (0 = not mine); it must be cheap, read-only
 * and allocation-free.  `parse` turns the node's body into children with
 * fwg_unpack_add_child() and records what it learned as attributes and
 * diagnostics; it never prints and never aborts on bad input: a malformed
 * structure becomes a diagnostic and parsing continues with what is left.
 * It returns FWG_OK unless the whole unpacking must stop (FWG_NOMEM).
 *
 * After parse, the core recurses into each child: with the handler the
 * parent chose for it, or by probing the registry when it chose none.
 */
#ifndef FWG_CORE_HANDLER_H
#define FWG_CORE_HANDLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cursor.h"
#include "node.h"

struct fwg_unpack;

enum fwg_handler_flags {
	/* The node's body is an expensive pure function of its raw bytes
	 * (decompression): its parsed subtree may be served from the
	 * content-addressed cache keyed by the raw bytes' SHA-256. */
	FWG_HANDLER_CACHEABLE = 1u << 0,
	/* Probe only at the top of the image and inside opaque regions. */
	FWG_HANDLER_PROBE_TOP_ONLY = 1u << 1,
};

/* A magic number a format carries at a fixed offset from its start; the
 * carver (carve.c) finds formats at any offset of unclaimed bytes by these. */
struct fwg_magic {
	const char *bytes;
	uint8_t len;          /* 0 terminates a list */
	uint16_t offset;      /* of the magic from the start of the format */
};

/* Probe confidence the carver requires at a magic hit: more than a magic,
 * e.g. a verified header checksum or consistent structure. */
#define FWG_CARVE_MIN_CONFIDENCE 50

struct fwg_handler {
	const char *name;
	const char *description;
	/* Type of the node this handler parses (FWG_TYPE_*).  When the
	 * registry picks the handler by probing a node of another type (the
	 * whole image, a region, a raw section body), the core first creates
	 * a child of this type over the whole body.  NULL: parse in place. */
	const char *node_type;
	unsigned flags;
	int (*probe)(const struct fwg_cursor *body);
	enum fwg_status (*parse)(struct fwg_unpack *u, struct fwg_node *node);
	/* Carving support, optional.  magics: list ended by len 0; the carver
	 * calls probe on the window starting at each hit.  extent: how many
	 * bytes the format occupies from the window's start as its own
	 * headers declare (0 = unknown, the carver then gives it the bytes up
	 * to the next hit). */
	const struct fwg_magic *magics;
	uint64_t (*extent)(const struct fwg_cursor *body);
};

/* Body of a node as a cursor. */
static inline struct fwg_cursor fwg_node_body(const struct fwg_node *node)
{
	return fwg_cursor_make(node->body, node->body_size);
}

/*
 * Creates a child of TYPE over [offset, offset+size) of parent's body and
 * appends it.  handler: how to parse its body (NULL = probe the registry;
 * use fwg_handler_leaf for components that must not be probed).  On
 * FWG_LIMIT a diagnostic is already recorded on parent and the handler
 * should stop adding children; FWG_TRUNCATED means the window was out of
 * bounds (the handler should report it in its own words).
 */
FWG_NODISCARD enum fwg_status fwg_unpack_add_child(struct fwg_unpack *u, struct fwg_node *parent,
		const char *type, size_t offset, size_t size, const struct fwg_handler *handler,
		struct fwg_node **child_out);

/*
 * Reserves a decode buffer of decoded_size bytes for node, checking the
 * per-call, total and ratio budgets against encoded_size.  The buffer
 * becomes the node's body (node->owned) once the handler calls
 * fwg_unpack_commit_decoded() with the number of bytes produced.  On
 * FWG_LIMIT a diagnostic is recorded on the node.
 */
FWG_NODISCARD enum fwg_status fwg_unpack_reserve_decoded(struct fwg_unpack *u, struct fwg_node *node,
		size_t encoded_size, size_t decoded_size, uint8_t **buf_out);
void fwg_unpack_commit_decoded(struct fwg_node *node, size_t produced);
/* Like fwg_unpack_commit_decoded for a component whose bytes exist only as
 * that buffer (a UBI volume reassembled from scattered LEBs, a file decoded
 * from a filesystem): the buffer becomes its raw bytes as well as its body,
 * so its size and hashes are those of the content; no absolute offset. */
void fwg_unpack_commit_owned(struct fwg_node *node, size_t produced);
/* Makes node's body a sub-window of its raw bytes (e.g. after a header). */
FWG_NODISCARD enum fwg_status fwg_unpack_set_body(struct fwg_node *node, size_t offset, size_t size);

/*
 * Probes [offset, offset+size) of parent's body and, if some handler claims
 * it, adds a child of that handler's type over the window.  *child_out is
 * NULL when nothing matched (not an error).
 */
FWG_NODISCARD enum fwg_status fwg_unpack_probe_child(struct fwg_unpack *u, struct fwg_node *parent,
		size_t offset, size_t size, struct fwg_node **child_out);

/* Best handler for a window, or NULL.  top: include PROBE_TOP_ONLY ones. */
const struct fwg_handler *fwg_unpack_probe(const struct fwg_cursor *body, bool top);

/* Handler that keeps a component opaque: never probed, never parsed. */
extern const struct fwg_handler fwg_handler_leaf;
/* Finds known formats at any offset of a window nothing else claimed (a
 * flash partition of unknown layout, a vendor wrapper) and adds a child
 * for each hit, resolving overlaps.  Pass it to fwg_unpack_add_child. */
extern const struct fwg_handler fwg_handler_carve;

/* The options (limits) of this unpacking. */
const struct fwg_options *fwg_unpack_options(const struct fwg_unpack *u);

/* Shorthand for diagnostics from handlers. */
#define FWG_WARN(node, code, off, ...) \
	fwg_node_diag((node), FWG_SEV_WARNING, (code), (off), __VA_ARGS__)
#define FWG_ERR(node, code, off, ...) \
	fwg_node_diag((node), FWG_SEV_ERROR, (code), (off), __VA_ARGS__)
#define FWG_INFO(node, code, off, ...) \
	fwg_node_diag((node), FWG_SEV_INFO, (code), (off), __VA_ARGS__)

#endif
