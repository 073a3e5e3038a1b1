/*
 * version.h - comparing the version strings found in firmware with the
 * boundaries of vulnerability feeds.
 *
 * Real-world schemes, not just semver:
 *   OpenSSL letter releases   1.0.1 < 1.0.1f < 1.0.1g < 1.0.2 < 1.0.2zd
 *   BusyBox, dates            1.20.0 < 1.36.1, 2016.11-rc1 < 2022.04
 *   pre-releases              1.0.2-beta1 < 1.0.2, 2022.07-rc5 < 2022.07
 *   post-release tags         8.9 < 8.9p1 < 9.0p1, 1.36.1 < 1.36.1-r0
 *   leading "v", epochs       v1.2 == 1.2, 1:2.3 == 2.3 (epochs ignored)
 *
 * A version is a sequence of tokens: runs of digits (compared as numbers of
 * any length, leading zeros ignored) and runs of letters (compared without
 * case); everything else separates tokens.  The letter runs alpha, beta,
 * dev, pre, preview, rc and snapshot are pre-releases, ranked below the end
 * of the version and below numbers; every other letter run (OpenSSL's "f",
 * OpenSSH's "p", Yocto's "r", "dirty", "deb") is a post-release tag,
 * ranked above the end of the version and below numbers.
 */
#ifndef FWG_ENGINES_VERSION_H
#define FWG_ENGINES_VERSION_H

#include <stdbool.h>
#include <stddef.h>

/* <0, 0 or >0 as a is older than, the same as, or newer than b. */
int fwg_version_compare(const char *a, const char *b);

/*
 * The upstream part of a version as packaged: without a leading "v", an
 * epoch ("1:"), and a vendor or distribution suffix: from the first '+',
 * or the first '-' not followed by a pre-release word, or white space
 * ("1.36.1-r0" -> "1.36.1", "2.9.0-3+deb12u1" -> "2.9.0",
 * "2022.04-dirty" -> "2022.04"; "8.9p1" and "2016.11-rc1" are kept).
 * Writes into out (truncating to size); returns true when a suffix was cut.
 */
bool fwg_version_upstream(const char *version, char *out, size_t size);

/* A version worth comparing: after an optional "v", it starts with a digit. */
bool fwg_version_usable(const char *version);

#endif
