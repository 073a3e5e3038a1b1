/*
 * config.c - the config engine: accounts, credentials, keys, certificates,
 * services and tokens in the files of the image's filesystems (see
 * config.h for the split, docs/findings.md for the rules).
 *
 * One pre-order walk over the finished tree: every file node with bytes
 * goes to each check (which picks files by path and content kind), every
 * symlink to the systemd enablement check, every OpenBMC update package to
 * the signing-key check.  Cross-file results (overlay accounts, one key in
 * several files) are reported after the walk.
 *
 * Invariants: only node->data/node->size are read (nodes restored from the
 * cache have no bytes and are skipped); the walk is bounded by the tree's
 * depth, which the unpacker caps.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"

bool cfg_fs_writable(const struct fwg_node *fs)
{
	if (!fs)
		return false;
	if (fs->type == FWG_TYPE_JFFS2 || fs->type == FWG_TYPE_UBIFS)
		return true;
	/* MegaRAC: the conf/params module holds the writable configuration. */
	for (const struct fwg_node *n = fs; n; n = n->parent) {
		if (n->type != FWG_TYPE_FMH_MODULE || !n->name)
			continue;
		return strcmp(n->name, "conf") == 0 || strcmp(n->name, "params") == 0 ||
			strcmp(n->name, "bkupconf") == 0;
	}
	return false;
}

const char *cfg_logical_path(const struct fwg_node *file)
{
	const char *path = fwg_node_fs_path(file);
	if (!path)
		return NULL;
	if (!cfg_fs_writable(fwg_node_filesystem(file)))
		return path;
	/* Overlay upper directories: OpenBMC's obmc-init mounts the rwfs at
	 * /run/initramfs/rw and uses its cow/ as the overlay's upperdir. */
	static const char *const uppers[] = { "/cow/", "/.overlay/", "/upper/" };
	for (size_t i = 0; i < sizeof(uppers) / sizeof(uppers[0]); i++) {
		size_t n = strlen(uppers[i]);
		if (strncmp(path, uppers[i], n) == 0)
			return path + n - 1;
	}
	return path;
}

bool cfg_is_text_kind(const struct fwg_node *file)
{
	const char *k = file->fs ? file->fs->kind : "";
	return strcmp(k, "text") == 0 || strcmp(k, "config") == 0 ||
		strncmp(k, "script:", 7) == 0;
}

void cfg_check_file(struct cfg *c, const struct fwg_node *file, const char *path)
{
	if (!file->data || file->size == 0)
		return;
	cfg_accounts_file(c, file, path);
	cfg_keys_file(c, file, path);
	if (!cfg_is_text_kind(file) || file->size > CFG_MAX_FILE)
		return;
	cfg_services_file(c, file, path);
	cfg_creds_file(c, file, path);
	cfg_tokens_file(c, file, path);
}

static void visit(struct cfg *c, const struct fwg_node *n)
{
	if (c->a->alloc_failed)
		return;
	if (n->type == FWG_TYPE_OPENBMC_UPDATE)
		cfg_keys_update_package(c, n);
	if (n->fs) {
		const char *path = cfg_logical_path(n);
		if (path && n->type == FWG_TYPE_FILE)
			cfg_check_file(c, n, path);
		else if (path && n->type == FWG_TYPE_SYMLINK)
			cfg_services_link(c, n, path);
	}
	for (size_t i = 0; i < n->child_count; i++)
		visit(c, n->children[i]);
}

bool cfg_init(struct cfg *c, struct fwg_analysis *a)
{
	memset(c, 0, sizeof(*c));
	c->a = a;
	c->now = a->options && a->options->now ? a->options->now : (int64_t)time(NULL);
	return cfg_rules_load(a, &c->rules);
}

void cfg_finish(struct cfg *c)
{
	cfg_accounts_finish(c);
	cfg_keys_finish(c);
}

void cfg_free(struct cfg *c)
{
	cfg_accounts_free(c);
	cfg_keys_free(c);
	cfg_rules_free(&c->rules);
}

static enum fwg_status run(struct fwg_analysis *a)
{
	struct cfg c;
	if (!cfg_init(&c, a)) {
		cfg_free(&c);
		return FWG_IO;
	}
	const struct fwg_node *root = a->image ? fwg_image_root(a->image) : NULL;
	if (root)
		visit(&c, root);
	cfg_finish(&c);
	cfg_free(&c);
	return FWG_OK;
}

const struct fwg_engine fwg_engine_config = {
	.name = "config",
	.description = "accounts, credentials, keys, certificates, services",
	.run = run,
};
