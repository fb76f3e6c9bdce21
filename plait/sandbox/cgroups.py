"""Per-run cgroups (v1) for the bubblewrap backend: memory+swap, pids, CPU accounting.

Only root can create them; without them the backend falls back to rlimits (documented weaker).
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
CONTROLLERS = ("memory", "pids", "cpuacct")


def available() -> bool:
    if os.geteuid() != 0:
        return False
    return all((ROOT / c).is_dir() and os.access(ROOT / c, os.W_OK) for c in CONTROLLERS)


class RunCgroup:
    """One cgroup per controller under ``plait/<id>``; ``procs_files`` are written in the child."""

    def __init__(self, memory_bytes: int, pids: int):
        self.name = f"plait/{uuid.uuid4().hex[:16]}"
        self.dirs = {c: ROOT / c / self.name for c in CONTROLLERS}
        for d in self.dirs.values():
            d.mkdir(parents=True, exist_ok=True)
        mem = self.dirs["memory"]
        (mem / "memory.limit_in_bytes").write_text(str(memory_bytes))
        memsw = mem / "memory.memsw.limit_in_bytes"
        if memsw.exists():  # RAM and swap capped together
            memsw.write_text(str(memory_bytes))
        (mem / "memory.swappiness").write_text("0") if (mem / "memory.swappiness").exists() else None
        (self.dirs["pids"] / "pids.max").write_text(str(pids))

    @property
    def procs_files(self) -> list[str]:
        return [str(d / "cgroup.procs") for d in self.dirs.values()]

    def _read(self, controller: str, name: str) -> str | None:
        try:
            return (self.dirs[controller] / name).read_text()
        except OSError:
            return None

    def oom_killed(self) -> bool:
        text = self._read("memory", "memory.oom_control") or ""
        for line in text.splitlines():
            if line.startswith("oom_kill "):
                return int(line.split()[1]) > 0
        failcnt = self._read("memory", "memory.memsw.failcnt") or self._read("memory", "memory.failcnt")
        return bool(failcnt and int(failcnt) > 0)

    def cpu_s(self) -> float | None:
        raw = self._read("cpuacct", "cpuacct.usage")
        return int(raw) / 1e9 if raw else None

    def max_rss(self) -> int | None:
        raw = self._read("memory", "memory.max_usage_in_bytes")
        return int(raw) if raw else None

    def pids(self) -> list[int]:
        raw = self._read("pids", "cgroup.procs") or ""
        return [int(p) for p in raw.split()]

    def kill_all(self) -> None:
        """SIGKILL everything left in the group (a process can fork between reads: loop)."""
        for _ in range(50):
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.01)

    def remove(self) -> None:
        self.kill_all()
        for d in self.dirs.values():
            for _ in range(100):
                try:
                    d.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:  # still busy for a moment after the kill
                    time.sleep(0.01)


def enter(procs_files: list[str]) -> None:
    """Called in the forked child before exec: move ourselves into the run's cgroups."""
    pid = str(os.getpid()).encode()
    for f in procs_files:
        fd = os.open(f, os.O_WRONLY)
        try:
            os.write(fd, pid)
        finally:
            os.close(fd)
