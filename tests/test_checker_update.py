"""``torch-recipes check --update`` and ``--diff``: wrong claims rewritten in their own style.

The round trips run each fixture once to find the wrong claims, rewrite them, and run it again:
every rewritten claim must then hold, a second update must change no byte, and everything but
the rewritten claims must be byte-identical. The rewriting alone (reStructuredText, percent
scripts, refusals) is tested on results with known outputs, without a kernel.
"""

from __future__ import annotations

import argparse
import codecs
import difflib
import io
import json
import re
import shutil
import subprocess
import tokenize
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from recipes.checker.cli import add_arguments, run
from recipes.checker.compare import judge
from recipes.checker.model import Claim, Document
from recipes.checker.parse import parse_file
from recipes.checker.run import BlockResult, ClaimResult, DocumentResult, check_document
from recipes.checker.update import (
    FileUpdate,
    plan_update,
    refusal,
    uncommitted,
    update_diff_example,
    write_update,
)

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "update"
STALE = ROOT / "docs" / "examples" / "stale.md"


@dataclass
class Round:
    """One fixture checked, updated, checked again, and planned again."""

    before: bytes
    first: DocumentResult
    update: FileUpdate
    after: bytes
    second: DocumentResult
    again: FileUpdate

    def verdicts(self, result: DocumentResult) -> list[ClaimResult]:
        by_claim = {id(cr.claim): cr for br in result.blocks for cr in br.claims}
        return [by_claim[id(c)] for c in result.document.claims]

    def index(self, claim: Claim) -> int:
        return next(k for k, c in enumerate(self.first.document.claims) if c is claim)


def _round(folder: Path, name: str) -> Round:
    path = folder / name
    shutil.copyfile(FIXTURES / name, path)
    before = path.read_bytes()
    first = check_document(parse_file(path))
    update = plan_update(first)
    assert path.read_bytes() == before, "planning an update wrote the file"
    write_update(update)
    after = path.read_bytes()
    second = check_document(parse_file(path))
    return Round(before, first, update, after, second, plan_update(second))


NAMES = ["en.md", "zh.md", "nb.ipynb", "lists.py"]


@dataclass
class Runs:
    rounds: dict[str, Round]
    stale_diff: str  # the documentation's example


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    folder = tmp_path_factory.mktemp("update")
    # Each document has its own kernel, and a kernel mostly waits: run them side by side.
    with ThreadPoolExecutor(len(NAMES) + 1) as pool:
        stale = pool.submit(update_diff_example, STALE, "docs/examples/stale.md")
        rounds = dict(zip(NAMES, pool.map(lambda name: _round(folder, name), NAMES),
                          strict=True))
        return Runs(rounds, stale.result())


@pytest.fixture(scope="module")
def rounds(runs: Runs) -> dict[str, Round]:
    return runs.rounds


def _lines(raw: bytes) -> list[bytes]:
    return raw.splitlines(keepends=True)


def _outside(old: bytes, new: bytes, spans: set[int]) -> list[tuple[str, int, int]]:
    """The changes from ``old`` to ``new`` (opcode, first and last 1-based line of ``old``) that
    reach beyond the lines in ``spans``: a line replaced or deleted outside them, or lines
    inserted between two lines neither of which is in them."""
    found = []
    matcher = difflib.SequenceMatcher(None, _lines(old), _lines(new), autojunk=False)
    for tag, i1, i2, _j1, _j2 in matcher.get_opcodes():
        if tag == "insert" and not {i1, i1 + 1} & spans:
            found.append((tag, i1, i1 + 1))
        elif tag in ("replace", "delete") and not set(range(i1 + 1, i2 + 1)) <= spans:
            found.append((tag, i1 + 1, i2))
    return found


def _span(claim: Claim) -> set[int]:
    return set(range(claim.line, claim.line + claim.text.count("\n") + 1))


