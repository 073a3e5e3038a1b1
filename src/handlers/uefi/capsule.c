/*
 * capsule.c - UEFI capsules: EFI_CAPSULE_HEADER (UEFI 2.10 section 8.5.3,
 * UpdateCapsule), FMP capsules (section 23.3, "Firmware Management Protocol
 * capsule"), the Windows UX capsule (section 23.4 / EDK2
 * EFI_DISPLAY_CAPSULE) and the AMI Aptio, Toshiba, Intel and Lenovo
 * variants UEFITool recognises.
 *
 * EFI_CAPSULE_HEADER, 28 bytes:
 *   0x00 CapsuleGuid  0x10 HeaderSize u32  0x14 Flags u32
 *   0x18 CapsuleImageSize u32 (header included)
 *   Flags bits 0..15 are GUID-specific; 0x10000 PERSIST_ACROSS_RESET,
 *   0x20000 POPULATE_SYSTEM_TABLE and 0x40000 INITIATE_RESET, the last
 *   two valid only together with the first.  The body runs from
 *   HeaderSize to CapsuleImageSize.  Toshiba capsules swap the fields:
 *   HeaderSize, FullSize, Flags.  Aptio capsules add RomImageOffset u16 and
 *   RomLayoutOffset u16 at 0x1c; the ROM image starts at RomImageOffset.
 *
 * FMP capsule body (CapsuleGuid 6dcbd5ed-e82d-4c44-bda1-7194199ad92a):
 *   EFI_FIRMWARE_MANAGEMENT_CAPSULE_HEADER
 *     0x00 Version u32 (1)  0x04 EmbeddedDriverCount u16
 *     0x06 PayloadItemCount u16  0x08 ItemOffsetList u64[drivers+payloads]
 *   Offsets count from this header.  Drivers (PE/COFF images) come first;
 *   a driver runs to the next item.  Each payload item is
 *   EFI_FIRMWARE_MANAGEMENT_CAPSULE_IMAGE_HEADER
 *     0x00 Version u32 (1..3)  0x04 UpdateImageTypeId GUID
 *     0x14 UpdateImageIndex u8  0x15 reserved[3]  0x18 UpdateImageSize u32
 *     0x1c UpdateVendorCodeSize u32  0x20 UpdateHardwareInstance u64 (v2+)
 *     0x28 ImageCapsuleSupport u64 (v3+); the header is 0x20/0x28/0x30
 *   followed by the image and then the vendor code bytes.
 *
 * Inside the image, in this order, all optional:
 *   EFI_FIRMWARE_IMAGE_AUTHENTICATION
 *     0x00 MonotonicCount u64  0x08 WIN_CERTIFICATE_UEFI_GUID:
 *     dwLength u32, wRevision u16 (0x0200), wCertificateType u16
 *     (0x0ef1 WIN_CERT_TYPE_EFI_GUID), CertType GUID (PKCS#7
 *     4aafd29d-68df-49ee-8aa9-347d375665a7), CertData; dwLength counts
 *     from the WIN_CERTIFICATE's first byte, so the rest starts at
 *     8 + dwLength;
 *   EFI_FIRMWARE_IMAGE_DEP (when ImageCapsuleSupport has DEPENDENCY):
 *     opcodes up to EFI_FMP_DEP_END (UEFI 2.10 section 23.4.3);
 *   FMP_PAYLOAD_HEADER of EDK2's FmpDxe: "MSS1", HeaderSize u32,
 *     FwVersion u32, LowestSupportedVersion u32;
 *   then the payload, probed (an FV, a flash image, ...).
 *
 * Windows UX capsule (3b8c8162-188c-46a4-aec9-be43f1d65697): after the
 *   header DISPLAY_DISPLAY_PAYLOAD {Version u8, Checksum u8, ImageType u8
 *   (0 = BMP), Reserved u8, Mode u32, OffsetX u32, OffsetY u32} and the
 *   image; all capsule bytes sum to zero modulo 256.
 *
 * Children (offsets relative to the capsule start): pe32 for embedded
 * drivers, fmp_image for payload items (guid = UpdateImageTypeId), the
 * probed payload (or a raw node: carved for volumes when it holds "_FVH",
 * opaque otherwise), padding for bytes past CapsuleImageSize.  fmp_image
 * nodes hold a certificate child for the signature, the payload and the
 * vendor code.
 *
 * Invariants: every field is read through the cursor; untrusted u32/u64
 * sizes are compared with the bytes remaining before any addition; at
 * most MAX_FMP_ITEMS items; loops advance by at least one byte.  The
 * signature is decoded (not verified) for reporting only.
 */
#include <limits.h>
#include <string.h>

#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "../../core/guid.h"
#include "../../core/handler.h"
#include "../../core/registry.h"
#include "pi.h"

#define CAPSULE_HEADER_SIZE 28u
#define CAPSULE_PROBE_MAX_HEADER 4096u
#define CAPSULE_FLAGS_PERSIST_ACROSS_RESET 0x00010000u
#define CAPSULE_FLAGS_POPULATE_SYSTEM_TABLE 0x00020000u
#define CAPSULE_FLAGS_INITIATE_RESET 0x00040000u
#define CAPSULE_FLAGS_DEFINED 0x0007ffffu

#define APTIO_HEADER_SIZE 32u
#define APTIO_OFF_ROM_IMAGE 0x1c
#define APTIO_OFF_ROM_LAYOUT 0x1e

