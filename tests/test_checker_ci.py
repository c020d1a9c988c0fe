"""The checker in CI and at commit time: ``--format github`` annotations and the pre-commit hook.

The annotations are built from results made by hand (no kernel); the hook test runs the
``entry`` of ``.pre-commit-hooks.yaml`` itself on the files staged in a fresh git repository, as
pre-commit does (the staged files its ``files`` pattern matches, as arguments), once with
``--format github`` as a CI job would add it.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from recipes.checker.compare import judge
from recipes.checker.model import Block, Claim, Document
from recipes.checker.report import github_annotations
from recipes.checker.run import BlockResult, ClaimResult, DocumentResult

ROOT = Path(__file__).resolve().parents[1]


def _result(path: str, claims: list[tuple[Claim, str, str]], status: str = "ok",
            error: dict | None = None, cell: int | None = None) -> DocumentResult:
    """One block holding ``claims`` as (claim, verdict, actual), judged by the real comparison."""
    block = Block(path, 6, "print(x)", [6], cell=cell, claims=[c for c, _, _ in claims])
    results = []
    for claim, verdict, actual in claims:
        j = judge(claim.text, actual)
        results.append(ClaimResult(claim, verdict, actual, j.note, j.diff))
    return DocumentResult(Document(path, "markdown", [block]),
                          [BlockResult(block, status, results, error=error)])


def _fields(command: str) -> tuple[str, dict[str, str], str]:
    """A workflow command split into its name, its properties and its message."""
    found = re.fullmatch(r"::(\w+) ([^:]*)::(.*)", command)
    assert found, command
    props = dict(part.split("=", 1) for part in found.group(2).split(","))
    return found.group(1), props, found.group(3)


def test_a_wrong_claim_is_an_error_annotation_on_its_line_with_the_diff(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    wrong = Claim("doc.md", 7, "comment", "tensor([1, 2])", 6, stmt=1)
    ok = Claim("doc.md", 8, "comment", "3", 6, stmt=2)
    commands = github_annotations([_result("doc.md", [(wrong, "wrong", "tensor([1, 3])\n"),
                                                      (ok, "ok", "3\n")])])
    assert len(commands) == 1
    name, props, message = _fields(commands[0])
    assert (name, props) == ("error", {"file": "doc.md", "line": "7", "title": "wrong claim"})
    # one line in the log: the report's line and diff, newlines escaped
    assert "\n" not in commands[0]
    assert message.split("%0A")[0] == "doc.md:7: wrong: comment tensor([1, 2])"
    assert "    -tensor([1, 2])" in message.split("%0A")


def test_percent_newlines_and_property_separators_are_escaped(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    path = "50%, a:b.md"
    claim = Claim(path, 3, "comment", "accuracy 50%", 2, stmt=1)
    (command,) = github_annotations([_result(path, [(claim, "wrong", "accuracy 51%\r\n")])])
    _, props, message = _fields(command)
    assert props["file"] == "50%25%2C a%3Ab.md"
    assert "\r" not in command and "%0A" in message
    assert "-accuracy 50%25" in message and "+accuracy 51%25" in message


def test_failing_blocks_strict_and_notebooks(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    unverifiable = Claim("doc.md", 7, "comment", "0.5", 6, stmt=1)
    not_run = Claim("doc.md", 8, "comment", "1", 6, stmt=2)
    error = {"ename": "ValueError", "evalue": "boom", "line": 9, "reason": "raised"}
    failing = _result("doc.md", [(unverifiable, "unverifiable", "0.1\n"),
                                 (not_run, "error", "")], status="error", error=error)
    # the block is the one finding: its claims that never ran are not annotated again
    (command,) = github_annotations([failing])
    _, props, message = _fields(command)
    assert props == {"file": "doc.md", "line": "9", "title": "tutorial block%3A error"}
    assert message == "doc.md:9: error: ValueError: boom"
    # --strict fails on a claim not verified, so it is annotated too
    titles = [_fields(c)[1]["title"] for c in github_annotations([failing], strict=True)]
    assert titles == ["tutorial block%3A error", "unverifiable claim"]
    # a notebook's lines count within a cell: the annotation names the file only
    cell_claim = Claim("nb.ipynb", 2, "notebook-output", "4", 1, cell=3, output=1)
    (command,) = github_annotations([_result("nb.ipynb", [(cell_claim, "wrong", "5\n")],
                                             cell=3)])
    assert _fields(command)[1] == {"file": "nb.ipynb", "title": "wrong claim"}


def _hook() -> dict:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    return hook


def _run_hook(repo: Path, *args: str) -> subprocess.CompletedProcess:
    """What pre-commit runs: the hook's entry, the ``args`` a user's config adds, and the staged
    files its pattern matches."""
    hook = _hook()
    staged = subprocess.run(["git", "diff", "--cached", "--name-only", "--diff-filter=ACMR"],
                            cwd=repo, capture_output=True, text=True, check=True).stdout.split()
    files = [name for name in staged if re.search(hook["files"], name)]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run([*shlex.split(hook["entry"]), *args, *files], cwd=repo, env=env,
                          check=False, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_the_pre_commit_hook_fails_a_staged_wrong_claim_and_passes_the_fix(tmp_path):
    hook = _hook()
    assert hook["pass_filenames"] and hook["id"] == "torch-recipes-check"
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    tutorial = tmp_path / "docs" / "sums.md"
    tutorial.parent.mkdir()
    tutorial.write_text("```python\nprint(sum([1, 2, 3]))  # 7\n```\n\n```python\n"
                        "raise ValueError('boom')\n```\n", encoding="utf-8")
    # a staged file the pattern leaves out: it would fail if it were checked
    (tmp_path / "notes.txt").write_text("```python\nprint(1)  # 2\n```\n", encoding="utf-8")
    subprocess.run(["git", "add", "docs/sums.md", "notes.txt"], cwd=tmp_path, check=True)
    # in a GitHub Actions job, `args: [--format, github]` turns the findings into annotations
    failed = _run_hook(tmp_path, "--format", "github")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    lines = failed.stdout.splitlines()
    assert [_fields(line)[1] for line in lines[:2]] == [
        {"file": "docs/sums.md", "line": "2", "title": "wrong claim"},
        {"file": "docs/sums.md", "line": "6", "title": "tutorial block%3A error"}]
    assert not any(line.startswith("::") for line in lines[2:])
    assert lines[-1] == "1 wrong claims; 1 failing blocks"
    assert "notes.txt" not in failed.stdout
    tutorial.write_text("```python\nprint(sum([1, 2, 3]))  # 6\n```\n", encoding="utf-8")
    subprocess.run(["git", "add", "docs/sums.md"], cwd=tmp_path, check=True)
    passed = _run_hook(tmp_path)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "all 1 claims verified" in passed.stdout
