/*
 * ipmi.c - the ipmi engine: AMI MegaRAC SPx IPMI command-handler tables
 * in ELF shared objects (libipmimsghndlr.so, libipmipdkcmds.so, ...),
 * found by symbol name in any ELF of the image.
 *
 * Tables (shared REFERENCE "AMI MegaRAC IPMI handler tables"; P = pointer
 * size, 4 on ARM32, 8 on AArch64, layouts widened by natural alignment,
 * checked against compiled structs in tests/gen/ipmi/ami_ipmi.h):
 *
 *   MsgHndlrTbl_T   2P bytes: +0 u8 netfn, +P pointer to a CmdHndlrMap_T
 *                   array.  m_MsgHndlrTbl, oem_MsgHndlrTbl.
 *   CmdHndlrMap_T   +0 u8 cmd, +1 u8 privilege, +P handler pointer,
 *                   +2P u16 request length, +2P+2 u16 0xAAAA (FFConfig),
 *                   +2P+4 u16 interface mask.  ARM32: 16 bytes (12 on
 *                   older builds without the mask), AArch64: 24.
 *   NETFNTable_T    2P bytes: +0 u8 netfn, +1 u8 group extension, +P
 *                   pointer to a NetFnCmds_T array.  CoreNetfntbl, Netfntbl.
 *   NetFnCmds_T     3 bytes: cmd, status (0x01 ENABLED, 0xFF DISABLED),
 *                   mask; 2 bytes (no mask) on older builds.
 *
 * Arrays end at an all-zero entry (no relocation on it either), at the
 * end of their symbol (st_size) when known, at the first entry that is
 * not valid (a CmdHndlrMap_T without the 0xAAAA marker, a NetFnCmds_T
 * status other than 0x01/0xFF), and after MAX_* entries.  The entry size
 * of CmdHndlrMap_T (16 or 12) and NetFnCmds_T (3 or 2) is the one under
 * which more consecutive entries are valid.  Pointers are resolved as the
 * dynamic linker would (elf_symbols.h: R_*_RELATIVE to an address in the
 * file, R_*_ABS32/ABS64 to a symbol, imported when undefined); handler
 * names come from the relocation's symbol or the defined symbol at the
 * target address (.dynsym, then .symtab), else "0x<address>".
 *
 * Reported (docs/findings.md), after the whole tree is read, because
 * the handler tables and the command-select tables live in different
 * libraries of the same filesystem:
 *   ipmi.command        info: every command in a handler table, with
 *                       netfn, cmd, privilege, enabled, handler, table;
 *   ipmi.no_privilege   medium: enabled with privilege 0 (none), except the
 *                       pre-session commands of the IPMI specification;
 *   <cve rule>          (rules/ipmi/cves.json) once per library whose
 *                       handler tables hold one of the CVE's commands that
 *                       no NetFnCmds table of the filesystem DISABLES.
 * A command is enabled unless a NetFnCmds table in the same filesystem (or
 * image, for a bare ELF) lists it as DISABLED: AMI gates commands through
 * those tables, and a command they do not list is not gated.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "../core/array.h"
#include "engine.h"
#include "elf_symbols.h"
#include "../core/image.h"

#define FFCONFIG_MARKER 0xAAAAu
#define STATUS_ENABLED 0x01u
#define STATUS_DISABLED 0xFFu
#define MAX_NETFN_ENTRIES 256u   /* entries of one MsgHndlrTbl/NETFNTable */
#define MAX_CMD_ENTRIES 256u     /* entries of one CmdHndlrMap/NetFnCmds */
#define MAX_RECORDS (1u << 16)   /* commands and gates kept per image */
#define MAX_NAME 128u            /* bytes of a symbol name reported */
#define MAX_TABLE_NAMES 64u
#define MAX_CVE_CMDS 32u
#define MAX_RULE_FILE (4u << 20)

/* --- rules ------------------------------------------------------------------ */

struct cve_rule {
	char *id, *rule, *title, *description, *remediation;
	enum fwg_level severity;
	uint8_t netfn;
	uint8_t cmds[MAX_CVE_CMDS];
	size_t ncmds;
};

struct cmd_name {
	uint8_t netfn, cmd;
	char *name;
};

