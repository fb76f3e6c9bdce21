"""The ClusterClip sampler: balance, clipping, coverage order, exact resume, exact token accounting."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.stats import chisquare

from plait import InputError
from plait.plugins.data.sampler import Sampler, cluster_weights

# A skewed corpus: cluster sizes 400, 200, 100, 50, 20, 10 (rows are ordered by cluster).
SIZES = [400, 200, 100, 50, 20, 10]


def skewed(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    clusters = np.repeat(np.arange(len(SIZES)), SIZES)
    n_tokens = np.random.default_rng(seed).integers(5, 200, size=len(clusters))
    return clusters, n_tokens


def draw_n(s: Sampler, n: int) -> list:
    out = []
    for _ in range(n):
        d = s.draw()
        assert d is not None
        out.append(d)
    return out


def test_clusterclip_share_is_near_uniform_over_clusters():
    clusters, toks = skewed()
    s = Sampler(clusters, toks, strategy="clusterclip", clip=1000, seed=1)  # clip far away: pure balance
    draw_n(s, 6000)
    counts = s.counts
    assert chisquare(counts).pvalue > 0.01  # uniform expected
    assert chisquare(counts, np.array(SIZES) / sum(SIZES) * counts.sum()).pvalue < 1e-12  # not proportional


def test_random_share_is_proportional_to_cluster_size():
    clusters, toks = skewed()
    s = Sampler(clusters, toks, strategy="random", seed=2)
    draw_n(s, 3000)  # not a whole number of epochs, so the test is not trivially exact
    expected = np.array(SIZES) / sum(SIZES) * s.counts.sum()
    assert chisquare(s.counts, expected).pvalue > 0.01
    assert chisquare(s.counts).pvalue < 1e-12  # not uniform


@pytest.mark.parametrize("strategy,clip", [("clusterclip", 3), ("random", 2)])
def test_no_document_is_drawn_more_than_the_clip(strategy, clip):
    clusters, toks = skewed()
    s = Sampler(clusters, toks, strategy=strategy, clip=clip, seed=3)
    seen: dict[int, int] = {}
    for d in s.run(10**9):  # until every document is clipped
        seen[d.index] = seen.get(d.index, 0) + 1
        assert d.repeat == seen[d.index] <= clip
    assert s.exhausted and s.draw() is None
    assert set(seen.values()) == {clip} and len(seen) == len(clusters)
    assert s.stats()["clipped_docs"] == len(clusters) and s.stats()["max_repeats"] == clip


def test_clusterclip_knocks_rare_clusters_out_and_the_mix_returns_to_common_ones():
    clusters, toks = skewed()
    s = Sampler(clusters, toks, strategy="clusterclip", clip=2, seed=4)
    draw_n(s, 400)
    assert not s.live[5]  # the 10-doc cluster hit the clip (2 x 10 draws) and is dead
    before = s.counts.copy()
    draw_n(s, 400)
    assert s.counts[5] == before[5] == 20  # no more draws from it
    assert s.counts[0] - before[0] > 100  # the common cluster takes the freed share


def test_uniform_cluster_keeps_repeating_rare_clusters():
    clusters, toks = skewed()
    s = Sampler(clusters, toks, strategy="uniform-cluster", seed=4)
    draw_n(s, 3000)
    assert s.repeats[clusters == 5].max() > 20  # the overfitting ClusterClip's clip prevents


def test_rare_cluster_coverage_reaches_100_percent_before_common():
    clusters, toks = skewed()
    s = Sampler(clusters, toks, strategy="clusterclip", clip=4, seed=5)
    seen = [set() for _ in SIZES]
    full_at: dict[int, int] = {}
    for i, d in enumerate(s.run(10**9)):
        seen[d.cluster].add(d.index)
        if len(seen[d.cluster]) == SIZES[d.cluster]:
            full_at.setdefault(d.cluster, i)
        if len(full_at) == len(SIZES):
            break
    order = [full_at[c] for c in range(len(SIZES))]
    assert order == sorted(order, reverse=True)  # smallest cluster complete first, largest last


@pytest.mark.parametrize("strategy,clip,weighting", [
    ("clusterclip", 2, "uniform"), ("clusterclip", 3, "temperature:2"), ("random", None, "uniform"),
    ("uniform-cluster", None, "sqrt"),
])
def test_resume_from_saved_state_gives_the_identical_stream(strategy, clip, weighting):
    clusters, toks = skewed()
    whole = [(d.index, d.repeat, d.epoch) for d in
             Sampler(clusters, toks, strategy=strategy, clip=clip, weighting=weighting, seed=7).run(60_000)]
    first = Sampler(clusters, toks, strategy=strategy, clip=clip, weighting=weighting, seed=7)
    part1 = [(d.index, d.repeat, d.epoch) for d in first.run(23_456)]
    state = json.loads(json.dumps(first.state()))  # through JSON, as the CLI saves it
    second = Sampler.from_state(state, clusters, toks)
    part2 = [(d.index, d.repeat, d.epoch) for d in second.run(60_000)]
    assert part1 + part2 == whole


def test_resume_keeps_the_figures_of_an_uninterrupted_run():
    clusters, toks = skewed()
    whole = Sampler(clusters, toks, strategy="clusterclip", clip=3, seed=8)
    list(whole.run(40_000))
    first = Sampler(clusters, toks, strategy="clusterclip", clip=3, seed=8)
    list(first.run(10_000))
    second = Sampler.from_state(json.loads(json.dumps(first.state())), clusters, toks)
    list(second.run(40_000))
    assert second.stats() == whole.stats()


def test_resume_over_another_corpus_is_refused():
    clusters, toks = skewed()
    s = Sampler(clusters, toks, strategy="random", seed=0)
    with pytest.raises(InputError, match="another corpus"):
        Sampler.from_state(s.state(), clusters[:-1], toks[:-1])


def test_token_accounting_is_exact():
    clusters, toks = skewed()
    s = Sampler(clusters, toks, strategy="clusterclip", clip=5, seed=9)
    draws = list(s.run(12_345))
    total = sum(int(toks[d.index]) for d in draws)
    assert s.tokens == s.stats()["tokens"] == total == sum(d.n_tokens for d in draws)
    assert total >= 12_345 and total - draws[-1].n_tokens < 12_345  # stops at the first draw reaching the budget
    epochs = [d.epoch for d in draws]
    assert epochs == sorted(epochs)


def test_weightings():
    sizes = np.array([100, 25, 1])
    assert cluster_weights(sizes, "uniform").tolist() == [1, 1, 1]
    assert cluster_weights(sizes, "sqrt").tolist() == [10, 5, 1]
    assert cluster_weights(sizes, "temperature:1").tolist() == [100, 25, 1]
    with pytest.raises(InputError, match="temperature:2"):
        cluster_weights(sizes, "temperature:x")
    with pytest.raises(InputError, match="uniform, sqrt"):
        cluster_weights(sizes, "log")


def test_bad_options_are_refused_with_the_fix():
    clusters, toks = skewed()
    with pytest.raises(InputError, match="needs --clip"):
        Sampler(clusters, toks, strategy="clusterclip")
    with pytest.raises(InputError, match="use clusterclip"):
        Sampler(clusters, toks, strategy="uniform-cluster", clip=2)
    with pytest.raises(InputError, match="not one of"):
        Sampler(clusters, toks, strategy="shuffle")
