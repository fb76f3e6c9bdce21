"""The character index: a small ``index.json`` beside the imported characters.

``plait characters list`` and ``/v1/models`` read one row per character (name, slug,
description, source, ...) from here instead of loading every card with its avatar and assets.
Each row carries the stamp (size, mtime) of the ``card.json`` it was made from; on every read
the folders are listed, and rows that are missing, stale or orphaned are rebuilt from
``card.json`` alone, so a deleted, hand-edited or corrupt index repairs itself.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from plait.core.io import atomic_write_json

INDEX_FILE = "index.json"
INDEX_VERSION = 1
DESCRIPTION_CHARS = 200


def row_of(character: Any, origin: str, source: str) -> dict[str, Any]:
    """The index row of a character: what a listing shows, nothing more."""
    book = character.character_book or {}
    return {
        "name": character.name,
        "slug": character.slug,
        "description": " ".join(character.description.split())[:DESCRIPTION_CHARS],
        "source": source,
        "origin": origin,
        "spec": character.spec,
        "greetings": len(character.greetings),
        "lorebook_entries": len(book.get("entries", []) or []),
        "era": character.era,
    }


def read_meta(folder: Path) -> dict[str, Any]:
    """``meta.json`` of an imported character (where it was imported from), {} if absent."""
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def stamp(card_path: Path) -> list[int]:
    st = card_path.stat()
    return [st.st_size, st.st_mtime_ns]


def read_index(root: Path) -> dict[str, dict[str, Any]]:
    """The stored rows by slug; {} when the index is missing or unreadable (it is rebuilt)."""
    try:
        raw = json.loads((root / INDEX_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(raw, dict) or raw.get("version") != INDEX_VERSION or not isinstance(raw.get("characters"), dict):
        return {}
    return {k: v for k, v in raw["characters"].items() if isinstance(v, dict)}


def write_index(root: Path, rows: dict[str, dict[str, Any]]) -> None:
    """Replace the index atomically (a reader sees the old or the new file, never half of one)."""
    try:
        atomic_write_json(root / INDEX_FILE, {"version": INDEX_VERSION, "characters": rows}, indent=1)
    except OSError:
        pass  # a read-only data directory: listings still work, from the cards (the index is a cache)


def _row_from_card(folder: Path) -> dict[str, Any] | None:
    """A fresh row from ``folder/card.json`` (no avatar, no assets), or None if unreadable."""
    from plait.core.errors import InputError
    from plait.plugins.characters.cards import character_from_card

    card_path = folder / "card.json"
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
        character = character_from_card(card, str(card_path))
        row = row_of(character, "imported", read_meta(folder).get("source", ""))
        row["slug"] = folder.name  # the folder is the slug (older imports used older slug rules)
        row["stamp"] = stamp(card_path)
        return row
    except (OSError, ValueError, InputError):
        return None


def refreshed(root: Path, folders: list[str]) -> list[dict[str, Any]]:
    """Rows for ``folders`` (imported slugs), rebuilding what is missing or stale; saves repairs."""
    stored = read_index(root)
    rows: dict[str, dict[str, Any]] = {}
    changed = set(stored) - set(folders)  # rows of removed characters are dropped
    for slug in folders:
        row = stored.get(slug)
        try:
            current = stamp(root / slug / "card.json")
        except OSError:
            continue
        if row is None or row.get("stamp") != current or row.get("slug") != slug:
            row = _row_from_card(root / slug)
            changed.add(slug)
            if row is None:
                continue  # an unreadable card is listed by nobody; `show` names the problem
        rows[slug] = row
    if changed and root.is_dir():
        write_index(root, rows)
    return [rows[s] for s in sorted(rows)]


def update_row(root: Path, row: dict[str, Any] | None, slug: str) -> None:
    """Set (or with ``row=None`` drop) one row after an import or removal."""
    rows = read_index(root)
    if row is None:
        rows.pop(slug, None)
    else:
        rows[slug] = row
    write_index(root, rows)
