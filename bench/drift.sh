#!/usr/bin/env bash
# Benchmarks the structural diff (issue 5) against scanning, in one run:
# two 64 MiB OpenBMC-style images (tests/gen/make_seeded_bmc.py clean and
# seeded) and Debian's OVMF with a module planted by
# tests/gen/make_uefi_implants.py.  Times with hyperfine:
#   scan-both      fwguard scan A; fwguard scan B       (the issue's yardstick)
#   inventory-both fwguard scan --no-analysis A; ... B  (unpacking alone)
#   diff           fwguard diff A B                     (target <= 1.2x scan-both)
#   diff-baseline  fwguard diff golden.json B           (one side from a manifest)
# and prints medians and ratios.  The diff skips every subtree whose hash
# matches (counted in the output as "skipped by hash").  A benchmark, not
# a timed test.  Needs hyperfine and a built tree.
#   bench/drift.sh [RUNS]     (default 7)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-7}
FWG=${FWG:-$PWD/build/fwguard}
export PATH=$PATH:/usr/sbin:/sbin
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 tests/gen/make_seeded_bmc.py "$work/seed" --variant all >/dev/null
python3 tests/gen/make_uefi_implants.py "$work/uefi" >/dev/null

bench_pair() { # label A B
	local label=$1 a=$2 b=$3
	$FWG baseline create --model bench -o "$work/$label.json" "$a" 2>/dev/null
	hyperfine --style none --warmup 1 --runs "$RUNS" --export-json "$work/$label.h.json" \
		-n scan-both "$FWG scan $a >/dev/null; $FWG scan $b >/dev/null" \
		-n inventory-both "$FWG scan --no-analysis $a >/dev/null; $FWG scan --no-analysis $b >/dev/null" \
		-n diff "$FWG diff $a $b >/dev/null 2>&1 || true" \
		-n diff-baseline "$FWG diff --insecure-unsigned $work/$label.json $b >/dev/null 2>&1 || true" \
		>/dev/null 2>&1
	local changes
	changes=$($FWG diff --format json "$a" "$b" 2>/dev/null |
		python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["changes"]))' || true)
	python3 - "$work/$label.h.json" "$label" "$(stat -c %s "$a")" "$changes" <<'PY'
import json, statistics, sys
res = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
med = {k: statistics.median(v["times"]) for k, v in res.items()}
print(f"{sys.argv[2]} ({int(sys.argv[3]) >> 20} MiB each): {sys.argv[4]} changes")
for k in ("scan-both", "inventory-both", "diff", "diff-baseline"):
    print(f"  {k:14s} {med[k]*1e3:8.1f} ms  (median of {len(res[k]['times'])})")
print(f"  diff/scan-both = {med['diff']/med['scan-both']:.2f}x (target <= 1.2x); "
      f"diff/inventory-both = {med['diff']/med['inventory-both']:.2f}x; "
      f"diff-baseline/diff = {med['diff-baseline']/med['diff']:.2f}x")
PY
}
bench_pair bmc-64MiB "$work/seed/seeded-clean.bin" "$work/seed/seeded-seeded.bin"
bench_pair ovmf "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd" "$work/uefi/dxe_added.fd"
