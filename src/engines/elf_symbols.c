/*
 * elf_symbols.c - symbols and dynamic relocations of an ELF file (see
 * elf_symbols.h for the layouts, sources and invariants).
 *
 * Relocation types understood, per machine (System V psABI supplements):
 *                 absolute (+ symbol)           relative
 *   ARM      40   R_ARM_ABS32 2, GLOB_DAT 21    R_ARM_RELATIVE 23
 *   AArch64 183   R_AARCH64_ABS64 257,          R_AARCH64_RELATIVE 1027
 *                 GLOB_DAT 1025
 *   x86-64   62   R_X86_64_64 1, GLOB_DAT 6     R_X86_64_RELATIVE 8
 *   i386      3   R_386_32 1, GLOB_DAT 6        R_386_RELATIVE 8
 *   PPC      20   R_PPC_ADDR32 1, GLOB_DAT 20   R_PPC_RELATIVE 22
 *   PPC64    21   R_PPC64_ADDR64 38, GLOB_DAT 20  R_PPC64_RELATIVE 22
 *   RISC-V  243   R_RISCV_32 1, R_RISCV_64 2    R_RISCV_RELATIVE 3
 *   MIPS      8   R_MIPS_REL32 3 (symbol 0 = relative; 32-bit only)
 * Other types are ignored: a word they touch reads as unresolved.
 */
#include <stdlib.h>
#include <string.h>

#include "../core/array.h"
#include "elf_symbols.h"

#define ELFCLASS32 1
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define ELFDATA2MSB 2
#define PT_LOAD 1
#define PT_DYNAMIC 2
#define SHT_SYMTAB 2
#define SHT_STRTAB 3
#define SHT_DYNSYM 11
#define DT_NULL 0
#define DT_HASH 4
#define DT_STRTAB 5
#define DT_SYMTAB 6
#define DT_RELA 7
#define DT_RELASZ 8
#define DT_RELAENT 9
#define DT_STRSZ 10
#define DT_SYMENT 11
#define DT_REL 17
#define DT_RELSZ 18
#define DT_RELENT 19
#define DT_RELRSZ 35
#define DT_RELR 36
#define DT_RELRENT 37
#define DT_GNU_HASH 0x6ffffef5u

#define EM_386 3
#define EM_MIPS 8
#define EM_PPC 20
#define EM_PPC64 21
#define EM_ARM 40
#define EM_X86_64 62
#define EM_AARCH64 183
#define EM_RISCV 243

#define MAX_PHDRS 65535u
#define MAX_SHDRS 65535u
#define MAX_DYNAMIC 65536u
#define MAX_GNU_CHAIN (1u << 20)

/* --- reading in the file's byte order ------------------------------- */

static bool rd(const struct fwg_elf *e, uint64_t off, unsigned width, uint64_t *v)
{
	if (off > SIZE_MAX)
		return false;
	size_t o = (size_t)off;
	enum fwg_status st;
	uint8_t b = 0;
	uint16_t h = 0;
	uint32_t w = 0;
	uint64_t q = 0;
	switch (width) {
	case 1:
		st = fwg_cursor_u8_at(&e->c, o, &b);
		*v = b;
		break;
	case 2:
		st = e->be ? fwg_cursor_u16be_at(&e->c, o, &h) : fwg_cursor_u16le_at(&e->c, o, &h);
		*v = h;
		break;
	case 4:
		st = e->be ? fwg_cursor_u32be_at(&e->c, o, &w) : fwg_cursor_u32le_at(&e->c, o, &w);
		*v = w;
		break;
	case 8:
		st = e->be ? fwg_cursor_u64be_at(&e->c, o, &q) : fwg_cursor_u64le_at(&e->c, o, &q);
		*v = q;
		break;
	default:
		return false;
	}
	return st == FWG_OK;
}

static bool rd16(const struct fwg_elf *e, uint64_t off, uint16_t *v)
{
	uint64_t x;
	if (!rd(e, off, 2, &x))
		return false;
	*v = (uint16_t)x;
	return true;
}

static bool rd32(const struct fwg_elf *e, uint64_t off, uint32_t *v)
{
	uint64_t x;
	if (!rd(e, off, 4, &x))
		return false;
	*v = (uint32_t)x;
	return true;
}

