"""Lorebook (V2 ``character_book``) scanning.

An enabled entry activates when it is ``constant``, or when one of its ``keys`` occurs in the
last ``scan_depth`` messages (and, for a ``selective`` entry, one of its ``secondary_keys`` too).
Keys match case-insensitively unless ``case_sensitive``; a key written ``/pattern/flags`` is a
regular expression (every key, with V3's ``use_regex``). Activated entries are admitted by priority (constants first) until the
``token_budget`` is spent, then ordered by ``insertion_order`` (lower = earlier in the prompt).
With ``recursive_scanning``, activated content is scanned once more for further keys.

V3 decorators (``@@name value`` lines in an entry's content, with ``@@@name`` fallbacks) are
honoured where they map onto this scanner: ``@@activate``, ``@@dont_activate``,
``@@activate_only_after N`` and ``@@activate_only_every N`` (counting the chat's assistant
messages, as the spec says), ``@@scan_depth N``, ``@@additional_keys a,b``, ``@@exclude_keys a,b``,
``@@position before_desc|after_desc``, ``@@depth N`` and ``@@role`` (the entry goes into the chat
history N messages from the end, as a message of that role). Every decorator line, known or not,
is removed from the text that goes into the prompt; an unknown or invalid one is ignored.
"""

from __future__ import annotations

import re
from typing import Any, Callable

__all__ = ["DEFAULT_SCAN_DEPTH", "DEFAULT_TOKEN_BUDGET", "key_matches", "parse_decorators", "scan"]

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


# -- V3 decorators ---------------------------------------------------------------------------
_NUMBER_DECORATORS = {"activate_only_after", "activate_only_every", "scan_depth", "depth"}
_FLAG_DECORATORS = {"activate", "dont_activate"}
_LIST_DECORATORS = {"additional_keys", "exclude_keys"}
_ROLES = {"assistant", "system", "user"}
_POSITIONS = {"before_desc": "before_char", "after_desc": "after_char"}


def _decorator_value(name: str, value: str) -> Any:
    """The parsed value of a decorator plait supports, or None when unknown or invalid."""
    if name in _FLAG_DECORATORS:
        return True
    if name in _NUMBER_DECORATORS:
        try:
            number = int(float(value))
        except ValueError:
            return None
        return number if number >= 0 else None
    if name in _LIST_DECORATORS:
        items = [v.strip() for v in value.split(",") if v.strip()]
        return items or None
    if name == "role":
        return value.lower() if value.lower() in _ROLES else None
    if name == "position":
        return _POSITIONS.get(value.lower())
    return None


def parse_decorators(content: str) -> tuple[dict[str, Any], str]:
    """(supported decorators -> value, content without any decorator line).

    A ``@@@`` fallback line counts only when the decorator it follows was not usable; of
    several decorators with one name the first wins, as the spec says.
    """
    if "@@" not in content:
        return {}, content
    found: dict[str, Any] = {}
    body: list[str] = []
    resolved = True  # whether the last @@ decorator (or one of its fallbacks) was usable
    for line in content.split("\n"):
        text = line.strip()
        if not text.startswith("@@"):
            body.append(line)
            continue
        fallback = text.startswith("@@@")
        if fallback and resolved:
            continue
        name, _, value = text.lstrip("@").partition(" ")
        parsed = _decorator_value(name.strip().lower(), value.strip())
        resolved = parsed is not None
        if resolved:
            found.setdefault(name.strip().lower(), parsed)
    if len(body) == len(content.split("\n")):
        return {}, content
    return found, "\n".join(body).strip("\n")


