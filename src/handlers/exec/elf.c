/*
 * elf.c - ELF executables, shared objects, relocatable objects and core
 * files (System V ABI, "ELF-64 Object File Format" 1.5 and the Linux
 * extensions in <elf.h>): identification plus the hardening facts the
 * vulnerability engines need.
 *
 * Layout (ELFCLASS32 / ELFCLASS64; byte order from e_ident[EI_DATA]):
 *   e_ident[16]: "\x7fELF", class (1 = 32, 2 = 64), data (1 = LE, 2 = BE),
 *     version (1), OS ABI, ABI version
 *   0x10 e_type u16  0x12 e_machine u16  0x14 e_version u32
 *   0x18 e_entry, e_phoff, e_shoff (u32 / u64 each), then e_flags u32,
 *     e_ehsize u16, e_phentsize u16, e_phnum u16, e_shentsize u16,
 *     e_shnum u16, e_shstrndx u16
 *   Extended numbering: e_shnum 0 -> section 0's sh_size; e_shstrndx
 *     0xffff -> section 0's sh_link; e_phnum 0xffff -> section 0's sh_info.
 *   Program header (32: 32 bytes, 64: 56 bytes): p_type, p_flags (first
 *     in 64-bit), p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align.
 *   Section header (40 / 64 bytes): sh_name, sh_type, sh_flags, sh_addr,
 *     sh_offset, sh_size, sh_link, sh_info, sh_addralign, sh_entsize.
 *   Dynamic entries (8 / 16 bytes): d_tag, d_val.
 *   Notes: namesz u32, descsz u32, type u32, name and desc 4-aligned.
 *
 * Facts reported (attributes): class, endianness, OS ABI, type (and pie /
 * shared object / static), machine, entry point, interpreter (PT_INTERP),
 * stripped (no SHT_SYMTAB), debug info, section and segment counts,
 * GNU build-id, NX (PT_GNU_STACK without PF_X), RELRO (PT_GNU_RELRO,
 * "full" with BIND_NOW), BIND_NOW (DT_BIND_NOW, DF_BIND_NOW, DF_1_NOW),
 * stack canary (__stack_chk_fail / __stack_chk_guard in a string table),
 * FORTIFY_SOURCE (*_chk functions), TEXTREL, RPATH/RUNPATH, SONAME,
 * DT_NEEDED libraries and writable+executable segments.
 *
 * Invariants: every field is read through the cursor in the file's byte
 * order; every offset + size is added with overflow checks and compared
 * with the file size; header tables are walked only as far as they fit in
 * the file (and at most MAX_TABLE entries); string tables are searched
 * inside their own window.  ELF nodes are leaves: nothing inside an
 * executable is probed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/handler.h"
#include "../../core/registry.h"
#include "../../core/text.h"

#define EI_NIDENT 16
#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define EI_OSABI 7
#define EI_ABIVERSION 8
#define ELFCLASS32 1
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define ELFDATA2MSB 2
#define EHDR32_SIZE 52u
#define EHDR64_SIZE 64u
#define PHDR32_SIZE 32u
#define PHDR64_SIZE 56u
#define SHDR32_SIZE 40u
#define SHDR64_SIZE 64u
#define DYN32_SIZE 8u
#define DYN64_SIZE 16u

#define ET_NONE 0
#define ET_REL 1
#define ET_EXEC 2
#define ET_DYN 3
#define ET_CORE 4

#define PN_XNUM 0xffffu
#define SHN_XINDEX 0xffffu
#define SHN_UNDEF 0

#define PT_LOAD 1
#define PT_DYNAMIC 2
#define PT_INTERP 3
#define PT_NOTE 4
#define PT_GNU_STACK 0x6474e551u
#define PT_GNU_RELRO 0x6474e552u
#define PF_X 1u
#define PF_W 2u

#define SHT_SYMTAB 2
#define SHT_STRTAB 3
#define SHT_DYNAMIC 6
#define SHT_NOTE 7
#define SHT_NOBITS 8
#define SHT_DYNSYM 11

#define DT_NULL 0
#define DT_NEEDED 1
#define DT_STRTAB 5
#define DT_STRSZ 10
#define DT_SONAME 14
#define DT_RPATH 15
#define DT_TEXTREL 22
#define DT_BIND_NOW 24
#define DT_RUNPATH 29
#define DT_FLAGS 30
#define DT_FLAGS_1 0x6ffffffbu
#define DF_TEXTREL 0x4u
#define DF_BIND_NOW 0x8u
#define DF_1_NOW 0x1u
#define DF_1_PIE 0x08000000u

#define NT_GNU_BUILD_ID 3

#define MAX_TABLE 65536u          /* program/section headers walked */
#define MAX_DYNAMIC 65536u        /* dynamic entries walked */
#define MAX_NOTES 256u            /* notes per note segment/section */
#define MAX_NEEDED 64u            /* DT_NEEDED names reported */
#define MAX_STRING 256u           /* bytes of one reported string */
#define MAX_BUILD_ID 64u
#define MAX_STRTAB_SCAN (16u << 20) /* bytes of a string table scanned */