/* A word of the file's class. */
static bool rdw(const struct fwg_elf *e, uint64_t off, uint64_t *v)
{
	return rd(e, off, e->ptr_size, v);
}

static bool in_file(const struct fwg_elf *e, uint64_t off, uint64_t len)
{
	return off <= e->c.size && len <= e->c.size - off;
}

/* --- headers ------------------------------------------------------------ */

struct hdr {
	uint64_t phoff, shoff;
	uint16_t phentsize, phnum, shentsize, shnum;
};

static bool read_header(struct fwg_elf *e, struct hdr *h)
{
	const uint8_t *id;
	if (fwg_cursor_bytes_at(&e->c, 0, 16, &id) != FWG_OK || memcmp(id, "\x7f" "ELF", 4) != 0)
		return false;
	if ((id[4] != ELFCLASS32 && id[4] != ELFCLASS64) ||
			(id[5] != ELFDATA2LSB && id[5] != ELFDATA2MSB))
		return false;
	e->is64 = id[4] == ELFCLASS64;
	e->be = id[5] == ELFDATA2MSB;
	e->ptr_size = e->is64 ? 8 : 4;
	uint64_t w = e->ptr_size;
	return rd16(e, 0x10, &e->type) && rd16(e, 0x12, &e->machine) &&
		rdw(e, 0x18 + w, &h->phoff) && rdw(e, 0x18 + 2 * w, &h->shoff) &&
		rd16(e, 0x1e + 3 * w, &h->phentsize) && rd16(e, 0x20 + 3 * w, &h->phnum) &&
		rd16(e, 0x22 + 3 * w, &h->shentsize) && rd16(e, 0x24 + 3 * w, &h->shnum);
}

/* Reads the program headers; returns the PT_DYNAMIC file window. */
static void read_segments(struct fwg_elf *e, const struct hdr *h, uint64_t *dyn_off,
		uint64_t *dyn_size)
{
	unsigned need = e->is64 ? 56 : 32;
	if (h->phentsize < need || h->phnum == 0)
		return;
	for (uint64_t i = 0; i < h->phnum && i < MAX_PHDRS; i++) {
		uint64_t at = h->phoff + i * h->phentsize; /* i * phentsize < 2^32: wraps only via phoff */
		if (at < h->phoff || !in_file(e, at, need))
			return;
		uint32_t type, flags;
		uint64_t off, vaddr, filesz, memsz;
		bool ok = rd32(e, at, &type);
		if (e->is64)
			ok = ok && rd32(e, at + 4, &flags) && rdw(e, at + 8, &off) &&
				rdw(e, at + 16, &vaddr) && rdw(e, at + 32, &filesz) &&
				rdw(e, at + 40, &memsz);
		else
			ok = ok && rdw(e, at + 4, &off) && rdw(e, at + 8, &vaddr) &&
				rdw(e, at + 16, &filesz) && rdw(e, at + 20, &memsz) &&
				rd32(e, at + 24, &flags);
		if (!ok)
			return;
		if (type == PT_LOAD && e->seg_count < FWG_ELF_MAX_LOADS) {
			/* Only the file-backed part that really is in the file. */
			if (off > e->c.size)
				filesz = 0;
			else if (filesz > e->c.size - off)
				filesz = e->c.size - off;
			e->seg[e->seg_count++] = (struct fwg_elf_segment){ vaddr, off, filesz, memsz, flags };
		} else if (type == PT_DYNAMIC && in_file(e, off, filesz)) {
			*dyn_off = off;
			*dyn_size = filesz;
		}
	}
}

static bool read_shdr(const struct fwg_elf *e, const struct hdr *h, uint64_t i, uint32_t *type,
		uint64_t *off, uint64_t *size, uint32_t *link, uint64_t *entsize)
{
	unsigned need = e->is64 ? 64 : 40;
	if (h->shentsize < need || i >= h->shnum)
		return false;
	uint64_t at = h->shoff + i * h->shentsize;
	if (at < h->shoff || !in_file(e, at, need))
		return false;
	if (e->is64)
		return rd32(e, at + 4, type) && rdw(e, at + 24, off) && rdw(e, at + 32, size) &&
			rd32(e, at + 40, link) && rdw(e, at + 56, entsize);
	return rd32(e, at + 4, type) && rdw(e, at + 16, off) && rdw(e, at + 20, size) &&
		rd32(e, at + 24, link) && rdw(e, at + 36, entsize);
}

