"""The helper processes of the math plugin (math-verify workers, the Lean REPL): read their
stdout under a deadline, and kill them with everything they started."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import time


def read_chunk(fd: int, deadline: float) -> bytes | None:
    """The next bytes on ``fd``; None when the monotonic ``deadline`` passes first, b"" at EOF."""
    left = deadline - time.monotonic()
    if left <= 0:
        return None
    ready, _, _ = select.select([fd], [], [], left)
    if not ready:
        return None
    return os.read(fd, 1 << 16)


def kill_process(proc: subprocess.Popen) -> None:
    """SIGKILL ``proc``'s process group (it was started with ``start_new_session=True``, so the
    kill reaches only it and its children), reap it and close its pipes."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            proc.kill()
    proc.wait()
    for f in (proc.stdin, proc.stdout):
        if f:
            f.close()
