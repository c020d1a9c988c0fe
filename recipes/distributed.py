"""Train the nn.Linear regression on several processes with DistributedDataParallel (DDP).

Each process (a rank) trains on its own shard of every global batch and DDP averages the
gradients, so all ranks take the same step one process would take on the whole batch. It runs
under `torchrun --nproc-per-node N -m recipes.distributed` or, locally, through `spawn_workers`.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import json
import os
import pickle
import runpy
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler

__all__ = [
    "choose_backend",
    "setup_process_group",
    "teardown_process_group",
    "train_regression_ddp",
    "spawn_workers",
    "launch_regression_ddp",
    "bind_local_device",
    "save_on_rank0",
]

_REQUIRED_ENV = ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")


def choose_backend(local_world_size: int = 1) -> str:
    """Return `"nccl"` when this machine has a CUDA device for each local rank, else `"gloo"`.

    NCCL only moves CUDA tensors, while gloo works on the CPU (and is the backend to use there).

    Examples:
        >>> torch.cuda.is_available() or choose_backend(2) == "gloo"
        True
        >>> choose_backend(0)
        Traceback (most recent call last):
        ...
        ValueError: expected local_world_size >= 1, got 0
    """
    if local_world_size < 1:
        raise ValueError(f"expected local_world_size >= 1, got {local_world_size}")
    has_gpus = torch.cuda.is_available() and torch.cuda.device_count() >= local_world_size
    return "nccl" if has_gpus and dist.is_nccl_available() else "gloo"


def setup_process_group(
    backend: str | None = None, timeout_s: float = 300.0
) -> tuple[int, int, torch.device]:
    """Join the process group named by torchrun's environment; return `(rank, world_size, device)`.

    `RANK`, `WORLD_SIZE`, `MASTER_ADDR` and `MASTER_PORT` must be set (torchrun and
    `spawn_workers` set them). With NCCL each rank is pinned to GPU `LOCAL_RANK`; with gloo the
    device is the CPU. `timeout_s` bounds how long a collective waits for a missing peer.
    Commonly gotten wrong: skipping `torch.cuda.set_device(local_rank)`, so every rank on a
    machine crowds onto GPU 0.

    Examples:
        >>> import os
        >>> any(name in os.environ for name in ("RANK", "WORLD_SIZE"))
        False
        >>> setup_process_group()
        Traceback (most recent call last):
        ...
        RuntimeError: expected the environment variables RANK, WORLD_SIZE, ... missing: RANK, ...
    """
    if timeout_s <= 0:
        raise ValueError(f"expected a positive timeout_s, got {timeout_s}")
    missing = [name for name in _REQUIRED_ENV if name not in os.environ]
    if missing:
        raise RuntimeError(
            f"expected the environment variables {', '.join(_REQUIRED_ENV)} (set by torchrun or "
            f"spawn_workers), missing: {', '.join(missing)}"
        )
    if dist.is_initialized():
        raise RuntimeError("a process group is already initialized in this process")
    rank = int(os.environ["RANK"])
    world_size = int(os.environ["WORLD_SIZE"])
    local_rank = int(os.environ.get("LOCAL_RANK", rank))
    local_world_size = int(os.environ.get("LOCAL_WORLD_SIZE", world_size))
    backend = backend or choose_backend(local_world_size)
    if backend not in ("gloo", "nccl"):
        raise ValueError(f"expected backend 'gloo' or 'nccl', got {backend!r}")
    device = bind_local_device(local_rank, use_cuda=backend == "nccl")
    dist.init_process_group(
        backend,
        init_method="env://",
        rank=rank,
        world_size=world_size,
        timeout=datetime.timedelta(seconds=timeout_s),
    )
    return rank, world_size, device


def bind_local_device(local_rank: int | None = None, *, use_cuda: bool | None = None) -> torch.device:
    """Pin this rank to its own GPU, `cuda:<local_rank>`, with `torch.cuda.set_device`; the CPU without CUDA.

    `local_rank` defaults to `$LOCAL_RANK`, which torchrun sets to the rank's number on its
    machine; `use_cuda` defaults to whether CUDA is available. Call it first thing in each rank,
    before any CUDA tensor or the process group exists. Commonly gotten wrong: skipping
    `set_device`, so every rank's `"cuda"` tensors and NCCL's buffers crowd onto GPU 0.

    Examples:
        >>> bind_local_device(0, use_cuda=False)
        device(type='cpu')
        >>> bind_local_device(-1, use_cuda=False)
        Traceback (most recent call last):
        ...
        ValueError: expected local_rank >= 0, got -1
    """
    if local_rank is None:
        if "LOCAL_RANK" not in os.environ:
            raise RuntimeError(
                "expected a local_rank argument or $LOCAL_RANK (set by torchrun), got neither"
            )
        try:
            local_rank = int(os.environ["LOCAL_RANK"])
        except ValueError:
            raise ValueError(
                f"expected $LOCAL_RANK to be an int, got {os.environ['LOCAL_RANK']!r}"
            ) from None
    if isinstance(local_rank, bool) or not isinstance(local_rank, int):
        raise TypeError(f"expected local_rank to be an int, got {type(local_rank).__name__}")
    if local_rank < 0:
        raise ValueError(f"expected local_rank >= 0, got {local_rank}")
    if use_cuda is None:
        use_cuda = torch.cuda.is_available()
    if not use_cuda:
        return torch.device("cpu")
    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if local_rank >= count:
        raise ValueError(
            f"expected local_rank < {count} (the CUDA devices this process sees), got {local_rank}"
        )
    torch.cuda.set_device(local_rank)
    return torch.device("cuda", local_rank)


def save_on_rank0(obj: Any, path: str | os.PathLike[str]) -> bool:
    """Save `obj` with `torch.save` on rank 0 only, then hold every rank until the file is complete.

    Returns whether this rank wrote the file; outside a process group the one process is rank 0.
    The file is written under a temporary name and renamed, so no reader sees half a checkpoint;
    if rank 0 cannot write it, every rank raises. Commonly gotten wrong: every rank saving to the same path at once, so the copies race, and
    other ranks loading the file before rank 0 has finished writing it.

    Examples:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> save_on_rank0({"epoch": 3}, folder / "checkpoint.pt")
        True
        >>> torch.load(folder / "checkpoint.pt")
        {'epoch': 3}
        >>> save_on_rank0({"epoch": 3}, folder / "missing" / "checkpoint.pt")
        Traceback (most recent call last):
        ...
        FileNotFoundError: expected an existing folder to save into, got .../missing
    """
    if isinstance(obj, DistributedDataParallel):
        raise TypeError(
            "expected a state dict or a plain object, got a DistributedDataParallel wrapper; save "
            "ddp_model.module.state_dict() so that the keys carry no 'module.' prefix"
        )
    path = Path(path)
    rank = dist.get_rank() if dist.is_initialized() else 0
    failure: Exception | None = None
    if rank == 0:
        try:
            if not path.parent.is_dir():
                raise FileNotFoundError(f"expected an existing folder to save into, got {path.parent}")
            partial = path.with_name(path.name + ".part")
            torch.save(obj, partial)
            partial.replace(path)
        except Exception as err:
            failure = err
    if dist.is_initialized():
        # A broadcast rather than a barrier: the other ranks learn that rank 0 failed, instead of
        # waiting for the group's timeout and then loading a file that is not there.
        outcome = [None if failure is None else f"{type(failure).__name__}: {failure}"]
        dist.broadcast_object_list(outcome, src=0)
        if rank != 0 and outcome[0] is not None:
            raise RuntimeError(f"rank 0 could not save {path}: {outcome[0]}")
    if failure is not None:
        raise failure
    return rank == 0


def teardown_process_group() -> None:
    """Leave the process group if this process is in one, so the program can exit cleanly.

    Examples:
        >>> teardown_process_group()
        >>> dist.is_initialized()
        False
    """
    if dist.is_initialized():
        dist.destroy_process_group()


def _check_config(
    world_size: int,
    n_samples: int,
    n_features: int,
    epochs: int,
    global_batch_size: int,
    lr: float,
    fail_on_rank: int | None,
) -> None:
    if world_size < 1:
        raise ValueError(f"expected world_size >= 1, got {world_size}")
    if fail_on_rank is not None and not 0 <= fail_on_rank < world_size:
        raise ValueError(
            f"expected fail_on_rank in [0, {world_size}) or None, got {fail_on_rank}"
        )
    if n_features < 1:
        raise ValueError(f"expected n_features >= 1, got {n_features}")
    if epochs < 1:
        raise ValueError(f"expected epochs >= 1, got {epochs}")
    if not lr > 0:
        raise ValueError(f"expected a positive learning rate, got {lr}")
    if global_batch_size < 1 or global_batch_size % world_size:
        raise ValueError(
            f"expected global_batch_size to be a positive multiple of the world size "
            f"{world_size}, got {global_batch_size}"
        )
    if n_samples < global_batch_size:
        raise ValueError(
            f"expected n_samples >= global_batch_size ({global_batch_size}), got {n_samples}"
        )


def _regression_data(n_samples: int, n_features: int, seed: int) -> TensorDataset:
    # Every rank builds the same data from the seed: y = X @ [1, 2, ..., n_features] + 0.5 + noise.
    # float64 keeps the 1-process and N-process results equal far below 1e-5: only the order of
    # the additions differs between them.
    generator = torch.Generator().manual_seed(seed)
    X = torch.randn(n_samples, n_features, generator=generator, dtype=torch.float64)
    true_weight = torch.arange(1, n_features + 1, dtype=torch.float64)
    noise = 0.1 * torch.randn(n_samples, generator=generator, dtype=torch.float64)
    y = X @ true_weight + 0.5 + noise
    return TensorDataset(X, y.reshape(-1, 1))


def train_regression_ddp(
    *,
    n_samples: int = 512,
    n_features: int = 4,
    epochs: int = 10,
    global_batch_size: int = 64,
    lr: float = 0.1,
    seed: int = 0,
    fail_on_rank: int | None = None,
) -> dict[str, torch.Tensor] | None:
    """Train `nn.Linear(n_features, 1)` (MSE, SGD) on this rank's shard; rank 0 returns the weights.

    Call it inside a process group (after `setup_process_group`, as `spawn_workers` and `main`
    do). The data, `y = X @ [1, 2, ..., n_features] + 0.5 + noise` in float64, is made from
    `seed` identically on every rank; the returned state dict should be close to those
    coefficients. Each step every rank takes `global_batch_size // world_size` samples chosen by a
    `DistributedSampler` and DDP averages the gradients, so the result equals one process
    training on the whole global batch. `fail_on_rank` makes that rank raise at the start, to
    rehearse failure handling. Commonly gotten wrong: forgetting `sampler.set_epoch(epoch)`, so
    every epoch repeats the same shuffle; and saving `ddp_model.state_dict()`, whose keys carry
    a `module.` prefix a plain model will not load.

    Examples:
        >>> train_regression_ddp()
        Traceback (most recent call last):
        ...
        RuntimeError: expected an initialized process group; call setup_process_group() first, ...
    """
    if not dist.is_initialized():
        raise RuntimeError(
            "expected an initialized process group; call setup_process_group() first, "
            "or use spawn_workers or torchrun"
        )
    rank, world_size = dist.get_rank(), dist.get_world_size()
    _check_config(
        world_size, n_samples, n_features, epochs, global_batch_size, lr, fail_on_rank
    )
    if fail_on_rank is not None and rank == fail_on_rank:
        raise RuntimeError(f"rank {rank} failed on purpose (fail_on_rank={fail_on_rank})")
    on_gpu = dist.get_backend() == "nccl"
    device = torch.device("cuda", torch.cuda.current_device()) if on_gpu else torch.device("cpu")

    dataset = _regression_data(n_samples, n_features, seed)
    # Rank r gets positions r, r + W, r + 2W, ... of the epoch's permutation, so the W shards of
    # step k together are exactly the k-th global batch a single process would draw.
    sampler = DistributedSampler(
        dataset, num_replicas=world_size, rank=rank, shuffle=True, seed=seed, drop_last=True
    )
    loader = DataLoader(
        dataset, batch_size=global_batch_size // world_size, sampler=sampler, drop_last=True
    )

    torch.manual_seed(seed)
    model = nn.Linear(n_features, 1, dtype=torch.float64).to(device)
    ddp_model = DistributedDataParallel(model, device_ids=[device.index] if on_gpu else None)
    optimizer = torch.optim.SGD(ddp_model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    for epoch in range(epochs):
        sampler.set_epoch(epoch)
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            optimizer.zero_grad()
            loss = loss_fn(ddp_model(xb), yb)
            loss.backward()
            optimizer.step()
    if rank != 0:
        return None
    return {name: value.detach().cpu() for name, value in ddp_model.module.state_dict().items()}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _import_name(fn: Callable[..., Any]) -> tuple[str, str]:
    """Where a worker process finds ``fn``: a module name, or ``file:PATH`` for a script's own."""
    module = getattr(fn, "__module__", None)
    qualname = getattr(fn, "__qualname__", "")
    script = getattr(sys.modules.get("__main__"), "__file__", None)
    if module == "__main__" and script and callable(fn) and "<" not in qualname:
        return f"file:{os.path.abspath(script)}", qualname
    if not callable(fn) or not module or module == "__main__" or "<" in qualname:
        raise TypeError(
            "expected a module-level function importable by name (define it in a .py file), "
            f"got {qualname or type(fn).__name__!r} from module {module!r}"
        )
    return module, qualname


