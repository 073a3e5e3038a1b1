/*
 * elf_audit.c - the elf engine: hardening of executables and shared
 * objects, dangerous imports, RPATH/RUNPATH, setuid/setgid files.
 *
 * Reads the finished tree: every `elf` node with bytes (the child of a
 * file node, or the image itself), using the facts the ELF handler
 * recorded (nx, relro, pie, canary, fortify, rpath, runpath, needed,
 * elf_type, kind, linking) and the imported symbols from elf_symbols.h.
 * Rules (docs/findings.md):
 *
 *   elf.hardening        low (info when only BIND_NOW is missing), one per
 *                        binary: what is missing of NX, RELRO, full RELRO,
 *                        PIE (executables), stack canary, FORTIFY_SOURCE.
 *   elf.rpath            low; medium when an entry is relative, empty, or
 *                        in a run-time writable directory.
 *   elf.dangerous_import info/low, one per binary: imports from the
 *                        dangerous-imports list.
 *   fs.setuid            medium, one per file: setuid/setgid executable.
 *
 * The canary and FORTIFY checks are heuristics, because "no protected
 * function" is a legitimate result for a small, clean binary: a missing
 * canary is reported only when the binary imports a function that is
 * almost always called on a stack buffer (stack-buffer-functions.txt);
 * missing FORTIFY only for glibc binaries that import a function FORTIFY
 * level 2 always replaces (fortify-functions.txt).  Static binaries (no
 * imports to judge by) get the NX/RELRO/PIE checks only.
 *
 * Data: rules/elf/<list>.txt plus <list>*.txt in every --rules DIR and
 * DIR/elf.  Kernel modules and relocatable objects (ET_REL), core files,
 * kernels and /lib/firmware blobs are not judged for hardening.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/array.h"
#include "engine.h"
#include "elf_symbols.h"
#include "../core/image.h"

#define MAX_LIST_WORDS 4096u
#define MAX_LIST_LINE 512u
#define MAX_REPORTED_IMPORTS 32u
#define MAX_IMPORTS_SCANNED (1u << 18)

struct word {
	char *text;
	enum fwg_level level;  /* dangerous imports */
	char *reason;
};

struct word_list {
	struct word *v;
	size_t n, cap;
};

struct elf_rules {
	struct word_list dangerous, stack_buffer, fortify, writable;
};

struct elf_ctx {
	struct fwg_analysis *a;
	struct elf_rules rules;
	enum fwg_status status;
};

/* --- rule lists ------------------------------------------------------------ */

static void list_free(struct word_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].text);
		free(l->v[i].reason);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static bool list_has(const struct word_list *l, const char *s, size_t len)
{
	for (size_t i = 0; i < l->n; i++)
		if (strlen(l->v[i].text) == len && memcmp(l->v[i].text, s, len) == 0)
			return true;
	return false;
}

static const struct word *list_find(const struct word_list *l, const char *s, size_t len)
{
	for (size_t i = 0; i < l->n; i++)
		if (strlen(l->v[i].text) == len && memcmp(l->v[i].text, s, len) == 0)
			return &l->v[i];
	return NULL;
}

/* Adds a line "WORD [LEVEL [REASON...]]"; false when out of memory. */
static bool list_add_line(struct word_list *l, char *line, bool with_level)
{
	char *p = line;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '#' || *p == '\0')
		return true;
	char *word = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	size_t wlen = (size_t)(p - word);
	enum fwg_level level = FWG_LEVEL_INFO;
	const char *reason = "";
	if (with_level) {
		while (*p == ' ' || *p == '\t')
			p++;
		char *lv = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		char saved = *p;
		*p = '\0';
		if (!fwg_level_parse(lv, &level))
			level = FWG_LEVEL_INFO;
		*p = saved;
		while (*p == ' ' || *p == '\t')
			p++;
		reason = p;
	}
	if (list_has(l, word, wlen) || l->n >= MAX_LIST_WORDS)
		return true;
	if (!fwg_array_reserve((void **)&l->v, &l->cap, l->n, sizeof(*l->v)))
		return false;
	struct word *w = &l->v[l->n];
	w->text = strndup(word, wlen);
	w->reason = strdup(reason);
	w->level = level;
	if (!w->text || !w->reason) {
		free(w->text);
		free(w->reason);
		return false;
	}
	l->n++;
	return true;
}

