#!/usr/bin/env python3
"""config_test.py - the config engine (accounts, credentials, keys,
certificates, services, tokens, signing keys) on filesystems built at test
time with the real tools (mksquashfs, mkfs.jffs2, tar, openssl, ssh-keygen).

  issues  a tar holding rofs.squashfs (one file per seeded issue) and
          rwfs.jffs2 (an OpenBMC-style overlay: upper dir /cow) that adds
          and changes accounts; the scan must report exactly the expected
          (rule, fs_path) pairs
  clean   a hardened root filesystem (strong sha512crypt root password,
          hardened sshd_config, getty with login, dropbear -w, CA bundle in
          /etc/ssl/certs, placeholders in configuration, an encrypted key):
          no finding at all
  dropbear  a dropbear ed25519 host key in dropbear's exact layout (string
          "ssh-ed25519", string priv32||pub32, nothing after) is a private
          key; two accounts sharing one hash where only the second
          account's own --rules entry matches: the second is reported
  update  OpenBMC update packages signed with OpenBMC's public development
          key (signature.openbmc_dev_key) and with a fresh key (nothing)

The development key below is meta-phosphor/recipes-phosphor/flash/files/
OpenBMC.priv of github.com/openbmc/openbmc (read at commit
bb11ae5e5e6041254ae5b76bd382a554f121ce5a): OpenBMC publishes it on
purpose so that developers can sign images; it is test data here.

Usage: config_test.py FWGUARD
"""
import json
import os
import secrets
import shutil
import struct
import subprocess
import sys
import tempfile
import warnings

FWGUARD = sys.argv[1]
os.environ['PATH'] += os.pathsep + '/usr/sbin' + os.pathsep + '/sbin'
for tool in ('mksquashfs', 'mkfs.jffs2', 'openssl', 'ssh-keygen', 'tar'):
    if not shutil.which(tool):
        print(f'SKIP: {tool} not installed')
        sys.exit(77)

