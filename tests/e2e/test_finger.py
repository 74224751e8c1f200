"""finger-in under xinetd: the Debian finger client and raw sockets."""
import mailbox
import os
import socket
import subprocess
import time
import unittest

from yubintest import SiteTest, connect, recv_all

USERS = "webmaster::\npostmaster::webmaster\nabuse::webmaster\nalias::webmaster\n"


def query(port, text):
    with connect(port) as s:
        s.sendall(text)
        return recv_all(s).decode("latin-1")


class FingerIn(SiteTest):
    def start(self, **settings):
        site = self.make_site(users=USERS, settings=settings)
        site.cdbmake()
        md = mailbox.Maildir(site.maildir("webmaster"), create=True)
        for i in range(3):
            md.add(f"Subject: {i}\n\nbody {i}\n")
        # one already read: moved to cur/ by a reader
        key = next(iter(md.keys()))
        msg = md[key]
        msg.set_subdir("cur")
        md[key] = msg
        return site, site.start({"finger": ["finger-in"]})["finger"]

    def test_status_of_a_mailbox(self):
        site, port = self.start()
        out = query(port, b"webmaster\r\n")
        self.assertIn("Mailbox: webmaster\r\n", out)
        self.assertIn("Messages: 3 (2 new)\r\n", out)
        size = sum(os.path.getsize(os.path.join(d, f))
                   for sub in ("new", "cur")
                   for d in [site.maildir("webmaster", sub)]
                   for f in os.listdir(d))
        self.assertIn(f"Size: {size} octets\r\n", out)
        self.assertRegex(out, r"Newest: \w{3}, \d\d \w{3} \d{4}")
        self.assertIn("finger client=127.0.0.1 query=\"webmaster\" "
                      "result=status", site.log())

    def test_verbose_switch_and_case(self):
        _, port = self.start()
        self.assertIn("Messages: 3 (2 new)", query(port, b"/W WebMaster\r\n"))

    def test_unknown_user_looks_like_an_empty_mailbox(self):
        _, port = self.start()
        unknown = query(port, b"nosuchuser\r\n")
        alias = query(port, b"alias\r\n")
        self.assertEqual(unknown, "Mailbox: nosuchuser\r\nMessages: 0 (0 new)"
                         "\r\nSize: 0 octets\r\nNewest: -\r\n")
        self.assertEqual(alias.replace("alias", "X"),
                         unknown.replace("nosuchuser", "X"))

    def test_forwarding_always_refused(self):
        _, port = self.start(finger="list")
        self.assertEqual(query(port, b"webmaster@127.0.0.1\r\n"),
                         "finger: forwarding refused\r\n")
        self.assertEqual(query(port, b"@other.example\r\n"),
                         "finger: forwarding refused\r\n")

    def test_empty_query_refused_unless_list(self):
        _, port = self.start()
        self.assertEqual(query(port, b"\r\n"),
                         "finger: please name an account\r\n")

    def test_list_setting(self):
        _, port = self.start(finger="list")
        out = query(port, b"\r\n")
        self.assertRegex(out, r"webmaster +3 +2 +\d+\r\n")
        self.assertNotIn("alias", out)  # no Maildir of its own

    def test_off_setting(self):
        _, port = self.start(finger="off")
        self.assertEqual(query(port, b"webmaster\r\n"),
                         "finger: this service is turned off\r\n")

    def test_long_query_and_junk(self):
        _, port = self.start()
        self.assertEqual(query(port, b"A" * 10240 + b"\r\n"),
                         "finger: query too long\r\n")
        out = query(port, b"\x1b[31mevil\x07\r\n")
        self.assertNotIn("\x1b", out)
        self.assertNotIn("\x07", out)
        self.assertIn("Mailbox: ?[31mevil?\r\n", out)
        self.assertEqual(query(port, b"a\0b\r\n"), "finger: bad query\r\n")

    def test_silent_client_is_dropped(self):
        _, port = self.start(timeout="2")
        with connect(port, timeout=15) as s:
            t0 = time.monotonic()
            self.assertEqual(recv_all(s), b"")  # closed, no hang
            # timeout = 2: neither before it nor long after
            self.assertGreater(time.monotonic() - t0, 1.8)
            self.assertLess(time.monotonic() - t0, 5)

    def test_debian_finger_client(self):
        site = self.make_site(users=USERS)
        site.cdbmake()
        mailbox.Maildir(site.maildir("webmaster"), create=True).add(
            "Subject: x\n\nhello\n")
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", 79))
            except OSError:
                raise unittest.SkipTest("port 79 in use (run under "
                                        "tests/check.sh's network namespace)")
        site.start({"finger": ["finger-in"]})
        # the client only speaks to port 79: move the service there
        site.stop()
        cfg = open(os.path.join(site.dir, "xinetd.conf")).read()
        port = site.ports["finger"]
        with open(os.path.join(site.dir, "xinetd.conf"), "w") as f:
            f.write(cfg.replace(f"port = {port}", "port = 79"))
        site.xinetd = subprocess.Popen(
            ["xinetd", "-dontfork", "-stayalive", "-f",
             os.path.join(site.dir, "xinetd.conf")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            if site.listening(79):
                break
            subprocess.run(["sleep", "0.05"])
        r = subprocess.run(["finger", "webmaster@127.0.0.1"],
                           capture_output=True, text=True, timeout=20)
        self.assertIn("Messages: 1 (1 new)", r.stdout)
        r = subprocess.run(["finger", "-l", "x@y@127.0.0.1"],
                           capture_output=True, text=True, timeout=20)
        self.assertIn("forwarding refused", r.stdout)
