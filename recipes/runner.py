"""Run code cells in order in an isolated Jupyter kernel and capture what each printed.

This is the single execution engine of the project: the site build executes tutorials with it and
the tutorial checker runs documents with it. One :class:`KernelRunner` is one fresh kernel process,
so a document never shares state with the caller or with another document.
"""

from __future__ import annotations

import math
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Literal

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

__all__ = ["CellResult", "ErrorInfo", "KernelRunner", "Status"]

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

    def cap_streams(*_args):
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


@dataclass(frozen=True)
class ErrorInfo:
    """An exception raised by a cell, as the kernel reported it."""

    ename: str
    evalue: str
    traceback: str


@dataclass
class CellResult:
    """What running one cell produced, in the form a notebook stores it."""

    source: str
    status: Status
    outputs: list[dict] = field(default_factory=list)
    error: ErrorInfo | None = None
    seconds: float = 0.0

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


class KernelRunner:
    """A fresh Jupyter kernel that runs cells one at a time and survives their failures.

    A cell that times out or kills the kernel (``os._exit``, a segfault) gets status ``timeout`` or
    ``died``; the runner then starts a new kernel and replays every earlier cell that succeeded, so
    later cells still see their variables.
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
    ) -> None:
        if timeout <= 0:
            raise ValueError(f"expected a positive timeout in seconds, got {timeout}")
        self.timeout = timeout
        self.cwd = str(Path(cwd or os.getcwd()).resolve())
        self.setup = setup
        self.output_limit = output_limit
        self.kernel_name = kernel_name
        self.env = env
        self.executions = 0
        self.restarts = 0
        self._succeeded: list[str] = []
        self._nb = nbformat.v4.new_notebook()
        self._client: NotebookClient | None = None

    def __enter__(self) -> KernelRunner:
        self._start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop()

    def run(self, source: str, *, timeout: float | None = None) -> CellResult:
        """Execute ``source`` as the next cell and return its outputs and status.

        ``timeout`` overrides the runner's limit for this cell, e.g. what is left of a block's
        budget when a block runs as several cells.
        """
        if self._client is None:
            raise RuntimeError("the kernel is not running: use KernelRunner as a context manager")
        result = self._execute(source, timeout or self.timeout)
        if result.status == "ok":
            self._succeeded.append(source)
        elif result.status in ("timeout", "died"):
            self._restart()
        return result

    def _execute(self, source: str, timeout: float | None = None) -> CellResult:
        assert self._client is not None
        limit = timeout or self.timeout
        # nbclient counts whole seconds.
        self._client.timeout = max(1, math.ceil(limit))
        cell = nbformat.v4.new_code_cell(source)
        self._nb.cells = [cell]
        self.executions += 1
        start = time.perf_counter()
        status: Status = "ok"
        try:
            self._client.execute_cell(cell, 0)
        except CellTimeoutError:
            status = "timeout"
        except DeadKernelError:
            status = "died"
        seconds = time.perf_counter() - start
        outputs = [dict(out) for out in cell.get("outputs", [])]
        error = next(
            (
                ErrorInfo(
                    out["ename"], out["evalue"], _ANSI.sub("", "\n".join(out["traceback"]))
                )
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

    def _start(self) -> None:
        client = NotebookClient(
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
        client.km = client.create_kernel_manager()
        env = {**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1", **(self.env or {})}
        client.start_new_kernel(env=env)
        client.start_new_kernel_client()
        self._client = client
        prelude = _OUTPUT_CAP.replace("{limit}", str(self.output_limit))
        for code in (prelude, self.setup):
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

    def _restart(self) -> None:
        self._stop()
        self.restarts += 1
        self._start()
        for source in self._succeeded:
            self._execute(source)
