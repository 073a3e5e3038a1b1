/*
 * yara.c - the yara engine: YARA rules (libyara) over the bytes of the
 * finished tree.
 *
 * Rules: every *.yar / *.yara of the shipped pack (rules/yara under the
 * data directory) and of each --rules directory, compiled together, one
 * YARA namespace per directory (so a user directory may reuse a shipped
 * rule's name).  A compile error in any file fails the analysis with
 * "file:line: message".
 *
 * What is scanned, so that each stored or decoded byte is scanned about
 * once (never a container and all its children over the same bytes):
 *
 *   units      files (their content), PE32/TE images (UEFI modules),
 *              option ROMs, NVRAM variables, device trees, U-Boot
 *              environments and bare ELF images are scanned whole; their
 *              descendants inside the same bytes are not scanned again.
 *              A unit that holds a container (a file that is a cpio,
 *              a squashfs, a gzip stream, a volume) is scanned by gaps
 *              instead, so what it holds is reported as itself;
 *   gaps       any other node (the image, IFD regions, volumes,
 *              partitions, raw regions, free space, padding, FMH modules)
 *              has the parts of its bytes that no child covers scanned;
 *              a leaf is all gap.  Gaps under 16 bytes (headers between
 *              volume files, alignment) are skipped;
 *   decoded    where a node decodes (compression, GUID-defined sections)
 *              the uncovered parts of its decoded body are scanned, not
 *              its encoded bytes; the encoded bytes of compressed
 *              filesystems and streams (squashfs, cramfs, jffs2, ubifs,
 *              ubi, gzip, xz, ...) are never scanned: their files are.
 *   skipped    directories, symlinks, devices, nodes without bytes
 *              (restored from the cache).
 *
 * External variables a rule may test (all strings, "" when unknown):
 *   filepath   the file's path in its filesystem ("/usr/sbin/ipmid"), or
 *              the component path for other nodes
 *   filetype   the node type ("file", "ffs", "pe32", "region", ...)
 *   filekind   content kind of files ("elf:arm", "script:sh", "text",
 *              "certificate", "private_key", "data", ...)
 *   filename   the node's name (a file's base name, a module's UI name)
 *   guid       the GUID of the node or of its enclosing FFS file
 *
 * Findings: one per (rule, node), rule id "yara.<rule name>"; severity,
 * confidence, description, remediation, cve and reference come from the
 * rule's meta: (docs/findings.md).  Evidence: the first string of the
 * rule (in rule order) that matched, its offset and a bounded excerpt.
 *
 * libyara's global state: yr_initialize/yr_finalize are reference counted
 * by libyara but not thread-safe, so both are called under one process-wide
 * mutex, once per fwg_analyze run (several analyses in one process, in
 * turn or in parallel, are fine).  Scans use SCAN_FLAGS_NO_TRYCATCH: the
 * bytes are in memory we own, so no signal handler is needed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yara.h>

#include "../core/array.h"
#include "engine.h"
#include "../core/guid.h"
#include "../core/image.h"

#define SCAN_TIMEOUT_SECONDS 30
#define MIN_GAP 16
#define EXCERPT_MAX 64
#define MAX_RULE_FILES 4096

/* libyara's init/finalize counter is a plain int: serialize its users. */
static pthread_mutex_t yara_init_lock = PTHREAD_MUTEX_INITIALIZER;

static bool yara_acquire(void)
{
	pthread_mutex_lock(&yara_init_lock);
	int rc = yr_initialize();
	pthread_mutex_unlock(&yara_init_lock);
	return rc == ERROR_SUCCESS;
}

static void yara_release(void)
{
	pthread_mutex_lock(&yara_init_lock);
	(void)yr_finalize();
	pthread_mutex_unlock(&yara_init_lock);
}

/* ---- compiling ---------------------------------------------------------- */

struct compile_state {
	char error[400];
	bool failed;
};

static void compiler_message(int level, const char *file, int line, const YR_RULE *rule,
		const char *message, void *user)
{
	(void)rule;
	struct compile_state *cs = user;
	if (level != YARA_ERROR_LEVEL_ERROR || cs->failed)
		return;
	cs->failed = true;
	snprintf(cs->error, sizeof(cs->error), "%s:%d: %s", file ? file : "?", line,
		message ? message : "error");
}

