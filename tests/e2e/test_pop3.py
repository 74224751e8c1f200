"""pop3-in under xinetd, with Python's poplib, mpop and raw sockets.
Mailboxes are built and checked with Python's mailbox.Maildir."""
import mailbox
import os
import poplib
import socket
import subprocess
import tempfile
import time

from yubintest import BIN, SiteTest, connect, make_hash

PASSWORD = "pop secret"


def users_file():
    h = make_hash(PASSWORD)
    return (f"webmaster:{h}:\npostmaster::webmaster\nabuse::webmaster\n"
            f"taro:{h}:\nhanako@example.com:{h}:.,taro\n"
            f"fwd:{h}:fwd@example.net\nlocked:!{h}:\nroot:{h}:\n")


def tagged(md_path, body, stamp):
    """Writes a message as smtp-in names it: ,S=<octets>,W=<crlf octets>."""
    data = body.encode("latin-1")
    w = len(data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    if not data.endswith(b"\n"):
        w += 2  # RETR ends the last line with CRLF
    name = f"{stamp}.M1P1Q{stamp}.mail.example.com,S={len(data)},W={w}"
    tmp = os.path.join(md_path, "tmp", name)
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, os.path.join(md_path, "new", name))
    return name


class Pop3Base(SiteTest):
    def setup_site(self, **settings):
        self.site = self.make_site(users=users_file(), settings=settings)
        self.site.cdbmake()
        self.port = self.site.start({"pop3": ["pop3-in"]})["pop3"]
        self.md = mailbox.Maildir(self.site.maildir("taro"), create=True)
        return self.site

    def handed(self):
        """The Maildirs the test made, handed to the servers' user (as
        if smtp-in had made them) before a client connects."""
        self.site.give(self.site.spool)

    def connect(self, timeout=10):
        self.handed()
        return connect(self.port, timeout=timeout)

    def login(self, user="taro", password=PASSWORD):
        self.handed()
        p = poplib.POP3("127.0.0.1", self.port, timeout=15)
        self.addCleanup(p.close)
        p.user(user)
        p.pass_(password)
        return p


