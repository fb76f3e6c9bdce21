"""A session's LangGraph checkpoints: reading its state, and rewinding its transcript.

A session is a LangGraph thread. Its transcript is the ``messages`` channel (LangGraph's
convention, used by characters) or ``history`` (the rag graph) of the thread's latest checkpoint.
Only that checkpoint is kept (``saver.LatestOnlySaver``), so a rewind edits it: it writes a new
latest checkpoint whose transcript is cut, instead of deleting back to an older one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

from plait.agents.sessions.backend import backend_for
from plait.core.config import Settings

TRANSCRIPT_CHANNELS = ("messages", "history")


def checkpointer(settings: Settings) -> Any:
    """A LangGraph checkpointer on the sessions database (latest checkpoint per thread), SQLite or PostgreSQL."""
    return backend_for(settings).saver()


@contextmanager
def _saver(settings: Settings) -> Iterator[Any]:
    """A checkpointer for one operation (its SQLite connection is closed after)."""
    backend = backend_for(settings)
    saver = backend.saver()
    try:
        yield saver
    finally:
        backend.close_saver(saver)


def has_checkpoints(settings: Settings, name: str) -> bool:
    """Whether the thread ``name`` has any checkpoint yet (False before its first turn)."""
    try:
        rows = backend_for(settings).query("SELECT 1 FROM checkpoints WHERE thread_id=? LIMIT 1", (name,))
    except sqlite3.OperationalError:
        return False  # LangGraph's tables do not exist yet (SQLite; PostgreSQL makes them on first use)
    return bool(rows)


def _config(name: str) -> dict[str, Any]:
    return {"configurable": {"thread_id": name, "checkpoint_ns": ""}}


def state_values(settings: Settings, name: str) -> dict[str, Any]:
    """The channel values of the session's latest checkpoint (empty for a new session)."""
    if not has_checkpoints(settings, name):
        return {}
    with _saver(settings) as saver:
        found = saver.get_tuple(_config(name))
    return dict((found.checkpoint.get("channel_values") or {}) if found else {})


def transcript(settings: Settings, name: str) -> list[Any]:
    """The session's stored messages (dicts or LangChain messages, as the graph keeps them), oldest first."""
    values = state_values(settings, name)
    for channel in TRANSCRIPT_CHANNELS:
        if values.get(channel):
            return list(values[channel])
    return []


def _role(message: Any) -> str | None:
    if isinstance(message, dict):
        return message.get("role")
    return {"human": "user", "ai": "assistant"}.get(getattr(message, "type", ""), None)


def rewind_to(settings: Settings, name: str, keep: int) -> bool:
    """Cut the session's transcript to its first ``keep`` messages (a new latest checkpoint).

    Returns False when there is nothing to cut. Other channels are left as they are: they hold
    the last turn's outputs, which the next turn overwrites.
    """
    if not has_checkpoints(settings, name):
        return False
    with _saver(settings) as saver:
        found = saver.get_tuple(_config(name))
        if found is None:
            return False
        values = found.checkpoint.get("channel_values") or {}
        channel = next((c for c in TRANSCRIPT_CHANNELS if c in values), None)
        if channel is None or len(values[channel]) <= max(keep, 0):
            return False
        _put_edited(saver, found, channel, list(values[channel])[: max(keep, 0)])
    return True


def _put_edited(saver: Any, found: Any, channel: str, value: list[Any]) -> None:
    """Write ``found``'s checkpoint again with ``channel`` set to ``value``, as the newest checkpoint."""
    from langgraph.checkpoint.base import copy_checkpoint
    from langgraph.checkpoint.base.id import uuid6

    checkpoint = copy_checkpoint(found.checkpoint)
    checkpoint["id"] = str(uuid6(clock_seq=int((found.metadata or {}).get("step", 0)) + 1))
    checkpoint["ts"] = datetime.now(timezone.utc).isoformat()
    checkpoint["channel_values"][channel] = value
    version = saver.get_next_version(checkpoint["channel_versions"].get(channel), None)
    checkpoint["channel_versions"][channel] = version
    metadata = {"source": "update", "step": int((found.metadata or {}).get("step", 0)) + 1, "parents": {}}
    saver.put(found.config, checkpoint, metadata, {channel: version})


def rewind_last_turn(settings: Settings, name: str) -> bool:
    """Drop the session's last turn (its last user message and everything after it), so it can run again.

    Returns False when there is nothing to rewind.
    """
    messages = transcript(settings, name)
    last_user = next((i for i in range(len(messages) - 1, -1, -1) if _role(messages[i]) == "user"), None)
    if last_user is None:
        return False
    return rewind_to(settings, name, last_user)


def stored_bytes(settings: Settings) -> int:
    """Bytes the sessions database holds in live pages (SQLite) or live rows (PostgreSQL)."""
    return backend_for(settings).stored_bytes()
