"""``unitcoder`` as a chat agent: send Python code (a fenced block), get it verified and repaired."""

from __future__ import annotations

import ast
from typing import Iterator

from plait.agents.base import AgentContext, AgentReply, AgentRequest
from plait.plugins.codeverify.graph import UnitCoder, extract_code


class UnitCoderAgent:
    name = "unitcoder"
    description = "Verifies Python code with model-written unit tests run in the sandbox, and repairs it."

    def __init__(self, context: AgentContext):
        self.context = context

    def invoke(self, request: AgentRequest) -> AgentReply:
        text = next((m.get("content") or "" for m in reversed(request.messages) if m.get("role") == "user"), "")
        code = extract_code(text if isinstance(text, str) else "")
        names = [n.name for n in ast.parse(code).body if isinstance(n, ast.FunctionDef)] if code else []
        if not names:
            return AgentReply("Send a Python function in a ```python code block and I will test and repair it.",
                              extras={"status": "no_code"}, session=request.session)
        opts = {**self.context.options, **request.options}
        coder = UnitCoder(self.context.model, backend=opts.get("backend"))
        state = coder.verify(code, str(opts.get("entry") or names[-1]), rounds=int(opts.get("rounds", 3)),
                             k=int(opts.get("k", 3)), polish=bool(opts.get("polish", False)))
        final = state.get("polished") or state.get("code") or code
        status = state.get("status")
        head = {
            "passed": f"`{state['entry']}` passes its unit tests" + (" after repair." if state.get("passed_round") else "."),
            "polished": f"`{state['entry']}` passes its unit tests; here is a polished version.",
            "failed": f"`{state['entry']}` still fails its unit tests after {state.get('round', 0)} rounds of fixes.",
            "no_tests": "I could not write usable unit tests for this code.",
        }.get(status, str(status))
        body = f"{head}\n\n```python\n{final}```"
        if state.get("tests"):
            body += f"\n\nTests:\n\n```python\n{state['tests']}```"
        extras = {"status": status, "passed_round": state.get("passed_round"), "history": state.get("history", []),
                  "backend": state.get("backend")}
        return AgentReply(body, extras=extras, session=request.session)

    def stream(self, request: AgentRequest) -> Iterator[str | AgentReply]:
        reply = self.invoke(request)
        yield reply.text
        yield reply
