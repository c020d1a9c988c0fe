"""The shared kernel runner: isolation, captured outputs, and survival of failing cells."""

from __future__ import annotations

import os

import pytest

from recipes.runner import KernelRunner

# The tests here start kernels, so the file is among the first handed out (see
# conftest.pytest_collection_modifyitems).
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def results() -> dict[str, object]:
    """One kernel session through every failure mode, in order, so the kernel starts few times."""
    sources = {
        "define": "import os\nvalue = 41\nprint('pid', os.getpid())",
        "expression": "value + 1",
        "raise": "raise KeyError('missing')",
        "sleep": "import time\ntime.sleep(30)",
        "after_sleep": "print(value)",
        "exit": "import sys\nsys.exit(3)",
        "hard_exit": "os._exit(3)",
        "after_exit": "print(value, 'pid', os.getpid())",
        "flood": "print('x' * 50_000_000)",
        "endless": "while True:\n    print('again')",
        "last": "print('still here')",
    }
    with KernelRunner(timeout=3, output_limit=100_000) as kernel:
        out = {name: kernel.run(code) for name, code in sources.items()}
        out["executions"] = kernel.executions
        out["restarts"] = kernel.restarts
    return out


def test_kernel_is_a_separate_process(results) -> None:
    assert results["define"].status == "ok"
    assert results["define"].text.startswith("pid ")
    assert int(results["define"].text.split()[1]) != os.getpid()


def test_bare_expression_is_displayed_like_a_notebook(results) -> None:
    assert results["expression"].text == "42\n"
    assert results["expression"].outputs[0]["output_type"] == "execute_result"


def test_exception_is_reported_with_its_name(results) -> None:
    assert results["raise"].status == "error"
    assert results["raise"].error.ename == "KeyError"
    assert "missing" in results["raise"].error.evalue


def test_timeout_restarts_and_replays_successful_cells(results) -> None:
    assert results["sleep"].status == "timeout"
    assert results["after_sleep"].status == "ok"
    assert results["after_sleep"].text == "41\n"


def test_sys_exit_is_an_error_not_a_crash(results) -> None:
    assert results["exit"].status == "error"
    assert results["exit"].error.ename == "SystemExit"


def test_dead_kernel_is_replaced_and_state_replayed(results) -> None:
    assert results["hard_exit"].status == "died"
    value, _, pid = results["after_exit"].text.split()
    assert value == "41"
    assert pid != results["define"].text.split()[1]


def test_output_without_end_is_stopped(results) -> None:
    for name in ("flood", "endless"):
        assert results[name].status == "error"
        assert results[name].error.ename == "OutputLimitExceeded"
        assert len(results[name].text) <= 100_000
    assert results["last"].text == "still here\n"


def test_counts_executions_including_replays(results) -> None:
    assert results["restarts"] == 2
    # 11 cells, plus "define" and "expression" replayed after the timeout, and those two plus
    # "after_sleep" replayed after the hard exit.
    assert results["executions"] == 11 + 2 + 3


def test_rejects_a_non_positive_timeout() -> None:
    with pytest.raises(ValueError, match="positive timeout"):
        KernelRunner(timeout=0)


@pytest.fixture(scope="module")
def batches() -> dict[str, object]:
    """Cells sent together with run_cells, in one kernel: each gets what run would give it."""
    with KernelRunner(timeout=20, output_limit=100_000) as kernel:
        out: dict[str, object] = {}
        out["first"] = kernel.run_cells([
            "value = 41",
            "value + 1",
            ("print('gone')\nfrom IPython.display import clear_output\nclear_output()\n"
             "print('kept')"),
            "print('x' * 60_000)",
            "print('y' * 60_000)",
            "raise KeyError('missing')",
            "print('never runs')",
        ])
        out["dying"] = kernel.run_cells(["print(value)", "import os\nos._exit(3)", "value = 0"])
        out["after_death"] = kernel.run("print(value)")
        out["awaiting"] = kernel.run_cells(
            ["import asyncio\nawait asyncio.sleep(0)\nprint('awaited')", "print(value + 1)"])
        out["reset"] = kernel.run_cells(["%reset -f", "print('still batched')"])
    return out


def test_batched_cells_each_get_their_own_outputs(batches) -> None:
    first = batches["first"]
    assert [r.status for r in first] == ["ok", "ok", "ok", "ok", "ok", "error"]
    assert first[1].text == "42\n"
    assert first[1].outputs[0]["output_type"] == "execute_result"
    assert first[2].text == "kept\n"  # its clear_output cleared its own outputs only
    # the output limit is each cell's, not the batch's
    assert len(first[3].text) == len(first[4].text) == 60_001
    assert first[5].error.ename == "KeyError"


def test_a_batch_that_kills_the_kernel_blames_the_cell_that_did(batches) -> None:
    dying = batches["dying"]
    assert [r.status for r in dying] == ["ok", "died"]
    assert dying[0].text == "41\n"
    assert batches["after_death"].text == "41\n"  # replayed; the cell after the exit never ran


def test_top_level_await_and_reset_run_in_a_batch(batches) -> None:
    assert [r.text for r in batches["awaiting"]] == ["awaited\n", "42\n"]
    assert [r.status for r in batches["reset"]] == ["ok", "ok"]
    assert batches["reset"][1].text == "still batched\n"
