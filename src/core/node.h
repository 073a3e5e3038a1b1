/*
 * node.h - the component tree.
 *
 * A node is one component of a firmware image: a window of bytes inside its
 * parent's *body* plus what handlers learned about it.  Layout of a node:
 *
 *   raw bytes  [data, data+size)   the component as stored in the parent
 *   body       [body, body+body_size)
 *              where children live: by default the raw bytes; for a node
 *              that decodes (compression, GUID-defined LZMA, ...) a buffer
 *              the node owns (`owned`), so decoded data is never copied.
 *
 * Children's offsets are relative to the parent's body.  abs_offset is the
 * offset in the input file, or FWG_NO_ABS_OFFSET inside decoded data.
 *
 * Invariants:
 *  - children windows lie inside the parent's body (checked at creation);
 *  - data/body pointers stay valid and immutable for the life of the tree,
 *    which lets the hash workers read them while parsing goes on;
 *  - node ids are assigned in tree (pre-)order when the tree is finished.
 *
 * The type is one of the documented vocabulary (docs/json.md); handlers pass
 * the FWG_TYPE_* string constants below, never ad-hoc strings.
 */
#ifndef FWG_CORE_NODE_H
#define FWG_CORE_NODE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fwguard/fwguard.h"

#define FWG_NO_ABS_OFFSET UINT64_MAX

/* The shared type vocabulary (docs/json.md).  Each type is one object, so
 * types compare by pointer; handlers use these names, never ad-hoc strings. */