struct ipmi_rules {
	char *handler_tables[MAX_TABLE_NAMES];
	size_t n_handler_tables;
	char *netfn_tables[MAX_TABLE_NAMES];
	size_t n_netfn_tables;
	char *netfn_names[256];
	struct cmd_name *cmd_names;
	size_t n_cmd_names;
	uint8_t presession[256][32];  /* bit per (netfn, cmd) */
	struct cve_rule *cves;
	size_t n_cves, cap_cves;
};

/* --- what the tables say ------------------------------------------------------- */

struct cmd_rec {
	const struct fwg_node *scope, *lib;
	uint8_t netfn, cmd;
	int privilege;
	uint16_t reqlen;
	uint64_t entry_addr;
	char *handler, *table, *map;
};

struct gate_rec {
	const struct fwg_node *scope, *lib;
	uint8_t netfn, cmd, status;
	char *table;
};

struct ipmi_ctx {
	struct fwg_analysis *a;
	struct ipmi_rules r;
	struct cmd_rec *cmds;
	size_t n_cmds, cap_cmds;
	struct gate_rec *gates;
	size_t n_gates, cap_gates;
	enum fwg_status status;
};

static void fail_nomem(struct ipmi_ctx *x)
{
	if (x->status == FWG_OK)
		x->status = fwg_analysis_fail(x->a, FWG_NOMEM, "ipmi: out of memory");
}

static char *xdup(struct ipmi_ctx *x, const char *s)
{
	char *d = strdup(s);
	if (!d)
		fail_nomem(x);
	return d;
}

static bool grow(struct ipmi_ctx *x, void **v, size_t *cap, size_t n, size_t item)
{
	if (fwg_array_reserve(v, cap, n, item))
		return true;
	fail_nomem(x);
	return false;
}

/* A byte value from JSON: an integer or a "0x.." / decimal string. */
static bool json_byte(const json_t *j, uint8_t *out)
{
	long long v;
	if (json_is_integer(j)) {
		v = json_integer_value(j);
	} else if (json_is_string(j)) {
		const char *s = json_string_value(j);
		char *end;
		v = strtoll(s, &end, 0);
		if (end == s || *end)
			return false;
	} else {
		return false;
	}
	if (v < 0 || v > 255)
		return false;
	*out = (uint8_t)v;
	return true;
}

static const char *json_text(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : NULL;
}

static void add_names(struct ipmi_ctx *x, char **list, size_t *n, const json_t *arr)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		const char *s = json_string_value(v);
		if (!s || !*s || *n >= MAX_TABLE_NAMES)
			continue;
		bool dup = false;
		for (size_t k = 0; k < *n; k++)
			dup = dup || strcmp(list[k], s) == 0;
		if (!dup && (list[*n] = xdup(x, s)) != NULL)
			(*n)++;
	}
}

static void load_cve(struct ipmi_ctx *x, const json_t *o, const char *path)
{
	struct cve_rule c;
	memset(&c, 0, sizeof(c));
	const char *id = json_text(o, "id"), *rule = json_text(o, "rule");
	const char *sev = json_text(o, "severity");
	const json_t *cmds = json_object_get(o, "cmds");
	if (!id || !rule || !json_byte(json_object_get(o, "netfn"), &c.netfn) || !json_is_array(cmds)) {
		fprintf(stderr, "fwguard: ipmi: %s: cve entry without id, rule, netfn or cmds: skipped\n",
			path);
		return;
	}
	size_t i;
	json_t *v;
	json_array_foreach(cmds, i, v) {
		if (c.ncmds < MAX_CVE_CMDS && json_byte(v, &c.cmds[c.ncmds]))
			c.ncmds++;
	}
	if (!sev || !fwg_level_parse(sev, &c.severity))
		c.severity = FWG_LEVEL_HIGH;
	const char *title = json_text(o, "title"), *desc = json_text(o, "description");
	const char *rem = json_text(o, "remediation");
	c.id = xdup(x, id);
	c.rule = xdup(x, rule);
	c.title = title ? xdup(x, title) : NULL;
	c.description = desc ? xdup(x, desc) : NULL;
	c.remediation = rem ? xdup(x, rem) : NULL;
	if (!grow(x, (void **)&x->r.cves, &x->r.cap_cves, x->r.n_cves, sizeof(c)) ||
			!c.id || !c.rule) {
		free(c.id);
		free(c.rule);
		free(c.title);
		free(c.description);
		free(c.remediation);
		return;
	}
	x->r.cves[x->r.n_cves++] = c;
}

