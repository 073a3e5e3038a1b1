/*
 * strset.h - a set of strings: append, then seal (sort + dedupe), then
 * look up by binary search.  The reference values are sets of hex digests
 * and names; a sealed set answers "seen before?" in log2(n) comparisons.
 */
#ifndef FWG_EVENTLOG_STRSET_H
#define FWG_EVENTLOG_STRSET_H

#include <stdbool.h>
#include <stddef.h>

struct fwg_strset {
	char **items;
	size_t count, cap;
	bool sealed;
};

/* Adds a copy of s (unsealing the set); false on allocation failure. */
bool fwg_strset_add(struct fwg_strset *set, const char *s);
/* Sorts and removes duplicates. */
void fwg_strset_seal(struct fwg_strset *set);
/* True when s is in the set (seals it first if needed). */
bool fwg_strset_has(struct fwg_strset *set, const char *s);
void fwg_strset_clear(struct fwg_strset *set);

#endif
