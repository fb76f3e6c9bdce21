"""Where sessions are stored: SQLite under PLAIT_HOME (the embedded default) or PostgreSQL.

``backend_for(settings)`` picks one from ``sessions_url`` (``PLAIT_SESSIONS_URL``). Both give the
same small interface, so ``store``, ``checkpoints`` and ``saver`` hold one copy of each SQL
statement, written with ``?`` placeholders; ``Transaction.execute`` turns them into ``%s`` for
psycopg, the one place the two dialects differ in placeholders.

PostgreSQL: one ``psycopg_pool.ConnectionPool`` per URL and process (LangGraph's PostgresSaver and
plait's own tables share it); the schema (``PostgresSaver.setup()`` and plait's tables) is made on
first use, under an advisory lock so replicas starting together do not race.
"""

from __future__ import annotations

import atexit
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from plait.core.config import Settings
from plait.core.errors import StoreError
from plait.core.redact import redact_text

SESSIONS_SCHEMA = """
CREATE TABLE IF NOT EXISTS plait_sessions (
    name TEXT PRIMARY KEY,
    agent TEXT NOT NULL,
    created {real} NOT NULL,
    updated {real} NOT NULL,
    turns INTEGER NOT NULL DEFAULT 0,
    title TEXT NOT NULL DEFAULT '',
    owner TEXT
)"""

EXTRAS_SCHEMA = """
CREATE TABLE IF NOT EXISTS plait_turn_extras (
    thread_id TEXT NOT NULL,
    turn INTEGER NOT NULL,
    digest TEXT NOT NULL,
    extras TEXT NOT NULL,
    PRIMARY KEY (thread_id, turn)
)"""

_SETUP_LOCK_KEY = 0x706C6169  # "plai": the advisory lock taken while creating the schema


class Transaction:
    """One transaction on either backend: ``execute(sql_with_?, args)`` returns a cursor."""

    def __init__(self, cursor: Any, placeholder: str) -> None:
        self._cursor = cursor
        self._placeholder = placeholder

    def execute(self, sql: str, args: tuple = ()) -> Any:
        if self._placeholder != "?":
            sql = sql.replace("?", self._placeholder)
        self._cursor.execute(sql, args)
        return self._cursor


class SessionsBackend:
    """What ``store``, ``checkpoints`` and ``saver`` need from a database."""

    kind: str  # "sqlite" or "postgres"
    # LangGraph's tables holding a thread's rows (deleted with the session)
    checkpoint_tables: tuple[str, ...]

    def exists(self) -> bool:
        raise NotImplementedError

    def transaction(self) -> Any:  # context manager yielding a Transaction
        raise NotImplementedError

    def query(self, sql: str, args: tuple = ()) -> list[tuple]:
        """Rows of one SELECT; empty when nothing was ever stored."""
        if not self.exists():
            return []
        with self.transaction() as tx:
            return list(tx.execute(sql, args).fetchall())

    def saver(self) -> Any:
        """A latest-only LangGraph checkpointer (long-lived: agents keep it)."""
        raise NotImplementedError

    def close_saver(self, saver: Any) -> None:
        """Release a saver made by ``saver()`` for one operation."""

    def stored_bytes(self) -> int:
        raise NotImplementedError

    def describe(self) -> str:
        """Where sessions live, for messages (a password is never shown)."""
        raise NotImplementedError


class SqliteBackend(SessionsBackend):
    kind = "sqlite"
    checkpoint_tables = ("checkpoints", "writes")

    def __init__(self, home: Path) -> None:
        self.home = home
        self.path = home / "checkpoints.sqlite"

    def exists(self) -> bool:
        return self.path.exists()

    def connect(self) -> sqlite3.Connection:
        self.home.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        _migrate_sqlite(conn)
        conn.commit()
        return conn

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        conn = self.connect()
        try:
            with conn:
                yield Transaction(conn.cursor(), "?")
        finally:
            conn.close()

    def saver(self) -> Any:
        from plait.agents.sessions.saver import open_saver

        return open_saver(self.connect())

    def close_saver(self, saver: Any) -> None:
        saver.conn.close()

    def stored_bytes(self) -> int:
        """Bytes in live pages (free pages left by deletes are not counted)."""
        if not self.exists():
            return 0
        conn = self.connect()
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            pages = conn.execute("PRAGMA page_count").fetchone()[0] - conn.execute("PRAGMA freelist_count").fetchone()[0]
            return int(pages) * int(conn.execute("PRAGMA page_size").fetchone()[0])
        finally:
            conn.close()

    def describe(self) -> str:
        return str(self.path)


def _migrate_sqlite(conn: sqlite3.Connection) -> None:
    """Bring an older database up to the current schema (adds ``owner`` to pre-owner tables)."""
    conn.execute(SESSIONS_SCHEMA.format(real="REAL"))
    columns = {row[1] for row in conn.execute("PRAGMA table_info(plait_sessions)")}
    if "owner" not in columns:
        try:
            conn.execute("ALTER TABLE plait_sessions ADD COLUMN owner TEXT")
        except sqlite3.OperationalError as exc:  # another process added it between our check and now
            if "duplicate column" not in str(exc):
                raise
    conn.execute(EXTRAS_SCHEMA)


