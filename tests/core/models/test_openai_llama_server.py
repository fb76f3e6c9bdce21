"""The openai backend against a real OpenAI-compatible server: llama-cpp-python's, on loopback."""

from __future__ import annotations

import json

import pytest

from plait.core.config import Settings
from plait.core.models import ChatOptions, get_chat_model

pytestmark = pytest.mark.slow

QUESTION = [{"role": "user", "content": "What is the capital of France?"}]
TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "current weather of a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]


def model(url: str, **table):
    return get_chat_model("openai/smollm2", Settings(llm_url=url, tables={"openai": table}))


def test_chat_answers(llama_server):
    result = model(llama_server).chat(QUESTION, ChatOptions(temperature=0, max_tokens=24, seed=7))
    assert result.text.strip()
    assert result.choices[0].finish_reason in ("stop", "length")
    assert result.usage["completion_tokens"] > 0


def test_stream_equals_chat_at_temperature_zero(llama_server):
    m = model(llama_server)
    options = ChatOptions(temperature=0, max_tokens=24, seed=7)
    pieces = list(m.stream(QUESTION, options))
    assert len(pieces) > 1  # really streamed, token by token
    assert "".join(pieces) == m.chat(QUESTION, options).text


def test_tool_call_when_tool_choice_names_the_function(llama_server):
    result = model(llama_server).chat(
        [{"role": "user", "content": "What's the weather like in Paris today?"}],
        ChatOptions(temperature=0, max_tokens=64, tools=TOOLS, tool_choice="get_weather"),
    )
    (call,) = result.tool_calls
    assert call.name == "get_weather"
    assert isinstance(json.loads(call.arguments)["city"], str)


def test_json_object_structured_output(llama_server):
    schema = {"type": "object", "properties": {"capital": {"type": "string"}}, "required": ["capital"]}
    result = model(llama_server, structured_output="json_object").chat(
        [{"role": "user", "content": "Give the capital of France as JSON."}],
        ChatOptions(temperature=0, max_tokens=48, json_schema=schema),
    )
    assert isinstance(json.loads(result.text)["capital"], str)


def test_logprobs_from_a_real_server(llama_server):
    result = model(llama_server).chat(QUESTION, ChatOptions(temperature=0, max_tokens=4, logprobs=2))
    lp = result.choices[0].logprobs
    assert lp and len(lp) <= 4
    first = lp[0]
    assert first["logprob"] <= 0 and first["token"] in first["top"]
    assert first["logprob"] == pytest.approx(max(first["top"].values()))  # greedy picks the top token