#define FMP_HEADER_FIXED 8u
#define FMP_HEADER_VERSION 1u
#define MAX_FMP_ITEMS 256u
#define FMP_IMAGE_HEADER_V1 0x20u
#define FMP_IMAGE_HEADER_V2 0x28u
#define FMP_IMAGE_HEADER_V3 0x30u
#define FMP_IMAGE_MAX_VERSION 3u
#define CAPSULE_SUPPORT_AUTHENTICATION 0x1u
#define CAPSULE_SUPPORT_DEPENDENCY 0x2u

#define AUTH_OFF_CERT 8u        /* WIN_CERTIFICATE after MonotonicCount */
#define AUTH_MIN_SIZE 32u       /* MonotonicCount + WIN_CERTIFICATE_UEFI_GUID */
#define WIN_CERT_UEFI_GUID_HEADER 24u /* dwLength..CertType */
#define WIN_CERT_REVISION 0x0200u
#define WIN_CERT_TYPE_EFI_GUID 0x0ef1u

#define MAX_DEPEX_BYTES 4096u
#define FMP_DEP_PUSH_GUID 0x00
#define FMP_DEP_PUSH_VERSION 0x01
#define FMP_DEP_VERSION_STR 0x02
#define FMP_DEP_AND 0x03
#define FMP_DEP_LTE 0x0c
#define FMP_DEP_END 0x0d
#define FMP_DEP_DECLARE_LENGTH 0x0e

#define FMP_PAYLOAD_SIGNATURE "MSS1"
#define FMP_PAYLOAD_HEADER_MIN 16u

#define UX_PAYLOAD_SIZE 16u
#define UX_IMAGE_TYPE_BMP 0

#define MAX_NAME_TEXT 256

enum capsule_kind {
	KIND_UEFI,
	KIND_FMP,
	KIND_UX,
	KIND_APTIO_SIGNED,
	KIND_APTIO_UNSIGNED,
	KIND_TOSHIBA,
	KIND_INTEL,
	KIND_LENOVO,
};

struct kind_entry {
	uint8_t guid[16];
	enum capsule_kind kind;
	const char *name;
};

static const struct kind_entry known_kinds[] = {
	{ FWG_GUID_INIT(0x3b6686bd, 0x0d76, 0x4030, 0xb7, 0x0e, 0xb5, 0x51, 0x9e, 0x2f, 0xc5, 0xa0),
		KIND_UEFI, "uefi" },
	{ FWG_GUID_INIT(0x6dcbd5ed, 0xe82d, 0x4c44, 0xbd, 0xa1, 0x71, 0x94, 0x19, 0x9a, 0xd9, 0x2a),
		KIND_FMP, "fmp" },
	{ FWG_GUID_INIT(0x3b8c8162, 0x188c, 0x46a4, 0xae, 0xc9, 0xbe, 0x43, 0xf1, 0xd6, 0x56, 0x97),
		KIND_UX, "windows_ux" },
	{ FWG_GUID_INIT(0x4a3ca68b, 0x7723, 0x48fb, 0x80, 0x3d, 0x57, 0x8c, 0xc1, 0xfe, 0xc4, 0x4d),
		KIND_APTIO_SIGNED, "aptio_signed" },
	{ FWG_GUID_INIT(0x14eebb90, 0x890a, 0x43db, 0xae, 0xd1, 0x5d, 0x3c, 0x45, 0x88, 0xa4, 0x18),
		KIND_APTIO_UNSIGNED, "aptio_unsigned" },
	{ FWG_GUID_INIT(0x3be07062, 0x1d51, 0x45d2, 0x83, 0x2b, 0xf0, 0x93, 0x25, 0x7e, 0xd4, 0x61),
		KIND_TOSHIBA, "toshiba" },
	{ FWG_GUID_INIT(0x539182b9, 0xabb5, 0x4391, 0xb6, 0x9a, 0xe3, 0xa9, 0x43, 0xf7, 0x2f, 0xcc),
		KIND_INTEL, "intel" },
	{ FWG_GUID_INIT(0xe20bafd3, 0x9914, 0x4f4f, 0x95, 0x37, 0x31, 0x29, 0xe0, 0x90, 0xeb, 0x3c),
		KIND_LENOVO, "lenovo" },
	{ FWG_GUID_INIT(0x25b5fe76, 0x8243, 0x4a5c, 0xa9, 0xbd, 0x7e, 0xe3, 0x24, 0x61, 0x98, 0xb5),
		KIND_LENOVO, "lenovo" },
};

static const uint8_t guid_cert_pkcs7[16] =
	FWG_GUID_INIT(0x4aafd29d, 0x68df, 0x49ee, 0x8a, 0xa9, 0x34, 0x7d, 0x37, 0x56, 0x65, 0xa7);
static const uint8_t guid_cert_rsa2048_sha256[16] = GUID_RSA2048_SHA256;

struct capsule_header {
	uint8_t guid[16];
	uint32_t header_size;
	uint32_t flags;
	uint32_t image_size;
	const struct kind_entry *kind; /* NULL: unknown GUID */
};

static const struct kind_entry *find_kind(const uint8_t guid[16])
{
	for (size_t i = 0; i < sizeof(known_kinds) / sizeof(known_kinds[0]); i++)
		if (fwg_guid_eq(guid, known_kinds[i].guid))
			return &known_kinds[i];
	return NULL;
}

