"""``plait eval ...``: the shared evaluation group; ``plait eval rag`` measures retrieval."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from plait.cli.common import JsonOption, console, print_json, subgroup


def rag(
    data: Annotated[Path, typer.Option("--data", help='JSONL lines {"question": ..., "gold_sources": [file names]}')],
    k: Annotated[int, typer.Option("--k", min=1, help="hits per question")] = 5,
    json_out: JsonOption = False,
) -> None:
    """Hit rate at k and MRR of retrieval over the current store, on your own questions."""
    from plait.core.config import load_settings
    from plait.core.errors import InputError
    from plait.core.models import get_embedder
    from plait.retrieval.evaluate import evaluate, load_eval_data
    from plait.retrieval.retrieve import Retriever

    items = load_eval_data(data)
    settings = load_settings()
    retriever = Retriever(settings, get_embedder(None, settings))
    if retriever.count() == 0:
        raise InputError(f"the store under {settings.home} is empty; run `plait ingest PATH` first")
    result = evaluate(retriever, items, k)
    if json_out:
        print_json({key: result[key] for key in ("hit_rate", "mrr", "k", "questions")})
        return
    for d in result["details"]:
        mark = f"rank {d['rank']}" if d["rank"] else "miss"
        console.print(f"{mark:>8}  {d['question']}", highlight=False, markup=False)
    console.print(
        f"hit rate@{k} {result['hit_rate']:.3f}, MRR {result['mrr']:.3f} over {result['questions']} questions",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    group = subgroup(app, "eval", "Evaluate retrieval, agents and models on your own data.")
    group.command("rag")(rag)
