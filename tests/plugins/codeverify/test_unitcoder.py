"""UnitCoder: extraction, the graph (tests -> run -> fixes -> polish) and the commands, with a
scripted model and the real sandbox."""

import json

from plait.plugins.codeverify.graph import UnitCoder, extract_code
from plait.core.models.scripted import ScriptedChatModel
from plait.plugins.codeverify.unitcoder import extract

TESTS_REPLY = '''Here are the tests:

```python
import unittest
from solution import clamp

class TestClamp(unittest.TestCase):
    def test_normal(self):
        self.assertEqual(clamp(5, 0, 10), 5)

    def test_edges(self):
        self.assertEqual(clamp(-1, 0, 10), 0)
        self.assertEqual(clamp(11, 0, 10), 10)

    def test_boundary(self):
        self.assertEqual(clamp(10, 0, 10), 10)

    def test_invalid(self):
        with self.assertRaises(ValueError):
            clamp(1, 5, 0)
```
'''
GOOD = "def clamp(x, lo, hi):\n    if lo > hi:\n        raise ValueError('empty range')\n    return max(lo, min(x, hi))\n"
BUGGY = "def clamp(x, lo, hi):\n    return max(lo, x)\n"
WRONG_FIX = "def clamp(x, lo, hi):\n    return min(x, hi)\n"
POLISHED = ('def clamp(x, lo, hi):\n    """Limit x to [lo, hi]."""\n    if lo > hi:\n        raise ValueError("empty range")\n'
            '    return max(lo, min(x, hi))\n')


def scripted(fixes, polish=POLISHED):
    fixes = list(fixes)

    def reply(messages, options):
        prompt = messages[-1]["content"]
        if prompt.startswith("You are given"):
            return TESTS_REPLY
        if prompt.startswith("The function below fails"):
            assert "test_" in prompt  # the failures are shown to the model
            return f"```python\n{fixes.pop(0) if fixes else WRONG_FIX}```"
        if prompt.startswith("This function passes"):
            return f"```python\n{polish}```"
        raise AssertionError(prompt[:80])

    return ScriptedChatModel(default=reply)


def test_extract_code():
    assert extract_code("text\n```python\nx = 1\n```\nmore") == "x = 1\n"
    assert extract_code("```python\nx = (\n```\n```\ny = 2\n```") == "y = 2\n"
    assert extract_code("no code here at all, sorry!") is None


def test_passing_code_is_verified_at_round_zero_and_polished(sandbox_name):
    model = scripted([])
    state = UnitCoder(model, backend=sandbox_name).verify(GOOD, "clamp", polish=True)
    assert state["status"] == "polished" and state["passed_round"] == 0
    assert state["polished"] == POLISHED and state["code"] == GOOD
    assert [h["stage"] for h in state["history"]] == ["initial", "polish"]
    assert state["backend"] == sandbox_name


def test_buggy_code_is_fixed_with_tests_unchanged(sandbox_name):
    model = scripted([WRONG_FIX, WRONG_FIX, GOOD])  # round 1: 2 wrong + 1 right among k=3
    state = UnitCoder(model, backend=sandbox_name).verify(BUGGY, "clamp", rounds=2, k=3)
    assert state["status"] == "passed" and state["passed_round"] == 1
    assert state["code"] == GOOD and state["original"] == BUGGY
    fix = state["history"][1]
    assert fix["stage"] == "fix" and [c["passed"] for c in fix["candidates"]] == [False, False, True]
    assert "class TestClamp" in state["tests"]


def test_unfixable_code_fails_after_r_rounds(sandbox_name):
    model = scripted([])
    state = UnitCoder(model, backend=sandbox_name).verify(BUGGY, "clamp", rounds=2, k=2)
    assert state["status"] == "failed" and state["round"] == 2 and state["passed_round"] is None
    assert [h["stage"] for h in state["history"]] == ["initial", "fix", "fix"]


def test_polish_that_breaks_the_tests_is_rejected(sandbox_name):
    model = scripted([], polish="def clamp(x, lo, hi):\n    return x\n")
    state = UnitCoder(model, backend=sandbox_name).verify(GOOD, "clamp", polish=True)
    assert state["status"] == "passed" and state["polished"] is None


def test_no_usable_tests(sandbox_name):
    state = UnitCoder(ScriptedChatModel(default="I cannot write tests."), backend=sandbox_name).verify(GOOD, "clamp")
    assert state["status"] == "no_tests" and state["test_attempts"] == 2


CORPUS = '''
import math
import numpy as np
from collections import Counter
from os import path

SCALE = 3

def clamp(x, lo, hi):
    if lo > hi:
        raise ValueError('empty range')
    return max(lo, min(x, hi))

def hyp(a, b):
    return math.sqrt(a * a + b * b)

def most_common(items):
    return Counter(items).most_common(1)[0][0]

def uses_numpy(x):
    return np.array(x)

def uses_os(p):
    return path.join(p, 'x')

def uses_global(x):
    return x * SCALE

def _private(x):
    return x
'''


