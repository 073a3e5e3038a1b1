/*
 * sbom.c - the sbom engine: identifies software components and their
 * versions for the firmware SBOM (CycloneDX/SPDX output, and the vuln
 * engine that runs after it).
 *
 * Evidence, in one pre-order walk of the finished tree:
 *   - string signatures (rules/components, sbom.h) in the bytes of every
 *     component not covered by a child: a file's content, a kernel's
 *     decoded payload, a raw U-Boot partition, a PE32 section ... each byte
 *     is looked at once, and containers of files (filesystems, archives)
 *     are skipped because their files are scanned themselves;
 *   - package databases: opkg (/usr/lib/opkg/status, /var/lib/opkg/status)
 *     and dpkg (/var/lib/dpkg/status), installed packages only;
 *   - /etc/os-release and /usr/lib/os-release (OpenBMC: ID=openbmc-phosphor);
 *   - file paths that identify a component (musl's dynamic loader);
 *   - MegaRAC firmware info (FMH module attribute fw_version);
 *   - UEFI modules: every FFS file but pad files is one component of kind
 *     "firmware", named by its UI section or well-known GUID, with its GUID
 *     and SHA-256.
 *
 * Invariants: a component's name is the canonical name from the pack (or
 * the package/os-release name when no definition maps it); its version is
 * as found (package revisions and epochs stripped for mapped packages);
 * every component has a purl (unless its escaped name or version is too
 * long for one) and, with a version and a CPE template, a CPE.  A component without a version is only kept when no versioned
 * component of that name was identified.  Evidence is capped per component.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/array.h"
#include "sbom.h"
#include "../core/guid.h"

#define EVIDENCE_CAP 8
#define MAX_PACKAGES_PER_DB 20000
#define MAX_OS_RELEASE 8192
/* Distinct versions of one definition taken from one file (or UEFI
 * module): real software names one or two; a file with thousands would
 * otherwise make thousands of components.  Further ones are ignored. */
#define VERSIONS_PER_FILE 16

struct deferred {
	size_t def;
	const struct fwg_node *node;
	char *method;
	char *detail;
};

/* The versions of one definition found in the file being scanned. */
struct file_versions {
	const struct fwg_node *owner; /* the file they were found in */
	unsigned count;
	char seen[VERSIONS_PER_FILE][SBOM_VERSION_MAX + 1];
};

struct sbom_ctx {
	struct fwg_analysis *a;
	struct sbom_pack pack;
	const struct fwg_node *scanning; /* evidence owner of the range being scanned */
	struct file_versions *versions;  /* one per definition */
	struct deferred *deferred;
	size_t deferred_count, deferred_cap;
	enum fwg_status st;
};

/* ---- identity: purl and CPE ---------------------------------------- */

static bool purl_safe(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		c == '.' || c == '-' || c == '_' || c == '~';
}

static bool cpe_safe(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		c == '.' || c == '-' || c == '_';
}

/* Appends s to out (size cap) escaped for a purl or a CPE 2.3 formatted
 * string; false when it does not fit. */
static bool append_escaped(char *out, size_t cap, size_t *n, const char *s, bool cpe)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		size_t need = cpe ? (cpe_safe(*p) ? 1 : 2) : (purl_safe(*p) ? 1 : 3);
		if (*n + need >= cap)
			return false;
		if (need == 1) {
			out[(*n)++] = (char)*p;
		} else if (cpe) {
			out[(*n)++] = '\\';
			out[(*n)++] = (char)*p;
		} else {
			out[(*n)++] = '%';
			out[(*n)++] = hex[*p >> 4];
			out[(*n)++] = hex[*p & 15];
		}
	}
	out[*n] = '\0';
	return true;
}

#define EXPAND_MAX 1024

/* Expands a template's {version}; version NULL drops "@{version}" (purl)
 * and makes no CPE.  NULL when there is no result: *nomem tells whether
 * that is for lack of memory (else the result would not fit). */
