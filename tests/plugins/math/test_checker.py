"""Answer extraction and math-verify equivalence in worker processes with a hard timeout."""

import json
import subprocess
import sys

import pytest

from plait.plugins.math.answer import extract_answer, last_boxed, last_number
from plait.plugins.math.checker import CheckerPool

PATHOLOGICAL = r"\boxed{9^{9^{9^{9}}}}"


@pytest.fixture(scope="module")
def pool():
    # generous: the machine running the tests may be busy; only the pathological input needs a limit
    with CheckerPool(1, timeout=8.0) as p:
        yield p


def test_last_boxed_handles_nesting_and_takes_the_last():
    assert last_boxed(r"first \boxed{1} then \boxed{\frac{1}{2}}") == r"\frac{1}{2}"
    assert last_boxed(r"\boxed{x^{2}+\{1\}}") == r"x^{2}+\{1\}"
    assert last_boxed("no box here") is None
    assert last_boxed(r"\boxed{unclosed") is None


def test_extraction_styles():
    assert last_number("She pays $1,234.50 in total.") == "1234.50"
    assert extract_answer("Natalia sold 48 clips in April and 24 in May, 72 in all.") == "72"
    assert extract_answer("work...\n#### 1,200") == "1200"
    assert extract_answer(r"so the answer is \boxed{\frac{3}{4}}.") == r"\frac{3}{4}"
    assert extract_answer("x = 3") == "x = 3"  # a formula, not prose: kept whole
    assert extract_answer("so 42 apples") == "42"
    assert extract_answer("3 dollars") == "3"
    assert extract_answer(r"\sin(x) + 2") == r"\sin(x) + 2"
    assert extract_answer("sin(x) + 2") == "sin(x) + 2"
    assert extract_answer("Monday") == "Monday"
    assert extract_answer(r"\boxed{5} but gsm8k says 7", style="gsm8k") == "7"


@pytest.mark.parametrize(
    "gold,pred",
    [
        (r"\frac12", "0.5"),
        (r"\frac12", "1/2"),
        ("0.5", "1/2"),
        ("3", "x = 3"),
        ("x = 3", r"The answer is $\boxed{3}$."),
        (r"\{1,2\}", r"\{2,1\}"),
        ("[1,2)", "[1, 2)"),
        (r"(-\infty, 0)", r"(-\infty,0)"),
        (r"50\%", "0.5"),
        ("25%", r"\frac{1}{4}"),
        ("18", "Janet makes $18 every day at the farmers' market."),
        (r"\sqrt{8}", r"2\sqrt{2}"),
    ],
)
def test_equivalent(pool, gold, pred):
    res = pool.check(gold, pred)
    assert res.equivalent, res.reason
    assert res.status == "ok"


@pytest.mark.parametrize(
    "gold,pred",
    [("(1,2]", "[1,2]"), (r"\{1,2\}", r"\{1,3\}"), ("3", "4"), (r"\frac12", "0.49"), ("[0,1]", "(0,1)")],
)
def test_not_equivalent(pool, gold, pred):
    res = pool.check(gold, pred)
    assert not res.equivalent
    assert res.status == "ok"
    assert res.reason.startswith("not equal")


def test_malformed_latex_is_a_clean_failure(pool):
    res = pool.check(r"\frac{1}{", "1")
    assert not res.equivalent and res.status == "ok"
    assert "could not parse the gold answer" in res.reason
    res = pool.check("2", r"\sqrt{")
    assert not res.equivalent and "predicted answer" in res.reason
    # identical garbage is still not a match
    assert not pool.check(r"\frac{1}{", r"\frac{1}{").equivalent


def test_pathological_input_times_out_and_the_pool_recovers(pool):
    res = pool.check("1", PATHOLOGICAL)
    assert res.status == "timeout" and not res.equivalent
    assert res.reason.startswith("timeout")
    # the killed worker is replaced: the next item is answered normally
    assert pool.check("2", "2").equivalent


def test_check_many_mixes_timeouts_with_answers():
    with CheckerPool(2, timeout=8.0) as p:
        results = p.check_many([("1", PATHOLOGICAL), (r"\frac12", "0.5"), ("3", "4")])
    assert [r.status for r in results] == ["timeout", "ok", "ok"]
    assert [r.equivalent for r in results] == [False, True, False]


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "plait", "math", "check", *args],
                          capture_output=True, text=True, timeout=300)


def test_cli_json_contract_and_exit_codes(plait_home):
    ok = _cli(r"\frac12", "0.5", "--json")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout) == {"equivalent": True, "gold": r"\frac12", "pred": "0.5",
                                     "reason": json.loads(ok.stdout)["reason"]}
    bad = _cli("(1,2]", "[1,2]", "--json")
    assert bad.returncode == 1
    assert json.loads(bad.stdout)["equivalent"] is False


def test_cli_reports_timeout(plait_home):
    res = _cli("1", PATHOLOGICAL, "--json", "--timeout", "2")
    assert res.returncode == 1
    out = json.loads(res.stdout)
    assert out["equivalent"] is False and out["reason"].startswith("timeout")