static void load_rules_json(struct ipmi_ctx *x, const json_t *root, const char *path)
{
	add_names(x, x->r.handler_tables, &x->r.n_handler_tables,
		json_object_get(root, "handler_tables"));
	add_names(x, x->r.netfn_tables, &x->r.n_netfn_tables, json_object_get(root, "netfn_tables"));
	const char *key;
	json_t *v;
	json_object_foreach(json_object_get(root, "netfns"), key, v) {
		uint8_t nf;
		json_t *k = json_string(key);
		bool ok = k && json_byte(k, &nf);
		json_decref(k);
		if (ok && json_is_string(v) && !x->r.netfn_names[nf])
			x->r.netfn_names[nf] = xdup(x, json_string_value(v));
	}
	size_t i;
	json_array_foreach(json_object_get(root, "commands"), i, v) {
		struct cmd_name c;
		const char *name = json_text(v, "name");
		if (!name || !json_byte(json_object_get(v, "netfn"), &c.netfn) ||
				!json_byte(json_object_get(v, "cmd"), &c.cmd) || x->r.n_cmd_names >= MAX_RECORDS)
			continue;
		size_t cap = x->r.n_cmd_names; /* grown one by one: small lists */
		struct cmd_name *nv = realloc(x->r.cmd_names, (cap + 1) * sizeof(*nv));
		if (!nv) {
			fail_nomem(x);
			return;
		}
		x->r.cmd_names = nv;
		c.name = xdup(x, name);
		if (c.name)
			x->r.cmd_names[x->r.n_cmd_names++] = c;
	}
	json_array_foreach(json_object_get(root, "presession"), i, v) {
		uint8_t nf, cmd;
		if (json_byte(json_object_get(v, "netfn"), &nf) && json_byte(json_object_get(v, "cmd"), &cmd))
			x->r.presession[nf][cmd >> 3] |= (uint8_t)(1u << (cmd & 7));
	}
	json_array_foreach(json_object_get(root, "cves"), i, v)
		load_cve(x, v, path);
}

/* Loads path if it is an ipmi rule file ("kind": "fwguard-ipmi"). */
static void load_rules_file(struct ipmi_ctx *x, const char *path, bool required)
{
	struct stat sb;
	if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size > (off_t)MAX_RULE_FILE) {
		if (required)
			x->status = fwg_analysis_fail(x->a, FWG_IO, "ipmi: cannot read %s", path);
		return;
	}
	json_error_t err;
	json_t *root = json_load_file(path, 0, &err);
	if (!root) {
		x->status = fwg_analysis_fail(x->a, FWG_MALFORMED, "ipmi: %s:%d: %s", path, err.line,
			err.text);
		return;
	}
	const char *kind = json_text(root, "kind");
	if (kind && strcmp(kind, "fwguard-ipmi") == 0)
		load_rules_json(x, root, path);
	else if (required)
		x->status = fwg_analysis_fail(x->a, FWG_MALFORMED,
			"ipmi: %s: not an ipmi rule file (\"kind\": \"fwguard-ipmi\")", path);
	json_decref(root);
}

static void load_rules_dir(struct ipmi_ctx *x, const char *dir, bool required)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	/* Sorted, so that the first definition of a name wins predictably. */
	char *names[256];
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL && n < 256) {
		size_t len = strlen(de->d_name);
		if (len > 5 && strcmp(de->d_name + len - 5, ".json") == 0 && de->d_name[0] != '.')
			if ((names[n] = strdup(de->d_name)) != NULL)
				n++;
	}
	closedir(d);
	for (size_t i = 1; i < n; i++)
		for (size_t k = i; k > 0 && strcmp(names[k - 1], names[k]) > 0; k--) {
			char *t = names[k];
			names[k] = names[k - 1];
			names[k - 1] = t;
		}
	for (size_t i = 0; i < n; i++) {
		char path[4200];
		if (x->status == FWG_OK &&
				snprintf(path, sizeof(path), "%s/%s", dir, names[i]) < (int)sizeof(path))
			load_rules_file(x, path, required);
		free(names[i]);
	}
}