static char *expand(const char *tmpl, const char *version, bool cpe, bool *nomem)
{
	*nomem = false;
	if (!tmpl || (cpe && !version))
		return NULL;
	char out[EXPAND_MAX];
	size_t n = 0;
	out[0] = '\0';
	const char *p = tmpl;
	while (*p) {
		const char *v = strstr(p, "{version}");
		size_t lit = v ? (size_t)(v - p) : strlen(p);
		if (!version && v && lit > 0 && p[lit - 1] == '@')
			lit--; /* pkg:generic/x@{version} -> pkg:generic/x */
		if (n + lit >= sizeof(out))
			return NULL;
		memcpy(out + n, p, lit);
		n += lit;
		out[n] = '\0';
		if (!v)
			break;
		if (version && !append_escaped(out, sizeof(out), &n, version, cpe))
			return NULL;
		p = v + strlen("{version}");
	}
	char *r = strdup(out);
	*nomem = !r;
	return r;
}

/* Sets a field to an expand() result; only a failed allocation (not a
 * result too long to keep) fails the analysis. */
static void set_owned(struct fwg_analysis *a, char **field, char *value, bool nomem)
{
	if (nomem)
		a->alloc_failed = true;
	if (value) {
		fwg_software_set(a, field, value);
		free(value);
	}
}

/* Fills kind, supplier, purl and CPE of a new component. */
static void set_identity(struct fwg_analysis *a, struct fwg_software *sw, const struct sbom_def *d,
		const char *name, const char *kind)
{
	if (sw->purl || sw->kind)
		return; /* not new */
	fwg_software_set(a, &sw->kind, d ? d->kind : kind);
	bool nomem;
	if (d) {
		fwg_software_set(a, &sw->supplier, d->supplier);
		fwg_software_set(a, &sw->description, d->description);
		char *cpe = expand(d->cpe, sw->version, true, &nomem);
		set_owned(a, &sw->cpe, cpe, nomem);
	}
	if (d && d->purl) {
		char *purl = expand(d->purl, sw->version, false, &nomem);
		set_owned(a, &sw->purl, purl, nomem);
	} else {
		/* A name that does not fit (not with names of at most 128
		 * characters, escaped to 384) leaves the component without a
		 * purl; it is still reported. */
		static const char prefix[] = "pkg:generic/", suffix[] = "@{version}";
		char tmpl[EXPAND_MAX];
		size_t n = sizeof(prefix) - 1;
		memcpy(tmpl, prefix, n);
		tmpl[n] = '\0';
		if (append_escaped(tmpl, sizeof(tmpl) - (sizeof(suffix) - 1), &n, name, false)) {
			memcpy(tmpl + n, suffix, sizeof(suffix));
			char *purl = expand(tmpl, sw->version, false, &nomem);
			set_owned(a, &sw->purl, purl, nomem);
		}
	}
}

/* ---- recording ------------------------------------------------------ */

/*
 * Records evidence for a (non-module) component.  The evidence node is
 * patched in after fwg_sbom_add, which is given NULL so that evidence
 * inside a UEFI module (a node with a GUID) does not turn the component
 * into that module.
 */
static void record(struct sbom_ctx *c, const struct sbom_def *d, const char *name,
		const char *version, const struct fwg_node *node, const char *method, const char *detail,
		const char *kind)
{
	struct fwg_analysis *a = c->a;
	struct fwg_software *sw = fwg_sbom_find(a, name, version);
	if (sw) {
		if (sw->evidence_count >= EVIDENCE_CAP)
			return;
		for (size_t i = 0; i < sw->evidence_count; i++)
			if (sw->evidence[i].node == node && sw->evidence[i].method &&
					strcmp(sw->evidence[i].method, method) == 0)
				return;
	}
	size_t before = sw ? sw->evidence_count : 0;
	sw = fwg_sbom_add(a, name, version, NULL, method, detail);
	if (!sw)
		return;
	if (sw->evidence_count == before + 1)
		sw->evidence[before].node = node;
	set_identity(a, sw, d, name, kind);
}

static void defer(struct sbom_ctx *c, size_t def, const struct fwg_node *node, const char *method,
		const char *detail)
{
	/* A node's entries are added together (the walk is pre-order), so the
	 * search for a duplicate stops at another node's entry: it stays
	 * short however many there are, and the few duplicates it may miss
	 * are harmless (record() keeps one evidence per node and method). */
	for (size_t i = c->deferred_count; i > 0 && c->deferred[i - 1].node == node; i--)
		if (c->deferred[i - 1].def == def)
			return;
	if (!fwg_array_reserve((void **)&c->deferred, &c->deferred_cap, c->deferred_count,
			sizeof(*c->deferred))) {
		c->a->alloc_failed = true;
		return;
	}
	struct deferred *e = &c->deferred[c->deferred_count];
	e->def = def;
	e->node = node;
	e->method = strdup(method);
	e->detail = strdup(detail);
	if (!e->method || !e->detail) {
		free(e->method);
		free(e->detail);
		c->a->alloc_failed = true;
		return;
	}
	c->deferred_count++;
}

