"""Run one document's blocks in order in a fresh kernel and judge every claim.

Each block is split into cells so that every claimed statement runs as a cell of its own and its
claim is compared with exactly what that statement printed; the statements between claims run
together. All cells of a document share one Jupyter kernel (the project's
:class:`recipes.runner.KernelRunner`), so state flows from block to block and ``torch`` is imported
once per document. A block that raises, times out, exits or kills its process stops there; the
runner restarts the kernel and replays the cells that succeeded, and the next block goes on.
"""

from __future__ import annotations

import ast
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from recipes.checker.compare import (
    Judgement,
    Nondeterminism,
    judge,
    judge_error,
    judge_window_sequence,
)
from recipes.checker.model import Block, Claim, Document
from recipes.runner import CellResult, KernelRunner

__all__ = ["BlockResult", "ClaimResult", "DocumentResult", "check_document", "plan_cells"]

# Runs in the kernel at start and after each restart: values display as ``repr`` (as in doctest
# and the Python prompt), not IPython's pretty printer.
_SETUP = "get_ipython().display_formatter.formatters['text/plain'].pprint = False\n"

_CUDA_ERRORS = re.compile(
    r"Torch not compiled with CUDA enabled|No CUDA GPUs are available|Found no NVIDIA driver|"
    r"CUDA driver version is insufficient|no kernel image is available|CUDA error|"
    r"Attempting to deserialize object on a CUDA device|torch\.cuda\.is_available\(\) is False|"
    r"cuda.*not available|not compiled with cuda|NVIDIA driver on your system is too old",
    re.IGNORECASE,
)


@dataclass
class ClaimResult:
    """A claim's verdict: ok, wrong, unverifiable, or the status of the block that did not run it."""

    claim: Claim
    verdict: str
    actual: str | None = None
    note: str = ""
    diff: str = ""


@dataclass
class BlockResult:
    """How a block ran: ok, error, timeout, syntax, needs-cuda or skipped (a fragment in prose)."""

    block: Block
    status: str
    claims: list[ClaimResult] = field(default_factory=list)
    error: dict | None = None
    seconds: float = 0.0
    output: str = ""


@dataclass
class DocumentResult:
    """Every block's result for one document, in order."""

    document: Document
    blocks: list[BlockResult]
    seconds: float = 0.0
    kernel_seconds: float = 0.0
    cells: int = 0
    restarts: int = 0
    error: str | None = None


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


# ---------------------------------------------------------------------------------------------
# Cells
# ---------------------------------------------------------------------------------------------


def _units(tree: ast.Module) -> list[tuple[int, int, list[ast.stmt]]]:
    """Top-level statements merged where they share a line: (first line, last line, statements)."""
    units: list[tuple[int, int, list[ast.stmt]]] = []
    for stmt in tree.body:
        decorators = getattr(stmt, "decorator_list", [])
        first = min([stmt.lineno] + [d.lineno for d in decorators])
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


def plan_cells(block: Block) -> list[Cell]:
    """Split a block into kernel cells: each claimed statement alone, the rest grouped."""
    if block.kind == "doctest":
        cells = []
        for ex in block.examples:
            if ex.skip:
                continue
            tree = _parse(ex.source)
            claims = [ex.claim] if ex.claim is not None else []
            cell = Cell(ex.source, 0, claims, tree,
                        expect_error=ex.claim.expect_error if ex.claim else None)
            cell.first = ex.line  # doctest lines are tutorial lines already
            cells.append(cell)
        return cells
    tree = _parse(_for_parsing(block))
    lines = block.source.split("\n")
    stmt_claims = [c for c in block.claims if c.stmt is not None]
    stored_error = next((c for c in block.claims
                         if c.kind == "notebook-output" and c.expect_error), None)
    if stored_error is not None and not stmt_claims:
        return [Cell(block.source, 1, [stored_error], tree, expect_error=stored_error.expect_error)]
    if tree is None or not stmt_claims:
        return [Cell(block.source, 1, [], tree)]
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
        cells.append(Cell(source, a, [], _parse(source)))
        pending.clear()

    for k, (a, b, stmts) in enumerate(units):
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
            if claims[0].kind == "assignment" and node is not None and isinstance(node, ast.Assign):
                target = node.targets[0]
                if isinstance(target, ast.Name):
                    source += f"\nprint({target.id})"
        cells.append(Cell(source, a, claims, _parse(source), label, multi))
    flush()
    return cells


