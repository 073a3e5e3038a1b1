/*
 * config_services.c - services started at boot, sshd_config and dropbear.
 *
 * Boot files (by the path the file has once mounted):
 *   /etc/inittab                   id:runlevels:action:process (busybox and
 *                                  sysvinit); a shell as the process of a
 *                                  respawn/askfirst/once/wait entry is a
 *                                  console shell without login
 *   /etc/init.d/..., /etc/rc*.d/..., /etc/rc.d/..., /etc/rc.local, /etc/rcS,
 *   /etc/init/NAME.conf            init scripts
 *   /etc/inetd.conf, /etc/xinetd.d/...   (xinetd files saying disable = yes
 *                                  are skipped)
 *   {/lib,/usr/lib,/etc}/systemd/system/...  unit files and drop-ins
 * Non-comment lines are matched against rules/config/services.txt:
 * "cmd" and "text" patterns as whole words (a '/' or blank before, no
 * word character after), so "telnetd" matches /usr/sbin/telnetd but not
 * utelnetd.  Symlinks in a systemd *.wants/ or *.requires/ directory
 * enable a unit: their names are matched against the "unit" prefixes.
 *
 * sshd_config (and sshd_config.d/ *.conf): keyword value pairs, first
 * value wins, nothing after the first Match block (it is conditional):
 *   PermitRootLogin yes       ssh.root_login      medium (the default since
 *                                                 OpenSSH 7.0 is
 *                                                 prohibit-password)
 *   PasswordAuthentication yes ssh.password_auth  low
 *   PermitEmptyPasswords yes  ssh.empty_passwords high
 * dropbear: a boot line that runs dropbear with literal options and none
 * of -w (no root login), -s (no password login), -g (no root password
 * login) lets root log in with a password: ssh.root_login.
 *
 * One rule per line (the first match in services.txt order, then the
 * inittab shell and dropbear checks); one finding per (rule, file), the
 * matching lines as evidence.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"

#define MAX_RULES 32u

enum boot_kind { BOOT_NONE, BOOT_INITTAB, BOOT_SCRIPT, BOOT_INETD, BOOT_UNIT };

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static enum boot_kind boot_kind(const char *path)
{
	if (strcmp(path, "/etc/inittab") == 0)
		return BOOT_INITTAB;
	if (strcmp(path, "/etc/inetd.conf") == 0 || strcmp(path, "/etc/xinetd.conf") == 0 ||
			starts(path, "/etc/xinetd.d/"))
		return BOOT_INETD;
	if (starts(path, "/lib/systemd/system/") || starts(path, "/usr/lib/systemd/system/") ||
			starts(path, "/etc/systemd/system/"))
		return BOOT_UNIT;
	if (starts(path, "/etc/init.d/") || starts(path, "/etc/rc.d/") ||
			strcmp(path, "/etc/rc.local") == 0 || strcmp(path, "/etc/rcS") == 0 ||
			starts(path, "/etc/init/"))
		return BOOT_SCRIPT;
	if (starts(path, "/etc/rc") && strstr(path, ".d/"))
		return BOOT_SCRIPT;
	return BOOT_NONE;
}

/* Findings collected for one file: one evidence buffer per rule. */
struct hits {
	const char *rule[MAX_RULES];
	enum fwg_level sev[MAX_RULES];
	struct cfg_buf ev[MAX_RULES];
	size_t count;
};

static void hit(struct hits *h, const char *rule, enum fwg_level sev, size_t line_no,
		const char *line, size_t len)
{
	size_t i = 0;
	while (i < h->count && strcmp(h->rule[i], rule) != 0)
		i++;
	if (i == h->count) {
		if (h->count == MAX_RULES)
			return;
		h->rule[i] = rule;
		h->sev[i] = sev;
		memset(&h->ev[i], 0, sizeof(h->ev[i]));
		h->count++;
	}
	if (h->ev[i].items < 8)
		cfg_buf_add(&h->ev[i], "line %zu: %.*s", line_no, (int)(len > 120 ? 120 : len), line);
}

static const char *message_for(const char *rule)
{
	if (strcmp(rule, "service.telnetd") == 0)
		return "telnet server started at boot";
	if (strcmp(rule, "service.tftp") == 0)
		return "TFTP server started at boot";
	if (strcmp(rule, "service.debug_shell") == 0)
		return "shell without authentication at boot (console or getty autologin)";
	if (strcmp(rule, "ssh.root_login") == 0)
		return "SSH server lets root log in with a password";
	if (strcmp(rule, "ssh.password_auth") == 0)
		return "SSH server accepts password authentication";
	if (strcmp(rule, "ssh.empty_passwords") == 0)
		return "SSH server accepts empty passwords";
	return "service enabled at boot";
}

