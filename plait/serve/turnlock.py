"""Turn locks that hold across processes: two `plait serve` replicas never interleave a session's turns.

``SessionLocks`` (``plait.serve.locks``) orders the turns of one session inside one process. Several
processes sharing the sessions store need a second layer, picked from the sessions store:

- PostgreSQL (``sessions_url``): a session-level advisory lock, ``pg_advisory_lock(key)`` with a
  64-bit key hashed from the session name, held on a dedicated connection for the turn. The wait
  runs on psycopg's async connection, so the event loop keeps serving; PostgreSQL queues waiters
  first come first served. A replica that dies (even SIGKILL) drops its connection, and PostgreSQL
  releases the lock with it. Up to ``keep_idle`` connections are kept after their unlock for
  later turns (a dead one is replaced).
- SQLite (sessions under ``PLAIT_HOME``): an ``fcntl.flock`` on one file per session under
  ``PLAIT_HOME/locks/sessions/``, polled without blocking (backing off to 50 ms), so processes on
  one machine sharing a home take turns too. The kernel drops the lock when its holder dies.

``acquire(name)`` returns an async ``release``; both are called on the event loop.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import os
from pathlib import Path
from typing import Awaitable, Callable, Protocol

from plait.core.config import Settings
from plait.core.errors import StoreError
from plait.core.redact import redact_text

Release = Callable[[], Awaitable[None]]


class TurnLocks(Protocol):
    kind: str

    async def acquire(self, name: str) -> Release:
        """Wait (without blocking the loop) until no other process runs a turn of ``name``."""
        ...


def advisory_key(name: str) -> int:
    """The signed 64-bit advisory-lock key of session ``name`` (a collision only serialises two sessions)."""
    return int.from_bytes(hashlib.sha256(b"plait-turn:" + name.encode()).digest()[:8], "big", signed=True)


class PostgresTurnLocks:
    kind = "postgres"

    def __init__(self, url: str, connect_timeout: int = 10, keep_idle: int = 8) -> None:
        self.url = url
        self.connect_timeout = connect_timeout
        # connections whose lock was released are kept for the next turns: a new connection per
        # turn costs a PostgreSQL backend start (~8 ms here), more than the lock itself
        self.keep_idle = keep_idle
        self._idle: list = []
        self._loop: asyncio.AbstractEventLoop | None = None

    async def _connect(self):
        import psycopg

        try:
            return await psycopg.AsyncConnection.connect(
                self.url, autocommit=True, prepare_threshold=None, connect_timeout=self.connect_timeout
            )
        except psycopg.Error as exc:
            reason = redact_text(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
            raise StoreError(
                f"cannot take a session's turn lock on {redact_text(self.url)} ({reason}); start PostgreSQL "
                "there or fix PLAIT_SESSIONS_URL (sessions_url in plait.toml)"
            ) from None

    def _reusable(self) -> list:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # an async connection belongs to the loop that opened it
            self._idle, self._loop = [], loop
        return self._idle

    async def _lock(self, conn, key: int) -> None:
        try:
            await conn.execute("SELECT pg_advisory_lock(%s)", (key,))
        except BaseException:
            await asyncio.shield(_abandon(conn))  # cancelled while queued: leave PostgreSQL's queue
            raise

    async def acquire(self, name: str) -> Release:
        import psycopg

        key = advisory_key(name)
        idle = self._reusable()
        conn = None
        while idle and conn is None:
            candidate = idle.pop()
            if candidate.closed:
                continue
            try:
                await self._lock(candidate, key)
                conn = candidate
            except psycopg.OperationalError:
                pass  # the kept connection died (database restarted): try the next, then a new one
        if conn is None:
            conn = await self._connect()
            await self._lock(conn, key)

        async def release() -> None:
            try:
                await conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
            except BaseException:
                await conn.close()  # a failed unlock still frees the lock: it dies with the connection
                raise
            if len(self._reusable()) < self.keep_idle and not conn.closed:
                self._reusable().append(conn)
            else:
                await conn.close()

        return release


async def _abandon(conn) -> None:
    """Stop a connection's queued ``pg_advisory_lock`` and close it (a waiting backend does not notice
    its client leaving, and would otherwise take the lock once for nobody)."""
    try:
        await conn.cancel_safe(timeout=5)
    except Exception:
        pass
    await conn.close()


class FileTurnLocks:
    kind = "file"
    POLL_FIRST, POLL_MAX = 0.002, 0.05  # seconds between flock attempts while another process holds it

    def __init__(self, home: Path) -> None:
        self.dir = Path(home) / "locks" / "sessions"

    def path(self, name: str) -> Path:
        # hashed: session ids may hold characters a file name should not (":" "@"); files are kept,
        # since deleting a lock file races with a process about to lock it
        return self.dir / (hashlib.sha256(name.encode()).hexdigest()[:32] + ".lock")

    async def acquire(self, name: str) -> Release:
        self.dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path(name), os.O_RDWR | os.O_CREAT, 0o600)
        delay = self.POLL_FIRST
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, self.POLL_MAX)
        except BaseException:
            os.close(fd)
            raise

        async def release() -> None:
            os.close(fd)  # closing the only descriptor drops the flock

        return release


def turn_locks_for(settings: Settings) -> TurnLocks:
    """PostgreSQL advisory locks when sessions live in PostgreSQL, else file locks under PLAIT_HOME."""
    url = getattr(settings, "sessions_url", None)
    if url and str(url).split("://", 1)[0] in ("postgresql", "postgres"):
        return PostgresTurnLocks(str(url))
    return FileTurnLocks(Path(settings.home))
