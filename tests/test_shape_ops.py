import numpy as np
import pytest
import torch

from recipes.shape_ops import (
    batch_samples,
    chunk_sizes,
    expand_to,
    flatten_batch,
    move_dim,
    safe_view,
    split_sizes,
    squeeze_dim,
    to_channels_last,
)


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


@pytest.mark.parametrize("shape", [(2, 3, 4), (5,), (1, 2, 3, 4), (0, 3, 4)])
def test_flatten_batch_matches_numpy(shape):
    x = torch.randn(shape)
    expected = x.numpy().reshape(shape[0], -1) if shape[0] else np.empty((0, 12))
    out = flatten_batch(x)
    assert out.shape == expected.shape
    np.testing.assert_array_equal(out.numpy(), expected)


def test_flatten_batch_rejects_scalar():
    with pytest.raises(ValueError, match="expected a tensor with a batch dimension.*got a 0-D"):
        flatten_batch(torch.tensor(1.0))


def test_safe_view_shares_memory_and_infers_minus_one():
    x = torch.arange(12)
    v = safe_view(x, 3, -1)
    assert v.shape == (3, 4)
    assert v.data_ptr() == x.data_ptr()
    v[2, 3] = -5
    assert x[11] == -5
    assert safe_view(x, (2, 6)).shape == (2, 6)


def test_safe_view_accepts_view_compatible_non_contiguous_tensor():
    x = torch.arange(24).reshape(4, 6)[:, :3]
    assert not x.is_contiguous()
    np.testing.assert_array_equal(safe_view(x, 4, 3, 1).numpy(), x.numpy().reshape(4, 3, 1))


def test_safe_view_explains_non_contiguous_tensor():
    y = torch.arange(12).reshape(3, 4).transpose(0, 1)
    with pytest.raises(ValueError, match=r"non-contiguous.*\.contiguous\(\).*\.reshape\(\)"):
        safe_view(y, 12)
    np.testing.assert_array_equal(safe_view(y.contiguous(), 12).numpy(), y.numpy().ravel())


@pytest.mark.parametrize("shape", [(5, -1), (4, 4), (-1, -1), (0, -1), (2, -3)])
def test_safe_view_rejects_incompatible_shapes(shape):
    with pytest.raises(ValueError, match="expected"):
        safe_view(torch.arange(12), *shape)


def test_squeeze_dim_removes_only_that_dimension():
    x = torch.zeros(1, 3, 1, 5)
    assert squeeze_dim(x, 0).shape == (3, 1, 5)
    assert squeeze_dim(x, -2).shape == (1, 3, 5)
    assert squeeze_dim(x, 2).unsqueeze(2).shape == x.shape


def test_squeeze_dim_rejects_size_not_one_and_bad_dim():
    x = torch.zeros(1, 3)
    with pytest.raises(ValueError, match="expected dimension 1 to have size 1, got size 3"):
        squeeze_dim(x, 1)
    with pytest.raises(ValueError, match=r"out of range for a 2-D tensor \(expected -2..1\)"):
        squeeze_dim(x, 2)


def test_to_channels_last_matches_numpy_transpose():
    images = torch.randn(2, 3, 4, 5)
    np.testing.assert_array_equal(
        to_channels_last(images).numpy(), np.transpose(images.numpy(), (0, 2, 3, 1))
    )
    np.testing.assert_array_equal(
        to_channels_last(images[0]).numpy(), np.transpose(images[0].numpy(), (1, 2, 0))
    )


def test_to_channels_last_rejects_2d():
    with pytest.raises(ValueError, match=r"expected a 3-D .* or 4-D .*got shape \(4, 5\)"):
        to_channels_last(torch.zeros(4, 5))


def test_batch_samples_adds_leading_dimension_like_numpy_stack():
    samples = [torch.randn(2, 3) for _ in range(4)]
    out = batch_samples(samples)
    assert out.shape == (4, 2, 3)
    np.testing.assert_array_equal(out.numpy(), np.stack([s.numpy() for s in samples]))
    assert torch.cat(samples).shape == (8, 3)


def test_batch_samples_rejects_mismatched_and_empty_input():
    message = r"expected every sample to have shape \(3,\).*got \(2,\) at sample 2"
    with pytest.raises(ValueError, match=message):
        batch_samples([torch.zeros(3), torch.zeros(3), torch.zeros(2)])
    with pytest.raises(ValueError, match="expected at least one sample"):
        batch_samples([])
    with pytest.raises(TypeError, match="expected a sequence of tensors"):
        batch_samples(torch.zeros(2, 3))


