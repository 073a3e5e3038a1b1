#!/usr/bin/env python3
"""make_uefi_implants.py - plants firmware implants into Debian's real OVMF
images, for the structural-diff and reclamation tests (issue 5).

Inputs (Debian package `ovmf`):
  /usr/share/OVMF/OVMF_CODE_4M.secboot.fd   code: FvMainCompact holds the
      FV_IMAGE file FvMainCompactFvImageFile whose only section is an LZMA
      GUID-defined section; decoded, it holds a RAW section, OvmfPeiFv and
      OvmfDxeFv (FvMain, the DXE volume).  OvmfSecFv follows FvMainCompact.
  /usr/share/OVMF/OVMF_VARS_4M.ms.fd        variables: an authenticated VSS
      store with PK, KEK, db (Microsoft PCA 2011 + UEFI CA 2011) and dbx
      (one SHA-256).

Outputs in OUTDIR (every image keeps its size and stays valid: volume and
file checksums are fixed, nothing else moves):
  dxe_added.fd      a new DXE driver FFS file (EFI_FV_FILETYPE_DRIVER, GUID
                    IMPLANT_GUID, sections DXE_DEPEX TRUE, PE32 = a copy of
                    the smallest DRIVER's PE32+ image, USER_INTERFACE
                    "FwgImplantDxe") placed in OvmfDxeFv's free space after
                    its last file; the LZMA section is re-encoded and the
                    outer file's size and header checksum patched.
  module_byte.fd    one byte of the .text of the first DRIVER with a UI name
                    in OvmfDxeFv flipped (XOR 0xff), then re-encoded as
                    above.  Which module and offset: implants.json.
  freespace.fd      64 bytes (0x90/0xcc, no 0xff) written into the erased free
                    space of FvMainCompact, 64 KiB after its last file.
  vars_db.fd        db updated the way the variable driver does it: the live
                    db record's State becomes VAR_ADDED & VAR_DELETED (0x3c)
                    and a new record (old data + one EFI_SIGNATURE_LIST with
                    an X.509 certificate "CN=FwgImplant db key" made by the
                    openssl CLI) is appended after the last variable.
  vars_dbx_rollback.fd  dbx replaced the same way by a record whose only
                    EFI_SIGNATURE_LIST (EFI_CERT_SHA256) holds no hash: the
                    revoked hash is gone.
  implants.json     for each image: the original, what was planted, and the
                    diff changes expected ({change, class, type, name, guid,
                    path_substring}); see tests/integration/drift_test.py.

LZMA: EDK2's encoding (props, u32 dictionary size, u64 decoded size, then
the stream) is decoded with Python's lzma FORMAT_ALONE and re-encoded with
make_fv.lzma_edk2 (liblzma, preset 6, end marker, size patched in), which
EDK2's LzmaDecompress and UEFIExtract accept.  Layouts follow the PI
specification volume 3 (FV, FFS, sections) and the UEFI specification
(EFI_SIGNATURE_LIST); the authenticated VSS variable header is EDK2's
AUTHENTICATED_VARIABLE_HEADER (MdeModulePkg/Include/Guid/VariableFormat.h).

Usage: make_uefi_implants.py OUTDIR [--code FILE] [--vars FILE]
"""
import argparse
import hashlib
import json
import lzma
import os
import struct
import subprocess
import sys
import tempfile
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_fv  # noqa: E402

CODE = '/usr/share/OVMF/OVMF_CODE_4M.secboot.fd'
VARS = '/usr/share/OVMF/OVMF_VARS_4M.ms.fd'

IMPLANT_GUID = 'f36a1c5e-9b2d-4e07-8a41-6d0c2f9e7b13'
IMPLANT_NAME = 'FwgImplantDxe'
DB_OWNER_GUID = 'f36a1c5e-0db0-4e07-8a41-6d0c2f9e7b13'

