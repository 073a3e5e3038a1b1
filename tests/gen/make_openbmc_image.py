#!/usr/bin/env python3
"""make_openbmc_image.py - builds OpenBMC-style whole-flash images for
fwguard's tests, with the real tools from Debian, into OUTDIR.

Images (all 64 MiB: Debian's qemu_arm U-Boot is 0xc0dd4 bytes, more than
the 32 MiB layout's 0x60000-byte u-boot slot, so the 64 MiB layout is used
as the issue allows):

  openbmc-static.bin   static MTD layout (openbmc-flash-layout-64.dtsi):
      0x0000000 u-boot      /usr/lib/u-boot/qemu_arm/u-boot.bin (u-boot-qemu)
      0x00e0000 u-boot-env  mkenvimage -s 0x10000 (u-boot-tools)
      0x0100000 kernel      FIT by mkimage -f: kernel stand-in, the board
                            DTB (dtc, with a fixed-partitions flash node that
                            matches this layout) and an initramfs (cpio newc
                            | gzip -n)
      0x0a00000 rofs        mksquashfs -comp xz (squashfs-tools)
      0x2a00000 rwfs        mkfs.jffs2 -l -e 64KiB (mtd-utils)
  openbmc-custom.bin   same parts, but the board DTB moves rwfs to 0x3000000:
                       only the image's own device tree gives that offset
  openbmc-ubi.bin      UBI layout: u-boot, u-boot-env, then at 0x100000
                       ubinize -p 64KiB -m 1 with static volumes
                       kernel-<ver> (the FIT) and rofs-<ver> (the squashfs)
                       and a dynamic rwfs (mkfs.ubifs -m 1 -e 65408)

Each image gets NAME.json beside it: partitions (name, offset, size), the
source trees (src/rofs, src/rwfs, src/initramfs) that went into its
filesystems, and the provenance (tool versions, Debian package versions).
The trees are deterministic (seeded) so tests can compare what fwguard
extracts with what went in.  The kernel is a stand-in: seeded pseudo-random
bytes behind a text banner, not a Linux kernel.

Usage: make_openbmc_image.py OUTDIR [--variant static|custom|ubi|all]
Importable: build(outdir, variant) returns the metadata dict; make_tree()
is shared with make_megarac_image.py and make_aten_image.py.
"""
import argparse
import gzip
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

MIB = 1 << 20
UBOOT_BIN = '/usr/lib/u-boot/qemu_arm/u-boot.bin'
UBOOT_ELF = '/usr/lib/u-boot/qemu_arm/uboot.elf'
IMAGE_SIZE = 64 * MIB
ENV_SIZE = 0x10000
# openbmc-flash-layout-64.dtsi
STATIC_64 = [('u-boot', 0x0, 0xe0000), ('u-boot-env', 0xe0000, 0x20000),
             ('kernel', 0x100000, 0x900000), ('rofs', 0xa00000, 0x2000000),
             ('rwfs', 0x2a00000, 0x1600000)]
CUSTOM_64 = [('u-boot', 0x0, 0xe0000), ('u-boot-env', 0xe0000, 0x20000),
             ('kernel', 0x100000, 0x900000), ('rofs', 0xa00000, 0x2600000),
             ('rwfs', 0x3000000, 0x1000000)]
UBI_64 = [('u-boot', 0x0, 0xe0000), ('u-boot-env', 0xe0000, 0x20000),
          ('ubi', 0x100000, IMAGE_SIZE - 0x100000)]
UBI_LEB = 65536 - 128   # NOR (min I/O 1): EC and VID headers take 64 bytes each
VERSION_ID = '1f2e3d4c'

WORDS = ('bmc sensor fan chassis power host ipmi redfish dbus journal '
         'systemd phosphor inventory state led watchdog network vlan ntp '
         'certificate user ldap console obmc flash image rofs rwfs').split()


def run(cmd, **kw):
    subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def tool_version(cmd):
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        return r.stdout.strip().splitlines()[0]
    except (OSError, IndexError):
        return 'unknown'


