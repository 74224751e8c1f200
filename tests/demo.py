"""make demo: yubin on loopback under a real xinetd, with a sample config.

Builds demo/ (git-ignored): demo/conf from cdb/demo and a generated
yubin.conf, its CDBs compiled with cdb/rules.mk, a spool with a welcome
message for taro, and an xinetd configuration that starts the programs
built so far on 127.0.0.1 (SMTP 2525, POP3 2110, finger 2079). Runs until
Ctrl-C (or DEMO_SECONDS). DEMO_DIR chooses another folder.
"""
import mailbox
import os
import pwd
import shutil
import signal
import subprocess
import sys
import time

top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
bindir = os.path.abspath(os.path.join(top, sys.argv[1] if len(sys.argv) > 1
                                      else "build", "bin"))
demo = os.path.abspath(os.environ.get("DEMO_DIR", os.path.join(top, "demo")))
conf, spool = os.path.join(demo, "conf"), os.path.join(demo, "spool")
SERVICES = [("smtp", 2525, "smtp-in", []), ("submission", 2587, "smtp-in",
            ["-m"]), ("submissions", 2465, "smtp-in", ["-m", "-s"]),
            ("pop3", 2110, "pop3-in", []), ("pop3s", 2995, "pop3-in", ["-s"]),
            ("finger", 2079, "finger-in", [])]


def setup():
    shutil.rmtree(conf, ignore_errors=True)
    os.makedirs(conf)
    for d in ("mail", "queue", "popbsmtp"):
        os.makedirs(os.path.join(spool, d), exist_ok=True)
    for name in ("users", "domains", "relay"):
        shutil.copy(os.path.join(top, "cdb", "demo", name), conf)
    # a self-signed certificate, so STARTTLS, STLS, 465 and 995 work
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                    f"{conf}/key.pem", "-out", f"{conf}/cert.pem", "-days",
                    "30", "-subj", "/CN=mail.example.com"], check=True,
                   capture_output=True)
    with open(os.path.join(conf, "yubin.conf"), "w") as f:
        f.write(f"hostname = mail.example.com\nspool = {spool}\n"
                f"log = {demo}/yubin.log\nfinger = list\n"
                "relay_after_pop_minutes = 10\n"
                f"tls_cert = {conf}/cert.pem\ntls_key = {conf}/key.pem\n"
                "dns_servers = 127.0.0.1:53\n")
    subprocess.run(["make", "-s", "-f", os.path.join(top, "cdb", "rules.mk"),
                    f"CONFDIR={conf}",
                    f"CDBMAKE={bindir}/cdbmake-users"], check=True)
    md = mailbox.Maildir(os.path.join(spool, "mail", "taro"), create=True)
    if len(md) == 0:
        md.add("From: postmaster@example.com\nTo: taro@example.com\n"
               "Subject: Welcome to yubin\n\nThis message was put here by "
               "the demo.\n")


def xinetd_config():
    user = pwd.getpwuid(os.getuid()).pw_name
    lines = ["defaults", "{", "\tinstances = 50", "\tcps = 1000 1",
             f"\tlog_type = FILE {demo}/xinetd.log", "}"]
    started = []
    for name, port, prog, args in SERVICES:
        if not os.path.exists(os.path.join(bindir, prog)):
            continue
        started.append((name, port))
        lines += [f"service yubin-{name}", "{", "\ttype = UNLISTED",
                  "\tsocket_type = stream", "\twait = no",
                  f"\tuser = {user}", "\tbind = 127.0.0.1",
                  f"\tport = {port}", f"\tserver = {bindir}/{prog}",
                  f"\tserver_args = {' '.join(args + ['-C', conf])}", "}"]
    path = os.path.join(demo, "xinetd.conf")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path, started


def instructions(started):
    ports = dict(started)
    print(f"yubin demo running under xinetd in {demo}")
    for name, port in started:
        print(f"  {name:<10} 127.0.0.1:{port}")
    print("Accounts (password \"demo\"): taro, webmaster, "
          "hanako@example.com")
    if "smtp" in ports:
        print(f"Send:   swaks --server 127.0.0.1:{ports['smtp']} "
              "--to taro@example.com --from you@example.com")
    if "submissions" in ports:
        print(f"TLS:    swaks --server 127.0.0.1:{ports['submission']} --tls "
              "--auth-user taro --auth-password demo --from taro@example.com "
              "--to taro@example.com"
              f"   (and openssl s_client -connect 127.0.0.1:"
              f"{ports['pop3s']})")
    if "pop3" in ports:
        print(f"Read:   /usr/bin/python3 -c \"import poplib; p=poplib.POP3("
              f"'127.0.0.1',{ports['pop3']}); p.user('taro'); "
              "p.pass_('demo'); print(p.stat()); p.quit()\"")
    if "finger" in ports:
        print("Status: echo taro | nc 127.0.0.1 "
              f"{ports['finger']}   (the finger client asks port 79 only: "
              "after install, finger taro@localhost)")
    print(f"Look:   ls {spool}/mail/taro/new {spool}/mail/taro/cur; "
          f"the log is {demo}/yubin.log")
    print("Stop with Ctrl-C.", flush=True)


def main():
    setup()
    cfg, started = xinetd_config()
    inetd = subprocess.Popen(["xinetd", "-dontfork", "-stayalive", "-f",
                              cfg, "-pidfile", f"{demo}/xinetd.pid"])
    stop = lambda *_: (_ for _ in ()).throw(KeyboardInterrupt)  # noqa
    signal.signal(signal.SIGTERM, stop)
    try:
        time.sleep(0.5)
        if inetd.poll() is not None:
            sys.exit("demo: xinetd did not start (ports in use?)")
        instructions(started)
        seconds = float(os.environ.get("DEMO_SECONDS", "0"))
        end = time.monotonic() + seconds
        while inetd.poll() is None and (seconds == 0 or
                                        time.monotonic() < end):
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        if inetd.poll() is None:
            inetd.terminate()
            inetd.wait(10)
        print("yubin demo stopped.")


main()
