"""Turn one bilingual tutorial source into one executed notebook per language.

A tutorial is a jupytext percent-format file whose prose cells carry ``lang="en"`` or ``lang="zh"``
and whose code cells are shared. The code runs once, in the shared kernel runner, and both
language notebooks receive the same outputs. Results are cached by the code, the environment and
the project's source, so an unchanged tutorial is not executed again.

A code cell that demonstrates an error catches it, so the tutorial still runs as a plain script,
and declares what it catches on its marker line: ``# %% raises="RuntimeError"`` (or a list,
``raises=["IndexError", "ValueError"]``). :func:`cell_problems` holds each cell to what it
declares and to showing the output it promises.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import html
import io
import json
import logging
import platform
import re
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import jupytext
import nbformat
from nbconvert.preprocessors import CoalesceStreamsPreprocessor

from recipes.files import cached_json, write_atomically
from recipes.runner import CellResult, KernelRunner

__all__ = [
    "LANGUAGES",
    "Execution",
    "Tutorial",
    "build_language_notebook",
    "cell_problems",
    "cache_key",
    "execute_tutorial",
    "recipe_dependencies",
    "recipe_modules_used",
]

_COALESCE = CoalesceStreamsPreprocessor()

log = logging.getLogger("mkdocs.hooks.tutorials")

LANGUAGES = ("en", "zh")

# Plots are rendered by the kernel with a font that has CJK glyphs, so Chinese labels are drawn as
# characters rather than boxes; the build reports any "missing from font" warning as a failure.
KERNEL_SETUP = """
import matplotlib
from matplotlib import font_manager

%matplotlib inline
%config InlineBackend.figure_formats = ["png"]
%config InlineBackend.rc = {"figure.dpi": 80, "figure.figsize": (6.0, 4.0)}

_cjk = "Noto Sans CJK SC"
if _cjk not in {f.name for f in font_manager.fontManager.ttflist}:
    font_manager.fontManager = font_manager._load_fontmanager(try_read_cache=False)
# A list of families lets matplotlib fall back glyph by glyph: Latin from DejaVu, CJK from Noto.
matplotlib.rcParams["font.family"] = ["DejaVu Sans", _cjk]
matplotlib.rcParams["axes.unicode_minus"] = False
del _cjk, font_manager, matplotlib


def __torch_recipes_watch_raised():
    # A caught exception leaves no trace in a cell's outputs, so the build asks the interpreter:
    # while a cell runs, the frames of notebook code (the cell and functions defined in cells,
    # never library code) report every exception raised in them, caught or not. StopIteration and
    # friends are how loops and generators end, not errors. Tracing slows Python calls about
    # twofold, so only cells that can catch are traced: those with a `try`, and every cell after
    # one that defined a function or class with a `try` inside.
    import ast
    import json
    import sys
    from IPython import get_ipython

    shell = get_ipython()
    current, last, catching_definitions = [], [], []
    endings = (StopIteration, StopAsyncIteration, GeneratorExit)
    tries = (ast.Try, getattr(ast, "TryStar", ast.Try))
    definitions = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)

    def in_frame(frame, event, arg):
        if event == "exception" and not issubclass(arg[0], endings):
            names = [cls.__name__ for cls in arg[0].__mro__]
            if names not in current:
                current.append(names)
        return in_frame

    def on_call(frame, event, arg):
        return in_frame if frame.f_globals is shell.user_global_ns else None

    def can_catch(source):
        try:
            nodes = list(ast.walk(ast.parse(source)))
        except SyntaxError:  # IPython syntax such as magics: watch it to be safe
            return True
        for node in nodes:
            if isinstance(node, definitions) and any(
                isinstance(inner, tries) for inner in ast.walk(node)
            ):
                catching_definitions.append(node.name)
        return bool(catching_definitions) or any(isinstance(node, tries) for node in nodes)

    def start(info):
        current.clear()
        if can_catch(info.raw_cell):
            sys.settrace(on_call)

    def stop(*_args):
        sys.settrace(None)
        last[:] = current

    shell.events.register("pre_run_cell", start)
    shell.events.register("post_run_cell", stop)
    return lambda: print(json.dumps(last))


