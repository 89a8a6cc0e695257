"""Thin ctypes wrappers over the Linux isolation primitives the sandbox uses.

Everything here is feature-detected: a primitive that is missing raises ``OSError`` (or returns
``None``/``False``) and the caller records it in the isolation report instead of crashing.
Only x86_64/aarch64 Linux is targeted; other platforms simply get fewer features.
"""

from __future__ import annotations

import ctypes
import errno
import os

_libc = ctypes.CDLL(None, use_errno=True)

# --- namespaces / mounts -------------------------------------------------------------------------

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWTIME = 0x00000080
CLONE_THREAD = 0x00010000
NAMESPACE_FLAGS = (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID
                   | CLONE_NEWNET | CLONE_NEWCGROUP | CLONE_NEWTIME)

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18


def _err(what: str) -> OSError:
    e = ctypes.get_errno()
    return OSError(e, f"{what}: {os.strerror(e)}")


def unshare(flags: int) -> None:
    if _libc.unshare(ctypes.c_int(flags)) != 0:
        raise _err("unshare")


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    enc = (lambda s: None if s is None else os.fsencode(s))
    if _libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)) != 0:
        raise _err(f"mount {target}")


# --- prctl ----------------------------------------------------------------------------------------

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_NO_NEW_PRIVS = 38


def prctl(option: int, arg2: int = 0) -> None:
    if _libc.prctl(ctypes.c_int(option), ctypes.c_ulong(arg2), ctypes.c_ulong(0), ctypes.c_ulong(0),
                   ctypes.c_ulong(0)) != 0:
        raise _err(f"prctl({option})")


# --- Landlock -------------------------------------------------------------------------------------

_SYS_landlock_create_ruleset = 444
_SYS_landlock_add_rule = 445
_SYS_landlock_restrict_self = 446
_LANDLOCK_CREATE_RULESET_VERSION = 1
_LANDLOCK_RULE_PATH_BENEATH = 1

FS_EXECUTE = 1 << 0
FS_WRITE_FILE = 1 << 1
FS_READ_FILE = 1 << 2
FS_READ_DIR = 1 << 3
FS_REMOVE_DIR = 1 << 4
FS_REMOVE_FILE = 1 << 5
FS_MAKE_CHAR = 1 << 6
FS_MAKE_DIR = 1 << 7
FS_MAKE_REG = 1 << 8
FS_MAKE_SOCK = 1 << 9
FS_MAKE_FIFO = 1 << 10
FS_MAKE_BLOCK = 1 << 11
FS_MAKE_SYM = 1 << 12
FS_REFER = 1 << 13       # ABI 2
FS_TRUNCATE = 1 << 14    # ABI 3
FS_IOCTL_DEV = 1 << 15   # ABI 5
NET_BIND_TCP = 1 << 0    # ABI 4
NET_CONNECT_TCP = 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0  # ABI 6
SCOPE_SIGNAL = 1 << 1

FILE_RIGHTS = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV
READ_RIGHTS = FS_EXECUTE | FS_READ_FILE | FS_READ_DIR


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _syscall(nr: int, *args) -> int:
    _libc.syscall.restype = ctypes.c_long
    return _libc.syscall(ctypes.c_long(nr), *args)


def landlock_abi() -> int:
    """Landlock ABI version, 0 when unavailable (not built in, disabled, or not Linux x86)."""
    try:
        v = _syscall(_SYS_landlock_create_ruleset, None, ctypes.c_size_t(0),
                     ctypes.c_uint32(_LANDLOCK_CREATE_RULESET_VERSION))
    except Exception:  # noqa: BLE001 - no syscall() in libc
        return 0
    return max(int(v), 0)


def landlock_fs_rights(abi: int) -> int:
    rights = (1 << 13) - 1
    if abi >= 2:
        rights |= FS_REFER
    if abi >= 3:
        rights |= FS_TRUNCATE
    if abi >= 5:
        rights |= FS_IOCTL_DEV
    return rights


class Landlock:
    """A ruleset under construction: ``allow`` path fds, then ``restrict_self`` (needs no_new_privs)."""

    def __init__(self, abi: int) -> None:
        self.abi = abi
        self.fs = landlock_fs_rights(abi)
        attr = _RulesetAttr(self.fs, (NET_BIND_TCP | NET_CONNECT_TCP) if abi >= 4 else 0,
                            (SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL) if abi >= 6 else 0)
        size = 24 if abi >= 6 else 16 if abi >= 4 else 8
        fd = _syscall(_SYS_landlock_create_ruleset, ctypes.byref(attr), ctypes.c_size_t(size),
                      ctypes.c_uint32(0))
        if fd < 0:
            raise _err("landlock_create_ruleset")
        self.fd = int(fd)

    def allow(self, path_fd: int, rights: int, is_dir: bool) -> None:
        rights &= self.fs if is_dir else (self.fs & FILE_RIGHTS)
        attr = _PathBeneathAttr(rights, path_fd)
        if _syscall(_SYS_landlock_add_rule, ctypes.c_int(self.fd), ctypes.c_int(_LANDLOCK_RULE_PATH_BENEATH),
                    ctypes.byref(attr), ctypes.c_uint32(0)) != 0:
            raise _err("landlock_add_rule")

    def restrict_self(self) -> None:
        if _syscall(_SYS_landlock_restrict_self, ctypes.c_int(self.fd), ctypes.c_uint32(0)) != 0:
            raise _err("landlock_restrict_self")
        os.close(self.fd)
        self.fd = -1


# --- seccomp (via pyseccomp -> libseccomp.so.2) --------------------------------------------------