extern const char fwg_type_image[];
extern const char fwg_type_ifd[];
extern const char fwg_type_region[];
extern const char fwg_type_fv[];
extern const char fwg_type_ffs[];
extern const char fwg_type_section[];
extern const char fwg_type_free_space[];
extern const char fwg_type_padding[];
extern const char fwg_type_nvram_store[];
extern const char fwg_type_nvram_var[];
extern const char fwg_type_ftw_block[];
extern const char fwg_type_signature_list[];
extern const char fwg_type_certificate[];
extern const char fwg_type_signature_hash[];
extern const char fwg_type_capsule[];
extern const char fwg_type_fmp_image[];
extern const char fwg_type_pe32[];
extern const char fwg_type_te[];
extern const char fwg_type_option_rom[];
extern const char fwg_type_raw[];
/* BMC images, filesystems and their files (issue 3). */
extern const char fwg_type_partition[];
extern const char fwg_type_dir[];
extern const char fwg_type_file[];
extern const char fwg_type_symlink[];
extern const char fwg_type_device[];
extern const char fwg_type_uimage[];
extern const char fwg_type_fit[];
extern const char fwg_type_fit_image[];
extern const char fwg_type_dtb[];
extern const char fwg_type_uboot_env[];
extern const char fwg_type_env_var[];
extern const char fwg_type_openbmc_flash[];
extern const char fwg_type_openbmc_update[];
extern const char fwg_type_megarac_flash[];
extern const char fwg_type_fmh_module[];
extern const char fwg_type_aten_flash[];
extern const char fwg_type_squashfs[];
extern const char fwg_type_cramfs[];
extern const char fwg_type_jffs2[];
extern const char fwg_type_ubi[];
extern const char fwg_type_ubi_volume[];
extern const char fwg_type_ubifs[];
extern const char fwg_type_cpio[];
extern const char fwg_type_tar[];
extern const char fwg_type_gzip[];
extern const char fwg_type_xz[];
extern const char fwg_type_lzma[];
extern const char fwg_type_zstd[];
extern const char fwg_type_lz4[];
extern const char fwg_type_bzip2[];
extern const char fwg_type_lzo[];
extern const char fwg_type_elf[];
#define FWG_TYPE_IMAGE fwg_type_image
#define FWG_TYPE_IFD fwg_type_ifd
#define FWG_TYPE_REGION fwg_type_region
#define FWG_TYPE_FV fwg_type_fv
#define FWG_TYPE_FFS fwg_type_ffs
#define FWG_TYPE_SECTION fwg_type_section
#define FWG_TYPE_FREE_SPACE fwg_type_free_space
#define FWG_TYPE_PADDING fwg_type_padding
#define FWG_TYPE_NVRAM_STORE fwg_type_nvram_store
#define FWG_TYPE_NVRAM_VAR fwg_type_nvram_var
#define FWG_TYPE_FTW fwg_type_ftw_block
#define FWG_TYPE_SIGLIST fwg_type_signature_list
#define FWG_TYPE_CERT fwg_type_certificate
#define FWG_TYPE_HASH_ENTRY fwg_type_signature_hash
#define FWG_TYPE_CAPSULE fwg_type_capsule
#define FWG_TYPE_FMP_IMAGE fwg_type_fmp_image
#define FWG_TYPE_PE32 fwg_type_pe32
#define FWG_TYPE_TE fwg_type_te
#define FWG_TYPE_OPTION_ROM fwg_type_option_rom
#define FWG_TYPE_RAW fwg_type_raw
#define FWG_TYPE_PARTITION fwg_type_partition
#define FWG_TYPE_DIR fwg_type_dir
#define FWG_TYPE_FILE fwg_type_file
#define FWG_TYPE_SYMLINK fwg_type_symlink
#define FWG_TYPE_DEVICE fwg_type_device
#define FWG_TYPE_UIMAGE fwg_type_uimage
#define FWG_TYPE_FIT fwg_type_fit
#define FWG_TYPE_FIT_IMAGE fwg_type_fit_image
#define FWG_TYPE_DTB fwg_type_dtb
#define FWG_TYPE_UBOOT_ENV fwg_type_uboot_env
#define FWG_TYPE_ENV_VAR fwg_type_env_var
#define FWG_TYPE_OPENBMC_FLASH fwg_type_openbmc_flash
#define FWG_TYPE_OPENBMC_UPDATE fwg_type_openbmc_update
#define FWG_TYPE_MEGARAC_FLASH fwg_type_megarac_flash
#define FWG_TYPE_FMH_MODULE fwg_type_fmh_module
#define FWG_TYPE_ATEN_FLASH fwg_type_aten_flash
#define FWG_TYPE_SQUASHFS fwg_type_squashfs
#define FWG_TYPE_CRAMFS fwg_type_cramfs
#define FWG_TYPE_JFFS2 fwg_type_jffs2
#define FWG_TYPE_UBI fwg_type_ubi
#define FWG_TYPE_UBI_VOLUME fwg_type_ubi_volume
#define FWG_TYPE_UBIFS fwg_type_ubifs
#define FWG_TYPE_CPIO fwg_type_cpio
#define FWG_TYPE_TAR fwg_type_tar
#define FWG_TYPE_GZIP fwg_type_gzip
#define FWG_TYPE_XZ fwg_type_xz
#define FWG_TYPE_LZMA fwg_type_lzma
#define FWG_TYPE_ZSTD fwg_type_zstd
#define FWG_TYPE_LZ4 fwg_type_lz4
#define FWG_TYPE_BZIP2 fwg_type_bzip2
#define FWG_TYPE_LZO fwg_type_lzo
#define FWG_TYPE_ELF fwg_type_elf

enum fwg_attr_kind { FWG_ATTR_STR, FWG_ATTR_INT, FWG_ATTR_HEX, FWG_ATTR_BOOL };

struct fwg_attr {
	const char *key; /* static string, or owned when key_owned */
	bool key_owned;
	enum fwg_attr_kind kind;
	uint64_t num;    /* INT, HEX, BOOL */
	char *str;       /* STR (owned); for other kinds the text form, lazily */
};

enum fwg_severity { FWG_SEV_INFO = 0, FWG_SEV_WARNING = 1, FWG_SEV_ERROR = 2 };

struct fwg_diag {
	enum fwg_severity severity;
	const char *code;  /* static, stable, e.g. "ffs.data_checksum" */
	bool code_owned;
	uint64_t offset;   /* within the node's raw bytes */
	char *message;
};

/* What a filesystem or archive says about one of its entries (dir, file,
 * symlink, device).  Set only on nodes created through fs.h. */
