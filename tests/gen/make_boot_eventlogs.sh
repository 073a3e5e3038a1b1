#!/usr/bin/env bash
# Makes REAL TPM 2.0 measured-boot event logs for fwguard's event-log parser,
# PCR replay and policy tests: Debian's OVMF boots Debian's kernel in
# qemu-system-x86_64 (TCG) with swtpm as the TPM 2.0, and a tiny busybox
# initramfs (bootlog_init.sh) prints the firmware log and tpm2_pcrread's YAML
# of the same TPM, in the same boot, on the serial console.
#
#   make_boot_eventlogs.sh OUTDIR [SCENARIO...]   generate (all scenarios if none given)
#   make_boot_eventlogs.sh --key                  print the cache key and exit
#
# Scenarios: plain secureboot cmdline optionrom.  Per scenario OUTDIR/<name>/:
#   binary_bios_measurements        the firmware event log (securityfs, crypto-agile)
#   pcrs.yaml                       tpm2_pcrread YAML of every active bank, from the guest
#   ima_binary_runtime_measurements the kernel IMA log (IMA extends PCR10, not the firmware)
#   tpm2_eventlog.yaml              tpm2_eventlog's reading of the log, as an oracle
#   console.log                     the whole serial console (CRs removed)
#   provenance.json                 QEMU argv, package versions, hashes, timing, facts
# OUTDIR/stamp holds the cache key (sha256 of these scripts and the versions of
# the packages that shape the logs) and the scenarios made under it: when the
# key matches and covers the requested scenarios, nothing runs and exit is 0.
#
# Environment: BOOTLOG_KERNEL (default: newest /boot/vmlinuz-*),
# BOOTLOG_TIMEOUT seconds per boot (default 600).  Needs swtpm, swtpm-tools,
# tpm2-tools, qemu-system-x86, ovmf, ipxe-qemu, busybox-static, sbsigntool,
# cpio, python3.  Made to run as root (CI); nothing needs KVM.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
self=$here/$(basename "${BASH_SOURCE[0]}")
init_script=$here/bootlog_init.sh
all_scenarios=(plain secureboot cmdline optionrom)
boot_timeout=${BOOTLOG_TIMEOUT:-600}
ovmf_dir=/usr/share/OVMF
snakeoil_key=/usr/share/ovmf/PkKek-1-snakeoil.key
snakeoil_cert=/usr/share/ovmf/PkKek-1-snakeoil.pem
optionrom=/usr/lib/ipxe/qemu/efi-virtio.rom
# The same command line for every scenario but "cmdline", which appends one word.
base_append="console=ttyS0 panic=-1 quiet"
cmdline_extra="fwguard.test=1"

die() {
	echo "make_boot_eventlogs: $*" >&2
	exit 1
}

usage() {
	echo "usage: $0 OUTDIR [SCENARIO...] | --key   (scenarios: ${all_scenarios[*]})" >&2
	exit 2
}

kernel=${BOOTLOG_KERNEL:-}
if [[ -z $kernel ]]; then
	kernel=$(find /boot -maxdepth 1 -name 'vmlinuz-*' | sort -V | tail -n 1)
fi
[[ -n $kernel && -f $kernel ]] || die "no kernel image (install linux-image-amd64 or set BOOTLOG_KERNEL)"

# Versions of everything that changes the bytes of the logs or the PCRs.
package_versions() {
	local kpkg
	kpkg=$(dpkg-query -S "$kernel" 2>/dev/null | cut -d: -f1 || true)
	dpkg-query -W ovmf qemu-system-x86 swtpm swtpm-tools linux-image-amd64 tpm2-tools \
		busybox-static ipxe-qemu sbsigntool ${kpkg:+"$kpkg"}
}

cache_key() {
	{
		sha256sum "$self" "$init_script" | cut -d' ' -f1
		package_versions
		echo "kernel $kernel"
	} | sha256sum | cut -d' ' -f1
}

