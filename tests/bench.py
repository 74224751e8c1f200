"""make bench: the benchmarks, printed as plain figures.

cdbmake-users: compile a users file of 100,000 accounts (target: under
1 s), then 1,000,000 random recipient lookups in the result.
smtp-in: Postfix's smtp-source against smtp-in under xinetd, 4 KiB
messages to a local account, until every one is in the Maildir: (a) 10
sessions x 200 messages, (b) one message per connection, (c) one message:
time to the 250 after DATA. Also CPU per message and one smtp-in's RSS.
pop3-in: Maildirs of 1,000 and 10,000 messages of 4 KiB under xinetd,
Python's poplib as the client: (a) login + STAT on a mailbox never opened
(everything in new/), (b) the same again, (c) LIST + RETR all + QUIT, and
the pop3-in process's peak memory.
"""
import os
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
            a, _ = pop3_session(port, "taro", False)
            a6, _ = pop3_session(port, "jiro", False)
            b = min(pop3_session(port, "taro", False)[0] for _ in range(5))
            b6 = min(pop3_session(port, "jiro", False)[0] for _ in range(5))
            c, (rss, hwm) = pop3_session(port, "taro", True)
            line = (f"pop3-in {count} msgs: (a) login+STAT first {a:.3f} s"
                    f" ({a6:.3f} s with a $6$ hash), (b) again {b:.3f} s "
                    f"({b6:.3f} s with $6$), (c) LIST+RETR all {c:.3f} s; "
                    f"pop3-in RSS {rss / 1024:.1f} MiB after RETR all, "
                    f"peak {hwm / 1024:.1f} MiB (yescrypt's 16 MiB work area"
                    " during the password check)")
            if count == 10000:
                d, q = POP3_REF["dovecot"], POP3_REF["qmail-pop3d"]
                line += (f"\n  vs reference: (a) {a / d[0]:.2f}x Dovecot "
                         f"({a6 / d[0]:.2f}x with $6$; target <= 0.5), "
                         f"(b) {b / d[1]:.2f}x Dovecot ({b6 / d[1]:.2f}x "
                         f"with $6$; target <= 1), (c) {c / q[2]:.2f}x "
                         "qmail-pop3d (target <= 1)")
            print(line, flush=True)
        finally:
            site.close()


# Postfix 3.7 measured on this kind of machine, from the smtp-in issue.
SMTP_REF = {"a": 569.0, "b": 518.0, "c_ms": 3.2, "cpu_ms": 3.1}


def children_cpu_s(pid):
    """CPU seconds of the reaped children of pid (xinetd's servers)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def smtp_memory_kib():
    """(RSS, private) of a running smtp-in: RSS counts the shared libc
    pages every process maps; private is what one more connection costs."""
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


def bench_smtp():
    import smtplib
    import yubintest
    site = yubintest.Site(users="taro::\npostmaster::taro\nabuse::taro\n",
                          relay="127.0.0.0/8\n", settings={"timeout": "60"})
    try:
        site.cdbmake()
        port = site.start({"smtp": ["smtp-in"]}, wrap=False)["smtp"]
        new = site.maildir("taro", "new")

        def count():
            return len(os.listdir(new)) if os.path.isdir(new) else 0

        def load(args, total):
            before, cpu0 = count(), children_cpu_s(site.xinetd.pid)
            t0 = time.monotonic()
            subprocess.run(["smtp-source", *args, "-l", "4096", "-f",
                            "bench@example.net", "-t", "taro@example.com",
                            "-M", "client.example.net",
                            f"127.0.0.1:{port}"], check=True, timeout=600)
            while count() < before + total and time.monotonic() - t0 < 600:
                time.sleep(0.005)
            elapsed = time.monotonic() - t0
            if count() < before + total:
                raise RuntimeError("not every message arrived")
            time.sleep(0.2)  # let xinetd reap the last servers
            cpu = children_cpu_s(site.xinetd.pid) - cpu0
            return total / elapsed, cpu * 1000 / total
        a, cpu_a = load(["-s", "10", "-m", "2000", "-d"], 2000)
        b, cpu_b = load(["-s", "10", "-m", "1000"], 1000)
        body = (b"Subject: bench\r\n\r\n" + b"x" * 62 + b"\r\n") * 64
        times, rss, private = [], 0, 0
        for i in range(30):
            c = smtplib.SMTP("127.0.0.1", port, timeout=60)
            c.ehlo("client.example.net")
            c.mail("bench@example.net")
            c.rcpt("taro@example.com")
            t0 = time.monotonic()
            code, _ = c.data(body)
            times.append((time.monotonic() - t0) * 1000)
            if i == 0:
                rss, private = smtp_memory_kib()
            c.quit()
        c_ms = statistics.median(times)
        print(f"smtp-in: (a) 10 sessions x 200 msgs: {a:.0f} msgs/s "
              f"({cpu_a:.2f} ms CPU/msg); (b) 1 msg per connection: "
              f"{b:.0f} msgs/s ({cpu_b:.2f} ms CPU/msg); (c) one message: "
              f"{c_ms:.2f} ms to 250, already in the Maildir (median of 30)"
              f"; one smtp-in: peak RSS {rss / 1024:.1f} MiB, of which "
              f"{private / 1024:.2f} MiB private (the rest is shared libc)",
              flush=True)
        r = SMTP_REF
        print(f"  vs Postfix reference: (a) {a / r['a']:.2f}x (target >= 2),"
              f" (b) {b / r['b']:.2f}x (target >= 1.5), (c) "
              f"{c_ms / r['c_ms']:.2f}x time (target <= 1), CPU/msg "
              f"{cpu_a / r['cpu_ms']:.2f}x (target <= 0.33)", flush=True)
    finally:
        site.close()


def main():
    print(f"yubin benchmarks ({os.cpu_count()} cores)")
    sys.path.insert(0, os.path.join(top, "tests", "e2e"))
    os.environ["YUBIN_BIN"] = BIN
    bench_cdbmake()
    bench_smtp()
    bench_pop3()


main()
