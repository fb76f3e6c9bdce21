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

Under ``--preset paper`` (see ``case2code_presets.py``) the inputs stage asks for generator code
that the cases stage runs in the sandbox before the function (``case2code_executed``), and the
render stage shows k in [3, n] cases with the paper's scheme (``case2code_render``), recording
the held-out case indices in the record.
"""

from __future__ import annotations

import random
from functools import partial
from typing import Any

from plait.core.models.base import ChatOptions, ChatResult
from plait.pipeline import ModelStage, Pipeline, Stage
from plait.plugins.codeverify.case2code import (
    EXCEPTION_MARKER, Harvested, examples_str, harvest, inputs_prompt, parse_inputs, render_prompt, run_cases, shown_output,
)
from plait.plugins.codeverify.case2code_executed import generator_code, generator_prompt, run_generator
from plait.plugins.codeverify.case2code_presets import effective
from plait.plugins.codeverify.case2code_render import render_paper

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


def ask_prompt(row: Row, n: int, input_mode: str = "literal") -> str:
    if input_mode == "executed":
        return generator_prompt(row["code"], row["func_name"], list(row["params"]), list(row["required"]), n)
    return inputs_prompt(_fn(row), n)


def read_inputs(row: Row, result: ChatResult, n: int, input_mode: str = "literal") -> Row:
    # a reply with no usable literal (or no generator code) is not an error: the function is
    # counted as ``no_inputs``
    if input_mode == "executed":
        return {**row, "generator": generator_code(result.text or "")}
    return {**row, "inputs": parse_inputs(result.text or "", _fn(row), n)}


def generate_inputs(row: Row, backend: str | None, n: int) -> Row:
    """Executed mode: run the model's generator in the sandbox; its literal inputs become ``inputs``."""
    if not row.get("generator"):
        return {**row, "inputs": []}
    inputs, result, error = run_generator(row["generator"], list(row["params"]), list(row["required"]), n, backend=backend)
    return {**row, "inputs": inputs, "generator_error": error, "backend": result.backend}


def run_case_rows(batch: list[Row], backend: str | None, input_mode: str = "literal", n: int = 10) -> list[Row]:
    out = []
    for row in batch:
        if input_mode == "executed" and "inputs" not in row:
            row = generate_inputs(row, backend, n)
        if not row.get("inputs"):
            out.append({**row, "outputs": []})
            continue
        outputs, result = run_cases(row["code"], row["func_name"], inputs_src=row["inputs"], backend=backend)
        out.append({**row, "outputs": outputs, "backend": result.backend, "sandbox_status": result.status})
    return out


def render_one(row: Row, seed: int, render: str = "plait", min_shown: int | None = None) -> Row:
    base = {"id": row["id"], "source_id": row["source_id"], "func_name": row["func_name"], "code": row["code"]}
    if row.get("generator_error"):
        base["generator_error"] = row["generator_error"]
    if not row.get("inputs"):
        return {**base, "status": "no_inputs", "record": None}
    # a case whose input or shown output carries the marker itself would leak it into the prompt
    pairs = [(i, o) for i, o in zip(row["inputs"], row["outputs"])
             if o is not None and EXCEPTION_MARKER not in i and EXCEPTION_MARKER not in shown_output(o)]
    if not pairs or all("error" in o for _, o in pairs):
        return {**base, "status": "all_raised", "record": None}
    ins, outs = [p[0] for p in pairs], [p[1] for p in pairs]
    rng = random.Random(f"{seed}:{row['id']}")
    if render == "paper":
        shown = render_paper(row["func_name"], ins, [shown_output(o) for o in outs], rng, min_shown)
        prompt, template, shown_idx, held_out = shown.prompt, shown.template, shown.shown, shown.held_out
    else:
        prompt, template = render_prompt(row["func_name"], ins, outs, rng)
        shown_idx, held_out = list(range(len(ins))), []
    record = {
        "id": row["id"], "func_name": row["func_name"], "code": row["code"],
        "example_inputs": ins, "example_outputs": outs, "prompt": prompt,
        "output": f"The function is:\n\n```python\n{row['code']}\n```",
        "template": template, "backend": row.get("backend"),
        # indices into example_inputs: which cases the prompt shows, which it holds out for checking
        "shown": shown_idx, "held_out": held_out,
        # the inputs as the published test set stores them, so a record is a reference for `eval case2code`
        "example_str": examples_str(ins),
    }
    if row.get("generator") is not None:
        record["generator"] = row["generator"]
    return {**base, "status": "kept", "record": record}


