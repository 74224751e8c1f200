"""Bad input never crashes or hangs a server: seeded random junk, long
lines and binary bytes to every server under xinetd (the sanitizer build
fails the test on any report), and a broken configuration."""
import random
import socket
import time

from yubintest import SiteTest, connect, make_hash, until_reply

SERVERS = {"smtp": ["smtp-in"], "pop3": ["pop3-in"], "finger": ["finger-in"]}


class Junk(SiteTest):
    def test_random_junk_to_every_server(self):
        h = make_hash("pw")
        site = self.make_site(users=f"taro:{h}:\npostmaster::taro\n"
                              "abuse::taro\n", settings={"timeout": "3"})
        site.cdbmake()
        ports = site.start(SERVERS)
        rng = random.Random(20261124)
        pieces = [b"\r\n", b"\n", b"\r", b"\x00", b".", b"..\r\n", b"\xff",
                  b"EHLO x\r\n", b"MAIL FROM:<a@example.net>\r\n",
                  b"RCPT TO:<taro@example.com>\r\n", b"DATA\r\n",
                  b"AUTH PLAIN\r\n", b"AUTH LOGIN\r\n", b"USER taro\r\n",
                  b"PASS pw\r\n", b"RETR 1\r\n", b"TOP 1 -1\r\n",
                  b"LIST 99999999999999999999\r\n", b"/W ", b"@",
                  b"A" * 3000, b"<" * 300, b"\"" * 10, b"%!@:,"]
        t0 = time.monotonic()
        for i in range(60):
            name = rng.choice(list(ports))
            blob = b"".join(rng.choice(pieces) if rng.random() < 0.6 else
                            bytes(rng.randrange(256)
                                  for _ in range(rng.randrange(1, 200)))
                            for _ in range(rng.randrange(1, 40)))
            with connect(ports[name], timeout=20) as s:
                try:
                    s.sendall(blob)
                    s.shutdown(socket.SHUT_WR)
                    while s.recv(65536):
                        pass  # the server answers, then closes
                except (ConnectionResetError, BrokenPipeError):
                    pass  # it may hang up on a flood: fine, no crash
        self.assertLess(time.monotonic() - t0, 120)
        # and every server still works afterwards
        with connect(ports["smtp"]) as s:
            self.assertTrue(s.recv(100).startswith(b"220 "))


class ServerTimeouts(SiteTest):
    def test_silence_in_data_gets_421_and_nothing_is_kept(self):
        site = self.make_site(users="taro::\npostmaster::taro\nabuse::taro\n",
                              settings={"timeout": "2"})
        site.cdbmake()
        port = site.start({"smtp": ["smtp-in"]})["smtp"]
        with connect(port, timeout=20) as s:
            f = s.makefile("rb")
            f.readline()
            s.sendall(b"HELO x\r\nMAIL FROM:<a@example.net>\r\n"
                      b"RCPT TO:<taro@example.com>\r\nDATA\r\n"
                      b"Subject: half\r\n\r\nsome text")
            for _ in range(4):
                f.readline()
            self.assertRegex(f.readline(), rb"^421 4\.4\.2")
        import os
        for sub in ("new", "tmp"):
            d = site.maildir("taro", sub)
            self.assertEqual(os.listdir(d) if os.path.isdir(d) else [], [])
        self.assertIn("result=timeout-in-data", site.log())

    def test_auth_plain_by_continuation(self):
        import base64
        h = make_hash("pw")
        site = self.make_site(users=f"taro:{h}:\npostmaster::taro\n"
                              "abuse::taro\n")
        site.cdbmake()
        port = site.start({"smtp": ["smtp-in"]})["smtp"]
        with connect(port) as s:
            f = s.makefile("rb")
            f.readline()
            s.sendall(b"EHLO x\r\n")
            until_reply(f, b"250 ")
            s.sendall(b"AUTH PLAIN\r\n")
            self.assertEqual(f.readline(), b"334 \r\n")
            s.sendall(base64.b64encode(b"\0taro\0pw") + b"\r\n")
            self.assertRegex(f.readline(), rb"^235 2\.7\.0")


class BrokenConfig(SiteTest):
    def test_bad_setting_gives_temporary_failures_and_file_line(self):
        site = self.make_site(users="taro::\npostmaster::taro\nabuse::taro\n")
        site.cdbmake()
        with open(f"{site.conf}/yubin.conf", "a") as f:
            f.write("frobnicate = yes\n")
        ports = site.start(SERVERS)
        with connect(ports["smtp"]) as s:
            self.assertRegex(s.recv(200), rb"^421 4\.3\.0")
        with connect(ports["pop3"]) as s:
            self.assertRegex(s.recv(200), rb"^-ERR \[SYS/TEMP\]")
        with connect(ports["finger"]) as s:
            s.sendall(b"taro\r\n")
            self.assertIn(b"temporary failure", s.recv(200))
