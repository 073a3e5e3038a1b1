/*
 * uboot_env.c - U-Boot environment blocks (env/common.c, include/env.h in
 * U-Boot; written by `mkenvimage`, read by `fw_printenv`).
 *
 * Layout of one copy of CONFIG_ENV_SIZE bytes:
 *   single      crc u32 | data[size - 4]
 *   redundant   crc u32 | flags u8 | data[size - 5]
 * crc is the CRC-32 of the whole data area (padding included), stored in
 * the target's byte order (little-endian on ARM/x86, big-endian with
 * `mkenvimage -b`).  data is a list of "name=value" strings, each ended by
 * a NUL, the list ended by an empty string; the rest is fill (0xff or 0).
 * Redundant environments keep two copies in consecutive sectors; flags is
 * a counter (newer = larger, 255 -> 0 wraps) or the boolean pair
 * active 1 / obsolete 0, and the newer valid copy is used.
 *
 * There is no magic.  The probe accepts a window of at most 256 KiB whose
 * data area starts with "name=" text and whose CRC matches (over the
 * whole window, or over each half for two copies): cheap and certain.
 * Parse, which the OpenBMC handler also calls on a whole u-boot-env
 * partition, looks for the environment size too: the window, then every
 * power of two from 4 KiB, each at offset 0 and as a second copy.
 *
 * Tree: a window holding two copies gets two uboot_env children (one per
 * copy, `active` on the one U-Boot would use); a single environment lists
 * its variables as env_var children (name = variable name, attribute
 * value), `role` and `security_relevant` on those later engines look at.
 *
 * Invariants: every byte read through the cursor; at most 4 layouts per
 * candidate size and log2(window) candidate sizes; the variable loop
 * advances at least one byte per entry and stops at the node budget.
 */
#include <stdlib.h>
#include <string.h>

#include "../../codecs/codecs.h"
#include "../../core/handler.h"
#include "../../core/registry.h"

#define ENV_CRC_SIZE 4u
#define ENV_REDUNDANT_HEADER 5u
#define ENV_PROBE_MAX (256u << 10)
#define ENV_MIN_CANDIDATE (4u << 10)
#define ENV_NAME_MAX 64u
#define ENV_MIN_SIZE 8u

struct env_layout {
	size_t size;       /* bytes of one copy */
	size_t data;       /* offset of the data area: 4 or 5 */
	bool big_endian;
	uint32_t crc;
};

/* "name=" with 1..ENV_NAME_MAX printable characters at off. */
static bool plausible_text(const struct fwg_cursor *c, size_t off)
{
	for (size_t i = 0; i <= ENV_NAME_MAX; i++) {
		uint8_t ch;
		if (fwg_cursor_u8_at(c, off + i, &ch) != FWG_OK)
			return false;
		if (ch == '=')
			return i > 0;
		if (ch < 0x21 || ch > 0x7e)
			return false;
	}
	return false;
}

/* Does the copy [at, at+size) carry a valid CRC with data at data_off? */
static bool copy_matches(const struct fwg_cursor *c, size_t at, size_t size, size_t data_off,
		struct env_layout *out)
{
	uint32_t le, be;
	const uint8_t *data;
	if (size <= data_off || fwg_cursor_u32le_at(c, at, &le) != FWG_OK ||
			fwg_cursor_u32be_at(c, at, &be) != FWG_OK ||
			fwg_cursor_bytes_at(c, at + data_off, size - data_off, &data) != FWG_OK)
		return false;
	uint32_t crc = fwg_crc32(data, size - data_off);
	if (crc != le && crc != be)
		return false;
	out->size = size;
	out->data = data_off;
	out->big_endian = crc != le;
	out->crc = crc;
	return true;
}

/* Single first (a redundant copy's flags byte would be part of its data).
 * The probe also wants "name=" text first, so that it computes a CRC only
 * for windows that look like an environment; parse accepts any CRC match
 * (an empty environment included). */
static bool layout_text(const struct fwg_cursor *c, size_t at, size_t size, bool need_text,
		struct env_layout *out)
{
	if ((!need_text || plausible_text(c, at + ENV_CRC_SIZE)) &&
			copy_matches(c, at, size, ENV_CRC_SIZE, out))
		return true;
	return (!need_text || plausible_text(c, at + ENV_REDUNDANT_HEADER)) &&
		copy_matches(c, at, size, ENV_REDUNDANT_HEADER, out);
}

static bool layout_at(const struct fwg_cursor *c, size_t at, size_t size, struct env_layout *out)
{
	return layout_text(c, at, size, false, out);
}

static int uboot_env_probe(const struct fwg_cursor *body)
{
	struct env_layout l;
	if (body->size > ENV_PROBE_MAX || body->size < ENV_MIN_SIZE)
		return 0;
	if (layout_text(body, 0, body->size, true, &l))
		return 85;
	if (body->size % 2 == 0 && layout_text(body, 0, body->size / 2, true, &l) &&
			l.data == ENV_REDUNDANT_HEADER)
		return 80;
	return 0;
}

/* ---- variables ------------------------------------------------------------ */

