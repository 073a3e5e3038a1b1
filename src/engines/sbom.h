/*
 * sbom.h - internals of the sbom engine (sbom.c, sbom_rules.c,
 * sbom_scan.c): the component signature pack and the string matcher.
 *
 * A pack is loaded from the .json files of rules/components and the user's rule
 * directories (docs/findings.md gives the file format).  Each
 * component definition carries its canonical name, CycloneDX kind,
 * supplier, purl and CPE templates ("{version}" is replaced), the package
 * names that map to it in opkg/dpkg databases, the os-release IDs and
 * file paths that identify it, and string patterns.
 *
 * A string pattern is a literal anchor (ASCII or UTF-16LE, 4..64 bytes)
 * followed, optionally after skipping to a second literal, by a version
 * from a small grammar:
 *
 *   version := DIGIT ALNUM* ( SEP ALNUM+ )*      at least min_parts parts
 *
 * SEP is one of the pattern's separators ("." by default).  A version
 * directly followed by '*' or '?' is a glob in a compatibility table, not
 * a version, and is ignored.  `follow` requires a literal right after the
 * version ("@date" is the "6 Jan 2014" of OpenSSL's version text).
 *
 * Matching is one pass over each byte range: a 4-byte window is hashed
 * into a 64 Ki-bit filter built from the anchors' first four bytes; only
 * filter hits compare anchors.
 */
#ifndef FWG_ENGINES_SBOM_H
#define FWG_ENGINES_SBOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"

#define SBOM_ANCHOR_MIN 4
#define SBOM_ANCHOR_MAX 64
#define SBOM_VERSION_MAX 48
#define SBOM_SEPARATORS_MAX 8

struct sbom_def {
	char *name;          /* canonical, lower case */
	char *kind;          /* CycloneDX component type */
	char *supplier;
	char *description;
	char *purl;          /* template with {version}, or NULL */
	char *cpe;           /* template with {version}, or NULL */
	char **packages;     /* fnmatch globs of package names */
	size_t package_count;
	char **paths;        /* fnmatch globs of file paths (presence) */
	size_t path_count;
	char **os_ids;       /* os-release ID values */
	size_t os_id_count;
	bool fmh_info;       /* MegaRAC FMH firmware-info FW_VERSION */
};

struct sbom_pattern {
	size_t def;              /* index into pack->defs */
	uint8_t anchor[SBOM_ANCHOR_MAX];
	size_t anchor_len;       /* encoded bytes */
	char anchor_text[SBOM_ANCHOR_MAX + 1]; /* as written in the pack */
	unsigned stride;         /* 1 ASCII, 2 UTF-16LE */
	uint8_t skip_to[SBOM_ANCHOR_MAX];
	size_t skip_len;         /* 0 = none */
	size_t within;           /* bytes to look for skip_to in */
	uint8_t follow[SBOM_ANCHOR_MAX];
	size_t follow_len;       /* 0 = none */
	bool follow_date;        /* "@date" */
	bool has_version;
	char separators[SBOM_SEPARATORS_MAX + 1];
	unsigned min_parts;
	uint16_t hash;           /* of the anchor's first four bytes */
};

struct sbom_pack {
	struct sbom_def *defs;
	size_t def_count, def_cap;
	struct sbom_pattern *patterns;
	size_t pattern_count, pattern_cap;
	uint64_t filter[1024];   /* 65536 bits over sbom_hash4() */
};

/* Loads every pack (shipped and user); on failure a->error says why. */
FWG_NODISCARD enum fwg_status sbom_pack_load(struct fwg_analysis *a, struct sbom_pack *pack);
/* Loads one pack file into pack (exposed for tests and the fuzzer). */
FWG_NODISCARD enum fwg_status sbom_pack_load_file(struct sbom_pack *pack, const char *path,
		char *err, size_t err_size);
void sbom_pack_free(struct sbom_pack *pack);

static inline uint16_t sbom_hash4(const uint8_t *p)
{
	uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		(uint32_t)p[3] << 24;
	return (uint16_t)((v * 2654435761u) >> 16);
}

/* One identified string: which pattern, the version (NUL-terminated,
 * empty when the pattern has none) and the matched text for evidence. */
struct sbom_match {
	const struct sbom_pattern *pattern;
	char version[SBOM_VERSION_MAX + 1];
	char text[96];
};

typedef void (*sbom_match_fn)(const struct sbom_match *m, void *user);

/* Scans [data, data+size) (anchors must start below scan_end; versions
 * may run on to size) and calls fn for each match. */
void sbom_scan(const struct sbom_pack *pack, const uint8_t *data, size_t size, size_t scan_start,
		size_t scan_end, sbom_match_fn fn, void *user);

/* Strips a package revision and epoch ("1:1.1.1n-0+deb11u4" -> "1.1.1n",
 * "1.36.1-r0" -> "1.36.1") into out; false when nothing usable is left. */
bool sbom_upstream_version(const char *full, char *out, size_t out_size);

#endif
