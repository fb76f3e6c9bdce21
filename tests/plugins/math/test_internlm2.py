"""InternLM2 chat/tool format: render, parse, stream-parse, and the raw-completion backend."""

import json
from http.server import BaseHTTPRequestHandler

import pytest

from plait.testing.conformance import ModelBackendConformance

from plait.core.models.base import ChatOptions
from plait.plugins.math.internlm2 import (
    INTERPRETER_PROMPT as DEFAULT_INTERPRETER_PROMPT,
    InternLM2CompletionModel,
    StreamParser,
    collect,
    parse_conversation,
    parse_output,
    render,
)
from plait.testing.kit import http_server, send_json


# -- the examples of InternLM's chat-format documentation (chat/chat_format.md), reproduced ----------
SYSTEM = "<|im_start|>system\nYou are InternLM2-Chat, a harmless AI assistant<|im_end|>\n"

BASIC = (
    SYSTEM
    + "<|im_start|>user\nHello<|im_end|>\n"
    + "<|im_start|>assistant\nHello, I am InternLM2-Chat, how can I assist you?<|im_end|>\n"
)

# The docs write the schema with Python-style trailing commas: not JSON, so it stays raw text.
PLUGIN_PROMPT = """<|im_start|>system name=<|plugin|>
[
    {
        "name": "get_current_weather",
        "description": "Get the current weather in a given location",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {
                    "type": "string",
                    "description": "The city and state, e.g. San Francisco, CA",
                },
                "unit": {"type": "string"},
            },
            "required": ["location"],
        },
    }
]
<|im_end|>
"""

WEATHER_TURNS = (
    "<|im_start|>user\nI want to know today's weather in Shanghai<|im_end|>\n"
    "<|im_start|>assistant\nSure, I will search for the weather of Shanghai.<|action_start|><|plugin|>\n"
    '{"name": "get_current_weather", "parameters": {"location": "Shanghai"}}<|action_end|><|im_end|>\n'
    '<|im_start|>environment name=<|plugin|>\n{"temperature": 22}<|im_end|>\n'
    "<|im_start|>assistant\nThe weather in Shanghai is 22 celsius<|im_end|>\n"
)

FUNCTION_CALL = SYSTEM + PLUGIN_PROMPT + WEATHER_TURNS

INTERPRETER_PROMPT = (
    "<|im_start|>system name=<|interpreter|>\n"
    "You now have access to a Jupyter notebook environment supporting Python code execution. Just send code "
    "to python to run in this stateful environment. This feature is suitable for:\n"
    "- Data analysis or processing (such as data manipulation and graphic creation)\n"
    "- Complex calculations (such as math and physics problems)\n"
    "- Programming examples (for understanding programming concepts or language features)\n"
    "- Text processing and analysis (including text analysis and natural language processing)\n"
    "- Machine learning and data science (model training and data visualization)\n"
    "- File operations and data import (handling CSV, JSON, etc. formats)<|im_end|>\n"
)

PLOT_CODE = """import plotly.express as px
import pandas as pd

# Load the data into a pandas dataframe
df = pd.read_csv('data.csv')

# Create a scatter plot of rainfall vs wind direction
fig = px.scatter(df, x='WindDir9am', y='Rainfall', color='WindDir3pm',
                 labels={'WindDir9am': 'Wind Direction 9am', 'Rainfall': '\\n\\nRainfall', 'WindDir3pm': 'Wind Direction 3pm'},
                 title='Rainfall vs Wind Direction',
                 template='plotly_dark',
                 width=600, height=500)

# Add a hover effect to show the date
fig.update_traces(hovertemplate='<b>Date: %{text}</b><br>Wind Direction 9am: %{x}<br>Rainfall: %{y}<br>Wind Direction 3pm: %{marker.color}')

# Show the plot
fig.show()"""

INTERPRETER_TURNS = (
    "<|im_start|>user\nPlease help me process and visualize this dataset.\n<|im_end|>\n"
    "<|im_start|>user name=file\n[{\"path\": \"data.csv\", size='10K'}]<|im_end|>\n"
    "<|im_start|>assistant\nI have processed the data and visualized it for you.\n\n"
    "<|action_start|><|interpreter|>\n```python\n" + PLOT_CODE + "\n```<|action_end|>\n<|im_end|>\n"
    "<|im_start|>environment name=<|interpreter|>\n![image](xxx.png)\n<|im_end|>\n"
    "<|im_start|>assistant\nSince the code output is not included here, I cannot provide specific chart "
    "content.<|im_end|>\n"
    "<|im_start|>user\nCan you explain the code?<|im_end|>\n"
    "<|im_start|>assistant\nThe code uses Python's Plotly library to create a polar plot.\n<|im_end|>\n"
)

