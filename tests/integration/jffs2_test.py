#!/usr/bin/env python3
"""jffs2 handler against images made at test time by mkfs.jffs2 (mtd-utils).

  - Round trips: one source tree (nested directories, symlinks, hard links,
    empty, page-sized and multi-node files, unusual modes and names) is
    packed little- and big-endian, with 64/128 KiB erase blocks, with each
    compressor mkfs.jffs2 has (zlib, lzo, rtime, none), padded or not, with
    and without cleanmarkers, with a device table, through sumtool; the
    scan JSON must list every entry with its fs_path, mode, size, sha256,
    link target, owner, mtime and device number, and `fwguard extract`
    must rebuild the same tree (tests/integration/fs_roundtrip.py).
  - Newest version wins: tests/gen/make_jffs2_versions.py appends what a
    running kernel writes (newer versions, partial overwrites, truncation,
    deletion, rename, hard link, OpenWrt LZMA and rtime nodes) and damage
    (bad header/node/data CRCs, an obsolete newer node, a directory
    cycle); fwguard must show the newest content and report the rest.
  - Hostile: truncation and bit-flip sweeps, a node claiming a huge dsize
    from nothing, a zlib node whose dsize runs far past isize, thousands of
    overlapping nodes (work budget), self and root cycles, a dirent to a
    missing inode.
  - Performance: a ~16 MiB image must scan in well under a second (the
    bound checked here is looser, for loaded CI machines).

Usage: jffs2_test.py FWGUARD
Exit 77 when mkfs.jffs2 is not installed.
"""
import hashlib
import json
import os
import random
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "gen"))
import fs_roundtrip  # noqa: E402
import make_jffs2_versions as gen  # noqa: E402

FWGUARD = os.path.abspath(sys.argv[1])
MKFS = shutil.which("mkfs.jffs2") or shutil.which("mkfs.jffs2", path="/usr/sbin:/sbin")
SUMTOOL = shutil.which("sumtool") or shutil.which("sumtool", path="/usr/sbin:/sbin")
failures = []
passed = 0


def short(v, n=120):
    s = repr(v)
    return s if len(s) <= n else s[:n] + "..."


def check(cond, what):
    global passed
    if len(what) > 4000:
        what = what[:400] + "..."
    if cond:
        passed += 1
    else:
        failures.append(what)
        print("FAIL:", what)


