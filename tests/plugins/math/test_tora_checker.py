"""--checker tora: ToRA's math_equal semantics, and its agreement with math-verify on the shipped pairs."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from plait.plugins.math.checker import CheckerPool
from plait.plugins.math.tora import extract, math_equal, strip_string, symbolic_equal

ROOT = Path(__file__).resolve().parents[3]
PAIRS = ROOT / "plait" / "plugins" / "math" / "data" / "answer_pairs.jsonl"
DOC = ROOT / "docs" / "math.md"


def test_strip_string_follows_tora():
    assert strip_string(r"10\text{ cm}") == "10"
    assert strip_string(r"90^\circ") == "90"
    assert strip_string(r"\$18.00") == "18"
    assert strip_string(r"\dfrac12") == r"\frac{1}{2}"
    assert strip_string("3/4") == r"\frac{3}{4}"
    assert strip_string("k = 7") == "7"
    assert strip_string(r"\left( 1, 2 \right)") == "(1,2)"
    assert strip_string(r"50\%") == "50"
    assert strip_string(r"\sqrt2") == r"\sqrt{2}"


def test_extraction_follows_tora():
    assert extract(r"first \boxed{1} then \boxed{\frac{1}{2}}.") == r"\frac{1}{2}"
    assert extract("so the answer is 42.") == "42"
    assert extract("work\n#### 1,200") == "1,200"
    assert extract("```python\nprint(6*7)\n```\n```output\n42\n```") == "42"
    assert extract("He has 43 pencils left.") == "43"  # prose: the last number
    assert extract(r"\frac12") == r"\frac{1}{2}"  # a bare answer is taken whole, not its last number


@pytest.mark.parametrize("pred,ref,equal", [
    ("1.0001", "1", True), ("1.001", "1", False),  # relative tolerance 1e-4
    ("0.25", "25", True), ("2500", "25", True), ("0.2", "25", False),  # percent forms
    ("(1,4.5)", r"(1,\frac{9}{2})", True), ("[1,2]", "[1,3]", False),  # element-wise
    (r"\frac{x+2}{7}", r"\frac{x}{7}+\frac{2}{7}", True), ("x+2", "x+1", False),  # symbolic
    (r"\begin{pmatrix}1\2.0\end{pmatrix}", r"\begin{pmatrix}1\2\end{pmatrix}", True),
    (r"\begin{pmatrix}1\3\end{pmatrix}", r"\begin{pmatrix}1\2\end{pmatrix}", False),
    ("", "0", False),
])
def test_math_equal(pred, ref, equal):
    assert math_equal(pred, ref) is equal


def test_an_answer_never_runs_code_in_the_checker(tmp_path):
    marker = tmp_path / "ran"
    assert not symbolic_equal(f"__import__('os').system('touch {marker}')", "0")
    assert not symbolic_equal(f"open('{marker}', 'w')", "0")
    assert not marker.exists()


def _documented_disagreements() -> set[tuple[str, str]]:
    text = DOC.read_text(encoding="utf-8")
    table = text.split("<!-- disagreements: gold | pred | math-verify | tora -->", 1)[1].split("<!-- end disagreements -->")[0]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    return {tuple(re.findall(r"`([^`]*)`", row)[:2]) for row in rows}


def test_tora_agrees_with_math_verify_on_the_shipped_pairs_except_the_documented_ones():
    pairs = [(r["gold"], r["pred"]) for r in map(json.loads, PAIRS.read_text(encoding="utf-8").splitlines())]
    with CheckerPool(1, 20.0) as mv, CheckerPool(1, 20.0, "tora") as tora:
        verify, ours = mv.check_many(pairs), tora.check_many(pairs)
    decided = [(pair, a, b) for pair, a, b in zip(pairs, verify, ours)
               if a.status == b.status == "ok" and not a.reason.startswith("could not parse")]
    assert len(decided) == len(pairs)  # both checkers decide every shipped pair
    disagree = {pair for pair, a, b in decided if a.equivalent != b.equivalent}
    assert disagree == _documented_disagreements()
    assert sum(a.equivalent for _, a, _ in decided) >= 25  # the set exercises both outcomes


def _check(*args):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "plait", "math", "check", *args, "--json"],
                          capture_output=True, text=True, env=env, timeout=300)


def test_cli_checker_option():
    tora = _check("25", "0.25", "--checker", "tora")
    assert tora.returncode == 0, tora.stderr
    assert json.loads(tora.stdout)["equivalent"] is True
    default = _check("25", "0.25")
    assert default.returncode == 1 and json.loads(default.stdout)["equivalent"] is False
    bad = _check("1", "1", "--checker", "exact")
    assert bad.returncode != 0 and "math-verify, tora" in bad.stderr + bad.stdout