struct elf {
	struct fwg_cursor c;
	struct fwg_node *node;  /* NULL when only measuring the extent */
	bool is64, be;
	uint16_t type, machine;
	uint32_t eflags;
	uint64_t entry, phoff, shoff;
	uint16_t ehsize, phentsize, shentsize;
	uint64_t phnum, shnum, shstrndx;
	uint64_t extent;

	/* What the tables say. */
	bool has_interp, has_dynamic, gnu_stack, nx, relro;
	bool bind_now, pie_flag, textrel, has_symtab, has_debug, canary, fortify;
	unsigned fortify_count, rwx_segments, load_segments;
	uint64_t dyn_off, dyn_size;
	bool dyn_from_phdr;
	uint64_t dynstr_off, dynstr_size;     /* file window of .dynstr */
	bool have_dynstr;
	uint64_t symstr_off, symstr_size;     /* file window of .strtab */
	bool have_symstr;
	bool have_build_id;
};

struct name_code {
	unsigned code;
	const char *name;
};

static const struct name_code machines[] = {
	{ 2, "sparc" }, { 3, "i386" }, { 4, "m68k" }, { 8, "mips" }, { 10, "mips_rs3_le" },
	{ 15, "parisc" }, { 18, "sparc32plus" }, { 20, "powerpc" }, { 21, "powerpc64" },
	{ 22, "s390" }, { 40, "arm" }, { 42, "superh" }, { 43, "sparcv9" }, { 50, "ia64" },
	{ 62, "x86_64" }, { 83, "avr" }, { 92, "openrisc" }, { 93, "arc" }, { 94, "xtensa" },
	{ 113, "nios2" }, { 164, "hexagon" }, { 183, "aarch64" }, { 189, "microblaze" },
	{ 195, "arc_compact2" }, { 243, "riscv" }, { 247, "bpf" }, { 252, "csky" },
	{ 258, "loongarch" },
};

static const struct name_code osabis[] = {
	{ 0, "sysv" }, { 1, "hpux" }, { 2, "netbsd" }, { 3, "linux" }, { 6, "solaris" },
	{ 7, "aix" }, { 8, "irix" }, { 9, "freebsd" }, { 10, "tru64" }, { 11, "modesto" },
	{ 12, "openbsd" }, { 64, "arm_aeabi" }, { 97, "arm" }, { 255, "standalone" },
};

static const char *lookup(const struct name_code *t, size_t n, unsigned code)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].code == code)
			return t[i].name;
	return NULL;
}

/* --- reading in the file's byte order ------------------------------- */

static bool rd16(const struct elf *e, uint64_t off, uint16_t *v)
{
	if (off > SIZE_MAX)
		return false;
	return (e->be ? fwg_cursor_u16be_at(&e->c, (size_t)off, v)
		: fwg_cursor_u16le_at(&e->c, (size_t)off, v)) == FWG_OK;
}

static bool rd32(const struct elf *e, uint64_t off, uint32_t *v)
{
	if (off > SIZE_MAX)
		return false;
	return (e->be ? fwg_cursor_u32be_at(&e->c, (size_t)off, v)
		: fwg_cursor_u32le_at(&e->c, (size_t)off, v)) == FWG_OK;
}

static bool rd64(const struct elf *e, uint64_t off, uint64_t *v)
{
	if (off > SIZE_MAX)
		return false;
	return (e->be ? fwg_cursor_u64be_at(&e->c, (size_t)off, v)
		: fwg_cursor_u64le_at(&e->c, (size_t)off, v)) == FWG_OK;
}

/* A word of the file's class: u32 widened, or u64. */
static bool rdword(const struct elf *e, uint64_t off, uint64_t *v)
{
	if (e->is64)
		return rd64(e, off, v);
	uint32_t w;
	if (!rd32(e, off, &w))
		return false;
	*v = w;
	return true;
}

static bool in_file(const struct elf *e, uint64_t off, uint64_t len)
{
	return off <= e->c.size && len <= e->c.size - off;
}

static void grow_extent(struct elf *e, uint64_t off, uint64_t len)
{
	uint64_t end;
	if (__builtin_add_overflow(off, len, &end))
		end = UINT64_MAX;
	if (end > e->extent)
		e->extent = end;
}

