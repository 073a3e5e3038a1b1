/*
 * quote.c - STUB (being written): TPM2_Quote verification.
 */
#include <stdio.h>

#include "evlog_internal.h"

enum fwg_status fwg_quote_verify(const struct fwg_quote_input *in, struct fwg_quote_result *result,
		char *errbuf, size_t errbuf_size)
{
	(void)in;
	(void)result;
	snprintf(errbuf, errbuf_size, "quote verification is not implemented yet");
	return FWG_UNSUPPORTED;
}
