#!/usr/bin/env python3
"""Hostile archives against `fwguard extract`: nothing may be written outside
the output directory, whatever the archive says.

Archives are built here with Python's tarfile and a small newc cpio writer,
because the real tools refuse to create most of these entries:
  - `../` climbing and absolute member names;
  - a symlink to outside, then a member written "through" it;
  - a symlink chain (a -> b -> /outside) and a member through the chain;
  - a hard link whose target is outside the archive or climbs out;
  - names with control characters and terminal escapes;
  - the same name as symlink and then as file.
Each case extracts into DIR/out beside DIR/sentinel; afterwards the
sentinel and the link targets outside must be untouched, and every
rebuilt entry must resolve (without following links) inside DIR/out.
A gzip bomb and a nested bomb must stop at the decode budget with a
`limit.*` finding and a bounded peak memory.

Usage: traversal_test.py FWGUARD
"""
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zlib

FWGUARD = sys.argv[1]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def tar_bytes(members):
    """members: list of (TarInfo kwargs, data bytes or None)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        for kw, data in members:
            ti = tarfile.TarInfo(kw.pop("name"))
            for k, v in kw.items():
                setattr(ti, k, v)
            if data is not None:
                ti.size = len(data)
                t.addfile(ti, io.BytesIO(data))
            else:
                t.addfile(ti)
    return buf.getvalue()


def cpio_newc(entries):
    """entries: list of (name, mode, data, nlink, ino)."""
    out = bytearray()

    def pad4():
        while len(out) % 4:
            out.append(0)

    for name, mode, data, nlink, ino in entries + [("TRAILER!!!", 0, b"", 1, 0)]:
        nb = name.encode() + b"\0"
        hdr = "070701" + "".join("%08X" % v for v in (
            ino, mode, 0, 0, nlink, 0, len(data), 0, 0, 0, 0, len(nb), 0))
        out += hdr.encode() + nb
        pad4()
        out += data
        pad4()
    return bytes(out)


def extract(base, name, blob, extra=()):
    path = os.path.join(base, name)
    with open(path, "wb") as f:
        f.write(blob)
    out = os.path.join(base, "out-" + name)
    r = subprocess.run([FWGUARD, "extract", *extra, path, "-o", out],
                       capture_output=True, text=True, timeout=300)
    return r, out


def inside(top, path):
    """True if path, resolved without following the final symlink, is in top."""
    real_parent = os.path.realpath(os.path.dirname(path))
    return real_parent == os.path.realpath(top) or \
        real_parent.startswith(os.path.realpath(top) + os.sep)


def audit(base, out, outside_targets):
    sentinel = os.path.join(base, "sentinel")
    check(os.listdir(sentinel) == [], "sentinel untouched after " + out)
    for t in outside_targets:
        check(not os.path.lexists(t), "outside target %s not created (%s)" % (t, out))
    for dirpath, dirnames, filenames in os.walk(out):
        for n in dirnames + filenames:
            p = os.path.join(dirpath, n)
            check(inside(out, p), "entry inside DIR: " + p)
            check(all(ord(c) >= 0x20 for c in n), "no control characters in name %r" % n)
    # The only things beside the output directories are ours.
    for n in os.listdir(base):
        check(n == "sentinel" or n.startswith("out-") or "." in n or n.startswith("arch-"),
              "unexpected file beside DIR: " + n)


def main():
    base = tempfile.mkdtemp(prefix="fwguard-trav-")
    os.mkdir(os.path.join(base, "sentinel"))
    outside = os.path.join(base, "sentinel")
    outside_file = os.path.join(base, "sentinel", "pwned")
    try:
        cases = {
            "arch-dotdot.tar": tar_bytes([
                ({"name": "../../../../tmp/fwguard-trav-dotdot"}, b"x"),
                ({"name": "a/../../escape"}, b"x"),
                ({"name": "ok/file", "mode": 0o640}, b"fine")]),
            "arch-absolute.tar": tar_bytes([
                ({"name": outside_file}, b"x"),
                ({"name": "/etc/fwguard-trav-abs"}, b"x")]),
            "arch-symlink-then-write.tar": tar_bytes([
                ({"name": "link", "type": tarfile.SYMTYPE, "linkname": outside}, None),
                ({"name": "link/pwned"}, b"x"),
                ({"name": "link", "mode": 0o644}, b"replaced")]),
            "arch-symlink-chain.tar": tar_bytes([
                ({"name": "a", "type": tarfile.SYMTYPE, "linkname": "b"}, None),
                ({"name": "b", "type": tarfile.SYMTYPE, "linkname": outside}, None),
                ({"name": "a/pwned"}, b"x"),
                ({"name": "c/d", "type": tarfile.SYMTYPE, "linkname": "../../.."}, None),
                ({"name": "c/d/sentinel/pwned"}, b"x")]),
            "arch-hardlink.tar": tar_bytes([
                ({"name": "h1", "type": tarfile.LNKTYPE, "linkname": "/etc/passwd"}, None),
                ({"name": "h2", "type": tarfile.LNKTYPE, "linkname": "../../../etc/passwd"}, None),
                ({"name": "real"}, b"real data"),
                ({"name": "h3", "type": tarfile.LNKTYPE, "linkname": "real"}, None)]),
            "arch-control.tar": tar_bytes([
                ({"name": "esc\x1b[2J\x1b]0;owned\x07name"}, b"x"),
                ({"name": "new\nline"}, b"x"),
                ({"name": "tab\there"}, b"x")]),
            "arch-dotdot.cpio": cpio_newc([
                ("../../fwguard-trav-cpio", 0o100644, b"x", 1, 1),
                ("/abs-cpio", 0o100644, b"x", 1, 2),
                ("l", 0o120777, outside.encode(), 1, 3),
                ("l/pwned", 0o100644, b"x", 1, 4),
                ("dev", 0o20644, b"", 1, 5)]),
        }
        for name, blob in cases.items():
            r, out = extract(base, name, blob)
            check(r.returncode in (0, 1), "%s: exit %d (%s)" % (name, r.returncode, r.stderr.strip()))
            audit(base, out, ["/tmp/fwguard-trav-dotdot", "/etc/fwguard-trav-abs",
                              outside_file, "/abs-cpio"])
            doc = json.load(open(os.path.join(out, "fwguard.json")))
            types = {c["type"] for c in doc["components"]}
            check("tar" in types or "cpio" in types, "%s: archive recognised (types %s)" % (name, sorted(types)))
            check(any(c.get("fs_path") for c in doc["components"]), "%s: entries listed" % name)
        # Specific expectations.
        doc = json.load(open(os.path.join(base, "out-arch-dotdot.tar", "fwguard.json")))
        codes = {a["code"] for a in doc["anomalies"]}
        check("fs.path_traversal" in codes, "traversal reported (%s)" % sorted(codes))
        paths = {c.get("fs_path") for c in doc["components"]}
        check("/tmp/fwguard-trav-dotdot" in paths and "/escape" in paths,
              "climbing names kept inside the root (%s)" % sorted(p for p in paths if p))

        # Bombs: a gzip of 3 GiB of zeros (about 3 MiB) and gzip-in-gzip.
        comp = zlib.compressobj(9, zlib.DEFLATED, 31)
        chunk = bytes(1 << 20)
        parts = [comp.compress(chunk) for _ in range(3072)]
        parts.append(comp.flush())
        bomb = b"".join(parts)
        r, out = extract(base, "bomb.gz", bomb, ["--max-decoded", "256M"])
        doc = json.load(open(os.path.join(out, "fwguard.json")))
        codes = {a["code"] for a in doc["anomalies"]}
        check(any(c.startswith("limit.") for c in codes), "gzip bomb stopped by a limit (%s)" % sorted(codes))
        written = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(out) for f in fs)
        check(written < (600 << 20), "gzip bomb output bounded (%d bytes)" % written)
        shutil.rmtree(out)
        gz = zlib.compressobj(9, zlib.DEFLATED, 31)
        nested = gz.compress(bomb) + gz.flush()
        r, out = extract(base, "nested.gz", nested, ["--max-decoded", "256M"])
        doc = json.load(open(os.path.join(out, "fwguard.json")))
        codes = {a["code"] for a in doc["anomalies"]}
        check(any(c.startswith("limit.") for c in codes), "nested bomb stopped by a limit (%s)" % sorted(codes))
        shutil.rmtree(out)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        check(peak < 1_200_000, "peak RSS of the bomb runs bounded (%d KiB)" % peak)
    finally:
        subprocess.run(["chmod", "-R", "u+rwX", base])
        shutil.rmtree(base, ignore_errors=True)
    if failures:
        print("%d failures" % len(failures))
        sys.exit(1)
    print("traversal: all checks passed")


main()
