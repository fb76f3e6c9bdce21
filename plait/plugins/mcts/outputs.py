"""Rows read out of finished searches, the files written, and the run summary (``--json``)."""

from __future__ import annotations

from pathlib import Path

from plait import atomic_write_json, write_jsonl
from plait.plugins.mcts.search import ProblemSearch

SUMMARY_KEYS = ("method", "problems", "generated_tokens", "correct_paths", "distinct_correct_paths",
                "problems_solved", "correct_paths_per_1k_tokens")


def path_rows(search: ProblemSearch) -> list[dict]:
    """Distinct verified-correct root-to-leaf paths as SFT rows (``messages`` plus plain fields)."""
    q = search.problem["question"]
    rows = []
    for leaf in search.tree.correct_leaves():
        steps = leaf.prefix()
        solution = "\n\n".join(steps)
        rows.append({"problem_id": search.problem["id"], "question": q, "steps": steps, "solution": solution,
                     "answer": str(search.problem["answer"]), "q_values": _q_along(leaf),
                     "messages": [{"role": "user", "content": q}, {"role": "assistant", "content": solution}]})
    return rows


def _q_along(leaf) -> list[float]:
    out, node = [], leaf
    while node.parent is not None:
        out.append(round(node.Q, 6))
        node = node.parent
    return out[::-1]


KINDS = ("paths", "tree", "pairs", "stats")


def rows_of(s: ProblemSearch) -> dict:
    """One problem's output: its ``paths``, ``tree`` and ``pairs`` rows and its ``stats`` row."""
    cfg = s.cfg
    return {"paths": path_rows(s), "tree": list(s.tree.rows(str(s.problem["id"]))),
            "pairs": list(s.tree.pairs(s.problem, margin=cfg.pair_margin, min_n=cfg.pair_min_n,
                                       max_rejected_q=cfg.pair_max_rejected_q)),
            "stats": s.stats()}


def collect(searches: list[ProblemSearch]) -> dict[str, list[dict]]:
    return merge([rows_of(s) for s in searches])


def merge(per_problem: list[dict]) -> dict[str, list[dict]]:
    """The four files' rows from per-problem outputs (the ``search`` stage's rows), in problem order."""
    rows: dict[str, list[dict]] = {k: [] for k in KINDS}
    for one in per_problem:
        for kind in ("paths", "tree", "pairs"):
            rows[kind] += one[kind]
        rows["stats"].append(one["stats"])
    return rows


def summary(method: str, searches: list[ProblemSearch]) -> dict:
    return summary_of(method, [s.stats() for s in searches])


def summary_of(method: str, stats: list[dict]) -> dict:
    """The ``--json`` summary from per-problem ``stats`` rows."""
    tokens = sum(s["generated_tokens"] for s in stats)
    distinct = sum(s["distinct_correct_paths"] for s in stats)
    return {"method": method, "problems": len(stats), "generated_tokens": tokens,
            "correct_paths": sum(s["correct_paths"] for s in stats), "distinct_correct_paths": distinct,
            "problems_solved": sum(1 for s in stats if s["correct_paths"]),
            "correct_paths_per_1k_tokens": round(1000 * distinct / tokens, 6) if tokens else 0.0}


def write_outputs(out: Path, rows: dict[str, list[dict]], run_summary: dict) -> None:
    """``OUT/paths.jsonl``, ``tree.jsonl``, ``pairs.jsonl``, ``stats.jsonl`` and ``summary.json``."""
    out.mkdir(parents=True, exist_ok=True)
    for kind, items in rows.items():
        write_jsonl(out / f"{kind}.jsonl", items)
    atomic_write_json(out / "summary.json", run_summary)
