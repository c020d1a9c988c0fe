"""The list of recipe modules and a lookup of recipes by name, shared by the CLI and the docs."""

from __future__ import annotations

import ast
import difflib
import importlib
import importlib.util
import inspect
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

__all__ = ["TOPICS", "Recipe", "iter_recipes", "find_recipes", "module_source", "topic_recipes_unimported"]

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
    """One public function or class of a topic module."""

    module: str
    name: str
    obj: object

    @property
    def qualname(self) -> str:
        return f"{self.module}.{self.name}"

    @property
    def summary(self) -> str:
        doc = inspect.getdoc(self.obj) or ""
        return doc.strip().split("\n\n")[0].replace("\n", " ")


def _module(topic: str) -> ModuleType:
    return importlib.import_module(f"recipes.{topic}")


def iter_recipes(topics: tuple[str, ...] = TOPICS) -> list[Recipe]:
    """Every recipe of the given topics, in the order of each module's ``__all__``."""
    recipes = []
    for topic in topics:
        module = _module(topic)
        recipes.extend(Recipe(topic, name, getattr(module, name)) for name in module.__all__)
    return recipes


def module_source(name: str) -> str:
    """The source of module ``name``, read without importing it (so without importing torch)."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise LookupError(f"no module named {name!r}")
    return Path(spec.origin).read_text(encoding="utf-8")


def topic_recipes_unimported(topic: str) -> list[Recipe]:
    """A topic's recipes read from its source's ``__all__`` without importing it (``obj`` is None)."""
    tree = ast.parse(module_source(f"recipes.{topic}"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            return [Recipe(topic, name, None) for name in ast.literal_eval(node.value)]
    raise LookupError(f"recipes.{topic} has no __all__")


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
