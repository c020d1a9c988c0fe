"""jupytext percent-format scripts (``# %%`` cells), read by jupytext as the site build reads them.

jupytext gives the cells (their metadata, magics uncommented: ``# %matplotlib inline`` becomes
``%matplotlib inline``) but not where they are in the file; :func:`cell_lines` finds that.
"""

from __future__ import annotations

import re

import nbformat

from recipes.checker.model import Document, UsageError
from recipes.checker.parse.blocks import make_block, shell_lines

# jupytext's cell marker for Python: "# %%" or "#%%", then a title, a [type] or metadata.
_MARKER = re.compile(r"^#\s?%%(?!%)")
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

    Cells follow the ``# %%`` markers in order; a cell's source is searched for within its
    marker's span, a commented magic in the file matching its uncommented form in the cell.
    When markers and cells do not pair up (a first cell without a marker), each cell is searched
    from where the previous one ended.
    """
    file_lines = text.split("\n")
    markers = [k for k, ln in enumerate(file_lines) if _MARKER.match(ln)]
    spans = [(start + 1, end) for start, end in zip(markers, markers[1:] + [len(file_lines)])]
    paired = len(spans) == len(nb.cells)
    found = []
    pos = 0
    for index, cell in enumerate(nb.cells):
        start, end = spans[index] if paired else (pos, len(file_lines))
        source = cell.source.split("\n")
        offset = _find(source, file_lines, start, end)
        found.append([offset + k + 1 for k in range(len(source))])
        pos = offset + len(source)
    return found


def _find(source: list[str], file_lines: list[str], start: int, end: int) -> int:
    """The 0-based file line where ``source`` starts, searched in ``file_lines[start:end]``."""
    for offset in range(start, max(start, end - len(source)) + 1):
        window = file_lines[offset : offset + len(source)]
        if len(window) == len(source) and all(map(_same, source, window)):
            return offset
    return start


def _same(cell_line: str, file_line: str) -> bool:
    return cell_line == file_line or cell_line == _COMMENTED.sub(r"\1", file_line, count=1)
