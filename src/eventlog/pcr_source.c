/*
 * pcr_source.c - STUB (being written): PCR values from files and TPMs.
 */
#include <stdio.h>

#include "evlog_internal.h"

enum fwg_status fwg_pcr_set_parse(const char *text, size_t len, struct fwg_pcr_set *out,
		char *errbuf, size_t errbuf_size)
{
	(void)text;
	(void)len;
	(void)out;
	snprintf(errbuf, errbuf_size, "PCR files are not supported yet");
	return FWG_UNSUPPORTED;
}

enum fwg_status fwg_pcr_set_read_tpm(const char *tcti, struct fwg_pcr_set *out, char *errbuf,
		size_t errbuf_size)
{
	(void)tcti;
	(void)out;
	snprintf(errbuf, errbuf_size, "reading a TPM is not supported yet");
	return FWG_UNSUPPORTED;
}
