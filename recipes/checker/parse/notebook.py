"""Jupyter notebooks: code cells and their stored outputs."""

from __future__ import annotations

import warnings

from recipes.checker.model import Claim, Document, UsageError
from recipes.checker.parse.blocks import make_block


def read(text: str, file: str) -> Document:
    """Read a Jupyter notebook."""
    import nbformat

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # old notebooks lack cell ids; that is no error
            nb = nbformat.reads(text, as_version=4)
    except Exception as err:
        raise UsageError(f"{file}: not a readable Jupyter notebook ({err})") from err
    blocks = []
    for index, cell in enumerate(nb.cells, start=1):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        lines = source.split("\n")
        block = make_block(file, lines, list(range(1, len(lines) + 1)), cell=index, magics=True)
        if block is None:
            continue
        stored = _stored_output(cell.get("outputs", []))
        if stored is not None and block.syntax_error is None:
            text_out, error = stored
            block.claims.append(Claim(file, 1, "notebook-output", text_out, block.line,
                                      cell=index, expect_error=error))
        blocks.append(block)
    return Document(file, "notebook", blocks, display="ipython")


def _stored_output(outputs: list[dict]) -> tuple[str, str | None] | None:
    parts = []
    error = None
    seen = False
    for out in outputs:
        kind = out.get("output_type")
        if kind == "stream" and out.get("name") == "stdout":
            parts.append(out.get("text", ""))
            seen = True
        elif kind == "execute_result":
            plain = out.get("data", {}).get("text/plain", "")
            parts.append((plain if isinstance(plain, str) else "".join(plain)) + "\n")
            seen = True
        elif kind == "error":
            error = f"{out.get('ename', '')}: {out.get('evalue', '')}"
            seen = True
    if not seen:
        return None
    return "".join(parts).rstrip("\n"), error
