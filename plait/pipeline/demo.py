"""Built-in example pipelines, small enough to run anywhere in seconds.

- ``demo``: twelve topics -> ``clean`` (map) -> ``ask`` (model: one sentence per topic) ->
  ``keep`` (filter: non-empty answers).
- ``case2code-demo``: the shape of Case2Code synthesis — small reference functions -> ``cases``
  (map: run them on sample inputs to get input/output pairs) -> ``infer`` (model: write the
  function from its cases) -> ``records`` (flat_map: one training record per format).

Both use the configured model (``PLAIT_MODEL``); ``scripted/echo`` makes them deterministic.
"""

from __future__ import annotations

from typing import Any, Callable

from plait.core.models.base import ChatResult
from plait.pipeline.pipeline import Pipeline
from plait.pipeline.stage import ModelStage, Stage

Row = dict[str, Any]

TOPICS = ["rivers", "bread", "owls", "glass", "tides", "maps", "bees", "clocks", "salt", "kites", "moss", "lanterns"]


def demo_rows() -> list[Row]:
    return [{"id": f"topic-{i:02d}", "topic": f"  {t.upper()} "} for i, t in enumerate(TOPICS)]


def clean(batch: list[Row]) -> list[Row]:
    return [{**row, "topic": row["topic"].strip().lower()} for row in batch]


def keep_answered(batch: list[Row]) -> list[bool]:
    return [bool(row.get("sentence", "").strip()) for row in batch]


def ask_prompt(row: Row) -> str:
    return f"Write one short sentence about {row['topic']}."


def ask_parse(row: Row, result: ChatResult) -> Row:
    return {**row, "sentence": result.text.strip()}


def demo_pipeline(settings: Any = None) -> Pipeline:
    return Pipeline(
        "demo",
        [
            Stage("clean", clean),
            ModelStage("ask", ask_prompt, ask_parse, options=_options(64), batch_size=4),
            Stage("keep", keep_answered, kind="filter"),
        ],
        source=demo_rows,
        description="twelve topics, one model sentence each (a quick end-to-end check)",
    )


# --- case2code-demo -------------------------------------------------------------------------------

FUNCTIONS: dict[str, tuple[str, Callable[[Any], Any], list[Any]]] = {
    "double": ("def double(x):\n    return 2 * x\n", lambda x: 2 * x, [0, 3, -4]),
    "reverse": ("def reverse(s):\n    return s[::-1]\n", lambda s: s[::-1], ["abc", "level", ""]),
    "vowels": ("def vowels(s):\n    return sum(c in 'aeiou' for c in s)\n", lambda s: sum(c in "aeiou" for c in s),
               ["plait", "queue", "xyz"]),
    "square": ("def square(n):\n    return n * n\n", lambda n: n * n, [1, 7, -2]),
    "first_word": ("def first_word(s):\n    return s.split()[0] if s.split() else ''\n",
                   lambda s: s.split()[0] if s.split() else "", ["hello world", "  one", ""]),
    "is_even": ("def is_even(n):\n    return n % 2 == 0\n", lambda n: n % 2 == 0, [2, 5, 0]),
}


def case2code_rows() -> list[Row]:
    return [{"id": f"fn-{name}", "name": name, "code": code} for name, (code, _, _) in FUNCTIONS.items()]


def make_cases(batch: list[Row]) -> list[Row]:
    out = []
    for row in batch:
        _, fn, inputs = FUNCTIONS[row["name"]]
        out.append({**row, "cases": [{"input": repr(x), "output": repr(fn(x))} for x in inputs]})
    return out


def infer_prompt(row: Row) -> str:
    cases = "\n".join(f"{row['name']}({c['input']}) == {c['output']}" for c in row["cases"])
    return f"Write the Python function `{row['name']}` that satisfies:\n{cases}"


def infer_parse(row: Row, result: ChatResult) -> Row:
    return {**row, "prompt": infer_prompt(row), "answer": result.text.strip()}


def to_records(batch: list[Row]) -> list[list[Row]]:
    return [
        [
            {"format": "instruction", "instruction": row["prompt"], "output": row["answer"], "reference": row["code"]},
            {"format": "chat", "messages": [{"role": "user", "content": row["prompt"]},
                                            {"role": "assistant", "content": row["answer"]}]},
        ]
        for row in batch
    ]


def case2code_pipeline(settings: Any = None) -> Pipeline:
    return Pipeline(
        "case2code-demo",
        [
            Stage("cases", make_cases),
            ModelStage("infer", infer_prompt, infer_parse, options=_options(256)),
            Stage("records", to_records, kind="flat_map"),
        ],
        source=case2code_rows,
        description="Case2Code-style synthesis over six reference functions",
    )


def _options(max_tokens: int):
    from plait.core.models.base import ChatOptions

    return ChatOptions(temperature=0.0, max_tokens=max_tokens, seed=0)
