/*
 * ifd.c - the Intel Flash Descriptor (IFD) at the start of Intel SPI flash
 * images: regions, master access permissions, a few straps.
 *
 * Sources for the layout: Intel's SPI programming guides and PCH
 * datasheets ("Flash Descriptor" chapter), cross-checked with coreboot's
 * util/ifdtool, fwupd's fu-ifd-* and UEFITool's descriptor.h.
 *
 * Layout (offsets from the start of the flash; the descriptor is the first
 * 4 KiB):
 *   0x10 FLVALSIG 0x0ff0a55a (at 0x00 on early ICH8 parts: "old layout";
 *        the maps follow the signature in both cases)
 *   +4   FLMAP0  FCBA = bits 7:0 << 4, NC = bits 9:8 + 1,
 *                FRBA = bits 23:16 << 4, NR = bits 26:24
 *   +8   FLMAP1  FMBA = bits 7:0 << 4, NM = bits 10:8,
 *                FPSBA = bits 23:16 << 4, ISL = bits 31:24
 *   +12  FLMAP2  FMSBA = bits 7:0 << 4, MSL = bits 15:8
 *   FCBA  FLCOMP: component densities (v1 3 bits each, v2 4 bits each),
 *         read clock frequency in bits 19:17 (20 MHz = 0 only on IFDv1)
 *   FRBA  FLREG[n] u32: base = bits 14:0 << 12, limit = bits 30:16 << 12
 *         | 0xfff (IFDv1: 12-bit fields); base > limit means unused
 *   FMBA  FLMSTR1 host CPU/BIOS, 2 ME, 3 GbE, 4 reserved, 5 EC:
 *         v1 read bits 20:16 / write bits 28:24 for regions 0..4,
 *         v2 read bits 19:8 / write bits 31:20 for regions 0..11
 *   FPSBA PCH straps (ISL dwords); v2 PCHSTRP0 bit 16 is the HAP (ME
 *         disable) bit
 * Region indexes: 0 descriptor, 1 bios, 2 me, 3 gbe, 4 pdr, 5 devexp,
 * 6 bios2, 7 reserved, 8 ec, 9 devexp2, 10 ie, 11 10gbe_0, 12 10gbe_1,
 * 13/14 reserved, 15 ptt.  The number of FLREG slots is the room between
 * FRBA and the next descriptor section (as ifdtool computes it), at most
 * 5 on IFDv1 and 16 on IFDv2.
 *
 * Children (offsets = flash offsets): one region node per used region in
 * flash order (the BIOS regions are carved for volumes, the descriptor
 * stays opaque, the rest is probed) and padding for bytes no region
 * covers.  Regions past the image end are skipped, regions running past
 * it are clamped, overlapping ones are clamped or skipped; all reported.
 *
 * Security findings (cf. chipsec common.spi_desc / spi_access): a
 * descriptor writable by the host is not locked; an ME region writable by
 * the host allows ME tampering.  Both are warnings on the ifd node.
 *
 * Invariants: every field is read through the cursor; region bounds are
 * 64-bit (at most 128 MiB) and compared with the window before use; every
 * loop runs over at most MAX_REGIONS or MAX_MASTERS entries.
 */
#include <stdio.h>
#include <string.h>

#include "../../core/handler.h"
#include "../../core/registry.h"

#define IFD_SIGNATURE 0x0ff0a55au
#define IFD_SIG_OFFSET 0x10u
#define IFD_SIG_OFFSET_OLD 0x00u
#define IFD_DESCRIPTOR_SIZE 0x1000u
#define IFD_FLUMAP1 0xefcu /* upper map: bounds the last section */
#define MAX_REGIONS 16u
#define MAX_REGIONS_V1 5u
#define MAX_MASTERS 5u
#define MASTERS_V1 3u
#define REGION_SHIFT 12
#define REGION_MASK_V1 0x0fffu
#define REGION_MASK_V2 0x7fffu
#define FLMSTR_RD_SHIFT_V1 16
#define FLMSTR_WR_SHIFT_V1 24
#define FLMSTR_RD_SHIFT_V2 8
#define FLMSTR_WR_SHIFT_V2 20
#define FLMSTR_REGIONS_V1 5u
#define FLMSTR_REGIONS_V2 12u
#define FLCOMP_READ_FREQ_SHIFT 17
#define FLCOMP_FREQ_20MHZ 0u
#define COMPONENT_DENSITY_UNUSED 0xfu
#define COMPONENT_DENSITY_MAX 0xbu /* 512 KiB << 11 = 1 GiB */
#define HAP_BIT (1u << 16)
#define REGION_BIOS 1u
#define REGION_DESCRIPTOR 0u
#define REGION_ME 2u
#define REGION_BIOS2 6u
#define MASTER_HOST 0u
#define FPT_SIGNATURE "$FPT"