static void set_table(struct fwg_elf *e, enum fwg_elf_table t, uint64_t off, uint64_t count,
		uint64_t str_off, uint64_t str_size)
{
	uint64_t ent = e->is64 ? 24 : 16;
	if (!in_file(e, str_off, str_size) || !in_file(e, off, 0))
		return;
	uint64_t fit = (e->c.size - off) / ent;
	if (count > fit)
		count = fit;
	if (count > FWG_ELF_MAX_SYMS)
		count = FWG_ELF_MAX_SYMS;
	e->tab[t] = (struct fwg_elf_symtab){ true, off, count, ent, str_off, str_size };
}

static void read_sections(struct fwg_elf *e, const struct hdr *h)
{
	if (h->shoff == 0 || h->shnum == 0)
		return;
	for (uint64_t i = 0; i < h->shnum && i < MAX_SHDRS; i++) {
		uint32_t type, link, ltype, l2;
		uint64_t off, size, entsize, soff, ssize, e2;
		if (!read_shdr(e, h, i, &type, &off, &size, &link, &entsize))
			return;
		if (type != SHT_SYMTAB && type != SHT_DYNSYM)
			continue;
		enum fwg_elf_table t = type == SHT_DYNSYM ? FWG_ELF_DYNSYM : FWG_ELF_SYMTAB;
		if (e->tab[t].present || !in_file(e, off, size))
			continue;
		if (!read_shdr(e, h, link, &ltype, &soff, &ssize, &l2, &e2) || ltype != SHT_STRTAB)
			continue;
		set_table(e, t, off, size / (e->is64 ? 24 : 16), soff, ssize);
	}
}

/* --- the dynamic segment ------------------------------------------------- */

struct dyn {
	uint64_t strtab, strsz, symtab, hash, gnu_hash;
	uint64_t rel, relsz, relent, rela, relasz, relaent, relr, relrsz, relrent;
	bool has_strtab, has_strsz, has_symtab, has_hash, has_gnu_hash;
	bool has_rel, has_rela, has_relr;
};

static void read_dynamic(const struct fwg_elf *e, uint64_t off, uint64_t size, struct dyn *d)
{
	uint64_t ent = 2ull * e->ptr_size;
	uint64_t n = size / ent;
	for (uint64_t i = 0; i < n && i < MAX_DYNAMIC; i++) {
		uint64_t tag, val;
		if (!rdw(e, off + i * ent, &tag) || !rdw(e, off + i * ent + e->ptr_size, &val))
			return;
		switch (tag) {
		case DT_NULL: return;
		case DT_STRTAB: d->strtab = val; d->has_strtab = true; break;
		case DT_STRSZ: d->strsz = val; d->has_strsz = true; break;
		case DT_SYMTAB: d->symtab = val; d->has_symtab = true; break;
		case DT_HASH: d->hash = val; d->has_hash = true; break;
		case DT_GNU_HASH: d->gnu_hash = val; d->has_gnu_hash = true; break;
		case DT_REL: d->rel = val; d->has_rel = true; break;
		case DT_RELSZ: d->relsz = val; break;
		case DT_RELENT: d->relent = val; break;
		case DT_RELA: d->rela = val; d->has_rela = true; break;
		case DT_RELASZ: d->relasz = val; break;
		case DT_RELAENT: d->relaent = val; break;
		case DT_RELR: d->relr = val; d->has_relr = true; break;
		case DT_RELRSZ: d->relrsz = val; break;
		case DT_RELRENT: d->relrent = val; break;
		default: break;
		}
	}
}

/* Number of .dynsym entries from DT_GNU_HASH: one past the highest symbol
 * any bucket chain reaches (symbols below symoffset are unhashed). */
