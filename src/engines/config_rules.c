/*
 * config_rules.c - the config engine's data lists (rules/config/).
 *
 * Every list is a text file, one entry a line, '#' starts a comment line,
 * fields separated by blanks (docs/findings.md has the formats):
 *
 *   default-passwords.txt  USER PASSWORD          USER "*" = any account
 *   services.txt           KIND RULE SEVERITY PATTERN...
 *                          KIND cmd (a command word in boot files), text
 *                          (a substring of a boot-file line), unit (a
 *                          systemd unit name prefix enabled in *.wants/)
 *   tokens.txt             NAME PREFIX CLASS MIN MAX [jwt]   (\s in PREFIX: a space)
 *                          CLASS as ranges: A-Z0-9_-  (a '-' first or last
 *                          is literal)
 *   insecure-keys.txt      SHA256 RULE NAME...    SHA-256 of the DER
 *                          SubjectPublicKeyInfo
 *   credential-keys.txt    KEY                    password-like key names
 *   placeholders.txt       VALUE                  values that hold no secret
 *   service-switches.txt   WORD                   vendor switch words (telnet)
 *   trust-stores.txt       FRAGMENT               CA bundle path fragments
 *
 * The shipped directory is read first, then each --rules DIR's config/
 * subdirectory and DIR itself, for files of these names.  A list file is
 * bounded (CFG_MAX_RULE_FILE bytes, CFG_MAX_ITEMS entries per list).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/array.h"
#include "config.h"

static const char *const list_names[] = {
	"default-passwords.txt", "services.txt", "tokens.txt", "insecure-keys.txt",
	"credential-keys.txt", "placeholders.txt", "service-switches.txt", "trust-stores.txt",
};

static bool grow(void **items, size_t *cap, size_t count, size_t size)
{
	return count < CFG_MAX_ITEMS && fwg_array_reserve(items, cap, count, size);
}

static char *dupn(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* Splits a line into at most max blank-separated fields; the last field
 * takes the rest of the line when rest_last. */
static size_t split(const char *s, size_t len, const char **f, size_t *fl, size_t max,
		bool rest_last)
{
	size_t n = 0, i = 0;
	while (n < max) {
		while (i < len && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i >= len)
			break;
		size_t start = i;
		if (rest_last && n + 1 == max) {
			size_t end = len;
			while (end > start && (s[end - 1] == ' ' || s[end - 1] == '\t'))
				end--;
			f[n] = s + start;
			fl[n++] = end - start;
			break;
		}
		while (i < len && s[i] != ' ' && s[i] != '\t')
			i++;
		f[n] = s + start;
		fl[n++] = i - start;
	}
	return n;
}

