"""Choose where tensors live (CUDA GPU, Apple MPS, any `torch.accelerator` or CPU), move batches there and back, time work.

Every recipe works on a CPU-only machine; the GPU paths are taken only when one is present.
"""

from __future__ import annotations

import copy
import os
import platform
import time
from typing import Any

import torch
from torch import nn

__all__ = [
    "list_devices",
    "pick_device",
    "to_device",
    "describe_device",
    "run_on_device",
    "time_matmul",
    "pick_accelerator",
]

DEVICE_ENV_VAR = "TORCH_RECIPES_DEVICE"
_KNOWN_TYPES = ("cuda", "mps", "cpu")


def _mps_available() -> bool:
    return bool(torch.backends.mps.is_available())


def _parse_device(device: str | torch.device) -> torch.device:
    if isinstance(device, torch.device):
        parsed = device
    elif isinstance(device, str):
        try:
            parsed = torch.device(device.strip().lower())
        except RuntimeError:
            raise ValueError(
                f"expected a device such as 'cpu', 'cuda', 'cuda:1' or 'mps', got {device!r}"
            ) from None
    else:
        raise TypeError(f"expected a str or torch.device, got {type(device).__name__}")
    if parsed.type not in _KNOWN_TYPES:
        raise ValueError(
            f"expected a device of type 'cpu', 'cuda' or 'mps', got {str(parsed)!r}"
        )
    return parsed


def _check_available(device: torch.device) -> torch.device:
    if device.type == "cpu":
        return device
    ok = (
        torch.cuda.is_available()
        and (device.index is None or device.index < torch.cuda.device_count())
        if device.type == "cuda"
        else _mps_available()
    )
    if not ok:
        raise ValueError(
            f"device {str(device)!r} was requested but is not available; "
            f"available devices: {', '.join(list_devices())}"
        )
    return device


def list_devices() -> list[str]:
    """List the devices this machine can use, best first: every CUDA GPU, then MPS, then the CPU.

    Examples:
        >>> devices = list_devices()
        >>> devices[-1]
        'cpu'
        >>> all(name == "cpu" or name == "mps" or name.startswith("cuda:") for name in devices)
        True
    """
    names = []
    if torch.cuda.is_available():
        names.extend(f"cuda:{i}" for i in range(torch.cuda.device_count()))
    if _mps_available():
        names.append("mps")
    names.append("cpu")
    return names


def pick_device(requested: str | torch.device | None = None) -> torch.device:
    """Return the device to use: `requested`, else `$TORCH_RECIPES_DEVICE`, else cuda > mps > cpu.

    An explicit request that this machine cannot honour raises `ValueError` naming the devices it
    has, instead of failing later inside `.to()`. Commonly gotten wrong: checking only
    `torch.cuda.is_available()` and so silently running on the CPU on an Apple-silicon Mac.

    Examples:
        >>> pick_device("cpu")
        device(type='cpu')
        >>> pick_device(" CPU ")
        device(type='cpu')
        >>> pick_device("gpu")
        Traceback (most recent call last):
        ...
        ValueError: expected a device such as 'cpu', 'cuda', 'cuda:1' or 'mps', got 'gpu'
        >>> pick_device("cuda:99")
        Traceback (most recent call last):
        ...
        ValueError: device 'cuda:99' was requested but is not available; available devices: ...
    """
    if requested is None or (isinstance(requested, str) and requested.strip().lower() == "auto"):
        from_env = os.environ.get(DEVICE_ENV_VAR, "").strip()
        if not from_env or from_env.lower() == "auto":
            return torch.device(list_devices()[0])
        try:
            return _check_available(_parse_device(from_env))
        except ValueError as err:
            raise ValueError(f"${DEVICE_ENV_VAR}={from_env!r}: {err}") from None
    return _check_available(_parse_device(requested))


