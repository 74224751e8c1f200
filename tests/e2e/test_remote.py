"""remote-send with a real resolver and real servers, all on loopback:
dnsmasq serves the MX, A and null MX records; the remote host is a
second smtp-in on 127.0.0.2; nothing listens on 127.0.0.4. Bounces are
read with Python's email parser."""
import mailbox
import os
import signal
import socket
import subprocess
import tempfile
import time

import yubintest
from yubintest import BIN, Site, SiteTest, free_port, give_to_servers

LOCAL_USERS = ("webmaster::\npostmaster::webmaster\nabuse::webmaster\n"
               "taro::\n")


def dnsmasq_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_dns(port, seconds=10):
    """Until dnsmasq on 127.0.0.1:port answers a query (any answer)."""
    query = (b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
             b"\x03amx\x07example\x00\x00\x01\x00\x01")
    end = time.monotonic() + seconds
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.1)
        while time.monotonic() < end:
            s.sendto(query, ("127.0.0.1", port))
            try:
                if s.recv(512)[:2] == b"\x12\x34":
                    return
            except OSError:
                pass
    raise AssertionError("dnsmasq did not start answering")


class RemoteBase(SiteTest):
    def setUp(self):
        with socket.socket() as probe:
            reach = probe.connect_ex(("127.0.0.2", 9))
        if not Site.listening(1, "127.0.0.2") and reach not in (111, 0):
            self.skipTest("no 127.0.0.2 here")
        self.port = free_port()
        # the world: a resolver ...
        dport = self.start_dns()
        # ... a remote mail host ...
        self.remote = self.make_site(
            users="friend::\npostmaster::friend\nabuse::friend\n",
            domains="remote.example\ndown.example\namx.example\n",
            relay="", settings={"dns_servers": f"127.0.0.1:{dport}"})
        self.remote.cdbmake()
        self.remote.start({"smtp": ["smtp-in"]}, bind="127.0.0.2",
                          fixed_port=self.port)
        # ... and us
        self.site = self.make_site(users=LOCAL_USERS, settings={
            "dns_servers": f"127.0.0.1:{dport}",
            "remote_port": str(self.port)})
        self.site.cdbmake()

    def start_dns(self):
        """dnsmasq with the test's records on a free UDP port, waited for
        until it answers (a port taken again meanwhile: another one)."""
        why = ""
        for _ in range(3):
            dport = dnsmasq_udp_port()
            err = tempfile.TemporaryFile()
            self.addCleanup(err.close)
            self.dns = subprocess.Popen(
                ["dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null",
                 "--no-resolv", "--no-hosts", "--bind-interfaces",
                 "--listen-address=127.0.0.1", "--pid-file=",
                 f"--port={dport}",
                 "--local=/example/", "--local=/example.net/",
                 # every other name does not exist (NXDOMAIN, as on the
                 # Internet), rather than a refusal, which is DNS trouble
                 "--local=/#/",
                 "--mx-host=remote.example,mx1.remote.example,10",
                 "--mx-host=remote.example,mx2.remote.example,20",
                 "--host-record=mx1.remote.example,127.0.0.2",
                 "--host-record=mx2.remote.example,127.0.0.3",
                 "--mx-host=down.example,dead.down.example,10",
                 "--mx-host=down.example,mx1.remote.example,20",
                 "--host-record=dead.down.example,127.0.0.4",
                 "--mx-host=unreach.example,dead.down.example,10",
                 "--host-record=amx.example,127.0.0.2",
                 "--dns-rr=nullmx.example,15,000000",
                 # misbehaving peers (test_hostile.py)
                 "--mx-host=hostile.example,mx.hostile.example,10",
                 "--host-record=mx.hostile.example,127.0.0.5",
                 "--mx-host=stuck.example,mx.stuck.example,10",
                 "--host-record=mx.stuck.example,127.0.0.6",
                 "--mx-host=acceptor.example,mx.acceptor.example,10",
                 "--host-record=mx.acceptor.example,127.0.0.7",
                 "--mx-host=deferring.example,mx.deferring.example,10",
                 "--host-record=mx.deferring.example,127.0.0.8",
                 # a mail host with an IPv6 address only
                 "--mx-host=v6.example,mx.v6.example,10",
                 "--host-record=mx.v6.example,::1",
                 *self.extra_dns_records()],
                stdout=subprocess.DEVNULL, stderr=err)
            try:
                wait_for_dns(dport, 5)
            except AssertionError:
                self.dns.kill()
                self.dns.wait(10)
                err.seek(0)
                why = err.read().decode(errors="replace")
                continue
            self.addCleanup(self.dns.wait, 10)
            self.addCleanup(self.dns.terminate)
            self.dport = dport
            return dport
        self.fail(f"dnsmasq did not start: {why}")

    def extra_dns_records(self):
        """More dnsmasq options, for tests that publish records."""
        return []

    def pyspf(self, ip, sender, helo):
        """pyspf's SPF verdict (Debian python3-spf) from the tests'
        dnsmasq: the other side of yubin's SPF and SRS."""
        import dns.resolver
        import spf
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = ["127.0.0.1"]
        resolver.port = self.dport
        saved = dns.resolver.default_resolver
        dns.resolver.default_resolver = resolver
        try:
            return spf.check2(i=ip, s=sender, h=helo, timeout=10)[0]
        finally:
            dns.resolver.default_resolver = saved

    def inject(self, rcpts, text, sender=None):
        running = set(self.site.processes())
        args = [f"{BIN}/queue-inject", "-C", self.site.conf]
        if sender is not None:
            args += ["-f", sender]
        r = subprocess.run(args + rcpts, input=text.encode(),
                           capture_output=True, timeout=30,
                           env=self.site.env())
        self.assertEqual(r.returncode, 0, r.stderr)
        # queue-inject started remote-send, detached: wait until it is
        # done, so what the test does next does not race it
        end = time.monotonic() + 30
        while set(self.site.processes()) - running:
            self.assertLess(time.monotonic(), end, "runner still running")
            time.sleep(0.05)

    def inject_held(self, rcpts, text, sender=None):
        """Injects while holding the queue lock, so the runner that
        queue-inject starts finds it taken and leaves the entry alone."""
        import fcntl
        os.makedirs(os.path.join(self.site.spool, "queue"), exist_ok=True)
        with open(os.path.join(self.site.spool, "queue", "lock"), "a") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            self.inject(rcpts, text, sender)  # its runner found the lock
        [qid] = self.entries()
        return qid

    def remote_send(self, *args, timeout=60, expect=0):
        """Runs remote-send; checks its exit status (expect=None: the
        caller does) and, when 0 is expected, that it said nothing."""
        r = subprocess.run([f"{BIN}/remote-send", "-C", self.site.conf,
                            *args], capture_output=True, text=True,
                           timeout=timeout, env=self.site.env())
        if expect is not None:
            self.assertEqual(r.returncode, expect, r.stderr)
        if expect == 0:
            self.assertEqual(r.stderr, "")
        return r

    def entries(self):
        d = os.path.join(self.site.spool, "queue", "info")
        return sorted(os.listdir(d)) if os.path.isdir(d) else []

    def box(self, site, *path):
        try:
            return list(mailbox.Maildir(site.maildir(*path), create=False))
        except (FileNotFoundError, mailbox.NoSuchMailboxError):
            return []

    def wait_queue_empty(self, seconds=20):
        end = time.monotonic() + seconds
        while self.entries() and time.monotonic() < end:
            time.sleep(0.1)