static const char *fix_for(const char *rule)
{
	if (strncmp(rule, "ssh.", 4) == 0)
		return "Harden the SSH server: PermitRootLogin prohibit-password (dropbear -w or "
			"-g), PasswordAuthentication no, PermitEmptyPasswords no.";
	if (strcmp(rule, "service.debug_shell") == 0)
		return "Require a login on consoles: run getty/login, not a shell, and no autologin.";
	return "Do not start the service in production images; use SSH with keys instead.";
}

static void flush(struct cfg *c, const struct fwg_node *node, const char *path, struct hits *h)
{
	for (size_t i = 0; i < h->count; i++) {
		char msg[512];
		snprintf(msg, sizeof(msg), "%s: %s", path, message_for(h->rule[i]));
		fwg_report(c->a, &(struct fwg_finding_desc){
			.rule = h->rule[i], .severity = h->sev[i],
			.confidence = strncmp(h->rule[i], "ssh.", 4) == 0 ? FWG_CONFIDENCE_HIGH
				: FWG_CONFIDENCE_MEDIUM,
			.node = node, .message = msg, .evidence = h->ev[i].text,
			.remediation = fix_for(h->rule[i]) });
	}
}

/* inittab: a shell as the process of an entry that runs it on a console. */
static bool inittab_shell(const char *line, size_t len)
{
	const char *f[4];
	size_t fl[4], n = 0, start = 0;
	for (size_t i = 0; i <= len && n < 4; i++) {
		if (n == 3) {
			f[3] = line + start;
			fl[3] = len - start;
			n = 4;
			break;
		}
		if (i == len || line[i] == ':') {
			f[n] = line + start;
			fl[n++] = i - start;
			start = i + 1;
		}
	}
	if (n < 4)
		return false;
	static const char *const actions[] = { "respawn", "askfirst", "once", "wait" };
	bool run = false;
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		run |= cfg_ieq(f[2], fl[2], actions[i]);
	if (!run)
		return false;
	const char *p = f[3];
	size_t pl = fl[3];
	cfg_trim(&p, &pl);
	if (pl && p[0] == '-') {
		p++;
		pl--;
	}
	size_t w = 0;
	while (w < pl && p[w] != ' ' && p[w] != '\t')
		w++;
	size_t base = 0;
	for (size_t i = 0; i < w; i++)
		if (p[i] == '/')
			base = i + 1;
	static const char *const shells[] = { "sh", "ash", "bash", "hush", "msh", "dash", "zsh",
		"ksh" };
	for (size_t i = 0; i < sizeof(shells) / sizeof(shells[0]); i++)
		if (cfg_ieq(p + base, w - base, shells[i]))
			return true;
	return false;
}

/* dropbear run as the line's command, with literal options and none of
 * -w, -s, -g ("ExecStart=", "exec " and "nohup " before it are fine). */
static bool dropbear_root_password(const char *line, size_t len)
{
	static const char *const lead[] = { "ExecStart=-", "ExecStart=", "exec ", "nohup " };
	for (size_t i = 0; i < sizeof(lead) / sizeof(lead[0]); i++) {
		if (cfg_istarts(line, len, lead[i])) {
			line += strlen(lead[i]);
			len -= strlen(lead[i]);
			cfg_trim(&line, &len);
		}
	}
	size_t w = 0;
	while (w < len && line[w] != ' ' && line[w] != '\t')
		w++;
	if (!(cfg_ieq(line, w, "dropbear") || cfg_iends(line, w, "/dropbear")))
		return false;
	if (memchr(line, '$', len) || memchr(line, '=', len) || memchr(line, '`', len))
		return false;
	for (size_t i = w; i < len;) {
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i + 1 < len && line[i] == '-' && line[i + 1] != '-') {
			for (size_t k = i + 1; k < len && line[k] != ' ' && line[k] != '\t'; k++)
				if (line[k] == 'w' || line[k] == 's' || line[k] == 'g')
					return false;
		}
		while (i < len && line[i] != ' ' && line[i] != '\t')
			i++;
	}
	return true;
}

static bool xinetd_disabled(const uint8_t *d, size_t size)
{
	struct cfg_lines it;
	const char *line;
	size_t len;
	cfg_lines_init(&it, d, size);
	while (cfg_lines_next(&it, &line, &len)) {
		cfg_trim(&line, &len);
		if (!cfg_istarts(line, len, "disable"))
			continue;
		const char *eq = memchr(line, '=', len);
		if (!eq)
			continue;
		const char *v = eq + 1;
		size_t vl = len - (size_t)(eq - line) - 1;
		cfg_trim(&v, &vl);
		if (cfg_truthy(v, vl))
			return true;
	}
	return false;
}

