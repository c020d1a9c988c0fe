"""Rewrite wrong claims in place with what the code prints now (``check --update`` and ``--diff``).

Only a claim whose verdict is ``wrong`` and whose actual output is its own is rewritten: not one
that is unverifiable, random, machine-dependent, not run or failing, not one inside a function
(what it prints shows up later, mixed with other output), not one that shares its statement's
output with other claims, and not a claimed exception (its traceback is the author's to edit).

Each claim keeps its style: the text of the claim is replaced where it stands (a trailing comment
keeps its column, an output block its fence or indentation, a doctest its prompt's indentation),
and a multi-line output continues the comment, the block or the wanted output on as many lines.
Every rewrite is checked by reading the new file back with the same reader: the code must be
unchanged, every other claim the same, and the rewritten claim must now read as exactly what the
code printed. A trailing comment that cannot hold a multi-line output becomes a comment block
below the statement; a rewrite that still does not read back is left out, with the reason.

The file keeps its bytes elsewhere: its encoding (a UTF-8 BOM stays), each line's own line
ending, and in a notebook every cell, output and metadata other than the one output rewritten,
written back with the notebook's own JSON layout.
"""

from __future__ import annotations

import ast
import codecs
import copy
import difflib
import json
import os
import re
import subprocess
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from recipes.checker.compare import judge
from recipes.checker.model import Claim, Document
from recipes.checker.parse import parse_file, parse_source
from recipes.checker.run import ClaimResult, DocumentResult, check_document, plan_cells
from recipes.files import write_atomically

__all__ = [
    "FileUpdate",
    "apply_updates",
    "plan_update",
    "refusal",
    "uncommitted",
    "update_diff_example",
    "write_update",
]

# Formats rewritten line by line; a saved web page or flattened text is left alone (its output
# sits inside markup or prose the reader had to guess around).
_LINE_FORMATS = {"markdown", "myst", "rst", "python", "percent", "gallery"}
_COMMENT_KINDS = ("comment", "comment-block", "assignment")
_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass
class FileUpdate:
    """What ``--update`` would write to one file: its bytes before and after, and per claim
    whether it was rewritten or why not."""

    path: str
    old: bytes
    new: bytes
    updated: list[Claim] = field(default_factory=list)
    left: list[tuple[Claim, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.new != self.old

    def diff(self, name: str | None = None) -> str:
        """A unified diff of the change (empty when nothing changes), headed ``a/NAME b/NAME``
        for a relative name, as git writes it, and by the name itself for an absolute one."""
        shown = name or self.path
        before, after = (shown, shown) if os.path.isabs(shown) else (f"a/{shown}", f"b/{shown}")
        old, new = _decode(self.old)[0], _decode(self.new)[0]
        return "".join(difflib.unified_diff(
            old.splitlines(keepends=True), new.splitlines(keepends=True), before, after))


def _decode(raw: bytes) -> tuple[str, bool]:
    """The text of a tutorial and whether it opened with a UTF-8 BOM."""
    bom = raw.startswith(codecs.BOM_UTF8)
    return raw[len(codecs.BOM_UTF8) if bom else 0 :].decode("utf-8"), bom


def _encode(text: str, bom: bool) -> bytes:
    return (codecs.BOM_UTF8 if bom else b"") + text.encode("utf-8")


# ---------------------------------------------------------------------------------------------
# Which claims
# ---------------------------------------------------------------------------------------------


def _why_not(cr: ClaimResult, shared: set[int]) -> str | None:
    """Why a wrong claim is not rewritten, or ``None`` when it is."""
    claim = cr.claim
    if claim.function is not None:
        return "inside a function: its output is mixed with the output of the calls"
    if claim.expect_error is not None:
        return "claims an exception: edit its message by hand"
    if cr.actual is None or not cr.actual.strip():
        return "the code printed nothing"
    if "random" in cr.note:  # a random value outside the range drawn from: no value to write
        return "the output is random"
    if id(claim) in shared:
        return "shares its statement's output with other claims"
    return None


def _shared(doc: Document) -> set[int]:
    """Claims judged together on one statement's output (several comments under one loop)."""
    found: set[int] = set()
    for block in doc.blocks:
        for cell in plan_cells(block):
            if len(cell.claims) > 1:
                found.update(id(c) for c in cell.claims)
    return found


def plan_update(result: DocumentResult) -> FileUpdate:
    """The rewrite of ``result``'s document that makes its wrong claims say what the code
    printed; the file is read, never written."""
    doc = result.document
    wrong = [cr for br in result.blocks for cr in br.claims if cr.verdict == "wrong"]
    try:
        raw = Path(doc.path).read_bytes()
    except OSError as err:
        return FileUpdate(doc.path, b"", b"", left=[(cr.claim, f"cannot read the file: {err}")
                                                   for cr in wrong])
    update = FileUpdate(doc.path, raw, raw)
    if not wrong:
        return update
    shared = _shared(doc)
    todo = []
    for cr in wrong:
        why = _why_not(cr, shared)
        if why is None:
            todo.append(cr)
        else:
            update.left.append((cr.claim, why))
    if doc.format == "notebook":
        rewrite = _NotebookRewrite(doc, raw)
    elif doc.format in _LINE_FORMATS:
        rewrite = _LineRewrite(doc, raw)
    else:
        update.left.extend((cr.claim, f"a {doc.format} file is not rewritten") for cr in todo)
        return update
    problem = rewrite.problem() or _changed_since(doc, rewrite.current)
    if problem:
        update.left.extend((cr.claim, problem) for cr in todo)
        return update
    index = {id(c): k for k, c in enumerate(doc.claims)}
    # Bottom up: a rewrite that adds lines moves nothing not yet rewritten.
    for cr in sorted(todo, key=lambda c: (c.claim.cell or 0, c.claim.line), reverse=True):
        why = rewrite.apply(index[id(cr.claim)], cr.claim, cr.actual or "")
        if why is None:
            update.updated.append(cr.claim)
        else:
            update.left.append((cr.claim, why))
    update.updated.reverse()
    update.new = rewrite.bytes()
    return update


def _changed_since(doc: Document, now: Document | None) -> str:
    """Why the file as it is now cannot take the rewrite: it changed after it was checked."""
    if now is None or [(c.line, c.text) for c in now.claims] != [(c.line, c.text)
                                                                  for c in doc.claims]:
        return "the file changed after it was checked"
    return ""


# ---------------------------------------------------------------------------------------------
# Reading back
# ---------------------------------------------------------------------------------------------


def _code(doc: Document) -> list[tuple]:
    """What runs, without positions or comments: unchanged by any rewrite of a claim. A
    docstring holding doctests counts by its examples' code, not its text, since rewriting a
    wanted output changes the docstring."""
    return [(b.kind, _without_doctests(b.tree) if b.tree is not None else b.source,
             [ex.source for ex in b.examples]) for b in doc.blocks]


def _without_doctests(tree: ast.Module) -> str:
    tree = copy.deepcopy(tree)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str) and ">>>" in first.value.value):
            first.value.value = ""
    return ast.dump(tree)


