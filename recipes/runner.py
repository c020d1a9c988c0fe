"""Run code cells in order in an isolated Jupyter kernel and capture what each printed.

This is the single execution engine of the project: the site build executes tutorials with it and
the tutorial checker runs documents with it. One :class:`KernelRunner` is one fresh kernel process,
so a document never shares state with the caller or with another document. Given a
:class:`Confinement` (the checker's sandbox), the kernel process is launched through it and talks
to the runner over Unix sockets in a private folder, so its channels work even without a network.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Protocol

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from traitlets import Any as AnyTrait

__all__ = ["CellGroup", "CellResult", "Confinement", "ErrorInfo", "KernelRunner", "ReplayFailure",
           "Status"]

Status = Literal["ok", "error", "timeout", "died"]

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

# Runs inside the kernel before any user cell. Wrapping the streams' ``write`` stops a cell that
# prints without end long before it can exhaust memory, with an exception the cell's report names.
# IPython re-patches ``write`` around every cell, so the wrapper is installed anew at each cell start.
_OUTPUT_CAP = """
def __torch_recipes_cap_output(limit):
    import sys
    from IPython import get_ipython

    class OutputLimitExceeded(RuntimeError):
        pass

    def cap_streams(info=None):
        if info is not None and info.raw_cell.startswith({batch}):
            return  # the cells a batch runs are capped one by one
        written = [0]
        for stream in (sys.stdout, sys.stderr):
            def write(text, _write=stream.write):
                written[0] += len(text)
                if written[0] > limit:
                    raise OutputLimitExceeded(
                        f"the cell printed more than {limit:,} characters; output stopped"
                    )
                return _write(text)
            stream.write = write

    get_ipython().events.register("pre_run_cell", cap_streams)

__torch_recipes_cap_output({limit})
del __torch_recipes_cap_output
"""

# Where the batch runner lives in the kernel: on the shell, not in the user's namespace, so a
# tutorial's %reset or its own names cannot remove it.
_BATCH_CALL = "get_ipython()._torch_recipes_run_cells("
_CELL_DONE = "application/vnd.torch-recipes.cell-done+json"

# Runs a batch's cells as IPython runs cells of their own (history, display of the last
# expression, its own traceback), each followed by a marker output that ends the cell's outputs.
# It stops after a cell that raised or showed a traceback, and before a cell with top-level
# ``await``, which cannot run nested: the runner sends that one in a request of its own.
_BATCH_RUNNER = f"""
def __torch_recipes_batch_runner():
    import sys
    import time
    from IPython import get_ipython
    from IPython.display import publish_display_data

    shell = get_ipython()
    stream = sys.stdout  # the kernel's own, whatever a tutorial puts in its place

    def run_cells(sources):
        for source in sources:
            try:
                transformed, failure = shell.transform_cell(source), None
            except Exception:
                transformed, failure = source, True
            if failure is None and shell.should_run_async(source, transformed_cell=transformed,
                                                          preprocessing_exc_tuple=None):
                return
            shown = getattr(shell, "_last_traceback", None)
            start = time.perf_counter()
            result = shell.run_cell(source, store_history=True)
            seconds = time.perf_counter() - start
            publish_display_data({{{_CELL_DONE!r}: {{"seconds": seconds}}}})
            # Waits until the kernel has sent the marker: a next cell that kills the process
            # must not take this cell's end with it.
            stream.flush()
            if not result.success or getattr(shell, "_last_traceback", None) is not shown:
                return

    shell._torch_recipes_run_cells = run_cells

