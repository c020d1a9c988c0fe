"""The torch-recipes command: list, show and copy (check has its own tests)."""

from __future__ import annotations

import importlib
import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

from recipes.catalog import TOPICS, iter_recipes
from recipes.cli import main

# Blocks `import recipes` so a copied file proves it does not need the package installed.


def test_list_prints_every_recipe_once(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    recipes = iter_recipes()
    assert len(lines) == len(recipes)
    for line, recipe in zip(lines, recipes):
        assert line.split()[0] == recipe.qualname
        assert len(line.split()) > 1, f"{recipe.qualname} has no summary"


def _imported_by(*argv: str) -> set[str]:
    """The modules ``python -m recipes ARGV`` imports, from ``-X importtime``'s report."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "recipes", *argv],
                          check=False, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip()
    return set(re.findall(r"^import time:.*\|\s*([\w.]+)$", done.stderr, re.MULTILINE))


@pytest.mark.slow
@pytest.mark.parametrize("argv", [("list",), ("show", "devices"), ("show", "train_linear_regression")])
def test_list_and_show_import_neither_torch_nor_the_checker(argv: tuple[str, ...]) -> None:
    imported = _imported_by(*argv)
    assert "recipes.cli" in imported  # the report is read right
    heavy = {"torch", "numpy", "sklearn", "matplotlib", "jupyter_client", "rich"}
    assert heavy.isdisjoint(name.split(".")[0] for name in imported)
    assert not any(name.startswith("recipes.checker") for name in imported)


def test_catalog_read_from_source_matches_the_imported_modules() -> None:
    """The catalog never imports a recipe module; what it reads must equal what Python sees."""
    for topic in TOPICS:
        module = importlib.import_module(f"recipes.{topic}")
        recipes = iter_recipes((topic,))
        assert [r.name for r in recipes] == list(module.__all__)
        for recipe in recipes:
            obj = getattr(module, recipe.name)
            assert recipe.doc == (inspect.getdoc(obj) or ""), recipe.qualname
            assert recipe.source == inspect.getsource(obj), recipe.qualname
            assert recipe.summary and "\n" not in recipe.summary


def test_check_arguments_are_there_when_check_runs(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["check", "--help"])
    assert done.value.code == 0
    assert "--timeout" in capsys.readouterr().out
    assert main(["check", str(tmp_path / "absent.md")]) == 2
    assert "absent.md: no such file or folder" in capsys.readouterr().err


def test_every_topic_lists_recipes() -> None:
    assert {recipe.module for recipe in iter_recipes()} == set(TOPICS)


def test_show_prints_the_source(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "devices.pick_device"]) == 0
    assert "def pick_device(" in capsys.readouterr().out


def test_unknown_name_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "pick_devise"]) == 2
    assert "did you mean" in capsys.readouterr().err


def test_copy_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dest = tmp_path / "mine.py"
    dest.write_text("keep me", encoding="utf-8")
    assert main(["copy", "creation", str(dest)]) == 2
    assert dest.read_text(encoding="utf-8") == "keep me"
    assert main(["copy", "creation", str(dest), "--force"]) == 0
    assert "def " in dest.read_text(encoding="utf-8")


# Runs each copied file as a script, one after another in one interpreter that cannot import the
# package (torch is imported once, not once per topic); each file's output and exit status are
# reported between markers.
RUN_COPIES = """
import contextlib, io, runpy, sys
sys.modules['recipes'] = None
for path in sys.argv[1:]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            runpy.run_path(path, run_name='__main__')
            status = 0
        except SystemExit as stop:
            status = stop.code
        except BaseException as err:
            status = f'{type(err).__name__}: {err}'
    print(f'=== {path} exit {status}\\n{out.getvalue()}=== end', flush=True)
"""


@pytest.fixture(scope="module")
def copied_topics(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, str]]:
    """Each topic copied with `torch-recipes copy` and run as a script: topic -> (exit, output)."""
    folder = tmp_path_factory.mktemp("copies")
    paths = {topic: folder / f"{topic}_copy.py" for topic in TOPICS}
    for topic, dest in paths.items():
        assert main(["copy", topic, str(dest)]) == 0
    done = subprocess.run(
        [sys.executable, "-c", RUN_COPIES, *map(str, paths.values())],
        cwd=folder, capture_output=True, text=True, timeout=900,
    )
    runs = re.findall(r"^=== (\S+) exit (.*?)\n(.*?)^=== end$", done.stdout, re.S | re.M)
    by_path = {path: (status, output) for path, status, output in runs}
    return {topic: by_path.get(str(dest), ("missing", done.stderr[-2000:]))
            for topic, dest in paths.items()}


@pytest.mark.parametrize("topic", TOPICS)
def test_copied_topic_runs_on_its_own(topic: str, copied_topics) -> None:
    status, output = copied_topics[topic]
    assert status == "0", output[-3000:]
    assert "doctest examples passed" in output
    assert " 0/" not in output


def test_copy_single_recipe_includes_its_helpers(tmp_path: Path) -> None:
    dest = tmp_path / "train.py"
    assert main(["copy", "train_linear_regression", str(dest)]) == 0
    source = dest.read_text(encoding="utf-8")
    assert "def train_linear_regression(" in source
    assert "from recipes" not in source
    compile(source, str(dest), "exec")


def test_python_dash_m_works_the_same() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "recipes", "list"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0
    assert len(done.stdout.splitlines()) == len(iter_recipes())
