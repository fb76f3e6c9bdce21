"""The replicas part of ``benchmarks/serve_load.py`` (``--part replicas``): see its docstring.

Set-ups, all on 127.0.0.1 and started here: a throwaway PostgreSQL cluster (the helpers of
``tests/postgres_support.py``) and a ``chroma run`` server (``tests/chroma_support.py``); the
SQLite baseline keeps everything under its own PLAIT_HOME (embedded Chroma), as `plait serve` does
by default. Each set-up has its documents ingested before any round; rounds alternate set-ups.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # postgres_support, chroma_support: shared with the test fixtures

from serve_load import KEY, cross_talk, run_server, stats, wait_for, write_section  # noqa: E402

SETUPS = ("sqlite-1", "sqlite-chroma-1", "postgres-1", "postgres-2")
LABELS = {
    "sqlite-1": "1 replica, SQLite sessions + embedded Chroma (baseline)",
    "sqlite-chroma-1": "1 replica, SQLite sessions + Chroma server (separates the two changes)",
    "postgres-1": "1 replica, PostgreSQL sessions + Chroma server",
    "postgres-2": "2 replicas, PostgreSQL + Chroma server, round-robin per turn",
}


def base_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLAIT_")}
    env.update(PLAIT_HOME=str(home), PLAIT_MODEL="scripted/echo", PLAIT_EMBEDDER="scripted/hash", PLAIT_API_KEYS=KEY,
               PLAIT_GATE__REJECT_THRESHOLD="0")  # echo replies always quote the question (and its token)
    return env


def ingest(env: dict[str, str]) -> None:
    proc = subprocess.run([sys.executable, "-m", "plait", "ingest", str(ROOT / "examples" / "docs")], env=env,
                          cwd=env["PLAIT_HOME"], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"plait ingest failed: {proc.stderr[-1500:]}")


def start_replica(env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    from plait.testing.kit import free_port

    Path(env["PLAIT_HOME"]).mkdir(parents=True, exist_ok=True)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "plait", "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env, cwd=env["PLAIT_HOME"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    return proc, f"http://127.0.0.1:{port}"


def histories(env: dict[str, str], sessions: int, prefix: str) -> dict[str, list[str]]:
    """Stored histories, read by a fresh process with the set-up's settings (no cached pools here)."""
    code = (
        "import json, sys\n"
        "from plait.core.config import load_settings\n"
        "from plait.serve.history import history\n"
        "s = load_settings(); n, p = int(sys.argv[1]), sys.argv[2]\n"
        "print(json.dumps({f'{p}-{i}': [m['content'] for m in history(s, f'{p}-{i}')] for i in range(n)}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(sessions), prefix], env=env, cwd=env["PLAIT_HOME"],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"reading histories failed: {out.stderr[-1500:]}")
    return json.loads(out.stdout)


def replicas_main(args) -> bool:
    """Runs the three set-ups; True when a request failed or sessions crossed."""
    from chroma_support import start_chroma
    from postgres_support import PostgresCluster, find_bindir

    from plait.testing.kit import free_port, stop_process

    bindir = find_bindir()
    if bindir is None:
        raise SystemExit("PostgreSQL is not installed: apt-get install postgresql (Debian's server binaries)")
    root = Path(tempfile.mkdtemp(prefix="plait-replicas-load-"))
    pg_root = Path(tempfile.mkdtemp(prefix="plait-replicas-pg-"))  # its own: handed to the postgres OS user
    cluster = PostgresCluster(bindir, pg_root)
    (root / "chroma").mkdir()
    procs: list[subprocess.Popen] = []
    t0 = time.perf_counter()
    try:
        cluster.start()
        chroma = start_chroma(root / "chroma", free_port())
        procs.append(chroma)
        chroma_url = f"http://127.0.0.1:{chroma.args[chroma.args.index('--port') + 1]}"
        pg_url = cluster.create_database("serve_load_" + uuid.uuid4().hex[:8])

        envs: dict[str, list[dict[str, str]]] = {"sqlite-1": [base_env(root / "sqlite-home")]}
        shared = {"PLAIT_SESSIONS_URL": pg_url, "PLAIT_CHROMA_URL": chroma_url}
        envs["sqlite-chroma-1"] = [{**base_env(root / "sqlite-chroma-home"), "PLAIT_CHROMA_URL": chroma_url}]
        envs["postgres-1"] = [{**base_env(root / "pg1-home"), **shared}]
        envs["postgres-2"] = [{**base_env(root / f"pg2-home-{r}"), **shared} for r in ("a", "b")]
        for setup in ("sqlite-1", "postgres-1"):  # the two stores: embedded, and the server every other set-up shares
            Path(envs[setup][0]["PLAIT_HOME"]).mkdir(parents=True)
            ingest(envs[setup][0])

        urls: dict[str, list[str]] = {}
        for setup in SETUPS:
            for env in envs[setup]:
                proc, url = start_replica(env)
                procs.append(proc)
                wait_for(url, proc)
                urls.setdefault(setup, []).append(url)

        lat: dict[str, list[float]] = {s: [] for s in SETUPS}
        rates: dict[str, list[float]] = {s: [] for s in SETUPS}
        errors: list[str] = []
        problems: list[str] = []
        for r in range(args.rounds):
            for setup in SETUPS:
                prefix = f"{setup}-r{r}"
                timing: dict[str, float] = {}
                took, replies, errs = asyncio.run(run_server(urls[setup], args.sessions, args.turns, prefix, concurrent=True,
                                                             timing=timing))
                lat[setup] += took
                rates[setup].append(len(took) / timing["wall"])
                errors += [f"{setup}: {e}" for e in errs]
                problems += [f"{setup}: {p}" for p in
                             cross_talk(replies, histories(envs[setup][0], args.sessions, prefix), args.sessions, prefix)]
    finally:
        for proc in reversed(procs):
            stop_process(proc, 20)
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(pg_root, ignore_errors=True)

    base = stats(lat["sqlite-1"])
    base_rate = sum(rates["sqlite-1"]) / len(rates["sqlite-1"])
    rows = {}
    for setup in SETUPS:
        st = stats(lat[setup])
        rate = sum(rates[setup]) / len(rates[setup])
        rows[setup] = {**st, "requests_per_s": round(rate, 2),
                       "ratio_p50": round(st["p50_ms"] / base["p50_ms"], 2), "ratio_p99": round(st["p99_ms"] / base["p99_ms"], 2),
                       "ratio_requests_per_s": round(rate / base_rate, 2)}
    result = {"sessions": args.sessions, "turns": args.turns, "rounds": args.rounds,
              "requests_per_setup": args.sessions * args.turns * args.rounds, "errors": len(errors),
              "cross_talk": len(problems), "setups": rows, "seconds": round(time.perf_counter() - t0, 1)}
    print(json.dumps(result, indent=2))
    for line in (errors + problems)[:10]:
        print("  problem:", line)
    table = markdown(result)
    print(table)
    if args.write:
        write_section(table, "## serve_load_replicas")
    return bool(errors or problems)


def markdown(r: dict) -> str:
    lines = [
        "## serve_load_replicas",
        "",
        f"`python benchmarks/serve_load.py --part replicas` — {r['sessions']} concurrent streaming sessions x {r['turns']} turns "
        f"x {r['rounds']} rounds per set-up ({r['requests_per_setup']} requests each), the built-in `rag` agent with "
        "`scripted/echo` and `scripted/hash` over examples/docs, `plait serve` subprocesses on 127.0.0.1, httpx async "
        "client; rounds alternate set-ups. PostgreSQL: a throwaway Debian cluster (fsync off) the benchmark starts; "
        "Chroma server: `chroma run`. With 2 replicas turn t of session i goes to replica (i + t) % 2, so every "
        "session moves between replicas on every turn (each turn takes the session's advisory lock). "
        "requests/s = requests of a round / its wall time (warm-up turns excluded), averaged over rounds. 2 cores shared by every process "
        f"here (replicas, PostgreSQL, Chroma, client, other work), so a second replica adds no CPU; {r['seconds']} s in all.",
        "",
        f"- errors: **{r['errors']}**; cross-talk between sessions (replies and stored histories): **{r['cross_talk']}**",
        "",
        "| set-up | p50 | p99 | requests/s | p50 ratio | p99 ratio | requests/s ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    for setup in SETUPS:
        s = r["setups"][setup]
        lines.append(f"| {LABELS[setup]} | {s['p50_ms']} ms | {s['p99_ms']} ms | {s['requests_per_s']} | "
                     f"{s['ratio_p50']}x | {s['ratio_p99']}x | {s['ratio_requests_per_s']}x |")
    return "\n".join(lines + [""])
