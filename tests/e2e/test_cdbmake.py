"""cdbmake-users as the administrator uses it: compile, errors, --hash.
Databases are read back with tinycdb's own `cdb` tool, hashes checked with
Python's crypt (libxcrypt), not with yubin's code."""
import crypt  # noqa: deprecated in 3.11, still Debian's libxcrypt binding
import mailbox
import os
import pty
import smtplib
import subprocess
import threading
import time

from yubintest import BIN, SiteTest, make_hash


def cdb_get(path, key):
    r = subprocess.run(["cdb", "-q", path, key], capture_output=True,
                       timeout=10)
    return r.stdout if r.returncode == 0 else None


class CdbmakeUsers(SiteTest):
    def good_site(self):
        h = make_hash("pw")
        return self.make_site(
            domains="example.com\n[192.0.2.1]\n",
            relay="127.0.0.1\n192.168.1.*\n",
            users=(f"webmaster:{h}:\npostmaster::webmaster\n"
                   f"abuse::webmaster\ntaro@example.com:{h}:.,taro@"
                   "example.net\n"))

    def test_senders_file_is_checked_line_by_line(self):
        site = self.good_site()
        site.write("senders", "taro@example.com: taro@home.example\n"
                   "ghost: a@b.example\n"
                   "webmaster: not an address\n"
                   "webmaster: a@b.example\n"
                   "taro@example.com: @x.example\n"
                   "no colon here\n")
        r = site.cdbmake(check=False)
        self.assertEqual(r.returncode, 100)
        senders = os.path.join(site.conf, "senders")
        for text in (f"{senders}:2: 'ghost' is not an account",
                     f"{senders}:3: 'not an address' is not an address",
                     f"{senders}:5: account taro@example.com is already "
                     "listed at line 1",
                     f"{senders}:6: expected 'account: address, ...'"):
            self.assertIn(text, r.stderr)
        self.assertFalse(os.path.exists(senders + ".cdb"))
        site.write("senders", "taro@example.com: Taro@Home.Example, "
                   "@x.example\n")
        r = site.cdbmake()
        self.assertEqual(cdb_get(senders + ".cdb", "taro@example.com"),
                         b"taro@home.example,@x.example")

    def test_compiles_all_three(self):
        site = self.good_site()
        r = site.cdbmake()
        self.assertEqual(r.returncode, 0)
        # the first run makes the SRS secret, and says so; later ones not
        secret = os.path.join(site.conf, "srs.secret")
        self.assertEqual(r.stderr, f"cdbmake-users: {secret} made: the key"
                         " of the SRS senders of forwarded mail; keep it"
                         " secret\n")
        self.assertEqual(os.stat(secret).st_mode & 0o777, 0o600)
        with open(secret) as f:
            self.assertRegex(f.read(), r"^[A-Za-z0-9+/]{43}=\n$")
        self.assertEqual(site.cdbmake().stderr, "")
        users = os.path.join(site.conf, "users.cdb")
        self.assertEqual(cdb_get(users, "taro@example.com").split(b"\0")[1],
                         b".,taro@example.net")
        self.assertIsNotNone(cdb_get(users, "webmaster"))
        self.assertIsNone(cdb_get(users, "taro"))
        doms = os.path.join(site.conf, "domains.cdb")
        self.assertEqual(cdb_get(doms, "[192.0.2.1]"), b"")
        self.assertIsNone(cdb_get(doms, "example.net"))
        self.assertEqual(os.stat(users).st_mode & 0o777, 0o640)

    def test_bad_lines_are_reported_and_old_cdb_kept(self):
        site = self.good_site()
        site.cdbmake()
        users = os.path.join(site.conf, "users.cdb")
        before = open(users, "rb").read()
        site.write("users", "# comment\nwebmaster:plaintext:\n"
                   "bob@nowhere.example::\npostmaster::ghost\n")
        site.write("relay", "127.0.0.1\n10.0.0.1/8\n")
        r = site.cdbmake(check=False)
        self.assertEqual(r.returncode, 100)
        self.assertIn(f"{site.conf}/users:2: secret is not a crypt(3) hash",
                      r.stderr)
        self.assertIn(f"{site.conf}/users:3: domain nowhere.example is not"
                      " listed", r.stderr)
        self.assertIn(f"{site.conf}/relay:2: '10.0.0.1/8'", r.stderr)
        self.assertEqual(open(users, "rb").read(), before)
        self.assertEqual([f for f in os.listdir(site.conf) if "tmp" in f],
                         [])

    def test_alias_loop_rejected(self):
        site = self.make_site(users="webmaster::\na::b\nb::a\n")
        r = site.cdbmake(check=False)
        self.assertEqual(r.returncode, 100)
        self.assertRegex(r.stderr, r"users:\d: alias loop: (a -> b -> a|"
                         r"b -> a -> b)")
        self.assertFalse(os.path.exists(os.path.join(site.conf,
                                                     "users.cdb")))

    def test_alias_chains_as_long_as_delivery_follows(self):
        """Ten alias hops are taken and followed by smtp-in; eleven are
        refused with the line, even when the file lists the chain from
        its end (each account then first met only one hop deep)."""
        def chain(hops):
            lines = [f"a{i}::a{i + 1}\n" for i in range(hops)]
            lines.append(f"a{hops}::\n")
            return ("postmaster::webmaster\nabuse::webmaster\n"
                    "webmaster::\n" + "".join(reversed(lines)))
        site = self.make_site(users=chain(11))
        r = site.cdbmake(check=False)
        self.assertEqual(r.returncode, 100)
        self.assertIn(f"{site.conf}/users:15: alias chain through a0 is "
                      "longer than 10 hops", r.stderr)
        site.write("users", chain(10))
        site.cdbmake()
        port = site.start({"smtp": ["smtp-in"]})["smtp"]
        with smtplib.SMTP("127.0.0.1", port, timeout=20) as c:
            c.sendmail("x@example.net", ["a0@example.com"],
                       "Subject: down the chain\r\n\r\nhi\r\n")
        md = mailbox.Maildir(site.maildir("a10"), create=False)
        self.assertEqual([m["Subject"] for m in md], ["down the chain"])

    def test_a_list_wider_than_a_message_is_refused(self):
        """1,200 members through lists of lists: more than the 1,000
        destinations smtp-in takes for one message, so every message to
        it would be answered 452; the same lists named twice are not."""
        lists = [[f"{c}{i}" for i in range(400)] for c in "abc"]
        users = "webmaster::\npostmaster::webmaster\nabuse::webmaster\n"
        users += "".join(f"{u}::\n" for members in lists for u in members)
        users += "".join(f"list{c}::{','.join(m)}\n"
                         for c, m in zip("abc", lists))
        site = self.make_site(users=users + "twice::lista,listb,lista\n"
                              "all::lista,listb,listc\n")
        r = site.cdbmake(check=False)
        self.assertEqual(r.returncode, 100)
        self.assertIn(f"{site.conf}/users:1208: all reaches more than 1000 "
                      "mailboxes and addresses", r.stderr)
        self.assertNotIn("twice", r.stderr)

    def test_missing_postmaster_warns_but_compiles(self):
        site = self.make_site(users="webmaster::\n")
        r = site.cdbmake()
        self.assertIn("postmaster@example.com does not reach a mailbox",
                      r.stderr)
        self.assertIn("abuse@example.com does not reach a mailbox", r.stderr)

    def test_one_table_only(self):
        site = self.good_site()
        r = site.cdbmake("relay")
        self.assertEqual(r.returncode, 0)
        self.assertEqual(sorted(f for f in os.listdir(site.conf)
                                if f.endswith(".cdb")), ["relay.cdb"])
        r = site.cdbmake("bogus", check=False)
        self.assertEqual(r.returncode, 100)
        self.assertIn("usage: cdbmake-users", r.stderr)

    def test_readers_always_see_a_whole_database(self):
        site = self.good_site()
        site.cdbmake()
        users = os.path.join(site.conf, "users.cdb")
        bad = []
        stop = threading.Event()

        def reader():
            end = time.monotonic() + 20
            while not stop.is_set() and time.monotonic() < end:
                if cdb_get(users, "webmaster") is None:
                    bad.append("webmaster missing")
        t = threading.Thread(target=reader)
        t.start()
        h = make_hash("pw")
        for i in range(30):
            site.write("users", f"webmaster:{h}:\npostmaster::webmaster\n"
                       f"abuse::webmaster\n" +
                       "".join(f"u{i}x{j}::\n" for j in range(300)))
            site.cdbmake("users")
        stop.set()
        t.join()
        self.assertEqual(bad, [])
        self.assertIsNotNone(cdb_get(users, "u29x299"))

    def test_hash_from_pipe(self):
        r = subprocess.run([f"{BIN}/cdbmake-users", "--hash"],
                           input="s3cret pass\n", capture_output=True,
                           text=True, timeout=30)
        self.assertEqual(r.returncode, 0)
        h = r.stdout.strip()
        self.assertTrue(h.startswith("$y$"))
        self.assertEqual(crypt.crypt("s3cret pass", h), h)
        self.assertNotEqual(crypt.crypt("s3cret pasS", h), h)
        r = subprocess.run([f"{BIN}/cdbmake-users", "--hash"], input="",
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 100)

    def test_hash_asks_twice_on_a_terminal(self):
        def run(first, second):
            pid, fd = pty.fork()
            if pid == 0:
                os.execv(f"{BIN}/cdbmake-users",
                         ["cdbmake-users", "--hash"])
            out = b""
            for answer in (first, second):
                while not out.rstrip().endswith(b":"):
                    out += os.read(fd, 1024)
                os.write(fd, answer.encode() + b"\n")
                out += b"|"
            while True:
                try:
                    chunk = os.read(fd, 1024)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
            _, status = os.waitpid(pid, 0)
            return os.waitstatus_to_exitcode(status), out.decode()
        code, out = run("tty pass", "tty pass")
        self.assertEqual(code, 0)
        self.assertNotIn("tty pass", out)  # no echo
        h = out.strip().splitlines()[-1].strip()
        self.assertEqual(crypt.crypt("tty pass", h), h)
        code, out = run("one", "two")
        self.assertEqual(code, 100)
        self.assertIn("do not match", out)
