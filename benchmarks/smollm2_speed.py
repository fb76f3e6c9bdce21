"""Generation speed of the embedded model (`llamacpp/smollm2`) through plait's own chat model.

Per thread setting: load the model, one warm-up reply, then ``--runs`` greedy replies of exactly
``--tokens`` new tokens to a 43-token prompt (a story, so the model does not stop early; the loop
guard is off so every run decodes the same count); tokens/s = completion tokens / wall time of the
whole ``chat`` call (prompt evaluation included, a few ms here). The baseline is llama.cpp's
default thread count (half the cores, what plait uses unless ``[llamacpp] n_threads`` is set);
every other setting is reported as a ratio to it, from the same run. Each setting runs in its own
process (plait caches a loaded model per file, whatever its thread count). The load average is
printed with each row: the machine is shared. Run:

    python benchmarks/smollm2_speed.py [--threads 2 --threads 4] [--runs 5] [--tokens 128]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

PROMPT = [{"role": "user", "content": "Write a long story about a cat who travels around the world."}]


def measure(threads: int | None, runs: int, tokens: int) -> float:
    from plait.core.config import load_settings
    from plait.core.models import ChatOptions, get_chat_model
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLAIT_LLAMACPP__")}
    env["PLAIT_LLAMACPP__LOOP_GUARD"] = "0"
    if threads:
        env["PLAIT_LLAMACPP__N_THREADS"] = str(threads)
    model = get_chat_model("llamacpp/smollm2", load_settings(environ=env))
    model.chat(PROMPT, ChatOptions(temperature=0, max_tokens=16))  # warm-up: load the weights
    rates = []
    for _ in range(runs):
        t = time.perf_counter()
        result = model.chat(PROMPT, ChatOptions(temperature=0, max_tokens=tokens))
        rates.append(result.usage["completion_tokens"] / (time.perf_counter() - t))
    return statistics.median(rates)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, action="append", help="n_threads to compare with the default (repeatable)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--tokens", type=int, default=128)
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child: measure one setting (0 = default)
    args = ap.parse_args()
    if args.one is not None:
        print(measure(args.one or None, args.runs, args.tokens))
        return
    print(f"cores {os.cpu_count()}; median of {args.runs} greedy replies of {args.tokens} tokens")
    base = None
    for threads in [0, *(args.threads or [])]:
        child = [sys.executable, __file__, "--one", str(threads), "--runs", str(args.runs), "--tokens", str(args.tokens)]
        rate = float(subprocess.run(child, check=True, capture_output=True, text=True).stdout.split()[-1])
        base = base or rate
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        label = "default (half the cores)" if not threads else f"n_threads={threads}"
        print(f"{label:26s} {rate:6.1f} tok/s  {rate / base:4.2f}x  load average {load}")


if __name__ == "__main__":
    main()
