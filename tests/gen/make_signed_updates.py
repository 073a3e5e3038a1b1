#!/usr/bin/env python3
"""make_signed_updates.py - signed firmware updates for `fwguard verify-update`
tests, made with the openssl CLI at test time (no committed keys except
OpenBMC's public development key, read from tests/integration/config_test.py).

Writes into OUTDIR:
  PKI: ca.pem -> inter.pem -> signer.pem (+ .key), an unrelated chain
       other-ca.pem -> other-signer.pem, signer-pub.pem (the signer's bare
       public key); RSA keys bmc.key/bmc-pub.pem, bmc-other.key/
       bmc-other-pub.pem, bmc-cert.pem (a certificate over bmc.key),
       dev-pub.pem (OpenBMC's development key).
  UEFI FMP capsules (EFI_CAPSULE_HEADER + FMP header + one payload item
       whose image is EFI_FIRMWARE_IMAGE_AUTHENTICATION + MSS1 header +
       payload; PKCS#7 made like EDK2's GenerateCapsule: `openssl smime
       -sign -binary -outform DER -md sha256` over payload || MonotonicCount):
       cap-good, cap-v1 (image header v1), cap-bare (bare SignedData),
       cap-other (signed by the unrelated chain), cap-flipped (a payload
       byte changed after signing), cap-count (MonotonicCount changed after
       signing), cap-unsigned, cap-vendor (vendor code bytes), cap-efi
       (EFI capsule GUID), cap-dep (v3 with a dependency expression).
  OpenBMC update tarballs (as meta-phosphor builds them):
       bmc-good, bmc-sha512 (HashType RSA-SHA512), bmc-tampered (image-rofs
       changed after signing), bmc-missing (no image-rwfs.sig), bmc-other
       (self-consistent, signed with bmc-other.key), bmc-dev (OpenBMC's
       development key), bmc-nofull (no image-full.sig), bmc-badfull
       (image-full.sig over the .sig files in the wrong order).
  cases.json: [{"name", "file", "trust": [...], "current": V|null,
       "verdict": "verified"|"refused", "reason_code": C|null}]

Usage: make_signed_updates.py OUTDIR
"""
import json
import os
import re
import shutil
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_capsule  # noqa: E402  (helpers only: GUIDs, capsule_header)
import make_openbmc_update as obu  # noqa: E402  (MANIFEST, PHOSPHOR_ORDER, make_kernel)

FW_VERSION, LOWEST = 0x00010002, 0x00010000
COUNT = 7


def run(*args, **kw):
    return subprocess.run(args, check=True, capture_output=True, **kw).stdout


def pki(d):
    j = lambda n: os.path.join(d, n)  # noqa: E731
    ext = j("ext.cnf")
    with open(ext, "w") as f:
        f.write("[ca]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n"
                "[leaf]\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n")
    for prefix in ("", "other-"):
        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650",
            "-subj", "/CN=fwguard test %sroot CA" % prefix, "-keyout", j(prefix + "ca.key"),
            "-out", j(prefix + "ca.pem"), "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign")
        chain = [("inter", "ca", "ca"), ("signer", "inter", "leaf")] if not prefix else \
            [("signer", "ca", "leaf")]
        for name, issuer, section in chain:
            run("openssl", "req", "-newkey", "rsa:2048", "-nodes",
                "-subj", "/CN=fwguard test %s%s" % (prefix, name),
                "-keyout", j(prefix + name + ".key"), "-out", j(prefix + name + ".csr"))
            run("openssl", "x509", "-req", "-in", j(prefix + name + ".csr"),
                "-CA", j(prefix + issuer + ".pem"), "-CAkey", j(prefix + issuer + ".key"),
                "-CAcreateserial", "-days", "365", "-extfile", ext, "-extensions", section,
                "-out", j(prefix + name + ".pem"))
    run("openssl", "x509", "-in", j("signer.pem"), "-pubkey", "-noout", "-out",
        j("signer-pub.pem"))
    for name in ("bmc", "bmc-other"):
        run("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
            "-out", j(name + ".key"))
        run("openssl", "pkey", "-in", j(name + ".key"), "-pubout", "-out", j(name + "-pub.pem"))
    run("openssl", "req", "-x509", "-new", "-key", j("bmc.key"), "-days", "30",
        "-subj", "/CN=fwguard test BMC release key", "-out", j("bmc-cert.pem"))
    src = open(os.path.join(HERE, "..", "integration", "config_test.py")).read()
    dev = re.search(r"OPENBMC_DEV_KEY = '''(.*?)'''", src, re.S).group(1)
    with open(j("dev.key"), "w") as f:
        f.write(dev)
    run("openssl", "pkey", "-in", j("dev.key"), "-pubout", "-out", j("dev-pub.pem"))


