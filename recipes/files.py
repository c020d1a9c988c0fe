"""Write a file so that no reader ever sees half of it: the site's caches, reports, rewrites."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

__all__ = ["write_atomically"]


def write_atomically(path: str | Path, data: str | bytes, *, keep_mode: bool = False) -> None:
    """Replace ``path`` in one step with ``data`` (text is written as UTF-8).

    The data goes to a temporary file beside ``path``, which is then renamed over it, so a reader,
    a parallel build or a run killed mid-write finds the old file or the whole new one.
    ``keep_mode`` gives the new file the permissions of the one it replaces.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with tempfile.NamedTemporaryFile("wb", dir=path.parent, prefix=f".{path.name}.",
                                     delete=False) as fh:
        fh.write(payload)
    if keep_mode:
        shutil.copymode(path, fh.name)
    os.replace(fh.name, path)
