"""Turn tutorials into code blocks and the output claims written about them, each with its line.

One module per input format (``markdown``, ``myst``, ``notebook``, ``percent``, ``python``,
``gallery``, ``rst``, ``html``, ``text``); ``claims`` reads claims out of comments, ``markers``
holds the output markers, ``blocks`` builds blocks and attaches output regions; the data model
is :mod:`recipes.checker.model`.

Formats: Markdown (fenced and indented code), MyST notebooks (``{code-cell}``), Jupyter notebooks,
jupytext percent-format ``.py``, sphinx-gallery scripts, plain ``.py`` (the module, then the
doctests of its docstrings), reStructuredText, saved HTML pages (code in ``<pre>``, Jupyter
exports) and plain text flattened from web pages, where code has to be told from prose.

Claim styles: doctest examples; a comment after a ``print(...)`` or bare expression
(``print(t)  # tensor([1, 2])``), continued over following ``# ...`` lines; a block of ``# ...``
lines after such a statement; an output block after a line such as "Output:", "输出:" or
"运行结果"; the stored outputs of a notebook's code cells.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from recipes.checker.model import Block, Claim, Document, Example, Unrun, UsageError
from recipes.checker.parse import (
    gallery,
    html,
    markdown,
    myst,
    notebook,
    percent,
    python,
    rst,
    text,
)
from recipes.checker.parse.claims import claim_text

__all__ = [
    "Block",
    "Claim",
    "Document",
    "Example",
    "UsageError",
    "claim_text",
    "is_tutorial",
    "parse_file",
    "parse_paths",
    "parse_source",
]

SUFFIXES = {
    ".md": "markdown",
    ".rst": "rst",
    ".markdown": "markdown",
    ".ipynb": "notebook",
    ".py": "python",
    ".html": "html",
    ".htm": "html",
    ".txt": "text",
    ".text": "text",
}
READERS = {
    "markdown": markdown.read,
    "notebook": notebook.read,
    "python": python.read,
    "percent": percent.read,
    "html": html.read,
    "text": text.read,
    "rst": rst.read,
    "gallery": gallery.read,
    "myst": myst.read,
}
_NOT_TUTORIALS = {"conftest.py", "__init__.py", "setup.py"}
_SKIP_DIRS = {".venv", "venv", "__pycache__", "node_modules", "site", ".git", ".ipynb_checkpoints",
              "build", "dist"}


# ---------------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------------


def parse_paths(paths: list[str], skipped: list[Unrun] | None = None) -> list[Document]:
    """Parse every tutorial under ``paths`` (files or folders); raise UsageError on a bad one.

    Folders a scan leaves out (virtual environments, caches, build output, hidden folders) are
    appended to ``skipped``, line 0 and the folder as text, so a report can say so.
    """
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise UsageError(f"{raw}: no such file or folder")
        if path.is_dir():
            found = _scan(path, skipped if skipped is not None else [])
            if not found:
                raise UsageError(
                    f"{raw}: no tutorials in this folder (looked for "
                    f"{', '.join(sorted(SUFFIXES))})"
                )
            files.extend(found)
        elif path.suffix.lower() not in SUFFIXES:
            raise UsageError(
                f"{raw}: unsupported format {path.suffix or '(no extension)'!r}; expected one of "
                f"{', '.join(sorted(SUFFIXES))}"
            )
        else:
            files.append(path)
    return [parse_file(f) for f in files]


def _scan(folder: Path, skipped: list[Unrun]) -> list[Path]:
    """The tutorial files under ``folder``, sorted; the folders left out go to ``skipped``."""
    found = []
    for root, dirs, names in os.walk(folder):
        kept = []
        for name in sorted(dirs):
            if name in _SKIP_DIRS:
                skipped.append(Unrun(0, str(Path(root) / name), "environment, cache or build "
                                     "output: not scanned"))
            elif name.startswith("."):
                skipped.append(Unrun(0, str(Path(root) / name), "hidden folder: not scanned"))
            else:
                kept.append(name)
        dirs[:] = kept
        found.extend(Path(root) / name for name in names if is_tutorial(Path(name)))
    return sorted(found)


def is_tutorial(path: Path) -> bool:
    """Whether a folder scan takes ``path`` for a tutorial: a format the checker reads, and not a
    package's own ``conftest.py``, ``__init__.py`` or ``setup.py``."""
    return path.suffix.lower() in SUFFIXES and path.name not in _NOT_TUTORIALS


def parse_file(path: str | Path) -> Document:
    """Parse one tutorial file, choosing the format from its extension."""
    path = Path(path)
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise UsageError(f"{path}: unsupported format {path.suffix!r}")
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise UsageError(f"{path}: cannot read: {err.strerror or err}") from err
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise UsageError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start})") from err
    return parse_source(text, str(path), fmt)


def parse_source(text: str, file: str, fmt: str) -> Document:
    """Parse tutorial ``text`` of format ``fmt`` (see ``SUFFIXES``), naming it ``file``."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if fmt == "python" and gallery.is_gallery(text):
        fmt = "gallery"
    elif fmt == "python" and re.search(r"^# %%", text, re.MULTILINE):
        fmt = "percent"
    elif fmt == "markdown" and myst.is_myst(text):
        fmt = "myst"
    reader = READERS.get(fmt)
    if reader is None:
        raise UsageError(f"{file}: unknown format {fmt!r}")
    return reader(text, file)
