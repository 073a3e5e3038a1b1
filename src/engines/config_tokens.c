/*
 * config_tokens.c - hard-coded API tokens in text, configuration and
 * script files (rule secret.token, high).
 *
 * Each pattern of rules/config/tokens.txt is a literal prefix ("AKIA",
 * "ghp_", "xoxb-") followed by MIN..MAX characters of a class: the prefix
 * is found with memmem (no per-byte regex), then the tail is measured.  A
 * match must not be glued to a longer word on either side, which keeps
 * base64 blobs and identifiers from matching by accident.  The "jwt" flag
 * asks for three dot-separated parts, the second one a base64url JSON
 * object too ("eyJ").
 *
 * Evidence shows the token masked (prefix, four characters, length): the
 * finding must not become a second copy of the secret.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "config.h"

#define MAX_HITS_PER_FILE 256u

static bool glued(unsigned char ch)
{
	return isalnum(ch) || ch == '_';
}

/* Length of the token at data[at] (prefix included), or 0. */
static size_t token_at(const struct cfg_token_rule *t, const uint8_t *d, size_t size, size_t at)
{
	size_t plen = strlen(t->prefix);
	if (at > 0 && glued(d[at - 1]) && glued((unsigned char)t->prefix[0]))
		return 0;
	size_t i = at + plen, n = 0, dots = 0;
	while (i < size && n <= t->max && (t->cls[d[i]] || (t->jwt && d[i] == '.'))) {
		if (d[i] == '.') {
			/* parts must not be empty */
			if (i == at + plen || d[i - 1] == '.')
				return 0;
			dots++;
		}
		i++;
		n++;
	}
	if (n < t->min || n > t->max)
		return 0;
	if (i < size && glued(d[i]))
		return 0;
	if (t->jwt) {
		if (dots != 2 || d[i - 1] == '.')
			return 0;
		const uint8_t *dot = memchr(d + at, '.', i - at);
		if (!dot || (size_t)(d + i - dot) < 4 || memcmp(dot + 1, "eyJ", 3) != 0)
			return 0;
	}
	return i - at;
}

void cfg_tokens_file(struct cfg *c, const struct fwg_node *file, const char *path)
{
	const uint8_t *d = file->data;
	size_t size = (size_t)file->size;
	struct cfg_buf ev = { .len = 0 };
	unsigned hits = 0;
	for (size_t r = 0; r < c->rules.token_count && hits < MAX_HITS_PER_FILE; r++) {
		const struct cfg_token_rule *t = &c->rules.tokens[r];
		size_t plen = strlen(t->prefix), off = 0;
		while (off < size && hits < MAX_HITS_PER_FILE) {
			const uint8_t *p = memmem(d + off, size - off, t->prefix, plen);
			if (!p)
				break;
			size_t at = (size_t)(p - d);
			size_t len = token_at(t, d, size, at);
			if (len == 0) {
				off = at + 1;
				continue;
			}
			hits++;
			size_t show = plen + 4 < len ? plen + 4 : len;
			cfg_buf_add(&ev, "%s %.*s... (%zu chars)", t->name, (int)show, (const char *)p,
				len);
			off = at + len;
		}
	}
	if (!hits)
		return;
	char msg[256];
	snprintf(msg, sizeof(msg), "%s: %u hard-coded token(s)", path, hits);
	fwg_report(c->a, &(struct fwg_finding_desc){
		.rule = "secret.token", .severity = FWG_LEVEL_HIGH,
		.confidence = FWG_CONFIDENCE_MEDIUM, .node = file, .message = msg,
		.evidence = ev.text,
		.remediation = "Revoke the token with its issuer and remove it from the image; "
			"provision secrets at run time." });
}
