/*
 * openbmc_flash.c - OpenBMC whole-flash images (the "image-bmc" an
 * OpenBMC build writes for the BMC's SPI NOR): the static MTD layout and
 * the UBI layout, split into their partitions.
 *
 * Static layout (openbmc-flash-layout*.dtsi in OpenBMC's kernel tree; the
 * image is 0xFF where nothing was written):
 *
 *   part          32 MiB      64 MiB      128 MiB
 *   u-boot        0           0           0
 *   u-boot-env    0x060000    0x0e0000    0x0e0000
 *   kernel (FIT)  0x080000    0x100000    0x100000
 *   rofs          0x4c0000    0xa00000    0xa00000   (squashfs-xz)
 *   rwfs          0x1c00000   0x2a00000   0x6000000  (jffs2)
 *
 * Each partition runs to the next one, the last to the end of the image.
 * UBI layout: u-boot and u-boot-env as above, then one UBI partition
 * (ubinize -p 64KiB) from the kernel offset to the end holding the kernel,
 * rofs and rwfs volumes.
 *
 * Where the image carries its own layout, it wins: the kernel partition
 * holds a FIT (a flattened device tree, magic d00dfeed) whose
 * /images/<name> node with type = "flat_dt" is the board's device tree;
 * its flash node has a "fixed-partitions" child whose subnodes give each
 * partition's reg = <offset size> and label (read by fwg_fdt_partitions,
 * beside the DTB handler).  The FIT and the inner DTB are validated with
 * fdt_check_full() before libfdt walks them.
 *
 * Children: one `partition` per partition (name = label, handler NULL so
 * the registry opens its content), except u-boot-env, whose partition
 * holds a `uboot_env` child parsed by the U-Boot environment handler.
 * Gaps the device tree leaves are `padding`.  Attributes: size_class,
 * layout (static / ubi), layout_source (device-tree / known-offsets);
 * per partition: used_size (up to the erased 0xFF tail) and erased.
 *
 * A dump shorter than its flash is parsed with the smallest layout whose
 * kernel offset holds a kernel, its partitions cut at the end (reported);
 * the probe only claims the exact sizes.
 *
 * Invariants: the probe reads at most three words at fixed offsets; every
 * partition is checked against the image before it becomes a child; at
 * most MAX_PARTITIONS partitions; libfdt only sees blobs that passed
 * fdt_check_full() inside a window of known size.
 */
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "../../core/handler.h"
#include "../../core/registry.h"
#include "../uboot/fdt_partitions.h"
#include "layout.h"

#define MIB (1024u * 1024u)
#define MAX_PARTITIONS 64
#define MAX_DT_PARTITIONS 256
#define MAX_FIT_IMAGES 64
#define MAX_FIXED_PARTITION_NODES 16
#define MAX_LABEL 64

#define FDT_MAGIC_BE 0xd00dfeedu
#define UIMAGE_MAGIC_BE 0x27051956u
#define SQUASHFS_MAGIC "hsqs"
#define UBI_EC_MAGIC "UBI#"

struct known_part {
	const char *name;
	uint32_t offset;
};

struct known_layout {
	size_t image_size;
	const char *size_class;
	uint32_t kernel, rofs;     /* offsets the probe looks at */
	struct known_part parts[5];
	struct known_part ubi_parts[3];
};

static const struct known_layout known_layouts[] = {
	{ 32 * MIB, "32MiB", 0x080000, 0x4c0000,
		{ { "u-boot", 0 }, { "u-boot-env", 0x060000 }, { "kernel", 0x080000 },
		  { "rofs", 0x4c0000 }, { "rwfs", 0x1c00000 } },
		{ { "u-boot", 0 }, { "u-boot-env", 0x060000 }, { "ubi", 0x080000 } } },
	{ 64 * MIB, "64MiB", 0x100000, 0xa00000,
		{ { "u-boot", 0 }, { "u-boot-env", 0x0e0000 }, { "kernel", 0x100000 },
		  { "rofs", 0xa00000 }, { "rwfs", 0x2a00000 } },
		{ { "u-boot", 0 }, { "u-boot-env", 0x0e0000 }, { "ubi", 0x100000 } } },
	{ 128 * MIB, "128MiB", 0x100000, 0xa00000,
		{ { "u-boot", 0 }, { "u-boot-env", 0x0e0000 }, { "kernel", 0x100000 },
		  { "rofs", 0xa00000 }, { "rwfs", 0x6000000 } },
		{ { "u-boot", 0 }, { "u-boot-env", 0x0e0000 }, { "ubi", 0x100000 } } },
};

