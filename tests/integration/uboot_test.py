#!/usr/bin/env python3
"""U-Boot images built with the real tools: fwguard must report what went in.

Images come from tests/gen/make_uboot.py (mkimage, mkenvimage, dtc, openssl
and the compressors from Debian), built at test time:
  * legacy uImages (-C none/gzip/bzip2/lzma/lzo/lz4/zstd): header fields as
    `mkimage -l` lists them, both CRCs valid, the payload decoded back to the
    exact cpio archive (checked in `fwguard extract`'s _decoded.bin), whose
    extracted tree equals the one packed (names, contents, modes, symlink);
  * multi-file (-T multi -d a:b:c) and script images: one child per
    sub-image, hashing to the files that went in;
  * FIT with embedded and external (-E) data: images, configurations, hashes
    (crc32, sha1, sha256) verified, the fdt opened as a dtb, the gzip'd
    ramdisk decoded; mkimage -l agrees on the image names; kernels
    compressed with every method decoded;
  * signed FIT (mkimage -k -K -r with an openssl RSA key): configuration and
    image signature nodes reported, the public key in the control dtb;
  * mkenvimage single, redundant (-r), big-endian (-b), and two copies;
  * a dtc-made flash layout: partitions listed;
  * the three found by the carver at odd offsets of a flash-like blob;
  * hostile variants: header/data CRC flips, the magic alone inside code,
    truncation, absurd sizes and
    tables, a corrupt compressed stream, a bzip2 bomb, FIT hash mismatch,
    data-offset outside the image, overlapping images, corrupt structure,
    dangling configuration references, a bad env copy; each
    gives exactly its diagnostic and no crash;
  * truncation and bit-flip sweeps over all samples in-process (test_sweep,
    under ASan in the sanitizer build).
Usage: uboot_test.py FWGUARD [TEST_SWEEP]
"""
import hashlib
import json
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'gen'))
import make_uboot as M  # noqa: E402
from fs_roundtrip import compare_trees, extracted_roots  # noqa: E402

FWGUARD = sys.argv[1]
SWEEP = sys.argv[2] if len(sys.argv) > 2 else None
passed = failed = 0
BAD = ('warning', 'error')


def check(name, cond, detail=''):
    global passed, failed
    if cond:
        passed += 1
        print(f'ok   {name}')
    else:
        failed += 1
        print(f'FAIL {name} {detail}'.rstrip())
    return cond


def sha(b):
    return hashlib.sha256(b).hexdigest()


