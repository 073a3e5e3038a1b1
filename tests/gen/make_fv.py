#!/usr/bin/env python3
"""make_fv.py - writes synthetic UEFI PI firmware volumes for fwguard's tests.

A small library (python3 stdlib only, plus Debian's `brotli` CLI for the
Brotli GUID-defined section) and a CLI:

    make_fv.py --list
    make_fv.py --case NAME OUT

Building blocks follow the PI specification, volume 3 (chapter 3) and what
EDK2's GenFv/GenFfs/GenSec produce:
  * firmware volume header (FFSv2 or FFSv3 file system GUID, erase
    polarity, block map, 16-bit header checksum), optional extended header
    stored inside a leading pad file as EDK2 does;
  * FFS files: EFI_FFS_FILE_HEADER, or EFI_FFS_FILE_HEADER2 for large
    files in FFSv3; header checksum; data checksum with FFS_ATTRIB_CHECKSUM
    or the fixed 0xAA; files 8-byte aligned; pad files;
  * sections: EFI_COMMON_SECTION_HEADER (or _HEADER2 for >= 16 MiB), 4-byte
    aligned: RAW, USER_INTERFACE, VERSION, PE32 (a real minimal PE32+),
    DXE_DEPEX, FREEFORM_SUBTYPE_GUID, FIRMWARE_VOLUME_IMAGE, COMPRESSION
    (type 0 none, type 2 LZMA), GUID_DEFINED (LZMA, LZMA-F86, Brotli, CRC32,
    RSA2048-SHA256 signed, an unknown GUID with PROCESSING_REQUIRED).

Every case is built by build_case(name), which returns (image bytes, info):
info['plain'] maps labels to the exact plaintext bytes the generator
encoded (section streams inside encapsulations, PE images, raw payloads),
so a test can compare fwguard's decoded output with them.
"""
import argparse
import hashlib
import lzma
import shutil
import struct
import subprocess
import sys
import uuid
import zlib

# ---- GUIDs ----------------------------------------------------------------

FFS2 = '8c8ce578-8a3d-4f1c-9935-896185c32dd3'
FFS3 = '5473c07a-3dcb-4dca-bd6f-1e9689e7349a'
PAD_GUID = 'ffffffff-ffff-ffff-ffff-ffffffffffff'
LZMA_GUID = 'ee4e5898-3914-4259-9d6e-dc7bd79403cf'
LZMAF86_GUID = 'd42ae6bd-1352-4bfb-909a-ca72a6eae889'
BROTLI_GUID = '3d532050-5cda-4fd0-879e-0f7f630d5afb'
CRC32_GUID = 'fc1bcdb0-7d31-49aa-936a-a4600d9dd083'
RSA2048_GUID = 'a7717414-c616-4977-9420-844712a735bf'
EFI_HASH_ALGORITHM_SHA256_GUID = '51aa59de-fdf2-4ea3-bc63-875fb7842ee9'
UNKNOWN_GUIDED = '0badf00d-5eed-4c0d-9e11-0123456789ab'

