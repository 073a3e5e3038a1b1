/*
 * fuzz_ipmi.c - ELF bytes into the symbol/relocation reader
 * (src/engines/elf_symbols.c) and the elf and ipmi engines' decoders.
 *
 * The input is one ELF file.  First the reader's whole API is exercised
 * directly (every symbol and its name, the address index, every relocated
 * word resolved, lookups by name); then the input becomes an image parsed
 * by the ELF handler and the "elf,ipmi" engines run over it with the
 * shipped rules, so the handler-table decoder (MsgHndlrTbl, CmdHndlrMap,
 * NETFNTable, NetFnCmds) sees whatever the fuzzer builds.  Seeds: the
 * libraries of tests/gen/ipmi/build.sh.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fwguard/fwguard.h"
#include "../src/core/image.h"
#include "../src/core/registry.h"
#include "../src/engines/elf_symbols.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void exercise_reader(const uint8_t *data, size_t size)
{
	struct fwg_elf e;
	if (fwg_elf_open(&e, data, size, FWG_ELF_LOAD_RELOCS | FWG_ELF_LOAD_ADDRS) == FWG_OK) {
		size_t total = 0;
		for (unsigned t = 0; t < 2; t++) {
			uint64_t n = fwg_elf_sym_count(&e, (enum fwg_elf_table)t);
			for (uint64_t i = 0; i < n && i < 4096; i++) {
				struct fwg_elf_sym s, at;
				const char *name;
				size_t len;
				if (!fwg_elf_sym_get(&e, (enum fwg_elf_table)t, i, &s))
					break;
				if (fwg_elf_sym_name(&e, &s, &name, &len))
					total += len ? (unsigned char)name[len - 1] : 0;
				if (fwg_elf_sym_at(&e, s.value, &at))
					total += at.size & 1;
			}
		}
		for (size_t i = 0; i < e.reloc_count && i < 4096; i++) {
			struct fwg_elf_ptr p;
			if (fwg_elf_pointer(&e, e.relocs[i].offset, &p))
				total += p.has_value;
			total += fwg_elf_relocated(&e, e.relocs[i].offset, 8);
		}
		struct fwg_elf_sym s;
		uint64_t v;
		if (fwg_elf_sym_find(&e, "m_MsgHndlrTbl", &s))
			total += fwg_elf_read(&e, s.value, 2, &v);
		/* Keep the loop from being optimized away. */
		volatile size_t sink = total;
		(void)sink;
	}
	fwg_elf_close(&e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	exercise_reader(data, size);
	struct fwg_options opt;
	fwg_options_default(&opt);
	opt.threads = 1;
	struct fwg_image *img = NULL;
	char err[256];
	if (fwg_image_open_buffer_as(data, size, "fuzz", &opt, &fwg_handler_elf, &img, err,
			sizeof(err)) != FWG_OK)
		return 0;
	struct fwg_analysis_options ao;
	fwg_analysis_options_default(&ao);
	ao.engines = "elf,ipmi";
	struct fwg_analysis *a = NULL;
	if (fwg_analyze(img, &ao, &a, err, sizeof(err)) == FWG_OK)
		fwg_analysis_free(a);
	fwg_image_free(img);
	return 0;
}
