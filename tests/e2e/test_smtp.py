"""smtp-in under xinetd: Python's smtplib, swaks and raw sockets as
clients, Maildirs read back with mailbox.Maildir."""
import base64
import mailbox
import os
import poplib
import re
import smtplib
import socket
import subprocess
import time

from yubintest import SiteTest, connect, make_hash

PW = "smtp secret"


def users_file():
    h = make_hash(PW)
    return (f"webmaster:{h}:\npostmaster::webmaster\nabuse::webmaster\n"
            f"taro:{h}:\nhanako@example.com:{h}:.,taro\n"
            f"fwd::.,friend@example.net\nlist::taro,hanako@example.com\n"
            f"locked:!{h}:\n@example.org::webmaster\n"
            f"info@example.org::taro\n")


def messages(site, *path):
    try:
        md = mailbox.Maildir(site.maildir(*path), create=False)
        return [m for m in md]
    except (FileNotFoundError, mailbox.NoSuchMailboxError):
        return []


def queued(site):
    d = os.path.join(site.spool, "queue", "info")
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


class Raw:
    """A line-level SMTP client for what smtplib will not send."""

    def __init__(self, port):
        self.s = connect(port)
        self.f = self.s.makefile("rb")
        self.greeting = self.line()

    def line(self):
        return self.f.readline().decode("latin-1")

    def reply(self):
        lines = [self.line()]
        while lines[-1][3:4] == "-":
            lines.append(self.line())
        return lines

    def cmd(self, text):
        self.s.sendall(text.encode("latin-1") + b"\r\n")
        return self.reply()[-1]

    def send(self, data):
        self.s.sendall(data)

    def close(self):
        self.f.close()
        self.s.close()


class SmtpBase(SiteTest):
    relay = "127.0.0.0/8\n::1\n"
    settings = {}
    services = {"smtp": ["smtp-in"]}

    def setUp(self):
        self.site = self.make_site(
            users=users_file(), relay=self.relay,
            domains="example.com\nexample.org\n[127.0.0.1]\n",
            settings=self.settings)
        self.site.cdbmake()
        self.ports = self.site.start(self.services)
        self.port = self.ports["smtp"]

    def smtp(self, port=None):
        c = smtplib.SMTP("127.0.0.1", port or self.port, timeout=20)
        self.addCleanup(c.close)
        return c

    def raw(self, port=None):
        r = Raw(port or self.port)
        self.addCleanup(r.close)
        return r


