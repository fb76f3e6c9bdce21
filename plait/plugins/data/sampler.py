"""ClusterClip sampling (Shao et al., ACL 2024) and its two baselines, with exact save/resume.

Every strategy draws documents from *pools*. A pool holds a shuffled pass over its live documents
and hands them out one by one; when a pass runs out, a new pass is shuffled from the documents
still under the clip limit, and a pool with none left is dead.

- ``random``: one pool holding the whole corpus (epochs over a shuffled corpus; share of each
  cluster proportional to its size). ``clip`` caps how many passes a document takes part in.
- ``uniform-cluster``: one pool per cluster; a live cluster is picked by weight, then its next
  document. Rare clusters repeat without limit (the baseline the paper improves on).
- ``clusterclip``: as uniform-cluster, but a document drawn ``clip`` times is knocked out, so
  rare clusters stop repeating and the mix drifts back toward the common ones.

Cluster weights: ``uniform`` (1 each), ``sqrt`` (sqrt of cluster size), ``temperature:T``
(size ** (1/T); T=1 is proportional, large T tends to uniform).

The sampler's whole state (the numpy RNG's bit-generator state, repeat counts, every pool's pass
order and position, live pools, totals) is a JSON-able dict: ``Sampler.from_state(s.state())``
continues with exactly the stream the original would have produced.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np

from plait import InputError

STRATEGIES = ("clusterclip", "random", "uniform-cluster")
STATE_VERSION = 1


def cluster_weights(sizes: np.ndarray, weighting: str) -> np.ndarray:
    """Unnormalised weight per cluster for ``uniform``, ``sqrt`` or ``temperature:T``."""
    sizes = np.asarray(sizes, dtype=np.float64)
    if weighting == "uniform":
        return np.ones_like(sizes)
    if weighting == "sqrt":
        return np.sqrt(sizes)
    if weighting.startswith("temperature:"):
        raw = weighting.split(":", 1)[1]
        try:
            t = float(raw)
        except ValueError:
            t = float("nan")
        if not math.isfinite(t) or t <= 0:
            raise InputError(f"--weighting {weighting!r}: T must be a positive number, e.g. temperature:2")
        return sizes ** (1.0 / t)
    raise InputError(f"--weighting {weighting!r} is not one of uniform, sqrt, temperature:T (e.g. temperature:2)")


@dataclass
class Draw:
    """One scheduled document: its row index, cluster, how many times it has now been drawn, and the
    epoch (1 + tokens drawn before it // corpus tokens: which corpus-sized pass it falls in)."""

    index: int
    cluster: int
    repeat: int
    epoch: int
    n_tokens: int


class Sampler:
    """Draws row indices from a clustered corpus; see the module docstring for the strategies."""

    def __init__(self, clusters: np.ndarray, n_tokens: np.ndarray, *, strategy: str, clip: int | None = None,
                 weighting: str = "uniform", seed: int = 0):
        self.clusters = np.asarray(clusters, dtype=np.int64)
        self.n_tokens = np.asarray(n_tokens, dtype=np.int64)
        _check(self.clusters, self.n_tokens, strategy, clip, weighting)
        self.strategy, self.clip, self.weighting, self.seed = strategy, clip, weighting, seed
        self.k = int(self.clusters.max()) + 1 if len(self.clusters) else 0
        self.corpus_tokens = int(self.n_tokens.sum())
        if strategy == "random":
            self.members = [np.arange(len(self.clusters))]
        else:
            order = np.argsort(self.clusters, kind="stable")
            bounds = np.searchsorted(self.clusters[order], np.arange(self.k + 1))
            self.members = [order[bounds[c]:bounds[c + 1]] for c in range(self.k)]
        sizes = np.array([len(m) for m in self.members])
        self.weights = cluster_weights(sizes, weighting) if strategy != "random" else np.ones(1)
        self.rng = np.random.default_rng(seed)
        self.repeats = np.zeros(len(self.clusters), dtype=np.int64)
        self.passes: list[np.ndarray] = [np.empty(0, dtype=np.int64) for _ in self.members]
        self.pos = np.zeros(len(self.members), dtype=np.int64)
        self.live = sizes > 0
        self.drawn = 0
        self.tokens = 0
        self.counts = np.zeros(self.k, dtype=np.int64)
        self._cum: np.ndarray | None = None

    # -- drawing ------------------------------------------------------------------------------------
    def _pick_pool(self) -> int:
        if len(self.members) == 1:
            return 0
        if self._cum is None:  # rebuilt only when a cluster dies
            self._cum = np.cumsum(np.where(self.live, self.weights, 0.0))
        r = self.rng.random() * self._cum[-1]
        return int(min(np.searchsorted(self._cum, r, side="right"), len(self._cum) - 1))

    def _refill(self, pool: int) -> bool:
        """Start a new pass over ``pool``'s documents under the clip; False if none is left."""
        docs = self.members[pool]
        if self.clip is not None:
            docs = docs[self.repeats[docs] < self.clip]
        if len(docs) == 0:
            self.live[pool] = False
            self._cum = None
            return False
        self.passes[pool] = self.rng.permutation(docs)
        self.pos[pool] = 0
        return True

    def draw(self) -> Draw | None:
        """The next document, or None when every document has reached the clip limit."""
        while self.live.any():
            pool = self._pick_pool()
            if self.pos[pool] >= len(self.passes[pool]) and not self._refill(pool):
                continue
            idx = int(self.passes[pool][self.pos[pool]])
            self.pos[pool] += 1
            self.repeats[idx] += 1
            epoch = 1 + (self.tokens // self.corpus_tokens if self.corpus_tokens else 0)
            cluster = int(self.clusters[idx])
            self.counts[cluster] += 1
            self.drawn += 1
            self.tokens += int(self.n_tokens[idx])
            return Draw(idx, cluster, int(self.repeats[idx]), int(epoch), int(self.n_tokens[idx]))
        return None

    def run(self, budget: int) -> Iterator[Draw]:
        """Draw until the tokens drawn so far (since the start, resumes included) reach ``budget``.
        The last document is taken whole, so the total may pass the budget by less than one document."""
        while self.tokens < budget:
            d = self.draw()
            if d is None:
                return
            yield d

    @property
    def exhausted(self) -> bool:
        return not self.live.any()

    # -- figures ------------------------------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        """The ``--json`` summary: strategy, drawn, tokens, clusters, cluster_share, max_repeats, clipped_docs."""
        share = {str(c): (float(self.counts[c]) / self.drawn if self.drawn else 0.0) for c in range(self.k)}
        clipped = int((self.repeats >= self.clip).sum()) if self.clip is not None else 0
        return {"strategy": self.strategy, "drawn": self.drawn, "tokens": self.tokens, "clusters": self.k,
                "cluster_share": share, "max_repeats": int(self.repeats.max()) if len(self.repeats) else 0,
                "clipped_docs": clipped}

    # -- state --------------------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION, "strategy": self.strategy, "clip": self.clip, "weighting": self.weighting,
            "seed": self.seed, "rows": len(self.clusters), "corpus_tokens": self.corpus_tokens,
            "rng": self.rng.bit_generator.state, "repeats": self.repeats.tolist(),
            "passes": [p.tolist() for p in self.passes], "pos": self.pos.tolist(), "live": self.live.tolist(),
            "drawn": self.drawn, "tokens": self.tokens, "counts": self.counts.tolist(),
        }

    @classmethod
    def from_state(cls, state: dict[str, Any], clusters: np.ndarray, n_tokens: np.ndarray) -> "Sampler":
        """The sampler saved in ``state``, over the same corpus (refused if the corpus changed)."""
        if state.get("version") != STATE_VERSION:
            raise InputError(f"sampler state version {state.get('version')!r} is not {STATE_VERSION}; start a new schedule")
        s = cls(clusters, n_tokens, strategy=state["strategy"], clip=state["clip"], weighting=state["weighting"],
                seed=state["seed"])
        if state["rows"] != len(s.clusters) or state["corpus_tokens"] != s.corpus_tokens or len(state["pos"]) != len(s.members):
            raise InputError("the sampler state was saved over another corpus or clustering (rows, tokens or clusters "
                             "differ); resume only over the directory it was made from, or start without --resume")
        s.rng.bit_generator.state = state["rng"]
        s.repeats = np.array(state["repeats"], dtype=np.int64)
        s.passes = [np.array(p, dtype=np.int64) for p in state["passes"]]
        s.pos = np.array(state["pos"], dtype=np.int64)
        s.live = np.array(state["live"], dtype=bool)
        s.drawn, s.tokens = int(state["drawn"]), int(state["tokens"])
        s.counts = np.array(state["counts"], dtype=np.int64)
        return s


def _check(clusters: np.ndarray, n_tokens: np.ndarray, strategy: str, clip: int | None, weighting: str) -> None:
    if strategy not in STRATEGIES:
        raise InputError(f"--strategy {strategy!r} is not one of {', '.join(STRATEGIES)}")
    if strategy == "clusterclip" and clip is None:
        raise InputError("--strategy clusterclip needs --clip R (the most times one document may be drawn), e.g. --clip 4")
    if strategy == "uniform-cluster" and clip is not None:
        raise InputError("--strategy uniform-cluster never clips; for a cluster-balanced mix with --clip use clusterclip")
    if clip is not None and clip < 1:
        raise InputError(f"--clip must be 1 or more, got {clip}")
    if strategy == "random" and weighting != "uniform":
        raise InputError("--weighting applies to the cluster strategies (clusterclip, uniform-cluster), not random")
    if len(clusters) != len(n_tokens):
        raise InputError(f"{len(clusters)} cluster ids but {len(n_tokens)} token counts")
    if len(clusters) and (clusters.min() < 0):
        raise InputError("cluster ids must be 0 or more")
    if len(n_tokens) and n_tokens.min() < 1:
        raise InputError("every row needs n_tokens of 1 or more (an empty document cannot be budgeted)")
