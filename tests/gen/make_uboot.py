#!/usr/bin/env python3
"""Builds U-Boot test images with the real Debian tools, at test time.

Used as a library by tests/integration/uboot_test.py; every builder writes
into a caller-given directory and returns the image path plus what went in
(payload bytes, names, addresses), so the test can compare fwguard's view
with the truth.

  legacy(d, comp)          mkimage -T ramdisk -C comp over a cpio archive
                           compressed by the matching tool (mkimage only
                           labels the data; U-Boot expects it compressed)
  multi(d, parts)          mkimage -T multi -d a:b:c
  script(d, text)          mkimage -T script
  fit(d, ...)              mkimage -f an .its with kernel (hashes crc32,
                           sha1, sha256), fdt and a compressed ramdisk;
                           external=True adds -E, signed=True signs the
                           configuration (and image_signed the kernel) with
                           an openssl-generated RSA key (mkimage -k -K -r)
  env(d, ...)              mkenvimage, single / redundant (-r) / big-endian
  dtb_partitions(d)        dtc over a flash layout with fixed-partitions

Helpers for hostile variants: uimage_header_crc() to re-seal a patched
legacy header, fdt_prop_value() to find a property value inside a blob.

Run directly (make_uboot.py OUTDIR) it writes one of each into OUTDIR.
"""
import os
import shutil
import struct
import subprocess
import sys
import zlib

TOOLS = ('mkimage', 'mkenvimage', 'dtc', 'openssl', 'cpio', 'gzip', 'bzip2', 'lzma',
         'lzop', 'lz4', 'zstd')

COMPRESSORS = {
    'gzip': (['gzip', '-9', '-n', '-c'], 'gz'),
    'bzip2': (['bzip2', '-9', '-c'], 'bz2'),
    'lzma': (['lzma', '-9', '-c'], 'lzma'),
    'lzo': (['lzop', '-9', '-c'], 'lzo'),
    'lz4': (['lz4', '-9', '-c'], 'lz4'),
    'zstd': (['zstd', '-19', '-q', '-c'], 'zst'),
}


def missing_tools():
    return [t for t in TOOLS if shutil.which(t) is None]


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def write(path, data):
    with open(path, 'wb') as f:
        f.write(data)
    return path


def read(path):
    with open(path, 'rb') as f:
        return f.read()


def cpio_tree(d, name='rootfs'):
    """The directory cpio_archive() packs: files with distinct modes, a
    subdirectory and a symlink."""
    return os.path.join(d, name + '.tree')


def cpio_archive(d, name='rootfs'):
    """A small newc archive made by cpio(1) from cpio_tree(d, name)."""
    root = cpio_tree(d, name)
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(os.path.join(root, 'etc'))
    os.makedirs(os.path.join(root, 'bin'))
    write(os.path.join(root, 'etc', 'passwd'), b'root:x:0:0:root:/root:/bin/sh\n')
    write(os.path.join(root, 'etc', 'shadow'), b'root:*:19000:0:99999:7:::\n')
    os.chmod(os.path.join(root, 'etc', 'shadow'), 0o600)
    write(os.path.join(root, 'init'), b'#!/bin/sh\nexec /sbin/init\n' + b'x' * 4000)
    os.chmod(os.path.join(root, 'init'), 0o755)
    write(os.path.join(root, 'bin', 'busybox'), b'\x7fELF' + bytes(range(256)) * 4)
    os.chmod(os.path.join(root, 'bin', 'busybox'), 0o755)
    os.symlink('busybox', os.path.join(root, 'bin', 'sh'))
    names = run(['find', '.', '-mindepth', '1'], cwd=root).stdout
    names = b'\n'.join(sorted(n[2:] for n in names.split(b'\n') if n)) + b'\n'
    return run(['cpio', '-o', '-H', 'newc', '--quiet'], input=names, cwd=root).stdout


def compress(data, comp):
    if comp == 'none':
        return data
    cmd, _ = COMPRESSORS[comp]
    return run(cmd, input=data).stdout


def legacy(d, comp, name=None, load=0x80008000, entry=0x80008000, payload=None,
           image_type='ramdisk'):
    payload = cpio_archive(d) if payload is None else payload
    name = name or 'rd-' + comp
    src = write(os.path.join(d, name + '.payload'), compress(payload, comp))
    out = os.path.join(d, name + '.uimg')
    run(['mkimage', '-A', 'arm', '-O', 'linux', '-T', image_type, '-C', comp,
         '-a', '%x' % load, '-e', '%x' % entry, '-n', name, '-d', src, out])
    return out, {'payload': payload, 'stored': read(src), 'name': name, 'load': load,
                 'entry': entry, 'comp': comp, 'type': image_type}


def multi(d, parts):
    paths = []
    for i, p in enumerate(parts):
        paths.append(write(os.path.join(d, 'part%d.bin' % i), p))
    out = os.path.join(d, 'multi.uimg')
    run(['mkimage', '-A', 'arm', '-O', 'linux', '-T', 'multi', '-C', 'none',
         '-a', '0', '-e', '0', '-n', 'multi', '-d', ':'.join(paths), out])
    return out


