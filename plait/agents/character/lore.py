"""Lorebook (V2 ``character_book``) scanning.

An enabled entry activates when it is ``constant``, or when one of its ``keys`` occurs in the
last ``scan_depth`` messages (and, for a ``selective`` entry, one of its ``secondary_keys`` too).
Keys match case-insensitively unless ``case_sensitive``; a key written ``/pattern/flags`` is a
regular expression (every key, with V3's ``use_regex``). Activated entries are admitted by priority (constants first) until the
``token_budget`` is spent, then ordered by ``insertion_order`` (lower = earlier in the prompt).
With ``recursive_scanning``, activated content is scanned once more for further keys.
"""

from __future__ import annotations

import re
from typing import Any, Callable

DEFAULT_SCAN_DEPTH = 4
DEFAULT_TOKEN_BUDGET = 512


def _text_of(message: dict[str, Any]) -> str:
    content = message.get("content") or ""
    if isinstance(content, str):
        return content
    return " ".join(p.get("text", "") for p in content if isinstance(p, dict))


def key_matches(key: str, text: str, case_sensitive: bool = False) -> bool:
    key = key.strip()
    if not key:
        return False
    regex = re.fullmatch(r"/(.+)/([imsx]*)", key)
    if regex:
        flags = 0 if case_sensitive else re.I
        for f in regex.group(2):
            flags |= {"i": re.I, "m": re.M, "s": re.S, "x": re.X}[f]
        try:
            return re.search(regex.group(1), text, flags) is not None
        except re.error:
            return False
    if not case_sensitive:
        key, text = key.lower(), text.lower()
    # whole-word match for word-like keys, substring for the rest ("C++", "Mr.")
    if re.fullmatch(r"[\w\s'-]+", key):
        return re.search(rf"(?<!\w){re.escape(key)}(?!\w)", text) is not None
    return key in text


def _num(value: Any, default: float) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else default


def _matches(entry: dict[str, Any], text: str) -> bool:
    cs = bool(entry.get("case_sensitive", False))
    if entry.get("use_regex"):  # V3: every key is a regular expression
        entry = {**entry, "keys": [f"/{k}/" for k in entry.get("keys") or []],
                 "secondary_keys": [f"/{k}/" for k in entry.get("secondary_keys") or []]}
    if not any(key_matches(k, text, cs) for k in entry.get("keys") or []):
        return False
    if entry.get("selective"):
        secondary = entry.get("secondary_keys") or []
        return bool(secondary) and any(key_matches(k, text, cs) for k in secondary)
    return True


def scan(
    book: dict[str, Any] | None,
    messages: list[dict[str, Any]],
    count_tokens: Callable[[str], int],
    scan_depth: int | None = None,
    token_budget: int | None = None,
) -> list[dict[str, Any]]:
    """The activated entries, in prompt order, as ``{id, name, keys, content, position, constant}``."""
    if not book:
        return []
    entries = [e for e in book.get("entries") or [] if isinstance(e, dict) and e.get("enabled", True) and e.get("content")]
    depth = int(scan_depth or _num(book.get("scan_depth"), DEFAULT_SCAN_DEPTH))
    budget = int(token_budget or _num(book.get("token_budget"), DEFAULT_TOKEN_BUDGET))
    window = "\n".join(_text_of(m) for m in messages[-depth:]) if depth > 0 else ""
    active: list[int] = []
    for i, entry in enumerate(entries):
        if entry.get("constant") or _matches(entry, window):
            active.append(i)
    if book.get("recursive_scanning"):
        extra = "\n".join(entries[i]["content"] for i in active)
        for i, entry in enumerate(entries):
            if i not in active and _matches(entry, extra):
                active.append(i)
    # budget: constants first, then higher priority, then earlier insertion order
    ranked = sorted(
        active,
        key=lambda i: (not entries[i].get("constant"), -_num(entries[i].get("priority"), 10), _num(entries[i].get("insertion_order"), 100), i),
    )
    chosen, spent = [], 0
    for i in ranked:
        cost = count_tokens(entries[i]["content"])
        if spent + cost > budget:
            continue
        chosen.append(i)
        spent += cost
    chosen.sort(key=lambda i: (_num(entries[i].get("insertion_order"), 100), i))
    return [
        {
            "id": entries[i].get("id", i),
            "name": entries[i].get("name") or entries[i].get("comment") or "",
            "keys": list(entries[i].get("keys") or []),
            "content": entries[i]["content"],
            "position": entries[i].get("position") or "before_char",
            "constant": bool(entries[i].get("constant")),
        }
        for i in chosen
    ]
