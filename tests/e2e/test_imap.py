"""IMAP through Dovecot (Debian dovecot-imapd) on yubin's Maildirs, with
yubin's accounts by yubin-checkpassword: the sample configuration in
conf/dovecot, rewritten for the test's paths and ports, run by the test
on loopback. Python's imaplib logs in (and is refused with a wrong
password, a no-login account, a forward-only account and a locked-out
address), reads a message smtp-in delivered and moves one to Junk;
pop3-in, finger-in and delivery go on as before. The servers run as
nobody, as INSTALL sets them up."""
import imaplib
import os
import poplib
import shutil
import socket
import ssl
import subprocess
import time
import unittest

from yubintest import (BIN, SiteTest, connect, free_port, make_cert,
                       make_hash, recv_all)

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
PW = "imap secret"


@unittest.skipUnless(shutil.which("dovecot") and os.getuid() == 0,
                     "Dovecot (dovecot-imapd) and root are needed")
class Imap(SiteTest):
    def setUp(self):
        h = make_hash(PW)
        self.site = self.make_site(
            users=f"taro:{h}:\npostmaster::taro\nabuse::taro\n"
                  f"jiro:!:\nfwd:{h}:someone@example.net\n",
            settings={"lockout_failures": "2", "lockout_time": "1h"})
        cert, key = make_cert(self.site.dir)
        self.site.settings.update({"tls_cert": cert, "tls_key": key})
        self.site.write_conf()
        self.site.as_install_says("nobody")
        self.ports = self.site.start({"smtp": ["smtp-in"],
                                      "pop3": ["pop3-in"],
                                      "finger": ["finger-in"]},
                                     user="nobody")
        self.imap, self.imaps = free_port(), free_port()
        self.start_dovecot(cert, key)

    def start_dovecot(self, cert, key):
        d = os.path.join(self.site.dir, "dovecot")
        os.makedirs(os.path.join(d, "run", "state"))
        with open(os.path.join(TOP, "conf/dovecot/dovecot.conf")) as f:
            conf = f.read()
        for old, new in (("/etc/yubin/tls/cert.pem", cert),
                         ("/etc/yubin/tls/key.pem", key),
                         ("/usr/local/sbin/", BIN + "/"),
                         ("/etc/yubin", self.site.conf),
                         ("user = yubin", "user = nobody"),
                         ("listen = *, ::", "listen = 127.0.0.1"),
                         ("port = 143", f"port = {self.imap}"),
                         ("port = 993", f"port = {self.imaps}")):
            self.assertIn(old, conf)
            conf = conf.replace(old, new)
        # base_dir gets a link named dovecot.conf: the file lives apart
        conf = (f"base_dir = {d}/run\nstate_dir = {d}/run/state\n"
                f"log_path = {d}/dovecot.log\n"
                # not the 2 s Dovecot waits after a failed login
                "auth_failure_delay = 0\n"
                # no address-space limit: the sanitizer build of
                # yubin-checkpassword reserves terabytes for its shadow
                "default_vsz_limit = 0\n" + conf)
        path = os.path.join(d, "dovecot.conf")
        with open(path, "w") as f:
            f.write(conf)
        self.dovecot = subprocess.Popen(["dovecot", "-F", "-c", path],
                                        stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        self.addCleanup(self.dovecot.wait, 30)
        self.addCleanup(self.dovecot.terminate)
        self.dovecot_log = os.path.join(d, "dovecot.log")
        end = time.monotonic() + 20
        while not self.site.listening(self.imaps):
            self.assertIsNone(self.dovecot.poll(), "dovecot ended")
            self.assertLess(time.monotonic(), end, "dovecot did not start")
            time.sleep(0.1)

    def login(self, user, password, source="127.0.0.1"):
        """imaplib over TLS, from a loopback address of the test's choice
        (Dovecot and yubin both count failures per address)."""
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE  # the test's self-signed one

        class FromSource(imaplib.IMAP4_SSL):
            def _create_socket(self, timeout):
                sock = socket.create_connection(
                    (self.host, self.port), timeout,
                    source_address=(source, 0))
                return self.ssl_context.wrap_socket(
                    sock, server_hostname=self.host)
        c = FromSource("127.0.0.1", self.imaps, ssl_context=ctx, timeout=30)
        c.login(user, password)
        return c

    def refused(self, user, password, source="127.0.0.1"):
        with self.assertRaises(imaplib.IMAP4.error) as e:
            self.login(user, password, source)
        return str(e.exception)

    def pop_login(self, password, source):
        p = poplib.POP3("127.0.0.1", self.ports["pop3"], timeout=30)
        p.sock.close()  # again, from source
        p.sock = socket.create_connection(("127.0.0.1", self.ports["pop3"]),
                                          30, source_address=(source, 0))
        p.file = p.sock.makefile("rb")
        p._getresp()
        p.user("taro")
        try:
            p.pass_(password)
            return "+OK"
        except poplib.error_proto as e:
            return e.args[0].decode()
        finally:
            p.close()

    def send(self, subject):
        import smtplib
        with smtplib.SMTP("127.0.0.1", self.ports["smtp"], timeout=30) as c:
            c.sendmail("friend@example.net", ["taro@example.com"],
                       f"Subject: {subject}\r\n\r\nhello\r\n".encode())

    def pop_count(self):
        p = poplib.POP3("127.0.0.1", self.ports["pop3"], timeout=30)
        p.user("taro")
        p.pass_(PW)
        n = p.stat()[0]
        p.quit()
        return n

    def test_read_move_and_the_rest_goes_on(self):
        self.send("first")
        self.send("second")
        c = self.login("taro", PW)
        self.assertEqual(c.select("INBOX"), ("OK", [b"2"]))
        typ, data = c.fetch("1:2", "(BODY[HEADER.FIELDS (SUBJECT)])")
        subjects = sorted(x[1].strip() for x in data if isinstance(x, tuple))
        self.assertEqual(subjects, [b"Subject: first", b"Subject: second"])
        self.assertEqual(c.create("Junk")[0], "OK")
        self.assertEqual(c.uid("MOVE", "2", "Junk")[0], "OK")
        c.logout()
        # the Maildir as the other programs see it
        maildir = self.site.maildir("taro")
        self.assertTrue(os.path.isdir(os.path.join(maildir, ".Junk", "cur")))
        self.assertFalse(os.path.exists(os.path.join(maildir,
                                                     "maildirfolder")))
        self.assertEqual(self.pop_count(), 1)  # the inbox only
        with connect(self.ports["finger"]) as s:
            s.sendall(b"taro\r\n")
            self.assertIn("Messages: 1 ", recv_all(s).decode())
        self.send("third")
        self.assertEqual(self.pop_count(), 2)
        c = self.login("taro", PW)
        typ, folders = c.list()
        self.assertEqual(sorted(f.split(b' "." ')[1] for f in folders),
                         [b"INBOX", b"Junk"])
        self.assertEqual(c.select("Junk"), ("OK", [b"1"]))
        self.assertEqual(c.select("INBOX"), ("OK", [b"2"]))
        c.logout()
        log = self.site.log()
        self.assertIn('imap client=127.0.0.1 login="taro" account=taro '
                      'result=ok', log)

    def test_refusals(self):
        # Dovecot slows an address after each failure (2 s, 4 s, ...):
        # each case from an address of its own
        # a forward-only account has no mailbox to serve
        self.assertIn("AUTHENTICATIONFAILED",
                      self.refused("fwd", PW, "127.0.0.11"))
        self.assertIn('login="fwd" result=no-mailbox', self.site.log())
        # a no-login account
        self.assertIn("AUTHENTICATIONFAILED",
                      self.refused("jiro", "x", "127.0.0.12"))
        # the lockout is shared with smtp-in and pop3-in: IMAP failures
        # lock POP3 out ...
        for pw in ("wrong", "bad"):
            self.assertIn("AUTHENTICATIONFAILED",
                          self.refused("taro", pw, "127.0.0.13"))
        self.assertIn("too many failed logins",
                      self.pop_login(PW, "127.0.0.13"))
        # ... and POP3 failures IMAP: the right password is not looked at
        for pw in ("wrong", "bad"):
            self.assertIn("[AUTH]", self.pop_login(pw, "127.0.0.14"))
        self.assertIn("AUTHENTICATIONFAILED",
                      self.refused("taro", PW, "127.0.0.14"))
        self.assertIn('imap client=127.0.0.14 login="taro" '
                      'result=locked-out', self.site.log())
        # another address is not affected
        self.login("taro", PW, "127.0.0.15").logout()
