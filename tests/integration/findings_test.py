#!/usr/bin/env python3
"""The analysis engines end to end on BMC images seeded with known issues
(tests/gen/make_seeded_bmc.py, built at test time with Debian's tools and
cross compiler): fwguard scan must report exactly the seeded findings,
nothing on the clean image, only the IPMI command inventory on the patched
one; suppressions, --fail-on exit codes, text/json/sarif output and the
error paths (bad rules dir, bad suppressions, missing database) behave.

Usage: findings_test.py FWGUARD
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, '..', '..'))
sys.path.insert(0, os.path.join(HERE, '..', 'gen'))
FWGUARD = sys.argv[1]

for tool in ['mkimage', 'mkenvimage', 'dtc', 'mksquashfs', 'mkfs.jffs2', 'openssl',
             'arm-linux-gnueabihf-gcc', 'cpio']:
    if not shutil.which(tool) and not os.path.exists('/usr/sbin/' + tool):
        print(f'SKIP: {tool} not installed')
        sys.exit(77)
if not os.path.exists('/usr/lib/u-boot/qemu_arm/u-boot.bin'):
    print('SKIP: u-boot-qemu not installed')
    sys.exit(77)
os.environ['PATH'] += os.pathsep + '/usr/sbin' + os.pathsep + '/sbin'

import make_seeded_bmc  # noqa: E402

passed = failed = 0


def check(name, cond, detail=''):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f'FAIL: {name} {detail}')


def run(*args, expect=None):
    r = subprocess.run([FWGUARD, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    if expect is not None and r.returncode != expect:
        print(f'FAIL: fwguard {" ".join(args)} exited {r.returncode}, expected {expect}: '
              f'{r.stderr.strip()[:400]}')
        global failed
        failed += 1
    return r


def scan_json(image, *extra):
    r = run('scan', '--format', 'json', *extra, image, expect=0)
    return json.loads(r.stdout) if r.returncode == 0 else {'findings': [], 'software': []}


def significant(doc):
    """(rule, fs_path) of the unsuppressed findings above info."""
    return {(f['rule'], f.get('fs_path') or f['path']) for f in doc['findings']
            if f['severity'] != 'info' and not f['suppressed']}


IPMI_LIBS = {'/usr/local/lib/libipmimsghndlr.so', '/usr/local/lib/libipmipdkcmds.so'}

with tempfile.TemporaryDirectory() as work:
    images = {v: make_seeded_bmc.build(work, v)['image'] for v in ('clean', 'patched', 'seeded')}
    db = os.path.join(work, 'vulndb.sqlite')
    feeds = sorted(glob.glob(os.path.join(ROOT, 'rules', 'vulndb', '*.json')))
    check('demo feeds shipped', len(feeds) >= 2, str(feeds))
    run('vulndb', 'import', '--db', db, *feeds, expect=0)
    common = ['--vulndb', db]

    # Clean: no finding at all, but the software is identified.
    clean = scan_json(images['clean'], *common)
    check('clean: no findings', clean['findings'] == [],
          json.dumps(clean['findings'][:5], indent=1))
    names = {(s['name'], s['version']) for s in clean['software']}
    check('clean: busybox identified', ('busybox', '1.36.1') in names, str(sorted(names)))
    check('clean: openssl identified', ('openssl', '3.0.13') in names, str(sorted(names)))
    run('scan', '--fail-on', 'low', *common, images['clean'], expect=0)

    # Patched: only the IPMI command inventory (info), no CVE-2023-34335.
    patched = scan_json(images['patched'], *common)
    rules = {f['rule'] for f in patched['findings']}
    check('patched: IPMI commands listed', 'ipmi.command' in rules, str(rules))
    check('patched: no CVE-2023-34335',
          not any(f.get('cve') == 'CVE-2023-34335' for f in patched['findings']))
    extra = {(r, p) for r, p in significant(patched) if p not in IPMI_LIBS or r != 'ipmi.no_privilege'}
    check('patched: nothing else above info', not extra, str(extra))
    yafu = [f for f in patched['findings'] if f['rule'] == 'ipmi.command' and f['netfn'] == 0x32
            and f['cmd'] in (0x22, 0x23, 0x24)]
    check('patched: YAFU commands present but disabled',
          len(yafu) == 3 and not any(f['enabled'] for f in yafu), json.dumps(yafu))

    # Seeded: exactly the seeds.
    seeded = scan_json(images['seeded'], *common)
    got = significant(seeded)
    expected = {
        ('account.default_password', '/etc/shadow'),
        ('key.private_key', '/etc/ssl/private/server.key'),
        ('service.telnetd', '/etc/init.d/S50telnet'),
        ('vuln.cve', '/bin/busybox'),
        ('vuln.cve', '/usr/lib/libcrypto.so.1.0.0'),
    }
    cve_libs = {p for r, p in got if r == 'ipmi.cve_2023_34335'}
    check('seeded: CVE-2023-34335 on the handler library', cve_libs and cve_libs <= IPMI_LIBS,
          str(cve_libs))
    rest = {(r, p) for r, p in got if not (p in IPMI_LIBS and r.startswith('ipmi.'))}
    check('seeded: exactly the seeded findings', rest == expected,
          f'missing {sorted(expected - rest)} unexpected {sorted(rest - expected)}')
    cves = {f['cve'] for f in seeded['findings'] if f['rule'] == 'vuln.cve'}
    check('seeded: Heartbleed matched', 'CVE-2014-0160' in cves, str(sorted(cves)))
    for f in seeded['findings']:
        if f['rule'] == 'vuln.cve':
            check('vuln finding names software and evidence',
                  f.get('software') and f.get('evidence') and f['cve'].startswith(('CVE-', 'GHSA', 'OSV')),
                  json.dumps(f))
    shadow = [f for f in seeded['findings'] if f['rule'] == 'account.default_password']
    check('default password evidence names the account',
          shadow and 'root' in shadow[0].get('evidence', '') + shadow[0]['message'],
          json.dumps(shadow))
    for f in seeded['findings']:
        for key in ('rule', 'severity', 'confidence', 'path', 'message', 'suppressed'):
            check(f'finding has {key}', key in f, json.dumps(f))

    # --fail-on: the seeded image has high and critical findings.
    run('scan', '--fail-on', 'critical', *common, images['seeded'], expect=1)
    run('scan', '--fail-on', 'high', *common, images['seeded'], expect=1)

    # Suppressions: the telnet finding accepted until a future date stays
    # visible as suppressed; an expired entry suppresses nothing and says so.
    sup = os.path.join(work, 'suppress.json')
    with open(sup, 'w') as f:
        json.dump({'suppressions': [
            {'rule': 'service.telnetd', 'path': '/etc/init.d/*', 'reason': 'lab units only',
             'expires': '2999-01-01'},
            {'rule': 'key.*', 'path': '*/server.key', 'reason': 'old exception',
             'expires': '2001-01-01'}]}, f)
    doc = scan_json(images['seeded'], *common, '--suppressions', sup)
    tel = [f for f in doc['findings'] if f['rule'] == 'service.telnetd']
    check('suppressed finding stays visible', tel and tel[0]['suppressed']
          and tel[0].get('suppress_reason') == 'lab units only', json.dumps(tel))
    key = [f for f in doc['findings'] if f['rule'] == 'key.private_key']
    check('expired suppression does not apply', key and not key[0]['suppressed'], json.dumps(key))
    check('expired suppression reported',
          any(f['rule'] == 'suppression.expired' for f in doc['findings']))
    # Only the telnet finding is suppressed: suppressing everything above
    # info leaves --fail-on passing.
    with open(sup, 'w') as f:
        json.dump({'suppressions': [{'rule': '*', 'reason': 'accepted for this test'}]}, f)
    run('scan', '--fail-on', 'low', *common, '--suppressions', sup, images['seeded'], expect=0)

    # Text and SARIF outputs.
    txt = run('scan', *common, images['seeded'], expect=0).stdout
    check('text lists findings', 'account.default_password' in txt and 'Findings:' in txt, txt[-800:])
    check('text lists IPMI table', 'Exposed IPMI commands' in txt, txt[-800:])
    sarif = run('scan', '--format', 'sarif', *common, images['seeded'], expect=0)
    if sarif.returncode == 0:
        s = json.loads(sarif.stdout)
        check('sarif version', s.get('version') == '2.1.0')
        results = s['runs'][0]['results']
        check('sarif has results', len(results) >= len(expected), str(len(results)))

    # Errors: unknown engine, unreadable suppressions, missing database,
    # a rules dir with a broken YARA rule.
    run('scan', '--engines', 'nope', images['clean'], expect=6)
    with open(sup, 'w') as f:
        f.write('{"suppressions": [ {"rule": "x"} ]}')
    r = run('scan', '--suppressions', sup, images['clean'], expect=6)
    check('suppression error is clear', 'reason' in r.stderr, r.stderr)
    r = run('scan', '--vulndb', os.path.join(work, 'missing.sqlite'), images['clean'], expect=6)
    check('missing database is named', 'missing.sqlite' in r.stderr, r.stderr)
    bad = os.path.join(work, 'badrules')
    os.makedirs(bad)
    with open(os.path.join(bad, 'broken.yar'), 'w') as f:
        f.write('rule broken { strings: $a = "x" condition: $b }\n')
    r = run('scan', '--rules', bad, images['clean'], expect=6)
    check('broken rule names its file', 'broken.yar' in r.stderr, r.stderr)

print(f'{passed} passed, {failed} failed')
sys.exit(1 if failed else 0)
