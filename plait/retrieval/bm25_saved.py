"""A saved bm25s index read with numpy alone, for the query path.

Importing bm25s imports scipy.sparse (~80 ms of a fresh ``plait ask``), yet answering a question
needs neither: bm25s saves its eager score matrix as three numpy arrays (CSC: one column of
precomputed BM25 scores per term), and a query's scores are the sum of its terms' columns. Building
an index still uses bm25s (``plait.retrieval.bm25._build``).
"""

from __future__ import annotations

import functools
import importlib.util
import json
from pathlib import Path

# Scoring methods whose saved matrix is the whole score; bm25l and bm25+ add a non-occurrence term
# per query token, so those indexes are read by bm25s itself.
EAGER_METHODS = frozenset({"lucene", "robertson", "atire"})


class SavedScores:
    """The two things ``BM25Index.search`` reads from a ``bm25s.BM25``: ``vocab_dict`` and
    ``get_scores(terms)``, with the same results (summed in the same order, same dtype)."""

    def __init__(self, folder: Path, params: dict):
        import numpy as np

        self.vocab_dict: dict[str, int] = json.loads((folder / "vocab.index.json").read_text(encoding="utf-8"))
        self.data = np.load(folder / "data.csc.index.npy", mmap_mode="r")
        self.indices = np.load(folder / "indices.csc.index.npy", mmap_mode="r")
        self.indptr = np.load(folder / "indptr.csc.index.npy", mmap_mode="r")
        self.num_docs = int(params["num_docs"])
        self.dtype = np.dtype(params.get("dtype", "float32"))

    @classmethod
    def load(cls, folder: Path) -> "SavedScores | None":
        """The saved index in ``folder``, or None when it needs bm25s to score (another method)."""
        params = json.loads((folder / "params.index.json").read_text(encoding="utf-8"))
        return cls(folder, params) if params.get("method") in EAGER_METHODS else None

    def get_scores(self, terms: list[str]):
        import numpy as np

        scores = np.zeros(self.num_docs, dtype=self.dtype)
        for term in terms:  # a repeated term counts again, as in bm25s
            token = self.vocab_dict.get(term)
            if token is None:
                continue
            start, end = int(self.indptr[token]), int(self.indptr[token + 1])
            np.add.at(scores, self.indices[start:end], self.data[start:end])
        return scores


@functools.cache
def english_stopwords() -> frozenset[str]:
    """bm25s's English stopword list, read from its module file without importing the package
    (whose ``__init__`` imports scipy); the same list the index was built with."""
    spec = importlib.util.find_spec("bm25s")  # locates the package, does not run it
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("bm25s is not installed (pip install bm25s)")
    path = Path(list(spec.submodule_search_locations)[0]) / "stopwords.py"
    module_spec = importlib.util.spec_from_file_location("plait._bm25s_stopwords", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return frozenset(module.STOPWORDS_EN)
