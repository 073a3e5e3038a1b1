/*
 * nvram.c - EDK2 NVRAM areas: VSS variable stores, their variables and the
 * fault-tolerant-write (FTW) working block (UEFI 2.10 section 8.2, PI vol. 3,
 * EDK2 MdeModulePkg/Include/Guid/VariableFormat.h and
 * Guid/SystemNvDataGuid.h, FaultTolerantWriteDxe).
 *
 * An NVRAM *area* is the body of an NV-data firmware volume (FileSystemGuid
 * EFI_SYSTEM_NV_DATA_FV_GUID, after its header) or a bare window the probe
 * recognised.  It holds, in order, variable stores, the FTW working block
 * and the FTW spare area; everything else must be erased (0xff):
 *
 *   VARIABLE_STORE_HEADER (28 bytes)
 *     0x00 Signature GUID   gEfiVariableGuid (normal variable headers) or
 *                           gEfiAuthenticatedVariableGuid (auth headers)
 *     0x10 Size u32         whole store, header included
 *     0x14 Format u8        0x5a = formatted
 *     0x15 State u8         0xfe = healthy
 *     0x16 Reserved u16, 0x18 Reserved1 u32
 *
 *   VARIABLE_HEADER (32 bytes)        AUTHENTICATED_VARIABLE_HEADER (60)
 *     0x00 StartId u16 = 0x55aa         0x00 StartId u16 = 0x55aa
 *     0x02 State u8, 0x03 Reserved      0x02 State u8, 0x03 Reserved
 *     0x04 Attributes u32               0x04 Attributes u32
 *     0x08 NameSize u32                 0x08 MonotonicCount u64
 *     0x0c DataSize u32                 0x10 TimeStamp EFI_TIME (16)
 *     0x10 VendorGuid                   0x20 PubKeyIndex u32
 *                                       0x24 NameSize u32, 0x28 DataSize u32
 *                                       0x2c VendorGuid
 *   then the UCS-2 name (NameSize bytes) and the data (DataSize bytes); the
 *   next header starts at the 4-byte aligned end (HEADER_ALIGN).  The first
 *   StartId that is not 0x55aa ends the variables: the rest of the store is
 *   free space (erased) or, if not erased, padding flagged as an anomaly.
 *
 *   EFI_FAULT_TOLERANT_WORKING_BLOCK_HEADER (32 bytes)
 *     0x00 Signature GUID   gEdkiiWorkingBlockSignatureGuid (older EDK2:
 *                           gEfiSystemNvDataFvGuid)
 *     0x10 Crc u32          CRC-32 of the 32-byte header taken with Crc and
 *                           bytes 0x14..0x17 (state bits + reserved) all
 *                           0xff (FtwMisc.c/UpdateWorkingBlock.c:
 *                           InitializeLocalWorkSpaceHeader)
 *     0x14 WorkingBlockValid:1, WorkingBlockInvalid:1 (erase polarity 1:
 *          a cleared bit is set), Reserved:6, Reserved[3]
 *     0x18 WriteQueueSize u64  bytes of write records after the header
 *
 * Variable states are flash bits cleared one by one: VAR_HEADER_VALID_ONLY
 * 0x7f, VAR_ADDED 0x3f, VAR_IN_DELETED_TRANSITION 0xfe, VAR_DELETED 0xfd.
 * A variable is live when its state is VAR_ADDED, or VAR_ADDED &
 * VAR_IN_DELETED_TRANSITION.  Deleted variables are listed too: they are
 * what forensics looks for.
 *
 * Whatever follows the FTW working block is its spare area, which keeps
 * stale copies of blocks being written: stores found there are listed
 * with ftw_spare=true and data there is reported as information, not as
 * an anomaly.  Elsewhere non-erased unclaimed bytes are an anomaly.  A copy
 * of the NV volume header inside the area is kept as padding.
 *
 * Children: nvram_store (parsed in place by this handler), ftw_block,
 * free_space and padding in the area; nvram_var in a store, whose body is
 * the variable data.  Secure Boot variables (PK, KEK, db, dbx, dbt, dbr,
 * their *Default copies, shim's MokList*) get one signature_list child per
 * EFI_SIGNATURE_LIST in their data, parsed by the siglist handler: this file
 * frames the lists by SignatureListSize, siglist.c validates their insides.
 *
 * Invariants: every loop advances by at least a header; every size read
 * from the input is checked against the bytes left before it is used; a
 * malformed structure becomes a diagnostic and parsing goes on with what
 * follows when its end is known.
 */
