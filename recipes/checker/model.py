"""The checker's data model: what the readers produce and the run stage consumes.

A :class:`Document` is a tutorial's code :class:`Block` s in reading order; each block carries the
:class:`Claim` s a tutorial makes about its output, and its syntax tree, parsed once. Regions that
look like output but belong to no code, and lines that were deliberately not run, are kept on the
document so the report can say what was left out.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "Block",
    "BlockKind",
    "Claim",
    "ClaimKind",
    "Display",
    "Document",
    "Example",
    "Orphan",
    "Unrun",
    "UsageError",
]

ClaimKind = Literal[
    "comment",  # a trailing comment on a print or expression: ``print(t)  # tensor([1])``
    "comment-block",  # ``# ...`` lines right after the statement
    "assignment",  # a trailing comment on ``x = ...`` naming x's value
    "output-block",  # a separate output region (fence, label, indented block, blockquote)
    "doctest",  # a ``>>>`` example's wanted output
    "notebook-output",  # one stored output of a notebook cell
]
BlockKind = Literal["code", "doctest", "module"]
# How the document's environment shows a bare expression's value: ``repr`` (doctest, the Python
# prompt, a script's print) or ``ipython`` (a notebook front end: IPython's pretty printer).
Display = Literal["repr", "ipython"]


class UsageError(Exception):
    """A path that does not exist or cannot be read as a tutorial (exit code 2)."""


@dataclass
class Claim:
    """Output a tutorial says some code prints.

    ``stmt`` is the line, in the block's source, of the statement the claim is about, or ``None``
    when the claim covers everything the block prints (an output block, a notebook output).
    ``output`` numbers a notebook cell's stored outputs from 1 (stderr and images included, as
    stored) and ``channel`` says which kind that output is: ``stdout``, ``result`` (the displayed
    value of the last expression), ``display`` (a ``display()`` call) or ``error``. ``expect_error`` is set when the
    claimed output is an exception (a traceback, ``ValueError: ...``): the claim is then that the
    code raises it. ``approx`` marks a hand-written approximation (``# 约 0.333``, ``# ≈ 2.7``).
    ``function`` names the function whose body holds the claim (it prints only when called).
    """

    file: str
    line: int
    kind: ClaimKind
    text: str
    target_line: int
    stmt: int | None = None
    cell: int | None = None
    output: int | None = None
    channel: Literal["stdout", "result", "display", "error"] | None = None
    expect_error: str | None = None
    approx: bool = False
    function: str | None = None


@dataclass
class Example:
    """One doctest example: its source, where it is, and the claim on what it prints."""

    source: str
    line: int
    claim: Claim | None
    skip: bool = False


@dataclass
class Block:
    """A piece of code that a reader would run as one unit, with the claims made about it.

    ``tree`` is the block's syntax tree (after IPython's magics transform, where the format has
    magics), parsed once by the reader; ``None`` when the block does not parse.
    """

    file: str
    line: int
    source: str
    line_map: list[int]
    kind: BlockKind = "code"
    cell: int | None = None
    claims: list[Claim] = field(default_factory=list)
    examples: list[Example] = field(default_factory=list)
    syntax_error: tuple[int, str] | None = None
    inline: bool = False
    tree: ast.Module | None = None

    def file_line(self, source_line: int) -> int:
        """The line in the tutorial of line ``source_line`` (1-based) of the block's source."""
        if not self.line_map:
            return self.line
        k = min(max(source_line, 1), len(self.line_map)) - 1
        return self.line_map[k]


@dataclass
class Orphan:
    """An output-looking region that could not be attached to any code block.

    ``cell`` is the notebook cell (1-based) when ``line`` counts within a cell's source.
    """

    line: int
    text: str
    why: str
    cell: int | None = None


@dataclass
class Unrun:
    """A line deliberately not run: a shell command (``!pip``), a magic, a skipped folder.

    ``cell`` is the notebook cell (1-based) when ``line`` counts within a cell's source; a skipped
    folder has line 0 and its path as ``text``.
    """

    line: int
    text: str
    why: str
    cell: int | None = None


@dataclass
class Document:
    """A tutorial's code blocks in reading order, and what was left out of them."""

    path: str
    format: str
    blocks: list[Block]
    display: Display = "repr"
    orphans: list[Orphan] = field(default_factory=list)
    unrun: list[Unrun] = field(default_factory=list)

    @property
    def claims(self) -> list[Claim]:
        found = []
        for block in self.blocks:
            found.extend(block.claims)
            found.extend(ex.claim for ex in block.examples if ex.claim is not None)
        return found
