#!/usr/bin/env bash
# Benchmarks the offline vulnerability database at NVD size:
#   1. generates a synthetic NVD CVE JSON 2.0 feed (bench/gen_nvd_feed.py:
#      250,000 CVEs, ~1M cpeMatch entries, 25 files) unless FEED_DIR holds one;
#   2. imports it (fwg_vulndb_import; time and rate);
#   3. matches 50 components with the engine's indexed queries and with the
#      same queries forced to full scans (NOT INDEXED), and prints both
#      medians, the ratio and the EXPLAIN QUERY PLAN of each query.
#
#   bench/vulndb.sh [CVES]        (default 250000)
#
# Needs a built tree (build/, for libfwguard_internal.a).  Environment:
# FEED_DIR to reuse a generated feed, RUNS (default 5) matching runs.
set -euo pipefail
cd "$(dirname "$0")/.."
CVES=${1:-250000}
RUNS=${RUNS:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -f build/libfwguard_internal.a ] || { echo "build first: meson setup build && ninja -C build"; exit 1; }

libs=$(pkg-config --libs libcrypto liblzma libbrotlidec zlib jansson libzstd liblz4 lzo2 \
	libarchive libsquashfs1 sqlite3 yara libcrypt)
# shellcheck disable=SC2086
cc -O2 -D_GNU_SOURCE -Iinclude -Isrc/core -o "$work/vulndb_bench" bench/vulndb_bench.c \
	build/libfwguard_internal.a $libs -lfdt -lbz2 -lpthread -lm

feed=${FEED_DIR:-$work/feed}
if [ ! -d "$feed" ] || [ -z "$(ls "$feed" 2>/dev/null)" ]; then
	echo "generating $CVES synthetic CVEs in $feed"
	start=$(date +%s.%N)
	python3 bench/gen_nvd_feed.py "$feed" "$CVES"
	echo "generated in $(echo "$(date +%s.%N) - $start" | bc) s, $(du -sh "$feed" | cut -f1)"
fi
"$work/vulndb_bench" import "$work/vulndb.sqlite" "$feed"/*.json
echo "database: $(du -h "$work/vulndb.sqlite" | cut -f1)"
"$work/vulndb_bench" match "$work/vulndb.sqlite" "$RUNS"