def script(d, text):
    src = write(os.path.join(d, 'boot.cmd'), text)
    out = os.path.join(d, 'boot.scr')
    run(['mkimage', '-A', 'arm', '-O', 'linux', '-T', 'script', '-C', 'none',
         '-n', 'boot script', '-d', src, out])
    return out


SIMPLE_DTS = '''/dts-v1/;
/ {
	model = "fwguard test board";
	compatible = "fwguard,test", "aspeed,ast2500";
	chosen { bootargs = "console=ttyS4,115200n8 root=/dev/ram rw"; };
};
'''

PARTITIONS_DTS = '''/dts-v1/;
/ {
	model = "fwguard test bmc";
	compatible = "fwguard,bmc";
	ahb { fmc { flash@0 { partitions {
		compatible = "fixed-partitions";
		#address-cells = <1>;
		#size-cells = <1>;
		u-boot@0 { reg = <0x0 0x60000>; label = "u-boot"; read-only; };
		u-boot-env@60000 { reg = <0x60000 0x20000>; label = "u-boot-env"; };
		kernel@80000 { reg = <0x80000 0x440000>; label = "kernel"; };
		rofs@4c0000 { reg = <0x4c0000 0x1740000>; label = "rofs"; };
		rwfs@1c00000 { reg = <0x1c00000 0x400000>; label = "rwfs"; };
	}; }; }; };
};
'''

PARTITIONS = [('u-boot', 0x0, 0x60000, True), ('u-boot-env', 0x60000, 0x20000, False),
              ('kernel', 0x80000, 0x440000, False), ('rofs', 0x4c0000, 0x1740000, False),
              ('rwfs', 0x1c00000, 0x400000, False)]


def dtc(d, name, source):
    src = write(os.path.join(d, name + '.dts'), source.encode())
    out = os.path.join(d, name + '.dtb')
    run(['dtc', '-q', '-I', 'dts', '-O', 'dtb', '-o', out, src])
    return out


def dtb_partitions(d):
    return dtc(d, 'layout', PARTITIONS_DTS)


def fit(d, name='fit', external=False, signed=False, image_signed=False,
        kernel_comp='none', ramdisk_comp='gzip'):
    """Kernel (random bytes, or compressed), fdt and ramdisk; three hash kinds."""
    d = os.path.abspath(d)  # dtc resolves /incbin/ from the .its directory
    kernel = os.urandom(3000) + b'KERNEL' * 500
    ramdisk = cpio_archive(d, name + '-rd')
    fdt = read(dtc(d, name + '-board', SIMPLE_DTS))
    kfile = write(os.path.join(d, name + '.kernel'), compress(kernel, kernel_comp))
    rfile = write(os.path.join(d, name + '.ramdisk'), compress(ramdisk, ramdisk_comp))
    ffile = write(os.path.join(d, name + '.fdt'), fdt)
    ksig = ('\t\t\tsignature-1 { algo = "sha256,rsa2048"; key-name-hint = "dev"; };\n'
            if image_signed else '')
    csig = ('\t\t\tsignature-1 { algo = "sha256,rsa2048"; key-name-hint = "dev";\n'
            '\t\t\t\tsign-images = "fdt", "kernel", "ramdisk"; };\n' if signed else '')
    its = f'''/dts-v1/;
/ {{
	description = "fwguard test FIT";
	#address-cells = <1>;
	images {{
		kernel-1 {{
			description = "test kernel";
			data = /incbin/("{kfile}");
			type = "kernel";
			arch = "arm";
			os = "linux";
			compression = "{kernel_comp}";
			load = <0x80008000>;
			entry = <0x80008000>;
			hash-1 {{ algo = "crc32"; }};
			hash-2 {{ algo = "sha1"; }};
			hash-3 {{ algo = "sha256"; }};
{ksig}		}};
		fdt-1 {{
			description = "test board";
			data = /incbin/("{ffile}");
			type = "flat_dt";
			arch = "arm";
			compression = "none";
			hash-1 {{ algo = "sha256"; }};
		}};
		ramdisk-1 {{
			description = "test ramdisk";
			data = /incbin/("{rfile}");
			type = "ramdisk";
			arch = "arm";
			os = "linux";
			compression = "{ramdisk_comp}";
			hash-1 {{ algo = "sha256"; }};
		}};
	}};
	configurations {{
		default = "conf-1";
		conf-1 {{
			description = "boot";
			kernel = "kernel-1";
			fdt = "fdt-1";
			ramdisk = "ramdisk-1";
{csig}		}};
	}};
}};
'''
    its_path = write(os.path.join(d, name + '.its'), its.encode())
    out = os.path.join(d, name + '.itb')
    cmd = ['mkimage']
    if external:
        cmd.append('-E')
    keys = None
    if signed or image_signed:
        keys = os.path.join(d, name + '-keys')
        os.makedirs(keys, exist_ok=True)
        run(['openssl', 'genrsa', '-out', os.path.join(keys, 'dev.key'), '2048'])
        run(['openssl', 'req', '-batch', '-new', '-x509', '-key',
             os.path.join(keys, 'dev.key'), '-subj', '/CN=fwguard test',
             '-out', os.path.join(keys, 'dev.crt')])
        ctl = write(os.path.join(d, name + '-u-boot.dtb'), read(dtc(d, name + '-ctl', SIMPLE_DTS)))
        cmd += ['-k', keys, '-K', ctl, '-r']
    cmd += ['-f', its_path, out]
    run(cmd)
    info = {'kernel': kernel, 'ramdisk': ramdisk, 'fdt': fdt, 'kernel_comp': kernel_comp,
            'ramdisk_comp': ramdisk_comp, 'stored_kernel': read(kfile),
            'stored_ramdisk': read(rfile)}
    if keys:
        info['control_dtb'] = os.path.join(d, name + '-u-boot.dtb')
    return out, info