static bool is_rule_file(const char *name)
{
	size_t n = strlen(name);
	if (name[0] == '.')
		return false;
	return (n > 4 && strcmp(name + n - 4, ".yar") == 0) ||
		(n > 5 && strcmp(name + n - 5, ".yara") == 0);
}

static int compare_names(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Adds one rule file; FWG_OK or a failure recorded on a. */
static enum fwg_status add_file(struct fwg_analysis *a, YR_COMPILER *c, struct compile_state *cs,
		const char *path, const char *ns)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fwg_analysis_fail(a, FWG_IO, "yara: %s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return fwg_analysis_fail(a, FWG_IO, "yara: %s: not a regular file", path);
	}
	FILE *f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return fwg_analysis_fail(a, FWG_NOMEM, "yara: %s: %s", path, strerror(errno));
	}
	int errors = yr_compiler_add_file(c, f, ns, path);
	fclose(f);
	if (errors > 0 || cs->failed)
		return fwg_analysis_fail(a, FWG_MALFORMED, "yara rule error: %s",
			cs->failed ? cs->error : path);
	return FWG_OK;
}

/* Adds every rule file of dir, in name order. */
static enum fwg_status add_dir(struct fwg_analysis *a, YR_COMPILER *c, struct compile_state *cs,
		const char *dir, const char *ns)
{
	DIR *d = opendir(dir);
	if (!d)
		return fwg_analysis_fail(a, FWG_IO, "yara: rules directory %s: %s", dir,
			strerror(errno));
	char **names = NULL;
	size_t count = 0, cap = 0;
	enum fwg_status st = FWG_OK;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (!is_rule_file(e->d_name))
			continue;
		if (count >= MAX_RULE_FILES) {
			st = fwg_analysis_fail(a, FWG_LIMIT, "yara: %s: more than %d rule files",
				dir, MAX_RULE_FILES);
			break;
		}
		if (!fwg_array_reserve((void **)&names, &cap, count, sizeof(*names))) {
			st = fwg_analysis_fail(a, FWG_NOMEM, "yara: out of memory");
			break;
		}
		char *path = NULL;
		if (asprintf(&path, "%s/%s", dir, e->d_name) < 0) {
			st = fwg_analysis_fail(a, FWG_NOMEM, "yara: out of memory");
			break;
		}
		names[count++] = path;
	}
	closedir(d);
	if (st == FWG_OK && count > 1)
		qsort(names, count, sizeof(*names), compare_names);
	for (size_t i = 0; st == FWG_OK && i < count; i++)
		st = add_file(a, c, cs, names[i], ns);
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
	return st;
}

static const char *const external_names[] = {
	"filepath", "filetype", "filekind", "filename", "guid",
};
enum { EXT_PATH, EXT_TYPE, EXT_KIND, EXT_NAME, EXT_GUID, EXT_COUNT };

/* Compiles the shipped pack and the user directories into *out (NULL and
 * FWG_OK when there is no rule at all). */
static enum fwg_status compile_rules(struct fwg_analysis *a, YR_RULES **out)
{
	*out = NULL;
	YR_COMPILER *c = NULL;
	if (yr_compiler_create(&c) != ERROR_SUCCESS)
		return fwg_analysis_fail(a, FWG_NOMEM, "yara: cannot create the compiler");
	struct compile_state cs = { .failed = false };
	yr_compiler_set_callback(c, compiler_message, &cs);
	enum fwg_status st = FWG_OK;
	for (size_t i = 0; st == FWG_OK && i < EXT_COUNT; i++)
		if (yr_compiler_define_string_variable(c, external_names[i], "") != ERROR_SUCCESS)
			st = fwg_analysis_fail(a, FWG_NOMEM, "yara: cannot define externals");
	char shipped[4096];
	if (st == FWG_OK && fwg_analysis_data_path(a, "rules/yara", shipped, sizeof(shipped)))
		st = add_dir(a, c, &cs, shipped, "fwguard");
	const struct fwg_analysis_options *o = a->options;
	for (size_t i = 0; st == FWG_OK && o && i < o->rule_dir_count && i < FWG_MAX_RULE_DIRS;
			i++) {
		if (!o->rule_dirs[i])
			continue;
		char ns[32];
		snprintf(ns, sizeof(ns), "user%zu", i);
		st = add_dir(a, c, &cs, o->rule_dirs[i], ns);
	}
	if (st == FWG_OK && yr_compiler_get_rules(c, out) != ERROR_SUCCESS) {
		*out = NULL;
		st = fwg_analysis_fail(a, FWG_NOMEM, "yara: cannot build the rules");
	}
	yr_compiler_destroy(c);
	return st;
}

