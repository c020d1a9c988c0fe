"""jupytext percent-format scripts (``# %%`` cells), read by jupytext as the site build reads them.

jupytext gives the cells (their metadata, magics uncommented: ``# %matplotlib inline`` becomes
``%matplotlib inline``) but not where they are in the file; :func:`cell_lines` finds that.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from recipes.checker.model import Document, UsageError
from recipes.checker.parse.blocks import make_block, shell_lines

if TYPE_CHECKING:
    import nbformat

_COMMENTED = re.compile(r"^(\s*)# ?")


def read(text: str, file: str) -> Document:
    """Read a jupytext percent-format script: its code cells, run as a notebook's would be."""
    import jupytext

    try:
        nb = jupytext.reads(text, fmt="py:percent")
    except Exception as err:
        raise UsageError(f"{file}: not a readable percent-format script ({err})") from err
    doc = Document(file, "percent", [], display="ipython")
    for cell, line_map in zip(nb.cells, cell_lines(text, nb), strict=True):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        lines = cell.source.split("\n")
        block = make_block(file, lines, line_map, magics=True)
        if block is not None:
            doc.unrun.extend(shell_lines(lines, line_map))
            doc.blocks.append(block)
    return doc


def cell_lines(text: str, nb: nbformat.NotebookNode) -> list[list[int]]:
    """For each cell of ``nb`` (read from ``text``), the file line of each line of its source.

    Each cell is found after the previous one: the first place where its source lines match the
    file's, a commented line in the file (prose, a magic: ``# %timeit``) matching its uncommented
    form in the cell. Counting ``# %%`` markers instead would go wrong on a first cell without a
    marker or a marker-like line inside a string, which jupytext reads as code.
    """
    file_lines = text.split("\n")
    found = []
    pos = 0
    for cell in nb.cells:
        source = cell.source.split("\n")
        start = _find(source, file_lines, pos)
        found.append([start + k + 1 for k in range(len(source))])
        pos = start + len(source)
    return found


def _find(source: list[str], file_lines: list[str], pos: int) -> int:
    """The 0-based file line, from ``pos`` on, where ``source`` starts (``pos`` if nowhere)."""
    for start in range(pos, len(file_lines) - len(source) + 1):
        if all(map(_same, source, file_lines[start : start + len(source)])):
            return start
    return pos


def _same(cell_line: str, file_line: str) -> bool:
    cell_line, file_line = cell_line.rstrip(), file_line.rstrip()
    return cell_line in (file_line, _COMMENTED.sub(r"\1", file_line, count=1))
