"""jupytext percent-format scripts (``# %%`` cells)."""

from __future__ import annotations

import re

from recipes.checker.model import Document
from recipes.checker.parse.blocks import make_block


def read(text: str, file: str) -> Document:
    """Read a jupytext percent-format script."""
    lines = text.split("\n")
    blocks = []
    cell_start = 0
    kind = "code"

    def flush(start: int, end: int, kind: str) -> None:
        if kind != "code":
            return
        chunk = lines[start:end]
        if start == 0 and chunk and chunk[0].strip() == "# ---":
            close = next((k for k in range(1, len(chunk)) if chunk[k].strip() == "# ---"), None)
            if close is not None:
                chunk = [""] * (close + 1) + chunk[close + 1 :]
        block = make_block(file, chunk, list(range(start + 1, end + 1)), magics=False)
        if block is not None:
            blocks.append(block)

    for k, line in enumerate(lines):
        if line.startswith("# %%"):
            flush(cell_start, k, kind)
            header = line[4:].strip()
            kind = "markdown" if re.match(r"^\[(markdown|md|raw)\]", header) else "code"
            cell_start = k + 1
    flush(cell_start, len(lines), kind)
    return Document(file, "percent", blocks, display="ipython")
