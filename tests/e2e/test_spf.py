"""SPF on receipt (RFC 7208) and the Authentication-Results: field (RFC
8601) it goes into, read back with python3-authres. The SPF records are
served by the tests' dnsmasq; libspf2 asks them through yubin's own
c-ares layer (dns_servers), which a dead server for dead.test and a
record with a bad mechanism push into temperror and permerror. The
client is 192.0.2.2, added to lo in the tests' network namespace:
libspf2 passes every loopback client."""

import authres
import smtplib

from test_remote import RemoteBase
from yubintest import stranger_address

CLIENT = "192.0.2.2"
CASES = [("pass.test", "pass"), ("fail.test", "fail"),
         ("soft.test", "softfail"), ("neutral.test", "neutral"),
         ("none.test", "none"), ("mx.test", "pass"), ("incl.test", "pass"),
         ("dead.test", "temperror"), ("bad.test", "permerror")]


class Spf(RemoteBase):
    def extra_dns_records(self):
        return ["--local=/test/", "--server=/dead.test/127.0.0.1#9",
                "--txt-record=pass.test,v=spf1 ip4:192.0.2.2 -all",
                "--txt-record=fail.test,v=spf1 ip4:192.0.2.1 -all",
                "--txt-record=soft.test,v=spf1 ~all",
                "--txt-record=neutral.test,v=spf1 ?all",
                "--host-record=none.test,192.0.2.7",
                "--txt-record=mx.test,v=spf1 mx -all",
                "--mx-host=mx.test,mail.mx.test,10",
                "--host-record=mail.mx.test,192.0.2.2",
                "--txt-record=incl.test,v=spf1 include:pass.test -all",
                "--txt-record=bad.test,v=spf1 frobnicate:x -all"]

    def setUp(self):
        stranger_address(self, CLIENT)
        super().setUp()
        self.site.write("relay", "")  # a stranger on port 25
        self.site.cdbmake()
        self.port = self.site.start({"smtp": ["smtp-in"]})["smtp"]

    def send(self, sender, helo="client.example"):
        subject = f"spf {sender} {helo}"
        with smtplib.SMTP("127.0.0.1", self.port, timeout=60,
                          source_address=(CLIENT, 0)) as c:
            c.ehlo(helo)
            c.sendmail(sender, ["taro@example.com"],
                       f"Subject: {subject}\r\n\r\nhi\r\n".encode())
        [msg] = [m for m in self.box(self.site, "taro")
                 if m["Subject"] == subject]
        return msg

    def verdict(self, msg):
        [field] = msg.get_all("Authentication-Results")
        ar = authres.AuthenticationResultsHeader.parse(
            "Authentication-Results: " + field)
        self.assertEqual(ar.authserv_id, "mail.example.com")
        # with the DKIM and DMARC verdicts (test_dmarc.py) after it
        self.assertEqual([r.method for r in ar.results],
                         ["spf", "dkim", "dmarc"])
        return ar.results[0]

    def test_every_result(self):
        for domain, want in CASES:
            res = self.verdict(self.send(f"someone@{domain}"))
            self.assertEqual((domain, res.result), (domain, want))
            theirs = self.pyspf(CLIENT, f"someone@{domain}",
                                "client.example")
            self.assertEqual((domain, theirs),
                             (domain, want))
            [prop] = res.properties
            self.assertEqual((prop.type, prop.name, prop.value),
                             ("smtp", "mailfrom", f"someone@{domain}"))
        self.assertRegex(self.site.log(),
                         r"message (\S+): spf=fail dkim=none dmarc=permerror "
                         r"from=- \(no single From: address\)\n.*smtp message "
                         r"client=192\.0\.2\.2 .*from=<someone@fail\.test> "
                         r".*id=\1 ")

    def test_a_big_message_gets_it_too(self):
        # over the 64 KiB write buffer: the file is written again
        body = "".join(f"{i:06d} " + "y" * 70 + "\r\n" for i in range(3000))
        with smtplib.SMTP("127.0.0.1", self.port, timeout=60,
                          source_address=(CLIENT, 0)) as c:
            c.ehlo("client.example")
            c.sendmail("someone@pass.test", ["taro@example.com"],
                       f"Subject: big\r\n\r\n{body}".encode())
        [msg] = [m for m in self.box(self.site, "taro")
                 if m["Subject"] == "big"]
        self.assertEqual(self.verdict(msg).result, "pass")
        self.assertEqual(msg.get_payload(), body.replace("\r\n", "\n"))
        raw = msg.as_bytes()
        self.assertTrue(raw.index(b"Authentication-Results:") <
                        raw.index(b"Received: from client.example"))

    def test_null_sender_is_judged_by_helo(self):
        res = self.verdict(self.send("", helo="pass.test"))
        self.assertEqual(res.result, "pass")
        [prop] = res.properties
        self.assertEqual((prop.name, prop.value), ("helo", "pass.test"))

    def test_our_own_clients_get_no_verdict(self):
        self.site.write("relay", f"{CLIENT}\n")
        self.site.cdbmake()
        msg = self.send("someone@fail.test")
        self.assertIsNone(msg["Authentication-Results"])

    def test_it_can_be_turned_off(self):
        self.site.settings["auth_results"] = "no"
        self.site.write_conf()
        self.assertIsNone(self.send("someone@pass.test")
                          ["Authentication-Results"])