CODE_INTERPRETER = SYSTEM + INTERPRETER_PROMPT + INTERPRETER_TURNS

BOTH = SYSTEM + INTERPRETER_PROMPT + PLUGIN_PROMPT + INTERPRETER_TURNS + WEATHER_TURNS

WEATHER_REPLY = (
    "Sure, I will search for the weather of Shanghai.<|action_start|><|plugin|>\n"
    '{"name": "get_current_weather", "parameters": {"location": "Shanghai"}}<|action_end|><|im_end|>'
)

CODE_REPLY = (
    "Let me compute it.\n<|action_start|><|interpreter|>\n```python\nimport sympy as sp\n"
    "print(sp.Rational(1, 2) + sp.Rational(1, 3))\n```<|action_end|>\n"
)

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_current_weather",
        "description": "Get the current weather in a given location",
        "parameters": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]},
    },
}


@pytest.mark.parametrize("doc", [BASIC, FUNCTION_CALL, CODE_INTERPRETER, BOTH], ids=["basic", "function-call", "interpreter", "both"])
def test_docs_examples_round_trip_exactly(doc):
    messages = parse_conversation(doc)
    assert render(messages, add_generation_prompt=False) == doc
    # and parsing the rendering gives the same messages again
    assert parse_conversation(render(messages)) == messages


def test_function_call_example_parses_into_openai_messages():
    msgs = parse_conversation(FUNCTION_CALL)
    assert [m["role"] for m in msgs] == ["system", "system", "user", "assistant", "tool", "assistant"]
    assert msgs[1]["name"] == "plugin" and "get_current_weather" in msgs[1]["content"]
    call = msgs[3]["tool_calls"][0]
    assert msgs[3]["content"] == "Sure, I will search for the weather of Shanghai."
    assert call["function"]["name"] == "get_current_weather"
    assert json.loads(call["function"]["arguments"]) == {"location": "Shanghai"}
    assert msgs[4] == {"role": "tool", "tool_call_id": call["id"], "name": "get_current_weather", "content": '{"temperature": 22}'}
    assert msgs[5]["content"] == "The weather in Shanghai is 22 celsius"


def test_interpreter_example_parses_code_and_file_user():
    msgs = parse_conversation(CODE_INTERPRETER)
    assert msgs[1] == {"role": "system", "name": "interpreter", "content": DEFAULT_INTERPRETER_PROMPT}
    assert msgs[3]["name"] == "file"
    call = msgs[4]["tool_calls"][0]
    assert call["function"]["name"] == "python"
    assert json.loads(call["function"]["arguments"])["code"] == PLOT_CODE
    assert msgs[5]["role"] == "tool" and msgs[5]["content"] == "![image](xxx.png)\n"


def test_render_openai_messages_with_tools_and_parse_back():
    messages = [
        {"role": "system", "content": "You are InternLM2-Chat, a harmless AI assistant"},
        {"role": "user", "content": "Weather in Shanghai? Then compute 2**10."},
        {"role": "assistant", "content": "Checking.", "tool_calls": [
            {"id": "a", "type": "function", "function": {"name": "get_current_weather", "arguments": '{"location": "Shanghai"}'}}]},
        {"role": "tool", "tool_call_id": "a", "content": '{"temperature": 22}'},
        {"role": "assistant", "content": "", "tool_calls": [
            {"id": "b", "type": "function", "function": {"name": "python", "arguments": '{"code": "print(2**10)"}'}}]},
        {"role": "tool", "tool_call_id": "b", "content": "1024"},
    ]
    python_tool = {"type": "function", "function": {"name": "python", "parameters": {}}}
    text = render(messages, [WEATHER_TOOL, python_tool])
    assert text.endswith("<|im_start|>assistant\n")
    # interpreter then plugin prompts, right after the leading system message
    assert text.index("system name=<|interpreter|>") < text.index("system name=<|plugin|>") < text.index("<|im_start|>user")
    assert "<|im_start|>environment name=<|plugin|>\n{\"temperature\": 22}" in text
    assert "<|im_start|>environment name=<|interpreter|>\n1024" in text
    assert "<|action_start|><|interpreter|>\n```python\nprint(2**10)\n```<|action_end|>" in text
    back = parse_conversation(text)
    assert back[1]["name"] == "interpreter" and json.loads(back[2]["content"]) == [WEATHER_TOOL["function"]]
    assert back[4]["tool_calls"][0]["function"]["name"] == "get_current_weather"
    assert back[5]["role"] == "tool" and back[5]["name"] == "get_current_weather"
    assert json.loads(back[6]["tool_calls"][0]["function"]["arguments"]) == {"code": "print(2**10)"}
    assert back[7]["name"] == "python" and back[7]["content"] == "1024"


