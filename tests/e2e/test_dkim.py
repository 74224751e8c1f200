"""DKIM signing of outgoing mail, checked by independent verifiers.

Keys are made by the real `cdbmake-users --dkim-keygen`; the records it
prints are served by the tests' dnsmasq; the mail goes through the real
remote-send to a second smtp-in on 127.0.0.2, and what arrives there is
verified by dkimpy (python3-dkim) asking that dnsmasq, and by
opendkim-testmsg (libopendkim's resolver, so only where the tests have a
network namespace of their own for a resolver on port 53)."""
import email
import os
import re
import shutil
import smtplib
import stat
import subprocess
import tempfile

import authres
import dkim
import dns.resolver

from test_remote import RemoteBase
from yubintest import BIN, Site, give_to_servers

OURS = "example.com"
MESSAGE = ("From: Taro <taro@example.com>\nTo: friend@remote.example\n"
           "Subject: signed\nMessage-ID: <1@example.com>\n\n"
           "Hello from home.\n.a line with a dot\n")


def parse_records(text):
    """{dns name: record text} from `NAME IN TXT ( "a" "b" )` lines."""
    found = {}
    for line in text.splitlines():
        m = re.match(r'^(\S+) IN TXT \((.*)\)$', line)
        if m:
            found[m.group(1)] = "".join(re.findall(r'"([^"]*)"',
                                                   m.group(2)))
    return found


def make_keys(selector="yubin"):
    """Keys and records for example.com, made by cdbmake-users."""
    site = Site(domains=OURS + "\n",
                settings={"dkim_selector": selector})
    try:
        site.cdbmake()
        r = site.cdbmake("--dkim-keygen", OURS)
        keys = tempfile.mkdtemp(prefix="yubin-dkim.")
        shutil.copytree(os.path.join(site.conf, "dkim"),
                        os.path.join(keys, "dkim"))
        return keys, parse_records(r.stdout), r
    finally:
        site.close()


class DkimBase(RemoteBase):
    selector = "yubin"

    def setUp(self):
        self.keys, self.records, self.keygen = make_keys(self.selector)
        self.addCleanup(shutil.rmtree, self.keys, True)
        super().setUp()
        self.site.settings["dkim_selector"] = self.selector
        self.site.write_conf()
        shutil.copytree(os.path.join(self.keys, "dkim"),
                        os.path.join(self.site.conf, "dkim"))

    def extra_dns_records(self):
        return [f"--txt-record={name.rstrip('.')},"
                + ",".join(text[i:i + 250]
                           for i in range(0, len(text), 250))
                for name, text in self.records.items()] + [
                    f"--txt-record=_dmarc.{OURS},v=DMARC1; p=reject"]

    def dnsfunc(self, name, timeout=5):
        r = dns.resolver.Resolver(configure=False)
        r.nameservers = ["127.0.0.1"]
        r.port = self.dport
        r.lifetime = timeout
        try:
            answer = r.resolve(name.decode().rstrip("."), "TXT")
        except dns.exception.DNSException:
            return None
        return b"".join(answer[0].strings)

    def arrived(self):
        self.wait_queue_empty()
        self.assertEqual(self.entries(), [])
        self.assertEqual(self.site.wait_quiet(), [])
        [msg] = self.box(self.remote, "friend")
        return msg.as_bytes()

    def signatures(self, raw):
        d = dkim.DKIM(raw.replace(b"\n", b"\r\n"))
        sigs = []
        for i in range(raw.count(b"\nDKIM-Signature:") +
                       raw.startswith(b"DKIM-Signature:")):
            try:
                ok = d.verify(idx=i, dnsfunc=self.dnsfunc)
            except dkim.ValidationError:
                ok = False  # dkimpy raises for a body hash mismatch
            sigs.append((d.signature_fields, ok))
        return sigs

    def submit(self, sender, rcpts, text, auth=None):
        port = self.site.start({"smtp": ["smtp-in"]})["smtp"]
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as c:
            c.ehlo("pc.example.com")
            if auth:
                c.login(*auth)
            c.sendmail(sender, rcpts, text.encode())


