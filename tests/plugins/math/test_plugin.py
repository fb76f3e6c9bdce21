"""The math plugin's registrations, its tools and the InternLM-Math prompts."""

import pytest

from plait.core.errors import InputError, NotFound
from plait.plugins.math.prompts import PROMPTS, get_prompt


def test_plugin_registers_tools_agent_backend_and_commands():
    from plait.core.host import get_host

    host = get_host()
    assert host.registered_by("plait.math") == {
        "models": ["internlm2"], "tools": ["lean_check", "math_python"], "agents": ["math"],
    }
    schema = host.tools.get("lean_check").openai_schema()["function"]
    assert schema["parameters"]["required"] == ["code"]


def test_lean_check_tool_without_lean_reports_unavailable(monkeypatch, plait_home):
    from plait.core.host import get_host
    import plait.plugins.math.lean as lean

    monkeypatch.setenv("PLAIT_LEAN__REPL", "/nonexistent/repl")
    monkeypatch.setattr(lean, "_CHECKER", None)
    out = get_host().tools.get("lean_check").call({"code": "theorem t : 1 = 1 := rfl"})
    assert out["status"] == "unavailable" and "elan" in out["message"]
    lean._CHECKER.close()
    monkeypatch.setattr(lean, "_CHECKER", None)


def test_prompts_render_the_internlm_math_formats():
    assert get_prompt("outcome_verification").render(question="1+1?", answer="2") == (
        "Given a question and an answer, check is it correct?\nQuestion:1+1?\nAnswer:2")
    assert get_prompt("process_verification").render(question="q", answer="a").startswith(
        "Given a question and an answer, check correctness of each step.")
    assert get_prompt("augmentation").render(question="q") == "Please augment a new problem based on: q"
    assert get_prompt("lean_formalisation").render(theorem="x") .endswith("Lean 3 theorem statement:x")
    assert "Lean 4" in get_prompt("lean_formalisation").render(theorem="x", lean="Lean 4")
    assert {"outcome_verification", "process_verification", "augmentation", "lean_formalisation"} <= set(PROMPTS)


def test_prompt_errors():
    with pytest.raises(InputError, match="missing \\['answer'\\]"):
        get_prompt("outcome_verification").render(question="q")
    with pytest.raises(NotFound, match="known:"):
        get_prompt("nope")


def test_cli_prompts(plait_cli):
    listed = plait_cli("math", "prompts", "--json")
    assert listed.exit_code == 0 and any(p["name"] == "process_verification" for p in listed.json())
    shown = plait_cli("math", "prompts", "outcome_verification", "--set", "question=2+2?", "--set", "answer=4", "--json")
    assert shown.json()["prompt"].endswith("Question:2+2?\nAnswer:4")
    bad = plait_cli("math", "prompts", "augmentation", "--set", "oops")
    assert bad.exit_code == 1 and "KEY=VALUE" in bad.stderr


def test_math_python_tool_runs_in_the_sandbox(plait_home):
    from plait.core.host import get_host
    from plait.plugins.math.interpreter import run_cells

    if run_cells(["import sympy"]).status != "ok":
        pytest.skip("no sandbox with sympy (apt-get install bubblewrap python3-sympy)")
    out = get_host().tools.get("math_python").call({"code": "import sympy as sp\nprint(sp.factorint(360))"})
    assert out["status"] == "ok" and out["stdout"].strip() == "{2: 3, 3: 2, 5: 1}" and out["backend"]