def test_import_aware_extraction():
    found = {e.name: e for e in extract(CORPUS)}
    assert sorted(found) == ["clamp", "hyp", "most_common"]
    assert found["hyp"].code.startswith("import math\n") and found["hyp"].packages == ["math"]
    assert found["most_common"].code.startswith("from collections import Counter\n")
    assert "numpy" not in found["hyp"].code
    assert sorted(e.name for e in extract(CORPUS, allowed=["math", "numpy"])) == ["clamp", "hyp", "uses_numpy"]


def test_code_verify_cli(plait_host, plait_cli, sandbox_name, tmp_path):
    plait_host(model=scripted([GOOD]))
    src = tmp_path / "clamp.py"
    src.write_text(BUGGY)
    fixed = tmp_path / "fixed.py"
    res = plait_cli("code", "verify", str(src), "--json", "--backend", sandbox_name, "--out", str(fixed), "--candidates", "1")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["status"] == "passed" and data["passed_round"] == 1 and data["entry"] == "clamp"
    assert fixed.read_text() == GOOD and src.read_text() == BUGGY


def test_synth_unitcoder_end_to_end(plait_host, plait_cli, sandbox_name, tmp_path):
    def reply(messages, options):
        prompt = messages[-1]["content"]
        entry = prompt.split("`")[1] if "`" in prompt else ""
        if prompt.startswith("You are given"):
            if "def clamp" in prompt:
                return TESTS_REPLY
            if "def hyp" in prompt:
                return ("```python\nimport unittest\nfrom solution import hyp\n\nclass T(unittest.TestCase):\n"
                        "    def test_345(self):\n        self.assertEqual(hyp(3, 4), 5.0)\n\n"
                        "    def test_wrong(self):\n        self.assertEqual(hyp(1, 1), 3.0)\n```")
            return "no tests"
        if prompt.startswith("The function below fails"):
            return "```python\nimport math\n\ndef hyp(a, b):\n    return math.hypot(a, b)\n```"
        return f"```python\n{POLISHED}```"

    plait_host(model=ScriptedChatModel(default=reply))
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(json.dumps({"id": "c1", "content": CORPUS}) + "\n")
    out = tmp_path / "out"
    res = plait_cli("synth", "unitcoder", "--data", str(corpus), "--out", str(out), "--json", "--backend", sandbox_name,
                    "--rounds", "1", "--candidates", "1")
    assert res.exit_code == 0, res.output
    stats = json.loads(res.stdout)
    assert (stats["functions"], stats["passed"], stats["polished"], stats["failed"], stats["no_tests"]) == (3, 1, 1, 1, 1)
    assert stats["pass_rate_by_round"] == {"0": 0.5, "1": 0.5}
    lines = lambda name: [json.loads(x) for x in (out / name).read_text().splitlines()]  # noqa: E731
    assert [t["entry"] for t in lines("polished.jsonl")] == ["clamp"]
    assert sorted(t["entry"] for t in lines("failed.jsonl")) == ["hyp", "most_common"]
    hyp = next(t for t in lines("trajectories.jsonl") if t["entry"] == "hyp")
    assert hyp["status"] == "failed" and hyp["tests"].count("def test_") == 2 and hyp["backend"] == sandbox_name


def test_unitcoder_agent(plait_settings, sandbox_name):
    from plait.agents.base import AgentContext, AgentRequest
    from plait.core.host import get_host

    assert "unitcoder" in get_host().agents.names()
    from plait.plugins.codeverify.agent import UnitCoderAgent

    agent = UnitCoderAgent(AgentContext(plait_settings, _model=scripted([GOOD]), options={"backend": sandbox_name, "k": 1}))
    reply = agent.invoke(AgentRequest([{"role": "user", "content": f"Please check:\n```python\n{BUGGY}```"}]))
    assert reply.extras["status"] == "passed" and reply.extras["passed_round"] == 1
    assert GOOD in reply.text and "after repair" in reply.text
    none = agent.invoke(AgentRequest([{"role": "user", "content": "hello"}]))
    assert none.extras["status"] == "no_code"


def test_pytest_style_tests_are_wrapped(sandbox_name):
    reply = ("```python\nfrom solution import clamp\n\ndef test_mid():\n    assert clamp(5, 0, 10) == 5\n\n"
             "assert clamp(-3, 0, 10) == 0\nassert clamp(30, 0, 10) == 10\n```")
    model = ScriptedChatModel(default=reply)
    state = UnitCoder(model, backend=sandbox_name).verify(GOOD, "clamp")
    assert state["status"] == "passed" and state["test_ids"] == [
        "plait_tests.TestGenerated.test_mid", "plait_tests.TestGenerated.test_assert_0", "plait_tests.TestGenerated.test_assert_1"]
    bad = UnitCoder(ScriptedChatModel(default=reply), backend=sandbox_name).verify(BUGGY, "clamp", rounds=0)
    assert bad["status"] == "failed"
    assert bad["history"][0]["n_pass"] == 2 and bad["history"][0]["n_tests"] == 3