/* a * b, saturated at UINT64_MAX. */
static uint64_t mul_sat(uint64_t a, uint64_t b)
{
	uint64_t r;
	return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

static void diag(struct elf *e, const char *code, uint64_t off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void diag(struct elf *e, const char *code, uint64_t off, const char *fmt, ...)
{
	if (!e->node)
		return;
	va_list ap;
	va_start(ap, fmt);
	fwg_node_vdiag(e->node, FWG_SEV_WARNING, code, off, fmt, ap);
	va_end(ap);
}

/* --- the ELF header --------------------------------------------------- */

static bool ident_ok(const struct fwg_cursor *c, uint8_t *cls, uint8_t *data)
{
	const uint8_t *p;
	if (fwg_cursor_bytes_at(c, 0, EI_NIDENT, &p) != FWG_OK)
		return false;
	if (memcmp(p, "\x7f" "ELF", 4) != 0)
		return false;
	*cls = p[EI_CLASS];
	*data = p[EI_DATA];
	return (*cls == ELFCLASS32 || *cls == ELFCLASS64) &&
		(*data == ELFDATA2LSB || *data == ELFDATA2MSB) && p[EI_VERSION] == 1;
}

static bool read_header(struct elf *e)
{
	uint8_t cls, data;
	if (!ident_ok(&e->c, &cls, &data))
		return false;
	e->is64 = cls == ELFCLASS64;
	e->be = data == ELFDATA2MSB;
	uint32_t hsize = e->is64 ? EHDR64_SIZE : EHDR32_SIZE;
	uint64_t w = e->is64 ? 8 : 4;
	uint16_t phnum, shnum, shstrndx;
	if (!rd16(e, 0x10, &e->type) || !rd16(e, 0x12, &e->machine) ||
			!rdword(e, 0x18, &e->entry) || !rdword(e, 0x18 + w, &e->phoff) ||
			!rdword(e, 0x18 + 2 * w, &e->shoff) || !rd32(e, 0x18 + 3 * w, &e->eflags) ||
			!rd16(e, 0x1c + 3 * w, &e->ehsize) || !rd16(e, 0x1e + 3 * w, &e->phentsize) ||
			!rd16(e, 0x20 + 3 * w, &phnum) || !rd16(e, 0x22 + 3 * w, &e->shentsize) ||
			!rd16(e, 0x24 + 3 * w, &shnum) || !rd16(e, 0x26 + 3 * w, &shstrndx))
		return false;
	e->phnum = phnum;
	e->shnum = shnum;
	e->shstrndx = shstrndx;
	e->extent = hsize;
	return true;
}

static uint32_t phdr_size(const struct elf *e)
{
	return e->is64 ? PHDR64_SIZE : PHDR32_SIZE;
}

static uint32_t shdr_size(const struct elf *e)
{
	return e->is64 ? SHDR64_SIZE : SHDR32_SIZE;
}

/* Section 0 carries the real counts when they overflow the header. */
static void extended_numbering(struct elf *e)
{
	if (e->shoff == 0 || e->shentsize < shdr_size(e))
		return;
	uint64_t size0 = 0;
	uint32_t link0 = 0, info0 = 0;
	bool ok = rdword(e, e->shoff + (e->is64 ? 32 : 20), &size0) &&
		rd32(e, e->shoff + (e->is64 ? 40 : 24), &link0) &&
		rd32(e, e->shoff + (e->is64 ? 44 : 28), &info0);
	if (!ok)
		return;
	if (e->shnum == 0)
		e->shnum = size0;
	if (e->shstrndx == SHN_XINDEX)
		e->shstrndx = link0;
	if (e->phnum == PN_XNUM)
		e->phnum = info0;
}

/* How many table entries of entsize at off fit in the file (at most
 * MAX_TABLE); reports a table that does not fit. */
static uint64_t table_fit(struct elf *e, const char *code, const char *what,
		uint64_t off, uint64_t count, uint64_t entsize)
{
	if (count == 0)
		return 0;
	if (off >= e->c.size) {
		diag(e, code, off, "%s table at 0x%llx lies outside the file of 0x%zx bytes",
			what, (unsigned long long)off, e->c.size);
		return 0;
	}
	uint64_t fits = (e->c.size - off) / entsize;
	if (fits < count) {
		diag(e, code, off, "%s table of %llu entries truncated to %llu by the file end",
			what, (unsigned long long)count, (unsigned long long)fits);
		count = fits;
	}
	if (count > MAX_TABLE) {
		diag(e, code, off, "%s table of %llu entries, only the first %u read",
			what, (unsigned long long)count, MAX_TABLE);
		count = MAX_TABLE;
	}
	return count;
}

/* --- program headers -------------------------------------------------- */

struct phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, filesz, memsz;
};

static bool read_phdr(const struct elf *e, uint64_t at, struct phdr *p)
{
	if (e->is64)
		return rd32(e, at, &p->type) && rd32(e, at + 4, &p->flags) &&
			rd64(e, at + 8, &p->offset) && rd64(e, at + 16, &p->vaddr) &&
			rd64(e, at + 32, &p->filesz) && rd64(e, at + 40, &p->memsz);
	return rd32(e, at, &p->type) && rdword(e, at + 4, &p->offset) &&
		rdword(e, at + 8, &p->vaddr) && rdword(e, at + 16, &p->filesz) &&
		rdword(e, at + 20, &p->memsz) && rd32(e, at + 24, &p->flags);
}

/* --- sections ------------------------------------------------------------ */

struct shdr {
	uint32_t name, type, link;
	uint64_t offset, size, entsize;
};

static bool read_shdr(const struct elf *e, uint64_t at, struct shdr *s)
{
	if (e->is64)
		return rd32(e, at, &s->name) && rd32(e, at + 4, &s->type) &&
			rd64(e, at + 24, &s->offset) && rd64(e, at + 32, &s->size) &&
			rd32(e, at + 40, &s->link) && rd64(e, at + 56, &s->entsize);
	return rd32(e, at, &s->name) && rd32(e, at + 4, &s->type) &&
		rdword(e, at + 16, &s->offset) && rdword(e, at + 20, &s->size) &&
		rd32(e, at + 24, &s->link) && rdword(e, at + 36, &s->entsize);
}

static bool section_at(const struct elf *e, uint64_t index, struct shdr *s)
{
	if (index >= e->shnum || e->shentsize < shdr_size(e))
		return false;
	uint64_t at;
	if (__builtin_mul_overflow(index, (uint64_t)e->shentsize, &at) ||
			__builtin_add_overflow(at, e->shoff, &at))
		return false;
	return read_shdr(e, at, s);
}

/* --- measuring the extent (also used by the carver) ------------------ */

static void measure(struct elf *e)
{
	if (e->phentsize >= phdr_size(e)) {
		grow_extent(e, e->phoff, mul_sat(e->phnum, e->phentsize));
		uint64_t n = table_fit(e, "elf.phdr", "program header", e->phoff, e->phnum,
			e->phentsize);
		for (uint64_t i = 0; i < n; i++) {
			struct phdr p;
			if (!read_phdr(e, e->phoff + i * e->phentsize, &p))
				break;
			grow_extent(e, p.offset, p.filesz);
		}
	}
	if (e->shentsize >= shdr_size(e) && e->shoff) {
		grow_extent(e, e->shoff, mul_sat(e->shnum, e->shentsize));
		uint64_t n = table_fit(e, "elf.shdr", "section header", e->shoff, e->shnum,
			e->shentsize);
		for (uint64_t i = 0; i < n; i++) {
			struct shdr s;
			if (!read_shdr(e, e->shoff + i * e->shentsize, &s))
				break;
			if (s.type != SHT_NOBITS)
				grow_extent(e, s.offset, s.size);
		}
	}
}

/* --- strings -------------------------------------------------------------- */

/* Printable copy of the NUL-terminated string at tab_off + idx inside a
 * string table window of tab_size bytes; NULL when out of bounds. */
static char *table_string(const struct elf *e, uint64_t tab_off, uint64_t tab_size, uint64_t idx)
{
	if (idx >= tab_size || !in_file(e, tab_off, tab_size))
		return NULL;
	uint64_t len = tab_size - idx;
	if (len > MAX_STRING)
		len = MAX_STRING;
	char *out = NULL;
	if (fwg_text_ascii(&e->c, (size_t)(tab_off + idx), (size_t)len, &out) != FWG_OK)
		return NULL;
	return out;
}

/* True when [name, name+len) appears as a whole entry ("\0name\0") in the
 * string table window. */
static bool table_has(const struct elf *e, uint64_t off, uint64_t size, const char *name)
{
	if (!in_file(e, off, size) || size == 0)
		return false;
	if (size > MAX_STRTAB_SCAN)
		size = MAX_STRTAB_SCAN;
	struct fwg_cursor tab;
	if (fwg_cursor_sub(&e->c, (size_t)off, (size_t)size, &tab) != FWG_OK)
		return false;
	size_t len = strlen(name) + 1; /* with its terminator */
	size_t pos = 0;
	while (pos < tab.size) {
		size_t hit = fwg_cursor_find(&tab, pos, name, len);
		if (hit == SIZE_MAX)
			return false;
		uint8_t before = 0;
		if (hit == 0 || (fwg_cursor_u8_at(&tab, hit - 1, &before) == FWG_OK && before == 0))
			return true;
		pos = hit + 1;
	}
	return false;
}

/* Counts entries ending in "_chk" (glibc's FORTIFY_SOURCE wrappers) other
 * than the stack protector's own symbols. */
static unsigned count_fortified(const struct elf *e, uint64_t off, uint64_t size)
{
	if (!in_file(e, off, size) || size == 0)
		return 0;
	if (size > MAX_STRTAB_SCAN)
		size = MAX_STRTAB_SCAN;
	const uint8_t *p;
	if (fwg_cursor_bytes_at(&e->c, (size_t)off, (size_t)size, &p) != FWG_OK)
		return 0;
	unsigned n = 0;
	size_t start = 0;
	for (size_t i = 0; i < size; i++) {
		if (p[i] != 0)
			continue;
		size_t len = i - start;
		const char *s = (const char *)p + start;
		if (len > 6 && memcmp(s, "__", 2) == 0 && memcmp(s + len - 4, "_chk", 4) == 0 &&
				!(len >= 11 && memcmp(s, "__stack_chk", 11) == 0))
			n++;
		start = i + 1;
	}
	return n;
}

/* File offset of a virtual address through the PT_LOAD segments. */
static bool vaddr_to_offset(const struct elf *e, uint64_t addr, uint64_t *off)
{
	if (e->phentsize < phdr_size(e) || !in_file(e, e->phoff, 0))
		return false;
	uint64_t n = e->phnum < MAX_TABLE ? e->phnum : MAX_TABLE;
	for (uint64_t i = 0; i < n; i++) {
		struct phdr p;
		if (!read_phdr(e, e->phoff + i * e->phentsize, &p))
			return false;
		if (p.type != PT_LOAD || addr < p.vaddr || addr - p.vaddr >= p.filesz)
			continue;
		uint64_t o;
		if (__builtin_add_overflow(p.offset, addr - p.vaddr, &o))
			return false;
		*off = o;
		return true;
	}
	return false;
}

/* --- notes ------------------------------------------------------------------ */

static void read_notes(struct elf *e, uint64_t off, uint64_t size)
{
	if (e->have_build_id || !in_file(e, off, size))
		return;
	uint64_t pos = 0;
	for (unsigned i = 0; i < MAX_NOTES && pos + 12 <= size; i++) {
		uint32_t namesz, descsz, type;
		if (!rd32(e, off + pos, &namesz) || !rd32(e, off + pos + 4, &descsz) ||
				!rd32(e, off + pos + 8, &type))
			return;
		uint64_t name_al = ((uint64_t)namesz + 3) & ~3ull;
		uint64_t desc_al = ((uint64_t)descsz + 3) & ~3ull;
		uint64_t name_at = pos + 12, desc_at = name_at + name_al;
		if (desc_at > size || desc_al > size - desc_at) {
			diag(e, "elf.note", off + pos, "note of 0x%x + 0x%x bytes overruns its 0x%llx-byte table",
				namesz, descsz, (unsigned long long)size);
			return;
		}
		const uint8_t *nm;
		if (type == NT_GNU_BUILD_ID && namesz == 4 && descsz > 0 && descsz <= MAX_BUILD_ID &&
				fwg_cursor_bytes_at(&e->c, (size_t)(off + name_at), 4, &nm) == FWG_OK &&
				memcmp(nm, "GNU", 4) == 0) {
			const uint8_t *d;
			if (fwg_cursor_bytes_at(&e->c, (size_t)(off + desc_at), descsz, &d) != FWG_OK)
				return;
			char hex[2 * MAX_BUILD_ID + 1];
			for (uint32_t k = 0; k < descsz; k++)
				snprintf(hex + 2 * k, 3, "%02x", d[k]);
			fwg_node_attr_str(e->node, "build_id", hex);
			e->have_build_id = true;
			return;
		}
		pos = desc_at + desc_al;
	}
}

/* --- the parse ----------------------------------------------------------- */

static void read_segments(struct elf *e)
{
	if (e->phnum == 0)
		return;
	if (e->phentsize < phdr_size(e)) {
		diag(e, "elf.phdr", 0, "e_phentsize 0x%x below the 0x%x-byte program header",
			e->phentsize, phdr_size(e));
		return;
	}
	uint64_t n = table_fit(e, "elf.phdr", "program header", e->phoff, e->phnum, e->phentsize);
	uint64_t interp_off = 0, interp_size = 0;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t at = e->phoff + i * e->phentsize;
		struct phdr p;
		if (!read_phdr(e, at, &p))
			break;
		if (p.type != PT_GNU_STACK && p.type != PT_GNU_RELRO && p.filesz &&
				!in_file(e, p.offset, p.filesz))
			diag(e, "elf.segment", at, "segment %llu at 0x%llx of 0x%llx bytes lies beyond the file end",
				(unsigned long long)i, (unsigned long long)p.offset,
				(unsigned long long)p.filesz);
		switch (p.type) {
		case PT_LOAD:
			e->load_segments++;
			if ((p.flags & (PF_W | PF_X)) == (PF_W | PF_X))
				e->rwx_segments++;
			break;
		case PT_INTERP:
			e->has_interp = true;
			interp_off = p.offset;
			interp_size = p.filesz;
			break;
		case PT_DYNAMIC:
			e->has_dynamic = true;
			e->dyn_off = p.offset;
			e->dyn_size = p.filesz;
			e->dyn_from_phdr = true;
			break;
		case PT_NOTE:
			read_notes(e, p.offset, p.filesz);
			break;
		case PT_GNU_STACK:
			e->gnu_stack = true;
			e->nx = !(p.flags & PF_X);
			break;
		case PT_GNU_RELRO:
			e->relro = true;
			break;
		default:
			break;
		}
	}
	if (e->has_interp) {
		char *s = in_file(e, interp_off, interp_size) ?
			table_string(e, interp_off, interp_size, 0) : NULL;
		if (s)
			fwg_node_attr_str(e->node, "interpreter", s);
		else
			diag(e, "elf.interp", interp_off, "PT_INTERP string at 0x%llx outside the file",
				(unsigned long long)interp_off);
		free(s);
	}
}

