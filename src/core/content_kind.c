/*
 * content_kind.c - classifies file contents for the engines (see
 * content_kind.h).  Looks at the first bytes only: a kind is a hint for
 * which engine should look, not a verdict.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "content_kind.h"

#define SNIFF_BYTES 4096

static const char *elf_machine(uint16_t m)
{
	switch (m) {
	case 2: return "sparc";
	case 3: return "i386";
	case 8: return "mips";
	case 20: return "powerpc";
	case 21: return "powerpc64";
	case 40: return "arm";
	case 42: return "superh";
	case 50: return "ia64";
	case 62: return "x86_64";
	case 183: return "aarch64";
	case 243: return "riscv";
	case 258: return "loongarch";
	default: return "other";
	}
}

static bool has_prefix(const uint8_t *d, size_t n, const char *p)
{
	size_t l = strlen(p);
	return n >= l && memcmp(d, p, l) == 0;
}

static bool contains(const uint8_t *d, size_t n, const char *needle)
{
	return memmem(d, n, needle, strlen(needle)) != NULL;
}

/* Interpreter of a "#!" line: basename of the program, or of the first
 * argument of /usr/bin/env. */
static void shebang(const uint8_t *d, size_t n, char *out, size_t out_size)
{
	size_t i = 2, end;
	while (i < n && (d[i] == ' ' || d[i] == '\t'))
		i++;
	for (int word = 0; word < 2; word++) {
		end = i;
		while (end < n && d[end] != ' ' && d[end] != '\t' && d[end] != '\n' && d[end] != '\r')
			end++;
		size_t base = i;
		for (size_t k = i; k < end; k++)
			if (d[k] == '/')
				base = k + 1;
		size_t len = end - base;
		if (word == 0 && len == 3 && memcmp(d + base, "env", 3) == 0) {
			i = end;
			while (i < n && (d[i] == ' ' || d[i] == '\t'))
				i++;
			continue;
		}
		char name[24];
		size_t k = 0;
		for (; k < len && k + 1 < sizeof(name); k++) {
			char c = (char)d[base + k];
			bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				(c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
			name[k] = ok ? c : '_';
		}
		name[k] = '\0';
		snprintf(out, out_size, "script:%s", k ? name : "unknown");
		return;
	}
	snprintf(out, out_size, "script:unknown");
}

static bool looks_like_text(const uint8_t *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = d[i];
		if (c == 0 || (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' &&
				c != 0x1b))
			return false;
	}
	return true;
}

void fwg_content_kind(const uint8_t *data, size_t size, const char *fs_path, char *out,
		size_t out_size)
{
	size_t n = size < SNIFF_BYTES ? size : SNIFF_BYTES;
	if (!data || size == 0) {
		snprintf(out, out_size, "empty");
		return;
	}
	if (size >= 20 && memcmp(data, "\x7f" "ELF", 4) == 0) {
		uint16_t m = data[5] == 2 ? (uint16_t)(data[18] << 8 | data[19])
			: (uint16_t)(data[18] | data[19] << 8);
		snprintf(out, out_size, "elf:%s", elf_machine(m));
		return;
	}
	if (has_prefix(data, n, "#!")) {
		shebang(data, n, out, out_size);
		return;
	}
	if (contains(data, n, "PRIVATE KEY-----")) {
		snprintf(out, out_size, "private_key");
		return;
	}
	if (contains(data, n, "-----BEGIN CERTIFICATE-----") ||
			contains(data, n, "-----BEGIN TRUSTED CERTIFICATE-----")) {
		snprintf(out, out_size, "certificate");
		return;
	}
	if (contains(data, n, "-----BEGIN PUBLIC KEY-----") ||
			contains(data, n, "-----BEGIN RSA PUBLIC KEY-----") ||
			has_prefix(data, n, "ssh-rsa ") || has_prefix(data, n, "ssh-ed25519 ") ||
			has_prefix(data, n, "ecdsa-sha2-")) {
		snprintf(out, out_size, "public_key");
		return;
	}
	if (looks_like_text(data, n)) {
		bool config = fs_path && (strncmp(fs_path, "/etc/", 5) == 0 ||
			strstr(fs_path, "/etc/") != NULL);
		snprintf(out, out_size, config ? "config" : "text");
		return;
	}
	snprintf(out, out_size, "data");
}
