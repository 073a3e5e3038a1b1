#!/usr/bin/env python3
"""make_aten_image.py - builds Supermicro (ATEN) X10/X11-style BMC flash
images for fwguard's tests, into OUTDIR.

The layout follows the public write-ups cited in src/handlers/bmc/aten.c
(devicenull's ipmi_firmware_tools / "ASpeed IPMI Firmware", c0d3z3r0's
smcbmc):

  0x0000000 u-boot.bin          /usr/lib/u-boot/qemu_arm/u-boot.bin (u-boot-qemu)
  0x0100000 NVRAM               0x00 filled, not in the index
  0x0400000 out_rootfs_img.bin  cramfs (mkfs.cramfs -N little, util-linux)
  0x1400000 out_kernel.bin      uImage (mkimage -T kernel) of a kernel stand-in
  0x1700000 out_webfs_img.bin   cramfs; its length counts the first 10 bytes
                                of the global footer that follows it
  after web_fs                  "ATENs_FW" rev 3.88, v3 footer: first four hex
                                digits of the rootfs/webfs CRC and length,
                                0x71, ..., 0x17
  0x1fc0000 index               "[img]: base len crc name" per image, lower
                                case hex, no separator, then "[end]"

aten-x9.bin is an X8/X9-style (Nuvoton WPCM450) image of 16 MiB: every
image closed by a 64-byte footer chunk at the end of its last 64 KiB block
(12 bytes padding, number, base + 0x40000000, length, load, exec, name,
checksum, a0 ff ff 9f, type, footer checksum), the boot loader's at
0xffc0; images: the first 0xfa28 bytes of u-boot.bin, a cramfs "1stFS" at
0x100000 and a uImage "kernel" at 0x600000; the global footer "ATENs_FW"
v2 (0x71, CRC-32 of the images' CRC-32s, 0x17) 16 bytes before the last
image footer.

aten.bin is the X10 image; aten-encrypted.bin is the same image with the X11
treatment: the first 0xc0 index bytes and the first 0x60 bytes of root_fs
and web_fs encrypted with AES-128-CBC (openssl enc -nopad, a fixed test
key).  Writes OUTDIR/aten.json (entries, trees, provenance) and the source
trees under OUTDIR/src-aten/.
Usage: make_aten_image.py OUTDIR
"""
import argparse
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
IMAGE_SIZE = 32 * MIB
INDEX = 0x1fc0000
REV = (3, 88)
TEST_KEY = '000102030405060708090a0b0c0d0e0f'
TEST_IV = 'f0e0d0c0b0a090807060504030201000'


def cramfs(work, src, name):
    out = os.path.join(work, name)
    subprocess.run(['mkfs.cramfs', '-N', 'little', '-n', name[:15], src, out], check=True,
                   stdout=subprocess.PIPE)
    return open(out, 'rb').read()


def aes_cbc(data):
    r = subprocess.run(['openssl', 'enc', '-aes-128-cbc', '-nopad', '-K', TEST_KEY,
                        '-iv', TEST_IV], input=data, stdout=subprocess.PIPE, check=True)
    return r.stdout


def wpcm_checksum(data):
    """The WPCM450 boot loader's checksum (see src/handlers/bmc/aten.c)."""
    c = 0xffffffff
    for i, b in enumerate(data):
        c -= b << ((i % 4) * 8)
        if c < 0:
            c &= 0xffffffff
            c -= 1
    return c


def wpcm_footer(num, base, data, load, execa, name, itype):
    fields = struct.pack('<5I16sII', num, base + 0x40000000, len(data), load, execa,
                         name.encode().ljust(16, b'\0'), wpcm_checksum(data),
                         0x9fffffa0) + struct.pack('<I', itype)
    return b'\xff' * 12 + fields + struct.pack('<I', wpcm_checksum(fields[:48]))


