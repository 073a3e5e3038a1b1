#!/usr/bin/env python3
"""make_seeded_bmc.py - OpenBMC-style flash images seeded with known
security issues, for the analysis-engine tests (issue 4), into OUTDIR.

Variants (each a 64 MiB static-layout image from make_openbmc_image.build,
whose rofs squashfs, rwfs jffs2 and initramfs trees are written here):

  clean    what a well-kept release looks like: BusyBox 1.36.1 and OpenSSL
           3.0.13 version strings, root with a strong random sha512crypt
           password, a hardened sshd_config, no telnet, no private key, no
           IPMI handler library.  Expected: no finding at all.
  patched  clean plus AMI-style IPMI handler libraries (ARM32, built by
           tests/gen/ipmi/build.sh with gcc-arm-linux-gnueabihf) whose YAFU
           flash commands are DISABLED.  Expected: the exposed IPMI
           commands (info), no CVE-2023-34335.
  seeded   the seeds of the issue:
             /bin/busybox            "BusyBox v1.20.0" version string
             /usr/lib/libcrypto.so.1.0.0  "OpenSSL 1.0.1f 6 Jan 2014"
             /etc/shadow             root's password is "admin"
             /etc/ssl/private/server.key  an unencrypted RSA private key
             /etc/init.d/S50telnet   starts telnetd at boot
             /usr/local/lib/libipmi*.so   YAFU flash commands ENABLED
                                     (CVE-2023-34335)

The version-string seeds are data files holding the strings the real
binaries carry (a BusyBox or libcrypto build is not needed to test
identification).  Each image gets NAME.json beside it with the seeds and
the provenance of the tools.

Usage: make_seeded_bmc.py OUTDIR [--variant clean|patched|seeded|all]
Prints the image paths.
"""
import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_openbmc_image  # noqa: E402

OS_RELEASE = '''ID=openbmc-phosphor
NAME="Phosphor OpenBMC (Phosphor OpenBMC Project Reference Distro)"
VERSION="2.14.0-dev"
VERSION_ID=2.14.0-dev-1234-g1f2e3d4c
PRETTY_NAME="Phosphor OpenBMC (Phosphor OpenBMC Project Reference Distro) 2.14.0-dev"
BUILD_ID="20240115000000"
OPENBMC_TARGET_MACHINE="fwguard-test"
'''

SSHD_HARDENED = '''# sshd_config of a well-kept image
PermitRootLogin prohibit-password
PasswordAuthentication no
PermitEmptyPasswords no
KbdInteractiveAuthentication no
'''

SYSLOG_INIT = '''#!/bin/sh
# start the system log daemon
case "$1" in
start) /sbin/syslogd -n & ;;
stop) killall syslogd ;;
esac
'''

TELNET_INIT = '''#!/bin/sh
# debug access, left enabled by the vendor
case "$1" in
start) /usr/sbin/telnetd -l /bin/login & ;;
stop) killall telnetd ;;
esac
'''


def write(root, rel, data, mode=0o644):
    path = os.path.join(root, rel.lstrip('/'))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(data.encode() if isinstance(data, str) else data)
    os.chmod(path, mode)
    return path


def crypt_sha512(password):
    # -stdin: a password starting with '-' would be taken for an option.
    r = subprocess.run(['openssl', 'passwd', '-6', '-stdin'], input=password + '\n',
                       check=True, stdout=subprocess.PIPE, text=True)
    return r.stdout.strip()


def version_blob(prefix, text):
    """A binary-looking file that carries a version string, as the real
    binary does, between other bytes."""
    return b'\x7fDATA' + b'\x00' * 64 + prefix + b'\x00' + text.encode() + b'\x00' + b'\x01' * 64


