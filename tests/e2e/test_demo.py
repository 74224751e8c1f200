"""The README's demo command: builds its site and serves it on loopback."""
import os
import shutil
import subprocess
import sys
import tempfile
import time

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
        self.assertIn("finger     127.0.0.1:2079", out)
        with connect(2079) as s:
            s.sendall(b"taro\r\n")
            reply = recv_all(s).decode()
        self.assertIn("Messages: 1 (1 new)", reply)
        self.assertTrue(os.path.exists(os.path.join(d, "conf", "users.cdb")))
        p.terminate()
        self.assertIn("yubin demo stopped.", p.communicate(timeout=30)[0])
