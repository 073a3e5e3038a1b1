#!/usr/bin/env python3
"""archive_test.py - cpio, tar and compressed streams made by the real tools.

1. Listings: a source tree (modes, symlinks, hard links, empty files, long
   names, UTF-8 names, a FIFO and, as root, a character device) is packed
   with cpio (newc, crc, odc, bin) and GNU tar (gnu, pax, ustar, v7); the
   scan JSON must list every entry with the same fs_path, type, mode, size,
   sha256, link_target and rdev, and `fwguard extract` must rebuild the
   same tree (fs_roundtrip.compare_trees).
2. Streams: the newc archive compressed by gzip, xz, lzma (xz
   --format=lzma), zstd, lz4 (frame and legacy -l), bzip2 and lzop decodes
   to the archive byte for byte (same sha256 of the body: the cpio child's
   listing), with the header attributes; concatenations (multi-member
   gzip, xz, zstd, bzip2, lz4 frames and two gzip'd cpios as an initramfs)
   are decoded whole.
3. Damage: every stream truncated keeps its partial output with a
   `<fmt>.truncated` error; a flipped byte gives an error and no crash;
   trailing bytes are reported (zeros as info); truncated tar and cpio
   archives keep the entries before the cut.
4. Hostile archives, checked on the tree (extraction safety is in
   traversal_test.py): `..` and absolute names kept inside with
   `fs.path_traversal` and `stored_path`; a file "through" a symlink is
   not put below it; hard links to outside or to missing members are
   empty files with a diagnostic; control characters are escaped; a tar
   with a corrupt header resumes at the next header.
5. Bombs with the default limits (zstd and bzip2 of zeros: ratio budget)
   and with --max-decoded (lz4, lzop, gzip): a `limit.*` error, no
   decoded body, bounded memory.

Usage: archive_test.py FWGUARD
"""
import gzip
import hashlib
import json
import os
import resource
import shutil
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fs_roundtrip import compare_trees, extracted_roots, scan_entries  # noqa: E402

FWGUARD = sys.argv[1]
TOOLS = ["cpio", "tar", "gzip", "xz", "zstd", "lz4", "bzip2", "lzop"]
failures = []
checks = 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def sh(args, cwd=None, stdin=None):
    return subprocess.run(args, cwd=cwd, input=stdin, check=True, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL).stdout


def scan(path, *opts):
    r = subprocess.run([FWGUARD, "scan", "--format", "json", *opts, path],
                       capture_output=True, timeout=600)
    check(r.returncode in (0, 1), "%s: scan exit %d %s" % (path, r.returncode, r.stderr[-300:]))
    return json.loads(r.stdout) if r.stdout else {"components": [], "anomalies": []}


def codes(doc):
    return {a["code"] for a in doc["anomalies"]}


def first(doc, type_name):
    for c in doc["components"]:
        if c["type"] == type_name:
            return c
    return None


def sha(data):
    return hashlib.sha256(data).hexdigest()


# ---- the source tree ----------------------------------------------------

def make_tree(top, full):
    os.makedirs(os.path.join(top, "etc/init.d"))
    os.makedirs(os.path.join(top, "usr/share/empty"))
    os.makedirs(os.path.join(top, "private"), mode=0o700)
    os.chmod(os.path.join(top, "private"), 0o700)
    files = {
        "etc/passwd": b"root:x:0:0:root:/root:/bin/sh\n",
        "etc/init.d/rcS": b"#!/bin/sh\necho start\n",
        "private/key": os.urandom(300),
        "usr/blob": os.urandom(70000),
        "empty": b"",
        "caf\u00e9.txt": "d\u00e9j\u00e0 vu\n".encode(),
    }
    for rel, data in files.items():
        with open(os.path.join(top, rel), "wb") as f:
            f.write(data)
    os.chmod(os.path.join(top, "etc/init.d/rcS"), 0o755)
    os.chmod(os.path.join(top, "private/key"), 0o600)
    os.chmod(os.path.join(top, "usr/blob"), 0o640)
    os.symlink("../etc/passwd", os.path.join(top, "usr/passwd-link"))
    os.symlink("/nonexistent/target", os.path.join(top, "dangling"))
    os.link(os.path.join(top, "etc/passwd"), os.path.join(top, "etc/passwd.hard"))
    if full:
        deep = os.path.join(top, "long", "d" * 90, "e" * 90)
        os.makedirs(deep)
        with open(os.path.join(deep, "f" * 120), "wb") as f:
            f.write(b"long name\n")
        os.mkfifo(os.path.join(top, "fifo"))
        if os.geteuid() == 0:
            os.mknod(os.path.join(top, "null"), 0o666 | stat.S_IFCHR, os.makedev(1, 3))


