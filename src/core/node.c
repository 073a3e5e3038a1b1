/*
 * node.c - component tree nodes: creation, attributes, diagnostics, walking.
 * See node.h for the layout and invariants.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node.h"

struct fwg_node *fwg_node_new(const char *type)
{
	struct fwg_node *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->type = type;
	n->abs_offset = FWG_NO_ABS_OFFSET;
	return n;
}

const char fwg_type_image[] = "image";
const char fwg_type_ifd[] = "ifd";
const char fwg_type_region[] = "region";
const char fwg_type_fv[] = "fv";
const char fwg_type_ffs[] = "ffs";
const char fwg_type_section[] = "section";
const char fwg_type_free_space[] = "free_space";
const char fwg_type_padding[] = "padding";
const char fwg_type_nvram_store[] = "nvram_store";
const char fwg_type_nvram_var[] = "nvram_var";
const char fwg_type_ftw_block[] = "ftw_block";
const char fwg_type_signature_list[] = "signature_list";
const char fwg_type_certificate[] = "certificate";
const char fwg_type_signature_hash[] = "signature_hash";
const char fwg_type_capsule[] = "capsule";
const char fwg_type_fmp_image[] = "fmp_image";
const char fwg_type_pe32[] = "pe32";
const char fwg_type_te[] = "te";
const char fwg_type_option_rom[] = "option_rom";
const char fwg_type_raw[] = "raw";
const char fwg_type_partition[] = "partition";
const char fwg_type_dir[] = "dir";
const char fwg_type_file[] = "file";
const char fwg_type_symlink[] = "symlink";
const char fwg_type_device[] = "device";
const char fwg_type_uimage[] = "uimage";
const char fwg_type_fit[] = "fit";
const char fwg_type_fit_image[] = "fit_image";
const char fwg_type_dtb[] = "dtb";
const char fwg_type_uboot_env[] = "uboot_env";
const char fwg_type_env_var[] = "env_var";
const char fwg_type_openbmc_flash[] = "openbmc_flash";
const char fwg_type_openbmc_update[] = "openbmc_update";
const char fwg_type_megarac_flash[] = "megarac_flash";
const char fwg_type_fmh_module[] = "fmh_module";
const char fwg_type_aten_flash[] = "aten_flash";
const char fwg_type_squashfs[] = "squashfs";
const char fwg_type_cramfs[] = "cramfs";
const char fwg_type_jffs2[] = "jffs2";
const char fwg_type_ubi[] = "ubi";
const char fwg_type_ubi_volume[] = "ubi_volume";
const char fwg_type_ubifs[] = "ubifs";
const char fwg_type_cpio[] = "cpio";
const char fwg_type_tar[] = "tar";
const char fwg_type_gzip[] = "gzip";
const char fwg_type_xz[] = "xz";
const char fwg_type_lzma[] = "lzma";
const char fwg_type_zstd[] = "zstd";
const char fwg_type_lz4[] = "lz4";
const char fwg_type_bzip2[] = "bzip2";
const char fwg_type_lzo[] = "lzo";
const char fwg_type_elf[] = "elf";

static const char *const vocabulary[] = {
	FWG_TYPE_IMAGE, FWG_TYPE_IFD, FWG_TYPE_REGION, FWG_TYPE_FV, FWG_TYPE_FFS,
	FWG_TYPE_SECTION, FWG_TYPE_FREE_SPACE, FWG_TYPE_PADDING, FWG_TYPE_NVRAM_STORE,
	FWG_TYPE_NVRAM_VAR, FWG_TYPE_FTW, FWG_TYPE_SIGLIST, FWG_TYPE_CERT,
	FWG_TYPE_HASH_ENTRY, FWG_TYPE_CAPSULE, FWG_TYPE_FMP_IMAGE, FWG_TYPE_PE32,
	FWG_TYPE_TE, FWG_TYPE_OPTION_ROM, FWG_TYPE_RAW,
	FWG_TYPE_PARTITION, FWG_TYPE_DIR, FWG_TYPE_FILE, FWG_TYPE_SYMLINK,
	FWG_TYPE_DEVICE, FWG_TYPE_UIMAGE, FWG_TYPE_FIT, FWG_TYPE_FIT_IMAGE,
	FWG_TYPE_DTB, FWG_TYPE_UBOOT_ENV, FWG_TYPE_ENV_VAR, FWG_TYPE_OPENBMC_FLASH,
	FWG_TYPE_OPENBMC_UPDATE, FWG_TYPE_MEGARAC_FLASH, FWG_TYPE_FMH_MODULE,
	FWG_TYPE_ATEN_FLASH, FWG_TYPE_SQUASHFS, FWG_TYPE_CRAMFS, FWG_TYPE_JFFS2,
	FWG_TYPE_UBI, FWG_TYPE_UBI_VOLUME, FWG_TYPE_UBIFS, FWG_TYPE_CPIO,
	FWG_TYPE_TAR, FWG_TYPE_GZIP, FWG_TYPE_XZ, FWG_TYPE_LZMA, FWG_TYPE_ZSTD,
	FWG_TYPE_LZ4, FWG_TYPE_BZIP2, FWG_TYPE_LZO, FWG_TYPE_ELF,
};

const char *fwg_type_intern(const char *text, size_t len)
{
	for (size_t i = 0; i < sizeof(vocabulary) / sizeof(vocabulary[0]); i++)
		if (strlen(vocabulary[i]) == len && memcmp(vocabulary[i], text, len) == 0)
			return vocabulary[i];
	return NULL;
}

void fwg_node_free(struct fwg_node *node)
{
	if (!node)
		return;
	/* Iterative over siblings' subtrees would need a stack; depth is
	 * bounded by limits.max_depth, so recursion is safe here. */
	for (size_t i = 0; i < node->child_count; i++)
		fwg_node_free(node->children[i]);
	free(node->children);
	for (size_t i = 0; i < node->attr_count; i++) {
		free(node->attrs[i].str);
		if (node->attrs[i].key_owned)
			free((char *)node->attrs[i].key);
	}
	free(node->attrs);
	for (size_t i = 0; i < node->diag_count; i++) {
		free(node->diags[i].message);
		if (node->diags[i].code_owned)
			free((char *)node->diags[i].code);
	}
	free(node->diags);
	for (size_t i = 0; i < 3; i++)
		free(node->hex_cache[i]);
	free(node->owned);
	if (node->fs) {
		free(node->fs->path);
		free(node->fs->link_target);
		free(node->fs);
	}
	free(node->name);
	free(node->path);
	free(node);
}