static bool gnu_hash_count(const struct fwg_elf *e, uint64_t vaddr, uint64_t *count)
{
	size_t off;
	uint64_t nbuckets, symoffset, bloom_size;
	if (!fwg_elf_map(e, vaddr, 16, &off) || !rd(e, off, 4, &nbuckets) ||
			!rd(e, off + 4, 4, &symoffset) || !rd(e, off + 8, 4, &bloom_size))
		return false;
	uint64_t buckets = off + 16 + bloom_size * e->ptr_size;
	if (!in_file(e, buckets, nbuckets * 4))
		return false;
	uint64_t max = 0;
	for (uint64_t i = 0; i < nbuckets; i++) {
		uint64_t b;
		if (!rd(e, buckets + 4 * i, 4, &b))
			return false;
		if (b > max)
			max = b;
	}
	if (max < symoffset) {
		*count = symoffset;
		return true;
	}
	uint64_t chain = buckets + nbuckets * 4;
	for (uint64_t i = max, steps = 0; steps < MAX_GNU_CHAIN; i++, steps++) {
		uint64_t h;
		if (!rd(e, chain + 4 * (i - symoffset), 4, &h))
			return false;
		if (h & 1) {
			*count = i + 1;
			return true;
		}
	}
	return false;
}

static void dynsym_from_dynamic(struct fwg_elf *e, const struct dyn *d)
{
	if (e->tab[FWG_ELF_DYNSYM].present || !d->has_symtab || !d->has_strtab || !d->has_strsz)
		return;
	size_t symoff, stroff;
	uint64_t count = 0;
	if (!fwg_elf_map(e, d->symtab, 0, &symoff) || !fwg_elf_map(e, d->strtab, d->strsz, &stroff))
		return;
	size_t hoff;
	uint64_t nchain;
	if (d->has_hash && fwg_elf_map(e, d->hash, 8, &hoff) && rd(e, hoff + 4, 4, &nchain))
		count = nchain;
	else if (!d->has_gnu_hash || !gnu_hash_count(e, d->gnu_hash, &count))
		return;
	set_table(e, FWG_ELF_DYNSYM, symoff, count, stroff, d->strsz);
}

/* --- relocations ---------------------------------------------------------- */

/* How a relocation type of this machine fills a word, or 0 to ignore. */
static uint8_t reloc_kind(const struct fwg_elf *e, uint32_t type, uint32_t sym)
{
	switch (e->machine) {
	case EM_ARM:
		return type == 23 ? FWG_ELF_R_RELATIVE : type == 2 || type == 21 ? FWG_ELF_R_SYMBOL : 0;
	case EM_AARCH64:
		return type == 1027 ? FWG_ELF_R_RELATIVE
			: type == 257 || type == 1025 ? FWG_ELF_R_SYMBOL : 0;
	case EM_X86_64:
	case EM_386:
		return type == 8 ? FWG_ELF_R_RELATIVE : type == 1 || type == 6 ? FWG_ELF_R_SYMBOL : 0;
	case EM_PPC:
		return type == 22 ? FWG_ELF_R_RELATIVE : type == 1 || type == 20 ? FWG_ELF_R_SYMBOL : 0;
	case EM_PPC64:
		return type == 22 ? FWG_ELF_R_RELATIVE : type == 38 || type == 20 ? FWG_ELF_R_SYMBOL : 0;
	case EM_RISCV:
		return type == 3 ? FWG_ELF_R_RELATIVE
			: type == (e->is64 ? 2u : 1u) ? FWG_ELF_R_SYMBOL : 0;
	case EM_MIPS:
		if (e->is64 || type != 3)
			return 0;
		return sym == 0 ? FWG_ELF_R_RELATIVE : FWG_ELF_R_SYMBOL;
	default:
		return 0;
	}
}

struct rbuf {
	struct fwg_elf_reloc *v;
	size_t n, cap;
	bool nomem, truncated;
};

static void push(struct rbuf *b, struct fwg_elf_reloc r)
{
	if (b->nomem)
		return;
	if (b->n >= FWG_ELF_MAX_RELOCS) {
		b->truncated = true;
		return;
	}
	if (!fwg_array_reserve((void **)&b->v, &b->cap, b->n, sizeof(*b->v))) {
		b->nomem = true;
		return;
	}
	b->v[b->n++] = r;
}

