#!/usr/bin/env python3
"""make_openbmc_update.py - writes an OpenBMC-style update tarball for
fwguard's tests, the way meta-phosphor's image_types_phosphor.bbclass does:

  image-u-boot image-kernel image-rofs image-rwfs   (small random payloads;
      image-kernel is a gzip'd newc cpio so that recursion shows)
  MANIFEST       purpose, version, KeyType, HashType, MachineName,
                 ExtendedVersion, CompatibleName
  publickey      PEM public half of a fresh RSA-2048 key (openssl genpkey)
  F.sig          `openssl dgst -sha256 -sign KEY -out F.sig F` for every F
  image-full.sig the same over the .sig files concatenated in the order of
                 phosphor-bmc-code-mgmt (image-kernel, image-rofs,
                 image-rwfs, image-u-boot, MANIFEST, publickey)

Variants (--variant):
  good       as above
  tampered   image-rofs changed by one byte after signing
  missing    image-rwfs.sig left out (image-full.sig made without it)
  c-locale   image-full.sig over the .sig files in C-locale order
  badfull    image-full.sig made over other bytes
Writes OUT and OUT.json ({"key_sha256": ..., "files": {name: sha256}}).
--small makes every image a few hundred bytes (fuzz seeds).
Usage: make_openbmc_update.py OUT [--variant V] [--small]
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile

IMAGES = ["image-u-boot", "image-kernel", "image-rofs", "image-rwfs"]
PHOSPHOR_ORDER = ["image-bmc.sig", "image-hostfw.sig", "image-kernel.sig", "image-rofs.sig",
                  "image-rwfs.sig", "image-u-boot.sig", "MANIFEST.sig", "publickey.sig"]
MANIFEST = """purpose=xyz.openbmc_project.Software.Version.VersionPurpose.BMC
version=2.15.0-dev-fwguard
KeyType=OpenBMC
HashType=RSA-SHA256
MachineName=fwguard-test
ExtendedVersion=fwguard-test-build
CompatibleName=com.example.Hardware.Fwguard.Test
CompatibleName=com.example.Hardware.Fwguard
"""


def run(*args, **kw):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, **kw)


def sign(key, path):
    run("openssl", "dgst", "-sha256", "-sign", key, "-out", path + ".sig", path)


def make_kernel(d):
    """A gzip'd newc cpio holding one script: image-kernel's payload."""
    root = os.path.join(d, "initramfs")
    os.makedirs(os.path.join(root, "bin"))
    with open(os.path.join(root, "init"), "w") as f:
        f.write("#!/bin/sh\necho fwguard test init\n")
    os.chmod(os.path.join(root, "init"), 0o755)
    listing = subprocess.run(["find", "."], cwd=root, check=True, stdout=subprocess.PIPE).stdout
    cpio = subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], cwd=root, input=listing,
                          check=True, stdout=subprocess.PIPE).stdout
    gz = subprocess.run(["gzip", "-9", "-n"], input=cpio, check=True, stdout=subprocess.PIPE).stdout
    with open(os.path.join(d, "image-kernel"), "wb") as f:
        f.write(gz)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--variant", default="good",
                    choices=["good", "tampered", "missing", "c-locale", "badfull"])
    ap.add_argument("--small", action="store_true")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        key = os.path.join(d, "..key.pem")
        run("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
            "-out", key, stderr=subprocess.DEVNULL)
        run("openssl", "pkey", "-in", key, "-pubout", "-out", os.path.join(d, "publickey"))
        der = subprocess.run(["openssl", "pkey", "-pubin", "-in", os.path.join(d, "publickey"),
                              "-outform", "DER"], check=True, stdout=subprocess.PIPE).stdout
        with open(os.path.join(d, "MANIFEST"), "w") as f:
            f.write(MANIFEST)
        sizes = {"image-u-boot": 48 * 1024, "image-rofs": 96 * 1024, "image-rwfs": 16 * 1024}
        if a.small:
            sizes = {name: 300 for name in sizes}
        for name, size in sizes.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(os.urandom(size))
        make_kernel(d)
        signed = IMAGES + ["MANIFEST", "publickey"]
        for name in signed:
            sign(key, os.path.join(d, name))
        if a.variant == "missing":
            os.remove(os.path.join(d, "image-rwfs.sig"))
        sigs = [s for s in PHOSPHOR_ORDER if os.path.exists(os.path.join(d, s))]
        if a.variant == "c-locale":
            sigs = sorted(sigs)
        full = b"".join(open(os.path.join(d, s), "rb").read() for s in sigs)
        if a.variant == "badfull":
            full = full[::-1]
        with open(os.path.join(d, "image-full"), "wb") as f:
            f.write(full)
        sign(key, os.path.join(d, "image-full"))
        os.remove(os.path.join(d, "image-full"))
        if a.variant == "tampered":
            path = os.path.join(d, "image-rofs")
            data = bytearray(open(path, "rb").read())
            data[len(data) // 2] ^= 0x01
            open(path, "wb").write(data)
        members = IMAGES + ["MANIFEST", "publickey"] + \
            [n + ".sig" for n in signed if os.path.exists(os.path.join(d, n + ".sig"))] + \
            ["image-full.sig"]
        run("tar", "--format=gnu", "--owner=0", "--group=0", "-cf", os.path.abspath(a.out),
            *members, cwd=d)
        files = {m: hashlib.sha256(open(os.path.join(d, m), "rb").read()).hexdigest()
                 for m in members}
        with open(a.out + ".json", "w") as f:
            json.dump({"key_sha256": hashlib.sha256(der).hexdigest(), "files": files,
                       "variant": a.variant}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
