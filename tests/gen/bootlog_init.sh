#!/bin/busybox sh
# shellcheck shell=bash
# /init of the tiny busybox initramfs that make_boot_eventlogs.sh boots under
# QEMU + OVMF + swtpm.  It prints, between marker lines on the serial console:
#   - the firmware's TPM 2.0 event log (securityfs binary_bios_measurements),
#     base64-encoded, and its sha256 as the guest saw it;
#   - the exact YAML of tpm2_pcrread for every active PCR bank, read from the
#     same TPM in the same boot;
#   - the kernel's IMA runtime log (IMA extends PCR10 outside the firmware log);
#   - Secure Boot and lockdown state and /proc/cmdline, facts for the provenance;
# then powers the VM off.  Any failure prints FWGUARD-FAIL and powers off too,
# so the host never waits for its timeout.
set -eu -o pipefail

/bin/busybox mkdir -p /bin /sbin /usr/bin /usr/sbin /proc /sys /dev /tmp
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
export LD_LIBRARY_PATH=/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu

finish() {
	rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "FWGUARD-FAIL rc=$rc"
	fi
	sync
	poweroff -f
}
trap finish EXIT

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t securityfs securityfs /sys/kernel/security
mount -t tmpfs tmpfs /tmp
# Kernel messages must not interleave with the marked blocks on ttyS0.
dmesg -n 1

# The TPM driver probes before /init runs, but give devtmpfs a moment.
tpmdev=
i=0
while [ $i -lt 50 ]; do
	for d in /dev/tpmrm0 /dev/tpm0; do
		if [ -c "$d" ]; then
			tpmdev=$d
			break 2
		fi
	done
	sleep 0.2
	i=$((i + 1))
done
if [ -z "$tpmdev" ]; then
	echo "FWGUARD-ERROR no TPM character device"
	exit 3
fi
echo "FWGUARD-TPMDEV $tpmdev"
echo "FWGUARD-CMDLINE $(cat /proc/cmdline)"

# Secure Boot as the kernel saw it (efivarfs is a module in Debian's kernel;
# the boot log line needs none): "enabled", "disabled" or "could not be ...".
sb=$(dmesg | sed -n 's/.*secureboot: Secure boot //p' | head -n 1)
echo "FWGUARD-SECUREBOOT ${sb:-unknown}"
if [ -f /sys/kernel/security/lockdown ]; then
	echo "FWGUARD-LOCKDOWN $(cat /sys/kernel/security/lockdown)"
fi

log=/sys/kernel/security/tpm0/binary_bios_measurements
cp "$log" /tmp/eventlog.bin
echo "FWGUARD-EVENTLOG-SHA256 $(sha256sum /tmp/eventlog.bin | cut -d' ' -f1)"
echo "-----BEGIN FWGUARD EVENTLOG-----"
base64 /tmp/eventlog.bin
echo "-----END FWGUARD EVENTLOG-----"

# Banks with at least one selected PCR are the active ones; tpm2_getcap lists
# allocated-but-inactive banks with an empty selection "[ ]".
tpm2_getcap -T "device:$tpmdev" pcrs >/tmp/pcrcaps.yaml
sel=$(awk '/^ *- *sha[0-9]+ *: *\[ *[0-9]/ { b = $2; sub(/:$/, "", b); s = s (s ? "+" : "") b ":all" } END { print s }' /tmp/pcrcaps.yaml)
if [ -z "$sel" ]; then
	echo "FWGUARD-ERROR no active PCR bank"
	cat /tmp/pcrcaps.yaml
	exit 4
fi
echo "FWGUARD-PCRSEL $sel"
tpm2_pcrread -T "device:$tpmdev" "$sel" >/tmp/pcrs.yaml
echo "-----BEGIN FWGUARD PCRS-----"
cat /tmp/pcrs.yaml
echo "-----END FWGUARD PCRS-----"

ima=/sys/kernel/security/ima/binary_runtime_measurements
if [ -f "$ima" ]; then
	cp "$ima" /tmp/ima.bin
	echo "FWGUARD-IMA-SHA256 $(sha256sum /tmp/ima.bin | cut -d' ' -f1)"
	echo "-----BEGIN FWGUARD IMA-----"
	base64 /tmp/ima.bin
	echo "-----END FWGUARD IMA-----"
fi

echo "FWGUARD-DONE"
