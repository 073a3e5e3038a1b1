/*
 * config_text.c - bounded line and word helpers for the config engine.
 *
 * Input is untrusted file content: lines are windows into it (never
 * NUL-terminated, never longer than CFG_MAX_LINE), every scan is bounded
 * by the window length, and nothing here allocates.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config.h"

void cfg_lines_init(struct cfg_lines *it, const uint8_t *data, size_t size)
{
	it->data = data;
	it->size = data ? size : 0;
	it->pos = 0;
	it->line_no = 0;
}

bool cfg_lines_next(struct cfg_lines *it, const char **line, size_t *len)
{
	if (it->pos >= it->size)
		return false;
	const uint8_t *start = it->data + it->pos;
	size_t rest = it->size - it->pos;
	const uint8_t *nl = memchr(start, '\n', rest);
	size_t n = nl ? (size_t)(nl - start) : rest;
	it->pos += nl ? n + 1 : n;
	it->line_no++;
	if (n && start[n - 1] == '\r')
		n--;
	*line = (const char *)start;
	*len = n > CFG_MAX_LINE ? CFG_MAX_LINE : n;
	return true;
}

static bool blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' || ch == '\v';
}

void cfg_trim(const char **s, size_t *len)
{
	while (*len && blank(**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len && blank((*s)[*len - 1]))
		(*len)--;
}

bool cfg_ieq(const char *s, size_t len, const char *word)
{
	size_t n = strlen(word);
	return len == n && strncasecmp(s, word, n) == 0;
}

bool cfg_istarts(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	return len >= n && strncasecmp(s, prefix, n) == 0;
}

bool cfg_iends(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);
	return len >= n && strncasecmp(s + len - n, suffix, n) == 0;
}

const char *cfg_imem(const char *s, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	if (n == 0 || n > len)
		return NULL;
	for (size_t i = 0; i + n <= len; i++)
		if (strncasecmp(s + i, needle, n) == 0)
			return s + i;
	return NULL;
}

static bool word_char(char ch)
{
	return isalnum((unsigned char)ch) || ch == '_' || ch == '.' || ch == '-';
}

const char *cfg_find_word(const char *s, size_t len, const char *word)
{
	size_t n = strlen(word);
	size_t off = 0;
	while (n && off + n <= len) {
		const char *hit = memmem(s + off, len - off, word, n);
		if (!hit)
			return NULL;
		size_t at = (size_t)(hit - s);
		bool before = at == 0 || !word_char(s[at - 1]);
		bool after = at + n == len || !word_char(s[at + n]);
		if (before && after)
			return hit;
		off = at + 1;
	}
	return NULL;
}

bool cfg_truthy(const char *s, size_t len)
{
	if (len >= 2 && (s[0] == '"' || s[0] == '\'') && s[len - 1] == s[0]) {
		s++;
		len -= 2;
	}
	static const char *const on[] = { "1", "yes", "y", "true", "on", "enable", "enabled" };
	for (size_t i = 0; i < sizeof(on) / sizeof(on[0]); i++)
		if (cfg_ieq(s, len, on[i]))
			return true;
	return false;
}

void cfg_buf_add(struct cfg_buf *b, const char *fmt, ...)
{
	if (b->len >= FWG_EVIDENCE_MAX)
		return;
	if (b->items && b->len + 2 < sizeof(b->text)) {
		memcpy(b->text + b->len, "; ", 2);
		b->len += 2;
	}
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(b->text + b->len, sizeof(b->text) - b->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->len += (size_t)n;
	if (b->len > FWG_EVIDENCE_MAX)
		b->len = FWG_EVIDENCE_MAX;
	b->text[b->len] = '\0';
	b->items++;
}

const char *cfg_basename(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}
