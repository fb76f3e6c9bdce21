"""Retrieval quality on documentation plait did not write: plait's hybrid against plain baselines.

Corpora, built at run time from what is installed on the machine:

- ``awscli``: the AWS CLI's own docs in the ``awscli`` package (``topics/*.rst`` and the example
  pages of six services), English;
- ``manpages-zh``: the Simplified Chinese manual pages Debian installs under ``/usr/share/man/zh_CN``
  (packages ``passwd`` and ``man-db``), rendered from roff to text; mixed Chinese and English.

Questions: ``benchmarks/data/<corpus>_questions.jsonl``, written by hand, each with gold file names
and a ``split``. Settings are chosen on ``tune`` only; ``test`` is what we report.

Strategies, all over the same store (plait's chunks, the local all-MiniLM-L6-v2 embedder):

- ``plait hybrid``: ``plait.retrieval.retrieve.Retriever`` (what ``plait eval rag`` measures);
- ``plait hybrid, unweighted``: the same with plain RRF (dense weight 1) and the raw question for
  BM25, i.e. plait before the weighted fusion and key terms (the ablation, run alongside);
- ``dense``: Chroma cosine top-k on the question's vector;
- ``bm25+dense rrf``: plain bm25s (its default English tokenizer) and dense, each to depth 50,
  fused by ``1/(60 + rank)``;
- ``llamaindex fusion``: LlamaIndex's ``QueryFusionRetriever`` over its vector retriever and its
  ``BM25Retriever`` (``llama-index-retrievers-bm25``), ``mode="reciprocal_rerank"``, one query.

Run: ``python benchmarks/retrieval_quality.py [--corpus awscli|manpages-zh] [--chunk 200/30 ...]
[--split tune|test|all] [--home DIR]``
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

DATA = Path(__file__).parent / "data"
EMBEDDER = "local/all-minilm-l6-v2"
AWS_SERVICES = ("s3", "sqs", "sts", "logs", "lambda", "secretsmanager")
MAN_ZH = Path("/usr/share/man/zh_CN")
DEPTH = 50
RRF_K = 60


class CorpusUnavailable(RuntimeError):
    """The package or folder a corpus is built from is not installed here."""


def build_awscli(target: Path) -> Path:
    """Copy awscli's topic pages and six services' example pages to ``target``."""
    try:
        import awscli
    except ImportError:
        raise CorpusUnavailable("the awscli corpus needs the awscli package (pip install awscli)") from None
    root = Path(awscli.__file__).parent
    sources = [root / "topics"] + [root / "examples" / s for s in AWS_SERVICES]
    for src in sources:
        for f in src.rglob("*.rst"):
            dest = target / ("topics" if src.name == "topics" else src.name) / f.relative_to(src)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, dest)
    return target


def roff_to_text(src: str) -> str:
    """Readable text of a man page: macros dropped or turned into headings, escapes removed."""
    out: list[str] = []
    for line in src.splitlines():
        if line.startswith(('.\\"', "'\\\"")):
            continue
        if line.startswith((".", "'")):
            m = re.match(r"[.']\s*(\w+)\s*(.*)", line)
            if not m:
                continue
            macro, rest = m.groups()
            if macro in ("SH", "SS"):
                out.append("\n" + rest.strip('"') + "\n")
            elif macro in ("B", "I", "BR", "IR", "RB", "RI", "BI", "IB", "SM"):
                out.append(rest.replace('"', ""))
            elif macro in ("PP", "P", "LP", "TP", "IP", "sp", "br"):
                out.append("")
            continue
        out.append(line)
    text = "\n".join(out)
    text = re.sub(r"\\f[BIRP]|\\f\(\w\w|\\f\[\w*\]", "", text)
    for esc, rep in (("\\-", "-"), ("\\(em", "—"), ("\\(en", "–"), ("\\&", ""), ("\\ ", " "), ("\\e", "\\")):
        text = text.replace(esc, rep)
    text = re.sub(r"\\\*\(\w\w|\\\*\[\w*\]|\\\*\w|\\[()]\w\w|\\\[\w+\]", "", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def build_manpages_zh(target: Path) -> Path:
    """Render every page under /usr/share/man/zh_CN to ``target/manN/NAME.N.txt``."""
    pages = sorted(MAN_ZH.glob("man*/*.gz")) if MAN_ZH.is_dir() else []
    if not pages:
        raise CorpusUnavailable(f"no Chinese man pages under {MAN_ZH} (Debian packages passwd, man-db)")
    for page in pages:
        dest = target / page.parent.name / (page.name[:-3] + ".txt")
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(roff_to_text(gzip.decompress(page.read_bytes()).decode("utf-8", "replace")), encoding="utf-8")
    return target


CORPORA = {
    "awscli": (build_awscli, DATA / "awscli_questions.jsonl"),
    "manpages-zh": (build_manpages_zh, DATA / "manpages_zh_questions.jsonl"),
}


def settings_for(home: Path, chunk: tuple[int, int]):
    from plait.core.config import load_settings

    env = {k: v for k, v in os.environ.items() if not k.startswith("PLAIT_")}
    env.update(PLAIT_HOME=str(home), PLAIT_EMBEDDER=EMBEDDER, PLAIT_CHUNK_SIZE=str(chunk[0]),
               PLAIT_CHUNK_OVERLAP=str(chunk[1]))
    return load_settings(environ=env)


def ingest(corpus: str, base: Path, chunk: tuple[int, int], embedder):
    """The settings of a store holding ``corpus`` chunked at ``chunk`` (built once, reused)."""
    from plait.retrieval.ingest import ingest_paths

    docs = base / "docs" / corpus
    if not docs.exists():
        CORPORA[corpus][0](docs)
    settings = settings_for(base / f"store-{corpus}-{chunk[0]}-{chunk[1]}", chunk)
    ingest_paths([docs], settings, embedder, progress=False)
    return settings


class Dense:
    """Chroma cosine search on the question's vector, nothing else."""

    def __init__(self, settings, embedder):
        from plait.retrieval.store import get_collection

        self.embedder = embedder
        self.coll = get_collection(settings, settings.collection, embedder.id)

    def ranked(self, query: str, depth: int) -> list[tuple[str, str]]:
        res = self.coll.query(query_embeddings=self.embedder.embed([query]), n_results=depth, include=["metadatas"])
        return [(cid, m["source"]) for cid, m in zip(res["ids"][0], res["metadatas"][0])]

    def retrieve(self, query: str, k: int) -> list:
        return [_Hit(src) for _, src in self.ranked(query, k)]


