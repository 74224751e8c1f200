"""yubin-setup, as INSTALL's first commands run it: installed by make
install (into a DESTDIR that stands for the root), it writes a new
site's configuration for a domain and an account, the spool and the
inetd lines; the result passes cdbmake-users and holds the password
typed (checked with libxcrypt); a second run refuses and changes
nothing."""
import os
import pwd
import shutil
import subprocess
import tempfile
import unittest

from yubintest import BIN

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


@unittest.skipUnless(os.getuid() == 0, "needs root (chown to nobody)")
class Setup(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="yubin-setup.")
        self.addCleanup(shutil.rmtree, self.root, True)
        build = os.path.relpath(os.path.dirname(BIN), TOP)
        subprocess.run(["make", "-s", "-C", TOP, f"BUILD={build}",
                        "install", f"DESTDIR={self.root}", "PREFIX=/usr",
                        "CONFDIR=/etc/yubin"],
                       check=True, capture_output=True, timeout=600)
        os.makedirs(os.path.join(self.root, "etc"), exist_ok=True)
        with open(os.path.join(self.root, "etc/inetd.conf"), "w") as f:
            f.write("# the system's own lines\n")
        self.conf = os.path.join(self.root, "etc/yubin")

    def setup(self, *args, password="setup secret\n"):
        return subprocess.run(
            [os.path.join(self.root, "usr/sbin/yubin-setup"), "-r",
             self.root, "-u", "nobody", *args], input=password,
            capture_output=True, text=True, timeout=60)

    def test_a_new_site_in_one_command(self):
        r = self.setup("Example.ORG", "taro")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("example.org is set up", r.stdout)
        self.assertIn("service openbsd-inetd reload", r.stdout)
        with open(os.path.join(self.conf, "yubin.conf")) as f:
            conf = f.read()
        self.assertTrue(conf.endswith("hostname = mail.example.org\n"
                                      "spool = /var/yubin\n"))
        with open(os.path.join(self.conf, "users")) as f:
            users = f.read().splitlines()
        self.assertRegex(users[0], r"^taro:\$y\$[^:]+:$")
        self.assertEqual(users[1:], ["postmaster::taro", "abuse::taro"])
        nobody = pwd.getpwnam("nobody")
        st = os.stat(os.path.join(self.conf, "users"))
        self.assertEqual((st.st_mode & 0o777, st.st_gid),
                         (0o640, nobody.pw_gid))
        for d in ("", "mail", "queue", "popbsmtp"):
            st = os.stat(os.path.join(self.root, "var/yubin", d))
            self.assertEqual(st.st_uid, nobody.pw_uid, d)
        self.assertTrue(os.path.exists(os.path.join(self.conf,
                                                    "users.cdb")))
        with open(os.path.join(self.root, "etc/inetd.conf")) as f:
            inetd = f.read()
        self.assertTrue(inetd.startswith("# the system's own lines\n"))
        self.assertIn("smtp\t\tstream\ttcp\tnowait\tnobody\t/usr/sbin/"
                      "smtp-in\t\tsmtp-in -C /etc/yubin\n", inetd)
        # the password typed is the one hashed (libxcrypt, through
        # Python's crypt module)
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import crypt
        h = users[0].split(":")[1]
        self.assertEqual(crypt.crypt("setup secret", h), h)
        # and the site it wrote compiles cleanly again
        r = subprocess.run(
            [os.path.join(self.root, "usr/sbin/cdbmake-users"), "-C",
             self.conf], capture_output=True, text=True, timeout=60)
        self.assertEqual((r.returncode, r.stderr), (0, ""))

    def test_it_never_touches_a_site_in_use(self):
        self.assertEqual(self.setup("example.org", "taro").returncode, 0)
        before = {n: open(os.path.join(self.conf, n)).read()
                  for n in ("yubin.conf", "users", "domains", "relay")}
        r = self.setup("other.example", "jiro")
        self.assertEqual(r.returncode, 100)
        self.assertIn("is in use already", r.stderr)
        for n, text in before.items():
            self.assertEqual(open(os.path.join(self.conf, n)).read(), text)

    def test_bad_names_are_refused(self):
        for args in (("not a domain", "taro"), ("example", "taro"),
                     ("example.org", "Taro Yamada")):
            r = self.setup(*args)
            self.assertEqual(r.returncode, 100, args)
        self.assertFalse(os.path.exists(os.path.join(self.conf,
                                                     "users.cdb")))

    def test_xinetd_when_that_is_the_inetd(self):
        os.remove(os.path.join(self.root, "etc/inetd.conf"))
        os.makedirs(os.path.join(self.root, "etc/xinetd.d"))
        r = self.setup("example.org", "taro")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("service xinetd reload", r.stdout)
        with open(os.path.join(self.root, "etc/xinetd.d/yubin")) as f:
            text = f.read()
        self.assertIn("\tuser\t\t= nobody\n", text)
        self.assertNotIn("= yubin\n", text)
        self.assertIn("server\t\t= /usr/sbin/smtp-in\n", text)
