"""The tool-calling loop (plait.agents.tooling) with the scripted model and real ``Tool`` objects."""

from __future__ import annotations

import json

import pytest

from plait.agents.tooling import resolve_tools, run_with_tools
from plait.core.errors import InputError
from plait.core.models.base import ChatOptions, ChatResult, Choice, ToolCall
from plait.core.models.scripted import ScriptedChatModel, scripted_tool_call
from plait.core.tools import Tool

RAN: list[tuple[int, int]] = []


def add(a: int, b: int) -> int:
    """Add two whole numbers.

    Args:
        a: the first number
        b: the second number
    """
    RAN.append((a, b))
    return a + b


def explode(reason: str) -> str:
    """Always fails."""
    raise RuntimeError(f"boom: {reason}")


@pytest.fixture
def tools():
    RAN.clear()
    return {"add": Tool.from_function(add), "explode": Tool.from_function(explode)}


def last_tool_text(messages, _options) -> str:
    return "tool said: " + next(m["content"] for m in reversed(messages) if m["role"] == "tool")


def test_a_called_tool_runs_and_its_result_reaches_the_model(tools):
    model = ScriptedChatModel([scripted_tool_call("add", '{"a": 2, "b": 40}'), last_tool_text])
    messages = [{"role": "user", "content": "what is 2 + 40?"}]
    result, trace = run_with_tools(model, messages, tools, ChatOptions(temperature=0.0, seed=7))

    assert RAN == [(2, 40)] and result.text == "tool said: 42"
    first_messages, first_options = model.calls[0]
    assert [t["function"]["name"] for t in first_options.tools] == ["add", "explode"]
    assert first_options.tools[0] == tools["add"].openai_schema()
    assert (first_options.temperature, first_options.seed) == (0.0, 7)  # the caller's options are kept
    second_messages, _ = model.calls[1]
    assert second_messages[1] == {"role": "assistant", "content": "", "tool_calls": [
        {"id": "call_add", "type": "function", "function": {"name": "add", "arguments": '{"a": 2, "b": 40}'}}]}
    assert second_messages[2] == {"role": "tool", "tool_call_id": "call_add", "name": "add", "content": "42"}
    assert messages == [{"role": "user", "content": "what is 2 + 40?"}]  # the caller's list is untouched
    assert trace == [{"round": 1, "id": "call_add", "name": "add", "arguments": {"a": 2, "b": 40}, "ok": True, "result": "42"}]


def test_every_call_of_one_round_runs_in_order(tools):
    both = ChatResult([Choice("", [ToolCall("c1", "add", '{"a": 1, "b": 1}'), ToolCall("c2", "add", '{"a": 3, "b": 4}')], "tool_calls")])
    model = ScriptedChatModel([both, "done"])
    result, trace = run_with_tools(model, [{"role": "user", "content": "x"}], tools)
    assert result.text == "done" and RAN == [(1, 1), (3, 4)]
    sent = model.calls[1][0]
    assert [(m["tool_call_id"], m["content"]) for m in sent if m["role"] == "tool"] == [("c1", "2"), ("c2", "7")]
    assert [e["id"] for e in trace] == ["c1", "c2"]


def test_unknown_tool_becomes_an_error_message_for_the_model(tools):
    model = ScriptedChatModel([scripted_tool_call("nope", "{}"), last_tool_text])
    result, trace = run_with_tools(model, [{"role": "user", "content": "x"}], tools)
    assert result.text.startswith("tool said: error: no tool named 'nope'")
    assert "add, explode" in result.text  # the model learns what it may call
    assert trace[0]["ok"] is False and "no tool named 'nope'" in trace[0]["error"]


def test_raising_tool_and_bad_arguments_do_not_crash_the_turn(tools):
    model = ScriptedChatModel([scripted_tool_call("explode", '{"reason": "disk"}'), scripted_tool_call("add", '{"a": "two"}'),
                               scripted_tool_call("add", "not json"), "recovered"])
    result, trace = run_with_tools(model, [{"role": "user", "content": "x"}], tools)
    assert result.text == "recovered" and RAN == []
    assert "RuntimeError: boom: disk" in trace[0]["error"]
    assert "missing ['b']" in trace[1]["error"]
    assert "not valid JSON" in trace[2]["error"] and trace[2]["arguments"] == "not json"
    tool_texts = [m["content"] for m in model.calls[3][0] if m["role"] == "tool"]
    assert len(tool_texts) == 3 and all(t.startswith("error: tool ") for t in tool_texts)
    json.dumps(trace)  # JSON-safe: it goes into replies and checkpoints


def test_rounds_are_bounded_and_the_last_call_offers_no_tools(tools):
    model = ScriptedChatModel(default=scripted_tool_call("add", '{"a": 1, "b": 2}'))
    result, trace = run_with_tools(model, [{"role": "user", "content": "loop"}], tools, max_rounds=2)
    assert len(model.calls) == 3 and RAN == [(1, 2), (1, 2)]
    assert [e["round"] for e in trace] == [1, 2]
    assert model.calls[0][1].tools and model.calls[2][1].tools is None
    assert result.tool_calls  # returned as the model gave it: the caller decides what to show


def test_resolve_tools_names_the_registered_ones(tools):
    assert list(resolve_tools(["add"], tools)) == ["add"]
    with pytest.raises(InputError, match=r"no tool named 'calc'; registered tools: add, explode"):
        resolve_tools(["add", "calc"], tools)
    with pytest.raises(InputError, match="list of tool names"):
        resolve_tools("add", tools)
