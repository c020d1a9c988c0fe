"""How the time grows with the amount of work: sites of 14, 28 and 56 tutorials, checker corpora
of 10, 30 and 100 documents.

Site section: synthetic bilingual sites of small tutorials (a few cells that import torch and
print; no API reference), each built cold with `mkdocs build --strict` and the project's hooks,
tutorials executing one per core. It prints each build's total time and time per tutorial, which
should stay flat as the site grows.

Checker section: synthetic corpora of small documents (three blocks, each printing one claimed
value; no torch, so the kernel's start dominates as it does for short tutorials), each checked
by ``torch-recipes check`` as a user runs it (a subprocess, sandboxed) with one job per core
(``-j N``), and, for the corpora of up to 30 documents, one document at a time (``-j 1``; the
100-document serial run alone would take the section's whole time budget of 4 minutes on 2
cores). It prints each run's total time and time per document; the per-document time should stay
flat as the corpus grows, and ``-j`` should divide it by about the number of cores.

Each section is a function returning table rows, so another (the site's) can be added beside it.
Run: ``.venv/bin/python benchmarks/bench_scaling.py [--sizes 10 30 100] [--jobs N]
[--serial-up-to SIZE]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


@dataclass(frozen=True)
class Row:
    """One measured run: what grew, how big it was, how it ran, and how long it took."""

    section: str
    size: int
    unit: str
    mode: str
    seconds: float

    @property
    def per_item(self) -> float:
        return self.seconds / self.size


def write_corpus(folder: Path, size: int) -> None:
    """``size`` small Markdown documents whose three claims all hold."""
    folder.mkdir(parents=True)
    for k in range(size):
        blocks = []
        for b in range(3):
            n = 3 * k + b
            blocks.append(f"Step {b}:\n\n```python\nvalues = list(range({n % 9 + 2}))\n"
                          f"print(sum(values) * {b + 1})  # {sum(range(n % 9 + 2)) * (b + 1)}\n```\n")
        (folder / f"doc_{k:03d}.md").write_text(f"# Document {k}\n\n" + "\n".join(blocks),
                                                encoding="utf-8")


def time_check(folder: Path, jobs: int, report: Path) -> float:
    """Wall time of ``torch-recipes check -j JOBS`` on ``folder``; every claim must hold."""
    cmd = [sys.executable, "-m", "recipes", "check", "--quiet", "-j", str(jobs), "--json",
           str(report), str(folder)]
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"the checker failed on {folder}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    buckets = json.loads(report.read_text(encoding="utf-8"))["summary"]["buckets"]
    expected = 3 * len(list(folder.glob("*.md")))
    if buckets.get("verified") != expected:
        raise SystemExit(f"expected {expected} verified claims in {folder}, got {buckets}")
    return seconds


def checker_section(sizes: list[int], jobs: int, serial_up_to: int) -> list[Row]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-scaling-") as raw:
        tmp = Path(raw)
        for size in sizes:
            folder = tmp / f"corpus-{size}"
            write_corpus(folder, size)
            for n in dict.fromkeys((1, jobs) if size <= serial_up_to else (jobs,)):
                seconds = time_check(folder, n, tmp / "report.json")
                rows.append(Row("checker", size, "document", f"-j {n}", seconds))
                print(f"  checked {size} documents with -j {n}: {seconds:.1f} s", flush=True)
    return rows


TUTORIAL = """# %% [markdown] lang="en"
# # Tutorial {k}
# Sums of small tensors.
# %% [markdown] lang="zh"
# # 教程 {k}
# 小张量的求和。
# %%
import torch

x = torch.arange({n})
print(x.sum())
# %% [markdown] lang="en"
# A matrix and its transpose.
# %% [markdown] lang="zh"
# 矩阵及其转置。
# %%
m = x.reshape(1, -1).float()
print(m @ m.T)
"""


def write_site(folder: Path, size: int) -> Path:
    """A site of ``size`` small bilingual tutorials; returns its configuration."""
    from recipes.site.variants import write_config_variant

    docs = folder / "docs"
    (docs / "tutorials").mkdir(parents=True)
    (docs / "index.en.md").write_text("# Home\n", encoding="utf-8")
    (docs / "index.zh.md").write_text("# 首页\n", encoding="utf-8")
    nav: list = [{"Home": "index.md"}]
    for k in range(size):
        name = f"t{k:03d}"
        text = TUTORIAL.format(k=k, n=k % 7 + 3)
        (docs / "tutorials" / f"{name}.py").write_text(text, encoding="utf-8")
        nav.append({f"Tutorial {k}": f"tutorials/{name}.ipynb"})
    return write_config_variant(folder / "mkdocs.yml", docs_dir=docs, nav=nav,
                                api_reference=False)


def site_section(sizes: list[int]) -> list[Row]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-scaling-site-") as raw:
        for size in sizes:
            folder = Path(raw) / f"site-{size}"
            config = write_site(folder, size)
            env = {**os.environ, "TORCH_RECIPES_CACHE": str(folder / "cache"),
                   "NO_MKDOCS_2_WARNING": "1"}
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f",
                                   str(config), "-d", str(folder / "site")],
                                  cwd=ROOT, env=env, capture_output=True, text=True)
            seconds = time.perf_counter() - start
            if done.returncode != 0:
                raise SystemExit(f"the site of {size} tutorials failed to build:\n"
                                 f"{(done.stdout + done.stderr)[-3000:]}")
            rows.append(Row("site", size, "tutorial", "cold", seconds))
            print(f"  built a site of {size} tutorials: {seconds:.1f} s", flush=True)
    return rows


def print_table(rows: list[Row]) -> None:
    print(f"{'section':10s} {'size':>5s} {'mode':>8s} {'total s':>9s} {'s per item':>11s}")
    for row in rows:
        print(f"{row.section:10s} {row.size:5d} {row.mode:>8s} {row.seconds:9.1f} "
              f"{row.per_item:9.2f} per {row.unit}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 30, 100],
                        help="corpus sizes in documents (10 30 100)")
    parser.add_argument("--site-sizes", type=int, nargs="+", default=[14, 28, 56],
                        help="site sizes in tutorials (14 28 56)")
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)),
                        help="jobs for the parallel runs (default: this machine's cores)")
    parser.add_argument("--serial-up-to", type=int, default=30, metavar="SIZE",
                        help="also check corpora up to this size one document at a time (30)")
    args = parser.parse_args(argv)
    print(f"Scaling benchmark on {len(os.sched_getaffinity(0))} cores")
    rows = site_section(args.site_sizes) + checker_section(args.sizes, args.jobs,
                                                           args.serial_up_to)
    print_table(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