OPENBMC_DEV_KEY = '''-----BEGIN PRIVATE KEY-----
MIIJRAIBADANBgkqhkiG9w0BAQEFAASCCS4wggkqAgEAAoICAQDO7vWM6ZOylO6T
lxDiRWgKCFauAxMVM4A7NmgZxfV73xqTzAtIzzF9CIKUEhqMT4LhNy1rU2oUUivH
4BZO2oC6yFafEPVla2oYAeWtXJmQTixYgJplKQCtLzFtb57DQJpl9Od0RVFC61yg
4LihsiENnRjncLPP7OkL68ssiELu+WxazDtewmVYQEHOMWQa2zDh9yrWsblLAyo4
gsG9rdwWjqIUnZkoeJuT7zks4Jes4qAtQUuZhCxMcvwvOq8od3e4nLVFnyUOGMpE
jdDDGddKh5e+9BJGqkfsLCT9UFTYi62Ifuxl1Gp963cZLapJS0CneHIrG3gapiCO
ea4TH/xySfts2jpl7DnEIUo3Qs0rZrOLQDLVVXvRJvHdsVoZcSRCD8Jf0YTQ6tT7
j3ejUOH8j3DGkgKRHGtH7yyCgmDyPYVQdEu3q4E1NBwODAyxppYGBqkwpSGRnf6q
E6i5rQJuoPCm3rb9ZmoHVzeb8HW3ofYfNnZNuae/2LdEtJ/cFs8ILXP5AKiaKpmS
H4GB8GUcgRMITGI1pcXhevO2wHi0ReJkme+m5GpuVIg9LpTs6YvvNoFeu6ux7up/
TjTa+Zdy3tLUZvvIIlS2Asu32uiGBFjZ2WiLeHq+ScaDsSyEJQkoYLqv+3MoPKhy
iX4yanZCwG3yx68RDe9qQBt6WXqAEwIDAQABAoICAA6OxAqKQiA9lv0eEwuAC34t
MP/j6ntC2MIRpUgu44K34tRD9gVEwjwEFb+Z+HEnhNMYQSM8RomwcDELBDa+63B4
eJOPK1xbrqaKt6A3E/yRa1A8l+AG/uuwFr+WqyocSOBkVsYYvEtDaIxO0t5ZPDcL
dr2NcbDuf0Sd7XiwC1lphaRrmr+jWGLZfmellN/IzMsQytw4u4rZ6aX5GO0hpoqV
tTRTE/vDZFqHaVPNZw48ET2tysY9hKpKKpCeBcWIhg0gRSZlOEOiHdStz2JyVnGB
UX0XCZQcFZw5TM7fUGC9jtM77qCJTYaXQpUsX77xQtalRA7hS1VAm6i6SbNBvE4j
le2JWBmOCbh9A/Dqnxh/3R2ZpsbffMG3O4KLkObquP8QGsItxwZYm4Bo37/HS6ki
1Ilym014DUT1+mTybi+2TjlPgh2LeECo1lbgFRJ/p9Vs7TJV2jeVPKDHF72cVvp2
Ly6dGQVtBPz7/HpvxwYA5TJstNWgiU1sZPwgVzhgeZEKt5DO3Da6DVoXt96/tHk4
577MA9P4qYLJldq5rfFW3IeyGUjLZ1yLmmDWj2Hz2IQe/YqrHHQH5UO6xxhrjuCa
FrAOv7wJxmmbhZ9AptmR0PnmTU79LM8gxyNY9nn0R+XMJd/3UvrrjzJWw+LUGdhC
zG0pF0JGMb71wHwlmmUpAoIBAQDyUHAcpgWtCl70qVpHnAG6WnsRP6ZS0dtBjqnN
l9GachlNLOyQHfKcs7Vj7dkrcumSTbZ7zzgsazQcwfJMEvVq2RS8iTrtKAq+yYmj
uejaJ3gAuiaU5Shv9PL+P25zGlwJtqEADYjiSrzO1ZRgM1M31tlH7f0wjYIrV6LP
5P5HYFVDFujsiWY9oUZ+PFaCWPRQ2P47zF3ocbiqD9TbFSwNfq5B2WPLCURExQAh
XT/GH8Devz2M79CWKjvDMQutZ8dcLZx6JNhpre5JoNbAxE2u9jIM++srSb41zArE
2lcy2tqNAWJV5jhFz5DZ451kvz7AKLaehWYj7D+TvX4V4UwpAoIBAQDanvWQCoop
Loh5s5tYwHB/iFE+jzVvyrytfRcDIjrBaCDCQrObgh/fllk44h9DpKHbM4nYlMpU
GXOsQCVkE/SiJakzeXfoecCJ3ebp+mlBILs79AWlfETJFLx1FKJQOQoraoICVFxx
jcI/OvGlABRLvRYhNnq22//IgLlyKWfO0yS6FASIjriIjDwibKZqHt+DJ98Lv2d+
1fsOw/Ai7e2e3nK0+2vmXusZAwpcPuTYb+5LOnHE7GbPecuM22BSTiUAekoHq3/k
fdYw+od4B4BJB0bAnRVu7y+TQXRkZ462RvP05AYXUzudjknv48mFuBslrybr3f50
aIwtFADeJrHbAoIBAQCYcEwnabaWZrjX+BZoiFd58eQMNNugrI7fzi06vrDJFdCf
AY0NGRoAxPlvFTmTIOaZ+LO9bd5r60FMeiLBAwhLoKdv+HEOsysXXVhunM1FOKFA
69rLvuJSlGmt0x/b35BZOABPNTSRD+15vVlrr75BmbL1kl2/BrcGJ0qwuOHS62KY
IziDXejpCqV7UuAlfmqs1eYSnn3RdoFy0yTYcphVIQXlPSqPl5PQI5LyamRtcpp2
Rx8ko9W4MneIUzmCbJA5iCQxny5aRWZsAXg4qwYn9JAGJRGMGQdFdsirkKRcxNvK
6zz+xydNm8gHmy7wK3QBlVtVnJxmKwDQI9zHTQYJAoIBAQDVKrXJ81zv9r1/3U8V
5N5MnACL/VtfW9FJYHU1ywR7XSrEAAHdGa42dwUcX++YJ0ji0YgRNFNsWTzesdVD
lemsyQgIduIiPcUtKL9lWZOTu3SVasSurVLstllj1/DERDnUR4/o8ZUJ6+2Bddn0
xvUDPKX9UH+rGSx4tnscA5+CnYJsJeSdunvYONTRxBsn0l6iJhhn/gPOOpsHtKnL
hS9y/vfd3GFDST33L23EsFa3a7xwgdY460D8AIgnGij7V9Lgel0AyYp0ovZc34uD
z9yYWI32dbRWbMZ40RPKaudOeDSbjlMaH0A7ymfxjqwKxI9D2VscFWNs4hv8QErw
Uc6NAoIBAQCmWWyARU/x4m7K4vNAWjD2Qx6R7PAdLs/6ZBqWw0RSpRHlYr73Qggw
dCK+LrsR0O7y1KW2WUfrJmzHEdFQEYcZ1vZWeN85dMLVhYmazSXlaIegRE4FmMUa
DbzViUJA60Y4D/l6QWqdhxdZZe81QgqyLPXAv/e5esxRIi8yvEYhCx4pq7QtWYBm
tvQnPaZd8emlKARivF2ecGDlWzhf4NotDDtFRT4jOHZKUC58uVjbiXJ445Vimqlb
Da7noVGwDQ93Ib1qyAilzFY5gWDeMyCnSQpnlVRHQ/8vlwLDsZs1kVau6k8WlcpM
JbmuCRNy7YvALVTzyQsQ4yw87BoONt1L
-----END PRIVATE KEY-----
'''
DEV_KEY_SHA256 = 'a48ae977cf91ad27f3a90c2550a990f9e221c083b000d6e4739a6bedd140daa6'

