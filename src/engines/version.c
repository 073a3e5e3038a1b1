/*
 * version.c - version comparison for vulnerability matching (version.h).
 *
 * Tokens are read in place, without allocation: a token is a window
 * [start, start+len) of the string plus its kind.  The comparison is a
 * single forward pass over both strings, so it is linear in their length
 * and needs no bound on the number of tokens.
 */
#include "version.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

enum tok_kind { TOK_END, TOK_NUM, TOK_PRE, TOK_POST };

struct tok {
	enum tok_kind kind;
	const char *start;
	size_t len;
	int pre_rank; /* TOK_PRE: dev < alpha < beta < pre < rc */
};

static const struct {
	const char *word;
	int rank;
} pre_words[] = {
	{ "dev", 0 }, { "snapshot", 0 }, { "alpha", 1 }, { "beta", 2 },
	{ "pre", 3 }, { "preview", 3 }, { "rc", 4 },
};

static int pre_rank(const char *s, size_t len)
{
	for (size_t i = 0; i < sizeof(pre_words) / sizeof(pre_words[0]); i++)
		if (strlen(pre_words[i].word) == len && strncasecmp(s, pre_words[i].word, len) == 0)
			return pre_words[i].rank;
	return -1;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Skips a leading "v" and an epoch ("12:"). */
static const char *skip_prefix(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	if ((*s == 'v' || *s == 'V') && is_digit(s[1]))
		s++;
	const char *p = s;
	while (is_digit(*p))
		p++;
	if (p != s && *p == ':')
		return p + 1;
	return s;
}

static struct tok next_tok(const char **pp)
{
	const char *p = *pp;
	while (*p && !is_digit(*p) && !is_alpha(*p))
		p++;
	struct tok t = { TOK_END, p, 0, 0 };
	if (!*p) {
		*pp = p;
		return t;
	}
	const char *s = p;
	if (is_digit(*p)) {
		while (is_digit(*p))
			p++;
		while (s + 1 < p && *s == '0')
			s++;
		t.kind = TOK_NUM;
	} else {
		while (is_alpha(*p))
			p++;
		t.pre_rank = pre_rank(s, (size_t)(p - s));
		t.kind = t.pre_rank >= 0 ? TOK_PRE : TOK_POST;
	}
	t.start = s;
	t.len = (size_t)(p - s);
	*pp = p;
	return t;
}

/* Order of a token after the end of the other version: a number or a
 * post-release tag makes the version newer, a pre-release older. */
static int tail_sign(const struct tok *t)
{
	return t->kind == TOK_PRE ? -1 : 1;
}

/* Rank of kinds when they differ at the same position. */
static int kind_rank(enum tok_kind k)
{
	switch (k) {
	case TOK_PRE: return 0;
	case TOK_POST: return 1;
	case TOK_NUM: return 2;
	default: return -1;
	}
}

static int cmp_letters(const struct tok *a, const struct tok *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	for (size_t i = 0; i < n; i++) {
		int ca = tolower((unsigned char)a->start[i]);
		int cb = tolower((unsigned char)b->start[i]);
		if (ca != cb)
			return ca < cb ? -1 : 1;
	}
	return a->len == b->len ? 0 : (a->len < b->len ? -1 : 1);
}

int fwg_version_compare(const char *a, const char *b)
{
	const char *pa = skip_prefix(a ? a : "");
	const char *pb = skip_prefix(b ? b : "");
	for (;;) {
		struct tok ta = next_tok(&pa);
		struct tok tb = next_tok(&pb);
		if (ta.kind == TOK_END && tb.kind == TOK_END)
			return 0;
		if (ta.kind == TOK_END)
			return -tail_sign(&tb);
		if (tb.kind == TOK_END)
			return tail_sign(&ta);
		if (ta.kind != tb.kind)
			return kind_rank(ta.kind) < kind_rank(tb.kind) ? -1 : 1;
		int c = 0;
		switch (ta.kind) {
		case TOK_NUM:
			if (ta.len != tb.len)
				c = ta.len < tb.len ? -1 : 1;
			else
				c = memcmp(ta.start, tb.start, ta.len);
			break;
		case TOK_PRE:
			c = ta.pre_rank - tb.pre_rank;
			break;
		default:
			c = cmp_letters(&ta, &tb);
			break;
		}
		if (c)
			return c < 0 ? -1 : 1;
	}
}

/* Is the text at s a pre-release word (so "-rc1" is not a vendor suffix)? */
static bool starts_pre_word(const char *s)
{
	size_t n = 0;
	while (is_alpha(s[n]))
		n++;
	return n && pre_rank(s, n) >= 0;
}

bool fwg_version_upstream(const char *version, char *out, size_t size)
{
	if (!size)
		return false;
	const char *s = skip_prefix(version ? version : "");
	size_t n = 0;
	bool cut = false;
	for (; s[n]; n++) {
		char c = s[n];
		if (c == '+' || c == ' ' || c == '\t' || c == '\n' || c == '(') {
			cut = true;
			break;
		}
		if (c == '-' && !starts_pre_word(s + n + 1)) {
			cut = true;
			break;
		}
	}
	/* Trailing separators ("1.2." or "1.2_") are not part of the version. */
	while (n && !is_digit(s[n - 1]) && !is_alpha(s[n - 1]))
		n--;
	if (n >= size)
		n = size - 1;
	memcpy(out, s, n);
	out[n] = '\0';
	return cut;
}

bool fwg_version_usable(const char *version)
{
	if (!version)
		return false;
	const char *s = version;
	while (*s == ' ' || *s == '\t')
		s++;
	if ((*s == 'v' || *s == 'V') && is_digit(s[1]))
		s++;
	return is_digit(*s);
}
