"""How much time the sandbox adds per document, next to the same document run unsandboxed.

Checks a small tutorial (three blocks, no torch, so the kernel's own start dominates and the
sandbox's share is visible) with ``check_document`` alternately in and out of the sandbox, and
prints the median time of each and their difference. Goal: at most 150 ms per document; exits 1
on a miss. On a busy machine the kernels' own start varies by more than that, so it also prints
the launch alone: ``python -S -c pass`` with and without the sandbox around it. Run: ``.venv/bin/python benchmarks/bench_sandbox.py [--runs N]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.goals import Row, emit  # noqa: E402
from recipes.checker.parse import parse_source  # noqa: E402
from recipes.checker.run import check_document  # noqa: E402
from recipes.checker.sandbox import Sandbox, default_limits, unavailable  # noqa: E402

GOAL_MS = 150.0
DOC = "".join(f"Step {k}:\n\n```python\nx{k} = {k} * 2\nprint(x{k})  # {k * 2}\n```\n\n"
              for k in range(3))


def _commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parent)
    return done.stdout.strip() or "unknown"


def launch_ms(runs: int) -> tuple[float, float]:
    """Median milliseconds to start and end a bare Python, plain and in the sandbox."""
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as scratch:
        argv = [sys.executable, "-S", "-c", "pass"]
        cmd, env = Sandbox(default_limits(), writable=[Path(scratch)]).launch(
            argv, cwd=scratch, env=dict(os.environ))
        times: tuple[list[float], list[float]] = ([], [])
        for _ in range(runs):
            for k, (line, environ) in enumerate(((argv, None), (cmd, env))):
                start = time.perf_counter()
                subprocess.run(line, env=environ, check=True)
                times[k].append(time.perf_counter() - start)
    return statistics.median(times[0]) * 1000, statistics.median(times[1]) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    reason = unavailable()
    if reason:
        print(f"bench_sandbox: {reason}")
        return 1
    doc = parse_source(DOC, "bench.md", "markdown")
    limits = default_limits()
    times: dict[str, list[float]] = {"unsandboxed": [], "sandboxed": []}
    check_document(doc, sandbox=limits)  # warm the file cache for both
    for _ in range(args.runs):
        for name, sandbox in (("unsandboxed", None), ("sandboxed", limits)):
            start = time.perf_counter()
            result = check_document(doc, sandbox=sandbox)
            times[name].append(time.perf_counter() - start)
            assert all(b.status == "ok" for b in result.blocks), result.blocks
    plain = statistics.median(times["unsandboxed"]) * 1000
    boxed = statistics.median(times["sandboxed"]) * 1000
    added = boxed - plain
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} "
          f"{platform.release()}, Python {platform.python_version()}; commit {_commit()}")
    print(f"document of 3 blocks, median of {args.runs} runs each, alternating")
    print(f"unsandboxed: {plain:8.1f} ms per document")
    print(f"sandboxed:   {boxed:8.1f} ms per document")
    bare, boxed_bare = launch_ms(3 * args.runs)
    print(f"launch alone: {bare:.1f} ms plain, {boxed_bare:.1f} ms sandboxed, "
          f"{boxed_bare - bare:+.1f} ms")
    return 0 if emit(Row("added by the sandbox per document", added, GOAL_MS, " ms")) else 1


if __name__ == "__main__":
    sys.exit(main())
