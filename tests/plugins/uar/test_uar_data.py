"""The shipped training sets: reproducible from the generator, balanced, bilingual, disjoint splits."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from plait.plugins.uar.datagen import DATA_DIR, PER_CELL, generate, split


def _read(name):
    return [json.loads(line) for line in (DATA_DIR / name).read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("criterion", ["intent", "knowledge", "time"])
def test_shipped_sets_are_what_the_generator_makes(criterion):
    train, val = split(generate(criterion, PER_CELL[criterion]))
    assert _read(f"{criterion}.train.jsonl") == train and _read(f"{criterion}.val.jsonl") == val


@pytest.mark.parametrize("criterion", ["intent", "knowledge", "time"])
def test_sets_are_large_balanced_bilingual_and_disjoint(criterion):
    train, val = _read(f"{criterion}.train.jsonl"), _read(f"{criterion}.val.jsonl")
    rows = train + val
    assert len(rows) >= 400 and len(val) >= 0.15 * len(rows)
    cells = Counter((r["lang"], r["label"]) for r in rows)
    assert set(cells) == {("en", 0), ("en", 1), ("zh", 0), ("zh", 1)}
    assert max(cells.values()) - min(cells.values()) <= 0.1 * max(cells.values())
    assert not {r["question"] for r in train} & {r["question"] for r in val}


def test_intent_sets_share_wording_across_labels():
    """Retrieval words appear under label 0 too ("don't search ..."), so no keyword decides."""
    rows = _read("intent.train.jsonl")
    neg = [r["question"].lower() for r in rows if r["label"] == 0]
    assert any("search" in q for q in neg) and any("look" in q for q in neg) and any("document" in q for q in neg)


def test_qa_set_has_answers_in_both_languages():
    qa = _read("qa.jsonl")
    assert len(qa) >= 200 and {r["lang"] for r in qa} == {"en", "zh"}
    assert all(r["answers"] and all(a.strip() for a in r["answers"]) for r in qa)


def test_benchmark_is_independent_bilingual_and_large():
    bench = _read("bench.jsonl")
    assert len(bench) >= 200
    assert Counter(r["scenario"] for r in bench).keys() == {"intent", "knowledge", "time", "self"}
    assert sum(r["language"] == "zh" for r in bench) >= len(bench) / 5
    assert {r["language"] for r in bench} == {"en", "zh"}
    for probe in ("What does the zebracorn-42 flag enable?", "What is 17*23?", "What is the capital of France?", "hello"):
        assert any(r["question"] == probe for r in bench)


@pytest.mark.parametrize("criterion", ["intent", "knowledge", "time", "self"])
def test_training_sets_exclude_the_benchmark_and_validation_shares_no_source(criterion):
    from plait.plugins.uar.corpus import bench_questions, build, norm

    train, val = build(criterion)
    held = bench_questions()
    assert held and not {norm(r["question"]) for r in train + val} & held
    assert not {norm(r["question"]) for r in train} & {norm(r["question"]) for r in val}
    harvested = lambda rows: {r["source"] for r in rows if r["source"].startswith("harvest:")}  # noqa: E731
    assert harvested(train) and harvested(val) and not harvested(train) & harvested(val)
    if criterion != "self":
        assert not any(r["source"] == "template" for r in val)
        assert {r["lang"] for r in val} == {"en", "zh"}


def test_self_knowledge_rows_hold_out_whole_families_in_both_languages():
    from plait.plugins.uar.corpus import build
    from plait.plugins.uar.selfdata import VAL_FAMILIES

    train, val = build("self")
    fam = lambda rows: {r["source"] for r in rows if r["source"].startswith("knowledge:")}  # noqa: E731
    assert fam(val) == {f"knowledge:{f}" for f in VAL_FAMILIES}
    assert not fam(train) & fam(val)
    for rows in (train, val):
        assert {r["label"] for r in rows} == {0, 1} and {r["lang"] for r in rows} == {"en", "zh"}
    # Known facts (label 0) and made-up identifiers (label 1) both sit in training.
    assert any(r["source"] == "knowledge:known-ident" and r["label"] == 0 for r in train)
    assert any(r["source"] == "knowledge:ident" and r["label"] == 1 for r in train)
