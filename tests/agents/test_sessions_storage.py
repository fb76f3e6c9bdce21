"""Checkpoint storage of sessions: bounded per turn, resumable, rewindable, old databases readable.

Real SQLite under a temporary PLAIT_HOME, the real rag graph, the scripted model.
"""

from __future__ import annotations

import sqlite3

import pytest

from plait.agents import sessions
from plait.agents.base import AgentRequest, get_agent
from plait.core.config import load_settings

PAD = "x" * 1000  # ~1 KB user messages, as in the measurement


def _turn(agent, session: str, text: str):
    return agent.invoke(AgentRequest([{"role": "user", "content": text}], session, {"retrieve": "never"}))


def _live_bytes(settings) -> int:
    """Bytes in the database's used pages, after folding the WAL in (free pages not counted)."""
    conn = sqlite3.connect(settings.home / "checkpoints.sqlite")
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        used = conn.execute("PRAGMA page_count").fetchone()[0] - conn.execute("PRAGMA freelist_count").fetchone()[0]
        return used * conn.execute("PRAGMA page_size").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture(autouse=True)
def backend(sessions_backend):
    """Every test runs on SQLite and on PostgreSQL (tests about SQLite files skip the latter)."""
    return sessions_backend


def sqlite_only(backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("about the SQLite file under PLAIT_HOME")


@pytest.fixture
def rag(plait_home):
    return get_agent("rag", load_settings())


def _rows(settings, sql: str, args: tuple = ()) -> list[tuple]:
    """Rows read straight from the backend's database (not through plait)."""
    if settings.sessions_url:
        import psycopg

        with psycopg.connect(settings.sessions_url) as conn:
            return [tuple(r) for r in conn.execute(sql.replace("?", "%s"), args).fetchall()]
    conn = sqlite3.connect(settings.home / "checkpoints.sqlite")
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def test_bytes_stored_per_turn_stay_flat(backend, rag):
    settings = rag.settings
    measure = _live_bytes if backend == "sqlite" else sessions.stored_bytes
    sizes = {}
    for n in range(1, 61):
        _turn(rag, "long", f"question {n} {PAD}")
        if n in (10, 30, 60):
            sizes[n] = measure(settings)
    early = (sizes[30] - sizes[10]) / 20
    late = (sizes[60] - sizes[30]) / 30
    # a turn stores its question and its echoed answer (~2 KB) once, whatever came before it
    assert late < 1.3 * early, sizes
    assert late < 6000, f"{late:.0f} bytes per turn for a ~2 KB turn: {sizes}"
    if backend == "sqlite":
        assert sessions.stored_bytes(settings) == _live_bytes(settings)


def test_only_the_latest_checkpoint_of_a_session_is_kept(backend, rag):
    for n in range(3):
        _turn(rag, "s", f"q{n}")
    _turn(rag, "other", "hello")
    settings = rag.settings
    rows = _rows(settings, "SELECT thread_id, count(*) FROM checkpoints GROUP BY thread_id ORDER BY thread_id")
    latest = _rows(settings, "SELECT max(checkpoint_id) FROM checkpoints WHERE thread_id='s'")[0][0]
    writes = "writes" if backend == "sqlite" else "checkpoint_writes"
    stale = _rows(settings, f"SELECT count(*) FROM {writes} WHERE thread_id='s' AND checkpoint_id<?", (latest,))[0][0]
    assert rows == [("other", 1), ("s", 1)] and stale == 0
    if backend == "postgres":  # channel values live in blobs: only the versions the latest checkpoint uses stay
        orphans = _rows(settings, "SELECT count(*) FROM checkpoint_blobs b WHERE thread_id='s' AND NOT EXISTS ("
                        "SELECT 1 FROM checkpoints c WHERE c.thread_id=b.thread_id AND c.checkpoint_ns=b.checkpoint_ns "
                        "AND c.checkpoint->'channel_versions'->>b.channel = b.version)")[0][0]
        assert orphans == 0


def test_session_resumes_in_a_new_process_with_every_turn(rag):
    for n in range(1, 6):
        _turn(rag, "resumed", f"question {n}")
    fresh = get_agent("rag", load_settings())  # a new agent: new connection, nothing cached
    history = fresh.history("resumed")
    assert [m["content"] for m in history[::2]] == [f"question {n}" for n in range(1, 6)]
    assert [m["content"] for m in history[1::2]] == [f"Echo: question {n}" for n in range(1, 6)]
    _turn(fresh, "resumed", "question 6")
    assert len(rag.history("resumed")) == 12


def test_rewind_last_turn_drops_exactly_that_turn_and_the_session_goes_on(rag):
    for n in range(1, 4):
        _turn(rag, "r", f"question {n}")
    assert sessions.rewind_last_turn(rag.settings, "r") is True
    assert [m["content"] for m in rag.history("r")] == ["question 1", "Echo: question 1", "question 2", "Echo: question 2"]
    _turn(rag, "r", "question 3 again")
    assert [m["content"] for m in rag.history("r")][-2:] == ["question 3 again", "Echo: question 3 again"]
    assert sessions.rewind_to(rag.settings, "r", 2) is True
    assert [m["content"] for m in sessions.transcript(rag.settings, "r")] == ["question 1", "Echo: question 1"]
    assert sessions.rewind_to(rag.settings, "r", 2) is False  # nothing left to cut
    assert sessions.rewind_last_turn(rag.settings, "never-used") is False


def test_sessions_written_with_every_checkpoint_still_open(backend, plait_home, monkeypatch):
    """A database written by earlier versions (plain SqliteSaver: a checkpoint per step) opens,
    resumes, and is reduced to the latest checkpoint by its next turn."""
    from langgraph.checkpoint.sqlite import SqliteSaver

    import plait.agents.graph_agent as graph_agent

    sqlite_only(backend)
    settings = load_settings()
    old = get_agent("rag", settings)
    old.__dict__["session_graph"] = old._build(SqliteSaver(sqlite3.connect(settings.home / "checkpoints.sqlite", check_same_thread=False)))
    with monkeypatch.context() as m:
        m.setattr(graph_agent, "DURABILITY", "sync")  # earlier versions checkpointed after every step
        for n in range(1, 4):
            _turn(old, "legacy", f"old question {n}")
    conn = sqlite3.connect(settings.home / "checkpoints.sqlite")
    assert conn.execute("SELECT count(*) FROM checkpoints WHERE thread_id='legacy'").fetchone()[0] > 3

    new = get_agent("rag", load_settings())
    assert len(new.history("legacy")) == 6 and sessions.has_checkpoints(settings, "legacy")
    _turn(new, "legacy", "new question")
    assert [m["content"] for m in new.history("legacy")][-2:] == ["new question", "Echo: new question"]
    assert conn.execute("SELECT count(*) FROM checkpoints WHERE thread_id='legacy'").fetchone()[0] == 1
    assert sessions.get_session(settings, "legacy").turns == 4
