"""Render the tutorial notebooks in worker processes while the build goes on, into mkdocs-jupyter's
own cache.

After the tutorials have run, MkDocs builds pages one at a time, and turning each language
notebook into HTML (nbconvert) was a fifth of a cold build, with the other cores idle. Here the
notebooks that mkdocs-jupyter has not rendered yet are handed to a pool of worker processes as
soon as they are staged, English first, the order in which the build reaches them. Each worker
renders a notebook by calling mkdocs-jupyter's own ``on_pre_page`` and the ``render`` it installs,
so the cache entry it writes is the one the plugin would write itself; before MkDocs renders a
notebook page, :func:`wait_for` waits for that notebook's worker. If a worker fails, the plugin
renders the page in the build process as it always did, and any error surfaces there.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import tempfile
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Any

__all__ = ["render_into_cache", "start", "wait_for"]

log = logging.getLogger("mkdocs.hooks.prerender")

# Notebook path (as MkDocs gives it in page.file.abs_src_path) -> its render in a worker.
_pending: dict[str, Future] = {}


def render_into_cache(options: dict[str, Any], path: str) -> None:
    """Render the notebook at ``path`` as mkdocs-jupyter configured with ``options`` would,
    writing the plugin's cache entry for it. Runs in a worker process.

    The plugin writes its entry in place; here it writes into a private folder and the entry is
    then moved into the cache in one step, so the build never reads half an entry.
    """
    from mkdocs_jupyter.plugin import Plugin

    cache = Path(options["cache_dir"])
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache, prefix=".rendering-") as private:
        plugin = Plugin()
        errors, _warnings = plugin.load_config({**options, "cache_dir": private})
        if errors:
            raise ValueError(f"mkdocs-jupyter options did not validate: {errors}")
        plugin.on_pre_build(config=None)
        # What mkdocs-jupyter reads from a page before and while rendering it.
        page = SimpleNamespace(file=SimpleNamespace(abs_src_path=path, src_path=Path(path).name),
                               abs_url="/")
        page = plugin.on_pre_page(page, config=None, files=None)
        page.render(None, None)
        for entry in Path(private).glob("*.json"):
            os.replace(entry, cache / entry.name)


def start(plugin: Any, notebooks: list[str], cached: Any, jobs: int) -> int:
    """Hand the ``notebooks`` that are not ``cached(path)`` to ``jobs`` worker processes;
    returns how many were handed out.

    Nothing is handed out with one job, or when no more notebooks need rendering than there
    are workers (one edit under `mkdocs serve`): starting the workers would cost more than it
    saves.
    """
    for path, future in list(_pending.items()):
        if future.done():
            del _pending[path]
    missing = [path for path in notebooks
               if os.path.normpath(path) not in _pending and not cached(path)]
    if jobs < 2 or len(missing) <= jobs:
        return 0
    options = dict(plugin.config)
    # Spawned, not forked: the build process may run threads (`mkdocs serve`'s server).
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"))
    for path in missing:
        _pending[os.path.normpath(path)] = pool.submit(render_into_cache, options, path)
    pool.shutdown(wait=False)
    return len(missing)


def wait_for(path: str) -> None:
    """Wait until the worker rendering ``path`` is done, if one is; a failure is left to the
    plugin, which renders the notebook itself."""
    future = _pending.pop(os.path.normpath(path), None)
    if future is None:
        return
    try:
        future.result()
    except Exception as err:  # noqa: BLE001 - the build renders the page itself and reports
        log.info(f"rendering {path} in a worker failed ({type(err).__name__}: {err}); "
                 "rendering it here")
