"""Reading and rewinding a session's LangGraph checkpoints (for the web page and regenerate).

A session is a LangGraph thread in ``checkpoints.sqlite``; all SQL on it lives in
``plait.agents.sessions``. This module turns its stored transcript into OpenAI-style messages.
"""

from __future__ import annotations

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


def has_checkpoints(settings: Settings, name: str) -> bool:
    """Whether the thread ``name`` has any checkpoint yet (False before its first turn)."""
    return sessions.has_checkpoints(settings, name)


def history(settings: Settings, name: str) -> list[dict[str, Any]]:
    """The session's messages (user/assistant/system; tool traffic left out), oldest first.

    Read from the thread's latest checkpoint, so it works for any agent graph on the plait
    checkpointer whose state keeps the transcript in ``messages`` or ``history``.
    """
    out = []
    for message in sessions.transcript(settings, name):
        item = to_dict(message)
        if item and item["role"] in ("user", "assistant", "system") and item["content"]:
            out.append(item)
    return out


def rewind_last_turn(settings: Settings, name: str) -> bool:
    """Drop the session's last turn (its last user message and what follows), so it can run again.

    Returns False when there is nothing to rewind (see ``plait.agents.sessions.rewind_last_turn``).
    """
    return sessions.rewind_last_turn(settings, name)


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
