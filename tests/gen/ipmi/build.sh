#!/bin/sh
# build.sh OUTDIR - builds the AMI MegaRAC-style IPMI test libraries with
# Debian's cross compilers (gcc-arm-linux-gnueabihf, gcc-aarch64-linux-gnu),
# hardened as a vendor build should be (the elf engine reports nothing for
# them):
#
#   OUTDIR/<arch>/<variant>/libipmimsghndlr.so
#   OUTDIR/<arch>/<variant>/libipmipdkcmds.so
#
#   arch:    arm (ARM32, REL: R_ARM_RELATIVE / R_ARM_ABS32)
#            aarch64 (RELA: R_AARCH64_RELATIVE / R_AARCH64_ABS64)
#   variant: vuln     YAFU flash commands (NetFn 0x32, 0x22-0x24) ENABLED
#            patched  the same commands DISABLED in Netfntbl
#            legacy   (arm only) vulnerable, older layouts: 12-byte
#                     CmdHndlrMap_T without the interface mask, 2-byte
#                     NetFnCmds_T
#
# Environment: ARM_CC, AARCH64_CC override the compilers.  Stable interface:
# other tests (the seeded BMC image) call it.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
out=$1
src=$(cd "$(dirname "$0")" && pwd)
ARM_CC=${ARM_CC:-arm-linux-gnueabihf-gcc}
AARCH64_CC=${AARCH64_CC:-aarch64-linux-gnu-gcc}
flags="-shared -fPIC -O2 -fstack-protector-strong -D_FORTIFY_SOURCE=2 -Wall -Wextra -Werror
	-Wl,-z,relro,-z,now -Wl,-z,noexecstack"

build() { # cc arch variant extra-cflags...
	cc=$1 arch=$2 variant=$3
	shift 3
	dir=$out/$arch/$variant
	mkdir -p "$dir"
	# shellcheck disable=SC2086
	$cc $flags "$@" -Wl,-soname,libipmimsghndlr.so -o "$dir/libipmimsghndlr.so" \
		"$src/libipmimsghndlr.c"
	# shellcheck disable=SC2086
	$cc $flags "$@" -Wl,-soname,libipmipdkcmds.so -o "$dir/libipmipdkcmds.so" \
		"$src/libipmipdkcmds.c"
}

for arch in arm aarch64; do
	if [ $arch = arm ]; then cc=$ARM_CC; else cc=$AARCH64_CC; fi
	build "$cc" $arch vuln -DYAFU_STATUS=ENABLED
	build "$cc" $arch patched -DYAFU_STATUS=DISABLED
done
build "$ARM_CC" arm legacy -DYAFU_STATUS=ENABLED -DAMI_LEGACY
