"""``plait eval rasch RESULTS``: Rasch / PCM analysis of a model x item results table."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from plait.cli.common import JsonOption, console, print_json, subgroup


class Mode(str, Enum):
    free = "free"
    anchored = "anchored"


class Source(str, Enum):
    human = "human"
    reasoning = "reasoning"
    fit = "fit"


def eval_rasch(
    results: Annotated[Path, typer.Argument(help="CSV or JSONL with model, item, score, max_score "
                                            "(optional difficulty, reasoning_tokens)")],
    mode: Annotated[Optional[Mode], typer.Option(help="free: estimate item difficulties (many examinees); "
                                                 "anchored: fix them from --difficulty (a handful of models). "
                                                 "Default: anchored when the table has difficulties")] = None,
    difficulty: Annotated[Optional[Source], typer.Option(help="item difficulty: human (the difficulty column), "
                                                         "reasoning (reasoning_tokens), fit (from the scores)")] = None,
    plots: Annotated[Optional[Path], typer.Option(help="write the Wright map, accuracy-by-difficulty and "
                                                  "item-fit PNGs into this directory")] = None,
    as_json: JsonOption = False,
) -> None:
    """Rasch / partial credit analysis: abilities, fit, difficulty slope and flags per model."""
    from plait.plugins.evaluation.analysis import analyse
    from plait.plugins.evaluation.table import load_results

    analysis = analyse(load_results(results), mode.value if mode else None, difficulty.value if difficulty else None)
    written = []
    if plots is not None:
        from plait.plugins.evaluation.plots import write_plots

        written = write_plots(analysis, plots)
    if as_json:
        print_json(analysis.report if not written else {**analysis.report, "plots": [str(p) for p in written]})
        return
    _print(analysis.report, written)


def _print(report: dict, written: list[Path]) -> None:
    from rich.table import Table

    table = Table(title=f"Rasch ({report['mode']}, difficulty: {report['difficulty_source']})")
    rows = sorted(report["models"].items(), key=lambda kv: -(kv[1]["ability"] or 0))
    fmt = lambda x: "-" if x is None else f"{x:.2f}"  # noqa: E731
    cells = [[f"{m['score']:g}/{m['max_score']}", fmt(m["ability"]), fmt(m["se"]), fmt(m["infit"]),
              fmt(m["outfit"]), fmt(m["difficulty_slope"]), fmt(m["dispersion"])] for _, m in rows]
    longest = max((len(name) for name, _ in rows), default=5)
    table.add_column("model", overflow="fold", min_width=min(12, longest))  # a long name folds; numbers never cut
    for k, col in enumerate(("score", "ability", "se", "infit", "outfit", "slope", "disp.")):
        table.add_column(col, no_wrap=True, min_width=max([len(col)] + [len(c[k]) for c in cells]))
    for (name, _), row in zip(rows, cells):
        table.add_row(name, *row)
    console.print(table)
    for name, m in rows:  # flags below the table: they never get cut to fit a narrow terminal
        if m["flags"]:
            console.print(f"{name}: {', '.join(m['flags'])}", highlight=False, soft_wrap=True)
    misfit = [k for k, v in report["items"].items() if "underfit" in v["flags"]]
    console.print(f"{len(report['items'])} items; underfitting: {', '.join(misfit) or 'none'}", highlight=False)
    console.print("Rasch predicts a difficulty slope of about -1; near 0 means difficulty-invariant scoring.")
    for p in written:
        console.print(f"wrote {p}", highlight=False, soft_wrap=True)


def register(cli: typer.Typer) -> None:
    ev = subgroup(cli, "eval", "Evaluate plait components on datasets.")
    ev.command("rasch")(eval_rasch)
