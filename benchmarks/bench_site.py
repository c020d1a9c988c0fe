"""Site build timings: cold build of both languages vs English alone, and a warm prose-only rebuild.

Run with `make bench` or `.venv/bin/python benchmarks/bench_site.py`. Every timing is measured in
this run, on a copy of docs/ with its own empty tutorial cache, so the ratios compare like with like.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from recipes.site.variants import write_config_variant  # noqa: E402

WARM_GOAL_S = 10.0
LANGUAGE_RATIO_GOAL = 1.3


def copy_docs(dest: Path) -> Path:
    shutil.copytree(ROOT / "docs", dest, ignore=shutil.ignore_patterns("*.ipynb", "downloads", "reference"))
    return dest


def timed_build(config: Path, site: Path, cache: Path) -> float:
    env = {**os.environ, "TORCH_RECIPES_CACHE": str(cache), "NO_MKDOCS_2_WARNING": "1"}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site)],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"build failed:\n{(done.stdout + done.stderr)[-4000:]}")
    return seconds


def touch_prose(tutorial: Path) -> None:
    """Change one English prose cell without touching any code cell."""
    text = tutorial.read_text(encoding="utf-8")
    marker = '# %% [markdown] lang="en"\n'
    head, _, tail = text.partition(marker)
    tutorial.write_text(head + marker + "# (edited for the benchmark)\n#\n" + tail, encoding="utf-8")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-site-") as tmp:
        tmp_path = Path(tmp)
        results = {}
        for label, languages in (("both languages, cold", ("en", "zh")), ("English alone, cold", ("en",))):
            work = tmp_path / label.split(",")[0].replace(" ", "-")
            docs = copy_docs(work / "docs")
            config = write_config_variant(work / "mkdocs.yml", docs_dir=docs, languages=languages)
            results[label] = timed_build(config, work / "site", work / "cache")
            print(f"{label:<32} {results[label]:7.1f} s", flush=True)
        work = tmp_path / "both-languages"
        touch_prose(work / "docs" / "tutorials" / "creation.py")
        warm = timed_build(work / "mkdocs.yml", work / "site", work / "cache")
        print(f"{'warm rebuild after prose edit':<32} {warm:7.1f} s")
        ratio = results["both languages, cold"] / results["English alone, cold"]
        print()
        print(f"both / English alone: {ratio:.2f}x (goal <= {LANGUAGE_RATIO_GOAL}x)")
        print(f"warm rebuild: {warm:.1f} s (goal <= {WARM_GOAL_S:.0f} s)")
        print(f"warm / cold both: {warm / results['both languages, cold']:.2f}x")


if __name__ == "__main__":
    main()
