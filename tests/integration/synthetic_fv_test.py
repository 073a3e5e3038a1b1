#!/usr/bin/env python3
"""Synthetic PI firmware volumes: fwguard must find exactly what was built.

The images come from tests/gen/make_fv.py (imported as a library, so the
test knows the exact plaintext of every encoded section):
  * clean: the complete component tree (type, name, GUID, nesting), every
    encapsulation decoded (LZMA, LZMA-F86, Brotli, CRC32, COMPRESSION types
    0 and 2, RSA2048-SHA256 opened, unknown GUID kept opaque), decoded
    children hashing to the bytes the generator encoded, UI names naming
    their files, depex decoded, no warning or error;
  * ffs3_large, flash, flash_dirty: FFSv3 large file / HEADER2 section and
    volumes carved out of a flash image with padding;
  * planted anomalies: exactly the expected code on the expected path and
    nothing else at warning or error level;
  * UEFIExtract (Debian uefitool-cli) agrees on the FFS file GUID multiset,
    pad and volume counts of the clean images;
  * `fwguard extract` writes the plaintext section streams as _decoded.bin.
Usage: synthetic_fv_test.py FWGUARD
"""
import collections
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'gen'))
import make_fv as M  # noqa: E402
from uefi_views import fwguard_view, uefiextract_view  # noqa: E402