# Names of the synthetic volumes and files (none is in data/guids.csv).
FV_MAIN = 'f3a1c0de-0001-4a5b-8c6d-7e8f90a1b2c3'
FV_FFS3 = 'f3a1c0de-0003-4a5b-8c6d-7e8f90a1b2c3'
FV_FLASH_A = 'f3a1c0de-00a0-4a5b-8c6d-7e8f90a1b2c3'
FV_FLASH_B = 'f3a1c0de-00b0-4a5b-8c6d-7e8f90a1b2c3'
F_DRIVER = 'c0ffee00-0001-4d1e-a1b2-c3d4e5f60001'
F_LZMA = 'c0ffee00-0002-4d1e-a1b2-c3d4e5f60002'
F_F86 = 'c0ffee00-0003-4d1e-a1b2-c3d4e5f60003'
F_BROTLI = 'c0ffee00-0004-4d1e-a1b2-c3d4e5f60004'
F_CRC = 'c0ffee00-0005-4d1e-a1b2-c3d4e5f60005'
F_CNONE = 'c0ffee00-0006-4d1e-a1b2-c3d4e5f60006'
F_CLZMA = 'c0ffee00-0007-4d1e-a1b2-c3d4e5f60007'
F_FREEFORM = 'c0ffee00-0008-4d1e-a1b2-c3d4e5f60008'
F_SIGNED = 'c0ffee00-0009-4d1e-a1b2-c3d4e5f60009'
F_OPAQUE = 'c0ffee00-000a-4d1e-a1b2-c3d4e5f6000a'
F_FVIMAGE = 'c0ffee00-000b-4d1e-a1b2-c3d4e5f6000b'
F_LAST = 'c0ffee00-000c-4d1e-a1b2-c3d4e5f6000c'
F_NESTED_PEIM = 'c0ffee00-0101-4d1e-a1b2-c3d4e5f60101'
F_NESTED_RAW = 'c0ffee00-0102-4d1e-a1b2-c3d4e5f60102'
F_LARGE = 'c0ffee00-0301-4d1e-a1b2-c3d4e5f60301'
F_SMALL3 = 'c0ffee00-0302-4d1e-a1b2-c3d4e5f60302'
F_FLASH_A = 'c0ffee00-0a01-4d1e-a1b2-c3d4e5f60a01'
F_FLASH_B = 'c0ffee00-0b01-4d1e-a1b2-c3d4e5f60b01'
FREEFORM_SUBTYPE = '5ab0c0de-1111-4222-8333-944455556666'
DEPEX_A = 'de9e0001-aaaa-4bbb-8ccc-dddddddddd01'
DEPEX_B = 'de9e0002-aaaa-4bbb-8ccc-dddddddddd02'

# ---- constants --------------------------------------------------------------

FV_ATTRS = 0x0004feff            # EDK2's usual attributes, ERASE_POLARITY set
FVB2_ERASE_POLARITY = 0x00000800
FV_HEADER_LENGTH = 0x48          # header + one block-map entry + terminator

FT_RAW, FT_FREEFORM, FT_PEIM, FT_DRIVER, FT_APPLICATION = 0x01, 0x02, 0x06, 0x07, 0x09
FT_FV_IMAGE, FT_PAD = 0x0b, 0xf0
FFS_ATTRIB_LARGE_FILE = 0x01
FFS_ATTRIB_CHECKSUM = 0x40
FFS_STATE_OK = 0x07              # HEADER_CONSTRUCTION | HEADER_VALID | DATA_VALID

S_COMPRESSION, S_GUID_DEFINED, S_PE32 = 0x01, 0x02, 0x10
S_DXE_DEPEX, S_VERSION, S_UI = 0x13, 0x14, 0x15
S_FV_IMAGE, S_FREEFORM, S_RAW = 0x17, 0x18, 0x19
PROCESSING_REQUIRED, AUTH_STATUS_VALID = 0x01, 0x02
DEPEX_PUSH, DEPEX_AND, DEPEX_END = 0x02, 0x03, 0x08


def guid(text):
    return uuid.UUID(text).bytes_le


def align(n, a):
    return (n + a - 1) // a * a


# ---- codecs -----------------------------------------------------------------

def lzma_edk2(data):
    """EDK2 LzmaCompress format: props, dict size u32, u64 size, stream.

    Python's FORMAT_ALONE writes the size field as -1 (unknown) and ends the
    stream with an end-of-payload marker; the real size is patched in.
    """
    out = bytearray(lzma.compress(data, format=lzma.FORMAT_ALONE))
    struct.pack_into('<Q', out, 5, len(data))
    return bytes(out)


def lzma_f86_edk2(data):
    """EDK2 LZMA-F86: x86 BCJ then LZMA1, with the same 13-byte header."""
    raw = lzma.compress(data, format=lzma.FORMAT_RAW,
                        filters=[{'id': lzma.FILTER_X86},
                                 {'id': lzma.FILTER_LZMA1, 'preset': 6}])
    # Properties and dictionary size of preset 6 (lc=3 lp=0 pb=2 -> 0x5d,
    # 8 MiB): FORMAT_ALONE uses the same preset and writes them first.
    props = lzma.compress(b'', format=lzma.FORMAT_ALONE)[:5]
    assert props[0] == 0x5d, props
    return props + struct.pack('<Q', len(data)) + raw


def corrupt_lzma(stream):
    """Breaks an EDK2 LZMA stream: the range coder's first byte must be 0
    and the payload is overwritten with garbage."""
    out = bytearray(stream)
    out[13] = 0xff
    for i in range(14, len(out)):
        out[i] ^= 0xa5
    return bytes(out)


