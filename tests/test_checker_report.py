"""The report a person reads: one line per finding, short names, diffs only where wrong, long
ones cut in the middle, name lists as sets. Built from results made by hand (no kernel)."""

from __future__ import annotations

import io

from rich.console import Console

from recipes.checker.compare import judge
from recipes.checker.model import Block, Claim, Document
from recipes.checker.report import render, short_paths
from recipes.checker.run import BlockResult, ClaimResult, DocumentResult


def _render(claimed: str, actual: str, verdict: str = "wrong", verbose: bool = False) -> str:
    claim = Claim("doc.md", 7, "comment", claimed, 6, stmt=1)
    block = Block("doc.md", 6, "print(x)", [6], claims=[claim])
    j = judge(claimed, actual)
    result = DocumentResult(Document("doc.md", "markdown", [block]), [BlockResult(
        block, "ok", [ClaimResult(claim, verdict, actual, j.note, j.diff)])])
    out = io.StringIO()
    render([result], Console(file=out, width=80), verbose=verbose)
    return out.getvalue()


def test_a_wrong_claim_is_one_line_with_file_and_line_then_its_diff():
    text = _render("tensor([1, 2])", "tensor([1, 3])\n")
    lines = text.splitlines()
    assert lines[1] == "doc.md:7: wrong: comment tensor([1, 2])"
    assert "    -tensor([1, 2])" in lines and "    +tensor([1, 3])" in lines


def test_claims_that_hold_show_no_diff_and_only_with_verbose():
    assert "doc.md:7" not in _render("3", "3\n", verdict="ok")
    verbose = _render("3", "3\n", verdict="ok", verbose=True)
    assert "doc.md:7: ok: comment 3" in verbose and "+++" not in verbose


def test_a_long_diff_is_cut_in_the_middle():
    claimed = "tensor([" + ",\n".join(f"[{k}.]" for k in range(40)) + "])"
    actual = "tensor([" + ",\n".join(f"[{k}.5]" for k in range(40)) + "])\n"
    short = _render(claimed, actual)
    assert "more lines (-v shows all)" in short
    assert len(short.splitlines()) < 25
    assert "more lines" not in _render(claimed, actual, verbose=True)


def test_a_list_of_names_is_shown_as_what_is_missing_and_what_is_extra():
    names = [f"attr{k}" for k in range(30)]
    claimed = repr(names[:29] + ["old_name"])
    text = _render(claimed, repr(names) + "\n")
    assert "claimed but not printed: old_name" in text
    assert "printed but not claimed: attr29" in text
    assert "+++" not in text


def test_short_paths_drop_the_common_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    a, b = tmp_path / "docs" / "a.md", tmp_path / "docs" / "sub" / "b.md"
    assert short_paths([str(a), str(b)]) == {str(a): "docs/a.md", str(b): "docs/sub/b.md"}
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert short_paths([str(a), str(b)]) == {str(a): "a.md", str(b): "sub/b.md"}
