/*
 * guid.c - GUID text form and the well-known-name lookup (binary search over
 * the table generated from data/guids.csv).
 */
#include <stdio.h>

#include "guid.h"
#include "guid_table.h"

static const char hexdigits[] = "0123456789abcdef";

void fwg_guid_format(const uint8_t g[16], char out[FWG_GUID_TEXT_LEN])
{
	/* Byte order of the text: fields 1-3 little-endian, then as stored. */
	static const int order[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
	size_t o = 0;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hexdigits[g[order[i]] >> 4];
		out[o++] = hexdigits[g[order[i]] & 15];
	}
	out[o] = '\0';
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

bool fwg_guid_parse(const char *text, uint8_t out[16])
{
	static const int order[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
	size_t p = 0;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10) {
			if (text[p] != '-')
				return false;
			p++;
		}
		int hi = hexval(text[p]);
		int lo = hi < 0 ? -1 : hexval(text[p + 1]);
		if (lo < 0)
			return false;
		out[order[i]] = (uint8_t)(hi << 4 | lo);
		p += 2;
	}
	return text[p] == '\0';
}

const char *fwg_guid_name(const uint8_t guid[16])
{
	size_t lo = 0, hi = fwg_guid_table_len;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(guid, fwg_guid_table[mid].guid, 16);
		if (c == 0)
			return fwg_guid_table[mid].name;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}
