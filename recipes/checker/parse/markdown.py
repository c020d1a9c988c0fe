"""Markdown: fenced and indented code, and the output regions that follow it.

Output is told from code by where it stands and how it is labelled, never by whether it parses
(``tensor([5.])`` parses): an output fence (no language, ``text``, ``output``, ``console``) right
after a code fence; any block after a marker line ("Output:", "输出："); a block indented by four
spaces right after a code fence (Jupyter's Markdown export); a ``>`` quote right after a code
fence; ``Out[3]:`` in an IPython transcript; the wanted output of a ``>>>`` session; notedown's
``{.json .output}`` fence of stored notebook outputs (Dive into Deep Learning).
"""

from __future__ import annotations

import ast
import builtins
import json
import re
from dataclasses import dataclass

from recipes.checker.model import Document, Unrun
from recipes.checker.parse.blocks import Builder, looks_like_output, looks_like_python
from recipes.checker.parse.markers import SHELL_CELL, SHELL_LINE, inline_output
from recipes.checker.parse.notebook import output_claims

_PY_LANGS = {"python", "py", "python3", "py3", "ipython", "ipython3", "pycon", "pyodide"}
_OUT_LANGS = {"text", "txt", "output", "out", "console", "plaintext", "plain", "none",
              "result", "stdout", "log", "shell-session", "pytb"}
_MAGIC = re.compile(r"^\s*[%!]")
_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*\{?\.?([\w+-]*)\}?.*$")
# notedown's Markdown (Dive into Deep Learning): a cell's stored outputs as a JSON list in a
# fence of class ``output`` (```` ```{.json .output n=31} ````) right after its input fence.
_NOTEDOWN_OUTPUT = re.compile(r"^\s*(?:`{3,}|~{3,})\s*\{[^}]*\.output\b[^}]*\}\s*$")
_QUOTE = re.compile(r"^ {0,3}>")
_IN_PROMPT = re.compile(r"^In\s*\[\d*\]:\s?(.*)$")
_CONTINUATION = re.compile(r"^\s*\.\.\.+:\s?(.*)$")
_OUT_PROMPT = re.compile(r"^Out\s*\[\d*\]:\s?(.*)$")
_TRANSCRIPT_LABEL = re.compile(r"^\s*(?:In|Out)\s*\[\d+\]:\s*$")
# A quote right after code that reads as an aside, not output: a note, emphasis, a link,
# inline code, or sentences.
_ASIDE = re.compile(
    r"^\s*(?:\*\*|__|\[!|(?:note|tip|hint|warning|caution|important|注意|提示|警告|说明|注|小贴士"
    r"|补充|技巧)\b\s*[:：]?)|\]\(|`|[。！？；]|^(?:\W*[A-Za-z]+\b){6,}.*[.!?]\s*$",
    re.IGNORECASE,
)


@dataclass
class _Region:
    """Lines of one Markdown construct: their text (prefixes removed) and their file lines."""

    lines: list[str]
    first: int  # file line of lines[0]
    end: int  # index of the next unread line
    lang: str = ""  # the language of a fence inside a quote


def read(text: str, file: str) -> Document:
    """Read a Markdown page."""
    lines = text.split("\n")
    b = Builder(file)
    i = 0
    fence_indent = 0
    prev_blank = True
    other_tab = False  # the last fence was another framework's d2l tab: its outputs go with it
    while i < len(lines):
        line = lines[i]
        # an indented block right after a fenced one is measured from the fence's indentation
        base = fence_indent if b.adjacent else 0
        if fence := _FENCE.match(line):
            region = _fenced(lines, i, fence)
            stored = _stored_outputs(region.lines) if _NOTEDOWN_OUTPUT.match(line) else None
            lang = fence.group(3).lower()
            skip, other_tab = other_tab, False
            if stored is not None:
                if not skip:
                    _notedown_outputs(b, region, stored)
            elif lang in _PY_LANGS and (tab := _d2l_tab(region)) is not None:
                other_tab = not tab
                first = region.lines[0].strip()
                if tab:  # the %%tab line is d2lbook's, not a magic the kernel knows
                    body = [("# " + first) if first.startswith("%") else first]
                    _fence_region(b, _Region(body + region.lines[1:], region.first, region.end),
                                  lang)
                else:
                    why = ("d2l's framework selection" if _D2L_SELECT.match(first)
                           else "another framework's tab (d2l)")
                    b.unrun.append(Unrun(region.first, first, why + ", not run"))
                    b.prose("x")
            else:
                _fence_region(b, region, lang)
            fence_indent = len(fence.group(1))
        elif prev_blank and _indented(line, base):
            region = _indented_region(lines, i, base)
            _indented_block(b, region)
        elif line.lstrip().startswith(">>>"):  # a session pasted as text (Markdown quotes it)
            region = _session_region(lines, i)
            b.code(region.lines, region.first)
        elif (prompt := _IN_PROMPT.match(line)) and prompt.group(1).strip():
            region = _transcript_region(lines, i)  # a transcript pasted as text
            _transcript(b, region)
        elif _QUOTE.match(line):
            region = _quoted(lines, i)
            _quote_block(b, region)
        elif looks_like_output([line]) and looks_like_output((para := _paragraph(lines, i)).lines):
            region = para  # output written as a plain paragraph, fenced by nothing
            b.output(region.lines, region.first, labelled=True)
        else:
            _prose_line(b, line, i + 1)
            prev_blank = not line.strip()
            i += 1
            continue
        i, prev_blank = region.end, False
    return b.document("markdown")