static void read_relocs(const struct fwg_elf *e, struct rbuf *b, uint64_t vaddr, uint64_t size,
		uint64_t entsize, bool rela)
{
	uint64_t need = (rela ? 3ull : 2ull) * e->ptr_size;
	if (entsize == 0)
		entsize = need;
	size_t off;
	if (entsize < need || entsize > 256 || !fwg_elf_map(e, vaddr, size, &off))
		return;
	uint64_t n = size / entsize;
	for (uint64_t i = 0; i < n && !b->truncated && !b->nomem; i++) {
		uint64_t at = off + i * entsize, where, info, addend = 0;
		if (!rdw(e, at, &where) || !rdw(e, at + e->ptr_size, &info))
			return;
		if (rela && !rdw(e, at + 2ull * e->ptr_size, &addend))
			return;
		if (rela && !e->is64)
			addend = (uint64_t)(int64_t)(int32_t)(uint32_t)addend;
		uint32_t type = e->is64 ? (uint32_t)info : (uint32_t)(info & 0xff);
		uint32_t sym = e->is64 ? (uint32_t)(info >> 32) : (uint32_t)(info >> 8);
		uint8_t kind = reloc_kind(e, type, sym);
		if (kind)
			push(b, (struct fwg_elf_reloc){ where, addend, sym, kind, rela });
	}
}

static void read_relr(const struct fwg_elf *e, struct rbuf *b, uint64_t vaddr, uint64_t size,
		uint64_t entsize)
{
	size_t off;
	uint64_t w = e->ptr_size;
	if ((entsize && entsize != w) || !fwg_elf_map(e, vaddr, size, &off))
		return;
	uint64_t where = 0;
	for (uint64_t i = 0; i < size / w && !b->truncated && !b->nomem; i++) {
		uint64_t entry;
		if (!rdw(e, off + i * w, &entry))
			return;
		if ((entry & 1) == 0) {
			where = entry;
			push(b, (struct fwg_elf_reloc){ where, 0, 0, FWG_ELF_R_RELATIVE, false });
			where += w;
			continue;
		}
		unsigned bits = (unsigned)(8 * w) - 1;
		for (unsigned k = 0; k < bits; k++)
			if ((entry >> (k + 1)) & 1)
				push(b, (struct fwg_elf_reloc){ where + k * w, 0, 0, FWG_ELF_R_RELATIVE, false });
		where += bits * w;
	}
}

static int reloc_cmp(const void *x, const void *y)
{
	const struct fwg_elf_reloc *a = x, *b = y;
	return a->offset < b->offset ? -1 : a->offset > b->offset;
}

static enum fwg_status load_relocs(struct fwg_elf *e, const struct dyn *d)
{
	struct rbuf b = { 0 };
	if (d->has_rel)
		read_relocs(e, &b, d->rel, d->relsz, d->relent, false);
	if (d->has_rela)
		read_relocs(e, &b, d->rela, d->relasz, d->relaent, true);
	if (d->has_relr)
		read_relr(e, &b, d->relr, d->relrsz, d->relrent);
	if (b.nomem) {
		free(b.v);
		return FWG_NOMEM;
	}
	if (b.n)
		qsort(b.v, b.n, sizeof(*b.v), reloc_cmp);
	e->relocs = b.v;
	e->reloc_count = b.n;
	e->relocs_truncated = b.truncated;
	return FWG_OK;
}

/* --- address index --------------------------------------------------------- */