FV_MAIN_COMPACT = '48db5e17-707c-472d-91cd-1613e7ef51b0'
FV_DXE = '7cb8bdc9-f8eb-4f34-aaea-3ee4af6516a1'
FV_IMAGE_FILE = '9e21fd93-9c72-4c15-8c4b-e77f1db2d792'
LZMA_GUID = 'ee4e5898-3914-4259-9d6e-dc7bd79403cf'
IMAGE_SECURITY_GUID = 'd719b2cb-3d3a-4596-a3bc-dad00e67656f'
CERT_X509_GUID = 'a5c059a1-94e4-4aa7-87b5-ab155c2bf072'
CERT_SHA256_GUID = 'c1c41626-504c-4092-aca9-41f936934328'

FT_DRIVER, FT_FV_IMAGE, FT_PAD = 0x07, 0x0b, 0xf0
S_GUID_DEFINED, S_PE32, S_DXE_DEPEX, S_UI, S_FV_IMAGE = 0x02, 0x10, 0x13, 0x15, 0x17
FFS_ATTRIB_LARGE_FILE, FFS_ATTRIB_CHECKSUM = 0x01, 0x40
DEPEX_TRUE, DEPEX_END = 0x06, 0x08
VAR_START_ID = 0x55aa
VAR_ADDED, VAR_DELETED = 0x3f, 0x3c
AUTH_VAR_HEADER = 60


def g2s(b):
    return str(uuid.UUID(bytes_le=bytes(b)))


def align(n, a):
    return (n + a - 1) // a * a


def sha256(data):
    return hashlib.sha256(data).hexdigest()


# ---- firmware volumes and FFS files ---------------------------------------

class FfsFile:
    def __init__(self, buf, off):
        self.off = off
        self.guid = g2s(buf[off:off + 16])
        self.type = buf[off + 0x12]
        self.attrs = buf[off + 0x13]
        if self.attrs & FFS_ATTRIB_LARGE_FILE:
            self.hlen = 32
            self.size = struct.unpack_from('<Q', buf, off + 0x18)[0]
        else:
            self.hlen = 24
            self.size = int.from_bytes(buf[off + 0x14:off + 0x17], 'little')
        self.end = off + self.size

    def data(self, buf):
        return bytes(buf[self.off + self.hlen:self.end])


def fv_files(buf, fv_off):
    """The FFS files of the volume at fv_off (erase polarity 1)."""
    if buf[fv_off + 0x28:fv_off + 0x2c] != b'_FVH':
        raise ValueError(f'no volume at 0x{fv_off:x}')
    length = struct.unpack_from('<Q', buf, fv_off + 0x20)[0]
    pos = fv_off + struct.unpack_from('<H', buf, fv_off + 0x30)[0]
    end = fv_off + length
    files = []
    while True:
        pos = align(pos - fv_off, 8) + fv_off
        if pos + 24 > end or buf[pos:pos + 24] == b'\xff' * 24:
            break
        f = FfsFile(buf, pos)
        if f.size < f.hlen or f.end > end:
            raise ValueError(f'bad FFS file at 0x{pos:x}')
        files.append(f)
        pos = f.end
    return files, end


def sections(data):
    """(type, offset, size) of the sections of a section stream."""
    out = []
    pos = 0
    while pos + 4 <= len(data):
        size = int.from_bytes(data[pos:pos + 3], 'little')
        if size < 4 or pos + size > len(data):
            break
        out.append((data[pos + 3], pos, size))
        pos = align(pos + size, 4)
    return out


def ui_name(data):
    for stype, off, size in sections(data):
        if stype == S_UI:
            return data[off + 4:off + size].decode('utf-16-le').rstrip('\0')
    return None


def fix_file_checksums(buf, f):
    """Header checksum (over the header with State and File checksum 0)
    and data checksum (or 0xAA without FFS_ATTRIB_CHECKSUM)."""
    o = f.off
    buf[o + 0x10] = 0
    buf[o + 0x11] = 0
    hdr = bytes(buf[o:o + f.hlen])
    buf[o + 0x10] = (-(sum(hdr) - hdr[0x17])) & 0xff
    if f.attrs & FFS_ATTRIB_CHECKSUM:
        buf[o + 0x11] = (-sum(buf[o + f.hlen:f.end])) & 0xff
    else:
        buf[o + 0x11] = 0xaa


