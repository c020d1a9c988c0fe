"""Print the checker's findings as tables (rich) and write them as JSON."""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.table import Table
from rich.text import Text

from recipes.checker.run import BlockResult, ClaimResult, DocumentResult

__all__ = ["BLOCK_FAILURES", "exit_code", "render", "summary", "to_json"]

BLOCK_FAILURES = ("error", "timeout", "syntax")
_STYLE = {
    "ok": "green",
    "wrong": "bold red",
    "unverifiable": "yellow",
    "error": "red",
    "timeout": "red",
    "syntax": "red",
    "needs-cuda": "magenta",
    "skipped": "dim",
}


def exit_code(results: list[DocumentResult]) -> int:
    """0 when every verifiable claim holds and every block runs, 1 otherwise."""
    for doc in results:
        if doc.error:
            return 1
        for block in doc.blocks:
            if block.status in BLOCK_FAILURES:
                return 1
            if any(c.verdict == "wrong" for c in block.claims):
                return 1
    return 0


def summary(blocks: list[BlockResult]) -> dict:
    """Counts of block statuses and claim verdicts."""
    block_counts = Counter(b.status for b in blocks)
    claim_counts = Counter(c.verdict for b in blocks for c in b.claims)
    return {
        "blocks": len(blocks),
        "block_status": dict(block_counts),
        "claims": sum(claim_counts.values()),
        "claim_verdicts": dict(claim_counts),
    }


def _where(path: str, line: int, cell: int | None) -> str:
    return f"cell {cell}, line {line}" if cell is not None else f"line {line}"


def _first_line(text: str, width: int = 60) -> str:
    line = next((ln.strip() for ln in text.split("\n") if ln.strip()), "")
    return line if len(line) <= width else line[: width - 1] + "…"


def _diff_text(diff: str) -> Text:
    out = Text()
    for k, line in enumerate(diff.split("\n")):
        if k:
            out.append("\n")
        if line.startswith(("---", "+++")):
            out.append(line, style="dim")
        elif line.startswith("-"):
            out.append(line, style="red")
        elif line.startswith("+"):
            out.append(line, style="green")
        else:
            out.append(line, style="dim")
    return out


def _claim_row(doc: DocumentResult, cr: ClaimResult) -> tuple[str, Text, str, Text]:
    claim = cr.claim
    where = _where(doc.document.path, claim.line, claim.cell)
    detail = Text(cr.note or "")
    if cr.verdict in ("wrong", "unverifiable") and cr.diff:
        if detail:
            detail.append("\n")
        detail.append_text(_diff_text(cr.diff))
    what = f"{claim.kind}: {_first_line(claim.text, 50)}"
    return where, Text(cr.verdict, style=_STYLE.get(cr.verdict, "")), what, detail


def _block_row(doc: DocumentResult, br: BlockResult) -> tuple[str, Text, str, Text]:
    err = br.error or {}
    line = err.get("line", br.block.line)
    where = _where(doc.document.path, line, br.block.cell)
    if br.block.kind == "module":
        what = "importing the module for its doctests"
    else:
        what = f"block at line {br.block.line}: {_first_line(br.block.source, 50)}"
    evalue = _first_line(str(err.get("evalue", "")), 160)
    detail = Text(f"{err.get('ename', '')}: {evalue}".strip(": "))
    if err.get("reason") and err.get("reason") != "raised":
        detail.append(f" ({err['reason']})", style="dim")
    return where, Text(br.status, style=_STYLE.get(br.status, "")), what, detail


def _counts_line(blocks: list[BlockResult]) -> Text:
    s = summary(blocks)
    bs, cv = s["block_status"], s["claim_verdicts"]
    text = Text()
    text.append(f"blocks {s['blocks']}: ")
    parts = [("ok", bs.get("ok", 0))] + [
        (k, bs[k]) for k in ("error", "timeout", "syntax", "needs-cuda", "skipped") if bs.get(k)
    ]
    for k, (name, n) in enumerate(parts):
        text.append(("" if k == 0 else ", ") + f"{n} {name}", style=_STYLE.get(name, ""))
    text.append(f"  ·  claims {s['claims']}: ")
    not_run = sum(n for k, n in cv.items() if k not in ("ok", "wrong", "unverifiable"))
    parts = [("ok", cv.get("ok", 0)), ("wrong", cv.get("wrong", 0)),
             ("unverifiable", cv.get("unverifiable", 0)), ("not run", not_run)]
    for k, (name, n) in enumerate(parts):
        style = _STYLE.get(name, "dim") if n else "dim"
        text.append(("" if k == 0 else ", ") + f"{n} {name}", style=style)
    return text