def render_rows(batch: list[Row], seed: int, render: str = "plait", min_shown: int | None = None) -> list[Row]:
    return [render_one(row, seed, render, min_shown) for row in batch]


def keep_records(batch: list[Row]) -> list[list[Row]]:
    return [[row["record"]] if row.get("record") else [] for row in batch]


def case2code_pipeline(*, source: Any = None, n_inputs: int | None = None, seed: int = 0, backend: str | None = None,
                       model: str | None = None, preset: str | None = None, render: str | None = None,
                       min_shown: int | None = None, input_mode: str | None = None,
                       temperature: float | None = None) -> Pipeline:
    """``model`` None: the configured model (``--model`` / ``PLAIT_MODEL``) at run time. Settings not
    given come from ``preset`` (default: plait's own)."""
    eff = effective(preset, inputs=n_inputs, render=render, min_shown=min_shown, input_mode=input_mode,
                    temperature=temperature)
    check_settings(eff)
    n, mode = int(eff["inputs"]), eff["input_mode"]
    return Pipeline(
        NAME,
        [
            Stage("harvest", harvest_rows, kind="flat_map", batch_size=64),
            ModelStage("inputs", partial(ask_prompt, n=n, input_mode=mode), partial(read_inputs, n=n, input_mode=mode),
                       model=model, options=ChatOptions(temperature=float(eff["temperature"]), max_tokens=600)),
            Stage("cases", partial(run_case_rows, backend=backend, input_mode=mode, n=n), resources="sandbox", batch_size=1),
            Stage("render", partial(render_rows, seed=seed, render=eff["render"], min_shown=eff["min_shown"]), batch_size=64),
            Stage("keep", keep_records, kind="flat_map", batch_size=64),
        ],
        source=source,
        description="Case2Code: functions from a code corpus, model-written inputs, outputs from the sandbox",
        config={"inputs": n, "seed": seed, "backend": backend, "preset": eff["preset"], "render": eff["render"],
                "min_shown": eff["min_shown"], "input_mode": mode, "temperature": eff["temperature"]},
    )


def check_settings(eff: dict[str, Any]) -> None:
    """Bad values named with their flag and the accepted ones."""
    from plait.core.errors import InputError

    if eff["render"] not in ("plait", "paper"):
        raise InputError(f"--render must be plait or paper, got {eff['render']!r}")
    if eff["input_mode"] not in ("literal", "executed"):
        raise InputError(f"--input-mode must be literal or executed, got {eff['input_mode']!r}")
    if eff["min_shown"] is not None and int(eff["min_shown"]) < 1:
        raise InputError(f"--min-shown must be 1 or more, got {eff['min_shown']}")
    if int(eff["inputs"]) < 1:
        raise InputError(f"--inputs must be 1 or more, got {eff['inputs']}")


def registered(settings: Any) -> Pipeline:
    """The ``case2code`` pipeline of ``plait pipeline run``; options from ``[case2code]`` in the config
    (``preset``, ``inputs``, ``seed``, ``backend``, ``render``, ``min_shown``, ``input_mode``, ``temperature``)."""
    table = settings.table("case2code")
    return case2code_pipeline(source=table.get("input"), n_inputs=table.get("inputs"), seed=int(table.get("seed", 0)),
                              backend=table.get("backend"), preset=table.get("preset"), render=table.get("render"),
                              min_shown=table.get("min_shown"), input_mode=table.get("input_mode"),
                              temperature=table.get("temperature"))
