"""Building blocks from source lines: one syntax check and one syntax tree, comment claims, doctest
examples; and the builder that attaches output regions to the code block they follow."""

from __future__ import annotations

import ast
import doctest
import re
import textwrap
from collections.abc import Callable

from recipes.checker.model import Block, Claim, Display, Document, Example, Orphan, Unrun
from recipes.checker.parse.claims import (
    claim_text,
    comment_claims,
    expected_error,
    first_row,
    is_exception_line,
    is_values,
    prints_caught_errors,
)
from recipes.checker.parse.markers import SHELL_LINE, is_marker
from recipes.checker.parse.textcode import line_kind

__all__ = [
    "Builder",
    "doctest_block",
    "first_row",
    "looks_like_output",
    "looks_like_python",
    "make_block",
    "shell_lines",
    "transform_magics",
]

# Lines only an output shows: reprs of tensors, sizes, arrays, dtypes, modules, tracebacks.
_REPR_LINE = re.compile(
    r"^(?:\(?\[?tensor\(|torch\.Size\(|array\(|Parameter containing:|Variable containing:"
    r"|torch\.(?:u?int\d+|float\d+|bfloat16|bool|complex\d+|half|double|long)\)?,?$"
    r"|dtype\(|device\(type=|\(\w+\): [A-Z]\w*\("
    r"|<(?:class |module |function |built-in |bound method |generator object |[\w.]+ (?:object )?at"
    r" 0x|[\w.]+Backward\d*)[^<>]*>$"
    r"|Traceback \(most recent call last\)|File \".*\", line \d+"
    r"|[\w .'\"-]{1,40}[:\s]\s*(?:tensor\(|torch\.Size\(|array\())"
)
_LITERAL_LINE = re.compile(r"^(?:[\[(][-+\d.,\s\[\]()eE]*[\])]|'[^']*'|\"[^\"]*\")$")
# The rest of a repr printed over several lines: its rows, its closing brackets and keywords.
_REPR_TAIL = re.compile(
    r"^(?:\s+[\[(\d\-.]|\s*[\])]+,?\)?$|\s*(?:grad_fn|dtype|device|requires_grad)=|[A-Z]\w*\($|\)$)"
)


_CELL_MAGIC = re.compile(r"^\s*%%(\w+)")
# Cell magics whose body is Python that the kernel runs as usual (timed, captured, profiled).
_PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun", "debug", "memit", "mprun",
                       "snakeviz", "pyinstrument"}


def transform_magics(source: str) -> str:
    """``source`` with IPython's magics and shell escapes turned into Python, line for line.

    Every reader and stage that parses notebook-style code calls this one function. The source
    is returned unchanged when IPython is missing or the transform would shift lines. A cell
    magic whose body is Python (``%%time``) becomes a comment over that body; another cell
    magic (``%%writefile``) becomes IPython's one call, padded to the cell's lines.
    """
    lines = source.split("\n")
    first = next((k for k, ln in enumerate(lines) if ln.strip()), None)
    cell_magic = _CELL_MAGIC.match(lines[first]) if first is not None else None
    if cell_magic and cell_magic.group(1) in _PYTHON_CELL_MAGICS:
        # ``%%time``: the magic times its body, which is Python (and may hold line magics)
        body = transform_magics("\n".join(lines[first + 1 :]))
        return "\n".join(lines[:first] + ["# " + lines[first].strip()]) + "\n" + body
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # pragma: no cover - ipykernel brings IPython
        return source
    try:
        out = TransformerManager().transform_cell(source)
    except Exception:
        return source
    if cell_magic:  # another language's body (``%%writefile``, ``%%html``): one call, padded
        return out.rstrip("\n") + "\n" * max(1, source.count("\n") - out.rstrip("\n").count("\n"))
    return out if out.count("\n") >= source.count("\n") else source


def shell_lines(lines: list[str], line_map: list[int], cell: int | None = None) -> list[Unrun]:
    """The shell commands (``!pip install``, ``%conda``) in notebook-style code: never run."""
    return [
        Unrun(line_map[k], ln.strip(), "shell command, not run", cell=cell)
        for k, ln in enumerate(lines)
        if SHELL_LINE.match(ln)
    ]