def _prose_line(b: Builder, line: str, number: int) -> None:
    """A line of prose, which may announce output or show it ("Output: `tensor([1])`")."""
    if _TRANSCRIPT_LABEL.match(line):
        b.display = "ipython"
    shown = inline_output(line, in_sentence=b.adjacent)
    if shown is not None and looks_like_output([shown]):
        b.marker = True
        b.output([shown], number, labelled=True)
    else:
        b.prose(line)


# ---------------------------------------------------------------------------------------------
# Regions
# ---------------------------------------------------------------------------------------------


def _fenced(lines: list[str], i: int, fence: re.Match[str]) -> _Region:
    mark = fence.group(2)
    j = i + 1
    while j < len(lines) and not lines[j].strip().startswith(mark[0] * len(mark)):
        j += 1
    indent = len(fence.group(1))
    body = [ln[indent:] if not ln[:indent].strip() else ln.lstrip(" ") for ln in lines[i + 1 : j]]
    return _Region(body, i + 2, j + 1)


def _indented(line: str, base: int) -> bool:
    return bool(line.strip()) and (line.startswith(" " * (base + 4)) or line.startswith("\t"))


def _indented_region(lines: list[str], i: int, base: int) -> _Region:
    j = i
    while j < len(lines) and (not lines[j].strip() or _indented(lines[j], base)):
        j += 1
    while j > i and not lines[j - 1].strip():
        j -= 1
    cut = base + 4
    body = [ln[cut:] if ln.startswith(" " * cut) else ln.lstrip("\t") for ln in lines[i:j]]
    return _Region(body, i + 1, j)


def _paragraph(lines: list[str], i: int) -> _Region:
    j = i
    while j < len(lines) and lines[j].strip() and not _FENCE.match(lines[j]):
        j += 1
    return _Region(lines[i:j], i + 1, j)


def _session_region(lines: list[str], i: int) -> _Region:
    j = i
    while j < len(lines) and lines[j].strip() and not _FENCE.match(lines[j]):
        j += 1
    return _Region(lines[i:j], i + 1, j)


def _transcript_region(lines: list[str], i: int) -> _Region:
    """Lines of an unfenced ``In [n]:`` transcript: up to a blank line not followed by a prompt."""
    j = i
    while j < len(lines) and not _FENCE.match(lines[j]):
        if not lines[j].strip():
            nxt = next((ln for ln in lines[j:] if ln.strip()), "")
            if not _IN_PROMPT.match(nxt):
                break
        j += 1
    return _Region(lines[i:j], i + 1, j)


def _quoted(lines: list[str], i: int) -> _Region:
    j = i
    while j < len(lines) and _QUOTE.match(lines[j]):
        j += 1
    body = [re.sub(r"^ {0,3}>", "", ln) for ln in lines[i:j]]
    if all(ln.startswith(" ") for ln in body if ln.strip()):  # "> x": the space is the quote's
        body = [ln[1:] for ln in body]
    first = i + 1
    while body and not body[0].strip():  # ">" lines opening the quote
        body, first = body[1:], first + 1
    inner = _FENCE.match(body[0]) if body else None
    if inner:  # a fence inside the quote: its body is the region
        close = next((k for k in range(len(body) - 1, 0, -1)
                      if body[k].strip().startswith(inner.group(2))), len(body))
        body, first = body[1:close], first + 1
    while body and not body[-1].strip():
        body = body[:-1]
    return _Region(body, first, j, inner.group(3).lower() if inner else "")