def brotli_edk2(data):
    """EDK2 Brotli GUID-defined payload: u64 decoded size, u64 scratch
    size, then a brotli stream made with the `brotli` CLI."""
    exe = shutil.which('brotli')
    if not exe:
        raise RuntimeError('the brotli CLI is missing: apt-get install brotli')
    stream = subprocess.run([exe, '-c'], input=data, stdout=subprocess.PIPE,
                            check=True).stdout
    return struct.pack('<QQ', len(data), 0x10000) + stream


# ---- PE -----------------------------------------------------------------------

def make_pe(tag, subsystem=11):
    """A minimal valid PE32+ (x64) image: one .text section (r-x) holding
    the entry point, 0x400 bytes.  `tag` makes each image distinct; x86
    call instructions give the BCJ filter something to convert."""
    text = bytearray(b'\x48\x83\xec\x28' + b'\xe8\x10\x00\x00\x00' * 8 +
                     b'\x48\x83\xc4\x28\x31\xc0\xc3' + tag.encode() + b'\x00')
    text += bytes(0x200 - len(text))
    hdr = bytearray(0x200)
    hdr[0:2] = b'MZ'
    struct.pack_into('<I', hdr, 0x3c, 0x40)
    hdr[0x40:0x44] = b'PE\x00\x00'
    struct.pack_into('<HHIIIHH', hdr, 0x44, 0x8664, 1, 0, 0, 0, 0xf0, 0x0022)
    opt = 0x58
    struct.pack_into('<HBBIIIII', hdr, opt, 0x20b, 14, 0, 0x200, 0, 0, 0x1000, 0x1000)
    struct.pack_into('<QII', hdr, opt + 24, 0, 0x1000, 0x200)
    struct.pack_into('<IIIHH', hdr, opt + 56, 0x2000, 0x200, 0, subsystem, 0)
    struct.pack_into('<QQQQII', hdr, opt + 72, 0x10000, 0x1000, 0x10000, 0x1000, 0, 16)
    sect = opt + 0xf0
    hdr[sect:sect + 8] = b'.text\x00\x00\x00'
    struct.pack_into('<IIII', hdr, sect + 8, 0x200, 0x1000, 0x200, 0x200)
    struct.pack_into('<I', hdr, sect + 36, 0x60000020)
    return bytes(hdr + text)


# ---- sections -------------------------------------------------------------------

def section(stype, body, large=False):
    """EFI_COMMON_SECTION_HEADER, or EFI_COMMON_SECTION_HEADER2 when asked
    or when the size does not fit in 24 bits."""
    if large or 4 + len(body) >= 0xffffff:
        return struct.pack('<II', 0xffffff | stype << 24, 8 + len(body)) + body
    return struct.pack('<I', (4 + len(body)) | stype << 24) + body


def section_stream(sections, fill=0x00):
    """Concatenates sections, each 4-byte aligned relative to the start."""
    out = bytearray()
    for s in sections:
        out += bytes([fill]) * (align(len(out), 4) - len(out))
        out += s
    return bytes(out)


def ucs2(text):
    return text.encode('utf-16-le') + b'\x00\x00'


def ui_section(name):
    return section(S_UI, ucs2(name))


def version_section(build, text):
    return section(S_VERSION, struct.pack('<H', build) + ucs2(text))


def pe32_section(image):
    return section(S_PE32, image)


def depex_and(guids):
    """PUSH g1 PUSH g2 ... AND ... END."""
    out = bytearray()
    for g in guids:
        out += bytes([DEPEX_PUSH]) + guid(g)
    out += bytes([DEPEX_AND]) * (len(guids) - 1) + bytes([DEPEX_END])
    return bytes(out)


def depex_section(expr):
    return section(S_DXE_DEPEX, expr)


def raw_section(data, large=False):
    return section(S_RAW, data, large)


def freeform_section(subtype, data):
    return section(S_FREEFORM, guid(subtype) + data)


def fv_image_section(fv):
    return section(S_FV_IMAGE, fv)


def compression_section(ctype, inner, corrupt=False):
    """EFI_COMPRESSION_SECTION: UncompressedLength u32, CompressionType u8;
    type 0 stores the inner sections, type 2 an EDK2 LZMA stream."""
    if ctype == 0:
        data = inner
    elif ctype == 2:
        data = lzma_edk2(inner)
        if corrupt:
            data = corrupt_lzma(data)
    else:
        raise ValueError(f'compression type {ctype} not supported')
    return section(S_COMPRESSION, struct.pack('<IB', len(inner), ctype) + data)


