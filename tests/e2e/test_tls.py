"""TLS on the servers: STARTTLS (RFC 3207), STLS (RFC 2595) and TLS from
the first byte (RFC 8314), with a throw-away certificate from openssl.
Clients: smtplib, poplib, swaks and openssl s_client."""
import mailbox
import os
import poplib
import smtplib
import socket
import ssl
import subprocess

from yubintest import (SiteTest, connect, make_cert, make_hash,
                       until_reply)

PW = "tls secret"


def client_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # our self-signed test certificate
    return ctx


class TlsBase(SiteTest):
    with_tls = True

    def setUp(self):
        h = make_hash(PW)
        self.site = self.make_site(users=f"taro:{h}:\npostmaster::taro\n"
                                   "abuse::taro\n")
        if self.with_tls:
            cert, key = make_cert(self.site.conf)
            self.site.settings.update({"tls_cert": cert, "tls_key": key})
            self.site.write_conf()
        self.site.cdbmake()
        self.ports = self.site.start({
            "smtp": ["smtp-in"], "smtps": ["smtp-in", "-s"],
            "pop3": ["pop3-in"], "pop3s": ["pop3-in", "-s"]})


class Smtp(TlsBase):
    @staticmethod
    def read_to_close(f):
        try:
            return f.read()
        except ConnectionResetError:
            return b""  # closed with our junk unread: a reset

    def test_starttls_then_auth_and_esmtpsa(self):
        c = smtplib.SMTP("127.0.0.1", self.ports["smtp"], timeout=20)
        c.ehlo("x")
        self.assertTrue(c.has_extn("starttls"))
        c.starttls(context=client_context())
        c.ehlo("x")
        self.assertFalse(c.has_extn("starttls"))
        c.login("taro", PW)
        c.sendmail("taro@example.com", ["taro@example.com"],
                   b"Subject: over tls\r\n\r\nx\r\n")
        c.quit()
        [m] = mailbox.Maildir(self.site.maildir("taro"), create=False)
        self.assertRegex(m["Received"], r"with ESMTPSA \(TLSv1\.[23] ")
        self.assertIn("smtp tls client=127.0.0.1 TLSv1", self.site.log())

    def test_pipelined_commands_after_starttls_are_discarded(self):
        with connect(self.ports["smtp"]) as raw:
            f = raw.makefile("rb")
            f.readline()
            raw.sendall(b"EHLO x\r\n")
            until_reply(f, b"250 ")
            # the CVE-2011-0411 class: commands behind STARTTLS
            raw.sendall(b"STARTTLS\r\nMAIL FROM:<evil@example.net>\r\n")
            self.assertTrue(f.readline().startswith(b"220 "))
            tls = client_context().wrap_socket(raw)
            tf = tls.makefile("rb")
            tls.sendall(b"EHLO y\r\n")
            first = tf.readline()
            self.assertEqual(first, b"250-mail.example.com\r\n")
            if not first.startswith(b"250 "):
                until_reply(tf, b"250 ")
            tls.sendall(b"MAIL FROM:<a@example.net>\r\n")
            # no transaction was opened by the injected MAIL
            self.assertTrue(tf.readline().startswith(b"250 2.1.0"))

    def test_implicit_tls(self):
        raw = socket.create_connection(("127.0.0.1", self.ports["smtps"]),
                                       timeout=20)
        with client_context().wrap_socket(raw) as tls:
            self.assertTrue(tls.makefile("rb").readline().startswith(
                b"220 mail.example.com ESMTP"))

    def test_garbage_handshake_ends_cleanly(self):
        with connect(self.ports["smtp"], timeout=30) as raw:
            f = raw.makefile("rb")
            f.readline()
            raw.sendall(b"EHLO x\r\nSTARTTLS\r\n")
            until_reply(f, b"220 ")
            raw.sendall(os.urandom(3000))
            self.assertEqual(self.read_to_close(f), b"")  # closed, no hang
        with connect(self.ports["smtps"], timeout=30) as raw:
            raw.sendall(b"EHLO not tls at all\r\n")
            self.assertEqual(self.read_to_close(raw.makefile("rb")), b"")
        self.assertIn("result=tls-failed", self.site.log())

    def test_openssl_s_client_starttls_smtp(self):
        r = subprocess.run(
            ["openssl", "s_client", "-quiet", "-starttls", "smtp",
             "-connect", f"127.0.0.1:{self.ports['smtp']}"],
            input="EHLO x\r\nQUIT\r\n", capture_output=True, text=True,
            timeout=60)
        self.assertIn("250-mail.example.com", r.stdout)
        self.assertIn("250-AUTH PLAIN LOGIN", r.stdout)
        self.assertNotIn("STARTTLS", r.stdout)
        self.assertIn("221 2.0.0", r.stdout)

    def test_swaks_tls(self):
        r = subprocess.run(
            ["swaks", "--server", f"127.0.0.1:{self.ports['smtp']}", "--tls",
             "--from", "taro@example.com", "--to", "taro@example.com",
             "--auth", "PLAIN", "--auth-user", "taro", "--auth-password",
             PW], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("TLS started", r.stdout)


class Pop3(TlsBase):
    def test_stls_and_pop3s(self):
        p = poplib.POP3("127.0.0.1", self.ports["pop3"], timeout=20)
        self.assertIn("STLS", p.capa())
        p.stls(context=client_context())
        self.assertNotIn("STLS", p.capa())
        p.user("taro")
        p.pass_(PW)
        self.assertEqual(p.stat(), (0, 0))
        p.quit()
        p = poplib.POP3_SSL("127.0.0.1", self.ports["pop3s"], timeout=20,
                            context=client_context())
        p.user("taro")
        p.pass_(PW)
        p.quit()

    def test_openssl_s_client_starttls_pop3(self):
        r = subprocess.run(
            ["openssl", "s_client", "-quiet", "-starttls", "pop3",
             "-connect", f"127.0.0.1:{self.ports['pop3']}"],
            input=f"USER taro\r\nPASS {PW}\r\nQUIT\r\n", capture_output=True,
            text=True, timeout=60)
        self.assertIn("+OK taro has 0 messages", r.stdout)


class WithoutCertificate(TlsBase):
    with_tls = False

    def test_nothing_offered_nothing_breaks(self):
        c = smtplib.SMTP("127.0.0.1", self.ports["smtp"], timeout=20)
        c.ehlo("x")
        self.assertFalse(c.has_extn("starttls"))
        self.assertEqual(c.docmd("STARTTLS")[0], 502)
        c.quit()
        p = poplib.POP3("127.0.0.1", self.ports["pop3"], timeout=20)
        self.assertNotIn("STLS", p.capa())
        p.quit()
        with connect(self.ports["smtps"], timeout=20) as s:
            self.assertEqual(s.makefile("rb").read(), b"")
