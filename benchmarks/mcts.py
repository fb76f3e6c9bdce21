"""FastMCTS vs rejection sampling on the chain environment at equal generated tokens.

    python benchmarks/mcts.py [--problems 20] [--seeds 0 1 2] [--budgets 20000 50000 100000]

Mixed difficulty (step accuracy 0.95/0.85/0.7/0.55, five steps, 20 tokens a step). For each budget
(tokens for the whole problem set) and seed: distinct correct paths per 1k generated tokens for
rejection sampling, FastMCTS with dynamic exploration (the default) and FastMCTS with a fixed
constant; the ratio to rejection; problems with at least one correct path; the spread (coefficient
of variation) of distinct correct paths across difficulty levels. Prints a Markdown table.

    python benchmarks/mcts.py --smoke [--smoke-budget 3000] [--smoke-max-tokens 192] [--smoke-model llamacpp/smollm2]

Smoke run (no quality claim): the `plait synth mcts` command itself (the `mcts` pipeline on the local
executor) on the shipped GSM8K-style set ``plait/plugins/math/data/gsm8k_mini.jsonl`` with the packaged
model, rejection sampling then FastMCTS at the same token budget for the whole set. Prints tokens,
rollouts, correct and distinct correct paths, problems solved, paths per 1k tokens (ratio to rejection)
and wall time. Set ``PLAIT_LLAMACPP__N_THREADS=1`` on a loaded machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from plait.plugins.mcts.chain import ChainPolicy, make_problems
from plait.plugins.mcts.outputs import summary
from plait.plugins.mcts.search import SearchConfig, run_search

VARIANTS = {"rejection": dict(method="rejection"), "mcts": dict(), "mcts-fixed": dict(dynamic=False)}


def spread(searches) -> float:
    levels: dict[float, list[int]] = {}
    for s in searches:
        levels.setdefault(s.problem["p"], []).append(len(s.tree.correct_leaves()))
    means = [statistics.mean(v) for v in levels.values()]
    return statistics.pstdev(means) / statistics.mean(means) if statistics.mean(means) else 0.0


GSM8K_MINI = Path(__file__).resolve().parents[1] / "plait" / "plugins" / "math" / "data" / "gsm8k_mini.jsonl"


def smoke(model: str, budget: int, max_tokens: int, seed: int) -> None:
    """Both methods through the command, on the shipped set; the figures, not a quality claim."""
    print(f"smoke: {GSM8K_MINI.name}, model {model}, budget {budget} tokens for the set, "
          f"--max-tokens {max_tokens}, seed {seed}")
    print("| method | generated tokens | rollouts | correct | distinct correct | solved | distinct / 1k tok | "
          "ratio vs rejection | wall s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    base = None
    with tempfile.TemporaryDirectory() as tmp:
        for method in ("rejection", "mcts"):
            out = Path(tmp) / method
            t0 = time.perf_counter()
            res = subprocess.run([sys.executable, "-m", "plait", "synth", "mcts", "--data", str(GSM8K_MINI),
                                  "--model", model, "--method", method, "--budget-tokens", str(budget),
                                  "--max-tokens", str(max_tokens), "--seed", str(seed), "--out", str(out), "--json"],
                                 capture_output=True, text=True, env={**os.environ, "PLAIT_HOME": tmp})
            wall = time.perf_counter() - t0
            if res.returncode != 0:
                raise SystemExit(f"plait synth mcts --method {method} failed:\n{res.stderr[-2000:]}")
            s = json.loads(res.stdout)
            rollouts = sum(json.loads(line)["rollouts"] for line in (out / "stats.jsonl").read_text().splitlines())
            rate = s["correct_paths_per_1k_tokens"]
            base = rate if base is None else base
            ratio = f"{rate / base:.2f}" if base else "n/a"
            print(f"| {method} | {s['generated_tokens']} | {rollouts} | {s['correct_paths']} | "
                  f"{s['distinct_correct_paths']} | {s['problems_solved']}/{s['problems']} | {rate:.3f} | {ratio} | "
                  f"{wall:.0f} |", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--smoke", action="store_true", help="the smoke run on gsm8k_mini with the packaged model instead")
    ap.add_argument("--smoke-model", default="llamacpp/smollm2")
    ap.add_argument("--smoke-budget", type=int, default=3000, help="generated tokens for the whole set, per method")
    ap.add_argument("--smoke-max-tokens", type=int, default=192, help="completion tokens per rollout at most")
    ap.add_argument("--smoke-seed", type=int, default=0)
    ap.add_argument("--problems", type=int, default=20)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--budgets", type=int, nargs="+", default=[20_000, 50_000, 100_000])
    args = ap.parse_args()
    if args.smoke:
        smoke(args.smoke_model, args.smoke_budget, args.smoke_max_tokens, args.smoke_seed)
        return
    model = ChainPolicy(step_tokens=20)
    print("| budget | method | distinct correct / 1k tok | ratio vs rejection | problems solved | spread (CV) |")
    print("|---:|---|---:|---:|---:|---:|")
    for budget in args.budgets:
        rate: dict[str, list[float]] = {k: [] for k in VARIANTS}
        solved: dict[str, list[int]] = {k: [] for k in VARIANTS}
        cv: dict[str, list[float]] = {k: [] for k in VARIANTS}
        for seed in args.seeds:
            problems = make_problems(args.problems, seed=seed)
            for name, kw in VARIANTS.items():
                searches = run_search(problems, model, budget, SearchConfig(seed=seed, **kw))
                s = summary(name, searches)
                rate[name].append(s["correct_paths_per_1k_tokens"])
                solved[name].append(s["problems_solved"])
                cv[name].append(spread(searches))
        base = statistics.mean(rate["rejection"])
        for name in VARIANTS:
            r = statistics.mean(rate[name])
            print(f"| {budget // 1000}k | {name} | {r:.3f} | {r / base:.2f} | "
                  f"{statistics.mean(solved[name]):.1f}/{args.problems} | {statistics.mean(cv[name]):.2f} |")


if __name__ == "__main__":
    main()
