"""The ``character`` agent factory: ``character/<name>`` builds a CharacterAgent for that character.

It implements ``SupportsVariants``, so surfaces (``/v1/models``, ``plait agents list``) list every
character as ``character/<slug>`` without knowing the name "character". Lookup and listing follow
one order, that of ``plait.core.characters.character_sources``: the ``builtin`` source first.
"""

from __future__ import annotations

from plait.agents.base import Agent, AgentContext, SupportsVariants, Variant
from plait.core.characters import CharacterSource, IndexedCharacterSource, character_sources, find_character
from plait.core.config import Settings
from plait.core.errors import InputError

AGENT_NAME = "character"
DESCRIPTION_CHARS = 160


def _rows(source: CharacterSource) -> list[tuple[str, str]]:
    """(slug, description) of every character ``source`` lists, cheaply when it has an index."""
    if isinstance(source, IndexedCharacterSource):  # small index rows: no card is loaded in full
        return [(str(row["slug"]), str(row.get("description", ""))) for row in source.index()]
    out = []
    for name in source.names():
        try:
            description = source.load(name).description
        except Exception:  # listed but unloadable: still offered; using it reports why
            description = ""
        out.append((str(name), description))
    return out


class CharacterAgentFactory(SupportsVariants):
    """``factory(context) -> CharacterAgent`` for ``character/<context.arg>``; lists its variants."""

    def __call__(self, context: AgentContext) -> Agent:
        from plait.plugins.characters.agent import CharacterAgent

        if not context.arg:
            raise InputError(
                f"the character agent needs a character: use agent `{AGENT_NAME}/NAME` (see `plait characters list`)"
            )
        return CharacterAgent(context, find_character(context.arg, context.registries.characters, context.settings))

    def variants(self, settings: Settings) -> list[Variant]:
        """``character/<slug>`` for every character of every source; the first source to list a slug wins."""
        from plait.core.host import get_host

        found: dict[str, Variant] = {}
        for _, source in character_sources(get_host().characters, settings):
            try:
                rows = _rows(source)
            except Exception:  # a broken source must not hide the others
                continue
            for slug, description in rows:
                found.setdefault(slug, Variant(f"{AGENT_NAME}/{slug}", " ".join(description.split())[:DESCRIPTION_CHARS]))
        return [found[slug] for slug in sorted(found)]


__all__ = ["AGENT_NAME", "CharacterAgentFactory"]