static bool read_header(const struct fwg_cursor *c, struct capsule_header *h)
{
	if (fwg_cursor_copy_at(c, 0, h->guid, 16) != FWG_OK)
		return false;
	h->kind = find_kind(h->guid);
	bool toshiba = h->kind && h->kind->kind == KIND_TOSHIBA;
	return fwg_cursor_u32le_at(c, 0x10, &h->header_size) == FWG_OK &&
		fwg_cursor_u32le_at(c, toshiba ? 0x18 : 0x14, &h->flags) == FWG_OK &&
		fwg_cursor_u32le_at(c, toshiba ? 0x14 : 0x18, &h->image_size) == FWG_OK;
}

static bool is_aptio(const struct capsule_header *h)
{
	return h->kind && (h->kind->kind == KIND_APTIO_SIGNED ||
		h->kind->kind == KIND_APTIO_UNSIGNED);
}

/*
 * Known GUID with consistent sizes (a truncated capsule still counts:
 * parse reports it), or any GUID whose sizes describe exactly this window.
 */
static int capsule_probe(const struct fwg_cursor *body)
{
	struct capsule_header h;
	if (!read_header(body, &h))
		return 0;
	if (is_aptio(&h)) {
		uint16_t rom;
		if (fwg_cursor_u16le_at(body, APTIO_OFF_ROM_IMAGE, &rom) != FWG_OK)
			return 0;
		return rom >= APTIO_HEADER_SIZE && rom <= body->size ? 80 : 0;
	}
	if (h.header_size < CAPSULE_HEADER_SIZE || h.header_size > h.image_size)
		return 0;
	if (h.kind)
		return 80;
	if (h.header_size <= CAPSULE_PROBE_MAX_HEADER && h.image_size == body->size &&
			(h.flags & ~CAPSULE_FLAGS_DEFINED) == 0)
		return 70;
	return 0;
}

static void attr_guid(struct fwg_node *node, const char *key, const uint8_t guid[16])
{
	char text[FWG_GUID_TEXT_LEN];
	fwg_guid_format(guid, text);
	fwg_node_attr_str(node, key, text);
}

/* FWG_LIMIT and FWG_TRUNCATED end the current step, FWG_NOMEM everything. */
static enum fwg_status soft(enum fwg_status st)
{
	return st == FWG_NOMEM ? FWG_NOMEM : FWG_OK;
}

static enum fwg_status add_leaf(struct fwg_unpack *u, struct fwg_node *parent, const char *type,
		size_t off, size_t size, const char *name, struct fwg_node **out)
{
	*out = NULL;
	if (size == 0)
		return FWG_OK;
	enum fwg_status st = fwg_unpack_add_child(u, parent, type, off, size, &fwg_handler_leaf, out);
	if (st != FWG_OK)
		return soft(st);
	fwg_node_set_name(*out, name);
	return FWG_OK;
}

/*
 * Adds [off, off+size) of parent's body as a payload: whatever the
 * registry recognises, else a raw node that is carved for volumes when it
 * holds an "_FVH" signature and kept opaque otherwise.
 */
static enum fwg_status add_payload(struct fwg_unpack *u, struct fwg_node *parent, size_t off,
		size_t size, const char *name)
{
	if (size == 0)
		return FWG_OK;
	struct fwg_node *child;
	enum fwg_status st = fwg_unpack_probe_child(u, parent, off, size, &child);
	if (st != FWG_OK)
		return soft(st);
	if (!child) {
		struct fwg_cursor body = fwg_node_body(parent), win;
		if (fwg_cursor_sub(&body, off, size, &win) != FWG_OK)
			return FWG_OK;
		bool has_fv = fwg_cursor_find(&win, 0, FV_SIGNATURE, 4) != SIZE_MAX;
		st = fwg_unpack_add_child(u, parent, FWG_TYPE_RAW, off, size,
			has_fv ? &fwg_handler_flash_area : &fwg_handler_leaf, &child);
		if (st != FWG_OK)
			return soft(st);
	}
	fwg_node_set_name(child, name);
	return FWG_OK;
}

/* ---- FMP payload items ---------------------------------------------- */

struct image_header {
	uint32_t version;
	size_t header_size;
	uint8_t type_id[16];
	uint8_t index;
	uint32_t image_size;
	uint32_t vendor_size;
	uint64_t hardware_instance;
	uint64_t capsule_support;
};

static size_t image_header_size(uint32_t version)
{
	switch (version) {
	case 1: return FMP_IMAGE_HEADER_V1;
	case 2: return FMP_IMAGE_HEADER_V2;
	case 3: return FMP_IMAGE_HEADER_V3;
	}
	return 0;
}

/* FWG_MALFORMED: unknown version; FWG_TRUNCATED: header past the window. */
static enum fwg_status read_image_header(const struct fwg_cursor *c, struct image_header *ih)
{
	memset(ih, 0, sizeof(*ih));
	if (fwg_cursor_u32le_at(c, 0, &ih->version) != FWG_OK)
		return FWG_TRUNCATED;
	ih->header_size = image_header_size(ih->version);
	if (ih->header_size == 0)
		return FWG_MALFORMED;
	if (!fwg_cursor_has(c, 0, ih->header_size) ||
			fwg_cursor_copy_at(c, 4, ih->type_id, 16) != FWG_OK ||
			fwg_cursor_u8_at(c, 0x14, &ih->index) != FWG_OK ||
			fwg_cursor_u32le_at(c, 0x18, &ih->image_size) != FWG_OK ||
			fwg_cursor_u32le_at(c, 0x1c, &ih->vendor_size) != FWG_OK)
		return FWG_TRUNCATED;
	if (ih->version >= 2 && fwg_cursor_u64le_at(c, 0x20, &ih->hardware_instance) != FWG_OK)
		return FWG_TRUNCATED;
	if (ih->version >= 3 && fwg_cursor_u64le_at(c, 0x28, &ih->capsule_support) != FWG_OK)
		return FWG_TRUNCATED;
	return FWG_OK;
}