def section_header(stype, size):
    if size >= 0xffffff:
        raise ValueError('section too large for EFI_COMMON_SECTION_HEADER')
    return size.to_bytes(3, 'little') + bytes([stype])


# ---- the compressed DXE volume --------------------------------------------

class CompressedMain:
    """OVMF_CODE's FvMainCompactFvImageFile: decode, edit, re-encode."""

    def __init__(self, code):
        self.code = bytearray(code)
        files, self.fv_end = fv_files(self.code, 0)
        self.outer = next(f for f in files if f.guid == FV_IMAGE_FILE)
        after = [f for f in files if f.off > self.outer.off]
        self.limit = after[0].off if after else self.fv_end
        data = self.outer.data(self.code)
        secs = sections(data)
        if len(secs) != 1 or secs[0][0] != S_GUID_DEFINED:
            raise ValueError('FvMainCompactFvImageFile: expected one GUID-defined section')
        self.sec_guid = g2s(data[4:20])
        if self.sec_guid != LZMA_GUID:
            raise ValueError(f'unexpected GUID-defined section {self.sec_guid}')
        self.data_offset, self.sec_attrs = struct.unpack_from('<HH', data, 20)
        self.sec_extra = data[24:self.data_offset]
        stream = data[self.data_offset:secs[0][2]]
        self.decoded = bytearray(lzma.LZMADecompressor(lzma.FORMAT_ALONE).decompress(stream))
        declared = struct.unpack_from('<Q', stream, 5)[0]
        if declared != len(self.decoded):
            raise ValueError('LZMA size field disagrees with the decoded data')
        fvs = [(off, size) for stype, off, size in sections(self.decoded) if stype == S_FV_IMAGE]
        self.dxe_off = None
        for off, _ in fvs:
            if self._fv_name(off + 4) == FV_DXE:
                self.dxe_off = off + 4
        if self.dxe_off is None:
            raise ValueError('OvmfDxeFv not found in the decoded section')

    def _fv_name(self, fv_off):
        ext = struct.unpack_from('<H', self.decoded, fv_off + 0x34)[0]
        return g2s(self.decoded[fv_off + ext:fv_off + ext + 16]) if ext else None

    def dxe_files(self):
        return fv_files(self.decoded, self.dxe_off)

    def encode(self):
        """The code image with the edited decoded data re-encoded in place."""
        stream = make_fv.lzma_edk2(bytes(self.decoded))
        body = (guid_bytes(LZMA_GUID) + struct.pack('<HH', self.data_offset, self.sec_attrs) +
                self.sec_extra + stream)
        section = section_header(S_GUID_DEFINED, 4 + len(body)) + body
        out = bytearray(self.code)
        f = self.outer
        new_size = f.hlen + len(section)
        if f.off + new_size > self.limit:
            raise ValueError('re-encoded volume does not fit before the next file')
        out[f.off + f.hlen:f.end] = b'\xff' * (f.end - f.off - f.hlen)
        out[f.off + f.hlen:f.off + new_size] = section
        out[f.off + 0x14:f.off + 0x17] = new_size.to_bytes(3, 'little')
        nf = FfsFile(out, f.off)
        fix_file_checksums(out, nf)
        assert len(out) == len(self.code)
        return bytes(out), {'outer_file_size_old': f.size, 'outer_file_size_new': new_size,
                            'lzma_stream_size': len(stream)}


def guid_bytes(text):
    return uuid.UUID(text).bytes_le


def pe_text_offset(pe):
    """Offset inside a PE32(+) image of the middle of its .text section."""
    if pe[:2] != b'MZ':
        raise ValueError('not a PE image')
    lfanew = struct.unpack_from('<I', pe, 0x3c)[0]
    if pe[lfanew:lfanew + 4] != b'PE\0\0':
        raise ValueError('no PE signature')
    nsec = struct.unpack_from('<H', pe, lfanew + 6)[0]
    optsize = struct.unpack_from('<H', pe, lfanew + 20)[0]
    table = lfanew + 24 + optsize
    for i in range(nsec):
        s = table + 40 * i
        name = pe[s:s + 8].rstrip(b'\0')
        raw_size, raw_ptr = struct.unpack_from('<II', pe, s + 16)
        if name == b'.text' and raw_size:
            return raw_ptr + raw_size // 2, struct.unpack_from('<I', pe, lfanew + 24 + 64)[0]
    raise ValueError('no .text section')


