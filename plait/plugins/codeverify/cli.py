"""The code-verification commands: ``plait code verify``, ``plait synth unitcoder|case2code``,
``plait eval case2code``.

``code`` is this capability's noun; ``synth`` and ``eval`` are the task groups every data
capability adds to (synthesis and evaluation), so a user finds all synthesis under one word.
Input data is ``--data FILE``; the positional spelling of earlier releases still works with a
deprecation notice.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Annotated, Optional

import typer

from plait.cli.common import JsonOption, ModelOption, console, deprecated, pick, print_json, settings_for, subgroup
from plait.core.errors import InputError
from plait.core.io import atomic_write_json, read_jsonl, write_jsonl

BackendOption = Annotated[Optional[str], typer.Option("--backend", "-b", help="sandbox backend (default: strongest available)")]
RoundsOption = Annotated[int, typer.Option("--rounds", "-R", help="fix rounds at most")]
CandidatesOption = Annotated[int, typer.Option("--candidates", help="fix candidates per round")]
# `-k` means retrieval hits everywhere else in plait; the fix-candidate spelling goes next release.
OldKOption = Annotated[Optional[int], typer.Option("--k", "-k", hidden=True)]


def _data(data: Optional[Path], legacy: Optional[Path], command: str) -> Path:
    path = pick(data, legacy, f"`{command} FILE`", f"`{command} --data FILE`")
    if path is None:
        raise InputError(f"{command} needs its input: --data FILE")
    return path


def _candidates(candidates: int, old_k: Optional[int]) -> int:
    if old_k is not None:
        deprecated("`--k/-k` (fix candidates)", "`--candidates`")
        return old_k
    return candidates


def _progress(total: int, label: str):
    from tqdm import tqdm

    return tqdm(total=total, desc=label, unit="item", disable=None, leave=False)

def eval_case2code(
    ref: Annotated[Path, typer.Option("--ref", help="reference set in the Case2Code test format (example_str, example_outputs, func_name, id)")],
    data: Annotated[Optional[Path], typer.Option("--data", help='predicted programs, JSONL lines {"id", "code"}')] = None,
    backend: BackendOption = None,
    workers: Annotated[int, typer.Option("--workers", help="sandbox runs in parallel")] = 2,
    out: Annotated[Optional[Path], typer.Option("--out", help="write one JSONL line per reference item here")] = None,
    as_json: JsonOption = False,
    legacy_pred: Annotated[Optional[Path], typer.Argument(hidden=True, metavar="[PRED]")] = None,
) -> None:
    """Score predicted programs: run each on every stored input in the sandbox and compare return
    reprs and exception texts exactly with the recorded outputs."""
    from plait.plugins.codeverify.case2code import evaluate

    pred = _data(data, legacy_pred, "plait eval case2code")
    refs = read_jsonl(ref, what="reference", required=["id", "func_name", "example_str", "example_outputs"])
    preds = read_jsonl(pred, what="prediction", required=["id", "code"])
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
    out: Annotated[Path, typer.Option("--out", help="output directory (case2code.jsonl, stats.json)")],
    data: Annotated[Optional[Path], typer.Option("--data", help='code corpus, JSONL lines {"id", "content"}')] = None,
    model: ModelOption = None,
    inputs: Annotated[int, typer.Option("--inputs", help="example inputs asked per function")] = 10,
    limit: Annotated[Optional[int], typer.Option("--limit", help="use only the first N corpus rows")] = None,
    seed: Annotated[int, typer.Option("--seed", help="seed of the prompt-template choice")] = 0,
    backend: BackendOption = None,
    as_json: JsonOption = False,
    legacy_corpus: Annotated[Optional[Path], typer.Argument(hidden=True, metavar="[CORPUS]")] = None,
) -> None:
    """Case2Code data: harvest self-contained functions, have the model write literal example inputs,
    run them in the sandbox, keep functions with at least one non-raising case, render prompts."""
    from plait.core.models import get_chat_model
    from plait.plugins.codeverify.case2code import synthesize

    corpus = _data(data, legacy_corpus, "plait synth case2code")
    rows = read_jsonl(corpus, what="corpus", required=["content"])[:limit]
    settings = settings_for(model)
    chat = get_chat_model(settings.model, settings)
    with _progress(len(rows), "case2code") as bar:
        records, stats = synthesize(rows, chat, n_inputs=inputs, backend=backend, seed=seed, progress=bar.update)
    write_jsonl(out / "case2code.jsonl", records)
    stats.update(model=settings.model, out=str(out / "case2code.jsonl"))
    atomic_write_json(out / "stats.json", stats)
    if as_json:
        print_json(stats)
        return
    console.print(f"{stats['kept']} functions kept of {stats['functions']} harvested ({stats['cases']} cases; "
                  f"{stats['no_inputs']} without usable inputs, {stats['all_raised']} where every case raised) -> {stats['out']}",
                  highlight=False)


def _coder(model: str | None, backend: str | None):
    from plait.plugins.codeverify.graph import UnitCoder
    from plait.core.models import get_chat_model

    settings = settings_for(model)
    return UnitCoder(get_chat_model(settings.model, settings), backend=backend), settings.model


def _default_entry(code: str, file: Path) -> str:
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        raise InputError(f"{file} does not parse: {exc}") from None
    names = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    if not names:
        raise InputError(f"{file} defines no top-level function; pass --entry NAME")
    return names[-1]


def code_verify(
    file: Annotated[Path, typer.Argument(help="Python file with the function to verify")],
    entry: Annotated[Optional[str], typer.Option("--entry", help="function name (default: the last top-level function)")] = None,
    task: Annotated[Optional[str], typer.Option("--task", help="what the function should do (helps the tests)")] = None,
    rounds: RoundsOption = 3,
    candidates: CandidatesOption = 3,
    old_k: OldKOption = None,
    polish: Annotated[bool, typer.Option("--polish/--no-polish", help="also ask for a polished version that must still pass")] = False,
    out: Annotated[Optional[Path], typer.Option("--out", help="write the verified (fixed/polished) code here")] = None,
    model: ModelOption = None,
    backend: BackendOption = None,
    as_json: JsonOption = False,
) -> None:
    """UnitCoder: the model writes unit tests, the sandbox runs them, failed code is repaired in
    up to R rounds of k candidates (tests fixed, only the code edited), optionally polished."""
    if not file.is_file():
        raise InputError(f"file {file} does not exist")
    code = file.read_text(encoding="utf-8")
    entry = entry or _default_entry(code, file)
    coder, model_name = _coder(model, backend)
    state = coder.verify(code, entry, task=task, rounds=rounds, k=_candidates(candidates, old_k), polish=polish)
    final = state.get("polished") or state.get("code")
    if out and state.get("status") in ("passed", "polished"):
        out.write_text(final, encoding="utf-8")
    data = {
        "status": state.get("status"), "entry": entry, "passed_round": state.get("passed_round"),
        "rounds": state.get("round", 0), "tests": state.get("tests"), "code": state.get("code"),
        "polished": state.get("polished"), "history": state.get("history", []), "backend": state.get("backend"),
        "model": model_name,
    }
    if as_json:
        print_json(data)
        return
    status = data["status"]
    colour = "green" if status in ("passed", "polished") else "red"
    console.print(f"[{colour}]{status}[/{colour}] {entry}: "
                  + (f"passed at round {data['passed_round']}" if data["passed_round"] is not None else f"after {data['rounds']} rounds")
                  + (f" (backend {data['backend']})" if data["backend"] else ""), highlight=False)
    for h in data["history"]:
        console.print(f"  round {h['round']} {h['stage']}: {'pass' if h['passed'] else 'fail'}", highlight=False)
    raise typer.Exit(0 if status in ("passed", "polished") else 1)


def synth_unitcoder(
    out: Annotated[Path, typer.Option("--out", help="output directory: passed/failed/polished.jsonl, trajectories.jsonl, stats.json")],
    allowed: Annotated[Optional[str], typer.Option("--allowed", help="comma list of packages a function may import (default: a stdlib set)")] = None,
    data: Annotated[Optional[Path], typer.Option("--data", help='code corpus, JSONL lines {"id", "content"}')] = None,
    rounds: RoundsOption = 3,
    candidates: CandidatesOption = 3,
    old_k: OldKOption = None,
    polish: Annotated[bool, typer.Option("--polish/--no-polish", help="polish passing functions")] = True,
    limit: Annotated[Optional[int], typer.Option("--limit", help="use only the first N corpus rows")] = None,
    model: ModelOption = None,
    backend: BackendOption = None,
    as_json: JsonOption = False,
    legacy_corpus: Annotated[Optional[Path], typer.Argument(hidden=True, metavar="[CORPUS]")] = None,
) -> None:
    """UnitCoder data: extract functions whose imports are allowed, verify each with the graph, write
    trajectories (passed / failed / polished) and pass rates per round."""
    from plait.plugins.codeverify.unitcoder import DEFAULT_ALLOWED, run_corpus

    corpus = _data(data, legacy_corpus, "plait synth unitcoder")
    rows = read_jsonl(corpus, what="corpus", required=["content"])[:limit]
    packages = tuple(p.strip() for p in allowed.split(",") if p.strip()) if allowed else DEFAULT_ALLOWED
    coder, model_name = _coder(model, backend)
    with _progress(len(rows), "unitcoder") as bar:
        trajectories, stats = run_corpus(rows, coder, allowed=packages, rounds=rounds, k=_candidates(candidates, old_k), polish=polish,
                                          progress=bar.update)
    write_jsonl(out / "trajectories.jsonl", trajectories)
    write_jsonl(out / "passed.jsonl", [t for t in trajectories if t["status"] in ("passed", "polished")])
    write_jsonl(out / "polished.jsonl", [t for t in trajectories if t["status"] == "polished"])
    write_jsonl(out / "failed.jsonl", [t for t in trajectories if t["status"] in ("failed", "no_tests")])
    stats.update(model=model_name, out=str(out))
    atomic_write_json(out / "stats.json", stats)
    if as_json:
        print_json(stats)
        return
    rates = ", ".join(f"round {r}: {v:.2f}" for r, v in stats["pass_rate_by_round"].items())
    console.print(f"{stats['functions']} functions: {stats['passed']} passed ({stats['polished']} polished), "
                  f"{stats['failed']} failed, {stats['no_tests']} without usable tests; pass rate {rates} -> {out}",
                  highlight=False)


def register(cli: typer.Typer) -> None:
    code = subgroup(cli, "code", "Verify code with model-written unit tests (UnitCoder).")
    code.command("verify")(code_verify)
    synth = subgroup(cli, "synth", "Synthesise training data.")
    synth.command("case2code")(synth_case2code)
    synth.command("unitcoder")(synth_unitcoder)
    ev = subgroup(cli, "eval", "Evaluate plait components on datasets.")
    ev.command("case2code")(eval_case2code)
