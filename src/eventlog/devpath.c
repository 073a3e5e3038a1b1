/*
 * devpath.c - UEFI device paths as text (UEFI 2.10, section 10.3 "Device
 * Path Nodes" and 10.6 "Text Device Path Representation").
 *
 * Layout: a device path is a sequence of nodes, each
 *   u8 Type; u8 SubType; u16 Length (of the whole node, header included);
 *   Length - 4 bytes of node data,
 * ended by an End node (type 0x7f): subtype 0xff ends the whole path,
 * subtype 0x01 ends one instance of a multi-instance path (written ",").
 *
 * The text follows the specification's node names (PciRoot, Pci, HD,
 * FvFile, ...) with fwguard's lowercase GUIDs.  A node fwguard cannot name,
 * or one too short for its documented layout, becomes the generic
 * "Path(type,subtype,hex)".  A node whose Length is below 4 or runs past
 * the buffer ends the text with "...<malformed at offset N>" (N counted
 * from the first byte of the path).
 *
 * Invariants: every read goes through a cursor over the node's own
 * window; the loop advances by at least 4 bytes per node and is bounded by
 * MAX_NODES; the text is capped at MAX_TEXT bytes.  Input strings (file
 * names, URIs, descriptions) are made printable before they are written.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/cursor.h"
#include "../core/guid.h"
#include "../core/text.h"
#include "evlog_internal.h"

#define NODE_HEADER 4
#define MAX_NODES 512
#define MAX_TEXT (64u * 1024)
#define MAX_HEX_BYTES 512 /* of one node's data in Path()/Ven*() */

enum {
	DP_HARDWARE = 0x01,
	DP_ACPI = 0x02,
	DP_MESSAGING = 0x03,
	DP_MEDIA = 0x04,
	DP_BBS = 0x05,
	DP_END = 0x7f,
};

enum { END_INSTANCE = 0x01, END_ENTIRE = 0xff };

/* EISA-compressed PNP IDs (ACPI _HID "PNPxxxx" as 0x41d0 | id << 16). */
#define EISA_PNP_PREFIX 0x41d0u
#define PNP_PCI_ROOT 0x0a03u
#define PNP_PCIE_ROOT 0x0a08u
#define PNP_FLOPPY 0x0604u
#define PNP_KEYBOARD 0x0301u
#define PNP_SERIAL 0x0501u
#define PNP_PARALLEL 0x0401u

static void write_hex(FILE *out, const struct fwg_cursor *n, size_t off, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	size_t shown = len > MAX_HEX_BYTES ? MAX_HEX_BYTES : len;
	for (size_t i = 0; i < shown; i++) {
		uint8_t b = fwg_cursor_u8_or0(n, off + i);
		fputc(digits[b >> 4], out);
		fputc(digits[b & 15], out);
	}
	if (shown < len)
		fputs("...", out);
}

static void write_guid(FILE *out, const struct fwg_cursor *n, size_t off)
{
	uint8_t g[16];
	char text[FWG_GUID_TEXT_LEN];
	if (fwg_cursor_copy_at(n, off, g, sizeof(g)) != FWG_OK) {
		fputs("?", out);
		return;
	}
	fwg_guid_format(g, text);
	fputs(text, out);
}

/* "Path(type,subtype,hex)": the specification's form for any node. */
static void write_generic(FILE *out, const struct fwg_cursor *n, uint8_t type, uint8_t subtype)
{
	fprintf(out, "Path(%u,%u", type, subtype);
	if (n->size > NODE_HEADER) {
		fputc(',', out);
		write_hex(out, n, NODE_HEADER, n->size - NODE_HEADER);
	}
	fputc(')', out);
}

/* VenHw/VenMsg/VenMedia(GUID[,hex]). */
static bool write_vendor(FILE *out, const struct fwg_cursor *n, const char *name)
{
	if (n->size < NODE_HEADER + 16)
		return false;
	fprintf(out, "%s(", name);
	write_guid(out, n, NODE_HEADER);
	if (n->size > NODE_HEADER + 16) {
		fputc(',', out);
		write_hex(out, n, NODE_HEADER + 16, n->size - NODE_HEADER - 16);
	}
	fputc(')', out);
	return true;
}

