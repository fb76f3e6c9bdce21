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


def collect(searches: list[ProblemSearch]) -> dict[str, list[dict]]:
    cfg = searches[0].cfg if searches else None
    rows: dict[str, list[dict]] = {"paths": [], "tree": [], "pairs": [], "stats": []}
    for s in searches:
        rows["paths"] += path_rows(s)
        rows["tree"] += list(s.tree.rows(str(s.problem["id"])))
        if cfg is not None:
            rows["pairs"] += list(s.tree.pairs(s.problem, margin=cfg.pair_margin, min_n=cfg.pair_min_n,
                                           max_rejected_q=cfg.pair_max_rejected_q))
        rows["stats"].append(s.stats())
    return rows


def summary(method: str, searches: list[ProblemSearch]) -> dict:
    tokens = sum(s.spent for s in searches)
    distinct = sum(len(s.tree.correct_leaves()) for s in searches)
    return {"method": method, "problems": len(searches), "generated_tokens": tokens,
            "correct_paths": sum(s.correct for s in searches), "distinct_correct_paths": distinct,
            "problems_solved": sum(1 for s in searches if s.correct),
            "correct_paths_per_1k_tokens": round(1000 * distinct / tokens, 6) if tokens else 0.0}


def write_outputs(out: Path, rows: dict[str, list[dict]], run_summary: dict) -> None:
    """``OUT/paths.jsonl``, ``tree.jsonl``, ``pairs.jsonl``, ``stats.jsonl`` and ``summary.json``."""
    out.mkdir(parents=True, exist_ok=True)
    for kind, items in rows.items():
        write_jsonl(out / f"{kind}.jsonl", items)
    atomic_write_json(out / "summary.json", run_summary)
