"""Rows/s of a model stage against an OpenAI-compatible stub with a fixed per-request latency.

    python benchmarks/pipeline.py [--rows 200] [--latency 0.05]
    unshare --net bash -c 'ip link set lo up; exec python benchmarks/pipeline.py --ray'   # adds Ray

Compares a serial loop (one ``model.chat`` after another, what the plugins did before the engine)
with the engine's local executor at concurrency 1, 8 and 32, and the local executor with the Ray
executor on the same pipeline. The stub answers every request after ``--latency`` seconds, so the
ratios show what concurrency buys against a server that is not the bottleneck (as a vLLM fleet is
not, for a single client). Prints a Markdown section for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from plait.core.config import Settings
from plait.core.models.base import ChatOptions
from plait.pipeline import ModelStage, Pipeline, run
from plait.testing.kit import http_server, send_json


def handler(latency: float):
    class Stub(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            threading.Event().wait(latency)
            text = "ok " + str(body["messages"][-1]["content"])[-8:]
            send_json(self, {"id": "b", "object": "chat.completion", "created": 0, "model": "stub",
                             "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                          "finish_reason": "stop"}],
                             "usage": {"prompt_tokens": 4, "completion_tokens": 3, "total_tokens": 7}})

    return Stub


def prompt(row: dict) -> str:
    return f"answer {row['id']}"


def make_settings(home: Path, url: str) -> Settings:
    return Settings(home=home, model="openai/stub", llm_url=url,
                    tables={"openai": {"timeout": 30}, "pipeline": {"backoff": 0.05}})


def serial(rows: list[dict], settings: Settings) -> float:
    from plait.core.models import get_chat_model

    model = get_chat_model("openai/stub", settings)
    t0 = time.perf_counter()
    for row in rows:
        model.chat([{"role": "user", "content": prompt(row)}], ChatOptions(max_tokens=8))
    return len(rows) / (time.perf_counter() - t0)


def engine(rows: list[dict], settings: Settings, concurrency: int, executor: str = "local") -> float:
    pipe = Pipeline("bench", [ModelStage("ask", prompt, options=ChatOptions(max_tokens=8))], source=lambda: rows)
    with tempfile.TemporaryDirectory() as home:
        s = settings.model_copy(update={"home": Path(home)})
        t0 = time.perf_counter()
        summary = run(pipe, settings=s, executor=executor, concurrency=concurrency)
        elapsed = time.perf_counter() - t0
    assert summary["rows_out"] == len(rows) and summary["errors"] == 0, summary
    return len(rows) / elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=200)
    ap.add_argument("--latency", type=float, default=0.05)
    ap.add_argument("--ray", action="store_true", help="also run the Ray executor (inside a loopback-only netns)")
    args = ap.parse_args()
    rows = [{"id": f"r{i:05d}"} for i in range(args.rows)]
    with http_server(handler(args.latency), poll_interval=0.05, daemon_threads=True) as root:
        settings = make_settings(Path("."), root + "/v1")
        t_start = time.perf_counter()
        base = serial(rows, settings)
        results = [("serial loop (`model.chat` per row)", base)]
        for c in (1, 8, 32):
            results.append((f"engine, local, concurrency {c}", engine(rows, settings, c)))
        if args.ray:
            import ray

            ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
            engine(rows[:16], settings, 8, "ray")  # warm the actor start-up out of the measurement
            results.append(("engine, ray, concurrency 8 (1 actor x 8 in flight)", engine(rows, settings, 8, "ray")))
            results.append(("engine, ray, concurrency 32 (2 actors x 16 in flight)", engine(rows, settings, 32, "ray")))
            ray.shutdown()
        total = time.perf_counter() - t_start
    print(f"\n`python benchmarks/pipeline.py --rows {args.rows} --latency {args.latency}"
          f"{' --ray' if args.ray else ''}` — {args.rows} rows, stub latency {args.latency * 1000:.0f} ms "
          f"per request, {total:.1f} s in all\n")
    print("| path | rows/s | vs serial loop |\n|---|---|---|")
    for name, rate in results:
        print(f"| {name} | {rate:.1f} | {rate / base:.2f}x |")


if __name__ == "__main__":
    main()
