#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Run inside the sandbox of tests/service/unit_exec.py: what the unit
allows and refuses, one "name: result" line each, so that live.sh can
check that the sandbox is really there (a sandbox that silently allowed
everything would let the sensor's runs pass for nothing)."""
import ctypes
import mmap
import os
import socket
import sys

libc = ctypes.CDLL(None, use_errno=True)
uid = int(sys.argv[1])


def res(name, fn):
    try:
        r = fn()
        print("%s: %s" % (name, "ok" if r is None else r))
    except OSError as e:
        print("%s: %s" % (name, os.strerror(e.errno)))


def write(path):
    with open(path, "w") as f:
        f.write("x")
    os.unlink(path)


def sock(fam, typ):
    socket.socket(fam, typ).close()


def call(fn, *args):
    if fn(*args) != 0:
        raise OSError(ctypes.get_errno(), "")


def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return line.split(":", 1)[1].strip()


res("write /etc", lambda: write("/etc/vigil-probe"))
res("write /usr", lambda: write("/usr/vigil-probe"))
res("write /var/log/vigil", lambda: write("/var/log/vigil/probe"))
res("write /var/lib/vigil", lambda: write("/var/lib/vigil/probe"))
res("read /root", lambda: os.listdir("/root") and None)
res("/proc/1", lambda: "visible" if os.path.exists("/proc/1") else "hidden")
res("/proc/sys", lambda: "visible" if os.path.exists("/proc/sys") else "hidden")
res("/dev/sda or vda", lambda: "present" if any(os.path.exists("/dev/" + d) for d in ("sda", "vda"))
    else "absent")
res("socket AF_INET", lambda: sock(socket.AF_INET, socket.SOCK_DGRAM))
res("socket AF_BLUETOOTH", lambda: sock(31, socket.SOCK_STREAM))
res("mmap W+X", lambda: mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    and None)
res("unshare(CLONE_NEWNET)", lambda: call(libc.unshare, 0x40000000))
res("setresuid(own)", lambda: call(libc.setresuid, uid, uid, uid))
res("setresuid(0)", lambda: call(libc.setresuid, 0, 0, 0))
res("sethostname", lambda: call(libc.sethostname, b"x", 1))
res("NoNewPrivs", lambda: status("NoNewPrivs"))
res("Seccomp", lambda: status("Seccomp"))