/* An ASCII string field of at most len bytes at off, made printable. */
static void write_ascii(FILE *out, const struct fwg_cursor *n, size_t off, size_t len)
{
	char *s = NULL;
	if (fwg_text_ascii(n, off, len, &s) == FWG_OK)
		fputs(s, out);
	free(s);
}

static void write_ucs2(FILE *out, const struct fwg_cursor *n, size_t off, size_t max_bytes)
{
	char *s = NULL;
	size_t consumed;
	bool terminated;
	if (fwg_text_ucs2(n, off, max_bytes, &s, &consumed, &terminated) == FWG_OK)
		fputs(s, out);
	free(s);
}

/* ---- hardware (type 1) ---------------------------------------------------- */

static bool write_hardware(FILE *out, const struct fwg_cursor *n, uint8_t subtype)
{
	size_t body = n->size - NODE_HEADER;
	switch (subtype) {
	case 0x01: /* PCI: u8 function, u8 device */
		if (body < 2)
			return false;
		fprintf(out, "Pci(0x%x,0x%x)", fwg_cursor_u8_or0(n, 5), fwg_cursor_u8_or0(n, 4));
		return true;
	case 0x02: /* PC Card: u8 function */
		if (body < 1)
			return false;
		fprintf(out, "PcCard(0x%x)", fwg_cursor_u8_or0(n, 4));
		return true;
	case 0x03: /* memory mapped: u32 memory type, u64 start, u64 end */
		if (body < 20)
			return false;
		fprintf(out, "MemoryMapped(0x%x,0x%" PRIx64 ",0x%" PRIx64 ")",
			fwg_cursor_u32le_or0(n, 4), fwg_cursor_u64le_or0(n, 8),
			fwg_cursor_u64le_or0(n, 16));
		return true;
	case 0x04:
		return write_vendor(out, n, "VenHw");
	case 0x05: /* controller: u32 number */
		if (body < 4)
			return false;
		fprintf(out, "Ctrl(0x%x)", fwg_cursor_u32le_or0(n, 4));
		return true;
	case 0x06: /* BMC: u8 interface type, u64 base address */
		if (body < 9)
			return false;
		fprintf(out, "BMC(0x%x,0x%" PRIx64 ")", fwg_cursor_u8_or0(n, 4),
			fwg_cursor_u64le_or0(n, 5));
		return true;
	default:
		return false;
	}
}

/* ---- ACPI (type 2) -------------------------------------------------------- */

/* "PNP0A03" from an EISA-compressed ID, or "0x%08x" for other HIDs. */
static void write_eisa_id(FILE *out, uint32_t id)
{
	if ((id & 0xffffu) == EISA_PNP_PREFIX) {
		fprintf(out, "PNP%04X", id >> 16);
		return;
	}
	/* Three 5-bit letters in the low word, product number above. */
	unsigned a = (id >> 10) & 0x1f, b = (id >> 5) & 0x1f, c = id & 0x1f;
	if (a >= 1 && a <= 26 && b >= 1 && b <= 26 && c >= 1 && c <= 26)
		fprintf(out, "%c%c%c%04X", 'A' + a - 1, 'A' + b - 1, 'A' + c - 1, id >> 16);
	else
		fprintf(out, "0x%08x", id);
}

static void write_acpi_hid(FILE *out, uint32_t hid, uint32_t uid)
{
	if ((hid & 0xffffu) == EISA_PNP_PREFIX) {
		const char *name = NULL;
		switch (hid >> 16) {
		case PNP_PCI_ROOT: name = "PciRoot"; break;
		case PNP_PCIE_ROOT: name = "PcieRoot"; break;
		case PNP_FLOPPY: name = "Floppy"; break;
		case PNP_KEYBOARD: name = "Keyboard"; break;
		case PNP_SERIAL: name = "Serial"; break;
		case PNP_PARALLEL: name = "ParallelPort"; break;
		default: break;
		}
		if (name) {
			fprintf(out, "%s(0x%x)", name, uid);
			return;
		}
	}
	fputs("Acpi(", out);
	write_eisa_id(out, hid);
	fprintf(out, ",0x%x)", uid);
}