def guided_section(gd, attrs, data, extra=b''):
    """EFI_GUID_DEFINED_SECTION: GUID, DataOffset u16, Attributes u16, then
    `extra` (algorithm-specific header) and the data at DataOffset."""
    data_offset = 4 + 20 + len(extra)
    return section(S_GUID_DEFINED, guid(gd) + struct.pack('<HH', data_offset, attrs) +
                   extra + data)


def lzma_guided(inner, corrupt=False):
    data = lzma_edk2(inner)
    if corrupt:
        data = corrupt_lzma(data)
    return guided_section(LZMA_GUID, PROCESSING_REQUIRED, data)


def lzma_f86_guided(inner):
    return guided_section(LZMAF86_GUID, PROCESSING_REQUIRED, lzma_f86_edk2(inner))


def brotli_guided(inner):
    return guided_section(BROTLI_GUID, PROCESSING_REQUIRED, brotli_edk2(inner))


def crc32_guided(inner, bad_crc=False):
    """CRC32 GUID-defined section: DataOffset 0x1c, AUTH_STATUS_VALID, the
    u32 CRC32 of the data right after the GUID-defined header."""
    crc = zlib.crc32(inner) & 0xffffffff
    if bad_crc:
        crc ^= 0xdeadbeef
    return guided_section(CRC32_GUID, AUTH_STATUS_VALID, inner, struct.pack('<I', crc))


def rsa2048_guided(inner):
    """EFI_CERT_BLOCK_RSA2048_SHA256 (HashType = EFI_HASH_ALGORITHM_SHA256
    GUID, 256-byte public key, 256-byte signature) between the header and
    the data: DataOffset 24 + 528, as EDK2's Rsa2048Sha256Sign + GenSec
    write it.  The key and signature are filler, not a real signature."""
    cert = (guid(EFI_HASH_ALGORITHM_SHA256_GUID) + bytes(range(256)) +
            bytes(255 - i for i in range(256)))
    assert len(cert) == 528
    return guided_section(RSA2048_GUID, PROCESSING_REQUIRED, inner, cert)


def unknown_guided(inner):
    return guided_section(UNKNOWN_GUIDED, PROCESSING_REQUIRED, inner)


# ---- FFS files ------------------------------------------------------------------

def ffs_file(name, ftype, data, checksum=True, large=False, polarity=1, attrs=0,
             state=FFS_STATE_OK, bad_header_checksum=False, bad_data_checksum=False,
             fixed_checksum=0xaa, size_override=None):
    """One FFS file.  `large` uses EFI_FFS_FILE_HEADER2 (FFSv3 only).
    `size_override` stores a wrong size (header checksum kept valid)."""
    if checksum:
        attrs |= FFS_ATTRIB_CHECKSUM
    if large:
        attrs |= FFS_ATTRIB_LARGE_FILE
    hlen = 32 if large else 24
    size = hlen + len(data)
    stored = size if size_override is None else size_override
    h = bytearray(hlen)
    h[0:16] = guid(name)
    h[0x12] = ftype
    h[0x13] = attrs
    if large:
        struct.pack_into('<Q', h, 0x18, stored)
    else:
        if stored > 0xffffff:
            raise ValueError('file too large for EFI_FFS_FILE_HEADER')
        h[0x14:0x17] = stored.to_bytes(3, 'little')
    # Header checksum: header bytes sum to 0 with State and File checksum 0.
    h[0x10] = (-sum(h)) & 0xff
    if bad_header_checksum:
        h[0x10] ^= 0x5a
    if checksum:
        h[0x11] = (-sum(data)) & 0xff
        if bad_data_checksum:
            h[0x11] ^= 0x33
    else:
        h[0x11] = fixed_checksum
    h[0x17] = (~state & 0xff) if polarity else state
    return bytes(h) + data


def pad_file(data_len, polarity=1, data=None):
    """A pad file (type 0xF0, name all 0xFF as EDK2 writes it); its data is
    erased unless `data` is given."""
    if data is None:
        data = bytes([0xff if polarity else 0x00]) * data_len
    return ffs_file(PAD_GUID, FT_PAD, data, checksum=False, polarity=polarity)


# ---- volumes --------------------------------------------------------------------