# ---- capsules ----

def smime_sign(d, data, signer, key, certfile=None):
    inp, out = os.path.join(d, "tbs.bin"), os.path.join(d, "tbs.p7")
    with open(inp, "wb") as f:
        f.write(data)
    args = ["openssl", "smime", "-sign", "-binary", "-outform", "DER", "-md", "sha256",
            "-in", inp, "-signer", signer, "-inkey", key, "-out", out]
    if certfile:
        args += ["-certfile", certfile]
    run(*args)
    return open(out, "rb").read()


def der_tlv(buf, pos):
    """(tag, content start, content end) of the DER element at pos."""
    tag, n = buf[pos], buf[pos + 1]
    pos += 2
    if n & 0x80:
        k = n & 0x7f
        n = int.from_bytes(buf[pos:pos + k], "big")
        pos += k
    return tag, pos, pos + n


def bare_signed_data(content_info):
    _, start, _ = der_tlv(content_info, 0)       # ContentInfo SEQUENCE
    _, _, oid_end = der_tlv(content_info, start)  # contentType OID
    _, inner, end = der_tlv(content_info, oid_end)  # [0] EXPLICIT
    return content_info[inner:end]


def fmp_capsule(image, version=3, vendor=b"", support=1, guid=make_capsule.FMP_CAPSULE_GUID):
    hdr = struct.pack("<I", version) + make_capsule.guid(make_capsule.IMAGE_TYPE_ID) + \
        struct.pack("<B3xII", 1, len(image), len(vendor))
    if version >= 2:
        hdr += struct.pack("<Q", 0)
    if version >= 3:
        hdr += struct.pack("<Q", support)
    item = hdr + image + vendor
    body = struct.pack("<IHHQ", 1, 0, 1, 16) + item
    return make_capsule.capsule_header(guid, body, 0x50000, 32)


def auth(p7, count=COUNT):
    cert = struct.pack("<IHH", 24 + len(p7), 0x0200, 0x0EF1) + \
        make_capsule.guid(make_capsule.PKCS7_GUID) + p7
    return struct.pack("<Q", count) + cert


