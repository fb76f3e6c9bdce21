"""The ``plait_sessions`` table: one row per session (name, agent, owner, times, turns, title).

It lives beside LangGraph's tables (``checkpoints.sqlite`` under PLAIT_HOME, or PostgreSQL when
``sessions_url`` is set; see ``backend``), so sessions are listed without decoding checkpoints. ``owner`` is NULL for the local CLI user and for rows written before owners
existed; the server stores the id of the API key that created the session.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final

from plait.agents.sessions.backend import SqliteBackend, backend_for
from plait.core.config import Settings
from plait.core.errors import InputError, NotFound

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
    """The SQLite file of the embedded backend (also the source of ``plait sessions migrate``)."""
    settings.home.mkdir(parents=True, exist_ok=True)
    return settings.home / "checkpoints.sqlite"


def db_exists(settings: Settings) -> bool:
    """Whether sessions were ever stored (always True on PostgreSQL once it is reachable)."""
    return backend_for(settings).exists()


def connect(settings: Settings) -> sqlite3.Connection:
    """A connection to the SQLite file under ``home`` (schema up to date), whatever ``sessions_url`` says."""
    return SqliteBackend(settings.home).connect()


def _query(settings: Settings, sql: str, args: tuple = ()) -> list[tuple]:
    return backend_for(settings).query(sql, args)


def _execute(settings: Settings, *statements: tuple[str, tuple]) -> None:
    """Run ``(sql, args)`` statements in one transaction."""
    with backend_for(settings).transaction() as tx:
        for sql, args in statements:
            tx.execute(sql, args)


def touch(settings: Settings, name: str, agent: str, title: str = "", owner: str | None = None) -> None:
    """Record a turn in ``name`` (creating the session, with ``agent`` and ``owner``, on first use).

    The agent and owner of an existing session never change here; surfaces check them first
    (``check_agent``, and the server's owner check).
    """
    now = time.time()
    _execute(settings, (
        # columns qualified: PostgreSQL finds a bare `turns` ambiguous beside `excluded`
        f"INSERT INTO plait_sessions({_COLUMNS}) VALUES(?,?,?,?,1,?,?) "
        "ON CONFLICT(name) DO UPDATE SET updated=excluded.updated, turns=plait_sessions.turns+1, "
        "title=CASE WHEN plait_sessions.title='' THEN excluded.title ELSE plait_sessions.title END",
        (name, agent, now, now, title[:80], owner),
    ))


def claim(settings: Settings, name: str, owner: str) -> bool:
    """Give session ``name`` the owner ``owner`` when it has none yet; True when ``owner`` owns it now.

    The server calls it after the first turn of a session, since agents list sessions through
    ``touch`` without knowing who asked. A session that already has an owner keeps it.
    """
    with backend_for(settings).transaction() as tx:
        tx.execute("UPDATE plait_sessions SET owner=? WHERE name=? AND owner IS NULL", (owner, name))
        row = tx.execute("SELECT owner FROM plait_sessions WHERE name=?", (name,)).fetchone()
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
    backend = backend_for(settings)
    if backend.kind == "sqlite":
        backend.saver().conn.close()  # makes LangGraph's tables if no turn ever ran
    tables = (*backend.checkpoint_tables, "plait_turn_extras")
    _execute(settings, ("DELETE FROM plait_sessions WHERE name=?", (name,)),
             *((f"DELETE FROM {table} WHERE thread_id=?", (name,)) for table in tables))


# -- per-turn extras (citations, gate decision) of assistant replies, for reopened chats ----------------
def save_turn_extras(settings: Settings, name: str, turn: int, digest: str, extras: dict) -> None:
    """Keep the JSON ``extras`` of message ``turn`` (its index in the session's history) of ``name``;
    ``digest`` identifies the message text they belong to, so a changed message does not show stale ones."""
    _execute(settings, (
        "INSERT INTO plait_turn_extras(thread_id, turn, digest, extras) VALUES(?,?,?,?) "
        "ON CONFLICT(thread_id, turn) DO UPDATE SET digest=excluded.digest, extras=excluded.extras",
        (name, int(turn), digest, json.dumps(extras, default=str)),
    ))


def turn_extras(settings: Settings, name: str) -> dict[int, tuple[str, dict[str, Any]]]:
    """``{turn: (digest, extras)}`` saved for session ``name`` (empty when none)."""
    rows = _query(settings, "SELECT turn, digest, extras FROM plait_turn_extras WHERE thread_id=?", (name,))
    return {int(t): (d, json.loads(e)) for t, d, e in rows}