/* Grows *arr to hold at least need elements of elem bytes. */
static enum fwg_status grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return FWG_OK;
	size_t ncap = *cap ? *cap : 4;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return FWG_NOMEM;
		ncap *= 2;
	}
	size_t bytes;
	if (__builtin_mul_overflow(ncap, elem, &bytes))
		return FWG_NOMEM;
	void *p = realloc(*arr, bytes);
	if (!p)
		return FWG_NOMEM;
	*arr = p;
	*cap = ncap;
	return FWG_OK;
}

enum fwg_status fwg_node_append(struct fwg_node *parent, struct fwg_node *child)
{
	if (grow((void **)&parent->children, &parent->child_cap, parent->child_count + 1,
			sizeof(*parent->children)) != FWG_OK) {
		fwg_node_free(child);
		return FWG_NOMEM;
	}
	child->parent = parent;
	child->depth = parent->depth + 1;
	parent->children[parent->child_count++] = child;
	return FWG_OK;
}

void fwg_node_set_name_len(struct fwg_node *node, const char *name, size_t len)
{
	char *copy = strndup(name, len);
	if (!copy) {
		node->alloc_failed = true;
		return;
	}
	free(node->name);
	node->name = copy;
}

void fwg_node_set_name(struct fwg_node *node, const char *name)
{
	fwg_node_set_name_len(node, name, strlen(name));
}