#include <stdlib.h>
#include <string.h>

#include "../../codecs/codecs.h"
#include "../../core/handler.h"
#include "../../core/registry.h"
#include "../../core/text.h"
#include "pi.h"

#define STORE_HEADER_SIZE 28
#define STORE_OFF_SIZE 0x10
#define STORE_OFF_FORMAT 0x14
#define STORE_OFF_STATE 0x15
#define STORE_FORMATTED 0x5a
#define STORE_HEALTHY 0xfe

#define VAR_START_ID 0x55aa
#define VAR_HEADER_SIZE 32
#define AUTH_VAR_HEADER_SIZE 60
#define VAR_ALIGN 4

#define VAR_IN_DELETED_TRANSITION 0xfe
#define VAR_DELETED 0xfd
#define VAR_HEADER_VALID_ONLY 0x7f
#define VAR_ADDED 0x3f
/* The bit each transition clears. */
#define VAR_BIT_HEADER_VALID 0x80
#define VAR_BIT_ADDED 0x40
#define VAR_BIT_DELETED 0x02
#define VAR_BIT_IN_DELETED_TRANSITION 0x01

#define FTW_HEADER_SIZE 32
#define FTW_OFF_CRC 0x10
#define FTW_OFF_STATE 0x14
#define FTW_OFF_QUEUE_SIZE 0x18
#define FTW_STATE_VALID_BIT 0x01   /* cleared: working block valid */
#define FTW_STATE_INVALID_BIT 0x02 /* cleared: working block invalidated */

#define SIGLIST_HEADER_SIZE 28
#define SIGLIST_OFF_SIZE 0x10

#define ERASED 0xff
#define AREA_ALIGN 4
#define MAX_VAR_NAME_BYTES 0x10000 /* names are bounded by the store anyway */

static const uint8_t guid_vss[16] =
	FWG_GUID_INIT(0xddcf3616, 0x3275, 0x4164, 0x98, 0xb6, 0xfe, 0x85, 0x70, 0x7f, 0xfe, 0x7d);
static const uint8_t guid_vss_auth[16] =
	FWG_GUID_INIT(0xaaf32c78, 0x947b, 0x439a, 0xa1, 0x80, 0x2e, 0x14, 0x4e, 0xc3, 0x77, 0x92);
static const uint8_t guid_ftw[16] =
	FWG_GUID_INIT(0x9e58292b, 0x7c68, 0x497d, 0xa0, 0xce, 0x65, 0x00, 0xfd, 0x9f, 0x1b, 0x95);
static const uint8_t guid_nv_fv[16] = GUID_NV_DATA_FV;
static const uint8_t guid_global[16] =
	FWG_GUID_INIT(0x8be4df61, 0x93ca, 0x11d2, 0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c);
static const uint8_t guid_image_security_db[16] =
	FWG_GUID_INIT(0xd719b2cb, 0x3d3a, 0x4596, 0xa3, 0xbc, 0xda, 0xd0, 0x0e, 0x67, 0x65, 0x6f);
static const uint8_t guid_shim_lock[16] =
	FWG_GUID_INIT(0x605dab50, 0xe046, 0x4300, 0xab, 0xb6, 0x3d, 0xd8, 0x10, 0xdd, 0x8b, 0x23);

/* ---- variable stores ---------------------------------------------------- */

struct store_header {
	bool auth;
	uint32_t size;
	uint8_t format;
	uint8_t state;
};

/* Store header at off: signature and a size that can hold the header. */
static bool read_store_header(const struct fwg_cursor *c, size_t off, struct store_header *h)
{
	const uint8_t *sig;
	if (fwg_cursor_bytes_at(c, off, 16, &sig) != FWG_OK)
		return false;
	if (fwg_guid_eq(sig, guid_vss))
		h->auth = false;
	else if (fwg_guid_eq(sig, guid_vss_auth))
		h->auth = true;
	else
		return false;
	if (fwg_cursor_u32le_at(c, off + STORE_OFF_SIZE, &h->size) != FWG_OK ||
			fwg_cursor_u8_at(c, off + STORE_OFF_FORMAT, &h->format) != FWG_OK ||
			fwg_cursor_u8_at(c, off + STORE_OFF_STATE, &h->state) != FWG_OK)
		return false;
	return h->size >= STORE_HEADER_SIZE;
}

