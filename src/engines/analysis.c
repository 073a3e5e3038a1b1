/*
 * analysis.c - runs the engines over a finished tree and keeps what they
 * report (see engine.h): the engine table, findings, software components,
 * the data directory, and suppressions applied at the end.
 *
 * Invariants: engines run in table order, identification before matching;
 * a finding or component that cannot be stored sets alloc_failed and the
 * whole analysis fails with FWG_NOMEM rather than silently losing it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../core/array.h"
#include "engine.h"
#include "suppress.h"
#include "../core/image.h"
#include "../core/text.h"

static const struct fwg_engine *const engines[] = {
	&fwg_engine_sbom,
	&fwg_engine_vuln,
	&fwg_engine_yara,
	&fwg_engine_elf,
	&fwg_engine_ipmi,
	&fwg_engine_config,
};

static const char *const level_names[] = { "info", "low", "medium", "high", "critical" };
static const char *const confidence_names[] = { "low", "medium", "high" };

const char *fwg_level_name(enum fwg_level level)
{
	return (unsigned)level < sizeof(level_names) / sizeof(level_names[0])
		? level_names[level] : "unknown";
}

const char *fwg_confidence_name(enum fwg_confidence confidence)
{
	return (unsigned)confidence < sizeof(confidence_names) / sizeof(confidence_names[0])
		? confidence_names[confidence] : "unknown";
}

bool fwg_level_parse(const char *text, enum fwg_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(text, level_names[i]) == 0) {
			*out = (enum fwg_level)i;
			return true;
		}
	}
	return false;
}

void fwg_analysis_options_default(struct fwg_analysis_options *options)
{
	memset(options, 0, sizeof(*options));
}

enum fwg_status fwg_analysis_fail(struct fwg_analysis *a, enum fwg_status status,
		const char *fmt, ...)
{
	if (!a->error[0]) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(a->error, sizeof(a->error), fmt, ap);
		va_end(ap);
	}
	return status;
}

char *fwg_analysis_text(const uint8_t *bytes, size_t len, size_t max)
{
	if (len > max)
		len = max;
	return fwg_text_escape_name((const char *)bytes, len);
}

/* A copy of s, or NULL for NULL; sets alloc_failed when out of memory. */
static char *dup_or_null(struct fwg_analysis *a, const char *s)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		a->alloc_failed = true;
	return d;
}

