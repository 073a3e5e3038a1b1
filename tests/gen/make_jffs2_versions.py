#!/usr/bin/env python3
"""Appends JFFS2 nodes to an image made by mkfs.jffs2, the way a running
kernel would have written them (newer versions, deletions, renames), plus
nodes a hostile or damaged flash holds (bad CRCs, obsolete markers, a
directory cycle).  All CRCs are computed here: the kernel's crc32(0, ...),
i.e. zlib.crc32(buf, 0xffffffff) ^ 0xffffffff.

As a module: Jffs2Image(bytes) parses the nodes, the add_* methods append,
image() returns the bytes.  As a script:

    make_jffs2_versions.py IN OUT

applies the scenario of scenario() to IN (made by mkfs.jffs2 from the tree
scenario_tree() describes) and prints the expected result as JSON:
{"files": {fs_path: content hex}, "absent": [...], "links": {...},
 "modes": {...}, "deleted_entries": n, "orphan_inodes": n,
 "obsolete_nodes": n, "diags": {code: [offset, ...]}, "loops": [...]}.
"""
import json
import lzma
import os
import struct
import sys
import zlib

MAGIC = 0x1985
DIRENT, INODE = 0xE001, 0xE002
ACCURATE = 0x2000
COMPR_NONE, COMPR_ZERO, COMPR_RTIME, COMPR_ZLIB, COMPR_LZO, COMPR_LZMA = 0, 1, 2, 6, 7, 8
DT_DIR, DT_REG = 4, 8
S_IFDIR, S_IFREG = 0o040000, 0o100000


def crc(b):
    return zlib.crc32(b, 0xFFFFFFFF) ^ 0xFFFFFFFF


def rtime_compress(data):
    """The rtime encoder: (byte, repeat) pairs, repeat copied from one past
    the previous position of that byte value."""
    out = bytearray()
    last = [0] * 256
    pos = 0
    while pos < len(data):
        value = data[pos]
        out.append(value)
        pos += 1
        back = last[value]
        last[value] = pos
        run = 0
        while back < pos and pos < len(data) and data[pos] == data[back] and run < 255:
            pos += 1
            back += 1
            run += 1
        out.append(run)
    return bytes(out)


def lzma_compress(data):
    """OpenWrt's JFFS2 LZMA: raw LZMA1, lc=0 lp=0 pb=0, 8 KiB dictionary."""
    return lzma.compress(data, format=lzma.FORMAT_RAW, filters=[
        {"id": lzma.FILTER_LZMA1, "lc": 0, "lp": 0, "pb": 0, "dict_size": 0x2000}])


def compress(compr, data):
    if compr == COMPR_NONE:
        return data
    if compr == COMPR_ZERO:
        return b""
    if compr == COMPR_ZLIB:
        return zlib.compress(data, 9)
    if compr == COMPR_RTIME:
        return rtime_compress(data)
    if compr == COMPR_LZMA:
        return lzma_compress(data)
    raise ValueError(compr)