static int nvram_probe(const struct fwg_cursor *body)
{
	struct store_header h;
	if (!read_store_header(body, 0, &h) || h.size > body->size)
		return 0;
	return h.format == STORE_FORMATTED && h.state == STORE_HEALTHY ? 80 : 50;
}

/* Adds [off, end) as free space when erased; otherwise the erased prefix is
 * free space and the rest padding, flagged as an anomaly unless it lies in
 * the FTW spare area, where stale copies of written blocks are expected. */
static enum fwg_status add_unclaimed(struct fwg_unpack *u, struct fwg_node *node,
		const struct fwg_cursor *c, size_t off, size_t end, bool spare)
{
	if (off >= end)
		return FWG_OK;
	size_t dirty = fwg_cursor_first_not(c, off, end - off, ERASED);
	struct fwg_node *child;
	enum fwg_status st;
	if (dirty > off) {
		st = fwg_unpack_add_child(u, node, FWG_TYPE_FREE_SPACE, off, dirty - off,
			&fwg_handler_leaf, &child);
		if (st != FWG_OK)
			return st;
	}
	if (dirty < end) {
		st = fwg_unpack_add_child(u, node, FWG_TYPE_PADDING, dirty, end - dirty,
			&fwg_handler_leaf, &child);
		if (st != FWG_OK)
			return st;
		fwg_node_attr_bool(child, "non_erased", true);
		if (spare) {
			fwg_node_attr_bool(child, "ftw_spare", true);
			FWG_INFO(child, "nvram.spare_data", 0,
				"0x%zx bytes of data in the ftw spare area at offset 0x%zx", end - dirty,
				dirty);
		} else {
			FWG_WARN(child, "nvram.unclaimed_data", 0,
				"0x%zx bytes of non-erased data in free space at offset 0x%zx",
				end - dirty, dirty);
		}
	}
	return FWG_OK;
}

static void format_attributes(uint32_t a, char *out, size_t size)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {
		{ 0x01, "NV" }, { 0x02, "BS" }, { 0x04, "RT" }, { 0x08, "HR" },
		{ 0x10, "AW" }, { 0x20, "TA" }, { 0x40, "AP" },
	};
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(a & names[i].bit))
			continue;
		int n = snprintf(out + o, size - o, "%s%s", o ? "+" : "", names[i].name);
		if (n < 0 || (size_t)n >= size - o)
			return;
		o += (size_t)n;
	}
	if (a & ~0x7fu) {
		int n = snprintf(out + o, size - o, "%s0x%x", o ? "+" : "", a & ~0x7fu);
		(void)n; /* truncation only shortens the text */
	}
}

/* State name; live: the variable is (a candidate for) the current value. */
static const char *state_name(uint8_t s, bool *live)
{
	*live = s == VAR_ADDED || s == (VAR_ADDED & VAR_IN_DELETED_TRANSITION);
	/* The most advanced cleared bit wins. */
	if (!(s & VAR_BIT_DELETED))
		return "deleted";
	if (!(s & VAR_BIT_ADDED))
		return (s & VAR_BIT_IN_DELETED_TRANSITION) ? "added" : "in_deleted_transition";
	if (!(s & VAR_BIT_HEADER_VALID))
		return "header_valid_only";
	return "invalid";
}

static bool is_signature_db_var(const uint8_t guid[16], const char *name)
{
	static const char *const global_names[] = {
		"PK", "KEK", "PKDefault", "KEKDefault", "dbDefault", "dbxDefault",
		"dbtDefault", "dbrDefault",
	};
	static const char *const db_names[] = { "db", "dbx", "dbt", "dbr" };
	static const char *const shim_names[] = { "MokList", "MokListX", "MokListRT",
		"MokListXRT" };
	if (!name)
		return false;
	if (fwg_guid_eq(guid, guid_global)) {
		for (size_t i = 0; i < sizeof(global_names) / sizeof(global_names[0]); i++)
			if (strcmp(name, global_names[i]) == 0)
				return true;
	} else if (fwg_guid_eq(guid, guid_image_security_db)) {
		for (size_t i = 0; i < sizeof(db_names) / sizeof(db_names[0]); i++)
			if (strcmp(name, db_names[i]) == 0)
				return true;
	} else if (fwg_guid_eq(guid, guid_shim_lock)) {
		for (size_t i = 0; i < sizeof(shim_names) / sizeof(shim_names[0]); i++)
			if (strcmp(name, shim_names[i]) == 0)
				return true;
	}
	return false;
}

