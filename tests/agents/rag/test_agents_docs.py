"""Every python example in docs/agents.md runs, and does what the text around it says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[3] / "docs" / "agents.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_the_doc_has_its_examples():
    assert len(BLOCKS) >= 4 and any("run_with_tools" in b for b in BLOCKS) and any("GraphAgent" in b for b in BLOCKS)


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_example_runs(index, plait_home, capsys):
    code = BLOCKS[index]
    assert re.findall(r"^from (\S+) import", code, re.M) and all(
        m in ("plait", "typing", "operator", "langgraph.graph") for m in re.findall(r"^\s*from (\S+) import", code, re.M)
    ), "docs import only from plait's public API"
    namespace: dict = {"__name__": f"docs_agents_{index}"}
    exec(compile(code, f"{DOC}:block{index}", "exec"), namespace)
    if "run_with_tools" in code:
        assert capsys.readouterr().out.strip() == 'Steep it at {"tea": "green", "celsius": 80}'


def test_the_shout_agent_answers_as_documented(plait_home, plait_settings, monkeypatch):
    import sys
    import types

    from plait import AgentContext, AgentReply, AgentRequest

    [code] = [b for b in BLOCKS if "class ShoutAgent" in b]
    module = types.ModuleType("docs_shout")  # a real module, as in a plugin: LangGraph reads the state's hints
    monkeypatch.setitem(sys.modules, "docs_shout", module)
    exec(compile(code, f"{DOC}:shout", "exec"), module.__dict__)
    agent = module.ShoutAgent(AgentContext(plait_settings, name="shout"))
    assert agent.invoke(AgentRequest([{"role": "user", "content": "hello"}])).text == "HELLO!"
    pieces = list(agent.stream(AgentRequest([{"role": "user", "content": "hi"}], "s", {"excitement": 3})))
    assert pieces[:-1] == ["HI!!!"] and isinstance(pieces[-1], AgentReply) and pieces[-1].text == "HI!!!"
    values = agent.state("s")  # the option stayed in the config: the checkpoint holds conversation only
    assert set(values) == {"messages", "text"} and "excitement" not in str(values)
