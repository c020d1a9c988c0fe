"""The project's own tutorials and recipe doctests pass the checker: every claim on the site holds."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from recipes.checker.cli import add_arguments, run

ROOT = Path(__file__).resolve().parents[1]


def _sources() -> list[str]:
    tutorials = sorted(str(p) for p in (ROOT / "docs" / "tutorials").glob("*.py"))
    recipes = sorted(
        str(p)
        for p in (ROOT / "recipes").glob("*.py")
        if p.name not in ("__init__.py", "__main__.py", "cli.py")
        and ">>>" in p.read_text(encoding="utf-8")
    )
    return tutorials + recipes


@pytest.mark.slow
def test_site_tutorials_and_doctests_pass_the_checker(tmp_path, capsys):
    sources = _sources()
    assert sources, "no tutorials found under docs/tutorials"
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
    assert code == 0