class Protocol(SmtpBase):
    def test_greeting_and_ehlo_keywords(self):
        c = self.smtp()
        code, text = c.ehlo("client.example.net")
        self.assertEqual(code, 250)
        lines = text.decode().split("\n")
        self.assertEqual(lines[0], "mail.example.com")
        for kw in ("PIPELINING", "SIZE 10485760", "8BITMIME",
                   "ENHANCEDSTATUSCODES", "AUTH PLAIN LOGIN"):
            self.assertIn(kw, lines)
        r = self.raw()
        self.assertEqual(r.greeting, "220 mail.example.com ESMTP yubin\r\n")

    def test_simple_commands(self):
        r = self.raw()
        self.assertRegex(r.cmd("MAIL FROM:<a@example.net>"), r"^503 5\.5\.1")
        self.assertEqual(r.cmd("HELO client.example.net"),
                         "250 mail.example.com\r\n")
        self.assertRegex(r.cmd("VRFY taro"), r"^252 2\.5\.2")
        self.assertRegex(r.cmd("EXPN list"), r"^502 5\.5\.1")
        self.assertRegex(r.cmd("HELP"), r"^214 2\.0\.0")
        self.assertRegex(r.cmd("NOOP"), r"^250 2\.0\.0")
        self.assertRegex(r.cmd("RSET"), r"^250 2\.0\.0")
        self.assertRegex(r.cmd("FROB"), r"^500 5\.5\.2")
        self.assertRegex(r.cmd("RCPT TO:<taro@example.com>"), r"^503 5\.5\.1")
        self.assertRegex(r.cmd("DATA"), r"^503 5\.5\.1")
        self.assertRegex(r.cmd("MAIL FROM:a@b"), r"^250")
        self.assertRegex(r.cmd("MAIL FROM:<a@example.net>"), r"^503 5\.5\.1")
        self.assertRegex(r.cmd("DATA"), r"^554 5\.5\.1")
        self.assertRegex(r.cmd("RCPT TO:<bad address>"), r"^501 5\.1\.3")
        self.assertRegex(r.cmd("RCPT TO:<taro@example.com> NOTIFY=NEVER"),
                         r"^555 5\.5\.4")
        self.assertRegex(r.cmd("MAIL FROM:<no-domain>"), r"^503")
        self.assertRegex(r.cmd("QUIT"), r"^221 2\.0\.0 mail.example.com")

    def test_bad_sender_syntax_and_params(self):
        r = self.raw()
        r.cmd("EHLO x")
        self.assertRegex(r.cmd("MAIL FROM:<no-domain>"), r"^501 5\.1\.7")
        self.assertRegex(r.cmd("MAIL FROM:<a\x00b@example.net>"),
                         r"^500 5\.5\.2")
        self.assertRegex(r.cmd("MAIL FROM:<a@example.net> FOO=BAR"),
                         r"^555 5\.5\.4")
        self.assertRegex(r.cmd("MAIL FROM:<a@example.net> SIZE=abc"),
                         r"^501 5\.5\.4")
        self.assertRegex(r.cmd("MAIL FROM:<a@example.net> SIZE=99999999999"),
                         r"^552 5\.3\.4")
        self.assertRegex(r.cmd("MAIL FROM:<> SIZE=100 BODY=8BITMIME"),
                         r"^250 2\.1\.0")

    def test_unknown_user_and_catch_all(self):
        c = self.smtp()
        c.ehlo("x")
        c.mail("a@example.net")
        self.assertEqual(c.rcpt("nobody@example.com")[0], 550)
        code, text = c.rcpt("nobody@example.com")
        self.assertIn(b"5.1.1", text)
        self.assertEqual(c.rcpt("anything@example.org")[0], 250)  # catch-all
        self.assertEqual(c.rcpt("info@example.org")[0], 250)  # exact wins
        self.assertEqual(c.rcpt('"odd name"@example.org')[0], 250)
        c.data(b"Subject: c\r\n\r\nx\r\n")
        self.assertEqual(len(messages(self.site, "webmaster")), 1)
        self.assertEqual(len(messages(self.site, "taro")), 1)

    def test_postmaster_without_domain_and_literal(self):
        c = self.smtp()
        c.ehlo("x")
        c.mail("a@example.net")
        self.assertEqual(c.rcpt("<Postmaster>")[0], 250)
        self.assertEqual(c.rcpt("<somebody>")[0], 501)
        self.assertEqual(c.rcpt("taro@[127.0.0.1]")[0], 250)
        c.data(b"Subject: pm\r\n\r\nx\r\n")
        self.assertEqual(len(messages(self.site, "webmaster")), 1)
        self.assertEqual(len(messages(self.site, "taro")), 1)

    def test_pipelining_whole_transaction_in_one_write(self):
        r = self.raw()
        r.send(b"EHLO x\r\nMAIL FROM:<a@example.net>\r\n"
               b"RCPT TO:<taro@example.com>\r\nRCPT TO:<nobody@example.com>"
               b"\r\nDATA\r\nSubject: piped\r\n\r\nhello\r\n.\r\nQUIT\r\n")
        finals = []  # the last line of each reply
        while (line := r.line()):
            if line[3:4] == " ":
                finals.append(line[:3])
        self.assertEqual(finals, ["250", "250", "250", "550", "354", "250",
                                  "221"])
        self.assertEqual([m["Subject"] for m in messages(self.site, "taro")],
                         ["piped"])

    def test_long_command_line_nul_and_error_limit(self):
        r = self.raw()
        self.assertRegex(r.cmd("NOOP " + "x" * 600), r"^500 5\.5\.2 Line too")
        self.assertRegex(r.cmd("NO\x00OP"), r"^500 5\.5\.2")
        self.assertRegex(r.cmd("NOOP"), r"^250")  # still in step
        r.send(b"BOGUS\r\n" * 30)
        lines = []
        while (line := r.line()):
            lines.append(line)
        self.assertRegex(lines[-1], r"^421 4\.7\.0")
        # 2 errors above, 18 more make 20: the 20th reply, then 421
        self.assertEqual(len(lines), 19)

    def test_overlong_helo_is_refused(self):
        r = self.raw()
        self.assertRegex(r.cmd("EHLO " + "a" * 256), r"^501 5\.5\.4")
        self.assertRegex(r.cmd("HELO " + "a" * 300), r"^501 5\.5\.4")
        self.assertRegex(r.cmd("EHLO " + "a" * 255), r"^250 ")
        self.assertRegex(r.cmd("MAIL FROM:<" + "a" * 64 + "@" + "b" * 190 +
                               ".example>"), r"^501 ")  # path > 256
        self.assertRegex(r.cmd("MAIL FROM:<" + "a" * 65 + "@b.example>"),
                         r"^501 ")

    def test_address_probing_costs_the_connection(self):
        r = self.raw()
        r.cmd("EHLO x")
        r.cmd("MAIL FROM:<a@example.net>")
        r.send(b"".join(b"RCPT TO:<nobody%d@example.com>\r\n" % i
                        for i in range(5000)))
        t0 = time.monotonic()
        lines = []
        while (line := r.line()):
            lines.append(line)
        self.assertEqual(sum(x.startswith("550 5.1.1") for x in lines), 20)
        self.assertRegex(lines[-1], r"^421 4\.7\.0")
        # the later refusals came slowly: 50 ms more for each past ten
        self.assertGreater(time.monotonic() - t0, 2.0)

    def test_idle_client_gets_421(self):
        self.site.settings["timeout"] = "2"
        self.site.write_conf()
        r = self.raw()
        t0 = time.monotonic()
        self.assertRegex(r.line(), r"^421 4\.4\.2")
        # timeout = 2: neither before it nor long after
        self.assertGreater(time.monotonic() - t0, 1.8)
        self.assertLess(time.monotonic() - t0, 5)


