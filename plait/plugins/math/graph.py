"""The math graph: model -> (execute -> model)* -> finish.

The model reasons and asks for code in any of three forms: an OpenAI-style call of the registered
``math_python`` tool (offered with the schema ``Tool.openai_schema()`` gives), InternLM2's
``<|action_start|><|interpreter|>`` block in its text (the raw ``internlm2/`` backend turns those
into the same tool calls), or a fenced ```python block (ToRA style). Every form runs through the
same tool, taken from the tools registry (``ctx.tools``); the cells that ran without error are
passed back as the tool's ``setup`` so variables persist like in a notebook. After at most
``max_turns`` model calls the last ``\\boxed{}`` is the answer. The reply's text is the transcript
(the model's words, its code, the outputs); streaming yields the same pieces as they happen.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

from langchain_core.runnables import RunnableConfig

from plait.agents.base import AgentReply, AgentRequest
from plait.agents.graph_agent import GraphAgent, stream_text, turn_options
from plait.core.errors import ConfigError, InputError, PlaitError
from plait.core.models.base import ChatOptions
from plait.core.tools import Tool
from plait.plugins.math import prompts
from plait.plugins.math.answer import extract_answer, last_boxed
from plait.plugins.math.internlm2 import ACTION_START, parse_output
from plait.plugins.math.state import MathState

DEFAULT_MAX_TURNS = 6
_FENCE = re.compile(r"```(?:python|py)[ \t]*\n(.*?)```", re.S)
# Every ChatOptions field a request may set; ``tools`` is the agent's own (the interpreter tool).
_OPTION_FIELDS = tuple(f.name for f in dataclasses.fields(ChatOptions) if f.name != "tools")
# Sampling settings the agent itself may carry (a preset's), under whatever the request sets.
_AGENT_SAMPLING = ("temperature", "stop", "max_tokens")


def chat_options(options: dict[str, Any], tools: list[dict]) -> ChatOptions:
    """The request's sampling options (all of them: n and stop too) plus the tools offered."""
    return ChatOptions(tools=tools, **{k: options[k] for k in _OPTION_FIELDS if options.get(k) is not None})


def _code_of(arguments: str | None) -> str:
    try:
        args = json.loads(arguments or "{}")
    except json.JSONDecodeError:
        return str(arguments)  # a model that sent the bare code as the arguments
    return str(args.get("code", args.get("command", ""))) if isinstance(args, dict) else str(args)


def code_requests(text: str, tool_calls: list) -> tuple[str, list[dict]]:
    """(visible text, code to run) from one model turn, whichever form the model used."""
    calls = [{"id": c.id, "name": c.name, "code": _code_of(c.arguments), "style": "tool"}
             for c in tool_calls if c.name in prompts.INTERPRETER_NAMES]
    if calls:
        return text, calls
    if ACTION_START in text:
        parsed = parse_output(text)
        runs = [{"id": c.id, "name": c.name, "code": json.loads(c.arguments)["code"], "style": "tool"}
                for c in parsed.tool_calls if c.name == "python"]
        if runs:
            return parsed.before, runs[:1]
    if last_boxed(text) is None:
        blocks = _FENCE.findall(text)
        if blocks:
            return text, [{"id": "fence", "name": prompts.TOOL_NAME, "code": blocks[-1].rstrip("\n"), "style": "fence"}]
    return text, []


def _say(transcript: str, piece: str, config: Any) -> str:
    """Append ``piece`` to the transcript (the reply's text) and stream it when streaming."""
    if piece and transcript and not transcript.endswith("\n"):
        piece = "\n" + piece
    stream_text(config, piece)
    return transcript + piece


def run_tool(tool: Tool, code: str, cells: list[str]) -> tuple[dict[str, Any], str]:
    """(execution record, observation for the model) of one cell run through the math_python tool."""
    try:
        result = tool.call({"code": code, "setup": cells})
    except PlaitError as exc:  # e.g. a replacement tool refused the arguments: the model reads why
        return {"code": code, "status": "tool_error", "stdout": "", "stderr": str(exc), "backend": ""}, f"[tool error: {exc}]"
    if not isinstance(result, dict):
        text = Tool.result_text(result)
        return {"code": code, "status": "ok", "stdout": text, "stderr": "", "backend": ""}, text
    record = {k: v for k, v in result.items() if k != "observation"}
    record.setdefault("code", code)
    return record, str(result.get("observation") or Tool.result_text(record))