def capsules(d, cases):
    j = lambda n: os.path.join(d, n)  # noqa: E731
    payload = b"MSS1" + struct.pack("<III", 16, FW_VERSION, LOWEST) + os.urandom(4096)
    # EFI_FMP_DEP_PUSH_VERSION 0x00010000, EFI_FMP_DEP_END: a v3 dependency
    dep_payload = bytes([0x01]) + struct.pack("<I", 0x00010000) + bytes([0x0d]) + payload
    tbs = payload + struct.pack("<Q", COUNT)
    p7 = smime_sign(d, tbs, j("signer.pem"), j("signer.key"), j("inter.pem"))
    p7_other = smime_sign(d, tbs, j("other-signer.pem"), j("other-signer.key"))
    p7_dep = smime_sign(d, dep_payload + struct.pack("<Q", COUNT), j("signer.pem"),
                        j("signer.key"), j("inter.pem"))
    good = auth(p7) + payload
    flipped = bytearray(good)
    flipped[-100] ^= 0x01
    out = {
        "cap-good": fmp_capsule(good),
        "cap-v1": fmp_capsule(good, version=1),
        "cap-bare": fmp_capsule(auth(bare_signed_data(p7)) + payload),
        "cap-other": fmp_capsule(auth(p7_other) + payload),
        "cap-flipped": fmp_capsule(bytes(flipped)),
        "cap-count": fmp_capsule(auth(p7, COUNT + 1) + payload),
        "cap-unsigned": fmp_capsule(payload, support=0),
        "cap-vendor": fmp_capsule(good, vendor=b"V" * 32),
        "cap-efi": make_capsule.capsule_header(make_capsule.EFI_CAPSULE_GUID, payload,
                                               0x50000),
        "cap-dep": fmp_capsule(auth(p7_dep) + dep_payload, support=3),
    }
    for name, data in out.items():
        with open(j(name + ".cap"), "wb") as f:
            f.write(data)

    def case(name, trust, verdict, code=None, current=None, label=None):
        cases.append({"name": label or name, "file": name + ".cap", "trust": trust,
                      "current": current, "verdict": verdict, "reason_code": code})
    case("cap-good", ["ca.pem"], "verified", label="capsule, trust root CA")
    case("cap-good", ["inter.pem"], "verified", label="capsule, trust intermediate")
    case("cap-good", ["signer.pem"], "verified", label="capsule, trust leaf")
    case("cap-good", ["signer-pub.pem"], "verified", label="capsule, trust signer public key")
    case("cap-good", ["other-ca.pem"], "refused", "untrusted_key", label="capsule, wrong CA")
    case("cap-good", ["other-ca.pem", "ca.pem"], "verified", label="capsule, two trust files")
    case("cap-v1", ["ca.pem"], "verified")
    case("cap-bare", ["ca.pem"], "verified", label="capsule, bare SignedData")
    case("cap-dep", ["ca.pem"], "verified", current="0x00010002",
         label="capsule with dependency expression")
    case("cap-other", ["ca.pem"], "refused", "untrusted_key", label="capsule, wrong key")
    case("cap-flipped", ["ca.pem"], "refused", "bad_signature")
    case("cap-count", ["ca.pem"], "refused", "bad_signature",
         label="capsule, monotonic count changed")
    case("cap-unsigned", ["ca.pem"], "refused", "unsigned")
    case("cap-vendor", ["ca.pem"], "refused", "unsigned", label="capsule, unsigned vendor code")
    case("cap-efi", ["ca.pem"], "refused", "unsigned", label="EFI (non-FMP) capsule")
    case("cap-good", ["ca.pem"], "refused", "downgrade", current="0x00020000",
         label="capsule downgrade (hex)")
    case("cap-good", ["ca.pem"], "refused", "downgrade", current="65539",
         label="capsule downgrade (decimal)")
    case("cap-good", ["ca.pem"], "verified", current="65538", label="capsule same version")
    case("cap-good", ["ca.pem"], "verified", current="0x10001", label="capsule upgrade")


# ---- OpenBMC packages ----

def openssl_sign(key, path, md):
    run("openssl", "dgst", "-" + md, "-sign", key, "-out", path + ".sig", path)