# ---------------------------------------------------------------------------------------------
# Round trips
# ---------------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_rewritten_claims_hold_on_the_next_run(rounds, name):
    r = rounds[name]
    assert r.update.updated, "the fixture has wrong claims to rewrite"
    assert len(r.second.document.claims) == len(r.first.document.claims)
    second = r.verdicts(r.second)
    for claim in r.update.updated:
        cr = second[r.index(claim)]
        assert cr.verdict == "ok", (claim.line, claim.text, cr.claim.text, cr.actual)
        assert cr.claim.text != claim.text


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_a_second_update_changes_no_byte(rounds, name):
    r = rounds[name]
    assert r.after != r.before
    assert r.again.new == r.after
    assert not r.again.updated
    assert r.again.diff() == ""


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_only_wrong_claims_with_their_own_output_change(rounds, name):
    r = rounds[name]
    updated = {id(c) for c in r.update.updated}
    for old, new in zip(r.verdicts(r.first), r.verdicts(r.second), strict=True):
        if id(old.claim) in updated:
            assert old.verdict == "wrong"
            continue
        assert new.claim.text == old.claim.text, f"claim at {old.claim.line} was rewritten"
        if old.verdict == "wrong":
            assert new.verdict == "wrong"  # left as it was, and still wrong
            assert any(c is old.claim for c, _ in r.update.left)


def _code(doc: Document) -> list[tuple]:
    """Each block's tokens that are not comments or doctest-holding docstrings, and its
    doctest examples' source."""
    found = []
    for block in doc.blocks:
        toks = [(t.type, t.string) for t in tokenize.generate_tokens(
            io.StringIO(block.source).readline)
            if t.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE)
            and not (t.type == tokenize.STRING and ">>>" in t.string)]
        found.append((block.kind, toks, [ex.source for ex in block.examples]))
    return found


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_code_is_untouched(rounds, name):
    r = rounds[name]
    assert _code(r.second.document) == _code(r.first.document)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["en.md", "zh.md", "lists.py"])
def test_lines_outside_rewritten_claims_are_byte_identical(rounds, name):
    r = rounds[name]
    spans = set().union(*(_span(c) for c in r.update.updated))
    assert r.after != r.before
    assert _outside(r.before, r.after, spans) == []


@pytest.mark.slow
def test_unverifiable_environment_and_left_claims_stay_as_written(rounds):
    r = rounds["en.md"]
    verdicts = {cr.claim.text: cr.verdict for cr in r.verdicts(r.first)}
    assert verdicts["tensor([0.1000, 0.2000])"] == "unverifiable"
    assert verdicts["1.0.0"] == "environment"
    after = r.after.decode()
    assert "print(torch.rand(2))  # tensor([0.1000, 0.2000])\n" in after
    assert "print(torch.__version__)  # 1.0.0\n" in after
    left = {claim.text: why for claim, why in r.update.left}
    assert "shares its statement's output" in left["5"]
    assert "shares its statement's output" in left["6"]
    assert "printed nothing" in left["tensor(1)"]
    assert "exception" in left["RuntimeError: an old message"]


def _after_line(r: Round, claim: Claim) -> tuple[str, str]:
    """The claim's first line before the update, and its first line after."""
    new = r.second.document.claims[r.index(claim)]
    return (r.before.decode("utf-8-sig").splitlines()[claim.line - 1],
            r.after.decode("utf-8-sig").splitlines()[new.line - 1])


@pytest.mark.slow
@pytest.mark.parametrize("name", ["en.md", "zh.md", "lists.py"])
def test_trailing_comments_keep_their_column_marker_and_remark(rounds, name):
    r = rounds[name]
    trailing = [c for c in r.update.updated if c.kind in ("comment", "assignment")]
    assert trailing
    for claim in trailing:
        new = r.second.document.claims[r.index(claim)]
        old_line, new_line = _after_line(r, claim)
        if new.kind == "comment-block":  # a multi-line output below the statement instead
            assert "#" not in new_line.split(new.text.split("\n")[0])[0].strip("# ")
            continue
        column = old_line.index("#")
        assert new_line.index("#") == column
        assert new_line[:column] == old_line[:column]  # the code itself
        prefix = old_line[: old_line.rindex(claim.text.split("\n")[0])]
        assert new_line.startswith(prefix)  # the marker ("Output:", "输出：")
        rows = r.after.decode("utf-8-sig").splitlines()[new.line - 1 : new.line - 1
                                                          + new.text.count("\n") + 1]
        for row in rows[1:]:  # continuation lines: the same column, then the output
            assert row.index("#") == column and not row[:column].strip()
    remark = next(c for c in trailing if "<- the sum" in _after_line(r, c)[0]) \
        if name == "en.md" else None
    if remark is not None:
        assert _after_line(r, remark)[1].endswith("<- the sum")


