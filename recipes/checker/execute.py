"""Where documents are checked: one after another here, in parallel here, or on a Dask cluster.

Every document runs in a kernel of its own (:func:`recipes.checker.run.check_document`), so they
are independent and the order they run in changes no verdict; only the time changes.

- ``serial``: one document at a time in this process (``-j 1``).
- ``pool``: ``jobs`` worker processes on this machine, each checking one document at a time
  (``-j N``). Workers are processes, not threads: the checker's own work per block (judging,
  the kernel's messages) would otherwise queue for one interpreter lock.
- ``dask``: a Dask distributed cluster (``--scheduler ADDRESS``), each task one document; the
  workers need torch-recipes installed and, unless ``--no-sandbox``, the sandbox's tools.

Results always come back in the order of the documents given, so the report, the JSON and the
exit code are those of a serial run.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import signal
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.pool import Pool
from typing import Any

from recipes.checker.model import Document, UsageError
from recipes.checker.run import DocumentResult, check_document, unrun_blocks
from recipes.checker.sandbox import NOBODY, Limits, unavailable

__all__ = ["JOBS_VARIABLE", "CheckOptions", "check_documents", "default_jobs", "parse_jobs"]

JOBS_VARIABLE = "TORCH_RECIPES_JOBS"
_WORKER_USERS = 2_000_000_000  # see _check_in_parallel

# Called with a document's path when it starts, and once per block it finishes.
Progress = Callable[[str], None]


@dataclass(frozen=True)
class CheckOptions:
    """How each document is checked: :func:`~recipes.checker.run.check_document`'s options."""

    timeout: float = 30.0
    prelude: str = ""
    in_place: bool = False
    implied_imports: bool = True
    sandbox: Limits | None = None


def parse_jobs(text: str) -> int:
    """A job count as given to ``-j`` or in ``TORCH_RECIPES_JOBS``: a whole number from 1."""
    try:
        jobs = int(text)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise ValueError(f"expected a number of parallel jobs (1 or more), got {text!r}")
    return jobs


def default_jobs() -> int:
    """``TORCH_RECIPES_JOBS`` if set, else the cores this process may use.

    One kernel per core: a document's time is almost all its kernel's, a process of its own.
    """
    given = os.environ.get(JOBS_VARIABLE, "").strip()
    if given:
        try:
            return parse_jobs(given)
        except ValueError as err:
            raise UsageError(f"{JOBS_VARIABLE}: {err}") from None
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def check_documents(docs: list[Document], options: CheckOptions, *, jobs: int = 1,
                    scheduler: str | None = None, on_start: Progress | None = None,
                    on_block: Progress | None = None) -> Iterator[DocumentResult]:
    """Check ``docs`` and yield their results in the order given.

    ``scheduler`` (a Dask scheduler's address) sends them to that cluster; otherwise ``jobs``
    documents run at once on this machine (never more processes than documents).
    """
    if scheduler is not None:
        return _on_cluster(docs, options, scheduler, on_block)
    if min(jobs, len(docs)) <= 1:
        return _serial(docs, options, on_start, on_block)
    return _in_pool(docs, options, min(jobs, len(docs)), on_start, on_block)


def _check(doc: Document, options: CheckOptions, on_block: Progress | None = None,
           user: int = NOBODY) -> DocumentResult:
    return check_document(
        doc,
        timeout=options.timeout,
        prelude=options.prelude,
        in_place=options.in_place,
        implied_imports=options.implied_imports,
        on_block=(lambda _result: on_block(doc.path)) if on_block else None,
        sandbox=options.sandbox,
        sandbox_user=user,
    )


def _check_in_parallel(doc: Document, options: CheckOptions,
                       on_block: Progress | None = None) -> DocumentResult:
    """Check ``doc`` in a worker process, whose sandboxes run as a user of its own.

    As root the kernel runs as an unprivileged user, and the process limit counts every
    process of that user: a document that fills it (a fork bomb) must not stop another
    document's kernel from starting. The user ids lie far above any account's: one per worker
    process (its process id), so sandboxes that run at the same time never share one.
    """
    return _check(doc, options, on_block, user=_WORKER_USERS + os.getpid())


def _serial(docs: list[Document], options: CheckOptions, on_start: Progress | None,
            on_block: Progress | None) -> Iterator[DocumentResult]:
    for doc in docs:
        if on_start:
            on_start(doc.path)
        yield _check(doc, options, on_block)


# ---------------------------------------------------------------------------------------------
# A pool of processes on this machine
# ---------------------------------------------------------------------------------------------

_events: Any = None  # in a worker: the queue its progress goes to


