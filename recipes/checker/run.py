"""Run one document's blocks in order in a fresh kernel and judge every claim.

Each block is split into cells so that every claimed statement runs as a cell of its own and its
claim is compared with exactly what that statement printed; the statements between claims run
together. All cells of a document share one Jupyter kernel (the project's
:class:`recipes.runner.KernelRunner`), so state flows from block to block and ``torch`` is imported
once per document; the cells travel to the kernel together, as many blocks at a time as run
without failing (:class:`_Feed`), as the round trip to the kernel costs more than a small cell. A block that raises, times out, exits or kills its process stops there; the
runner restarts the kernel and replays the cells that succeeded, and the next block goes on.

One finding per root cause: a block that fails only because an earlier block failed (a
``NameError`` for a name that block would have defined) is ``skipped``, naming that block; a CUDA
failure is ``needs-cuda`` only when the kernel itself reports no CUDA device; an import of a
package that is not installed binds a placeholder, so only code that really uses the package is
reported (``missing-package``); a document that never imports ``torch``, ``np``, ``nn``, ``F``,
``optim`` or ``plt`` but uses them gets one finding and runs as if it had imported them.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from recipes.checker.compare import judge, judge_error, judge_window_sequence
from recipes.checker.model import Block, Claim, Document
from recipes.checker.parse.blocks import transform_magics
from recipes.checker.parse.claims import first_row
from recipes.checker.parse.notebook import output_text
from recipes.checker.sandbox import NOBODY, Limits, Sandbox
from recipes.checker.taint import COMPOUND, Nondeterminism, RandomRange
from recipes.runner import CellGroup, CellResult, KernelRunner, ReplayFailure

__all__ = [
    "BlockResult",
    "BlockStatus",
    "ClaimResult",
    "DocumentResult",
    "Finding",
    "Verdict",
    "check_document",
    "plan_cells",
    "unrun_blocks",
]

# The last six are a sandbox limit or denial that stopped the block (recipes.checker.sandbox).
BlockStatus = Literal["ok", "error", "timeout", "syntax", "needs-cuda", "missing-package",
                      "skipped", "memory-limit", "process-limit", "file-size-limit",
                      "network-denied", "write-denied", "hidden-path"]
Verdict = Literal["ok", "wrong", "unverifiable", "environment", "not-run", "error", "timeout",
                  "syntax", "needs-cuda", "missing-package", "skipped", "memory-limit",
                  "process-limit", "file-size-limit", "network-denied", "write-denied",
                  "hidden-path"]

# Statuses of a block that the tutorial itself gets wrong (they fail the run).
FAILING: tuple[BlockStatus, ...] = ("error", "timeout", "syntax")

# A notebook front end shows values with IPython's pretty printer; doctests, the Python prompt and
# scripts show ``repr``. The placeholder bound for a package that is not installed raises
# ModuleNotFoundError on first use, so an unused import costs nothing.
_SETUP = {
    "repr": "get_ipython().display_formatter.formatters['text/plain'].pprint = False\n",
    "ipython": "",
}
_MISSING_STUB = '''
class __TorchRecipesMissing:
    def __init__(self, name):
        object.__setattr__(self, "_name", name)

    def _fail(self, *_args, **_kwargs):
        name = object.__getattribute__(self, "_name")
        raise ModuleNotFoundError(f"No module named '{name}'", name=name)

    __getattr__ = __call__ = __getitem__ = __iter__ = _fail

    def __repr__(self):
        return f"<module {object.__getattribute__(self, '_name')!r}: not installed>"
'''
_IMPLIED = {
    "torch": "import torch",
    "np": "import numpy as np",
    "nn": "from torch import nn",
    "F": "import torch.nn.functional as F",
    "optim": "from torch import optim",
    "plt": "import matplotlib.pyplot as plt",
}
_CUDA_ERRORS = re.compile(
    r"Torch not compiled with CUDA enabled|No CUDA GPUs are available|Found no NVIDIA driver|"
    r"CUDA driver version is insufficient|no kernel image is available|CUDA error|"
    r"Attempting to deserialize object on a CUDA device|torch\.cuda\.is_available\(\) is False|"
    r"cuda.*not available|not compiled with cuda|NVIDIA driver on your system is too old|"
    r"CUDA_HOME|nccl|cudnn",
    re.IGNORECASE,
)
# %time, %%timeit: their report is the clock's (the magic hides the call from the taint tracker)
_TIMING_MAGIC = re.compile(r"^\s*%{1,2}(?:time|timeit|prun)\b", re.MULTILINE)
_NAME_ERROR = re.compile(r"name '([^']+)' is not defined")
_NO_MODULE = re.compile(r"No module named '([^']+)'")


@dataclass
class ClaimResult:
    """A claim's verdict: ok, wrong, unverifiable, environment, or why it was not verified."""

    claim: Claim
    verdict: Verdict
    actual: str | None = None
    note: str = ""
    diff: str = ""


