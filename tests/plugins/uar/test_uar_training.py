"""Training a head on a tiny set with the fast hash featurizer."""

from __future__ import annotations

import pytest

from plait.core.errors import InputError
from plait.core.models.scripted import HashEmbedder
from plait.plugins.uar.featurizers import EmbedderFeaturizer
from plait.plugins.uar.training import data_hash, read_labelled, stratified_split, train_head



def test_tiny_set_trains_a_head_that_separates_it(tiny_rows):
    feat = EmbedderFeaturizer(HashEmbedder(256))
    rows = tiny_rows
    head, val = train_head(feat, "intent", rows)
    assert head.featurizer_id == "embed:scripted/hash-256" and head.criterion == "intent"
    assert head.weight.shape == (2, 256)
    assert len(val) == head.meta["n_val"] > 0 and head.meta["n_train"] + len(val) == len(rows)
    assert head.val_accuracy >= 0.9
    assert head.data_hash == data_hash(rows)
    x = feat.features(["search my documents for invoices", "write a poem about invoices"])
    p = head.prob_yes(x)
    assert p[0] > 0.5 > p[1]


def test_data_hash_changes_with_the_labels(tiny_rows):
    rows = tiny_rows
    flipped = [dict(rows[0], label=1 - rows[0]["label"])] + rows[1:]
    assert data_hash(rows) != data_hash(flipped)


def test_split_is_stratified_and_deterministic(tiny_rows):
    rows = tiny_rows
    tr, va = stratified_split(rows, 0.25, seed=3)
    assert sum(r["label"] for r in va) == len(va) / 2
    assert stratified_split(rows, 0.25, seed=3) == (tr, va)


def test_one_label_only_is_refused():
    feat = EmbedderFeaturizer(HashEmbedder(64))
    rows = [{"question": f"q {i}", "label": 1} for i in range(10)]
    with pytest.raises(InputError, match="only one label"):
        train_head(feat, "time", rows)


def test_unknown_criterion_is_refused(tiny_rows):
    with pytest.raises(InputError, match="unknown criterion"):
        train_head(EmbedderFeaturizer(HashEmbedder(64)), "mood", tiny_rows)


def test_bad_lines_name_file_and_line(tmp_path, write_jsonl):
    p = tmp_path / "d.jsonl"
    p.write_text('{"question": "a", "label": 1}\n{"question": "b"}\n')
    with pytest.raises(InputError, match=r"d.jsonl:2 lacks 'label' \(a question line needs question, label\)"):
        read_labelled(p)
    write_jsonl(p, [{"question": "a", "label": "maybe"}])
    with pytest.raises(InputError, match="label must be"):
        read_labelled(p)
    p.write_text("{not json\n")
    with pytest.raises(InputError, match="d.jsonl:1 is not valid JSON"):
        read_labelled(p)
