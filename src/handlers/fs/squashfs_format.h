/*
 * squashfs_format.h - on-disk layout of squashfs, as the Linux kernel
 * (fs/squashfs/squashfs_fs.h) and mksquashfs define it.  Only squashfs.c
 * includes this.
 *
 * Version 4.0 (little-endian only), all integers little-endian:
 *
 *   superblock, 96 bytes at 0
 *     0x00 magic u32 "hsqs"        0x04 inode_count u32
 *     0x08 mkfs_time u32           0x0c block_size u32 (4 KiB..1 MiB, 2^n)
 *     0x10 fragment_count u32      0x14 compressor u16 (1 gzip .. 6 zstd)
 *     0x16 block_log u16           0x18 flags u16
 *     0x1a id_count u16            0x1c version major u16, 0x1e minor u16
 *     0x20 root_inode_ref u64      0x28 bytes_used u64
 *     0x30 id_table_start u64      0x38 xattr_id_table_start u64
 *     0x40 inode_table_start u64   0x48 directory_table_start u64
 *     0x50 fragment_table_start u64  0x58 export_table_start u64
 *     (absent tables hold all ones)
 *   [compressor options: one metadata block at 0x60 when flagged]
 *   data and fragment blocks
 *   inode table, directory table: runs of metadata blocks
 *   fragment, export, id tables: metadata blocks, then at *_table_start an
 *     array of u64 locations of those blocks
 *
 * A metadata block is a u16 header (bit 15 set: stored uncompressed; low 15
 * bits: stored size, at most 8 KiB) followed by the stored bytes; it
 * decodes to at most 8 KiB.  An inode reference is
 * (block offset from the inode table start << 16) | offset in the decoded
 * block; a listing is found the same way in the directory table.
 *
 * Inodes: a 16-byte header {type u16, mode u16 (permission bits), uid index
 * u16, gid index u16, mtime u32, inode number u32}, then by type:
 *   1 dir       start_block u32, nlink u32, size u16, offset u16, parent u32
 *   8 ext dir   nlink u32, size u32, start_block u32, parent u32,
 *               index_count u16, offset u16, xattr u32, index entries
 *   2 file      blocks_start u32, fragment u32, frag_offset u32, size u32,
 *               block sizes u32[]
 *   9 ext file  blocks_start u64, size u64, sparse u64, nlink u32,
 *               fragment u32, frag_offset u32, xattr u32, block sizes u32[]
 *   3/10 symlink  nlink u32, target_size u32, target[] (ext: xattr u32)
 *   4/5 and 11/12 block/char device  nlink u32, rdev u32 (ext: xattr u32)
 *   6/7 and 13/14 fifo/socket  nlink u32 (ext: xattr u32)
 * A file has floor(size / block_size) full blocks plus a tail in a fragment
 * block, or ceil(size / block_size) blocks when fragment is all ones.  A
 * block size word holds the stored size in bits 0-23 (0: a sparse block of
 * zeros) and bit 24 when stored uncompressed.
 *
 * Directory listing (its size counts 3 bytes more than it holds): runs of
 * a 12-byte header {count-1 u32, inode block u32, base inode number u32}
 * and up to 256 entries {offset u16, inode number delta s16, type u16,
 * name_size-1 u16, name}.
 *
 * Fragment table entry, 16 bytes: {start u64, size u32 (as a block size
 * word), unused u32}.
 *
 * Versions 1.x-3.x used other layouts, in either byte order ("sqsh" is the
 * big-endian magic); version 3's superblock keeps the major/minor at 0x1c
 * like 4.0 does.
 */
#ifndef FWG_SQUASHFS_FORMAT_H
#define FWG_SQUASHFS_FORMAT_H