struct fwg_finding *fwg_report(struct fwg_analysis *a, const struct fwg_finding_desc *d)
{
	if (!fwg_array_reserve((void **)&a->findings, &a->finding_cap, a->finding_count, sizeof(*a->findings))) {
		a->alloc_failed = true;
		return NULL;
	}
	struct fwg_finding *f = &a->findings[a->finding_count++];
	memset(f, 0, sizeof(*f));
	f->engine = a->current_engine;
	f->rule = dup_or_null(a, d->rule ? d->rule : "unknown");
	f->severity = d->severity;
	f->confidence = d->confidence;
	f->node = d->node;
	f->cve = dup_or_null(a, d->cve);
	f->message = dup_or_null(a, d->message ? d->message : "");
	/* Messages carry names and feed text and are printed as they are:
	 * no control characters. */
	for (char *p = f->message; p && *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	if (d->evidence) {
		size_t len = d->evidence_len ? d->evidence_len : strlen(d->evidence);
		f->evidence = fwg_analysis_text((const uint8_t *)d->evidence, len, FWG_EVIDENCE_MAX);
		if (!f->evidence)
			a->alloc_failed = true;
	}
	f->remediation = dup_or_null(a, d->remediation);
	f->software_ref = dup_or_null(a, d->software_ref);
	if (d->ipmi) {
		f->ipmi = calloc(1, sizeof(*f->ipmi));
		if (!f->ipmi) {
			a->alloc_failed = true;
		} else {
			*f->ipmi = *d->ipmi;
			f->ipmi->handler = dup_or_null(a, d->ipmi->handler);
			f->ipmi->table = dup_or_null(a, d->ipmi->table);
		}
	}
	return f;
}

void fwg_software_set(struct fwg_analysis *a, char **field, const char *value)
{
	char *v = dup_or_null(a, value);
	if (value && !v)
		return;
	free(*field);
	*field = v;
}

static bool same_text(const char *x, const char *y)
{
	return (!x && !y) || (x && y && strcmp(x, y) == 0);
}

/*
 * Components are looked up by (name, version, GUID of a module) in an
 * open-addressing hash kept at most half full, so that adding n components
 * costs O(n), not O(n^2): an image decides how many there are.  When the
 * index cannot be allocated, lookups fall back to a linear search.
 */
static uint64_t sw_hash(const char *name, const char *version, const uint8_t *guid)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	h = (h ^ (version ? 1U : 2U)) * 1099511628211ULL;
	for (const unsigned char *p = (const unsigned char *)version; p && *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	for (size_t i = 0; guid && i < 16; i++)
		h = (h ^ guid[i]) * 1099511628211ULL;
	return h;
}

/* guid: the module's, or NULL for a component that is not a module. */
static bool sw_is(const struct fwg_software *s, const char *name, const char *version,
		const uint8_t *guid)
{
	return strcmp(s->name, name) == 0 && same_text(s->version, version) &&
		(guid != NULL) == s->has_guid && (!guid || memcmp(s->guid, guid, 16) == 0);
}

static struct fwg_software *sw_lookup(struct fwg_analysis *a, const char *name,
		const char *version, const uint8_t *guid)
{
	if (!a->software_index) {
		for (size_t i = 0; i < a->software_count; i++)
			if (sw_is(&a->software[i], name, version, guid))
				return &a->software[i];
		return NULL;
	}
	size_t mask = a->software_index_cap - 1;
	size_t i = (size_t)sw_hash(name, version, guid) & mask;
	for (size_t probes = 0; probes < a->software_index_cap; probes++, i = (i + 1) & mask) {
		size_t slot = a->software_index[i];
		if (!slot)
			return NULL;
		if (sw_is(&a->software[slot - 1], name, version, guid))
			return &a->software[slot - 1];
	}
	return NULL;
}

static void sw_index_put(size_t *index, size_t cap, const struct fwg_software *s, size_t pos)
{
	size_t mask = cap - 1;
	size_t i = (size_t)sw_hash(s->name, s->version, s->has_guid ? s->guid : NULL) & mask;
	for (size_t probes = 0; probes < cap; probes++, i = (i + 1) & mask) {
		if (!index[i]) {
			index[i] = pos + 1;
			return;
		}
	}
}

/* Indexes a->software[pos], just added; rebuilds the index when it would
 * be more than half full, or drops it when that cannot be allocated. */
static void sw_index_add(struct fwg_analysis *a, size_t pos)
{
	if (a->software_index && a->software_count <= a->software_index_cap / 2) {
		sw_index_put(a->software_index, a->software_index_cap, &a->software[pos], pos);
		return;
	}
	size_t ncap = a->software_index_cap ? a->software_index_cap : 64;
	while (ncap / 2 < a->software_count && ncap <= SIZE_MAX / 4 / sizeof(size_t))
		ncap *= 2;
	size_t *index = ncap / 2 >= a->software_count ? calloc(ncap, sizeof(*index)) : NULL;
	free(a->software_index);
	a->software_index = index;
	a->software_index_cap = index ? ncap : 0;
	for (size_t i = 0; index && i < a->software_count; i++)
		sw_index_put(index, ncap, &a->software[i], i);
}

struct fwg_software *fwg_sbom_find(struct fwg_analysis *a, const char *name, const char *version)
{
	return sw_lookup(a, name, version, NULL);
}

struct fwg_software *fwg_sbom_add(struct fwg_analysis *a, const char *name, const char *version,
		const struct fwg_node *node, const char *method, const char *detail)
{
	bool module = node && node->has_guid && !node->fs;
	struct fwg_software *sw = sw_lookup(a, name, version, module ? node->guid : NULL);
	if (!sw) {
		if (!fwg_array_reserve((void **)&a->software, &a->software_cap, a->software_count,
				sizeof(*a->software))) {
			a->alloc_failed = true;
			return NULL;
		}
		sw = &a->software[a->software_count++];
		memset(sw, 0, sizeof(*sw));
		char ref[32];
		snprintf(ref, sizeof(ref), "sw-%llu", (unsigned long long)++a->next_ref);
		sw->bom_ref = dup_or_null(a, ref);
		sw->name = dup_or_null(a, name);
		sw->version = dup_or_null(a, version);
		if (module) {
			sw->has_guid = true;
			memcpy(sw->guid, node->guid, 16);
			sw->node = node;
		}
		if (!sw->name) {
			a->alloc_failed = true;
			a->software_count--;
			free(sw->bom_ref);
			free(sw->version);
			return NULL;
		}
		sw_index_add(a, a->software_count - 1);
	}
	if (!fwg_array_reserve((void **)&sw->evidence, &sw->evidence_cap, sw->evidence_count,
			sizeof(*sw->evidence))) {
		a->alloc_failed = true;
		return sw;
	}
	struct fwg_sbom_evidence *e = &sw->evidence[sw->evidence_count++];
	e->node = node;
	e->method = dup_or_null(a, method);
	e->detail = detail ? fwg_analysis_text((const uint8_t *)detail, strlen(detail),
		FWG_EVIDENCE_MAX) : NULL;
	if (detail && !e->detail)
		a->alloc_failed = true;
	return sw;
}

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

bool fwg_analysis_data_path(const struct fwg_analysis *a, const char *relative, char *out,
		size_t out_size)
{
	const char *bases[4] = {
		a->options ? a->options->data_dir : NULL,
		getenv("FWGUARD_DATA_DIR"),
		FWG_INSTALLED_DATA_DIR,
		FWG_SOURCE_DATA_DIR,
	};
	for (size_t i = 0; i < 4; i++) {
		if (!bases[i] || !bases[i][0])
			continue;
		int n = snprintf(out, out_size, "%s/%s", bases[i], relative);
		if (n < 0 || (size_t)n >= out_size)
			continue;
		if (is_dir(out))
			return true;
		/* An explicit data directory is authoritative. */
		if (i == 0)
			return false;
	}
	return false;
}

const char *fwg_node_fs_path(const struct fwg_node *node)
{
	return node && node->fs ? node->fs->path : NULL;
}

const struct fwg_node *fwg_node_filesystem(const struct fwg_node *node)
{
	for (const struct fwg_node *n = node ? node->parent : NULL; n; n = n->parent)
		if (!n->fs)
			return n;
	return NULL;
}

const struct fwg_node *fwg_fs_find(const struct fwg_node *fs, const char *fs_path)
{
	const struct fwg_node *dir = fs;
	const char *p = fs_path;
	while (*p == '/')
		p++;
	while (dir && *p) {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const struct fwg_node *next = NULL;
		for (size_t i = 0; i < dir->child_count; i++) {
			const struct fwg_node *c = dir->children[i];
			if (!c->fs || !c->name)
				continue;
			if (strlen(c->name) == len && memcmp(c->name, p, len) == 0) {
				next = c;
				break;
			}
		}
		dir = next;
		p += len;
		while (*p == '/')
			p++;
	}
	return dir == fs ? NULL : dir;
}

static bool engine_selected(const char *list, const char *name)
{
	if (!list)
		return true;
	size_t n = strlen(name);
	for (const char *p = list; *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == n && memcmp(p, name, n) == 0)
			return true;
		p += len;
		if (*p == ',')
			p++;
	}
	return false;
}

