"""The rules for clients that are not on loopback, over real TCP: inside
the test's network namespace, 192.0.2.10 (the server, under xinetd) and
192.0.2.1 and 192.0.2.2 (clients) are added to lo, and the clients
connect from those addresses, as a LAN machine or an outsider would.
Relaying, clear-text passwords and POP-before-SMTP are decided by the
address the server sees, never by what the client says."""
import mailbox
import smtplib
import socket
import subprocess

from yubintest import SiteTest, make_hash

PW = "net secret"
SERVER = "192.0.2.10"
LAN = "192.0.2.1"       # in the relay list
OUTSIDE = "192.0.2.2"   # not


class NonLoopback(SiteTest):
    def setUp(self):
        import os
        if os.getuid() != 0 or not os.environ.get("YUBIN_NETNS"):
            self.skipTest("needs root in tests/check.sh's network namespace")
        for a in (SERVER, LAN, OUTSIDE):
            r = subprocess.run(["ip", "addr", "add", f"{a}/32", "dev", "lo"],
                               capture_output=True, text=True)
            if r.returncode != 0 and "already assigned" not in r.stderr:
                self.fail(r.stderr)
        h = make_hash(PW)
        self.site = self.make_site(
            users=f"webmaster:{h}:\npostmaster::webmaster\n"
                  f"abuse::webmaster\ntaro:{h}:\n",
            relay=f"127.0.0.1\n{LAN}\n",
            settings={"relay_after_pop_minutes": "10",
                      "auth_requires_tls": "yes"})
        self.site.cdbmake()
        self.ports = self.site.start({"smtp": ["smtp-in"]}, bind=SERVER)

    def smtp(self, source):
        c = smtplib.SMTP(SERVER, self.ports["smtp"], timeout=20,
                         source_address=(source, 0))
        self.addCleanup(c.close)
        return c

    def test_outsider_cannot_relay_or_send_a_password(self):
        c = self.smtp(OUTSIDE)
        c.ehlo("liar.example")
        self.assertFalse(c.has_extn("auth"))  # never in clear text here
        self.assertEqual(c.docmd("AUTH", "PLAIN AHRhcm8AeA==")[0], 538)
        c.mail("taro@example.com")  # a local sender changes nothing
        self.assertEqual(c.rcpt("someone@example.net")[0], 554)
        self.assertEqual(c.rcpt("taro@example.com")[0], 250)
        self.assertEqual(c.data(b"Subject: in\r\n\r\nx\r\n")[0], 250)
        c.quit()
        [m] = mailbox.Maildir(self.site.maildir("taro"), create=False)
        self.assertIn(f"([{OUTSIDE}])", m["Received"])
        self.assertIn(f"client={OUTSIDE}", self.site.log())

    def test_lan_client_relays(self):
        c = self.smtp(LAN)
        c.ehlo("pc.lan")
        c.mail("taro@example.com")
        self.assertEqual(c.rcpt("someone@example.net")[0], 250)
        c.quit()

    def test_pop_before_smtp_opens_relaying_for_that_address(self):
        self.site.stop()
        self.site.settings["auth_requires_tls"] = "no"
        self.site.write_conf()
        self.ports = self.site.start({"smtp": ["smtp-in"],
                                      "pop3": ["pop3-in"]}, bind=SERVER)
        c = self.smtp(OUTSIDE)
        c.ehlo("x")
        c.mail("taro@example.com")
        self.assertEqual(c.rcpt("someone@example.net")[0], 554)
        c.quit()
        # poplib cannot choose its source address: a socket can
        s = socket.create_connection((SERVER, self.ports["pop3"]),
                                     timeout=20, source_address=(OUTSIDE, 0))
        f = s.makefile("rb")
        self.assertTrue(f.readline().startswith(b"+OK"))
        for cmd in (b"USER taro", f"PASS {PW}".encode(), b"QUIT"):
            s.sendall(cmd + b"\r\n")
            self.assertTrue(f.readline().startswith(b"+OK"), cmd)
        s.close()
        c = self.smtp(OUTSIDE)
        c.ehlo("x")
        c.mail("taro@example.com")
        self.assertEqual(c.rcpt("someone@example.net")[0], 250)
        c.quit()

    def test_pop3_refuses_clear_text_passwords_off_loopback(self):
        self.site.stop()
        self.ports = self.site.start({"pop3": ["pop3-in"]}, bind=SERVER)
        s = socket.create_connection((SERVER, self.ports["pop3"]),
                                     timeout=20, source_address=(OUTSIDE, 0))
        self.addCleanup(s.close)
        f = s.makefile("rb")
        f.readline()
        s.sendall(b"CAPA\r\n")
        capa = []
        while (line := f.readline()) not in (b".\r\n", b""):
            capa.append(line)
        self.assertNotIn(b"USER\r\n", capa)
        s.sendall(b"USER taro\r\n")
        self.assertTrue(f.readline().startswith(b"-ERR [AUTH]"))

    def test_lan_clear_text_logins_are_the_admins_choice(self):
        def pop_login(source):
            s = socket.create_connection((SERVER, self.ports["pop3"]),
                                         timeout=20,
                                         source_address=(source, 0))
            with s, s.makefile("rb") as f:
                f.readline()
                s.sendall(b"USER taro\r\n")
                if not f.readline().startswith(b"+OK"):
                    return "refused"
                s.sendall(f"PASS {PW}\r\n".encode())
                return f.readline().split()[0].decode()
        self.site.stop()
        self.ports = self.site.start({"pop3": ["pop3-in"]}, bind=SERVER)
        self.assertEqual(pop_login(LAN), "refused")  # the default
        self.site.settings["cleartext_login_from_relay"] = "yes"
        self.site.write_conf()
        self.assertEqual(pop_login(LAN), "+OK")
        self.assertEqual(pop_login(OUTSIDE), "refused")  # never outsiders

