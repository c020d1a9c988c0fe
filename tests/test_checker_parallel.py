"""``torch-recipes check -j N`` and ``--scheduler``: the same report as one document at a time."""

from __future__ import annotations

import _thread
import argparse
import contextlib
import io
import json
import os
import sys
import threading
import time
from multiprocessing.pool import Pool
from pathlib import Path

import pytest
from distributed import Client, LocalCluster

from recipes.checker.cli import add_arguments, run
from recipes.checker.execute import JOBS_VARIABLE, CheckOptions, check_documents
from recipes.checker.parse import parse_paths

# Each document records which process started its kernel (the kernel's parent) in a file beside
# it, outside the report, so a test can tell where it ran without changing what is compared.
WHO_RAN = "import os\nopen(f'ran-by-{os.getppid()}', 'w').close()\n"

DOCUMENTS = {
    "a_tensors.md": (
        "# Tensors\n\n```python\n" + WHO_RAN + "import torch\nx = torch.arange(4)\n"
        "print(x.sum())  # tensor(6)\n```\n\n```python\nprint(x * 2)  # tensor([0, 2, 4, 8])\n```\n"
    ),
    "b_errors.md": (
        "# Errors\n\n```python\n" + WHO_RAN + "print(1 + 1)  # 2\n```\n\n"
        "```python\nraise ValueError('boom')\n```\n\n```python\nprint('after')  # after\n```\n"
    ),
    "c_doctest.md": (
        "# Doctests\n\n```pycon\n>>> import os\n>>> open(f'ran-by-{os.getppid()}', 'w').close()\n"
        ">>> 2 * 21\n42\n>>> round(3.14159, 2)\n3.14\n```\n"
    ),
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("docs")
    for name, text in DOCUMENTS.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def _without_timings(report: object) -> object:
    if isinstance(report, dict):
        return {k: _without_timings(v) for k, v in report.items() if k != "seconds"}
    if isinstance(report, list):
        return [_without_timings(v) for v in report]
    return report


def _check(folder: Path, *flags: str) -> tuple[int, str, object, set[int]]:
    """Exit code, printed report, JSON report without timings, and the kernels' parents."""
    parser = argparse.ArgumentParser(prog="torch-recipes check")
    add_arguments(parser)
    report = folder.parent / f"{folder.name}-report.json"
    args = parser.parse_args([*sorted(str(p) for p in folder.glob("*.md")), "--json",
                              str(report), "--no-sandbox", "--in-place", *flags])
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = run(args)
    parents = set()
    for marker in folder.glob("ran-by-*"):
        parents.add(int(marker.name.rsplit("-", 1)[1]))
        marker.unlink()
    return code, out.getvalue(), _without_timings(json.loads(report.read_text("utf-8"))), parents


@pytest.fixture(scope="module")
def serial(folder: Path) -> tuple[int, str, object, set[int]]:
    return _check(folder, "-j", "1")


@pytest.mark.slow
def test_serial_run_is_what_the_documents_claim(serial: tuple[int, str, object, set[int]]) -> None:
    code, _out, report, parents = serial
    assert code == 1  # one wrong claim, one failing block
    assert [f["path"].rsplit("/", 1)[1] for f in report["files"]] == sorted(DOCUMENTS)
    assert report["summary"]["buckets"]["wrong"] == 1
    assert report["complete"] is True
    assert parents == {os.getpid()}  # -j 1 runs here, in this process


@pytest.mark.slow
def test_two_jobs_give_the_serial_report(folder: Path, serial: tuple[int, str, object, set[int]],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    terminated = []
    monkeypatch.setattr(Pool, "terminate", lambda pool: terminated.append(pool))
    code, out, report, parents = _check(folder, "-j", "2")
    assert (code, out, report) == serial[:3]
    assert len(parents) == 2 and os.getpid() not in parents  # two worker processes ran them
    # A finished run lets its idle workers exit; terminating them could hang (see _in_pool).
    assert terminated == []


@pytest.mark.slow
def test_ctrl_c_stops_the_workers_and_their_kernels(tmp_path: Path) -> None:
    (tmp_path / "a_slow.md").write_text(
        "```python\nimport os, time\nopen('kernel.pid', 'w').write(str(os.getpid()))\n"
        "time.sleep(300)\n```\n", encoding="utf-8")
    (tmp_path / "b_fine.md").write_text("```python\nprint(6 * 7)  # 42\n```\n",
                                        encoding="utf-8")
    docs = parse_paths([str(p) for p in sorted(tmp_path.glob("*.md"))])
    pid_file = tmp_path / "kernel.pid"
    pressed: list[float] = []

    def press_ctrl_c_once_the_block_runs() -> None:
        while not pid_file.exists() or not pid_file.read_text():
            time.sleep(0.05)
        pressed.append(time.monotonic())
        _thread.interrupt_main()

    threading.Thread(target=press_ctrl_c_once_the_block_runs, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        list(check_documents(docs, CheckOptions(timeout=600, in_place=True), jobs=2))
    assert time.monotonic() - pressed[0] < 30, "Ctrl-C waited for the sleeping block"
    kernel = int(pid_file.read_text())
    deadline = time.monotonic() + 10
    while _alive(kernel) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(kernel), "the interrupted document's kernel was left running"


def _alive(pid: int) -> bool:
    """Whether ``pid`` is still a running process (an unreaped zombie does not count)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.slow
def test_a_dask_cluster_gives_the_serial_report(folder: Path,
                                               serial: tuple[int, str, object, set[int]]) -> None:
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None) as cluster:
        code, out, report, parents = _check(folder, "--scheduler", cluster.scheduler_address)
        with Client(cluster) as client:
            workers = set(client.run(os.getpid).values())
    assert (code, out, report) == serial[:3]
    assert parents and parents <= workers  # the workers' processes ran the kernels


def test_jobs_must_be_a_positive_number(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser(prog="torch-recipes check")
    add_arguments(parser)
    with pytest.raises(SystemExit) as done:
        parser.parse_args(["doc.md", "-j", "0"])
    assert done.value.code == 2
    assert "expected a number of parallel jobs (1 or more), got '0'" in capsys.readouterr().err


def test_a_bad_jobs_variable_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(JOBS_VARIABLE, "many")
    (tmp_path / "t.md").write_text("```python\nprint(1)  # 1\n```\n", encoding="utf-8")
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert run(parser.parse_args([str(tmp_path / "t.md")])) == 2
    assert f"{JOBS_VARIABLE}: expected a number of parallel jobs" in capsys.readouterr().err


def test_scheduler_without_dask_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if it were not installed
    (tmp_path / "t.md").write_text("```python\nprint(1)  # 1\n```\n", encoding="utf-8")
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args([str(tmp_path / "t.md"), "--no-sandbox", "--scheduler",
                              "tcp://127.0.0.1:1"])
    assert run(args) == 2
    assert "pip install 'torch-recipes[cluster]'" in capsys.readouterr().err


@pytest.mark.slow
def test_a_worker_killed_by_its_document_is_reported_not_waited_for(tmp_path: Path) -> None:
    """Unsandboxed, a tutorial can kill the worker checking it; the others still get checked."""
    (tmp_path / "a_kills.md").write_text(
        "```python\nimport os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n```\n",
        encoding="utf-8")
    (tmp_path / "b_fine.md").write_text("```python\nprint(6 * 7)  # 42\n```\n",
                                        encoding="utf-8")
    code, _out, report, _parents = _check(tmp_path, "-j", "2")
    assert code == 1
    killed, fine = report["files"]
    assert killed["error"] == "the worker process checking it died"
    assert [b["status"] for b in killed["blocks"]] == ["error"]
    assert fine["summary"]["buckets"]["verified"] == 1