__torch_recipes_raised = __torch_recipes_watch_raised()
del __torch_recipes_watch_raised
"""

# Run after a cell that succeeded: the exceptions raised in it, each as its class's MRO names.
RAISED_QUERY = "__torch_recipes_raised()"

PROVENANCE_CODE = """
import json as _json, platform as _platform, sys as _sys, datetime as _dt
import numpy as _np, torch as _torch
print(_json.dumps({
    "torch": _torch.__version__,
    "python": _platform.python_version(),
    "numpy": _np.__version__,
    "device": _torch.cuda.get_device_name(0) if _torch.cuda.is_available()
    else f"CPU ({_platform.machine()}, {_torch.get_num_threads()} "
    f"thread{'' if _torch.get_num_threads() == 1 else 's'})",
    "date": _dt.date.today().isoformat(),
}))
"""

# A code cell's marker, with or without metadata (`# %% raises="ValueError"`); not `# %% [markdown]`.
_CODE_MARKER = re.compile(r"^# %%(?:\s+(?!\[)\S.*)?\s*$")

_RECIPES_IMPORT = re.compile(r"^\s*(?:from\s+recipes\.(\w+)\s+import|import\s+recipes\.(\w+))", re.M)


@functools.lru_cache(maxsize=256)
def _parsed(suffix: str, text: str, cache: Path | None) -> str:
    """The notebook jupytext reads from a tutorial's source, as JSON.

    Parsing one takes jupytext about 50 ms, and every build reads all the tutorials: it is
    remembered within the process (`mkdocs serve` reads them again after each edit) and, given a
    ``cache`` folder, on disk for the next `mkdocs build`. Each caller gets a notebook of its own.
    """
    fmt = {**jupytext.formats.long_form_one_format("py:percent"), "extension": suffix}
    if cache is None:
        return json.dumps(jupytext.read(io.StringIO(text), fmt=fmt))
    key = hashlib.sha256(json.dumps([jupytext.__version__, fmt, text]).encode()).hexdigest()
    return json.dumps(cached_json(cache / f"{key[:32]}.json",
                                  lambda: jupytext.read(io.StringIO(text), fmt=fmt)))


@dataclass
class Tutorial:
    """A parsed bilingual tutorial source."""

    path: Path
    notebook: nbformat.NotebookNode

    @classmethod
    def read(cls, path: Path, cache: Path | None = None) -> Tutorial:
        """The tutorial at ``path``; ``cache`` is a folder that keeps parsed sources across runs."""
        parsed = _parsed(path.suffix, path.read_text(encoding="utf-8"), cache)
        return cls(path, nbformat.from_dict(json.loads(parsed)))

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def code_cells(self) -> list[str]:
        return [c.source for c in self.notebook.cells if c.cell_type == "code"]

    def declared_raises(self, index: int) -> list[str]:
        """The exception names code cell ``index`` declares with ``raises=`` on its marker line."""
        cell = [c for c in self.notebook.cells if c.cell_type == "code"][index]
        declared = cell.metadata.get("raises", [])
        names = [declared] if isinstance(declared, str) else declared
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ValueError(
                f'expected raises="Name" or raises=["Name", ...] on code cell {index + 1}, '
                f"got raises={declared!r}"
            )
        return names

    def code_line(self, index: int) -> int:
        """1-based line in the source file where code cell ``index`` starts."""
        marker = 0
        lines = self.path.read_text(encoding="utf-8").splitlines()
        for lineno, line in enumerate(lines, start=1):
            if _CODE_MARKER.match(line):
                if marker == index:
                    return lineno + 1
                marker += 1
        return 1

    def language_problems(self) -> list[str]:
        """Why the prose is not a faithful pair of languages, or nothing when it is."""
        problems = []
        prose = [c for c in self.notebook.cells if c.cell_type == "markdown"]
        for cell in prose:
            lang = cell.metadata.get("lang")
            if lang not in LANGUAGES:
                first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
                problems.append(f"prose cell without lang=\"en\"/\"zh\": {first[:60]!r}")
        tagged = [c for c in prose if c.metadata.get("lang") in LANGUAGES]
        for index in range(0, len(tagged), 2):
            pair = tagged[index : index + 2]
            langs = [c.metadata["lang"] for c in pair]
            if langs != list(LANGUAGES):
                text = pair[0].source.strip().splitlines()[0][:60] if pair[0].source else ""
                problems.append(
                    f"expected an en cell followed by its zh translation, got {langs} at {text!r}"
                )
                break
        if not any(c.cell_type == "code" for c in self.notebook.cells):
            problems.append("the tutorial has no code cell")
        return problems


@dataclass
class Execution:
    """The outputs of a tutorial's code cells, and the environment that produced them."""

    key: str
    results: list[dict] = field(default_factory=list)
    provenance: dict = field(default_factory=dict)
    from_cache: bool = False

    def failures(self) -> list[tuple[int, dict]]:
        return [(i, r) for i, r in enumerate(self.results) if r["status"] != "ok"]


