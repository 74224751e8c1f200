"""SRS for forwards, checked from the other side.

A stranger's mail to a local account that forwards leaves with an SRS
sender of ours: pyspf (python3-spf), asking the tests' dnsmasq, passes it
where the original sender fails; postsrsd (Debian's, the reference
implementation) given the same secret makes the same address, and
reverses ours as we reverse its. Bounces to such an address reach the
original sender; a tampered one is refused at RCPT."""
import os
import smtplib
import socket
import subprocess
import time


from test_remote import RemoteBase
from yubintest import free_port

OURS = "mail.example.com"  # the site's hostname: the SRS domain


class SrsBase(RemoteBase):
    def setUp(self):
        super().setUp()
        with open(os.path.join(self.site.conf, "users")) as f:
            users = f.read()
        self.site.write("users", users + "fwd::friend@remote.example\n"
                        "lost::nobody@remote.example\n")
        self.site.write("relay", "")  # every client here is a stranger
        self.site.cdbmake()
        # made by the first cdbmake-users run, in RemoteBase.setUp
        self.assertTrue(os.path.exists(
            os.path.join(self.site.conf, "srs.secret")))
        self.port = self.site.start({"smtp": ["smtp-in"]})["smtp"]

    def extra_dns_records(self):
        return [f"--txt-record={OURS},v=spf1 ip4:127.0.0.1 -all",
                "--txt-record=sender.example,v=spf1 ip4:192.0.2.1 -all",
                "--txt-record=remote.example,v=spf1 ip4:192.0.2.1 -all"]

    def send(self, sender, rcpts, subject="forwarded"):
        with smtplib.SMTP("127.0.0.1", self.port, timeout=30) as c:
            c.ehlo("stranger.example")
            c.sendmail(sender, rcpts, f"From: <{sender or 'x@y'}>\r\n"
                       f"Subject: {subject}\r\n\r\nhello\r\n".encode())

    def arrived(self, count=1):
        self.wait_queue_empty()
        self.assertEqual(self.entries(), [])
        self.assertEqual(self.site.wait_quiet(), [])
        got = self.box(self.remote, "friend")
        self.assertEqual(len(got), count)
        return got

    def postsrsd(self):
        """A real postsrsd with our secret and domain; returns a query
        function for its forward and reverse tables."""
        fwd, rev = free_port(), free_port()
        p = subprocess.Popen(
            ["postsrsd", "-s", os.path.join(self.site.conf, "srs.secret"),
             "-d", OURS, "-l", "127.0.0.1", "-4", f"-f{fwd}", f"-r{rev}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(p.wait, 10)
        self.addCleanup(p.terminate)

        def query(table, key):
            port = fwd if table == "forward" else rev
            end = time.monotonic() + 10
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port),
                                                  timeout=10) as s:
                        s.sendall(b"get " + key.encode() + b"\n")
                        return s.recv(1000).decode().strip()
                except ConnectionRefusedError:
                    self.assertLess(time.monotonic(), end, "no postsrsd")
                    time.sleep(0.05)
        return query


class Forwards(SrsBase):
    def test_forward_passes_spf_with_srs_and_fails_without(self):
        self.send("alice@sender.example", ["fwd@example.com"])
        [m] = self.arrived()
        rp = m["Return-Path"].strip("<>")
        self.assertRegex(
            rp, r"^SRS0=[A-Za-z0-9+/]{4}=[A-Z2-7]{2}=sender\.example="
            r"alice@mail\.example\.com$")
        # the remote host saw us connect from 127.0.0.1
        self.assertEqual(self.pyspf("127.0.0.1", rp, OURS), "pass")
        self.assertEqual(
            self.pyspf("127.0.0.1", "alice@sender.example", OURS), "fail")
        self.assertIn(f"forwarded with sender <{rp}>", self.site.log())

    def test_postsrsd_makes_the_same_address_and_reverses_ours(self):
        self.send("alice@sender.example", ["fwd@example.com"])
        [m] = self.arrived()
        rp = m["Return-Path"].strip("<>")
        query = self.postsrsd()
        self.assertEqual(query("forward", "alice@sender.example"),
                         f"200 {rp}")
        self.assertEqual(query("reverse", rp), "200 alice@sender.example")

    def test_local_and_null_senders_are_kept(self):
        self.send("taro@example.com", ["fwd@example.com"], "local")
        self.send("", ["fwd@example.com"], "null")
        got = self.arrived(2)
        senders = sorted((m["Subject"], m["Return-Path"]) for m in got)
        self.assertEqual(senders, [("local", "<taro@example.com>"),
                                   ("null", "<>")])

    def test_relayed_mail_is_not_rewritten(self):
        # a relay client sending to a remote address is not a forward
        self.site.write("relay", "127.0.0.1\n")
        self.site.cdbmake()
        self.send("alice@sender.example", ["friend@remote.example"])
        [m] = self.arrived()
        self.assertEqual(m["Return-Path"], "<alice@sender.example>")


class Bounces(SrsBase):
    def test_a_bounce_to_the_srs_address_reaches_the_sender(self):
        self.send("friend@remote.example", ["fwd@example.com"])
        [m] = self.arrived()
        rp = m["Return-Path"].strip("<>")
        self.assertTrue(rp.startswith("SRS0="), rp)
        self.send("", [rp], "Undelivered Mail Returned to Sender")
        got = self.arrived(2)
        self.assertIn("Undelivered Mail Returned to Sender",
                      [x["Subject"] for x in got])

    def test_our_own_bounce_of_a_forward_goes_to_the_sender(self):
        # the forward's target does not exist: remote-send's report goes
        # to the original sender, not to our SRS address
        self.send("friend@remote.example", ["lost@example.com"])
        [m] = self.arrived()
        self.assertEqual(m["Return-Path"], "<>")
        self.assertEqual(m.get_content_type(), "multipart/report")
        self.assertIn("nobody@remote.example", m.as_string())

    def test_postsrsd_addresses_are_honoured(self):
        query = self.postsrsd()
        code, addr = query("forward", "friend@remote.example").split()
        self.assertEqual(code, "200")
        self.send("", [addr], "bounce of postsrsd's")
        [m] = self.arrived()
        self.assertEqual(m["Subject"], "bounce of postsrsd's")

    def test_tampered_and_malformed_addresses_are_refused(self):
        self.send("friend@remote.example", ["fwd@example.com"])
        [m] = self.arrived()
        rp = m["Return-Path"].strip("<>")
        h = rp[5:9]
        forged = [rp.replace(h, "AAAA" if h != "AAAA" else "BBBB", 1),
                  rp.replace("=friend@", "=eve@"),
                  rp.replace("=remote.example=", "=evil.example="),
                  f"SRS0=xx@{OURS}"]
        with smtplib.SMTP("127.0.0.1", self.port, timeout=30) as c:
            c.ehlo("stranger.example")
            c.mail("")
            for addr in forged:
                code, text = c.rcpt(addr)
                self.assertEqual(code, 550, addr)
                self.assertIn(b"5.7.1 Invalid SRS address", text)
        log = self.site.log()
        self.assertEqual(log.count("reason=srs-bad-hash"), 3)
        self.assertEqual(log.count("reason=srs-malformed"), 1)
