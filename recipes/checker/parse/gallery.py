"""sphinx-gallery scripts: an rst docstring, then code cells between rst text blocks.

This is the format of the official PyTorch tutorials. A text block starts at a line of 20 or more
``#`` (or a ``# %%`` line) and runs over the ``#`` comment lines right after it; its prose is
rst, read by :mod:`rst` for the outputs it shows, while code shown there is not run (sphinx-gallery
does not run it either). The code between text blocks forms cells that share one namespace, and
claims are the comments on and after their statements. sphinx-gallery captures what a cell
prints and the repr of its last expression, so values show as ``repr``.
"""

from __future__ import annotations

import ast
import re

from recipes.checker.model import Document
from recipes.checker.parse import rst
from recipes.checker.parse.blocks import Builder, make_block

_SEPARATOR = re.compile(r"^(?:#{20,}|# ?%%).*$")
# jupytext writes these; a percent-format notebook is not a gallery script
_JUPYTEXT = re.compile(r"^# %% \[(?:markdown|md|raw)\]|^# ---\s*$|^#\s+jupyter:", re.MULTILINE)
_UNDERLINE = re.compile(r"^([=\-~^*#+`'\"_.:])\1{2,}$")
_DOCSTRING_OPEN = re.compile(r'^\s*[rRuU]?("""|\'\'\')')


def _docstring(text: str) -> ast.Expr | None:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    first = tree.body[0] if tree.body else None
    if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)):
        return first
    return None


def _has_rst_title(doc: str) -> bool:
    """Whether a docstring opens with an rst title (text underlined by ``===``, ``---`` ...),
    which sphinx-gallery requires of every script."""
    lines = [ln.strip() for ln in doc.strip().split("\n")]
    if lines and _UNDERLINE.match(lines[0]):
        lines = lines[1:]  # an overline
    return len(lines) >= 2 and bool(lines[0]) and _UNDERLINE.match(lines[1]) is not None


def is_gallery(text: str) -> bool:
    """Whether a ``.py`` file is a sphinx-gallery script rather than a plain script or module
    or a jupytext percent notebook: a docstring that opens with an rst title, then text blocks
    introduced by a line of ``#`` (or ``# %%``) and written as ``#`` comments."""
    doc = _docstring(text)
    if doc is None or not _has_rst_title(doc.value.value) or _JUPYTEXT.search(text):
        return False
    lines = text.split("\n")
    for k, line in enumerate(lines[:-1]):
        if not _SEPARATOR.match(line):
            continue
        nxt = lines[k + 1]
        if line.startswith("# ") or line.startswith("#%"):
            return True  # ``# %%`` after an rst docstring: jupytext would add [markdown] cells
        if nxt.startswith("# ") and not _SEPARATOR.match(nxt):
            return True
    return False


def read(text: str, file: str) -> Document:
    """Read a sphinx-gallery script."""
    lines = text.split("\n")
    b = Builder(file)
    doc = _docstring(text)
    start = 0
    if doc is not None:
        start = doc.end_lineno or doc.lineno
        body = lines[doc.lineno - 1 : start]
        body[0] = _DOCSTRING_OPEN.sub("", body[0], count=1)
        body[-1] = re.sub(r'("""|\'\'\')\s*$', "", body[-1])
        rst.feed(b, body, doc.lineno - 1, run_code=False)
    cell_start = start
    k = start
    while k < len(lines):
        if not _SEPARATOR.match(lines[k]):
            k += 1
            continue
        _cell(b, lines, cell_start, k)
        j = k + 1
        while j < len(lines) and lines[j].startswith("#") and not _SEPARATOR.match(lines[j]):
            j += 1
        prose = [re.sub(r"^# ?", "", ln) for ln in lines[k + 1 : j]]
        rst.feed(b, prose, k + 1, run_code=False)
        cell_start = k = j
    _cell(b, lines, cell_start, len(lines))
    return b.document("gallery")


def _cell(b: Builder, lines: list[str], start: int, end: int) -> None:
    """A code cell: plain Python, even where a docstring in it shows ``>>>`` examples."""
    block = make_block(b.file, lines[start:end], list(range(start + 1, end + 1)))
    if block is not None:
        b.blocks.append(block)
        b.adjacent = True
    b.marker = False
