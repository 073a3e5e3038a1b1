#!/usr/bin/env python3
"""BMC flash images built at test time with Debian's tools: fwguard must
find the layout that went in, and (with the filesystem handlers) the files.

Images (tests/gen/make_openbmc_image.py, make_megarac_image.py,
make_aten_image.py, imported as libraries so the test knows every offset):
  * OpenBMC static (64 MiB, layout from the kernel FIT's device tree),
    custom (the DT moves rwfs: only the device tree knows), UBI layout;
  * AMI MegaRAC (FMH modules: alternate boot header, cramfs, squashfs,
    jffs2, uImage, minilzo cpio, gzip tar, firmware info, signed markers);
  * Supermicro ATEN X10 (index, CRCs, v3 footer) and its encrypted variant.
Checks: partition / module / entry offsets, sizes, names, CRC results and
attributes; hostile variants (bad checksum, CRC mismatch, huge claims,
broken device tree, truncation, bit flips) give the expected findings and
never crash; and, when tests/integration/fs_roundtrip.py is present (the
core's extraction helper), `fwguard extract` rebuilds every source tree
exactly (names, contents, modes, symlinks).
Usage: bmc_images_test.py FWGUARD
"""
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'gen'))
sys.path.insert(0, HERE)

FWGUARD = sys.argv[1]
TOOLS = ['mkimage', 'mkenvimage', 'dtc', 'mksquashfs', 'mkfs.jffs2', 'mkfs.ubifs', 'ubinize',
         'mkfs.cramfs', 'lzop', 'cpio', 'tar', 'openssl']
for tool in TOOLS:
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

try:
    import fs_roundtrip  # noqa: E402
except ImportError:
    fs_roundtrip = None

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