def plant_dxe_driver(code):
    m = CompressedMain(code)
    files, fv_end = m.dxe_files()
    drivers = [f for f in files if f.type == FT_DRIVER]
    # Donor: the smallest driver with a PE32 section.
    donor, donor_pe = None, None
    for f in sorted(drivers, key=lambda f: f.size):
        data = f.data(m.decoded)
        pe = [(o, s) for t, o, s in sections(data) if t == S_PE32]
        if pe:
            donor, donor_pe = f, data[pe[0][0]:pe[0][0] + pe[0][1]]
            break
    depex = section_header(S_DXE_DEPEX, 6) + bytes([DEPEX_TRUE, DEPEX_END])
    ui_text = (IMPLANT_NAME + '\0').encode('utf-16-le')
    ui = section_header(S_UI, 4 + len(ui_text)) + ui_text
    stream = bytearray()
    for sec in (depex, donor_pe, ui):
        stream += b'\0' * (align(len(stream), 4) - len(stream))
        stream += sec
    pos = align(files[-1].end - m.dxe_off, 8) + m.dxe_off
    if m.decoded[pos:fv_end] != b'\xff' * (fv_end - pos):
        raise ValueError('DXE volume free space is not erased')
    hdr = bytearray(24)
    hdr[0:16] = guid_bytes(IMPLANT_GUID)
    hdr[0x12] = FT_DRIVER
    hdr[0x13] = 0
    size = 24 + len(stream)
    hdr[0x14:0x17] = size.to_bytes(3, 'little')
    hdr[0x17] = (~0x07) & 0xff          # HEADER_CONSTRUCTION|HEADER_VALID|DATA_VALID, polarity 1
    if pos + size > fv_end:
        raise ValueError('no room in the DXE volume')
    m.decoded[pos:pos + size] = bytes(hdr) + bytes(stream)
    fix_file_checksums(m.decoded, FfsFile(m.decoded, pos))
    image, info = m.encode()
    info.update(dxe_volume_offset_in_decoded=m.dxe_off, file_offset_in_volume=pos - m.dxe_off,
                file_size=size, pe32_copied_from={'guid': donor.guid,
                                                  'name': ui_name(donor.data(m.decoded))})
    return image, info


def flip_module_byte(code):
    m = CompressedMain(code)
    files, _ = m.dxe_files()
    for f in files:
        data = f.data(m.decoded)
        name = ui_name(data)
        pe = [(o, s) for t, o, s in sections(data) if t == S_PE32]
        if f.type == FT_DRIVER and name and pe:
            break
    else:
        raise ValueError('no named DRIVER in the DXE volume')
    pe_off = pe[0][0] + 4
    pe_img = data[pe_off:pe[0][0] + pe[0][1]]
    text_off, pe_checksum = pe_text_offset(pe_img)
    if pe_checksum:
        raise ValueError('module carries a PE checksum; this generator does not update it')
    at = f.off + f.hlen + pe_off + text_off
    old = m.decoded[at]
    m.decoded[at] = old ^ 0xff
    fix_file_checksums(m.decoded, f)
    image, info = m.encode()
    info.update(module={'guid': f.guid, 'name': name},
                pe_offset_in_image=text_off, old_byte=old, new_byte=old ^ 0xff,
                offset_in_decoded_section=at)
    return image, info, f.guid, name


def fill_free_space(code):
    buf = bytearray(code)
    files, fv_end = fv_files(buf, 0)
    start = align(files[-1].end, 8)
    at = align(start, 0x1000) + 0x10000
    payload = (b'\x90' * 16 + b'FWG-IMPLANT-FREESPACE\xcc\xcc\xcc').ljust(64, b'\xcc')
    assert len(payload) == 64 and 0xff not in payload
    if at + 64 > fv_end or buf[at:at + 64] != b'\xff' * 64:
        raise ValueError('FvMainCompact free space is not where expected')
    buf[at:at + 64] = payload
    return bytes(buf), {'offset': at, 'length': 64, 'free_space_start': start}


