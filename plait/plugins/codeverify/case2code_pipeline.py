"""Case2Code synthesis as a pipeline on ``plait.pipeline``:

    harvest (cpu, flat-map: corpus row -> its functions)
      -> inputs (model: literal example inputs per function)
      -> cases (sandbox: the function run on every input, one sandbox run per function)
      -> render (cpu: a training record, or why the function was dropped)
      -> keep (cpu, flat-map: the records only)

Every stage is a plain function over a batch, so the local and the Ray executor run the same code;
the prompt template and case order of a record are drawn from ``Random(f"{seed}:{id}")``, so a
record does not depend on which rows ran before it (or where). ``plait synth case2code`` and
``plait pipeline run case2code`` both run this pipeline.
"""

from __future__ import annotations

import random
from functools import partial
from typing import Any

from plait.core.models.base import ChatOptions, ChatResult
from plait.pipeline import ModelStage, Pipeline, Stage
from plait.plugins.codeverify.case2code import EXCEPTION_MARKER, Harvested, shown_output, harvest, inputs_prompt, parse_inputs, render_prompt, run_cases

Row = dict[str, Any]
NAME = "case2code"
DROPPED = ("no_inputs", "all_raised")


def harvest_rows(batch: list[Row]) -> list[list[Row]]:
    """One row per harvested function; its id ``<corpus id>_<k>`` is the record id of earlier releases."""
    return [
        [{"id": f"{row['id']}_{k}", "source_id": row["id"], "func_name": fn.name, "code": fn.code,
          "params": fn.params, "required": fn.required}
         for k, fn in enumerate(harvest(str(row.get("content", ""))))]
        for row in batch
    ]


def _fn(row: Row) -> Harvested:
    return Harvested(row["func_name"], row["code"], list(row["params"]), list(row["required"]))


def ask_prompt(row: Row, n: int) -> str:
    return inputs_prompt(_fn(row), n)


def read_inputs(row: Row, result: ChatResult, n: int) -> Row:
    # a reply with no usable literal is not an error: the function is counted as ``no_inputs``
    return {**row, "inputs": parse_inputs(result.text or "", _fn(row), n)}


def run_case_rows(batch: list[Row], backend: str | None) -> list[Row]:
    out = []
    for row in batch:
        if not row.get("inputs"):
            out.append({**row, "outputs": []})
            continue
        outputs, result = run_cases(row["code"], row["func_name"], inputs_src=row["inputs"], backend=backend)
        out.append({**row, "outputs": outputs, "backend": result.backend, "sandbox_status": result.status})
    return out


def render_one(row: Row, seed: int) -> Row:
    base = {"id": row["id"], "source_id": row["source_id"], "func_name": row["func_name"], "code": row["code"]}
    if not row.get("inputs"):
        return {**base, "status": "no_inputs", "record": None}
    # a case whose input or shown output carries the marker itself would leak it into the prompt
    pairs = [(i, o) for i, o in zip(row["inputs"], row["outputs"])
             if o is not None and EXCEPTION_MARKER not in i and EXCEPTION_MARKER not in shown_output(o)]
    if not pairs or all("error" in o for _, o in pairs):
        return {**base, "status": "all_raised", "record": None}
    ins, outs = [p[0] for p in pairs], [p[1] for p in pairs]
    prompt, template = render_prompt(row["func_name"], ins, outs, random.Random(f"{seed}:{row['id']}"))
    record = {
        "id": row["id"], "func_name": row["func_name"], "code": row["code"],
        "example_inputs": ins, "example_outputs": outs, "prompt": prompt,
        "output": f"The function is:\n\n```python\n{row['code']}\n```",
        "template": template, "backend": row.get("backend"),
    }
    return {**base, "status": "kept", "record": record}


def render_rows(batch: list[Row], seed: int) -> list[Row]:
    return [render_one(row, seed) for row in batch]


def keep_records(batch: list[Row]) -> list[list[Row]]:
    return [[row["record"]] if row.get("record") else [] for row in batch]


def case2code_pipeline(*, source: Any = None, n_inputs: int = 10, seed: int = 0, backend: str | None = None,
                       model: str | None = None) -> Pipeline:
    """``model`` None: the configured model (``--model`` / ``PLAIT_MODEL``) at run time."""
    return Pipeline(
        NAME,
        [
            Stage("harvest", harvest_rows, kind="flat_map", batch_size=64),
            ModelStage("inputs", partial(ask_prompt, n=n_inputs), partial(read_inputs, n=n_inputs), model=model,
                       options=ChatOptions(temperature=0.7, max_tokens=600)),
            Stage("cases", partial(run_case_rows, backend=backend), resources="sandbox", batch_size=1),
            Stage("render", partial(render_rows, seed=seed), batch_size=64),
            Stage("keep", keep_records, kind="flat_map", batch_size=64),
        ],
        source=source,
        description="Case2Code: functions from a code corpus, model-written inputs, outputs from the sandbox",
        config={"inputs": n_inputs, "seed": seed, "backend": backend},
    )


def registered(settings: Any) -> Pipeline:
    """The ``case2code`` pipeline of ``plait pipeline run``; options from ``[case2code]`` in the config."""
    table = settings.table("case2code")
    return case2code_pipeline(source=table.get("input"), n_inputs=int(table.get("inputs", 10)),
                              seed=int(table.get("seed", 0)), backend=table.get("backend"))
