#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Runs a command the way systemd runs a service's ExecStart=, for machines
whose PID 1 is not systemd (this one's is not): the unit file's sandbox is
read from the unit and applied with the kernel's own interfaces, in
systemd's order.

    unit_exec.py UNIT --uid N --gid N [--bind SRC:DST]... -- COMMAND...

Stage 1 (root): a private mount namespace with ProtectSystem=strict,
ProtectHome=, PrivateTmp=, PrivateDevices=, ProtectKernelTunables=,
ProtectControlGroups=, ProtectProc=/ProcSubset=, and the binds (the test's
folders in place of LogsDirectory=/StateDirectory=, which stay writable);
UMask=. Then setpriv(1) takes the user and group (no supplementary groups:
the system user has none), the capability bounding, inheritable and ambient
sets (CapabilityBoundingSet=, AmbientCapabilities=) and no_new_privs, and
runs stage 2.

Stage 2 (as the user): seccomp filters as systemd 252 builds them, each its
own filter: SystemCallFilter= (an allow list: @default is implied, later
lines add or remove, SystemCallErrorNumber= for the rest,
SystemCallArchitectures=native), RestrictAddressFamilies= (socket() of any
other family: EAFNOSUPPORT), MemoryDenyWriteExecute= (mmap writable and
executable, mprotect/pkey_mprotect to executable, shmat SHM_EXEC: EPERM),
RestrictNamespaces= (setns, unshare and clone with namespace flags: EPERM;
clone3: ENOSYS so that glibc falls back to clone), LockPersonality=; then
execve of the command, which keeps the ambient capabilities.

Not applied (systemd does, but there is nothing here to check with them or
the syscall filter already covers them): PrivateIPC=, ProtectHostname='s UTS
namespace, RestrictRealtime= and RestrictSUIDSGID= (their system calls'
arguments), DeviceAllow=, ProtectClock=, RemoveIPC=.
"""
import ctypes
import ctypes.util
import errno
import os
import re
import shutil
import subprocess
import sys

ALL_CAPS = [
    "chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill", "setgid",
    "setuid", "setpcap", "linux_immutable", "net_bind_service", "net_broadcast",
    "net_admin", "net_raw", "ipc_lock", "ipc_owner", "sys_module", "sys_rawio",
    "sys_chroot", "sys_ptrace", "sys_pacct", "sys_admin", "sys_boot", "sys_nice",
    "sys_resource", "sys_time", "sys_tty_config", "mknod", "lease", "audit_write",
    "audit_control", "setfcap", "mac_override", "mac_admin", "syslog", "wake_alarm",
    "block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore"]

AF = {"AF_UNIX": 1, "AF_LOCAL": 1, "AF_INET": 2, "AF_INET6": 10, "AF_NETLINK": 16,
      "AF_PACKET": 17, "AF_XDP": 44}


def parse_unit(path):
    """[Service] settings: key -> list of values, in order."""
    svc, section = {}, None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line[0] in "#;":
                continue
            if line.startswith("["):
                section = line
                continue
            if section == "[Service]" and "=" in line:
                k, v = line.split("=", 1)
                svc.setdefault(k.strip(), []).append(v.strip())
    return svc


def yes(svc, key):
    v = svc.get(key, ["no"])[-1].lower()
    return v in ("yes", "true", "1", "on")


def caps_of(svc, key):
    out = []
    for v in svc.get(key, []):
        for c in v.split():
            c = c.lower()
            if not c.startswith("cap_") or c[4:] not in ALL_CAPS:
                sys.exit("unit_exec: %s: unknown capability %s" % (key, c))
            out.append(c[4:])
    return out


# ---- stage 1: mounts ---------------------------------------------------------

libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MS_NOATIME, MS_NODIRATIME, MS_RELATIME = 1024, 2048, 1 << 21
CLONE_NEWNS = 0x00020000


def mount(src, dst, fstype, flags, data=None):
    if libc.mount(src and src.encode(), dst.encode(), fstype and fstype.encode(),
                  ctypes.c_ulong(flags), data and data.encode()) != 0:
        e = ctypes.get_errno()
        raise OSError(e, "mount %s on %s: %s" % (src or fstype, dst, os.strerror(e)))


def mountinfo():
    """(mount point, per-mount flags) of every mount, parents first."""
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            p = line.split()
            mp = p[4].encode().decode("unicode_escape")
            fl = 0
            for o in p[5].split(","):
                fl |= {"nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC,
                       "noatime": MS_NOATIME, "nodiratime": MS_NODIRATIME,
                       "relatime": MS_RELATIME}.get(o, 0)
            out.append((mp, fl))
    return out


def under(path, top):
    return path == top or path.startswith(top.rstrip("/") + "/")


def stage1(svc, args):
    if libc.unshare(CLONE_NEWNS) != 0:
        sys.exit("unit_exec: unshare(CLONE_NEWNS): %s" % os.strerror(ctypes.get_errno()))
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    # PrivateDevices: the device nodes it keeps, opened before /dev is covered
    keep_dev = {}
    if yes(svc, "PrivateDevices"):
        for d in ("null", "zero", "full", "random", "urandom", "tty"):
            if os.path.exists("/dev/" + d):
                keep_dev[d] = os.open("/dev/" + d, os.O_PATH)
    # the binds (the unit's writable folders), onto a tmpfs where the
    # target does not exist (so that nothing is made on the host)
    covered = []
    for b in args.binds:
        src, dst = b.split(":", 1)
        if not os.path.isdir(dst):
            parent = os.path.dirname(dst.rstrip("/"))
            if parent not in covered:  # read-only below, like the rest
                mount("tmpfs", parent, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755")
                covered.append(parent)
            os.makedirs(dst, exist_ok=True)
        mount(src, dst, None, MS_BIND | MS_REC)
    binds = [b.split(":", 1)[1] for b in args.binds]
    # ProtectSystem=strict: everything read-only but the API file systems
    # (/dev, /proc, /sys; those have options of their own) and the binds
    strict = svc.get("ProtectSystem", ["no"])[-1] == "strict"
    tunables = yes(svc, "ProtectKernelTunables") or yes(svc, "ProtectControlGroups")
    if strict or tunables:
        for mp, fl in mountinfo():
            if any(under(mp, b) for b in binds):
                continue
            if under(mp, "/dev") or under(mp, "/proc"):
                continue
            if under(mp, "/sys") and not tunables:
                continue
            if not under(mp, "/sys") and not strict:
                continue
            try:
                mount(None, mp, None, MS_REMOUNT | MS_BIND | MS_RDONLY | fl)
            except OSError as e:
                if e.errno not in (errno.ENOENT, errno.EACCES):
                    raise
    if yes(svc, "ProtectHome"):
        for h in ("/home", "/root", "/run/user"):
            if os.path.isdir(h):
                mount("tmpfs", h, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY,
                      "mode=0000")
    if yes(svc, "PrivateTmp"):
        for t in ("/tmp", "/var/tmp"):
            if os.path.isdir(t):
                mount("tmpfs", t, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777")
    if keep_dev:
        mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755")
        for d, fd in keep_dev.items():
            open("/dev/" + d, "w").close()
            mount("/proc/self/fd/%d" % fd, "/dev/" + d, None, MS_BIND)
            os.close(fd)
        os.mkdir("/dev/shm", 0o1777)
        mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777")
        for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                             ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
            os.symlink(target, "/dev/" + name)
        mount(None, "/dev", None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NOEXEC)
    proc_opts = []
    pp = svc.get("ProtectProc", ["default"])[-1]
    if pp in ("invisible", "noaccess", "ptraceable"):
        proc_opts.append("hidepid=" + pp)
    if svc.get("ProcSubset", ["all"])[-1] == "pid":
        proc_opts.append("subset=pid")
    if proc_opts:
        mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, ",".join(proc_opts))
    um = svc.get("UMask", ["0022"])[-1]
    os.umask(int(um, 8))

    # user, group, capabilities, no_new_privs: setpriv, then stage 2
    caps = caps_of(svc, "CapabilityBoundingSet") if "CapabilityBoundingSet" in svc else ALL_CAPS
    amb = caps_of(svc, "AmbientCapabilities")
    cl = ",".join("+" + c for c in caps)
    al = ",".join("+" + c for c in amb)
    sp = [shutil.which("setpriv"), "--reuid=%d" % args.uid, "--regid=%d" % args.gid,
          "--clear-groups", "--bounding-set=-all" + ("," + cl if cl else ""),
          "--inh-caps=-all" + ("," + al if al else "")]
    if amb:
        sp.append("--ambient-caps=-all," + al)
    # SystemCallFilter= implies NoNewPrivileges= for a non-root user
    if yes(svc, "NoNewPrivileges") or svc.get("SystemCallFilter"):
        sp.append("--no-new-privs")
    if not yes(svc, "NoNewPrivileges"):
        sys.exit("unit_exec: the unit should say NoNewPrivileges=yes")
    # the system python: ProtectHome= may hide the one running this
    me = ["/usr/bin/python3", os.path.abspath(__file__), "--stage2", args.unit, "--"]
    os.execv(sp[0], sp + ["--"] + me + args.command)


# ---- stage 2: seccomp --------------------------------------------------------

SCMP_ACT_ALLOW = 0x7FFF0000
SCMP_ACT_KILL_PROCESS = 0x80000000


def scmp_errno(e):
    return 0x00050000 | (e & 0xFFFF)


class ArgCmp(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int),
                ("datum_a", ctypes.c_uint64), ("datum_b", ctypes.c_uint64)]


SCMP_CMP_NE, SCMP_CMP_GE, SCMP_CMP_EQ, SCMP_CMP_MASKED_EQ = 1, 5, 4, 7

sc = ctypes.CDLL("libseccomp.so.2", use_errno=True)
sc.seccomp_init.restype = ctypes.c_void_p
sc.seccomp_init.argtypes = [ctypes.c_uint32]
sc.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
sc.seccomp_syscall_resolve_name.restype = ctypes.c_int
sc.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int,
                                      ctypes.c_uint, ctypes.POINTER(ArgCmp)]
sc.seccomp_load.argtypes = [ctypes.c_void_p]
sc.seccomp_release.argtypes = [ctypes.c_void_p]


class Filter:
    def __init__(self, default):
        self.ctx = sc.seccomp_init(default)
        if not self.ctx:
            sys.exit("unit_exec: seccomp_init failed")

    def rule(self, action, name, *cmps):
        nr = sc.seccomp_syscall_resolve_name(name.encode())
        if nr < 0:
            return False  # not a system call of this architecture
        arr = (ArgCmp * max(1, len(cmps)))(*[ArgCmp(*c) for c in cmps])
        rc = sc.seccomp_rule_add_array(self.ctx, action, nr, len(cmps), arr)
        if rc < 0:
            sys.exit("unit_exec: seccomp rule for %s: %s" % (name, os.strerror(-rc)))
        return True

    def load(self):
        rc = sc.seccomp_load(self.ctx)
        if rc < 0:
            sys.exit("unit_exec: seccomp_load: %s" % os.strerror(-rc))
        sc.seccomp_release(self.ctx)


_groups = {}


def expand(name):
    """The system calls of a name or @group (systemd-analyze's tables)."""
    if not name.startswith("@"):
        return {name}
    if name not in _groups:
        out = subprocess.run(["systemd-analyze", "syscall-filter", name], capture_output=True,
                             text=True, check=True).stdout
        s = set()
        for line in out.splitlines():
            if not line.startswith("    "):
                continue
            item = line.strip()
            if not item or item.startswith("#"):
                continue
            s |= expand(item)
        _groups[name] = s
    return _groups[name]


def allowed_syscalls(svc):
    """The allow list as systemd builds it from SystemCallFilter= lines."""
    lines = svc.get("SystemCallFilter", [])
    if not lines:
        return None
    if lines[0].startswith("~"):
        sys.exit("unit_exec: expected an allow list first in SystemCallFilter=")
    allow = expand("@default")
    for v in lines:
        if v == "":
            sys.exit("unit_exec: SystemCallFilter= reset is not handled")
        deny = v.startswith("~")
        names = set()
        for n in v.lstrip("~").split():
            names |= expand(n)
        allow = allow - names if deny else allow | names
    # always allowed (systemd.exec(5))
    allow |= {"execve", "exit", "exit_group", "getrlimit", "rt_sigreturn", "sigreturn"}
    return allow


def stage2(svc, command):
    err = svc.get("SystemCallErrorNumber", [None])[-1]
    allow = allowed_syscalls(svc)
    fams = svc.get("RestrictAddressFamilies")
    if fams:
        want = set()
        for v in fams:
            if v.startswith("~"):
                sys.exit("unit_exec: expected an allow list in RestrictAddressFamilies=")
            want |= {AF[a] for a in v.split()}
        f = Filter(SCMP_ACT_ALLOW)
        for fam in range(0, 64):
            if fam not in want:
                f.rule(scmp_errno(errno.EAFNOSUPPORT), "socket", (0, SCMP_CMP_EQ, fam, 0))
        f.rule(scmp_errno(errno.EAFNOSUPPORT), "socket", (0, SCMP_CMP_GE, 64, 0))
        f.load()
    if yes(svc, "MemoryDenyWriteExecute"):
        PROT_WRITE, PROT_EXEC, SHM_EXEC = 2, 4, 0o100000
        f = Filter(SCMP_ACT_ALLOW)
        wx = PROT_WRITE | PROT_EXEC
        f.rule(scmp_errno(errno.EPERM), "mmap", (2, SCMP_CMP_MASKED_EQ, wx, wx))
        f.rule(scmp_errno(errno.EPERM), "mprotect", (2, SCMP_CMP_MASKED_EQ, PROT_EXEC, PROT_EXEC))
        f.rule(scmp_errno(errno.EPERM), "pkey_mprotect",
               (2, SCMP_CMP_MASKED_EQ, PROT_EXEC, PROT_EXEC))
        f.rule(scmp_errno(errno.EPERM), "shmat", (2, SCMP_CMP_MASKED_EQ, SHM_EXEC, SHM_EXEC))
        f.load()
    if yes(svc, "RestrictNamespaces"):
        flags = [0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000,
                 0x40000000, 0x00000080]
        f = Filter(SCMP_ACT_ALLOW)
        f.rule(scmp_errno(errno.EPERM), "setns")
        for fl in flags:
            f.rule(scmp_errno(errno.EPERM), "unshare", (0, SCMP_CMP_MASKED_EQ, fl, fl))
            f.rule(scmp_errno(errno.EPERM), "clone", (0, SCMP_CMP_MASKED_EQ, fl, fl))
        f.rule(scmp_errno(errno.ENOSYS), "clone3")
        f.load()
    if yes(svc, "LockPersonality"):
        f = Filter(SCMP_ACT_ALLOW)
        cur = libc.personality(0xFFFFFFFF)
        f.rule(scmp_errno(errno.EPERM), "personality", (0, SCMP_CMP_NE, cur, 0))
        f.load()
    # the allow list last: loading a filter is not in it
    if allow is not None:
        if svc.get("SystemCallArchitectures", [""])[-1] != "native":
            sys.exit("unit_exec: expected SystemCallArchitectures=native")
        default = scmp_errno(getattr(errno, err)) if err else SCMP_ACT_KILL_PROCESS
        f = Filter(default)  # native architecture only: others are killed
        for name in sorted(allow):
            f.rule(SCMP_ACT_ALLOW, name)
        f.load()
    os.execvp(command[0], command)


class Args:
    pass


def main(argv):
    if "--" not in argv:
        sys.exit(__doc__)
    i = argv.index("--")
    opts, command = argv[:i], argv[i + 1:]
    if not command:
        sys.exit("unit_exec: no command")
    if opts and opts[0] == "--stage2":
        stage2(parse_unit(opts[1]), command)
        return
    a = Args()
    a.unit, a.uid, a.gid, a.binds, a.command = None, None, None, [], command
    k = 0
    while k < len(opts):
        o = opts[k]
        if o in ("--uid", "--gid", "--bind") and k + 1 < len(opts):
            v = opts[k + 1]
            k += 2
            if o == "--uid":
                a.uid = int(v)
            elif o == "--gid":
                a.gid = int(v)
            else:
                if not re.match(r"^/[^:]*:/[^:]*$", v):
                    sys.exit("unit_exec: --bind SRC:DST, absolute paths")
                a.binds.append(v)
        elif a.unit is None:
            a.unit = o
            k += 1
        else:
            sys.exit("unit_exec: unexpected %s" % o)
    if a.unit is None or a.uid is None or a.gid is None:
        sys.exit(__doc__)
    if os.getuid() != 0:
        sys.exit("unit_exec: stage 1 needs root")
    stage1(parse_unit(a.unit), a)


if __name__ == "__main__":
    main(sys.argv[1:])
