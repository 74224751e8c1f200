"""The content filter hook, with the real SpamAssassin: spamd on a
loopback port, spamc -c as the filter; GTUBE goes to the recipient's
Maildir++ .Junk folder, other mail to the inbox, and POP3 serves the
inbox only. A filter of the test's own (a Python script, still run
without a shell) shows the other verdicts, the header fields it prints,
and that a filter that hangs, crashes or cannot start never lets mail
in unscanned unless filter_fail_open says so."""
import mailbox
import os
import poplib
import shutil
import smtplib
import subprocess
import time
import unittest

from yubintest import SiteTest, free_port, make_hash

PW = "filter secret"
GTUBE = ("Subject: Test spam mail (GTUBE)\r\nFrom: a@spammer.example\r\n"
         "To: taro@example.com\r\n\r\nThis is the GTUBE.\r\n\r\n"
         "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
         "\r\n\r\n")
HAM = ("Subject: lunch\r\nFrom: hanako@friend.example\r\n"
       "To: taro@example.com\r\n\r\nLunch on Sunday?\r\n")

SCRIPT = r'''
import os, signal, sys, time
mode = sys.argv[1]
with open(sys.argv[2], "wb") as f:
    f.write(sys.stdin.buffer.read())
if mode == "hang":
    time.sleep(60)
if mode == "crash":
    os.kill(os.getpid(), signal.SIGSEGV)
print("X-Filter-Test: seen by the test filter")
print("not a header line, ignored")
sys.exit({"accept": 0, "junk": 1, "reject": 100, "tempfail": 111,
          "odd": 42}.get(mode, 0))
'''


class FilterBase(SiteTest):
    def setUp(self):
        self.site = self.make_site(
            users=f"taro:{make_hash(PW)}:\npostmaster::taro\nabuse::taro\n",
            relay="", settings={"filter_timeout": "2s"})
        self.site.cdbmake()

    def start(self, filt, **settings):
        self.site.settings["filter"] = filt
        self.site.settings.update(settings)
        self.site.write_conf()
        self.port = self.site.start({"smtp": ["smtp-in"],
                                     "pop3": ["pop3-in"]})["smtp"]

    def send(self, text):
        with smtplib.SMTP("127.0.0.1", self.port, timeout=30) as c:
            c.ehlo("mx.sender.example")
            c.mail("a@sender.example")
            c.rcpt("taro@example.com")
            return c.data(text.encode())

    def box(self, *folder):
        path = self.site.maildir("taro", *folder)
        if not os.path.isdir(path):
            return []
        return list(mailbox.Maildir(path, create=False))


@unittest.skipUnless(shutil.which("spamd") and shutil.which("spamc"),
                     "spamd and spamc (Debian spamd, spamc) are needed")