def test_render_rejects_unknown_role():
    with pytest.raises(ValueError, match="no role"):
        render([{"role": "wizard", "content": "x"}])


def test_parse_output_of_a_tool_call_and_of_code():
    out = parse_output(WEATHER_REPLY)
    assert out.text == "Sure, I will search for the weather of Shanghai."
    assert [(c.name, json.loads(c.arguments)) for c in out.tool_calls] == [("get_current_weather", {"location": "Shanghai"})]
    code = parse_output(CODE_REPLY)
    assert code.code == ["import sympy as sp\nprint(sp.Rational(1, 2) + sp.Rational(1, 3))"]
    assert code.tool_calls[0].name == "python" and code.before == "Let me compute it.\n" and code.trailing == "\n"
    plain = parse_output("The answer is \\boxed{5}.<|im_end|>ignored")
    assert plain.text == "The answer is \\boxed{5}." and not plain.tool_calls


def _stream(pieces):
    p = StreamParser()
    events = []
    for piece in pieces:
        events.extend(p.feed(piece))
    events.extend(p.close())
    return events


def _assert_clean(events):
    for ev in events:
        if ev.type == "text":
            assert "<|" not in ev.text and "|>" not in ev.text, f"special token leaked into text: {ev.text!r}"


@pytest.mark.parametrize("reply", [WEATHER_REPLY, CODE_REPLY], ids=["plugin", "interpreter"])
def test_streamed_call_split_at_every_point(reply):
    whole = parse_output(reply)
    for i in range(len(reply) + 1):
        events = _stream([reply[:i], reply[i:]])
        _assert_clean(events)
        got = collect(events)
        assert (got.text, got.tool_calls, got.code) == (whole.text, whole.tool_calls, whole.code), f"split at {i}"


def test_streamed_tool_call_split_at_every_pair_of_points_and_per_character():
    reply = WEATHER_REPLY
    whole = parse_output(reply)
    for i in range(len(reply) + 1):
        for j in range(i, len(reply) + 1, 3):
            events = _stream([reply[:i], reply[i:j], reply[j:]])
            _assert_clean(events)
            assert collect(events).tool_calls == whole.tool_calls
    events = _stream(list(reply))
    _assert_clean(events)
    assert collect(events).text == whole.text and collect(events).tool_calls == whole.tool_calls


def test_text_is_released_before_the_action_closes():
    p = StreamParser()
    assert [e.text for e in p.feed("Sure, I will")] == ["Sure, I will"]
    # a partial marker is held back, the text before it is not
    assert [e.text for e in p.feed(" look<|action_st")] == [" look"]
    evs = p.feed("art|><|plugin|>\n{\"name\": \"f\", ")
    assert all(e.type == "text" for e in evs)  # the call is not complete yet
    evs = p.feed('"parameters": {}}<|action_end|>')
    assert [e.type for e in evs] == ["tool_call"] and evs[0].tool_call.name == "f"


def test_stream_ending_without_action_end_still_yields_the_call():
    # servers that stop on <|action_end|> drop the marker itself
    reply = WEATHER_REPLY.split("<|action_end|>")[0]
    out = collect(_stream([reply]))
    assert out.tool_calls[0].name == "get_current_weather"


def test_stray_markers_never_reach_the_text():
    for i in range(1, 40):
        text = "a<|action_end|>b<|plugin|>c<|interpreter|>d"
        events = _stream([text[:i], text[i:]])
        _assert_clean(events)
        assert collect(events).text == "abcd"


def test_invalid_action_is_reported_not_raised():
    out = parse_output("Hmm<|action_start|><|plugin|>\n{not json}<|action_end|>")
    assert out.invalid == ["\n{not json}"] and not out.tool_calls and out.text == "Hmm"