/* Frames the EFI_SIGNATURE_LISTs in a variable's body, one child each. */
static enum fwg_status add_signature_lists(struct fwg_unpack *u, struct fwg_node *var)
{
	struct fwg_cursor c = fwg_node_body(var);
	size_t off = 0;
	unsigned lists = 0;
	while (off < c.size) {
		size_t left = c.size - off;
		uint32_t list_size = 0;
		bool framed = left >= SIGLIST_HEADER_SIZE &&
			fwg_cursor_u32le_at(&c, off + SIGLIST_OFF_SIZE, &list_size) == FWG_OK &&
			list_size >= SIGLIST_HEADER_SIZE && list_size <= left;
		/* A list whose size cannot be trusted still gets a child over
		 * the rest so the siglist handler reports what is wrong. */
		size_t size = framed ? list_size : left;
		struct fwg_node *child;
		enum fwg_status st = fwg_unpack_add_child(u, var, FWG_TYPE_SIGLIST, off, size,
			&fwg_handler_siglist, &child);
		if (st != FWG_OK)
			return st == FWG_NOMEM ? st : FWG_OK;
		lists++;
		if (!framed) {
			FWG_ERR(var, "nvram.siglist_framing", var->body_offset + off,
				"signature list at data offset 0x%zx has signature_list_size 0x%x "
				"but 0x%zx bytes are left", off, list_size, left);
			break;
		}
		off += size;
	}
	fwg_node_attr_int(var, "signature_lists", lists);
	return FWG_OK;
}

static void attr_efi_time(struct fwg_node *node, const char *key, const struct fwg_cursor *c,
		size_t off)
{
	uint16_t year;
	uint8_t month, day, hour, minute, second;
	uint16_t tz;
	if (fwg_cursor_u16le_at(c, off, &year) != FWG_OK ||
			fwg_cursor_u8_at(c, off + 2, &month) != FWG_OK ||
			fwg_cursor_u8_at(c, off + 3, &day) != FWG_OK ||
			fwg_cursor_u8_at(c, off + 4, &hour) != FWG_OK ||
			fwg_cursor_u8_at(c, off + 5, &minute) != FWG_OK ||
			fwg_cursor_u8_at(c, off + 6, &second) != FWG_OK ||
			fwg_cursor_u16le_at(c, off + 12, &tz) != FWG_OK)
		return;
	/* Authenticated variables must carry UTC (TimeZone 0); anything
	 * else is kept raw rather than guessing the sign convention. */
	fwg_node_attr_strf(node, key, "%04u-%02u-%02uT%02u:%02u:%02u%s", year, month, day, hour,
		minute, second, tz == 0 ? "Z" : "");
	if (tz != 0)
		fwg_node_attr_hex(node, "timestamp_timezone", tz);
}

struct var_header {
	uint8_t state;
	uint32_t attributes;
	uint32_t name_size;
	uint32_t data_size;
	uint8_t guid[16];
	size_t header_size;
};

FWG_NODISCARD static enum fwg_status read_var_header(const struct fwg_cursor *c, size_t off, bool auth,
		struct var_header *v)
{
	size_t o_name = auth ? 0x24 : 0x08, o_data = auth ? 0x28 : 0x0c;
	size_t o_guid = auth ? 0x2c : 0x10;
	v->header_size = auth ? AUTH_VAR_HEADER_SIZE : VAR_HEADER_SIZE;
	if (!fwg_cursor_has(c, off, v->header_size) ||
			fwg_cursor_u8_at(c, off + 2, &v->state) != FWG_OK ||
			fwg_cursor_u32le_at(c, off + 4, &v->attributes) != FWG_OK ||
			fwg_cursor_u32le_at(c, off + o_name, &v->name_size) != FWG_OK ||
			fwg_cursor_u32le_at(c, off + o_data, &v->data_size) != FWG_OK ||
			fwg_cursor_copy_at(c, off + o_guid, v->guid, 16) != FWG_OK)
		return FWG_TRUNCATED;
	return FWG_OK;
}