def expected_entries(top):
    out = {}
    for dirpath, dirnames, filenames in os.walk(top):
        for n in dirnames + filenames:
            full = os.path.join(dirpath, n)
            st = os.lstat(full)
            rel = "/" + os.path.relpath(full, top)
            e = {"mode": st.st_mode}
            if stat.S_ISLNK(st.st_mode):
                e["type"] = "symlink"
                e["link_target"] = os.readlink(full)
            elif stat.S_ISDIR(st.st_mode):
                e["type"] = "dir"
            elif stat.S_ISREG(st.st_mode):
                e["type"] = "file"
                data = open(full, "rb").read()
                e["size"] = len(data)
                e["sha256"] = sha(data) if data else None
            else:
                e["type"] = "device"
                if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
                    e["rdev"] = {"major": os.major(st.st_rdev), "minor": os.minor(st.st_rdev)}
            out[rel] = e
    return out


def compare_listing(label, doc, fs_comp, want, modes=True):
    got = scan_entries(doc, fs_comp["id"])
    check(set(got) == set(want), "%s: entry names (missing %s, extra %s)"
          % (label, sorted(set(want) - set(got))[:5], sorted(set(got) - set(want))[:5]))
    for path in sorted(set(got) & set(want)):
        g, w = got[path], want[path]
        check(g["type"] == w["type"], "%s %s: type %s vs %s" % (label, path, g["type"], w["type"]))
        if modes:
            check(g.get("mode") == w["mode"], "%s %s: mode %o vs %o"
                  % (label, path, g.get("mode") or 0, w["mode"]))
        if w["type"] == "file":
            check(g["size"] == w["size"], "%s %s: size %s vs %s" % (label, path, g["size"], w["size"]))
            if w["sha256"]:
                check(g["sha256"] == w["sha256"], "%s %s: sha256" % (label, path))
        if w["type"] == "symlink":
            check(g.get("link_target") == w["link_target"], "%s %s: link_target %r vs %r"
                  % (label, path, g.get("link_target"), w["link_target"]))
        if "rdev" in w:
            check(g.get("rdev") == w["rdev"], "%s %s: rdev %s vs %s" % (label, path, g.get("rdev"), w["rdev"]))


def roundtrip(label, path, type_name, src):
    out = path + ".out"
    r = subprocess.run([FWGUARD, "extract", path, "-o", out], capture_output=True, timeout=600)
    check(r.returncode in (0, 1), "%s: extract exit %d" % (label, r.returncode))
    roots = extracted_roots(out, type_name)
    check(len(roots) >= 1, "%s: extracted %s root" % (label, type_name))
    if roots:
        diffs = compare_trees(src, roots[0])
        check(not diffs, "%s: extracted tree equals the source: %s" % (label, diffs[:5]))
    shutil.rmtree(out, ignore_errors=True)


# ---- 1. listings --------------------------------------------------------

