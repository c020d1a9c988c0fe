"""Run every benchmark in this folder and keep what each printed under benchmarks/results/.

The site's Benchmarks page shows those files as they are, so its figures come from a real run.
"""

from __future__ import annotations

import datetime
import platform
import subprocess
import sys
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent


def main() -> None:
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    header = (
        f"# measured {datetime.date.today().isoformat()} on {platform.machine()}, "
        f"{platform.python_implementation()} {platform.python_version()}, torch {torch.__version__}\n"
    )
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"== {script.name}", flush=True)
        lines = [header]
        with subprocess.Popen(
            [sys.executable, str(script)], stdout=subprocess.PIPE, text=True
        ) as proc:
            assert proc.stdout is not None
            for line in proc.stdout:
                print(line, end="", flush=True)
                lines.append(line)
        if proc.returncode != 0:
            sys.exit(f"{script.name} failed with exit code {proc.returncode}")
        (results / f"{script.stem}.txt").write_text("".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
