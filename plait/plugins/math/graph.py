"""The math graph: model -> (execute -> model)* -> finish.

The model reasons and asks for code in any of three forms: an OpenAI-style tool call to
``python``, InternLM2's ``<|action_start|><|interpreter|>`` block in its text (the raw
``internlm2/`` backend turns those into the same tool calls), or a fenced ```python block
(ToRA style). The code runs in the sandbox (``plait/plugins/math/interpreter.py``), its output goes
back as an observation, and after at most ``max_turns`` model calls the last ``\\boxed{}`` is the answer.
The reply's text is the transcript (the model's words, its code, the outputs); streaming yields
the same pieces as they happen.
"""

from __future__ import annotations

import json
import re
from functools import cached_property
from typing import Any, Iterator

from plait.agents.base import AgentContext, AgentReply, AgentRequest
from plait.agents.math import prompts
from plait.agents.math.state import MathState
from plait.core.errors import InputError
from plait.core.models.base import ChatOptions

DEFAULT_MAX_TURNS = 6
_FENCE = re.compile(r"```(?:python|py)[ \t]*\n(.*?)```", re.S)


def code_requests(text: str, tool_calls: list) -> tuple[str, list[dict]]:
    """(visible text, code to run) from one model turn, whichever form the model used."""
    from plait.core.models.internlm2 import ACTION_START, parse_output
    from plait.plugins.math.answer import last_boxed

    calls = []
    for call in tool_calls:
        if call.name in prompts.INTERPRETER_NAMES:
            try:
                args = json.loads(call.arguments or "{}")
            except json.JSONDecodeError:
                args = {"code": call.arguments}
            code = args.get("code", args.get("command", "")) if isinstance(args, dict) else str(args)
            calls.append({"id": call.id, "code": str(code), "style": "tool"})
    if calls:
        return text, calls
    if ACTION_START in text:
        parsed = parse_output(text)
        runs = [{"id": c.id, "code": json.loads(c.arguments)["code"], "style": "tool"} for c in parsed.tool_calls
                if c.name == "python"]
        if runs:
            return parsed.before, runs[:1]
    if last_boxed(text) is None:
        blocks = _FENCE.findall(text)
        if blocks:
            return text, [{"id": "fence", "code": blocks[-1].rstrip("\n"), "style": "fence"}]
    return text, []


