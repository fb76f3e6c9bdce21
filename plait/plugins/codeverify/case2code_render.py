"""Case2Code prompts rendered the paper's way (``--preset paper``, ``render = "paper"``).

The scheme follows the Case2Code paper: each prompt shows a random subset of k in [min_shown, n]
cases (the rest are held out, so a trained model can be checked on cases it never saw), and is
assembled from a pool of instruction phrasings, example headers, function-name headers and example
templates in two styles (``raw``: the input as ``dict(...)``; ``call``: a call of the function),
with the parts in a shuffled order. The counts match the paper's release (28 / 20 / 8 / 13); the
texts are plait's own (the release carries no licence, so none of its wording is copied).

Everything is drawn from the ``random.Random`` passed in, so a given seed reproduces the prompt.
"""

from __future__ import annotations

import ast
import random
from dataclasses import dataclass, field
from typing import Any

INSTRUCTIONS = (
    "Write a Python function that turns each input below into the output shown.",
    "Implement the function so that it reproduces every example.",
    "Figure out what the function does from the examples and write it in Python.",
    "Reconstruct the Python function behind these input/output pairs.",
    "Given the examples, write the code of the function.",
    "Deduce the logic from the examples and implement it as a Python function.",
    "Your task: write a function whose behaviour matches the examples.",
    "Study the inputs and outputs, then write the function that produces them.",
    "Create a Python function consistent with all of the following cases.",
    "The examples show a function's inputs and results. Write that function.",
    "Infer the rule that maps inputs to outputs and code it up in Python.",
    "Please write the function that generates these outputs from these inputs.",
    "Can you write a Python function that behaves as in the examples?",
    "Program a function that gives the listed output for each listed input.",
    "Work out the hidden function from its examples and write it down in Python.",
    "Write code for a function that satisfies every example below.",
    "Using the examples as a specification, implement the function.",
    "Here is a function described only by examples; recover its implementation.",
    "Look at the examples and implement a Python function with the same behaviour.",
    "Write the Python source of the function that these examples were taken from.",
    "From these sample calls, reverse-engineer the function.",
    "Produce a function that returns the expected result for each example input.",
    "Develop a Python function matching the behaviour demonstrated below.",
    "The cases below come from one Python function. What is its code?",
    "Implement a function that agrees with the examples on every input.",
    "Based on the examples, write a function that computes the output from the input.",
    "Write a Python implementation that would produce exactly these results.",
    "I need a function that reproduces these examples. Please implement it.",
)

EXAMPLE_HEADERS = (
    "Examples:",
    "Here are some examples:",
    "Input/output pairs:",
    "Sample cases:",
    "Some calls and their results:",
    "Test cases:",
    "Observed behaviour:",
    "A few examples of the function in use:",
    "The function behaves like this:",
    "Cases:",
    "Example calls:",
    "Known inputs and outputs:",
    "Below are example inputs with their outputs:",
    "What the function returns for some inputs:",
    "Demonstrations:",
    "Reference examples:",
    "These examples describe the function:",
    "Given cases:",
    "Inputs and the expected results:",
    "Worked examples:",
)

NAME_HEADERS = (
    "Function: {name}",
    "The function is named {name}.",
    "Function name: {name}",
    "Name the function `{name}`.",
    "Call the function {name}.",
    "The function to write is `{name}`.",
    "Use the name {name} for the function.",
    "Target function: {name}",
)


@dataclass(frozen=True)
class ExampleTemplate:
    style: str  # "raw": {input} is ``dict(a=1)``; "call": {call} is ``name(a=1)``
    text: str


EXAMPLE_TEMPLATES = (
    ExampleTemplate("raw", "Input: {input}, Output: {output}"),
    ExampleTemplate("raw", "Input: {input}\nOutput: {output}"),
    ExampleTemplate("raw", "input = {input}\noutput = {output}"),
    ExampleTemplate("raw", "args = {input} -> {output}"),
    ExampleTemplate("raw", "Arguments: {input}\nResult: {output}"),
    ExampleTemplate("raw", "In: {input}  Out: {output}"),
    ExampleTemplate("raw", "Given {input}, the output is {output}"),
    ExampleTemplate("call", "{call} -> {output}"),
    ExampleTemplate("call", ">>> {call}\n{output}"),
    ExampleTemplate("call", "{call} returns {output}"),
    ExampleTemplate("call", "Call: {call}\nReturns: {output}"),
    ExampleTemplate("call", "{call}\n# {output}"),
    ExampleTemplate("call", "result = {call}  # {output}"),
)

PARTS = ("instruction", "name", "examples")


@dataclass
class Rendered:
    prompt: str
    shown: list[int]      # indices of the cases in the prompt, in prompt order
    held_out: list[int]   # indices never shown (sorted)
    template: dict[str, Any] = field(default_factory=dict)  # which pool entries and part order were drawn


def choose_shown(n: int, min_shown: int | None, rng: random.Random) -> tuple[list[int], list[int]]:
    """k = randint(min_shown, n) cases shown in random order, the rest held out.

    ``min_shown`` None shows every case; with n <= min_shown every case is shown (nothing to hold
    out without going below the minimum).
    """
    if min_shown is None or n <= min_shown:
        shown = list(range(n))
        rng.shuffle(shown)
        return shown, []
    k = rng.randint(min_shown, n)
    shown = rng.sample(range(n), k)
    return shown, sorted(set(range(n)) - set(shown))


def _kwargs(src: str) -> str:
    value = ast.literal_eval(src)
    return ", ".join(f"{k}={v!r}" for k, v in value.items())


def render_paper(name: str, inputs_src: list[str], shown_outputs: list[str], rng: random.Random,
                 min_shown: int | None = 3) -> Rendered:
    """The paper's prompt for function ``name``; ``inputs_src`` are literal dicts, ``shown_outputs``
    the texts a prompt shows (marker already stripped), index-aligned with the inputs."""
    if len(inputs_src) != len(shown_outputs):
        raise ValueError(f"{len(inputs_src)} inputs but {len(shown_outputs)} outputs")
    shown, held_out = choose_shown(len(inputs_src), min_shown, rng)
    i = rng.randrange(len(INSTRUCTIONS))
    h = rng.randrange(len(EXAMPLE_HEADERS))
    f = rng.randrange(len(NAME_HEADERS))
    e = rng.randrange(len(EXAMPLE_TEMPLATES))
    example = EXAMPLE_TEMPLATES[e]
    lines = []
    for j in shown:
        kwargs = _kwargs(inputs_src[j])
        lines.append(example.text.format(input=f"dict({kwargs})", call=f"{name}({kwargs})", output=shown_outputs[j]))
    blocks = {
        "instruction": INSTRUCTIONS[i],
        "name": NAME_HEADERS[f].format(name=name),
        "examples": EXAMPLE_HEADERS[h] + "\n" + "\n".join(lines),
    }
    order = list(PARTS)
    rng.shuffle(order)
    prompt = "\n\n".join(blocks[p] for p in order) + "\n"
    template = {"instruction": i, "examples_header": h, "name_header": f, "example": e, "style": example.style,
                "order": order}
    return Rendered(prompt, shown, held_out, template)
