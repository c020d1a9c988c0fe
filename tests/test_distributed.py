from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from recipes.distributed import (
    _free_port,
    _regression_data,
    bind_local_device,
    choose_backend,
    launch_regression_ddp,
    save_on_rank0,
    setup_process_group,
    spawn_workers,
    teardown_process_group,
    train_regression_ddp,
)

ROOT = Path(__file__).resolve().parents[1]
TORCHRUN = Path(sys.executable).with_name("torchrun")


# Workers for spawn_workers must be importable by name, so they live at module level.
def _exit_hard_on_rank_1(code: int) -> None:
    if dist.get_rank() == 1:
        os._exit(code)
    dist.barrier()


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def _save_then_load(folder: str) -> list:
    """Each rank saves, reads the file back at once, then tries a folder that does not exist."""
    wrote = save_on_rank0({"rank": dist.get_rank(), "w": torch.arange(100_000)}, Path(folder) / "ckpt.pt")
    loaded = torch.load(Path(folder) / "ckpt.pt")
    try:
        save_on_rank0({}, Path(folder) / "missing" / "ckpt.pt")
        error = None
    except Exception as err:
        error = f"{type(err).__name__}: {err}"
    gathered = [None] * dist.get_world_size()
    dist.all_gather_object(gathered, (wrote, loaded["rank"], int(loaded["w"].sum()), error))
    return gathered


def _weights_as_array(weights: dict[str, torch.Tensor]) -> np.ndarray:
    return np.concatenate([weights["weight"].numpy().ravel(), weights["bias"].numpy().ravel()])


@pytest.fixture(scope="module")
def one_process_run():
    start = time.perf_counter()
    weights = launch_regression_ddp(world_size=1)
    return weights, time.perf_counter() - start


# --- correctness -------------------------------------------------------------------------------


@pytest.mark.slow
def test_two_processes_give_the_weights_of_one_process(one_process_run):
    single, single_s = one_process_run
    start = time.perf_counter()
    double = launch_regression_ddp(world_size=2)
    double_s = time.perf_counter() - start

    diff = float(np.max(np.abs(_weights_as_array(double) - _weights_as_array(single))))
    assert diff <= 1e-5, (
        f"max |w2 - w1| = {diff:.3e} > 1e-5 (1 process: {single_s:.1f} s, 2 processes: "
        f"{double_s:.1f} s)"
    )
    # Independently of DDP: the trained model should be near the least-squares fit of the data.
    X, y = (t.numpy() for t in _regression_data(512, 4, seed=0).tensors)
    design = np.hstack([X, np.ones((len(X), 1))])
    lstsq = np.linalg.lstsq(design, y.ravel(), rcond=None)[0]
    assert np.max(np.abs(_weights_as_array(double) - lstsq)) < 0.02


@pytest.mark.slow
def test_torchrun_runs_the_module_with_the_same_result(one_process_run):
    single, _ = one_process_run
    proc = subprocess.run(
        [str(TORCHRUN), "--standalone", "--nproc-per-node", "2", "-m", "recipes.distributed"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["world_size"] == 2
    got = np.array(report["weight"][0] + report["bias"])
    assert np.max(np.abs(got - _weights_as_array(single))) <= 1e-5


# --- failures do not hang ----------------------------------------------------------------------


@pytest.mark.slow
def test_a_failing_rank_stops_the_run_with_its_error():
    start = time.perf_counter()
    expected = r"(?s)^rank 1 failed \(exit code 1\).*rank 1 failed on purpose"
    with pytest.raises(RuntimeError, match=expected):
        launch_regression_ddp(world_size=2, fail_on_rank=1, timeout_s=60)
    assert time.perf_counter() - start < 60


@pytest.mark.slow
def test_a_rank_that_dies_without_a_traceback_is_named():
    with pytest.raises(RuntimeError, match=r"^rank 1 failed \(exit code 7\)"):
        spawn_workers(_exit_hard_on_rank_1, 2, kwargs={"code": 7}, timeout_s=60)


@pytest.mark.slow
def test_a_run_past_its_timeout_is_stopped():
    start = time.perf_counter()
    with pytest.raises(TimeoutError, match=r"did not finish within 1\.5 s; all ranks were stopped"):
        spawn_workers(_sleep, 2, kwargs={"seconds": 300}, timeout_s=1.5)
    assert time.perf_counter() - start < 20


# --- the process group in this process ---------------------------------------------------------


def test_setup_and_teardown_a_one_rank_group(monkeypatch):
    for name, value in {
        "RANK": "0",
        "WORLD_SIZE": "1",
        "MASTER_ADDR": "127.0.0.1",
        "MASTER_PORT": str(_free_port()),
    }.items():
        monkeypatch.setenv(name, value)
    rank, world_size, device = setup_process_group("gloo", timeout_s=30)
    try:
        assert (rank, world_size, device) == (0, 1, torch.device("cpu"))
        assert dist.get_backend() == "gloo"
        total = torch.tensor([3.0])
        dist.all_reduce(total)
        assert total.item() == 3.0
        with pytest.raises(RuntimeError, match="already initialized"):
            setup_process_group("gloo")
    finally:
        teardown_process_group()
    assert not dist.is_initialized()


# --- bad input ---------------------------------------------------------------------------------


def test_choose_backend_needs_a_gpu_per_local_rank():
    expected = "nccl" if torch.cuda.device_count() >= 1 and dist.is_nccl_available() else "gloo"
    assert choose_backend(1) == expected
    assert choose_backend(torch.cuda.device_count() + 1) == "gloo"
    with pytest.raises(ValueError, match="expected local_world_size >= 1, got 0"):
        choose_backend(0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"world_size": 0}, r"expected world_size >= 1, got 0"),
        ({"world_size": 2, "global_batch_size": 33}, r"multiple of the world size 2, got 33"),
        ({"world_size": 3}, r"multiple of the world size 3, got 64"),
        ({"n_samples": 10}, r"expected n_samples >= global_batch_size \(64\), got 10"),
        ({"epochs": 0}, r"expected epochs >= 1, got 0"),
        ({"lr": 0.0}, r"expected a positive learning rate, got 0.0"),
        ({"n_features": 0}, r"expected n_features >= 1, got 0"),
        ({"world_size": 2, "fail_on_rank": 2}, r"expected fail_on_rank in \[0, 2\) or None, got 2"),
    ],
)
def test_bad_training_arguments_fail_before_any_process_starts(kwargs, message):
    start = time.perf_counter()
    with pytest.raises(ValueError, match=message):
        launch_regression_ddp(**kwargs)
    assert time.perf_counter() - start < 1