static const char *const region_names[MAX_REGIONS] = {
	"descriptor", "bios", "me", "gbe", "pdr", "devexp", "bios2", "reserved7",
	"ec", "devexp2", "ie", "10gbe_0", "10gbe_1", "reserved13", "reserved14", "ptt",
};

struct master_keys {
	const char *reg;
	const char *read;
	const char *write;
};

static const struct master_keys master_keys[MAX_MASTERS] = {
	{ "flmstr1", "host_read", "host_write" },
	{ "flmstr2", "me_read", "me_write" },
	{ "flmstr3", "gbe_read", "gbe_write" },
	{ "flmstr4", "master4_read", "master4_write" },
	{ "flmstr5", "ec_read", "ec_write" },
};

struct descriptor {
	size_t sig_off;
	uint32_t flmap0, flmap1, flmap2;
	size_t fcba, frba, fmba, fpsba, fmsba;
	unsigned nc, nr, nm, isl, msl;
	uint32_t flcomp;
	bool have_flcomp;
	unsigned version; /* 1 or 2 */
};

struct region {
	unsigned index;
	uint64_t base, end; /* end exclusive */
};

static bool find_signature(const struct fwg_cursor *c, size_t *sig_off)
{
	uint32_t v;
	if (fwg_cursor_u32le_at(c, IFD_SIG_OFFSET, &v) == FWG_OK && v == IFD_SIGNATURE) {
		*sig_off = IFD_SIG_OFFSET;
		return true;
	}
	if (fwg_cursor_u32le_at(c, IFD_SIG_OFFSET_OLD, &v) == FWG_OK && v == IFD_SIGNATURE) {
		*sig_off = IFD_SIG_OFFSET_OLD;
		return true;
	}
	return false;
}

/* Signature and maps, plus FCBA/FRBA after the maps and inside the window. */
static bool read_maps(const struct fwg_cursor *c, struct descriptor *d)
{
	memset(d, 0, sizeof(*d));
	if (!find_signature(c, &d->sig_off) ||
			fwg_cursor_u32le_at(c, d->sig_off + 4, &d->flmap0) != FWG_OK ||
			fwg_cursor_u32le_at(c, d->sig_off + 8, &d->flmap1) != FWG_OK ||
			fwg_cursor_u32le_at(c, d->sig_off + 12, &d->flmap2) != FWG_OK)
		return false;
	d->fcba = (size_t)(d->flmap0 & 0xff) << 4;
	d->nc = ((d->flmap0 >> 8) & 3) + 1;
	d->frba = (size_t)((d->flmap0 >> 16) & 0xff) << 4;
	d->nr = (d->flmap0 >> 24) & 7;
	d->fmba = (size_t)(d->flmap1 & 0xff) << 4;
	d->nm = (d->flmap1 >> 8) & 7;
	d->fpsba = (size_t)((d->flmap1 >> 16) & 0xff) << 4;
	d->isl = (d->flmap1 >> 24) & 0xff;
	d->fmsba = (size_t)(d->flmap2 & 0xff) << 4;
	d->msl = (d->flmap2 >> 8) & 0xff;
	size_t maps_end = d->sig_off + 16;
	return d->fcba >= maps_end && d->frba >= maps_end &&
		fwg_cursor_has(c, d->fcba, 4) && fwg_cursor_has(c, d->frba, 4);
}

static int ifd_probe(const struct fwg_cursor *body)
{
	struct descriptor d;
	if (!read_maps(body, &d))
		return 0;
	return d.sig_off == IFD_SIG_OFFSET ? 95 : 90;
}

/* FLREG slots: room between FRBA and the next section, capped by version. */
static unsigned region_slots(const struct descriptor *d)
{
	size_t next = IFD_FLUMAP1;
	const size_t others[] = { d->fcba, d->fmba, d->fpsba, d->fmsba };
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		if (others[i] > d->frba && others[i] < next)
			next = others[i];
	size_t slots = next > d->frba ? (next - d->frba) / 4 : 0;
	unsigned cap = d->version == 1 ? MAX_REGIONS_V1 : MAX_REGIONS;
	return slots < cap ? (unsigned)slots : cap;
}

