"""Print the checker's findings, one line each with ``file:line``, and write them as JSON.

Exit codes: 0 when no claim is wrong and every block runs (claims that could not be verified are
counted, not failed); 1 when a claim is wrong or a block fails (raises, times out, does not parse)
— with ``strict``, also when any claim was not verified; 2 on bad usage.
"""

from __future__ import annotations

import ast
import os
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.text import Text

from recipes.checker.model import Unrun
from recipes.checker.run import FAILING, BlockResult, ClaimResult, DocumentResult

__all__ = ["block_line", "bucket", "claim_report", "exit_code", "github_annotations", "render",
           "short_paths", "summary", "to_json"]

_STYLE = {
    "ok": "green",
    "wrong": "bold red",
    "unverifiable": "yellow",
    "environment": "cyan",
    "error": "red",
    "timeout": "red",
    "syntax": "red",
    "needs-cuda": "magenta",
    "missing-package": "magenta",
    "skipped": "dim",
    "not-run": "dim",
    **dict.fromkeys(("memory-limit", "process-limit", "file-size-limit", "network-denied",
                     "write-denied", "hidden-path"), "magenta"),
}
_DENIALS = ("memory-limit", "process-limit", "file-size-limit", "network-denied", "write-denied",
            "hidden-path")
# The summary's buckets, in the order printed.
_BUCKETS = ("verified", "wrong", "failing", "unverifiable", "environment", "not run")


def bucket(verdict: str) -> str:
    """The summary bucket a claim verdict counts in: verified, wrong, failing, unverifiable,
    environment or not run."""
    if verdict == "ok":
        return "verified"
    if verdict in ("wrong", "unverifiable", "environment"):
        return verdict
    return "failing" if verdict in FAILING else "not run"


def exit_code(results: list[DocumentResult], *, strict: bool = False) -> int:
    """0 when nothing is wrong, 1 when a claim is wrong or a block fails (see the module doc)."""
    for doc in results:
        if doc.error:
            return 1
        for block in doc.blocks:
            if block.status in FAILING:
                return 1
            for cr in block.claims:
                if cr.verdict == "wrong" or (strict and cr.verdict != "ok"):
                    return 1
    return 0


def summary(blocks: list[BlockResult]) -> dict:
    """Counts of block statuses, claim verdicts and the summary's buckets."""
    claim_counts = Counter(c.verdict for b in blocks for c in b.claims)
    buckets = Counter()
    for verdict, n in claim_counts.items():
        buckets[bucket(verdict)] += n
    return {
        "blocks": len(blocks),
        "block_status": dict(Counter(b.status for b in blocks)),
        "claims": sum(claim_counts.values()),
        "claim_verdicts": dict(claim_counts),
        "buckets": {k: buckets.get(k, 0) for k in _BUCKETS},
    }


def short_paths(paths: list[str]) -> dict[str, str]:
    """Each path as short as it can be while staying unambiguous: relative to the working folder
    when inside it, else relative to the folder the paths share."""
    resolved = {p: Path(p).resolve() for p in paths}
    cwd = Path.cwd().resolve()
    if all(r.is_relative_to(cwd) for r in resolved.values()):
        return {p: str(r.relative_to(cwd)) for p, r in resolved.items()}
    common = Path(os.path.commonpath([str(r.parent) for r in resolved.values()]))
    return {p: str(r.relative_to(common)) for p, r in resolved.items()}


def _first_line(text: str, width: int = 60) -> str:
    line = next((ln.strip() for ln in text.split("\n") if ln.strip()), "")
    return line if len(line) <= width else line[: width - 1] + "…"


def _names_list(text: str) -> list[str] | None:
    try:
        value = ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    if isinstance(value, list) and len(value) > 8 and all(isinstance(v, str) for v in value):
        return value
    return None


def _diff_text(cr: ClaimResult, verbose: bool) -> Text:
    """The diff of a wrong claim: name lists as added/removed sets, long diffs elided."""
    out = Text()
    claimed, actual = _names_list(cr.claim.text), _names_list(cr.actual or "")
    if claimed is not None and actual is not None:
        missing = sorted(set(claimed) - set(actual))
        extra = sorted(set(actual) - set(claimed))
        out.append(f"    claimed but not printed: {', '.join(missing) or '(none)'}\n", style="red")
        out.append(f"    printed but not claimed: {', '.join(extra) or '(none)'}", style="green")
        return out
    lines = cr.diff.split("\n")
    if not verbose and len(lines) > 16:
        lines = lines[:9] + [f" … {len(lines) - 15} more lines (-v shows all) …"] + lines[-6:]
    for k, line in enumerate(lines):
        if k:
            out.append("\n")
        style = "dim"
        if line.startswith(("---", "+++")):
            style = "dim"
        elif line.startswith("-"):
            style = "red"
        elif line.startswith("+"):
            style = "green"
        out.append("    " + line, style=style)
    return out


