"""Write recipes as one standalone ``.py`` file: their imports, their helpers, nothing else.

The file runs on its own (``python file.py`` runs the recipes' doctests) and does not need
torch-recipes installed: definitions the recipes take from other ``recipes`` modules are inlined.
"""

from __future__ import annotations

import ast
import doctest
import re
import sys
from dataclasses import dataclass, field

from recipes import __version__
from recipes.catalog import Recipe, module_source

__all__ = ["standalone_source"]

_RECIPES_IMPORT = re.compile(r"^(\s*)>>> from recipes(\.\w+)* import [\w, ()]+\n", re.MULTILINE)

_DOCTEST = doctest.DocTestParser()

_MAIN = '''

if __name__ == "__main__":
    import doctest

    results = doctest.testmod(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    print(f"{results.attempted - results.failed}/{results.attempted} doctest examples passed")
    raise SystemExit(1 if results.failed else 0)
'''


@dataclass
class _Module:
    """The top-level statements of one recipes module, indexed by the names they bind."""

    name: str
    source: str
    definitions: dict[str, ast.stmt] = field(default_factory=dict)
    imports: dict[str, ast.stmt] = field(default_factory=dict)
    order: dict[int, int] = field(default_factory=dict)

    @classmethod
    def load(cls, name: str) -> _Module:
        # Read, not imported: the site build writes every topic's copy and must not pay for
        # importing torch and scikit-learn to do it.
        source = module_source(name)
        module = cls(name, source)
        for position, node in enumerate(ast.parse(source).body):
            module.order[id(node)] = position
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                if isinstance(node, ast.ImportFrom) and node.module == "__future__":
                    continue
                for alias in node.names:
                    bound = alias.asname or alias.name.split(".")[0]
                    module.imports[bound] = node
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                module.definitions[node.name] = node
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    for name_node in ast.walk(target):
                        if isinstance(name_node, ast.Name) and name_node.id != "__all__":
                            module.definitions[name_node.id] = node
        return module

    def segment(self, node: ast.stmt) -> str:
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        lines = self.source.splitlines()[start - 1 : node.end_lineno]
        return "\n".join(lines)


def _names_in(source: str, mode: str) -> set[str]:
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


def _names_used(node: ast.AST) -> set[str]:
    """Every bare name a statement reads, in its code, string annotations and doctest examples."""
    used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    for const in ast.walk(node):
        if isinstance(const, ast.Constant) and isinstance(const.value, str):
            used |= _names_in(const.value, "eval")
            for example in _DOCTEST.get_examples(const.value):
                used |= _names_in(example.source, "exec")
    return used


class _Collector:
    """Walks from the requested recipes to everything they need, across recipes modules."""

    def __init__(self) -> None:
        self.modules: dict[str, _Module] = {}
        self.definitions: list[tuple[_Module, ast.stmt]] = []
        self.imports: list[ast.stmt] = []
        self._seen: set[int] = set()

    def module(self, name: str) -> _Module:
        if name not in self.modules:
            self.modules[name] = _Module.load(name)
        return self.modules[name]

    def add(self, module: _Module, name: str) -> None:
        if name in module.definitions:
            node = module.definitions[name]
            if id(node) in self._seen:
                return
            self._seen.add(id(node))
            for used in sorted(_names_used(node)):
                self.add(module, used)
            self.definitions.append((module, node))
        elif name in module.imports:
            node = module.imports[name]
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("recipes"):
                alias = next(a for a in node.names if (a.asname or a.name) == name)
                self.add(self.module(node.module), alias.name)
            elif id(node) not in self._seen:
                self._seen.add(id(node))
                self.imports.append(node)


def standalone_source(recipes: list[Recipe]) -> str:
    """Source of a self-contained Python file holding ``recipes`` and all they depend on."""
    collector = _Collector()
    for recipe in recipes:
        collector.add(collector.module(f"recipes.{recipe.module}"), recipe.name)
    topics = sorted({recipe.module for recipe in recipes})
    if len(recipes) > 1 and len(topics) == 1:
        names = f"the recipes of recipes.{topics[0]}"
    else:
        names = ", ".join(f"recipes.{recipe.qualname}" for recipe in recipes)
    header = (
        f'"""Standalone copy of {names} (torch-recipes {__version__}).\n\n'
        'Run it to check its examples: python this_file.py\n"""\n\n'
        "from __future__ import annotations\n\n"
    )
    imports = sorted(
        {ast.unparse(node) for node in collector.imports},
        key=lambda line: (line.split()[1].split(".")[0] not in sys.stdlib_module_names, line),
    )
    bodies = [module.segment(node) for module, node in collector.definitions]
    body = "\n\n\n".join(_RECIPES_IMPORT.sub("", text) for text in bodies)
    return header + "\n".join(imports) + "\n\n\n" + body + "\n" + _MAIN