class PostgresBackend(SessionsBackend):
    kind = "postgres"
    checkpoint_tables = ("checkpoints", "checkpoint_blobs", "checkpoint_writes")

    def __init__(self, url: str, max_size: int = 20) -> None:
        self.url = url
        self._max_size = max_size
        self._pool: Any = None
        self._lock = threading.Lock()

    def describe(self) -> str:
        return redact_text(self.url)

    def unreachable(self, exc: BaseException) -> StoreError:
        reason = redact_text(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
        return StoreError(
            f"cannot reach the sessions database at {self.describe()} ({reason}); start PostgreSQL there "
            "or fix PLAIT_SESSIONS_URL (sessions_url in plait.toml), or unset it to keep sessions in SQLite "
            "under PLAIT_HOME"
        )

    def pool(self) -> Any:
        """The process's ``psycopg_pool.ConnectionPool`` on this URL (schema made on first use).

        Connections are autocommit with dict rows, as LangGraph's PostgresSaver requires; other users
        (advisory locks, plait's tables) may borrow them with ``pool().connection()``.
        """
        with self._lock:
            if self._pool is None:
                self._setup()
                from psycopg.rows import dict_row
                from psycopg_pool import ConnectionPool

                self._pool = ConnectionPool(
                    self.url, min_size=1, max_size=self._max_size, open=True, name="plait-sessions",
                    kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
                )
            return self._pool

    def _setup(self) -> None:
        """Reach the database (clear error when it cannot) and create LangGraph's and plait's tables."""
        import psycopg
        from langgraph.checkpoint.postgres import PostgresSaver
        from psycopg.rows import dict_row

        try:
            conn = psycopg.connect(self.url, autocommit=True, prepare_threshold=0, row_factory=dict_row,
                                   connect_timeout=10)
        except psycopg.Error as exc:
            raise self.unreachable(exc) from None
        with conn:
            self._take_setup_lock(conn)
            try:
                PostgresSaver(conn).setup()
                conn.execute(SESSIONS_SCHEMA.format(real="DOUBLE PRECISION"))
                conn.execute(EXTRAS_SCHEMA)
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (_SETUP_LOCK_KEY,))

    def _take_setup_lock(self, conn: Any, timeout: float = 300) -> None:
        """Take the schema lock by polling, never by a blocking ``pg_advisory_lock``: the holder's
        LangGraph migrations run ``CREATE INDEX CONCURRENTLY``, which waits for every open
        transaction, including a statement blocked on this lock in another replica (a deadlock that
        PostgreSQL breaks by failing one of them: a replica's first turn got HTTP 500)."""
        import time

        deadline = time.monotonic() + timeout
        while not conn.execute("SELECT pg_try_advisory_lock(%s) AS ok", (_SETUP_LOCK_KEY,)).fetchone()["ok"]:
            if time.monotonic() > deadline:
                raise StoreError(f"another process has held the schema set-up lock on {redact_text(self.url)} "
                                 f"for {timeout:.0f} s; look for a stuck plait process on that database")
            time.sleep(0.05)

    def exists(self) -> bool:
        self.pool()  # the schema exists once the pool is made; an unreachable database raises
        return True

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        from psycopg.rows import tuple_row

        with self.pool().connection(timeout=30) as conn, conn.transaction(), conn.cursor(row_factory=tuple_row) as cur:
            yield Transaction(cur, "%s")

    def saver(self) -> Any:
        from plait.agents.sessions.saver import LatestOnlyPostgresSaver

        return LatestOnlyPostgresSaver(self.pool())

    def stored_bytes(self) -> int:
        """Bytes of the live data, uncompressed (TOAST compression and dead rows awaiting VACUUM aside)."""
        parts = (
            "SELECT coalesce(sum(octet_length(checkpoint::text) + octet_length(metadata::text)), 0) FROM checkpoints",
            "SELECT coalesce(sum(coalesce(octet_length(blob), 0)), 0) FROM checkpoint_blobs",
            "SELECT coalesce(sum(octet_length(blob)), 0) FROM checkpoint_writes",
            "SELECT coalesce(sum(pg_column_size(t.*)), 0) FROM plait_sessions t",
            "SELECT coalesce(sum(octet_length(extras)), 0) FROM plait_turn_extras",
        )
        with self.transaction() as tx:
            return int(tx.execute("SELECT " + " + ".join(f"({p})" for p in parts)).fetchone()[0])

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None


_postgres: dict[str, PostgresBackend] = {}
_postgres_lock = threading.Lock()


def is_postgres_url(url: str | None) -> bool:
    return bool(url) and str(url).split("://", 1)[0] in ("postgresql", "postgres")


def backend_for(settings: Settings) -> SessionsBackend:
    """The sessions backend of these settings: PostgreSQL for ``sessions_url``, else SQLite under ``home``."""
    url = settings.sessions_url
    if not url:
        return SqliteBackend(settings.home)
    if not is_postgres_url(url):
        from plait.core.errors import ConfigError

        raise ConfigError(
            f"sessions_url {redact_text(url)!r} is not a PostgreSQL URL; use postgresql://USER@HOST:PORT/DB "
            "(PLAIT_SESSIONS_URL or sessions_url in plait.toml), or unset it for SQLite under PLAIT_HOME"
        )
    return postgres_backend(url)


def postgres_backend(url: str) -> PostgresBackend:
    """The process's PostgreSQL backend on ``url`` (one pool per URL and process)."""
    with _postgres_lock:
        if url not in _postgres:
            _postgres[url] = PostgresBackend(url)
        return _postgres[url]


def close_backends() -> None:
    """Close every PostgreSQL pool of this process (tests; the pools are also closed at exit)."""
    with _postgres_lock:
        for backend in _postgres.values():
            backend.close()
        _postgres.clear()


atexit.register(close_backends)
