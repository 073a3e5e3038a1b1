#!/usr/bin/env python3
"""Agreement with binwalk: fwguard finds at least every container that
binwalk's signature scan (Debian's binwalk, no extraction) finds in the
generated BMC images.

For each image (tests/gen/make_openbmc_image.py static and UBI,
make_megarac_image.py, make_aten_image.py) binwalk's hits are classified by
their description: a container maps to the fwguard types that stand for it
(the table is printed), and fwguard's scan must have a component of one of
those types whose abs_offset is the hit's offset.  Hits that are not
containers (CRC tables, copyright strings, paths, hash constants, ...)
are listed as ignored; a description the table does not know fails the
test, so a new kind of hit is looked at rather than silently skipped.
Usage: binwalk_agreement_test.py FWGUARD
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'gen'))
FWGUARD = sys.argv[1]

for tool in ('binwalk', 'mkimage', 'mksquashfs', 'mkfs.cramfs', 'lzop', 'openssl'):
    if not shutil.which(tool) and not os.path.exists('/usr/sbin/' + tool):
        print(f'SKIP: {tool} not installed')
        sys.exit(77)
for tool in ('mkfs.jffs2', 'mkfs.ubifs', 'ubinize'):
    if not shutil.which(tool) and not os.path.exists('/usr/sbin/' + tool):
        print(f'SKIP: {tool} not installed')
        sys.exit(77)
if not os.path.exists('/usr/lib/u-boot/qemu_arm/u-boot.bin'):
    print('SKIP: u-boot-qemu not installed')
    sys.exit(77)
os.environ['PATH'] += os.pathsep + '/usr/sbin' + os.pathsep + '/sbin'

import make_aten_image  # noqa: E402
import make_megarac_image  # noqa: E402
import make_openbmc_image  # noqa: E402

# binwalk description prefix -> fwguard types that stand for the container.
CONTAINERS = [
    ('Squashfs filesystem', {'squashfs'}),
    ('JFFS2 filesystem', {'jffs2'}),
    ('CramFS filesystem', {'cramfs'}),
    ('UBI erase count header', {'ubi'}),
    ('UBI volume ID header', {'ubi', 'ubi_volume'}),
    ('UBIFS', {'ubifs'}),
    ('uImage header', {'uimage'}),
    ('Flattened device tree', {'fit', 'dtb'}),
    ('gzip compressed data', {'gzip'}),
    ('xz compressed data', {'xz'}),
    ('LZMA compressed data', {'lzma'}),
    ('bzip2 compressed data', {'bzip2'}),
    ('Zstandard compressed data', {'zstd'}),
    ('LZ4 compressed data', {'lz4'}),
    ('lzop compressed data', {'lzo'}),
    ('POSIX tar archive', {'tar'}),
    ('ASCII cpio archive', {'cpio'}),
    ('ELF', {'elf'}),
    ('Microsoft executable, portable (PE)', {'pe32'}),
    ('AMI MegaRAC', {'megarac_flash', 'fmh_module'}),
]
# Hits that are not containers: nothing to open.
IGNORED = [
    'CRC32 polynomial table', 'Copyright string', 'Unix path', 'SHA256 hash constants',
    'Certificate in DER format', 'PEM certificate', 'PEM RSA private key', 'Linux kernel version',
    'U-Boot version string', 'AES S-Box', 'AES Inverse S-Box', 'Base64 standard index table',
    'CRC16 polynomial table', 'HTML document', 'XML document', 'Neighborly text',
    'Intel x86 or x64 microcode', 'MySQL', 'Ubiquiti', 'VxWorks', 'eCos', 'Object signature',
    'Unix home path', 'Executable script', 'PGP',
    # A bare deflate stream with a zlib header: binwalk reports one per
    # compressed page of a cramfs or node of a jffs2 whose header it did
    # not recognise; fwguard decodes these inside their filesystem and has
    # no type for a headerless stream.
    'Zlib compressed data',
    # An "MZ" that no PE header follows (U-Boot's EFI stub at 0x8a228 has
    # e_lfanew 0x70000000): a DOS executable at most, nothing to open.
    'Microsoft executable, MS-DOS',
]

passed = failed = 0


def check(name, cond, detail=''):
    global passed, failed
    if cond:
        passed += 1
        print(f'ok   {name}')
    else:
        failed += 1
        print(f'FAIL {name} {detail}'.rstrip())
    return cond


HIT = re.compile(r'^(\d+)\s+0x[0-9A-Fa-f]+\s+(.*)$')


def binwalk_hits(path):
    r = subprocess.run(['binwalk', path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    if r.returncode != 0:
        raise RuntimeError(f'binwalk {path}: {r.stderr}')
    hits = []
    for line in r.stdout.splitlines():
        m = HIT.match(line.strip())
        if m:
            hits.append((int(m.group(1)), m.group(2)))
    return hits


def classify(desc):
    for prefix, types in CONTAINERS:
        if desc.startswith(prefix):
            return prefix, types
    for prefix in IGNORED:
        if desc.startswith(prefix):
            return prefix, None
    return None, None


def fwguard_components(path):
    r = subprocess.run([FWGUARD, 'scan', '--format', 'json', path], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if r.returncode != 0:
        raise RuntimeError(f'scan {path}: {r.stderr.decode()}')
    by_offset = {}
    for c in json.loads(r.stdout)['components']:
        if c.get('abs_offset') is not None:
            by_offset.setdefault(c['abs_offset'], set()).add(c['type'])
    return by_offset


def agree(label, path):
    hits = binwalk_hits(path)
    found = fwguard_components(path)
    print(f'# {label}: {len(hits)} binwalk hits')
    for off, desc in hits:
        prefix, types = classify(desc)
        short = desc[:70]
        if prefix is None:
            check(f'{label} 0x{off:x}: binwalk description is classified', False, short)
            continue
        if types is None:
            print(f'     {label} 0x{off:x}: ignored (not a container): {prefix}')
            continue
        have = found.get(off, set())
        check(f'{label} 0x{off:x}: {prefix} -> fwguard {"/".join(sorted(types))}',
              have & types, f'fwguard has {sorted(have) or "nothing"} there')


def main():
    print('# binwalk description -> fwguard types')
    for prefix, types in CONTAINERS:
        print(f'#   {prefix:40s} -> {", ".join(sorted(types))}')
    print('# ignored (not containers): ' + ', '.join(IGNORED))
    with tempfile.TemporaryDirectory() as work:
        ob_static = make_openbmc_image.build(work, 'static')
        ob_ubi = make_openbmc_image.build(work, 'ubi')
        mr = make_megarac_image.build(work)
        at = make_aten_image.build(work)
        agree('openbmc-static', ob_static['image'])
        agree('openbmc-ubi', ob_ubi['image'])
        agree('megarac', mr['image'])
        agree('aten', at['image'])
    print(f'{passed} passed, {failed} failed')
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
