"""The two engine pipelines of ``plait mine run`` and their stages (prompts and parsing included).

    mine-extend:  seed x sampling seed -> extend (model, flat-map: questions)
    (the front drops duplicate questions across sampling seeds: a step that must see all rows)
    mine-search:  query -> think (model, flat-map: query + its question+thought query) -> retrieve (cpu, flat-map: hits)

Ids are content hashes, so a rerun finds its rows committed and sends nothing to the model. A reply
that cannot be parsed becomes a row marked ``skipped`` (counted in stats), not an error or a crash.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import partial
from typing import Any

from plait.core.models.base import ChatOptions, ChatResult
from plait.pipeline import ModelStage, Pipeline, Stage

Row = dict[str, Any]
EXTEND, SEARCH = "mine-extend", "mine-search"
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)]|Q\d*[:.])\s*")


def short_hash(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def norm_question(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


# --- extension (breadth) ---------------------------------------------------------------------------

def extend_prompt(row: Row, n: int) -> str:
    what = {"keyword": "the topic", "faq": "the question", "textbook": "the passage"}[row["kind"]]
    return (f"You write search questions for the domain {row['domain']!r}.\n"
            f"Write {n} different, specific questions a learner would ask about {what} below. "
            "Reply with a JSON array of strings and nothing else.\n\n"
            f"{row['text']}")


def parse_questions(text: str, n: int) -> list[str]:
    """Questions from a JSON array, or else from lines that end with '?'; at most ``n``."""
    found: list[str] = []
    start, end = text.find("["), text.rfind("]")
    if 0 <= start < end:
        try:
            got = json.loads(text[start:end + 1])
            found = [q.strip() for q in got if isinstance(q, str)] if isinstance(got, list) else []
        except json.JSONDecodeError:
            found = []
    if not found:  # numbered or bulleted lines, maybe quoted or in bold: 1. "What is ...?"
        lines = (_BULLET.sub("", line.strip().strip("*` ")).strip().strip("\"'*` ") for line in text.splitlines())
        found = [line for line in lines if line.endswith("?")]
    return [q for q in found if len(q.split()) >= 3][:n]


def read_questions(row: Row, result: ChatResult, n: int) -> list[Row]:
    questions = parse_questions(result.text or "", n)
    if not questions:
        # kept with the start of the reply, so a user can see why a model's replies do not parse
        return [{"id": f"{row['id']}.skipped", "skipped": "no_questions", "seed_id": row["seed_id"],
                 "reply": (result.text or "")[:300]}]
    return [{"id": f"{row['id']}.q{i}", "seed_id": row["seed_id"], "domain": row["domain"], "text": q,
             "sampling_seed": row["sampling_seed"]} for i, q in enumerate(questions)]


def extend_pipeline(rows: list[Row], *, n: int, temperature: float, model: str | None) -> Pipeline:
    """``rows``: one per (seed, sampling seed); the sampling seed goes to the model as ``seed``."""
    stage = ModelStage("extend", partial(extend_prompt, n=n), partial(read_questions, n=n), model=model,
                       kind="flat_map", options=ChatOptions(temperature=temperature, max_tokens=80 * n + 64),
                       row_options=lambda row: ChatOptions(temperature=temperature, max_tokens=80 * n + 64,
                                                           seed=row["sampling_seed"]))
    return Pipeline(EXTEND, [stage], source=lambda: iter(rows),
                    description="Query of CC: questions extended from seeds at several sampling seeds")


# --- thoughts (depth) and retrieval ----------------------------------------------------------------

def think_prompt(row: Row) -> str:
    return (f"Question: {row['text']}\n\n"
            "Write a short thought for answering this question: the key terms, the steps, any formula. "
            "Plain text, at most 80 words, no preamble.")


def read_thought(row: Row, result: ChatResult) -> list[Row]:
    thought = (result.text or "").strip()
    if not thought or thought.startswith(("{", "[", "<")):  # empty, or a structure where prose was asked
        return [row, {"id": f"t-{row['id']}.skipped", "skipped": "no_thought", "seed_id": row["seed_id"],
                      "reply": thought[:300]}]
    thought = " ".join(thought.split())[:800]
    return [row, {"id": f"t-{row['id']}", "domain": row["domain"], "seed_id": row["seed_id"], "kind": "thought",
                  "text": f"{row['text']} {thought}", "sampling_seed": row.get("sampling_seed")}]


def retrieve_rows(batch: list[Row], corpus: str, k: int) -> list[list[Row]]:
    from plait.plugins.mining.corpus import cached_corpus

    live = [row for row in batch if not row.get("skipped")]
    found = iter(cached_corpus(corpus).search([row["text"] for row in live], k)) if live else iter(())
    out: list[list[Row]] = []
    for row in batch:
        if row.get("skipped"):
            out.append([])
            continue
        out.append([{"id": f"{row['id']}.{hit['rank']}", "query_id": row["id"], "query_kind": row["kind"],
                     "domain": row["domain"], "seed_id": row["seed_id"], **hit} for hit in next(found)])
    return out


def search_pipeline(queries: list[Row], *, corpus: str, k: int, thoughts: bool, model: str | None) -> Pipeline:
    stages: list[Any] = []
    if thoughts:
        stages.append(ModelStage("think", think_prompt, read_thought, model=model, kind="flat_map",
                                 options=ChatOptions(temperature=0.3, max_tokens=160)))
    stages.append(Stage("retrieve", partial(retrieve_rows, corpus=corpus, k=k), kind="flat_map", batch_size=32))
    return Pipeline(SEARCH, stages, source=lambda: iter(queries),
                    description="Query of CC: thoughts, then BM25 retrieval of every query")