/* ---- reporting ---------------------------------------------------------- */

struct scan_state {
	struct fwg_analysis *a;
	YR_SCANNER *scanner;
	const struct fwg_node *node;   /* the node findings are about */
	uint64_t base;                 /* offset of the scanned block in the node */
	bool in_body;                  /* the block is in the decoded body */
	/* rules already reported for this node, by name: one finding per
	 * (rule id, node) even when two namespaces share a rule name */
	const YR_RULE **reported;
	size_t reported_count, reported_cap;
};

static bool already_reported(struct scan_state *s, const YR_RULE *rule)
{
	for (size_t i = 0; i < s->reported_count; i++)
		if (strcmp(s->reported[i]->identifier, rule->identifier) == 0)
			return true;
	if (!fwg_array_reserve((void **)&s->reported, &s->reported_cap, s->reported_count,
			sizeof(*s->reported))) {
		s->a->alloc_failed = true;
		return true;
	}
	s->reported[s->reported_count++] = rule;
	return false;
}

static enum fwg_level meta_level(const char *text, enum fwg_level fallback)
{
	enum fwg_level l;
	return text && fwg_level_parse(text, &l) ? l : fallback;
}

static enum fwg_confidence meta_confidence(const char *text)
{
	if (text && strcmp(text, "low") == 0)
		return FWG_CONFIDENCE_LOW;
	if (text && strcmp(text, "high") == 0)
		return FWG_CONFIDENCE_HIGH;
	return FWG_CONFIDENCE_MEDIUM;
}

/* "$id at 0x1f0: <bytes>" for the first matched string, in rule order.
 * libyara 4.2 allocates YR_MATCH records in its notebook without padding
 * them to 8 bytes, so walking its match list (its own macros) reads
 * misaligned structs: harmless on the targets libyara supports, but
 * UBSan's alignment check would stop every test here.  Only this walk
 * opts out of that one check. */
__attribute__((no_sanitize("alignment")))
static char *match_evidence(YR_SCAN_CONTEXT *ctx, const YR_RULE *rule, const struct scan_state *s,
		size_t *len_out)
{
	const YR_STRING *string;
	yr_rule_strings_foreach(rule, string) {
		const YR_MATCH *m;
		yr_string_matches_foreach(ctx, string, m) {
			uint64_t off = s->base + (uint64_t)m->base + (uint64_t)m->offset;
			size_t dlen = m->data_length > 0 ? (size_t)m->data_length : 0;
			if (dlen > EXCERPT_MAX)
				dlen = EXCERPT_MAX;
			char head[160];
			int h = snprintf(head, sizeof(head), "%s at %s0x%llx: ",
				string->identifier ? string->identifier : "$",
				s->in_body ? "decoded+" : "", (unsigned long long)off);
			if (h < 0 || (size_t)h >= sizeof(head))
				h = 0;
			char *ev = malloc((size_t)h + dlen + 1);
			if (!ev)
				return NULL;
			memcpy(ev, head, (size_t)h);
			if (dlen && m->data)
				memcpy(ev + h, m->data, dlen);
			else
				dlen = 0;
			ev[(size_t)h + dlen] = '\0';
			*len_out = (size_t)h + dlen;
			return ev;
		}
	}
	char *ev = strdup("condition matched");
	if (ev)
		*len_out = strlen(ev);
	return ev;
}