struct part {
	char name[MAX_LABEL];
	uint64_t offset, size;
	bool read_only;
};

struct layout {
	struct part parts[MAX_PARTITIONS];
	size_t count;
	bool ubi;
	const char *source;
};

static const struct known_layout *known_for_size(size_t size)
{
	for (size_t i = 0; i < sizeof(known_layouts) / sizeof(known_layouts[0]); i++)
		if (known_layouts[i].image_size == size)
			return &known_layouts[i];
	return NULL;
}

static bool kernel_content_at(const struct fwg_cursor *c, size_t off);

/* A dump shorter than its flash (cut after the last written byte): the
 * smallest known layout with a kernel (FIT, uImage or UBI) where it
 * belongs. */
static const struct known_layout *known_for_truncated(const struct fwg_cursor *c)
{
	for (size_t i = 0; i < sizeof(known_layouts) / sizeof(known_layouts[0]); i++)
		if (known_layouts[i].image_size > c->size && kernel_content_at(c, known_layouts[i].kernel))
			return &known_layouts[i];
	return NULL;
}

static bool be32_is(const struct fwg_cursor *c, size_t off, uint32_t want)
{
	uint32_t v;
	return fwg_cursor_u32be_at(c, off, &v) == FWG_OK && v == want;
}

static bool bytes_are(const struct fwg_cursor *c, size_t off, const char *want)
{
	const uint8_t *p;
	size_t n = strlen(want);
	return fwg_cursor_bytes_at(c, off, n, &p) == FWG_OK && memcmp(p, want, n) == 0;
}

/* ARM reset vector: "b reset" (0xeaXXXXXX little endian) or an AArch64
 * "b" (0x14XXXXXX / 0x17XXXXXX), as U-Boot starts. */
static bool boot_vector(const struct fwg_cursor *c)
{
	uint32_t w;
	if (fwg_cursor_u32le_at(c, 0, &w) != FWG_OK)
		return false;
	return (w >> 24) == 0xea || (w >> 26) == 0x05;
}

static bool kernel_content_at(const struct fwg_cursor *c, size_t off)
{
	return be32_is(c, off, FDT_MAGIC_BE) || be32_is(c, off, UIMAGE_MAGIC_BE) ||
		bytes_are(c, off, UBI_EC_MAGIC);
}

static int openbmc_flash_probe(const struct fwg_cursor *body)
{
	const struct known_layout *k = known_for_size(body->size);
	if (!k)
		return 0;
	bool kernel = be32_is(body, k->kernel, FDT_MAGIC_BE) || be32_is(body, k->kernel, UIMAGE_MAGIC_BE);
	/* (A dump cut short is opened when named explicitly, never probed.) */
	bool rofs = bytes_are(body, k->rofs, SQUASHFS_MAGIC);
	bool ubi = bytes_are(body, k->kernel, UBI_EC_MAGIC);
	int score = 0;
	if (kernel && rofs)
		score = 85;
	else if (ubi)
		score = 80;
	else if (kernel || rofs)
		score = 60;
	if (score && boot_vector(body))
		score += 5;
	return score;
}

/* --- the layout from the image's own device tree ------------------------ */

static void copy_label(char *dst, const char *src, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len && src[i] && n + 1 < MAX_LABEL; i++) {
		char ch = src[i];
		dst[n++] = (ch > ' ' && ch < 0x7f && ch != '/' && ch != '\\') ? ch : '_';
	}
	dst[n] = '\0';
}

/* The partitions of one fixed-partitions group, when they describe this
 * image (inside it, and naming a kernel, rofs or UBI partition). */
