"""Case2Code (Shao et al. 2025): harvest functions, collect input/output cases in the sandbox,
render training prompts; and score predicted programs against recorded cases.

Output formats follow the published test set (``../shared/data/case2code/test_sample.jsonl``):
a return is stored as ``{"return": json.dumps(repr(value))}``, an exception as
``{"error": "<|EXCEPTION|> " + json.dumps(f"{type(exc)}: {exc}")}``.
"""

from __future__ import annotations

import ast
import builtins
import json
import random
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable

from plait.core.errors import InputError
from plait.sandbox import Limits
from plait.sandbox.grading import run_job

BUILTINS = set(dir(builtins))
LIMITS = Limits(timeout_s=10, memory_mb=512)


# -- harvesting -----------------------------------------------------------------------------------
@dataclass
class Harvested:
    name: str
    code: str
    params: list[str]
    required: list[str]


def _free_names(fn: ast.FunctionDef) -> set[str]:
    bound = {a.arg for a in fn.args.args + fn.args.kwonlyargs + fn.args.posonlyargs}
    for extra in (fn.args.vararg, fn.args.kwarg):
        if extra:
            bound.add(extra.arg)
    loads = set()
    for node in ast.walk(fn):
        if isinstance(node, ast.Name):
            (bound.add if isinstance(node.ctx, (ast.Store, ast.Del)) else loads.add)(node.id)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            loads.update(node.names)  # touching module state: not self-contained
    return loads - bound - BUILTINS - {fn.name}


def harvest(source: str) -> list[Harvested]:
    """Top-level functions with arguments and a ``return value``; no imports, no nested functions
    or classes, no free names (so each runs alone). Never executes the source."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    out = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef) or node.decorator_list:
            continue
        params = [a.arg for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs]
        if not params or node.args.vararg or node.args.kwarg:
            continue
        inner = list(ast.walk(node))[1:]
        if any(isinstance(n, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef,
                              ast.Yield, ast.YieldFrom, ast.Await)) for n in inner):
            continue
        if not any(isinstance(n, ast.Return) and n.value is not None for n in inner):
            continue
        if _free_names(node):
            continue
        positional = node.args.posonlyargs + node.args.args
        n_required = len(positional) - len(node.args.defaults)
        required = [a.arg for a in positional[:n_required]]
        required += [a.arg for a, d in zip(node.args.kwonlyargs, node.args.kw_defaults) if d is None]
        out.append(Harvested(node.name, ast.get_source_segment(source, node) or ast.unparse(node), params, required))
    return out


# -- example inputs ---------------------------------------------------------------------------------
INPUTS_PROMPT = """Here is a Python function:

```python
{code}
```