def _matches(entry: dict[str, Any], text: str, decorators: dict[str, Any] | None = None) -> bool:
    cs = bool(entry.get("case_sensitive", False))
    decorators = decorators or {}
    extra = list(decorators.get("additional_keys") or [])
    exclude = list(decorators.get("exclude_keys") or [])
    if entry.get("use_regex"):  # V3: every key is a regular expression
        entry = {**entry, "keys": [f"/{k}/" for k in entry.get("keys") or []],
                 "secondary_keys": [f"/{k}/" for k in entry.get("secondary_keys") or []]}
        extra = [f"/{k}/" for k in extra]
    if not any(key_matches(k, text, cs) for k in entry.get("keys") or []):
        return False
    if entry.get("selective"):
        secondary = entry.get("secondary_keys") or []
        if not (secondary and any(key_matches(k, text, cs) for k in secondary)):
            return False
    if extra and not any(key_matches(k, text, cs) for k in extra):
        return False
    if exclude and not entry.get("use_regex") and any(key_matches(k, text, cs) for k in exclude):
        return False
    return True


def _allowed(decorators: dict[str, Any], replies: int) -> bool | None:
    """True: activate regardless of keys; False: never; None: decide by keys/constant."""
    if decorators.get("activate"):
        return True
    if decorators.get("dont_activate"):
        return False
    after = decorators.get("activate_only_after")
    if after is not None and replies < after:
        return False
    every = decorators.get("activate_only_every")
    if every and replies % every:
        return False
    return None


def scan(
    book: dict[str, Any] | None,
    messages: list[dict[str, Any]],
    count_tokens: Callable[[str], int],
    scan_depth: int | None = None,
    token_budget: int | None = None,
) -> list[dict[str, Any]]:
    """The activated entries, in prompt order, as ``{id, name, keys, content, position, constant}``
    (plus ``depth`` and ``role`` for an entry with ``@@depth``)."""
    if not book:
        return []
    raw = [e for e in book.get("entries") or [] if isinstance(e, dict) and e.get("enabled", True)]
    parsed = [(e, *parse_decorators(str(e.get("content") or ""))) for e in raw]
    entries = [e for e, _, body in parsed if body.strip()]  # an empty content adds nothing
    decos = [d for _, d, body in parsed if body.strip()]
    bodies = [body for _, _, body in parsed if body.strip()]
    depth = int(scan_depth or _num(book.get("scan_depth"), DEFAULT_SCAN_DEPTH))
    budget = int(token_budget or _num(book.get("token_budget"), DEFAULT_TOKEN_BUDGET))
    replies = sum(1 for m in messages if m.get("role") == "assistant")
    windows: dict[int, str] = {}

    def window(n: int) -> str:
        if n not in windows:
            windows[n] = "\n".join(_text_of(m) for m in messages[-n:]) if n > 0 else ""
        return windows[n]

    forced = [_allowed(d, replies) for d in decos]
    always = [f is True or (f is None and bool(e.get("constant"))) for e, f in zip(entries, forced)]
    active: list[int] = []
    for i, entry in enumerate(entries):
        if forced[i] is False:
            continue
        if always[i] or _matches(entry, window(decos[i].get("scan_depth", depth)), decos[i]):
            active.append(i)
    if book.get("recursive_scanning"):
        extra = "\n".join(bodies[i] for i in active)
        for i, entry in enumerate(entries):
            if i not in active and forced[i] is None and _matches(entry, extra, decos[i]):
                active.append(i)
    # budget: constants (and @@activate) first, then higher priority, then earlier insertion order
    ranked = sorted(
        active,
        key=lambda i: (not always[i], -_num(entries[i].get("priority"), 10), _num(entries[i].get("insertion_order"), 100), i),
    )
    chosen, spent = [], 0
    for i in ranked:
        cost = count_tokens(bodies[i])
        if spent + cost > budget:
            continue
        chosen.append(i)
        spent += cost
    chosen.sort(key=lambda i: (_num(entries[i].get("insertion_order"), 100), i))
    out = []
    for i in chosen:
        item = {
            "id": entries[i].get("id", i),
            "name": entries[i].get("name") or entries[i].get("comment") or "",
            "keys": list(entries[i].get("keys") or []),
            "content": bodies[i],
            "position": decos[i].get("position") or entries[i].get("position") or "before_char",
            "constant": always[i],
        }
        if "depth" in decos[i] and "position" not in decos[i]:  # the spec: @@position wins
            item["depth"] = decos[i]["depth"]
            item["role"] = decos[i].get("role", "system")
        out.append(item)
    return out