def test_spawn_workers_rejects_functions_it_cannot_import_by_name():
    def local_worker() -> None:
        return None

    with pytest.raises(TypeError, match=r"importable by name.*got 'test_spawn.*local_worker'"):
        spawn_workers(local_worker, 2)
    with pytest.raises(TypeError, match="expected world_size to be an int, got str"):
        spawn_workers(_sleep, "2")
    with pytest.raises(ValueError, match="expected a positive timeout_s, got 0"):
        spawn_workers(_sleep, 2, timeout_s=0)


def test_setup_without_the_launcher_environment_names_what_is_missing(monkeypatch):
    for name in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RANK", "0")
    with pytest.raises(RuntimeError, match="missing: WORLD_SIZE, MASTER_ADDR, MASTER_PORT$"):
        setup_process_group()
    with pytest.raises(ValueError, match="expected a positive timeout_s, got -1"):
        setup_process_group(timeout_s=-1)


def test_training_outside_a_process_group_is_refused():
    with pytest.raises(RuntimeError, match="expected an initialized process group"):
        train_regression_ddp()


# --- one GPU per rank, saving from rank 0 -----------------------------------------------------


def test_bind_local_device_without_cuda_is_the_cpu(monkeypatch):
    monkeypatch.setenv("LOCAL_RANK", "1")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert bind_local_device() == torch.device("cpu")
    assert bind_local_device(3, use_cuda=False) == torch.device("cpu")


def test_bind_local_device_sets_the_device_of_its_local_rank(monkeypatch):
    chosen = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 4)
    monkeypatch.setattr(torch.cuda, "set_device", chosen.append)
    monkeypatch.setenv("LOCAL_RANK", "2")
    assert bind_local_device() == torch.device("cuda", 2)
    assert chosen == [2]
    with pytest.raises(ValueError, match=r"expected local_rank < 4 \(the CUDA devices this process sees\), got 4"):
        bind_local_device(4)
    assert chosen == [2]


@pytest.mark.parametrize(
    ("env", "local_rank", "error", "message"),
    [
        (None, None, RuntimeError, r"expected a local_rank argument or \$LOCAL_RANK"),
        ("one", None, ValueError, r"expected \$LOCAL_RANK to be an int, got 'one'"),
        (None, -1, ValueError, "expected local_rank >= 0, got -1"),
        (None, "0", TypeError, "expected local_rank to be an int, got str"),
    ],
)
def test_bind_local_device_bad_input(monkeypatch, env, local_rank, error, message):
    if env is None:
        monkeypatch.delenv("LOCAL_RANK", raising=False)
    else:
        monkeypatch.setenv("LOCAL_RANK", env)
    with pytest.raises(error, match=message):
        bind_local_device(local_rank, use_cuda=False)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_bind_local_device_asked_for_cuda_without_it_says_so():
    with pytest.raises(ValueError, match=r"expected local_rank < 0 .*got 0"):
        bind_local_device(0, use_cuda=True)


@pytest.mark.skipif(
    not torch.cuda.is_available(), reason="needs a CUDA device; this machine has none"
)
def test_bind_local_device_on_a_real_gpu():
    device = bind_local_device(0)
    assert device == torch.device("cuda", 0)
    assert torch.cuda.current_device() == 0
    assert torch.ones(1, device="cuda").device == device


def test_save_on_rank0_writes_once_and_every_rank_reads_the_whole_file(tmp_path):
    results = spawn_workers(_save_then_load, 2, kwargs={"folder": str(tmp_path)}, timeout_s=60, backend="gloo")
    expected_sum = sum(range(100_000))
    assert [r[:3] for r in results] == [(True, 0, expected_sum), (False, 0, expected_sum)]
    assert results[0][3].startswith("FileNotFoundError: expected an existing folder to save into")
    assert results[1][3].startswith("RuntimeError: rank 0 could not save")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt.pt"]


def test_save_on_rank0_refuses_a_ddp_wrapper(tmp_path):
    # Building a real DDP model imports torch._dynamo (about 10 s); the refusal looks only at the type.
    wrapped = DistributedDataParallel.__new__(DistributedDataParallel)
    with pytest.raises(TypeError, match=r"save ddp_model.module.state_dict\(\)"):
        save_on_rank0(wrapped, tmp_path / "model.pt")
    assert list(tmp_path.iterdir()) == []