# ---- authenticated VSS variables ------------------------------------------

class VarStore:
    """The authenticated VSS store of an OVMF_VARS image."""

    def __init__(self, image):
        self.buf = bytearray(image)
        hlen = struct.unpack_from('<H', self.buf, 0x30)[0]
        self.store = hlen
        self.store_size = struct.unpack_from('<I', self.buf, hlen + 16)[0]
        self.vars = []
        pos = hlen + 0x1c
        end = hlen + self.store_size
        while pos + AUTH_VAR_HEADER <= end and \
                struct.unpack_from('<H', self.buf, pos)[0] == VAR_START_ID:
            state = self.buf[pos + 2]
            attrs = struct.unpack_from('<I', self.buf, pos + 4)[0]
            name_size, data_size = struct.unpack_from('<II', self.buf, pos + 36)
            vendor = g2s(self.buf[pos + 44:pos + 60])
            name = self.buf[pos + 60:pos + 60 + name_size].decode('utf-16-le').rstrip('\0')
            data = bytes(self.buf[pos + 60 + name_size:pos + 60 + name_size + data_size])
            self.vars.append(dict(off=pos, state=state, attrs=attrs, name=name, guid=vendor,
                                  data=data))
            pos = align(pos + AUTH_VAR_HEADER + name_size + data_size, 4)
        self.end = pos
        self.limit = end

    def live(self, name, vendor):
        found = [v for v in self.vars if v['name'] == name and v['guid'] == vendor and
                 v['state'] == VAR_ADDED]
        if len(found) != 1:
            raise ValueError(f'{name}: {len(found)} live records')
        return found[0]

    def replace(self, var, data, timestamp):
        """Delete var's record and append a new one holding data, as the
        variable driver does on SetVariable."""
        self.buf[var['off'] + 2] = VAR_DELETED
        name = (var['name'] + '\0').encode('utf-16-le')
        hdr = struct.pack('<HBBIQ', VAR_START_ID, VAR_ADDED, 0, var['attrs'], 0)
        hdr += struct.pack('<HBBBBBBIhBB', *timestamp, 0, 0, 0, 0, 0)
        hdr += struct.pack('<III', 0, len(name), len(data)) + guid_bytes(var['guid'])
        assert len(hdr) == AUTH_VAR_HEADER
        rec = hdr + name + data
        at = self.end
        if at + len(rec) > self.limit:
            raise ValueError('variable store full')
        if self.buf[at:at + len(rec)] != b'\xff' * len(rec):
            raise ValueError('variable store free space is not erased')
        self.buf[at:at + len(rec)] = rec
        self.end = align(at + len(rec), 4)
        return at


def make_cert(work):
    key = os.path.join(work, 'db.key')
    der = os.path.join(work, 'db.der')
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key,
                    '-subj', '/CN=FwgImplant db key', '-days', '3650', '-outform', 'DER',
                    '-out', der], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return open(der, 'rb').read()


def signature_list(sig_type, owner, entries, entry_size=None):
    if entry_size is None:
        entry_size = 16 + len(entries[0])
    body = b''.join(guid_bytes(owner) + e for e in entries)
    return guid_bytes(sig_type) + struct.pack('<III', 28 + len(body), 0, entry_size) + body


def plant_db(vars_image, cert):
    s = VarStore(vars_image)
    db = s.live('db', IMAGE_SECURITY_GUID)
    new = db['data'] + signature_list(CERT_X509_GUID, DB_OWNER_GUID, [cert])
    at = s.replace(db, new, (2025, 3, 1, 12, 0, 0))
    return bytes(s.buf), {'old_record_offset': db['off'], 'new_record_offset': at,
                          'cert_sha256': sha256(cert), 'old_data_size': len(db['data']),
                          'new_data_size': len(new)}