/* Checks that every name in the --engines list is an engine. */
static bool engines_valid(struct fwg_analysis *a, const char *list)
{
	for (const char *p = list; p && *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		bool known = false;
		for (size_t i = 0; i < sizeof(engines) / sizeof(engines[0]); i++)
			if (strlen(engines[i]->name) == len && memcmp(engines[i]->name, p, len) == 0)
				known = true;
		if (!known) {
			fwg_analysis_fail(a, FWG_MALFORMED, "unknown engine '%.*s' (engines: sbom, vuln, "
				"yara, elf, ipmi, config)", (int)(len > 64 ? 64 : len), p);
			return false;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return true;
}

enum fwg_status fwg_analyze(const struct fwg_image *image,
		const struct fwg_analysis_options *options, struct fwg_analysis **out,
		char *errbuf, size_t errbuf_size)
{
	*out = NULL;
	struct fwg_analysis *a = calloc(1, sizeof(*a));
	if (!a) {
		snprintf(errbuf, errbuf_size, "out of memory");
		return FWG_NOMEM;
	}
	struct fwg_analysis_options defaults;
	if (!options) {
		fwg_analysis_options_default(&defaults);
		options = &defaults;
	}
	a->image = image;
	a->options = options;
	enum fwg_status st = FWG_OK;
	if (!engines_valid(a, options->engines))
		st = FWG_MALFORMED;
	for (size_t i = 0; st == FWG_OK && i < sizeof(engines) / sizeof(engines[0]); i++) {
		if (!engine_selected(options->engines, engines[i]->name))
			continue;
		a->current_engine = engines[i]->name;
		st = engines[i]->run(a);
		if (st != FWG_OK && !a->error[0])
			fwg_analysis_fail(a, st, "engine %s: %s", engines[i]->name, fwg_status_str(st));
	}
	if (st == FWG_OK && options->suppressions) {
		int64_t now = options->now ? options->now : (int64_t)time(NULL);
		a->current_engine = "suppress";
		st = fwg_suppress_apply(a, options->suppressions, now);
	}
	if (st == FWG_OK && a->alloc_failed)
		st = fwg_analysis_fail(a, FWG_NOMEM, "out of memory while storing findings");
	a->options = NULL; /* the caller's options need not outlive the call */
	if (st != FWG_OK) {
		snprintf(errbuf, errbuf_size, "%s", a->error);
		fwg_analysis_free(a);
		return st;
	}
	*out = a;
	return FWG_OK;
}

size_t fwg_analysis_count(const struct fwg_analysis *a, enum fwg_level min,
		bool include_suppressed)
{
	size_t n = 0;
	for (size_t i = 0; a && i < a->finding_count; i++)
		if (a->findings[i].severity >= min && (include_suppressed || !a->findings[i].suppressed))
			n++;
	return n;
}

void fwg_analysis_free(struct fwg_analysis *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->finding_count; i++) {
		struct fwg_finding *f = &a->findings[i];
		free(f->rule);
		free(f->cve);
		free(f->message);
		free(f->evidence);
		free(f->remediation);
		free(f->software_ref);
		free(f->suppress_reason);
		if (f->ipmi) {
			free(f->ipmi->handler);
			free(f->ipmi->table);
			free(f->ipmi);
		}
	}
	free(a->findings);
	for (size_t i = 0; i < a->software_count; i++) {
		struct fwg_software *s = &a->software[i];
		free(s->bom_ref);
		free(s->name);
		free(s->version);
		free(s->kind);
		free(s->supplier);
		free(s->purl);
		free(s->cpe);
		free(s->description);
		for (size_t j = 0; j < s->evidence_count; j++) {
			free(s->evidence[j].method);
			free(s->evidence[j].detail);
		}
		free(s->evidence);
	}
	free(a->software);
	free(a->software_index);
	free(a);
}
