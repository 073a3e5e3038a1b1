/*
 * config_creds.c - cleartext credentials and vendor service switches in
 * configuration stores.
 *
 * Files: configuration text (content kind "config", or "text" with a
 * configuration extension, or any text in a writable conf/overlay
 * filesystem).  Lines are read as
 *   KEY=VALUE, KEY: VALUE    (ini, shell-style defaults, properties; an
 *                             [section] header is remembered)
 *   KEY VALUE...             (ldap.conf bindpw, snmpd.conf rocommunity;
 *                             only for keys listed exactly)
 * Comments (#, ;, //) and blank lines are skipped; quotes around a value
 * are removed; values listed in placeholders.txt, variables ($X, %s,
 * <...>, {{...}}), masks (****), paths and crypt hashes are not secrets.
 *
 *   config.cleartext_password  high  a password-like key (credential-keys.txt:
 *                                    exact, or as the key's suffix) with a
 *                                    real value, SNMP communities included
 *   service.<word>_enabled     high  a switch word (service-switches.txt,
 *                                    "telnet") in a key or [section] whose
 *                                    enable/start/state key is true
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "config.h"

#define MAX_KEY 64u

static bool in_list(const struct cfg_list *l, const char *s, size_t len)
{
	for (size_t i = 0; i < l->count; i++)
		if (cfg_ieq(s, len, l->items[i]))
			return true;
	return false;
}

static bool config_file(const struct fwg_node *file, const char *path)
{
	if (strcmp(file->fs->kind, "config") == 0)
		return true;
	if (strcmp(file->fs->kind, "text") != 0)
		return false;
	if (cfg_fs_writable(fwg_node_filesystem(file)))
		return true;
	static const char *const exts[] = { ".conf", ".cfg", ".ini", ".cnf", ".properties",
		".env" };
	size_t len = strlen(path);
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (cfg_iends(path, len, exts[i]))
			return true;
	return false;
}

/* Lower-cased key without quotes and an "export " prefix. */
static bool normalise_key(const char *s, size_t len, char *out)
{
	cfg_trim(&s, &len);
	if (cfg_istarts(s, len, "export ")) {
		s += 7;
		len -= 7;
		cfg_trim(&s, &len);
	}
	if (len >= 2 && (s[0] == '"' || s[0] == '\'') && s[len - 1] == s[0]) {
		s++;
		len -= 2;
	}
	if (len == 0 || len > MAX_KEY)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == ' ' || ch == '\t' || ch < 0x20 || ch >= 0x7f)
			return false;
		out[i] = (char)tolower(ch);
	}
	out[len] = '\0';
	return true;
}

static bool credential_key(const struct cfg *c, const char *key, bool exact_only)
{
	size_t klen = strlen(key);
	for (size_t i = 0; i < c->rules.credential_keys.count; i++) {
		const char *w = c->rules.credential_keys.items[i];
		size_t wl = strlen(w);
		if (klen == wl && memcmp(key, w, wl) == 0)
			return true;
		if (exact_only || klen <= wl || memcmp(key + klen - wl, w, wl) != 0)
			continue;
		char sep = key[klen - wl - 1];
		if (wl >= 6 || sep == '_' || sep == '.' || sep == '-')
			return true;
	}
	return false;
}

/* Unquotes a value and cuts a trailing " #comment" of an unquoted one. */
static void clean_value(const char **v, size_t *len)
{
	cfg_trim(v, len);
	if (*len >= 2 && ((*v)[0] == '"' || (*v)[0] == '\'')) {
		const char *end = memchr(*v + 1, (*v)[0], *len - 1);
		if (end) {
			*len = (size_t)(end - (*v + 1));
			(*v)++;
			return;
		}
	}
	for (size_t i = 0; i + 1 < *len; i++) {
		if (((*v)[i] == ' ' || (*v)[i] == '\t') && ((*v)[i + 1] == '#' || (*v)[i + 1] == ';')) {
			*len = i;
			break;
		}
	}
	cfg_trim(v, len);
	if (*len && (*v)[*len - 1] == ';')
		(*len)--;
}

static bool placeholder(const struct cfg *c, const char *v, size_t len)
{
	if (len == 0 || in_list(&c->rules.placeholders, v, len))
		return true;
	if (v[0] == '$' || v[0] == '%' || v[0] == '<' || v[0] == '/' || v[0] == '@' ||
			(len >= 2 && v[0] == '{' && v[1] == '{'))
		return true;
	bool same = true;
	for (size_t i = 1; i < len && same; i++)
		same = v[i] == v[0];
	return same && len > 1 && !isalnum((unsigned char)v[0]);
}

/* Value of a whitespace-form line: the first word, com2sec's fourth. */
static bool word_value(const char *key, const char *rest, size_t len, const char **v,
		size_t *vlen)
{
	int want = strcmp(key, "com2sec") == 0 || strcmp(key, "com2sec6") == 0 ? 3 : 1;
	size_t i = 0;
	for (int w = 1; w <= want; w++) {
		while (i < len && (rest[i] == ' ' || rest[i] == '\t'))
			i++;
		size_t start = i;
		while (i < len && rest[i] != ' ' && rest[i] != '\t')
			i++;
		if (start == i)
			return false;
		if (w == want) {
			*v = rest + start;
			*vlen = i - start;
		}
	}
	return true;
}