def _for_parsing(block: Block) -> str:
    if block.cell is None:
        return block.source
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        return TransformerManager().transform_cell(block.source)
    except Exception:
        return block.source


def _parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError):
        try:
            from IPython.core.inputtransformer2 import TransformerManager

            return ast.parse(TransformerManager().transform_cell(source))
        except Exception:
            return None


# ---------------------------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------------------------


def _visible_text(result: CellResult) -> str:
    """What a reader sees printed: stdout and displayed values (warnings on stderr left out)."""
    parts = []
    for out in result.outputs:
        if out.get("output_type") == "stream" and out.get("name") == "stdout":
            parts.append(out.get("text", ""))
        elif out.get("output_type") == "execute_result":
            plain = out.get("data", {}).get("text/plain", "")
            parts.append((plain if isinstance(plain, str) else "".join(plain)) + "\n")
    return "".join(parts)


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


def _failure(result: CellResult, cell: Cell, block: Block) -> tuple[str, dict]:
    err = result.error
    ename = err.ename if err else "Error"
    evalue = err.evalue if err else ""
    line = _error_line(result, cell, block)
    if result.status == "timeout":
        status, reason = "timeout", "ran past the timeout"
    elif result.status == "died":
        status, reason = "error", "the process died (os._exit, a crash or a kill)"
    elif ename == "SystemExit":
        status, reason = "error", f"called sys.exit({evalue})"
    elif ename == "OutputLimitExceeded":
        status, reason = "error", "printed without end; output stopped"
    elif _CUDA_ERRORS.search(f"{ename}: {evalue}") or (
        ename == "AssertionError" and "cuda" in (err.traceback if err else "").lower()
        and "cuda" in cell.source.lower()
    ):
        status, reason = "needs-cuda", "needs a CUDA GPU, which this machine lacks"
    else:
        status, reason = "error", "raised"
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
) -> DocumentResult:
    """Run ``doc``'s blocks in order in one fresh kernel; judge every claim.

    The kernel works in a fresh temporary folder (files the tutorial writes go there) unless
    ``in_place``, which runs it in the document's own folder.
    """
    start = time.perf_counter()
    results: list[BlockResult] = []
    runnable = [b for b in doc.blocks if b.syntax_error is None]
    result = DocumentResult(doc, results)
    if not runnable:
        for block in doc.blocks:
            results.append(_syntax_result(block))
            if on_block:
                on_block(results[-1])
        result.seconds = time.perf_counter() - start
        return result
    with tempfile.TemporaryDirectory(prefix="torch-recipes-check-") as tmp:
        cwd = Path(doc.path).resolve().parent if in_place else Path(tmp)
        try:
            runner = KernelRunner(timeout=timeout, cwd=cwd, setup=_SETUP + prelude,
                                  output_limit=output_limit)
            runner.__enter__()
        except Exception as err:  # the kernel could not start, or the prelude failed
            result.error = f"could not start a kernel: {err}"
            for block in doc.blocks:
                br = BlockResult(block, "error", error={
                    "ename": type(err).__name__, "evalue": str(err), "line": block.line,
                    "reason": "the kernel did not start", "traceback": ""})
                br.claims = [ClaimResult(c, "error", note="not run") for c in _all_claims(block)]
                results.append(br)
            result.seconds = time.perf_counter() - start
            return result
        try:
            tracker = Nondeterminism()
            for block in doc.blocks:
                br = _run_block(block, runner, tracker)
                results.append(br)
                result.kernel_seconds += br.seconds
                if on_block:
                    on_block(br)
            result.cells = runner.executions
            result.restarts = runner.restarts
        finally:
            runner.__exit__(None, None, None)
    result.seconds = time.perf_counter() - start
    return result


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