class PlainRRF(Dense):
    """bm25s with its default tokenizer plus dense, each to DEPTH, reciprocal rank fusion."""

    def __init__(self, settings, embedder):
        import bm25s

        super().__init__(settings, embedder)
        got = self.coll.get(include=["documents", "metadatas"])
        self.ids, self.sources = got["ids"], {i: m["source"] for i, m in zip(got["ids"], got["metadatas"])}
        self.bm25 = bm25s.BM25()
        self.bm25.index(bm25s.tokenize(got["documents"], stopwords="en", show_progress=False), show_progress=False)

    def retrieve(self, query: str, k: int) -> list:
        import bm25s

        fused: dict[str, float] = {}
        for rank, (cid, _) in enumerate(self.ranked(query, DEPTH)):
            fused[cid] = 1 / (RRF_K + rank + 1)
        tokens = bm25s.tokenize([query], stopwords="en", show_progress=False)
        if tokens.ids[0]:
            docs, _ = self.bm25.retrieve(tokens, k=min(DEPTH, len(self.ids)), show_progress=False, n_threads=1)
            for rank, i in enumerate(docs[0]):
                cid = self.ids[int(i)]
                fused[cid] = fused.get(cid, 0.0) + 1 / (RRF_K + rank + 1)
        top = sorted(fused, key=lambda c: -fused[c])[:k]
        return [_Hit(self.sources[c]) for c in top]


class LlamaFusion:
    """LlamaIndex's own hybrid: QueryFusionRetriever(vector, BM25Retriever), reciprocal rerank."""

    def __init__(self, settings, embedder, k: int = 5):
        from llama_index.core import VectorStoreIndex
        from llama_index.core.llms import MockLLM
        from llama_index.core.retrievers import QueryFusionRetriever
        from llama_index.core.schema import TextNode
        from llama_index.retrievers.bm25 import BM25Retriever
        from llama_index.vector_stores.chroma import ChromaVectorStore

        from plait.retrieval.llama import PlaitEmbedding
        from plait.retrieval.store import get_collection

        coll = get_collection(settings, settings.collection, embedder.id)
        index = VectorStoreIndex.from_vector_store(ChromaVectorStore(chroma_collection=coll),
                                                   embed_model=PlaitEmbedding(embedder))
        got = coll.get(include=["documents", "metadatas"])
        nodes = [TextNode(id_=i, text=d or "", metadata={"source": m["source"]})
                 for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])]
        bm25 = BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=k)
        self.k = k
        self.fusion = QueryFusionRetriever(
            [index.as_retriever(similarity_top_k=k), bm25], similarity_top_k=k, num_queries=1,
            mode="reciprocal_rerank", use_async=False,
            llm=MockLLM(),  # num_queries=1: no query generation, the LLM is never called
        )

    def retrieve(self, query: str, k: int) -> list:
        assert k == self.k, "LlamaFusion is built for one k"
        return [_Hit(n.node.metadata.get("source", "")) for n in self.fusion.retrieve(query)]


