#!/usr/bin/env python3
"""UBI and UBIFS round trips on images made by the real tools, and hostile
variants of those images.

Round trips (mkfs.ubifs, ubinize, mksquashfs from Debian):
  - UBIFS with lzo, zlib, zstd, none and favor_lzo, in the geometry of
    OpenBMC's UBI layout (-m 1 -e 65408) and of 2 KiB-page NAND
    (-m 2048 -e 126976), and an authenticated (signed) one: the scan's entries (fs_path, type, size, sha256,
    mode, link_target, rdev) equal the source tree's, and `fwguard
    extract` rebuilds the same tree (fs_roundtrip.compare_trees);
  - UBI images (ubinize -p 64KiB -m 1; -p 128KiB -m 2048 -s 512; -p 128KiB
    -m 2048) holding a static squashfs "rofs", a dynamic UBIFS "rwfs" and
    a static "kernel": volume names, types and exact contents (sha256 of a
    static volume == sha256 of its input; a dynamic volume is its input
    followed by 0xFF up to reserved_pebs LEBs), and the UBIFS inside;
  - a UBI image inside a larger blob is carved at its offset with its size.

Hostile (damage planted with valid checksums where the point is to get
past them): truncation, a bit-flip sweep, a newer copy of a LEB, a bad
volume-table copy, a static LEB with bad data, a huge reserved_pebs, an
index cycle and a shared index child, both master nodes gone, a huge
inode size, a huge leb_cnt, undecodable data blocks, a CRC-work flood, and
a journal bud written after the commit.

Usage: ubi_test.py FWGUARD
"""
import hashlib
import json
import os
import random
import resource
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "gen"))
import fs_roundtrip  # noqa: E402
import make_ubi as mk  # noqa: E402

FWGUARD = sys.argv[1]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)
    return cond


def scan(path, timeout=120):
    p = subprocess.run([FWGUARD, "scan", "--format", "json", path], capture_output=True,
                       timeout=timeout)
    if p.returncode != 0 or not p.stdout:
        raise RuntimeError("scan %s failed (%d): %s" % (path, p.returncode, p.stderr[:400]))
    return json.loads(p.stdout)


def of_type(doc, t):
    return [c for c in doc["components"] if c["type"] == t]


def codes(doc, component=None):
    return {a["code"] for a in doc["anomalies"]
            if component is None or a["component"] == component["id"]}


def sha(data):
    return hashlib.sha256(data).hexdigest()


def entry_view(c):
    t = c["type"]
    rdev = c.get("rdev")
    return (t, c.get("mode"), c["size"] if t == "file" else None,
            c["sha256"] if t == "file" else None, c.get("link_target"),
            (rdev["major"], rdev["minor"]) if rdev else None,
            (c.get("uid"), c.get("gid"), c.get("mtime")))


def expected_view(exp):
    return dict(exp)


def compare_entries(doc, fs_comp, expected, what):
    got = {p: entry_view(c) for p, c in fs_roundtrip.scan_entries(doc, fs_comp["id"]).items()}
    want = expected_view(expected)
    ok = True
    for p in sorted(set(want) - set(got)):
        ok = check(False, "%s: missing %s" % (what, p))
    for p in sorted(set(got) - set(want)):
        ok = check(False, "%s: unexpected %s" % (what, p))
    for p in sorted(set(got) & set(want)):
        if got[p] != want[p]:
            ok = check(False, "%s: %s is %r, expected %r" % (what, p, got[p], want[p]))
    return ok


def roundtrip_extract(image, src, tmp, what, fs_type="ubifs"):
    out = os.path.join(tmp, "x-" + os.path.basename(image))
    p = subprocess.run([FWGUARD, "extract", image, "-o", out], capture_output=True, timeout=300)
    if not check(p.returncode == 0, "%s: extract exit %d %s" % (what, p.returncode, p.stderr[:300])):
        return
    roots = fs_roundtrip.extracted_roots(out, fs_type)
    if check(len(roots) == 1, "%s: %d extracted %s roots" % (what, len(roots), fs_type)):
        diffs = fs_roundtrip.compare_trees(src, roots[0])
        for d in diffs:
            check(False, "%s: extract: %s" % (what, d))
    shutil.rmtree(out, ignore_errors=True)