/* Expanded ACPI: u32 HID, UID, CID, then HIDSTR, UIDSTR, CIDSTR (each
 * NUL-terminated ASCII). */
static bool write_acpi_ex(FILE *out, const struct fwg_cursor *n)
{
	if (n->size < NODE_HEADER + 12)
		return false;
	uint32_t hid = fwg_cursor_u32le_or0(n, 4), uid = fwg_cursor_u32le_or0(n, 8);
	uint32_t cid = fwg_cursor_u32le_or0(n, 12);
	char *str[3] = { NULL, NULL, NULL };
	size_t off = 16;
	for (int i = 0; i < 3; i++) {
		size_t len = 0;
		while (off + len < n->size && fwg_cursor_u8_or0(n, off + len) != 0)
			len++;
		if (fwg_text_ascii(n, off, len, &str[i]) != FWG_OK)
			str[i] = NULL;
		off += len + (off + len < n->size ? 1 : 0);
	}
	fputs("AcpiEx(", out);
	write_eisa_id(out, hid);
	fputc(',', out);
	write_eisa_id(out, cid);
	fprintf(out, ",0x%x,%s,%s,%s)", uid, str[0] ? str[0] : "", str[2] ? str[2] : "",
		str[1] ? str[1] : "");
	for (int i = 0; i < 3; i++)
		free(str[i]);
	return true;
}

static bool write_acpi(FILE *out, const struct fwg_cursor *n, uint8_t subtype)
{
	size_t body = n->size - NODE_HEADER;
	switch (subtype) {
	case 0x01: /* u32 _HID, u32 _UID */
		if (body < 8)
			return false;
		write_acpi_hid(out, fwg_cursor_u32le_or0(n, 4), fwg_cursor_u32le_or0(n, 8));
		return true;
	case 0x02:
		return write_acpi_ex(out, n);
	case 0x03: /* _ADR: one or more u32 */
		if (body < 4)
			return false;
		fputs("AcpiAdr(", out);
		for (size_t off = 4; off + 4 <= n->size; off += 4)
			fprintf(out, "%s0x%x", off > 4 ? "," : "", fwg_cursor_u32le_or0(n, off));
		fputc(')', out);
		return true;
	case 0x04: /* NVDIMM: u32 NFIT device handle */
		if (body < 4)
			return false;
		fprintf(out, "NvdimmAcpiAdr(0x%x)", fwg_cursor_u32le_or0(n, 4));
		return true;
	default:
		return false;
	}
}

/* ---- messaging (type 3) --------------------------------------------------- */

static void write_ipv4(FILE *out, const struct fwg_cursor *n, size_t off)
{
	fprintf(out, "%u.%u.%u.%u", fwg_cursor_u8_or0(n, off), fwg_cursor_u8_or0(n, off + 1),
		fwg_cursor_u8_or0(n, off + 2), fwg_cursor_u8_or0(n, off + 3));
}

static void write_ipv6(FILE *out, const struct fwg_cursor *n, size_t off)
{
	for (size_t i = 0; i < 8; i++) {
		uint16_t w;
		if (fwg_cursor_u16be_at(n, off + 2 * i, &w) != FWG_OK)
			w = 0;
		fprintf(out, "%s%x", i ? ":" : "", w);
	}
}

static void write_protocol(FILE *out, uint16_t protocol)
{
	if (protocol == 6)
		fputs("TCP", out);
	else if (protocol == 17)
		fputs("UDP", out);
	else
		fprintf(out, "0x%x", protocol);
}

/* IPv4: local 4, remote 4, u16 local port, u16 remote port, u16 protocol,
 * u8 static, then (UEFI 2.0+) gateway 4 and subnet mask 4. */
