"""``torch-recipes check PATH...``: run tutorials' code and verify the outputs they claim."""

from __future__ import annotations

import argparse
import json
import sys

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from recipes.checker.model import Unrun, UsageError
from recipes.checker.parse import parse_paths
from recipes.checker.report import exit_code, render, to_json
from recipes.checker.run import check_document

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``check`` command's arguments to ``parser``."""
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="tutorial files or folders: .md, .ipynb, .py (plain or jupytext percent), .html, .txt",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="time limit for each block (each claimed statement runs as its own step; default 30)",
    )
    parser.add_argument("--json", metavar="FILE", help="also write the full report as JSON to FILE")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="print only the per-file counts and the totals")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="list every block and claim, also those that hold")
    parser.add_argument(
        "--prelude",
        default="",
        metavar="CODE",
        help="Python run before each document (and after a crash), e.g. 'import torch'",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="also fail (exit 1) when any claim could not be verified: unverifiable, "
             "environment-dependent or not run (for CI)",
    )
    parser.add_argument(
        "--no-implied-imports",
        dest="implied_imports",
        action="store_false",
        help="run a document that uses torch, np, nn, F, optim or plt without importing them as "
             "written (by default it is checked as if it imported them, with one finding)",
    )
    parser.add_argument(
        "--in-place",
        action="store_true",
        help="run each document in its own folder (default: a fresh temporary folder)",
    )


def run(args: argparse.Namespace) -> int:
    """Check the tutorials; the exit code is :func:`recipes.checker.report.exit_code`'s, 2 on bad
    usage."""
    if args.timeout <= 0:
        print(f"torch-recipes check: error: --timeout must be positive, got {args.timeout:g}",
              file=sys.stderr)
        return 2
    skipped: list[Unrun] = []
    try:
        docs = parse_paths(args.paths, skipped)
    except UsageError as err:
        print(f"torch-recipes check: error: {err}", file=sys.stderr)
        return 2
    console = Console()
    status_console = Console(stderr=True)
    total = sum(len(doc.blocks) for doc in docs)
    results = []
    progress = Progress(
        TextColumn("[bold]checking[/] {task.fields[file]}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("blocks"),
        TimeElapsedColumn(),
        console=status_console,
        transient=True,
    )
    with progress:
        task = progress.add_task("check", total=total, file="")
        for doc in docs:
            progress.update(task, file=doc.path)
            results.append(
                check_document(
                    doc,
                    timeout=args.timeout,
                    prelude=args.prelude,
                    in_place=args.in_place,
                    implied_imports=args.implied_imports,
                    on_block=lambda _br: progress.advance(task),
                )
            )
    render(results, console, verbose=args.verbose, quiet=args.quiet, strict=args.strict,
           skipped=skipped)
    if args.json:
        try:
            with open(args.json, "w", encoding="utf-8") as fh:
                json.dump(to_json(results, strict=args.strict, skipped=skipped), fh, ensure_ascii=False, indent=2)
        except OSError as err:
            print(f"torch-recipes check: error: cannot write {args.json}: {err}", file=sys.stderr)
            return 2
    return exit_code(results, strict=args.strict)
