"""The pytest plugin (``pytest --tutorials``): items named by line, each verdict as a pytest
outcome, and -k, --lf, --junitxml and pytest-xdist working on them.

Each run checks a tutorial in a real (sandboxed) kernel, one per document, so the runs are few:
one run followed by --lf with -k, and one -n 2 run of two documents; -k is also checked on the
collection, which runs nothing.
"""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

INTRO = """\
# Intro

```python
print(2 + 2)  # 4
print(3 * 3)  # 10
```

```python
import random
print(random.random())  # 0.5
```

```python
x = 1
```

```python
print(1 / 0)  # 1
```

```python
raise ValueError("boom")
```
"""
SECOND = """\
# %% [markdown]
# A percent-format tutorial: read, never imported as a test module.

# %%
print(sum(range(4)))  # 6
print(len("abc"))  # 4
"""
# What INTRO's code does: 2 + 2 is 4, 3 * 3 is not 10, random() cannot be known, a claimless
# block runs, 1 / 0 raises, and the last block raises with no claim on it.
INTRO_OUTCOMES = {
    "intro.md::line 4": "passed",
    "intro.md::line 5": "failed",
    "intro.md::line 10": "skipped",
    "intro.md::block at line 14": "passed",
    "intro.md::line 18": "error",
    "intro.md::block at line 22": "error",
}
SECOND_OUTCOMES = {"second.py::line 5": "passed", "second.py::line 6": "failed"}


@pytest.fixture
def tutorials(pytester: pytest.Pytester) -> pytest.Pytester:
    """A project holding the two tutorials and one ordinary test module."""
    pytester.makefile(".md", intro=INTRO)
    pytester.path.joinpath("second.py").write_text(SECOND, encoding="utf-8")
    pytester.makepyfile(test_plain="def test_plain():\n    assert 1 + 1 == 2\n")
    return pytester


def _outcomes(report: Path) -> dict[str, str]:
    """Each test case of a JUnit XML report: ``file::name`` -> passed/failed/skipped/error."""
    found = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        kinds = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
        outcome = {"failure": "failed"}.get(kinds[0], kinds[0]) if kinds else "passed"
        found[f"{case.get('classname')}::{case.get('name')}"] = outcome
    return found


def test_each_claim_is_an_item_named_by_its_line(tutorials: pytest.Pytester):
    result = tutorials.runpytest("--tutorials", "--collect-only", "-q")
    names = [line for line in result.outlines if "::" in line]
    assert names == [*INTRO_OUTCOMES, *SECOND_OUTCOMES, "test_plain.py::test_plain"]
    # -k selects by those names (and by a claim's kind) before anything runs
    result = tutorials.runpytest("--tutorials", "--collect-only", "-q", "-k", "intro and 5")
    assert [line for line in result.outlines if "::" in line] == ["intro.md::line 5"]


def test_without_the_option_tutorials_are_left_alone(tutorials: pytest.Pytester):
    result = tutorials.runpytest("--collect-only", "-q")
    assert [line for line in result.outlines if "::" in line] == ["test_plain.py::test_plain"]
    # the ini option lists tutorials by glob pattern instead
    tutorials.makeini("[pytest]\ntutorials = *.md\n")
    result = tutorials.runpytest("--collect-only", "-q")
    assert [line for line in result.outlines if "::" in line] == [
        *INTRO_OUTCOMES, "test_plain.py::test_plain"]


def test_a_bad_timeout_is_a_usage_error(tutorials: pytest.Pytester):
    result = tutorials.runpytest("--tutorials", "--tutorials-timeout", "0")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--tutorials-timeout must be positive, got 0"])


def test_loading_the_plugin_imports_neither_torch_nor_the_checker():
    code = ("import sys, recipes.checker.pytest_plugin\n"
            "print(sorted(m for m in sys.modules if m == 'torch' or m.startswith('recipes.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['recipes.checker', 'recipes.checker.pytest_plugin']"


@pytest.mark.slow
def test_verdicts_become_outcomes_then_last_failed_reruns_the_failures(tutorials: pytest.Pytester):
    result = tutorials.runpytest("--tutorials", "intro.md", "-rs", "--junitxml=report.xml")
    result.assert_outcomes(passed=2, failed=1, skipped=1, errors=2)
    assert _outcomes(tutorials.path / "report.xml") == INTRO_OUTCOMES
    out = result.stdout.str()
    # the wrong claim fails with the checker's diff, not a traceback into the plugin
    result.stdout.fnmatch_lines(["intro.md:5: wrong: comment 10", "    -10", "    +9"])
    assert "pytest_plugin.py" not in out
    # the skip names the tutorial's line and the reason
    result.stdout.fnmatch_lines(["SKIPPED [[]1[]] intro.md:10: unverifiable: *unseeded*"])
    # a failing block errors on its claim, and the claimless one has an item of its own
    result.stdout.fnmatch_lines(["*ERROR at setup of line 18*",
                                 "intro.md:18: error: ZeroDivisionError: division by zero"])
    result.stdout.fnmatch_lines(["*ERROR at setup of block at line 22*",
                                 "intro.md:22: error: ValueError: boom"])
    failure = ET.parse(tutorials.path / "report.xml").getroot().find(
        ".//testcase[@name='line 5']/failure")
    assert "-10" in failure.text and "+9" in failure.text
    # --lf reruns what failed or errored last time, and -k narrows that further
    result = tutorials.runpytest("--tutorials", "intro.md", "--lf", "-k", "not 18", "-v")
    result.assert_outcomes(failed=1, errors=1, deselected=4)
    result.stdout.fnmatch_lines(["intro.md::line 5 FAILED*", "intro.md::block at line 22 ERROR*"])


@pytest.mark.slow
def test_two_xdist_workers_give_the_same_outcomes_one_kernel_per_document(
        tutorials: pytest.Pytester):
    result = tutorials.runpytest_subprocess("--tutorials", "intro.md", "second.py",
                                            "test_plain.py", "-n", "2", "-v")
    outcomes, workers = {}, defaultdict(set)
    for line in result.outlines:  # [gw0] [ 12%] PASSED intro.md::line 4
        found = re.match(r"\[(gw\d+)\] \[ *\d+%\] ([A-Z]+) ((\S+?)::.*?) *$", line)
        if found:
            worker, outcome, nodeid, path = found.groups()
            outcomes[nodeid] = outcome.lower()
            workers[path].add(worker)
    assert outcomes == {**INTRO_OUTCOMES, **SECOND_OUTCOMES, "test_plain.py::test_plain": "passed"}
    # every item of a document ran on one worker, so the document ran in one kernel
    assert {path: len(ran_on) for path, ran_on in workers.items()} == {
        "intro.md": 1, "second.py": 1, "test_plain.py": 1}