@dataclass
class BlockResult:
    """How a block ran; ``error`` holds ename, evalue, line, reason and traceback on failure."""

    block: Block
    status: BlockStatus
    claims: list[ClaimResult] = field(default_factory=list)
    error: dict | None = None
    seconds: float = 0.0
    output: str = ""


@dataclass
class Finding:
    """Something about a whole document: a missing import, a package, an output left unread."""

    line: int
    kind: Literal["never-imports", "missing-package", "orphan-output", "not-run", "skipped-folder"]
    message: str


@dataclass
class DocumentResult:
    """Every block's result for one document, in order, and the document's findings."""

    document: Document
    blocks: list[BlockResult]
    seconds: float = 0.0
    kernel_seconds: float = 0.0
    cells: int = 0
    restarts: int = 0
    error: str | None = None
    findings: list[Finding] = field(default_factory=list)
    sandboxed: bool = False


@dataclass
class Cell:
    """What one kernel cell runs and which claims its output is compared with."""

    source: str
    first: int  # line of the block's source the cell starts at (1-based)
    claims: list[Claim]
    tree: ast.Module | None
    label: str | None = None
    multi_args: bool = False
    expect_error: str | None = None
    window: bool = False  # a claim on a loop or other compound statement may show part of it
    last: bool = False  # holds the block's last statement: its value is what a notebook shows


# ---------------------------------------------------------------------------------------------
# Cells
# ---------------------------------------------------------------------------------------------


def _units(tree: ast.Module) -> list[tuple[int, int, list[ast.stmt]]]:
    """Top-level statements merged where they share a line: (first line, last line, statements)."""
    units: list[tuple[int, int, list[ast.stmt]]] = []
    for stmt in tree.body:
        first = first_row(stmt)
        last = stmt.end_lineno or stmt.lineno
        if units and first <= units[-1][1]:
            a, b, stmts = units[-1]
            units[-1] = (a, max(b, last), stmts + [stmt])
        else:
            units.append((first, last, [stmt]))
    return units


def _print_label(node: ast.AST) -> tuple[str | None, bool]:
    """The literal text a print writes before its first value, and whether it prints several."""
    if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
        return None, False
    call = node.value
    if not (isinstance(call.func, ast.Name) and call.func.id == "print") or not call.args:
        return None, False
    sep = " "
    for kw in call.keywords:
        if kw.arg == "sep" and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
            sep = kw.value.value
    first = call.args[0]
    multi = len(call.args) > 1
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return (first.value + sep if multi else None), multi
    if isinstance(first, ast.JoinedStr) and first.values:
        head = first.values[0]
        if isinstance(head, ast.Constant) and isinstance(head.value, str) and len(first.values) > 1:
            return head.value, multi
    if (
        isinstance(first, ast.Call)
        and isinstance(first.func, ast.Attribute)
        and first.func.attr == "format"
        and isinstance(first.func.value, ast.Constant)
        and isinstance(first.func.value.value, str)
    ):
        text = first.func.value.value
        if "{" in text:
            return text.split("{", 1)[0], multi
    return None, multi


def _find_stmt(tree: ast.Module, line: int) -> ast.stmt | None:
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt) and node.lineno == line:
            return node
    return None


_module_found: dict[str, bool] = {}


def _installed(module: str) -> bool:
    top = module.split(".")[0]
    if top not in _module_found:
        try:
            _module_found[top] = top in sys.builtin_module_names or \
                importlib.util.find_spec(top) is not None
        except (ImportError, ValueError):
            _module_found[top] = False
    return _module_found[top]


def missing_imports(tree: ast.Module | None) -> list[tuple[ast.stmt, str, list[str]]]:
    """Top-level imports of packages that are not installed: (statement, package, names bound)."""
    found = []
    for stmt in tree.body if tree is not None else []:
        if isinstance(stmt, ast.Import):
            missing = [a for a in stmt.names if not _installed(a.name)]
            if missing and len(missing) == len(stmt.names):
                names = [a.asname or a.name.split(".")[0] for a in missing]
                found.append((stmt, missing[0].name.split(".")[0], names))
        elif isinstance(stmt, ast.ImportFrom) and stmt.level == 0 and stmt.module and \
                not _installed(stmt.module) and all(a.name != "*" for a in stmt.names):
            found.append((stmt, stmt.module.split(".")[0],
                          [a.asname or a.name for a in stmt.names]))
    return found


