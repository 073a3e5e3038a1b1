/*
 * elf_symbols.h - a small, bounds-checked reader of an ELF file's symbols
 * and dynamic relocations, for the engines that look inside executables
 * and shared objects (elf_audit.c: imports; ipmi.c: data tables of
 * function pointers).  The ELF handler (src/handlers/exec/elf.c) records
 * the hardening facts; this reader answers the questions it does not:
 *
 *   - which symbols are there, defined or imported (.dynsym, .symtab);
 *   - what a pointer-sized word in a loaded segment points to, once the
 *     dynamic linker has applied its relocation: REL (implicit addend, the
 *     word in place: ARM32, i386, MIPS), RELA (explicit addend: AArch64,
 *     x86-64, PowerPC, RISC-V) and RELR (packed relative relocations);
 *     a RELATIVE relocation gives an address in the file, an absolute one
 *     (ABS32/ABS64/GLOB_DAT) a symbol, imported when undefined;
 *   - which defined symbol sits at an address (a handler's name).
 *
 * Both classes (32/64-bit) and both byte orders.  Layouts (System V ABI):
 *   Elf32_Sym 16 bytes: name u32, value u32, size u32, info u8, other u8,
 *     shndx u16;  Elf64_Sym 24: name u32, info u8, other u8, shndx u16,
 *     value u64, size u64.
 *   Elf32_Rel 8: offset u32, info u32 (sym = info >> 8, type = info & 0xff);
 *     Elf32_Rela 12: + addend s32.  Elf64_Rel 16: offset u64, info u64
 *     (sym = info >> 32, type = low 32 bits); Elf64_Rela 24: + addend s64.
 *   RELR: words; an even word is an address to relocate (then the next
 *     word's), an odd word a bitmap of the following 31/63 words.
 *
 * Where things are found: the section headers when present (SHT_DYNSYM,
 * SHT_SYMTAB and their linked string tables), else the dynamic segment
 * (DT_SYMTAB/DT_STRTAB/DT_STRSZ, the symbol count from DT_HASH's nchain or
 * a walk of DT_GNU_HASH).  Relocations come from the dynamic segment only
 * (DT_REL, DT_RELA, DT_RELR; not the PLT's DT_JMPREL): they are the ones
 * that fill data tables.  Virtual addresses map to file offsets through
 * the PT_LOAD segments (file-backed part only).
 *
 * Invariants: every read goes through the cursor in the file's byte
 * order; every offset + size is overflow-checked and compared with the
 * file; tables are walked at most FWG_ELF_MAX_SYMS / FWG_ELF_MAX_RELOCS
 * entries; names are returned as bounded windows of their string table
 * (never past its end, never longer than FWG_ELF_MAX_NAME).  Nothing here
 * allocates in proportion to anything but those capped counts.
 */
#ifndef FWG_ENGINES_ELF_SYMBOLS_H
#define FWG_ENGINES_ELF_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/cursor.h"

#define FWG_ELF_MAX_LOADS 64u
#define FWG_ELF_MAX_SYMS (1u << 20)
#define FWG_ELF_MAX_RELOCS (1u << 20)
#define FWG_ELF_MAX_NAME 1024u

#define FWG_ELF_SHN_UNDEF 0u
#define FWG_ELF_STT_NOTYPE 0u
#define FWG_ELF_STT_OBJECT 1u
#define FWG_ELF_STT_FUNC 2u
#define FWG_ELF_STB_LOCAL 0u
#define FWG_ELF_STB_GLOBAL 1u
#define FWG_ELF_STB_WEAK 2u

enum fwg_elf_table { FWG_ELF_DYNSYM = 0, FWG_ELF_SYMTAB = 1 };

/* What to load beyond the headers and symbol tables. */
#define FWG_ELF_LOAD_RELOCS 0x1u   /* dynamic relocations (fwg_elf_pointer) */
#define FWG_ELF_LOAD_ADDRS 0x2u    /* address index (fwg_elf_sym_at) */

struct fwg_elf_sym {
	uint64_t value, size;
	uint32_t name;       /* offset in its table's string table */
	uint16_t shndx;
	uint8_t bind, type;
	enum fwg_elf_table table;
};

struct fwg_elf_segment {
	uint64_t vaddr, offset, filesz, memsz;
	uint32_t flags;
};

struct fwg_elf_symtab {
	bool present;
	uint64_t off, count, entsize;   /* file window of the entries */
	uint64_t str_off, str_size;     /* file window of its string table */
};

