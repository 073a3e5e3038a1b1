#!/usr/bin/env python3
"""expected_test.py - expected changes in `fwguard diff`: a newer vendor
release held in the baseline (or given with --expect) explains a change,
and a key-rotation allowlist explains a Secure Boot database update.

Images: Debian's OVMF_VARS_4M.ms.fd and the db update planted into it by
tests/gen/make_uefi_implants.py (vars_db.fd), standing for two vendor
releases.

Usage: expected_test.py FWGUARD
"""
import json
import os
import subprocess
import sys
import tempfile

FWGUARD = os.path.abspath(sys.argv[1])
GEN = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'gen')
VARS = '/usr/share/OVMF/OVMF_VARS_4M.ms.fd'
failures = []


def check(ok, what):
    print(f'{"ok  " if ok else "FAIL"} {what}')
    if not ok:
        failures.append(what)


def fwg(*args):
    return subprocess.run([FWGUARD, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True)


def diff(*args):
    r = fwg('diff', '--format', 'json', '--insecure-unsigned', *args)
    try:
        return json.loads(r.stdout), r.returncode
    except json.JSONDecodeError:
        return {'changes': [], 'summary': {}, 'error': r.stderr}, r.returncode


def classes(doc):
    return sorted((c['class'], c['type'], c['name']) for c in doc['changes'])


def main():
    with tempfile.TemporaryDirectory(prefix='fwg-expected-') as d:
        subprocess.run([sys.executable, os.path.join(GEN, 'make_uefi_implants.py'), d],
                       check=True, stdout=subprocess.DEVNULL)
        new = os.path.join(d, 'vars_db.fd')
        v1, v2, both = (os.path.join(d, n) for n in ('v1.json', 'v2.json', 'both.json'))
        check(fwg('baseline', 'create', '--model', 'ovmf', '--release', '1', '--bios', VARS,
                  '-o', v1).returncode == 0, 'baseline of release 1')
        check(fwg('baseline', 'create', '--model', 'ovmf', '--release', '2', '--bios', new,
                  '-o', v2).returncode == 0, 'baseline of release 2')
        check(fwg('baseline', 'create', '--model', 'ovmf', '--release', '2', '--bios', new,
                  '--merge', v1, '--insecure-unsigned', '-o', both).returncode == 0,
              'release 2 merged into release 1')
        releases = [r['release'] for r in json.load(open(both))['releases']]
        check(releases == ['1', '2'], f'merged baseline holds releases 1 and 2 ({releases})')

        doc, rc = diff(v1, new)
        check(('critical', 'nvram_var', 'db') in classes(doc) and rc == 1,
              f'release 1 vs the db update: critical db change, exit 1 ({classes(doc)}, {rc})')

        doc, rc = diff(both, new)
        check(doc['changes'] == [] and rc == 0 and doc['old']['release'] == '2',
              f'two-release baseline: closest release 2 matches exactly ({classes(doc)}, '
              f'{doc["old"].get("release")}, exit {rc})')

        doc, rc = diff('--release', '1', both, new)
        expected = [c for c in doc['changes'] if c['class'] == 'expected']
        check(any(c['name'] == 'db' for c in expected) and rc == 0,
              f'--release 1: the db change is expected, explained by release 2 '
              f'({classes(doc)}, exit {rc})')
        check(doc.get('explained_by') == 'release 2 of model ovmf',
              f'explained_by names release 2 ({doc.get("explained_by")})')

        doc, rc = diff('--expect', v2, v1, new)
        check(all(c['class'] in ('expected', 'info') for c in doc['changes']) and rc == 0,
              f'--expect release 2: nothing left to alarm on ({classes(doc)}, exit {rc})')

        # Allowlist: the planted certificate's component hash as a rotation.
        scan = json.loads(fwg('scan', '--no-analysis', '--format', 'json', new).stdout)
        cert = [c for c in scan['components'] if c['type'] == 'certificate' and
                c['name'] == 'FwgImplant db key']
        check(len(cert) == 1, 'planted certificate found in the scan')
        allow = os.path.join(d, 'allow.json')
        json.dump({'key_rotations': [{'variable': 'db', 'certificate_sha256': cert[0]['sha256'],
                                      'note': 'test vendor CA rotation'}]}, open(allow, 'w'))
        doc, rc = diff('--allow', allow, v1, new)
        db = [c for c in doc['changes'] if c['name'] == 'db']
        check(len(db) == 1 and db[0]['class'] == 'expected' and rc == 0,
              f'allowlisted db rotation is expected ({classes(doc)}, exit {rc})')
        json.dump({'key_rotations': [{'variable': 'dbx', 'certificate_sha256': cert[0]['sha256']}]},
                  open(allow, 'w'))
        doc, rc = diff('--allow', allow, v1, new)
        check(any(c['name'] == 'db' and c['class'] == 'critical' for c in doc['changes']),
              'an allowlist entry for dbx does not excuse a db change')
        open(allow, 'w').write('{"key_rotations": [{"variable": "db"}]}')
        r = fwg('diff', '--insecure-unsigned', '--allow', allow, v1, new)
        check(r.returncode == 2 and 'key_rotations[0]' in r.stderr,
              f'a malformed allowlist is refused with its position ({r.returncode}: '
              f'{r.stderr.strip()[-120:]})')

        r = fwg('diff', v1, new)
        check(r.returncode == 7 and 'cannot be trusted' in r.stderr,
              f'an unsigned baseline without --trust is refused, exit 7 ({r.returncode})')

    print(f'{len(failures)} failure(s)')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