class Scan:
    def __init__(self, path):
        t0 = time.monotonic()
        r = subprocess.run([FWGUARD, 'scan', '--format', 'json', path],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.seconds = time.monotonic() - t0
        self.rc = r.returncode
        self.doc = json.loads(r.stdout) if r.stdout else {'components': [], 'anomalies': []}
        self.comps = self.doc['components']
        self.by_path = {c['path']: c for c in self.comps}

    def of_type(self, t):
        return [c for c in self.comps if c['type'] == t]

    def one(self, t):
        found = self.of_type(t)
        return found[0] if len(found) == 1 else None

    def children(self, comp):
        return [c for c in self.comps if c['parent'] == comp['id']]

    def child(self, comp, name):
        for c in self.children(comp):
            if c['name'] == name:
                return c
        return None

    def codes(self, severities=BAD):
        return sorted(a['code'] for a in self.doc['anomalies'] if a['severity'] in severities)


def extract(path, out):
    shutil.rmtree(out, ignore_errors=True)
    r = subprocess.run([FWGUARD, 'extract', path, '-o', out],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return r.returncode == 0


def decoded_files(out):
    found = []
    for root, _, files in os.walk(out):
        for f in files:
            if f == '_decoded.bin':
                found.append(os.path.join(root, f))
    return found


def mkimage_list(path):
    return subprocess.run(['mkimage', '-l', path], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT).stdout.decode(errors='replace')


def attrs(c):
    return c['attributes'] if c else {}


def roundtrip(label, path, tree, out):
    """The cpio inside must extract to exactly the tree that went in."""
    ok = extract(path, out)
    roots = extracted_roots(out, 'cpio')
    diffs = compare_trees(tree, roots[0]) if len(roots) == 1 else ['roots: %r' % roots]
    check(f'{label}: extracted cpio tree equals the input tree', ok and not diffs, diffs[:5])


# ---- legacy images ----------------------------------------------------------

def test_legacy(d):
    for comp in ['none', 'gzip', 'bzip2', 'lzma', 'lzo', 'lz4', 'zstd']:
        path, info = M.legacy(d, comp)
        s = Scan(path)
        u = s.one('uimage')
        a = attrs(u)
        check(f'legacy {comp}: one uimage, no anomaly', u is not None and s.codes() == [],
              s.codes())
        listing = mkimage_list(path)
        m = re.search(r'Image Name:\s+(\S+)', listing)
        check(f'legacy {comp}: name agrees with mkimage -l',
              m and u and u['name'] == m.group(1) == info['name'], (u or {}).get('name'))
        check(f'legacy {comp}: header fields',
              a.get('os') == 'linux' and a.get('arch') == 'arm' and
              a.get('image_type') == 'ramdisk' and a.get('compression') == comp and
              a.get('load_address') == '0x%x' % info['load'] and
              a.get('entry_point') == '0x%x' % info['entry'] and
              a.get('header_crc_valid') is True and a.get('data_crc_valid') is True and
              a.get('data_size') == len(info['stored']), a)
        kids = s.children(u) if u else []
        want_type = 'cpio' if comp == 'none' else comp
        check(f'legacy {comp}: payload child', len(kids) == 1 and kids[0]['type'] == want_type and
              kids[0]['size'] == len(info['stored']) and kids[0]['abs_offset'] == 64,
              [(k['type'], k['size']) for k in kids])
        if comp != 'none':
            check(f'legacy {comp}: decoded size', kids and
                  kids[0].get('decoded_size') == len(info['payload']), kids)
            out = os.path.join(d, 'x-' + comp)
            ok = extract(path, out)
            dec = decoded_files(out)
            check(f'legacy {comp}: extracted payload equals the cpio that went in',
                  ok and len(dec) == 1 and M.read(dec[0]) == info['payload'], dec)
            inner = s.children(kids[0]) if kids else []
            check(f'legacy {comp}: decoded payload opened as cpio',
                  [c['type'] for c in inner] == ['cpio'], inner)
        else:
            check('legacy none: payload hashes to the input',
                  kids and kids[0]['sha256'] == sha(info['payload']))
        roundtrip(f'legacy {comp}', path, M.cpio_tree(d), os.path.join(d, 'rt-' + comp))


def test_multi(d):
    parts = [b'A' * 101, b'B' * 7, os.urandom(333), b'D']
    path = M.multi(d, parts)
    s = Scan(path)
    u = s.one('uimage')
    kids = s.children(u) if u else []
    check('multi: no anomaly', s.codes() == [], s.codes())
    check('multi: subimage_count', attrs(u).get('subimage_count') == len(parts), attrs(u))
    check('multi: one child per sub-image, same bytes',
          [k['sha256'] for k in kids] == [sha(p) for p in parts] and
          [k['name'] for k in kids] == ['image-%d' % i for i in range(len(parts))],
          [(k['name'], k['size']) for k in kids])
    # offsets: table of n+1 words, then 4-aligned images
    off = 4 * (len(parts) + 1)
    want = []
    for p in parts:
        want.append(off)
        off = (off + len(p) + 3) & ~3
    check('multi: sub-images 4-byte aligned', [k['offset'] for k in kids] == want,
          [k['offset'] for k in kids])

    text = b'setenv bootargs console=ttyS0\nbootm 0x80000\n'
    path = M.script(d, text)
    s = Scan(path)
    u = s.one('uimage')
    kids = s.children(u) if u else []
    check('script: type and text child', attrs(u).get('image_type') == 'script' and
          len(kids) == 1 and kids[0]['sha256'] == sha(text), kids)


# ---- FIT --------------------------------------------------------------------

def check_fit(label, path, info, external):
    s = Scan(path)
    f = s.one('fit')
    a = attrs(f)
    check(f'{label}: one fit, no anomaly', f is not None and s.codes() == [], s.codes())
    imgs = s.children(f) if f else []
    names = [c['name'] for c in imgs]
    listed = re.findall(r'Image \d+ \(([^)]+)\)', mkimage_list(path))
    check(f'{label}: image names agree with mkimage -l', names == listed == [
        'kernel-1', 'fdt-1', 'ramdisk-1'], (names, listed))
    check(f'{label}: fit attributes', a.get('image_count') == 3 and
          a.get('default_configuration') == 'conf-1' and a.get('configuration_count') == 1 and
          a.get('configurations') == 'conf-1{kernel=kernel-1 fdt=fdt-1 ramdisk=ramdisk-1}' and
          a.get('external_data') is external and a.get('description') == 'fwguard test FIT', a)
    k = s.child(f, 'kernel-1') if f else None
    ka = attrs(k)
    check(f'{label}: kernel attributes', ka.get('image_type') == 'kernel' and
          ka.get('arch') == 'arm' and ka.get('os') == 'linux' and
          ka.get('load_address') == '0x80008000' and ka.get('entry_point') == '0x80008000' and
          ka.get('compression') == info['kernel_comp'] and
          ka.get('data_location') == ('external' if external else 'embedded'), ka)
    check(f'{label}: kernel hashes verified', ka.get('hash_status') == 'ok' and
          ka.get('hashes') == 'crc32:ok,sha1:ok,sha256:ok', ka)
    check(f'{label}: kernel window holds the stored data',
          k and k['sha256'] == sha(info['stored_kernel']) and
          k['size'] == len(info['stored_kernel']))
    fd = s.child(f, 'fdt-1') if f else None
    dtbs = s.children(fd) if fd else []
    check(f'{label}: fdt image opened as dtb', len(dtbs) == 1 and dtbs[0]['type'] == 'dtb' and
          attrs(dtbs[0]).get('model') == 'fwguard test board' and
          attrs(dtbs[0]).get('bootargs') == 'console=ttyS4,115200n8 root=/dev/ram rw',
          dtbs)
    rd = s.child(f, 'ramdisk-1') if f else None
    # The compressed data is a gzip stream child, decoded by its handler.
    streams = s.children(rd) if rd else []
    gz = streams[0] if len(streams) == 1 and streams[0]['type'] == 'gzip' else None
    check(f'{label}: ramdisk decoded', rd and gz and
          gz.get('decoded_size') == len(info['ramdisk']) and
          attrs(rd).get('hash_status') == 'ok', (rd, streams))
    check(f'{label}: ramdisk opened as cpio',
          [c['type'] for c in s.children(gz)] == ['cpio'] if gz else False)
    return s


def test_fit(d):
    path, info = M.fit(d)
    check_fit('fit', path, info, False)
    out = os.path.join(d, 'x-fit')
    ok = extract(path, out)
    dec = decoded_files(out)
    check('fit: extracted ramdisk equals the cpio that went in',
          ok and len(dec) == 1 and M.read(dec[0]) == info['ramdisk'], dec)
    roundtrip('fit', path, M.cpio_tree(d, 'fit-rd'), os.path.join(d, 'rt-fit'))

    path, info = M.fit(d, name='fit-ext', external=True)
    s = check_fit('fit -E', path, info, True)
    k = [c for c in s.comps if c['name'] == 'kernel-1']
    tot = attrs(s.one('fit')).get('fdt_totalsize', 0)
    check('fit -E: kernel data after the blob', k and k[0]['offset'] >= tot, (k, tot))

    for comp in ['gzip', 'bzip2', 'lzma', 'lzo', 'lz4', 'zstd']:
        path, info = M.fit(d, name='fit-k' + comp, kernel_comp=comp, ramdisk_comp='none')
        s = Scan(path)
        k = [c for c in s.comps if c['name'] == 'kernel-1']
        streams = s.children(k[0]) if k else []
        check(f'fit kernel {comp}: decoded, hashes ok, no anomaly',
              k and len(streams) == 1 and streams[0]['type'] == comp and
              streams[0].get('decoded_size') == len(info['kernel']) and
              attrs(k[0]).get('hash_status') == 'ok' and s.codes() == [], (k, s.codes()))


def test_signed_fit(d):
    path, info = M.fit(d, name='fit-signed', signed=True, image_signed=True)
    s = Scan(path)
    f = s.one('fit')
    a = attrs(f)
    check('signed fit: no anomaly', s.codes() == [], s.codes())
    check('signed fit: configuration signature reported',
          a.get('signed') is True and a.get('signature_count') == 2 and
          a.get('configuration_signatures') ==
          'conf-1/signature-1{algo=sha256,rsa2048 key-name-hint=dev '
          'sign-images=fdt,kernel,ramdisk value=present}', a)
    k = [c for c in s.comps if c['name'] == 'kernel-1']
    ka = attrs(k[0]) if k else {}
    check('signed fit: image signature reported', ka.get('signed') is True and
          ka.get('signatures') == 'signature-1{algo=sha256,rsa2048 key-name-hint=dev '
          'value=present}', ka)
    s = Scan(info['control_dtb'])
    dt = s.one('dtb')
    check('signed fit: public key in the control dtb', attrs(dt).get('verified_boot_keys') ==
          'key-dev{algo=sha256,rsa2048 required=conf bits=2048}', attrs(dt))


# ---- environment and dtb ------------------------------------------------------

def check_env_vars(label, s, env_comp):
    kids = s.children(env_comp) if env_comp else []
    got = [(c['name'], attrs(c).get('value')) for c in kids if c['type'] == 'env_var']
    check(f'{label}: variables', got == M.ENV_VARS, got)
    roles = {c['name']: attrs(c).get('role') for c in kids}
    check(f'{label}: roles', roles.get('bootcmd') == 'boot_command' and
          roles.get('bootargs') == 'kernel_arguments' and roles.get('board') is None, roles)


def test_env(d):
    for label, kw, layout, order in [
            ('env single', {}, 'single', 'little'),
            ('env redundant', {'redundant': True}, 'redundant', 'little'),
            ('env big-endian', {'big': True, 'size': 0x2000}, 'single', 'big')]:
        path = M.env(d, name=label.replace(' ', '-'), **kw)
        s = Scan(path)
        e = s.one('uboot_env')
        a = attrs(e)
        check(f'{label}: layout', a.get('layout') == layout and a.get('crc_valid') is True and
              a.get('crc_byte_order') == order and s.codes() == [], (a, s.codes()))
        check_env_vars(label, s, e)

    one = M.read(M.env(d, name='copy', redundant=True))
    two = bytearray(one + one)
    two[len(one) + 4] = 2   # second copy newer (flags are outside the CRC)
    path = M.write(os.path.join(d, 'env-two.bin'), bytes(two))
    s = Scan(path)
    top = [c for c in s.of_type('uboot_env') if c['depth'] == 1]
    a = attrs(top[0]) if top else {}
    check('env two copies: copies and active', a.get('copies') == 2 and
          a.get('active_copy') == 1 and s.codes() == [], (a, s.codes()))
    copies = s.children(top[0]) if top else []
    check('env two copies: both listed', [c['name'] for c in copies] == ['copy-0', 'copy-1'] and
          [attrs(c).get('active') for c in copies] == [False, True], copies)
    if copies:
        check_env_vars('env copy-1', s, copies[1])

    # a bad second copy is still found through the good first one
    bad = bytearray(one + one)
    bad[len(one) + 10] ^= 0xff
    path = M.write(os.path.join(d, 'env-badcopy.bin'), bytes(bad))
    s = Scan(path)
    check('env bad copy: crc errors', s.codes() == ['uboot_env.crc', 'uboot_env.crc'], s.codes())
    copies = [c for c in s.of_type('uboot_env') if c['depth'] == 2]
    check('env bad copy: good copy active', len(copies) == 2 and
          attrs(copies[0]).get('active') is True and attrs(copies[1]).get('crc_valid') is False,
          copies)


def test_dtb(d):
    s = Scan(M.dtb_partitions(d))
    dt = s.one('dtb')
    a = attrs(dt)
    want = ', '.join('%s@0x%x+0x%x%s' % (n, o, z, '(ro)' if ro else '')
                     for n, o, z, ro in M.PARTITIONS)
    check('dtb: model and compatible', a.get('model') == 'fwguard test bmc' and
          a.get('compatible') == 'fwguard,bmc', a)
    check('dtb: partitions', a.get('partition_count') == len(M.PARTITIONS) and
          a.get('partitions') == want, a.get('partitions'))


def test_carved(d):
    """Formats at odd offsets of a flash-like blob: found by their magics,
    sized by their extents (external FIT data included)."""
    upath, _ = M.legacy(d, 'gzip', name='c-gzip')
    fpath, _ = M.fit(d, name='c-fit', external=True)
    u, f, t = M.read(upath), M.read(fpath), M.read(M.dtb_partitions(d))
    at_u = 0x1003
    at_f = at_u + len(u) + 0x2001
    at_t = at_f + len(f) + 0x333
    blob = b'\xff' * at_u + u + b'\xff' * 0x2001 + f + b'\0' * 0x333 + t + b'\xff' * 100
    s = Scan(M.write(os.path.join(d, 'carved.bin'), blob))
    found = sorted((c['type'], c['abs_offset']) for c in s.comps if c['depth'] == 1 and
                   c['type'] in ('uimage', 'fit', 'dtb'))
    check('carved: uimage, fit and dtb at their offsets',
          found == sorted([('uimage', at_u), ('fit', at_f), ('dtb', at_t)]), found)
    k = [c for c in s.comps if c['name'] == 'kernel-1']
    check('carved: unaligned FIT with external data verified',
          k and attrs(k[0]).get('hash_status') == 'ok' and
          not [a for a in s.codes() if a.startswith('fit.')], (k, s.codes()))


# ---- hostile ------------------------------------------------------------------

def hostile_scan(label, d, blob, want_codes, max_seconds=10):
    path = M.write(os.path.join(d, 'hostile.bin'), blob)
    s = Scan(path)
    check(f'hostile {label}: scan succeeds', s.rc == 0 and s.seconds < max_seconds,
          (s.rc, s.seconds))
    check(f'hostile {label}: {want_codes}', s.codes() == sorted(want_codes), s.codes())
    return s


def test_hostile(d):
    path, info = M.legacy(d, 'gzip', name='h-gzip')
    good = M.read(path)

    b = bytearray(good)
    b[32] ^= 0x20                     # name character h -> H: header CRC breaks
    s = hostile_scan('uimage header crc', d, bytes(b), ['uimage.header_crc'])
    check('hostile uimage header crc: still opened', s.one('uimage') is not None and
          attrs(s.one('uimage')).get('header_crc_valid') is False)

    b = bytearray(good)
    b[64 + 40] ^= 0x01                # payload byte: data CRC and the stream break
    s = hostile_scan('uimage data crc', d, bytes(b), ['gzip.corrupt', 'uimage.data_crc'])

    hostile_scan('uimage truncated', d, good[:64 + 50], ['gzip.truncated', 'uimage.truncated'])
    hostile_scan('uimage header only', d, good[:64], ['uimage.truncated'])

    b = bytearray(good)
    b[12:16] = struct.pack('>I', 0xffffffff)
    hostile_scan('uimage absurd size', d, M.reseal_uimage(bytes(b)), ['uimage.truncated'])

    b = bytearray(good)
    b[64 + 30:64 + 60] = os.urandom(30)  # corrupt deflate data, CRCs resealed
    s = hostile_scan('uimage corrupt stream', d, M.reseal_uimage(bytes(b)), ['gzip.corrupt'])

    # the magic as a constant in code (U-Boot binaries hold it): not an image
    rnd = random.Random(7)
    code = bytearray(rnd.getrandbits(8) for _ in range(0x4000))
    for at in (0x100, 0x1234, 0x3000):
        code[at:at + 4] = b'\x27\x05\x19\x56'
    s = hostile_scan('uimage magic in code', d, bytes(code), [])
    check('hostile uimage magic in code: no uimage claimed', not s.of_type('uimage'),
          [c['abs_offset'] for c in s.of_type('uimage')])

    mpath = M.multi(d, [b'a' * 64, b'b' * 64])
    m = bytearray(M.read(mpath))
    m[68:72] = struct.pack('>I', 0x7fffffff)
    hostile_scan('multi absurd size', d, M.reseal_uimage(bytes(m)), ['uimage.multi_size'])
    m = bytearray(M.read(mpath))
    m[64:] = b'\xff' * (len(m) - 64)  # no table terminator
    hostile_scan('multi no terminator', d, M.reseal_uimage(bytes(m)),
                 ['uimage.multi_size', 'uimage.multi_table'])

    # decompression bomb: 256 MiB of zeros in a few hundred bytes of bzip2
    bomb = subprocess.run('head -c 268435456 /dev/zero | bzip2 -9', shell=True,
                          stdout=subprocess.PIPE, check=True).stdout
    bpath = os.path.join(d, 'bomb.uimg')
    src = M.write(os.path.join(d, 'bomb.bz2'), bomb)
    subprocess.run(['mkimage', '-A', 'arm', '-O', 'linux', '-T', 'ramdisk', '-C', 'bzip2',
                    '-n', 'bomb', '-d', src, bpath], check=True, stdout=subprocess.PIPE)
    s = hostile_scan('bzip2 bomb', d, M.read(bpath), ['limit.ratio'], max_seconds=5)

    fpath, finfo = M.fit(d, name='h-fit')
    fit = M.read(fpath)
    off, ln = M.fdt_prop_value(fit, '/images/kernel-1', 'data')
    b = bytearray(fit)
    b[off + 100] ^= 0x55
    s = hostile_scan('fit hash mismatch', d, bytes(b), ['fit.hash_mismatch'] * 3)
    k = [c for c in s.comps if c['name'] == 'kernel-1']
    check('hostile fit hash mismatch: status', k and attrs(k[0]).get('hash_status') == 'mismatch'
          and attrs(k[0]).get('hashes') == 'crc32:mismatch,sha1:mismatch,sha256:mismatch', k)

    hostile_scan('fit truncated', d, fit[:len(fit) // 2], ['fit.truncated'])

    b = bytearray(fit)
    tok = M.fdt_node_token(fit, '/images/fdt-1')
    b[tok:tok + 4] = struct.pack('>I', 0x77)
    hostile_scan('fit corrupt structure', d, bytes(b), ['fit.structure'])

    epath, _ = M.fit(d, name='h-fit-ext', external=True)
    ext = M.read(epath)
    off, ln = M.fdt_prop_value(ext, '/images/kernel-1', 'data-offset')
    b = bytearray(ext)
    b[off:off + 4] = struct.pack('>I', 0x7ffffff0)
    s = hostile_scan('fit data-offset outside', d, bytes(b), ['fit.data_outside'])
    k = [c for c in s.comps if c['name'] == 'kernel-1']
    check('hostile fit data-offset outside: image kept, empty',
          k and k[0]['size'] == 0 and attrs(k[0]).get('data_location') == 'missing', k)
    off, ln = M.fdt_prop_value(ext, '/images/kernel-1', 'data-size')
    b = bytearray(ext)
    b[off:off + 4] = struct.pack('>I', 0xffffffff)
    hostile_scan('fit data-size huge', d, bytes(b), ['fit.data_outside'])

    # every image's external data at the kernel's: overlap found, not re-opened
    b = bytearray(ext)
    for img in ('fdt-1', 'ramdisk-1'):
        off, ln = M.fdt_prop_value(ext, '/images/' + img, 'data-offset')
        b[off:off + 4] = struct.pack('>I', 0)
        off, ln = M.fdt_prop_value(ext, '/images/' + img, 'data-size')
        b[off:off + 4] = struct.pack('>I', len(M.read(epath)) // 2)
    s = hostile_scan('fit overlapping images', d, bytes(b),
                     ['fit.data_overlap', 'fit.hash_mismatch', 'fit.hash_mismatch'])
    check('hostile fit overlapping images: no children under overlaps',
          all(not s.children(c) for c in s.comps if c['name'] in ('fdt-1', 'ramdisk-1')))

    # a configuration naming an image that does not exist
    off, ln = M.fdt_prop_value(fit, '/configurations/conf-1', 'kernel')
    b = bytearray(fit)
    b[off:off + ln - 1] = b'x' * (ln - 1)
    hostile_scan('fit dangling reference', d, bytes(b), ['fit.config_reference'])


def run_sweep(d):
    if not SWEEP:
        return
    samples = [M.legacy(d, c, name='sw-' + c)[0] for c in ['gzip', 'lzo', 'lz4', 'zstd']]
    samples.append(M.multi(d, [b'q' * 90, b'r' * 50]))
    samples.append(M.fit(d, name='sw-fit')[0])
    samples.append(M.fit(d, name='sw-fit-ext', external=True, kernel_comp='lzma')[0])
    samples.append(M.env(d, name='sw-env', size=0x1000))
    samples.append(M.dtb_partitions(d))
    r = subprocess.run([SWEEP] + samples, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    check('truncation and bit-flip sweeps', r.returncode == 0,
          r.stdout.decode(errors='replace')[-2000:])


def main():
    missing = M.missing_tools()
    if missing:
        print('skipping: missing tools: ' + ' '.join(missing))
        sys.exit(77)
    with tempfile.TemporaryDirectory(prefix='fwg-uboot-') as d:
        test_legacy(d)
        test_multi(d)
        test_fit(d)
        test_signed_fit(d)
        test_env(d)
        test_dtb(d)
        test_carved(d)
        test_hostile(d)
        run_sweep(d)
    print(f'{passed} passed, {failed} failed')
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
