"""``plait gate uar ...``: train, label-self, eval, heads.

The generic ``plait gate decide|eval`` work with any gate (``--gate uar``); what is UAR's own, its
heads and their training data, lives here. The reject-threshold calibration is retrieval's:
``plait eval calibrate``. Old spellings (``plait gate train``, ``plait gate calibrate``, ...) are
kept for one release as hidden commands that say where they moved.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from plait.cli.common import ItemsOutOption, JsonOption, ModelOption, console, print_json, settings_for

app = typer.Typer(help="The UAR retrieval gate: train its heads, label self-awareness data, evaluate them.",
                  no_args_is_help=True)

DataOption = Annotated[Path, typer.Option("--data", help="JSONL file, one object per line")]


def _gate(settings):
    from plait.plugins.uar.decision import UARGate

    return UARGate(settings)


@app.command("train")
def train(
    criterion: Annotated[str, typer.Option("--criterion", help="intent | knowledge | time | self")],
    data: Annotated[Path, typer.Option("--data", help='JSONL lines {"question": str, "label": 0|1|true|false}')],
    val: Annotated[Optional[Path], typer.Option("--val", help="held-back validation JSONL (default: 20% split off --data)")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="directory for the head (default PLAIT_HOME/gate/heads/<featurizer>)")] = None,
    model: ModelOption = None,
    json_out: JsonOption = False,
) -> None:
    """Fit one criterion head (bias-free logistic regression) on the configured featurizer and save it."""
    from plait.core.errors import InputError
    from plait.plugins.uar.featurizers import featurizer_from_settings
    from plait.plugins.uar.heads import CRITERIA, user_dir
    from plait.plugins.uar.training import read_labelled, save_with_val, train_head

    if criterion not in CRITERIA:
        raise InputError(f"unknown criterion {criterion!r}; choose one of {', '.join(CRITERIA)}")
    settings = settings_for(model)
    rows = read_labelled(data)
    val_rows = read_labelled(val) if val else None
    featurizer = featurizer_from_settings(settings)
    with console.status(f"featurizing {len(rows) + len(val_rows or [])} questions with {featurizer.id}"):
        head, held = train_head(featurizer, criterion, rows, val_rows)
    path = save_with_val(head, held, out or user_dir(settings, featurizer.id))
    info = {**head.info(), "path": str(path)}
    if json_out:
        print_json(info)
    else:
        acc = "n/a" if head.val_accuracy is None else f"{head.val_accuracy:.1%}"
        console.print(f"trained {criterion} head on {featurizer.id}: validation accuracy {acc} "
                      f"({head.meta['n_train']} train / {head.meta['n_val']} val) -> {path}")


@app.command("label-self")
def label_self(
    data: Annotated[Optional[Path], typer.Option("--data", help='JSONL lines {"question", "answer" or "answers": [...]}')] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="labelled JSONL to write (default PLAIT_HOME/gate/self.jsonl)")] = None,
    train_head_too: Annotated[bool, typer.Option("--train", help="then train the self head on the labels")] = False,
    limit: Annotated[Optional[int], typer.Option("--limit", help="label only the first N questions")] = None,
    model: ModelOption = None,
    json_out: JsonOption = False,
    qa: Annotated[Optional[Path], typer.Option("--qa", hidden=True)] = None,
) -> None:
    """Ask the configured model each question; label 1 where it answers wrongly (it does not know)."""
    from plait.cli.common import pick
    from plait.core.errors import InputError
    from plait.core.io import write_jsonl
    from plait.core.models import get_chat_model
    from plait.plugins.uar.selfaware import answers_of, label_rows
    from plait.plugins.uar.training import read_jsonl

    qa = pick(data, qa, "`--qa`", "`--data`")
    if qa is None:
        raise InputError("plait gate uar label-self needs --data FILE (questions with their answers)")
    settings = settings_for(model)
    rows = read_jsonl(qa, ("question",))[:limit]
    for i, row in enumerate(rows, 1):
        answers_of(row, f"{qa}: row {i}")  # refuse bad input before the slow part
    chat = get_chat_model(None, settings)
    out = out or Path(settings.home) / "gate" / "self.jsonl"
    labelled = []
    from rich.progress import track

    for r in track(label_rows(chat, rows), total=len(rows), description=f"asking {settings.model}", console=console,
                   disable=json_out):
        labelled.append(r)
    write_jsonl(out, labelled)
    unknown = sum(r["label"] for r in labelled)
    result = {"model": settings.model, "n": len(labelled), "unknown": unknown, "known": len(labelled) - unknown, "out": str(out)}
    if train_head_too:
        from plait.plugins.uar.featurizers import featurizer_from_settings
        from plait.plugins.uar.heads import user_dir
        from plait.plugins.uar.training import save_with_val, train_head

        featurizer = featurizer_from_settings(settings)
        head, held = train_head(featurizer, "self", labelled)
        result["head"] = {**head.info(), "path": str(save_with_val(head, held, user_dir(settings, featurizer.id)))}
    if json_out:
        print_json(result)
    else:
        console.print(f"{settings.model} answered {result['known']} of {result['n']} correctly; labels -> {out}")
        if not train_head_too:
            console.print(f"train the self head with: plait gate uar train --criterion self --data {out}")


@app.command("eval")
def evaluate_uar(
    data: Annotated[Path, typer.Option("--data", help='JSONL lines {"question", "need_retrieve": bool, "scenario"}')],
    model: ModelOption = None,
    items_out: ItemsOutOption = None,
    items_model: Annotated[Optional[str], typer.Option(
        "--items-model", help="the model column of the --items-out rows (default: uar/<featurizer id>)")] = None,
    json_out: JsonOption = False,
) -> None:
    """UAR on a benchmark: accuracy overall and per scenario, plus each head's validation accuracy.
    --items-out: one row per question for `plait eval rasch`, score 1 when the decision was right."""
    from plait.core.item_rows import check_items_out, item_ids, item_row, write_item_rows
    from plait.plugins.uar.evaluation import evaluate_gate

    check_items_out(items_out)  # a bad extension fails before the gate loads its model
    report = evaluate_gate(_gate(settings_for(model)), data, per_item=items_out is not None)
    if items_out:
        rows, right = report.pop("rows"), report.pop("right")
        name = items_model or f"uar/{report['featurizer']}"
        table = [item_row(name, i, ok, difficulty=r.get("difficulty")) for i, r, ok in zip(item_ids(rows), rows, right)]
        report["items_out"] = str(write_item_rows(items_out, table))
    if json_out:
        print_json(report)
        return
    from rich.table import Table

    table = Table(title=f"gate accuracy on {data} (n={report['n']})")
    table.add_column("scenario")
    table.add_column("accuracy", justify="right")
    for name, acc in report["by_scenario"].items():
        table.add_row(name, f"{acc:.1%}")
    table.add_row("[b]all[/b]", f"[b]{report['accuracy']:.1%}[/b]")
    console.print(table)
    console.print("criteria (own validation data): " + ", ".join(f"{k} {v:.1%}" for k, v in report["criteria"].items()))
    if items_out:
        console.print(f"item rows in {report['items_out']}", highlight=False, markup=False)


def head_model(info: dict) -> str | None:
    """The model a head belongs to: the one whose hidden states it reads, or whose knowledge it labels."""
    kind, _, rest = str(info.get("featurizer", "")).partition(":")
    if kind in ("last", "hidden", "pooling"):
        return rest.rsplit(":", 1)[0] if kind == "hidden" or rest.endswith(":chat") else rest
    return info.get("model")


@app.command("heads")
def heads(model: ModelOption = None, json_out: JsonOption = False) -> None:
    """List the heads the gate would use: featurizer, the model each belongs to, threshold, accuracy."""
    from plait.plugins.uar.featurizers import featurizer_from_settings
    from plait.plugins.uar.heads import CRITERIA, Head, head_path

    settings = settings_for(model)
    fid = featurizer_from_settings(settings).id
    rows = []
    for c in CRITERIA:
        p = head_path(settings, fid, c)
        info = Head.load(p).info() if p else {}
        rows.append({"criterion": c, "path": str(p) if p else None, **info, "model": head_model(info) if p else None})
    if json_out:
        print_json({"featurizer": fid, "heads": rows})
        return
    console.print(f"featurizer {fid}")
    for r in rows:
        if not r["path"]:
            console.print(f"{r['criterion']:9} [yellow]not trained[/yellow]")
            continue
        acc = r.get("val_accuracy")
        console.print(f"{r['criterion']:9} model {r['model'] or '-'}  threshold {r.get('threshold', 0.5)}  "
                      + (f"val {acc:.1%}  " if acc is not None else "") + r["path"])