def fv_header(length, fs, attrs, block, ext_offset=0):
    h = bytearray(FV_HEADER_LENGTH)
    h[0x10:0x20] = guid(fs)
    struct.pack_into('<Q4sIHHHBB', h, 0x20, length, b'_FVH', attrs, FV_HEADER_LENGTH, 0,
                     ext_offset, 0, 2)
    assert length % block == 0
    struct.pack_into('<IIII', h, 0x38, length // block, block, 0, 0)
    struct.pack_into('<H', h, 0x32, (-sum(struct.unpack('<36H', h))) & 0xffff)
    return h


def fv(files, fs=FFS2, polarity=1, name=None, block=0x1000, free=0x800, length=None,
       bad_checksum=False, record=None):
    """A firmware volume holding `files` (built FFS files), each 8-byte
    aligned; `name` adds an extended header (FvName) inside a leading pad
    file like EDK2.  At least `free` bytes of erased free space remain.
    `record` (a dict) receives {file name GUID: file bytes} of non-pad
    files."""
    if record is not None:
        for f in files:
            if f[0x12] != FT_PAD:
                record[str(uuid.UUID(bytes_le=bytes(f[:16])))] = f
    erase = 0xff if polarity else 0x00
    attrs = FV_ATTRS if polarity else FV_ATTRS & ~FVB2_ERASE_POLARITY
    ext_offset = 0
    files = list(files)
    if name:
        ext_offset = FV_HEADER_LENGTH + 24
        ext = guid(name) + struct.pack('<I', 20)
        files.insert(0, pad_file(0, polarity, data=ext))
    body = bytearray()
    pos = FV_HEADER_LENGTH
    for f in files:
        gap = align(pos, 8) - pos
        body += bytes([erase]) * gap
        pos += gap
        body += f
        pos += len(f)
    if length is None:
        length = align(pos + free, block)
    if pos > length:
        raise ValueError('files do not fit in the volume')
    body += bytes([erase]) * (length - pos)
    hdr = fv_header(length, fs, attrs, block, ext_offset)
    if bad_checksum:
        hdr[0x32] ^= 0x5a
    return bytes(hdr) + bytes(body)


# ---- cases ----------------------------------------------------------------------

def raw_payload(label, n=200):
    """Deterministic, recognisable bytes that no probe claims."""
    out = bytearray()
    i = 0
    while len(out) < n:
        out += f'fwguard synthetic {label} payload line {i:04d}\n'.encode()
        i += 1
    return bytes(out[:n])


def nested_fv(info):
    """Inner FFSv2 volume, erase polarity 0, no extended header: a PEIM and a
    RAW file."""
    pe = make_pe('nested peim')
    info['plain']['nested_pe'] = pe
    raw = raw_payload('nested raw file', 96)
    info['plain']['nested_raw_file'] = raw
    files = [
        ffs_file(F_NESTED_PEIM, FT_PEIM,
                 section_stream([pe32_section(pe), ui_section('FwgNestedPeim')]), polarity=0),
        ffs_file(F_NESTED_RAW, FT_RAW, raw, polarity=0),
    ]
    vol = fv(files, fs=FFS2, polarity=0, free=0x100, record=info['files'])
    info['plain']['nested_fv'] = vol
    return vol


def main_fv(info, plant=None, signed=True):
    """The main volume of the `clean` case; `plant` names one anomaly;
    `signed` includes the RSA2048-SHA256 signed file."""
    p = info['plain']
    files = []

    pe_driver = make_pe('driver a')
    p['driver_pe'] = pe_driver
    p['depex'] = depex_and([DEPEX_A, DEPEX_B])
    files.append(ffs_file(
        F_DRIVER, FT_DRIVER,
        section_stream([depex_section(p['depex']), pe32_section(pe_driver),
                        ui_section('FwgDriverA'), version_section(7, '1.2.3')]),
        bad_header_checksum=plant == 'ffs_header_checksum',
        bad_data_checksum=plant == 'ffs_data_checksum'))

    pe_lzma = make_pe('lzma application')
    p['lzma_pe'] = pe_lzma
    p['lzma_stream'] = section_stream([pe32_section(pe_lzma), ui_section('FwgLzmaApp')])
    files.append(ffs_file(F_LZMA, FT_APPLICATION,
                          lzma_guided(p['lzma_stream'], corrupt=plant == 'corrupt_lzma')))

    pe_f86 = make_pe('lzma f86 driver')
    p['f86_pe'] = pe_f86
    p['f86_stream'] = section_stream([pe32_section(pe_f86), ui_section('FwgF86Driver')])
    files.append(ffs_file(F_F86, FT_DRIVER, lzma_f86_guided(p['f86_stream'])))

    p['brotli_raw'] = raw_payload('brotli', 300)
    p['brotli_stream'] = section_stream([raw_section(p['brotli_raw']),
                                         ui_section('FwgBrotliBlob')])
    files.append(ffs_file(F_BROTLI, FT_FREEFORM, brotli_guided(p['brotli_stream'])))

    p['crc_raw'] = raw_payload('crc32', 150)
    p['crc_stream'] = section_stream([raw_section(p['crc_raw']), ui_section('FwgCrcBlob')])
    files.append(ffs_file(F_CRC, FT_FREEFORM,
                          crc32_guided(p['crc_stream'], bad_crc=plant == 'crc32')))

    p['cnone_raw'] = raw_payload('compression none', 90)
    p['cnone_stream'] = section_stream([raw_section(p['cnone_raw']),
                                        ui_section('FwgCompressNone')])
    files.append(ffs_file(F_CNONE, FT_FREEFORM, section_stream(
        [compression_section(0, p['cnone_stream'])])))

    p['clzma_raw'] = raw_payload('compression lzma', 250)
    p['clzma_stream'] = section_stream([raw_section(p['clzma_raw']),
                                        ui_section('FwgCompressLzma')])
    files.append(ffs_file(F_CLZMA, FT_FREEFORM, section_stream(
        [compression_section(2, p['clzma_stream'])])))

    p['freeform_data'] = raw_payload('freeform subtype', 64)
    files.append(ffs_file(F_FREEFORM, FT_FREEFORM, section_stream(
        [freeform_section(FREEFORM_SUBTYPE, p['freeform_data']),
         ui_section('FwgFreeformSubtype')])))

    if signed:
        p['signed_raw'] = raw_payload('signed', 80)
        p['signed_stream'] = section_stream([raw_section(p['signed_raw'])])
        files.append(ffs_file(F_SIGNED, FT_FREEFORM, section_stream(
            [rsa2048_guided(p['signed_stream']), ui_section('FwgSigned')])))

    p['opaque_data'] = raw_payload('opaque', 120)
    files.append(ffs_file(F_OPAQUE, FT_FREEFORM, section_stream(
        [unknown_guided(p['opaque_data']), ui_section('FwgOpaque')])))

    inner = nested_fv(info)
    p['fvimage_stream'] = section_stream([fv_image_section(inner)])
    files.append(ffs_file(F_FVIMAGE, FT_FV_IMAGE, section_stream(
        [lzma_guided(p['fvimage_stream']), ui_section('FwgNestedFv')])))

    pad_data = None
    if plant == 'pad_data':
        pad_data = b'\xff' * 20 + b'HIDDEN IMPLANT' + b'\xff' * 30
    files.append(pad_file(64, data=pad_data))

    p['last_raw'] = raw_payload('last file', 40)
    last = section_stream([raw_section(p['last_raw']), ui_section('FwgLastFile')])
    files.append(ffs_file(F_LAST, FT_FREEFORM, last,
                          size_override=0x40000 if plant == 'file_size' else None))

    vol = bytearray(fv(files, name=FV_MAIN, free=0x800,
                       bad_checksum=plant == 'fv_header_checksum', record=info['files']))
    if plant == 'free_space_data':
        vol[len(vol) - 0x100:len(vol) - 0x100 + 12] = b'IMPLANT HERE'
    return bytes(vol)


def case_clean(info, plant=None, signed=True):
    return main_fv(info, plant, signed)


def case_ffs3(info):
    """FFSv3 volume with a file above 16 MiB (EFI_FFS_FILE_HEADER2) holding
    a RAW section with EFI_COMMON_SECTION_HEADER2, plus a small driver."""
    p = info['plain']
    big = bytearray(raw_payload('large', 4096)) * ((16 << 20) // 4096 + 1)
    p['large_raw'] = bytes(big)
    p['small3_pe'] = make_pe('ffsv3 driver')
    files = [
        ffs_file(F_SMALL3, FT_DRIVER, section_stream(
            [pe32_section(p['small3_pe']), ui_section('FwgFfs3Driver')])),
        ffs_file(F_LARGE, FT_FREEFORM, section_stream(
            [raw_section(p['large_raw'], large=True), ui_section('FwgLargeFile')]),
            large=True),
    ]
    return fv(files, fs=FFS3, name=FV_FFS3, block=0x10000, free=0x1000, record=info['files'])


def flash_image(info, dirty=False):
    """Two volumes separated by 0x2000 bytes of padding (erased, or with
    non-erased bytes in the middle)."""
    p = info['plain']
    p['flash_a_pe'] = make_pe('flash a')
    p['flash_b_raw'] = raw_payload('flash b', 128)
    a = fv([ffs_file(F_FLASH_A, FT_DRIVER, section_stream(
        [pe32_section(p['flash_a_pe']), ui_section('FwgFlashA')]))], name=FV_FLASH_A,
        record=info['files'])
    b = fv([ffs_file(F_FLASH_B, FT_FREEFORM, section_stream(
        [raw_section(p['flash_b_raw']), ui_section('FwgFlashB')]))], name=FV_FLASH_B,
        record=info['files'])
    gap = bytearray(b'\xff' * 0x2000)
    if dirty:
        gap[0x1000:0x1010] = b'NOT ERASED DATA!'
    info['layout'] = [('fv', 0, len(a)), ('padding', len(a), len(gap)),
                      ('fv', len(a) + len(gap), len(b))]
    return a + bytes(gap) + b


# name -> (builder, description)
CASES = {
    'clean': (lambda i: case_clean(i), 'FFSv2 volume with every section kind, all valid'),
    # UEFIExtract (uefitool-cli A62) adds the 528-byte certificate size to
    # DataOffset again and aborts on EDK2's signed sections (DataOffset
    # 24 + 528): this variant lets it check everything else.
    'clean_nosig': (lambda i: case_clean(i, signed=False),
                    'clean without the RSA2048-SHA256 signed file (for UEFIExtract)'),
    'ffs3_large': (case_ffs3, 'FFSv3 volume with a >16 MiB file and section (HEADER2)'),
    'flash': (lambda i: flash_image(i), 'two volumes separated by erased padding'),
    'flash_dirty': (lambda i: flash_image(i, dirty=True),
                    'two volumes, non-erased bytes in the padding between them'),
    'fv_header_checksum': (lambda i: case_clean(i, 'fv_header_checksum'),
                           'clean with a wrong volume header checksum'),
    'ffs_header_checksum': (lambda i: case_clean(i, 'ffs_header_checksum'),
                            'clean with a wrong file header checksum (FwgDriverA)'),
    'ffs_data_checksum': (lambda i: case_clean(i, 'ffs_data_checksum'),
                          'clean with a wrong file data checksum (FwgDriverA)'),
    'free_space_data': (lambda i: case_clean(i, 'free_space_data'),
                        'clean with non-erased bytes in the volume free space'),
    'pad_data': (lambda i: case_clean(i, 'pad_data'),
                 'clean with a pad file carrying data'),
    'file_size': (lambda i: case_clean(i, 'file_size'),
                  'clean with the last file size running past the volume'),
    'crc32': (lambda i: case_clean(i, 'crc32'),
              'clean with a CRC32 GUID-defined section whose CRC is wrong'),
    'corrupt_lzma': (lambda i: case_clean(i, 'corrupt_lzma'),
                     'clean with a corrupt LZMA stream (FwgLzmaApp)'),
}


def build_case(name):
    """Returns (image bytes, info) for a named case."""
    if name not in CASES:
        raise KeyError(f'unknown case {name}')
    info = {'case': name, 'plain': {}, 'files': {}}
    data = CASES[name][0](info)
    info['sha256'] = {k: hashlib.sha256(v).hexdigest() for k, v in info['plain'].items()}
    return data, info


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--case', choices=list(CASES), metavar='NAME', help='case to write')
    ap.add_argument('--list', action='store_true', help='list the cases')
    ap.add_argument('out', nargs='?', help='output file')
    a = ap.parse_args()
    if a.list:
        for n, (_, d) in CASES.items():
            print(f'{n:22s} {d}')
        return 0
    if not a.case or not a.out:
        ap.error('--case NAME OUT required (or --list)')
    data, _ = build_case(a.case)
    with open(a.out, 'wb') as f:
        f.write(data)
    return 0


if __name__ == '__main__':
    sys.exit(main())