def _placeholders(lines: list[str], tree: ast.Module | None) -> list[str]:
    """The block's lines with each import of a missing package binding a placeholder instead."""
    lines = list(lines)
    for stmt, package, names in missing_imports(tree):
        first, last = stmt.lineno, stmt.end_lineno or stmt.lineno
        binding = "; ".join(f"{n} = __TorchRecipesMissing({package!r})" for n in names)
        lines[first - 1] = binding
        for row in range(first, last):
            lines[row] = ""
    return lines


def plan_cells(block: Block) -> list[Cell]:
    """Split a block into kernel cells: each claimed statement alone, the rest grouped."""
    if block.kind == "doctest":
        cells = []
        for ex in block.examples:
            if ex.skip:
                continue
            claims = [ex.claim] if ex.claim is not None else []
            cell = Cell(ex.source, 0, claims, _parse(ex.source),
                        expect_error=ex.claim.expect_error if ex.claim else None, last=True)
            cell.first = ex.line  # doctest lines are tutorial lines already
            cells.append(cell)
        return cells
    tree = block.tree if block.tree is not None else _parse(block.source)
    lines = _placeholders(block.source.split("\n"), tree)
    stmt_claims = [c for c in block.claims if c.stmt is not None and c.function is None]
    if tree is None or not stmt_claims or not tree.body:
        source = "\n".join(lines)
        return [Cell(source, 1, [], _parse(source), last=True)]
    units = _units(tree)
    claimed: dict[int, list[Claim]] = {}
    for claim in stmt_claims:
        for k, (a, b, _) in enumerate(units):
            if a <= claim.stmt <= b:
                claimed.setdefault(k, []).append(claim)
                break
    cells: list[Cell] = []
    pending: list[int] = []

    def flush() -> None:
        if not pending:
            return
        a, b = units[pending[0]][0], units[pending[-1]][1]
        source = "\n".join(lines[a - 1 : b])
        cells.append(Cell(source, a, [], _parse(source), last=pending[-1] == len(units) - 1))
        pending.clear()

    for k, (a, b, _stmts) in enumerate(units):
        if k not in claimed:
            pending.append(k)
            continue
        flush()
        source = "\n".join(lines[a - 1 : b])
        claims = claimed[k]
        label, multi = None, False
        if len(claims) == 1:
            node = _find_stmt(tree, claims[0].stmt)
            if node is not None:
                label, multi = _print_label(node)
            if claims[0].kind == "assignment" and isinstance(node, ast.Assign):
                target = node.targets[0]
                if isinstance(target, ast.Name):
                    source += f"\nprint({target.id})"
        expect = next((c.expect_error for c in claims if c.expect_error), None)
        compound = any(isinstance(stmt, COMPOUND) for stmt in _stmts)
        cells.append(Cell(source, a, claims, _parse(source), label, multi, expect,
                          window=compound, last=k == len(units) - 1))
    flush()
    return cells


def _parse(source: str) -> ast.Module | None:
    for text in (source, transform_magics(source)):
        try:
            return ast.parse(text)
        except (SyntaxError, ValueError):
            continue
    return None


# ---------------------------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------------------------


def _visible_text(outputs: list[dict]) -> str:
    """What a reader sees printed: stdout and displayed values (warnings on stderr left out)."""
    parts = []
    for out in outputs:
        channel, text = _channel(out)
        if channel in ("stdout", "result"):
            parts.append(text)
    return "".join(parts)


def _channel(out: dict) -> tuple[str | None, str]:
    """An output's channel and its text as a reader sees it (a displayed value on its own line)."""
    found = output_text(out)
    if found is None:
        return None, ""
    channel, text = found
    return channel, text + "\n" if channel in ("result", "display") else text


_EXIT_CALLS = {
    "died": re.compile(r"\b_exit\s*\(|\.kill\s*\(|\babort\s*\(|ctypes\.|faulthandler\."),
    "SystemExit": re.compile(r"\b(?:exit|quit)\s*\("),
}


