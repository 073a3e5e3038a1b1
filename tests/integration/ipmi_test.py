#!/usr/bin/env python3
"""ipmi_test.py - the ipmi engine on AMI MegaRAC-style handler libraries
built at test time from tests/gen/ipmi (build.sh: Debian's
gcc-arm-linux-gnueabihf and gcc-aarch64-linux-gnu, hardened flags).

1. For ARM32 (REL relocations) and AArch64 (RELA), vulnerable and patched:
   the libraries packed in a squashfs (mksquashfs) and a cpio (GNU cpio);
   `fwguard scan --format json` lists exactly the commands the C source
   declares (netfn, cmd, privilege, enabled, handler, table), flags the
   privilege-0 commands that are not pre-session commands, reports
   CVE-2023-34335 on libipmimsghndlr.so for the vulnerable build only, and
   the elf engine reports nothing for these hardened libraries.
2. The legacy layouts (12-byte CmdHndlrMap_T, 2-byte NetFnCmds_T).
3. A stripped library (no .symtab): the tables are still found through
   .dynsym; local handlers are named by address, exported and imported
   ones by name.
4. A bare library as the scanned image (no filesystem).
5. Hostile input: garbage after a valid ELF header naming the tables,
   truncations and byte flips of a real library: no crash, valid JSON,
   no finding from garbage.
6. The CVE table is data: a user rule file (--rules) adds a rule.

Usage: ipmi_test.py FWGUARD SOURCE_ROOT
"""
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

FWGUARD = sys.argv[1]
SRC = sys.argv[2]
GEN = os.path.join(SRC, 'tests', 'gen', 'ipmi')

for tool in ('arm-linux-gnueabihf-gcc', 'aarch64-linux-gnu-gcc', 'mksquashfs', 'cpio',
             'arm-linux-gnueabihf-strip'):
    if not shutil.which(tool):
        print(f'SKIP: {tool} not installed')
        sys.exit(77)

passed = failed = 0


def check(name, cond, detail=''):
    global passed, failed
    if cond:
        passed += 1
        print(f'ok   {name}')
    else:
        failed += 1
        print(f'FAIL {name} {detail}')


# What the C sources declare (tests/gen/ipmi/*.c header comments):
# (library, netfn, cmd, privilege, handler, table)
MSG = 'libipmimsghndlr.so'
PDK = 'libipmipdkcmds.so'
DECLARED = [
    (MSG, 0x06, 0x01, 2, 'GetDevID', 'm_MsgHndlrTbl'),
    (MSG, 0x06, 0x02, 4, 'ColdReset', 'm_MsgHndlrTbl'),
    (MSG, 0x06, 0x38, 0, 'GetChAuthCap', 'm_MsgHndlrTbl'),
    (MSG, 0x0A, 0x10, 3, 'GetFRUAreaInfo', 'm_MsgHndlrTbl'),
    (MSG, 0x0A, 0x11, 2, 'ReadFRUData', 'm_MsgHndlrTbl'),
    (MSG, 0x32, 0x22, 4, 'AMIYAFUReadFlash', 'm_MsgHndlrTbl'),
    (MSG, 0x32, 0x23, 4, 'AMIYAFUWriteFlash', 'm_MsgHndlrTbl'),
    (MSG, 0x32, 0x24, 4, 'AMIYAFUEraseFlash', 'm_MsgHndlrTbl'),
    (MSG, 0x32, 0x70, 0, 'AMIGetFruDetails', 'm_MsgHndlrTbl'),
    (PDK, 0x2E, 0x01, 4, 'OemGetBoardInfo', 'oem_MsgHndlrTbl'),
    (PDK, 0x2E, 0x02, 0, 'OemSetLed', 'oem_MsgHndlrTbl'),
    (PDK, 0x30, 0x10, 0x81, 'OpmaGetSlotId', 'oem_MsgHndlrTbl'),
]
LOCAL_HANDLERS = {'GetDevID', 'GetChAuthCap', 'AMIGetFruDetails', 'OemGetBoardInfo'}
YAFU = {(0x32, 0x22), (0x32, 0x23), (0x32, 0x24)}
# CoreNetfntbl disables Cold Reset in every variant.
ALWAYS_DISABLED = {(0x06, 0x02)}
# Privilege 0, enabled, not a pre-session command of the IPMI spec.
NO_PRIV = {(0x32, 0x70), (0x2E, 0x02)}


def expected_commands(vulnerable, prefix='/usr/local/lib/'):
    out = set()
    for lib, nf, cmd, priv, handler, table in DECLARED:
        enabled = (nf, cmd) not in ALWAYS_DISABLED and (vulnerable or (nf, cmd) not in YAFU)
        out.add((prefix + lib, nf, cmd, priv, enabled, handler, table))
    return out


