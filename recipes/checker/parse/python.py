"""Plain Python files: the script (or the module, imported), then its docstrings' doctests."""

from __future__ import annotations

import ast
from pathlib import Path

from recipes.checker.model import Block, Document
from recipes.checker.parse.blocks import doctest_block, make_block


def _module_name(path: Path) -> tuple[str, Path] | None:
    """``(dotted name, folder to import from)`` for a file inside a package, else ``None``."""
    path = path.resolve()
    parts = [path.stem]
    folder = path.parent
    while (folder / "__init__.py").exists():
        parts.insert(0, folder.name)
        folder = folder.parent
    if len(parts) == 1 or path.stem == "__init__":
        return None
    return ".".join(parts), folder


def read(text: str, file: str) -> Document:
    """A script runs as ``__main__``; a module of a package is imported, as doctest does.

    Either way its docstrings' doctests follow, run in the namespace the module defines.
    """
    lines = text.split("\n")
    blocks = []
    module = _module_name(Path(file)) if Path(file).exists() else None
    if module is not None and ">>>" in text:
        name, root = module
        source = (
            f"import importlib as _importlib, sys as _sys\n"
            f"if {str(root)!r} not in _sys.path:\n"
            f"    _sys.path.insert(0, {str(root)!r})\n"
            f"globals().update({{k: v for k, v in vars(_importlib.import_module({name!r})).items()"
            f" if not k.startswith('__')}})"
        )
        blocks.append(Block(file, 1, source, [1] * source.count("\n") + [1], kind="module",
                            tree=ast.parse(source)))
    else:
        block = make_block(file, lines, list(range(1, len(lines) + 1)))
        if block is not None:
            blocks.append(block)
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return Document(file, "python", blocks)
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        if not node.body or not isinstance(node.body[0], ast.Expr):
            continue
        value = node.body[0].value
        if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
            continue
        if ">>>" not in value.value:
            continue
        doc = doctest_block(file, value.value, node.body[0].lineno)
        if doc is not None:
            blocks.append(doc)
    head = [b for b in blocks if b.kind != "doctest"]
    doctests = sorted((b for b in blocks if b.kind == "doctest"), key=lambda b: b.line)
    return Document(file, "python", head + doctests)
