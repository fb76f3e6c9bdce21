"""Sessions in PostgreSQL: a clear error for an unreachable database, schema on first use, the pool."""

from __future__ import annotations

import socket

import psycopg
import pytest

from plait.agents import sessions
from plait.core.config import load_settings
from plait.core.errors import ConfigError, StoreError


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens once the socket is closed


def test_unreachable_database_names_the_url_without_its_password_and_the_fix(plait_home, monkeypatch):
    url = f"postgresql://plait:s3cret-pw@127.0.0.1:{_closed_port()}/sessions"
    monkeypatch.setenv("PLAIT_SESSIONS_URL", url)
    with pytest.raises(StoreError) as err:
        sessions.list_sessions(load_settings())
    message = str(err.value)
    assert "s3cret-pw" not in message
    assert url.replace("s3cret-pw", "***") in message
    assert "PLAIT_SESSIONS_URL" in message and "start PostgreSQL" in message
    sessions.backend.close_backends()


def test_a_url_that_is_not_postgresql_is_refused(plait_home, monkeypatch):
    monkeypatch.setenv("PLAIT_SESSIONS_URL", "mysql://u@127.0.0.1/x")
    with pytest.raises(ConfigError, match="not a PostgreSQL URL"):
        sessions.get_session(load_settings(), "s")


def test_schema_is_made_on_first_use_of_an_empty_database(plait_home, monkeypatch, fresh_postgres_db):
    monkeypatch.setenv("PLAIT_SESSIONS_URL", fresh_postgres_db)
    settings = load_settings()
    assert sessions.list_sessions(settings) == []
    with psycopg.connect(fresh_postgres_db) as conn:
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname='public'")}
    assert {"plait_sessions", "plait_turn_extras", "checkpoints", "checkpoint_blobs", "checkpoint_writes"} <= tables
    assert not (plait_home / "checkpoints.sqlite").exists()  # nothing went to SQLite
    backend = sessions.backend_for(settings)
    assert backend.kind == "postgres" and backend is sessions.backend_for(load_settings())  # one pool per URL
    with backend.pool().connection() as conn:  # what cross-process turn locks borrow
        assert conn.execute("SELECT pg_try_advisory_lock(42) AS ok").fetchone()["ok"] is True
        conn.execute("SELECT pg_advisory_unlock(42)")
    sessions.backend.close_backends()
