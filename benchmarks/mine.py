"""``plait mine``'s corpus side: the sharded, memory-mapped index against one in-memory bm25s index,
and recall of planted targets for seeds only vs + extended questions vs + thoughts.

    python benchmarks/mine.py [--docs 100000] [--shards 4] [--queries 1000] [--k 10]

Each index variant is built and queried in its own child process, so the peak resident memory
(``ru_maxrss``) of one does not leak into the other. Documents are short (20 words of a Zipf-like
synthetic vocabulary); queries are 3 such words. Recall uses a synthetic corpus: per topic, one
document reachable through the seed's words, two through words only an extended question carries,
and two through words only a thought carries, hidden among the filler documents; the queries come
from a table standing in for the model (illustrative: it shows the mechanism, not a model's skill).
Prints a Markdown section for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VOCAB = [f"w{i}" for i in range(20_000)]


def _words(rnd: random.Random, n: int) -> list[str]:
    # Zipf-like: low indices much more frequent, as in natural text
    return [VOCAB[min(int(rnd.paretovariate(1.1)) - 1, len(VOCAB) - 1)] for _ in range(n)]


def topic_docs(t: int) -> list[dict]:
    """Planted targets of topic ``t``: ids say which query kind is meant to reach them."""
    seed, ques, thought = f"seedA{t} seedB{t}", f"quesA{t} quesB{t} quesC{t}", f"thoA{t} thoB{t} thoC{t}"
    return [{"id": f"t{t}-seed", "text": f"{seed} w1 w2 w3"},
            {"id": f"t{t}-q1", "text": f"{ques} w4 w5"}, {"id": f"t{t}-q2", "text": f"quesA{t} quesC{t} w6 w7"},
            {"id": f"t{t}-th1", "text": f"{thought} w8"}, {"id": f"t{t}-th2", "text": f"thoB{t} thoC{t} w9 w10"}]


def topic_queries(t: int) -> dict[str, list[str]]:
    return {"seed": [f"seedA{t} seedB{t}"],
            "question": [f"seedA{t} quesA{t} quesB{t}", f"quesC{t} quesA{t} seedB{t}"],
            "thought": [f"seedA{t} quesA{t} quesB{t} thoA{t} thoB{t} thoC{t}"]}


def write_corpus(path: Path, n: int, topics: int) -> None:
    rnd = random.Random(0)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n - 5 * topics):
            fh.write(json.dumps({"id": f"d{i}", "text": " ".join(_words(rnd, 20))}) + "\n")
        for t in range(topics):
            for doc in topic_docs(t):
                fh.write(json.dumps(doc) + "\n")


def _queries(n: int) -> list[str]:
    rnd = random.Random(1)
    return [" ".join(_words(rnd, 3)) for _ in range(n)]


def child(mode: str, corpus: Path, work: Path, shards: int, n_queries: int, k: int) -> dict:
    """One variant in this process: build, then query; returns rates and this process's peak RSS."""
    import bm25s  # imported before the clock starts (its import takes a second or two)

    from plait.plugins.mining.index import LocalIndex, build_index, read_corpus

    queries = _queries(n_queries)
    rows = sum(1 for _ in corpus.open())
    t0 = time.perf_counter()
    if mode == "sharded":
        build_index(corpus, work / "idx", shard_docs=-(-rows // shards))
        build_s = time.perf_counter() - t0
        index = LocalIndex(work / "idx")
        t1 = time.perf_counter()
        for i in range(0, len(queries), 100):
            index.search(queries[i:i + 100], k)
    else:
        docs = list(read_corpus(corpus))
        model = bm25s.BM25()
        model.index(bm25s.tokenize([d["text"] for d in docs], stopwords="en", show_progress=False), show_progress=False)
        build_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        for i in range(0, len(queries), 100):
            toks = bm25s.tokenize(queries[i:i + 100], stopwords="en", return_ids=False, show_progress=False)
            idx, _ = model.retrieve(toks, k=k, show_progress=False)
            [[docs[j] for j in row] for row in idx]
    query_s = time.perf_counter() - t1
    return {"mode": mode, "docs": rows, "build_s": round(build_s, 2), "docs_per_s": round(rows / build_s),
            "queries_per_s": round(len(queries) / query_s, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def recall(index_dir: Path, topics: int, k: int) -> dict[str, float]:
    from plait.plugins.mining.index import LocalIndex

    index = LocalIndex(index_dir)
    out = {}
    for name, kinds in (("seeds only", ("seed",)), ("+ questions", ("seed", "question")),
                        ("+ thoughts", ("seed", "question", "thought"))):
        found = planted = 0
        for t in range(topics):
            qs = [q for kind in kinds for q in topic_queries(t)[kind]]
            got = {h["doc_id"] for hits in index.search(qs, k) for h in hits}
            targets = {d["id"] for d in topic_docs(t)}
            found += len(got & targets)
            planted += len(targets)
        out[name] = round(found / planted, 3)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--shards", type=int, default=4)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--topics", type=int, default=50)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--child", default=None)
    ap.add_argument("--corpus", default=None)
    ap.add_argument("--work", default=None)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(child(a.child, Path(a.corpus), Path(a.work), a.shards, a.queries, a.k)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        write_corpus(corpus, a.docs, a.topics)
        res = {}
        for mode in ("single", "sharded"):
            cmd = [sys.executable, __file__, "--child", mode, "--corpus", str(corpus), "--work", tmp,
                   "--shards", str(a.shards), "--queries", str(a.queries), "--k", str(a.k)]
            res[mode] = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines()[-1])
        rec = recall(Path(tmp) / "idx", a.topics, a.k)
    s, m = res["single"], res["sharded"]
    print(f"## mine\n\n{a.docs:,} short documents (20 words), {a.queries} queries of 3 words, k={a.k}; "
          f"sharded = {a.shards} memory-mapped shards queried in parallel threads, single = one in-memory bm25s "
          f"index. Each variant in its own process (peak RSS = that process's ru_maxrss).\n")
    print("| index | build docs/s | queries/s | peak RSS MB |\n|---|---|---|---|")
    for r in (s, m):
        print(f"| {r['mode']} | {r['docs_per_s']:,} | {r['queries_per_s']} | {r['peak_rss_mb']} |")
    print(f"| sharded / single | {m['docs_per_s'] / s['docs_per_s']:.2f} | {m['queries_per_s'] / s['queries_per_s']:.2f} "
          f"| {m['peak_rss_mb'] / s['peak_rss_mb']:.2f} |\n")
    print(f"Recall@{a.k} of planted targets ({a.topics} topics x 5 targets among the {a.docs:,} documents; "
          "synthetic, illustrative):\n\n| queries | recall |\n|---|---|")
    for name, value in rec.items():
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
