"""Check the outputs that tutorials claim: parse documents, run their code, compare, report.

``parse`` turns a Markdown page, notebook, percent-format or plain ``.py`` file, saved HTML page or
flattened plain-text tutorial into code blocks and the claims written about their output; ``run``
executes one document's blocks in order in a fresh Jupyter kernel (the project's shared
:class:`recipes.runner.KernelRunner`); ``compare`` decides each claim's verdict; ``report`` prints
the tables and writes the JSON report; ``cli`` is the ``torch-recipes check`` command.
"""

from __future__ import annotations

from recipes.checker.model import Block, Claim, Document, UsageError
from recipes.checker.parse import parse_paths
from recipes.checker.run import BlockResult, ClaimResult, DocumentResult, check_document

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