__torch_recipes_batch_runner()
del __torch_recipes_batch_runner
"""


@dataclass(frozen=True)
class ErrorInfo:
    """An exception raised by a cell, as the kernel reported it."""

    ename: str
    evalue: str
    traceback: str


@dataclass
class CellResult:
    """What running one cell produced, in the form a notebook stores it.

    ``replay_failures`` lists the earlier cells that could not be restored when this cell's
    failure restarted the kernel.
    """

    source: str
    status: Status
    outputs: list[dict] = field(default_factory=list)
    error: ErrorInfo | None = None
    seconds: float = 0.0
    replay_failures: list[ReplayFailure] = field(default_factory=list)

    @property
    def text(self) -> str:
        """Printed text and the displayed value of a bare last expression, in order."""
        parts = []
        for out in self.outputs:
            if out["output_type"] == "stream":
                parts.append(out["text"])
            elif out["output_type"] == "execute_result":
                plain = out.get("data", {}).get("text/plain", "")
                parts.append(plain + "\n")
        return "".join(parts)


@dataclass(frozen=True)
class ReplayFailure:
    """A cell that succeeded, then failed when replayed in a restarted kernel: the state it made
    is missing from then on. ``tag`` is what the caller passed with the cell to ``run``."""

    source: str
    tag: Any
    result: CellResult


class Confinement(Protocol):
    """Runs the kernel's command confined (the checker's :class:`~recipes.checker.sandbox.Sandbox`).

    ``launch`` returns the command line and environment that run ``argv`` in ``cwd``; the kernel
    must be able to write to each folder of ``writable`` (its connection folder).
    """

    def launch(self, argv: list[str], *, cwd: str, env: dict[str, str],
               writable: list[str] = ...) -> tuple[list[str], dict[str, str]]: ...


class _ConfinedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel command goes through a :class:`Confinement`."""

    confinement = AnyTrait(allow_none=True)

    async def _async_pre_start_kernel(self, **kw: Any) -> tuple[list[str], dict[str, Any]]:
        cmd, kw = await super()._async_pre_start_kernel(**kw)
        # ipykernel exits when its parent looks like pid 1, which in the sandbox's PID namespace
        # it is; without JPY_PARENT_PID it does not watch, and bwrap --die-with-parent takes over.
        kw["independent"] = True
        # An independent kernel prints how to connect to it; no one is there to read that.
        kw["stdout"] = subprocess.DEVNULL
        folder = os.path.dirname(self.connection_file)
        cmd, kw["env"] = self.confinement.launch(cmd, cwd=kw.get("cwd") or os.getcwd(),
                                                 env=kw.get("env") or dict(os.environ),
                                                 writable=[folder])
        return cmd, kw


class _CellSplittingClient(NotebookClient):
    """A notebook client that files a batch's outputs under the cell that made them.

    At each cell's marker the outputs so far move to ``finished``: a later cell's
    ``clear_output`` then clears only its own outputs, as it would in a cell of its own.
    """

    def output(self, outs: list, msg: dict[str, Any], display_id: str | None,
               cell_index: int) -> Any:
        content = msg["content"]
        marker = content.get("data", {}).get(_CELL_DONE) if msg["msg_type"] == "display_data" \
            else None
        if marker is None:
            return super().output(outs, msg, display_id, cell_index)
        self.finished.append((marker["seconds"], [dict(out) for out in outs], time.monotonic()))
        outs[:] = []
        # A clear_output(wait=True) waits for its own cell's next output, which never comes.
        self.clear_before_next_output = False
        return None


@dataclass(frozen=True)
class CellGroup:
    """Cells that share one time budget (the checker's block), and the tag a replay failure of
    one of them comes back with."""

    sources: list[str]
    timeout: float
    tag: Any = None


class _Watchdog:
    """Ends the kernel when the cell running in a batch belongs to a group past its budget.

    nbclient knows one limit per request; a batch holds several groups, each with its own.
    """

    def __init__(self, client: _CellSplittingClient, groups: list[int],
                 budgets: list[float]) -> None:
        self.client, self.groups, self.budgets = client, groups, budgets
        self.fired: int | None = None  # the cell that was running
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> _Watchdog:
        self._start = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        with self._lock:
            self._done.set()
        self._thread.join()

    def _deadline(self, k: int) -> float:
        """When cell ``k``'s group runs out: its budget from when its first cell started."""
        first = k
        while first > 0 and self.groups[first - 1] == self.groups[k]:
            first -= 1
        started = self._start if first == 0 else self.client.finished[first - 1][2]
        return started + self.budgets[k]

    def _watch(self) -> None:
        while not self._done.wait(0.05):
            k = len(self.client.finished)
            if k >= len(self.groups) or time.monotonic() < self._deadline(k):
                continue
            with self._lock:
                if not self._done.is_set():
                    self.fired = k
                    process = getattr(self.client.km.provisioner, "process", None)
                    if process is not None:
                        process.kill()
            return