passed = failed = 0


def check(name, cond, detail=''):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f'FAIL: {name} {detail}')


def sh(*args, **kw):
    return subprocess.run(args, check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                          **kw).stdout


def write(root, rel, data, mode=0o644):
    path = os.path.join(root, rel.lstrip('/'))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(data.encode() if isinstance(data, str) else data)
    os.chmod(path, mode)
    return path


def crypt_hash(password, method):
    """sha512crypt/md5crypt through openssl; yescrypt through libcrypt."""
    if method == 'yescrypt':
        try:
            with warnings.catch_warnings():
                warnings.simplefilter('ignore')
                import crypt
            h = crypt.crypt(password, '$y$j9T$' + secrets.token_hex(8) + '$')
            if h and h.startswith('$y$'):
                return h
        except ImportError:
            pass
        method = 'md5'
    flag = {'sha512': '-6', 'md5': '-1'}[method]
    # -stdin: a random password may start with '-'
    return sh('openssl', 'passwd', flag, '-stdin', input=password + '\n', text=True).strip()


def strong():
    return crypt_hash(secrets.token_urlsafe(24), 'sha512')


def scan(image, *extra):
    r = subprocess.run([FWGUARD, 'scan', '--format', 'json', '--engines', 'config', *extra, image],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300)
    check(f'scan {os.path.basename(image)} exit', r.returncode == 0, r.stderr[-400:])
    try:
        return json.loads(r.stdout)['findings']
    except (ValueError, KeyError):
        check(f'scan {image} json', False, r.stdout[-400:])
        return []


def pairs(findings, min_info=False):
    return sorted((f['rule'], f.get('fs_path') or f['path']) for f in findings
                  if min_info or f['severity'] != 'info')


def make_ca(work):
    ca = os.path.join(work, 'ca')
    os.makedirs(ca, exist_ok=True)
    sh('openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f'{ca}/ca.key',
       '-out', f'{ca}/ca.pem', '-subj', '/CN=fwguard test CA', '-days', '3650')
    with open(f'{ca}/ca.cnf', 'w') as f:
        f.write('[ca]\ndefault_ca = x\n[x]\ndatabase = index.txt\nnew_certs_dir = .\n'
                'serial = serial\ndefault_md = sha256\npolicy = p\n[p]\ncommonName = supplied\n')
    open(f'{ca}/index.txt', 'w').close()
    with open(f'{ca}/serial', 'w') as f:
        f.write('01\n')
    return ca