def build_x9(outdir, trees, uboot, rootfs, kernel):
    size = 16 * MIB
    img = bytearray(b'\xff' * size)
    images = [(1, 0x0, uboot[:0xfa28], 0, 0, 'bootloader', 0x05),
              (2, 0x100000, rootfs, 0x0, 0x0, '1stFS', 0x09),
              (3, 0x600000, kernel, 0x8000, 0x8000, 'kernel', 0x07)]
    meta = []
    last_chunk = 0
    for num, base, data, load, execa, name, itype in images:
        img[base:base + len(data)] = data
        end = base + len(data)
        chunk = ((end + 64 + 0xffff) // 0x10000) * 0x10000 - 64
        img[chunk:chunk + 64] = wpcm_footer(num, base, data, load, execa, name, itype)
        meta.append({'name': name, 'number': num, 'base': base, 'len': len(data),
                     'footer': chunk, 'type': itype})
        last_chunk = chunk
    crcs = b''.join(struct.pack('<I', zlib.crc32(d)) for _, _, d, *_ in images)
    glob = b'ATENs_FW' + bytes(REV) + b'\x71' + struct.pack('<I', zlib.crc32(crcs)) + b'\x17'
    img[last_chunk - 16:last_chunk - 16 + len(glob)] = glob
    out = os.path.join(outdir, 'aten-x9.bin')
    with open(out, 'wb') as f:
        f.write(img)
    return out, meta


def build(outdir):
    os.makedirs(outdir, exist_ok=True)
    srcdir = os.path.join(outdir, 'src-aten')
    trees = {'rootfs': os.path.join(srcdir, 'rootfs'), 'webfs': os.path.join(srcdir, 'webfs')}
    if not os.path.isdir(srcdir):
        obmc.make_tree(trees['rootfs'], 21, files=50)
        obmc.make_tree(trees['webfs'], 22, files=20, elf=False)
    img = bytearray(b'\xff' * IMAGE_SIZE)
    img[0x100000:0x400000] = b'\0' * 0x300000
    with tempfile.TemporaryDirectory() as work:
        uboot = open(obmc.UBOOT_BIN, 'rb').read()
        rootfs = cramfs(work, trees['rootfs'], 'rootfs.cramfs')
        webfs = cramfs(work, trees['webfs'], 'webfs.cramfs')
        with open(os.path.join(work, 'kernel.bin'), 'wb') as f:
            f.write(b'fwguard kernel stand-in\n' + bytes(range(256)) * 256)
        env = dict(os.environ, SOURCE_DATE_EPOCH='1700000000')
        subprocess.run(['mkimage', '-A', 'arm', '-O', 'linux', '-T', 'kernel', '-C', 'none',
                        '-a', '0x40008000', '-e', '0x40008000', '-n', 'fwguard kernel',
                        '-d', os.path.join(work, 'kernel.bin'), os.path.join(work, 'uImage')],
                       check=True, stdout=subprocess.PIPE, env=env)
        kernel = open(os.path.join(work, 'uImage'), 'rb').read()
    parts = [('u-boot.bin', 0x0, uboot), ('out_rootfs_img.bin', 0x400000, rootfs),
             ('out_kernel.bin', 0x1400000, kernel), ('out_webfs_img.bin', 0x1700000, webfs)]
    for name, base, data in parts:
        img[base:base + len(data)] = data
    # Global footer after web_fs; web_fs's length takes in its first 10 bytes.
    rootfs_crc, rootfs_len = zlib.crc32(rootfs), len(rootfs)
    web_base = 0x1700000
    footer_at = web_base + len(webfs)
    webfs_len = len(webfs) + 10
    img[footer_at:footer_at + 10] = b'ATENs_FW' + bytes(REV)
    webfs_crc = zlib.crc32(bytes(img[web_base:web_base + webfs_len]))
    v3 = (b'%x' % rootfs_crc)[:4].rjust(4) + (b'%x' % rootfs_len)[:4].rjust(4)
    w3 = (b'%x' % webfs_crc)[:4].rjust(4) + (b'%x' % webfs_len)[:4].rjust(4)
    img[footer_at + 10:footer_at + 28] = v3 + b'\x71' + w3 + b'\x17'
    entries = []
    index = b''
    for name, base, data in parts:
        length = webfs_len if 'webfs' in name else len(data)
        crc = zlib.crc32(bytes(img[base:base + length]))
        entries.append({'name': name, 'base': base, 'len': length, 'crc32': crc})
        index += b'[img]: %x %x %x %s' % (base, length, crc, name.encode())
    index += b'[end]'
    img[INDEX:INDEX + len(index)] = index
    img[INDEX + len(index):INDEX + 0x100] = b'\0' * (0x100 - len(index))
    out = os.path.join(outdir, 'aten.bin')
    with open(out, 'wb') as f:
        f.write(img)
    enc = bytearray(img)
    enc[INDEX:INDEX + 0xc0] = aes_cbc(bytes(img[INDEX:INDEX + 0xc0]))
    enc[0x400000:0x400060] = aes_cbc(bytes(img[0x400000:0x400060]))
    enc[0x1700000:0x1700060] = aes_cbc(bytes(img[0x1700000:0x1700060]))
    out_enc = os.path.join(outdir, 'aten-encrypted.bin')
    with open(out_enc, 'wb') as f:
        f.write(enc)
    x9, x9_images = build_x9(outdir, trees, uboot, rootfs, kernel)
    meta = {'image': out, 'encrypted_image': out_enc, 'image_size': IMAGE_SIZE,
            'x9_image': x9, 'x9_images': x9_images,
            'entries': entries, 'footer': footer_at, 'revision': '%d.%02d' % REV,
            'trees': trees, 'contents': {'out_rootfs_img.bin': 'cramfs',
                                         'out_webfs_img.bin': 'cramfs',
                                         'out_kernel.bin': 'uimage', 'u-boot.bin': None},
            'provenance': dict(obmc.provenance(),
                               **{'mkfs.cramfs': obmc.tool_version(['mkfs.cramfs', '-V']),
                                  'openssl': obmc.tool_version(['openssl', 'version'])})}
    with open(os.path.join(outdir, 'aten.json'), 'w') as f:
        json.dump(meta, f, indent=1)
    return meta


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('outdir')
    args = ap.parse_args()
    meta = build(args.outdir)
    print(meta['image'])
    print(meta['encrypted_image'])
    print(meta['x9_image'])


if __name__ == '__main__':
    main()