def _error_line(result: CellResult, cell: Cell, block: Block) -> int:
    """The tutorial line where the cell failed: from the traceback, else the exiting call."""
    tb = result.error.traceback if result.error else ""
    if block.kind == "module":  # the import failed: point at the module's own line
        name = re.escape(Path(block.file).name)
        hits = re.findall(rf"File [^\n]*{name}:(\d+)|{name}, line (\d+)", tb)
        found = [int(a or b) for a, b in hits]
        return found[-1] if found else block.line
    m = re.search(r"Cell In\[\d+\], line (\d+)", tb)
    offset = int(m.group(1)) - 1 if m else 0
    if m is None:
        key = "died" if result.status == "died" else (result.error.ename if result.error else "")
        pattern = _EXIT_CALLS.get(key)
        lines = cell.source.split("\n")
        found = [k for k, ln in enumerate(lines) if pattern and pattern.search(ln)]
        if found:
            offset = found[0]
    if block.kind == "doctest":
        return cell.first + offset
    return block.file_line(cell.first + offset)


@dataclass
class _State:
    """What one document's run has learned so far, shared by its blocks."""

    runner: KernelRunner
    feed: _Feed
    tracker: Nondeterminism = field(default_factory=Nondeterminism)
    failed_names: dict[str, str] = field(default_factory=dict)  # name -> why it is missing
    cuda: bool | None = None
    sandbox: Sandbox | None = None
    unrestored: list[ReplayFailure] = field(default_factory=list)

    def restored(self, failures: list[ReplayFailure]) -> None:
        """Note cells that failed when replayed: later blocks miss the names they bound."""
        for failure in failures:
            if failure.tag is None:  # the checker's own probe, not a block
                continue
            self.unrestored.append(failure)
            why = (f"depends on the block at line {failure.tag.line}, which could not be "
                   "restored after the kernel restarted")
            for name in _stored(_parse(failure.source)):
                self.failed_names[name] = why

    def cuda_available(self) -> bool:
        """Ask the kernel, once, whether PyTorch sees a CUDA device."""
        if self.cuda is None:
            res = self.runner.run("import torch as __torch_recipes_torch\n"
                                  "print(__torch_recipes_torch.cuda.is_available())\n"
                                  "del __torch_recipes_torch")
            self.cuda = res.status == "ok" and _visible_text(res.outputs).strip() == "True"
        return self.cuda


def _failure(result: CellResult, cell: Cell, block: Block, state: _State) -> tuple[BlockStatus,
                                                                                   dict]:
    err = result.error
    ename = err.ename if err else "Error"
    evalue = err.evalue if err else ""
    line = _error_line(result, cell, block)
    status: BlockStatus = "error"
    name = _NAME_ERROR.search(evalue) if ename == "NameError" else None
    module = _NO_MODULE.search(evalue) if ename == "ModuleNotFoundError" else None
    if result.status == "timeout":
        status, reason = "timeout", "ran past the timeout"
    elif result.status == "died":
        reason = "the process died (os._exit, a crash or a kill)"
    elif ename == "SystemExit":
        reason = f"called sys.exit({evalue})"
    elif ename == "OutputLimitExceeded":
        reason = "printed without end; output stopped"
    elif state.sandbox is not None and (denial := state.sandbox.classify(ename, evalue)):
        status, reason = denial
        if status == "process-limit":  # the processes it started would keep the count full
            state.restored(state.runner.restart())
    elif name and name.group(1) in state.failed_names:
        status, reason = "skipped", state.failed_names[name.group(1)]
    elif module:
        package = module.group(1).split(".")[0]
        status, reason = "missing-package", f"package {package!r} is not installed here"
    elif _CUDA_ERRORS.search(f"{ename}: {evalue}") and not state.cuda_available():
        status, reason = "needs-cuda", "needs a CUDA GPU; the kernel reports none"
    else:
        reason = "raised"
    info = {
        "ename": ename,
        "evalue": evalue,
        "line": line,
        "reason": reason,
        "traceback": (err.traceback if err else "")[-4000:],
    }
    return status, info