class Delivery(SmtpBase):
    def test_body_round_trip(self):
        long_line = "L" * 5000
        body = ("From: a@example.net\r\nTo: taro@example.com\r\n"
                "Subject: round trip\r\n\r\n.leading dot\r\n..two\r\n.\r\n"
                "caf\xe9 \xe3\x81\x82\r\n" + long_line + "\r\n" +
                "x" * 200000 + "\r\nend\r\n").encode("latin-1")
        c = self.smtp()
        c.sendmail("a@example.net", ["taro@example.com"], body)
        [msg] = messages(self.site, "taro")
        raw = msg.as_bytes()
        sent = body.replace(b"\r\n", b"\n")
        self.assertTrue(raw.endswith(sent), "body changed in transit")
        self.assertTrue(raw.startswith(b"Return-Path: <a@example.net>\n"
                                       b"Delivered-To: taro@example.com\n"
                                       b"Received: from "))
        # the name's size tags are exact
        [name] = os.listdir(self.site.maildir("taro", "new"))
        data = open(self.site.maildir("taro", "new", name), "rb").read()
        lfs = data.count(b"\n")
        self.assertIn(f",S={len(data)},W={len(data) + lfs}", name)

    def test_one_file_for_many_mailboxes(self):
        c = self.smtp()
        c.sendmail("a@example.net", ["taro@example.com", "list@example.com",
                                     "webmaster@example.com"],
                   b"Subject: many\r\n\r\nx\r\n")
        paths = []
        for box in (("taro",), ("example.com", "hanako"), ("webmaster",)):
            d = self.site.maildir(*box, "new")
            [name] = os.listdir(d)
            paths.append(os.path.join(d, name))
            self.assertEqual(os.listdir(self.site.maildir(*box, "tmp")), [])
        inodes = {os.stat(p).st_ino for p in paths}
        self.assertEqual(len(inodes), 1)  # hard links of one write
        self.assertEqual(os.stat(paths[0]).st_nlink, 3)
        self.assertNotIn(b"Delivered-To", open(paths[0], "rb").read())

    def test_received_line(self):
        c = self.smtp()
        c.ehlo("client.example.net")
        c.sendmail("a@example.net", ["taro@example.com"], b"Subject: r\r\n\r\n")
        [m] = messages(self.site, "taro")
        rec = m["Received"]
        self.assertIn("from client.example.net ([127.0.0.1])", rec)
        self.assertIn("by mail.example.com (yubin) with ESMTP id", rec)
        self.assertIn("for <taro@example.com>", rec)

    def test_forward_is_queued_with_its_envelope(self):
        c = self.smtp()
        c.sendmail("a@example.net", ["fwd@example.com"],
                   b"Subject: fw\r\n\r\nforward me\r\n")
        self.assertEqual(len(messages(self.site, "fwd")), 1)
        [qid] = queued(self.site)
        info = open(os.path.join(self.site.spool, "queue", "info",
                                 qid)).read().splitlines()
        # a forward leaves with an SRS sender of ours (test_srs.py)
        [sender] = [x for x in info if x.startswith("sender ")]
        self.assertRegex(sender, r"^sender SRS0=[A-Za-z0-9+/]{4}=[A-Z2-7]"
                         r"{2}=example\.net=a@mail\.example\.com$")
        self.assertEqual(info[info.index("rcpt friend@example.net") + 1],
                         "via fwd@example.com")
        mess = open(os.path.join(self.site.spool, "queue", "mess", qid),
                    "rb").read()
        self.assertTrue(mess.startswith(b"Received: from "))
        self.assertTrue(mess.endswith(b"Subject: fw\n\nforward me\n"))
        self.assertNotIn(b"Return-Path", mess)

    def test_delivered_to_loop_is_refused(self):
        c = self.smtp()
        with self.assertRaises(smtplib.SMTPDataError) as e:
            c.sendmail("a@example.net", ["fwd@example.com"],
                       b"Delivered-To: fwd@example.com\r\nSubject: loop\r\n"
                       b"\r\nx\r\n")
        self.assertEqual(e.exception.smtp_code, 554)
        self.assertIn(b"5.4.6", e.exception.smtp_error)
        self.assertEqual(messages(self.site, "fwd"), [])
        self.assertEqual(queued(self.site), [])

    def test_too_many_hops_refused(self):
        c = self.smtp()
        hops = b"".join(b"Received: from hop%d.example by hop%d.example;"
                        b" Sun, 29 Nov 2026 00:00:00 +0000\r\n" % (i, i)
                        for i in range(101))
        with self.assertRaises(smtplib.SMTPDataError) as e:
            c.sendmail("a@example.net", ["taro@example.com"],
                       hops + b"Subject: loop\r\n\r\nx\r\n")
        self.assertEqual(e.exception.smtp_code, 554)
        self.assertIn(b"5.4.6", e.exception.smtp_error)
        c.sendmail("a@example.net", ["taro@example.com"],
                   hops[:hops.index(b"Received: from hop100")] +
                   b"Subject: fine\r\n\r\nx\r\n")  # 100 is allowed
        self.assertEqual([m["Subject"] for m in messages(self.site, "taro")],
                         ["fine"])

    def test_size_limit_on_data(self):
        self.site.settings["max_message_size"] = "2048"
        self.site.write_conf()
        c = self.smtp()
        self.assertIn(b"SIZE 2048", c.ehlo("x")[1])
        # declared too big in MAIL FROM (smtplib sends SIZE=)
        with self.assertRaises(smtplib.SMTPSenderRefused) as e:
            c.sendmail("a@example.net", ["taro@example.com"],
                       b"Subject: big\r\n\r\n" + b"y" * 5000 + b"\r\n")
        self.assertEqual(e.exception.smtp_code, 552)
        self.assertIn(b"5.3.4", e.exception.smtp_error)
        c.rset()
        # not declared: refused after the data
        c.mail("a@example.net")
        c.rcpt("taro@example.com")
        code, text = c.data(b"Subject: big\r\n\r\n" + b"y" * 5000)
        self.assertEqual(code, 552)
        self.assertIn(b"5.3.4", text)
        self.assertEqual(c.noop()[0], 250)  # session goes on
        self.assertEqual(messages(self.site, "taro"), [])
        self.assertEqual(os.listdir(self.site.maildir("taro", "tmp")), [])

    def test_recipient_limit(self):
        self.site.settings["max_recipients"] = "3"
        self.site.write_conf()
        c = self.smtp()
        c.ehlo("x")
        c.mail("a@example.net")
        for i in range(3):
            self.assertEqual(c.rcpt("taro@example.com")[0], 250)
        code, text = c.rcpt("webmaster@example.com")
        self.assertEqual(code, 452)
        self.assertIn(b"4.5.3", text)

    def test_killed_client_mid_data_leaves_nothing(self):
        r = self.raw()
        r.cmd("EHLO x")
        r.cmd("MAIL FROM:<a@example.net>")
        r.cmd("RCPT TO:<taro@example.com>")
        r.cmd("RCPT TO:<fwd@example.com>")
        self.assertRegex(r.cmd("DATA"), r"^354")
        r.send(b"Subject: half\r\n\r\n" + b"z" * 100000)
        r.s.shutdown(socket.SHUT_RDWR)
        r.close()
        # once smtp-in has ended, whatever it was going to do is done
        self.assertEqual(self.site.wait_quiet(), [])
        self.assertIn("result=dropped-in-data", self.site.log())
        for box in ("taro", "fwd"):
            for sub in ("new", "cur", "tmp"):
                self.assertEqual(os.listdir(self.site.maildir(box, sub)), [])
        self.assertEqual(queued(self.site), [])
        qtmp = os.path.join(self.site.spool, "queue", "tmp")
        self.assertEqual(os.listdir(qtmp) if os.path.isdir(qtmp) else [], [])


