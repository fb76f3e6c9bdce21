"""plait data: embedding and clustering throughput, sampling throughput, balance of the strategies.

    python benchmarks/cluster.py [--quick]

- embed: ``plait data embed``'s engine stage (commit log included) with the ``scripted/hash-256``
  embedder at 10k and 100k rows (what the stage itself costs), and with the packaged MiniLM
  (``local/all-MiniLM-L6-v2``) on 256 rows (the model-bound rate on this CPU).
- cluster: spherical k-means, scikit-learn vs faiss, on 384-d vectors drawn around 100 centres
  (10k and 100k rows, k = 100, 25 iterations, one start each), seconds and adjusted Rand index.
- sampling: draws/s of each strategy on 100k rows in 100 clusters.
- balance: a skewed corpus (50 clusters, Zipf sizes, 20k docs), two epochs of tokens per strategy,
  clip 3 (random and clusterclip).

Prints a Markdown section for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

import numpy as np

from plait.core.config import load_settings


def embed_rate(rows: int, embedder: str, tmp: Path) -> float:
    from plait.pipeline import run
    from plait.pipeline.progress import NoProgress
    from plait.plugins.data.embed import PIPELINE, embed_pipeline, write_outputs
    from plait.pipeline import read_outputs

    rng = random.Random(0)
    words = [f"w{i}" for i in range(5000)]
    data = tmp / f"in-{rows}-{embedder.replace('/', '_')}.jsonl"
    data.write_text("".join(json.dumps({"id": f"r{i}", "text": " ".join(rng.choices(words, k=60))}) + "\n"
                            for i in range(rows)))
    out = tmp / f"out-{rows}-{embedder.replace('/', '_')}"
    settings = load_settings().model_copy(update={"home": out})
    t = time.perf_counter()
    run(embed_pipeline(data, embedder, None, "whitespace", 64), settings=settings, concurrency=2, progress=NoProgress())
    write_outputs(out, read_outputs(PIPELINE, "embed", settings), {})
    return rows / (time.perf_counter() - t)


def blobs(n: int, k: int = 100, dim: int = 384, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, dim)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    truth = rng.integers(0, k, size=n)
    return centres[truth] + 0.04 * rng.normal(size=(n, dim)).astype(np.float32), truth


def cluster_times(n: int) -> dict[str, tuple[float, float]]:
    from sklearn.metrics import adjusted_rand_score

    from plait.plugins.data.kmeans import spherical_kmeans

    x, truth = blobs(n)
    out = {}
    for backend in ("sklearn", "faiss"):
        t = time.perf_counter()
        cl = spherical_kmeans(x, 100, iters=25, seed=0, backend=backend, restarts=1)
        out[backend] = (time.perf_counter() - t, adjusted_rand_score(truth, cl.labels))
    return out


def sampling_rates(draws: int) -> dict[str, float]:
    from plait.plugins.data.sampler import Sampler

    rng = np.random.default_rng(0)
    clusters = rng.integers(0, 100, size=100_000)
    toks = rng.integers(50, 2000, size=100_000)
    out = {}
    for strategy, clip in (("random", None), ("uniform-cluster", None), ("clusterclip", 4)):
        s = Sampler(clusters, toks, strategy=strategy, clip=clip, seed=1)
        t = time.perf_counter()
        for _ in range(draws):
            s.draw()
        out[strategy] = draws / (time.perf_counter() - t)
    return out


def balance() -> dict[str, dict[str, float]]:
    from plait.plugins.data.sampler import Sampler

    rng = np.random.default_rng(0)
    k, docs = 50, 20_000
    zipf = 1 / np.arange(1, k + 1)
    sizes = np.maximum(1, np.round(zipf / zipf.sum() * docs)).astype(int)
    clusters = np.repeat(np.arange(k), sizes)
    toks = rng.integers(50, 2000, size=len(clusters))
    budget = 2 * int(toks.sum())
    out = {}
    for strategy, clip in (("random", 3), ("uniform-cluster", None), ("clusterclip", 3)):
        s = Sampler(clusters, toks, strategy=strategy, clip=clip, seed=2)
        draws = list(s.run(budget))
        share = s.counts / s.counts.sum()
        p = share[share > 0]
        seen = np.zeros(len(clusters), bool)
        seen[[d.index for d in draws]] = True
        covered = np.array([seen[clusters == c].all() for c in range(k)])
        out[strategy] = {
            "entropy": float(-(p * np.log(p)).sum() / np.log(k)), "max_min": float(share.max() / share.min()),
            "largest": float(share[0]), "smallest": float(share[-1]), "max_repeats": int(s.repeats.max()),
            "covered": float(covered.mean()), "docs_seen": float(seen.mean()),
        }
    out["_corpus"] = {"sizes": f"{sizes[0]} .. {sizes[-1]}", "docs": int(len(clusters)), "tokens": budget}
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="1k/10k rows instead of 10k/100k")
    args = ap.parse_args()
    sizes = (1_000, 10_000) if args.quick else (10_000, 100_000)
    lines = ["## cluster", "", "`python benchmarks/cluster.py` (2-core VM, shared; numbers are one run)", ""]
    with tempfile.TemporaryDirectory() as tmp:
        rates = {n: embed_rate(n, "scripted/hash-256", Path(tmp)) for n in sizes}
        minilm = embed_rate(256, "local/all-MiniLM-L6-v2", Path(tmp))
    lines += ["| embed (engine stage, concurrency 2, batch 64) | rows | rows/s |", "|---|---|---|"]
    lines += [f"| scripted/hash-256 (stage + commit log + .npy) | {n:,} | {r:,.0f} |" for n, r in rates.items()]
    lines += [f"| local/all-MiniLM-L6-v2 (packaged model, CPU; 60 words per row, load included) | 256 | {minilm:,.0f} |", ""]
    lines += ["| spherical k-means, 384-d, k=100, 25 iters | rows | scikit-learn s | faiss s | sklearn/faiss | ARI sklearn | ARI faiss |",
              "|---|---|---|---|---|---|---|"]
    for n in sizes:
        c = cluster_times(n)
        lines.append(f"| | {n:,} | {c['sklearn'][0]:.2f} | {c['faiss'][0]:.2f} | {c['sklearn'][0] / c['faiss'][0]:.1f}x "
                     f"| {c['sklearn'][1]:.3f} | {c['faiss'][1]:.3f} |")
    s = sampling_rates(50_000 if args.quick else 200_000)
    lines += ["", "| sampling, 100k rows, 100 clusters | draws/s |", "|---|---|"]
    lines += [f"| {k} | {v:,.0f} |" for k, v in s.items()]
    b = balance()
    corpus = b.pop("_corpus")
    lines += ["", f"Balance on a skewed corpus: 50 clusters, Zipf sizes {corpus['sizes']}, {corpus['docs']:,} docs, "
              f"budget two epochs ({corpus['tokens']:,} tokens), clip 3 for random and clusterclip:", "",
              "| strategy | share entropy (1 = uniform) | max/min cluster share | largest cluster share | smallest | "
              "max repeats | clusters fully covered | docs seen |", "|---|---|---|---|---|---|---|---|"]
    for k, v in b.items():
        lines.append(f"| {k} | {v['entropy']:.3f} | {v['max_min']:.1f} | {v['largest']:.3f} | {v['smallest']:.4f} | "
                     f"{v['max_repeats']} | {v['covered']:.0%} | {v['docs_seen']:.0%} |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