static bool switch_key(const char *key)
{
	static const char *const on_words[] = { "enable", "start", "state", "status", "service",
		"run", "active" };
	if (strstr(key, "disable"))
		return false;
	for (size_t i = 0; i < sizeof(on_words) / sizeof(on_words[0]); i++)
		if (strstr(key, on_words[i]))
			return true;
	return false;
}

struct switch_hit {
	struct cfg_buf lines;
};

void cfg_creds_file(struct cfg *c, const struct fwg_node *file, const char *path)
{
	if (!config_file(file, path))
		return;
	/* Files whose keys look like credentials but are not: account
	 * databases (config_accounts.c), PAM stacks ("password required ..."),
	 * name-service switch ("passwd: files"), login.defs (PASS_*). */
	static const char *const skip[] = { "passwd", "shadow", "group", "gshadow",
		"nsswitch.conf", "login.defs", "passwd-", "shadow-" };
	const char *base = cfg_basename(path);
	for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (strcmp(base, skip[i]) == 0)
			return;
	if (strstr(path, "/pam.d/"))
		return;
	for (size_t i = 0; i < c->rules.trust_stores.count; i++)
		if (strstr(path, c->rules.trust_stores.items[i]))
			return;
	struct cfg_buf creds = { .len = 0 };
	size_t nswitch = c->rules.switches.count;
	struct switch_hit hits[16];
	if (nswitch > 16)
		nswitch = 16;
	memset(hits, 0, sizeof(hits));
	char section[MAX_KEY + 1] = "";
	struct cfg_lines it;
	const char *line;
	size_t len;
	cfg_lines_init(&it, file->data, (size_t)file->size);
	while (cfg_lines_next(&it, &line, &len)) {
		cfg_trim(&line, &len);
		if (len == 0 || line[0] == '#' || line[0] == ';' ||
				(len >= 2 && line[0] == '/' && line[1] == '/'))
			continue;
		if (line[0] == '[') {
			const char *end = memchr(line, ']', len);
			if (!end || !normalise_key(line + 1, (size_t)(end - line - 1), section))
				section[0] = '\0';
			continue;
		}
		char key[MAX_KEY + 1];
		const char *v = NULL;
		size_t vlen = 0;
		const char *eq = memchr(line, '=', len);
		const char *colon = memchr(line, ':', len);
		bool exact_only = false;
		if (eq && normalise_key(line, (size_t)(eq - line), key)) {
			v = eq + 1;
			vlen = len - (size_t)(eq - line) - 1;
		} else if (!eq && colon && normalise_key(line, (size_t)(colon - line), key)) {
			v = colon + 1;
			vlen = len - (size_t)(colon - line) - 1;
		} else {
			size_t k = 0;
			while (k < len && line[k] != ' ' && line[k] != '\t')
				k++;
			if (k == len || !normalise_key(line, k, key) ||
					!word_value(key, line + k, len - k, &v, &vlen))
				continue;
			exact_only = true;
		}
		clean_value(&v, &vlen);
		if (credential_key(c, key, exact_only) && !placeholder(c, v, vlen) &&
				!(vlen > 3 && v[0] == '$' && v[2] == '$')) {
			cfg_buf_add(&creds, "line %zu: %s%s%s=%.*s", it.line_no, section,
				section[0] ? "." : "", key, (int)(vlen > 64 ? 64 : vlen), v);
			continue;
		}
		if (exact_only || !cfg_truthy(v, vlen))
			continue;
		for (size_t i = 0; i < nswitch; i++) {
			const char *w = c->rules.switches.items[i];
			bool by_key = strstr(key, w) && (strcmp(key, w) == 0 || switch_key(key));
			bool by_section = strstr(section, w) && switch_key(key);
			if (by_key || by_section)
				cfg_buf_add(&hits[i].lines, "line %zu: %s%s%s=%.*s", it.line_no, section,
					section[0] ? "." : "", key, (int)(vlen > 16 ? 16 : vlen), v);
		}
	}
	char msg[256];
	if (creds.items) {
		snprintf(msg, sizeof(msg), "%s: %u cleartext credential(s) in a configuration file",
			path, creds.items);
		fwg_report(c->a, &(struct fwg_finding_desc){
			.rule = "config.cleartext_password", .severity = FWG_LEVEL_HIGH,
			.confidence = FWG_CONFIDENCE_MEDIUM, .node = file, .message = msg,
			.evidence = creds.text,
			.remediation = "Do not ship credentials: provision them per device, or store "
				"only salted hashes." });
	}
	for (size_t i = 0; i < nswitch; i++) {
		if (!hits[i].lines.items)
			continue;
		char rule[96];
		snprintf(rule, sizeof(rule), "service.%s_enabled", c->rules.switches.items[i]);
		snprintf(msg, sizeof(msg), "%s: vendor configuration enables %s", path,
			c->rules.switches.items[i]);
		fwg_report(c->a, &(struct fwg_finding_desc){
			.rule = rule, .severity = FWG_LEVEL_HIGH, .confidence = FWG_CONFIDENCE_MEDIUM,
			.node = file, .message = msg, .evidence = hits[i].lines.text,
			.remediation = "Ship the service disabled; cleartext remote shells expose "
				"credentials on the network." });
	}
}
