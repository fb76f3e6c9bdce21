"""State of the UnitCoder graph."""

from __future__ import annotations

from typing import Any, TypedDict


class UnitCoderState(TypedDict, total=False):
    entry: str  # the function under test
    task: str | None  # optional task description
    original: str  # the code as given
    code: str  # the current code (edited by fixes)
    tests: str | None  # model-written unittest module; fixed once written
    test_ids: list[str]
    round: int  # fix rounds done
    max_rounds: int
    k: int  # fix candidates per round
    polish: bool
    test_attempts: int
    status: str  # running | passed | failed | no_tests | polished
    passed_round: int | None  # the round at which the code first passed (0 = as given)
    polished: str | None
    fixes: list[str]  # the passing fixes kept in the round that passed (up to keep_passing)
    history: list[dict[str, Any]]  # one record per test run / round
    failures: str  # what the last run reported
    n_pass: int
    backend: str | None
