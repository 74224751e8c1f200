"""DNS blocklists and allowlists at RCPT, with the lists served by the
tests' dnsmasq: 127.0.0.1 is listed in bl.test (with a TXT reason), in
codes.test with another answer, in wl.test (an allowlist) and, with the
error answer big lists give to refused resolvers, in refused.test."""
import smtplib

from test_remote import RemoteBase

REASON = "Listed for testing: see https://bl.test/127.0.0.1"


class Dnsbl(RemoteBase):
    def extra_dns_records(self):
        return ["--local=/test/",
                "--host-record=1.0.0.127.bl.test,127.0.0.2",
                f"--txt-record=1.0.0.127.bl.test,{REASON}",
                "--host-record=1.0.0.127.codes.test,127.0.0.4",
                "--host-record=1.0.0.127.wl.test,127.0.0.2",
                "--host-record=1.0.0.127.refused.test,127.255.255.254"]

    def setUp(self):
        super().setUp()
        self.site.write("relay", "")  # a stranger, as on the Internet
        self.site.cdbmake()

    def start(self, **settings):
        self.site.settings.update(settings)
        self.site.write_conf()
        self.port = self.site.start({"smtp": ["smtp-in"]})["smtp"]

    def rcpt(self, *addrs):
        with smtplib.SMTP("127.0.0.1", self.port, timeout=30) as c:
            c.ehlo("spammer.example")
            c.mail("x@spammer.example")
            return [c.rcpt(a) for a in addrs]

    def test_listed_client_reaches_only_postmaster_and_abuse(self):
        self.start(dnsbl="clean.test,bl.test")
        [(code, text), pm, ab] = self.rcpt("taro@example.com",
                                          "postmaster@example.com",
                                          "abuse@example.com")
        self.assertEqual(code, 554)
        self.assertEqual(text.decode(), "5.7.1 Client [127.0.0.1] is listed"
                         f" by bl.test: {REASON}")
        self.assertEqual((pm[0], ab[0]), (250, 250))
        with smtplib.SMTP("127.0.0.1", self.port, timeout=30) as c:
            c.sendmail("x@spammer.example", ["postmaster@example.com"],
                       b"Subject: please delist me\r\n\r\nhi\r\n")
        [m] = self.box(self.site, "webmaster")
        self.assertEqual(m["Subject"], "please delist me")
        log = self.site.log()
        self.assertIn(f'smtp dnsbl client=127.0.0.1 listed=bl.test '
                      f'reason="{REASON}"', log)
        self.assertIn("reason=dnsbl zone=bl.test", log)

    def test_only_the_answers_given_count(self):
        self.start(dnsbl="codes.test=127.0.0.2|127.0.0.3,refused.test")
        [(code, _)] = self.rcpt("taro@example.com")
        self.assertEqual(code, 250)
        self.site.settings["dnsbl"] = "codes.test=127.0.0.3|127.0.0.4"
        self.site.write_conf()
        [(code, text)] = self.rcpt("taro@example.com")
        self.assertEqual(code, 554)
        self.assertIn(b"listed by codes.test", text)

    def test_allowlist_wins(self):
        self.start(dnsbl="bl.test", dnswl="wl.test")
        [(code, _)] = self.rcpt("taro@example.com")
        self.assertEqual(code, 250)
        self.assertIn("allowlisted=wl.test", self.site.log())

    def test_our_own_clients_are_never_asked(self):
        self.site.write("relay", "127.0.0.1\n")
        self.site.cdbmake()
        self.start(dnsbl="bl.test")
        [(a, _), (b, _)] = self.rcpt("taro@example.com",
                                      "friend@remote.example")
        self.assertEqual((a, b), (250, 250))
        self.assertNotIn("smtp dnsbl", self.site.log())

    def test_dns_trouble_is_not_a_listing(self):
        # a resolver that is not there: the list cannot be asked
        self.start(dnsbl="bl.test", dns_servers="127.0.0.1:9")
        [(code, _)] = self.rcpt("taro@example.com")
        self.assertEqual(code, 250)
        self.assertIn("1 list(s) did not answer; taken as not listed",
                      self.site.log())