/* Names, decodes and annotates one variable node (window = header+name+data). */
static enum fwg_status describe_var(struct fwg_unpack *u, struct fwg_node *var,
		const struct var_header *v, bool auth, bool *live)
{
	struct fwg_cursor c = fwg_node_body(var);
	fwg_node_set_guid(var, v->guid);
	char *name = NULL;
	if (v->name_size) {
		size_t consumed;
		bool terminated;
		size_t max = v->name_size < MAX_VAR_NAME_BYTES ? v->name_size : MAX_VAR_NAME_BYTES;
		enum fwg_status st = fwg_text_ucs2(&c, v->header_size, max, &name, &consumed,
			&terminated);
		if (st == FWG_NOMEM)
			return st;
		if (st == FWG_OK && (!terminated || consumed != v->name_size || (v->name_size & 1)))
			FWG_WARN(var, "nvram.var_name", v->header_size,
				"name_size 0x%x does not match the NUL-terminated name (0x%zx bytes)",
				v->name_size, consumed);
		if (name && name[0])
			fwg_node_set_name(var, name);
	} else {
		FWG_WARN(var, "nvram.var_name", v->header_size, "variable has name_size 0");
	}
	char text[64];
	fwg_node_attr_str(var, "format", auth ? "auth" : "normal");
	fwg_node_attr_hex(var, "attributes", v->attributes);
	format_attributes(v->attributes, text, sizeof(text));
	fwg_node_attr_str(var, "attributes_text", text);
	fwg_node_attr_str(var, "state", state_name(v->state, live));
	fwg_node_attr_hex(var, "state_raw", v->state);
	fwg_node_attr_bool(var, "live", *live);
	fwg_node_attr_int(var, "name_size", v->name_size);
	fwg_node_attr_int(var, "data_size", v->data_size);
	if (auth) {
		uint64_t count;
		uint32_t key_index;
		if (fwg_cursor_u64le_at(&c, 0x08, &count) == FWG_OK)
			fwg_node_attr_int(var, "monotonic_count", count);
		attr_efi_time(var, "timestamp", &c, 0x10);
		if (fwg_cursor_u32le_at(&c, 0x20, &key_index) == FWG_OK)
			fwg_node_attr_int(var, "pubkey_index", key_index);
	}
	enum fwg_status st = FWG_OK;
	/* The variable data becomes the body: children live there. */
	if (fwg_unpack_set_body(var, v->header_size + (size_t)v->name_size, v->data_size) == FWG_OK &&
			v->data_size && is_signature_db_var(v->guid, name))
		st = add_signature_lists(u, var);
	free(name);
	return st;
}