static void report_rule(YR_SCAN_CONTEXT *ctx, const YR_RULE *rule, struct scan_state *s)
{
	if (RULE_IS_PRIVATE(rule) || already_reported(s, rule))
		return;
	const char *description = NULL, *severity = NULL, *confidence = NULL;
	const char *remediation = NULL, *cve = NULL, *reference = NULL;
	const YR_META *meta;
	yr_rule_metas_foreach(rule, meta) {
		if (meta->type != META_TYPE_STRING || !meta->identifier || !meta->string)
			continue;
		const char *k = meta->identifier;
		if (strcmp(k, "description") == 0)
			description = meta->string;
		else if (strcmp(k, "severity") == 0)
			severity = meta->string;
		else if (strcmp(k, "confidence") == 0)
			confidence = meta->string;
		else if (strcmp(k, "remediation") == 0)
			remediation = meta->string;
		else if (strcmp(k, "cve") == 0)
			cve = meta->string;
		else if (strcmp(k, "reference") == 0)
			reference = meta->string;
	}
	char *id = NULL, *message = NULL;
	size_t ev_len = 0;
	char *evidence = match_evidence(ctx, rule, s, &ev_len);
	if (asprintf(&id, "yara.%s", rule->identifier) < 0)
		id = NULL;
	if (asprintf(&message, "%s%s%s%s%s", description ? description : "YARA rule ",
			description ? "" : rule->identifier, reference ? " (reference: " : "",
			reference ? reference : "", reference ? ")" : "") < 0)
		message = NULL;
	if (!id || !message || !evidence) {
		s->a->alloc_failed = true;
	} else {
		fwg_report(s->a, &(struct fwg_finding_desc){
			.rule = id,
			.severity = meta_level(severity, FWG_LEVEL_MEDIUM),
			.confidence = meta_confidence(confidence),
			.node = s->node,
			.cve = cve && cve[0] ? cve : NULL,
			.message = message,
			.evidence = evidence,
			.evidence_len = ev_len,
			.remediation = remediation,
		});
	}
	free(id);
	free(message);
	free(evidence);
}

static int scan_callback(YR_SCAN_CONTEXT *ctx, int message, void *data, void *user)
{
	if (message == CALLBACK_MSG_RULE_MATCHING)
		report_rule(ctx, data, user);
	return CALLBACK_CONTINUE;
}

/* ---- choosing what to scan ---------------------------------------------- */

static bool is_type(const struct fwg_node *n, const char *const *types, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (n->type == types[i])
			return true;
	return false;
}

/* Scanned whole: a meaningful unit whose children are parts of it. */
static bool is_unit(const struct fwg_node *n)
{
	static const char *const units[] = {
		FWG_TYPE_FILE, FWG_TYPE_PE32, FWG_TYPE_TE, FWG_TYPE_OPTION_ROM,
		FWG_TYPE_NVRAM_VAR, FWG_TYPE_DTB, FWG_TYPE_UBOOT_ENV, FWG_TYPE_ELF,
	};
	return is_type(n, units, sizeof(units) / sizeof(units[0]));
}

/* Never scanned: no bytes of their own, or only encoded ones. */
static bool is_opaque(const struct fwg_node *n)
{
	static const char *const opaque[] = {
		FWG_TYPE_DIR, FWG_TYPE_SYMLINK, FWG_TYPE_DEVICE,
		FWG_TYPE_SQUASHFS, FWG_TYPE_CRAMFS, FWG_TYPE_JFFS2, FWG_TYPE_UBIFS, FWG_TYPE_UBI,
		FWG_TYPE_GZIP, FWG_TYPE_XZ, FWG_TYPE_LZMA, FWG_TYPE_ZSTD, FWG_TYPE_LZ4,
		FWG_TYPE_BZIP2, FWG_TYPE_LZO,
	};
	return is_type(n, opaque, sizeof(opaque) / sizeof(opaque[0]));
}

static void set_external(struct scan_state *s, int which, const char *value)
{
	/* Only fails out of memory: the rule then sees the previous value. */
	if (yr_scanner_define_string_variable(s->scanner, external_names[which],
			value ? value : "") != ERROR_SUCCESS)
		s->a->alloc_failed = true;
}

static void set_externals(struct scan_state *s, const struct fwg_node *n)
{
	const char *path = n->fs ? n->fs->path : n->path;
	set_external(s, EXT_PATH, path);
	set_external(s, EXT_TYPE, n->type);
	set_external(s, EXT_KIND, n->fs ? n->fs->kind : "");
	/* Parts of a UEFI module (sections, its PE32 image) take the name
	 * and GUID of their FFS file. */
	const struct fwg_node *ffs = NULL;
	for (const struct fwg_node *g = n; g && !g->fs; g = g->parent) {
		if (g->type == FWG_TYPE_FFS) {
			ffs = g;
			break;
		}
	}
	const char *name = n->name;
	if ((!name || !name[0]) && ffs && !n->fs)
		name = ffs->name;
	set_external(s, EXT_NAME, name);
	char guid[FWG_GUID_TEXT_LEN] = "";
	if (n->has_guid && !n->fs)
		fwg_guid_format(n->guid, guid);
	else if (ffs && ffs->has_guid)
		fwg_guid_format(ffs->guid, guid);
	set_external(s, EXT_GUID, guid);
}

