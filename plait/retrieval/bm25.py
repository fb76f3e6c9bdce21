"""The BM25 side of hybrid retrieval (``bm25s``), persisted under ``PLAIT_HOME/bm25/``.

The index is rebuilt only when the store changed: its signature is the collection's chunk count
plus the ingestion generation counter (bumped by every ``plait ingest`` that wrote or deleted).
Between changes a process keeps the loaded index in memory, so a question costs one
``count()`` call and one small file read to check freshness.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from plait.core.config import Settings
from plait.retrieval.docstore import _stem, read_generation

PAGE = 5000
COUNT_TTL = 5.0  # seconds between count() checks for writers that bypass `plait ingest`
_CACHE: dict[tuple[str, str], "BM25Index"] = {}
_LOCK = threading.Lock()


TOKENIZER = "t2"  # part of the index signature: a persisted index from another tokenizer is rebuilt
_WORD = re.compile(r"(?u)\b\w\w+\b")  # bm25s's default: words of two or more characters
# Han, kana and Hangul runs: written without spaces, so a "word" would be a whole clause.
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+")


def _stopwords() -> frozenset[str]:
    from plait.retrieval.bm25_saved import english_stopwords

    return english_stopwords()


def _terms(text: str, stop: frozenset[str]) -> list[str]:
    """Lower-cased words (English stopwords dropped) plus overlapping character bigrams of each CJK run.

    Bigrams are the standard BM25 unit for Chinese/Japanese without a segmenter: a two-character
    word matches itself, a longer one matches by its pieces. A one-character run stays a term.
    """
    text = text.lower()
    terms = [w for w in _WORD.findall(CJK.sub(" ", text)) if w not in stop]
    for run in CJK.findall(text):
        terms.extend([run] if len(run) == 1 else [run[i:i + 2] for i in range(len(run) - 1)])
    return terms


def tokenize(texts: list[str]) -> list[list[str]]:
    """BM25 terms per text; the same function builds the index and reads the question."""
    stop = _stopwords()
    return [_terms(t, stop) for t in texts]


# How a question is asked, not what it is about. bm25s's English stopwords keep these, so "how do
# I ..." scored chunks that say "how" and "do" often (an FAQ, a tutorial) above the one that holds
# the question's subject. Dropped from the question only: the index is unchanged.
QUESTION_WORDS = frozenset(
    "how what when which why where who whom whose do does did can could should would shall may might "
    "must i me my we our you your am were been being way".split()
)


def key_terms(terms: list[str]) -> list[str]:
    """The question's terms without its question words; all of them if nothing else is left
    (a question made only of such words still searches for them)."""
    keys = [t for t in terms if t not in QUESTION_WORDS]
    return keys or terms


@dataclass
class BM25Index:
    signature: str
    ids: list[str]
    df: dict[str, int]  # document frequency per term, for the lexical relevance score
    retriever: object | None  # bm25s.BM25 when built, SavedScores when loaded; None for an empty store

    def search(self, query: str | list[str], k: int) -> list[tuple[str, float]]:
        """(chunk id, BM25 score) of the best ``k`` chunks sharing at least one term with the query
        (a string, or its terms from ``tokenize``)."""
        import numpy as np

        if self.retriever is None or not self.ids:
            return []
        vocab = self.retriever.vocab_dict
        query_terms = tokenize([query])[0] if isinstance(query, str) else query
        terms = [t for t in query_terms if t in vocab and t in self.df]
        if not terms:
            return []
        # get_scores + argpartition: bm25s.retrieve would start a thread pool and a progress bar per call.
        scores = self.retriever.get_scores(terms)
        k = min(k, len(self.ids))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.ids[int(i)], float(scores[i])) for i in top if scores[i] > 0]

    def idf(self, term: str) -> float:
        n, df = len(self.ids), self.df.get(term, 0)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def lexical(self, query_terms: list[str], texts: list[str]) -> list[float]:
        """Per text: (IDF-weighted share of the query's terms found in it)², in [0, 1].

        1.0 when a chunk holds every query term (an error code, a name); a term present in every
        chunk weighs almost nothing; squaring keeps partial matches of common words low.
        """
        terms = set(query_terms)
        if not terms or not texts:
            return [0.0] * len(texts)
        weights = {t: self.idf(t) for t in terms}
        total = sum(weights.values())
        out = []
        for tokens in tokenize(texts):  # one tokenizer call for all hits
            have = set(tokens)
            found = sum(w for t, w in weights.items() if t in have)
            out.append((found / total) ** 2 if total > 0 else 0.0)
        return out


def _dir(settings: Settings, collection: str) -> Path:
    return Path(settings.home) / "bm25" / _stem(settings, collection)


def signature(settings: Settings, collection_name: str, collection, count: int | None = None) -> str:
    count = collection.count() if count is None else count
    return f"{count}:{read_generation(settings, collection_name)}:{TOKENIZER}"


def _build(collection, sig: str) -> BM25Index:
    import bm25s

    ids: list[str] = []
    texts: list[str] = []
    total = collection.count()
    for offset in range(0, total, PAGE):
        page = collection.get(include=["documents"], limit=PAGE, offset=offset)
        ids.extend(page["ids"])
        texts.extend(d or "" for d in page["documents"])
    if not ids:
        return BM25Index(sig, [], {}, None)
    tokens = tokenize(texts)
    df: dict[str, int] = {}
    for doc in tokens:
        for term in set(doc):
            df[term] = df.get(term, 0) + 1
    if not df:  # bm25s cannot index a corpus without a single term
        return BM25Index(sig, ids, df, None)
    retriever = bm25s.BM25()
    retriever.index(tokens, show_progress=False)
    return BM25Index(sig, ids, df, retriever)


def _save(index: BM25Index, target: Path) -> None:
    tmp = target.with_name(target.name + f".tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    if index.retriever is not None:
        index.retriever.save(str(tmp / "bm25s"))
    (tmp / "ids.json").write_text(json.dumps(index.ids))
    (tmp / "df.json").write_text(json.dumps(index.df))
    (tmp / "signature").write_text(index.signature)  # written last: marks a complete index
    old = target.with_name(target.name + f".old{os.getpid()}")
    if target.exists():
        target.rename(old)
    tmp.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def _load(target: Path, sig: str) -> BM25Index | None:
    try:
        if (target / "signature").read_text() != sig:
            return None
        ids = json.loads((target / "ids.json").read_text())
        df = json.loads((target / "df.json").read_text())
        retriever = None
        if ids:
            from plait.retrieval.bm25_saved import SavedScores

            retriever = SavedScores.load(target / "bm25s")  # numpy only: no bm25s/scipy import per process
            if retriever is None:
                import bm25s

                retriever = bm25s.BM25.load(str(target / "bm25s"))
        return BM25Index(sig, ids, df, retriever)
    except (OSError, ValueError):
        return None


_COUNTS: dict[tuple[str, str], tuple[float, str, int]] = {}  # key -> (checked at, generation, count)


def chunk_count(settings: Settings, collection_name: str, collection) -> int:
    """The collection's chunk count, re-read when ingestion ran or every COUNT_TTL seconds.

    Chroma's ``count()`` costs milliseconds on a large embedded store; a question should not pay
    it. With a Chroma server (``chroma_url``) it is re-read every time (see below).
    """
    key = (str(settings.home), _stem(settings, collection_name))
    gen = read_generation(settings, collection_name)
    now = time.monotonic()
    seen = _COUNTS.get(key)
    # A Chroma server is also written by processes on other machines, whose ingestion bumps no
    # generation under this PLAIT_HOME: count on every question (one HTTP call) so every replica
    # sees an ingest at its next question.
    ttl = 0.0 if settings.chroma_url else COUNT_TTL
    if seen is None or seen[1] != gen or now - seen[0] > ttl:
        seen = (now, gen, collection.count())
        _COUNTS[key] = seen
    return seen[2]


_STALE: set[tuple[str, str]] = set()  # indexes that named chunks Chroma could not find
_REBUILT: dict[tuple[str, str], str] = {}  # key -> signature of the last forced rebuild


def forget_index(settings: Settings, collection_name: str) -> None:
    """The index named a chunk the store does not hold: rebuild it from Chroma on the next question.

    One forced rebuild per signature: if the store itself still lists the chunk, rebuilding again
    on every question would cost a full build each time for nothing (retrieval skips the chunk).
    """
    key = (str(settings.home), _stem(settings, collection_name))
    with _LOCK:
        _COUNTS.pop(key, None)  # re-read the chunk count too
        cached = _CACHE.get(key)
        if cached is not None and _REBUILT.get(key) != cached.signature:
            _STALE.add(key)


def get_index(settings: Settings, collection_name: str, collection, count: int | None = None) -> BM25Index:
    """The BM25 index matching the store now: from memory, from disk, or rebuilt."""
    sig = signature(settings, collection_name, collection, count)
    key = (str(settings.home), _stem(settings, collection_name))
    with _LOCK:
        cached = _CACHE.get(key)
        forced = key in _STALE
        if cached is not None and cached.signature == sig and not forced:
            return cached
        target = _dir(settings, collection_name)
        index = None if forced else _load(target, sig)
        if index is None:
            index = _build(collection, sig)
            try:
                _save(index, target)
            except OSError:
                pass  # a read-only home still answers, it just rebuilds next process
        if forced:
            _STALE.discard(key)
            _REBUILT[key] = sig
        _CACHE[key] = index
        return index
