"""Turn locks across processes (issue 21): a PostgreSQL advisory lock or a file lock per session.

Every test uses real processes: a child holds or hammers the lock while this process (or a second
child) competes for it. "Still waiting" is observed as a fact (a refused ``flock`` attempt, a
``granted = false`` row in ``pg_locks``), never as a duration.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from plait.serve.turnlock import FileTurnLocks, PostgresTurnLocks, advisory_key

CHILD = textwrap.dedent(
    """
    import asyncio, os, sys
    from pathlib import Path
    from plait.serve.locks import SessionLocks
    from plait.serve.turnlock import FileTurnLocks, PostgresTurnLocks

    kind, target, name, mode = sys.argv[1:5]
    locks = PostgresTurnLocks(target) if kind == "postgres" else FileTurnLocks(Path(target))

    async def hold():
        release = await locks.acquire(name)
        print("held", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        await release()
        print("released", flush=True)

    async def hammer(log, tasks, turns):
        session = SessionLocks(max_waiting=64, cross=locks)  # in-process queue + cross-process lock
        tag = f"{os.getpid()}"

        async def one(t):
            for i in range(turns):
                release = await session.acquire(name)
                with open(log, "a") as fh:
                    fh.write(f"{tag}.{t} start\\n")
                await asyncio.sleep(0.002)  # widens the window an interleaving would need
                with open(log, "a") as fh:
                    fh.write(f"{tag}.{t} end\\n")
                release()

        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)  # start together
        await asyncio.gather(*(one(t) for t in range(tasks)))
        while session._releasing:  # the last cross-process release runs as a task
            await asyncio.sleep(0.01)

    if mode == "hold":
        asyncio.run(hold())
    else:
        asyncio.run(hammer(sys.argv[5], int(sys.argv[6]), int(sys.argv[7])))
    """
)


def _child(kind: str, target: str, name: str, mode: str, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", CHILD, kind, target, name, mode, *extra],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def _expect(proc: subprocess.Popen, word: str) -> None:
    line = proc.stdout.readline().strip()
    assert line == word, f"child said {line!r}, expected {word!r} (exit code {proc.poll()})"


def _go(proc: subprocess.Popen) -> None:
    proc.stdin.write("go\n")
    proc.stdin.flush()


@pytest.fixture(params=["file", "postgres"])
def lock_target(request, tmp_path) -> tuple[str, str]:
    """(kind, target) for each kind: a PLAIT_HOME for file locks, a fresh database URL for PostgreSQL."""
    if request.param == "file":
        return "file", str(tmp_path)
    return "postgres", request.getfixturevalue("fresh_postgres_db")


def _locks(kind: str, target: str):
    return PostgresTurnLocks(target) if kind == "postgres" else FileTurnLocks(Path(target))


async def _until(predicate, what: str) -> None:
    """Let the loop run until ``predicate()`` (a guard against a hung test, not a timing assertion)."""
    for _ in range(6000):
        if await predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never happened: {what}")


async def _waiting_observed(kind: str, target: str, name: str, counter: list[int]) -> bool:
    """True once this process is seen queued behind another process's lock on ``name``."""
    if kind == "file":
        return counter[0] >= 3  # three refused flock attempts
    import psycopg

    async with await psycopg.AsyncConnection.connect(target, autocommit=True) as conn:
        key = advisory_key(name)
        row = await (await conn.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
            "AND objsubid = 1 AND ((classid::bigint << 32) | objid::bigint) = %s", (key,))).fetchone()
        return row[0] > 0


@pytest.fixture
def refused_flocks(monkeypatch) -> list[int]:
    """Counts this process's refused non-blocking flock attempts (how the file lock waits)."""
    import fcntl

    import plait.serve.turnlock as turnlock

    counter = [0]
    real = fcntl.flock

    def counting(fd, op):
        try:
            return real(fd, op)
        except BlockingIOError:
            counter[0] += 1
            raise

    monkeypatch.setattr(turnlock.fcntl, "flock", counting)
    return counter


