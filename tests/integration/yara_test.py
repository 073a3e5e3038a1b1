#!/usr/bin/env python3
"""The yara engine end to end: user rules from --rules directories, the
filepath external, the shipped pack on planted indicators inside
filesystems built with the real tools (mksquashfs, cpio), compile errors,
and zero findings from the shipped pack on Debian's real firmware.

Usage: yara_test.py FWGUARD SOURCE_ROOT
"""
import glob
import re
import json
import os
import shutil
import subprocess
import sys
import tempfile

FWGUARD = sys.argv[1]
ROOT = sys.argv[2]
os.environ['PATH'] += os.pathsep + '/usr/sbin' + os.pathsep + '/sbin'

for tool in ['mksquashfs', 'cpio', 'openssl', 'gcc']:
    if not shutil.which(tool):
        print(f'SKIP: {tool} not installed')
        sys.exit(77)

passed = failed = 0


def check(name, cond, detail=''):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f'FAIL: {name} {detail}')


def run(*args):
    return subprocess.run([FWGUARD, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True)


def yara_findings(image, *extra):
    """(rule, fs_path or path) of the yara findings, and the findings."""
    r = run('scan', '--engines', 'yara', '--format', 'json', *extra, image)
    if r.returncode != 0:
        check(f'scan {image} exits 0', False, f'{r.returncode}: {r.stderr.strip()[:400]}')
        return set(), []
    found = [f for f in json.loads(r.stdout)['findings'] if f['engine'] == 'yara']
    return {(f['rule'], f.get('fs_path') or f['path']) for f in found}, found


MARKER = b'FWG-YARA-TEST-MARKER-7d41'

USER_RULES = r'''
rule planted_marker
{
	meta:
		description = "the planted test marker"
		severity = "low"
	strings:
		$m = "FWG-YARA-TEST-MARKER-7d41"
	condition:
		$m
}

rule planted_marker_usr_bin
{
	meta:
		description = "the planted test marker, only under /usr/bin"
		severity = "critical"
		confidence = "high"
		cve = "CVE-2000-0001"
		remediation = "remove it"
	strings:
		$m = "FWG-YARA-TEST-MARKER-7d41"
	condition:
		$m and filepath startswith "/usr/bin/" and filetype == "file"
}
'''

# A second directory (its own namespace): a rule with the name of one in the
# first directory (still one finding per rule and file), one named like a
# shipped rule, and one that tests the filekind external.
USER_RULES_2 = r'''
rule planted_marker
{
	strings:
		$m = "FWG-YARA-TEST-MARKER-7d41"
	condition:
		$m
}

rule bmc_telnetd_shell_backdoor
{
	condition:
		false
}

rule marker_in_text
{
	meta:
		severity = "info"
	strings:
		$m = "FWG-YARA-TEST-MARKER-7d41"
	condition:
		$m and filekind == "config"
}
'''

BACKDOOR_C = r'''
#include <stdlib.h>
int main(int argc, char **argv)
{
	(void)argv;
	if (argc > 3)
		return system("/usr/sbin/telnetd -l /bin/sh -p 2323");
	return 0;
}
'''

TELNET_INIT = b'#!/bin/sh\n/usr/sbin/telnetd -l /bin/sh &\n'


def build_root(work):
    root = os.path.join(work, 'root')
    for d in ['usr/bin', 'usr/sbin', 'opt', 'etc/pki', 'etc/init.d',
              'usr/share/fwguard/rules/yara']:
        os.makedirs(os.path.join(root, d), exist_ok=True)

    def write(path, data, mode=0o644):
        p = os.path.join(root, path.lstrip('/'))
        with open(p, 'wb') as f:
            f.write(data)
        os.chmod(p, mode)

    blob = os.urandom(3000) + b'\0' + MARKER + b'\0' + os.urandom(2000)
    write('/usr/bin/tool', blob, 0o755)
    write('/opt/tool2', os.urandom(500) + b'\0' + MARKER + b'\0', 0o755)
    write('/etc/notes.txt', b'notes\n' + MARKER + b'\n')
    # A DER certificate with the AMI test PK subject (PKfail).
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes',
                    '-keyout', os.path.join(work, 'pk.key'), '-subj',
                    '/CN=DO NOT TRUST - AMI Test PK', '-days', '30', '-outform', 'DER',
                    '-out', os.path.join(root, 'etc/pki/pk.der')],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # An ELF with a hard-coded telnetd shell; the same line in an init
    # script is the config engine's, not yara's.
    src = os.path.join(work, 'bd.c')
    with open(src, 'w') as f:
        f.write(BACKDOOR_C)
    subprocess.run(['gcc', '-O1', '-o', os.path.join(root, 'usr/sbin/debugd'), src],
                   check=True)
    write('/etc/init.d/S50telnet', TELNET_INIT, 0o755)
    # fwguard's own rule pack inside the image must not match itself.
    for y in glob.glob(os.path.join(ROOT, 'rules', 'yara', '*.yar')):
        shutil.copy(y, os.path.join(root, 'usr/share/fwguard/rules/yara'))
    return root