def _reads_back(before: Document, after: Document, index: int, line: int, actual: str) -> bool:
    """Whether ``after`` runs the same code and makes the same claims as ``before``, except claim
    ``index``, which now starts on ``line`` and says exactly ``actual``."""
    old, new = before.claims, after.claims
    if len(old) != len(new) or _code(before) != _code(after):
        return False
    for k, (o, n) in enumerate(zip(old, new, strict=True)):
        if k == index:
            if n.line != line or n.cell != o.cell or judge(n.text, actual).verdict != "ok":
                return False
        elif (n.kind, n.text, n.cell, n.output) != (o.kind, o.text, o.cell, o.output):
            return False
    return True


def _split(text: str) -> list[list[str]]:
    """``text`` as [content, line ending] pairs, numbered as the readers number lines (a final
    piece after the last line break counts, even when empty)."""
    lines, start = [], 0
    for m in _BREAK.finditer(text):
        lines.append([text[start : m.start()], m.group()])
        start = m.end()
    return [*lines, [text[start:], ""]]


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal or editor: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# ---------------------------------------------------------------------------------------------
# Line-based files: Markdown, reStructuredText, Python
# ---------------------------------------------------------------------------------------------


class _LineRewrite:
    """Rewrites claims of a text file line by line, keeping each line's own ending."""

    def __init__(self, doc: Document, raw: bytes) -> None:
        self.doc = doc
        self.text, self.bom = "", False
        self.lines: list[list[str]] = []  # [content, ending]
        self.current: Document | None = None
        self.error = ""
        try:
            self.text, self.bom = _decode(raw)
        except UnicodeDecodeError as err:
            self.error = f"not UTF-8 text ({err.reason} at byte {err.start})"
            return
        self.lines = _split(self.text)
        self.current = parse_source(self.text, doc.path, doc.format)

    def problem(self) -> str:
        return self.error

    def bytes(self) -> bytes:
        return _encode(self._joined(self.lines), self.bom)

    @staticmethod
    def _joined(lines: list[list[str]]) -> str:
        return "".join(content + end for content, end in lines)

    def apply(self, index: int, claim: Claim, actual: str) -> str | None:
        """Rewrite claim ``index``; ``None`` when done, else why it was left."""
        span = self._locate(claim)
        if span is None:
            return "its text was not found where the reader found it"
        new = [ln.rstrip() for ln in actual.rstrip("\n").split("\n")]
        for candidate, line in self._candidates(claim, span, new):
            text = self._joined(candidate)
            after = parse_source(text, self.doc.path, self.doc.format)
            if _reads_back(self.current, after, index, line, actual):
                self.lines, self.current = candidate, after
                return None
        return "no rewrite in its style reads back as the new output"

    def _locate(self, claim: Claim) -> list[tuple[int, int]] | None:
        """(row, column) where each line of the claim's text stands in the file."""
        span = []
        for k, part in enumerate(claim.text.split("\n")):
            row = claim.line - 1 + k
            if row >= len(self.lines):
                return None
            col = self.lines[row][0].rstrip().rfind(part.rstrip())
            if col < 0:
                return None
            span.append((row, col))
        return span

    def _candidates(self, claim: Claim, span: list[tuple[int, int]],
                    new: list[str]) -> list[tuple[list[list[str]], int]]:
        """Rewritten lines to try, in order, each with the line the claim will start on."""
        first_row, first_col = span[0]
        last_row, last_col = span[-1]
        head = self.lines[first_row][0][:first_col]
        last_part = claim.text.split("\n")[-1].rstrip()
        tail = self.lines[last_row][0][last_col + len(last_part):]
        # continuation lines: an output block's or doctest's prefix; for a comment, a "#" in
        # the same column with the text aligned under the first line's
        more = head
        hash_col = head.rfind("#")
        if claim.kind in _COMMENT_KINDS and hash_col >= 0:
            lead = head[:hash_col]
            lead = lead if not lead.strip() else " " * _width(lead)
            more = lead + "#" + " " * _width(head[hash_col + 1 :])
        blank = "<BLANKLINE>" if claim.kind == "doctest" else ""
        rows = [head + new[0]] + [(more + part) if part else (more + blank).rstrip()
                                  for part in new[1:]]
        rows[-1] += tail
        end = self._ending(first_row)
        in_place = (self.lines[:first_row] + [[r, end] for r in rows[:-1]]
                    + [[rows[-1], self.lines[last_row][1]]] + self.lines[last_row + 1 :])
        found = [(in_place, claim.line)]
        if claim.kind == "comment" and len(new) > 1:
            found.append((self._below(claim, first_row, head, new), claim.line + 1))
        return found

    def _ending(self, row: int) -> str:
        """The line ending for lines added after ``row``: its own, or for a last line without
        one, the ending of the lines before it."""
        return next((end for _, end in reversed(self.lines[: row + 1]) if end), "\n")

    def _below(self, claim: Claim, row: int, head: str, new: list[str]) -> list[list[str]]:
        """A trailing comment turned into a comment block under its statement."""
        code = head[: head.rfind("#")].rstrip()
        statement = self.lines[claim.target_line - 1][0]
        indent = statement[: len(statement) - len(statement.lstrip())]
        end = self._ending(row)
        block = [[f"{indent}# {part}".rstrip(), end] for part in new]
        block[-1][1] = self.lines[row][1]
        return (self.lines[:row] + [[code, end]] + block + self.lines[row + 1 :])


