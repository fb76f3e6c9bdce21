"""Presets of the math agent and ``plait eval math``: plait's defaults and InternLM-Math's settings.

``paper`` is what InternLM-Math's code-interpreter evaluation ran (``agent/math_agent.py`` in
InternLM/InternLM-Math, driving lagent's ``Internlm2Agent``): its interpreter system prompt, at
most 5 model/interpreter rounds, the InternLM2 stop words, temperature 0.1, 512 new tokens, and
answers graded with ToRA's ``math_equal``. ``default`` is plait's own agent prompt with 6 rounds,
the server's sampling defaults and math-verify. The tests read these tables; docs/presets.md
shows them. Explicit flags (``--max-turns``, ``--checker``) win over the preset.
"""

from __future__ import annotations

from typing import Any, Mapping

from plait.core.presets import resolve_preset
from plait.plugins.math.prompts import SYSTEM

# The interpreter prompt exactly as the model received it: lagent sends ``interpreter_prompt`` as
# the system message unformatted, so the doubled braces of the source literal reach the model.
PAPER_SYSTEM = (
    "Integrate step-by-step reasoning and Python code to solve math problems "
    "using the following guidelines:\n"
    "- Analyze the question and write jupyter code to solve the problem;\n"
    "- Present the final result in LaTeX using a '\\boxed{{}}' without any "
    "units. \n"
)

PRESETS: dict[str, dict[str, Any]] = {
    "default": {
        "system_prompt": SYSTEM,
        "max_turns": 6,
        "stop": None,  # the server's own end of turn
        "temperature": None,  # the server's default
        "max_tokens": None,
        "checker": "math-verify",
    },
    "paper": {
        "system_prompt": PAPER_SYSTEM,
        "max_turns": 5,
        "stop": ["<|action_end|>", "<|im_end|>"],
        "temperature": 0.1,
        "max_tokens": 512,
        "checker": "tora",
    },
}

SOURCES: dict[str, str] = {
    "system_prompt": "InternLM/InternLM-Math agent/math_agent.py, DEFAULT_PROMPT (lagent Internlm2Protocol interpreter_prompt)",
    "max_turns": "agent/math_agent.py, --max_turn default 5",
    "stop": "agent/math_agent.py, --stop_words default ['<|action_end|>', '<|im_end|>']",
    "temperature": "agent/math_agent.py, --temperature default 0.1 (top_p 0.8, top_k 40 are not settable through plait's ChatOptions)",
    "max_tokens": "agent/math_agent.py, --max_new_tokens default 512",
    "checker": "agent/math_agent.py evaluate(): math_equal, ported from ToRA (microsoft/ToRA src/eval/grader.py)",
}

CHECKERS = ("math-verify", "tora")

# Settings the agent takes as options (the checker belongs to the evaluation, not the agent).
AGENT_KEYS = ("system_prompt", "max_turns", "stop", "temperature", "max_tokens")


def math_settings(preset: str | None, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The effective settings of one run: the preset's values, then every flag given explicitly."""
    settings = resolve_preset(PRESETS, preset, overrides, method="InternLM-Math (math solve / eval math)")
    if settings["checker"] not in CHECKERS:
        from plait.core.errors import InputError

        raise InputError(f"unknown checker {settings['checker']!r}: choose one of {', '.join(CHECKERS)} (--checker NAME)")
    return settings


def agent_options(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The options the math agent takes from effective settings (None values mean 'not set')."""
    return {key: settings[key] for key in AGENT_KEYS if settings.get(key) is not None}
