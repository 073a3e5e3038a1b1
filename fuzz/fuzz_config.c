/*
 * fuzz_config.c - the config engine's parsers over hostile file contents.
 *
 * Input layout: byte 0 picks the path the bytes pretend to live at (which
 * decides the parsers: passwd/shadow, sshd_config, inittab, init scripts,
 * systemd units, xinetd, key=value stores, PEM/DER/OpenSSH/dropbear keys,
 * an overlay's /cow/etc/shadow), byte 1 the content kind and the
 * filesystem type; the rest is the file.  Every 16th input is parsed as a
 * rules/config list file instead.  Each input is also checked twice, once
 * in a squashfs (base) and once in a jffs2 (overlay), so the overlay
 * comparison runs too.  The shipped lists are loaded once.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/engines/config.h"
#include "fs.h"
#include "node.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const paths[] = {
	"/etc/shadow", "/etc/passwd", "/etc/ssh/sshd_config", "/etc/inittab",
	"/etc/init.d/S50telnet", "/lib/systemd/system/x.service", "/etc/xinetd.d/telnet",
	"/etc/inetd.conf", "/etc/app.conf", "/etc/snmp/snmpd.conf", "/etc/ssl/private/k.pem",
	"/etc/dropbear/dropbear_rsa_host_key", "/cow/etc/shadow", "/cow/etc/passwd",
	"/shadow", "/usr/bin/x.sh",
};
static const char *const kinds[] = { "config", "text", "script:sh", "private_key",
	"certificate", "public_key", "data" };
static const char *const lists[] = { "default-passwords.txt", "services.txt", "tokens.txt",
	"insecure-keys.txt", "credential-keys.txt", "placeholders.txt", "service-switches.txt",
	"trust-stores.txt" };

static struct fwg_node *make_file(const char *fstype, const char *path, const char *kind,
		const uint8_t *data, size_t size)
{
	struct fwg_node *fs = fwg_node_new(fstype);
	struct fwg_node *file = fwg_node_new(FWG_TYPE_FILE);
	if (!fs || !file)
		goto fail;
	file->fs = calloc(1, sizeof(*file->fs));
	if (!file->fs || !(file->fs->path = strdup(path)))
		goto fail;
	snprintf(file->fs->kind, sizeof(file->fs->kind), "%s", kind);
	file->fs->mode = 0100644;
	file->data = data;
	file->size = size;
	if (fwg_node_append(fs, file) != FWG_OK)
		file = NULL;
	return fs;
fail:
	fwg_node_free(fs);
	fwg_node_free(file);
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cfg_rules rules;
	static struct fwg_analysis loader;
	static int loaded;
	if (!loaded) {
		loaded = cfg_rules_load(&loader, &rules) ? 1 : -1;
		if (loaded < 0)
			fprintf(stderr, "fuzz_config: %s\n", loader.error);
	}
	if (size < 2 || loaded < 0)
		return 0;
	if (data[0] % 16 == 15) {
		struct cfg_rules r;
		size_t bad = 0;
		memset(&r, 0, sizeof(r));
		cfg_rules_parse(&r, lists[data[1] % 8], (const char *)data + 2, size - 2, &bad);
		cfg_rules_free(&r);
		return 0;
	}
	const char *path = paths[data[0] % (sizeof(paths) / sizeof(paths[0]))];
	const char *kind = kinds[data[1] % (sizeof(kinds) / sizeof(kinds[0]))];
	struct fwg_node *base = make_file(FWG_TYPE_SQUASHFS, path, kind, data + 2, size - 2);
	struct fwg_node *over = make_file(FWG_TYPE_JFFS2, path, kind, data + 2, size - 2);
	struct fwg_analysis *a = calloc(1, sizeof(*a));
	if (base && over && a) {
		struct cfg c;
		memset(&c, 0, sizeof(c));
		c.a = a;
		c.now = 1700000000;
		c.rules = rules;
		cfg_check_file(&c, base->children[0], path);
		cfg_check_file(&c, over->children[0], path);
		cfg_finish(&c);
		memset(&c.rules, 0, sizeof(c.rules)); /* shared: freed never */
		cfg_free(&c);
	}
	fwg_analysis_free(a);
	fwg_node_free(base);
	fwg_node_free(over);
	return 0;
}
