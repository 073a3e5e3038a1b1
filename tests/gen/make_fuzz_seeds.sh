#!/usr/bin/env bash
# Builds small samples of every BMC-side format with the real Debian tools,
# as seed corpora for the fuzz smoke run (scripts/run-tests.sh).  Nothing
# here is committed: the samples are made fresh each run.
#   make_fuzz_seeds.sh OUTDIR
# Tools: squashfs-tools, mtd-utils, util-linux-extra (mkfs.cramfs), u-boot-tools,
# device-tree-compiler, cpio, tar, gzip, xz-utils, zstd, lz4, bzip2, lzop.
set -u
out=$1
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tree=$work/tree
mkdir -p "$tree/etc/init.d" "$tree/bin" "$tree/empty"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$tree/etc/passwd"
printf '#!/bin/sh\necho start\n' >"$tree/etc/init.d/rcS"
chmod 755 "$tree/etc/init.d/rcS"
head -c 9000 /dev/urandom >"$tree/bin/blob"
cp /bin/true "$tree/bin/true" 2>/dev/null
ln -s ../etc/passwd "$tree/bin/link"
ln "$tree/etc/passwd" "$tree/etc/passwd.hard"
: >"$tree/emptyfile"
q() { "$@" >/dev/null 2>&1; }

for c in gzip xz lzo zstd lz4; do
	q mksquashfs "$tree" "$out/squashfs-$c.sqfs" -comp "$c" -noappend -all-root
done
# Uncompressed metadata and fragments reach the squashfs parsers directly.
q mksquashfs "$tree" "$out/squashfs-raw.sqfs" -noI -noD -noF -noX -b 4096 -noappend -all-root
q mksquashfs "$tree" "$out/squashfs-frag.sqfs" -comp gzip -b 4096 -always-use-fragments -noappend -all-root
q mkfs.cramfs "$tree" "$out/cramfs.img"
q mkfs.cramfs -N big -z "$tree" "$out/cramfs-be-holes.img"
q mkfs.cramfs -p "$tree" "$out/cramfs-padded.img"
q mkfs.jffs2 -r "$tree" -o "$out/jffs2-le.img" -l -e 0x10000
q mkfs.jffs2 -r "$tree" -o "$out/jffs2-be.img" -b -e 0x10000 -X lzo
q mkfs.ubifs -r "$tree" -m 512 -e 15360 -c 64 -x lzo -o "$work/rwfs.ubifs"
cp "$work/rwfs.ubifs" "$out/ubifs-lzo.img" 2>/dev/null
cat >"$work/ubi.cfg" <<CFG
[rofs]
mode=ubi
image=$out/squashfs-xz.sqfs
vol_id=0
vol_type=static
vol_name=rofs
[rwfs]
mode=ubi
image=$work/rwfs.ubifs
vol_id=1
vol_type=dynamic
vol_size=600KiB
vol_name=rwfs
CFG
q ubinize -o "$out/ubi.img" -p 16KiB -m 512 -s 512 "$work/ubi.cfg"
(cd "$tree" && find . | cpio -o -H newc 2>/dev/null >"$out/newc.cpio")
(cd "$tree" && find . | cpio -o -H odc 2>/dev/null >"$out/odc.cpio")
tar -C "$tree" -cf "$out/gnu.tar" .
tar -C "$tree" --format=pax -cf "$out/pax.tar" .
gzip -c "$out/newc.cpio" >"$out/newc.cpio.gz"
xz -c "$out/gnu.tar" >"$out/gnu.tar.xz"
xz --format=lzma -c "$out/gnu.tar" >"$out/gnu.tar.lzma"
zstd -q -c "$out/gnu.tar" >"$out/gnu.tar.zst"
lz4 -q -c "$out/gnu.tar" >"$out/gnu.tar.lz4"
lz4 -q -l -c "$out/gnu.tar" >"$out/gnu.tar.lz4legacy"
bzip2 -c "$out/gnu.tar" >"$out/gnu.tar.bz2"
lzop -c "$out/gnu.tar" >"$out/gnu.tar.lzo" 2>/dev/null
head -c 20000 /dev/urandom >"$work/kernel"
q mkimage -A arm -O linux -T kernel -C none -a 0x80008000 -e 0x80008000 -n seed -d "$work/kernel" "$out/uimage.img"
q mkimage -A arm -O linux -T multi -C none -n multi -d "$work/kernel:$out/newc.cpio" "$out/uimage-multi.img"
cat >"$work/seed.dts" <<DTS
/dts-v1/;
/ { model = "seed"; compatible = "fwguard,seed";
    flash { partitions { compatible = "fixed-partitions"; #address-cells = <1>; #size-cells = <1>;
        u-boot@0 { reg = <0x0 0x60000>; label = "u-boot"; };
        kernel@80000 { reg = <0x80000 0x440000>; label = "kernel"; }; }; }; };