def render(results: list[DocumentResult], console: Console, *, verbose: bool = False,
           quiet: bool = False) -> None:
    """Print one table per file (problems, or everything with ``verbose``) and the totals."""
    for doc in results:
        console.rule(Text(f"{doc.document.path} ({doc.document.format})", style="bold"))
        if doc.error:
            console.print(Text(doc.error, style="red"))
        if not quiet:
            table = Table(show_header=True, header_style="bold", expand=False, show_lines=True)
            table.add_column("where", no_wrap=True)
            table.add_column("verdict", no_wrap=True)
            table.add_column("what", overflow="fold")
            table.add_column("detail", overflow="fold")
            rows = 0
            for br in doc.blocks:
                if verbose or br.status not in ("ok", "skipped"):
                    table.add_row(*_block_row(doc, br))
                    rows += 1
                for cr in br.claims:
                    if verbose or cr.verdict not in ("ok", br.status):
                        table.add_row(*_claim_row(doc, cr))
                        rows += 1
            if rows:
                console.print(table)
        console.print(_counts_line(doc.blocks))
    if len(results) > 1:
        total = Table(title="Total", show_header=True, header_style="bold")
        total.add_column("file", overflow="fold", ratio=1)
        for col in ("blocks", "failing", "cuda", "claims ok", "wrong", "unverif.", "not run"):
            total.add_column(col, justify="right", no_wrap=True)
        all_blocks: list[BlockResult] = []
        for doc in results:
            total.add_row(doc.document.path, *_count_cells(doc.blocks))
            all_blocks.extend(doc.blocks)
        total.add_row(Text("all", style="bold"), *_count_cells(all_blocks))
        console.print(total)
    else:
        all_blocks = [b for doc in results for b in doc.blocks]
    verdict = "all claims hold and all blocks run" if exit_code(results) == 0 else \
        "some claims are wrong or some blocks fail"
    console.print(Text(verdict, style="green" if exit_code(results) == 0 else "bold red"))


def _count_cells(blocks: list[BlockResult]) -> list[str]:
    s = summary(blocks)
    bs, cv = s["block_status"], s["claim_verdicts"]
    failing = sum(bs.get(k, 0) for k in BLOCK_FAILURES)
    not_run = sum(n for k, n in cv.items() if k not in ("ok", "wrong", "unverifiable"))
    return [str(s["blocks"]), str(failing), str(bs.get("needs-cuda", 0)), str(cv.get("ok", 0)),
            str(cv.get("wrong", 0)), str(cv.get("unverifiable", 0)), str(not_run)]


def to_json(results: list[DocumentResult]) -> dict:
    """The full machine-readable report."""
    files = []
    for doc in results:
        blocks = []
        for br in doc.blocks:
            blocks.append({
                "line": br.block.line,
                "cell": br.block.cell,
                "kind": br.block.kind,
                "inline": br.block.inline,
                "status": br.status,
                "error": br.error,
                "seconds": round(br.seconds, 4),
                "source": br.block.source,
                "claims": [
                    {
                        "line": cr.claim.line,
                        "cell": cr.claim.cell,
                        "kind": cr.claim.kind,
                        "target_line": cr.claim.target_line,
                        "verdict": cr.verdict,
                        "claimed": cr.claim.text,
                        "actual": cr.actual,
                        "note": cr.note,
                        "diff": cr.diff,
                    }
                    for cr in br.claims
                ],
            })
        files.append({
            "path": doc.document.path,
            "format": doc.document.format,
            "error": doc.error,
            "seconds": round(doc.seconds, 3),
            "cells_executed": doc.cells,
            "kernel_restarts": doc.restarts,
            "summary": summary(doc.blocks),
            "blocks": blocks,
        })
    all_blocks = [b for doc in results for b in doc.blocks]
    return {
        "version": 1,
        "exit_code": exit_code(results),
        "summary": summary(all_blocks),
        "files": files,
    }
