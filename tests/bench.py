"""make bench: the benchmarks, printed as plain figures.

cdbmake-users: compile a users file of 100,000 accounts (target: under
1 s), then 1,000,000 random recipient lookups in the result.
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


def main():
    print(f"yubin benchmarks ({os.cpu_count()} cores)")
    bench_cdbmake()


main()
