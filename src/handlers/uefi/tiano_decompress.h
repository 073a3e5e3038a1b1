/*
 * tiano_decompress.h - EFI 1.1 / Tiano ("UEFI standard compression")
 * decompressor, used by the UEFI handlers to unpack EFI_COMPRESSION_SECTION
 * payloads (EFI_STANDARD_COMPRESSION) and TianoCompress GUID-defined sections
 * (a31280ad-481e-41b6-95e8-127f4c984779).
 *
 * Input is untrusted: the decoder never reads outside [src, src+src_len),
 * never writes outside [dst, dst+dst_len), and its work is bounded by the
 * input and output sizes.  Self-contained: no globals, no allocation.
 * The format is described at the top of tiano_decompress.c.
 */
#ifndef FWG_HANDLERS_UEFI_TIANO_DECOMPRESS_H
#define FWG_HANDLERS_UEFI_TIANO_DECOMPRESS_H

#include <stddef.h>
#include <stdint.h>

/*
 * The two variants share one bitstream format and differ only in the width
 * of the position-set size field of each block header: 4 bits for EFI 1.1
 * (EDK2 "Version 1", EfiCompress), 5 bits for Tiano (Version 2).
 */
enum fwg_tiano_variant { FWG_TIANO_EFI11 = 1, FWG_TIANO_TIANO = 2 };

/* Negative return values; every failure also sets *why (when why != NULL). */
enum fwg_tiano_error {
	FWG_TIANO_E_ARG = -1,     /* NULL pointer, unknown variant, dst_len mismatch */
	FWG_TIANO_E_HEADER = -2,  /* header missing or sizes inconsistent with src_len */
	FWG_TIANO_E_CORRUPT = -3, /* bitstream invalid (bad tables, bad back-reference) */
};

/*
 * Reads the 8-byte header: little-endian compressed size, then original size.
 * Checks src_len >= 8 and compressed_size <= src_len - 8.
 * Returns 0 on success; on failure a negative value and a static message via
 * *why.  The output pointers are written only on success.
 */
int fwg_tiano_get_info(const uint8_t *src, size_t src_len, uint32_t *compressed_size,
		       uint32_t *original_size, const char **why);

/*
 * Decompresses into dst, whose size must equal original_size from get_info.
 * Never writes beyond dst_len, never reads beyond src_len (nor beyond the
 * header's compressed size: bits past it read as zeros, as in EDK2).
 * Returns 0 on success, negative on corrupt input, with *why a static
 * lower-case message (e.g. "bad huffman table", "position beyond output
 * start").  dst may be NULL only when dst_len is 0.  On failure the contents
 * of dst are unspecified.
 */
int fwg_tiano_decompress(const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_len,
			 enum fwg_tiano_variant variant, const char **why);

#endif /* FWG_HANDLERS_UEFI_TIANO_DECOMPRESS_H */