Write {n} different example inputs for `{name}`, covering typical and edge cases. Give each input
as a Python dict literal mapping the argument names ({args}) to literal values, one per line,
for example: {example}
Only dict literals, no code, no explanations."""


def _literal_dict(candidate: str) -> dict | None:
    for parse in (ast.literal_eval, json.loads):
        try:
            value = parse(candidate)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
        if isinstance(value, dict):
            return value
    return None


def _literal_call(text: str, fn: Harvested) -> list[dict]:
    """``name(1, b=[2])`` in the text -> ``{'a': 1, 'b': [2]}``; every argument must be a literal."""
    found = []
    start = text.find(fn.name + "(")
    while start >= 0:
        depth, end = 0, None
        for i in range(start + len(fn.name), min(len(text), start + 2000)):
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            if depth == 0:
                end = i + 1
                break
        if end is not None:
            try:
                call = ast.parse(text[start:end], mode="eval").body
                args = [ast.literal_eval(a) for a in call.args]
                kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg}
                if len(args) <= len(fn.params) and not any(k.arg is None for k in call.keywords):
                    bound = dict(zip(fn.params, args))
                    if not set(bound) & set(kwargs):
                        found.append({**bound, **kwargs})
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError, AttributeError):
                pass
        start = text.find(fn.name + "(", start + 1)
    return found


def parse_inputs(text: str, fn: Harvested, limit: int) -> list[str]:
    """Dict literals (or calls of the function with literal arguments) in the model's text, read
    with ``ast.literal_eval`` / ``json.loads``; never executed."""
    values: list[dict] = []
    for line in text.splitlines():
        line = line.strip().rstrip(",")
        start = line.find("{")
        if start >= 0:
            value = _literal_dict(line[start: line.rfind("}") + 1])
            if value is not None:
                values.append(value)
    values += _literal_call(text, fn)
    found: list[str] = []
    for value in values:
        if not all(isinstance(k, str) for k in value):
            continue
        if not set(fn.required) <= set(value) or not set(value) <= set(fn.params):
            continue
        src = repr(value)
        if src not in found:
            found.append(src)
        if len(found) >= limit:
            break
    return found


def inputs_prompt(fn: Harvested, n: int = 10) -> str:
    """The request for ``n`` literal example inputs of ``fn`` (the reply is read by :func:`parse_inputs`)."""
    example = repr({p: 1 for p in fn.required or fn.params[:1]})
    return INPUTS_PROMPT.format(code=fn.code, n=n, name=fn.name, args=", ".join(fn.params), example=example)


# -- running cases in the sandbox -------------------------------------------------------------------
def run_cases(code: str, entry: str, *, inputs_src: list[str] | None = None, examples_src: str | None = None,
              backend: str | None = None, limits: Limits = LIMITS) -> tuple[list[dict[str, str] | None], Any]:
    """Call ``entry`` on each input in ONE sandbox run; outputs in the published format."""
    job: dict[str, Any] = {"mode": "reprs", "entry": entry}
    if inputs_src is not None:
        job["inputs_src"] = inputs_src
    else:
        job["examples_src"] = examples_src
    records, result = run_job(code, job, limits=limits, backend=backend)
    count = next((r["cases"] for r in records if "cases" in r), None)
    by_i = {r["i"]: r for r in records if isinstance(r.get("i"), int)}
    n = count if count is not None else len(inputs_src or [])
    outputs: list[dict[str, str] | None] = []
    for i in range(n):
        rec = by_i.get(i)
        if rec is None:
            outputs.append(None)
        elif rec.get("ok"):
            outputs.append({"return": rec["value"]})
        else:
            outputs.append({"error": rec["error"]})
    return outputs, result


# -- prompts ---------------------------------------------------------------------------------------
TEMPLATES = [
    "Function: {name}\n\nWrite a function that generates the output from the input.\n{pairs}\n",
    "Given the function name `{name}` and these input/output examples, write the Python function.\n{pairs}\n",
    "Examples:\n{pairs}\nFunction name: {name}\nInfer the Python function that maps each input to its output.\n",
    "I have a function `{name}` that produces these results:\n{pairs}\nCan you write it in Python?\n",
    "Based on the following cases, implement {name}.\n{pairs}\n",
]


def _call(src: str) -> str:
    value = ast.literal_eval(src)
    return "dict(" + ", ".join(f"{k}={v!r}" for k, v in value.items()) + ")"


def examples_str(inputs_src: list[str]) -> str:
    """Literal inputs as the published test set's ``example_str`` (``examples = [dict(...), ...]``)."""
    return "examples = [\n" + "".join(f"    {_call(src)},\n" for src in inputs_src) + "]\n"


EXCEPTION_MARKER = "<|EXCEPTION|>"


def shown_output(out: dict[str, str]) -> str:
    """What a prompt shows of an output: the marker is a storage tag, never prompt text."""
    if "return" in out:
        return out["return"]
    return out["error"].replace(EXCEPTION_MARKER, "", 1).strip()


def render_prompt(name: str, inputs_src: list[str], outputs: list[dict[str, str]], rng: random.Random) -> tuple[str, int]:
    idx = list(range(len(inputs_src)))
    rng.shuffle(idx)
    lines = []
    for i in idx:
        shown = shown_output(outputs[i])
        lines.append(f"Input: {_call(inputs_src[i])}, Output: {shown}")
    t = rng.randrange(len(TEMPLATES))
    return TEMPLATES[t].format(name=name, pairs="\n".join(lines)), t


# -- evaluation ------------------------------------------------------------------------------------
def pass_at_k(n: int, c: int, k: int) -> float:
    """The unbiased pass@k estimator 1 - C(n-c, k) / C(n, k) (n samples, c of them correct)."""
    from math import comb

    if n < k:
        raise ValueError(f"pass@{k} needs at least {k} samples, got {n}")
    if n - c < k:
        return 1.0
    return 1.0 - comb(n - c, k) / comb(n, k)


_ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,}")