def test_listings(work):
    full, short = os.path.join(work, "full"), os.path.join(work, "short")
    make_tree(full, True)
    make_tree(short, False)
    archives = {}
    for fmt in ("newc", "crc", "odc", "bin"):
        src = full if fmt != "bin" else short
        listing = sh(["find", "."], cwd=src)
        path = os.path.join(work, "a.%s.cpio" % fmt)
        with open(path, "wb") as f:
            f.write(sh(["cpio", "-o", "-H", fmt, "--quiet"], cwd=src, stdin=listing))
        archives[path] = ("cpio", src, fmt)
    for fmt in ("gnu", "pax", "ustar", "v7"):
        src = full if fmt in ("gnu", "pax") else short
        path = os.path.join(work, "a.%s.tar" % fmt)
        sh(["tar", "--format=" + fmt, "-C", src, "-cf", path, "."])
        archives[path] = ("tar", src, fmt)
    for path, (kind, src, fmt) in archives.items():
        label = os.path.basename(path)
        doc = scan(path)
        comp = first(doc, kind)
        check(comp is not None, "%s: recognised as %s" % (label, kind))
        if not comp:
            continue
        attr = comp["attributes"]
        if kind == "cpio":
            want_fmt = {"bin": ("binary_le", "binary_be")}.get(fmt, (fmt,))
            check(attr.get("cpio_format") in want_fmt, "%s: cpio_format %s" % (label, attr))
            check(attr.get("archives") == 1, "%s: one archive" % label)
        else:
            check(attr.get("tar_format") in ({"v7": "v7", "ustar": "ustar"}.get(fmt, fmt), "gnu"),
                  "%s: tar_format %s" % (label, attr))
            check("archive_end" in attr, "%s: end blocks found" % label)
        # v7 and old binary cpio keep only the permission bits they can.
        compare_listing(label, doc, comp, expected_entries(src))
        bad = [a for a in doc["anomalies"] if a["severity"] in ("warning", "error")]
        check(not bad, "%s: no warnings (%s)" % (label, bad[:3]))
        roundtrip(label, path, kind, src)
    return archives


# ---- 2. streams ---------------------------------------------------------

# Each command reads the file named by "{in}" (so that zstd and lz4 know
# the content size) and writes to standard output.
COMPRESSORS = {
    "gzip": (["gzip", "-c", "-9", "-n", "{in}"], "gzip"),
    "xz": (["xz", "-c", "{in}"], "xz"),
    "lzma": (["xz", "--format=lzma", "-c", "{in}"], "lzma"),
    "zstd": (["zstd", "-q", "-c", "{in}"], "zstd"),
    "zstd-stream": (["zstd", "-q", "-c", "--no-content-size", "{in}"], "zstd"),
    "lz4": (["lz4", "-q", "-c", "{in}"], "lz4"),
    "lz4-size": (["lz4", "-q", "-c", "--content-size", "-BD", "-B4", "{in}"], "lz4"),
    "lz4-legacy": (["lz4", "-q", "-c", "-l", "{in}"], "lz4"),
    "bzip2": (["bzip2", "-c", "{in}"], "bzip2"),
    "lzop": (["lzop", "-c", "{in}"], "lzo"),
    "lzop-crc": (["lzop", "-c", "--crc32", "-9", "{in}"], "lzo"),
}
# Formats that decode whole blocks only (bzip2 900k, lz4 4 MiB / 8 MiB):
# a cut inside the only block leaves nothing to keep.
WHOLE_BLOCKS = ("bzip2", "lz4", "lz4-legacy")


def compress(name, data):
    with tempfile.NamedTemporaryFile() as f:
        f.write(data)
        f.flush()
        return sh([f.name if a == "{in}" else a for a in COMPRESSORS[name][0]])