static void load_rules(struct ipmi_ctx *x)
{
	char dir[4096];
	if (fwg_analysis_data_path(x->a, "rules/ipmi", dir, sizeof(dir)))
		load_rules_dir(x, dir, true);
	for (size_t i = 0; x->status == FWG_OK && i < x->a->options->rule_dir_count; i++) {
		const char *udir = x->a->options->rule_dirs[i];
		char sub[4200];
		load_rules_dir(x, udir, false);
		if (x->status == FWG_OK && snprintf(sub, sizeof(sub), "%s/ipmi", udir) < (int)sizeof(sub))
			load_rules_dir(x, sub, false);
	}
}

static void free_rules(struct ipmi_rules *r)
{
	for (size_t i = 0; i < r->n_handler_tables; i++)
		free(r->handler_tables[i]);
	for (size_t i = 0; i < r->n_netfn_tables; i++)
		free(r->netfn_tables[i]);
	for (size_t i = 0; i < 256; i++)
		free(r->netfn_names[i]);
	for (size_t i = 0; i < r->n_cmd_names; i++)
		free(r->cmd_names[i].name);
	free(r->cmd_names);
	for (size_t i = 0; i < r->n_cves; i++) {
		free(r->cves[i].id);
		free(r->cves[i].rule);
		free(r->cves[i].title);
		free(r->cves[i].description);
		free(r->cves[i].remediation);
	}
	free(r->cves);
}

static const char *cmd_name(const struct ipmi_rules *r, uint8_t netfn, uint8_t cmd)
{
	for (size_t i = 0; i < r->n_cmd_names; i++)
		if (r->cmd_names[i].netfn == netfn && r->cmd_names[i].cmd == cmd)
			return r->cmd_names[i].name;
	return NULL;
}

/* --- decoding ------------------------------------------------------------------- */

struct lib {
	struct ipmi_ctx *x;
	const struct fwg_elf *e;
	const struct fwg_node *scope, *node;
};

/* Printable, bounded copy of a symbol's name, or NULL. */
static char *sym_text(const struct lib *l, const struct fwg_elf_sym *s)
{
	const char *name;
	size_t len;
	if (!fwg_elf_sym_name(l->e, s, &name, &len) || len == 0)
		return NULL;
	char *t = fwg_analysis_text((const uint8_t *)name, len, MAX_NAME);
	if (!t)
		fail_nomem(l->x);
	return t;
}

/* Name of what a resolved pointer points to: the relocation's symbol, the
 * defined symbol at the address, or the address in hex. */
static char *pointer_name(const struct lib *l, const struct fwg_elf_ptr *p)
{
	struct fwg_elf_sym s;
	char *t = NULL;
	if (p->has_sym)
		t = sym_text(l, &p->sym);
	if (!t && p->has_value && p->value && fwg_elf_sym_at(l->e, p->value, &s))
		t = sym_text(l, &s);
	if (t)
		return t;
	char hex[32];
	snprintf(hex, sizeof(hex), "0x%llx", p->has_value ? (unsigned long long)p->value : 0ull);
	return xdup(l->x, hex);
}

/* The defined symbol at addr, if its size is a whole number of entries:
 * the table's entry limit. */
static uint64_t sized_limit(const struct lib *l, uint64_t addr, uint64_t stride, uint64_t max)
{
	struct fwg_elf_sym s;
	if (fwg_elf_sym_at(l->e, addr, &s) && s.size >= stride && s.size % stride == 0 &&
			s.size / stride < max)
		return s.size / stride;
	return max;
}

/* True when [addr, addr+len) is all zero bytes and no relocation fills it. */
static bool zero_entry(const struct lib *l, uint64_t addr, uint64_t len)
{
	size_t off;
	if (!fwg_elf_map(l->e, addr, len, &off))
		return false;
	const uint8_t *p;
	if (fwg_cursor_bytes_at(&l->e->c, off, (size_t)len, &p) != FWG_OK)
		return false;
	for (uint64_t i = 0; i < len; i++)
		if (p[i])
			return false;
	return !fwg_elf_relocated(l->e, addr, len);
}

static bool cmd_entry_valid(const struct lib *l, uint64_t at)
{
	uint64_t marker;
	return fwg_elf_read(l->e, at + 2ull * l->e->ptr_size + 2, 2, &marker) &&
		marker == FFCONFIG_MARKER;
}

