"""How long `make test` takes: the whole test suite, run exactly as CI runs it.

Goal (issue 14): at most 5 minutes on a 2-core machine. Run with `make bench` or
`.venv/bin/python benchmarks/bench_tests.py`; exits 1 when the suite fails or the goal is missed.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.goals import Row, emit  # noqa: E402

GOAL_S = 300.0


def main() -> int:
    start = time.perf_counter()
    done = subprocess.run(["make", "-s", "test"], cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    summary = (done.stdout.strip().splitlines() or ["(no output)"])[-1]
    print(f"make test: {summary}")
    if done.returncode != 0:
        print((done.stdout + done.stderr)[-4000:])
        return 1
    return 0 if emit(Row("make test (tests only)", seconds, GOAL_S, " s")) else 1


if __name__ == "__main__":
    sys.exit(main())
