"""queue-inject as cron jobs and CGI form-mail scripts use it: a message on
standard input, sendmail's options, exit codes. Mailboxes are read with
mailbox.Maildir, headers with Python's email parser."""
import email
import email.header
import mailbox
import os
import shutil
import socket
import subprocess
import threading
import time
import tempfile

from yubintest import BIN, SiteTest

USERS = ("webmaster::\npostmaster::webmaster\nabuse::webmaster\ntaro::\n"
         "hanako@example.com::\nfwd::.,friend@example.net\n")


class QueueInject(SiteTest):
    def setUp(self):
        self.site = self.make_site(users=USERS)
        self.site.cdbmake()

    def inject(self, args, text, binary=f"{BIN}/queue-inject"):
        return subprocess.run([binary, "-C", self.site.conf, *args],
                              input=text.encode("latin-1"),
                              capture_output=True, timeout=30,
                              env=self.site.env())

    def box(self, *path):
        try:
            return list(mailbox.Maildir(self.site.maildir(*path),
                                        create=False))
        except (FileNotFoundError, mailbox.NoSuchMailboxError):
            return []

    def queued(self):
        d = os.path.join(self.site.spool, "queue", "info")
        found = []
        for f in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            with open(os.path.join(d, f)) as info:
                found.append(info.read())
        return found

    def test_adds_missing_headers(self):
        r = self.inject(["taro@example.com"], "Subject: cron\n\nall done\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        [m] = self.box("taro")
        self.assertEqual(m["Subject"], "cron")
        self.assertEqual(m["From"], "root@mail.example.com")
        self.assertIsNotNone(email.utils.parsedate_to_datetime(m["Date"]))
        self.assertRegex(m["Message-ID"], r"^<.+@mail\.example\.com>$")
        self.assertEqual(m["Return-Path"], "<root@mail.example.com>")
        self.assertIn("(yubin queue-inject)", m["Received"])
        self.assertEqual(m.get_payload(), "all done\n")

    def test_dash_t_takes_recipients_and_drops_bcc(self):
        text = ("From: Form <form@example.com>\n"
                "To: \"Taro, Yamada\" <taro@example.com>,\n"
                "  hanako@example.com (Hanako)\n"
                "Cc: team: webmaster@example.com;\n"
                "Bcc: friend@example.net\n"
                "Subject: contact form\n\nname=Jiro\n")
        r = self.inject(["-t", "-i"], text)
        self.assertEqual(r.returncode, 0, r.stderr)
        for box in (("taro",), ("example.com", "hanako"), ("webmaster",)):
            [m] = self.box(*box)
            self.assertIsNone(m["Bcc"], box)
            self.assertEqual(m["From"], "Form <form@example.com>")
            self.assertNotIn("friend@example.net", m.as_string())
        [info] = self.queued()
        self.assertIn("rcpt friend@example.net\n", info)

    def test_sender_and_full_name(self):
        r = self.inject(["-f", "robot@example.com", "-F", "The Robot",
                         "taro@example.com"], "Subject: x\n\nbody\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        [m] = self.box("taro")
        self.assertEqual(m["From"], '"The Robot" <robot@example.com>')
        self.assertEqual(m["Return-Path"], "<robot@example.com>")

    def test_full_name_cannot_add_a_header(self):
        # a form-mail script passing a visitor's name to -F
        r = subprocess.run([f"{BIN}/queue-inject", "-C", self.site.conf,
                            "-f", "form@example.com", "-F",
                            "Eve\nBcc: victim@example.net\r\nX-Evil: 1",
                            "taro@example.com"], input=b"Subject: x\n\nb\n",
                           capture_output=True, timeout=30,
                           env=self.site.env())
        self.assertEqual(r.returncode, 0, r.stderr)
        [m] = self.box("taro")
        self.assertIsNone(m["Bcc"])
        self.assertIsNone(m["X-Evil"])
        self.assertEqual(m["From"], '"Eve Bcc: victim@example.net  X-Evil: 1"'
                         ' <form@example.com>')
        self.assertEqual(self.queued(), [])

    def test_non_ascii_full_name_is_encoded(self):
        name = "山田 太郎 \"Taro\" " + "郵便" * 20
        r = subprocess.run([f"{BIN}/queue-inject", "-C", self.site.conf,
                            "-f", "taro@example.com", "-F", name,
                            "taro@example.com"], input=b"Subject: x\n\nb\n",
                           capture_output=True, timeout=30,
                           env=self.site.env())
        self.assertEqual(r.returncode, 0, r.stderr)
        [m] = self.box("taro")
        raw = m["From"]
        self.assertTrue(all(ord(ch) < 128 for ch in raw), raw)
        decoded = str(email.header.make_header(
            email.header.decode_header(raw)))
        self.assertEqual(decoded, name + " <taro@example.com>")

    def test_bare_cr_becomes_a_space(self):
        r = self.inject(["taro"], "Subject: a\rBcc: x@example.net\n\n"
                        "one\rtwo\r\nthree\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        [m] = self.box("taro")
        self.assertEqual(m["Subject"], "a Bcc: x@example.net")
        self.assertEqual(m.get_payload(), "one two\nthree\n")

    def test_dot_line_ends_input_unless_dash_i(self):
        text = "Subject: dots\n\nbefore\n.\nafter\n"
        self.assertEqual(self.inject(["taro"], text).returncode, 0)
        self.assertEqual(self.inject(["-oi", "taro"], text).returncode, 0)
        bodies = sorted(m.get_payload() for m in self.box("taro"))
        self.assertEqual(bodies, ["before\n", "before\n.\nafter\n"])

    def test_crlf_input_and_no_header(self):
        r = self.inject(["taro"], "just a line\r\nand another\r\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        [m] = self.box("taro")
        self.assertEqual(m.get_payload(), "just a line\nand another\n")
        self.assertIsNotNone(m["Date"])

    def test_forward_and_remote_are_queued(self):
        r = self.inject(["fwd", "someone@example.org"], "Subject: q\n\nx\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        [info] = self.queued()
        self.assertIn("rcpt friend@example.net\nvia fwd\n", info)
        self.assertIn("rcpt someone@example.org\n", info)
        self.assertIn("sender root@mail.example.com\n", info)
        self.assertEqual(len(self.box("fwd")), 1)

    def test_errors_and_exit_codes(self):
        cases = [
            (["nobody@example.com"], 65, "no such user here"),
            (["bad address@@x"], 65, "bad recipient address"),
            (["u%x@example.net@example.com"], 65, "bad recipient"),
            ([], 64, "no recipients"),
            (["-bp"], 64, "usage: queue-inject"),
            (["-X", "taro"], 64, "usage: queue-inject"),
        ]
        for args, code, text in cases:
            r = self.inject(args, "Subject: e\n\nx\n")
            self.assertEqual(r.returncode, code, args)
            self.assertIn(text, r.stderr.decode(), args)
        # unknown -o options are ignored, as sendmail does
        self.assertEqual(self.inject(["-odb", "-oem", "taro"],
                                     "Subject: o\n\nx\n").returncode, 0)
        self.assertEqual(len(self.box("taro")), 1)

    def test_temporary_failure_is_75(self):
        self.site.settings["spool"] = "/nonexistent/spool"
        self.site.write_conf()
        r = self.inject(["taro"], "Subject: t\n\nx\n")
        self.assertEqual(r.returncode, 75)
        self.assertIn("queue-inject:", r.stderr.decode())

    def test_root_becomes_the_spool_owner(self):
        if os.getuid() != 0:
            self.skipTest("needs root")
        os.chmod(self.site.dir, 0o755)  # mkdtemp made it 0700
        subprocess.run(["chown", "-R", "65534:65534", self.site.spool],
                       check=True)
        r = self.inject(["taro"], "Subject: owned\n\nx\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        new = self.site.maildir("taro", "new")
        [name] = os.listdir(new)
        self.assertEqual(os.stat(os.path.join(new, name)).st_uid, 65534)
        # Received: names who ran it (root), not whom it became
        with open(os.path.join(new, name)) as f:
            self.assertIn("(from root uid 0)", f.read())

    def test_installed_as_sendmail(self):
        dest = tempfile.mkdtemp(prefix="yubin-sendmail.")
        self.addCleanup(shutil.rmtree, dest, True)
        top = os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.abspath(__file__))))
        build = os.path.relpath(os.path.dirname(BIN), top)
        subprocess.run(["make", "-s", "-C", top, f"BUILD={build}",
                        "install-sendmail", f"DESTDIR={dest}", "PREFIX=/usr"],
                       check=True, capture_output=True, timeout=300)
        sendmail = os.path.join(dest, "usr/sbin/sendmail")
        self.assertEqual(os.readlink(sendmail), "queue-inject")
        mailq = os.path.join(dest, "usr/sbin/mailq")
        self.assertEqual(os.readlink(mailq), "remote-send")
        r = subprocess.run([mailq, "-C", self.site.conf], capture_output=True,
                           text=True, timeout=30, env=self.site.env())
        self.assertIn("0 entries in the queue", r.stdout)
        r = self.inject(["-t", "-i"], "To: taro@example.com\nSubject: cgi"
                        "\n\nform\n", binary=sendmail)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([m["Subject"] for m in self.box("taro")], ["cgi"])


class FormMail(SiteTest):
    """A CGI script running as an unprivileged user (here www-data, the
    web server's; the servers run as nobody) pipes its message into
    `sendmail -t`: queue-inject hands it to the local smtp-in, as the
    user's own address, and names the user's uid."""

    def setUp(self):
        if os.getuid() != 0:
            self.skipTest("needs root to run something as www-data")
        self.site = self.make_site(users=USERS)
        self.site.cdbmake()
        self.port = self.site.start({"smtp": ["smtp-in"]})["smtp"]
        self.site.settings["local_smtp"] = f"127.0.0.1:{self.port}"
        self.site.write_conf()
        # what www-data needs: to read yubin.conf, and to leave sanitizer
        # reports (the spool and the databases stay closed to it)
        for d in (self.site.dir, self.site.conf):
            os.chmod(d, 0o755)
        os.chmod(self.site.asan, 0o777)

    def as_www_data(self, args, text):
        return subprocess.run(
            ["setpriv", "--reuid=33", "--regid=33", "--clear-groups",
             f"{BIN}/queue-inject", "-C", self.site.conf, *args],
            input=text.encode(), capture_output=True, timeout=60,
            env=self.site.env())

    def test_form_mail_as_www_data_reaches_the_mailbox(self):
        r = self.as_www_data(["-t", "-f", "boss@example.com"],
                           "To: taro@example.com\nSubject: form\n\n"
                           "name=Hanako\n")
        self.assertEqual((r.returncode, r.stderr), (0, b""))
        [m] = QueueInject.box(self, "taro")
        # the user's own address, whatever -f said
        self.assertEqual(m["Return-Path"], "<www-data@mail.example.com>")
        self.assertEqual(m["From"], "www-data@mail.example.com")
        received = m.get_all("Received")
        self.assertIn("([127.0.0.1])", received[0])  # smtp-in's
        self.assertIn("(from www-data uid 33)", received[1])
        self.assertEqual(m["Subject"], "form")
        self.assertIn("name=Hanako\n", m.get_payload())
        # www-data wrote nothing into the spool itself
        for root, dirs, files in os.walk(self.site.spool):
            for name in dirs + files:
                self.assertNotEqual(
                    os.stat(os.path.join(root, name)).st_uid, 33)

    def test_errors_have_the_sendmail_exit_codes(self):
        r = self.as_www_data(["nosuchuser@example.com"], "Subject: x\n\ny\n")
        self.assertEqual(r.returncode, 65)
        self.assertIn(b"550 5.1.1", r.stderr)
        self.site.stop()
        r = self.as_www_data(["taro@example.com"], "Subject: x\n\ny\n")
        self.assertEqual(r.returncode, 75)
        self.assertIn(b"cannot reach smtp-in at 127.0.0.1:", r.stderr)
        self.assertEqual(QueueInject.box(self, "taro"), [])

    def test_smtp_in_gone_during_the_message_is_a_temporary_failure(self):
        """The other side hangs up in the middle of a big message (here
        a server that says 354 and closes): queue-inject says so and
        exits 75, the caller keeps the message; it is not killed by
        SIGPIPE, which a caller would not know how to read."""
        lsn = socket.socket()
        lsn.bind(("127.0.0.1", 0))
        lsn.listen(1)
        self.addCleanup(lsn.close)
        self.site.settings["local_smtp"] = \
            f"127.0.0.1:{lsn.getsockname()[1]}"
        self.site.write_conf()

        def hang_up_after_354():
            c, _ = lsn.accept()
            f = c.makefile("rb")
            c.sendall(b"220 x\r\n")
            for reply in (b"250 x", b"250 ok", b"250 ok", b"354 go"):
                f.readline()
                c.sendall(reply + b"\r\n")
            f.read(1000)
            # a FIN first, then the reset for what is still coming: the
            # writer's next write fails with EPIPE, which is SIGPIPE
            c.shutdown(socket.SHUT_WR)
            time.sleep(0.3)
            c.close()
        t = threading.Thread(target=hang_up_after_354)
        t.start()
        body = "x" * 70 + "\n"
        r = self.as_www_data(["taro@example.com"],
                             "Subject: big\n\n" + body * 100000)
        t.join(10)
        self.assertEqual(r.returncode, 75, r.stderr)
        self.assertIn(b"queue-inject: smtp-in at 127.0.0.1:", r.stderr)