def _run_block(block: Block, runner: KernelRunner, tracker: Nondeterminism) -> BlockResult:
    if block.syntax_error is not None:
        return _syntax_result(block)
    cells = plan_cells(block)
    if cells and cells[0].tree is not None and cells[0].tree.body and isinstance(
        cells[0].tree.body[0], (ast.Import, ast.ImportFrom)
    ) and tracker.aliases:
        tracker.new_script()
    br = BlockResult(block, "ok")
    texts: list[str] = []
    verdicts: dict[int, ClaimResult] = {}
    tainted_block = False
    failed: tuple[str, dict] | None = None
    # The timeout is the block's, shared by the cells it was split into.
    deadline = time.monotonic() + runner.timeout
    for cell in cells:
        if failed is not None and block.kind != "doctest":
            break
        tainted = tracker.visit(cell.tree) if cell.tree is not None else False
        tainted_block = tainted_block or tainted
        res = runner.run(cell.source, timeout=max(deadline - time.monotonic(), 0.1))
        br.seconds += res.seconds
        text = _visible_text(res)
        texts.append(text)
        if cell.expect_error is not None:
            if res.status == "error" and res.error is not None:
                j = judge_error(cell.expect_error, res.error.ename, res.error.evalue)
            elif res.status == "ok":
                j = judge_error(cell.expect_error, None, None)
            else:
                status, info = _failure(res, cell, block)
                failed = failed or (status, info)
                for claim in cell.claims:
                    verdicts[id(claim)] = ClaimResult(claim, status, note=_not_run(info))
                continue
            for claim in cell.claims:
                verdicts[id(claim)] = ClaimResult(claim, j.verdict, text, j.note, j.diff)
            continue
        if res.status != "ok":
            status, info = _failure(res, cell, block)
            if failed is None:
                failed = (status, info)
            for claim in cell.claims:
                verdicts[id(claim)] = ClaimResult(claim, status, text, note=_not_run(info))
            continue
        if not cell.claims:
            continue
        if len(cell.claims) == 1:
            claim = cell.claims[0]
            j = judge(claim.text, text, tainted=tainted, label=cell.label,
                      multi_args=cell.multi_args)
            verdicts[id(claim)] = ClaimResult(claim, j.verdict, text, j.note, j.diff)
        else:
            ordered = sorted(cell.claims, key=lambda c: c.line)
            for claim, j in zip(ordered, judge_window_sequence([c.text for c in ordered], text,
                                                               tainted)):
                verdicts[id(claim)] = ClaimResult(claim, j.verdict, text, j.note, j.diff)
    output = "".join(texts)
    br.output = output[-20000:]
    if failed is not None:
        status, info = failed
        if block.inline and status in ("error",) and info["reason"] == "raised":
            status = "skipped"
            info["reason"] = "a code fragment inside prose; it does not run on its own"
        br.status = status
        br.error = info
    for claim in _all_claims(block):
        if id(claim) in verdicts:
            cr = verdicts[id(claim)]
            if br.status == "skipped" and cr.verdict == "error":
                cr.verdict = "skipped"
            br.claims.append(cr)
            continue
        if failed is not None:
            br.claims.append(ClaimResult(claim, br.status, None, _not_run(failed[1])))
            continue
        j = _judge_block_claim(claim, output, tainted_block)
        br.claims.append(ClaimResult(claim, j.verdict, output, j.note, j.diff))
    br.claims.sort(key=lambda c: (c.claim.line, c.claim.stmt or 0))
    return br


def _judge_block_claim(claim: Claim, output: str, tainted: bool) -> Judgement:
    return judge(claim.text, output, tainted=tainted, window=claim.kind == "output-block")


def _not_run(info: dict) -> str:
    return f"not run: the block stopped at line {info['line']} ({info['ename']})"