static void check_sshd(struct cfg *c, const struct fwg_node *file, const char *path)
{
	static const struct { const char *key; const char *rule; enum fwg_level sev; } keys[] = {
		{ "permitrootlogin", "ssh.root_login", FWG_LEVEL_MEDIUM },
		{ "passwordauthentication", "ssh.password_auth", FWG_LEVEL_LOW },
		{ "permitemptypasswords", "ssh.empty_passwords", FWG_LEVEL_HIGH },
	};
	bool seen[3] = { false, false, false };
	struct hits h;
	h.count = 0;
	struct cfg_lines it;
	const char *line;
	size_t len;
	cfg_lines_init(&it, file->data, (size_t)file->size);
	while (cfg_lines_next(&it, &line, &len)) {
		cfg_trim(&line, &len);
		if (len == 0 || line[0] == '#')
			continue;
		size_t k = 0;
		while (k < len && line[k] != ' ' && line[k] != '\t' && line[k] != '=')
			k++;
		if (cfg_ieq(line, k, "match"))
			break;
		const char *v = line + k;
		size_t vl = len - k;
		cfg_trim(&v, &vl);
		if (vl && v[0] == '=') {
			v++;
			vl--;
			cfg_trim(&v, &vl);
		}
		size_t w = 0;
		while (w < vl && v[w] != ' ' && v[w] != '\t')
			w++;
		for (size_t i = 0; i < 3; i++) {
			if (seen[i] || !cfg_ieq(line, k, keys[i].key))
				continue;
			seen[i] = true;
			if (cfg_ieq(v, w, "yes"))
				hit(&h, keys[i].rule, keys[i].sev, it.line_no, line, len);
		}
	}
	flush(c, file, path, &h);
}

void cfg_services_file(struct cfg *c, const struct fwg_node *file, const char *path)
{
	const char *base = cfg_basename(path);
	if (strcmp(base, "sshd_config") == 0 || (strstr(path, "/sshd_config.d/") &&
			cfg_iends(path, strlen(path), ".conf"))) {
		check_sshd(c, file, path);
		return;
	}
	enum boot_kind kind = boot_kind(path);
	if (kind == BOOT_NONE)
		return;
	if (kind == BOOT_INETD && starts(path, "/etc/xinetd.d/") &&
			xinetd_disabled(file->data, (size_t)file->size))
		return;
	struct hits h;
	h.count = 0;
	struct cfg_lines it;
	const char *line;
	size_t len;
	cfg_lines_init(&it, file->data, (size_t)file->size);
	while (cfg_lines_next(&it, &line, &len)) {
		cfg_trim(&line, &len);
		if (len == 0 || line[0] == '#')
			continue;
		if (kind == BOOT_UNIT && !cfg_istarts(line, len, "ExecStart"))
			continue;
		bool matched = false;
		/* stopping a service is not starting it */
		if (cfg_find_word(line, len, "killall") || cfg_find_word(line, len, "pkill") ||
				cfg_find_word(line, len, "kill"))
			continue;
		for (size_t i = 0; i < c->rules.word_count; i++) {
			const struct cfg_word_rule *w = &c->rules.words[i];
			if (strcmp(w->kind, "cmd") != 0 && strcmp(w->kind, "text") != 0)
				continue;
			if (cfg_find_word(line, len, w->pattern)) {
				hit(&h, w->rule, w->severity, it.line_no, line, len);
				matched = true;
				break;
			}
		}
		if (matched)
			continue;
		if (kind == BOOT_INITTAB && inittab_shell(line, len))
			hit(&h, "service.debug_shell", FWG_LEVEL_HIGH, it.line_no, line, len);
		if (kind != BOOT_INETD && dropbear_root_password(line, len))
			hit(&h, "ssh.root_login", FWG_LEVEL_MEDIUM, it.line_no, line, len);
	}
	flush(c, file, path, &h);
}

void cfg_services_link(struct cfg *c, const struct fwg_node *link, const char *path)
{
	if (!strstr(path, ".wants/") && !strstr(path, ".requires/"))
		return;
	const char *name = cfg_basename(path);
	struct hits h;
	h.count = 0;
	for (size_t i = 0; i < c->rules.word_count; i++) {
		const struct cfg_word_rule *w = &c->rules.words[i];
		if (strcmp(w->kind, "unit") == 0 && starts(name, w->pattern))
			hit(&h, w->rule, w->severity, 0, path, strlen(path));
	}
	flush(c, link, path, &h);
}