# ---------------------------------------------------------------------------------------------
# Notebooks
# ---------------------------------------------------------------------------------------------

_CHANNELS: dict[str, Callable[[dict], bool]] = {
    "stdout": lambda out: out.get("output_type") == "stream" and out.get("name") == "stdout",
    "result": lambda out: out.get("output_type") == "execute_result",
    "display": lambda out: out.get("output_type") == "display_data",
}


class _NotebookRewrite:
    """Rewrites one stored output at a time; the rest of the JSON is written back as it was."""

    def __init__(self, doc: Document, raw: bytes) -> None:
        self.doc = doc
        self.bom = raw.startswith(codecs.BOM_UTF8)
        self.layout: dict | None = None
        self.current: Document | None = None
        self.error = ""
        try:
            text, self.bom = _decode(raw)
            self.nb = json.loads(text)
        except (UnicodeDecodeError, ValueError) as err:
            self.error = f"not a readable notebook ({err})"
            return
        self.layout = _layout(text, self.nb)
        if self.layout is None:
            self.error = ("its JSON layout is not one json.dumps writes, so rewriting an output "
                          "would change other bytes")
            return
        self.current = parse_source(text, doc.path, "notebook")

    def problem(self) -> str:
        return self.error

    def _dumps(self, nb: dict) -> str:
        assert self.layout is not None
        layout = dict(self.layout)
        newline = layout.pop("newline")
        return json.dumps(nb, **layout) + newline

    def bytes(self) -> bytes:
        return _encode(self._dumps(self.nb), self.bom)

    def apply(self, index: int, claim: Claim, actual: str) -> str | None:
        cells = self.nb.get("cells", [])
        cell = cells[(claim.cell or 0) - 1] if 0 < (claim.cell or 0) <= len(cells) else {}
        outputs = cell.get("outputs", [])
        same = [out for out in outputs if _CHANNELS.get(claim.channel or "", bool)(out)]
        if len(same) != 1:
            return "the cell stores its output in several pieces"
        nb = copy.deepcopy(self.nb)
        out = nb["cells"][claim.cell - 1]["outputs"][(claim.output or 1) - 1]
        if claim.channel == "stdout":
            out["text"] = _stored_like(out.get("text", ""), actual)
        else:
            plain = out["data"]["text/plain"]
            out["data"]["text/plain"] = _stored_like(plain, actual.rstrip("\n"))
        after = parse_source(self._dumps(nb), self.doc.path, "notebook")
        if not _reads_back(self.current, after, index, claim.line, actual):
            return "the rewritten output does not read back as the new output"
        self.nb, self.current = nb, after
        return None


