"""Saving and loading models: `state_dict`, safe `torch.load(weights_only=True)`, and resumable training.

Loading checks what a file holds before touching the model, so a wrong file, renamed layers or
changed shapes fail with a message that says what was expected and what came.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn, optim
from torch.utils.data import Dataset

from recipes.data import make_loader

__all__ = [
    "save_weights",
    "read_checkpoint",
    "check_state_dict",
    "load_weights",
    "save_checkpoint",
    "load_checkpoint",
    "train_resumable",
]

CHECKPOINT_KEYS = ("epoch", "model", "optimizer")

_UNSUPPORTED_GLOBAL = re.compile(r"Unsupported global: GLOBAL (\S+)")


def _names(keys: Iterable[object], limit: int = 4) -> str:
    names = [str(key) for key in keys]
    shown = ", ".join(repr(name) for name in names[:limit])
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return shown + more if names else "none"


def _is_module_class(qualified_name: str) -> bool:
    # Looked up among modules already imported, never imported: the name comes from the file.
    module_name, _, attr = qualified_name.rpartition(".")
    found = getattr(sys.modules.get(module_name), attr, None)
    return isinstance(found, type) and issubclass(found, nn.Module)


def _atomic_save(obj: object, path: Path) -> Path:
    # Written beside the target, then renamed over it: a crash mid-save leaves the previous
    # checkpoint intact instead of a truncated file that no longer loads.
    partial = path.with_name(path.name + ".partial")
    try:
        torch.save(obj, partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def save_weights(model: nn.Module, path: str | os.PathLike[str]) -> Path:
    """Save `model.state_dict()` (its parameters and buffers, by name) to `path`; return the path.

    Commonly gotten wrong: `torch.save(model)` pickles the object, which names its class, so the
    file needs your code to load, and `torch.load` refuses it by default since PyTorch 2.6.

    Examples:
        >>> import tempfile
        >>> folder = tempfile.TemporaryDirectory()
        >>> path = save_weights(nn.Linear(2, 1), Path(folder.name) / "weights.pt")
        >>> sorted(torch.load(path))
        ['bias', 'weight']
        >>> folder.cleanup()
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"expected model to be an nn.Module, got {type(model).__name__}")
    return _atomic_save(model.state_dict(), Path(path))


def read_checkpoint(
    path: str | os.PathLike[str], map_location: str | torch.device = "cpu"
) -> dict[str, Any]:
    """Load a dict saved by `torch.save` with `weights_only=True`, its tensors placed on `map_location`.

    `weights_only=True` only rebuilds tensors and plain containers, so opening a file from elsewhere
    cannot run code. `map_location="cpu"` loads a checkpoint saved on a GPU on any machine; the
    default, the device each tensor was saved from, fails where that device does not exist.

    Examples:
        >>> import tempfile
        >>> folder = tempfile.TemporaryDirectory()
        >>> path = save_weights(nn.Linear(2, 1), Path(folder.name) / "weights.pt")
        >>> {name: t.device for name, t in read_checkpoint(path, map_location="meta").items()}
        {'weight': device(type='meta'), 'bias': device(type='meta')}
        >>> _ = Path(folder.name, "notes.txt").write_text("not a checkpoint")
        >>> read_checkpoint(Path(folder.name) / "notes.txt")
        Traceback (most recent call last):
        ...
        ValueError: expected a file written by torch.save, got one torch.load cannot read (...notes.txt: ...)
        >>> torch.save(nn.Linear(2, 1), Path(folder.name) / "model.pt")
        >>> read_checkpoint(Path(folder.name) / "model.pt")
        Traceback (most recent call last):
        ...
        ValueError: expected only tensors and plain containers (weights_only=True), got the class torch.nn.modules.linear.Linear in ...model.pt; save model.state_dict(), not the model
        >>> folder.cleanup()
    """
    path = Path(path)
    try:
        checkpoint = torch.load(path, map_location=map_location, weights_only=True)
    except OSError:
        raise
    except Exception as err:  # torch.load raises half a dozen types for files it cannot read
        unsupported = _UNSUPPORTED_GLOBAL.search(str(err))
        if unsupported:
            name = unsupported.group(1)
            hint = (
                "save model.state_dict(), not the model"
                if _is_module_class(name)
                else "load it with weights_only=False only if you trust where it came from"
            )
            raise ValueError(
                "expected only tensors and plain containers (weights_only=True), "
                f"got the class {name} in {path}; {hint}"
            ) from None
        raise ValueError(
            f"expected a file written by torch.save, got one torch.load cannot read "
            f"({path}: {type(err).__name__}: {err})"
        ) from None
    if not isinstance(checkpoint, dict):
        raise ValueError(f"expected a dict in {path}, got {type(checkpoint).__name__}")
    return checkpoint