def scan(path):
    r = subprocess.run([FWGUARD, 'scan', '--format', 'json', path], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if r.returncode != 0:
        raise RuntimeError(f'scan {path}: exit {r.returncode}: {r.stderr.decode()}')
    return json.loads(r.stdout)


class Doc:
    def __init__(self, path):
        self.doc = scan(path)
        self.comps = self.doc['components']
        self.anoms = self.doc['anomalies']

    def of_type(self, t):
        return [c for c in self.comps if c['type'] == t]

    def children(self, c, t=None):
        return [x for x in self.comps if x['parent'] == c['id'] and (t is None or x['type'] == t)]

    def codes(self, severity=('warning', 'error'), prefix=''):
        return [a['code'] for a in self.anoms
                if a['severity'] in severity and a['code'].startswith(prefix)]


def patched(src, dst, edits):
    shutil.copyfile(src, dst)
    with open(dst, 'r+b') as f:
        for off, data in edits:
            f.seek(off)
            f.write(data)
    return dst


# --- OpenBMC --------------------------------------------------------------

def test_openbmc(work, metas):
    for variant, meta in metas.items():
        d = Doc(meta['image'])
        flash = d.of_type('openbmc_flash')
        if not check(f'openbmc {variant}: openbmc_flash found', len(flash) == 1):
            continue
        f = flash[0]
        a = f['attributes']
        check(f'openbmc {variant}: layout {meta["layout"]}', a.get('layout') == meta['layout'], a)
        check(f'openbmc {variant}: layout source {meta["layout_source"]}',
              a.get('layout_source') == meta['layout_source'], a)
        check(f'openbmc {variant}: size class 64MiB', a.get('size_class') == '64MiB', a)
        parts = d.children(f, 'partition')
        got = [(p['name'], p['offset'], p['size']) for p in parts]
        want = [(p['name'], p['offset'], p['size']) for p in meta['partitions']]
        check(f'openbmc {variant}: partitions (name, offset, size)', got == want, f'{got} != {want}')
        check(f'openbmc {variant}: partitions tile the image',
              sum(p['size'] for p in parts) == meta['image_size'])
        for p in parts:
            used = int(p['attributes']['used_size'], 16)
            check(f'openbmc {variant}: {p["name"]} used size within the partition',
                  0 < used <= p['size'], p['attributes'])
        env = [p for p in parts if p['name'] == 'u-boot-env']
        check(f'openbmc {variant}: u-boot-env holds a uboot_env',
              env and d.children(env[0], 'uboot_env'))
        check(f'openbmc {variant}: no warnings from the layout',
              not d.codes(prefix='openbmc_flash.'), d.codes())
    # A broken FIT falls back to the known offsets, which agree here.
    static = metas['static']
    kernel = [p for p in static['partitions'] if p['name'] == 'kernel'][0]['offset']
    bad = patched(static['image'], os.path.join(work, 'openbmc-badfit.bin'),
                  [(kernel + 8, b'\xff\xff\xff\xff')])
    d = Doc(bad)
    f = d.of_type('openbmc_flash')
    check('openbmc bad FIT: known offsets used',
          f and f[0]['attributes'].get('layout_source') == 'known-offsets')
    got = [(p['name'], p['offset']) for p in d.children(f[0], 'partition')] if f else []
    check('openbmc bad FIT: same partitions from the known offsets',
          got == [(p['name'], p['offset']) for p in static['partitions']], got)
    # The custom layout without its device tree would be misread: the
    # device tree is what gives rwfs at 0x3000000.
    custom = metas['custom']
    check('openbmc custom: rwfs where only the device tree puts it',
          [p['offset'] for p in custom['partitions'] if p['name'] == 'rwfs'] == [0x3000000])
    # Wrong sizes are not claimed.
    small = os.path.join(work, 'openbmc-short.bin')
    with open(static['image'], 'rb') as src, open(small, 'wb') as dst:
        dst.write(src.read(48 << 20))
    d = Doc(small)
    check('openbmc truncated to 48 MiB: not an openbmc_flash', not d.of_type('openbmc_flash'))


# --- MegaRAC -------------------------------------------------------------

def test_megarac(work, meta):
    d = Doc(meta['image'])
    top = d.of_type('megarac_flash')
    if not check('megarac: megarac_flash found', len(top) == 1):
        return
    top = top[0]
    a = top['attributes']
    check('megarac: block size 64 KiB', a.get('block_size') == '0x10000', a)
    check('megarac: module count', a.get('module_count') == len(meta['modules']), a)
    check('megarac: fw_version on the image', a.get('fw_version') == meta['fw_version'], a)
    mods = d.children(top, 'fmh_module')
    got = [(m['name'], m['offset'], m['size']) for m in mods]
    want = [(m['name'], m['section'], m['allocated']) for m in meta['modules']]
    check('megarac: modules (name, section, allocated size)', got == want, f'{got} != {want}')
    by = {m['name']: m for m in mods}
    for m in meta['modules']:
        mm = by.get(m['name'])
        if not mm:
            continue
        at = mm['attributes']
        check(f'megarac {m["name"]}: crc32 verified', at.get('crc32_ok') is True, at)
        check(f'megarac {m["name"]}: type code', int(at['type_code'], 16) == m['type'], at)
        check(f'megarac {m["name"]}: module location/size',
              int(at['module_location'], 16) == m['module_location'] and
              int(at['module_size'], 16) == m['size'], at)
        if m['name'] != 'fwinfo':
            data = d.children(mm)
            check(f'megarac {m["name"]}: module data child at its location',
                  len(data) == 1 and data[0]['offset'] == m['module_location'] and
                  data[0]['size'] == m['size'], data)
    boot = by['boot']['attributes']
    check('megarac boot: alternate header', boot.get('alternate_header') is True and
          boot.get('header_offset') == hex(make_megarac_image.ALT_LINK), boot)
    check('megarac boot: crc with headers erased', boot.get('crc32_scope') == 'headers-erased', boot)
    info = by['fwinfo']['attributes']
    check('megarac fwinfo: lines parsed', info.get('fw_version') == meta['fw_version'] and
          info.get('fw_productid') == '42' and info.get('fw_desc') == 'fwguard test image', info)
    check('megarac fwinfo: image crc over the block', info.get('crc32_scope') == 'block', info)
    check('megarac fwinfo: signed-image markers', info.get('signed') is True, info)
    check('megarac: compression decoded from flags',
          by['initrd']['attributes'].get('compression') == 'minilzo' and
          by['extlog']['attributes'].get('compression') == 'gzip')
    lzo = d.children(by['initrd'])
    check('megarac initrd: minilzo decoded', lzo and lzo[0].get('decoded_size', 0) > lzo[0]['size'],
          lzo)
    check('megarac: no fmh warnings', not d.codes(prefix='fmh.'), d.codes())

    img = meta['image']
    root = [m for m in meta['modules'] if m['name'] == 'root'][0]
    # Bit flip inside the root module data: CRC mismatch reported.
    bad = patched(img, os.path.join(work, 'megarac-crc.bin'),
                  [(root['section'] + root['module_location'] + 0x1000, b'\x5a')])
    d = Doc(bad)
    check('megarac flipped root data: fmh.module_crc', 'fmh.module_crc' in d.codes(), d.codes())
    check('megarac flipped root data: firmware image crc fails too', 'fmh.image_crc' in d.codes())
    # Broken header checksum: the module is not taken as a module.
    bad = patched(img, os.path.join(work, 'megarac-hdr.bin'), [(root['header'] + 0x17, b'\x00')])
    d = Doc(bad)
    names = [m['name'] for m in d.of_type('fmh_module')]
    check('megarac bad header checksum: module skipped', 'root' not in names and 'www' in names,
          names)
    # Huge claims: AllocatedSize and module size beyond the image.
    www = [m for m in meta['modules'] if m['name'] == 'www'][0]
    hdr = bytearray(make_megarac_image.fmh_header('www', 0xfffff000, www['section'], 0x0040,
                                                  0x40, 0xffffff00, 0x100, 0xffffffff, 0))
    bad = patched(img, os.path.join(work, 'megarac-huge.bin'), [(www['header'], bytes(hdr))])
    d = Doc(bad)
    check('megarac huge AllocatedSize: fmh.allocated_size', 'fmh.allocated_size' in d.codes(),
          d.codes())
    check('megarac huge module size: fmh.module_bounds', 'fmh.module_bounds' in d.codes(), d.codes())
    check('megarac huge claims: later modules still found',
          'conf' in [m['name'] for m in d.of_type('fmh_module')])


# --- ATEN ------------------------------------------------------------------

def test_aten(work, meta):
    d = Doc(meta['image'])
    top = d.of_type('aten_flash')
    if not check('aten: aten_flash found', len(top) == 1):
        return
    top = top[0]
    a = top['attributes']
    check('aten: revision from the footer', a.get('firmware_revision') == meta['revision'], a)
    check('aten: v3 footer agrees with the index', a.get('footer_matches_index') is True, a)
    check('aten: footer offset', a.get('footer_offset') == hex(meta['footer']), a)
    check('aten: not encrypted', a.get('encrypted') is False, a)
    parts = {p['name']: p for p in d.children(top, 'partition')}
    for e in meta['entries']:
        p = parts.get(e['name'])
        check(f'aten {e["name"]}: partition at base/len', p and p['offset'] == e['base'] and
              p['size'] == e['len'], p)
        check(f'aten {e["name"]}: crc32 verified', p and p['attributes'].get('crc32_ok') is True)
    check('aten: nvram region', 'nvram' in parts and parts['nvram']['offset'] == 0x100000)
    check('aten: no aten warnings', not d.codes(prefix='aten.'), d.codes())
    d = Doc(meta['encrypted_image'])
    top = d.of_type('aten_flash')
    check('aten encrypted: found', len(top) == 1)
    if top:
        check('aten encrypted: reported', top[0]['attributes'].get('encrypted') is True and
              'aten.encrypted' in d.codes(), d.codes())
        enc = [p['name'] for p in d.children(top[0]) if p['attributes'].get('encrypted')]
        check('aten encrypted: rootfs, webfs and index marked', sorted(enc) == ['index', 'rootfs', 'webfs'],
              enc)
    # X8/X9 (WPCM450) layout.
    d = Doc(meta['x9_image'])
    top = d.of_type('aten_flash')
    if check('aten x9: aten_flash found', len(top) == 1):
        a = top[0]['attributes']
        check('aten x9: generation, images, v2 footer checksum',
              a.get('generation') == 'x8_x9_wpcm450' and a.get('image_count') == 3 and
              a.get('footer_version') == 2 and a.get('footer_checksum_ok') is True, a)
        parts = {p['name']: p for p in d.children(top[0], 'partition')}
        for w in meta['x9_images']:
            p = parts.get(w['name'])
            check(f'aten x9 {w["name"]}: base, length, checksum', p and p['offset'] == w['base'] and
                  p['size'] == w['len'] and p['attributes'].get('checksum_ok') is True, p)
        fs = [w for w in meta['x9_images'] if w['name'] == '1stFS'][0]
        bad = patched(meta['x9_image'], os.path.join(work, 'aten-x9-flip.bin'),
                      [(fs['base'] + 0x3000, b'\x33')])
        codes = Doc(bad).codes()
        check('aten x9 flipped 1stFS byte: image checksum and footer checksum fail',
              'aten.image_checksum' in codes and 'aten.footer' in codes, codes)
    rootfs = [e for e in meta['entries'] if 'rootfs' in e['name']][0]
    bad = patched(meta['image'], os.path.join(work, 'aten-crc.bin'),
                  [(rootfs['base'] + 0x2000, b'\xa5')])
    check('aten flipped rootfs byte: aten.crc', 'aten.crc' in Doc(bad).codes())
    bad = patched(meta['image'], os.path.join(work, 'aten-huge.bin'),
                  [(make_aten_image.INDEX, b'[img]: ffffff00 ffffffff 0 huge.bin')])
    d = Doc(bad)
    check('aten huge index entry: aten.entry_bounds', 'aten.entry_bounds' in d.codes(), d.codes())


# --- hostile sweeps ----------------------------------------------------------

def test_sweeps(work, images):
    """Truncations and random bit flips in the headers never crash."""
    rnd = random.Random(3)
    for name, path, hot in images:
        data = open(path, 'rb').read()
        ok = True
        for cut in (len(data) - 1, len(data) // 2 + 7, 0x10040, 100):
            p = os.path.join(work, f'{name}-cut.bin')
            with open(p, 'wb') as f:
                f.write(data[:cut])
            r = subprocess.run([FWGUARD, 'scan', '--format', 'json', p], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
            ok = ok and r.returncode == 0 and json.loads(r.stdout)['components']
        check(f'{name}: truncations scan cleanly', ok)
        ok = True
        for i in range(12):
            b = bytearray(data)
            for _ in range(8):
                off = rnd.choice(hot) + rnd.randrange(0x80)
                b[off] ^= 1 << rnd.randrange(8)
            p = os.path.join(work, f'{name}-flip.bin')
            with open(p, 'wb') as f:
                f.write(b)
            r = subprocess.run([FWGUARD, 'scan', '--format', 'json', p], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
            ok = ok and r.returncode == 0
        check(f'{name}: bit flips in headers scan cleanly', ok)


# --- ELF, with readelf (binutils) as the oracle ------------------------------

ELF_SAMPLES = ['/bin/ls', '/usr/lib/x86_64-linux-gnu/libc.so.6',
               '/usr/lib/x86_64-linux-gnu/crt1.o'] + [
    f'/usr/lib/u-boot/{b}/uboot.elf' for b in ('qemu_arm', 'qemu_arm64', 'qemu-ppce500',
                                              'malta64el', 'qemu-riscv64', 'qemu-x86')]
MACHINES = {'ARM': 'arm', 'AArch64': 'aarch64', 'PowerPC': 'powerpc',
            'Advanced Micro Devices X86-64': 'x86_64', 'Intel 80386': 'i386',
            'MIPS R3000': 'mips', 'RISC-V': 'riscv'}


def readelf(path):
    r = subprocess.run(['readelf', '-W', '-h', '-l', '-S', '-d', '-n', path],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    out = r.stdout
    facts = {}
    for line in out.splitlines():
        line = line.strip()
        if line.startswith('Class:'):
            facts['class'] = line.split()[-1]
        elif line.startswith('Data:'):
            facts['endian'] = 'big' if 'big' in line else 'little'
        elif line.startswith('Type:'):
            facts['elf_type'] = line.split()[1]
        elif line.startswith('Machine:'):
            facts['machine'] = MACHINES.get(line.split(':', 1)[1].strip())
        elif line.startswith('Entry point address:'):
            facts['entry_point'] = int(line.split()[-1], 16)
        elif line.startswith('Number of program headers:'):
            facts['segment_count'] = int(line.split()[4])
        elif line.startswith('Number of section headers:'):
            facts['section_count'] = int(line.split()[4])
        elif line.startswith('[Requesting program interpreter:'):
            facts['interpreter'] = line.split(':', 1)[1].strip().rstrip(']')
        elif line.startswith('Build ID:'):
            facts['build_id'] = line.split()[-1]
        elif line.startswith('GNU_STACK'):
            facts['nx'] = 'E' not in line.split()[-2]
        elif line.startswith('GNU_RELRO'):
            facts['relro'] = True
        elif '(BIND_NOW)' in line or ('(FLAGS' in line and ' NOW' in line + ' '):
            facts['bind_now'] = True
    facts['stripped'] = ' .symtab ' not in out
    return facts


def test_elf():
    for path in ELF_SAMPLES:
        if not os.path.exists(path):
            continue
        want = readelf(path)
        d = Doc(path)
        elf = d.of_type('elf')
        if not check(f'elf {path}: one elf component', len(elf) == 1):
            continue
        a = elf[0]['attributes']
        got = {'class': a.get('class'), 'endian': a.get('endian'), 'elf_type': a.get('elf_type'),
               'machine': a.get('machine'), 'entry_point': int(a['entry_point'], 16),
               'segment_count': a.get('segment_count'), 'section_count': a.get('section_count')}
        for k in got:
            check(f'elf {path}: {k} as readelf', got[k] == want.get(k), f'{got[k]} != {want.get(k)}')
        if 'interpreter' in want:
            check(f'elf {path}: interpreter', a.get('interpreter') == want['interpreter'], a)
        if 'build_id' in want:
            check(f'elf {path}: build-id', a.get('build_id') == want['build_id'], a)
        if want['elf_type'] in ('EXEC', 'DYN'):
            check(f'elf {path}: stripped', a.get('stripped') == want['stripped'], a)
            check(f'elf {path}: nx', a.get('nx') == want.get('nx', False), a)
            check(f'elf {path}: bind_now', a.get('bind_now') == want.get('bind_now', False), a)
            relro = 'none' if not want.get('relro') else 'full' if want.get('bind_now') else 'partial'
            check(f'elf {path}: relro {relro}', a.get('relro') == relro, a)
    # Hardening both ways, from the C compiler the build uses.
    cc = shutil.which('cc') or shutil.which('gcc')
    if cc:
        with tempfile.TemporaryDirectory() as work:
            src = os.path.join(work, 'h.c')
            with open(src, 'w') as f:
                f.write('#include <string.h>\n#include <stdio.h>\nint main(int c, char **v)'
                        '{ char b[64]; strcpy(b, v[0]); printf("%s %d\\n", b, c); return 0; }\n')
            hard, soft = os.path.join(work, 'hard'), os.path.join(work, 'soft')
            subprocess.run([cc, '-O2', '-D_FORTIFY_SOURCE=2', '-fstack-protector-all', '-fPIE',
                            '-pie', '-Wl,-z,relro,-z,now', '-o', hard, src], check=True)
            subprocess.run([cc, '-O0', '-fno-stack-protector', '-no-pie', '-Wl,-z,norelro',
                            '-Wl,-z,execstack', '-o', soft, src], check=True)
            a = Doc(hard).of_type('elf')[0]['attributes']
            check('elf hardened build: pie, nx, full relro, bind_now, canary, fortify',
                  a.get('pie') and a.get('nx') and a.get('relro') == 'full' and
                  a.get('bind_now') and a.get('canary') and a.get('fortify'), a)
            a = Doc(soft).of_type('elf')[0]['attributes']
            check('elf soft build: no pie, no nx, no relro, no canary',
                  a.get('pie') is False and a.get('nx') is False and a.get('relro') == 'none' and
                  a.get('canary') is False and a.get('kind') == 'executable', a)
    # Hostile: a section table claiming 0xffff entries, a program header
    # table past the end, a truncated header.
    with tempfile.TemporaryDirectory() as work:
        data = bytearray(open('/bin/ls', 'rb').read())
        bad = bytearray(data)
        struct.pack_into('<H', bad, 0x3c, 0xffff)       # e_shnum
        struct.pack_into('<Q', bad, 0x20, 1 << 60)      # e_phoff
        p = os.path.join(work, 'bad.elf')
        open(p, 'wb').write(bad)
        d = Doc(p)
        codes = d.codes()
        check('elf hostile tables: elf.shdr and elf.phdr reported',
              'elf.shdr' in codes and 'elf.phdr' in codes, codes)
        open(p, 'wb').write(data[:40])
        d = Doc(p)
        check('elf truncated header: no crash, reported or not claimed',
              not d.of_type('elf') or 'elf.header' in d.codes())


# --- round trip ---------------------------------------------------------------

def roundtrip(work, label, image, expected):
    """expected: list of (source tree, component type)."""
    out = os.path.join(work, 'x-' + label)
    r = subprocess.run([FWGUARD, 'extract', image, '-o', out], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if not check(f'{label}: extract exits 0', r.returncode == 0, r.stderr.decode()[-300:]):
        return
    for src, ctype in expected:
        roots = fs_roundtrip.extracted_roots(out, ctype)
        diffs = [fs_roundtrip.compare_trees(src, root) for root in roots]
        best = min(diffs, key=len) if diffs else ['no extracted ' + ctype]
        check(f'{label}: {os.path.basename(src)} ({ctype}) extracted tree equals the source',
              not best, best[:5])
    shutil.rmtree(out, ignore_errors=True)


def test_roundtrips(work, ob, mr, at):
    if fs_roundtrip is None:
        print('SKIP round trips: tests/integration/fs_roundtrip.py not present on this branch')
        return
    t = ob['static']['trees']
    roundtrip(work, 'openbmc-static', ob['static']['image'],
              [(t['rofs'], 'squashfs'), (t['rwfs'], 'jffs2'), (t['initramfs'], 'cpio')])
    roundtrip(work, 'openbmc-ubi', ob['ubi']['image'],
              [(t['rofs'], 'squashfs'), (t['rwfs'], 'ubifs'), (t['initramfs'], 'cpio')])
    t = mr['trees']
    roundtrip(work, 'megarac', mr['image'],
              [(t['root'], 'cramfs'), (t['www'], 'squashfs'), (t['conf'], 'jffs2'),
               (t['initrd'], 'cpio'), (t['extlog'], 'tar')])
    t = at['trees']
    roundtrip(work, 'aten', at['image'], [(t['rootfs'], 'cramfs'), (t['webfs'], 'cramfs')])
    roundtrip(work, 'aten-x9', at['x9_image'], [(t['rootfs'], 'cramfs')])
    d = Doc(ob['static']['image'])
    elves = [c for c in d.of_type('elf') if c['attributes'].get('machine') == 'arm']
    check('openbmc static: uboot.elf inside rofs identified as an ARM ELF', elves)


def main():
    with tempfile.TemporaryDirectory() as work:
        gen = os.path.join(work, 'gen')
        ob = {v: make_openbmc_image.build(gen, v) for v in ('static', 'custom', 'ubi')}
        mr = make_megarac_image.build(gen)
        at = make_aten_image.build(gen)
        test_openbmc(work, ob)
        test_megarac(work, mr)
        test_aten(work, at)
        test_elf()
        hot_ob = [0, 0xe0000, 0x100000, 0xa00000, 0x2a00000]
        hot_mr = [m['header'] for m in mr['modules']] + [0xfff0]
        hot_at = [make_aten_image.INDEX, at['footer'], 0x400000, 0x1700000]
        test_sweeps(work, [('openbmc', ob['static']['image'], hot_ob),
                           ('megarac', mr['image'], hot_mr),
                           ('aten', at['image'], hot_at)])
        test_roundtrips(work, ob, mr, at)
    print(f'{passed} passed, {failed} failed')
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
