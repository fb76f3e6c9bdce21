"""The query path reads a saved BM25 index with numpy alone: same scores as bm25s, and a fresh
process that searches imports neither bm25s nor scipy."""

import inspect
import json
import subprocess
import sys
import textwrap

import bm25s
import numpy as np
import pytest
from bm25s.stopwords import STOPWORDS_EN

from plait.retrieval.bm25 import tokenize
from plait.retrieval.bm25_saved import SavedScores, english_stopwords


def _stdlib_docs() -> list[str]:
    """Real documentation the project did not write: docstrings of standard-library functions,
    plus a few Chinese lines so CJK bigrams are in the vocabulary."""
    import argparse
    import json as json_module
    import pathlib
    import re
    import shutil
    import subprocess as sp

    docs = []
    for module in (argparse, json_module, pathlib, re, shutil, sp, pathlib.Path, argparse.ArgumentParser, str, dict, list):
        for _, obj in inspect.getmembers(module):
            doc = inspect.getdoc(obj) if callable(obj) else None
            if doc and len(doc) > 40:
                docs.append(doc)
    docs += ["使用 shutil.copytree 复制整个目录树", "正则表达式的分组与替换", "解析命令行参数"]
    return docs


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bm25") / "bm25s"
    docs = _stdlib_docs()
    index = bm25s.BM25()
    index.index(tokenize(docs), show_progress=False)
    index.save(str(folder))
    return folder, len(docs)


QUERIES = ["copy a directory tree recursively", "parse command line arguments with subparsers",
           "regular expression groups groups groups", "json decode error line column", "复制目录树",
           "正则表达式", "no such word zzqx", "path resolve symlinks absolute", "kill the child process timeout"]


def test_saved_scores_equal_bm25s_scores(saved):
    folder, n_docs = saved
    ours, theirs = SavedScores.load(folder), bm25s.BM25.load(str(folder))
    assert ours is not None and n_docs > 150
    for query in QUERIES:
        terms = [t for t in tokenize([query])[0] if t in theirs.vocab_dict]
        if not terms:  # bm25s refuses an empty query; ours scores nothing
            assert not ours.get_scores(tokenize([query])[0]).any()
            continue
        expected = theirs.get_scores(terms)
        got = ours.get_scores(terms)
        assert got.dtype == expected.dtype and np.array_equal(got, expected), query
        assert expected.max() > 0


def test_an_index_with_a_non_occurrence_term_is_left_to_bm25s(tmp_path):
    index = bm25s.BM25(method="bm25l")
    index.index(tokenize(_stdlib_docs()[:30]), show_progress=False)
    index.save(str(tmp_path / "bm25s"))
    assert SavedScores.load(tmp_path / "bm25s") is None  # its scores need the per-token extra term


def test_stopwords_are_bm25s_list_without_importing_it():
    assert english_stopwords() == frozenset(STOPWORDS_EN)


def test_a_fresh_process_searches_without_bm25s_or_scipy(saved):
    folder, _ = saved
    code = textwrap.dedent(f"""
        import json, sys
        from pathlib import Path
        from plait.retrieval.bm25 import BM25Index, tokenize
        from plait.retrieval.bm25_saved import SavedScores
        scores = SavedScores.load(Path({str(folder)!r}))
        ids = [f"c{{i}}" for i in range(scores.num_docs)]
        df = {{term: 1 for term in scores.vocab_dict}}
        hits = BM25Index("sig", ids, df, scores).search(tokenize(["copy a directory tree"])[0], 3)
        print(json.dumps({{"hits": len(hits), "loaded": sorted(m for m in ("bm25s", "scipy") if m in sys.modules)}}))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    report = json.loads(out.stdout)
    assert report == {"hits": 3, "loaded": []}
