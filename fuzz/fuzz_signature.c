/*
 * fuzz_signature.c - libFuzzer target for the signed-baseline parsers
 * (src/baseline): the input is split at the first "\n--sig--\n" into A
 * and B (without the marker, both are the whole input).
 *   - A is canonicalised and parsed as a trust store (public_key_file
 *     refused: no file access); if that fails, a fixed store holding one
 *     P-256 key is used instead, so B still reaches the key checks;
 *   - B is canonicalised, parsed as an RFC 7512 PKCS#11 URI, and checked
 *     as the detached signature of document A at a fixed time, which runs
 *     the signature document parser, base64, RFC 3339 times, the window
 *     and revocation checks, canonical hashing and the EVP verification.
 *
 * Seeds: a trust store and a signature document joined by the marker
 * (tests/integration/signing_test.py makes both).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/baseline/pkcs11.h"
#include "../src/baseline/signing_internal.h"

#define FUZZ_MAX_INPUT (256u << 10)
#define MARKER "\n--sig--\n"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fixed_store[] =
	"{\"keys\": [{\"name\": \"fuzz\", \"not_before\": \"2020-01-01T00:00:00Z\","
	" \"not_after\": \"2030-01-01T00:00:00+01:00\", \"public_key\":"
	" \"-----BEGIN PUBLIC KEY-----\\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAElno5Z3Ei8Or2UEEhbaB8x3GW8JkF\\n"
	"WFypBJYTBcfuuHkO0SpLG5D0M3KvYj96KhTJIqB9XpAEFcPUI204SmXpmg==\\n"
	"-----END PUBLIC KEY-----\\n\"}],"
	" \"revoked\": [{\"key_id\": \"00000000000000000000000000000000000000000000000000000000000000aa\"}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > FUZZ_MAX_INPUT)
		return 0;
	const char *in = (const char *)data;
	const char *a = in, *b = in;
	size_t alen = size, blen = size;
	const char *m = memmem(in, size, MARKER, sizeof(MARKER) - 1);
	if (m) {
		alen = (size_t)(m - in);
		b = m + sizeof(MARKER) - 1;
		blen = size - alen - (sizeof(MARKER) - 1);
	}
	char err[512];
	char *canon = NULL;
	size_t clen;
	if (fwg_canonical_json(a, alen, &canon, &clen, err, sizeof(err)) == FWG_OK) {
		/* idempotence: the canonical form is its own canonical form */
		char *again = NULL;
		size_t alen2;
		if (fwg_canonical_json(canon, clen, &again, &alen2, err, sizeof(err)) != FWG_OK
				|| alen2 != clen || memcmp(again, canon, clen) != 0)
			abort();
		free(again);
	}
	free(canon);
	if (fwg_canonical_json(b, blen, &canon, &clen, err, sizeof(err)) == FWG_OK)
		free(canon);

	char *bstr = malloc(blen + 1);
	if (!bstr)
		return 0;
	memcpy(bstr, b, blen);
	bstr[blen] = '\0';
	struct fwg_p11_uri *uri = malloc(sizeof(*uri));
	if (uri) {
		(void)fwg_p11_uri_parse(bstr, uri, err, sizeof(err));
		free(uri);
	}
	free(bstr);

	struct fwg_trust_store *store = NULL;
	if (fwg_trust_store_parse(a, alen, NULL, &store, err, sizeof(err)) != FWG_OK
			&& fwg_trust_store_parse(fixed_store, sizeof(fixed_store) - 1, NULL, &store, err,
				sizeof(err)) != FWG_OK)
		abort();
	struct fwg_sig_verdict v;
	if (fwg_verify_document(store, a, alen, b, blen, 1700000000, &v) == FWG_OK
			&& v.result == FWG_SIG_VALID && !m)
		abort(); /* a document cannot be its own valid signature */
	fwg_trust_store_free(store);
	return 0;
}
