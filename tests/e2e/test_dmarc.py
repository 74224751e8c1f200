"""DKIM verification and DMARC on receipt, and the one
Authentication-Results: field (RFC 8601) that carries them with SPF,
read back with python3-authres. Mail is signed by dkimpy (Debian
python3-dkim) with keys whose records the tests' dnsmasq serves, with
the DMARC policies; yubin asks them through its own c-ares layer
(dns_servers). A dead server for dead.test gives temperror. The client
is 192.0.2.2 on lo (libspf2 passes every loopback client)."""

import authres
import dkim
import smtplib

from test_remote import RemoteBase
from yubintest import rsa_key, stranger_address

CLIENT = "192.0.2.2"
US = "mail.example.com"


KEY, PUB = rsa_key()
KEY2, PUB2 = rsa_key()  # two.test's: same size, another key


def txt(name, text):
    return (f"--txt-record={name}," +
            ",".join(text[i:i + 250] for i in range(0, len(text), 250)))


class DmarcBase(RemoteBase):
    def extra_dns_records(self):
        rec = f"v=DKIM1; k=rsa; p={PUB}"
        return ["--local=/test/", "--server=/dead.test/127.0.0.1#9",
                # its policy answers, its key does not
                "--server=/sel._domainkey.keyless.test/127.0.0.1#9",
                "--txt-record=_dmarc.keyless.test,v=DMARC1; p=reject",
                txt("sel._domainkey.two.test", f"v=DKIM1; k=rsa; p={PUB2}"),
                "--txt-record=_dmarc.two.test,v=DMARC1; p=reject",
                *(txt(f"sel._domainkey.{d}", rec) for d in
                  ("reject.test", "quar.test", "other.test", "org.test")),
                "--txt-record=reject.test,v=spf1 ip4:192.0.2.1 -all",
                "--txt-record=spfok.reject.test,v=spf1 ip4:192.0.2.2 -all",
                "--txt-record=_dmarc.reject.test,v=DMARC1; p=reject",
                "--txt-record=_dmarc.quar.test,v=DMARC1; p=quarantine",
                "--txt-record=_dmarc.none.test,v=DMARC1; p=none",
                "--txt-record=_dmarc.strict.test,v=DMARC1; p=reject; "
                "adkim=s; aspf=s",
                "--txt-record=_dmarc.org.test,v=DMARC1; p=reject; "
                "sp=quarantine",
                "--txt-record=_dmarc.badrec.test,v=DMARC1; p=bogus"]

    def setUp(self):
        stranger_address(self, CLIENT)
        super().setUp()
        self.site.write("relay", "")  # a stranger on port 25
        self.site.cdbmake()
        self.n = 0

    def start(self, **settings):
        self.site.settings.update(settings)
        self.site.write_conf()
        self.port = self.site.start({"smtp": ["smtp-in"]})["smtp"]

    def message(self, frm, sign=None, extra="", key=KEY):
        """A message from frm, signed by d=sign (selector sel) if given."""
        self.n += 1
        self.subject = f"dmarc test {self.n}"
        text = (f"From: Someone <{frm}>\r\nTo: taro@example.com\r\n"
                f"Subject: {self.subject}\r\n{extra}\r\n"
                "Hello from the test.\r\n").encode()
        if sign:
            text = dkim.sign(text, b"sel", sign.encode(), key,
                             include_headers=[b"from", b"to",
                                              b"subject"]) + text
        return text

    def send(self, sender, text):
        """(code, text) of the end of DATA."""
        with smtplib.SMTP("127.0.0.1", self.port, timeout=60,
                          source_address=(CLIENT, 0)) as c:
            c.ehlo("client.example")
            c.mail(sender)
            c.rcpt("taro@example.com")
            return c.data(text)

    def arrived(self, folder=()):
        return [m for m in self.box(self.site, "taro", *folder)
                if m["Subject"] == self.subject]

    def results(self, msg):
        """{method: (result, {ptype.property: value})} of our field."""
        ours = []
        for field in msg.get_all("Authentication-Results") or []:
            ar = authres.AuthenticationResultsHeader.parse(
                "Authentication-Results: " + field)
            if ar.authserv_id == US:
                ours.append(ar)
        self.assertEqual(len(ours), 1)
        out = {}
        for res in ours[0].results:
            props = {f"{p.type}.{p.name}": p.value for p in res.properties}
            out.setdefault(res.method, []).append((res.result, props))
        return out