SMUGGLING_PROBES = [b"\n.\n", b"\n.\r\n", b"\r\n.\n", b"\r.\r\n"]


class Smuggling(SmtpBase):
    def test_only_crlf_dot_crlf_ends_data(self):
        for probe in SMUGGLING_PROBES:
            r = self.raw()
            r.cmd("EHLO x")
            r.cmd("MAIL FROM:<a@example.net>")
            r.cmd("RCPT TO:<taro@example.com>")
            self.assertRegex(r.cmd("DATA"), r"^354")
            r.send(b"Subject: first\r\n\r\nbody" + probe +
                   b"MAIL FROM:<evil@example.net>\r\n"
                   b"RCPT TO:<webmaster@example.com>\r\nDATA\r\n"
                   b"Subject: smuggled\r\n\r\nevil\r\n.\r\n")
            # the smuggled commands were data: one message, which ends
            # at the last <CRLF>.<CRLF> and is refused for its bare LF/CR
            reply = r.line()
            self.assertRegex(reply, r"^554 5\.6\.0", repr(probe))
            self.assertRegex(r.cmd("NOOP"), r"^250", repr(probe))
            r.cmd("QUIT")
        self.assertEqual(messages(self.site, "webmaster"), [])
        self.assertEqual(messages(self.site, "taro"), [])