# Syscalls denied outright with EPERM. Unknown names on this architecture are skipped.
DENY_EPERM = (
    # process creation / program execution
    "fork", "vfork", "execve", "execveat",
    # networking (the zygote's netns is empty anyway)
    "socket", "socketpair",
    # debugging / other processes' memory
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_open", "pidfd_getfd",
    "pidfd_send_signal", "tkill",
    # namespaces, mounts, roots
    "unshare", "setns", "mount", "umount2", "chroot", "pivot_root", "move_mount", "open_tree",
    "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
    # memory outside RLIMIT_AS and state that outlives the task: memfd files, System V shared
    # memory / message queues / semaphores, POSIX message queues (POSIX shm is /dev/shm, which
    # the zygote covers with an empty read-only tmpfs and Landlock does not grant)
    "memfd_create", "memfd_secret", "shmget", "shmat", "shmctl", "shmdt", "msgget", "msgsnd",
    "msgrcv", "msgctl", "semget", "semop", "semtimedop", "semctl", "mq_open", "mq_unlink",
    "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr",
    # session/group games (the pool kills workers by process group)
    "setsid", "setpgid",
    # credentials
    "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setgroups", "setfsuid",
    "setfsgid", "capset",
    # kernel attack surface not needed to draw a figure
    "bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key", "request_key", "io_uring_setup",
    "io_uring_enter", "io_uring_register", "personality", "open_by_handle_at", "name_to_handle_at",
    "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load", "reboot",
    "swapon", "swapoff", "acct", "quotactl", "quotactl_fd", "syslog", "vhangup", "uselib", "ustat",
    "sysfs", "lookup_dcookie", "fanotify_init", "settimeofday", "clock_settime", "clock_adjtime",
    "adjtimex", "sethostname", "setdomainname", "iopl", "ioperm", "mbind", "migrate_pages",
    "move_pages", "set_mempolicy", "remap_file_pages",
)


def seccomp_available() -> tuple[bool, str]:
    try:
        import pyseccomp  # noqa: F401
    except Exception as e:  # noqa: BLE001 - ImportError or OSError from a missing libseccomp.so
        return False, f"pyseccomp unavailable: {type(e).__name__}: {e}"
    return True, "pyseccomp " + getattr(pyseccomp, "__version__", "?")


PID_PLACEHOLDER = 0x7A5CB3D1  # patched into the compiled program per child (see SeccompProgram)


def compile_seccomp() -> bytes:
    """Compile the deny-list filter once (libseccomp is slow to build rules: ~6 ms) and return the
    raw BPF program. Rules that need the child's pid compare against :data:`PID_PLACEHOLDER`;
    :class:`SeccompProgram` patches the real pid in.

    Threads stay possible (clone with CLONE_THREAD); process clones, clone3 (ENOSYS, so glibc falls
    back to clone whose flags can be inspected), exec, sockets, signals to other processes and the
    kernel surfaces above are refused with EPERM. Syscalls of foreign ABIs (i386, x32) kill.
    """
    import pyseccomp as sc

    f = sc.SyscallFilter(sc.ALLOW)
    eperm = sc.ERRNO(errno.EPERM)

    def add(action: int, name: str, *args) -> None:
        if sc.resolve_syscall(sc.Arch.NATIVE, name) < 0:  # not a syscall on this architecture
            return
        f.add_rule(action, name, *args)  # any other failure propagates: fail closed

    for name in DENY_EPERM:
        add(eperm, name)
    add(sc.ERRNO(errno.ENOSYS), "clone3")
    add(eperm, "clone", sc.Arg(0, sc.MASKED_EQ, CLONE_THREAD, 0))
    for flag in (CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET,
                 CLONE_NEWCGROUP, CLONE_NEWTIME):
        add(eperm, "clone", sc.Arg(0, sc.MASKED_EQ, flag, flag))
    # signals only to ourselves
    for name in ("kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo"):
        add(eperm, name, sc.Arg(0, sc.NE, PID_PLACEHOLDER))
    fd = os.memfd_create("seccomp-bpf")
    try:
        with os.fdopen(os.dup(fd), "wb") as fh:
            f.export_bpf(fh)
        size = os.fstat(fd).st_size
        prog = os.pread(fd, size, 0)
    finally:
        os.close(fd)
    if not prog or len(prog) % 8:
        raise OSError(errno.EINVAL, "seccomp: empty or malformed BPF export")
    if prog.count(PID_PLACEHOLDER.to_bytes(4, "little")) < 1:
        raise OSError(errno.EINVAL, "seccomp: pid placeholder not found in the compiled program")
    return prog


class SeccompProgram:
    """A compiled program plus the offsets of the pid placeholder (patched per child in O(rules))."""

    def __init__(self, prog: bytes) -> None:
        self.prog = prog
        ph = PID_PLACEHOLDER.to_bytes(4, "little")
        # struct sock_filter {u16 code; u8 jt; u8 jf; u32 k;}: only ever patch a k field
        self.offsets = [off + 4 for off in range(0, len(prog), 8) if prog[off + 4:off + 8] == ph]

    def for_pid(self, pid: int) -> bytes:
        out = bytearray(self.prog)
        real = (pid & 0xFFFFFFFF).to_bytes(4, "little")
        for off in self.offsets:
            out[off:off + 4] = real
        return bytes(out)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2


def load_bpf(prog: bytes) -> None:
    """Install a raw BPF seccomp program in the calling thread (needs no_new_privs first)."""
    buf = ctypes.create_string_buffer(prog, len(prog))
    fprog = _SockFprog(len(prog) // 8, ctypes.cast(buf, ctypes.c_void_p))
    if _libc.prctl(ctypes.c_int(PR_SET_SECCOMP), ctypes.c_ulong(SECCOMP_MODE_FILTER),
                   ctypes.byref(fprog), ctypes.c_ulong(0), ctypes.c_ulong(0)) != 0:
        raise _err("prctl(PR_SET_SECCOMP)")