/* Variables of the store occupying the whole of node's body. */
static enum fwg_status parse_store(struct fwg_unpack *u, struct fwg_node *node,
		const struct store_header *h)
{
	struct fwg_cursor c = fwg_node_body(node);
	fwg_node_attr_str(node, "format", h->auth ? "vss_auth" : "vss");
	fwg_node_attr_hex(node, "store_size", h->size);
	fwg_node_attr_hex(node, "store_format", h->format);
	fwg_node_attr_hex(node, "store_state", h->state);
	fwg_node_attr_bool(node, "healthy", h->format == STORE_FORMATTED && h->state == STORE_HEALTHY);
	if (!node->name)
		fwg_node_set_name(node, h->auth ? "VSS store (auth)" : "VSS store");
	if (h->format != STORE_FORMATTED)
		FWG_WARN(node, "nvram.store_format", STORE_OFF_FORMAT,
			"store format 0x%02x is not formatted (0x5a)", h->format);
	if (h->state != STORE_HEALTHY)
		FWG_WARN(node, "nvram.store_state", STORE_OFF_STATE,
			"store state 0x%02x is not healthy (0xfe)", h->state);
	size_t end = c.size;
	if (h->size < end)
		end = h->size;
	if (h->size > c.size)
		FWG_ERR(node, "nvram.store_size", STORE_OFF_SIZE,
			"store size 0x%x exceeds the 0x%zx bytes available", h->size, c.size);
	size_t off = STORE_HEADER_SIZE;
	size_t hdr = h->auth ? AUTH_VAR_HEADER_SIZE : VAR_HEADER_SIZE;
	uint64_t vars = 0, live_count = 0;
	enum fwg_status st = FWG_OK;
	while (off < end) {
		size_t left = end - off;
		uint16_t start_id = 0;
		if (left < hdr || fwg_cursor_u16le_at(&c, off, &start_id) != FWG_OK ||
				start_id != VAR_START_ID) {
			st = add_unclaimed(u, node, &c, off, end, false);
			break;
		}
		struct var_header v;
		if (read_var_header(&c, off, h->auth, &v) != FWG_OK) { /* left >= hdr: not reached */
			st = add_unclaimed(u, node, &c, off, end, false);
			break;
		}
		size_t total;
		if (fwg_add_overflows(hdr, v.name_size, &total) ||
				fwg_add_overflows(total, v.data_size, &total) || total > left) {
			FWG_ERR(node, "nvram.var_size", off,
				"variable at 0x%zx with name_size 0x%x and data_size 0x%x runs past the "
				"store end (0x%zx bytes left)", off, v.name_size, v.data_size, left);
			struct fwg_node *pad;
			st = fwg_unpack_add_child(u, node, FWG_TYPE_PADDING, off, left,
				&fwg_handler_leaf, &pad);
			if (st == FWG_OK)
				fwg_node_attr_bool(pad, "non_erased", true);
			break;
		}
		struct fwg_node *var;
		st = fwg_unpack_add_child(u, node, FWG_TYPE_NVRAM_VAR, off, total, &fwg_handler_leaf,
			&var);
		if (st != FWG_OK)
			break;
		vars++;
		bool live = false;
		st = describe_var(u, var, &v, h->auth, &live);
		if (st != FWG_OK)
			break;
		if (live)
			live_count++;
		size_t next;
		if (!fwg_align_up(off + total, VAR_ALIGN, &next) || next > end)
			next = end;
		/* Gaps are left erased by EDK2; offline tools write zeros. */
		size_t gap = off + total, gap_len = next - gap;
		if (!fwg_cursor_all_equal(&c, gap, gap_len, ERASED) &&
				!fwg_cursor_all_equal(&c, gap, gap_len, 0x00))
			FWG_INFO(node, "nvram.alignment_gap_data", gap,
				"non-erased bytes in the alignment gap after the variable at 0x%zx", off);
		off = next;
	}
	fwg_node_attr_int(node, "variables", vars);
	fwg_node_attr_int(node, "live_variables", live_count);
	return st == FWG_LIMIT || st == FWG_TRUNCATED ? FWG_OK : st;
}

/* ---- FTW working block -------------------------------------------------- */

static bool is_ftw_signature(const uint8_t sig[16])
{
	return fwg_guid_eq(sig, guid_ftw) || fwg_guid_eq(sig, guid_nv_fv);
}

/* FTW header at off with a CRC that verifies or a queue that fits. */
static bool looks_like_ftw(const struct fwg_cursor *c, size_t off, bool *crc_ok)
{
	const uint8_t *hdr;
	uint32_t crc;
	uint64_t queue;
	if (fwg_cursor_bytes_at(c, off, FTW_HEADER_SIZE, &hdr) != FWG_OK ||
			!is_ftw_signature(hdr) ||
			fwg_cursor_u32le_at(c, off + FTW_OFF_CRC, &crc) != FWG_OK ||
			fwg_cursor_u64le_at(c, off + FTW_OFF_QUEUE_SIZE, &queue) != FWG_OK)
		return false;
	uint8_t copy[FTW_HEADER_SIZE];
	memcpy(copy, hdr, sizeof(copy));
	memset(copy + FTW_OFF_CRC, ERASED, 8);
	*crc_ok = fwg_crc32(copy, sizeof(copy)) == crc;
	return *crc_ok || queue <= c->size - off - FTW_HEADER_SIZE;
}

