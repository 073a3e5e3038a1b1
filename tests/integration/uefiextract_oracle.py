#!/usr/bin/env python3
"""Agreement test: fwguard against UEFIExtract (Debian's uefitool-cli).

For every UEFI firmware image shipped by Debian's ovmf, qemu-efi-aarch64 and
qemu-efi-arm packages, UEFIExtract's report is the oracle:
  * the multiset of FFS file GUIDs fwguard finds (nested ones included)
    equals UEFIExtract's;
  * the number of pad files equals UEFIExtract's (it prints pad files
    without their GUID), not counting the pad file EDK2 uses to hold a
    volume's extended header, which UEFIExtract folds into the volume
    header;
  * the number of firmware volumes is the same.
Usage: uefiextract_oracle.py FWGUARD [IMAGE...]
"""
import collections
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

DEFAULT_GLOBS = [
    '/usr/share/OVMF/*.fd',
    '/usr/share/AAVMF/*.fd',
    '/usr/share/qemu-efi-aarch64/*.fd',
]
GUID_RE = re.compile(r'([0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12})')


def oracle(image, workdir):
    """Runs UEFIExtract on a private copy; returns (guids, pads, volumes)."""
    copy = os.path.join(workdir, os.path.basename(image))
    shutil.copyfile(image, copy)
    subprocess.run(['UEFIExtract', copy, 'report'], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    guids, pads, volumes = collections.Counter(), 0, 0
    with open(copy + '.report.txt', encoding='utf-8', errors='replace') as f:
        for line in f:
            cols = [c.strip() for c in line.split('|')]
            if len(cols) < 6:
                continue
            if cols[0] == 'Volume':
                volumes += 1
            elif cols[0] == 'File':
                if cols[1] == 'Pad':
                    pads += 1
                    continue
                m = GUID_RE.search(cols[5])
                if not m:
                    raise RuntimeError(f'no GUID in report line: {line!r}')
                guids[m.group(1).lower()] += 1
    os.unlink(copy)
    os.unlink(copy + '.report.txt')
    return guids, pads, volumes


def fwguard_view(fwguard, image):
    out = subprocess.run([fwguard, 'scan', '--format', 'json', image], check=True,
                         stdout=subprocess.PIPE).stdout
    doc = json.loads(out)
    guids, pads, volumes = collections.Counter(), 0, 0
    for c in doc['components']:
        if c['type'] == 'fv':
            volumes += 1
        elif c['type'] == 'ffs':
            attrs = c['attributes']
            if attrs.get('holds_fv_ext_header'):
                continue
            if attrs.get('file_type') == 'PAD':
                pads += 1
            else:
                guids[c['guid']] += 1
    return guids, pads, volumes


def main():
    fwguard = sys.argv[1]
    images = sys.argv[2:]
    if not images:
        seen = set()
        for pattern in DEFAULT_GLOBS:
            for path in sorted(glob.glob(pattern)):
                real = os.path.realpath(path)
                if real not in seen:
                    seen.add(real)
                    images.append(real)
    if not images:
        print('no firmware images found: install ovmf and qemu-efi-aarch64')
        return 1
    failures = 0
    with tempfile.TemporaryDirectory() as work:
        for image in images:
            want = oracle(image, work)
            got = fwguard_view(fwguard, image)
            ok = want == got
            print(f'{"ok  " if ok else "FAIL"} {image}: files {sum(got[0].values())}'
                  f'/{sum(want[0].values())} pads {got[1]}/{want[1]} volumes {got[2]}/{want[2]}')
            if not ok:
                failures += 1
                missing = want[0] - got[0]
                extra = got[0] - want[0]
                if missing:
                    print('  missing:', dict(missing))
                if extra:
                    print('  extra:  ', dict(extra))
    print(f'{len(images) - failures} images agree, {failures} differ')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