def test_a_turn_waits_while_another_process_holds_the_session(lock_target, refused_flocks):
    kind, target = lock_target
    holder = _child(kind, target, "s-shared", "hold")
    try:
        _expect(holder, "held")

        async def compete() -> None:
            locks = _locks(kind, target)
            other = await locks.acquire("s-other")  # another session is not held up
            await other()
            task = asyncio.ensure_future(locks.acquire("s-shared"))
            await _until(lambda: _waiting_observed(kind, target, "s-shared", refused_flocks), "queued behind the holder")
            assert not task.done()  # the other process still holds it: we wait
            _go(holder)  # the holder releases
            release = await task
            await release()

        asyncio.run(compete())
        _expect(holder, "released")
    finally:
        holder.kill()
        holder.wait()


def test_a_killed_holder_frees_the_session(lock_target):
    kind, target = lock_target
    holder = _child(kind, target, "s-crash", "hold")
    _expect(holder, "held")
    os.kill(holder.pid, signal.SIGKILL)  # mid-turn: no release ever runs
    holder.wait()

    async def take() -> None:
        release = await _locks(kind, target).acquire("s-crash")
        await release()

    asyncio.run(take())


def test_turns_of_one_session_never_interleave_across_processes(lock_target, tmp_path):
    kind, target = lock_target
    log = tmp_path / "turns.log"
    children = [_child(kind, target, "s-hammer", "hammer", str(log), "3", "8") for _ in range(2)]
    try:
        for child in children:
            _expect(child, "ready")
        for child in children:
            _go(child)
        for child in children:
            assert child.wait(120) == 0
    finally:
        for child in children:
            child.kill()
    lines = log.read_text().splitlines()
    assert len(lines) == 2 * 3 * 8 * 2  # every turn of both processes ran
    assert len({line.split(".")[0] for line in lines}) == 2
    for start, end in zip(lines[::2], lines[1::2]):  # strictly start/end pairs of the same turn
        assert start.endswith(" start") and end == start.replace(" start", " end"), (start, end)


def test_postgres_waiter_cancelled_leaves_the_queue(fresh_postgres_db):
    url = fresh_postgres_db
    holder = _child("postgres", url, "s-cancel", "hold")
    try:
        _expect(holder, "held")

        async def give_up() -> None:
            task = asyncio.ensure_future(PostgresTurnLocks(url).acquire("s-cancel"))
            await _until(lambda: _waiting_observed("postgres", url, "s-cancel", [0]), "queued")
            task.cancel()  # the client went away while its turn waited
            with pytest.raises(asyncio.CancelledError):
                await task
            await _until(lambda: _no_waiter(url, "s-cancel"), "the cancelled wait left PostgreSQL's queue")

        asyncio.run(give_up())
    finally:
        holder.kill()
        holder.wait()


async def _no_waiter(url: str, name: str) -> bool:
    return not await _waiting_observed("postgres", url, name, [0])


def test_unreachable_postgres_names_the_url():
    from plait.core.errors import StoreError

    async def take() -> None:
        await PostgresTurnLocks("postgresql://plait:s3cret@127.0.0.1:9/nodb", connect_timeout=2).acquire("s")

    with pytest.raises(StoreError) as err:
        asyncio.run(take())
    assert "127.0.0.1:9/nodb" in str(err.value) and "PLAIT_SESSIONS_URL" in str(err.value)
    assert "s3cret" not in str(err.value)


def test_postgres_lock_connections_are_kept_and_a_dead_one_is_replaced(fresh_postgres_db):
    import psycopg

    url = fresh_postgres_db

    async def turns() -> None:
        locks = PostgresTurnLocks(url)
        release = await locks.acquire("s-a")
        await release()
        (kept,) = locks._idle
        release = await locks.acquire("s-b")
        await release()
        assert locks._idle == [kept]  # the second turn reused the first one's connection
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as admin:  # e.g. a restart
            await admin.execute("SELECT pg_terminate_backend(%s, 10000)", (kept.info.backend_pid,))
        release = await locks.acquire("s-c")  # the dead connection is dropped, a new one takes the lock
        holder = _child("postgres", url, "s-c", "hold")
        try:
            await _until(lambda: _waiting_observed("postgres", url, "s-c", [0]), "another process queued behind us")
        finally:
            holder.kill()
            holder.wait()
        await release()
        assert len(locks._idle) == 1 and locks._idle[0] is not kept

    asyncio.run(turns())
