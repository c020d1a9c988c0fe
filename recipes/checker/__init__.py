"""Check the outputs that tutorials claim: parse documents, run their code, compare, report.

``parse`` turns a Markdown page, notebook, percent-format or plain ``.py`` file, saved HTML page or
flattened plain-text tutorial into code blocks and the claims written about their output; ``run``
executes one document's blocks in order in a fresh Jupyter kernel (the project's shared
:class:`recipes.runner.KernelRunner`); ``compare`` decides each claim's verdict; ``report`` prints
the tables and writes the JSON report; ``cli`` is the ``torch-recipes check`` command.

The names below are imported on first use, not with the package: the pytest plugin
(:mod:`recipes.checker.pytest_plugin`) is loaded by every pytest run in an environment that has
the package, and must not pay for the kernel runner's imports there.
"""

from __future__ import annotations

from importlib import import_module

__all__ = [
    "Block",
    "BlockResult",
    "Claim",
    "ClaimResult",
    "Document",
    "DocumentResult",
    "UsageError",
    "check_document",
    "parse_paths",
]

_HOMES = {
    "Block": "model",
    "Claim": "model",
    "Document": "model",
    "UsageError": "model",
    "parse_paths": "parse",
    "BlockResult": "run",
    "ClaimResult": "run",
    "DocumentResult": "run",
    "check_document": "run",
}


def __getattr__(name: str) -> object:
    """Import a public name from its module the first time it is asked for (PEP 562)."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{home}"), name)