static enum fwg_status add_ftw(struct fwg_unpack *u, struct fwg_node *area,
		const struct fwg_cursor *c, size_t off, bool crc_ok, size_t *end_out)
{
	uint64_t queue = 0;
	uint8_t state = 0;
	size_t left = c->size - off, size = left;
	*end_out = c->size;
	if (left < FTW_HEADER_SIZE || fwg_cursor_u64le_at(c, off + FTW_OFF_QUEUE_SIZE, &queue) != FWG_OK ||
			fwg_cursor_u8_at(c, off + FTW_OFF_STATE, &state) != FWG_OK)
		return FWG_OK; /* classify() saw the whole header: not reached */
	bool fits = queue <= left - FTW_HEADER_SIZE;
	if (fits)
		size = FTW_HEADER_SIZE + (size_t)queue;
	struct fwg_node *ftw;
	enum fwg_status st = fwg_unpack_add_child(u, area, FWG_TYPE_FTW, off, size, &fwg_handler_leaf,
		&ftw);
	*end_out = off + size;
	if (st != FWG_OK)
		return st;
	const uint8_t *sig;
	if (fwg_cursor_bytes_at(c, off, 16, &sig) == FWG_OK) {
		fwg_node_set_guid(ftw, sig);
		fwg_node_attr_str(ftw, "signature", fwg_guid_eq(sig, guid_ftw)
			? "edkii_working_block" : "system_nv_data_fv");
	}
	bool valid = !(state & FTW_STATE_VALID_BIT), invalidated = !(state & FTW_STATE_INVALID_BIT);
	fwg_node_attr_bool(ftw, "crc_ok", crc_ok);
	fwg_node_attr_bool(ftw, "working_block_valid", valid);
	fwg_node_attr_bool(ftw, "working_block_invalid", invalidated);
	fwg_node_attr_hex(ftw, "state_raw", state);
	fwg_node_attr_hex(ftw, "write_queue_size", queue);
	if (!crc_ok)
		FWG_WARN(ftw, "nvram.ftw_crc", FTW_OFF_CRC,
			"working block header crc does not match its contents");
	if (!valid || invalidated)
		FWG_INFO(ftw, "nvram.ftw_state", FTW_OFF_STATE,
			"working block is %s (state 0x%02x)", valid ? "invalidated" : "not valid", state);
	if (!fits) {
		FWG_ERR(ftw, "nvram.ftw_queue_size", FTW_OFF_QUEUE_SIZE,
			"write_queue_size 0x%llx exceeds the 0x%zx bytes left",
			(unsigned long long)queue, left - FTW_HEADER_SIZE);
		return FWG_OK;
	}
	/* Write records (EFI_FAULT_TOLERANT_WRITE_HEADER) are not decoded;
	 * an erased queue means no write is pending. */
	bool erased = fwg_cursor_all_equal(c, off + FTW_HEADER_SIZE, (size_t)queue, ERASED);
	fwg_node_attr_bool(ftw, "queue_erased", erased);
	return FWG_OK;
}

/* ---- the area ----------------------------------------------------------- */

enum area_kind { AREA_NONE, AREA_STORE, AREA_FTW, AREA_FV_COPY };

/* What starts at off (AREA_NONE when nothing recognisable). */
static enum area_kind classify(const struct fwg_cursor *c, size_t off, bool *crc_ok)
{
	struct store_header h;
	const uint8_t *sig;
	if (read_store_header(c, off, &h))
		return AREA_STORE;
	if (looks_like_ftw(c, off, crc_ok))
		return AREA_FTW;
	/* A copy of the NV volume header (the FTW spare keeps one). */
	uint16_t hlen;
	if (fwg_cursor_bytes_at(c, off + FV_OFF_SIGNATURE, 4, &sig) == FWG_OK &&
			memcmp(sig, FV_SIGNATURE, 4) == 0 &&
			fwg_cursor_bytes_at(c, off + FV_OFF_FS_GUID, 16, &sig) == FWG_OK &&
			fwg_guid_eq(sig, guid_nv_fv) &&
			fwg_cursor_u16le_at(c, off + FV_OFF_HEADER_LENGTH, &hlen) == FWG_OK &&
			hlen >= FV_MIN_HEADER && fwg_cursor_has(c, off, hlen))
		return AREA_FV_COPY;
	return AREA_NONE;
}

/* Next candidate of each signature, searched monotonically so the scan of
 * an area stays linear however many structures it holds. */
struct sig_search {
	const uint8_t *needle;
	size_t bias;      /* needle offset inside its structure */
	size_t hit;       /* structure start of the cached hit, SIZE_MAX none */
	size_t from;      /* the cached hit is the first at or after this */
};

static size_t next_hit(const struct fwg_cursor *c, struct sig_search *s, size_t start)
{
	if (s->from != SIZE_MAX && start >= s->from && (s->hit == SIZE_MAX || s->hit >= start))
		return s->hit;
	size_t pos = start;
	if (fwg_add_overflows(pos, s->bias, &pos)) {
		s->hit = SIZE_MAX;
	} else {
		for (;;) {
			size_t f = fwg_cursor_find(c, pos, s->needle, 16);
			if (f == SIZE_MAX) {
				s->hit = SIZE_MAX;
				break;
			}
			size_t at = f - s->bias;
			if (at % AREA_ALIGN == 0) {
				s->hit = at;
				break;
			}
			pos = f + 1;
		}
	}
	s->from = start;
	return s->hit;
}

