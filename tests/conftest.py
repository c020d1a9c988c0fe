"""Shared fixtures: one strict build of the whole site per test session, reused by every site test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from filelock import FileLock

# Each xdist worker, site-build kernel and checker kernel is a process of its own. With one
# OpenMP/BLAS thread each they share the cores instead of oversubscribing them; threads spinning
# while they wait for a core cost a loaded machine most. Set before torch is first imported.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import torch  # noqa: E402

from recipes.regression_manual import make_regression_data  # noqa: E402

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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Order the files so the long ones start first and many short ones end the run.

    Under ``--dist loadfile`` (``make test``) each file is one unit of work, handed out in this
    order (xdist's own reorder, by number of tests, is turned off in the Makefile: it put the
    one-test file that checks the whole site last, alone on a worker for minutes). First the
    files that spawn kernels or processes and do not need the site, then the ones that wait for
    the site build started at the beginning (see ``_site_build_in_background``), then the rest.
    Among the first, a file with fewer tests goes first: its tests are longer end-to-end runs.
    """

    files: dict[pytest.Collector | None, list[pytest.Item]] = {}
    for item in items:
        files.setdefault(item.getparent(pytest.Module), []).append(item)

    def rank(tests: list[pytest.Item]) -> tuple[int, int]:
        if any("built_site" in getattr(test, "fixturenames", ()) for test in tests):
            return 1, 0
        if any(test.get_closest_marker("slow") for test in tests):
            return 0, len(tests)
        return 2, 0

    ordered = sorted(files.values(), key=rank)
    items[:] = [test for tests in ordered for test in tests]


def parsed_page(path: Path) -> BeautifulSoup:
    """``path`` parsed as HTML, once per version of the file: several tests read each page.

    Parsing a tutorial page takes about 0.2 s, and site tests read each of the 34 several times.
    Callers only read the tree, never change it.
    """
    stat = path.stat()
    return _parse(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=128)
def _parse(path: Path, _mtime_ns: int, _size: int) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


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