def check_document(
    doc: Document,
    *,
    timeout: float = 30.0,
    prelude: str = "",
    in_place: bool = False,
    on_block: Callable[[BlockResult], None] | None = None,
    output_limit: int = 1_000_000,
    implied_imports: bool = True,
    sandbox: Limits | None = None,
    sandbox_user: int = NOBODY,
) -> DocumentResult:
    """Run ``doc``'s blocks in order in one fresh kernel; judge every claim.

    The kernel works in a fresh temporary folder (files the tutorial writes go there) unless
    ``in_place``, which runs it in the document's own folder. ``implied_imports`` runs a document
    that uses ``torch``, ``np``, ``nn``, ``F``, ``optim`` or ``plt`` without ever importing them
    as if it had (reported once). With ``sandbox`` limits the kernel runs in the
    :class:`~recipes.checker.sandbox.Sandbox`: the document's folder read-only, the temporary
    folder the only writable one; run as root, the kernel's user is ``sandbox_user``.
    """
    start = time.perf_counter()
    results: list[BlockResult] = []
    result = DocumentResult(doc, results, findings=_document_findings(doc),
                            sandboxed=sandbox is not None)
    implied = _implied_imports(doc)
    if implied:
        names = ", ".join(f"`{n}`" for n, _ in implied)
        first = min(line for _, line in implied)
        action = ("checked as if it imported them first" if implied_imports
                  else "run as written (--no-implied-imports)")
        result.findings.insert(0, Finding(first, "never-imports",
                                          f"uses {names} but never imports them; {action}"))
        if implied_imports:
            prelude = "\n".join(_IMPLIED[n] for n, _ in implied) + "\n" + prelude
    runnable = [b for b in doc.blocks if b.syntax_error is None]
    if not runnable:
        for block in doc.blocks:
            results.append(_syntax_result(block))
            if on_block:
                on_block(results[-1])
        result.seconds = time.perf_counter() - start
        return result
    with tempfile.TemporaryDirectory(prefix="torch-recipes-check-") as tmp:
        cwd = Path(doc.path).resolve().parent if in_place else Path(tmp)
        jail = None
        if sandbox is not None:
            source = Path(doc.path).resolve()
            jail = Sandbox(sandbox, readable=[source.parent, source],
                           writable=[] if in_place else [Path(tmp)], kernel_uid=sandbox_user)
        try:
            runner = KernelRunner(timeout=timeout, cwd=cwd,
                                  setup=_SETUP[doc.display] + _MISSING_STUB + prelude,
                                  output_limit=output_limit, sandbox=jail)
            runner.__enter__()
        except Exception as err:  # the kernel could not start, or the prelude failed
            unrun_blocks(result, f"could not start a kernel: {err}", type(err).__name__,
                         str(err), "the kernel did not start")
            result.seconds = time.perf_counter() - start
            return result
        try:
            plans = [(block, plan_cells(block) if block.syntax_error is None else [])
                     for block in doc.blocks]
            state = _State(runner, _Feed(runner, plans, timeout), sandbox=jail)
            state.tracker.visit(ast.parse("\n".join(_IMPLIED[n] for n, _ in implied)
                                          if implied and implied_imports else ""))
            for block, cells in plans:
                br = _run_block(block, cells, state)
                results.append(br)
                _report_unrestored(state, results)
                result.kernel_seconds += br.seconds
                result.findings.extend(
                    Finding(block.file_line(stmt.lineno), "missing-package",
                            f"imports {package!r}, which is not installed here; "
                            "only code that uses it is reported")
                    for stmt, package, _ in missing_imports(block.tree)
                )
                if on_block:
                    on_block(br)
            _judge_function_claims(doc, results, state.tracker)
            result.cells = runner.executions
            result.restarts = runner.restarts
        finally:
            runner.__exit__(None, None, None)
    result.seconds = time.perf_counter() - start
    return result


def unrun_blocks(result: DocumentResult, error: str, ename: str, evalue: str,
                 reason: str) -> None:
    """Record that none of the document's blocks ran, and why: each block is an error."""
    result.error = error
    result.blocks[:] = []
    for block in result.document.blocks:
        br = BlockResult(block, "error", error={"ename": ename, "evalue": evalue,
                                                "line": block.line, "reason": reason,
                                                "traceback": ""})
        br.claims = [ClaimResult(c, "error", note="not run") for c in _all_claims(block)]
        result.blocks.append(br)


def _document_findings(doc: Document) -> list[Finding]:
    found = [Finding(o.line, "orphan-output", f"output with no code before it ({o.why}): "
                     f"{_first_line(o.text)}") for o in doc.orphans]
    found += [Finding(u.line, "not-run", f"not run ({u.why}): {_first_line(u.text)}")
              for u in doc.unrun]
    return found


def _first_line(text: str, width: int = 60) -> str:
    line = next((ln.strip() for ln in text.split("\n") if ln.strip()), "")
    return line if len(line) <= width else line[: width - 1] + "…"


