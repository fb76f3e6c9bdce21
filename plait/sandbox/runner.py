"""The grading runner that runs INSIDE the sandbox (stdlib only; copied in as ``_plait_runner.py``).

Before the code under test is imported, the runner takes stdout for itself (a private dup of fd 1)
and points fd 1 at stderr, so the code's prints cannot mix with records. It then writes one JSON
record per test. The parent never sends expected values in: it compares what the records say
against its own copy, so a patched runner can only report what the code really computed, and a
missing record (``sys.exit`` / ``os._exit`` before the tests) fails.

Modes (``job.json``):
  cases      call ENTRY(*args, **kwargs) per case; record the canonical value or the exception
  check      run a test program defining ``check(candidate)`` (HumanEval); record completion
  reprs      call ENTRY(**kwargs) per case; record json.dumps(repr(return)) or the exception (Case2Code)
  unittest   run a unittest module against the code; record every test's outcome (UnitCoder)
"""

import json
import os
import sys

_OUT = os.dup(1)
os.dup2(2, 1)


def _emit(record):
    data = (json.dumps(record) + "\n").encode("utf-8")
    while data:
        n = os.write(_OUT, data)
        data = data[n:]


def canon(value, depth=0):
    """A JSON form of ``value`` for exact builtin types only; anything else is tagged by repr."""
    t = type(value)
    if depth > 50:
        return {"__repr__": "<too deep>"}
    if value is None or t is bool or t is int or t is str:
        return value
    if t is float:
        return value if value == value and value not in (float("inf"), float("-inf")) else {"__float__": repr(value)}
    if t is list or t is tuple:
        return [canon(v, depth + 1) for v in value]
    if t is dict and all(type(k) is str for k in value):
        return {k: canon(v, depth + 1) for k, v in value.items()}
    try:
        text = repr(value)
    except BaseException as exc:  # noqa: BLE001 - a hostile __repr__ must not stop the record
        text = "<unrepresentable: %s>" % type(exc).__name__
    return {"__repr__": text[:1000], "__type__": t.__name__}


def _error(exc):
    try:
        text = str(exc)
    except BaseException:
        text = "<unprintable>"
    return "%s: %s" % (type(exc).__name__, text[:2000])


def _load(path, name):
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def main():
    with open("_plait_job.json", encoding="utf-8") as fh:
        job = json.load(fh)
    os.remove("_plait_job.json")
    mode = job["mode"]
    sys.path.insert(0, os.getcwd())
    snapshot = None
    if mode == "unittest":  # the machinery as it is BEFORE the code under test runs
        import unittest

        snapshot = dict(vars(unittest.TestCase))
    try:
        module = _load(job.get("solution", "solution.py"), "solution")
    except BaseException as exc:  # SystemExit included: an exiting import is a failure
        _emit({"load_error": _error(exc)})
        return
    if mode == "unittest":
        return _unittest(job, snapshot)
    if mode == "check":
        try:
            candidate = getattr(module, job["entry"])
            # the test sees the solution's names, as in HumanEval's own harness
            scope = dict(vars(module), __name__="plait_check")
            exec(compile(job["test"], "test.py", "exec"), scope)
            scope["check"](candidate)
            _emit({"i": 0, "ok": True, "value": None})
        except BaseException as exc:
            _emit({"i": 0, "ok": False, "error": _error(exc)})
        return
    func = getattr(module, job["entry"], None)
    if not callable(func):
        _emit({"load_error": "NameError: no callable %r in the code" % job["entry"]})
        return
    cases = job.get("cases")
    try:
        if "inputs_src" in job:  # literal dicts, parsed (never executed)
            import ast

            cases = [{"kwargs": ast.literal_eval(src)} for src in job["inputs_src"]]
        elif "examples_src" in job:  # a Case2Code reference's `examples = [dict(...), ...]`
            scope = {}
            exec(compile(job["examples_src"], "examples.py", "exec"), scope)
            cases = [{"kwargs": ex} for ex in scope["examples"]]
    except BaseException as exc:
        _emit({"load_error": "inputs: " + _error(exc)})
        return
    _emit({"cases": len(cases)})
    for i, case in enumerate(cases):
        try:
            value = func(*case.get("args", []), **case.get("kwargs", {}))
            if mode == "reprs":
                _emit({"i": i, "ok": True, "value": json.dumps(repr(value))})
            else:
                _emit({"i": i, "ok": True, "value": canon(value)})
        except BaseException as exc:
            if mode == "reprs":
                try:
                    text = "%s: %s" % (type(exc), exc)
                except BaseException:
                    text = "%s: <unprintable>" % type(exc)
                _emit({"i": i, "ok": False, "error": "<|EXCEPTION|> " + json.dumps(text)})
            else:
                _emit({"i": i, "ok": False, "error": _error(exc), "type": type(exc).__name__})


PLAIN = (type(None), bool, int, float, complex, str, bytes, list, tuple, dict, set, frozenset)


def _plain(value, depth=0):
    """Exact builtin types all the way down (no subclass can override ``__eq__``)."""
    t = type(value)
    if t not in PLAIN or depth > 50:
        return False
    if t in (list, tuple, set, frozenset):
        return all(_plain(v, depth + 1) for v in value)
    if t is dict:
        return all(_plain(k, depth + 1) and _plain(v, depth + 1) for k, v in value.items())
    return True


def _unittest(job, case_attrs):
    import unittest

    # case_attrs: TestCase as it was before the code under test was imported; restored before
    # every test, so patching it from the code is undone.
    original_equal = case_attrs["assertEqual"]

    def strict_equal(self, first, second, msg=None):
        # an expected plain value must be matched by a plain value: an object whose __eq__
        # always answers True is not equal to 5
        if _plain(second) and not _plain(first):
            raise self.failureException("%r (type %s) is not a plain value like %r" % (first, type(first).__name__, second))
        if _plain(first) and not _plain(second):
            raise self.failureException("%r (type %s) is not a plain value like %r" % (second, type(second).__name__, first))
        return original_equal(self, first, second, msg)

    def restore():
        for k, v in case_attrs.items():
            if vars(unittest.TestCase).get(k) is not v:
                try:
                    setattr(unittest.TestCase, k, v)
                except (AttributeError, TypeError):
                    pass
        unittest.TestCase.assertEqual = strict_equal
        unittest.TestCase.assertEquals = strict_equal

    tests_module = _load(job["tests"], "plait_tests")
    suite = unittest.defaultTestLoader.loadTestsFromModule(tests_module)

    class Recorder(unittest.TestResult):
        def startTest(self, test):
            restore()
            unittest.TestResult.startTest(self, test)

        def addSuccess(self, test):
            _emit({"test": test.id(), "outcome": "pass"})

        def addFailure(self, test, err):
            _emit({"test": test.id(), "outcome": "fail", "error": self._exc_info_to_string(err, test)[-2000:]})

        def addError(self, test, err):
            _emit({"test": test.id(), "outcome": "error", "error": self._exc_info_to_string(err, test)[-2000:]})

        def addSkip(self, test, reason):
            _emit({"test": test.id(), "outcome": "skip", "error": reason})

    ids = [t.id() for t in _flatten(suite)]
    _emit({"planned": ids})
    for test in _flatten(suite):
        restore()
        test.run(Recorder())


def _flatten(suite):
    for t in suite:
        if hasattr(t, "__iter__"):
            yield from _flatten(t)
        else:
            yield t


if __name__ == "__main__":
    try:
        main()
    finally:
        _emit({"done": True})