def _norm(text: str | None) -> str | None:
    # a memory address in a repr (``<generator object f at 0x7f...>``) is not behaviour
    return None if text is None else _ADDRESS.sub("0x?", text)


def same_output(got: dict[str, str] | None, want: dict[str, str]) -> bool:
    """Exact comparison of the return repr or the exception text (memory addresses aside)."""
    if got is None:
        return False
    if "error" in want:
        return "error" in got and _norm(got["error"]) == _norm(want["error"])
    return "return" in got and _norm(got["return"]) == _norm(want.get("return"))


def score_program(code: str, ref: dict[str, Any], backend: str | None = None) -> dict[str, Any]:
    outputs, result = run_cases(code, ref["func_name"], examples_src=ref["example_str"], backend=backend)
    want = ref["example_outputs"]
    matched = sum(same_output(g, w) for g, w in zip(outputs, want))
    return {
        "id": ref.get("id"),
        "correct": len(outputs) == len(want) and matched == len(want),
        "matched": matched,
        "total": len(want),
        "status": result.status,
        "backend": result.backend,
    }


def evaluate(preds: list[dict[str, Any]], refs: list[dict[str, Any]], *, backend: str | None = None, workers: int = 2,
             progress: Callable[[int], None] | None = None, samples: int = 1) -> dict[str, Any]:
    """Score up to ``samples`` (K) predictions per reference: the first K lines of each id in file
    order; a missing one counts as a wrong sample. Reports pass@1..K with :func:`pass_at_k`
    (n = K samples per problem); ``accuracy`` is pass@1, ``correct`` the problems any sample solved."""
    if samples < 1:
        raise InputError(f"--samples must be 1 or more, got {samples}")
    by_id: dict[str, list[dict[str, Any]]] = {}
    for p in preds:
        by_id.setdefault(str(p["id"]), []).append(p)
    jobs = [(i, j) for i in range(len(refs)) for j in range(samples)]
    scored: dict[tuple[int, int], dict[str, Any]] = {}

    def one(job: tuple[int, int]) -> None:
        i, j = job
        ref = refs[i]
        got = by_id.get(str(ref["id"]), [])
        pred = got[j] if j < len(got) else None
        if pred is None or not isinstance(pred.get("code"), str):
            scored[job] = {"id": ref["id"], "correct": False, "matched": 0, "total": len(ref["example_outputs"]), "status": "missing"}
        else:
            scored[job] = score_program(pred["code"], ref, backend)
        if progress and j == samples - 1:
            progress(1)

    with ThreadPoolExecutor(max(1, workers)) as pool:
        list(pool.map(one, jobs))
    done = []
    for i in range(len(refs)):
        runs = [scored[(i, j)] for j in range(samples)]
        best = max(runs, key=lambda x: (x["correct"], x["matched"]))
        item = {**best, "samples": samples, "n_correct": sum(x["correct"] for x in runs)}
        if samples > 1:
            item["sample_results"] = [{"sample": j, **{k: x.get(k) for k in ("correct", "matched", "status")}}
                                      for j, x in enumerate(runs)]
        done.append(item)
    flat = [scored[job] for job in jobs]
    cases = sum(x["total"] for x in flat)
    pass_k = {str(k): (sum(pass_at_k(samples, x["n_correct"], k) for x in done) / len(done) if done else 0.0)
              for k in range(1, samples + 1)}
    return {
        "accuracy": pass_k["1"],
        "n": len(done),
        "correct": sum(x["n_correct"] > 0 for x in done),
        "missing": sum(x["status"] == "missing" for x in flat),
        "case_accuracy": (sum(x["matched"] for x in flat) / cases) if cases else 0.0,
        "samples": samples,
        "pass_at_k": pass_k,
        "backends": sorted({x["backend"] for x in flat if x.get("backend")}),
        "items": done,
    }


def items_table(refs: list[dict[str, Any]], items: list[dict[str, Any]], model: str) -> list[dict[str, Any]]:
    """``--items-out`` rows, one per reference (item = its id): score = the samples that passed,
    max_score = K, so with --samples K > 1 an item is a partial-credit item (0..K) in ``plait eval
    rasch``; a missing prediction is a wrong sample, as in pass@k."""
    from plait.core.item_rows import item_ids, item_row

    ids = item_ids(refs, fallback="func_name")
    return [item_row(model, ids[i], it["n_correct"], it["samples"], difficulty=refs[i].get("difficulty"))
            for i, it in enumerate(items)]