def run(*args, timeout=120):
    return subprocess.run([FWGUARD, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout)


def scan(path, *extra, timeout=120):
    r = run("scan", "--format", "json", *extra, path, timeout=timeout)
    if r.returncode != 0:
        check(False, "scan %s exited %d: %s" % (path, r.returncode, r.stderr[-500:]))
        return None
    return json.loads(r.stdout)


def mkfs(src, out, opts, devtable=None):
    cmd = [MKFS, "-r", src, "-o", out, *opts]
    if devtable:
        cmd += ["-D", devtable]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def jffs2_component(doc):
    comps = [c for c in doc["components"] if c["type"] == "jffs2"]
    return comps[0] if comps else None


def anomalies(doc, code=None):
    return [a for a in doc["anomalies"] if code is None or a["code"] == code]


# ---- the source tree -------------------------------------------------------

DEVICES = {  # devtable entries: fs_path -> (type char, mode, major, minor)
    "/dev/console": ("c", 0o600, 5, 1),
    "/dev/sda": ("b", 0o660, 8, 0),
    "/dev/ttyS0": ("c", 0o620, 4, 64),
}


def make_tree(top):
    rnd = random.Random(1985)
    os.makedirs(os.path.join(top, "a/b/c"))
    os.makedirs(os.path.join(top, "sp ace"))
    os.makedirs(os.path.join(top, "priv"))
    os.makedirs(os.path.join(top, "emptydir"))
    os.makedirs(os.path.join(top, "dev"))

    def put(rel, data, mode=0o644):
        p = os.path.join(top, rel)
        with open(p, "wb") as f:
            f.write(data)
        os.chmod(p, mode)

    put("a/hello.txt", b"hello, jffs2\n")
    put("a/b/c/deep.bin", bytes(rnd.getrandbits(8) for _ in range(10000)))
    text = b"".join(b"line %06d of a compressible text file\n" % i for i in range(8000))
    put("big.txt", text)                                    # ~330 KiB, ~80 nodes
    put("rand.bin", bytes(rnd.getrandbits(8) for _ in range(70000)))  # stored uncompressed
    put("zeros.bin", b"\0" * 65536)
    put("empty", b"")
    put("page.bin", bytes(range(256)) * 16)                 # exactly 4096
    put("page1.bin", bytes(range(256)) * 16 + b"!")         # 4097: two nodes
    put("script.sh", b"#!/bin/sh\necho hi\n", 0o755)
    put("priv/secret", b"s3cr3t\n", 0o600)
    put("sp ace/\u00fc nicode.txt".encode().decode(), b"unicode name\n")
    put("odd-mode", b"x", 0o4751)
    os.chmod(os.path.join(top, "priv"), 0o700)
    os.symlink("a/hello.txt", os.path.join(top, "link_rel"))
    os.symlink("/etc/passwd", os.path.join(top, "link_abs"))
    os.symlink("nowhere/at/all", os.path.join(top, "dangling"))
    os.symlink("x" * 254, os.path.join(top, "long_link"))  # mkfs.jffs2's limit
    os.symlink("a", os.path.join(top, "dirlink"))
    os.link(os.path.join(top, "a/hello.txt"), os.path.join(top, "a/b/hard"))
    os.link(os.path.join(top, "rand.bin"), os.path.join(top, "rand_hl.bin"))


def write_devtable(path):
    with open(path, "w") as f:
        for p, (t, mode, major, minor) in DEVICES.items():
            f.write("%s %s %o 0 0 %d %d - - -\n" % (p, t, mode, major, minor))


def expected_entries(top, with_devices):
    exp = {}
    for dirpath, dirnames, filenames in os.walk(top):
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            st = os.lstat(full)
            rel = "/" + os.path.relpath(full, top)
            e = {"mode": st.st_mode, "uid": st.st_uid & 0xFFFF, "gid": st.st_gid & 0xFFFF,
                 "mtime": int(st.st_mtime)}
            if stat.S_ISDIR(st.st_mode):
                e["type"] = "dir"
            elif stat.S_ISLNK(st.st_mode):
                e["type"] = "symlink"
                e["link_target"] = os.readlink(full)
            else:
                e["type"] = "file"
                with open(full, "rb") as f:
                    data = f.read()
                e["size"] = len(data)
                e["sha256"] = hashlib.sha256(data).hexdigest()
            exp[rel] = e
    if with_devices:
        for p, (t, mode, major, minor) in DEVICES.items():
            exp[p] = {"type": "device", "mode": (stat.S_IFCHR if t == "c" else stat.S_IFBLK) | mode,
                      "rdev": {"major": major, "minor": minor}, "uid": 0, "gid": 0}
    return exp


def check_entries(label, doc, exp):
    fs = jffs2_component(doc)
    check(fs is not None, label + ": a jffs2 component")
    if fs is None:
        return {}
    got = fs_roundtrip.scan_entries(doc, fs["id"])
    check(set(got) == set(exp), "%s: entry set (missing %s, extra %s)" % (
        label, sorted(set(exp) - set(got))[:5], sorted(set(got) - set(exp))[:5]))
    for path, e in exp.items():
        g = got.get(path)
        if g is None:
            continue
        for key, want in e.items():
            have = g.get(key) if key != "type" else g["type"]
            check(have == want, "%s: %s %s is %s, want %s" % (label, path, key, short(have),
                                                                short(want)))
    return fs


# ---- round trips through mkfs.jffs2 -------------------------------------

VARIANTS = [
    # label, mkfs options, expected endianness, compressors that must show
    ("le-64k", ["-l", "-e", "64KiB"], "little", {"zlib"}),
    ("be-128k", ["-b", "-e", "128KiB"], "big", {"zlib"}),
    ("lzo", ["-l", "-X", "lzo"], "little", {"lzo"}),
    ("lzo-be", ["-b", "-X", "lzo", "-x", "zlib"], "big", {"lzo"}),
    ("rtime", ["-l", "-x", "zlib"], "little", {"rtime"}),
    ("none", ["-b", "-x", "zlib", "-x", "rtime"], "big", set()),
    ("padded", ["-l", "-e", "64KiB", "-p"], "little", {"zlib"}),
    ("padded-no-cleanmarkers", ["-b", "-e", "64KiB", "-p", "-n"], "big", {"zlib"}),
    ("cleanmarker16", ["-l", "-c", "16", "-e", "64KiB", "-p"], "little", {"zlib"}),
    ("size-mode", ["-l", "-m", "size"], "little", set()),
    ("page8k", ["-l", "-s", "8KiB"], "little", set()),
]


def roundtrip(work, src, label, opts, endian, comprs, devtable=None, post=None):
    img = os.path.join(work, label + ".img")
    mkfs(src, img, opts, devtable)
    if post:
        img = post(img)
    doc = scan(img)
    if doc is None:
        return
    fs = check_entries(label, doc, expected_entries(src, devtable is not None))
    if not fs:
        return
    a = fs["attributes"]
    check(a.get("endianness") == endian, "%s: endianness %r" % (label, a.get("endianness")))
    have = set(a.get("compressors", "").split(","))
    check(comprs <= have, "%s: compressors %r lack %r" % (label, have, comprs))
    check(a.get("bad_crc_nodes") == 0, label + ": no bad CRCs")
    check(a.get("orphan_inodes") == 0 and a.get("deleted_entries") == 0,
          label + ": no orphans or deletions")
    bad = [x for x in anomalies(doc) if x["severity"] != "info"]
    check(not bad, "%s: no warnings (%s)" % (label, bad[:3]))
    if "-p" in opts and "-n" not in opts:
        es = 0x20000 if "128KiB" in opts else 0x10000
        check(a.get("erase_size") == hex(es), "%s: erase_size %r" % (label, a.get("erase_size")))
    out = os.path.join(work, label + ".out")
    r = run("extract", img, "-o", out)
    check(r.returncode == 0, "%s: extract exit %d %s" % (label, r.returncode, r.stderr[-300:]))
    roots = fs_roundtrip.extracted_roots(out, "jffs2")
    check(len(roots) == 1, "%s: one extracted jffs2 root (%r)" % (label, roots))
    if len(roots) == 1:
        diffs = fs_roundtrip.compare_trees(src, roots[0])
        if devtable:
            placeholders = ["extra in extraction: " + p.lstrip("/") for p in DEVICES]
            diffs = [d for d in diffs if d not in placeholders]
            for p in DEVICES:
                f = os.path.join(roots[0], p.lstrip("/"))
                check(os.path.isfile(f) and os.path.getsize(f) == 0,
                      "%s: device placeholder %s" % (label, p))
        check(not diffs, "%s: extracted tree differs: %s" % (label, diffs[:5]))
    return doc


def test_roundtrips(work):
    src = os.path.join(work, "src")
    make_tree(src)
    for label, opts, endian, comprs in VARIANTS:
        roundtrip(work, src, label, opts, endian, comprs)
    devtable = os.path.join(work, "devtable")
    write_devtable(devtable)
    roundtrip(work, src, "devices-le", ["-l"], "little", {"zlib"}, devtable)
    roundtrip(work, src, "devices-be", ["-b"], "big", {"zlib"}, devtable)
    if SUMTOOL:
        def summarise(img):
            out = img + ".sum"
            subprocess.run([SUMTOOL, "-i", img, "-o", out, "-e", "64KiB", "-l"], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            return out
        doc = roundtrip(work, src, "summary", ["-l", "-e", "64KiB"], "little", {"zlib"},
                        post=summarise)
        if doc:
            check(jffs2_component(doc)["attributes"].get("summary_nodes", 0) > 0,
                  "summary: summary nodes counted")
    else:
        print("note: sumtool not installed, summary variant skipped")


def test_crc_relation(work):
    """The header CRC of a mkfs.jffs2 node is zlib.crc32(hdr, ~0) ^ ~0."""
    src = os.path.join(work, "crcsrc")
    os.makedirs(src)
    with open(os.path.join(src, "f"), "wb") as f:
        f.write(b"x")
    img = os.path.join(work, "crc.img")
    mkfs(src, img, ["-l"])
    with open(img, "rb") as f:
        data = f.read()
    hdr_crc = struct.unpack_from("<I", data, 8)[0]
    check(gen.crc(data[:8]) == hdr_crc, "crc relation holds on a mkfs.jffs2 header")
    check(zlib.crc32(data[:8]) != hdr_crc, "plain zlib crc32 differs (the test means something)")


# ---- newest version wins -------------------------------------------------

def test_versions(work):
    for endian in ("-l", "-b"):
        label = "versions" + endian
        src = os.path.join(work, label + ".src")
        os.makedirs(src)
        gen.scenario_tree(src)
        base = os.path.join(work, label + ".base")
        mkfs(src, base, [endian])
        img = os.path.join(work, label + ".img")
        r = subprocess.run([sys.executable, os.path.join(HERE, "..", "gen",
                                                        "make_jffs2_versions.py"), base, img],
                           stdout=subprocess.PIPE, check=True)
        exp = json.loads(r.stdout)
        doc = scan(img)
        if doc is None:
            continue
        fs = jffs2_component(doc)
        got = fs_roundtrip.scan_entries(doc, fs["id"])
        for path, hexdata in exp["files"].items():
            data = bytes.fromhex(hexdata)
            g = got.get(path)
            check(g is not None, "%s: %s present" % (label, path))
            if g:
                check(g["size"] == len(data) and g["sha256"] == hashlib.sha256(data).hexdigest(),
                      "%s: %s has the newest content (size %d, want %d)" % (
                          label, path, g["size"], len(data)))
        for path in exp["absent"]:
            check(path not in got, "%s: %s absent" % (label, path))
        for path, mode in exp["modes"].items():
            check(got.get(path, {}).get("mode") == mode, "%s: %s mode" % (label, path))
        a = fs["attributes"]
        for key in ("deleted_entries", "orphan_inodes", "obsolete_nodes"):
            check(a.get(key) == exp[key], "%s: %s = %r, want %r" % (label, key, a.get(key),
                                                                  exp[key]))
        check(a.get("superseded_nodes", 0) > 0, label + ": superseded nodes counted")
        check("lzma" in a.get("compressors", "") and "rtime" in a.get("compressors", ""),
              label + ": lzma and rtime seen")
        for code, offsets in exp["diags"].items():
            have = sorted(x["offset"] for x in anomalies(doc, code))
            check(have == sorted(offsets), "%s: %s at %s, got %s" % (label, code, offsets, have))
        out = os.path.join(work, label + ".out")
        r = run("extract", img, "-o", out)
        check(r.returncode == 0, label + ": extract")
        roots = fs_roundtrip.extracted_roots(out, "jffs2")
        if roots:
            with open(os.path.join(roots[0], "upd.txt"), "rb") as f:
                check(f.read() == bytes.fromhex(exp["files"]["/upd.txt"]),
                      label + ": extracted upd.txt is the newest version")


# ---- hostile images --------------------------------------------------------

def small_image(work):
    src = os.path.join(work, "small.src")
    os.makedirs(os.path.join(src, "d"))
    with open(os.path.join(src, "d", "t.txt"), "wb") as f:
        f.write(b"text " * 2000)
    with open(os.path.join(src, "r"), "wb") as f:
        f.write(os.urandom(3000))
    os.symlink("d/t.txt", os.path.join(src, "l"))
    img = os.path.join(work, "small.img")
    mkfs(src, img, ["-l", "-X", "lzo"])
    with open(img, "rb") as f:
        return f.read()


def scan_bytes(work, name, data, timeout=60):
    p = os.path.join(work, name)
    with open(p, "wb") as f:
        f.write(data)
    t = time.monotonic()
    try:
        r = run("scan", "--format", "json", p, timeout=timeout)
    except subprocess.TimeoutExpired:
        check(False, "%s: scan did not finish in %ds" % (name, timeout))
        return None, timeout
    el = time.monotonic() - t
    check(r.returncode == 0, "%s: scan exit %d %s" % (name, r.returncode, r.stderr[:3000].decode(errors="replace")))
    return (json.loads(r.stdout) if r.returncode == 0 else None), el


def test_truncation_and_bitflips(work):
    data = small_image(work)
    n = len(data)
    cuts = sorted(set([1, 2, 11, 12, 13, 40, 68, 69] + list(range(0, n, max(1, n // 80)))))
    for cut in cuts:
        if 0 < cut < n:
            scan_bytes(work, "trunc.img", data[:cut], timeout=30)
    rnd = random.Random(7)
    for i in range(300):
        b = bytearray(data)
        pos = rnd.randrange(n)
        b[pos] ^= 1 << rnd.randrange(8)
        scan_bytes(work, "flip.img", bytes(b), timeout=30)
    print("truncation/bit-flip sweeps: %d cuts, 300 flips" % len(cuts))


def hostile_base(work, label):
    src = os.path.join(work, label + ".src")
    os.makedirs(os.path.join(src, "d"))
    with open(os.path.join(src, "d", "f"), "wb") as f:
        f.write(b"f\n")
    img = os.path.join(work, label + ".base")
    mkfs(src, img, ["-l"])
    with open(img, "rb") as f:
        return gen.Jffs2Image(f.read())


def test_huge_claims(work):
    img = hostile_base(work, "huge")
    # ZERO node: 4 GiB of zeros from 68 bytes.
    ino = img.new_ino()
    img.add_inode(ino, 1, gen.S_IFREG | 0o644, 0xFFFFF000, dsize=0xFFFFF000, compr=gen.COMPR_ZERO)
    img.add_dirent(1, "bomb", ino, img.next_dirent_version())
    # zlib node whose dsize runs far past a small isize: only isize decoded.
    ino2 = img.new_ino()
    payload = b"A" * 100
    img.add_inode(ino2, 1, gen.S_IFREG | 0o644, 100, data=payload, compr=gen.COMPR_ZLIB,
                  dsize=0x40000000)
    img.add_dirent(1, "clipped", ino2, img.next_dirent_version())
    doc, el = scan_bytes(work, "huge.img", img.image(), timeout=30)
    if doc:
        got = fs_roundtrip.scan_entries(doc, jffs2_component(doc)["id"])
        check(any(a["code"].startswith("limit.") for a in anomalies(doc)),
              "huge: a limit finding for the 4 GiB claim")
        check(got.get("/bomb", {}).get("size", 0) == 0, "huge: bomb left empty")
        c = got.get("/clipped", {})
        check(c.get("sha256") == hashlib.sha256(payload).hexdigest(),
              "huge: zlib node clipped to isize decodes the first 100 bytes")
        check(el < 10, "huge: scan took %.1fs" % el)


def test_overlap_work(work):
    """Each of 2000 nodes covers [0, end_v) with ends shrinking as versions
    grow, so each wins a sliver at its end yet needs ~1 MiB decoded."""
    img = hostile_base(work, "overlap")
    ino = img.new_ino()
    size = 1 << 20
    blob = zlib.compress(b"\0" * size, 9)
    for v in range(1, 2001):
        end = size - v * 16
        img.add_inode(ino, v, gen.S_IFREG | 0o644, size, stored=blob, compr=gen.COMPR_ZLIB,
                      dsize=end)
    img.add_dirent(1, "overlap", ino, img.next_dirent_version())
    doc, el = scan_bytes(work, "overlap.img", img.image(), timeout=60)
    print("overlap adversary: %.2fs" % el)
    check(el < 20, "overlap: bounded time (%.1fs)" % el)
    if doc:
        got = fs_roundtrip.scan_entries(doc, jffs2_component(doc)["id"])
        check("/overlap" in got, "overlap: file listed")
        check(anomalies(doc, "jffs2.work_budget"), "overlap: work budget finding")


def test_cycles(work):
    img = hostile_base(work, "cycle")
    d = img.lookup("d")
    v = img.next_dirent_version
    p_self = img.add_dirent(d, "self", d, v(), dtype=gen.DT_DIR)
    p_root = img.add_dirent(d, "root", 1, v(), dtype=gen.DT_DIR)
    # Two directories containing each other, hanging off the root.
    x, y = img.new_ino(), img.new_ino() + 1
    img.add_inode(x, 1, gen.S_IFDIR | 0o755, 0)
    img.add_inode(y, 1, gen.S_IFDIR | 0o755, 0)
    img.add_dirent(1, "x", x, v(), dtype=gen.DT_DIR)
    img.add_dirent(x, "y", y, v(), dtype=gen.DT_DIR)
    p_back = img.add_dirent(y, "x", x, v(), dtype=gen.DT_DIR)
    p_missing = img.add_dirent(1, "ghost", 4242, v())
    doc, el = scan_bytes(work, "cycle.img", img.image(), timeout=30)
    if doc:
        loops = sorted(a["offset"] for a in anomalies(doc, "jffs2.dir_loop"))
        check(loops == sorted([p_self, p_root, p_back]), "cycles reported: %s" % loops)
        check([a["offset"] for a in anomalies(doc, "jffs2.missing_inode")] == [p_missing],
              "dirent to a missing inode reported")
        a = jffs2_component(doc)["attributes"]
        check(a.get("dir_loops") == 3 and a.get("missing_inodes") == 1,
              "cycle counts: %r %r" % (a.get("dir_loops"), a.get("missing_inodes")))
        got = fs_roundtrip.scan_entries(doc, jffs2_component(doc)["id"])
        check("/x/y" in got and "/x/y/x" not in got and "/d/self" not in got,
              "cycles not followed: %s" % sorted(got))
        check(el < 10, "cycles: scan took %.1fs" % el)
    out = os.path.join(work, "cycle.out")
    r = run("extract", os.path.join(work, "cycle.img"), "-o", out, timeout=60)
    check(r.returncode == 0, "cycles: extract")


def test_performance(work):
    src = os.path.join(work, "perf.src")
    rnd = random.Random(16)
    for d in range(16):
        dd = os.path.join(src, "dir%02d" % d)
        os.makedirs(dd)
        for i in range(16):
            with open(os.path.join(dd, "r%02d.bin" % i), "wb") as f:
                f.write(rnd.randbytes(56000))
            with open(os.path.join(dd, "t%02d.txt" % i), "wb") as f:
                f.write(b"".join(b"%d %d some text that compresses\n" % (d, j)
                                 for j in range(3000 + i)))
    img = os.path.join(work, "perf.img")
    mkfs(src, img, ["-l", "-e", "64KiB", "-p"])
    size = os.path.getsize(img)
    t = time.monotonic()
    doc = scan(img)
    el = time.monotonic() - t
    print("performance: %.1f MiB jffs2 scanned in %.2fs" % (size / 2**20, el))
    check(doc is not None and el < 5, "performance: %.2fs for %d bytes" % (el, size))


def main():
    if not MKFS:
        print("mkfs.jffs2 not installed")
        sys.exit(77)
    with tempfile.TemporaryDirectory() as work:
        for t in (test_crc_relation, test_roundtrips, test_versions, test_huge_claims,
                  test_overlap_work, test_cycles, test_truncation_and_bitflips,
                  test_performance):
            sub = os.path.join(work, t.__name__)
            os.makedirs(sub)
            t(sub)
    print("%d checks passed, %d failed" % (passed, len(failures)))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