# -- the raw completion backend against a loopback stub of vLLM's /v1/completions -----------------
class _Stub(BaseHTTPRequestHandler):
    requests: list = []
    reply = WEATHER_REPLY

    def log_message(self, *a):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(body)
        text = type(self).reply.split("<|im_end|>")[0]  # the server stops on <|im_end|>
        if body.get("stream"):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for k in range(0, len(text), 7):
                chunk = {"id": "c", "object": "text_completion", "created": 0, "model": body["model"],
                         "choices": [{"index": 0, "text": text[k:k + 7], "finish_reason": None, "logprobs": None}]}
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.write(b"data: [DONE]\n\n")
            return
        data = {"id": "c", "object": "text_completion", "created": 0, "model": body["model"],
                "choices": [{"index": i, "text": text, "finish_reason": "stop", "logprobs": None} for i in range(body.get("n") or 1)],
                "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}
        send_json(self, data)


@pytest.fixture
def stub_server():
    _Stub.requests = []
    with http_server(_Stub) as root:
        yield f"{root}/v1"


def test_completion_backend_renders_calls_and_parses(stub_server):
    model = InternLM2CompletionModel("internlm2-chat-7b", stub_server)
    msgs = [{"role": "user", "content": "I want to know today's weather in Shanghai"}]
    res = model.chat(msgs, ChatOptions(tools=[WEATHER_TOOL], temperature=0))
    req = _Stub.requests[-1]
    assert req["prompt"] == render(msgs, [WEATHER_TOOL])
    assert req["skip_special_tokens"] is False and "<|im_end|>" in req["stop"]
    assert res.text == "Sure, I will search for the weather of Shanghai."
    assert res.choices[0].finish_reason == "tool_calls"
    assert json.loads(res.tool_calls[0].arguments) == {"location": "Shanghai"}
    events = list(model.stream_events(msgs, ChatOptions(tools=[WEATHER_TOOL])))
    _assert_clean(events)
    assert collect(events).tool_calls == res.tool_calls
    assert "".join(model.stream(msgs)) == res.text


def test_completion_backend_unreachable_server_is_model_unavailable():
    from plait.core.errors import ModelUnavailable

    model = InternLM2CompletionModel("m", "http://127.0.0.1:9/v1")
    with pytest.raises(ModelUnavailable, match="vllm serve"):
        model.chat([{"role": "user", "content": "hi"}])


def test_backend_is_registered_and_needs_a_url(plait_home, monkeypatch):
    from plait.core.errors import ConfigError
    from plait.core.models import get_chat_model

    monkeypatch.delenv("PLAIT_LLM_URL", raising=False)
    with pytest.raises(ConfigError, match="PLAIT_LLM_URL"):
        get_chat_model("internlm2/internlm2-math-plus-7b")
    monkeypatch.setenv("PLAIT_LLM_URL", "http://127.0.0.1:8000/v1")
    assert get_chat_model("internlm2/internlm2-math-plus-7b").name == "internlm2/internlm2-math-plus-7b"


class TestInternLM2BackendConformance(ModelBackendConformance):
    """plait's model-backend contract, against the loopback stub."""

    @pytest.fixture
    def model(self, conformance_host, stub_server):
        return InternLM2CompletionModel("internlm2-chat-7b", stub_server)

    def make_failing_model(self):
        return InternLM2CompletionModel("internlm2-chat-7b", "http://127.0.0.1:9/v1")


def test_math_python_tool_is_rendered_as_the_interpreter_and_calls_come_back_under_its_name(stub_server):
    """The math agent offers the registered math_python tool; InternLM2 must see its own interpreter."""
    from plait.core.host import get_host

    schema = get_host().tools.get("math_python").openai_schema()
    prompt = render([{"role": "user", "content": "2+2?"}], [schema])
    assert "<|im_start|>system name=<|interpreter|>\n" in prompt and "<|plugin|>" not in prompt
    code_reply = "Compute.<|action_start|><|interpreter|>\n```python\nprint(2 + 2)\n```<|action_end|>"
    _Stub.reply = code_reply
    try:
        model = InternLM2CompletionModel("internlm2-math-plus-7b", stub_server)
        res = model.chat([{"role": "user", "content": "2+2?"}], ChatOptions(tools=[schema]))
        events = list(model.stream_events([{"role": "user", "content": "2+2?"}], ChatOptions(tools=[schema])))
    finally:
        _Stub.reply = WEATHER_REPLY
    assert [(c.name, json.loads(c.arguments)) for c in res.tool_calls] == [("math_python", {"code": "print(2 + 2)"})]
    assert [e.tool_call.name for e in events if e.tool_call] == ["math_python"]
    # without the tool offered, interpreter calls keep the generic name
    assert parse_output(code_reply).tool_calls[0].name == "python"


def test_old_module_path_warns_and_re_exports():
    import importlib
    import sys

    import plait._deprecated
    import plait.plugins.math.internlm2 as new

    assert "plait.core.models.internlm2" in plait._deprecated.SHIMS
    sys.modules.pop("plait.core.models.internlm2", None)
    with pytest.warns(DeprecationWarning, match="plait.plugins.math.internlm2"):
        old = importlib.import_module("plait.core.models.internlm2")
    assert old.render is new.render and old.InternLM2CompletionModel is new.InternLM2CompletionModel
    assert set(new.__all__) <= set(dir(old))
