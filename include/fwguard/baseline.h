/*
 * baseline.h - public API for golden baselines, the structural diff and
 * the bare-metal reclamation gate (docs/baselines.md).
 *
 * A baseline is a manifest of known-good firmware for one platform model:
 * per vendor release, per image role (bios, bmc), every component with
 * its identity path, type, GUID, name, size and SHA-256, filesystem
 * metadata, and the BMC's accounts.  An image opened with fwg_image_open
 * becomes the same structure (fwg_baseline_create), so the diff always
 * compares two manifests: image against image, image against baseline,
 * or baseline against baseline.
 */
#ifndef FWGUARD_BASELINE_H
#define FWGUARD_BASELINE_H

#include "fwguard/fwguard.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FWG_BASELINE_FORMAT "fwguard-baseline"

struct fwg_baseline;

/* One release of MODEL from images[0..count); roles[i] is "bios", "bmc"
 * or NULL to detect it from the image's contents. */
FWG_NODISCARD enum fwg_status fwg_baseline_create(const char *model, const char *release,
		const struct fwg_image *const *images, const char *const *roles, size_t count,
		struct fwg_baseline **out, char *errbuf, size_t errbuf_size);
/* Parses a baseline manifest (JSON text). */
FWG_NODISCARD enum fwg_status fwg_baseline_parse(const char *text, size_t len,
		struct fwg_baseline **out, char *errbuf, size_t errbuf_size);
/* True when data looks like a baseline manifest rather than an image. */
bool fwg_baseline_sniff(const uint8_t *data, size_t len);
/* Moves the releases of from into into (same model; a release of the same
 * label is replaced); from is freed. */
FWG_NODISCARD enum fwg_status fwg_baseline_merge(struct fwg_baseline *into,
		struct fwg_baseline *from, char *errbuf, size_t errbuf_size);
/* Writes the manifest in canonical form (sorted keys, compact, ASCII). */
enum fwg_status fwg_baseline_write(const struct fwg_baseline *baseline, FILE *out);
void fwg_baseline_free(struct fwg_baseline *baseline);
const char *fwg_baseline_model(const struct fwg_baseline *baseline);
size_t fwg_baseline_release_count(const struct fwg_baseline *baseline);
const char *fwg_baseline_release(const struct fwg_baseline *baseline, size_t i);

/* Change classes, from least to most severe (expected sorts first). */
enum fwg_change_class {
	FWG_CHANGE_EXPECTED = 0,
	FWG_CHANGE_INFO,
	FWG_CHANGE_WARNING,
	FWG_CHANGE_CRITICAL,
};
const char *fwg_change_class_name(enum fwg_change_class cls);
bool fwg_change_class_parse(const char *text, enum fwg_change_class *out);

struct fwg_diff_options {
	const char *release;   /* release of a baseline OLD; NULL = closest */
	/* Signed baselines of newer vendor releases: a change that makes a
	 * component equal to theirs is expected. */
	const struct fwg_baseline *const *expected;
	size_t expected_count;
	const char *allowlist; /* key-rotation allowlist file or NULL */
};
void fwg_diff_options_default(struct fwg_diff_options *options);

struct fwg_diff;
FWG_NODISCARD enum fwg_status fwg_diff_run(const struct fwg_baseline *old_side,
		const struct fwg_baseline *new_side, const struct fwg_diff_options *options,
		struct fwg_diff **out, char *errbuf, size_t errbuf_size);
void fwg_diff_free(struct fwg_diff *diff);
/* Changes of class cls exactly. */
size_t fwg_diff_count(const struct fwg_diff *diff, enum fwg_change_class cls);
enum fwg_status fwg_write_diff_json(const struct fwg_diff *diff, FILE *out);
enum fwg_status fwg_write_diff_text(const struct fwg_diff *diff, FILE *out);

/* Reclamation gate. */
enum fwg_verdict { FWG_VERDICT_CLEAN = 0, FWG_VERDICT_TAINTED, FWG_VERDICT_UNKNOWN };
const char *fwg_verdict_name(enum fwg_verdict verdict); /* "CLEAN", ... */

struct fwg_reclaim_input {
	const struct fwg_baseline *golden; /* NULL when it could not be trusted */
	const char *golden_problem;        /* why golden is NULL */
	/* The dumps read from the server, one image per role ("bios",
	 * "bmc"), as made by fwg_baseline_create; NULL with dump_problem set
	 * when a dump could not be read. */
	const struct fwg_baseline *dumps;
	const char *dump_problem;
	const char *allowlist;             /* key-rotation allowlist or NULL */
};
struct fwg_reclaim;
FWG_NODISCARD enum fwg_status fwg_reclaim_run(const struct fwg_reclaim_input *input,
		struct fwg_reclaim **out, char *errbuf, size_t errbuf_size);
enum fwg_verdict fwg_reclaim_verdict(const struct fwg_reclaim *reclaim);
void fwg_reclaim_free(struct fwg_reclaim *reclaim);
enum fwg_status fwg_write_reclaim_json(const struct fwg_reclaim *reclaim, FILE *out);
enum fwg_status fwg_write_reclaim_text(const struct fwg_reclaim *reclaim, FILE *out);

#ifdef __cplusplus
}
#endif

#endif