def _write_atomically(path: Path, data: bytes) -> None:
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(data)
    partial.replace(path)


def _worker_main(job_dir: str, rank: int) -> None:
    job = Path(job_dir)
    spec = pickle.loads((job / "job.pkl").read_bytes())
    status = 0
    try:
        where = spec["module"]
        if where.startswith("file:"):
            target: Any = runpy.run_path(where[len("file:") :], run_name="__ddp_worker__")
            target = target[spec["qualname"].split(".")[0]]
            parts = spec["qualname"].split(".")[1:]
        else:
            target = importlib.import_module(where)
            parts = spec["qualname"].split(".")
        for part in parts:
            target = getattr(target, part)
        setup_process_group(spec["backend"], spec["timeout_s"])
        result = target(**spec["kwargs"])
        if rank == 0:
            _write_atomically(job / "result.pkl", pickle.dumps(result))
        teardown_process_group()
    except BaseException:
        # The launcher reacts to this file at once, before this process has even exited.
        _write_atomically(job / f"error-{rank}.txt", traceback.format_exc().encode())
        status = 1
    # Everything the launcher needs is on disk. Skipping the interpreter's shutdown saves
    # seconds per rank once torch is loaded, and a failed rank cannot block there on peers
    # stuck in a collective with it.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def _tail(path: Path, limit: int = 2000) -> str:
    text = path.read_text(errors="replace") if path.exists() else ""
    return text[-limit:]


