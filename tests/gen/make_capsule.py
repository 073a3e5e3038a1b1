#!/usr/bin/env python3
"""make_capsule.py - writes synthetic UEFI capsules for fwguard's tests.

Kinds (UEFI 2.10 sections 8.5.3 and 23.3; see
src/handlers/uefi/README-capsule.md):
  uefi     EFI_CAPSULE_HEADER (EFI capsule GUID) + the payload file
  unknown  same with a vendor GUID nobody knows
  fmp      EFI_CAPSULE_HEADER + EFI_FIRMWARE_MANAGEMENT_CAPSULE_HEADER +
           optional embedded driver + one payload item (image header v1..3)
           whose image is [EFI_FIRMWARE_IMAGE_AUTHENTICATION] [MSS1 header]
           payload, followed by vendor code bytes
  ux       Windows UX capsule with a tiny BMP

--auth none|fake|openssl: no authentication block, a fake PKCS#7 blob, or a
real detached PKCS#7 made by the openssl CLI over payload||MonotonicCount
(as EDK2's GenerateCapsule does) with a throw-away self-signed key whose
subject is CN=fwguard test signer.
"""
import argparse
import os
import struct
import subprocess
import sys
import tempfile
import uuid

EFI_CAPSULE_GUID = "3b6686bd-0d76-4030-b70e-b5519e2fc5a0"
FMP_CAPSULE_GUID = "6dcbd5ed-e82d-4c44-bda1-7194199ad92a"
UX_CAPSULE_GUID = "3b8c8162-188c-46a4-aec9-be43f1d65697"
UNKNOWN_GUID = "0badc0de-1234-4abc-9def-0123456789ab"
PKCS7_GUID = "4aafd29d-68df-49ee-8aa9-347d375665a7"
IMAGE_TYPE_ID = "2d6a2b8a-4c8f-4a52-9e3b-5e43a4f6c2a1"
PERSIST, POPULATE, RESET = 0x10000, 0x20000, 0x40000


def guid(text):
    return uuid.UUID(text).bytes_le


def capsule_header(g, body, flags, header_size=28):
    hdr = guid(g) + struct.pack("<III", header_size, flags, header_size + len(body))
    return hdr + b"\x00" * (header_size - 28) + body


def pkcs7_openssl(data):
    with tempfile.TemporaryDirectory() as d:
        key, cert = os.path.join(d, "k.pem"), os.path.join(d, "c.pem")
        inp, out = os.path.join(d, "in.bin"), os.path.join(d, "sig.p7")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-subj", "/CN=fwguard test signer", "-keyout", key, "-out", cert,
                        "-days", "1"], check=True, capture_output=True)
        with open(inp, "wb") as f:
            f.write(data)
        subprocess.run(["openssl", "cms", "-sign", "-binary", "-outform", "DER",
                        "-md", "sha256", "-in", inp, "-signer", cert, "-inkey", key,
                        "-out", out], check=True, capture_output=True)
        return open(out, "rb").read()


def auth_block(payload, mode, count):
    if mode == "openssl":
        p7 = pkcs7_openssl(payload + struct.pack("<Q", count))
    else:
        p7 = b"\x30\x82\x01\x00" + bytes(range(256))  # structurally fake
    cert = struct.pack("<IHH", 24 + len(p7), 0x0200, 0x0EF1) + guid(PKCS7_GUID) + p7
    return struct.pack("<Q", count) + cert


def fmp_body(args, payload):
    image = payload
    if args.mss1:
        image = b"MSS1" + struct.pack("<III", 16, 0x00010002, 0x00010000) + image
    if args.auth != "none":
        image = auth_block(image, args.auth, 7) + image
    vendor = b"V" * args.vendor_code
    v = args.image_version
    hdr = struct.pack("<I", v) + guid(IMAGE_TYPE_ID) + struct.pack("<B3xII", 1, len(image),
                                                                    len(vendor))
    if v >= 2:
        hdr += struct.pack("<Q", 0)
    if v >= 3:
        hdr += struct.pack("<Q", 1 if args.auth != "none" else 0)
    item = hdr + image + vendor
    drivers = [b"MZ" + b"\x00" * 0x3e + b"fake driver" * 16] * args.drivers
    count = len(drivers) + 1
    offs, pos = [], 8 + 8 * count
    for blob in drivers + [item]:
        offs.append(pos)
        pos += len(blob)
    return struct.pack("<IHH", 1, len(drivers), 1) + struct.pack("<%dQ" % count, *offs) + \
        b"".join(drivers) + item


def ux_body():
    bmp = b"BM" + struct.pack("<I", 62) + b"\x00" * 56
    body = bytearray(struct.pack("<BBBBIII", 1, 0, 0, 0, 0, 10, 20) + bmp)
    total = bytearray(capsule_header(UX_CAPSULE_GUID, bytes(body), PERSIST))
    total[29] = (-sum(total)) & 0xff  # DISPLAY_DISPLAY_PAYLOAD.Checksum
    return bytes(total)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["uefi", "unknown", "fmp", "ux"])
    ap.add_argument("out")
    ap.add_argument("--payload")
    ap.add_argument("--auth", choices=["none", "fake", "openssl"], default="none")
    ap.add_argument("--image-version", type=int, default=3)
    ap.add_argument("--drivers", type=int, default=0)
    ap.add_argument("--vendor-code", type=int, default=0)
    ap.add_argument("--mss1", action="store_true")
    ap.add_argument("--trailing", type=int, default=0)
    args = ap.parse_args()

    payload = open(args.payload, "rb").read() if args.payload else b""
    if args.kind == "uefi":
        out = capsule_header(EFI_CAPSULE_GUID, payload, PERSIST | RESET)
    elif args.kind == "unknown":
        out = capsule_header(UNKNOWN_GUID, payload, PERSIST)
    elif args.kind == "fmp":
        out = capsule_header(FMP_CAPSULE_GUID, fmp_body(args, payload), PERSIST | RESET, 32)
    else:
        out = ux_body()
    out += b"\xee" * args.trailing
    with open(args.out, "wb") as f:
        f.write(out)


if __name__ == "__main__":
    sys.exit(main())