void fwg_node_set_guid(struct fwg_node *node, const uint8_t guid[16])
{
	memcpy(node->guid, guid, 16);
	node->has_guid = true;
}

static struct fwg_attr *attr_slot(struct fwg_node *node, const char *key)
{
	for (size_t i = 0; i < node->attr_count; i++) {
		if (strcmp(node->attrs[i].key, key) == 0) {
			free(node->attrs[i].str);
			node->attrs[i].str = NULL;
			return &node->attrs[i];
		}
	}
	if (grow((void **)&node->attrs, &node->attr_cap, node->attr_count + 1,
			sizeof(*node->attrs)) != FWG_OK)
		return NULL;
	struct fwg_attr *a = &node->attrs[node->attr_count++];
	memset(a, 0, sizeof(*a));
	a->key = key;
	return a;
}

/* Stores text (taking ownership) as a string attribute. */
static void attr_take_str(struct fwg_node *node, const char *key, char *text)
{
	struct fwg_attr *a = text ? attr_slot(node, key) : NULL;
	if (!a) {
		free(text);
		node->alloc_failed = true;
		return;
	}
	a->kind = FWG_ATTR_STR;
	a->str = text;
}

void fwg_node_attr_str(struct fwg_node *node, const char *key, const char *value)
{
	attr_take_str(node, key, strdup(value ? value : ""));
}

void fwg_node_attr_strf(struct fwg_node *node, const char *key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *text = NULL;
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	attr_take_str(node, key, text);
}

static void attr_num(struct fwg_node *node, const char *key, enum fwg_attr_kind kind,
		uint64_t value)
{
	struct fwg_attr *a = attr_slot(node, key);
	if (!a) {
		node->alloc_failed = true;
		return;
	}
	a->kind = kind;
	a->num = value;
}

void fwg_node_attr_int(struct fwg_node *node, const char *key, uint64_t value)
{
	attr_num(node, key, FWG_ATTR_INT, value);
}

void fwg_node_attr_hex(struct fwg_node *node, const char *key, uint64_t value)
{
	attr_num(node, key, FWG_ATTR_HEX, value);
}

void fwg_node_attr_bool(struct fwg_node *node, const char *key, bool value)
{
	attr_num(node, key, FWG_ATTR_BOOL, value ? 1 : 0);
}

const struct fwg_attr *fwg_node_attr_find(const struct fwg_node *node, const char *key)
{
	for (size_t i = 0; i < node->attr_count; i++)
		if (strcmp(node->attrs[i].key, key) == 0)
			return &node->attrs[i];
	return NULL;
}

void fwg_node_vdiag(struct fwg_node *node, enum fwg_severity sev,
		const char *code, uint64_t offset, const char *fmt, va_list ap)
{
	char *text = NULL;
	if (vasprintf(&text, fmt, ap) < 0 ||
			grow((void **)&node->diags, &node->diag_cap, node->diag_count + 1,
				sizeof(*node->diags)) != FWG_OK) {
		free(text);
		node->alloc_failed = true;
		return;
	}
	struct fwg_diag *d = &node->diags[node->diag_count++];
	memset(d, 0, sizeof(*d));
	d->severity = sev;
	d->code = code;
	d->offset = offset;
	d->message = text;
}

void fwg_node_diag(struct fwg_node *node, enum fwg_severity sev,
		const char *code, uint64_t offset, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fwg_node_vdiag(node, sev, code, offset, fmt, ap);
	va_end(ap);
}

bool fwg_node_walk(struct fwg_node *node, fwg_node_visit_fn fn, void *user)
{
	if (!fn(node, user))
		return false;
	for (size_t i = 0; i < node->child_count; i++)
		if (!fwg_node_walk(node->children[i], fn, user))
			return false;
	return true;
}