static bool name_identified(struct fwg_analysis *a, const char *name)
{
	for (size_t i = 0; i < a->software_count; i++)
		if (!a->software[i].has_guid && strcmp(a->software[i].name, name) == 0)
			return true;
	return false;
}

/* Components seen without a version, where no version was found. */
static void flush_deferred(struct sbom_ctx *c)
{
	bool *had = calloc(c->pack.def_count ? c->pack.def_count : 1, sizeof(bool));
	if (!had) {
		c->a->alloc_failed = true;
		return;
	}
	for (size_t i = 0; i < c->pack.def_count; i++)
		had[i] = name_identified(c->a, c->pack.defs[i].name);
	for (size_t i = 0; i < c->deferred_count; i++) {
		struct deferred *e = &c->deferred[i];
		const struct sbom_def *d = &c->pack.defs[e->def];
		if (!had[e->def])
			record(c, d, d->name, NULL, e->node, e->method, e->detail, NULL);
	}
	free(had);
}

/* ---- string signatures ---------------------------------------------- */

/* The component a finding in node is about: the file or UEFI module that
 * contains it, else the node itself. */
static const struct fwg_node *evidence_owner(const struct fwg_node *node)
{
	for (const struct fwg_node *n = node; n; n = n->parent)
		if ((n->type == FWG_TYPE_FILE && n->fs) || n->type == FWG_TYPE_FFS)
			return n;
	return node;
}

/* Whether a version of definition def found in the file being scanned is
 * new there and within VERSIONS_PER_FILE: one already recorded from this
 * file would add nothing, one past the cap is ignored. */
static bool new_file_version(struct sbom_ctx *c, size_t def, const char *version)
{
	struct file_versions *v = &c->versions[def];
	if (v->owner != c->scanning) {
		v->owner = c->scanning;
		v->count = 0;
	}
	for (unsigned i = 0; i < v->count; i++)
		if (strcmp(v->seen[i], version) == 0)
			return false;
	if (v->count >= VERSIONS_PER_FILE)
		return false;
	size_t len = strnlen(version, SBOM_VERSION_MAX);
	memcpy(v->seen[v->count], version, len);
	v->seen[v->count][len] = '\0';
	v->count++;
	return true;
}

static void on_match(const struct sbom_match *m, void *user)
{
	struct sbom_ctx *c = user;
	const struct sbom_def *d = &c->pack.defs[m->pattern->def];
	if (m->pattern->has_version && !new_file_version(c, m->pattern->def, m->version))
		return;
	char detail[256];
	snprintf(detail, sizeof(detail), "pattern \"%s\": %s", m->pattern->anchor_text, m->text);
	if (!m->pattern->has_version)
		defer(c, m->pattern->def, c->scanning, "string", detail);
	else
		record(c, d, d->name, m->version, c->scanning, "string", detail, NULL);
}

struct range {
	size_t start, end;
};

static int cmp_range(const void *x, const void *y)
{
	const struct range *p = x, *q = y;
	return p->start < q->start ? -1 : p->start > q->start;
}

