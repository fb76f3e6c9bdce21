"""Load on ``plait serve``: 50 concurrent streaming sessions against the scripted model on loopback.

Workload: the built-in ``rag`` agent (scripted/echo model, hash embedder, examples/docs ingested
into a fresh data directory), each session sending TURNS streamed turns that carry a token unique
to the session. Measured:
- errors: non-200 answers, in-band stream errors, exceptions (must be 0);
- cross-talk: a reply or a session's stored history holding another session's token, or missing
  its own (must be 0);
- per-request latency (send -> ``data: [DONE]``) through the server (a ``plait serve`` subprocess,
  httpx async client) against calling the same graph in-process (``agent.stream``), at the same
  concurrency and one at a time. Added latency = server - in-process; ratio = server / in-process.

Replicas (issue 21, ``--part replicas``): the same 50-stream load through ``plait serve`` against
- 1 replica, sessions in SQLite, documents in the embedded Chroma (the default; the baseline),
- 1 replica, sessions in SQLite, documents in a ``chroma run`` server (one change at a time),
- 1 replica, sessions in PostgreSQL, documents in that ``chroma run`` server,
- 2 replicas (own PLAIT_HOMEs) sharing that PostgreSQL and Chroma server, the client sending turn t
  of session i to replica (i + t) % 2 (a round-robin load balancer that never keeps a session on
  one replica),
rounds alternating between the set-ups; p50/p99 per request and requests/s (requests of a round /
its wall time), as ratios to the baseline. The benchmark starts its own throwaway PostgreSQL
cluster (``tests/postgres_support.py``) and ``chroma run`` (``tests/chroma_support.py``), all on
127.0.0.1.

Run: ``python benchmarks/serve_load.py [--sessions 50] [--turns 3] [--part all|inprocess|replicas]``.
Prints a JSON summary and markdown tables; ``--write`` replaces the ``## serve_load`` and
``## serve_load_replicas`` sections of benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KEY = "bench-key"
QUESTIONS = ["How does plait decide whether to retrieve {t}?", "What do sessions keep {t}?", "How is plait served {t}?"]


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def token(i: int) -> str:
    return f"tok{i:03d}x"


# -- in-process baseline ------------------------------------------------------------------------------
def inprocess_turn(agent, session: str, question: str) -> tuple[float, str]:
    from plait.agents.base import AgentReply, AgentRequest

    start = time.perf_counter()
    text = []
    for item in agent.stream(AgentRequest([{"role": "user", "content": question}], session, {})):
        if isinstance(item, str):
            text.append(item)
        elif isinstance(item, AgentReply):
            pass
    return time.perf_counter() - start, "".join(text)


def run_inprocess(settings, sessions: int, turns: int, prefix: str, concurrent: bool) -> tuple[list[float], dict[str, list[str]]]:
    from plait.agents.base import get_agent

    agent = get_agent("rag", settings)
    inprocess_turn(agent, f"{prefix}-warm", "warm up")
    latencies: list[float] = []
    replies: dict[str, list[str]] = {}
    lock = threading.Lock()

    def one(i: int) -> None:
        sid = f"{prefix}-{i}"
        for t in range(turns):
            took, text = inprocess_turn(agent, sid, QUESTIONS[t % len(QUESTIONS)].format(t=token(i)))
            with lock:
                latencies.append(took)
                replies.setdefault(sid, []).append(text)

    if concurrent:
        threads = [threading.Thread(target=one, args=(i,)) for i in range(sessions)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
    else:
        for i in range(sessions):
            one(i)
    return latencies, replies


# -- through the server --------------------------------------------------------------------------------
async def server_turn(client, url: str, session: str, question: str) -> tuple[float, str, str | None]:
    body = {"model": "rag", "stream": True, "messages": [{"role": "user", "content": question}]}
    headers = {"Authorization": f"Bearer {KEY}", "X-Plait-Session": session}
    start = time.perf_counter()
    text, error, done = [], None, False
    async with client.stream("POST", f"{url}/v1/chat/completions", json=body, headers=headers) as resp:
        if resp.status_code != 200:
            return time.perf_counter() - start, "", f"HTTP {resp.status_code}: {(await resp.aread())[:200]!r}"
        async for line in resp.aiter_lines():
            if not line.startswith("data: "):
                continue
            data = line[6:]
            if data == "[DONE]":
                done = True
                break
            chunk = json.loads(data)
            if "error" in chunk:
                error = chunk["error"]["message"]
            elif chunk.get("choices"):
                text.append(chunk["choices"][0]["delta"].get("content") or "")
    took = time.perf_counter() - start
    return took, "".join(text), error or (None if done else "stream ended without [DONE]")


async def run_server(url: str | list[str], sessions: int, turns: int, prefix: str, concurrent: bool,
                     timing: dict | None = None):
    """Every session's turns through the server(s); with several URLs turn t of session i goes to
    ``urls[(i + t) % len(urls)]``. ``timing["wall"]``: seconds of the measured turns (warm-up excluded)."""
    import httpx

    urls = [url] if isinstance(url, str) else list(url)

    latencies: list[float] = []
    replies: dict[str, list[str]] = {}
    errors: list[str] = []
    limits = httpx.Limits(max_connections=sessions + 5, max_keepalive_connections=sessions + 5)
    async with httpx.AsyncClient(timeout=300, limits=limits) as client:
        for u in urls:
            await server_turn(client, u, f"{prefix}-warm", "warm up")

        async def one(i: int) -> None:
            sid = f"{prefix}-{i}"
            for t in range(turns):
                try:
                    took, text, err = await server_turn(client, urls[(i + t) % len(urls)], sid, QUESTIONS[t % len(QUESTIONS)].format(t=token(i)))
                except Exception as exc:  # counted, never fatal
                    errors.append(f"{sid}: {type(exc).__name__}: {exc}")
                    continue
                if err:
                    errors.append(f"{sid}: {err}")
                latencies.append(took)
                replies.setdefault(sid, []).append(text)

        start = time.perf_counter()
        if concurrent:
            await asyncio.gather(*(one(i) for i in range(sessions)))
        else:
            for i in range(sessions):
                await one(i)
        if timing is not None:
            timing["wall"] = time.perf_counter() - start
    return latencies, replies, errors


def wait_for(url: str, proc: subprocess.Popen) -> None:
    from plait.testing.kit import wait_for_http

    try:
        wait_for_http(f"{url}/health", 120, proc=proc)
    except RuntimeError as exc:
        raise SystemExit(f"server did not start: {exc}") from None


def sequential_pair(settings, url: str, n: int, errors: list[str]) -> tuple[list[float], list[float]]:
    """n requests each way, alternating; the same questions on both sides."""
    import httpx

    from plait.agents.base import get_agent

    agent = get_agent("rag", settings)
    inprocess_turn(agent, "seq-warm", "warm up")
    ins, svs = [], []

    async def go() -> None:
        async with httpx.AsyncClient(timeout=300) as client:
            await server_turn(client, url, "seq-warm-s", "warm up")
            for i in range(n):
                q = QUESTIONS[i % len(QUESTIONS)].format(t=token(i))
                ins.append(inprocess_turn(agent, f"inseq-{i}", q)[0])
                took, _, err = await server_turn(client, url, f"sseq-{i}", q)
                svs.append(took)
                if err:
                    errors.append(f"sseq-{i}: {err}")

    asyncio.run(go())
    return ins, svs


def cross_talk(replies: dict[str, list[str]], histories: dict[str, list[str]], sessions: int, prefix: str) -> list[str]:
    problems = []
    for i in range(sessions):
        sid = f"{prefix}-{i}"
        own = token(i)
        others = [token(j) for j in range(sessions) if j != i]
        texts = replies.get(sid, [])
        for text in texts:
            if own not in text:
                problems.append(f"{sid}: reply without its own token: {text[:80]!r}")
            if any(o in text for o in others):
                problems.append(f"{sid}: reply holds another session's token")
        stored = " ".join(histories.get(sid, []))
        if histories and (own not in stored or any(o in stored for o in others)):
            problems.append(f"{sid}: stored history mixes sessions or lost its own")
    return problems


def histories_of(settings, sessions: int, prefix: str) -> dict[str, list[str]]:
    from plait.serve.history import history

    return {f"{prefix}-{i}": [m["content"] for m in history(settings, f"{prefix}-{i}")] for i in range(sessions)}


def stats(lat: list[float]) -> dict[str, float]:
    return {"p50_ms": round(pct(lat, 50) * 1000, 2), "p99_ms": round(pct(lat, 99) * 1000, 2), "mean_ms": round(statistics.fmean(lat) * 1000, 2), "n": len(lat)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--turns", type=int, default=3)
    parser.add_argument("--sequential", type=int, default=100, help="requests for the one-at-a-time comparison")
    parser.add_argument("--rounds", type=int, default=2, help="concurrent rounds per side, alternating")
    parser.add_argument("--part", choices=["all", "inprocess", "replicas"], default="all",
                        help="inprocess: server vs in-process; replicas: SQLite vs PostgreSQL vs 2 replicas")
    parser.add_argument("--write", action="store_true", help="write the sections of benchmarks/RESULTS.md")
    args = parser.parse_args()
    failed = False
    if args.part in ("all", "inprocess"):
        failed |= inprocess_main(args)
    if args.part in ("all", "replicas"):
        from replicas_load import replicas_main  # benchmarks/replicas_load.py

        failed |= replicas_main(args)
    if failed:
        sys.exit(1)


def inprocess_main(args) -> bool:
    """Server vs in-process; True when a request failed or sessions crossed."""

    home = Path(tempfile.mkdtemp(prefix="plait-serve-load-"))
    env = {**os.environ, "PLAIT_HOME": str(home), "PLAIT_MODEL": "scripted/echo", "PLAIT_EMBEDDER": "scripted/hash", "PLAIT_API_KEYS": KEY,
           "PLAIT_GATE__REJECT_THRESHOLD": "0"}  # echo replies always quote the question (and its token)
    os.environ.update(env)
    os.chdir(home)
    from plait.core.config import load_settings
    from plait.core.models import get_embedder
    from plait.retrieval.ingest import ingest_paths
    from plait.testing.kit import free_port, stop_process

    settings = load_settings()
    ingest_paths([ROOT / "examples" / "docs"], settings, get_embedder(None, settings), progress=False)

    t0 = time.perf_counter()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "plait", "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env, cwd=home, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    in_conc: list[float] = []
    sv_conc: list[float] = []
    errors: list[str] = []
    problems: list[str] = []
    in_problems: list[str] = []
    try:
        wait_for(url, proc)
        # one at a time, interleaved (in-process, server, in-process, ...) so load from other
        # processes on the machine hits both sides alike
        in_seq, sv_seq = sequential_pair(settings, url, args.sequential, errors)
        # concurrent rounds, alternating sides; the phases never overlap
        for r in range(args.rounds):
            lat, replies = run_inprocess(settings, args.sessions, args.turns, f"inproc{r}", concurrent=True)
            in_conc += lat
            in_problems += cross_talk(replies, histories_of(settings, args.sessions, f"inproc{r}"), args.sessions, f"inproc{r}")
            lat, replies, errs = asyncio.run(run_server(url, args.sessions, args.turns, f"served{r}", concurrent=True))
            sv_conc += lat
            errors += errs
            problems += cross_talk(replies, histories_of(settings, args.sessions, f"served{r}"), args.sessions, f"served{r}")
    finally:
        stop_process(proc, 20)

    result = {
        "sessions": args.sessions,
        "turns": args.turns,
        "rounds": args.rounds,
        "requests": args.sessions * args.turns * args.rounds,
        "errors": len(errors),
        "cross_talk": len(problems),
        "inprocess_cross_talk": len(in_problems),
        "concurrent": {"server": stats(sv_conc), "inprocess": stats(in_conc)},
        "sequential": {"server": stats(sv_seq), "inprocess": stats(in_seq)},
        "seconds": round(time.perf_counter() - t0, 1),
    }
    for mode in ("concurrent", "sequential"):
        s, i = result[mode]["server"], result[mode]["inprocess"]
        result[mode]["added_p50_ms"] = round(s["p50_ms"] - i["p50_ms"], 2)
        result[mode]["added_p99_ms"] = round(s["p99_ms"] - i["p99_ms"], 2)
        result[mode]["ratio_p50"] = round(s["p50_ms"] / i["p50_ms"], 2) if i["p50_ms"] else None
        result[mode]["ratio_p99"] = round(s["p99_ms"] / i["p99_ms"], 2) if i["p99_ms"] else None
    print(json.dumps(result, indent=2))
    for line in (errors + problems + in_problems)[:10]:
        print("  problem:", line)
    table = markdown(result)
    print(table)
    if args.write:
        write_section(table)
    return bool(errors or problems)


def markdown(r: dict) -> str:
    c, s = r["concurrent"], r["sequential"]
    return "\n".join(
        [
            "## serve_load",
            "",
            f"`python benchmarks/serve_load.py` — {r['sessions']} concurrent streaming sessions x {r['turns']} turns "
            f"x {r['rounds']} rounds ({r['requests']} requests) against the built-in `rag` agent with `scripted/echo` and `scripted/hash` over "
            f"examples/docs, `plait serve` in a subprocess on 127.0.0.1, httpx async client; baseline = the same graph "
            f"called in-process (`agent.stream`) at the same concurrency, rounds alternating; the one-at-a-time rows "
            f"alternate single requests. 2 cores shared with other work, so absolute times drift between runs; "
            f"{r['seconds']} s in all.",
            "",
            f"- errors: **{r['errors']}**; cross-talk between sessions (replies and stored histories): **{r['cross_talk']}**",
            "",
            "| per request (send -> [DONE]) | server p50 | server p99 | in-process p50 | in-process p99 | added p50 | added p99 | ratio p50 | ratio p99 |",
            "|---|---|---|---|---|---|---|---|---|",
            f"| {r['sessions']} concurrent | {c['server']['p50_ms']} ms | {c['server']['p99_ms']} ms | {c['inprocess']['p50_ms']} ms | "
            f"{c['inprocess']['p99_ms']} ms | {c['added_p50_ms']} ms | {c['added_p99_ms']} ms | {c['ratio_p50']}x | {c['ratio_p99']}x |",
            f"| one at a time ({s['server']['n']} requests) | {s['server']['p50_ms']} ms | {s['server']['p99_ms']} ms | {s['inprocess']['p50_ms']} ms | "
            f"{s['inprocess']['p99_ms']} ms | {s['added_p50_ms']} ms | {s['added_p99_ms']} ms | {s['ratio_p50']}x | {s['ratio_p99']}x |",
            "",
        ]
    )


def write_section(table: str, title: str = "## serve_load") -> None:
    path = ROOT / "benchmarks" / "RESULTS.md"
    text = path.read_text() if path.exists() else "# Benchmark results\n\n"
    start = text.find(title + "\n")
    if start >= 0:
        end = text.find("\n## ", start + 1)
        text = text[:start] + table.rstrip() + "\n" + (text[end:] if end >= 0 else "")
    else:
        text = text.rstrip() + "\n\n" + table
    path.write_text(text)


if __name__ == "__main__":
    main()