def to_device(batch: Any, device: str | torch.device, non_blocking: bool = False) -> Any:
    """Return a copy of `batch` with every tensor moved to `device`; other leaves are kept as is.

    Tuples, lists, dicts and named tuples are walked recursively, so a `(inputs, targets)` pair or a
    dict of features moves in one call. Commonly gotten wrong: `x.to(device)` returns a new
    tensor and leaves `x` where it was (only `nn.Module.to` works in place); assign the result.

    Examples:
        >>> batch = {"x": torch.ones(2, 3), "ids": [torch.tensor([1, 2]), "note"], "step": 7}
        >>> moved = to_device(batch, "cpu")
        >>> moved["x"].device, moved["ids"][0].device, moved["ids"][1], moved["step"]
        (device(type='cpu'), device(type='cpu'), 'note', 7)
        >>> x = torch.zeros(2)
        >>> _ = x.to(torch.float64)
        >>> x.dtype
        torch.float32
        >>> to_device(torch.ones(1), "tpu")
        Traceback (most recent call last):
        ...
        ValueError: expected a device such as 'cpu', 'cuda', 'cuda:1' or 'mps', got 'tpu'
    """
    target = _check_available(_parse_device(device))
    return _move(batch, target, non_blocking)


def _move(obj: Any, device: torch.device, non_blocking: bool) -> Any:
    if isinstance(obj, torch.Tensor):
        return obj.to(device, non_blocking=non_blocking)
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*(_move(item, device, non_blocking) for item in obj))
    if isinstance(obj, (tuple, list)):
        return type(obj)(_move(item, device, non_blocking) for item in obj)
    if isinstance(obj, dict):
        # copy.copy keeps the mapping's class and extra state (e.g. a defaultdict's factory).
        moved = copy.copy(obj)
        for key, value in obj.items():
            moved[key] = _move(value, device, non_blocking)
        return moved
    return obj


def describe_device(device: str | torch.device | None = None) -> dict[str, Any]:
    """Describe a device as a dict: name, type, PyTorch and CUDA versions, and memory for a GPU.

    With no argument the device `pick_device()` would choose is described. Memory values are in
    GiB and only present for CUDA devices (`memory_total_gib`, `memory_allocated_gib`).

    Examples:
        >>> info = describe_device("cpu")
        >>> info["device"], info["type"], info["torch_version"] == torch.__version__
        ('cpu', 'cpu', True)
        >>> sorted(info)
        ['cuda_available', 'cuda_version', 'device', 'name', 'threads', 'torch_version', 'type']
    """
    dev = pick_device(device)
    info: dict[str, Any] = {
        "device": str(dev),
        "type": dev.type,
        "torch_version": torch.__version__,
        "cuda_version": torch.version.cuda,
        "cuda_available": torch.cuda.is_available(),
    }
    if dev.type == "cuda":
        index = dev.index if dev.index is not None else torch.cuda.current_device()
        props = torch.cuda.get_device_properties(index)
        info["device"] = f"cuda:{index}"
        info["name"] = props.name
        info["capability"] = f"{props.major}.{props.minor}"
        info["memory_total_gib"] = round(props.total_memory / 2**30, 2)
        info["memory_allocated_gib"] = round(torch.cuda.memory_allocated(index) / 2**30, 2)
    elif dev.type == "mps":
        info["name"] = f"Apple MPS ({platform.machine()})"
    else:
        info["name"] = platform.processor() or platform.machine() or "unknown CPU"
        info["threads"] = torch.get_num_threads()
    return info