DTS
q dtc -I dts -O dtb -o "$out/seed.dtb" "$work/seed.dts"
cat >"$work/fit.its" <<ITS
/dts-v1/;
/ { description = "seed"; #address-cells = <1>;
    images {
        kernel-1 { data = /incbin/("$work/kernel"); type = "kernel"; arch = "arm"; os = "linux";
            compression = "none"; load = <0x80008000>; entry = <0x80008000>;
            hash-1 { algo = "sha256"; }; hash-2 { algo = "crc32"; }; };
        fdt-1 { data = /incbin/("$out/seed.dtb"); type = "flat_dt"; arch = "arm"; compression = "none";
            hash-1 { algo = "sha1"; }; };
    };
    configurations { default = "conf-1"; conf-1 { kernel = "kernel-1"; fdt = "fdt-1"; }; };
};
ITS
q mkimage -f "$work/fit.its" "$out/fit.itb"
printf 'bootcmd=bootm 20080000\nbootargs=console=ttyS4,115200n8\nbaudrate=115200\n' >"$work/env.txt"
q mkenvimage -s 0x10000 -o "$out/env.bin" "$work/env.txt"
q mkenvimage -r -s 0x10000 -o "$out/env-redundant.bin" "$work/env.txt"
cp /bin/true "$out/host.elf" 2>/dev/null
printf '.text\n.global _start\n_start: mov r0, #0\n' >"$work/a.s"
q arm-linux-gnueabihf-as -o "$out/arm.o" "$work/a.s"
# What the analysis engines read: accounts, keys, certificates, service
# and sshd configuration, a handler-table library (tests/gen/ipmi).
sec=$work/sec
mkdir -p "$sec/etc/init.d" "$sec/etc/ssh" "$sec/etc/ssl/private" "$sec/usr/lib"
printf 'root:x:0:0:root:/root:/bin/sh\ntoor:x:0:0::/:/bin/sh\n' >"$sec/etc/passwd"
printf 'root:%s:19000:0:99999:7:::\nadmin::19000::::::\n' "$(openssl passwd -1 admin 2>/dev/null)" >"$sec/etc/shadow"
printf 'PermitRootLogin yes\nPasswordAuthentication yes\n' >"$sec/etc/ssh/sshd_config"
printf '::respawn:/bin/sh\n::sysinit:/usr/sbin/telnetd -l /bin/sh\n' >"$sec/etc/inittab"
printf '[smtp]\npassword=hunter2\n[snmp]\nrocommunity public\n' >"$sec/etc/bmc.conf"
q openssl req -x509 -newkey rsa:1024 -nodes -keyout "$sec/etc/ssl/private/k.pem" \
	-out "$sec/etc/ssl/cert.pem" -days 1 -subj "/CN=fuzz"
printf 'BusyBox v1.20.0 (2012-01-01) multi-call binary\0OpenSSL 1.0.1f 6 Jan 2014\0' >"$sec/usr/lib/libx.so"
[ -f tests/gen/ipmi/build.sh ] && q sh tests/gen/ipmi/build.sh "$work/ipmi" &&
	cp "$work"/ipmi/arm/vuln/*.so "$sec/usr/lib/" 2>/dev/null
(cd "$sec" && find . | cpio -o -H newc 2>/dev/null) >"$out/analysis.cpio"
# Keep the corpus small enough for libFuzzer's -max_len.
find "$out" -type f -size +1024k -delete
ls "$out" | wc -l
