"""The ``plait_sessions`` table: one row per session (name, agent, owner, times, turns, title).

It lives in ``checkpoints.sqlite`` beside LangGraph's tables, so sessions are listed without
decoding checkpoints. ``owner`` is NULL for the local CLI user and for rows written before owners
existed; the server stores the id of the API key that created the session.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final

from plait.core.config import Settings
from plait.core.errors import InputError, NotFound

_SCHEMA = """
CREATE TABLE IF NOT EXISTS plait_sessions (
    name TEXT PRIMARY KEY,
    agent TEXT NOT NULL,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    turns INTEGER NOT NULL DEFAULT 0,
    title TEXT NOT NULL DEFAULT '',
    owner TEXT
)"""

_EXTRAS_SCHEMA = """
CREATE TABLE IF NOT EXISTS plait_turn_extras (
    thread_id TEXT NOT NULL,
    turn INTEGER NOT NULL,
    digest TEXT NOT NULL,
    extras TEXT NOT NULL,
    PRIMARY KEY (thread_id, turn)
)"""

_COLUMNS = "name, agent, created, updated, turns, title, owner"


class _Any:
    """Sentinel of ``list_sessions(owner=ANY)``: every owner (None means the local / legacy owner)."""

    def __repr__(self) -> str:
        return "ANY"


ANY: Final = _Any()


class SessionAgentMismatch(InputError):
    """A session is opened with an agent other than the one that created it."""

    def __init__(self, name: str, agent: str, wanted: str):
        self.session, self.agent, self.wanted = name, agent, wanted
        super().__init__(
            f"session {name!r} belongs to agent {agent!r}, not {wanted!r}; continue it with "
            f"`{resume_command(name, agent)}` (or `plait ask --agent {agent} --session {name} QUESTION`), "
            f"or use another session name"
        )


@dataclass
class SessionInfo:
    name: str
    agent: str
    created: float
    updated: float
    turns: int
    title: str
    owner: str | None = None

    def to_json(self) -> dict:
        return asdict(self)


def resume_command(name: str, agent: str) -> str:
    """The full ``plait chat`` command that reopens session ``name`` with its own agent."""
    import shlex

    if agent.startswith("character/"):
        how = f"--character {shlex.quote(agent.split('/', 1)[1])}"
    else:
        how = f"--agent {shlex.quote(agent)}" if agent != "rag" else ""
    return " ".join(p for p in ("plait chat", how, f"--session {shlex.quote(name)}") if p)


def db_path(settings: Settings) -> Path:
    settings.home.mkdir(parents=True, exist_ok=True)
    return settings.home / "checkpoints.sqlite"


def db_exists(settings: Settings) -> bool:
    return (settings.home / "checkpoints.sqlite").exists()


def _migrate(conn: sqlite3.Connection) -> None:
    """Bring an older database up to the current schema (adds ``owner`` to pre-owner tables)."""
    conn.execute(_SCHEMA)
    columns = {row[1] for row in conn.execute("PRAGMA table_info(plait_sessions)")}
    if "owner" not in columns:
        try:
            conn.execute("ALTER TABLE plait_sessions ADD COLUMN owner TEXT")
        except sqlite3.OperationalError as exc:  # another process added it between our check and now
            if "duplicate column" not in str(exc):
                raise
    conn.execute(_EXTRAS_SCHEMA)


def connect(settings: Settings) -> sqlite3.Connection:
    conn = sqlite3.connect(db_path(settings), check_same_thread=False, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    _migrate(conn)
    conn.commit()
    return conn


def _query(settings: Settings, sql: str, args: tuple = ()) -> list[tuple]:
    if not db_exists(settings):
        return []
    conn = connect(settings)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def touch(settings: Settings, name: str, agent: str, title: str = "", owner: str | None = None) -> None:
    """Record a turn in ``name`` (creating the session, with ``agent`` and ``owner``, on first use).

    The agent and owner of an existing session never change here; surfaces check them first
    (``check_agent``, and the server's owner check).
    """
    now = time.time()
    conn = connect(settings)
    try:
        with conn:
            conn.execute(
                f"INSERT INTO plait_sessions({_COLUMNS}) VALUES(?,?,?,?,1,?,?) "
                "ON CONFLICT(name) DO UPDATE SET updated=excluded.updated, turns=turns+1, "
                "title=CASE WHEN title='' THEN excluded.title ELSE title END",
                (name, agent, now, now, title[:80], owner),
            )
    finally:
        conn.close()


def claim(settings: Settings, name: str, owner: str) -> bool:
    """Give session ``name`` the owner ``owner`` when it has none yet; True when ``owner`` owns it now.

    The server calls it after the first turn of a session, since agents list sessions through
    ``touch`` without knowing who asked. A session that already has an owner keeps it.
    """
    conn = connect(settings)
    try:
        with conn:
            conn.execute("UPDATE plait_sessions SET owner=? WHERE name=? AND owner IS NULL", (owner, name))
        row = conn.execute("SELECT owner FROM plait_sessions WHERE name=?", (name,)).fetchone()
    finally:
        conn.close()
    return bool(row) and row[0] == owner


def get_session(settings: Settings, name: str) -> SessionInfo | None:
    """The listed session ``name``, or None."""
    rows = _query(settings, f"SELECT {_COLUMNS} FROM plait_sessions WHERE name=?", (name,))
    return SessionInfo(*rows[0]) if rows else None


def require_session(settings: Settings, name: str) -> SessionInfo:
    """``get_session``, raising NotFound (with the fix) for an unknown name."""
    info = get_session(settings, name)
    if info is None:
        raise NotFound(f"no session named {name!r}; `plait sessions list` shows the existing ones")
    return info


def session_row(settings: Settings, name: str) -> tuple[str, float, int] | None:
    """``(agent, updated, turns)`` of a listed session, or None (cheap: tells whether a turn was recorded)."""
    rows = _query(settings, "SELECT agent, updated, turns FROM plait_sessions WHERE name=?", (name,))
    return tuple(rows[0]) if rows else None  # type: ignore[return-value]


def check_agent(settings: Settings, name: str, agent: str) -> SessionInfo | None:
    """Refuse to open session ``name`` with ``agent`` when another agent created it.

    Returns the session (None when it does not exist yet, so any agent may start it).
    """
    info = get_session(settings, name)
    if info is not None and info.agent != agent:
        raise SessionAgentMismatch(name, info.agent, agent)
    return info


def list_sessions(settings: Settings, owner: str | None | _Any = ANY) -> list[SessionInfo]:
    """Sessions, most recent first: all of them (``owner=ANY``), or those of one owner
    (``owner=None``: the local CLI user and sessions from before owners existed)."""
    if owner is ANY:
        rows = _query(settings, f"SELECT {_COLUMNS} FROM plait_sessions ORDER BY updated DESC")
    elif owner is None:
        rows = _query(settings, f"SELECT {_COLUMNS} FROM plait_sessions WHERE owner IS NULL ORDER BY updated DESC")
    else:
        rows = _query(settings, f"SELECT {_COLUMNS} FROM plait_sessions WHERE owner=? ORDER BY updated DESC", (owner,))
    return [SessionInfo(*r) for r in rows]


def delete_session(settings: Settings, name: str) -> None:
    """Delete the session, its checkpoints and its stored extras; NotFound when it is not listed."""
    require_session(settings, name)
    conn = connect(settings)
    try:
        with conn:
            conn.execute("DELETE FROM plait_sessions WHERE name=?", (name,))
            for table in ("checkpoints", "writes", "plait_turn_extras"):
                try:
                    conn.execute(f"DELETE FROM {table} WHERE thread_id=?", (name,))
                except sqlite3.OperationalError:
                    pass  # LangGraph tables not created yet
    finally:
        conn.close()


# -- per-turn extras (citations, gate decision) of assistant replies, for reopened chats ----------------
def save_turn_extras(settings: Settings, name: str, turn: int, digest: str, extras: dict) -> None:
    """Keep the JSON ``extras`` of message ``turn`` (its index in the session's history) of ``name``;
    ``digest`` identifies the message text they belong to, so a changed message does not show stale ones."""
    conn = connect(settings)
    try:
        with conn:
            conn.execute(
                "INSERT OR REPLACE INTO plait_turn_extras(thread_id, turn, digest, extras) VALUES(?,?,?,?)",
                (name, int(turn), digest, json.dumps(extras, default=str)),
            )
    finally:
        conn.close()


def turn_extras(settings: Settings, name: str) -> dict[int, tuple[str, dict[str, Any]]]:
    """``{turn: (digest, extras)}`` saved for session ``name`` (empty when none)."""
    rows = _query(settings, "SELECT turn, digest, extras FROM plait_turn_extras WHERE thread_id=?", (name,))
    return {int(t): (d, json.loads(e)) for t, d, e in rows}
