"""The shared kernel runner: isolation, captured outputs, and survival of failing cells."""

from __future__ import annotations

import os

import pytest

from recipes.runner import KernelRunner


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