def ca_sign(ca, name, bits, md, start, end):
    """A leaf certificate signed by the test CA, with explicit dates."""
    sh('openssl', 'req', '-newkey', f'rsa:{bits}', '-nodes', '-keyout', f'{ca}/{name}.key',
       '-out', f'{ca}/{name}.csr', '-subj', f'/CN={name}.example')
    sh('openssl', 'ca', '-config', 'ca.cnf', '-keyfile', 'ca.key', '-cert', 'ca.pem',
       '-in', f'{name}.csr', '-out', f'{name}.pem', '-md', md, '-startdate', start,
       '-enddate', end, '-batch', '-notext', cwd=ca)
    return open(f'{ca}/{name}.pem', 'rb').read()


def issues_image(work):
    rofs = os.path.join(work, 'issues-rofs')
    rwfs = os.path.join(work, 'issues-rwfs')
    toor_hash = strong()
    passwd = ('root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1::/usr/sbin:/bin/false\n'
              'toor:x:0:0::/root:/bin/sh\n')
    write(rofs, '/etc/passwd', passwd +
          f'legacy:{crypt_hash("password", "md5")}:1001:1001::/home/legacy:/bin/sh\n'
          'guest::1002:1002::/home/guest:/bin/sh\n')
    write(rofs, '/etc/shadow',
          f'root:{crypt_hash("admin", "sha512")}:19000:0:99999:7:::\n'
          f'sysadmin:{crypt_hash("superuser", "yescrypt")}:19000:0:99999:7:::\n'
          f'toor:{toor_hash}:19000::::::\nnobody::19000::::::\ndaemon:*:19000::::::\n', 0o600)
    write(rofs, '/etc/ssh/sshd_config', 'Port 22\nPermitRootLogin yes\n'
          'PasswordAuthentication yes\nPermitEmptyPasswords yes\n'
          'Match User backup\n  PermitRootLogin no\n')
    write(rofs, '/etc/inittab', '::sysinit:/etc/init.d/rcS\nttyS0::respawn:-/bin/sh\n')
    write(rofs, '/etc/init.d/S50telnet', '#!/bin/sh\n# debug access\n'
          'start-stop-daemon -S -b -x /usr/sbin/telnetd -- -p 23\n', 0o755)
    write(rofs, '/etc/init.d/S60dropbear', '#!/bin/sh\n'
          '/usr/sbin/dropbear -r /etc/dropbear/dropbear_rsa_host_key -p 22\n', 0o755)
    write(rofs, '/etc/inetd.conf', '# services\n'
          'tftp dgram udp wait root /usr/sbin/in.tftpd in.tftpd -s /srv/tftp\n')
    write(rofs, '/lib/systemd/system/debug-shell.service',
          '[Service]\nExecStart=/bin/sh\nTTYPath=/dev/tty9\n')
    os.makedirs(os.path.join(rofs, 'etc/systemd/system/multi-user.target.wants'))
    os.symlink('/lib/systemd/system/debug-shell.service',
               os.path.join(rofs, 'etc/systemd/system/multi-user.target.wants/'
                            'debug-shell.service'))
    write(rofs, '/etc/smtp.conf', '[smtp]\nserver=mail.example.com\nuser=bmc\n'
          'password=S3cretSmtp!\n')
    write(rofs, '/etc/snmp/snmpd.conf', 'sysLocation lab\nrocommunity public default\n')
    write(rofs, '/etc/default/services', 'TELNET_ENABLE=yes\nSSH_ENABLE=yes\n')
    write(rofs, '/etc/vendor/net.ini', '[telnet]\nenable=1\nport=23\n[ssh]\nenable=1\n')
    key = sh('openssl', 'genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048')
    write(rofs, '/etc/ssl/private/server.key', key, 0o600)
    der = sh('openssl', 'pkey', '-outform', 'DER', input=key)
    write(rofs, '/etc/ssl/private/server.der', der, 0o600)
    hostkey = os.path.join(work, 'ssh_host_ed25519_key')
    sh('ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', hostkey)
    write(rofs, '/etc/ssh/ssh_host_ed25519_key', open(hostkey, 'rb').read(), 0o600)
    write(rofs, '/etc/ssl/private/encrypted.key',
          sh('openssl', 'genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256',
             '-aes256', '-pass', 'pass:fwguard'), 0o600)
    ca = make_ca(work)
    write(rofs, '/etc/ssl/certs/fwguard-ca.pem', open(f'{ca}/ca.pem', 'rb').read())
    write(rofs, '/etc/lighttpd/expired.pem',
          ca_sign(ca, 'expired', 2048, 'sha256', '20200101000000Z', '20210101000000Z'))
    write(rofs, '/etc/lighttpd/weak.pem',
          ca_sign(ca, 'weak', 1024, 'sha1', '20240101000000Z', '20990101000000Z'))
    sh('openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout',
       os.path.join(work, 'self.key'), '-out', os.path.join(work, 'self.pem'),
       '-subj', '/CN=bmc.example', '-days', '3650')
    write(rofs, '/etc/lighttpd/self.pem', open(os.path.join(work, 'self.pem'), 'rb').read())
    write(rofs, '/etc/cloud.conf', 'region=us-east-1\naws_access_key_id = AKIAQ3EGUJY7ZK2P5XNM\n')
    write(rofs, '/usr/bin/upload.sh', '#!/bin/sh\ncurl -H "Authorization: token '
          'ghp_' + 'aB3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gI3kM5' + '" https://api.example.com\n', 0o755)
    pub = sh('openssl', 'pkey', '-pubout', input=OPENBMC_DEV_KEY.encode())
    write(rofs, '/etc/activationdata/OpenBMC/publickey', pub)
    # the overlay: OpenBMC's rwfs keeps the overlay's upper directory in cow/
    write(rwfs, '/cow/etc/passwd', passwd + 'backdoor:x:0:0::/root:/bin/sh\n')
    write(rwfs, '/cow/etc/shadow', f'root:{strong()}:19001:0:99999:7:::\n'
          f'toor:{toor_hash}:19000::::::\nbackdoor:{strong()}:19001::::::\n', 0o600)
    sh('mksquashfs', rofs, os.path.join(work, 'rofs.squashfs'), '-comp', 'xz', '-all-root',
       '-noappend', '-quiet')
    sh('mkfs.jffs2', '-l', '-e', '65536', '-r', rwfs, '-o', os.path.join(work, 'rwfs.jffs2'))
    image = os.path.join(work, 'issues.tar')
    sh('tar', '--format=gnu', '-cf', image, 'rofs.squashfs', 'rwfs.jffs2', cwd=work)
    return image


