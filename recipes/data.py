"""Feeding data to a model: a custom `Dataset`, tensors to a `TensorDataset`, and a reproducible `DataLoader`.

Shuffling is seeded with its own generator and batch counts are predictable before the loop runs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, TensorDataset

__all__ = [
    "SlidingWindowDataset",
    "to_tensor_dataset",
    "make_loader",
    "batches_per_epoch",
]


def _check_int(value: object, name: str, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected {name} to be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"expected {name} >= {minimum}, got {value}")


class SlidingWindowDataset(Dataset):
    """Turn a 1-D series into (window, next value) pairs for one-step-ahead forecasting.

    Item i is `(series[i : i + window], series[i + window])`, so a series of n values gives
    n - window items. Values are converted to float32, the dtype models and losses expect.
    Commonly gotten wrong: the count is n - window, not n - window + 1: the last window needs a target.

    Examples:
        >>> dataset = SlidingWindowDataset(torch.arange(6), window=3)
        >>> len(dataset)
        3
        >>> dataset[0]
        (tensor([0., 1., 2.]), tensor(3.))
        >>> dataset[-1]
        (tensor([2., 3., 4.]), tensor(5.))
        >>> SlidingWindowDataset([1.0, 2.0, 3.0], window=3)
        Traceback (most recent call last):
        ...
        ValueError: expected a series longer than the window (at least 4 values for window 3), got 3 values
    """

    def __init__(self, series: torch.Tensor | np.ndarray | Sequence[float], window: int) -> None:
        values = torch.as_tensor(series)
        if values.dim() != 1:
            raise ValueError(f"expected a 1-D series, got shape {tuple(values.shape)}")
        values = values.to(torch.float32)
        _check_int(window, "window", 1)
        if len(values) <= window:
            raise ValueError(
                "expected a series longer than the window "
                f"(at least {window + 1} values for window {window}), got {len(values)} values"
            )
        self.series = values
        self.window = window

    def __len__(self) -> int:
        return len(self.series) - self.window

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"index out of range for a dataset of {len(self)} windows")
        end = index + self.window
        return self.series[index:end], self.series[end]


def to_tensor_dataset(
    features: np.ndarray | torch.Tensor, targets: np.ndarray | torch.Tensor
) -> TensorDataset:
    """Wrap features and targets (NumPy arrays or tensors) in a `TensorDataset` with model-ready dtypes.

    Floating data becomes float32 and integer targets (class labels) int64.
    Commonly gotten wrong: `torch.from_numpy` keeps NumPy's float64, which then clashes with the
    float32 weights of `nn.Linear` ("mat1 and mat2 must have the same dtype").

    Examples:
        >>> dataset = to_tensor_dataset(np.zeros((4, 2)), np.array([0, 1, 0, 1]))
        >>> x, y = dataset[0]
        >>> x.dtype, y.dtype, len(dataset)
        (torch.float32, torch.int64, 4)
        >>> torch.from_numpy(np.zeros((4, 2))).dtype
        torch.float64
        >>> to_tensor_dataset(np.zeros((4, 2)), np.zeros(3))
        Traceback (most recent call last):
        ...
        ValueError: expected as many targets as feature rows (4), got 3
    """
    tensors = []
    for name, data in (("features", features), ("targets", targets)):
        if not isinstance(data, (np.ndarray, torch.Tensor)):
            raise TypeError(f"expected {name} to be a NumPy array or tensor, got {type(data).__name__}")
        tensor = torch.as_tensor(data)
        if tensor.dim() == 0:
            raise ValueError(f"expected {name} with a first (sample) dimension, got a 0-D value")
        if tensor.is_floating_point():
            tensor = tensor.to(torch.float32)
        elif tensor.dtype != torch.bool:
            tensor = tensor.to(torch.int64)
        tensors.append(tensor)
    x, y = tensors
    if len(x) != len(y):
        raise ValueError(f"expected as many targets as feature rows ({len(x)}), got {len(y)}")
    return TensorDataset(x, y)


def make_loader(
    dataset: Dataset,
    batch_size: int,
    shuffle: bool = False,
    drop_last: bool = False,
    seed: int | None = None,
) -> DataLoader:
    """Build a `DataLoader` with checked options whose shuffled order is reproducible from `seed`.

    The seed feeds a private `torch.Generator`, so each epoch still gets a new order, but the
    sequence of orders is the same on every run. Commonly gotten wrong: with the global seed, any
    other random call (weight init, dropout) shifts the shuffle order between runs.

    Examples:
        >>> dataset = TensorDataset(torch.arange(10))
        >>> loader = make_loader(dataset, batch_size=4)
        >>> [batch.tolist() for (batch,) in loader]
        [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
        >>> loader = make_loader(dataset, batch_size=4, drop_last=True)
        >>> [batch.tolist() for (batch,) in loader]
        [[0, 1, 2, 3], [4, 5, 6, 7]]
        >>> def first_epoch():
        ...     loader = make_loader(dataset, batch_size=4, shuffle=True, seed=0)
        ...     return [batch.tolist() for (batch,) in loader]
        >>> first_epoch() == first_epoch()
        True
        >>> make_loader(dataset, batch_size=0)
        Traceback (most recent call last):
        ...
        ValueError: expected batch_size >= 1, got 0
        >>> make_loader(dataset, batch_size=32, drop_last=True)
        Traceback (most recent call last):
        ...
        ValueError: expected batch_size <= 10 samples with drop_last=True, got 32: every epoch would be empty
    """
    if not isinstance(dataset, Dataset):
        raise TypeError(f"expected a torch Dataset, got {type(dataset).__name__}")
    _check_int(batch_size, "batch_size", 1)
    if seed is not None:
        _check_int(seed, "seed", 0)
    if drop_last and hasattr(dataset, "__len__") and batch_size > len(dataset):
        raise ValueError(
            f"expected batch_size <= {len(dataset)} samples with drop_last=True, got {batch_size}: "
            "every epoch would be empty"
        )
    generator = torch.Generator().manual_seed(seed) if seed is not None else None
    return DataLoader(
        dataset, batch_size=batch_size, shuffle=shuffle, drop_last=drop_last, generator=generator
    )


def batches_per_epoch(num_samples: int, batch_size: int, drop_last: bool = False) -> int:
    """Return how many batches one pass over `num_samples` gives, the same number as `len(loader)`.

    With `drop_last=False` the last, smaller batch counts (ceil); with `drop_last=True` it does not (floor).

    Examples:
        >>> batches_per_epoch(100, 16)
        7
        >>> batches_per_epoch(100, 16, drop_last=True)
        6
        >>> len(make_loader(TensorDataset(torch.zeros(100)), batch_size=16))
        7
        >>> batches_per_epoch(100, 0)
        Traceback (most recent call last):
        ...
        ValueError: expected batch_size >= 1, got 0
    """
    _check_int(num_samples, "num_samples", 0)
    _check_int(batch_size, "batch_size", 1)
    return num_samples // batch_size if drop_last else math.ceil(num_samples / batch_size)