static bool parse_uint(const char *s, size_t len, unsigned max, unsigned *out)
{
	unsigned v = 0;
	if (len == 0 || len > 6)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

static bool parse_class(const char *s, size_t len, bool cls[256])
{
	memset(cls, 0, 256 * sizeof(bool));
	for (size_t i = 0; i < len; i++) {
		unsigned char lo = (unsigned char)s[i];
		if (i + 2 < len && s[i + 1] == '-') {
			unsigned char hi = (unsigned char)s[i + 2];
			if (hi < lo)
				return false;
			for (unsigned ch = lo; ch <= hi; ch++)
				cls[ch] = true;
			i += 2;
		} else {
			cls[lo] = true;
		}
	}
	return true;
}

static bool parse_level(const char *s, size_t len, enum fwg_level *out)
{
	char word[16];
	if (len == 0 || len >= sizeof(word))
		return false;
	memcpy(word, s, len);
	word[len] = '\0';
	return fwg_level_parse(word, out);
}

static bool list_add(struct cfg_list *l, const char *s, size_t len, bool lower)
{
	if (!grow((void **)&l->items, &l->cap, l->count, sizeof(*l->items)))
		return false;
	char *d = dupn(s, len);
	if (!d)
		return false;
	for (size_t i = 0; lower && i < len; i++)
		d[i] = (char)tolower((unsigned char)d[i]);
	l->items[l->count++] = d;
	return true;
}

/* One entry of list `kind`; false when the line is malformed or the list
 * is full (either way the line is skipped). */
static bool parse_entry(struct cfg_rules *r, const char *kind, const char *s, size_t len)
{
	const char *f[6];
	size_t fl[6];
	if (strcmp(kind, "default-passwords.txt") == 0) {
		if (split(s, len, f, fl, 2, true) != 2 ||
				!grow((void **)&r->passwords, &r->password_cap, r->password_count,
					sizeof(*r->passwords)))
			return false;
		struct cfg_default_password *p = &r->passwords[r->password_count];
		p->user = dupn(f[0], fl[0]);
		p->password = dupn(f[1], fl[1]);
		if (!p->user || !p->password) {
			free(p->user);
			free(p->password);
			return false;
		}
		r->password_count++;
		return true;
	}
	if (strcmp(kind, "services.txt") == 0) {
		enum fwg_level sev;
		if (split(s, len, f, fl, 4, true) != 4 || !parse_level(f[2], fl[2], &sev) ||
				!grow((void **)&r->words, &r->word_cap, r->word_count, sizeof(*r->words)))
			return false;
		struct cfg_word_rule *w = &r->words[r->word_count];
		w->kind = dupn(f[0], fl[0]);
		w->rule = dupn(f[1], fl[1]);
		w->pattern = dupn(f[3], fl[3]);
		w->severity = sev;
		if (!w->kind || !w->rule || !w->pattern) {
			free(w->kind);
			free(w->rule);
			free(w->pattern);
			return false;
		}
		r->word_count++;
		return true;
	}
	if (strcmp(kind, "tokens.txt") == 0) {
		size_t n = split(s, len, f, fl, 6, false);
		struct cfg_token_rule t;
		memset(&t, 0, sizeof(t));
		if (n < 5 || fl[1] == 0 || !parse_class(f[2], fl[2], t.cls) ||
				!parse_uint(f[3], fl[3], 4096, &t.min) ||
				!parse_uint(f[4], fl[4], 4096, &t.max) || t.min > t.max || t.max == 0)
			return false;
		t.jwt = n == 6 && fl[5] == 3 && memcmp(f[5], "jwt", 3) == 0;
		if (!grow((void **)&r->tokens, &r->token_cap, r->token_count, sizeof(*r->tokens)))
			return false;
		t.name = dupn(f[0], fl[0]);
		t.prefix = dupn(f[1], fl[1]);
		/* "\\s" in a prefix stands for a space (fields are blank-separated) */
		for (char *q = t.prefix; q && (q = strstr(q, "\\s")) != NULL;) {
			*q = ' ';
			memmove(q + 1, q + 2, strlen(q + 2) + 1);
		}
		if (!t.name || !t.prefix) {
			free(t.name);
			free(t.prefix);
			return false;
		}
		r->tokens[r->token_count++] = t;
		return true;
	}
	if (strcmp(kind, "insecure-keys.txt") == 0) {
		if (split(s, len, f, fl, 3, true) != 3 || fl[0] != 64 ||
				!grow((void **)&r->keys, &r->key_cap, r->key_count, sizeof(*r->keys)))
			return false;
		struct cfg_insecure_key *k = &r->keys[r->key_count];
		for (size_t i = 0; i < 64; i++) {
			char ch = (char)tolower((unsigned char)f[0][i]);
			if (!isxdigit((unsigned char)ch))
				return false;
			k->sha256[i] = ch;
		}
		k->sha256[64] = '\0';
		k->rule = dupn(f[1], fl[1]);
		k->name = dupn(f[2], fl[2]);
		if (!k->rule || !k->name) {
			free(k->rule);
			free(k->name);
			return false;
		}
		r->key_count++;
		return true;
	}
	struct cfg_list *l = strcmp(kind, "credential-keys.txt") == 0 ? &r->credential_keys
		: strcmp(kind, "placeholders.txt") == 0 ? &r->placeholders
		: strcmp(kind, "service-switches.txt") == 0 ? &r->switches
		: strcmp(kind, "trust-stores.txt") == 0 ? &r->trust_stores : NULL;
	if (!l || split(s, len, f, fl, 1, true) != 1)
		return false;
	return list_add(l, f[0], fl[0], l != &r->trust_stores);
}

bool cfg_rules_parse(struct cfg_rules *r, const char *kind, const char *text, size_t len,
		size_t *bad)
{
	struct cfg_lines it;
	const char *line;
	size_t n;
	cfg_lines_init(&it, (const uint8_t *)text, len);
	while (cfg_lines_next(&it, &line, &n)) {
		cfg_trim(&line, &n);
		if (n == 0 || line[0] == '#')
			continue;
		if (!parse_entry(r, kind, line, n))
			(*bad)++;
	}
	return true;
}

/* Reads path into a buffer; ENOENT is not an error (*text stays NULL). */
static bool read_file(struct fwg_analysis *a, const char *path, char **text, size_t *len)
{
	*text = NULL;
	*len = 0;
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		if (errno == ENOENT || errno == ENOTDIR)
			return true;
		fwg_analysis_fail(a, FWG_IO, "config rules: cannot open %s: %s", path,
			strerror(errno));
		return false;
	}
	char *buf = malloc(CFG_MAX_RULE_FILE);
	if (!buf) {
		fclose(fp);
		fwg_analysis_fail(a, FWG_NOMEM, "config rules: out of memory");
		return false;
	}
	size_t n = fread(buf, 1, CFG_MAX_RULE_FILE, fp);
	bool err = ferror(fp);
	fclose(fp);
	if (err) {
		free(buf);
		fwg_analysis_fail(a, FWG_IO, "config rules: cannot read %s", path);
		return false;
	}
	*text = buf;
	*len = n;
	return true;
}