static bool section_name_is(const struct elf *e, const struct shdr *names, uint32_t idx,
		const char *want)
{
	size_t len = strlen(want) + 1;
	if (!names || idx >= names->size || len > names->size - idx)
		return false;
	const uint8_t *p;
	if (!in_file(e, names->offset + idx, len) ||
			fwg_cursor_bytes_at(&e->c, (size_t)(names->offset + idx), len, &p) != FWG_OK)
		return false;
	return memcmp(p, want, len) == 0;
}

static void read_sections(struct elf *e)
{
	if (e->shnum == 0 || e->shoff == 0)
		return;
	if (e->shentsize < shdr_size(e)) {
		diag(e, "elf.shdr", 0, "e_shentsize 0x%x below the 0x%x-byte section header",
			e->shentsize, shdr_size(e));
		return;
	}
	uint64_t n = table_fit(e, "elf.shdr", "section header", e->shoff, e->shnum, e->shentsize);
	struct shdr names_sh, *names = NULL;
	if (e->shstrndx != SHN_UNDEF && section_at(e, e->shstrndx, &names_sh) &&
			names_sh.type == SHT_STRTAB && in_file(e, names_sh.offset, names_sh.size))
		names = &names_sh;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t at = e->shoff + i * e->shentsize;
		struct shdr s, link;
		if (!read_shdr(e, at, &s))
			break;
		if (s.type != SHT_NOBITS && s.size && !in_file(e, s.offset, s.size))
			diag(e, "elf.section", at, "section %llu at 0x%llx of 0x%llx bytes lies beyond the file end",
				(unsigned long long)i, (unsigned long long)s.offset,
				(unsigned long long)s.size);
		switch (s.type) {
		case SHT_SYMTAB:
			e->has_symtab = true;
			if (section_at(e, s.link, &link) && link.type == SHT_STRTAB) {
				e->symstr_off = link.offset;
				e->symstr_size = link.size;
				e->have_symstr = true;
			}
			break;
		case SHT_DYNSYM:
			if (section_at(e, s.link, &link) && link.type == SHT_STRTAB) {
				e->dynstr_off = link.offset;
				e->dynstr_size = link.size;
				e->have_dynstr = true;
			}
			break;
		case SHT_DYNAMIC:
			if (!e->dyn_from_phdr) {
				e->has_dynamic = true;
				e->dyn_off = s.offset;
				e->dyn_size = s.size;
			}
			break;
		case SHT_NOTE:
			read_notes(e, s.offset, s.size);
			break;
		default:
			break;
		}
		if (section_name_is(e, names, s.name, ".debug_info"))
			e->has_debug = true;
	}
}