/* Consecutive valid CmdHndlrMap_T entries with this entry size. */
static uint64_t count_cmd_entries(const struct lib *l, uint64_t base, uint64_t stride)
{
	uint64_t n = 0;
	while (n < MAX_CMD_ENTRIES && cmd_entry_valid(l, base + n * stride))
		n++;
	return n;
}

static void add_command(const struct lib *l, uint8_t netfn, uint8_t cmd, int priv, uint16_t reqlen,
		uint64_t at, char *handler, const char *table, const char *map)
{
	struct ipmi_ctx *x = l->x;
	char *t = xdup(x, table), *m = map ? xdup(x, map) : NULL;
	if (x->n_cmds >= MAX_RECORDS || !t || (map && !m) ||
			!grow(x, (void **)&x->cmds, &x->cap_cmds, x->n_cmds, sizeof(*x->cmds))) {
		free(handler);
		free(t);
		free(m);
		return;
	}
	x->cmds[x->n_cmds++] = (struct cmd_rec){ l->scope, l->node, netfn, cmd, priv, reqlen, at,
		handler, t, m };
}

static void decode_cmd_map(const struct lib *l, uint64_t base, uint8_t netfn, const char *table,
		const char *map)
{
	const struct fwg_elf *e = l->e;
	uint64_t p = e->ptr_size;
	uint64_t stride = 3 * p;           /* 24 on 64-bit; 32-bit: 16 or 12 */
	if (p == 4) {
		uint64_t n16 = count_cmd_entries(l, base, 16), n12 = count_cmd_entries(l, base, 12);
		stride = n12 > n16 ? 12 : 16;
	}
	uint64_t max = sized_limit(l, base, stride, MAX_CMD_ENTRIES);
	for (uint64_t i = 0; i < max && l->x->status == FWG_OK; i++) {
		uint64_t at = base + i * stride, cmd, priv, reqlen;
		if (zero_entry(l, at, stride) || !cmd_entry_valid(l, at))
			break;
		struct fwg_elf_ptr h;
		if (!fwg_elf_read(e, at, 1, &cmd) || !fwg_elf_read(e, at + 1, 1, &priv) ||
				!fwg_elf_read(e, at + 2 * p, 2, &reqlen) || !fwg_elf_pointer(e, at + p, &h))
			break;
		char *handler = pointer_name(l, &h);
		if (!handler)
			break;
		add_command(l, netfn, (uint8_t)cmd, (int)priv, (uint16_t)reqlen, at, handler, table, map);
	}
}

/* Consecutive valid NetFnCmds_T entries of this size before a terminator;
 * *clean tells whether the run ended at an all-zero entry. */
static uint64_t count_gates(const struct lib *l, uint64_t base, uint64_t stride, bool *clean)
{
	*clean = false;
	for (uint64_t n = 0; n < MAX_CMD_ENTRIES; n++) {
		uint64_t cmd, status;
		if (!fwg_elf_read(l->e, base + n * stride, 1, &cmd) ||
				!fwg_elf_read(l->e, base + n * stride + 1, 1, &status))
			return n;
		if (cmd == 0 && status == 0) {
			*clean = true;
			return n;
		}
		if (status != STATUS_ENABLED && status != STATUS_DISABLED)
			return n;
	}
	return MAX_CMD_ENTRIES;
}

static void decode_netfn_cmds(const struct lib *l, uint64_t base, uint8_t netfn, const char *table)
{
	struct ipmi_ctx *x = l->x;
	bool clean3, clean2;
	uint64_t n3 = count_gates(l, base, 3, &clean3), n2 = count_gates(l, base, 2, &clean2);
	uint64_t stride = 3, n = n3;
	if ((clean2 && !clean3) || (clean2 == clean3 && n2 > n3)) {
		stride = 2;
		n = n2;
	}
	for (uint64_t i = 0; i < n && x->status == FWG_OK; i++) {
		uint64_t cmd, status;
		if (!fwg_elf_read(l->e, base + i * stride, 1, &cmd) ||
				!fwg_elf_read(l->e, base + i * stride + 1, 1, &status))
			break;
		char *t = xdup(x, table);
		if (!t || x->n_gates >= MAX_RECORDS ||
				!grow(x, (void **)&x->gates, &x->cap_gates, x->n_gates, sizeof(*x->gates))) {
			free(t);
			return;
		}
		x->gates[x->n_gates++] = (struct gate_rec){ l->scope, l->node, netfn, (uint8_t)cmd,
			(uint8_t)status, t };
	}
}

