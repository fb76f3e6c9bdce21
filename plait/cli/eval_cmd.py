"""``plait eval ...``: the shared evaluation group; ``plait eval rag`` measures retrieval and
``plait eval calibrate`` picks the reject threshold (``min_score``) from labelled questions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from plait.cli.common import ItemsOutOption, JsonOption, console, print_json, subgroup


SPLITS = ("tune", "test", "all")
SplitOption = Annotated[str, typer.Option(
    "--split", help='tune | test | all: only the lines whose "split" field is this (choose settings on tune, '
                    "report test); all takes every line")]


def _split(split: str) -> str | None:
    if split not in SPLITS:
        raise typer.BadParameter(f"{split!r} is not one of {', '.join(SPLITS)}", param_hint="--split")
    return None if split == "all" else split


def rag(
    data: Annotated[Path, typer.Option("--data", help='JSONL lines {"question": ..., "gold_sources": [file names], "split": "tune"|"test"}')],
    k: Annotated[int, typer.Option("--k", min=1, help="hits per question")] = 5,
    split: SplitOption = "all",
    items_out: ItemsOutOption = None,
    items_model: Annotated[Optional[str], typer.Option(
        "--items-model", help="the model column of the --items-out rows (default: the embedder, e.g. scripted/hash)")] = None,
    json_out: JsonOption = False,
) -> None:
    """Hit rate at k and MRR of retrieval over the current store, on your own questions.
    --items-out: one row per question for `plait eval rasch`, score 1 when a gold source is in the top k."""
    from plait.core.config import load_settings
    from plait.core.errors import InputError
    from plait.core.item_rows import check_items_out, item_ids, item_row, write_item_rows
    from plait.core.models import get_embedder
    from plait.retrieval.evaluate import evaluate, load_eval_data
    from plait.retrieval.retrieve import Retriever

    check_items_out(items_out)
    items = load_eval_data(data, split=_split(split))
    settings = load_settings()
    retriever = Retriever(settings, get_embedder(None, settings))
    if retriever.count() == 0:
        raise InputError(f"the store under {settings.home} is empty; run `plait ingest PATH` first")
    result = evaluate(retriever, items, k)
    extra = {}
    if items_out:
        ids = item_ids([{"id": it.id, "question": it.question} for it in items])  # the line's id, else the question
        rows = [item_row(items_model or settings.embedder, i, d["rank"] is not None, difficulty=it.difficulty)
                for i, it, d in zip(ids, items, result["details"])]
        extra["items_out"] = str(write_item_rows(items_out, rows))
    if json_out:
        print_json({**{key: result[key] for key in ("hit_rate", "mrr", "k", "questions")}, "split": split, **extra})
        return
    for d in result["details"]:
        mark = f"rank {d['rank']}" if d["rank"] else "miss"
        console.print(f"{mark:>8}  {d['question']}", highlight=False, markup=False)
    console.print(
        f"hit rate@{k} {result['hit_rate']:.3f}, MRR {result['mrr']:.3f} over {result['questions']} questions"
        + ("" if split == "all" else f" (split {split})")
        + (f"; item rows in {extra['items_out']}" if extra else ""),
        highlight=False,
    )


def calibrate(
    data: Annotated[Path, typer.Option("--data", help='JSONL lines {"question", "answerable": bool} (answerable from the store or not)')],
    k: Annotated[Optional[int], typer.Option("--k", min=1, help="hits per question (default top_k)")] = None,
    write: Annotated[bool, typer.Option("--write/--no-write", help="store min_score in ./plait.toml")] = True,
    split: SplitOption = "all",
    json_out: JsonOption = False,
) -> None:
    """Pick the reject threshold (min_score: below it a hit does not count as found) that maximises F1
    on questions labelled answerable or not, and store it in ./plait.toml."""
    from plait.core.errors import InputError
    from plait.core.io import read_jsonl

    rows = read_jsonl(data, what="calibration", required=("question", "answerable"), allow_empty=False)
    part = _split(split)
    if part is not None:
        rows = [r for r in rows if r.get("split") == part]
        if not rows:
            raise InputError(f'{data} has no questions with "split": "{part}"; add the field to its lines or use --split all')
    for no, row in enumerate(rows, 1):
        if not isinstance(row["answerable"], bool):
            raise InputError(f"{data}: row {no}: answerable must be true or false, got {row['answerable']!r}")
    good = [r["question"] for r in rows if r["answerable"]]
    bad = [r["question"] for r in rows if not r["answerable"]]
    calibrate_questions(good=good, bad=bad, k=k, write=write, json_out=json_out)


def calibrate_questions(*, good, bad, k: int | None, write: bool, json_out: bool) -> None:
    """Calibrate on two question lists (or two JSONL files of ``{"question"}``) and report."""
    from plait.core.config import load_settings, write_value
    from plait.core.errors import InputError
    from plait.core.io import read_jsonl
    from plait.core.models import get_embedder
    from plait.retrieval.calibration import best_similarity, best_threshold
    from plait.retrieval.retrieve import Retriever

    def questions(src) -> list[str]:
        if isinstance(src, Path):
            return [r["question"] for r in read_jsonl(src, what="question", required=("question",))]
        return list(src)

    good_q, bad_q = questions(good), questions(bad)
    if not good_q or not bad_q:
        raise InputError("calibration needs at least one answerable and one unanswerable question")
    settings = load_settings()
    retriever = Retriever(settings, get_embedder(None, settings))
    if retriever.count() == 0:
        raise InputError(f"collection {settings.collection!r} is empty; ingest documents first (plait ingest PATH)")
    top = k or settings.top_k
    cal = best_threshold([best_similarity(retriever.retrieve(q, top)) for q in good_q],
                         [best_similarity(retriever.retrieve(q, top)) for q in bad_q])
    result = {"min_score": cal.threshold, "reject_threshold": cal.threshold, **cal.to_json(), "written": None}
    if write:
        result["written"] = str(write_value("min_score", cal.threshold))
    if json_out:
        print_json(result)
        return
    where = f" -> min_score in {result['written']}" if write else ""
    console.print(f"min_score = {cal.threshold} (F1 {cal.f1:.3f}, precision {cal.precision:.3f}, "
                  f"recall {cal.recall:.3f} on {cal.n_good} answerable / {cal.n_bad} not){where}", highlight=False)


def register(app: typer.Typer) -> None:
    group = subgroup(app, "eval", "Evaluate retrieval, agents and models on your own data.")
    group.command("rag")(rag)
    group.command("calibrate")(calibrate)