static bool write_ipv4_node(FILE *out, const struct fwg_cursor *n)
{
	if (n->size < NODE_HEADER + 15)
		return false;
	fputs("IPv4(", out);
	write_ipv4(out, n, 8);
	fputc(',', out);
	write_protocol(out, fwg_cursor_u16le_or0(n, 16));
	fprintf(out, ",%s,", fwg_cursor_u8_or0(n, 18) ? "Static" : "DHCP");
	write_ipv4(out, n, 4);
	if (n->size >= NODE_HEADER + 23) {
		fputc(',', out);
		write_ipv4(out, n, 19);
		fputc(',', out);
		write_ipv4(out, n, 23);
	}
	fputc(')', out);
	return true;
}

/* IPv6: local 16, remote 16, u16 local port, u16 remote port, u16
 * protocol, u8 origin, then u8 prefix length and gateway 16. */
static bool write_ipv6_node(FILE *out, const struct fwg_cursor *n)
{
	static const char *const origins[] = { "Static", "StatelessAutoConfigure",
		"StatefulAutoConfigure" };
	if (n->size < NODE_HEADER + 39)
		return false;
	fputs("IPv6(", out);
	write_ipv6(out, n, 20);
	fputc(',', out);
	write_protocol(out, fwg_cursor_u16le_or0(n, 40));
	uint8_t origin = fwg_cursor_u8_or0(n, 42);
	if (origin < 3)
		fprintf(out, ",%s,", origins[origin]);
	else
		fprintf(out, ",0x%x,", origin);
	write_ipv6(out, n, 4);
	if (n->size >= NODE_HEADER + 56) {
		fprintf(out, ",0x%x,", fwg_cursor_u8_or0(n, 43));
		write_ipv6(out, n, 44);
	}
	fputc(')', out);
	return true;
}

/* MAC: 32-byte address field, u8 interface type (1 = Ethernet, 6 bytes). */
static bool write_mac(FILE *out, const struct fwg_cursor *n)
{
	if (n->size < NODE_HEADER + 33)
		return false;
	uint8_t if_type = fwg_cursor_u8_or0(n, 36);
	fputs("MAC(", out);
	write_hex(out, n, 4, if_type == 0 || if_type == 1 ? 6 : 32);
	fprintf(out, ",0x%x)", if_type);
	return true;
}

static bool write_messaging_vendor(FILE *out, const struct fwg_cursor *n)
{
	static const struct {
		uint8_t guid[16];
		const char *name;
	} terminals[] = {
		{ FWG_GUID_INIT(0xe0c14753, 0xf9be, 0x11d2, 0x9a, 0x0c, 0x00, 0x90, 0x27, 0x3f, 0xc1,
			  0x4d), "VenPcAnsi" },
		{ FWG_GUID_INIT(0xdfa66065, 0xb419, 0x11d3, 0x9a, 0x2d, 0x00, 0x90, 0x27, 0x3f, 0xc1,
			  0x4d), "VenVt100" },
		{ FWG_GUID_INIT(0x7baec70b, 0x57e0, 0x4c76, 0x8e, 0x87, 0x2f, 0x9e, 0x28, 0x08, 0x83,
			  0x43), "VenVt100Plus" },
		{ FWG_GUID_INIT(0xad15a0d6, 0x8bec, 0x4acf, 0xa0, 0x73, 0xd0, 0x1d, 0xe7, 0x7e, 0x2d,
			  0x88), "VenUtf8" },
	};
	uint8_t g[16];
	if (n->size == NODE_HEADER + 16 && fwg_cursor_copy_at(n, NODE_HEADER, g, 16) == FWG_OK) {
		for (size_t i = 0; i < sizeof(terminals) / sizeof(terminals[0]); i++) {
			if (fwg_guid_eq(g, terminals[i].guid)) {
				fprintf(out, "%s()", terminals[i].name);
				return true;
			}
		}
	}
	return write_vendor(out, n, "VenMsg");
}

static bool write_nvme(FILE *out, const struct fwg_cursor *n)
{
	if (n->size < NODE_HEADER + 12)
		return false;
	fprintf(out, "NVMe(0x%x,", fwg_cursor_u32le_or0(n, 4));
	/* The EUI-64 is stored least significant byte first. */
	for (size_t i = 0; i < 8; i++)
		fprintf(out, "%s%02x", i ? "-" : "", fwg_cursor_u8_or0(n, 15 - i));
	fputc(')', out);
	return true;
}