_RECIPES_DIR = Path(__file__).resolve().parents[1]
# The libraries whose versions can change what a tutorial prints.
_VERSIONED = ("torch", "numpy", "matplotlib", "scikit-learn")


def _recipes_imported(tree: ast.AST, package: str | None = None) -> set[str]:
    """The ``recipes`` modules an import statement of ``tree`` names (``package``: relative base)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("recipes.")}
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level and package:
                module = f"{package}.{module}" if module else package
            if module == "recipes":
                found |= {a.name for a in node.names}
            elif module.startswith("recipes."):
                found.add(module.split(".")[1])
    return found


def recipe_dependencies(tutorial: Tutorial) -> list[str]:
    """Every recipe module a tutorial's run can import, directly or through other recipes.

    The execution cache hashes exactly these files, so editing the CLI or the checker does not run
    the tutorials again, while editing a module that one of them imports does.
    """
    pending: set[str] = set()
    for code in tutorial.code_cells:
        try:
            pending |= _recipes_imported(ast.parse(code))
        except SyntaxError:  # IPython magics: fall back to the line pattern
            pending |= {a or b for a, b in _RECIPES_IMPORT.findall(code)}
    found: set[str] = set()
    while pending:
        name = pending.pop()
        path = _RECIPES_DIR / f"{name}.py"
        if name in found or not path.exists():
            continue
        found.add(name)
        pending |= _module_imports(path.read_bytes())
    return sorted(found)


@functools.lru_cache(maxsize=256)
def _module_imports(source: bytes) -> frozenset[str]:
    """The recipe modules a recipe module imports, remembered by its source: each tutorial's
    cache key walks the same modules, on every build."""
    return frozenset(_recipes_imported(ast.parse(source), package="recipes"))


@functools.cache
def _library_versions() -> dict[str, str]:
    """Looked up once per process: reading package metadata takes milliseconds a package."""
    return {name: metadata.version(name) for name in _VERSIONED}


def cache_key(tutorial: Tutorial, env: dict[str, str] | None = None) -> str:
    """Changes exactly when the run can change: the tutorial's code, the recipe modules it
    imports, the kernel's setup and environment, and the versions of the libraries it prints."""
    sources = {
        name: hashlib.sha256((_RECIPES_DIR / f"{name}.py").read_bytes()).hexdigest()
        for name in ["__init__", *recipe_dependencies(tutorial)]
    }
    payload = {
        "code": tutorial.code_cells,
        "setup": [KERNEL_SETUP, RAISED_QUERY, PROVENANCE_CODE],
        "env": env or {},
        "python": platform.python_version(),
        "versions": _library_versions(),
        "recipes": sources,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:20]


def _result_record(result: CellResult) -> dict:
    record = {"status": result.status, "outputs": result.outputs, "seconds": result.seconds}
    if result.error is not None:
        record["error"] = {"ename": result.error.ename, "evalue": result.error.evalue}
    return record


def _read_cache(cache_file: Path, key: str) -> Execution | None:
    """The cached run stored under ``key``, or None; an unreadable entry is logged and ignored."""
    if not cache_file.exists():
        return None
    try:
        cached = json.loads(cache_file.read_text(encoding="utf-8"))
        if cached.get("key") != key:
            return None
        results, provenance = cached["results"], cached["provenance"]
        if not isinstance(results, list) or not all("outputs" in r for r in results):
            raise ValueError("the results are not a list of cell records")
    except (ValueError, KeyError, AttributeError, UnicodeDecodeError) as err:
        log.info(f"cache entry {cache_file} is corrupt ({type(err).__name__}: {err}); running again")
        return None
    return Execution(key, results, provenance, from_cache=True)


