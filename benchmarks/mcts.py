"""FastMCTS vs rejection sampling on the chain environment at equal generated tokens.

    python benchmarks/mcts.py [--problems 20] [--seeds 0 1 2] [--budgets 20000 50000 100000]

Mixed difficulty (step accuracy 0.95/0.85/0.7/0.55, five steps, 20 tokens a step). For each budget
(tokens for the whole problem set) and seed: distinct correct paths per 1k generated tokens for
rejection sampling, FastMCTS with dynamic exploration (the default) and FastMCTS with a fixed
constant; the ratio to rejection; problems with at least one correct path; the spread (coefficient
of variation) of distinct correct paths across difficulty levels. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import statistics

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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--problems", type=int, default=20)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--budgets", type=int, nargs="+", default=[20_000, 50_000, 100_000])
    args = ap.parse_args()
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
