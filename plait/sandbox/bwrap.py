"""The ``bubblewrap`` backend: new user, pid, net, mount, ipc, uts and cgroup namespaces.

``bubblewrap@scientific`` is the same sandbox, usable only when the host's Debian python3 carries
that profile's libraries (they live under /usr, which every run binds read-only).

Read-only binds of /usr only (the interpreter and its stdlib; /usr/local hidden), a size-capped
tmpfs work dir and /tmp, a fresh /proc showing only the sandbox's own processes, an empty
environment for the launcher and exactly the requested one for the program. As root we also run
the launcher as ``nobody`` inside per-run cgroups (memory+swap, pids, CPU accounting); without
root the limits fall back to rlimits. The whole tree dies with the launcher (``--die-with-parent``
and the pid namespace), which the harness kills at the deadline.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import lru_cache

from plait.sandbox import cgroups, harness
from plait.sandbox.local import run_child
from plait.sandbox.types import ExecResult, Limits

NOBODY = 65534
WORKDIR = "/work"
PYTHON = "/usr/bin/python3"
PROFILE_ETC = ("/etc/alternatives", "/etc/matplotlibrc", "/etc/fonts")


def _nproc_of(uid: int) -> int:
    n = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    n += 1
            except OSError:
                pass
    return n


class BubblewrapSandbox:
    name = "bubblewrap"
    isolating = True

    def __init__(self, config: dict | None = None, profile: str = "minimal"):
        config = config or {}
        self._config = config
        self.bwrap = config.get("bwrap") or shutil.which("bwrap") or "/usr/bin/bwrap"
        self.python = config.get("python", PYTHON)
        self.as_root = os.geteuid() == 0
        self.profile = profile
        if profile != "minimal":  # results name the profile: bubblewrap@scientific
            self.name = f"bubblewrap@{profile}"
        self._profile_ok: tuple[bool, str] | None = None

    def for_profile(self, profile: str) -> "BubblewrapSandbox":
        """The same backend, usable only when the host's /usr offers ``profile``'s libraries
        (Debian's python3-* packages; /usr is bound read-only, /usr/local stays hidden)."""
        return BubblewrapSandbox(self._config, profile)

    def available(self) -> tuple[bool, str]:
        ok, why = _probe(self.bwrap, self.python, self.as_root)
        if not ok or self.profile == "minimal":
            return ok, why
        if self._profile_ok is None:
            self._profile_ok = self._probe_profile()
        return self._profile_ok

    def _probe_profile(self) -> tuple[bool, str]:
        # imported inside the sandbox itself, so what counts is what a sandboxed program sees
        from plait.sandbox.profiles import get_profile, probe_source

        profile = get_profile(self.profile)
        res = self.run(["python3", "main.py"], files={"main.py": probe_source(profile).encode()}, stdin=b"",
                       limits=Limits(timeout_s=120, memory_mb=1024), env={})
        if res.status != "ok":
            return False, f"the {profile.name} profile probe ended with {res.status}: {(res.detail or res.stderr)[-300:]}"
        missing = res.stdout.split()
        if missing:
            return False, (f"the host's python3 lacks the {profile.name} profile's libraries; "
                           f"install them: apt-get install {' '.join(missing)}")
        return True, ""

    def _argv(self, limits: Limits) -> list[str]:
        size = str(limits.files_mb * harness.MB)
        argv = [
            self.bwrap,
            "--unshare-all",  # user, ipc, pid, net, uts, cgroup
            "--die-with-parent",
            "--new-session",
            "--clearenv",
            "--hostname", "sandbox",
            "--ro-bind", "/usr", "/usr",
            "--tmpfs", "/usr/local",  # pip-installed packages and tools of the host stay outside
            "--symlink", "usr/bin", "/bin",
            "--symlink", "usr/lib", "/lib",
            "--symlink", "usr/lib64", "/lib64",
            "--symlink", "usr/sbin", "/sbin",
            "--proc", "/proc",
            "--dev", "/dev",
            "--size", size, "--tmpfs", "/dev/shm",
            "--remount-ro", "/dev",
            "--size", size, "--tmpfs", "/tmp",
            "--size", size, "--tmpfs", WORKDIR,
            "--chdir", WORKDIR,
            "--uid", str(NOBODY), "--gid", str(NOBODY),
            "--cap-drop", "ALL",
        ]
        if os.path.exists("/etc/ld.so.cache"):
            argv += ["--ro-bind", "/etc/ld.so.cache", "/etc/ld.so.cache"]
        if self.profile != "minimal":
            # Debian's libraries reach BLAS/LAPACK through /etc/alternatives symlinks, its matplotlib
            # reads /etc/matplotlibrc and fontconfig /etc/fonts: read-only, nothing else of /etc
            argv += [a for path in PROFILE_ETC if os.path.exists(path) for a in ("--ro-bind", path, path)]
        argv += ["--remount-ro", "/"]  # the root bwrap builds is a tmpfs: freeze it after set-up
        return argv + [self.python, "-I", "-S", "-c", harness.BOOTSTRAP]

    def run(self, argv, *, files, stdin, limits, env) -> ExecResult:
        if self.profile != "minimal" and "HOME" not in env:
            env = {**env, "HOME": WORKDIR}  # nltk and matplotlib need a home; the work dir is the writable one
        group = None
        if self.as_root and cgroups.available():
            try:
                # tmpfs pages are charged to the group, so the work dir's cap adds to memory
                group = cgroups.RunCgroup((limits.memory_mb + 2 * limits.files_mb) * harness.MB, limits.pids)
            except OSError:
                group = None
        mem = limits.memory_mb * harness.MB
        if group is None:
            uid = NOBODY if self.as_root else os.geteuid()
            nproc = _nproc_of(uid) + limits.pids
            address_space = mem
        else:
            nproc = None
            address_space = 4 * mem  # backstop only; the cgroup holds the real line
        payload = harness.header_bytes(
            argv, files, env, harness.rlimits(limits, address_space=address_space, nproc=nproc), WORKDIR
        ) + stdin
        procs = group.procs_files if group else []
        as_root = self.as_root

        def preexec() -> None:
            if procs:
                cgroups.enter(procs)
            if as_root:  # the launcher and everything below it run as nobody
                os.setgroups([])
                os.setgid(NOBODY)
                os.setuid(NOBODY)

        try:
            result = run_child(
                self._argv(limits),
                payload=payload,
                limits=limits,
                backend=self.name,
                preexec=preexec,
                extra_kill=group.kill_all if group else None,
                accounting=(lambda: (group.oom_killed(), group.cpu_s(), group.max_rss())) if group else None,
            )
        finally:
            if group is not None:
                group.remove()
        if result.exit_code == 1 and result.stderr.startswith(("bwrap: ", "plait-bootstrap: ")):
            result.status, result.detail = "sandbox_error", result.stderr.strip()[:500]
        return result


@lru_cache(maxsize=4)
def _probe(bwrap: str, python: str, as_root: bool) -> tuple[bool, str]:
    if not os.path.exists(bwrap):
        return False, "bwrap not found (install it: apt-get install bubblewrap)"
    if not os.path.exists(python):
        return False, f"{python} not found (install python3 from the system packages)"

    def drop() -> None:
        if as_root:
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)

    try:
        proc = subprocess.run(
            [bwrap, "--unshare-all", "--die-with-parent", "--ro-bind", "/usr", "/usr",
             "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/bin", "/bin",
             "--proc", "/proc", "--dev", "/dev", python, "-S", "-c", "print('ok')"],
            capture_output=True, timeout=20, env={}, preexec_fn=drop, stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"bubblewrap probe failed: {exc}"
    if proc.returncode != 0 or proc.stdout.strip() != b"ok":
        return False, f"bubblewrap cannot create namespaces here: {proc.stderr.decode(errors='replace').strip()[:300]}"
    return True, ""
