"""Shared fixtures: one strict build of the whole site per test session, reused by every site test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
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


def _site_build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where this run's one site build goes: shared by all pytest-xdist workers of the run."""
    base = tmp_path_factory.getbasetemp()
    return (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "site-build"


def _build_and_record(root: Path, process: list[subprocess.Popen]) -> None:
    """Build the site cold into ``root`` and write what happened to ``root/build.json``."""
    docs_before = docs_snapshot()
    env = {**os.environ, "TORCH_RECIPES_CACHE": str(root / "cache"), "NO_MKDOCS_2_WARNING": "1"}
    start = time.perf_counter()
    with subprocess.Popen(
        [*MKDOCS, "build", "--strict", "-f", str(ROOT / "mkdocs.yml"), "-d", str(root / "site")],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    ) as proc:
        process.append(proc)
        log, _ = proc.communicate()
    outcome = {
        "docs_before": docs_before,
        "returncode": proc.returncode,
        "log": log,
        "seconds": time.perf_counter() - start,
    }
    partial = root / "build.json.partial"
    partial.write_text(json.dumps(outcome), encoding="utf-8")
    os.replace(partial, root / "build.json")


@pytest.fixture(scope="session", autouse=True)
def _site_build_in_background(request: pytest.FixtureRequest, tmp_path_factory):
    """Start the one site build as soon as the run starts, if any selected test needs it.

    It runs beside the other tests instead of holding up the first site test (or, under xdist, a
    whole worker) for the length of a cold build.
    """
    if not any("built_site" in getattr(item, "fixturenames", ()) for item in request.session.items):
        yield
        return
    root = _site_build_dir(tmp_path_factory)
    root.mkdir(parents=True, exist_ok=True)
    process: list[subprocess.Popen] = []
    thread = None
    with FileLock(root.parent / "site-build.lock"):
        if not (root / "started").exists():
            (root / "started").touch()
            thread = threading.Thread(target=_build_and_record, args=(root, process), daemon=True)
            thread.start()
    yield
    if thread is not None:
        if request.session.shouldstop or request.session.shouldfail:
            for proc in process:
                proc.kill()
        thread.join()


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> SiteBuild:
    """The real site, built cold (empty tutorial cache) exactly as `make docs` builds it.

    Built once per test run, in the background (see ``_site_build_in_background``); this waits
    for it to finish.
    """
    root = _site_build_dir(tmp_path_factory)
    record = root / "build.json"
    root.mkdir(parents=True, exist_ok=True)
    with FileLock(root.parent / "site-build.lock"):
        if not (root / "started").exists():  # asked for without being declared: build it now
            (root / "started").touch()
            _build_and_record(root, [])
    deadline = time.monotonic() + 1500
    while not record.exists():
        assert time.monotonic() < deadline, f"the site build in {root} did not finish in 25 min"
        time.sleep(0.5)
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