ISSUES_EXPECTED = sorted([
    ('account.default_password', '/etc/shadow'),
    ('account.empty_password', '/etc/shadow'),
    ('account.default_password', '/etc/passwd'),
    ('account.empty_password', '/etc/passwd'),
    ('account.extra_uid0', '/etc/passwd'),
    ('account.extra_uid0', '/cow/etc/passwd'),
    ('account.overlay_added', '/cow/etc/passwd'),
    ('account.overlay_added', '/cow/etc/shadow'),
    ('account.overlay_changed', '/cow/etc/shadow'),
    ('ssh.root_login', '/etc/ssh/sshd_config'),
    ('ssh.password_auth', '/etc/ssh/sshd_config'),
    ('ssh.empty_passwords', '/etc/ssh/sshd_config'),
    ('service.debug_shell', '/etc/inittab'),
    ('service.telnetd', '/etc/init.d/S50telnet'),
    ('ssh.root_login', '/etc/init.d/S60dropbear'),
    ('service.tftp', '/etc/inetd.conf'),
    ('service.debug_shell', '/etc/systemd/system/multi-user.target.wants/debug-shell.service'),
    ('config.cleartext_password', '/etc/smtp.conf'),
    ('config.cleartext_password', '/etc/snmp/snmpd.conf'),
    ('service.telnet_enabled', '/etc/default/services'),
    ('service.telnet_enabled', '/etc/vendor/net.ini'),
    ('key.private_key', '/etc/ssl/private/server.key'),
    ('key.private_key', '/etc/ssl/private/server.der'),
    ('key.private_key', '/etc/ssh/ssh_host_ed25519_key'),
    ('cert.expired', '/etc/lighttpd/expired.pem'),
    ('cert.weak_key', '/etc/lighttpd/weak.pem'),
    ('cert.self_signed', '/etc/lighttpd/self.pem'),
    ('secret.token', '/etc/cloud.conf'),
    ('secret.token', '/usr/bin/upload.sh'),
    ('signature.openbmc_dev_key', '/etc/activationdata/OpenBMC/publickey'),
])


