#!/usr/bin/env python3
"""verify_update_test.py - `fwguard verify-update` on UEFI FMP capsules and
OpenBMC update packages signed at test time by tests/gen/make_signed_updates.py
(openssl req/x509/smime/dgst, GNU tar).

Every case of the generator's cases.json must give its verdict and
reason_code in JSON, exit 0 (verified) or 7 (refused), and end its text
report with VERIFIED or "REFUSED: ...".  Besides: the JSON carries the
capsule's FwVersion/LowestSupportedVersion and signer, the package's
version and key_id (SHA-256 of the DER SubjectPublicKeyInfo); usage and
input errors give 2 and 3; truncations and byte flips of a good capsule
and package never verify unless the change is outside everything signed,
and never crash.

Usage: verify_update_test.py FWGUARD GENERATOR
"""
import hashlib
import json
import os
import random
import subprocess
import sys
import tarfile
import tempfile

FWGUARD, GEN = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
failures = []
checks = 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def verify(d, path, trust, current=None, fmt="json"):
    args = [FWGUARD, "verify-update", path]
    for t in trust:
        args += ["--trust", os.path.join(d, t)]
    if current is not None:
        args += ["--current-version", current]
    args += ["--format", fmt]
    r = subprocess.run(args, capture_output=True, text=True, timeout=120, cwd=d)
    doc = None
    if fmt == "json" and r.stdout.strip():
        try:
            doc = json.loads(r.stdout)
        except ValueError:
            check(False, "%s: output is not JSON" % path)
    return r, doc


def test_cases(d):
    cases = json.load(open(os.path.join(d, "cases.json")))
    check(len(cases) >= 30, "generator wrote %d cases" % len(cases))
    for c in cases:
        r, doc = verify(d, c["file"], c["trust"], c["current"])
        name = c["name"]
        want_rc = 0 if c["verdict"] == "verified" else 7
        check(r.returncode == want_rc, "%s: exit %d, want %d (%s)" %
              (name, r.returncode, want_rc, r.stderr.strip()))
        if not doc:
            check(False, "%s: no JSON" % name)
            continue
        check(doc["verdict"] == c["verdict"], "%s: verdict %s" % (name, doc["verdict"]))
        check(doc["reason_code"] == c["reason_code"],
              "%s: reason_code %s, want %s (%s)" % (name, doc["reason_code"],
                                                   c["reason_code"], doc["reason"]))
        kind = "fmp_capsule" if c["file"].endswith(".cap") else "openbmc_update"
        check(doc["kind"] == kind, "%s: kind %s" % (name, doc["kind"]))
        oks = [x["ok"] for x in doc["checks"]]
        check(all(set(x) == {"name", "ok", "detail"} for x in doc["checks"]),
              "%s: check objects" % name)
        if c["verdict"] == "verified":
            check(oks and all(oks), "%s: a check failed in a verified result" % name)
        else:
            check(not all(oks), "%s: refused without a failed check" % name)
            check(doc["reason"], "%s: no reason" % name)
        t, _ = verify(d, c["file"], c["trust"], c["current"], fmt="text")
        last = t.stdout.strip().splitlines()[-1] if t.stdout.strip() else ""
        want = "VERIFIED" if c["verdict"] == "verified" else "REFUSED: "
        check(last.startswith(want), "%s: text ends %r" % (name, last))
        check(t.returncode == want_rc, "%s: text exit %d" % (name, t.returncode))


def test_fields(d):
    _, doc = verify(d, "cap-good.cap", ["ca.pem"], "0x10000")
    check(doc["version"] == "0x00010002", "capsule version %s" % doc["version"])
    check(doc["lowest_supported_version"] == "0x00010000",
          "capsule lowest %s" % doc["lowest_supported_version"])
    check("fwguard test signer" in (doc["signer"] or ""), "capsule signer %s" % doc["signer"])
    check(doc["current_version"] == "0x10000", "current_version echoed")
    names = [x["name"] for x in doc["checks"]]
    for n in ("capsule", "image[0].authentication", "image[0].signature", "image[0].version"):
        check(n in names, "capsule check %s present" % n)
    _, doc = verify(d, "bmc-good.tar", ["bmc-pub.pem"])
    der = subprocess.run(["openssl", "pkey", "-pubin", "-in", os.path.join(d, "bmc-pub.pem"),
                          "-outform", "DER"], check=True, capture_output=True).stdout
    check(doc["key_id"] == hashlib.sha256(der).hexdigest(), "package key_id")
    check(doc["version"] == "2.15.0-dev-fwguard", "package version %s" % doc["version"])
    names = {x["name"] for x in doc["checks"]}
    for n in ("image-u-boot.sig", "image-kernel.sig", "image-rofs.sig", "image-rwfs.sig",
              "MANIFEST.sig", "publickey.sig", "image-full.sig", "publickey.trusted"):
        check(n in names, "package check %s present" % n)
    _, doc = verify(d, "bmc-dev.tar", ["dev-pub.pem"])
    check(doc["key_id"] == "a48ae977cf91ad27f3a90c2550a990f9e221c083b000d6e4739a6bedd140daa6",
          "development key fingerprint")
    # Not a decimal or hex number for a capsule: refused, said why.
    r, doc = verify(d, "cap-good.cap", ["ca.pem"], "1.2.3")
    check(r.returncode == 7 and doc["reason_code"] == "malformed", "capsule non-numeric version")