static bool write_messaging(FILE *out, const struct fwg_cursor *n, uint8_t subtype)
{
	size_t body = n->size - NODE_HEADER;
	switch (subtype) {
	case 0x01: /* ATAPI: u8 primary/secondary, u8 master/slave, u16 LUN */
		if (body < 4)
			return false;
		fprintf(out, "Ata(%s,%s,0x%x)", fwg_cursor_u8_or0(n, 4) ? "Secondary" : "Primary",
			fwg_cursor_u8_or0(n, 5) ? "Slave" : "Master", fwg_cursor_u16le_or0(n, 6));
		return true;
	case 0x02: /* SCSI: u16 target, u16 LUN */
		if (body < 4)
			return false;
		fprintf(out, "Scsi(0x%x,0x%x)", fwg_cursor_u16le_or0(n, 4), fwg_cursor_u16le_or0(n, 6));
		return true;
	case 0x03: /* Fibre Channel: u32 reserved, u64 WWN, u64 LUN */
		if (body < 20)
			return false;
		fprintf(out, "Fibre(0x%" PRIx64 ",0x%" PRIx64 ")", fwg_cursor_u64le_or0(n, 8),
			fwg_cursor_u64le_or0(n, 16));
		return true;
	case 0x04: /* 1394: u32 reserved, u64 GUID */
		if (body < 12)
			return false;
		fprintf(out, "I1394(%016" PRIx64 ")", fwg_cursor_u64le_or0(n, 8));
		return true;
	case 0x05: /* USB: u8 parent port, u8 interface */
		if (body < 2)
			return false;
		fprintf(out, "USB(0x%x,0x%x)", fwg_cursor_u8_or0(n, 4), fwg_cursor_u8_or0(n, 5));
		return true;
	case 0x06: /* I2O: u32 TID */
		if (body < 4)
			return false;
		fprintf(out, "I2O(0x%x)", fwg_cursor_u32le_or0(n, 4));
		return true;
	case 0x09: /* UART: u32 reserved, u64 baud, u8 data bits, parity, stop bits */
		if (body < 15)
			return false;
		fprintf(out, "Uart(%" PRIu64 ",%u,%u,%u)", fwg_cursor_u64le_or0(n, 8),
			fwg_cursor_u8_or0(n, 16), fwg_cursor_u8_or0(n, 17), fwg_cursor_u8_or0(n, 18));
		return true;
	case 0x0a:
		return write_messaging_vendor(out, n);
	case 0x0b:
		return write_mac(out, n);
	case 0x0c:
		return write_ipv4_node(out, n);
	case 0x0d:
		return write_ipv6_node(out, n);
	case 0x0f: /* USB class: u16 VID, u16 PID, u8 class, subclass, protocol */
		if (body < 7)
			return false;
		fprintf(out, "UsbClass(0x%x,0x%x,0x%x,0x%x,0x%x)", fwg_cursor_u16le_or0(n, 4),
			fwg_cursor_u16le_or0(n, 6), fwg_cursor_u8_or0(n, 8), fwg_cursor_u8_or0(n, 9),
			fwg_cursor_u8_or0(n, 10));
		return true;
	case 0x10: /* USB WWID: u16 interface, VID, PID, UCS-2 serial */
		if (body < 6)
			return false;
		fprintf(out, "UsbWwid(0x%x,0x%x,0x%x,\"", fwg_cursor_u16le_or0(n, 6),
			fwg_cursor_u16le_or0(n, 8), fwg_cursor_u16le_or0(n, 4));
		write_ucs2(out, n, 10, n->size - 10);
		fputs("\")", out);
		return true;
	case 0x11: /* device logical unit: u8 LUN */
		if (body < 1)
			return false;
		fprintf(out, "Unit(0x%x)", fwg_cursor_u8_or0(n, 4));
		return true;
	case 0x12: /* SATA: u16 HBA port, u16 port multiplier port, u16 LUN */
		if (body < 6)
			return false;
		fprintf(out, "Sata(0x%x,0x%x,0x%x)", fwg_cursor_u16le_or0(n, 4),
			fwg_cursor_u16le_or0(n, 6), fwg_cursor_u16le_or0(n, 8));
		return true;
	case 0x14: /* VLAN: u16 id */
		if (body < 2)
			return false;
		fprintf(out, "Vlan(%u)", fwg_cursor_u16le_or0(n, 4));
		return true;
	case 0x17:
		return write_nvme(out, n);
	case 0x18: /* URI: ASCII, not terminated */
		fputs("Uri(", out);
		write_ascii(out, n, NODE_HEADER, body);
		fputc(')', out);
		return true;
	case 0x19: /* UFS: u8 target, u8 LUN */
		if (body < 2)
			return false;
		fprintf(out, "UFS(0x%x,0x%x)", fwg_cursor_u8_or0(n, 4), fwg_cursor_u8_or0(n, 5));
		return true;
	case 0x1a: /* SD: u8 slot */
		if (body < 1)
			return false;
		fprintf(out, "SD(0x%x)", fwg_cursor_u8_or0(n, 4));
		return true;
	case 0x1d: /* eMMC: u8 slot */
		if (body < 1)
			return false;
		fprintf(out, "eMMC(0x%x)", fwg_cursor_u8_or0(n, 4));
		return true;
	case 0x20: /* NVDIMM namespace: UUID */
		if (body < 16)
			return false;
		fputs("NVDIMM(", out);
		write_guid(out, n, NODE_HEADER);
		fputc(')', out);
		return true;
	default:
		return false;
	}
}

