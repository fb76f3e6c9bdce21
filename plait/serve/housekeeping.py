"""Open WebUI's housekeeping requests, answered cheaply without running an agent graph.

Open WebUI sends the chat's model extra requests to title a chat, tag it, suggest follow-ups,
decide on web/RAG search queries and autocomplete. Its templates start with ``### Task:`` and carry
the chat in ``<chat_history>``. Running a RAG or character graph for them would cost a full turn,
write to the session and (for characters) answer in character, so we answer them here with the
shapes Open WebUI parses (``{"title": ...}``, ``{"tags": [...]}``, ``{"follow_ups": [...]}``, ...).
"""

from __future__ import annotations

import json
import re
from typing import Any

_HISTORY = re.compile(r"<chat_history>(.*?)</chat_history>", re.S | re.I)
_USER_LINE = re.compile(r"^\s*USER:\s*(.+)$", re.M | re.I)

# (task, a pattern in the template); the first match wins, so specific ones come first.
_TASKS: list[tuple[str, re.Pattern[str]]] = [
    ("autocomplete", re.compile(r"autocompletion", re.I)),
    ("follow_ups", re.compile(r"follow[- ]?up", re.I)),
    ("tags", re.compile(r"\btags\b", re.I)),
    ("queries", re.compile(r"search quer|\"queries\"", re.I)),
    ("title", re.compile(r"\btitle\b", re.I)),
    ("emoji", re.compile(r"\bemoji\b", re.I)),
    ("image_prompt", re.compile(r"image generation", re.I)),
]


def _text(message: dict[str, Any]) -> str:
    content = message.get("content")
    return content if isinstance(content, str) else ""


def detect(messages: list[dict[str, Any]]) -> str | None:
    """The housekeeping task a request is, or None for an ordinary chat turn."""
    last = next((m for m in reversed(messages) if m.get("role") == "user"), None)
    if last is None:
        return None
    text = _text(last)
    if not text.lstrip().startswith("### Task:"):
        return None
    if "<chat_history>" not in text.lower() and "json format" not in text.lower():
        return None
    head = text.split("<chat_history>")[0]  # classify by the instructions, not by the chat itself
    for task, pattern in _TASKS:
        if pattern.search(head):
            return task
    return "other"


def _first_user_text(prompt: str) -> str:
    block = _HISTORY.search(prompt)
    chat = block.group(1) if block else prompt
    found = _USER_LINE.search(chat)
    return (found.group(1) if found else chat).strip()


def _title(prompt: str) -> str:
    words = re.findall(r"[\w'’-]+", _first_user_text(prompt))[:5]
    return " ".join(words).strip().capitalize() or "New chat"


def answer(task: str, messages: list[dict[str, Any]]) -> str:
    """The reply text for a housekeeping task (JSON where Open WebUI expects JSON)."""
    prompt = next((_text(m) for m in reversed(messages) if m.get("role") == "user"), "")
    wants_json = "json" in prompt.lower()
    if task == "title":
        title = _title(prompt)
        return json.dumps({"title": title}) if wants_json else title
    if task == "tags":
        return json.dumps({"tags": ["General"]})
    if task == "follow_ups":
        return json.dumps({"follow_ups": []})
    if task == "queries":
        return json.dumps({"queries": []})
    if task == "autocomplete":
        return json.dumps({"text": ""})
    if task == "emoji":
        return "💬"
    if task == "image_prompt":
        return json.dumps({"prompt": _first_user_text(prompt)[:200]})
    return "{}"