/* Offset of the next recognisable structure at or after start, or c->size. */
static size_t find_next(const struct fwg_cursor *c, struct sig_search *s, size_t n, size_t start)
{
	size_t pos = start;
	for (;;) {
		size_t best = SIZE_MAX;
		for (size_t i = 0; i < n; i++) {
			size_t h = next_hit(c, &s[i], pos);
			if (h < best)
				best = h;
		}
		if (best == SIZE_MAX || best >= c->size)
			return c->size;
		bool crc_ok;
		if (classify(c, best, &crc_ok) != AREA_NONE)
			return best;
		pos = best + 1;
	}
}

static enum fwg_status parse_area(struct fwg_unpack *u, struct fwg_node *node)
{
	struct fwg_cursor c = fwg_node_body(node);
	struct sig_search s[] = {
		{ guid_vss, 0, SIZE_MAX, SIZE_MAX },
		{ guid_vss_auth, 0, SIZE_MAX, SIZE_MAX },
		{ guid_ftw, 0, SIZE_MAX, SIZE_MAX },
		{ guid_nv_fv, 0, SIZE_MAX, SIZE_MAX },      /* old FTW signature */
		{ guid_nv_fv, FV_OFF_FS_GUID, SIZE_MAX, SIZE_MAX }, /* header copy */
	};
	size_t pos = 0;
	unsigned stores = 0;
	bool spare = false; /* past the FTW working block: the spare area */
	enum fwg_status st = FWG_OK;
	while (pos < c.size && st == FWG_OK) {
		bool crc_ok = false;
		struct store_header h;
		struct fwg_node *child;
		size_t left = c.size - pos, next;
		switch (classify(&c, pos, &crc_ok)) {
		case AREA_STORE:
			next = read_store_header(&c, pos, &h) && h.size <= left ? h.size : left;
			st = fwg_unpack_add_child(u, node, FWG_TYPE_NVRAM_STORE, pos, next,
				&fwg_handler_nvram, &child);
			if (st == FWG_OK && spare)
				fwg_node_attr_bool(child, "ftw_spare", true);
			stores++;
			pos += next;
			break;
		case AREA_FTW:
			st = add_ftw(u, node, &c, pos, crc_ok, &pos);
			spare = true;
			break;
		case AREA_FV_COPY: {
			uint16_t hlen16 = 0;
			size_t hlen = left;
			if (fwg_cursor_u16le_at(&c, pos + FV_OFF_HEADER_LENGTH, &hlen16) == FWG_OK &&
					hlen16 >= FV_MIN_HEADER && hlen16 <= left)
				hlen = hlen16;
			st = fwg_unpack_add_child(u, node, FWG_TYPE_PADDING, pos, hlen,
				&fwg_handler_leaf, &child);
			if (st == FWG_OK) {
				fwg_node_attr_bool(child, "fv_header_copy", true);
				FWG_INFO(child, "nvram.fv_header_copy", 0,
					"copy of an nv volume header inside the nvram area");
			}
			pos += hlen;
			break;
		}
		case AREA_NONE:
		default:
			next = find_next(&c, s, sizeof(s) / sizeof(s[0]), pos + 1);
			st = add_unclaimed(u, node, &c, pos, next, spare);
			pos = next;
			break;
		}
	}
	if (stores == 0 && st == FWG_OK)
		FWG_INFO(node, "nvram.no_store", 0, "no variable store found in the nvram area");
	fwg_node_attr_int(node, "variable_stores", stores);
	return st == FWG_LIMIT || st == FWG_TRUNCATED ? FWG_OK : st;
}

static enum fwg_status nvram_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	struct fwg_cursor c = fwg_node_body(node);
	struct store_header h;
	/* A store node (from the area scan or the probe) that the store fills
	 * is parsed in place; anything else is scanned as an area. */
	if (node->type && strcmp(node->type, FWG_TYPE_NVRAM_STORE) == 0 &&
			read_store_header(&c, 0, &h) && h.size >= c.size)
		return parse_store(u, node, &h);
	return parse_area(u, node);
}

const struct fwg_handler fwg_handler_nvram = {
	.name = "nvram",
	.description = "EDK2 NVRAM area: VSS variable stores and FTW working block",
	.node_type = FWG_TYPE_NVRAM_STORE,
	.probe = nvram_probe,
	.parse = nvram_parse,
};
