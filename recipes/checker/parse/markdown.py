"""Markdown: fenced and indented code, and the output regions that follow it."""

from __future__ import annotations

import re

from recipes.checker.model import Document
from recipes.checker.parse.blocks import Builder, looks_like_python

_PY_LANGS = {"python", "py", "python3", "py3", "ipython", "ipython3", "pycon", "pytb", "pyodide"}
_OUT_LANGS = {"", "text", "txt", "output", "out", "console", "plaintext", "plain", "none",
              "result", "stdout", "log"}
_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*\{?\.?([\w+-]*)\}?.*$")



def read(text: str, file: str) -> Document:
    """Read a Markdown page."""
    lines = text.split("\n")
    b = Builder(file)
    i = 0
    n = len(lines)
    prev_blank = True
    while i < n:
        line = lines[i]
        fence = _FENCE.match(line)
        if fence:
            mark = fence.group(2)
            lang = fence.group(3).lower()
            j = i + 1
            while j < n and not lines[j].strip().startswith(mark[0] * len(mark)):
                j += 1
            body = lines[i + 1 : j]
            indent = len(fence.group(1))
            body = [ln[indent:] if ln[:indent].isspace() else ln for ln in body]
            if lang in _PY_LANGS or (lang == "" and looks_like_python(body)):
                b.code(body, i + 2)
            elif lang in _OUT_LANGS:
                b.output(body, i + 2, labelled=lang != "")
            else:
                b.prose("x")
                b.marker = False
            i = j + 1
            prev_blank = False
            continue
        if prev_blank and (line.startswith("    ") or line.startswith("\t")) and line.strip():
            j = i
            while j < n and (not lines[j].strip() or lines[j].startswith(("    ", "\t"))):
                j += 1
            while j > i and not lines[j - 1].strip():
                j -= 1
            body = [ln[4:] if ln.startswith("    ") else ln.lstrip("\t") for ln in lines[i:j]]
            if b.marker:
                b.output(body, i + 1, labelled=True)
            elif looks_like_python(body):
                b.code(body, i + 1)
            else:
                b.prose("x")
            i = j
            prev_blank = False
            continue
        b.prose(line)
        prev_blank = not line.strip()
        i += 1
    return b.document("markdown")
