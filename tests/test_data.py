import math

import numpy as np
import pytest
import torch
from torch.utils.data import TensorDataset

from recipes.data import SlidingWindowDataset, batches_per_epoch, make_loader, to_tensor_dataset


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
