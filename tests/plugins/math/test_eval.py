"""``plait eval math`` on the shipped GSM8K-style set with a scripted model whose code runs in the sandbox."""

import json

import pytest

from plait.core.models.base import ChatResult
from plait.core.models.scripted import ScriptedChatModel, scripted_tool_call
from plait.plugins.math.evaluate import SAMPLE_DATA, evaluate_file, load_items

# The code the scripted "model" writes for each question; two are deliberately wrong.
SOLUTIONS = {
    "A baker": "print(24 + 18 - 35)",
    "Maria buys": "print(3 * 4 + 2 * 1.5)",
    "A train": "print(60 * 2.5)",
    "Tom has": "print(5 * 12 - 17)",
    "A garden": "print(8 * 5)",  # wrong: area instead of perimeter
    "Sara reads": "print(210 // 15)",
    "A shirt": "from fractions import Fraction\nprint(40 * (1 - Fraction(25, 100)))",
    "There are 32": "import sympy as sp\nprint(32 - sp.Rational(3, 8) * 32)",
    "Liam saves": "print(91 // 7)",
    "A farmer": "print(17 + 3 * 17)",
    "Two pizzas": "print(2 * 8 - 4 * 3 + 1)",  # wrong: off by one
    "Emma earns": "print(12 * (6 + 4))",
}
EXPECTED_CORRECT = len(SOLUTIONS) - 2


def solver(messages, _options):
    question = next(m["content"] for m in messages if m["role"] == "user")
    if messages[-1]["role"] == "tool":
        return f"The computation gives {messages[-1]['content']}. The answer is \\boxed{{{messages[-1]['content']}}}."
    code = next(c for prefix, c in SOLUTIONS.items() if question.startswith(prefix))
    return scripted_tool_call("python", json.dumps({"code": code}), "I will compute it.")


@pytest.fixture(scope="module")
def sandbox_backend():
    from plait.plugins.math.interpreter import run_cells

    probe = run_cells(["import sympy; print('ready')"])
    if probe.status != "ok":
        pytest.skip(f"no sandbox with sympy here ({probe.status}); apt-get install bubblewrap python3-sympy")
    return probe.backend


def test_sample_set_is_well_formed():
    items = load_items(SAMPLE_DATA)
    assert len(items) == len(SOLUTIONS) == 12
    assert all(any(i["question"].startswith(p) for p in SOLUTIONS) for i in items)


def test_eval_api_gives_expected_accuracy_and_records_backend(plait_settings, sandbox_backend, tmp_path):
    from plait.agents.base import AgentContext
    from plait.plugins.math.graph import MathAgent

    agent = MathAgent(AgentContext(plait_settings, _model=ScriptedChatModel(default=solver)))
    out = tmp_path / "records.jsonl"
    summary = evaluate_file(SAMPLE_DATA, settings=plait_settings, agent=agent, out=out, progress=False)
    assert summary["total"] == 12 and summary["correct"] == EXPECTED_CORRECT
    assert summary["accuracy"] == pytest.approx(EXPECTED_CORRECT / 12)
    assert summary["backends"] == [sandbox_backend]
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == 12 and not out.with_name(out.name + ".tmp").exists()
    wrong = sorted(r["question"].split()[1] for r in records if not r["correct"])
    assert wrong == ["garden", "pizzas"]
    for r in records:
        assert r["backend"] == sandbox_backend and r["executions"][0]["backend"] == sandbox_backend
        assert r["executions"][0]["status"] == "ok" and r["turns"] == 2
    emma = next(r for r in records if r["question"].startswith("Emma"))
    assert emma["gold"].endswith("#### 120") and emma["pred"] == "120" and emma["correct"]


def test_cli_eval_math(plait_host, plait_cli, sandbox_backend, tmp_path):
    plait_host(model=ScriptedChatModel(default=solver))
    data = tmp_path / "small.jsonl"
    data.write_text("\n".join(SAMPLE_DATA.read_text().splitlines()[:4]) + "\n")
    out = tmp_path / "out" / "items.jsonl"
    res = plait_cli("eval", "math", "--data", str(data), "--json", "--out", str(out))
    assert res.exit_code == 0, res.output
    summary = res.json()
    assert (summary["total"], summary["correct"], summary["accuracy"]) == (4, 4, 1.0)
    assert summary["backends"] == [sandbox_backend] and summary["out"] == str(out)
    assert [json.loads(x)["backend"] for x in out.read_text().splitlines()] == [sandbox_backend] * 4
    human = plait_cli("eval", "math", "--data", str(data), "--limit", "2")
    assert human.exit_code == 0 and "accuracy 1.000 (2/2)" in human.stdout
    assert "deprecated" not in human.stderr


def test_cli_eval_math_old_positional_data_still_works_with_a_notice(plait_host, plait_cli, sandbox_backend, tmp_path):
    plait_host(model=ScriptedChatModel(default=solver))
    data = tmp_path / "small.jsonl"
    data.write_text(SAMPLE_DATA.read_text().splitlines()[0] + "\n")
    res = plait_cli("eval", "math", str(data), "--json")
    assert res.exit_code == 0, res.output
    assert res.json()["total"] == 1 and "deprecated; use --data" in res.stderr
    both = plait_cli("eval", "math", str(data), "--data", str(data))
    assert both.exit_code == 1 and "not both" in both.stderr
    none = plait_cli("eval", "math")
    assert none.exit_code == 1 and "--data FILE" in none.stderr


def test_cli_eval_math_bad_input(plait_cli, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "1+1?", "answer": "2"}\n{"question": "no answer"}\n')
    res = plait_cli("eval", "math", "--data", str(bad))
    assert res.exit_code == 1 and "bad.jsonl:2" in res.stderr and "'answer'" in res.stderr
    missing = plait_cli("eval", "math", "--data", str(tmp_path / "nope.jsonl"))
    assert missing.exit_code == 1 and "no such data file" in missing.stderr


def test_cli_solve_json(plait_host, plait_cli, sandbox_backend):
    plait_host(model=ScriptedChatModel(default=solver))
    res = plait_cli("math", "solve", "Liam saves $7 every week. After how many weeks will he have saved $91?", "--json")
    assert res.exit_code == 0, res.output
    out = res.json()
    assert out["answer"] == "13" and out["backend"] == sandbox_backend and out["executions"][0]["stdout"].strip() == "13"


def test_a_failing_item_is_recorded_and_the_run_goes_on(plait_settings, sandbox_backend):
    from plait.agents.base import AgentContext
    from plait.plugins.math.graph import MathAgent
    from plait.core.errors import ModelResponseError, ModelUnavailable
    from plait.plugins.math.evaluate import evaluate

    def flaky(messages, options):
        if "Tom" in messages[1]["content"]:
            raise ModelResponseError("the server answered garbage")
        return solver(messages, options)

    items = load_items(SAMPLE_DATA, limit=4)
    agent = MathAgent(AgentContext(plait_settings, _model=ScriptedChatModel(default=flaky)))
    summary = evaluate(items, agent)
    assert summary["errors"] == 1 and summary["correct"] == 3
    bad = summary["records"][3]
    assert bad["error"] == "the server answered garbage" and not bad["correct"]

    def down(messages, options):
        raise ModelUnavailable("no model server at http://127.0.0.1:9/v1")

    dead = MathAgent(AgentContext(plait_settings, _model=ScriptedChatModel(default=down)))
    with pytest.raises(ModelUnavailable):
        evaluate(items, dead)