# ---------------------------------------------------------------------------------------------
# Deciding what a region is
# ---------------------------------------------------------------------------------------------


def _fence_region(b: Builder, region: _Region, lang: str) -> None:
    body = region.lines
    if lang in _PY_LANGS or lang == "":
        if any(_IN_PROMPT.match(ln) for ln in body):
            _transcript(b, region)
            return
        if any(ln.lstrip().startswith(">>>") for ln in body):
            b.code(body, region.first)
            return
    if lang in _PY_LANGS and body and SHELL_CELL.match(body[0]):
        b.unrun.append(Unrun(region.first, body[0].strip(), "shell cell, not run"))
        b.prose("x")
    elif lang in _PY_LANGS and _shows_output(b, body):
        _unlabelled(b, region, after_code_is_output=True)  # highlighted as Python, shows output
    elif lang in _PY_LANGS and len(parts := _pasted_outputs(body, _trees(b))) > 1:
        for start, end, is_output in parts:
            if is_output:
                b.output(body[start:end], region.first + start, labelled=True)
            else:
                b.code(body[start:end], region.first + start)
    elif lang in _PY_LANGS:
        b.code(body, region.first, magics=any(_MAGIC.match(ln) for ln in body))
    elif any(SHELL_LINE.match(ln) for ln in body):
        _shell_session(b, region)
    elif lang in _OUT_LANGS:
        b.output(body, region.first, labelled=True)
    elif lang == "":
        _unlabelled(b, region, after_code_is_output=not looks_like_python(body))
    elif looks_like_output(body):  # blogs highlight output as bash, cpp...: it reads as output
        _unlabelled(b, region, after_code_is_output=True)
    else:
        b.prose("x")  # another language (bash, json): neither code nor output of the page
        b.marker = False


# d2l's multi-framework source: ``%%tab pytorch`` (``#@tab pytorch`` in older books) opens a
# cell written for the frameworks named; ``%load_ext d2lbook.tab`` selects them.
_D2L_TAB = re.compile(r"^\s*(?:%%tab|#\s*@tab)\s+(\S.*)$")
_D2L_SELECT = re.compile(r"^\s*(?:%load_ext\s+d2lbook\.tab|tab\.interact_select\(.*\))\s*$")


def _d2l_tab(region: _Region) -> bool | None:
    """For a fence that opens with a d2l tab line: whether it is PyTorch's (or all frameworks');
    ``None`` when the fence is no d2l tab. The fence that selects the frameworks is no one's."""
    body = region.lines
    if body and all(_D2L_SELECT.match(ln) for ln in body if ln.strip()):
        return False
    tab = _D2L_TAB.match(body[0]) if body else None
    if tab is None:
        return None
    names = set(re.split(r"[\s,]+", tab.group(1).strip().lower()))
    return bool(names & {"pytorch", "torch", "all"})


def _stored_outputs(body: list[str]) -> list[dict] | None:
    """The nbformat outputs a notedown output fence holds, or ``None`` when it holds none."""
    try:
        outputs = json.loads("\n".join(body))
    except ValueError:
        return None
    if not isinstance(outputs, list) or not all(
        isinstance(out, dict) and "output_type" in out for out in outputs
    ):
        return None
    return outputs


_TEXT_KEY = re.compile(r'^\s*"(?:text|text/plain|ename|evalue|traceback)"\s*:')


def _notedown_outputs(b: Builder, region: _Region, outputs: list[dict]) -> None:
    """A notedown output fence: one claim per stored output that shows text, as a notebook's
    (stderr and pictures are no claims), about the input fence right before it. The first
    output starts on the fence's first line; a later one on the line where its text starts."""
    b.display = "ipython"  # the outputs are what a Jupyter kernel displayed
    target = b.blocks[-1] if b.blocks and b.adjacent else None
    claims = output_claims(b.file, None, target.line if target else 0, outputs)
    if target is None or target.kind != "code":
        for claim in claims:
            b.orphan(claim.text or claim.expect_error or "", region.first,
                     "stored outputs not right after an input fence")
        b.prose("x")
        return
    starts = _object_rows(region.lines)
    for claim in claims:
        k = (claim.output or 1) - 1
        row = 0
        if k > 0 and k < len(starts):
            end = starts[k + 1] if k + 1 < len(starts) else len(region.lines)
            row = next((r for r in range(starts[k], end) if _TEXT_KEY.match(region.lines[r])),
                       starts[k])
        claim.line = region.first + row
        target.claims.append(claim)
    b.marker = b.adjacent = False


