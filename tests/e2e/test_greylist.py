"""Greylisting (off by default): a stranger's first try of a (network,
sender, recipient) triple gets 451 4.7.1, a retry after greylist_delay
gets through, as does every later one; clients of ours never wait.
Client: smtplib, a fresh connection per try, as a retrying MTA."""
import os
import smtplib
import time

from yubintest import SiteTest

USERS = "taro::\njiro::\npostmaster::taro\nabuse::taro\n"


class Greylist(SiteTest):
    def setUp(self):
        self.site = self.make_site(users=USERS, relay="",
                                   settings={"greylist_delay": "5s"})
        self.site.cdbmake()
        self.port = self.site.start({"smtp": ["smtp-in"]})["smtp"]

    def send(self, sender, rcpt):
        with smtplib.SMTP("127.0.0.1", self.port, timeout=30) as c:
            c.ehlo("mx.sender.example")
            c.mail(sender)
            code, text = c.rcpt(rcpt)
            if code == 250:
                c.data(b"Subject: grey\r\n\r\nhello\r\n")
            return code, text

    def test_first_try_waits_the_retry_gets_through(self):
        code, text = self.send("a@sender.example", "taro@example.com")
        self.assertEqual(code, 451)
        self.assertRegex(text.decode(),
                         r"^4\.7\.1 Greylisted: please try again in [45] "
                         r"seconds$")
        # too soon: still waiting (5 s leaves room for a slow machine)
        self.assertEqual(self.send("a@sender.example",
                                   "taro@example.com")[0], 451)
        start = time.monotonic()
        while (code := self.send("a@sender.example",
                                 "taro@example.com")[0]) == 451:
            self.assertLess(time.monotonic() - start, 20)
            time.sleep(0.25)
        self.assertEqual(code, 250)
        # from now on at once; another recipient is another triple
        self.assertEqual(self.send("A@Sender.example",
                                   "taro@example.com")[0], 250)
        self.assertEqual(self.send("a@sender.example",
                                   "jiro@example.com")[0], 451)
        self.assertEqual(
            len(os.listdir(self.site.maildir("taro", "new"))), 2)
        self.assertIn("result=greylisted wait=5", self.site.log())

    def test_unknown_users_are_refused_not_greylisted(self):
        self.assertEqual(self.send("a@sender.example",
                                   "nobody@example.com")[0], 550)

    def test_our_clients_never_wait(self):
        self.site.write("relay", "127.0.0.1\n")
        self.site.cdbmake()
        self.assertEqual(self.send("a@sender.example",
                                   "taro@example.com")[0], 250)
        self.assertFalse(os.path.exists(
            os.path.join(self.site.spool, "greylist")))

    def test_off_by_default(self):
        del self.site.settings["greylist_delay"]
        self.site.write_conf()
        self.assertEqual(self.send("a@sender.example",
                                   "taro@example.com")[0], 250)