class Pop3Commands(Pop3Base):
    def setUp(self):
        self.setup_site()
        self.bodies = [
            "From: a@example.net\nSubject: one\n\nfirst body\n",
            "Subject: dots\n\n.leading dot\n..two dots\n.\nend\n",
            "Subject: crlf\r\n\r\nalready CRLF\r\nline\r\n",
            "Subject: no final newline\n\nunterminated",
            "Subject: 8bit\n\n\xe3\x81\x93\xe3\x82\x93 caf\xe9\n",
        ]
        for b in self.bodies[:3]:
            self.md.add(b.encode("latin-1"))
        tagged(self.site.maildir("taro"), self.bodies[3], 1700000000)
        tagged(self.site.maildir("taro"), self.bodies[4], 1700000001)

    def test_stat_list_retr_sizes_are_exact(self):
        p = self.login()
        count, octets = p.stat()
        self.assertEqual(count, 5)
        listing = p.list()[1]
        sizes = [int(x.split()[1]) for x in listing]
        self.assertEqual(sum(sizes), octets)
        for i, size in enumerate(sizes, 1):
            resp, lines, sent = p.retr(i)
            # poplib's octet count: the lines after unstuffing, plus CRLF
            self.assertEqual(sent, size, f"message {i}")
            self.assertEqual(resp, f"+OK {size} octets".encode())
        # new/ was moved to cur/ on login
        self.assertEqual(os.listdir(self.site.maildir("taro", "new")), [])
        self.assertEqual(len(os.listdir(self.site.maildir("taro", "cur"))), 5)

    def test_list_and_uidl_of_one_message(self):
        p = self.login()
        listing = p.list()[1]
        for i, entry in enumerate(listing, 1):
            self.assertEqual(p.list(i), b"+OK " + entry)
        with self.assertRaises(poplib.error_proto):
            p.list(6)
        with self.assertRaises(poplib.error_proto):
            p.list(0)
        p.dele(2)
        with self.assertRaises(poplib.error_proto):
            p.list(2)  # deleted: as RFC 1939 says, no listing
        self.assertEqual(p.uidl(3).split()[1], b"3")
        p.rset()

    def test_mail_arriving_mid_session_waits_for_the_next(self):
        p = self.login()
        self.assertEqual(p.stat()[0], 5)
        self.md.add(b"Subject: late\n\narrived during the session\n")
        self.assertEqual(p.stat()[0], 5)  # the session's snapshot
        p.dele(1)
        p.quit()
        p = self.login()
        self.assertEqual(p.stat()[0], 5)  # 5 - 1 + the late one
        subjects = [b"\r\n".join(p.top(i, 0)[1]) for i in range(1, 6)]
        self.assertTrue(any(b"Subject: late" in s for s in subjects))
        p.quit()

    def test_bodies_round_trip_with_dot_stuffing(self):
        p = self.login()
        got = {}
        for i in range(1, 6):
            lines = p.retr(i)[1]
            got[i] = b"\r\n".join(lines) + b"\r\n"
        want = [b.encode("latin-1").replace(b"\r\n", b"\n")
                .replace(b"\n", b"\r\n") for b in self.bodies]
        want[3] += b"\r\n"  # a final CRLF is added to the unterminated one
        self.assertEqual(sorted(got.values()), sorted(want))

    def test_raw_retr_stuffs_dots_and_counts_octets(self):
        with self.connect() as s:
            f = s.makefile("rb")
            f.readline()
            s.sendall(f"USER taro\r\nPASS {PASSWORD}\r\nLIST\r\n".encode())
            f.readline(), f.readline(), f.readline()
            sizes = {}
            while (line := f.readline()) != b".\r\n":
                n, size = line.split()
                sizes[int(n)] = int(size)
            for n, size in sizes.items():
                s.sendall(f"RETR {n}\r\n".encode())
                self.assertTrue(f.readline().startswith(b"+OK"))
                raw = b""
                while not raw.endswith(b"\r\n.\r\n"):
                    chunk = f.readline()
                    self.assertTrue(chunk)
                    raw += chunk
                body = raw[:-3]
                unstuffed = b"".join(
                    ln[1:] if ln.startswith(b".") else ln
                    for ln in body.splitlines(keepends=True))
                self.assertEqual(len(unstuffed), size)
                if b"leading dot" in body:
                    self.assertIn(b"\r\n..leading dot\r\n...two dots\r\n"
                                  b"..\r\nend\r\n", body)
            s.sendall(b"QUIT\r\n")

    def test_top(self):
        p = self.login()
        i = next(n for n in range(1, 6)
                 if b"Subject: dots" in b"\n".join(p.top(n, 0)[1]))
        self.assertEqual(p.top(i, 0)[1], [b"Subject: dots", b""])
        self.assertEqual(p.top(i, 2)[1], [b"Subject: dots", b"",
                                          b".leading dot", b"..two dots"])
        with self.assertRaises(poplib.error_proto):
            p.top(99, 1)

    def test_uidl_is_stable_and_unique(self):
        p = self.login()
        first = p.uidl()[1]
        p.quit()
        p = self.login()
        self.assertEqual(p.uidl()[1], first)
        uids = [x.split()[1] for x in first]
        self.assertEqual(len(set(uids)), 5)
        for u in uids:
            self.assertLessEqual(len(u), 70)
            self.assertTrue(all(0x21 <= c <= 0x7e for c in u))
        self.assertEqual(p.uidl(2).split()[2], first[1].split()[1])

    def test_dele_rset_then_dele_quit(self):
        p = self.login()
        p.dele(1)
        with self.assertRaises(poplib.error_proto):
            p.retr(1)
        with self.assertRaises(poplib.error_proto):
            p.dele(1)
        self.assertEqual(p.stat()[0], 4)
        p.rset()
        self.assertEqual(p.stat()[0], 5)
        p.dele(2)
        p.dele(5)
        self.assertIn(b"2 messages deleted", p.quit())
        self.assertEqual(len(mailbox.Maildir(self.site.maildir("taro"),
                                             create=False)), 3)
        self.assertIn("deleted=2 bytes=", self.site.log())

    def test_dropped_connection_deletes_nothing(self):
        p = self.login()
        p.dele(1)
        p.dele(2)
        p.sock.shutdown(socket.SHUT_RDWR)  # the connection drops
        self.assertEqual(self.site.wait_quiet(), [])  # pop3-in has ended
        self.assertEqual(len(mailbox.Maildir(self.site.maildir("taro"),
                                             create=False)), 5)
        self.login().quit()

    def test_second_session_is_in_use(self):
        p = self.login()
        with self.assertRaises(poplib.error_proto) as e:
            self.login()
        self.assertIn(b"[IN-USE]", e.exception.args[0])
        p.quit()
        self.login().quit()  # the lock went with the first session

    def test_vanished_and_garbage_files(self):
        garbage = os.path.join(self.site.maildir("taro"), "cur",
                               "handmade:2,")
        with open(garbage, "wb") as f:
            f.write(b"\x00\xff\xfe binary \x00\n\r\r\n")
        p = self.login()
        count = p.stat()[0]
        self.assertEqual(count, 6)
        for name in os.listdir(self.site.maildir("taro", "cur")):
            if "1700000000" in name:
                os.unlink(os.path.join(self.site.maildir("taro", "cur"),
                                       name))
        errors = 0
        for i in range(1, count + 1):
            try:
                p.retr(i)
            except poplib.error_proto as e:
                self.assertIn(b"cannot be read", e.args[0])
                errors += 1
        self.assertEqual(errors, 1)
        self.assertEqual(p.noop(), b"+OK")
        p.dele(1)
        p.quit()

    def test_capa_and_no_apop(self):
        with self.connect() as s:
            f = s.makefile("rb")
            greeting = f.readline()
            self.assertRegex(greeting, rb"^\+OK mail.example.com POP3")
            self.assertNotIn(b"<", greeting)  # no APOP timestamp
        p = poplib.POP3("127.0.0.1", self.port, timeout=15)
        caps = p.capa()
        for c in ("USER", "UIDL", "TOP", "RESP-CODES", "AUTH-RESP-CODE",
                  "PIPELINING", "SASL", "IMPLEMENTATION"):
            self.assertIn(c, caps)
        self.assertEqual(caps["SASL"], ["PLAIN"])
        with self.assertRaises(poplib.error_proto):
            p.apop("taro", PASSWORD)
        p.quit()