def check_state_dict(model: nn.Module, state: Mapping[str, Any]) -> None:
    """Raise a clear error unless `state` has exactly `model`'s parameter and buffer names and shapes.

    `model.load_state_dict` reports missing keys and size mismatches too, but in one long message;
    this names the first problem and spots the `module.` prefix that `DataParallel` and
    `DistributedDataParallel` add to every name.

    Examples:
        >>> model = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1))
        >>> check_state_dict(model, model.state_dict())
        >>> check_state_dict(model, nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 4)).state_dict())
        Traceback (most recent call last):
        ...
        ValueError: expected '2.weight' of shape (1, 2), got (4, 2)
        >>> check_state_dict(model, {"module." + k: v for k, v in model.state_dict().items()})
        Traceback (most recent call last):
        ...
        ValueError: expected the model's 4 keys, got 4 missing ('0.weight', '0.bias' and 2 more) and 4 unexpected ('module.0.weight', 'module.0.bias' and 2 more); the names start with 'module.' (saved from DataParallel/DDP): save model.module.state_dict() or strip the prefix
        >>> check_state_dict(model, {k: v for k, v in model.state_dict().items() if k != "2.bias"})
        Traceback (most recent call last):
        ...
        ValueError: expected the model's 4 keys, got 1 missing ('2.bias') and 0 unexpected (none)
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"expected model to be an nn.Module, got {type(model).__name__}")
    if not isinstance(state, Mapping):
        raise TypeError(f"expected a state dict (a mapping of names to tensors), got {type(state).__name__}")
    expected = model.state_dict()
    missing = [key for key in expected if key not in state]
    unexpected = [key for key in state if key not in expected]
    if missing or unexpected:
        hint = ""
        if unexpected and all(str(key).startswith("module.") for key in unexpected):
            hint = (
                "; the names start with 'module.' (saved from DataParallel/DDP): "
                "save model.module.state_dict() or strip the prefix"
            )
        raise ValueError(
            f"expected the model's {len(expected)} keys, got {len(missing)} missing "
            f"({_names(missing, 2)}) and {len(unexpected)} unexpected ({_names(unexpected, 2)}){hint}"
        )
    for key, want in expected.items():
        got = state[key]
        if not isinstance(got, Tensor):
            raise TypeError(f"expected {key!r} to be a tensor, got {type(got).__name__}")
        if got.shape != want.shape:
            raise ValueError(f"expected {key!r} of shape {tuple(want.shape)}, got {tuple(got.shape)}")


def load_weights(
    model: nn.Module, path: str | os.PathLike[str], map_location: str | torch.device = "cpu"
) -> nn.Module:
    """Load weights saved by `save_weights` into `model`, after checking names and shapes; return the model.

    The values are copied into the model's own tensors, so the model keeps its device and dtype
    whatever `map_location` was. Commonly gotten wrong: `model.load_state_dict(torch.load(path))`
    with `strict=False` to silence a key error, which leaves the mismatched layers untrained.

    Examples:
        >>> import tempfile
        >>> folder = tempfile.TemporaryDirectory()
        >>> _ = torch.manual_seed(0)
        >>> trained, fresh = nn.Linear(2, 1), nn.Linear(2, 1)
        >>> path = save_weights(trained, Path(folder.name) / "weights.pt")
        >>> torch.equal(load_weights(fresh, path).weight, trained.weight)
        True
        >>> load_weights(nn.Linear(3, 1), path)
        Traceback (most recent call last):
        ...
        ValueError: expected 'weight' of shape (1, 3), got (1, 2)
        >>> folder.cleanup()
    """
    state = read_checkpoint(path, map_location)
    check_state_dict(model, state)
    model.load_state_dict(state)
    return model


def save_checkpoint(
    path: str | os.PathLike[str], model: nn.Module, optimizer: optim.Optimizer, epoch: int
) -> Path:
    """Save what resuming training needs: model and optimizer state dicts and the epochs done; return the path.

    The optimizer's state matters: Adam's running averages and SGD's momentum live there, so a
    resumed run without them takes different steps. The file is replaced atomically.

    Examples:
        >>> import tempfile
        >>> folder = tempfile.TemporaryDirectory()
        >>> model = nn.Linear(2, 1)
        >>> optimizer = optim.Adam(model.parameters())
        >>> path = save_checkpoint(Path(folder.name) / "checkpoint.pt", model, optimizer, epoch=3)
        >>> sorted(read_checkpoint(path))
        ['epoch', 'model', 'optimizer']
        >>> save_checkpoint(path, model, optimizer, epoch=-1)
        Traceback (most recent call last):
        ...
        ValueError: expected epoch to be an int >= 0 (epochs completed), got -1
        >>> folder.cleanup()
    """
    if not isinstance(optimizer, optim.Optimizer):
        raise TypeError(f"expected a torch.optim optimizer, got {type(optimizer).__name__}")
    if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
        raise ValueError(f"expected epoch to be an int >= 0 (epochs completed), got {epoch!r}")
    if not isinstance(model, nn.Module):
        raise TypeError(f"expected model to be an nn.Module, got {type(model).__name__}")
    checkpoint = {"epoch": epoch, "model": model.state_dict(), "optimizer": optimizer.state_dict()}
    return _atomic_save(checkpoint, Path(path))


def load_checkpoint(
    path: str | os.PathLike[str],
    model: nn.Module,
    optimizer: optim.Optimizer,
    map_location: str | torch.device = "cpu",
) -> int:
    """Restore model and optimizer from a `save_checkpoint` file and return the number of epochs done.

    Continue with `for epoch in range(load_checkpoint(...), epochs)`. The optimizer must be built
    for the model's parameters, as before saving; its state then follows the parameters' device.

    Examples:
        >>> import tempfile
        >>> folder = tempfile.TemporaryDirectory()
        >>> model = nn.Linear(2, 1)
        >>> optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        >>> path = save_checkpoint(Path(folder.name) / "checkpoint.pt", model, optimizer, epoch=3)
        >>> load_checkpoint(path, model, optimizer)
        3
        >>> weights = save_weights(model, Path(folder.name) / "weights.pt")
        >>> load_checkpoint(weights, model, optimizer)
        Traceback (most recent call last):
        ...
        ValueError: expected a checkpoint with the keys 'epoch', 'model', 'optimizer' (from save_checkpoint), got 'weight', 'bias' in ...weights.pt
        >>> folder.cleanup()
    """
    checkpoint = read_checkpoint(path, map_location)
    if set(checkpoint) != set(CHECKPOINT_KEYS):
        raise ValueError(
            f"expected a checkpoint with the keys {_names(CHECKPOINT_KEYS)} (from save_checkpoint), "
            f"got {_names(checkpoint)} in {path}"
        )
    if not isinstance(optimizer, optim.Optimizer):
        raise TypeError(f"expected a torch.optim optimizer, got {type(optimizer).__name__}")
    check_state_dict(model, checkpoint["model"])
    saved = [len(group["params"]) for group in checkpoint["optimizer"]["param_groups"]]
    current = [len(group["params"]) for group in optimizer.param_groups]
    if saved != current:
        raise ValueError(
            f"expected optimizer state for parameter groups of sizes {current}, got {saved}"
        )
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    return checkpoint["epoch"]


def train_resumable(
    model: nn.Module,
    optimizer: optim.Optimizer,
    dataset: Dataset,
    loss_fn: nn.Module,
    epochs: int,
    path: str | os.PathLike[str],
    batch_size: int = 32,
    seed: int = 0,
) -> list[float]:
    """Train to `epochs` epochs, checkpointing after each one, continuing from `path` if it exists.

    Returns the mean loss of each epoch this call ran. Each epoch shuffles with `seed + epoch`, so
    an interrupted and resumed run sees the batches an uninterrupted one would. Commonly gotten
    wrong: restarting the loop at epoch 0 or with a fresh shuffle; exact only without dropout
    (its random draws are not in the checkpoint).

    Examples:
        >>> import tempfile
        >>> from torch.utils.data import TensorDataset
        >>> folder = tempfile.TemporaryDirectory()
        >>> X = torch.linspace(-1, 1, 64).unsqueeze(1)
        >>> dataset = TensorDataset(X, 3 * X + 1)
        >>> def run(epochs, path):
        ...     model = nn.Linear(1, 1)
        ...     nn.init.zeros_(model.weight), nn.init.zeros_(model.bias)
        ...     optimizer = optim.Adam(model.parameters(), lr=0.1)
        ...     train_resumable(model, optimizer, dataset, nn.MSELoss(), epochs, path, batch_size=8)
        ...     return model
        >>> straight = run(6, Path(folder.name) / "a.pt")
        >>> _ = run(2, Path(folder.name) / "b.pt")  # interrupted after 2 epochs
        >>> resumed = run(6, Path(folder.name) / "b.pt")
        >>> torch.equal(straight.weight, resumed.weight), torch.equal(straight.bias, resumed.bias)
        (True, True)
        >>> folder.cleanup()
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"expected epochs to be an int >= 1, got {epochs!r}")
    path = Path(path)
    start = load_checkpoint(path, model, optimizer) if path.exists() else 0
    losses = []
    for epoch in range(start, epochs):
        model.train()
        total, count = 0.0, 0
        for inputs, targets in make_loader(dataset, batch_size, shuffle=True, seed=seed + epoch):
            loss = loss_fn(model(inputs), targets)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            total += loss.item() * len(targets)
            count += len(targets)
        losses.append(total / count)
        save_checkpoint(path, model, optimizer, epoch + 1)
    return losses