static bool group_layout(const struct fwg_fdt_partition *dp, size_t n, unsigned group,
		size_t image_size, struct layout *out)
{
	struct layout l = { .count = 0 };
	bool known_name = false;
	for (size_t i = 0; i < n; i++) {
		if (dp[i].group != group)
			continue;
		if (l.count == MAX_PARTITIONS)
			return false;
		struct part *p = &l.parts[l.count];
		p->offset = dp[i].offset;
		p->size = dp[i].size;
		if (p->size == 0 || p->offset >= image_size || p->size > image_size - p->offset)
			return false;
		copy_label(p->name, dp[i].label, strnlen(dp[i].label, sizeof(dp[i].label)));
		p->read_only = dp[i].read_only;
		if (!strcmp(p->name, "kernel") || !strcmp(p->name, "rofs") || strstr(p->name, "ubi"))
			known_name = true;
		if (strstr(p->name, "ubi"))
			l.ubi = true;
		l.count++;
	}
	if (l.count == 0 || !known_name)
		return false;
	*out = l;
	return true;
}

/* The first fixed-partitions node of the device tree that fits. */
static bool layout_from_dtb(const uint8_t *dtb, size_t dtb_size, size_t image_size,
		struct layout *out)
{
	struct fwg_fdt_partition *dp = calloc(MAX_DT_PARTITIONS, sizeof(*dp));
	size_t n = 0;
	bool found = false;
	if (!dp)
		return false;
	if (fwg_fdt_partitions(dtb, dtb_size, dp, MAX_DT_PARTITIONS, &n) == FWG_OK) {
		unsigned last = n ? dp[n - 1].group : 0;
		for (unsigned g = 0; n && g <= last && g < MAX_FIXED_PARTITION_NODES && !found; g++)
			found = group_layout(dp, n, g, image_size, out);
	}
	free(dp);
	return found;
}

/* libfdt wants its blob 8-byte aligned: an aligned copy when needed. */
static bool aligned_blob(const uint8_t *p, size_t size, const uint8_t **out, void **owned)
{
	*owned = NULL;
	if (((uintptr_t)p & 7) == 0) {
		*out = p;
		return true;
	}
	size_t rounded;
	if (!fwg_align_up(size ? size : 1, 8, &rounded))
		return false;
	void *copy = aligned_alloc(8, rounded);
	if (!copy)
		return false;
	memcpy(copy, p, size);
	*owned = copy;
	*out = copy;
	return true;
}

/* Where a FIT image node keeps its data: embedded "data", or external
 * "data-offset" (after the FIT structure) / "data-position" (from the FIT
 * start) with "data-size". */
static bool fit_image_data(const void *fit, size_t fit_avail, int img,
		const uint8_t **data, size_t *size)
{
	int len;
	const void *d = fdt_getprop(fit, img, "data", &len);
	if (d && len > 0) {
		*data = d;
		*size = (size_t)len;
		return true;
	}
	const fdt32_t *sz = fdt_getprop(fit, img, "data-size", &len);
	if (!sz || len != 4)
		return false;
	uint64_t start;
	const fdt32_t *off = fdt_getprop(fit, img, "data-offset", &len);
	if (off && len == 4) {
		size_t base;
		if (!fwg_align_up(fdt_totalsize(fit), 4, &base))
			return false;
		start = (uint64_t)base + fdt32_to_cpu(*off);
	} else {
		const fdt32_t *pos = fdt_getprop(fit, img, "data-position", &len);
		if (!pos || len != 4)
			return false;
		start = fdt32_to_cpu(*pos);
	}
	uint64_t n = fdt32_to_cpu(*sz);
	if (start > fit_avail || n > fit_avail - start)
		return false;
	*data = (const uint8_t *)fit + start;
	*size = (size_t)n;
	return true;
}

static bool is_uncompressed(const void *fit, int img)
{
	int len;
	const char *comp = fdt_getprop(fit, img, "compression", &len);
	return !comp || (len >= 4 && strncmp(comp, "none", (size_t)len) == 0);
}