/* Signer subject and issuer from a DER PKCS#7 SignedData, if it parses. */
static void describe_pkcs7(struct fwg_node *node, const uint8_t *der, size_t len)
{
	if (len > LONG_MAX)
		return;
	const unsigned char *p = der;
	PKCS7 *p7 = d2i_PKCS7(NULL, &p, (long)len);
	fwg_node_attr_bool(node, "pkcs7_parsed", p7 != NULL);
	if (!p7) {
		FWG_INFO(node, "capsule.pkcs7_parse", AUTH_MIN_SIZE,
			"certificate data is not a DER PKCS#7 ContentInfo (0x%zx bytes)", len);
		return;
	}
	if (PKCS7_type_is_signed(p7) && p7->d.sign) {
		STACK_OF(PKCS7_SIGNER_INFO) *infos = PKCS7_get_signer_info(p7);
		int n = infos ? sk_PKCS7_SIGNER_INFO_num(infos) : 0;
		fwg_node_attr_int(node, "pkcs7_signer_count", n > 0 ? (uint64_t)n : 0);
		fwg_node_attr_bool(node, "pkcs7_detached", PKCS7_get_detached(p7) != 0);
		PKCS7_SIGNER_INFO *si = n > 0 ? sk_PKCS7_SIGNER_INFO_value(infos, 0) : NULL;
		if (si && si->issuer_and_serial && si->issuer_and_serial->issuer) {
			char text[MAX_NAME_TEXT];
			if (X509_NAME_oneline(si->issuer_and_serial->issuer, text, sizeof(text)))
				fwg_node_attr_str(node, "signer_issuer", text);
			X509 *cert = X509_find_by_issuer_and_serial(p7->d.sign->cert,
				si->issuer_and_serial->issuer, si->issuer_and_serial->serial);
			X509_NAME *subject = cert ? X509_get_subject_name(cert) : NULL;
			if (subject && X509_NAME_oneline(subject, text, sizeof(text)))
				fwg_node_attr_str(node, "signer", text);
		}
	}
	PKCS7_free(p7);
}

static const char *cert_type_name(const uint8_t guid[16])
{
	if (fwg_guid_eq(guid, guid_cert_pkcs7))
		return "pkcs7";
	if (fwg_guid_eq(guid, guid_cert_rsa2048_sha256))
		return "rsa2048_sha256";
	return "unknown";
}

/*
 * EFI_FIRMWARE_IMAGE_AUTHENTICATION at off.  Returns the bytes it takes
 * (0: none, or malformed, in which case *malformed is set).
 */
static size_t parse_auth(struct fwg_unpack *u, struct fwg_node *node, const struct fwg_cursor *c,
		size_t off, size_t size, bool *malformed, enum fwg_status *st)
{
	uint64_t count;
	uint32_t length;
	uint16_t revision, cert_type;
	uint8_t type_guid[16];
	*malformed = false;
	*st = FWG_OK;
	if (size < AUTH_MIN_SIZE ||
			fwg_cursor_u64le_at(c, off, &count) != FWG_OK ||
			fwg_cursor_u32le_at(c, off + AUTH_OFF_CERT, &length) != FWG_OK ||
			fwg_cursor_u16le_at(c, off + AUTH_OFF_CERT + 4, &revision) != FWG_OK ||
			fwg_cursor_u16le_at(c, off + AUTH_OFF_CERT + 6, &cert_type) != FWG_OK ||
			fwg_cursor_copy_at(c, off + AUTH_OFF_CERT + 8, type_guid, 16) != FWG_OK)
		return 0;
	if (revision != WIN_CERT_REVISION || cert_type != WIN_CERT_TYPE_EFI_GUID)
		return 0;
	if (length < WIN_CERT_UEFI_GUID_HEADER || length > size - AUTH_OFF_CERT) {
		FWG_ERR(node, "capsule.auth_length", off + AUTH_OFF_CERT,
			"image authentication dwLength 0x%x is outside [0x%x, 0x%zx]", length,
			WIN_CERT_UEFI_GUID_HEADER, size - AUTH_OFF_CERT);
		*malformed = true;
		return 0;
	}
	const char *type = cert_type_name(type_guid);
	fwg_node_attr_int(node, "monotonic_count", count);
	fwg_node_attr_str(node, "cert_type", type);
	attr_guid(node, "cert_type_guid", type_guid);
	fwg_node_attr_hex(node, "auth_length", length);

	size_t data_off = off + AUTH_MIN_SIZE;
	size_t data_len = length - WIN_CERT_UEFI_GUID_HEADER;
	if (strcmp(type, "pkcs7") == 0) {
		fwg_node_attr_int(node, "pkcs7_size", data_len);
		const uint8_t *der;
		if (data_len && fwg_cursor_bytes_at(c, data_off, data_len, &der) == FWG_OK)
			describe_pkcs7(node, der, data_len);
	} else if (strcmp(type, "unknown") == 0) {
		FWG_WARN(node, "capsule.cert_type", off + AUTH_OFF_CERT + 8,
			"image authentication uses an unknown certificate type");
	}
	struct fwg_node *cert;
	*st = add_leaf(u, node, FWG_TYPE_CERT, data_off, data_len, type, &cert);
	if (cert)
		fwg_node_attr_str(cert, "format", type);
	return AUTH_OFF_CERT + (size_t)length;
}

