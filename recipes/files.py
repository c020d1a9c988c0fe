"""Files shared by the site's caches and the checker: written so that no reader ever sees half of
one (caches, reports, rewrites), and hashed for the caches' keys."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

__all__ = ["cached_json", "hash_files", "write_atomically"]

log = logging.getLogger("mkdocs.hooks.cache")


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


def cached_json(path: Path, make: Callable[[], Any]) -> Any:
    """The value stored as JSON at ``path``, or else ``make()``, stored there for the next time.

    ``path`` must name what the value depends on (a hash of it). An entry that cannot be read
    (cut short by a disk error, edited by hand) is logged and made again.
    """
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as err:
        log.info(f"cache entry {path} is corrupt ({err}); making it again")
    value = make()
    write_atomically(path, json.dumps(value, ensure_ascii=False))
    return value
