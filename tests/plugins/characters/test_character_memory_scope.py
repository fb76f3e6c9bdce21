"""Character memory is scoped per session owner: owner A's conversation summaries never reach
owner B's prompt; ``[characters] shared_memory = true`` shares them on purpose."""

from __future__ import annotations

import json

from plait.agents.base import AgentContext, AgentRequest
from plait.plugins.characters.agent import CharacterAgent
from plait.core.config import load_settings
from plait.core.models.scripted import ScriptedChatModel
from plait.plugins.characters.store import BuiltinSource

SECRET = "Tom, a clockmaker from Leeds, told me his bank PIN"


def summarising_model() -> ScriptedChatModel:
    return ScriptedChatModel(default=lambda msgs, opts: SECRET if "Summarise the conversation" in msgs[-1]["content"] else "Indeed.")


def new_agent(model, **options):
    settings = load_settings()
    character = BuiltinSource(settings).load("ada-lovelace")
    return CharacterAgent(AgentContext(settings, options=options, _model=model), character)


def ask(agent, text, session, owner=None, stream=False):
    options = {} if owner is None else {"owner": owner}
    request = AgentRequest(messages=[{"role": "user", "content": text}], session=session, options=options)
    if stream:
        return list(agent.stream(request))[-1]
    return agent.invoke(request)


def prompt_text(model) -> str:
    return json.dumps(model.calls[-1][0])


def alice_remembers(model, **options):
    agent = new_agent(model, summary_every=4, **options)
    ask(agent, "I am Tom, a clockmaker from Leeds.", "alice-1", owner="alice-key")
    ask(agent, "My bank PIN is 1234.", "alice-1", owner="alice-key")  # 5 messages: summarised
    assert [s["text"] for s in agent.memory.summaries()] == [SECRET]


def test_owner_a_memories_never_reach_owner_b_prompt(plait_home):
    model = summarising_model()
    alice_remembers(model)
    bob = new_agent(model, summary_every=0)
    reply = ask(bob, "Do you remember the clockmaker from Leeds and his PIN?", "bob-1", owner="bob-key")
    assert "summary" not in {m["kind"] for m in reply.extras["memory"]}
    assert SECRET not in prompt_text(model)
    streamed = ask(bob, "The clockmaker from Leeds, his bank PIN?", "bob-1", owner="bob-key", stream=True)
    assert "summary" not in {m["kind"] for m in streamed.extras["memory"]}
    assert SECRET not in prompt_text(model)
    bob.regenerate("bob-1", {"owner": "bob-key"})
    assert SECRET not in prompt_text(model)


def test_the_local_user_does_not_see_an_api_owner_memories(plait_home):
    model = summarising_model()
    alice_remembers(model)
    reply = ask(new_agent(model, summary_every=0), "The clockmaker from Leeds, his bank PIN?", "local-1")
    assert SECRET not in prompt_text(model)
    assert "summary" not in {m["kind"] for m in reply.extras["memory"]}


def test_the_same_owner_recalls_its_memories_in_a_later_session(plait_home):
    model = summarising_model()
    alice_remembers(model)
    reply = ask(new_agent(model, summary_every=0), "The clockmaker from Leeds, his bank PIN?", "alice-2", owner="alice-key")
    assert SECRET in {m["text"] for m in reply.extras["memory"]}
    assert SECRET in prompt_text(model)


def test_shared_memory_is_an_explicit_option(plait_home, tmp_path):
    model = summarising_model()
    alice_remembers(model)
    (tmp_path / "plait.toml").write_text("[characters]\nshared_memory = true\n")  # ./plait.toml (cwd)
    reply = ask(new_agent(model, summary_every=0), "The clockmaker from Leeds, his bank PIN?", "bob-1", owner="bob-key")
    assert SECRET in {m["text"] for m in reply.extras["memory"]}


def test_remember_and_end_session_write_to_the_session_owner(plait_home):
    model = summarising_model()
    agent = new_agent(model, summary_every=0)
    ask(agent, "I am Tom, a clockmaker from Leeds.", "alice-1", owner="alice-key")
    agent.end_session("alice-1")
    ask(agent, "The clockmaker from Leeds, his bank PIN?", "bob-1", owner="bob-key")
    assert SECRET not in prompt_text(model)
    ask(agent, "The clockmaker from Leeds, his bank PIN?", "alice-2", owner="alice-key")
    assert SECRET in prompt_text(model)


def test_the_owner_itself_is_never_stored(plait_home):
    model = summarising_model()
    alice_remembers(model)
    agent = new_agent(model)
    stored = json.dumps(agent.memory.summaries())
    assert "alice-key" not in stored
    state = agent.state("alice-1")
    assert "alice-key" not in json.dumps(state, default=str)
    assert state["memory_owner"].startswith("key-")