@pytest.mark.slow
def test_a_trailing_comment_too_short_for_the_output_becomes_a_comment_block(rounds):
    r = rounds["en.md"]
    moved = [c for c in r.update.updated
             if r.second.document.claims[r.index(c)].kind == "comment-block"
             and c.kind == "comment"]
    assert moved
    lines = r.after.decode().splitlines()
    for claim in moved:
        new = r.second.document.claims[r.index(claim)]
        statement = lines[new.line - 2]
        assert "#" not in statement
        rows = lines[new.line - 1 : new.line + new.text.count("\n")]
        assert len(rows) == len(r.verdicts(r.first)[r.index(claim)].actual.strip().split("\n"))
        indent = statement[: len(statement) - len(statement.lstrip())]
        assert all(row.startswith(indent + "# ") for row in rows)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["en.md", "zh.md", "lists.py"])
def test_output_blocks_and_doctests_keep_their_prefix(rounds, name):
    r = rounds[name]
    blocks = [c for c in r.update.updated if c.kind in ("output-block", "doctest")]
    assert blocks
    grew = False
    for claim in blocks:
        old_line = r.before.decode("utf-8-sig").splitlines()[claim.line - 1]
        prefix = old_line[: len(old_line) - len(claim.text.split("\n")[0])]
        new = r.second.document.claims[r.index(claim)]
        rows = r.after.decode("utf-8-sig").splitlines()[new.line - 1 : new.line
                                                          + new.text.count("\n")]
        grew |= len(rows) > claim.text.count("\n") + 1
        for row in rows:
            assert row.startswith(prefix) or (not row.strip() and not prefix.strip())
    assert grew or name == "lists.py"


@pytest.mark.slow
def test_crlf_lines_stay_crlf_and_lf_lines_stay_lf_and_the_bom_stays(rounds):
    r = rounds["zh.md"]
    assert r.before.startswith(codecs.BOM_UTF8) and r.after.startswith(codecs.BOM_UTF8)
    assert r.after.count(codecs.BOM_UTF8) == 1
    bare = re.compile(rb"(?<!\r)\n")
    assert len(bare.findall(r.after)) == len(bare.findall(r.before)) > 0
    added = len(_lines(r.after)) - len(_lines(r.before))
    assert added > 0
    assert r.after.count(b"\r\n") - r.before.count(b"\r\n") == added


# ---------------------------------------------------------------------------------------------
# Notebooks
# ---------------------------------------------------------------------------------------------


_JSON_STRING_ROW = re.compile(rb'^\s*"(?:[^"\\]|\\.)*",?\r?\n?$')


@pytest.mark.slow
def test_notebook_rewrites_only_the_stored_outputs(rounds):
    r = rounds["nb.ipynb"]
    old, new = json.loads(r.before), json.loads(r.after)
    nbformat.validate(nbformat.reads(r.after.decode(), as_version=4))
    targets = {(c.cell, c.output) for c in r.update.updated}
    assert len(targets) >= 3
    assert {k: v for k, v in old.items() if k != "cells"} == \
        {k: v for k, v in new.items() if k != "cells"}
    for number, (a, b) in enumerate(zip(old["cells"], new["cells"], strict=True), start=1):
        assert {k: v for k, v in a.items() if k != "outputs"} == \
            {k: v for k, v in b.items() if k != "outputs"}
        for k, (x, y) in enumerate(zip(a.get("outputs", []), b.get("outputs", []),
                                       strict=True), start=1):
            if (number, k) not in targets:
                assert x == y
            else:
                text = "text" if "text" in x else "data"
                assert {key: v for key, v in x.items() if key != text} == \
                    {key: v for key, v in y.items() if key != text}
                stored = y.get("text", y.get("data", {}).get("text/plain"))
                assert isinstance(stored, list) and all(s.endswith("\n") for s in stored[:-1])
    # bytes: only rows of the rewritten strings differ
    strings = {k for k, row in enumerate(_lines(r.before), start=1) if _JSON_STRING_ROW.match(row)}
    assert _outside(r.before, r.after, strings) == []


