/*
 * ubifs_media.h - UBIFS on-flash layout and the state shared between the
 * index reader (ubifs.c) and the tree builder (ubifs_tree.c).
 *
 * Facts from the Linux UBIFS media description (fs/ubifs/ubifs-media.h);
 * all integers little-endian, every node 8-byte aligned inside its LEB.
 *
 * Common header, 24 bytes:
 *   0x00 magic u32 0x06101831  0x04 crc u32 (over bytes 8..len)
 *   0x08 sqnum u64  0x10 len u32  0x14 node_type u8  0x15 group_type u8
 *
 * Keys (simple format): 8 bytes, inum u32 then u32 = type << 29 | value,
 * value the block number (data) or the 29-bit name hash (entries).
 * Key-bearing nodes carry them in a 16-byte field at 0x18.
 *
 * Volume: LEB 0 superblock, LEBs 1 and 2 master nodes, then the log
 * (log_lebs from LEB 3), the LPT (lpt_lebs), the orphan area (orph_lebs)
 * and the main area holding index and leaf nodes.
 */
#ifndef FWG_HANDLERS_FS_UBIFS_MEDIA_H
#define FWG_HANDLERS_FS_UBIFS_MEDIA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../core/fs.h"
#include "../../core/handler.h"

#define UBIFS_NODE_MAGIC 0x06101831u
#define UBIFS_CH_SIZE 24u
#define UBIFS_CH_OFF_CRC 0x04
#define UBIFS_CH_OFF_SQNUM 0x08
#define UBIFS_CH_OFF_LEN 0x10
#define UBIFS_CH_OFF_TYPE 0x14
#define UBIFS_NODE_ALIGN 8u

enum ubifs_node_type {
	UBIFS_INO_NODE = 0,
	UBIFS_DATA_NODE = 1,
	UBIFS_DENT_NODE = 2,
	UBIFS_XENT_NODE = 3,
	UBIFS_TRUN_NODE = 4,
	UBIFS_PAD_NODE = 5,
	UBIFS_SB_NODE = 6,
	UBIFS_MST_NODE = 7,
	UBIFS_REF_NODE = 8,
	UBIFS_IDX_NODE = 9,
	UBIFS_CS_NODE = 10,
	UBIFS_ORPH_NODE = 11,
};

/* Key types (the top 3 bits of the key's second word). */
#define UBIFS_KEY_INO 0u
#define UBIFS_KEY_DATA 1u
#define UBIFS_KEY_DENT 2u
#define UBIFS_KEY_XENT 3u
#define UBIFS_KEY_TYPE_SHIFT 29
#define UBIFS_KEY_VALUE_MASK 0x1fffffffu
#define UBIFS_KEY_OFF 0x18
#define UBIFS_SK_LEN 8u

/* Superblock node (4096 bytes). */
#define UBIFS_SB_NODE_SZ 4096u
#define UBIFS_SB_OFF_KEY_HASH 0x1a
#define UBIFS_SB_OFF_KEY_FMT 0x1b
#define UBIFS_SB_OFF_FLAGS 0x1c
#define UBIFS_SB_OFF_MIN_IO 0x20
#define UBIFS_SB_OFF_LEB_SIZE 0x24
#define UBIFS_SB_OFF_LEB_CNT 0x28
#define UBIFS_SB_OFF_MAX_LEB_CNT 0x2c
#define UBIFS_SB_OFF_LOG_LEBS 0x38
#define UBIFS_SB_OFF_LPT_LEBS 0x3c
#define UBIFS_SB_OFF_ORPH_LEBS 0x40
#define UBIFS_SB_OFF_FANOUT 0x48
#define UBIFS_SB_OFF_FMT_VERSION 0x50
#define UBIFS_SB_OFF_DEFAULT_COMPR 0x54
#define UBIFS_SB_OFF_TIME_GRAN 0x68
#define UBIFS_SB_OFF_UUID 0x6c
#define UBIFS_SB_FLG_BIGLPT 0x02
#define UBIFS_SB_FLG_SPACE_FIXUP 0x04
#define UBIFS_SB_FLG_DOUBLE_HASH 0x08
#define UBIFS_SB_FLG_ENCRYPTION 0x10
#define UBIFS_SB_FLG_AUTHENTICATION 0x20

