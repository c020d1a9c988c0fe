"""How much time the tutorial checker adds per block, next to ``pytest --doctest-glob``.

Builds a 200-block tutorial (each block computes with torch and prints one claimed value), and
the same computations as a 200-example doctest page. It measures:

* the blocks' own run time: the same code executed block by block in one plain ``python``
  process (importing torch included, as in the tutorial);
* ``torch-recipes check`` on each file (a subprocess, as a user runs it), and on the tutorial's
  first block alone, which splits the overhead into a start-up cost and a cost per block;
* ``pytest --doctest-glob`` on the doctest page.

and prints each tool's overhead per block beyond the blocks' own run time. Goals (issue 14): at
most 10 ms per block for the checker, and at most 1.2 times pytest's wall time on the same
doctests; it exits 1 when either is missed. Run:
``.venv/bin/python benchmarks/bench_checker.py [--blocks N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.goals import Row, emit  # noqa: E402

GOAL_MS = 10.0
GOAL_RATIO = 1.2


def _blocks(n: int) -> list[tuple[str, str, str]]:
    """(code, printed statement, its output) for each block; the first imports torch."""
    blocks = []
    for k in range(n):
        a, b = k % 7 + 1, k % 3 + 1
        setup = f"x{k} = torch.arange({a}) * {b}"
        if k == 0:
            setup = "import torch\n" + setup
        total = sum(range(a)) * b
        blocks.append((setup, f"print(x{k}.sum())", f"tensor({total})"))
    return blocks


def write_tutorial(path: Path, blocks: list[tuple[str, str, str]]) -> None:
    parts = ["# Benchmark tutorial\n"]
    for k, (setup, stmt, out) in enumerate(blocks):
        parts.append(f"Step {k}:\n\n```python\n{setup}\n{stmt}  # {out}\n```\n")
    path.write_text("\n".join(parts), encoding="utf-8")


def write_doctest_page(path: Path, blocks: list[tuple[str, str, str]]) -> None:
    parts = ["# Benchmark doctests\n"]
    for k, (setup, stmt, out) in enumerate(blocks):
        lines = "\n".join(f">>> {ln}" for ln in setup.split("\n"))
        parts.append(f"Step {k}:\n\n```pycon\n{lines}\n>>> {stmt}\n{out}\n\n```\n")
    path.write_text("\n".join(parts), encoding="utf-8")


_OWN_TIME = """
import json, sys, time
blocks = json.load(open(sys.argv[1]))
ns = {"__name__": "__main__"}
total = 0.0
for source in blocks:
    code = compile(source, "<block>", "exec")
    start = time.perf_counter()
    exec(code, ns)
    total += time.perf_counter() - start
print(total)
"""


def own_run_time(blocks: list[tuple[str, str, str]], tmp: Path) -> float:
    """Seconds the blocks take by themselves, in one fresh plain Python process."""
    data = tmp / "blocks.json"
    data.write_text(json.dumps([f"{s}\n{p}" for s, p, _ in blocks]), encoding="utf-8")
    out = subprocess.run([sys.executable, "-c", _OWN_TIME, str(data)], check=True,
                         capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])


def timed(cmd: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "120"})
    return time.perf_counter() - start, proc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--blocks", type=int, default=200, help="blocks in the tutorial (200)")
    args = parser.parse_args(argv)
    check = [sys.executable, "-m", "recipes", "check", "--quiet"]
    with tempfile.TemporaryDirectory(prefix="bench-checker-") as raw:
        tmp = Path(raw)
        blocks = _blocks(args.blocks)
        tutorial = tmp / "tutorial.md"
        doctests = tmp / "doctests.md"
        write_tutorial(tutorial, blocks)
        write_doctest_page(doctests, blocks)
        (tmp / "pytest.ini").write_text("[pytest]\naddopts =\n", encoding="utf-8")

        own = own_run_time(blocks, tmp)
        own_doctest = own  # the same statements

        # The same tutorial cut to its first block: what a run costs before any block.
        first = tmp / "first.md"
        write_tutorial(first, blocks[:1])
        own_first = own_run_time(blocks[:1], tmp)
        t_first, proc = timed(check + [str(first)], tmp)
        if proc.returncode != 0:
            print(proc.stdout, proc.stderr, file=sys.stderr)
            raise SystemExit("the checker did not pass the benchmark's first block")
        t_check, proc = timed(check + [str(tutorial)], tmp)
        if proc.returncode != 0:
            print(proc.stdout, proc.stderr, file=sys.stderr)
            raise SystemExit("the checker did not pass the benchmark tutorial")
        t_check_doc, proc = timed(check + [str(doctests)], tmp)
        if proc.returncode != 0:
            print(proc.stdout, proc.stderr, file=sys.stderr)
            raise SystemExit("the checker did not pass the benchmark doctests")
        t_pytest, proc = timed(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c",
             str(tmp / "pytest.ini"), "--rootdir", str(tmp), "--doctest-glob=doctests.md",
             str(doctests)],
            tmp,
        )
        if proc.returncode != 0:
            print(proc.stdout, proc.stderr, file=sys.stderr)
            raise SystemExit("pytest --doctest-glob did not pass the benchmark doctests")

    n = args.blocks

    def per_block(total: float, base: float) -> float:
        return (total - base) / n * 1000

    rows = [
        ("blocks' own run time (plain python)", own, None),
        ("torch-recipes check, first block only", t_first, None),
        ("torch-recipes check, comment claims", t_check, per_block(t_check, own)),
        ("torch-recipes check, doctest page", t_check_doc, per_block(t_check_doc, own_doctest)),
        ("pytest --doctest-glob, doctest page", t_pytest, per_block(t_pytest, own_doctest)),
    ]
    print(f"Checker benchmark: {n} blocks, each one claimed print (torch imported once)")
    print(f"{'':40s} {'wall s':>8s} {'overhead ms/block':>18s}")
    for name, wall, over in rows:
        print(f"{name:40s} {wall:8.2f} {'' if over is None else f'{over:18.1f}'}")
    # Where the time goes: a start-up cost paid once per run (the checker's imports, the kernel's
    # start and stop), and a cost per block beyond it.
    startup = t_first - own_first
    marginal = ((t_check - own) - startup) / (n - 1) * 1000 if n > 1 else float("nan")
    print(f"checker start-up, once per run: {startup:.2f} s; each further block: "
          f"{marginal:.1f} ms beyond its own run time")
    ratio = t_check_doc / t_pytest if t_pytest else float("nan")
    worst = max(per_block(t_check, own), per_block(t_check_doc, own_doctest))
    rows = [
        Row("checker overhead per block (worst file)", worst, GOAL_MS, " ms"),
        Row("checker / pytest wall time, same doctests", ratio, GOAL_RATIO, "x"),
    ]
    met = [emit(row) for row in rows]
    return 0 if all(met) else 1

if __name__ == "__main__":
    raise SystemExit(main())