def test_streams(work, newc_path, src):
    payload = open(newc_path, "rb").read()
    want = expected_entries(src)
    for name, (_, type_name) in COMPRESSORS.items():
        blob = compress(name, payload)
        path = os.path.join(work, "s." + name)
        open(path, "wb").write(blob)
        doc = scan(path)
        comp = first(doc, type_name)
        check(comp is not None, "%s: recognised as %s" % (name, type_name))
        if not comp:
            continue
        check(comp.get("decoded_size") == len(payload), "%s: decoded size %s vs %d"
              % (name, comp.get("decoded_size"), len(payload)))
        check(comp["attributes"].get("members") == 1, "%s: one member %s" % (name, comp["attributes"]))
        cpio = first(doc, "cpio")
        check(cpio is not None and cpio["parent"] == comp["id"], "%s: cpio inside" % name)
        if cpio:
            compare_listing(name, doc, cpio, want)
        check(not [a for a in doc["anomalies"] if a["severity"] != "info"],
              "%s: clean (%s)" % (name, doc["anomalies"][:3]))
    # Header attributes.
    doc = scan(os.path.join(work, "s.gzip"))
    # gzip -c from stdin stores no name: make one with a name.
    named = os.path.join(work, "initrd.cpio")
    shutil.copy(newc_path, named)
    sh(["gzip", "-f", "-k", named])
    doc = scan(named + ".gz")
    check(first(doc, "gzip")["attributes"].get("original_name") == "initrd.cpio",
          "gzip FNAME shown as original_name")
    check(first(scan(os.path.join(work, "s.xz")), "xz")["attributes"].get("check") == "crc64",
          "xz check type")
    check(first(scan(os.path.join(work, "s.zstd")), "zstd")["attributes"].get("declared_size")
          == hex(len(payload)), "zstd content size")
    check(first(scan(os.path.join(work, "s.lz4-legacy")), "lz4")["attributes"].get("lz4_format")
          == "legacy", "lz4 legacy format named")
    # Concatenations.
    for name in ("gzip", "xz", "zstd", "bzip2", "lz4"):
        blob = compress(name, payload) + compress(name, payload)
        path = os.path.join(work, "cat." + name)
        open(path, "wb").write(blob)
        doc = scan(path)
        comp = first(doc, COMPRESSORS[name][1])
        check(comp and comp["attributes"].get("members") == 2,
              "%s: two members (%s)" % (name, comp and comp["attributes"]))
        check(comp and comp.get("decoded_size") == 2 * len(payload), "%s: both decoded" % name)
        cpio = first(doc, "cpio")
        check(cpio and cpio["attributes"].get("archives") == 2,
              "%s: concatenated cpio read as 2 archives" % name)
    # Initramfs style: two gzip'd cpios, zero padding between them.
    pad = b"\0" * (-len(payload) % 512 + 512)
    blob = gzip.compress(payload + pad + payload)
    path = os.path.join(work, "initramfs.gz")
    open(path, "wb").write(blob)
    doc = scan(path)
    cpio = first(doc, "cpio")
    check(cpio and cpio["attributes"].get("archives") == 2, "initramfs: padded concatenation")


# ---- 3. damage ----------------------------------------------------------