/* ---- media (type 4) ------------------------------------------------------- */

/* Hard drive: u32 partition, u64 start LBA, u64 size in LBAs, 16-byte
 * signature, u8 partition format (1 MBR, 2 GPT), u8 signature type
 * (0 none, 1 MBR u32, 2 GUID). */
static bool write_hard_drive(FILE *out, const struct fwg_cursor *n)
{
	if (n->size < NODE_HEADER + 38)
		return false;
	uint32_t part = fwg_cursor_u32le_or0(n, 4);
	uint64_t start = fwg_cursor_u64le_or0(n, 8), size = fwg_cursor_u64le_or0(n, 16);
	uint8_t format = fwg_cursor_u8_or0(n, 40), sig_type = fwg_cursor_u8_or0(n, 41);
	fprintf(out, "HD(%u,", part);
	if (sig_type == 1)
		fprintf(out, "MBR,0x%08x", fwg_cursor_u32le_or0(n, 24));
	else if (sig_type == 2) {
		fputs("GPT,", out);
		write_guid(out, n, 24);
	} else {
		fprintf(out, "%u,0", format);
	}
	fprintf(out, ",0x%" PRIx64 ",0x%" PRIx64 ")", start, size);
	return true;
}

static bool write_media(FILE *out, const struct fwg_cursor *n, uint8_t subtype)
{
	size_t body = n->size - NODE_HEADER;
	switch (subtype) {
	case 0x01:
		return write_hard_drive(out, n);
	case 0x02: /* CD-ROM: u32 boot entry, u64 start, u64 size */
		if (body < 20)
			return false;
		fprintf(out, "CDROM(0x%x,0x%" PRIx64 ",0x%" PRIx64 ")", fwg_cursor_u32le_or0(n, 4),
			fwg_cursor_u64le_or0(n, 8), fwg_cursor_u64le_or0(n, 16));
		return true;
	case 0x03:
		return write_vendor(out, n, "VenMedia");
	case 0x04: /* file path: UCS-2, NUL-terminated */
		write_ucs2(out, n, NODE_HEADER, body);
		return true;
	case 0x05: /* media protocol: GUID */
		if (body < 16)
			return false;
		fputs("Media(", out);
		write_guid(out, n, NODE_HEADER);
		fputc(')', out);
		return true;
	case 0x06: /* PIWG firmware file: GUID */
	case 0x07: /* PIWG firmware volume: GUID */
		if (body < 16)
			return false;
		fputs(subtype == 0x06 ? "FvFile(" : "Fv(", out);
		write_guid(out, n, NODE_HEADER);
		fputc(')', out);
		return true;
	case 0x08: /* PIWG relative offset range: u32 reserved, u64 start, u64 end */
		if (body < 20)
			return false;
		fprintf(out, "Offset(0x%" PRIx64 ",0x%" PRIx64 ")", fwg_cursor_u64le_or0(n, 8),
			fwg_cursor_u64le_or0(n, 16));
		return true;
	case 0x09: /* RAM disk: u64 start, u64 end, type GUID, u16 instance */
		if (body < 34)
			return false;
		fprintf(out, "RamDisk(0x%" PRIx64 ",0x%" PRIx64 ",%u,", fwg_cursor_u64le_or0(n, 4),
			fwg_cursor_u64le_or0(n, 12), fwg_cursor_u16le_or0(n, 36));
		write_guid(out, n, 20);
		fputc(')', out);
		return true;
	default:
		return false;
	}
}

