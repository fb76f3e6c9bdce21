"""Running a local child under the harness: spawn, watch with ``wait4`` (for CPU and RSS), kill.

Shared by the ``bubblewrap`` and ``process`` backends.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import time
from typing import Callable

from plait.sandbox import harness
from plait.sandbox.types import ExecResult, Limits


class Child:
    def __init__(self, argv: list[str], *, cwd: str, preexec: Callable[[], None] | None):
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env={},  # the launcher itself gets an empty environment: nothing to leak via /proc
            start_new_session=True,
            close_fds=True,
            preexec_fn=preexec,
        )
        self.returncode: int | None = None
        self.rusage: resource.struct_rusage | None = None

    def _reap(self, flags: int) -> bool:
        if self.returncode is not None:
            return True
        try:
            pid, status, rusage = os.wait4(self.proc.pid, flags)
        except ChildProcessError:
            self.returncode = self.returncode if self.returncode is not None else -9
            return True
        if pid == 0:
            return False
        self.returncode = os.waitstatus_to_exitcode(status)
        self.proc.returncode = self.returncode  # keep Popen from waiting again
        self.rusage = rusage
        return True

    def exited(self) -> bool:
        return self._reap(os.WNOHANG)

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def wait(self, until: float) -> bool:
        """Wait until the monotonic time ``until``; past it, kill. True if we had to kill."""
        delay = 0.001
        while not self._reap(os.WNOHANG):
            if time.monotonic() >= until:
                self.kill()
                self._reap(0)
                return True
            time.sleep(delay)
            delay = min(delay * 2, 0.05)
        return False

    def close(self) -> None:
        for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                if f is not None:
                    f.close()
            except OSError:
                pass


def run_child(
    argv: list[str],
    *,
    payload: bytes,
    limits: Limits,
    backend: str,
    cwd: str = "/",
    preexec: Callable[[], None] | None = None,
    extra_kill: Callable[[], None] | None = None,
    accounting: Callable[[], tuple[bool, float | None, int | None]] | None = None,
    high_codes_are_signals: bool = True,
) -> ExecResult:
    """Spawn ``argv`` with ``payload`` on stdin and turn the outcome into an ExecResult.

    ``accounting()`` returns (oom_killed, cpu_s, max_rss) from a cgroup when there is one.
    """
    start = time.monotonic()
    try:
        child = Child(argv, cwd=cwd, preexec=preexec)
    except OSError as exc:
        return ExecResult(status="sandbox_error", backend=backend, detail=f"cannot start {argv[0]}: {exc}")

    def kill() -> None:
        child.kill()
        if extra_kill:
            extra_kill()

    # our own copy of the write end, so closing it really sends EOF
    write_fd = os.dup(child.proc.stdin.fileno())
    child.proc.stdin.close()
    child.proc.stdin = None
    try:
        pumped = harness.pump(
            write_fd=write_fd,
            read_fds={child.proc.stdout.fileno(): "stdout", child.proc.stderr.fileno(): "stderr"},
            payload=payload,
            limits=limits,
            exited=child.exited,
            kill=kill,
            start=start,
        )
        # the output is closed; the program may still run (it closed its pipes): the deadline holds
        if pumped.reason is None:
            if child.wait(start + limits.timeout_s):
                pumped.reason = "timeout"
            pumped.wall_s = time.monotonic() - start
        else:
            child.wait(time.monotonic() + 1.0)
        kill()  # the tree is torn down with the launcher; make sure of it
    finally:
        child.close()
    oom, cpu_s, max_rss = accounting() if accounting else (False, None, None)
    if cpu_s is None and child.rusage is not None:
        cpu_s = child.rusage.ru_utime + child.rusage.ru_stime
    if max_rss is None and child.rusage is not None:
        max_rss = child.rusage.ru_maxrss * 1024
    return harness.classify(
        pumped, returncode=child.returncode, backend=backend, oom=oom, cpu_s=cpu_s, max_rss=max_rss, limits=limits,
        high_codes_are_signals=high_codes_are_signals,
    )
