"""The math agent: model -> sandboxed Python -> observation -> ... -> \\boxed{} answer."""

import json

import pytest

from plait.testing.conformance import AgentConformance

from plait.agents.base import AgentContext, AgentReply, AgentRequest
from plait.agents.math.graph import MathAgent, code_requests
from plait.core.models.base import ChatResult, Choice, ToolCall
from plait.core.models.scripted import ScriptedChatModel, scripted_tool_call


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
    # the model saw the observation as a tool message answering its call, and was offered the python tool
    msgs, opts = model.calls[1]
    assert msgs[-1] == {"role": "tool", "tool_call_id": "call_python", "name": "python", "content": "[2, 3]"}
    assert opts.tools[0]["function"]["name"] == "python"


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
    assert code_requests("hi", calls)[1] == [{"id": "c1", "code": "print(1)", "style": "tool"}]
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