static enum fwg_status list_load_file(struct fwg_analysis *a, const char *path,
		struct word_list *l, bool with_level)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return fwg_analysis_fail(a, FWG_IO, "elf: cannot read %s", path);
	char line[MAX_LIST_LINE];
	enum fwg_status st = FWG_OK;
	while (st == FWG_OK && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!list_add_line(l, line, with_level))
			st = fwg_analysis_fail(a, FWG_NOMEM, "elf: out of memory reading %s", path);
	}
	fclose(f);
	return st;
}

/* Every PREFIX*.txt in dir (a user rules directory); a missing dir is fine. */
static enum fwg_status list_load_dir(struct fwg_analysis *a, const char *dir, const char *prefix,
		struct word_list *l, bool with_level)
{
	DIR *d = opendir(dir);
	if (!d)
		return FWG_OK;
	enum fwg_status st = FWG_OK;
	struct dirent *de;
	size_t plen = strlen(prefix);
	while (st == FWG_OK && (de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		if (n < plen + 4 || strncmp(de->d_name, prefix, plen) != 0 ||
				strcmp(de->d_name + n - 4, ".txt") != 0)
			continue;
		char path[4096];
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			continue;
		st = list_load_file(a, path, l, with_level);
	}
	closedir(d);
	return st;
}

static enum fwg_status list_load(struct fwg_analysis *a, const char *name, struct word_list *l,
		bool with_level)
{
	char dir[4096], path[4200];
	enum fwg_status st = FWG_OK;
	if (fwg_analysis_data_path(a, "rules/elf", dir, sizeof(dir))) {
		snprintf(path, sizeof(path), "%s/%s.txt", dir, name);
		struct stat sb;
		if (stat(path, &sb) == 0)
			st = list_load_file(a, path, l, with_level);
	}
	for (size_t i = 0; st == FWG_OK && i < a->options->rule_dir_count; i++) {
		const char *udir = a->options->rule_dirs[i];
		st = list_load_dir(a, udir, name, l, with_level);
		if (st == FWG_OK && snprintf(path, sizeof(path), "%s/elf", udir) < (int)sizeof(path))
			st = list_load_dir(a, path, name, l, with_level);
	}
	return st;
}

/* --- text building --------------------------------------------------------- */

struct sbuf {
	char text[1024];
	size_t len;
};

static void sb_add(struct sbuf *b, const char *sep, const char *s, size_t n)
{
	size_t seplen = b->len ? strlen(sep) : 0;
	if (b->len + seplen + n + 1 > sizeof(b->text))
		return;
	memcpy(b->text + b->len, sep, seplen);
	b->len += seplen;
	memcpy(b->text + b->len, s, n);
	b->len += n;
	b->text[b->len] = '\0';
}

static void sb_str(struct sbuf *b, const char *sep, const char *s)
{
	sb_add(b, sep, s, strlen(s));
}

/* --- per binary -------------------------------------------------------------- */

static const char *attr_text(const struct fwg_node *n, const char *key)
{
	const struct fwg_attr *at = fwg_node_attr_find(n, key);
	return at && at->kind == FWG_ATTR_STR ? at->str : NULL;
}

static bool attr_true(const struct fwg_node *n, const char *key)
{
	const struct fwg_attr *at = fwg_node_attr_find(n, key);
	return at && at->kind == FWG_ATTR_BOOL && at->num;
}

static bool attr_is(const struct fwg_node *n, const char *key, const char *want)
{
	const char *s = attr_text(n, key);
	return s && strcmp(s, want) == 0;
}

/* Comma-separated list membership. */
static bool csv_has(const char *list, const char *want)
{
	size_t n = strlen(want);
	for (const char *p = list; p && *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == n && memcmp(p, want, n) == 0)
			return true;
		p += len;
		if (*p == ',')
			p++;
	}
	return false;
}

static bool path_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* Files that are not programs of the running system: kernels, kernel
 * modules, firmware for other processors. */