def rollback_dbx(vars_image):
    s = VarStore(vars_image)
    dbx = s.live('dbx', IMAGE_SECURITY_GUID)
    old = dbx['data']
    sig_type = g2s(old[0:16])
    list_size, header_size, sig_size = struct.unpack_from('<III', old, 16)
    hashes = (list_size - 28 - header_size) // sig_size
    if sig_type != CERT_SHA256_GUID or list_size != len(old):
        raise ValueError('dbx is not one SHA-256 list')
    removed = [old[28 + header_size + i * sig_size + 16:28 + header_size + (i + 1) * sig_size].hex()
               for i in range(hashes)]
    # The same list header, no signature left.
    new = guid_bytes(CERT_SHA256_GUID) + struct.pack('<III', 28, 0, sig_size)
    at = s.replace(dbx, new, (2025, 3, 1, 12, 0, 0))
    return bytes(s.buf), {'old_record_offset': dbx['off'], 'new_record_offset': at,
                          'removed_hashes': removed}


# ---- main -----------------------------------------------------------------

def dxe_path(guid):
    return f'fv[{FV_DXE}]/ffs[{guid}]'


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('outdir')
    ap.add_argument('--code', default=CODE)
    ap.add_argument('--vars', default=VARS)
    args = ap.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    code = open(args.code, 'rb').read()
    vars_image = open(args.vars, 'rb').read()
    out = {'format': 'fwguard-implants', 'generator': os.path.basename(__file__),
           'inputs': {args.code: sha256(code), args.vars: sha256(vars_image)},
           'images': {}}

    def emit(name, data, original, planted, expect, details):
        with open(os.path.join(args.outdir, name), 'wb') as f:
            f.write(data)
        out['images'][name] = {'original': original, 'sha256': sha256(data),
                               'planted': planted, 'expect': expect, 'details': details}

    img, info = plant_dxe_driver(code)
    emit('dxe_added.fd', img, args.code,
         f'new DXE driver FFS file {IMPLANT_NAME} {{{IMPLANT_GUID}}} in OvmfDxeFv '
         '(LZMA-compressed)',
         [{'change': 'added', 'class': 'critical', 'type': 'ffs', 'name': IMPLANT_NAME,
           'guid': IMPLANT_GUID, 'path_substring': dxe_path(IMPLANT_GUID)}], info)

    img, info, mod_guid, mod_name = flip_module_byte(code)
    emit('module_byte.fd', img, args.code,
         f'one .text byte of DXE driver {mod_name} changed inside the LZMA-compressed OvmfDxeFv',
         [{'change': 'modified', 'class': 'critical', 'type': 'ffs', 'name': mod_name,
           'guid': mod_guid, 'path_substring': dxe_path(mod_guid)}], info)

    img, info = fill_free_space(code)
    emit('freespace.fd', img, args.code,
         '64 bytes of code-like data in the free space of FvMainCompact',
         [{'change': ['modified', 'added'], 'class': 'critical', 'type': ['free_space', 'padding'],
           'name': None, 'guid': None, 'path_substring': f'/fv[{FV_MAIN_COMPACT}]/'}], info)

    with tempfile.TemporaryDirectory() as work:
        cert = make_cert(work)
    img, info = plant_db(vars_image, cert)
    var_path = f'nvram_var[db:{IMAGE_SECURITY_GUID}'
    emit('vars_db.fd', img, args.vars,
         'db: old record deleted, new record with an extra X.509 signature list '
         '(CN=FwgImplant db key) appended',
         [{'change': 'modified', 'class': 'critical', 'type': 'nvram_var', 'name': 'db',
           'guid': IMAGE_SECURITY_GUID, 'path_substring': var_path}], info)

    img, info = rollback_dbx(vars_image)
    emit('vars_dbx_rollback.fd', img, args.vars,
         'dbx: old record deleted, new record whose SHA-256 list holds no hash (rollback)',
         [{'change': 'modified', 'class': 'critical', 'type': 'nvram_var', 'name': 'dbx',
           'guid': IMAGE_SECURITY_GUID, 'path_substring': f'nvram_var[dbx:{IMAGE_SECURITY_GUID}'}],
         info)

    with open(os.path.join(args.outdir, 'implants.json'), 'w') as f:
        json.dump(out, f, indent=1)
    for name in out['images']:
        print(os.path.join(args.outdir, name))


if __name__ == '__main__':
    main()
