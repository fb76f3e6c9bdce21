"""Characters as a contract: the ``Character`` type and the character-source protocols.

A ``Character`` is a character card's ``data`` kept whole (V2 or V3 shape), plus the avatar.
Every field we do not understand, inside ``data`` or at the top level of the card, is kept as-is
so an import -> export -> import round trip loses nothing. plait's own additions (era, knowledge
cutoff, long profile) live in ``data.extensions.plait``, where other tools leave them alone.

A character source (``register_characters``) has ``names()`` and ``load(name)``
(``CharacterSource``). One that also has ``index()`` (``IndexedCharacterSource``) lists many
characters cheaply. :func:`find_character` is THE lookup every surface uses: the ``builtin``
source first, then the others by name.
"""

from __future__ import annotations

import copy
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Iterator, Protocol, runtime_checkable

from plait.core.errors import NotFound

V2_SPEC = "chara_card_v2"
V3_SPEC = "chara_card_v3"

# V2 fields every card must carry (the spec makes them required, possibly empty)
V2_FIELDS: dict[str, Any] = {
    "name": "",
    "description": "",
    "personality": "",
    "scenario": "",
    "first_mes": "",
    "mes_example": "",
    "creator_notes": "",
    "system_prompt": "",
    "post_history_instructions": "",
    "alternate_greetings": [],
    "tags": [],
    "creator": "",
    "character_version": "",
    "extensions": {},
}
V1_FIELDS = ("name", "description", "personality", "scenario", "first_mes", "mes_example")


SLUG_MAX = 52  # "character-" + slug stays a short Chroma collection name


def normalize_name(name: str) -> str:
    """The name as compared for identity: NFKC, case-folded, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def _transliterate(text: str) -> str:
    """ASCII for ``text``: anyascii (Cyrillic, CJK, emoji...) when installed, else accents stripped."""
    try:
        from anyascii import anyascii

        return anyascii(text)
    except ImportError:  # pragma: no cover - anyascii is a dependency; this keeps slugs working without it
        return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def slugify(name: str) -> str:
    """A unique, stable, file-, URL- and Chroma-safe name for a character name.

    A plain ASCII name of 3..52 slug characters is its words joined by '-' ("Ada Lovelace" ->
    "ada-lovelace"). Any other name is transliterated and gets a short hash of the normalised
    name, so names that differ only in letters ASCII cannot show stay apart ("Пётр" ->
    "petr-<hash>", "李白" -> "libai-<hash>", a 200-character name -> its first words + hash).
    Case and spacing variants of one name give the same slug.
    """
    norm = normalize_name(name)
    base = re.sub(r"[^a-z0-9]+", "-", _transliterate(norm).lower()).strip("-")
    if norm.isascii() and 3 <= len(base) <= SLUG_MAX:
        return base
    digest = hashlib.sha256(norm.encode("utf-8")).hexdigest()[:8]
    base = base[:SLUG_MAX - len(digest) - 1].strip("-")
    return f"{base or 'char'}-{digest}"


@dataclass
class Character:
    """A character: the card's ``data`` object (all fields kept), spec, extra top-level keys, avatar."""

    data: dict[str, Any]
    spec: str = V2_SPEC
    spec_version: str = "2.0"
    top_extra: dict[str, Any] = field(default_factory=dict)  # unknown top-level card keys
    avatar: bytes | None = None  # PNG bytes (the card image without its card chunks)
    origin: str = "imported"  # "imported" or "example"
    # other files a CHARX carried (``embeded://`` paths -> bytes), kept so a re-export still has them
    files: dict[str, bytes] = field(default_factory=dict)
    stored_slug: str = ""  # the folder an imported character lives in; "" = derived from the name

    # -- the contract fields -----------------------------------------------------------------
    @property
    def name(self) -> str:
        return str(self.data.get("name", ""))

    @property
    def slug(self) -> str:
        return self.stored_slug or slugify(self.name)

    @property
    def description(self) -> str:
        return str(self.data.get("description", ""))

    @property
    def personality(self) -> str:
        return str(self.data.get("personality", ""))

    @property
    def scenario(self) -> str:
        return str(self.data.get("scenario", ""))

    @property
    def mes_example(self) -> str:
        return str(self.data.get("mes_example", ""))

    @property
    def system_prompt(self) -> str:
        return str(self.data.get("system_prompt", ""))

    @property
    def post_history_instructions(self) -> str:
        return str(self.data.get("post_history_instructions", ""))

    @property
    def greetings(self) -> list[str]:
        """The main greeting first, then the alternate greetings (empty ones dropped)."""
        out = [str(self.data.get("first_mes", ""))] + [str(g) for g in self.data.get("alternate_greetings", [])]
        return [g for g in out if g.strip()]

    @property
    def tags(self) -> list[str]:
        return [str(t) for t in self.data.get("tags", [])]

    @property
    def character_book(self) -> dict[str, Any] | None:
        book = self.data.get("character_book")
        return book if isinstance(book, dict) else None

    @property
    def plait_ext(self) -> dict[str, Any]:
        ext = self.data.get("extensions") or {}
        plait = ext.get("plait") if isinstance(ext, dict) else None
        return plait if isinstance(plait, dict) else {}

    @property
    def era(self) -> str:
        return str(self.plait_ext.get("era", ""))

    @property
    def knowledge_cutoff(self) -> str:
        return str(self.plait_ext.get("knowledge_cutoff", ""))

    @property
    def profile(self) -> str:
        """The long profile Character-LLM builds from; the description when none is given."""
        return str(self.plait_ext.get("profile") or self.description)

    # -- serialisation ------------------------------------------------------------------------
    def to_card(self) -> dict[str, Any]:
        """The card as imported (V2 or V3 shape), unknown keys included."""
        card = {**copy.deepcopy(self.top_extra), "spec": self.spec, "spec_version": self.spec_version}
        card["data"] = copy.deepcopy(self.data)
        return card

    def to_v2_card(self) -> dict[str, Any]:
        """A V2 card: V2 fields filled, every other ``data`` field kept for tools that know them."""
        data = copy.deepcopy(self.data)
        for key, default in V2_FIELDS.items():
            data.setdefault(key, copy.deepcopy(default))
        return {**copy.deepcopy(self.top_extra), "spec": V2_SPEC, "spec_version": "2.0", "data": data}

    def to_v3_card(self) -> dict[str, Any]:
        """A V3 card whose ``data`` is exactly ours, so re-importing it gives identical data."""
        return {**copy.deepcopy(self.top_extra), "spec": V3_SPEC, "spec_version": "3.0", "data": copy.deepcopy(self.data)}

    def summary(self) -> dict[str, Any]:
        """A JSON-safe overview for ``plait characters list/show``."""
        book = self.character_book or {}
        return {
            "name": self.name,
            "slug": self.slug,
            "origin": self.origin,
            "spec": self.spec,
            "description": self.description,
            "personality": self.personality,
            "scenario": self.scenario,
            "greetings": self.greetings,
            "tags": self.tags,
            "era": self.era,
            "knowledge_cutoff": self.knowledge_cutoff,
            "lorebook_entries": len(book.get("entries", []) or []),
            "has_avatar": self.avatar is not None,
            "extensions": sorted((self.data.get("extensions") or {}).keys()),
        }