class MathAgent:
    name = "math"
    description = "Solves math problems by reasoning and running Python (sympy) in the sandbox; answers in \\boxed{}."

    def __init__(self, context: AgentContext):
        self.context = context
        self.settings = context.settings

    # -- nodes ---------------------------------------------------------------------------------
    def _model(self, state: MathState) -> dict:
        keys = ("temperature", "max_tokens", "seed")
        opts = state.get("options", {})
        options = ChatOptions(tools=[prompts.PYTHON_TOOL], **{k: opts[k] for k in keys if opts.get(k) is not None})
        result = self.context.model.chat(state["messages"], options)
        text, calls = code_requests(result.text, result.tool_calls)
        if calls and calls[0]["style"] == "tool":
            msg: dict[str, Any] = {"role": "assistant", "content": text, "tool_calls": [
                {"id": c["id"], "type": "function", "function": {"name": "python", "arguments": json.dumps({"code": c["code"]})}}
                for c in calls]}
        else:
            msg = {"role": "assistant", "content": result.text}
        piece = text + "".join(f"\n```python\n{c['code']}\n```\n" for c in calls if c["style"] == "tool")
        return {"messages": state["messages"] + [msg], "pending": calls, "final": result.text,
                "turns": state.get("turns", 0) + 1, "transcript": self._say(state, piece)}

    def _execute(self, state: MathState) -> dict:
        from plait.plugins.math.interpreter import run_cells

        messages, cells = list(state["messages"]), list(state.get("cells", []))
        executions = list(state.get("executions", []))
        transcript = state.get("transcript", "")
        for call in state.get("pending", []):
            ex = run_cells(cells + [call["code"]])
            if ex.status == "ok":
                cells.append(call["code"])
            executions.append(ex.to_json())
            obs = ex.observation()
            if call["style"] == "tool":
                messages.append({"role": "tool", "tool_call_id": call["id"], "name": "python", "content": obs})
            else:
                messages.append({"role": "user", "content": prompts.OUTPUT_BLOCK.format(output=obs)})
            transcript = self._say({**state, "transcript": transcript}, "```output\n" + obs + "\n```\n")
        return {"messages": messages, "cells": cells, "executions": executions, "pending": [], "transcript": transcript}

    def _finish(self, state: MathState) -> dict:
        from plait.plugins.math.answer import extract_answer, last_boxed

        final = state.get("final", "")
        boxed = last_boxed(final)
        finished = not state.get("pending")
        answer = boxed.strip() if boxed is not None else (extract_answer(final, "gsm8k") if final.strip() else None)
        if answer == final.strip() and not any(ch.isdigit() for ch in answer or ""):
            answer = None  # prose without a number is not an answer
        transcript = state.get("transcript", "")
        if not finished:
            transcript = self._say(state, "\n" + prompts.OUT_OF_TURNS.format(turns=state.get("turns", 0)))
        return {"answer": answer, "finished": finished, "transcript": transcript}

    @staticmethod
    def _say(state: MathState, piece: str) -> str:
        """Append ``piece`` to the transcript (the reply's text) and stream it when streaming."""
        transcript = state.get("transcript", "")
        if piece and transcript and not transcript.endswith("\n"):
            piece = "\n" + piece
        if piece and state.get("streaming"):
            from langgraph.config import get_stream_writer

            get_stream_writer()(piece)
        return transcript + piece

    def _route(self, state: MathState) -> str:
        if state.get("pending") and state.get("turns", 0) < state.get("max_turns", DEFAULT_MAX_TURNS):
            return "execute"
        return "finish"

    # -- graph -------------------------------------------------------------------------------------
    @cached_property
    def graph(self):
        from langgraph.graph import END, START, StateGraph

        g = StateGraph(MathState)
        g.add_node("model", self._model)
        g.add_node("execute", self._execute)
        g.add_node("finish", self._finish)
        g.add_edge(START, "model")
        g.add_conditional_edges("model", self._route, {"execute": "execute", "finish": "finish"})
        g.add_edge("execute", "model")
        g.add_edge("finish", END)
        return g.compile(name="math")

    # -- Agent protocol ------------------------------------------------------------------------------
    def _inputs(self, request: AgentRequest, streaming: bool) -> dict:
        users = [m for m in request.messages if m.get("role") == "user"]
        if not users or not str(users[-1].get("content") or "").strip():
            raise InputError("the request has no problem to solve; send a non-empty user message")
        history = [m for m in request.messages[:-1] if m.get("role") in ("user", "assistant")]
        max_turns = int(request.options.get("max_turns") or self.context.options.get("max_turns")
                        or self.settings.table("math").get("max_turns", DEFAULT_MAX_TURNS))
        if max_turns < 1:
            raise InputError(f"max_turns must be at least 1, got {max_turns}")
        problem = str(users[-1]["content"])
        return {"problem": problem, "messages": prompts.initial_messages(problem, history), "options": dict(request.options),
                "max_turns": max_turns, "turns": 0, "cells": [], "executions": [], "pending": [], "streaming": streaming,
                "transcript": ""}

    @staticmethod
    def _reply(state: dict) -> AgentReply:
        executions = state.get("executions", [])
        backends = sorted({e["backend"] for e in executions if e.get("backend")})
        return AgentReply(state.get("transcript", ""), extras={
            "answer": state.get("answer"), "turns": state.get("turns", 0), "finished": bool(state.get("finished")),
            "final": state.get("final", ""),
            "executions": executions, "backend": executions[-1]["backend"] if executions else None, "backends": backends,
        })

    def invoke(self, request: AgentRequest) -> AgentReply:
        inputs = self._inputs(request, False)
        state = self.graph.invoke(inputs, {"recursion_limit": 2 * inputs["max_turns"] + 10})
        return self._reply(state)

    def stream(self, request: AgentRequest) -> Iterator[str | AgentReply]:
        final: dict = {}
        inputs = self._inputs(request, True)
        for mode, chunk in self.graph.stream(inputs, {"recursion_limit": 2 * inputs["max_turns"] + 10},
                                             stream_mode=["custom", "values"]):
            if mode == "custom" and chunk:
                yield str(chunk)
            elif mode == "values":
                final = chunk
        yield self._reply(final)
