"""Feeding data to a model: a custom `Dataset`, tensors to a `TensorDataset`, and a reproducible `DataLoader`.

Shuffling and splitting are seeded with their own generators, batch counts are predictable before
the loop runs, and worker processes get generators of their own.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import (
    DataLoader,
    Dataset,
    Subset,
    TensorDataset,
    default_collate,
    get_worker_info,
    random_split,
)

__all__ = [
    "SlidingWindowDataset",
    "to_tensor_dataset",
    "make_loader",
    "batches_per_epoch",
    "split_dataset",
    "pad_collate",
    "seed_worker",
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


def split_dataset(dataset: Dataset, fractions: Sequence[float], seed: int = 0) -> list[Subset]:
    """Split a dataset at random into parts of the given fractions (`random_split`), the same on every run.

    Each part gets floor(fraction * n) samples and the leftover ones go, one each, to the first
    parts, as in `random_split`. Commonly gotten wrong: `random_split` without a `generator` draws
    from the global seed, so the validation set changes whenever other random code runs first.

    Examples:
        >>> dataset = TensorDataset(torch.arange(10))
        >>> train, val = split_dataset(dataset, [0.8, 0.2])
        >>> len(train), len(val)
        (8, 2)
        >>> sorted(train.indices + val.indices) == list(range(10))
        True
        >>> split_dataset(dataset, [0.8, 0.2])[1].indices == val.indices
        True
        >>> split_dataset(dataset, [0.8, 0.1])
        Traceback (most recent call last):
        ...
        ValueError: expected fractions that add up to 1, got [0.8, 0.1] (sum 0.9)
    """
    if not isinstance(dataset, Dataset) or not hasattr(dataset, "__len__"):
        raise TypeError(f"expected a torch Dataset with a length, got {type(dataset).__name__}")
    _check_int(seed, "seed", 0)
    fractions = list(fractions)
    if not fractions or not all(
        isinstance(f, (int, float)) and not isinstance(f, bool) and 0 <= f <= 1 for f in fractions
    ):
        raise ValueError(f"expected fractions between 0 and 1, got {fractions}")
    total = sum(fractions)
    if not math.isclose(total, 1.0, abs_tol=1e-6):
        raise ValueError(f"expected fractions that add up to 1, got {fractions} (sum {total:g})")
    return random_split(dataset, fractions, generator=torch.Generator().manual_seed(seed))


def pad_collate(
    batch: Sequence[tuple[torch.Tensor, torch.Tensor | int]],
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Collate (sequence, label) samples of different lengths into `(padded, lengths, labels)`.

    Pass it to `DataLoader(..., collate_fn=pad_collate)`. Sequences are padded with zeros at the
    end to the longest one in the batch; `lengths` says how much of each row is real.
    Commonly gotten wrong: the default collate stacks the samples and fails on different lengths
    with "stack expects each tensor to be equal size".

    Examples:
        >>> samples = [(torch.tensor([1, 2, 3]), 0), (torch.tensor([4]), 1)]
        >>> padded, lengths, labels = pad_collate(samples)
        >>> padded
        tensor([[1, 2, 3],
                [4, 0, 0]])
        >>> lengths, labels
        (tensor([3, 1]), tensor([0, 1]))
        >>> loader = DataLoader(samples, batch_size=2, collate_fn=pad_collate)
        >>> next(iter(loader))[0].shape
        torch.Size([2, 3])
        >>> pad_collate([(torch.tensor([1, 2]), 0), (torch.tensor([[3]]), 1)])
        Traceback (most recent call last):
        ...
        ValueError: expected sequences of shape (length,) like sample 0, got shape (1, 1) in sample 1
    """
    if not batch:
        raise ValueError("expected at least one sample, got an empty batch")
    sequences, labels = [], []
    for i, sample in enumerate(batch):
        if not isinstance(sample, (tuple, list)) or len(sample) != 2:
            raise TypeError(f"expected (sequence, label) pairs, got {type(sample).__name__} in sample {i}")
        sequence, label = sample
        if not isinstance(sequence, torch.Tensor) or sequence.dim() == 0:
            raise TypeError(f"expected the sequence to be a tensor of shape (length, ...), got {sequence!r} in sample {i}")
        first = sequences[0] if sequences else sequence
        if sequence.shape[1:] != first.shape[1:]:
            expected = ("length",) + tuple(first.shape[1:])
            raise ValueError(
                f"expected sequences of shape ({', '.join(map(str, expected))},) like sample 0, "
                f"got shape {tuple(sequence.shape)} in sample {i}"
            )
        if sequence.dtype != first.dtype:
            raise TypeError(
                f"expected sequences of dtype {first.dtype} like sample 0, got {sequence.dtype} in sample {i}"
            )
        sequences.append(sequence)
        labels.append(label)
    lengths = torch.tensor([len(sequence) for sequence in sequences])
    return pad_sequence(sequences, batch_first=True), lengths, default_collate(labels)


def seed_worker(worker_id: int) -> None:
    """Re-seed the dataset's own generator, `dataset.rng`, in each `DataLoader` worker; use as `worker_init_fn`.

    PyTorch seeds `torch`, `random` and NumPy's global generator in every worker, from the
    loader's `generator` (or the global seed), but not a generator the dataset made for itself: every worker gets a copy
    of it in the same state, so all workers draw the same numbers. This gives each worker's copy
    the worker's own seed. Commonly gotten wrong: with `num_workers > 0`, a script must start its
    loop under `if __name__ == "__main__":`, because worker processes may import the script again.

    Examples:
        >>> class Noise(Dataset):
        ...     def __init__(self):
        ...         self.rng = np.random.default_rng(0)
        ...     def __len__(self):
        ...         return 4
        ...     def __getitem__(self, i):
        ...         return self.rng.integers(1000)
        >>> def draws(worker_init_fn=None):
        ...     loader = DataLoader(Noise(), batch_size=2, num_workers=2,
        ...                         worker_init_fn=worker_init_fn,
        ...                         generator=torch.Generator().manual_seed(0))
        ...     return [batch.tolist() for batch in loader]
        >>> same = draws()
        >>> same[0] == same[1]
        True
        >>> seeded = draws(seed_worker)
        >>> seeded[0] == seeded[1], seeded == draws(seed_worker)
        (False, True)
        >>> seed_worker(0)
        Traceback (most recent call last):
        ...
        RuntimeError: expected to run in a DataLoader worker (as worker_init_fn), got the main process
    """
    info = get_worker_info()
    if info is None:
        raise RuntimeError(
            "expected to run in a DataLoader worker (as worker_init_fn), got the main process"
        )
    rng = getattr(info.dataset, "rng", None)
    if isinstance(rng, np.random.Generator):
        info.dataset.rng = np.random.default_rng(info.seed)
    elif isinstance(rng, torch.Generator):
        rng.manual_seed(info.seed)
    else:
        raise TypeError(
            "expected the dataset to keep its generator in .rng, a numpy Generator or a "
            f"torch.Generator, got {type(rng).__name__}"
        )
