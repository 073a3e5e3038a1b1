/*
 * brotli.c - EDK2 Brotli payloads (GUID 3d532050-5cda-4fd0-879e-0f7f630d5afb)
 * through libbrotlidec.  Layout: u64 decoded size, u64 scratch size (an EDK2
 * implementation detail we ignore), then the Brotli stream.
 */
#include <brotli/decode.h>

#include "codecs.h"
#include "../core/cursor.h"

enum fwg_status fwg_brotli_efi_size(const uint8_t *src, size_t src_len, uint64_t *size)
{
	struct fwg_cursor c = fwg_cursor_make(src, src_len);
	if (fwg_cursor_u64le_at(&c, 0, size) != FWG_OK || src_len < FWG_BROTLI_HEADER_SIZE)
		return FWG_TRUNCATED;
	return FWG_OK;
}

enum fwg_status fwg_brotli_efi_decode(const uint8_t *src, size_t src_len, uint8_t *dst,
		size_t dst_size, const char **why)
{
	if (src_len < FWG_BROTLI_HEADER_SIZE) {
		*why = "brotli header truncated";
		return FWG_TRUNCATED;
	}
	size_t out = dst_size;
	BrotliDecoderResult r = BrotliDecoderDecompress(src_len - FWG_BROTLI_HEADER_SIZE,
		src + FWG_BROTLI_HEADER_SIZE, &out, dst);
	if (r != BROTLI_DECODER_RESULT_SUCCESS) {
		*why = r == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT
			? "brotli output exceeds the declared size" : "brotli data corrupt or truncated";
		return FWG_MALFORMED;
	}
	if (out != dst_size) {
		*why = "brotli output shorter than the declared size";
		return FWG_TRUNCATED;
	}
	return FWG_OK;
}