def _stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def spawn_workers(
    fn: Callable[..., Any],
    world_size: int,
    *,
    kwargs: dict[str, Any] | None = None,
    timeout_s: float = 120.0,
    backend: str | None = None,
) -> Any:
    """Run `fn(**kwargs)` on `world_size` local processes in one group and return rank 0's result.

    A small local stand-in for torchrun that also works from a notebook: each rank is a fresh
    Python process (so `fn` must be importable by module and name), the group meets on a free
    port of 127.0.0.1, and the backend is NCCL only when there is a GPU for every rank. If a
    rank fails, the others are stopped and a `RuntimeError` carries that rank's traceback; if the
    run exceeds `timeout_s`, every rank is stopped and `TimeoutError` is raised. Rank 0's
    standard output is printed when the run succeeds.

    Examples:
        >>> spawn_workers(dist.get_world_size, world_size=2)
        2
        >>> spawn_workers(lambda: 0, world_size=2)
        Traceback (most recent call last):
        ...
        TypeError: expected a module-level function importable by name ..., got '<lambda>' ...
        >>> spawn_workers(dist.get_rank, world_size=0)
        Traceback (most recent call last):
        ...
        ValueError: expected world_size >= 1, got 0
    """
    module, qualname = _import_name(fn)
    if isinstance(world_size, bool) or not isinstance(world_size, int):
        raise TypeError(f"expected world_size to be an int, got {type(world_size).__name__}")
    if world_size < 1:
        raise ValueError(f"expected world_size >= 1, got {world_size}")
    if not timeout_s > 0:
        raise ValueError(f"expected a positive timeout_s, got {timeout_s}")
    backend = backend or choose_backend(world_size)

    with tempfile.TemporaryDirectory(prefix="torch-recipes-ddp-") as tmp:
        job = Path(tmp)
        spec = {
            "module": module,
            "qualname": qualname,
            "kwargs": kwargs or {},
            "backend": backend,
            "timeout_s": timeout_s,
        }
        (job / "job.pkl").write_bytes(pickle.dumps(spec))
        worker = _worker_main.__name__
        if __spec__ is not None:
            load = f"from {__spec__.name} import {worker}"
        else:
            # This file runs as a script (for instance a `torch-recipes copy` of it): the workers
            # load it by path, without running its `if __name__ == "__main__"` part.
            load = f"{worker} = runpy.run_path({__file__!r}, run_name='__ddp_worker__')[{worker!r}]"
        bootstrap = f"import runpy, sys; {load}; {worker}(sys.argv[1], int(sys.argv[2]))"
        base_env = {
            **os.environ,
            # The children must import what this process imports, wherever it was started from.
            "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
            "MASTER_ADDR": "127.0.0.1",
            "MASTER_PORT": str(_free_port()),
            "WORLD_SIZE": str(world_size),
            "LOCAL_WORLD_SIZE": str(world_size),
            "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"),
        }
        procs: list[subprocess.Popen] = []
        try:
            for rank in range(world_size):
                env = {**base_env, "RANK": str(rank), "LOCAL_RANK": str(rank)}
                with open(job / f"out-{rank}.txt", "wb") as out, open(
                    job / f"err-{rank}.txt", "wb"
                ) as err:
                    procs.append(
                        subprocess.Popen(
                            [sys.executable, "-c", bootstrap, str(job), str(rank)],
                            env=env,
                            stdout=out,
                            stderr=err,
                            stdin=subprocess.DEVNULL,
                        )
                    )
            _wait_for_ranks(procs, job, timeout_s)
        finally:
            _stop(procs)
        sys.stdout.write((job / "out-0.txt").read_text(errors="replace"))
        return pickle.loads((job / "result.pkl").read_bytes())


