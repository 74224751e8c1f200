"""make bench: the benchmarks, printed as plain figures.

cdbmake-users: compile a users file of 100,000 accounts (target: under
1 s), then 1,000,000 random recipient lookups in the result.
smtp-in: Postfix's smtp-source against smtp-in under xinetd, 4 KiB
messages to a local account, until every one is in the Maildir: (a) 10
sessions x 200 messages, (b) one message per connection, (c) one message:
time to the 250 after DATA. Also CPU per message and one smtp-in's RSS.
TLS: smtp-in over STARTTLS vs plain, the same smtplib client for both
(smtp-source speaks no TLS): 10 sessions x 50 messages, and 200 sessions
of one message each (a handshake per message).
remote-send: 1,000 queued messages of 4 KiB to 10 domains (MX from
dnsmasq) served by Postfix's smtp-sink: messages per second until the
queue is empty.
DKIM: the cost of signing one 4 KiB message (rsa-2048, ed25519, both),
and smtp-in's throughput for relayed 4 KiB messages from a local domain
(smtp-source, 10 sessions x 100 messages, and 1,000 messages of one
per connection, until every one is queued) with signing on and off in
the same run (target: signing costs at most 25% of the throughput in
sessions; one message per connection also pays, in each smtp-in, for
OpenSSL's start-up (its providers, its random generator for the first
RSA signature) and for decoding the two keys).
Inbound checks: smtp-in on port 25 for a stranger, 10 sessions x 100
messages of 4 KiB to a local account, with the DNS blocklist and
allowlist (from a local dnsmasq), greylisting (the triple already
passed) and the SPF Authentication-Results field on vs off in the same
run (target: they cost at most 30%), for unsigned messages and for
messages signed by dkimpy (rsa-2048: DKIM verification and DMARC with
the keys and policies from dnsmasq); and
the CPU of a login attempt refused by the lockout vs one whose wrong
password is checked (target: under 1 ms).
pop3-in: Maildirs of 1,000 and 10,000 messages of 4 KiB under xinetd,
Python's poplib as the client: (a) login + STAT on a mailbox never opened
(everything in new/), (b) the same again, (c) LIST + RETR all + QUIT, and
the pop3-in process's peak memory.
"""
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
build = os.path.abspath(os.path.join(top, sys.argv[1] if len(sys.argv) > 1
                                     else "build"))
BIN = os.path.join(build, "bin")
ACCOUNTS = 100_000


def bench_cdbmake():
    d = tempfile.mkdtemp(prefix="yubin-bench.")
    try:
        h = subprocess.run([f"{BIN}/cdbmake-users", "--hash"], input="pw\n",
                           capture_output=True, text=True,
                           check=True).stdout.strip()
        with open(os.path.join(d, "domains"), "w") as f:
            f.write("example.com\nexample.org\n")
        with open(os.path.join(d, "relay"), "w") as f:
            f.write("127.0.0.1\n::1\n192.168.1.0/24\n")
        # cdbmake-users checks it too
        with open(os.path.join(d, "yubin.conf"), "w") as f:
            f.write(f"hostname = mail.example.com\nspool = {d}/spool\n")
        with open(os.path.join(d, "users"), "w") as f:
            f.write(f"webmaster:{h}:\npostmaster::webmaster\n"
                    "abuse::webmaster\n@example.org::webmaster\n")
            for i in range(ACCOUNTS):
                if i % 10 == 9:   # every tenth an alias or a forward
                    f.write(f"user{i}::user{i - 1},u{i}@example.net\n")
                else:
                    f.write(f"user{i}:{h}:\n")
        times = []
        for _ in range(5):
            t0 = time.monotonic()
            subprocess.run([f"{BIN}/cdbmake-users", "-C", d, "all"],
                           check=True)
            times.append(time.monotonic() - t0)
        size = os.path.getsize(os.path.join(d, "users.cdb"))
        print(f"cdbmake-users: {ACCOUNTS} accounts compiled in "
              f"{statistics.median(times):.3f} s (median of 5, best "
              f"{min(times):.3f} s; users.cdb {size // 1024} KiB); "
              "target < 1 s")
        out = subprocess.run([f"{build}/bench/lookup",
                              os.path.join(d, "users.cdb"), str(ACCOUNTS),
                              "example.com", "1000000"],
                             capture_output=True, text=True, check=True)
        print(f"users.cdb recipient lookups: {out.stdout.strip()}")
    finally:
        shutil.rmtree(d, ignore_errors=True)


# Reference figures from the pop3-in issue (same kind of machine, 10,000
# messages): Dovecot 2.3 and qmail-pop3d. Targets: (a) <= half Dovecot's,
# (b) <= Dovecot's, (c) <= qmail-pop3d's, memory < 4 MiB.
POP3_REF = {"dovecot": (0.34, 0.017, 1.38), "qmail-pop3d": (0.18, 0.032, 1.15)}


