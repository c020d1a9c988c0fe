"""Jupyter notebooks: code cells and their stored outputs, one claim per output."""

from __future__ import annotations

import re
import warnings
from typing import Literal

from recipes.checker.model import Claim, Document, Orphan, Unrun, UsageError
from recipes.checker.parse.blocks import make_block, shell_lines
from recipes.checker.parse.markers import SHELL_CELL

Channel = Literal["stdout", "result", "display", "error"]
Stored = Literal["stdout", "stderr", "result", "display", "error"]
# Cell magics whose body is another language run by a shell: the checker never runs it.
# What a reader sees instead of the text/plain beside it: a picture or a live widget.
_PICTURES = ("image/", "application/vnd.jupyter.widget-view")
_SHELL_CELL = re.compile(r"^\s*%%(?:bash|sh|script|system|!|cmd|powershell|perl|ruby)\b")


def read(text: str, file: str) -> Document:
    """Read a Jupyter notebook."""
    import nbformat

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # old notebooks lack cell ids; that is no error
            nb = nbformat.reads(text, as_version=4)
    except Exception as err:
        raise UsageError(f"{file}: not a readable Jupyter notebook ({err})") from err
    doc = Document(file, "notebook", [], display="ipython")
    for index, cell in enumerate(nb.cells, start=1):
        if cell.get("cell_type") != "code":
            continue
        lines = cell.get("source", "").split("\n")
        if SHELL_CELL.match(lines[0]):
            doc.unrun.append(Unrun(1, lines[0].strip(), "shell cell, not run", cell=index))
            continue
        line_map = list(range(1, len(lines) + 1))
        block = make_block(file, lines, line_map, cell=index, magics=True)
        claims = output_claims(file, index, block.line if block else 1, cell.get("outputs", []))
        if block is None:
            doc.orphans.extend(Orphan(1, c.text, "stored output of an empty cell", cell=index)
                               for c in claims)
            continue
        doc.unrun.extend(shell_lines(lines, line_map, cell=index))
        block.claims.extend(claims)
        doc.blocks.append(block)
    return doc


def output_claims(file: str, cell: int | None, code_line: int, outputs: list[dict]) -> list[Claim]:
    """One claim per stored output that shows text: its 1-based index among all the cell's
    outputs (stderr and images counted, never claimed) and its channel."""
    claims = []
    for number, out in enumerate(outputs, start=1):
        shown = _shown(out)
        if shown is None:
            continue
        channel, text, error = shown
        claims.append(Claim(file, 1, "notebook-output", text, code_line, cell=cell,
                            output=number, channel=channel, expect_error=error))
    return claims


def output_text(out: dict) -> tuple[Stored, str] | None:
    """(channel, text as stored) of one notebook output, or ``None`` when it has no text.

    Channels: ``stdout`` and ``stderr`` streams, ``result`` and ``display`` (their
    ``text/plain``), ``error`` (``Ename: evalue``). The one reading of a stored output, for the
    reader's claims and for what a run printed.
    """
    kind = out.get("output_type")
    if kind == "stream":
        return ("stdout" if out.get("name") == "stdout" else "stderr"), _joined(out.get("text", ""))
    if kind in ("execute_result", "display_data"):
        plain = out.get("data", {}).get("text/plain")
        if plain is None:
            return None
        return ("result" if kind == "execute_result" else "display"), _joined(plain)
    if kind == "error":
        return "error", f"{out.get('ename', '')}: {out.get('evalue', '')}"
    return None


def _shown(out: dict) -> tuple[Channel, str, str | None] | None:
    """(channel, text, expected error) of one stored output, or ``None`` when it shows no text a
    claim could be about: stderr (warnings, progress bars), images and widgets (their
    text/plain is not what a reader sees)."""
    found = output_text(out)
    if found is None or any(mime.startswith(_PICTURES) for mime in out.get("data", {})):
        return None
    channel, text = found
    if channel == "stderr":
        return None
    if channel == "error":
        return "error", "", text
    return channel, text.rstrip("\n"), None


def _joined(text: str | list[str]) -> str:
    return text if isinstance(text, str) else "".join(text)
