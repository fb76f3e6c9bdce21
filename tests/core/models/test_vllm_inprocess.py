"""The in-process vllm backend: a clear Unavailable without vllm, and its translation to vLLM's API
checked against a fake ``vllm`` module (no GPU here)."""

from __future__ import annotations

import importlib.util
import sys
import types
from dataclasses import dataclass, field

import pytest

from plait.core.config import Settings
from plait.core.errors import ConfigError, Unavailable
from plait.core.models import ChatOptions, get_chat_model


@pytest.mark.skipif(importlib.util.find_spec("vllm") is not None, reason="vllm is installed here")
def test_without_vllm_the_backend_is_unavailable_and_says_what_to_do():
    with pytest.raises(Unavailable) as err:
        get_chat_model("vllm/internlm/internlm2_5-7b-chat", Settings())
    message = str(err.value)
    assert "pip install vllm" in message and "GPU" in message and "openai/" in message


@dataclass
class Logprob:
    logprob: float
    decoded_token: str


@dataclass
class Completion:
    text: str
    token_ids: list[int]
    finish_reason: str = "stop"
    logprobs: list[dict] | None = None


@dataclass
class RequestOutput:
    outputs: list[Completion]
    prompt_token_ids: list[int] = field(default_factory=lambda: [1, 2, 3])


class FakeLLM:
    instances: list["FakeLLM"] = []

    def __init__(self, model, **engine):
        self.model, self.engine, self.calls = model, engine, []
        FakeLLM.instances.append(self)

    def chat(self, conversations, params, use_tqdm=True):
        self.calls.append((conversations, params))
        out = []
        for conv in conversations:
            comps = []
            for i in range(params.kw.get("n", 1)):
                lps = None
                if "logprobs" in params.kw:
                    lps = [{7: Logprob(-0.5, "Hi"), 8: Logprob(-1.5, "Yo")}]
                comps.append(Completion(f"{i}:{conv[-1]['content']}", [7], logprobs=lps))
            out.append(RequestOutput(comps))
        return out


class Params:
    def __init__(self, **kw):
        self.kw = kw


class StructuredOutputsParams:
    def __init__(self, json=None):
        self.json = json


@pytest.fixture
def fake_vllm(monkeypatch):
    vllm = types.ModuleType("vllm")
    vllm.LLM, vllm.SamplingParams = FakeLLM, Params
    sp = types.ModuleType("vllm.sampling_params")
    sp.StructuredOutputsParams = StructuredOutputsParams
    vllm.sampling_params = sp
    monkeypatch.setitem(sys.modules, "vllm", vllm)
    monkeypatch.setitem(sys.modules, "vllm.sampling_params", sp)
    FakeLLM.instances.clear()
    return vllm


def test_engine_options_come_from_the_vllm_table(fake_vllm):
    s = Settings(tables={"vllm": {"tensor_parallel_size": "2", "trust_remote_code": "true", "max_model_len": 8192}})
    model = get_chat_model("vllm/internlm/internlm2_5-7b-chat", s)
    assert model.name == "vllm/internlm/internlm2_5-7b-chat"
    llm = FakeLLM.instances[-1]
    assert llm.model == "internlm/internlm2_5-7b-chat"
    assert llm.engine == {"tensor_parallel_size": 2, "trust_remote_code": True, "max_model_len": 8192}


def test_chat_batch_translates_options_and_results(fake_vllm):
    model = get_chat_model("vllm/m", Settings())
    schema = {"type": "object"}
    convs = [[{"role": "user", "content": "a"}], [{"role": "user", "content": "b"}]]
    results = model.chat_batch(convs, ChatOptions(n=2, temperature=0.7, seed=5, stop=["\n"], logprobs=2, json_schema=schema))
    (sent, params), = FakeLLM.instances[-1].calls
    assert sent == convs
    assert params.kw["n"] == 2 and params.kw["temperature"] == 0.7 and params.kw["seed"] == 5
    assert params.kw["stop"] == ["\n"] and params.kw["logprobs"] == 2 and params.kw["max_tokens"] == 512
    assert params.kw["structured_outputs"].json == schema
    assert [[c.text for c in r.choices] for r in results] == [["0:a", "1:a"], ["0:b", "1:b"]]
    assert results[0].choices[0].logprobs == [{"token": "Hi", "logprob": -0.5, "top": {"Hi": -0.5, "Yo": -1.5}}]
    assert results[0].usage == {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}
    assert "".join(model.stream(convs[0])) == "0:a"


def test_tools_point_to_the_server(fake_vllm):
    model = get_chat_model("vllm/m", Settings())
    with pytest.raises(ConfigError, match="--tool-call-parser"):
        model.chat([{"role": "user", "content": "x"}], ChatOptions(tools=[{"type": "function", "function": {"name": "f"}}]))