class Jffs2Image:
    def __init__(self, data):
        self.buf = bytearray(data)
        m = struct.unpack_from("<H", self.buf, 0)[0]
        self.e = "<" if m == MAGIC else ">"
        self.inodes = {}    # ino -> list of (version, mode, isize, pos)
        self.dirents = []   # (pino, name, ino, version, pos)
        self._parse()
        while len(self.buf) % 4:
            self.buf.append(0xFF)

    def _parse(self):
        e, pos, b = self.e, 0, self.buf
        while pos + 12 <= len(b):
            magic, ntype, totlen, hcrc = struct.unpack_from(e + "HHII", b, pos)
            if magic != MAGIC or crc(bytes(b[pos:pos + 8])) != hcrc or totlen < 12:
                pos += 4
                continue
            if ntype == INODE:
                ino, ver, mode = struct.unpack_from(e + "III", b, pos + 12)
                isize = struct.unpack_from(e + "I", b, pos + 28)[0]
                self.inodes.setdefault(ino, []).append((ver, mode, isize, pos))
            elif ntype == DIRENT:
                pino, ver, ino = struct.unpack_from(e + "III", b, pos + 12)
                nsize = b[pos + 28]
                name = bytes(b[pos + 40:pos + 40 + nsize]).decode()
                self.dirents.append((pino, name, ino, ver, pos))
            pos += (totlen + 3) & ~3

    # ---- lookups -------------------------------------------------------
    def lookup(self, path):
        ino = 1
        for part in [p for p in path.split("/") if p]:
            best = None
            for pino, name, child, ver, _ in self.dirents:
                if pino == ino and name == part and (best is None or ver > best[0]):
                    best = (ver, child)
            if best is None or best[1] == 0:
                raise KeyError(path)
            ino = best[1]
        return ino

    def max_version(self, ino):
        return max(v[0] for v in self.inodes[ino])

    def newest(self, ino):
        return max(self.inodes[ino])

    def dirent_version(self, pino, name):
        vs = [d[3] for d in self.dirents if d[0] == pino and d[1] == name]
        return max(vs) if vs else -1

    def next_dirent_version(self):
        return max([d[3] for d in self.dirents] + [0]) + 1

    def new_ino(self):
        return max(list(self.inodes) + [d[2] for d in self.dirents] + [1]) + 1

    # ---- node writers --------------------------------------------------
    def _header(self, ntype, totlen, bad_hdr_crc=False):
        h = struct.pack(self.e + "HHI", MAGIC, ntype, totlen)
        c = crc(h) ^ (1 if bad_hdr_crc else 0)
        return h + struct.pack(self.e + "I", c)

    def _append(self, node):
        pos = len(self.buf)
        self.buf += node
        while len(self.buf) % 4:
            self.buf.append(0xFF)
        return pos

    def add_inode(self, ino, version, mode, isize, offset=0, data=b"", compr=COMPR_NONE,
                  dsize=None, stored=None, bad_node_crc=False, bad_data_crc=False,
                  ntype=INODE, mtime=1700000000, uid=0, gid=0):
        payload = compress(compr, data) if stored is None else stored
        if dsize is None:
            dsize = len(data)
        totlen = 68 + len(payload)
        body = self._header(ntype, totlen)
        body += struct.pack(self.e + "IIIHHIIIIIIIBBH", ino, version, mode, uid, gid, isize,
                            mtime, mtime, mtime, offset, len(payload), dsize, compr, 0, 0)
        body += struct.pack(self.e + "I", crc(payload) ^ (1 if bad_data_crc else 0))
        body += struct.pack(self.e + "I", crc(body[:60]) ^ (1 if bad_node_crc else 0))
        pos = self._append(body + payload)
        if not (bad_node_crc or bad_data_crc) and ntype == INODE:
            self.inodes.setdefault(ino, []).append((version, mode, isize, pos))
        return pos

    def add_dirent(self, pino, name, ino, version, dtype=DT_REG, bad_node_crc=False):
        nb = name.encode()
        body = self._header(DIRENT, 40 + len(nb))
        body += struct.pack(self.e + "IIIIBBH", pino, version, ino, 1700000000, len(nb), dtype, 0)
        body += struct.pack(self.e + "I", crc(body[:32]) ^ (1 if bad_node_crc else 0))
        body += struct.pack(self.e + "I", crc(nb))
        pos = self._append(body + nb)
        if not bad_node_crc:
            self.dirents.append((pino, name, ino, version, pos))
        return pos

    def add_bad_header(self):
        return self._append(self._header(INODE, 68, bad_hdr_crc=True) + b"\0" * 56)

    def image(self):
        return bytes(self.buf)


# ---- the scenario --------------------------------------------------------
BASE_FILES = {
    "keep.txt": b"kept as it was\n",
    "upd.txt": b"old content of upd\n",
    "part.txt": b"0123456789abcdef\n",
    "trunc.txt": b"truncate me please\n",
    "gone.txt": b"about to be deleted\n",
    "badcrc.txt": b"survives a corrupt update\n",
    "baddata.txt": b"survives a corrupt data crc\n",
    "obs.txt": b"survives an obsolete newer node\n",
    "old.txt": b"renamed into d\n",
    "d/f.txt": b"in d\n",
    "d/sub/g.txt": b"in d/sub\n",
}