class Delivery(RemoteBase):
    def test_by_mx_preference_then_next_mx_then_a(self):
        self.inject(["friend@remote.example", "friend@down.example",
                     "friend@amx.example"], "Subject: out\n\n.dot line\n")
        self.wait_queue_empty()  # queue-inject's own runner may do it
        self.remote_send()
        self.assertEqual(self.entries(), [])
        got = self.box(self.remote, "friend")
        self.assertEqual(len(got), 3)
        for m in got:
            self.assertTrue(m.get_payload().startswith(".dot line"))
            self.assertIn("from mail.example.com ([127.0.0.1])",
                          m.get_all("Received")[0])
        log = self.site.log()
        self.assertIn("host=mx1.remote.example[127.0.0.2]", log)
        self.assertNotIn("mx2.remote.example", log)
        self.assertEqual(log.count("decision=delivered"), 3)

    def test_8bit_message_arrives_intact(self):
        body = "Subject: 8bit\n\ncaf\u00e9 \u90f5\u4fbf\n"
        r = subprocess.run([f"{BIN}/queue-inject", "-C", self.site.conf,
                            "friend@remote.example"],
                           input=body.encode("utf-8"), capture_output=True,
                           timeout=30, env=self.site.env())
        self.assertEqual(r.returncode, 0)
        self.wait_queue_empty()
        self.remote_send()
        [m] = self.box(self.remote, "friend")
        self.assertTrue(m.as_bytes().endswith(
            "caf\u00e9 \u90f5\u4fbf\n".encode("utf-8")))

    def test_unknown_remote_user_bounces_in_rfc3464_form(self):
        self.inject(["nobody@remote.example"],
                    "Subject: lost\n\nsecret body\n",
                    sender="taro@example.com")
        self.wait_queue_empty()
        self.remote_send()
        self.assertEqual(self.entries(), [])
        [b] = self.box(self.site, "taro")
        self.assertEqual(b["Return-Path"], "<>")
        self.assertTrue(b["From"].endswith("<MAILER-DAEMON@mail.example.com>"))
        self.assertEqual(b.get_content_type(), "multipart/report")
        self.assertEqual(b.get_param("report-type"), "delivery-status")
        parts = b.get_payload()
        self.assertIn("nobody@remote.example", parts[0].get_payload())
        self.assertIn("550 5.1.1", parts[0].get_payload())
        status = parts[1]
        self.assertEqual(status.get_content_type(), "message/delivery-status")
        recip = status.get_payload()[1]
        self.assertEqual(recip["Final-Recipient"],
                         "rfc822; nobody@remote.example")
        self.assertEqual(recip["Action"], "failed")
        # the remote host's own enhanced status code, not 5.0.0
        self.assertEqual(recip["Status"], "5.1.1")
        self.assertIn("5.1.1", recip["Diagnostic-Code"])
        self.assertEqual(parts[2].get_content_type(), "text/rfc822-headers")
        self.assertIn("Subject: lost", parts[2].get_payload())
        self.assertNotIn("secret body", b.as_string())

    def test_null_mx_bounces_at_once(self):
        self.inject(["someone@nullmx.example"], "Subject: n\n\nx\n",
                    sender="taro@example.com")
        self.wait_queue_empty()
        self.remote_send()
        [b] = self.box(self.site, "taro")
        self.assertIn("null MX", b.get_payload()[0].get_payload())

    def test_null_sender_failure_goes_to_postmaster_once(self):
        self.inject(["nobody@remote.example"], "Subject: bounce\n\nx\n",
                    sender="")
        self.wait_queue_empty()
        self.remote_send()
        self.remote_send()
        self.assertEqual(self.entries(), [])
        got = self.box(self.site, "webmaster")  # postmaster -> webmaster
        self.assertEqual(len(got), 1)
        self.assertEqual(got[0].get_content_type(), "multipart/report")