def deb_version(pkg):
    try:
        r = subprocess.run(['dpkg-query', '-W', '-f', '${Version}', pkg],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        return r.stdout.strip() or 'unknown'
    except OSError:
        return 'unknown'


def provenance():
    return {
        'u-boot-qemu': deb_version('u-boot-qemu'),
        'u-boot-tools': deb_version('u-boot-tools'),
        'squashfs-tools': deb_version('squashfs-tools'),
        'mtd-utils': deb_version('mtd-utils'),
        'device-tree-compiler': deb_version('device-tree-compiler'),
        'mkimage': tool_version(['mkimage', '-V']),
        'mksquashfs': tool_version(['mksquashfs', '-version']),
        'dtc': tool_version(['dtc', '--version']),
        'mkfs.jffs2': tool_version(['mkfs.jffs2', '--version']),
        'ubinize': tool_version(['ubinize', '--version']),
    }


def text_blob(rnd, size):
    out = []
    n = 0
    while n < size:
        line = ' '.join(rnd.choice(WORDS) for _ in range(rnd.randint(4, 12))) + '\n'
        out.append(line)
        n += len(line)
    return ''.join(out)[:size].encode()


def make_tree(root, seed, files=40, big=0, elf=True, extras=True):
    """Deterministic tree under root: directories, text and binary files of
    several modes, a shell script, an ARM ELF (U-Boot's uboot.elf),
    relative, absolute and dangling symlinks, a hard link, an empty file
    and an empty directory, names with spaces and UTF-8.  big: bytes of
    extra pseudo-random data (incompressible) spread over a few files."""
    rnd = random.Random(seed)
    os.makedirs(root, exist_ok=True)
    dirs = ['bin', 'etc', 'etc/conf.d', 'usr/lib', 'usr/share/www', 'var/lib/state']
    for d in dirs:
        os.makedirs(os.path.join(root, d), exist_ok=True)
    for i in range(files):
        d = dirs[i % len(dirs)]
        path = os.path.join(root, d, f'file{i:03d}.{"conf" if i % 3 == 0 else "dat"}')
        if i % 4 == 1:
            data = rnd.randbytes(rnd.randint(1, 6000))
        else:
            data = text_blob(rnd, rnd.randint(10, 20000))
        with open(path, 'wb') as f:
            f.write(data)
        os.chmod(path, (0o644, 0o600, 0o640, 0o755)[i % 4])
    for i in range(4 if big else 0):
        path = os.path.join(root, 'usr/lib', f'blob{i}.bin')
        with open(path, 'wb') as f:
            f.write(rnd.randbytes(big // 4))
        os.chmod(path, 0o644)
    with open(os.path.join(root, 'etc/passwd'), 'w') as f:
        f.write('root:x:0:0:root:/home/root:/bin/sh\nservice:x:998:998::/var/empty:/bin/false\n')
    os.chmod(os.path.join(root, 'etc/passwd'), 0o644)
    script = os.path.join(root, 'bin/start-bmc.sh')
    with open(script, 'w') as f:
        f.write('#!/bin/sh\n# fwguard test script\nexec /usr/bin/phosphor "$@"\n')
    os.chmod(script, 0o755)
    if elf:
        shutil.copyfile(UBOOT_ELF, os.path.join(root, 'bin/uboot.elf'))
        os.chmod(os.path.join(root, 'bin/uboot.elf'), 0o755)
    if extras:
        os.symlink('../etc/passwd', os.path.join(root, 'bin/passwd-link'))
        os.symlink('/etc/conf.d', os.path.join(root, 'etc/conf-abs'))
        os.symlink('does/not/exist', os.path.join(root, 'var/dangling'))
        os.link(os.path.join(root, 'etc/passwd'), os.path.join(root, 'etc/passwd.hardlink'))
        open(os.path.join(root, 'var/empty-file'), 'wb').close()
        os.chmod(os.path.join(root, 'var/empty-file'), 0o644)
        os.makedirs(os.path.join(root, 'var/empty-dir'))
        with open(os.path.join(root, 'etc/name with spaces.txt'), 'w') as f:
            f.write('spaces\n')
        with open(os.path.join(root, 'etc/ünïcødé.txt'), 'w') as f:
            f.write('utf-8\n')
        os.makedirs(os.path.join(root, 'var/private'))
        os.chmod(os.path.join(root, 'var/private'), 0o700)
    for d in dirs:
        os.chmod(os.path.join(root, d), 0o755)
    return root


def board_dts(parts):
    nodes = '\n'.join(
        f'\t\t\t\t\t{name}@{off:x} {{ reg = <0x{off:x} 0x{size:x}>; label = "{name}"; }};'
        for name, off, size in parts)
    return f'''/dts-v1/;
/ {{
	model = "fwguard test BMC";
	compatible = "fwguard,test-bmc", "aspeed,ast2500";
	#address-cells = <1>;
	#size-cells = <1>;
	memory@80000000 {{ device_type = "memory"; reg = <0x80000000 0x20000000>; }};
	ahb {{
		compatible = "simple-bus";
		#address-cells = <1>;
		#size-cells = <1>;
		ranges;
		spi@1e620000 {{
			compatible = "aspeed,ast2500-fmc";
			reg = <0x1e620000 0xc4>;
			#address-cells = <1>;
			#size-cells = <0>;
			flash@0 {{
				compatible = "jedec,spi-nor";
				reg = <0>;
				label = "bmc";
				partitions {{
					compatible = "fixed-partitions";
					#address-cells = <1>;
					#size-cells = <1>;
{nodes}
				}};
			}};
		}};
	}};
}};
'''


FIT_ITS = '''/dts-v1/;
/ {
	description = "fwguard test kernel FIT";
	#address-cells = <1>;
	images {
		kernel-1 {
			description = "kernel stand-in";
			data = /incbin/("kernel.bin");
			type = "kernel";
			arch = "arm";
			os = "linux";
			compression = "none";
			load = <0x80001000>;
			entry = <0x80001000>;
			hash-1 { algo = "sha256"; };
		};
		fdt-fwguard-test-bmc.dtb {
			description = "board device tree";
			data = /incbin/("board.dtb");
			type = "flat_dt";
			arch = "arm";
			compression = "none";
			hash-1 { algo = "sha256"; };
		};
		ramdisk-1 {
			description = "initramfs";
			data = /incbin/("initramfs.cpio.gz");
			type = "ramdisk";
			arch = "arm";
			os = "linux";
			compression = "none";
			hash-1 { algo = "sha256"; };
		};
	};
	configurations {
		default = "conf-fwguard-test-bmc.dtb";
		conf-fwguard-test-bmc.dtb {
			kernel = "kernel-1";
			fdt = "fdt-fwguard-test-bmc.dtb";
			ramdisk = "ramdisk-1";
		};
	};
};
'''

ENV_TEXT = '''bootcmd=bootm 20100000
bootargs=console=ttyS4,115200n8 root=/dev/ram rw
bootdelay=2
baudrate=115200
ethaddr=52:54:00:12:34:56
openbmconce=factory-reset
'''


def make_env(work):
    with open(os.path.join(work, 'env.txt'), 'w') as f:
        f.write(ENV_TEXT)
    out = os.path.join(work, 'env.bin')
    run(['mkenvimage', '-s', hex(ENV_SIZE), '-o', out, os.path.join(work, 'env.txt')])
    return open(out, 'rb').read()


def make_initramfs(work, src):
    """cpio newc of src, gzip'd deterministically."""
    names = []
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames.sort()
        rel = os.path.relpath(dirpath, src)
        if rel != '.':
            names.append(rel)
        for fn in sorted(filenames):
            names.append(os.path.normpath(os.path.join(rel, fn)))
    r = subprocess.run(['cpio', '-o', '-H', 'newc', '--quiet'], cwd=src,
                       input=('\n'.join(names) + '\n').encode(), stdout=subprocess.PIPE,
                       check=True)
    gz = gzip.compress(r.stdout, mtime=0)
    with open(os.path.join(work, 'initramfs.cpio.gz'), 'wb') as f:
        f.write(gz)


def make_fit(work, parts, src_initramfs):
    rnd = random.Random(0x4b45524e)
    with open(os.path.join(work, 'kernel.bin'), 'wb') as f:
        f.write(b'fwguard kernel stand-in, not a Linux kernel\n'.ljust(64, b'\0'))
        f.write(rnd.randbytes(256 * 1024))
    with open(os.path.join(work, 'board.dts'), 'w') as f:
        f.write(board_dts(parts))
    run(['dtc', '-I', 'dts', '-O', 'dtb', '-o', os.path.join(work, 'board.dtb'),
         os.path.join(work, 'board.dts')])
    make_initramfs(work, src_initramfs)
    with open(os.path.join(work, 'fit.its'), 'w') as f:
        f.write(FIT_ITS)
    env = dict(os.environ, SOURCE_DATE_EPOCH='1700000000')
    run(['mkimage', '-f', 'fit.its', 'fit.itb'], cwd=work, env=env)
    return open(os.path.join(work, 'fit.itb'), 'rb').read()


def make_squashfs(work, src, out_name='rofs.squashfs', comp='xz'):
    out = os.path.join(work, out_name)
    run(['mksquashfs', src, out, '-comp', comp, '-noappend', '-all-root', '-no-xattrs',
         '-mkfs-time', '0', '-all-time', '0', '-quiet', '-no-progress'])
    return open(out, 'rb').read()


def make_jffs2(work, src, out_name='rwfs.jffs2', erase='64KiB', endian='-l'):
    out = os.path.join(work, out_name)
    run(['mkfs.jffs2', endian, '-e', erase, '-U', '-r', src, '-o', out])
    return open(out, 'rb').read()


def make_ubi(work, fit, rofs, rwfs_src):
    ubifs = os.path.join(work, 'rwfs.ubifs')
    run(['mkfs.ubifs', '-m', '1', '-e', str(UBI_LEB), '-c', '256', '-x', 'lzo',
         '-r', rwfs_src, '-o', ubifs])
    with open(os.path.join(work, 'fit.itb'), 'wb') as f:
        f.write(fit)
    with open(os.path.join(work, 'rofs.squashfs'), 'wb') as f:
        f.write(rofs)
    cfg = f'''[kernel]
mode=ubi
image={work}/fit.itb
vol_id=0
vol_type=static
vol_name=kernel-{VERSION_ID}

[rofs]
mode=ubi
image={work}/rofs.squashfs
vol_id=1
vol_type=static
vol_name=rofs-{VERSION_ID}

[rwfs]
mode=ubi
image={ubifs}
vol_id=2
vol_type=dynamic
vol_size=6MiB
vol_name=rwfs
'''
    with open(os.path.join(work, 'ubinize.cfg'), 'w') as f:
        f.write(cfg)
    out = os.path.join(work, 'ubi.img')
    run(['ubinize', '-p', '64KiB', '-m', '1', '-s', '1', '-O', '64', '-o', out,
         os.path.join(work, 'ubinize.cfg')])
    return open(out, 'rb').read()


def place(img, off, data, slot):
    if len(data) > slot:
        sys.exit(f'part of 0x{len(data):x} bytes does not fit its 0x{slot:x}-byte slot')
    img[off:off + len(data)] = data


def sources(outdir):
    src = os.path.join(outdir, 'src')
    trees = {'rofs': os.path.join(src, 'rofs'), 'rwfs': os.path.join(src, 'rwfs'),
             'initramfs': os.path.join(src, 'initramfs')}
    if not os.path.isdir(src):
        make_tree(trees['rofs'], 1, files=120, big=2 * MIB)
        make_tree(trees['rwfs'], 2, files=25, elf=False)
        make_tree(trees['initramfs'], 3, files=10, elf=False, extras=False)
    return trees


def build(outdir, variant):
    os.makedirs(outdir, exist_ok=True)
    trees = sources(outdir)
    uboot = open(UBOOT_BIN, 'rb').read()
    meta = {'variant': variant, 'image_size': IMAGE_SIZE, 'provenance': provenance(),
            'trees': trees}
    with tempfile.TemporaryDirectory() as work:
        parts = {'custom': CUSTOM_64, 'ubi': UBI_64}.get(variant, STATIC_64)
        dt_parts = parts
        fit = make_fit(work, dt_parts, trees['initramfs'])
        env = make_env(work)
        rofs = make_squashfs(work, trees['rofs'])
        img = bytearray(b'\xff' * IMAGE_SIZE)
        slots = {n: (o, s) for n, o, s in parts}
        place(img, 0, uboot, slots['u-boot'][1])
        place(img, slots['u-boot-env'][0], env, slots['u-boot-env'][1])
        contents = {'u-boot': 'u-boot', 'u-boot-env': 'uboot_env'}
        if variant == 'ubi':
            ubi = make_ubi(work, fit, rofs, trees['rwfs'])
            place(img, slots['ubi'][0], ubi, slots['ubi'][1])
            contents['ubi'] = 'ubi'
            meta['ubi_volumes'] = [f'kernel-{VERSION_ID}', f'rofs-{VERSION_ID}', 'rwfs']
        else:
            rwfs = make_jffs2(work, trees['rwfs'])
            place(img, slots['kernel'][0], fit, slots['kernel'][1])
            place(img, slots['rofs'][0], rofs, slots['rofs'][1])
            place(img, slots['rwfs'][0], rwfs, slots['rwfs'][1])
            contents.update(kernel='fit', rofs='squashfs', rwfs='jffs2')
        meta['partitions'] = [{'name': n, 'offset': o, 'size': s, 'content': contents[n]}
                              for n, o, s in parts]
        meta['layout'] = 'ubi' if variant == 'ubi' else 'static'
        meta['layout_source'] = 'device-tree' if variant != 'ubi' else 'known-offsets'
        meta['fit_size'] = len(fit)
        meta['rofs_size'] = len(rofs)
    name = os.path.join(outdir, f'openbmc-{variant}.bin')
    with open(name, 'wb') as f:
        f.write(img)
    meta['image'] = name
    with open(name[:-4] + '.json', 'w') as f:
        json.dump(meta, f, indent=1)
    return meta


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('outdir')
    ap.add_argument('--variant', choices=['static', 'custom', 'ubi', 'all'], default='all')
    args = ap.parse_args()
    for v in (['static', 'custom', 'ubi'] if args.variant == 'all' else [args.variant]):
        meta = build(args.outdir, v)
        print(meta['image'])


if __name__ == '__main__':
    main()