def _implied_imports(doc: Document) -> list[tuple[str, int]]:
    """Standard names a document uses but never binds: (name, first line used)."""
    bound: set[str] = set()
    used: dict[str, int] = {}
    for block in doc.blocks:
        trees = [block.tree] if block.kind != "doctest" else [
            _parse(ex.source) for ex in block.examples]
        for tree in trees:
            if tree is None:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Name):
                    if isinstance(node.ctx, ast.Load):
                        if node.id in _IMPLIED and node.id not in used:
                            used[node.id] = block.file_line(node.lineno) \
                                if block.kind != "doctest" else block.line
                    else:
                        bound.add(node.id)
                elif isinstance(node, (ast.Import, ast.ImportFrom)):
                    bound.update((a.asname or a.name).split(".")[0] for a in node.names)
                elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    bound.add(node.name)
                elif isinstance(node, ast.arg):
                    bound.add(node.arg)
    return sorted(((n, line) for n, line in used.items() if n not in bound),
                  key=lambda item: list(_IMPLIED).index(item[0]))


def _all_claims(block: Block) -> list[Claim]:
    return list(block.claims) + [ex.claim for ex in block.examples if ex.claim is not None]


def _syntax_result(block: Block) -> BlockResult:
    line, msg = block.syntax_error or (block.line, "")
    ename, _, evalue = msg.partition(": ")
    br = BlockResult(block, "syntax", error={"ename": ename, "evalue": evalue, "line": line,
                                             "reason": "does not parse", "traceback": ""})
    br.claims = [ClaimResult(c, "syntax", note=f"not run: the block does not parse (line {line})")
                 for c in _all_claims(block)]
    return br


def _stored(tree: ast.Module | None) -> set[str]:
    names: set[str] = set()
    for stmt in tree.body if tree is not None else []:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names.update((a.asname or a.name).split(".")[0] for a in node.names)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
    return names


def _run_block(block: Block, cells: list[Cell], state: _State) -> BlockResult:
    if block.syntax_error is not None:
        return _syntax_result(block)
    tracker = state.tracker
    if cells and _imports_torch_first(cells[0].tree) and "torch" in tracker.aliases.values():
        tracker.new_script()
    br = BlockResult(block, "ok")
    outputs: list[dict] = []
    result_outputs: list[dict] = []
    verdicts: dict[int, ClaimResult] = {}
    block_taint: set[str] = set()
    failed: tuple[BlockStatus, dict] | None = None
    raised: CellResult | None = None
    for k, (cell, res) in enumerate(zip(cells, state.feed.results(block))):
        taint = tracker.visit(cell.tree) if cell.tree is not None else set()
        if _TIMING_MAGIC.search(cell.source):
            taint.add("env")
        block_taint |= taint
        state.restored(res.replay_failures)
        br.seconds += res.seconds
        outputs.extend(res.outputs)
        if cell.last:
            result_outputs = [o for o in res.outputs if o.get("output_type") == "execute_result"]
        text = _visible_text(res.outputs)
        if cell.expect_error is not None and res.status in ("ok", "error"):
            j = judge_error(cell.expect_error, res.error.ename if res.error else None,
                            res.error.evalue if res.error else None)
            for claim in cell.claims:
                verdicts[id(claim)] = ClaimResult(claim, j.verdict, text, j.note, j.diff)
            continue
        if res.status != "ok":
            if res.status == "error" and _block_error_claim(block) is not None:
                raised = res
                _remember_failure(state, cells[k:], block, None)
                break
            status, info = _failure(res, cell, block, state)
            failed = failed or (status, info)
            for claim in cell.claims:
                verdicts[id(claim)] = ClaimResult(claim, status, text, note=_not_run(info))
            if block.kind == "doctest":  # each example runs on its own, as doctest does
                _remember_failure(state, [cell], block, (status, info))
                continue
            _remember_failure(state, cells[k:], block, failed)
            break
        _judge_cell(cell, text, taint, tracker, verdicts)
    br.output = _visible_text(outputs)[-20000:]
    if failed is not None:
        status, info = failed
        if block.inline and status == "error" and info["reason"] == "raised":
            status = "skipped"
            info["reason"] = "a code fragment inside prose; it does not run on its own"
        br.status = status
        br.error = info
    for claim in _all_claims(block):
        if id(claim) in verdicts:
            cr = verdicts[id(claim)]
        elif claim.function is not None:
            cr = ClaimResult(claim, "not-run", note="pending")  # judged after the document ran
        elif failed is not None:
            cr = ClaimResult(claim, br.status, None, _not_run(failed[1]))
        else:
            cr = _judge_block_claim(claim, outputs, result_outputs, raised, block_taint,
                                    _last_range(cells, tracker))
        br.claims.append(cr)
    br.claims.sort(key=lambda c: (c.claim.line, c.claim.output or 0, c.claim.stmt or 0))
    return br


