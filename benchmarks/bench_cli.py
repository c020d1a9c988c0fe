"""How fast the ``torch-recipes`` command answers: ``list`` and ``show`` (issue 14: ``list`` <= 0.3 s).

Both read the recipes' source instead of importing them, so neither pays for importing torch and
scikit-learn. Each command runs as a user runs it (a fresh process) several times; the median
wall time is the figure, next to the goal, with PASS or MISS; it exits 1 on a miss.
Run: ``.venv/bin/python benchmarks/bench_cli.py [--runs N]``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.goals import Row, emit  # noqa: E402

GOAL_S = 0.3
COMMANDS = (("list",), ("show", "pick_device"))


def wall_time(argv: tuple[str, ...]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "recipes", *argv], check=True, capture_output=True)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of each command (7)")
    args = parser.parse_args(argv)
    met = True
    for command in COMMANDS:
        wall_time(command)  # the first run reads the files into the page cache
        median = statistics.median(wall_time(command) for _ in range(args.runs))
        met &= emit(Row("torch-recipes " + " ".join(command), median, GOAL_S, " s"))
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