enum fwg_elf_rkind { FWG_ELF_R_RELATIVE = 1, FWG_ELF_R_SYMBOL = 2 };

struct fwg_elf_reloc {
	uint64_t offset;     /* virtual address of the word */
	uint64_t addend;
	uint32_t sym;        /* .dynsym index (SYMBOL) */
	uint8_t kind;        /* enum fwg_elf_rkind */
	bool rela;           /* explicit addend; else the word in place */
};

struct fwg_elf_addr {
	uint64_t value;
	uint64_t index;      /* in its table */
	uint8_t table, rank; /* rank: FUNC/OBJECT before anything else */
};

struct fwg_elf {
	struct fwg_cursor c;
	bool is64, be;
	uint16_t type, machine;
	unsigned ptr_size;   /* 4 or 8 */
	struct fwg_elf_segment seg[FWG_ELF_MAX_LOADS];
	size_t seg_count;
	struct fwg_elf_symtab tab[2];   /* indexed by enum fwg_elf_table */
	struct fwg_elf_reloc *relocs;   /* sorted by offset */
	size_t reloc_count;
	bool relocs_truncated;          /* more than FWG_ELF_MAX_RELOCS */
	struct fwg_elf_addr *addrs;     /* defined named symbols, by value */
	size_t addr_count;
};

/* A resolved pointer-sized word. */
struct fwg_elf_ptr {
	uint64_t value;          /* the address it holds, when has_value */
	bool has_value;
	bool relocated;          /* a dynamic relocation applies to the word */
	bool has_sym;            /* an absolute relocation names a symbol */
	struct fwg_elf_sym sym;  /* that symbol (.dynsym); imported if undefined */
};

/*
 * Reads the headers, segments and symbol tables of the ELF file in
 * [data, data+size), plus what flags ask for.  FWG_MALFORMED when it is
 * not an ELF file this reader can use (bad ident or header); FWG_NOMEM.
 * A damaged table is skipped, not an error.  fwg_elf_close() afterwards
 * in every case (also after a failure).
 */
FWG_NODISCARD enum fwg_status fwg_elf_open(struct fwg_elf *e, const uint8_t *data, size_t size,
		unsigned flags);
void fwg_elf_close(struct fwg_elf *e);

uint64_t fwg_elf_sym_count(const struct fwg_elf *e, enum fwg_elf_table t);
bool fwg_elf_sym_get(const struct fwg_elf *e, enum fwg_elf_table t, uint64_t index,
		struct fwg_elf_sym *out);
/* The symbol's name as a window of its string table (not NUL-terminated
 * for the caller: use len); false when it has none or it is malformed. */
bool fwg_elf_sym_name(const struct fwg_elf *e, const struct fwg_elf_sym *s,
		const char **name, size_t *len);
bool fwg_elf_sym_name_is(const struct fwg_elf *e, const struct fwg_elf_sym *s, const char *want);
/* A defined symbol called name: .dynsym first, then .symtab. */
bool fwg_elf_sym_find(const struct fwg_elf *e, const char *name, struct fwg_elf_sym *out);
/* The defined, named symbol whose value is addr (FUNC/OBJECT preferred;
 * ARM mapping symbols "$a", "$t", "$d" ignored).  Needs FWG_ELF_LOAD_ADDRS. */
bool fwg_elf_sym_at(const struct fwg_elf *e, uint64_t addr, struct fwg_elf_sym *out);

/* File offset of [vaddr, vaddr+len) when it lies in one PT_LOAD's file bytes. */
bool fwg_elf_map(const struct fwg_elf *e, uint64_t vaddr, uint64_t len, size_t *off);
/* An unsigned integer of width 1, 2, 4 or 8 at vaddr, in the file's byte order. */
bool fwg_elf_read(const struct fwg_elf *e, uint64_t vaddr, unsigned width, uint64_t *v);
/* The pointer-sized word at vaddr as the dynamic linker would leave it
 * (load base 0).  Needs FWG_ELF_LOAD_RELOCS; false when unreadable. */
bool fwg_elf_pointer(const struct fwg_elf *e, uint64_t vaddr, struct fwg_elf_ptr *out);
/* True when a dynamic relocation applies to some word in [vaddr, vaddr+len). */
bool fwg_elf_relocated(const struct fwg_elf *e, uint64_t vaddr, uint64_t len);

#endif
