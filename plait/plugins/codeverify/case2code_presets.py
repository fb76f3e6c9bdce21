"""Case2Code presets: plait's defaults and the Case2Code paper's settings (issue 20).

Read through :func:`plait.core.presets.resolve_preset`; explicit flags win. The tests read this
table, so the numbers live here only.
"""

from __future__ import annotations

from typing import Any

from plait.core.presets import differences, resolve_preset

METHOD = "case2code"

PRESETS: dict[str, dict[str, Any]] = {
    "default": {
        "render": "plait",        # 5 instruction templates, one example style
        "min_shown": None,        # every case is shown, none held out
        "input_mode": "literal",  # model-written dict literals, parsed, never executed
        "inputs": 10,
        "temperature": 0.7,
        "samples": 1,             # eval: predictions scored per reference (pass@1..K)
    },
    "paper": {
        "render": "paper",        # 28 instructions, 20 example headers, 8 name headers, 13 example templates
        "min_shown": 3,           # k in [3, n] cases shown, the rest held out for checking
        "input_mode": "executed", # the model's `examples = [...]` code, run in the sandbox
        "inputs": 10,
        "temperature": 0.2,
        "samples": 1,
    },
}

SOURCES: dict[str, str] = {
    "render": "Case2Code paper, data synthesis: prompt templates; released prompt_code_data.py (counts and styles)",
    "min_shown": "released prompt_code_data.py: num_samples = randint(3, n)",
    "input_mode": "Case2Code paper, input generation: the LLM writes `examples = [dict(...)]`, executed",
    "inputs": "released write_testcase prompt: 10 different example inputs",
    "temperature": "released input-writing data file (llama3_1-70b-inst-temp0.2)",
    "samples": "Case2Code paper reports pass@k; K is the user's choice (1 = pass@1)",
}


def effective(name: str | None, **overrides: Any) -> dict[str, Any]:
    """The settings a run uses: the preset's, then every flag given explicitly."""
    return resolve_preset(PRESETS, name, overrides, method=METHOD)


def table_rows() -> dict[str, tuple[Any, Any]]:
    """Settings that differ between the presets (for docs/presets.md)."""
    return differences(PRESETS)
