#!/usr/bin/env python3
"""`fwguard vulndb import` and `fwguard scan --vulndb` end to end.

Imports the shipped demo feeds (rules/vulndb: NVD CVE JSON 2.0 and OSV)
into a database under directories that do not exist yet, imports again
(idempotent), refuses broken feeds with the file, line and column, then
scans squashfs images built here with mksquashfs: a seeded one (BusyBox
1.20.0, OpenSSL 1.0.1f) must give exactly its four CVEs, a clean one
(BusyBox 1.36.1, OpenSSL 3.0.13) none; a missing --vulndb fails the scan.
Usage: vulndb_test.py FWGUARD SOURCE_ROOT
"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

FWGUARD = sys.argv[1]
SRC = sys.argv[2]
FEEDS = [os.path.join(SRC, 'rules/vulndb/demo-nvd.json'),
         os.path.join(SRC, 'rules/vulndb/demo-osv.json')]
SEEDED_CVES = {'CVE-2022-48174', 'CVE-2021-42386', 'CVE-2014-0160', 'CVE-2016-2107'}
passed = failed = 0


def run(*args):
    return subprocess.run([FWGUARD, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def check(name, cond, detail=''):
    global passed, failed
    if cond:
        passed += 1
        print(f'ok   {name}')
    else:
        failed += 1
        print(f'FAIL {name} {detail}')


def counts(db):
    con = sqlite3.connect(db)
    try:
        return (con.execute('SELECT count(*) FROM vulns').fetchone()[0],
                con.execute('SELECT count(*) FROM ranges').fetchone()[0])
    finally:
        con.close()


def write(root, path, data, mode=0o644):
    full = os.path.join(root, path.lstrip('/'))
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, 'wb') as f:
        f.write(data)
    os.chmod(full, mode)


def image(work, name, busybox, openssl):
    root = os.path.join(work, name)
    write(root, '/bin/busybox', b'\x7fjunk\0BusyBox v' + busybox +
          b' (2012-01-01 00:00:00 UTC) multi-call binary\0', 0o755)
    write(root, '/usr/lib/libssl.so', os.urandom(2000) + b'\0OpenSSL ' + openssl +
          b' 30 Jan 2024\0' + os.urandom(2000))
    out = os.path.join(work, name + '.sqfs')
    subprocess.run(['mksquashfs', root, out, '-noappend', '-quiet', '-all-root'], check=True,
                   stdout=subprocess.DEVNULL)
    return out


def scan(img, db):
    r = run('scan', '--format', 'json', '--vulndb', db, img)
    if r.returncode not in (0, 1):
        raise RuntimeError(f'scan exit {r.returncode}: {r.stderr.decode()}')
    return json.loads(r.stdout)


def vuln_findings(doc):
    return [f for f in doc.get('findings', []) if f.get('rule') == 'vuln.cve']


def main():
    r = run('vulndb', '--help')
    if r.returncode != 0:
        print('SKIP: this fwguard has no vulndb command')
        return 77
    work = tempfile.mkdtemp(prefix='fwg_vulndb_')
    try:
        db = os.path.join(work, 'new', 'dir', 'vulndb.sqlite')
        r = run('vulndb', 'import', '--db', db, *FEEDS)
        check('import demo feeds', r.returncode == 0 and b'imported 11 vulnerabilities'
              in r.stderr, r.stderr)
        first = counts(db) if os.path.exists(db) else None
        r = run('vulndb', 'import', '--db', db, *reversed(FEEDS))
        check('re-import replaces records', r.returncode == 0 and counts(db) == first,
              f'{first} -> {counts(db)}')

        bad = os.path.join(work, 'broken.json')
        with open(bad, 'w') as f:
            f.write('{"vulnerabilities": [\n {"cve": {"id": "CVE-2000-0001"}},\n'
                    ' {"cve": {"id": "CVE-2000-0002", }}\n]}\n')
        r = run('vulndb', 'import', '--db', db, bad)
        check('broken feed refused with file, line and column', r.returncode != 0
              and b'broken.json: line 3, column' in r.stderr, r.stderr)
        check('broken feed imported nothing', counts(db) == first)
        lines = os.path.join(work, 'osv.jsonl')
        with open(lines, 'w') as f:
            f.write('{"id": "TEST-1", "affected": []}\n{"id": "TEST-2", "affected": []}\n')
        r = run('vulndb', 'import', '--db', db, lines)
        check('OSV JSON Lines', r.returncode == 0 and counts(db)[0] == first[0] + 2, r.stderr)

        if not shutil.which('mksquashfs'):
            print('SKIP: mksquashfs not installed, no scans')
        else:
            seeded = image(work, 'seeded', b'1.20.0', b'1.0.1f')
            doc = scan(seeded, db)
            found = vuln_findings(doc)
            cves = {f.get('cve') for f in found}
            names = {(s['name'], s.get('version')) for s in doc.get('software', [])}
            if ('busybox', '1.20.0') not in names:
                print(f'SKIP: the sbom engine did not identify busybox ({sorted(names)})')
            else:
                check('seeded image: exactly its CVEs', cves == SEEDED_CVES and
                      len(found) == len(SEEDED_CVES), sorted(cves))
                hb = [f for f in found if f.get('cve') == 'CVE-2014-0160']
                check('Heartbleed names its component and evidence', hb and
                      hb[0].get('fs_path') == '/usr/lib/libssl.so' and
                      'openssl 1.0.1f' in hb[0].get('evidence', '') and
                      hb[0].get('severity') == 'high', hb)
                bb = [f for f in found if f.get('cve') == 'CVE-2022-48174']
                refs = {s['ref']: s for s in doc['software']}
                check('busybox finding: critical, software ref, remediation', bb and
                      bb[0].get('severity') == 'critical' and
                      refs.get(bb[0].get('software'), {}).get('name') == 'busybox' and
                      '1.35.0' in bb[0].get('remediation', ''), bb)
                clean = image(work, 'clean', b'1.36.1', b'3.0.13')
                doc = scan(clean, db)
                check('clean image: no vulnerabilities', vuln_findings(doc) == [],
                      vuln_findings(doc))
                r = run('scan', '--format', 'sarif', '--vulndb', db, seeded)
                check('SARIF carries the CVEs', r.returncode in (0, 1) and
                      b'CVE-2014-0160' in r.stdout, r.stderr)
            r = run('scan', '--vulndb', os.path.join(work, 'missing.sqlite'), seeded)
            check('missing --vulndb fails the scan', r.returncode not in (0, 1) and
                  b'missing.sqlite' in r.stderr, r.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f'{passed} passed, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
