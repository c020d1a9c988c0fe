"""Saved HTML pages: code in ``<pre>`` (and multi-line ``<code>``, and ``<div>`` s that are code
blocks without a ``<pre>``: runoob's ``hl-main``, SyntaxHighlighter), and the output after it.

Where a ``<pre>`` sits says what it is: inside a Jupyter export's input area (classic nbconvert
``div.input_area``, JupyterLab ``jp-InputArea``), a highlighted Python block (``language-python``,
pygments ``div.highlight-python``) it is code; inside an output area (``div.output_area``,
``jp-OutputArea-output``, Quarto's ``cell-output``, ``pre.output``, sphinx-gallery's
``sphx-glr-script-out``) it is output, one claim per output of a notebook cell. An unlabelled
``<pre>`` is output when a marker ("Output:", "输出：") announced it or when it reads as output,
and only then, if it reads as Python, code. Prompts (``In [3]:``), line-number gutters and copy
buttons are neither.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from recipes.checker.model import Document, UsageError
from recipes.checker.parse.blocks import Builder, looks_like_output, looks_like_python

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}
_PROSE_BREAK = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "td",
                "th", "dt", "dd", "blockquote", "table", "ul", "ol"}
# Text that is chrome, not content: prompts, line-number gutters, copy buttons.
_CHROME = re.compile(r"\b(?:\w*prompt\w*|linenos?|linenodiv|lineno|copybtn|copy-button"
                     r"|headerlink|gutter)\b", re.IGNORECASE)
# A ``<div>`` that is itself a code block, its lines highlighted with ``<span>`` s or ``<div
# class="line">`` s and no ``<pre>``: runoob's ``hl-main``, SyntaxHighlighter, pandoc's
# ``sourceCode``. Only a whole class name counts (``code-explanation`` is prose), and only text
# that reads as code or output (a note styled ``highlight`` stays prose).
_CODE_DIV = re.compile(
    r"^(?:hl-main|highlight|code|sourceCode|sourcecode|syntaxhighlighter|codehilite|prettyprint"
    r"|code-?block|example_code)$"
)
_LINE_BREAK = {"div", "p", "tr", "li"}
_CELL = re.compile(r"\b(?:code_cell|jp-CodeCell|nbinput|jupyter_cell|cell)\b")
# Containers that hold one output, or a block in a language that is not Python; on the element
# itself, a plainer class says it too (``<pre class="output">``).
_OUTPUT_AREA = re.compile(
    r"\b(?:output_area|output_subarea|output_text|output_stream|output_result|output_error"
    r"|output_execute_result|jp-OutputArea(?:-output|-child)?|jp-RenderedText|cell_output"
    r"|cell-output(?:-stdout|-display|-error)?"
    r"|nboutput|sphx-glr-script-out|highlight-(?:none|text|output|console))\b"
)
_OUTPUT_OWN = re.compile(
    r"\b(?:output|stdout|result|out|language-(?:text|none|output|plaintext|console))\b"
)
_STDERR = re.compile(r"\b(?:output_stderr|stderr)\b|application/vnd\.jupyter\.stderr")
_INPUT_AREA = re.compile(
    r"\b(?:input_area|jp-InputArea(?:-editor)?|cell_input|nbinput"
    r"|highlight-(?:python|py|pycon|ipython|default)\d?|hl-(?:python|ipython)\d?)\b"
)
_PYTHON_LANG = re.compile(r"\b(?:language-|lang-|highlight-|hl-)?(?:python|py|pycon|ipython)\d?\b")


@dataclass
class _Pre:
    """A ``<pre>`` (or multi-line ``<code>``): its text, first line, and where it sits."""

    text: str
    line: int
    own: str  # classes of the element and its ``<code>``
    context: str  # classes of every enclosing element, and its data-mime-type
    cell: int | None  # the enclosing notebook cell, if any
    container: bool = False  # a ``<div>`` holding code as highlighted text, not a ``<pre>``


class _HTMLCollector(HTMLParser):
    """Collects ``<pre>`` blocks and the prose lines between them, with their lines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[_Pre | tuple[str, int]] = []
        self._stack: list[tuple[str, str, int]] = []  # (tag, classes, element id)
        self._next_id = 0
        self._pre: _Pre | None = None
        self._pre_tag = ""
        self._pre_id = -1  # the element whose end closes the block
        self._buf: list[str] = []
        self._prose: list[str] = []
        self._prose_line = 1

    def _context(self) -> str:
        return " ".join(classes for _, classes, _ in self._stack)

    def _skipping(self) -> bool:
        return any(tag in ("script", "style", "button") or _CHROME.search(classes)
                   for tag, classes, _ in self._stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {"class", "data-mime-type"}
        classes = " ".join(v or "" for k, v in attrs if k in names)
        if tag == "br":
            (self._buf if self._pre else self._prose).append("\n")
            return
        if tag in _VOID:
            return
        if self._pre is not None and self._pre.container and tag == "pre" \
                and not "".join(self._buf).strip():
            self._pre = None  # the <div> only wraps a <pre> (pygments): the <pre> is the block
        if self._pre is None and (tag in ("pre", "code") or (
                tag == "div" and any(_CODE_DIV.match(c) for c in classes.split()))):
            self._flush_prose()
            cell = next((eid for _, c, eid in reversed(self._stack) if _CELL.search(c)), None)
            self._pre = _Pre("", 0, classes, self._context(), cell, container=tag == "div")
            self._pre_tag, self._pre_id, self._buf = tag, self._next_id, []
        elif self._pre is not None and tag == "code":
            self._pre.own += " " + classes
        elif self._pre is not None and self._pre.container and tag in _LINE_BREAK:
            text = "".join(self._buf)
            if text.strip() and not text.endswith("\n"):
                self._buf.append("\n")  # one <div class="line"> per line of code
        elif self._pre is None and tag in _PROSE_BREAK:
            self._flush_prose()
        self._stack.append((tag, classes, self._next_id))
        self._next_id += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID or not any(t == tag for t, _, _ in self._stack):
            return
        closed = []
        while self._stack:
            popped, _, eid = self._stack.pop()
            closed.append(eid)
            if popped == tag:
                break
        if self._pre is not None and self._pre_id in closed:
            self._end_pre()
        elif self._pre is None and tag in _PROSE_BREAK:
            self._flush_prose()

    def handle_data(self, data: str) -> None:
        if self._skipping():
            return
        if self._pre is not None:
            if self._pre.container and not "".join(self._buf).strip():
                if not data.strip():
                    return  # the markup's own indentation before the first line of code
                self._buf = []
            if not self._pre.line:
                line = self.getpos()[0]
                if not "".join(self._buf) and data.startswith("\n"):
                    data = data[1:]
                    line += 1
                if data:
                    self._pre.line = line
            self._buf.append(data)
        else:
            if not "".join(self._prose).strip():
                self._prose_line = self.getpos()[0]
            self._prose.append(data)

    def _end_pre(self) -> None:
        pre, text = self._pre, "".join(self._buf)
        self._pre, self._buf = None, []
        if pre is None:
            return
        if self._pre_tag == "code" and "\n" not in text.strip():
            self._prose.append(text)  # inline code is part of a sentence
            return
        if not text.strip():
            return  # a prompt's <pre> (nbsphinx's "[3]:"), whose text is chrome
        if pre.container:
            text = text.replace("\xa0", " ")
            lines = text.rstrip("\n").split("\n")
            if not (looks_like_python(lines) or looks_like_output(lines)):
                self._prose.append(text)  # a box styled like code that holds prose
                self._flush_prose()
                return
        pre.text, pre.line = text, pre.line or self.getpos()[0]
        self.items.append(pre)

    def _flush_prose(self) -> None:
        text = "".join(self._prose)
        for k, ln in enumerate(text.split("\n")):
            if ln.strip():
                self.items.append((ln.strip(), self._prose_line + k))
        self._prose = []

    def close(self) -> None:
        super().close()
        self._flush_prose()


def read(text: str, file: str) -> Document:
    """Read a saved HTML page."""
    collector = _HTMLCollector()
    try:
        collector.feed(text)
        collector.close()
    except Exception as err:  # HTMLParser is lenient; this is a last resort
        raise UsageError(f"{file}: cannot parse HTML ({err})") from err
    b = Builder(file)
    code_cell: int | None = None  # the notebook cell of the last code block
    for item in collector.items:
        if isinstance(item, tuple):
            b.prose(item[0])
            continue
        lines = item.text.rstrip("\n").split("\n")
        where = f"{item.own} {item.context}"
        if _STDERR.search(where) and not re.search(r"Traceback|\w+Error:", item.text):
            continue  # warnings on stderr: no claim about the code's output
        python = _PYTHON_LANG.search(item.own)
        if item.cell is not None:
            b.display = "ipython"  # a notebook export shows values as Jupyter does
        if not python and (_OUTPUT_AREA.search(where) or _OUTPUT_OWN.search(item.own)):
            if item.cell is not None and item.cell == code_cell:
                b.marker = True  # each output of a notebook cell is a claim about that cell
            b.output(lines, item.line, labelled=True)
        elif _INPUT_AREA.search(item.context) or (python and not looks_like_output(lines)):
            b.code(lines, item.line)
            code_cell = item.cell
        elif python:  # output pasted into a block labelled Python: shown, never run
            b.output(lines, item.line, labelled=True)
        elif b.marker or looks_like_output(lines):
            b.output(lines, item.line, labelled=True)
        elif looks_like_python(lines):
            b.code(lines, item.line)
            code_cell = item.cell
        else:
            b.adjacent = b.marker = False
    return b.document("html")