def _object_rows(body: list[str]) -> list[int]:
    """The row where each top-level object of a JSON list opens."""
    rows: list[int] = []
    depth, quoted, escaped = 0, False, False
    for r, line in enumerate(body):
        for ch in line:
            if quoted:
                quoted = not (ch == '"' and not escaped)
                escaped = ch == "\\" and not escaped
            elif ch == '"':
                quoted, escaped = True, False
            elif ch in "[{":
                depth += 1
                if depth == 2 and ch == "{":
                    rows.append(r)
            elif ch in "]}":
                depth -= 1
    return rows


def _shows_output(b: Builder, body: list[str]) -> bool:
    """Whether a fence labelled Python holds output: reprs only, or, announced or right after
    code, text that is not Python at all (``Epoch 1 loss 0.25``)."""
    if looks_like_output(body):
        return True
    if not (b.marker or b.adjacent) or looks_like_python(body):
        return False
    try:
        ast.parse("\n".join(body))
    except (SyntaxError, ValueError):
        return not any(_MAGIC.match(ln) for ln in body)
    return False


def _shell_session(b: Builder, region: _Region) -> None:
    """Shell commands (``$ python train.py``, ``pip install``) and what they print: not this
    page's Python, and not the output of its last block; reported when it shows output."""
    if b.marker or b.adjacent or looks_like_output(region.lines):
        b.orphan("\n".join(region.lines), region.first,
                 "a shell session: its output comes from the command, not from a code block")
    b.prose("x")
    b.marker = False


def _unlabelled(b: Builder, region: _Region, *, after_code_is_output: bool) -> None:
    """An unlabelled region: output when announced or right after code, else code or prose.

    Output-looking text that is neither announced nor right after code is an orphan, never
    code. A marker announces output unless the region reads as code and not as output: prose
    ending in "prints:" or "输出：" also introduces the code that prints.
    """
    body = region.lines
    output_like = looks_like_output(body) or _echoes_prints(b, body)
    announced = b.marker and (output_like or not looks_like_python(body))
    if announced or (b.adjacent and (output_like or after_code_is_output)):
        b.output(body, region.first, labelled=True)
    elif output_like:
        b.output(body, region.first, labelled=False)
    elif looks_like_python(body):
        b.code(body, region.first)
    else:
        b.prose("x")


