"""``torch-recipes check``: exit codes, messages, the JSON report."""

from __future__ import annotations

import argparse
import json

import pytest

from recipes.checker.cli import add_arguments, run

# The tests here start kernels, so the file is among the first handed out (see
# conftest.pytest_collection_modifyitems).
pytestmark = pytest.mark.slow


def _check(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="torch-recipes check")
    add_arguments(parser)
    return run(parser.parse_args(list(argv)))


def test_missing_file_exits_2_with_a_clear_message(tmp_path, capsys):
    assert _check(str(tmp_path / "absent.md")) == 2
    err = capsys.readouterr().err
    assert "absent.md: no such file or folder" in err


def test_unreadable_format_exits_2(tmp_path, capsys):
    path = tmp_path / "slides.pptx"
    path.write_bytes(b"PK\x03\x04")
    assert _check(str(path)) == 2
    assert "unsupported format '.pptx'" in capsys.readouterr().err


def test_bad_timeout_exits_2(tmp_path, capsys):
    path = tmp_path / "t.md"
    path.write_text("```python\nprint(1)  # 1\n```\n", encoding="utf-8")
    assert _check(str(path), "--timeout", "0") == 2
    assert "--timeout must be positive" in capsys.readouterr().err


def test_no_paths_is_an_argparse_usage_error():
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    with pytest.raises(SystemExit) as exc:
        parser.parse_args([])
    assert exc.value.code == 2


def test_all_claims_hold_exits_0(tmp_path, capsys):
    path = tmp_path / "good.md"
    path.write_text("Sums\n\n```python\nprint(sum([1, 2, 3]))  # 6\n```\n", encoding="utf-8")
    assert _check(str(path)) == 0
    out = capsys.readouterr().out
    assert "claims 1: 1 verified, 0 wrong" in out
    assert "all 1 claims verified and all 1 blocks run" in out


def test_summary_never_says_all_hold_while_a_claim_was_not_verified(tmp_path, capsys):
    path = tmp_path / "random.md"
    path.write_text("```python\nimport torch\nprint(torch.rand(2).shape)  # torch.Size([2])\n"
                    "print(torch.rand(1))  # tensor([0.5000])\n"
                    "print(torch.__version__)  # 2.0.1\n```\n", encoding="utf-8")
    assert _check(str(path)) == 0
    out = capsys.readouterr().out
    assert "claims 3: 1 verified, 0 wrong, 0 failing, 1 unverifiable, 1 environment" in out
    assert "1 of 3 claims verified, 2 could not be verified" in out
    assert "all" not in out.splitlines()[-1]
    # --strict makes unverified claims fail the run (for CI)
    assert _check(str(path), "--strict", "--quiet") == 1
    assert "2 claims not verified (--strict)" in capsys.readouterr().out


def test_wrong_claim_exits_1_and_json_has_the_full_report(tmp_path, capsys):
    path = tmp_path / "bad.md"
    path.write_text(
        "```python\nprint(2 + 2)  # 5\nprint('ok')  # ok\n```\n\n"
        "```python\nraise ValueError('boom')\n```\n",
        encoding="utf-8",
    )
    report = tmp_path / "report.json"
    assert _check(str(path), "--json", str(report)) == 1
    out = capsys.readouterr().out
    assert "wrong" in out and "ValueError: boom" in out
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["exit_code"] == 1
    assert data["summary"]["claim_verdicts"] == {"wrong": 1, "ok": 1}
    (file,) = data["files"]
    assert file["path"] == str(path)
    first, second = file["blocks"]
    assert [(c["line"], c["verdict"], c["claimed"], c["actual"]) for c in first["claims"]] == [
        (2, "wrong", "5", "4\n"), (3, "ok", "ok", "ok\n")]
    assert first["claims"][0]["diff"].splitlines()[-2:] == ["-5", "+4"]
    assert (second["status"], second["error"]["ename"], second["error"]["line"]) == (
        "error", "ValueError", 7)


def test_quiet_prints_only_counts(tmp_path, capsys):
    path = tmp_path / "q.md"
    path.write_text("```python\nprint(3)  # 4\n```\n", encoding="utf-8")
    assert _check(str(path), "--quiet") == 1
    out = capsys.readouterr().out
    assert "claims 1: 0 verified, 1 wrong" in out
    assert "claimed" not in out  # no diff table


def test_nothing_is_skipped_silently(tmp_path, capsys):
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "lib.md").write_text("```python\nprint(1)  # 2\n```\n", encoding="utf-8")
    doc = tmp_path / "nb.md"
    doc.write_text("Intro\n\n```text\ntensor([1.])\n```\n\n```python\nprint(1)  # 1\n```\n",
                   encoding="utf-8")
    report = tmp_path / "r.json"
    assert _check(str(tmp_path), "--json", str(report)) == 0
    out = capsys.readouterr().out
    assert f"skipped folder {tmp_path / '.venv'}" in out
    assert "nb.md:4: orphan-output" in out
    assert "left out: 1 orphan outputs, 0 lines not run" in out
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["skipped_folders"][0]["path"] == str(tmp_path / ".venv")
    assert data["files"][0]["findings"][0]["kind"] == "orphan-output"
