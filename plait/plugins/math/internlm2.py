"""InternLM2's chat format: ChatML plus an ``environment`` role and in-band tool actions.

    <|im_start|>system name=<|plugin|>\\n[tool schemas as JSON]<|im_end|>
    <|im_start|>assistant\\nthoughts<|action_start|><|plugin|>\\n{"name": ..., "parameters": {...}}<|action_end|><|im_end|>
    <|im_start|>environment name=<|plugin|>\\n{tool output}<|im_end|>

Code-interpreter calls are ``<|action_start|><|interpreter|>`` followed by a fenced Python block.
Here OpenAI-style messages are rendered into that text (``render``), conversations and model
output are parsed back (``parse_conversation``, ``parse_output``, ``StreamParser`` for deltas),
and ``InternLM2CompletionModel`` is a ChatModel over a raw ``/v1/completions`` endpoint serving
an InternLM2 model. A tool named ``python`` or ``math_python`` (``INTERPRETER_TOOLS``) maps to
``<|interpreter|>``; its calls come back as tool calls named ``python`` with ``{"code": ...}``, or,
from ``InternLM2CompletionModel``, named after the interpreter tool the request offered.

Moved here from ``plait.core.models.internlm2`` (a deprecated shim there re-exports it): the format
belongs to the math capability, not to the generic model layer.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterator

from plait.core.models.base import ChatOptions, ChatResult, Choice, Message, ToolCall

__all__ = [
    "ACTION_END", "ACTION_START", "IM_END", "IM_START", "INTERPRETER", "INTERPRETER_PROMPT", "INTERPRETER_TOOL",
    "INTERPRETER_TOOLS", "InternLM2CompletionModel", "PLUGIN", "ParsedOutput", "SPECIAL", "StreamEvent",
    "StreamParser", "collect", "parse_conversation", "parse_output", "render", "render_action",
]

IM_START, IM_END = "<|im_start|>", "<|im_end|>"
ACTION_START, ACTION_END = "<|action_start|>", "<|action_end|>"
PLUGIN, INTERPRETER = "<|plugin|>", "<|interpreter|>"
SPECIAL = (IM_START, IM_END, ACTION_START, ACTION_END, PLUGIN, INTERPRETER)
INTERPRETER_TOOL = "python"
# Tools rendered as the code interpreter: the generic name and the math plugin's registered tool.
INTERPRETER_TOOLS = (INTERPRETER_TOOL, "math_python")
_NAME_TOKENS = {"plugin": PLUGIN, "interpreter": INTERPRETER}

INTERPRETER_PROMPT = (
    "You now have access to a Jupyter notebook environment supporting Python code execution. Just send code "
    "to python to run in this stateful environment. This feature is suitable for:\n"
    "- Data analysis or processing (such as data manipulation and graphic creation)\n"
    "- Complex calculations (such as math and physics problems)\n"
    "- Programming examples (for understanding programming concepts or language features)\n"
    "- Text processing and analysis (including text analysis and natural language processing)\n"
    "- Machine learning and data science (model training and data visualization)\n"
    "- File operations and data import (handling CSV, JSON, etc. formats)"
)


# -- rendering ---------------------------------------------------------------------------------
def _header(role: str, name: str | None) -> str:
    if not name:
        return f"{IM_START}{role}\n"
    return f"{IM_START}{role} name={_NAME_TOKENS.get(name, name)}\n"


def _content(msg: Message) -> str:
    c = msg.get("content") or ""
    if isinstance(c, list):  # OpenAI content parts
        c = "".join(p.get("text", "") for p in c if isinstance(p, dict))
    return str(c)


def render_action(name: str, arguments: str | dict) -> str:
    """One ``<|action_start|>...<|action_end|>`` block for a tool call."""
    args = json.loads(arguments or "{}") if isinstance(arguments, str) else arguments
    if name in INTERPRETER_TOOLS:
        return f"{ACTION_START}{INTERPRETER}\n```python\n{args.get('code', '')}\n```{ACTION_END}"
    return f"{ACTION_START}{PLUGIN}\n{json.dumps({'name': name, 'parameters': args}, ensure_ascii=False)}{ACTION_END}"


def _functions(tools: list[dict]) -> list[dict]:
    return [t.get("function", t) for t in tools]


def render(
    messages: list[Message],
    tools: list[dict] | None = None,
    *,
    interpreter: bool | str = False,
    add_generation_prompt: bool = True,
) -> str:
    """The InternLM2 prompt text for OpenAI-style ``messages``.

    ``tools`` (OpenAI schemas) become the ``system name=<|plugin|>`` prompt, except a tool named
    ``python`` or ``math_python`` which turns on the interpreter prompt; ``interpreter=True`` (or a custom prompt
    string) adds it explicitly. Both go after the leading system messages, as in InternLM's docs.
    """
    plugin_fns = [f for f in _functions(tools or []) if f.get("name") not in INTERPRETER_TOOLS]
    if any(f.get("name") in INTERPRETER_TOOLS for f in _functions(tools or [])) and not interpreter:
        interpreter = True
    extra: list[str] = []
    if interpreter:
        extra.append(_header("system", "interpreter") + (interpreter if isinstance(interpreter, str) else INTERPRETER_PROMPT) + IM_END + "\n")
    if plugin_fns:
        extra.append(_header("system", "plugin") + json.dumps(plugin_fns, ensure_ascii=False, indent=4) + IM_END + "\n")
    out: list[str] = []
    kinds: dict[str, str] = {}  # tool_call_id -> "plugin" | "interpreter"
    inserted = not extra
    for msg in messages:
        role = msg.get("role")
        if not inserted and not (role == "system" and not msg.get("name")):
            out.extend(extra)
            inserted = True
        if role == "assistant":
            body = _content(msg)
            for call in msg.get("tool_calls") or []:
                fn = call.get("function", call)
                kinds[call.get("id", "")] = "interpreter" if fn["name"] in INTERPRETER_TOOLS else "plugin"
                body += render_action(fn["name"], fn.get("arguments") or "{}")
            body += msg.get("trailing", "")
            out.append(_header("assistant", msg.get("name")) + body + IM_END + "\n")
        elif role in ("tool", "function", "environment"):
            kind = msg.get("name") if role == "environment" else kinds.get(msg.get("tool_call_id", ""))
            if kind is None:
                kind = "interpreter" if msg.get("name") in INTERPRETER_TOOLS else "plugin"
            out.append(_header("environment", kind) + _content(msg) + IM_END + "\n")
        elif role in ("system", "user"):
            out.append(_header(role, msg.get("name")) + _content(msg) + IM_END + "\n")
        else:
            raise ValueError(f"InternLM2 format has no role {role!r}; use system, user, assistant, tool or environment")
    if not inserted:
        out.extend(extra)
    if add_generation_prompt:
        out.append(f"{IM_START}assistant\n")
    return "".join(out)


# -- parsing -----------------------------------------------------------------------------------
@dataclass
class StreamEvent:
    type: str  # "text" | "tool_call" | "code" | "invalid_action"
    text: str = ""  # text delta, or the raw body of an invalid action
    tool_call: ToolCall | None = None  # set for tool_call and code
    code: str | None = None  # set for code


def _split_code(body: str) -> str:
    body = body.strip("\n")
    m = re.match(r"^```[ \t]*(?:python|py|python3)?[ \t]*\n(.*?)\n?```\s*$", body, re.S)
    return m.group(1) if m else body


class StreamParser:
    """Incremental parser of one assistant turn: ``feed(delta)`` returns events as soon as they are certain.

    Text is released as it arrives except a tail that could be the start of a special token, so a
    split ``<|action_start|>`` never leaks into the text; an action is reported whole when
    ``<|action_end|>`` (or ``<|im_end|>``, or the end of the stream) closes it.
    """

    def __init__(self) -> None:
        self.buf = ""
        self.state = "text"  # text | head | body | done
        self.kind = ""
        self.calls = 0

    def _hold(self, s: str, tokens: tuple[str, ...]) -> int:
        """Length of the longest suffix of ``s`` that is a proper prefix of a token."""
        for n in range(min(len(s), max(len(t) for t in tokens) - 1), 0, -1):
            if any(t.startswith(s[-n:]) for t in tokens):
                return n
        return 0

    def feed(self, delta: str) -> list[StreamEvent]:
        self.buf += delta
        events: list[StreamEvent] = []
        while True:
            if self.state == "done":
                self.buf = ""
                return events
            if self.state == "text":
                stops = [(self.buf.find(t), t) for t in SPECIAL if t in self.buf]
                if stops:
                    i, tok = min(stops)
                    if i:
                        events.append(StreamEvent("text", self.buf[:i]))
                    self.buf = self.buf[i + len(tok):]
                    if tok == ACTION_START:
                        self.state = "head"
                    elif tok in (IM_END, IM_START):
                        self.state = "done"
                    # a stray <|action_end|>, <|plugin|> or <|interpreter|> is dropped, never shown
                    continue
                keep = self._hold(self.buf, SPECIAL)
                if len(self.buf) > keep:
                    events.append(StreamEvent("text", self.buf[: len(self.buf) - keep]))
                    self.buf = self.buf[len(self.buf) - keep:]
                return events
            if self.state == "head":
                for tok, kind in ((PLUGIN, "plugin"), (INTERPRETER, "interpreter")):
                    if self.buf.startswith(tok):
                        self.buf, self.kind, self.state = self.buf[len(tok):], kind, "body"
                        break
                else:
                    if any(t.startswith(self.buf) for t in (PLUGIN, INTERPRETER)):
                        return events  # wait for the rest of the token
                    self.kind, self.state = "unknown", "body"
                continue
            # body: wait for the end of the action
            ends = [(self.buf.find(t), t) for t in (ACTION_END, IM_END) if t in self.buf]
            if not ends:
                return events
            i, tok = min(ends)
            events.append(self._action(self.buf[:i]))
            self.buf = self.buf[i + len(tok):]
            self.state = "text" if tok == ACTION_END else "done"

    def close(self) -> list[StreamEvent]:
        """Flush at the end of the stream (a server may stop on ``<|action_end|>`` and drop it)."""
        events: list[StreamEvent] = []
        if self.state == "text" and self.buf:
            events.append(StreamEvent("text", self.buf))
        elif self.state in ("head", "body"):
            events.append(self._action(self.buf))
        self.buf, self.state = "", "done"
        return events

    def _action(self, body: str) -> StreamEvent:
        call_id = f"call_{self.calls}"
        self.calls += 1
        if self.kind == "interpreter":
            code = _split_code(body)
            call = ToolCall(call_id, INTERPRETER_TOOL, json.dumps({"code": code}, ensure_ascii=False))
            return StreamEvent("code", tool_call=call, code=code)
        try:
            data = json.loads(body.strip())
            name = data["name"]
            args = data.get("parameters", data.get("arguments", {}))
            if isinstance(args, str):
                args = json.loads(args)
        except (ValueError, KeyError, TypeError):
            return StreamEvent("invalid_action", text=body)
        return StreamEvent("tool_call", tool_call=ToolCall(call_id, name, json.dumps(args, ensure_ascii=False)))


@dataclass
class ParsedOutput:
    text: str  # what the model said outside actions (before and after them)
    tool_calls: list[ToolCall] = field(default_factory=list)  # plugin calls and interpreter calls
    code: list[str] = field(default_factory=list)  # interpreter code blocks, in order
    invalid: list[str] = field(default_factory=list)  # action bodies that were not valid JSON calls
    before: str = ""  # text before the first action
    trailing: str = ""  # text after the last action


def collect(events: list[StreamEvent]) -> ParsedOutput:
    out = ParsedOutput("")
    seen_action = False
    for ev in events:
        if ev.type == "text":
            out.text += ev.text
            if seen_action:
                out.trailing += ev.text
            else:
                out.before += ev.text
            continue
        seen_action = True
        out.trailing = ""
        if ev.type == "invalid_action":
            out.invalid.append(ev.text)
            continue
        assert ev.tool_call is not None
        out.tool_calls.append(ev.tool_call)
        if ev.code is not None:
            out.code.append(ev.code)
    return out


def parse_output(text: str) -> ParsedOutput:
    """Text, tool calls and code of one assistant turn."""
    p = StreamParser()
    return collect(p.feed(text) + p.close())


def _assistant_message(body: str) -> Message:
    parsed = parse_output(body)
    if not parsed.tool_calls:
        return {"role": "assistant", "content": body}
    msg: Message = {"role": "assistant", "content": parsed.before, "tool_calls": [
        {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}} for c in parsed.tool_calls
    ]}
    if parsed.trailing:
        msg["trailing"] = parsed.trailing
    return msg


def parse_conversation(text: str) -> list[Message]:
    """OpenAI-style messages from a rendered InternLM2 conversation (inverse of ``render``).

    Plugin/interpreter system prompts stay system messages with ``name`` ``plugin``/``interpreter``;
    an environment turn becomes a ``tool`` message answering the previous assistant's call (or an
    ``environment`` message when there is no call to answer).
    """
    names = {v: k for k, v in _NAME_TOKENS.items()}
    messages: list[Message] = []
    pending: list[dict] = []
    n_calls = 0
    for chunk in text.split(IM_START)[1:]:
        head, _, rest = chunk.partition("\n")
        closed = IM_END in rest
        body = rest.split(IM_END, 1)[0]
        role, _, attr = head.partition(" name=")
        name = names.get(attr, attr) or None
        if role == "assistant":
            if not closed and not body:
                continue  # the generation prompt
            msg = _assistant_message(body)
            for call in msg.get("tool_calls", []):
                call["id"] = f"call_{n_calls}"  # unique across the conversation
                n_calls += 1
            pending = list(msg.get("tool_calls", []))
        elif role == "environment" and pending:
            call = pending.pop(0)
            msg = {"role": "tool", "tool_call_id": call["id"], "name": call["function"]["name"], "content": body}
        else:
            msg = {"role": role, "content": body}
            if name:
                msg["name"] = name
        messages.append(msg)
    return messages


# -- a ChatModel over a raw completion endpoint ------------------------------------------------------
def _interpreter_name(tools: list[dict] | None) -> str:
    """The name the request gave its interpreter tool, so a call comes back under the name offered."""
    offered = [f.get("name") for f in _functions(tools or []) if f.get("name") in INTERPRETER_TOOLS]
    return str(offered[0]) if offered else INTERPRETER_TOOL


def _named(call: ToolCall, name: str) -> ToolCall:
    return ToolCall(call.id, name, call.arguments) if call.name == INTERPRETER_TOOL and name != call.name else call


def _named_event(ev: StreamEvent, name: str) -> StreamEvent:
    if ev.type == "code" and ev.tool_call is not None:
        ev.tool_call = _named(ev.tool_call, name)
    return ev


class InternLM2CompletionModel:
    """``internlm2/NAME``: render messages to InternLM2 text, call ``/v1/completions``, parse the reply.

    For a vLLM server started without a chat template or tool parser; it asks vLLM to keep special
    tokens (``skip_special_tokens: false``), which the action markers are.
    """

    def __init__(self, model: str, base_url: str, api_key: str | None = None, timeout: float = 600.0):
        self.name = f"internlm2/{model}"
        self.model = model
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key or "EMPTY"
        self.timeout = timeout

    @classmethod
    def from_settings(cls, name: str, settings: Any) -> "InternLM2CompletionModel":
        from plait.core.errors import ConfigError

        table = settings.table("internlm2")
        url = table.get("url") or settings.llm_url
        if not url:
            raise ConfigError(
                f"internlm2/{name} needs the URL of a completion server: set PLAIT_LLM_URL "
                "(e.g. http://127.0.0.1:8000/v1 for `vllm serve internlm/internlm2-math-plus-7b`) or [internlm2] url"
            )
        return cls(name, url, table.get("api_key") or settings.llm_api_key)

    def _client(self):
        import openai

        return openai.OpenAI(base_url=self.base_url, api_key=self.api_key, timeout=self.timeout, max_retries=0)

    def _request(self, messages: list[Message], options: ChatOptions) -> dict[str, Any]:
        req: dict[str, Any] = {
            "model": self.model,
            "prompt": render(messages, options.tools),
            "stop": [IM_END] + list(options.stop or []),
            "n": options.n,
            "extra_body": {"skip_special_tokens": False, "spaces_between_special_tokens": False},
        }
        for key in ("temperature", "max_tokens", "seed"):
            if getattr(options, key) is not None:
                req[key] = getattr(options, key)
        return req

    def _call(self, fn, **req):
        import openai

        from plait.core.errors import ModelResponseError, ModelUnavailable

        try:
            return fn(**req)
        except openai.APIConnectionError as exc:
            raise ModelUnavailable(
                f"no completion server at {self.base_url} ({exc}); start one with "
                f"`vllm serve {self.model}` or set PLAIT_LLM_URL"
            ) from exc
        except openai.APIStatusError as exc:
            raise ModelResponseError(f"{self.base_url} refused the completion request: {exc}") from exc

    def chat(self, messages: list[Message], options: ChatOptions | None = None) -> ChatResult:
        options = options or ChatOptions()
        resp = self._call(self._client().completions.create, **self._request(messages, options))
        choices = []
        name = _interpreter_name(options.tools)
        for c in resp.choices:
            parsed = parse_output(c.text or "")
            calls = [_named(call, name) for call in parsed.tool_calls]
            finish = "tool_calls" if calls else (c.finish_reason or "stop")
            choices.append(Choice(parsed.text, calls, finish))
        usage = resp.usage.model_dump() if getattr(resp, "usage", None) else {}
        return ChatResult(choices, model=self.name, usage=usage)

    def stream_events(self, messages: list[Message], options: ChatOptions | None = None) -> Iterator[StreamEvent]:
        """Events (text deltas, then tool calls / code as each action closes) while the server streams."""
        options = options or ChatOptions()
        parser = StreamParser()
        name = _interpreter_name(options.tools)
        for chunk in self._call(self._client().completions.create, stream=True, **self._request(messages, options)):
            if chunk.choices:
                yield from (_named_event(ev, name) for ev in parser.feed(chunk.choices[0].text or ""))
        yield from (_named_event(ev, name) for ev in parser.close())

    def stream(self, messages: list[Message], options: ChatOptions | None = None) -> Iterator[str]:
        for ev in self.stream_events(messages, options):
            if ev.type == "text":
                yield ev.text