@pytest.mark.parametrize("length", range(0, 13))
@pytest.mark.parametrize("size", [1, 2, 3, 5])
def test_split_sizes_matches_torch_split(length, size):
    pieces = torch.arange(length).split(size)
    assert split_sizes(length, size) == [len(p) for p in pieces]


@pytest.mark.parametrize("length", range(0, 13))
@pytest.mark.parametrize("chunks", [1, 2, 3, 4, 5, 7])
def test_chunk_sizes_matches_torch_chunk(length, chunks):
    pieces = torch.arange(length).chunk(chunks)
    sizes = chunk_sizes(length, chunks)
    assert sizes == [len(p) for p in pieces]
    assert sum(sizes) == length


def test_split_sizes_with_sections_and_bad_sections():
    assert split_sizes(5, [2, 1, 2]) == [len(p) for p in torch.ones(5).split([2, 1, 2])]
    with pytest.raises(ValueError, match=r"expected the sizes \[2, 2, 2\] to add up to 5, got 6"):
        split_sizes(5, [2, 2, 2])
    with pytest.raises(ValueError, match="expected split_size >= 1, got 0"):
        split_sizes(5, 0)


def test_chunk_sizes_rejects_bad_arguments():
    with pytest.raises(ValueError, match="expected chunks >= 1, got 0"):
        chunk_sizes(5, 0)
    with pytest.raises(TypeError, match="expected length to be an int, got float"):
        chunk_sizes(5.0, 2)


# expand_to / move_dim -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "shape, target",
    [((3, 1), (3, 4)), ((3, 1), (2, 3, 4)), ((1,), (5,)), ((2, 1, 3), (2, -1, 3)), ((3, 1), (0, 3, 2))],
)
def test_expand_to_matches_numpy_broadcast_to_without_copying(shape, target):
    x = torch.randn(shape)
    out = expand_to(x, *target)
    numpy_target = tuple(
        size if size != -1 else shape[i - (len(target) - len(shape))] for i, size in enumerate(target)
    )
    np.testing.assert_array_equal(out.numpy(), np.broadcast_to(x.numpy(), numpy_target))
    assert out.numel() == 0 or out.data_ptr() == x.data_ptr()


def test_expand_to_shares_memory_where_repeat_copies():
    x = torch.tensor([[1], [2], [3]])
    expanded, repeated = expand_to(x, 3, 4), x.repeat(1, 4)
    assert torch.equal(expanded, repeated)
    expanded[0, 0] = 100
    assert expanded[0].tolist() == [100] * 4 and x[0, 0] == 100
    assert repeated[0].tolist() == [1] * 4
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        expand_to(x, 3, 4).add_(1)


@pytest.mark.parametrize(
    "target, error, message",
    [
        ((4, 4), ValueError, r"cannot expand shape \(3, 1\) to \(4, 4\): dim 0 has size 3; expected 1 or 4"),
        ((4,), ValueError, r"expected at least 2 sizes, got 1"),
        ((-1, 3, 4), ValueError, r"expected a size >= 0 for the new dim 0, got -1"),
        ((3, 4.0), TypeError, r"expected the shape to hold ints"),
    ],
)
def test_expand_to_bad_input(target, error, message):
    with pytest.raises(error, match=message):
        expand_to(torch.zeros(3, 1), *target)


@pytest.mark.parametrize("source, destination", [(1, -1), (0, 2), (-1, 0), (2, 2)])
def test_move_dim_matches_numpy_moveaxis(source, destination):
    x = torch.randn(2, 3, 4, 5)
    out = move_dim(x, source, destination)
    np.testing.assert_array_equal(out.numpy(), np.moveaxis(x.numpy(), source, destination))
    assert out.data_ptr() == x.data_ptr()


def test_move_dim_bad_input():
    with pytest.raises(ValueError, match=r"dim -5 is out of range for a 4-D tensor \(expected -4..3\)"):
        move_dim(torch.zeros(2, 3, 4, 5), -5, 0)
    with pytest.raises(TypeError, match="expected dim to be an int, got tuple"):
        move_dim(torch.zeros(2, 3), (0, 1), (1, 0))
