"""remote-send against peers that misbehave, and against its own spool
running out of space: a server that trickles an endless reply, one that
says nothing, one that fills our disk while it takes the message, one
that always defers. These peers are small Python servers in the test (a
real MX would never do this on purpose); the well-behaved remote host is
the real smtp-in of test_remote's RemoteBase. Nothing here waits for a
fixed time where a condition can be waited for."""
import fcntl
import os
import re
import socket
import subprocess
import threading
import time

from test_remote import RemoteBase
from yubintest import BIN, fill_disk


class FakeMX:
    """Listens on host:port; each connection is given to handler(conn, box)
    in a thread of its own. box collects what the handlers note."""

    def __init__(self, host, port, handler):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(16)
        self.handler = handler
        self.box = {"connections": 0, "accepted": [], "live": 0,
                    "most": 0}
        self.lock = threading.Lock()
        self.stopped = False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.stopped:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.box["connections"] += 1
            threading.Thread(target=self.one, args=(conn,),
                             daemon=True).start()

    def one(self, conn):
        with self.lock:
            self.box["live"] += 1
            self.box["most"] = max(self.box["most"], self.box["live"])
        try:
            conn.settimeout(60)
            self.handler(conn, self.box)
        except OSError:
            pass
        finally:
            conn.close()
            with self.lock:
                self.box["live"] -= 1

    def close(self):
        self.stopped = True
        self.sock.close()


def smtp_dialogue(conn, box, rcpt_reply, after_data=None):
    """A plain SMTP server: rcpt_reply(addr) gives each RCPT's reply;
    after_data() runs once the message is in, before the 250."""
    f = conn.makefile("rb")
    conn.sendall(b"220 fake ESMTP\r\n")
    accepted = []
    while True:
        line = f.readline()
        if not line:
            return
        verb = line[:4].upper()
        if verb in (b"EHLO", b"HELO"):
            conn.sendall(b"250 fake\r\n")
        elif verb == b"MAIL":
            accepted = []
            conn.sendall(b"250 ok\r\n")
        elif verb == b"RCPT":
            addr = line.split(b"<")[1].split(b">")[0].decode()
            reply = rcpt_reply(addr)
            if reply.startswith("250"):
                accepted.append(addr)
            conn.sendall(reply.encode() + b"\r\n")
        elif verb == b"DATA":
            conn.sendall(b"354 go\r\n")
            while f.readline() not in (b".\r\n", b""):
                pass
            if after_data:
                after_data()
            box["accepted"] += accepted
            conn.sendall(b"250 taken\r\n")
        elif verb == b"QUIT":
            conn.sendall(b"221 bye\r\n")
            return
        else:
            conn.sendall(b"502 no\r\n")


