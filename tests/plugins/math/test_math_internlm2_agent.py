"""The math agent over the raw-completion InternLM2 backend (a loopback stub of vLLM's /v1/completions)."""

import json
import re
from http.server import BaseHTTPRequestHandler

import pytest

from plait.agents.base import AgentContext, AgentRequest
from plait.plugins.math.graph import MathAgent
from plait.plugins.math.internlm2 import InternLM2CompletionModel
from plait.testing.kit import http_server, send_json


class _Model(BaseHTTPRequestHandler):
    prompts: list = []

    def log_message(self, *a):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        prompt = body["prompt"]
        type(self).prompts.append(prompt)
        outputs = re.findall(r"<\|im_start\|>environment name=<\|interpreter\|>\n(.*?)<\|im_end\|>", prompt, re.S)
        if outputs:
            text = f"The interpreter printed {outputs[-1]}, so the answer is $\\boxed{{{outputs[-1]}}}$."
        else:  # the server stops on <|im_end|>, so <|action_end|> is part of the text
            text = ("Let me count with Python.<|action_start|><|interpreter|>\n```python\n"
                    "from sympy import binomial\nprint(binomial(10, 3))\n```<|action_end|>")
        send_json(self, {"id": "x", "object": "text_completion", "created": 0, "model": body["model"],
                         "choices": [{"index": 0, "text": text, "finish_reason": "stop", "logprobs": None}]})


@pytest.fixture
def server():
    _Model.prompts = []
    with http_server(_Model) as root:
        yield f"{root}/v1"


def test_agent_speaks_the_interpreter_protocol(server, plait_settings):
    from plait.plugins.math.interpreter import run_cells

    if run_cells(["import sympy"]).status != "ok":
        pytest.skip("no sandbox with sympy (apt-get install bubblewrap python3-sympy)")
    model = InternLM2CompletionModel("internlm2-math-plus-7b", server)
    agent = MathAgent(AgentContext(plait_settings, _model=model))
    reply = agent.invoke(AgentRequest([{"role": "user", "content": "How many ways to choose 3 of 10 books?"}]))
    assert reply.extras["answer"] == "120"
    assert reply.extras["executions"][0]["stdout"].strip() == "120" and reply.extras["backend"]
    first, second = _Model.prompts
    assert "<|im_start|>system name=<|interpreter|>\n" in first and "system name=<|plugin|>" not in first
    assert first.endswith("<|im_start|>user\nHow many ways to choose 3 of 10 books?<|im_end|>\n<|im_start|>assistant\n")
    # the second prompt carries the code as an interpreter action and the output in the environment role
    assert ("<|im_start|>assistant\nLet me count with Python.<|action_start|><|interpreter|>\n```python\n"
            "from sympy import binomial\nprint(binomial(10, 3))\n```<|action_end|><|im_end|>\n"
            "<|im_start|>environment name=<|interpreter|>\n120<|im_end|>\n<|im_start|>assistant\n") in second