def scenario_tree(top):
    """Writes the source tree the scenario expects under top."""
    for rel, data in BASE_FILES.items():
        p = os.path.join(top, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
        os.chmod(p, 0o644)


def scenario(img):
    files = {("/" + k): v for k, v in BASE_FILES.items()}
    diags = {}
    modes = {}
    v = img.next_dirent_version

    ino = img.lookup("upd.txt")
    new = b"brand new content of upd, zlib compressed " * 20
    img.add_inode(ino, img.max_version(ino) + 1, S_IFREG | 0o644, len(new), data=new,
                  compr=COMPR_ZLIB)
    files["/upd.txt"] = new

    ino = img.lookup("part.txt")
    img.add_inode(ino, img.max_version(ino) + 1, S_IFREG | 0o644, len(BASE_FILES["part.txt"]),
                  offset=4, data=b"XXXX")
    old = BASE_FILES["part.txt"]
    files["/part.txt"] = old[:4] + b"XXXX" + old[8:]

    ino = img.lookup("trunc.txt")
    img.add_inode(ino, img.max_version(ino) + 1, S_IFREG | 0o600, 3)
    files["/trunc.txt"] = BASE_FILES["trunc.txt"][:3]
    modes["/trunc.txt"] = S_IFREG | 0o600

    img.add_dirent(1, "gone.txt", 0, img.dirent_version(1, "gone.txt") + 1)
    del files["/gone.txt"]

    ino = img.lookup("badcrc.txt")
    pos = img.add_inode(ino, img.max_version(ino) + 1, S_IFREG | 0o644, 5, data=b"EVIL!",
                        bad_node_crc=True)
    diags.setdefault("jffs2.node_crc", []).append(pos)

    ino = img.lookup("baddata.txt")
    pos = img.add_inode(ino, img.max_version(ino) + 1, S_IFREG | 0o644, 5, data=b"EVIL!",
                        bad_data_crc=True)
    diags.setdefault("jffs2.data_crc", []).append(pos)

    ino = img.lookup("obs.txt")
    img.add_inode(ino, img.max_version(ino) + 1, S_IFREG | 0o644, 5, data=b"EVIL!",
                  ntype=INODE & ~ACCURATE)

    pos = img.add_bad_header()
    diags.setdefault("jffs2.hdr_crc", []).append(pos)

    # A new file written with OpenWrt's LZMA in two data nodes.
    ino = img.new_ino()
    page = 4096
    data = (b"lzma compressed line\n" * 300)[:page + 1000]
    img.add_inode(ino, 1, S_IFREG | 0o640, len(data), data=data[:page], compr=COMPR_LZMA)
    img.add_inode(ino, 2, S_IFREG | 0o640, len(data), offset=page, data=data[page:],
                  compr=COMPR_LZMA)
    img.add_dirent(1, "lzma.txt", ino, v())
    files["/lzma.txt"] = data
    modes["/lzma.txt"] = S_IFREG | 0o640

    # rtime from this encoder, plus a ZERO node punching a hole.
    ino = img.new_ino()
    data = b"abcabcabcabc rtime rtime rtime " * 50
    img.add_inode(ino, 1, S_IFREG | 0o644, len(data), data=data, compr=COMPR_RTIME)
    img.add_inode(ino, 2, S_IFREG | 0o644, len(data), offset=10, data=b"\0" * 20,
                  compr=COMPR_ZERO)
    img.add_dirent(1, "rt.txt", ino, v())
    files["/rt.txt"] = data[:10] + b"\0" * 20 + data[30:]

    # Rename old.txt into d/ as moved.txt.
    ino = img.lookup("old.txt")
    d_ino = img.lookup("d")
    img.add_dirent(d_ino, "moved.txt", ino, v())
    img.add_dirent(1, "old.txt", 0, v())
    files["/d/moved.txt"] = files.pop("/old.txt")

    # A hard link to keep.txt.
    img.add_dirent(d_ino, "hl.txt", img.lookup("keep.txt"), v())
    files["/d/hl.txt"] = BASE_FILES["keep.txt"]

    # A cycle: d/sub/loop -> d.
    pos = img.add_dirent(img.lookup("d/sub"), "loop", d_ino, v(), dtype=DT_DIR)
    diags.setdefault("jffs2.dir_loop", []).append(pos)

    return {
        "files": {k: val.hex() for k, val in files.items()},
        "absent": ["/gone.txt", "/old.txt", "/d/sub/loop"],
        "modes": modes,
        "deleted_entries": 2,
        "orphan_inodes": 1,
        "obsolete_nodes": 1,
        "diags": diags,
    }


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: make_jffs2_versions.py IN OUT")
    with open(sys.argv[1], "rb") as f:
        img = Jffs2Image(f.read())
    expected = scenario(img)
    with open(sys.argv[2], "wb") as f:
        f.write(img.image())
    json.dump(expected, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
