"""plait's own character file (TOML), converted to a V2 card's ``data``.

    name = "Ada Lovelace"
    era = "England, 1815-1852"          # where and when the character lives
    knowledge_cutoff = "November 1852"  # nothing after this is known to the character
    short_name = "Ada"                  # the name in scripts (default: the first word of name)
    anachronisms = ["the telephone"]    # what build-data's provocateur asks about (default: a built-in list)
    description = "short card description"   # defaults to the profile's first paragraph
    profile = '''long biography; Character-LLM builds its data from it'''
    personality = "..."
    scenario = "..."
    greetings = ["main greeting", "alternate greeting", ...]
    example_dialogue = '''<START>\n{{user}}: ...\n{{char}}: ...'''
    system_prompt = ""                  # may use {{original}}
    post_history_instructions = ""
    tags = ["history"]
    creator = "plait"

    [lorebook]                          # optional book settings
    scan_depth = 4
    token_budget = 400

    [[lorebook.entries]]
    keys = ["Babbage", "Analytical Engine"]
    secondary_keys = []
    content = "..."
    constant = false
    selective = false
    insertion_order = 10
    priority = 10
    position = "after_char"             # or "before_char"
"""

from __future__ import annotations

import tomllib
from typing import Any

from plait.core.errors import InputError
from plait.plugins.characters.validate import validate_data
from plait.plugins.characters.model import V2_SPEC, Character

_KNOWN = {
    "name", "era", "knowledge_cutoff", "description", "profile", "personality", "scenario", "greetings",
    "greeting", "example_dialogue", "system_prompt", "post_history_instructions", "tags", "creator",
    "character_version", "creator_notes", "lorebook", "short_name", "anachronisms",
}


def _entry(raw: dict[str, Any], index: int) -> dict[str, Any]:
    entry = {
        "keys": list(raw.get("keys", [])),
        "content": raw.get("content", ""),
        "extensions": dict(raw.get("extensions", {})),
        "enabled": bool(raw.get("enabled", True)),
        "insertion_order": raw.get("insertion_order", index * 10),
        "case_sensitive": bool(raw.get("case_sensitive", False)),
        "name": raw.get("name", ""),
        "priority": raw.get("priority", 10),
        "id": raw.get("id", index),
        "comment": raw.get("comment", ""),
        "selective": bool(raw.get("selective", False)),
        "secondary_keys": list(raw.get("secondary_keys", [])),
        "constant": bool(raw.get("constant", False)),
        "position": raw.get("position", "after_char"),
    }
    return entry


def character_from_toml(blob: bytes | str, where: str) -> Character:
    """A Character from plait's TOML format; InputError naming the problem otherwise."""
    try:
        raw = tomllib.loads(blob.decode("utf-8") if isinstance(blob, bytes) else blob)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{where}: not valid TOML ({exc}); fix the file and import again") from None
    unknown = sorted(set(raw) - _KNOWN)
    if unknown:
        raise InputError(f"{where}: unknown keys {', '.join(unknown)} (known: {', '.join(sorted(_KNOWN))})")
    greetings = raw.get("greetings", [raw["greeting"]] if "greeting" in raw else [])
    if not isinstance(greetings, list) or not greetings or not all(isinstance(g, str) for g in greetings):
        raise InputError(f"{where}: 'greetings' must be a non-empty list of strings")
    profile = raw.get("profile", "")
    description = raw.get("description") or (profile.strip().split("\n\n")[0] if isinstance(profile, str) else "")
    data: dict[str, Any] = {
        "name": raw.get("name", ""),
        "description": description,
        "personality": raw.get("personality", ""),
        "scenario": raw.get("scenario", ""),
        "first_mes": greetings[0],
        "mes_example": raw.get("example_dialogue", ""),
        "creator_notes": raw.get("creator_notes", ""),
        "system_prompt": raw.get("system_prompt", ""),
        "post_history_instructions": raw.get("post_history_instructions", ""),
        "alternate_greetings": greetings[1:],
        "tags": raw.get("tags", []),
        "creator": raw.get("creator", ""),
        "character_version": raw.get("character_version", "1.0"),
        "extensions": {
            "plait": {
                "era": raw.get("era", ""),
                "knowledge_cutoff": raw.get("knowledge_cutoff", ""),
                "profile": profile,
                **({"short_name": raw["short_name"]} if raw.get("short_name") else {}),
                **({"anachronisms": list(raw["anachronisms"])} if raw.get("anachronisms") else {}),
            }
        },
    }
    book = raw.get("lorebook")
    if book is not None:
        if not isinstance(book, dict) or not isinstance(book.get("entries", []), list):
            raise InputError(f"{where}: [lorebook] must be a table with [[lorebook.entries]]")
        data["character_book"] = {
            "name": book.get("name", f"{data['name']} lore"),
            "description": book.get("description", ""),
            "scan_depth": book.get("scan_depth", 4),
            "token_budget": book.get("token_budget", 512),
            "recursive_scanning": bool(book.get("recursive_scanning", False)),
            "extensions": dict(book.get("extensions", {})),
            "entries": [_entry(e if isinstance(e, dict) else {}, i) for i, e in enumerate(book.get("entries", []))],
        }
    validate_data(data, where)
    return Character(data, V2_SPEC, "2.0", {}, None)