def test_issues(work):
    findings = scan(issues_image(work))
    got = pairs(findings)
    check('issues: exactly the seeded findings', got == ISSUES_EXPECTED,
          f'\n  missing {sorted(set(ISSUES_EXPECTED) - set(got))}'
          f'\n  extra {sorted(set(got) - set(ISSUES_EXPECTED))}'
          f'\n  dups {len(got) - len(set(got))}')
    by = {(f['rule'], f.get('fs_path') or f['path']): f for f in findings}
    ev = lambda r, p: (by.get((r, p)) or {}).get('evidence') or ''  # noqa: E731
    msg = lambda r, p: (by.get((r, p)) or {}).get('message') or ''  # noqa: E731
    check('root admin evidence', "root: password 'admin' (sha512crypt)" in
          ev('account.default_password', '/etc/shadow'), ev('account.default_password',
                                                            '/etc/shadow'))
    check('sysadmin superuser evidence', "sysadmin: password 'superuser'" in
          ev('account.default_password', '/etc/shadow'))
    check('legacy passwd hash', "legacy: password 'password' (md5crypt)" in
          ev('account.default_password', '/etc/passwd'))
    check('severity critical', (by.get(('account.default_password', '/etc/shadow')) or {})
          .get('severity') == 'critical')
    check('uid0 names toor', 'toor' in ev('account.extra_uid0', '/etc/passwd'))
    check('overlay added names backdoor', 'backdoor' in
          ev('account.overlay_added', '/cow/etc/shadow'))
    check('overlay changed names root', ev('account.overlay_changed', '/cow/etc/shadow')
          .startswith('root:'))
    check('same key in two files', 'also in /etc/ssl/private/server.der' in
          msg('key.private_key', '/etc/ssl/private/server.key'),
          msg('key.private_key', '/etc/ssl/private/server.key'))
    fp_pem = ev('key.private_key', '/etc/ssl/private/server.key').split('sha256 ')[-1]
    fp_der = ev('key.private_key', '/etc/ssl/private/server.der').split('sha256 ')[-1]
    check('same fingerprint PEM/DER', fp_pem == fp_der and len(fp_pem) == 64, f'{fp_pem} {fp_der}')
    check('ed25519 key type', 'ED25519' in ev('key.private_key', '/etc/ssh/ssh_host_ed25519_key'))
    check('token masked', 'AKIAQ3EG...' in ev('secret.token', '/etc/cloud.conf') and
          'ZK2P5XNM' not in ev('secret.token', '/etc/cloud.conf'),
          ev('secret.token', '/etc/cloud.conf'))
    check('snmp community', 'public' in ev('config.cleartext_password', '/etc/snmp/snmpd.conf'))
    check('weak cert says sha1 and 1024', 'RSA 1024-bit key, SHA1 signature' in
          ev('cert.weak_key', '/etc/lighttpd/weak.pem'), ev('cert.weak_key',
                                                            '/etc/lighttpd/weak.pem'))
    check('dev key fingerprint', DEV_KEY_SHA256 in
          ev('signature.openbmc_dev_key', '/etc/activationdata/OpenBMC/publickey'))


