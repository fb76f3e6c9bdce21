"""The math agent: model -> the registered math_python tool (sandboxed Python) -> observation -> ... -> \\boxed{} answer."""

import json

import pytest

from plait.testing.conformance import AgentConformance

from plait.agents.base import AgentContext, AgentReply, AgentRequest
from plait.core.models.base import ChatResult, Choice, ToolCall
from plait.core.models.scripted import ScriptedChatModel, scripted_tool_call
from plait.plugins.math.graph import MathAgent, code_requests


@pytest.fixture(scope="module")
def sandbox_backend():
    from plait.plugins.math.interpreter import choose_backend, run_cells

    probe = run_cells(["import sympy; print('ready')"])
    if probe.status != "ok" or "ready" not in probe.stdout:
        pytest.skip(f"no sandbox with sympy here ({probe.status}: {probe.stderr[:200]}); "
                    "install bubblewrap and python3-sympy (apt-get install bubblewrap python3-sympy)")
    return probe.backend


def agent_with(model, plait_settings, **options):
    return MathAgent(AgentContext(plait_settings, _model=model, options=options))


def ask(agent, problem="Find the sum of the roots of x^2 - 5x + 6."):
    return agent.invoke(AgentRequest([{"role": "user", "content": problem}]))


SOLVE = "import sympy as sp\nx = sp.symbols('x')\nroots = sp.solve(x**2 - 5*x + 6, x)\nroots"


def test_tool_call_round_trip_runs_in_the_sandbox(plait_settings, sandbox_backend):
    model = ScriptedChatModel([
        scripted_tool_call("python", json.dumps({"code": SOLVE}), "Let me compute the roots."),
        lambda msgs, _o: f"The roots are {msgs[-1]['content']}, so the sum is \\boxed{{5}}.",
    ])
    reply = ask(agent_with(model, plait_settings))
    assert reply.extras["answer"] == "5" and reply.extras["finished"] and reply.extras["turns"] == 2
    assert reply.text == ("Let me compute the roots.\n```python\n" + SOLVE + "\n```\n```output\n[2, 3]\n```\n"
                          "The roots are [2, 3], so the sum is \\boxed{5}.")
    assert reply.extras["final"] == "The roots are [2, 3], so the sum is \\boxed{5}."
    ex = reply.extras["executions"][0]
    assert ex["status"] == "ok" and ex["stdout"].strip() == "[2, 3]"  # sympy ran, the last expression was echoed
    assert ex["backend"] == sandbox_backend == reply.extras["backend"]
    # the model saw the observation as a tool message answering its call (under the name it called),
    # and was offered the registered math_python tool
    msgs, opts = model.calls[1]
    assert msgs[-1] == {"role": "tool", "tool_call_id": "call_python", "name": "python", "content": "[2, 3]"}
    assert [t["function"]["name"] for t in opts.tools] == ["math_python"]


def test_solves_a_problem_through_the_registered_tool(plait_settings, sandbox_backend):
    """The model calls math_python (offered with the registry's schema); its output reaches the next call."""
    from plait.core.host import get_host

    tool = get_host().tools.get("math_python")
    model = ScriptedChatModel([
        scripted_tool_call("math_python", json.dumps({"code": "print(sum(range(1, 101)))"}), "Add them up."),
        lambda msgs, _o: f"The sum is \\boxed{{{msgs[-1]['content']}}}.",
    ])
    reply = ask(agent_with(model, plait_settings), "What is 1 + 2 + ... + 100?")
    first_opts = model.calls[0][1]
    assert first_opts.tools == [tool.openai_schema()]  # the schema the registered Tool gives, not a copy
    assert "setup" in first_opts.tools[0]["function"]["parameters"]["properties"]
    msgs, _ = model.calls[1]
    assert msgs[-2]["tool_calls"][0]["function"]["name"] == "math_python"
    assert msgs[-1] == {"role": "tool", "tool_call_id": "call_math_python", "name": "math_python", "content": "5050"}
    assert reply.extras["answer"] == "5050" and reply.extras["finished"]
    assert reply.extras["executions"][0]["status"] == "ok" and reply.extras["backend"] == sandbox_backend