def fill_maildir(path, count):
    for sub in ("tmp", "new", "cur"):
        os.makedirs(os.path.join(path, sub), exist_ok=True)
    line = ("x" * 63 + "\n").encode()
    for i in range(count):
        body = (f"From: bench@example.net\nTo: taro@example.com\n"
                f"Subject: message {i}\n\n").encode()
        body += line * ((4096 - len(body)) // 64)
        w = len(body) + body.count(b"\n")
        name = f"{1700000000 + i}.M{i}P1.bench,S={len(body)},W={w}"
        with open(os.path.join(path, "new", name), "wb") as f:
            f.write(body)


def pop3_memory_kib():
    """(VmRSS, VmHWM) of the running pop3-in processes, in KiB."""
    rss = hwm = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/status") as f:
                status = f.read()
        except OSError:
            continue
        if "Name:\tpop3-in" in status:
            for ln in status.splitlines():
                if ln.startswith("VmRSS:"):
                    rss = max(rss, int(ln.split()[1]))
                if ln.startswith("VmHWM:"):
                    hwm = max(hwm, int(ln.split()[1]))
    return rss, hwm


def pop3_session(port, user, retr_all):
    import poplib
    t0 = time.monotonic()
    p = poplib.POP3("127.0.0.1", port, timeout=600)
    p.user(user)
    p.pass_("pw")
    n, _ = p.stat()
    if not retr_all:
        elapsed = time.monotonic() - t0
        p.quit()
        return elapsed, None
    t0 = time.monotonic()
    p.list()
    for i in range(1, n + 1):
        p.retr(i)
    mem = pop3_memory_kib()
    p.quit()
    return time.monotonic() - t0, mem


def dovecot_pop3(top, users):
    """Dovecot's pop3 (Debian dovecot-pop3d) on a free port, serving
    users {name: (crypt hash, Maildir)} from a passwd-file, as nobody:
    the live comparison for pop3-in. Returns (port, process)."""
    import pwd
    import yubintest
    nobody = pwd.getpwnam("nobody")
    d = os.path.join(top, "dovecot")
    os.makedirs(os.path.join(d, "run", "state"))
    os.chmod(top, 0o755)  # Dovecot's auth (user dovecot) reads passwd
    with open(os.path.join(d, "passwd"), "w") as f:
        for name, (h, maildir) in users.items():
            f.write(f"{name}:{{CRYPT}}{h}:{nobody.pw_uid}:{nobody.pw_gid}::"
                    f"{maildir}::userdb_mail=maildir:{maildir}\n")
            for root, dirs, files in os.walk(maildir):
                for n in dirs + files + [""]:
                    os.chown(os.path.join(root, n), nobody.pw_uid,
                             nobody.pw_gid)
    port = yubintest.free_port()
    with open(os.path.join(d, "dovecot.conf"), "w") as f:
        f.write(f"""base_dir = {d}/run
state_dir = {d}/run/state
log_path = {d}/dovecot.log
protocols = pop3
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = {d}/passwd
}}
userdb {{
  driver = passwd-file
  args = {d}/passwd
}}
service pop3-login {{
  inet_listener pop3 {{
    port = {port}
  }}
  inet_listener pop3s {{
    port = 0
  }}
}}
""")
    proc = subprocess.Popen(["dovecot", "-F", "-c",
                             os.path.join(d, "dovecot.conf")],
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    end = time.monotonic() + 20
    while not yubintest.Site.listening(port):
        if proc.poll() is not None or time.monotonic() > end:
            raise RuntimeError("dovecot did not start")
        time.sleep(0.1)
    return port, proc


def pop3_figures(port, yes_user, sha_user):
    """(a, a6, b, b6, c) of one server: first login+STAT with a yescrypt
    and a $6$ account, the same again (best of 5), LIST+RETR all."""
    a, _ = pop3_session(port, yes_user, False)
    a6, _ = pop3_session(port, sha_user, False)
    b = min(pop3_session(port, yes_user, False)[0] for _ in range(5))
    b6 = min(pop3_session(port, sha_user, False)[0] for _ in range(5))
    c, mem = pop3_session(port, yes_user, True)
    return a, a6, b, b6, c, mem


def bench_pop3():
    import yubintest
    yes = subprocess.run([f"{BIN}/cdbmake-users", "--hash"], input="pw\n",
                         capture_output=True, text=True,
                         check=True).stdout.strip()
    sha = subprocess.run(["openssl", "passwd", "-6", "pw"],
                         capture_output=True, text=True,
                         check=True).stdout.strip()
    for count in (1000, 10000):
        site = yubintest.Site(users=f"taro:{yes}:\njiro:{sha}:\n"
                              "postmaster::taro\nabuse::taro\n")
        try:
            site.cdbmake()
            fill_maildir(site.maildir("taro"), count)
            fill_maildir(site.maildir("jiro"), count)
            port = site.start({"pop3": ["pop3-in"]})["pop3"]
            a, a6, b, b6, c, (rss, hwm) = pop3_figures(port, "taro", "jiro")
            line = (f"pop3-in {count} msgs: (a) login+STAT first {a:.3f} s"
                    f" ({a6:.3f} s with a $6$ hash), (b) again {b:.3f} s "
                    f"({b6:.3f} s with $6$), (c) LIST+RETR all {c:.3f} s; "
                    f"pop3-in RSS {rss / 1024:.1f} MiB after RETR all, "
                    f"peak {hwm / 1024:.1f} MiB (yescrypt's 16 MiB work area"
                    " during the password check)")
            if count == 10000:
                line += "\n" + pop3_against_dovecot(site, count, yes, sha,
                                                    (a, a6, b, b6, c))
            print(line, flush=True)
        finally:
            site.close()


def pop3_against_dovecot(site, count, yes, sha, ours):
    """The same sessions against a live Dovecot on copies of the same
    Maildirs (qmail-pop3d is in no Debian package: a constant)."""
    import shutil
    a, a6, b, b6, c = ours
    q = POP3_REF["qmail-pop3d"]
    against_q = f"(c) {c / q[2]:.2f}x qmail-pop3d (a reference constant)"
    if shutil.which("dovecot") is None:
        d = POP3_REF["dovecot"]
        return (f"  vs reference constants (no Dovecot here): (a) "
                f"{a / d[0]:.2f}x Dovecot (target <= 0.5), (b) "
                f"{b / d[1]:.2f}x (target <= 1), " + against_q)
    users = {}
    for name, h in (("dtaro", yes), ("djiro", sha)):
        users[name] = (h, os.path.join(site.dir, name))
        fill_maildir(users[name][1], count)
    port, proc = dovecot_pop3(site.dir, users)
    try:
        da, da6, db, db6, dc, _ = pop3_figures(port, "dtaro", "djiro")
    finally:
        proc.terminate()
        proc.wait(30)
    return (f"  Dovecot (same run, same {count} messages): (a) {da:.3f} s "
            f"({da6:.3f} s with $6$), (b) {db:.3f} s ({db6:.3f} s), (c) "
            f"{dc:.3f} s\n  vs Dovecot: (a) {a / da:.2f}x ({a6 / da6:.2f}x "
            f"with $6$; target <= 0.5), (b) {b / db:.2f}x ({b6 / db6:.2f}x "
            f"with $6$; target <= 1), (c) {c / dc:.2f}x; " + against_q)


# Postfix 3.7 measured on this kind of machine, from the smtp-in issue.
SMTP_REF = {"a": 569.0, "b": 518.0, "c_ms": 3.2, "cpu_ms": 3.1}


def machine_busy_s():
    """CPU seconds the whole machine spent busy (all cores), less what
    this script and the load generators it ran (its reaped children)
    used: what the server under test cost, whichever processes it has
    (smtp-in's children of xinetd, or Postfix's master and daemons)."""
    with open("/proc/stat") as f:
        cpu = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal ...
    busy = (cpu[0] + cpu[1] + cpu[2] + cpu[5] + cpu[6] + cpu[7]) / \
        os.sysconf("SC_CLK_TCK")
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return busy - (me.ru_utime + me.ru_stime + kids.ru_utime +
                   kids.ru_stime)


def smtp_memory_kib():
    """(peak RSS, private) of a running smtp-in, in KiB: private is what
    one more connection costs when libraries are shared."""
    for pid in os.listdir("/proc"):
        try:
            with open(f"/proc/{pid}/status") as f:
                status = f.read()
            if "Name:\tsmtp-in" not in status:
                continue
            with open(f"/proc/{pid}/smaps_rollup") as f:
                rollup = f.read()
        except OSError:
            continue
        val = {ln.split(":")[0]: int(ln.split()[1])
               for ln in (status + rollup).splitlines()
               if ln.split(":")[0] in ("VmHWM", "Private_Clean",
                                       "Private_Dirty")}
        return val["VmHWM"], val["Private_Clean"] + val["Private_Dirty"]
    return 0, 0


class PostfixInstance:
    """A private Postfix on the namespace's loopback port 25, delivering
    to a Maildir with its virtual(8) agent. Its configuration, queue and
    data directories are bind-mounted over the system's inside this mount
    namespace only, so the machine's own files are never touched."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="yubin-postfix.")
        os.chmod(self.dir, 0o755)
        d = {k: os.path.join(self.dir, k)
             for k in ("etc", "spool", "data", "vmail")}
        for path in d.values():
            os.makedirs(path)
        subprocess.run(["cp", "-a", "/etc/postfix/.", d["etc"]], check=True)
        for src, dst in ((d["etc"], "/etc/postfix"),
                         (d["spool"], "/var/spool/postfix"),
                         (d["data"], "/var/lib/postfix")):
            subprocess.run(["mount", "--bind", src, dst], check=True)
        shutil.chown(d["data"], "postfix")
        shutil.chown(d["vmail"], 65534, 65534)
        open("/etc/postfix/main.cf", "w").close()
        with open("/etc/postfix/vmailbox", "w") as f:
            f.write("taro@example.com taro/\n")
        subprocess.run(["postconf", "-e", "compatibility_level=3.6",
                        "myhostname=bench.example.com", "mydestination=",
                        "inet_interfaces=127.0.0.1", "inet_protocols=ipv4",
                        "mynetworks=127.0.0.0/8",
                        "virtual_mailbox_domains=example.com",
                        f"virtual_mailbox_base={d['vmail']}",
                        "virtual_mailbox_maps=texthash:/etc/postfix/vmailbox",
                        "virtual_uid_maps=static:65534",
                        "virtual_gid_maps=static:65534",
                        "maillog_file=/dev/stdout", "alias_maps=",
                        "alias_database=", "biff=no",
                        "default_process_limit=100",
                        "smtpd_client_connection_rate_limit=0",
                        "smtpd_client_connection_count_limit=0"], check=True)
        subprocess.run(["postconf", "-F", "*/*/chroot=n"], check=True)
        self.log = open(os.path.join(self.dir, "maillog"), "w")
        self.proc = subprocess.Popen(["postfix", "start-fg"],
                                     stdout=self.log, stderr=self.log)
        end = time.monotonic() + 60
        while not self.listening() and time.monotonic() < end:
            time.sleep(0.2)
        self.new = os.path.join(d["vmail"], "taro", "new")

    @staticmethod
    def listening():
        import socket
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", 25)) == 0

    def close(self):
        subprocess.run(["postfix", "stop"], capture_output=True)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        for dst in ("/etc/postfix", "/var/spool/postfix", "/var/lib/postfix"):
            subprocess.run(["umount", "-l", dst], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def smtp_loads(port, new, memory=None):
    """The three loads against one server; returns a dict of figures.
    CPU per message is the machine's busy time less the load generator's,
    measured the same way for smtp-in and for Postfix."""
    cpu_s = machine_busy_s
    import smtplib

    def count():
        return len(os.listdir(new)) if os.path.isdir(new) else 0

    def load(args, total):
        before, cpu0 = count(), cpu_s()
        t0 = time.monotonic()
        subprocess.run(["smtp-source", *args, "-l", "4096", "-f",
                        "bench@example.net", "-t", "taro@example.com",
                        "-M", "client.example.net", f"127.0.0.1:{port}"],
                       check=True, timeout=600)
        while count() < before + total and time.monotonic() - t0 < 600:
            time.sleep(0.005)
        elapsed = time.monotonic() - t0
        if count() < before + total:
            raise RuntimeError("not every message arrived")
        time.sleep(0.3)  # let the last servers exit and be reaped
        return total / elapsed, (cpu_s() - cpu0) * 1000 / total
    out = {}
    out["a"], out["cpu_a"] = load(["-s", "10", "-m", "2000", "-d"], 2000)
    out["b"], out["cpu_b"] = load(["-s", "10", "-m", "1000"], 1000)
    body = (b"Subject: bench\r\n\r\n" + b"x" * 62 + b"\r\n") * 64
    to_250, to_box = [], []
    for i in range(30):
        c = smtplib.SMTP("127.0.0.1", port, timeout=60)
        c.ehlo("client.example.net")
        c.mail("bench@example.net")
        c.rcpt("taro@example.com")
        before = count()
        t0 = time.monotonic()
        c.data(body)
        to_250.append((time.monotonic() - t0) * 1000)
        while count() <= before and time.monotonic() - t0 < 10:
            time.sleep(0.0002)
        to_box.append((time.monotonic() - t0) * 1000)
        if i == 0 and memory:
            out["rss"], out["private"] = memory()
        c.quit()
    out["c"] = statistics.median(to_250)
    out["c_box"] = statistics.median(to_box)
    return out


def print_smtp(name, r):
    line = (f"{name}: (a) 10 sessions x 200 msgs: {r['a']:.0f} msgs/s "
            f"({r['cpu_a']:.2f} ms CPU/msg); (b) 1 msg per connection: "
            f"{r['b']:.0f} msgs/s ({r['cpu_b']:.2f} ms CPU/msg); (c) one "
            f"message: {r['c']:.2f} ms to 250, {r['c_box']:.2f} ms until in "
            "the Maildir (medians of 30)")
    if "rss" in r:
        line += (f"; one smtp-in: peak RSS {r['rss'] / 1024:.1f} MiB "
                 f"({r['private'] / 1024:.2f} MiB of it private)")
    print(line, flush=True)


def bench_smtp():
    import yubintest
    site = yubintest.Site(users="taro::\npostmaster::taro\nabuse::taro\n",
                          relay="127.0.0.0/8\n", settings={"timeout": "60"})
    try:
        site.cdbmake()
        port = site.start({"smtp": ["smtp-in"]}, wrap=False)["smtp"]
        y = smtp_loads(port, site.maildir("taro", "new"), smtp_memory_kib)
    finally:
        site.close()
    print_smtp("smtp-in", y)
    ref, ref_name = SMTP_REF, ("the issue's Postfix 3.7 figures "
                               "(reference constants, not measured here)")
    if shutil.which("postfix") and os.getuid() == 0 and \
            os.environ.get("YUBIN_BENCH_NS") == "1":
        pf = None
        try:
            pf = PostfixInstance()
            p = smtp_loads(25, pf.new)
            print_smtp("Postfix (same run)", p)
            ref = {"a": p["a"], "b": p["b"], "c_ms": p["c"],
                   "cpu_ms": p["cpu_a"]}
            ref_name = "Postfix in this run"
        except Exception as e:  # report, and fall back to the reference
            print(f"Postfix comparison not run: {e}", flush=True)
        finally:
            if pf:
                pf.close()
    print(f"  vs {ref_name}: (a) {y['a'] / ref['a']:.2f}x (target >= 2),"
          f" (b) {y['b'] / ref['b']:.2f}x (target >= 1.5), (c) "
          f"{y['c'] / ref['c_ms']:.2f}x the time to 250 (target <= 1), "
          f"CPU/msg {y['cpu_a'] / ref['cpu_ms']:.2f}x (target <= 0.33)",
          flush=True)


def per_connection(port, new):
    """One message per connection, 10 at a time (smtp-source without
    -d): (messages/s, ms of machine CPU per message)."""
    before, cpu0 = (len(os.listdir(new)) if os.path.isdir(new) else 0,
                    machine_busy_s())
    t0 = time.monotonic()
    subprocess.run(["smtp-source", "-s", "10", "-m", "1000", "-l", "4096",
                    "-f", "bench@example.net", "-t", "taro@example.com",
                    "-M", "client.example.net", f"127.0.0.1:{port}"],
                   check=True, timeout=600)
    while len(os.listdir(new)) < before + 1000 and \
            time.monotonic() - t0 < 600:
        time.sleep(0.005)
    elapsed = time.monotonic() - t0
    time.sleep(0.3)  # the last servers exit and are reaped
    return 1000 / elapsed, (machine_busy_s() - cpu0) * 1000 / 1000


def start_tcpserver(site):
    """smtp-in under tcpserver as the servers' user, or (None, 0)."""
    import pwd
    import yubintest
    if not shutil.which("tcpserver") or os.getuid() != 0:
        return None, 0
    pw = pwd.getpwnam(site.owner or yubintest.SERVERS_USER)
    port = yubintest.free_port()
    # -R -H -l 0, as INSTALL has it: no ident or DNS lookups per connection
    p = subprocess.Popen(["tcpserver", "-q", "-R", "-H", "-l", "0", "-c",
                          "100", "-u",
                          str(pw.pw_uid), "-g", str(pw.pw_gid), "127.0.0.1",
                          str(port), f"{BIN}/smtp-in", "-C", site.conf],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    end = time.monotonic() + 10
    while not yubintest.Site.listening(port) and time.monotonic() < end:
        time.sleep(0.05)
    return p, port


def bench_floor():
    """smtp-in against the least a receiver started once per connection
    can do (tests/bench/floor.c, static, under the same xinetd), taking
    turns five times; medians."""
    import yubintest
    floor = os.path.join(build, "bench", "floor")
    site = yubintest.Site(users="taro::\npostmaster::taro\nabuse::taro\n",
                          relay="127.0.0.0/8\n", settings={"timeout": "60"})
    try:
        site.cdbmake()
        md = site.maildir("taro")
        for sub in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(md, sub), exist_ok=True)
        ports = site.start({"smtp": ["smtp-in"], "floor": [floor, md]},
                           wrap=False)
        new = os.path.join(md, "new")
        tcpserver, tport = start_tcpserver(site)
        ours, least, tcps = [], [], []
        for _ in range(5):
            least.append(per_connection(ports["floor"], new))
            ours.append(per_connection(ports["smtp"], new))
            if tcpserver:
                tcps.append(per_connection(tport, new))
    finally:
        if tcpserver:
            tcpserver.terminate()
            tcpserver.wait(10)
        site.close()
    rate = statistics.median(r for r, _ in ours)
    cpu = statistics.median(c for _, c in ours)
    f_rate = statistics.median(r for r, _ in least)
    f_cpu = statistics.median(c for _, c in least)
    print(f"per-connection floor (a static receiver that only takes the "
          f"message, fsync'd, same xinetd, same run): {f_rate:.0f} msgs/s "
          f"({f_cpu:.2f} ms CPU/connection); smtp-in {rate:.0f} msgs/s "
          f"({cpu:.2f} ms): {rate / f_rate:.2f}x the floor's rate "
          f"(target >= 0.95), {cpu / f_cpu:.2f}x its CPU (medians of 5 "
          "turns, 1000 connections each, 10 at a time)", flush=True)
    if tcps:
        t_rate = statistics.median(r for r, _ in tcps)
        t_cpu = statistics.median(c for _, c in tcps)
        print(f"  smtp-in under tcpserver (ucspi-tcp) instead of xinetd: "
              f"{t_rate:.0f} msgs/s ({t_cpu:.2f} ms CPU/connection): "
              f"{t_rate / rate:.2f}x xinetd's rate, {t_rate / f_rate:.2f}x "
              "the floor's (under xinetd)", flush=True)


def start_world(dns_port, sink_port):
    """dnsmasq with 10 domains whose MX is sink.example (127.0.0.2), and
    smtp-sink there."""
    args = ["dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null",
            "--no-resolv", "--no-hosts", "--bind-interfaces",
            "--listen-address=127.0.0.1", "--pid-file=",
            f"--port={dns_port}", "--local=/example/",
            "--host-record=sink.example,127.0.0.2"]
    args += [f"--mx-host=d{i}.example,sink.example,10" for i in range(10)]
    dns = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    sink = subprocess.Popen(["smtp-sink", "-u", "nobody",
                             f"127.0.0.2:{sink_port}", "1024"],
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    return dns, sink


def stop_world(procs):
    for p in procs:
        p.terminate()
        p.wait(10)


BODY = ("Subject: bench\n\n" + ("x" * 63 + "\n") * 63).encode()


def bench_tls():
    import smtplib
    import ssl
    import threading
    import yubintest
    site = yubintest.Site(users="taro::\npostmaster::taro\nabuse::taro\n",
                          relay="127.0.0.0/8\n", settings={"timeout": "60"})
    try:
        cert, key = (os.path.join(site.conf, n) for n in ("c.pem", "k.pem"))
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec",
                        "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                        "-keyout", key, "-out", cert, "-days", "2", "-subj",
                        "/CN=mail.example.com"], check=True,
                       capture_output=True)
        yubintest.give_to_servers(cert, key)  # the servers run as nobody
        site.settings.update({"tls_cert": cert, "tls_key": key})
        site.write_conf()
        site.cdbmake()
        port = site.start({"smtp": ["smtp-in"]}, wrap=False)["smtp"]
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        body = b"Subject: bench\r\n\r\n" + (b"x" * 62 + b"\r\n") * 64

        failures = []

        def session(tls, count):
            try:
                one_session(tls, count)
            except (OSError, smtplib.SMTPException) as e:
                failures.append(e)

        def one_session(tls, count):
            c = smtplib.SMTP("127.0.0.1", port, timeout=60)
            c.ehlo("client.example.net")
            if tls:
                c.starttls(context=ctx)
                c.ehlo("client.example.net")
            for _ in range(count):
                c.sendmail("bench@example.net", ["taro@example.com"], body)
            c.quit()

        def load(tls, sessions, per_session):
            t0 = time.monotonic()
            for wave in range(0, sessions, 10):
                ts = [threading.Thread(target=session,
                                       args=(tls, per_session))
                      for _ in range(min(10, sessions - wave))]
                for t in ts:
                    t.start()
                for t in ts:
                    t.join()
            return sessions * per_session / (time.monotonic() - t0)
        figures = {}
        for tls in (False, True):
            figures[tls] = (load(tls, 10, 50), load(tls, 200, 1))
        if failures:  # a rate of failed sessions is no figure
            print(f"smtp-in TLS: not measured: {len(failures)} sessions "
                  f"failed, the first with: {failures[0]!r}", flush=True)
            return
        p, t = figures[False], figures[True]
        print(f"smtp-in TLS: 10 sessions x 50 msgs: {t[0]:.0f} msgs/s over "
              f"STARTTLS vs {p[0]:.0f} plain ({t[0] / p[0]:.2f}x); one "
              f"message per session: {t[1]:.0f} vs {p[1]:.0f} "
              f"({t[1] / p[1]:.2f}x)", flush=True)
    finally:
        site.close()


def bench_remote():
    import fcntl
    import yubintest
    in_ns = os.environ.get("YUBIN_BENCH_NS") == "1"
    dport = 53 if in_ns else yubintest.free_port()
    sport = 25 if in_ns else yubintest.free_port()
    world = start_world(dport, sport)
    site = yubintest.Site(users="taro::\npostmaster::taro\nabuse::taro\n",
                          settings={"dns_servers": f"127.0.0.1:{dport}",
                                    "remote_port": str(sport)})
    try:
        site.cdbmake()
        qdir = os.path.join(site.spool, "queue")
        os.makedirs(qdir, exist_ok=True)
        with open(os.path.join(qdir, "lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # queue everything first
            for i in range(1000):
                subprocess.run([f"{BIN}/queue-inject", "-C", site.conf,
                                f"user{i}@d{i % 10}.example"], input=BODY,
                               check=True)
            # the runners queue-inject started find the lock taken and
            # leave; wait until the last of them has
            end = time.monotonic() + 30
            while time.monotonic() < end and subprocess.run(
                    ["pgrep", "-x", "remote-send"],
                    capture_output=True).returncode == 0:
                time.sleep(0.1)
        t0 = time.monotonic()
        runs = 0
        # until the queue is really empty: a run, then --flush runs for
        # whatever was deferred (none with smtp-sink, but counted if so)
        while os.listdir(os.path.join(qdir, "info")) and \
                time.monotonic() - t0 < 900:
            subprocess.run([f"{BIN}/remote-send", "-C", site.conf] +
                           (["--flush"] if runs else []), check=True,
                           timeout=900)
            runs += 1
        elapsed = time.monotonic() - t0
        left = len(os.listdir(os.path.join(qdir, "info")))
        ours = (1000 - left) / elapsed
        print(f"remote-send: 1000 messages to 10 domains via smtp-sink, "
              f"until the queue was empty ({runs} run(s), {left} left): "
              f"{elapsed:.2f} s, {ours:.0f} msgs/s", flush=True)
    finally:
        site.close()
    if in_ns and shutil.which("postfix") and os.getuid() == 0:
        try:
            theirs = postfix_remote()
            print(f"Postfix (same run): {theirs:.0f} msgs/s; remote-send "
                  f"{ours / theirs:.2f}x (target >= 1)", flush=True)
        except Exception as e:
            print(f"Postfix comparison not run: {e}", flush=True)
    stop_world(world)


def postfix_queue_size(pf):
    n = 0
    for d in ("incoming", "active", "deferred", "maildrop"):
        for _, _, files in os.walk(os.path.join(pf.dir, "spool", d)):
            n += len(files)
    return n


def postfix_remote():
    """The same load through Postfix's smtp client: its resolver reads a
    resolv.conf (bind-mounted here) naming the dnsmasq on port 53."""
    resolv = tempfile.NamedTemporaryFile("w", delete=False)
    resolv.write("nameserver 127.0.0.1\n")
    resolv.close()
    subprocess.run(["mount", "--bind", resolv.name, "/etc/resolv.conf"],
                   check=True)
    pf = PostfixInstance()
    try:
        subprocess.run(["postconf", "-e", "defer_transports=smtp",
                        "smtp_tls_security_level=none",
                        "default_destination_concurrency_limit=20"],
                       check=True)
        subprocess.run(["postfix", "reload"], capture_output=True)
        for i in range(1000):
            subprocess.run(["/usr/sbin/sendmail", "-f", "bench@example.net",
                            f"user{i}@d{i % 10}.example"], input=BODY,
                           check=True)
        end = time.monotonic() + 60
        while time.monotonic() < end and postfix_queue_size(pf) < 1000:
            time.sleep(0.1)
        time.sleep(1)
        subprocess.run(["postconf", "-e", "defer_transports="], check=True)
        subprocess.run(["postfix", "reload"], capture_output=True)
        t0 = time.monotonic()  # the reload is not Postfix's delivery time
        subprocess.run(["postqueue", "-f"], capture_output=True)
        end = t0 + 600
        while postfix_queue_size(pf) > 0 and time.monotonic() < end:
            time.sleep(0.05)
        elapsed = time.monotonic() - t0
        pf.log.flush()
        with open(os.path.join(pf.dir, "maillog")) as f:
            sent = sum("status=sent" in line and re.search(
                r" to=<user\d+@d\d\.example>", line) is not None
                for line in f)
        if sent < 1000:
            raise RuntimeError(f"Postfix delivered only {sent} of 1000")
        return 1000 / elapsed
    finally:
        pf.close()
        subprocess.run(["umount", "-l", "/etc/resolv.conf"],
                       capture_output=True)
        os.unlink(resolv.name)


def bench_dkim():
    import fcntl
    import yubintest
    site = yubintest.Site(users="taro::\npostmaster::taro\nabuse::taro\n",
                          relay="127.0.0.0/8\n", settings={"timeout": "60"})
    try:
        site.cdbmake()
        site.cdbmake("--dkim-keygen", "example.com")
        keys = os.path.join(site.conf, "dkim", "example.com")
        shutil.copy(os.path.join(keys, "yubin.rsa"),
                    os.path.join(keys, "rsaonly.rsa"))
        shutil.copy(os.path.join(keys, "yubin.ed25519"),
                    os.path.join(keys, "edonly.ed25519"))
        out = subprocess.run(
            [os.path.join(build, "bench", "dkimsign"), site.conf,
             "example.com", "500", "rsaonly", "edonly", "yubin"],
            capture_output=True, text=True, check=True, timeout=600)
        us = dict(line.split() for line in out.stdout.splitlines())
        print(f"DKIM signing of a 4 KiB message: rsa-2048 "
              f"{float(us['rsaonly']):.0f} us, ed25519 "
              f"{float(us['edonly']):.0f} us, both "
              f"{float(us['yubin']):.0f} us", flush=True)
        port = site.start({"smtp": ["smtp-in"]}, wrap=False)["smtp"]
        info = os.path.join(site.spool, "queue", "info")
        os.makedirs(os.path.join(site.spool, "queue"), exist_ok=True)
        # the runner lock held: remote-send leaves the queue alone
        lock = open(os.path.join(site.spool, "queue", "lock"), "a")
        fcntl.flock(lock, fcntl.LOCK_EX)

        def queued():
            return len(os.listdir(info)) if os.path.isdir(info) else 0

        def load(per_session):
            before, t0 = queued(), time.monotonic()
            subprocess.run(["smtp-source", "-s", "10", "-m", "1000", "-l",
                            "4096", "-f", "bench@example.com", "-t",
                            "friend@remote.example", "-M",
                            "client.example.com",
                            *(["-d"] if per_session else []),
                            f"127.0.0.1:{port}"],
                           check=True, timeout=600)
            while queued() < before + 1000 and time.monotonic() - t0 < 600:
                time.sleep(0.005)
            if queued() < before + 1000:
                raise RuntimeError("not every message was queued")
            return 1000 / (time.monotonic() - t0)
        off_dir = os.path.join(site.conf, "dkim.off")
        for per_session, label in ((True, "10 sessions x 100 msgs"),
                                   (False, "1 msg per connection")):
            rates = {"on": [], "off": []}
            for _ in range(2):  # alternated, so drift hits both alike
                rates["on"].append(load(per_session))
                os.rename(os.path.join(site.conf, "dkim"), off_dir)
                rates["off"].append(load(per_session))
                os.rename(off_dir, os.path.join(site.conf, "dkim"))
            on, off = max(rates["on"]), max(rates["off"])
            print(f"smtp-in relayed 4 KiB from a local domain, {label}: "
                  f"signing on {on:.0f} msgs/s, off {off:.0f} msgs/s (best"
                  f" of 2 each): signing costs {(1 - on / off) * 100:.0f}%"
                  + (" (target <= 25%)" if per_session else ""),
                  flush=True)
        signed = site.log().count("DKIM-signed as example.com")
        print(f"  ({signed} of 4000 relayed messages signed, as they should"
              " be)", flush=True)
        lock.close()
    finally:
        site.close()


def bench_signed_message(key):
    """A 4 KiB message from sender.example, signed by dkimpy."""
    import dkim
    body = "".join(f"line {i:03d} " + "x" * 60 + "\r\n" for i in range(58))
    text = ("From: Bench <bench@sender.example>\r\n"
            "To: taro@example.com\r\nSubject: bench\r\n"
            "Date: Mon, 30 Nov 2026 05:00:00 +0000\r\n"
            "Message-ID: <bench@sender.example>\r\n\r\n" + body).encode()
    return dkim.sign(text, b"sel", b"sender.example", key,
                     include_headers=[b"from", b"to", b"subject", b"date",
                                      b"message-id"]) + text


def bench_inbound():
    import smtplib
    import threading
    import yubintest
    # A stranger's address, not loopback (libspf2 passes loopback without
    # asking DNS): smtp-in listens on 192.0.2.2 on lo, and a client
    # connecting to it comes from it.
    client = "127.0.0.1"
    if os.environ.get("YUBIN_BENCH_NS") == "1" and subprocess.run(
            ["ip", "addr", "add", "192.0.2.2/32", "dev", "lo"],
            capture_output=True).returncode == 0:
        client = "192.0.2.2"
    key, pub = yubintest.rsa_key()
    dport = yubintest.free_port()
    dns = subprocess.Popen(
        ["dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null",
         "--no-resolv", "--no-hosts", "--bind-interfaces",
         "--listen-address=127.0.0.1", "--pid-file=", f"--port={dport}",
         # records with a TTL, as published ones have (dnsmasq's own
         # default is 0: nothing may be kept)
         "--local-ttl=300",
         "--local=/test/", "--local=/example/",
         f"--txt-record=sender.example,v=spf1 ip4:{client} -all",
         "--txt-record=_dmarc.sender.example,v=DMARC1; p=reject",
         "--txt-record=sel._domainkey.sender.example,v=DKIM1; k=rsa; p=" +
         ",".join(pub[i:i + 200] for i in range(0, len(pub), 200))],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pw = "bench pw"
    site = yubintest.Site(
        users=f"taro:{yubintest.make_hash(pw)}:\npostmaster::taro\n"
              "abuse::taro\n", relay="",
        settings={"timeout": "60", "dns_servers": f"127.0.0.1:{dport}",
                  "auth_requires_tls": "no", "max_login_failures": "100"})
    try:
        time.sleep(0.3)
        site.cdbmake()
        port = site.start({"smtp": ["smtp-in"]}, wrap=False,
                          bind=client)["smtp"]
        new = site.maildir("taro", "new")

        def count():
            return len(os.listdir(new)) if os.path.isdir(new) else 0

        def arrived(before, t0):
            while count() < before + 1000 and time.monotonic() - t0 < 600:
                time.sleep(0.005)
            if count() < before + 1000:
                raise RuntimeError("not every message arrived")
            return 1000 / (time.monotonic() - t0)

        def load():
            before, t0 = count(), time.monotonic()
            subprocess.run(["smtp-source", "-s", "10", "-m", "1000", "-l",
                            "4096", "-f", "bench@sender.example", "-t",
                            "taro@example.com", "-M", "mx.sender.example",
                            "-d", f"{client}:{port}"],
                           check=True, timeout=600)
            return arrived(before, t0)

        signed = bench_signed_message(key)

        def load_signed():
            """10 sessions x 100 copies of one DKIM-signed message."""
            def session():
                with smtplib.SMTP(client, port, timeout=60) as c:
                    c.ehlo("mx.sender.example")
                    for _ in range(100):
                        c.sendmail("bench@sender.example",
                                   ["taro@example.com"], signed)
            before, t0 = count(), time.monotonic()
            threads = [threading.Thread(target=session) for _ in range(10)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            return arrived(before, t0)

        def settings(on):
            for k in ("dnsbl", "dnswl", "greylist_delay"):
                site.settings.pop(k, None)
            site.settings["auth_results"] = "yes" if on else "no"
            if on:
                site.settings.update({"dnsbl": "bl.test",
                                      "dnswl": "wl.test",
                                      "greylist_delay": "1s"})
            site.write_conf()

        # the greylist triple passed once, as a real sender's would have
        settings(True)
        for _ in range(50):
            with smtplib.SMTP(client, port, timeout=30) as c:
                c.ehlo("mx.sender.example")
                c.mail("bench@sender.example")
                if c.rcpt("taro@example.com")[0] == 250:
                    break
            time.sleep(0.1)
        # every check did its work: pass verdicts in the field
        with smtplib.SMTP(client, port, timeout=30) as c:
            c.ehlo("mx.sender.example")
            c.sendmail("bench@sender.example", ["taro@example.com"], signed)
        probe = max((os.path.join(new, f) for f in os.listdir(new)),
                    key=os.path.getmtime)
        with open(probe, "rb") as f:
            head = f.read(1500).decode(errors="replace")
        for want in ("spf=pass", "dkim=pass", "dmarc=pass"):
            if want not in head:
                raise RuntimeError(f"inbound bench: no {want} in {head}")
        for name, run, what in (
                ("smtp-source", load, "unsigned 4 KiB messages"),
                ("signed", load_signed,
                 "one DKIM-signed (rsa-2048) 4 KiB message, smtplib")):
            rates = {True: [], False: []}
            for _ in range(2):
                for on in (True, False):
                    settings(on)
                    rates[on].append(run())
            on, off = max(rates[True]), max(rates[False])
            print(f"smtp-in from a stranger at {client}, 10 sessions x 100 "
                  f"{what}: every check (DNS lists, greylisting, SPF, DKIM, "
                  f"DMARC, DNS from dnsmasq) on {on:.0f} msgs/s, off "
                  f"{off:.0f} msgs/s (best of 2 each): the checks cost "
                  f"{(1 - on / off) * 100:.0f}% (target <= 30%)", flush=True)

        def attempts(password, n=40):
            def one():
                with smtplib.SMTP(client, port, timeout=60) as c:
                    c.ehlo("guesser.example")
                    if password is None:
                        # the connection alone, as long as one whose
                        # failure is answered after 1.5 s: the floor
                        time.sleep(1.5)
                        return
                    c.user, c.password = "taro", password
                    try:
                        c.auth("PLAIN", c.auth_plain)
                    except smtplib.SMTPException:
                        pass
            threads = [threading.Thread(target=one) for _ in range(n)]
            cpu0 = machine_busy_s()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            time.sleep(0.3)
            return (machine_busy_s() - cpu0) * 1000 / n
        floor = attempts(None)
        site.settings.update({"lockout_failures": "1000"})
        site.write_conf()
        checked = attempts("wrong")
        site.settings.update({"lockout_failures": "1"})
        site.write_conf()
        locked = attempts("wrong")
        refused = site.log().count("result=locked-out")
        print(f"login attempts, one per connection (40 each, at once), CPU "
              f"per connection: a wrong password checked {checked:.2f} ms,"
              f" refused by the lockout {locked:.2f} ms ({refused} "
              f"refused), a connection with EHLO, 1.5 s and QUIT alone "
              f"{floor:.2f} ms: the refused attempt costs "
              f"{locked - floor:+.2f} ms over it (target < 1 ms)",
              flush=True)
    finally:
        site.close()
        dns.terminate()
        dns.wait(10)


def main():
    print(f"yubin benchmarks ({os.cpu_count()} cores)")
    sys.path.insert(0, os.path.join(top, "tests", "e2e"))
    os.environ["YUBIN_BIN"] = BIN
    # YUBIN_BENCH_ONLY="floor smtp" runs only those parts (all by default)
    only = os.environ.get("YUBIN_BENCH_ONLY", "").split()
    for name in ("cdbmake", "smtp", "floor", "dkim", "inbound", "tls",
                 "remote", "pop3"):
        if not only or name in only:
            globals()["bench_" + name]()


main()
