"""The character agent: a LangGraph chat graph for character cards and Character-LLM personas.

``state.py`` (what a session checkpoints), ``graph.py`` (recall -> respond -> remember),
``prompts.py`` (card-spec prompt assembly), ``lore.py`` (lorebook scan), ``memory.py``
(the character's Chroma collection, scoped per session owner), ``agent.py`` (the Agent the host
hands out), ``source.py`` (the optional ``index()`` capability of a character source).
"""

from __future__ import annotations


def make_agent(context, character):
    """A CharacterAgent for ``character`` (imports LangGraph only when used)."""
    from plait.agents.character.agent import CharacterAgent

    return CharacterAgent(context, character)