class Reach(RemoteBase):
    def test_nxdomain_bounces_at_once(self):
        self.inject_held(["someone@nosuchdomain.example"], "Subject: n\n\nx\n",
                         sender="taro@example.com")
        self.remote_send()
        self.assertEqual(self.entries(), [])
        [b] = self.box(self.site, "taro")
        self.assertIn("no such domain", b.get_payload()[0].get_payload())

    def test_ipv6_delivery_and_ipv4_only(self):
        v6 = self.make_site(users="friend::\npostmaster::friend\n"
                            "abuse::friend\n", domains="v6.example\n",
                            relay="")
        v6.cdbmake()
        v6.start({"smtp": ["smtp-in"]}, bind="::1", fixed_port=self.port)
        self.site.settings["ipv4_only"] = "yes"
        self.site.write_conf()
        qid = self.inject_held(["friend@v6.example"], "Subject: 6\n\nx\n")
        self.remote_send()
        self.assertEqual(self.entries(), [qid])  # no IPv4 address to use
        self.assertEqual(self.box(v6, "friend"), [])
        self.site.settings["ipv4_only"] = "no"
        self.site.write_conf()
        self.remote_send("--flush")
        self.assertEqual(self.entries(), [])
        [m] = self.box(v6, "friend")
        self.assertIn("[::1]", self.site.log())
        self.assertIn("client=::1", v6.log())


