"""The ``openai`` backend: any OpenAI-compatible server, vLLM first.

``openai/<model>`` talks to ``PLAIT_LLM_URL`` (default ``http://127.0.0.1:8000/v1``, where
``vllm serve`` listens) with ``PLAIT_LLM_API_KEY`` (default ``EMPTY``, what vLLM expects when it
runs without ``--api-key``). Options in the ``[openai]`` table of plait.toml (or
``PLAIT_OPENAI__<KEY>``):

- ``structured_output``: how ``ChatOptions.json_schema`` is sent —
  ``vllm`` (default): ``extra_body={"structured_outputs": {"json": schema}}`` (vLLM ≥ 0.10; the old
  ``guided_*`` keys are gone), ``response_format``: OpenAI's ``{"type": "json_schema", ...}``,
  ``json_object``: ``{"type": "json_object", "schema": schema}`` (llama-cpp-python's server).
- ``timeout`` (seconds, default 120) and ``max_retries`` (default 2; the SDK retries connection
  errors, 408/409/429 and 5xx with exponential backoff).
- ``embed_batch_size`` (default 64), ``embed_max_tokens`` (default: the server's ``max_model_len``).
"""

from __future__ import annotations

import math
import re
from contextlib import contextmanager
from typing import Any, Iterator
from urllib.parse import urlsplit

from plait.core.errors import ConfigError, ModelError, ModelResponseError, ModelUnavailable
from plait.core.models.base import ChatOptions, ChatResult, Message
from plait.core.models.openai_format import parse_completion, tool_choice_param

DEFAULT_URL = "http://127.0.0.1:8000/v1"
STRUCTURED_MODES = ("vllm", "response_format", "json_object")
START_HINT = (
    "start one with `vllm serve MODEL --host 127.0.0.1 --port 8000` "
    "or set PLAIT_LLM_URL to a running OpenAI-compatible server"
)


def normalize_url(url: str | None) -> str:
    """``http://host:8000`` -> ``http://host:8000/v1``; a URL with a path is kept as given."""
    url = (url or DEFAULT_URL).strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"PLAIT_LLM_URL {url!r} is not an http(s) URL; use e.g. {DEFAULT_URL}")
    return url if parts.path not in ("", "/") else url + "/v1"


def _table_value(table: dict[str, Any], key: str, default: Any, kind: type) -> Any:
    value = table.get(key, default)
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise ConfigError(f"[openai] {key} = {value!r} is not a valid {kind.__name__}") from None


class _Client:
    """The SDK client plus the error translation both chat and embeddings need."""

    def __init__(self, base_url: str, api_key: str | None, timeout: float, max_retries: int):
        from openai import OpenAI

        self.base_url = normalize_url(base_url)
        self.api_key = api_key or "EMPTY"
        self.timeout = timeout
        self.sdk = OpenAI(base_url=self.base_url, api_key=self.api_key, timeout=timeout, max_retries=max_retries)

    @contextmanager
    def errors(self, model: str, hint: str = ""):
        """Turn SDK exceptions into plait errors that name the URL and the next step."""
        import openai

        try:
            yield
        except openai.APITimeoutError:
            raise ModelUnavailable(
                f"model server at {self.base_url} did not answer within {self.timeout:g}s; "
                "check that it is not overloaded or raise [openai] timeout"
            ) from None
        except openai.APIConnectionError as exc:
            raise ModelUnavailable(f"no model server at {self.base_url} ({exc.__cause__ or exc}) — {START_HINT}") from None
        except openai.AuthenticationError:
            raise ModelUnavailable(
                f"model server at {self.base_url} rejected the API key; set PLAIT_LLM_API_KEY to the key it was started with"
            ) from None
        except openai.NotFoundError as exc:
            raise ModelUnavailable(
                f"model server at {self.base_url} has no model {model!r} ({_server_message(exc)}); "
                f"served models: {', '.join(self.served_models()) or 'unknown'}{hint}"
            ) from None
        except openai.APIStatusError as exc:
            raise ModelResponseError(
                f"model server at {self.base_url} answered HTTP {exc.status_code} for model {model!r}: "
                f"{_server_message(exc)}{hint}"
            ) from None
        except openai.OpenAIError as exc:
            raise ModelResponseError(f"model server at {self.base_url} sent an unusable answer: {exc}") from None

    def served_models(self) -> list[str]:
        try:
            return [m.id for m in self.sdk.with_options(max_retries=0).models.list()]
        except Exception:  # only used to enrich an error message
            return []

    def model_info(self, model: str) -> dict[str, Any]:
        """The ``/v1/models`` entry of ``model`` as a dict (vLLM adds ``max_model_len``)."""
        with self.errors(model):
            for m in self.sdk.models.list():
                if m.id == model:
                    return m.model_dump()
        return {}


