"""Absence replies (RFC 3834): taro@example.com is away while his
Maildir holds vacation.txt. Mail comes in through smtp-in (smtplib) from
senders at remote.example, whose smtp-in takes the replies that
remote-send carries; they are read back with Python's mailbox module
and dkimpy checks their signature against the tests' dnsmasq."""
import os
import smtplib

import dkim

from test_dkim import DkimBase

AWAY = ("Subject: Away until Monday\n\n"
        "I am away until Monday and will answer then.\n")


class Vacation(DkimBase):
    def setUp(self):
        super().setUp()
        maildir = self.site.maildir("taro")
        for sub in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(maildir, sub), exist_ok=True)
        with open(os.path.join(maildir, "vacation.txt"), "w") as f:
            f.write(AWAY)
        self.site.write("relay", "")  # strangers
        self.site.cdbmake()
        self.port = self.site.start({"smtp": ["smtp-in"]})["smtp"]
        self.n = 0

    def send(self, sender, extra="", to="taro@example.com"):
        self.n += 1
        text = (f"From: <{sender or 'daemon@remote.example'}>\r\n"
                f"To: <{to}>\r\nSubject: question {self.n}\r\n"
                f"Message-ID: <q{self.n}@remote.example>\r\n{extra}\r\n"
                "Are you there?\r\n").encode()
        with smtplib.SMTP("127.0.0.1", self.port, timeout=30) as c:
            c.ehlo("mx.remote.example")
            c.sendmail(sender, ["taro@example.com"], text)
        self.wait_queue_empty()
        self.assertEqual(self.entries(), [])
        self.assertEqual(self.site.wait_quiet(), [])

    def replies(self):
        return [m for m in self.box(self.remote, "friend")
                if m["Auto-Submitted"] == "auto-replied"]

    def test_one_reply_per_sender_with_the_rfc_3834_fields(self):
        self.send("friend@remote.example")
        [r] = self.replies()
        self.assertEqual(r["From"], "<taro@example.com>")
        self.assertEqual(r["To"], "<friend@remote.example>")
        self.assertEqual(r["Subject"], "Away until Monday")
        self.assertEqual(r["In-Reply-To"], "<q1@remote.example>")
        self.assertEqual(r["References"], "<q1@remote.example>")
        self.assertEqual(r["Return-Path"], "<>")  # never answered back
        self.assertIn("I am away until Monday", r.get_payload())
        # signed like any mail of ours, and the signature holds
        raw = r.as_bytes()
        raw = raw[raw.index(b"DKIM-Signature:"):]
        self.assertTrue(dkim.verify(raw.replace(b"\n", b"\r\n"),
                                    dnsfunc=self.dnsfunc))
        # the original arrived, of course
        self.assertEqual(len(self.box(self.site, "taro")), 1)
        # again: no second reply within vacation_days
        self.send("friend@remote.example")
        self.assertEqual(len(self.replies()), 1)
        # another sender gets one (abuse@ is friend's too at remote)
        self.send("abuse@remote.example")
        self.assertEqual(len(self.replies()), 2)
        self.assertEqual(self.site.log().count("vacation: replied to"), 2)

    def test_never_to_lists_robots_or_the_null_sender(self):
        cases = [("", ""),
                 ("friend@remote.example", "List-Id: <club.remote.example>\r\n"),
                 ("friend@remote.example", "Precedence: bulk\r\n"),
                 ("friend@remote.example",
                  "Auto-Submitted: auto-generated\r\n"),
                 ("mailer-daemon@remote.example", ""),
                 ("club-request@remote.example", "")]
        for sender, extra in cases:
            self.send(sender, extra)
        # not named in To: or Cc: (a Bcc, or a list that hid him)
        self.send("friend@remote.example", to="club@remote.example")
        self.assertEqual(self.replies(), [])
        self.assertNotIn("vacation: replied", self.site.log())
        self.assertEqual(len(self.box(self.site, "taro")), 7)

    def test_the_text_can_live_in_the_users_home(self):
        # the admin links it once; the user writes and removes it
        home = os.path.join(self.site.dir, "home-taro")
        os.makedirs(home)
        link = os.path.join(self.site.maildir("taro"), "vacation.txt")
        os.remove(link)
        os.symlink(os.path.join(home, "vacation.txt"), link)
        self.send("friend@remote.example")  # no file yet: at work
        self.assertEqual(self.replies(), [])
        with open(os.path.join(home, "vacation.txt"), "w") as f:
            f.write("Out of the office.\n")
        self.send("friend@remote.example")
        [r] = self.replies()
        self.assertEqual(r["Subject"], "Auto: question 2")
        self.assertEqual(r.get_payload(), "Out of the office.\n")

    def test_back_from_holiday(self):
        os.remove(os.path.join(self.site.maildir("taro"), "vacation.txt"))
        self.send("friend@remote.example")
        self.assertEqual(self.replies(), [])
