"""The character agent's contract after issue 12: a GraphAgent whose checkpoints hold conversation
only, optional capabilities declared as protocols, variants listed by its factory in the same
order characters are looked up, ``Character`` typed from ``plait.core.characters``, and the old
``plait.agents.character.lore`` path kept as a warning shim."""

from __future__ import annotations

import importlib
import sqlite3
import sys
import typing

import pytest

from plait.agents.base import (
    AgentContext,
    AgentRequest,
    SupportsCommands,
    SupportsEndSession,
    SupportsGreeting,
    SupportsHistory,
    SupportsRegenerate,
    SupportsVariants,
    get_agent,
)
from plait.agents.graph_agent import GraphAgent
from plait.core.characters import Character, find_character
from plait.core.config import load_settings
from plait.core.errors import NotFound
from plait.core.host import get_host
from plait.core.models.scripted import ScriptedChatModel


class _OtherSource:
    """A third-party source named to sort before ``builtin``, with a character of a builtin slug."""

    def names(self) -> list[str]:
        return ["ada-lovelace", "zed"]

    def load(self, name: str) -> Character:
        if name not in self.names():
            raise NotFound(f"no character {name!r}")
        return Character({"name": "Impostor Ada" if name == "ada-lovelace" else "Zed", "description": "other source",
                          "first_mes": "hi"})


def test_turn_options_and_the_owner_are_not_checkpointed(plait_home):
    model = ScriptedChatModel(default=lambda msgs, opts: f"t={opts.temperature}")
    agent = get_agent("character/ada-lovelace", load_settings())
    agent.context._model = model
    options = {"temperature": 0.33, "max_tokens": 50, "owner": "SECRET-OWNER-KEY", "seed": 7}
    reply = agent.invoke(AgentRequest([{"role": "user", "content": "Good day"}], "s1", options))
    assert reply.text == "t=0.33"  # the option reached the model ...
    state = agent.state("s1")
    assert "options" not in state  # ... but not the checkpoint
    assert state["memory_owner"].startswith("key-") and "SECRET" not in repr(state)
    db = sqlite3.connect(plait_home / "checkpoints.sqlite")
    try:
        for table in ("checkpoints", "writes"):
            for row in db.execute(f"SELECT * FROM {table}"):
                assert not any(b"SECRET-OWNER-KEY" in (c if isinstance(c, bytes) else str(c).encode()) for c in row)
    finally:
        db.close()


def test_streamed_turn_streams_without_storing_the_stream_flag(plait_home):
    agent = get_agent("character/ada-lovelace", load_settings())
    agent.context._model = ScriptedChatModel(default=lambda msgs, opts: "a streamed reply")
    pieces = list(agent.stream(AgentRequest([{"role": "user", "content": "Hello"}], "s2")))
    assert "".join(p for p in pieces if isinstance(p, str)) == "a streamed reply"
    assert pieces[-1].text == "a streamed reply"
    assert "options" not in agent.state("s2")


def test_a_bad_turn_is_refused_before_the_greeting_is_recorded(plait_home):
    from plait.core.errors import InputError

    agent = get_agent("character/ada-lovelace", load_settings())
    with pytest.raises(InputError):
        agent.invoke(AgentRequest([{"role": "assistant", "content": "no user message"}], "s3"))
    assert agent.history("s3") == []


def test_the_agent_declares_its_optional_capabilities(plait_home):
    agent = get_agent("character/ada-lovelace", load_settings())
    assert isinstance(agent, GraphAgent)
    for protocol in (SupportsHistory, SupportsGreeting, SupportsCommands, SupportsRegenerate, SupportsEndSession):
        assert isinstance(agent, protocol), protocol.__name__
        assert protocol in type(agent).__mro__  # declared, not only duck-typed
    assert isinstance(agent.character, Character)
    from plait.plugins.characters.agent import CharacterAgent

    hints = typing.get_type_hints(CharacterAgent.__init__)
    assert hints["character"] is Character


def test_the_factory_lists_characters_as_variants(plait_home):
    factory = get_host().agents.get("character")
    assert isinstance(factory, SupportsVariants)
    names = [v.name for v in factory.variants(load_settings())]
    assert "character/ada-lovelace" in names and names == sorted(set(names))
    ada = next(v for v in factory.variants(load_settings()) if v.name == "character/ada-lovelace")
    assert "Lovelace" in ada.description or ada.description


def test_lookup_and_variants_follow_one_order_builtin_first(plait_home):
    host = get_host()
    host.characters.add("aaa-other", _OtherSource(), "test")
    settings = load_settings()
    # the builtin source wins for a slug both have, although "aaa-other" sorts first
    assert find_character("ada-lovelace", host.characters, settings).name == "Ada Lovelace"
    assert find_character("zed", host.characters, settings).name == "Zed"  # only the other source has it
    agent = get_agent("character/ada-lovelace", settings)
    assert agent.character.name == "Ada Lovelace"
    variants = {v.name: v for v in host.agents.get("character").variants(settings)}
    assert "character/zed" in variants
    assert variants["character/ada-lovelace"].description != "other source"
    with pytest.raises(NotFound, match="no character named 'nobody'"):
        find_character("nobody", host.characters, settings)


def test_character_type_lives_in_core_and_old_model_path_reexports_it():
    import plait.plugins.characters.model as model

    assert model.Character is Character


def test_old_lore_path_warns_and_reexports_scan():
    sys.modules.pop("plait.agents.character.lore", None)
    with pytest.warns(DeprecationWarning, match="plait.plugins.characters.lore"):
        old = importlib.import_module("plait.agents.character.lore")
    from plait._deprecated import SHIMS
    from plait.plugins.characters.lore import scan

    assert old.scan is scan
    assert "plait.agents.character.lore" in SHIMS


def test_the_server_looks_characters_up_in_the_store_order(plait_home):
    """/api/characters/<name> (the web page's card) must show the character the agent chats as."""
    from plait.serve.runner import AgentPool

    host = get_host()
    host.characters.add("aaa-other", _OtherSource(), "test")
    pool = AgentPool(load_settings(), workers=1)
    try:
        assert pool.character("ada-lovelace").name == get_agent("character/ada-lovelace").character.name == "Ada Lovelace"
        assert pool.character("zed").name == "Zed"
        with pytest.raises(NotFound):
            pool.character("nobody")
    finally:
        pool.close()


def test_the_server_lists_variants_under_their_factory_name(plait_home):
    from plait.serve.runner import AgentPool

    pool = AgentPool(load_settings(), workers=1)
    try:
        entries = {e.id: e for e in pool.catalogue()}
    finally:
        pool.close()
    assert "character" not in entries  # the bare factory name is not a model
    assert entries["character/ada-lovelace"].kind == "character"
