"""reStructuredText: code directives, ``::`` literal blocks and doctest blocks, and the output
shown after them.

Code comes from ``.. code-block:: python`` (also ``code``, ``sourcecode``, sphinx.ext.doctest's
``testcode`` and ``doctest``, jupyter-sphinx's ``jupyter-execute``), from literal blocks that read
as Python and from ``>>>`` paragraphs. Output is ``.. testoutput::``, a ``none``, ``text`` or
``console`` block right after code, or a literal block announced by "Output::" / "输出::" or
placed right after code (an expanded ``::`` paragraph) that reads as output.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

from recipes.checker.model import Document, Unrun
from recipes.checker.parse.blocks import Builder, looks_like_output, looks_like_python

_DIRECTIVE = re.compile(r"^(\s*)\.\.\s+([\w:.-]+)::(?:\s+(.*?))?\s*$")
_OPTION = re.compile(r"^\s*:[\w-]+:")
_CODE_DIRECTIVES = {"code-block", "code", "sourcecode", "testcode", "jupyter-execute",
                    "doctest"}
_PY_LANGS = {"python", "py", "python3", "py3", "ipython", "ipython3", "pycon", "default"}
_OUT_LANGS = {"none", "text", "txt", "output", "console", "plaintext", "pytb", "out"}
# The comment of an rst file is ``..`` followed by anything that is not a directive or a target.
_COMMENT = re.compile(r"^(\s*)\.\.(?:\s|$)(?!\s*[\w:.-]+::)(?!\s*_)(?!\s*\[)(?!\s*\|)")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


@dataclass
class _Body:
    """An indented body: its lines from the first non-blank one, and the index after it."""

    lines: list[str]
    start: int  # index of the first body line
    end: int  # index after the last body line


def _body(lines: list[str], j: int, outer: int) -> _Body:
    """The block indented deeper than ``outer`` that starts at (or after blank lines from) ``j``."""
    n = len(lines)
    while j < n and not lines[j].strip():
        j += 1
    start = j
    while j < n and (not lines[j].strip() or _indent(lines[j]) > outer):
        j += 1
    end = j
    while end > start and not lines[end - 1].strip():
        end -= 1
    return _Body(lines[start:end], start, end)


def read(text: str, file: str) -> Document:
    """Read a reStructuredText page."""
    b = Builder(file)
    feed(b, text.split("\n"), 0)
    return b.document("rst")


def feed(b: Builder, lines: list[str], offset: int, *, run_code: bool = True) -> None:
    """Read rst ``lines`` into ``b``; line ``k`` (0-based) is line ``offset + k + 1`` of the file.

    ``run_code=False`` (rst prose inside a script, as sphinx-gallery writes it) keeps code shown
    in the prose as not run, and still reads the output shown there.
    """
    reader = _Reader(b, lines, offset, run_code)
    reader.run()


class _Reader:
    def __init__(self, b: Builder, lines: list[str], offset: int, run_code: bool) -> None:
        self.b = b
        self.lines = lines
        self.offset = offset
        self.run_code = run_code
        self.shown_code = False  # code shown but not run came last: its output claims nothing

    def run(self) -> None:
        lines = self.lines
        i = 0
        while i < len(lines):
            line = lines[i]
            if not line.strip():
                i += 1
                continue
            directive = _DIRECTIVE.match(line)
            if directive:
                i = self._directive(i, directive)
                continue
            comment = _COMMENT.match(line)
            if comment:  # a comment and the lines indented under it are never shown
                i = max(_body(lines, i + 1, _indent(line)).end, i + 1)
                continue
            if line.lstrip().startswith(">>>"):
                j = i
                while j < len(lines) and lines[j].strip():
                    j += 1
                self._code(lines[i:j], i)
                i = j
                continue
            i = self._paragraph(i)

    def _paragraph(self, i: int) -> int:
        """Prose up to a blank line; a paragraph ending in ``::`` introduces a literal block."""
        lines = self.lines
        j = i
        while j < len(lines) and lines[j].strip() and not _DIRECTIVE.match(lines[j]):
            j += 1
        last = lines[j - 1].rstrip()
        for k in range(i, j - 1):
            self.b.prose(lines[k])
        if not last.endswith("::"):
            self.b.prose(last)
            return j
        shown = last[:-2].rstrip()
        if shown:  # "Output::" shows "Output:", "Output ::" shows "Output"
            self.b.prose(shown + ":" if not last[:-2].endswith(" ") else shown)
        body = _body(lines, j, _indent(lines[i]))
        if not body.lines or body.start == j:  # no blank line, no literal block
            return j
        self._literal(body)
        return body.end

    def _literal(self, body: _Body) -> None:
        if self.b.marker:
            self._output(body.lines, body.start, labelled=False)
        elif body.lines[0].lstrip().startswith(">>>"):
            self._code(body.lines, body.start)
        elif looks_like_output(body.lines):
            self._output(body.lines, body.start, labelled=True)
        elif looks_like_python(body.lines):
            self._code(body.lines, body.start)
        else:
            self._other()

    def _directive(self, i: int, m: re.Match[str]) -> int:
        name = m.group(2).lower()
        arg = (m.group(3) or "").strip().lower()
        outer = len(m.group(1))
        j = i + 1
        while j < len(self.lines) and self.lines[j].strip() and _OPTION.match(self.lines[j]) \
                and _indent(self.lines[j]) > outer:
            j += 1
        if name not in _CODE_DIRECTIVES and name != "testoutput":
            self.b.prose(self.lines[i])  # other directives hold prose: read their body as such
            return j
        body = _body(self.lines, j, outer)
        if not body.lines:
            return max(j, body.end)
        if name == "testoutput" or (self.b.marker and arg not in _PY_LANGS):
            # "Output:" then a block in any language but Python (``sh``, as tutorials often
            # write it): the marker says what it is
            self.b.marker = True
            self._output(body.lines, body.start, labelled=True)
        elif name in ("testcode", "doctest", "jupyter-execute"):
            self._code(body.lines, body.start)
        elif arg in _PY_LANGS and not body.lines[0].lstrip().startswith(">>>") \
                and looks_like_output(body.lines):
            # output pasted into a block labelled Python: shown, never run
            self._output(body.lines, body.start, labelled=True)
        elif arg in _PY_LANGS:
            self._code(body.lines, body.start)
        elif arg in _OUT_LANGS:
            self._output(body.lines, body.start, labelled=True)
        elif not arg and looks_like_output(body.lines):
            self._output(body.lines, body.start, labelled=True)
        elif not arg and looks_like_python(body.lines):
            self._code(body.lines, body.start)
        else:
            self._other()
        return body.end

    def _code(self, lines: list[str], start: int) -> None:
        first = self.offset + start + 1
        if self.run_code:
            self.b.code(lines, first)
            return
        self.b.unrun.append(Unrun(first, lines[0].strip(), "code shown in the prose of a "
                                  "sphinx-gallery script, which sphinx-gallery does not run"))
        self.shown_code = True
        self.b.adjacent = False
        self.b.marker = False

    def _output(self, lines: list[str], start: int, *, labelled: bool) -> None:
        first = self.offset + start + 1
        if self.shown_code:
            self.b.orphan(textwrap.dedent("\n".join(lines)).strip("\n"), first,
                          "output of code shown in prose, which is not run")
            self.b.adjacent = self.b.marker = False
            return
        self.b.output(lines, first, labelled=labelled)

    def _other(self) -> None:
        """A block in another language (shell, YAML): neither code to run nor output."""
        self.b.adjacent = False
        self.b.marker = False