/* Walks a table of {u8 netfn, ..., pointer at +P} entries (MsgHndlrTbl_T
 * or NETFNTable_T) and decodes what each entry points to. */
static void decode_table(const struct lib *l, const struct fwg_elf_sym *sym, const char *name,
		bool handlers)
{
	uint64_t p = l->e->ptr_size, stride = 2 * p;
	uint64_t max = MAX_NETFN_ENTRIES;
	if (sym->size >= stride && sym->size / stride < max)
		max = sym->size / stride;
	for (uint64_t i = 0; i < max && l->x->status == FWG_OK; i++) {
		uint64_t at = sym->value + i * stride, netfn;
		struct fwg_elf_ptr ptr;
		if (zero_entry(l, at, stride) || !fwg_elf_read(l->e, at, 1, &netfn) ||
				!fwg_elf_pointer(l->e, at + p, &ptr))
			break;
		if (!ptr.has_value || ptr.value == 0)
			continue; /* imported or NULL: nothing in this file to decode */
		if (handlers) {
			struct fwg_elf_sym ms;
			char *map = fwg_elf_sym_at(l->e, ptr.value, &ms) ? sym_text(l, &ms) : NULL;
			decode_cmd_map(l, ptr.value, (uint8_t)netfn, name, map);
			free(map);
		} else {
			decode_netfn_cmds(l, ptr.value, (uint8_t)netfn, name);
		}
	}
}

/* Cheap test before reading symbols: a table name is in the file. */
static bool mentions_tables(const struct ipmi_rules *r, const uint8_t *data, size_t size)
{
	for (size_t i = 0; i < r->n_handler_tables; i++)
		if (memmem(data, size, r->handler_tables[i], strlen(r->handler_tables[i]) + 1))
			return true;
	for (size_t i = 0; i < r->n_netfn_tables; i++)
		if (memmem(data, size, r->netfn_tables[i], strlen(r->netfn_tables[i]) + 1))
			return true;
	return false;
}

static void decode_elf(struct ipmi_ctx *x, const struct fwg_node *elf)
{
	if (!mentions_tables(&x->r, elf->data, (size_t)elf->size))
		return;
	struct fwg_elf e;
	enum fwg_status st = fwg_elf_open(&e, elf->data, (size_t)elf->size,
		FWG_ELF_LOAD_RELOCS | FWG_ELF_LOAD_ADDRS);
	if (st == FWG_NOMEM)
		fail_nomem(x);
	if (st == FWG_OK) {
		const struct fwg_node *subject = elf->parent && elf->parent->fs ? elf->parent : elf;
		struct lib l = { x, &e, fwg_node_filesystem(subject), subject };
		if (!subject->fs)
			l.scope = NULL;
		struct fwg_elf_sym s;
		for (size_t i = 0; i < x->r.n_handler_tables && x->status == FWG_OK; i++)
			if (fwg_elf_sym_find(&e, x->r.handler_tables[i], &s))
				decode_table(&l, &s, x->r.handler_tables[i], true);
		for (size_t i = 0; i < x->r.n_netfn_tables && x->status == FWG_OK; i++)
			if (fwg_elf_sym_find(&e, x->r.netfn_tables[i], &s))
				decode_table(&l, &s, x->r.netfn_tables[i], false);
	}
	fwg_elf_close(&e);
}

static bool visit(struct fwg_node *n, void *user)
{
	struct ipmi_ctx *x = user;
	if (n->type == FWG_TYPE_ELF && n->data && n->size)
		decode_elf(x, n);
	return x->status == FWG_OK;
}

/* --- reporting ------------------------------------------------------------------ */

static int gate_cmp(const void *p, const void *q)
{
	const struct gate_rec *g = p, *h = q;
	uintptr_t a = (uintptr_t)g->scope, b = (uintptr_t)h->scope;
	if (a != b)
		return a < b ? -1 : 1;
	if (g->netfn != h->netfn)
		return g->netfn < h->netfn ? -1 : 1;
	if (g->cmd != h->cmd)
		return g->cmd < h->cmd ? -1 : 1;
	/* DISABLED (0xFF) first, so the merged entry keeps its table. */
	return g->status > h->status ? -1 : g->status < h->status;
}