/* Comma-separated list of the DT_NEEDED names. */
static void report_needed(struct elf *e, const uint64_t *needed, unsigned count)
{
	if (count == 0 || !e->have_dynstr)
		return;
	size_t cap = (size_t)count * (MAX_STRING + 1) + 1, used = 0;
	char *list = malloc(cap);
	if (!list) {
		e->node->alloc_failed = true;
		return;
	}
	list[0] = '\0';
	for (unsigned i = 0; i < count; i++) {
		char *s = table_string(e, e->dynstr_off, e->dynstr_size, needed[i]);
		if (!s)
			continue;
		int w = snprintf(list + used, cap - used, "%s%s", used ? "," : "", s);
		if (w > 0 && (size_t)w < cap - used)
			used += (size_t)w;
		free(s);
	}
	fwg_node_attr_str(e->node, "needed", list);
	fwg_node_attr_int(e->node, "needed_count", count);
	free(list);
}

static void report_dyn_string(struct elf *e, const char *key, bool have, uint64_t idx)
{
	if (!have || !e->have_dynstr)
		return;
	char *s = table_string(e, e->dynstr_off, e->dynstr_size, idx);
	if (s)
		fwg_node_attr_str(e->node, key, s);
	free(s);
}

static void read_dynamic(struct elf *e)
{
	if (!e->has_dynamic)
		return;
	uint64_t entsize = e->is64 ? DYN64_SIZE : DYN32_SIZE;
	if (!in_file(e, e->dyn_off, e->dyn_size)) {
		diag(e, "elf.dynamic", e->dyn_off, "dynamic table at 0x%llx of 0x%llx bytes outside the file",
			(unsigned long long)e->dyn_off, (unsigned long long)e->dyn_size);
		return;
	}
	uint64_t n = e->dyn_size / entsize;
	if (n > MAX_DYNAMIC)
		n = MAX_DYNAMIC;
	uint64_t needed[MAX_NEEDED];
	unsigned needed_count = 0, needed_total = 0;
	uint64_t strtab = 0, strsz = 0, soname = 0, rpath = 0, runpath = 0;
	bool have_strtab = false, have_strsz = false, have_soname = false;
	bool have_rpath = false, have_runpath = false, terminated = false;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t at = e->dyn_off + i * entsize, tag, val;
		if (!rdword(e, at, &tag) || !rdword(e, at + entsize / 2, &val))
			break;
		if (!e->is64 && tag >= 0x80000000u)
			tag |= 0xffffffff00000000ull; /* d_tag is signed */
		if (tag == DT_NULL) {
			terminated = true;
			break;
		}
		switch (tag) {
		case DT_NEEDED:
			if (needed_count < MAX_NEEDED)
				needed[needed_count++] = val;
			needed_total++;
			break;
		case DT_STRTAB: strtab = val; have_strtab = true; break;
		case DT_STRSZ: strsz = val; have_strsz = true; break;
		case DT_SONAME: soname = val; have_soname = true; break;
		case DT_RPATH: rpath = val; have_rpath = true; break;
		case DT_RUNPATH: runpath = val; have_runpath = true; break;
		case DT_TEXTREL: e->textrel = true; break;
		case DT_BIND_NOW: e->bind_now = true; break;
		case DT_FLAGS:
			if (val & DF_BIND_NOW)
				e->bind_now = true;
			if (val & DF_TEXTREL)
				e->textrel = true;
			break;
		case DT_FLAGS_1:
			if (val & DF_1_NOW)
				e->bind_now = true;
			if (val & DF_1_PIE)
				e->pie_flag = true;
			break;
		default:
			break;
		}
	}
	if (!terminated)
		diag(e, "elf.dynamic", e->dyn_off, "dynamic table has no DT_NULL terminator");
	/* Sections may be stripped away: find .dynstr through DT_STRTAB. */
	uint64_t off;
	if (!e->have_dynstr && have_strtab && have_strsz && vaddr_to_offset(e, strtab, &off) &&
			in_file(e, off, strsz)) {
		e->dynstr_off = off;
		e->dynstr_size = strsz;
		e->have_dynstr = true;
	}
	report_needed(e, needed, needed_count);
	if (needed_total > needed_count)
		fwg_node_attr_int(e->node, "needed_count", needed_total);
	report_dyn_string(e, "soname", have_soname, soname);
	report_dyn_string(e, "rpath", have_rpath, rpath);
	report_dyn_string(e, "runpath", have_runpath, runpath);
}

