/*
 * registry.c - the table of format handlers and probing.
 *
 * Handlers are listed cheapest probe first.  The best confidence wins; on a
 * tie the earlier (cheaper, more specific) handler wins.  Adding a format is
 * adding one line here and one file under src/handlers/.
 */
#include "handler.h"
#include "registry.h"

static enum fwg_status leaf_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	(void)u;
	(void)node;
	return FWG_OK;
}

const struct fwg_handler fwg_handler_leaf = {
	.name = "leaf",
	.description = "opaque component, kept with its hashes",
	.parse = leaf_parse,
};

static const struct fwg_handler *const registry[] = {
	&fwg_handler_capsule,
	&fwg_handler_fv,
	&fwg_handler_nvram,
	&fwg_handler_ifd,
	&fwg_handler_option_rom,
	&fwg_handler_pe,
	&fwg_handler_te,
	&fwg_handler_flash_area,
};

#define REGISTRY_COUNT (sizeof(registry) / sizeof(registry[0]))

const struct fwg_handler *fwg_unpack_probe(const struct fwg_cursor *body, bool top)
{
	const struct fwg_handler *best = NULL;
	int best_score = 0;
	for (size_t i = 0; i < REGISTRY_COUNT; i++) {
		const struct fwg_handler *h = registry[i];
		if (!h->probe || ((h->flags & FWG_HANDLER_PROBE_TOP_ONLY) && !top))
			continue;
		int score = h->probe(body);
		if (score > best_score) {
			best_score = score;
			best = h;
		}
	}
	return best;
}
