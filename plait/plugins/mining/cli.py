"""``plait mine index|run|ingest``: Query-of-CC knowledge mining (see docs/mining.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from plait.cli.common import JsonOption, ModelOption, console, print_json, settings_for, subgroup


def mine_index(
    corpus: Annotated[Path, typer.Argument(help='JSONL or Parquet rows {"id", "text", "url"?}, or a folder of text files')],
    out: Annotated[Path, typer.Option("--out", help="the index folder to write (replaced when complete)")],
    shard_docs: Annotated[int, typer.Option("--shard-docs", help="documents per shard")] = 100_000,
    as_json: JsonOption = False,
) -> None:
    """Build a sharded BM25 index (bm25s, memory-mapped shards) of CORPUS for `plait mine run --corpus`."""
    from plait.plugins.mining.index import build_index

    manifest = build_index(corpus, out, shard_docs=shard_docs)
    if as_json:
        print_json({"index": str(out), "docs": manifest["docs"], "shards": len(manifest["shards"])})
        return
    console.print(f"indexed {manifest['docs']} documents in {len(manifest['shards'])} shard(s): {out}", highlight=False)


def mine_run(
    seeds: Annotated[Path, typer.Option("--seeds", help='JSONL lines {"domain", "kind": "keyword"|"faq"|"textbook", "text"}')],
    corpus: Annotated[str, typer.Option("--corpus", help="an index from `plait mine index`, or http(s)://HOST:PORT/INDEX (Elasticsearch/OpenSearch)")],
    out: Annotated[Path, typer.Option("--out", help="folder for queries.jsonl, hits.jsonl, pile.jsonl, stats.json and the run's state")],
    questions: Annotated[int, typer.Option("--questions", help="questions asked per seed and sampling seed")] = 5,
    thoughts: Annotated[bool, typer.Option("--thoughts/--no-thoughts", help="also retrieve with question + thought")] = True,
    k: Annotated[int, typer.Option("--k", "-k", help="hits per query")] = 10,
    executor: Annotated[str, typer.Option("--executor", help="local (threads) or ray (Ray Data)")] = "local",
    model: ModelOption = None,
    as_json: JsonOption = False,
) -> None:
    """Mine a knowledge pile: seeds -> extended questions -> thoughts -> BM25 hits -> filtered, deduplicated pile.
    A rerun into the same --out resumes and sends finished rows to no model."""
    from plait.pipeline.progress import NoProgress, RichProgress
    from plait.plugins.mining.run import mine

    stats = mine(settings_for(model), seeds_path=seeds, corpus=corpus, out=out, questions=questions,
                 thoughts=thoughts, k=k, executor=executor, progress=NoProgress() if as_json else RichProgress())
    if as_json:
        print_json(stats)
        return
    q = stats["queries"]
    console.print(f"{q['total']} queries ({q['faq']} faq, {q['question']} questions, {q['thought']} thoughts), "
                  f"{stats['hits']} hits -> {stats['pile']} documents in {out / 'pile.jsonl'} "
                  f"({stats['exact_duplicates']} exact + {stats['near_duplicates']} near duplicates removed); "
                  f"model calls this run: {stats['this_run']['model_calls']}, skipped replies: "
                  f"{stats['skipped']['extend'] + stats['skipped']['think']}, errors: {stats['errors']}", highlight=False)


def mine_ingest(
    pile_dir: Annotated[Path, typer.Argument(help="the --out folder of `plait mine run` (holds pile.jsonl)")],
    collection: Annotated[str, typer.Option("--collection", help="Chroma collection to fill")] = "mined",
    as_json: JsonOption = False,
) -> None:
    """Ingest a pile into a Chroma collection with its provenance, for `plait ask --collection NAME`."""
    from plait.plugins.mining.ingest import ingest_pile

    report = ingest_pile(pile_dir, settings_for(None), collection)
    if as_json:
        print_json(report)
        return
    console.print(f"{report['documents']} documents -> collection {collection!r}: added {report['added']}, "
                  f"updated {report['updated']}, deleted {report['deleted']}, unchanged {report['unchanged']}, "
                  f"chunks {report['chunks']}", highlight=False)


def register(cli: typer.Typer) -> None:
    mine = subgroup(cli, "mine", "Mine a knowledge pile from a corpus (Query of CC).")
    mine.command("index")(mine_index)
    mine.command("run")(mine_run)
    mine.command("ingest")(mine_ingest)