class Unweighted:
    """plait's Retriever with the weighted fusion and key terms switched off (plain RRF, raw question)."""

    def __init__(self, settings, embedder):
        from plait.retrieval.retrieve import Retriever

        self.retriever = Retriever(settings, embedder)

    def retrieve(self, query: str, k: int) -> list:
        import plait.retrieval.retrieve as mod

        saved = mod.dense_weight, mod.key_terms
        mod.dense_weight, mod.key_terms = (lambda q, e: 1.0), (lambda terms: terms)
        try:
            return self.retriever.retrieve(query, k)
        finally:
            mod.dense_weight, mod.key_terms = saved


class _Hit:
    def __init__(self, source: str):
        self.source = source


def strategies(settings, embedder, k: int) -> dict:
    from plait.retrieval.retrieve import Retriever

    return {
        "plait hybrid": Retriever(settings, embedder),
        "plait hybrid, unweighted": Unweighted(settings, embedder),
        "dense": Dense(settings, embedder),
        "bm25+dense rrf": PlainRRF(settings, embedder),
        "llamaindex fusion": LlamaFusion(settings, embedder, k),
    }


def run(corpus: str, base: Path, chunk: tuple[int, int], split: str | None, k: int, embedder,
        only: list[str] | None = None) -> dict:
    from plait.retrieval.evaluate import evaluate, load_eval_data

    items = load_eval_data(CORPORA[corpus][1], split=split)
    settings = ingest(corpus, base, chunk, embedder)
    out = {}
    for name, retriever in strategies(settings, embedder, k).items():
        if only and name not in only:
            continue
        retriever.retrieve(items[0].question, k)  # warm-up: index loads are not per-question cost
        t = time.perf_counter()
        result = evaluate(retriever, items, k)
        out[name] = {"hit_rate": round(result["hit_rate"], 3), "mrr": round(result["mrr"], 3),
                     "questions": result["questions"], "ms_per_q": round((time.perf_counter() - t) * 1000 / len(items), 1),
                     "misses": [d["question"] for d in result["details"] if d["rank"] is None]}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", action="append", choices=sorted(CORPORA))
    ap.add_argument("--chunk", action="append", help="SIZE/OVERLAP in embedder tokens (default: the configured one)")
    ap.add_argument("--split", default="test", choices=("tune", "test", "all"))
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--only", action="append", help="run only this strategy (repeatable)")
    ap.add_argument("--misses", action="store_true", help="print the questions each strategy missed")
    ap.add_argument("--home", type=Path, help="keep corpora and stores here (reused on the next run)")
    args = ap.parse_args()
    base = args.home or Path(tempfile.mkdtemp(prefix="plait-rq-"))
    base.mkdir(parents=True, exist_ok=True)

    from plait.core.config import Settings
    from plait.core.models import get_embedder

    default = Settings()
    chunks = [tuple(int(x) for x in c.split("/")) for c in (args.chunk or [f"{default.chunk_size}/{default.chunk_overlap}"])]
    embedder = get_embedder(EMBEDDER, settings_for(base / "probe", chunks[0]))
    results = []
    for corpus in args.corpus or sorted(CORPORA):
        for chunk in chunks:
            try:
                res = run(corpus, base, chunk, None if args.split == "all" else args.split, args.k, embedder, args.only)
            except CorpusUnavailable as exc:
                print(f"({corpus} skipped: {exc})", file=sys.stderr)
                continue
            for name, r in res.items():
                print(f"{corpus:12s} {chunk[0]:3d}/{chunk[1]:<3d} {args.split:5s} {name:24s} hit@{args.k} {r['hit_rate']:.3f}"
                      f"  MRR {r['mrr']:.3f}  ({r['questions']} q, {r['ms_per_q']} ms/q)")
                if args.misses:
                    for q in r["misses"]:
                        print(f"      miss: {q}")
                results.append({"corpus": corpus, "chunk": chunk, "split": args.split, "strategy": name,
                                **{key: v for key, v in r.items() if key != "misses"}})
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
