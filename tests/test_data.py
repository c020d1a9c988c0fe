import math

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, Dataset, TensorDataset, random_split

from recipes.data import (
    SlidingWindowDataset,
    batches_per_epoch,
    make_loader,
    pad_collate,
    seed_worker,
    split_dataset,
    to_tensor_dataset,
)


def test_sliding_window_pairs_match_numpy_windows():
    series = np.sin(np.linspace(0, 3, 20))
    window = 4
    dataset = SlidingWindowDataset(series, window=window)
    expected_windows = np.lib.stride_tricks.sliding_window_view(series, window)[:-1]
    assert len(dataset) == len(expected_windows) == 16
    for i in range(len(dataset)):
        x, y = dataset[i]
        assert x.dtype == y.dtype == torch.float32
        np.testing.assert_allclose(x.numpy(), expected_windows[i], rtol=1e-6)
        assert y.item() == pytest.approx(series[i + window], rel=1e-6)


def test_sliding_window_negative_index_and_iteration_stop():
    dataset = SlidingWindowDataset(torch.arange(5), window=2)
    x, y = dataset[-1]
    assert x.tolist() == [2.0, 3.0] and y.item() == 4.0
    assert len(list(dataset)) == len(dataset) == 3
    with pytest.raises(IndexError):
        dataset[3]


def test_sliding_window_rejects_window_not_shorter_than_series():
    with pytest.raises(ValueError, match=r"at least 6 values for window 5\), got 5 values"):
        SlidingWindowDataset(torch.arange(5.0), window=5)
    with pytest.raises(ValueError, match="expected window >= 1, got 0"):
        SlidingWindowDataset(torch.arange(5.0), window=0)


def test_sliding_window_rejects_2d_series():
    with pytest.raises(ValueError, match=r"expected a 1-D series, got shape \(10, 2\)"):
        SlidingWindowDataset(torch.zeros(10, 2), window=3)


def test_sliding_window_batches_through_a_loader():
    dataset = SlidingWindowDataset(torch.arange(12.0), window=3)
    x, y = next(iter(make_loader(dataset, batch_size=4)))
    assert x.shape == (4, 3) and y.shape == (4,)
    torch.testing.assert_close(y, x[:, -1] + 1)


def test_to_tensor_dataset_converts_dtypes():
    features = np.random.default_rng(0).normal(size=(6, 3))
    dataset = to_tensor_dataset(features, np.arange(6, dtype=np.int32))
    x, y = dataset.tensors
    assert x.dtype == torch.float32 and y.dtype == torch.int64
    np.testing.assert_allclose(x.numpy(), features, rtol=1e-6)
    layer = torch.nn.Linear(3, 1)
    assert layer(x).shape == (6, 1)


def test_to_tensor_dataset_rejects_length_mismatch_and_lists():
    with pytest.raises(ValueError, match=r"expected as many targets as feature rows \(5\), got 4"):
        to_tensor_dataset(np.zeros((5, 2)), np.zeros(4))
    with pytest.raises(TypeError, match="expected features to be a NumPy array or tensor, got list"):
        to_tensor_dataset([[1.0, 2.0]], np.zeros(1))


@pytest.mark.parametrize("num_samples", [1, 7, 16, 17, 100])
@pytest.mark.parametrize("batch_size", [1, 4, 16, 32])
@pytest.mark.parametrize("drop_last", [False, True])
def test_batches_per_epoch_equals_len_loader(num_samples, batch_size, drop_last):
    expected = math.floor(num_samples / batch_size) if drop_last else math.ceil(num_samples / batch_size)
    assert batches_per_epoch(num_samples, batch_size, drop_last) == expected
    if drop_last and batch_size > num_samples:
        return
    loader = make_loader(TensorDataset(torch.zeros(num_samples)), batch_size, drop_last=drop_last)
    assert len(loader) == expected == sum(1 for _ in loader)


def test_batches_per_epoch_rejects_bad_arguments():
    with pytest.raises(ValueError, match="expected batch_size >= 1, got 0"):
        batches_per_epoch(10, 0)
    with pytest.raises(ValueError, match="expected num_samples >= 0, got -1"):
        batches_per_epoch(-1, 2)


def test_make_loader_seeded_shuffle_is_reproducible_and_a_permutation():
    dataset = TensorDataset(torch.arange(20))

    def epochs(seed):
        loader = make_loader(dataset, batch_size=6, shuffle=True, seed=seed)
        return [torch.cat([b for (b,) in loader]).tolist() for _ in range(2)]

    first, second = epochs(0)
    assert sorted(first) == list(range(20))
    assert first != list(range(20))
    assert first != second
    assert epochs(0) == [first, second]
    torch.rand(100)
    assert epochs(0) == [first, second]
    assert epochs(1) != [first, second]


def test_make_loader_rejects_bad_options():
    dataset = TensorDataset(torch.arange(10))
    with pytest.raises(ValueError, match="expected batch_size >= 1, got 0"):
        make_loader(dataset, batch_size=0)
    with pytest.raises(TypeError, match="expected batch_size to be an int, got float"):
        make_loader(dataset, batch_size=2.5)
    message = "expected batch_size <= 10 samples with drop_last=True, got 11"
    with pytest.raises(ValueError, match=message):
        make_loader(dataset, batch_size=11, drop_last=True)
    with pytest.raises(TypeError, match="expected a torch Dataset, got list"):
        make_loader([1, 2, 3], batch_size=2)


# split_dataset -------------------------------------------------------------------------------


