"""``plait code verify``, ``plait synth unitcoder|case2code``, ``plait eval case2code``."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from plait.cli.common import JsonOption, ModelOption, console, print_json, settings_for, subgroup

BackendOption = Annotated[Optional[str], typer.Option("--backend", "-b", help="sandbox backend (default: strongest available)")]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    """Write atomically: a crash never leaves a half-written file in place of a good one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    os.replace(tmp, path)


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _progress(total: int, label: str):
    from tqdm import tqdm

    return tqdm(total=total, desc=label, unit="item", disable=None, leave=False)


def eval_case2code(
    pred: Annotated[Path, typer.Argument(help='predicted programs, JSONL lines {"id", "code"}')],
    ref: Annotated[Path, typer.Option("--ref", help="reference set in the Case2Code test format (example_str, example_outputs, func_name, id)")],
    backend: BackendOption = None,
    workers: Annotated[int, typer.Option("--workers", help="sandbox runs in parallel")] = 2,
    out: Annotated[Optional[Path], typer.Option("--out", help="write one JSONL line per reference item here")] = None,
    as_json: JsonOption = False,
) -> None:
    """Score predicted programs: run each on every stored input in the sandbox and compare return
    reprs and exception texts exactly with the recorded outputs."""
    from plait.plugins.codeverify.case2code import evaluate, read_jsonl

    refs = read_jsonl(ref, "reference", ["id", "func_name", "example_str", "example_outputs"])
    preds = read_jsonl(pred, "prediction", ["id", "code"])
    with _progress(len(refs), "case2code") as bar:
        summary = evaluate(preds, refs, backend=backend, workers=workers, progress=bar.update)
    if out:
        write_jsonl(out, summary["items"])
    if as_json:
        print_json(summary)
        return
    console.print(f"accuracy {summary['accuracy']:.3f} ({summary['correct']}/{summary['n']}), "
                  f"case accuracy {summary['case_accuracy']:.3f}, missing {summary['missing']}, "
                  f"backend {', '.join(summary['backends']) or '-'}", highlight=False)


def synth_case2code(
    corpus: Annotated[Path, typer.Argument(help='code corpus, JSONL lines {"id", "content"}')],
    out: Annotated[Path, typer.Option("--out", help="output directory (case2code.jsonl, stats.json)")],
    model: ModelOption = None,
    inputs: Annotated[int, typer.Option("--inputs", help="example inputs asked per function")] = 10,
    limit: Annotated[Optional[int], typer.Option("--limit", help="use only the first N corpus rows")] = None,
    seed: Annotated[int, typer.Option("--seed", help="seed of the prompt-template choice")] = 0,
    backend: BackendOption = None,
    as_json: JsonOption = False,
) -> None:
    """Case2Code data: harvest self-contained functions, have the model write literal example inputs,
    run them in the sandbox, keep functions with at least one non-raising case, render prompts."""
    from plait.core.models import get_chat_model
    from plait.plugins.codeverify.case2code import read_jsonl, synthesize

    rows = read_jsonl(corpus, "corpus", ["content"])[:limit]
    settings = settings_for(model)
    chat = get_chat_model(settings.model, settings)
    with _progress(len(rows), "case2code") as bar:
        records, stats = synthesize(rows, chat, n_inputs=inputs, backend=backend, seed=seed, progress=bar.update)
    write_jsonl(out / "case2code.jsonl", records)
    stats.update(model=settings.model, out=str(out / "case2code.jsonl"))
    write_json(out / "stats.json", stats)
    if as_json:
        print_json(stats)
        return
    console.print(f"{stats['kept']} functions kept of {stats['functions']} harvested ({stats['cases']} cases; "
                  f"{stats['no_inputs']} without usable inputs, {stats['all_raised']} where every case raised) -> {stats['out']}",
                  highlight=False)


def register(cli: typer.Typer) -> None:
    ev = subgroup(cli, "eval", "Evaluate plait components on datasets.")
    ev.command("case2code")(eval_case2code)
    synth = subgroup(cli, "synth", "Synthesise training data.")
    synth.command("case2code")(synth_case2code)
    try:
        from plait.plugins.codeverify import unitcoder_cli
    except ImportError:  # the UnitCoder part is optional until it lands
        return
    unitcoder_cli.register(cli)