def execute_tutorial(
    tutorial: Tutorial,
    cache_dir: Path,
    *,
    timeout: float = 120.0,
    env: dict[str, str] | None = None,
) -> Execution:
    """Run the tutorial's code cells once, or return the cached run when nothing changed.

    ``env`` is added to the kernel's environment (the build sets the thread count with it) and is
    part of the cache key.
    """
    key = cache_key(tutorial, env)
    cache_file = cache_dir / f"{tutorial.name}.json"
    cached = _read_cache(cache_file, key)
    if cached is not None:
        return cached
    results = []
    with KernelRunner(
        timeout=timeout, cwd=tutorial.path.parent, setup=KERNEL_SETUP, env=env
    ) as kernel:
        for code in tutorial.code_cells:
            result = kernel.run(code)
            results.append(_result_record(result))
            if result.status == "ok":
                results[-1]["raised"] = json.loads(kernel.run(RAISED_QUERY).text)
        provenance = json.loads(kernel.run(PROVENANCE_CODE).text)
    execution = Execution(key, results, provenance)
    if not execution.failures():
        write_atomically(
            cache_file, json.dumps({"key": key, "results": results, "provenance": provenance})
        )
    cache_dir.mkdir(parents=True, exist_ok=True)
    # One short line per append: O_APPEND keeps lines whole when builds share the ledger.
    with (cache_dir / "executions.jsonl").open("a", encoding="utf-8") as ledger:
        ledger.write(
            json.dumps({"tutorial": tutorial.name, "cells": len(results), "time": time.time()})
            + "\n"
        )
    return execution


