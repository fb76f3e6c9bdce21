"""``plait gate list|decide|eval``: whatever retrieval gate is registered, scored the same way.

A gate plugin may add its own commands under ``plait gate <name> ...`` (UAR: ``plait gate uar``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from plait.cli.common import ItemsOutOption, JsonOption, ModelOption, console, print_json, settings_for, subgroup

GateOption = Annotated[Optional[str], typer.Option("--gate", "-g", help="registered gate to use (default: the configured `gate`)")]


def _gate(name: str | None, model: str | None):
    from plait.core.context import Context
    from plait.core.host import get_host

    settings, host = settings_for(model), get_host()
    chosen = name or settings.gate
    return host.gates.get(chosen)(Context(settings, name=chosen, host=host)), chosen


def gate_list(json_out: JsonOption = False) -> None:
    """The registered retrieval gates and which one is configured."""
    from plait.core.config import load_settings
    from plait.core.host import get_host

    gates = get_host().gates
    configured = load_settings().gate
    rows = [{"name": n, "plugin": gates.entry(n).plugin, "configured": n == configured} for n in gates.names()]
    if json_out:
        print_json(rows)
        return
    for r in rows:
        console.print(f"{'*' if r['configured'] else ' '} {r['name']:10} [dim]{r['plugin']}[/dim]", highlight=False)


def gate_decide(
    question: Annotated[str, typer.Argument(help="the question to gate")],
    gate: GateOption = None,
    model: ModelOption = None,
    json_out: JsonOption = False,
) -> None:
    """What the gate decides for one question (retrieve or answer directly), with its scores."""
    chosen, name = _gate(gate, model)
    d = chosen.decide(question)
    if json_out:
        print_json({"gate": name, **d.to_json()})
        return
    verdict = "retrieve" if d.retrieve else "answer directly"
    scores = ", ".join(f"{k}={v:.2f}" for k, v in d.scores.items())
    console.print(f"{verdict} (gate {name}, decided by {d.decided_by})" + (f"; scores: {scores}" if scores else ""),
                  highlight=False)


def gate_eval(
    data: Annotated[Path, typer.Option("--data", help='JSONL lines {"question", "need_retrieve": bool, "scenario"?, "language"?}')],
    gate: GateOption = None,
    model: ModelOption = None,
    items_out: ItemsOutOption = None,
    items_model: Annotated[Optional[str], typer.Option(
        "--items-model", help="the model column of the --items-out rows (default: the gate's name)")] = None,
    json_out: JsonOption = False,
) -> None:
    """Accuracy of a gate on a need_retrieve benchmark, overall, per scenario and per language.
    --items-out: one row per question for `plait eval rasch`, score 1 when the decision was right."""
    from plait.core.gates import read_need_retrieve, score_gate
    from plait.core.item_rows import check_items_out, item_ids, item_row, write_item_rows

    check_items_out(items_out)
    rows = read_need_retrieve(data)
    chosen, name = _gate(gate, model)
    report = score_gate(chosen, rows, per_item=items_out is not None)
    if items_out:
        ids = item_ids(rows)  # the line's id, else its question
        item_table = [item_row(items_model or name, i, right, difficulty=r.get("difficulty"))
                      for i, r, right in zip(ids, rows, report.pop("right"))]
        report["items_out"] = str(write_item_rows(items_out, item_table))
    if json_out:
        print_json(report)
        return
    from rich.table import Table

    table = Table(title=f"gate {name} on {data} (n={report['n']})")
    table.add_column("scenario")
    table.add_column("accuracy", justify="right")
    for scenario, acc in report["by_scenario"].items():
        table.add_row(scenario, f"{acc:.1%}")
    for language, acc in (report.get("by_language") or {}).items():
        table.add_row(f"language {language}", f"{acc:.1%}")
    table.add_row("[b]all[/b]", f"[b]{report['accuracy']:.1%}[/b]")
    console.print(table)
    if items_out:
        console.print(f"item rows in {report['items_out']}", highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    gate = subgroup(app, "gate", "Retrieval gates: list them, see a decision, score one on a benchmark.")
    gate.command("list")(gate_list)
    gate.command("decide")(gate_decide)
    gate.command("eval")(gate_eval)