struct fwg_fs_info {
	char *path;           /* fs_path: "/etc/passwd", inside its filesystem */
	char *link_target;    /* symlinks: the target as stored, else NULL */
	char kind[32];        /* content kind of files: "elf:arm", "script:sh", ... */
	uint32_t mode;        /* st_mode: file type bits and permissions */
	uint32_t uid, gid;
	uint32_t rdev_major, rdev_minor; /* devices */
	int64_t mtime;
	bool has_mtime;
	uint64_t inode;       /* 0 when the format has none */
};

struct fwg_node {
	const char *type;
	char *name;
	bool has_guid;
	uint8_t guid[16];

	uint64_t offset;     /* inside the parent's body */
	uint64_t size;
	uint64_t abs_offset; /* in the input file or FWG_NO_ABS_OFFSET */
	const uint8_t *data; /* raw bytes, NULL when loaded from the cache */

	const uint8_t *body;
	size_t body_size;
	size_t body_offset;  /* body start within the raw bytes (if not decoded) */
	uint8_t *owned;      /* decoded body owned by this node */
	bool body_decoded;

	uint8_t sha256[32];
	uint8_t sha1[20];
	uint8_t sha384[48];
	unsigned hashed;     /* FWG_HASH_* bits computed */
	char *hex_cache[3];  /* lazily formatted digests */

	struct fwg_attr *attrs;
	size_t attr_count, attr_cap;
	struct fwg_diag *diags;
	size_t diag_count, diag_cap;

	struct fwg_node *parent;
	struct fwg_node **children;
	size_t child_count, child_cap;

	uint64_t id;
	unsigned depth;
	char *path;          /* built when the tree is finished */
	/* Handler to parse the body with, set by whoever created the node;
	 * NULL means "probe the registry". */
	const struct fwg_handler *handler;
	bool alloc_failed;   /* a name/attr/diag could not be stored */
	bool from_cache;     /* subtree restored from the content cache */
	struct fwg_fs_info *fs; /* filesystem entries only, else NULL */
};

struct fwg_node *fwg_node_new(const char *type);
/* The static vocabulary string equal to [text, text+len), or NULL. */
const char *fwg_type_intern(const char *text, size_t len);
void fwg_node_free(struct fwg_node *node);

/* Appends child (owned afterwards).  Returns FWG_NOMEM on failure, in which
 * case child is freed. */
FWG_NODISCARD enum fwg_status fwg_node_append(struct fwg_node *parent, struct fwg_node *child);

/*
 * Names, attributes and diagnostics never fail loudly: on allocation
 * failure they set node->alloc_failed, which the core turns into FWG_NOMEM
 * for the whole unpacking.  This keeps handlers free of error plumbing for
 * what is bookkeeping, without silently losing information.
 */
void fwg_node_set_name(struct fwg_node *node, const char *name);
void fwg_node_set_name_len(struct fwg_node *node, const char *name, size_t len);
void fwg_node_set_guid(struct fwg_node *node, const uint8_t guid[16]);

/* Attributes; the key must be a string literal.  Setting a key twice
 * replaces the old value. */
void fwg_node_attr_str(struct fwg_node *node, const char *key, const char *value);
void fwg_node_attr_strf(struct fwg_node *node, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void fwg_node_attr_int(struct fwg_node *node, const char *key, uint64_t value);
void fwg_node_attr_hex(struct fwg_node *node, const char *key, uint64_t value);
void fwg_node_attr_bool(struct fwg_node *node, const char *key, bool value);
const struct fwg_attr *fwg_node_attr_find(const struct fwg_node *node, const char *key);

/* Diagnostics: code is a stable literal, message is lower case with the
 * field name and hex offsets, no full stop. */
void fwg_node_diag(struct fwg_node *node, enum fwg_severity sev,
		const char *code, uint64_t offset, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
void fwg_node_vdiag(struct fwg_node *node, enum fwg_severity sev,
		const char *code, uint64_t offset, const char *fmt, va_list ap);

/* Pre-order walk; the callback returns false to stop. */
typedef bool (*fwg_node_visit_fn)(struct fwg_node *node, void *user);
bool fwg_node_walk(struct fwg_node *node, fwg_node_visit_fn fn, void *user);

#endif
