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
import glob
import json
import os
import subprocess
import sys
import tempfile

from uefi_views import fwguard_view, uefiextract_view

DEFAULT_GLOBS = [
    '/usr/share/OVMF/*.fd',
    '/usr/share/AAVMF/*.fd',
    '/usr/share/qemu-efi-aarch64/*.fd',
]
def fwguard_summary(fwguard, image):
    out = subprocess.run([fwguard, 'scan', '--format', 'json', image], check=True,
                         stdout=subprocess.PIPE).stdout
    return fwguard_view(json.loads(out)['components'])


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
            want = uefiextract_view(image, work, strict=True)
            if want is None:
                raise RuntimeError(f'UEFIExtract failed on {image}')
            got = fwguard_summary(fwguard, image)
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