# -- character sources --------------------------------------------------------------------------
@runtime_checkable
class CharacterSource(Protocol):
    """What ``register_characters`` registers: lists character names and loads one by name.

    ``load`` raises ``plait.NotFound`` for a name it does not have (so the next source is tried).
    """

    def names(self) -> list[str]:
        ...

    def load(self, name: str) -> Character:
        ...


@runtime_checkable
class IndexedCharacterSource(CharacterSource, Protocol):
    """A source that can list its characters cheaply, without loading any card in full."""

    def index(self) -> list[dict[str, Any]]:
        """One row per character: ``{"name", "slug", "description", ...}``, cheap to compute."""
        ...


@runtime_checkable
class SettingsBoundSource(Protocol):
    """A source whose data depends on the settings (e.g. the data directory of imported characters)."""

    def with_settings(self, settings: Any) -> CharacterSource:
        ...


DEFAULT_SOURCE = "builtin"  # looked up first: imported characters and the shipped examples


def character_sources(registry: Any, settings: Any = None) -> Iterator[tuple[str, CharacterSource]]:
    """(name, source) of a ``host.characters`` registry in lookup order: ``builtin``, then by name.

    A source that implements ``SettingsBoundSource`` is bound to ``settings`` when given.
    """
    names = list(registry.names())
    order = ([DEFAULT_SOURCE] if DEFAULT_SOURCE in names else []) + [n for n in names if n != DEFAULT_SOURCE]
    for name in order:
        source = registry.get(name)
        if callable(source) and not isinstance(source, CharacterSource):  # a factory(ctx): the one shape
            from plait.core.config import load_settings
            from plait.core.context import Context

            source = source(Context(settings if settings is not None else load_settings(), name=name))
        if settings is not None and isinstance(source, SettingsBoundSource):
            source = source.with_settings(settings)
        yield name, source


def find_character(name: str, registry: Any, settings: Any = None) -> Character:
    """Load ``name`` from the first source (in :func:`character_sources` order) that has it."""
    tried: list[str] = []
    for source_name, source in character_sources(registry, settings):
        try:
            return source.load(name)
        except (NotFound, LookupError):
            tried.append(source_name)
    where = f" in the character sources {', '.join(tried)}" if tried else " (no character source is registered)"
    raise NotFound(f"no character named {name!r}{where}; `plait characters list` shows them, "
                   f"`plait characters import FILE` adds one")
