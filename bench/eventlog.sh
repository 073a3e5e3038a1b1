#!/usr/bin/env bash
# Benchmarks the measured-boot hot path of a fleet verifier (issue 6), both
# sides in one run:
#   fwguard in process   parse + replay + check of a log held in memory,
#                        against a reference loaded once (bench/eventlog_bench.c),
#                        one thread: logs per second per core;
#   fwguard CLI          `fwguard eventlog check` per log (a process per log);
#   tpm2_eventlog        the peer: one process per log (its only interface),
#                        parse + replay.
# for each real log (../shared/testdata/eventlogs and, when present, the
# QEMU/OVMF/swtpm boot logs in $FWG_BOOTLOG_DIR), and prints medians and
# ratios.  The target is >= 20,000 logs/s per core for a typical 100-event
# log.  A benchmark, not a timed test.
#   bench/eventlog.sh [SECONDS_PER_LOG]     (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_LOG=${1:-3}
DATA=${FWG_EVENTLOG_DATA:-$PWD/../shared/testdata/eventlogs}
BOOT=${FWG_BOOTLOG_DIR:-$PWD/build/bootlogs}
FWG=${FWG:-$PWD/build/fwguard}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -f build/libfwguard_internal.a ] || { echo "build first: meson setup build && ninja -C build"; exit 1; }

libs=$(pkg-config --libs libcrypto liblzma libbrotlidec zlib jansson libzstd liblz4 lzo2 \
	libarchive libsquashfs1 sqlite3 yara libcrypt p11-kit-1 tss2-esys tss2-mu tss2-tctildr)
# shellcheck disable=SC2086
cc -O2 -D_GNU_SOURCE -Iinclude -o "$work/eventlog_bench" bench/eventlog_bench.c \
	build/libfwguard_internal.a $libs -lfdt -lbz2 -lpthread -lm -ldl

logs=()
for f in "$DATA"/kgoldman-ibmtss/*.log "$DATA"/nsacyber-HIRS/TpmLog.bin \
	"$DATA"/keylime-keylime/binary_bios_measurements "$DATA"/canonical-tcglog-parser/binary_bios_measurements \
	"$DATA"/tpm2-software-tpm2-tools/event-gce-ubuntu-2104-log.bin "$BOOT"/*/binary_bios_measurements; do
	[ -f "$f" ] && logs+=("$f")
done

# Median wall time of N runs of a command, in seconds.
median_time() { # N cmd...
	local n=$1
	shift
	for _ in $(seq "$n"); do
		local t0 t1
		t0=$(date +%s%N)
		"$@" >/dev/null 2>&1 || true
		t1=$(date +%s%N)
		echo $(((t1 - t0)))
	done | sort -n | awk '{a[NR]=$1} END {printf "%.6f\n", a[int((NR+1)/2)]/1e9}'
}

printf '%-58s %6s %12s %12s %12s %8s\n' log events "fwg logs/s" "cli logs/s" "t2el logs/s" ratio
for f in "${logs[@]}"; do
	name=${f#"$DATA"/}
	name=${name#"$BOOT"/}
	# The log's own reference: the pass case, which is the common one in a fleet.
	"$FWG" eventlog baseline --model bench -o "$work/ref.json" "$f" 2>/dev/null
	line=$("$work/eventlog_bench" "$work/ref.json" "$SECONDS_PER_LOG" "$f")
	rate=$(echo "$line" | awk '{print $1}')
	events=$(echo "$line" | sed -E 's/.* ([0-9.]+) events per log.*/\1/')
	cli=$(median_time 21 "$FWG" eventlog check "$f" --ref "$work/ref.json")
	peer=$(median_time 21 tpm2_eventlog --eventlog-version=2 "$f")
	printf '%-58s %6s %12s %12.0f %12.0f %7.0fx\n' "${name:0:58}" "$events" "$rate" \
		"$(echo "1/$cli" | bc -l)" "$(echo "1/$peer" | bc -l)" "$(echo "$rate*$peer" | bc -l)"
done
echo "ratio = fwguard in-process logs/s / tpm2_eventlog logs/s (one process per log, its only interface)"