class Signing(DkimBase):
    def test_keygen_writes_private_keys_and_prints_records(self):
        for kind in ("rsa", "ed25519"):
            path = os.path.join(self.site.conf, "dkim", OURS,
                                f"yubin.{kind}")
            self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
            with open(path) as f:
                self.assertTrue(f.read().startswith(
                    "-----BEGIN PRIVATE KEY-----"))
        self.assertEqual(
            sorted(self.records),
            [f"yubin-ed25519._domainkey.{OURS}.",
             f"yubin-rsa._domainkey.{OURS}."])
        rsa = self.records[f"yubin-rsa._domainkey.{OURS}."]
        self.assertTrue(rsa.startswith("v=DKIM1; k=rsa; p=MIIBIjAN"), rsa)
        ed = self.records[f"yubin-ed25519._domainkey.{OURS}."]
        self.assertRegex(ed, r"^v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=$")
        # run again: the keys are kept, the same records printed
        r = self.site.cdbmake("--dkim-keygen", OURS)
        self.assertEqual(parse_records(r.stdout), self.records)
        self.assertIn("exists, kept", r.stderr)

    def test_keygen_refuses_a_domain_that_is_not_ours(self):
        r = self.site.cdbmake("--dkim-keygen", "remote.example", check=False)
        self.assertEqual(r.returncode, 100)
        self.assertIn("remote.example is not in domains.cdb", r.stderr)
        self.assertFalse(os.path.exists(
            os.path.join(self.site.conf, "dkim", "remote.example")))

    def test_queue_inject_mail_carries_two_valid_signatures(self):
        self.inject(["friend@remote.example"], MESSAGE)
        raw = self.arrived()
        sigs = self.signatures(raw)
        self.assertEqual(len(sigs), 2)
        algs = sorted(f[b"a"] for f, _ in sigs)
        self.assertEqual(algs, [b"ed25519-sha256", b"rsa-sha256"])
        for fields, ok in sigs:
            self.assertTrue(ok, fields)
            self.assertEqual(fields[b"d"], OURS.encode())
            self.assertEqual(fields[b"c"], b"relaxed/relaxed")
            self.assertIn(fields[b"s"], (b"yubin-rsa", b"yubin-ed25519"))
            signed = [h.lower() for h in fields[b"h"].split(b":")]
            # From oversigned: one more than there are From: fields
            self.assertEqual(signed.count(b"from"), 2)
            for h in (b"to", b"subject", b"message-id", b"date"):
                self.assertIn(h, signed)
        self.assertIn("DKIM-signed as example.com with yubin-rsa, "
                      "yubin-ed25519", self.site.log())
        # the receiving yubin (smtp-in on 127.0.0.2) checked them too
        msg = email.message_from_bytes(raw)
        [field] = msg.get_all("Authentication-Results")
        ar = authres.AuthenticationResultsHeader.parse(
            "Authentication-Results: " + field)
        dkims = sorted((r.result, r.header_s) for r in ar.results
                       if r.method == "dkim")
        self.assertEqual(dkims, [("pass", "yubin-ed25519"),
                                 ("pass", "yubin-rsa")])
        [dmarc] = [r for r in ar.results if r.method == "dmarc"]
        self.assertEqual((dmarc.result, [(p.name, p.value)
                                          for p in dmarc.properties]),
                         ("pass", [("from", OURS)]))

    def test_a_message_bigger_than_the_write_buffer_verifies(self):
        # over 64 KiB it is on disk before it is signed, and the
        # signatures are put in front of it in a new file
        big = MESSAGE + "".join(f"line {i} " + "x" * 70 + "\n"
                                for i in range(4000))
        self.inject(["friend@remote.example"], big)
        raw = self.arrived()
        self.assertGreater(len(raw), 300_000)
        sigs = self.signatures(raw)
        self.assertEqual([ok for _, ok in sigs], [True, True])

    def test_only_the_queued_copy_is_signed(self):
        self.inject(["friend@remote.example", "taro@example.com"], MESSAGE)
        sigs = self.signatures(self.arrived())
        self.assertEqual([ok for _, ok in sigs], [True, True])
        [local] = self.box(self.site, "taro")
        self.assertIsNone(local["DKIM-Signature"])
        self.assertEqual(local["Subject"], "signed")

    def test_a_changed_body_fails_both(self):
        self.inject(["friend@remote.example"], MESSAGE)
        raw = self.arrived().replace(b"Hello from home.", b"Hello from Eve.")
        sigs = self.signatures(raw)
        self.assertEqual([ok for _, ok in sigs], [False, False])

    def test_relay_client_submission_is_signed(self):
        self.submit("taro@example.com", ["friend@remote.example"],
                    MESSAGE.replace("\n", "\r\n"))
        sigs = self.signatures(self.arrived())
        self.assertEqual([ok for _, ok in sigs], [True, True])

    def test_foreign_from_is_never_signed_with_our_keys(self):
        text = MESSAGE.replace("taro@example.com", "someone@elsewhere.example")
        self.submit("someone@elsewhere.example", ["friend@remote.example"],
                    text.replace("\n", "\r\n"))
        raw = self.arrived()
        self.assertNotIn(b"DKIM-Signature", raw)
        self.assertIn("not signed: From: not a local domain", self.site.log())

    def test_mail_from_outside_is_not_signed(self):
        # a stranger (not in relay, no AUTH) writes to a local user who
        # forwards: even with our domain in From:, it is not ours to sign
        self.site.write("relay", "")
        self.site.write("users", self.site_users() +
                        "fwd::friend@remote.example\n")
        self.site.cdbmake()
        self.submit("taro@example.com", ["fwd@example.com"],
                    MESSAGE.replace("\n", "\r\n"))
        raw = self.arrived()
        self.assertNotIn(b"DKIM-Signature", raw)
        self.assertNotIn("DKIM-signed", self.site.log())

    def site_users(self):
        with open(os.path.join(self.site.conf, "users")) as f:
            return f.read()

    def test_a_domain_without_keys_goes_unsigned_and_the_log_says_so(self):
        shutil.rmtree(os.path.join(self.site.conf, "dkim"))
        self.inject(["friend@remote.example"], MESSAGE)
        raw = self.arrived()
        self.assertNotIn(b"DKIM-Signature", raw)
        log = self.site.log()
        self.assertEqual(
            log.count("no DKIM key for example.com (selector yubin)"), 1)

    def test_a_broken_key_defers_and_queues_nothing(self):
        path = os.path.join(self.site.conf, "dkim", OURS, "yubin.rsa")
        with open(path, "w") as f:
            f.write("-----BEGIN PRIVATE KEY-----\nnot a key\n")
        port = self.site.start({"smtp": ["smtp-in"]})["smtp"]
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as c:
            c.ehlo("pc.example.com")
            c.mail("taro@example.com")
            c.rcpt("friend@remote.example")
            code, text = c.data(MESSAGE.replace("\n", "\r\n").encode())
        self.assertEqual(code, 451, text)
        self.assertEqual(self.entries(), [])
        self.assertEqual(os.listdir(
            os.path.join(self.site.spool, "queue", "tmp")), [])
        self.assertIn("cannot DKIM-sign", self.site.log())
        r = subprocess.run([f"{BIN}/queue-inject", "-C", self.site.conf,
                            "friend@remote.example"], input=MESSAGE.encode(),
                           capture_output=True, timeout=30,
                           env=self.site.env())
        self.assertEqual(r.returncode, 75)
        self.assertIn(b"cannot DKIM-sign", r.stderr)
        self.assertEqual(self.entries(), [])

    def test_opendkim_testmsg_verifies_what_arrives(self):
        if os.environ.get("YUBIN_NETNS") != "1":
            self.skipTest("needs a private network and mount namespace")
        # libopendkim asks the resolver in /etc/resolv.conf, on port 53:
        # a dnsmasq there, and a resolv.conf of our own over the real one
        conf = os.path.join(self.site.dir, "resolv.conf")
        with open(conf, "w") as f:
            f.write("nameserver 127.0.0.1\n")
        dns53 = subprocess.Popen(
            ["dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null",
             "--no-resolv", "--no-hosts", "--bind-interfaces",
             "--listen-address=127.0.0.1", "--pid-file=", "--port=53",
             *self.extra_dns_records()], stderr=subprocess.DEVNULL)
        self.addCleanup(dns53.wait, 10)
        self.addCleanup(dns53.terminate)
        subprocess.run(["mount", "--bind", conf, "/etc/resolv.conf"],
                       check=True, timeout=10)
        self.addCleanup(subprocess.run, ["umount", "/etc/resolv.conf"],
                        timeout=10)
        from test_remote import wait_for_dns
        wait_for_dns(53)
        self.inject(["friend@remote.example"], MESSAGE)
        raw = self.arrived()
        r = subprocess.run(["opendkim-testmsg"], input=raw,
                           capture_output=True, timeout=30)
        self.assertEqual((r.returncode, r.stderr), (0, b""))
        bad = raw.replace(b"Hello from home.", b"Hello from Eve.")
        r = subprocess.run(["opendkim-testmsg"], input=bad,
                           capture_output=True, timeout=30)
        self.assertNotEqual(r.returncode, 0)