class Dmarc(DmarcBase):
    def setUp(self):
        super().setUp()
        self.start()

    def test_signed_and_aligned_passes(self):
        code, _ = self.send("bounce@other.test",
                            self.message("a@reject.test", "reject.test"))
        self.assertEqual(code, 250)
        [msg] = self.arrived()
        r = self.results(msg)
        [(res, props)] = r["dkim"]
        self.assertEqual(res, "pass")
        self.assertEqual(props["header.d"], "reject.test")
        self.assertEqual(props["header.s"], "sel")
        self.assertEqual(r["spf"][0][0], "none")
        [(res, props)] = r["dmarc"]
        self.assertEqual((res, props["header.from"]),
                         ("pass", "reject.test"))
        self.assertIn("dkim=pass:reject.test dmarc=pass", self.site.log())

    def test_each_signature_is_checked_with_its_own_key(self):
        # smtp-in keeps the public keys it decoded for its session: in
        # one session, each signature must still meet its own key
        sent = [("a@reject.test", "reject.test", KEY, 250),
                ("a@two.test", "two.test", KEY2, 250),
                ("b@two.test", "two.test", KEY, 550),  # not two.test's
                ("b@reject.test", "reject.test", KEY, 250)]
        with smtplib.SMTP("127.0.0.1", self.port, timeout=60,
                          source_address=(CLIENT, 0)) as c:
            c.ehlo("client.example")
            for frm, domain, key, want in sent:
                text = self.message(frm, domain, key=key)
                c.mail("x@other.test")
                c.rcpt("taro@example.com")
                self.assertEqual(c.data(text)[0], want, frm)
        got = {m["From"]: self.results(m)["dkim"]
               for m in self.box(self.site, "taro")}
        self.assertEqual(sorted(got), ["Someone <a@reject.test>",
                                       "Someone <a@two.test>",
                                       "Someone <b@reject.test>"])
        for frm, ((res, props),) in got.items():
            self.assertEqual(res, "pass", frm)
        self.assertIn("dkim=fail:two.test dmarc=fail", self.site.log())

    def test_spf_alone_can_pass_it(self):
        # relaxed alignment: spfok.reject.test and reject.test share
        # their organizational domain
        self.send("b@spfok.reject.test", self.message("a@reject.test"))
        r = self.results(self.arrived()[0])
        self.assertEqual(r["spf"][0][0], "pass")
        self.assertEqual(r["dkim"], [("none", {})])
        self.assertEqual(r["dmarc"][0][0], "pass")

    def test_altered_mail_is_refused_for_p_reject(self):
        text = self.message("a@reject.test", "reject.test")
        text = text.replace(b"Hello from", b"Hello, changed, from")
        code, reply = self.send("bounce@other.test", text)
        self.assertEqual(code, 550)
        self.assertRegex(reply.decode(),
                         r"^5\.7\.1 Refused by the DMARC policy of "
                         r"reject\.test")
        self.assertEqual(self.arrived(), [])
        log = self.site.log()
        self.assertIn("dkim=fail:reject.test dmarc=fail dis=r", log)
        self.assertIn("result=refused-dmarc", log)

    def test_forged_from_with_a_good_signature_of_another_domain(self):
        code, _ = self.send("bounce@other.test",
                            self.message("boss@reject.test", "other.test"))
        self.assertEqual(code, 550)

    def test_quarantine_goes_to_junk(self):
        self.assertEqual(self.send("x@other.test",
                                   self.message("a@quar.test"))[0], 250)
        self.assertEqual(self.arrived(), [])
        [msg] = self.arrived([".Junk"])
        r = self.results(msg)
        [(res, _)] = r["dmarc"]
        self.assertEqual(res, "fail")
        self.assertIn("to .Junk by the DMARC policy of quar.test",
                      self.site.log())

    def test_the_organizational_domains_sp_for_a_subdomain(self):
        self.assertEqual(self.send("x@other.test",
                                   self.message("a@sub.org.test"))[0], 250)
        [msg] = self.arrived([".Junk"])
        self.assertEqual(self.results(msg)["dmarc"][0][0], "fail")
        # signed by the organizational domain: relaxed alignment passes
        self.send("x@other.test", self.message("a@sub.org.test",
                                               "org.test"))
        [msg] = self.arrived()
        self.assertEqual(self.results(msg)["dmarc"][0][0], "pass")

    def test_strict_alignment_wants_the_same_name(self):
        self.assertEqual(self.send(
            "x@other.test",
            self.message("a@mail.strict.test", "strict.test"))[0], 550)

    def test_none_policy_and_no_policy_deliver(self):
        for frm in ("a@none.test", "a@nopolicy.test"):
            self.assertEqual(self.send("x@other.test",
                                       self.message(frm))[0], 250)
            [msg] = self.arrived()
            want = "fail" if frm == "a@none.test" else "none"
            self.assertEqual(self.results(msg)["dmarc"][0][0], want)

    def test_dns_trouble_is_never_a_pass_nor_a_refusal(self):
        # no answer for the policy: recorded, the message is kept
        code, _ = self.send("x@other.test",
                            self.message("a@dead.test", "dead.test"))
        self.assertEqual(code, 250)
        [msg] = self.arrived()
        r = self.results(msg)
        self.assertEqual(r["dkim"][0][0], "temperror")
        self.assertEqual(r["dmarc"][0][0], "temperror")
        # the policy says reject, but the signature's key did not come:
        # it might have passed, so it is neither refused nor let in
        code, reply = self.send(
            "x@other.test", self.message("a@keyless.test", "keyless.test"))
        self.assertEqual(code, 451)
        self.assertRegex(reply.decode(),
                         r"^4\.7\.0 Cannot check the DMARC policy of "
                         r"keyless\.test now \(an aligned SPF or DKIM check "
                         r"had no DNS answer\)")
        self.assertEqual(self.arrived(), [])
        log = self.site.log()
        self.assertIn("dkim=temperror:keyless.test dmarc=temperror", log)
        self.assertEqual(log.count("result=tempfail-dmarc"), 1)

    def test_a_missing_key_and_a_bad_record_are_permerrors(self):
        self.send("x@other.test", self.message("a@badrec.test",
                                               "nokey.test"))
        r = self.results(self.arrived()[0])
        self.assertEqual(r["dkim"][0][0], "permerror")
        self.assertEqual(r["dmarc"][0][0], "permerror")

    def test_no_single_from_is_a_permerror(self):
        text = self.message("a@reject.test").replace(
            b"From: Someone <a@reject.test>",
            b"From: a@reject.test, b@other.test")
        self.assertEqual(self.send("x@other.test", text)[0], 250)
        self.assertEqual(self.results(self.arrived()[0])["dmarc"][0][0],
                         "permerror")

    def test_forged_verdicts_of_ours_are_taken_out(self):
        forged = (f"Authentication-Results: {US}; dmarc=pass\r\n"
                  f"Authentication-Results:\r\n  (folded) {US.upper()};\r\n"
                  "  dkim=pass header.d=reject.test\r\n"
                  "Authentication-Results: mx.elsewhere.example; spf=pass\r\n"
                  f"Authentication-Results: {US}.evil.example; spf=pass\r\n"
                  # RFC 5322 4.5's obsolete blanks before the colon
                  f"Authentication-Results \t: {US}; dkim=pass\r\n")
        text = self.message("a@none.test", extra=forged)
        self.assertEqual(self.send("x@other.test", text)[0], 250)
        [msg] = self.arrived()
        ids = [authres.AuthenticationResultsHeader.parse(
            "Authentication-Results: " + f).authserv_id
            for f in msg.get_all("Authentication-Results")]
        self.assertEqual(sorted(ids), sorted(
            [US, "mx.elsewhere.example", f"{US}.evil.example"]))
        self.assertEqual(self.results(msg)["dmarc"][0][0], "fail")
        self.assertIn("removed 3 Authentication-Results field(s)",
                      self.site.log())
        self.assertNotIn("Authentication-Results \t:", msg.as_string())
        self.assertEqual(msg.get_payload(), "Hello from the test.\n")


class Settings(DmarcBase):
    def test_reject_can_be_junk_and_quarantine_the_inbox(self):
        self.start(dmarc_reject="no")
        self.assertEqual(self.send("x@other.test",
                                   self.message("a@reject.test"))[0], 250)
        self.assertEqual(len(self.arrived([".Junk"])), 1)
        self.site.stop()
        self.start(dmarc_reject="no", dmarc_quarantine="no")
        self.assertEqual(self.send("x@other.test",
                                   self.message("a@reject.test"))[0], 250)
        self.assertEqual(len(self.arrived()), 1)

    def test_our_own_clients_are_not_judged(self):
        self.site.write("relay", f"{CLIENT}\n")
        self.site.cdbmake()
        self.start()
        self.assertEqual(self.send("x@other.test",
                                   self.message("a@reject.test"))[0], 250)
        [msg] = self.arrived()
        self.assertIsNone(msg["Authentication-Results"])
