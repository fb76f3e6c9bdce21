"""The sandbox contract: limits in, one ``ExecResult`` out, and the protocol every backend implements."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Protocol, runtime_checkable

# Every status a run can end with. "failed" = the code ran and exited non-zero (or died of a signal
# it raised itself); "killed" = something outside the limits killed it; "sandbox_error" = the
# sandbox itself broke (never the code's fault).
STATUSES = ("ok", "failed", "timeout", "memory_limit", "output_limit", "killed", "sandbox_error")


def _positive_finite(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0


@dataclass(frozen=True)
class Limits:
    """Resource limits of one run. All are enforced from outside the sandboxed process."""

    timeout_s: float = 10.0  # wall clock, whole process tree
    memory_mb: int = 512  # RAM (+ swap, together) of the whole tree
    output_bytes: int = 1_000_000  # stdout + stderr together; past it the run is killed
    pids: int = 64  # processes + threads
    files_mb: int = 50  # size of the writable work dir (and of any single file)
    cpu_s: float | None = None  # CPU seconds; None = the wall timeout only

    def __post_init__(self) -> None:
        # nan compares False with everything and inf never expires: both would silently turn a
        # limit off, so only positive finite numbers pass (bools are not numbers here)
        for name in ("timeout_s", "cpu_s"):
            value = getattr(self, name)
            if value is None and name == "cpu_s":
                continue
            if not _positive_finite(value):
                extra = " or None" if name == "cpu_s" else ""
                raise ValueError(f"Limits.{name} must be a positive, finite number of seconds{extra}, got {value!r}")
        for name in ("memory_mb", "output_bytes", "pids", "files_mb"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"Limits.{name} must be a positive whole number, got {value!r}")


@dataclass
class ExecResult:
    """What came back from one run. ``stdout``/``stderr`` are decoded with replacement."""

    status: str
    exit_code: int | None = None
    signal: int | None = None
    stdout: str = ""
    stderr: str = ""
    truncated: bool = False
    wall_s: float = 0.0
    cpu_s: float | None = None
    max_rss: int | None = None  # bytes
    backend: str = ""
    detail: str = ""  # why the sandbox decided the status (limit hit, sandbox failure text)
    files: dict[str, bytes] = field(default_factory=dict, repr=False)  # reserved: files read back

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("files", None)
        return data


@runtime_checkable
class Sandbox(Protocol):
    """A backend. ``isolating`` is False for backends that only limit resources (``process``)."""

    name: str
    isolating: bool

    def available(self) -> tuple[bool, str]:
        """(usable here?, reason when not)."""

    def run(
        self,
        argv: list[str],
        *,
        files: dict[str, bytes],
        stdin: bytes,
        limits: Limits,
        env: dict[str, str],
    ) -> ExecResult:
        """Run ``argv`` in a fresh work dir holding ``files``; never raises for the code's faults."""
