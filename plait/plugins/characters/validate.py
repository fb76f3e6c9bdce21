"""Validation of a card's ``data`` object, shared by every card format (JSON/PNG/CHARX and plait TOML).

Its own module so ``cards`` (which reads TOML files through ``tomlfile``) and ``tomlfile`` (which
validates what it builds) do not import each other.
"""

from __future__ import annotations

from typing import Any

from plait.core.errors import InputError
from plait.plugins.characters.model import V2_FIELDS

_STRING_FIELDS = [k for k, v in V2_FIELDS.items() if isinstance(v, str)]


def card_error(where: str, what: str) -> InputError:
    return InputError(f"{where}: {what}; fix the card (or re-export it from its editor) and import again")


def _check_book(book: Any, where: str) -> None:
    if not isinstance(book, dict):
        raise card_error(where, "data.character_book must be an object")
    entries = book.get("entries", [])
    if not isinstance(entries, list):
        raise card_error(where, "data.character_book.entries must be a list")
    for i, entry in enumerate(entries):
        at = f"data.character_book.entries[{i}]"
        if not isinstance(entry, dict):
            raise card_error(where, f"{at} must be an object")
        keys = entry.get("keys", [])
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise card_error(where, f"{at}.keys must be a list of strings")
        sec = entry.get("secondary_keys", [])
        if sec is not None and (not isinstance(sec, list) or not all(isinstance(k, str) for k in sec)):
            raise card_error(where, f"{at}.secondary_keys must be a list of strings")
        if not isinstance(entry.get("content", ""), str):
            raise card_error(where, f"{at}.content must be a string")
        for num in ("insertion_order", "priority"):
            val = entry.get(num)
            if val is not None and (isinstance(val, bool) or not isinstance(val, (int, float))):
                raise card_error(where, f"{at}.{num} must be a number")
    for num in ("scan_depth", "token_budget"):
        val = book.get(num)
        if val is not None and (isinstance(val, bool) or not isinstance(val, (int, float))):
            raise card_error(where, f"data.character_book.{num} must be a number")


def validate_data(data: Any, where: str) -> None:
    """Check the V2/V3 ``data`` object; raises InputError naming the bad field."""
    if not isinstance(data, dict):
        raise card_error(where, "the card's 'data' must be an object")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise card_error(where, "data.name is missing or empty")
    for key in _STRING_FIELDS:
        if key in data and not isinstance(data[key], str):
            raise card_error(where, f"data.{key} must be a string, got {type(data[key]).__name__}")
    for key in ("alternate_greetings", "tags", "group_only_greetings"):
        val = data.get(key, [])
        if not isinstance(val, list) or not all(isinstance(x, str) for x in val):
            raise card_error(where, f"data.{key} must be a list of strings")
    if not isinstance(data.get("extensions", {}), dict):
        raise card_error(where, "data.extensions must be an object")
    if data.get("character_book") is not None:
        _check_book(data["character_book"], where)
