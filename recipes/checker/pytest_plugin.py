"""pytest plugin: each tutorial a test file, each claimed output a test item.

``pytest --tutorials PATH...`` (or the ini option ``tutorials``, a list of glob patterns) collects
the tutorials among the paths pytest collects; each claim becomes an item named by its line
(``docs/intro.md::line 42``, in a notebook ``nb.ipynb::cell 3, output 1``), and each code block
without claims an item of its own (``docs/intro.md::block at line 40``), so a block that fails is
never lost. The first item of a file that runs checks the whole document, once, in one kernel,
exactly as ``torch-recipes check`` does (sandboxed unless ``--tutorials-no-sandbox``); every item
then reads its verdict from that result:

* ok: passed; wrong: failed, with the report's claimed/actual diff;
* unverifiable, environment-dependent or not run (a missing package, no CUDA, a sandbox limit):
  skipped, with the reason;
* in a block that raised, timed out or does not parse: an error.

Loading the plugin costs nothing: this module imports only pytest and the standard library, and
does nothing unless ``--tutorials`` or the ini option is given. Under pytest-xdist the plugin
makes ``--dist load`` (the default of ``-n``) and ``worksteal`` distribute whole files, so each
document runs in one kernel on one worker.
"""

from __future__ import annotations

import fnmatch
import glob
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from recipes.checker.model import Block, Claim, Document, Orphan
    from recipes.checker.run import BlockResult, ClaimResult, DocumentResult

__all__ = ["TutorialFile", "TutorialItem"]

# xdist modes that may send the items of one file to different workers (one kernel each).
_SPLITTING_MODES = ("load", "worksteal")