class Pop3Login(Pop3Base):
    def setUp(self):
        self.setup_site(relay_after_pop_minutes="10", max_login_failures="3")

    def test_bad_passwords_are_slow_and_limited(self):
        p = poplib.POP3("127.0.0.1", self.port, timeout=30)
        t0 = time.monotonic()
        for i in range(3):
            p.user("taro")
            with self.assertRaises(poplib.error_proto) as e:
                p.pass_("wrong")
            self.assertIn(b"[AUTH]", e.exception.args[0])
        self.assertGreater(time.monotonic() - t0, 1.5)
        with self.assertRaises((poplib.error_proto, EOFError, OSError)):
            p.user("taro")
            p.pass_(PASSWORD)
        self.assertIn("result=too-many-failures", self.site.log())

    def test_the_last_word_is_not_lost_to_a_reset(self):
        # a client that pipelines junk past the limit, still sending when
        # told to go: it reads every reply, the closing one last, and no
        # reset (pop3-in reads the rest before it hangs up)
        import socket
        s = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        with s, s.makefile("rb") as f:
            f.readline()
            s.sendall(b"BOGUS x\r\n" * 5000)
            lines = []
            while (line := f.readline()):
                lines.append(line)
        self.assertEqual(len(lines), 21)
        self.assertEqual(lines[-1], b"-ERR too many bad commands, "
                                    b"closing\r\n")
        self.assertIn("result=too-many-errors", self.site.log())

    def test_unknown_user_locked_and_root(self):
        for user in ("nobody", "locked", "root", "ROOT"):
            with self.assertRaises(poplib.error_proto, msg=user):
                self.login(user)

    def test_domain_login_and_own_maildir(self):
        os.makedirs(self.site.maildir("example.com"))
        mailbox.Maildir(self.site.maildir("example.com", "hanako"),
                        create=True).add(b"Subject: hi\n\nx\n")
        p = self.login("Hanako@Example.COM")
        self.assertEqual(p.stat()[0], 1)
        p.quit()

    def test_forward_only_account_has_no_mailbox(self):
        with self.assertRaises(poplib.error_proto) as e:
            self.login("fwd")
        self.assertIn(b"no mailbox here", e.exception.args[0])

    def test_auth_plain_both_ways(self):
        import base64
        token = base64.b64encode(f"\0taro\0{PASSWORD}".encode()).decode()
        with self.connect() as s:
            f = s.makefile("rb")
            f.readline()
            s.sendall(f"AUTH PLAIN {token}\r\nSTAT\r\nQUIT\r\n".encode())
            self.assertTrue(f.readline().startswith(b"+OK"))
            self.assertEqual(f.readline(), b"+OK 0 0\r\n")
        with self.connect() as s:
            f = s.makefile("rb")
            f.readline()
            s.sendall(b"AUTH PLAIN\r\n")
            self.assertEqual(f.readline(), b"+ \r\n")
            s.sendall(token.encode() + b"\r\n")
            self.assertTrue(f.readline().startswith(b"+OK"))
            s.sendall(b"QUIT\r\n")
        with self.connect() as s:
            f = s.makefile("rb")
            f.readline()
            bad = base64.b64encode(b"\0taro\0nope").decode()
            s.sendall(f"AUTH PLAIN {bad}\r\nAUTH PLAIN !!!\r\n"
                      "AUTH PLAIN\r\n*\r\nAUTH CRAM-MD5\r\n".encode())
            self.assertTrue(f.readline().startswith(b"-ERR [AUTH]"))
            self.assertTrue(f.readline().startswith(b"-ERR malformed"))
            self.assertEqual(f.readline(), b"+ \r\n")
            self.assertTrue(f.readline().startswith(b"-ERR"))
            self.assertTrue(f.readline().startswith(b"-ERR unsupported"))

    def test_pop_before_smtp_record(self):
        self.login().quit()
        rec = os.path.join(self.site.spool, "popbsmtp", "127.0.0.1")
        self.assertTrue(os.path.exists(rec))
        self.assertTrue(open(rec).read().endswith(" taro\n"))
        self.assertLess(time.time() - os.stat(rec).st_mtime, 60)

    def test_state_errors_long_lines_and_junk(self):
        with self.connect() as s:
            f = s.makefile("rb")
            f.readline()
            s.sendall(b"STAT\r\nPASS x\r\n" + b"X" * 1000 + b"\r\n" +
                      b"\x00\x01\x02\r\nNOOP\r\nCAPA\r\n")
            self.assertEqual(f.readline(), b"-ERR log in first\r\n")
            self.assertEqual(f.readline(), b"-ERR USER first\r\n")
            self.assertEqual(f.readline(), b"-ERR line too long\r\n")
            self.assertEqual(f.readline(), b"-ERR bad command\r\n")
            self.assertEqual(f.readline(), b"-ERR log in first\r\n")
            self.assertEqual(f.readline(), b"+OK capability list follows\r\n")

    def test_twenty_bad_commands_end_the_session(self):
        with self.connect() as s:
            f = s.makefile("rb")
            f.readline()
            s.sendall(b"BOGUS\r\n" * 25)
            replies = []
            while (line := f.readline()):
                replies.append(line)
            self.assertEqual(replies[-1], b"-ERR too many bad commands, "
                             b"closing\r\n")
            self.assertEqual(len(replies), 21)

    def test_idle_client_is_dropped(self):
        self.site.settings["timeout"] = "2"
        self.site.write_conf()
        with self.connect(timeout=20) as s:
            f = s.makefile("rb")
            f.readline()
            t0 = time.monotonic()
            self.assertEqual(f.readline(), b"-ERR timeout, closing "
                             b"connection\r\n")
            self.assertEqual(f.readline(), b"")
            # timeout = 2: neither before it nor long after
            self.assertGreater(time.monotonic() - t0, 1.8)
            self.assertLess(time.monotonic() - t0, 5)


