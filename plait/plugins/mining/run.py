"""``plait mine run``: seeds -> questions -> thoughts -> BM25 hits -> filtered, deduplicated pile.

The engine state lives in ``OUT/runs/`` (``--out`` is the engine's home), beside the output files;
a rerun resumes it and a rerun with other options into the same ``--out`` is refused.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from plait.pipeline.options import check_run_options
from plait.core.errors import InputError
from plait.core.io import atomic_write_json, iter_jsonl, write_jsonl
from plait.pipeline import read_outputs, run, status
from plait.plugins.mining.dedupe import Quality, dedupe, quality_reason
from plait.plugins.mining.stages import extend_pipeline, norm_question, search_pipeline, short_hash

Row = dict[str, Any]
KINDS = ("keyword", "faq", "textbook")
OPTIONS = "options.json"


def load_seeds(path: Path) -> list[Row]:
    seeds, ids = [], set()
    for n, row in enumerate(iter_jsonl(path, what="seeds", required=["domain", "kind", "text"]), 1):
        if row["kind"] not in KINDS:
            raise InputError(f"{path}:{n}: seed kind {row['kind']!r} is not one of {', '.join(KINDS)}")
        if not str(row["text"]).strip() or not str(row["domain"]).strip():
            raise InputError(f"{path}:{n}: a seed needs a non-empty \"domain\" and \"text\"")
        seed_id = str(row.get("id") or "s-" + short_hash(row["domain"], row["kind"], row["text"])[:12])
        if seed_id in ids:
            raise InputError(f"{path}:{n}: the seed {seed_id!r} occurs twice; drop the repeat or give it another id")
        ids.add(seed_id)
        seeds.append({"seed_id": seed_id, "domain": str(row["domain"]), "kind": row["kind"], "text": str(row["text"])})
    if not seeds:
        raise InputError(f"{path} holds no seeds; write lines {{\"domain\", \"kind\", \"text\"}}")
    return seeds


def _check_options(home: Path, options: dict[str, Any]) -> None:
    check_run_options(home / "runs" / OPTIONS, options, what="mine", out=home)


def build_queries(seeds: list[Row], questions: list[Row]) -> list[Row]:
    """FAQ seeds as queries, then extended questions with duplicates (per domain) dropped, first kept."""
    queries: list[Row] = []
    seen: set[tuple[str, str]] = set()
    for seed in seeds:
        if seed["kind"] == "faq":
            seen.add((seed["domain"], norm_question(seed["text"])))
            queries.append({"id": "f-" + short_hash(seed["seed_id"]), "domain": seed["domain"], "seed_id": seed["seed_id"],
                            "kind": "faq", "text": seed["text"], "sampling_seed": None})
    for q in questions:
        key = (q["domain"], norm_question(q["text"]))
        if key in seen:
            continue
        seen.add(key)
        queries.append({"id": "q-" + short_hash(*key), "domain": q["domain"], "seed_id": q["seed_id"],
                        "kind": "question", "text": q["text"], "sampling_seed": q["sampling_seed"]})
    return queries


def _tokens(settings: Any, pipelines: list) -> Counter:
    total: Counter = Counter()
    for pipe in pipelines:
        for stage in status(pipe, settings)["stages"]:
            total["prompt"] += stage["prompt_tokens"]
            total["completion"] += stage["completion_tokens"]
    return total


def make_pile(hits: list[Row], query_order: dict[str, int], quality: Quality, threshold: float) -> tuple[list[Row], Row]:
    """Filter, then keep the best-ranked copy of each document (rank, score, query order)."""
    ordered = sorted(hits, key=lambda h: (h["rank"], -h["bm25"], query_order.get(h["query_id"], 0), h["doc_id"]))
    first: dict[str, Row] = {}
    filtered: Counter = Counter()
    for hit in ordered:
        if hit["doc_id"] in first:
            first[hit["doc_id"]]["also_retrieved_by"].append(hit["query_id"])
            continue
        reason = quality_reason(hit["text"], quality)
        if reason:
            filtered[reason] += 1
            first[hit["doc_id"]] = {"also_retrieved_by": []}  # counted once; later hits of it are repeats
            continue
        row = {"id": hit["doc_id"], "text": hit["text"]}
        row.update({k: hit[k] for k in ("url", "source") if k in hit})
        row.update({k: hit[k] for k in ("domain", "seed_id", "query_id", "query_kind", "bm25", "rank")})
        row["also_retrieved_by"] = []
        first[hit["doc_id"]] = row
    candidates = [r for r in first.values() if "id" in r]
    pile, dups = dedupe(candidates, threshold=threshold)
    counts = {"unique_docs": len(first), "filtered": dict(filtered), "candidates": len(candidates),
              "exact_duplicates": dups["exact"], "near_duplicates": dups["near"], "pile": len(pile),
              "duplicate_rate": round((dups["exact"] + dups["near"]) / len(candidates), 4) if candidates else 0.0}
    return pile, counts


def mine(settings: Any, *, seeds_path: Path, corpus: str, out: Path, questions: int = 5, thoughts: bool = True,
         k: int = 10, executor: str = "local", concurrency: int | None = None, progress: Any = None) -> Row:
    """Run or resume a mining run into ``out``; returns the stats also written to ``out/stats.json``."""
    if questions < 0 or k < 1:
        raise InputError(f"--questions must be 0 or more and --k 1 or more (got {questions}, {k})")
    table = settings.table("mine")
    samplings = int(table.get("samplings", 2))
    temperature = float(table.get("temperature", 1.0))
    threshold = float(table.get("near_duplicate_threshold", 0.8))
    quality = Quality(**{f: type(getattr(Quality, f))(table[f]) for f in Quality.__dataclass_fields__ if f in table})
    seeds = load_seeds(seeds_path)
    from plait.plugins.mining.corpus import open_corpus

    open_corpus(corpus)  # refuse a wrong --corpus before any model call
    options = {"seeds": str(seeds_path), "corpus": corpus, "questions": questions, "thoughts": thoughts, "k": k,
               "samplings": samplings, "temperature": temperature, "model": settings.model}
    _check_options(out, options)
    settings = settings.model_copy(update={"home": out})
    rollouts = [{"id": f"{s['seed_id']}.s{j}", **s, "sampling_seed": j}
                for s in seeds if questions > 0 for j in range(samplings)]
    extend = extend_pipeline(rollouts, n=questions, temperature=temperature, model=None)
    # the search pipeline's source needs the questions, so it is built after extend ran; its stage set is known now
    probe = search_pipeline([], corpus=corpus, k=k, thoughts=thoughts, model=None)
    before = _tokens(settings, [extend, probe])
    runs = [run(extend, settings=settings, executor=executor, concurrency=concurrency, progress=progress)]
    extended = read_outputs(extend.name, "extend", settings)
    queries = build_queries(seeds, [q for q in extended if not q.get("skipped")])
    search = search_pipeline(queries, corpus=corpus, k=k, thoughts=thoughts, model=None)
    runs.append(run(search, settings=settings, executor=executor, concurrency=concurrency, progress=progress))
    after = _tokens(settings, [extend, search])
    all_queries = read_outputs(search.name, "think", settings) if thoughts else queries
    hits = read_outputs(search.name, "retrieve", settings)
    return _write_outputs(out, seeds, extended, all_queries, hits, runs, before, after, quality, threshold)


def _write_outputs(out: Path, seeds, extended, all_queries, hits, runs, before, after, quality, threshold) -> Row:
    live = [q for q in all_queries if not q.get("skipped")]
    order = {q["id"]: n for n, q in enumerate(live)}
    write_jsonl(out / "queries.jsonl", ({k: q[k] for k in ("id", "domain", "seed_id", "kind", "text", "sampling_seed")}
                                        for q in live))
    write_jsonl(out / "hits.jsonl", ({k: v for k, v in h.items() if k != "text"} for h in hits))
    pile, counts = make_pile(hits, order, quality, threshold)
    write_jsonl(out / "pile.jsonl", pile)
    per_domain: dict[str, Counter] = defaultdict(Counter)
    for name, rows in (("queries", live), ("hits", hits), ("pile", pile)):
        for row in rows:
            per_domain[row["domain"]][name] += 1
    kinds = Counter(q["kind"] for q in live)
    model_stages = [s for r in runs for s in r["stages"] if s["stage"] in ("extend", "think")]
    stats = {
        "seeds": len(seeds), "questions_raw": sum(1 for q in extended if not q.get("skipped")),
        "queries": {"faq": kinds["faq"], "question": kinds["question"], "thought": kinds["thought"], "total": len(live)},
        "skipped": {"extend": sum(1 for q in extended if q.get("skipped")),
                    "think": sum(1 for q in all_queries if q.get("skipped"))},
        "hits": len(hits), **counts,
        "per_domain": {d: {**{"queries": 0, "hits": 0, "pile": 0}, **c} for d, c in sorted(per_domain.items())},
        "tokens": dict(after),
        "this_run": {"model_calls": sum(s["processed"] for s in model_stages),
                     "prompt_tokens": after["prompt"] - before["prompt"],
                     "completion_tokens": after["completion"] - before["completion"]},
        "errors": sum(r["errors"] for r in runs),
        "stages": {f"{r['pipeline']}/{s['stage']}": {k: s[k] for k in ("rows_in", "skipped", "processed", "errors", "rows_out")}
                   for r in runs for s in r["stages"]},
        "run_dir": str(out / "runs"),
    }
    atomic_write_json(out / "stats.json", stats)
    return stats