static bool not_a_program(const char *path)
{
	if (!path)
		return false;
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	return strncmp(base, "vmlinux", 7) == 0 || strstr(path, "/lib/firmware/") != NULL ||
		strstr(path, "/lib/modules/") != NULL || path_under(path, "/boot");
}

struct imports {
	bool stack_hint, fortify_hint, any_chk_defined;
	const struct word *dangerous[MAX_REPORTED_IMPORTS];
	size_t dangerous_count;
};

static void scan_imports(const struct elf_ctx *x, const struct fwg_elf *e, struct imports *im)
{
	memset(im, 0, sizeof(*im));
	uint64_t n = fwg_elf_sym_count(e, FWG_ELF_DYNSYM);
	if (n > MAX_IMPORTS_SCANNED)
		n = MAX_IMPORTS_SCANNED;
	for (uint64_t i = 1; i < n; i++) {
		struct fwg_elf_sym s;
		const char *name;
		size_t len;
		if (!fwg_elf_sym_get(e, FWG_ELF_DYNSYM, i, &s))
			break;
		if (!fwg_elf_sym_name(e, &s, &name, &len) || len == 0)
			continue;
		if (s.shndx != FWG_ELF_SHN_UNDEF) {
			/* A library that defines __*_chk is the C library itself. */
			if (len > 6 && name[0] == '_' && name[1] == '_' &&
					memcmp(name + len - 4, "_chk", 4) == 0)
				im->any_chk_defined = true;
			continue;
		}
		if (list_has(&x->rules.stack_buffer, name, len))
			im->stack_hint = true;
		if (list_has(&x->rules.fortify, name, len))
			im->fortify_hint = true;
		const struct word *w = list_find(&x->rules.dangerous, name, len);
		if (!w)
			continue;
		bool dup = false;
		for (size_t k = 0; k < im->dangerous_count; k++)
			dup = dup || im->dangerous[k] == w;
		if (!dup && im->dangerous_count < MAX_REPORTED_IMPORTS)
			im->dangerous[im->dangerous_count++] = w;
	}
}

static void report_hardening(struct elf_ctx *x, const struct fwg_node *elf,
		const struct fwg_node *subject, const struct imports *im, bool have_imports)
{
	struct sbuf missing = { .len = 0 }, evidence = { .len = 0 };
	bool serious = false;
	if (!attr_true(elf, "nx")) {
		sb_str(&missing, ", ", "NX (executable stack)");
		serious = true;
	}
	const char *relro = attr_text(elf, "relro");
	if (relro && strcmp(relro, "none") == 0) {
		sb_str(&missing, ", ", "RELRO");
		serious = true;
	} else if (relro && strcmp(relro, "partial") == 0) {
		sb_str(&missing, ", ", "full RELRO (BIND_NOW)");
	}
	if (attr_is(elf, "kind", "executable")) {
		sb_str(&missing, ", ", "PIE");
		serious = true;
	}
	if (have_imports && !attr_true(elf, "canary") && im->stack_hint) {
		sb_str(&missing, ", ", "stack canary");
		serious = true;
	}
	const char *needed = attr_text(elf, "needed");
	if (have_imports && !attr_true(elf, "fortify") && im->fortify_hint && !im->any_chk_defined &&
			csv_has(needed, "libc.so.6")) {
		sb_str(&missing, ", ", "FORTIFY_SOURCE");
		serious = true;
	}
	if (!missing.len)
		return;
	const char *keys[] = { "kind", "nx", "relro", "pie", "canary", "fortify", "linking" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = fwg_node_attr(elf, keys[i]);
		if (!v)
			continue;
		char kv[96];
		snprintf(kv, sizeof(kv), "%s=%s", keys[i], v);
		sb_str(&evidence, " ", kv);
	}
	char msg[1200];
	snprintf(msg, sizeof(msg), "binary built without %s", missing.text);
	fwg_report(x->a, &(struct fwg_finding_desc){
		.rule = "elf.hardening",
		.severity = serious ? FWG_LEVEL_LOW : FWG_LEVEL_INFO,
		.confidence = FWG_CONFIDENCE_MEDIUM,
		.node = subject,
		.message = msg,
		.evidence = evidence.text,
		.remediation = "rebuild with -fstack-protector-strong -D_FORTIFY_SOURCE=2 -O2, "
			"-fPIE -pie for executables, and -Wl,-z,relro,-z,now,-z,noexecstack",
	});
}

