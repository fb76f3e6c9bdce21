"""What plait adds to one RAG question, and ingestion throughput, against baselines in the same run.

1. Query overhead on a store of >= 100 000 synthetic chunks (model excluded: ``scripted/echo``):
   - plait RAG agent: gate + hybrid retrieval + prompt assembly + LangGraph graph
     (``get_agent("rag", model="scripted/echo").invoke(...)``);
   - plait ``Retriever.retrieve`` alone (dense + BM25 + RRF);
   - baseline: a minimal hand-written loop (embed, raw ``chromadb`` query, string prompt);
   - LlamaIndex: ``VectorStoreIndex.from_vector_store(...).as_retriever()`` on the same collection;
   - LlamaIndex's own hybrid: ``QueryFusionRetriever`` over that vector retriever and its
     ``BM25Retriever`` (``llama-index-retrievers-bm25``), ``mode="reciprocal_rerank"``, one query
     (no LLM query generation) -- the like-for-like comparison for plait's hybrid retrieval.
   All use the same embedder (``scripted/hash-64``: microseconds, so the figures are plait's own
   cost). Medians over the same questions, interleaved.
2. Ingestion throughput: ``ingest_paths`` chunks/s against the embedder alone on the same chunk
   texts, with the hash embedder (pipeline cost) and, unless ``--quick``, the real local
   all-MiniLM-L6-v2 embedder.

Run: ``python benchmarks/rag_overhead.py [--chunks 100000] [--questions 30] [--quick] [--home DIR]``
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

EMBEDDER = "scripted/hash-64"
WORDS = [f"{a}{b}" for a in ("ka", "lo", "mi", "nu", "pe", "ro", "si", "tu", "va", "ze", "bo", "da")
         for b in ("ran", "tel", "mok", "sip", "dun", "vak", "lor", "mex", "pil", "tas", "gor", "fen",
                   "hul", "jin", "kes", "lum", "nop", "qar", "rit", "sov", "tuk", "wen", "yam", "zol")]


def synthetic_text(rng: random.Random, n_words: int = 40) -> str:
    words = rng.choices(WORDS, k=n_words)
    return " ".join(words[:20]) + ". " + " ".join(words[20:]) + "."


def settings_for(home: Path, embedder: str = EMBEDDER):
    from plait.core.config import load_settings

    env = {k: v for k, v in os.environ.items() if not k.startswith("PLAIT_")}
    env.update(PLAIT_HOME=str(home), PLAIT_EMBEDDER=embedder, PLAIT_MODEL="scripted/echo",
               PLAIT_RETRIEVE="always", PLAIT_GATE="always")
    os.environ.update({k: v for k, v in env.items() if k.startswith("PLAIT_")})
    return load_settings(environ=env)


def build_store(settings, embedder, n: int) -> float:
    """Fill the collection with ``n`` chunks in LlamaIndex's node format (as ``plait ingest`` writes)."""
    from plait.retrieval.store import get_collection

    coll = get_collection(settings, settings.collection, embedder.id)
    if coll.count() >= n:
        return 0.0
    rng = random.Random(7)
    start = time.perf_counter()
    batch = 5000
    for lo in range(coll.count(), n, batch):
        ids, docs, metas = [], [], []
        for i in range(lo, min(n, lo + batch)):
            doc_id = f"/synthetic/file{i // 10:05d}.md"
            cid = f"{doc_id}#{i % 10}"
            meta = {"source": f"synthetic/file{i // 10:05d}.md", "path": doc_id, "chunk": i % 10, "file_type": "md"}
            node = {"id_": cid, "embedding": None, "metadata": meta, "relationships": {"1": {
                "node_id": doc_id, "node_type": "4", "metadata": {}, "class_name": "RelatedNodeInfo"}},
                "text": "", "mimetype": "text/plain", "text_template": "{metadata_str}\n\n{content}",
                "metadata_template": "{key}: {value}", "metadata_separator": "\n", "class_name": "TextNode"}
            ids.append(cid)
            docs.append(synthetic_text(rng))
            metas.append({**meta, "_node_content": json.dumps(node), "_node_type": "TextNode",
                          "document_id": doc_id, "doc_id": doc_id, "ref_doc_id": doc_id})
        coll.add(ids=ids, documents=docs, metadatas=metas, embeddings=embedder.embed(docs))
        print(f"  store: {min(n, lo + batch)}/{n} chunks", file=sys.stderr, end="\r")
    print(file=sys.stderr)
    return time.perf_counter() - start


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def query_benchmark(settings, embedder, questions: list[str]) -> dict:
    from llama_index.core import VectorStoreIndex
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from plait.agents.base import AgentRequest, get_agent
    from plait.retrieval.llama import PlaitEmbedding
    from plait.retrieval.retrieve import Retriever
    from plait.retrieval.store import get_collection, similarity

    k = settings.top_k
    coll = get_collection(settings, settings.collection, embedder.id)
    retriever = Retriever(settings, embedder)
    t = time.perf_counter()
    retriever.retrieve(questions[0], k)  # builds (or loads) the BM25 index once
    bm25_first = time.perf_counter() - t

    agent = get_agent("rag", settings, model="scripted/echo")
    reply = agent.invoke(AgentRequest(messages=[{"role": "user", "content": questions[0]}]))
    assert reply.extras.get("sources"), "the RAG agent retrieved nothing"

    def raw_loop(q: str) -> str:
        res = coll.query(query_embeddings=embedder.embed([q]), n_results=k, include=["documents", "metadatas", "distances"])
        lines = [f"[{n}] {m['source']} (similarity {similarity(d):.3f})\n{doc}"
                 for n, (doc, m, d) in enumerate(zip(res["documents"][0], res["metadatas"][0], res["distances"][0]), 1)]
        return "Answer from the sources, citing [n].\n\n" + "\n\n".join(lines) + f"\n\nQuestion: {q}"

    li_retriever = VectorStoreIndex.from_vector_store(
        ChromaVectorStore(chroma_collection=coll), embed_model=PlaitEmbedding(embedder)
    ).as_retriever(similarity_top_k=k)
    li_fusion = llamaindex_fusion(coll, li_retriever, k)
    paths = {
        "raw chromadb loop": raw_loop,
        "LlamaIndex as_retriever": lambda q: li_retriever.retrieve(q),
        "LlamaIndex QueryFusion": lambda q: li_fusion.retrieve(q),
        "plait Retriever.retrieve": lambda q: retriever.retrieve(q, k),
        "plait RAG agent (graph)": lambda q: agent.invoke(AgentRequest(messages=[{"role": "user", "content": q}])),
    }
    for fn in paths.values():  # warm-up
        fn(questions[1])
    times: dict[str, list[float]] = {name: [] for name in paths}
    for q in questions:
        for name, fn in paths.items():  # interleaved, so load changes hit every path alike
            t = time.perf_counter()
            fn(q)
            times[name].append(time.perf_counter() - t)
    return {"bm25_first_query_s": bm25_first, "medians_ms": {n: median_ms(v) for n, v in times.items()},
            "chunks": coll.count()}


