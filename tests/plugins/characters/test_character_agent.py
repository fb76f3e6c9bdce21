"""The character agent with a scripted model: greeting, replies, /regenerate, /alts, /memory,
resume after a restart (a new agent instance on the same data directory), memory write-back."""

from __future__ import annotations

import itertools

import pytest

from plait.agents.base import AgentContext, AgentReply, AgentRequest, get_agent
from plait.plugins.characters.agent import CharacterAgent
from plait.core.config import load_settings
from plait.core.errors import InputError
from plait.core.models.scripted import ScriptedChatModel
from plait.plugins.characters.store import BuiltinSource


def counting_model():
    counter = itertools.count(1)
    return ScriptedChatModel(default=lambda msgs, opts: f"reply {next(counter)}")


def new_agent(model, **options):
    settings = load_settings()
    character = BuiltinSource(settings).load("ada-lovelace")
    return CharacterAgent(AgentContext(settings, options=options, _model=model), character)


def ask(agent, text, session="s1"):
    return agent.invoke(AgentRequest(messages=[{"role": "user", "content": text}], session=session))


def test_chat_greeting_reply_regenerate_alts_and_resume(plait_home):
    model = counting_model()
    agent = new_agent(model)
    greeting = agent.greeting("s1")
    assert greeting.startswith("*Ada looks up")
    assert agent.greeting("s1") is None  # already recorded
    reply = ask(agent, "Tell me about Mr Babbage")
    assert reply.text == "reply 1" and reply.session == "s1"
    # the model saw the greeting, the question, the lore and the era rule
    sent = model.calls[-1][0]
    assert sent[1] == {"role": "assistant", "content": greeting}
    assert sent[2]["content"] == "Tell me about Mr Babbage"
    assert "Enchantress of Number" in sent[0]["content"]  # the Babbage lorebook entry
    assert "knows only what a person of that time" in sent[0]["content"]
    assert [e["name"] for e in reply.extras["lore"]][:2] == ["era", "Babbage"]
    assert reply.extras["memory"] and all(m["kind"] == "profile" for m in reply.extras["memory"])

    assert agent.commands["/regenerate"]("s1", "") == "reply 2"
    assert model.calls[-1][0][-1]["content"] == "Tell me about Mr Babbage"  # same question, no duplicate
    listing = agent.commands["/alts"]("s1", "")
    assert "1. reply 1" in listing and "* 2. reply 2" in listing
    assert agent.commands["/alts"]("s1", "1") == "reply 1"
    assert "* 1. reply 1" in agent.commands["/alts"]("s1", "")
    assert agent.history("s1")[-1]["content"] == "reply 1"
    assert "Babbage" in agent.commands["/memory"]("s1", "")
    with pytest.raises(InputError):
        agent.commands["/alts"]("s1", "9")

    # restart: a new agent instance continues the checkpointed session
    model2 = counting_model()
    again = new_agent(model2)
    history = again.history("s1")
    assert [m["content"] for m in history] == [greeting, "Tell me about Mr Babbage", "reply 1"]
    assert again.greeting("s1") is None
    nxt = ask(again, "And your mother?")
    assert nxt.text == "reply 1"
    assert [m["content"] for m in model2.calls[-1][0][1:4]] == [greeting, "Tell me about Mr Babbage", "reply 1"]
    from plait.agents.sessions import list_sessions

    session = next(s for s in list_sessions(load_settings()) if s.name == "s1")
    assert session.agent == "character/ada-lovelace" and session.title == "Tell me about Mr Babbage"


def test_alternate_greeting_option_and_greetings_command(plait_home):
    agent = new_agent(counting_model(), greeting=1)
    assert agent.greeting("g").startswith("*She sets down her harp")
    assert "1. *She sets down" in agent.commands["/greetings"](None, "")
    with pytest.raises(InputError):
        agent.greeting(None, index=5)


def test_regenerate_without_a_reply_is_refused(plait_home):
    agent = new_agent(counting_model())
    agent.greeting("fresh")
    with pytest.raises(InputError, match="nothing to regenerate"):
        agent.commands["/regenerate"]("fresh", "")
    with pytest.raises(InputError, match="session"):
        agent.commands["/regenerate"](None, "")


def test_summaries_are_written_back_and_recalled_in_a_later_session(plait_home):
    model = ScriptedChatModel(default=lambda msgs, opts: (
        "I met Tom, a clockmaker from Leeds, who asked about the zebra drawings."
        if "Summarise the conversation" in msgs[-1]["content"] else "How interesting."))
    agent = new_agent(model, summary_every=4)
    agent.greeting("first")
    ask(agent, "I am Tom, a clockmaker from Leeds.", "first")
    assert agent.memory.summaries() == []
    ask(agent, "I drew zebras for you.", "first")  # 5 messages now: summarised
    summaries = agent.memory.summaries()
    assert len(summaries) == 1 and summaries[0]["session"] == "first"
    reply = ask(new_agent(model, summary_every=4), "Do you remember the clockmaker from Leeds?", "second")
    kinds = {m["kind"]: m["text"] for m in reply.extras["memory"]}
    assert "clockmaker from Leeds" in kinds.get("summary", "")
    assert "clockmaker from Leeds" in model.calls[-1][0][0]["content"]


def test_remember_command_summarises_on_demand(plait_home):
    model = ScriptedChatModel(default=lambda msgs, opts: "SUMMARY" if "Summarise" in msgs[-1]["content"] else "ok")
    agent = new_agent(model, summary_every=0)
    agent.greeting("s")
    ask(agent, "hello", "s")
    assert agent.commands["/remember"]("s", "") == "remembered: SUMMARY"
    assert agent.commands["/remember"]("s", "") == "nothing new to remember"
    assert [s["text"] for s in agent.memory.summaries()] == ["SUMMARY"]


def test_stream_and_stateless_requests(plait_home):
    agent = new_agent(ScriptedChatModel(default="Good day to you, sir."))
    parts = list(agent.stream(AgentRequest(messages=[{"role": "user", "content": "hi"}], session="st")))
    assert isinstance(parts[-1], AgentReply) and parts[-1].text == "Good day to you, sir."
    assert "".join(p for p in parts[:-1]) == "Good day to you, sir."
    assert [m["role"] for m in agent.history("st")] == ["assistant", "user", "assistant"]
    reply = agent.invoke(AgentRequest(messages=[
        {"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}, {"role": "user", "content": "c"}]))
    assert reply.session is None and reply.text == "Good day to you, sir."
    with pytest.raises(InputError):
        agent.invoke(AgentRequest(messages=[]))


def test_n_alternatives_in_one_call(plait_home):
    agent = new_agent(counting_model())
    reply = agent.invoke(AgentRequest(messages=[{"role": "user", "content": "hi"}], options={"n": 2}))
    assert reply.text == "reply 1" and reply.alternatives == ["reply 1", "reply 2"]


def test_registered_agent_resolves_character_names(plait_home):
    from plait.core.errors import NotFound

    agent = get_agent("character/ada-lovelace", load_settings())
    assert agent.name == "character/ada-lovelace"
    assert agent.invoke(AgentRequest(messages=[{"role": "user", "content": "Hello"}])).text == "Echo: Hello"
    assert get_agent("character/Benjamin Franklin", load_settings()).character.name == "Benjamin Franklin"
    with pytest.raises(NotFound):
        get_agent("character/nobody-here", load_settings())
