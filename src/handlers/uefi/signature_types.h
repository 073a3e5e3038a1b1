/*
 * signature_types.h - the EFI_SIGNATURE_LIST signature types (UEFI 2.10,
 * 32.4.1): GUID, name, what an entry holds and its expected size.  One
 * table for every reader of signature lists: the siglist handler (NVRAM
 * variables in images) and the event-log decoder (measured variables).
 */
#ifndef FWG_UEFI_SIGNATURE_TYPES_H
#define FWG_UEFI_SIGNATURE_TYPES_H

#include <stddef.h>
#include <stdint.h>

#define FWG_EFI_TIME_SIZE 16

enum fwg_sig_kind {
	FWG_SIG_X509,      /* a DER certificate */
	FWG_SIG_HASH,      /* a digest */
	FWG_SIG_X509_HASH, /* a TBS digest followed by an EFI_TIME revocation time */
	FWG_SIG_OTHER,     /* RSA-2048 keys, PKCS#7, anything else */
};

struct fwg_sig_type {
	uint8_t guid[16];
	const char *name;
	enum fwg_sig_kind kind;
	size_t data_size; /* expected entry data size (owner excluded), 0 = variable */
	size_t hash_size; /* digest bytes of hash kinds, else 0 */
};

/* The type of a signature-type GUID, or NULL when unknown. */
const struct fwg_sig_type *fwg_sig_type_find(const uint8_t guid[16]);

#endif
