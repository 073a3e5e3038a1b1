/*
 * signing_stub.c - placeholder for the signing API until the signing
 * module lands (removed then).
 */
#include <stdlib.h>

#include "fwguard/signing.h"

enum fwg_status fwg_trust_store_load(const char *path, struct fwg_trust_store **out,
		char *errbuf, size_t errbuf_size)
{
	(void)path;
	*out = NULL;
	snprintf(errbuf, errbuf_size, "trust stores are not supported yet");
	return FWG_UNSUPPORTED;
}

void fwg_trust_store_free(struct fwg_trust_store *store)
{
	(void)store;
}

const char *fwg_sig_result_name(enum fwg_sig_result result)
{
	(void)result;
	return "unsupported";
}

enum fwg_status fwg_verify_file(const struct fwg_trust_store *store, const char *doc_path,
		const char *sig_path, int64_t now, struct fwg_sig_verdict *verdict, char **doc_out,
		size_t *doc_len_out, char *errbuf, size_t errbuf_size)
{
	(void)store, (void)doc_path, (void)sig_path, (void)now, (void)verdict, (void)doc_out;
	(void)doc_len_out;
	snprintf(errbuf, errbuf_size, "not supported yet");
	return FWG_UNSUPPORTED;
}