static enum fwg_status scan_block(struct scan_state *s, const uint8_t *bytes, size_t size,
		uint64_t base, bool in_body)
{
	/* Erased flash and zero fill hold no pattern (memcmp against itself
	 * shifted by one: every byte equals the first). */
	if (size == 0 || (size > 1 && bytes[0] == bytes[size - 1] &&
			memcmp(bytes, bytes + 1, size - 1) == 0))
		return FWG_OK;
	s->base = base;
	s->in_body = in_body;
	int rc = yr_scanner_scan_mem(s->scanner, bytes, size);
	if (rc == ERROR_SUCCESS)
		return FWG_OK;
	if (rc == ERROR_SCAN_TIMEOUT) {
		fwg_report(s->a, &(struct fwg_finding_desc){
			.rule = "yara.timeout",
			.severity = FWG_LEVEL_INFO,
			.confidence = FWG_CONFIDENCE_HIGH,
			.node = s->node,
			.message = "YARA scan of this component timed out; results may be incomplete",
		});
		return FWG_OK;
	}
	if (rc == ERROR_INSUFFICIENT_MEMORY)
		return fwg_analysis_fail(s->a, FWG_NOMEM, "yara: out of memory while scanning");
	return fwg_analysis_fail(s->a, FWG_IO, "yara: scan of %s failed (libyara error %d)",
		s->node->path ? s->node->path : "?", rc);
}

struct span {
	size_t start, end;
};

static int compare_spans(const void *x, const void *y)
{
	const struct span *p = x, *q = y;
	return p->start < q->start ? -1 : p->start > q->start;
}

/* Filesystem directories have no bytes: their files are windows of the
 * filesystem node's body (offsets relative to it), so coverage looks
 * through them. */
static size_t count_spans(const struct fwg_node *n)
{
	size_t count = 0;
	for (size_t i = 0; i < n->child_count; i++) {
		const struct fwg_node *c = n->children[i];
		count += c->type == FWG_TYPE_DIR ? count_spans(c) : 1;
	}
	return count;
}

static void collect_spans(const struct fwg_node *n, const struct fwg_node *holder, size_t body_at,
		size_t size, struct span *spans, size_t *count, size_t cap)
{
	for (size_t i = 0; i < holder->child_count && *count < cap; i++) {
		const struct fwg_node *c = holder->children[i];
		if (c->type == FWG_TYPE_DIR) {
			collect_spans(n, c, body_at, size, spans, count, cap);
			continue;
		}
		/* Only windows of n's body cover bytes (not decoded content). */
		if (!c->data || !n->body || c->offset > n->body_size ||
				c->size > n->body_size - c->offset || c->data != n->body + c->offset)
			continue;
		if (body_at > size || c->offset > size - body_at ||
				c->size > size - body_at - c->offset)
			continue;
		spans[*count].start = body_at + (size_t)c->offset;
		spans[*count].end = spans[*count].start + (size_t)c->size;
		(*count)++;
	}
}

/*
 * Scans the parts of [bytes, bytes+size) not covered by a child; children
 * sit in the node's body, which starts body_at bytes into the block.
 */
static enum fwg_status scan_gaps(struct scan_state *s, const struct fwg_node *n,
		const uint8_t *bytes, size_t size, size_t body_at, bool in_body)
{
	struct span *spans = NULL;
	size_t count = 0;
	size_t n_desc = count_spans(n);
	if (n_desc) {
		spans = calloc(n_desc, sizeof(*spans));
		if (!spans)
			return fwg_analysis_fail(s->a, FWG_NOMEM, "yara: out of memory");
	}
	collect_spans(n, n, body_at, size, spans, &count, n_desc);
	if (count > 1)
		qsort(spans, count, sizeof(*spans), compare_spans);
	enum fwg_status st = FWG_OK;
	size_t pos = 0;
	for (size_t i = 0; st == FWG_OK && i <= count; i++) {
		size_t next = i < count ? spans[i].start : size;
		if (next > pos && next - pos >= MIN_GAP)
			st = scan_block(s, bytes + pos, next - pos, pos, in_body);
		if (i < count && spans[i].end > pos)
			pos = spans[i].end;
	}
	free(spans);
	return st;
}

/* Components that hold further units (files, modules, volumes): a unit
 * with such a child is not scanned whole but by its gaps, so that what is
 * inside is scanned, and reported, once, as itself. */