/* Severity of one RPATH/RUNPATH entry. */
static bool rpath_entry_risky(const struct elf_ctx *x, const struct fwg_node *subject,
		const char *entry, size_t len)
{
	if (len == 0)
		return true;    /* an empty entry is the current directory */
	if (len >= 7 && memcmp(entry, "$ORIGIN", 7) == 0)
		return false;   /* relative to the binary: as safe as its directory */
	if (len >= 9 && memcmp(entry, "${ORIGIN}", 9) == 0)
		return false;
	if (entry[0] != '/')
		return true;    /* relative to the working directory */
	char dir[1024];
	if (len >= sizeof(dir))
		return false;
	memcpy(dir, entry, len);
	dir[len] = '\0';
	for (size_t i = 0; i < x->rules.writable.n; i++)
		if (path_under(dir, x->rules.writable.v[i].text))
			return true;
	/* The directory in the image itself, if it is there and world-writable. */
	const struct fwg_node *fs = fwg_node_filesystem(subject);
	const struct fwg_node *d = fs ? fwg_fs_find(fs, dir) : NULL;
	return d && d->fs && (d->fs->mode & S_IWOTH) && S_ISDIR(d->fs->mode);
}

static void report_rpath(struct elf_ctx *x, const struct fwg_node *elf, const struct fwg_node *subject)
{
	const char *keys[] = { "rpath", "runpath" };
	for (size_t k = 0; k < 2; k++) {
		const char *v = attr_text(elf, keys[k]);
		if (!v)
			continue;
		bool risky = false;
		for (const char *p = v;;) {
			const char *end = strchr(p, ':');
			size_t len = end ? (size_t)(end - p) : strlen(p);
			risky = risky || rpath_entry_risky(x, subject, p, len);
			if (!end)
				break;
			p = end + 1;
		}
		char msg[256], ev[1200];
		snprintf(msg, sizeof(msg), "binary has a %s%s", k ? "RUNPATH" : "RPATH",
			risky ? " with a relative or run-time writable directory" : "");
		snprintf(ev, sizeof(ev), "%s=%s", keys[k], v);
		fwg_report(x->a, &(struct fwg_finding_desc){
			.rule = "elf.rpath",
			.severity = risky ? FWG_LEVEL_MEDIUM : FWG_LEVEL_LOW,
			.confidence = FWG_CONFIDENCE_HIGH,
			.node = subject,
			.message = msg,
			.evidence = ev,
			.remediation = "link without -rpath, or only with absolute read-only "
				"directories; install libraries in the standard library path",
		});
		return; /* one finding per binary */
	}
}

static void report_imports(struct elf_ctx *x, const struct fwg_node *subject,
		const struct imports *im)
{
	if (!im->dangerous_count)
		return;
	struct sbuf names = { .len = 0 }, ev = { .len = 0 };
	enum fwg_level level = FWG_LEVEL_INFO;
	for (size_t i = 0; i < im->dangerous_count; i++) {
		const struct word *w = im->dangerous[i];
		sb_str(&names, ", ", w->text);
		char line[600];
		snprintf(line, sizeof(line), "%s: %s", w->text, w->reason);
		sb_str(&ev, "; ", line);
		if (w->level > level)
			level = w->level;
	}
	char msg[1200];
	snprintf(msg, sizeof(msg), "binary imports %s", names.text);
	fwg_report(x->a, &(struct fwg_finding_desc){
		.rule = "elf.dangerous_import",
		.severity = level,
		.confidence = FWG_CONFIDENCE_HIGH,
		.node = subject,
		.message = msg,
		.evidence = ev.text,
		.remediation = "review the call sites: bounded functions (snprintf, strlcpy, fgets), "
			"exec*/posix_spawn with an argument vector instead of a shell",
	});
}

