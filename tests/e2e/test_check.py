"""yubin-check, run as an admin would, against a site whose DNS (the
tests' dnsmasq), listeners (xinetd), "outside" mail server (another
smtp-in on 127.0.0.2) and certificates (python3-cryptography) are real:
each check passes on a good setup and fails, with its fix printed, on a
broken one. This host's public address is 192.0.2.2, added to lo.
Also cdbmake-users catching a bad yubin.conf line."""
import datetime
import os
import re
import subprocess

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from test_dkim import make_keys
from test_remote import RemoteBase
from yubintest import BIN, give_to_servers, stranger_address

PUBLIC = "192.0.2.2"
US = "example.com"
HOST = "mail.example.com"


def cert_for(directory, name, days_from, days_to):
    """A self-signed certificate valid from days_from to days_to (days
    from now, may be negative), and its key; their paths."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject)
            .issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now + datetime.timedelta(days=days_from))
            .not_valid_after(now + datetime.timedelta(days=days_to))
            .add_extension(x509.SubjectAlternativeName(
                [x509.DNSName(name)]), critical=False)
            .sign(key, hashes.SHA256()))
    cpath = os.path.join(directory, f"cert-{days_to}.pem")
    kpath = os.path.join(directory, f"key-{days_to}.pem")
    with open(cpath, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(kpath, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    os.chmod(kpath, 0o600)
    give_to_servers(kpath)
    return cpath, kpath


class CheckBase(RemoteBase):
    def extra_dns_records(self):
        self.keys, self.records, _ = make_keys()
        recs = ["--local=/2.0.192.in-addr.arpa/",
                f"--mx-host={US},{HOST},10",
                f"--host-record={HOST},{PUBLIC}",
                f"--ptr-record=2.2.0.192.in-addr.arpa,{HOST}",
                f"--txt-record={US},v=spf1 ip4:{PUBLIC} -all",
                f"--txt-record=_dmarc.{US},v=DMARC1; p=none",
                # a blocklist that lists us
                "--local=/bl.test/", "--host-record=2.2.0.192.bl.test,"
                "127.0.0.2", "--txt-record=2.2.0.192.bl.test,listed "
                "for the test"]
        for name, text in self.records.items():
            recs.append(f"--txt-record={name.rstrip('.')}," + ",".join(
                text[i:i + 250] for i in range(0, len(text), 250)))
        return recs

    def setUp(self):
        stranger_address(self, PUBLIC)
        super().setUp()
        import shutil
        self.addCleanup(shutil.rmtree, self.keys, True)
        shutil.copytree(os.path.join(self.keys, "dkim"),
                        os.path.join(self.site.conf, "dkim"))
        cert, key = cert_for(self.site.dir, HOST, -1, 90)
        self.site.settings.update({"public_address": PUBLIC,
                                   "tls_cert": cert, "tls_key": key})
        self.site.write_conf()
        self.site.cdbmake()
        self.ports = self.site.start({"smtp": ["smtp-in"]}, bind="0.0.0.0")

    def check(self, *args):
        """(exit status, {verdict line: fix line or None})."""
        r = subprocess.run(
            [f"{BIN}/yubin-check", "-C", self.site.conf,
             "-o", f"127.0.0.2:{self.port}",
             "-p", f"smtp={self.ports['smtp']}", *args],
            capture_output=True, text=True, timeout=120)
        self.assertEqual(r.stderr, "")
        lines, out = r.stdout.splitlines(), {}
        for i, line in enumerate(lines):
            self.assertRegex(line, r"^(OK  |WARN|FAIL|     fix:) ")
            if not line.startswith("     "):
                fix = lines[i + 1] if i + 1 < len(lines) and \
                    lines[i + 1].startswith("     fix: ") else None
                out[line] = fix[10:] if fix else None
        return r.returncode, out

    def find(self, out, level, pattern):
        hits = [(line, fix) for line, fix in out.items()
                if line.startswith(level) and re.search(pattern, line)]
        self.assertEqual(len(hits), 1, (level, pattern, out))
        return hits[0][1]


class Good(CheckBase):
    def test_a_good_site_passes_everything(self):
        code, out = self.check()
        failed = [line for line in out if not line.startswith("OK")]
        # the site is set up as INSTALL says (servers as nobody)
        self.assertEqual(failed, [], out)
        self.assertEqual(code, 0)
        for pattern in (
                r"yubin.conf: valid$", r"users, domains, relay: no errors",
                r"every database is newer", rf"hostname {HOST} is a fully",
                rf"{US}: MX points to this host \({PUBLIC}\)",
                rf"PTR of {PUBLIC} is {HOST}, and it points back",
                rf"{US}: SPF passes mail from {PUBLIC}",
                rf"{US}: DKIM record yubin-rsa._domainkey.{US} matches",
                rf"{US}: DKIM record yubin-ed25519._domainkey.{US} matches",
                rf"{US}: DMARC \"v=DMARC1; p=none\"",
                r"outbound: 127.0.0.2:\d+ answers 220",
                rf"smtp on 127.0.0.1:{self.ports['smtp']} answers",
                r"pop3 on 127.0.0.1:110: not served",
                rf"cert-90.pem: for {HOST}, (89|90) days left",
                rf"not an open relay: 7 forms refused from {PUBLIC}"):
            self.find(out, "OK", pattern)

    def test_records_are_ready_to_paste(self):
        r = subprocess.run([f"{BIN}/yubin-check", "-C", self.site.conf,
                            "--records"], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        self.assertIn(f"{HOST}. IN A {PUBLIC}\n", r.stdout)
        self.assertIn(f"{US}. IN MX 10 {HOST}.\n", r.stdout)
        self.assertIn(f'{US}. IN TXT "v=spf1 mx -all"\n', r.stdout)
        self.assertIn(f'_dmarc.{US}. IN TXT ( "v=DMARC1; p=none; '
                      f'rua=mailto:postmaster@{US}" )', r.stdout)
        for name, text in self.records.items():
            m = re.search(re.escape(name) + r" IN TXT \(((?: \"[^\"]*\")+)"
                          r" \)", r.stdout)
            self.assertIsNotNone(m, name)
            self.assertEqual("".join(re.findall(r'"([^"]*)"', m.group(1))),
                             text)


class Broken(CheckBase):
    def test_stale_database_and_bad_lines(self):
        with open(os.path.join(self.site.conf, "users"), "a") as f:
            f.write("jiro::\n")
        code, out = self.check()
        self.assertEqual(code, 2)
        fix = self.find(out, "FAIL", r"users.cdb is older than its text")
        self.assertEqual(fix, f"run cdbmake-users -C {self.site.conf}")
        self.site.write("relay", "0.0.0.0/0\n")
        with open(os.path.join(self.site.conf, "yubin.conf"), "a") as f:
            f.write("lockout_failures = many\n")
        code, out = self.check()
        fix = self.find(out, "FAIL", r"yubin.conf:\d+: lockout_failures "
                                     r"is not a number")
        self.assertIn("every server answers 421", fix)
        self.find(out, "FAIL", r"relay:1: .*")
        # cdbmake-users says the same, and writes nothing
        r = self.site.cdbmake(check=False)
        self.assertEqual(r.returncode, 100)
        self.assertRegex(r.stderr, r"yubin.conf:\d+: lockout_failures is "
                                   r"not a number\ncdbmake-users: every "
                                   r"server answers 421")

    def test_a_maildir_made_by_root(self):
        nobody = 65534
        for root, dirs, files in os.walk(self.site.spool):
            for name in dirs + files:
                os.lchown(os.path.join(root, name), nobody, nobody)
        os.chown(self.site.spool, nobody, nobody)
        os.makedirs(os.path.join(self.site.spool, "mail", "jiro", "new"))
        code, out = self.check()
        fix = self.find(out, "FAIL", r"file\(s\) in .* belong to another "
                                     r"user \(root\)")
        self.assertEqual(fix, f"chown -R {nobody}:{nobody} "
                              f"{self.site.spool}")

    def test_a_spool_left_to_root(self):
        for root, dirs, files in os.walk(self.site.spool):
            for name in dirs + files:
                os.lchown(os.path.join(root, name), 0, 0)
        os.chown(self.site.spool, 0, 0)
        code, out = self.check()
        self.assertEqual(code, 1)
        self.find(out, "WARN", rf"spool {self.site.spool} belongs to root: "
                               r"the servers would run as root$")

    def test_the_smarthost_on_its_submission_port(self):
        # a smarthost without a port is port 587, as remote-send dials it
        import socket
        import threading
        relay = socket.socket()
        relay.bind(("127.0.0.5", 587))
        relay.listen(1)
        self.addCleanup(relay.close)

        def answer():
            conn, _ = relay.accept()
            conn.sendall(b"220 relay.example ESMTP\r\n")
            conn.recv(100)
            conn.close()
        threading.Thread(target=answer, daemon=True).start()
        self.site.settings["smarthost"] = "127.0.0.5"
        self.site.write_conf()
        r = subprocess.run(
            [f"{BIN}/yubin-check", "-C", self.site.conf,
             "-p", f"smtp={self.ports['smtp']}"],
            capture_output=True, text=True, timeout=120)
        self.assertIn("OK   outbound: 127.0.0.5:587 answers 220", r.stdout)

    def test_dns_outbound_certificate_and_relay_problems(self):
        self.site.write("domains", f"{US}\nbroken.example\n")
        self.site.write("relay", "127.0.0.1\n192.0.2.0/24\n")
        self.site.cdbmake()
        cert, key = cert_for(self.site.dir, "other.example", -30, -1)
        self.site.settings.update({"tls_cert": cert, "tls_key": key})
        self.site.write_conf()
        r = subprocess.run(
            [f"{BIN}/yubin-check", "-C", self.site.conf, "-o",
             "127.0.0.9:1", "-p", f"smtp={self.ports['smtp']}",
             "-a", "192.0.2.77"], capture_output=True, text=True,
            timeout=120)
        self.assertEqual(r.returncode, 2)
        out = r.stdout
        for want in (
                f"FAIL {US}: MX {HOST} does not point to this host's "
                "public address 192.0.2.77",
                "FAIL 192.0.2.77 has no PTR record",
                "FAIL broken.example has no MX record",
                "WARN broken.example has no SPF record",
                "WARN broken.example: no DKIM keys",
                "WARN broken.example has no DMARC record",
                f"FAIL {US}: SPF gives fail for mail from 192.0.2.77",
                "FAIL outbound port 25: 127.0.0.9:1: Connection refused",
                "your ISP probably blocks outgoing port 25 (OP25B)",
                "smarthost = ",
                f"FAIL {cert} is not for {HOST}",
                f"FAIL {cert} has expired"):
            self.assertIn(want, out)
        # 192.0.2.77 is not ours: the relay test says how to do it
        self.assertIn("WARN open relay: cannot test from 192.0.2.77", out)
        # from our own public address, inside the relay range: open
        code, out = self.check()
        fix = self.find(out, "FAIL", rf"OPEN RELAY: from {PUBLIC}, RCPT "
                                     r"TO:<relaytest@example.net> was "
                                     r"accepted")
        self.assertIn("remove the wide range from the relay file", fix)

    def test_keys_listeners_certificate_and_blocklist(self):
        # new keys, old records: what is published no longer signs
        import shutil
        shutil.rmtree(os.path.join(self.site.conf, "dkim"))
        self.site.cdbmake("--dkim-keygen", US)
        cert, key = cert_for(self.site.dir, HOST, -1, 5)
        self.site.settings.update({"tls_cert": cert, "tls_key": key,
                                   "dnsbl": "bl.test"})
        self.site.write_conf()
        r = subprocess.run(
            [f"{BIN}/yubin-check", "-C", self.site.conf,
             "-o", f"127.0.0.2:{self.port}",
             "-p", f"smtp={self.ports['smtp']},pop3={self.ports['smtp']}"],
            capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 2)
        out = r.stdout
        self.assertRegex(out, rf"FAIL {US}: DKIM record yubin-rsa._domainkey"
                              rf".{US} differs from our key\n     fix: "
                              rf"publish yubin-rsa._domainkey.{US}. IN TXT "
                              r'"v=DKIM1; k=rsa; p=')
        self.assertRegex(out, rf"FAIL pop3 on 127.0.0.1:{self.ports['smtp']}:"
                              r" wrong greeting\n     fix: add its line to "
                              r"inetd.conf")
        self.assertRegex(out, rf"WARN {cert} ends in [45] days\n     fix: "
                              r"renew it")
        self.assertIn(f"FAIL {PUBLIC} is on the blocklist bl.test\n"
                      "     fix: see the list's page for bl.test (listed "
                      "for the test)", out)

