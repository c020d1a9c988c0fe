"""The list of recipe modules and a lookup of recipes by name, shared by the CLI and the docs.

Recipes are read from the modules' source with :mod:`ast`, never imported: ``torch-recipes list``
and ``show`` answer in a fraction of a second instead of paying for importing torch and
scikit-learn, and the site build writes the downloads the same way. A recipe is a name in its
module's ``__all__``, defined there by ``def`` or ``class``.
"""

from __future__ import annotations

import ast
import difflib
import importlib.util
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "TOPICS",
    "Recipe",
    "find_recipes",
    "iter_recipes",
    "module_source",
    "topic_recipes_unimported",
]

TOPICS: tuple[str, ...] = (
    "creation",
    "dtypes",
    "numpy_interop",
    "indexing",
    "shape_ops",
    "math_ops",
    "autograd",
    "regression_manual",
    "regression_nn",
    "modules",
    "data",
    "classification",
    "checkpoints",
    "devices",
    "distributed",
)


@dataclass(frozen=True)
class Recipe:
    """One public function or class of a topic module: its docstring and its source text."""

    module: str
    name: str
    doc: str
    source: str

    @property
    def qualname(self) -> str:
        return f"{self.module}.{self.name}"

    @property
    def summary(self) -> str:
        """The docstring's first paragraph on one line."""
        return self.doc.strip().split("\n\n")[0].replace("\n", " ")


def module_source(name: str) -> str:
    """The source of module ``name``, read without importing it (so without importing torch)."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise LookupError(f"no module named {name!r}")
    return Path(spec.origin).read_text(encoding="utf-8")


def _definition_source(lines: list[str], node: ast.stmt) -> str:
    """A definition's lines as ``inspect.getsource`` gives them: decorators included."""
    start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    return "\n".join(lines[start - 1 : node.end_lineno]) + "\n"


def topic_recipes_unimported(topic: str) -> list[Recipe]:
    """A topic's recipes in the order of its ``__all__``, read from its source, not imported."""
    source = module_source(f"recipes.{topic}")
    tree = ast.parse(source)
    definitions = {
        node.name: node
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    }
    names = next(
        (
            ast.literal_eval(node.value)
            for node in tree.body
            if isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
        ),
        None,
    )
    if names is None:
        raise LookupError(f"recipes.{topic} has no __all__")
    lines = source.splitlines()
    recipes = []
    for name in names:
        node = definitions.get(name)
        if node is None:
            raise LookupError(
                f"recipes.{topic}.__all__ names {name!r}, but the module defines no function or "
                "class of that name"
            )
        recipes.append(Recipe(topic, name, ast.get_docstring(node) or "",
                              _definition_source(lines, node)))
    return recipes


def iter_recipes(topics: tuple[str, ...] = TOPICS) -> list[Recipe]:
    """Every recipe of the given topics, in the order of each module's ``__all__``."""
    return [recipe for topic in topics for recipe in topic_recipes_unimported(topic)]


def find_recipes(name: str) -> list[Recipe]:
    """Resolve ``topic``, ``topic.recipe`` or a bare recipe name to the recipes it names.

    Raises ``LookupError`` with the closest names when nothing matches.
    """
    if name in TOPICS:
        return iter_recipes((name,))
    topic, _, leaf = name.rpartition(".")
    candidates = iter_recipes((topic,) if topic in TOPICS else TOPICS)
    found = [recipe for recipe in candidates if recipe.name == leaf]
    if not found:
        known = list(TOPICS) + [recipe.qualname for recipe in iter_recipes()]
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else "; see `torch-recipes list`"
        raise LookupError(f"no recipe or topic named {name!r}{hint}")
    if len(found) > 1:
        names = ", ".join(recipe.qualname for recipe in found)
        raise LookupError(f"{name!r} is ambiguous: {names}; give it as topic.name")
    return found
