#!/usr/bin/env python3
"""cramfs: images built at test time with mkfs.cramfs (util-linux-extra) must
come out of `fwguard scan` as the tree that went in, in both byte orders, with
and without holes and the 512-byte boot pad; hostile variants (directory
cycle, a file claiming 16 MiB over garbage pointers, truncations, bit flips)
must neither crash nor hang.

cramfs keeps 16-bit uids, 8-bit gids, no timestamps, files below 16 MiB;
mkfs.cramfs stores identical files once (they share content here).

Usage: cramfs_test.py FWGUARD
"""
import os
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import squashfs_test as common  # noqa: E402  (shared tree builder and checks)

MKFS = shutil.which('mkfs.cramfs') or (os.path.exists('/usr/sbin/mkfs.cramfs') and
                                       '/usr/sbin/mkfs.cramfs')
DEVICES = {
    'dev_tty': (stat.S_IFCHR | 0o666, 4, 64),
    'dev_blk': (stat.S_IFBLK | 0o660, 8, 1),
}


def mkfs(src, image, *opts):
    subprocess.run([MKFS, *opts, src, image], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def add_special(src):
    """Devices need root (cramfs has no pseudo files); a fifo does not."""
    os.mkfifo(os.path.join(src, 'fifo'), 0o644)
    os.chmod(os.path.join(src, 'fifo'), 0o644)
    made = {'fifo': (stat.S_IFIFO | 0o644, 0, 0)}
    if os.geteuid() == 0:
        for name, (mode, major, minor) in DEVICES.items():
            p = os.path.join(src, name)
            os.mknod(p, mode, os.makedev(major, minor))
            os.chmod(p, mode & 0o7777)
            made[name] = (mode, major, minor)
    else:
        print('note: not root, device nodes not tested')
    return made


def entry_offset(data, name, base=0):
    """Offset of the inode whose NUL-padded name is `name` (little-endian)."""
    padded = name.encode() + b'\0' * (-len(name) % 4)
    i = data.find(padded)
    while i >= 0:
        e = i - 12
        w2 = struct.unpack_from('<I', data, e + 8)[0]
        if (w2 & 0x3f) * 4 == len(padded):
            return e
        i = data.find(padded, i + 1)
    raise RuntimeError(f'entry {name} not found')


def main():
    if not MKFS:
        print('skip: mkfs.cramfs (util-linux-extra) not installed')
        return 77
    check = common.check
    tmp = tempfile.mkdtemp(prefix='fwg-cramfs-')
    try:
        src = os.path.join(tmp, 'src')
        common.make_tree(src)
        # the source tree as cramfs stores it: owners squashed to root below
        devices = add_special(src)
        owners = {}
        if os.geteuid() == 0:
            # cramfs keeps 16-bit uids and 8-bit gids: wider ones are truncated
            os.chown(os.path.join(src, 'a/hello.txt'), 1234, 56, follow_symlinks=False)
            os.chown(os.path.join(src, 'mode600'), 70000, 300, follow_symlinks=False)
            owners = {'/a/hello.txt': (1234, 56), '/mode600': (70000 & 0xffff, 300 & 0xff)}

        def owner_check(label, got):
            bad = [(p, got[p].get('uid'), got[p].get('gid')) for p, o in owners.items()
                   if (got[p].get('uid'), got[p].get('gid')) != o]
            check(f'{label}: uids and gids (truncated as cramfs stores them)', not bad, bad)
        variants = [
            ('little-endian', ['-N', 'little']),
            ('big-endian', ['-N', 'big']),
            ('holes', ['-z']),
            ('padded', ['-p', '-n', 'volname', '-e', '7']),
            ('big-endian-holes-padded', ['-N', 'big', '-z', '-p']),
        ]
        images = {}
        for label, opts in variants:
            img = os.path.join(tmp, f'{label}.cramfs')
            mkfs(src, img, *opts)
            images[label] = img
            doc = common.scan(img)
            special = {k: v for k, v in devices.items()}
            common.compare(label, src, doc, 'cramfs', special, owner_check)
            fs = next(c for c in doc['components'] if c['type'] == 'cramfs')
            a = fs['attributes']
            check(f'{label}: crc verified', a.get('crc_ok') is True, a)
            check(f'{label}: byte order', a.get('byte_order') ==
                  ('big-endian' if 'big' in label else 'little-endian'), a)
            check(f'{label}: no diagnostics', not common.diag_codes(doc),
                  common.diag_codes(doc)[:5])
        doc = common.scan(images['padded'])
        a = next(c for c in doc['components'] if c['type'] == 'cramfs')['attributes']
        check('padded: superblock at 512, name and edition', a.get('superblock_offset') == 512
              and a.get('volume_name') == 'volname' and a.get('edition') == 7, a)
        common.roundtrip_extract('little-endian extract', images['little-endian'], src, 'cramfs')

        # inside a bigger blob: the carver finds plain and padded images at
        # their start (a padded image's magic sits 512 bytes in)
        for label in ('little-endian', 'big-endian-holes-padded'):
            blob = os.path.join(tmp, 'blob.bin')
            with open(blob, 'wb') as f:
                f.write(os.urandom(8192))
                f.write(open(images[label], 'rb').read())
                f.write(b'\xff' * 8192)
            doc = common.scan(blob)
            fs = [c for c in doc['components'] if c['type'] == 'cramfs']
            _, got = common.fs_entries(doc, 'cramfs')
            check(f'{label} carved from a blob at its offset', len(fs) == 1 and
                  fs[0]['abs_offset'] == 8192 and fs[0]['size'] == os.path.getsize(images[label])
                  and '/a/hello.txt' in got, [(c['abs_offset'], c['size']) for c in fs])

        # hostile: directory a/b/c pointing back at the root's entries
        data = bytearray(open(images['little-endian'], 'rb').read())
        e = entry_offset(data, 'c')
        w2 = struct.unpack_from('<I', data, e + 8)[0]
        struct.pack_into('<I', data, e + 8, (w2 & 0x3f) | ((76 // 4) << 6))
        cyc = os.path.join(tmp, 'cycle.cramfs')
        open(cyc, 'wb').write(bytes(data))
        t = time.monotonic()
        doc = common.scan(cyc, timeout=30)
        codes = common.diag_codes(doc)
        check('directory cycle: reported, not followed, crc mismatch found',
              'cramfs.dir_loop' in codes and 'cramfs.crc' in codes and
              time.monotonic() - t < 10, codes)

        # hostile: a file claiming 16 MiB - 1 over whatever follows its pointers
        data = bytearray(open(images['little-endian'], 'rb').read())
        e = entry_offset(data, 'hello.txt')
        w1 = struct.unpack_from('<I', data, e + 4)[0]
        struct.pack_into('<I', data, e + 4, (w1 & 0xff000000) | 0xffffff)
        big = os.path.join(tmp, 'claim.cramfs')
        open(big, 'wb').write(bytes(data))
        t = time.monotonic()
        doc = common.scan(big, timeout=60)
        codes = common.diag_codes(doc)
        check('16 MiB claim over garbage: block errors reported, bounded time',
              'cramfs.data_block' in codes and time.monotonic() - t < 20, codes[:5])

        # hostile: truncated size field bigger than the file, garbage magic at 512
        common.hostile_sweep('little-endian sweep', images['little-endian'], 'cramfs', flips=300)
        common.hostile_sweep('big-endian padded sweep', images['big-endian-holes-padded'],
                             'cramfs', flips=200, seed=3)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f'{common.passed} passed, {common.failed} failed')
    return 1 if common.failed else 0


if __name__ == '__main__':
    sys.exit(main())
