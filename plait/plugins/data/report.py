"""``plait data report``: cluster sizes and each strategy's sampled share per cluster, as one PNG."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np

from plait import InputError, atomic_write_bytes

from plait.plugins.data.corpus import load_clusters, load_rows
from plait.plugins.data.sampler import Sampler

RUNS = (("random", "random"), ("uniform-cluster", "uniform-cluster"), ("clusterclip", "clusterclip"))


def simulate(clusters: np.ndarray, n_tokens: np.ndarray, *, tokens: int, clip: int, weighting: str,
             seed: int) -> dict[str, dict[str, Any]]:
    """Each strategy's stats for the same budget (random and clusterclip with ``clip``)."""
    out = {}
    for strategy, _ in RUNS:
        s = Sampler(clusters, n_tokens, strategy=strategy, seed=seed,
                    clip=None if strategy == "uniform-cluster" else clip,
                    weighting="uniform" if strategy == "random" else weighting)
        for _ in s.run(tokens):
            pass
        out[strategy] = s.stats()
    return out


def write_report(directory: Path, png: Path, *, tokens: int | None, clip: int, weighting: str,
                 seed: int) -> tuple[Path, dict[str, dict[str, Any]]]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - the extra brings it
        raise InputError("plait data report needs matplotlib: pip install 'plait[data]'") from exc
    corpus = load_rows(directory)
    clusters = load_clusters(directory, corpus)
    budget = tokens if tokens is not None else int(corpus.n_tokens.sum())  # one epoch's worth
    figures = simulate(clusters, corpus.n_tokens, tokens=budget, clip=clip, weighting=weighting, seed=seed)
    sizes = np.bincount(clusters)
    order = np.argsort(-sizes, kind="stable")  # largest cluster first
    x = np.arange(len(order))
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 7), sharex=True)
    top.bar(x, sizes[order] / sizes.sum(), color="#9aa5b1", label="share of documents (cluster size)")
    top.set_ylabel("share of corpus")
    top.set_title(f"{len(sizes)} clusters, {len(clusters)} documents, {int(corpus.n_tokens.sum())} tokens")
    top.legend(loc="upper right")
    for (strategy, label), marker, style in zip(RUNS, "os^", ("-", "--", "-")):
        st = figures[strategy]
        share = np.array([st["cluster_share"][str(c)] for c in order])
        extra = f", clip {clip}" if strategy != "uniform-cluster" else ""
        bottom.plot(x, share, marker=marker, markersize=4, linewidth=1.2, linestyle=style,
                    label=f"{label}{extra}: max repeats {st['max_repeats']}")
    bottom.axhline(1 / len(sizes), color="black", linestyle=":", linewidth=1, label="uniform over clusters")
    bottom.set_ylabel("share of draws")
    bottom.set_xlabel("cluster (largest to smallest)")
    bottom.set_title(f"sampled share per cluster, budget {budget} tokens (weighting {weighting})")
    bottom.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return atomic_write_bytes(png, buf.getvalue()), figures