def base_tree(root, seeded):
    write(root, '/etc/passwd', 'root:x:0:0:root:/home/root:/bin/sh\n'
          'daemon:x:1:1:daemon:/usr/sbin:/bin/false\n'
          'sshd:x:997:997::/var/run/sshd:/bin/false\n')
    root_hash = crypt_sha512('admin' if seeded else secrets.token_urlsafe(24))
    write(root, '/etc/shadow', f'root:{root_hash}:19000:0:99999:7:::\n'
          'daemon:*:19000:0:99999:7:::\nsshd:!:19000::::::\n', 0o600)
    write(root, '/etc/os-release', OS_RELEASE)
    write(root, '/etc/ssh/sshd_config', SSHD_HARDENED)
    write(root, '/etc/init.d/S01syslog', SYSLOG_INIT, 0o755)
    write(root, '/etc/hostname', 'bmc\n')
    busybox = 'BusyBox v1.20.0 (2012-04-22 12:00:00 UTC) multi-call binary' if seeded \
        else 'BusyBox v1.36.1 (2023-05-19 00:00:00 UTC) multi-call binary'
    write(root, '/bin/busybox', version_blob(b'busybox', busybox), 0o755)
    if seeded:
        write(root, '/usr/lib/libcrypto.so.1.0.0',
              version_blob(b'libcrypto', 'OpenSSL 1.0.1f 6 Jan 2014'))
    else:
        write(root, '/usr/lib/libcrypto.so.3',
              version_blob(b'libcrypto', 'OpenSSL 3.0.13 30 Jan 2024'))
    write(root, '/usr/share/www/index.html', '<html><body>BMC</body></html>\n')


def add_seeds(root):
    key = subprocess.run(['openssl', 'genpkey', '-algorithm', 'RSA', '-pkeyopt',
                          'rsa_keygen_bits:2048'], check=True, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL).stdout
    write(root, '/etc/ssl/private/server.key', key, 0o600)
    write(root, '/etc/init.d/S50telnet', TELNET_INIT, 0o755)


def add_ipmi(root, ipmi_dir, variant):
    """Copies the ARM32 handler libraries of one variant (vuln/patched)."""
    for name in ('libipmimsghndlr.so', 'libipmipdkcmds.so'):
        src = os.path.join(ipmi_dir, 'arm', variant, name)
        if os.path.exists(src):
            dst = os.path.join(root, 'usr/local/lib', name)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copyfile(src, dst)
            os.chmod(dst, 0o755)


def build_ipmi(outdir):
    ipmi_dir = os.path.join(outdir, 'ipmi')
    if not os.path.isdir(ipmi_dir):
        subprocess.run(['sh', os.path.join(HERE, 'ipmi', 'build.sh'), ipmi_dir], check=True,
                       stdout=subprocess.DEVNULL)
    return ipmi_dir


def build(outdir, variant):
    vdir = os.path.join(outdir, variant)
    if os.path.isdir(vdir):
        shutil.rmtree(vdir)
    src = os.path.join(vdir, 'src')
    seeded = variant == 'seeded'
    base_tree(os.path.join(src, 'rofs'), seeded)
    if seeded:
        add_seeds(os.path.join(src, 'rofs'))
    if variant in ('seeded', 'patched'):
        add_ipmi(os.path.join(src, 'rofs'), build_ipmi(outdir),
                 'vuln' if seeded else 'patched')
    write(os.path.join(src, 'rwfs'), '/cow/.keep', '')
    write(os.path.join(src, 'initramfs'), '/init', '#!/bin/sh\nexec /sbin/init\n', 0o755)
    meta = make_openbmc_image.build(vdir, 'static')
    image = os.path.join(outdir, f'seeded-{variant}.bin')
    os.replace(meta['image'], image)
    meta['image'] = image
    meta['seeded_variant'] = variant
    meta['provenance']['gcc-arm-linux-gnueabihf'] = \
        make_openbmc_image.deb_version('gcc-arm-linux-gnueabihf')
    with open(image[:-4] + '.json', 'w') as f:
        json.dump(meta, f, indent=1)
    return meta


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('outdir')
    ap.add_argument('--variant', choices=['clean', 'patched', 'seeded', 'all'], default='all')
    args = ap.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    for v in (['clean', 'patched', 'seeded'] if args.variant == 'all' else [args.variant]):
        print(build(args.outdir, v)['image'])


if __name__ == '__main__':
    main()