struct role {
	const char *name;
	const char *role;
	bool prefix;
};

/* Variables that decide what U-Boot boots and how (README, doc/usage/environment.rst). */
static const struct role roles[] = {
	{ "bootcmd", "boot_command", true },
	{ "altbootcmd", "boot_command", false },
	{ "preboot", "boot_command", false },
	{ "bootargs", "kernel_arguments", false },
	{ "bootdelay", "boot_delay", false },
	{ "bootstopkey", "boot_delay", false },
	{ "bootretry", "boot_delay", false },
	{ "bootfile", "boot_source", false },
	{ "boot_targets", "boot_source", false },
	{ "bootm_size", "boot_source", false },
	{ "serverip", "network", false },
	{ "ipaddr", "network", false },
	{ "ethaddr", "network", false },
	{ "eth1addr", "network", false },
	{ "netmask", "network", false },
	{ "gatewayip", "network", false },
	{ "verify", "image_verification", false },
	{ "silent", "console", false },
	{ "stdin", "console", false },
	{ "stdout", "console", false },
	{ "stderr", "console", false },
	{ "console", "console", false },
	{ "baudrate", "console", false },
};

static const struct role *find_role(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		size_t n = strlen(roles[i].name);
		if (len == n ? memcmp(name, roles[i].name, n) == 0
				: roles[i].prefix && len > n && memcmp(name, roles[i].name, n) == 0)
			return &roles[i];
	}
	return NULL;
}

/* One "name=value" entry at [off, off+len) of the body. */
static enum fwg_status add_variable(struct fwg_unpack *u, struct fwg_node *node,
		const struct fwg_cursor *c, size_t off, size_t len)
{
	char *text = malloc(len + 1);
	if (!text)
		return FWG_NOMEM;
	if (fwg_cursor_copy_at(c, off, text, len) != FWG_OK) {
		free(text);
		return FWG_OK;
	}
	text[len] = 0;
	char *eq = memchr(text, '=', len);
	if (!eq || eq == text) {
		FWG_WARN(node, "uboot_env.entry", off, "entry at 0x%zx has no name=value form", off);
		free(text);
		return FWG_OK;
	}
	struct fwg_node *var;
	enum fwg_status st = fwg_unpack_add_child(u, node, FWG_TYPE_ENV_VAR, off, len,
		&fwg_handler_leaf, &var);
	if (st == FWG_OK) {
		size_t name_len = (size_t)(eq - text);
		fwg_node_set_name_len(var, text, name_len);
		fwg_node_attr_str(var, "value", eq + 1);
		const struct role *r = find_role(text, name_len);
		if (r) {
			fwg_node_attr_str(var, "role", r->role);
			fwg_node_attr_bool(var, "security_relevant", true);
		}
	}
	free(text);
	return st;
}

/* The variables of the copy at [0, l->size) of node's body. */
static enum fwg_status list_variables(struct fwg_unpack *u, struct fwg_node *node,
		const struct fwg_cursor *c, size_t data, size_t end)
{
	static const uint8_t nul = 0;
	size_t pos = data, count = 0;
	bool terminated = false;
	struct fwg_cursor area;
	if (fwg_cursor_sub(c, 0, end, &area) != FWG_OK)
		return FWG_OK;
	while (pos < end) {
		size_t z = fwg_cursor_find(&area, pos, &nul, 1);
		if (z == pos) {
			terminated = true;
			pos++;
			break;
		}
		size_t entry_end = z == SIZE_MAX ? end : z;
		if (z == SIZE_MAX)
			FWG_WARN(node, "uboot_env.unterminated", pos,
				"entry at 0x%zx runs to the end of the environment", pos);
		enum fwg_status st = add_variable(u, node, c, pos, entry_end - pos);
		if (st == FWG_LIMIT)
			break;
		if (st != FWG_OK)
			return st;
		count++;
		pos = entry_end + 1;
	}
	fwg_node_attr_int(node, "variable_count", count);
	if (!terminated) {
		FWG_WARN(node, "uboot_env.unterminated", end, "variable list has no terminator");
	} else if (pos < end) {
		uint8_t fill = 0;
		if (fwg_cursor_u8_at(c, pos, &fill) != FWG_OK)
			fill = 0;
		if ((fill != 0 && fill != 0xff) || !fwg_cursor_all_equal(c, pos, end - pos, fill))
			FWG_INFO(node, "uboot_env.trailing", pos,
				"bytes other than fill after the variable list at 0x%zx", pos);
	}
	return FWG_OK;
}

static void report_layout(struct fwg_node *node, const struct env_layout *l, bool crc_ok,
		const struct fwg_cursor *c)
{
	fwg_node_attr_str(node, "layout", l->data == ENV_REDUNDANT_HEADER ? "redundant" : "single");
	fwg_node_attr_int(node, "env_size", l->size);
	fwg_node_attr_bool(node, "crc_valid", crc_ok);
	if (crc_ok)
		fwg_node_attr_str(node, "crc_byte_order", l->big_endian ? "big" : "little");
	uint8_t flags;
	if (l->data == ENV_REDUNDANT_HEADER && fwg_cursor_u8_at(c, ENV_CRC_SIZE, &flags) == FWG_OK)
		fwg_node_attr_int(node, "flags", flags);
}