static void audit_elf(struct elf_ctx *x, const struct fwg_node *elf)
{
	const struct fwg_node *subject = elf->parent && elf->parent->fs ? elf->parent : elf;
	const char *path = fwg_node_fs_path(subject);
	bool program = attr_is(elf, "elf_type", "EXEC") || attr_is(elf, "elf_type", "DYN");
	if (!program || not_a_program(path))
		return;
	struct fwg_elf e;
	enum fwg_status st = fwg_elf_open(&e, elf->data, (size_t)elf->size, 0);
	/* No loadable segment: not a program the system can run (a damaged
	 * or foreign file with an ELF header); nothing to judge. */
	if (st != FWG_OK || e.seg_count == 0) {
		if (st == FWG_NOMEM)
			x->status = fwg_analysis_fail(x->a, st, "elf: out of memory");
		fwg_elf_close(&e);
		return;
	}
	struct imports im;
	scan_imports(x, &e, &im);
	bool have_imports = fwg_elf_sym_count(&e, FWG_ELF_DYNSYM) > 1;
	fwg_elf_close(&e);
	report_hardening(x, elf, subject, &im, have_imports);
	report_rpath(x, elf, subject);
	report_imports(x, subject, &im);
}

static void audit_setuid(struct elf_ctx *x, const struct fwg_node *file)
{
	uint32_t mode = file->fs->mode;
	bool suid = (mode & S_ISUID) && (mode & (S_IXUSR | S_IXGRP | S_IXOTH));
	bool sgid = (mode & S_ISGID) && (mode & S_IXGRP); /* S_ISGID without g+x: locking */
	if (!S_ISREG(mode) || (!suid && !sgid))
		return;
	char msg[256], ev[128];
	snprintf(msg, sizeof(msg), "%s%s%s file%s", suid ? "setuid" : "", suid && sgid ? "+" : "",
		sgid ? "setgid" : "", suid && file->fs->uid == 0 ? " owned by root" : "");
	snprintf(ev, sizeof(ev), "mode %04o uid %u gid %u kind %s", mode & 07777,
		file->fs->uid, file->fs->gid, file->fs->kind[0] ? file->fs->kind : "unknown");
	fwg_report(x->a, &(struct fwg_finding_desc){
		.rule = "fs.setuid",
		.severity = FWG_LEVEL_MEDIUM,
		.confidence = FWG_CONFIDENCE_HIGH,
		.node = file,
		.message = msg,
		.evidence = ev,
		.remediation = "drop the setuid/setgid bit unless the program needs it and is "
			"audited for it (busybox: install only the applets that need it setuid, "
			"via a separate binary or BB_SUID)",
	});
}

static bool visit(struct fwg_node *n, void *user)
{
	struct elf_ctx *x = user;
	if (x->status != FWG_OK)
		return false;
	if (n->fs && n->type == FWG_TYPE_FILE)
		audit_setuid(x, n);
	if (n->type == FWG_TYPE_ELF && n->data && n->size)
		audit_elf(x, n);
	return x->a->alloc_failed ? false : true;
}

static enum fwg_status run(struct fwg_analysis *a)
{
	if (!a->image || !a->image->root)
		return FWG_OK;
	struct elf_ctx x = { .a = a, .status = FWG_OK };
	enum fwg_status st = list_load(a, "dangerous-imports", &x.rules.dangerous, true);
	if (st == FWG_OK)
		st = list_load(a, "stack-buffer-functions", &x.rules.stack_buffer, false);
	if (st == FWG_OK)
		st = list_load(a, "fortify-functions", &x.rules.fortify, false);
	if (st == FWG_OK)
		st = list_load(a, "writable-dirs", &x.rules.writable, false);
	if (st == FWG_OK) {
		fwg_node_walk(a->image->root, visit, &x);
		st = x.status;
	}
	list_free(&x.rules.dangerous);
	list_free(&x.rules.stack_buffer);
	list_free(&x.rules.fortify);
	list_free(&x.rules.writable);
	return st;
}

const struct fwg_engine fwg_engine_elf = {
	.name = "elf",
	.description = "ELF hardening, dangerous imports, RPATH, setuid",
	.run = run,
};