def _wait_for_ranks(procs: list[subprocess.Popen], job: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        codes = [proc.poll() for proc in procs]
        failed = [
            rank
            for rank, code in enumerate(codes)
            if code not in (None, 0) or (job / f"error-{rank}.txt").exists()
        ]
        if failed:
            for rank in failed:
                # A rank that wrote its traceback exits by itself a moment later.
                try:
                    procs[rank].wait(timeout=2)
                except subprocess.TimeoutExpired:
                    pass
            _stop(procs)
            raise RuntimeError(_failure_report(job, failed, [proc.returncode for proc in procs]))
        if all(code == 0 for code in codes):
            return
        if time.monotonic() > deadline:
            running = [rank for rank, code in enumerate(codes) if code is None]
            _stop(procs)
            raise TimeoutError(
                f"ranks {running} of {len(procs)} did not finish within {timeout_s:g} s; "
                "all ranks were stopped"
            )
        time.sleep(0.05)


def _failure_report(job: Path, failed: list[int], codes: list[int | None]) -> str:
    # A rank that dies makes its peers fail too ("connection closed"), so the cause is listed
    # first: ranks that died without a Python traceback (a crash, a kill, os._exit) cannot be
    # such a follow-on failure, then tracebacks in the order they were written.
    errors = sorted(job.glob("error-*.txt"), key=lambda path: path.stat().st_mtime_ns)
    with_traceback = [int(path.stem.split("-")[1]) for path in errors]
    ranks = [rank for rank in failed if rank not in with_traceback] + with_traceback
    parts = []
    for rank in ranks:
        detail = job / f"error-{rank}.txt"
        if detail.exists():
            text = detail.read_text()
        else:
            text = _tail(job / f"err-{rank}.txt") or "(no traceback: killed, crashed or exited)"
        word = "failed" if not parts else "also failed"
        parts.append(f"rank {rank} {word} (exit code {codes[rank]}):\n{text.rstrip()}")
    return "\n\n".join(parts)


def launch_regression_ddp(
    world_size: int = 2,
    *,
    n_samples: int = 512,
    n_features: int = 4,
    epochs: int = 10,
    global_batch_size: int = 64,
    lr: float = 0.1,
    seed: int = 0,
    fail_on_rank: int | None = None,
    timeout_s: float = 120.0,
) -> dict[str, torch.Tensor]:
    """Train the regression on `world_size` local processes with DDP and return rank 0's weights.

    The arguments are checked here, before any process starts, then `train_regression_ddp` runs
    on every rank through `spawn_workers`. The same seed and global batch give the same weights
    for any `world_size` that divides `global_batch_size`.

    Examples:
        >>> weights = launch_regression_ddp(world_size=2, epochs=2)
        >>> {name: tuple(value.shape) for name, value in weights.items()}
        {'weight': (1, 4), 'bias': (1,)}
        >>> launch_regression_ddp(world_size=3, global_batch_size=64)
        Traceback (most recent call last):
        ...
        ValueError: expected global_batch_size to be a positive multiple of the world size 3, got 64
    """
    _check_config(
        world_size, n_samples, n_features, epochs, global_batch_size, lr, fail_on_rank
    )
    config = {
        "n_samples": n_samples,
        "n_features": n_features,
        "epochs": epochs,
        "global_batch_size": global_batch_size,
        "lr": lr,
        "seed": seed,
        "fail_on_rank": fail_on_rank,
    }
    return spawn_workers(train_regression_ddp, world_size, kwargs=config, timeout_s=timeout_s)


def main(argv: list[str] | None = None) -> int:
    """Train under `torchrun --nproc-per-node N -m recipes.distributed`; rank 0 prints JSON."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--n-samples", type=int, default=512)
    parser.add_argument("--n-features", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--global-batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--backend", choices=["gloo", "nccl"], default=None)
    parser.add_argument("--timeout-s", type=float, default=300.0)
    args = parser.parse_args(argv)
    rank, world_size, _ = setup_process_group(args.backend, args.timeout_s)
    try:
        weights = train_regression_ddp(
            n_samples=args.n_samples,
            n_features=args.n_features,
            epochs=args.epochs,
            global_batch_size=args.global_batch_size,
            lr=args.lr,
            seed=args.seed,
        )
    finally:
        teardown_process_group()
    if rank == 0 and weights is not None:
        summary = {name: value.tolist() for name, value in weights.items()}
        print(json.dumps({"world_size": world_size, **summary}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
