#!/usr/bin/env bash
# Benchmarks fwguard against its peers on the same images in one run and
# prints medians and ratios (a benchmark, not a timed test).
#
#   bench/run.sh [RUNS]          (default 7 runs per command)
#
# Needs: a built tree (build/fwguard), and the peers from
# `scripts/install-deps.sh --bench` (uefitool-cli, binwalk, hyperfine, xz).
# Measured:
#   1. OVMF_CODE_4M.fd: `fwguard scan --format json` against the floor
#      (bare liblzma decoding the image's one big LZMA stream into a buffer,
#      bench/lzma_floor.c; `xz -dc` to /dev/null is shown too) and against
#      `UEFIExtract FILE report`; peak RSS of each.
#   2. AAVMF_VARS.ms.fd (64 MiB, mostly empty): fwguard against
#      UEFIExtract and binwalk.
#   3. Content-addressed cache: a warm `fwguard scan --cache` of OVMF
#      against UEFIExtract.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-7}
FWG=${FWG:-$PWD/build/fwguard}
OVMF=/usr/share/OVMF/OVMF_CODE_4M.fd
VARS64=/usr/share/AAVMF/AAVMF_VARS.ms.fd
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$OVMF" "$VARS64" "$work/"
ovmf=$work/$(basename "$OVMF")
vars=$work/$(basename "$VARS64")

# The floor: the OVMF image's LZMA stream, cut out by fwguard itself.
"$FWG" extract "$OVMF" -o "$work/x" >/dev/null 2>&1
raw=$(find "$work/x" -path '*section_GUID_DEFINED/_raw.bin' | head -1)
python3 - "$raw" "$work/ovmf.lzma" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
off = struct.unpack_from('<H', d, 20)[0]      # GUID-defined DataOffset
open(sys.argv[2], 'wb').write(d[off:])
PY
rm -rf "$work/x"
cc -O2 -o "$work/lzma_floor" bench/lzma_floor.c -llzma
"$FWG" scan --cache "$work/cache" "$OVMF" >/dev/null

hf() { # name, command...
	local name=$1
	shift
	hyperfine --style none --warmup 1 --runs "$RUNS" --export-json "$work/$name.json" \
		"$@" >/dev/null 2>&1
}
median() { python3 -c 'import json,sys,statistics; print(statistics.median(json.load(open(sys.argv[1]))["results"][0]["times"]))' "$work/$1.json"; }
peak_kb() { /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1; }

hf floor "$work/lzma_floor $work/ovmf.lzma"
hf xz "xz --format=lzma -dc $work/ovmf.lzma"
hf ovmf "$FWG scan --format json $OVMF"
hf ovmf_ue "cd $work && UEFIExtract $ovmf report"
hf ovmf_cached "$FWG scan --format json --cache $work/cache $OVMF"
hf vars "$FWG scan --format json $VARS64"
hf vars_ue "cd $work && UEFIExtract $vars report"
binwalk_runs=3
hyperfine --style none --runs "$binwalk_runs" --export-json "$work/vars_bw.json" \
	"binwalk $VARS64" >/dev/null 2>&1 || echo "binwalk failed"

python3 - "$work" <<'PY'
import json, statistics, sys, os
w = sys.argv[1]
def med(n):
    p = os.path.join(w, n + '.json')
    if not os.path.exists(p):
        return float('nan')
    return statistics.median(json.load(open(p))['results'][0]['times'])
m = {n: med(n) for n in ('floor', 'xz', 'ovmf', 'ovmf_ue', 'ovmf_cached', 'vars', 'vars_ue', 'vars_bw')}
print(f"OVMF_CODE_4M.fd  fwguard scan   {m['ovmf']*1e3:8.1f} ms")
print(f"                 liblzma floor  {m['floor']*1e3:8.1f} ms  -> fwguard/floor = {m['ovmf']/m['floor']:.2f}x (target <= 1.3x)")
print(f"                 (xz -dc        {m['xz']*1e3:8.1f} ms  -> fwguard/xz = {m['ovmf']/m['xz']:.2f}x)")
print(f"                 UEFIExtract    {m['ovmf_ue']*1e3:8.1f} ms  -> UEFIExtract/fwguard = {m['ovmf_ue']/m['ovmf']:.1f}x")
print(f"                 cached re-scan {m['ovmf_cached']*1e3:8.1f} ms  -> UEFIExtract/cached = {m['ovmf_ue']/m['ovmf_cached']:.1f}x (target >= 20x)")
print(f"AAVMF_VARS.ms.fd fwguard scan   {m['vars']*1e3:8.1f} ms")
print(f"  (64 MiB)       UEFIExtract    {m['vars_ue']*1e3:8.1f} ms  -> {m['vars_ue']/m['vars']:.1f}x (target >= 10x)")
print(f"                 binwalk        {m['vars_bw']*1e3:8.1f} ms  -> {m['vars_bw']/m['vars']:.1f}x")
PY
echo "peak RSS (KB): fwguard OVMF $(peak_kb "$FWG" scan --format json "$OVMF")," \
	"UEFIExtract OVMF $(cd "$work" && peak_kb UEFIExtract "$ovmf" report)," \
	"fwguard AAVMF_VARS $(peak_kb "$FWG" scan --format json "$VARS64")," \
	"UEFIExtract AAVMF_VARS $(cd "$work" && peak_kb UEFIExtract "$vars" report)"
echo "decoded bytes in OVMF: $("$FWG" scan --format json "$OVMF" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(sum(c.get("decoded_size",0) for c in d["components"]))')"