/* EFI_FIRMWARE_IMAGE_DEP at off; returns its size, 0 when malformed. */
static size_t parse_depex(struct fwg_node *node, const struct fwg_cursor *c, size_t off,
		size_t size)
{
	size_t limit = size < MAX_DEPEX_BYTES ? size : MAX_DEPEX_BYTES;
	size_t pos = 0;
	unsigned ops = 0;
	while (pos < limit) {
		uint8_t op;
		if (fwg_cursor_u8_at(c, off + pos, &op) != FWG_OK)
			break;
		size_t step;
		if (op == FMP_DEP_PUSH_GUID) {
			step = 17;
		} else if (op == FMP_DEP_PUSH_VERSION || op == FMP_DEP_DECLARE_LENGTH) {
			step = 5;
		} else if (op == FMP_DEP_VERSION_STR) {
			/* A NUL-terminated string inside the limit. */
			step = 0;
			for (size_t i = pos + 1; i < limit; i++) {
				uint8_t ch;
				if (fwg_cursor_u8_at(c, off + i, &ch) != FWG_OK)
					break;
				if (ch == 0) {
					step = i + 1 - pos;
					break;
				}
			}
			if (step == 0)
				break;
		} else if (op >= FMP_DEP_AND && op <= FMP_DEP_LTE) {
			step = 1;
		} else if (op == FMP_DEP_END) {
			fwg_node_attr_int(node, "dependency_size", pos + 1);
			fwg_node_attr_int(node, "dependency_ops", ops + 1);
			return pos + 1;
		} else {
			FWG_ERR(node, "capsule.dependency", off + pos,
				"unknown dependency opcode 0x%02x", op);
			return 0;
		}
		if (step > limit - pos)
			break;
		pos += step;
		ops++;
	}
	FWG_ERR(node, "capsule.dependency", off,
		"dependency expression has no END opcode within 0x%zx bytes", limit);
	return 0;
}

/* EDK2 FMP_PAYLOAD_HEADER at off; returns its size (0: absent). */
static size_t parse_payload_header(struct fwg_node *node, const struct fwg_cursor *c, size_t off,
		size_t size)
{
	const uint8_t *sig;
	uint32_t hsize, version, lowest;
	if (size < FMP_PAYLOAD_HEADER_MIN ||
			fwg_cursor_bytes_at(c, off, 4, &sig) != FWG_OK ||
			memcmp(sig, FMP_PAYLOAD_SIGNATURE, 4) != 0 ||
			fwg_cursor_u32le_at(c, off + 4, &hsize) != FWG_OK ||
			fwg_cursor_u32le_at(c, off + 8, &version) != FWG_OK ||
			fwg_cursor_u32le_at(c, off + 12, &lowest) != FWG_OK)
		return 0;
	if (hsize < FMP_PAYLOAD_HEADER_MIN || hsize > size) {
		FWG_WARN(node, "capsule.payload_header", off + 4,
			"FMP payload header size 0x%x is outside [0x%x, 0x%zx]", hsize,
			FMP_PAYLOAD_HEADER_MIN, size);
		return 0;
	}
	fwg_node_attr_hex(node, "fw_version", version);
	fwg_node_attr_hex(node, "lowest_supported_version", lowest);
	return hsize;
}

