"""Per-session turn locks that wait on the event loop, not on a worker thread.

Turns of one session must run one at a time (a thread's checkpoints form a single line). A
request waiting for its session's earlier turn holds no worker thread: it awaits a future here,
so other sessions and ``/v1/models`` keep answering however many turns queue on one session.
Past ``max_waiting`` queued turns a session refuses more with 429 (``SessionBusy``).

The lock is handed from one holder to the next waiter (FIFO); ``release`` is idempotent and must
be called on the event loop (the server calls it when the worker running the turn has finished,
even if the client went away before, so a turn never overlaps the next one).

With ``cross`` (``plait.serve.turnlock``: a PostgreSQL advisory lock or a file lock) the holder of
the in-process lock also waits for the session's cross-process lock before it runs, so replicas
sharing the sessions store never interleave a session's turns. Only the holder waits there, so a
process keeps at most one cross-process lock (and connection) per session; ``release`` frees the
cross-process lock first, then hands the in-process lock on.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from typing import Callable

from plait.core.errors import InputError
from plait.serve.turnlock import TurnLocks


class SessionBusy(InputError):
    """Too many turns are already waiting for this session (answered with 429)."""


@dataclass
class _Entry:
    waiters: deque = field(default_factory=deque)  # futures of queued turns, first in first out


class SessionLocks:
    """One FIFO lock per session id; entries exist only while a turn holds or waits for them."""

    def __init__(self, max_waiting: int = 8, cross: TurnLocks | None = None):
        self.max_waiting = max_waiting
        self.cross = cross
        self._entries: dict[str, _Entry] = {}
        self._releasing: set[asyncio.Task] = set()  # cross-process releases in flight (kept referenced)

    def busy(self, name: str) -> bool:
        return name in self._entries

    def waiting(self, name: str) -> int:
        """How many turns wait for ``name`` (not counting the one holding it)."""
        entry = self._entries.get(name)
        return sum(not w.done() for w in entry.waiters) if entry else 0

    def check_room(self, name: str) -> None:
        """SessionBusy when ``name`` already has ``max_waiting`` turns waiting (checked up front for
        streams, whose status line is sent before they wait)."""
        waiting = self.waiting(name)
        if waiting >= self.max_waiting:
            raise SessionBusy(
                f"session {name!r} already has {waiting} turns waiting; wait for its replies "
                f"before sending more, or raise [serve] session_queue in plait.toml"
            )

    async def acquire(self, name: str) -> Callable[[], None]:
        """Wait for the session's lock (and its cross-process lock, if any); returns its ``release``.
        Raises SessionBusy when the in-process queue is full."""
        release = await self._acquire_local(name)
        if self.cross is None:
            return release
        try:
            cross_release = await self.cross.acquire(name)
        except BaseException:
            release()
            raise
        return self._both(release, cross_release)

    def _both(self, release: Callable[[], None], cross_release) -> Callable[[], None]:
        done = False

        async def finish() -> None:
            try:
                await cross_release()
            finally:
                release()

        def release_both() -> None:
            nonlocal done
            if not done:
                done = True
                task = asyncio.get_running_loop().create_task(finish())
                self._releasing.add(task)
                task.add_done_callback(self._reap)

        return release_both

    def _reap(self, task: asyncio.Task) -> None:
        self._releasing.discard(task)
        if not task.cancelled() and task.exception() is not None:
            import logging

            logging.getLogger("plait.serve").warning("releasing a session's cross-process lock failed: %s", task.exception())

    async def _acquire_local(self, name: str) -> Callable[[], None]:
        entry = self._entries.get(name)
        if entry is None:  # free: take it at once
            self._entries[name] = entry = _Entry()
            return self._releaser(name, entry)
        self.check_room(name)
        waiter = asyncio.get_running_loop().create_future()
        entry.waiters.append(waiter)
        try:
            await waiter  # resolved by the previous holder's release: the lock is ours
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self._pass_on(name, entry)  # it was handed to us as we gave up: hand it on
            elif waiter in entry.waiters:
                entry.waiters.remove(waiter)
            raise
        return self._releaser(name, entry)

    def _releaser(self, name: str, entry: _Entry) -> Callable[[], None]:
        done = False

        def release() -> None:
            nonlocal done
            if not done:
                done = True
                self._pass_on(name, entry)

        return release

    def _pass_on(self, name: str, entry: _Entry) -> None:
        while entry.waiters:
            waiter = entry.waiters.popleft()
            if not waiter.done():  # skip waiters cancelled meanwhile
                waiter.set_result(None)
                return
        if self._entries.get(name) is entry:
            del self._entries[name]