def test_clean(work):
    root = os.path.join(work, 'clean-rofs')
    write(root, '/etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n'
          'daemon:x:1:1::/usr/sbin:/bin/false\nsshd:x:997:997::/var/run/sshd:/bin/false\n')
    write(root, '/etc/shadow', f'root:{strong()}:19000:0:99999:7:::\n'
          'daemon:*:19000::::::\nsshd:!:19000::::::\n', 0o600)
    write(root, '/etc/ssh/sshd_config', '# hardened\nPermitRootLogin prohibit-password\n'
          'PasswordAuthentication no\nPermitEmptyPasswords no\n')
    write(root, '/etc/inittab', '::sysinit:/etc/init.d/rcS\n'
          'ttyS0::respawn:/sbin/getty -L ttyS0 115200 vt100\n::ctrlaltdel:/sbin/reboot\n'
          '::shutdown:/bin/umount -a -r\n')
    write(root, '/etc/init.d/S01syslog', '#!/bin/sh\ncase "$1" in\n'
          'start) /sbin/syslogd -n & ;;\nstop) killall syslogd telnetd ;;\nesac\n', 0o755)
    write(root, '/etc/init.d/S60dropbear', '#!/bin/sh\n[ -x /usr/sbin/dropbear ] || exit 0\n'
          '/usr/sbin/dropbear -w -s -r /etc/dropbear/dropbear_rsa_host_key\n', 0o755)
    os.makedirs(os.path.join(root, 'etc/systemd/system/getty.target.wants'))
    os.symlink('/lib/systemd/system/serial-getty@.service',
               os.path.join(root, 'etc/systemd/system/getty.target.wants/'
                            'serial-getty@ttyS0.service'))
    write(root, '/etc/pam.d/common-password', 'password required pam_unix.so sha512\n')
    write(root, '/etc/nsswitch.conf', 'passwd: files\nshadow: files\n')
    write(root, '/etc/app.conf', '[smtp]\nserver=mail\npassword=\npasswd=$SMTP_PASSWORD\n'
          'secret=<set-me>\npassword_file=/run/secrets/smtp\nmin_password_length=12\n'
          'telnet_enable=0\nTELNET_DISABLE=yes\n')
    write(root, '/etc/snmp/snmpd.conf', '# no communities\nagentAddress udp:161\n')
    write(root, '/etc/xinetd.d/telnet', 'service telnet\n{\n  disable = yes\n'
          '  server = /usr/sbin/in.telnetd\n}\n')
    ca = make_ca(os.path.join(work, 'clean'))
    bundle = open(f'{ca}/ca.pem', 'rb').read()
    write(root, '/etc/ssl/certs/ca-certificates.crt', bundle)
    write(root, '/etc/ssl/private/encrypted.key',
          sh('openssl', 'genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048',
             '-aes256', '-pass', 'pass:fwguard'), 0o600)
    write(root, '/etc/ssl/server.pub', sh('openssl', 'pkey', '-pubout', '-in', f'{ca}/ca.key'))
    write(root, '/usr/share/www/app.js', 'var token = "AKIA" + suffix; // built at run time\n'
          'const jwtExample = "eyJhbGciOiJIUzI1NiJ9";\n')
    image = os.path.join(work, 'clean.squashfs')
    sh('mksquashfs', root, image, '-comp', 'xz', '-all-root', '-noappend', '-quiet')
    findings = scan(image)
    check('clean: no finding at all', pairs(findings, min_info=True) == [],
          str([(f['rule'], f.get('fs_path'), f.get('evidence')) for f in findings]))


def ssh_string(b):
    return struct.pack('>I', len(b)) + b


