"""The in-process llamacpp backend with the packaged SmolLM2 GGUF."""

from __future__ import annotations

import json
import math
import sys

import pytest

from plait.core.config import Settings
from plait.core.errors import ConfigError, ModelUnavailable
from plait.core.models import ChatOptions, get_chat_model
from plait.core.models.llamacpp import LlamaCppChatModel, load_llama, prepare_messages, resolve_model_path

QUESTION = [{"role": "user", "content": "What is the capital of France?"}]
TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "current weather of a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]


@pytest.fixture(scope="module")
def smol(smollm2_gguf) -> LlamaCppChatModel:
    return get_chat_model("llamacpp/smollm2", Settings())


# --- cheap: no model loaded ---------------------------------------------------------------

def test_missing_gguf_file_is_model_unavailable(tmp_path):
    with pytest.raises(ModelUnavailable, match="does not exist"):
        resolve_model_path(str(tmp_path / "nope.gguf"))


def test_unknown_name_is_a_config_error_listing_the_packaged_model():
    with pytest.raises(ConfigError, match="llamacpp/smollm2"):
        resolve_model_path("gpt-17")


def test_missing_llama_cpp_says_how_to_install(tmp_path, monkeypatch):
    fake = tmp_path / "fake.gguf"
    fake.write_bytes(b"GGUF")
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # import llama_cpp now raises ImportError
    with pytest.raises(ModelUnavailable) as err:
        LlamaCppChatModel(fake)
    assert "pip install 'plait[local]'" in str(err.value) and "-DGGML_NATIVE=OFF" in str(err.value)


def test_messages_are_made_renderable():
    msgs = prepare_messages([
        {"role": "user", "content": "weather?"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]},
        {"role": "tool", "tool_call_id": "c1", "name": "get_weather", "content": "sunny"},
    ], with_tools=False)
    assert all(isinstance(m["content"], str) for m in msgs)
    assert "functions.get_weather" in msgs[1]["content"]
    assert msgs[2] == {"role": "user", "content": "Result of get_weather:\nsunny"}
    with_tools = prepare_messages([{"role": "user", "content": "hi"}], with_tools=True)
    assert with_tools[0]["role"] == "system"


# --- with the model -----------------------------------------------------------------------

@pytest.mark.slow
def test_packaged_model_resolves_and_is_cached(smol, smollm2_gguf):
    assert smol.name == "llamacpp/smollm2"
    assert smol.model_path == smollm2_gguf
    again = get_chat_model("llamacpp/smollm2", Settings())
    assert again._llama("chat")[0] is smol._llama("chat")[0]  # loaded once per process
    assert load_llama(smollm2_gguf, "chat", 4096) is smol._llama("chat")


@pytest.mark.slow
def test_gguf_path_name_loads_that_file(smollm2_gguf):
    model = get_chat_model(f"llamacpp/{smollm2_gguf}", Settings())
    assert model.model_path == smollm2_gguf.resolve()


@pytest.mark.slow
def test_chat(smol):
    result = smol.chat(QUESTION, ChatOptions(temperature=0, max_tokens=24))
    assert result.text.strip()
    assert result.usage["prompt_tokens"] > 0 and 0 < result.usage["completion_tokens"] <= 24


@pytest.mark.slow
def test_stream_equals_chat_at_temperature_zero(smol):
    # long enough to stream past the loop guard's hold-back (2 x 80 characters, see loopguard.py)
    options = ChatOptions(temperature=0, max_tokens=120, seed=3)
    long_answer = [{"role": "user", "content": "Write three paragraphs about the history of Paris."}]
    pieces = list(smol.stream(long_answer, options))
    assert len(pieces) > 1
    assert "".join(pieces) == smol.chat(long_answer, options).text


@pytest.mark.slow
def test_n_choices_with_seeds_are_reproducible(smol):
    options = ChatOptions(temperature=1.0, max_tokens=12, n=3, seed=11)
    first = smol.chat(QUESTION, options)
    assert len(first.choices) == 3
    assert [c.text for c in smol.chat(QUESTION, options).choices] == [c.text for c in first.choices]
    assert first.usage["total_tokens"] == first.usage["prompt_tokens"] + first.usage["completion_tokens"]


@pytest.mark.slow
def test_stop_sequences(smol):
    free = smol.chat(QUESTION, ChatOptions(temperature=0, max_tokens=24)).text
    word = free.split()[1]
    stopped = smol.chat(QUESTION, ChatOptions(temperature=0, max_tokens=24, stop=[word])).text
    assert word not in stopped and free.startswith(stopped)


@pytest.mark.slow
def test_logprobs(smol):
    result = smol.chat(QUESTION, ChatOptions(temperature=0, max_tokens=4, logprobs=3))
    lp = result.choices[0].logprobs
    assert lp and len(lp) <= 4
    assert all(len(step["top"]) == 3 and step["logprob"] <= 0 for step in lp)
    assert lp[0]["logprob"] == pytest.approx(max(lp[0]["top"].values()))


@pytest.mark.slow
@pytest.mark.parametrize("tool_choice", ["get_weather", "required", "auto"])
def test_tool_calls(smol, tool_choice):
    result = smol.chat(
        [{"role": "user", "content": "What's the weather like in Paris today?"}],
        ChatOptions(temperature=0, max_tokens=64, tools=TOOLS, tool_choice=tool_choice),
    )
    if tool_choice == "auto" and not result.tool_calls:  # the model may answer in words instead
        assert result.text.strip()
        return
    (call,) = result.tool_calls
    assert call.name == "get_weather"
    assert isinstance(json.loads(call.arguments)["city"], str)


@pytest.mark.slow
def test_json_schema_is_enforced(smol):
    schema = {"type": "object", "properties": {"capital": {"type": "string"}, "population": {"type": "integer"}},
              "required": ["capital", "population"]}
    result = smol.chat([{"role": "user", "content": "Describe Paris as JSON."}],
                       ChatOptions(temperature=0, max_tokens=64, json_schema=schema))
    data = json.loads(result.text)
    assert isinstance(data["capital"], str) and isinstance(data["population"], int)


@pytest.mark.slow
def test_hidden_state(smol):
    assert smol.hidden_size == 576  # SmolLM2-135M
    mean = smol.hidden_state("Retrieval helps with questions about recent events.")
    last = smol.hidden_state("Retrieval helps with questions about recent events.", pooling="last")
    assert len(mean) == len(last) == 576
    assert all(math.isfinite(x) for x in mean)
    assert mean != last
    assert smol.hidden_state("Retrieval helps with questions about recent events.") == mean  # deterministic
    assert smol.hidden_state("Completely different words here") != mean
    with pytest.raises(ConfigError):
        smol.hidden_state("x", pooling="max")


@pytest.mark.slow
def test_count_tokens(smol):
    assert smol.count_tokens("") == 0
    assert 0 < smol.count_tokens("hello world") <= 3
