#!/usr/bin/env python3
"""make_megarac_image.py - builds an AMI MegaRAC SPx-style flash image
(FMH module headers, see src/handlers/bmc/fmh.c and the FMH notes in
/work/shared/REFERENCE.md) for fwguard's tests, into OUTDIR.

32 MiB, 64 KiB erase blocks, 0xFF where nothing is written.  Modules:

  name     section            type    content (made by)
  boot     0x0000000 1 MiB    0x0001  /usr/lib/u-boot/qemu_arm/u-boot.bin at 0;
                                      FMH inside the first block, found
                                      through the alternate FMH at 0xfff0
  osimage  0x0100000 1 MiB    0x0308  U-Boot uImage (mkimage -T kernel -C gzip)
                                      of a kernel stand-in (gzip -n)
  root     0x0200000 8 MiB    0x1009  cramfs (mkfs.cramfs, util-linux)
  www      0x0a00000 4 MiB    0x0040  squashfs, gzip (mksquashfs)
  initrd   0x0e00000 1 MiB    0x0100  cpio newc, minilzo-compressed (flags
                                      compression 1): the raw LZO1X block
                                      lzop (Debian lzop) wrote
  extlog   0x0f00000 1 MiB    0x0100  tar (GNU tar), gzip-compressed (flags
                                      compression 2, gzip -n)
  conf     0x1000000 2 MiB    0x1221  jffs2 (mkfs.jffs2 -l -e 64KiB), module
                                      data one erase block into the section
  fwinfo   0x1ff0000 64 KiB   0x0202  FW_VERSION=... lines; the image CRC;
                                      signed-image markers $start$ $fwimg$
                                      $end$ 4 KiB before the section end

Every FMH has its checksum (64 bytes sum to 0), end signature 0x55aa,
FMH_Location = its own offset, and the CRC-32 (zlib) of its module data
as it lies in the image; the firmware-info CRC covers the image from 0 to
the end of its block without its CRC field and header checksum byte (the
order AMI's image builder uses: CRC first, header checksum last).

Writes OUTDIR/megarac.bin, OUTDIR/megarac.json (modules, trees, provenance)
and the source trees under OUTDIR/src-megarac/.
Usage: make_megarac_image.py OUTDIR
"""
import argparse
import gzip
import json
import os
import struct
import subprocess
import sys
import tempfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_openbmc_image as obmc  # noqa: E402

MIB = 1 << 20
BLOCK = 0x10000
IMAGE_SIZE = 32 * MIB
ALT_LINK = 0xff00          # boot FMH offset inside the first block
FW_VERSION = '3.14.159'


def fmh_header(name, alloc, location, mtype, mod_loc, mod_size, flags, load, crc,
               ver=(1, 2), aux=0):
    hdr = bytearray(64)
    hdr[0:8] = b'$MODULE$'
    struct.pack_into('<BBHII', hdr, 8, 1, 5, 64, alloc, location)
    nm = name.encode()[:8].ljust(8, b'\0')
    hdr[0x18:0x20] = nm
    struct.pack_into('<BBHIIHIIH', hdr, 0x20, ver[0], ver[1], mtype, mod_loc, mod_size,
                     flags, load, crc, aux)
    struct.pack_into('<H', hdr, 0x3e, 0x55aa)
    hdr[0x17] = (-sum(hdr)) & 0xff
    return bytes(hdr)


def alt_header(link):
    alt = bytearray(16)
    struct.pack_into('<HBBI', alt, 0, 0x55aa, 0, 0, link)
    alt[8:16] = b'$MODULE$'
    alt[2] = (-sum(alt)) & 0xff
    return bytes(alt)


def raw_lzo1x(work, data):
    """The raw LZO1X-1 stream of data (< 256 KiB: one lzop block)."""
    src = os.path.join(work, 'initrd.cpio')
    with open(src, 'wb') as f:
        f.write(data)
    subprocess.run(['lzop', '-1', '-f', '-n', '-o', src + '.lzo', src], check=True)
    lz = open(src + '.lzo', 'rb').read()
    # lzop header: magic(9) version(2) lib(2) [extract version(2)] method(1)
    # level(1) flags(4) [filter(4)] mode(4) mtime(4) mtime_hi(4) name_len(1)
    # name header_crc(4); then blocks: dst_len(4) src_len(4) dst_crc(4)
    # [src_crc(4) when compressed and the flag asks for it] data.
    assert lz[:9] == b'\x89LZO\x00\r\n\x1a\n'
    pos = 9
    version = struct.unpack_from('>H', lz, pos)[0]
    pos += 4
    if version >= 0x0940:
        pos += 2
    pos += 2
    flags = struct.unpack_from('>I', lz, pos)[0]
    pos += 4
    if flags & 0x800:
        pos += 4
    pos += 12
    name_len = lz[pos]
    pos += 1 + name_len + 4
    dst_len, src_len = struct.unpack_from('>II', lz, pos)
    pos += 8
    pos += 4                         # adler32/crc32 of the decompressed block
    if src_len < dst_len and flags & 0x2:   # F_ADLER32_C
        pos += 4
    if src_len < dst_len and flags & 0x200:  # F_CRC32_C
        pos += 4
    if dst_len != len(data) or src_len >= dst_len:
        sys.exit('lzop wrote an unexpected block layout')
    return lz[pos:pos + src_len]