def _line(where: str, verdict: str, what: str, detail: str) -> Text:
    text = Text(f"{where}: ")
    text.append(verdict, style=_STYLE.get(verdict, ""))
    text.append(f": {what}")
    if detail:
        text.append(f" ({detail})", style="dim")
    return text


def _where(path: str, line: int, cell: int | None, output: int | None = None) -> str:
    if cell is None:
        return f"{path}:{line}"
    return f"{path}:cell {cell}, " + (f"output {output}" if output else f"line {line}")


def _claim_line(path: str, cr: ClaimResult) -> Text:
    claim = cr.claim
    where = _where(path, claim.line, claim.cell, claim.output)
    return _line(where, cr.verdict, f"{claim.kind} {_first_line(claim.text, 50)}", cr.note)


def claim_report(path: str, cr: ClaimResult, *, verbose: bool = False) -> Text:
    """A claim's line in the report and, when wrong, the diff under it (``verbose``: uncut)."""
    text = _claim_line(path, cr)
    if cr.verdict == "wrong" and cr.diff:
        text.append("\n")
        text.append_text(_diff_text(cr, verbose))
    return text


def block_line(path: str, br: BlockResult) -> Text:
    """A block's line in the report: where it stopped, its status and the exception."""
    err = br.error or {}
    where = _where(path, err.get("line", br.block.line), br.block.cell)
    if br.block.kind == "module":
        what = "importing the module for its doctests"
    else:
        what = f"{err.get('ename', '')}: {_first_line(str(err.get('evalue', '')), 100)}".strip(": ")
    reason = err.get("reason", "")
    return _line(where, br.status, what, "" if reason == "raised" else reason)


def _counts_line(blocks: list[BlockResult], doc: DocumentResult) -> Text:
    s = summary(blocks)
    bs = s["block_status"]
    text = Text(f"blocks {s['blocks']}: ")
    parts = [("ok", bs.get("ok", 0))] + [
        (k, bs[k]) for k in ("error", "timeout", "syntax", "needs-cuda", "missing-package",
                             "skipped", *_DENIALS) if bs.get(k)
    ]
    for k, (name, n) in enumerate(parts):
        text.append(("" if k == 0 else ", ") + f"{n} {name}", style=_STYLE.get(name, ""))
    text.append(f"  ·  claims {s['claims']}: ")
    styles = {"verified": "green", "failing": "red", "not run": "dim"}
    for k, name in enumerate(_BUCKETS):
        n = s["buckets"][name]
        style = (styles.get(name) or _STYLE.get(name, "")) if n else "dim"
        text.append(("" if k == 0 else ", ") + f"{n} {name}", style=style)
    left = Counter(f.kind for f in doc.findings if f.kind in ("orphan-output", "not-run"))
    if left:
        text.append(f"  ·  left out: {left['orphan-output']} orphan outputs, "
                    f"{left['not-run']} lines not run", style="yellow")
    return text


def render(results: list[DocumentResult], console: Console, *, verbose: bool = False,
           quiet: bool = False, strict: bool = False, skipped: list[Unrun] = ()) -> None:
    """One line per finding (everything with ``verbose``), counts per file, then the totals;
    ``skipped`` lists the folders a scan left out."""
    for folder in skipped:
        console.print(Text(f"skipped folder {folder.text}: {folder.why}", style="dim"),
                      soft_wrap=True)
    names = short_paths([doc.document.path for doc in results]) if results else {}
    for doc in results:
        path = names[doc.document.path]
        sandboxed = "yes" if doc.sandboxed else "no"
        console.rule(Text(f"{path} ({doc.document.format}; sandboxed: {sandboxed})",
                          style="bold"), align="left")
        if doc.error:
            console.print(Text(doc.error, style="red"))
        if not quiet:
            for finding in doc.findings:
                console.print(_line(f"{path}:{finding.line}", finding.kind, finding.message, ""),
                              soft_wrap=True)
            for br in doc.blocks:
                if verbose or br.status != "ok":
                    console.print(block_line(path, br), soft_wrap=True)
                for cr in br.claims:
                    if verbose or cr.verdict not in ("ok", br.status):
                        console.print(claim_report(path, cr, verbose=verbose), soft_wrap=True)
        console.print(_counts_line(doc.blocks, doc), soft_wrap=True)
    all_blocks = [b for doc in results for b in doc.blocks]
    if len(results) > 1:
        rows = [(names[doc.document.path], _count_cells(doc.blocks)) for doc in results]
        rows.append(("all", _count_cells(all_blocks)))
        width = max(len(name) for name, _ in rows)
        heads = ("blocks", "fail", "cuda", "ok", "wrong", "unver", "env", "not run")
        console.print(Text(f"{'file':<{width}}  " + "  ".join(heads), style="bold"),
                      soft_wrap=True)
        for name, cells in rows:
            line = f"{name:<{width}}  " + "  ".join(f"{c:>{len(h)}}" for c, h in zip(cells, heads))
            console.print(Text(line, style="bold" if name == "all" else ""), soft_wrap=True)
    console.print(_verdict_line(results, strict), soft_wrap=True)


