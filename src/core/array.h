/*
 * array.h - growing a heap array by doubling, with the overflow check in
 * one place: the engines' finding, software, rule and table lists.
 */
#ifndef FWG_CORE_ARRAY_H
#define FWG_CORE_ARRAY_H

#include <stdbool.h>
#include <stddef.h>

/* Makes room for item count+1 in *items (capacity *cap, items of
 * item_size bytes), doubling from 16.  False when out of memory or when
 * the size would overflow; *items and *cap are unchanged then. */
bool fwg_array_reserve(void **items, size_t *cap, size_t count, size_t item_size);

#endif