static void describe_components(struct fwg_node *node, const struct descriptor *d, size_t size)
{
	unsigned bits = d->version == 1 ? 3 : 4;
	uint64_t total = 0;
	bool known = true;
	for (unsigned i = 0; i < d->nc && i < 2; i++) {
		unsigned density = (d->flcomp >> (i * bits)) & ((1u << bits) - 1);
		if (density == COMPONENT_DENSITY_UNUSED || density > COMPONENT_DENSITY_MAX) {
			known = false;
			continue;
		}
		total += (uint64_t)0x80000 << density;
	}
	if (!known || total == 0)
		return;
	fwg_node_attr_hex(node, "flash_size", total);
	if (total != size)
		FWG_INFO(node, "ifd.flash_size", d->fcba,
			"component densities describe 0x%llx bytes of flash but the image has 0x%zx",
			(unsigned long long)total, size);
}

/* Comma-separated names of the regions whose bits are set, or "none". */
static void region_list(char *out, size_t cap, uint32_t mask, unsigned count)
{
	size_t len = 0;
	out[0] = '\0';
	for (unsigned i = 0; i < count && i < MAX_REGIONS; i++) {
		if (!(mask & (1u << i)))
			continue;
		int n = snprintf(out + len, cap - len, "%s%s", len ? "," : "", region_names[i]);
		if (n < 0 || (size_t)n >= cap - len)
			break;
		len += (size_t)n;
	}
	if (len == 0)
		snprintf(out, cap, "none");
}

static void parse_masters(struct fwg_node *node, const struct fwg_cursor *c,
		const struct descriptor *d)
{
	unsigned count = d->version == 1 ? MASTERS_V1 : MAX_MASTERS;
	unsigned rd_shift = d->version == 1 ? FLMSTR_RD_SHIFT_V1 : FLMSTR_RD_SHIFT_V2;
	unsigned wr_shift = d->version == 1 ? FLMSTR_WR_SHIFT_V1 : FLMSTR_WR_SHIFT_V2;
	unsigned nreg = d->version == 1 ? FLMSTR_REGIONS_V1 : FLMSTR_REGIONS_V2;
	uint32_t region_bits = (1u << nreg) - 1;
	if (d->fmba == 0) {
		FWG_WARN(node, "ifd.master_section", d->sig_off + 8,
			"descriptor has no master section (FMBA 0)");
		return;
	}
	for (unsigned m = 0; m < count; m++) {
		uint32_t v;
		if (fwg_cursor_u32le_at(c, d->fmba + 4 * m, &v) != FWG_OK) {
			FWG_WARN(node, "ifd.master_section", d->fmba + 4 * m,
				"master section runs past the image end");
			return;
		}
		uint32_t rd = (v >> rd_shift) & region_bits, wr = (v >> wr_shift) & region_bits;
		char text[160];
		fwg_node_attr_hex(node, master_keys[m].reg, v);
		region_list(text, sizeof(text), rd, nreg);
		fwg_node_attr_str(node, master_keys[m].read, text);
		region_list(text, sizeof(text), wr, nreg);
		fwg_node_attr_str(node, master_keys[m].write, text);
		if (m == MASTER_HOST) {
			fwg_node_attr_bool(node, "descriptor_locked", !(wr & (1u << REGION_DESCRIPTOR)));
			if (wr & (1u << REGION_DESCRIPTOR))
				FWG_WARN(node, "ifd.descriptor_writable", d->fmba,
					"flash descriptor is writable by the host CPU/BIOS master "
					"(FLMSTR1 0x%08x): the descriptor is not locked", v);
			if (wr & (1u << REGION_ME))
				FWG_WARN(node, "ifd.me_writable", d->fmba,
					"ME region is writable by the host CPU/BIOS master (FLMSTR1 0x%08x)",
					v);
		} else if (wr & (1u << REGION_DESCRIPTOR)) {
			FWG_INFO(node, "ifd.descriptor_writable_master", d->fmba + 4 * m,
				"flash descriptor is writable by master %u (FLMSTR%u 0x%08x)", m + 1,
				m + 1, v);
		}
	}
}

static void parse_straps(struct fwg_node *node, const struct fwg_cursor *c,
		const struct descriptor *d)
{
	uint32_t strap0;
	if (d->version != 2 || d->isl == 0 || d->fpsba == 0 ||
			fwg_cursor_u32le_at(c, d->fpsba, &strap0) != FWG_OK)
		return;
	fwg_node_attr_bool(node, "hap_bit", strap0 & HAP_BIT);
}