class Hostile(RemoteBase):
    def fake(self, host, handler):
        mx = FakeMX(host, self.port, handler)
        self.addCleanup(mx.close)
        return mx

    def wait_for(self, cond, seconds=20):
        end = time.monotonic() + seconds
        while not cond():
            if time.monotonic() > end:
                return False
            time.sleep(0.05)
        return True

    def runner(self, *args):
        p = subprocess.Popen([f"{BIN}/remote-send", "-C", self.site.conf,
                              *args], env=self.site.env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
        self.addCleanup(lambda: p.poll() is None and p.kill())
        return p

    def assert_clean_exit(self, r, code=0):
        self.assertEqual((r.returncode, r.stderr), (code, ""))

    def test_endless_reply_is_cut_short(self):
        def trickle(conn, box):
            for _ in range(100000):
                conn.sendall(b"220-still greeting you\r\n")
                time.sleep(0.005)

        self.fake("127.0.0.5", trickle)
        qid = self.inject_held(["x@hostile.example"], "Subject: h\n\nx\n")
        t0 = time.monotonic()
        self.assert_clean_exit(self.remote_send(timeout=120))
        self.assertLess(time.monotonic() - t0, 30)
        self.assertEqual(self.entries(), [qid])  # deferred, not bounced
        self.assertIn("x@hostile.example: protocol error",
                      self.remote_send("-l").stdout)

    def test_megabyte_reply_line_is_cut_short(self):
        def long_line(conn, box):
            conn.sendall(b"220 " + b"x" * (1 << 20) + b"\r\n")

        self.fake("127.0.0.5", long_line)
        qid = self.inject_held(["x@hostile.example"], "Subject: h\n\nx\n")
        self.assert_clean_exit(self.remote_send(timeout=120))
        self.assertEqual(self.entries(), [qid])
        self.assertIn("protocol error", self.remote_send("-l").stdout)

    def test_bad_reply_codes_are_not_replies(self):
        def odd(conn, box):
            conn.sendall(b"2200 hello\r\n")

        self.fake("127.0.0.5", odd)
        qid = self.inject_held(["x@hostile.example"], "Subject: h\n\nx\n")
        self.assert_clean_exit(self.remote_send())
        self.assertEqual(self.entries(), [qid])
        self.assertIn("protocol error", self.remote_send("-l").stdout)

    def test_silent_destination_holds_nothing_else(self):
        release = threading.Event()
        self.fake("127.0.0.6", lambda conn, box: release.wait(60))
        self.addCleanup(release.set)
        qid = self.inject_held(["a@stuck.example", "friend@remote.example"],
                               "Subject: both\n\nx\n")
        p = self.runner()
        # the other domain of the same message goes at once
        self.assertTrue(self.wait_for(
            lambda: len(self.box(self.remote, "friend")) == 1))
        # new mail while the runner waits on the silent host: the
        # runner that queue-inject starts finds the lock taken, and the
        # running one takes the new entry up
        self.inject(["friend@remote.example"], "Subject: second\n\ny\n")
        self.assertTrue(self.wait_for(
            lambda: len(self.box(self.remote, "friend")) == 2))
        self.assertIsNone(p.poll())  # still waiting for the greeting
        release.set()  # the silent host hangs up
        out, err = p.communicate(timeout=60)
        self.assertEqual((p.returncode, err), (0, ""))
        self.assertEqual(self.entries(), [qid])
        with open(os.path.join(self.site.spool, "queue", "info", qid)) as f:
            info = f.read()
        self.assertIn("rcpt a@stuck.example\n", info)
        self.assertNotIn("friend@remote.example", info)

    def test_silence_after_data_holds_nothing_else(self):
        release = threading.Event()

        def hang_up():
            release.wait(60)
            raise OSError("hangs up without a reply")

        def silent_after_data(conn, box):
            smtp_dialogue(conn, box, lambda a: "250 ok", after_data=hang_up)

        self.fake("127.0.0.6", silent_after_data)
        self.addCleanup(release.set)
        qid = self.inject_held(["a@stuck.example", "friend@remote.example"],
                               "Subject: both\n\nx\n")
        p = self.runner()
        self.assertTrue(self.wait_for(
            lambda: len(self.box(self.remote, "friend")) == 1))
        self.assertIsNone(p.poll())  # waiting for the reply to the dot
        # the silent host hangs up before its reply: not known to be
        # delivered, so kept for later (at worst twice, never lost)
        release.set()
        out, err = p.communicate(timeout=60)
        self.assertEqual((p.returncode, err), (0, ""))
        self.assertEqual(self.entries(), [qid])
        self.assertIn("a@stuck.example: ", self.remote_send("-l").stdout)

    def test_a_delivery_killed_mid_data_loses_nothing(self):
        release = threading.Event()
        in_data = threading.Event()

        def stall():
            in_data.set()  # the whole message is in; no reply comes
            release.wait(60)
            raise OSError("hangs up")

        self.fake("127.0.0.6", lambda conn, box: smtp_dialogue(
            conn, box, lambda a: "250 ok", after_data=stall))
        self.addCleanup(release.set)
        qid = self.inject_held(["a@stuck.example", "friend@remote.example"],
                               "Subject: both\n\nx\n")
        p = self.runner()
        self.assertTrue(in_data.wait(30))
        self.assertTrue(self.wait_for(
            lambda: len(self.box(self.remote, "friend")) == 1))
        # the process that talks to the stuck host dies (OOM, an admin's
        # kill) after the host took RCPT and the data, before its reply
        [pid] = self.talking_to("127.0.0.6")
        os.kill(pid, 9)
        out, err = p.communicate(timeout=60)
        self.assertEqual((p.returncode, err), (0, ""))
        # not known to be delivered: kept, and the other one is done
        self.assertEqual(self.entries(), [qid])
        listing = self.remote_send("-l").stdout
        self.assertIn("a@stuck.example", listing)
        self.assertNotIn("friend@remote.example", listing)

    def talking_to(self, host):
        """pids of the processes with a connection to host."""
        out = subprocess.run(["ss", "-tnpH", "state", "established",
                              "dst", host], capture_output=True, text=True,
                             timeout=10).stdout
        return sorted({int(m) for m in re.findall(r"pid=(\d+)", out)})

    def test_one_runner_at_a_time(self):
        release = threading.Event()
        mx = self.fake("127.0.0.6", lambda conn, box: release.wait(60))
        self.addCleanup(release.set)
        qid = self.inject_held(["a@stuck.example"], "Subject: one\n\nx\n")
        first = self.runner()
        self.assertTrue(self.wait_for(lambda: mx.box["connections"] == 1))
        # queued meanwhile: the runner queue-inject starts finds the
        # lock taken and leaves it to the first
        self.inject(["friend@remote.example"], "Subject: later\n\ny\n")
        [later] = set(self.entries()) - {qid}
        # a second real runner finds the lock taken and leaves at once,
        # without touching the queue: the new entry is the first's work
        t0 = time.monotonic()
        self.remote_send()
        self.assertLess(time.monotonic() - t0, 5)
        self.assertIsNone(first.poll())
        self.assertEqual(mx.box["connections"], 1)
        self.assertIn(later, self.entries())
        self.assertEqual(self.box(self.remote, "friend"), [])
        release.set()
        out, err = first.communicate(timeout=60)
        self.assertEqual((first.returncode, err), (0, ""))
        self.assertEqual(self.site.log().count(f"remote id={qid} "), 1)
        # the first runner looked once more before it ended
        self.assertEqual(len(self.box(self.remote, "friend")), 1)

    def test_remote_concurrency_bounds_the_deliveries(self):
        self.site.settings["remote_concurrency"] = "2"
        self.site.write_conf()
        release = threading.Event()
        mx = self.fake("127.0.0.6", lambda conn, box: release.wait(60))
        self.addCleanup(release.set)
        os.makedirs(os.path.join(self.site.spool, "queue"), exist_ok=True)
        with open(os.path.join(self.site.spool, "queue", "lock"), "a") as lk:
            fcntl.flock(lk, fcntl.LOCK_EX)  # queue-inject's runners leave
            for i in range(4):
                self.inject([f"u{i}@stuck.example"], f"Subject: {i}\n\n")
        p = self.runner()
        self.assertTrue(self.wait_for(lambda: mx.box["live"] == 2))
        time.sleep(1.5)  # a third would have come by now (1 s steps)
        self.assertEqual(mx.box["most"], 2)
        release.set()  # each hangs up: deferred; the next two go
        out, err = p.communicate(timeout=60)
        self.assertEqual((p.returncode, err), (0, ""))
        self.assertEqual(mx.box["connections"], 4)
        self.assertEqual(mx.box["most"], 2)
        self.assertEqual(len(self.entries()), 4)

    def test_released_entry_is_tried_once_per_run(self):
        self.site.settings["hold_domains"] = "deferring.example"
        self.site.write_conf()
        mx = self.fake("127.0.0.8", lambda conn, box: smtp_dialogue(
            conn, box, lambda a: "451 4.3.0 not now"))
        qid = self.inject_held(["x@deferring.example"], "Subject: r\n\nx\n")
        self.assert_clean_exit(self.remote_send())
        self.assertEqual(mx.box["connections"], 0)  # held
        self.assert_clean_exit(self.remote_send("--release",
                                                "deferring.example"))
        self.assertEqual(mx.box["connections"], 1)
        self.assertEqual(self.entries(), [qid])
        self.assert_clean_exit(self.remote_send())  # back-off counts again
        self.assertEqual(mx.box["connections"], 1)

    def test_remove_and_flush_wait_for_a_running_delivery(self):
        release = threading.Event()
        self.fake_silent_seen = self.fake(
            "127.0.0.6", lambda conn, box: release.wait(60))
        self.addCleanup(release.set)
        qid = self.inject_held(["a@stuck.example"], "Subject: rm\n\nx\n")
        mx = self.fake_silent_seen
        p = self.runner()
        # connected: the runner's child took the entry's lock before
        self.assertTrue(self.wait_for(lambda: mx.box["connections"] == 1))
        # --flush leaves an entry being delivered to its delivery
        self.assert_clean_exit(self.remote_send("--flush"))
        # --remove waits for the delivery to end, then removes it
        rm = subprocess.Popen([f"{BIN}/remote-send", "-C", self.site.conf,
                               "--remove", qid], env=self.site.env(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
        time.sleep(0.5)
        self.assertIsNone(rm.poll())
        release.set()
        out, err = rm.communicate(timeout=30)
        self.assertEqual((rm.returncode, err), (0, ""))
        p.communicate(timeout=30)
        self.assertEqual(p.returncode, 0)
        self.assertEqual(self.entries(), [])
        self.assertEqual(os.listdir(os.path.join(self.site.spool, "queue",
                                                 "mess")), [])
        self.assertNotIn("no message file", self.site.log())
        self.assert_clean_exit(self.remote_send())
        self.remote_send("--remove", qid, expect=100)

    def test_envelope_without_message_is_removed(self):
        qid = self.inject_held(["friend@remote.example"], "Subject: o\n\n")
        os.unlink(os.path.join(self.site.spool, "queue", "mess", qid))
        self.assert_clean_exit(self.remote_send())
        self.assertEqual(self.entries(), [])
        self.assertIn(f"id={qid}: the envelope has no message file",
                      self.site.log())


class FullSpool(RemoteBase):
    """The spool on a small tmpfs (a mount namespace of the test's own)."""

    def setUp(self):
        super().setUp()
        if os.getuid() != 0 or not os.environ.get("YUBIN_NETNS"):
            self.skipTest("needs root in tests/check.sh's mount namespace")
        small = os.path.join(self.site.dir, "small")
        os.makedirs(small)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs",
                        small], check=True)
        self.addCleanup(subprocess.run, ["umount", "-l", small])
        for d in ("mail", "popbsmtp"):
            os.makedirs(os.path.join(small, d))
        self.site.settings["spool"] = small
        self.site.write_conf()
        self.site.spool = small
        self.small = small
        self.filler = os.path.join(small, "filler")

    def fill(self):
        fill_disk(self.filler)

    def free(self):
        os.unlink(self.filler)

    def accept_a_defer_b(self, fill_during_data):
        return self.fake_mx(lambda conn, box: smtp_dialogue(
            conn, box,
            lambda a: "250 ok" if a.startswith("a@") else "450 4.2.1 later",
            self.fill if fill_during_data else None))

    def fake_mx(self, handler):
        mx = FakeMX("127.0.0.7", self.port, handler)
        self.addCleanup(mx.close)
        return mx

    def test_disk_full_after_delivery_never_sends_twice(self):
        mx = self.accept_a_defer_b(fill_during_data=True)
        qid = self.inject_held(["a@acceptor.example", "b@acceptor.example"],
                               "Subject: once\n\nx\n")
        r = self.remote_send()
        self.assertEqual(r.stderr, "")
        self.assertEqual(mx.box["accepted"], ["a@acceptor.example"])
        # the record of it was written in the space reserved before
        with open(os.path.join(self.small, "queue", "info", qid)) as f:
            info = f.read()
        self.assertNotIn("a@acceptor.example", info)
        self.assertIn("rcpt b@acceptor.example\n", info)
        for _ in range(3):  # runs while the disk is still (nearly) full:
            self.remote_send("--flush", expect=None)  # 0 or 111
        self.free()
        self.remote_send("--flush")
        self.assertEqual(mx.box["accepted"], ["a@acceptor.example"])
        self.assertEqual(self.entries(), [qid])

    def test_disk_full_before_delivery_sends_nothing(self):
        mx = self.accept_a_defer_b(fill_during_data=False)
        qid = self.inject_held(["a@acceptor.example"], "Subject: w\n\nx\n")
        self.fill()
        r = self.remote_send(expect=111)
        self.assertEqual(r.stderr, "")
        self.assertEqual(mx.box["connections"], 0)
        self.assertIn("cannot reserve spool space", self.site.log())
        self.assertEqual(self.entries(), [qid])
        self.free()
        self.assertEqual(self.remote_send().returncode, 0)
        self.assertEqual(mx.box["accepted"], ["a@acceptor.example"])
        self.assertEqual(self.entries(), [])
