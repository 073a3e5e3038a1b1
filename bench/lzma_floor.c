/*
 * lzma_floor.c - the physical floor for scanning OVMF: bare liblzma decoding
 * one EDK2 LZMA stream (.lzma header + raw LZMA1) into one malloc'd buffer
 * of the declared size, as any tool that keeps the decoded data must.
 * No parsing, no hashing.  Usage: lzma_floor FILE.lzma
 */
#include <lzma.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	FILE *f = fopen(argv[1], "rb");
	if (!f)
		return 1;
	static uint8_t in[16 << 20];
	size_t n = fread(in, 1, sizeof(in), f);
	fclose(f);
	if (n < 13)
		return 1;
	uint64_t size = 0;
	for (int i = 0; i < 8; i++)
		size |= (uint64_t)in[5 + i] << (8 * i);
	uint8_t *out = malloc(size);
	lzma_stream s = LZMA_STREAM_INIT;
	if (!out || lzma_alone_decoder(&s, UINT64_MAX) != LZMA_OK)
		return 1;
	s.next_in = in;
	s.avail_in = n;
	s.next_out = out;
	s.avail_out = size;
	lzma_ret r = lzma_code(&s, LZMA_FINISH);
	lzma_end(&s);
	printf("%s %zu bytes\n", r == LZMA_STREAM_END || s.avail_out == 0 ? "ok" : "error",
		(size_t)(size - s.avail_out));
	free(out);
	return 0;
}
