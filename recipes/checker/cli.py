"""``torch-recipes check PATH...``: run tutorials' code and verify the outputs they claim."""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import Future, ThreadPoolExecutor

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from recipes.checker.execute import CheckOptions, check_documents, default_jobs, parse_jobs
from recipes.checker.model import Unrun, UsageError
from recipes.checker.parse import parse_paths
from recipes.checker.report import exit_code, github_annotations, render, to_json
from recipes.checker.sandbox import default_limits, format_size, parse_size, unavailable
from recipes.checker.update import apply_updates, refusal
from recipes.files import write_atomically

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
    parser.add_argument(
        "--format",
        choices=("text", "github"),
        default="text",
        help="text: the report for people (default); github: GitHub Actions ::error annotations "
             "for wrong claims and failing blocks, then the counts",
    )
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
        help="run each document in its own folder (default: a fresh temporary folder); "
             "in the sandbox that folder is read-only",
    )
    parser.add_argument(
        "--no-sandbox",
        dest="sandbox",
        action="store_false",
        help="run the tutorials' code with all your permissions, outside the sandbox (only for "
             "tutorials you trust)",
    )
    parser.add_argument(
        "--memory",
        type=_size,
        metavar="SIZE",
        help="memory each process of the sandbox may use, e.g. 4G or 512M (default: half of "
             f"this machine's, {format_size(default_limits().memory)})",
    )
    parser.add_argument(
        "--update",
        action="store_true",
        help="rewrite each wrong claim in place with what the code prints now, in the claim's "
             "own style (refuses files with uncommitted changes in git)",
    )
    parser.add_argument("--diff", action="store_true",
                        help="print what --update would change as a unified diff; write nothing")
    parser.add_argument("--force", action="store_true",
                        help="let --update rewrite files that have uncommitted changes")
    parser.add_argument(
        "-j", "--jobs",
        type=_jobs,
        metavar="N",
        help="check N documents at once, each in its own kernel (default: $TORCH_RECIPES_JOBS, "
             "else the number of cores); the report is the same as one at a time",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="check the documents on a Dask distributed cluster, e.g. tcp://10.0.0.5:8786 "
             "(needs pip install 'torch-recipes[cluster]' here and on the workers)",
    )


def _jobs(text: str) -> int:
    try:
        return parse_jobs(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _size(text: str) -> int:
    try:
        return parse_size(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _refused(probe: Future[str | None] | None) -> bool:
    """Wait for the sandbox probe; when the sandbox cannot start, say why and how to fix it."""
    reason = probe.result() if probe is not None else None
    if reason:
        print(f"torch-recipes check: error: {reason}", file=sys.stderr)
    return bool(reason)


def run(args: argparse.Namespace) -> int:
    """Check the tutorials; the exit code is :func:`recipes.checker.report.exit_code`'s, 2 on bad
    usage."""
    if args.timeout <= 0:
        print(f"torch-recipes check: error: --timeout must be positive, got {args.timeout:g}",
              file=sys.stderr)
        return 2
    skipped: list[Unrun] = []
    try:
        jobs = args.jobs or default_jobs()
        docs = parse_paths(args.paths, skipped)
    except UsageError as err:
        print(f"torch-recipes check: error: {err}", file=sys.stderr)
        return 2
    if args.update and not (args.diff or args.force):
        refused = refusal([doc.path for doc in docs])
        if refused:
            print(f"torch-recipes check: error: {refused}", file=sys.stderr)
            return 2
    limits = default_limits(args.memory) if args.sandbox else None
    # Whether the sandbox starts here is known in half a second, which the first kernel's start
    # overlaps; a sandbox that cannot start ends the run before anything is reported.
    probe = ThreadPoolExecutor(1).submit(unavailable) if args.sandbox else None
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

    def save(complete: bool) -> bool:
        # Written after every document, so a kill or Ctrl-C keeps what finished (complete: false).
        if args.json:
            try:
                report = to_json(results, strict=args.strict, skipped=skipped, complete=complete)
                write_atomically(args.json, json.dumps(report, ensure_ascii=False, indent=2))
            except OSError as err:
                print(f"torch-recipes check: error: cannot write {args.json}: {err}",
                      file=sys.stderr)
                return False
        return True

    interrupted = False
    if not save(False):
        return 2
    options = CheckOptions(timeout=args.timeout, prelude=args.prelude, in_place=args.in_place,
                           implied_imports=args.implied_imports, sandbox=limits)
    checked = None
    try:
        with progress:
            task = progress.add_task("check", total=total, file="")
            checked = check_documents(
                docs, options, jobs=jobs, scheduler=args.scheduler,
                on_start=lambda path: progress.update(task, file=path),
                on_block=lambda path: progress.update(task, advance=1, file=path),
            )
            for result in checked:
                if _refused(probe):
                    return 2
                results.append(result)
                if not save(False):
                    return 2
    except KeyboardInterrupt:
        interrupted = True
    except UsageError as err:
        print(f"torch-recipes check: error: {err}", file=sys.stderr)
        return 2
    finally:
        if checked is not None:
            checked.close()  # stops the documents still running (on Ctrl-C, or a failed save)
    if _refused(probe):
        return 2
    if args.format == "github":
        for command in github_annotations(results, strict=args.strict):
            print(command)
    render(results, console, verbose=args.verbose, quiet=args.quiet or args.format == "github",
           strict=args.strict, skipped=skipped)
    if interrupted:
        console.print(f"interrupted: {len(results)} of {len(docs)} documents checked; the "
                      "JSON report is marked incomplete", style="bold red")
        return 130
    if not save(True):
        return 2
    if args.update or args.diff:
        apply_updates(results, diff=args.diff)
    return exit_code(results, strict=args.strict)