/* Scans the bytes of node's body that no child window covers. */
static void scan_node(struct sbom_ctx *c, const struct fwg_node *node)
{
	if (!node->data || node->type == FWG_TYPE_PADDING || node->type == FWG_TYPE_FREE_SPACE)
		return;
	const uint8_t *base = node->body ? node->body : node->data;
	size_t size = node->body ? node->body_size : (size_t)node->size;
	if (!base || size < SBOM_ANCHOR_MIN)
		return;
	for (size_t i = 0; i < node->child_count; i++)
		if (node->children[i]->fs)
			return; /* a filesystem or archive: its files are scanned */
	c->scanning = evidence_owner(node);
	struct range *win = NULL;
	size_t nwin = 0;
	if (node->child_count) {
		win = malloc(node->child_count * sizeof(*win));
		if (!win) {
			c->a->alloc_failed = true;
			return;
		}
	}
	uintptr_t b = (uintptr_t)base;
	for (size_t i = 0; i < node->child_count; i++) {
		const struct fwg_node *ch = node->children[i];
		uintptr_t p = (uintptr_t)ch->data;
		if (!ch->data || p < b || ch->size > size || p - b > size - ch->size)
			continue; /* decoded elsewhere: scanned as its own node */
		win[nwin].start = (size_t)(p - b);
		win[nwin].end = win[nwin].start + (size_t)ch->size;
		nwin++;
	}
	if (nwin > 1)
		qsort(win, nwin, sizeof(*win), cmp_range);
	size_t pos = 0;
	for (size_t i = 0; i <= nwin; i++) {
		size_t gap_end = i < nwin ? win[i].start : size;
		if (gap_end > pos)
			sbom_scan(&c->pack, base, size, pos, gap_end, on_match, c);
		if (i < nwin && win[i].end > pos)
			pos = win[i].end;
	}
	free(win);
}

/* ---- package databases and os-release ------------------------------- */

static const struct sbom_def *def_for_package(const struct sbom_pack *pack, const char *name)
{
	for (size_t i = 0; i < pack->def_count; i++)
		for (size_t k = 0; k < pack->defs[i].package_count; k++)
			if (fnmatch(pack->defs[i].packages[k], name, 0) == 0)
				return &pack->defs[i];
	return NULL;
}

static bool package_name_ok(const char *s)
{
	if (!s[0] || strlen(s) > 128)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
				(*p >= '0' && *p <= '9') || strchr(".+-_", *p)))
			return false;
	return true;
}

struct stanza {
	char package[129];
	char version[129];
	char status[129];
	bool has_status;
};

/* "Status: want flag status": installed when the third word is exactly
 * "installed" (not "half-installed", "not-installed", ...). */
static bool status_installed(const char *status)
{
	const char *p = status;
	for (int word = 0; word < 2; word++) {
		p += strspn(p, " \t");
		p += strcspn(p, " \t");
	}
	p += strspn(p, " \t");
	size_t len = strcspn(p, " \t");
	return len == 9 && memcmp(p, "installed", 9) == 0;
}

static void package_done(struct sbom_ctx *c, const struct fwg_node *file, const char *method,
		struct stanza *s)
{
	if (!s->package[0] || !s->version[0] || !package_name_ok(s->package))
		return;
	if (s->has_status && !status_installed(s->status))
		return;
	char detail[300];
	snprintf(detail, sizeof(detail), "Package: %s, Version: %s", s->package, s->version);
	const struct sbom_def *d = def_for_package(&c->pack, s->package);
	if (d) {
		char up[129];
		if (sbom_upstream_version(s->version, up, sizeof(up)))
			record(c, d, d->name, up, file, method, detail, NULL);
	} else {
		record(c, NULL, s->package, s->version, file, method, detail, "application");
	}
}

