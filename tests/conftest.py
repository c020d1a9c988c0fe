"""Shared fixtures: one strict build of the whole site per test session, reused by every site test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
from filelock import FileLock

from recipes.regression_manual import make_regression_data

ROOT = Path(__file__).resolve().parents[1]
MKDOCS = [sys.executable, "-m", "mkdocs"]


@dataclass(frozen=True)
class SiteBuild:
    site: Path
    cache: Path
    log: str
    seconds: float
    docs_before: dict[str, list[int]]


def docs_snapshot() -> dict[str, list[int]]:
    """Every file under docs/ with its size and modification time, to show a build wrote none."""
    return {
        str(path.relative_to(ROOT)): [path.stat().st_size, path.stat().st_mtime_ns]
        for path in sorted((ROOT / "docs").rglob("*"))
        if path.is_file()
    }


def build_site(config: Path, site: Path, cache: Path, *extra: str) -> subprocess.CompletedProcess:
    """Run `mkdocs build --strict` for ``config`` into ``site`` with its own tutorial cache."""
    env = {**os.environ, "TORCH_RECIPES_CACHE": str(cache), "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(
        [*MKDOCS, "build", "--strict", "-f", str(config), "-d", str(site), *extra],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> SiteBuild:
    """The real site, built cold (empty tutorial cache) exactly as `make docs` builds it.

    Built once per test run: under pytest-xdist the first worker that needs it builds it in the
    run's shared temporary folder while holding a lock, and the others wait and reuse it.
    """
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    root = shared / "site-build"
    record = root / "build.json"
    with FileLock(shared / "site-build.lock"):
        if not record.exists():
            root.mkdir(parents=True, exist_ok=True)
            docs_before = docs_snapshot()
            start = time.perf_counter()
            done = build_site(ROOT / "mkdocs.yml", root / "site", root / "cache")
            outcome = {
                "docs_before": docs_before,
                "returncode": done.returncode,
                "log": done.stdout + done.stderr,
                "seconds": time.perf_counter() - start,
            }
            record.write_text(json.dumps(outcome), encoding="utf-8")
        outcome = json.loads(record.read_text(encoding="utf-8"))
    log = outcome["log"]
    assert outcome["returncode"] == 0, f"mkdocs build --strict failed:\n{log[-6000:]}"
    return SiteBuild(root / "site", root / "cache", log, outcome["seconds"], outcome["docs_before"])


@pytest.fixture(scope="module")
def split():
    """The regression benchmark of issue 2: make_regression(1000, 5, noise 10, bias 14.5), 800/200."""
    X, y, coef, bias = make_regression_data(
        n_samples=1000, n_features=5, noise=10.0, bias=14.5, random_state=0
    )
    perm = torch.randperm(1000, generator=torch.Generator().manual_seed(0))
    train, held_out = perm[:800], perm[800:]
    return X[train], y[train], X[held_out], y[held_out], coef, bias