/* The flash layout from the kernel FIT's device tree(s). */
static bool layout_from_fit(const struct fwg_cursor *body, size_t kernel_off,
		size_t image_size, struct layout *out, char *dt_name)
{
	uint32_t magic, total;
	if (kernel_off >= body->size ||
			fwg_cursor_u32be_at(body, kernel_off, &magic) != FWG_OK || magic != FDT_MAGIC_BE ||
			fwg_cursor_u32be_at(body, kernel_off + 4, &total) != FWG_OK)
		return false;
	size_t avail = body->size - kernel_off; /* external data may follow */
	if (total < 40 || total > avail)
		return false;
	const uint8_t *raw, *fit;
	void *fit_owned;
	if (fwg_cursor_bytes_at(body, kernel_off, avail, &raw) != FWG_OK ||
			!aligned_blob(raw, ((uintptr_t)raw & 7) ? total : avail, &fit, &fit_owned))
		return false;
	if (fit_owned)
		avail = total; /* the copy holds the structure only */
	bool found = false;
	int images = fdt_check_full(fit, total) == 0 ? fdt_path_offset(fit, "/images") : -1;
	int img, seen = 0;
	if (images >= 0) {
		fdt_for_each_subnode(img, fit, images) {
			if (++seen > MAX_FIT_IMAGES)
				break;
			int len;
			const char *type = fdt_getprop(fit, img, "type", &len);
			if (!type || len < 7 || strncmp(type, "flat_dt", 7) != 0 ||
					!is_uncompressed(fit, img))
				continue;
			const uint8_t *d;
			size_t dsize;
			if (!fit_image_data(fit, avail, img, &d, &dsize))
				continue;
			found = layout_from_dtb(d, dsize, image_size, out);
			if (found) {
				int nlen;
				const char *nm = fdt_get_name(fit, img, &nlen);
				copy_label(dt_name, nm ? nm : "", nm ? (size_t)nlen : 0);
				break;
			}
		}
	}
	free(fit_owned);
	return found;
}

/* --- the layout from the known offsets ------------------------------------ */

static void layout_from_known(const struct fwg_cursor *body, const struct known_layout *k,
		struct layout *out)
{
	out->ubi = bytes_are(body, k->kernel, UBI_EC_MAGIC);
	const struct known_part *kp = out->ubi ? k->ubi_parts : k->parts;
	size_t n = out->ubi ? 3 : 5;
	out->count = n;
	for (size_t i = 0; i < n; i++) {
		struct part *p = &out->parts[i];
		copy_label(p->name, kp[i].name, strlen(kp[i].name));
		p->offset = kp[i].offset;
		uint64_t end = i + 1 < n ? kp[i + 1].offset : k->image_size;
		p->size = end - p->offset;
		p->read_only = false;
	}
	out->source = "known-offsets";
}

/* --- partitions as children ------------------------------------------------ */

/* Offset just past the last byte that is not 0xFF in [off, off+size). */
static size_t used_end(const struct fwg_cursor *c, size_t off, size_t size)
{
	const uint8_t *p;
	if (fwg_cursor_bytes_at(c, off, size, &p) != FWG_OK)
		return off + size;
	size_t end = size;
	while (end >= 8) {
		uint64_t w;
		memcpy(&w, p + end - 8, 8);
		if (w != UINT64_MAX)
			break;
		end -= 8;
	}
	while (end > 0 && p[end - 1] == 0xff)
		end--;
	return off + end;
}

