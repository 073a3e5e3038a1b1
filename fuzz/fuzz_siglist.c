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

#include "nv_volume.h"

#define STORE_HEADER 28
#define AUTH_VAR_HEADER 60
#define NAME_SIZE 6 /* "db" in UCS-2 with its terminator */
#define TAIL 16     /* erased bytes after the variable */
#define MAX_INPUT (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
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
	size_t total;
	uint8_t *fv = nv_volume_new(store, &total);
	if (!fv)
		return 0;

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

	nv_volume_run(fv, total);
	return 0;
}
