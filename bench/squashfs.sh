#!/usr/bin/env bash
# squashfs extraction: `fwguard extract` against `unsquashfs -d` on the same
# rootfs-sized image (issue 3 target: fwguard within 1.5x of unsquashfs).
#
#   bench/squashfs.sh [RUNS] [COMP]     (default 5 runs, xz)
#
# The image is built here with mksquashfs from this machine's Python standard
# library (/usr/lib/python3.*) plus ELF programs from /usr/bin up to ~30 MiB:
# ~85 MiB, ~1500 entries, a rootfs's mix of scripts, bytecode and binaries.
# Both tools write the whole tree to a fresh directory on the same
# filesystem; unsquashfs uses all cores (its default), fwguard decodes on
# one thread per core.  Prints median wall time (hyperfine if installed,
# else a loop) and CPU time (user+sys), and the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
COMP=${2:-xz}
FWG=${FWG:-$PWD/build/fwguard}
command -v mksquashfs >/dev/null && command -v unsquashfs >/dev/null ||
	{ echo "needs squashfs-tools (mksquashfs, unsquashfs)"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/root/usr/bin" "$work/root/usr/lib"
py=$(ls -d /usr/lib/python3.* | sort -V | tail -1)
cp -a "$py" "$work/root/usr/lib/"
python3 - "$work/root/usr/bin" <<'PY'
import os, shutil, sys
total = 0
for n in sorted(os.listdir('/usr/bin')):
    p = os.path.join('/usr/bin', n)
    if os.path.islink(p) or not os.path.isfile(p) or os.path.getsize(p) > 8 << 20:
        continue
    shutil.copy2(p, os.path.join(sys.argv[1], n))
    total += os.path.getsize(p)
    if total > 30 << 20:
        break
PY
img=$work/rootfs.sqfs
mksquashfs "$work/root" "$img" -comp "$COMP" -noappend -quiet -no-progress >/dev/null
src_mib=$(du -sm "$work/root" | cut -f1)
entries=$(find "$work/root" | wc -l)
img_mib=$(( $(stat -c %s "$img") >> 20 ))
echo "image: $COMP, ${img_mib} MiB holding ${src_mib} MiB in $entries entries; $(nproc) cores"

out=$work/out
fwg_cmd="$FWG extract $img -o $out"
unsq_cmd="unsquashfs -q -n -d $out $img"

cpu() { # seconds of user+sys of one run of "$@"
	rm -rf "$out"
	/usr/bin/time -f '%U %S' "$@" 2>&1 >/dev/null | tail -1 | awk '{print $1 + $2}'
}

if command -v hyperfine >/dev/null; then
	hyperfine --style none --warmup 1 --runs "$RUNS" --prepare "rm -rf $out" \
		--export-json "$work/h.json" "$fwg_cmd" "$unsq_cmd" >/dev/null 2>&1
	read -r fwg_wall unsq_wall < <(python3 -c '
import json, statistics, sys
r = json.load(open(sys.argv[1]))["results"]
print(*(statistics.median(x["times"]) for x in r))' "$work/h.json")
else
	wall() {
		local ts=()
		for _ in $(seq "$RUNS"); do
			rm -rf "$out"
			local t0 t1
			t0=$(date +%s.%N)
			"$@" >/dev/null 2>&1
			t1=$(date +%s.%N)
			ts+=("$(echo "$t1 - $t0" | bc)")
		done
		printf '%s\n' "${ts[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
	}
	fwg_wall=$(wall $fwg_cmd)
	unsq_wall=$(wall $unsq_cmd)
fi
fwg_cpu=$(cpu $fwg_cmd)
unsq_cpu=$(cpu $unsq_cmd)
python3 - "$fwg_wall" "$unsq_wall" "$fwg_cpu" "$unsq_cpu" <<'PY'
import sys
fw, uw, fc, uc = map(float, sys.argv[1:])
print(f"fwguard extract   wall {fw*1e3:8.0f} ms   cpu {fc*1e3:8.0f} ms")
print(f"unsquashfs -d     wall {uw*1e3:8.0f} ms   cpu {uc*1e3:8.0f} ms")
print(f"ratio fwguard/unsquashfs: wall {fw/uw:.2f}x (target <= 1.5x), cpu {fc/uc:.2f}x")
PY