def test_damage(work, newc_path):
    # Text that compresses but not to nothing, ~1.5 MiB: several blocks.
    payload = b"".join(b"line %08d of the damage test, some words\n" % i for i in range(36000))
    for name, (_, type_name) in COMPRESSORS.items():
        blob = compress(name, payload)
        cut = blob[: len(blob) * 6 // 10]
        path = os.path.join(work, "cut." + name)
        open(path, "wb").write(cut)
        doc = scan(path)
        comp = first(doc, type_name)
        check(comp is not None, "%s truncated: still recognised" % name)
        c = codes(doc)
        check(type_name + ".truncated" in c or type_name + ".corrupt" in c,
              "%s truncated: reported (%s)" % (name, sorted(c)))
        if comp and name not in WHOLE_BLOCKS:
            got = comp.get("decoded_size") or 0
            check(0 < got < len(payload), "%s truncated: partial output kept (%s)" % (name, got))
            if comp.get("decoded_size"):
                # the partial output is a prefix of the original
                out = path + ".out"
                subprocess.run([FWGUARD, "extract", path, "-o", out], capture_output=True)
                decoded = [os.path.join(d, f) for d, _, fs in os.walk(out) for f in fs
                           if f == "_decoded.bin"]
                check(decoded and payload.startswith(open(decoded[0], "rb").read()),
                      "%s truncated: partial output is a prefix" % name)
                shutil.rmtree(out, ignore_errors=True)
        # a flipped byte in the middle
        flipped = bytearray(blob)
        flipped[len(blob) // 2] ^= 0x55
        path = os.path.join(work, "flip." + name)
        open(path, "wb").write(bytes(flipped))
        doc = scan(path)
        check(any(a["severity"] == "error" for a in doc["anomalies"]) or
              (first(doc, type_name) or {}).get("decoded_size") == len(payload),
              "%s bit flip: error reported (%s)" % (name, sorted(codes(doc))))
        # trailing bytes
        for tail, code, sev in ((b"TRAILING GARBAGE", ".trailing_data", "warning"),
                                (b"\0" * 63, ".trailing_zeros", "info")):
            path = os.path.join(work, "tail." + name)
            open(path, "wb").write(blob + tail)
            doc = scan(path)
            hits = [a for a in doc["anomalies"] if a["code"] == type_name + code]
            if name.startswith("lz4-legacy") and tail[0] == 0x54:
                # "TRAI" reads as a block size: corrupt, not trailing
                check(hits or codes(doc), "%s tail: reported" % name)
                continue
            check(hits and hits[0]["severity"] == sev,
                  "%s + %r: %s%s reported (%s)" % (name, tail[:4], type_name, code, sorted(codes(doc))))
            comp = first(doc, type_name)
            check(comp and comp.get("decoded_size") == len(payload),
                  "%s + tail: decoded whole" % name)
    # Truncated archives keep what came before the cut.
    for path, kind in ((newc_path, "cpio"),):
        data = open(path, "rb").read()
        cut = os.path.join(work, "cut." + kind)
        open(cut, "wb").write(data[: len(data) // 2])
        doc = scan(cut)
        comp = first(doc, kind)
        n = len(scan_entries(doc, comp["id"])) if comp else 0
        check(n > 0, "%s cut in half: entries before the cut kept (%d)" % (kind, n))
        check(kind + ".truncated" in codes(doc) or kind + ".no_trailer" in codes(doc),
              "%s cut: reported (%s)" % (kind, sorted(codes(doc))))


def test_tar_numbers(work, src):
    """GNU tar writes ids past 0o7777777 in base-256."""
    path = os.path.join(work, "bigid.tar")
    sh(["tar", "--format=gnu", "--owner=big:3000000", "--group=big:4000000", "-C", src,
        "-cf", path, "etc"])
    doc = scan(path)
    comp = first(doc, "tar")
    ents = scan_entries(doc, comp["id"]) if comp else {}
    e = ents.get("/etc/passwd", {})
    check(e.get("uid") == 3000000 and e.get("gid") == 4000000,
          "base-256 uid/gid read (%s/%s)" % (e.get("uid"), e.get("gid")))


def test_tar_damage(work, tar_path):
    data = bytearray(open(tar_path, "rb").read())
    doc = scan(tar_path)
    comp = first(doc, "tar")
    entries = scan_entries(doc, comp["id"])
    # Cut: entries before survive.
    cut = os.path.join(work, "cut.tar")
    open(cut, "wb").write(bytes(data[: len(data) // 2]))
    d2 = scan(cut)
    c2 = first(d2, "tar")
    n = len(scan_entries(d2, c2["id"])) if c2 else 0
    check(0 < n <= len(entries), "tar cut in half: entries kept (%d of %d)" % (n, len(entries)))
    check({"tar.truncated", "tar.no_end"} & codes(d2), "tar cut: reported (%s)" % sorted(codes(d2)))
    # Corrupt the second header: reading resumes at the one after.
    offsets = sorted(int(c["attributes"]["tar_header_offset"], 16) for c in entries.values()
                     if "tar_header_offset" in c["attributes"])
    bad = bytearray(data)
    bad[offsets[1] + 148] ^= 0x07  # chksum field
    path = os.path.join(work, "badhdr.tar")
    open(path, "wb").write(bytes(bad))
    d3 = scan(path)
    c3 = first(d3, "tar")
    n3 = len(scan_entries(d3, c3["id"])) if c3 else 0
    check("tar.header_checksum" in codes(d3), "tar bad checksum reported (%s)" % sorted(codes(d3)))
    check(n3 >= len(entries) - 2, "tar bad header: reading resumed (%d of %d)" % (n3, len(entries)))


# ---- 4. hostile archives (the tree) --------------------------------------

def tar_member(name, data=b"", typeflag=b"0", linkname=b"", mode=0o644):
    hdr = bytearray(512)

    def put(off, length, value):
        hdr[off:off + len(value[:length])] = value[:length]
    put(0, 100, name)
    put(100, 8, b"%07o\0" % mode)
    put(108, 8, b"%07o\0" % 0)
    put(116, 8, b"%07o\0" % 0)
    put(124, 12, b"%011o\0" % len(data))
    put(136, 12, b"%011o\0" % 0)
    hdr[156:157] = typeflag
    put(157, 100, linkname)
    put(257, 8, b"ustar  \0")
    hdr[148:156] = b" " * 8
    hdr[148:156] = b"%06o\0 " % sum(hdr)
    return bytes(hdr) + data + b"\0" * (-len(data) % 512)


def test_hostile(work):
    members = [
        tar_member(b"../../../etc/evil", b"x"),
        tar_member(b"/abs/file", b"y"),
        tar_member(b"a", typeflag=b"2", linkname=b"/tmp"),
        tar_member(b"a/x", b"through"),
        tar_member(b"real", b"real data"),
        tar_member(b"h_ok", typeflag=b"1", linkname=b"./real"),
        tar_member(b"h_out", typeflag=b"1", linkname=b"../../etc/shadow"),
        tar_member(b"h_missing", typeflag=b"1", linkname=b"/etc/passwd"),
        tar_member(b"esc\x1b[2Jname\x07", b"z"),
    ]
    path = os.path.join(work, "hostile.tar")
    open(path, "wb").write(b"".join(members) + b"\0" * 1024)
    doc = scan(path)
    comp = first(doc, "tar")
    ents = scan_entries(doc, comp["id"])
    by_id = {c["id"]: c for c in doc["components"]}
    c = codes(doc)
    check("/etc/evil" in ents and ents["/etc/evil"]["attributes"].get("stored_path")
          == "../../../etc/evil", "'..' kept inside with stored_path")
    check("fs.path_traversal" in c, "path traversal reported")
    check("/abs/file" in ents and ents["/abs/file"]["attributes"].get("stored_path") == "/abs/file",
          "absolute name kept inside with stored_path")
    check(ents.get("/a", {}).get("type") == "symlink" and ents["/a"].get("link_target") == "/tmp",
          "symlink a -> /tmp listed")
    check(not any(x.get("parent") == ents.get("/a", {}).get("id") for x in doc["components"]),
          "nothing below the symlink")
    check("fs.not_a_directory" in c, "file through a symlink reported")
    check(ents.get("/h_ok", {}).get("sha256") == sha(b"real data"), "hard link shares content")
    check(ents.get("/h_out", {}).get("size") == 0 and "tar.hardlink_outside" in c,
          "hard link climbing out: empty file + diagnostic")
    check(ents.get("/h_missing", {}).get("size") == 0 and "tar.hardlink_target" in c,
          "hard link to a missing member: empty file + diagnostic")
    esc = [p for p in ents if p.startswith("/esc")]
    check(esc and "\x1b" not in esc[0] and "\\x1b" in esc[0], "control characters escaped (%r)" % esc)
    del by_id
    # cpio: the same through newc, and hard links whose data is on the last.
    def newc(entries):
        out = bytearray()
        for name, mode, data, nlink, ino in entries + [(b"TRAILER!!!", 0, b"", 1, 0)]:
            nb = name + b"\0"
            out += b"070701" + b"".join(b"%08X" % v for v in (
                ino, mode, 0, 0, nlink, 0, len(data), 0, 0, 0, 0, len(nb), 0)) + nb
            out += b"\0" * (-len(out) % 4)
            out += data
            out += b"\0" * (-len(out) % 4)
        return bytes(out)
    blob = newc([(b"../up", 0o100644, b"u", 1, 1), (b"l", 0o120777, b"/etc", 1, 2),
                 (b"l/passwd", 0o100644, b"p", 1, 3), (b"h1", 0o100644, b"", 2, 9),
                 (b"h2", 0o100644, b"shared", 2, 9), (b"dev", 0o20600, b"", 1, 4)])
    path = os.path.join(work, "hostile.cpio")
    open(path, "wb").write(blob)
    doc = scan(path)
    comp = first(doc, "cpio")
    ents = scan_entries(doc, comp["id"]) if comp else {}
    check("/up" in ents and "fs.path_traversal" in codes(doc), "cpio '..' kept inside")
    check(ents.get("/l", {}).get("link_target") == "/etc" and "/l/passwd" not in ents,
          "cpio file through a symlink not placed below it")
    check(ents.get("/h1", {}).get("sha256") == sha(b"shared") and
          ents.get("/h2", {}).get("sha256") == sha(b"shared"), "cpio hard link group shares data")
    check(ents.get("/dev", {}).get("type") == "device", "cpio device entry")


# ---- 5. bombs -------------------------------------------------------------

def zeros_to(args, mib):
    """args run over mib MiB of zeros (head -c from /dev/zero)."""
    head = subprocess.Popen(["head", "-c", "%dM" % mib, "/dev/zero"], stdout=subprocess.PIPE)
    out = subprocess.run(args, stdin=head.stdout, check=True, stdout=subprocess.PIPE).stdout
    head.wait()
    return out


def test_bombs(work):
    cases = [
        # ratio budget (4096:1) with the default limits
        ("zstd", ["zstd", "-q", "-c", "--no-content-size"], 256, [], "zstd"),
        ("bzip2", ["bzip2", "-c", "-9"], 64, [], "bzip2"),
        ("xz", ["xz", "-c", "-0", "-T1"], 256, [], "xz"),
        # formats that cannot reach 4096:1: the decode budget
        ("lz4", ["lz4", "-q", "-c"], 160, ["--max-decoded", "64M"], "lz4"),
        ("lz4-legacy", ["lz4", "-q", "-c", "-l"], 160, ["--max-decoded", "64M"], "lz4"),
        ("lzop", ["lzop", "-c"], 160, ["--max-decoded", "64M"], "lzo"),
        ("gzip", ["gzip", "-c", "-1"], 160, ["--max-decoded", "64M"], "gzip"),
    ]
    # A frame that declares its 256 MiB content size: made from a sparse file.
    sparse = os.path.join(work, "zeros.bin")
    with open(sparse, "wb") as f:
        f.truncate(256 << 20)
    cases.append(("zstd-declared", ["zstd", "-q", "-c", sparse], 0, [], "zstd"))
    for name, args, mib, opts, type_name in cases:
        path = os.path.join(work, "bomb." + name)
        blob = zeros_to(args, mib) if mib else sh(args)
        open(path, "wb").write(blob)
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        doc = scan(path, *opts)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        comp = first(doc, type_name)
        c = codes(doc)
        check(any(x.startswith("limit.") for x in c), "%s bomb: limit reported (%s)" % (name, sorted(c)))
        check(comp is not None and not comp.get("decoded_size"),
              "%s bomb: nothing decoded kept (%s)" % (name, comp and comp.get("decoded_size")))
        check(max(peak, before) < 400_000, "%s bomb: peak RSS %d KiB" % (name, peak))
        if name == "zstd-declared":
            check(comp and comp["attributes"].get("declared_size") == hex(256 << 20),
                  "zstd bomb: declared size shown")
        os.remove(path)
    os.remove(sparse)


def main():
    missing = [t for t in TOOLS if not shutil.which(t)]
    if missing:
        print("skipped: missing tools", missing)
        sys.exit(77)
    work = tempfile.mkdtemp(prefix="fwguard-archive-")
    try:
        archives = test_listings(work)
        newc = os.path.join(work, "a.newc.cpio")
        test_streams(work, newc, archives[newc][1])
        test_damage(work, newc)
        test_tar_damage(work, os.path.join(work, "a.gnu.tar"))
        test_tar_numbers(work, archives[newc][1])
        test_hostile(work)
        test_bombs(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("%d checks, %d failures" % (checks, len(failures)))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
