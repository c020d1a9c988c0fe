"""Render the tutorial notebooks in worker processes while the build goes on, into mkdocs-jupyter's
own cache.

After the tutorials have run, MkDocs builds pages one at a time, and turning each language
notebook into HTML (nbconvert) was a fifth of a cold build, with the other cores idle. Here the
notebooks that mkdocs-jupyter has not rendered yet are shared out among worker processes as soon
as they are staged, English first, the order in which the build reaches them. A worker renders a
notebook by calling mkdocs-jupyter's own ``on_pre_page`` and the ``render`` it installs, so the
cache entry it writes is the one the plugin would write itself; before MkDocs renders a notebook
page, :func:`wait_for` waits until that notebook's worker is past it. If a worker fails, the
plugin renders the page in the build process as it always did, and any error surfaces there.

Workers are ``python -m recipes.site.prerender`` processes, not a multiprocessing pool: a pool's
spawned workers import the main module again, which runs the code of a build script that lacks a
``__main__`` guard a second time in every worker.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

__all__ = ["render_into_cache", "start", "wait_for"]

_DONE = "torch-recipes rendered: "
_PROJECT = Path(__file__).resolve().parents[2]

# Notebook path (as MkDocs gives it in page.file.abs_src_path) -> set once its worker is past it.
_pending: dict[str, threading.Event] = {}


def render_into_cache(options: dict[str, Any], path: str) -> None:
    """Render the notebook at ``path`` as mkdocs-jupyter configured with ``options`` would,
    writing the plugin's cache entry for it.

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


def start(plugin: Any, notebooks: list[str], cached: Callable[[str], bool], jobs: int) -> int:
    """Share the ``notebooks`` that are not ``cached(path)`` among ``jobs`` worker processes;
    returns how many were handed out.

    Nothing is handed out with one job, or when no more notebooks need rendering than there are
    workers (one edit under `mkdocs serve`): starting the workers would cost more than it saves.
    """
    missing = [path for path in notebooks
               if os.path.normpath(path) not in _pending and not cached(path)]
    if jobs < 2 or len(missing) <= jobs:
        return 0
    try:
        options = json.dumps(dict(plugin.config))
    except TypeError:  # an option without a JSON form: leave rendering to the plugin
        return 0
    env = {**os.environ,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(_PROJECT),
                                                       os.environ.get("PYTHONPATH")]))}
    for k in range(jobs):
        share = missing[k::jobs]  # each worker gets every jobs-th, so all start at the front
        events = {os.path.normpath(path): threading.Event() for path in share}
        _pending.update(events)
        worker = subprocess.Popen(
            [sys.executable, "-m", "recipes.site.prerender", *share], env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        threading.Thread(target=_follow, args=(worker, options, events), daemon=True).start()
    return len(missing)


def _follow(worker: subprocess.Popen, options: str, events: dict[str, threading.Event]) -> None:
    """Give ``worker`` its options, then mark each notebook it reports; at its end, all."""
    try:
        worker.stdin.write(options)
        worker.stdin.close()
        for line in worker.stdout:
            if line.startswith(_DONE):
                event = events.get(os.path.normpath(line[len(_DONE):].rstrip("\n")))
                if event is not None:
                    event.set()
    except OSError:
        pass
    finally:
        worker.wait()
        for event in events.values():
            event.set()


def wait_for(path: str) -> None:
    """Wait until the worker that has ``path`` is past it, if one has; a notebook it could not
    render is then rendered by the plugin itself."""
    event = _pending.pop(os.path.normpath(path), None)
    if event is not None:
        event.wait()


def main(paths: list[str]) -> int:
    """A worker: options as JSON on stdin; renders ``paths`` in order, reporting each."""
    options = json.loads(sys.stdin.read())
    for path in paths:
        try:
            render_into_cache(options, path)
        except Exception as err:  # noqa: BLE001 - the build renders it and reports any error
            print(f"{path}: {type(err).__name__}: {err}", file=sys.stderr)
        print(f"{_DONE}{path}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
