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

const struct fwg_handler *const fwg_registry[] = {
	&fwg_handler_capsule,
	&fwg_handler_fv,
	&fwg_handler_nvram,
	&fwg_handler_ifd,
	&fwg_handler_option_rom,
	&fwg_handler_pe,
	&fwg_handler_te,
	&fwg_handler_flash_area,
	&fwg_handler_openbmc_flash,
	&fwg_handler_megarac_flash,
	&fwg_handler_aten_flash,
	&fwg_handler_uimage,
	&fwg_handler_fit,
	&fwg_handler_dtb,
	&fwg_handler_uboot_env,
	&fwg_handler_squashfs,
	&fwg_handler_cramfs,
	&fwg_handler_jffs2,
	&fwg_handler_ubi,
	&fwg_handler_ubifs,
	&fwg_handler_openbmc_update,
	&fwg_handler_cpio,
	&fwg_handler_tar,
	&fwg_handler_gzip,
	&fwg_handler_xz,
	&fwg_handler_lzma,
	&fwg_handler_zstd,
	&fwg_handler_lz4,
	&fwg_handler_bzip2,
	&fwg_handler_lzo,
	&fwg_handler_elf,
	&fwg_handler_carve,
};

const size_t fwg_registry_count = sizeof(fwg_registry) / sizeof(fwg_registry[0]);

const struct fwg_handler *fwg_unpack_probe(const struct fwg_cursor *body, bool top)
{
	const struct fwg_handler *best = NULL;
	int best_score = 0;
	for (size_t i = 0; i < fwg_registry_count; i++) {
		const struct fwg_handler *h = fwg_registry[i];
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
