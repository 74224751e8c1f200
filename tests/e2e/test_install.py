"""The sample configuration and make install, as an administrator uses them."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from yubintest import BIN, SiteTest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


class SampleConfig(SiteTest):
    def test_sample_conf_compiles_cleanly(self):
        site = self.make_site()
        for name in ("users", "domains", "relay", "yubin.conf"):
            shutil.copy(os.path.join(TOP, "conf", name), site.conf)
        r = site.cdbmake()
        # no warning (postmaster and abuse are aliased); the one line
        # says the SRS secret was made
        secret = os.path.join(site.conf, "srs.secret")
        self.assertEqual(r.stderr.splitlines(),
                         [f"cdbmake-users: {secret} made: the key of the SRS"
                          " senders of forwarded mail; keep it secret"])
        # every setting is there once, commented out: appending a line
        # to the sample never sets a key twice
        conf = open(os.path.join(site.conf, "yubin.conf")).read()
        keys = re.findall(r"^#([a-z0-9_]+) = ", conf, re.M)
        self.assertEqual(re.findall(r"^[a-z]", conf, re.M), [])
        self.assertEqual(len(keys), len(set(keys)))
        self.assertGreaterEqual(len(keys), 42)
        # and every one, uncommented, is a real setting with a good value:
        # finger-in accepts it
        conf = re.sub(r"^#([a-z0-9_]+ = )", r"\1", conf, flags=re.M)
        conf = re.sub(r"^(spool|log) = .*\n", "", conf, flags=re.M)
        site.write("yubin.conf", conf + f"spool = {site.spool}\n"
                   f"log = {site.logfile}\n")
        port = site.start({"finger": ["finger-in"]})["finger"]
        import socket
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"webmaster\r\n")
            self.assertIn(b"Mailbox: webmaster", s.recv(4096))


class MakeInstall(unittest.TestCase):
    def test_install_keeps_existing_config(self):
        dest = tempfile.mkdtemp(prefix="yubin-install.")
        self.addCleanup(shutil.rmtree, dest, True)
        build = os.path.relpath(os.path.dirname(BIN), TOP)
        cmd = ["make", "-s", "-C", TOP, f"BUILD={build}", "install",
               f"DESTDIR={dest}", "PREFIX=/usr", "CONFDIR=/etc/yubin"]
        subprocess.run(cmd, check=True, capture_output=True, timeout=300)
        etc = os.path.join(dest, "etc/yubin")
        for path in ("usr/sbin/cdbmake-users", "usr/sbin/finger-in",
                     "usr/share/man/man8/cdbmake-users.8",
                     "usr/share/man/man5/yubin.conf.5",
                     "etc/yubin/examples/inetd.conf",
                     "etc/yubin/examples/xinetd.d/yubin",
                     "etc/yubin/examples/systemd/yubin-smtp.socket"):
            self.assertTrue(os.path.exists(os.path.join(dest, path)), path)
        self.assertEqual(os.stat(os.path.join(etc, "users")).st_mode & 0o777,
                         0o640)
        with open(os.path.join(etc, "users"), "w") as f:
            f.write("mine::\n")
        os.chmod(os.path.join(etc, "users"), 0o600)
        r = subprocess.run(cmd, check=True, capture_output=True, text=True,
                           timeout=300)
        self.assertIn("keeping existing", r.stdout)
        self.assertEqual(open(os.path.join(etc, "users")).read(), "mine::\n")
        self.assertEqual(os.stat(os.path.join(etc, "users")).st_mode & 0o777,
                         0o600)

    def test_other_paths_are_built_in_and_named_in_the_examples(self):
        # a build of its own (dynamic, quicker to link): the programs are
        # compiled for the CONFDIR given, whatever was built before
        dest = tempfile.mkdtemp(prefix="yubin-install.")
        self.addCleanup(shutil.rmtree, dest, True)
        build = os.path.join(dest, "build")
        for confdir in ("/etc/yubin", "/opt/yb/etc"):
            subprocess.run(
                ["make", "-s", "-C", TOP, f"BUILD={build}", "STATIC=",
                 "install", f"DESTDIR={dest}/root", "PREFIX=/opt/yb",
                 f"CONFDIR={confdir}"],
                check=True, capture_output=True, timeout=600)
        sbin = os.path.join(dest, "root/opt/yb/sbin")
        # run without -C: the built-in directory is the one installed
        r = subprocess.run([f"{sbin}/cdbmake-users"], capture_output=True,
                           text=True, timeout=30)
        self.assertEqual(r.returncode, 100, r.stderr)
        self.assertIn("/opt/yb/etc/yubin.conf: No such file", r.stderr)
        examples = os.path.join(dest, "root/opt/yb/etc/examples")
        with open(os.path.join(examples, "inetd.conf")) as f:
            inetd = f.read()
        self.assertIn("/opt/yb/sbin/smtp-in\t\tsmtp-in -C /opt/yb/etc\n",
                      inetd)
        self.assertNotIn("/usr/local/sbin", inetd)
        self.assertNotIn("/etc/yubin", inetd)
        for name in ("xinetd.d/yubin", "systemd/yubin-smtp@.service"):
            with open(os.path.join(examples, name)) as f:
                text = f.read()
            self.assertIn("/opt/yb/sbin/smtp-in", text, name)
            self.assertNotIn("/etc/yubin", text, name)