[[ $# -ge 1 ]] || usage
if [[ $1 == --key ]]; then
	cache_key
	exit 0
fi
[[ $1 != -* ]] || usage
outdir=$1
shift
if [[ $# -gt 0 ]]; then
	requested=("$@")
else
	requested=("${all_scenarios[@]}")
fi
for s in "${requested[@]}"; do
	[[ " ${all_scenarios[*]} " == *" $s "* ]] || die "unknown scenario '$s' (known: ${all_scenarios[*]})"
done

for tool in swtpm swtpm_setup qemu-system-x86_64 tpm2_eventlog sbsign cpio gzip python3 timeout; do
	command -v "$tool" >/dev/null || die "missing tool: $tool"
done
[[ -x /bin/busybox ]] && /bin/busybox --list | grep -qx ash || die "missing busybox-static (/bin/busybox)"
[[ -x /usr/bin/tpm2 ]] || die "missing /usr/bin/tpm2 (tpm2-tools)"

key=$(cache_key)
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
stamp=$outdir/stamp

# A scenario counts as made when the stamp lists it and its files are there.
scenario_complete() {
	local d=$outdir/$1 f
	for f in binary_bios_measurements pcrs.yaml console.log provenance.json tpm2_eventlog.yaml; do
		[[ -s $d/$f ]] || return 1
	done
}

done_scenarios=()
if [[ -f $stamp ]] && [[ $(sed -n 's/^key=//p' "$stamp") == "$key" ]]; then
	read -r -a done_scenarios <<<"$(sed -n 's/^scenarios=//p' "$stamp")"
else
	# Another key: every old scenario is stale, whatever is requested now.
	rm -f "$stamp"
	for s in "${all_scenarios[@]}"; do
		rm -rf "${outdir:?}/$s"
	done
fi
todo=()
for s in "${requested[@]}"; do
	if [[ " ${done_scenarios[*]} " == *" $s "* ]] && scenario_complete "$s"; then
		continue
	fi
	todo+=("$s")
done
if [[ ${#todo[@]} -eq 0 ]]; then
	echo "make_boot_eventlogs: $outdir is up to date (key $key)"
	exit 0
fi

work=$(mktemp -d /tmp/fwguard-bootlogs.XXXXXX)
swtpm_pid=
qemu_pid=
cleanup() {
	local rc=$?
	if [[ -n $qemu_pid ]] && kill -0 "$qemu_pid" 2>/dev/null; then
		kill "$qemu_pid" 2>/dev/null || true
		wait "$qemu_pid" 2>/dev/null || true
	fi
	if [[ -n $swtpm_pid ]] && kill -0 "$swtpm_pid" 2>/dev/null; then
		kill "$swtpm_pid" 2>/dev/null || true
		wait "$swtpm_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- initramfs
# Copies a file to the same path under the initramfs root, following links.
copy_in() {
	local root=$1 src=$2
	mkdir -p "$root$(dirname "$src")"
	cp -L "$src" "$root$src"
}

# Copies an ELF and every shared library ldd names for it (and the loader).
copy_with_libs() {
	local root=$1 bin=$2 lib
	copy_in "$root" "$bin"
	while read -r lib; do
		[[ -n $lib ]] && copy_in "$root" "$lib"
	done < <(ldd "$bin" | awk '/=> \// { print $3 } /^\t\// { print $1 }')
}

build_initramfs() {
	local root=$work/initramfs out=$1 tcti
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc}
	cp /bin/busybox "$root/bin/busybox"
	install -m 0755 "$init_script" "$root/init"
	copy_with_libs "$root" /usr/bin/tpm2
	ln -s tpm2 "$root/usr/bin/tpm2_pcrread"
	ln -s tpm2 "$root/usr/bin/tpm2_getcap"
	# tctildr dlopen()s the device TCTI by name; ldd cannot see it.
	tcti=$(readlink -f /usr/lib/x86_64-linux-gnu/libtss2-tcti-device.so.0)
	copy_with_libs "$root" "$tcti"
	cp -L "$tcti" "$root/usr/lib/x86_64-linux-gnu/libtss2-tcti-device.so.0"
	ln -sf libtss2-tcti-device.so.0 "$root/usr/lib/x86_64-linux-gnu/libtss2-tcti-device.so"
	# Debian's ldd names /lib/x86_64-linux-gnu; keep /usr/lib working too.
	if [[ -d $root/lib/x86_64-linux-gnu ]]; then
		cp -a "$root/usr/lib/x86_64-linux-gnu/." "$root/lib/x86_64-linux-gnu/"
		rm -rf "$root/usr/lib/x86_64-linux-gnu"
		ln -s ../../lib/x86_64-linux-gnu "$root/usr/lib/x86_64-linux-gnu"
	fi
	# The initrd is measured by the EFI stub (PCR9): make it byte-reproducible.
	find "$root" -exec touch -h -d @0 {} +
	(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc --reproducible -R 0:0) | gzip -9 -n >"$out"
}

# ---------------------------------------------------------------- one boot
# Prints the lines strictly between the BEGIN and END markers of a block.
extract_block() { # NAME FILE
	awk -v b="-----BEGIN FWGUARD $1-----" -v e="-----END FWGUARD $1-----" \
		'$0 == e { f = 0; n++ } f { print } $0 == b { f = 1 } END { exit n == 1 ? 0 : 1 }' "$2"
}

marker_value() { # NAME FILE
	sed -n "s/^FWGUARD-$1 //p" "$2" | head -n 1
}

# Waits for swtpm's control socket (swtpm creates it before it listens).
wait_for_socket() {
	local sock=$1 i
	for i in $(seq 1 100); do
		[[ -S $sock ]] && return 0
		kill -0 "$swtpm_pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

run_scenario() {
	local name=$1 initrd=$2
	local sdir=$work/$name dst=$outdir/$name
	local st=$sdir/tpmstate sock=$sdir/swtpm.sock
	local machine=q35 code=$ovmf_dir/OVMF_CODE_4M.fd vars=$ovmf_dir/OVMF_VARS_4M.fd
	local kimg=$kernel append=$base_append
	local -a extra=(-nic none)
	mkdir -p "$sdir" "$st"

	case $name in
	plain) ;;
	secureboot)
		# Debian's secboot build needs SMM and a secure pflash; its snakeoil
		# vars enrol PK/KEK/db from PkKek-1-snakeoil.pem, so the kernel is
		# re-signed with that key (replacing Debian's signature).
		machine=q35,smm=on
		code=$ovmf_dir/OVMF_CODE_4M.secboot.fd
		vars=$ovmf_dir/OVMF_VARS_4M.snakeoil.fd
		extra+=(-global driver=cfi.pflash01,property=secure,value=on)
		kimg=$sdir/vmlinuz.snakeoil
		sbattach --remove "$kernel" --output "$sdir/vmlinuz.unsigned" >/dev/null 2>&1 ||
			cp "$kernel" "$sdir/vmlinuz.unsigned"
		sbsign --key "$snakeoil_key" --cert "$snakeoil_cert" --output "$kimg" \
			"$sdir/vmlinuz.unsigned" >"$sdir/sbsign.log" 2>&1 || {
			cat "$sdir/sbsign.log" >&2
			die "sbsign failed"
		}
		sbverify --cert "$snakeoil_cert" "$kimg" >/dev/null 2>&1 || die "signed kernel does not verify"
		;;
	cmdline) append="$base_append $cmdline_extra" ;;
	optionrom)
		extra=(-netdev user,id=n0 -device "virtio-net-pci,netdev=n0,romfile=$optionrom")
		[[ -f $optionrom ]] || die "missing $optionrom (ipxe-qemu)"
		;;
	esac
	[[ -f $code && -f $vars ]] || die "missing OVMF files $code $vars"
	cp "$vars" "$sdir/vars.fd"

	swtpm_setup --tpm2 --tpmstate "$st" --pcr-banks sha1,sha256,sha384,sha512 \
		>"$sdir/swtpm_setup.log" 2>&1 || {
		cat "$sdir/swtpm_setup.log" >&2
		die "swtpm_setup failed"
	}
	swtpm socket --tpm2 --tpmstate dir="$st" --ctrl type=unixio,path="$sock" \
		--terminate --log file="$sdir/swtpm.log" &
	swtpm_pid=$!
	wait_for_socket "$sock" || die "swtpm did not start (see $sdir/swtpm.log)"

	local -a qemu=(qemu-system-x86_64
		-machine "$machine" -accel tcg -m 512 -smp 1 -nographic -no-reboot
		-drive "if=pflash,format=raw,unit=0,readonly=on,file=$code"
		-drive "if=pflash,format=raw,unit=1,file=$sdir/vars.fd"
		-chardev "socket,id=chrtpm,path=$sock"
		-tpmdev emulator,id=tpm0,chardev=chrtpm
		-device tpm-tis,tpmdev=tpm0
		"${extra[@]}"
		-kernel "$kimg" -initrd "$initrd" -append "$append")

	echo "make_boot_eventlogs: booting $name (timeout ${boot_timeout}s)"
	local t0 t1 rc=0
	t0=$(date +%s.%N)
	timeout "$boot_timeout" "${qemu[@]}" </dev/null >"$sdir/console.raw" 2>"$sdir/qemu.stderr" &
	qemu_pid=$!
	wait "$qemu_pid" || rc=$?
	qemu_pid=
	t1=$(date +%s.%N)
	# --terminate: swtpm leaves once QEMU closes the socket.
	local i
	for i in $(seq 1 50); do
		kill -0 "$swtpm_pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$swtpm_pid" 2>/dev/null; then
		kill "$swtpm_pid" 2>/dev/null || true
	fi
	wait "$swtpm_pid" 2>/dev/null || true
	swtpm_pid=

	tr -d '\r' <"$sdir/console.raw" >"$sdir/console.log"
	local seconds
	seconds=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
	if [[ $rc -ne 0 ]] || ! grep -qx 'FWGUARD-DONE' "$sdir/console.log"; then
		tail -n 40 "$sdir/console.log" >&2 || true
		cat "$sdir/qemu.stderr" >&2 || true
		die "$name: boot failed (qemu exit $rc after ${seconds}s)"
	fi
	echo "make_boot_eventlogs: $name booted in ${seconds}s"

	# Cut the blocks out of the console and check them against the guest's hashes.
	extract_block EVENTLOG "$sdir/console.log" | base64 -d >"$sdir/binary_bios_measurements" ||
		die "$name: no event log block"
	local want got
	want=$(marker_value EVENTLOG-SHA256 "$sdir/console.log")
	got=$(sha256sum "$sdir/binary_bios_measurements" | cut -d' ' -f1)
	[[ $want == "$got" ]] || die "$name: event log garbled on the console ($got != $want)"
	extract_block PCRS "$sdir/console.log" >"$sdir/pcrs.yaml" || die "$name: no PCR block"
	grep -q '^  sha256:' "$sdir/pcrs.yaml" || die "$name: pcrs.yaml has no sha256 bank"
	local ima_sha=
	if extract_block IMA "$sdir/console.log" >"$sdir/ima.b64"; then
		base64 -d "$sdir/ima.b64" >"$sdir/ima_binary_runtime_measurements"
		ima_sha=$(sha256sum "$sdir/ima_binary_runtime_measurements" | cut -d' ' -f1)
		[[ $ima_sha == "$(marker_value IMA-SHA256 "$sdir/console.log")" ]] ||
			die "$name: IMA log garbled on the console"
	fi
	tpm2_eventlog "$sdir/binary_bios_measurements" >"$sdir/tpm2_eventlog.yaml" 2>"$sdir/tpm2_eventlog.err" || {
		cat "$sdir/tpm2_eventlog.err" >&2
		die "$name: tpm2_eventlog cannot read the log"
	}
	local sb
	sb=$(marker_value SECUREBOOT "$sdir/console.log")
	if [[ $name == secureboot ]]; then
		[[ $sb == 1 ]] || die "secureboot: the guest reports SecureBoot=$sb"
		# OVMF falls back to its legacy Linux loader when verification fails,
		# so a boot alone proves nothing: db must have authorised the kernel.
		grep -q 'EV_EFI_VARIABLE_AUTHORITY' "$sdir/tpm2_eventlog.yaml" ||
			die "secureboot: no EV_EFI_VARIABLE_AUTHORITY event, the kernel was not verified"
	fi

	# Provenance, then the scenario replaces its old copy in OUTDIR.
	local stage=$outdir/.$name.new
	rm -rf "$stage"
	mkdir -p "$stage"
	cp "$sdir/binary_bios_measurements" "$sdir/pcrs.yaml" "$sdir/console.log" \
		"$sdir/tpm2_eventlog.yaml" "$stage/"
	[[ -z $ima_sha ]] || cp "$sdir/ima_binary_runtime_measurements" "$stage/"
	package_versions >"$sdir/versions.txt"
	PROV_SCENARIO=$name PROV_SECONDS=$seconds PROV_SB=$sb PROV_KEY=$key \
		PROV_KERNEL=$kernel PROV_KIMG=$kimg PROV_INITRD=$initrd PROV_CODE=$code \
		PROV_VARS=$vars PROV_VERSIONS=$sdir/versions.txt PROV_DIR=$stage \
		PROV_TPMDEV=$(marker_value TPMDEV "$sdir/console.log") \
		PROV_PCRSEL=$(marker_value PCRSEL "$sdir/console.log") \
		PROV_CMDLINE=$(marker_value CMDLINE "$sdir/console.log") \
		python3 - "${qemu[@]}" <<'PY'
import hashlib, json, os, sys
e = os.environ
d = e["PROV_DIR"]
def sha(p):
    with open(p, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()
versions = {}
with open(e["PROV_VERSIONS"]) as f:
    for line in f:
        pkg, _, ver = line.rstrip("\n").partition("\t")
        versions[pkg] = ver
files = {n: sha(os.path.join(d, n)) for n in sorted(os.listdir(d))}
prov = {
    "scenario": e["PROV_SCENARIO"],
    "generator": "tests/gen/make_boot_eventlogs.sh",
    "cache_key": e["PROV_KEY"],
    "boot_seconds": float(e["PROV_SECONDS"]),
    "qemu_argv": sys.argv[1:],
    "note_paths": "paths under /tmp/fwguard-bootlogs.* were the generator's temporary work directory",
    "kernel": {"path": e["PROV_KERNEL"], "sha256": sha(e["PROV_KERNEL"]),
               "booted_image_sha256": sha(e["PROV_KIMG"])},
    "initrd_sha256": sha(e["PROV_INITRD"]),
    "ovmf_code": {"path": os.path.realpath(e["PROV_CODE"]), "sha256": sha(e["PROV_CODE"])},
    "ovmf_vars_template": {"path": e["PROV_VARS"], "sha256": sha(e["PROV_VARS"])},
    "kernel_cmdline_in_guest": e["PROV_CMDLINE"],
    "secureboot_variable": e["PROV_SB"],
    "tpm": {"emulator": "swtpm socket --tpm2 (fresh state)", "qemu_device": "tpm-tis",
            "allocated_banks": ["sha1", "sha256", "sha384", "sha512"],
            "guest_device": e["PROV_TPMDEV"], "pcrread_selection": e["PROV_PCRSEL"]},
    "pcr10_note": "PCR10 is extended by the kernel's IMA (boot_aggregate and any IMA "
                  "measurements), not by the firmware: it is absent from "
                  "binary_bios_measurements and cannot be replayed from it. "
                  "ima_binary_runtime_measurements is the IMA log of the same boot.",
    "package_versions": versions,
    "files_sha256": files,
}
with open(os.path.join(d, "provenance.json"), "w") as f:
    json.dump(prov, f, indent=2, sort_keys=True)
    f.write("\n")
PY
	rm -rf "${outdir:?}/$name"
	mv "$stage" "$outdir/$name"
}

write_stamp() {
	local tmp=$stamp.tmp
	{
		echo "key=$key"
		echo "scenarios=${done_scenarios[*]}"
	} >"$tmp"
	mv "$tmp" "$stamp"
}

echo "make_boot_eventlogs: building the initramfs"
build_initramfs "$work/initramfs.cpio.gz"
for s in "${todo[@]}"; do
	run_scenario "$s" "$work/initramfs.cpio.gz"
	if [[ " ${done_scenarios[*]} " != *" $s "* ]]; then
		done_scenarios+=("$s")
	fi
	write_stamp
done
echo "make_boot_eventlogs: done (${todo[*]}) in $outdir"
