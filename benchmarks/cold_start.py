"""Cold start: a fresh ``plait ask`` with retrieval, and ``plait --help``, against ``import chromadb``.

Each command runs ``--runs`` times (default 5) in a fresh Python process; the table gives the median
wall time, the median CPU time (user + system of the child: stable when other jobs share the
machine, wall time is not) and both as a ratio to the floor, ``python -c "import chromadb"``
(plait cannot answer from a Chroma store faster than it can import Chroma).

- ``plait ask``: ``scripted/echo`` model (no generation cost), ``--retrieve always``, the default
  embedder ``local/all-minilm-l6-v2`` (ONNX backend when installed), over ``examples/docs`` ingested
  once into a temporary ``PLAIT_HOME``. One warm-up ask builds the BM25 index; the timed runs must
  only load it: the script fails if the index directory changed during them.
- with ``--torch``, the same ask on ``[local] backend = "torch"`` (sentence-transformers), the path
  every ask took before the ONNX backend.

Run: ``python benchmarks/cold_start.py [--runs 5] [--torch] [--write]``; ``--write`` replaces the
``## cold_start`` section of benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "How does plait decide whether to retrieve documents for a question?"
PLAIT = [sys.executable, "-m", "plait.cli.app"]


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLAIT_")}
    env.update(PLAIT_HOME=str(home), PLAIT_MODEL="scripted/echo", HF_HUB_OFFLINE="1", **extra)
    return env


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) of one run; fails loudly on a non-zero exit."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {done.returncode}:\n{done.stderr[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(cmd: list[str], env: dict[str, str], runs: int) -> dict[str, float]:
    samples = [timed(cmd, env) for _ in range(runs)]
    return {"wall": statistics.median(s[0] for s in samples), "cpu": statistics.median(s[1] for s in samples)}


def _index_stamp(home: Path) -> list[tuple[str, int, int]]:
    """(path, inode, mtime_ns) of every file of the BM25 index: a rebuild replaces them all."""
    return sorted((str(p), p.stat().st_ino, p.stat().st_mtime_ns) for p in (home / "bm25").rglob("*") if p.is_file())


def run(runs: int, torch: bool) -> list[tuple[str, dict[str, float]]]:
    with tempfile.TemporaryDirectory(prefix="plait-cold-") as tmp:
        home = Path(tmp)
        env = _env(home)
        subprocess.run([*PLAIT, "ingest", "examples/docs"], env=env, cwd=ROOT, check=True, capture_output=True)
        ask = [*PLAIT, "ask", "--retrieve", "always", QUESTION]
        timed(ask, env)  # warm-up: builds the BM25 index once
        stamp = _index_stamp(home)
        if not stamp:
            raise SystemExit(f"no BM25 index under {home / 'bm25'} after the warm-up ask")
        rows = [
            ('python -c "import chromadb"', measure([sys.executable, "-c", "import chromadb"], env, runs)),
            ("plait --help", measure([*PLAIT, "--help"], env, runs)),
            ("plait ask (retrieval, onnx)", measure(ask, env, runs)),
        ]
        if torch:
            rows.append(("plait ask (retrieval, torch)", measure(ask, _env(home, PLAIT_LOCAL__BACKEND="torch"), runs)))
        if _index_stamp(home) != stamp:
            raise SystemExit("the BM25 index was rebuilt by a fresh `plait ask`: it must be loaded from disk")
        return rows


def table(rows: list[tuple[str, dict[str, float]]]) -> str:
    floor = rows[0][1]
    lines = ["| command | median wall s | ratio to floor | median CPU s | CPU ratio to floor |", "|---|---:|---:|---:|---:|"]
    for name, m in rows:
        lines.append(f"| {name} | {m['wall']:.2f} | {m['wall'] / floor['wall']:.2f} | {m['cpu']:.2f} | {m['cpu'] / floor['cpu']:.2f} |")
    return "\n".join(lines)


def write_section(body: str) -> None:
    """Replace (or append) the ``## cold_start`` section of RESULTS.md, touching no other section."""
    path = ROOT / "benchmarks" / "RESULTS.md"
    text = path.read_text()
    head = "## cold_start\n"
    start = text.find(head)
    if start == -1:
        path.write_text(text.rstrip("\n") + "\n\n" + head + "\n" + body + "\n")
        return
    end = text.find("\n## ", start + len(head))
    rest = text[end + 1:] if end != -1 else ""
    path.write_text(text[:start] + head + "\n" + body + "\n" + ("\n" + rest if rest else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--torch", action="store_true", help="also time the ask on the torch backend")
    parser.add_argument("--write", action="store_true", help="replace the ## cold_start section of RESULTS.md")
    args = parser.parse_args()
    rows = run(args.runs, args.torch)
    load = os.getloadavg()[0]
    out = table(rows)
    print(out)
    print(f"\nload average at the end: {load:.1f} on {os.cpu_count()} cores")
    if args.write:
        write_section(f"`python benchmarks/cold_start.py --runs {args.runs}{' --torch' if args.torch else ''}` "
                      f"(load average {load:.1f} on {os.cpu_count()} cores at the end of the run)\n\n{out}")


if __name__ == "__main__":
    main()
