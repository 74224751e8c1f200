"""The installed shape: the servers run as an unprivileged user (nobody
here, yubin on a real host) under xinetd, with the file owners and modes
INSTALL gives, and root's tools (cdbmake-users, queue-inject, remote-send
from cron) beside them. Mail goes in over SMTP, out by remote-send to a
second site, and is read back over POP3 and finger, and every file the
programs made belongs to the servers' user."""
import mailbox
import os
import poplib
import pwd
import smtplib
import socket
import subprocess

from test_remote import RemoteBase
from yubintest import BIN, make_hash

PW = "production secret"


class Production(RemoteBase):
    def setUp(self):
        if os.getuid() != 0:
            self.skipTest("needs root to run the servers as nobody")
        super().setUp()
        self.user = pwd.getpwnam("nobody")
        h = make_hash(PW)
        self.site.write("users", f"webmaster:{h}:\npostmaster::webmaster\n"
                                 f"abuse::webmaster\ntaro:{h}:\n")
        self.site.as_install_says("nobody")
        self.ports = self.site.start({"smtp": ["smtp-in"],
                                      "pop3": ["pop3-in"],
                                      "finger": ["finger-in"]},
                                     user="nobody")

    def owned_by_servers(self, top):
        for root, dirs, files in os.walk(top):
            for name in dirs + files:
                st = os.stat(os.path.join(root, name))
                self.assertEqual(st.st_uid, self.user.pw_uid,
                                 os.path.join(root, name))

    def test_mail_in_out_and_read_as_an_unprivileged_user(self):
        cdb = os.stat(os.path.join(self.site.conf, "users.cdb"))
        self.assertEqual((cdb.st_mode & 0o777, cdb.st_gid),
                         (0o640, self.user.pw_gid))
        c = smtplib.SMTP("127.0.0.1", self.ports["smtp"], timeout=20)
        c.sendmail("a@example.net", ["taro@example.com"],
                   b"Subject: in\r\n\r\nfor taro\r\n")
        c.login("taro", PW)
        # relayed: queued, and the remote-send smtp-in starts (as nobody)
        # takes it to the remote site
        c.sendmail("taro@example.com", ["friend@remote.example"],
                   b"Subject: out\r\n\r\nfor a friend\r\n")
        c.quit()
        self.assertEqual(self.site.wait_quiet(), [])
        self.assertEqual(self.entries(), [])
        [out] = self.box(self.remote, "friend")
        self.assertEqual(out["Subject"], "out")
        # root's cron job and tools change nothing about the owners
        r = subprocess.run([f"{BIN}/queue-inject", "-C", self.site.conf,
                            "taro@example.com"], input=b"Subject: cron\n\n",
                           capture_output=True, timeout=30,
                           env=self.site.env())
        self.assertEqual(r.returncode, 0, r.stderr)
        self.remote_send("--flush")
        self.assertEqual(self.site.wait_quiet(), [])
        p = poplib.POP3("127.0.0.1", self.ports["pop3"], timeout=20)
        p.user("taro")
        p.pass_(PW)
        self.assertEqual(p.stat()[0], 2)
        p.retr(1)
        p.dele(1)
        p.quit()
        self.assertEqual(len(list(mailbox.Maildir(
            self.site.maildir("taro"), create=False))), 1)
        with socket.create_connection(("127.0.0.1", self.ports["finger"]),
                                      timeout=20) as s:
            s.sendall(b"taro\r\n")
            answer = s.makefile("rb").read()
        self.assertIn(b"taro", answer)
        self.owned_by_servers(self.site.spool)
        self.assertEqual(os.stat(self.site.logfile).st_uid,
                         self.user.pw_uid)
        log = self.site.log()
        self.assertIn("result=delivered", log)
        self.assertIn("decision=delivered", log)
        self.assertIn("pop3 client=127.0.0.1 account=taro", log)

    def test_a_maildir_made_by_root_is_named_in_the_log(self):
        # an admin's `maildirmake` as root: the servers cannot write there
        maildir = os.path.join(self.site.spool, "mail", "taro")
        for sub in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(maildir, sub), exist_ok=True)
        for root, dirs, files in os.walk(maildir):
            for name in dirs + files + [""]:
                os.chown(os.path.join(root, name), 0, 0)
        c = smtplib.SMTP("127.0.0.1", self.ports["smtp"], timeout=20)
        c.ehlo("mx.example.net")
        c.mail("a@example.net")
        c.rcpt("taro@example.com")
        # the Maildir's file is made at DATA: refused there, for now
        self.assertEqual(c.docmd("DATA")[0], 451)
        c.quit()
        self.assertRegex(self.site.log(),
                         r"error: sid=\w+ cannot store a message: create "
                         + maildir + r"/tmp/\S+: Permission denied\n")
        # and yubin-check says what to do
        r = subprocess.run([f"{BIN}/yubin-check", "-C", self.site.conf,
                            "-o", "127.0.0.1:9"], capture_output=True,
                           text=True, timeout=120)
        self.assertIn("belong to another user (root)", r.stdout)
        self.assertIn(f"fix: chown -R {self.user.pw_uid}:"
                      f"{self.user.pw_gid} {self.site.spool}\n", r.stdout)
