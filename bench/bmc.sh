#!/usr/bin/env bash
# Benchmarks `fwguard extract` of the OpenBMC-style flash image against
# `binwalk -Me` (recursive signature extraction) on the same image and
# prints both medians and their ratio (target: fwguard at least 10x
# faster).  A benchmark, not a timed test.
#
#   bench/bmc.sh [RUNS] [BINWALK_RUNS]      (defaults 5 and 2)
#
# The image is tests/gen/make_openbmc_image.py's static layout: 64 MiB,
# because Debian's qemu_arm U-Boot does not fit the 32 MiB layout's u-boot
# slot (the issue allows the 64 MiB layout then).  Needs a built tree
# (build/fwguard, or FWG=...), the generator's tools (u-boot-qemu,
# u-boot-tools, device-tree-compiler, squashfs-tools, mtd-utils, cpio) and
# binwalk; hyperfine when installed, else a timed loop with medians.
# binwalk -Me runs in a scratch directory that is removed after each run.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
BW_RUNS=${2:-2}
FWG=${FWG:-$PWD/build/fwguard}
export PATH=$PATH:/usr/sbin:/sbin
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 tests/gen/make_openbmc_image.py "$work/gen" --variant static >/dev/null
img=$work/gen/openbmc-static.bin
size=$(stat -c %s "$img")

# binwalk refuses to run its extractors as root without --run-as.
bw_as=""
[ "$(id -u)" = 0 ] && bw_as="--run-as=root"
fwg_cmd="rm -rf $work/fx && $FWG extract $img -o $work/fx >/dev/null 2>&1"
bw_cmd="rm -rf $work/bx && mkdir $work/bx && cd $work/bx && binwalk -Me $bw_as -q $img >/dev/null 2>&1; cd $work && rm -rf $work/bx"

if command -v hyperfine >/dev/null; then
	hyperfine --style none --warmup 1 --runs "$RUNS" --export-json "$work/fwg.json" \
		"$fwg_cmd" >/dev/null 2>&1
	hyperfine --style none --runs "$BW_RUNS" --export-json "$work/bw.json" \
		"$bw_cmd" >/dev/null 2>&1 || true
	med() { python3 -c 'import json,sys,statistics; r=json.load(open(sys.argv[1]))["results"][0]; print(statistics.median(r[sys.argv[2]]) if sys.argv[2] == "times" else r[sys.argv[2]])' "$1" "$2"; }
	fwg=$(med "$work/fwg.json" times)
	bw=$(med "$work/bw.json" times)
	fwg_cpu=$(python3 -c "print($(med "$work/fwg.json" user) + $(med "$work/fwg.json" system))")
	bw_cpu=$(python3 -c "print($(med "$work/bw.json" user) + $(med "$work/bw.json" system))")
else
	loop() { # runs, command: median wall time in seconds
		local n=$1 cmd=$2 t
		for _ in $(seq "$n"); do
			t=$( { /usr/bin/time -f '%e' bash -c "$cmd" >/dev/null; } 2>&1 | tail -1)
			echo "$t"
		done | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'
	}
	fwg=$(loop "$RUNS" "$fwg_cmd")
	bw=$(loop "$BW_RUNS" "$bw_cmd")
	fwg_cpu=nan
	bw_cpu=nan
fi

# What each produced, for the record (one more run of each).
rm -rf "$work/fx" "$work/bx"
$FWG extract "$img" -o "$work/fx" >/dev/null 2>&1
fwg_files=$(find "$work/fx" -type f | wc -l)
mkdir "$work/bx" && (cd "$work/bx" && binwalk -Me $bw_as -q "$img" >/dev/null 2>&1 || true)
bw_files=$(find "$work/bx" -type f | wc -l)

python3 - "$fwg" "$bw" "$size" "$fwg_files" "$bw_files" "$RUNS" "$BW_RUNS" "$fwg_cpu" "$bw_cpu" <<'PY'
import sys
fwg, bw, size = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
fc, bc = float(sys.argv[8]), float(sys.argv[9])
print(f"OpenBMC static image ({size >> 20} MiB), extract to a directory")
print(f"  fwguard extract  {fwg*1e3:9.1f} ms wall  {fc*1e3:9.1f} ms cpu (mean)  median of {sys.argv[6]}, {sys.argv[4]} files written")
print(f"  binwalk -Me      {bw*1e3:9.1f} ms wall  {bc*1e3:9.1f} ms cpu (mean)  median of {sys.argv[7]}, {sys.argv[5]} files written")
print(f"  binwalk/fwguard = {bw/fwg:.1f}x wall, {bc/fc:.1f}x cpu (target >= 10x)")
PY