def scan(image, *extra):
    r = subprocess.run([FWGUARD, 'scan', '--format', 'json', '--engines', 'elf,ipmi', *extra,
                        image], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        return r.returncode, None, r.stderr
    return 0, json.loads(r.stdout), r.stderr


def commands(doc):
    return {(f.get('fs_path'), f['netfn'], f['cmd'], f['privilege'], f['enabled'], f['handler'],
             f['table']) for f in doc['findings'] if f['rule'] == 'ipmi.command'}


def pack(kind, libs, work, name):
    root = os.path.join(work, name + '.root')
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(os.path.join(root, 'usr/local/lib'))
    for lib in libs:
        shutil.copyfile(lib, os.path.join(root, 'usr/local/lib', os.path.basename(lib)))
        os.chmod(os.path.join(root, 'usr/local/lib', os.path.basename(lib)), 0o755)
    image = os.path.join(work, name + ('.sqfs' if kind == 'squashfs' else '.cpio'))
    if kind == 'squashfs':
        subprocess.run(['mksquashfs', root, image, '-noappend', '-quiet', '-all-root'],
                       check=True, stdout=subprocess.DEVNULL)
    else:
        files = subprocess.run(['find', '.'], cwd=root, check=True, stdout=subprocess.PIPE).stdout
        with open(image, 'wb') as f:
            subprocess.run(['cpio', '-o', '-H', 'newc', '--quiet'], cwd=root, input=files,
                           stdout=f, check=True)
    return image


def check_variant(label, doc, vulnerable):
    got = commands(doc)
    want = expected_commands(vulnerable)
    check(f'{label}: exact command list', got == want,
          f'missing {sorted(want - got)} unexpected {sorted(got - want)}')
    nopriv = {(f['netfn'], f['cmd']) for f in doc['findings'] if f['rule'] == 'ipmi.no_privilege'}
    check(f'{label}: no-privilege commands', nopriv == NO_PRIV, str(nopriv))
    sev = {f['severity'] for f in doc['findings'] if f['rule'] == 'ipmi.no_privilege'}
    check(f'{label}: no-privilege is medium', sev <= {'medium'}, str(sev))
    cve = [f for f in doc['findings'] if f.get('cve') == 'CVE-2023-34335']
    if vulnerable:
        check(f'{label}: CVE-2023-34335 once, on the handler library',
              len(cve) == 1 and cve[0]['rule'] == 'ipmi.cve_2023_34335'
              and cve[0]['severity'] == 'high' and cve[0]['fs_path'] == '/usr/local/lib/' + MSG
              and (cve[0]['netfn'], cve[0]['cmd']) in YAFU, json.dumps(cve))
        check(f'{label}: CVE evidence names the three commands',
              cve and all(f'cmd 0x{c:02x}' in cve[0].get('evidence', '') for c in (0x22, 0x23, 0x24)),
              json.dumps(cve))
    else:
        check(f'{label}: no CVE-2023-34335', not cve, json.dumps(cve))
    elf = [f for f in doc['findings'] if f['engine'] == 'elf']
    check(f'{label}: hardened libraries give no elf finding', not elf, json.dumps(elf))
    for f in doc['findings']:
        if f['rule'] == 'ipmi.command':
            check(f'{label}: command finding is info/high',
                  f['severity'] == 'info' and f['confidence'] == 'high', json.dumps(f))
            break


def test_variants(build, work):
    for arch in ('arm', 'aarch64'):
        for variant, vulnerable in (('vuln', True), ('patched', False)):
            libs = [os.path.join(build, arch, variant, n) for n in (MSG, PDK)]
            for kind in ('squashfs', 'cpio'):
                image = pack(kind, libs, work, f'{arch}-{variant}-{kind}')
                rc, doc, err = scan(image)
                label = f'{arch}/{variant}/{kind}'
                check(f'{label}: scan exits 0', rc == 0, err)
                if doc:
                    check_variant(label, doc, vulnerable)
    libs = [os.path.join(build, 'arm', 'legacy', n) for n in (MSG, PDK)]
    rc, doc, err = scan(pack('squashfs', libs, work, 'legacy'))
    check('legacy layouts: scan exits 0', rc == 0, err)
    if doc:
        check_variant('arm/legacy', doc, True)


def test_stripped(build, work):
    lib = os.path.join(work, MSG)
    shutil.copyfile(os.path.join(build, 'arm', 'vuln', MSG), lib)
    subprocess.run(['arm-linux-gnueabihf-strip', '--strip-all', lib], check=True)
    rc, doc, err = scan(pack('squashfs', [lib], work, 'stripped'))
    check('stripped: scan exits 0', rc == 0, err)
    if not doc:
        return
    got = {(f['netfn'], f['cmd']): f['handler'] for f in doc['findings'] if f['rule'] == 'ipmi.command'}
    want = {(nf, cmd): h for lib_, nf, cmd, _, h, _ in DECLARED if lib_ == MSG}
    check('stripped: every command found', set(got) == set(want), str(got))
    named = all(got.get(k) == h for k, h in want.items() if h not in LOCAL_HANDLERS)
    check('stripped: exported and imported handlers named', named, str(got))
    local = all(re.fullmatch(r'0x[0-9a-f]+', got.get(k, '')) for k, h in want.items()
                if h in LOCAL_HANDLERS)
    check('stripped: local handlers by address', local, str(got))
    # The pdk library is absent: no NetFnCmds gate, the YAFU commands are ungated.
    check('stripped: CVE without the gating library',
          any(f.get('cve') == 'CVE-2023-34335' for f in doc['findings']))


def test_bare(build):
    rc, doc, err = scan(os.path.join(build, 'aarch64', 'vuln', MSG))
    check('bare library: scan exits 0', rc == 0, err)
    if doc:
        cmds = {(f['netfn'], f['cmd']) for f in doc['findings'] if f['rule'] == 'ipmi.command'}
        check('bare library: commands listed', len(cmds) == 9, str(cmds))
        check('bare library: CVE reported', any(f.get('cve') == 'CVE-2023-34335'
                                                for f in doc['findings']))


def test_hostile(build, work):
    rng = random.Random(34335)
    # Garbage after a plausible ELF header, with the table names in it.
    for arch_hdr in (b'\x7fELF\x01\x01\x01' + bytes(9) + b'\x03\x00\x28\x00\x01\x00\x00\x00',
                     b'\x7fELF\x02\x01\x01' + bytes(9) + b'\x03\x00\xb7\x00\x01\x00\x00\x00'):
        blob = bytearray(arch_hdr + bytes(rng.randrange(256) for _ in range(8192)))
        blob[4000:4000] = b'm_MsgHndlrTbl\x00Netfntbl\x00CoreNetfntbl\x00'
        path = os.path.join(work, 'garbage.so')
        with open(path, 'wb') as f:
            f.write(blob)
        rc, doc, err = scan(pack('cpio', [path], work, 'garbage'))
        check('garbage ELF: no crash', rc == 0, err)
        check('garbage ELF: no finding', doc is not None and not doc['findings'],
              json.dumps(doc and doc['findings'])[:500])
    # Truncations and byte flips of the real libraries: any result, no crash.
    for arch in ('arm', 'aarch64'):
        data = open(os.path.join(build, arch, 'vuln', MSG), 'rb').read()
        bad = 0
        for i in range(24):
            mutated = bytearray(data[:rng.randrange(64, len(data))] if i % 3 == 0 else data)
            for _ in range(rng.randrange(1, 64)):
                mutated[rng.randrange(len(mutated))] = rng.randrange(256)
            path = os.path.join(work, f'mut{i}.so')
            with open(path, 'wb') as f:
                f.write(mutated)
            rc, doc, err = scan(path)
            if rc != 0 or doc is None:
                bad += 1
                print(f'     {arch} mutation {i}: rc {rc} {err[:200]}')
        check(f'{arch}: mutated libraries never crash', bad == 0)


def test_user_rules(build, work):
    rules = os.path.join(work, 'myrules', 'ipmi')
    os.makedirs(rules)
    with open(os.path.join(rules, 'extra.json'), 'w') as f:
        json.dump({'kind': 'fwguard-ipmi', 'cves': [{
            'id': 'CVE-0000-0001', 'rule': 'ipmi.test_fru_write', 'severity': 'medium',
            'netfn': '0x0A', 'cmds': ['0x11'], 'title': 'test rule'}]}, f)
    # A JSON file of another engine in the same directory is ignored.
    with open(os.path.join(work, 'myrules', 'other.json'), 'w') as f:
        json.dump({'something': 'else'}, f)
    rc, doc, err = scan(os.path.join(build, 'arm', 'patched', MSG), '--rules',
                        os.path.join(work, 'myrules'))
    check('user rule: scan exits 0', rc == 0, err)
    hits = [f for f in (doc or {'findings': []})['findings'] if f['rule'] == 'ipmi.test_fru_write']
    check('user rule: fires from data alone', len(hits) == 1 and hits[0]['cve'] == 'CVE-0000-0001'
          and hits[0]['severity'] == 'medium', json.dumps(hits))


with tempfile.TemporaryDirectory() as work:
    build = os.path.join(work, 'libs')
    subprocess.run(['sh', os.path.join(GEN, 'build.sh'), build], check=True)
    test_variants(build, work)
    test_stripped(build, work)
    test_bare(build)
    test_hostile(build, work)
    test_user_rules(build, work)

print(f'{passed} passed, {failed} failed')
sys.exit(1 if failed else 0)
