"""Chat sessions: LangGraph thread ids checkpointed in SQLite under PLAIT_HOME.

``checkpoints.sqlite`` holds LangGraph's own tables plus ``plait_sessions`` (name, agent, times),
so sessions can be listed without decoding checkpoints.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from plait.core.config import Settings
from plait.core.errors import NotFound

_SCHEMA = """
CREATE TABLE IF NOT EXISTS plait_sessions (
    name TEXT PRIMARY KEY,
    agent TEXT NOT NULL,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    turns INTEGER NOT NULL DEFAULT 0,
    title TEXT NOT NULL DEFAULT ''
)"""


@dataclass
class SessionInfo:
    name: str
    agent: str
    created: float
    updated: float
    turns: int
    title: str

    def to_json(self) -> dict:
        return asdict(self)


def db_path(settings: Settings) -> Path:
    settings.home.mkdir(parents=True, exist_ok=True)
    return settings.home / "checkpoints.sqlite"


def connect(settings: Settings) -> sqlite3.Connection:
    conn = sqlite3.connect(db_path(settings), check_same_thread=False, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(_SCHEMA)
    conn.commit()
    return conn


def checkpointer(settings: Settings):
    """A LangGraph SqliteSaver on this data directory's database."""
    from langgraph.checkpoint.sqlite import SqliteSaver

    saver = SqliteSaver(connect(settings))
    saver.setup()
    return saver


def touch(settings: Settings, name: str, agent: str, title: str = "") -> None:
    """Record a turn in ``name`` (creating the session on first use)."""
    now = time.time()
    with connect(settings) as conn:
        conn.execute(
            "INSERT INTO plait_sessions(name, agent, created, updated, turns, title) VALUES(?,?,?,?,1,?) "
            "ON CONFLICT(name) DO UPDATE SET updated=excluded.updated, turns=turns+1, "
            "title=CASE WHEN title='' THEN excluded.title ELSE title END",
            (name, agent, now, now, title[:80]),
        )


def list_sessions(settings: Settings) -> list[SessionInfo]:
    if not (settings.home / "checkpoints.sqlite").exists():
        return []
    with connect(settings) as conn:
        rows = conn.execute("SELECT name, agent, created, updated, turns, title FROM plait_sessions ORDER BY updated DESC").fetchall()
    return [SessionInfo(*r) for r in rows]


def get_session(settings: Settings, name: str) -> SessionInfo:
    for s in list_sessions(settings):
        if s.name == name:
            return s
    raise NotFound(f"no session named {name!r}; `plait sessions list` shows the existing ones")


def delete_session(settings: Settings, name: str) -> None:
    get_session(settings, name)
    with connect(settings) as conn:
        conn.execute("DELETE FROM plait_sessions WHERE name=?", (name,))
        for table in ("checkpoints", "writes", "plait_turn_extras"):
            try:
                conn.execute(f"DELETE FROM {table} WHERE thread_id=?", (name,))
            except sqlite3.OperationalError:
                pass  # LangGraph tables not created yet


# -- per-turn extras (citations, gate decision) of assistant replies, for reopened chats ----------------
_EXTRAS_SCHEMA = """
CREATE TABLE IF NOT EXISTS plait_turn_extras (
    thread_id TEXT NOT NULL,
    turn INTEGER NOT NULL,
    digest TEXT NOT NULL,
    extras TEXT NOT NULL,
    PRIMARY KEY (thread_id, turn)
)"""


def save_turn_extras(settings: Settings, name: str, turn: int, digest: str, extras: dict) -> None:
    """Keep the JSON ``extras`` of message ``turn`` (its index in the session's history) of ``name``;
    ``digest`` identifies the message text they belong to, so a changed message does not show stale ones."""
    import json

    with connect(settings) as conn:
        conn.execute(_EXTRAS_SCHEMA)
        conn.execute(
            "INSERT OR REPLACE INTO plait_turn_extras(thread_id, turn, digest, extras) VALUES(?,?,?,?)",
            (name, int(turn), digest, json.dumps(extras, default=str)),
        )


def turn_extras(settings: Settings, name: str) -> dict[int, tuple[str, dict]]:
    """``{turn: (digest, extras)}`` saved for session ``name`` (empty when none)."""
    import json

    if not (settings.home / "checkpoints.sqlite").exists():
        return {}
    with connect(settings) as conn:
        conn.execute(_EXTRAS_SCHEMA)
        rows = conn.execute("SELECT turn, digest, extras FROM plait_turn_extras WHERE thread_id=?", (name,)).fetchall()
    return {int(t): (d, json.loads(e)) for t, d, e in rows}