def _host_with_tools(*tools):
    from types import SimpleNamespace

    from plait.core.registry import Registry

    reg = Registry("tool")
    for t in tools:
        reg.add(t.name, t, "test")
    return SimpleNamespace(tools=reg)


def test_code_runs_through_whatever_tool_the_registry_holds(plait_settings):
    """No sandbox needed: a recording math_python shows the agent calls the registry's tool, with setup."""
    from plait.core.tools import Tool

    seen = []

    def math_python(code: str, setup: list[str] | None = None) -> dict:
        """Pretend to run code."""
        seen.append({"code": code, "setup": list(setup or [])})
        return {"code": code, "status": "ok", "stdout": f"ran {len(seen)}\n", "stderr": "", "backend": "fake",
                "observation": f"ran {len(seen)}"}

    model = ScriptedChatModel([
        scripted_tool_call("math_python", json.dumps({"code": "x = 2"})),
        "<|action_start|><|interpreter|>\n```python\nprint(x + 1)\n```<|action_end|>",  # InternLM2 text form
        "Then:\n```python\nprint(x * 3)\n```",  # ToRA fenced form
        lambda msgs, _o: "\\boxed{6}",
    ])
    ctx = AgentContext(plait_settings, _model=model, host=_host_with_tools(Tool.from_function(math_python)))
    reply = MathAgent(ctx).invoke(AgentRequest([{"role": "user", "content": "x?"}]))
    assert seen == [{"code": "x = 2", "setup": []}, {"code": "print(x + 1)", "setup": ["x = 2"]},
                    {"code": "print(x * 3)", "setup": ["x = 2", "print(x + 1)"]}]
    assert model.calls[1][0][-1]["content"] == "ran 1" and model.calls[3][0][-1]["content"] == "```output\nran 3\n```"
    assert reply.extras["answer"] == "6" and reply.extras["backends"] == ["fake"]


def test_disabled_math_python_tool_is_a_clear_error(plait_settings):
    from plait.core.errors import ConfigError

    model = ScriptedChatModel(["\\boxed{1}"])
    agent = MathAgent(AgentContext(plait_settings, _model=model, host=_host_with_tools()))
    with pytest.raises(ConfigError, match="needs the tool 'math_python'.*plait.math.*PLAIT_LOAD_PLUGINS"):
        ask(agent)
    assert model.calls == []  # refused before the model was asked anything


def test_all_chat_options_of_the_request_reach_the_model(plait_settings):
    """Regression: n and stop were dropped when the agent mapped the request's options."""
    model = ScriptedChatModel([ChatResult([Choice("\\boxed{1}"), Choice("\\boxed{2}")])])
    options = {"temperature": 0.3, "max_tokens": 50, "n": 2, "stop": ["END"], "seed": 7, "logprobs": 2}
    reply = agent_with(model, plait_settings).invoke(AgentRequest([{"role": "user", "content": "1?"}], options=options))
    sent = model.calls[0][1]
    assert (sent.temperature, sent.max_tokens, sent.n, sent.stop, sent.seed, sent.logprobs) == (0.3, 50, 2, ["END"], 7, 2)
    assert reply.extras["answer"] == "1" and reply.alternatives == ["\\boxed{2}"]


def test_session_keeps_the_dialogue_and_no_turn_options(plait_settings):
    """Per-turn options travel in config, not in the checkpoint; the session remembers the turns."""
    model = ScriptedChatModel(["\\boxed{4}", lambda msgs, _o: f"saw {len(msgs)} messages: \\boxed{{8}}"])
    agent = agent_with(model, plait_settings)
    agent.invoke(AgentRequest([{"role": "user", "content": "2+2?"}], session="s1", options={"temperature": 0.5}))
    state = agent.state("s1")
    assert "options" not in state and "streaming" not in state
    agent.invoke(AgentRequest([{"role": "user", "content": "double it"}], session="s1"))
    assert [m["role"] for m in model.calls[1][0]] == ["system", "user", "assistant", "user"]
    assert [m["content"] for m in agent.history("s1")] == ["2+2?", "\\boxed{4}", "double it", "saw 4 messages: \\boxed{8}"]


