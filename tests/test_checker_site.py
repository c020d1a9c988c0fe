"""Every claim the project writes in its code holds under the checker.

The recipes' doctests claim outputs; so would a tutorial that wrote one in its code (a comment
after a print, a doctest). The tutorials print their outputs instead, and the site build
executes every one of them and fails on a raising cell (``tests/test_site.py``). Running a
tutorial without claims here again would only show that it also runs in the checker's sandbox,
which the sandbox's own tests cover, and took about 150 s.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from recipes.checker.cli import add_arguments, run
from recipes.checker.parse import parse_file

ROOT = Path(__file__).resolve().parents[1]


def documents_with_claims(paths: list[Path]) -> list[str]:
    """The paths, in order, of those documents that claim any output."""
    return [str(path) for path in paths if parse_file(path).claims]


def _sources() -> list[str]:
    tutorials = sorted((ROOT / "docs" / "tutorials").glob("*.py"))
    recipes = sorted(
        p for p in (ROOT / "recipes").glob("*.py")
        if p.name not in ("__init__.py", "__main__.py", "cli.py")
    )
    return documents_with_claims(tutorials + recipes)


def test_a_tutorial_is_checked_once_it_claims_an_output(tmp_path: Path) -> None:
    prints = tmp_path / "prints.py"
    prints.write_text("# %%\nimport torch\nprint(torch.ones(2))\n", encoding="utf-8")
    claims = tmp_path / "claims.py"
    claims.write_text("# %%\nimport torch\nprint(torch.ones(2))  # tensor([1., 1.])\n",
                      encoding="utf-8")
    assert documents_with_claims([prints, claims]) == [str(claims)]


@pytest.mark.slow
def test_site_claims_and_recipe_doctests_pass_the_checker(tmp_path, capsys):
    sources = _sources()
    assert sum(src.startswith(str(ROOT / "recipes")) for src in sources) >= 10
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    report = tmp_path / "report.json"
    code = run(parser.parse_args(["--quiet", "--timeout", "120", "--json", str(report), *sources]))
    out = capsys.readouterr().out
    data = json.loads(report.read_text(encoding="utf-8"))
    problems = [
        f"{f['path']}:{b['line']} {b['status']} {b['error']}"
        for f in data["files"] for b in f["blocks"] if b["status"] not in ("ok", "needs-cuda")
    ] + [
        f"{f['path']}:{c['line']} wrong: {c['diff']}"
        for f in data["files"] for b in f["blocks"] for c in b["claims"] if c["verdict"] == "wrong"
    ]
    assert not problems, "\n".join(problems) + "\n" + out
    assert data["summary"]["buckets"]["verified"] >= 300
    assert code == 0