def _server_message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict) and err.get("message"):
            return str(err["message"])[:500]
        if isinstance(body.get("detail"), str):
            return body["detail"][:500]
    return str(getattr(exc, "message", exc))[:500]


class OpenAIChatModel:
    """Chat over ``/v1/chat/completions`` of an OpenAI-compatible server."""

    def __init__(
        self,
        model: str,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        structured_output: str = "vllm",
        timeout: float = 120.0,
        max_retries: int = 2,
    ):
        if structured_output not in STRUCTURED_MODES:
            raise ConfigError(
                f"[openai] structured_output = {structured_output!r}; use one of {', '.join(STRUCTURED_MODES)}"
            )
        self.model = model
        self.name = f"openai/{model}"
        self.structured_output = structured_output
        self.client = _Client(base_url or DEFAULT_URL, api_key, timeout, max_retries)

    @classmethod
    def from_settings(cls, name: str, settings) -> "OpenAIChatModel":
        table = settings.table("openai")
        return cls(
            name,
            settings.llm_url,
            settings.llm_api_key,
            structured_output=str(table.get("structured_output", "vllm")),
            timeout=_table_value(table, "timeout", 120.0, float),
            max_retries=_table_value(table, "max_retries", 2, int),
        )

    @property
    def base_url(self) -> str:
        return self.client.base_url

    def request_params(self, messages: list[Message], options: ChatOptions) -> dict[str, Any]:
        """The keyword arguments of ``chat.completions.create`` for these options."""
        kw: dict[str, Any] = {"model": self.model, "messages": messages}
        if options.temperature is not None:
            kw["temperature"] = options.temperature
        if options.max_tokens is not None:
            kw["max_tokens"] = options.max_tokens
        if options.n != 1:
            kw["n"] = options.n
        if options.stop:
            kw["stop"] = options.stop
        if options.seed is not None:
            kw["seed"] = options.seed
        if options.logprobs is not None:
            kw["logprobs"] = True
            kw["top_logprobs"] = options.logprobs
        if options.tools:
            kw["tools"] = options.tools
            if options.tool_choice is not None:
                kw["tool_choice"] = tool_choice_param(options.tool_choice)
        if options.json_schema is not None:
            schema = options.json_schema
            if self.structured_output == "vllm":
                kw["extra_body"] = {"structured_outputs": {"json": schema}}
            elif self.structured_output == "response_format":
                title = re.sub(r"[^A-Za-z0-9_-]", "_", str(schema.get("title") or "output"))[:64]
                kw["response_format"] = {"type": "json_schema", "json_schema": {"name": title, "schema": schema}}
            else:
                kw["response_format"] = {"type": "json_object", "schema": schema}
        return kw

    def _hint(self, options: ChatOptions) -> str:
        if options.json_schema is not None:
            others = [m for m in STRUCTURED_MODES if m != self.structured_output]
            return (
                f" (structured output was sent as {self.structured_output!r}; if this server does not accept it, "
                f"set [openai] structured_output to one of {', '.join(others)})"
            )
        return ""

    def chat(self, messages: list[Message], options: ChatOptions | None = None) -> ChatResult:
        options = options or ChatOptions()
        kw = self.request_params(messages, options)
        with self.client.errors(self.model, self._hint(options)):
            response = self.client.sdk.chat.completions.create(**kw)
        raw = response.model_dump() if hasattr(response, "model_dump") else response
        if not isinstance(raw, dict) or not raw.get("choices"):
            raise ModelResponseError(f"model server at {self.base_url} returned no choices for model {self.model!r}")
        return parse_completion(raw, self.name)

    def stream(self, messages: list[Message], options: ChatOptions | None = None) -> Iterator[str]:
        """Content deltas of choice 0, read from the server's SSE stream."""
        options = options or ChatOptions()
        kw = self.request_params(messages, options)
        with self.client.errors(self.model, self._hint(options)):
            stream = self.client.sdk.chat.completions.create(stream=True, **kw)
            with stream:
                for chunk in stream:
                    for choice in chunk.choices or []:
                        if choice.index == 0 and choice.delta is not None and choice.delta.content:
                            yield choice.delta.content


