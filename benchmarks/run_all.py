"""Run every benchmark in this folder, tabulate each figure against its goal, and keep what each
printed under benchmarks/results/ (the only writer of that folder).

The site's Benchmarks page shows those files as they are, so its figures come from a real run.
Exits 1 when a benchmark fails or any goal is missed. Names given (``run_all.py bench_site``, or
``make bench BENCH=bench_site``) run only those benchmarks and rewrite only their files.
"""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.goals import Row, parse_row  # noqa: E402


def _commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True,
                          text=True)
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=HERE, capture_output=True,
                           text=True).stdout.strip()
    return (done.stdout.strip() or "unknown") + (" (with uncommitted changes)" if dirty else "")


def _machine() -> str:
    import torch

    return (f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_implementation()} "
            f"{platform.python_version()}, torch {torch.__version__}")


def main(names: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    unknown = sorted(set(names) - {script.stem for script in scripts})
    if unknown:
        print(f"no such benchmark: {', '.join(unknown)} (there are "
              f"{', '.join(script.stem for script in scripts)})", file=sys.stderr)
        return 2
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    header = (f"# measured {datetime.date.today().isoformat()} on {_machine()}, "
              f"commit {_commit()}\n")
    print(header, end="")
    rows: list[tuple[str, Row]] = []
    failed = []
    for script in (s for s in scripts if not names or s.stem in names):
        print(f"== {script.name}", flush=True)
        lines = [header]
        with subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                              text=True) as proc:
            assert proc.stdout is not None
            for line in proc.stdout:
                row = parse_row(line)
                if row is not None:
                    rows.append((script.stem, row))
                    continue
                print(line, end="", flush=True)
                lines.append(line)
        if proc.returncode != 0:
            failed.append(f"{script.name} exited {proc.returncode}")
        (results / f"{script.stem}.txt").write_text("".join(lines), encoding="utf-8")
    print(f"\n{header}")
    for name, row in rows:
        print(f"{name:<22} {row.describe()}")
    missed = [row.name for _, row in rows if not row.met]
    for problem in failed + [f"missed: {name}" for name in missed]:
        print(problem)
    return 1 if failed or missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