FWGUARD = sys.argv[1]
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
    """One fwguard scan: the document plus lookups by path and id."""

    def __init__(self, path):
        r = subprocess.run([FWGUARD, 'scan', '--format', 'json', path],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.rc = r.returncode
        self.stderr = r.stderr.decode(errors='replace')
        self.doc = json.loads(r.stdout) if r.returncode == 0 else {'components': [],
                                                                    'anomalies': []}
        self.comps = self.doc['components']
        self.by_path = {c['path']: c for c in self.comps}
        with open(path, 'rb') as f:
            self.data = f.read()

    def get(self, path):
        return self.by_path.get(path)

    def children(self, comp):
        return [c for c in self.comps if c['parent'] == comp['id']]

    def bad(self):
        return sorted((a['code'], a['path']) for a in self.doc['anomalies']
                      if a['severity'] in BAD)

    def anomalies(self, code):
        return [a for a in self.doc['anomalies'] if a['code'] == code]


def write_case(work, name):
    data, info = M.build_case(name)
    path = os.path.join(work, name + '.fd')
    with open(path, 'wb') as f:
        f.write(data)
    return path, info


# ---- expected trees ---------------------------------------------------------------

def node(ctype, key, name=None, guid=None, kids=()):
    return (ctype, key, name, guid, list(kids))


def sec(name, kids=()):
    return node('section', name, name, None, kids)


def gsec(guid, kids=()):
    return node('section', guid, 'GUID_DEFINED', guid, kids)


def ffs(guid, name, kids=()):
    return node('ffs', guid, name, guid, kids)


def pe32():
    return node('pe32', '0')


def ui():
    return sec('USER_INTERFACE')


def pad(n=0):
    return node('ffs', M.PAD_GUID + (f'#{n}' if n else ''), None, M.PAD_GUID)


def flatten(tree, parent_path='', depth=0, out=None):
    """Pre-order list of (path, type, name, guid, depth, parent path)."""
    if out is None:
        out = []
    ctype, key, name, guid, kids = tree
    path = '/' if ctype == 'image' else f'{parent_path}/{ctype}[{key}]'
    out.append((path, ctype, name, guid, depth, None if ctype == 'image' else
                (parent_path or '/')))
    for k in kids:
        flatten(k, '' if path == '/' else path, depth + 1, out)
    return out


def clean_tree(image_name, signed=True):
    files = [
        pad(),
        ffs(M.F_DRIVER, 'FwgDriverA', [sec('DXE_DEPEX'), sec('PE32', [pe32()]), ui(),
                                        sec('VERSION')]),
        ffs(M.F_LZMA, 'FwgLzmaApp', [gsec(M.LZMA_GUID, [sec('PE32', [pe32()]), ui()])]),
        ffs(M.F_F86, 'FwgF86Driver', [gsec(M.LZMAF86_GUID, [sec('PE32', [pe32()]), ui()])]),
        ffs(M.F_BROTLI, 'FwgBrotliBlob', [gsec(M.BROTLI_GUID, [sec('RAW'), ui()])]),
        ffs(M.F_CRC, 'FwgCrcBlob', [gsec(M.CRC32_GUID, [sec('RAW'), ui()])]),
        ffs(M.F_CNONE, 'FwgCompressNone', [sec('COMPRESSION', [sec('RAW'), ui()])]),
        ffs(M.F_CLZMA, 'FwgCompressLzma', [sec('COMPRESSION', [sec('RAW'), ui()])]),
        ffs(M.F_FREEFORM, 'FwgFreeformSubtype',
            [node('section', M.FREEFORM_SUBTYPE, 'FREEFORM_SUBTYPE_GUID', M.FREEFORM_SUBTYPE),
             ui()]),
    ]
    if signed:
        files.append(ffs(M.F_SIGNED, 'FwgSigned', [gsec(M.RSA2048_GUID, [sec('RAW')]), ui()]))
    files += [
        ffs(M.F_OPAQUE, 'FwgOpaque', [gsec(M.UNKNOWN_GUIDED), ui()]),
        ffs(M.F_FVIMAGE, 'FwgNestedFv', [
            gsec(M.LZMA_GUID, [sec('FIRMWARE_VOLUME_IMAGE', [
                node('fv', M.FFS2, 'gEfiFirmwareFileSystem2Guid', M.FFS2, [
                    ffs(M.F_NESTED_PEIM, 'FwgNestedPeim', [sec('PE32', [pe32()]), ui()]),
                    ffs(M.F_NESTED_RAW, None),
                    node('free_space', '0'),
                ])])]),
            ui()]),
        pad(1),
        ffs(M.F_LAST, 'FwgLastFile', [sec('RAW'), ui()]),
        node('free_space', '0'),
    ]
    return node('image', None, image_name, None, [node('fv', M.FV_MAIN, None, M.FV_MAIN, files)])


def ffs3_tree(image_name):
    return node('image', None, image_name, None, [
        node('fv', M.FV_FFS3, None, M.FV_FFS3, [
            pad(),
            ffs(M.F_SMALL3, 'FwgFfs3Driver', [sec('PE32', [pe32()]), ui()]),
            ffs(M.F_LARGE, 'FwgLargeFile', [sec('RAW'), ui()]),
            node('free_space', '0'),
        ])])


def flash_tree(image_name):
    return node('image', None, image_name, None, [
        node('fv', M.FV_FLASH_A, None, M.FV_FLASH_A, [
            pad(), ffs(M.F_FLASH_A, 'FwgFlashA', [sec('PE32', [pe32()]), ui()]),
            node('free_space', '0')]),
        node('padding', '0'),
        node('fv', M.FV_FLASH_B, None, M.FV_FLASH_B, [
            pad(), ffs(M.F_FLASH_B, 'FwgFlashB', [sec('RAW'), ui()]),
            node('free_space', '0')]),
    ])


def check_tree(case, s, tree):
    want = flatten(tree)
    id_path = {c['id']: c['path'] for c in s.comps}
    got = [(c['path'], c['type'], c['name'], c['guid'], c['depth'],
            id_path.get(c['parent'])) for c in s.comps]
    detail = ''
    if want != got:
        for i, (w, g) in enumerate(zip(want + [None] * len(got), got + [None] * len(want))):
            if w != g:
                detail = f'\n    first difference at component {i}:\n    want {w}\n    got  {g}'
                break
    check(f'{case}: complete component tree ({len(want)} components)', want == got, detail)


# ---- generic checks -----------------------------------------------------------------

def check_generic(case, s, info):
    """Checks that hold on every case: stored bytes at abs_offset, built
    files found byte for byte, free space really erased."""
    wrong = [c['path'] for c in s.comps if c['abs_offset'] is not None and
             sha(s.data[c['abs_offset']:c['abs_offset'] + c['size']]) != c['sha256']]
    check(f'{case}: every component with abs_offset hashes to the input bytes there',
          not wrong, f'{wrong[:3]}')
    ffs_by_guid = collections.defaultdict(list)
    for c in s.comps:
        if c['type'] == 'ffs':
            ffs_by_guid[c['guid']].append(c)
    bad = [g for g, b in info['files'].items()
           if len(ffs_by_guid[g]) != 1 or ffs_by_guid[g][0]['sha256'] != sha(b) or
           ffs_by_guid[g][0]['size'] != len(b)]
    check(f'{case}: each of the {len(info["files"])} built FFS files found once, same bytes',
          not bad, f'{bad}')


def child_sha_check(case, s, parent_path, stream, label):
    """Children of a decoded/opened section are the plaintext stream's
    slices: their sha256 equals the built bytes at their offsets."""
    p = s.get(parent_path)
    if not check(f'{case}: {label} present', p is not None, parent_path):
        return
    kids = s.children(p)
    bad = [k['path'] for k in kids
           if sha(stream[k['offset']:k['offset'] + k['size']]) != k['sha256']]
    ends = max((k['offset'] + k['size'] for k in kids), default=0)
    check(f'{case}: {label} children ({len(kids)}) hash to the plaintext built',
          kids and not bad and ends == len(stream), f'bad={bad} end={ends}/{len(stream)}')


# ---- the clean case -----------------------------------------------------------------

def check_clean(work, case='clean', signed=True):
    path, info = write_case(work, case)
    s = Scan(path)
    if not check(f'{case}: scan exits 0', s.rc == 0, s.stderr):
        return None, info
    p = info['plain']
    check_tree(case, s, clean_tree(os.path.basename(path), signed))
    check_generic(case, s, info)
    check(f'{case}: no warning or error anomalies', not s.bad(), f'{s.bad()}')
    r = subprocess.run([FWGUARD, 'scan', '--fail-on', 'warning', path],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    check(f'{case}: scan --fail-on warning exits 0', r.returncode == 0, f'rc={r.returncode}')

    fv = f'/fv[{M.FV_MAIN}]'
    v = s.get(fv) or {'attributes': {}}
    a = v['attributes']
    check(f'{case}: volume attributes (FFSv2, erase polarity 1, checksum ok, ext header)',
          a.get('filesystem') == 'FFSv2' and a.get('erase_polarity') is True and
          a.get('header_checksum_ok') is True and a.get('ext_header_offset') == '0x60' and
          a.get('block_map') == f'{len(s.data) // 0x1000} x 0x1000', f'{a}')
    files = [c for c in s.comps if c['type'] == 'ffs']
    check(f'{case}: every file header checksum ok',
          all(c['attributes'].get('header_checksum_ok') is True for c in files))
    check(f'{case}: every non-pad file data checksum ok (FFS_ATTRIB_CHECKSUM)',
          all(c['attributes'].get('data_checksum_ok') is True for c in files
              if c['attributes'].get('file_type') != 'PAD'))
    check(f'{case}: every file state is data_valid',
          all(c['attributes'].get('state') == 'data_valid' for c in files))
    ext_pad = s.get(f'{fv}/ffs[{M.PAD_GUID}]')
    check(f'{case}: the first pad file holds the volume extended header',
          ext_pad and ext_pad['attributes'].get('holds_fv_ext_header') is True)

    # UI names name their files (also through encapsulations).
    names = {c['guid']: c['name'] for c in files}
    want_names = {M.F_DRIVER: 'FwgDriverA', M.F_LZMA: 'FwgLzmaApp', M.F_F86: 'FwgF86Driver',
                  M.F_BROTLI: 'FwgBrotliBlob', M.F_CRC: 'FwgCrcBlob',
                  M.F_CNONE: 'FwgCompressNone', M.F_CLZMA: 'FwgCompressLzma',
                  M.F_FREEFORM: 'FwgFreeformSubtype', M.F_OPAQUE: 'FwgOpaque',
                  M.F_FVIMAGE: 'FwgNestedFv', M.F_NESTED_PEIM: 'FwgNestedPeim',
                  M.F_LAST: 'FwgLastFile'}
    if signed:
        want_names[M.F_SIGNED] = 'FwgSigned'
    check(f'{case}: UI sections name their {len(want_names)} files',
          all(names.get(g) == n for g, n in want_names.items()),
          f'{ {g: names.get(g) for g in want_names if names.get(g) != want_names[g]} }')

    drv = f'{fv}/ffs[{M.F_DRIVER}]'
    dep = s.get(f'{drv}/section[DXE_DEPEX]') or {'attributes': {}}
    check(f'{case}: DXE depex decoded',
          dep['attributes'].get('depex') == f'PUSH {M.DEPEX_A} PUSH {M.DEPEX_B} AND END',
          f'{dep["attributes"].get("depex")!r}')
    ver = s.get(f'{drv}/section[VERSION]') or {'attributes': {}}
    check(f'{case}: VERSION section decoded (build 7, "1.2.3")',
          ver['attributes'].get('build_number') == 7 and
          ver['attributes'].get('version') == '1.2.3', f'{ver["attributes"]}')

    # PE images: stored bytes equal the images built, parsed as x64.
    pes = [('FwgDriverA', f'{drv}/section[PE32]/pe32[0]', p['driver_pe']),
           ('FwgLzmaApp (in LZMA)',
            f'{fv}/ffs[{M.F_LZMA}]/section[{M.LZMA_GUID}]/section[PE32]/pe32[0]', p['lzma_pe']),
           ('FwgF86Driver (in LZMA-F86)',
            f'{fv}/ffs[{M.F_F86}]/section[{M.LZMAF86_GUID}]/section[PE32]/pe32[0]', p['f86_pe']),
           ('FwgNestedPeim (in the nested volume)',
            f'{fv}/ffs[{M.F_FVIMAGE}]/section[{M.LZMA_GUID}]/section[FIRMWARE_VOLUME_IMAGE]'
            f'/fv[{M.FFS2}]/ffs[{M.F_NESTED_PEIM}]/section[PE32]/pe32[0]', p['nested_pe'])]
    for label, pp, img in pes:
        c = s.get(pp) or {'sha256': None, 'attributes': {}}
        check(f'{case}: pe32 of {label} equals the PE built, parsed as x64',
              c['sha256'] == sha(img) and c['attributes'].get('machine') == 'x64',
              f'{c["sha256"]} {c["attributes"].get("machine")}')

    # Decoded encapsulations.
    dec = [
        (f'{fv}/ffs[{M.F_LZMA}]/section[{M.LZMA_GUID}]', 'lzma', p['lzma_stream'], 'LZMA'),
        (f'{fv}/ffs[{M.F_F86}]/section[{M.LZMAF86_GUID}]', 'lzma_f86', p['f86_stream'],
         'LZMA-F86'),
        (f'{fv}/ffs[{M.F_BROTLI}]/section[{M.BROTLI_GUID}]', 'brotli', p['brotli_stream'],
         'Brotli'),
        (f'{fv}/ffs[{M.F_CLZMA}]/section[COMPRESSION]', 'lzma', p['clzma_stream'],
         'COMPRESSION type 2'),
        (f'{fv}/ffs[{M.F_FVIMAGE}]/section[{M.LZMA_GUID}]', 'lzma', p['fvimage_stream'],
         'LZMA around the volume image'),
    ]
    for sp, algo, stream, label in dec:
        c = s.get(sp) or {'attributes': {}}
        check(f'{case}: {label} section decoded ({algo}, decoded_size {len(stream)})',
              c['attributes'].get('compression') == algo and
              c.get('decoded_size') == len(stream), f'{c["attributes"]} {c.get("decoded_size")}')
        child_sha_check(case, s, sp, stream, label)
    cn = s.get(f'{fv}/ffs[{M.F_CNONE}]/section[COMPRESSION]') or {'attributes': {}}
    check(f'{case}: COMPRESSION type 0 stored, not decoded',
          cn['attributes'].get('compression_type') == '0x0' and
          'compression' not in cn['attributes'] and 'decoded_size' not in cn,
          f'{cn["attributes"]}')
    child_sha_check(case, s, f'{fv}/ffs[{M.F_CNONE}]/section[COMPRESSION]',
                    p['cnone_stream'], 'COMPRESSION type 0')
    crc = s.get(f'{fv}/ffs[{M.F_CRC}]/section[{M.CRC32_GUID}]') or {'attributes': {}}
    check(f'{case}: CRC32 section verified (crc32_ok true)',
          crc['attributes'].get('crc32_ok') is True, f'{crc["attributes"]}')
    child_sha_check(case, s, f'{fv}/ffs[{M.F_CRC}]/section[{M.CRC32_GUID}]', p['crc_stream'],
                    'CRC32')
    if signed:
        sg = s.get(f'{fv}/ffs[{M.F_SIGNED}]/section[{M.RSA2048_GUID}]') or {'attributes': {}}
        check(f'{case}: RSA2048-SHA256 section reported signed and opened at DataOffset 0x228',
              sg['attributes'].get('signed') is True and
              sg['attributes'].get('signature_scheme') == 'rsa2048_sha256' and
              sg['attributes'].get('data_offset') == '0x228', f'{sg["attributes"]}')
        child_sha_check(case, s, f'{fv}/ffs[{M.F_SIGNED}]/section[{M.RSA2048_GUID}]',
                        p['signed_stream'], 'RSA2048-SHA256')
    op_path = f'{fv}/ffs[{M.F_OPAQUE}]/section[{M.UNKNOWN_GUIDED}]'
    op = s.get(op_path)
    unk = [a for a in s.anomalies('section.unknown_guided') if a['path'] == op_path]
    check(f'{case}: unknown GUID-defined section (PROCESSING_REQUIRED) kept opaque, reported',
          op is not None and not s.children(op) and len(unk) == 1 and
          unk[0]['severity'] == 'info', f'{unk}')
    ff = s.get(f'{fv}/ffs[{M.F_FREEFORM}]/section[{M.FREEFORM_SUBTYPE}]')
    check(f'{case}: FREEFORM_SUBTYPE_GUID section stored bytes',
          ff is not None and ff['sha256'] == sha(
              M.freeform_section(M.FREEFORM_SUBTYPE, p['freeform_data'])))
    nested = s.get(f'{fv}/ffs[{M.F_FVIMAGE}]/section[{M.LZMA_GUID}]'
                   f'/section[FIRMWARE_VOLUME_IMAGE]/fv[{M.FFS2}]')
    check(f'{case}: nested volume equals the one built, erase polarity 0',
          nested is not None and nested['sha256'] == sha(p['nested_fv']) and
          nested['attributes'].get('erase_polarity') is False and nested['abs_offset'] is None)
    free = [c for c in s.comps if c['type'] == 'free_space' and c['abs_offset'] is not None]
    check(f'{case}: top-level free space is erased and reaches the volume end',
          len(free) == 1 and set(s.data[free[0]['abs_offset']:]) == {0xff} and
          free[0]['abs_offset'] + free[0]['size'] == len(s.data))
    return s, info


def check_ffs3(work):
    case = 'ffs3_large'
    path, info = write_case(work, case)
    s = Scan(path)
    if not check(f'{case}: scan exits 0', s.rc == 0, s.stderr):
        return
    check_tree(case, s, ffs3_tree(os.path.basename(path)))
    check_generic(case, s, info)
    check(f'{case}: no warning or error anomalies', not s.bad(), f'{s.bad()}')
    fv = f'/fv[{M.FV_FFS3}]'
    v = s.get(fv) or {'attributes': {}}
    check(f'{case}: volume is FFSv3', v['attributes'].get('filesystem') == 'FFSv3')
    big = s.get(f'{fv}/ffs[{M.F_LARGE}]') or {'attributes': {}, 'size': 0}
    p = info['plain']
    check(f'{case}: >16 MiB file uses EFI_FFS_FILE_HEADER2 (large_file, checksums ok)',
          big['attributes'].get('large_file') is True and big['size'] > 0xffffff and
          big['attributes'].get('header_checksum_ok') is True and
          big['attributes'].get('data_checksum_ok') is True, f'{big["attributes"]}')
    raw = s.get(f'{fv}/ffs[{M.F_LARGE}]/section[RAW]') or {'sha256': None, 'size': 0}
    want = M.raw_section(p['large_raw'], large=True)
    check(f'{case}: RAW section with EFI_COMMON_SECTION_HEADER2 ({len(want)} bytes) found',
          raw['sha256'] == sha(want) and raw['size'] == len(want), f'size={raw["size"]}')
    small = s.get(f'{fv}/ffs[{M.F_SMALL3}]/section[PE32]/pe32[0]') or {'sha256': None}
    check(f'{case}: small file next to it parsed', small['sha256'] == sha(p['small3_pe']))


def check_flash(work, case, dirty):
    path, info = write_case(work, case)
    s = Scan(path)
    if not check(f'{case}: scan exits 0', s.rc == 0, s.stderr):
        return
    check_tree(case, s, flash_tree(os.path.basename(path)))
    check_generic(case, s, info)
    top = [(c['type'], c['offset'], c['size']) for c in s.children(s.comps[0])]
    check(f'{case}: volumes and padding at the offsets built', top == info['layout'],
          f'{top} != {info["layout"]}')
    padc = s.get('/padding[0]') or {'attributes': {}}
    if dirty:
        check(f'{case}: padding flagged non_erased', padc['attributes'].get('non_erased') is True)
        want = [('flash.padding_data', '/padding[0]')]
        check(f'{case}: exactly flash.padding_data on /padding[0] at warning/error level',
              s.bad() == want, f'{s.bad()}')
    else:
        check(f'{case}: padding is erased (fill 0xff)', padc['attributes'].get('fill') == '0xff',
              f'{padc["attributes"]}')
        check(f'{case}: no warning or error anomalies', not s.bad(), f'{s.bad()}')


# ---- planted anomalies -----------------------------------------------------------------

FV = f'/fv[{M.FV_MAIN}]'
PLANTED = [
    # case, code, severity, path, offset (None: not checked), attribute check
    ('fv_header_checksum', 'fv.header_checksum', 'warning', FV, 0x32,
     (FV, 'header_checksum_ok', False)),
    ('ffs_header_checksum', 'ffs.header_checksum', 'warning', f'{FV}/ffs[{M.F_DRIVER}]', 0x10,
     (f'{FV}/ffs[{M.F_DRIVER}]', 'header_checksum_ok', False)),
    ('ffs_data_checksum', 'ffs.data_checksum', 'warning', f'{FV}/ffs[{M.F_DRIVER}]', 0x11,
     (f'{FV}/ffs[{M.F_DRIVER}]', 'data_checksum_ok', False)),
    ('free_space_data', 'fv.free_space_data', 'warning', f'{FV}/padding[0]', 0,
     (f'{FV}/padding[0]', 'non_erased', True)),
    ('pad_data', 'ffs.pad_data', 'warning', f'{FV}/ffs[{M.PAD_GUID}#1]', 24 + 20, None),
    ('file_size', 'fv.file_size', 'error', FV, 'last', None),
    ('crc32', 'section.crc32', 'warning', f'{FV}/ffs[{M.F_CRC}]/section[{M.CRC32_GUID}]', 24,
     (f'{FV}/ffs[{M.F_CRC}]/section[{M.CRC32_GUID}]', 'crc32_ok', False)),
    ('corrupt_lzma', 'section.decode', 'error', f'{FV}/ffs[{M.F_LZMA}]/section[{M.LZMA_GUID}]',
     0x18, None),
]


def check_planted(work, clean):
    last_off = None
    if clean is not None:
        last = clean.get(f'{FV}/ffs[{M.F_LAST}]')
        last_off = last['offset'] if last else None
    for case, code, sev, cpath, off, attr in PLANTED:
        path, info = write_case(work, case)
        s = Scan(path)
        if not check(f'{case}: scan exits 0', s.rc == 0, s.stderr):
            continue
        check(f'{case}: exactly {code} on {cpath.split("/")[-1]} at warning/error level',
              s.bad() == [(code, cpath)], f'{s.bad()}')
        hits = [a for a in s.anomalies(code) if a['path'] == cpath]
        want_off = last_off if off == 'last' else off
        check(f'{case}: {code} is {sev} at offset {want_off:#x}',
              len(hits) == 1 and hits[0]['severity'] == sev and hits[0]['offset'] == want_off and
              s.get(cpath) is not None and hits[0]['component'] == s.get(cpath)['id'],
              f'{hits}')
        if attr:
            c = s.get(attr[0]) or {'attributes': {}}
            check(f'{case}: {attr[1]} is {attr[2]}', c['attributes'].get(attr[1]) is attr[2],
                  f'{c["attributes"]}')
        r = subprocess.run([FWGUARD, 'scan', '--fail-on', sev, path],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        check(f'{case}: scan --fail-on {sev} exits 1', r.returncode == 1, f'rc={r.returncode}')
        if case == 'file_size':
            pad = s.get(f'{FV}/padding[0]')
            check(f'{case}: rest of the volume kept as non-erased padding from the bad file',
                  pad is not None and pad['offset'] == last_off and
                  pad['attributes'].get('non_erased') is True and
                  s.get(f'{FV}/ffs[{M.F_LAST}]') is None)
        if case == 'corrupt_lzma':
            sec_ = s.get(cpath)
            check(f'{case}: the undecodable section has no children',
                  sec_ is not None and not s.children(sec_))
        if case == 'free_space_data':
            pad = s.get(cpath)
            check(f'{case}: padding starts at the first planted byte (volume offset 0x1f00)',
                  pad is not None and pad['offset'] == len(s.data) - 0x100 and
                  pad['size'] == 0x100)


# ---- UEFIExtract oracle -----------------------------------------------------------------

def check_oracle(work):
    if not shutil.which('UEFIExtract'):
        check('UEFIExtract installed (Debian uefitool-cli)', False)
        return
    # `clean` itself is not given to UEFIExtract: uefitool-cli A62 adds the
    # RSA2048 certificate size to DataOffset a second time and aborts on
    # EDK2's signed section; clean_nosig is the same volume without it.
    for case in ('clean_nosig', 'ffs3_large', 'flash', 'flash_dirty'):
        path, info = write_case(work, case)
        want = uefiextract_view(path, work)
        if not check(f'{case}: UEFIExtract parses the generated image', want is not None):
            continue
        s = Scan(path)
        got = fwguard_view(s.comps)
        built = collections.Counter(info['files'].keys())
        check(f'{case}: UEFIExtract finds every file built ({sum(built.values())})',
              want[0] == built, f'missing {dict(built - want[0])} extra {dict(want[0] - built)}')
        check(f'{case}: fwguard agrees with UEFIExtract: files {sum(got[0].values())}/'
              f'{sum(want[0].values())} pads {got[1]}/{want[1]} volumes {got[2]}/{want[2]}',
              got == want, f'missing {dict(want[0] - got[0])} extra {dict(got[0] - want[0])}')


# ---- extract -----------------------------------------------------------------------------

def check_extract(work, s, info):
    case = 'clean'
    if s is None:
        check(f'{case}: extract (skipped: scan failed)', False)
        return
    out = os.path.join(work, 'extract')
    r = subprocess.run([FWGUARD, 'extract', s_path(work, case), '-o', out],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if not check(f'{case}: fwguard extract exits 0', r.returncode == 0, r.stderr.decode()):
        return
    dirs = {}
    for root, dnames, _ in os.walk(out):
        for d in dnames:
            m = re.match(r'^(\d{4,})_', d)
            if m:
                dirs[int(m.group(1))] = os.path.join(root, d)
    p = info['plain']
    for sp, stream, label in [
            (f'{FV}/ffs[{M.F_LZMA}]/section[{M.LZMA_GUID}]', p['lzma_stream'], 'LZMA'),
            (f'{FV}/ffs[{M.F_F86}]/section[{M.LZMAF86_GUID}]', p['f86_stream'], 'LZMA-F86'),
            (f'{FV}/ffs[{M.F_BROTLI}]/section[{M.BROTLI_GUID}]', p['brotli_stream'], 'Brotli'),
            (f'{FV}/ffs[{M.F_CLZMA}]/section[COMPRESSION]', p['clzma_stream'],
             'COMPRESSION type 2')]:
        c = s.get(sp)
        d = dirs.get(c['id']) if c else None
        dec = raw = None
        if d:
            try:
                with open(os.path.join(d, '_decoded.bin'), 'rb') as f:
                    dec = f.read()
                with open(os.path.join(d, '_raw.bin'), 'rb') as f:
                    raw = f.read()
            except OSError:
                pass
        check(f'{case}: extract {label}: _decoded.bin is the plaintext section stream built',
              dec == stream, f'dir={d} decoded={None if dec is None else len(dec)}')
        check(f'{case}: extract {label}: _raw.bin is the stored section',
              raw is not None and c is not None and sha(raw) == c['sha256'])
    try:
        with open(os.path.join(out, 'fwguard.json')) as f:
            doc = json.load(f)
        same = [c['sha256'] for c in doc['components']] == [c['sha256'] for c in s.comps]
    except (OSError, ValueError):
        same = False
    check(f'{case}: extract fwguard.json lists the same components as scan', same)


def s_path(work, case):
    return os.path.join(work, case + '.fd')


def main():
    if not check('brotli CLI installed (Debian brotli, used by make_fv.py)',
                 shutil.which('brotli') is not None):
        print(f'{passed} passed, {failed} failed')
        return 1
    with tempfile.TemporaryDirectory() as work:
        clean, info = check_clean(work)
        check_clean(work, 'clean_nosig', signed=False)
        check_ffs3(work)
        check_flash(work, 'flash', dirty=False)
        check_flash(work, 'flash_dirty', dirty=True)
        check_planted(work, clean)
        check_oracle(work)
        check_extract(work, clean, info)
    print(f'{passed} passed, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