class OpenAIEmbedder:
    """Embeddings over ``/v1/embeddings`` (vLLM: ``vllm serve MODEL --runner pooling``)."""

    def __init__(
        self,
        model: str,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        batch_size: int = 64,
        max_tokens: int | None = None,
        timeout: float = 120.0,
        max_retries: int = 2,
    ):
        self.model = model
        self.id = f"openai/{model}"
        self.batch_size = max(1, batch_size)
        self.client = _Client(base_url or DEFAULT_URL, api_key, timeout, max_retries)
        self._dim: int | None = None
        self._max_tokens = max_tokens
        self._tokenize_ok: bool | None = None
        self._counts: dict[str, int] = {}
        self._hint = f" — serve an embedding model with `vllm serve {model} --runner pooling` and point PLAIT_EMBED_URL at it"

    @classmethod
    def from_settings(cls, name: str, settings) -> "OpenAIEmbedder":
        table = settings.table("openai")
        max_tokens = table.get("embed_max_tokens")
        return cls(
            name,
            settings.embed_url or settings.llm_url,
            settings.embed_api_key or settings.llm_api_key,
            batch_size=_table_value(table, "embed_batch_size", 64, int),
            max_tokens=None if max_tokens is None else _table_value(table, "embed_max_tokens", 0, int),
            timeout=_table_value(table, "timeout", 120.0, float),
            max_retries=_table_value(table, "max_retries", 2, int),
        )

    @property
    def base_url(self) -> str:
        return self.client.base_url

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = len(self.embed(["dimension probe"])[0])
        return self._dim

    @property
    def max_tokens(self) -> int:
        if self._max_tokens is None:
            info = self.client.model_info(self.model)
            self._max_tokens = int(info.get("max_model_len") or 512)
        return self._max_tokens

    def embed(self, texts: list[str]) -> list[list[float]]:
        out: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            batch = texts[start : start + self.batch_size]
            with self.client.errors(self.model, self._hint):
                response = self.client.sdk.embeddings.create(model=self.model, input=batch, encoding_format="float")
            data = sorted(response.data, key=lambda d: d.index)
            if len(data) != len(batch):
                raise ModelResponseError(
                    f"embedding server at {self.base_url} returned {len(data)} vectors for {len(batch)} texts"
                )
            for item in data:
                vec = [float(x) for x in item.embedding]
                norm = math.sqrt(sum(x * x for x in vec)) or 1.0
                out.append([x / norm for x in vec])
        if out and self._dim is None:
            self._dim = len(out[0])
        return out

    def count_tokens(self, text: str) -> int:
        """vLLM's ``/tokenize``; servers without it get a conservative estimate (chars / 3).
        Counts are memoised: chunkers ask about the same text more than once."""
        if text in self._counts:
            return self._counts[text]
        if self._tokenize_ok is not False:
            count = self._tokenize(text)
            if count is not None:
                if len(self._counts) >= 4096:
                    self._counts.clear()
                self._counts[text] = count
                return count
        return max(len(re.findall(r"\w+|[^\w\s]", text)), math.ceil(len(text) / 3))

    def _tokenize(self, text: str) -> int | None:
        import httpx

        root = self.base_url[: -len("/v1")] if self.base_url.endswith("/v1") else self.base_url
        try:
            r = httpx.post(
                f"{root}/tokenize",
                json={"model": self.model, "prompt": text, "add_special_tokens": False},
                headers={"Authorization": f"Bearer {self.client.api_key}"},
                timeout=self.client.timeout,
            )
        except httpx.HTTPError as exc:
            raise ModelUnavailable(f"no embedding server at {self.base_url} ({exc}){self._hint}") from None
        if r.status_code == 200:
            body = r.json()
            self._tokenize_ok = True
            return int(body.get("count", len(body.get("tokens", []))))
        if self._tokenize_ok is None:  # the server has no /tokenize: estimate from now on
            self._tokenize_ok = False
            return None
        raise ModelError(f"embedding server at {self.base_url} failed to tokenize: HTTP {r.status_code} {r.text[:200]}")