/* Reads the FLREG slots; returns the number of used regions. */
static size_t read_regions(struct fwg_node *node, const struct fwg_cursor *c,
		const struct descriptor *d, struct region *out)
{
	unsigned slots = region_slots(d);
	uint32_t mask = d->version == 1 ? REGION_MASK_V1 : REGION_MASK_V2;
	size_t used = 0;
	fwg_node_attr_int(node, "region_slots", slots);
	for (unsigned i = 0; i < slots; i++) {
		uint32_t reg;
		if (fwg_cursor_u32le_at(c, d->frba + 4 * i, &reg) != FWG_OK)
			break;
		uint32_t base = reg & mask, limit = (reg >> 16) & mask;
		/* All-ones is erased flash; an all-zero slot other than the
		 * descriptor's is how some images mark unused regions. */
		if (reg == UINT32_MAX || base > limit || (reg == 0 && i != REGION_DESCRIPTOR))
			continue;
		out[used].index = i;
		out[used].base = (uint64_t)base << REGION_SHIFT;
		out[used].end = ((uint64_t)limit + 1) << REGION_SHIFT;
		used++;
	}
	/* Flash order, stable on index (insertion sort, at most 16). */
	for (size_t i = 1; i < used; i++) {
		struct region r = out[i];
		size_t j = i;
		while (j > 0 && out[j - 1].base > r.base) {
			out[j] = out[j - 1];
			j--;
		}
		out[j] = r;
	}
	fwg_node_attr_int(node, "region_count", used);
	return used;
}

static enum fwg_status add_gap(struct fwg_unpack *u, struct fwg_node *node,
		const struct fwg_cursor *c, size_t off, size_t end)
{
	if (off >= end)
		return FWG_OK;
	struct fwg_node *pad;
	enum fwg_status st = fwg_unpack_add_child(u, node, FWG_TYPE_PADDING, off, end - off,
		&fwg_handler_leaf, &pad);
	if (st != FWG_OK)
		return st == FWG_NOMEM ? st : FWG_OK;
	uint8_t first;
	if (fwg_cursor_u8_at(c, off, &first) != FWG_OK)
		return FWG_OK;
	if ((first == 0xff || first == 0x00) && fwg_cursor_all_equal(c, off, end - off, first)) {
		fwg_node_attr_hex(pad, "fill", first);
	} else {
		fwg_node_attr_bool(pad, "non_erased", true);
		FWG_WARN(pad, "ifd.gap_data", 0,
			"0x%zx bytes of non-erased data outside every flash region at 0x%zx",
			end - off, off);
	}
	return FWG_OK;
}

static const struct fwg_handler *region_handler(unsigned index)
{
	if (index == REGION_DESCRIPTOR)
		return &fwg_handler_leaf;
	if (index == REGION_BIOS || index == REGION_BIOS2)
		return &fwg_handler_flash_area;
	return NULL;
}

static enum fwg_status add_region(struct fwg_unpack *u, struct fwg_node *node,
		const struct fwg_cursor *c, const struct region *r, size_t start, size_t end)
{
	struct fwg_node *child;
	enum fwg_status st = fwg_unpack_add_child(u, node, FWG_TYPE_REGION, start, end - start,
		region_handler(r->index), &child);
	if (st != FWG_OK)
		return st == FWG_NOMEM ? st : FWG_LIMIT;
	fwg_node_set_name(child, region_names[r->index]);
	fwg_node_attr_int(child, "region_index", r->index);
	fwg_node_attr_hex(child, "base", r->base);
	fwg_node_attr_hex(child, "limit", r->end - 1);
	if (start != r->base || end != r->end)
		fwg_node_attr_bool(child, "clamped", true);
	if (r->index == REGION_ME) {
		const uint8_t *sig;
		bool fpt = (fwg_cursor_bytes_at(c, start + 0x10, 4, &sig) == FWG_OK &&
				memcmp(sig, FPT_SIGNATURE, 4) == 0) ||
			(fwg_cursor_bytes_at(c, start, 4, &sig) == FWG_OK &&
				memcmp(sig, FPT_SIGNATURE, 4) == 0);
		fwg_node_attr_bool(child, "me_fpt", fpt);
	}
	return FWG_OK;
}