@pytest.mark.slow
def test_notebook_output_split_in_pieces_is_left(rounds):
    r = rounds["nb.ipynb"]
    left = {claim.text: why for claim, why in r.update.left}
    assert "several pieces" in left["z"]
    verdicts = {cr.claim.text: cr.verdict for cr in r.verdicts(r.first)}
    assert verdicts["0.25"] == "unverifiable"
    assert all(c.text != "0.25" for c in r.update.updated)


# ---------------------------------------------------------------------------------------------
# Rewriting with known outputs (no kernel)
# ---------------------------------------------------------------------------------------------


def _pretend(path: Path, printed: dict[str, str]) -> DocumentResult:
    """A result as if each claim named in ``printed`` had been found wrong and its code had
    printed that text; the other claims hold."""
    doc = parse_file(path)
    blocks = []
    for block in doc.blocks:
        claims = [*block.claims, *(ex.claim for ex in block.examples if ex.claim is not None)]
        blocks.append(BlockResult(block, "ok", [
            ClaimResult(c, "wrong", printed[c.text]) if c.text in printed
            else ClaimResult(c, "ok", c.text) for c in claims]))
    return DocumentResult(doc, blocks)


def _copy(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    shutil.copyfile(FIXTURES / name, path)
    return path


@pytest.mark.parametrize(("name", "printed"), [
    ("lists.rst", {"[0]": "[1, 2, 3]\n", "3": "[1, 2, 3]\n3\n", "1": "1\n2\n", "5": "3\n"}),
    ("percent.py", {"[0]": "[1, 2, 3]\n", "9": "1\n2\n"}),
])
def test_rst_and_percent_claims_read_back_as_the_output(tmp_path, name, printed):
    path = _copy(tmp_path, name)
    before = path.read_bytes()
    result = _pretend(path, printed)
    update = plan_update(result)
    assert not update.left
    assert len(update.updated) == len(printed)
    write_update(update)
    doc = parse_file(path)
    assert _code(doc) == _code(result.document)
    assert len(doc.claims) == len(result.document.claims)
    for old, new in zip(result.document.claims, doc.claims, strict=True):
        if old.text in printed:
            assert judge(new.text, printed[old.text]).verdict == "ok", (new.text, old.text)
        else:
            assert new.text == old.text
    assert _outside(before, path.read_bytes(), set().union(
        *(_span(c) for c in update.updated))) == []
    assert plan_update(_pretend(path, {})).new == path.read_bytes()


def test_an_output_no_comment_can_hold_is_left_with_the_reason(tmp_path):
    path = _copy(tmp_path, "percent.py")
    # a blank line ends a comment claim: no comment style reads this output back whole
    update = plan_update(_pretend(path, {"9": "1\n\n2\n"}))
    assert not update.updated and not update.changed
    assert update.left[0][1] == "no rewrite in its style reads back as the new output"


def test_other_formats_and_unreproducible_notebook_layouts_are_left(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<pre>print(1 + 1)  # 3</pre>\n", encoding="utf-8")
    update = plan_update(_pretend(page, {"3": "2\n"}))
    assert not update.changed and "html file is not rewritten" in update.left[0][1]
    nb = json.loads((FIXTURES / "nb.ipynb").read_text(encoding="utf-8"))
    odd = tmp_path / "odd.ipynb"
    odd.write_text(json.dumps(nb, indent=3, sort_keys=True), encoding="utf-8")
    update = plan_update(_pretend(odd, {"7": "6\n"}))
    assert not update.changed and "JSON layout" in update.left[0][1]


def test_a_file_changed_since_the_run_is_left(tmp_path):
    path = _copy(tmp_path, "percent.py")
    result = _pretend(path, {"[0]": "[1, 2, 3]\n"})
    path.write_text("print(1)  # 1\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    update = plan_update(result)
    assert not update.changed and "changed after it was checked" in update.left[0][1]


# ---------------------------------------------------------------------------------------------
# Git and the command line
# ---------------------------------------------------------------------------------------------


def _git(folder: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                   cwd=folder, check=True, capture_output=True)


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    folder = tmp_path / "repo"
    folder.mkdir()
    _git(folder, "init", "-q")
    (folder / "t.md").write_text("```python\nprint(1 + 1)  # 3\n```\n", encoding="utf-8")
    _git(folder, "add", "t.md")
    _git(folder, "commit", "-qm", "tutorial")
    return folder


def test_uncommitted_files_are_refused_and_clean_or_untracked_ones_told_apart(repo, tmp_path):
    path = repo / "t.md"
    assert uncommitted(path) is None
    outside = tmp_path / "loose.md"
    outside.write_text("x\n", encoding="utf-8")
    assert uncommitted(outside) is None  # not in a work tree: nothing to lose track of
    (repo / "new.md").write_text("x\n", encoding="utf-8")
    assert uncommitted(repo / "new.md")  # untracked: no copy of it anywhere
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    message = refusal([str(path), str(outside)])
    assert message is not None and str(path) in message and "--force" in message
    assert str(outside) not in message


def _check(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="torch-recipes check")
    add_arguments(parser)
    return run(parser.parse_args(list(argv)))


def test_update_refuses_a_dirty_file_before_running_anything(repo, capsys):
    path = repo / "t.md"
    path.write_text(path.read_text(encoding="utf-8") + "More.\n", encoding="utf-8")
    before = path.read_bytes()
    assert _check("--update", str(path)) == 2
    captured = capsys.readouterr()
    assert "uncommitted changes" in captured.err and str(path) in captured.err
    assert "checking" not in captured.out and "claims" not in captured.out
    assert path.read_bytes() == before


@pytest.mark.slow
def test_diff_prints_the_change_and_writes_nothing_then_force_writes_it(repo, capsys):
    path = repo / "t.md"
    path.write_text(path.read_text(encoding="utf-8") + "More.\n", encoding="utf-8")
    before = path.read_bytes()
    assert _check("--update", "--diff", "--no-sandbox", "-q", str(path)) == 1
    out = capsys.readouterr().out
    assert path.read_bytes() == before
    assert f"--- {path}" in out and "-print(1 + 1)  # 3" in out and "+print(1 + 1)  # 2" in out
    assert "would rewrite 1 wrong claim(s)" in out
    assert _check("--update", "--force", "--no-sandbox", "-q", str(path)) == 1
    assert "rewrote 1 wrong claim(s)" in capsys.readouterr().out
    assert path.read_bytes() == before.replace(b"# 3", b"# 2")


# ---------------------------------------------------------------------------------------------
# The documentation's example
# ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_stale_example_page_shows_a_rewrite_of_each_wrong_claim(runs):
    diff = runs.stale_diff
    assert diff.startswith("--- a/docs/examples/stale.md\n+++ b/docs/examples/stale.md\n")
    removed = [ln[1:] for ln in diff.splitlines() if ln.startswith("-") and ln[:3] != "---"]
    claims = parse_file(STALE).claims
    assert len(removed) == len(claims)  # the page is stale throughout
    assert all(any(c.text in ln for c in claims) for ln in removed)


@pytest.mark.parametrize("page", ["checker.en.md", "checker.zh.md"])
def test_checker_pages_hold_the_example_placeholder_in_a_diff_fence(page):
    text = (ROOT / "docs" / page).read_text(encoding="utf-8")
    assert "```diff\n<!-- update-diff-example -->\n```" in text


def _columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def test_continuation_lines_align_by_display_width_and_take_the_file_line_ending(tmp_path):
    path = tmp_path / "wide.md"
    # CRLF, and the last line has no line break at all
    path.write_bytes('```python\r\nprint(len("张量"), 1, sep="\\n")  # 输出：9'.encode())
    update = plan_update(_pretend(path, {"9": "2\n1\n"}))
    assert update.updated and not update.left
    first, second = update.new.decode().split("\r\n")[1:]
    assert _columns(first[: first.index("#")]) == _columns(second[: second.index("#")])
    assert _columns(first[: first.rindex("2")]) == _columns(second[: second.rindex("1")])
    assert parse_file(path).claims[0].text == "9"  # planning wrote nothing
    write_update(update)
    assert [c.text.split() for c in parse_file(path).claims] == [["2", "1"]]
