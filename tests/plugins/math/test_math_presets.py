"""--preset default|paper for the math agent and `plait eval math`: the effective settings are the table's."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from plait.agents.base import AgentContext, AgentRequest
from plait.core.errors import InputError
from plait.core.models.scripted import ScriptedChatModel
from plait.plugins.math import prompts
from plait.plugins.math.graph import MathAgent
from plait.plugins.math.presets import PRESETS, SOURCES, agent_options, math_settings

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def sandbox():
    from plait.plugins.math.interpreter import run_cells

    probe = run_cells(["print('ready')"])
    if probe.status != "ok":
        pytest.skip(f"no Python sandbox here ({probe.status}: {probe.stderr[:200]}); apt-get install bubblewrap")


def test_paper_preset_is_internlm_math_agent_settings():
    paper = PRESETS["paper"]
    assert paper["system_prompt"].startswith(
        "Integrate step-by-step reasoning and Python code to solve math problems using the following guidelines:\n"
        "- Analyze the question and write jupyter code to solve the problem;\n")
    assert "'\\boxed{{}}' without any units. \n" in paper["system_prompt"]
    assert (paper["max_turns"], paper["stop"], paper["temperature"]) == (5, ["<|action_end|>", "<|im_end|>"], 0.1)
    assert paper["checker"] == "tora"
    assert PRESETS["default"]["system_prompt"] == prompts.SYSTEM and PRESETS["default"]["max_turns"] == 6
    assert set(SOURCES) == set(paper) == set(PRESETS["default"])  # every paper value names its source


@pytest.mark.parametrize("name", ["default", "paper"])
def test_the_agent_sends_the_presets_settings(name, plait_settings, sandbox):
    """A model that always asks for more code: the agent stops after the preset's turns, and every
    call carried the preset's system prompt, stop words, temperature and token limit."""
    model = ScriptedChatModel(default="Let me check.\n```python\nprint(1)\n```")
    effective = math_settings(name)
    agent = MathAgent(AgentContext(plait_settings, _model=model, options=agent_options(effective)))
    reply = agent.invoke(AgentRequest([{"role": "user", "content": "What is 1 + 1?"}]))
    table = PRESETS[name]
    assert reply.extras["turns"] == len(model.calls) == table["max_turns"] and not reply.extras["finished"]
    for messages, options in model.calls:
        assert messages[0] == {"role": "system", "content": table["system_prompt"]}
        assert (options.stop, options.temperature, options.max_tokens) == (table["stop"], table["temperature"], table["max_tokens"])


def test_request_options_and_explicit_flags_win(plait_settings, sandbox):
    effective = math_settings("paper", {"max_turns": 2, "checker": "math-verify"})
    assert effective["preset"] == "paper" and effective["max_turns"] == 2 and effective["checker"] == "math-verify"
    assert effective["temperature"] == 0.1  # what was not given stays the preset's
    model = ScriptedChatModel(default="```python\nprint(1)\n```")
    agent = MathAgent(AgentContext(plait_settings, _model=model, options=agent_options(effective)))
    agent.invoke(AgentRequest([{"role": "user", "content": "1 + 1?"}], options={"temperature": 0.7}))
    assert len(model.calls) == 2 and all(opts.temperature == 0.7 for _, opts in model.calls)


def test_unknown_preset_or_checker_is_refused_with_the_choices():
    with pytest.raises(InputError, match="default, paper"):
        math_settings("tora")
    with pytest.raises(InputError, match="math-verify, tora"):
        math_settings(None, {"checker": "exact"})


def _eval(tmp_path, *args):
    data = tmp_path / "one.jsonl"
    data.write_text(json.dumps({"question": "What is 1 + 1?", "answer": "2"}) + "\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT), PLAIT_HOME=str(tmp_path / "home"))
    res = subprocess.run([sys.executable, "-m", "plait", "eval", "math", "--data", str(data), "--model", "scripted/echo",
                          "--json", *args], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def test_eval_math_reports_the_preset_and_its_settings(tmp_path):
    paper = _eval(tmp_path, "--preset", "paper")
    assert paper["preset"] == "paper"
    assert {k: paper["settings"][k] for k in PRESETS["paper"]} == PRESETS["paper"]
    # the echo model repeats the question, so the last number (1) is its answer: wrong under either checker
    assert paper["total"] == 1 and paper["records"][0]["pred"] == "1" and "(tora)" in paper["records"][0]["reason"]
    mixed = _eval(tmp_path, "--preset", "paper", "--checker", "math-verify", "--max-turns", "3")
    assert mixed["settings"]["checker"] == "math-verify" and mixed["settings"]["max_turns"] == 3
    assert "(tora)" not in mixed["records"][0]["reason"]
    default = _eval(tmp_path)
    assert default["preset"] == "default" and default["settings"]["checker"] == "math-verify"
