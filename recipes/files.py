"""Files shared by the site's caches and the checker: written so that no reader ever sees half of
one (caches, reports, rewrites), and hashed for the caches' keys."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

__all__ = ["hash_files", "write_atomically"]


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


def hash_files(digest: hashlib._Hash, paths: Iterable[Path]) -> hashlib._Hash:
    """Add each file's path and contents to ``digest``, in the order given, and return it: a
    renamed file changes the hash as an edited one does."""
    for path in paths:
        digest.update(str(path).encode())
        digest.update(path.read_bytes())
    return digest