def package(d, out, key, variant="good", md="sha256"):
    work = os.path.join(d, "pkg-" + os.path.basename(out))
    os.makedirs(work)
    j = lambda n: os.path.join(work, n)  # noqa: E731
    run("openssl", "pkey", "-in", key, "-pubout", "-out", j("publickey"))
    with open(j("MANIFEST"), "w") as f:
        f.write(obu.MANIFEST.replace("HashType=RSA-SHA256", "HashType=RSA-" + md.upper()))
    for name, size in (("image-u-boot", 4096), ("image-rofs", 16384), ("image-rwfs", 2048)):
        with open(j(name), "wb") as f:
            f.write(os.urandom(size))
    obu.make_kernel(work)
    signed = obu.IMAGES + ["MANIFEST", "publickey"]
    for name in signed:
        openssl_sign(key, j(name), md)
    if variant == "missing":
        os.remove(j("image-rwfs.sig"))
    sigs = [s for s in obu.PHOSPHOR_ORDER if os.path.exists(j(s))]
    if variant == "badfull":
        sigs = sigs[::-1]
    with open(j("image-full"), "wb") as f:
        f.write(b"".join(open(j(s), "rb").read() for s in sigs))
    openssl_sign(key, j("image-full"), md)
    os.remove(j("image-full"))
    if variant == "nofull":
        os.remove(j("image-full.sig"))
    if variant == "tampered":
        data = bytearray(open(j("image-rofs"), "rb").read())
        data[len(data) // 2] ^= 0x01
        open(j("image-rofs"), "wb").write(data)
    members = sorted(os.listdir(work))
    members.remove("initramfs")
    run("tar", "--format=gnu", "--owner=0", "--group=0", "-cf", os.path.abspath(out),
        *members, cwd=work)
    shutil.rmtree(work)


def packages(d, cases):
    j = lambda n: os.path.join(d, n)  # noqa: E731
    builds = {
        "bmc-good": ("bmc.key", "good", "sha256"),
        "bmc-sha512": ("bmc.key", "good", "sha512"),
        "bmc-tampered": ("bmc.key", "tampered", "sha256"),
        "bmc-missing": ("bmc.key", "missing", "sha256"),
        "bmc-other": ("bmc-other.key", "good", "sha256"),
        "bmc-dev": ("dev.key", "good", "sha256"),
        "bmc-nofull": ("bmc.key", "nofull", "sha256"),
        "bmc-badfull": ("bmc.key", "badfull", "sha256"),
    }
    for name, (key, variant, md) in builds.items():
        package(d, j(name + ".tar"), j(key), variant, md)

    def case(name, trust, verdict, code=None, current=None, label=None):
        cases.append({"name": label or name, "file": name + ".tar", "trust": trust,
                      "current": current, "verdict": verdict, "reason_code": code})
    case("bmc-good", ["bmc-pub.pem"], "verified", label="openbmc, trust pub.pem")
    case("bmc-good", ["bmc-cert.pem"], "verified", label="openbmc, trust certificate")
    case("bmc-good", ["bmc-other-pub.pem"], "refused", "untrusted_key",
         label="openbmc, other key trusted")
    case("bmc-sha512", ["bmc-pub.pem"], "verified")
    case("bmc-tampered", ["bmc-pub.pem"], "refused", "bad_signature")
    case("bmc-missing", ["bmc-pub.pem"], "refused", "missing_signature")
    case("bmc-other", ["bmc-pub.pem"], "refused", "untrusted_key",
         label="openbmc, self-consistent but untrusted publickey")
    case("bmc-dev", ["dev-pub.pem"], "refused", "development_key")
    case("bmc-nofull", ["bmc-pub.pem"], "refused", "missing_signature")
    case("bmc-badfull", ["bmc-pub.pem"], "refused", "bad_signature")
    case("bmc-good", ["bmc-pub.pem"], "refused", "downgrade", current="2.16.0",
         label="openbmc downgrade")
    case("bmc-good", ["bmc-pub.pem"], "verified", current="2.15.0-dev-fwguard",
         label="openbmc same version")
    case("bmc-good", ["bmc-pub.pem"], "verified", current="2.14.3", label="openbmc upgrade")


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    d = os.path.abspath(sys.argv[1])
    os.makedirs(d, exist_ok=True)
    pki(d)
    cases = []
    capsules(d, cases)
    packages(d, cases)
    with open(os.path.join(d, "cases.json"), "w") as f:
        json.dump(cases, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