/* Copies the value of a "Key: value" line (without leading blanks). */
static void field_value(const uint8_t *line, size_t len, size_t key_len, char *out, size_t size)
{
	size_t i = key_len;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	size_t n = 0;
	for (; i < len && n + 1 < size; i++) {
		uint8_t ch = line[i];
		if (ch == '\r')
			break;
		out[n++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

static bool key_is(const uint8_t *line, size_t len, const char *key)
{
	size_t k = strlen(key);
	return len >= k && memcmp(line, key, k) == 0;
}

/* opkg and dpkg status files: RFC 822-style stanzas. */
static void parse_status(struct sbom_ctx *c, const struct fwg_node *file, const char *method)
{
	const uint8_t *p = file->data;
	size_t size = (size_t)file->size, pos = 0, count = 0;
	struct stanza s;
	memset(&s, 0, sizeof(s));
	while (pos < size && count < MAX_PACKAGES_PER_DB) {
		const uint8_t *nl = memchr(p + pos, '\n', size - pos);
		size_t len = nl ? (size_t)(nl - (p + pos)) : size - pos;
		const uint8_t *line = p + pos;
		pos += len + (nl ? 1 : 0);
		if (len == 0 || (len == 1 && line[0] == '\r')) {
			package_done(c, file, method, &s);
			memset(&s, 0, sizeof(s));
			count++;
			continue;
		}
		if (key_is(line, len, "Package:"))
			field_value(line, len, 8, s.package, sizeof(s.package));
		else if (key_is(line, len, "Version:"))
			field_value(line, len, 8, s.version, sizeof(s.version));
		else if (key_is(line, len, "Status:")) {
			field_value(line, len, 7, s.status, sizeof(s.status));
			s.has_status = true;
		}
	}
	package_done(c, file, method, &s);
}

static void os_value(const uint8_t *line, size_t len, size_t key_len, char *out, size_t size)
{
	field_value(line, len, key_len, out, size);
	size_t n = strlen(out);
	if (n >= 2 && (out[0] == '"' || out[0] == '\'') && out[n - 1] == out[0]) {
		memmove(out, out + 1, n - 2);
		out[n - 2] = '\0';
	}
}

static void parse_os_release(struct sbom_ctx *c, const struct fwg_node *file)
{
	const uint8_t *p = file->data;
	size_t size = file->size < MAX_OS_RELEASE ? (size_t)file->size : MAX_OS_RELEASE, pos = 0;
	char id[65] = "", version_id[129] = "", version[129] = "";
	while (pos < size) {
		const uint8_t *nl = memchr(p + pos, '\n', size - pos);
		size_t len = nl ? (size_t)(nl - (p + pos)) : size - pos;
		const uint8_t *line = p + pos;
		pos += len + (nl ? 1 : 0);
		if (key_is(line, len, "ID="))
			os_value(line, len, 3, id, sizeof(id));
		else if (key_is(line, len, "VERSION_ID="))
			os_value(line, len, 11, version_id, sizeof(version_id));
		else if (key_is(line, len, "VERSION="))
			os_value(line, len, 8, version, sizeof(version));
	}
	if (!id[0] || !package_name_ok(id))
		return;
	for (char *q = id; *q; q++)
		if (*q >= 'A' && *q <= 'Z')
			*q = (char)(*q - 'A' + 'a');
	const char *ver = version_id[0] ? version_id : version[0] ? version : NULL;
	char detail[400];
	snprintf(detail, sizeof(detail), "ID=%s VERSION_ID=%s VERSION=%s", id, version_id, version);
	for (size_t i = 0; i < c->pack.def_count; i++) {
		const struct sbom_def *d = &c->pack.defs[i];
		for (size_t k = 0; k < d->os_id_count; k++) {
			if (strcmp(d->os_ids[k], id) == 0) {
				record(c, d, d->name, ver, file, "os-release", detail, NULL);
				return;
			}
		}
	}
	record(c, NULL, id, ver, file, "os-release", detail, "operating-system");
}

static void visit_file(struct sbom_ctx *c, const struct fwg_node *n)
{
	const char *path = n->fs->path;
	if (!path)
		return;
	if (n->type == FWG_TYPE_FILE && n->data) {
		if (!strcmp(path, "/usr/lib/opkg/status") || !strcmp(path, "/var/lib/opkg/status"))
			parse_status(c, n, "opkg-status");
		else if (!strcmp(path, "/var/lib/dpkg/status"))
			parse_status(c, n, "dpkg-status");
		else if (!strcmp(path, "/etc/os-release") || !strcmp(path, "/usr/lib/os-release"))
			parse_os_release(c, n);
	}
	if (n->type != FWG_TYPE_FILE && n->type != FWG_TYPE_SYMLINK)
		return;
	for (size_t i = 0; i < c->pack.def_count; i++) {
		const struct sbom_def *d = &c->pack.defs[i];
		for (size_t k = 0; k < d->path_count; k++) {
			if (fnmatch(d->paths[k], path, FNM_PATHNAME) == 0) {
				char detail[300];
				snprintf(detail, sizeof(detail), "path \"%s\": %s", d->paths[k], path);
				defer(c, i, n, "path", detail);
				break;
			}
		}
	}
}

/* ---- MegaRAC and UEFI ------------------------------------------------ */

static const char *attr_str(const struct fwg_node *n, const char *key)
{
	const struct fwg_attr *at = fwg_node_attr_find(n, key);
	return at && at->kind == FWG_ATTR_STR ? at->str : NULL;
}

static void visit_fmh(struct sbom_ctx *c, const struct fwg_node *n)
{
	const char *ver = attr_str(n, "fw_version");
	if (!ver || !ver[0] || strlen(ver) > SBOM_VERSION_MAX)
		return;
	const char *product = attr_str(n, "fw_productname");
	char detail[300];
	snprintf(detail, sizeof(detail), "FW_VERSION=%s%s%s", ver, product ? " FW_PRODUCTNAME=" : "",
		product ? product : "");
	for (size_t i = 0; i < c->pack.def_count; i++)
		if (c->pack.defs[i].fmh_info)
			record(c, &c->pack.defs[i], c->pack.defs[i].name, ver, n, "fmh-firmware-info",
				detail, NULL);
}

/* A version section directly below the file (not in a nested file). */
static const char *module_version(const struct fwg_node *n, unsigned depth)
{
	for (size_t i = 0; depth < 4 && i < n->child_count; i++) {
		const struct fwg_node *ch = n->children[i];
		if (ch->type != FWG_TYPE_SECTION)
			continue;
		const char *v = attr_str(ch, "version");
		if (v && v[0])
			return v;
		v = module_version(ch, depth + 1);
		if (v)
			return v;
	}
	return NULL;
}

static void visit_ffs(struct sbom_ctx *c, const struct fwg_node *n)
{
	const char *type = attr_str(n, "file_type");
	if (!n->has_guid || (type && strcmp(type, "PAD") == 0))
		return;
	char g[FWG_GUID_TEXT_LEN];
	fwg_guid_format(n->guid, g);
	const char *name = n->name && n->name[0] ? n->name : g;
	const char *version = module_version(n, 0);
	const char *sha = fwg_node_hash_hex(n, FWG_HASH_SHA256);
	char detail[200];
	snprintf(detail, sizeof(detail), "FFS file %s type %s sha256 %s", g, type ? type : "unknown",
		sha ? sha : "unknown");
	struct fwg_software *sw = fwg_sbom_add(c->a, name, version, n, "uefi-module", detail);
	if (!sw || sw->kind)
		return;
	fwg_software_set(c->a, &sw->kind, "firmware");
	char desc[96];
	snprintf(desc, sizeof(desc), "UEFI firmware file (%s)", type ? type : "unknown type");
	fwg_software_set(c->a, &sw->description, desc);
	char purl[512], ename[256], ever[128];
	size_t n1 = 0, n2 = 0;
	ename[0] = ever[0] = '\0';
	if (append_escaped(ename, sizeof(ename), &n1, name, false) &&
			(!version || append_escaped(ever, sizeof(ever), &n2, version, false))) {
		snprintf(purl, sizeof(purl), "pkg:generic/%s%s%s%s%s", ename, version ? "@" : "", ever,
			sha ? "?checksum=sha256:" : "", sha ? sha : "");
		fwg_software_set(c->a, &sw->purl, purl);
	}
}

static void visit(struct sbom_ctx *c, const struct fwg_node *n)
{
	if (c->a->alloc_failed)
		return;
	if (n->fs)
		visit_file(c, n);
	if (n->type == FWG_TYPE_FMH_MODULE)
		visit_fmh(c, n);
	if (n->type == FWG_TYPE_FFS)
		visit_ffs(c, n);
	scan_node(c, n);
	for (size_t i = 0; i < n->child_count; i++)
		visit(c, n->children[i]);
}

static enum fwg_status run(struct fwg_analysis *a)
{
	struct sbom_ctx c;
	memset(&c, 0, sizeof(c));
	c.a = a;
	enum fwg_status st = sbom_pack_load(a, &c.pack);
	if (st == FWG_OK) {
		c.versions = calloc(c.pack.def_count ? c.pack.def_count : 1, sizeof(*c.versions));
		if (!c.versions)
			st = fwg_analysis_fail(a, FWG_NOMEM, "sbom: out of memory");
	}
	if (st == FWG_OK) {
		const struct fwg_node *root = fwg_image_root(a->image);
		if (root)
			visit(&c, root);
		flush_deferred(&c);
	}
	for (size_t i = 0; i < c.deferred_count; i++) {
		free(c.deferred[i].method);
		free(c.deferred[i].detail);
	}
	free(c.deferred);
	free(c.versions);
	sbom_pack_free(&c.pack);
	return st;
}

const struct fwg_engine fwg_engine_sbom = {
	.name = "sbom",
	.description = "software identification for the SBOM: strings, package databases, "
		"os-release, MegaRAC firmware info, UEFI modules",
	.run = run,
};