@pytest.mark.parametrize("n, fractions", [(10, [0.8, 0.2]), (10, [0.33, 0.33, 0.34]), (7, [0.5, 0.5]), (5, [1.0])])
def test_split_dataset_is_a_seeded_partition(n, fractions):
    dataset = TensorDataset(torch.arange(n))
    parts = split_dataset(dataset, fractions, seed=3)
    indices = [i for part in parts for i in part.indices]
    assert sorted(indices) == list(range(n))
    assert sum(len(part) for part in parts) == n
    for part, fraction in zip(parts, fractions):
        assert math.floor(fraction * n) <= len(part) <= math.floor(fraction * n) + 1
    again = split_dataset(dataset, fractions, seed=3)
    assert [p.indices for p in again] == [p.indices for p in parts]
    raw = random_split(dataset, fractions, generator=torch.Generator().manual_seed(3))
    assert [p.indices for p in raw] == [p.indices for p in parts]


def test_split_dataset_ignores_the_global_seed_and_follows_its_own():
    dataset = TensorDataset(torch.arange(100))
    torch.manual_seed(0)
    first = split_dataset(dataset, [0.5, 0.5])[1].indices
    torch.rand(10)
    assert split_dataset(dataset, [0.5, 0.5])[1].indices == first
    assert split_dataset(dataset, [0.5, 0.5], seed=1)[1].indices != first


@pytest.mark.parametrize(
    "dataset, fractions, error, message",
    [
        (TensorDataset(torch.arange(10)), [0.8, 0.1], ValueError, r"add up to 1, got \[0.8, 0.1\] \(sum 0.9\)"),
        (TensorDataset(torch.arange(10)), [1.2, -0.2], ValueError, "expected fractions between 0 and 1"),
        (TensorDataset(torch.arange(10)), [], ValueError, "expected fractions between 0 and 1, got \\[\\]"),
        (list(range(10)), [0.5, 0.5], TypeError, "expected a torch Dataset with a length, got list"),
    ],
)
def test_split_dataset_bad_input(dataset, fractions, error, message):
    with pytest.raises(error, match=message):
        split_dataset(dataset, fractions)


# pad_collate ---------------------------------------------------------------------------------


def test_pad_collate_pads_and_keeps_the_real_values():
    sequences = [torch.randn(n, 2) for n in (3, 1, 4)]
    batch = [(seq, torch.tensor(label)) for label, seq in enumerate(sequences)]
    padded, lengths, labels = pad_collate(batch)
    assert padded.shape == (3, 4, 2) and lengths.tolist() == [3, 1, 4] and labels.tolist() == [0, 1, 2]
    for row, seq in zip(padded, sequences):
        assert torch.equal(row[: len(seq)], seq)
        assert not row[len(seq) :].any()


def test_pad_collate_in_a_loader_where_the_default_collate_fails():
    samples = [(torch.arange(n), n % 2) for n in (2, 5, 3, 1)]
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        next(iter(DataLoader(samples, batch_size=2)))
    batches = list(DataLoader(samples, batch_size=2, collate_fn=pad_collate))
    assert [tuple(padded.shape) for padded, _, _ in batches] == [(2, 5), (2, 3)]


@pytest.mark.parametrize(
    "batch, error, message",
    [
        ([], ValueError, "expected at least one sample, got an empty batch"),
        ([torch.arange(3)], TypeError, r"expected \(sequence, label\) pairs, got Tensor in sample 0"),
        ([(torch.zeros(2, 3), 0), (torch.zeros(2, 4), 1)], ValueError, r"shape \(length, 3,\) like sample 0, got shape \(2, 4\) in sample 1"),
        ([(torch.zeros(2), 0), (torch.zeros(2, dtype=torch.int64), 1)], TypeError, "dtype torch.float32 like sample 0, got torch.int64"),
        ([(torch.tensor(1.0), 0)], TypeError, "expected the sequence to be a tensor of shape"),
    ],
)
def test_pad_collate_bad_input(batch, error, message):
    with pytest.raises(error, match=message):
        pad_collate(batch)


# seed_worker ---------------------------------------------------------------------------------


class _OwnGenerators(Dataset):
    """Each item draws from the dataset's own NumPy and torch generators (made in __init__)."""

    def __init__(self, kind: str) -> None:
        self.rng = np.random.default_rng(0) if kind == "numpy" else torch.Generator().manual_seed(0)

    def __len__(self) -> int:
        return 8

    def __getitem__(self, i: int) -> int:
        if isinstance(self.rng, torch.Generator):
            return int(torch.randint(10**6, (1,), generator=self.rng))
        return int(self.rng.integers(10**6))


@pytest.mark.parametrize("kind", ["numpy", "torch"])
def test_seed_worker_gives_each_worker_its_own_reproducible_stream(kind):
    def run(worker_init_fn, seed=0):
        loader = DataLoader(
            _OwnGenerators(kind), batch_size=4, num_workers=2, worker_init_fn=worker_init_fn,
            generator=torch.Generator().manual_seed(seed),
        )
        return [batch.tolist() for batch in loader]

    unseeded = run(None)
    assert unseeded[0] == unseeded[1]
    seeded = run(seed_worker)
    assert seeded[0] != seeded[1]
    assert run(seed_worker) == seeded
    assert run(seed_worker, seed=1) != seeded


def test_seed_worker_names_a_dataset_without_its_own_generator():
    loader = DataLoader(TensorDataset(torch.arange(4)), num_workers=1, worker_init_fn=seed_worker)
    with pytest.raises(TypeError, match=r"keep its generator in \.rng.*got NoneType"):
        next(iter(loader))


def test_seed_worker_refuses_the_main_process():
    with pytest.raises(RuntimeError, match="expected to run in a DataLoader worker"):
        seed_worker(0)
