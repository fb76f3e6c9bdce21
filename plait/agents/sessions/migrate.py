"""``plait sessions migrate --to URL``: copy the SQLite sessions under PLAIT_HOME into PostgreSQL.

Per session: its latest checkpoint (every namespace, with pending writes), its ``plait_sessions``
row and its turn extras. A session the destination already has is skipped, so a second run copies
nothing. The checkpoint is written before the row: a run killed in between leaves a session
without a row, which the next run copies again (the checkpoint ``put`` is an upsert).
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from plait.agents.sessions.backend import PostgresBackend, SqliteBackend, is_postgres_url, postgres_backend
from plait.core.config import Settings
from plait.core.errors import InputError, StoreError
from plait.core.redact import redact_text

_COLUMNS = "name, agent, created, updated, turns, title, owner"


@dataclass
class MigrateReport:
    copied: int
    skipped: int

    def to_json(self) -> dict[str, int]:
        return {"copied": self.copied, "skipped": self.skipped}


def _source_threads(conn: sqlite3.Connection) -> tuple[dict[str, tuple], list[str]]:
    """Rows of listed sessions by name, and every thread id (listed or only checkpointed)."""
    rows = {r[0]: tuple(r) for r in conn.execute(f"SELECT {_COLUMNS} FROM plait_sessions")}
    try:
        checkpointed = [r[0] for r in conn.execute("SELECT DISTINCT thread_id FROM checkpoints")]
    except sqlite3.OperationalError:
        checkpointed = []  # no turn ever ran
    return rows, sorted(set(rows) | set(checkpointed))


def _already_there(dest: PostgresBackend, name: str, listed: bool) -> bool:
    with dest.transaction() as tx:
        if tx.execute("SELECT 1 FROM plait_sessions WHERE name=?", (name,)).fetchone():
            return True
        # a thread that was never listed counts as copied once its checkpoint is there
        return not listed and tx.execute("SELECT 1 FROM checkpoints WHERE thread_id=? LIMIT 1", (name,)).fetchone() is not None


def _copy_checkpoints(source: Any, dest: Any, conn: sqlite3.Connection, name: str) -> None:
    try:
        namespaces = [r[0] for r in conn.execute("SELECT DISTINCT checkpoint_ns FROM checkpoints WHERE thread_id=?", (name,))]
    except sqlite3.OperationalError:
        return
    for ns in namespaces:
        found = source.get_tuple({"configurable": {"thread_id": name, "checkpoint_ns": ns}})
        if found is None:
            continue
        checkpoint = found.checkpoint
        saved = dest.put({"configurable": {"thread_id": name, "checkpoint_ns": ns}}, checkpoint,
                         found.metadata or {}, dict(checkpoint.get("channel_versions") or {}))
        per_task: dict[str, list[tuple[str, Any]]] = defaultdict(list)
        for task_id, channel, value in found.pending_writes or []:
            per_task[task_id].append((channel, value))
        for task_id, writes in per_task.items():
            dest.put_writes(saved, writes, task_id)


def migrate_to(settings: Settings, url: str) -> MigrateReport:
    """Copy every SQLite session under ``settings.home`` into the PostgreSQL database at ``url``."""
    if not is_postgres_url(url):
        raise InputError(f"--to {redact_text(url)!r} is not a PostgreSQL URL; use postgresql://USER@HOST:PORT/DB")
    source_backend = SqliteBackend(settings.home)
    if not source_backend.exists():
        return MigrateReport(0, 0)
    dest_backend = postgres_backend(url)
    try:
        dest_backend.pool()  # reach it before reading anything
    except StoreError as exc:  # the shared message names PLAIT_SESSIONS_URL; here the input is --to
        raise StoreError(str(exc).split("; ", 1)[0] + "; start PostgreSQL there or fix --to") from None
    conn = source_backend.connect()
    source, dest = source_backend.saver(), dest_backend.saver()
    copied = skipped = 0
    try:
        rows, threads = _source_threads(conn)
        for name in threads:
            if _already_there(dest_backend, name, name in rows):
                skipped += 1
                continue
            _copy_checkpoints(source, dest, conn, name)
            extras = conn.execute("SELECT thread_id, turn, digest, extras FROM plait_turn_extras WHERE thread_id=?",
                                  (name,)).fetchall()
            with dest_backend.transaction() as tx:
                if name in rows:
                    tx.execute(f"INSERT INTO plait_sessions({_COLUMNS}) VALUES(?,?,?,?,?,?,?) ON CONFLICT(name) DO NOTHING",
                               rows[name])
                for row in extras:
                    tx.execute("INSERT INTO plait_turn_extras(thread_id, turn, digest, extras) VALUES(?,?,?,?) "
                               "ON CONFLICT(thread_id, turn) DO NOTHING", tuple(row))
            copied += 1
    finally:
        source_backend.close_saver(source)
        conn.close()
    return MigrateReport(copied, skipped)
