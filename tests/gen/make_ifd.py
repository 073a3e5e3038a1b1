#!/usr/bin/env python3
"""make_ifd.py - writes a synthetic Intel SPI flash image for fwguard's tests.

Layout of the default 8 MiB image (--flash-size scales the ME region to
a quarter of the flash) (IFDv2 descriptor, signature at 0x10):

  0x000000-0x000fff  descriptor  (FLREG0)
  0x001000-0x002fff  gbe         (FLREG3) deterministic pseudo-random bytes
  0x003000-0x1fffff  me          (FLREG2) "$FPT" at 0x10, "$MN2" version
                                          record at 0x1000, random bytes
  0x200000-bios_base gap         erased (0xff), or with data (--dirty-gap)
  bios_base-0x7fffff bios        (FLREG1) the given BIOS file, top-aligned

FLMSTR1 (host) may read descriptor/bios/gbe and write bios/gbe, which are
Intel's recommended defaults; --unlocked also lets the host write the
descriptor and the ME region.  --old-layout moves the signature to offset 0.
Nothing here is copied from other tools; the layout follows the public
descriptions cited in src/handlers/uefi/README-ifd.md.
"""
import argparse
import random
import struct
import sys

SIG = 0x0FF0A55A
FLASH = 8 << 20
FCBA, FRBA, FMBA, FPSBA = 0x30, 0x40, 0x80, 0x100


def flreg(base, end):
    """FLREG value for [base, end) (4 KiB granular)."""
    return (((end - 1) >> 12) << 16) | (base >> 12)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bios", help="BIOS region contents (e.g. OVMF_CODE_4M.fd)")
    ap.add_argument("out")
    ap.add_argument("--unlocked", action="store_true")
    ap.add_argument("--dirty-gap", action="store_true")
    ap.add_argument("--old-layout", action="store_true")
    ap.add_argument("--flash-size", type=lambda v: int(v, 0), default=FLASH,
                    help="power of two >= 256 KiB (small images seed the fuzzer)")
    args = ap.parse_args()
    flash = args.flash_size
    if flash < 0x40000 or flash & (flash - 1):
        sys.exit("--flash-size must be a power of two >= 256 KiB")

    bios = open(args.bios, "rb").read()
    bios_size = (len(bios) + 0xfff) & ~0xfff
    bios_base = flash - bios_size
    me_base, me_end = 0x3000, flash // 4
    gbe_base, gbe_end = 0x1000, 0x3000
    if bios_base < me_end:
        sys.exit("BIOS file too large for the synthetic layout")

    img = bytearray(b"\xff" * flash)
    rnd = random.Random(0x1fd)

    # Descriptor.
    sig_off = 0 if args.old_layout else 0x10
    struct.pack_into("<IIII", img, sig_off, SIG,
                     (FRBA >> 4) << 16 | (FCBA >> 4),              # FLMAP0, NC=1
                     0x10 << 24 | (FPSBA >> 4) << 16 | 3 << 8 | (FMBA >> 4),  # FLMAP1
                     0x01 << 8 | (0x300 >> 4))                     # FLMAP2
    # FLCOMP: component 1 density (512 KiB << code), component 2 unused,
    # read clock 17 MHz (v2).
    density = (flash // 0x80000).bit_length() - 1 if flash >= 0x80000 else 0
    struct.pack_into("<III", img, FCBA, density | 0xf << 4 | 6 << 17, 0, 0)
    regs = [0x00007fff] * 16
    regs[0] = flreg(0, 0x1000)
    regs[1] = flreg(bios_base, flash)
    regs[2] = flreg(me_base, me_end)
    regs[3] = flreg(gbe_base, gbe_end)
    struct.pack_into("<16I", img, FRBA, *regs)
    host_rd, host_wr = 0b1011, 0b1010          # descriptor, bios, gbe / bios, gbe
    if args.unlocked:
        host_rd, host_wr = 0xfff, 0xfff
    masters = [host_rd << 8 | host_wr << 20,
               0b1101 << 8 | 0b1100 << 20,     # ME: fd, me, gbe / me, gbe
               0b1000 << 8 | 0b1000 << 20,     # GbE: gbe / gbe
               0, 0]
    struct.pack_into("<5I", img, FMBA, *masters)
    struct.pack_into("<16I", img, FPSBA, *([0] * 16))
    struct.pack_into("<I", img, 0xefc, 0)      # FLUMAP1: no VSCC table

    # GbE and ME regions: opaque pseudo-random contents.
    img[gbe_base:gbe_end] = bytes(rnd.getrandbits(8) for _ in range(gbe_end - gbe_base))
    me = bytearray(rnd.getrandbits(8) for _ in range(me_end - me_base))
    me[0:16] = b"\x00" * 16
    me[0x10:0x14] = b"$FPT"
    # A version record ("$MN2", reserved, major.minor.bugfix.build): without
    # one UEFIExtract rejects a non-empty ME region as invalid.
    me[0x1000:0x1010] = b"$MN2" + b"\x00" * 4 + struct.pack("<HHHH", 11, 8, 50, 3425)
    img[me_base:me_end] = me

    if args.dirty_gap:
        img[me_end + 0x100:me_end + 0x110] = b"hidden-implant!!"

    img[bios_base:bios_base + len(bios)] = bios
    with open(args.out, "wb") as f:
        f.write(img)


if __name__ == "__main__":
    main()
