"""The HuixiangDou-style rejection threshold chosen by F1."""

from __future__ import annotations

import pytest

from plait.retrieval.calibration import best_similarity, best_threshold
from plait.retrieval.types import Hit


def test_separable_scores_get_a_threshold_in_the_gap():
    cal = best_threshold([0.8, 0.7, 0.65], [0.3, 0.4, 0.5])
    assert 0.5 < cal.threshold < 0.65
    assert cal.f1 == 1.0 and cal.accuracy == 1.0


def test_overlapping_scores_maximise_f1():
    good = [0.9, 0.8, 0.6, 0.35]
    bad = [0.7, 0.3, 0.2, 0.1]
    cal = best_threshold(good, bad)
    # Candidates: t in (0.3, 0.35] keeps all good and 1 bad -> F1 = 8/9; t in (0.7, 0.8] -> 2/3.
    assert 0.3 < cal.threshold <= 0.35
    assert cal.f1 == pytest.approx(8 / 9)


def test_needs_both_sides():
    with pytest.raises(ValueError):
        best_threshold([0.5], [])


def test_best_similarity_reads_hits():
    hits = [Hit("a", "s", 0, 0.5, similarity=0.4), Hit("b", "s", 1, 0.9, similarity=None), Hit("c", "s", 2, 0.1, similarity=0.6)]
    assert best_similarity(hits) == 0.6
    assert best_similarity([]) == 0.0