def _parse(source: str) -> tuple[ast.Module | None, tuple[int, str] | None]:
    """(tree, None), or (None, (row, message)) when the source does not parse."""
    try:
        return ast.parse(source), None
    except SyntaxError as err:
        return None, (err.lineno or 1, f"{type(err).__name__}: {err.msg}")
    except ValueError as err:
        return None, (1, f"SyntaxError: {err}")


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
    """A block from source lines and their tutorial lines; claims found; syntax tree kept.

    ``magics``: the lines are notebook code, whose shell commands are kept as comments (never
    run) and whose magics are transformed before parsing. ``flat_claims`` are claims already
    found while splitting a squeezed line: (line in the block, claimed text, kind).
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
    tree, error = _parse(transform_magics(source) if magics else source)
    if tree is None:
        block.syntax_error = (block.file_line(error[0]), error[1])
        block.claims = _full_width_claims(block)
        return block
    block.tree = tree
    claims = comment_claims(block, tree)
    for row, text, kind in flat_claims or []:
        claims.append(Claim(file, block.file_line(row), kind, text, block.file_line(row),
                            stmt=row if kind != "output-block" else None, cell=cell,
                            expect_error=_raised(text, block)))
    block.claims = sorted(claims, key=lambda c: (c.line, c.stmt or 0))
    return block


_FULL_WIDTH_HASH = re.compile(r"\S\s+＃(?P<comment>.*)$")


def _full_width_claims(block: Block) -> list[Claim]:
    """Claims typed after a full-width ``＃`` (a Chinese input method's): to Python it is no
    comment but an invalid character, so the block cannot run and what it claims misleads."""
    claims = []
    for row, line in enumerate(block.source.split("\n"), start=1):
        found = _FULL_WIDTH_HASH.search(line)
        text = claim_text("#" + found.group("comment")) if found else None
        if text:
            line_no = block.file_line(row)
            claims.append(Claim(block.file, line_no, "comment", text, line_no, stmt=row,
                                cell=block.cell))
    return claims


def doctest_block(file: str, text: str, first_line: int, *, cell: int | None = None,
                  line_of: Callable[[int], int] | None = None) -> Block | None:
    """A doctest block from text holding ``>>>`` examples; lines computed from ``first_line``.

    ``line_of`` maps an offset in ``text`` (0-based line) to its tutorial line when the text is
    not contiguous in the tutorial.
    """
    text = _bare_continuations(text)
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
        for k, row in enumerate(ex.source.rstrip("\n").split("\n")):
            source_lines.append(row)
            line_map.append(where(ex.lineno) + k)
    block = Block(file, where(examples[0].lineno), "\n".join(source_lines), line_map,
                  kind="doctest", cell=cell)
    rows = text.split("\n")
    for ex in examples:
        prompts = 1  # the example's >>> and ... lines: its wanted output starts after them
        while ex.lineno + prompts < len(rows) and _PS2.match(rows[ex.lineno + prompts]):
            prompts += 1
        block.examples.append(_example(block, ex, where(ex.lineno), where(ex.lineno + prompts)))
    if block.syntax_error is None:
        block.tree, _ = _parse(block.source)
    return block


_SESSION_SOURCE = re.compile(r"^(\s*)(?:>>>|\.\.\.)(?: |$)")


def _bare_continuations(text: str) -> str:
    """A session whose empty continuation line lost its trailing space (``...`` closing a
    ``for`` loop, as copied from a terminal): doctest wants ``... ``. A bare ``...`` right after
    a ``>>>`` or ``...`` line is the prompt, not output elided."""
    lines = text.split("\n")
    for k in range(1, len(lines)):
        prev = _SESSION_SOURCE.match(lines[k - 1])
        if prev and lines[k].strip() == "..." and lines[k].startswith(prev.group(1) + "..."):
            lines[k] = lines[k].rstrip() + " "
    return "\n".join(lines)


_PS2 = re.compile(r"^\s*\.\.\.(?: |$)")


def _example(block: Block, ex: doctest.Example, line: int, want_line: int) -> Example:
    """One doctest example with the claim its wanted output makes; a syntax error is noted."""
    _, error = _parse(ex.source)
    if error is not None and block.syntax_error is None:
        block.syntax_error = (line + error[0] - 1, error[1])
    claim = None
    if ex.want or ex.exc_msg:
        expect = ex.exc_msg.strip() if ex.exc_msg is not None else None
        claim = Claim(block.file, want_line, "doctest", ex.want.rstrip("\n"), line,
                      cell=block.cell, expect_error=expect)
    return Example(ex.source, line, claim, bool(ex.options.get(doctest.SKIP)))


def looks_like_python(lines: list[str]) -> bool:
    """Whether unlabelled lines read as Python code (a ``>>>`` session counts)."""
    if any(ln.lstrip().startswith(">>>") for ln in lines):
        return True
    kinds = [line_kind(ln) for ln in lines if ln.strip() and not ln.strip().startswith("#")]
    return bool(kinds) and "strong" in kinds and kinds.count(None) <= len(kinds) // 3


def looks_like_output(lines: list[str]) -> bool:
    """Whether unlabelled lines read as what Python prints: reprs, numbers, a traceback.

    Every line must be one an output shows (``tensor([1.,``, its continuation rows, ``3 4``,
    ``torch.Size([2])``, ``ValueError: ...``) and at least one must be more than a closing
    bracket. Such text parses as Python too (``tensor([5.])``), so a reader asks this first:
    output text is never run as code.
    """
    rows = [ln.rstrip() for ln in lines if ln.strip()]
    if not rows:
        return False
    strong = 0
    for row in rows:
        text = row.strip()
        if (_REPR_LINE.match(text) or _LITERAL_LINE.match(text) or is_values(text)
                or is_exception_line(text)):
            strong += 1
        elif not _REPR_TAIL.match(row):
            return False
    return strong > 0


def _raised(text: str, block: Block) -> str | None:
    """The exception an output block shows being raised, unless the block printed it itself."""
    return None if prints_caught_errors(block.tree) else expected_error(text)


class Builder:
    """Collects code blocks and attaches output blocks to the code block they follow.

    An output region attaches when a marker ("Output:", "输出：") announced it, or when its
    placement says it is output (``labelled``: an output fence, an output class) and nothing
    but blank lines separate it from the code. Output that cannot attach is kept as an orphan.
    """

    def __init__(self, file: str) -> None:
        self.file = file
        self.blocks: list[Block] = []
        self.orphans: list[Orphan] = []
        self.unrun: list[Unrun] = []
        self.display: Display = "repr"
        self.marker = False
        self.adjacent = False  # nothing but blank lines since the last code block

    def code(self, lines: list[str], first_line: int, *, inline: bool = False,
             line_map: list[int] | None = None,
             flat_claims: list[tuple[int, str, str]] | None = None,
             magics: bool = False) -> None:
        """Add a code block (a doctest block when it holds ``>>>`` examples).

        ``magics``: notebook-style code, whose shell commands are recorded as not run.
        """
        line_map = line_map or list(range(first_line, first_line + len(lines)))
        text = "\n".join(lines)
        if any(ln.lstrip().startswith(">>>") for ln in lines):
            block = doctest_block(self.file, textwrap.dedent(text), first_line,
                                  line_of=lambda off: line_map[min(off, len(line_map) - 1)])
        else:
            block = make_block(self.file, lines, line_map, inline=inline,
                               flat_claims=flat_claims, magics=magics)
            if magics:
                self.unrun.extend(shell_lines(lines, line_map))
        if block is not None:
            self.blocks.append(block)
            self.adjacent = True
        self.marker = False

    def output(self, lines: list[str], first_line: int, *, labelled: bool) -> bool:
        """Attach an output block if a marker or its placement says it is output.

        Returns whether it was attached; output that was announced or reads as output but
        cannot attach is recorded as an orphan.
        """
        target = self.blocks[-1] if self.blocks else None
        text = textwrap.dedent("\n".join(ln.rstrip() for ln in lines).strip("\n"))
        announced = self.marker or (labelled and self.adjacent)
        attached = False
        if target is not None and target.kind == "code" and text.strip() and announced:
            target.claims.append(Claim(self.file, first_line, "output-block", text, target.line,
                                       cell=target.cell, expect_error=_raised(text, target)))
            attached = True
        elif text.strip() and (announced or looks_like_output(lines)):
            self.orphan(text, first_line, self._orphan_why(target, announced))
        self.marker = False
        self.adjacent = False
        return attached

    def orphan(self, text: str, first_line: int, why: str) -> None:
        """Record an output-looking region that no code block can claim."""
        self.orphans.append(Orphan(first_line, text, why))

    @staticmethod
    def _orphan_why(target: Block | None, announced: bool) -> str:
        if target is None:
            return "output before any code block"
        if target.kind != "code":
            return "output after a doctest, whose examples carry their own output"
        if not announced:
            return "not right after a code block and not announced as output"
        return "empty code block"

    def document(self, fmt: str) -> Document:
        """The document read so far, with its orphan outputs and unrun lines."""
        return Document(self.file, fmt, self.blocks, display=self.display, orphans=self.orphans,
                        unrun=self.unrun)

    def prose(self, line: str) -> None:
        if not line.strip():
            return
        self.adjacent = False
        self.marker = is_marker(line)
