/*
 * crc32.c - the IEEE 802.3 CRC-32 through zlib, fed in chunks because
 * zlib's length argument is 32-bit.
 */
#include <zlib.h>

#include "codecs.h"

uint32_t fwg_crc32(const uint8_t *data, size_t len)
{
	uLong crc = crc32(0L, Z_NULL, 0);
	while (len > 0) {
		uInt chunk = len > 0x40000000u ? 0x40000000u : (uInt)len;
		crc = crc32(crc, data, chunk);
		data += chunk;
		len -= chunk;
	}
	return (uint32_t)crc;
}
