"""The openai backend against a loopback stub that speaks the OpenAI protocol (and vLLM's extras)."""

from __future__ import annotations

import json
import math

import pytest

from plait.core.config import Settings
from plait.core.errors import ConfigError, ModelResponseError, ModelUnavailable
from plait.core.models import ChatOptions, get_chat_model, get_embedder
from plait.core.models.openai_backend import OpenAIChatModel, OpenAIEmbedder, normalize_url

SCHEMA = {"title": "Answer", "type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}
TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "current weather of a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
HI = [{"role": "user", "content": "hello there"}]


def settings(url: str | None, **table) -> Settings:
    return Settings(llm_url=url, tables={"openai": {"max_retries": 0, **table}})


def test_factory_through_the_host_uses_llm_url_and_model_name(stub):
    model = get_chat_model("openai/stub-model", settings(stub.url))
    assert isinstance(model, OpenAIChatModel)
    assert model.name == "openai/stub-model"
    result = model.chat(HI, ChatOptions(temperature=0, max_tokens=20, seed=3))
    assert result.text == "reply 0 to: hello there"
    assert result.usage["total_tokens"] == 12
    body = stub.state.bodies("/v1/chat/completions")[0]
    assert body["model"] == "stub-model" and body["messages"] == HI
    assert (body["temperature"], body["max_tokens"], body["seed"]) == (0, 20, 3)
    assert stub.state.requests[0]["headers"]["authorization"] == "Bearer EMPTY"


def test_api_key_is_sent_and_a_wrong_one_is_explained(stub):
    stub.state.api_key = "sekrit"
    good = Settings(llm_url=stub.url, llm_api_key="sekrit", tables={"openai": {"max_retries": 0}})
    assert get_chat_model("openai/stub-model", good).chat(HI).text.startswith("reply 0")
    bad = Settings(llm_url=stub.url, llm_api_key="wrong", tables={"openai": {"max_retries": 0}})
    with pytest.raises(ModelUnavailable, match="PLAIT_LLM_API_KEY"):
        get_chat_model("openai/stub-model", bad).chat(HI)


def test_n_choices(stub):
    result = get_chat_model("openai/stub-model", settings(stub.url)).chat(HI, ChatOptions(n=3))
    assert [c.text for c in result.choices] == [f"reply {i} to: hello there" for i in range(3)]
    assert stub.state.bodies("/v1/chat/completions")[0]["n"] == 3


def test_logprobs_are_requested_and_parsed(stub):
    result = get_chat_model("openai/stub-model", settings(stub.url)).chat(HI, ChatOptions(logprobs=2))
    body = stub.state.bodies("/v1/chat/completions")[0]
    assert body["logprobs"] is True and body["top_logprobs"] == 2
    lp = result.choices[0].logprobs
    assert [t["token"] for t in lp] == result.text.split(" ")
    assert lp[1]["logprob"] == pytest.approx(-0.2)
    assert lp[0]["top"] == {"reply": pytest.approx(-0.1), "alt1": pytest.approx(-6.0)}


def test_no_logprobs_unless_asked(stub):
    result = get_chat_model("openai/stub-model", settings(stub.url)).chat(HI)
    assert result.choices[0].logprobs is None
    body = stub.state.bodies("/v1/chat/completions")[0]
    assert "logprobs" not in body and "n" not in body and "tools" not in body


def test_structured_output_default_is_vllm_structured_outputs(stub):
    result = get_chat_model("openai/stub-model", settings(stub.url)).chat(HI, ChatOptions(json_schema=SCHEMA))
    body = stub.state.bodies("/v1/chat/completions")[0]
    assert body["structured_outputs"] == {"json": SCHEMA}
    assert "response_format" not in body
    assert not any(k.startswith("guided_") for k in body)  # removed from vLLM; never sent
    assert json.loads(result.text)["answer"] == "stub"


def test_structured_output_response_format_mode(stub):
    model = get_chat_model("openai/stub-model", settings(stub.url, structured_output="response_format"))
    model.chat(HI, ChatOptions(json_schema=SCHEMA))
    body = stub.state.bodies("/v1/chat/completions")[0]
    assert body["response_format"] == {"type": "json_schema", "json_schema": {"name": "Answer", "schema": SCHEMA}}
    assert "structured_outputs" not in body


def test_structured_output_json_object_mode_for_llama_cpp_servers(stub):
    model = get_chat_model("openai/stub-model", settings(stub.url, structured_output="json_object"))
    model.chat(HI, ChatOptions(json_schema=SCHEMA))
    body = stub.state.bodies("/v1/chat/completions")[0]
    assert body["response_format"] == {"type": "json_object", "schema": SCHEMA}


def test_unknown_structured_output_mode_is_a_config_error(stub):
    with pytest.raises(ConfigError, match="structured_output"):
        get_chat_model("openai/stub-model", settings(stub.url, structured_output="guided_json"))


def test_tools_with_a_named_function_return_tool_calls(stub):
    model = get_chat_model("openai/stub-model", settings(stub.url))
    result = model.chat(HI, ChatOptions(tools=TOOLS, tool_choice="get_weather"))
    body = stub.state.bodies("/v1/chat/completions")[0]
    assert body["tools"] == TOOLS
    assert body["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}
    assert result.choices[0].finish_reason == "tool_calls"
    (call,) = result.tool_calls
    assert call.name == "get_weather" and json.loads(call.arguments) == {"city": "Paris"}


def test_tool_choice_keywords_pass_through(stub):
    get_chat_model("openai/stub-model", settings(stub.url)).chat(HI, ChatOptions(tools=TOOLS, tool_choice="auto"))
    assert stub.state.bodies("/v1/chat/completions")[0]["tool_choice"] == "auto"


def test_stream_reads_sse_and_matches_chat(stub):
    model = get_chat_model("openai/stub-model", settings(stub.url))
    pieces = list(model.stream(HI))
    assert len(pieces) > 1
    assert "".join(pieces) == model.chat(HI).text
    assert stub.state.bodies("/v1/chat/completions")[0]["stream"] is True


def test_server_errors_without_retry_name_status_and_message(stub):
    stub.state.fail_next = [400]
    with pytest.raises(ModelResponseError, match=r"HTTP 400.*stub failure 400"):
        get_chat_model("openai/stub-model", settings(stub.url)).chat(HI)
    assert len(stub.state.requests) == 1  # a 400 is never retried


def test_structured_output_rejection_suggests_another_mode(stub):
    stub.state.fail_next = [400]
    with pytest.raises(ModelResponseError, match="json_object"):
        get_chat_model("openai/stub-model", settings(stub.url)).chat(HI, ChatOptions(json_schema=SCHEMA))


def test_transient_503_is_retried(stub):
    stub.state.fail_next = [503]
    model = get_chat_model("openai/stub-model", settings(stub.url, max_retries=2))
    assert model.chat(HI).text == "reply 0 to: hello there"
    assert len(stub.state.bodies("/v1/chat/completions")) == 2


def test_persistent_500_becomes_model_response_error(stub):
    stub.state.fail_next = [500, 500]
    with pytest.raises(ModelResponseError, match="HTTP 500"):
        get_chat_model("openai/stub-model", settings(stub.url, max_retries=1)).chat(HI)
    assert len(stub.state.bodies("/v1/chat/completions")) == 2


def test_unknown_model_lists_served_models(stub):
    with pytest.raises(ModelUnavailable, match=r"no model 'nope'.*stub-model"):
        get_chat_model("openai/nope", settings(stub.url)).chat(HI)


def test_errors_while_streaming_are_plait_errors(stub):
    stub.state.fail_next = [400]
    with pytest.raises(ModelResponseError, match="HTTP 400"):
        list(get_chat_model("openai/stub-model", settings(stub.url)).stream(HI))


def test_slow_server_times_out_with_a_clear_error(stub):
    stub.state.delay = 1.5
    model = get_chat_model("openai/stub-model", settings(stub.url, timeout=0.3))
    with pytest.raises(ModelUnavailable, match=r"did not answer within 0.3s"):
        model.chat(HI)


def test_url_without_path_gets_v1(stub):
    assert normalize_url(stub.root) == stub.url
    assert normalize_url(stub.root + "/") == stub.url
    assert normalize_url("http://h:1/openai/v1/") == "http://h:1/openai/v1"
    assert get_chat_model("openai/stub-model", settings(stub.root)).chat(HI).text.startswith("reply 0")
    with pytest.raises(ConfigError, match="not an http"):
        normalize_url("127.0.0.1:8000")


def test_unreachable_server_names_the_url_and_how_to_start_one(unused_port):
    url = f"http://127.0.0.1:{unused_port}/v1"
    model = get_chat_model("openai/any", settings(url))
    with pytest.raises(ModelUnavailable) as err:
        model.chat(HI)
    message = str(err.value)
    assert url in message and "vllm serve" in message and "PLAIT_LLM_URL" in message
    with pytest.raises(ModelUnavailable, match=url):
        list(model.stream(HI))
    with pytest.raises(ModelUnavailable, match=url):
        get_embedder("openai/any", settings(url)).embed(["x"])


def test_default_url_is_vllms():
    model = OpenAIChatModel("m")
    assert model.base_url == "http://127.0.0.1:8000/v1"


# --- embeddings ----------------------------------------------------------------------------

def test_embeddings_are_normalised_ordered_and_batched(stub):
    emb = get_embedder("openai/stub-model", settings(stub.url, embed_batch_size=2))
    assert isinstance(emb, OpenAIEmbedder) and emb.id == "openai/stub-model"
    texts = ["alpha", "beta", "gamma"]
    vectors = emb.embed(texts)
    for text, vec in zip(texts, vectors):
        raw = stub.vector(text)
        norm = math.sqrt(sum(x * x for x in raw))
        assert vec == pytest.approx([x / norm for x in raw])
    assert [len(b["input"]) for b in stub.state.bodies("/v1/embeddings")] == [2, 1]
    assert emb.dim == 8
    assert emb.embed([]) == []


def test_embedder_dim_max_tokens_and_token_counts_come_from_the_server(stub):
    emb = get_embedder("openai/stub-model", settings(stub.url))
    assert emb.dim == 8  # probed with one request
    assert emb.max_tokens == 512  # vLLM's max_model_len from /v1/models
    assert emb.count_tokens("one two three") == 3
    assert stub.state.bodies("/tokenize")[0] == {"model": "stub-model", "prompt": "one two three", "add_special_tokens": False}
    assert emb.count_tokens("one two three") == 3
    assert len(stub.state.bodies("/tokenize")) == 1  # memoised


def test_embedder_prefers_embed_url(stub):
    s = Settings(llm_url="http://127.0.0.1:9/v1", embed_url=stub.url, tables={"openai": {"max_retries": 0}})
    assert len(get_embedder("openai/stub-model", s).embed(["x"])[0]) == 8


def test_embedding_endpoint_missing_explains_pooling_runner(stub):
    stub.state.fail_next = [404]
    with pytest.raises(ModelUnavailable, match="--runner pooling"):
        get_embedder("openai/stub-model", settings(stub.url)).embed(["x"])


def test_count_tokens_estimates_when_the_server_has_no_tokenize(stub):
    stub.state.fail_next = [404]  # the first /tokenize call
    emb = get_embedder("openai/stub-model", settings(stub.url))
    estimate = emb.count_tokens("a fairly ordinary sentence with some words")
    assert estimate >= 7  # never below the word count: chunks must not overflow
    before = len(stub.state.requests)
    emb.count_tokens("again")
    assert len(stub.state.requests) == before  # no more /tokenize attempts
