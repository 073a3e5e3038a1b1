"""Builders for UBI and UBIFS test images, made at test time with the real
mtd-utils tools (mkfs.ubifs, ubinize) and squashfs-tools (mksquashfs),
plus byte-level editors that plant damage in those images with valid
checksums, so that the parser's own checks (not a CRC) must catch it.

Nothing here writes an image from scratch except the journal bud in
add_journal_bud(), which follows the UBIFS media layout (see
src/handlers/fs/ubifs_media.h) because no Debian tool writes a journal.

CRCs: UBI and UBIFS use crc32 seeded with 0xFFFFFFFF without the final
inversion, i.e. the complement of zlib.crc32.
"""
import os
import shutil
import stat
import struct
import subprocess
import zlib

UBIFS_MAGIC = 0x06101831
INO, DATA, DENT, XENT, TRUN, PAD, SB, MST, REF, IDX, CS = range(11)


def ubi_crc(data):
    return zlib.crc32(data) ^ 0xFFFFFFFF


def have_tools(*names):
    return all(shutil.which(n) for n in names)


def run(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


# ---- source trees ---------------------------------------------------------

def make_source_tree(top, big=True):
    """A tree with nested dirs, symlinks, hard links, empty and large files,
    odd modes, a fifo and (as root) device nodes."""
    os.makedirs(top)
    d = lambda *p: os.path.join(top, *p)
    os.makedirs(d("etc", "init.d"))
    os.makedirs(d("usr", "lib", "deep", "er", "still"))
    os.makedirs(d("var", "empty"))
    os.makedirs(d("private"))
    with open(d("etc", "passwd"), "w") as f:
        f.write("root:x:0:0:root:/root:/bin/sh\n")
    with open(d("etc", "init.d", "rcS"), "w") as f:
        f.write("#!/bin/sh\necho start\n")
    os.chmod(d("etc", "init.d", "rcS"), 0o755)
    with open(d("emptyfile"), "w"):
        pass
    with open(d("usr", "lib", "deep", "er", "still", "leaf.txt"), "w") as f:
        f.write("deep\n" * 100)
    with open(d("private", "secret"), "wb") as f:
        f.write(b"s3cr3t\n")
    os.chmod(d("private", "secret"), 0o600)
    os.chmod(d("private"), 0o700)
    with open(d("usr", "suid"), "wb") as f:
        f.write(b"\x7fELF" + bytes(60))
    os.chmod(d("usr", "suid"), 0o4755)
    with open(d("with space é.txt"), "w") as f:
        f.write("name with a space and UTF-8\n")
    # exactly one block, one block + 1, and a file with a hole
    with open(d("usr", "block4096"), "wb") as f:
        f.write(os.urandom(4096))
    with open(d("usr", "block4097"), "wb") as f:
        f.write(os.urandom(4097))
    with open(d("usr", "sparse"), "wb") as f:
        f.write(b"head")
        f.seek(3 * 4096 + 100)
        f.write(b"tail")
    if big:
        with open(d("usr", "lib", "big.bin"), "wb") as f:
            f.write(os.urandom(600 * 1024))
        with open(d("usr", "lib", "text.log"), "w") as f:
            f.write("".join("line %d of a compressible log\n" % i for i in range(60000)))
    os.symlink("../etc/passwd", d("usr", "passwd.link"))
    os.symlink("/etc/passwd", d("usr", "abs.link"))
    os.symlink("nowhere/at/all", d("usr", "dangling.link"))
    os.link(d("etc", "passwd"), d("usr", "lib", "passwd.hard"))
    os.link(d("etc", "passwd"), d("var", "passwd.hard2"))
    os.mkfifo(d("var", "fifo"))
    if os.geteuid() == 0:
        os.mknod(d("var", "console"), 0o600 | stat.S_IFCHR, os.makedev(5, 1))
        os.mknod(d("var", "mmcblk0"), 0o660 | stat.S_IFBLK, os.makedev(179, 0))
    return top


def expected_entries(top):
    """{fs_path: (type, mode, size, sha256 or None, link_target or None, rdev,
    (uid, gid, mtime))}"""
    import hashlib
    out = {}
    for dirpath, dirnames, filenames in os.walk(top):
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            st = os.lstat(full)
            rel = "/" + os.path.relpath(full, top)
            owner = (st.st_uid, st.st_gid, int(st.st_mtime))
            if stat.S_ISDIR(st.st_mode):
                out[rel] = ("dir", st.st_mode, None, None, None, None, owner)
            elif stat.S_ISLNK(st.st_mode):
                out[rel] = ("symlink", st.st_mode, None, None, os.readlink(full), None, owner)
            elif stat.S_ISREG(st.st_mode):
                with open(full, "rb") as f:
                    data = f.read()
                out[rel] = ("file", st.st_mode, len(data), hashlib.sha256(data).hexdigest(),
                            None, None, owner)
            else:
                rdev = (os.major(st.st_rdev), os.minor(st.st_rdev))
                out[rel] = ("device", st.st_mode, None, None, None, rdev, owner)
    return out


# ---- real tools -----------------------------------------------------------

def mkfs_ubifs(src, out, compr="lzo", min_io=1, leb=65408, max_lebs=256, extra=()):
    run("mkfs.ubifs", "-r", src, "-m", str(min_io), "-e", str(leb), "-c", str(max_lebs),
        "-x", compr, "-o", out, *extra)
    return out


def mksquashfs(src, out, comp="xz"):
    run("mksquashfs", src, out, "-comp", comp, "-noappend", "-all-root", "-quiet")
    return out


def ubinize(out, volumes, peb="64KiB", min_io="1", sub_page=None, image_seq=None):
    """volumes: list of dicts with name, image (or None), vol_id, type, size."""
    cfg = out + ".ini"
    with open(cfg, "w") as f:
        for v in volumes:
            f.write("[%s]\nmode=ubi\n" % v["name"])
            if v.get("image"):
                f.write("image=%s\n" % v["image"])
            f.write("vol_id=%d\nvol_type=%s\nvol_name=%s\n" % (v["vol_id"], v["type"], v["name"]))
            if v.get("size"):
                f.write("vol_size=%s\n" % v["size"])
            if v.get("flags"):
                f.write("vol_flags=%s\n" % v["flags"])
    args = ["ubinize", "-o", out, "-p", peb, "-m", min_io]
    if sub_page:
        args += ["-s", sub_page]
    if image_seq is not None:
        args += ["-Q", str(image_seq)]
    run(*args, cfg)
    return out


# ---- UBI editing ----------------------------------------------------------

class Ubi:
    """A mutable UBI image with its geometry read from the first EC header."""

    def __init__(self, data, peb_size):
        self.b = bytearray(data)
        self.peb = peb_size
        self.vid_off, self.data_off = struct.unpack_from(">II", self.b, 0x10)

    def pebs(self):
        return len(self.b) // self.peb

    def vid(self, i):
        o = i * self.peb + self.vid_off
        if self.b[o:o + 4] != b"UBI!":
            return None
        vt, cf, compat, vol_id, lnum = struct.unpack_from(">BBBII", self.b, o + 5)
        data_size, used_ebs, data_pad, data_crc = struct.unpack_from(">IIII", self.b, o + 0x14)
        sqnum, = struct.unpack_from(">Q", self.b, o + 0x28)
        return dict(vol_type=vt, copy_flag=cf, vol_id=vol_id, lnum=lnum, data_size=data_size,
                    used_ebs=used_ebs, data_pad=data_pad, data_crc=data_crc, sqnum=sqnum)

    def find_leb(self, vol_id, lnum):
        for i in range(self.pebs()):
            v = self.vid(i)
            if v and v["vol_id"] == vol_id and v["lnum"] == lnum:
                return i
        return None

    def set_vid(self, i, **fields):
        o = i * self.peb + self.vid_off
        offs = dict(vol_type=(5, "B"), copy_flag=(6, "B"), vol_id=(8, "I"), lnum=(0xc, "I"),
                    data_size=(0x14, "I"), used_ebs=(0x18, "I"), data_pad=(0x1c, "I"),
                    data_crc=(0x20, "I"), sqnum=(0x28, "Q"))
        for k, val in fields.items():
            at, fmt = offs[k]
            struct.pack_into(">" + fmt, self.b, o + at, val)
        struct.pack_into(">I", self.b, o + 60, ubi_crc(bytes(self.b[o:o + 60])))

    def leb_data(self, i, n=None):
        o = i * self.peb + self.data_off
        return self.b[o:o + (n if n is not None else self.peb - self.data_off)]

    def set_leb_data(self, i, at, data):
        o = i * self.peb + self.data_off + at
        self.b[o:o + len(data)] = data

    def vtbl_record(self, copy, index):
        i = self.find_leb(0x7FFFEFFF, copy)
        return i * self.peb + self.data_off + index * 172

    def set_vtbl(self, index, copies=(0, 1), **fields):
        offs = dict(reserved_pebs=(0, "I"), alignment=(4, "I"), data_pad=(8, "I"),
                    vol_type=(0xc, "B"), upd_marker=(0xd, "B"), name_len=(0xe, "H"),
                    flags=(0x90, "B"))
        for c in copies:
            o = self.vtbl_record(c, index)
            for k, val in fields.items():
                if k == "name":
                    self.b[o + 0x10:o + 0x90] = val.ljust(128, b"\0")
                    continue
                at, fmt = offs[k]
                struct.pack_into(">" + fmt, self.b, o + at, val)
            struct.pack_into(">I", self.b, o + 168, ubi_crc(bytes(self.b[o:o + 168])))

    def append_peb(self, src_index):
        self.b += self.b[src_index * self.peb:(src_index + 1) * self.peb]
        return self.pebs() - 1


# ---- UBIFS editing --------------------------------------------------------

def node_at(b, pos):
    magic, crc, sqnum, length, ntype = struct.unpack_from("<IIQIB", b, pos)
    if magic != UBIFS_MAGIC:
        return None
    return dict(crc=crc, sqnum=sqnum, len=length, type=ntype, pos=pos)


def fix_node_crc(b, pos):
    length, = struct.unpack_from("<I", b, pos + 0x10)
    struct.pack_into("<I", b, pos + 4, ubi_crc(bytes(b[pos + 8:pos + length])))


class Ubifs:
    def __init__(self, data):
        self.b = bytearray(data)
        self.leb, self.leb_cnt = struct.unpack_from("<II", self.b, 0x24)
        self.log_lebs, = struct.unpack_from("<I", self.b, 0x38)

    def master(self):
        return self.leb  # LEB 1, offset 0: mkfs.ubifs writes one master per LEB

    def root(self):
        m = self.master()
        return struct.unpack_from("<III", self.b, m + 0x30)

    def pos(self, lnum, offs):
        return lnum * self.leb + offs

    def nodes(self, lnum_from=0):
        """All valid nodes, LEB by LEB."""
        out = []
        for lnum in range(lnum_from, len(self.b) // self.leb):
            off = 0
            while off + 24 <= self.leb:
                p = self.pos(lnum, off)
                n = node_at(self.b, p)
                if n is None or n["len"] < 24 or off + n["len"] > self.leb:
                    off += 8
                    continue
                if ubi_crc(bytes(self.b[p + 8:p + n["len"]])) == n["crc"]:
                    n["lnum"], n["offs"] = lnum, off
                    out.append(n)
                    off += (n["len"] + 7) & ~7
                else:
                    off += 8
        return out

    def idx_branches(self, pos):
        child_cnt, level = struct.unpack_from("<HH", self.b, pos + 0x18)
        length, = struct.unpack_from("<I", self.b, pos + 0x10)
        bsz = (length - 28) // child_cnt
        out = []
        for i in range(child_cnt):
            bo = pos + 28 + i * bsz
            lnum, offs, ln = struct.unpack_from("<III", self.b, bo)
            out.append(dict(at=bo, lnum=lnum, offs=offs, len=ln, key=bytes(self.b[bo + 12:bo + 20])))
        return level, out

    def set_sb(self, **fields):
        offs = dict(leb_size=0x24, leb_cnt=0x28, max_leb_cnt=0x2c)
        for k, v in fields.items():
            struct.pack_into("<I", self.b, offs[k], v)
        fix_node_crc(self.b, 0)
        if "leb_cnt" in fields:
            self.leb_cnt = fields["leb_cnt"]

    def inodes(self):
        return [n for n in self.nodes() if n["type"] == INO and n["len"] >= 160]

    def ino_number(self, n):
        return struct.unpack_from("<I", self.b, n["pos"] + 0x18)[0]

    def highest_sqnum(self):
        return max(n["sqnum"] for n in self.nodes())


def r5_hash(name):
    """UBIFS's default ("r5") name hash, as keys carry it."""
    a = 0
    for ch in name:
        c = ch - 256 if ch > 127 else ch  # signed char
        a = (a + (c << 4)) & 0xFFFFFFFF
        a = (a + (c >> 4)) & 0xFFFFFFFF
        a = (a * 11) & 0xFFFFFFFF
    a &= 0x1FFFFFFF
    if a <= 2:
        a += 3
    return a


def _ch(sqnum, length, ntype):
    return struct.pack("<IIQIBBxx", UBIFS_MAGIC, 0, sqnum, length, ntype, 0)


def _node(sqnum, ntype, body):
    b = bytearray(_ch(sqnum, 24 + len(body), ntype) + body)
    fix_node_crc(b, 0)
    while len(b) % 8:
        b.append(0)
    return bytes(b)


def ino_node(sqnum, inum, size, mode, nlink=1, data=b"", mtime=1700000000):
    key = struct.pack("<II", inum, 0) + bytes(8)
    body = key + struct.pack("<QQQQQIIIIIIIIIIIIIH", sqnum, size, mtime, mtime, mtime, 0, 0, 0,
                             nlink, 0, 0, mode, 0, len(data), 0, 0, 0, 0, 0)
    body = body.ljust(160 - 24, b"\0") + data
    return _node(sqnum, INO, body)


def dent_node(sqnum, parent, name, inum, itype):
    key = struct.pack("<II", parent, (2 << 29) | r5_hash(name)) + bytes(8)
    body = key + struct.pack("<QBBHI", inum, 0, itype, len(name), 0) + name + b"\0"
    return _node(sqnum, DENT, body)


def data_node(sqnum, inum, block, data):
    key = struct.pack("<II", inum, (1 << 29) | block) + bytes(8)
    body = key + struct.pack("<IHH", len(data), 0, 0) + data
    return _node(sqnum, DATA, body)


def ref_node(sqnum, lnum, offs, jhead=1):
    return _node(sqnum, REF, struct.pack("<III", lnum, offs, jhead).ljust(40, b"\0"))


def add_journal_bud(fs, new_name, new_data, delete_name):
    """Appends a bud LEB as the kernel's journal would leave it before a
    commit: a new file in the root directory, and the deletion of an
    existing root entry.  The log gets a reference node after its
    commit-start node; leb_cnt grows by one LEB to hold the bud."""
    bud = len(fs.b) // fs.leb
    fs.b += b"\xff" * fs.leb
    fs.set_sb(leb_cnt=max(fs.leb_cnt, bud + 1))
    sq = fs.highest_sqnum() + 1
    highest_inum, = struct.unpack_from("<Q", fs.b, fs.master() + 0x18)
    inum = highest_inum + 1
    victim = None
    for n in fs.nodes():
        if n["type"] == DENT:
            nlen, = struct.unpack_from("<H", fs.b, n["pos"] + 0x32)
            parent, = struct.unpack_from("<I", fs.b, n["pos"] + 0x18)
            name = bytes(fs.b[n["pos"] + 56:n["pos"] + 56 + nlen])
            if parent == 1 and name == delete_name:
                victim, = struct.unpack_from("<Q", fs.b, n["pos"] + 0x28)
    assert victim is not None
    nodes = [
        ino_node(sq, inum, len(new_data), 0o100640),
        data_node(sq + 1, inum, 0, new_data),
        dent_node(sq + 2, 1, new_name, inum, 0),
        dent_node(sq + 3, 1, delete_name, 0, 0),
        ino_node(sq + 4, victim, 0, 0o100644, nlink=0),
    ]
    blob = b"".join(nodes)
    fs.b[bud * fs.leb:bud * fs.leb + len(blob)] = blob
    # the reference goes right after the log's commit-start node
    log = 3 * fs.leb
    cs = node_at(fs.b, log)
    assert cs and cs["type"] == CS
    at = log + ((cs["len"] + 7) & ~7)
    ref = ref_node(sq + 5, bud, 0)
    fs.b[at:at + len(ref)] = ref
    return inum
