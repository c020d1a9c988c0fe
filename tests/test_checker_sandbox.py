"""The sandbox around an untrusted tutorial's kernel: hostile documents, each judged, and nothing
outside the scratch folder changed.

Every hostile document of ``fixtures/checker/hostile`` is copied into a planted document folder
(next to a data file) and checked by ``torch-recipes check`` with a planted fake home holding a
``.bashrc`` and an ``~/.ssh/id_rsa``; both folders are checksummed before and after. The limits
are made small so that each one trips in a second or two.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from recipes.checker import cli
from recipes.checker.parse import parse_source
from recipes.checker.run import check_document
from recipes.checker.sandbox import Limits, Sandbox, unavailable
from recipes.runner import KernelRunner

HOSTILE = Path(__file__).parent / "fixtures" / "checker" / "hostile"
LIMITS = Limits(memory=512 * 2**20, processes=48, file_size=8 * 2**20)
SECRET = "-----BEGIN OPENSSH PRIVATE KEY----- planted"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(unavailable() is not None, reason=f"no sandbox: {unavailable()}"),
]


def _tree(root: Path) -> dict[str, str]:
    """Every file and folder under ``root`` with a checksum of its content."""
    found = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        found[rel] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
    return found


def _check(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="torch-recipes check")
    cli.add_arguments(parser)
    return cli.run(parser.parse_args(list(argv)))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory):
    """Plant a home and a document folder, run the checker on every hostile document once."""
    root = tmp_path_factory.mktemp("hostile")
    home, docs = root / "home", root / "docs"
    (home / ".ssh").mkdir(parents=True)
    # jupyter_client's kernel lookup makes ~/.ipython on the checker's side (outside the
    # sandbox): a home that has seen Jupyter has one.
    (home / ".ipython").mkdir()
    (home / ".bashrc").write_text("# the user's own bashrc\n", encoding="utf-8")
    (home / ".ssh" / "id_rsa").write_text(SECRET + "\n", encoding="utf-8")
    docs.mkdir()
    (docs / "data.csv").write_text("x,y\n1,2\n", encoding="utf-8")
    # A downloaded folder is readable by others; as root the kernel runs as nobody.
    docs.chmod(0o755)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.setblocking(False)
    fill = {"{HOME}": str(home), "{DOCS}": str(docs), "{PORT}": str(listener.getsockname()[1])}
    for fixture in HOSTILE.glob("*.md"):
        text = fixture.read_text(encoding="utf-8")
        for key, value in fill.items():
            text = text.replace(key, value)
        (docs / fixture.name).write_text(text, encoding="utf-8")
    before = _tree(home), _tree(docs)
    mp = pytest.MonkeyPatch()
    mp.setenv("HOME", str(home))
    mp.setattr(cli, "default_limits", lambda memory=None: LIMITS)
    report, in_place = root / "report.json", root / "in-place.json"
    try:
        others = sorted(str(p) for p in docs.glob("*.md") if p.name != "delete.md")
        codes = (_check(*others, "--timeout", "60", "--json", str(report)),
                 _check(str(docs / "delete.md"), "--in-place", "--json", str(in_place)))
        after = _tree(home), _tree(docs)
        try:
            accepted = listener.accept()[0] is not None
        except BlockingIOError:
            accepted = False
    finally:
        mp.undo()
        listener.close()
    files = {}
    for path in (report, in_place):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["complete"] is True
        files.update({Path(f["path"]).name: f for f in data["files"]})
    return {"codes": codes, "before": before, "after": after, "files": files,
            "accepted": accepted, "raw": report.read_text(encoding="utf-8")}


def _statuses(hostile, name: str) -> list[tuple[str, str | None]]:
    blocks = hostile["files"][name]["blocks"]
    return [(b["status"], b["error"]["ename"] if b["error"] else None) for b in blocks]


def test_checker_finishes_with_a_full_sandboxed_report(hostile):
    assert all(code in (0, 1) for code in hostile["codes"])
    assert sorted(hostile["files"]) == sorted(p.name for p in HOSTILE.glob("*.md"))
    assert all(f["sandboxed"] for f in hostile["files"].values())


def test_nothing_outside_scratch_changed(hostile):
    assert hostile["after"] == hostile["before"]


def test_killing_the_parent_reaches_nothing(hostile):
    # The parent it sees is the sandbox's own init: as nobody it may not signal it (root runs
    # the kernel as nobody); in a user namespace the signal is dropped.
    expected = ("error", "PermissionError") if os.getuid() == 0 else ("ok", None)
    assert _statuses(hostile, "kill_parent.md") == [expected, ("ok", None)]


def test_fork_bomb_stops_at_the_process_limit(hostile):
    assert _statuses(hostile, "fork_bomb.md") == [("process-limit", "BlockingIOError"),
                                                  ("ok", None)]
    assert "48 processes" in hostile["files"]["fork_bomb.md"]["blocks"][0]["error"]["reason"]


def test_allocation_beyond_the_limit_is_a_memory_verdict(hostile):
    assert _statuses(hostile, "memory.md") == [("memory-limit", "MemoryError"), ("ok", None)]
    assert "512 MiB per process" in hostile["files"]["memory.md"]["blocks"][0]["error"]["reason"]


def test_bashrc_is_written_only_to_the_sandbox_home(hostile):
    first, second = hostile["files"]["bashrc.md"]["blocks"]
    assert first["status"] == "ok" and first["claims"][0]["verdict"] == "ok"
    assert (second["status"], second["error"]["ename"]) == ("hidden-path", "FileNotFoundError")


def test_private_key_is_out_of_sight(hostile):
    assert _statuses(hostile, "ssh_key.md") == [("error", "FileNotFoundError"),
                                                ("hidden-path", "FileNotFoundError")]
    assert SECRET not in hostile["raw"]


def test_loopback_service_is_unreachable(hostile):
    assert _statuses(hostile, "network.md") == [("network-denied", "ConnectionRefusedError")]
    assert hostile["accepted"] is False


def test_files_next_to_the_document_cannot_be_deleted(hostile):
    assert _statuses(hostile, "delete.md") == [("write-denied", "OSError"),
                                               ("write-denied", "OSError")]


def test_huge_file_stops_at_the_file_size_limit(hostile):
    assert _statuses(hostile, "huge_file.md") == [("file-size-limit", "OSError")]


def test_console_report_says_whether_each_document_ran_sandboxed(tmp_path, capsys):
    doc = tmp_path / "t.md"
    doc.write_text("```python\nprint(1 + 1)  # 2\n```\n", encoding="utf-8")
    assert _check(str(doc), "--no-sandbox", "--memory", "1G") == 0
    out = capsys.readouterr().out
    assert "sandboxed: no" in out
    report = tmp_path / "r.json"
    assert _check(str(doc), "--json", str(report)) == 0
    assert "sandboxed: yes" in capsys.readouterr().out
    assert json.loads(report.read_text(encoding="utf-8"))["files"][0]["sandboxed"] is True


def test_bad_memory_size_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        _check("x.md", "--memory", "lots")
    assert exc.value.code == 2
    assert "expected a size such as 4G" in capsys.readouterr().err


def test_missing_bubblewrap_refuses_with_the_fix(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    reason = unavailable.__wrapped__()
    assert "bwrap" in reason and "apt-get install bubblewrap" in reason
    assert "--no-sandbox" in reason


def test_json_report_survives_a_killed_checker(tmp_path):
    """Unsandboxed, a tutorial can kill the checker: the report keeps the finished document."""
    first, second = tmp_path / "a.md", tmp_path / "b.md"
    first.write_text("```python\nprint(2)  # 2\n```\n", encoding="utf-8")
    second.write_text("```python\nimport os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n```\n",
                      encoding="utf-8")
    report = tmp_path / "r.json"
    done = subprocess.run([sys.executable, "-m", "recipes", "check", str(first), str(second),
                           "--no-sandbox", "-j", "1", "--json", str(report)], capture_output=True,
                          timeout=300)
    assert done.returncode == -signal.SIGKILL
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["complete"] is False
    assert [f["path"] for f in data["files"]] == [str(first)]
    assert data["files"][0]["summary"]["claim_verdicts"] == {"ok": 1}


def test_failed_replay_is_reported_on_the_block_it_could_not_restore(tmp_path):
    doc = parse_source(
        "```python\nimport os\nassert not os.path.exists('seen')\nopen('seen', 'w').close()\n"
        "value = 41\n```\n\n```python\nos._exit(1)\n```\n\n```python\nprint(value + 1)  # 42\n```\n",
        str(tmp_path / "replay.md"), "markdown")
    result = check_document(doc, timeout=60, sandbox=LIMITS)
    first, second, third = result.blocks
    assert (first.status, first.error["ename"]) == ("error", "AssertionError")
    assert "failed when replayed" in first.error["reason"]
    assert second.status == "error" and "died" in second.error["reason"]
    assert third.status == "skipped" and "line 2" in third.error["reason"]


def test_kernel_cannot_see_the_host(tmp_path):
    scratch, secret = tmp_path / "scratch", tmp_path / "secret.txt"
    scratch.mkdir()
    secret.write_text("next to the scratch folder, not in it", encoding="utf-8")
    with KernelRunner(timeout=60, cwd=scratch,
                      sandbox=Sandbox(LIMITS, writable=[scratch])) as kernel:
        res = kernel.run("import os\nprint(os.environ['HOME'], sorted(os.listdir('/proc'))[:1], "
                         f"os.path.exists({str(secret)!r}), os.path.exists({str(scratch)!r}))")
        # multiprocessing's locks (DataLoader workers) need a writable /dev/shm
        shared = kernel.run("import multiprocessing\nprint(multiprocessing.Lock().acquire())")
    # pid 1 is the sandbox's init: no process of the host is in sight
    assert res.text.split() == ["/home/sandbox", "['1']", "False", "True"]
    assert (shared.status, shared.text) == ("ok", "True\n")