class _Feed:
    """A document's cell results, the cells sent to the kernel as far ahead as they can go.

    Between blocks the checker does nothing in the kernel unless a cell failed (it may probe
    for CUDA, restart the kernel, or skip the rest of a block), and a batch stops at the first
    failing cell. So every block still to run goes in one request, and only a failure costs
    another: the round trip to the kernel, not the cells, was most of the checker's time per
    block. The timeout stays each block's, shared by the cells it was split into.
    """

    def __init__(self, runner: KernelRunner, plans: list[tuple[Block, list[Cell]]],
                 timeout: float) -> None:
        self.runner = runner
        self.plans = [(block, cells) for block, cells in plans if cells]
        self.timeout = timeout
        self.ready: dict[tuple[int, int], CellResult] = {}  # (id of the block, cell index)
        self.spent: dict[int, float] = {}  # seconds each block's cells ran

    def results(self, block: Block) -> Iterator[CellResult]:
        """The block's cells' results in order; the kernel runs them when first asked for."""
        cells = next((cells for b, cells in self.plans if b is block), [])
        for k in range(len(cells)):
            if (id(block), k) not in self.ready:
                self._send(block, k)
            yield self.ready.pop((id(block), k))

    def _send(self, block: Block, first: int) -> None:
        """Run ``block`` from its cell ``first`` on and every block after it."""
        start = next(i for i, (b, _) in enumerate(self.plans) if b is block)
        queued = [(b, k) for i, (b, cells) in enumerate(self.plans[start:]) for k in
                  range(first if i == 0 else 0, len(cells))]
        groups = [CellGroup([c.source for c in cells[first if i == 0 else 0:]],
                            self.timeout - self.spent.get(id(b), 0.0) if i == 0 else self.timeout,
                            b)
                  for i, (b, cells) in enumerate(self.plans[start:])]
        self.ready.clear()
        for (b, k), result in zip(queued, self.runner.run_groups(groups)):
            self.ready[(id(b), k)] = result
            self.spent[id(b)] = self.spent.get(id(b), 0.0) + result.seconds


def _report_unrestored(state: _State, results: list[BlockResult]) -> None:
    """A block whose replay failed after a restart gets the failure, not a later block."""
    for failure in state.unrestored:
        br = next((r for r in results if r.block is failure.tag), None)
        if br is None or br.status != "ok":  # an earlier failure of its own says more
            continue
        err = failure.result.error
        br.status = "error"
        br.error = {
            "ename": err.ename if err else "Error",
            "evalue": err.evalue if err else "",
            "line": br.block.line,
            "reason": "ran, but failed when replayed after the kernel restarted, so later "
                      "blocks miss what it defined",
            "traceback": (err.traceback if err else "")[-4000:],
        }
    state.unrestored.clear()


def _imports_torch_first(tree: ast.Module | None) -> bool:
    """A block that opens by importing torch again starts a script of its own (a "full code"
    section): seeds set before it no longer hold."""
    first = tree.body[0] if tree is not None and tree.body else None
    if isinstance(first, ast.Import):
        return any(a.name.split(".")[0] == "torch" for a in first.names)
    return isinstance(first, ast.ImportFrom) and (first.module or "").split(".")[0] == "torch"


def _remember_failure(state: _State, cells: list[Cell], block: Block,
                      failed: tuple[BlockStatus, dict] | None) -> None:
    """Names the unrun cells would have bound: a later NameError for them is not a new cause."""
    if failed is None:
        why = f"depends on the block at line {block.line}, which stopped at an exception"
    elif failed[0] == "skipped":
        why = failed[1]["reason"]
    else:
        why = (f"depends on the block at line {block.line}, which failed "
               f"({failed[0]}, line {failed[1]['line']})")
    for cell in cells:
        for name in _stored(cell.tree):
            state.failed_names.setdefault(name, why)


def _judge_cell(cell: Cell, text: str, taint: set[str], tracker: Nondeterminism,
                verdicts: dict[int, ClaimResult]) -> None:
    if not cell.claims:
        return
    if cell.window and not text.strip() and cell.tree is not None:
        for claim in list(cell.claims):
            if claim.stmt is not None and _nested(cell.tree, claim.stmt - cell.first + 1):
                verdicts[id(claim)] = ClaimResult(
                    claim, "not-run", text, "the loop or branch holding it never ran its print")
        cell = Cell(cell.source, cell.first, [c for c in cell.claims if id(c) not in verdicts],
                    cell.tree, window=True)
        if not cell.claims:
            return
    if len(cell.claims) == 1:
        claim = cell.claims[0]
        value_range = tracker.range_of(cell.tree) if cell.tree is not None else None
        j = judge(claim.text, text, taint=taint, label=cell.label, multi_args=cell.multi_args,
                  window=cell.window, approx=claim.approx, value_range=value_range)
        verdicts[id(claim)] = ClaimResult(claim, j.verdict, text, j.note, j.diff)
        return
    ordered = sorted(cell.claims, key=lambda c: c.line)
    for claim, j in zip(ordered, judge_window_sequence([c.text for c in ordered], text, taint)):
        verdicts[id(claim)] = ClaimResult(claim, j.verdict, text, j.note, j.diff)


