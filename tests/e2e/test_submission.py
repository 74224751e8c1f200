"""Sender identity on submission: after AUTH on 587 (smtp-in -m) with
STARTTLS, through smtplib, a user sends only as addresses that are
theirs: their own address in any local domain, aliases and catch-alls
that lead into their Maildir; the same goes for the From: field. Others
get 553 5.7.1; `sender_check = no` turns it off."""
import mailbox
import smtplib

from test_tls import client_context
from yubintest import SiteTest, make_cert, make_hash

PW = "submit secret"


class Submission(SiteTest):
    def setUp(self):
        h = make_hash(PW)
        self.site = self.make_site(
            domains="example.com\nexample.org\n",
            relay="",
            users=(f"taro:{h}:\njiro:{h}:\nhanako@example.org:{h}:\n"
                   "postmaster::taro\nabuse::taro\n"
                   "webmaster::taro\nteam::taro,jiro\n"
                   "@example.org::jiro\n"))
        cert, key = make_cert(self.site.conf)
        self.site.settings.update({"tls_cert": cert, "tls_key": key})
        self.site.write_conf()
        self.site.cdbmake()
        self.port = self.site.start({"sub": ["smtp-in", "-m"]})["sub"]

    def session(self, user):
        c = smtplib.SMTP("127.0.0.1", self.port, timeout=30)
        self.addCleanup(c.close)
        c.ehlo("laptop.example.com")
        c.starttls(context=client_context())
        c.ehlo("laptop.example.com")
        c.login(user, PW)
        return c

    def mail_from(self, user, sender):
        c = self.session(user)
        code, text = c.mail(sender)
        c.quit()
        return code, text

    def test_own_addresses_and_aliases_are_allowed(self):
        for sender in ("taro@example.com", "TARO@example.org",
                       "webmaster@example.com", "team@example.org",
                       "postmaster@example.com", ""):
            self.assertEqual(self.mail_from("taro", sender)[0], 250, sender)
        # the catch-all of example.org leads to jiro, not to taro
        self.assertEqual(self.mail_from("jiro", "anything@example.org")[0],
                         250)

    def test_other_addresses_get_553(self):
        cases = [("taro", "jiro@example.com"),  # another account
                 ("taro", "hanako@example.org"),
                 ("taro", "anything@example.org"),  # jiro's catch-all
                 ("taro", "taro@gmail.example"),  # not a local domain
                 ("hanako@example.org", "hanako@example.com")]
        for user, sender in cases:
            code, text = self.mail_from(user, sender)
            self.assertEqual(code, 553, (user, sender))
            self.assertIn(b"5.7.1 Sender address not yours", text)
            self.assertIn(f"logged in as {user}".encode(), text)
        self.assertEqual(self.site.log().count("reason=not-own-sender"),
                         len(cases))

    def test_from_field_must_be_own_too(self):
        c = self.session("taro")
        msg = ("From: Jiro <jiro@example.com>\r\nTo: hanako@example.org\r\n"
               "Subject: forged\r\n\r\nhi\r\n")
        with self.assertRaises(smtplib.SMTPDataError) as e:
            c.sendmail("taro@example.com", ["hanako@example.org"], msg)
        self.assertEqual(e.exception.smtp_code, 553)
        self.assertIn(b"From: address not yours", e.exception.smtp_error)
        two = msg.replace("From: Jiro <jiro@example.com>",
                          "From: taro@example.com, jiro@example.com")
        with self.assertRaises(smtplib.SMTPDataError):
            c.sendmail("taro@example.com", ["hanako@example.org"], two)
        good = msg.replace("Jiro <jiro@", "Webmaster <webmaster@")
        c.sendmail("taro@example.com", ["hanako@example.org"], good)
        c.quit()
        box = mailbox.Maildir(self.site.maildir("example.org", "hanako"),
                              create=False)
        self.assertEqual([m["Subject"] for m in box], ["forged"])
        self.assertIn("result=refused-from-not-own", self.site.log())

    def test_addresses_listed_in_senders(self):
        self.site.write("senders", "# taro's own domain and old address\n"
                        "taro: taro@family.example , @Taro.Example\n")
        self.site.cdbmake()
        for sender in ("taro@family.example", "TARO@family.example",
                       "anyone@taro.example"):
            self.assertEqual(self.mail_from("taro", sender)[0], 250, sender)
        for user, sender in (("taro", "jiro@family.example"),
                             ("jiro", "taro@family.example"),
                             ("jiro", "x@taro.example")):
            self.assertEqual(self.mail_from(user, sender)[0], 553, sender)
        c = self.session("taro")
        c.sendmail("taro@family.example", ["hanako@example.org"],
                   "From: Taro <taro@family.example>\r\nSubject: listed"
                   "\r\n\r\nhi\r\n")
        c.quit()

    def test_sender_check_no_turns_it_off(self):
        self.site.settings["sender_check"] = "no"
        self.site.write_conf()
        self.assertEqual(self.mail_from("taro", "jiro@example.com")[0], 250)
        c = self.session("taro")
        c.sendmail("jiro@example.com", ["hanako@example.org"],
                   "From: jiro@example.com\r\nSubject: ok\r\n\r\nhi\r\n")
        c.quit()