class Rotation(DkimBase):
    selector = "2026b"

    def test_the_selector_setting_picks_the_keys(self):
        # the old pair stays on disk and in DNS while the new one signs
        old, _, _ = make_keys("2026a")
        self.addCleanup(shutil.rmtree, old, True)
        for kind in ("rsa", "ed25519"):
            shutil.copy(os.path.join(old, "dkim", OURS, f"2026a.{kind}"),
                        os.path.join(self.site.conf, "dkim", OURS))
        # the next pair made ahead of time, not yet in use
        r = self.site.cdbmake("--dkim-keygen", OURS, "2026c")
        self.assertEqual(sorted(parse_records(r.stdout)),
                         [f"2026c-ed25519._domainkey.{OURS}.",
                          f"2026c-rsa._domainkey.{OURS}."])
        self.inject(["friend@remote.example"], MESSAGE)
        sigs = self.signatures(self.arrived())
        self.assertEqual(sorted(f[b"s"] for f, ok in sigs if ok),
                         [b"2026b-ed25519", b"2026b-rsa"])
        self.assertEqual(len(sigs), 2)

    def test_a_key_replaced_mid_session_signs_the_next_message(self):
        # smtp-in keeps the keys it decoded for the rest of its session:
        # a key file replaced under the same name must still sign the
        # next message, not the copy kept from the one before
        other, _, _ = make_keys(self.selector)  # never published
        self.addCleanup(shutil.rmtree, other, True)
        keys = os.path.join(self.site.conf, "dkim", OURS)
        published = tempfile.mkdtemp(prefix="yubin-dkim.")
        self.addCleanup(shutil.rmtree, published, True)
        for kind in ("rsa", "ed25519"):
            name = f"{self.selector}.{kind}"
            shutil.move(os.path.join(keys, name), published)
            shutil.copy(os.path.join(other, "dkim", OURS, name), keys)
        port = self.site.start({"smtp": ["smtp-in"]})["smtp"]
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as c:
            c.ehlo("pc.example.com")
            c.sendmail("taro@example.com", ["friend@remote.example"],
                       MESSAGE.replace("signed", "first")
                       .replace("\n", "\r\n").encode())
            for kind in ("rsa", "ed25519"):
                name = f"{self.selector}.{kind}"
                new = os.path.join(keys, name + ".new")
                shutil.copy(os.path.join(published, name), new)
                os.chmod(new, 0o600)
                give_to_servers(new)
                os.rename(new, os.path.join(keys, name))
            c.sendmail("taro@example.com", ["friend@remote.example"],
                       MESSAGE.replace("signed", "second")
                       .replace("\n", "\r\n").encode())
        self.wait_queue_empty()
        self.assertEqual(self.entries(), [])
        self.assertEqual(self.site.wait_quiet(), [])
        got = {m["Subject"]: m.as_bytes()
               for m in self.box(self.remote, "friend")}
        self.assertEqual(sorted(got), ["first", "second"])
        # the first was signed with the keys that were never published
        self.assertEqual([ok for _, ok in self.signatures(got["first"])],
                         [False, False])
        second = self.signatures(got["second"])
        self.assertEqual(sorted(f[b"s"] for f, ok in second if ok),
                         [b"2026b-ed25519", b"2026b-rsa"])
