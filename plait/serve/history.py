"""Reading and rewinding a session's LangGraph checkpoints (for the web page and regenerate).

A session is a LangGraph thread in ``checkpoints.sqlite`` (``plait.agents.sessions``). Its messages
are the ``messages`` channel of the thread's latest checkpoint.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from plait.agents import sessions
from plait.core.config import Settings

_ROLES = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool", "AIMessageChunk": "assistant"}


def to_dict(message: Any) -> dict[str, Any] | None:
    """An OpenAI-style dict from a LangChain message or a dict; None for what is not a message."""
    if isinstance(message, dict):
        role, content = message.get("role"), message.get("content")
    else:
        role = _ROLES.get(getattr(message, "type", ""), None)
        content = getattr(message, "content", None)
    if role is None:
        return None
    if isinstance(content, list):
        content = "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
    return {"role": role, "content": content or ""}


def _db_exists(settings: Settings) -> bool:
    return (settings.home / "checkpoints.sqlite").exists()


def has_checkpoints(settings: Settings, name: str) -> bool:
    """Whether the thread ``name`` has any checkpoint yet (False before its first turn)."""
    if not _db_exists(settings):
        return False
    conn = sessions.connect(settings)
    try:
        row = conn.execute("SELECT 1 FROM checkpoints WHERE thread_id=? LIMIT 1", (name,)).fetchone()
    except sqlite3.OperationalError:
        return False  # LangGraph's tables do not exist yet
    finally:
        conn.close()
    return row is not None


def history(settings: Settings, name: str) -> list[dict[str, Any]]:
    """The session's messages (user/assistant/system; tool traffic left out), oldest first.

    Read from the thread's latest checkpoint, so it works for any agent graph on the plait
    checkpointer whose state keeps the transcript in ``messages`` or ``history``.
    """
    if not has_checkpoints(settings, name):
        return []
    saver = sessions.checkpointer(settings)
    try:
        found = saver.get_tuple({"configurable": {"thread_id": name, "checkpoint_ns": ""}})
    finally:
        saver.conn.close()
    if found is None:
        return []
    values = found.checkpoint.get("channel_values", {}) or {}
    out = []
    # graphs name their transcript channel "messages" (LangGraph's convention) or "history" (rag)
    for message in values.get("messages") or values.get("history") or []:
        item = to_dict(message)
        if item and item["role"] in ("user", "assistant", "system") and item["content"]:
            out.append(item)
    return out


def rewind_last_turn(settings: Settings, name: str) -> bool:
    """Drop the checkpoints written by the session's last turn, so the turn can be run again.

    A turn starts with a checkpoint whose metadata ``source`` is ``"input"``; that checkpoint and
    every later one (ids sort by time) are deleted with their pending writes. Returns False when
    there is nothing to rewind.
    """
    if not has_checkpoints(settings, name):
        return False
    saver = sessions.checkpointer(settings)
    try:
        config = {"configurable": {"thread_id": name, "checkpoint_ns": ""}}
        start = None
        for tup in saver.list(config):  # newest first
            if (tup.metadata or {}).get("source") == "input":
                start = tup.config["configurable"]["checkpoint_id"]
                break
        if start is None:
            return False
        with saver.lock:
            saver.conn.execute("DELETE FROM checkpoints WHERE thread_id=? AND checkpoint_ns='' AND checkpoint_id>=?", (name, start))
            saver.conn.execute("DELETE FROM writes WHERE thread_id=? AND checkpoint_ns='' AND checkpoint_id>=?", (name, start))
            saver.conn.commit()
    finally:
        saver.conn.close()
    return True


# -- extras of each assistant reply (sources, gate), kept beside the checkpoints ------------------------
def _digest(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def keep_extras(settings: Settings, name: str, extras: dict[str, Any]) -> bool:
    """Store ``extras`` for the session's last message when it is an assistant reply (after a turn).

    Keyed by the reply's index in ``history`` and a digest of its text, so a regenerated or rewound
    turn overwrites them and a message whose text changed shows none rather than stale ones.
    """
    messages = history(settings, name)
    if not messages or messages[-1]["role"] != "assistant":
        return False
    sessions.save_turn_extras(settings, name, len(messages) - 1, _digest(messages[-1]["content"]), extras)
    return True


def restamp_last(settings: Settings, name: str) -> None:
    """After the last reply's text was swapped for an alternative, keep its turn's extras attached."""
    messages = history(settings, name)
    if not messages:
        return
    kept = sessions.turn_extras(settings, name).get(len(messages) - 1)
    if kept is not None:
        sessions.save_turn_extras(settings, name, len(messages) - 1, _digest(messages[-1]["content"]), kept[1])


def history_with_extras(settings: Settings, name: str) -> list[dict[str, Any]]:
    """``history`` with each assistant reply's stored extras as its ``plait`` field (when kept)."""
    messages = history(settings, name)
    kept = sessions.turn_extras(settings, name) if messages else {}
    for i, message in enumerate(messages):
        found = kept.get(i)
        if found and message["role"] == "assistant" and found[0] == _digest(message["content"]):
            message["plait"] = found[1]
    return messages
