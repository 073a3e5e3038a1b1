#!/usr/bin/env python3
"""End-to-end checks of the fwguard CLI on real firmware from Debian packages.

Covers: help for every command, documented exit codes, the man page being
in sync with the built-in help, the scan JSON contract (docs/json.md),
extraction safety (nothing written outside DIR, planted symlinks not
followed) and the content-addressed cache giving the same tree.
Usage: cli_test.py FWGUARD SOURCE_ROOT
"""
import json
import os
import re
import subprocess
import sys
import tempfile

FWGUARD = sys.argv[1]
SRC = sys.argv[2]
OVMF = '/usr/share/OVMF/OVMF_CODE_4M.fd'
VARS = '/usr/share/OVMF/OVMF_VARS_4M.ms.fd'
GUID_RE = re.compile(r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')
passed = failed = 0


def run(*args, **kw):
    return subprocess.run([FWGUARD, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          **kw)


def check(name, cond, detail=''):
    global passed, failed
    if cond:
        passed += 1
        print(f'ok   {name}')
    else:
        failed += 1
        print(f'FAIL {name} {detail}')


def test_help_and_exit_codes():
    r = run('--help')
    check('--help exits 0', r.returncode == 0 and b'Commands:' in r.stdout)
    for cmd in ('tree', 'scan', 'extract', 'help', 'version'):
        r = run(cmd, '--help') if cmd not in ('help', 'version') else run('help', cmd)
        check(f'{cmd} help', r.returncode == 0 and b'Usage:' in r.stdout, r.stderr)
    check('unknown command exits 2', run('frobnicate').returncode == 2)
    check('unknown option exits 2', run('scan', '--bogus', OVMF).returncode == 2)
    check('bad format exits 2', run('scan', '--format', 'xml', OVMF).returncode == 2)
    check('missing image exits 3', run('scan', '/nonexistent/image.fd').returncode == 3)
    with tempfile.NamedTemporaryFile() as empty:
        r = run('scan', empty.name)
        check('empty image exits 3 with a message', r.returncode == 3 and b'empty' in r.stderr)
    check('extract without -o exits 2', run('extract', OVMF).returncode == 2)


def test_manpage_in_sync():
    r = run('help', '--man')
    with open(os.path.join(SRC, 'docs/man/fwguard.1'), 'rb') as f:
        committed = f.read()
    check('docs/man/fwguard.1 matches `fwguard help --man`', r.stdout == committed,
          '(regenerate with: fwguard help --man > docs/man/fwguard.1)')


def scan_json(*extra, image=OVMF):
    r = run('scan', '--format', 'json', *extra, image)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_json_contract():
    doc = scan_json()
    check('top-level keys', set(doc) >= {'tool', 'version', 'image', 'components', 'anomalies'})
    check('image keys', set(doc['image']) >= {'path', 'size', 'sha256'})
    comps = doc['components']
    required = {'id', 'parent', 'type', 'name', 'guid', 'offset', 'size', 'sha256', 'path'}
    check('component keys', all(required <= set(c) for c in comps))
    check('ids are 0..n-1 in order', [c['id'] for c in comps] == list(range(len(comps))))
    check('parents precede children',
          all(c['parent'] is None or c['parent'] < c['id'] for c in comps))
    check('guids are lowercase 8-4-4-4-12',
          all(c['guid'] is None or GUID_RE.match(c['guid']) for c in comps))
    check('every component is hashed', all(re.match('^[0-9a-f]{64}$', c['sha256']) for c in comps))
    check('paths are unique', len({c['path'] for c in comps}) == len(comps))
    types = {c['type'] for c in comps}
    check('vocabulary types', types >= {'image', 'fv', 'ffs', 'section', 'pe32'}, types)
    check('image sha256 equals root hash', doc['image']['sha256'] == comps[0]['sha256'])
    import hashlib
    with open(OVMF, 'rb') as f:
        check('image sha256 is the file hash',
              hashlib.sha256(f.read()).hexdigest() == doc['image']['sha256'])
    names = {c['name'] for c in comps if c['type'] == 'ffs'}
    check('UI sections name files', {'PeiCore', 'DxeCore'} <= names)
    extra = scan_json('--hash', 'sha1,sha384')
    check('--hash adds sha1/sha384', all(len(c['sha1']) == 40 and len(c['sha384']) == 96
                                         for c in extra['components']))


def test_cache():
    with tempfile.TemporaryDirectory() as cache:
        first = scan_json('--cache', cache)
        second = scan_json('--cache', cache)
        hit = any(c.get('from_cache') for c in second['components'])
        check('cache is used on the second scan', hit)
        strip = lambda d: [{k: v for k, v in c.items() if k not in ('from_cache', 'abs_offset')}
                           for c in d['components']]
        check('cached tree equals the decoded tree', strip(first) == strip(second))
        plain = scan_json()
        check('cache-filling scan equals plain scan', strip(first) == strip(plain))


def test_extract_safety():
    with tempfile.TemporaryDirectory() as top:
        out = os.path.join(top, 'out')
        r = run('extract', VARS, '-o', out)
        check('extract exits 0', r.returncode == 0, r.stderr)
        check('manifest written', os.path.isfile(os.path.join(out, 'fwguard.json')))
        for root, dirs, files in os.walk(out):
            for n in dirs + files:
                p = os.path.realpath(os.path.join(root, n))
                if not p.startswith(os.path.realpath(out) + os.sep):
                    check('nothing outside DIR', False, p)
                    return
        check('nothing outside DIR', True)
        # Plant symlinks with every name extraction will use, pointing out.
        victim = os.path.join(top, 'victim')
        with open(victim, 'w') as f:
            f.write('untouched')
        out2 = os.path.join(top, 'out2')
        os.mkdir(out2)
        for n in os.listdir(out):
            os.symlink(victim if '.' in n else top, os.path.join(out2, n))
        run('extract', VARS, '-o', out2)
        with open(victim) as f:
            check('planted symlinks are not followed', f.read() == 'untouched')
        check('no file created next to DIR', sorted(os.listdir(top)) == ['out', 'out2', 'victim'])


def test_tree():
    r = run('tree', OVMF)
    check('tree exits 0', r.returncode == 0)
    check('tree shows PeiCore with offset and size',
          re.search(rb'ffs PeiCore \{52c05b14-0b98-496c-bc3b-04b50211d680\} @0x[0-9a-f]+ size 0x',
                    r.stdout) is not None)


for t in (test_help_and_exit_codes, test_manpage_in_sync, test_json_contract, test_cache,
          test_extract_safety, test_tree):
    try:
        t()
    except Exception as e:  # a crash in a test is a failure, not an abort
        check(t.__name__, False, repr(e))
print(f'{passed} passed, {failed} failed')
sys.exit(1 if failed else 0)