def _nested(tree: ast.Module, line: int) -> bool:
    """Whether the statement at ``line`` sits in the body of a loop, branch or handler."""
    for top in tree.body:
        if isinstance(top, COMPOUND) and top.lineno < line <= (top.end_lineno or top.lineno):
            return True
    return False


def _block_error_claim(block: Block) -> Claim | None:
    """A claim that the whole block raises (a shown traceback, a stored error output)."""
    return next((c for c in block.claims if c.stmt is None and c.expect_error), None)


def _last_range(cells: list[Cell], tracker: Nondeterminism) -> RandomRange | None:
    """The range of random values the block's last statement shows, when it shows one draw."""
    tree = cells[-1].tree if cells else None
    if tree is None or not tree.body:
        return None
    return tracker.range_of(ast.Module([tree.body[-1]], []))


def _judge_block_claim(claim: Claim, outputs: list[dict], result_outputs: list[dict],
                       raised: CellResult | None, taint: set[str],
                       value_range: RandomRange | None) -> ClaimResult:
    if claim.expect_error is not None:
        err = raised.error if raised is not None else None
        j = judge_error(claim.expect_error, err.ename if err else None,
                        err.evalue if err else None)
        actual = f"{err.ename}: {err.evalue}" if err else "(no exception)"
        return ClaimResult(claim, j.verdict, actual, j.note, j.diff)
    if claim.channel is not None:
        actual = _channel_text(claim.channel, outputs, result_outputs)
        j = judge(claim.text, actual, taint=taint, window=claim.channel == "stdout",
                  value_range=value_range if claim.channel == "result" else None)
        return ClaimResult(claim, j.verdict, actual, j.note, j.diff)
    actual = _visible_text(outputs)
    j = judge(claim.text, actual, taint=taint, window=claim.kind == "output-block",
              approx=claim.approx, value_range=value_range)
    return ClaimResult(claim, j.verdict, actual, j.note, j.diff)


def _channel_text(channel: str, outputs: list[dict], result_outputs: list[dict]) -> str:
    """What a notebook stores on one channel: the last expression's value, or the printed text."""
    if channel == "result":
        return _visible_text(result_outputs)
    return "".join(text for ch, text in map(_channel, outputs) if ch == channel)


def _judge_function_claims(doc: Document, results: list[BlockResult],
                           tracker: Nondeterminism) -> None:
    """Claims inside function bodies: not run unless called; else found in the later output."""
    calls = _called_names(doc)
    for k, br in enumerate(results):
        for i, cr in enumerate(br.claims):
            claim = cr.claim
            if claim.function is None or cr.note != "pending":
                continue
            owner, _, name = claim.function.rpartition(".")
            called = name in calls or (owner and owner.split(".")[-1] in calls and (
                name in ("forward", "__init__", "__call__") or name in calls))
            if not called:
                br.claims[i] = ClaimResult(claim, "not-run",
                                           note=f"inside {claim.function}(), which the document "
                                                "never calls")
                continue
            later = "".join(r.output for r in results[k:])
            taint = tracker.user_sources.get(name, set())
            j = judge(claim.text, later, taint=taint, window=True, approx=claim.approx)
            note = f"inside {claim.function}(); compared with the output of the calls"
            br.claims[i] = ClaimResult(claim, j.verdict, None,
                                       "; ".join(n for n in (note, j.note) if n), j.diff)


def _called_names(doc: Document) -> set[str]:
    names: set[str] = set()
    for block in doc.blocks:
        trees = [block.tree] + [_parse(ex.source) for ex in block.examples]
        for tree in trees:
            for node in ast.walk(tree) if tree is not None else []:
                if isinstance(node, ast.Call):
                    func = node.func
                    if isinstance(func, ast.Name):
                        names.add(func.id)
                    elif isinstance(func, ast.Attribute):
                        names.add(func.attr)
    return names


def _not_run(info: dict) -> str:
    return f"not run: the block stopped at line {info['line']} ({info['ename']})"