/* Sorts the gates and merges those of one (scope, netfn, cmd): DISABLED
 * when any table disables it.  Lookups are then binary searches. */
static void merge_gates(struct ipmi_ctx *x)
{
	if (x->n_gates < 2)
		return;
	qsort(x->gates, x->n_gates, sizeof(*x->gates), gate_cmp);
	size_t out = 0;
	for (size_t i = 0; i < x->n_gates; i++) {
		struct gate_rec *g = &x->gates[i];
		if (out && x->gates[out - 1].scope == g->scope && x->gates[out - 1].netfn == g->netfn &&
				x->gates[out - 1].cmd == g->cmd) {
			free(g->table);
			continue;
		}
		x->gates[out++] = *g;
	}
	x->n_gates = out;
}

/* The NetFnCmds table that DISABLES (netfn, cmd) in scope, or NULL. */
static const struct gate_rec *disabled_by(const struct ipmi_ctx *x, const struct fwg_node *scope,
		uint8_t netfn, uint8_t cmd)
{
	struct gate_rec key = { .scope = scope, .netfn = netfn, .cmd = cmd, .status = STATUS_DISABLED };
	size_t lo = 0, hi = x->n_gates;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (gate_cmp(&x->gates[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < x->n_gates && x->gates[lo].scope == scope && x->gates[lo].netfn == netfn &&
			x->gates[lo].cmd == cmd && x->gates[lo].status == STATUS_DISABLED)
		return &x->gates[lo];
	return NULL;
}

static const char *privilege_text(int p)
{
	switch (p) {
	case 0: return "none";
	case 1: return "callback";
	case 2: return "user";
	case 3: return "operator";
	case 4: return "admin";
	case 5: return "oem";
	case 0x81: return "local";
	case 0x82: return "system interface";
	default: return "unknown";
	}
}

static void describe(const struct ipmi_ctx *x, const struct cmd_rec *c, char *out, size_t size)
{
	const char *nf = x->r.netfn_names[c->netfn], *cn = cmd_name(&x->r, c->netfn, c->cmd);
	snprintf(out, size, "NetFn 0x%02x%s%s%s cmd 0x%02x%s%s%s", c->netfn, nf ? " (" : "",
		nf ? nf : "", nf ? ")" : "", c->cmd, cn ? " (" : "", cn ? cn : "", cn ? ")" : "");
}

static void report_commands(struct ipmi_ctx *x)
{
	for (size_t i = 0; i < x->n_cmds && !x->a->alloc_failed; i++) {
		const struct cmd_rec *c = &x->cmds[i];
		const struct gate_rec *g = disabled_by(x, c->scope, c->netfn, c->cmd);
		struct fwg_ipmi_command ic = { c->netfn, c->cmd, c->privilege, g == NULL, c->handler,
			c->table };
		char what[256], msg[600], ev[600];
		describe(x, c, what, sizeof(what));
		snprintf(msg, sizeof(msg), "IPMI %s handled by %s, privilege %s%s%s", what, c->handler,
			privilege_text(c->privilege), g ? ", DISABLED in " : "", g ? g->table : "");
		snprintf(ev, sizeof(ev), "%s%s%s entry at 0x%llx: cmd 0x%02x privilege 0x%02x handler %s "
			"request length 0x%x", c->table, c->map ? "/" : "", c->map ? c->map : "",
			(unsigned long long)c->entry_addr, c->cmd, c->privilege, c->handler, c->reqlen);
		fwg_report(x->a, &(struct fwg_finding_desc){
			.rule = "ipmi.command",
			.severity = FWG_LEVEL_INFO,
			.confidence = FWG_CONFIDENCE_HIGH,
			.node = c->lib,
			.message = msg,
			.evidence = ev,
			.ipmi = &ic,
		});
		bool presession = x->r.presession[c->netfn][c->cmd >> 3] & (1u << (c->cmd & 7));
		if (c->privilege != 0 || g || presession)
			continue;
		snprintf(msg, sizeof(msg), "IPMI %s (handler %s) runs without any privilege", what,
			c->handler);
		fwg_report(x->a, &(struct fwg_finding_desc){
			.rule = "ipmi.no_privilege",
			.severity = FWG_LEVEL_MEDIUM,
			.confidence = FWG_CONFIDENCE_HIGH,
			.node = c->lib,
			.message = msg,
			.evidence = ev,
			.remediation = "require at least User privilege in the command handler table, "
				"or disable the command in the NetFn command tables",
			.ipmi = &ic,
		});
	}
}

static bool cve_has_cmd(const struct cve_rule *r, uint8_t netfn, uint8_t cmd)
{
	if (netfn != r->netfn)
		return false;
	for (size_t i = 0; i < r->ncmds; i++)
		if (r->cmds[i] == cmd)
			return true;
	return false;
}

/* One finding per (CVE, library): the library's handler tables expose one
 * of the CVE's commands and no NetFnCmds table of its filesystem
 * disables it. */
static void report_cves(struct ipmi_ctx *x)
{
	for (size_t k = 0; k < x->r.n_cves; k++) {
		const struct cve_rule *r = &x->r.cves[k];
		const struct fwg_node *reported = NULL;
		for (size_t i = 0; i < x->n_cmds && !x->a->alloc_failed; i++) {
			const struct cmd_rec *c = &x->cmds[i];
			if (!cve_has_cmd(r, c->netfn, c->cmd) || disabled_by(x, c->scope, c->netfn, c->cmd))
				continue;
			/* A library's commands are one contiguous run (decode_elf). */
			if (c->lib == reported)
				continue;
			reported = c->lib;
			char ev[FWG_EVIDENCE_MAX], item[160];
			size_t used = 0;
			ev[0] = '\0';
			for (size_t j = i; j < x->n_cmds && x->cmds[j].lib == c->lib; j++) {
				const struct cmd_rec *d = &x->cmds[j];
				if ( !cve_has_cmd(r, d->netfn, d->cmd) ||
						disabled_by(x, d->scope, d->netfn, d->cmd))
					continue;
				int w = snprintf(item, sizeof(item), "%sNetFn 0x%02x cmd 0x%02x -> %s (%s)",
					used ? "; " : "", d->netfn, d->cmd, d->handler, d->table);
				if (w > 0 && (size_t)w < sizeof(ev) - used) {
					memcpy(ev + used, item, (size_t)w + 1);
					used += (size_t)w;
				}
			}
			char msg[1024];
			snprintf(msg, sizeof(msg), "%s: %s%s%s", r->id, r->title ? r->title : "IPMI commands exposed",
				r->description ? ". " : "", r->description ? r->description : "");
			struct fwg_ipmi_command ic = { c->netfn, c->cmd, c->privilege, true, c->handler,
				c->table };
			fwg_report(x->a, &(struct fwg_finding_desc){
				.rule = r->rule,
				.severity = r->severity,
				.confidence = FWG_CONFIDENCE_HIGH,
				.node = c->lib,
				.cve = r->id,
				.message = msg,
				.evidence = ev,
				.remediation = r->remediation,
				.ipmi = &ic,
			});
		}
	}
}

static enum fwg_status run(struct fwg_analysis *a)
{
	if (!a->image || !a->image->root)
		return FWG_OK;
	struct ipmi_ctx x;
	memset(&x, 0, sizeof(x));
	x.a = a;
	x.status = FWG_OK;
	load_rules(&x);
	if (x.status == FWG_OK)
		fwg_node_walk(a->image->root, visit, &x);
	if (x.status == FWG_OK) {
		merge_gates(&x);
		report_commands(&x);
		report_cves(&x);
	}
	for (size_t i = 0; i < x.n_cmds; i++) {
		free(x.cmds[i].handler);
		free(x.cmds[i].table);
		free(x.cmds[i].map);
	}
	free(x.cmds);
	for (size_t i = 0; i < x.n_gates; i++)
		free(x.gates[i].table);
	free(x.gates);
	free_rules(&x.r);
	return x.status;
}

const struct fwg_engine fwg_engine_ipmi = {
	.name = "ipmi",
	.description = "AMI MegaRAC IPMI command-handler tables: exposed commands, "
		"commands without privilege, CVE-2023-34335",
	.run = run,
};
