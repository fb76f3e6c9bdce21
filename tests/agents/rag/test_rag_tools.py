"""The RAG agent given registered tools: the tool really runs and its result reaches the model,
through the agent API and through ``plait ask --tool`` (a real process with an installed plugin)."""

from __future__ import annotations

import json
import os

import pytest

from plait import hookimpl
from plait.agents.base import AgentReply, AgentRequest, get_agent
from plait.core.config import load_settings
from plait.core.errors import InputError
from plait.core.models.scripted import ScriptedChatModel, scripted_tool_call
from plait.core.tools import Tool

BOILED: list[str] = []


def kettle_temperature(tea: str) -> dict:
    """The water temperature a tea is steeped at.

    Args:
        tea: the kind of tea, e.g. green or black
    """
    BOILED.append(tea)
    return {"tea": tea, "celsius": 80 if tea == "green" else 95}


class KettlePlugin:
    @hookimpl
    def register_tools(self, register):
        register(Tool.from_function(kettle_temperature))


def reads_the_tool(messages, _options) -> str:
    return "The kettle says " + next(m["content"] for m in reversed(messages) if m["role"] == "tool")


@pytest.fixture
def agent(plait_home, plait_host, tmp_path):
    from plait.core.models import get_embedder
    from plait.retrieval.ingest import ingest_paths

    BOILED.clear()
    plait_host(("kettle", KettlePlugin()))
    settings = load_settings()
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "tea.md").write_text("Green tea is steeped for two minutes.\n")
    ingest_paths([docs], settings, get_embedder(None, settings), progress=False)
    rag = get_agent("rag", settings)
    rag.context._model = ScriptedChatModel([scripted_tool_call("kettle_temperature", '{"tea": "green"}'), reads_the_tool])
    return rag


def test_a_requested_tool_runs_and_its_result_reaches_the_model(agent):
    reply = agent.invoke(AgentRequest([{"role": "user", "content": "how hot for green tea steeped?"}],
                                      options={"retrieve": "always", "tools": ["kettle_temperature"]}))
    assert BOILED == ["green"]
    assert reply.text == 'The kettle says {"tea": "green", "celsius": 80}'
    assert reply.extras["tool_calls"] == [{"round": 1, "id": "call_kettle_temperature", "name": "kettle_temperature",
                                           "arguments": {"tea": "green"}, "ok": True, "result": '{"tea": "green", "celsius": 80}'}]
    first_messages, first_options = agent.context.model.calls[0]
    assert first_options.tools == [Tool.from_function(kettle_temperature).openai_schema()]
    assert "[1] (source:" in first_messages[0]["content"]  # retrieval and tools work together
    assert reply.extras["sources"][0]["source"].endswith("tea.md")


def test_without_the_tools_option_no_tool_is_offered(agent):
    agent.context._model = model = ScriptedChatModel(default="plain")
    reply = agent.invoke(AgentRequest([{"role": "user", "content": "tea"}], options={"retrieve": "never"}))
    assert reply.text == "plain" and model.calls[0][1].tools is None and reply.extras["tool_calls"] == []


def test_streamed_session_turn_with_a_tool_keeps_text_and_trace(agent):
    request = AgentRequest([{"role": "user", "content": "green tea?"}], "t", {"retrieve": "never", "tools": ["kettle_temperature"]})
    pieces = list(agent.stream(request))
    reply = pieces[-1]
    assert isinstance(reply, AgentReply) and "".join(pieces[:-1]) == reply.text == 'The kettle says {"tea": "green", "celsius": 80}'
    assert [c["name"] for c in reply.extras["tool_calls"]] == ["kettle_temperature"] and BOILED == ["green"]
    assert [m["content"] for m in get_agent("rag", load_settings()).history("t")] == ["green tea?", reply.text]


def test_unknown_tool_is_refused_before_the_model_is_called(agent):
    with pytest.raises(InputError, match=r"no tool named 'thermometer'; registered tools: .*kettle_temperature"):
        agent.invoke(AgentRequest([{"role": "user", "content": "tea"}], options={"tools": ["thermometer"]}))
    assert agent.context.model.calls == [] and BOILED == []


KETTLE_PLUGIN = '''
from pathlib import Path

from plait import hookimpl
from plait.core.models.base import ChatResult, Choice, ToolCall


def kettle_temperature(tea: str) -> dict:
    """The water temperature a tea is steeped at.

    Args:
        tea: the kind of tea
    """
    Path("kettle-ran.txt").write_text(tea)  # proof, outside the model, that the tool ran
    return {"tea": tea, "celsius": 80}


class KettleBot:
    """Calls the kettle tool first, then answers with what the tool said."""

    name = "kettlebot/v1"

    def chat(self, messages, options=None):
        tool_msgs = [m for m in messages if m.get("role") == "tool"]
        if not tool_msgs:
            offered = [t["function"]["name"] for t in (options.tools or [])] if options else []
            return ChatResult([Choice("", [ToolCall("c1", "kettle_temperature", '{"tea": "green"}')], "tool_calls")]
                              if "kettle_temperature" in offered else [Choice("no tool offered", [], "stop")])
        return ChatResult([Choice("kettle says " + tool_msgs[-1]["content"], [], "stop")])

    def stream(self, messages, options=None):
        yield self.chat(messages, options).text


def kettlebot(*_args):  # any factory shape: only one model here
    return KettleBot()


@hookimpl
def register_models(register):
    register("kettlebot", kettlebot)


@hookimpl
def register_tools(register):
    register(kettle_temperature)
'''


@pytest.fixture
def kettle_site(tmp_path, monkeypatch, plait_home):
    from plait.testing.kit import fake_distribution

    site = tmp_path / "site"
    fake_distribution(site, "plait-kettle", KETTLE_PLUGIN)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH", "")) if p))
    monkeypatch.delenv("PLAIT_LOAD_PLUGINS", raising=False)
    monkeypatch.setenv("PLAIT_MODEL", "kettlebot/v1")
    monkeypatch.setenv("PLAIT_GATE", "always")
    return site


def test_plait_ask_tool_runs_the_tool_in_a_real_process(kettle_site, plait_run, tmp_path):
    proc = plait_run("ask", "--retrieve", "never", "--tool", "kettle_temperature", "--json", "how hot for green tea?")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert (tmp_path / "kettle-ran.txt").read_text() == "green"
    assert out["answer"] == 'kettle says {"tea": "green", "celsius": 80}'
    assert [(c["name"], c["ok"]) for c in out["tool_calls"]] == [("kettle_temperature", True)]

    plain = plait_run("ask", "--retrieve", "never", "how hot for green tea?")  # no --tool: nothing offered
    assert plain.returncode == 0 and "no tool offered" in plain.stdout


def test_plait_ask_unknown_tool_lists_the_registered_ones(kettle_site, plait_run, tmp_path):
    proc = plait_run("ask", "--tool", "thermometer", "tea?")
    assert proc.returncode == 1
    assert "no tool named 'thermometer'; registered tools:" in proc.stderr and "kettle_temperature" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "kettle-ran.txt").exists()
