"""How long `make test` takes: the whole test suite, run exactly as CI runs it, and where its CPU
time goes.

Goal (issue 14): at most 5 minutes on a 2-core machine. Run with `make bench` or
`.venv/bin/python benchmarks/bench_tests.py`; exits 1 when the suite fails or the goal is missed.

While the suite runs, every process it starts is sampled from ``/proc`` (with psutil) for its CPU
time. ``time make test`` cannot tell this: a sandboxed kernel runs in a PID namespace of its own
and its CPU time is never added to the process that started it. The sum over all processes,
divided by the cores, is the shortest the suite could take here however its work were scheduled.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.goals import Row, emit  # noqa: E402

GOAL_S = 300.0
INTERVAL_S = 0.25
# A process is checked for a loaded libtorch after each further second of CPU: torch maps it in
# its first few tenths of a second of import, and a kernel imports torch only when a cell asks.
TORCH_CHECK_EVERY_S = 1.0


@dataclass
class Seen:
    """One process as last sampled: its parent, what it runs and CPU seconds (user + system)."""

    ppid: int
    name: str
    program: str
    cpu: float
    torch: bool = False
    checked_at: float = 0.0


@dataclass
class CpuSampler:
    """Sample the CPU time of every process created after the sampler starts, until stopped.

    A process's CPU after its last sample (at most ``INTERVAL_S``) is not counted.
    """

    seen: dict[tuple[int, float], Seen] = field(default_factory=dict)
    sweeps: int = 0
    own_cpu: float = 0.0

    def __post_init__(self) -> None:
        self._since = time.time() - 1.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> CpuSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(INTERVAL_S):
            self._sweep()
        self._sweep()
        self.own_cpu = time.thread_time()

    def _sweep(self) -> None:
        self.sweeps += 1
        # Only /proc/PID/stat for every process; a new one's command line is read once.
        for proc in psutil.process_iter(["create_time", "cpu_times"]):
            info = proc.info
            if info["cpu_times"] is None or (info["create_time"] or 0) < self._since:
                continue
            if proc.pid == os.getpid():
                continue
            cpu = info["cpu_times"].user + info["cpu_times"].system
            key = (proc.pid, info["create_time"])
            seen = self.seen.get(key)
            if seen is None:
                try:
                    with proc.oneshot():
                        seen = Seen(proc.ppid(), proc.name(), _program(proc.cmdline()), cpu)
                except psutil.Error:
                    continue
                self.seen[key] = seen
            seen.cpu = max(seen.cpu, cpu)
            if not seen.torch and seen.cpu - seen.checked_at >= TORCH_CHECK_EVERY_S:
                seen.checked_at = seen.cpu
                seen.torch = _maps_libtorch(proc.pid)

    def by_category(self) -> dict[str, list[Seen]]:
        """The processes seen, grouped by what they were (see :func:`_category`)."""
        by_pid = {key[0]: seen for key, seen in self.seen.items()}
        groups: dict[str, list[Seen]] = {}
        for seen in self.seen.values():
            groups.setdefault(_category(seen, by_pid), []).append(seen)
        return groups


def _maps_libtorch(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/maps", encoding="utf-8", errors="replace") as fh:
            return any("libtorch_cpu" in line for line in fh)
    except OSError:
        return False


def _ancestors(seen: Seen, by_pid: dict[int, Seen]) -> list[Seen]:
    chain, visited = [], set()
    parent = by_pid.get(seen.ppid)
    while parent is not None and id(parent) not in visited:
        visited.add(id(parent))
        chain.append(parent)
        parent = by_pid.get(parent.ppid)
    return chain


def _program(argv: list[str]) -> str:
    """What a command line runs: for Python the module (``-m mkdocs``), the code (``-c ...``) or
    the script's name, else the executable's name. Arguments are left out: the tests' temporary
    paths hold words such as ``pytest``."""
    if not argv:
        return ""
    if not os.path.basename(argv[0]).startswith("python"):
        return os.path.basename(argv[0])
    rest = argv[1:]
    while rest and rest[0].startswith("-") and rest[0] not in ("-m", "-c"):
        rest = rest[2:] if rest[0] in ("-X", "-W") else rest[1:]
    if len(rest) >= 2 and rest[0] in ("-m", "-c"):
        return f"{rest[0]} {rest[1]}"
    return os.path.basename(rest[0]) if rest else "python"


def _category(seen: Seen, by_pid: dict[int, Seen]) -> str:
    lineage = [seen, *_ancestors(seen, by_pid)]
    in_site_build = any(p.program in ("-m mkdocs", "mkdocs") for p in lineage)
    if seen.program == "-m ipykernel_launcher":
        return "Jupyter kernels of site builds" if in_site_build else "Jupyter kernels of checks"
    if in_site_build:
        return "site builds (mkdocs, pre-render workers)"
    if any("_worker_main" in p.program or p.program == "torchrun" for p in lineage):
        return "DDP ranks and torchrun"
    if seen.name.startswith("chrom"):
        return "Chromium and chromedriver"
    if seen.program in ("-m pytest", "pytest") or "sys.stdin.readline()" in seen.program:
        return "pytest, its workers and their forks"
    return "other (sandbox launchers, git, scripts the tests run)"


def import_torch_cpu_s(runs: int = 3) -> float:
    """CPU seconds that `import torch` adds to a fresh Python process here (median of runs)."""

    def child_cpu(code: str) -> float:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-c", code], check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

    bare = statistics.median(child_cpu("pass") for _ in range(runs))
    return statistics.median(child_cpu("import torch") for _ in range(runs)) - bare


def report(sampler: CpuSampler, seconds: float, import_cpu: float) -> None:
    """Print where the CPU time went, and the least wall time that total allows on these cores."""
    cores = os.cpu_count() or 1
    groups = sampler.by_category()
    everyone = [s for group in groups.values() for s in group]
    total, importers = sum(s.cpu for s in everyone), sum(s.torch for s in everyone)
    print(f"CPU time of the processes make test started (sampled every {INTERVAL_S} s):")
    print(f"  {'':<52} {'processes':>9} {'CPU s':>8} {'loaded torch':>12}")
    rows = sorted(groups.items(), key=lambda kv: -sum(s.cpu for s in kv[1]))
    for name, group in [*rows, ("all", everyone)]:
        print(f"  {name:<52} {len(group):>9} {sum(s.cpu for s in group):>8.0f} "
              f"{sum(s.torch for s in group):>12}")
    print(f"  (a process's CPU after its last sample is missed, at most {INTERVAL_S} s each; "
          f"the sampler itself used {sampler.own_cpu:.1f} CPU s)")
    print(f"{total:.0f} CPU s in {seconds:.0f} s on {cores} cores: no schedule finishes in under "
          f"{total / cores:.0f} s here")
    print(f"`import torch` costs {import_cpu:.2f} CPU s here; in the {importers} processes that "
          f"loaded torch that is {importers * import_cpu:.0f} CPU s, or "
          f"{importers * import_cpu / cores:.0f} s of {cores} cores")


def main() -> int:
    import_cpu = import_torch_cpu_s()
    start = time.perf_counter()
    with CpuSampler() as sampler:
        done = subprocess.run(["make", "-s", "test"], cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    summary = (done.stdout.strip().splitlines() or ["(no output)"])[-1]
    print(f"make test: {summary}")
    report(sampler, seconds, import_cpu)
    if done.returncode != 0:
        print((done.stdout + done.stderr)[-4000:])
        return 1
    return 0 if emit(Row("make test (tests only)", seconds, GOAL_S, " s")) else 1


if __name__ == "__main__":
    sys.exit(main())