# ---- round trips ----------------------------------------------------------

def test_ubifs_direct(tmp, src, expected):
    geometries = [("openbmc", 1, 65408, 400), ("nand2k", 2048, 126976, 200)]
    for gname, min_io, leb, count in geometries:
        for compr in ("lzo", "zlib", "zstd", "none", "favor_lzo"):
            what = "ubifs %s %s" % (gname, compr)
            img = mk.mkfs_ubifs(src, os.path.join(tmp, "%s-%s.ubifs" % (gname, compr)), compr,
                                min_io, leb, count)
            doc = scan(img)
            fss = of_type(doc, "ubifs")
            if not check(len(fss) == 1, "%s: %d ubifs components" % (what, len(fss))):
                continue
            fs = fss[0]
            check(fs["attributes"].get("leb_size") == leb, what + ": leb_size")
            want_compr = "lzo" if compr == "favor_lzo" else compr
            check(fs["attributes"].get("default_compr") == want_compr,
                  "%s: default_compr %s" % (what, fs["attributes"].get("default_compr")))
            check(not any(a["severity"] != "info" for a in doc["anomalies"]),
                  "%s: anomalies %s" % (what, doc["anomalies"][:3]))
            compare_entries(doc, fs, expected, what)
            if compr in ("lzo", "zstd") and gname == "openbmc":
                roundtrip_extract(img, src, tmp, what)
    # authenticated UBIFS: index branches carry a hash after the key
    if shutil.which("openssl"):
        key, cert = os.path.join(tmp, "auth.key"), os.path.join(tmp, "auth.crt")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                        key, "-out", cert, "-days", "2", "-subj", "/CN=fwguard-test"],
                       check=True, capture_output=True)
        img = mk.mkfs_ubifs(src, os.path.join(tmp, "auth.ubifs"), "zstd", 1, 65408, 400,
                            extra=("--hash-algo=sha256", "--auth-key=" + key,
                                   "--auth-cert=" + cert))
        doc = scan(img)
        fss = of_type(doc, "ubifs")
        if check(len(fss) == 1, "authenticated ubifs: found"):
            check(fss[0]["attributes"].get("authenticated") is True, "authenticated: attribute")
            check(not doc["anomalies"], "authenticated: anomalies %s" % doc["anomalies"][:3])
            compare_entries(doc, fss[0], expected, "authenticated ubifs")


def ubi_layouts(tmp, src):
    """(name, ubinize args, leb size of the UBIFS inside, PEB size)"""
    return [
        ("p64k-m1", dict(peb="64KiB", min_io="1"), 1, 65408, 65536),
        ("p128k-m2048-s512", dict(peb="128KiB", min_io="2048", sub_page="512"), 2048, 129024,
         131072),
        ("p128k-m2048", dict(peb="128KiB", min_io="2048"), 2048, 126976, 131072),
    ]


