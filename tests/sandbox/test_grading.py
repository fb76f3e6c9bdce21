"""Grading in the parent: serialised comparison, missing records, unittest and check modes."""

import pytest

from plait.core.errors import InputError
from plait.sandbox.grading import grade, grade_program, grade_unittest, unittest_ids


def test_values_compared_by_serialised_form(isolating_backend):
    code = "def f(x):\n    return {'int': 1, 'float': 1.0, 'list': [1, (2, 3)], 'x': x}\n"
    ok = grade(code, "f", [{"args": ["a"], "expected": {"int": 1, "float": 1.0, "list": [1, [2, 3]], "x": "a"}}], backend=isolating_backend)
    assert ok.verdict == "pass"
    # 1 vs 1.0 vs True are different serialisations
    for expected in ({"int": 1.0, "float": 1.0, "list": [1, [2, 3]], "x": "a"}, {"int": True, "float": 1.0, "list": [1, [2, 3]], "x": "a"}):
        assert grade(code, "f", [{"args": ["a"], "expected": expected}], backend=isolating_backend).verdict == "fail"


def test_kwargs_raises_and_report(isolating_backend):
    code = "def div(a, b=1):\n    return a // b\n"
    res = grade(code, "div", [{"args": [7], "kwargs": {"b": 2}, "expected": 3}, {"args": [1, 0], "raises": "ZeroDivisionError"},
                              {"args": [1, 0], "expected": 0}], backend=isolating_backend)
    assert [t["passed"] for t in res.tests] == [True, True, False]
    assert res.tests[2]["outcome"] == "error" and "ZeroDivisionError" in res.tests[2]["error"]
    assert res.verdict == "fail"


def test_missing_entry_and_syntax_error(isolating_backend):
    assert grade("def g():\n    pass\n", "f", [{"args": [], "expected": None}], backend=isolating_backend).verdict == "fail"
    res = grade("def f(:\n", "f", [{"args": [], "expected": None}], backend=isolating_backend)
    assert res.verdict == "fail" and "SyntaxError" in res.load_error


def test_timeout_in_a_test_fails(isolating_backend):
    from plait.sandbox import Limits

    res = grade("def f():\n    while True:\n        pass\n", "f", [{"args": [], "expected": 1}], backend=isolating_backend,
                limits=Limits(timeout_s=2))
    assert res.verdict == "fail" and res.result.status == "timeout"


@pytest.mark.parametrize("bad", [[], [{"args": [1]}], [{"args": 1, "expected": 2}], "x"])
def test_bad_tests_refused(bad):
    with pytest.raises(InputError):
        grade("def f(x):\n    return x\n", "f", bad, backend="process")


def test_check_program(isolating_backend):
    test = "def check(candidate):\n    assert candidate(2) == 4\n    assert candidate(3) == 9\n"
    assert grade_program("def sq(x):\n    return x * x\n", test, "sq", backend=isolating_backend).verdict == "pass"
    assert grade_program("def sq(x):\n    return x + x\n", test, "sq", backend=isolating_backend).verdict == "fail"
    assert grade_program("import os\nos._exit(0)\ndef sq(x):\n    return x\n", test, "sq", backend=isolating_backend).verdict == "fail"


UNIT = '''
import unittest
from solution import add

class TestAdd(unittest.TestCase):
    def test_normal(self):
        self.assertEqual(add(2, 3), 5)

    def test_negative(self):
        self.assertEqual(add(-2, -3), -5)
'''


def test_unittest_mode(isolating_backend):
    assert unittest_ids(UNIT) == ["plait_tests.TestAdd.test_normal", "plait_tests.TestAdd.test_negative"]
    good = grade_unittest("def add(a, b):\n    return a + b\n", UNIT, backend=isolating_backend)
    assert good.verdict == "pass", good.tests
    bad = grade_unittest("def add(a, b):\n    return a + abs(b)\n", UNIT, backend=isolating_backend)
    assert [t["passed"] for t in bad.tests] == [True, False]
    cheat = grade_unittest("import sys\nsys.exit(0)\ndef add(a, b):\n    return 0\n", UNIT, backend=isolating_backend)
    assert cheat.verdict == "fail"
    # the code cannot make the unittest machinery report success by patching it
    patch = "import unittest\nunittest.TestCase.assertEqual = lambda *a, **k: None\ndef add(a, b):\n    return 0\n"
    assert grade_unittest(patch, UNIT, backend=isolating_backend).verdict == "fail"
    always = "class Yes:\n    def __eq__(self, o):\n        return True\ndef add(a, b):\n    return Yes()\n"
    assert grade_unittest(always, UNIT, backend=isolating_backend).verdict == "fail"