def test_dropbear_shared_hash(work):
    root = os.path.join(work, 'dropbear-rofs')
    key = sh('openssl', 'genpkey', '-algorithm', 'ed25519')
    seed = sh('openssl', 'pkey', '-outform', 'DER', input=key)[-32:]
    pub = sh('openssl', 'pkey', '-pubout', '-outform', 'DER', input=key)[-32:]
    # dropbear's buf_put_ed25519_priv_key: the whole file, nothing after
    write(root, '/etc/dropbear/dropbear_ed25519_host_key',
          ssh_string(b'ssh-ed25519') + ssh_string(seed + pub), 0o600)
    # a public key alone in the same layout is not a private key
    write(root, '/etc/dropbear/peer_ed25519.pub', ssh_string(b'ssh-ed25519') + ssh_string(pub))
    # root and admin share one hash; only admin's own entry (from --rules) is
    # the password: root's miss must not hide admin's match
    shared = crypt_hash('fwguard-admin-only-1', 'sha512')
    write(root, '/etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n'
          'admin:x:1000:1000::/home/admin:/bin/sh\n')
    write(root, '/etc/shadow', f'root:{shared}:19000::::::\nadmin:{shared}:19000::::::\n', 0o600)
    rules = os.path.join(work, 'dropbear-rules')
    write(rules, '/default-passwords.txt', 'admin fwguard-admin-only-1\n')
    image = os.path.join(work, 'dropbear.squashfs')
    sh('mksquashfs', root, image, '-comp', 'xz', '-all-root', '-noappend', '-quiet')
    findings = scan(image, '--rules', rules)
    got = pairs(findings)
    want = sorted([('key.private_key', '/etc/dropbear/dropbear_ed25519_host_key'),
                   ('account.default_password', '/etc/shadow')])
    check('dropbear: exactly the expected findings', got == want, str(got))
    by = {(f['rule'], f.get('fs_path') or f['path']): f for f in findings}
    ev = (by.get(('key.private_key', '/etc/dropbear/dropbear_ed25519_host_key')) or {}) \
        .get('evidence') or ''
    check('dropbear ed25519 key type', 'ED25519' in ev, ev)
    ev = (by.get(('account.default_password', '/etc/shadow')) or {}).get('evidence') or ''
    check('shared hash: admin found by its own entry',
          "admin: password 'fwguard-admin-only-1'" in ev and 'root:' not in ev, ev)


def update_package(work, name, key_pem):
    d = os.path.join(work, name)
    os.makedirs(d)
    key = os.path.join(work, name + '.key')
    with open(key, 'wb') as f:
        f.write(key_pem)
    with open(os.path.join(d, 'MANIFEST'), 'w') as f:
        f.write('purpose=xyz.openbmc_project.Software.Version.VersionPurpose.BMC\n'
                'version=2.15.0-fwguard\nKeyType=OpenBMC\nHashType=RSA-SHA256\n'
                'MachineName=fwguard-test\n')
    sh('openssl', 'pkey', '-in', key, '-pubout', '-out', os.path.join(d, 'publickey'))
    for img in ('image-u-boot', 'image-kernel', 'image-rofs', 'image-rwfs'):
        with open(os.path.join(d, img), 'wb') as f:
            f.write(os.urandom(4096))
    signed = ['image-kernel', 'image-rofs', 'image-rwfs', 'image-u-boot', 'MANIFEST', 'publickey']
    for n in signed:
        sh('openssl', 'dgst', '-sha256', '-sign', key, '-out', os.path.join(d, n + '.sig'),
           os.path.join(d, n))
    with open(os.path.join(d, 'image-full'), 'wb') as f:
        for n in signed:
            f.write(open(os.path.join(d, n + '.sig'), 'rb').read())
    sh('openssl', 'dgst', '-sha256', '-sign', key, '-out', os.path.join(d, 'image-full.sig'),
       os.path.join(d, 'image-full'))
    os.remove(os.path.join(d, 'image-full'))
    out = os.path.join(work, name + '.tar')
    sh('tar', '--format=gnu', '--owner=0', '--group=0', '-cf', out, *signed,
       *[n + '.sig' for n in signed], 'image-full.sig', cwd=d)
    return out


def test_update(work):
    dev = update_package(work, 'update-dev', OPENBMC_DEV_KEY.encode())
    findings = scan(dev)
    check('dev-key update: one finding', [f['rule'] for f in findings] ==
          ['signature.openbmc_dev_key'], str([(f['rule'], f['path']) for f in findings]))
    check('dev-key update: evidence', findings and DEV_KEY_SHA256 in
          (findings[0].get('evidence') or '') and 'full_signature valid' in
          (findings[0].get('evidence') or ''), str(findings))
    fresh = sh('openssl', 'genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048')
    findings = scan(update_package(work, 'update-fresh', fresh))
    check('fresh-key update: no finding', findings == [], str(findings))


with tempfile.TemporaryDirectory() as tmp:
    test_issues(tmp)
    test_clean(tmp)
    test_dropbear_shared_hash(tmp)
    test_update(tmp)

print(f'{passed} passed, {failed} failed')
sys.exit(1 if failed else 0)