class SpamAssassin(FilterBase):
    def setUp(self):
        super().setUp()
        port = free_port()
        self.spamd = subprocess.Popen(
            ["spamd", f"--listen=127.0.0.1:{port}", "--max-children=1",
             "--nouser-config", "-u", "nobody", "--syslog=stderr",
             f"--pidfile={self.site.dir}/spamd.pid"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(self.spamd.wait, 30)
        self.addCleanup(self.spamd.terminate)
        end = time.monotonic() + 60
        while subprocess.run(["spamc", "-x", "-c", "-d", "127.0.0.1", "-p",
                              str(port)], input=b"Subject: x\n\nx\n",
                             capture_output=True,
                             timeout=30).returncode not in (0, 1):
            self.assertLess(time.monotonic(), end, "spamd did not start")
            time.sleep(0.2)
        # spamd answers in well under a second, but a loaded machine
        # must not turn GTUBE into a 451
        self.start(f"/usr/bin/spamc -x -c -d 127.0.0.1 -p {port}",
                   filter_timeout="30s")

    def test_gtube_goes_to_junk_and_pop3_serves_the_inbox(self):
        self.assertEqual(self.send(GTUBE)[0], 250)
        self.assertEqual(self.send(HAM)[0], 250)
        self.assertEqual([m["Subject"] for m in self.box()], ["lunch"])
        [junk] = self.box(".Junk")
        self.assertEqual(junk["Subject"], "Test spam mail (GTUBE)")
        self.assertTrue(os.path.exists(
            self.site.maildir("taro", ".Junk", "maildirfolder")))
        log = self.site.log()
        self.assertIn("filter junk (exit 1)", log)
        self.assertIn("filter accepted (exit 0)", log)
        c = poplib.POP3("127.0.0.1", self.site.ports["pop3"], timeout=30)
        c.user("taro")
        c.pass_(PW)
        self.assertEqual(c.stat()[0], 1)  # the inbox only
        c.quit()


class OwnFilter(FilterBase):
    def filt(self, mode, **settings):
        script = os.path.join(self.site.dir, "filter.py")
        with open(script, "w") as f:
            f.write(SCRIPT)
        # where the filter, run as the servers' user, leaves what it saw
        out = os.path.join(self.site.dir, "filter-out")
        os.makedirs(out, exist_ok=True)
        os.chmod(out, 0o777)
        self.seen = os.path.join(out, "seen.eml")
        self.start(f"/usr/bin/python3 {script} {mode} {self.seen}",
                   **settings)

    def test_accept_adds_the_fields_it_printed(self):
        self.filt("accept")
        self.assertEqual(self.send(HAM)[0], 250)
        [m] = self.box()
        self.assertEqual(m["X-Filter-Test"], "seen by the test filter")
        self.assertNotIn("not a header line", m.as_string())
        with open(self.seen, "rb") as f:
            seen = f.read()
        # the filter got the message as it will be stored: our verdict
        # and trace fields first, LF line ends, no Maildir Return-Path
        self.assertTrue(seen.startswith(
            b"Authentication-Results: mail.example.com;\n\tspf="))
        self.assertIn(b"\nReceived: from mx.sender.example", seen)
        self.assertNotIn(b"Return-Path", seen)
        self.assertTrue(seen.endswith(b"Lunch on Sunday?\n"))

    def test_reject_and_tempfail(self):
        self.filt("reject")
        code, text = self.send(HAM)
        self.assertEqual((code, text),
                         (554, b"5.7.1 Message refused by the content "
                               b"filter"))
        self.site.stop()
        self.filt("tempfail")
        self.assertEqual(self.send(HAM)[0], 451)
        self.assertEqual(self.box(), [])

    def test_failures_never_let_mail_in_unscanned(self):
        for mode in ("hang", "crash", "odd"):
            self.filt(mode)
            start = time.monotonic()
            code, text = self.send(HAM)
            self.assertEqual((mode, code), (mode, 451))
            self.assertIn(b"not scanned", text)
            self.assertLess(time.monotonic() - start, 20)
            self.site.stop()
        self.assertEqual(self.box(), [])
        log = self.site.log()
        self.assertIn("filter failed: no answer within 2 s", log)
        self.assertIn("filter failed: killed by signal 11", log)
        self.assertIn("filter failed: exit 42", log)

    def test_a_program_that_is_not_there(self):
        self.start("/nonexistent/filter")
        self.assertEqual(self.send(HAM)[0], 451)
        self.assertIn("filter failed: exit 127", self.site.log())

    def test_fail_open_is_the_admins_choice(self):
        self.filt("hang", filter_fail_open="yes")
        self.assertEqual(self.send(HAM)[0], 250)
        self.assertEqual(len(self.box()), 1)
        self.assertIn("let in unscanned", self.site.log())

    def test_our_own_clients_are_not_filtered(self):
        self.site.write("relay", "127.0.0.1\n")
        self.site.cdbmake()
        self.filt("reject")
        self.assertEqual(self.send(HAM)[0], 250)
        self.assertFalse(os.path.exists(self.seen))
