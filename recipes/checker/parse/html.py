"""Saved HTML pages: code in ``<pre>`` (and multi-line ``<code>``), output blocks after it."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from recipes.checker.model import Document, UsageError
from recipes.checker.parse.blocks import Builder, looks_like_python


class _HTMLCollector(HTMLParser):
    """Collects ``<pre>`` code (and multi-line ``<code>``) and the prose between, with lines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[tuple[str, str, int, str]] = []  # (kind, text, line, classes)
        self._pre_depth = 0
        self._code_depth = 0
        self._skip = 0
        self._buf: list[str] = []
        self._buf_line: int | None = None
        self._classes = ""
        self._prose: list[str] = []
        self._prose_line = 1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = " ".join(v or "" for k, v in attrs if k == "class")
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "pre":
            self._flush_prose()
            self._pre_depth += 1
            if self._pre_depth == 1:
                self._buf, self._buf_line, self._classes = [], None, classes
        elif tag == "code" and self._pre_depth == 0:
            self._code_depth += 1
            if self._code_depth == 1:
                self._buf, self._buf_line, self._classes = [], None, classes
        elif tag == "code" and self._pre_depth:
            self._classes += " " + classes
        elif tag == "br" and (self._pre_depth or self._code_depth):
            self._buf.append("\n")
        elif tag in ("p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "br", "tr", "section"):
            self._flush_prose()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag == "pre" and self._pre_depth:
            self._pre_depth -= 1
            if self._pre_depth == 0:
                self._emit_code()
        elif tag == "code" and self._code_depth and not self._pre_depth:
            self._code_depth -= 1
            if self._code_depth == 0:
                text = "".join(self._buf)
                if "\n" in text.strip():
                    self._emit_code()
                else:
                    self._prose.append(text)
                    self._buf = []
        elif tag in ("p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section"):
            self._flush_prose()

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._pre_depth or self._code_depth:
            if self._buf_line is None:
                line = self.getpos()[0]
                if not "".join(self._buf) and data.startswith("\n"):
                    data = data[1:]
                    line += 1
                self._buf_line = line
            self._buf.append(data)
        else:
            if not "".join(self._prose).strip():
                self._prose_line = self.getpos()[0]
            self._prose.append(data)

    def _emit_code(self) -> None:
        text = "".join(self._buf)
        self.items.append(("pre", text, self._buf_line or self.getpos()[0], self._classes))
        self._buf = []

    def _flush_prose(self) -> None:
        text = "".join(self._prose)
        if text.strip():
            for k, ln in enumerate(text.split("\n")):
                if ln.strip():
                    self.items.append(("prose", ln.strip(), self._prose_line + k, ""))
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
    for kind, body, line, classes in collector.items:
        if kind == "prose":
            b.prose(body)
            continue
        lines = body.rstrip("\n").split("\n")
        cls = classes.lower()
        python_class = re.search(r"\b(?:language-|lang-|highlight-|)(?:python|py|pycon|ipython)\d?\b",
                                 cls)
        output_class = re.search(r"\b(?:output|stdout|language-(?:text|none|output)|result)\b", cls)
        if b.marker or (output_class and not python_class):
            b.output(lines, line, labelled=bool(output_class))
        elif python_class or looks_like_python(lines):
            b.code(lines, line)
        else:
            b.prose("x")
    return b.document("html")
