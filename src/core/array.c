/*
 * array.c - see array.h.
 */
#include <stdint.h>
#include <stdlib.h>

#include "array.h"

bool fwg_array_reserve(void **items, size_t *cap, size_t count, size_t item_size)
{
	if (count < *cap)
		return true;
	size_t ncap = *cap ? *cap * 2 : 16;
	if (ncap < *cap || item_size == 0 || ncap > SIZE_MAX / item_size)
		return false;
	void *n = realloc(*items, ncap * item_size);
	if (!n)
		return false;
	*items = n;
	*cap = ncap;
	return true;
}