def test_internlm2_interpreter_text_and_notebook_state(plait_settings, sandbox_backend):
    turn1 = "First the roots.<|action_start|><|interpreter|>\n```python\n" + SOLVE + "\n```<|action_end|>"
    turn2 = "<|action_start|><|interpreter|>\n```python\nprint(sum(roots) * 2)\n```<|action_end|>"  # uses turn 1's variable
    model = ScriptedChatModel([turn1, turn2, lambda msgs, _o: f"Twice the sum is \\boxed{{{msgs[-1]['content']}}}."])
    reply = ask(agent_with(model, plait_settings))
    assert [e["stdout"].strip() for e in reply.extras["executions"]] == ["[2, 3]", "10"]
    assert reply.extras["answer"] == "10"
    assistant = model.calls[1][0][-2]
    assert assistant["content"] == "First the roots." and assistant["tool_calls"][0]["function"]["name"] == "python"


def test_tora_fenced_code_and_errors_become_observations(plait_settings, sandbox_backend):
    model = ScriptedChatModel([
        "Compute:\n```python\nprint(1/0)\n```",
        "Fix:\n```python\nprint(7 * 6)\n```",
        "So \\boxed{42}.",
    ])
    reply = ask(agent_with(model, plait_settings))
    statuses = [e["status"] for e in reply.extras["executions"]]
    assert statuses == ["failed", "ok"]
    second_call = model.calls[1][0]
    assert second_call[-1]["role"] == "user" and "ZeroDivisionError" in second_call[-1]["content"]
    assert reply.extras["answer"] == "42"


def test_runaway_code_is_stopped_by_the_sandbox(plait_settings, sandbox_backend, monkeypatch):
    monkeypatch.setenv("PLAIT_MATH__TIMEOUT", "2")
    from plait.core.config import load_settings

    model = ScriptedChatModel([scripted_tool_call("python", json.dumps({"code": "while True: pass"})), "\\boxed{0}"])
    reply = ask(agent_with(model, load_settings()))
    assert reply.extras["executions"][0]["status"] == "timeout"
    assert "timed out" in model.calls[1][0][-1]["content"]


def test_max_turns_stops_a_model_that_never_answers(plait_settings, sandbox_backend):
    model = ScriptedChatModel(default=scripted_tool_call("python", json.dumps({"code": "print(1)"})))
    reply = ask(agent_with(model, plait_settings, max_turns=3))
    assert reply.extras["turns"] == 3 and not reply.extras["finished"]
    assert len(reply.extras["executions"]) == 2 and "stopped after 3 turns" in reply.text


def test_stream_yields_text_code_output_then_the_reply(plait_settings, sandbox_backend):
    model = ScriptedChatModel([scripted_tool_call("python", json.dumps({"code": "print(6 * 7)"}), "Multiply."), "\\boxed{42}"])
    pieces = list(agent_with(model, plait_settings).stream(AgentRequest([{"role": "user", "content": "6*7?"}])))
    assert isinstance(pieces[-1], AgentReply) and pieces[-1].extras["answer"] == "42"
    text = "".join(p for p in pieces[:-1])
    assert pieces[-1].text == text  # the reply's text is what was streamed
    assert "Multiply." in text and "print(6 * 7)" in text and "```output\n42\n```" in text and text.endswith("\\boxed{42}")


def test_code_requests_forms():
    calls = [ToolCall("c1", "python", json.dumps({"code": "print(1)"})), ToolCall("c2", "get_weather", "{}")]
    assert code_requests("hi", calls)[1] == [{"id": "c1", "name": "python", "code": "print(1)", "style": "tool"}]
    assert code_requests("done: \\boxed{3}\n```python\nprint(3)\n```", [])[1] == []  # answered: nothing to run
    assert code_requests("plain text", [])[1] == []


def test_empty_problem_is_refused(plait_settings):
    from plait.core.errors import InputError

    with pytest.raises(InputError, match="no problem"):
        agent_with(ScriptedChatModel(["x"]), plait_settings).invoke(AgentRequest([{"role": "user", "content": "  "}]))


def test_registered_as_math_agent(plait_settings):
    from plait.agents.base import get_agent

    agent = get_agent("math", plait_settings, model="scripted/echo")
    assert agent.name == "math"


class TestMathAgentConformance(AgentConformance):
    agent_name = "math"
    prompt = "What is 6 times 7?"
