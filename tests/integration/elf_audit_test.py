#!/usr/bin/env python3
"""elf_audit_test.py - the elf engine on programs cross-compiled at test
time (Debian's gcc-arm-linux-gnueabihf and gcc-aarch64-linux-gnu), packed
in a squashfs with mksquashfs:

1. hardened builds (-O2 -fstack-protector-strong -D_FORTIFY_SOURCE=2
   -fPIE -pie -Wl,-z,relro,-z,now), with and without stack buffers: no
   finding at all;
2. an unhardened build (-O0 -fno-stack-protector -no-pie -z execstack
   -z norelro) importing gets/strcpy/system/printf/read: elf.hardening
   (low) naming NX, RELRO, PIE, stack canary and FORTIFY_SOURCE, and
   elf.dangerous_import (low, because of gets) naming the three imports;
3. partial RELRO only: elf.hardening at info;
4. RPATH/RUNPATH: /opt/vendor/lib low, /tmp/lib and a relative entry
   medium, $ORIGIN low;
5. setuid/setgid: a setuid ELF and a setgid script are fs.setuid (medium),
   a file with S_ISGID but no group execute is not;
6. objects and kernel modules (ET_REL) and a file under /lib/firmware are
   not judged;
7. a user list in --rules DIR extends the dangerous imports.

Usage: elf_audit_test.py FWGUARD SOURCE_ROOT
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

FWGUARD = sys.argv[1]
CC = {'arm': 'arm-linux-gnueabihf-gcc', 'aarch64': 'aarch64-linux-gnu-gcc'}
for tool in [*CC.values(), 'mksquashfs']:
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


HARDENED = ['-O2', '-fstack-protector-strong', '-D_FORTIFY_SOURCE=2', '-fPIE', '-pie',
            '-Wl,-z,relro,-z,now', '-Wl,-z,noexecstack']
WEAK = ['-O0', '-fno-stack-protector', '-U_FORTIFY_SOURCE', '-no-pie', '-fno-PIE',
        '-Wl,-z,execstack', '-Wl,-z,norelro']

BUFFERS = r'''
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	char buf[64];
	ssize_t n = read(0, buf, sizeof(buf) - 1);
	if (n < 0)
		return 1;
	buf[n] = 0;
	printf("%s %d %s\n", buf, argc, argv[0]);
	return 0;
}
'''
TINY = r'''
#include <unistd.h>
int main(void) { return (int)getpid() & 1; }
'''
DANGEROUS = r'''
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
char *gets(char *s);
int main(int argc, char **argv)
{
	char line[64], copy[64];
	if (read(0, line, 1) < 0 || !gets(line))
		return 1;
	strcpy(copy, line);
	printf("%s %d\n", copy, argc);
	return system(argv[0]);
}
'''
LIB = r'''
#include <stdio.h>
int lib_print(const char *s, int v) { return printf("%s %d\n", s, v); }
'''


def compile_c(arch, source, out, flags, work):
    src = os.path.join(work, os.path.basename(out) + '.c')
    with open(src, 'w') as f:
        f.write(source)
    r = subprocess.run([CC[arch], *flags, '-w', '-o', out, src], stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        print(r.stderr)
        raise SystemExit(1)


def scan(image, *extra):
    r = subprocess.run([FWGUARD, 'scan', '--format', 'json', '--engines', 'elf', *extra, image],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    check(f'scan {os.path.basename(image)} {" ".join(extra)} exits 0', r.returncode == 0, r.stderr)
    return json.loads(r.stdout) if r.returncode == 0 else {'findings': []}


def by_path(doc):
    out = {}
    for f in doc['findings']:
        out.setdefault(f.get('fs_path'), {})[f['rule']] = f
    return out


with tempfile.TemporaryDirectory() as work:
    root = os.path.join(work, 'root')
    for d in ('bin', 'usr/lib', 'lib/modules/6.1', 'lib/firmware', 'tmp'):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    os.chmod(os.path.join(root, 'tmp'), 0o1777)
    for arch in CC:
        b = os.path.join(root, 'bin')
        compile_c(arch, BUFFERS, f'{b}/hard-{arch}', HARDENED, work)
        compile_c(arch, TINY, f'{b}/tiny-{arch}', HARDENED, work)
        compile_c(arch, DANGEROUS, f'{b}/weak-{arch}', WEAK, work)
        compile_c(arch, BUFFERS, f'{b}/partial-{arch}',
                  [f for f in HARDENED if f != '-Wl,-z,relro,-z,now'] + ['-Wl,-z,relro,-z,lazy'],
                  work)
        compile_c(arch, BUFFERS, f'{b}/rpath-opt-{arch}', HARDENED + ['-Wl,-rpath,/opt/vendor/lib'],
                  work)
        compile_c(arch, BUFFERS, f'{b}/rpath-tmp-{arch}', HARDENED + ['-Wl,-rpath,/tmp/lib'], work)
        compile_c(arch, BUFFERS, f'{b}/rpath-rel-{arch}', HARDENED + ['-Wl,-rpath,lib'], work)
        compile_c(arch, BUFFERS, f'{b}/rpath-origin-{arch}',
                  HARDENED + ['-Wl,-rpath,$ORIGIN/../lib'], work)
        compile_c(arch, LIB, f'{root}/usr/lib/libhard-{arch}.so',
                  ['-shared', '-fPIC'] + [f for f in HARDENED if f not in ('-fPIE', '-pie')], work)
        compile_c(arch, DANGEROUS, f'{root}/lib/modules/6.1/weak-{arch}.ko', WEAK + ['-c'], work)
        shutil.copyfile(f'{b}/weak-{arch}', f'{root}/lib/firmware/coproc-{arch}.elf')
    suid = os.path.join(root, 'bin', 'suid-arm')
    shutil.copyfile(os.path.join(root, 'bin', 'hard-arm'), suid)
    os.chmod(suid, 0o4755)
    with open(os.path.join(root, 'bin', 'sgid.sh'), 'w') as f:
        f.write('#!/bin/sh\necho hi\n')
    os.chmod(os.path.join(root, 'bin', 'sgid.sh'), 0o2755)
    with open(os.path.join(root, 'bin', 'locking'), 'w') as f:
        f.write('mandatory locking, not setgid\n')
    os.chmod(os.path.join(root, 'bin', 'locking'), 0o2644)

    image = os.path.join(work, 'root.sqfs')
    subprocess.run(['mksquashfs', root, image, '-noappend', '-quiet', '-all-root'], check=True,
                   stdout=subprocess.DEVNULL)
    doc = scan(image)
    got = by_path(doc)
    for arch in CC:
        for name in (f'/bin/hard-{arch}', f'/bin/tiny-{arch}', f'/usr/lib/libhard-{arch}.so'):
            check(f'{name}: hardened, no finding', name not in got, json.dumps(got.get(name)))
        weak = got.get(f'/bin/weak-{arch}', {})
        h = weak.get('elf.hardening')
        check(f'weak-{arch}: hardening low', h and h['severity'] == 'low', json.dumps(h))
        for what in ('NX', 'RELRO', 'PIE', 'stack canary', 'FORTIFY_SOURCE'):
            check(f'weak-{arch}: missing {what}', h and what in h['message'], h and h['message'])
        d = weak.get('elf.dangerous_import')
        check(f'weak-{arch}: dangerous imports low', d and d['severity'] == 'low', json.dumps(d))
        check(f'weak-{arch}: gets, strcpy, system named',
              d and all(s in d['message'] for s in ('gets', 'strcpy', 'system')), d and d['message'])
        p = got.get(f'/bin/partial-{arch}', {})
        check(f'partial-{arch}: only full RELRO, at info',
              set(p) == {'elf.hardening'} and p['elf.hardening']['severity'] == 'info'
              and 'full RELRO' in p['elf.hardening']['message'], json.dumps(p))
        for name, sev in (('opt', 'low'), ('tmp', 'medium'), ('rel', 'medium'), ('origin', 'low')):
            r = got.get(f'/bin/rpath-{name}-{arch}', {})
            check(f'rpath-{name}-{arch}: elf.rpath {sev}',
                  set(r) == {'elf.rpath'} and r['elf.rpath']['severity'] == sev, json.dumps(r))
        check(f'{arch}: kernel module not judged', f'/lib/modules/6.1/weak-{arch}.ko' not in got)
        check(f'{arch}: firmware blob not judged', f'/lib/firmware/coproc-{arch}.elf' not in got)
    s = got.get('/bin/suid-arm', {})
    check('setuid ELF: fs.setuid medium', set(s) == {'fs.setuid'}
          and s['fs.setuid']['severity'] == 'medium' and 'root' in s['fs.setuid']['message'],
          json.dumps(s))
    g = got.get('/bin/sgid.sh', {})
    check('setgid script: fs.setuid', set(g) == {'fs.setuid'}
          and 'setgid' in g['fs.setuid']['message'], json.dumps(g))
    check('S_ISGID without g+x: no finding', '/bin/locking' not in got)
    expected_paths = {f'/bin/{n}-{a}' for a in CC for n in
                      ('weak', 'partial', 'rpath-opt', 'rpath-tmp', 'rpath-rel', 'rpath-origin')}
    expected_paths |= {'/bin/suid-arm', '/bin/sgid.sh'}
    check('no other findings', set(got) == expected_paths,
          f'unexpected {sorted(set(got) - expected_paths)} missing {sorted(expected_paths - set(got))}')

    # A user list extends the dangerous imports: read() at medium.
    rules = os.path.join(work, 'rules', 'elf')
    os.makedirs(rules)
    with open(os.path.join(rules, 'dangerous-imports-local.txt'), 'w') as f:
        f.write('# local policy\nread medium raw reads from descriptors\n')
    doc = scan(image, '--rules', os.path.join(work, 'rules'))
    hard = by_path(doc).get('/bin/hard-arm', {}).get('elf.dangerous_import')
    check('user list: read() reported at medium', hard and hard['severity'] == 'medium'
          and 'read' in hard['message'], json.dumps(hard))

print(f'{passed} passed, {failed} failed')
sys.exit(1 if failed else 0)
