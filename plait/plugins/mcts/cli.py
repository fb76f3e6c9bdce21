"""``plait synth mcts``: FastMCTS (or the rejection-sampling baseline) over a problem set."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from plait import InputError, read_jsonl, subgroup
from plait.cli.common import JsonOption, console, print_json, settings_for

MethodOption = Annotated[str, typer.Option("--method", help="mcts (FastMCTS) or rejection (k independent samples per problem)")]


def _problems(data: Optional[Path], env: Optional[str], n: int, steps: int, seed: int) -> list[dict]:
    if env is not None:
        if env != "chain":
            raise InputError(f"unknown environment {env!r}; plait synth mcts offers --env chain")
        if data is not None:
            raise InputError("give either --data FILE or --env chain, not both")
        from plait.plugins.mcts.chain import make_problems

        return make_problems(n, steps=steps, seed=seed)
    if data is None:
        raise InputError("plait synth mcts needs problems: --data PROBLEMS.jsonl (lines {\"id\", \"question\", "
                         "\"answer\"}) or --env chain --problems N")
    rows = read_jsonl(data, what="problem", required=["question", "answer"])
    seen: set[str] = set()
    for i, row in enumerate(rows, 1):
        row["id"] = str(row.get("id", i))  # a row without an id gets its line number
        if row["id"] in seen:
            raise InputError(f"{data}:{i}: problem id {row['id']!r} appears twice; ids must be unique")
        seen.add(row["id"])
    return rows


def synth_mcts(
    out: Annotated[Path, typer.Option("--out", help="directory for paths.jsonl, tree.jsonl, pairs.jsonl, stats.jsonl, summary.json")],
    budget_tokens: Annotated[int, typer.Option("--budget-tokens", min=1, help="generated (completion) tokens for the whole problem set")],
    data: Annotated[Optional[Path], typer.Option("--data", help='problems, JSONL lines {"id", "question", "answer"}')] = None,
    method: MethodOption = "mcts",
    model: Annotated[Optional[str], typer.Option("--model", "-m", help="policy model (default PLAIT_MODEL; with --env chain: chain/20)")] = None,
    executor: Annotated[str, typer.Option("--executor", "-e", help="local or ray (the `mcts` pipeline on the batch engine; see docs/synthesis.md)")] = "local",
    env: Annotated[Optional[str], typer.Option("--env", help="a generated environment instead of --data: chain")] = None,
    problems: Annotated[int, typer.Option("--problems", min=1, help="with --env chain: how many problems")] = 20,
    steps: Annotated[int, typer.Option("--steps", min=1, help="with --env chain: steps per problem")] = 5,
    seed: Annotated[int, typer.Option("--seed", help="seeds rollouts (and the chain problems)")] = 0,
    dynamic: Annotated[bool, typer.Option("--dynamic/--fixed", help="dynamic exploration, or a fixed constant --c and equal budgets")] = True,
    c: Annotated[float, typer.Option("--c", help="exploration constant with --fixed")] = 1.0,
    c_min: Annotated[float, typer.Option("--c-min", help="dynamic: constant of a problem that always succeeds")] = 0.5,
    c_max: Annotated[float, typer.Option("--c-max", help="dynamic: constant of a problem that never succeeds")] = 2.0,
    target_paths: Annotated[int, typer.Option("--target-paths", help="dynamic: a problem stops at this many distinct correct paths (0: never)")] = 32,
    stay: Annotated[float, typer.Option("--stay", help="weight of the stay score (opening a new child rather than descending)")] = 0.5,
    pair_margin: Annotated[float, typer.Option("--pair-margin", help="Branch-DPO: least Q gap between chosen and rejected")] = 0.3,
    pair_min_n: Annotated[int, typer.Option("--pair-min-n", help="Branch-DPO: least N of both children")] = 2,
    pair_max_rejected_q: Annotated[float, typer.Option("--pair-max-rejected-q", help="Branch-DPO: highest Q a rejected child may have")] = 0.2,
    temperature: Annotated[float, typer.Option("--temperature", help="sampling temperature of rollouts")] = 0.8,
    max_tokens: Annotated[int, typer.Option("--max-tokens", help="completion tokens per rollout at most")] = 1024,
    as_json: JsonOption = False,
) -> None:
    """Synthesise verified reasoning paths with FastMCTS (or rejection sampling at the same token count):
    SFT paths, the tree with per-node N/Q/tokens, Branch-DPO pairs and per-problem stats. Runs the
    `mcts` pipeline (local or Ray); a rerun with the same --out resumes it."""
    from plait.pipeline import read_outputs, run, runs_dir
    from plait.pipeline.options import check_run_options
    from plait.pipeline.progress import NoProgress, RichProgress
    from plait.plugins.mcts.outputs import merge, summary_of, write_outputs
    from plait.plugins.mcts.pipeline import mcts_pipeline
    from plait.plugins.mcts.search import SearchConfig

    if method not in ("mcts", "rejection"):
        raise InputError(f"unknown --method {method!r}; use mcts or rejection")
    if executor not in ("local", "ray"):
        raise InputError(f"unknown --executor {executor!r}; use local or ray")
    rows = _problems(data, env, problems, steps, seed)
    # the engine keeps its run in OUT/runs/mcts/ (OUT is the run's home), as synth case2code does
    settings = settings_for(model or ("chain/20" if env == "chain" else None)).model_copy(update={"home": out})
    cfg = SearchConfig(method=method, c=c, c_min=c_min, c_max=c_max, dynamic=dynamic, target_paths=target_paths,
                       stay=stay, pair_margin=pair_margin, pair_min_n=pair_min_n,
                       pair_max_rejected_q=pair_max_rejected_q, seed=seed,
                       temperature=temperature, max_tokens=max_tokens)
    pipeline = mcts_pipeline(settings, rows, budget_tokens, cfg)
    options = {"data": str(data.resolve()) if data else None, "env": env, "problems": len(rows),
               "model": settings.model, **pipeline.config}
    check_run_options(runs_dir(settings, pipeline.name) / "options.json", options, what="synth mcts", out=out)
    run_summary = run(pipeline, settings=settings, executor=executor, concurrency=1,
                      progress=NoProgress() if as_json else RichProgress())
    done = read_outputs(pipeline.name, "search", settings)
    if run_summary["errors"] or len(done) != len(rows):
        from plait.pipeline.store import LOG_NAME, read_log

        errors = read_log(runs_dir(settings, pipeline.name) / "search" / LOG_NAME).errors()
        why = errors[0]["error"] if errors else "the search did not finish"
        raise InputError(f"synth mcts: the search failed ({why}); fix the cause and rerun the same command to retry")
    result = summary_of(method, [d["stats"] for d in done])
    write_outputs(out, merge(done), result)
    if as_json:
        print_json(result)
        return
    console.print(f"{method}: {result['distinct_correct_paths']} distinct correct paths "
                  f"({result['correct_paths']} correct rollouts) from {result['generated_tokens']} tokens, "
                  f"{result['correct_paths_per_1k_tokens']:.3f} per 1k; {result['problems_solved']}/{result['problems']} "
                  f"problems solved; rows in {out}", highlight=False)


def register(cli: typer.Typer) -> None:
    synth = subgroup(cli, "synth", "Synthesise training data.")
    synth.command("mcts")(synth_mcts)