class SplitTerminator(SmtpBase):
    """<CRLF>.<CRLF> cut across two TCP segments, and across smtp-in's
    16 KiB read buffer on a pipe: the end of DATA is seen either way."""

    def test_terminator_in_two_writes_with_a_pause(self):
        for first, second in ((b"\r\n.", b"\r\n"), (b"\r", b"\n.\r\n"),
                              (b"\r\n.\r", b"\n"), (b"\r\n", b".\r\n")):
            r = self.raw()
            r.cmd("EHLO x")
            r.cmd("MAIL FROM:<a@example.net>")
            r.cmd("RCPT TO:<taro@example.com>")
            self.assertRegex(r.cmd("DATA"), r"^354")
            r.send(b"Subject: split\r\n\r\nbody" + first)
            time.sleep(0.3)   # two segments, and smtp-in reads the first
            r.send(second)
            r.s.settimeout(5)  # the 250 comes now, not at the timeout
            self.assertRegex(r.line(), r"^250 2\.0\.0", repr(first))
            self.assertRegex(r.cmd("QUIT"), r"^221")
        got = messages(self.site, "taro")
        self.assertEqual(len(got), 4)
        for m in got:
            self.assertEqual(m.get_payload(), "body\n")

    def test_terminator_at_the_read_buffer_edge_on_a_pipe(self):
        from yubintest import BIN
        for dot_at in (16381, 16382, 16383, 16384):
            head = (b"EHLO x\r\nMAIL FROM:<a@example.net>\r\n"
                    b"RCPT TO:<taro@example.com>\r\nDATA\r\n"
                    b"Subject: edge\r\n\r\n")
            fill = dot_at - len(head) - 2
            body = b"".join(b"x" * 70 + b"\r\n"
                            for _ in range(fill // 72))
            body += b"y" * (fill - len(body))
            stream = head + body + b"\r\n.\r\nQUIT\r\n"
            self.assertEqual(stream.index(b"\r\n.\r\n") + 2, dot_at)
            p = subprocess.run([f"{BIN}/smtp-in", "-C", self.site.conf],
                               input=stream, capture_output=True,
                               timeout=20, env=self.site.env())
            out = p.stdout.decode()
            self.assertEqual(p.stderr, b"")
            self.assertEqual(p.returncode, 0)
            self.assertRegex(out, r"\n250 2\.0\.0 Ok: delivered",
                             f"dot at {dot_at}")
            self.assertIn("\n221 ", out)
        self.assertEqual(len(messages(self.site, "taro")), 4)


class RelayDenied(SmtpBase):
    relay = ""   # nobody is exempt, not even loopback

    def test_relay_battery(self):
        tricks = ["<friend@example.net>",
                  "<friend%example.net@example.com>",
                  '<"friend@example.net"@example.com>',
                  "<@example.com:friend@example.net>",
                  "<@example.com,@example.org:friend@example.net>",
                  "<example.net!friend@example.com>",
                  "<friend%example.net@[127.0.0.1]>",
                  "<friend@example.net@example.com>",
                  "friend@example.net"]
        for sender in ("<a@example.net>", "<taro@example.com>", "<>"):
            r = self.raw()
            r.cmd("EHLO mail.example.com")  # claiming to be us: no matter
            self.assertRegex(r.cmd(f"MAIL FROM:{sender}"), r"^250")
            for rcpt in tricks:
                self.assertRegex(r.cmd(f"RCPT TO:{rcpt}"), r"^(554|501) ",
                                 f"{sender} -> {rcpt}")
            self.assertRegex(r.cmd("DATA"), r"^554")
            r.cmd("QUIT")
        self.assertEqual(queued(self.site), [])
        self.assertIn("reason=relay-denied", self.site.log())
        self.assertIn("reason=relay-trick", self.site.log())

    def test_local_mail_still_accepted(self):
        self.smtp().sendmail("a@example.net", ["taro@example.com"],
                             b"Subject: in\r\n\r\nx\r\n")
        self.assertEqual(len(messages(self.site, "taro")), 1)


class RelayAllowed(SmtpBase):
    relay = "10.0.0.0/8\n127.0.0.0/24\n!127.0.0.99\n"

    def test_exempt_cidr_relays(self):
        c = self.smtp()
        c.sendmail("taro@example.com", ["friend@example.net"],
                   b"Subject: out\r\n\r\nx\r\n")
        [qid] = queued(self.site)
        info = open(os.path.join(self.site.spool, "queue", "info",
                                 qid)).read()
        self.assertIn("rcpt friend@example.net\n", info)
        self.assertNotIn("via", info)

    def test_tricks_refused_even_for_exempt_clients(self):
        c = self.smtp()
        c.ehlo("x")
        c.mail("taro@example.com")
        self.assertEqual(c.rcpt("<friend%example.net@example.com>")[0], 554)
        r = self.raw()
        r.cmd("EHLO x")
        r.cmd("MAIL FROM:<taro@example.com>")
        self.assertRegex(r.cmd("RCPT TO:<@a.example:friend@example.net>"),
                         r"^554 5\.7\.1")
        self.assertEqual(queued(self.site), [])


class AuthAndPop(SmtpBase):
    relay = ""
    settings = {"relay_after_pop_minutes": "10"}
    services = {"smtp": ["smtp-in"], "submission": ["smtp-in", "-m"],
                "pop3": ["pop3-in"]}

    def test_relay_after_auth_plain_and_login(self):
        for method in ("PLAIN", "LOGIN"):
            c = self.smtp()
            c.ehlo("x")
            c.user, c.password = "taro", PW
            code, _ = c.auth(method, getattr(c, "auth_" + method.lower()))
            self.assertEqual(code, 235)
            c.sendmail("taro@example.com", ["friend@example.net"],
                       b"Subject: auth\r\n\r\nx\r\n")
            c.quit()
        self.assertEqual(len(queued(self.site)), 2)
        self.assertIn("smtp auth client=127.0.0.1 user=taro result=ok",
                      self.site.log())

    def test_received_says_esmtpa_and_user(self):
        c = self.smtp()
        c.login("taro", PW)
        c.sendmail("taro@example.com", ["webmaster@example.com"],
                   b"Subject: a\r\n\r\nx\r\n")
        [m] = messages(self.site, "webmaster")
        self.assertIn("with ESMTPA id", m["Received"])
        self.assertIn("(authenticated as taro)", m["Received"])

    def test_auth_failures(self):
        r = self.raw()
        r.cmd("EHLO x")
        bad = base64.b64encode(b"\0taro\0wrong").decode()
        t0 = time.monotonic()
        self.assertRegex(r.cmd(f"AUTH PLAIN {bad}"), r"^535 5\.7\.8")
        self.assertGreater(time.monotonic() - t0, 1)
        self.assertRegex(r.cmd("AUTH PLAIN"), r"^334")
        self.assertRegex(r.cmd("*"), r"^501")
        self.assertRegex(r.cmd("AUTH CRAM-MD5"), r"^504")
        self.assertRegex(r.cmd("AUTH PLAIN !!!"), r"^501")
        locked = base64.b64encode(f"\0locked\0{PW}".encode()).decode()
        self.assertRegex(r.cmd(f"AUTH PLAIN {locked}"), r"^535")
        root = base64.b64encode(f"\0root\0{PW}".encode()).decode()
        r.send(f"AUTH PLAIN {root}\r\n".encode())
        self.assertRegex(r.line(), r"^535")
        self.assertRegex(r.line(), r"^421 4\.7\.0")
        self.assertEqual(r.line(), "")

    def test_submission_needs_auth(self):
        port = self.ports["submission"]
        c = self.smtp(port)
        c.ehlo("x")
        code, text = c.mail("taro@example.com")
        self.assertEqual(code, 530)
        self.assertIn(b"5.7.0", text)
        c.login("taro", PW)
        c.sendmail("taro@example.com", ["friend@example.net"],
                   b"Subject: sub\r\n\r\nx\r\n")
        self.assertEqual(len(queued(self.site)), 1)

    def test_pop_before_smtp(self):
        c = self.smtp()
        c.ehlo("x")
        c.mail("taro@example.com")
        self.assertEqual(c.rcpt("friend@example.net")[0], 554)
        c.quit()
        p = poplib.POP3("127.0.0.1", self.ports["pop3"], timeout=15)
        p.user("taro")
        p.pass_(PW)
        p.quit()
        c = self.smtp()
        c.sendmail("taro@example.com", ["friend@example.net"],
                   b"Subject: pbs\r\n\r\nx\r\n")
        self.assertEqual(len(queued(self.site)), 1)

    def test_swaks_with_auth_and_pipelining(self):
        r = subprocess.run(
            ["swaks", "--server", f"127.0.0.1:{self.port}", "--from",
             "taro@example.com", "--to", "friend@example.net", "--auth",
             "LOGIN", "--auth-user", "taro", "--auth-password", PW,
             "--pipeline", "--header", "Subject: from swaks",
             "--body", ".dotted line\nsecond"],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("250 2.0.0 Ok: queued", r.stdout)
        [qid] = queued(self.site)
        mess = open(os.path.join(self.site.spool, "queue", "mess", qid),
                    "rb").read()
        self.assertIn(b"\n.dotted line\nsecond\n", mess)


class FullDisk(SiteTest):
    def test_full_spool_gets_4xx_and_nothing_half_written(self):
        site = self.make_site(users=users_file(), relay="127.0.0.0/8\n",
                              domains="example.com\nexample.org\n")
        site.cdbmake()
        small = os.path.join(site.dir, "small")
        os.makedirs(small)
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k",
                            "tmpfs", small], capture_output=True)
        if r.returncode != 0:
            self.skipTest("cannot mount a tmpfs here (needs root and "
                          "tests/check.sh's mount namespace)")
        self.addCleanup(subprocess.run, ["umount", "-l", small])
        os.makedirs(os.path.join(small, "mail"))
        site.settings["spool"] = small
        site.write_conf()
        port = site.start({"smtp": ["smtp-in"]})["smtp"]
        c = smtplib.SMTP("127.0.0.1", port, timeout=20)
        with self.assertRaises(smtplib.SMTPDataError) as e:
            c.sendmail("a@example.net", ["taro@example.com"],
                       b"Subject: big\r\n\r\n" + (b"q" * 998 + b"\r\n") * 600)
        self.assertEqual(e.exception.smtp_code, 451)
        self.assertIn(b"4.3.0", e.exception.smtp_error)
        self.assertEqual(c.noop()[0], 250)
        c.sendmail("a@example.net", ["friend@example.net"],
                   b"Subject: small\r\n\r\nfits\r\n")
        c.quit()
        for sub in ("new", "cur", "tmp"):
            self.assertEqual(os.listdir(os.path.join(small, "mail", "taro",
                                                     sub)), [])
        self.assertEqual(len(os.listdir(os.path.join(small, "queue",
                                                     "info"))), 1)


class ClearTextPolicy(SiteTest):
    """A non-loopback client, as tcpserver reports it in $TCPREMOTEIP."""

    def client(self, **settings):
        site = self.make_site(users=users_file(), relay="",
                              domains="example.com\nexample.org\n",
                              settings=settings)
        site.cdbmake()
        self.site = site
        mine, theirs = socket.socketpair()
        env = dict(site.env(), TCPREMOTEIP="203.0.113.9")
        from yubintest import BIN
        # stderr into the directory the sanitizer check reads: any
        # output there fails the test
        err = open(os.path.join(site.asan, "stderr-direct"), "wb")
        self.addCleanup(err.close)
        proc = subprocess.Popen([f"{BIN}/smtp-in", "-C", site.conf],
                                stdin=theirs, stdout=theirs, stderr=err,
                                env=env)
        theirs.close()
        self.addCleanup(proc.wait, 10)
        self.addCleanup(mine.close)
        c = smtplib.SMTP()
        c.sock = mine
        self.assertEqual(c.getreply()[0], 220)
        return c

    def test_no_auth_offered_off_loopback(self):
        c = self.client()
        c.ehlo("x")
        self.assertFalse(c.has_extn("auth"))
        code, text = c.docmd("AUTH", "PLAIN " + base64.b64encode(
            f"\0taro\0{PW}".encode()).decode())
        self.assertEqual(code, 538)
        c.mail("a@example.net")
        self.assertEqual(c.rcpt("friend@example.net")[0], 554)
        self.assertEqual(c.rcpt("taro@example.com")[0], 250)
        c.quit()
        self.assertIn("client=203.0.113.9", self.site.log())

    def test_allowed_when_configured(self):
        c = self.client(auth_requires_tls="no")
        c.ehlo("x")
        self.assertTrue(c.has_extn("auth"))
        c.login("taro", PW)
        c.mail("taro@example.com")
        self.assertEqual(c.rcpt("friend@example.net")[0], 250)
        c.quit()


class Durability(SiteTest):
    """A 250 means the mail is on disk: smtp-in under strace, on a
    socketpair, shows the message file and the directory entries that
    name it fsync'd before the 250 is written, for a local delivery into
    two Maildirs (one file, two links) and for a queued forward."""

    def traced_session(self, rcpts):
        site = self.make_site(users=users_file(),
                              domains="example.com\nexample.org\n")
        site.cdbmake()
        from yubintest import BIN
        mine, theirs = socket.socketpair()
        trace = os.path.join(site.dir, "trace")
        # LeakSanitizer cannot work under ptrace; the other tests have it
        env = dict(site.env())
        env["ASAN_OPTIONS"] = env["ASAN_OPTIONS"].replace(
            "detect_leaks=1", "detect_leaks=0")
        err = open(os.path.join(site.asan, "stderr-direct"), "wb")
        self.addCleanup(err.close)
        proc = subprocess.Popen(
            ["strace", "-y", "-qq", "-s", "64", "-o", trace, "-e",
             "trace=fsync,fdatasync,link,linkat,rename,renameat,renameat2,"
             "write", f"{BIN}/smtp-in", "-C", site.conf],
            stdin=theirs, stdout=theirs, stderr=err, env=env)
        theirs.close()
        c = smtplib.SMTP()
        c.sock = mine
        self.assertEqual(c.getreply()[0], 220)
        c.ehlo("client.example")
        self.assertEqual(c.mail("a@example.net")[0], 250)
        for r in rcpts:
            self.assertEqual(c.rcpt(r)[0], 250)
        self.assertEqual(c.data(b"Subject: durable\r\n\r\nkept\r\n")[0], 250)
        c.quit()
        mine.close()
        self.assertEqual(proc.wait(20), 0)
        with open(trace) as f:
            lines = f.read().splitlines()
        # the 250 after the 354, and everything before it
        go = [i for i, line in enumerate(lines)
              if line.startswith("write(1") and '"354 ' in line][0]
        end = [i for i, line in enumerate(lines)
               if i > go and line.startswith("write(1")][0]
        self.assertIn('"250 ', lines[end])
        return site, lines[:end]

    def fsynced(self, before, pattern):
        return [line for line in before if line.startswith("fsync(")
                and re.search(pattern, line) and line.endswith("= 0")]

    def test_250_only_after_the_mail_is_on_disk(self):
        site, before = self.traced_session(["taro@example.com",
                                            "hanako@example.com"])
        spool = re.escape(site.spool)
        # the file's data, then each Maildir's new/ with its link in it
        self.assertTrue(self.fsynced(before, rf"<{spool}/mail/"), before)
        for box in ("taro", r"example\.com/hanako"):
            linked = [i for i, line in enumerate(before)
                      if line.startswith("link") and
                      re.search(rf"{spool}/mail/{box}/new/", line)]
            synced = [i for i, line in enumerate(before)
                      if re.match(rf"fsync\(\d+<{spool}/mail/{box}/new>\)"
                                  r" += 0$", line)]
            self.assertTrue(linked and synced and synced[-1] > linked[0],
                            (box, before))

    def test_a_queued_forward_is_on_disk_before_250(self):
        site, before = self.traced_session(["fwd@example.com"])
        spool = re.escape(site.spool)

        def where(pattern):
            return [i for i, line in enumerate(before)
                    if re.match(pattern, line)]
        # message and envelope: written and fsync'd under tmp/, renamed
        # into place, and the directory that names them fsync'd
        for kind in ("mess", "info"):
            synced = where(rf"fsync\(\d+<{spool}/queue/tmp/[^>]*\.{kind}>"
                           r"\) += 0$")
            renamed = where(rf'rename\("{spool}/queue/tmp/[^"]*\.{kind}", '
                            rf'"{spool}/queue/{kind}/')
            dir_synced = where(rf"fsync\(\d+<{spool}/queue/{kind}>\) += 0$")
            self.assertTrue(synced and renamed and dir_synced and
                            synced[0] < renamed[0] < dir_synced[-1],
                            (kind, before))


class ManyDestinations(SiteTest):
    def test_recipient_past_a_thousand_destinations_waits(self):
        """Three lists of 400 accounts to one message: the third would
        take it past 1,000 destinations, so it gets 452 (send it in
        another message) and not one of its accounts has the message;
        the other 800 have it, and the third list in a second message."""
        lists = [[f"{c}{i}" for i in range(400)] for c in "abc"]
        users = "".join(f"{u}::\n" for members in lists for u in members)
        users += "".join(f"list{c}::{','.join(m)}\n"
                         for c, m in zip("abc", lists))
        site = self.make_site(users=users + "postmaster::a0\nabuse::a0\n")
        site.cdbmake()
        port = site.start({"smtp": ["smtp-in"]})["smtp"]
        msg = "Subject: to three lists\r\n\r\nhi\r\n"
        rcpts = ["lista@example.com", "listb@example.com",
                 "listc@example.com"]
        with smtplib.SMTP("127.0.0.1", port, timeout=60) as c:
            refused = c.sendmail("x@example.net", rcpts, msg)
            self.assertEqual(list(refused), ["listc@example.com"])
            self.assertEqual(refused["listc@example.com"][0], 452)
            self.assertEqual(len(messages(site, "a399")), 1)
            self.assertEqual(len(messages(site, "b0")), 1)
            self.assertEqual(messages(site, "c0"), [])
            self.assertEqual(messages(site, "c399"), [])
            self.assertEqual(c.sendmail("x@example.net", rcpts[2:], msg), {})
        self.assertEqual(len(messages(site, "c0")), 1)
        self.assertEqual(len(messages(site, "a0")), 1)
