#!/usr/bin/python3
"""Writes layout/servers.order, the order in which lld lays out the
static servers' code and data (make layout; needs valgrind).

A server starts once per connection, and each 4 KiB page of its binary
that a session touches is a page fault at every connection. Left to the
linker, what one SMTP session uses (its own functions, the C library's,
a few hundred bytes of libc's data here and there) is spread over a 9 MB
binary. This runs the static smtp-in over one session under valgrind:
callgrind names every function it ran, lackey every data object it
read or wrote; the list puts them first, together, so they share pages.
The ifunc resolvers, which run before main, come first.

A stale list costs nothing but pages: lld ignores names it does not find.
"""
import os
import re
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(TOP, sys.argv[1] if len(sys.argv) > 1 else "build")
BIN = os.path.join(BUILD, "bin")
OUT = os.path.join(TOP, "layout", "servers.order")
# string functions come in variants for each instruction set; valgrind's
# CPU picks other ones than the machines the servers run on
VARIANT = re.compile(r"(__\w+?)_(sse2|ssse3|sse4_\d|avx2?|evex|avx512\w*|erms"
                     r"|unaligned\w*)")


def session():
    body = "".join(f"line {i} of a message of about four kilobytes, as "
                   f"the benchmark sends.\r\n" for i in range(60))
    return ("EHLO client.example.net\r\nMAIL FROM:<bench@example.net>\r\n"
            "RCPT TO:<taro@example.com>\r\nDATA\r\n"
            "From: <bench@example.net>\r\nTo: <taro@example.com>\r\n"
            "Subject: layout\r\n\r\n" + body + ".\r\nQUIT\r\n").encode()


def symbols():
    """name -> (address, size, type) from nm, and address -> names."""
    out = subprocess.run(["nm", "-S", os.path.join(BIN, "smtp-in")],
                         capture_output=True, text=True, check=True).stdout
    syms, at = {}, {}
    for line in out.splitlines():
        f = line.split()
        if len(f) == 4:
            syms.setdefault(f[3], (int(f[0], 16), int(f[1], 16), f[2]))
            at.setdefault(int(f[0], 16), []).append(f[3])
        elif len(f) == 3:
            at.setdefault(int(f[0], 16), []).append(f[2])
    return syms, at


def resolvers(at):
    """The ifunc resolvers: the targets of the IRELATIVE relocations."""
    out = subprocess.run(["readelf", "-rW", os.path.join(BIN, "smtp-in")],
                         capture_output=True, text=True, check=True).stdout
    names = []
    for line in out.splitlines():
        if "IRELATIVE" in line:
            names += at.get(int(line.split()[-1], 16), [])
    return names


def valgrind(tool, conf, out, *args):
    subprocess.run(["valgrind", f"--tool={tool}", *args,
                    os.path.join(BIN, "smtp-in"), "-C", conf],
                   input=session(), stdout=subprocess.DEVNULL,
                   stderr=open(out + ".err", "w"), check=True, timeout=300)


def functions_run(conf, tmp):
    out = os.path.join(tmp, "callgrind.out")
    valgrind("callgrind", conf, out, f"--callgrind-out-file={out}")
    names = []
    for line in open(out):
        m = re.match(r"c?fn=\(\d+\) (.+)", line.strip())
        if m:
            names.append(m.group(1).split("'")[0])
    return names


def data_used(conf, tmp, syms):
    out = os.path.join(tmp, "lackey.out")
    valgrind("lackey", conf, out, "--trace-mem=yes", f"--log-file={out}")
    objects = sorted((a, s, n) for n, (a, s, t) in syms.items()
                     if t in "dDbBvVrR" and s > 0)
    starts = [o[0] for o in objects]
    import bisect
    used = {}
    for line in open(out):
        if not line.startswith((" L", " S", " M")):
            continue
        addr = int(line.split()[1].split(",")[0], 16)
        i = bisect.bisect_right(starts, addr) - 1
        if i >= 0 and addr < objects[i][0] + objects[i][1]:
            used[objects[i][2]] = objects[i][1]
    # the small ones first: a page of them instead of one page each
    return sorted(used, key=lambda n: (used[n] >= 2048, used[n], n))


def main():
    sys.path.insert(0, os.path.join(TOP, "tests", "e2e"))
    os.environ["YUBIN_BIN"] = BIN
    import yubintest
    syms, at = symbols()
    site = yubintest.Site(users="taro::\npostmaster::taro\nabuse::taro\n",
                          relay="127.0.0.0/8\n")
    try:
        site.cdbmake()
        with tempfile.TemporaryDirectory() as tmp:
            code = resolvers(at) + functions_run(site.conf, tmp)
            data = data_used(site.conf, tmp, syms)
    finally:
        site.close()
    order, seen = [], set()
    for name in code:
        family = VARIANT.match(name)
        for n in ([name] + sorted(s for s in syms if family and
                                  s.startswith(family.group(1) + "_"))):
            if n in syms and n not in seen:
                seen.add(n)
                order.append(n)
    order += [n for n in data if n not in seen]
    with open(OUT, "w") as f:
        f.write("# lld --symbol-ordering-file for the static servers: "
                "written by layout/mkorder.py\n# (make layout), from one "
                "smtp-in session under valgrind. Code, then data.\n")
        f.write("\n".join(order) + "\n")
    print(f"{OUT}: {len(order)} symbols ({len(data)} data objects)")


main()
