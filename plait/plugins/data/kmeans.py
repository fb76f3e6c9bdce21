"""Spherical k-means over unit vectors (cosine k-means, as ClusterClip clusters documents).

Two maintained backends: faiss (``faiss.Kmeans(spherical=True)``, for large corpora: it scales to
millions of vectors) and scikit-learn (``KMeans`` on the unit vectors, centroids renormalised).
Either way the final assignment is the centroid of highest cosine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from plait import InputError

FAISS_FROM = 50_000  # rows; below this scikit-learn is as good and has no extra dependency


@dataclass
class Clustering:
    labels: np.ndarray  # int64 (rows,)
    centroids: np.ndarray  # float32 (k, dim), unit norm
    backend: str


def normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms > 0, norms, 1.0)


def choose_backend(backend: str, rows: int) -> str:
    if backend not in ("auto", "faiss", "sklearn"):
        raise InputError(f"--backend {backend!r} is not one of auto, faiss, sklearn")
    if backend == "auto":
        backend = "faiss" if rows >= FAISS_FROM and _has_faiss() else "sklearn"
    if backend == "faiss" and not _has_faiss():
        raise InputError("--backend faiss needs faiss: pip install 'plait[data]' (faiss-cpu)")
    return backend


def _has_faiss() -> bool:
    import importlib.util

    return importlib.util.find_spec("faiss") is not None


def spherical_kmeans(x: np.ndarray, k: int, *, iters: int = 25, seed: int = 0, backend: str = "auto",
                     restarts: int = 3) -> Clustering:
    """Cluster rows of ``x`` by cosine into ``k`` clusters; the best of ``restarts`` runs is kept
    (one run can settle in a local optimum that splits a big cluster and merges two small ones)."""
    x = normalise(x)
    if not 1 <= k <= len(x):
        raise InputError(f"--k {k}: need 1 <= k <= rows ({len(x)})")
    if iters < 1 or restarts < 1:
        raise InputError(f"--iters and --restarts must be 1 or more, got {iters} and {restarts}")
    backend = choose_backend(backend, len(x))
    centroids = _faiss(x, k, iters, seed, restarts) if backend == "faiss" else _sklearn(x, k, iters, seed, restarts)
    centroids = normalise(centroids)
    return Clustering(assign(x, centroids), centroids, backend)


def assign(x: np.ndarray, centroids: np.ndarray, chunk: int = 65_536) -> np.ndarray:
    """The centroid of highest cosine per row (chunked, so memory stays bounded)."""
    out = np.empty(len(x), dtype=np.int64)
    for start in range(0, len(x), chunk):
        out[start:start + chunk] = np.argmax(x[start:start + chunk] @ centroids.T, axis=1)
    return out


def _faiss(x: np.ndarray, k: int, iters: int, seed: int, restarts: int) -> np.ndarray:
    import faiss

    km = faiss.Kmeans(x.shape[1], k, niter=iters, seed=seed, spherical=True, verbose=False, nredo=restarts,
                      min_points_per_centroid=1,  # small corpora are fine, no warning
                      max_points_per_centroid=max(256, -(-len(x) // k)))  # use every row, no subsampling
    km.train(np.ascontiguousarray(x))
    return km.centroids


def _sklearn(x: np.ndarray, k: int, iters: int, seed: int, restarts: int) -> np.ndarray:
    from sklearn.cluster import KMeans

    km = KMeans(n_clusters=k, max_iter=iters, n_init=restarts, random_state=seed).fit(x)
    return km.cluster_centers_.astype(np.float32)


def nearest_examples(x: np.ndarray, labels: np.ndarray, centroids: np.ndarray, n: int = 3) -> list[list[int]]:
    """Per cluster, the row indices of its ``n`` members nearest to the centroid (by cosine)."""
    x = normalise(x)
    sims = np.einsum("ij,ij->i", x, centroids[labels])
    order = np.lexsort((-sims, labels))  # by cluster, then most similar first
    out: list[list[int]] = [[] for _ in range(len(centroids))]
    for i in order:
        members = out[labels[i]]
        if len(members) < n:
            members.append(int(i))
    return out
