"""``plait data embed|cluster|sample|report``: from a synthesis run to a balanced training schedule."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from plait.cli.common import JsonOption, console, err_console, print_json, subgroup


def data_embed(
    dataset: Annotated[Path, typer.Argument(help="dataset directory, or one .jsonl / .parquet file")],
    out: Annotated[Path, typer.Option("--out", help="directory for rows.jsonl, vectors.npy, embed.json (and the resumable run in runs/)")],
    embedder: Annotated[Optional[str], typer.Option("--embedder", help="registered embedder, e.g. local/all-MiniLM-L6-v2, scripted/hash; default the configured one")] = None,
    field: Annotated[Optional[str], typer.Option("--field", help="the text field; default text, else content")] = None,
    tokenizer: Annotated[Optional[str], typer.Option("--tokenizer", help="token counts for rows without n_tokens: whitespace, embedder, or a tokenizer.json path; default [data] tokenizer or whitespace")] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", help="rows per embedder call")] = 64,
    concurrency: Annotated[Optional[int], typer.Option("--concurrency", help="batches in flight")] = None,
    as_json: JsonOption = False,
) -> None:
    """Embed every row with a registered embedder (a resumable engine stage); rows keep their ids."""
    from plait.cli.common import settings_for
    from plait.pipeline import read_outputs, run, runs_dir
    from plait.pipeline.progress import NoProgress, RichProgress
    from plait.plugins.data.embed import PIPELINE, check_options, embed_pipeline, write_outputs

    settings = settings_for()
    tokenizer = tokenizer or settings.table("data").get("tokenizer") or "whitespace"
    name = embedder or settings.embedder
    pipe = embed_pipeline(dataset, name, field, tokenizer, batch_size)
    run_settings = settings.model_copy(update={"home": out})
    options = {"dataset": str(dataset.resolve()), "embedder": name, "field": field, "tokenizer": tokenizer}
    check_options(runs_dir(run_settings, PIPELINE), options, out)
    summary = run(pipe, settings=run_settings, concurrency=concurrency, progress=NoProgress() if as_json else RichProgress())
    info = write_outputs(out, read_outputs(PIPELINE, "embed", run_settings), options)
    info["errors"] = sum(s.get("errors", 0) for s in summary["stages"])
    if as_json:
        print_json(info)
        return
    console.print(f"embedded {info['rows']} rows ({info['tokens']} tokens, dim {info['dim']}) with {name} -> {out}", highlight=False)
    if info["errors"]:
        console.print(f"[yellow]{info['errors']} rows failed (error records in {out}/runs/); rerun to retry them[/yellow]")


def data_cluster(
    directory: Annotated[Path, typer.Argument(metavar="DIR", help="the --out of plait data embed")],
    k: Annotated[int, typer.Option("--k", help="number of clusters (the paper uses 2000 for large corpora)")],
    iters: Annotated[int, typer.Option("--iters", help="k-means iterations")] = 25,
    seed: Annotated[int, typer.Option("--seed", help="k-means seed")] = 0,
    backend: Annotated[str, typer.Option("--backend", help="auto (faiss from 50k rows, else scikit-learn), faiss or sklearn")] = "auto",
    restarts: Annotated[int, typer.Option("--restarts", help="k-means runs from different starts; the best is kept")] = 3,
    as_json: JsonOption = False,
) -> None:
    """Spherical k-means on the unit vectors: a cluster id per row and a summary per cluster."""
    from plait.plugins.data.corpus import load_rows, load_vectors, save_clustering
    from plait.plugins.data.kmeans import spherical_kmeans

    corpus = load_rows(directory)
    vecs = load_vectors(directory, len(corpus.ids))
    cl = spherical_kmeans(vecs, k, iters=iters, seed=seed, backend=backend, restarts=restarts)
    summary = save_clustering(directory, corpus, vecs, cl, {"k": k, "iters": iters, "seed": seed, "restarts": restarts})
    if as_json:
        print_json(summary)
        return
    sizes = sorted((c["size"] for c in summary["clusters"]), reverse=True)
    console.print(f"{k} clusters over {len(corpus.ids)} rows ({cl.backend}); sizes {sizes[0]} .. {sizes[-1]} "
                  f"-> {directory}/assignments.jsonl, clusters.json", highlight=False)
    for c in sorted(summary["clusters"], key=lambda c: -c["size"])[:10]:
        first = c["examples"][0]["first_line"] if c["examples"] else ""
        console.print(f"  {c['cluster']:>5} {c['size']:>7}  {first}", highlight=False, soft_wrap=True)


def data_sample(
    directory: Annotated[Path, typer.Argument(metavar="DIR", help="the directory of plait data embed + cluster")],
    tokens: Annotated[int, typer.Option("--tokens", help="token budget (counted from the start when resuming)")],
    strategy: Annotated[str, typer.Option("--strategy", help="clusterclip, random or uniform-cluster")],
    out: Annotated[Path, typer.Option("--out", help="the schedule: JSONL of row ids in training order")],
    clip: Annotated[Optional[int], typer.Option("--clip", help="most times one document may be drawn (clusterclip: required; random: caps epochs)")] = None,
    weighting: Annotated[str, typer.Option("--weighting", help="cluster weights: uniform, sqrt or temperature:T")] = "uniform",
    seed: Annotated[int, typer.Option("--seed", help="sampling seed")] = 0,
    resume: Annotated[Optional[Path], typer.Option("--resume", help="continue from this saved sampler state")] = None,
    state: Annotated[Optional[Path], typer.Option("--state", help="where to save the sampler state; default SCHEDULE.state.json")] = None,
    as_json: JsonOption = False,
) -> None:
    """Draw a token-budgeted training schedule; the sampler state is saved for an exact resume."""
    from plait.plugins.data.schedule import write_schedule

    stats, exhausted, state_path = write_schedule(directory, tokens=tokens, strategy=strategy, clip=clip,
                                                  weighting=weighting, seed=seed, resume=resume, out=out, state=state)
    if exhausted:
        err_console.print(f"every document reached --clip {clip} after {stats['tokens']} tokens, before the budget "
                          f"of {tokens}; raise --clip or lower --tokens", highlight=False)
    if as_json:
        print_json(stats)
        return
    top = sorted(stats["cluster_share"].items(), key=lambda kv: -kv[1])
    console.print(f"{stats['drawn']} draws, {stats['tokens']} tokens ({stats['strategy']}) over {stats['clusters']} "
                  f"clusters; max repeats {stats['max_repeats']}, clipped docs {stats['clipped_docs']} -> {out} "
                  f"(state {state_path})", highlight=False, soft_wrap=True)
    console.print("largest shares: " + ", ".join(f"{c}: {s:.3f}" for c, s in top[:5]), highlight=False)


def data_report(
    directory: Annotated[Path, typer.Argument(metavar="DIR", help="the directory of plait data embed + cluster")],
    out: Annotated[Optional[Path], typer.Option("--out", help="the PNG; default DIR/report.png")] = None,
    tokens: Annotated[Optional[int], typer.Option("--tokens", help="budget simulated per strategy; default the corpus tokens (one epoch)")] = None,
    clip: Annotated[int, typer.Option("--clip", help="clip of the clusterclip and random runs")] = 2,
    weighting: Annotated[str, typer.Option("--weighting", help="cluster weights of the cluster strategies")] = "uniform",
    seed: Annotated[int, typer.Option("--seed", help="sampling seed")] = 0,
    as_json: JsonOption = False,
) -> None:
    """A PNG of cluster sizes and each strategy's sampled share per cluster."""
    from plait.plugins.data.report import write_report

    path, figures = write_report(directory, out or directory / "report.png", tokens=tokens, clip=clip,
                                 weighting=weighting, seed=seed)
    if as_json:
        print_json({"png": str(path), "strategies": figures})
        return
    console.print(f"wrote {path}", highlight=False, soft_wrap=True)


def register(cli: typer.Typer) -> None:
    data = subgroup(cli, "data", "Curate training data: embed, cluster, balanced (ClusterClip) sampling, report.")
    data.command("embed")(data_embed)
    data.command("cluster")(data_cluster)
    data.command("sample")(data_sample)
    data.command("report")(data_report)