def pytest_addoption(parser: pytest.Parser) -> None:
    """The ``--tutorials`` options and the ``tutorials`` ini option."""
    group = parser.getgroup("tutorials", "tutorials' claimed outputs (torch-recipes check)")
    group.addoption(
        "--tutorials",
        action="store_true",
        help="collect the tutorials among the given paths (.md, .ipynb, .py, .rst, .html, .txt; "
             "test modules stay tests): each claimed output is a test item",
    )
    group.addoption(
        "--tutorials-timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="time limit for each tutorial block (default 30)",
    )
    group.addoption(
        "--tutorials-no-sandbox",
        dest="tutorials_sandbox",
        action="store_false",
        help="run the tutorials' code with all your permissions, outside the sandbox (only for "
             "tutorials you trust)",
    )
    parser.addini(
        "tutorials",
        type="args",
        default=[],
        help="glob patterns, relative to the ini file's folder, of files collected as tutorials "
             "(e.g. docs/*.md docs/**/*.ipynb); pytest must still reach them (args or testpaths)",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the collector when tutorials were asked for; keep each document on one worker."""
    patterns = config.getini("tutorials")
    if not (config.getoption("tutorials") or patterns):
        return
    timeout = config.getoption("tutorials_timeout")
    if timeout <= 0:
        raise pytest.UsageError(f"--tutorials-timeout must be positive, got {timeout:g}")
    root = config.inipath.parent if config.inipath else config.rootpath
    listed = {(root / found).resolve() for pattern in patterns
              for found in glob.glob(pattern, root_dir=root, recursive=True)}
    config.pluginmanager.register(_Collector(config, listed), "torch-recipes-collector")
    if getattr(config.option, "dist", "no") in _SPLITTING_MODES:
        config.option.dist = "loadfile"


class _Collector:
    """Decides which files are tutorials and collects them (registered only when asked for)."""

    def __init__(self, config: pytest.Config, listed: set[Path]) -> None:
        self.scan = bool(config.getoption("tutorials"))
        self.listed = listed
        self.test_patterns = config.getini("python_files")

    def wants(self, path: Path) -> bool:
        """A file named by the ini patterns, or with ``--tutorials`` any file the checker reads
        that is not a test module."""
        if path.resolve() in self.listed:
            return True
        if not self.scan:
            return False
        from recipes.checker.parse import is_tutorial

        is_test = path.suffix == ".py" and any(fnmatch.fnmatch(path.name, pattern)
                                               for pattern in self.test_patterns)
        return is_tutorial(path) and not is_test

    @pytest.hookimpl(wrapper=True)
    def pytest_collect_file(self, file_path: Path, parent: pytest.Collector) -> Any:
        found = yield
        if not self.wants(file_path):
            return found
        # A tutorial is read, never imported: it replaces the Module (or doctest file) that
        # another plugin made for the same path before anything ran.
        return [TutorialFile.from_parent(parent, path=file_path)]

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        report = yield
        # A skip names the tutorial's line, as a skip mark names the test's, not the plugin's.
        if isinstance(item, TutorialItem) and report.skipped and \
                isinstance(report.longrepr, tuple):
            report.longrepr = (str(item.path), item.target.line, report.longrepr[2])
        return report


class TutorialFile(pytest.File):
    """One tutorial: parsed when collected, run by the first of its items that runs."""

    document: Document
    _result: DocumentResult | BaseException | None = None

    def collect(self) -> Iterator[TutorialItem]:
        from recipes.checker.model import UsageError
        from recipes.checker.parse import parse_file

        try:
            self.document = parse_file(self.path)
        except UsageError as err:
            raise self.CollectError(str(err)) from None
        names: set[str] = set()
        for block in self.document.blocks:
            claims = list(block.claims) + [ex.claim for ex in block.examples if ex.claim]
            targets: list[Claim | Block] = claims or [block]
            for target in targets:
                yield TutorialItem.from_parent(self, name=_unique(_name(target), names),
                                               target=target)
        for orphan in self.document.orphans:
            yield TutorialItem.from_parent(self, name=_unique(_name(orphan), names),
                                           target=orphan)

    def result(self) -> DocumentResult:
        """The document's result, run on first use and kept for the file's other items."""
        if self._result is None:
            try:
                self._result = self._run()
            except Exception as err:  # a crash of the checker: each item reports it, none reruns
                self._result = err
        if isinstance(self._result, BaseException):
            raise self._result
        return self._result

    def _run(self) -> DocumentResult:
        from recipes.checker.run import check_document
        from recipes.checker.sandbox import default_limits, unavailable

        limits = None
        if self.config.getoption("tutorials_sandbox"):
            reason = unavailable()
            if reason:
                raise TutorialError(f"{reason}\n(--tutorials-no-sandbox runs the tutorials "
                                    "without the sandbox)")
            limits = default_limits()
        return check_document(self.document, timeout=self.config.getoption("tutorials_timeout"),
                              sandbox=limits)


class TutorialError(Exception):
    """The tutorial could not be checked: its items error with this message."""


class TutorialItem(pytest.Item):
    """One claim, one code block without claims, or one output that belongs to no code."""

    def __init__(self, *, target: Claim | Block | Orphan, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target = target
        self.report: str = ""
        self.extra_keyword_matches.add(getattr(target, "kind", "orphan"))

    def setup(self) -> None:
        """Run the document (first item of its file only), then error or skip here: what
        happens in setup is an error to pytest, what happens in the test a failure."""
        from recipes.checker.model import Block, Claim
        from recipes.checker.report import block_line, bucket, claim_report
        from recipes.checker.run import FAILING

        if not isinstance(self.target, (Block, Claim)):
            pytest.skip(f"orphan-output: output with no code before it ({self.target.why})")
        try:
            result = self.parent.result()
        except TutorialError as err:
            pytest.fail(str(err), pytrace=False)
        if result.error:
            pytest.fail(result.error, pytrace=False)
        block, claim = _find(result, self.target)
        path = self.parent.nodeid
        if claim is None:
            if block.status in FAILING:
                pytest.fail(_block_failure(path, block), pytrace=False)
            if block.status != "ok":
                pytest.skip(f"{block.status}: {block_line(path, block).plain}")
            return
        verdict = bucket(claim.verdict)
        if block.status in FAILING or verdict == "failing":
            # A claim of a failing block errors, whatever it got before the block stopped.
            pytest.fail(f"{claim_report(path, claim).plain}\n{_block_failure(path, block)}",
                        pytrace=False)
        if verdict == "wrong":
            self.report = claim_report(path, claim).plain
        elif verdict != "verified":
            pytest.skip(f"{claim.verdict}: {claim.note or verdict}")

    def runtest(self) -> None:
        """Fail, with the report's claimed/actual diff, when the claim is wrong."""
        if self.report:
            pytest.fail(self.report, pytrace=False)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.target.line - 1, self.name


def _name(target: Claim | Block | Orphan) -> str:
    """The item's name: the claim's line, the output's cell, or the claimless block's line."""
    from recipes.checker.model import Block, Claim

    cell, line = target.cell, target.line
    if isinstance(target, Claim) and cell is not None and target.output is not None:
        where = f"cell {cell}, output {target.output}"
    elif cell is not None:
        where = f"cell {cell}" if isinstance(target, Block) else f"cell {cell}, line {line}"
    else:
        where = f"line {line}"
    return f"block at {where}" if isinstance(target, Block) else where


def _unique(name: str, taken: set[str]) -> str:
    """``name``, or ``name (2)``, ``name (3)``... when an earlier item of the file has it."""
    found, k = name, 1
    while found in taken:
        k += 1
        found = f"{name} ({k})"
    taken.add(found)
    return found


def _find(result: DocumentResult, target: Claim | Block) -> tuple[BlockResult,
                                                                 ClaimResult | None]:
    """The block result holding ``target`` and, for a claim, its claim result."""
    for br in result.blocks:
        if br.block is target:
            return br, None
        for cr in br.claims:
            if cr.claim is target:
                return br, cr
    pytest.fail(f"no result for line {target.line}: the checker did not report it",
                pytrace=False)


def _block_failure(path: str, block: BlockResult) -> str:
    """The report's line for a failed block, with the traceback the kernel printed."""
    from recipes.checker.report import block_line

    traceback = (block.error or {}).get("traceback", "")
    return "\n".join(part for part in (block_line(path, block).plain, traceback) if part)
