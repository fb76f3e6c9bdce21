"""The session list in real SQLite: owners, the migration of older databases, the agent check."""

from __future__ import annotations

import sqlite3

import pytest

from plait.agents import sessions
from plait.core.errors import NotFound

# plait_sessions as written by versions before owners existed
_OLD_SCHEMA = """
CREATE TABLE plait_sessions (
    name TEXT PRIMARY KEY, agent TEXT NOT NULL, created REAL NOT NULL, updated REAL NOT NULL,
    turns INTEGER NOT NULL DEFAULT 0, title TEXT NOT NULL DEFAULT ''
)"""


@pytest.fixture(autouse=True)
def backend(sessions_backend):
    """Every test runs on SQLite and on PostgreSQL (tests about SQLite files skip the latter)."""
    return sessions_backend


def sqlite_only(backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("about the SQLite file under PLAIT_HOME")


def test_database_without_owner_column_opens_and_gains_it(backend, plait_settings):
    sqlite_only(backend)
    path = plait_settings.home / "checkpoints.sqlite"
    conn = sqlite3.connect(path)
    conn.execute(_OLD_SCHEMA)
    conn.execute("INSERT INTO plait_sessions VALUES('old', 'rag', 1.0, 2.0, 3, 'from before')")
    conn.commit()
    conn.close()

    info = sessions.get_session(plait_settings, "old")
    assert info is not None and (info.agent, info.turns, info.title, info.owner) == ("rag", 3, "from before", None)
    sessions.touch(plait_settings, "new", "rag", "hello", owner="key-b")
    assert [s.name for s in sessions.list_sessions(plait_settings)] == ["new", "old"]
    columns = {row[1] for row in sqlite3.connect(path).execute("PRAGMA table_info(plait_sessions)")}
    assert "owner" in columns


def test_sessions_are_listed_per_owner(plait_settings):
    sessions.touch(plait_settings, "a1", "rag", "first", owner="key-a")
    sessions.touch(plait_settings, "b1", "rag", "second", owner="key-b")
    sessions.touch(plait_settings, "local", "rag", "cli")
    assert [s.name for s in sessions.list_sessions(plait_settings, owner="key-a")] == ["a1"]
    assert [s.name for s in sessions.list_sessions(plait_settings, owner=None)] == ["local"]
    assert {s.name for s in sessions.list_sessions(plait_settings)} == {"a1", "b1", "local"}
    assert sessions.get_session(plait_settings, "b1").owner == "key-b"


def test_touch_keeps_the_first_agent_owner_and_title(plait_settings):
    sessions.touch(plait_settings, "s", "character/ada-lovelace", "hi", owner="key-a")
    sessions.touch(plait_settings, "s", "rag", "other", owner="key-b")
    info = sessions.get_session(plait_settings, "s")
    assert (info.agent, info.owner, info.title, info.turns) == ("character/ada-lovelace", "key-a", "hi", 2)
    assert sessions.session_row(plait_settings, "s")[0::2] == ("character/ada-lovelace", 2)


def test_unknown_session_is_none_or_not_found(plait_settings):
    assert sessions.get_session(plait_settings, "nope") is None
    assert sessions.session_row(plait_settings, "nope") is None
    with pytest.raises(NotFound, match="no session named 'nope'"):
        sessions.require_session(plait_settings, "nope")
    with pytest.raises(NotFound):
        sessions.delete_session(plait_settings, "nope")


def test_opening_a_session_with_another_agent_names_the_right_command(plait_settings):
    sessions.touch(plait_settings, "tea time", "character/ada-lovelace", "hello")
    assert sessions.check_agent(plait_settings, "tea time", "character/ada-lovelace").name == "tea time"
    assert sessions.check_agent(plait_settings, "fresh", "rag") is None  # a new session: any agent
    with pytest.raises(sessions.SessionAgentMismatch) as err:
        sessions.check_agent(plait_settings, "tea time", "rag")
    assert "plait chat --character ada-lovelace --session 'tea time'" in str(err.value)
    assert "plait ask --agent character/ada-lovelace" in str(err.value)


def test_resume_command_is_complete_for_each_kind_of_agent():
    assert sessions.resume_command("s1", "rag") == "plait chat --session s1"
    assert sessions.resume_command("s1", "math") == "plait chat --agent math --session s1"
    assert sessions.resume_command("s1", "character/ada-lovelace") == "plait chat --character ada-lovelace --session s1"


def test_delete_removes_the_row_checkpoints_and_extras(plait_settings):
    sessions.touch(plait_settings, "gone", "rag", "x")
    sessions.save_turn_extras(plait_settings, "gone", 1, "d" * 16, {"sources": []})
    sessions.delete_session(plait_settings, "gone")
    assert sessions.get_session(plait_settings, "gone") is None
    assert sessions.turn_extras(plait_settings, "gone") == {}
