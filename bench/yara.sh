#!/usr/bin/env bash
# Cost of the yara engine (shipped pack) over extraction alone: `fwguard
# scan --no-analysis` against `fwguard scan --engines yara` on the
# OpenBMC-style static image (tests/gen/make_openbmc_image.py) and on
# Debian's OVMF; prints medians and the ratio.  A benchmark, not a test.
#
#   bench/yara.sh [RUNS]        (default 10; needs hyperfine and a built tree)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-10}
FWG=${FWG:-$PWD/build/fwguard}
export PATH=$PATH:/usr/sbin:/sbin
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 tests/gen/make_openbmc_image.py "$work/gen" --variant static >/dev/null
for img in "$work/gen/openbmc-static.bin" /usr/share/OVMF/OVMF_CODE_4M.fd; do
	[ -f "$img" ] || continue
	hyperfine -N --style none --warmup 2 --runs "$RUNS" --export-json "$work/r.json" \
		"$FWG scan --no-analysis $img" "$FWG scan --engines yara $img" >/dev/null 2>&1
	python3 - "$work/r.json" "$img" <<'PY'
import json, statistics, sys
r = json.load(open(sys.argv[1]))['results']
base, yara = (statistics.median(x['times']) for x in r)
cpu = [x['user'] + x['system'] for x in r]  # means
print(f'{sys.argv[2]}: extraction {base:.3f} s, with yara {yara:.3f} s, ratio {yara / base:.2f}'
      f' (cpu {cpu[0]:.3f} s -> {cpu[1]:.3f} s)')
PY
done
