"""Commands: ``plait math check|solve|prompts``, ``plait lean check|prove``, ``plait eval math``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from plait.cli.common import ItemsModelOption, ItemsOutOption, JsonOption, ModelOption, console, err_console, print_json, settings_for, subgroup
from plait.core.presets import preset_option

TimeoutOption = Annotated[float, typer.Option("--timeout", help="hard limit in seconds per comparison")]
StyleOption = Annotated[str, typer.Option("--style", help="answer extraction: auto, math (last \\boxed{}) or gsm8k (last number)")]
CheckerOption = Annotated[Optional[str], typer.Option(
    "--checker", help="math-verify (plait's default) or tora (ToRA's math_equal, as InternLM-Math graded)")]
PresetOption = preset_option()


def check(
    gold: Annotated[str, typer.Argument(help="the reference answer (LaTeX, a number, or text with \\boxed{})")],
    pred: Annotated[str, typer.Argument(help="the answer to check (same forms)")],
    json_out: JsonOption = False,
    timeout: TimeoutOption = 5.0,
    style: StyleOption = "auto",
    checker: CheckerOption = None,
) -> None:
    """Are two answers mathematically equivalent? Exit 0 when they are, 1 when not (or on timeout)."""
    from plait.plugins.math.checker import check_answer

    res = check_answer(gold, pred, timeout=timeout, style=style, checker=checker or "math-verify")
    if json_out:
        print_json(res.to_json())
    else:
        mark = "[green]equivalent[/green]" if res.equivalent else "[red]not equivalent[/red]"
        console.print(f"{mark}: {escape(res.reason)}", highlight=False)
    raise typer.Exit(0 if res.equivalent else 1)


def solve(
    problem: Annotated[str, typer.Argument(help="the math problem, in words or LaTeX")],
    model: ModelOption = None,
    json_out: JsonOption = False,
    max_turns: Annotated[Optional[int], typer.Option("--max-turns", help="model/code rounds before giving up (default: the preset's)")] = None,
    preset: PresetOption = None,
) -> None:
    """Solve a problem with the math agent: the model writes Python, the sandbox runs it, the answer is boxed."""
    from plait.agents.base import AgentRequest, get_agent
    from plait.plugins.math.presets import agent_options, math_settings

    effective = math_settings(preset, {"max_turns": max_turns})
    settings = settings_for(model)
    agent = get_agent("math", settings, model=model, **agent_options(effective))
    reply = agent.invoke(AgentRequest([{"role": "user", "content": problem}]))
    if json_out:
        print_json({"problem": problem, "answer": reply.extras.get("answer"), "text": reply.text, **{
            k: reply.extras.get(k) for k in ("turns", "backend", "executions", "finished")
        }, "preset": effective["preset"], "settings": effective})
        return
    console.print(reply.text, highlight=False, markup=False)
    answer = reply.extras.get("answer")
    console.print(f"\nanswer: {answer if answer is not None else '(none)'}"
                  f"  [dim](turns {reply.extras.get('turns')}, sandbox {reply.extras.get('backend') or 'not used'}, "
                  f"preset {effective['preset']})[/dim]",
                  highlight=False)


def prompts(
    name: Annotated[Optional[str], typer.Argument(help="template to render; omit to list them")] = None,
    var: Annotated[list[str], typer.Option("--set", help="template variable, KEY=VALUE (repeatable)")] = [],
    json_out: JsonOption = False,
) -> None:
    """List the InternLM-Math task templates, or render one with --set KEY=VALUE."""
    from plait.core.errors import InputError
    from plait.plugins.math.prompts import PROMPTS, get_prompt

    if name is None:
        if json_out:
            print_json([{"name": p.name, "description": p.description, "variables": p.variables} for p in PROMPTS.values()])
            return
        for p in PROMPTS.values():
            console.print(f"[bold]{p.name}[/bold] ({', '.join(p.variables)}): {p.description}", highlight=False)
        return
    values = {}
    for item in var:
        key, sep, value = item.partition("=")
        if not sep:
            raise InputError(f"--set {item!r} must look like KEY=VALUE")
        values[key] = value
    text = get_prompt(name).render(**values)
    if json_out:
        print_json({"name": name, "prompt": text})
    else:
        console.print(text, highlight=False, markup=False)


def lean_check(
    file: Annotated[Path, typer.Argument(help="a .lean file with the theorem and its proof")],
    statement: Annotated[Optional[str], typer.Option("--statement", help="the statement that must be proved (checked against the file)")] = None,
    header: Annotated[Optional[str], typer.Option("--header", help="imports/options loaded first (default: [lean] header)")] = None,
    timeout: Annotated[Optional[float], typer.Option("--timeout", help="seconds for the proof (default: [lean] timeout)")] = None,
    json_out: JsonOption = False,
) -> None:
    """Check a Lean 4 proof: valid, sorry, error, timeout, statement_changed, bad_axiom or unavailable. Exit 0 only when valid."""
    from plait.core.errors import InputError
    from plait.plugins.math.lean import check_proof

    if not file.is_file():
        raise InputError(f"no such Lean file: {file}; pass the path of a .lean file")
    res = check_proof(file.read_text(encoding="utf-8"), statement=statement, header=header, timeout=timeout)
    if json_out:
        print_json(res.to_json())
    else:
        colour = "green" if res.status == "valid" else "red"
        console.print(f"[{colour}]{res.status}[/{colour}]: {escape(res.message)}", highlight=False)
        for err in res.errors[:5]:
            console.print(f"  line {err.get('line')}, column {err.get('column')}: {err.get('message')}", highlight=False, markup=False)
    raise typer.Exit(0 if res.status == "valid" else 1)


def lean_prove(
    file: Annotated[Path, typer.Argument(help="a .lean file whose theorem is proved `by sorry`")],
    budget: Annotated[int, typer.Option("--budget", help="tactic states to expand (model calls) before giving up")] = 100,
    samples: Annotated[int, typer.Option("--samples", help="candidate tactics asked of the model per state")] = 8,
    temperature: Annotated[Optional[float], typer.Option("--temperature", help="sampling temperature of the candidates")] = None,
    model: ModelOption = None,
    header: Annotated[Optional[str], typer.Option("--header", help="imports/options loaded first (default: [lean] header)")] = None,
    timeout: Annotated[Optional[float], typer.Option("--timeout", help="seconds per Lean command (default: [lean] timeout)")] = None,
    json_out: JsonOption = False,
) -> None:
    """Search a proof for the file's `sorry`: best-first over the Lean REPL's tactic states, the model
    proposing and scoring tactics. Exit 0 only when a proof is found and checks as a whole."""
    from plait.core.errors import InputError
    from plait.core.models import get_chat_model
    from plait.plugins.math.lean_search import prove_file

    if not file.is_file():
        raise InputError(f"no such Lean file: {file}; pass the path of a .lean file with a `sorry` to prove")
    settings = settings_for(model)
    res = prove_file(file.read_text(encoding="utf-8"), get_chat_model(model, settings), budget=budget,
                     samples=samples, temperature=temperature, header=header, timeout=timeout)
    if json_out:
        print_json(res.to_json())
    else:
        colour = "green" if res.status == "proved" else "red"
        console.print(f"[{colour}]{res.status}[/{colour}]: {escape(res.message)}", highlight=False)
        for step in res.proof:
            console.print(f"  {step}", highlight=False, markup=False)
    raise typer.Exit(0 if res.status == "proved" else 1)


def _data_file(data: Path | None, legacy: Path | None) -> Path:
    """``--data FILE``; the old positional spelling still works for one release, with a notice."""
    from plait.core.errors import InputError

    if legacy is not None:
        if data is not None:
            raise InputError(f"give the data file once: --data {data} or the deprecated positional {legacy}, not both")
        err_console.print(f"plait eval math: the positional data file is deprecated; use --data {legacy}",
                          highlight=False, markup=False)
        return legacy
    if data is None:
        raise InputError("no data file: pass --data FILE (JSONL, one {\"question\", \"answer\"} per line)")
    return data


def eval_math(
    data: Annotated[Optional[Path], typer.Option("--data", help="JSONL file, one {\"question\", \"answer\"} per line")] = None,
    legacy_data: Annotated[Optional[Path], typer.Argument(help="deprecated: use --data", show_default=False,
                                                          metavar="DATA", hidden=True)] = None,
    model: ModelOption = None,
    json_out: JsonOption = False,
    out: Annotated[Optional[Path], typer.Option("--out", help="write per-item records here (JSONL)")] = None,
    limit: Annotated[Optional[int], typer.Option("--limit", help="only the first N items")] = None,
    max_turns: Annotated[Optional[int], typer.Option("--max-turns", help="model/code rounds per item (default: the preset's)")] = None,
    timeout: TimeoutOption = 5.0,
    preset: PresetOption = None,
    checker: CheckerOption = None,
    items_out: ItemsOutOption = None,
    items_model: ItemsModelOption = None,
) -> None:
    """Solve every question with the math agent and report accuracy (per-item records as JSONL;
    --items-out: the model x item table of `plait eval rasch`)."""
    from plait.plugins.math.evaluate import evaluate_file

    data = _data_file(data, legacy_data)
    settings = settings_for(model)
    summary = evaluate_file(data, settings=settings, model=model, out=out, limit=limit,
                            max_turns=max_turns, timeout=timeout, progress=not json_out, preset=preset, checker=checker,
                            items_out=items_out, items_model=items_model)
    if json_out:
        print_json(summary)
        return
    console.print(
        f"accuracy {summary['accuracy']:.3f} ({summary['correct']}/{summary['total']}), "
        f"sandbox {', '.join(summary['backends']) or 'not used'}, preset {summary['preset']} "
        f"(checker {summary['settings']['checker']}, max turns {summary['settings']['max_turns']})"
        + (f", {summary['errors']} item(s) failed" if summary["errors"] else "")
        + (f"; records in {summary['out']}" if summary.get("out") else "")
        + (f"; item rows in {summary['items_out']}" if summary.get("items_out") else ""),
        highlight=False,
    )


def register(cli: typer.Typer) -> None:
    math = subgroup(cli, "math", "Math answers, the math agent and InternLM-Math prompts.")
    math.command("check")(check)
    math.command("solve")(solve)
    math.command("prompts")(prompts)
    lean = subgroup(cli, "lean", "Lean 4 proof checking and proof search through the Lean REPL.")
    lean.command("check")(lean_check)
    lean.command("prove")(lean_prove)
    ev = subgroup(cli, "eval", "Evaluate plait components on datasets.")
    ev.command("math")(eval_math)