static bool load_dir(struct fwg_analysis *a, struct cfg_rules *r, const char *dir)
{
	for (size_t i = 0; i < sizeof(list_names) / sizeof(list_names[0]); i++) {
		char path[4096];
		int n = snprintf(path, sizeof(path), "%s/%s", dir, list_names[i]);
		if (n < 0 || (size_t)n >= sizeof(path))
			continue;
		char *text;
		size_t len, bad = 0;
		if (!read_file(a, path, &text, &len))
			return false;
		if (!text)
			continue;
		cfg_rules_parse(r, list_names[i], text, len, &bad);
		free(text);
		if (bad) {
			fwg_analysis_fail(a, FWG_MALFORMED, "config rules: %s: %zu malformed lines",
				path, bad);
			return false;
		}
	}
	return true;
}

bool cfg_rules_load(struct fwg_analysis *a, struct cfg_rules *r)
{
	char dir[4096];
	if (!fwg_analysis_data_path(a, "rules/config", dir, sizeof(dir))) {
		fwg_analysis_fail(a, FWG_IO, "config rules: rules/config not found in the data "
			"directory");
		return false;
	}
	if (!load_dir(a, r, dir))
		return false;
	for (size_t i = 0; a->options && i < a->options->rule_dir_count; i++) {
		const char *user = a->options->rule_dirs[i];
		if (!user)
			continue;
		int n = snprintf(dir, sizeof(dir), "%s/config", user);
		if (n > 0 && (size_t)n < sizeof(dir) && !load_dir(a, r, dir))
			return false;
		if (!load_dir(a, r, user))
			return false;
	}
	return true;
}

static void list_free(struct cfg_list *l)
{
	for (size_t i = 0; i < l->count; i++)
		free(l->items[i]);
	free(l->items);
}

void cfg_rules_free(struct cfg_rules *r)
{
	for (size_t i = 0; i < r->password_count; i++) {
		free(r->passwords[i].user);
		free(r->passwords[i].password);
	}
	free(r->passwords);
	for (size_t i = 0; i < r->word_count; i++) {
		free(r->words[i].kind);
		free(r->words[i].rule);
		free(r->words[i].pattern);
	}
	free(r->words);
	for (size_t i = 0; i < r->token_count; i++) {
		free(r->tokens[i].name);
		free(r->tokens[i].prefix);
	}
	free(r->tokens);
	for (size_t i = 0; i < r->key_count; i++) {
		free(r->keys[i].rule);
		free(r->keys[i].name);
	}
	free(r->keys);
	list_free(&r->credential_keys);
	list_free(&r->placeholders);
	list_free(&r->switches);
	list_free(&r->trust_stores);
	memset(r, 0, sizeof(*r));
}
