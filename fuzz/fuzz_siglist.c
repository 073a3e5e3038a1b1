/*
 * fuzz_siglist.c - libFuzzer target for EFI_SIGNATURE_LIST parsing as it
 * is reached in real images: the input becomes the data of a `db`
 * variable (vendor EFI_IMAGE_SECURITY_DATABASE_GUID) in an authenticated
 * VSS store, inside an NV-data firmware volume built here, and the buffer
 * goes through fwg_image_open_buffer().  nvram.c frames the lists by
 * SignatureListSize and siglist.c parses each one, X.509 entries through
 * OpenSSL.
 *
 * Seeds: the data of PK, KEK, db and dbx from OVMF_VARS_4M.ms.fd, and
 * .esl files (e.g. from efitools / virt-firmware).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fwguard/fwguard.h"

#define FV_HEADER_LENGTH 0x48
#define STORE_HEADER 28
#define AUTH_VAR_HEADER 60
#define NAME_SIZE 6 /* "db" in UCS-2 with its terminator */
#define TAIL 16     /* erased bytes after the variable */
#define MAX_INPUT (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put_le(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t nv_guid[16] = { 0x8d, 0x2b, 0xf1, 0xff, 0x96, 0x76, 0x8b, 0x4c,
		0xa9, 0x85, 0x27, 0x47, 0x07, 0x5b, 0x4f, 0x50 };
	static const uint8_t auth_store_guid[16] = { 0x78, 0x2c, 0xf3, 0xaa, 0x7b, 0x94, 0x9a,
		0x43, 0xa1, 0x80, 0x2e, 0x14, 0x4e, 0xc3, 0x77, 0x92 };
	static const uint8_t db_guid[16] = { 0xcb, 0xb2, 0x19, 0xd7, 0x3a, 0x3d, 0x96, 0x45,
		0xa3, 0xbc, 0xda, 0xd0, 0x0e, 0x67, 0x65, 0x6f };
	static const uint8_t db_name[NAME_SIZE] = { 'd', 0, 'b', 0, 0, 0 };
	if (size > MAX_INPUT)
		return 0;
	size_t var = AUTH_VAR_HEADER + NAME_SIZE + size;
	size_t var_aligned = (var + 3) & ~(size_t)3;
	size_t store = STORE_HEADER + var_aligned + TAIL;
	size_t total = FV_HEADER_LENGTH + store;
	uint8_t *fv = malloc(total);
	if (!fv)
		return 0;
	memset(fv, 0xff, total);
	memset(fv, 0, FV_HEADER_LENGTH);
	memcpy(fv + 0x10, nv_guid, 16);
	put_le(fv + 0x20, total, 8);
	memcpy(fv + 0x28, "_FVH", 4);
	put_le(fv + 0x2c, 0x4feff, 4);
	put_le(fv + 0x30, FV_HEADER_LENGTH, 2);
	fv[0x37] = 2;
	put_le(fv + 0x38, 1, 4);
	put_le(fv + 0x3c, total, 4);
	uint16_t sum = 0;
	for (size_t i = 0; i < FV_HEADER_LENGTH; i += 2)
		sum = (uint16_t)(sum + (fv[i] | fv[i + 1] << 8));
	put_le(fv + 0x32, (uint16_t)(0x10000u - sum), 2);

	uint8_t *s = fv + FV_HEADER_LENGTH;
	memcpy(s, auth_store_guid, 16);
	put_le(s + 16, store, 4);
	s[20] = 0x5a;
	s[21] = 0xfe;
	memset(s + 22, 0, 6);

	uint8_t *v = s + STORE_HEADER;
	memset(v, 0, AUTH_VAR_HEADER);
	put_le(v, 0x55aa, 2);
	v[2] = 0x3f;
	put_le(v + 4, 0x27, 4);
	put_le(v + 36, NAME_SIZE, 4);
	put_le(v + 40, size, 4);
	memcpy(v + 44, db_guid, 16);
	memcpy(v + AUTH_VAR_HEADER, db_name, NAME_SIZE);
	if (size)
		memcpy(v + AUTH_VAR_HEADER + NAME_SIZE, data, size);

	struct fwg_options opt;
	fwg_options_default(&opt);
	opt.limits.max_nodes = 20000;
	opt.threads = 1;
	struct fwg_image *img = NULL;
	char err[128];
	if (fwg_image_open_buffer(fv, total, "fuzz", &opt, &img, err, sizeof(err)) == FWG_OK)
		fwg_image_free(img);
	free(fv);
	return 0;
}