/* Parses an fmp_image node: its header, authentication and payload. */
static enum fwg_status fmp_image_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	struct fwg_cursor c = fwg_node_body(node);
	struct image_header ih;
	enum fwg_status st = read_image_header(&c, &ih);
	if (st == FWG_MALFORMED) {
		FWG_ERR(node, "capsule.fmp_image_version", 0,
			"unsupported image header version %u", ih.version);
		return FWG_OK;
	}
	if (st != FWG_OK) {
		FWG_ERR(node, "capsule.fmp_image_header", 0,
			"image header truncated (0x%zx bytes available)", c.size);
		return FWG_OK;
	}
	fwg_node_set_guid(node, ih.type_id);
	fwg_node_attr_int(node, "version", ih.version);
	attr_guid(node, "update_image_type_id", ih.type_id);
	fwg_node_attr_int(node, "update_image_index", ih.index);
	fwg_node_attr_hex(node, "update_image_size", ih.image_size);
	fwg_node_attr_int(node, "vendor_code_size", ih.vendor_size);
	if (ih.version >= 2)
		fwg_node_attr_hex(node, "update_hardware_instance", ih.hardware_instance);
	if (ih.version >= 3)
		fwg_node_attr_hex(node, "image_capsule_support", ih.capsule_support);

	size_t img_off = ih.header_size;
	size_t avail = c.size - img_off;
	size_t img_size = ih.image_size;
	if (img_size > avail) {
		FWG_ERR(node, "capsule.fmp_image_size", 0x18,
			"update_image_size 0x%zx exceeds the 0x%zx bytes available", img_size, avail);
		img_size = avail;
	}
	size_t vendor_off = img_off + img_size;
	size_t vendor_size = ih.vendor_size;
	if (vendor_size > c.size - vendor_off) {
		FWG_ERR(node, "capsule.vendor_code_size", 0x1c,
			"update_vendor_code_size 0x%zx exceeds the 0x%zx bytes available",
			vendor_size, c.size - vendor_off);
		vendor_size = c.size - vendor_off;
	}

	bool malformed;
	size_t auth = parse_auth(u, node, &c, img_off, img_size, &malformed, &st);
	if (st != FWG_OK)
		return st;
	fwg_node_attr_bool(node, "authenticated", auth > 0);
	if (auth == 0 && !malformed && (ih.capsule_support & CAPSULE_SUPPORT_AUTHENTICATION))
		FWG_WARN(node, "capsule.auth_missing", img_off,
			"image_capsule_support announces authentication but the image has none");

	struct fwg_node *child;
	if (malformed) {
		st = add_leaf(u, node, FWG_TYPE_RAW, img_off, img_size, "image", &child);
	} else {
		size_t pos = img_off + auth, left = img_size - auth;
		if (ih.capsule_support & CAPSULE_SUPPORT_DEPENDENCY) {
			size_t dep = parse_depex(node, &c, pos, left);
			pos += dep;
			left -= dep;
		}
		size_t ph = parse_payload_header(node, &c, pos, left);
		pos += ph;
		left -= ph;
		st = add_payload(u, node, pos, left, "payload");
	}
	if (st != FWG_OK)
		return st;
	return add_leaf(u, node, FWG_TYPE_RAW, vendor_off, vendor_size, "vendor_code", &child);
}

static const struct fwg_handler fmp_image_handler = {
	.name = "fmp_image",
	.description = "FMP capsule payload item (EFI_FIRMWARE_MANAGEMENT_CAPSULE_IMAGE_HEADER)",
	.node_type = FWG_TYPE_FMP_IMAGE,
	.parse = fmp_image_parse,
};

/* ---- FMP capsule body ------------------------------------------------- */

struct fmp_items {
	size_t count, drivers;
	uint64_t off[MAX_FMP_ITEMS];
	bool valid[MAX_FMP_ITEMS];
};

/* End of item i: the nearest valid item offset above it, or the body end. */
static size_t item_end(const struct fmp_items *it, size_t i, size_t body_size)
{
	uint64_t end = body_size;
	for (size_t j = 0; j < it->count; j++)
		if (it->valid[j] && it->off[j] > it->off[i] && it->off[j] < end)
			end = it->off[j];
	return (size_t)end;
}

static void check_item_order(struct fwg_node *node, const struct fmp_items *it, size_t start)
{
	bool have_prev = false;
	uint64_t prev = 0;
	for (size_t i = 0; i < it->count; i++) {
		if (!it->valid[i])
			continue;
		if (have_prev && it->off[i] == prev)
			FWG_ERR(node, "capsule.item_overlap", start + FMP_HEADER_FIXED + 8 * i,
				"item %zu starts at the same offset 0x%llx as the previous item", i,
				(unsigned long long)prev);
		else if (have_prev && it->off[i] < prev)
			FWG_WARN(node, "capsule.item_order", start + FMP_HEADER_FIXED + 8 * i,
				"item %zu at offset 0x%llx is below the previous item's 0x%llx", i,
				(unsigned long long)it->off[i], (unsigned long long)prev);
		prev = it->off[i];
		have_prev = true;
	}
}

static enum fwg_status add_driver(struct fwg_unpack *u, struct fwg_node *node,
		const struct fwg_cursor *f, size_t start, size_t off, size_t size, size_t index)
{
	const uint8_t *mz;
	bool is_pe = fwg_cursor_bytes_at(f, off, 2, &mz) == FWG_OK && mz[0] == 'M' && mz[1] == 'Z';
	struct fwg_node *drv;
	enum fwg_status st = fwg_unpack_add_child(u, node, is_pe ? FWG_TYPE_PE32 : FWG_TYPE_RAW,
		start + off, size, is_pe ? &fwg_handler_pe : &fwg_handler_leaf, &drv);
	if (st != FWG_OK)
		return soft(st);
	fwg_node_set_name(drv, "embedded_driver");
	fwg_node_attr_int(drv, "item_index", index);
	if (!is_pe)
		FWG_WARN(drv, "capsule.driver_signature", 0,
			"embedded driver %zu does not start with an MZ header", index);
	return FWG_OK;
}

static enum fwg_status add_image_item(struct fwg_unpack *u, struct fwg_node *node,
		const struct fwg_cursor *f, size_t start, size_t off, size_t next, size_t index)
{
	/* The item's extent is what its header declares, within the body;
	 * running into the next item is reported, not cut. */
	struct fwg_cursor win;
	size_t size = next - off;
	if (fwg_cursor_sub(f, off, f->size - off, &win) != FWG_OK)
		return FWG_OK;
	struct image_header ih;
	if (read_image_header(&win, &ih) == FWG_OK) {
		uint64_t declared = (uint64_t)ih.header_size + ih.image_size + ih.vendor_size;
		size = declared < win.size ? (size_t)declared : win.size;
		if (off + size > next)
			FWG_WARN(node, "capsule.item_overlap", start + off,
				"payload item %zu (0x%llx bytes) runs into the next item at 0x%zx",
				index, (unsigned long long)declared, start + next);
		else if (off + size < next)
			FWG_INFO(node, "capsule.item_gap", start + off + size,
				"0x%zx unused bytes after payload item %zu", next - off - size, index);
	}
	struct fwg_node *item;
	enum fwg_status st = fwg_unpack_add_child(u, node, FWG_TYPE_FMP_IMAGE, start + off, size,
		&fmp_image_handler, &item);
	if (st != FWG_OK)
		return soft(st);
	fwg_node_attr_int(item, "item_index", index);
	return FWG_OK;
}

