"""End-to-end harness: a throw-away yubin site under a real xinetd.

A Site is a temporary directory holding a configuration (yubin.conf, users,
domains, relay, compiled with the real cdbmake-users) and a spool. start()
writes an xinetd configuration binding the named programs to free ports on
127.0.0.1 and runs xinetd in the foreground; stop() ends it. SiteTest gives
each test its own Site and always stops what it started, and fails a test
whose servers left an AddressSanitizer report.
"""
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

BIN = os.path.abspath(os.environ.get("YUBIN_BIN", "build/bin"))
# leaks inside libraries (see the file), never yubin's own
# (full stacks, fast_unwind_on_malloc=0, so a suppression can see that
# libopendkim made an allocation that libcrypto's frames hide)
LSAN = "print_suppressions=0:suppressions=" + os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", "lsan.supp"))
ASAN_UNWIND = "fast_unwind_on_malloc=0"
HASH_CACHE = {}
# who the servers run as when the tests run as root
SERVERS_USER = "nobody"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_cert(directory, name="mail.example.com"):
    """A throw-away self-signed certificate and key (openssl) for name;
    returns their paths."""
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "2", "-subj", f"/CN={name}"],
                   check=True, capture_output=True, timeout=60)
    give_to_servers(cert, key)
    return cert, key


def give_to_servers(*paths):
    """Under root, a file the servers must read (a TLS key, a password
    file) belongs to their user, as INSTALL says; else it is ours."""
    if os.getuid() == 0:
        pw = pwd.getpwnam(SERVERS_USER)
        for path in paths:
            os.chown(path, pw.pw_uid, pw.pw_gid)


def stranger_address(test, addr):
    """Puts addr on lo, for a client that is not loopback (libspf2
    passes loopback without asking DNS); skips the test outside
    tests/check.sh's network namespace, where that is not ours to do."""
    if os.getuid() != 0 or not os.environ.get("YUBIN_NETNS"):
        test.skipTest("needs root in tests/check.sh's network namespace")
    r = subprocess.run(["ip", "addr", "add", f"{addr}/32", "dev", "lo"],
                       capture_output=True, text=True)
    if r.returncode != 0 and "already assigned" not in r.stderr:
        test.fail(r.stderr)


def rsa_key():
    """A 2048-bit RSA key by openssl: (private PEM, its DNS p= value)."""
    import base64
    with tempfile.TemporaryDirectory() as d:
        key = os.path.join(d, "k.pem")
        subprocess.run(["openssl", "genrsa", "-out", key, "2048"],
                       check=True, capture_output=True)
        der = subprocess.run(["openssl", "rsa", "-in", key, "-pubout",
                              "-outform", "DER"], check=True,
                             capture_output=True).stdout
        with open(key, "rb") as f:
            return f.read(), base64.b64encode(der).decode()


def make_hash(password):
    """A yescrypt hash from the real cdbmake-users --hash."""
    if password not in HASH_CACHE:
        out = subprocess.run([f"{BIN}/cdbmake-users", "--hash"],
                             input=password + "\n", capture_output=True,
                             text=True, check=True, timeout=30)
        HASH_CACHE[password] = out.stdout.strip()
    return HASH_CACHE[password]