def test_ubi_volumes(tmp, src, expected):
    kernel = os.path.join(tmp, "kernel.bin")
    with open(kernel, "wb") as f:
        f.write(os.urandom(300 * 1024 + 123))
    rofs = mk.mksquashfs(src, os.path.join(tmp, "rofs.sqfs"))
    made = {}
    for name, args, min_io, leb, peb in ubi_layouts(tmp, src):
        what = "ubi " + name
        rwfs = mk.mkfs_ubifs(src, os.path.join(tmp, "rwfs-%s.ubifs" % name), "zlib", min_io,
                             leb, 120)
        img = mk.ubinize(os.path.join(tmp, "%s.ubi" % name), [
            dict(name="kernel-0a1b2c3d", image=kernel, vol_id=0, type="static"),
            dict(name="rofs-0a1b2c3d", image=rofs, vol_id=1, type="static"),
            dict(name="rwfs", image=rwfs, vol_id=2, type="dynamic", size="6MiB"),
        ], **args)
        made[name] = (img, peb, rwfs)
        doc = scan(img)
        ubis = of_type(doc, "ubi")
        if not check(len(ubis) == 1, "%s: %d ubi components" % (what, len(ubis))):
            continue
        u = ubis[0]
        check(u["attributes"].get("peb_size") == peb, "%s: peb_size %s" % (what,
              u["attributes"].get("peb_size")))
        check(u["attributes"].get("peb_count") * peb == os.path.getsize(img), what + ": peb_count")
        check(not any(a["severity"] != "info" for a in doc["anomalies"]
                      if a["path"].startswith(u["path"]) and "/squashfs" not in a["path"]),
              "%s: anomalies %s" % (what, [a for a in doc["anomalies"]][:3]))
        vols = {c["name"]: c for c in of_type(doc, "ubi_volume")}
        check(sorted(vols) == ["kernel-0a1b2c3d", "rofs-0a1b2c3d", "rwfs"],
              "%s: volumes %s" % (what, sorted(vols)))
        for vname, path in (("kernel-0a1b2c3d", kernel), ("rofs-0a1b2c3d", rofs)):
            v = vols.get(vname)
            if not v:
                continue
            with open(path, "rb") as f:
                data = f.read()
            check(v["attributes"]["vol_type"] == "static", "%s: %s type" % (what, vname))
            check(v["size"] == len(data), "%s: %s size %d != %d" % (what, vname, v["size"],
                                                                   len(data)))
            check(v["sha256"] == sha(data), "%s: %s sha256" % (what, vname))
            check(v["attributes"]["used_bytes"] == len(data), "%s: %s used_bytes" % (what, vname))
        rofs_vol = vols.get("rofs-0a1b2c3d")
        if rofs_vol:
            check(any(c["parent"] == rofs_vol["id"] for c in of_type(doc, "squashfs")),
                  what + ": squashfs found in the rofs volume")
        v = vols.get("rwfs")
        if v:
            with open(rwfs, "rb") as f:
                data = f.read()
            a = v["attributes"]
            full = a["reserved_pebs"] * a["leb_size"]
            check(a["vol_type"] == "dynamic", what + ": rwfs type")
            check(a["leb_size"] == peb - u["attributes"]["data_offset"], what + ": rwfs leb_size")
            check(v["size"] == full, "%s: rwfs size %d != %d" % (what, v["size"], full))
            check(v["sha256"] == sha(data + b"\xff" * (full - len(data))), what + ": rwfs sha256")
            fss = [c for c in of_type(doc, "ubifs") if c["parent"] == v["id"]]
            if check(len(fss) == 1, what + ": ubifs inside rwfs"):
                compare_entries(doc, fss[0], expected, what + " rwfs")
        if name == "p64k-m1":
            roundtrip_extract(img, src, tmp, what)
    return made, kernel


def test_carved(tmp, made):
    img, peb, _ = made["p64k-m1"]
    with open(img, "rb") as f:
        data = f.read()
    blob = os.path.join(tmp, "carved.bin")
    with open(blob, "wb") as f:
        f.write(b"\xff" * 0x140000 + data + os.urandom(5000))
    doc = scan(blob)
    ubis = of_type(doc, "ubi")
    if check(len(ubis) == 1, "carved: %d ubi components" % len(ubis)):
        check(ubis[0]["abs_offset"] == 0x140000, "carved: offset %s" % ubis[0]["abs_offset"])
        check(ubis[0]["size"] == len(data), "carved: size %d != %d" % (ubis[0]["size"], len(data)))
        check(len(of_type(doc, "ubi_volume")) == 3, "carved: volumes")