static bool is_container(const struct fwg_node *n)
{
	static const char *const containers[] = {
		FWG_TYPE_SQUASHFS, FWG_TYPE_CRAMFS, FWG_TYPE_JFFS2, FWG_TYPE_UBIFS, FWG_TYPE_UBI,
		FWG_TYPE_UBI_VOLUME, FWG_TYPE_CPIO, FWG_TYPE_TAR, FWG_TYPE_GZIP, FWG_TYPE_XZ,
		FWG_TYPE_LZMA, FWG_TYPE_ZSTD, FWG_TYPE_LZ4, FWG_TYPE_BZIP2, FWG_TYPE_LZO,
		FWG_TYPE_FV, FWG_TYPE_IFD, FWG_TYPE_CAPSULE, FWG_TYPE_FMP_IMAGE, FWG_TYPE_UIMAGE,
		FWG_TYPE_FIT, FWG_TYPE_OPENBMC_FLASH, FWG_TYPE_OPENBMC_UPDATE,
		FWG_TYPE_MEGARAC_FLASH, FWG_TYPE_FMH_MODULE, FWG_TYPE_ATEN_FLASH,
		FWG_TYPE_PARTITION, FWG_TYPE_NVRAM_STORE,
	};
	return is_type(n, containers, sizeof(containers) / sizeof(containers[0]));
}

static bool scan_whole(const struct fwg_node *n)
{
	if (!is_unit(n))
		return false;
	for (size_t i = 0; i < n->child_count; i++)
		if (is_container(n->children[i]))
			return false;
	return true;
}

/*
 * Visits n; covered says an ancestor unit already scanned n's raw bytes.
 * Depth is bounded by the unpacking limits (max_depth).
 */
static enum fwg_status visit(struct scan_state *s, const struct fwg_node *n, bool covered)
{
	enum fwg_status st = FWG_OK;
	bool scanned_raw = covered;
	s->reported_count = 0;
	if (n->data && !covered && !is_opaque(n)) {
		s->node = n;
		set_externals(s, n);
		if (scan_whole(n)) {
			st = scan_block(s, n->data, (size_t)n->size, 0, false);
			scanned_raw = true;
		} else if (!n->body_decoded) {
			st = scan_gaps(s, n, n->data, (size_t)n->size, n->body_offset, false);
		}
	}
	/* A decoded body holds new bytes, whatever covered the raw ones. */
	if (st == FWG_OK && n->body_decoded && n->body) {
		s->node = n;
		set_externals(s, n);
		st = scan_gaps(s, n, n->body, n->body_size, 0, true);
	}
	for (size_t i = 0; st == FWG_OK && i < n->child_count; i++) {
		const struct fwg_node *c = n->children[i];
		bool inside = !n->body_decoded && n->body && c->data && c->offset <= n->body_size &&
			c->size <= n->body_size - c->offset && c->data == n->body + c->offset;
		st = visit(s, c, scanned_raw && inside);
	}
	return st;
}

static enum fwg_status run(struct fwg_analysis *a)
{
	if (!a->image || !a->image->root)
		return FWG_OK;
	if (!yara_acquire())
		return fwg_analysis_fail(a, FWG_NOMEM, "yara: cannot initialize libyara");
	YR_RULES *rules = NULL;
	struct scan_state s = { .a = a };
	enum fwg_status st = compile_rules(a, &rules);
	if (st == FWG_OK && rules) {
		if (yr_scanner_create(rules, &s.scanner) != ERROR_SUCCESS) {
			st = fwg_analysis_fail(a, FWG_NOMEM, "yara: cannot create a scanner");
		} else {
			yr_scanner_set_callback(s.scanner, scan_callback, &s);
			yr_scanner_set_timeout(s.scanner, SCAN_TIMEOUT_SECONDS);
			yr_scanner_set_flags(s.scanner, SCAN_FLAGS_FAST_MODE | SCAN_FLAGS_NO_TRYCATCH);
			st = visit(&s, a->image->root, false);
			yr_scanner_destroy(s.scanner);
		}
	}
	free(s.reported);
	if (rules)
		yr_rules_destroy(rules);
	yara_release();
	return st;
}

const struct fwg_engine fwg_engine_yara = {
	.name = "yara",
	.description = "YARA rules over files, regions and modules",
	.run = run,
};