def main():
    work = tempfile.mkdtemp(prefix='fwg-yara-')
    try:
        root = build_root(work)
        rules = os.path.join(work, 'rules')
        rules2 = os.path.join(work, 'rules2')
        os.makedirs(rules)
        os.makedirs(rules2)
        with open(os.path.join(rules, 'planted.yar'), 'w') as f:
            f.write(USER_RULES)
        with open(os.path.join(rules, 'README.txt'), 'w') as f:
            f.write('not a rule file: ignored\n')
        with open(os.path.join(rules2, 'text.yara'), 'w') as f:
            f.write(USER_RULES_2)

        sqfs = os.path.join(work, 'rootfs.squashfs')
        subprocess.run(['mksquashfs', root, sqfs, '-noappend', '-all-root', '-comp', 'xz',
                        '-quiet'], check=True, stdout=subprocess.DEVNULL)
        cpio_img = os.path.join(work, 'rootfs.cpio')
        names = subprocess.run(['find', '.'], cwd=root, check=True, stdout=subprocess.PIPE)
        with open(cpio_img, 'wb') as out:
            subprocess.run(['cpio', '-o', '-H', 'newc', '--quiet'], cwd=root, check=True,
                           input=names.stdout, stdout=out)

        expected = {
            ('yara.planted_marker', '/usr/bin/tool'),
            ('yara.planted_marker', '/opt/tool2'),
            ('yara.planted_marker', '/etc/notes.txt'),
            ('yara.planted_marker_usr_bin', '/usr/bin/tool'),
            ('yara.marker_in_text', '/etc/notes.txt'),
            ('yara.secureboot_pkfail_do_not_trust', '/etc/pki/pk.der'),
            ('yara.bmc_telnetd_shell_backdoor', '/usr/sbin/debugd'),
        }
        for label, image in [('squashfs', sqfs), ('cpio', cpio_img)]:
            got, found = yara_findings(image, '--rules', rules, '--rules', rules2)
            check(f'{label}: exactly the planted findings', got == expected,
                  f'missing {sorted(expected - got)} unexpected {sorted(got - expected)}')
            check(f'{label}: one finding per rule and file', len(found) == len(expected),
                  str(len(found)))
            crit = [f for f in found if f['rule'] == 'yara.planted_marker_usr_bin']
            check(f'{label}: meta carried into the finding', len(crit) == 1 and
                  crit[0]['severity'] == 'critical' and crit[0]['confidence'] == 'high' and
                  crit[0].get('cve') == 'CVE-2000-0001' and
                  crit[0].get('remediation') == 'remove it', json.dumps(crit))
            check(f'{label}: evidence names string, offset and excerpt', crit and
                  crit[0].get('evidence', '').startswith('$m at 0xbb9: FWG-YARA-TEST-MARKER'),
                  json.dumps(crit))
            pk = [f for f in found if f['rule'] == 'yara.secureboot_pkfail_do_not_trust']
            check(f'{label}: PKfail finding names the CVE', pk and
                  pk[0].get('cve') == 'CVE-2024-8105' and pk[0]['severity'] == 'high',
                  json.dumps(pk))
            # The shipped pack alone: only the PKfail certificate and the
            # ELF backdoor (not the init script, not the rule files).
            got, _ = yara_findings(image)
            check(f'{label}: shipped pack alone', got == {
                ('yara.secureboot_pkfail_do_not_trust', '/etc/pki/pk.der'),
                ('yara.bmc_telnetd_shell_backdoor', '/usr/sbin/debugd')}, str(sorted(got)))

        # Compile errors: exit status 6 and file:line: message.
        bad = os.path.join(work, 'bad')
        os.makedirs(bad)
        with open(os.path.join(bad, 'broken.yar'), 'w') as f:
            f.write('rule ok { condition: true }\n\nrule broken {\n  strings: $a = "x"\n'
                    '  condition: $b\n}\n')
        r = run('scan', '--rules', bad, '--engines', 'yara', sqfs)
        check('syntax error exits 6', r.returncode == 6, f'{r.returncode} {r.stderr}')
        check('syntax error names file:line', re.search(
            re.escape(os.path.join(bad, 'broken.yar')) + r':\d+: undefined string', r.stderr),
            r.stderr)
        r = run('scan', '--rules', os.path.join(work, 'missing'), '--engines', 'yara', sqfs)
        check('missing rules dir exits 6', r.returncode == 6 and 'missing' in r.stderr,
              f'{r.returncode} {r.stderr}')
        # An undefined external is a compile error too.
        with open(os.path.join(bad, 'broken.yar'), 'w') as f:
            f.write('rule x { condition: nosuchvar == "a" }\n')
        r = run('scan', '--rules', bad, '--engines', 'yara', sqfs)
        check('undefined identifier exits 6', r.returncode == 6 and ':1:' in r.stderr,
              f'{r.returncode} {r.stderr}')

        # The shipped pack on Debian's real firmware: nothing at all.
        firmware = (glob.glob('/usr/share/OVMF/*.fd') +
                    glob.glob('/usr/share/qemu-efi-aarch64/QEMU_EFI.fd') +
                    glob.glob('/usr/share/seabios/*.bin') +
                    glob.glob('/usr/lib/ipxe/qemu/*.rom'))
        check('Debian firmware present', len(firmware) >= 4, str(firmware))
        for fw in firmware:
            got, _ = yara_findings(fw)
            check(f'clean: {fw}', not got, str(sorted(got)))

        # User rules see UEFI modules: the GUID external and PE32 images.
        uefi = os.path.join(work, 'uefi')
        os.makedirs(uefi)
        with open(os.path.join(uefi, 'uefi.yar'), 'w') as f:
            f.write('rule pe_in_module { meta: severity = "info" condition: '
                    'uint16(0) == 0x5A4D and filetype == "pe32" and guid != "" }\n')
        ovmf = '/usr/share/OVMF/OVMF_CODE_4M.fd'
        if os.path.exists(ovmf):
            _, found = yara_findings(ovmf, '--rules', uefi)
            check('OVMF: every PE32 module seen once', len(found) >= 100 and
                  len({f['path'] for f in found}) == len(found), str(len(found)))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f'{passed} passed, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
