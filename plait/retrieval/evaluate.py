"""Retrieval evaluation on the user's own data: hit rate at k and MRR (as LlamaIndex's
``RetrieverEvaluator`` reports them), over the current store.

Input: JSONL lines ``{"question": str, "gold_sources": [file names]}``, optionally with
``"split": "tune"|"test"`` (keep the questions you choose settings on apart from those you report);
lines starting with ``#`` are comments. A gold source matches a hit when the hit's source path
equals it or ends with ``/<gold>`` (so ``gate.md`` matches ``examples/docs/gate.md``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from plait.core.errors import InputError


@dataclass
class EvalItem:
    question: str
    gold: list[str]
    line: int
    split: str | None = None
    id: str | None = None  # optional "id" and "difficulty" of the line, for --items-out
    difficulty: float | None = None


def load_eval_data(path: Path | str, split: str | None = None) -> list[EvalItem]:
    """Parse the JSONL file; a malformed line is refused with its line number.

    ``split`` keeps only the questions whose ``"split"`` field equals it.
    """
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read eval data {path}: {exc}") from None
    items = []
    for n, line in enumerate(raw.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{n}: not valid JSON ({exc.msg}); each line must be "
                             f'{{"question": "...", "gold_sources": ["file.md"]}}') from None
        if not isinstance(obj, dict) or not isinstance(obj.get("question"), str) or not obj["question"].strip():
            raise InputError(f'{path}:{n}: needs a non-empty string "question"')
        gold = obj.get("gold_sources")
        if isinstance(gold, str):
            gold = [gold]
        if not isinstance(gold, list) or not gold or not all(isinstance(g, str) and g for g in gold):
            raise InputError(f'{path}:{n}: "gold_sources" must be a non-empty list of file names')
        part = obj.get("split")
        if part is not None and not isinstance(part, str):
            raise InputError(f'{path}:{n}: "split" must be a string such as "tune" or "test"')
        if split is None or part == split:
            items.append(EvalItem(obj["question"], gold, n, part, obj.get("id"), obj.get("difficulty")))
    if not items:
        where = f' with "split": "{split}"' if split else ""
        raise InputError(f"{path} has no questions{where}; add JSONL lines with question and gold_sources")
    return items


def source_matches(source: str, gold: str) -> bool:
    source = source.replace("\\", "/")
    gold = gold.replace("\\", "/")
    if gold.startswith("./"):
        gold = gold[2:]
    return source == gold or source.endswith("/" + gold)


def evaluate(retriever, items: list[EvalItem], k: int) -> dict:
    """``{"hit_rate", "mrr", "k", "questions"}`` plus per-question details under ``"details"``."""
    hits = 0
    rr_total = 0.0
    details = []
    for item in items:
        results = retriever.retrieve(item.question, k=k)
        rank = next((i for i, h in enumerate(results, 1) if any(source_matches(h.source, g) for g in item.gold)), None)
        if rank is not None:
            hits += 1
            rr_total += 1.0 / rank
        details.append({"question": item.question, "rank": rank, "sources": [h.source for h in results]})
    n = len(items)
    return {"hit_rate": hits / n, "mrr": rr_total / n, "k": k, "questions": n, "details": details}
