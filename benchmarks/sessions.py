"""Session storage and turn latency over a long chat, through plait's RAG agent on real SQLite.

One session of ``--turns`` turns (default 400), each a ~1 KB user message answered by the scripted
model (``scripted/echo``, so the answer is ~1 KB too; ``retrieve=never`` so the figures are the
session's own cost). Reported at turns 10, 100 and 400:

- stored bytes (live SQLite pages after folding in the WAL) and bytes per turn, overall and over
  the last interval (must stay flat: a turn stores its own size, not the transcript);
- the database file's size;
- turn latency: turn 1, the median of turns 2-11 and of the last 10 turns, and their ratio.

With ``--baseline-turns N`` (default 100; 0 skips it) the same chat runs on LangGraph's plain
SqliteSaver (what plait used before: a checkpoint with the whole transcript per graph step).

Run: ``python benchmarks/sessions.py [--turns 400] [--baseline-turns 100] [--home DIR]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

MESSAGE = 1000  # characters per user message
MARKS = (10, 100, 400)


def _settings(home: Path):
    from plait.core.config import load_settings

    env = {k: v for k, v in os.environ.items() if not k.startswith("PLAIT_")}
    env.update(PLAIT_HOME=str(home), PLAIT_MODEL="scripted/echo", PLAIT_EMBEDDER="scripted/hash-64", PLAIT_GATE="always")
    os.environ.update({k: v for k, v in env.items() if k.startswith("PLAIT_")})
    return load_settings(environ=env)


def _live_bytes(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        used = conn.execute("PRAGMA page_count").fetchone()[0] - conn.execute("PRAGMA freelist_count").fetchone()[0]
        return used * conn.execute("PRAGMA page_size").fetchone()[0]
    finally:
        conn.close()


def run_chat(home: Path, turns: int, plain_saver: bool) -> dict:
    """Chat ``turns`` turns in one session; stored bytes at the marks, and each turn's latency."""
    from plait.agents.base import AgentRequest, get_agent

    settings = _settings(home)
    agent = get_agent("rag", settings)
    if plain_saver:  # the storage plait used before: every checkpoint of every step
        from langgraph.checkpoint.sqlite import SqliteSaver

        from plait.agents.sessions import connect

        agent.__dict__["session_graph"] = agent._build(SqliteSaver(connect(settings)))
    agent.invoke(AgentRequest([{"role": "user", "content": "warm up"}], "warm-up", {"retrieve": "never"}))
    db = settings.home / "checkpoints.sqlite"
    base = _live_bytes(db)  # schema and the warm-up session
    latencies, marks = [], {}
    for n in range(1, turns + 1):
        text = f"turn {n} " + "lorem ipsum " * (MESSAGE // 12)
        start = time.perf_counter()
        agent.invoke(AgentRequest([{"role": "user", "content": text}], "long", {"retrieve": "never"}))
        latencies.append(time.perf_counter() - start)
        if n in MARKS or n == turns:
            marks[n] = (_live_bytes(db) - base, db.stat().st_size)
    return {"marks": marks, "latencies": latencies}


def report(name: str, result: dict) -> list[str]:
    marks, lat = result["marks"], result["latencies"]
    lines = [f"{name}", "| turns | stored bytes | bytes/turn (all) | bytes/turn (since last mark) | file size |", "|---:|---:|---:|---:|---:|"]
    previous = (0, 0)
    for n in sorted(marks):
        stored, size = marks[n]
        since = (stored - previous[1]) / (n - previous[0])
        lines.append(f"| {n} | {stored:,} | {stored / n:,.0f} | {since:,.0f} | {size:,} |")
        previous = (n, stored)
    early = statistics.median(lat[1:11]) if len(lat) > 11 else lat[0]
    late = statistics.median(lat[-10:])
    lines += [
        "",
        f"turn latency: turn 1 {lat[0] * 1000:.1f} ms, median turns 2-11 {early * 1000:.1f} ms, "
        f"median of the last 10 (to turn {len(lat)}) {late * 1000:.1f} ms, ratio last/early {late / early:.2f}, "
        f"turn {len(lat)}/turn 1 {lat[-1] / lat[0]:.2f}",
    ]
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=400)
    parser.add_argument("--baseline-turns", type=int, default=100)
    parser.add_argument("--home", type=Path, default=None, help="scratch directory (default: a temporary one)")
    args = parser.parse_args(argv)
    scratch = args.home or Path(tempfile.mkdtemp(prefix="plait-bench-sessions-"))
    try:
        out = report(f"plait sessions (latest checkpoint only), {args.turns} turns of ~{MESSAGE} B messages", run_chat(scratch / "plait", args.turns, False))
        if args.baseline_turns:
            out += ["", *report(f"baseline: LangGraph SqliteSaver (every checkpoint), {args.baseline_turns} turns", run_chat(scratch / "baseline", args.baseline_turns, True))]
        print("\n".join(out))
    finally:
        if args.home is None:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