class Site:
    def __init__(self, users="", domains="example.com\n",
                 relay="127.0.0.1\n::1\n", settings=None):
        self.dir = tempfile.mkdtemp(prefix="yubin-e2e.")
        self.conf = os.path.join(self.dir, "conf")
        self.spool = os.path.join(self.dir, "spool")
        self.asan = os.path.join(self.dir, "asan")
        self.logfile = os.path.join(self.dir, "yubin.log")
        for d in (self.conf, self.spool, self.asan,
                  os.path.join(self.spool, "mail"),
                  os.path.join(self.spool, "popbsmtp")):
            os.makedirs(d, exist_ok=True)
        self.settings = {"hostname": "mail.example.com",
                         "spool": self.spool, "log": self.logfile,
                         "timeout": "10",
                         # remote-send never falls back to resolv.conf in
                         # a test: nothing answers here unless a test
                         # starts its own dnsmasq and says so
                         "dns_servers": "127.0.0.1:53"}
        self.settings.update(settings or {})
        self.write("domains", domains)
        self.write("relay", relay)
        self.write("users", users)
        self.write_conf()
        self.xinetd = None
        self.ports = {}
        self.owner = None  # the servers' user once as_install_says ran
        # LeakSanitizer at exit on (the crash test turns it off: a
        # process killed during its leak check leaves the checker spinning)
        self.detect_leaks = 1

    def write(self, name, text):
        with open(os.path.join(self.conf, name), "w") as f:
            f.write(text)

    def write_conf(self):
        self.write("yubin.conf", "".join(
            f"{k} = {v}\n" for k, v in self.settings.items()))

    def cdbmake(self, *args, check=True):
        r = subprocess.run([f"{BIN}/cdbmake-users", "-C", self.conf, *args],
                           capture_output=True, text=True, timeout=60,
                           env=self.env())
        if check and r.returncode != 0:
            raise AssertionError(f"cdbmake-users failed: {r.stderr}")
        return r

    def env(self):
        e = dict(os.environ)
        e["ASAN_OPTIONS"] = (f"log_path={self.asan}/asan:"
                             f"detect_leaks={self.detect_leaks}:{ASAN_UNWIND}")
        e["UBSAN_OPTIONS"] = f"log_path={self.asan}/ubsan:print_stacktrace=1"
        e["LSAN_OPTIONS"] = LSAN
        return e

    def maildir(self, *parts):
        return os.path.join(self.spool, "mail", *parts)

    def log(self):
        try:
            with open(self.logfile, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def start(self, services, wrap=True, bind="127.0.0.1", fixed_port=None,
              user=None):
        """services: {name: [program, args...]}; returns {name: port}.
        wrap=False runs the programs without the stderr-catching wrapper
        (benchmarks); bind and fixed_port place a single service; user
        is who xinetd runs them as. Under root (make check) that is
        nobody by default, with the owners and modes INSTALL gives (the
        production shape); otherwise whoever runs the tests."""
        if user is None and os.getuid() == 0:
            user = SERVERS_USER
        if user is None:
            user = pwd.getpwuid(os.getuid()).pw_name
        elif self.owner != user:
            self.as_install_says(user)
        else:
            # what the test made since
            self.give(self.settings.get("spool", self.spool))
        lines = ["defaults", "{", "\tinstances = UNLIMITED",
                 "\tper_source = UNLIMITED", "\tcps = 10000 1",
                 f"\tlog_type = FILE {self.dir}/xinetd.log", "}"]
        for name, argv in services.items():
            port = fixed_port or free_port()
            self.ports[name] = port
            args = " ".join(["-C", self.conf] + list(argv[1:]))
            # Servers must never write to stderr (under inetd it is the
            # client's socket); a fatal UBSan report ignores log_path and
            # goes there. So stderr goes to a file the tests check.
            # a program of ours by name, or any other by its path
            prog = argv[0] if os.path.isabs(argv[0]) else f"{BIN}/{argv[0]}"
            wrapper = os.path.join(self.dir, f"run-{name}")
            with open(wrapper, "w") as f:
                f.write(f"#!/bin/sh\nexec {prog} \"$@\" "
                        f"2>>{self.asan}/stderr-{name}.$$\n")
            os.chmod(wrapper, 0o755)
            lines += [f"service yubin-{name}", "{", "\ttype = UNLISTED",
                      "\tsocket_type = stream", "\tprotocol = tcp",
                      "\twait = no", f"\tuser = {user}",
                      f"\tbind = {bind}", f"\tport = {port}",
                      f"\tserver = {wrapper if wrap else prog}",
                      f"\tserver_args = {args}",
                      f"\tenv = ASAN_OPTIONS=log_path={self.asan}/asan"
                      f":detect_leaks={self.detect_leaks}:{ASAN_UNWIND}"
                      f" UBSAN_OPTIONS=log_path={self.asan}/ubsan"
                      f":print_stacktrace=1 LSAN_OPTIONS={LSAN}", "}"]
        cfg = os.path.join(self.dir, "xinetd.conf")
        with open(cfg, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.xinetd = subprocess.Popen(
            ["xinetd", "-dontfork", "-stayalive", "-f", cfg,
             "-pidfile", os.path.join(self.dir, "xinetd.pid")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        for port in (self.ports[name] for name in services):
            while not self.listening(port, bind):
                if time.monotonic() > deadline or self.xinetd.poll() is not None:
                    self.stop()
                    raise AssertionError("xinetd did not start listening")
                time.sleep(0.05)
        return self.ports

    @staticmethod
    def listening(port, host="127.0.0.1"):
        try:
            socket.create_connection((host, port), timeout=1).close()
            return True
        except OSError:
            return False

    def as_install_says(self, user):
        """Sets the site up as INSTALL tells an administrator to: the
        spool (and the log file) owned by the servers' user, the users
        file and users.cdb readable for its group only, the rest of the
        configuration readable; for servers run as user, not root."""
        pw = pwd.getpwnam(user)
        self.owner = user
        for d in (self.dir, self.conf):
            os.chmod(d, 0o755)
        os.chmod(self.asan, 0o777)  # where the servers' stderr goes
        users = os.path.join(self.conf, "users")
        os.chown(users, 0, pw.pw_gid)
        os.chmod(users, 0o640)
        # users.cdb takes the users file's owner and mode (a test of a
        # broken yubin.conf keeps the users.cdb made before)
        cdb = os.path.join(self.conf, "users.cdb")
        if self.cdbmake(check=False).returncode != 0 and \
                os.path.exists(cdb):
            os.chown(cdb, 0, pw.pw_gid)
            os.chmod(cdb, 0o640)
        # the secrets are the servers' own (cdbmake-users gives them to
        # the spool's owner; here the spool changed hands after)
        for root, dirs, files in os.walk(self.conf):
            for name in dirs + files:
                path = os.path.join(root, name)
                if name == "srs.secret" or "/dkim" in path[len(self.conf):]:
                    os.chown(path, pw.pw_uid, pw.pw_gid)
        open(self.logfile, "a").close()
        os.chown(self.logfile, pw.pw_uid, pw.pw_gid)
        spool = self.settings.get("spool", self.spool)
        for d in ("mail", "queue", "popbsmtp"):
            os.makedirs(os.path.join(spool, d), exist_ok=True)
        self.give(spool)
        os.chmod(spool, 0o750)

    def give(self, *paths):
        """Hands what a test made in the spool to the servers' user, as
        the servers would have made it themselves."""
        if self.owner is None:
            return
        pw = pwd.getpwnam(self.owner)
        for top in paths:
            for root, dirs, files in os.walk(top):
                for name in dirs + files:
                    os.lchown(os.path.join(root, name), pw.pw_uid, pw.pw_gid)
            os.lchown(top, pw.pw_uid, pw.pw_gid)

    def stop(self):
        if self.xinetd is not None and self.xinetd.poll() is None:
            self.xinetd.send_signal(signal.SIGTERM)
            try:
                self.xinetd.wait(10)
            except subprocess.TimeoutExpired:
                self.xinetd.kill()
                self.xinetd.wait(10)
        self.xinetd = None

    def processes(self):
        """pids of this site's programs (their argv names its conf)."""
        found = []
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    argv = f.read().split(b"\0")
                with open(f"/proc/{pid}/stat", "rb") as f:
                    zombie = f.read().rsplit(b")", 1)[1].split()[0] == b"Z"
            except OSError:
                continue
            if not zombie and self.conf.encode() in argv:
                found.append(int(pid))
        return found

    def wait_quiet(self, seconds=30):
        """Waits until every program of the site has exited (detached
        remote-send runners too); returns those still running then."""
        end = time.monotonic() + seconds
        while (left := self.processes()) and time.monotonic() < end:
            time.sleep(0.05)
        return left

    def sanitizer_reports(self, settle=2.0):
        """Reports the servers left; waits briefly for exiting children."""
        deadline = time.monotonic() + settle
        while True:
            found = sorted(f for f in os.listdir(self.asan)
                           if os.path.getsize(os.path.join(self.asan, f)))
            if found or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        texts = []
        for name in found:
            with open(os.path.join(self.asan, name), errors="replace") as f:
                texts.append(f.read())
        return texts

    def close(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class SiteTest(unittest.TestCase):
    """Each test gets self.site; servers are stopped even on failure."""

    def make_site(self, **kw):
        site = Site(**kw)
        self.addCleanup(site.close)
        self.addCleanup(self.check_sanitizers, site)
        return site

    def check_sanitizers(self, site):
        site.stop()
        # reports are complete once every process has exited
        left = site.wait_quiet()
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        if left:
            self.fail(f"processes of the site still running: {left}")
        reports = site.sanitizer_reports(settle=0)
        if reports:
            self.fail("sanitizer report or stderr output:\n" +
                      reports[0][:3000])


def connect(port, timeout=10):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    return s


def fill_disk(path):
    """Writes path until its file system is full."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        while os.write(fd, b"\0" * 4096) > 0:
            pass
    except OSError:
        pass
    os.close(fd)


def until_reply(f, prefix, limit=1000):
    """Reads reply lines from f until one starts with prefix; fails at
    EOF (a server that died) instead of spinning."""
    for _ in range(limit):
        line = f.readline()
        if not line:
            raise AssertionError(f"connection closed before {prefix!r}")
        if line.startswith(prefix):
            return line
    raise AssertionError(f"no {prefix!r} in {limit} lines")


def recv_all(sock, limit=1 << 20):
    data = b""
    while len(data) < limit:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data