/* Master node (512 bytes), current copy in LEBs 1 and 2. */
#define UBIFS_MST_LNUM 1u
#define UBIFS_MST_NODE_SZ 512u
#define UBIFS_MST_OFF_HIGHEST_INUM 0x18
#define UBIFS_MST_OFF_CMT_NO 0x20
#define UBIFS_MST_OFF_FLAGS 0x28
#define UBIFS_MST_OFF_LOG_LNUM 0x2c
#define UBIFS_MST_OFF_ROOT_LNUM 0x30
#define UBIFS_MST_OFF_ROOT_OFFS 0x34
#define UBIFS_MST_OFF_ROOT_LEN 0x38
#define UBIFS_MST_OFF_INDEX_SIZE 0x48
#define UBIFS_MST_FLG_DIRTY 0x01
#define UBIFS_LOG_LNUM 3u

/* Index node: child_cnt u16, level u16, then branches {lnum u32, offs u32,
 * len u32, key[key_len], hash[hash_len when authenticated]}. */
#define UBIFS_IDX_OFF_CHILD_CNT 0x18
#define UBIFS_IDX_OFF_LEVEL 0x1a
#define UBIFS_IDX_NODE_SZ 0x1c
#define UBIFS_BRANCH_SZ 12u
#define UBIFS_MAX_LEVELS 512u

/* Inode node (160 bytes + data). */
#define UBIFS_INO_NODE_SZ 160u
#define UBIFS_INO_OFF_SIZE 0x30
#define UBIFS_INO_OFF_MTIME_SEC 0x48
#define UBIFS_INO_OFF_NLINK 0x5c
#define UBIFS_INO_OFF_UID 0x60
#define UBIFS_INO_OFF_GID 0x64
#define UBIFS_INO_OFF_MODE 0x68
#define UBIFS_INO_OFF_FLAGS 0x6c
#define UBIFS_INO_OFF_DATA_LEN 0x70
#define UBIFS_INO_FL_XATTR 0x20u
#define UBIFS_INO_FL_CRYPT 0x40u

/* Directory entry node (56 bytes + name + NUL). */
#define UBIFS_DENT_NODE_SZ 56u
#define UBIFS_DENT_OFF_INUM 0x28
#define UBIFS_DENT_OFF_TYPE 0x31
#define UBIFS_DENT_OFF_NLEN 0x32
#define UBIFS_MAX_NLEN 255u

/* Data node (48 bytes + data). */
#define UBIFS_DATA_NODE_SZ 48u
#define UBIFS_DATA_OFF_SIZE 0x28
#define UBIFS_DATA_OFF_COMPR 0x2c
#define UBIFS_BLOCK_SIZE 4096u
#define UBIFS_BLOCK_SHIFT 12

/* Reference node (log): lnum u32, offs u32, jhead u32. */
#define UBIFS_REF_NODE_SZ 64u
#define UBIFS_REF_OFF_LNUM 0x18
#define UBIFS_REF_OFF_OFFS 0x1c
/* Commit-start node (log): cmt_no u64. */
#define UBIFS_CS_OFF_CMT_NO 0x18

enum ubifs_compr {
	UBIFS_COMPR_NONE = 0,
	UBIFS_COMPR_LZO = 1,
	UBIFS_COMPR_ZLIB = 2,
	UBIFS_COMPR_ZSTD = 3,
};

/* Inode types in directory entries. */
enum ubifs_itype {
	UBIFS_ITYPE_REG = 0,
	UBIFS_ITYPE_DIR = 1,
	UBIFS_ITYPE_LNK = 2,
	UBIFS_ITYPE_BLK = 3,
	UBIFS_ITYPE_CHR = 4,
	UBIFS_ITYPE_FIFO = 5,
	UBIFS_ITYPE_SOCK = 6,
};

#define UBIFS_ROOT_INO 1u

/* One leaf node (inode, data or entry) found through the index, the
 * journal or a scan: where it is and what its key says. */
struct ubifs_leaf {
	uint64_t sqnum;
	size_t pos;          /* offset of the node in the volume */
	uint32_t len;
	uint32_t inum;       /* key: inode number (of the parent for entries) */
	uint32_t value;      /* key: block number or name hash */
	uint8_t type;        /* UBIFS_INO_NODE / _DATA_NODE / _DENT_NODE */
	uint64_t name_hash;  /* entries: a 64-bit hash of the full name */
};

struct ubifs_ctx {
	struct fwg_unpack *u;
	struct fwg_node *node;
	struct fwg_cursor body;
	size_t leb_size;
	uint32_t leb_cnt;
	uint32_t log_lebs, lpt_lebs, orph_lebs;
	uint16_t default_compr;
	struct ubifs_leaf *leaves;
	size_t leaf_count, leaf_cap;
	size_t xattr_entries;
	size_t bad_leaves, first_bad_leaf;
	uint64_t work, work_limit; /* bytes checksummed, and the cap */
};

/* Sorts the leaves and builds the file tree from the root inode. */
FWG_NODISCARD enum fwg_status fwg_ubifs_build_tree(struct ubifs_ctx *x);

#endif