def _echoes_prints(b: Builder, body: list[str]) -> bool:
    """Whether every line of ``body`` starts with a label the last code block prints
    (``print(f"loss = {loss:.4f}")`` then ``loss = 31.1613``): output that happens to parse."""
    tree = b.blocks[-1].tree if b.blocks else None
    if tree is None:
        return False
    labels = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == "print" and node.args):
            first = node.args[0]
            if isinstance(first, ast.JoinedStr) and first.values:
                first = first.values[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                label = first.value.split("\n")[0].strip()
                if len(label) >= 2 and not label.isidentifier():
                    labels.add(label)
    rows = [ln.strip() for ln in body if ln.strip()]
    return bool(rows and labels) and all(row.startswith(tuple(labels)) for row in rows)


def _indented_block(b: Builder, region: _Region) -> None:
    """An indented block: right after a code fence it is that fence's output (Jupyter export)."""
    body = region.lines
    if any(ln.lstrip().startswith(">>>") for ln in body) and not b.marker:
        b.code(body, region.first)
        return
    if b.adjacent and not b.marker:
        b.display = "ipython"  # Jupyter's export: the outputs are what a notebook displayed
    elif split := _output_tail(body):
        b.code(body[:split], region.first)
        region = _Region(body[split:], region.first + split, region.end)
    _unlabelled(b, region, after_code_is_output=True)


def _output_tail(body: list[str]) -> int:
    """Where an indented block of code is followed, after a blank line, by its output (the
    classic Markdown style indents both): the index of the output's first line, or 0."""
    for k in range(1, len(body)):
        if body[k].strip() and not body[k - 1].strip() and looks_like_output(body[k:]):
            head = body[:k]
            return k if looks_like_python(head) and not looks_like_output(head) else 0
    return 0


def _trees(b: Builder) -> list[ast.Module]:
    return [block.tree for block in b.blocks if block.tree is not None]


def _pasted_outputs(body: list[str], earlier: list[ast.Module]) -> list[tuple[int, int, bool]]:
    """A Python fence cut where output was pasted between its statements (``print(x)`` then
    ``tensor([1, 2])``): (start, end, is output) spans. Output is a run of unindented lines
    after code that reads as output and would fail as code: it does not parse, or it names what
    neither the code above nor the ``earlier`` blocks define (``tensor`` never imported)."""
    parts: list[tuple[int, int, bool]] = []
    start = k = 0
    while k < len(body):
        end = _output_run(body, k, earlier) if k > start and not body[k][:1].isspace() else k
        if end > k:
            parts += [(start, k, False), (k, end, True)]
            start = k = end
        else:
            k += 1
    if start < len(body):
        parts.append((start, len(body), False))
    return [p for p in parts if any(ln.strip() for ln in body[p[0] : p[1]])]


def _output_run(body: list[str], k: int, earlier: list[ast.Module]) -> int:
    """The end of the longest run of output lines from ``k`` that cannot be code, or ``k``."""
    head = body[:k]
    if not looks_like_python(head) or looks_like_output(head):
        return k
    for end in range(len(body), k, -1):
        tail = body[k:end]
        if looks_like_output(tail) and not _runs(tail, head, earlier):
            return end
    return k


def _runs(tail: list[str], head: list[str], earlier: list[ast.Module]) -> bool:
    """Whether ``tail`` parses and uses only names defined by ``head``, the ``earlier`` blocks
    or the builtins."""
    try:
        tail_tree = ast.parse("\n".join(tail))
        trees = [*earlier, ast.parse("\n".join(head))]
    except (SyntaxError, ValueError):
        return False
    defined = set(dir(builtins))
    for node in (n for tree in trees for n in ast.walk(tree)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            defined.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            if any(a.name == "*" for a in node.names):
                return True  # a star import may define anything
            defined.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(node.name)
    used = {n.id for n in ast.walk(tail_tree) if isinstance(n, ast.Name)}
    return used <= defined


def _quote_block(b: Builder, region: _Region) -> None:
    """A ``>`` quote: output when announced or right after code, unless it reads as an aside."""
    body = region.lines
    if region.lang in _PY_LANGS:  # quoted code is an aside: neither run nor output
        b.prose("x")
        return
    label = inline_output(body[0]) if body else None
    if label is not None:  # "> 输出：tensor([1, 2])": the label is not part of the output
        body = [label] + body[1:]
        b.marker = True
    aside = any(_ASIDE.search(ln) for ln in body)
    if b.marker or (b.adjacent and not aside) or (looks_like_output(body) and not aside):
        b.output(body, region.first, labelled=not aside)
        return
    for ln in body:
        b.prose(ln)


# ---------------------------------------------------------------------------------------------
# IPython transcripts: ``In [n]:`` code, its printed lines, ``Out[n]:`` value
# ---------------------------------------------------------------------------------------------


def _transcript(b: Builder, region: _Region) -> None:
    """Each ``In [n]:`` cell becomes a block; what follows it up to the next prompt, with the
    ``Out[n]:`` prompt removed, is its output."""
    b.display = "ipython"
    body = region.lines
    k = 0
    while k < len(body):
        start = _IN_PROMPT.match(body[k])
        if start is None:
            k += 1
            continue
        code, code_map = [start.group(1)], [region.first + k]
        k += 1
        while k < len(body) and (cont := _CONTINUATION.match(body[k])):
            code.append(cont.group(1))
            code_map.append(region.first + k)
            k += 1
        out, out_map = [], []
        while k < len(body) and not _IN_PROMPT.match(body[k]):
            shown = _OUT_PROMPT.match(body[k])
            text = shown.group(1) if shown else body[k]
            if text.strip() or out:
                out.append(text)
                out_map.append(region.first + k)
            k += 1
        while out and not out[-1].strip():
            out, out_map = out[:-1], out_map[:-1]
        if not any(ln.strip() for ln in code):
            if out:
                b.orphan("\n".join(out), out_map[0], "output of an empty In [n]: prompt")
            continue
        b.code(code, code_map[0], line_map=code_map,
               magics=any(_MAGIC.match(ln) for ln in code))
        if out:
            b.output(out, out_map[0], labelled=True)