def _stored_like(old: str | list[str], text: str) -> str | list[str]:
    """``text`` stored as the old value was: one string, or a list of lines (nbformat's)."""
    return text if isinstance(old, str) else text.splitlines(keepends=True)


def _layout(text: str, nb: dict) -> dict | None:
    """The json.dumps arguments (and final newline) that write ``nb`` back as ``text``."""
    newline = "\n" if text.endswith("\n") else ""
    for indent in (1, 2, 4, None):
        for ensure_ascii in (False, True):
            layout = {"indent": indent, "ensure_ascii": ensure_ascii,
                      "separators": (",", ": ") if indent is not None else (", ", ": ")}
            if json.dumps(nb, **layout) + newline == text:
                return {**layout, "newline": newline}
    return None


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


def uncommitted(path: str | Path) -> str | None:
    """Why ``path`` must not be rewritten: git's status line when it has uncommitted changes (or
    is untracked) in a git work tree; ``None`` for a clean file or one outside any work tree."""
    path = Path(path).resolve()
    try:
        done = subprocess.run(["git", "status", "--porcelain", "--", path.name], check=False,
                              cwd=path.parent, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None  # no git here: nothing it could lose track of
    if done.returncode != 0:
        if "not a git repository" in done.stderr:
            return None
        return f"git status failed: {done.stderr.strip() or done.returncode}"
    return done.stdout.strip() or None


def refusal(paths: list[str]) -> str | None:
    """The error ``--update`` stops with before running anything: the files it could rewrite
    that hold uncommitted work, which a rewrite would mix with its own; ``None`` when none."""
    dirty = [(path, why) for path in dict.fromkeys(paths) if (why := uncommitted(path))]
    if not dirty:
        return None
    listed = "; ".join(f"{path} ({why.splitlines()[0]})" for path, why in dirty)
    return (f"--update may rewrite files with uncommitted changes: {listed}. Commit or stash "
            "them first, or pass --force to rewrite them anyway")


def apply_updates(results: list[DocumentResult], *, diff: bool) -> list[FileUpdate]:
    """Plan the rewrite of every checked document; print the diffs (``diff``) or write the
    files, then say per file what was rewritten and which wrong claims were left, and why."""
    updates = [plan_update(result) for result in results]
    for update in updates:
        if diff:
            print(update.diff(), end="")
        else:
            write_update(update)
    for update in updates:
        if update.updated:
            verb = "would rewrite" if diff else "rewrote"
            print(f"{update.path}: {verb} {len(update.updated)} wrong claim(s) with the output "
                  "printed now")
        for claim, why in sorted(update.left, key=lambda c: (c[0].cell or 0, c[0].line)):
            where = f"cell {claim.cell}, line {claim.line}" if claim.cell else f"{claim.line}"
            print(f"{update.path}:{where}: wrong claim left as it is: {why}")
    return updates


def write_update(update: FileUpdate) -> None:
    """Replace the file atomically with the updated bytes, keeping its permissions."""
    if not update.changed:
        return
    write_atomically(update.path, update.new, keep_mode=True)


def update_diff_example(path: str | Path, name: str | None = None) -> str:
    """The diff ``torch-recipes check --update --diff PATH`` prints for one tutorial, found by
    really running it (outside the sandbox: for the project's own example page); ``name`` is
    the path shown in the diff's header (default: ``path``)."""
    result = check_document(parse_file(path))
    return plan_update(result).diff(name or str(path))
