/*
 * strset.c - sorted string sets for reference values (see strset.h).
 */
#include <stdlib.h>
#include <string.h>

#include "strset.h"

#define MAX_ITEMS (1u << 22) /* a reference is learned from trusted logs, but stay bounded */

bool fwg_strset_add(struct fwg_strset *set, const char *s)
{
	if (set->count == set->cap) {
		size_t ncap = set->cap ? set->cap * 2 : 8;
		if (ncap > MAX_ITEMS)
			return false;
		char **n = realloc(set->items, ncap * sizeof(*n));
		if (!n)
			return false;
		set->items = n;
		set->cap = ncap;
	}
	char *copy = strdup(s);
	if (!copy)
		return false;
	set->items[set->count++] = copy;
	set->sealed = false;
	return true;
}

static int compare(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void fwg_strset_seal(struct fwg_strset *set)
{
	if (set->sealed)
		return;
	if (set->count > 1)
		qsort(set->items, set->count, sizeof(*set->items), compare);
	size_t o = 0;
	for (size_t i = 0; i < set->count; i++) {
		if (o && strcmp(set->items[o - 1], set->items[i]) == 0) {
			free(set->items[i]);
			continue;
		}
		set->items[o++] = set->items[i];
	}
	set->count = o;
	set->sealed = true;
}

bool fwg_strset_has(struct fwg_strset *set, const char *s)
{
	fwg_strset_seal(set);
	return set->count && bsearch(&s, set->items, set->count, sizeof(*set->items), compare);
}

void fwg_strset_clear(struct fwg_strset *set)
{
	for (size_t i = 0; i < set->count; i++)
		free(set->items[i]);
	free(set->items);
	memset(set, 0, sizeof(*set));
}