def test_errors(d):
    def rc(*args):
        return subprocess.run([FWGUARD, "verify-update", *args], capture_output=True,
                              timeout=60, cwd=d).returncode
    check(rc("cap-good.cap") == 2, "no --trust: usage")
    check(rc("--trust", "ca.pem") == 2, "no FILE: usage")
    check(rc("cap-good.cap", "--trust", "ca.pem", "--format", "xml") == 2, "bad format: usage")
    check(rc("cap-good.cap", "--trust", "ca.pem", "--bogus") == 2, "unknown option: usage")
    check(rc("missing.cap", "--trust", "ca.pem") == 3, "missing file: 3")
    check(rc("cap-good.cap", "--trust", "missing.pem") == 3, "missing trust file: 3")
    check(rc("cap-good.cap", "--trust", "cap-good.cap") == 3, "trust file without PEM: 3")
    check(rc("ca.pem", "--trust", "ca.pem") == 3, "unknown format: 3")
    subprocess.run(["tar", "-cf", "plain.tar", "ca.pem", "inter.pem"], cwd=d, check=True)
    check(rc("plain.tar", "--trust", "ca.pem") == 3, "tar without MANIFEST: 3")
    r, doc = verify(d, "plain.tar", ["ca.pem"])
    check(doc and doc["kind"] == "unknown" and doc["verdict"] == "refused",
          "unknown format still reported in JSON")
    check(rc("--help") == 0, "--help")


def mutate(d, name, trust, rounds, signed, complete_at=None):
    """Truncations and byte flips: never a crash; never verified when a
    flipped byte is signed (signed(pos) is true), nor a
    truncation before complete_at (where the last signed byte ends)."""
    data = open(os.path.join(d, name), "rb").read()
    complete_at = complete_at or len(data)
    rng = random.Random(1234)
    path = os.path.join(d, "mut-" + name)
    cuts = sorted({rng.randrange(len(data)) for _ in range(rounds)} | {0, 1, 27, 28, 64})
    for cut in cuts:
        open(path, "wb").write(data[:cut])
        r, _ = verify(d, path, trust)
        allowed = (0, 3, 7) if cut >= complete_at else (3, 7)
        check(r.returncode in allowed, "%s cut at %d: exit %d" % (name, cut, r.returncode))
    for _ in range(rounds):
        pos = rng.randrange(len(data))
        buf = bytearray(data)
        buf[pos] ^= 1 << rng.randrange(8)
        open(path, "wb").write(bytes(buf))
        r, _ = verify(d, path, trust)
        check(r.returncode in (0, 3, 7), "%s flip at %d: exit %d" % (name, pos, r.returncode))
        if signed(pos):
            check(r.returncode != 0, "%s flip at %d (signed bytes) verified" % (name, pos))


def main():
    with tempfile.TemporaryDirectory() as d:
        subprocess.run([sys.executable, GEN, d], check=True)
        test_cases(d)
        test_fields(d)
        test_errors(d)
        # Capsule: 32-byte capsule header, 16-byte FMP header, 0x30 image
        # header, then the image (all signed but the MonotonicCount and
        # the WIN_CERTIFICATE, which change the signed data or the PKCS#7).
        mutate(d, "cap-good.cap", ["ca.pem"], 120, lambda pos: pos >= 32 + 16 + 0x30)
        # Package: member contents are signed, tar headers (modes, times)
        # are not; a cut in the end-of-archive blocks loses nothing signed.
        with tarfile.open(os.path.join(d, "bmc-good.tar")) as t:
            spans = [(m.offset_data, m.offset_data + m.size) for m in t.getmembers()]
        mutate(d, "bmc-good.tar", ["bmc-pub.pem"], 80,
               lambda pos: any(a <= pos < b for a, b in spans), max(b for _, b in spans))
    print("%d checks, %d failures" % (checks, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
