/*
 * fuzz_handler.c - one libFuzzer target template for every format handler.
 *
 * fuzz/meson.build compiles this file once per handler with
 * -DFUZZ_HANDLER=fwg_handler_<fmt>: the input becomes the body of a root
 * node that the named handler parses directly (no probing), and the
 * unpacker then recurses into whatever children it creates, so a target
 * covers its handler first and everything reachable below it.  Limits are
 * tighter than the defaults so that decompression-heavy inputs stay fast.
 * FUZZ_HANDLER=probe runs the whole pipeline from the registry's probes.
 */
#include <stddef.h>
#include <stdint.h>

#include "node.h"
#include "registry.h"
#include "unpack.h"

#ifndef FUZZ_HANDLER
#error "define FUZZ_HANDLER to a handler descriptor or to probe"
#endif

#if defined(FUZZ_PROBE)
static const struct fwg_handler *const target = NULL;
#else
extern const struct fwg_handler FUZZ_HANDLER;
static const struct fwg_handler *const target = &FUZZ_HANDLER;
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fwg_options opt;
	fwg_options_default(&opt);
	opt.limits.max_decoded_total = 64u << 20;
	opt.limits.max_decoded_single = 32u << 20;
	opt.limits.max_nodes = 20000;
	opt.threads = 1;
	struct fwg_node *root = fwg_node_new(FWG_TYPE_IMAGE);
	if (!root)
		return 0;
	root->data = data;
	root->size = size;
	root->body = data;
	root->body_size = size;
	root->abs_offset = 0;
	root->handler = target;
	uint64_t nodes = 0;
	(void)fwg_unpack_run(root, &opt, &nodes);
	fwg_node_free(root);
	return 0;
}