def llamaindex_fusion(coll, vector_retriever, k: int):
    """LlamaIndex's hybrid path over the same collection: vector + BM25Retriever, reciprocal rerank."""
    from llama_index.core.llms import MockLLM
    from llama_index.core.retrievers import QueryFusionRetriever
    from llama_index.core.schema import TextNode
    from llama_index.retrievers.bm25 import BM25Retriever

    nodes = []
    total = coll.count()
    for offset in range(0, total, 5000):
        page = coll.get(include=["documents", "metadatas"], limit=5000, offset=offset)
        nodes.extend(TextNode(id_=i, text=d or "", metadata={"source": m["source"]})
                     for i, d, m in zip(page["ids"], page["documents"], page["metadatas"]))
    bm25 = BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=k)
    return QueryFusionRetriever([vector_retriever, bm25], similarity_top_k=k, num_queries=1,
                                mode="reciprocal_rerank", use_async=False,
                                llm=MockLLM())  # num_queries=1: the LLM is never called


def ingest_benchmark(base: Path, embedder_name: str, files: int, per_file: int) -> dict:
    from plait.core.models import get_embedder
    from plait.retrieval.ingest import ingest_paths
    from plait.retrieval.store import get_collection

    home = base / f"ingest-{embedder_name.replace('/', '_')}"
    shutil.rmtree(home, ignore_errors=True)  # measure a full ingest, not a no-op rerun
    docs = base / f"ingest-docs-{files}x{per_file}"
    if not docs.exists():
        rng = random.Random(11)
        docs.mkdir(parents=True)
        for i in range(files):
            # ~per_file paragraphs of ~150 words: each becomes about one 200-token chunk
            body = "\n\n".join(" ".join(synthetic_text(rng, 30) for _ in range(5)) for _ in range(per_file))
            (docs / f"doc{i:04d}.md").write_text(body)
    settings = settings_for(home, embedder_name)
    t = time.perf_counter()
    embedder = get_embedder(embedder_name, settings)
    load_s = time.perf_counter() - t
    embedder.embed(["warm up"])
    warm = base / "warm-up"  # a first tiny ingest pays the one-time imports (llama_index, nltk)
    warm.mkdir(exist_ok=True)
    (warm / "w.md").write_text("warm up. " * 20)
    ingest_paths([warm], settings_for(base / f"warm-{embedder_name.replace('/', '_')}", embedder_name), embedder,
                 progress=False)
    settings = settings_for(home, embedder_name)
    t = time.perf_counter()
    report = ingest_paths([docs], settings, embedder, progress=False)
    ingest_s = time.perf_counter() - t
    got = get_collection(settings, settings.collection, embedder.id).get(include=["documents", "metadatas"])
    texts, ids = got["documents"], got["ids"]
    vectors: list = []
    t = time.perf_counter()
    for i in range(0, len(texts), 64):  # the pipeline's batch size
        vectors.extend(embedder.embed(texts[i:i + 64]))
    embed_s = time.perf_counter() - t
    # Second baseline: the embedder plus a bare chromadb add of the same chunks (what any store pays).
    import chromadb

    raw = chromadb.PersistentClient(path=str(home / "raw-chroma")).get_or_create_collection(
        "raw", metadata={"hnsw:space": "cosine"}, embedding_function=None)
    t = time.perf_counter()
    for i in range(0, len(texts), 144):
        raw.add(ids=ids[i:i + 144], documents=texts[i:i + 144], embeddings=vectors[i:i + 144],
                metadatas=[{"source": m["source"], "chunk": m["chunk"]} for m in got["metadatas"][i:i + 144]])
    add_s = time.perf_counter() - t
    n = report.chunks
    return {"embedder": embedder_name, "chunks": n, "files": report.added, "model_load_s": load_s,
            "ingest_chunks_per_s": n / ingest_s, "embed_only_chunks_per_s": len(texts) / embed_s,
            "embed_and_chroma_add_chunks_per_s": len(texts) / (embed_s + add_s),
            "ratio": (n / ingest_s) / (len(texts) / embed_s),
            "ratio_vs_embed_and_add": (n / ingest_s) / (len(texts) / (embed_s + add_s))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chunks", type=int, default=100_000)
    ap.add_argument("--questions", type=int, default=30)
    ap.add_argument("--quick", action="store_true", help="skip the real local embedder")
    ap.add_argument("--local-files", type=int, default=10, help="files for the local-embedder ingestion run (~50 chunks each)")
    ap.add_argument("--home", type=Path, help="keep the stores here (reused on the next run)")
    args = ap.parse_args()
    base = args.home or Path(tempfile.mkdtemp(prefix="plait-bench-"))
    base.mkdir(parents=True, exist_ok=True)

    from plait.core.models import get_embedder

    settings = settings_for(base / "store")
    embedder = get_embedder(EMBEDDER, settings)
    print(f"building a store of {args.chunks} synthetic chunks under {base} ...", file=sys.stderr)
    build_s = build_store(settings, embedder, args.chunks)
    rng = random.Random(3)
    questions = [f"What about {' '.join(rng.choices(WORDS, k=3))}?" for _ in range(args.questions)]
    q = query_benchmark(settings, embedder, questions)
    med = q["medians_ms"]
    raw, li = med["raw chromadb loop"], med["LlamaIndex as_retriever"]
    fusion = med["LlamaIndex QueryFusion"]
    print(f"\n== query overhead: {q['chunks']} chunks, embedder {EMBEDDER}, model excluded, "
          f"median of {args.questions} questions ==")
    if build_s:
        print(f"store build (chromadb add, precomputed hash vectors): {build_s:.1f} s")
    print(f"first query incl. BM25 index build/load: {q['bm25_first_query_s']:.2f} s (once per store change)")
    for name, ms in med.items():
        print(f"{name:28s} {ms:8.2f} ms   x{ms / raw:5.2f} vs raw loop   x{ms / li:5.2f} vs LlamaIndex"
              f"   x{ms / fusion:5.2f} vs LlamaIndex QueryFusion")

    runs = [ingest_benchmark(base, "scripted/hash", 200, 10)]
    if not args.quick:
        try:
            runs.append(ingest_benchmark(base, "local/all-minilm-l6-v2", args.local_files, 10))
        except Exception as exc:  # the local extra may be missing
            print(f"(local embedder skipped: {type(exc).__name__}: {exc})")
    print("\n== ingestion throughput (same chunk texts) ==")
    for r in runs:
        print(f"{r['embedder']:24s} {r['chunks']:6d} chunks: plait ingest {r['ingest_chunks_per_s']:8.1f} chunks/s, "
              f"embedder alone {r['embed_only_chunks_per_s']:8.1f} chunks/s (ratio {r['ratio']:.2f}), "
              f"embedder + raw chromadb add {r['embed_and_chroma_add_chunks_per_s']:8.1f} chunks/s "
              f"(ratio {r['ratio_vs_embed_and_add']:.2f})")
    print(json.dumps({"query": q, "ingest": runs}, indent=1, default=str))


if __name__ == "__main__":
    main()