class Pop3Clients(Pop3Base):
    def test_mpop_downloads_everything(self):
        self.setup_site()
        for i in range(20):
            self.md.add(f"Subject: m{i}\n\n.dot {i}\n".encode())
        out = tempfile.mkdtemp(dir=self.site.dir)
        target = mailbox.Maildir(os.path.join(out, "Maildir"), create=True)
        self.handed()
        r = subprocess.run(
            ["mpop", "--host=127.0.0.1", f"--port={self.port}",
             "--tls=off", "--auth=user", "--user=taro",
             f"--passwordeval=echo '{PASSWORD}'",
             f"--delivery=maildir,{target._path}", "--keep=off",
             "--uidls-file=" + os.path.join(out, "uidls")],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        got = sorted(m["Subject"] for m in target)
        self.assertEqual(got, sorted(f"m{i}" for i in range(20)))
        for m in target:
            self.assertTrue(m.get_payload().startswith(".dot "))
        self.assertEqual(len(mailbox.Maildir(self.site.maildir("taro"),
                                             create=False)), 0)


class SocketPairPOP3(poplib.POP3):
    """poplib over a socketpair whose other end is pop3-in itself."""

    def __init__(self, sock):
        self.sock = sock
        self.file = sock.makefile("rb")
        self._debugging = 0
        self.welcome = self._getresp()


class Pop3ClearTextPolicy(Pop3Base):
    """A non-loopback client, as tcpserver reports it in $TCPREMOTEIP."""

    def run_direct(self, **settings):
        self.setup_site(**settings)
        mine, theirs = socket.socketpair()
        env = dict(self.site.env(), TCPREMOTEIP="192.0.2.9")
        err = open(os.path.join(self.site.asan, "stderr-direct"), "wb")
        self.addCleanup(err.close)  # any output there fails the test
        proc = subprocess.Popen([f"{BIN}/pop3-in", "-C", self.site.conf],
                                stdin=theirs, stdout=theirs, stderr=err,
                                env=env)
        theirs.close()
        self.proc = proc
        self.addCleanup(proc.wait, 10)
        self.addCleanup(mine.close)
        return SocketPairPOP3(mine)

    def test_refused_off_loopback_by_default(self):
        p = self.run_direct()
        self.assertNotIn("USER", p.capa())
        with self.assertRaises(poplib.error_proto) as e:
            p.user("taro")
        self.assertIn(b"clear-text", e.exception.args[0])
        p.quit()

    def test_allowed_when_configured(self):
        p = self.run_direct(auth_requires_tls="no")
        p.user("taro")
        p.pass_(PASSWORD)
        self.assertEqual(p.stat(), (0, 0))
        p.quit()
        self.assertEqual(self.proc.wait(10), 0)
        self.assertIn("pop3 client=192.0.2.9 account=taro", self.site.log())
