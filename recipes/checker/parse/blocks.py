"""Building blocks from source lines: one syntax check, comment claims, doctest examples; and the
builder that attaches output regions to the code block they follow."""

from __future__ import annotations

import ast
import doctest
import textwrap

from recipes.checker.model import Block, Claim, Document, Example, Orphan, Unrun
from recipes.checker.parse.claims import comment_claims
from recipes.checker.parse.markers import SHELL_LINE, is_marker
from recipes.checker.parse.textcode import line_kind


def transform_magics(source: str) -> str:
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # pragma: no cover - ipykernel brings IPython
        return source
    try:
        out = TransformerManager().transform_cell(source)
    except Exception:
        return source
    return out if out.count("\n") >= source.count("\n") else source




def make_block(
    file: str,
    lines: list[str],
    line_map: list[int],
    *,
    cell: int | None = None,
    inline: bool = False,
    magics: bool = False,
    flat_claims: list[tuple[int, str, str]] | None = None,
) -> Block | None:
    """A block from source lines and their tutorial lines; claims found; syntax checked.

    ``flat_claims`` are claims already found while splitting a squeezed line:
    (line in the block, claimed text, kind).
    """
    while lines and not lines[-1].strip():
        lines, line_map = lines[:-1], line_map[:-1]
    while lines and not lines[0].strip():
        lines, line_map = lines[1:], line_map[1:]
    if not lines:
        return None
    source = textwrap.dedent("\n".join(lines))
    if magics:
        source = "\n".join(
            ("# (shell line skipped) " + ln.strip()) if SHELL_LINE.match(ln) else ln
            for ln in source.split("\n")
        )
    block = Block(file, line_map[0], source, list(line_map), cell=cell, inline=inline)
    parsed_source = transform_magics(source) if magics else source
    try:
        tree = ast.parse(parsed_source)
    except SyntaxError as err:
        row = err.lineno or 1
        block.syntax_error = (block.file_line(row), f"{type(err).__name__}: {err.msg}")
        return block
    except ValueError as err:
        block.syntax_error = (block.line, f"SyntaxError: {err}")
        return block
    claims = comment_claims(block, tree)
    for row, text, kind in flat_claims or []:
        claims.append(Claim(file, block.file_line(row), kind, text, block.file_line(row),
                            stmt=row if kind != "output-block" else None, cell=cell))
    block.claims = sorted(claims, key=lambda c: (c.line, c.stmt or 0))
    return block


def doctest_block(file: str, text: str, first_line: int, *, cell: int | None = None,
                   line_of=None) -> Block | None:
    """A doctest block from text holding ``>>>`` examples; lines computed from ``first_line``."""
    try:
        examples = doctest.DocTestParser().get_examples(text)
    except ValueError as err:
        return Block(file, first_line, text, [first_line], kind="doctest", cell=cell,
                     syntax_error=(first_line, f"doctest: {err}"))
    if not examples:
        return None

    def where(offset: int) -> int:
        return line_of(offset) if line_of else first_line + offset

    source_lines: list[str] = []
    line_map: list[int] = []
    for ex in examples:
        for k, text in enumerate(ex.source.rstrip("\n").split("\n")):
            source_lines.append(text)
            line_map.append(where(ex.lineno) + k)
    block = Block(file, where(examples[0].lineno), "\n".join(source_lines), line_map,
                  kind="doctest", cell=cell)
    for ex in examples:
        line = where(ex.lineno)
        skip = bool(ex.options.get(doctest.SKIP))
        try:
            ast.parse(ex.source)
        except SyntaxError as err:
            if block.syntax_error is None:
                block.syntax_error = (line + (err.lineno or 1) - 1,
                                      f"{type(err).__name__}: {err.msg}")
        claim = None
        if ex.want or ex.exc_msg:
            want_line = line + ex.source.count("\n")
            expect = ex.exc_msg.strip() if ex.exc_msg is not None else None
            claim = Claim(file, want_line, "doctest", ex.want.rstrip("\n"), line, cell=cell,
                          expect_error=expect)
        block.examples.append(Example(ex.source, line, claim, skip))
    return block



def looks_like_python(lines: list[str]) -> bool:
    if any(ln.lstrip().startswith(">>>") for ln in lines):
        return True
    kinds = [line_kind(ln) for ln in lines if ln.strip() and not ln.strip().startswith("#")]
    return bool(kinds) and "strong" in kinds and kinds.count(None) <= len(kinds) // 3


class Builder:
    """Collects code blocks and attaches output blocks to the code block they follow."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.blocks: list[Block] = []
        self.orphans: list[Orphan] = []
        self.unrun: list[Unrun] = []
        self.marker = False
        self.adjacent = False  # nothing but blank lines since the last code block

    def code(self, lines: list[str], first_line: int, *, inline: bool = False,
             line_map: list[int] | None = None,
             flat_claims: list[tuple[int, str, str]] | None = None) -> None:
        line_map = line_map or list(range(first_line, first_line + len(lines)))
        text = "\n".join(lines)
        if any(ln.lstrip().startswith(">>>") for ln in lines):
            block = doctest_block(self.file, textwrap.dedent(text), first_line,
                                   line_of=lambda off: line_map[min(off, len(line_map) - 1)])
        else:
            block = make_block(self.file, lines, line_map, inline=inline,
                                flat_claims=flat_claims)
        if block is not None:
            self.blocks.append(block)
            self.adjacent = True
        self.marker = False

    def output(self, lines: list[str], first_line: int, *, labelled: bool) -> bool:
        """Attach an output block if a marker or its placement says it is output."""
        target = self.blocks[-1] if self.blocks else None
        text = "\n".join(ln.rstrip() for ln in lines).strip("\n")
        attached = False
        if target is not None and target.kind == "code" and text.strip() and (
            self.marker or (labelled and self.adjacent)
        ):
            target.claims.append(Claim(self.file, first_line, "output-block", textwrap.dedent(text),
                                       target.line, cell=target.cell))
            attached = True
        self.marker = False
        self.adjacent = False
        return attached

    def document(self, fmt: str) -> Document:
        """The document read so far, with its orphan outputs and unrun lines."""
        return Document(self.file, fmt, self.blocks, orphans=self.orphans, unrun=self.unrun)

    def prose(self, line: str) -> None:
        if not line.strip():
            return
        self.adjacent = False
        self.marker = is_marker(line)
