"""Spherical k-means: well-separated blobs on the sphere are recovered by both backends."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from plait import InputError
from plait.plugins.data.kmeans import nearest_examples, normalise, spherical_kmeans


def blobs(k: int = 6, per: int = 150, dim: int = 32, noise: float = 0.08, seed: int = 0):
    rng = np.random.default_rng(seed)
    centers = normalise(rng.normal(size=(k, dim)))
    truth = np.repeat(np.arange(k), per)
    x = centers[truth] + noise * rng.normal(size=(k * per, dim))
    x *= rng.uniform(0.5, 3.0, size=(len(x), 1))  # lengths must not matter: clustering is by cosine
    return x.astype(np.float32), truth


@pytest.mark.parametrize("backend", ["sklearn", "faiss"])
def test_blobs_are_recovered(backend):
    if backend == "faiss":
        pytest.importorskip("faiss")
    x, truth = blobs()
    cl = spherical_kmeans(x, 6, iters=30, seed=1, backend=backend)
    assert cl.backend == backend
    assert adjusted_rand_score(truth, cl.labels) > 0.99
    assert np.allclose(np.linalg.norm(cl.centroids, axis=1), 1.0, atol=1e-5)


def test_nearest_examples_are_members_closest_to_their_centroid():
    x, truth = blobs(k=3, per=40)
    cl = spherical_kmeans(x, 3, seed=0, backend="sklearn")
    near = nearest_examples(x, cl.labels, cl.centroids, n=3)
    sims = normalise(x) @ cl.centroids.T
    for c, rows in enumerate(near):
        members = np.flatnonzero(cl.labels == c)
        best = members[np.argsort(-sims[members, c])[:3]]
        assert rows == best.tolist()


def test_k_larger_than_rows_is_refused():
    x, _ = blobs(k=2, per=3)
    with pytest.raises(InputError, match="k <= rows"):
        spherical_kmeans(x, 7)