static enum fwg_status parse_fmp(struct fwg_unpack *u, struct fwg_node *node,
		const struct fwg_cursor *c, size_t start, size_t end)
{
	struct fwg_cursor f;
	uint32_t version;
	uint16_t drivers, payloads;
	if (fwg_cursor_sub(c, start, end - start, &f) != FWG_OK ||
			fwg_cursor_u32le_at(&f, 0, &version) != FWG_OK ||
			fwg_cursor_u16le_at(&f, 4, &drivers) != FWG_OK ||
			fwg_cursor_u16le_at(&f, 6, &payloads) != FWG_OK) {
		FWG_ERR(node, "capsule.fmp_header", start,
			"FMP capsule header truncated (0x%zx bytes)", end - start);
		return FWG_OK;
	}
	fwg_node_attr_int(node, "fmp_version", version);
	fwg_node_attr_int(node, "embedded_driver_count", drivers);
	fwg_node_attr_int(node, "payload_item_count", payloads);
	if (version != FMP_HEADER_VERSION)
		FWG_WARN(node, "capsule.fmp_version", start,
			"FMP capsule header version %u (expected %u)", version, FMP_HEADER_VERSION);

	struct fmp_items it = { .count = (size_t)drivers + payloads, .drivers = drivers };
	if (it.count > MAX_FMP_ITEMS) {
		FWG_ERR(node, "capsule.fmp_items", start + 4,
			"%zu items exceed the limit of %u, items not parsed", it.count, MAX_FMP_ITEMS);
		return FWG_OK;
	}
	if (it.count == 0) {
		FWG_WARN(node, "capsule.fmp_items", start + 4, "FMP capsule holds no items");
		return FWG_OK;
	}
	size_t list_end = FMP_HEADER_FIXED + 8 * it.count;
	if (list_end > f.size) {
		FWG_ERR(node, "capsule.fmp_header", start + FMP_HEADER_FIXED,
			"item offset list (%zu entries) runs past the capsule end", it.count);
		return FWG_OK;
	}
	for (size_t i = 0; i < it.count; i++) {
		it.valid[i] = fwg_cursor_u64le_at(&f, FMP_HEADER_FIXED + 8 * i, &it.off[i]) == FWG_OK &&
			it.off[i] >= list_end && it.off[i] < f.size;
		if (!it.valid[i])
			FWG_ERR(node, "capsule.item_offset", start + FMP_HEADER_FIXED + 8 * i,
				"item %zu offset 0x%llx is outside the FMP body [0x%zx, 0x%zx)", i,
				(unsigned long long)it.off[i], list_end, f.size);
	}
	check_item_order(node, &it, start);

	for (size_t i = 0; i < it.count; i++) {
		if (!it.valid[i])
			continue;
		size_t off = (size_t)it.off[i];
		size_t next = item_end(&it, i, f.size);
		enum fwg_status st = i < it.drivers
			? add_driver(u, node, &f, start, off, next - off, i)
			: add_image_item(u, node, &f, start, off, next, i - it.drivers);
		if (st != FWG_OK)
			return st;
	}
	return FWG_OK;
}

/* ---- other capsule bodies --------------------------------------------- */

static enum fwg_status parse_ux(struct fwg_unpack *u, struct fwg_node *node,
		const struct fwg_cursor *c, size_t start, size_t end)
{
	uint8_t version, image_type;
	uint32_t mode, x, y;
	if (end - start < UX_PAYLOAD_SIZE ||
			fwg_cursor_u8_at(c, start, &version) != FWG_OK ||
			fwg_cursor_u8_at(c, start + 2, &image_type) != FWG_OK ||
			fwg_cursor_u32le_at(c, start + 4, &mode) != FWG_OK ||
			fwg_cursor_u32le_at(c, start + 8, &x) != FWG_OK ||
			fwg_cursor_u32le_at(c, start + 12, &y) != FWG_OK) {
		FWG_ERR(node, "capsule.ux_header", start, "display payload header truncated");
		return FWG_OK;
	}
	fwg_node_attr_int(node, "ux_version", version);
	if (image_type == UX_IMAGE_TYPE_BMP)
		fwg_node_attr_str(node, "ux_image_type", "bmp");
	else
		fwg_node_attr_int(node, "ux_image_type", image_type);
	fwg_node_attr_int(node, "ux_mode", mode);
	fwg_node_attr_int(node, "ux_offset_x", x);
	fwg_node_attr_int(node, "ux_offset_y", y);
	uint8_t sum;
	if (fwg_cursor_sum8(c, 0, end, &sum) == FWG_OK) {
		fwg_node_attr_bool(node, "checksum_ok", sum == 0);
		if (sum != 0)
			FWG_WARN(node, "capsule.ux_checksum", start + 1,
				"display capsule bytes sum to 0x%02x instead of zero", sum);
	}
	struct fwg_node *img;
	return add_leaf(u, node, FWG_TYPE_RAW, start + UX_PAYLOAD_SIZE,
		end - start - UX_PAYLOAD_SIZE, image_type == UX_IMAGE_TYPE_BMP ? "bmp" : "image", &img);
}

