#!/usr/bin/env python3
"""openbmc_update_test.py - OpenBMC update tarballs made by
tests/gen/make_openbmc_update.py (openssl genpkey / dgst -sign, GNU tar).

For each variant the scan must show the MANIFEST fields, key_sha256 equal
to the SHA-256 of the DER public key, and per file the `signature`
attribute the variant calls for:
  good      every file "valid", full_signature "valid" (phosphor order)
  tampered  image-rofs "invalid" + openbmc_update.signature_invalid
  missing   image-rwfs "missing" + openbmc_update.signature_missing
  c-locale  full_signature "valid", order c_locale, with a warning
  badfull   full_signature "invalid" + openbmc_update.full_signature_invalid
The file contents (sha256) must match what went in, image-kernel (a gzip'd
cpio) must be opened down to its files, extraction must rebuild the
tarball's tree, a plain tar without MANIFEST must stay a plain tar, and a
truncated tarball must keep the members before the cut.

Usage: openbmc_update_test.py FWGUARD GENERATOR
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fs_roundtrip import compare_trees, scan_entries  # noqa: E402

FWGUARD, GEN = sys.argv[1], sys.argv[2]
failures = []
checks = 0
IMAGES = ["image-u-boot", "image-kernel", "image-rofs", "image-rwfs", "MANIFEST", "publickey"]


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def scan(path):
    r = subprocess.run([FWGUARD, "scan", "--format", "json", path], capture_output=True,
                       timeout=300)
    check(r.returncode in (0, 1), "%s: scan exit %d" % (path, r.returncode))
    return json.loads(r.stdout)


def update_node(doc):
    return next((c for c in doc["components"] if c["type"] == "openbmc_update"), None)


def codes(doc):
    return {a["code"] for a in doc["anomalies"]}


def test_variant(work, variant):
    path = os.path.join(work, "update-%s.tar" % variant)
    subprocess.run([sys.executable, GEN, path, "--variant", variant], check=True)
    meta = json.load(open(path + ".json"))
    doc = scan(path)
    up = update_node(doc)
    check(up is not None, "%s: recognised as openbmc_update" % variant)
    if not up:
        return
    a = up["attributes"]
    check(a.get("purpose") == "xyz.openbmc_project.Software.Version.VersionPurpose.BMC",
          "%s: purpose" % variant)
    check(a.get("version") == "2.15.0-dev-fwguard", "%s: version" % variant)
    check(a.get("key_type") == "OpenBMC" and a.get("hash_type") == "RSA-SHA256",
          "%s: KeyType/HashType" % variant)
    check(a.get("machine_name") == "fwguard-test", "%s: MachineName" % variant)
    check(a.get("extended_version") == "fwguard-test-build", "%s: ExtendedVersion" % variant)
    check(a.get("compatible_names") ==
          "com.example.Hardware.Fwguard.Test,com.example.Hardware.Fwguard",
          "%s: CompatibleName lines" % variant)
    check(a.get("key_sha256") == meta["key_sha256"], "%s: key_sha256 is the DER key's" % variant)
    check(a.get("key_algorithm") == "rsa" and a.get("key_bits") == 2048, "%s: key" % variant)
    ents = scan_entries(doc, up["id"])
    for name, digest in meta["files"].items():
        e = ents.get("/" + name)
        check(e is not None and e["sha256"] == digest, "%s: %s content" % (variant, name))
    want = {n: "valid" for n in IMAGES}
    full, order = "valid", "phosphor"
    if variant == "tampered":
        want["image-rofs"] = "invalid"
    elif variant == "missing":
        want["image-rwfs"] = "missing"
    elif variant == "c-locale":
        order = "c_locale"
    elif variant == "badfull":
        full, order = "invalid", None
    for name, verdict in want.items():
        got = ents.get("/" + name, {}).get("attributes", {}).get("signature")
        check(got == verdict, "%s: %s signature %s (want %s)" % (variant, name, got, verdict))
    check(a.get("full_signature") == full, "%s: full_signature %s" % (variant, a.get("full_signature")))
    check(a.get("full_signature_order") == order, "%s: order %s" % (variant, a.get("full_signature_order")))
    expected_codes = {
        "good": set(),
        "tampered": {"openbmc_update.signature_invalid"},
        "missing": {"openbmc_update.signature_missing"},
        "c-locale": {"openbmc_update.full_signature_order"},
        "badfull": {"openbmc_update.full_signature_invalid"},
    }[variant]
    serious = {x["code"] for x in doc["anomalies"] if x["severity"] != "info"}
    check(serious == expected_codes, "%s: findings %s (want %s)" % (variant, sorted(serious),
                                                                   sorted(expected_codes)))
    if variant != "good":
        return
    # image-kernel is a gzip'd cpio: opened down to its files.
    kernel = ents["/image-kernel"]
    by_parent = {}
    for c in doc["components"]:
        by_parent.setdefault(c["parent"], []).append(c)
    gz = [c for c in by_parent.get(kernel["id"], []) if c["type"] == "gzip"]
    check(gz, "image-kernel opened as gzip")
    cpio = [c for c in by_parent.get(gz[0]["id"], []) if c["type"] == "cpio"] if gz else []
    check(cpio and "/init" in scan_entries(doc, cpio[0]["id"]), "initramfs files listed")
    # Extraction rebuilds the tarball's tree.
    src = os.path.join(work, "src")
    os.mkdir(src)
    subprocess.run(["tar", "-xf", path, "-C", src], check=True)
    out = os.path.join(work, "out")
    subprocess.run([FWGUARD, "extract", path, "-o", out], check=True, capture_output=True)
    # (fs_roundtrip.extracted_roots splits directory names on "_", which
    # type names with an underscore do not survive: match them here.)
    roots = [os.path.join(d, "root") for d, dirs, _ in os.walk(out)
             if "_openbmc_update" in os.path.basename(d) and "root" in dirs]
    check(roots and not compare_trees(src, roots[0]),
          "extracted tree equals the tarball's (%s)" % (roots and compare_trees(src, roots[0])[:3]))
    # A tarball cut among its signatures keeps its first members and still
    # says what it is.
    data = open(path, "rb").read()
    cut = os.path.join(work, "cut.tar")
    at = int(ents["/publickey.sig"]["attributes"]["tar_header_offset"], 16) + 600
    open(cut, "wb").write(data[:at])
    d2 = scan(cut)
    up2 = update_node(d2)
    check(up2 is not None, "cut tarball still recognised")
    if up2:
        e2 = scan_entries(d2, up2["id"])
        check("/image-u-boot" in e2 and e2["/image-u-boot"]["sha256"] == meta["files"]["image-u-boot"],
              "cut tarball keeps the members before the cut")
        check({"tar.truncated", "tar.no_end"} & codes(d2), "cut tarball reported")
        check("openbmc_update.signature_missing" in codes(d2) or
              up2["attributes"].get("full_signature") == "missing",
              "cut tarball: lost signatures reported")
    # Without MANIFEST it is a plain tar.
    plain = os.path.join(work, "plain.tar")
    subprocess.run(["tar", "-cf", plain, "-C", src, "image-u-boot", "publickey"], check=True)
    d3 = scan(plain)
    check(update_node(d3) is None and any(c["type"] == "tar" for c in d3["components"]),
          "a tar without MANIFEST is a plain tar")


def main():
    if not shutil.which("openssl") or not shutil.which("tar") or not shutil.which("cpio"):
        print("skipped: openssl, tar or cpio missing")
        sys.exit(77)
    work = tempfile.mkdtemp(prefix="fwguard-obmc-")
    try:
        for variant in ("good", "tampered", "missing", "c-locale", "badfull"):
            test_variant(work, variant)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("%d checks, %d failures" % (checks, len(failures)))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
