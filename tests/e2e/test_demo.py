"""The README's demo command: builds its site and serves it on loopback."""
import os
import poplib
import re
import smtplib
import shutil
import subprocess
import sys
import tempfile

from yubintest import BIN, SiteTest, connect, recv_all

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


class Demo(SiteTest):
    def test_demo_serves_the_sample_site(self):
        d = tempfile.mkdtemp(prefix="yubin-demo.")
        self.addCleanup(shutil.rmtree, d, True)
        env = dict(os.environ, DEMO_DIR=d, DEMO_SECONDS="20")
        build = os.path.dirname(BIN)
        p = subprocess.Popen([sys.executable, os.path.join(TOP, "tests",
                                                           "demo.py"), build],
                             env=env, stdout=subprocess.PIPE, text=True)
        self.addCleanup(p.wait, 30)
        self.addCleanup(p.terminate)
        out = ""
        while "Stop with Ctrl-C." not in out:
            line = p.stdout.readline()
            self.assertTrue(line, "demo ended early: " + out)
            out += line
        for line in ("smtp       127.0.0.1:2525", "pop3       127.0.0.1:2110",
                     "finger     127.0.0.1:2079", "submissions 127.0.0.1:2465",
                     "pop3s      127.0.0.1:2995", "Send:   swaks", "Read:"):
            self.assertIn(line, out)
        # every instruction, run as printed (the words after three
        # spaces are a remark), in order
        for label in ("Send:", "TLS:", "Read:", "Status:", "Look:"):
            [line] = [x for x in out.splitlines() if x.startswith(label)]
            cmd = line[len(label):].strip().split("   ")[0]
            if label == "Look:":
                cmd = cmd.split(";")[0]
            r = subprocess.run(["sh", "-c", cmd], capture_output=True,
                               text=True, timeout=60)
            self.assertEqual(r.returncode, 0, (cmd, r.stdout, r.stderr))
            if label == "Read:":
                self.assertRegex(r.stdout, r"^\(3, \d+\)\n$")
            if label == "Status:":
                # read by the step before: in cur/ now
                self.assertIn("Messages: 3 (0 new)", r.stdout)
            if label == "Look:":
                self.assertEqual(len(re.findall(r"^\d+\.\S+$", r.stdout,
                                                re.M)), 3)
        with connect(2079) as s:
            s.sendall(b"taro\r\n")
            reply = recv_all(s).decode()
        self.assertIn("Messages: 3 (0 new)", reply)
        c = smtplib.SMTP("127.0.0.1", 2525, timeout=20)
        c.sendmail("you@example.net", ["taro@example.com"],
                   b"Subject: hello from the demo test\r\n\r\nhi\r\n")
        c.quit()
        p3 = poplib.POP3("127.0.0.1", 2110, timeout=20)
        p3.user("taro")
        p3.pass_("demo")
        subjects = [b"".join(l for l in p3.top(i, 0)[1]
                             if l.startswith(b"Subject"))
                    for i in range(1, p3.stat()[0] + 1)]
        p3.quit()
        import ssl
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE  # the demo's self-signed one
        p3s = poplib.POP3_SSL("127.0.0.1", 2995, timeout=20, context=ctx)
        p3s.user("taro")
        p3s.pass_("demo")
        p3s.quit()
        self.assertIn(b"Subject: hello from the demo test", subjects)
        self.assertIn(b"Subject: Welcome to yubin", subjects)
        self.assertTrue(os.path.exists(os.path.join(d, "conf", "users.cdb")))
        p.terminate()
        self.assertIn("yubin demo stopped.", p.communicate(timeout=30)[0])