static enum fwg_status parse_aptio(struct fwg_unpack *u, struct fwg_node *node,
		const struct fwg_cursor *c, size_t end)
{
	uint16_t rom, layout;
	if (fwg_cursor_u16le_at(c, APTIO_OFF_ROM_IMAGE, &rom) != FWG_OK ||
			fwg_cursor_u16le_at(c, APTIO_OFF_ROM_LAYOUT, &layout) != FWG_OK ||
			rom < APTIO_HEADER_SIZE || rom > end) {
		FWG_ERR(node, "capsule.aptio_header", APTIO_OFF_ROM_IMAGE,
			"Aptio rom_image_offset is missing or outside [0x%x, 0x%zx]",
			APTIO_HEADER_SIZE, end);
		return FWG_OK;
	}
	fwg_node_attr_hex(node, "rom_image_offset", rom);
	fwg_node_attr_hex(node, "rom_layout_offset", layout);
	return add_payload(u, node, rom, end - rom, "rom_image");
}

static void describe_flags(struct fwg_node *node, uint32_t flags)
{
	bool persist = flags & CAPSULE_FLAGS_PERSIST_ACROSS_RESET;
	fwg_node_attr_hex(node, "flags", flags);
	fwg_node_attr_bool(node, "persist_across_reset", persist);
	fwg_node_attr_bool(node, "populate_system_table",
		flags & CAPSULE_FLAGS_POPULATE_SYSTEM_TABLE);
	fwg_node_attr_bool(node, "initiate_reset", flags & CAPSULE_FLAGS_INITIATE_RESET);
	if (!persist && (flags & (CAPSULE_FLAGS_POPULATE_SYSTEM_TABLE |
			CAPSULE_FLAGS_INITIATE_RESET)))
		FWG_WARN(node, "capsule.flags", 0x14,
			"flags 0x%08x set POPULATE_SYSTEM_TABLE or INITIATE_RESET without "
			"PERSIST_ACROSS_RESET", flags);
	if (flags & ~CAPSULE_FLAGS_DEFINED)
		FWG_INFO(node, "capsule.flags_reserved", 0x14,
			"flags 0x%08x set reserved bits", flags);
}

static enum fwg_status capsule_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	struct fwg_cursor c = fwg_node_body(node);
	struct capsule_header h;
	if (!read_header(&c, &h)) {
		FWG_ERR(node, "capsule.header", 0, "capsule header truncated (0x%zx bytes)", c.size);
		return FWG_OK;
	}
	fwg_node_set_guid(node, h.guid);
	fwg_node_set_name(node, h.kind ? h.kind->name : "unknown");
	fwg_node_attr_str(node, "capsule_type", h.kind ? h.kind->name : "unknown");
	attr_guid(node, "capsule_guid", h.guid);
	fwg_node_attr_hex(node, "header_size", h.header_size);
	fwg_node_attr_hex(node, "capsule_image_size", h.image_size);
	describe_flags(node, h.flags);

	size_t end = c.size;
	if (h.image_size > c.size) {
		FWG_ERR(node, "capsule.truncated", 0x18,
			"capsule_image_size 0x%x exceeds the 0x%zx bytes available",
			h.image_size, c.size);
	} else if (h.image_size < CAPSULE_HEADER_SIZE || h.image_size < h.header_size) {
		FWG_ERR(node, "capsule.image_size", 0x18,
			"capsule_image_size 0x%x is smaller than the header (0x%x)",
			h.image_size, h.header_size);
	} else {
		end = h.image_size;
	}
	fwg_node_attr_bool(node, "truncated", h.image_size > c.size);

	enum fwg_status st = FWG_OK;
	if (is_aptio(&h)) {
		st = parse_aptio(u, node, &c, end);
	} else if (h.header_size < CAPSULE_HEADER_SIZE || h.header_size > end) {
		FWG_ERR(node, "capsule.header_size", 0x10,
			"header_size 0x%x is outside [0x%x, 0x%zx]", h.header_size,
			CAPSULE_HEADER_SIZE, end);
	} else if (h.kind && h.kind->kind == KIND_FMP) {
		st = parse_fmp(u, node, &c, h.header_size, end);
	} else if (h.kind && h.kind->kind == KIND_UX) {
		st = parse_ux(u, node, &c, h.header_size, end);
	} else {
		st = add_payload(u, node, h.header_size, end - h.header_size, "payload");
	}
	if (st != FWG_OK || end == c.size)
		return st;
	struct fwg_node *pad;
	st = add_leaf(u, node, FWG_TYPE_PADDING, end, c.size - end, "trailing_data", &pad);
	if (pad)
		FWG_WARN(pad, "capsule.trailing_data", 0,
			"0x%zx bytes after capsule_image_size 0x%zx", c.size - end, end);
	return st;
}

const struct fwg_handler fwg_handler_capsule = {
	.name = "capsule",
	.description = "UEFI capsule (EFI_CAPSULE_HEADER, FMP, Windows UX, vendor variants)",
	.node_type = FWG_TYPE_CAPSULE,
	.probe = capsule_probe,
	.parse = capsule_parse,
};