static int addr_cmp(const void *x, const void *y)
{
	const struct fwg_elf_addr *a = x, *b = y;
	if (a->value != b->value)
		return a->value < b->value ? -1 : 1;
	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	if (a->table != b->table)
		return a->table < b->table ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

static bool useful_name(const struct fwg_elf *e, const struct fwg_elf_sym *s)
{
	const char *name;
	size_t len;
	return fwg_elf_sym_name(e, s, &name, &len) && len > 0 && name[0] != '$';
}

static enum fwg_status load_addrs(struct fwg_elf *e)
{
	uint64_t total = e->tab[0].count + e->tab[1].count;
	if (total == 0)
		return FWG_OK;
	e->addrs = calloc((size_t)total, sizeof(*e->addrs));
	if (!e->addrs)
		return FWG_NOMEM;
	for (unsigned t = 0; t < 2; t++) {
		for (uint64_t i = 0; i < e->tab[t].count; i++) {
			struct fwg_elf_sym s;
			if (!fwg_elf_sym_get(e, (enum fwg_elf_table)t, i, &s))
				break;
			if (s.shndx == FWG_ELF_SHN_UNDEF || s.value == 0 || !useful_name(e, &s))
				continue;
			uint8_t rank = s.type == FWG_ELF_STT_FUNC || s.type == FWG_ELF_STT_OBJECT ? 0 : 1;
			e->addrs[e->addr_count++] = (struct fwg_elf_addr){ s.value, i, (uint8_t)t, rank };
		}
	}
	if (e->addr_count)
		qsort(e->addrs, e->addr_count, sizeof(*e->addrs), addr_cmp);
	return FWG_OK;
}

/* --- public ---------------------------------------------------------------- */

enum fwg_status fwg_elf_open(struct fwg_elf *e, const uint8_t *data, size_t size, unsigned flags)
{
	memset(e, 0, sizeof(*e));
	e->c = fwg_cursor_make(data, size);
	struct hdr h;
	if (!read_header(e, &h))
		return FWG_MALFORMED;
	uint64_t dyn_off = 0, dyn_size = 0;
	read_segments(e, &h, &dyn_off, &dyn_size);
	read_sections(e, &h);
	struct dyn d;
	memset(&d, 0, sizeof(d));
	if (dyn_size)
		read_dynamic(e, dyn_off, dyn_size, &d);
	dynsym_from_dynamic(e, &d);
	enum fwg_status st = FWG_OK;
	if (flags & FWG_ELF_LOAD_RELOCS)
		st = load_relocs(e, &d);
	if (st == FWG_OK && (flags & FWG_ELF_LOAD_ADDRS))
		st = load_addrs(e);
	return st;
}

void fwg_elf_close(struct fwg_elf *e)
{
	if (!e)
		return;
	free(e->relocs);
	free(e->addrs);
	e->relocs = NULL;
	e->addrs = NULL;
	e->reloc_count = e->addr_count = 0;
}

uint64_t fwg_elf_sym_count(const struct fwg_elf *e, enum fwg_elf_table t)
{
	return e->tab[t].present ? e->tab[t].count : 0;
}

bool fwg_elf_sym_get(const struct fwg_elf *e, enum fwg_elf_table t, uint64_t index,
		struct fwg_elf_sym *out)
{
	const struct fwg_elf_symtab *tab = &e->tab[t];
	if (!tab->present || index >= tab->count)
		return false;
	uint64_t at = tab->off + index * tab->entsize;
	uint64_t info, other, shndx, name;
	bool ok;
	memset(out, 0, sizeof(*out));
	if (e->is64)
		ok = rd(e, at, 4, &name) && rd(e, at + 4, 1, &info) && rd(e, at + 5, 1, &other) &&
			rd(e, at + 6, 2, &shndx) && rd(e, at + 8, 8, &out->value) &&
			rd(e, at + 16, 8, &out->size);
	else
		ok = rd(e, at, 4, &name) && rd(e, at + 4, 4, &out->value) &&
			rd(e, at + 8, 4, &out->size) && rd(e, at + 12, 1, &info) &&
			rd(e, at + 13, 1, &other) && rd(e, at + 14, 2, &shndx);
	if (!ok)
		return false;
	out->name = (uint32_t)name;
	out->shndx = (uint16_t)shndx;
	out->bind = (uint8_t)(info >> 4);
	out->type = (uint8_t)(info & 0xf);
	out->table = t;
	return true;
}

bool fwg_elf_sym_name(const struct fwg_elf *e, const struct fwg_elf_sym *s,
		const char **name, size_t *len)
{
	const struct fwg_elf_symtab *tab = &e->tab[s->table];
	if (!tab->present || s->name == 0 || s->name >= tab->str_size)
		return false;
	uint64_t avail = tab->str_size - s->name;
	if (avail > FWG_ELF_MAX_NAME + 1)
		avail = FWG_ELF_MAX_NAME + 1;
	const uint8_t *p;
	if (fwg_cursor_bytes_at(&e->c, (size_t)(tab->str_off + s->name), (size_t)avail, &p) != FWG_OK)
		return false;
	const uint8_t *nul = memchr(p, 0, (size_t)avail);
	if (!nul)
		return false;
	*name = (const char *)p;
	*len = (size_t)(nul - p);
	return true;
}

bool fwg_elf_sym_name_is(const struct fwg_elf *e, const struct fwg_elf_sym *s, const char *want)
{
	const char *name;
	size_t len;
	return fwg_elf_sym_name(e, s, &name, &len) && len == strlen(want) &&
		memcmp(name, want, len) == 0;
}

bool fwg_elf_sym_find(const struct fwg_elf *e, const char *name, struct fwg_elf_sym *out)
{
	for (unsigned t = 0; t < 2; t++) {
		for (uint64_t i = 0; i < fwg_elf_sym_count(e, (enum fwg_elf_table)t); i++) {
			struct fwg_elf_sym s;
			if (!fwg_elf_sym_get(e, (enum fwg_elf_table)t, i, &s))
				break;
			if (s.shndx != FWG_ELF_SHN_UNDEF && fwg_elf_sym_name_is(e, &s, name)) {
				*out = s;
				return true;
			}
		}
	}
	return false;
}

bool fwg_elf_sym_at(const struct fwg_elf *e, uint64_t addr, struct fwg_elf_sym *out)
{
	size_t lo = 0, hi = e->addr_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (e->addrs[mid].value < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* The first entry at addr has the best rank (sorted by rank next). */
	if (lo >= e->addr_count || e->addrs[lo].value != addr)
		return false;
	return fwg_elf_sym_get(e, (enum fwg_elf_table)e->addrs[lo].table, e->addrs[lo].index, out);
}

bool fwg_elf_map(const struct fwg_elf *e, uint64_t vaddr, uint64_t len, size_t *off)
{
	for (size_t i = 0; i < e->seg_count; i++) {
		const struct fwg_elf_segment *s = &e->seg[i];
		if (vaddr < s->vaddr)
			continue;
		uint64_t rel = vaddr - s->vaddr;
		if (rel > s->filesz || len > s->filesz - rel)
			continue;
		uint64_t o = s->offset + rel; /* <= file size: filesz was clipped to the file */
		if (!in_file(e, o, len))
			continue;
		*off = (size_t)o;
		return true;
	}
	return false;
}

bool fwg_elf_read(const struct fwg_elf *e, uint64_t vaddr, unsigned width, uint64_t *v)
{
	size_t off;
	return fwg_elf_map(e, vaddr, width, &off) && rd(e, off, width, v);
}

static const struct fwg_elf_reloc *reloc_at(const struct fwg_elf *e, uint64_t vaddr)
{
	size_t lo = 0, hi = e->reloc_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (e->relocs[mid].offset < vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < e->reloc_count && e->relocs[lo].offset == vaddr ? &e->relocs[lo] : NULL;
}

bool fwg_elf_relocated(const struct fwg_elf *e, uint64_t vaddr, uint64_t len)
{
	size_t lo = 0, hi = e->reloc_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (e->relocs[mid].offset < vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < e->reloc_count && e->relocs[lo].offset - vaddr < len;
}

bool fwg_elf_pointer(const struct fwg_elf *e, uint64_t vaddr, struct fwg_elf_ptr *out)
{
	memset(out, 0, sizeof(*out));
	uint64_t word;
	if (!fwg_elf_read(e, vaddr, e->ptr_size, &word))
		return false;
	const struct fwg_elf_reloc *r = reloc_at(e, vaddr);
	uint64_t mask = e->is64 ? UINT64_MAX : UINT32_MAX;
	if (!r) {
		out->value = word;
		out->has_value = true;
		return true;
	}
	out->relocated = true;
	uint64_t addend = r->rela ? r->addend : word;
	if (r->kind == FWG_ELF_R_RELATIVE) {
		out->value = addend & mask;
		out->has_value = true;
		return true;
	}
	if (r->sym != 0 && fwg_elf_sym_get(e, FWG_ELF_DYNSYM, r->sym, &out->sym)) {
		out->has_sym = true;
		if (out->sym.shndx != FWG_ELF_SHN_UNDEF) {
			out->value = (out->sym.value + addend) & mask;
			out->has_value = true;
		}
	}
	return true;
}