def _promised_output(source: str) -> str | None:
    """Why a cell's reader expects output (it prints, or ends in a shown expression), or None."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython magics; the kernel, not this check, judges them
        return None
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "print"
        ):
            return "calls print()"
    # IPython shows a cell's last expression unless a semicolon ends it.
    if tree.body and isinstance(tree.body[-1], ast.Expr) and not source.rstrip().endswith(";"):
        return f"ends in the expression `{ast.get_source_segment(source, tree.body[-1])}`"
    return None


def cell_problems(tutorial: Tutorial, execution: Execution) -> list[tuple[int, str]]:
    """Code cells that ran but break their promise, as ``(cell index, why)``.

    A cell must raise (and catch) exactly the exceptions it declares with ``raises=``, so an
    error demonstration cannot silently stop demonstrating when PyTorch changes; and a cell that
    prints or ends in an expression must show output, or the page shows an empty result where
    the prose announces one. Cells that failed outright are reported by ``Execution.failures``.
    """
    problems = []
    for index, (source, result) in enumerate(zip(tutorial.code_cells, execution.results)):
        if result["status"] != "ok":
            continue
        try:
            declared = tutorial.declared_raises(index)
        except ValueError as err:
            problems.append((index, str(err)))
            continue
        # Each raised exception comes as its MRO's class names, so a declared base class matches.
        raised = result.get("raised", [])
        shown = ", ".join(names[0] for names in raised) or "nothing"
        missing = [name for name in declared if not any(name in names for names in raised)]
        if missing:
            problems.append(
                (index, f"declares raises={declared} but {', '.join(missing)} was not raised "
                 f"(it raised {shown})")
            )
        for names in raised:
            if not any(name in names for name in declared):
                problems.append(
                    (index, f"raised and caught {names[0]} without declaring it: add "
                     f'raises="{names[0]}" to its `# %%` line if the cell demonstrates it')
                )
        promise = _promised_output(source)
        if promise and not result["outputs"]:
            problems.append((index, f"{promise} but showed no output"))
    return problems


def recipe_modules_used(tutorial: Tutorial) -> list[str]:
    """The ``recipes`` topic modules a tutorial imports, in order of first use."""
    found: list[str] = []
    for code in tutorial.code_cells:
        for match in _RECIPES_IMPORT.finditer(code):
            module = match.group(1) or match.group(2)
            if module not in found:
                found.append(module)
    return found


_PROVENANCE_TEXT = {
    "en": "Outputs on this page were produced by really running it: torch {torch}, "
    "Python {python}, NumPy {numpy}, on {device}, {date}.",
    "zh": "本页的输出均由实际运行得到：torch {torch}，Python {python}，NumPy {numpy}，"
    "设备 {device}，日期 {date}。",
}
_DOWNLOAD_TEXT = {"en": "Download", "zh": "下载"}
_NOTEBOOK_TEXT = {"en": "this notebook", "zh": "本页 notebook"}
_RECIPE_FILES_TEXT = {"en": "recipe files used", "zh": "用到的工具函数文件"}


def _output_language(output: dict, tutorial: Tutorial, index: int) -> str | None:
    """The language an output is tagged for (``display(fig, metadata={"lang": "zh"})``), or None.

    A plotting cell draws its figure once per language in the same run and tags each one, so every
    reader sees labels in their own language without the cell running twice.
    """
    lang = output.get("metadata", {}).get("lang")
    if lang is not None and lang not in LANGUAGES:
        raise ValueError(
            f"expected an output of code cell {index + 1} of tutorial '{tutorial.name}' to be "
            f"tagged with a language in {LANGUAGES}, got metadata lang={lang!r}"
        )
    return lang


# nbformat's new_markdown_cell and new_code_cell check each new cell against the schema, which
# took half the time of making the language notebooks; these make the same cells unchecked, and
# build_language_notebook checks the whole notebook once, which raises as they would.
def _markdown_cell(source: str) -> nbformat.NotebookNode:
    return nbformat.from_dict({"cell_type": "markdown", "metadata": {}, "source": source})


def _code_cell(source: str, *, execution_count: int) -> nbformat.NotebookNode:
    return nbformat.from_dict({"cell_type": "code", "metadata": {}, "source": source,
                               "execution_count": execution_count, "outputs": []})


def build_language_notebook(
    tutorial: Tutorial, execution: Execution, lang: str, *, downloads_prefix: str
) -> nbformat.NotebookNode:
    """The notebook a reader of ``lang`` sees: that language's prose, shared code and outputs.

    Outputs tagged with a language (see :func:`_output_language`) go only to that language's
    notebook; untagged outputs go to both.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"expected a language in {LANGUAGES}, got {lang!r}")
    notebook = nbformat.v4.new_notebook()
    notebook.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    code_index = 0
    for cell in tutorial.notebook.cells:
        if cell.cell_type == "markdown":
            if cell.metadata.get("lang") == lang:
                notebook.cells.append(_markdown_cell(cell.source))
            continue
        result = execution.results[code_index]
        code_cell = _code_cell(cell.source, execution_count=code_index + 1)
        code_cell.outputs = [
            nbformat.from_dict(out)
            for out in result["outputs"]
            if _output_language(out, tutorial, code_index) in (None, lang)
        ]
        # A print from a cell that also runs worker processes can reach the kernel as two stream
        # messages ("text", then "\n"); a notebook front end shows them as one, and so does this.
        _COALESCE.preprocess_cell(code_cell, {}, code_index)
        notebook.cells.append(code_cell)
        code_index += 1
    links = [f'<a href="{tutorial.name}.{lang}.ipynb" download>{_NOTEBOOK_TEXT[lang]}</a>']
    links += [
        f'<a href="{downloads_prefix}{m}.py" download><code>{m}.py</code></a>'
        for m in recipe_modules_used(tutorial)
    ]
    provenance = {k: html.escape(str(v)) for k, v in execution.provenance.items()}
    info = _markdown_cell(
        '<div class="admonition info tutorial-provenance">'
        f'<p class="admonition-title">{_DOWNLOAD_TEXT[lang]}: {" · ".join(links[:1])}'
        + (f" · {_RECIPE_FILES_TEXT[lang]}: {', '.join(links[1:])}" if links[1:] else "")
        + f"</p><p>{_PROVENANCE_TEXT[lang].format(**provenance)}</p></div>"
    )
    position = 1 if notebook.cells and notebook.cells[0].cell_type == "markdown" else 0
    notebook.cells.insert(position, info)
    # nbformat gives new cells random ids; fixed ones keep an unchanged tutorial byte-identical,
    # so caches downstream hit and `mkdocs serve` does not see a change after every build.
    for number, cell in enumerate(notebook.cells):
        cell.id = f"cell-{number}"
    nbformat.validate(notebook)
    return notebook