def make_tar_gz(work, src):
    out = os.path.join(work, 'extlog.tar')
    subprocess.run(['tar', '--numeric-owner', '--owner=0', '--group=0', '--mtime=@0',
                    '--sort=name', '-C', src, '-cf', out, '.'], check=True)
    return gzip.compress(open(out, 'rb').read(), mtime=0)


def make_cpio(src):
    names = []
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames.sort()
        rel = os.path.relpath(dirpath, src)
        if rel != '.':
            names.append(rel)
        for fn in sorted(filenames):
            names.append(os.path.normpath(os.path.join(rel, fn)))
    r = subprocess.run(['cpio', '-o', '-H', 'newc', '--quiet'], cwd=src,
                       input=('\n'.join(names) + '\n').encode(), stdout=subprocess.PIPE,
                       check=True)
    return r.stdout


def build(outdir):
    os.makedirs(outdir, exist_ok=True)
    srcdir = os.path.join(outdir, 'src-megarac')
    trees = {k: os.path.join(srcdir, k) for k in ('root', 'www', 'conf', 'initrd', 'extlog')}
    if not os.path.isdir(srcdir):
        obmc.make_tree(trees['root'], 11, files=60)
        obmc.make_tree(trees['www'], 12, files=30, elf=False)
        obmc.make_tree(trees['conf'], 13, files=12, elf=False)
        obmc.make_tree(trees['initrd'], 14, files=8, elf=False, extras=False)
        obmc.make_tree(trees['extlog'], 15, files=8, elf=False)
    img = bytearray(b'\xff' * IMAGE_SIZE)
    modules = []
    with tempfile.TemporaryDirectory() as work:
        uboot = open(obmc.UBOOT_BIN, 'rb').read()
        kernel = b'fwguard kernel stand-in\n' + bytes(range(256)) * 512
        with open(os.path.join(work, 'kernel.bin'), 'wb') as f:
            f.write(kernel)
        env = dict(os.environ, SOURCE_DATE_EPOCH='1700000000')
        subprocess.run(['mkimage', '-A', 'arm', '-O', 'linux', '-T', 'kernel', '-C', 'none',
                        '-a', '0x80008000', '-e', '0x80008000', '-n', 'fwguard kernel',
                        '-d', os.path.join(work, 'kernel.bin'), os.path.join(work, 'uImage')],
                       check=True, stdout=subprocess.PIPE, env=env)
        uimage = open(os.path.join(work, 'uImage'), 'rb').read()
        cramfs = os.path.join(work, 'root.cramfs')
        subprocess.run(['mkfs.cramfs', '-N', 'little', '-n', 'fwguard-root', trees['root'], cramfs],
                       check=True, stdout=subprocess.PIPE)
        root = open(cramfs, 'rb').read()
        www = obmc.make_squashfs(work, trees['www'], 'www.squashfs', comp='gzip')
        conf = obmc.make_jffs2(work, trees['conf'], 'conf.jffs2')
        initrd = raw_lzo1x(work, make_cpio(trees['initrd']))
        extlog = make_tar_gz(work, trees['extlog'])

        # name, section, alloc, type, module location, data, flags, load
        plan = [
            ('boot', 0x0000000, 0x100000, 0x0001, 0, uboot, 0x0100, 0xffffffff),
            ('osimage', 0x0100000, 0x100000, 0x0308, 0x40, uimage, 0x0101, 0x81000000),
            ('root', 0x0200000, 0x800000, 0x1009, 0x40, root, 0x0100, 0xffffffff),
            ('www', 0x0a00000, 0x400000, 0x0040, 0x40, www, 0x0100, 0xffffffff),
            ('initrd', 0x0e00000, 0x100000, 0x0100, 0x40, initrd, 0x0100 | (1 << 5), 0x82000000),
            ('extlog', 0x0f00000, 0x100000, 0x0100, 0x40, extlog, 0x0100 | (2 << 5), 0xffffffff),
            ('conf', 0x1000000, 0x200000, 0x1221, BLOCK, conf, 0x0100, 0xffffffff),
        ]
        for name, sec, alloc, mtype, mloc, data, flags, load in plan:
            if mloc + len(data) > alloc:
                sys.exit(f'{name}: 0x{len(data):x} bytes do not fit 0x{alloc:x}')
            img[sec + mloc:sec + mloc + len(data)] = data
            if name == 'boot':
                at = sec + ALT_LINK
                img[sec + BLOCK - 16:sec + BLOCK] = alt_header(ALT_LINK)
                # The header and the alternate header lie inside the boot
                # loader's bytes, so its CRC is taken with both erased (what
                # fmh.c accepts as crc32_scope "headers-erased").
                tmp = bytearray(img[sec + mloc:sec + mloc + len(data)])
                tmp[ALT_LINK - mloc:ALT_LINK - mloc + 64] = b'\xff' * 64
                tmp[BLOCK - 16 - mloc:BLOCK - mloc] = b'\xff' * 16
                crc = zlib.crc32(bytes(tmp))
                img[at:at + 64] = fmh_header(name, alloc, at, mtype, mloc, len(data),
                                             flags, load, crc)
            else:
                at = sec
                crc = zlib.crc32(data)
                img[at:at + 64] = fmh_header(name, alloc, at, mtype, mloc, len(data),
                                             flags, load, crc)
            modules.append({'name': name, 'section': sec, 'allocated': alloc, 'type': mtype,
                            'module_location': mloc, 'size': len(data), 'flags': flags,
                            'header': at, 'crc32': crc})

        # Firmware info in the last block.
        sec = IMAGE_SIZE - BLOCK
        info = (f'FW_VERSION={FW_VERSION}\nFW_DATE=Nov 21 2025\nFW_BUILDTIME=07:15:00\n'
                f'FW_DESC=fwguard test image\nFW_PRODUCTID=42\n').encode()
        img[sec + 0x40:sec + 0x40 + len(info)] = info
        marks = sec + BLOCK - 0x1000
        img[marks:marks + 7] = b'$start$'
        img[marks + 0x10:marks + 0x17] = b'$fwimg$'
        img[marks + 0x20:marks + 0x20 + 32] = bytes(range(32))    # stand-in hashes
        img[marks + 0x400:marks + 0x405] = b'$end$'
        img[sec:sec + 64] = fmh_header('fwinfo', BLOCK, sec, 0x0202, 0x40, len(info),
                                       0x0000, 0xffffffff, 0)
        whole = bytes(img)
        crc = zlib.crc32(whole[:sec + 0x17])
        crc = zlib.crc32(whole[sec + 0x18:sec + 0x32], crc)
        crc = zlib.crc32(whole[sec + 0x36:sec + BLOCK], crc)
        img[sec:sec + 64] = fmh_header('fwinfo', BLOCK, sec, 0x0202, 0x40, len(info),
                                       0x0000, 0xffffffff, crc)
        modules.append({'name': 'fwinfo', 'section': sec, 'allocated': BLOCK, 'type': 0x0202,
                        'module_location': 0x40, 'size': len(info), 'flags': 0,
                        'header': sec, 'crc32': crc})
    name = os.path.join(outdir, 'megarac.bin')
    with open(name, 'wb') as f:
        f.write(img)
    meta = {'image': name, 'image_size': IMAGE_SIZE, 'block_size': BLOCK,
            'fw_version': FW_VERSION, 'modules': modules, 'trees': trees,
            'contents': {'root': 'cramfs', 'www': 'squashfs', 'conf': 'jffs2',
                         'initrd': 'cpio', 'extlog': 'tar', 'osimage': 'uimage',
                         'boot': None, 'fwinfo': None},
            'provenance': dict(obmc.provenance(),
                               **{'mkfs.cramfs': obmc.tool_version(['mkfs.cramfs', '-V']),
                                  'lzop': obmc.tool_version(['lzop', '--version']),
                                  'tar': obmc.tool_version(['tar', '--version'])})}
    with open(os.path.join(outdir, 'megarac.json'), 'w') as f:
        json.dump(meta, f, indent=1)
    return meta


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('outdir')
    args = ap.parse_args()
    print(build(args.outdir)['image'])


if __name__ == '__main__':
    main()