# ---- hostile: UBI ---------------------------------------------------------

def write(tmp, name, data):
    path = os.path.join(tmp, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def vol(doc, name):
    for c in of_type(doc, "ubi_volume"):
        if c["name"] == name:
            return c
    return None


def test_ubi_hostile(tmp, made, kernel):
    img, peb, rwfs = made["p64k-m1"]
    with open(img, "rb") as f:
        base = f.read()
    with open(kernel, "rb") as f:
        kdata = f.read()

    # truncation inside the last PEB and inside a volume's LEBs
    for cut in (len(base) - 1000, len(base) // 2 + 777, peb + 100, 200):
        doc = scan(write(tmp, "trunc.ubi", base[:cut]))
        check(len(of_type(doc, "ubi")) == 1, "truncated at 0x%x: ubi" % cut)
        if cut > 4 * peb:
            check("ubi.truncated" in codes(doc), "truncated at 0x%x: ubi.truncated" % cut)

    # a newer copy of kernel LEB 0 (an interrupted wear-levelling move)
    u = mk.Ubi(base, peb)
    i = u.find_leb(0, 0)
    j = u.append_peb(i)
    v = u.vid(i)
    newer = bytearray(u.leb_data(j, v["data_size"]))
    newer[:16] = b"NEWER COPY HERE!"
    u.set_leb_data(j, 0, newer)
    u.set_vid(j, sqnum=v["sqnum"] + 1000, data_crc=mk.ubi_crc(bytes(newer)))
    doc = scan(write(tmp, "dup.ubi", bytes(u.b)))
    k = vol(doc, "kernel-0a1b2c3d")
    want = bytes(newer) + kdata[len(newer):]
    if check(k is not None, "duplicate LEB: kernel volume"):
        check(k["sha256"] == sha(want), "duplicate LEB: newer copy used")
        check("ubi.duplicate_leb" in codes(doc, k), "duplicate LEB: diagnostic")

    # one bad volume-table copy: names still come from the other
    u = mk.Ubi(base, peb)
    o = u.vtbl_record(0, 0)
    u.b[o + 0x20] ^= 0x40
    doc = scan(write(tmp, "vtbl.ubi", bytes(u.b)))
    check("ubi.vtbl_record" in codes(doc), "bad vtbl copy: diagnostic")
    check(vol(doc, "kernel-0a1b2c3d") is not None, "bad vtbl copy: names kept")
    # copies that disagree (both valid)
    u = mk.Ubi(base, peb)
    u.set_vtbl(0, copies=(1,), name=b"kernel-other", name_len=12)
    doc = scan(write(tmp, "vtbl2.ubi", bytes(u.b)))
    check("ubi.vtbl_mismatch" in codes(doc), "vtbl copies differ: diagnostic")
    check(vol(doc, "kernel-0a1b2c3d") is not None, "vtbl copies differ: copy 0 used")

    # static LEB with damaged data: data_crc finding
    u = mk.Ubi(base, peb)
    i = u.find_leb(0, 1)
    u.set_leb_data(i, 10, b"\x00\x01\x02")
    doc = scan(write(tmp, "datacrc.ubi", bytes(u.b)))
    k = vol(doc, "kernel-0a1b2c3d")
    check(k is not None and "ubi.data_crc" in codes(doc, k), "bad static data: ubi.data_crc")

    # huge reserved_pebs on the dynamic volume: budget finding, no huge
    # allocation, the mapped LEBs still there
    u = mk.Ubi(base, peb)
    u.set_vtbl(2, reserved_pebs=0x7FFFFFF0)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    doc = scan(write(tmp, "huge.ubi", bytes(u.b)))
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    r = vol(doc, "rwfs")
    if check(r is not None, "huge reserved_pebs: rwfs"):
        check(codes(doc, r) & {"limit.decoded_single", "limit.decoded_total", "limit.ratio"},
              "huge reserved_pebs: budget finding %s" % codes(doc, r))
        check("ubi.volume_trimmed" in codes(doc, r), "huge reserved_pebs: trimmed")
        check(len(of_type(doc, "ubifs")) == 1, "huge reserved_pebs: ubifs still parsed")
    check(max(before, after) < 1024 * 1024, "huge reserved_pebs: peak RSS %d KiB" % after)

    # no volume table at all: volumes named by id
    u = mk.Ubi(base, peb)
    for c in (0, 1):
        i = u.find_leb(0x7FFFEFFF, c)
        u.b[i * peb:(i + 1) * peb] = b"\xff" * peb
    doc = scan(write(tmp, "novtbl.ubi", bytes(u.b)))
    names = sorted(c["name"] for c in of_type(doc, "ubi_volume"))
    check(names == ["vol0", "vol1", "vol2"], "no vtbl: volumes %s" % names)
    check("ubi.vtbl" in codes(doc), "no vtbl: diagnostic")

    bitflip_sweep(tmp, base, "ubi", 250)


def bitflip_sweep(tmp, base, what, runs):
    rnd = random.Random(1234)
    path = os.path.join(tmp, "flip-" + what)
    for n in range(runs):
        b = bytearray(base)
        for _ in range(rnd.choice((1, 1, 4, 32))):
            # bias towards headers: the first bytes of PEBs/LEBs
            if rnd.random() < 0.6:
                blk = rnd.randrange(max(1, len(b) // 0x10000)) * 0x10000
                pos = min(len(b) - 1, blk + rnd.randrange(0x1000))
            else:
                pos = rnd.randrange(len(b))
            b[pos] ^= 1 << rnd.randrange(8)
        with open(path, "wb") as f:
            f.write(b)
        p = subprocess.run([FWGUARD, "scan", "--format", "json", path], capture_output=True,
                           timeout=60)
        if not check(p.returncode == 0 and p.stdout.startswith(b"{"),
                     "%s bit flips run %d: exit %d %s" % (what, n, p.returncode, p.stderr[:200])):
            shutil.copy(path, path + ".fail%d" % n)


# ---- hostile: UBIFS -------------------------------------------------------

def test_ubifs_hostile(tmp, src, expected):
    img = mk.mkfs_ubifs(src, os.path.join(tmp, "h.ubifs"), "lzo", 1, 65408, 400)
    with open(img, "rb") as f:
        base = f.read()
    fs = mk.Ubifs(base)
    root_lnum, root_offs, root_len = fs.root()
    root_pos = fs.pos(root_lnum, root_offs)
    level, branches = fs.idx_branches(root_pos)

    # an index cycle: a level-0 node's branch points back at the root
    f2 = mk.Ubifs(base)
    node = root_pos
    lvl, br = f2.idx_branches(node)
    while lvl > 0:
        node = f2.pos(br[0]["lnum"], br[0]["offs"])
        lvl, br = f2.idx_branches(node)
    struct.pack_into("<III", f2.b, br[0]["at"], root_lnum, root_offs, root_len)
    mk.fix_node_crc(f2.b, node)
    doc = scan(write(tmp, "cycle.ubifs", bytes(f2.b)))
    fss = of_type(doc, "ubifs")
    if check(len(fss) == 1, "index cycle: ubifs"):
        check("ubifs.index" in codes(doc, fss[0]), "index cycle: ubifs.index")
        check("ubifs.scan" in codes(doc, fss[0]), "index cycle: scan fallback")
        compare_entries(doc, fss[0], expected, "index cycle")

    # two branches naming the same child: visited once
    if level > 0 and len(branches) >= 2:
        f2 = mk.Ubifs(base)
        b0, b1 = branches[0], branches[1]
        struct.pack_into("<III", f2.b, b1["at"], b0["lnum"], b0["offs"], b0["len"])
        mk.fix_node_crc(f2.b, root_pos)
        doc = scan(write(tmp, "shared.ubifs", bytes(f2.b)))
        fss = of_type(doc, "ubifs")
        check(fss and "ubifs.index_shared" in codes(doc, fss[0]), "shared child: diagnostic")

    # both master nodes gone: everything from a scan
    f2 = mk.Ubifs(base)
    f2.b[fs.leb:3 * fs.leb] = b"\xff" * (2 * fs.leb)
    doc = scan(write(tmp, "nomaster.ubifs", bytes(f2.b)))
    fss = of_type(doc, "ubifs")
    if check(len(fss) == 1, "no master: ubifs"):
        check({"ubifs.master", "ubifs.scan"} <= codes(doc, fss[0]), "no master: diagnostics")
        compare_entries(doc, fss[0], expected, "no master")

    # a huge inode size: budget finding, no huge allocation
    f2 = mk.Ubifs(base)
    victim = None
    for n in f2.inodes():
        mode, = struct.unpack_from("<I", f2.b, n["pos"] + 0x68)
        if mode & 0o170000 == 0o100000:
            victim = n
            break
    struct.pack_into("<Q", f2.b, victim["pos"] + 0x30, 1 << 45)
    mk.fix_node_crc(f2.b, victim["pos"])
    doc = scan(write(tmp, "hugefile.ubifs", bytes(f2.b)))
    check(codes(doc) & {"limit.decoded_single", "limit.decoded_total", "limit.ratio"},
          "huge inode size: budget finding")
    check(len([c for c in doc["components"] if c["type"] == "file"]) >= 10,
          "huge inode size: other files kept")

    # a huge leb_cnt: nothing allocated from it, tree unchanged
    f2 = mk.Ubifs(base)
    f2.set_sb(leb_cnt=0xFFFFFFF0, max_leb_cnt=0xFFFFFFF0)
    doc = scan(write(tmp, "hugeleb.ubifs", bytes(f2.b)))
    fss = of_type(doc, "ubifs")
    if check(len(fss) == 1, "huge leb_cnt: ubifs"):
        compare_entries(doc, fss[0], expected, "huge leb_cnt")

    # data nodes that cannot be decoded: a corrupt LZO stream and an
    # unknown compressor; the files' other blocks survive
    f2 = mk.Ubifs(base)
    done = set()
    for n in f2.nodes():
        if n["type"] != mk.DATA:
            continue
        compr, = struct.unpack_from("<H", f2.b, n["pos"] + 0x2c)
        if compr == 1 and "lzo" not in done:
            f2.b[n["pos"] + 48:n["pos"] + n["len"]] = b"\xff" * (n["len"] - 48)
            done.add("lzo")
        elif "unknown" not in done:
            struct.pack_into("<H", f2.b, n["pos"] + 0x2c, 9)
            done.add("unknown")
        else:
            continue
        mk.fix_node_crc(f2.b, n["pos"])
    doc = scan(write(tmp, "baddata.ubifs", bytes(f2.b)))
    msgs = [a["message"] for a in doc["anomalies"] if a["code"] == "ubifs.data"]
    check(len(msgs) == 2, "undecodable data: %d ubifs.data findings %s" % (len(msgs), msgs))
    check(any("lzo" in m for m in msgs) and any("compr_type" in m for m in msgs),
          "undecodable data: reasons %s" % msgs)

    # a CRC-work flood: no master (so the main area is scanned), then 60
    # LEBs of node headers every 24 bytes, each claiming the rest of its LEB
    # with a bad CRC; unbounded this is gigabytes of checksumming
    import time
    f2 = mk.Ubifs(base)
    f2.b[fs.leb:3 * fs.leb] = b"\xff" * (2 * fs.leb)
    first = len(f2.b) // fs.leb
    flood = bytearray(b"\xff" * fs.leb)
    for off in range(0, fs.leb - 24, 24):
        struct.pack_into("<IIQIB", flood, off, mk.UBIFS_MAGIC, 0x12345678, 1, fs.leb - off, 1)
    f2.b += bytes(flood) * 60
    f2.set_sb(leb_cnt=first + 60)
    t0 = time.time()
    doc = scan(write(tmp, "flood.ubifs", bytes(f2.b)))
    took = time.time() - t0
    check("ubifs.work" in codes(doc), "crc flood: ubifs.work finding")
    check(took < 10, "crc flood: scan took %.1f s" % took)

    # 8 MiB LEBs whose master LEBs are erased but for their last byte: a
    # scan that re-checks "is the rest erased" at every word never ends
    f2 = mk.Ubifs(base)
    big = 8 << 20
    sb = bytearray(f2.b[:4096])
    struct.pack_into("<I", sb, 0x24, big)
    mk.fix_node_crc(sb, 0)
    body = bytearray(b"\xff" * (3 * big))
    body[:4096] = sb
    body[2 * big - 1] = 0
    body[3 * big - 1] = 0
    t0 = time.time()
    doc = scan(write(tmp, "bigleb.ubifs", bytes(body)))
    check(time.time() - t0 < 10, "erased 8 MiB master LEBs: scan took %.1f s" % (time.time() - t0))
    check("ubifs.master" in codes(doc), "erased 8 MiB master LEBs: ubifs.master")

    # truncation: every cut parses, and a cut after the index keeps files
    for cut in (100, 4096 + 10, fs.leb * 3 + 5, len(base) // 2, len(base) - 3000):
        doc = scan(write(tmp, "trunc.ubifs", base[:cut]))
        check(doc["components"], "ubifs truncated at 0x%x" % cut)

    bitflip_sweep(tmp, base, "ubifs", 150)


def test_journal(tmp, src, expected):
    img = mk.mkfs_ubifs(src, os.path.join(tmp, "j.ubifs"), "zstd", 1, 65408, 400)
    with open(img, "rb") as f:
        fs = mk.Ubifs(f.read())
    content = b"written after the last commit\n" * 50
    mk.add_journal_bud(fs, b"journal.txt", content, b"emptyfile")
    doc = scan(write(tmp, "journal.ubifs", bytes(fs.b)))
    fss = of_type(doc, "ubifs")
    if not check(len(fss) == 1, "journal: ubifs"):
        return
    check("ubifs.journal" in codes(doc, fss[0]), "journal: replay diagnostic")
    entries = fs_roundtrip.scan_entries(doc, fss[0]["id"])
    j = entries.get("/journal.txt")
    if check(j is not None, "journal: new file present"):
        check(j["sha256"] == sha(content), "journal: new file content")
        check(j["mode"] == 0o100640, "journal: new file mode")
    check("/emptyfile" not in entries, "journal: deleted file gone")
    want = dict(expected)
    del want["/emptyfile"]
    want["/journal.txt"] = ("file", 0o100640, len(content), sha(content), None, None,
                            (0, 0, 1700000000))
    compare_entries(doc, fss[0], want, "journal")


def main():
    if not mk.have_tools("mkfs.ubifs", "ubinize", "mksquashfs"):
        print("SKIP: mkfs.ubifs, ubinize or mksquashfs missing")
        return 77
    tmp = tempfile.mkdtemp(prefix="fwg-ubi-")
    try:
        src = mk.make_source_tree(os.path.join(tmp, "src"))
        expected = mk.expected_entries(src)
        test_ubifs_direct(tmp, src, expected)
        made, kernel = test_ubi_volumes(tmp, src, expected)
        test_carved(tmp, made)
        test_ubi_hostile(tmp, made, kernel)
        small = mk.make_source_tree(os.path.join(tmp, "small"), big=False)
        small_expected = mk.expected_entries(small)
        test_ubifs_hostile(tmp, small, small_expected)
        test_journal(tmp, small, small_expected)
    finally:
        if failures:
            print("work directory kept:", tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print("%d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
