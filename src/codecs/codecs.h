/*
 * codecs.h - decoders for compressed firmware payloads, each writing into a
 * caller-sized buffer so decoded data is produced once and never copied.
 *
 * All decoders are bounded: they never write past dst_size, and a stream
 * that claims more output than the buffer fails with a message in *why.
 * Callers size the buffer from the stream's declared length after checking
 * it against the unpacking budgets.
 */
#ifndef FWG_CODECS_H
#define FWG_CODECS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fwguard/fwguard.h"

/*
 * EDK2 LZMA payload (GUID-defined LZMA / LZMA-F86 sections and compression
 * sections using LZMA): 5 bytes of LZMA properties, a u64 little-endian
 * uncompressed size, then a raw LZMA1 stream (the ".lzma" alone format).
 */
#define FWG_LZMA_HEADER_SIZE 13
FWG_NODISCARD enum fwg_status fwg_lzma_alone_size(const uint8_t *src, size_t src_len, uint64_t *size);
/* x86: apply the x86 BCJ filter after LZMA (LZMA-F86 sections). */
FWG_NODISCARD enum fwg_status fwg_lzma_alone_decode(const uint8_t *src, size_t src_len, bool x86,
		uint8_t *dst, size_t dst_size, const char **why);

/*
 * EDK2 Brotli payload: u64 decoded size, u64 scratch size, Brotli stream.
 */
#define FWG_BROTLI_HEADER_SIZE 16
FWG_NODISCARD enum fwg_status fwg_brotli_efi_size(const uint8_t *src, size_t src_len, uint64_t *size);
FWG_NODISCARD enum fwg_status fwg_brotli_efi_decode(const uint8_t *src, size_t src_len,
		uint8_t *dst, size_t dst_size, const char **why);

/* zlib CRC-32 (the one EFI_CRC32_GUIDED_SECTION and FMH use). */
uint32_t fwg_crc32(const uint8_t *data, size_t len);

#endif