class MathAgent(GraphAgent):
    name = "math"
    description = "Solves math problems by reasoning and running Python (sympy) in the sandbox; answers in \\boxed{}."
    history_key = "dialogue"

    # -- the tool ------------------------------------------------------------------------------
    def interpreter(self) -> Tool:
        """The registered ``math_python`` tool; a clear error when a user turned it off."""
        tools = self.context.tools
        tool = tools.get(prompts.TOOL_NAME)
        if not isinstance(tool, Tool):
            known = ", ".join(sorted(tools)) or "none"
            raise ConfigError(prompts.TOOL_DISABLED.format(tool=prompts.TOOL_NAME, known=known))
        return tool

    # -- nodes ---------------------------------------------------------------------------------
    def sampling(self, config: Any) -> dict[str, Any]:
        """The agent's own sampling settings (from ``--preset``), overridden by the request's."""
        own = {k: self.context.options[k] for k in _AGENT_SAMPLING if self.context.options.get(k) is not None}
        return {**own, **{k: v for k, v in turn_options(config).items() if v is not None}}

    def _model(self, state: MathState, config: RunnableConfig) -> dict:
        options = chat_options(self.sampling(config), [self.interpreter().openai_schema()])
        result = self.context.model.chat(state["messages"], options)
        text, calls = code_requests(result.text, result.tool_calls)
        if calls and calls[0]["style"] == "tool":
            msg: dict[str, Any] = {"role": "assistant", "content": text, "tool_calls": [
                {"id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": json.dumps({"code": c["code"]})}}
                for c in calls]}
        else:
            msg = {"role": "assistant", "content": result.text}
        piece = text + "".join(f"\n```python\n{c['code']}\n```\n" for c in calls if c["style"] == "tool")
        tokens, used = state.get("completion_tokens"), result.usage.get("completion_tokens")
        if used is not None:  # the reasoning length `plait eval math --items-out` reports per item
            tokens = (tokens or 0) + used
        return {"messages": state["messages"] + [msg], "pending": calls, "final": result.text,
                "completion_tokens": tokens,
                "alternatives": [c.text for c in result.choices[1:]],
                "turns": state.get("turns", 0) + 1, "transcript": _say(state.get("transcript", ""), piece, config)}

    def _execute(self, state: MathState, config: RunnableConfig) -> dict:
        tool = self.interpreter()
        messages, cells = list(state["messages"]), list(state.get("cells", []))
        executions = list(state.get("executions", []))
        transcript = state.get("transcript", "")
        for call in state.get("pending", []):
            record, obs = run_tool(tool, call["code"], cells)
            if record.get("status") == "ok":
                cells.append(call["code"])  # replayed as setup before later cells
            executions.append(record)
            if call["style"] == "tool":
                messages.append({"role": "tool", "tool_call_id": call["id"], "name": call["name"], "content": obs})
            else:
                messages.append({"role": "user", "content": prompts.OUTPUT_BLOCK.format(output=obs)})
            transcript = _say(transcript, "```output\n" + obs + "\n```\n", config)
        return {"messages": messages, "cells": cells, "executions": executions, "pending": [], "transcript": transcript}

    def _finish(self, state: MathState, config: RunnableConfig) -> dict:
        final = state.get("final", "")
        boxed = last_boxed(final)
        finished = not state.get("pending")
        answer = boxed.strip() if boxed is not None else (extract_answer(final, "gsm8k") if final.strip() else None)
        if answer == final.strip() and not any(ch.isdigit() for ch in answer or ""):
            answer = None  # prose without a number is not an answer
        transcript = state.get("transcript", "")
        if not finished:
            transcript = _say(transcript, "\n" + prompts.OUT_OF_TURNS.format(turns=state.get("turns", 0)), config)
        dialogue = list(state.get("dialogue", [])) + [{"role": "assistant", "content": transcript}]
        return {"answer": answer, "finished": finished, "transcript": transcript, "dialogue": dialogue}

    @staticmethod
    def _route(state: MathState) -> str:
        if state.get("pending") and state.get("turns", 0) < state.get("max_turns", DEFAULT_MAX_TURNS):
            return "execute"
        return "finish"

    # -- GraphAgent ----------------------------------------------------------------------------
    def build_graph(self, checkpointer: Any | None) -> Any:
        from langgraph.graph import END, START, StateGraph

        g = StateGraph(MathState)
        g.add_node("model", self._model)
        g.add_node("execute", self._execute)
        g.add_node("finish", self._finish)
        g.add_edge(START, "model")
        g.add_conditional_edges("model", self._route, {"execute": "execute", "finish": "finish"})
        g.add_edge("execute", "model")
        g.add_edge("finish", END)
        return g.compile(checkpointer=checkpointer, name="math")

    def max_turns(self, request: AgentRequest) -> int:
        turns = int(request.options.get("max_turns") or self.context.options.get("max_turns")
                    or self.settings.table("math").get("max_turns", DEFAULT_MAX_TURNS))
        if turns < 1:
            raise InputError(f"max_turns must be at least 1, got {turns}")
        return turns

    def recursion_limit(self, request: AgentRequest) -> int | None:
        return 2 * self.max_turns(request) + 10

    def graph_input(self, request: AgentRequest) -> dict[str, Any]:
        users = [m for m in request.messages if m.get("role") == "user"]
        if not users or not str(users[-1].get("content") or "").strip():
            raise InputError("the request has no problem to solve; send a non-empty user message")
        self.interpreter()  # refuse before the first model call when the tool is missing
        history = [m for m in request.messages[:-1] if m.get("role") in ("user", "assistant")]
        if request.session and not history:  # the client sent the new turn only: the session has the rest
            history = self.history(request.session)
        problem = str(users[-1]["content"])
        return {"problem": problem, "messages": prompts.initial_messages(problem, history, self.context.options.get("system_prompt")),
                "max_turns": self.max_turns(request), "turns": 0, "completion_tokens": None,
                "cells": [], "executions": [], "pending": [],
                "transcript": "", "alternatives": [], "dialogue": [*history, {"role": "user", "content": problem}]}

    def make_reply(self, values: dict[str, Any], request: AgentRequest) -> AgentReply:
        executions = values.get("executions", [])
        backends = sorted({e["backend"] for e in executions if e.get("backend")})
        return AgentReply(values.get("transcript", ""), extras={
            "answer": values.get("answer"), "turns": values.get("turns", 0), "finished": bool(values.get("finished")),
            "completion_tokens": values.get("completion_tokens"),
            "final": values.get("final", ""), "executions": executions,
            "backend": executions[-1].get("backend") if executions else None, "backends": backends,
        }, session=request.session, alternatives=list(values.get("alternatives") or []))
