/*
 * fwguard.h - public API of libfwguard.
 *
 * libfwguard opens a firmware image (UEFI/PI flash, capsules, option ROMs,
 * NVRAM stores, ...) and turns it into a component tree: every node has a
 * type from one shared vocabulary, an optional name and GUID, an offset and
 * size inside its parent, hashes, attributes and diagnostics.  Front ends
 * (the `fwguard` CLI, later the fleet service) only call what is declared
 * here.
 *
 * Ownership: an fwg_image owns its whole tree; every pointer returned by an
 * accessor is borrowed and stays valid until fwg_image_free().
 */
#ifndef FWGUARD_FWGUARD_H
#define FWGUARD_FWGUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FWG_VERSION_STRING "0.1.0"

#if defined(__GNUC__)
#define FWG_NODISCARD __attribute__((warn_unused_result))
#else
#define FWG_NODISCARD
#endif

/* Graded result codes shared by every layer. */
enum fwg_status {
	FWG_OK = 0,
	FWG_TRUNCATED,   /* a structure runs past the end of its window */
	FWG_MALFORMED,   /* a field holds an impossible value */
	FWG_LIMIT,       /* a depth, count, size or ratio budget was hit */
	FWG_NOMEM,
	FWG_IO,
	FWG_UNSUPPORTED, /* understood enough to know we cannot decode it */
};

const char *fwg_status_str(enum fwg_status status);

/* Lower-case hex of len bytes into out (2*len+1 bytes, NUL-terminated). */
void fwg_hex_encode(const uint8_t *bytes, size_t len, char *out);
/* Exactly 2*len hex digits (either case), NUL-terminated, into out. */
bool fwg_hex_decode(const char *text, uint8_t *out, size_t len);
/* The same over the first n characters of text (n must be 2*len). */
bool fwg_hex_decode_n(const char *text, size_t n, uint8_t *out, size_t len);

/* Hash algorithms; SHA-256 is always computed. */
enum fwg_hash_kind {
	FWG_HASH_SHA256 = 1u << 0,
	FWG_HASH_SHA1 = 1u << 1,
	FWG_HASH_SHA384 = 1u << 2,
};

/* Budgets that bound recursive unpacking of hostile input. */
struct fwg_limits {
	unsigned max_depth;          /* nesting depth of the tree */
	uint64_t max_nodes;          /* nodes in the whole tree */
	uint64_t max_decoded_total;  /* bytes produced by all decoders together */
	uint64_t max_decoded_single; /* bytes produced by one decoder call */
	uint32_t max_ratio;          /* decoded/encoded for outputs above 1 MiB */
};

void fwg_limits_default(struct fwg_limits *limits);

struct fwg_options {
	struct fwg_limits limits;
	unsigned hashes;       /* FWG_HASH_* bits; SHA-256 implied */
	const char *cache_dir; /* content-addressed cache, NULL = off */
	unsigned threads;      /* hashing threads besides the caller; 0 = auto */
};

void fwg_options_default(struct fwg_options *options);

struct fwg_image;
struct fwg_node;

/*
 * Maps PATH read-only and unpacks it.  On success *image_out owns the tree
 * (partial trees are a success: problems become diagnostics).  On failure a
 * message is written to errbuf.
 */
FWG_NODISCARD enum fwg_status fwg_image_open(const char *path,
		const struct fwg_options *options, struct fwg_image **image_out,
		char *errbuf, size_t errbuf_size);
/* Same, over a caller-owned buffer that must outlive the image. */
FWG_NODISCARD enum fwg_status fwg_image_open_buffer(const uint8_t *data,
		size_t size, const char *label, const struct fwg_options *options,
		struct fwg_image **image_out, char *errbuf, size_t errbuf_size);
void fwg_image_free(struct fwg_image *image);

const struct fwg_node *fwg_image_root(const struct fwg_image *image);
const char *fwg_image_path(const struct fwg_image *image);
uint64_t fwg_image_node_count(const struct fwg_image *image);
/* Number of diagnostics at warning level or above in the whole tree. */
uint64_t fwg_image_anomaly_count(const struct fwg_image *image);
/* Number of diagnostics at error level in the whole tree. */
uint64_t fwg_image_error_count(const struct fwg_image *image);

/* Node accessors.  Strings are NUL-terminated and owned by the node. */
const char *fwg_node_type(const struct fwg_node *node);
const char *fwg_node_name(const struct fwg_node *node); /* may be NULL */
bool fwg_node_guid(const struct fwg_node *node, uint8_t guid_out[16]);
uint64_t fwg_node_offset(const struct fwg_node *node);
uint64_t fwg_node_size(const struct fwg_node *node);
uint64_t fwg_node_id(const struct fwg_node *node);
size_t fwg_node_child_count(const struct fwg_node *node);
const struct fwg_node *fwg_node_child(const struct fwg_node *node, size_t i);
const struct fwg_node *fwg_node_parent(const struct fwg_node *node);
/* Lower-case hex digest, or NULL if that hash was not computed. */
const char *fwg_node_hash_hex(const struct fwg_node *node, enum fwg_hash_kind kind);
/* Attribute value as text, or NULL when absent. */
const char *fwg_node_attr(const struct fwg_node *node, const char *key);
/* Stable human-readable locator such as /fv[...]/ffs[...]/section[PE32]. */
const char *fwg_node_path(const struct fwg_node *node);