def run_on_device(
    model: nn.Module, inputs: Any, device: str | torch.device | None = None
) -> Any:
    """Run `model(inputs)` for inference on `device` and return the outputs moved back to the CPU.

    The model is moved in place (it stays on `device` afterwards), the inputs are copied there,
    the forward pass runs in eval mode without autograd, and the model's train/eval mode is
    restored. Commonly gotten wrong: calling `.numpy()` on a GPU output, which fails until the
    tensor is brought back with `.cpu()`.

    Examples:
        >>> torch.manual_seed(0)
        <torch._C.Generator object at ...>
        >>> model = nn.Linear(3, 1)
        >>> x = torch.ones(2, 3)
        >>> out = run_on_device(model, x, "cpu")
        >>> out.device, out.shape, out.requires_grad
        (device(type='cpu'), torch.Size([2, 1]), False)
        >>> torch.equal(out, model(x).detach())
        True
        >>> run_on_device(lambda t: t, x, "cpu")
        Traceback (most recent call last):
        ...
        TypeError: expected an nn.Module, got function
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"expected an nn.Module, got {type(model).__name__}")
    target = pick_device(device)
    was_training = model.training
    model.to(target)
    model.eval()
    try:
        with torch.no_grad():
            outputs = model(_move(inputs, target, non_blocking=False))
    finally:
        model.train(was_training)
    return _move(outputs, torch.device("cpu"), non_blocking=False)


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def time_matmul(
    size: int = 512,
    repeats: int = 10,
    device: str | torch.device | None = None,
) -> float:
    """Return the mean seconds one `size x size` float32 matrix product takes on `device`.

    It warms up first and waits for the device before reading the clock. Commonly gotten wrong:
    timing GPU code without `torch.cuda.synchronize()`, which measures only how fast the work was
    queued, not how fast it ran.

    Examples:
        >>> seconds = time_matmul(size=64, repeats=3, device="cpu")
        >>> 0.0 < seconds < 1.0
        True
        >>> time_matmul(size=0)
        Traceback (most recent call last):
        ...
        ValueError: expected size >= 1, got 0
    """
    if size < 1:
        raise ValueError(f"expected size >= 1, got {size}")
    if repeats < 1:
        raise ValueError(f"expected repeats >= 1, got {repeats}")
    target = pick_device(device)
    generator = torch.Generator().manual_seed(0)
    a = torch.randn(size, size, generator=generator).to(target)
    b = torch.randn(size, size, generator=generator).to(target)
    # The first calls pay one-off costs (CUDA context, kernel selection) that are not the matmul.
    for _ in range(2):
        a @ b
    _synchronize(target)
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    _synchronize(target)
    return (time.perf_counter() - start) / repeats


def _find_accelerator() -> tuple[str, int] | None:
    """The accelerator's device type and device count, or None when this machine has none."""
    accelerator = getattr(torch, "accelerator", None)
    if accelerator is not None:
        device = accelerator.current_accelerator()
        if device is None or not accelerator.is_available():
            return None
        return device.type, accelerator.device_count()
    # PyTorch before 2.6 has no torch.accelerator: only the backends it had then can be asked.
    if torch.cuda.is_available():
        return "cuda", torch.cuda.device_count()
    if _mps_available():
        return "mps", 1
    return None


def pick_accelerator(index: int | None = None) -> torch.device:
    """Return the accelerator `torch.accelerator` finds (CUDA, MPS, Intel XPU, ...), else the CPU.

    `torch.accelerator` (PyTorch 2.6+) knows every backend, also those `pick_device` does not;
    older PyTorch falls back to CUDA, then MPS. With `index`, that device of the accelerator,
    which must exist. Commonly gotten wrong: `torch.accelerator.current_accelerator()` alone
    names the accelerator PyTorch was *built* for, so a CUDA build says `cuda` on a machine
    without a GPU; `torch.accelerator.is_available()` says whether it is there.

    Examples:
        >>> device = pick_accelerator()
        >>> device
        device(type='...')
        >>> torch.ones(2, device=device).device.type == device.type
        True
        >>> pick_accelerator(index="cuda:0")
        Traceback (most recent call last):
        ...
        TypeError: expected index to be an int or None, got str
    """
    if index is not None and (isinstance(index, bool) or not isinstance(index, int)):
        raise TypeError(f"expected index to be an int or None, got {type(index).__name__}")
    found = _find_accelerator()
    if index is None:
        return torch.device(found[0]) if found else torch.device("cpu")
    kind, count = found if found else ("none", 0)
    if not 0 <= index < count:
        where = f"this machine has {count} {kind} device(s)" if found else "this machine has no accelerator"
        raise ValueError(f"expected an accelerator index in [0, {count}), got {index}: {where}")
    return torch.device(kind, index)
