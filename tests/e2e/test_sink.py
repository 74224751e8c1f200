"""remote-send talking to a peer that is not yubin: Postfix's smtp-sink
dumps every transaction it takes, and what it got is compared with what
was queued, octet for octet (smtp-sink undoes the dot-stuffing and
writes each line with LF for its CRLF)."""
import fcntl
import os
import shutil
import subprocess
import time

from yubintest import BIN, SiteTest, free_port

USERS = "webmaster::\npostmaster::webmaster\nabuse::webmaster\n"


class SmtpSink(SiteTest):
    def setUp(self):
        if shutil.which("smtp-sink") is None:
            self.skipTest("no smtp-sink (Debian postfix)")
        self.port = free_port()
        self.site = self.make_site(users=USERS, settings={
            "route": f"sink.example 127.0.0.9:{self.port}"})
        self.site.cdbmake()
        self.dumps = os.path.join(self.site.dir, "dumps")
        os.makedirs(self.dumps)
        self.sink = subprocess.Popen(
            ["smtp-sink", "-u", "root", "-d", f"{self.dumps}/%M%S.",
             f"127.0.0.9:{self.port}", "10"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(self.sink.wait, 10)
        self.addCleanup(self.sink.terminate)
        end = time.monotonic() + 10
        while not self.site.listening(self.port, "127.0.0.9"):
            self.assertLess(time.monotonic(), end, "smtp-sink not up")
            time.sleep(0.05)

    def test_what_goes_on_the_wire(self):
        body = (b"Subject: wire\n\n"
                b".starts with a dot\n"
                b".\n"
                b"..two\n"
                b"bare\rcarriage return\n"
                b"caf\xc3\xa9\n"
                + b"x" * 1500 + b"\n"
                b"no final newline")
        # the queue lock held meanwhile: queue-inject's own runner
        # leaves the entry, so the test can read it before it goes
        os.makedirs(os.path.join(self.site.spool, "queue"))
        with open(os.path.join(self.site.spool, "queue", "lock"), "a") as lk:
            fcntl.flock(lk, fcntl.LOCK_EX)
            r = subprocess.run([f"{BIN}/queue-inject", "-C", self.site.conf,
                                "-f", "taro@example.com", "-i",
                                "user@sink.example"],
                               input=body, capture_output=True, timeout=30,
                               env=self.site.env())
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(self.site.wait_quiet(), [])
        [qid] = os.listdir(os.path.join(self.site.spool, "queue", "info"))
        with open(os.path.join(self.site.spool, "queue", "mess", qid),
                  "rb") as f:
            queued = f.read()
        r = subprocess.run([f"{BIN}/remote-send", "-C", self.site.conf],
                           capture_output=True, text=True, timeout=60,
                           env=self.site.env())
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        self.assertEqual(os.listdir(os.path.join(self.site.spool, "queue",
                                                 "info")), [])
        [name] = os.listdir(self.dumps)
        with open(os.path.join(self.dumps, name), "rb") as f:
            dump = f.read()
        head, _, data = dump.partition(b"\nReceived: from ")
        self.assertIn(b"X-Mail-Args: <taro@example.com>", head)
        self.assertIn(b"BODY=8BITMIME", head)  # 8-bit text declared
        self.assertIn(b"X-Rcpt-Args: <user@sink.example>", head)
        # smtp-sink's own Received: is three lines; then the message
        data = data.split(b"\n", 3)[3]
        # smtp-sink undoes the dot-stuffing and writes LF for CRLF: what
        # it got must be the queued message, octet for octet, with a line
        # end added to the last line (CR only in CRLF on the wire: a bare
        # CR went out as a space; this one queue-inject had made one)
        want = queued if queued.endswith(b"\n") else queued + b"\n"
        self.assertEqual(data.rstrip(b"\n") + b"\n", want)
        self.assertIn(b"\n.starts with a dot\n.\n..two\n", data)
        self.assertIn(b"\nbare carriage return\n", data)
        self.assertNotIn(b"\r", data)
