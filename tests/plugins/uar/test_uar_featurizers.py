"""The three featurizers: sentence embedder, pooling endpoint (real loopback HTTP server), llama.cpp hidden state."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler

import numpy as np
import pytest

from plait.core.errors import ConfigError, ModelUnavailable
from plait.core.models.scripted import HashEmbedder
from plait.plugins.uar.featurizers import (
    EmbedderFeaturizer, HiddenStateFeaturizer, PoolingFeaturizer, featurizer_from_settings,
)
from plait.testing.kit import http_server, send_json


def test_embedder_featurizer_rows_are_unit_vectors():
    feat = EmbedderFeaturizer(HashEmbedder(32))
    x = feat.features(["a b c", "d"])
    assert feat.id == "embed:scripted/hash-32" and x.shape == (2, 32) and x.dtype == np.float32
    assert np.allclose(np.linalg.norm(x, axis=1), 1.0)


class _Pooling(BaseHTTPRequestHandler):
    """An OpenAI-compatible /v1/embeddings endpoint, as vLLM --runner pooling serves it."""

    seen: list = []

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Pooling.seen.append((self.path, body, self.headers.get("Authorization")))
        vecs = HashEmbedder(16).embed(body["input"])
        data = [{"object": "embedding", "index": i, "embedding": [3 * v for v in vec]} for i, vec in enumerate(vecs)]
        send_json(self, {"object": "list", "data": data[::-1], "model": body["model"]})

    def log_message(self, *args):
        pass


@pytest.fixture
def pooling_server():
    with http_server(_Pooling) as root:
        yield f"{root}/v1"


def test_pooling_featurizer_over_http(pooling_server, plait_home, monkeypatch):
    from plait.core.config import load_settings
    from plait.plugins.uar import featurizers

    featurizers._CACHE.clear()
    monkeypatch.setenv("PLAIT_UAR__FEATURIZER", "pooling")
    monkeypatch.setenv("PLAIT_UAR__POOLING_URL", pooling_server)
    monkeypatch.setenv("PLAIT_UAR__POOLING_MODEL", "internlm2-chat-7b")
    monkeypatch.setenv("PLAIT_LLM_API_KEY", "sk-test")
    feat = featurizer_from_settings(load_settings())
    featurizers._CACHE.clear()
    assert isinstance(feat, PoolingFeaturizer) and feat.id == "pooling:internlm2-chat-7b"
    x = feat.features(["alpha beta", "gamma"])
    # rows come back in input order (the server answered reversed) and normalised
    assert np.allclose(x, np.asarray(HashEmbedder(16).embed(["alpha beta", "gamma"]), dtype=np.float32), atol=1e-6)
    path, body, auth = _Pooling.seen[-1]
    assert path == "/v1/embeddings" and body["model"] == "internlm2-chat-7b" and auth == "Bearer sk-test"


def test_pooling_featurizer_without_server_says_how_to_start_one():
    feat = PoolingFeaturizer("http://127.0.0.1:9/v1", "m", timeout=2)
    with pytest.raises(ModelUnavailable, match="--runner pooling"):
        feat.features(["x"])


def test_hidden_featurizer_needs_a_model_with_hidden_states():
    from plait.core.models.scripted import EchoChatModel

    with pytest.raises(ConfigError, match="hidden states"):
        HiddenStateFeaturizer(EchoChatModel())


def test_unknown_featurizer_kind(plait_home, monkeypatch):
    from plait.core.config import load_settings

    monkeypatch.setenv("PLAIT_UAR__FEATURIZER", "psychic")
    with pytest.raises(ConfigError, match="embed, hidden or pooling"):
        featurizer_from_settings(load_settings())


def test_llamacpp_hidden_state_featurizer_trains_a_head(plait_settings):
    """The embedded chat model's own hidden state (UAR proper) with the packaged SmolLM2."""
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed (pip install 'plait[local]')")
    from plait.core.models import get_chat_model
    from plait.plugins.uar.training import train_head

    feat = HiddenStateFeaturizer(get_chat_model("llamacpp/smollm2", plait_settings))
    assert feat.id == "hidden:llamacpp/smollm2:mean"
    rows = [{"question": f"Search my documents for {t}", "label": 1} for t in ("backups", "pricing", "tea", "servers")]
    rows += [{"question": f"What is {a} times {a + 3}?", "label": 0} for a in (2, 5, 7, 9)]
    head, _ = train_head(feat, "intent", rows, val_rows=rows, c=10.0)
    assert head.dim == feat.features(["x"]).shape[1] and head.val_accuracy == 1.0