class Retries(RemoteBase):
    def test_retry_schedule(self):
        cdb = os.path.join(self.remote.conf, "users.cdb")
        os.rename(cdb, cdb + ".off")  # the remote host answers 421
        qid = self.inject_held(["friend@remote.example"], "Subject: r\n\n")
        path = os.path.join(self.site.spool, "queue", "info", qid)
        for k in (1, 2, 3):
            self.remote_send("--flush")
            with open(path) as f:
                info = dict(line.split(" ", 1) for line in
                            f.read().splitlines() if " " in line)
            created, nxt = int(info["created"]), int(info["next"])
            self.assertEqual(int(info["attempts"]), k)
            # the k-th retry 400 k^2 seconds after arrival (7 minutes,
            # 27 minutes, an hour: each more than a minute from now)
            self.assertEqual(nxt, created + 400 * k * k)

    def test_an_unreachable_host_is_named_with_the_reason(self):
        self.inject_held(["friend@unreach.example"], "Subject: u\n\nx\n")
        r = self.remote_send()
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        listing = self.remote_send("-l").stdout
        self.assertIn(
            "friend@unreach.example: no mail exchanger could be reached "
            f"(last: dead.down.example[127.0.0.4]:{self.port}: Connection "
            "refused); if every domain fails so, your ISP may block port "
            "25 (OP25B): set smarthost\n", listing)

    def test_temporary_failure_then_success(self):
        cdb = os.path.join(self.remote.conf, "users.cdb")
        os.rename(cdb, cdb + ".off")  # the remote host answers 421
        qid = self.inject_held(["friend@remote.example"],
                               "Subject: later\n\nx\n")
        self.remote_send()
        self.assertEqual(self.entries(), [qid])
        info = open(os.path.join(self.site.spool, "queue", "info",
                                 qid)).read()
        self.assertIn("attempts 1\n", info)
        self.assertIn("error ", info)
        listing = self.remote_send("-l").stdout
        self.assertIn(qid, listing)
        self.assertIn("friend@remote.example: ", listing)
        self.remote_send()  # not due yet: nothing happens
        self.assertEqual(self.entries(), [qid])
        os.rename(cdb + ".off", cdb)
        self.remote_send("--flush")
        self.assertEqual(self.entries(), [])
        self.assertEqual(len(self.box(self.remote, "friend")), 1)

    def test_lifetime_expiry_bounces_with_the_last_error(self):
        self.site.settings["queue_lifetime"] = "60"
        self.site.write_conf()
        cdb = os.path.join(self.remote.conf, "users.cdb")
        os.rename(cdb, cdb + ".off")
        qid = self.inject_held(["friend@down.example"],
                               "Subject: old\n\nx\n",
                               sender="taro@example.com")
        path = os.path.join(self.site.spool, "queue", "info", qid)
        text = open(path).read()
        created = int(text.split("created ")[1].split("\n")[0])
        with open(path, "w") as f:
            f.write(text.replace(f"created {created}",
                                 f"created {created - 120}"))
        self.remote_send("--flush")
        self.assertEqual(self.entries(), [])
        [b] = self.box(self.site, "taro")
        recip = b.get_payload()[1].get_payload()[1]
        self.assertEqual(recip["Action"], "failed")
        self.assertTrue(recip["Status"].startswith("4."))

    def test_kill_during_a_transaction_loses_nothing(self):
        # a host that accepts the connection and says nothing
        stall = socket.socket()
        stall.bind(("127.0.0.2", 0))
        stall.listen(5)
        self.addCleanup(stall.close)
        self.site.settings["remote_port"] = str(stall.getsockname()[1])
        self.site.write_conf()
        qid = self.inject_held(["friend@remote.example"],
                               "Subject: k\n\nx\n")
        before = open(os.path.join(self.site.spool, "queue", "info",
                                   qid)).read()
        p = subprocess.Popen([f"{BIN}/remote-send", "-C", self.site.conf],
                             env=self.site.env(), start_new_session=True)
        # killed while it waits for the greeting of a host that is silent
        end = time.monotonic() + 10
        while time.monotonic() < end and not [
                c for c in subprocess.run(["ss", "-tn", "state",
                                           "established"],
                                          capture_output=True,
                                          text=True).stdout.splitlines()
                if f":{stall.getsockname()[1]} " in c]:
            time.sleep(0.05)
        os.killpg(p.pid, signal.SIGKILL)
        p.wait(10)
        self.assertEqual(self.entries(), [qid])
        self.assertEqual(open(os.path.join(self.site.spool, "queue", "info",
                                           qid)).read(), before)
        self.site.settings["remote_port"] = str(self.port)
        self.site.write_conf()
        self.remote_send()
        self.assertEqual(self.entries(), [])
        self.assertEqual(len(self.box(self.remote, "friend")), 1)

    def test_show_and_remove(self):
        qid = self.inject_held(["friend@remote.example"],
                               "Subject: s\n\nbody\n")
        out = self.remote_send("--show", qid).stdout
        self.assertIn("rcpt friend@remote.example", out)
        self.assertIn("Subject: s", out)
        self.assertEqual(self.remote_send("--remove", qid).returncode, 0)
        self.assertEqual(self.entries(), [])
        self.remote_send("--show", qid, expect=100)


class Relays(RemoteBase):
    def smarthost(self, password="relay pw", mode=0o600, tls=True):
        from yubintest import make_hash
        self.relay = self.make_site(
            users=f"relayuser:{make_hash('relay pw')}:\npostmaster::"
                  "relayuser\nabuse::relayuser\n",
            domains="relay.example\n", relay="",
            # a provider's relay takes a whole site's senders from one
            # login: yubin's own check of them (on by default) is off
            settings={"sender_check": "no"})
        if tls:  # STARTTLS offered (self-signed: smarthost_tls is off)
            cert, key = make_cert(self.relay.conf)
            self.relay.settings.update({"tls_cert": cert, "tls_key": key})
            self.relay.write_conf()
        self.relay.cdbmake()
        port = free_port()
        self.relay.start({"smtp": ["smtp-in"]}, bind="127.0.0.3",
                         fixed_port=port)
        pw = os.path.join(self.site.dir, "smarthost.pw")
        with open(pw, "w") as f:
            f.write(password + "\n")
        os.chmod(pw, mode)
        give_to_servers(pw)  # as INSTALL says: owned by the servers' user
        self.site.settings.update({
            "smarthost": f"127.0.0.3:{port}",
            "smarthost_user": "relayuser",
            "smarthost_password_file": pw})
        self.site.write_conf()

    def relay_queue(self):
        d = os.path.join(self.relay.spool, "queue", "info")
        return [open(os.path.join(d, f)).read() for f in os.listdir(d)] \
            if os.path.isdir(d) else []

    def test_smarthost_with_auth(self):
        self.smarthost()
        qid = self.inject_held(["someone@elsewhere.example"],
                               "Subject: via relay\n\nx\n")
        self.remote_send()
        self.assertEqual(self.entries(), [])
        [info] = self.relay_queue()
        self.assertIn("rcpt someone@elsewhere.example\n", info)
        self.assertIn("smtp auth client=", self.relay.log())
        self.assertIn("user=relayuser result=ok", self.relay.log())
        self.assertIn("smtp tls client=", self.relay.log())
        self.assertIn(f"remote id={qid} rcpt=<someone@elsewhere.example> "
                      "host=127.0.0.3[127.0.0.3]", self.site.log())

    def test_no_auth_in_clear_text(self):
        self.smarthost(tls=False)
        qid = self.inject_held(["someone@elsewhere.example"],
                               "Subject: c\n\nx\n")
        r = self.remote_send()
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        self.assertEqual(self.entries(), [qid])  # waits, never bounces
        self.assertIn("AUTH is not sent in clear text",
                      self.remote_send("-l").stdout)
        self.assertNotIn("smtp auth", self.relay.log())
        self.assertEqual(self.relay_queue(), [])
        # the admin says so explicitly: then it goes
        self.site.settings["smarthost_insecure_cleartext_auth"] = "yes"
        self.site.write_conf()
        r = self.remote_send("--flush")
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        self.assertEqual(self.entries(), [])
        self.assertIn("user=relayuser result=ok", self.relay.log())
        self.assertEqual(len(self.relay_queue()), 1)

    def test_wrong_password_defers_never_bounces(self):
        self.smarthost(password="wrong")
        qid = self.inject_held(["someone@elsewhere.example"],
                               "Subject: w\n\nx\n", sender="taro@example.com")
        self.remote_send()
        self.assertEqual(self.entries(), [qid])
        self.assertIn("535", self.remote_send("-l").stdout)
        self.assertEqual(self.box(self.site, "taro"), [])

    def test_password_file_readable_by_others_is_refused(self):
        self.smarthost(mode=0o644)
        qid = self.inject_held(["someone@elsewhere.example"],
                               "Subject: m\n\nx\n")
        self.remote_send()
        self.assertEqual(self.entries(), [qid])
        self.assertIn("readable by others", self.remote_send("-l").stdout)
        self.assertEqual(self.relay_queue(), [])

    def test_route_bypasses_dns(self):
        self.site.settings.update({
            "dns_servers": "127.0.0.1:53",  # nothing answers
            "route": f"remote.example 127.0.0.2:{self.port}"})
        self.site.write_conf()
        self.inject_held(["friend@remote.example"], "Subject: r\n\nx\n")
        self.remote_send()
        self.assertEqual(self.entries(), [])
        self.assertEqual(len(self.box(self.remote, "friend")), 1)


class RootRunsTheTools(RemoteBase):
    """The site as INSTALL sets it up: spool owned by an unprivileged
    user, the databases readable for its group; root runs the tools."""

    def test_root_runner_leaves_everything_to_the_spool_owner(self):
        import pwd
        if os.getuid() != 0:
            self.skipTest("needs root")
        nobody = pwd.getpwnam("nobody")
        for d in (self.site.dir, self.site.conf, self.site.asan):
            os.chmod(d, 0o777 if d == self.site.asan else 0o755)
        for name in ("users.cdb", "domains.cdb", "relay.cdb"):
            path = os.path.join(self.site.conf, name)
            os.chown(path, 0, nobody.pw_gid)
            os.chmod(path, 0o640)
        open(self.site.logfile, "a").close()
        os.makedirs(os.path.join(self.site.spool, "queue"))
        open(os.path.join(self.site.spool, "queue", "lock"), "a").close()
        for root, dirs, files in os.walk(self.site.spool):
            for n in dirs + files + [""]:
                os.chown(os.path.join(root, n), nobody.pw_uid,
                         nobody.pw_gid)
        os.chown(self.site.logfile, nobody.pw_uid, nobody.pw_gid)
        # a bounce for a local sender, from a runner started by root
        self.inject_held(["nobody@remote.example"], "Subject: b\n\nx\n",
                         sender="taro@example.com")
        r = self.remote_send("--flush")
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        self.assertEqual(self.entries(), [])
        [b] = self.box(self.site, "taro")
        self.assertEqual(b.get_content_type(), "multipart/report")
        for root, dirs, files in os.walk(self.site.spool):
            for n in dirs + files:
                st = os.stat(os.path.join(root, n))
                self.assertEqual(st.st_uid, nobody.pw_uid,
                                 os.path.join(root, n))
        self.assertIn("decision=bounced", self.site.log())


class Etrn(RemoteBase):
    def test_held_until_etrn(self):
        import smtplib
        self.site.settings["hold_domains"] = "remote.example"
        self.site.write_conf()
        port = self.site.start({"smtp": ["smtp-in"]})["smtp"]
        self.inject(["friend@remote.example", "friend@amx.example"],
                    "Subject: held\n\nx\n")
        self.remote_send()
        self.assertEqual(len(self.entries()), 1)
        self.assertIn("held until an ETRN", self.remote_send("-l").stdout)
        self.assertEqual(len(self.box(self.remote, "friend")), 1)  # amx
        c = smtplib.SMTP("127.0.0.1", port, timeout=20)
        self.assertIn(b"ETRN", c.ehlo("dialup.example")[1])
        code, text = c.docmd("ETRN", "other.example")
        self.assertEqual(code, 459)
        code, text = c.docmd("ETRN", "remote.example")
        self.assertEqual(code, 250)
        c.quit()
        self.wait_queue_empty()
        self.assertEqual(self.entries(), [])
        self.assertEqual(len(self.box(self.remote, "friend")), 2)
        self.assertIn("smtp etrn client=127.0.0.1 domain=remote.example "
                      "result=started", self.site.log())

    def test_backup_mx_takes_a_held_domains_mail_from_anyone(self):
        import smtplib
        self.site.write("relay", "")  # every client a stranger
        self.site.cdbmake()
        self.site.settings.update({"hold_domains": "remote.example",
                                   "relay_domains": "remote.example"})
        self.site.write_conf()
        port = self.site.start({"smtp": ["smtp-in"]})["smtp"]
        with smtplib.SMTP("127.0.0.1", port, timeout=20) as c:
            c.ehlo("mx.sender.example")
            c.mail("someone@sender.example")
            self.assertEqual(c.rcpt("friend@remote.example")[0], 250)
            self.assertEqual(c.rcpt("someone@other.example")[0], 554)
            self.assertEqual(c.data(b"Subject: for later\r\n\r\nx\r\n")[0],
                             250)
        self.assertIn("to=<friend@remote.example> result=accepted "
                      "how=relay-domain", self.site.log())
        self.site.wait_quiet()
        self.assertEqual(len(self.entries()), 1)  # held
        self.assertEqual(self.box(self.remote, "friend"), [])
        r = self.remote_send("--etrn", f"127.0.0.1:{port}", "remote.example")
        self.assertIn("250 2.0.0 Queuing for node remote.example", r.stdout)
        self.wait_queue_empty()
        self.assertEqual(self.entries(), [])
        [m] = self.box(self.remote, "friend")
        self.assertEqual(m["Subject"], "for later")

    def test_etrn_flood_starts_one_runner(self):
        import time as _t
        self.site.settings["hold_domains"] = "remote.example"
        self.site.write_conf()
        port = self.site.start({"smtp": ["smtp-in"]})["smtp"]
        self.inject(["friend@remote.example"], "Subject: held\n\nx\n")
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.addCleanup(s.close)
        f = s.makefile("rb")
        f.readline()
        s.sendall(b"EHLO x\r\n" + b"ETRN remote.example\r\n" * 2000)
        replies = []
        while (line := f.readline()):
            replies.append(line.decode())
        codes = [r[:3] for r in replies if r[3:4] == " "]
        self.assertEqual(codes[0], "250")         # EHLO
        self.assertEqual(codes[1:3], ["250", "250"])  # started, moments ago
        self.assertEqual(codes[-1], "421")        # counted, then cut off
        self.assertLess(len(codes), 40)
        log = self.site.log()
        self.assertEqual(log.count("result=started"), 1, log)
        # held mail went out once
        end = _t.monotonic() + 20
        while self.entries() and _t.monotonic() < end:
            _t.sleep(0.1)
        self.assertEqual(len(self.box(self.remote, "friend")), 1)

    def test_etrn_client(self):
        self.site.settings["hold_domains"] = "remote.example"
        self.site.write_conf()
        port = self.site.start({"smtp": ["smtp-in"]})["smtp"]
        r = self.remote_send("--etrn", f"127.0.0.1:{port}", "remote.example")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("250 2.0.0 Queuing for node remote.example", r.stdout)
        r = self.remote_send("--etrn", f"127.0.0.1:{port}", "other.example",
                             expect=111)
        self.assertIn("459", r.stdout)


def make_cert(directory):
    return yubintest.make_cert(directory, "mx1.remote.example")


class OutboundTls(RemoteBase):
    def remote_tls(self, broken=False):
        cert, key = make_cert(self.remote.conf)
        if broken:  # offered, but the handshake cannot work
            cert = os.path.join(self.remote.conf, "missing.pem")
        self.remote.settings.update({"tls_cert": cert, "tls_key": key})
        self.remote.write_conf()

    def deliver_one(self):
        self.inject_held(["friend@remote.example"], "Subject: t\n\nx\n")
        self.remote_send()
        return self.box(self.remote, "friend")

    def test_opportunistic_starttls(self):
        self.remote_tls()
        [m] = self.deliver_one()
        self.assertRegex(m["Received"], r"with ESMTPS \(TLSv1\.[23] ")

    def test_failed_handshake_retries_in_plain_text(self):
        self.remote_tls(broken=True)
        [m] = self.deliver_one()
        self.assertIn("with ESMTP id", m["Received"])
        self.assertIn("tls failed", self.site.log())

    def test_tls_outbound_no(self):
        self.remote_tls()
        self.site.settings["tls_outbound"] = "no"
        self.site.write_conf()
        [m] = self.deliver_one()
        self.assertIn("with ESMTP id", m["Received"])

    def test_encrypt_without_starttls_waits(self):
        self.site.settings["tls_outbound"] = "encrypt"
        self.site.write_conf()
        self.assertEqual(self.deliver_one(), [])
        self.assertEqual(len(self.entries()), 1)
        self.assertIn("offers no STARTTLS", self.remote_send("-l").stdout)

    def test_smarthost_certificate_is_verified(self):
        self.remote_tls()  # self-signed: not in the system's CA store
        pw = os.path.join(self.site.dir, "pw")
        with open(pw, "w") as f:
            f.write("x\n")
        os.chmod(pw, 0o600)
        give_to_servers(pw)
        self.site.settings.update({
            "smarthost": f"127.0.0.2:{self.port}", "smarthost_tls": "yes",
            "smarthost_user": "friend", "smarthost_password_file": pw})
        self.site.write_conf()
        self.assertEqual(self.deliver_one(), [])
        self.assertEqual(len(self.entries()), 1)  # deferred, not bounced
        self.assertIn("handshake", self.remote_send("-l").stdout)
        self.assertEqual(self.box(self.site, "taro"), [])


class VerifiedSmarthost(RemoteBase):
    """smarthost_tls with a certificate that does verify: a test CA,
    bind-mounted over the system's CA bundle inside this test's own mount
    namespace (tests/check.sh runs under unshare --mount)."""

    def test_smarthost_with_a_valid_certificate(self):
        bundle = "/etc/ssl/certs/ca-certificates.crt"
        if os.getuid() != 0 or not os.environ.get("YUBIN_NETNS"):
            self.skipTest("needs root in tests/check.sh's mount namespace")
        d = self.remote.conf
        run = lambda *a: subprocess.run(a, check=True, capture_output=True,
                                        timeout=60)
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
              "-nodes"]
        run("openssl", "req", "-x509", *ec, "-keyout", f"{d}/ca.key",
            "-out", f"{d}/ca.pem", "-days", "2", "-subj", "/CN=yubin test CA")
        run("openssl", "req", *ec, "-keyout", f"{d}/key.pem", "-out",
            f"{d}/req.pem", "-subj", "/CN=mx1.remote.example")
        with open(f"{d}/ext", "w") as f:
            f.write("subjectAltName=DNS:mx1.remote.example\n")
        run("openssl", "x509", "-req", "-in", f"{d}/req.pem", "-CA",
            f"{d}/ca.pem", "-CAkey", f"{d}/ca.key", "-CAcreateserial",
            "-out", f"{d}/cert.pem", "-days", "2", "-extfile", f"{d}/ext")
        give_to_servers(f"{d}/key.pem")
        run("mount", "--bind", f"{d}/ca.pem", bundle)
        self.addCleanup(subprocess.run, ["umount", bundle])
        self.remote.settings.update({"tls_cert": f"{d}/cert.pem",
                                     "tls_key": f"{d}/key.pem"})
        self.remote.write_conf()
        self.site.settings.update({
            "smarthost": f"mx1.remote.example:{self.port}",
            "smarthost_tls": "yes"})
        self.site.write_conf()
        self.inject_held(["friend@remote.example"], "Subject: v\n\nx\n")
        self.remote_send()
        self.assertEqual(self.entries(), [])
        [m] = self.box(self.remote, "friend")
        self.assertRegex(m["Received"], r"with ESMTPS \(TLSv1\.[23] ")


class EtrnWithoutRunner(RemoteBase):
    def test_458_when_remote_send_is_missing(self):
        import shutil
        import smtplib
        lonely = os.path.join(self.site.dir, "lonely")
        os.makedirs(lonely)
        shutil.copy(f"{BIN}/smtp-in", lonely)  # no remote-send beside it
        self.site.settings["hold_domains"] = "remote.example"
        self.site.write_conf()
        mine, theirs = socket.socketpair()
        err = open(os.path.join(self.site.asan, "stderr-direct"), "wb")
        self.addCleanup(err.close)  # any output there fails the test
        p = subprocess.Popen([f"{lonely}/smtp-in", "-C", self.site.conf],
                             stdin=theirs, stdout=theirs, stderr=err,
                             env=dict(self.site.env(),
                                      TCPREMOTEIP="127.0.0.1"))
        theirs.close()
        self.addCleanup(p.wait, 10)
        self.addCleanup(mine.close)
        c = smtplib.SMTP()
        c.sock = mine
        c.getreply()
        c.ehlo("x")
        self.assertEqual(c.docmd("ETRN", "remote.example")[0], 458)
        c.quit()
