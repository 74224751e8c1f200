"""Login lockout across connections: after lockout_failures failed
logins from one address (AUTH in smtp-in and USER/PASS in pop3-in count
together), that address is refused for lockout_time without its password
being checked, even the right one; then it may try again. Clients:
smtplib and poplib, each attempt on a connection of its own."""
import os
import poplib
import smtplib
import time

from yubintest import SiteTest, make_hash

PW = "lock secret"


class Lockout(SiteTest):
    def setUp(self):
        h = make_hash(PW)
        self.site = self.make_site(
            users=f"taro:{h}:\npostmaster::taro\nabuse::taro\n",
            settings={"lockout_failures": "3", "lockout_time": "8s",
                      "auth_requires_tls": "no"})
        self.site.cdbmake()
        self.ports = self.site.start({"smtp": ["smtp-in"],
                                      "pop3": ["pop3-in"]})

    def smtp_login(self, password):
        with smtplib.SMTP("127.0.0.1", self.ports["smtp"], timeout=30) as c:
            c.ehlo("pc.example.com")
            # one AUTH PLAIN: login() would try LOGIN after it, two guesses
            c.user, c.password = "taro", password
            try:
                return c.auth("PLAIN", c.auth_plain)[0]
            except smtplib.SMTPResponseException as e:
                return e.smtp_code

    def pop_login(self, password):
        c = poplib.POP3("127.0.0.1", self.ports["pop3"], timeout=30)
        try:
            c.user("taro")
            c.pass_(password)
            return "+OK"
        except poplib.error_proto as e:
            return e.args[0].decode()
        finally:
            c.close()

    def test_three_failures_lock_both_services_then_it_ends(self):
        self.assertEqual(self.smtp_login("wrong 1"), 535)
        self.assertTrue(self.pop_login("wrong 2").startswith("-ERR [AUTH]"))
        self.assertEqual(self.smtp_login("wrong 3"), 535)
        locked_at = time.monotonic()
        # the right password is not even looked at now
        self.assertEqual(self.smtp_login(PW), 454)
        self.assertTrue(self.pop_login(PW).startswith(
            "-ERR [SYS/TEMP] too many failed logins"))
        log = self.site.log()
        self.assertEqual(log.count("lockout client=127.0.0.1 failures=3 "
                                   "seconds=8"), 1)
        self.assertIn('user="taro" result=locked-out', log)
        self.assertIn('login="taro" result=locked-out', log)
        # eight seconds after the last failure it is over (long enough
        # that the two refusals above, 1.5 s of delay each, fall well
        # inside it even on a slow machine)
        end = time.monotonic() + 30
        while self.smtp_login(PW) != 235:
            self.assertLess(time.monotonic(), end, "still locked out")
            time.sleep(0.25)
        # the third failure was recorded before its 1.5 s delay
        self.assertGreaterEqual(time.monotonic() - locked_at, 6)
        # the good login forgot the failures
        self.assertEqual(
            os.listdir(os.path.join(self.site.spool, "lockout")), [])
        self.assertEqual(self.pop_login(PW), "+OK")

    def test_a_good_login_in_between_resets_the_count(self):
        for _ in range(3):
            self.assertEqual(self.smtp_login("wrong"), 535)
            self.assertEqual(self.smtp_login("wrong"), 535)
            self.assertEqual(self.smtp_login(PW), 235)
        self.assertNotIn("lockout client=", self.site.log())

    def test_zero_turns_it_off(self):
        self.site.settings["lockout_failures"] = "0"
        self.site.write_conf()
        for _ in range(5):
            self.assertEqual(self.smtp_login("wrong"), 535)
        self.assertEqual(self.smtp_login(PW), 235)
        self.assertFalse(os.path.exists(
            os.path.join(self.site.spool, "lockout")))