/* ---- BIOS boot specification (type 5) ------------------------------------- */

static bool write_bbs(FILE *out, const struct fwg_cursor *n, uint8_t subtype)
{
	static const char *const types[] = { NULL, "Floppy", "HD", "CDROM", "PCMCIA", "USB",
		"Network" };
	if (subtype != 0x01 || n->size < NODE_HEADER + 4)
		return false;
	uint16_t type = fwg_cursor_u16le_or0(n, 4);
	fputs("BBS(", out);
	if (type < sizeof(types) / sizeof(types[0]) && types[type])
		fputs(types[type], out);
	else
		fprintf(out, "0x%x", type);
	fputs(",\"", out);
	write_ascii(out, n, 8, n->size - 8);
	fprintf(out, "\",0x%x)", fwg_cursor_u16le_or0(n, 6));
	return true;
}

static bool write_node(FILE *out, const struct fwg_cursor *n, uint8_t type, uint8_t subtype)
{
	switch (type) {
	case DP_HARDWARE: return write_hardware(out, n, subtype);
	case DP_ACPI: return write_acpi(out, n, subtype);
	case DP_MESSAGING: return write_messaging(out, n, subtype);
	case DP_MEDIA: return write_media(out, n, subtype);
	case DP_BBS: return write_bbs(out, n, subtype);
	default: return false;
	}
}

char *fwg_device_path_text(const uint8_t *path, size_t size)
{
	char *text = NULL;
	size_t text_size = 0;
	FILE *out = open_memstream(&text, &text_size);
	if (!out)
		return NULL;
	struct fwg_cursor c = fwg_cursor_make(path, size);
	size_t off = 0;
	bool separator = false; /* a node was written since the last ',' */
	for (unsigned count = 0; off < c.size; count++) {
		uint8_t type, subtype;
		uint16_t len;
		struct fwg_cursor node;
		if (count == MAX_NODES || (fflush(out) == 0 && text_size > MAX_TEXT)) {
			fputs(separator ? "/...<truncated>" : "...<truncated>", out);
			break;
		}
		if (fwg_cursor_u8_at(&c, off, &type) != FWG_OK ||
				fwg_cursor_u8_at(&c, off + 1, &subtype) != FWG_OK ||
				fwg_cursor_u16le_at(&c, off + 2, &len) != FWG_OK || len < NODE_HEADER ||
				fwg_cursor_sub(&c, off, len, &node) != FWG_OK) {
			fprintf(out, "%s...<malformed at offset %zu>", separator ? "/" : "", off);
			break;
		}
		off += len;
		if (type == DP_END) {
			if (subtype == END_INSTANCE) {
				fputc(',', out);
				separator = false;
				continue;
			}
			break; /* END_ENTIRE (or an unknown end): the path is complete */
		}
		if (separator)
			fputc('/', out);
		if (!write_node(out, &node, type, subtype))
			write_generic(out, &node, type, subtype);
		separator = true;
	}
	if (fclose(out) != 0) {
		free(text);
		return NULL;
	}
	return text;
}