/* U-Boot's choice between two valid copies (env_import_redund). */
static bool second_is_newer(uint8_t f1, uint8_t f2)
{
	if (f1 == 255 && f2 == 0)
		return true;
	if (f2 == 255 && f1 == 0)
		return false;
	return f2 > f1;
}

/* Two copies of size S at 0 and S: one child per copy. */
static enum fwg_status add_copies(struct fwg_unpack *u, struct fwg_node *node,
		const struct fwg_cursor *c, size_t size)
{
	struct env_layout l0, l1;
	bool ok0 = layout_at(c, 0, size, &l0), ok1 = layout_at(c, size, size, &l1);
	uint8_t f0 = 0, f1 = 0;
	if (fwg_cursor_u8_at(c, ENV_CRC_SIZE, &f0) != FWG_OK ||
			fwg_cursor_u8_at(c, size + ENV_CRC_SIZE, &f1) != FWG_OK)
		f0 = f1 = 0;
	int active = ok0 && ok1 ? (second_is_newer(f0, f1) ? 1 : 0) : ok0 ? 0 : 1;
	fwg_node_attr_int(node, "copies", 2);
	fwg_node_attr_int(node, "active_copy", (uint64_t)active);
	fwg_node_attr_int(node, "env_size", size);
	for (int i = 0; i < 2; i++) {
		struct fwg_node *copy;
		enum fwg_status st = fwg_unpack_add_child(u, node, FWG_TYPE_UBOOT_ENV, i * size, size,
			&fwg_handler_uboot_env, &copy);
		if (st != FWG_OK)
			return st == FWG_NOMEM ? st : FWG_OK;
		fwg_node_set_name(copy, i ? "copy-1" : "copy-0");
		fwg_node_attr_bool(copy, "active", i == active);
	}
	if (!ok0 || !ok1)
		FWG_ERR(node, "uboot_env.crc", ok0 ? size : 0,
			"redundant copy %d at 0x%zx has a bad crc", ok0 ? 1 : 0, ok0 ? size : 0);
	return FWG_OK;
}

static enum fwg_status uboot_env_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	struct fwg_cursor c = fwg_node_body(node);
	struct env_layout l;
	if (c.size < ENV_MIN_SIZE) {
		FWG_ERR(node, "uboot_env.truncated", 0, "environment of 0x%zx bytes is too small",
			c.size);
		return FWG_OK;
	}
	if (layout_at(&c, 0, c.size, &l)) {
		report_layout(node, &l, true, &c);
		return list_variables(u, node, &c, l.data, l.size);
	}
	/* A partition larger than the environment: find its size, and a
	 * second copy right after the first. */
	for (size_t size = ENV_MIN_CANDIDATE; size <= c.size / 2; size *= 2) {
		bool first = layout_at(&c, 0, size, &l);
		bool second = !first && layout_at(&c, size, size, &l);
		if (!first && !second)
			continue;
		/* A redundant environment's second sector holds the other
		 * copy: valid, or corrupt but not erased. */
		if (l.data == ENV_REDUNDANT_HEADER && size * 2 <= c.size &&
				(second || !fwg_cursor_all_equal(&c, size, size, 0xff)) &&
				!fwg_cursor_all_equal(&c, size, size, 0))
			return add_copies(u, node, &c, size);
		if (second) {
			FWG_ERR(node, "uboot_env.crc", 0, "crc of the copy at 0x0 does not match");
			return FWG_OK;
		}
		report_layout(node, &l, true, &c);
		return list_variables(u, node, &c, l.data, l.size);
	}
	/* No CRC matches anywhere: list what the text says, flagged. */
	l.size = c.size;
	l.data = plausible_text(&c, ENV_CRC_SIZE) || !plausible_text(&c, ENV_REDUNDANT_HEADER)
		? ENV_CRC_SIZE : ENV_REDUNDANT_HEADER;
	l.big_endian = false;
	uint32_t stored = 0;
	if (fwg_cursor_u32le_at(&c, 0, &stored) != FWG_OK)
		stored = 0;
	const uint8_t *data;
	uint32_t computed = fwg_cursor_bytes_at(&c, l.data, c.size - l.data, &data) == FWG_OK
		? fwg_crc32(data, c.size - l.data) : 0;
	report_layout(node, &l, false, &c);
	FWG_ERR(node, "uboot_env.crc", 0,
		"crc 0x%08x does not match the computed 0x%08x (nor any smaller environment size)",
		stored, computed);
	if (!plausible_text(&c, l.data))
		return FWG_OK;
	return list_variables(u, node, &c, l.data, l.size);
}

const struct fwg_handler fwg_handler_uboot_env = {
	.name = "uboot_env",
	.description = "U-Boot environment: CRC, single and redundant copies, variables",
	.node_type = FWG_TYPE_UBOOT_ENV,
	.probe = uboot_env_probe,
	.parse = uboot_env_parse,
};
