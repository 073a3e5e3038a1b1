/*
 * config.h - the config engine's shared state, split by concept:
 *
 *   config.c           the engine: loads the lists, walks the tree once and
 *                      hands each file to the checks that want it
 *   config_rules.c     the data lists of rules/config/ (and --rules dirs)
 *   config_text.c      bounded line and word helpers over untrusted bytes
 *   config_accounts.c  /etc/passwd and /etc/shadow: empty and default
 *                      passwords (crypt(3)), extra uid 0, overlay changes
 *   config_creds.c     cleartext passwords in key=value/ini stores, SNMP
 *                      communities, vendor service switches (telnet=1)
 *   config_tokens.c    hard-coded API tokens by literal prefix
 *   config_services.c  boot services (init scripts, inittab, inetd,
 *                      systemd), sshd_config and dropbear options
 *   config_keys.c      private keys, certificates, known insecure keys
 *
 * Every check reads file nodes of the finished tree (node->data, bounded
 * by CFG_MAX_FILE) and reports through fwg_report; one finding per
 * (rule, file), with the accounts/lines aggregated in the evidence.
 */
#ifndef FWG_ENGINES_CONFIG_H
#define FWG_ENGINES_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"

#define CFG_MAX_FILE (4u << 20)    /* files parsed as text: larger are skipped */
#define CFG_MAX_LINE 4096u         /* longer lines are cut here */
#define CFG_MAX_RULE_FILE (1u << 20)
#define CFG_MAX_ITEMS 4096u        /* entries per data list */

/* ---- data lists (config_rules.c) ---- */

struct cfg_default_password {
	char *user;      /* account name, or "*" for any */
	char *password;
};

struct cfg_word_rule {     /* services.txt */
	char *kind;            /* "cmd", "text", "unit" */
	char *rule;            /* "service.telnetd" */
	enum fwg_level severity;
	char *pattern;
};

struct cfg_token_rule {    /* tokens.txt */
	char *name;            /* "aws_access_key" */
	char *prefix;          /* literal anchor "AKIA" */
	bool cls[256];         /* characters allowed after the prefix */
	unsigned min, max;     /* length of the part after the prefix */
	bool jwt;              /* three dot-separated base64url parts */
};

struct cfg_insecure_key {  /* insecure-keys.txt */
	char sha256[65];       /* hex SHA-256 of the DER SubjectPublicKeyInfo */
	char *rule;
	char *name;
};

struct cfg_list {
	char **items;
	size_t count, cap;
};

struct cfg_rules {
	struct cfg_default_password *passwords;
	size_t password_count, password_cap;
	struct cfg_word_rule *words;
	size_t word_count, word_cap;
	struct cfg_token_rule *tokens;
	size_t token_count, token_cap;
	struct cfg_insecure_key *keys;
	size_t key_count, key_cap;
	struct cfg_list credential_keys;   /* password-like key names (lower case) */
	struct cfg_list placeholders;      /* values that are not secrets */
	struct cfg_list switches;          /* "telnet" etc.: vendor service switch words */
	struct cfg_list trust_stores;      /* CA bundle path fragments */
};

/* Loads every list from the shipped rules/config and the user's rule
 * directories; false after fwg_analysis_fail (unreadable or malformed). */
bool cfg_rules_load(struct fwg_analysis *a, struct cfg_rules *r);
void cfg_rules_free(struct cfg_rules *r);
/* Parses one list file's text into r (kind = file name); used by the
 * loader and the fuzzer.  Malformed lines are skipped, counted in *bad. */
bool cfg_rules_parse(struct cfg_rules *r, const char *kind, const char *text, size_t len,
		size_t *bad);

/* ---- text helpers (config_text.c) ---- */

/* Iterates lines of [data, data+size): each call gives the next line
 * without its terminator, cut at CFG_MAX_LINE. */
struct cfg_lines {
	const uint8_t *data;
	size_t size, pos;
	size_t line_no;
};
void cfg_lines_init(struct cfg_lines *it, const uint8_t *data, size_t size);
bool cfg_lines_next(struct cfg_lines *it, const char **line, size_t *len);

/* Trims blanks (space, tab, CR) on both sides. */
void cfg_trim(const char **s, size_t *len);
bool cfg_ieq(const char *s, size_t len, const char *word);      /* case-insensitive equal */
bool cfg_istarts(const char *s, size_t len, const char *prefix);
bool cfg_iends(const char *s, size_t len, const char *suffix);
const char *cfg_imem(const char *s, size_t len, const char *needle);
/* Finds `word` as a command-like token: not preceded by [A-Za-z0-9_.-]
 * (a '/' or blank is fine) nor followed by [A-Za-z0-9_.-]. */
const char *cfg_find_word(const char *s, size_t len, const char *word);
/* True when the value means "on": 1, yes, true, on, enable(d). */
bool cfg_truthy(const char *s, size_t len);
/* Appends "; "-separated text to a bounded evidence buffer. */
struct cfg_buf {
	char text[FWG_EVIDENCE_MAX + 1];
	size_t len;
	unsigned items;
};
void cfg_buf_add(struct cfg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The base name of an fs path. */
const char *cfg_basename(const char *path);

/* ---- engine state (config.c) ---- */

struct cfg_account_file;   /* config_accounts.c */
struct cfg_key_seen;       /* config_keys.c */
struct cfg_crypt_cache;

struct cfg {
	struct fwg_analysis *a;
	struct cfg_rules rules;
	int64_t now;
	/* accounts: every passwd/shadow file seen, compared at the end */
	struct cfg_account_file **account_files;
	size_t account_file_count, account_file_cap;
	struct cfg_crypt_cache *crypt;
	/* keys: every private key seen, for "also in" messages */
	struct cfg_key_seen *keys;
	size_t key_count, key_cap;
};

/* The path a file has once its filesystem is mounted: overlay upper
 * directories (/cow, /.overlay) of writable filesystems are stripped. */
const char *cfg_logical_path(const struct fwg_node *file);
bool cfg_is_text_kind(const struct fwg_node *file);
/* Filesystem type of the enclosing filesystem node; true for writable
 * ones (jffs2, ubifs) and for filesystems inside a MegaRAC conf module. */
bool cfg_fs_writable(const struct fwg_node *fs);

/* checks, each called for every file node with bytes */
void cfg_accounts_file(struct cfg *c, const struct fwg_node *file, const char *path);
void cfg_accounts_finish(struct cfg *c);
void cfg_accounts_free(struct cfg *c);

void cfg_creds_file(struct cfg *c, const struct fwg_node *file, const char *path);
void cfg_tokens_file(struct cfg *c, const struct fwg_node *file, const char *path);
void cfg_services_file(struct cfg *c, const struct fwg_node *file, const char *path);
void cfg_services_link(struct cfg *c, const struct fwg_node *link, const char *path);

void cfg_keys_file(struct cfg *c, const struct fwg_node *file, const char *path);
void cfg_keys_update_package(struct cfg *c, const struct fwg_node *update);
void cfg_keys_finish(struct cfg *c);
void cfg_keys_free(struct cfg *c);

/* Runs every file-level check over one buffer as if it were `path` in a
 * filesystem (the fuzzer's entry point: no tree needed beyond the node). */
void cfg_check_file(struct cfg *c, const struct fwg_node *file, const char *path);
bool cfg_init(struct cfg *c, struct fwg_analysis *a);
void cfg_finish(struct cfg *c);
void cfg_free(struct cfg *c);

#endif
