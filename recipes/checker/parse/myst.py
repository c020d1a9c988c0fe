"""MyST Markdown notebooks (Jupyter Book, jupytext's ``md:myst``): ``{code-cell}`` directives.

Only ``{code-cell}`` directives run, in one kernel, as a notebook's cells would: their leading
``:key: value`` lines and ``---`` YAML block are options, not code, and their source is IPython
(magics, ``!`` shell lines). An output shown after a cell (a ``text`` or unlabelled fence, a
``{code-block} text``, a block announced by "Output:" / "输出：") is a claim about it. A plain
```` ```python ```` fence is shown, not executed, by Jupyter Book, so it is listed as not run.
"""

from __future__ import annotations

import re

from recipes.checker.model import Document, Unrun
from recipes.checker.parse.blocks import (
    Builder,
    looks_like_output,
    looks_like_python,
    make_block,
    shell_lines,
)

_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,}|:{3,})\s*(?:\{([\w:-]+)\})?\s*([\w+.-]*)")
_CODE_CELL = re.compile(r"^\s*(`{3,}|~{3,})\s*\{code-cell\}", re.MULTILINE)
_OPTION = re.compile(r"^\s*:[\w-]+:")
_PY_LANGS = {"python", "py", "python3", "py3", "ipython", "ipython3", "pycon"}
_OUT_LANGS = {"", "text", "txt", "output", "out", "none", "console", "plaintext", "stdout",
              "result", "pytb"}
_CODE_DIRECTIVES = {"code-block", "code", "sourcecode"}


def is_myst(text: str) -> bool:
    """Whether a ``.md`` file is a MyST notebook: it holds a ```` ```{code-cell} ```` directive."""
    return _CODE_CELL.search(text) is not None


def _front_matter_end(lines: list[str]) -> int:
    if not lines or lines[0].strip() != "---":
        return 0
    close = next((k for k in range(1, len(lines)) if lines[k].strip() in ("---", "...")), None)
    return close + 1 if close is not None else 0


def _fence_end(lines: list[str], i: int, mark: str) -> int:
    """Index of the line closing the fence opened at ``i`` with ``mark`` (or the end)."""
    j = i + 1
    while j < len(lines):
        stripped = lines[j].strip()
        if stripped.startswith(mark[0] * len(mark)) and not stripped.strip(mark[0]):
            return j
        j += 1
    return j


def _cell_body(lines: list[str], start: int, end: int) -> tuple[int, list[str]]:
    """Skip a code cell's options: ``:tags: [...]`` lines, or a ``---`` YAML block."""
    k = start
    if k < end and lines[k].strip() == "---":
        close = next((j for j in range(k + 1, end) if lines[j].strip() == "---"), None)
        if close is not None:
            return close + 1, lines[k : close + 1]
    while k < end and _OPTION.match(lines[k]):
        k += 1
    return k, lines[start:k]


def read(text: str, file: str) -> Document:
    """Read a MyST Markdown notebook."""
    lines = text.split("\n")
    b = Builder(file)
    b.display = "ipython"
    i = _front_matter_end(lines)
    while i < len(lines):
        line = lines[i]
        fence = _FENCE.match(line)
        if fence and fence.group(2)[0] != ":" or fence and fence.group(3):
            i = _fenced(b, lines, i, fence)
            continue
        if line.startswith(("    ", "\t")) and line.strip() and (b.marker or b.adjacent):
            i = _indented(b, lines, i)
            continue
        if line.startswith(">") and b.adjacent:
            j = i
            while j < len(lines) and lines[j].startswith(">"):
                j += 1
            quoted = [re.sub(r"^> ?", "", ln) for ln in lines[i:j]]
            if looks_like_output(quoted):
                b.output(quoted, i + 1, labelled=True)
                i = j
                continue
        b.prose(line)
        i += 1
    return b.document("myst")


def _fenced(b: Builder, lines: list[str], i: int, fence: re.Match[str]) -> int:
    mark, directive, arg = fence.group(2), (fence.group(3) or "").lower(), fence.group(4).lower()
    end = _fence_end(lines, i, mark)
    indent = len(fence.group(1))
    if directive == "code-cell":
        _code_cell(b, lines, i + 1, end, arg, indent)
        return end + 1
    if directive and directive not in _CODE_DIRECTIVES:
        for ln in lines[i + 1 : end]:  # an admonition, a figure: prose
            b.prose(ln)
        return end + 1
    start, _ = _cell_body(lines, i + 1, end) if directive else (i + 1, [])
    body = [ln[indent:] if ln[:indent].isspace() else ln for ln in lines[start:end]]
    if arg in _OUT_LANGS and (arg or not looks_like_python(body) or looks_like_output(body)):
        b.output(body, start + 1, labelled=True)
    elif arg in _PY_LANGS or (not arg and looks_like_python(body)):
        first = next((k for k, ln in enumerate(body) if ln.strip()), None)
        if first is not None:
            b.unrun.append(Unrun(start + first + 1, body[first].strip(),
                                 "a plain code fence in a MyST notebook is shown, not executed"))
        b.adjacent = b.marker = False
    else:
        b.adjacent = b.marker = False
    return end + 1


def _code_cell(b: Builder, lines: list[str], start: int, end: int, lang: str,
               indent: int) -> None:
    body_start, options = _cell_body(lines, start, end)
    body = [ln[indent:] if ln[:indent].isspace() else ln for ln in lines[body_start:end]]
    line_map = list(range(body_start + 1, end + 1))
    first = next((k for k, ln in enumerate(body) if ln.strip()), None)
    if lang and lang not in _PY_LANGS or first is None:
        b.adjacent = b.marker = False
        return
    if any("skip-execution" in opt for opt in options):
        b.unrun.append(Unrun(line_map[first], body[first].strip(),
                             "cell tagged skip-execution"))
        b.adjacent = b.marker = False
        return
    block = make_block(b.file, body, line_map, magics=True)
    b.unrun.extend(shell_lines(body, line_map))
    if block is not None:
        b.blocks.append(block)
        b.adjacent = True
    b.marker = False


def _indented(b: Builder, lines: list[str], i: int) -> int:
    j = i
    while j < len(lines) and (not lines[j].strip() or lines[j].startswith(("    ", "\t"))):
        j += 1
    while j > i and not lines[j - 1].strip():
        j -= 1
    body = [ln[4:] if ln.startswith("    ") else ln[1:] for ln in lines[i:j]]
    if b.marker or looks_like_output(body):
        b.output(body, i + 1, labelled=True)
    else:
        b.adjacent = b.marker = False
    return j
