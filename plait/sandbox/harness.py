"""Parent-side plumbing shared by the backends: the bootstrap header, pumping pipes under a
deadline and an output cap, and turning what happened into an ``ExecResult``.

Everything here runs OUTSIDE the sandbox: the deadline, the output cap and the kill are ours.
"""

from __future__ import annotations

import base64
import json
import os
import selectors
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Callable

from plait.core.errors import InputError
from plait.sandbox.types import ExecResult, Limits

BOOTSTRAP = (Path(__file__).with_name("bootstrap.py")).read_text(encoding="utf-8")
MB = 1024 * 1024


def check_files(files: dict[str, bytes]) -> None:
    """Refuse paths that would leave the work dir (absolute, ``..``, empty)."""
    for rel in files:
        p = PurePosixPath(rel)
        if not rel or p.is_absolute() or ".." in p.parts or rel.startswith("~"):
            raise InputError(f"sandbox file name {rel!r} must be a relative path inside the work dir")


def rlimits(limits: Limits, *, address_space: int | None, nproc: int | None) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {
        "fsize": (limits.files_mb * MB, limits.files_mb * MB),
        "nofile": (256, 256),
        "core": (0, 0),
    }
    if limits.cpu_s is not None:
        cpu = max(1, int(limits.cpu_s + 0.999))
        out["cpu"] = (cpu, cpu + 1)  # SIGXCPU first, SIGKILL a second later
    if address_space:
        out["as"] = (address_space, address_space)
    if nproc:
        out["nproc"] = (nproc, nproc)
    return out


def header_bytes(
    argv: list[str],
    files: dict[str, bytes],
    env: dict[str, str],
    limits_: dict[str, tuple[int, int]],
    workdir: str,
) -> bytes:
    header = {
        "argv": argv,
        "env": env,
        "files": {k: base64.b64encode(v).decode("ascii") for k, v in files.items()},
        "rlimits": {k: list(v) for k, v in limits_.items()},
        "workdir": workdir,
    }
    raw = json.dumps(header).encode("utf-8")
    return b"%016d" % len(raw) + raw


@dataclass
class Pumped:
    stdout: bytes
    stderr: bytes
    truncated: bool
    reason: str | None  # "timeout" | "output_limit" | None
    wall_s: float


def pump(
    *,
    write_fd: int | None,
    read_fds: dict[int, str],
    payload: bytes,
    limits: Limits,
    exited: Callable[[], bool],
    kill: Callable[[], None],
    read_chunk: Callable[[int], list[tuple[str, bytes]]] | None = None,
    close_write: Callable[[int], None] | None = None,
    start: float | None = None,
) -> Pumped:
    """Feed ``payload`` to ``write_fd`` and read ``read_fds`` until EOF, the deadline or the cap.

    ``read_chunk(fd)`` may demultiplex a stream (docker); by default a fd is one named stream.
    The caller's ``kill`` is invoked on timeout / output overflow; we keep reading nothing after.
    ``close_write(fd)`` ends the input (default ``os.close``; a socket half-closes instead).
    """
    close_write = close_write or os.close
    start = time.monotonic() if start is None else start
    deadline = start + limits.timeout_s
    bufs = {"stdout": bytearray(), "stderr": bytearray()}
    total = 0
    truncated = False
    reason: str | None = None
    sel = selectors.DefaultSelector()
    for fd in read_fds:
        if read_chunk is None:  # a custom reader (a socket shared with a writer thread) stays blocking
            os.set_blocking(fd, False)
        sel.register(fd, selectors.EVENT_READ)
    view = memoryview(payload)
    if write_fd is not None:
        if payload:
            os.set_blocking(write_fd, False)
            sel.register(write_fd, selectors.EVENT_WRITE)
        else:
            close_write(write_fd)
            write_fd = None
    open_reads = set(read_fds)
    exited_at: float | None = None

    def default_read(fd: int) -> list[tuple[str, bytes]]:
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return [("", b"")]
        except OSError:
            data = b""
        return [(read_fds[fd], data)] if data else []

    reader = read_chunk or default_read
    try:
        while open_reads or write_fd is not None:
            now = time.monotonic()
            if now >= deadline:
                reason = "timeout"
                kill()
                break
            if exited_at is None and exited():
                exited_at = now
            # the main process is gone: drain what is buffered, but do not wait on a leftover
            # holder of the pipe for long (bubblewrap/docker tear the tree down anyway)
            if exited_at is not None and now - exited_at > 0.5:
                break
            timeout = min(deadline - now, 0.1)
            for key, _ in sel.select(timeout):
                fd = key.fd
                if fd == write_fd:
                    try:
                        n = os.write(fd, view[:65536])
                        view = view[n:]
                    except BlockingIOError:
                        continue
                    except OSError:  # the program closed its stdin: fine
                        view = view[len(view):]
                    if not len(view):
                        sel.unregister(fd)
                        close_write(fd)
                        write_fd = None
                    continue
                chunks = reader(fd)
                if not chunks:
                    sel.unregister(fd)
                    open_reads.discard(fd)
                    continue
                for name, data in chunks:
                    if not data:
                        continue
                    room = limits.output_bytes - total
                    if len(data) > room:
                        bufs[name] += data[: max(room, 0)]
                        total = limits.output_bytes
                        truncated = True
                        reason = "output_limit"
                        break
                    bufs[name] += data
                    total += len(data)
                if reason == "output_limit":
                    kill()
                    break
            if reason:
                break
    finally:
        sel.close()
        if write_fd is not None:
            try:
                close_write(write_fd)
            except OSError:
                pass
    return Pumped(bytes(bufs["stdout"]), bytes(bufs["stderr"]), truncated, reason, time.monotonic() - start)