class KernelRunner:
    """A fresh Jupyter kernel that runs cells one at a time and survives their failures.

    A cell that times out or kills the kernel (``os._exit``, a segfault) gets status ``timeout`` or
    ``died``; the runner then starts a new kernel and replays every earlier cell that succeeded, so
    later cells still see their variables. A replayed cell that fails is not hidden: it is listed
    in the failing cell's ``replay_failures`` and dropped from later replays.
    """

    def __init__(
        self,
        *,
        timeout: float = 30.0,
        cwd: str | Path | None = None,
        setup: str = "",
        output_limit: int = 1_000_000,
        kernel_name: str = "python3",
        env: dict[str, str] | None = None,
        sandbox: Confinement | None = None,
    ) -> None:
        if timeout <= 0:
            raise ValueError(f"expected a positive timeout in seconds, got {timeout}")
        self.timeout = timeout
        self.cwd = str(Path(cwd or os.getcwd()).resolve())
        self.setup = setup
        self.output_limit = output_limit
        self.kernel_name = kernel_name
        self.env = env
        self.sandbox = sandbox
        self.executions = 0
        self.restarts = 0
        self._succeeded: list[tuple[str, Any]] = []
        self._runtime: str | None = None
        self._nb = nbformat.v4.new_notebook()
        self._client: NotebookClient | None = None

    def __enter__(self) -> KernelRunner:
        try:
            self._start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop()
        if self._runtime is not None:
            shutil.rmtree(self._runtime, ignore_errors=True)
            self._runtime = None

    def run(self, source: str, *, timeout: float | None = None, tag: Any = None) -> CellResult:
        """Execute ``source`` as the next cell and return its outputs and status.

        ``timeout`` overrides the runner's limit for this cell, e.g. what is left of a block's
        budget when a block runs as several cells. ``tag`` comes back in a :class:`ReplayFailure`
        when this cell cannot be restored after a restart (the checker passes the block).
        """
        if self._client is None:
            raise RuntimeError("the kernel is not running: use KernelRunner as a context manager")
        result = self._execute(source, timeout or self.timeout)
        if result.status == "ok":
            self._succeeded.append((source, tag))
        elif result.status in ("timeout", "died"):
            result.replay_failures = self.restart()
        return result

    def run_cells(self, sources: list[str], *, timeout: float | None = None,
                  tag: Any = None) -> list[CellResult]:
        """Execute ``sources`` as consecutive cells, up to and including the first that fails.

        The result of each cell is what :meth:`run` would give for it, but the cells travel to
        the kernel in one request instead of one each: the round trip to the kernel, not the
        cells, was most of the time the checker spent on a block. ``timeout`` is for all of
        them together; a cell that times out or kills the kernel restarts it as in :meth:`run`.
        """
        return self.run_groups([CellGroup(sources, timeout or self.timeout, tag)])

    def run_groups(self, groups: list[CellGroup]) -> list[CellResult]:
        """Execute the groups' cells in order, up to and including the first that fails.

        As :meth:`run_cells`, with a time budget for each group (the checker's blocks): all the
        groups go in one request, and a group whose cells together run past its ``timeout``
        is stopped there as a cell past its timeout is.
        """
        if self._client is None:
            raise RuntimeError("the kernel is not running: use KernelRunner as a context manager")
        cells = [(source, group) for group in groups for source in group.sources]
        spent: dict[int, float] = {}
        results: list[CellResult] = []
        while len(results) < len(cells) and (not results or results[-1].status == "ok"):
            rest = cells[len(results):]
            budgets = [max(group.timeout - spent.get(id(group), 0.0), 0.1) for _, group in rest]
            batch = self._execute_batch(rest, budgets)
            if not batch:  # top-level await: the kernel runs that cell only as a request
                batch = [self._execute(rest[0][0], budgets[0])]
            for result, (_, group) in zip(batch, rest):
                spent[id(group)] = spent.get(id(group), 0.0) + result.seconds
            results.extend(batch)
        for result, (_, group) in zip(results, cells):
            if result.status == "ok":
                self._succeeded.append((result.source, group.tag))
        if results and results[-1].status in ("timeout", "died"):
            results[-1].replay_failures = self.restart()
        return results

    def restart(self) -> list[ReplayFailure]:
        """Start a new kernel and replay the cells that succeeded; return those that failed.

        A replay that kills the kernel or times out restarts it again and replays the cells
        restored so far; each failing cell is dropped, so this ends.
        """
        failures: list[ReplayFailure] = []
        pending, self._succeeded = self._succeeded, []
        while True:
            self._stop()
            self.restarts += 1
            self._start()
            for k, (source, tag) in enumerate(pending):
                result = self._execute(source)
                if result.status == "ok":
                    self._succeeded.append((source, tag))
                    continue
                failures.append(ReplayFailure(source, tag, result))
                if result.status in ("timeout", "died"):
                    pending, self._succeeded = self._succeeded + pending[k + 1:], []
                    break
            else:
                return failures

    def _execute(self, source: str, timeout: float | None = None) -> CellResult:
        limit = timeout or self.timeout
        self.executions += 1
        status, outputs, seconds = self._request(source, limit)
        return _cell_result(source, status, outputs, seconds, limit)

    def _execute_batch(self, cells: list[tuple[str, CellGroup]],
                       budgets: list[float]) -> list[CellResult]:
        """Run ``cells`` in one request: the cells that ran, the last one failing if any did.

        ``budgets`` holds, for each cell, the time its group has left when the group starts.
        A watchdog ends the kernel when the running cell's group has used its budget, which
        the result reports as a timeout.
        """
        client = self._client
        assert isinstance(client, _CellSplittingClient)
        client.finished = []
        sources = [source for source, _ in cells]
        watchdog = _Watchdog(client, [id(group) for _, group in cells], budgets)
        # nbclient's own limit only backs the watchdog up.
        limit = sum(budgets[k] for k in range(len(cells))
                    if k == 0 or cells[k][1] is not cells[k - 1][1]) + 5
        with watchdog:
            status, rest, seconds = self._request(f"{_BATCH_CALL}{sources!r})", limit)
        finished = client.finished
        results = [_cell_result(source, "ok", outputs, took, budget)
                   for source, budget, (took, outputs, _) in zip(sources, budgets, finished)]
        if watchdog.fired is not None or status != "ok":
            # The cell after the last marker timed out or died (or the last cell did, after
            # its marker, when every marker came).
            k = min(len(finished), len(sources) - 1) if watchdog.fired is None else watchdog.fired
            outputs = results[k].outputs + rest if k < len(results) else rest
            del results[k:]
            took = seconds - sum(result.seconds for result in results)
            status = "timeout" if watchdog.fired is not None else status
            results.append(_cell_result(sources[k], status, outputs, took, budgets[k]))
        self.executions += len(results)
        return results

    def _request(self, source: str, limit: float) -> tuple[Status, list[dict], float]:
        """Send ``source`` as one cell; its status (ok, timeout or died), outputs and seconds."""
        assert self._client is not None
        # nbclient counts whole seconds.
        self._client.timeout = max(1, math.ceil(limit))
        cell = nbformat.v4.new_code_cell(source)
        self._nb.cells = [cell]
        start = time.perf_counter()
        status: Status = "ok"
        try:
            self._client.execute_cell(cell, 0)
        except CellTimeoutError:
            status = "timeout"
        except DeadKernelError:
            status = "died"
        seconds = time.perf_counter() - start
        return status, [dict(out) for out in cell.get("outputs", [])], seconds

    def _start(self) -> None:
        client = _CellSplittingClient(
            self._nb,
            timeout=max(1, math.ceil(self.timeout)),
            kernel_name=self.kernel_name,
            allow_errors=True,
            interrupt_on_timeout=False,
            record_timing=False,
            shutdown_kernel="immediate",
            extra_arguments=["--IPKernelApp.log_level=ERROR"],
            resources={"metadata": {"path": self.cwd}},
        )
        if self.sandbox is not None:
            # A sandboxed kernel has no network to reach a TCP port on: its channels are Unix
            # sockets in a private folder that the sandbox shares with it.
            client.kernel_manager_class = _ConfinedKernelManager
            if self._runtime is None:
                self._runtime = tempfile.mkdtemp(prefix="torch-recipes-kernel-")
        client.km = client.create_kernel_manager()
        if self.sandbox is not None:
            client.km.confinement = self.sandbox
            client.km.transport = "ipc"
            client.km.connection_file = os.path.join(self._runtime, f"kernel-{self.restarts}.json")
            client.km.ip = os.path.join(self._runtime, f"k{self.restarts}")
        env = {**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1", **(self.env or {})}
        client.start_new_kernel(env=env)
        client.start_new_kernel_client()
        self._client = client
        prelude = _OUTPUT_CAP.replace("{limit}", str(self.output_limit)).replace(
            "{batch}", repr(_BATCH_CALL)
        )
        for code in (prelude, _BATCH_RUNNER, self.setup):
            if code.strip():
                self._run_setup(code)

    def _run_setup(self, code: str) -> None:
        result = self._execute(code)
        self.executions -= 1
        if result.status != "ok":
            detail = result.error.traceback or result.error.evalue if result.error else ""
            raise RuntimeError(f"the runner's setup code failed in the kernel:\n{detail}")

    def _stop(self) -> None:
        if self._client is not None:
            self._client._cleanup_kernel()
            self._client = None


def _cell_result(source: str, status: Status, outputs: list[dict], seconds: float,
                 limit: float) -> CellResult:
    """A cell's result from what it output: an error output makes an ``ok`` cell ``error``."""
    error = next(
        (
            ErrorInfo(out["ename"], out["evalue"], _ANSI.sub("", "\n".join(out["traceback"])))
            for out in outputs
            if out["output_type"] == "error"
        ),
        None,
    )
    if status == "ok" and error is not None:
        status = "error"
    if status == "timeout":
        error = ErrorInfo("TimeoutError", f"the cell ran longer than {limit:g} s", "")
    elif status == "died":
        error = ErrorInfo(
            "DeadKernelError", "the process running the cell died (exit, crash or kill)", ""
        )
    return CellResult(source, status, outputs, error, seconds)

