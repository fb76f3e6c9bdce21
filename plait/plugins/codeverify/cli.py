"""The code-verification commands: ``plait code verify``, ``plait synth unitcoder|case2code``,
``plait eval case2code``.

``code`` is this capability's noun; ``synth`` and ``eval`` are the task groups every data
capability adds to (synthesis and evaluation), so a user finds all synthesis under one word.
Input data is ``--data FILE``; the positional spelling of earlier releases still works with a
deprecation notice.
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path
from typing import Annotated, Optional

import typer

from plait.cli.common import ItemsOutOption, JsonOption, ModelOption, console, deprecated, pick, print_json, settings_for, subgroup
from plait.core.errors import InputError
from plait.core.io import atomic_write_json, read_jsonl, write_jsonl
from plait.core.presets import preset_option

BackendOption = Annotated[Optional[str], typer.Option("--backend", "-b", help="sandbox backend (default: strongest available)")]
RoundsOption = Annotated[int, typer.Option("--rounds", "-R", help="fix rounds at most")]
CandidatesOption = Annotated[int, typer.Option("--candidates", help="fix candidates per round")]
# `-k` means retrieval hits everywhere else in plait; the fix-candidate spelling goes next release.
OldKOption = Annotated[Optional[int], typer.Option("--k", "-k", hidden=True)]
ExecutorOption = Annotated[str, typer.Option("--executor", "-e", help="local (threads) or ray (Ray Data)")]
ConcurrencyOption = Annotated[Optional[int], typer.Option("--concurrency", "-c", help="model requests / sandbox runs in flight (default \\[pipeline] concurrency or 8)")]
RayAddressOption = Annotated[Optional[str], typer.Option("--ray-address", help="with --executor ray: the cluster to join (auto, ray://head:10001); default: start a local one")]
PresetOption = preset_option()


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
    samples: Annotated[Optional[int], typer.Option("--samples", help="predictions scored per reference (the first K lines of each id); reports pass@1..K (default: the preset's, 1)")] = None,
    preset: PresetOption = None,
    items_out: ItemsOutOption = None,
    items_model: Annotated[Optional[str], typer.Option(
        "--items-model", help="the model column of the --items-out rows (default: the predictions file's "
                              "name without extension)")] = None,
    as_json: JsonOption = False,
    legacy_pred: Annotated[Optional[Path], typer.Argument(hidden=True, metavar="[PRED]")] = None,
) -> None:
    """Score predicted programs: run each on every stored input in the sandbox and compare return
    reprs and exception texts exactly with the recorded outputs. With --samples K, pass@1..K
    (the unbiased estimator over K samples per problem). --items-out: one row per reference for
    `plait eval rasch`, score = correct samples out of max_score = K."""
    from plait.core.item_rows import check_items_out, write_item_rows
    from plait.plugins.codeverify.case2code import evaluate, items_table
    from plait.plugins.codeverify.case2code_presets import effective

    check_items_out(items_out)
    settings = effective(preset, samples=samples)
    pred = _data(data, legacy_pred, "plait eval case2code")
    refs = read_jsonl(ref, what="reference", required=["id", "func_name", "example_str", "example_outputs"])
    preds = read_jsonl(pred, what="prediction", required=["id", "code"])
    with _progress(len(refs), "case2code") as bar:
        summary = evaluate(preds, refs, backend=backend, workers=workers, progress=bar.update, samples=int(settings["samples"]))
    summary = {**summary, "preset": settings["preset"], "settings": {"samples": settings["samples"]}}
    if out:
        write_jsonl(out, summary["items"])
    if items_out:
        summary["items_out"] = str(write_item_rows(items_out, items_table(refs, summary["items"], items_model or pred.stem)))
    if as_json:
        print_json(summary)
        return
    passes = ", ".join(f"pass@{k} {v:.3f}" for k, v in summary["pass_at_k"].items())
    console.print(f"accuracy {summary['accuracy']:.3f} ({summary['correct']}/{summary['n']}), {passes}, "
                  f"case accuracy {summary['case_accuracy']:.3f}, missing {summary['missing']}, "
                  f"backend {', '.join(summary['backends']) or '-'}, preset {summary['preset']}"
                  + (f"; item rows in {summary['items_out']}" if items_out else ""), highlight=False)


def synth_case2code(
    out: Annotated[Path, typer.Option("--out", help="output directory (case2code.jsonl, stats.json; the resumable run in runs/)")],
    data: Annotated[Optional[Path], typer.Option("--data", help='code corpus, JSONL lines {"id", "content"}')] = None,
    model: ModelOption = None,
    inputs: Annotated[Optional[int], typer.Option("--inputs", help="example inputs asked per function (default: the preset's, 10)")] = None,
    limit: Annotated[Optional[int], typer.Option("--limit", help="use only the first N corpus rows")] = None,
    seed: Annotated[int, typer.Option("--seed", help="seed of the prompt rendering (template, shown cases, part order)")] = 0,
    backend: BackendOption = None,
    executor: ExecutorOption = "local",
    concurrency: ConcurrencyOption = None,
    ray_address: RayAddressOption = None,
    preset: PresetOption = None,
    input_mode: Annotated[Optional[str], typer.Option("--input-mode", help="literal (parse dict literals, never run) or executed (run the model's `examples = [...]` code in the sandbox); default: the preset's")] = None,
    render: Annotated[Optional[str], typer.Option("--render", help="prompt scheme: plait (5 templates, every case) or paper (the paper's pools, k of n cases shown); default: the preset's")] = None,
    min_shown: Annotated[Optional[int], typer.Option("--min-shown", help="with --render paper: at least this many cases shown, k = randint(N, n); default: the preset's")] = None,
    temperature: Annotated[Optional[float], typer.Option("--temperature", help="sampling temperature of the input writer (default: the preset's)")] = None,
    as_json: JsonOption = False,
    legacy_corpus: Annotated[Optional[Path], typer.Argument(hidden=True, metavar="[CORPUS]")] = None,
) -> None:
    """Case2Code data: harvest self-contained functions, have the model write example inputs (literals,
    or generator code run in the sandbox), run the function on them in the sandbox, keep functions
    with at least one non-raising case, render prompts. Runs the `case2code` pipeline; a rerun with
    the same --out resumes it."""
    from plait.plugins.codeverify.case2code_executed import require_sandbox
    from plait.plugins.codeverify.case2code_pipeline import case2code_pipeline
    from plait.plugins.codeverify.synth_front import corpus_source, engine_stats, first_seen, outputs, run_front, run_settings

    corpus = _data(data, legacy_corpus, "plait synth case2code")
    settings = run_settings(settings_for(model), out)
    pipeline = case2code_pipeline(source=corpus_source(corpus), n_inputs=inputs, seed=seed, backend=backend, preset=preset,
                                  render=render, min_shown=min_shown, input_mode=input_mode, temperature=temperature)
    if pipeline.config["input_mode"] == "executed":
        require_sandbox(backend)
    options = {"data": str(corpus.resolve()), "model": settings.model, **pipeline.config}
    summary = run_front(pipeline, settings, out, options, executor=executor, concurrency=concurrency,
                        ray_address=ray_address, limit=limit, quiet=as_json)
    functions, duplicates = first_seen(outputs(settings, pipeline, "harvest"), "code")
    unique = {f["id"] for f in functions}
    rendered = [r for r in outputs(settings, pipeline, "render") if r["id"] in unique]
    records = [r for r in outputs(settings, pipeline, "keep") if r["id"] in unique]
    write_jsonl(out / "case2code.jsonl", records)
    stats = {
        "rows": summary["stages"][0]["rows_in"], "functions": len(functions),
        "no_inputs": sum(r["status"] == "no_inputs" for r in rendered),
        "all_raised": sum(r["status"] == "all_raised" for r in rendered),
        "kept": len(records), "cases": sum(len(r["example_inputs"]) for r in records), "duplicates": duplicates,
        "held_out": sum(len(r.get("held_out", [])) for r in records),
        "generator_errors": sum(bool(r.get("generator_error")) for r in rendered),
        "model": settings.model, "out": str(out / "case2code.jsonl"), "preset": pipeline.config["preset"],
        "settings": {k: pipeline.config[k] for k in ("render", "min_shown", "input_mode", "inputs", "temperature")},
        **engine_stats(summary),
    }
    atomic_write_json(out / "stats.json", stats)
    if as_json:
        print_json(stats)
        return
    console.print(f"{stats['kept']} functions kept of {stats['functions']} harvested ({stats['cases']} cases; "
                  f"{stats['no_inputs']} without usable inputs, {stats['all_raised']} where every case raised; "
                  f"{stats['held_out']} held out; preset {stats['preset']}) -> {stats['out']}",
                  highlight=False)
    _say_errors(stats["errors"])


def _say_errors(errors: int) -> None:
    if errors:
        console.print(f"[yellow]{errors} rows ended with an error record (see stats.json); "
                      "rerun the same command to try them again[/yellow]", highlight=False)


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
    out: Annotated[Path, typer.Option("--out", help="output directory: passed/failed/polished.jsonl, trajectories.jsonl, stats.json; the resumable run in runs/")],
    allowed: Annotated[Optional[str], typer.Option("--allowed", help="comma list of packages a function may import (default: the preset's; default preset: a stdlib set)")] = None,
    data: Annotated[Optional[Path], typer.Option("--data", help='code corpus, JSONL lines {"id", "content"}')] = None,
    rounds: Annotated[Optional[int], typer.Option("--rounds", "-R", help="fix rounds at most (default: the preset's, 3)")] = None,
    candidates: Annotated[Optional[int], typer.Option("--candidates", help="fix candidates per round (default: the preset's, 3)")] = None,
    old_k: OldKOption = None,
    polish: Annotated[bool, typer.Option("--polish/--no-polish", help="polish passing functions")] = True,
    limit: Annotated[Optional[int], typer.Option("--limit", help="use only the first N corpus rows")] = None,
    model: ModelOption = None,
    backend: Annotated[Optional[str], typer.Option("--backend", "-b", help="sandbox backend, optionally @PROFILE (docker@scientific); the preset's profile is added to a bare name (default: strongest offering it)")] = None,
    preset: Annotated[Optional[str], typer.Option("--preset", help="default (plait's) or paper (the UnitCoder release's: 139-root allow-list, whole-file rejection, 2 passing fixes kept, paper polish, scientific sandbox); explicit flags win")] = None,
    executor: ExecutorOption = "local",
    concurrency: ConcurrencyOption = None,
    ray_address: RayAddressOption = None,
    as_json: JsonOption = False,
    legacy_corpus: Annotated[Optional[Path], typer.Argument(hidden=True, metavar="[CORPUS]")] = None,
) -> None:
    """UnitCoder data: extract functions whose imports are allowed, verify each with the graph, write
    trajectories (passed / failed / polished) and pass rates per round. Runs the `unitcoder`
    pipeline; a rerun with the same --out resumes it."""
    from plait.plugins.codeverify.synth_front import corpus_source, engine_stats, first_seen, outputs, run_front, run_settings
    from plait.plugins.codeverify.unitcoder import pass_rates
    from plait.plugins.codeverify.unitcoder_pipeline import sandbox_spec, unitcoder_options, unitcoder_pipeline

    corpus = _data(data, legacy_corpus, "plait synth unitcoder")
    packages = tuple(p.strip() for p in allowed.split(",") if p.strip()) if allowed else None
    k = old_k if old_k is not None else candidates
    if old_k is not None:
        deprecated("`--k/-k` (fix candidates)", "`--candidates`")
    effective = unitcoder_options(preset, allowed=packages, rounds=rounds, candidates=k)
    # resolved now, so a missing scientific sandbox is named before any model call
    spec = sandbox_spec(backend, effective["sandbox_profile"])
    if spec:  # an explicit --backend docker@minimal wins over the preset's profile: report what runs
        from plait.sandbox.profiles import split_spec

        effective["sandbox_profile"] = split_spec(spec)[1]
    settings = run_settings(settings_for(model), out)
    pipeline = unitcoder_pipeline(settings, source=corpus_source(corpus), options=effective, polish=polish, backend=spec)
    options = {"data": str(corpus.resolve()), "model": settings.model, **pipeline.config}
    summary = run_front(pipeline, settings, out, options, executor=executor, concurrency=concurrency,
                        ray_address=ray_address, limit=limit, quiet=as_json)
    functions, duplicates = first_seen(outputs(settings, pipeline, "extract"), "original")
    unique = {f["id"] for f in functions}
    trajectories = [t for t in outputs(settings, pipeline, "split") if t["id"] in unique]
    for name in ("trajectories", "passed", "polished", "failed"):
        write_jsonl(out / f"{name}.jsonl", [{k: v for k, v in t.items() if k != "files"} for t in trajectories
                                            if name in t["files"]])
    usage = Counter()
    for t in trajectories:
        usage.update(t.get("usage") or {})
    stats = pass_rates(trajectories, summary["stages"][0]["rows_in"], effective["rounds"])
    shown = {key: (list(value) if isinstance(value, tuple) else value) for key, value in effective.items() if key != "preset"}
    stats.update(duplicates=duplicates, unverified=len(functions) - len(trajectories), model=settings.model, out=str(out),
                 preset=effective["preset"], settings={**shown, "polish": polish, "backend": spec},
                 **engine_stats(summary, {"prompt": usage["prompt_tokens"], "completion": usage["completion_tokens"]}))
    atomic_write_json(out / "stats.json", stats)
    if as_json:
        print_json(stats)
        return
    rates = ", ".join(f"round {r}: {v:.2f}" for r, v in stats["pass_rate_by_round"].items())
    console.print(f"{stats['functions']} functions: {stats['passed']} passed ({stats['polished']} polished), "
                  f"{stats['failed']} failed, {stats['no_tests']} without usable tests; pass rate {rates} -> {out} "
                  f"(preset {stats['preset']}, sandbox {spec or 'default'})", highlight=False)
    _say_errors(stats["errors"])


def register(cli: typer.Typer) -> None:
    code = subgroup(cli, "code", "Verify code with model-written unit tests (UnitCoder).")
    code.command("verify")(code_verify)
    synth = subgroup(cli, "synth", "Synthesise training data.")
    synth.command("case2code")(synth_case2code)
    synth.command("unitcoder")(synth_unitcoder)
    ev = subgroup(cli, "eval", "Evaluate plait components on datasets.")
    ev.command("case2code")(eval_case2code)
