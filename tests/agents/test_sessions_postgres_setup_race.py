"""Replicas that meet a fresh PostgreSQL database at the same moment all create the schema without a
deadlock: LangGraph's migrations run CREATE INDEX CONCURRENTLY, which waits for every open
transaction, so a replica blocked in pg_advisory_lock on the set-up lock deadlocked the one holding it
(seen as HTTP 500 on a replica's first turn)."""

from __future__ import annotations

import threading
import uuid

from plait.agents.sessions.backend import PostgresBackend


def _set_up_at_once(url: str, n: int) -> list[BaseException]:
    barrier, errors = threading.Barrier(n), []

    def one() -> None:
        backend = PostgresBackend(url)  # its own pool and set-up connection, as in another process
        try:
            barrier.wait()
            backend.pool()
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)
        finally:
            backend.close()

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return errors


def test_eight_backends_set_up_one_fresh_database_at_once(fresh_postgres_db):
    assert _set_up_at_once(fresh_postgres_db, 8) == []
    import psycopg

    with psycopg.connect(fresh_postgres_db) as conn:
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert {"checkpoints", "checkpoint_writes", "plait_sessions", "plait_turn_extras"} <= tables


def test_the_blocking_lock_deadlocks_which_is_why_set_up_polls(postgres_cluster, monkeypatch):
    """The control: the old blocking pg_advisory_lock fails this race (up to 3 fresh databases, so a
    scheduler that happens to serialise the threads once does not make the control flaky)."""
    def blocking(self, conn, timeout=300):
        conn.execute("SELECT pg_advisory_lock(%s)", (0x706C6169,))

    monkeypatch.setattr(PostgresBackend, "_take_setup_lock", blocking)
    seen = []
    for attempt in range(3):
        seen = _set_up_at_once(postgres_cluster.create_database(f"race_{uuid.uuid4().hex[:10]}"), 8)
        if any("deadlock" in str(e) for e in seen):
            return
    raise AssertionError(f"the blocking set-up lock never deadlocked in 3 races: {seen}")