/* Serializers (documented in docs/json.md and fwguard(1)). */
enum fwg_status fwg_write_json(const struct fwg_image *image, FILE *out);
enum fwg_status fwg_write_tree_text(const struct fwg_image *image, FILE *out);
enum fwg_status fwg_write_scan_text(const struct fwg_image *image, FILE *out);

/* Writes every component under DIR; nothing is ever created outside it. */
struct fwg_extract_stats {
	uint64_t files;      /* regular files written (components and fs files) */
	uint64_t bytes;
	uint64_t skipped;    /* components without bytes (restored from cache) */
	uint64_t dirs;       /* filesystem directories rebuilt */
	uint64_t symlinks;
	uint64_t devices;    /* device nodes written as empty placeholders */
	uint64_t conflicts;  /* fs entries not written: name clash, unsafe type */
};
FWG_NODISCARD enum fwg_status fwg_extract(const struct fwg_image *image,
		const char *dir, struct fwg_extract_stats *stats, char *errbuf,
		size_t errbuf_size);

/*
 * Analysis (issue 4): engines over the finished tree report findings and
 * identify software for the SBOM.  Rules and signature packs are data
 * files under rules/ (shipped) and the user's rule directories.
 */
enum fwg_level {
	FWG_LEVEL_INFO = 0,
	FWG_LEVEL_LOW,
	FWG_LEVEL_MEDIUM,
	FWG_LEVEL_HIGH,
	FWG_LEVEL_CRITICAL,
};
enum fwg_confidence { FWG_CONFIDENCE_LOW = 0, FWG_CONFIDENCE_MEDIUM, FWG_CONFIDENCE_HIGH };

const char *fwg_level_name(enum fwg_level level);
const char *fwg_confidence_name(enum fwg_confidence confidence);
/* "info", "low", "medium", "high", "critical"; false if unknown. */
bool fwg_level_parse(const char *text, enum fwg_level *out);

#define FWG_MAX_RULE_DIRS 16
struct fwg_analysis_options {
	const char *data_dir;       /* shipped rules and lists; NULL = default */
	const char *rule_dirs[FWG_MAX_RULE_DIRS]; /* user rule directories */
	size_t rule_dir_count;
	const char *vulndb;         /* SQLite vulnerability database; NULL = the
	                             * default path when it exists */
	const char *suppressions;   /* suppressions file (docs/findings.md) or NULL */
	const char *engines;        /* comma-separated engine names; NULL = all */
	int64_t now;                /* Unix time for expiry checks; 0 = now */
};
void fwg_analysis_options_default(struct fwg_analysis_options *options);

struct fwg_analysis;
FWG_NODISCARD enum fwg_status fwg_analyze(const struct fwg_image *image,
		const struct fwg_analysis_options *options, struct fwg_analysis **out,
		char *errbuf, size_t errbuf_size);
void fwg_analysis_free(struct fwg_analysis *analysis);
/* Findings at min or above; suppressed ones only when asked. */
size_t fwg_analysis_count(const struct fwg_analysis *analysis, enum fwg_level min,
		bool include_suppressed);

/* Scan JSON with "findings" and "software" (analysis may be NULL), the
 * findings as text, SARIF 2.1.0, CycloneDX 1.6 and SPDX 2.3 JSON. */
enum fwg_status fwg_write_json_analysis(const struct fwg_image *image,
		const struct fwg_analysis *analysis, FILE *out);
enum fwg_status fwg_write_findings_text(const struct fwg_image *image,
		const struct fwg_analysis *analysis, FILE *out);
enum fwg_status fwg_write_sarif(const struct fwg_image *image,
		const struct fwg_analysis *analysis, FILE *out);
enum fwg_status fwg_write_cyclonedx(const struct fwg_image *image,
		const struct fwg_analysis *analysis, FILE *out);
enum fwg_status fwg_write_spdx(const struct fwg_image *image,
		const struct fwg_analysis *analysis, FILE *out);

/* Offline vulnerability database (OSV and NVD CVE JSON 2.0 feeds). */
struct fwg_vulndb_stats {
	uint64_t files;
	uint64_t vulnerabilities; /* records imported or replaced */
	uint64_t ranges;          /* affected package/CPE ranges stored */
	uint64_t skipped;         /* records that could not be used, with a warning */
};
FWG_NODISCARD enum fwg_status fwg_vulndb_import(const char *db_path,
		const char *const *files, size_t file_count, struct fwg_vulndb_stats *stats,
		char *errbuf, size_t errbuf_size);
/* $FWGUARD_VULNDB, else $XDG_DATA_HOME (or ~/.local/share)/fwguard/vulndb.sqlite. */
const char *fwg_vulndb_default_path(char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif
