"""Crash safety: 10 SMTP senders and a queue-inject loop work in
parallel while a killer sends SIGKILL to a random smtp-in, queue-inject
or remote-send of the site, 200 times at random instants. Afterwards
every message whose 250 (or exit status 0) was seen is in its Maildir,
here and at the remote host, nothing half-written is visible in new/ or
cur/ or the queue, and no stale lock stops the next queue run. A kill
between a remote host's 250 and the rewrite of the entry may send a
message twice (remote-send(8) says so); losing one never happens."""
import mailbox
import os
import random
import signal
import smtplib
import subprocess
import threading
import time

from test_remote import RemoteBase
from yubintest import BIN

KILLS = 200
SENDERS = 10


class CrashSafety(RemoteBase):
    def setUp(self):
        super().setUp()
        # no leak check at exit: a process killed in the middle of it
        # leaves LeakSanitizer's own checker waiting for ever
        self.site.detect_leaks = 0
        self.addCleanup(self.kill_leftovers)

    def kill_leftovers(self):
        for pid in self.pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def check_sanitizers(self, site):
        """As every test does, except for the one line LeakSanitizer
        prints when the process it checks at exit is killed under it
        (SIGKILL during the leak check): an artifact of the killing."""
        site.stop()
        for text in site.sanitizer_reports(settle=0.3):
            lines = [x for x in text.splitlines() if x.strip() and
                     "Unable to get registers from thread" not in x]
            if lines:
                self.fail("sanitizer report or stderr output:\n" +
                          text[:3000])
    def pids(self):
        """smtp-in, queue-inject and remote-send processes of our site."""
        return self.site.processes()

    def sender(self, n, port, acked, stop):
        rng = random.Random(n)
        i = 0
        while not stop.is_set():
            i += 1
            token = f"s{n}-{i}"
            rcpts = ["taro@example.com"]
            if rng.random() < 0.5:
                rcpts.append("friend@remote.example")
            body = (f"Subject: {token}\r\nMessage-ID: <{token}@test>\r\n\r\n"
                    + "line of text\r\n" * rng.randrange(1, 400)
                    + f"END-{token}\r\n")
            try:
                c = smtplib.SMTP("127.0.0.1", port, timeout=10)
                c.sendmail("a@example.com", rcpts, body)
                c.quit()
            except (smtplib.SMTPException, OSError):
                continue  # killed: not acknowledged
            for r in rcpts:
                acked.append((r, token))

    def injector(self, acked, stop):
        i = 0
        while not stop.is_set():
            i += 1
            token = f"q-{i}"
            body = (f"Subject: {token}\nMessage-ID: <{token}@test>\n\n"
                    f"text\nEND-{token}\n")
            r = subprocess.run([f"{BIN}/queue-inject", "-C", self.site.conf,
                                "taro@example.com", "friend@remote.example"],
                               input=body.encode(), capture_output=True,
                               timeout=60, env=self.site.env())
            if r.returncode == 0:
                acked += [("taro@example.com", token),
                          ("friend@remote.example", token)]

    def killer(self, stop, kills):
        rng = random.Random(7)
        end = time.monotonic() + 60
        while kills[0] < KILLS and time.monotonic() < end:
            time.sleep(rng.uniform(0.005, 0.06))
            pids = self.pids()
            if pids:
                try:
                    os.kill(rng.choice(pids), signal.SIGKILL)
                    kills[0] += 1
                except ProcessLookupError:
                    pass
        stop.set()

    def tokens(self, site, *path):
        """Tokens of the messages in a Maildir; fails on a partial one."""
        got = []
        md = mailbox.Maildir(site.maildir(*path), create=False)
        for key in md.keys():
            m = md[key]
            token = m["Subject"]
            self.assertTrue(m.get_payload().rstrip("\n").endswith(
                f"END-{token}"), f"partial message {key}")
            got.append(token)
        return got

    def test_random_kills_lose_nothing_acknowledged(self):
        port = self.site.start({"smtp": ["smtp-in"]})["smtp"]
        acked, stop, kills = [], threading.Event(), [0]
        threads = [threading.Thread(target=self.sender,
                                    args=(n, port, acked, stop))
                   for n in range(SENDERS)]
        threads.append(threading.Thread(target=self.injector,
                                        args=(acked, stop)))
        for t in threads:
            t.start()
        self.killer(stop, kills)
        for t in threads:
            t.join(60)
        self.assertGreaterEqual(kills[0], KILLS)
        # the queue drains: no stale lock, no entry stuck for good
        end = time.monotonic() + 60
        while time.monotonic() < end:
            r = subprocess.run([f"{BIN}/remote-send", "-C", self.site.conf,
                                "--flush"], capture_output=True, text=True,
                               timeout=120, env=self.site.env())
            self.assertEqual((r.returncode, r.stderr), (0, ""))
            if not self.entries():
                break
        self.assertEqual(self.entries(), [])
        local = set(self.tokens(self.site, "taro"))
        remote = self.tokens(self.remote, "friend")
        for rcpt, token in acked:
            where = local if rcpt == "taro@example.com" else remote
            self.assertIn(token, where, f"{rcpt} lost {token}")
        # nothing half-written where a reader looks
        for d in ("tmp",):
            leftovers = os.listdir(self.site.maildir("taro", d))
            for name in leftovers:  # tmp/ is the writers' own: allowed
                self.assertFalse(os.path.exists(
                    self.site.maildir("taro", "new", name)))
        # a message file without an envelope is a write that was never
        # acknowledged (killed between the two renames); remote-send
        # removes those once they are a day old
        mess = os.listdir(os.path.join(self.site.spool, "queue", "mess"))
        print(f"\n  crash test: {kills[0]} kills, {len(acked)} acknowledged "
              f"deliveries, {len(local)} local and {len(remote)} remote "
              f"messages, {len(mess)} orphaned queue files", end=" ")
