#!/usr/bin/env bash
# Benchmarks the analysis engines (issue 4): on the OpenBMC-style flash
# image of tests/gen/make_openbmc_image.py (static layout, 64 MiB because
# Debian's U-Boot does not fit the 32 MiB layout's slot), plus the seeded
# image of tests/gen/make_seeded_bmc.py, it times in one run:
#   extract   fwguard extract IMAGE -o DIR         (extraction alone)
#   inventory fwguard scan --no-analysis IMAGE     (unpacking, no engine)
#   analysis  fwguard scan --format json IMAGE     (every engine, demo vulndb)
# and prints the medians and the ratio analysis/extract (target <= 2x),
# plus the engines' own cost (analysis - inventory) against extraction.
# A benchmark, not a timed test.  Needs hyperfine and a built tree.
#   bench/engines.sh [RUNS]     (default 7)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-7}
FWG=${FWG:-$PWD/build/fwguard}
export PATH=$PATH:/usr/sbin:/sbin
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 tests/gen/make_openbmc_image.py "$work/gen" --variant static >/dev/null
python3 tests/gen/make_seeded_bmc.py "$work/seed" --variant seeded >/dev/null
$FWG vulndb import --db "$work/vulndb.sqlite" rules/vulndb/*.json 2>/dev/null

bench_one() { # label image
	local label=$1 img=$2
	hyperfine --style none --warmup 1 --runs "$RUNS" --export-json "$work/$label.json" \
		-n extract "rm -rf $work/fx && $FWG extract $img -o $work/fx >/dev/null 2>&1" \
		-n inventory "$FWG scan --no-analysis --format json $img >/dev/null" \
		-n analysis "$FWG scan --format json --vulndb $work/vulndb.sqlite $img >/dev/null" \
		>/dev/null 2>&1
	local findings
	findings=$($FWG scan --format json --vulndb "$work/vulndb.sqlite" "$img" |
		python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["findings"]), len(d["software"]))')
	python3 - "$work/$label.json" "$label" "$(stat -c %s "$img")" "$findings" <<'PY'
import json, statistics, sys
res = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
med = {k: statistics.median(v["times"]) for k, v in res.items()}
size = int(sys.argv[3]) >> 20
nf, ns = sys.argv[4].split()
print(f"{sys.argv[2]} ({size} MiB): {nf} findings, {ns} software components")
for k in ("extract", "inventory", "analysis"):
    print(f"  {k:9s} {med[k]*1e3:8.1f} ms  (median of {len(res[k]['times'])})")
print(f"  analysis/extract = {med['analysis']/med['extract']:.2f}x (target <= 2x); "
      f"engines alone (analysis - inventory) = {(med['analysis']-med['inventory'])*1e3:.1f} ms "
      f"= {(med['analysis']-med['inventory'])/med['extract']:.2f}x extraction")
PY
}
bench_one openbmc-static "$work/gen/openbmc-static.bin"
bench_one seeded "$work/seed/seeded-seeded.bin"