#define SQ_MAGIC_LE "hsqs"
#define SQ_MAGIC_BE "sqsh"
#define SQ_SUPER_SIZE 96
#define SQ_OFF_INODE_COUNT 0x04
#define SQ_OFF_MKFS_TIME 0x08
#define SQ_OFF_BLOCK_SIZE 0x0c
#define SQ_OFF_FRAG_COUNT 0x10
#define SQ_OFF_COMPRESSOR 0x14
#define SQ_OFF_BLOCK_LOG 0x16
#define SQ_OFF_FLAGS 0x18
#define SQ_OFF_ID_COUNT 0x1a
#define SQ_OFF_MAJOR 0x1c
#define SQ_OFF_MINOR 0x1e
#define SQ_OFF_ROOT_INODE 0x20
#define SQ_OFF_BYTES_USED 0x28
#define SQ_OFF_ID_TABLE 0x30
#define SQ_OFF_XATTR_TABLE 0x38
#define SQ_OFF_INODE_TABLE 0x40
#define SQ_OFF_DIR_TABLE 0x48
#define SQ_OFF_FRAG_TABLE 0x50
#define SQ_OFF_EXPORT_TABLE 0x58
/* Version 1-3 superblocks: bytes_used as u32 at 0x08 (1.x, 2.x) or u64
 * at 0x3f (3.x, packed). */
#define SQ_V2_OFF_BYTES_USED 0x08
#define SQ_V3_OFF_BYTES_USED 0x3f
#define SQ_V3_SUPER_SIZE 0x47

#define SQ_NO_TABLE UINT64_MAX
#define SQ_MIN_BLOCK_LOG 12
#define SQ_MAX_BLOCK_LOG 20
#define SQ_DEVBLK_SIZE 4096

#define SQ_META_SIZE 8192
#define SQ_META_UNCOMPRESSED 0x8000u
#define SQ_META_SIZE_MASK 0x7fffu

#define SQ_BLOCK_UNCOMPRESSED (1u << 24)
#define SQ_BLOCK_SIZE_MASK 0x00ffffffu
#define SQ_NO_FRAGMENT 0xffffffffu
#define SQ_FRAG_ENTRY_SIZE 16
#define SQ_FRAG_PER_BLOCK (SQ_META_SIZE / SQ_FRAG_ENTRY_SIZE)

#define SQ_INODE_HEADER_SIZE 16
enum sq_inode_type {
	SQ_DIR = 1, SQ_FILE, SQ_SYMLINK, SQ_BLKDEV, SQ_CHRDEV, SQ_FIFO, SQ_SOCKET,
	SQ_EXT_DIR, SQ_EXT_FILE, SQ_EXT_SYMLINK, SQ_EXT_BLKDEV, SQ_EXT_CHRDEV,
	SQ_EXT_FIFO, SQ_EXT_SOCKET,
};
#define SQ_EXT_DELTA (SQ_EXT_DIR - SQ_DIR)

#define SQ_DIR_HEADER_SIZE 12
#define SQ_DIR_ENTRY_SIZE 8
#define SQ_DIR_MAX_COUNT 256
#define SQ_NAME_MAX 256
/* A listing's stored size counts the "." and ".." the kernel synthesises. */
#define SQ_DIR_SIZE_BIAS 3

/* Superblock flags. */
#define SQ_FLAG_UNCOMPRESSED_INODES 0x0001
#define SQ_FLAG_UNCOMPRESSED_DATA 0x0002
#define SQ_FLAG_CHECK 0x0004
#define SQ_FLAG_UNCOMPRESSED_FRAGMENTS 0x0008
#define SQ_FLAG_NO_FRAGMENTS 0x0010
#define SQ_FLAG_ALWAYS_FRAGMENTS 0x0020
#define SQ_FLAG_DUPLICATES 0x0040
#define SQ_FLAG_EXPORTABLE 0x0080
#define SQ_FLAG_UNCOMPRESSED_XATTRS 0x0100
#define SQ_FLAG_NO_XATTRS 0x0200
#define SQ_FLAG_COMPRESSOR_OPTIONS 0x0400
#define SQ_FLAG_UNCOMPRESSED_IDS 0x0800

#endif
