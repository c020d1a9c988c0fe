"""Give MkDocs a docs folder that holds the sources and the generated pages, outside the checkout.

The build generates pages (each tutorial's notebooks per language, the API reference stubs, the
downloadable recipe files, the benchmarks page). mkdocs-static-i18n only localises pages whose
source lies inside ``docs_dir`` ("Unhandled file case" for anything else, mkdocs-static-i18n#268),
so generated pages cannot simply be added to the file list from a build folder. Instead the build
points ``docs_dir`` at a staging folder in the build cache that mirrors ``docs/`` with symbolic
links and holds the generated files beside them. ``docs/`` itself is only ever read.
"""

from __future__ import annotations

import os
from pathlib import Path

from recipes.files import write_atomically

__all__ = ["stage_docs"]


def _write_if_changed(path: Path, content: str) -> None:
    """Rewrite a generated file only when it changes, so `mkdocs serve` does not loop and caches
    keyed by modification time stay valid."""
    if path.is_file() and not path.is_symlink() and path.read_text(encoding="utf-8") == content:
        return
    if path.is_symlink():
        path.unlink()
    write_atomically(path, content)


def _link(path: Path, target: Path) -> None:
    if path.is_symlink() and Path(os.readlink(path)) == target:
        return
    if path.is_symlink() or path.exists():
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)


def stage_docs(source: Path, staging: Path, generated: dict[str, str]) -> None:
    """Make ``staging`` hold a link to every file of ``source`` plus the ``generated`` files
    (relative path -> text), and nothing else.

    A generated file takes precedence over a source file of the same path; files left from an
    earlier build (a tutorial since deleted) are removed.
    """
    source, staging = source.resolve(), staging.resolve()
    wanted: set[Path] = set()
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if path.is_file() and rel.as_posix() not in generated:
            _link(staging / rel, path)
            wanted.add(staging / rel)
    for rel, content in generated.items():
        _write_if_changed(staging / rel, content)
        wanted.add(staging / rel)
    for path in sorted(staging.rglob("*"), reverse=True):
        if (path.is_file() or path.is_symlink()) and path not in wanted:
            path.unlink()
        elif path.is_dir() and not path.is_symlink() and not any(path.iterdir()):
            path.rmdir()