static int cmp_part(const void *a, const void *b)
{
	const struct part *x = a, *y = b;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static enum fwg_status add_partition(struct fwg_unpack *u, struct fwg_node *node,
		const struct fwg_cursor *body, const struct part *p)
{
	size_t off = (size_t)p->offset, size = (size_t)p->size;
	size_t used = used_end(body, off, size) - off;
	bool env = strcmp(p->name, "u-boot-env") == 0;
	struct fwg_node *child;
	/* An erased partition, or the environment (opened below), is not
	 * probed as a whole; content no handler recognises is carved. */
	const struct fwg_handler *h = &fwg_handler_leaf;
	struct fwg_cursor win;
	if (used && !env && fwg_cursor_sub(body, off, size, &win) == FWG_OK)
		h = bmc_region_handler(&win, &fwg_handler_openbmc_flash);
	enum fwg_status st = fwg_unpack_add_child(u, node, FWG_TYPE_PARTITION, off, size, h, &child);
	if (st != FWG_OK)
		return st;
	fwg_node_set_name(child, p->name);
	fwg_node_attr_hex(child, "used_size", used);
	fwg_node_attr_bool(child, "erased", used == 0);
	if (p->read_only)
		fwg_node_attr_bool(child, "read_only", true);
	if (env && used) {
		struct fwg_node *envn;
		st = fwg_unpack_add_child(u, child, FWG_TYPE_UBOOT_ENV, 0, size,
			&fwg_handler_uboot_env, &envn);
	}
	return st;
}

static enum fwg_status add_partitions(struct fwg_unpack *u, struct fwg_node *node,
		const struct fwg_cursor *body, struct layout *l, size_t nominal)
{
	qsort(l->parts, l->count, sizeof(l->parts[0]), cmp_part);
	size_t pos = 0;
	/* A partition spanning the whole flash ("bmc") duplicates the others. */
	bool cut = false;
	for (size_t i = 0; i < l->count; i++) {
		struct part *p = &l->parts[i];
		if (l->count > 1 && p->offset == 0 && p->size == nominal)
			continue;
		if (p->offset >= body->size) {
			cut = true;
			continue;
		}
		if (p->size > body->size - p->offset) {
			cut = true;
			p->size = body->size - p->offset;
		}
		if (p->offset < pos) {
			FWG_WARN(node, "openbmc_flash.overlap", p->offset,
				"partition %s at 0x%llx overlaps the previous one ending at 0x%zx",
				p->name, (unsigned long long)p->offset, pos);
			continue;
		}
		enum fwg_status st = FWG_OK;
		if (p->offset > pos)
			st = bmc_add_gap(u, node, body, pos, (size_t)p->offset, false);
		if (st == FWG_OK)
			st = add_partition(u, node, body, p);
		if (st == FWG_LIMIT)
			return FWG_OK;
		if (st != FWG_OK)
			return st;
		pos = (size_t)(p->offset + p->size);
	}
	if (cut)
		FWG_WARN(node, "openbmc_flash.truncated", body->size,
			"image of 0x%zx bytes ends before its 0x%zx-byte layout: partitions cut",
			body->size, nominal);
	if (pos < body->size) {
		enum fwg_status st = bmc_add_gap(u, node, body, pos, body->size, false);
		if (st != FWG_OK && st != FWG_LIMIT)
			return st;
	}
	return FWG_OK;
}

static enum fwg_status openbmc_flash_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	struct fwg_cursor body = fwg_node_body(node);
	const struct known_layout *k = known_for_size(body.size);
	if (!k && (k = known_for_truncated(&body)) != NULL)
		fwg_node_attr_bool(node, "truncated", true);
	struct layout *l = calloc(1, sizeof(*l));
	if (!l)
		return FWG_NOMEM;
	char dt_name[MAX_LABEL] = "";
	if (k) {
		fwg_node_attr_str(node, "size_class", k->size_class);
		if (layout_from_fit(&body, k->kernel, k->image_size, l, dt_name))
			l->source = "device-tree";
		else
			layout_from_known(&body, k, l);
	} else {
		FWG_WARN(node, "openbmc_flash.size", 0,
			"image of 0x%zx bytes matches no known flash size", body.size);
		free(l);
		return FWG_OK;
	}
	fwg_node_attr_str(node, "layout", l->ubi ? "ubi" : "static");
	fwg_node_attr_str(node, "layout_source", l->source);
	if (dt_name[0])
		fwg_node_attr_str(node, "layout_device_tree", dt_name);
	fwg_node_attr_int(node, "partition_count", l->count);
	enum fwg_status st = add_partitions(u, node, &body, l, k->image_size);
	free(l);
	return st;
}

const struct fwg_handler fwg_handler_openbmc_flash = {
	.name = "openbmc_flash",
	.description = "OpenBMC flash image (static MTD or UBI layout)",
	.node_type = FWG_TYPE_OPENBMC_FLASH,
	.probe = openbmc_flash_probe,
	.parse = openbmc_flash_parse,
};