static enum fwg_status layout_regions(struct fwg_unpack *u, struct fwg_node *node,
		const struct fwg_cursor *c, const struct region *regions, size_t count)
{
	size_t covered = 0;
	enum fwg_status st;
	for (size_t i = 0; i < count; i++) {
		const struct region *r = &regions[i];
		const char *name = region_names[r->index];
		if (r->base >= c->size) {
			FWG_WARN(node, "ifd.region_outside", r->base,
				"%s region at 0x%llx starts past the image end 0x%zx, skipped", name,
				(unsigned long long)r->base, c->size);
			continue;
		}
		size_t start = (size_t)r->base;
		size_t end = r->end > c->size ? c->size : (size_t)r->end;
		if (r->end > c->size)
			FWG_WARN(node, "ifd.region_truncated", r->base,
				"%s region [0x%llx, 0x%llx) runs past the image end 0x%zx, clamped",
				name, (unsigned long long)r->base, (unsigned long long)r->end, c->size);
		if (start < covered) {
			if (end <= covered) {
				FWG_ERR(node, "ifd.region_overlap", r->base,
					"%s region [0x%zx, 0x%zx) lies inside another region, skipped",
					name, start, end);
				continue;
			}
			FWG_ERR(node, "ifd.region_overlap", r->base,
				"%s region [0x%zx, 0x%zx) overlaps the region before it, clamped to 0x%zx",
				name, start, end, covered);
			start = covered;
		}
		st = add_gap(u, node, c, covered, start);
		if (st != FWG_OK)
			return st;
		st = add_region(u, node, c, r, start, end);
		if (st == FWG_LIMIT)
			return FWG_OK;
		if (st != FWG_OK)
			return st;
		covered = end;
	}
	return add_gap(u, node, c, covered, c->size);
}

static enum fwg_status ifd_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	struct fwg_cursor c = fwg_node_body(node);
	struct descriptor d;
	if (!read_maps(&c, &d)) {
		FWG_ERR(node, "ifd.header", 0,
			"flash descriptor signature or maps missing or out of bounds");
		return FWG_OK;
	}
	d.have_flcomp = fwg_cursor_u32le_at(&c, d.fcba, &d.flcomp) == FWG_OK;
	d.version = d.have_flcomp &&
		((d.flcomp >> FLCOMP_READ_FREQ_SHIFT) & 7) == FLCOMP_FREQ_20MHZ ? 1 : 2;

	fwg_node_set_name(node, "descriptor");
	fwg_node_attr_hex(node, "signature_offset", d.sig_off);
	fwg_node_attr_int(node, "ifd_version", d.version);
	fwg_node_attr_hex(node, "flmap0", d.flmap0);
	fwg_node_attr_hex(node, "flmap1", d.flmap1);
	fwg_node_attr_hex(node, "flmap2", d.flmap2);
	fwg_node_attr_hex(node, "fcba", d.fcba);
	fwg_node_attr_hex(node, "frba", d.frba);
	fwg_node_attr_hex(node, "fmba", d.fmba);
	fwg_node_attr_hex(node, "fpsba", d.fpsba);
	fwg_node_attr_hex(node, "fmsba", d.fmsba);
	fwg_node_attr_int(node, "nc", d.nc);
	fwg_node_attr_int(node, "nr", d.nr);
	fwg_node_attr_int(node, "nm", d.nm);
	fwg_node_attr_int(node, "isl", d.isl);
	fwg_node_attr_int(node, "msl", d.msl);
	fwg_node_attr_hex(node, "flcomp", d.flcomp);
	if (d.sig_off == IFD_SIG_OFFSET_OLD)
		FWG_INFO(node, "ifd.old_layout", 0,
			"descriptor signature at offset 0 (pre-Ibex Peak B-step layout)");
	if (c.size < IFD_DESCRIPTOR_SIZE)
		FWG_WARN(node, "ifd.short", 0,
			"image of 0x%zx bytes is smaller than a flash descriptor", c.size);

	describe_components(node, &d, c.size);
	parse_masters(node, &c, &d);
	parse_straps(node, &c, &d);

	struct region regions[MAX_REGIONS];
	size_t count = read_regions(node, &c, &d, regions);
	if (count == 0)
		FWG_ERR(node, "ifd.no_regions", d.frba, "descriptor defines no used region");
	return layout_regions(u, node, &c, regions, count);
}

const struct fwg_handler fwg_handler_ifd = {
	.name = "ifd",
	.description = "Intel flash descriptor and the flash regions it defines",
	.node_type = FWG_TYPE_IFD,
	.probe = ifd_probe,
	.parse = ifd_parse,
};
