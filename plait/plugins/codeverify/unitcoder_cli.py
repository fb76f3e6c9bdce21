"""``plait code verify FILE.py`` and ``plait synth unitcoder CORPUS.jsonl --out DIR``."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Annotated, Optional

import typer

from plait.cli.common import JsonOption, ModelOption, console, print_json, settings_for, subgroup
from plait.plugins.codeverify.cli import BackendOption, _progress, write_json, write_jsonl

RoundsOption = Annotated[int, typer.Option("--rounds", "-R", help="fix rounds at most")]
KOption = Annotated[int, typer.Option("--k", "-k", help="fix candidates per round")]


def _coder(model: str | None, backend: str | None):
    from plait.agents.unitcoder import UnitCoder
    from plait.core.models import get_chat_model

    settings = settings_for(model)
    return UnitCoder(get_chat_model(settings.model, settings), backend=backend), settings.model


def _default_entry(code: str, file: Path) -> str:
    from plait.core.errors import InputError

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
    k: KOption = 3,
    polish: Annotated[bool, typer.Option("--polish/--no-polish", help="also ask for a polished version that must still pass")] = False,
    out: Annotated[Optional[Path], typer.Option("--out", help="write the verified (fixed/polished) code here")] = None,
    model: ModelOption = None,
    backend: BackendOption = None,
    as_json: JsonOption = False,
) -> None:
    """UnitCoder: the model writes unit tests, the sandbox runs them, failed code is repaired in
    up to R rounds of k candidates (tests fixed, only the code edited), optionally polished."""
    from plait.core.errors import InputError

    if not file.is_file():
        raise InputError(f"file {file} does not exist")
    code = file.read_text(encoding="utf-8")
    entry = entry or _default_entry(code, file)
    coder, model_name = _coder(model, backend)
    state = coder.verify(code, entry, task=task, rounds=rounds, k=k, polish=polish)
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
    corpus: Annotated[Path, typer.Argument(help='code corpus, JSONL lines {"id", "content"}')],
    out: Annotated[Path, typer.Option("--out", help="output directory: passed/failed/polished.jsonl, trajectories.jsonl, stats.json")],
    allowed: Annotated[Optional[str], typer.Option("--allowed", help="comma list of packages a function may import (default: a stdlib set)")] = None,
    rounds: RoundsOption = 3,
    k: KOption = 3,
    polish: Annotated[bool, typer.Option("--polish/--no-polish", help="polish passing functions")] = True,
    limit: Annotated[Optional[int], typer.Option("--limit", help="use only the first N corpus rows")] = None,
    model: ModelOption = None,
    backend: BackendOption = None,
    as_json: JsonOption = False,
) -> None:
    """UnitCoder data: extract functions whose imports are allowed, verify each with the graph, write
    trajectories (passed / failed / polished) and pass rates per round."""
    from plait.plugins.codeverify.case2code import read_jsonl
    from plait.plugins.codeverify.unitcoder import DEFAULT_ALLOWED, run_corpus

    rows = read_jsonl(corpus, "corpus", ["content"])[:limit]
    packages = tuple(p.strip() for p in allowed.split(",") if p.strip()) if allowed else DEFAULT_ALLOWED
    coder, model_name = _coder(model, backend)
    with _progress(len(rows), "unitcoder") as bar:
        trajectories, stats = run_corpus(rows, coder, allowed=packages, rounds=rounds, k=k, polish=polish, progress=bar.update)
    write_jsonl(out / "trajectories.jsonl", trajectories)
    write_jsonl(out / "passed.jsonl", [t for t in trajectories if t["status"] in ("passed", "polished")])
    write_jsonl(out / "polished.jsonl", [t for t in trajectories if t["status"] == "polished"])
    write_jsonl(out / "failed.jsonl", [t for t in trajectories if t["status"] in ("failed", "no_tests")])
    stats.update(model=model_name, out=str(out))
    write_json(out / "stats.json", stats)
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
    synth.command("unitcoder")(synth_unitcoder)