def decode(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def classify(
    pumped: Pumped,
    *,
    returncode: int | None,
    backend: str,
    oom: bool = False,
    cpu_s: float | None = None,
    max_rss: int | None = None,
    limits: Limits | None = None,
    high_codes_are_signals: bool = True,
) -> ExecResult:
    """Map what we observed from outside to one status.

    A program killed by signal N shows as ``signal=N, exit_code=None``. Behind bwrap or docker the
    only trace of a signal is the exit status 128+N, so there a program that itself exits with
    128+N is reported as that signal.
    """
    exit_code = sig = None
    if returncode is not None:
        if returncode < 0:
            sig = -returncode
        elif high_codes_are_signals and 128 < returncode < 128 + 65:  # docker and bwrap report 128+N
            sig = returncode - 128
        else:
            exit_code = returncode
    stderr = decode(pumped.stderr)
    detail = ""
    if pumped.reason == "timeout":
        status, detail = "timeout", f"wall-clock limit of {limits.timeout_s if limits else '?'} s reached; process tree killed"
    elif pumped.reason == "output_limit":
        status, detail = "output_limit", f"output passed {limits.output_bytes if limits else '?'} bytes; process tree killed"
    elif oom or (returncode not in (0, None) and _ends_with_memoryerror(stderr)):
        status, detail = "memory_limit", "memory limit reached"
    elif sig in (24,) or (limits is not None and limits.cpu_s is not None and cpu_s is not None
                          and cpu_s >= limits.cpu_s and sig == 9):
        status, detail = "timeout", "CPU-time limit reached (SIGXCPU)"
    elif returncode == 0:
        status = "ok"
    elif returncode is None:
        status, detail = "sandbox_error", "no exit status"
    elif sig == 9:
        status, detail = "killed", "killed by SIGKILL"
    else:
        status = "failed"
    return ExecResult(
        status=status,
        exit_code=exit_code,
        signal=sig,
        stdout=decode(pumped.stdout),
        stderr=stderr,
        truncated=pumped.truncated,
        wall_s=round(pumped.wall_s, 4),
        cpu_s=None if cpu_s is None else round(cpu_s, 4),
        max_rss=max_rss,
        backend=backend,
        detail=detail,
    )


def _ends_with_memoryerror(stderr: str) -> bool:
    tail = stderr.strip().splitlines()[-1:] if stderr.strip() else []
    return bool(tail) and tail[0].startswith("MemoryError")