ENV_VARS = [('bootcmd', 'bootm 20080000'),
            ('bootargs', 'console=ttyS4,115200n8 root=/dev/ram rw'),
            ('bootdelay', '2'),
            ('ethaddr', '00:11:22:33:44:55'),
            ('board', 'fwguard')]


def env(d, name='env', size=0x10000, redundant=False, big=False, variables=ENV_VARS):
    src = write(os.path.join(d, name + '.txt'),
                ''.join(f'{k}={v}\n' for k, v in variables).encode())
    out = os.path.join(d, name + '.bin')
    cmd = ['mkenvimage', '-s', '0x%x' % size, '-o', out]
    if redundant:
        cmd.append('-r')
    if big:
        cmd.append('-b')
    run(cmd + [src])
    return out


# ---- hostile-variant helpers ----------------------------------------------

def uimage_header_crc(header):
    h = bytearray(header[:64])
    h[4:8] = b'\0\0\0\0'
    return zlib.crc32(bytes(h)) & 0xffffffff


def reseal_uimage(blob, fix_data_crc=True):
    """Recomputes the data CRC (over what ih_size says, as far as present)
    and the header CRC after a patch."""
    b = bytearray(blob)
    size = struct.unpack('>I', b[12:16])[0]
    if fix_data_crc:
        b[24:28] = struct.pack('>I', zlib.crc32(bytes(b[64:64 + size])) & 0xffffffff)
    b[4:8] = struct.pack('>I', uimage_header_crc(b))
    return bytes(b)


def fdt_prop_value(blob, path, prop):
    """Offset and length of a property value in a device tree blob."""
    off_struct, off_strings = struct.unpack('>II', blob[8:16])
    pos, stack = off_struct, []
    want = [p for p in path.split('/') if p]
    while True:
        tag = struct.unpack('>I', blob[pos:pos + 4])[0]
        pos += 4
        if tag == 1:
            end = blob.index(b'\0', pos)
            stack.append(blob[pos:end].decode())
            pos = (end + 4) & ~3
        elif tag == 2:
            stack.pop()
        elif tag == 3:
            ln, nameoff = struct.unpack('>II', blob[pos:pos + 8])
            pos += 8
            s = off_strings + nameoff
            pname = blob[s:blob.index(b'\0', s)].decode()
            if stack[1:] == want and pname == prop:
                return pos, ln
            pos = (pos + ln + 3) & ~3
        elif tag == 4:
            continue
        else:
            raise KeyError(f'{path}:{prop}')


def fdt_node_token(blob, path):
    """Offset of the BEGIN_NODE token of a node."""
    off_struct = struct.unpack('>I', blob[8:12])[0]
    pos, stack = off_struct, []
    want = [p for p in path.split('/') if p]
    while True:
        tag = struct.unpack('>I', blob[pos:pos + 4])[0]
        start = pos
        pos += 4
        if tag == 1:
            end = blob.index(b'\0', pos)
            stack.append(blob[pos:end].decode())
            if stack[1:] == want:
                return start
            pos = (end + 4) & ~3
        elif tag == 2:
            stack.pop()
        elif tag == 3:
            ln = struct.unpack('>I', blob[pos:pos + 4])[0]
            pos = (pos + 8 + ln + 3) & ~3
        elif tag == 4:
            continue
        else:
            raise KeyError(path)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else '.'
    os.makedirs(out, exist_ok=True)
    for comp in ['none'] + list(COMPRESSORS):
        print(legacy(out, comp)[0])
    print(multi(out, [b'a' * 100, b'b' * 7, b'c' * 33]))
    print(script(out, b'echo hello\n'))
    print(fit(out)[0])
    print(fit(out, name='fit-ext', external=True)[0])
    print(fit(out, name='fit-signed', signed=True, image_signed=True)[0])
    print(env(out))
    print(env(out, name='env-redundant', redundant=True))
    print(dtb_partitions(out))


if __name__ == '__main__':
    main()
