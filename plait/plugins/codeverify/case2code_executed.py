"""Case2Code inputs the paper's way (``input_mode = "executed"``): the model writes Python that
builds ``examples = [dict(...), ...]``, the sandbox runs it, and the inputs are what it built.

A generator may compute its inputs (loops, ``range``, string building), which literal parsing
(plait's default) cannot read. Its code only ever runs inside the sandbox. What comes back is
kept only if its ``repr`` reads back with ``ast.literal_eval`` as a dict of the function's
arguments, so the stored inputs stay literals a later run can replay without the generator.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any

from plait.core.errors import Unavailable
from plait.sandbox import Limits
from plait.sandbox.api import available_backends, default_backend, get_backend, run
from plait.sandbox.types import ExecResult

GENERATOR_LIMITS = Limits(timeout_s=10, memory_mb=512, output_bytes=2_000_000)
MAX_REPR = 4000  # characters of one input's repr; a bigger input makes an unreadable prompt

GENERATOR_PROMPT = """Here is a Python function:

```python
{code}
```

Write Python code that builds a list named `examples` with {n} different inputs for `{name}`,
covering typical and edge cases. Each element is a call of `dict` with the argument names
({args}) as keywords, for example:

```python
examples = [
    {example},
]
```

You may compute values (loops, comprehensions, string operations). Do not call `{name}` and do
not import anything. Reply with one Python code block only."""

# Runs INSIDE the sandbox (stdlib only). Like the grading runner it keeps stdout for its own
# records, so prints of the generator cannot forge one.
GENERATOR_RUNNER = r'''
import json, os, sys
_OUT = os.dup(1)
os.dup2(2, 1)

def emit(record):
    data = (json.dumps(record) + "\n").encode("utf-8")
    while data:
        data = data[os.write(_OUT, data):]

try:
    scope = {"__name__": "examples"}
    with open("examples.py", encoding="utf-8") as fh:
        exec(compile(fh.read(), "examples.py", "exec"), scope)
    examples = scope["examples"]
    if not isinstance(examples, (list, tuple)):
        raise TypeError("examples is a %s, not a list" % type(examples).__name__)
except BaseException as exc:
    emit({"error": "%s: %s" % (type(exc).__name__, str(exc)[:500])})
else:
    limit = int(sys.argv[1])
    emit({"count": len(examples)})
    for i, ex in enumerate(examples[:limit]):
        try:
            emit({"i": i, "repr": repr(ex)[:__MAX_REPR__ + 1]})
        except BaseException as exc:
            emit({"i": i, "error": type(exc).__name__})
'''.replace("__MAX_REPR__", str(MAX_REPR))

_FENCE = re.compile(r"```(?:python|py)?[ \t]*\n(.*?)```", re.S)


def generator_prompt(code: str, name: str, params: list[str], required: list[str], n: int) -> str:
    example = "dict(" + ", ".join(f"{p}=1" for p in (required or params[:1])) + ")"
    return GENERATOR_PROMPT.format(code=code, n=n, name=name, args=", ".join(params), example=example)


def generator_code(text: str) -> str | None:
    """The code block of the reply that assigns ``examples`` (else the whole reply if it does);
    None when there is none (the function is then counted as ``no_inputs``)."""
    blocks = _FENCE.findall(text or "") or [text or ""]
    for block in blocks:
        if re.search(r"^\s*examples\s*(\+?=|:)", block, re.M):
            return block.strip() + "\n"
    return None


def _keep(src: str, params: list[str], required: list[str]) -> str | None:
    if len(src) > MAX_REPR:
        return None
    try:
        value = ast.literal_eval(src)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None  # not a literal (an object, nan, a set()): cannot be stored or replayed
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        return None
    if not set(required) <= set(value) <= set(params):
        return None
    return repr(value)


def run_generator(code: str, params: list[str], required: list[str], n: int, *, backend: str | None = None,
                  limits: Limits = GENERATOR_LIMITS) -> tuple[list[str], ExecResult, str | None]:
    """Run the generator in the sandbox; returns (up to ``n`` distinct literal inputs, the run,
    the generator's own error or None). Raises :class:`Unavailable` without a usable sandbox."""
    # read a few more than n: invalid and duplicate entries are dropped afterwards
    result = run(argv=["python3", "-I", "_plait_examples.py", str(4 * n)],
                 files={"_plait_examples.py": GENERATOR_RUNNER, "examples.py": code}, limits=limits, backend=backend)
    found: list[str] = []
    error = None
    for line in result.stdout.splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if not isinstance(rec, dict):
            continue
        if "error" in rec and "i" not in rec:
            error = str(rec["error"])
        elif isinstance(rec.get("repr"), str) and len(found) < n:
            src = _keep(rec["repr"], params, required)
            if src is not None and src not in found:
                found.append(src)
    if error is None and result.status != "ok":
        error = f"generator run ended {result.status}"
    return found, result, error


def require_sandbox(backend: str | None) -> str:
    """The backend executed inputs will use, or a clear error naming the fix (checked before a run
    starts, so a missing sandbox is one message, not an error record per function)."""
    fix = ("executed input generation (input_mode executed, set by --preset paper) runs the model's "
           "`examples = [...]` code in the sandbox")
    try:
        name = backend or default_backend()
    except Unavailable as exc:
        raise Unavailable(f"{fix}, and none is available: {exc}. Or pass --input-mode literal "
                          "to parse literal inputs without running anything") from None
    try:
        ok, why = get_backend(name).available()
    except Exception as exc:  # NotFound for a misspelt --backend
        known = ", ".join(available_backends()) or "none"
        raise Unavailable(f"{fix}: {exc} (usable here: {known}); pick one with --backend NAME, "
                          "or pass --input-mode literal") from None
    if not ok:
        raise Unavailable(f"{fix}, and sandbox backend {name!r} is not usable here: {why}. "
                          "Pick another with --backend NAME, or pass --input-mode literal")
    return name