static const char *type_name(uint16_t type)
{
	switch (type) {
	case ET_NONE: return "NONE";
	case ET_REL: return "REL";
	case ET_EXEC: return "EXEC";
	case ET_DYN: return "DYN";
	case ET_CORE: return "CORE";
	default: return "unknown";
	}
}

/* What the file is, for an engine: executable, pie, static-pie,
 * shared-object, relocatable, core. */
static const char *kind_name(const struct elf *e)
{
	switch (e->type) {
	case ET_EXEC: return "executable";
	case ET_REL: return "relocatable";
	case ET_CORE: return "core";
	case ET_DYN:
		if (e->has_interp && e->entry)
			return "pie";
		if (e->pie_flag)
			return e->has_interp ? "pie" : "static-pie";
		return "shared-object";
	default: return "unknown";
	}
}

static void report(struct elf *e, const uint8_t *ident)
{
	struct fwg_node *node = e->node;
	fwg_node_attr_str(node, "class", e->is64 ? "ELF64" : "ELF32");
	fwg_node_attr_str(node, "endian", e->be ? "big" : "little");
	const char *abi = lookup(osabis, sizeof(osabis) / sizeof(osabis[0]), ident[EI_OSABI]);
	fwg_node_attr_str(node, "osabi", abi ? abi : "unknown");
	fwg_node_attr_int(node, "abi_version", ident[EI_ABIVERSION]);
	fwg_node_attr_str(node, "elf_type", type_name(e->type));
	fwg_node_attr_str(node, "kind", kind_name(e));
	const char *m = lookup(machines, sizeof(machines) / sizeof(machines[0]), e->machine);
	fwg_node_attr_str(node, "machine", m ? m : "unknown");
	fwg_node_attr_hex(node, "machine_code", e->machine);
	fwg_node_attr_hex(node, "flags", e->eflags);
	fwg_node_attr_hex(node, "entry_point", e->entry);
	fwg_node_attr_int(node, "segment_count", e->phnum);
	fwg_node_attr_int(node, "section_count", e->shnum);
	if (e->type == ET_REL || e->type == ET_CORE)
		return;
	bool pie = e->type == ET_DYN && (e->has_interp || e->pie_flag) && e->entry;
	fwg_node_attr_bool(node, "pie", pie);
	fwg_node_attr_str(node, "linking", e->has_interp || e->has_dynamic ? "dynamic" : "static");
	fwg_node_attr_bool(node, "stripped", !e->has_symtab);
	fwg_node_attr_bool(node, "debug_info", e->has_debug);
	fwg_node_attr_bool(node, "gnu_stack", e->gnu_stack);
	fwg_node_attr_bool(node, "nx", e->gnu_stack && e->nx);
	fwg_node_attr_bool(node, "bind_now", e->bind_now);
	fwg_node_attr_str(node, "relro", !e->relro ? "none" : e->bind_now ? "full" : "partial");
	fwg_node_attr_bool(node, "textrel", e->textrel);
	fwg_node_attr_int(node, "rwx_segments", e->rwx_segments);
	/* Stack protector: the imported failure handler (or the guard
	 * variable some targets use instead of the TLS canary). */
	const char *canary_names[] = { "__stack_chk_fail", "__stack_chk_guard", "__stack_chk_fail_local" };
	for (size_t i = 0; i < sizeof(canary_names) / sizeof(canary_names[0]) && !e->canary; i++)
		e->canary = (e->have_dynstr && table_has(e, e->dynstr_off, e->dynstr_size, canary_names[i])) ||
			(e->have_symstr && table_has(e, e->symstr_off, e->symstr_size, canary_names[i]));
	fwg_node_attr_bool(node, "canary", e->canary);
	unsigned fort = 0;
	if (e->have_dynstr)
		fort = count_fortified(e, e->dynstr_off, e->dynstr_size);
	if (!fort && e->have_symstr)
		fort = count_fortified(e, e->symstr_off, e->symstr_size);
	fwg_node_attr_bool(node, "fortify", fort > 0);
	if (fort)
		fwg_node_attr_int(node, "fortified_functions", fort);
	if (e->rwx_segments)
		FWG_INFO(node, "elf.rwx_segment", e->phoff,
			"%u loadable segments are both writable and executable", e->rwx_segments);
}

