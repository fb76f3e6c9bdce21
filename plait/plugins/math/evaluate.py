"""``plait eval math``: solve every question with the math agent, check the answers, report accuracy.

Input: JSONL, one ``{"question": ..., "answer": ...}`` per line (the answer may be a number,
LaTeX, or a GSM8K rationale ending in ``#### N``). Output: one record per item (JSONL, written
atomically with ``plait.core.io.write_jsonl``, so a crash never leaves half a file) and a
summary with the accuracy and the sandbox backends that ran the code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from plait.core.errors import InputError, ModelUnavailable, PlaitError
from plait.core.io import iter_jsonl, write_jsonl
from plait.core.item_rows import check_items_out, item_ids, item_row, write_item_rows

SAMPLE_DATA = Path(__file__).parent / "data" / "gsm8k_mini.jsonl"


def load_items(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    """The questions of a JSONL data file (errors name the file and line, from the shared I/O kit)."""
    items: list[dict[str, Any]] = []
    for row in iter_jsonl(path, what="data", required=("question", "answer")):
        item = {"question": str(row["question"]), "answer": str(row["answer"])}
        item.update({k: row[k] for k in ("id", "difficulty") if row.get(k) not in (None, "")})  # for --items-out
        items.append(item)
        if limit is not None and len(items) >= limit:
            break
    if not items:
        raise InputError(f"{path} holds no items; expected JSONL lines like {{\"question\": \"1+1?\", \"answer\": \"2\"}}")
    return items


def evaluate(items: list[dict[str, Any]], agent: Any, *, timeout: float = 5.0, progress: bool = False,
             out: Path | None = None, checker: str = "math-verify") -> dict[str, Any]:
    """Run ``agent`` on each item and check its answer with ``checker`` (math-verify or tora);
    returns the summary (records under ``records``)."""
    from plait.agents.base import AgentRequest
    from plait.plugins.math.checker import CheckerPool

    records = []
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(items), desc="eval math", unit="item", leave=False)
    with CheckerPool(1, timeout, checker) as pool:
        for i, item in enumerate(items):
            rec: dict[str, Any] = {"index": i, "question": item["question"], "gold": item["answer"], "pred": None,
                                   "correct": False, "reason": "", "turns": 0, "finished": False,
                                   "backend": None, "backends": [], "executions": [], "error": None,
                                   "completion_tokens": None}
            try:
                reply = agent.invoke(AgentRequest([{"role": "user", "content": item["question"]}]))
            except ModelUnavailable:
                if not records:  # no server at all: say so instead of scoring N failures
                    raise
                rec["error"] = "model unavailable"
                rec["reason"] = "the agent failed"
            except Exception as exc:  # one failing item must not sink the run
                rec["error"] = str(exc) if isinstance(exc, PlaitError) else f"{type(exc).__name__}: {exc}"
                rec["reason"] = "the agent failed"
            else:
                ex = reply.extras
                rec.update(pred=ex.get("answer"), turns=ex.get("turns", 0), finished=ex.get("finished", False),
                           completion_tokens=ex.get("completion_tokens"),
                           backend=ex.get("backend"), backends=ex.get("backends", []),
                           executions=[{k: e.get(k) for k in ("code", "status", "backend", "stdout", "stderr")}
                                       for e in ex.get("executions", [])])
                if rec["pred"] is None:
                    rec["reason"] = "no answer (no \\boxed{} and no number in the final text)"
                else:
                    res = pool.check(item["answer"], str(rec["pred"]))
                    rec.update(correct=res.equivalent, reason=res.reason, check_status=res.status)
            records.append(rec)
            if bar:
                bar.update(1)
                bar.set_postfix(acc=f"{sum(r['correct'] for r in records) / len(records):.2f}")
    if bar:
        bar.close()
    correct = sum(r["correct"] for r in records)
    summary = {
        "total": len(records), "correct": correct, "accuracy": correct / len(records) if records else 0.0,
        "errors": sum(1 for r in records if r["error"]),
        "backends": sorted({b for r in records for b in r["backends"]}),
        "out": str(out) if out else None, "records": records,
    }
    if out:
        write_jsonl(out, records)
    return summary


def items_table(items: list[dict[str, Any]], records: list[dict[str, Any]], model: str) -> list[dict[str, Any]]:
    """``--items-out`` rows: item = the line's ``id`` or its question, score 1 when the checker accepted
    the answer, ``reasoning_tokens`` the tokens the model generated on it over all turns (when the
    model reports usage). An item whose agent call failed (``error``) is left out: missing, not wrong,
    since a server failure says nothing about the model's ability."""
    ids = item_ids(items)
    return [item_row(model, ids[r["index"]], int(bool(r["correct"])), 1, difficulty=items[r["index"]].get("difficulty"),
                     reasoning_tokens=r.get("completion_tokens"))
            for r in records if not r["error"]]


def evaluate_file(data: Path, *, settings: Any, model: str | None = None, out: Path | None = None,
                  limit: int | None = None, max_turns: int | None = None, timeout: float = 5.0, progress: bool = True,
                  agent: Any = None, preset: str | None = None, checker: str | None = None,
                  items_out: Path | None = None, items_model: str | None = None) -> dict[str, Any]:
    """``preset`` (default|paper) sets the agent's prompt, turns and sampling and the checker;
    ``max_turns`` and ``checker`` given explicitly win. The summary names the preset and the settings.
    ``items_out`` (.csv/.jsonl) gets the per-item rows of :func:`items_table`, model column
    ``items_model`` or the model used."""
    items_out = check_items_out(items_out)
    from plait.agents.base import get_agent
    from plait.plugins.math.presets import agent_options, math_settings

    effective = math_settings(preset, {"max_turns": max_turns, "checker": checker})
    items = load_items(Path(data), limit)
    agent = agent or get_agent("math", settings, model=model, **agent_options(effective))
    summary = evaluate(items, agent, timeout=timeout, progress=progress, out=out, checker=effective["checker"])
    summary["data"] = str(data)
    summary["model"] = model or settings.model
    summary["preset"] = effective["preset"]
    summary["settings"] = effective
    if items_out is not None:
        rows = items_table(items, summary["records"], items_model or summary["model"])
        summary["items_out"] = str(write_item_rows(items_out, rows))
    return summary