def _verdict_line(results: list[DocumentResult], strict: bool) -> Text:
    s = summary([b for doc in results for b in doc.blocks])
    b = s["buckets"]
    failing_blocks = sum(1 for doc in results for br in doc.blocks if br.status in FAILING)
    unverified = s["claims"] - b["verified"] - b["wrong"] - b["failing"]
    if exit_code(results, strict=strict):
        parts = [f"{b['wrong']} wrong claims" if b["wrong"] else "",
                 f"{failing_blocks} failing blocks" if failing_blocks else "",
                 f"{unverified} claims not verified (--strict)" if strict and unverified else ""]
        return Text("; ".join(p for p in parts if p) or "the check failed", style="bold red")
    if unverified:
        return Text(f"no wrong claims and no failing blocks; {b['verified']} of {s['claims']} "
                    f"claims verified, {unverified} could not be verified", style="yellow")
    return Text(f"all {s['claims']} claims verified and all {s['blocks']} blocks run",
                style="green")


def github_annotations(results: list[DocumentResult], *, strict: bool = False) -> list[str]:
    """GitHub Actions ``::error`` workflow commands for what fails the run: each wrong claim and
    failing block (with ``strict`` also each claim not verified), so a CI run marks the lines.

    A notebook's lines count within its cells, so its annotations name the file only; a block's
    claims that did not run because it failed get no annotation of their own.
    """
    names = short_paths([doc.document.path for doc in results]) if results else {}
    commands = []
    for doc in results:
        path = names[doc.document.path]
        if doc.error:
            commands.append(_workflow_error(path, None, "tutorial not checked", doc.error))
        for br in doc.blocks:
            if br.status in FAILING:
                line = (br.error or {}).get("line", br.block.line)
                commands.append(_workflow_error(
                    path, line if br.block.cell is None else None,
                    f"tutorial block: {br.status}", block_line(path, br).plain))
            for cr in br.claims:
                kind = bucket(cr.verdict)
                if kind == "wrong" or (strict and kind not in ("verified", "failing")):
                    commands.append(_workflow_error(
                        path, cr.claim.line if cr.claim.cell is None else None,
                        f"{cr.verdict} claim", claim_report(path, cr).plain))
    return commands


def _workflow_error(path: str, line: int | None, title: str, message: str) -> str:
    """One ``::error`` command, escaped as GitHub's toolkit escapes data and properties."""
    props = [f"file={_escape_property(path)}"]
    if line is not None:
        props.append(f"line={line}")
    props.append(f"title={_escape_property(title)}")
    return f"::error {','.join(props)}::{_escape_data(message)}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _count_cells(blocks: list[BlockResult]) -> list[str]:
    s = summary(blocks)
    bs, b = s["block_status"], s["buckets"]
    failing = sum(bs.get(k, 0) for k in FAILING)
    return [str(s["blocks"]), str(failing), str(bs.get("needs-cuda", 0)), str(b["verified"]),
            str(b["wrong"]), str(b["unverifiable"]), str(b["environment"]), str(b["not run"])]


def to_json(results: list[DocumentResult], *, strict: bool = False,
            skipped: list[Unrun] = (), complete: bool = True) -> dict:
    """The full machine-readable report; ``complete`` is false while documents are still to run
    (or when the run was stopped)."""
    files = []
    for doc in results:
        blocks = []
        for br in doc.blocks:
            blocks.append({
                "line": br.block.line,
                "lines": sorted(set(br.block.line_map)),
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
                        "output": cr.claim.output,
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
            "sandboxed": doc.sandboxed,
            "seconds": round(doc.seconds, 3),
            "cells_executed": doc.cells,
            "kernel_restarts": doc.restarts,
            "findings": [{"line": f.line, "kind": f.kind, "message": f.message}
                         for f in doc.findings],
            "summary": summary(doc.blocks),
            "blocks": blocks,
        })
    all_blocks = [b for doc in results for b in doc.blocks]
    return {
        "version": 2,
        "complete": complete,
        "exit_code": exit_code(results, strict=strict),
        "summary": summary(all_blocks),
        "skipped_folders": [{"path": f.text, "why": f.why} for f in skipped],
        "files": files,
    }