def _start_worker(events: Any) -> None:
    global _events
    _events = events
    # Ctrl-C is the parent's to handle; it ends the workers with SIGTERM (see _check_in_worker).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Stopped mid-cell, the kernel's client leaves a task that saw the kernel go; that is the
    # point, not news for the terminal.
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)


def _check_in_worker(doc: Document, options: CheckOptions) -> DocumentResult:
    # While a document is checked, SIGTERM must still run the kernels' cleanup (a kernel left
    # behind would keep running the tutorial). An idle worker has none and keeps the default
    # action: a Python handler runs only between bytecodes, so one arriving just before the
    # worker blocks on the task queue would wait there with it.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    try:
        _events.put(("start", doc.path, os.getpid()))
        return _check_in_parallel(doc, options, lambda path: _events.put(("block", path, 0)))
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _in_pool(docs: list[Document], options: CheckOptions, jobs: int, on_start: Progress | None,
             on_block: Progress | None) -> Iterator[DocumentResult]:
    # spawn, not fork: this process has threads (the progress display), which fork would copy
    # in whatever state they are in.
    context = multiprocessing.get_context("spawn")
    events = context.Queue()
    callbacks = {"start": on_start, "block": on_block}
    running: dict[str, int] = {}  # a document's path -> the worker checking it

    def relay(wait: float) -> None:
        try:
            while True:
                kind, path, pid = events.get(timeout=wait)
                wait = 0
                if kind == "start":
                    running[path] = pid
                if callbacks[kind]:
                    callbacks[kind](path)
        except queue.Empty:
            pass

    def died(doc: Document) -> bool:
        # A worker that died (an unsandboxed tutorial can kill it) is replaced by the pool, but
        # its document is lost: without this check the run would wait for it forever.
        pid = running.get(doc.path)
        return pid is not None and pid not in {p.pid for p in multiprocessing.active_children()}

    pool: Pool = context.Pool(jobs, initializer=_start_worker, initargs=(events,))
    lost = False
    try:
        pending = [pool.apply_async(_check_in_worker, (doc, options)) for doc in docs]
        for doc, task in zip(docs, pending):
            while not task.ready() and not died(doc):
                relay(0.1)
            task.wait(1.0)  # a result already on its way
            relay(0)
            lost = lost or not task.ready()
            yield task.get() if task.ready() else _lost(doc, options)
    except BaseException:
        pool.terminate()  # Ctrl-C, or the caller stopped early: running workers clean up and exit
        raise
    else:
        # The pool waits for a lost document's result until it is terminated. Otherwise the
        # workers are let go: terminate is safe (see _check_in_worker), but closing kills nothing.
        if lost:
            pool.terminate()
        else:
            pool.close()
    finally:
        pool.join()
        events.close()


def _lost(doc: Document, options: CheckOptions) -> DocumentResult:
    result = DocumentResult(doc, [], sandboxed=options.sandbox is not None)
    unrun_blocks(result, "the worker process checking it died", "WorkerDied",
                 "the process checking this document died (a tutorial run with --no-sandbox "
                 "can kill it)", "the process checking it died")
    return result


# ---------------------------------------------------------------------------------------------
# A Dask cluster
# ---------------------------------------------------------------------------------------------


def _on_cluster(docs: list[Document], options: CheckOptions, scheduler: str,
                on_block: Progress | None) -> Iterator[DocumentResult]:
    try:
        from distributed import Client
    except ImportError:
        raise UsageError("--scheduler needs Dask's distributed package, which is not installed: "
                         "pip install 'torch-recipes[cluster]'") from None
    try:
        client = Client(scheduler, timeout=30)
    except (OSError, TimeoutError) as err:
        raise UsageError(f"cannot reach the Dask scheduler at {scheduler}: {err}") from None
    try:
        if options.sandbox is not None:
            _require_sandbox(client)
        # pure=False: the same document checked twice is two runs, not one cached result.
        futures = [client.submit(_check_in_parallel, doc, options, pure=False) for doc in docs]
        try:
            for doc, future in zip(docs, futures):
                result = future.result()
                for _ in result.blocks if on_block else ():
                    on_block(doc.path)
                yield result
        finally:
            client.cancel(futures)
    finally:
        client.close()


def _require_sandbox(client: Any) -> None:
    """Refuse to start when a worker cannot start the sandbox, naming the worker and why."""
    reasons = {worker: reason for worker, reason in client.run(unavailable).items() if reason}
    if not client.scheduler_info().get("workers"):
        raise UsageError("the Dask cluster has no workers")
    if reasons:
        worker, reason = next(iter(reasons.items()))
        raise UsageError(f"the sandbox cannot start on Dask worker {worker} ({len(reasons)} of "
                         f"the cluster's workers): {reason}")