static int elf_probe(const struct fwg_cursor *body)
{
	uint8_t cls, data;
	if (!ident_ok(body, &cls, &data))
		return 0;
	/* The whole header must be there for a confident claim. */
	size_t need = cls == ELFCLASS64 ? EHDR64_SIZE : EHDR32_SIZE;
	return fwg_cursor_has(body, 0, need) ? 80 : 30;
}

static enum fwg_status elf_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	(void)u;
	struct elf e;
	memset(&e, 0, sizeof(e));
	e.c = fwg_node_body(node);
	e.node = node;
	if (!read_header(&e)) {
		FWG_WARN(node, "elf.header", 0, "elf header truncated or invalid");
		return FWG_OK;
	}
	const uint8_t *ident;
	if (fwg_cursor_bytes_at(&e.c, 0, EI_NIDENT, &ident) != FWG_OK)
		return FWG_OK;
	uint32_t hsize = e.is64 ? EHDR64_SIZE : EHDR32_SIZE;
	if (e.ehsize && e.ehsize < hsize)
		FWG_WARN(node, "elf.header", 0x28, "e_ehsize 0x%x below the 0x%x-byte header",
			e.ehsize, hsize);
	extended_numbering(&e);
	read_segments(&e);
	read_sections(&e);
	read_dynamic(&e);
	report(&e, ident);
	/* Bytes past the last structure (an appended payload, or a file
	 * carved too long) are reported, not claimed. */
	struct elf m = e;
	m.node = NULL;
	m.extent = e.is64 ? EHDR64_SIZE : EHDR32_SIZE;
	measure(&m);
	if (m.extent < e.c.size)
		fwg_node_attr_hex(node, "trailing_bytes", e.c.size - m.extent);
	else if (m.extent > e.c.size)
		FWG_WARN(node, "elf.truncated", 0, "headers describe 0x%llx bytes, the file has 0x%zx",
			(unsigned long long)m.extent, e.c.size);
	return FWG_OK;
}

static uint64_t elf_extent(const struct fwg_cursor *body)
{
	struct elf e;
	memset(&e, 0, sizeof(e));
	e.c = *body;
	if (!read_header(&e))
		return 0;
	extended_numbering(&e);
	measure(&e);
	return e.extent;
}

static const struct fwg_magic elf_magics[] = {
	{ "\x7f" "ELF", 4, 0 },
	{ NULL, 0, 0 },
};

const struct fwg_handler fwg_handler_elf = {
	.name = "elf",
	.description = "ELF executable, shared object, object file or core dump",
	.node_type = FWG_TYPE_ELF,
	.probe = elf_probe,
	.parse = elf_parse,
	.magics = elf_magics,
	.extent = elf_extent,
};
