"""Site build timings against the goals of issue 14.

Measured in this run, each on a copy of docs/ with its own empty build cache:

* a cold build of both languages executing one tutorial at a time (the serial baseline), and
  with one tutorial per core (the default);
* a cold build of English alone, with one tutorial per core;
* a rebuild after a prose-only edit of one tutorial, and a rebuild with nothing changed;
* under `mkdocs serve` (imports and plugins already loaded), the time from a prose-only edit to
  the browsers' reload, and how many rebuilds the edit started.

Run with `make bench` or `.venv/bin/python benchmarks/bench_site.py`; exits 1 when a goal is missed.
"""

from __future__ import annotations

import os
import queue
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.goals import Row, emit  # noqa: E402
from recipes.site.variants import write_config_variant  # noqa: E402


def timed_build(config: Path, work: Path, jobs: int | None = None) -> float:
    env = {**os.environ, "TORCH_RECIPES_CACHE": str(work / "cache"), "NO_MKDOCS_2_WARNING": "1"}
    if jobs is not None:
        env["TORCH_RECIPES_JOBS"] = str(jobs)
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config)]
    start = time.perf_counter()
    done = subprocess.run(
        [*command, "-d", str(work / "site")], cwd=ROOT, env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"build failed:\n{(done.stdout + done.stderr)[-4000:]}")
    return seconds


def site_copy(work: Path, languages: tuple[str, ...]) -> Path:
    """A copy of docs/ and a configuration building ``languages`` from it."""
    docs = work / "docs"
    shutil.copytree(ROOT / "docs", docs)
    return write_config_variant(work / "mkdocs.yml", docs_dir=docs, languages=languages)


def touch_prose(tutorial: Path) -> None:
    """Change one English prose cell without touching any code cell."""
    text = tutorial.read_text(encoding="utf-8")
    marker = '# %% [markdown] lang="en"\n'
    head, _, tail = text.partition(marker)
    tutorial.write_text(head + marker + "# (edited for the benchmark)\n#\n" + tail, encoding="utf-8")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_rebuild(config: Path, work: Path, tutorial: Path) -> tuple[float, int]:
    """Seconds from a prose edit to `mkdocs serve` reloading the browsers, and the rebuilds the
    edit started (counted for 10 s after the reload)."""
    env = {**os.environ, "TORCH_RECIPES_CACHE": str(work / "cache"), "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "mkdocs", "serve", "--strict", "-f", str(config),
               "-a", f"127.0.0.1:{_free_port()}"]
    lines: queue.Queue[str] = queue.Queue()
    with subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True) as proc:
        reader = threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout], daemon=True)
        reader.start()

        def wait_for(text: str, limit: float) -> float:
            deadline = time.monotonic() + limit
            while time.monotonic() < deadline:
                try:
                    if text in lines.get(timeout=0.2):
                        return time.perf_counter()
                except queue.Empty:
                    if proc.poll() is not None:
                        break
            proc.kill()
            sys.exit(f"mkdocs serve never logged {text!r}")

        try:
            wait_for("Serving on", 300)
            time.sleep(2)  # let the watcher settle after the first build
            start = time.perf_counter()
            touch_prose(tutorial)
            seconds = wait_for("Reloading browsers", 120) - start
            rebuilds, quiet_until = 1, time.monotonic() + 10
            while time.monotonic() < quiet_until:
                try:
                    rebuilds += "Detected file changes" in lines.get(timeout=0.2)
                except queue.Empty:
                    continue
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    return seconds, rebuilds


def main() -> int:
    cores = os.cpu_count() or 1
    print(f"{cores} cores; tutorials run {cores} at a time unless said otherwise", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-site-") as tmp:
        tmp_path = Path(tmp)
        both, english, serial = tmp_path / "both", tmp_path / "english", tmp_path / "serial"
        timings = {
            "serial": timed_build(site_copy(serial, ("en", "zh")), serial, jobs=1),
            "both": timed_build(site_copy(both, ("en", "zh")), both),
            "english": timed_build(site_copy(english, ("en",)), english),
        }
        touch_prose(both / "docs" / "tutorials" / "creation.py")
        timings["prose"] = timed_build(both / "mkdocs.yml", both)
        timings["unchanged"] = timed_build(both / "mkdocs.yml", both)
        timings["serve"], serve_builds = serve_rebuild(
            both / "mkdocs.yml", both, both / "docs" / "tutorials" / "dtypes.py"
        )
    for label, key in (
        ("cold, both languages, one tutorial at a time", "serial"),
        ("cold, both languages, parallel", "both"),
        ("cold, English alone, parallel", "english"),
        ("rebuild after a prose edit", "prose"),
        ("rebuild with nothing changed", "unchanged"),
        ("mkdocs serve: prose edit to browser reload", "serve"),
    ):
        print(f"{label:<46} {timings[key]:7.1f} s")
    print(f"mkdocs serve: rebuilds started by one edit: {serve_builds}")
    print()
    rows = [
        Row("cold build: parallel / serial", timings["both"] / timings["serial"], 0.6, "x"),
        Row("cold build: both languages / English", timings["both"] / timings["english"], 1.05, "x"),
        Row("rebuild after a prose edit", timings["prose"], 6.0, " s"),
        Row("rebuild after a prose edit / cold", timings["prose"] / timings["both"], 0.05, "x"),
        Row("rebuild with nothing changed", timings["unchanged"], 3.0, " s"),
        Row("mkdocs serve: prose edit to browser reload", timings["serve"], 6.0, " s"),
    ]
    met = [emit(row) for row in rows]
    return 0 if all(met) else 1


if __name__ == "__main__":
    sys.exit(main())
