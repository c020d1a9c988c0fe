"""Keep the API reference's rendered HTML between builds, keyed by everything it is made from.

mkdocstrings renders each ``::: recipes.<topic>`` block anew on every build, for each language:
about half of a rebuild in which nothing changed. What the Python handler's ``render`` returns
depends only on the collected object (the module's source and its siblings'), the options, the
locale, the handler's templates and Markdown configuration and the versions of the libraries
that render it, so its HTML is stored under a hash of exactly those and replayed; the second
language replays what the first rendered.

``render`` has one side effect the build relies on: the headings it makes (``do_heading``)
are gathered on the handler, and mkdocstrings then puts them in the page's table of contents,
registers their anchors with autorefs and lists them in ``objects.inv``. A cache entry holds
those headings too, and a replay gathers them the same way. Rendering also resolves the module's
imported names (griffe aliases), which lists them in ``objects.inv`` under the page of the object
they import; a replay resolves them too, so the inventory is the one a full render writes.

Before rendering, the handler collects the object, loading its whole package with griffe; each
process loads a package once (:func:`collect_loaded_once`) for as long as its sources are
unchanged, and every later handler starts from a copy of that load.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import pickle
import re
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from recipes.files import hash_files, write_atomically

__all__ = ["collect_loaded_once", "render_cached"]

log = logging.getLogger("mkdocs.hooks.reference")

# What rendered the HTML: a new version of any of them may render it differently.
_RENDERERS = ("mkdocstrings", "mkdocstrings-python", "griffelib", "griffe", "mkdocs-autorefs",
              "mkdocs-material", "markdown", "pymdown-extensions", "pygments", "jinja2")

_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


@functools.cache
def _versions() -> list[str]:
    found = []
    for name in _RENDERERS:
        try:
            found.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return found


def _sources(data: Any) -> list[tuple[str, bytes]]:
    """The rendered module's file and its siblings: a module can show members and docstrings
    it imports from them. (Editing the site's own code, a subpackage, keeps the entries.)"""
    filepath = getattr(data, "filepath", None)
    if not isinstance(filepath, Path):
        return []
    return [(str(path), path.read_bytes()) for path in sorted(filepath.parent.glob("*.py"))]


def _key(handler: Any, data: Any, options: Any, locale: str | None) -> str:
    digest = hashlib.sha256()
    parts = [
        data.path,
        options,
        locale,
        getattr(handler, "theme", None),
        getattr(handler, "custom_templates", None),
        # The i18n plugin's second language build lists mkdocstrings' and autorefs' extensions
        # twice; a second instance registers the same processors under the same names, so it
        # renders the same HTML, and both languages share an entry.
        list(dict.fromkeys(_ADDRESS.sub("", repr(ext)) for ext in getattr(handler, "mdx", ()))),
        getattr(handler, "mdx_config", None),
        _versions(),
    ]
    for part in parts:
        # Objects without JSON form (options, Markdown extensions) by repr, less their address.
        text = json.dumps(part, default=lambda obj: _ADDRESS.sub("", repr(obj)), sort_keys=True)
        digest.update(text.encode())
    for path, source in _sources(data):
        digest.update(path.encode())
        digest.update(source)
    return digest.hexdigest()[:32]


def _resolve_aliases(data: Any) -> None:
    for member in getattr(data, "members", {}).values():
        if getattr(member, "is_alias", False):
            with contextlib.suppress(Exception):  # names from outside the package stay unresolved
                member.final_target


def render_cached(original: Callable[..., str], cache_dir: Path) -> Callable[..., str]:
    """A ``render`` for mkdocstrings' Python handler that replays cached HTML and headings."""

    def render(self, data, options, locale=None):
        entry = cache_dir / f"{_key(self, data, options, locale)}.json"
        try:
            cached = json.loads(entry.read_text(encoding="utf-8"))
            headings = [ElementTree.fromstring(text) for text in cached["headings"]]
            html = cached["html"]
        except FileNotFoundError:
            pass
        except (ValueError, KeyError, TypeError, ElementTree.ParseError) as err:
            log.info(f"API reference cache entry {entry.name} unreadable ({err}); rendering again")
        else:
            self._headings.extend(headings)
            _resolve_aliases(data)
            return html
        before = len(self._headings)
        html = original(self, data, options, locale)
        made = [ElementTree.tostring(h, encoding="unicode") for h in self._headings[before:]]
        write_atomically(entry, json.dumps({"html": html, "headings": made}, ensure_ascii=False))
        return html

    return render


# Per package, the last load of it in this process: (what it depended on, the collections as
# loading left them, pickled). One per package, so `mkdocs serve` keeps none for older edits.
_loaded: dict[str, tuple[str, bytes]] = {}


def _load_key(handler: Any, package: str, options: Any) -> str | None:
    """What loading ``package`` depends on: its sources, the options, the search paths and the
    libraries' versions; None when the package is not in the handler's own paths."""
    paths = list(getattr(handler, "_paths", None) or ())
    folder = next((Path(base) / package for base in paths
                   if (Path(base) / package / "__init__.py").is_file()), None)
    if folder is None:
        return None
    digest = hashlib.sha256()
    external = getattr(getattr(handler, "config", None), "load_external_modules", None)
    for part in (package, _ADDRESS.sub("", repr(options)), paths, external, _versions()):
        digest.update(json.dumps(part, default=str).encode())
    return hash_files(digest, sorted(folder.rglob("*.py"))).hexdigest()


def collect_loaded_once(original: Callable[..., Any]) -> Callable[..., Any]:
    """A ``collect`` for mkdocstrings' Python handler that loads a package once per process.

    MkDocs makes a new handler for every build, and the i18n plugin one per language, and each
    loaded the whole ``recipes`` package with griffe again: a sixth of a `mkdocs serve` rebuild.
    The first load's collections are kept as loading left them (pickled before anything is
    rendered: rendering resolves more imported names, and the inventory lists those), and a
    later handler that has not loaded the package starts from a copy of them, exactly where its
    own load would have left it (``collect`` loads nothing for a package already collected).
    A changed source, option or library loads the package anew.
    """

    def collect(self, identifier, options):
        package = identifier.split(".", 1)[0]
        if options == {} or package in self._modules_collection:
            return original(self, identifier, options)
        key = _load_key(self, package, options)
        known = _loaded.get(package)
        if key is not None and known is not None and known[0] == key:
            self._modules_collection, self._lines_collection = pickle.loads(known[1])
            return original(self, identifier, options)
        result = original(self, identifier, options)
        if key is not None:
            try:
                _loaded[package] = (key, pickle.dumps((self._modules_collection,
                                                       self._lines_collection)))
            except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
                _loaded.pop(package, None)
        return result

    return collect
